/* SPDX-License-Identifier: MIT */
/* index_story.c -- the story level of the persistent index: corpus statistics that update as
 * contents arrive and leave, per-content story features, candidates and the cluster a new
 * content joins. docs/index.md has the layouts and what differs from a batch run.
 *
 * Statistics. Term document frequencies (DB_TERMS, keyed by the 32-bit story token id, over
 * the non-boilerplate and title tokens of each content) and line-context counts: S1 of
 * lib/story/story.c counts, for each line, the distinct contexts (neighbouring lines) it is
 * seen in, with the same keys (rpi_sdoc_line_key). DB_LINECTX counts the contents holding a
 * (line, context) key, DB_LINES the distinct contexts of a line; a line with boilerplate_min
 * or more is boilerplate. Both are decremented when a content is removed.
 *
 * Features. Per content, its terms with raw frequencies and flags (name, number) as they were
 * at arrival (boilerplate lines known then are left out), so that TF-IDF, names and numbers
 * vectors are rebuilt at query time with the current frequencies, as S3 builds them, and
 * scored with the batch stage's own functions (story_score.c). No passages: the index keeps no
 * text, so the passage cover is 0.
 *
 * Candidates, as S4: the RPI_TOP heaviest terms of each content at its arrival are posted
 * (DB_SPOST, with the date for the window); a new content meets the contents sharing two of
 * its top terms (one when either has at most six), and those sharing an LSH band bucket.
 *
 * Clusters, as S6: the new content joins, among the clusters of the candidates it is linked
 * to, the one with the highest mean link score over its members, but only when it is linked
 * to at least half of its members, among them its representative (centre) or at least
 * two; else it starts a cluster. A cluster is not reclustered when later contents arrive;
 * when a member leaves, the remaining members are placed again by the same rule in arrival
 * order.
 *
 * Across languages, as S5c (story_xling.c): per content its language (DB_ULANG) and, in a
 * known language, the same features over its pivot terms (DB_XFEAT, with its sentences'
 * length shares; DB_XTERMS; DB_XPOST, posted per language). A content meets the contents of
 * other languages sharing its top pivot terms; link_score says when two languages link. */
#include <math.h>   /* log, sqrt */
#include <stdlib.h> /* qsort */
#include <string.h> /* memcpy, memset */
#include "index_internal.h"
#include "doc/doc_internal.h"     /* struct rpi_sdoc, rpi_sdoc_line_key */
#include "story/story_internal.h" /* struct svec, rpi_svec_*, rpi_story_* */

#define RPI_IX_MAX_MEMBERS 64u /* members of a cluster scored when a content may join it */
#define SFEAT_HEADER 16u       /* n_terms u32, n_top u32, date i64 */
#define SFEAT_TERM 12u         /* id u64 LE, tf << 8 | flags u32 LE */
#define XFEAT_TAIL (RPI_LANG_SIZE + 4u) /* DB_XFEAT after the terms: language, sentences */
#define XPOST_SIZE (16u + RPI_LANG_SIZE) /* unit BE, date LE, language */

#define TRY_MDB(expr, what)                                                                        \
    do {                                                                                           \
        const int rc_ = (expr);                                                                    \
        if (rc_) return rpi_ix_mdb(rc_, what);                                                     \
    } while (0)

/* One content's features: sorted distinct terms with frequency and flags. */
struct sterm {
    uint64_t id;
    uint32_t tf;
    uint8_t flags;
};

/* A content's vectors for scoring, over the slots of one scoring context. */
struct uvec {
    struct svec v[3]; /* TF-IDF (unit length), names, numbers */
    int64_t date;
    uint32_t n_top, n_terms; /* its top terms; its distinct terms */
    float ndens; /* share of its term occurrences that are numbers (S5's figure density) */
    char lang[RPI_LANG_SIZE]; /* its language ("" in an index made before them) */
    /* pivot vectors only: the sentences' shares of the text */
    const double *shares; /* in the context's arena */
    uint32_t n_shares;
};

/* Scoring context: one per add or re-placement, with the frequencies of that moment. */
struct sctx {
    rp_index *ix;
    MDB_txn *txn;
    int x;                  /* pivot terms (DB_XFEAT, DB_XTERMS), not the texts' own */
    double n_units;         /* contents counted in the frequencies */
    struct rpi_umap slot;   /* term id -> slot */
    struct rpi_vec idf;     /* float per slot */
    struct rpi_vec df;      /* uint32_t per slot */
    struct rpi_umap uidx;   /* unit -> index into units */
    struct rpi_vec units;   /* struct uvec */
    struct rpi_arena ar;    /* vectors */
    struct rpi_vec scratch; /* uint64_t */
    struct rpi_vecbuild vb;
    uint64_t named;     /* contents with names, UINT64_MAX when the index does not count */
    rp_status named_st; /* reading it: RP_OK, RP_DONE (not counted) or the error */
    int caseless;       /* the collection has no case (story_score.c's names rule) */
};

/* A content has names when it holds two distinct capitalised terms (the batch stage asks
 * for an IDF mass of RPI_MIN_MASS, about the same; a count does not change as frequencies
 * move, so a content counted in at arrival is counted out the same way at removal). */
#define NAMED_TERMS 2u

static int has_names(const struct sterm *t, uint32_t n)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < n && k < NAMED_TERMS; i++)
        k += (t[i].flags & RPI_TOK_NAME) != 0;
    return k >= NAMED_TERMS;
}

/* Contents with names (*out), or RP_DONE for an index made before they were counted. */
static rp_status named_get(rp_index *ix, MDB_txn *txn, uint64_t *out)
{
    MDB_val v;
    const int rc = rpi_tx_get(ix, txn, DB_META, RPI_IX_NAMED_KEY, 8, &v);
    if (rc == MDB_NOTFOUND) return RP_DONE;
    if (rc) return rpi_ix_mdb(rc, "names count");
    if (v.mv_size != 8) return rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "bad names count");
    *out = get_le64(v.mv_data);
    return RP_OK;
}

static rp_status named_put(rp_index *ix, MDB_txn *txn, uint64_t n)
{
    unsigned char b[8];
    put_le64(b, n);
    const int rc = rpi_tx_put(ix, txn, DB_META, RPI_IX_NAMED_KEY, 8, b, 8, 0);
    return rc ? rpi_ix_mdb(rc, "names count") : RP_OK;
}

/* The batch rule (story.c): a collection where fewer than RPI_CASELESS of the contents have
 * names has no case. An index made before names were counted keeps the rule it had then: no
 * case. */
static int caseless_of(uint64_t named, double n_units)
{
    return named == UINT64_MAX || (double)named < RPI_CASELESS * n_units;
}

static void sctx_init(struct sctx *c, rp_index *ix, MDB_txn *txn, int x)
{
    memset(c, 0, sizeof *c);
    c->ix = ix;
    c->txn = txn;
    c->x = x;
    rpi_umap_init(&c->slot, ix->alloc);
    rpi_umap_init(&c->uidx, ix->alloc);
    rpi_vec_init(&c->idf, sizeof(float), ix->alloc);
    rpi_vec_init(&c->df, sizeof(uint32_t), ix->alloc);
    rpi_vec_init(&c->units, sizeof(struct uvec), ix->alloc);
    rpi_vec_init(&c->scratch, sizeof(uint64_t), ix->alloc);
    rpi_arena_init(&c->ar, ix->alloc);
    rpi_vecbuild_init(&c->vb);
    uint64_t n_units = 0;
    c->n_units =
        rpi_tx_entries(ix, txn, x ? DB_XFEAT : DB_SFEAT, &n_units) == RP_OK ? (double)n_units : 0;
    /* an error is reported by the add that needs the count; scoring alone keeps the rule of
     * an index made before the count (caseless) */
    c->named_st = named_get(ix, txn, &c->named);
    if (c->named_st != RP_OK) c->named = UINT64_MAX;
    c->caseless = caseless_of(c->named, c->n_units);
}

