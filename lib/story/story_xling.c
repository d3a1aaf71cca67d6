/* SPDX-License-Identifier: MIT */
/* story_xling.c -- S5c, versions across languages (steps_internal.h). Two versions of one
 * story in two languages share almost no token: S2-S5b see two unrelated texts. When the
 * units are in two languages or more (CLD2, lib/lang), every unit's tokens are carried into
 * one term space (pivot terms: English through the word lists, names transliterated, numbers
 * as they are, all cut to a prefix) and S2-S5b run again on them, unchanged, for the pairs of
 * units in two known languages only. A translation keeps its source's sentences in order, so
 * S5b's lineage tells it from an independent report in another language as it does within
 * one; its family links join s->links with relation `translation`. A collection in one
 * language skips all of it (one pass over the units' language codes). */
#include <stdlib.h> /* qsort, bsearch */
#include <string.h> /* strcmp, memcpy */
#include "steps_internal.h"
#include "common/parallel_internal.h"
#include "lang/lang_internal.h"

#define MAX_CODES 256u /* language numbers; more languages than this share "und" */

struct xl {
    struct rpi_story *s;
    rpi_lexset *ls;
    struct rpi_sdoc **pivot;
    const uint16_t *ulang;
    char (*codes)[RPI_LANG_SIZE];
    struct rpi_arena *arenas; /* one per thread: the pivot sdocs and their ids */
};

rp_status rpi_pivot_ids(rpi_lexset *ls, rp_normalizer *nz, void **scratch, struct rpi_arena *ar,
                        const rp_alloc *al, const char *code, const char *text, size_t n,
                        uint32_t n_tok, const uint8_t *flags, uint32_t **out, char *msg,
                        size_t cap)
{
    *out = NULL;
    rp_norm_result nr;
    RP_TRY(rp_normalizer_run(nz, text, n, &nr));
    if (nr.n_tokens != n_tok) return RP_OK;
    uint32_t *ids = rpi_arena_alloc(ar, (size_t)n_tok * sizeof *ids, 4);
    uint8_t *how = rpi_malloc(al, n_tok ? n_tok : 1);
    if (!ids || !how) {
        rpi_free(al, how);
        return RP_E_NOMEM;
    }
    const rp_status st = rpi_lexset_pivot(ls, code, text, &nr, ids, how, scratch, msg, cap);
    /* a word of another script that no list knew is noise in English unless it names someone
     * or something: transliterated, a name meets its English spelling, a common word (a
     * Russian verb) meets nothing and would be among the text's rarest, heaviest terms */
    for (uint32_t i = 0; st == RP_OK && i < n_tok; i++)
        if (how[i] && !(flags[i] & (RPI_TOK_NAME | RPI_TOK_NUMBER))) ids[i] = 0;
    rpi_free(al, how);
    RP_TRY(st);
    *out = ids;
    return RP_OK;
}

/* rpi_pivot_ids in the run's terms: a list that cannot be read is the run's error */
static rp_status pivot_ids(struct xl *x, rp_normalizer *nz, void **scratch, struct rpi_arena *ar,
                           const char *code, const char *text, size_t n, uint32_t n_tok,
                           const uint8_t *flags, uint32_t **out)
{
    char msg[200];
    const rp_status st = rpi_pivot_ids(x->ls, nz, scratch, ar, x->s->in.alloc, code, text, n, n_tok,
                                       flags, out, msg, sizeof msg);
    if (st == RP_E_IO) rpi_story_error(x->s, "%s", msg);
    return st;
}

