/* SPDX-License-Identifier: MIT */
/* test_eval.c -- rp_eval_labels: hand-computed cases (perfect, all-merged, all-split, the
 * Manning et al. textbook example), degenerate inputs, a naive O(n^2) cross-check on random
 * labelings, and allocation failure. */
#include <math.h>    /* log, fabs */
#include <setjmp.h>  /* jmp_buf (cmocka) */
#include <stdarg.h>  /* va_list (cmocka) */
#include <stddef.h>  /* size_t (cmocka) */
#include <stdint.h>  /* uint32_t, UINT32_MAX */
#include <stdlib.h>  /* malloc, free */
#include <cmocka.h>  /* cmocka_unit_test, assert_* */
#include "common/common_internal.h" /* rpi_fault_malloc_arm */
#include "reprint/rp_eval.h"        /* rp_eval_labels */

#define EPS 1e-12
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void assert_close(double got, double want, const char *what)
{
    if (fabs(got - want) > EPS) fail_msg("%s: got %.17g, want %.17g", what, got, want);
}

static rp_eval_scores score(const uint32_t *g, const uint32_t *p, size_t n)
{
    rp_eval_scores s;
    assert_int_equal(rp_eval_labels(g, p, n, &s), RP_OK);
    assert_int_equal(s.n_items, n);
    assert_int_equal(s.n_gold_only, 0);
    assert_int_equal(s.n_pred_only, 0);
    return s;
}

static void assert_all_one(const rp_eval_scores *s)
{
    assert_int_equal(s->pair_fp, 0);
    assert_int_equal(s->pair_fn, 0);
    assert_close(s->pair_precision, 1.0, "pair P");
    assert_close(s->pair_recall, 1.0, "pair R");
    assert_close(s->pair_f1, 1.0, "pair F1");
    assert_close(s->ari, 1.0, "ARI");
    assert_close(s->bcubed_precision, 1.0, "B3 P");
    assert_close(s->bcubed_recall, 1.0, "B3 R");
    assert_close(s->bcubed_f1, 1.0, "B3 F1");
    assert_close(s->nmi, 1.0, "NMI");
}

/* Same partition under different, arbitrary label values (0 and UINT32_MAX included). */
static void test_perfect(void **state)
{
    (void)state;
    const uint32_t g[] = {5, 5, 9, 9, 9, 1, 0, UINT32_MAX, UINT32_MAX};
    const uint32_t p[] = {UINT32_MAX, UINT32_MAX, 0, 0, 0, 77, 3, 12345678, 12345678};
    const rp_eval_scores s = score(g, p, N_OF(g));
    assert_all_one(&s);
    /* Gold pairs: C(2,2) + C(3,2) + C(2,2) = 5. */
    assert_int_equal(s.pair_tp, 5);
    assert_int_equal(s.n_gold_clusters, 5);
    assert_int_equal(s.n_pred_clusters, 5);
}

/*
 * Gold {0,1,2} {3,4} {5}; prediction puts all 6 items together.
 *   TP = 3 + 1 = 4, predicted pairs C(6,2) = 15 -> FP = 11, FN = 0.
 *   P = 4/15, R = 1, F1 = 2 (4/15) / (19/15) = 8/19.
 *   ARI: E = 4 * 15 / 15 = 4 = TP -> ARI = 0.
 *   B-cubed P = (1/6)(3 * 3/6 + 2 * 2/6 + 1 * 1/6) = (1/6)(14/6) = 7/18; R = 1;
 *   F1 = 2 (7/18) / (25/18) = 14/25.
 *   NMI: H(P) = 0 so MI = 0 -> NMI = 0.
 */
