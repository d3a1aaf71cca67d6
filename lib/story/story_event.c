/* SPDX-License-Identifier: MIT */
/* story_event.c -- S8 of stage story, the event level: the version families of S6/S7 grouped
 * by the event they report, independent texts allowed (steps_internal.h).
 *
 * A family is one report; its centroid (the sum of its units' TF-IDF vectors) is what it says.
 * Candidate family pairs come from an inverted index of the centroids' top terms (as S4 does
 * for units), scored by centroid cosine. Events then form by centroid linkage (agglomerative
 * merging, strongest pair first, each event once a round so that every merge is re-checked
 * against the merged centroid: merge_clusters in S6 does the same for stories) and are refined
 * by Lloyd's k-means step (Lloyd 1982) restricted to the events a family is paired with (and
 * that share two of its terms; a family leaves a small event at a lower cosine than a large
 * one), then merged and refined again until a merge pass merges nothing. No
 * number of events is given; merging never links two events through one pair of families, so
 * a chain of pairwise-similar reports does not become one event unless the centroids agree.
 * Every step is deterministic and independent of the thread count. docs/internals/story.md
 * has the measurements behind each constant. */
#include <math.h>   /* sqrt, fabsf, pow */
#include <stdlib.h> /* qsort */
#include <string.h> /* memset */
#include <xxhash.h> /* XXH3_64bits_withSeed */
#include "common/parallel_internal.h"
#include "steps_internal.h"

/* ---- S8: events ------------------------------------------------------------------------- */

struct fedge {
    uint32_t a, b; /* families (or events), a < b */
    float sim;
};

/* The scratch of S8; every array is freed in one place. */
struct ev {
    struct rpi_story *s;
    uint32_t nf;
    uint32_t nterm;  /* S8's own term numbers: the centroids' terms, most families first */
    uint32_t *slot;  /* S8 term -> the term table's slot (rpi_story_vectors) */
    uint32_t *ufam;  /* unit -> family */
    uint32_t *fdoc;  /* family -> its original document */
    uint32_t *fsize; /* family -> units */
    int64_t *fdate;  /* family -> its original's date (INT64_MIN undated) */
    size_t *foff;    /* family f's units: fmem[foff[f], foff[f + 1]) */
    uint32_t *fmem;
    size_t *coff; /* family f's centroid: cterm/cw[coff[f], coff[f + 1]), unit length */
    uint32_t *cterm;
    float *cw;
    float *cr;       /* the centroid terms' weights over families, for the top terms */
    float *dense;    /* df_cap while the centroids are built, then nterm; 0 between uses */
    struct fedge *e; /* family pairs with their centroid similarity */
    size_t ne, cap_e;
    uint32_t *ev; /* family -> event (a family number: the event's first family) */
    /* two buffers of event centroids or sums (coff[nf] terms each), one the current, one being
     * built; the merge and the refinement share them (fresh ones for each: page faults of the
     * event level on Reuters-21578 12,350 instead of 12,091) */
    uint32_t *sterm[2];
    float *sw[2];
    /* after the first merge and refinement: event -> its members changed in the last step (a
     * merge or a refinement); the next step weighs again only what involves one of them */
    uint8_t *chg;
    uint32_t *ev0; /* family -> event before the step */
};

/* The defaults, one set for headlines, snippets, tweets and articles, measured with
 * `reprint eval` on GoogleNews TS/S/Tweet and MStream News/Tweets (docs/internals/story.md):
 * merging centroids at 0.25 instead of 0.3 lost 4-9 points of pairwise precision for 1-2 of
 * NMI; refining at 0.15 instead of 0.2 merged unrelated small events (Tweet NMI 0.907 ->
 * 0.893); 8 refinement rounds instead of 3: TS pairwise F1 0.836 -> 0.869. */
#define RPI_EVENT_FLOOR 0.1  /* family pairs below this centroid cosine are not kept */
#define RPI_EVENT_MERGE 0.3  /* centroid cosine at which two events merge */
#define RPI_EVENT_MERGE_FLAT 0.33 /* the same in a caseless collection (RPI_EVENT_IDF_POW) */
#define RPI_EVENT_REFINE 0.2 /* centroid cosine at which a family moves to another event */
#define RPI_EVENT_ROUNDS 16  /* merge rounds at most (each halves the events at best) */
#define RPI_EVENT_REFINES 8  /* refinement rounds at most */
/* Merge-and-refine passes after the first at most (issue 14): a refinement sharpens the
 * centroids, and pieces of one event the first merge could not join reach RPI_EVENT_MERGE.
 * NMI TS 0.9494 -> 0.9516, S 0.9126 -> 0.9162, Tweet, News, Tweets +0.0003 to +0.0005 (with
 * the threshold by size below); a third pass left the five as two did. */
#define RPI_EVENT_CYCLES 3
/* refinement rounds at most in those passes: 4 gave the five corpora of 8 (2: S and Tweets
 * -0.0001 NMI) and half the time on Reuters-21578, whose families swap back and forth */
#define RPI_EVENT_REFINES_AGAIN 4
/* A family moves only to an event it shares two terms with or more: among headlines of three
 * to five words one shared word ("state", "guy", "shock") reached the threshold against
 * unrelated events. MStream News NMI 0.873 -> 0.877, Tweets 0.879 -> 0.882, GoogleNews-Tweet
 * 0.910 -> 0.912, TS and S unchanged (within 0.0002). With it, a report alone (a family of one
 * unit in an event of its own) moves at RPI_EVENT_FLOOR instead of RPI_EVENT_REFINE: one short
 * text against an event's centroid has a low cosine even when it belongs there (the centroid
 * spreads its weight over the whole event's words), while a large family alone is usually an
 * event of its own (lone families of any size at 0.15 without the two terms: News 0.873 ->
 * 0.872, families of 25-74 units joined events they shared one word with). Since issue 14
 * the threshold to leave an event of w units runs from the floor (w = 1, the report alone)
 * towards RPI_EVENT_REFINE: floor + (refine - floor) * (1 - 1/w) (refine(): NMI +0.0006 to
 * +0.003 on TS, S, Tweet and News, Tweets unchanged). */
#define RPI_EVENT_SHARED 2
/* share of an event's weight that must move before the families next to it are weighed again */
#define RPI_EVENT_DRIFT 0.05
/* A name (a capitalised term; the collection has case) weighs three times a word in a family
 * centroid: events are told by who and where, and a template (earnings reports, weather
 * tables) shares its words, not its names. On Reuters-21578 the largest events went from
 * 410 and 330 earnings reports of different companies to 282 and 230 (2: 369, 284); the
 * caseless corpora have no names, the seeds stay one event. */
#define RPI_EVENT_NAMES 3.0f
/* In a caseless collection (headlines, tweets: S3's `caseless`) a term weighs in a family
 * centroid its unit weight (S3's TF-IDF) times IDF^-0.375, i.e. tf * IDF^0.625: in texts of a
 * few words the rarest terms (a misspelling, a word of one text) filled the centroids, and two
 * reports of one event in common words scored low. With the merge at 0.33 (flatter weights
 * raise every cosine; RPI_EVENT_MERGE_FLAT), NMI TS / S / Tweet / News / Tweets 0.9548 /
 * 0.9175 / 0.9089 / 0.8894 / 0.8939 -> 0.9554 / 0.9227 / 0.9297 / 0.8912 / 0.8977, and up on
 * both halves (line parity) of every corpus (docs/internals/story.md S8 step 1).
 * Exponents -0.25 / -0.5 / -1 at a merge of 0.3: News 0.8885 / 0.8879 / 0.8836,
 * Tweets 0.8958 / 0.8968 / 0.8931, TS 0.9559 / 0.9555 / 0.9312. A collection with case keeps
 * S3's weights and 0.3: its names already weigh (RPI_EVENT_NAMES), and on Reuters-21578 the
 * flat weights made more pairs to weigh (event/story CPU 1.47x -> 1.60x, 5 alternated runs). */
#define RPI_EVENT_IDF_POW (-0.375)

/* Hashtags in a caseless collection (tweets): a long token that is the concatenation of two or
 * three words the collection uses more often than the whole ("knockknocklive") counts in a
 * family centroid as those words too, each at the weight it would have in the text (the whole
 * token's weight times the part's IDF over the whole's): in MStream Tweets one event was two
 * pieces of 1,163 and 416 tweets sharing no word, one writing the hashtag as one token, the
 * other as words. Only S8's centroids see the parts: the story level (S1-S7) is unchanged.
 * NMI (full / even lines / odd lines): MStream Tweets 0.8977 / 0.9071 / 0.9032 -> 0.9016 /
 * 0.9121 / 0.9065 (pairwise F1 0.775 -> 0.830), Tweet 0.9297 -> 0.9317, the three others
 * within 0.0006 (docs/internals/story.md S8, step 1). */
#define RPI_EVENT_SEG_LONG 8u /* a token this long or longer may be a concatenation */
#define RPI_EVENT_SEG_MAX 40u /* and no longer */
#define RPI_EVENT_SEG_PART 3u /* letters of a part at least */

/* The slot of the ASCII letters w[0..n) (lower case), UINT32_MAX when the collection lacks
 * them. Lower-case ASCII letters normalize to themselves (NFKC, case folding), so their token
 * id is the normalizer's hash (normalize.c) of the bytes themselves. */
