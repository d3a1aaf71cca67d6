/* SPDX-License-Identifier: MIT */
/* story_cand.c -- S4 of stage story: candidate pairs from shared salient terms,
 * shared passage fingerprints and near edges, within the window (steps_internal.h). */
#include <stdlib.h> /* qsort */
#include <string.h> /* memset */
#include "common/parallel_internal.h"
#include "steps_internal.h"

#define RPI_GRAM 4u         /* tokens per passage fingerprint */
#define RPI_MAX_GRAM_DF 16u /* fingerprints in more units are boilerplate-like; skipped */
/* Past this many tokens (unit weights, story.c) the fingerprints are taken in two passes over
 * the texts, each keeping half the hash range: a fingerprint's units all meet in its pass,
 * so the pairs are the same, and only half the lists are held at a time (100k documents:
 * 5.8M fingerprints, 46 MB of lists; with FP_BYTE and the lists sized once, S4's peak
 * 200 -> 161 MB). */
#define RPI_GRAM_PASS_TOKENS ((uint64_t)16 << 20)

/* Candidate keys: a << 32 | b << 1 | gram, a < b < 2^31; gram = the pair shares a passage
 * fingerprint (align it). Sorted with rpi_sort_u64, the two flags of a pair are adjacent. */
#define CKEY(a, b, g)                                                                              \
    ((a) < (b) ? (uint64_t)(a) << 32 | (uint64_t)(b) << 1 | (g)                                    \
               : (uint64_t)(b) << 32 | (uint64_t)(a) << 1 | (g))

/* ---- S4: candidates --------------------------------------------------------------------- */

struct keys {
    uint64_t *k;
    size_t n, cap;
};

static rp_status push_key(struct rpi_story *s, struct keys *ks, uint64_t key)
{
    if (ks->n == ks->cap) {
        void *p = ks->k;
        RP_TRY(rpi_array_reserve(s->in.alloc, &p, &ks->cap, sizeof *ks->k, ks->n + 1));
        ks->k = p;
    }
    ks->k[ks->n++] = key;
    return RP_OK;
}

struct dated {
    int64_t date; /* INT64_MIN when undated */
    uint32_t unit;
};

static int cmp_dated(const void *pa, const void *pb)
{
    const struct dated *a = pa, *b = pb;
    if (a->date != b->date) return a->date < b->date ? -1 : 1;
    return a->unit < b->unit ? -1 : a->unit > b->unit;
}

/* Every unit's date (INT64_MIN undated) and its rank in (date, unit) order, so that a run
 * of units sorts by date as plain integers. */
static rp_status date_ranks(struct rpi_story *s)
{
    const uint32_t nu = s->in.n_units;
    s->udate = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *s->udate);
    s->urank = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *s->urank);
    struct dated *d = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *d);
    if (!s->udate || !s->urank || !d) {
        rpi_free(s->in.alloc, d);
        return RP_E_NOMEM;
    }
    for (uint32_t u = 0; u < nu; u++)
        d[u] = (struct dated){s->udate[u] = rpi_unit_date(s, u), u};
    qsort(d, nu, sizeof *d, cmp_dated);
    for (uint32_t r = 0; r < nu; r++)
        s->urank[d[r].unit] = r;
    rpi_free(s->in.alloc, d);
    return RP_OK;
}

/* Every pair of distinct units in a run of (x << 32 | unit) entries, except dated pairs
 * further apart than the window: the run is sorted by date so each unit meets only the
 * units within the window after it (undated units sort first and meet everyone). */
static rp_status emit_group(struct rpi_story *s, const uint64_t *post, size_t lo, size_t hi,
                            uint32_t flags, struct keys *ks, uint64_t **scratch, size_t *scap)
{
    const size_t n = hi - lo;
    void *p = *scratch;
    RP_TRY(rpi_array_reserve(s->in.alloc, &p, scap, sizeof **scratch, n));
    uint64_t *d = *scratch = p;
    const double wsec = s->in.p.window_days * 86400.0;
    for (size_t x = 0; x < n; x++) {
        const uint32_t u = (uint32_t)post[lo + x];
        d[x] = wsec > 0 ? (uint64_t)s->urank[u] << 32 | u : u;
    }
    if (wsec > 0) RP_TRY(rpi_sort_u64(s->in.alloc, d, n));
    for (size_t x = 0; x < n; x++) {
        const uint32_t ux = (uint32_t)d[x];
        const int64_t dx = s->udate[ux];
        for (size_t y = x + 1; y < n; y++) {
            const uint32_t uy = (uint32_t)d[y];
            if (wsec > 0 && dx != INT64_MIN && (double)(s->udate[uy] - dx) > wsec)
                break; /* sorted: every later unit is further away */
            if (ux != uy) RP_TRY(push_key(s, ks, CKEY(ux, uy, flags)));
        }
    }
    return RP_OK;
}

