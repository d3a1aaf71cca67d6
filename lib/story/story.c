/* SPDX-License-Identifier: MIT */
/* story.c -- the reuse and story stages, run on the units (exact groups) after near
 * clustering. docs/internals/story.md explains each step and its parameters.
 *
 * S1. Boilerplate: every line is hashed with its context (the hashes of the lines before and
 *     after it). A line seen in boilerplate_min or more distinct contexts is boilerplate
 *     ("Advertisement", bylines, navigation): a syndicated paragraph recurs with the same
 *     neighbours, a page template line with different ones. Its tokens become 0 (never
 *     matched, never counted).
 * S2. Term statistics: document frequency of every token over the units.
 * S3. Vectors: TF-IDF (1 + ln tf) * ln(N / df), unit length; names (capitalised terms and
 *     acronyms) and numbers as IDF-weighted sets.
 * S4. Candidates (sub-quadratic): units sharing two of their top salient terms (an inverted
 *     index of each unit's RPI_TOP highest-weight terms), units sharing a winnowed passage
 *     fingerprint (a shared stretch of min_passage words always shares one), and verified
 *     near pairs. Dated units further apart than the window are dropped.
 * S5. Scores: every signal, passages by rp_align; the level's score against its threshold.
 * S6. Clusters without chaining: units visited by degree; a unit joins the cluster with the
 *     highest mean link score over its members, but only if it is linked to at least half of
 *     its members, among them the representative or at least two.
 * S7. Original and relations: the earliest dated member, else the one whose passages cover
 *     most of the others; every other member is compared with it. */
#include <math.h>   /* log, sqrt */
#include <stdlib.h> /* qsort */
#include <string.h> /* memset */
#include <stdarg.h> /* va_list */
#include <stdio.h>  /* vsnprintf */
#include "story_internal.h"
#include "common/parallel_internal.h"

#define RPI_GRAM 4u         /* tokens per passage fingerprint */
#define RPI_MAX_GRAM_DF 16u /* fingerprints in more units are boilerplate-like; skipped */
#define RPI_ALIGN_MIN 0.2   /* story: pairs with less evidence are not aligned */

/* ---- small helpers ---------------------------------------------------------------------- */

/* The smaller share of number tokens of units u and v (build_vectors). */
static double density(const struct rpi_story *s, uint32_t u, uint32_t v)
{
    return s->ndens[u] < s->ndens[v] ? s->ndens[u] : s->ndens[v];
}

static struct rpi_sdoc *unit_sd(const struct rpi_story *s, uint32_t u)
{
    return rpi_doc(s->in.docs, s->in.unit_doc[u])->sd;
}

/* ---- S1: boilerplate -------------------------------------------------------------------- */

static int is_boiler(const struct rpi_story *s, uint64_t h)
{
    size_t lo = 0, hi = s->n_boiler;
    while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        if (s->boiler[mid] < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->n_boiler && s->boiler[lo] == h;
}

/* Line keys of units [lo, hi) into ctx's array at each unit's offset. */
struct line_keys {
    struct rpi_story *s;
    uint64_t *lc;
    const size_t *first; /* unit -> its first key */
};

static rp_status line_keys_range(void *ctx, size_t lo, size_t hi, unsigned t)
{
    (void)t;
    const struct line_keys *k = ctx;
    const struct rpi_story *s = k->s;
    for (size_t u = lo; u < hi; u++) {
        const struct rpi_sdoc *sd = unit_sd(s, (uint32_t)u);
        for (uint32_t l = 0; l < sd->n_lines; l++)
            k->lc[k->first[u] + l] = rpi_sdoc_line_key(sd, l);
    }
    return RP_OK;
}

/* Zero the tokens of the boilerplate lines of documents [lo, hi). */
static rp_status strip_range(void *ctx, size_t lo, size_t hi, unsigned t)
{
    (void)t;
    const struct rpi_story *s = ctx;
    for (size_t i = lo; i < hi; i++) {
        struct rpi_sdoc *sd = rpi_doc(s->in.docs, i)->sd;
        if (!sd) continue;
        for (uint32_t l = 0; l < sd->n_lines; l++) {
            if (!is_boiler(s, sd->lines[l].hash & RPI_LINE_MASK)) continue;
            for (uint32_t x = sd->lines[l].tok_start; x < sd->lines[l].tok_end; x++) {
                sd->tok[x] = 0;
                sd->tflags[x] |= RPI_TOK_BOILER;
            }
        }
    }
    return RP_OK;
}

static rp_status learn_boilerplate(struct rpi_story *s)
{
    const unsigned bmin = s->in.p.boilerplate_min;
    const uint32_t nu = s->in.n_units;
    if (bmin == 0) return RP_OK;
    size_t *first = rpi_malloc(s->in.alloc, ((size_t)nu + 1) * sizeof *first);
    if (!first) return RP_E_NOMEM;
    size_t n = 0;
    for (uint32_t u = 0; u < nu; u++) {
        first[u] = n;
        n += unit_sd(s, u)->n_lines;
    }
    /* one key per line occurrence: 40 bits of the line hash, 24 of its context's */
    uint64_t *lc = rpi_malloc(s->in.alloc, (n ? n : 1) * sizeof *lc);
    rp_status st = lc ? RP_OK : RP_E_NOMEM;
    struct line_keys k = {s, lc, first};
    if (st == RP_OK)
        st = rpi_parallel_for(nu, rpi_threads_for(s->in.p.threads, nu, 4096), s->unit_w,
                              line_keys_range, &k);
    rpi_free(s->in.alloc, first);
    if (st == RP_OK) st = rpi_sort_u64(s->in.alloc, lc, n);
    if (st != RP_OK) {
        rpi_free(s->in.alloc, lc);
        return st;
    }
    size_t nb = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i, ctxs = 0;
        while (j < n && lc[j] >> 24 == lc[i] >> 24) {
            if (j == i || lc[j] != lc[j - 1]) ctxs++;
            j++;
        }
        if (ctxs >= bmin) lc[nb++] = lc[i] & RPI_LINE_MASK;
        i = j;
    }
    s->boiler = rpi_malloc(s->in.alloc, (nb ? nb : 1) * sizeof *s->boiler);
    if (!s->boiler) {
        rpi_free(s->in.alloc, lc);
        return RP_E_NOMEM;
    }
    for (size_t i = 0; i < nb; i++)
        s->boiler[i] = lc[i];
    s->n_boiler = nb;
    rpi_free(s->in.alloc, lc);
    s->stats.n_boilerplate_lines = nb;
    if (nb == 0) return RP_OK;
    return rpi_parallel_for(s->in.docs->n_docs,
                            rpi_threads_for(s->in.p.threads, s->in.docs->n_docs, 4096), s->doc_w,
                            strip_range, s);
}

/* ---- S2: document frequencies ----------------------------------------------------------- */

static size_t df_slot(const struct rpi_story *s, uint32_t term)
{
    size_t m = s->df_cap - 1, i = (size_t)rpi_mix64(term) & m;
    while (s->df[i].key && s->df[i].key != term)
        i = (i + 1) & m;
    return i;
}

uint32_t rpi_story_df(const struct rpi_story *s, uint32_t term)
{
    if (!term || !s->df_cap) return 0;
    const size_t i = df_slot(s, term);
    return s->df[i].key ? s->df[i].val : 0;
}

double rpi_story_idf(const struct rpi_story *s, uint32_t term)
{
    return rpi_story_idf_of(s->n_docs_df, rpi_story_df(s, term));
}

/* While counting, each slot packs its term, count and the last unit counted (one cache line
 * visit a token); grown at half load by re-inserting in slot order. */