static uint32_t word_slot(const struct rpi_story *s, const char *w, size_t n)
{
    return rpi_story_slot(s, rpi_token_id(XXH3_64bits_withSeed(w, n, s->in.p.norm.seed)));
}

/* A part's slot when the collection uses it in more units than dfw, else UINT32_MAX. */
static uint32_t part_slot(const struct rpi_story *s, const char *w, size_t n, uint32_t dfw)
{
    const uint32_t k = word_slot(s, w, n);
    return k != UINT32_MAX && s->df[k].val > dfw ? k : UINT32_MAX;
}

/* Where k is in the sorted a[0..n), n when absent. */
static size_t find_u64(const uint64_t *a, size_t n, uint64_t k)
{
    const size_t at = rpi_lower_bound_u64(a, n, k);
    return at < n && a[at] == k ? at : n;
}

/* A split holds only when the collection writes its parts as words, next to each other, in
 * RPI_EVENT_SEG_ADJ places or more ("knock knock live"): frequent parts alone split common
 * words ("campbell", "provision", "airplane" on GoogleNews-S: NMI 0.9227 -> 0.9201). A split
 * that fails is dropped (seg 1). */
#define RPI_EVENT_SEG_ADJ 2u
static rp_status adjacent(struct rpi_story *s, uint32_t *parts, size_t np)
{
    uint64_t *key = rpi_malloc(s->in.alloc, (np / 2 + 1) * sizeof *key);
    uint32_t *cnt = rpi_calloc(s->in.alloc, np / 2 + 1, sizeof *cnt);
    rp_status st = RP_E_NOMEM;
    size_t nk = 0;
    if (!key || !cnt) goto done;
    for (size_t k = 0; k < np; k += 4)
        for (uint32_t j = 1; j < parts[k]; j++)
            key[nk++] = (uint64_t)parts[k + j] << 32 | parts[k + j + 1];
    RP_TRY_GOTO(st, rpi_sort_u64(s->in.alloc, key, nk), done);
    size_t m = 0;
    for (size_t i = 0; i < nk; i++)
        if (!m || key[m - 1] != key[i]) key[m++] = key[i];
    nk = m;
    for (uint32_t u = 0; u < s->n_units; u++) {
        const struct rpi_sdoc *sd = rpi_unit_sd(s, u);
        uint32_t prev = UINT32_MAX;
        for (uint32_t t = 0; t < sd->n_tok; t++) {
            const uint32_t x = sd->tok[t] ? rpi_story_slot(s, sd->tok[t]) : UINT32_MAX;
            if (prev != UINT32_MAX && x != UINT32_MAX) {
                const size_t at = find_u64(key, nk, (uint64_t)prev << 32 | x);
                if (at < nk) cnt[at]++;
            }
            prev = x;
        }
        rpi_story_release(s, sd);
    }
    for (size_t k = 0; k < np; k += 4) {
        uint32_t ok = 1;
        for (uint32_t j = 1; j < parts[k]; j++)
            ok &= cnt[find_u64(key, nk, (uint64_t)parts[k + j] << 32 | parts[k + j + 1])] >=
                  RPI_EVENT_SEG_ADJ;
        if (!ok) parts[k] = 0; /* no parts */
    }
    st = RP_OK;
done:
    rpi_free(s->in.alloc, key);
    rpi_free(s->in.alloc, cnt);
    return st;
}

/* seg (df_cap): slot -> 0 unseen, 1 none, else k + 2: its parts are parts[4k + 1 ..], 4k their
 * number. The split: two or three parts, each of RPI_EVENT_SEG_PART letters or more, in more
 * units than the whole; of those the one whose rarest part is most frequent, two parts on a
 * tie. */
static rp_status hashtags(struct rpi_story *s, uint32_t **seg_out, uint32_t **parts_out)
{
    uint32_t *seg = rpi_calloc(s->in.alloc, s->df_cap ? s->df_cap : 1, sizeof *seg);
    uint32_t *parts = NULL;
    size_t np = 0, cap = 0;
    rp_status st = seg ? RP_OK : RP_E_NOMEM;
    for (uint32_t u = 0; u < s->n_units && st == RP_OK; u++) {
        const struct rpi_sdoc *sd = rpi_unit_sd(s, u);
        for (uint32_t t = 0; t < sd->n_tok && st == RP_OK; t++) {
            const uint32_t slot = sd->tok[t] ? rpi_story_slot(s, sd->tok[t]) : UINT32_MAX;
            if (slot == UINT32_MAX || seg[slot]) continue;
            seg[slot] = 1;
            const uint32_t a = sd->off[2 * t], L = sd->off[2 * t + 1] - a;
            if (L < RPI_EVENT_SEG_LONG || L > RPI_EVENT_SEG_MAX) continue;
            char w[RPI_EVENT_SEG_MAX];
            uint32_t i = 0;
            for (; i < L; i++) {
                const char c = sd->text[a + i];
                if (c >= 'A' && c <= 'Z')
                    w[i] = (char)(c - 'A' + 'a');
                else if (c >= 'a' && c <= 'z')
                    w[i] = c;
                else
                    break;
            }
            if (i < L) continue;
            const uint32_t dfw = s->df[slot].val, P = RPI_EVENT_SEG_PART;
            uint32_t best[3] = {0}, nb = 0, score = 0;
            for (uint32_t p = P; p + P <= L; p++) {
                const uint32_t x = part_slot(s, w, p, dfw);
                if (x == UINT32_MAX) continue;
                const uint32_t y = part_slot(s, w + p, L - p, dfw);
                if (y != UINT32_MAX) {
                    const uint32_t m = s->df[x].val < s->df[y].val ? s->df[x].val : s->df[y].val;
                    if (m > score) score = m, nb = 2, best[0] = x, best[1] = y;
                }
                for (uint32_t q = p + P; q + P <= L; q++) {
                    const uint32_t z = part_slot(s, w + q, L - q, dfw);
                    if (z == UINT32_MAX) continue;
                    const uint32_t y3 = part_slot(s, w + p, q - p, dfw);
                    if (y3 == UINT32_MAX) continue;
                    uint32_t m = s->df[x].val < s->df[y3].val ? s->df[x].val : s->df[y3].val;
                    m = m < s->df[z].val ? m : s->df[z].val;
                    if (m > score) score = m, nb = 3, best[0] = x, best[1] = y3, best[2] = z;
                }
            }
            if (!nb) continue;
            void *pp = parts;
            st = rpi_array_reserve(s->in.alloc, &pp, &cap, sizeof *parts, np + 4);
            if (st != RP_OK) break;
            parts = pp;
            seg[slot] = (uint32_t)(np / 4 + 2);
            parts[np] = nb;
            for (uint32_t k = 0; k < 3; k++)
                parts[np + 1 + k] = best[k];
            np += 4;
        }
        rpi_story_release(s, sd);
    }
    if (st == RP_OK && np) st = adjacent(s, parts, np);
    if (st != RP_OK) {
        rpi_free(s->in.alloc, seg);
        rpi_free(s->in.alloc, parts);
        seg = parts = NULL;
    }
    *seg_out = seg;
    *parts_out = parts;
    return st;
}

/* Family centroids, TF-IDF over families: a term's weight in a unit vector divided by its
 * IDF over units is the unit's (1 + ln tf), normalized; the family's is the sum over its
 * units, times the term's IDF over families (rpi_story_idf_of), unit length. Weighting by
 * families matters: the words a wire story and its cut share (in two units) were among the
 * rarest of the collection and filled the family's top terms, so two families reporting one
 * event in their own words never met. Terms of one family are left out (they cannot join
 * two) but counted in the norm. Terms in order of first use. These weights (cr) choose the
 * top terms; the centroid itself (cw) is the sum of the units' vectors, in a caseless
 * collection each term times IDF^RPI_EVENT_IDF_POW, unit length. */