static void sctx_free(struct sctx *c)
{
    rpi_umap_free(&c->slot);
    rpi_umap_free(&c->uidx);
    rpi_vec_free(&c->idf);
    rpi_vec_free(&c->df);
    rpi_vec_free(&c->units);
    rpi_vec_free(&c->scratch);
    rpi_arena_free(&c->ar);
}

/* A count stored as u64 (DB_TERMS) or u32 (the line tables, DB_XTERMS); 0 if neither. */
static uint64_t get_count(const MDB_val *v)
{
    return v->mv_size == 8 ? get_le64(v->mv_data) : v->mv_size == 4 ? get_le32(v->mv_data) : 0;
}
static unsigned get_le16(const unsigned char *p) { return (unsigned)p[0] | (unsigned)p[1] << 8; }

/* The slot of a term: its document frequency and IDF (S2: ln((N + 1) / (df + 0.5))) read once
 * per context. */
static rp_status term_slot(struct sctx *c, uint64_t id, uint32_t *slot)
{
    int found;
    const uint32_t next = (uint32_t)c->idf.len;
    RP_TRY(rpi_umap_put(&c->slot, id, next, &found, slot));
    if (found) return RP_OK;
    MDB_val v;
    const rp_status st = rpi_ix_get(c->ix, c->txn, c->x ? DB_XTERMS : DB_TERMS, id, &v);
    if (st != RP_OK && st != RP_DONE) return st;
    uint64_t df = st == RP_OK ? get_count(&v) : 0;
    if (df < 1) df = 1;
    /* the background of a small collection weighs pivot terms too, as in the batch's pass */
    const float idf = (float)rpi_story_idf_bg(&c->ix->bg, c->n_units, (uint32_t)id, (double)df);
    const uint32_t d32 = df > UINT32_MAX ? UINT32_MAX : (uint32_t)df;
    RP_TRY(rpi_vec_push(&c->idf, &idf));
    return rpi_vec_push(&c->df, &d32);
}

/* The three vectors of S3 from raw features, through the batch stage's builder, terms in
 * slot order (the index merges sorted vectors). */
static rp_status build_uvec(struct sctx *c, const struct sterm *t, uint32_t n, struct uvec *out)
{
    c->scratch.len = 0;
    RP_TRY(rpi_vec_reserve(&c->scratch, n));
    uint64_t *ord = c->scratch.ptr;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t s;
        RP_TRY(term_slot(c, t[i].id, &s));
        ord = c->scratch.ptr;
        ord[i] = (uint64_t)s << 32 | i;
    }
    rpi_qsort_u64(ord, n);
    struct rpi_tf *tf = rpi_malloc(c->ix->alloc, (n ? n : 1) * sizeof *tf);
    if (!tf) return RP_E_NOMEM;
    const float *idfs = c->idf.ptr;
    const uint32_t *dfs = c->df.ptr;
    for (uint32_t k = 0; k < n; k++) {
        const uint32_t slot = (uint32_t)(ord[k] >> 32);
        const struct sterm *x = &t[(uint32_t)ord[k]];
        tf[k] = (struct rpi_tf){slot, x->tf, dfs[slot], idfs[slot], x->flags};
    }
    const rp_status st =
        rpi_story_vectors(&c->vb, &c->ar, tf, n, &out->v[0], &out->v[1], &out->v[2], &out->ndens);
    rpi_free(c->ix->alloc, tf);
    return st;
}

/* Parse a DB_SFEAT record, or DB_XFEAT's (x: then *tail, where its language starts), into
 * terms (from ix's allocator; the caller frees them). */
static rp_status sfeat_parse(const rp_index *ix, const MDB_val *v, int x, struct sterm **terms,
                             uint32_t *n, uint32_t *n_top, int64_t *date, size_t *tail)
{
    const unsigned char *p = v->mv_data;
    if (v->mv_size < SFEAT_HEADER) return rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "bad sfeat");
    *n = get_le32(p);
    *n_top = get_le32(p + 4);
    *date = (int64_t)get_le64(p + 8);
    const size_t end = SFEAT_HEADER + (size_t)*n * SFEAT_TERM + (size_t)*n_top * 8;
    if (x ? v->mv_size < end + XFEAT_TAIL : v->mv_size != end)
        return rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "bad sfeat");
    if (tail) *tail = end;
    *terms = rpi_malloc(ix->alloc, (*n ? *n : 1) * sizeof **terms);
    if (!*terms) return RP_E_NOMEM;
    for (uint32_t i = 0; i < *n; i++) {
        const unsigned char *q = p + SFEAT_HEADER + (size_t)i * SFEAT_TERM;
        const uint32_t tf = get_le32(q + 8);
        (*terms)[i] = (struct sterm){get_le64(q), tf >> 8, (uint8_t)tf};
    }
    return RP_OK;
}

/* The vectors of stored content u (cached in the context); RP_DONE when it has none. */
static rp_status unit_vec(struct sctx *c, uint64_t u, const struct uvec **out)
{
    uint32_t i;
    if (rpi_umap_get(&c->uidx, u, &i)) {
        *out = &RPI_VEC_AT(&c->units, struct uvec, i);
        return RP_OK;
    }
    MDB_val v;
    RP_TRY(rpi_ix_get(c->ix, c->txn, c->x ? DB_XFEAT : DB_SFEAT, u, &v));
    struct sterm *t;
    uint32_t n;
    struct uvec uv;
    memset(&uv, 0, sizeof uv);
    size_t tail;
    RP_TRY(sfeat_parse(c->ix, &v, c->x, &t, &n, &uv.n_top, &uv.date, &tail));
    if (c->x) { /* language, then the sentences' shares in 1/65535 */
        const unsigned char *p = (const unsigned char *)v.mv_data + tail;
        memcpy(uv.lang, p, RPI_LANG_SIZE);
        uv.lang[RPI_LANG_SIZE - 1] = '\0';
        uv.n_shares = get_le32(p + RPI_LANG_SIZE);
        double *sh = NULL;
        if (v.mv_size != tail + XFEAT_TAIL + 2 * (size_t)uv.n_shares ||
            uv.n_shares > RPI_LEN_MAX_SENT) {
            rpi_free(c->ix->alloc, t);
            return rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "bad xfeat");
        }
        if (uv.n_shares && !(sh = rpi_arena_alloc(&c->ar, uv.n_shares * sizeof *sh, 8))) {
            rpi_free(c->ix->alloc, t);
            return RP_E_NOMEM;
        }
        for (uint32_t k = 0; k < uv.n_shares; k++)
            sh[k] = get_le16(p + XFEAT_TAIL + 2 * (size_t)k) / 65535.0;
        uv.shares = sh;
    } else if (c->ix->has_xling) { /* the language, read before its pivot vectors are */
        MDB_val lv;
        const rp_status g = rpi_ix_get(c->ix, c->txn, DB_ULANG, u, &lv);
        if (g != RP_OK && g != RP_DONE) {
            rpi_free(c->ix->alloc, t);
            return g;
        }
        if (g == RP_OK && lv.mv_size < RPI_LANG_SIZE) memcpy(uv.lang, lv.mv_data, lv.mv_size);
    }
    uv.n_terms = n;
    rp_status st = build_uvec(c, t, n, &uv);
    rpi_free(c->ix->alloc, t);
    RP_TRY(st);
    RP_TRY(rpi_umap_put(&c->uidx, u, (uint32_t)c->units.len, NULL, NULL));
    RP_TRY(rpi_vec_push(&c->units, &uv));
    *out = &RPI_VEC_AT(&c->units, struct uvec, c->units.len - 1);
    return RP_OK;
}

