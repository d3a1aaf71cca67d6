/* SPDX-License-Identifier: MIT */
/* test_align.c -- the passage aligner (rp_align.h): identical sequences, a planted shared
 * stretch found at its offsets, edits inside a stretch, 0 tokens, short input, parameter
 * checks, buffer reuse, and allocation failure at every k. */
#include <setjmp.h> /* cmocka */
#include <stdarg.h> /* cmocka */
#include <stddef.h> /* cmocka */
#include <stdint.h> /* uint32_t */
#include <string.h> /* memcpy */
#include <cmocka.h>
#include "reprint/rp_align.h"
#include "common/common_internal.h" /* rpi_fault_malloc_arm */

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t rng_state = 7;
static uint32_t rng_token(void)
{
    /* splitmix64, fixed seed; tokens 1..2^31 so random tokens almost never repeat */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)((z ^ (z >> 31)) & 0x7FFFFFFFu) + 1u;
}

static void fill(uint32_t *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        t[i] = rng_token();
}

/* a: 30 random, the 20-token stretch, 25 random; b: 12 random, the stretch, 40 random. */
enum { A_OFF = 30, B_OFF = 12, STRETCH = 20, NA = A_OFF + STRETCH + 25, NB = B_OFF + STRETCH + 40 };
static uint32_t g_a[NA], g_b[NB];

static void planted(void)
{
    fill(g_a, NA);
    fill(g_b, NB);
    memcpy(g_b + B_OFF, g_a + A_OFF, STRETCH * sizeof *g_a);
}

static void align(const rp_align_params *p, const uint32_t *a, size_t na, const uint32_t *b,
                  size_t nb, rp_passage *out, size_t cap, size_t *n)
{
    rp_aligner *al;
    assert_int_equal(rp_aligner_create(&al, p, NULL), RP_OK);
    const rp_passage *ps;
    assert_int_equal(rp_align(al, a, na, b, nb, &ps, n), RP_OK);
    assert_true(*n <= cap);
    if (*n > 0) memcpy(out, ps, *n * sizeof *ps);
    rp_aligner_free(al);
}

static void test_identical(void **state)
{
    (void)state;
    uint32_t t[100];
    fill(t, N_OF(t));
    rp_passage ps[4];
    size_t n;
    align(NULL, t, N_OF(t), t, N_OF(t), ps, N_OF(ps), &n);
    assert_int_equal(n, 1);
    assert_int_equal(ps[0].a_start, 0);
    assert_int_equal(ps[0].a_end, 100);
    assert_int_equal(ps[0].b_start, 0);
    assert_int_equal(ps[0].b_end, 100);
    assert_int_equal(ps[0].matched, 100);
}

static void test_planted_stretch(void **state)
{
    (void)state;
    planted();
    rp_passage ps[4];
    size_t n;
    align(NULL, g_a, NA, g_b, NB, ps, N_OF(ps), &n);
    assert_int_equal(n, 1);
    assert_int_equal(ps[0].a_start, A_OFF);
    assert_int_equal(ps[0].a_end, A_OFF + STRETCH);
    assert_int_equal(ps[0].b_start, B_OFF);
    assert_int_equal(ps[0].b_end, B_OFF + STRETCH);
    assert_int_equal(ps[0].matched, STRETCH);
    /* swapped texts: the same passage, mirrored */
    align(NULL, g_b, NB, g_a, NA, ps, N_OF(ps), &n);
    assert_int_equal(n, 1);
    assert_int_equal(ps[0].a_start, B_OFF);
    assert_int_equal(ps[0].b_start, A_OFF);
    assert_int_equal(ps[0].b_end, A_OFF + STRETCH);
}

/* One token substituted (at every position strictly inside the stretch) or one inserted:
 * still one passage, over the whole stretch when the edit is a seed away from both ends. */