static rp_status centroids(struct ev *v)
{
    struct rpi_story *s = v->s;
    size_t total = 0;
    uint32_t *seg = NULL, *parts = NULL; /* hashtags' parts, a caseless collection's only */
    if (s->caseless) RP_TRY(hashtags(s, &seg, &parts));
    for (uint32_t u = 0; u < s->n_units; u++) {
        total += s->vec[u].n;
        for (uint32_t i = 0; seg && i < s->vec[u].n; i++)
            total += seg[s->vec[u].term[i]] > 1 ? parts[4 * (seg[s->vec[u].term[i]] - 2)] : 0;
    }
    v->coff = rpi_malloc(s->in.alloc, ((size_t)v->nf + 1) * sizeof *v->coff);
    v->cterm = rpi_malloc(s->in.alloc, (total ? total : 1) * sizeof *v->cterm);
    v->cw = rpi_malloc(s->in.alloc, (total ? total : 1) * sizeof *v->cw);
    v->cr = rpi_malloc(s->in.alloc, (total ? total : 1) * sizeof *v->cr);
    uint32_t *fdf = rpi_calloc(s->in.alloc, s->df_cap ? s->df_cap : 1, sizeof *fdf);
    if (!v->coff || !v->cterm || !v->cw || !v->cr || !fdf) {
        rpi_free(s->in.alloc, fdf);
        rpi_free(s->in.alloc, seg);
        rpi_free(s->in.alloc, parts);
        return RP_E_NOMEM;
    }
    const float name_boost = RPI_EVENT_NAMES;
    size_t n = 0;
    for (uint32_t f = 0; f < v->nf; f++) { /* the families' terms and their frequencies */
        const size_t start = n;
        v->coff[f] = start;
        for (size_t k = v->foff[f]; k < v->foff[f + 1]; k++) {
            const struct svec *x = &s->vec[v->fmem[k]];
            for (uint32_t i = 0; i < x->n; i++) {
                const uint32_t t = x->term[i];
                if (v->dense[t] == 0) {
                    v->cterm[n++] = t;
                    fdf[t]++;
                }
                /* names (negative weights) count RPI_EVENT_NAMES times a word */
                v->dense[t] += x->w[i] < 0 ? -x->w[i] * name_boost : x->w[i];
                if (!seg || seg[t] < 2 || x->w[i] <= 0 || !(s->idf[t] > 0)) continue;
                const uint32_t *pt = parts + 4 * (size_t)(seg[t] - 2);
                for (uint32_t j = 1; j <= pt[0]; j++) { /* a hashtag's words, at their IDF */
                    if (!(s->idf[pt[j]] > 0)) continue;
                    if (v->dense[pt[j]] == 0) {
                        v->cterm[n++] = pt[j];
                        fdf[pt[j]]++;
                    }
                    v->dense[pt[j]] += x->w[i] * s->idf[pt[j]] / s->idf[t];
                }
            }
        }
        for (size_t i = start; i < n; i++) {
            v->cw[i] = v->dense[v->cterm[i]];
            v->dense[v->cterm[i]] = 0;
        }
    }
    v->coff[v->nf] = n;
    /* S8's term numbers, most families first: the dense arrays every product reads are then
     * the centroids' terms only, their frequent terms on few cache lines, instead of the term
     * table's slots spread over a hash table of at least twice the vocabulary */
    uint32_t *map = rpi_malloc(s->in.alloc, (s->df_cap ? s->df_cap : 1) * sizeof *map);
    uint64_t *key = NULL;
    double *fidf = NULL; /* S8 term -> its IDF over families (a log per term, not per use) */
    double *flat = NULL; /* S8 term -> IDF^RPI_EVENT_IDF_POW (a pow per term, not per use) */
    rp_status st = RP_E_NOMEM;
    if (!map) goto done;
    for (size_t t = 0; t < s->df_cap; t++)
        v->nterm += fdf[t] > 0;
    key = rpi_malloc(s->in.alloc, ((size_t)v->nterm + 1) * sizeof *key);
    v->slot = rpi_malloc(s->in.alloc, ((size_t)v->nterm + 1) * sizeof *v->slot);
    fidf = rpi_malloc(s->in.alloc, ((size_t)v->nterm + 1) * sizeof *fidf);
    flat = rpi_malloc(s->in.alloc, ((size_t)v->nterm + 1) * sizeof *flat);
    if (!key || !v->slot || !fidf || !flat) goto done;
    for (size_t t = 0, k = 0; t < s->df_cap; t++)
        if (fdf[t]) key[k++] = (uint64_t)(UINT32_MAX - fdf[t]) << 32 | t;
    RP_TRY_GOTO(st, rpi_sort_u64(s->in.alloc, key, v->nterm), done);
    for (uint32_t k = 0; k < v->nterm; k++) {
        v->slot[k] = (uint32_t)key[k];
        map[v->slot[k]] = k;
        fidf[k] = rpi_story_idf_of(v->nf, fdf[v->slot[k]]);
        const float idf = s->idf[v->slot[k]];
        flat[k] = s->caseless ? pow(idf > 0 ? idf : 1.0, RPI_EVENT_IDF_POW) : 1.0;
    }
    size_t m = 0;
    for (uint32_t f = 0; f < v->nf; f++) { /* weights, norms; terms of one family out */
        const size_t lo = v->coff[f], hi = v->coff[f + 1];
        double norm = 0;
        for (size_t i = lo; i < hi; i++) {
            const double x = v->cw[i] * flat[map[v->cterm[i]]];
            norm += x * x;
        }
        norm = norm > 0 ? 1.0 / sqrt(norm) : 0;
        v->coff[f] = m;
        for (size_t i = lo; i < hi; i++) {
            const uint32_t t = v->cterm[i];
            const float idf = s->idf[t] > 0 ? s->idf[t] : 1.0f;
            v->cterm[m] = map[t];
            v->cr[m] = fdf[t] < 2 ? 0.0f /* joins no two families */
                                  : (float)(v->cw[i] / idf * fidf[map[t]]);
            v->cw[m++] = (float)(v->cw[i] * flat[map[t]] * norm);
        }
    }
    v->coff[v->nf] = m;
    /* from here on the dense array is over S8's terms */
    rpi_free(s->in.alloc, v->dense);
    v->dense = rpi_calloc(s->in.alloc, v->nterm ? v->nterm : 1, sizeof *v->dense);
    st = v->dense ? RP_OK : RP_E_NOMEM;
done:
    rpi_free(s->in.alloc, fdf);
    rpi_free(s->in.alloc, seg);
    rpi_free(s->in.alloc, parts);
    rpi_free(s->in.alloc, map);
    rpi_free(s->in.alloc, key);
    rpi_free(s->in.alloc, fidf);
    rpi_free(s->in.alloc, flat);
    return st;
}

/* The dot product of a vector scattered in dense and terms bt, weights bw. Every weight of S8
 * is positive or +0, so adding the product with a term the scattered vector lacks adds +0
 * and leaves the sum as it was, bit for bit: the loop needs no branch, which mispredicts
 * whenever a family shares some of its terms with an event. With S8's own term numbers
 * (centroids), S8's CPU time on Reuters-21578 went from 1.16 s to 0.64 s (one thread, median
 * of 5 alternated runs), outputs identical. Two running sums (even and odd terms) halve the
 * chain of dependent additions: S8's CPU 0.57 s -> 0.54 s (7 alternated runs), outputs
 * identical on Reuters-21578, the golden corpora and the five event corpora. */
static inline double dot_dense(const float *dense, const uint32_t *bt, const float *bw, size_t bn)
{
    double d0 = 0, d1 = 0;
    size_t j = 0;
    for (; j + 1 < bn; j += 2) {
        d0 += (double)dense[bt[j]] * bw[j];
        d1 += (double)dense[bt[j + 1]] * bw[j + 1];
    }
    if (j < bn) d0 += (double)dense[bt[j]] * bw[j];
    return d0 + d1;
}

/* The terms a family of n terms must share with another event to move there: RPI_EVENT_SHARED,
 * or half of them, rounded up, when that is fewer (a text of one or two terms: a headline cut
 * down to its event's name, a tweet of a hashtag and a word). Tweet NMI +0.0006, MStream News
 * +0.0002, the other three unchanged. */
static inline size_t shared_needed(size_t n)
{
    const size_t half = (n + 1) / 2;
    return half < RPI_EVENT_SHARED ? half : RPI_EVENT_SHARED;
}

/* How many of the terms bt the vector scattered in dense has, up to at most. */
static inline size_t shared_terms(const float *dense, const uint32_t *bt, size_t bn, size_t at_most)
{
    size_t n = 0;
    for (size_t j = 0; j < bn && n < at_most; j++)
        n += dense[bt[j]] != 0;
    return n;
}

/* Cosine of centroid a (scattered in dense) and centroid b. */
static double cos_dense(const struct ev *v, const uint32_t *bt, const float *bw, size_t bn)
{
    return dot_dense(v->dense, bt, bw, bn);
}

static rp_status push_edge(struct ev *v, uint32_t a, uint32_t b, float sim)
{
    if (v->ne == v->cap_e) {
        void *p = v->e;
        RP_TRY(rpi_array_reserve(v->s->in.alloc, &p, &v->cap_e, sizeof *v->e, v->ne + 1));
        v->e = p;
    }
    v->e[v->ne++] = (struct fedge){a, b, sim};
    return RP_OK;
}

/* Candidate family pairs: families sharing one of their RPI_EVENT_TOP heaviest centroid terms
 * (an inverted index of those terms, postings capped), dated ones within the window; each
 * scored by the cosine of their centroids. */
#define RPI_EVENT_TOP 10u
/* A top term of more families is no event's: its postings are skipped. 1,000 (S4's cap for
 * units) cost 0.6 s of CPU on Reuters-21578 in family pairs; 300 and 200 left the five corpora
 * unchanged (100 moved MStream Tweets' pairwise precision and recall by 0.007 and 0.004);
 * 200: Reuters CPU 2.6 s -> 2.0 s. 100 once S8 merged and refined again (issue 14): the five
 * corpora unchanged but MStream Tweets (NMI -0.0001, pairwise F1 -0.0004), S8's instructions
 * on Reuters-21578 2.13G -> 1.47G (the merge and refinement passes pay for every pair). */
#define RPI_EVENT_MAX_POSTING 100u
/* The candidate pairs of a range of families (a < b), on thread t with its own scratch. */
struct elist {
    struct fedge *e;
    size_t n, cap;
};
struct pctx {
    const struct ev *v;
    const uint32_t *top;          /* family -> its top terms (2 * RPI_EVENT_TOP slots) */
    const uint8_t *ntop;          /* family -> how many */
    const uint32_t *start, *post; /* term -> families: post[start[t], start[t + 1]) */
    uint32_t *seen, *touched;     /* per thread: nf each */
    float *dense;                 /* per thread: nterm, 0 between uses */
    struct elist *out;            /* per thread */
};