static int outside_window(const rp_index *ix, int64_t a, int64_t b)
{
    return rpi_story_outside_window(ix->cfg.window_days, a, b);
}

/* S5 without passages (the index keeps no text: covers 0): the story score of two contents
 * (0 outside the window). */
static double pair_score(const struct sctx *c, const struct uvec *a, const struct uvec *b)
{
    if (outside_window(c->ix, a->date, b->date)) return 0;
    double words;
    const double cosine = rpi_svec_cosine(&a->v[0], &b->v[0], c->idf.ptr, &words);
    const double ev = rpi_story_evidence(cosine, words, rpi_svec_overlap(&a->v[1], &b->v[1]),
                                         rpi_svec_overlap(&a->v[2], &b->v[2]),
                                         a->ndens < b->ndens ? a->ndens : b->ndens, c->caseless);
    return rpi_story_level_score(RP_LEVEL_STORY, ev, 0.0);
}

/* Both contexts of a placement: the texts' own terms and the pivot terms (S5c). */
struct pctx {
    struct sctx nat, piv;
};

static void pctx_init(struct pctx *p, rp_index *ix, MDB_txn *txn)
{
    sctx_init(&p->nat, ix, txn, 0);
    sctx_init(&p->piv, ix, txn, 1);
}

static void pctx_free(struct pctx *p)
{
    sctx_free(&p->nat);
    sctx_free(&p->piv);
}

/* The share of the distinct terms of the text with fewer that the other has too: two texts
 * in one language share their function words. The TF-IDF vectors (sorted by slot) leave out
 * the terms of one text only, so they hold every shared term. */
static double shared_share(const struct uvec *a, const struct uvec *b)
{
    const struct svec *x = &a->v[0], *y = &b->v[0];
    uint32_t i = 0, j = 0, k = 0;
    while (i < x->n && j < y->n) {
        if (x->term[i] < y->term[j])
            i++;
        else if (x->term[i] > y->term[j])
            j++;
        else
            k++, i++, j++;
    }
    const uint32_t m = a->n_terms < b->n_terms ? a->n_terms : b->n_terms;
    return m ? (double)k / m : 0;
}

/* Across languages the index has no lineage: the sentences' lengths stand for it, and a pivot
 * score above the bar makes up for an alignment short of RPI_LEN_ALIGN at this many points of
 * alignment per point of score. WMT21, pairs scored by the index in the order of the sets
 * (source then translation), same article / different articles linked: at RPI_LEN_ALIGN
 * alone 26/46 / 0 de-fr, 114/172 / 1 ru-en, 12/54 / 1 ja-en; with this 42/46 / 0, 170/172 / 6,
 * 44/54 / 1 (docs/index.md, "Across languages"). */
#define IX_ALIGN_TRADE 2.0

/* The link of two contents, x (vectors xn, and xx in pivot terms or NULL) and stored w: its
 * score, whether it links (*linked) and whether across languages (*xl). Two contents in two
 * known languages (that do not share RPI_XLING_SAME_TOKENS of their terms, which CLD2 can
 * miss) are linked as S5c links them when it does, as a translation: the pivot score from the
 * threshold times RPI_PIVOT_SCORE (the bar) and, for the lineage the index cannot read without
 * texts, the lengths of their sentences aligning as a translation's do (rpi_length_align from
 * RPI_LEN_ALIGN, the batch's rule for a pivot pair whose lineage falls short, S5b; less by
 * IX_ALIGN_TRADE times the score's excess over the bar). Else by their own terms (S5 without
 * passages) from the threshold. */
static rp_status link_score(struct pctx *p, const struct uvec *xn, const struct uvec *xx,
                            uint64_t w, double *score, int *linked, int *xl)
{
    const double thr = p->nat.ix->cfg.threshold;
    *score = 0;
    *linked = *xl = 0;
    const struct uvec *v;
    rp_status g = unit_vec(&p->nat, w, &v);
    if (g != RP_OK && g != RP_DONE) return g;
    if (g == RP_DONE) return RP_OK;
    *score = pair_score(&p->nat, xn, v);
    *linked = *score >= thr;
    if (!xx || !strcmp(xx->lang, v->lang) || shared_share(xn, v) >= RPI_XLING_SAME_TOKENS)
        return RP_OK;
    g = unit_vec(&p->piv, w, &v);
    if (g == RP_DONE || (g == RP_OK && !strcmp(xx->lang, v->lang))) return RP_OK;
    RP_TRY(g);
    const double s = pair_score(&p->piv, xx, v), bar = thr * RPI_PIVOT_SCORE;
    if (s < bar) return RP_OK;
    const double a = rpi_length_align(p->piv.ix->alloc, xx->shares, xx->n_shares, v->shares,
                                      v->n_shares);
    if (a < 0) return RP_E_NOMEM;
    if (a + IX_ALIGN_TRADE * (s - bar) >= RPI_LEN_ALIGN) *score = s, *linked = *xl = 1;
    return RP_OK;
}

/* Relation of a linked pair by S5's rule without passages: `near` when their MinHash estimate
 * says so, else `rewrite`. */
static rp_relation pair_relation(rp_index *ix, MDB_txn *txn, uint64_t a, uint64_t b)
{
    MDB_val sa, sb;
    const size_t k = ix->cfg.num_perm;
    double jac = 0;
    if (rpi_ix_get(ix, txn, DB_SIGS, a, &sa) == RP_OK && sa.mv_size == k * 4 &&
        rpi_ix_get(ix, txn, DB_SIGS, b, &sb) == RP_OK && sb.mv_size == k * 4) {
        size_t same = 0; /* values compared as bytes: LMDB data need not be aligned */
        for (size_t i = 0; i < k; i++)
            same += !memcmp((const unsigned char *)sa.mv_data + 4 * i,
                            (const unsigned char *)sb.mv_data + 4 * i, 4);
        jac = (double)same / (double)k;
    }
    return rpi_story_relation(jac, 0, 0, 0, 0, 0);
}

/* ---- unit records and clusters ------------------------------------------------------------ */

static rp_status unit_rec(rp_index *ix, MDB_txn *txn, uint64_t u, unsigned char rec[UNIT_SIZE])
{
    MDB_val v;
    if (rpi_ix_get(ix, txn, DB_UNITS, u, &v) != RP_OK || v.mv_size < UNIT_SIZE)
        return rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "unit %llu missing",
                           (unsigned long long)u);
    memcpy(rec, v.mv_data, UNIT_SIZE);
    return RP_OK;
}

rp_status rpi_ixs_docs_delta(rp_index *ix, MDB_txn *txn, uint64_t u, int delta)
{
    unsigned char rec[UNIT_SIZE] = {0};
    RP_TRY(unit_rec(ix, txn, u, rec));
    const uint64_t c = get_le64(rec + UNIT_CENTER);
    if (c != u) RP_TRY(unit_rec(ix, txn, c, rec));
    put_le64(rec + UNIT_CLUSTER_DOCS, get_le64(rec + UNIT_CLUSTER_DOCS) + (uint64_t)(int64_t)delta);
    TRY_MDB(rpi_ix_put(ix, txn, DB_UNITS, c, rec, UNIT_SIZE), "unit");
    return RP_OK;
}