static void test_edit_does_not_split(void **state)
{
    (void)state;
    rp_passage ps[4];
    size_t n;
    for (unsigned at = 1; at + 1 < STRETCH; at++) {
        planted();
        g_b[B_OFF + at] = rng_token();
        align(NULL, g_a, NA, g_b, NB, ps, N_OF(ps), &n);
        assert_int_equal(n, 1);
        assert_true(ps[0].matched < STRETCH);
        assert_true(ps[0].matched >= STRETCH - 3);
        if (at >= 3 && at + 3 < STRETCH) { /* a full seed (k = 3) on each side: exact */
            assert_int_equal(ps[0].a_start, A_OFF);
            assert_int_equal(ps[0].a_end, A_OFF + STRETCH);
            assert_int_equal(ps[0].b_start, B_OFF);
            assert_int_equal(ps[0].b_end, B_OFF + STRETCH);
        } else { /* near an end: that end stops at the edit */
            assert_int_equal(ps[0].a_start - A_OFF, ps[0].b_start - B_OFF);
            assert_true(ps[0].a_start == A_OFF || ps[0].a_start == A_OFF + at + 1);
            assert_true(ps[0].a_end == A_OFF + STRETCH || ps[0].a_end == A_OFF + at);
        }
    }
    /* an inserted token in b at position 10 of the stretch */
    planted();
    uint32_t b2[NB + 1];
    memcpy(b2, g_b, (B_OFF + 10) * sizeof *b2);
    b2[B_OFF + 10] = rng_token();
    memcpy(b2 + B_OFF + 11, g_b + B_OFF + 10, (NB - B_OFF - 10) * sizeof *b2);
    align(NULL, g_a, NA, b2, NB + 1, ps, N_OF(ps), &n);
    assert_int_equal(n, 1);
    assert_int_equal(ps[0].a_start, A_OFF);
    assert_int_equal(ps[0].a_end, A_OFF + STRETCH);
    assert_int_equal(ps[0].b_start, B_OFF);
    assert_int_equal(ps[0].b_end, B_OFF + STRETCH + 1);
}

static void test_two_stretches_in_order(void **state)
{
    (void)state;
    uint32_t a[120], b[120];
    fill(a, N_OF(a));
    fill(b, N_OF(b));
    memcpy(b + 70, a + 10, 25 * sizeof *a); /* crossing: a's first is b's second */
    memcpy(b + 5, a + 80, 15 * sizeof *a);
    rp_passage ps[4];
    size_t n;
    align(NULL, a, N_OF(a), b, N_OF(b), ps, N_OF(ps), &n);
    assert_int_equal(n, 2);
    assert_int_equal(ps[0].a_start, 10);
    assert_int_equal(ps[0].a_end, 35);
    assert_int_equal(ps[0].b_start, 70);
    assert_int_equal(ps[1].a_start, 80);
    assert_int_equal(ps[1].a_end, 95);
    assert_int_equal(ps[1].b_start, 5);
    assert_int_equal(ps[1].b_end, 20);
}

static void test_zero_never_matches(void **state)
{
    (void)state;
    uint32_t z[60] = {0};
    rp_passage ps[4];
    size_t n = 99;
    align(NULL, z, N_OF(z), z, N_OF(z), ps, N_OF(ps), &n);
    assert_int_equal(n, 0);
    /* every 3rd token 0: no window of 3 tokens without a 0, so no seed at all */
    uint32_t t[60];
    fill(t, N_OF(t));
    for (size_t i = 0; i < N_OF(t); i += 3)
        t[i] = 0;
    align(NULL, t, N_OF(t), t, N_OF(t), ps, N_OF(ps), &n);
    assert_int_equal(n, 0);
    /* zeros around a stretch do not extend the passage over them */
    planted();
    for (size_t i = 0; i < A_OFF; i++)
        g_a[i] = 0;
    for (size_t i = 0; i < B_OFF; i++)
        g_b[i] = 0;
    align(NULL, g_a, NA, g_b, NB, ps, N_OF(ps), &n);
    assert_int_equal(n, 1);
    assert_int_equal(ps[0].a_start, A_OFF);
    assert_int_equal(ps[0].b_start, B_OFF);
}

static void test_short_input(void **state)
{
    (void)state;
    uint32_t t[16];
    fill(t, N_OF(t));
    rp_align_params p;
    rp_align_params_default(&p);
    p.min_words = 1;
    rp_passage ps[4];
    size_t n = 99;
    for (size_t len = 0; len < p.seed; len++) { /* shorter than the seed k-gram */
        align(&p, t, len, t, len, ps, N_OF(ps), &n);
        assert_int_equal(n, 0);
        align(&p, t, len, t, N_OF(t), ps, N_OF(ps), &n);
        assert_int_equal(n, 0);
        align(&p, t, N_OF(t), t, len, ps, N_OF(ps), &n);
        assert_int_equal(n, 0);
    }
    align(&p, t, p.seed, t, p.seed, ps, N_OF(ps), &n); /* exactly one seed */
    assert_int_equal(n, 1);
    /* shorter than min_words (default 10): nothing */
    align(NULL, t, 9, t, 9, ps, N_OF(ps), &n);
    assert_int_equal(n, 0);
    align(NULL, t, 10, t, 10, ps, N_OF(ps), &n);
    assert_int_equal(n, 1);
}