static rp_status pairs_range(void *ctx, size_t lo, size_t hi, unsigned t)
{
    const struct pctx *p = ctx;
    const struct ev *v = p->v;
    const struct rpi_story *s = v->s;
    uint32_t *seen = p->seen + (size_t)t * v->nf, *touched = p->touched + (size_t)t * v->nf;
    float *dense = p->dense + (size_t)t * (v->nterm ? v->nterm : 1);
    struct elist *out = &p->out[t];
    for (uint32_t a = (uint32_t)lo; a < hi; a++) {
        size_t nt = 0;
        for (uint32_t i = 0; i < p->ntop[a]; i++) {
            const uint32_t x = p->top[(size_t)a * 2 * RPI_EVENT_TOP + i];
            const size_t n = p->start[x + 1] - p->start[x];
            if (n > RPI_EVENT_MAX_POSTING) continue; /* a term of the whole collection */
            for (size_t k = p->start[x]; k < p->start[x + 1]; k++) {
                const uint32_t b = p->post[k];
                if (b <= a || seen[b] == a) continue;
                seen[b] = a;
                touched[nt++] = b;
            }
        }
        if (!nt) continue;
        for (size_t i = v->coff[a]; i < v->coff[a + 1]; i++)
            dense[v->cterm[i]] = v->cw[i];
        for (size_t k = 0; k < nt; k++) {
            const uint32_t b = touched[k];
            if (rpi_story_outside_window(s->in.p.window_days, v->fdate[a], v->fdate[b])) continue;
            const double c = dot_dense(dense, v->cterm + v->coff[b], v->cw + v->coff[b],
                                       v->coff[b + 1] - v->coff[b]);
            if (c < RPI_EVENT_FLOOR) continue;
            if (out->n == out->cap) {
                void *q = out->e;
                RP_TRY(rpi_array_reserve(s->in.alloc, &q, &out->cap, sizeof *out->e, out->n + 1));
                out->e = q;
            }
            out->e[out->n++] = (struct fedge){a, b, (float)c};
        }
        for (size_t i = v->coff[a]; i < v->coff[a + 1]; i++)
            dense[v->cterm[i]] = 0;
    }
    return RP_OK;
}

static rp_status family_pairs(struct ev *v)
{
    struct rpi_story *s = v->s;
    const uint32_t nf = v->nf;
    uint32_t *top = rpi_malloc(s->in.alloc, ((size_t)nf * 2 * RPI_EVENT_TOP + 1) * sizeof *top);
    uint8_t *ntop = rpi_calloc(s->in.alloc, (size_t)nf + 1, 1);
    uint32_t *start = rpi_calloc(s->in.alloc, (size_t)v->nterm + 1, sizeof *start);
    uint32_t *post = rpi_malloc(s->in.alloc, ((size_t)nf * 2 * RPI_EVENT_TOP + 1) * sizeof *post);
    const unsigned nt = rpi_threads_for(s->in.p.threads, nf, 4096);
    uint32_t *seen = rpi_malloc(s->in.alloc, ((size_t)nt * nf + 1) * sizeof *seen);
    uint32_t *touched = rpi_malloc(s->in.alloc, ((size_t)nt * nf + 1) * sizeof *touched);
    uint64_t *w = rpi_malloc(s->in.alloc, ((size_t)nf + 1) * sizeof *w);
    float *tdense = rpi_calloc(s->in.alloc, (size_t)nt * (v->nterm ? v->nterm : 1), sizeof *tdense);
    struct elist *out = rpi_calloc(s->in.alloc, nt, sizeof *out);
    rp_status st = RP_E_NOMEM;
    if (!top || !ntop || !start || !post || !seen || !touched || !w || !tdense || !out) goto done;
    for (uint32_t f = 0; f < nf; f++) {
        struct rpi_topk t[RPI_EVENT_TOP], r[RPI_EVENT_TOP];
        uint32_t m = 0, mr = 0, nq = 0;
        for (size_t i = v->coff[f]; i < v->coff[f + 1]; i++) {
            /* ties by the term table's slot; the id carries S8's number below */
            const uint64_t id = (uint64_t)v->slot[v->cterm[i]] << 32 | v->cterm[i];
            rpi_topk_push(t, &m, RPI_EVENT_TOP, v->cw[i], id);
            if (v->cr[i] > 0) rpi_topk_push(r, &mr, RPI_EVENT_TOP, v->cr[i], id);
        }
        uint32_t *tf = top + (size_t)f * 2 * RPI_EVENT_TOP;
        for (uint32_t i = 0; i < m; i++)
            tf[nq++] = (uint32_t)t[i].id;
        for (uint32_t i = 0; i < mr; i++) {
            uint32_t j = 0;
            while (j < m && tf[j] != (uint32_t)r[i].id)
                j++;
            if (j == m) tf[nq++] = (uint32_t)r[i].id;
        }
        ntop[f] = (uint8_t)nq;
        for (uint32_t i = 0; i < nq; i++)
            start[tf[i] + 1]++;
    }
    for (size_t x = 0; x < v->nterm; x++)
        start[x + 1] += start[x];
    for (uint32_t f = 0; f < nf; f++)
        for (uint32_t i = 0; i < ntop[f]; i++)
            post[start[top[(size_t)f * 2 * RPI_EVENT_TOP + i]]++] = f;
    for (size_t x = v->nterm; x > 0; x--)
        start[x] = start[x - 1];
    start[0] = 0;
    /* the families in ranges, one per thread, weighed by the postings they read */
    w[0] = 0;
    for (uint32_t a = 0; a < nf; a++) {
        uint64_t x = 64 + (v->coff[a + 1] - v->coff[a]);
        for (uint32_t i = 0; i < ntop[a]; i++) {
            const uint32_t t = top[(size_t)a * 2 * RPI_EVENT_TOP + i];
            const size_t n = start[t + 1] - start[t];
            if (n <= RPI_EVENT_MAX_POSTING) x += n;
        }
        w[a + 1] = w[a] + x;
    }
    for (size_t k = 0; k < (size_t)nt * nf; k++)
        seen[k] = UINT32_MAX;
    struct pctx pc = {v, top, ntop, start, post, seen, touched, tdense, out};
    st = rpi_parallel_for(nf, nt, w, pairs_range, &pc);
    /* the threads' pairs in range order: the order one thread would give */
    for (unsigned t = 0; t < nt && st == RP_OK; t++)
        for (size_t k = 0; k < out[t].n && st == RP_OK; k++)
            st = push_edge(v, out[t].e[k].a, out[t].e[k].b, out[t].e[k].sim);
done:
    for (unsigned t = 0; out && t < nt; t++)
        rpi_free(s->in.alloc, out[t].e);
    rpi_free(s->in.alloc, out);
    rpi_free(s->in.alloc, w);
    rpi_free(s->in.alloc, tdense);
    rpi_free(s->in.alloc, top);
    rpi_free(s->in.alloc, ntop);
    rpi_free(s->in.alloc, start);
    rpi_free(s->in.alloc, post);
    rpi_free(s->in.alloc, seen);
    rpi_free(s->in.alloc, touched);
    return st;
}

struct emerge {
    double sim;
    uint32_t a, b;
};

static int cmp_emerge(const void *pa, const void *pb)
{
    const struct emerge *a = pa, *b = pb;
    if (a->sim != b->sim) return a->sim > b->sim ? -1 : 1;
    if (a->a != b->a) return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b;
}

/* Dates: the first and last dated family of every event (INT64_MAX, INT64_MIN: none). */
static void event_spans(const struct ev *v, int64_t *lo, int64_t *hi)
{
    for (uint32_t f = 0; f < v->nf; f++) {
        lo[f] = INT64_MAX;
        hi[f] = INT64_MIN;
    }
    for (uint32_t f = 0; f < v->nf; f++) {
        const int64_t d = v->fdate[f];
        const uint32_t e = v->ev[f];
        if (d == INT64_MIN) continue;
        if (d < lo[e]) lo[e] = d;
        if (d > hi[e]) hi[e] = d;
    }
}

/* Two events (or a family and an event) whose dated families would together span more than
 * RPI_EVENT_SPAN windows are not one event: centroids alone chained a year of Reuters
 * earnings reports into one event of 1,008 documents. */
#define RPI_EVENT_SPAN 2.0
static int too_long(const struct ev *v, int64_t lo_a, int64_t hi_a, int64_t lo_b, int64_t hi_b)
{
    const double w = v->s->in.p.window_days * RPI_EVENT_SPAN;
    if (w <= 0 || hi_a == INT64_MIN || hi_b == INT64_MIN) return 0;
    const int64_t lo = lo_a < lo_b ? lo_a : lo_b, hi = hi_a > hi_b ? hi_a : hi_b;
    return (double)(hi - lo) > w * 86400.0;
}

/* The length of event e's centroid (its family's when it has one). */
/* The members of each event (event ids are family numbers), grouped: those of event e are
 * emem[eoff[e], eoff[e + 1]) (eoff: nf + 2 entries, emem: nf). */
static void event_members(const struct ev *v, size_t *eoff, uint32_t *emem)
{
    const uint32_t nf = v->nf;
    memset(eoff, 0, ((size_t)nf + 2) * sizeof *eoff);
    for (uint32_t f = 0; f < nf; f++)
        eoff[v->ev[f] + 2]++;
    for (uint32_t f = 0; f < nf; f++)
        eoff[f + 2] += eoff[f + 1];
    for (uint32_t f = 0; f < nf; f++)
        emem[eoff[v->ev[f] + 1]++] = f;
}