rp_status rpi_ixs_of(rp_index *ix, MDB_txn *txn, uint64_t u, uint64_t *of, rp_relation *rel)
{
    MDB_val v;
    RP_TRY(rpi_ix_get(ix, txn, DB_SOF, u, &v));
    if (v.mv_size != 12) return rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "bad sof");
    *of = get_le64(v.mv_data);
    *rel = (rp_relation)get_le32((const unsigned char *)v.mv_data + 8);
    return RP_OK;
}

/* The units of the cluster centred on c (centre first, then in unit order), at most cap. */
static rp_status cluster_units(rp_index *ix, MDB_txn *txn, uint64_t c, struct rpi_vec *out,
                               size_t cap)
{
    out->len = 0;
    RP_TRY(rpi_vec_push(out, &c));
    unsigned char kb[8];
    put_be64(kb, c);
    struct rpi_vec st_units; /* cap values hold cap - 1 other than c */
    rpi_vec_init(&st_units, 8, ix->alloc);
    rp_status st = rpi_tx_dups(ix, txn, DB_STARS, kb, 8, cap, &st_units);
    for (size_t i = 0; i < st_units.len && st == RP_OK && out->len < cap; i++) {
        const uint64_t w = get_be64((const unsigned char *)st_units.ptr + 8 * i);
        if (w != c) st = rpi_vec_push(out, &w);
    }
    rpi_vec_free(&st_units);
    return st;
}

/* Where a content goes: the centre it joins (itself: a new cluster), the member it is most
 * strongly linked to (the centre when linked to it), and that link's score. */
struct place {
    uint64_t centre, of;
    double score;
    int xl; /* the link to `of` is across languages: a translation */
};

/* S6 for content x against clusters given by their units (units[off[i]..off[i+1]), centre
 * first): the eligible cluster with the highest mean link score over its members. */
static rp_status choose(struct pctx *c, const struct uvec *xv, const struct uvec *xx,
                        const uint64_t *units, const size_t *off, size_t n_clusters,
                        struct place *out)
{
    double best_mean = -1;
    for (size_t i = 0; i < n_clusters; i++) {
        const size_t n = off[i + 1] - off[i];
        size_t linked = 0;
        int centre_linked = 0;
        double sum = 0, top = -1;
        uint64_t top_of = units[off[i]];
        int top_xl = 0;
        for (size_t j = off[i]; j < off[i + 1]; j++) {
            double s;
            int xl, ok;
            RP_TRY(link_score(c, xv, xx, units[j], &s, &ok, &xl));
            if (!ok) continue;
            linked++;
            sum += s;
            if (j == off[i]) centre_linked = 1;
            if (j == off[i] || (!centre_linked && s > top)) {
                top = s;
                top_of = units[j];
                top_xl = xl;
            }
        }
        const double mean = sum / (double)n;
        if (rpi_story_joins((uint32_t)linked, (uint32_t)n, centre_linked) &&
            (mean > best_mean || (mean == best_mean && units[off[i]] < out->centre))) {
            best_mean = mean;
            *out = (struct place){units[off[i]], top_of, top, top_xl};
        }
    }
    return RP_OK;
}

/* Write x's place: unit record (centre, score, cluster documents), star, `of`. */
static rp_status write_place(rp_index *ix, MDB_txn *txn, uint64_t x, const struct place *p,
                             rp_relation rel)
{
    unsigned char rec[UNIT_SIZE] = {0}, xb[8];
    RP_TRY(unit_rec(ix, txn, x, rec));
    const uint64_t old = get_le64(rec + UNIT_CENTER);
    put_be64(xb, x);
    if (old != p->centre) {
        TRY_MDB(rpi_ix_del(ix, txn, DB_STARS, old, xb, 8), "stars");
        TRY_MDB(rpi_ix_put(ix, txn, DB_STARS, p->centre, xb, 8), "stars");
    }
    put_le64(rec + UNIT_CENTER, p->centre);
    put_f32(rec + UNIT_SCORE, p->centre == x ? 0.0f : (float)p->score);
    const uint64_t nd = get_le64(rec + UNIT_N_DOCS);
    if (p->centre == x)
        put_le64(rec + UNIT_CLUSTER_DOCS, nd);
    else
        put_le64(rec + UNIT_CLUSTER_DOCS, 0);
    TRY_MDB(rpi_ix_put(ix, txn, DB_UNITS, x, rec, UNIT_SIZE), "unit");
    if (p->centre == x) {
        TRY_MDB(rpi_ix_del(ix, txn, DB_SOF, x, NULL, 0), "sof");
        return RP_OK;
    }
    unsigned char ob[12];
    put_le64(ob, p->of);
    put_le32(ob + 8, (uint32_t)rel);
    TRY_MDB(rpi_ix_put(ix, txn, DB_SOF, x, ob, 12), "sof");
    return rpi_ixs_docs_delta(ix, txn, x, (int)nd);
}

/* ---- lines ------------------------------------------------------------------------------- */

/* A u32 count of db (the line tables, DB_XTERMS) one up or down (delta); gone at 0. */
static rp_status count_add(rp_index *ix, MDB_txn *txn, int db, uint64_t key, int delta,
                           uint32_t *after, const char *what)
{
    MDB_val v;
    const rp_status st = rpi_ix_get(ix, txn, db, key, &v);
    if (st != RP_OK && st != RP_DONE) return st;
    const uint64_t n = st == RP_OK ? get_count(&v) : 0;
    const uint32_t m = delta < 0 ? (n ? (uint32_t)n - 1 : 0) : (uint32_t)n + 1;
    *after = m;
    if (m == 0) {
        TRY_MDB(rpi_ix_del(ix, txn, db, key, NULL, 0), what);
        return RP_OK;
    }
    unsigned char b4[4];
    put_le32(b4, m);
    TRY_MDB(rpi_ix_put(ix, txn, db, key, b4, 4), what);
    return RP_OK;
}

/* One content's distinct line keys counted in (delta 1) or out (-1): a (line, context) key
 * new to the index, or gone from it, changes its line's count of distinct contexts. */
static rp_status lines_count(rp_index *ix, MDB_txn *txn, const uint64_t *keys, size_t n, int delta)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t ctx, lines;
        RP_TRY(count_add(ix, txn, DB_LINECTX, keys[i], delta, &ctx, "lines"));
        if ((delta > 0 && ctx == 1) || (delta < 0 && ctx == 0))
            RP_TRY(count_add(ix, txn, DB_LINES, keys[i] & RPI_LINE_MASK, delta, &lines, "lines"));
    }
    return RP_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* ---- adding -------------------------------------------------------------------------------- */

/* The terms of sd's non-boilerplate lines (ids tok) and its title (title_tok) with
 * frequencies and flags, sorted by id; ids 0 left out. tk: scratch of n_tok + n_title. */
static rp_status collect_terms(const rp_alloc *al, const struct rpi_sdoc *sd, const uint8_t *boiler,
                               const uint32_t *tok, const uint32_t *title_tok, uint64_t *tk,
                               struct sterm **out, uint32_t *n_out)
{
    size_t nt = 0;
    for (uint32_t l = 0; l < sd->n_lines; l++)
        for (uint32_t t = sd->lines[l].tok_start; t < sd->lines[l].tok_end && !boiler[l]; t++)
            if (tok[t]) tk[nt++] = (uint64_t)tok[t] << 8 | sd->tflags[t];
    for (uint32_t t = 0; title_tok && t < sd->n_title; t++)
        if (title_tok[t]) tk[nt++] = (uint64_t)title_tok[t] << 8 | sd->title_flags[t];
    qsort(tk, nt, sizeof *tk, cmp_u64);
    struct sterm *terms = rpi_malloc(al, (nt ? nt : 1) * sizeof *terms);
    if (!terms) return RP_E_NOMEM;
    uint32_t n = 0;
    for (size_t i = 0; i < nt; i++) {
        if (n && terms[n - 1].id == tk[i] >> 8) {
            terms[n - 1].tf++;
            terms[n - 1].flags |= (uint8_t)tk[i];
        } else {
            terms[n++] = (struct sterm){tk[i] >> 8, 1, (uint8_t)tk[i]};
        }
    }
    *out = terms;
    *n_out = n;
    return RP_OK;
}

