/* SPDX-License-Identifier: MIT */
/* story_lineage.c -- S5b of stage story: whether a linked pair are versions of one text or
 * two texts about one event (steps_internal.h).
 *
 * Two renderings of one text keep its sequence: sentence after sentence says the same thing
 * in the same order, whatever the words (a translation by another hand, a spun copy, a cut).
 * Two independent reports of one event share the names, the figures and the topic, but
 * their sentences meet here and there and in no order. The lineage of a pair is the share
 * of the smaller text (by IDF mass) covered by the heaviest chain of matched sentences in
 * the same order in both texts, each sentence counted by how well it matches. */
#include <stdlib.h> /* qsort */
#include <string.h> /* memset */
#include "common/parallel_internal.h"
#include "steps_internal.h"

/* A term weaker than this (it is in over a third of the texts) does not make two sentences
 * alike, and skipping it keeps the sentence matching linear in practice. */
#define LIN_MIN_IDF 1.0
/* Sentences match when their weighted Dice reaches this. */
#define LIN_MATCH 0.25
/* across languages (the pivot pass, story_xling.c): WMT21 src + ref pairwise F1 at 0.25 /
 * 0.15 / 0.1: de-fr 0.82 / 0.93 / 0.95, ru-en 0.72 / 0.84 / 0.89 (lineage bar 0.3) */
#define LIN_MATCH_PIVOT 0.1
/* At most this many sentences per text are matched (a longer text: its first ones), and a
 * sentence holds at most LIN_MAX_TERMS distinct terms (a text without a sentence end, a
 * table or a list, is cut into pieces of that size): the distinct-term test within a
 * sentence and the work of one pair stay bounded whatever the input. */
#define LIN_MAX_SENT 2048u
#define LIN_MAX_TERMS 64u

struct lin_term {
    uint32_t term, sent; /* a distinct term of a sentence */
    float w;
};
struct lin_match {
    uint32_t i, j;
    float v; /* Dice times the smaller text's sentence mass */
};

struct lin_side {
    struct lin_term *t; /* by sentence, terms distinct within it */
    size_t n, cap;
    uint32_t *sent_off; /* sentence k: t[sent_off[k], sent_off[k + 1]) */
    size_t cap_off;
    float *mass;
    size_t cap_mass;
    uint32_t n_sent;
    double total;
};

struct lin_scratch {
    struct lin_side side[2];
    const struct rpi_story *s0; /* side 0 holds unit u0 of s0 (pairs come sorted by their */
    uint32_t u0;                /* first unit: a unit's side is built once for its pairs) */
    uint32_t *head;             /* hash of side 0's terms: slot -> first entry + 1 */
    uint32_t *next;             /* entry -> next entry + 1 with the same term */
    size_t cap_head, cap_next;
    float *acc; /* side 0 sentence -> shared weight with the current sentence */
    uint32_t *touched;
    size_t cap_acc, cap_touched;
    struct lin_match *m;
    size_t n_m, cap_m;
    float *best; /* Fenwick tree of chain values over side 1's sentences */
    size_t cap_best;
};