/* Event e's sum of its families' centroids, each weighted by its units, scattered into
 * v->dense; its terms appended to yterm from n on. Returns the new n. */
static size_t event_sum(struct ev *v, const size_t *eoff, const uint32_t *emem, uint32_t e,
                        uint32_t *yterm, size_t n)
{
    for (size_t k = eoff[e]; k < eoff[e + 1]; k++) {
        const uint32_t f = emem[k];
        const double fw = v->fsize[f]; /* a family weighs its units */
        for (size_t i = v->coff[f]; i < v->coff[f + 1]; i++) {
            const uint32_t t = v->cterm[i];
            if (v->dense[t] == 0) yterm[n++] = t;
            v->dense[t] += (float)(fw * v->cw[i]);
        }
    }
    return n;
}

/* The merge's and the refinement's rounds keep each event's terms and weights in one pair of
 * buffers (x: the last round's, y: this round's). An event whose members did not change copies
 * its span [was, was_end) of the last round's to y from n on: returns the new n. */
static size_t keep_terms(const uint32_t *xterm, const float *xw, size_t was, size_t was_end,
                         uint32_t *yterm, float *yw, size_t n)
{
    memcpy(yterm + n, xterm + was, (was_end - was) * sizeof *yterm);
    memcpy(yw + n, xw + was, (was_end - was) * sizeof *yw);
    return n + (was_end - was);
}

/* ... and at the end of a round this round's become the last round's */
static void swap_rounds(uint32_t **xterm, float **xw, uint32_t **yterm, float **yw)
{
    uint32_t *t = *xterm;
    float *w = *xw;
    *xterm = *yterm;
    *xw = *yw;
    *yterm = t;
    *yw = w;
}

static size_t vec_len(const struct ev *v, const size_t *eoff, const size_t *xoff, uint32_t e)
{
    return eoff[e + 1] - eoff[e] > 1 ? xoff[e + 1] - xoff[e] : v->coff[e + 1] - v->coff[e];
}

/* The merge's cosines of event pairs (longer << 32 | shorter, sorted), one longer centroid's
 * group at a time: it is scattered in the thread's dense array, each shorter one read. */
struct actx {
    const struct ev *v;
    const uint64_t *keys;
    const size_t *gk; /* group g: keys[gk[g], gk[g + 1]) */
    const size_t *eoff, *xoff;
    const uint32_t *xterm;
    const float *xw;
    const int64_t *elo, *ehi;
    double *c;    /* per pair: the cosine, -1 when too long together */
    float *dense; /* per thread: nterm, 0 between uses */
};

static rp_status merge_range(void *ctx, size_t lo, size_t hi, unsigned t)
{
    const struct actx *r = ctx;
    const struct ev *v = r->v;
    float *dense = r->dense + (size_t)t * (v->nterm ? v->nterm : 1);
    for (size_t g = lo; g < hi; g++) {
        const uint32_t a = (uint32_t)(r->keys[r->gk[g]] >> 32);
        const int ma = r->eoff[a + 1] - r->eoff[a] > 1;
        const uint32_t *at = ma ? r->xterm + r->xoff[a] : v->cterm + v->coff[a];
        const float *aw = ma ? r->xw + r->xoff[a] : v->cw + v->coff[a];
        const size_t an = vec_len(v, r->eoff, r->xoff, a);
        for (size_t i = 0; i < an; i++)
            dense[at[i]] = aw[i];
        for (size_t k = r->gk[g]; k < r->gk[g + 1]; k++) {
            const uint32_t b = (uint32_t)r->keys[k];
            r->c[k] = -1;
            if (too_long(v, r->elo[a], r->ehi[a], r->elo[b], r->ehi[b])) continue;
            const int mb = r->eoff[b + 1] - r->eoff[b] > 1;
            const uint32_t *bt = mb ? r->xterm + r->xoff[b] : v->cterm + v->coff[b];
            const float *bw = mb ? r->xw + r->xoff[b] : v->cw + v->coff[b];
            const size_t bn = vec_len(v, r->eoff, r->xoff, b);
            r->c[k] = dot_dense(dense, bt, bw, bn);
        }
        for (size_t i = 0; i < an; i++)
            dense[at[i]] = 0;
    }
    return RP_OK;
}

/* Agglomeration of families into events by centroids: each round every pair of events
 * joined by a family pair is re-scored by the cosine of the events' centroids (the sum of
 * their families' centroids); pairs at the threshold merge, strongest first, each event at
 * most once a round, until nothing merges. From every family its own event (first pass) or
 * from the events in v->ev (again: after a refinement); *merged counts the merges. */
static rp_status agglomerate(struct ev *v, int again, size_t *merged_total)
{
    struct rpi_story *s = v->s;
    const rp_alloc *al = s->in.alloc;
    const uint32_t nf = v->nf;
    const double merge_at = s->caseless ? RPI_EVENT_MERGE_FLAT : RPI_EVENT_MERGE;
    size_t *eoff = rpi_malloc(al, ((size_t)nf + 2) * sizeof *eoff);
    uint32_t *emem = rpi_malloc(al, ((size_t)nf + 1) * sizeof *emem);
    size_t *xoff = rpi_malloc(al, ((size_t)nf + 2) * sizeof *xoff); /* event centroids */
    uint32_t *xterm = v->sterm[0];
    float *xw = v->sw[0];
    uint64_t *keys = rpi_malloc(al, (v->ne + 1) * sizeof *keys);
    struct emerge *xm = rpi_malloc(al, (v->ne + 1) * sizeof *xm);
    uint8_t *used = rpi_malloc(al, (size_t)nf + 1);
    uint8_t *changed = rpi_malloc(al, (size_t)nf + 1); /* event -> merged last round */
    uint8_t *need = rpi_malloc(al, (size_t)nf + 1);    /* event -> a pair needs its centroid */
    uint8_t *have = rpi_calloc(al, (size_t)nf + 1, 1); /* event -> its centroid is built */
    int64_t *elo = rpi_malloc(al, ((size_t)nf + 1) * sizeof *elo);
    int64_t *ehi = rpi_malloc(al, ((size_t)nf + 1) * sizeof *ehi);
    uint32_t *yterm = v->sterm[1]; /* being built */
    float *yw = v->sw[1];
    double *kc = rpi_malloc(al, (v->ne + 1) * sizeof *kc);
    size_t *gk = rpi_malloc(al, (v->ne + 2) * sizeof *gk);
    uint64_t *gw = rpi_malloc(al, (v->ne + 2) * sizeof *gw);
    const unsigned nt = rpi_threads_for(s->in.p.threads, nf, 4096);
    float *tdense = rpi_calloc(al, (size_t)nt * (v->nterm ? v->nterm : 1), sizeof *tdense);
    rp_status st = RP_E_NOMEM;
    if (!eoff || !emem || !xoff || !xterm || !xw || !keys || !xm || !used || !changed || !elo ||
        !ehi || !yterm || !yw || !kc || !gk || !gw || !tdense || !need || !have)
        goto done;
    /* pairs of two events that did not change since the last merge failed then */
    if (again)
        memcpy(changed, v->chg, nf);
    else
        memset(changed, 1, nf);
    memset(xoff, 0, ((size_t)nf + 2) * sizeof *xoff);
    *merged_total = 0;
    if (!again)
        for (uint32_t f = 0; f < nf; f++)
            v->ev[f] = f;
    if (!again && s->loose) {
        /* start from S6's loose stories (story_cluster.c, a collection without case): the
         * event of a family is the first family of its loose story (families are numbered in
         * the order of their first unit); the refinement can move a family out of it */
        uint32_t *first = rpi_malloc(al, ((size_t)s->n_units + 1) * sizeof *first);
        if (!first) goto done;
        for (uint32_t u = 0; u < s->n_units; u++)
            first[u] = UINT32_MAX;
        for (uint32_t f = 0; f < nf; f++) {
            const uint32_t r = s->loose[v->fmem[v->foff[f]]];
            if (first[r] == UINT32_MAX) first[r] = f;
            v->ev[f] = first[r];
        }
        rpi_free(al, first);
    }
    for (int round = 0; round < RPI_EVENT_ROUNDS; round++) {
        event_members(v, eoff, emem);
        event_spans(v, elo, ehi);
        /* the event pairs joined by a family pair */
        size_t nk = 0;
        for (size_t k = 0; k < v->ne; k++) {
            const uint32_t a = v->ev[v->e[k].a], b = v->ev[v->e[k].b];
            /* a pair of events that did not change failed the threshold last round (had it
             * passed, one of them would have merged) */
            if (a != b && (changed[a] || changed[b]))
                keys[nk++] = a < b ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
        }
        RP_TRY_GOTO(st, rpi_sort_u64(al, keys, nk), done);
        /* centroids of the events of two families or more (else their family's) that a pair
         * needs; an event that did not change keeps its centroid, copied (rebuilding them all
         * each round was half of S8's time on Reuters); one that no pair needs and that has
         * none is left without (with the refinement's same rule: S8's instructions on
         * Reuters-21578 2.20G -> 2.13G, outputs identical) */
        memset(need, 0, nf);
        for (size_t k = 0; k < nk; k++) {
            need[keys[k] >> 32] = 1;
            need[(uint32_t)keys[k]] = 1;
        }
        size_t n = 0;
        for (uint32_t e = 0; e < nf; e++) {
            const size_t was = xoff[e], was_end = xoff[e + 1];
            xoff[e] = n;
            if (eoff[e + 1] - eoff[e] < 2) continue;
            const size_t start = n;
            if (have[e] && !changed[e]) {
                n = keep_terms(xterm, xw, was, was_end, yterm, yw, n);
                continue;
            }
            have[e] = need[e];
            if (!need[e]) continue;
            n = event_sum(v, eoff, emem, e, yterm, n);
            double norm = 0;
            for (size_t i = start; i < n; i++)
                norm += (double)v->dense[yterm[i]] * v->dense[yterm[i]];
            norm = norm > 0 ? 1.0 / sqrt(norm) : 0;
            for (size_t i = start; i < n; i++) {
                yw[i] = (float)(v->dense[yterm[i]] * norm);
                v->dense[yterm[i]] = 0;
            }
        }
        xoff[nf] = n;
        swap_rounds(&xterm, &xw, &yterm, &yw); /* the new centroids become the current ones */
        /* each pair once, keyed by its longer centroid, which is scattered once for all its
         * pairs while the shorter is read (the largest events meet many small ones: reading
         * their centroid per pair took 3.5x the story level's time on Reuters) */
#define XLEN(e)                                                                                    \
    (eoff[(e) + 1] - eoff[(e)] > 1 ? xoff[(e) + 1] - xoff[(e)] : v->coff[(e) + 1] - v->coff[(e)])
        size_t nq = 0;
        for (size_t k = 0; k < nk; k++) {
            if (k && keys[k] == keys[k - 1]) continue;
            const uint32_t a = (uint32_t)(keys[k] >> 32), b = (uint32_t)keys[k];
            const int a_big = XLEN(a) >= XLEN(b);
            keys[nq++] = a_big ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
        }
#undef XLEN
        RP_TRY_GOTO(st, rpi_sort_u64(al, keys, nq), done);
        /* the pairs' cosines on the threads, one longer centroid's group per item */
        size_t ng = 0;
        gw[0] = 0;
        for (size_t k = 0; k < nq; k++) {
            const uint32_t a = (uint32_t)(keys[k] >> 32), b = (uint32_t)keys[k];
            if (k == 0 || keys[k] >> 32 != keys[k - 1] >> 32) {
                gk[ng++] = k;
                gw[ng] = gw[ng - 1] + 64 + vec_len(v, eoff, xoff, a);
            }
            gw[ng] += vec_len(v, eoff, xoff, b);
        }
        gk[ng] = nq;
        struct actx ac = {v, keys, gk, eoff, xoff, xterm, xw, elo, ehi, kc, tdense};
        RP_TRY_GOTO(st, rpi_parallel_for(ng, nt, gw, merge_range, &ac), done);
        size_t nm = 0;
        for (size_t k = 0; k < nq; k++) {
            const uint32_t a = (uint32_t)(keys[k] >> 32), b = (uint32_t)keys[k];
            if (kc[k] >= merge_at)
                xm[nm++] = (struct emerge){kc[k], a < b ? a : b, a < b ? b : a};
        }
        if (!nm) break;
        qsort(xm, nm, sizeof *xm, cmp_emerge);
        memset(used, 0, nf);
        memset(changed, 0, nf);
        size_t merged = 0;
        for (size_t i = 0; i < nm; i++) {
            const uint32_t a = xm[i].a, b = xm[i].b;
            if (used[a] || used[b]) continue;
            used[a] = used[b] = changed[a] = 1;
            for (size_t k = eoff[b]; k < eoff[b + 1]; k++)
                v->ev[emem[k]] = a; /* a < b: the event keeps its lower number */
            merged++;
        }
        *merged_total += merged;
        if (!merged) break;
    }
    st = RP_OK;
done:
    rpi_free(al, eoff);
    rpi_free(al, emem);
    rpi_free(al, xoff);

    rpi_free(al, keys);
    rpi_free(al, xm);
    rpi_free(al, used);
    rpi_free(al, changed);
    rpi_free(al, need);
    rpi_free(al, have);
    rpi_free(al, elo);
    rpi_free(al, ehi);

    rpi_free(al, kc);
    rpi_free(al, gk);
    rpi_free(al, gw);
    rpi_free(al, tdense);
    return st;
}

