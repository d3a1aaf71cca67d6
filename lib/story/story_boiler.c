/* SPDX-License-Identifier: MIT */
/* story_boiler.c -- S1 of stage story: boilerplate learnt from line contexts
 * (steps_internal.h). */
#include "common/parallel_internal.h"
#include "steps_internal.h"

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
    struct rpi_story *s = k->s;
    uint32_t *o;
    RP_TRY(rpi_story_file_order(s, 1, lo, hi, &o));
    for (size_t i = lo; i < hi; i++) {
        const size_t u = o ? o[i - lo] : i;
        const struct rpi_sdoc *sd = rpi_unit_sd(s, (uint32_t)u);
        for (uint32_t l = 0; l < sd->n_lines; l++)
            k->lc[k->first[u] + l] = rpi_sdoc_line_key(sd, l);
        rpi_story_release(s, sd);
    }
    rpi_free(s->in.alloc, o);
    return RP_OK;
}

/* Zero the tokens of the boilerplate lines of documents [lo, hi). */
static rp_status strip_range(void *ctx, size_t lo, size_t hi, unsigned t)
{
    (void)t;
    struct rpi_story *s = ctx;
    uint32_t *o;
    RP_TRY(rpi_story_file_order(s, 0, lo, hi, &o));
    for (size_t k = lo; k < hi; k++) {
        struct rpi_sdoc *sd = rpi_doc(s->in.docs, o ? o[k - lo] : k)->sd;
        if (!sd) continue;
        for (uint32_t l = 0; l < sd->n_lines; l++) {
            if (!is_boiler(s, sd->lines[l].hash & RPI_LINE_MASK)) continue;
            for (uint32_t x = sd->lines[l].tok_start; x < sd->lines[l].tok_end; x++) {
                sd->tok[x] = 0;
                sd->tflags[x] |= RPI_TOK_BOILER;
            }
        }
        rpi_story_release(s, sd);
    }
    rpi_free(s->in.alloc, o);
    return RP_OK;
}

rp_status rpi_story_boilerplate(struct rpi_story *s)
{
    const unsigned bmin = s->in.p.boilerplate_min;
    const uint32_t nu = s->in.n_units;
    if (bmin == 0) return RP_OK;
    size_t *first = rpi_malloc(s->in.alloc, ((size_t)nu + 1) * sizeof *first);
    if (!first) return RP_E_NOMEM;
    size_t n = 0;
    for (uint32_t u = 0; u < nu; u++) {
        first[u] = n;
        n += rpi_unit_sd(s, u)->n_lines;
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