/* The features of a new content: its lines counted (and stored), then the terms of its
 * non-boilerplate lines and its title (collect_terms), in its own terms and, when d has
 * them, in pivot terms (*xout, else NULL). */
static rp_status new_features(rp_index *ix, MDB_txn *txn, uint64_t u, const struct rpi_ixdoc *d,
                              struct sterm **out, uint32_t *n_out, struct sterm **xout,
                              uint32_t *xn_out)
{
    const struct rpi_sdoc *sd = d->sd;
    *out = *xout = NULL;
    *n_out = *xn_out = 0;
    const rp_alloc *al = ix->alloc;
    uint64_t *keys = rpi_malloc(al, ((size_t)sd->n_lines + 1) * sizeof *keys);
    uint64_t *tk = rpi_malloc(al, ((size_t)sd->n_tok + sd->n_title + 1) * sizeof *tk);
    uint8_t *boiler = rpi_calloc(al, (size_t)sd->n_lines + 1, 1);
    rp_status st = RP_E_NOMEM;
    if (!keys || !tk || !boiler) goto done;
    for (uint32_t l = 0; l < sd->n_lines; l++)
        keys[l] = rpi_sdoc_line_key(sd, l);
    size_t nk = sd->n_lines;
    qsort(keys, nk, sizeof *keys, cmp_u64);
    size_t m = 0;
    for (size_t i = 0; i < nk; i++)
        if (m == 0 || keys[m - 1] != keys[i]) keys[m++] = keys[i];
    RP_TRY_GOTO(st, lines_count(ix, txn, keys, m, 1), done);
    if (m) {
        for (size_t i = 0; i < m; i++)
            put_le64((unsigned char *)&keys[i], keys[i]);
        const int rc = rpi_ix_put(ix, txn, DB_ULINES, u, keys, m * 8);
        if (rc) {
            st = rpi_ix_mdb(rc, "lines");
            goto done;
        }
    }
    /* boilerplate lines with the counts of now, this content included (as S1) */
    const unsigned bmin = ix->cfg.boilerplate_min;
    for (uint32_t l = 0; l < sd->n_lines && bmin; l++) {
        MDB_val v;
        const uint64_t line = sd->lines[l].hash & RPI_LINE_MASK;
        const rp_status g = rpi_ix_get(ix, txn, DB_LINES, line, &v);
        if (g != RP_OK && g != RP_DONE) {
            st = g;
            goto done;
        }
        boiler[l] = g == RP_OK && v.mv_size == 4 && get_le32(v.mv_data) >= bmin;
    }
    st = collect_terms(al, sd, boiler, sd->tok, sd->title_tok, tk, out, n_out);
    if (st == RP_OK && d->pivot)
        st = collect_terms(al, sd, boiler, d->pivot, d->pivot_title, tk, xout, xn_out);
done:
    rpi_free(al, keys);
    rpi_free(al, tk);
    rpi_free(al, boiler);
    return st;
}

/* The heaviest terms (RPI_TOP, RPI_TOP_PIVOT in pivot terms as the batch's pivot pass) with
 * the frequencies of now (terms in more than RPI_MAX_POSTING contents skipped; terms of this
 * content only kept: later contents may share them). */
static rp_status top_terms(struct sctx *c, const struct sterm *t, uint32_t n, uint64_t *top,
                           uint32_t *n_top)
{
    struct rpi_topk w[RPI_TOP_PIVOT > RPI_TOP ? RPI_TOP_PIVOT : RPI_TOP];
    const uint32_t k = c->x ? RPI_TOP_PIVOT : RPI_TOP;
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t s;
        RP_TRY(term_slot(c, t[i].id, &s));
        if (((const uint32_t *)c->df.ptr)[s] > RPI_MAX_POSTING) continue;
        rpi_topk_push(w, &m, k, (1.0 + log((double)t[i].tf)) * ((const float *)c->idf.ptr)[s],
                      t[i].id);
    }
    for (uint32_t i = 0; i < m; i++)
        top[i] = w[i].id;
    *n_top = m;
    return RP_OK;
}

/* DB_SFEAT's record, or with d (pivot terms) DB_XFEAT's: then d's language and sentences */
static rp_status sfeat_put(rp_index *ix, MDB_txn *txn, uint64_t u, const struct sterm *t,
                           uint32_t n, const uint64_t *top, uint32_t n_top, int64_t date,
                           const struct rpi_ixdoc *d)
{
    const size_t end = SFEAT_HEADER + (size_t)n * SFEAT_TERM + (size_t)n_top * 8;
    const size_t size = end + (d ? XFEAT_TAIL + 2 * (size_t)d->n_shares : 0);
    unsigned char *p = rpi_malloc(ix->alloc, size);
    if (!p) return RP_E_NOMEM;
    put_le32(p, n);
    put_le32(p + 4, n_top);
    put_le64(p + 8, (uint64_t)date);
    for (uint32_t i = 0; i < n; i++) {
        unsigned char *q = p + SFEAT_HEADER + (size_t)i * SFEAT_TERM;
        put_le64(q, t[i].id);
        put_le32(q + 8, (t[i].tf > 0xFFFFFFu ? 0xFFFFFFu : t[i].tf) << 8 | t[i].flags);
    }
    for (uint32_t i = 0; i < n_top; i++)
        put_le64(p + SFEAT_HEADER + (size_t)n * SFEAT_TERM + 8 * (size_t)i, top[i]);
    if (d) {
        memset(p + end, 0, RPI_LANG_SIZE);
        memcpy(p + end, d->sd->lang, strnlen(d->sd->lang, RPI_LANG_SIZE - 1));
        put_le32(p + end + RPI_LANG_SIZE, d->n_shares);
        for (uint32_t i = 0; i < d->n_shares; i++) {
            const unsigned q = (unsigned)(d->shares[i] * 65535.0 + 0.5);
            p[end + XFEAT_TAIL + 2 * i] = (unsigned char)q;
            p[end + XFEAT_TAIL + 2 * i + 1] = (unsigned char)(q >> 8);
        }
    }
    const int rc = rpi_ix_put(ix, txn, d ? DB_XFEAT : DB_SFEAT, u, p, size);
    rpi_free(ix->alloc, p);
    TRY_MDB(rc, "features");
    return RP_OK;
}

/* Posting of (term -> unit, date) entries: put (delta 1) or delete; with lang (pivot terms)
 * in DB_XPOST, with the language. */
static rp_status postings(rp_index *ix, MDB_txn *txn, uint64_t u, int64_t date, const uint64_t *top,
                          uint32_t n_top, int put, const char *lang)
{
    unsigned char val[XPOST_SIZE] = {0};
    put_be64(val, u);
    put_le64(val + 8, (uint64_t)date);
    if (lang) memcpy(val + 16, lang, strnlen(lang, RPI_LANG_SIZE - 1));
    const int db = lang ? DB_XPOST : DB_SPOST;
    const size_t size = lang ? XPOST_SIZE : 16;
    for (uint32_t i = 0; i < n_top; i++) {
        const int rc = put ? rpi_ix_put(ix, txn, db, top[i], val, size)
                           : rpi_ix_del(ix, txn, db, top[i], val, size);
        TRY_MDB(rc, "postings");
    }
    return RP_OK;
}