/* The refinement's cosines of (event, family) pairs, one event group at a time: the
 * event's sum is scattered in the thread's dense array, each family's centroid read. */
struct rctx {
    const struct ev *v;
    const uint64_t *q; /* event << 32 | family, sorted */
    const size_t *gk;  /* group g: q[gk[g], gk[g + 1]) */
    const size_t *xoff;
    const uint32_t *xterm;
    const float *xw;
    const double *xn2;
    const int64_t *elo, *ehi;
    double *c;    /* per pair: the cosine with the event (without the family); -2: not a choice */
    float *dense; /* per thread: nterm, 0 between uses */
};

static rp_status weigh_range(void *ctx, size_t lo, size_t hi, unsigned t)
{
    const struct rctx *r = ctx;
    const struct ev *v = r->v;
    float *dense = r->dense + (size_t)t * (v->nterm ? v->nterm : 1);
    for (size_t g = lo; g < hi; g++) {
        const uint32_t e = (uint32_t)(r->q[r->gk[g]] >> 32);
        for (size_t i = r->xoff[e]; i < r->xoff[e + 1]; i++)
            dense[r->xterm[i]] = r->xw[i];
        for (size_t k = r->gk[g]; k < r->gk[g + 1]; k++) {
            const uint32_t f = (uint32_t)r->q[k];
            r->c[k] = -2;
            if (e != v->ev[f] && too_long(v, r->elo[e], r->ehi[e], v->fdate[f], v->fdate[f]))
                continue;
            const double fw = v->fsize[f]; /* a family weighs its units */
            const uint32_t *ft = v->cterm + v->coff[f];
            const size_t fn = v->coff[f + 1] - v->coff[f];
            double dot = dot_dense(dense, ft, v->cw + v->coff[f], fn);
            double n2 = r->xn2[e];
            if (e == v->ev[f]) { /* the event without f */
                n2 = n2 - 2 * fw * dot + fw * fw;
                dot -= fw;
            }
            const double c = n2 > 1e-12 ? dot / sqrt(n2) : 0;
            /* another event must share two terms with f (RPI_EVENT_SHARED); counted only where
             * the cosine could make f move (from RPI_EVENT_FLOOR): below it no choice changes */
            if (e != v->ev[f] && c >= RPI_EVENT_FLOOR &&
                shared_terms(dense, ft, fn, RPI_EVENT_SHARED) < shared_needed(fn))
                continue;
            r->c[k] = c;
        }
        for (size_t i = r->xoff[e]; i < r->xoff[e + 1]; i++)
            dense[r->xterm[i]] = 0;
    }
    return RP_OK;
}

/* Refinement, as k-means does it (Lloyd 1982) but only among the events a family is joined to
 * by its candidate pairs: every family moves to the event whose centroid (its own without
 * itself) is nearest, when that reaches the threshold; moves are decided for all families
 * first and applied together, so the result does not depend on an order. */