static void test_all_merged(void **state)
{
    (void)state;
    const uint32_t g[] = {10, 10, 10, 20, 20, 30};
    const uint32_t p[] = {4, 4, 4, 4, 4, 4};
    const rp_eval_scores s = score(g, p, N_OF(g));
    assert_int_equal(s.pair_tp, 4);
    assert_int_equal(s.pair_fp, 11);
    assert_int_equal(s.pair_fn, 0);
    assert_close(s.pair_precision, 4.0 / 15.0, "pair P");
    assert_close(s.pair_recall, 1.0, "pair R");
    assert_close(s.pair_f1, 8.0 / 19.0, "pair F1");
    assert_close(s.ari, 0.0, "ARI");
    assert_close(s.bcubed_precision, 7.0 / 18.0, "B3 P");
    assert_close(s.bcubed_recall, 1.0, "B3 R");
    assert_close(s.bcubed_f1, 14.0 / 25.0, "B3 F1");
    assert_close(s.nmi, 0.0, "NMI");
    assert_int_equal(s.n_gold_clusters, 3);
    assert_int_equal(s.n_pred_clusters, 1);
}

/*
 * Same gold; prediction puts every item alone.
 *   TP = 0, FP = 0, FN = 4. P = 1 (no predicted pair: convention), R = 0, F1 = 0.
 *   ARI: sum_j C(b_j,2) = 0 -> E = 0, M = 2 -> ARI = 0.
 *   B-cubed P = 1, R = (1/6)(3 * 1/3 + 2 * 1/2 + 1) = 3/6 = 1/2 (= clusters/items),
 *   F1 = 2 (1/2) / (3/2) = 2/3.
 *   NMI: every predicted cluster is pure, so MI = H(G);
 *   H(G) = -(1/2 ln 1/2 + 1/3 ln 1/3 + 1/6 ln 1/6), H(P) = ln 6,
 *   NMI = 2 H(G) / (H(G) + ln 6) = 0.72161625984...  (python3)
 */
static void test_all_split(void **state)
{
    (void)state;
    const uint32_t g[] = {10, 10, 10, 20, 20, 30};
    const uint32_t p[] = {1, 2, 3, 4, 5, 6};
    const rp_eval_scores s = score(g, p, N_OF(g));
    assert_int_equal(s.pair_tp, 0);
    assert_int_equal(s.pair_fp, 0);
    assert_int_equal(s.pair_fn, 4);
    assert_close(s.pair_precision, 1.0, "pair P");
    assert_close(s.pair_recall, 0.0, "pair R");
    assert_close(s.pair_f1, 0.0, "pair F1");
    assert_close(s.ari, 0.0, "ARI");
    assert_close(s.bcubed_precision, 1.0, "B3 P");
    assert_close(s.bcubed_recall, 0.5, "B3 R");
    assert_close(s.bcubed_f1, 2.0 / 3.0, "B3 F1");
    const double hg = -(0.5 * log(0.5) + log(1.0 / 3.0) / 3.0 + log(1.0 / 6.0) / 6.0);
    assert_close(s.nmi, 2.0 * hg / (hg + log(6.0)), "NMI");
    assert_true(fabs(s.nmi - 0.7216162598) < 1e-9);
    assert_int_equal(s.n_pred_clusters, 6);
}

/*
 * Manning, Raghavan & Schuetze, Introduction to Information Retrieval (2008), fig. 16.4 and
 * sec. 16.3: 17 items, three predicted clusters
 *   cluster 1: x x x x x o      cluster 2: x o o o o d      cluster 3: x x d d d
 * The book gives TP = 20, FP = 20, FN = 24, TN = 72, RI = 0.68, F1 = 0.48, NMI = 0.36.
 *   P = 20/40 = 1/2, R = 20/44 = 5/11, F1 = 2 (1/2)(5/11) / (1/2 + 5/11) = 10/21.
 *   ARI: sum_i C(a_i,2) = C(8,2) + C(5,2) + C(4,2) = 44, sum_j C(b_j,2) = 15 + 15 + 10 = 40,
 *        C(17,2) = 136, E = 44 * 40 / 136 = 220/17, M = 42,
 *        ARI = (20 - 220/17) / (42 - 220/17) = 120/494 = 60/247 = 0.2429149797...
 *   B-cubed P = (1/17)(5 * 5/6 + 1/6 + 1/6 + 4 * 4/6 + 1/6 + 2 * 2/5 + 3 * 3/5)
 *             = (1/17)(44/6 + 13/5) = 149/255 = 0.5843137...
 *   B-cubed R = (1/17)(5 * 5/8 + 1/8 + 2 * 2/8 + 1/5 + 4 * 4/5 + 1/4 + 3 * 3/4)
 *             = (1/17)(30/8 + 17/5 + 10/4) = 193/340 = 0.5676470...
 *   NMI (arithmetic mean, as the book defines it), checked numerically in python3:
 *     MI = sum_ij (n_ij/17) ln(17 n_ij / (a_i b_j)) = 0.39193662057259...
 *     H(G) = 1.05510161816864..., H(P) = 1.09507786212050...
 *     NMI = MI / ((H(G) + H(P)) / 2) = 0.36456177185718985
 */