struct dfe {
    uint32_t key, val, last;
};

static rp_status df_grow(struct rpi_story *s, struct dfe **tab, size_t *cap_io)
{
    const size_t old = *cap_io, cap = old ? old * 2 : 1u << 16;
    struct dfe *t = rpi_calloc(s->in.alloc, cap, sizeof *t);
    if (!t) return RP_E_NOMEM;
    for (size_t i = 0; i < old; i++) {
        const struct dfe *x = &(*tab)[i];
        if (!x->key) continue;
        size_t j = (size_t)rpi_mix64(x->key) & (cap - 1);
        while (t[j].key)
            j = (j + 1) & (cap - 1);
        t[j] = *x;
    }
    rpi_free(s->in.alloc, *tab);
    *tab = t;
    *cap_io = cap;
    return RP_OK;
}

/* Document frequency of every term (text and title tokens) over the units, in a hash table
 * grown at half load; then packed (term, count) as df_slot probes them. */
static rp_status build_df(struct rpi_story *s)
{
    struct dfe *tab = NULL;
    size_t cap = 0, used = 0;
    rp_status st = df_grow(s, &tab, &cap);
    for (uint32_t u = 0; u < s->in.n_units && st == RP_OK; u++) {
        const struct rpi_sdoc *sd = unit_sd(s, u);
        if (!sd->n_tok) continue;
        s->n_docs_df++;
        for (uint32_t t = 0; t < sd->n_tok + sd->n_title; t++) {
            const uint32_t id = t < sd->n_tok ? sd->tok[t] : sd->title_tok[t - sd->n_tok];
            if (!id) continue;
            size_t i = (size_t)rpi_mix64(id) & (cap - 1);
            while (tab[i].key && tab[i].key != id)
                i = (i + 1) & (cap - 1);
            struct dfe *x = &tab[i];
            if (!x->key) {
                *x = (struct dfe){id, 1, u};
                if (++used * 2 > cap && (st = df_grow(s, &tab, &cap)) != RP_OK) break;
            } else if (x->last != u) {
                x->val++;
                x->last = u;
            }
        }
    }
    if (st == RP_OK) {
        s->df = rpi_malloc(s->in.alloc, cap * sizeof *s->df);
        if (!s->df) st = RP_E_NOMEM;
    }
    if (st == RP_OK) {
        for (size_t i = 0; i < cap; i++) {
            s->df[i] = (struct rpi_dfent){tab[i].key, tab[i].val};
        }
        s->df_cap = cap;
    }
    rpi_free(s->in.alloc, tab);
    return st;
}

/* ---- S3: vectors ------------------------------------------------------------------------ */

/* Vectors are over table slots (a dense, collection-wide term number), not token ids: the
 * table is fixed once build_df is done, and counting by slot needs no per-document sort. The
 * terms of a vector stay in order of first use: every pair is scored with one side scattered
 * into dense arrays by slot (signals()), so nothing merges sorted lists. */
/* The RPI_TOP heaviest terms of a vector (weight desc, slot asc), leaving out terms in more
 * than RPI_MAX_POSTING units: the unit's entries in the candidate index. */
static uint32_t top_terms(const struct rpi_story *s, const struct svec *v, uint32_t *out)
{
    struct rpi_topk wt[RPI_TOP];
    uint32_t m = 0;
    for (uint32_t i = 0; i < v->n; i++)
        if (s->df[v->term[i]].val <= RPI_MAX_POSTING) /* terms are table slots */
            rpi_topk_push(wt, &m, RPI_TOP, fabsf(v->w[i]), v->term[i]);
    for (uint32_t i = 0; i < m; i++)
        out[i] = (uint32_t)wt[i].id;
    return m;
}

static rp_status vectors_range(void *ctx, size_t lo, size_t hi, unsigned t);

/* Vectors of all units, split over the threads (each with its own arena and scratch). */
static rp_status build_vectors(struct rpi_story *s)
{
    const uint32_t nu = s->in.n_units;
    s->vec = rpi_calloc(s->in.alloc, nu ? nu : 1, sizeof *s->vec);
    s->names = rpi_calloc(s->in.alloc, nu ? nu : 1, sizeof *s->names);
    s->nums = rpi_calloc(s->in.alloc, nu ? nu : 1, sizeof *s->nums);
    s->idf = rpi_malloc(s->in.alloc, s->df_cap * sizeof *s->idf);
    s->top = rpi_malloc(s->in.alloc, ((size_t)nu * RPI_TOP + 1) * sizeof *s->top);
    s->n_top = rpi_calloc(s->in.alloc, nu ? nu : 1, sizeof *s->n_top);
    s->ndens = rpi_calloc(s->in.alloc, nu ? nu : 1, sizeof *s->ndens);
    s->live = rpi_calloc(s->in.alloc, nu ? nu : 1, sizeof *s->live);
    if (!s->ndens || !s->live) return RP_E_NOMEM;
    if (!s->vec || !s->names || !s->nums || !s->idf || !s->top || !s->n_top) return RP_E_NOMEM;
    for (size_t i = 0; i < s->df_cap; i++)
        s->idf[i] = s->df[i].key ? (float)rpi_story_idf_of(s->n_docs_df, s->df[i].val) : 0.0f;
    const unsigned nt = rpi_threads_for(s->in.p.threads, nu, 4096);
    s->tarenas = rpi_calloc(s->in.alloc, nt, sizeof *s->tarenas);
    if (!s->tarenas) return RP_E_NOMEM;
    for (unsigned t = 0; t < nt; t++)
        rpi_arena_init(&s->tarenas[t], s->in.alloc);
    s->n_tarenas = nt;
    RP_TRY(rpi_parallel_for(nu, nt, s->unit_w, vectors_range, s));
    size_t with_names = 0;
    for (uint32_t u = 0; u < nu; u++)
        with_names += s->names[u].sum >= RPI_MIN_MASS;
    s->caseless = (double)with_names < RPI_CASELESS * nu;
    return RP_OK;
}

/* Vectors of units [lo, hi), in thread t's arena. */
#define TF_SHIFT 24u
#define TF_MASK 0xFFFFFFu
static rp_status vectors_range(void *ctx, size_t lo, size_t hi, unsigned thread)
{
    struct rpi_story *s = ctx;
    struct rpi_arena *ar = &s->tarenas[thread];
    /* per slot while a unit is counted: its count (low 24 bits) and token flags (high 8):
     * one random access a token */
    uint32_t *tf = rpi_calloc(s->in.alloc, s->df_cap, sizeof *tf);
    uint32_t *touched = NULL;
    struct rpi_tf *terms = NULL;
    size_t cap = 0, tcap = 0;
    rp_status st = RP_E_NOMEM;
    struct rpi_vecbuild vb;
    rpi_vecbuild_init(&vb);
    if (!tf) goto done;
    for (uint32_t u = (uint32_t)lo; u < hi; u++) {
        const struct rpi_sdoc *sd = unit_sd(s, u);
        const size_t need = (size_t)sd->n_tok + sd->n_title + 1;
        void *p = touched;
        RP_TRY_GOTO(st, rpi_array_reserve(s->in.alloc, &p, &cap, sizeof *touched, need), done);
        touched = p;
        p = terms;
        RP_TRY_GOTO(st, rpi_array_reserve(s->in.alloc, &p, &tcap, sizeof *terms, need), done);
        terms = p;
        uint32_t m = 0, live = 0;
        for (uint32_t t = 0; t < sd->n_tok + sd->n_title; t++) {
            const int title = t >= sd->n_tok;
            const uint32_t id = title ? sd->title_tok[t - sd->n_tok] : sd->tok[t];
            if (!id) continue;
            live += !title;
            const uint32_t slot = (uint32_t)df_slot(s, id);
            const uint32_t f = title ? sd->title_flags[t - sd->n_tok] : sd->tflags[t];
            const uint32_t c = tf[slot];
            if (c == 0) touched[m++] = slot;
            tf[slot] = ((c & TF_MASK) < TF_MASK ? c + 1 : c) | f << TF_SHIFT; /* saturates */
        }
        /* the distinct terms in order of first use */
        for (uint32_t i = 0; i < m; i++) {
            const uint32_t slot = touched[i];
            terms[i] = (struct rpi_tf){slot, tf[slot] & TF_MASK, s->df[slot].val, s->idf[slot],
                                       (uint8_t)(tf[slot] >> TF_SHIFT)};
            tf[slot] = 0;
        }
        struct svec *v = &s->vec[u];
        RP_TRY_GOTO(
            st, rpi_story_vectors(&vb, ar, terms, m, v, &s->names[u], &s->nums[u], &s->ndens[u]),
            done);
        s->n_top[u] = (uint8_t)top_terms(s, v, &s->top[(size_t)u * RPI_TOP]);
        s->live[u] = live;
    }
    st = RP_OK;
done:
    rpi_free(s->in.alloc, tf);
    rpi_free(s->in.alloc, touched);
    rpi_free(s->in.alloc, terms);
    return st;
}