/* Units sharing two of their top_k most salient terms (one, when either has at most six),
 * dated ones within the window: an inverted index of the top terms only (a term's units in
 * date order), joined unit by unit with a counter per partner, so the cost follows the
 * postings of rare terms, not the collection squared, and needs no global sort. */
static size_t first_at_or_after(const int64_t *udate, const uint32_t *l, size_t n, int64_t d)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (udate[l[mid]] < d)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static rp_status top_term_pairs(struct rpi_story *s, struct keys *ks)
{
    const uint32_t nu = s->in.n_units;
    const uint8_t *ntop = s->n_top;
    const double wsec = s->in.p.window_days * 86400.0;
    /* postings: start[slot] .. start[slot + 1] in post, units in (date, unit) order */
    uint32_t *start = rpi_calloc(s->in.alloc, s->df_cap + 1, sizeof *start);
    uint32_t *post = rpi_malloc(s->in.alloc, ((size_t)nu * s->top_k + 1) * sizeof *post);
    uint32_t *order = rpi_malloc(s->in.alloc, ((size_t)nu + 1) * sizeof *order);
    uint16_t *cnt = rpi_calloc(s->in.alloc, (size_t)nu + 1, sizeof *cnt);
    uint32_t *touched = rpi_malloc(s->in.alloc, ((size_t)nu + 1) * sizeof *touched);
    rp_status st = RP_E_NOMEM;
    if (!start || !post || !order || !cnt || !touched) goto done;
    for (uint32_t u = 0; u < nu; u++) {
        order[s->urank[u]] = u;
        for (uint32_t i = 0; i < ntop[u]; i++)
            start[s->top[(size_t)u * s->top_k + i] + 1]++;
    }
    for (size_t x = 0; x < s->df_cap; x++)
        start[x + 1] += start[x];
    for (uint32_t r = 0; r < nu; r++) { /* fill in date order; start[x] moves to the end */
        const uint32_t u = order[r];
        for (uint32_t i = 0; i < ntop[u]; i++)
            post[start[s->top[(size_t)u * s->top_k + i]]++] = u;
    }
    for (size_t x = s->df_cap; x > 0; x--) /* back to the starts */
        start[x] = start[x - 1];
    start[0] = 0;
    st = RP_OK;
    for (uint32_t u = 0; u < nu && st == RP_OK; u++) {
        const int64_t du = s->udate[u];
        size_t nt = 0;
        for (uint32_t i = 0; i < ntop[u]; i++) {
            const uint32_t x = s->top[(size_t)u * s->top_k + i];
            const uint32_t *l = post + start[x];
            const size_t n = start[x + 1] - start[x];
            /* partners: the undated (first in date order) and, for a dated u, the dated
             * within the window; everyone without a window or when u is undated */
            size_t undated = n, lo = 0, hi = n;
            if (wsec > 0 && du != INT64_MIN) {
                undated = first_at_or_after(s->udate, l, n, INT64_MIN + 1);
                /* [du - w, du + w], saturated (dates come from the input) */
                const int64_t w = (int64_t)wsec;
                const int64_t from = du < INT64_MIN + 1 + w ? INT64_MIN + 1 : du - w;
                const int64_t to = du > INT64_MAX - 1 - w ? INT64_MAX : du + w + 1;
                lo = first_at_or_after(s->udate, l, n, from);
                hi = first_at_or_after(s->udate, l, n, to);
                if (lo < undated) lo = undated;
            }
            for (size_t k = 0; k < n; k++) {
                if (k == undated) k = lo;
                if (k >= hi) break;
                const uint32_t v = l[k];
                if (v <= u) continue;
                if (cnt[v]++ == 0) touched[nt++] = v;
            }
        }
        for (size_t k = 0; k < nt; k++) {
            const uint32_t v = touched[k];
            /* across languages (the pivot pass) the top terms of a translation are its
             * source's only in part: one shared term makes a pair worth scoring */
            const unsigned need = (s->ulang || ntop[u] <= 6 || ntop[v] <= 6) ? 1u : 2u;
            if (cnt[v] >= need && st == RP_OK) st = push_key(s, ks, CKEY(u, v, 0));
            cnt[v] = 0;
        }
    }
done:
    rpi_free(s->in.alloc, start);
    rpi_free(s->in.alloc, post);
    rpi_free(s->in.alloc, order);
    rpi_free(s->in.alloc, cnt);
    rpi_free(s->in.alloc, touched);
    return st;
}