static void test_textbook(void **state)
{
    (void)state;
    enum { X = 1000, O = 7, D = 0 };
    const uint32_t g[] = {X, X, X, X, X, O, X, O, O, O, O, D, X, X, D, D, D};
    const uint32_t p[] = {1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3};
    const rp_eval_scores s = score(g, p, N_OF(g));
    assert_int_equal(s.pair_tp, 20);
    assert_int_equal(s.pair_fp, 20);
    assert_int_equal(s.pair_fn, 24);
    assert_close(s.pair_precision, 0.5, "pair P");
    assert_close(s.pair_recall, 5.0 / 11.0, "pair R");
    assert_close(s.pair_f1, 10.0 / 21.0, "pair F1");
    assert_close(s.ari, 60.0 / 247.0, "ARI");
    assert_close(s.bcubed_precision, 149.0 / 255.0, "B3 P");
    assert_close(s.bcubed_recall, 193.0 / 340.0, "B3 R");
    const double bp = 149.0 / 255.0, br = 193.0 / 340.0;
    assert_close(s.bcubed_f1, 2.0 * bp * br / (bp + br), "B3 F1");
    assert_close(s.nmi, 0.36456177185718985, "NMI");
    assert_int_equal(s.n_gold_clusters, 3);
    assert_int_equal(s.n_pred_clusters, 3);
}

/*
 * Gold {0,1,2} {3,4} {5}; prediction {0,1} {2,3,4,5}.
 *   n_ij: (g0,p0) = 2, (g0,p1) = 1, (g1,p1) = 2, (g2,p1) = 1.
 *   TP = 1 + 1 = 2, predicted pairs 1 + 6 = 7 -> FP = 5, gold pairs 3 + 1 = 4 -> FN = 2.
 *   ARI: E = 4 * 7 / 15 = 28/15, M = 11/2, ARI = (2 - 28/15) / (11/2 - 28/15) = 4/109.
 *   B-cubed P = (1/6)(2 * 2/2 + 1/4 + 2 * 2/4 + 1/4) = (1/6)(7/2) = 7/12,
 *   B-cubed R = (1/6)(2 * 2/3 + 1/3 + 2 * 2/2 + 1) = (1/6)(14/3) = 7/9, F1 = 2/3.
 *   NMI = 0.38625344285713004 (python3, same formula as the textbook case).
 */
static void test_small(void **state)
{
    (void)state;
    const uint32_t g[] = {1, 1, 1, 2, 2, 3};
    const uint32_t p[] = {7, 7, 9, 9, 9, 9};
    const rp_eval_scores s = score(g, p, N_OF(g));
    assert_int_equal(s.pair_tp, 2);
    assert_int_equal(s.pair_fp, 5);
    assert_int_equal(s.pair_fn, 2);
    assert_close(s.pair_precision, 2.0 / 7.0, "pair P");
    assert_close(s.pair_recall, 0.5, "pair R");
    assert_close(s.pair_f1, 4.0 / 11.0, "pair F1");
    assert_close(s.ari, 4.0 / 109.0, "ARI");
    assert_close(s.bcubed_precision, 7.0 / 12.0, "B3 P");
    assert_close(s.bcubed_recall, 7.0 / 9.0, "B3 R");
    assert_close(s.bcubed_f1, 2.0 / 3.0, "B3 F1");
    assert_close(s.nmi, 0.38625344285713004, "NMI");
}