/* ---- S5: scoring ------------------------------------------------------------------------ */

static rp_status finish_score(struct rpi_story *s, rp_aligner *al, struct link *out,
                              const rp_passage **ps, size_t *np, int always_align);

/* Scatter (or clear) unit u's term, name and number vectors into dense arrays. */
static void scatter3(const struct rpi_story *s, uint32_t u, float *dv, float *dn, float *dd,
                     int clear)
{
    rpi_svec_scatter(&s->vec[u], dv, clear);
    rpi_svec_scatter(&s->names[u], dn, clear);
    rpi_svec_scatter(&s->nums[u], dd, clear);
}

/* The term, name and number signals of units a < b, with a scattered in dv, dn, dd. The
 * summation follows b's terms, so a pair gets the same floats on every path. */
static void signals(const struct rpi_story *s, const float *dv, const float *dn, const float *dd,
                    uint32_t a, uint32_t b, struct link *l)
{
    double words;
    l->cosine = (float)rpi_svec_cosine_dense(dv, &s->vec[a], &s->vec[b], s->idf, &words);
    l->words = (float)words;
    l->names = (float)rpi_svec_overlap_dense(dn, &s->names[a], &s->names[b]);
    l->numbers = (float)rpi_svec_overlap_dense(dd, &s->nums[a], &s->nums[b]);
}

rp_status rpi_story_score(struct rpi_story *s, rp_aligner *al, uint32_t u, uint32_t v,
                          struct link *out, const rp_passage **ps, size_t *np, int always_align)
{
    memset(out, 0, sizeof *out);
    out->a = u;
    out->b = v;
    if (!s->dense) {
        s->dense = rpi_calloc(s->in.alloc, 3 * (s->df_cap ? s->df_cap : 1), sizeof *s->dense);
        if (!s->dense) return RP_E_NOMEM;
    }
    float *dv = s->dense, *dn = dv + s->df_cap, *dd = dn + s->df_cap;
    const uint32_t a = u < v ? u : v, b = u < v ? v : u;
    scatter3(s, a, dv, dn, dd, 0);
    signals(s, dv, dn, dd, a, b, out);
    scatter3(s, a, dv, dn, dd, 1);
    return finish_score(s, al, out, ps, np, always_align);
}

/* Passages, score and relation of a pair whose term, name and number signals are in out. */
static rp_status finish_score(struct rpi_story *s, rp_aligner *al, struct link *out,
                              const rp_passage **ps, size_t *np, int always_align)
{
    const uint32_t u = out->a, v = out->b;
    const struct rpi_sdoc *a = unit_sd(s, u), *b = unit_sd(s, v);
    const uint32_t la = s->live[u], lb = s->live[v]; /* tokens outside boilerplate */
    const double ev = rpi_story_evidence(out->cosine, out->words, out->names, out->numbers,
                                         density(s, u, v), s->caseless);
    *ps = NULL;
    *np = 0;
    /* a pair with half a text in common has a clear term overlap: below RPI_ALIGN_MIN the
     * alignment cannot change the story verdict, so it is skipped (story level only) */
    if (al && (always_align || s->in.p.level == RP_LEVEL_REUSE || ev >= RPI_ALIGN_MIN)) {
        if (s->seeds && s->seeds[u] && s->seeds[v])
            RP_TRY(rpi_align_sorted(al, s->seeds[u], s->n_seeds[u], a->n_tok, s->seeds[v],
                                    s->n_seeds[v], b->n_tok, ps, np));
        else
            RP_TRY(rp_align(al, a->tok, a->n_tok, b->tok, b->n_tok, ps, np));
        uint32_t wa = 0, wb = 0;
        for (size_t k = 0; k < *np; k++) {
            wa += (*ps)[k].a_end - (*ps)[k].a_start;
            wb += (*ps)[k].b_end - (*ps)[k].b_start;
        }
        out->cover_a = la ? (float)wa / (float)la : 0.0f;
        out->cover_b = lb ? (float)wb / (float)lb : 0.0f;
        if (out->cover_a > 1) out->cover_a = 1;
        if (out->cover_b > 1) out->cover_b = 1;
        out->n_passages = (uint16_t)(*np > 65535 ? 65535 : *np);
    }
    const double cover = out->cover_a > out->cover_b ? out->cover_a : out->cover_b;
    out->score = (float)rpi_story_level_score(s->in.p.level, ev, cover);
    /* relation of the later/shorter to the other (only a linked pair's relation is used; the
     * Jaccard estimate is computed where it can matter) */
    const int need_rel = always_align || out->score >= s->in.p.threshold;
    const double jac =
        need_rel || out->cosine >= 0.3
            ? rp_minhash_similarity(rpi_sig(s->in.docs, s->in.unit_doc[u]),
                                    rpi_sig(s->in.docs, s->in.unit_doc[v]), s->in.p.num_perm)
            : 0.0;
    out->relation =
        (uint8_t)rpi_story_relation(jac, out->cover_a, out->cover_b, la, lb, out->n_passages);
    return RP_OK;
}

/* ---- S4: candidates --------------------------------------------------------------------- */

/* Candidate keys: a << 32 | b << 1 | gram, a < b < 2^31; gram = the pair shares a passage
 * fingerprint (align it). Sorted with rpi_sort_u64, the two flags of a pair are adjacent. */
#define CKEY(a, b, g)                                                                              \
    ((a) < (b) ? (uint64_t)(a) << 32 | (uint64_t)(b) << 1 | (g)                                    \
               : (uint64_t)(b) << 32 | (uint64_t)(a) << 1 | (g))
#define CAND_GRAM 1u /* the pair shares a passage fingerprint: align it */

struct cand {
    uint64_t key; /* a << 32 | b */
    uint32_t flags;
};

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

