/* SPDX-License-Identifier: MIT */
/* eval.c -- clustering quality against gold labels: pair P/R/F1, ARI, B-cubed and NMI, all
 * computed from one sparse contingency table built by sorting (no O(n^2) pair loop). */
#include <math.h>   /* log */
#include <stdint.h> /* uint32_t, uint64_t, UINT32_MAX */
#include <stdlib.h> /* qsort */
#include <string.h> /* memset */
#include "common/common_internal.h" /* rpi_malloc, rpi_calloc, rpi_free, RP_RETURN_IF */
#include "reprint/rp_eval.h"         /* rp_eval_labels, rp_eval_scores */

/*
 * Every score here is a function of the contingency table n_ij = |G_i & P_j| (gold cluster i,
 * predicted cluster j) and its margins a_i = |G_i|, b_j = |P_j|:
 *
 *   1. Labels are arbitrary uint32, so each labeling is first made dense (0..K-1) by sorting
 *      (label << 32 | item) keys; items that share a label become adjacent.
 *   2. The dense pairs (g << 32 | p) are sorted once more; each run of equal keys is one
 *      non-zero cell n_ij. The table has at most n non-zero cells, so it never costs more
 *      than O(n) memory although K_gold x K_pred may be huge.
 *
 * Pairwise counts (Manning, Raghavan & Schuetze 2008, sec. 16.3):
 *   TP = sum_ij C(n_ij, 2), TP + FP = sum_j C(b_j, 2), TP + FN = sum_i C(a_i, 2).
 *   Conventions: precision is 1 when no pair is predicted, recall is 1 when gold has no pair
 *   (nothing to get wrong / nothing to find); F1 is 0 when P + R = 0.
 * Adjusted Rand index (Hubert & Arabie 1985):
 *   ARI = (TP - E) / (M - E), E = (sum_i C(a_i,2) * sum_j C(b_j,2)) / C(n,2),
 *   M = (sum_i C(a_i,2) + sum_j C(b_j,2)) / 2; with TN = C(n,2) - TP - FP - FN this equals
 *   2 (TP TN - FN FP) / ((TP + FN)(FN + TN) + (TP + FP)(FP + TN)) (as sklearn computes it).
 *   M = E only when FP = FN = 0 (e.g. both all-singletons or both one cluster): ARI = 1.
 * B-cubed (Bagga & Baldwin 1998), averaged over items:
 *   P = (1/n) sum_ij n_ij^2 / b_j, R = (1/n) sum_ij n_ij^2 / a_i.
 * NMI with the arithmetic-mean normalization (Vinh, Epps & Bailey 2010; sklearn's default):
 *   MI = sum_ij (n_ij/n) log(n n_ij / (a_i b_j)), H(G) = -sum_i (a_i/n) log(a_i/n), likewise
 *   H(P); NMI = MI / ((H(G) + H(P)) / 2). When both entropies are 0 (both labelings are one
 *   cluster) the labelings agree and NMI = 1 as in sklearn; when both are all-singletons the
 *   formula gives 1 as well. Natural logarithms; the base cancels.
 * An empty input (n = 0) scores 1 everywhere: no item and no pair is misplaced.
 */

static int cmp_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* C(k, 2) exactly; k < 2^32 so k * (k - 1) fits in 64 bits. */
static uint64_t pairs_of(uint64_t k) { return k > 1 ? k * (k - 1) / 2 : 0; }

/* Replace labels by dense ids 0..K-1 in dense[] (order of first label value); returns K.
 * keys is scratch for n elements. */
static uint32_t densify(const uint32_t *labels, size_t n, uint64_t *keys, uint32_t *dense)
{
    for (size_t i = 0; i < n; i++) keys[i] = (uint64_t)labels[i] << 32 | (uint64_t)i;
    qsort(keys, n, sizeof keys[0], cmp_u64);
    uint32_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (keys[i] >> 32) != (keys[i - 1] >> 32)) k++;
        dense[keys[i] & 0xffffffffu] = k;
    }
    return n ? k + 1 : 0;
}

static double f1_of(double p, double r) { return p + r > 0.0 ? 2.0 * p * r / (p + r) : 0.0; }

static void score_empty(rp_eval_scores *out)
{
    out->pair_precision = out->pair_recall = out->pair_f1 = 1.0;
    out->ari = 1.0;
    out->bcubed_precision = out->bcubed_recall = out->bcubed_f1 = 1.0;
    out->nmi = 1.0;
}