/* Degenerate partitions: both one cluster, both all-singletons, n = 1, n = 0. */
static void test_degenerate(void **state)
{
    (void)state;
    const uint32_t one_a[] = {3, 3, 3, 3}, one_b[] = {8, 8, 8, 8};
    rp_eval_scores s = score(one_a, one_b, 4);
    assert_all_one(&s);
    assert_int_equal(s.pair_tp, 6);

    const uint32_t split_a[] = {0, 1, 2, 3}, split_b[] = {40, 30, 20, 10};
    s = score(split_a, split_b, 4);
    assert_all_one(&s);
    assert_int_equal(s.pair_tp, 0);

    s = score(one_a, split_b, 1);
    assert_all_one(&s);

    s = score(NULL, NULL, 0);
    assert_all_one(&s);
    assert_int_equal(s.n_gold_clusters, 0);

    /* One side all-singletons, the other one cluster: total disagreement. */
    s = score(one_a, split_b, 4);
    assert_close(s.ari, 0.0, "ARI");
    assert_close(s.nmi, 0.0, "NMI");
    assert_close(s.pair_precision, 1.0, "pair P");
    assert_close(s.pair_recall, 0.0, "pair R");
}

static void test_invalid(void **state)
{
    (void)state;
    const uint32_t g[] = {1, 2};
    rp_eval_scores s;
    assert_int_equal(rp_eval_labels(g, g, 2, NULL), RP_E_INVALID);
    assert_int_equal(rp_eval_labels(NULL, g, 2, &s), RP_E_INVALID);
    assert_int_equal(rp_eval_labels(g, NULL, 2, &s), RP_E_INVALID);
}

/* ---- naive reference: every pair, every item ------------------------------------------- */

static uint32_t lcg(uint64_t *x)
{
    *x = *x * 6364136223846793005u + 1442695040888963407u;
    return (uint32_t)(*x >> 33);
}

static void naive(const uint32_t *g, const uint32_t *p, size_t n, rp_eval_scores *s)
{
    uint64_t tp = 0, fp = 0, fn = 0, tn = 0;
    double bp = 0.0, br = 0.0;
    for (size_t i = 0; i < n; i++) {
        size_t both = 0, same_p = 0, same_g = 0;
        for (size_t j = 0; j < n; j++) {
            both += g[i] == g[j] && p[i] == p[j];
            same_p += p[i] == p[j];
            same_g += g[i] == g[j];
            if (j <= i) continue;
            if (g[i] == g[j] && p[i] == p[j]) tp++;
            else if (p[i] == p[j]) fp++;
            else if (g[i] == g[j]) fn++;
            else tn++;
        }
        bp += (double)both / (double)same_p;
        br += (double)both / (double)same_g;
    }
    s->pair_tp = tp;
    s->pair_fp = fp;
    s->pair_fn = fn;
    /* ARI from the Rand-index form: (RI - E[RI]) / (1 - E[RI]) with the pair counts. */
    const double np = (double)(tp + fp + fn + tn);
    const double sa = (double)(tp + fn), sb = (double)(tp + fp);
    const double e = sa * sb / np, m = (sa + sb) / 2.0;
    s->ari = m == e ? 1.0 : ((double)tp - e) / (m - e);
    s->bcubed_precision = bp / (double)n;
    s->bcubed_recall = br / (double)n;
}

