/* SPDX-License-Identifier: MIT */
/* test_sketch.c -- MinHash (one-permutation hashing + densification) and LSH parameters:
 * estimates fall within tolerance of exact Jaccard; signatures are deterministic. */
#include <setjmp.h> /* cmocka */
#include <stdarg.h> /* cmocka */
#include <stddef.h> /* cmocka */
#include <stdint.h> /* uint64_t */
#include <math.h>   /* fabs */
#include <stdlib.h> /* malloc */
#include <cmocka.h>
#include "reprint/rp_sketch.h"

static uint64_t rng_state = 42;
static uint64_t rng(void)
{
    /* splitmix64: a fixed-seed generator for test data */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Two sets with exactly `shared` common elements out of union size `uni`. */
static void make_sets(uint64_t *a, size_t *na, uint64_t *b, size_t *nb, size_t shared,
                      size_t only_a, size_t only_b)
{
    *na = *nb = 0;
    for (size_t i = 0; i < shared; i++) {
        const uint64_t x = rng();
        a[(*na)++] = x;
        b[(*nb)++] = x;
    }
    for (size_t i = 0; i < only_a; i++) a[(*na)++] = rng();
    for (size_t i = 0; i < only_b; i++) b[(*nb)++] = rng();
}

static void test_estimate_tolerance(void **state)
{
    (void)state;
    /* table: shared, only_a, only_b -> exact J = shared / (shared + only_a + only_b) */
    static const size_t cases[][3] = {
        {500, 0, 0}, {400, 50, 50}, {250, 125, 125}, {100, 200, 200}, {10, 300, 300},
        {20, 0, 0}, {6, 2, 2}, {300, 300, 0}, {1, 1000, 0}, {2000, 500, 500},
    };
    uint64_t *a = malloc(4000 * sizeof *a), *b = malloc(4000 * sizeof *b);
    rp_minhash_params p;
    rp_minhash_params_default(&p);
    p.num_perm = 256;
    uint32_t sa[256], sb[256];
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        /* average over 20 trials: the mean estimate must be within 0.04 of the truth and
         * each single estimate within 5 standard deviations */
        double sum = 0;
        const double j = (double)cases[c][0] / (double)(cases[c][0] + cases[c][1] + cases[c][2]);
        const double sd = sqrt(j * (1 - j) / p.num_perm) + 0.01;
        for (int t = 0; t < 20; t++) {
            size_t na, nb;
            make_sets(a, &na, b, &nb, cases[c][0], cases[c][1], cases[c][2]);
            p.seed = (uint64_t)t;
            assert_int_equal(rp_minhash(&p, a, na, sa), RP_OK);
            assert_int_equal(rp_minhash(&p, b, nb, sb), RP_OK);
            const double est = rp_minhash_similarity(sa, sb, p.num_perm);
            assert_true(fabs(est - j) <= 5 * sd);
            sum += est;
        }
        assert_true(fabs(sum / 20 - j) <= 0.04);
    }
    free(a);
    free(b);
}

static void test_identical_and_empty(void **state)
{
    (void)state;
    uint64_t s[3] = {1, 2, 3};
    uint64_t r[3] = {3, 1, 2}; /* order and duplicates do not matter */
    uint64_t d[4] = {1, 2, 3, 3};
    rp_minhash_params p;
    rp_minhash_params_default(&p);
    uint32_t a[128], b[128], c[128];
    assert_int_equal(rp_minhash(&p, s, 3, a), RP_OK);
    assert_int_equal(rp_minhash(&p, r, 3, b), RP_OK);
    assert_int_equal(rp_minhash(&p, d, 4, c), RP_OK);
    assert_true(rp_minhash_similarity(a, b, 128) == 1.0);
    assert_true(rp_minhash_similarity(a, c, 128) == 1.0);
    assert_int_equal(rp_minhash(&p, s, 0, a), RP_DONE);
    for (int i = 0; i < 128; i++) assert_int_equal(a[i], RP_MINHASH_EMPTY);
    p.num_perm = 4; /* out of range */
    assert_int_equal(rp_minhash(&p, s, 3, a), RP_E_INVALID);
}

static void test_seed_changes_signature(void **state)
{
    (void)state;
    uint64_t s[50];
    for (int i = 0; i < 50; i++) s[i] = rng();
    rp_minhash_params p;
    rp_minhash_params_default(&p);
    uint32_t a[128], b[128];
    rp_minhash(&p, s, 50, a);
    p.seed = 1;
    rp_minhash(&p, s, 50, b);
    assert_true(rp_minhash_similarity(a, b, 128) < 0.2);
}

static void test_classic_agrees(void **state)
{
    (void)state;
    uint64_t a[400], b[400];
    size_t na, nb;
    make_sets(a, &na, b, &nb, 200, 100, 100); /* J = 0.5 */
    rp_minhash_params p;
    rp_minhash_params_default(&p);
    p.num_perm = 512;
    uint32_t sa[512], sb[512];
    rp_minhash_classic(&p, a, na, sa);
    rp_minhash_classic(&p, b, nb, sb);
    assert_true(fabs(rp_minhash_similarity(sa, sb, 512) - 0.5) < 0.1);
}

static void test_jaccard_sorted(void **state)
{
    (void)state;
    const uint64_t a[] = {1, 3, 5, 7}, b[] = {3, 4, 5, 6, 7};
    assert_true(fabs(rp_jaccard_sorted(a, 4, b, 5) - 3.0 / 6.0) < 1e-12);
    assert_true(rp_jaccard_sorted(a, 0, b, 0) == 0.0);
    assert_true(rp_jaccard_sorted(a, 4, a, 4) == 1.0);
}

static void test_lsh_params(void **state)
{
    (void)state;
    /* the S-curve's midpoint (1/b)^(1/r) should sit near the threshold, a bit below it */
    static const double thresholds[] = {0.3, 0.5, 0.7, 0.8, 0.9};
    for (size_t i = 0; i < 5; i++) {
        uint32_t b, r;
        rp_lsh_params(thresholds[i], 128, 0.75, &b, &r);
        assert_true(b * r <= 128);
        const double mid = pow(1.0 / b, 1.0 / r);
        assert_true(mid < thresholds[i] + 0.05);
        assert_true(mid > thresholds[i] - 0.25);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_estimate_tolerance),
        cmocka_unit_test(test_identical_and_empty),
        cmocka_unit_test(test_seed_changes_signature),
        cmocka_unit_test(test_classic_agrees),
        cmocka_unit_test(test_jaccard_sorted),
        cmocka_unit_test(test_lsh_params),
    };
    return cmocka_run_group_tests_name("sketch", tests, NULL, NULL);
}