/* Pivot terms' document frequencies (DB_XTERMS): each of t counted in (delta 1) or out. */
static rp_status xterms_count(rp_index *ix, MDB_txn *txn, const struct sterm *t, uint32_t n,
                              int delta)
{
    uint32_t after;
    for (uint32_t i = 0; i < n; i++)
        RP_TRY(count_add(ix, txn, DB_XTERMS, t[i].id, delta, &after, "pivot terms"));
    return RP_OK;
}

/* Units sharing top terms with the new content (counted in *count), within the window; in
 * pivot terms (c->x) those in another language than lang only. */
static rp_status posted_units(struct sctx *c, const uint64_t *top, uint32_t n_top, int64_t date,
                              const char *lang, struct rpi_umap *count)
{
    const size_t size = c->x ? XPOST_SIZE : 16;
    struct rpi_vec post; /* unit BE + date LE (+ language) */
    rpi_vec_init(&post, size, c->ix->alloc);
    rp_status st = RP_OK;
    for (uint32_t i = 0; i < n_top && st == RP_OK; i++) {
        unsigned char kb[8];
        put_be64(kb, top[i]);
        post.len = 0;
        st = rpi_tx_dups(c->ix, c->txn, c->x ? DB_XPOST : DB_SPOST, kb, 8, RPI_MAX_POSTING, &post);
        for (size_t j = 0; j < post.len && st == RP_OK; j++) {
            const unsigned char *p = (const unsigned char *)post.ptr + size * j;
            if (c->x && !strncmp((const char *)p + 16, lang, RPI_LANG_SIZE)) continue;
            if (!outside_window(c->ix, date, (int64_t)get_le64(p + 8))) {
                uint32_t *n;
                st = rpi_umap_ref(count, get_be64(p), &n);
                if (st == RP_OK) (*n)++;
            }
        }
    }
    rpi_vec_free(&post);
    return st;
}

/* The placement vectors of stored content u: its own (*n) and its pivot ones (*x, NULL when
 * it has none), copied out of the contexts' caches (which move). */
static rp_status place_vecs(struct pctx *pc, uint64_t u, struct uvec *n, struct uvec *x,
                            const struct uvec **xp)
{
    const struct uvec *v;
    *xp = NULL;
    RP_TRY(unit_vec(&pc->nat, u, &v));
    *n = *v;
    const rp_status g = unit_vec(&pc->piv, u, &v);
    if (g == RP_DONE) return RP_OK;
    RP_TRY(g);
    *x = *v;
    *xp = x;
    return RP_OK;
}

/* The pivot features of new content u (xt, xn): counted, stored (with d's language and
 * sentences) and posted, after the contents in other languages sharing its top pivot terms
 * are counted in *count. */
static rp_status add_pivot(struct sctx *c, uint64_t u, const struct rpi_ixdoc *d,
                           const struct sterm *xt, uint32_t xn, struct rpi_umap *count)
{
    uint64_t top[RPI_TOP_PIVOT];
    uint32_t n_top = 0;
    RP_TRY(xterms_count(c->ix, c->txn, xt, xn, 1));
    c->n_units += 1; /* this content, counted in the frequencies now */
    RP_TRY(top_terms(c, xt, xn, top, &n_top));
    RP_TRY(sfeat_put(c->ix, c->txn, u, xt, xn, top, n_top, d->date, d));
    RP_TRY(posted_units(c, top, n_top, d->date, d->sd->lang, count));
    return postings(c->ix, c->txn, u, d->date, top, n_top, 1, d->sd->lang);
}

/* Candidates w of x counted in count (shared top terms, +2 per shared band bucket) that x
 * links to: their clusters' centres into centres. need: two shared top terms, one when either
 * has at most six (in c's terms: a unit found in both is scored twice, at no harm). */
static rp_status linked_centres(struct pctx *pc, struct sctx *c, uint64_t u, const struct uvec *x,
                                const struct uvec *xx, const struct rpi_umap *count,
                                struct rpi_umap *centres)
{
    const uint32_t n_top = c->x ? xx->n_top : x->n_top;
    for (size_t i = 0; i < count->cap; i++) {
        const uint64_t w = count->keys[i];
        if (w == RPI_IX_NONE || w == u) continue;
        const struct uvec *wv;
        const rp_status g = unit_vec(c, w, &wv);
        if (g == RP_DONE) continue;
        RP_TRY(g);
        const unsigned need = n_top <= 6 || wv->n_top <= 6 ? 1u : 2u;
        if (count->vals[i] < need) continue;
        double sc;
        int xl, ok;
        RP_TRY(link_score(pc, x, xx, w, &sc, &ok, &xl));
        if (!ok) continue;
        unsigned char rec[UNIT_SIZE] = {0};
        RP_TRY(unit_rec(pc->nat.ix, pc->nat.txn, w, rec));
        RP_TRY(rpi_umap_put(centres, get_le64(rec + UNIT_CENTER), 0, NULL, NULL));
    }
    return RP_OK;
}

/* x's place written: `of` across languages is a translation, else S5's relation */
static rp_status place_write(rp_index *ix, MDB_txn *txn, uint64_t x, const struct place *p)
{
    return write_place(ix, txn, x, p,
                       p->xl ? RP_REL_TRANSLATION : pair_relation(ix, txn, x, p->of));
}