rp_status rp_eval_labels(const uint32_t *gold, const uint32_t *pred, size_t n,
                         rp_eval_scores *out)
{
    RP_RETURN_IF(!out, RP_E_INVALID);
    memset(out, 0, sizeof *out);
    RP_RETURN_IF(n > 0 && (!gold || !pred), RP_E_INVALID);
    /* Item indices and dense labels are packed into 32 bits. */
    RP_RETURN_IF((uint64_t)n > UINT32_MAX, RP_E_TOO_BIG);
    out->n_items = n;
    if (n == 0) {
        score_empty(out);
        return RP_OK;
    }

    rp_status st = RP_E_NOMEM;
    uint64_t *keys = rpi_malloc(NULL, n * sizeof *keys);
    uint32_t *gd = rpi_malloc(NULL, n * sizeof *gd);
    uint32_t *pd = rpi_malloc(NULL, n * sizeof *pd);
    uint64_t *a = NULL, *b = NULL;
    if (!keys || !gd || !pd) goto fail;

    const uint32_t kg = densify(gold, n, keys, gd);
    const uint32_t kp = densify(pred, n, keys, pd);
    a = rpi_calloc(NULL, kg, sizeof *a);
    b = rpi_calloc(NULL, kp, sizeof *b);
    if (!a || !b) goto fail;
    for (size_t i = 0; i < n; i++) {
        a[gd[i]]++;
        b[pd[i]]++;
        keys[i] = (uint64_t)gd[i] << 32 | pd[i];
    }
    qsort(keys, n, sizeof keys[0], cmp_u64);

    const double dn = (double)n;
    uint64_t gold_pairs = 0, pred_pairs = 0; /* sum_i C(a_i,2), sum_j C(b_j,2) <= C(n,2) */
    double h_g = 0.0, h_p = 0.0;
    for (uint32_t i = 0; i < kg; i++) {
        gold_pairs += pairs_of(a[i]);
        h_g -= ((double)a[i] / dn) * log((double)a[i] / dn);
    }
    for (uint32_t j = 0; j < kp; j++) {
        pred_pairs += pairs_of(b[j]);
        h_p -= ((double)b[j] / dn) * log((double)b[j] / dn);
    }

    /* Walk the non-zero cells. TP is summed exactly in integers. */
    uint64_t tp = 0;
    double bc_p = 0.0, bc_r = 0.0, mi = 0.0;
    for (size_t s = 0; s < n;) {
        size_t e = s + 1;
        while (e < n && keys[e] == keys[s]) e++;
        const uint64_t nij = e - s;
        const uint64_t ai = a[keys[s] >> 32], bj = b[keys[s] & 0xffffffffu];
        const double dij = (double)nij;
        tp += pairs_of(nij);
        bc_p += dij * dij / (double)bj;
        bc_r += dij * dij / (double)ai;
        mi += (dij / dn) * (log(dij) + log(dn) - log((double)ai) - log((double)bj));
        s = e;
    }

    /* Pairwise. */
    assert(tp <= pred_pairs && tp <= gold_pairs);
    out->pair_tp = tp;
    out->pair_fp = pred_pairs - tp;
    out->pair_fn = gold_pairs - tp;
    out->pair_precision = pred_pairs ? (double)tp / (double)pred_pairs : 1.0;
    out->pair_recall = gold_pairs ? (double)tp / (double)gold_pairs : 1.0;
    out->pair_f1 = f1_of(out->pair_precision, out->pair_recall);

    /* ARI in the pair-confusion form (equal to (TP - E) / (M - E), fewer cancellations). */
    if (out->pair_fp == 0 && out->pair_fn == 0) {
        out->ari = 1.0; /* the same pairs: identical partitions */
    } else {
        const double t = (double)tp, f_p = (double)out->pair_fp, f_n = (double)out->pair_fn;
        const double t_n = (double)(pairs_of(n) - tp - out->pair_fp - out->pair_fn);
        const double den = (t + f_n) * (f_n + t_n) + (t + f_p) * (f_p + t_n);
        assert(den > 0.0); /* den = 0 implies FP = FN = 0 */
        out->ari = 2.0 * (t * t_n - f_n * f_p) / den;
    }

    /* B-cubed. */
    out->bcubed_precision = bc_p / dn;
    out->bcubed_recall = bc_r / dn;
    out->bcubed_f1 = f1_of(out->bcubed_precision, out->bcubed_recall);

    /* NMI. */
    if (mi < 0.0) mi = 0.0; /* rounding */
    const double norm = (h_g + h_p) / 2.0;
    if (kg == kp && (kg == 1 || kg == n))
        out->nmi = 1.0; /* both one cluster or both all-singletons: identical partitions */
    else if (norm <= 0.0)
        out->nmi = 0.0; /* unreachable: norm = 0 needs kg = kp = 1 */
    else
        out->nmi = mi / norm > 1.0 ? 1.0 : mi / norm;

    out->n_gold_clusters = kg;
    out->n_pred_clusters = kp;
    st = RP_OK;
fail:
    rpi_free(NULL, keys);
    rpi_free(NULL, gd);
    rpi_free(NULL, pd);
    rpi_free(NULL, a);
    rpi_free(NULL, b);
    return st;
}