static rp_status pivot_range(void *ctx, size_t lo, size_t hi, unsigned t)
{
    struct xl *x = ctx;
    struct rpi_story *s = x->s;
    rp_normalizer *nz = NULL;
    void *scratch = NULL;
    rp_status st = rp_normalizer_create(&nz, &s->in.p.norm, s->in.alloc);
    for (size_t u = lo; u < hi && st == RP_OK; u++) {
        const struct rpi_sdoc *sd = rpi_unit_sd(s, (uint32_t)u);
        struct rpi_sdoc *p = rpi_arena_alloc(&x->arenas[t], sizeof *p, 8);
        if (!p) {
            st = RP_E_NOMEM;
            break;
        }
        *p = *sd;
        x->pivot[u] = p;
        const char *code = x->codes[x->ulang[u]];
        uint32_t *ids = NULL;
        if (sd->n_tok)
            st = pivot_ids(x, nz, &scratch, &x->arenas[t], code, sd->text, sd->text_size, sd->n_tok,
                           sd->tflags, &ids);
        if (ids) {
            for (uint32_t i = 0; i < sd->n_tok; i++)
                if (!sd->tok[i]) ids[i] = 0; /* S1's boilerplate stays out */
            p->tok = ids;
        }
        ids = NULL;
        if (st == RP_OK && sd->n_title)
            st = pivot_ids(x, nz, &scratch, &x->arenas[t], code, sd->title, strlen(sd->title),
                           sd->n_title, sd->title_flags, &ids);
        if (ids) p->title_tok = ids;
    }
    rpi_lexset_scratch_free(x->ls, scratch);
    rp_normalizer_free(nz);
    return st;
}

/* Language numbers of the units (0: "und"); the number of languages told apart. */
static unsigned number_languages(const struct rpi_story *s, uint16_t *ulang,
                                 char (*codes)[RPI_LANG_SIZE])
{
    unsigned n = 1;
    strcpy(codes[0], "und");
    for (uint32_t u = 0; u < s->n_units; u++) {
        const char *c = rpi_unit_sd(s, u)->lang;
        unsigned k = 0;
        while (k < n && strcmp(codes[k], c))
            k++;
        if (k == n && n < MAX_CODES) memcpy(codes[n++], c, RPI_LANG_SIZE);
        ulang[u] = (uint16_t)(k < n ? k : 0);
    }
    return n - 1;
}

static int cmp_u32(const void *pa, const void *pb)
{
    const uint32_t x = *(const uint32_t *)pa, y = *(const uint32_t *)pb;
    return (x > y) - (x < y);
}

/* Whether the units of q write in one language whatever CLD2 said: the share of the shorter
 * text's tokens (boilerplate aside) that the other text has too reaches RPI_XLING_SAME_TOKENS
 * (two texts in one language share its function words; in two languages, names and
 * numbers). Reads the first XLING_TOKENS tokens of each. */
#define XLING_TOKENS 4096u
static int one_language(const struct rpi_story *s, const struct link *q, uint32_t *buf)
{
    const struct rpi_sdoc *x = rpi_unit_sd(s, q->a), *y = rpi_unit_sd(s, q->b);
    if (x->n_tok > y->n_tok) {
        const struct rpi_sdoc *t = x;
        x = y;
        y = t;
    }
    uint32_t ny = 0;
    for (uint32_t i = 0; i < y->n_tok && ny < XLING_TOKENS; i++)
        if (y->tok[i]) buf[ny++] = y->tok[i];
    qsort(buf, ny, sizeof *buf, cmp_u32);
    uint32_t nx = 0, shared = 0;
    for (uint32_t i = 0; i < x->n_tok && nx < XLING_TOKENS; i++) {
        if (!x->tok[i]) continue;
        nx++;
        shared += bsearch(&x->tok[i], buf, ny, sizeof *buf, cmp_u32) != NULL;
    }
    return nx && shared >= RPI_XLING_SAME_TOKENS * nx;
}

/* s->links and the pivot pass's links between two languages, in (a, b) order: a pair in
 * both keeps the pivot pass's when that one is a family link, or a related pair the texts'
 * own words leave unlinked, else the texts' own; a family link between two languages is a
 * translation. */
