/* SPDX-License-Identifier: MIT */
/* story_pairs.c -- S5 of stage story: every candidate scored (signals, passages,
 * the level's score and relation through the scoring core) in two passes (steps_internal.h). */
#include <string.h> /* memset */
#include "common/parallel_internal.h"
#include "steps_internal.h"

#define RPI_ALIGN_MIN 0.2 /* story: pairs with less evidence are not aligned */
/* Seeds of this many bytes or less stay in memory (on Reuters the file and its faults cost
 * more than they saved): 32 MiB, the maps' budget before it became 16 MiB (RPI_SSTORE_HELD),
 * so that small runs are unchanged. */
#define SEEDS_KEEP ((uint64_t)32 << 20)

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
    const struct rpi_sdoc *a = rpi_unit_sd(s, u), *b = rpi_unit_sd(s, v);
    const uint32_t la = s->live[u], lb = s->live[v]; /* tokens outside boilerplate */
    const double ev = rpi_story_evidence(out->cosine, out->words, out->names, out->numbers,
                                         rpi_unit_density(s, u, v), s->caseless);
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
           rpi_story_evidence(l->cosine, l->words, l->names, l->numbers,
                              rpi_unit_density(s, l->a, l->b), s->caseless) >= RPI_ALIGN_MIN;
}

/* Unit u's seeds were written or read: with the seeds in a file (stores), after every budget of
 * such accesses the map leaves the resident set (in memory they were S5's peak: 8 bytes a token of
 * every unit with a pair to align, about 105 MB at 100k documents). */
static void seeds_release(struct rpi_story *s, uint32_t u)
{
    if (s->seedf.spill.map &&
        rpi_held_note(&s->seed_held, s->seedf.spill.size, 8u * (uint64_t)s->n_seeds[u]))
        rpi_sfile_drop(&s->seedf);
}

void rpi_story_seeds_free(struct rpi_story *s)
{
    if (s->seedf.spill.fd >= 0)
        rpi_sfile_close(&s->seedf, s->in.alloc); /* the seeds were in its map */
    else
        rpi_free(s->in.alloc, s->seed_buf);
    s->seed_buf = NULL;
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
                if (cur != UINT32_MAX) {
                    scatter3(s, cur, dv, dn, dd, 1);
                    rpi_story_vec_release(s, cur);
                }
                scatter3(s, cur = a, dv, dn, dd, 0);
            }
            memset(l, 0, sizeof *l);
            l->a = a;
            l->b = b;
            signals(s, dv, dn, dd, a, b, l);
            rpi_story_vec_release(s, b);
            st = finish_score(s, NULL, l, &ps, &np, 0);
        } else { /* pass 2: the signals of pass 1, now with passages */
            st = finish_score(s, al, l, &ps, &np, 0);
            seeds_release(s, b); /* pairs come by a: a's seeds once its run ends */
            if (k + 1 == hi || x->c[x->idx[k + 1]].key >> 32 != a) seeds_release(s, a);
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
 * its place in s->seed_buf (s->seeds[u], laid out by rpi_story_score_all). */
static rp_status seeds_range(void *ctx, size_t lo, size_t hi, unsigned t)
{
    (void)t;
    struct rpi_story *s = ctx;
    const unsigned k = rpi_aligner_seed(s->aligner);
    uint64_t *tmp = NULL;
    size_t cap = 0;
    rp_status st = RP_OK;
    uint32_t *o; /* units in the store's order: a unit's seeds are its own */
    RP_TRY(rpi_story_file_order(s, 1, lo, hi, &o));
    for (size_t i = lo; i < hi && st == RP_OK; i++) {
        const size_t u = o ? o[i - lo] : i;
        if (!s->n_seeds[u]) continue;
        const struct rpi_sdoc *sd = rpi_unit_sd(s, (uint32_t)u);
        s->n_seeds[u] = 0;
        if (sd->n_tok == 0) continue;
        void *p = tmp;
        st = rpi_array_reserve(s->in.alloc, &p, &cap, sizeof *tmp, sd->n_tok);
        tmp = p;
        if (st != RP_OK) break;
        size_t m;
        rpi_align_seeds(sd->tok, sd->n_tok, k, s->seeds[u], tmp, &m);
        rpi_story_release(s, sd);
        s->n_seeds[u] = (uint32_t)m;
        seeds_release(s, (uint32_t)u);
    }
    rpi_free(s->in.alloc, o);
    rpi_free(s->in.alloc, tmp);
    return st;
}

rp_status rpi_story_score_all(struct rpi_story *s, const struct cand *c, size_t n)
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
            const uint32_t nt = s->n_seeds[u] ? rpi_unit_sd(s, u)->n_tok : 0;
            sw[u + 1] = sw[u] + (nt ? nt + 256 : 1); /* + a marked unit's fixed cost */
            total += nt;
        }
        if (s->in.stores && total * sizeof *s->seed_buf > SEEDS_KEEP) {
            /* in a file, let go as it is written and read; a small run keeps them in memory */
            struct rpi_spill *f = &s->seedf.spill;
            const size_t cap = sizeof s->errmsg;
            st = rpi_spill_open(f, s->in.tmp_dir, s->errmsg, cap);
            if (st == RP_OK) st = rpi_spill_reserve(f, total * sizeof *s->seed_buf, s->errmsg, cap);
            if (st == RP_OK) st = rpi_spill_map(f, 1, s->errmsg, cap);
            s->seed_buf = (uint64_t *)(uintptr_t)f->map;
        } else {
            s->seed_buf = rpi_malloc(s->in.alloc, (total ? total : 1) * sizeof *s->seed_buf);
            st = s->seed_buf ? RP_OK : RP_E_NOMEM;
        }
        size_t at = 0;
        for (uint32_t u = 0; u < nu && st == RP_OK; u++)
            if (s->n_seeds[u]) {
                s->seeds[u] = s->seed_buf + at;
                at += rpi_unit_sd(s, u)->n_tok;
            }
        if (st == RP_OK)
            st = rpi_parallel_for(nu, rpi_threads_for(s->in.p.threads, nu, 4096), sw, seeds_range,
                                  s);
        rpi_free(s->in.alloc, sw);
    }
    x.idx = idx;
    for (size_t k = 0; k < na; k++) {
        const struct rpi_sdoc *a = rpi_unit_sd(s, c[idx[k]].key >> 32);
        const struct rpi_sdoc *b = rpi_unit_sd(s, (uint32_t)c[idx[k]].key);
        w[k + 1] = w[k] + a->n_tok + b->n_tok + 16;
    }
    if (st == RP_OK)
        st = rpi_parallel_for(na, rpi_threads_for(s->in.p.threads, na, 256), w, score_range, &x);
    rpi_free(s->in.alloc, idx);
    rpi_free(s->in.alloc, w);
    rpi_story_seeds_free(s);
    rpi_free(s->in.alloc, s->seeds);
    s->seeds = NULL;
    return st;
}
