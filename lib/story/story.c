/* SPDX-License-Identifier: MIT */
/* story.c -- stage story (story_internal.h): runs its steps S1-S7 (steps_internal.h, one file
 * each) over a plain input and owns the result. */
#include <stdarg.h> /* va_list */
#include <stdio.h>  /* vsnprintf */
#if defined(__GLIBC__)
#include <malloc.h> /* malloc_trim */
#endif
#include "steps_internal.h"
#include "common/parallel_internal.h"

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
        const struct rpi_sdoc *sd = rpi_unit_sd(s, u);
        s->unit_w[u + 1] = s->unit_w[u] + sd->n_tok + sd->n_title + 64;
    }
    for (size_t i = 0; i < nd; i++) {
        const struct rpi_sdoc *sd = rpi_doc(s->in.docs, i)->sd;
        s->doc_w[i + 1] = s->doc_w[i] + (sd ? sd->n_tok : 0) + 64;
    }
    return RP_OK;
}

/* A step's scratch freed, the C library keeps its pages (blocks under its adaptive mmap
 * threshold, up to 32 MiB, come from a heap it does not shrink), while the next step's
 * arenas and large arrays are new pages: the freed ones would add to the peak (100k
 * documents: 568 -> 529 MiB with this). Given back after the steps with the largest
 * scratch, when it is large: every page given back is zeroed again when it is next used
 * (on Reuters, 4M tokens, page clearing went from 3.4% to 6.5% of the profile). */
#define GIVE_BACK_TOKENS (16u << 20)
static void give_back(const struct rpi_story *s)
{
#if defined(__GLIBC__)
    if ((!s->in.alloc || !s->in.alloc->alloc) && s->unit_w[s->in.n_units] > GIVE_BACK_TOKENS)
        (void)malloc_trim(0);
#else
    (void)s;
#endif
}

void rpi_story_error(struct rpi_story *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->errmsg, sizeof s->errmsg, fmt, ap);
    va_end(ap);
}

/* What every pass needs before its steps: the arena, the aligner, the weights. */
static rp_status setup(struct rpi_story *s, const struct rpi_story_in *in)
{
    s->in = *in;
    s->seedf.spill.fd = -1; /* not open */
    if (!s->in.p.threads) s->in.p.threads = rpi_cpu_count();
    if (s->in.p.threads > RPI_STORY_THREADS) s->in.p.threads = RPI_STORY_THREADS;
    rpi_arena_init(&s->arena, s->in.alloc);
    rp_align_params ap;
    rp_align_params_default(&ap);
    ap.min_words = s->in.p.min_passage;
    RP_TRY(rp_aligner_create(&s->aligner, &ap, s->in.alloc));
    s->n_units = s->in.n_units;
    return weights(s);
}

/* Across languages (s->ulang set): only pairs of units in two known languages. */
static size_t across_languages(const struct rpi_story *s, struct cand *c, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const uint16_t la = s->ulang[c[i].key >> 32], lb = s->ulang[(uint32_t)c[i].key];
        if (la && lb && la != lb) c[k++] = c[i];
    }
    return k;
}

rp_status rpi_story_file_order(const struct rpi_story *s, int units, size_t lo, size_t hi,
                               uint32_t **out)
{
    *out = NULL;
    if (!s->in.stores || s->pivot) return RP_OK; /* the pivot pass's tokens are in an arena */
    const size_t n = hi - lo;
    const uint64_t doc_mask = (1ull << 48) - 1;
    uint64_t *k = rpi_malloc(s->in.alloc, (n ? n : 1) * sizeof *k);
    uint32_t *o = rpi_malloc(s->in.alloc, (n ? n : 1) * sizeof *o);
    rp_status st = k && o ? RP_OK : RP_E_NOMEM;
    for (size_t i = 0; i < n && st == RP_OK; i++) {
        const size_t d = units ? s->in.unit_doc[lo + i] : lo + i;
        const struct rpi_sdoc *sd = rpi_doc(s->in.docs, d)->sd;
        k[i] = (uint64_t)(sd ? sd->cold_file : 0) << 48 | d;
    }
    if (st == RP_OK) st = rpi_sort_u64(s->in.alloc, k, n);
    for (size_t i = 0; i < n && st == RP_OK; i++) {
        const size_t d = (size_t)(k[i] & doc_mask);
        o[i] = units ? s->in.unit_of[d] : (uint32_t)d;
    }
    rpi_free(s->in.alloc, k);
    if (st != RP_OK) {
        rpi_free(s->in.alloc, o);
        return st;
    }
    *out = o;
    return RP_OK;
}