static rp_status merge_links(struct rpi_story *s, struct rpi_story *p)
{
    size_t n_add = 0; /* the pivot pass's links worth keeping, compacted in place */
    uint32_t *buf = rpi_malloc(s->in.alloc, XLING_TOKENS * sizeof *buf);
    if (!buf) return RP_E_NOMEM;
    for (size_t k = 0; k < p->n_links; k++) {
        const struct link *q = &p->links[k];
        if ((q->linked || q->related) && !one_language(s, q, buf)) p->links[n_add++] = *q;
    }
    rpi_free(s->in.alloc, buf);
    if (!n_add) return RP_OK;
    struct link *m = rpi_malloc(s->in.alloc, (s->n_links + n_add) * sizeof *m);
    if (!m) return RP_E_NOMEM;
    size_t i = 0, j = 0, n = 0;
    while (i < s->n_links || j < n_add) {
        const struct link *a = i < s->n_links ? &s->links[i] : NULL;
        const struct link *q = j < n_add ? &p->links[j] : NULL;
        const uint64_t ka = a ? (uint64_t)a->a << 32 | a->b : UINT64_MAX;
        const uint64_t kq = q ? (uint64_t)q->a << 32 | q->b : UINT64_MAX;
        if (ka < kq) {
            m[n++] = *a;
            i++;
            continue;
        }
        struct link l = *q;
        l.pivot = 1;
        if (ka == kq) { /* scored in both: the pivot pass's when it links, or when it relates
                           the pair and the texts' own words neither link nor relate it */
            i++;
            if (!q->linked && (a->linked || a->related)) l = *a;
        }
        if (l.linked) l.relation = RP_REL_TRANSLATION; /* two languages, not one */
        m[n++] = l;
        j++;
    }
    rpi_free(s->in.alloc, s->links);
    s->links = m;
    s->n_links = n;
    return RP_OK;
}

/* The languages of the units (English and "und" aside) that had no word list. */
static void no_lists(struct rpi_story *s, const struct xl *x)
{
    size_t n = 0;
    char *out = s->stats.no_list;
    for (unsigned c = 1; c < MAX_CODES && x->codes[c][0]; c++) {
        if (!strcmp(x->codes[c], "en") || rpi_lexset_words(x->ls, x->codes[c])) continue;
        const size_t k = strlen(x->codes[c]);
        if (n + k + 2 > sizeof s->stats.no_list) break;
        if (n) out[n++] = ',';
        memcpy(out + n, x->codes[c], k + 1);
        n += k;
    }
}

rp_status rpi_story_xling(struct rpi_story *s)
{
    const uint32_t nu = s->n_units;
    struct xl x = {.s = s};
    uint16_t *ulang = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *ulang);
    x.codes = rpi_calloc(s->in.alloc, MAX_CODES, sizeof *x.codes);
    if (!ulang || !x.codes) {
        rpi_free(s->in.alloc, ulang);
        rpi_free(s->in.alloc, x.codes);
        return RP_E_NOMEM;
    }
    x.ulang = ulang;
    s->stats.n_languages = number_languages(s, ulang, x.codes);
    rp_status st = RP_OK;
    struct rpi_story *p = NULL;
    const unsigned nt = s->in.p.threads;
    if (s->stats.n_languages >= 2) {
        x.pivot = rpi_calloc(s->in.alloc, nu, sizeof *x.pivot);
        x.arenas = rpi_calloc(s->in.alloc, nt, sizeof *x.arenas);
        st = x.pivot && x.arenas ? RP_OK : RP_E_NOMEM;
        for (unsigned t = 0; x.arenas && t < nt; t++)
            rpi_arena_init(&x.arenas[t], s->in.alloc);
        if (st == RP_OK)
            st = rpi_lexset_create(&x.ls, s->in.p.lexicon_dir, &s->in.p.norm, s->in.alloc);
        if (st == RP_OK) st = rpi_parallel_for(nu, nt, s->unit_w, pivot_range, &x);
        if (st == RP_OK) st = rpi_story_pivot_run(s, x.pivot, ulang, &p);
        if (st == RP_OK) {
            s->stats.n_pivot_pairs = p->stats.n_candidates;
            no_lists(s, &x);
            st = merge_links(s, p);
        } else if (p && p->errmsg[0] && !s->errmsg[0]) {
            rpi_story_error(s, "%s", p->errmsg);
        }
    }
    rpi_story_free(p);
    rpi_lexset_free(x.ls);
    for (unsigned t = 0; x.arenas && t < nt; t++)
        rpi_arena_free(&x.arenas[t]);
    rpi_free(s->in.alloc, x.arenas);
    rpi_free(s->in.alloc, x.pivot);
    rpi_free(s->in.alloc, x.codes);
    rpi_free(s->in.alloc, ulang);
    return st;
}
