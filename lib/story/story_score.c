/* SPDX-License-Identifier: MIT */
/* story_score.c -- the story-level pair score from its signals, in one place for the batch
 * stage (story.c) and any other caller that builds the same vectors (the index).
 *
 * Signals: the cosine of two unit-length TF-IDF vectors scaled by the IDF mass of the terms
 * they share; the weighted Dice overlap of their names and of their numbers (IDF weights);
 * the share of each text inside shared passages. docs/internals/story.md has the weights and
 * why. */
#include <math.h> /* fabs */
#include "story_internal.h"

/* Sum of the smaller weight of every term two sorted vectors share. */
static double shared_min(const struct svec *a, const struct svec *b)
{
    double d = 0;
    uint32_t i = 0, j = 0;
    while (i < a->n && j < b->n) {
        if (a->term[i] < b->term[j])
            i++;
        else if (a->term[i] > b->term[j])
            j++;
        else {
            d += a->w[i] < b->w[j] ? a->w[i] : b->w[j];
            i++;
            j++;
        }
    }
    return d;
}

/* Two headlines sharing one common word can have a cosine near 1: the cosine is scaled by
 * the evidence behind it, the IDF mass of the shared terms, up to RPI_MIN_SHARED (about two
 * rare terms or three ordinary ones). Long texts always have more. */
#define RPI_MIN_SHARED 10.0

/* The cosine d scaled by m, the IDF mass of the shared terms. */
static double mass_scaled(double d, double m)
{
    return m >= RPI_MIN_SHARED ? d : d * m / RPI_MIN_SHARED;
}

/* The words' cosine from the dot product of the terms neither text writes as a name: the
 * vectors' word norms are in their sum (see struct svec). */
static double words_cosine(double dw, const struct svec *a, const struct svec *b)
{
    return a->sum > 0 && b->sum > 0 ? dw / ((double)a->sum * b->sum) : 0.0;
}

double rpi_svec_cosine(const struct svec *a, const struct svec *b, const float *idf, double *words)
{
    double d = 0, dw = 0, m = 0;
    uint32_t i = 0, j = 0;
    while (i < a->n && j < b->n) {
        const uint32_t x = a->term[i], y = b->term[j];
        if (x < y)
            i++;
        else if (x > y)
            j++;
        else {
            const double p = (double)a->w[i] * b->w[j];
            d += fabs(p);
            if (a->w[i] > 0 && b->w[j] > 0) dw += p;
            m += idf[x];
            i++;
            j++;
        }
    }
    if (words) *words = words_cosine(dw, a, b);
    return mass_scaled(d, m);
}

/* The same cosine with a's weights scattered in a dense array by term (rpi_svec_scatter):
 * one pass over b in b's order, no merge, so b's terms need no sorting. */
double rpi_svec_cosine_dense(const float *da, const struct svec *a, const struct svec *b,
                             const float *idf, double *words)
{
    double d = 0, dw = 0, m = 0;
    for (uint32_t j = 0; j < b->n; j++) {
        const uint32_t x = b->term[j];
        if (da[x] == 0) continue;
        const double p = (double)da[x] * b->w[j];
        d += fabs(p);
        if (da[x] > 0 && b->w[j] > 0) dw += p;
        m += idf[x];
    }
    if (words) *words = words_cosine(dw, a, b);
    return mass_scaled(d, m);
}

void rpi_svec_scatter(const struct svec *a, float *dense, int clear)
{
    for (uint32_t i = 0; i < a->n; i++)
        dense[a->term[i]] = clear ? 0.0f : a->w[i];
}

/* Weighted Dice coefficient of two IDF-weighted sets: 2 * shared / (mass a + mass b); -1
 * when either side has too little mass to say anything (a month name alone is not a name
 * signal; RPI_MIN_MASS in story_internal.h). */
static double dice(const struct svec *a, const struct svec *b, double shared)
{
    const double o = 2.0 * shared / ((double)a->sum + b->sum);
    return o > 1.0 ? 1.0 : o;
}

double rpi_svec_overlap(const struct svec *a, const struct svec *b)
{
    if (a->sum < RPI_MIN_MASS || b->sum < RPI_MIN_MASS) return -1.0;
    return dice(a, b, shared_min(a, b));
}

double rpi_svec_overlap_dense(const float *da, const struct svec *a, const struct svec *b)
{
    if (a->sum < RPI_MIN_MASS || b->sum < RPI_MIN_MASS) return -1.0;
    double d = 0;
    for (uint32_t j = 0; j < b->n; j++) {
        const float w = da[b->term[j]];
        if (w != 0) d += w < b->w[j] ? w : b->w[j];
    }
    return dice(a, b, d);
}