/* Winnowing (Schleimer, Wilkerson & Aiken 2003): the minimum gram hash of every window of w
 * consecutive grams; two texts sharing a run of w + RPI_GRAM - 1 tokens share one. Entries
 * are (high 32 bits of the hash << 32 | unit), one list per thread. */
/* The byte of a fingerprint (or of a key holding one) that splits them into even parts: the
 * lowest byte of the kept 32 bits. Winnowing keeps minima, so the top bits are mostly zero
 * (split on the top bit, the 100k documents' 5.77M fingerprints went 5.46M / 0.31M). */
#define FP_BYTE(x) ((unsigned)((x) >> 32) & 0xFFu)

/* Partition a[0, n) in place by FP_BYTE (American flag sort, one pass): bucket b is
 * a[start[b], start[b + 1]). */
static void fp_byte_partition(uint64_t *a, size_t n, size_t start[257])
{
    size_t next[256];
    memset(next, 0, sizeof next);
    for (size_t i = 0; i < n; i++)
        next[FP_BYTE(a[i])]++;
    start[0] = 0;
    for (unsigned b = 0; b < 256; b++)
        start[b + 1] = start[b] + next[b];
    memcpy(next, start, sizeof next);
    for (unsigned b = 0; b < 256; b++)
        while (next[b] < start[b + 1]) {
            uint64_t v = a[next[b]];
            unsigned d = FP_BYTE(v);
            while (d != b) { /* v's place is in bucket d: swap it there */
                const uint64_t x = a[next[d]];
                a[next[d]++] = v;
                v = x;
                d = FP_BYTE(v);
            }
            a[next[b]++] = v;
        }
}

struct gram_ctx {
    struct rpi_story *s;
    struct keys *fp;      /* per thread */
    size_t (*start)[257]; /* per thread: its list's parts by FP_BYTE (fp_byte_partition) */
    unsigned w;
    unsigned pass, passes; /* keeps the fingerprints whose FP_BYTE * passes >> 8 is pass */
};

