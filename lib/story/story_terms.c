/* SPDX-License-Identifier: MIT */
/* story_terms.c -- S2 and S3 of stage story: document frequencies, IDF, and every
 * unit's vectors and salient terms through the scoring core (steps_internal.h). */
#include <math.h> /* fabsf */
#include "common/parallel_internal.h"
#include "steps_internal.h"

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

uint32_t rpi_story_slot(const struct rpi_story *s, uint32_t term)
{
    if (!term || !s->df_cap) return UINT32_MAX;
    const size_t i = df_slot(s, term);
    return s->df[i].key ? (uint32_t)i : UINT32_MAX;
}

double rpi_story_idf(const struct rpi_story *s, uint32_t term)
{
    return rpi_story_idf_bg(&s->bg, s->n_docs_df, term, rpi_story_df(s, term));
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

/* A table being counted, and (a thread's table) its keys in order of first count. */
struct dft {
    struct dfe *tab;
    size_t cap, used, cap_order;
    uint32_t *order; /* NULL: not kept (the first range's table, merged into) */
    int keep_order;
    uint32_t n_docs; /* units with tokens counted */
};

/* id, new to d, counted in n units, the last of them u. */
static rp_status df_insert(struct rpi_story *s, struct dft *d, size_t i, uint32_t id, uint32_t u,
                           uint32_t n)
{
    d->tab[i] = (struct dfe){id, n, u};
    if (d->keep_order) {
        void *p = d->order;
        RP_TRY(rpi_array_reserve(s->in.alloc, &p, &d->cap_order, sizeof *d->order, d->used + 1));
        d->order = p;
        d->order[d->used] = id;
    }
    return ++d->used * 2 > d->cap ? df_grow(s, &d->tab, &d->cap) : RP_OK;
}

/* Count n units holding id, the last of them u (a unit counts once however often it uses id):
 * inline, once a token; a new term goes out of line. */
static inline rp_status df_count(struct rpi_story *s, struct dft *d, uint32_t id, uint32_t u,
                                 uint32_t n)
{
    size_t i = (size_t)rpi_mix64(id) & (d->cap - 1);
    while (d->tab[i].key && d->tab[i].key != id)
        i = (i + 1) & (d->cap - 1);
    struct dfe *x = &d->tab[i];
    if (!x->key) return df_insert(s, d, i, id, u, n);
    if (x->last != u) {
        x->val += n;
        x->last = u;
    }
    return RP_OK;
}

struct df_ctx {
    struct rpi_story *s;
    struct dft *d; /* one a range */
};

/* Units [lo, hi) counted into range t's table, in unit order. */
static rp_status df_range(void *ctx, size_t lo, size_t hi, unsigned t)
{
    const struct df_ctx *c = ctx;
    struct rpi_story *s = c->s;
    struct dft *d = &c->d[t];
    RP_TRY(df_grow(s, &d->tab, &d->cap));
    for (size_t u = lo; u < hi; u++) {
        const struct rpi_sdoc *sd = rpi_unit_sd(s, (uint32_t)u);
        if (!sd->n_tok) continue;
        d->n_docs++;
        for (uint32_t k = 0; k < sd->n_tok + sd->n_title; k++) {
            const uint32_t id = k < sd->n_tok ? sd->tok[k] : sd->title_tok[k - sd->n_tok];
            if (id) RP_TRY(df_count(s, d, id, (uint32_t)u, 1));
        }
        rpi_story_release(s, sd);
    }
    return RP_OK;
}

/* The threads' tables into the first range's, as one thread counting every unit in order would
 * have built it: the slots of a table grown by linear probing depend on the order its keys came
 * in, and S3's vectors are by slot (their top terms break ties by slot), so each later range's
 * new keys are inserted in the order its thread first counted them, range after range (the
 * first range's table is already what replaying it would build). */
static rp_status df_merge(struct rpi_story *s, struct dft *d, unsigned nt)
{
    struct dft *out = &d[0];
    for (unsigned t = 1; t < nt; t++) {
        const struct dft *x = &d[t];
        out->n_docs += x->n_docs;
        for (size_t k = 0; k < x->used; k++) {
            const uint32_t id = x->order[k];
            size_t i = (size_t)rpi_mix64(id) & (x->cap - 1);
            while (x->tab[i].key != id)
                i = (i + 1) & (x->cap - 1);
            const uint32_t n = x->tab[i].val;
            size_t j = (size_t)rpi_mix64(id) & (out->cap - 1);
            while (out->tab[j].key && out->tab[j].key != id)
                j = (j + 1) & (out->cap - 1);
            if (out->tab[j].key)
                out->tab[j].val += n; /* once a range: no unit to count once */
            else
                RP_TRY(df_insert(s, out, j, id, 0, n));
        }
    }
    return RP_OK;
}

/* Document frequency of every term (text and title tokens) over the units, in a hash table
 * grown at half load; then packed (term, count) as df_slot probes them. On several threads
 * each counts a range of units in a table of its own, merged in order (df_merge): the step
 * was serial, 0.049 of Reuters' 0.628 s at the story level. */
rp_status rpi_story_terms(struct rpi_story *s)
{
    const unsigned nt = rpi_threads_for(s->in.p.threads, s->in.n_units, 4096);
    struct dft *d = rpi_calloc(s->in.alloc, nt, sizeof *d);
    if (!d) return RP_E_NOMEM;
    for (unsigned t = 1; t < nt; t++)
        d[t].keep_order = 1;
    struct df_ctx c = {s, d};
    rp_status st = rpi_parallel_for(s->in.n_units, nt, s->unit_w, df_range, &c);
    if (st == RP_OK) st = df_merge(s, d, nt);
    for (unsigned t = 1; t < nt; t++) {
        rpi_free(s->in.alloc, d[t].tab);
        rpi_free(s->in.alloc, d[t].order);
    }
    struct dft *f = &d[0];
    s->n_docs_df = f->n_docs;
    if (st == RP_OK) {
        s->df = rpi_malloc(s->in.alloc, f->cap * sizeof *s->df);
        if (!s->df) st = RP_E_NOMEM;
    }
    if (st == RP_OK) {
        for (size_t i = 0; i < f->cap; i++) {
            s->df[i] = (struct rpi_dfent){f->tab[i].key, f->tab[i].val};
        }
        s->df_cap = f->cap;
    }
    rpi_free(s->in.alloc, f->tab);
    rpi_free(s->in.alloc, d);
    return st;
}

/* ---- S3: vectors ------------------------------------------------------------------------ */

/* Vectors are over table slots (a dense, collection-wide term number), not token ids: the
 * table is fixed once S2 is done, and counting by slot needs no per-document sort. The
 * terms of a vector stay in order of first use: every pair is scored with one side scattered
 * into dense arrays by slot (signals()), so nothing merges sorted lists. */
/* The top_k heaviest terms of a vector (weight desc, slot asc), leaving out terms in more
 * than RPI_MAX_POSTING units: the unit's entries in the candidate index. */
static uint32_t top_terms(const struct rpi_story *s, const struct svec *v, uint32_t *out)
{
    struct rpi_topk wt[RPI_TOP_PIVOT];
    uint32_t m = 0;
    for (uint32_t i = 0; i < v->n; i++)
        if (s->df[v->term[i]].val <= RPI_MAX_POSTING) /* terms are table slots */
            rpi_topk_push(wt, &m, s->top_k, fabsf(v->w[i]), v->term[i]);
    for (uint32_t i = 0; i < m; i++)
        out[i] = (uint32_t)wt[i].id;
    return m;
}

static rp_status vectors_range(void *ctx, size_t lo, size_t hi, unsigned t);

/* S3's vectors out of memory (with stores): the TF-IDF, names and numbers vectors, terms then
 * weights, of each unit appended to its thread's file, the thread's arena emptied after
 * each unit; the files mapped read-only once every unit is done, and the vectors pointed
 * there. The floats are written and read back as they are: every score stays the same. */
static rp_status vec_open(struct rpi_story *s, unsigned nt)
{
    s->voff = rpi_malloc(s->in.alloc, (s->in.n_units ? s->in.n_units : 1) * sizeof *s->voff);
    s->vfiles = rpi_calloc(s->in.alloc, nt, sizeof *s->vfiles);
    if (!s->voff || !s->vfiles) return RP_E_NOMEM;
    for (unsigned t = 0; t < nt; t++)
        s->vfiles[t].spill.fd = -1;
    s->n_vfiles = nt;
    for (unsigned t = 0; t < nt; t++)
        RP_TRY(rpi_spill_open(&s->vfiles[t].spill, s->in.tmp_dir, s->errmsg, sizeof s->errmsg));
    return RP_OK;
}

static rp_status vec_put(struct rpi_story *s, unsigned t, uint32_t u)
{
    struct rpi_sfile *f = &s->vfiles[t];
    s->voff[u] = (uint64_t)t << 56 | f->spill.size;
    const struct svec *v[3] = {&s->vec[u], &s->names[u], &s->nums[u]};
    for (int i = 0; i < 3; i++) {
        const size_t n = (size_t)v[i]->n * 4u;
        RP_TRY(rpi_sfile_put(f, s->in.alloc, v[i]->term, n, n, s->errmsg, sizeof s->errmsg));
        RP_TRY(rpi_sfile_put(f, s->in.alloc, v[i]->w, n, n, s->errmsg, sizeof s->errmsg));
    }
    /* every vector in it is written; reset, not freed (rpi_arena_reset: S3's peak at 100k
     * documents 194 -> 118 MB), after every unit: the arena keeps its first block (256 KiB)
     * and every unit's vectors go into the same pages (reset past 4 MiB, each next 8 MiB
     * block was new memory that the kernel cleared: 2% of Reuters' story profile) */
    rpi_arena_reset(&s->tarenas[t]);
    return RP_OK;
}

static rp_status vec_map(struct rpi_story *s)
{
    for (unsigned t = 0; t < s->n_vfiles; t++) {
        RP_TRY(rpi_sfile_map(&s->vfiles[t], s->in.alloc, 0, s->errmsg, sizeof s->errmsg));
        s->vfiles_size += s->vfiles[t].spill.size;
    }
    for (uint32_t u = 0; u < s->in.n_units; u++) {
        struct svec *v[3] = {&s->vec[u], &s->names[u], &s->nums[u]};
        const struct rpi_spill *f = &s->vfiles[s->voff[u] >> 56].spill;
        uint64_t at = s->voff[u] & ((1ull << 56) - 1);
        for (int i = 0; i < 3; i++) {
            if (!v[i]->n) {
                v[i]->term = NULL;
                v[i]->w = NULL;
                continue;
            }
            const char *base = (const char *)f->map + at;
            v[i]->term = (uint32_t *)(uintptr_t)base;
            v[i]->w = (float *)(uintptr_t)(base + (size_t)v[i]->n * 4u);
            at += (uint64_t)v[i]->n * 8u;
        }
    }
    return RP_OK;
}

/* Vectors of all units, split over the threads (each with its own arena and scratch). */
rp_status rpi_story_build_vectors(struct rpi_story *s)
{
    const uint32_t nu = s->in.n_units;
    s->vec = rpi_calloc(s->in.alloc, nu ? nu : 1, sizeof *s->vec);
    s->names = rpi_calloc(s->in.alloc, nu ? nu : 1, sizeof *s->names);
    s->nums = rpi_calloc(s->in.alloc, nu ? nu : 1, sizeof *s->nums);
    s->idf = rpi_malloc(s->in.alloc, s->df_cap * sizeof *s->idf);
    s->top_k = s->pivot ? RPI_TOP_PIVOT : RPI_TOP;
    s->top = rpi_malloc(s->in.alloc, ((size_t)nu * s->top_k + 1) * sizeof *s->top);
    s->n_top = rpi_calloc(s->in.alloc, nu ? nu : 1, sizeof *s->n_top);
    s->ndens = rpi_calloc(s->in.alloc, nu ? nu : 1, sizeof *s->ndens);
    s->live = rpi_calloc(s->in.alloc, nu ? nu : 1, sizeof *s->live);
    if (!s->ndens || !s->live) return RP_E_NOMEM;
    if (!s->vec || !s->names || !s->nums || !s->idf || !s->top || !s->n_top) return RP_E_NOMEM;
    for (size_t i = 0; i < s->df_cap; i++)
        s->idf[i] = s->df[i].key ? (float)rpi_story_idf_bg(&s->bg, s->n_docs_df, s->df[i].key,
                                                           s->df[i].val)
                                 : 0.0f;
    const unsigned nt = rpi_threads_for(s->in.p.threads, nu, 4096);
    s->tarenas = rpi_calloc(s->in.alloc, nt, sizeof *s->tarenas);
    if (!s->tarenas) return RP_E_NOMEM;
    for (unsigned t = 0; t < nt; t++)
        rpi_arena_init(&s->tarenas[t], s->in.alloc);
    s->n_tarenas = nt;
    if (s->in.stores) RP_TRY(vec_open(s, nt));
    RP_TRY(rpi_parallel_for(nu, nt, s->unit_w, vectors_range, s));
    if (s->vfiles) RP_TRY(vec_map(s));
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
    uint32_t *o = NULL; /* units in the store's order: the vectors of a unit are its own */
    if (!tf) goto done;
    RP_TRY_GOTO(st, rpi_story_file_order(s, 1, lo, hi, &o), done);
    st = RP_E_NOMEM;
    for (size_t at = lo; at < hi; at++) {
        const uint32_t u = o ? o[at - lo] : (uint32_t)at;
        const struct rpi_sdoc *sd = rpi_unit_sd(s, u);
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
        rpi_story_release(s, sd);
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
        s->n_top[u] = (uint8_t)top_terms(s, v, &s->top[(size_t)u * s->top_k]);
        s->live[u] = live;
        if (s->vfiles) RP_TRY_GOTO(st, vec_put(s, thread, u), done);
    }
    st = RP_OK;
done:
    rpi_free(s->in.alloc, o);
    rpi_free(s->in.alloc, tf);
    rpi_free(s->in.alloc, touched);
    rpi_free(s->in.alloc, terms);
    return st;
}