static rp_status refine(struct ev *v, int again)
{
    struct rpi_story *s = v->s;
    const rp_alloc *al = s->in.alloc;
    const uint32_t nf = v->nf;
    const double thr = RPI_EVENT_REFINE;
    const int iters = again ? RPI_EVENT_REFINES_AGAIN : RPI_EVENT_REFINES;
    size_t *aoff = rpi_calloc(al, (size_t)nf + 2, sizeof *aoff); /* family adjacency */
    uint32_t *adj = rpi_malloc(al, (2 * v->ne + 1) * sizeof *adj);
    size_t *xoff = rpi_malloc(al, ((size_t)nf + 1) * sizeof *xoff); /* event sums */
    uint32_t *xterm = v->sterm[0];
    float *xw = v->sw[0];
    double *xn2 = rpi_malloc(al, ((size_t)nf + 1) * sizeof *xn2);
    size_t *eoff = rpi_malloc(al, ((size_t)nf + 2) * sizeof *eoff);
    uint32_t *emem = rpi_malloc(al, ((size_t)nf + 1) * sizeof *emem);
    uint32_t *next = rpi_malloc(al, ((size_t)nf + 1) * sizeof *next);
    uint32_t *seen = rpi_malloc(al, ((size_t)nf + 1) * sizeof *seen);
    double *best = rpi_malloc(al, ((size_t)nf + 1) * sizeof *best);
    uint64_t *q = rpi_malloc(al, (2 * v->ne + nf + 1) * sizeof *q);
    int64_t *elo = rpi_malloc(al, ((size_t)nf + 1) * sizeof *elo);
    int64_t *ehi = rpi_malloc(al, ((size_t)nf + 1) * sizeof *ehi);
    uint8_t *dirty = rpi_malloc(al, (size_t)nf + 1); /* event -> its members changed */
    uint8_t *left = rpi_malloc(al, (size_t)nf + 1);
    uint8_t *need = rpi_malloc(al, (size_t)nf + 1);    /* event -> a pair to weigh needs its sum */
    uint8_t *have = rpi_calloc(al, (size_t)nf + 1, 1); /* event -> its sum is built */
    uint8_t *drift = rpi_malloc(al, (size_t)nf + 1);   /* event -> moved enough to re-weigh */
    double *ew = rpi_malloc(al, ((size_t)nf + 1) * sizeof *ew); /* old event -> weight */
    double *mw = rpi_malloc(al, ((size_t)nf + 1) * sizeof *mw); /* -> weight moved */
    uint32_t *yterm = v->sterm[1];                              /* being built */
    float *yw = v->sw[1];
    const size_t nqmax = 2 * v->ne + nf + 1;
    double *qc = rpi_malloc(al, nqmax * sizeof *qc);
    uint64_t *pq = rpi_malloc(al, nqmax * sizeof *pq); /* last round's pairs and cosines */
    double *pqc = rpi_malloc(al, nqmax * sizeof *pqc);
    size_t npq = 0;
    uint64_t *wq = rpi_malloc(al, nqmax * sizeof *wq); /* the pairs to weigh: q[wi[k]] */
    size_t *wi = rpi_malloc(al, nqmax * sizeof *wi);
    double *wc = rpi_malloc(al, nqmax * sizeof *wc);
    size_t *gk = rpi_malloc(al, (nqmax + 1) * sizeof *gk);
    uint64_t *gw = rpi_malloc(al, (nqmax + 1) * sizeof *gw);
    const unsigned nt = rpi_threads_for(s->in.p.threads, nf, 4096);
    float *tdense = rpi_calloc(al, (size_t)nt * (v->nterm ? v->nterm : 1), sizeof *tdense);
    rp_status st = RP_E_NOMEM;
    if (!aoff || !adj || !xoff || !xterm || !xw || !xn2 || !eoff || !emem || !next || !seen ||
        !best || !q || !elo || !ehi || !dirty || !left || !yterm || !yw || !qc || !gk || !gw ||
        !tdense || !drift || !ew || !mw || !pq || !pqc || !wq || !wi || !wc || !need || !have)
        goto done;
    memset(dirty, 1, nf);
    /* again: the families next to an event that changed since the last refinement */
    if (again)
        memcpy(drift, v->chg, nf);
    else
        memset(drift, 1, nf);
    memset(xoff, 0, ((size_t)nf + 1) * sizeof *xoff);
    for (size_t k = 0; k < v->ne; k++) {
        aoff[v->e[k].a + 2]++;
        aoff[v->e[k].b + 2]++;
    }
    for (uint32_t f = 0; f < nf; f++)
        aoff[f + 2] += aoff[f + 1];
    for (size_t k = 0; k < v->ne; k++) {
        adj[aoff[v->e[k].a + 1]++] = v->e[k].b;
        adj[aoff[v->e[k].b + 1]++] = v->e[k].a;
    }
    for (int it = 0; it < iters; it++) {
        event_members(v, eoff, emem);
        /* every (event, family) pair to weigh, grouped by event: each event's sum is
         * scattered once and the families' short centroids are read (reading the sums per
         * family took 3.5x the story level's time on Reuters) */
        for (uint32_t f = 0; f < nf; f++)
            seen[f] = UINT32_MAX;
        size_t nq = 0;
        for (uint32_t f = 0; f < nf; f++) {
            best[f] = -1;
            next[f] = v->ev[f];
            if (aoff[f + 1] == aoff[f]) continue;
            /* a family whose events did not drift stays where it chose to stay */
            int stale = !drift[v->ev[f]];
            for (size_t k = aoff[f]; k < aoff[f + 1] && stale; k++)
                stale = !drift[v->ev[adj[k]]];
            if (stale) continue;
            for (size_t k = aoff[f]; k <= aoff[f + 1]; k++) {
                const uint32_t e = k < aoff[f + 1] ? v->ev[adj[k]] : v->ev[f];
                if (seen[e] == f) continue;
                seen[e] = f;
                q[nq++] = (uint64_t)e << 32 | f;
            }
        }
        RP_TRY_GOTO(st, rpi_sort_u64(al, q, nq), done);
        event_spans(v, elo, ehi);
        /* a pair weighed last round whose event did not change (same members, so the same
         * number, sum and dates) keeps its cosine; only the others are weighed (Reuters-21578:
         * 23.5M family terms read instead of 49.0M over the 8 rounds) */
        size_t nw = 0;
        for (size_t k = 0, j = 0; k < nq; k++) {
            while (j < npq && pq[j] < q[k])
                j++;
            if (!dirty[q[k] >> 32] && j < npq && pq[j] == q[k]) {
                qc[k] = pqc[j];
            } else {
                wi[nw] = k;
                wq[nw++] = q[k];
            }
        }
        /* the events' sums, for the events of the pairs to weigh: an event whose members did
         * not change keeps its sum, copied; one that no pair needs and that has none is left
         * without (each round rebuilt them all) */
        memset(need, 0, nf);
        for (size_t k = 0; k < nw; k++)
            need[wq[k] >> 32] = 1;
        size_t n = 0;
        for (uint32_t e = 0; e < nf; e++) {
            const size_t was = xoff[e], was_end = xoff[e + 1];
            xoff[e] = n;
            const size_t start = n;
            if (eoff[e + 1] == eoff[e]) { /* no event (any more) */
                xn2[e] = 0;
                have[e] = 0;
                continue;
            }
            if (have[e] && !dirty[e]) {
                n = keep_terms(xterm, xw, was, was_end, yterm, yw, n);
                continue;
            }
            have[e] = need[e];
            if (!need[e]) continue;
            n = event_sum(v, eoff, emem, e, yterm, n);
            double n2 = 0;
            for (size_t i = start; i < n; i++) {
                yw[i] = v->dense[yterm[i]];
                n2 += (double)yw[i] * yw[i];
                v->dense[yterm[i]] = 0;
            }
            xn2[e] = n2;
        }
        xoff[nf] = n;
        swap_rounds(&xterm, &xw, &yterm, &yw);
        /* the groups of wq (one event each), weighed by the terms they read */
        size_t ng = 0;
        gw[0] = 0;
        for (size_t k = 0; k < nw; k++)
            if (k == 0 || wq[k] >> 32 != wq[k - 1] >> 32) {
                const uint32_t e = (uint32_t)(wq[k] >> 32);
                gk[ng] = k;
                gw[ng + 1] = (xoff[e + 1] - xoff[e]) + 64;
                ng++;
            }
        gk[ng] = nw;
        for (size_t g = 0, k = 0; g < ng; g++) {
            for (; k < gk[g + 1]; k++)
                gw[g + 1] += v->coff[(uint32_t)wq[k] + 1] - v->coff[(uint32_t)wq[k]];
            gw[g + 1] += gw[g];
        }
        struct rctx rc = {v, wq, gk, xoff, xterm, xw, xn2, elo, ehi, wc, tdense};
        RP_TRY_GOTO(st, rpi_parallel_for(ng, nt, gw, weigh_range, &rc), done);
        for (size_t k = 0; k < nw; k++)
            qc[wi[k]] = wc[k];
        for (size_t k = 0; k < nq; k++) { /* in (event, family) order: as one thread would */
            const uint32_t e = (uint32_t)(q[k] >> 32), f = (uint32_t)q[k];
            const double c = qc[k];
            if (c < -1.5) continue; /* too long together */
            if (c > best[f] || (c == best[f] && e < next[f])) {
                best[f] = c;
                next[f] = e;
            }
        }
        { /* this round's cosines are the next round's previous ones */
            uint64_t *t = pq;
            double *c = pqc;
            pq = q;
            pqc = qc;
            q = t;
            qc = c;
            npq = nq;
        }
        for (uint32_t f = 0; f < nf; f++)
            ew[f] = mw[f] = 0;
        for (uint32_t f = 0; f < nf; f++) /* the events' weights (units) */
            ew[v->ev[f]] += v->fsize[f];
        size_t moved = 0;
        for (uint32_t f = 0; f < nf; f++) {
            /* the threshold to leave an event of w units: the pairs' floor for a report
             * alone (w = 1), RPI_EVENT_REFINE for a large event, floor + (refine - floor) *
             * (1 - 1/w) between */
            const double w = ew[v->ev[f]];
            const double at = RPI_EVENT_FLOOR + (thr - RPI_EVENT_FLOOR) * (1.0 - 1.0 / w);
            if (best[f] >= at && next[f] != v->ev[f])
                moved++;
            else
                next[f] = v->ev[f];
        }
        if (!moved) break;
        /* two families alone that chose each other would swap: they form one event */
        for (uint32_t f = 0; f < nf; f++) {
            const uint32_t e = next[f], own = v->ev[f];
            if (e != own && eoff[own + 1] - eoff[own] == 1 && eoff[e + 1] - eoff[e] == 1 &&
                next[emem[eoff[e]]] == own && e < own)
                next[f] = next[emem[eoff[e]]] = e;
        }
        /* the events left or joined (old numbers) */
        memset(left, 0, nf);
        for (uint32_t f = 0; f < nf; f++) {
            if (next[f] != v->ev[f]) {
                left[v->ev[f]] = left[next[f]] = 1;
                mw[v->ev[f]] += v->fsize[f];
                mw[next[f]] += v->fsize[f];
            }
        }
        /* event numbers: the lowest family of each new event */
        for (uint32_t f = 0; f < nf; f++)
            seen[f] = UINT32_MAX;
        for (uint32_t f = 0; f < nf; f++)
            if (seen[next[f]] == UINT32_MAX) seen[next[f]] = f;
        memset(dirty, 0, nf);
        memset(drift, 0, nf);
        for (uint32_t f = 0; f < nf; f++) {
            const uint32_t o = v->ev[f], x = next[f], id = seen[x];
            if (left[o] || left[x]) dirty[id] = 1;
            if (mw[o] >= RPI_EVENT_DRIFT * ew[o] || mw[x] >= RPI_EVENT_DRIFT * ew[x]) drift[id] = 1;
            v->ev[f] = id;
        }
    }
    st = RP_OK;
done:
    rpi_free(al, aoff);
    rpi_free(al, adj);
    rpi_free(al, xoff);

    rpi_free(al, xn2);
    rpi_free(al, eoff);
    rpi_free(al, emem);
    rpi_free(al, next);
    rpi_free(al, seen);
    rpi_free(al, best);
    rpi_free(al, q);
    rpi_free(al, dirty);
    rpi_free(al, left);
    rpi_free(al, need);
    rpi_free(al, have);

    rpi_free(al, elo);
    rpi_free(al, ehi);
    rpi_free(al, qc);
    rpi_free(al, pq);
    rpi_free(al, pqc);
    rpi_free(al, wq);
    rpi_free(al, wi);
    rpi_free(al, wc);
    rpi_free(al, gk);
    rpi_free(al, gw);
    rpi_free(al, tdense);
    rpi_free(al, drift);
    rpi_free(al, ew);
    rpi_free(al, mw);
    return st;
}