static rp_status gram_range(void *ctx, size_t lo, size_t hi, unsigned t)
{
    const struct gram_ctx *g = ctx;
    struct rpi_story *s = g->s;
    struct keys *fp = &g->fp[t];
    uint64_t *gh = NULL;
    uint32_t *dq = NULL;
    size_t gcap = 0, dcap = 0;
    /* units in the store's order: a fingerprint key holds its unit, and the lists are sorted
     * whole (fingerprint_pairs), so the order they are pushed in does not matter */
    uint32_t *o;
    rp_status st = rpi_story_file_order(s, 1, lo, hi, &o);
    /* the list sized once for the range (winnowing keeps about 2 / (w + 1) of the grams; the
     * weights count 64 a unit more than its tokens), not grown by doubling through copies
     * whose freed blocks the C library keeps */
    const uint64_t want = (s->unit_w[hi] - s->unit_w[lo]) * 2u / (g->w + 1u) / g->passes;
    void *p0 = fp->k;
    if (st == RP_OK && want > fp->cap)
        st = rpi_array_reserve(s->in.alloc, &p0, &fp->cap, sizeof *fp->k, (size_t)want);
    fp->k = p0;
    for (size_t at = lo; at < hi && st == RP_OK; at++) {
        const size_t u = o ? o[at - lo] : at;
        const struct rpi_sdoc *sd = rpi_unit_sd(s, (uint32_t)u);
        if (at + 2 < hi) __builtin_prefetch(rpi_unit_sd(s, o ? o[at + 2 - lo] : (uint32_t)at + 2));
        if (at + 1 < hi)
            __builtin_prefetch(rpi_unit_sd(s, o ? o[at + 1 - lo] : (uint32_t)at + 1)->tok);
        if (sd->n_tok < RPI_GRAM) continue;
        void *p = gh;
        RP_TRY_GOTO(st, rpi_array_reserve(s->in.alloc, &p, &gcap, sizeof *gh, sd->n_tok), done);
        gh = p;
        p = dq;
        RP_TRY_GOTO(st, rpi_array_reserve(s->in.alloc, &p, &dcap, sizeof *dq, sd->n_tok), done);
        dq = p;
        const size_t ng = sd->n_tok - RPI_GRAM + 1;
        for (size_t i = 0; i < ng; i++) {
            uint64_t h = 0x9E3779B97F4A7C15ull;
            int zero = 0;
            for (unsigned k = 0; k < RPI_GRAM; k++) {
                const uint32_t tk = sd->tok[i + k];
                zero |= tk == 0;
                h = rpi_mix64(h ^ tk);
            }
            gh[i] = zero ? UINT64_MAX : h;
        }
        rpi_story_release(s, sd);
        /* the rightmost minimum of each window, from a deque of positions whose hashes rise
         * from front to back (amortised O(1) a window) */
        size_t last = SIZE_MAX, head = 0, tail = 0, next = 0;
        const size_t nwin = ng > g->w ? ng - g->w + 1 : 1;
        for (size_t i = 0; i < nwin; i++) {
            const size_t end = i + g->w < ng ? i + g->w : ng;
            for (; next < end; next++) {
                while (tail > head && gh[dq[tail - 1]] >= gh[next])
                    tail--;
                dq[tail++] = (uint32_t)next;
            }
            while (dq[head] < i)
                head++;
            const size_t best = dq[head];
            if (best != last && gh[best] != UINT64_MAX) {
                if (FP_BYTE(gh[best]) * g->passes >> 8 == g->pass)
                    RP_TRY_GOTO(st, push_key(s, fp, (gh[best] & 0xFFFFFFFF00000000ull) | u),
                                done);
                last = best;
            }
        }
    }
    /* partitioned here, on every thread: in fingerprint_pairs, beside the top terms' pairs on
     * the other thread, it made that task 3.8% of Reuters' story profile against 2.4% */
    fp_byte_partition(fp->k, fp->n, g->start[t]);
done:
    rpi_free(s->in.alloc, o);
    rpi_free(s->in.alloc, gh);
    rpi_free(s->in.alloc, dq);
    return st;
}

/* Pairs of units sharing a fingerprint (at most RPI_MAX_GRAM_DF units have it), from the
 * threads' lists of fingerprints (freed by the caller). Each list is partitioned by the
 * fingerprint's FP_BYTE (by gram_range: start), then the lists' parts of one byte are sorted
 * together: a
 * fingerprint's units meet in one part, and the sort's copies are a 256th of the lists
 * (merging the lists and sorting them whole held three times the lists: 9.4M fingerprints,
 * 72 MiB, at 100k documents, the peak of the story level). */
static rp_status fingerprint_pairs(struct rpi_story *s, struct keys *fp, size_t (*start)[257],
                                   unsigned nfp, struct keys *ks)
{
    uint64_t *dd = NULL, *part = NULL;
    size_t dcap = 0, pcap = 0;
    rp_status st = RP_OK;
    for (unsigned b = 0; b < 256 && st == RP_OK; b++) {
        size_t n = 0;
        for (unsigned t = 0; t < nfp; t++)
            n += start[t][b + 1] - start[t][b];
        if (n < 2) continue;
        void *p = part;
        RP_TRY_GOTO(st, rpi_array_reserve(s->in.alloc, &p, &pcap, sizeof *part, n), done);
        part = p;
        n = 0;
        for (unsigned t = 0; t < nfp; t++) {
            const size_t k = start[t][b + 1] - start[t][b];
            if (k) memcpy(part + n, fp[t].k + start[t][b], k * sizeof *part);
            n += k;
        }
        RP_TRY_GOTO(st, rpi_sort_u64(s->in.alloc, part, n), done);
        for (size_t i = 0; i < n && st == RP_OK;) {
            size_t j = i;
            while (j < n && part[j] >> 32 == part[i] >> 32)
                j++;
            if (j - i >= 2 && j - i <= RPI_MAX_GRAM_DF)
                st = emit_group(s, part, i, j, CAND_GRAM, ks, &dd, &dcap);
            i = j;
        }
    }
done:
    rpi_free(s->in.alloc, part);
    rpi_free(s->in.alloc, dd);
    return st;
}

/* The two sources of candidate pairs as two tasks, one a thread: task 0 the shared top terms
 * (story level), task 1 the shared fingerprints. */
struct pair_tasks {
    struct rpi_story *s;
    struct keys *fp; /* the threads' fingerprint lists */
    size_t (*start)[257];
    unsigned nfp;
    struct keys *out; /* [2]: the pairs of each task */
};