/* Side x from unit u: its sentences with their distinct weighted terms and masses. */
static rp_status lin_side_build(const struct rpi_story *s, const rp_alloc *al, uint32_t u,
                                struct lin_side *x)
{
    const struct rpi_sdoc *sd = rpi_unit_sd(s, u);
    x->n = 0;
    x->n_sent = 0;
    x->total = 0;
    void *p;
    uint32_t start = 0; /* first entry of the current sentence */
    int open = 0;
    for (uint32_t i = 0; i < sd->n_tok; i++) {
        if (i > 0 && open && rpi_sdoc_brk(sd, i)) open = 0; /* read from the text at build */
        if (open && x->n - start >= LIN_MAX_TERMS) open = 0;
        const uint32_t term = sd->tok[i];
        if (!term) continue; /* boilerplate */
        const double w = rpi_story_idf(s, term);
        if (w < LIN_MIN_IDF) continue;
        if (!open) {
            if (x->n_sent == LIN_MAX_SENT) break;
            p = x->sent_off;
            RP_TRY(rpi_array_reserve(al, &p, &x->cap_off, sizeof *x->sent_off, x->n_sent + 2));
            x->sent_off = p;
            x->sent_off[x->n_sent++] = (uint32_t)x->n;
            start = (uint32_t)x->n;
            open = 1;
        }
        int seen = 0; /* distinct within the sentence (sentences are short) */
        for (size_t k = start; k < x->n && !seen; k++)
            seen = x->t[k].term == term;
        if (seen) continue;
        p = x->t;
        RP_TRY(rpi_array_reserve(al, &p, &x->cap, sizeof *x->t, x->n + 1));
        x->t = p;
        x->t[x->n++] = (struct lin_term){term, x->n_sent - 1, (float)w};
    }
    if (x->n_sent) x->sent_off[x->n_sent] = (uint32_t)x->n;
    p = x->mass;
    RP_TRY(rpi_array_reserve(al, &p, &x->cap_mass, sizeof *x->mass, x->n_sent + 1));
    x->mass = p;
    for (uint32_t k = 0; k < x->n_sent; k++) {
        double m = 0;
        for (uint32_t e = x->sent_off[k]; e < x->sent_off[k + 1]; e++)
            m += x->t[e].w;
        x->mass[k] = (float)m;
        x->total += m;
    }
    return RP_OK;
}

/* The heaviest chain of matches with i and j both increasing: matches come sorted by i, and
 * within one i by j descending, so one i never chains with itself; a Fenwick tree over j
 * gives the best chain ending before j. */
static double lin_chain(struct lin_scratch *w, uint32_t n_j)
{
    float *bit = w->best;
    memset(bit, 0, ((size_t)n_j + 1) * sizeof *bit);
    double top = 0;
    for (size_t k = 0; k < w->n_m; k++) {
        const struct lin_match *m = &w->m[k];
        float before = 0;
        for (uint32_t q = m->j; q > 0; q -= q & -q) /* prefix max over j' < m->j */
            if (bit[q] > before) before = bit[q];
        const float v = before + m->v;
        if (v > top) top = v;
        for (uint32_t q = m->j + 1; q <= n_j; q += q & -q)
            if (bit[q] < v) bit[q] = v;
    }
    return top;
}

static int cmp_match(const void *pa, const void *pb)
{
    const struct lin_match *a = pa, *b = pb;
    if (a->i != b->i) return a->i < b->i ? -1 : 1;
    return a->j > b->j ? -1 : a->j < b->j;
}