/* NMI by a dense contingency table over small label ranges. */
static double naive_nmi(const uint32_t *g, const uint32_t *p, size_t n, uint32_t range)
{
    double *t = calloc((size_t)range * range, sizeof *t);
    double *a = calloc(range, sizeof *a), *b = calloc(range, sizeof *b);
    assert_non_null(t);
    assert_non_null(a);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++) {
        t[g[i] * range + p[i]] += 1.0;
        a[g[i]] += 1.0;
        b[p[i]] += 1.0;
    }
    const double dn = (double)n;
    double mi = 0.0, hg = 0.0, hp = 0.0;
    size_t kg = 0, kp = 0;
    for (uint32_t i = 0; i < range; i++) {
        if (a[i] > 0) hg -= a[i] / dn * log(a[i] / dn), kg++;
        if (b[i] > 0) hp -= b[i] / dn * log(b[i] / dn), kp++;
        for (uint32_t j = 0; j < range; j++) {
            const double c = t[i * range + j];
            if (c > 0) mi += c / dn * log(dn * c / (a[i] * b[j]));
        }
    }
    free(t);
    free(a);
    free(b);
    if (kg == kp && (kg == 1 || kg == n)) return 1.0;
    return mi / ((hg + hp) / 2.0);
}

static void test_random_vs_naive(void **state)
{
    (void)state;
    uint64_t seed = 42;
    enum { MAX_N = 300 };
    uint32_t g[MAX_N], p[MAX_N];
    for (int round = 0; round < 200; round++) {
        const size_t n = 2 + lcg(&seed) % (MAX_N - 1);
        const uint32_t range_g = 1 + lcg(&seed) % 40, range_p = 1 + lcg(&seed) % 40;
        const uint32_t range = range_g > range_p ? range_g : range_p;
        for (size_t i = 0; i < n; i++) {
            g[i] = lcg(&seed) % range_g;
            p[i] = lcg(&seed) % 3 ? g[i] % range_p : lcg(&seed) % range_p; /* correlated */
        }
        rp_eval_scores want;
        naive(g, p, n, &want);
        const rp_eval_scores s = score(g, p, n);
        assert_int_equal(s.pair_tp, want.pair_tp);
        assert_int_equal(s.pair_fp, want.pair_fp);
        assert_int_equal(s.pair_fn, want.pair_fn);
        if (fabs(s.ari - want.ari) > 1e-9)
            fail_msg("round %d ARI %g vs %g", round, s.ari, want.ari);
        if (fabs(s.bcubed_precision - want.bcubed_precision) > 1e-9 ||
            fabs(s.bcubed_recall - want.bcubed_recall) > 1e-9)
            fail_msg("round %d B-cubed", round);
        const double nmi = naive_nmi(g, p, n, range);
        if (fabs(s.nmi - nmi) > 1e-9) fail_msg("round %d NMI %g vs %g", round, s.nmi, nmi);
        assert_true(s.ari <= 1.0 + 1e-12 && s.nmi >= 0.0 && s.nmi <= 1.0);
    }
}

/* Fail each allocation in turn: RP_E_NOMEM, no leak (ASan), then success once disarmed. */
static void test_alloc_failure(void **state)
{
    (void)state;
    const uint32_t g[] = {1, 1, 2, 2, 3};
    const uint32_t p[] = {5, 5, 5, 6, 6};
    rp_eval_scores s;
    rpi_fault_malloc_arm(0);
    assert_int_equal(rp_eval_labels(g, p, 5, &s), RP_OK);
    const long calls = rpi_fault_malloc_calls();
    assert_true(calls > 0);
    for (long k = 1; k <= calls; k++) {
        rpi_fault_malloc_arm(k);
        assert_int_equal(rp_eval_labels(g, p, 5, &s), RP_E_NOMEM);
    }
    rpi_fault_malloc_arm(0);
    assert_int_equal(rp_eval_labels(g, p, 5, &s), RP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_perfect),
        cmocka_unit_test(test_all_merged),
        cmocka_unit_test(test_all_split),
        cmocka_unit_test(test_textbook),
        cmocka_unit_test(test_small),
        cmocka_unit_test(test_degenerate),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_random_vs_naive),
        cmocka_unit_test(test_alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