static int64_t unit_date(const struct rpi_story *s, uint32_t u)
{
    return rpi_doc(s->in.docs, s->in.unit_doc[u])->date;
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
        d[u] = (struct dated){s->udate[u] = unit_date(s, u), u};
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

/* Units sharing two of their RPI_TOP most salient terms (one, when either has at most six),
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
    uint32_t *post = rpi_malloc(s->in.alloc, ((size_t)nu * RPI_TOP + 1) * sizeof *post);
    uint32_t *order = rpi_malloc(s->in.alloc, ((size_t)nu + 1) * sizeof *order);
    uint16_t *cnt = rpi_calloc(s->in.alloc, (size_t)nu + 1, sizeof *cnt);
    uint32_t *touched = rpi_malloc(s->in.alloc, ((size_t)nu + 1) * sizeof *touched);
    rp_status st = RP_E_NOMEM;
    if (!start || !post || !order || !cnt || !touched) goto done;
    for (uint32_t u = 0; u < nu; u++) {
        order[s->urank[u]] = u;
        for (uint32_t i = 0; i < ntop[u]; i++)
            start[s->top[(size_t)u * RPI_TOP + i] + 1]++;
    }
    for (size_t x = 0; x < s->df_cap; x++)
        start[x + 1] += start[x];
    for (uint32_t r = 0; r < nu; r++) { /* fill in date order; start[x] moves to the end */
        const uint32_t u = order[r];
        for (uint32_t i = 0; i < ntop[u]; i++)
            post[start[s->top[(size_t)u * RPI_TOP + i]]++] = u;
    }
    for (size_t x = s->df_cap; x > 0; x--) /* back to the starts */
        start[x] = start[x - 1];
    start[0] = 0;
    st = RP_OK;
    for (uint32_t u = 0; u < nu && st == RP_OK; u++) {
        const int64_t du = s->udate[u];
        size_t nt = 0;
        for (uint32_t i = 0; i < ntop[u]; i++) {
            const uint32_t x = s->top[(size_t)u * RPI_TOP + i];
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
            const unsigned need = (ntop[u] <= 6 || ntop[v] <= 6) ? 1u : 2u;
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
struct gram_ctx {
    struct rpi_story *s;
    struct keys *fp; /* per thread */
    unsigned w;
};

static rp_status gram_range(void *ctx, size_t lo, size_t hi, unsigned t)
{
    const struct gram_ctx *g = ctx;
    struct rpi_story *s = g->s;
    struct keys *fp = &g->fp[t];
    uint64_t *gh = NULL;
    uint32_t *dq = NULL;
    size_t gcap = 0, dcap = 0;
    rp_status st = RP_OK;
    for (size_t u = lo; u < hi; u++) {
        const struct rpi_sdoc *sd = unit_sd(s, (uint32_t)u);
        if (u + 2 < hi) __builtin_prefetch(unit_sd(s, (uint32_t)u + 2));
        if (u + 1 < hi) __builtin_prefetch(unit_sd(s, (uint32_t)u + 1)->tok);
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
                RP_TRY_GOTO(st, push_key(s, fp, (gh[best] & 0xFFFFFFFF00000000ull) | u), done);
                last = best;
            }
        }
    }
done:
    rpi_free(s->in.alloc, gh);
    rpi_free(s->in.alloc, dq);
    return st;
}

/* Pairs of units sharing a fingerprint (at most RPI_MAX_GRAM_DF units have it), from the
 * threads' lists of fingerprints (freed here). */
static rp_status fingerprint_pairs(struct rpi_story *s, struct keys *fp, unsigned nfp,
                                   struct keys *ks)
{
    uint64_t *dd = NULL;
    size_t dcap = 0;
    rp_status st = RP_OK;
    /* one list: thread 0's, then the others appended */
    for (unsigned t = 1; t < nfp && st == RP_OK; t++)
        for (size_t i = 0; i < fp[t].n && st == RP_OK; i++)
            st = push_key(s, &fp[0], fp[t].k[i]);
    for (unsigned t = 1; t < nfp; t++) {
        rpi_free(s->in.alloc, fp[t].k);
        fp[t] = (struct keys){NULL, 0, 0};
    }
    if (st == RP_OK) st = rpi_sort_u64(s->in.alloc, fp[0].k, fp[0].n);
    for (size_t i = 0; i < fp[0].n && st == RP_OK;) {
        size_t j = i;
        while (j < fp[0].n && fp[0].k[j] >> 32 == fp[0].k[i] >> 32)
            j++;
        if (j - i >= 2 && j - i <= RPI_MAX_GRAM_DF)
            st = emit_group(s, fp[0].k, i, j, CAND_GRAM, ks, &dd, &dcap);
        i = j;
    }
    rpi_free(s->in.alloc, dd);
    return st;
}

/* The two sources of candidate pairs as two tasks, one a thread: task 0 the shared top terms
 * (story level), task 1 the shared fingerprints. */
struct pair_tasks {
    struct rpi_story *s;
    struct keys *fp; /* the threads' fingerprint lists */
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
            RP_TRY(fingerprint_pairs(s, x->fp, x->nfp, &x->out[1]));
        else if (s->in.p.level == RP_LEVEL_STORY)
            RP_TRY(top_term_pairs(s, &x->out[0]));
    }
    return RP_OK;
}

static int outside_window(const struct rpi_story *s, uint32_t a, uint32_t b)
{
    return rpi_story_outside_window(s->in.p.window_days, unit_date(s, a), unit_date(s, b));
}

static rp_status candidates(struct rpi_story *s, struct cand **out, size_t *n_out)
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
    struct gram_ctx g = {s, fp, w};
    struct pair_tasks pt = {s, fp, nt, src};
    st = rpi_parallel_for(s->in.n_units, nt, s->unit_w, gram_range, &g);
    if (st == RP_OK) st = rpi_parallel_for(2, nt < 2 ? nt : 2, NULL, pair_task, &pt);
    for (unsigned t = 0; t < nt; t++)
        rpi_free(s->in.alloc, fp[t].k);
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

/* ---- S5: score every candidate ---------------------------------------------------------- */

/* Scoring runs in two passes: every candidate without passages (the term, name and number
 * signals), then alignment only for the pairs that share a passage fingerprint and have the
 * evidence for it (RPI_ALIGN_MIN; every such pair at the reuse level), with the seeds of only
 * the units those pairs touch. */
struct score_ctx {
    struct rpi_story *s;
    const struct cand *c;
    const size_t *idx; /* pass 2: indices into c of the pairs to align; NULL in pass 1 */
};

static int wants_alignment(const struct rpi_story *s, const struct cand *c, const struct link *l)
{
    if (!(c->flags & CAND_GRAM)) return 0;
    return s->in.p.level == RP_LEVEL_REUSE ||
           rpi_story_evidence(l->cosine, l->words, l->names, l->numbers, density(s, l->a, l->b),
                              s->caseless) >= RPI_ALIGN_MIN;
}

/* Score candidates [lo, hi) of the pass, with a thread-own aligner in pass 2. */
static rp_status score_range(void *ctx, size_t lo, size_t hi, unsigned t)
{
    (void)t;
    const struct score_ctx *x = ctx;
    struct rpi_story *s = x->s;
    rp_align_params ap;
    rp_align_params_default(&ap);
    ap.min_words = s->in.p.min_passage;
    rp_aligner *al = NULL;
    rp_status st = x->idx ? rp_aligner_create(&al, &ap, s->in.alloc) : RP_OK;
    /* pass 1: candidates come sorted by a, so a's vectors are scattered once per run */
    float *dense = x->idx ? NULL : rpi_calloc(s->in.alloc, 3 * s->df_cap, sizeof *dense);
    float *dv = dense, *dn = dense + s->df_cap, *dd = dense + 2 * s->df_cap;
    if (!x->idx && !dense) st = RP_E_NOMEM;
    uint32_t cur = UINT32_MAX; /* unit scattered */
    const double thr = s->in.p.threshold;
    for (size_t k = lo; k < hi && st == RP_OK; k++) {
        const size_t i = x->idx ? x->idx[k] : k;
        const uint32_t a = (uint32_t)(x->c[i].key >> 32), b = (uint32_t)x->c[i].key;
        const rp_passage *ps;
        size_t np;
        struct link *l = &s->links[i];
        if (dense) {
            if (a != cur) {
                if (cur != UINT32_MAX) scatter3(s, cur, dv, dn, dd, 1);
                scatter3(s, cur = a, dv, dn, dd, 0);
            }
            memset(l, 0, sizeof *l);
            l->a = a;
            l->b = b;
            signals(s, dv, dn, dd, a, b, l);
            st = finish_score(s, NULL, l, &ps, &np, 0);
        } else { /* pass 2: the signals of pass 1, now with passages */
            st = finish_score(s, al, l, &ps, &np, 0);
        }
        if (s->in.p.level == RP_LEVEL_REUSE)
            l->linked = l->n_passages > 0 && l->score >= thr;
        else
            l->linked = l->score >= thr;
    }
    rp_aligner_free(al);
    rpi_free(s->in.alloc, dense);
    return st;
}