int rpi_story_lineage(const struct rpi_story *s, void *scratch, uint32_t u, uint32_t v, double *out)
{
    *out = 0;
    struct lin_scratch *w = scratch;
    const rp_alloc *al = s->in.alloc;
    struct lin_side *x = &w->side[0], *y = &w->side[1];
    if (w->s0 != s || w->u0 != u) {
        w->s0 = NULL;
        if (lin_side_build(s, al, u, x) != RP_OK) return -1;
        w->s0 = s;
        w->u0 = u;
    }
    if (lin_side_build(s, al, v, y) != RP_OK) return -1;
    if (!x->n_sent || !y->n_sent) return 0;
    /* hash side 0's terms to their entries */
    size_t cap = 16;
    while (cap < 2 * x->n)
        cap *= 2;
    void *p = w->head;
    if (rpi_array_reserve(al, &p, &w->cap_head, sizeof *w->head, cap) != RP_OK) return -1;
    w->head = p;
    p = w->next;
    if (rpi_array_reserve(al, &p, &w->cap_next, sizeof *w->next, x->n + 1) != RP_OK) return -1;
    w->next = p;
    p = w->acc;
    if (rpi_array_reserve(al, &p, &w->cap_acc, sizeof *w->acc, x->n_sent) != RP_OK) return -1;
    w->acc = p;
    p = w->touched;
    if (rpi_array_reserve(al, &p, &w->cap_touched, sizeof *w->touched, x->n_sent) != RP_OK)
        return -1;
    w->touched = p;
    p = w->best;
    if (rpi_array_reserve(al, &p, &w->cap_best, sizeof *w->best, (size_t)y->n_sent + 1) != RP_OK)
        return -1;
    w->best = p;
    memset(w->head, 0, cap * sizeof *w->head);
    memset(w->acc, 0, x->n_sent * sizeof *w->acc);
    for (size_t e = x->n; e-- > 0;) { /* reversed: lists come out in sentence order */
        size_t h = (size_t)rpi_mix64(x->t[e].term) & (cap - 1);
        while (w->head[h] && x->t[w->head[h] - 1].term != x->t[e].term)
            h = (h + 1) & (cap - 1);
        w->next[e] = w->head[h];
        w->head[h] = (uint32_t)e + 1;
    }
    /* the smaller text (by mass) is the one whose share is measured */
    const int x_small = x->total <= y->total;
    /* across languages a sentence keeps fewer of its terms through the word lists */
    const double match = s->pivot ? LIN_MATCH_PIVOT : LIN_MATCH;
    w->n_m = 0;
    for (uint32_t j = 0; j < y->n_sent; j++) {
        uint32_t nt = 0;
        for (uint32_t e = y->sent_off[j]; e < y->sent_off[j + 1]; e++) {
            size_t h = (size_t)rpi_mix64(y->t[e].term) & (cap - 1);
            while (w->head[h] && x->t[w->head[h] - 1].term != y->t[e].term)
                h = (h + 1) & (cap - 1);
            for (uint32_t q = w->head[h]; q; q = w->next[q - 1]) {
                const uint32_t i = x->t[q - 1].sent;
                if (w->acc[i] == 0) w->touched[nt++] = i;
                w->acc[i] += y->t[e].w;
            }
        }
        for (uint32_t k = 0; k < nt; k++) {
            const uint32_t i = w->touched[k];
            const double dice = 2.0 * w->acc[i] / (x->mass[i] + y->mass[j]);
            w->acc[i] = 0;
            if (dice < match) continue;
            p = w->m;
            if (rpi_array_reserve(al, &p, &w->cap_m, sizeof *w->m, w->n_m + 1) != RP_OK) return -1;
            w->m = p;
            const double mass = x_small ? x->mass[i] : y->mass[j];
            w->m[w->n_m++] = (struct lin_match){i, j, (float)((dice > 1 ? 1 : dice) * mass)};
        }
    }
    if (w->n_m > 1) qsort(w->m, w->n_m, sizeof *w->m, cmp_match); /* (NULL, 0) is undefined */
    const double chain = lin_chain(w, y->n_sent);
    const double total = x_small ? x->total : y->total;
    *out = total > 0 ? chain / total : 0;
    return 0;
}

void *rpi_story_lineage_scratch(const rp_alloc *al)
{
    return rpi_calloc(al, 1, sizeof(struct lin_scratch));
}

void rpi_story_lineage_scratch_free(const rp_alloc *al, void *scratch)
{
    struct lin_scratch *w = scratch;
    if (!w) return;
    for (int k = 0; k < 2; k++) {
        rpi_free(al, w->side[k].t);
        rpi_free(al, w->side[k].sent_off);
        rpi_free(al, w->side[k].mass);
    }
    rpi_free(al, w->head);
    rpi_free(al, w->next);
    rpi_free(al, w->acc);
    rpi_free(al, w->touched);
    rpi_free(al, w->m);
    rpi_free(al, w->best);
    rpi_free(al, w);
}

/* ---- across languages: the sentences' lengths ------------------------------------------ */