/* v->chg: the events (numbers of v->ev) whose members differ from every event of v->ev0 (the
 * step before); both number an event by its lowest family. A family whose number changed
 * marks its new event and its old number: an event that gained a family is marked by it, one
 * that lost a family by the family's old number (its own, unless it lost its lowest family,
 * when all its families' numbers changed). */
static void changed_events(struct ev *v)
{
    const uint32_t nf = v->nf;
    memset(v->chg, 0, nf);
    /* a family whose event number changed marks its new event and its old number */
    for (uint32_t f = 0; f < nf; f++)
        if (v->ev[f] != v->ev0[f]) {
            v->chg[v->ev[f]] = 1;
            v->chg[v->ev0[f]] = 1;
        }
}

/* The representative of each event: its earliest dated family original, else (undated) the
 * original of its largest family, else the lower document. */
static int rep_before(const struct ev *v, uint32_t f, uint32_t g)
{
    const int64_t df = v->fdate[f], dg = v->fdate[g];
    if (df != INT64_MIN && dg != INT64_MIN && df != dg) return df < dg;
    if ((df == INT64_MIN) != (dg == INT64_MIN)) return df != INT64_MIN;
    if (v->fsize[f] != v->fsize[g]) return v->fsize[f] > v->fsize[g];
    return v->fdoc[f] < v->fdoc[g];
}

static void free_ev(struct ev *v)
{
    const rp_alloc *al = v->s->in.alloc;
    rpi_free(al, v->ufam);
    rpi_free(al, v->fdoc);
    rpi_free(al, v->fsize);
    rpi_free(al, v->fdate);
    rpi_free(al, v->foff);
    rpi_free(al, v->fmem);
    rpi_free(al, v->coff);
    rpi_free(al, v->cterm);
    rpi_free(al, v->cw);
    rpi_free(al, v->cr);
    rpi_free(al, v->dense);
    rpi_free(al, v->slot);
    rpi_free(al, v->e);
    rpi_free(al, v->ev);
    rpi_free(al, v->chg);
    rpi_free(al, v->ev0);
    for (int i = 0; i < 2; i++) {
        rpi_free(al, v->sterm[i]);
        rpi_free(al, v->sw[i]);
    }
}

rp_status rpi_story_events(struct rpi_story *s)
{
    const rp_alloc *al = s->in.alloc;
    const uint32_t nu = s->n_units;
    const size_t nd = s->in.docs->n_docs;
    for (size_t i = 0; i < nd; i++)
        s->res[i].event_doc = s->res[i].cluster_doc;
    struct ev v = {.s = s};
    uint32_t *fam_of_doc = rpi_malloc(al, (nd ? nd : 1) * sizeof *fam_of_doc);
    uint32_t *erep = NULL;
    rp_status st = RP_E_NOMEM;
    v.ufam = rpi_malloc(al, (nu ? nu : 1) * sizeof *v.ufam);
    v.fdoc = rpi_malloc(al, (nu ? nu : 1) * sizeof *v.fdoc);
    v.fsize = rpi_calloc(al, nu ? nu : 1, sizeof *v.fsize);
    v.fdate = rpi_malloc(al, (nu ? nu : 1) * sizeof *v.fdate);
    v.foff = rpi_calloc(al, (size_t)nu + 2, sizeof *v.foff);
    v.fmem = rpi_malloc(al, (nu ? nu : 1) * sizeof *v.fmem);
    v.dense = rpi_calloc(al, s->df_cap ? s->df_cap : 1, sizeof *v.dense);
    v.ev = rpi_malloc(al, (nu ? nu : 1) * sizeof *v.ev);
    if (!fam_of_doc || !v.ufam || !v.fdoc || !v.fsize || !v.fdate || !v.foff || !v.fmem ||
        !v.dense || !v.ev)
        goto done;
    /* families: numbered in the order of their first unit (units are in keep order) */
    for (size_t i = 0; i < nd; i++)
        fam_of_doc[i] = UINT32_MAX;
    for (uint32_t u = 0; u < nu; u++) {
        const uint32_t o = s->res[s->in.unit_doc[u]].cluster_doc;
        if (fam_of_doc[o] == UINT32_MAX) {
            fam_of_doc[o] = v.nf;
            v.fdoc[v.nf] = o;
            v.fdate[v.nf] = rpi_doc(s->in.docs, o)->date;
            v.nf++;
        }
        v.ufam[u] = fam_of_doc[o];
        v.fsize[v.ufam[u]]++;
    }
    for (uint32_t u = 0; u < nu; u++)
        v.foff[v.ufam[u] + 2]++;
    for (uint32_t f = 0; f < v.nf; f++)
        v.foff[f + 2] += v.foff[f + 1];
    for (uint32_t u = 0; u < nu; u++)
        v.fmem[v.foff[v.ufam[u] + 1]++] = u;
    RP_TRY_GOTO(st, centroids(&v), done);
    RP_TRY_GOTO(st, family_pairs(&v), done);
    for (int i = 0; i < 2; i++) {
        v.sterm[i] = rpi_malloc(al, (v.coff[v.nf] + 1) * sizeof *v.sterm[i]);
        v.sw[i] = rpi_malloc(al, (v.coff[v.nf] + 1) * sizeof *v.sw[i]);
        if (!v.sterm[i] || !v.sw[i]) {
            st = RP_E_NOMEM;
            goto done;
        }
    }
    size_t merged = 0;
    v.chg = rpi_malloc(al, (size_t)v.nf + 1);
    v.ev0 = rpi_malloc(al, ((size_t)v.nf + 1) * sizeof *v.ev0);
    if (!v.chg || !v.ev0) {
        st = RP_E_NOMEM;
        goto done;
    }
    RP_TRY_GOTO(st, agglomerate(&v, 0, &merged), done);
    memcpy(v.ev0, v.ev, (size_t)v.nf * sizeof *v.ev0);
    RP_TRY_GOTO(st, refine(&v, 0), done);
    /* the refined events merged again (their centroids are sharper than before the
     * refinement) and refined, until a pass merges nothing; each step weighs again only
     * the events the step before changed */
    for (int c = 0; c < RPI_EVENT_CYCLES; c++) {
        changed_events(&v);
        memcpy(v.ev0, v.ev, (size_t)v.nf * sizeof *v.ev0);
        RP_TRY_GOTO(st, agglomerate(&v, 1, &merged), done);
        if (!merged) break;
        changed_events(&v);
        memcpy(v.ev0, v.ev, (size_t)v.nf * sizeof *v.ev0);
        RP_TRY_GOTO(st, refine(&v, 1), done);
    }
    /* each event's representative family */
    erep = rpi_malloc(al, ((size_t)v.nf + 1) * sizeof *erep);
    if (!erep) {
        st = RP_E_NOMEM;
        goto done;
    }
    for (uint32_t f = 0; f < v.nf; f++)
        erep[f] = UINT32_MAX;
    for (uint32_t f = 0; f < v.nf; f++) {
        const uint32_t e = v.ev[f];
        if (erep[e] == UINT32_MAX || rep_before(&v, f, erep[e])) erep[e] = f;
    }
    /* per document: the event; a family original in another family's event is related to
     * the event's representative, which becomes an original */
    for (size_t i = 0; i < nd; i++) {
        struct rpi_res *r = &s->res[i];
        const uint32_t f = fam_of_doc[r->cluster_doc];
        if (r->relation == RP_REL_SKIPPED || f == UINT32_MAX) continue;
        const uint32_t rf = erep[v.ev[f]];
        r->event_doc = v.fdoc[rf];
        if (r->cluster_doc != i || rf == f) continue;
        r->relation = RP_REL_RELATED;
        r->of_doc = v.fdoc[rf];
        /* the score: the cosine of the two families' centroids */
        for (size_t k = v.coff[rf]; k < v.coff[rf + 1]; k++)
            v.dense[v.cterm[k]] = v.cw[k];
        r->score =
            (float)cos_dense(&v, v.cterm + v.coff[f], v.cw + v.coff[f], v.coff[f + 1] - v.coff[f]);
        for (size_t k = v.coff[rf]; k < v.coff[rf + 1]; k++)
            v.dense[v.cterm[k]] = 0;
        s->res[r->of_doc].relation = RP_REL_ORIGINAL;
    }
    st = RP_OK;
done:
    rpi_free(al, fam_of_doc);
    rpi_free(al, erep);
    free_ev(&v);
    return st;
}