/* Story evidence without passages: 0.55 cosine + 0.25 names + 0.20 numbers; the cosine
 * carries the weight of numbers a pair cannot show, and of names in a collection without case
 * (RPI_CASELESS: fewer than 5% of its texts have names).
 * Between two texts made mostly of figures (both above RPI_DENSE_NUMBERS of number tokens:
 * results tables, price lists) the figures are what tells one report from another written
 * from the same template, so up to RPI_DENSE_SHIFT of the cosine's weight goes to them. */
#define RPI_DENSE_NUMBERS 0.10
#define RPI_DENSE_SHIFT 0.30
/* Two texts that both carry figures (the numbers signal is available) yet share almost none
 * of them report different facts: the same template filled with other numbers (a daily
 * money-market report, a results table, a casualty count of another attack). Below
 * RPI_NUM_CONFLICT of numbers overlap the evidence is discounted by RPI_NUM_DISCOUNT. The
 * five seed versions share 0.31 to 0.93 of their figures; on the Reuters proxy
 * (bench/story_proxy.py) 1.4-2% of same-story pairs fall below 0.2, a quarter of the
 * different-story pairs that were linked. */
#define RPI_NUM_CONFLICT 0.2
#define RPI_NUM_DISCOUNT 0.6
/* Likewise two texts that both name actors but share almost none of them are about other
 * people, companies or places: a prime-rate rise at one bank and at another, a consumer price
 * index of one country and of another. Below RPI_NAME_CONFLICT of names overlap the evidence
 * is discounted by RPI_NAME_DISCOUNT, as much as for figures. The seed versions share 0.38
 * to 0.79 of their names (translations and rewrites keep names); on the Reuters proxy the
 * rule raised dated and undated precision by 0.5-0.6 points and took one same-story pair of
 * 800 with the --hard rewrites (docs/benchmarks.md). */
#define RPI_NAME_CONFLICT 0.1
#define RPI_NAME_DISCOUNT 0.6
/* And two texts that share their names but hardly any other salient word (the cosine of the
 * terms neither writes as a name under RPI_WORDS_CONFLICT) tell of the same actors doing
 * something else: a company's quarterly loss and its dividend, a lawsuit and the other side's
 * counter-offer. The discount is milder (RPI_WORDS_DISCOUNT): a rewrite keeps the names and
 * changes the words, so this evidence is the weakest of the three. The linked seed versions'
 * words cosines are 0.23-0.61 (the event's words survive translation: captured, fighter,
 * jihadist); on the Reuters proxy pairwise F1 rose 0.5-1.5 points, recall unchanged
 * (docs/benchmarks.md; 0.6 gained 0.1-0.3 more, 0.15 as the bound a third as much). */
#define RPI_WORDS_CONFLICT 0.2
#define RPI_WORDS_DISCOUNT 0.75

double rpi_story_evidence(double cosine, double words, double names, double numbers, double density,
                          int caseless)
{
    double wc = 0.55, wn = 0.25, wd = 0.20;
    if (names < 0) {
        /* without case nobody has names and the words are all there is; in a collection
         * with case, a text without names (a table of figures) shows no actors, and that
         * evidence is missing, not moved to the cosine */
        if (caseless) wc += wn;
        wn = 0;
    }
    if (numbers < 0) {
        wc += wd;
        wd = 0;
    } else if (density > RPI_DENSE_NUMBERS) {
        const double shift = density - RPI_DENSE_NUMBERS < RPI_DENSE_SHIFT
                                 ? density - RPI_DENSE_NUMBERS
                                 : RPI_DENSE_SHIFT;
        wc -= shift;
        wd += shift;
    }
    const double ev = wc * cosine + wn * (names > 0 ? names : 0) + wd * (numbers > 0 ? numbers : 0);
    double f = numbers >= 0 && numbers < RPI_NUM_CONFLICT ? RPI_NUM_DISCOUNT : 1.0;
    if (names >= 0 && names < RPI_NAME_CONFLICT) f *= RPI_NAME_DISCOUNT;
    if (names >= 0 && words < RPI_WORDS_CONFLICT) f *= RPI_WORDS_DISCOUNT;
    return ev * f;
}

/* A partial reprint (half a document inside shared passages) is one story whatever the other
 * signals; smaller shared passages only add to the evidence, since templated texts (earnings
 * tables) share passages across different stories. */
double rpi_story_combine(double evidence, double cover)
{
    double sc = cover >= 0.5 ? (cover > evidence ? cover : evidence) : evidence + 0.25 * cover;
    return sc > 1 ? 1 : sc;
}

/* ---- the scoring core shared by the batch stage and the index ---------------------------- */