/* A translation keeps its source's sentences one for one, and a sentence's length in one
 * language follows its length in the other (Gale & Church 1993, "A program for aligning
 * sentences in bilingual corpora"): aligned by length alone, most of the two texts falls in
 * pairs of sentences (or one and two) of about the same share of their text. Two reports of
 * one event do not line up so. It is the evidence a word list cannot miss, so it completes the
 * lineage of a pair the pivot pass links with a lineage short of the bar: WMT21, among such
 * pairs, share of the text aligned within LEN_TOL, same article: 0.6-1.0 (35 of 38 >= 0.6),
 * different articles 0.0-0.87 (3 of 48 >= 0.6). At 0.7 / lineage 0.25 the WMT21 ru-en
 * articles among 3,000 Reuters stories lost precision (0.866 -> 0.843); at 0.8 / 0.3 none
 * of the sets did (docs/internals/story.md, S5c). */
#define LEN_SKIP 0.02     /* a sentence left without a partner costs this and its share */
#define LEN_MERGE 0.005   /* one sentence for two costs this */
#define LEN_TOL 0.15      /* a pair of sentences agrees when their shares differ by less */

uint32_t rpi_sent_shares(const struct rpi_sdoc *sd, double *len)
{
    uint32_t n = 0, start = 0;
    double total = 0;
    for (uint32_t i = 1; i <= sd->n_tok; i++) {
        if (i < sd->n_tok && !rpi_sdoc_brk(sd, i)) continue;
        if (n == RPI_LEN_MAX_SENT) return 0;
        len[n] = (double)(sd->off[2 * (i - 1) + 1] - sd->off[2 * start]);
        total += len[n++];
        start = i;
    }
    for (uint32_t k = 0; k < n && total > 0; k++)
        len[k] /= total;
    return total > 0 ? n : 0;
}

/* the share of the text in sentences [a, b) of shares l */
static double span(const double *l, uint32_t a, uint32_t b)
{
    double x = 0;
    for (uint32_t q = a; q < b; q++)
        x += l[q];
    return x;
}

/* A dynamic programme over 1-1, 1-2, 2-1, 1-0 and 0-1 steps. */
double rpi_length_align(const rp_alloc *al, const double *la, uint32_t n, const double *lb,
                        uint32_t m)
{
    static const int step[5][2] = {{1, 1}, {1, 2}, {2, 1}, {1, 0}, {0, 1}};
    if (!n || !m) return 0;
    const size_t w = (size_t)m + 1, cells = ((size_t)n + 1) * w;
    double *d = rpi_malloc(al, cells * sizeof *d);
    uint8_t *mv = d ? rpi_malloc(al, cells) : NULL;
    double good = -1;
    if (!mv) goto done;
    for (size_t c = 0; c < cells; c++)
        d[c] = 1e300;
    d[0] = 0;
    for (uint32_t i = 0; i <= n; i++)
        for (uint32_t j = 0; j <= m; j++) {
            const double here = d[i * w + j];
            if (here >= 1e300) continue;
            for (int k = 0; k < 5; k++) {
                const uint32_t ii = i + (uint32_t)step[k][0], jj = j + (uint32_t)step[k][1];
                if (ii > n || jj > m) continue;
                const double x = span(la, i, ii), y = span(lb, j, jj);
                const double c = here + (x > y ? x - y : y - x) +
                                 (k >= 3 ? LEN_SKIP + x + y
                                  : k    ? LEN_MERGE
                                         : 0);
                if (c < d[ii * w + jj]) d[ii * w + jj] = c, mv[ii * w + jj] = (uint8_t)k;
            }
        }
    good = 0;
    for (uint32_t i = n, j = m; i || j;) {
        const int k = mv[i * w + j];
        const uint32_t pi = i - (uint32_t)step[k][0], pj = j - (uint32_t)step[k][1];
        const double x = span(la, pi, i), y = span(lb, pj, j);
        if (k < 3 && (x > y ? x - y : y - x) <= LEN_TOL * (x > y ? x : y)) good += (x + y) / 2;
        i = pi, j = pj;
    }
done:
    rpi_free(al, mv);
    rpi_free(al, d);
    return good;
}