rp_status rpi_ixs_add_unit(rp_index *ix, MDB_txn *txn, uint64_t u, const struct rpi_ixdoc *d,
                           const uint64_t *band, size_t n_band)
{
    if (!ix->has_story) return rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "no story tables");
    struct sterm *t = NULL, *xt = NULL;
    uint32_t n = 0, xn = 0, n_top = 0;
    uint64_t top[RPI_TOP], *ids = NULL;
    const rp_alloc *al = ix->alloc;
    struct rpi_umap count, xcount, centres;
    rpi_umap_init(&count, al);
    rpi_umap_init(&xcount, al);
    rpi_umap_init(&centres, al);
    struct rpi_vec units, all, flat;
    rpi_vec_init(&units, sizeof(uint64_t), al);
    rpi_vec_init(&all, sizeof(uint64_t), al);
    rpi_vec_init(&flat, sizeof(uint64_t), al);
    size_t *off = NULL;
    struct pctx pc;
    pctx_init(&pc, ix, txn);
    struct sctx *c = &pc.nat;
    rp_status st = new_features(ix, txn, u, d, &t, &n, &xt, &xn);
    if (st != RP_OK) goto done;
    if (ix->has_xling) {
        const char *lang = d->sd->lang;
        const int rc = rpi_ix_put(ix, txn, DB_ULANG, u, lang, strnlen(lang, RPI_LANG_SIZE - 1) + 1);
        if (rc) {
            st = rpi_ix_mdb(rc, "language");
            goto done;
        }
    }
    /* document frequencies (and DB_UTERMS for removal) over the features */
    ids = rpi_malloc(al, (n ? n : 1) * sizeof *ids);
    if (!ids) {
        st = RP_E_NOMEM;
        goto done;
    }
    for (uint32_t i = 0; i < n; i++)
        ids[i] = t[i].id;
    RP_TRY_GOTO(st, rpi_ix_terms_add(ix, txn, u, ids, n), done);
    c->n_units += 1; /* this content, counted in the frequencies now */
    if (c->named_st != RP_OK && c->named_st != RP_DONE) {
        st = c->named_st;
        goto done;
    }
    if (c->named != UINT64_MAX && has_names(t, n))
        RP_TRY_GOTO(st, named_put(ix, txn, ++c->named), done);
    c->caseless = pc.piv.caseless = caseless_of(c->named, c->n_units);
    RP_TRY_GOTO(st, top_terms(c, t, n, top, &n_top), done);
    RP_TRY_GOTO(st, sfeat_put(ix, txn, u, t, n, top, n_top, d->date, NULL), done);
    /* candidates: shared top terms (before this content's own postings), shared bands */
    RP_TRY_GOTO(st, posted_units(c, top, n_top, d->date, NULL, &count), done);
    RP_TRY_GOTO(st, postings(ix, txn, u, d->date, top, n_top, 1, NULL), done);
    if (xt && ix->has_xling) RP_TRY_GOTO(st, add_pivot(&pc.piv, u, d, xt, xn, &xcount), done);
    struct uvec x, xx;
    const struct uvec *xxp;
    RP_TRY_GOTO(st, place_vecs(&pc, u, &x, &xx, &xxp), done);
    for (size_t i = 0; i < n_band; i++)
        if (band[i] != u) {
            uint32_t *k;
            RP_TRY_GOTO(st, rpi_umap_ref(&count, band[i], &k), done);
            *k += 2;
        }
    /* linked candidates and the clusters they are in: by the texts' own terms, then those in
     * other languages by pivot terms */
    RP_TRY_GOTO(st, linked_centres(&pc, c, u, &x, xxp, &count, &centres), done);
    if (xxp) RP_TRY_GOTO(st, linked_centres(&pc, &pc.piv, u, &x, xxp, &xcount, &centres), done);
    /* the clusters in centre order (deterministic), each with its members */
    for (size_t i = 0; i < centres.cap && st == RP_OK; i++)
        if (centres.keys[i] != RPI_IX_NONE) st = rpi_vec_push(&all, &centres.keys[i]);
    if (st == RP_OK && all.len) qsort(all.ptr, all.len, sizeof(uint64_t), cmp_u64);
    const size_t nc = all.len;
    off = rpi_malloc(al, (nc + 1) * sizeof *off);
    if (!off && st == RP_OK) st = RP_E_NOMEM;
    for (size_t i = 0; i < nc && st == RP_OK; i++) {
        off[i] = flat.len;
        st = cluster_units(ix, txn, RPI_VEC_AT(&all, uint64_t, i), &units, RPI_IX_MAX_MEMBERS);
        for (size_t j = 0; j < units.len && st == RP_OK; j++)
            st = rpi_vec_push(&flat, &RPI_VEC_AT(&units, uint64_t, j));
    }
    if (st == RP_OK) {
        off[nc] = flat.len;
        struct place p = {u, u, 0, 0};
        st = choose(&pc, &x, xxp, flat.ptr, off, nc, &p);
        if (st == RP_OK && p.centre != u) st = place_write(ix, txn, u, &p);
    }
done:
    pctx_free(&pc);
    rpi_umap_free(&count);
    rpi_umap_free(&xcount);
    rpi_umap_free(&centres);
    rpi_vec_free(&units);
    rpi_vec_free(&all);
    rpi_vec_free(&flat);
    rpi_free(al, off);
    rpi_free(al, ids);
    rpi_free(al, t);
    rpi_free(al, xt);
    return st;
}

/* ---- removing ----------------------------------------------------------------------------- */

/* Place the units again (sorted, in arrival order) as if they arrived now, each joining one
 * of the clusters formed among them by the rule of S6 or starting one. */
static rp_status replace_units(rp_index *ix, MDB_txn *txn, const uint64_t *units, size_t n)
{
    struct pctx c;
    pctx_init(&c, ix, txn);
    /* clusters formed so far: their units, grouped per cluster, centre first */
    const rp_alloc *al = ix->alloc;
    uint64_t *cu = rpi_malloc(al, (n ? n : 1) * sizeof *cu);
    uint64_t *grp = rpi_malloc(al, (n ? n : 1) * sizeof *grp);
    size_t *off = rpi_malloc(al, (n + 1) * sizeof *off);
    struct place *pl = rpi_malloc(al, (n ? n : 1) * sizeof *pl);
    rp_status st = cu && grp && off && pl ? RP_OK : RP_E_NOMEM;
    size_t nc = 0;
    for (size_t i = 0; i < n && st == RP_OK; i++) {
        /* flatten the clusters so far for choose() */
        size_t m = 0;
        for (size_t k = 0; k < nc; k++) {
            off[k] = m;
            for (size_t j = 0; j < i; j++)
                if (grp[j] == k && m < off[k] + RPI_IX_MAX_MEMBERS) cu[m++] = units[j];
        }
        off[nc] = m;
        struct uvec x, xx;
        const struct uvec *xxp;
        pl[i] = (struct place){units[i], units[i], 0, 0};
        const rp_status g = place_vecs(&c, units[i], &x, &xx, &xxp);
        if (g != RP_OK && g != RP_DONE) st = g;
        if (g == RP_OK) st = choose(&c, &x, xxp, cu, off, nc, &pl[i]);
        size_t k = nc;
        for (size_t q = 0; q < nc; q++)
            if (cu[off[q]] == pl[i].centre) k = q;
        if (k == nc) nc++;
        grp[i] = k;
    }
    for (size_t i = 0; i < n && st == RP_OK; i++) {
        /* reset to a cluster of its own, then join */
        const struct place self = {units[i], units[i], 0, 0};
        st = write_place(ix, txn, units[i], &self, RP_REL_UNIQUE);
        if (st == RP_OK && pl[i].centre != units[i]) st = place_write(ix, txn, units[i], &pl[i]);
    }
    rpi_free(al, cu);
    rpi_free(al, grp);
    rpi_free(al, off);
    rpi_free(al, pl);
    pctx_free(&c);
    return st;
}

/* Unit u's language and pivot features gone: counted out, unposted, deleted. */
static rp_status delete_pivot(rp_index *ix, MDB_txn *txn, uint64_t u)
{
    TRY_MDB(rpi_ix_del(ix, txn, DB_ULANG, u, NULL, 0), "language");
    MDB_val v;
    rp_status st = rpi_ix_get(ix, txn, DB_XFEAT, u, &v);
    if (st == RP_DONE) return RP_OK;
    RP_TRY(st);
    struct sterm *t;
    uint32_t n, n_top;
    int64_t date;
    size_t tail;
    RP_TRY(sfeat_parse(ix, &v, 1, &t, &n, &n_top, &date, &tail));
    uint64_t top[RPI_TOP_PIVOT];
    char lang[RPI_LANG_SIZE];
    const unsigned char *p = (const unsigned char *)v.mv_data;
    for (uint32_t i = 0; i < n_top && i < RPI_TOP_PIVOT; i++)
        top[i] = get_le64(p + SFEAT_HEADER + (size_t)n * SFEAT_TERM + 8 * (size_t)i);
    memcpy(lang, p + tail, RPI_LANG_SIZE);
    lang[RPI_LANG_SIZE - 1] = '\0';
    st = xterms_count(ix, txn, t, n, -1); /* v is stale after writes: read first */
    rpi_free(ix->alloc, t);
    RP_TRY(st);
    RP_TRY(postings(ix, txn, u, date, top, n_top < RPI_TOP_PIVOT ? n_top : RPI_TOP_PIVOT, 0, lang));
    TRY_MDB(rpi_ix_del(ix, txn, DB_XFEAT, u, NULL, 0), "pivot features");
    return RP_OK;
}