void rpi_vecbuild_init(struct rpi_vecbuild *vb)
{
    vb->ltf[0] = 0;
    for (unsigned f = 1; f < 64; f++)
        vb->ltf[f] = 1.0 + log((double)f);
}

static rp_status svec_alloc(struct rpi_arena *ar, struct svec *v, uint32_t n)
{
    v->n = 0;
    v->sum = 0;
    v->term = rpi_arena_alloc(ar, (n ? n : 1) * sizeof *v->term, 4);
    v->w = rpi_arena_alloc(ar, (n ? n : 1) * sizeof *v->w, 4);
    return v->term && v->w ? RP_OK : RP_E_NOMEM;
}

/* The order of t is the order of the vectors' terms: the batch stage passes first use (its
 * pairs are scored through dense arrays), the index slot order (merged by rpi_svec_cosine).
 * The sums follow that order, so each driver keeps its floats. */
rp_status rpi_story_vectors(const struct rpi_vecbuild *vb, struct rpi_arena *ar,
                            const struct rpi_tf *t, uint32_t m, struct svec *v, struct svec *nm,
                            struct svec *nb, float *ndens)
{
    uint32_t nv = 0, nn = 0, nd = 0;
    for (uint32_t i = 0; i < m; i++) {
        const int shared = t[i].df >= 2; /* a term of one text is never shared */
        nv += shared;
        nn += shared && (t[i].flags & RPI_TOK_NAME);
        nd += shared && (t[i].flags & RPI_TOK_NUMBER);
    }
    RP_TRY(svec_alloc(ar, v, nv));
    RP_TRY(svec_alloc(ar, nm, nn));
    RP_TRY(svec_alloc(ar, nb, nd));
    double norm = 0, wnorm = 0;
    uint32_t occ = 0, numocc = 0;
    for (uint32_t i = 0; i < m; i++) {
        const uint32_t f = t[i].tf, flags = t[i].flags, slot = t[i].slot;
        occ += f;
        if (flags & RPI_TOK_NUMBER) numocc += f;
        const double idf = t[i].idf;
        const double w = (f < 64 ? vb->ltf[f] : 1.0 + log((double)f)) * idf;
        const int shared = t[i].df >= 2;
        norm += w * w;
        if (!(flags & RPI_TOK_NAME)) wnorm += w * w;
        if (shared) {
            v->term[v->n] = slot;
            v->w[v->n++] = (float)(flags & RPI_TOK_NAME ? -w : w); /* names: negative */
        }
        if (flags & RPI_TOK_NAME) {
            nm->sum += (float)idf;
            if (shared) {
                nm->term[nm->n] = slot;
                nm->w[nm->n++] = (float)idf;
            }
        }
        if (flags & RPI_TOK_NUMBER) {
            nb->sum += (float)idf;
            if (shared) {
                nb->term[nb->n] = slot;
                nb->w[nb->n++] = (float)idf;
            }
        }
    }
    const double inv = norm > 0 ? 1.0 / sqrt(norm) : 0.0;
    for (uint32_t i = 0; i < v->n; i++)
        v->w[i] = (float)(v->w[i] * inv);
    v->sum = (float)(sqrt(wnorm) * inv); /* the words' norm */
    *ndens = occ ? (float)numocc / (float)occ : 0.0f;
    return RP_OK;
}

double rpi_story_level_score(rp_level level, double evidence, double cover)
{
    return level == RP_LEVEL_REUSE ? cover : rpi_story_combine(evidence, cover);
}

rp_relation rpi_story_relation(double jaccard, double cover_a, double cover_b, uint32_t la,
                               uint32_t lb, uint32_t n_passages)
{
    const double cmin = cover_a < cover_b ? cover_a : cover_b;
    const double cmax = cover_a < cover_b ? cover_b : cover_a;
    /* a cut or an extension: the shorter mostly inside the longer, which is a quarter longer
     * or more; else near when the 5-gram Jaccard or both covers say so */
    const uint32_t lmin = la < lb ? la : lb, lmax = la < lb ? lb : la;
    if (cmax >= RPI_REL_CONTAINED && cmin < RPI_REL_CONTAINED &&
        (double)lmax >= RPI_REL_LONGER * lmin)
        return RP_REL_PARTIAL;
    if (jaccard >= RPI_REL_NEAR_JACCARD || cmin >= RPI_REL_CONTAINED) return RP_REL_NEAR;
    if (cmax >= RPI_REL_CONTAINED) return RP_REL_PARTIAL;
    if (n_passages > 0 && cmax >= RP_REUSE_THRESHOLD) return RP_REL_REUSE;
    return RP_REL_REWRITE;
}