/* Seeds of units [lo, hi) marked in s->n_seeds (1 = takes part in a pair to align), each at
 * its place in s->seed_buf (s->seeds[u], laid out by score_all). */
static rp_status seeds_range(void *ctx, size_t lo, size_t hi, unsigned t)
{
    (void)t;
    struct rpi_story *s = ctx;
    const unsigned k = rpi_aligner_seed(s->aligner);
    uint64_t *tmp = NULL;
    size_t cap = 0;
    rp_status st = RP_OK;
    for (size_t u = lo; u < hi && st == RP_OK; u++) {
        if (!s->n_seeds[u]) continue;
        const struct rpi_sdoc *sd = unit_sd(s, (uint32_t)u);
        s->n_seeds[u] = 0;
        if (sd->n_tok == 0) continue;
        void *p = tmp;
        st = rpi_array_reserve(s->in.alloc, &p, &cap, sizeof *tmp, sd->n_tok);
        tmp = p;
        if (st != RP_OK) break;
        size_t m;
        rpi_align_seeds(sd->tok, sd->n_tok, k, s->seeds[u], tmp, &m);
        s->n_seeds[u] = (uint32_t)m;
    }
    rpi_free(s->in.alloc, tmp);
    return st;
}

static rp_status score_all(struct rpi_story *s, const struct cand *c, size_t n)
{
    const uint32_t nu = s->in.n_units;
    s->links = rpi_malloc(s->in.alloc, (n ? n : 1) * sizeof *s->links);
    s->seeds = rpi_calloc(s->in.alloc, nu ? nu : 1, sizeof *s->seeds);
    s->n_seeds = rpi_calloc(s->in.alloc, nu ? nu : 1, sizeof *s->n_seeds);
    if (!s->links || !s->seeds || !s->n_seeds) return RP_E_NOMEM;
    s->n_links = n;
    s->stats.n_candidates = n;
    /* pass 1: signals without passages */
    struct score_ctx x = {s, c, NULL};
    /* weights: a pass-1 pair costs about b's vectors, a pass-2 pair both texts' tokens */
    uint64_t *w = rpi_malloc(s->in.alloc, (n + 1) * sizeof *w);
    if (!w) return RP_E_NOMEM;
    w[0] = 0;
    for (size_t i = 0; i < n; i++) {
        const uint32_t b = (uint32_t)c[i].key;
        w[i + 1] = w[i] + s->vec[b].n + s->names[b].n + s->nums[b].n + 16;
    }
    rp_status st =
        rpi_parallel_for(n, rpi_threads_for(s->in.p.threads, n, 1024), w, score_range, &x);
    if (st != RP_OK) {
        rpi_free(s->in.alloc, w);
        return st;
    }
    /* pass 2: the pairs worth aligning, and the seeds of their units */
    size_t na = 0;
    for (size_t i = 0; i < n; i++)
        na += (size_t)wants_alignment(s, &c[i], &s->links[i]);
    size_t *idx = rpi_malloc(s->in.alloc, (na ? na : 1) * sizeof *idx);
    if (!idx) {
        rpi_free(s->in.alloc, w);
        return RP_E_NOMEM;
    }
    na = 0;
    for (size_t i = 0; i < n; i++)
        if (wants_alignment(s, &c[i], &s->links[i])) {
            idx[na++] = i;
            s->n_seeds[c[i].key >> 32] = 1;
            s->n_seeds[(uint32_t)c[i].key] = 1;
        }
    /* seeds of the units marked, laid out in one buffer; the threads split them by tokens */
    uint64_t *sw = rpi_malloc(s->in.alloc, ((size_t)nu + 1) * sizeof *sw);
    st = sw ? RP_OK : RP_E_NOMEM;
    if (sw) {
        size_t total = 0;
        sw[0] = 0;
        for (uint32_t u = 0; u < nu; u++) {
            const uint32_t nt = s->n_seeds[u] ? unit_sd(s, u)->n_tok : 0;
            sw[u + 1] = sw[u] + (nt ? nt + 256 : 1); /* + a marked unit's fixed cost */
            total += nt;
        }
        s->seed_buf = rpi_malloc(s->in.alloc, (total ? total : 1) * sizeof *s->seed_buf);
        st = s->seed_buf ? RP_OK : RP_E_NOMEM;
        size_t at = 0;
        for (uint32_t u = 0; u < nu && st == RP_OK; u++)
            if (s->n_seeds[u]) {
                s->seeds[u] = s->seed_buf + at;
                at += unit_sd(s, u)->n_tok;
            }
        if (st == RP_OK)
            st = rpi_parallel_for(nu, rpi_threads_for(s->in.p.threads, nu, 4096), sw, seeds_range,
                                  s);
        rpi_free(s->in.alloc, sw);
    }
    x.idx = idx;
    for (size_t k = 0; k < na; k++) {
        const struct rpi_sdoc *a = unit_sd(s, c[idx[k]].key >> 32);
        const struct rpi_sdoc *b = unit_sd(s, (uint32_t)c[idx[k]].key);
        w[k + 1] = w[k] + a->n_tok + b->n_tok + 16;
    }
    if (st == RP_OK)
        st = rpi_parallel_for(na, rpi_threads_for(s->in.p.threads, na, 256), w, score_range, &x);
    rpi_free(s->in.alloc, idx);
    rpi_free(s->in.alloc, w);
    rpi_free(s->in.alloc, s->seed_buf);
    s->seed_buf = NULL;
    rpi_free(s->in.alloc, s->seeds);
    s->seeds = NULL;
    return st;
}

/* ---- S6: clusters ----------------------------------------------------------------------- */

struct adj {
    uint32_t other;
    float score;
};

/* Merge whole stories: the cosine between two clusters' centroids, from the pair scores
 * alone (a cluster's vector sum has squared norm n + 2 * its internal score sum, the cross
 * product is the sum of cross scores; pairs never scored count 0). Clusters whose centroids
 * reach the threshold merge, strongest first, each at most once per round, until nothing
 * merges (at most RPI_MERGE_ROUNDS). A single strong link between two stories is not enough:
 * the evidence is story against story. */
#define RPI_MERGE_ROUNDS 8
#define RPI_MERGE_FACTOR 0.5 /* of the threshold, for centroids in a collection without case */
#define RPI_MERGE_NAMES 0.4  /* mean names overlap of the cross pairs that counts as agreeing */

struct xsum {
    uint64_t key; /* cluster a << 32 | cluster b, a < b; first: rpi_radix_rec's sort key */
    double sum;
    float names;     /* the link's names overlap, -1 when not available */
    uint32_t linked; /* 1 when the link is at the threshold */
};

struct xmerge {
    double sim;
    uint32_t a, b;
};