double rpi_story_length_align(const struct rpi_story *s, uint32_t a, uint32_t b)
{
    double *la = rpi_malloc(s->in.alloc, 2 * RPI_LEN_MAX_SENT * sizeof *la);
    if (!la) return -1;
    double *lb = la + RPI_LEN_MAX_SENT;
    const uint32_t n = rpi_sent_shares(rpi_unit_sd(s, a), la);
    const uint32_t m = rpi_sent_shares(rpi_unit_sd(s, b), lb);
    const double good = rpi_length_align(s->in.alloc, la, n, lb, m);
    rpi_free(s->in.alloc, la);
    return good;
}

/* ---- S5b: every linked pair ------------------------------------------------------------- */

struct lin_ctx {
    struct rpi_story *s;
    const size_t *idx;
    void *scratch[RPI_STORY_THREADS];
};

static rp_status lineage_range(void *ctx, size_t lo, size_t hi, unsigned t)
{
    struct lin_ctx *c = ctx;
    if (!c->scratch[t] && !(c->scratch[t] = rpi_story_lineage_scratch(c->s->in.alloc)))
        return RP_E_NOMEM;
    for (size_t k = lo; k < hi; k++) {
        struct link *l = &c->s->links[c->idx[k]];
        double g;
        if (rpi_story_lineage(c->s, c->scratch[t], l->a, l->b, &g) < 0) return RP_E_NOMEM;
        l->lineage = (float)g;
        /* pairs come by a: a's side is built once for its run (the scratch keeps it) */
        rpi_story_release(c->s, rpi_unit_sd(c->s, l->b));
        if (k + 1 == hi || c->s->links[c->idx[k + 1]].a != l->a)
            rpi_story_release(c->s, rpi_unit_sd(c->s, l->a));
    }
    return RP_OK;
}

rp_status rpi_story_lineage_all(struct rpi_story *s)
{
    if (s->in.p.level < RP_LEVEL_STORY) return RP_OK;
    size_t n = 0;
    for (size_t k = 0; k < s->n_links; k++)
        n += s->links[k].linked;
    size_t *idx = rpi_malloc(s->in.alloc, (n ? n : 1) * sizeof *idx);
    uint64_t *w = rpi_malloc(s->in.alloc, (n + 1) * sizeof *w);
    rp_status st = RP_E_NOMEM;
    struct lin_ctx c = {s, idx, {0}};
    if (!idx || !w) goto done;
    n = 0;
    w[0] = 0;
    for (size_t k = 0; k < s->n_links; k++)
        if (s->links[k].linked) {
            const struct link *l = &s->links[k];
            w[n + 1] = w[n] + rpi_unit_sd(s, l->a)->n_tok + rpi_unit_sd(s, l->b)->n_tok + 16;
            idx[n++] = k;
        }
    st = rpi_parallel_for(n, rpi_threads_for(s->in.p.threads, n, 64), w, lineage_range, &c);
    for (size_t k = 0; k < n && st == RP_OK; k++) { /* the family rule, rpi_story_family */
        struct link *l = &s->links[idx[k]];
        if (s->pivot) { /* the pivot space's figures on the scale of one language's */
            const double lp = RPI_PIVOT_LINEAGE;
            l->lineage = (float)(l->lineage / lp < 1 ? l->lineage / lp : 1);
        }
        int family = rpi_story_family(l->linked, l->lineage, l->n_passages);
        if (s->pivot && l->linked && !family && l->lineage >= RPI_LEN_LINEAGE) {
            const double g = rpi_story_length_align(s, l->a, l->b);
            if (g < 0) {
                st = RP_E_NOMEM;
                break;
            }
            family = g >= RPI_LEN_ALIGN;
        }
        l->related = l->linked && !family;
        l->linked = (uint8_t)family;
    }
done:
    for (unsigned t = 0; t < RPI_STORY_THREADS; t++)
        rpi_story_lineage_scratch_free(s->in.alloc, c.scratch[t]);
    rpi_free(s->in.alloc, idx);
    rpi_free(s->in.alloc, w);
    return st;
}