static rp_status pair_task(void *ctx, size_t lo, size_t hi, unsigned t)
{
    (void)t;
    const struct pair_tasks *x = ctx;
    struct rpi_story *s = x->s;
    for (size_t k = lo; k < hi; k++) {
        if (k == 1)
            RP_TRY(fingerprint_pairs(s, x->fp, x->start, x->nfp, &x->out[1]));
        else if (s->in.p.level == RP_LEVEL_STORY)
            RP_TRY(top_term_pairs(s, &x->out[0]));
    }
    return RP_OK;
}

static int outside_window(const struct rpi_story *s, uint32_t a, uint32_t b)
{
    return rpi_story_outside_window(s->in.p.window_days, rpi_unit_date(s, a), rpi_unit_date(s, b));
}

rp_status rpi_story_candidates(struct rpi_story *s, struct cand **out, size_t *n_out)
{
    struct keys ks = {NULL, 0, 0};
    rp_status st = RP_OK;
    *out = NULL;
    *n_out = 0;
    if (s->in.n_units >= (1u << 31)) {
        rpi_story_error(s, "the story levels handle at most 2^31 distinct texts");
        return RP_E_TOO_BIG;
    }
    RP_TRY(date_ranks(s));
    /* fingerprints on all threads, then the two sources of pairs side by side */
    const unsigned nt = rpi_threads_for(s->in.p.threads, s->in.n_units, 4096);
    struct keys fp[64], src[2];
    memset(fp, 0, sizeof fp);
    memset(src, 0, sizeof src);
    const unsigned w = s->in.p.min_passage > RPI_GRAM ? s->in.p.min_passage - RPI_GRAM + 1 : 1;
    const unsigned passes = s->unit_w[s->in.n_units] > RPI_GRAM_PASS_TOKENS ? 2u : 1u;
    size_t(*start)[257] = rpi_malloc(s->in.alloc, nt * sizeof *start);
    if (!start) return RP_E_NOMEM;
    struct gram_ctx g = {s, fp, start, w, 0, passes};
    struct pair_tasks pt = {s, fp, start, nt, src};
    for (g.pass = 0; g.pass < passes && st == RP_OK; g.pass++) {
        st = rpi_parallel_for(s->in.n_units, nt, s->unit_w, gram_range, &g);
        /* the last pass beside the shared top terms; the others' pairs into src[1] alone */
        if (st == RP_OK && g.pass + 1 == passes)
            st = rpi_parallel_for(2, nt < 2 ? nt : 2, NULL, pair_task, &pt);
        else if (st == RP_OK)
            st = fingerprint_pairs(s, fp, start, nt, &src[1]);
        for (unsigned t = 0; t < nt; t++) {
            rpi_free(s->in.alloc, fp[t].k);
            fp[t] = (struct keys){NULL, 0, 0};
        }
    }
    rpi_free(s->in.alloc, start);
    ks = src[0];
    for (size_t i = 0; i < src[1].n && st == RP_OK; i++)
        st = push_key(s, &ks, src[1].k[i]);
    rpi_free(s->in.alloc, src[1].k);
    if (st != RP_OK) goto fail;
    for (size_t k = 0; k < s->in.n_edges; k++)
        RP_TRY_GOTO(st, push_key(s, &ks, CKEY(s->in.edges[k].u, s->in.edges[k].v, CAND_GRAM)),
                    fail);
    RP_TRY_GOTO(st, rpi_sort_u64(s->in.alloc, ks.k, ks.n), fail);
    struct cand *c = rpi_malloc(s->in.alloc, (ks.n ? ks.n : 1) * sizeof *c);
    if (!c) {
        st = RP_E_NOMEM;
        goto fail;
    }
    size_t m = 0;
    for (size_t i = 0; i < ks.n;) {
        size_t j = i;
        uint32_t fl = 0;
        while (j < ks.n && ks.k[j] >> 1 == ks.k[i] >> 1)
            fl |= (uint32_t)(ks.k[j++] & 1);
        const uint32_t a = (uint32_t)(ks.k[i] >> 32), b = (uint32_t)ks.k[i] >> 1;
        if (!outside_window(s, a, b)) c[m++] = (struct cand){(uint64_t)a << 32 | b, fl};
        i = j;
    }
    *out = c;
    *n_out = m;
fail:
    rpi_free(s->in.alloc, ks.k);
    return st;
}