static int cmp_xmerge(const void *pa, const void *pb)
{
    const struct xmerge *a = pa, *b = pb;
    if (a->sim != b->sim) return a->sim > b->sim ? -1 : 1;
    if (a->a != b->a) return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b;
}

static rp_status merge_clusters(struct rpi_story *s, uint32_t *rep)
{
    const uint32_t nu = s->in.n_units;
    const double thr = s->in.p.threshold;
    double *intra = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *intra);
    uint32_t *n = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *n);
    uint8_t *used = rpi_malloc(s->in.alloc, nu ? nu : 1);
    struct xsum *xs = rpi_malloc(s->in.alloc, (s->n_links ? s->n_links : 1) * sizeof *xs);
    struct xsum *xt = rpi_malloc(s->in.alloc, (s->n_links ? s->n_links : 1) * sizeof *xt);
    struct xmerge *xm = rpi_malloc(s->in.alloc, (s->n_links ? s->n_links : 1) * sizeof *xm);
    rp_status st = RP_E_NOMEM;
    if (!intra || !n || !used || !xs || !xt || !xm) goto done;
    if (s->in.p.level != RP_LEVEL_STORY) { /* reuse: links are passages, not similarities */
        st = RP_OK;
        goto done;
    }
    /* a collection without case (lower-cased, normalized headlines) has no names at all: its
     * centroids merge at RPI_MERGE_FACTOR of the threshold, and its short texts link sparsely,
     * so the centroids alone decide. In a collection with names, a text without any (a table
     * of figures) is held to the full threshold, and two clusters merge only when at least
     * half of their cross pairs are linked: the rule a unit meets to join a story (centroids
     * alone merged the versions of two days of one developing story: Reuters proxy pairwise
     * precision 0.917 -> 0.920 dated, 0.758 -> 0.780 and 0.828 -> 0.841 undated, recall 1.0
     * unchanged; MStream is caseless and unchanged) */
    const double lone = s->caseless ? RPI_MERGE_FACTOR : 1.0;
    for (int round = 0; round < RPI_MERGE_ROUNDS; round++) {
        memset(intra, 0, nu * sizeof *intra);
        memset(n, 0, nu * sizeof *n);
        memset(used, 0, nu);
        for (uint32_t u = 0; u < nu; u++)
            n[rep[u]]++;
        size_t nx = 0;
        for (size_t k = 0; k < s->n_links; k++) {
            const struct link *l = &s->links[k];
            const uint32_t ra = rep[l->a], rb = rep[l->b];
            if (ra == rb)
                intra[ra] += l->score;
            else
                xs[nx++] =
                    (struct xsum){ra < rb ? (uint64_t)ra << 32 | rb : (uint64_t)rb << 32 | ra,
                                  l->score, l->names, l->linked};
        }
        /* stably: the scores of a cluster pair are summed in link order */
        rpi_radix_rec(xs, xt, nx, sizeof *xs);
        size_t nm = 0;
        for (size_t i = 0; i < nx;) {
            size_t j = i;
            double sum = 0, names = 0;
            unsigned n_names = 0, n_linked = 0;
            for (; j < nx && xs[j].key == xs[i].key; j++) {
                sum += xs[j].sum;
                n_linked += xs[j].linked;
                if (xs[j].names >= 0) {
                    names += xs[j].names;
                    n_names++;
                }
            }
            const uint32_t a = (uint32_t)(xs[i].key >> 32), b = (uint32_t)xs[i].key;
            const double na = n[a] + 2 * intra[a], nb = n[b] + 2 * intra[b];
            const double sim = sum / sqrt(na * nb);
            /* different actors are different stories: the names of the cross pairs must
             * agree; texts without names have only their words */
            const int names_ok = n_names == 0 || names / n_names >= RPI_MERGE_NAMES;
            /* with case, as a unit joins a story: at least half of the cross pairs linked */
            const int dense_ok = s->caseless || 2.0 * n_linked >= (double)n[a] * n[b];
            if (names_ok && dense_ok && sim >= (n_names ? thr : lone * thr))
                xm[nm++] = (struct xmerge){sim, a, b};
            i = j;
        }
        if (nm == 0) break;
        qsort(xm, nm, sizeof *xm, cmp_xmerge);
        size_t merged = 0;
        for (size_t i = 0; i < nm; i++) {
            const uint32_t a = xm[i].a, b = xm[i].b;
            if (used[a] || used[b]) continue;
            used[a] = used[b] = 1;
            /* the cluster with more units keeps its representative */
            const uint32_t keep = n[a] >= n[b] ? a : b, gone = keep == a ? b : a;
            for (uint32_t u = 0; u < nu; u++)
                if (rep[u] == gone) rep[u] = keep;
            merged++;
        }
        if (!merged) break;
    }
    st = RP_OK;
done:
    rpi_free(s->in.alloc, intra);
    rpi_free(s->in.alloc, n);
    rpi_free(s->in.alloc, used);
    rpi_free(s->in.alloc, xs);
    rpi_free(s->in.alloc, xt);
    rpi_free(s->in.alloc, xm);
    return st;
}

/* The state of S6 while units join stories; cnt, acc and rep_link are zero between calls. */
struct join {
    const size_t *off; /* unit u's links: adj[off[u], off[u + 1]) */
    const struct adj *adj;
    const uint32_t *rep;  /* unit -> its cluster's representative (UINT32_MAX: not placed) */
    const uint32_t *size; /* representative -> members */
    uint32_t *cnt;        /* scratch per representative: links of the unit to the cluster */
    uint32_t *touched;
    double *acc;       /* scratch: their scores */
    uint8_t *rep_link; /* scratch: linked to the representative */
};

/* The cluster unit u joins (its representative), UINT32_MAX for none: among those where u
 * is linked to half of the members, the representative among them or at least two, the one
 * with the highest mean link score over its members (ties: lower representative). */
static uint32_t join_story(struct join *j, uint32_t u)
{
    size_t nt = 0;
    for (size_t k = j->off[u]; k < j->off[u + 1]; k++) {
        const uint32_t v = j->adj[k].other, r = j->rep[v];
        if (r == UINT32_MAX) continue;
        if (j->cnt[r] == 0) j->touched[nt++] = r;
        j->acc[r] += j->adj[k].score;
        j->cnt[r]++;
        if (v == r) j->rep_link[r] = 1;
    }
    uint32_t best = UINT32_MAX;
    double best_mean = -1;
    for (size_t t = 0; t < nt; t++) {
        const uint32_t r = j->touched[t];
        const double mean = j->acc[r] / j->size[r];
        if (rpi_story_joins(j->cnt[r], j->size[r], j->rep_link[r]) &&
            (mean > best_mean || (mean == best_mean && r < best))) {
            best_mean = mean;
            best = r;
        }
        j->acc[r] = 0;
        j->cnt[r] = 0;
        j->rep_link[r] = 0;
    }
    return best;
}

/* Units by degree (links at the threshold), ties in keep order; each joins the cluster with
 * the highest mean link score over its members when it is linked to at least half of them,
 * the representative among them or at least two (a cluster of one: its representative).
 * A link to the representative alone once sufficed: the versions of a developing story
 * (a lawsuit on Monday, the other side's answer on Tuesday) joined a story through its
 * original without matching its other versions (Reuters proxy: pairwise precision
 * 0.924 / 0.902 -> 0.934 / 0.917 dated, 0.807 / 0.687 -> 0.828 / 0.758 undated, recall 1.0
 * unchanged; docs/internals/story.md). Then merge_clusters. */