static void test_params(void **state)
{
    (void)state;
    static const rp_align_params bad[] = {
        {0, 10, 4, 8},  {17, 10, 4, 8}, {3, 0, 4, 8},     {3, 1000001, 4, 8},
        {3, 10, 65, 8}, {3, 10, 4, 0},  {3, 10, 4, 4097},
    };
    for (size_t i = 0; i < N_OF(bad); i++) {
        rp_aligner *al = (rp_aligner *)&al;
        assert_int_equal(rp_aligner_create(&al, &bad[i], NULL), RP_E_INVALID);
        assert_null(al);
    }
    rp_aligner_free(NULL);
}

/* One aligner, many calls of different sizes: results equal those of a fresh aligner. */
static void test_reuse(void **state)
{
    (void)state;
    planted();
    rp_aligner *al;
    assert_int_equal(rp_aligner_create(&al, NULL, NULL), RP_OK);
    const rp_passage *ps;
    size_t n;
    uint32_t big[500];
    fill(big, N_OF(big));
    memcpy(big + 400, g_a + A_OFF, STRETCH * sizeof *big);
    assert_int_equal(rp_align(al, big, N_OF(big), big, N_OF(big), &ps, &n), RP_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ps[0].a_end, 500);
    assert_int_equal(rp_align(al, g_a, NA, g_b, NB, &ps, &n), RP_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ps[0].a_start, A_OFF);
    assert_int_equal(ps[0].b_start, B_OFF);
    assert_int_equal(rp_align(al, big, N_OF(big), g_b, NB, &ps, &n), RP_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ps[0].a_start, 400);
    assert_int_equal(ps[0].b_start, B_OFF);
    rp_aligner_free(al);
}

/* Fail the k-th allocation for every k: RP_E_NOMEM with *out NULL and *n 0 (no leak under
 * ASan), or success with the same passages once k is past the last allocation. */
static void test_alloc_failure(void **state)
{
    (void)state;
    planted();
    memcpy(g_b + B_OFF + STRETCH + 5, g_a, 15 * sizeof *g_a); /* a second passage */
    rp_passage ref[4];
    size_t n_ref;
    align(NULL, g_a, NA, g_b, NB, ref, N_OF(ref), &n_ref);
    assert_int_equal(n_ref, 2);
    int failures = 0, done = 0;
    for (long k = 1; k < 1000 && !done; k++) {
        rpi_fault_malloc_arm(k);
        rp_aligner *al = NULL;
        rp_status st = rp_aligner_create(&al, NULL, NULL);
        const rp_passage *ps = (const rp_passage *)&st;
        size_t n = 99;
        if (st == RP_OK) st = rp_align(al, g_a, NA, g_b, NB, &ps, &n);
        const long calls = rpi_fault_malloc_calls();
        rpi_fault_malloc_arm(0);
        if (st == RP_OK) {
            assert_true(calls < k); /* success only when no allocation failed */
            assert_int_equal(n, n_ref);
            assert_memory_equal(ps, ref, n * sizeof *ps);
            done = 1;
        } else {
            assert_int_equal(st, RP_E_NOMEM);
            if (al) {
                assert_null(ps);
                assert_int_equal(n, 0);
            } else {
                assert_int_equal(k, 1);
            }
            failures++;
        }
        rp_aligner_free(al);
    }
    assert_true(done);
    assert_true(failures >= 5); /* the aligner itself and its seed, hit, chain, output arrays */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identical),
        cmocka_unit_test(test_planted_stretch),
        cmocka_unit_test(test_edit_does_not_split),
        cmocka_unit_test(test_two_stretches_in_order),
        cmocka_unit_test(test_zero_never_matches),
        cmocka_unit_test(test_short_input),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_reuse),
        cmocka_unit_test(test_alloc_failure),
    };
    return cmocka_run_group_tests_name("align", tests, NULL, NULL);
}