rp_status rpi_ixs_delete_unit(rp_index *ix, MDB_txn *txn, uint64_t u, const unsigned char *urec)
{
    if (!ix->has_story) return RP_OK;
    MDB_val v;
    rp_status st = rpi_ix_get(ix, txn, DB_ULINES, u, &v);
    if (st == RP_OK) {
        const size_t n = v.mv_size / 8;
        uint64_t *keys = rpi_malloc(ix->alloc, (n ? n : 1) * sizeof *keys);
        if (!keys) return RP_E_NOMEM;
        for (size_t i = 0; i < n; i++)
            keys[i] = get_le64((const unsigned char *)v.mv_data + 8 * i);
        st = lines_count(ix, txn, keys, n, -1);
        rpi_free(ix->alloc, keys);
        RP_TRY(st);
        TRY_MDB(rpi_ix_del(ix, txn, DB_ULINES, u, NULL, 0), "lines");
    } else if (st != RP_DONE) {
        return st;
    }
    st = rpi_ix_get(ix, txn, DB_SFEAT, u, &v);
    if (st == RP_OK) {
        struct sterm *t;
        uint32_t n, n_top;
        int64_t date;
        RP_TRY(sfeat_parse(ix, &v, 0, &t, &n, &n_top, &date, NULL));
        const int named = has_names(t, n);
        rpi_free(ix->alloc, t);
        uint64_t count = 0; /* set by named_get when it returns RP_OK (gcc -O2 cannot tell) */
        const rp_status sn = named ? named_get(ix, txn, &count) : RP_DONE;
        if (sn == RP_OK) RP_TRY(named_put(ix, txn, count ? count - 1 : 0));
        if (sn != RP_OK && sn != RP_DONE) return sn;
        uint64_t top[RPI_TOP];
        const unsigned char *p = (const unsigned char *)v.mv_data + SFEAT_HEADER + n * SFEAT_TERM;
        for (uint32_t i = 0; i < n_top && i < RPI_TOP; i++)
            top[i] = get_le64(p + 8 * i);
        RP_TRY(postings(ix, txn, u, date, top, n_top < RPI_TOP ? n_top : RPI_TOP, 0, NULL));
        TRY_MDB(rpi_ix_del(ix, txn, DB_SFEAT, u, NULL, 0), "features");
    } else if (st != RP_DONE) {
        return st;
    }
    if (ix->has_xling) RP_TRY(delete_pivot(ix, txn, u));
    TRY_MDB(rpi_ix_del(ix, txn, DB_SOF, u, NULL, 0), "sof");
    /* its cluster without it: the other members placed again */
    const uint64_t centre = get_le64(urec + UNIT_CENTER);
    struct rpi_vec rest;
    rpi_vec_init(&rest, sizeof(uint64_t), ix->alloc);
    st = cluster_units(ix, txn, centre, &rest, SIZE_MAX);
    size_t m = 0;
    for (size_t i = 0; i < rest.len && st == RP_OK; i++)
        if (RPI_VEC_AT(&rest, uint64_t, i) != u)
            RPI_VEC_AT(&rest, uint64_t, m++) = RPI_VEC_AT(&rest, uint64_t, i);
    if (st == RP_OK && m) {
        unsigned char ub[8];
        put_be64(ub, u);
        const int rc = rpi_ix_del(ix, txn, DB_STARS, centre, ub, 8);
        if (rc) st = rpi_ix_mdb(rc, "stars");
        if (st == RP_OK) {
            /* u is a star of its own while deleted (delete_unit removes that star) */
            st = rpi_ix_put(ix, txn, DB_STARS, centre, ub, 8) ? RP_E_IO : RP_OK;
        }
        qsort(rest.ptr, m, sizeof(uint64_t), cmp_u64);
        if (st == RP_OK) st = replace_units(ix, txn, rest.ptr, m);
    }
    rpi_vec_free(&rest);
    return st;
}

rp_status rpi_ixs_stats(rp_index *ix, MDB_txn *txn, uint64_t *n_counted, uint64_t *n_lines,
                        uint64_t *n_boiler, uint64_t *n_named)
{
    MDB_stat ms;
    const rp_status sn = named_get(ix, txn, n_named);
    if (sn == RP_DONE) *n_named = UINT64_MAX;
    if (sn != RP_OK && sn != RP_DONE) return sn;
    *n_counted = mdb_stat(txn, ix->dbi[DB_SFEAT], &ms) == 0 ? ms.ms_entries : 0;
    *n_lines = mdb_stat(txn, ix->dbi[DB_LINES], &ms) == 0 ? ms.ms_entries : 0;
    *n_boiler = 0;
    const unsigned bmin = ix->cfg.boilerplate_min;
    if (!bmin) return RP_OK;
    MDB_cursor *cur;
    TRY_MDB(mdb_cursor_open(txn, ix->dbi[DB_LINES], &cur), "cursor");
    MDB_val k, v;
    int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (rc == 0) {
        *n_boiler += v.mv_size == 4 && get_le32(v.mv_data) >= bmin;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? RP_OK : rpi_ix_mdb(rc, "lines");
}

rp_status rpi_ixs_compare(rp_index *ix, uint64_t doc_a, uint64_t doc_b, double *score,
                          rp_relation *rel)
{
    if (!ix->has_story) return RP_E_UNSUPPORTED;
    MDB_txn *txn;
    TRY_MDB(mdb_txn_begin(ix->env, NULL, MDB_RDONLY, &txn), "begin");
    uint64_t unit[2];
    const uint64_t docs[2] = {doc_a, doc_b};
    rp_status st = RP_OK;
    for (int i = 0; i < 2 && st == RP_OK; i++) {
        MDB_val v;
        st = rpi_ix_get(ix, txn, DB_DOCS, docs[i], &v);
        if (st == RP_OK && v.mv_size < DOC_HEADER) st = RP_E_FORMAT;
        if (st == RP_OK) unit[i] = get_le64((const unsigned char *)v.mv_data + DOC_UNIT);
    }
    struct pctx c;
    pctx_init(&c, ix, txn);
    struct uvec a, ax;
    const struct uvec *axp;
    int xl = 0, linked;
    if (st == RP_OK) st = place_vecs(&c, unit[0], &a, &ax, &axp);
    if (st == RP_OK) st = link_score(&c, &a, axp, unit[1], score, &linked, &xl);
    if (st == RP_OK) *rel = xl ? RP_REL_TRANSLATION : pair_relation(ix, txn, unit[0], unit[1]);
    pctx_free(&c);
    mdb_txn_abort(txn);
    return st;
}

rp_status rpi_ixs_replace_all(rp_index *ix)
{
    if (!ix->has_story) return RP_E_UNSUPPORTED;
    MDB_txn *txn;
    RP_TRY(rpi_ix_begin_write(ix, &txn));
    struct rpi_vec units;
    rpi_vec_init(&units, sizeof(uint64_t), ix->alloc);
    MDB_cursor *cur;
    rp_status st = RP_OK;
    int rc = mdb_cursor_open(txn, ix->dbi[DB_SFEAT], &cur);
    if (rc) st = rpi_ix_mdb(rc, "cursor");
    MDB_val k, v;
    for (rc = st == RP_OK ? mdb_cursor_get(cur, &k, &v, MDB_FIRST) : MDB_NOTFOUND;
         rc == 0 && st == RP_OK; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        const uint64_t u = get_be64(k.mv_data);
        st = rpi_vec_push(&units, &u);
    }
    if (st == RP_OK) {
        mdb_cursor_close(cur);
        st = replace_units(ix, txn, units.ptr, units.len);
    }
    rpi_vec_free(&units);
    return rpi_ix_end_write(ix, txn, st, 1);
}