static rp_status cluster_units(struct rpi_story *s, uint32_t *rep)
{
    const uint32_t nu = s->in.n_units;
    size_t *off = rpi_calloc(s->in.alloc, (size_t)nu + 1, sizeof *off);
    uint32_t *order = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *order);
    uint32_t *size = rpi_calloc(s->in.alloc, nu ? nu : 1, sizeof *size);
    double *acc = rpi_calloc(s->in.alloc, nu ? nu : 1, sizeof *acc);
    uint32_t *cnt = rpi_calloc(s->in.alloc, nu ? nu : 1, sizeof *cnt);
    uint8_t *rep_link = rpi_calloc(s->in.alloc, nu ? nu : 1, 1);
    uint32_t *touched = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *touched);
    struct adj *adj = NULL;
    rp_status st = RP_E_NOMEM;
    if (!off || !order || !size || !acc || !cnt || !rep_link || !touched) goto done;
    size_t nl = 0;
    for (size_t k = 0; k < s->n_links; k++)
        if (s->links[k].linked) {
            off[s->links[k].a + 1]++;
            off[s->links[k].b + 1]++;
            nl++;
        }
    s->stats.n_links = nl;
    for (uint32_t u = 0; u < nu; u++)
        off[u + 1] += off[u];
    adj = rpi_malloc(s->in.alloc, (2 * nl + 1) * sizeof *adj);
    if (!adj) goto done;
    {
        size_t *pos = (size_t *)acc; /* scratch: fill positions (acc is re-zeroed below) */
        for (uint32_t u = 0; u < nu; u++)
            pos[u] = off[u];
        for (size_t k = 0; k < s->n_links; k++) {
            const struct link *l = &s->links[k];
            if (!l->linked) continue;
            adj[pos[l->a]++] = (struct adj){l->b, l->score};
            adj[pos[l->b]++] = (struct adj){l->a, l->score};
        }
        memset(acc, 0, (nu ? nu : 1) * sizeof *acc);
    }
    /* visit by degree, ties in keep order (unit numbers are in keep order) */
    for (uint32_t u = 0; u < nu; u++)
        order[u] = u;
    {
        uint64_t *keys = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *keys);
        if (!keys) goto done;
        for (uint32_t u = 0; u < nu; u++)
            keys[u] = (uint64_t)(UINT32_MAX - (uint32_t)(off[u + 1] - off[u])) << 32 | u;
        if (rpi_sort_u64(s->in.alloc, keys, nu) != RP_OK) {
            rpi_free(s->in.alloc, keys);
            goto done;
        }
        for (uint32_t u = 0; u < nu; u++)
            order[u] = (uint32_t)keys[u];
        rpi_free(s->in.alloc, keys);
    }
    for (uint32_t u = 0; u < nu; u++)
        rep[u] = UINT32_MAX;
    struct join j = {off, adj, rep, size, cnt, touched, acc, rep_link};
    for (uint32_t x = 0; x < nu; x++) {
        const uint32_t u = order[x], best = join_story(&j, u);
        rep[u] = best == UINT32_MAX ? u : best;
        size[rep[u]]++;
    }
    /* A unit met a story before all its versions had joined (units go by degree: a heavy
     * rewrite, linked to few, comes late, but a cut of the original may come later still):
     * each unit still alone is held once more against the stories as they ended. */
    for (uint32_t x = 0; x < nu; x++) {
        const uint32_t u = order[x];
        if (rep[u] != u || size[u] != 1) continue;
        const uint32_t best = join_story(&j, u);
        if (best == UINT32_MAX) continue;
        rep[u] = best;
        size[u] = 0;
        size[best]++;
    }
    st = merge_clusters(s, rep);
done:
    rpi_free(s->in.alloc, off);
    rpi_free(s->in.alloc, order);
    rpi_free(s->in.alloc, size);
    rpi_free(s->in.alloc, acc);
    rpi_free(s->in.alloc, cnt);
    rpi_free(s->in.alloc, rep_link);
    rpi_free(s->in.alloc, touched);
    rpi_free(s->in.alloc, adj);
    return st;
}

/* Find the scored link of units a, b (binary search; links sorted by key). */
const struct link *rpi_story_find_link(const struct rpi_story *s, uint32_t a, uint32_t b)
{
    if (a > b) {
        const uint32_t t = a;
        a = b;
        b = t;
    }
    size_t lo = 0, hi = s->n_links;
    while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        const struct link *l = &s->links[mid];
        if (l->a < a || (l->a == a && l->b < b))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->n_links && s->links[lo].a == a && s->links[lo].b == b ? &s->links[lo] : NULL;
}

/* ---- S7: original and relations --------------------------------------------------------- */

static rp_status relations(struct rpi_story *s, const uint32_t *rep)
{
    const uint32_t nu = s->in.n_units;
    const size_t nd = s->in.docs->n_docs;
    /* members of each cluster, grouped: sort units by (rep, unit) */
    uint64_t *mem = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *mem);
    uint32_t *orig =
        rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *orig); /* rep -> original unit */
    double *contain = rpi_calloc(s->in.alloc, nu ? nu : 1, sizeof *contain);
    uint32_t *best = NULL; /* unit -> index of its strongest linked pair in its cluster */
    s->res = rpi_malloc(s->in.alloc, (nd ? nd : 1) * sizeof *s->res);
    rp_status st = RP_E_NOMEM;
    if (!mem || !orig || !contain || !s->res) goto done;
    for (uint32_t u = 0; u < nu; u++)
        mem[u] = (uint64_t)rep[u] << 32 | u;
    if (rpi_sort_u64(s->in.alloc, mem, nu) != RP_OK) goto done;
    /* containment: sum over links inside the cluster of the share of the other unit covered */
    for (size_t k = 0; k < s->n_links; k++) {
        const struct link *l = &s->links[k];
        if (rep[l->a] != rep[l->b]) continue;
        contain[l->a] += l->cover_b;
        contain[l->b] += l->cover_a;
    }
    for (size_t i = 0; i < nu;) {
        size_t j = i;
        const uint32_t r = (uint32_t)(mem[i] >> 32);
        uint32_t cand = r;
        while (j < nu && (uint32_t)(mem[j] >> 32) == r) {
            const uint32_t u = (uint32_t)mem[j];
            const int64_t du = unit_date(s, u), db = unit_date(s, cand);
            int better;
            if (du != INT64_MIN && db != INT64_MIN && du != db)
                better = du < db;
            else if ((du == INT64_MIN) != (db == INT64_MIN))
                better = du != INT64_MIN;
            else if (contain[u] != contain[cand])
                better = contain[u] > contain[cand];
            else
                better = u < cand; /* keep order */
            if (better) cand = u;
            j++;
        }
        orig[r] = cand;
        i = j;
    }
    /* each unit's strongest linked pair inside its cluster */
    best = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *best);
    if (!best) goto done;
    for (uint32_t u = 0; u < nu; u++)
        best[u] = UINT32_MAX;
    for (size_t k = 0; k < s->n_links; k++) {
        const struct link *l = &s->links[k];
        if (!l->linked || rep[l->a] != rep[l->b]) continue;
        if (best[l->a] == UINT32_MAX || s->links[best[l->a]].score < l->score)
            best[l->a] = (uint32_t)k;
        if (best[l->b] == UINT32_MAX || s->links[best[l->b]].score < l->score)
            best[l->b] = (uint32_t)k;
    }
    /* per-document results */
    for (size_t i = 0; i < nd; i++) {
        struct rpi_res *r = &s->res[i];
        r->cluster_doc = (uint32_t)i;
        r->of_doc = UINT32_MAX;
        r->score = 0;
        r->relation = RP_REL_UNIQUE;
        const struct rpi_docslot *d = rpi_doc(s->in.docs, i);
        if (d->skip != RP_SKIP_NONE) {
            r->relation = RP_REL_SKIPPED;
            continue;
        }
        const uint32_t u = s->in.unit_of[i];
        if (u == UINT32_MAX) continue;
        const uint32_t o = orig[rep[u]], od = s->in.unit_doc[o];
        r->cluster_doc = od;
        if (s->in.unit_doc[u] != i) { /* an exact copy of its unit's leader */
            r->relation = RP_REL_EXACT;
            r->of_doc = s->in.unit_doc[u];
            r->score = 1;
            continue;
        }
        if (u == o) {
            r->relation = RP_REL_UNIQUE; /* fixed below when the cluster has others */
            continue;
        }
        /* derives from: the original when linked to it, else the member it is most strongly
         * linked to, else (joined as part of a merged story) the original, compared now */
        const struct link *l = rpi_story_find_link(s, u, o);
        struct link tmp;
        uint32_t of = o;
        if (!l || !l->linked) {
            l = best[u] != UINT32_MAX ? &s->links[best[u]] : NULL;
            if (l) of = l->a == u ? l->b : l->a;
        }
        if (!l) {
            const rp_passage *ps;
            size_t np;
            RP_TRY_GOTO(st, rpi_story_score(s, s->aligner, o, u, &tmp, &ps, &np, 1), done);
            l = &tmp;
        }
        r->relation = l->relation;
        r->score = l->score;
        r->of_doc = s->in.unit_doc[of];
    }
    for (size_t i = 0; i < nd; i++) {
        const struct rpi_res *r = &s->res[i];
        if (r->relation != RP_REL_UNIQUE && r->relation != RP_REL_SKIPPED)
            s->res[r->cluster_doc].relation = RP_REL_ORIGINAL;
    }
    st = RP_OK;