/* S2-S5b: statistics, vectors, candidates, scores and lineage into s->links. */
static rp_status scored_links(struct rpi_story *s, double *ts, double *tk)
{
#define STEP(i) (ts[i] = rpi_now() - *tk, *tk += ts[i])
    RP_TRY(rpi_story_terms(s));
    if (s->n_docs_df < RPI_SMALL_COLLECTION) {
        RP_TRY(rpi_bg_build(&s->bg, &s->in.p.norm, s->in.alloc));
        s->stats.small = s->n_docs_df;
    }
    STEP(1);
    RP_TRY(rpi_story_build_vectors(s));
    STEP(2);
    struct cand *c = NULL;
    size_t nc = 0;
    RP_TRY(rpi_story_candidates(s, &c, &nc));
    if (s->ulang) nc = across_languages(s, c, nc);
    give_back(s);
    STEP(3);
    rp_status st = rpi_story_score_all(s, c, nc);
    rpi_free(s->in.alloc, c);
    RP_TRY(st);
    return rpi_story_lineage_all(s);
#undef STEP
}

rp_status rpi_story_pivot_run(const struct rpi_story *s, struct rpi_sdoc **pivot,
                              const uint16_t *ulang, struct rpi_story **out)
{
    struct rpi_story *x = rpi_calloc(s->in.alloc, 1, sizeof *x);
    *out = x;
    if (!x) return RP_E_NOMEM;
    struct rpi_story_in in = s->in;
    in.edges = NULL; /* near pairs are pairs of one language */
    in.n_edges = 0;
    in.p.threshold *= RPI_PIVOT_SCORE;
    x->pivot = pivot;
    x->ulang = ulang;
    RP_TRY(setup(x, &in));
    double ts[RPI_STORY_STEPS], tk = rpi_now();
    return scored_links(x, ts, &tk);
}

rp_status rpi_story_run(const struct rpi_story_in *in, struct rpi_story **out)
{
    const double t0 = rpi_now();
    struct rpi_story *s = rpi_calloc(in->alloc, 1, sizeof *s);
    *out = s;
    if (!s) return RP_E_NOMEM;
    RP_TRY(setup(s, in));
    /* the event level is the story level (S1-S7, unchanged) and then S8 */
    const int events = s->in.p.level == RP_LEVEL_EVENT;
    if (events) s->in.p.level = RP_LEVEL_STORY;
    double *ts = s->stats.t_steps, tk = t0;
#define STEP(i) (ts[i] = rpi_now() - tk, tk += ts[i])
    RP_TRY(rpi_story_boilerplate(s));
    give_back(s);
    STEP(0);
    RP_TRY(scored_links(s, ts, &tk));
    if (s->in.p.level == RP_LEVEL_STORY) RP_TRY(rpi_story_xling(s));
    give_back(s);
    STEP(4);
    uint32_t *rep = rpi_malloc(s->in.alloc, (s->in.n_units ? s->in.n_units : 1) * sizeof *rep);
    if (!rep) return RP_E_NOMEM;
    rp_status st = rpi_story_cluster(s, rep, events);
    STEP(5);
    if (st == RP_OK) st = rpi_story_relations(s, rep);
    rpi_free(s->in.alloc, rep);
    RP_TRY(st);
    STEP(6);
    if (events) {
        RP_TRY(rpi_story_events(s));
        STEP(5); /* S8 counts with the clusters (rp_timings has seven steps) */
    } else {
        for (size_t i = 0; i < s->in.docs->n_docs; i++)
            s->res[i].event_doc = s->res[i].cluster_doc;
    }
#undef STEP
    /* for the drivers' pairs: the linked and the related unit pairs (after their exact copies) */
    s->linked = rpi_malloc(s->in.alloc, (s->n_links ? s->n_links : 1) * sizeof *s->linked);
    if (!s->linked) return RP_E_NOMEM;
    for (size_t k = 0; k < s->n_links; k++)
        if (s->links[k].linked || s->links[k].related) s->linked[s->n_linked++] = (uint32_t)k;
    s->stats.t_total = rpi_now() - t0;
    return RP_OK;
}

void rpi_story_free(struct rpi_story *s)
{
    if (!s) return;
    rpi_story_origin_free(s);
    for (unsigned t = 0; t < s->n_vfiles; t++)
        rpi_sfile_close(&s->vfiles[t], s->in.alloc);
    rpi_free(s->in.alloc, s->vfiles);
    rpi_free(s->in.alloc, s->voff);
    rpi_free(s->in.alloc, s->vec);
    rpi_free(s->in.alloc, s->names);
    rpi_free(s->in.alloc, s->nums);
    rpi_free(s->in.alloc, s->links);
    rpi_free(s->in.alloc, s->loose);
    rpi_free(s->in.alloc, s->linked);
    rpi_free(s->in.alloc, s->df);
    rpi_free(s->in.alloc, s->idf);
    rpi_bg_free(&s->bg, s->in.alloc);
    rpi_free(s->in.alloc, s->dense);
    rpi_free(s->in.alloc, s->boiler);
    rpi_story_seeds_free(s);
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
    rpi_story_lineage_scratch_free(s->in.alloc, s->lin_scratch);
    for (unsigned t = 0; t < s->n_tarenas; t++)
        rpi_arena_free(&s->tarenas[t]);
    rpi_free(s->in.alloc, s->tarenas);
    rpi_arena_free(&s->arena);
    rpi_free(s->in.alloc, s->res);
    rpi_free(s->in.alloc, s);
}
