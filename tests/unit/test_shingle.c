/* SPDX-License-Identifier: MIT */
/* test_shingle.c -- rp_shingles: counts, short documents, order sensitivity, seeds, and the
 * bit balance the MinHash stage relies on. */
#include <stdarg.h>  /* cmocka needs these four */
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>  /* strlen */
#include "reprint/rp_normalize.h"

/* Shingles of a text under the default flags with the given seed; returns the count. */
static size_t shingles_of(const char *text, uint64_t seed, unsigned ngram, uint64_t *out,
                          size_t out_cap)
{
    rp_norm_params p;
    rp_norm_params_default(&p);
    p.seed = seed;
    rp_normalizer *n;
    assert_int_equal(rp_normalizer_create(&n, &p, NULL), RP_OK);
    rp_norm_result r;
    assert_int_equal(rp_normalizer_run(n, text, strlen(text), &r), RP_OK);
    assert_true(out_cap >= (r.n_tokens ? r.n_tokens : 1));
    size_t k = rp_shingles(r.tokens, r.n_tokens, ngram, out);
    rp_normalizer_free(n);
    return k;
}

static void test_counts(void **state)
{
    (void)state;
    static const struct {
        size_t n_tokens;
        unsigned ngram;
        size_t want;
    } cases[] = {
        {10, 3, 8}, {10, 1, 10}, {10, 10, 1}, {10, 11, 1}, {2, 5, 1},
        {1, 5, 1},  {0, 5, 0},   {0, 1, 0},   {5, 5, 1},   {6, 5, 2},
    };
    rp_token toks[16];
    memset(toks, 0, sizeof toks);
    for (size_t i = 0; i < 16; i++) toks[i].hash = i * 0x1234567ULL;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t out[16];
        size_t k = rp_shingles(toks, cases[i].n_tokens, cases[i].ngram, out);
        if (k != cases[i].want)
            fail_msg("n=%zu ngram=%u: %zu shingles, want %zu", cases[i].n_tokens,
                     cases[i].ngram, k, cases[i].want);
    }
}

static void test_same_window_same_hash(void **state)
{
    (void)state;
    uint64_t out[16];
    /* windows 0 and 4 are both "a b c", spelled differently */
    size_t k = shingles_of("a b c x A, B. C!", 0, 3, out, 16);
    assert_int_equal(k, 5);
    assert_true(out[0] == out[4]);
    assert_true(out[0] != out[1] && out[1] != out[2] && out[0] != out[2]);
}

static void test_order_matters(void **state)
{
    (void)state;
    static const char *const texts[] = {"a b c", "c b a", "b a c", "a c b", "a a b", "a b b"};
    uint64_t h[6];
    for (size_t i = 0; i < 6; i++) {
        uint64_t out[4];
        assert_int_equal(shingles_of(texts[i], 0, 3, out, 4), 1);
        h[i] = out[0];
    }
    for (size_t i = 0; i < 6; i++)
        for (size_t j = i + 1; j < 6; j++)
            if (h[i] == h[j]) fail_msg("'%s' and '%s' share a shingle", texts[i], texts[j]);
}

static void test_short_document(void **state)
{
    (void)state;
    uint64_t a[4], b[4], c[8];
    assert_int_equal(shingles_of("alpha beta", 0, 5, a, 4), 1);
    assert_int_equal(shingles_of("Alpha, BETA!", 0, 5, b, 4), 1);
    assert_true(a[0] == b[0]);
    assert_int_equal(shingles_of("beta alpha", 0, 5, b, 4), 1);
    assert_true(a[0] != b[0]);
    /* one token: still one shingle, and it is not the raw token hash */
    assert_int_equal(shingles_of("alpha", 0, 5, b, 4), 1);
    assert_true(a[0] != b[0]);
    assert_int_equal(shingles_of("", 0, 5, c, 8), 0);
    assert_int_equal(shingles_of(" ,. ", 0, 5, c, 8), 0);
}

static void test_seeds_differ(void **state)
{
    (void)state;
    static const char text[] = "the quick brown fox jumps over the lazy dog";
    uint64_t a[16], b[16];
    size_t ka = shingles_of(text, 0, 4, a, 16), kb = shingles_of(text, 1, 4, b, 16);
    assert_int_equal(ka, 6);
    assert_int_equal(kb, 6);
    for (size_t i = 0; i < ka; i++) assert_true(a[i] != b[i]);
    uint64_t c[16];
    assert_int_equal(shingles_of(text, 0, 4, c, 16), 6);
    assert_memory_equal(a, c, sizeof(uint64_t) * 6); /* deterministic */
}

/* Consecutive small token hashes (worst case for a weak mix) give balanced output bits,
 * top and bottom alike. */
static void test_bit_balance(void **state)
{
    (void)state;
    enum { N = 20000 };
    static rp_token toks[N + 4];
    static uint64_t out[N + 4];
    memset(toks, 0, sizeof toks);
    for (size_t i = 0; i < N + 4; i++) toks[i].hash = i;
    size_t k = rp_shingles(toks, N + 4, 5, out);
    assert_int_equal(k, N);
    for (unsigned bit = 0; bit < 64; bit++) {
        size_t ones = 0;
        for (size_t i = 0; i < k; i++) ones += (out[i] >> bit) & 1;
        if (ones < N * 45 / 100 || ones > N * 55 / 100)
            fail_msg("bit %u set in %zu of %d shingles", bit, ones, N);
    }
    /* the top 8 bits (MinHash bins) hit every value */
    static unsigned seen[256];
    for (size_t i = 0; i < k; i++) seen[out[i] >> 56]++;
    for (unsigned v = 0; v < 256; v++) assert_true(seen[v] > N / 256 / 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),         cmocka_unit_test(test_same_window_same_hash),
        cmocka_unit_test(test_order_matters),  cmocka_unit_test(test_short_document),
        cmocka_unit_test(test_seeds_differ),   cmocka_unit_test(test_bit_balance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