done:
    rpi_free(s->in.alloc, mem);
    rpi_free(s->in.alloc, best);
    rpi_free(s->in.alloc, orig);
    rpi_free(s->in.alloc, contain);
    return st;
}

/* ---- the stage -------------------------------------------------------------------------- */

/* Prefix sums of weights by unit and by document, which split the per-unit and per-document
 * steps between the threads: tokens plus 64 for what a unit costs whatever its length
 * (measured on Reuters: with + 1 the thread of short texts took 1.5x longer in the vectors). */
static rp_status weights(struct rpi_story *s)
{
    const uint32_t nu = s->in.n_units;
    const size_t nd = s->in.docs->n_docs;
    s->unit_w = rpi_malloc(s->in.alloc, ((size_t)nu + 1) * sizeof *s->unit_w);
    s->doc_w = rpi_malloc(s->in.alloc, (nd + 1) * sizeof *s->doc_w);
    if (!s->unit_w || !s->doc_w) return RP_E_NOMEM;
    s->unit_w[0] = s->doc_w[0] = 0;
    for (uint32_t u = 0; u < nu; u++) {
        const struct rpi_sdoc *sd = unit_sd(s, u);
        s->unit_w[u + 1] = s->unit_w[u] + sd->n_tok + sd->n_title + 64;
    }
    for (size_t i = 0; i < nd; i++) {
        const struct rpi_sdoc *sd = rpi_doc(s->in.docs, i)->sd;
        s->doc_w[i + 1] = s->doc_w[i] + (sd ? sd->n_tok : 0) + 64;
    }
    return RP_OK;
}

void rpi_story_error(struct rpi_story *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->errmsg, sizeof s->errmsg, fmt, ap);
    va_end(ap);
}

rp_status rpi_story_run(const struct rpi_story_in *in, struct rpi_story **out)
{
    const double t0 = rpi_now();
    struct rpi_story *s = rpi_calloc(in->alloc, 1, sizeof *s);
    *out = s;
    if (!s) return RP_E_NOMEM;
    s->in = *in;
    if (!s->in.p.threads) s->in.p.threads = rpi_cpu_count();
    if (s->in.p.threads > RPI_STORY_THREADS) s->in.p.threads = RPI_STORY_THREADS;
    rpi_arena_init(&s->arena, s->in.alloc);
    rp_align_params ap;
    rp_align_params_default(&ap);
    ap.min_words = s->in.p.min_passage;
    RP_TRY(rp_aligner_create(&s->aligner, &ap, s->in.alloc));
    s->n_units = s->in.n_units;
    RP_TRY(weights(s));
    double *ts = s->stats.t_steps, tk = t0;
#define STEP(i) (ts[i] = rpi_now() - tk, tk += ts[i])
    RP_TRY(learn_boilerplate(s));
    STEP(0);
    RP_TRY(build_df(s));
    STEP(1);
    RP_TRY(build_vectors(s));
    STEP(2);
    struct cand *c = NULL;
    size_t nc = 0;
    RP_TRY(candidates(s, &c, &nc));
    STEP(3);
    rp_status st = score_all(s, c, nc);
    rpi_free(s->in.alloc, c);
    RP_TRY(st);
    STEP(4);
    uint32_t *rep = rpi_malloc(s->in.alloc, (s->in.n_units ? s->in.n_units : 1) * sizeof *rep);
    if (!rep) return RP_E_NOMEM;
    st = cluster_units(s, rep);
    STEP(5);
    if (st == RP_OK) st = relations(s, rep);
    rpi_free(s->in.alloc, rep);
    RP_TRY(st);
    STEP(6);
#undef STEP
    /* for the drivers' pairs: the linked unit pairs (after their exact copies) */
    s->linked = rpi_malloc(s->in.alloc, (s->n_links ? s->n_links : 1) * sizeof *s->linked);
    if (!s->linked) return RP_E_NOMEM;
    for (size_t k = 0; k < s->n_links; k++)
        if (s->links[k].linked) s->linked[s->n_linked++] = (uint32_t)k;
    s->stats.t_total = rpi_now() - t0;
    return RP_OK;
}

void rpi_story_free(struct rpi_story *s)
{
    if (!s) return;
    rpi_free(s->in.alloc, s->vec);
    rpi_free(s->in.alloc, s->names);
    rpi_free(s->in.alloc, s->nums);
    rpi_free(s->in.alloc, s->links);
    rpi_free(s->in.alloc, s->linked);
    rpi_free(s->in.alloc, s->df);
    rpi_free(s->in.alloc, s->idf);
    rpi_free(s->in.alloc, s->dense);
    rpi_free(s->in.alloc, s->boiler);
    rpi_free(s->in.alloc, s->seed_buf);
    rpi_free(s->in.alloc, s->seeds);
    rpi_free(s->in.alloc, s->n_seeds);
    rpi_free(s->in.alloc, s->top);
    rpi_free(s->in.alloc, s->ndens);
    rpi_free(s->in.alloc, s->udate);
    rpi_free(s->in.alloc, s->urank);
    rpi_free(s->in.alloc, s->n_top);
    rpi_free(s->in.alloc, s->live);
    rpi_free(s->in.alloc, s->unit_w);
    rpi_free(s->in.alloc, s->doc_w);
    rpi_free(s->in.alloc, s->dis_of_doc);
    rpi_free(s->in.alloc, s->dis_list);
    rpi_free(s->in.alloc, s->spans);
    rpi_free(s->in.alloc, s->ranges);
    rp_aligner_free(s->aligner);
    for (unsigned t = 0; t < s->n_tarenas; t++)
        rpi_arena_free(&s->tarenas[t]);
    rpi_free(s->in.alloc, s->tarenas);
    rpi_arena_free(&s->arena);
    rpi_free(s->in.alloc, s->res);
    rpi_free(s->in.alloc, s);
}
