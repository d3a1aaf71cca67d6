/* SPDX-License-Identifier: MIT */
/* test_sort.c -- common/sort.c: the radix sorts and the small quicksorts against qsort on
 * random, sorted, reversed, constant and few-distinct inputs of many sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/common_internal.h"

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int cmp64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp32(const void *a, const void *b)
{
    const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void fill(uint64_t *a, size_t n, int kind)
{
    for (size_t i = 0; i < n; i++) {
        switch (kind) {
        case 0: a[i] = next(); break;
        case 1: a[i] = i; break;
        case 2: a[i] = n - i; break;
        case 3: a[i] = 42; break;
        default: a[i] = next() % 5 << 40; break; /* few distinct, high digits only */
        }
    }
}

static void test_u64(void **state)
{
    (void)state;
    const size_t sizes[] = {0, 1, 2, 3, 16, 17, 100, 4095, 4096, 5000, 100000};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
        for (int kind = 0; kind < 5; kind++) {
            const size_t n = sizes[s];
            uint64_t *a = malloc((n + 1) * sizeof *a), *b = malloc((n + 1) * sizeof *b);
            assert_non_null(a);
            assert_non_null(b);
            fill(a, n, kind);
            memcpy(b, a, n * sizeof *a);
            assert_int_equal(rpi_sort_u64(NULL, a, n), RP_OK);
            qsort(b, n, sizeof *b, cmp64);
            if (n) assert_memory_equal(a, b, n * sizeof *a);
            fill(a, n, kind);
            memcpy(b, a, n * sizeof *a);
            rpi_qsort_u64(a, n);
            qsort(b, n, sizeof *b, cmp64);
            if (n) assert_memory_equal(a, b, n * sizeof *a);
            uint64_t *tmp = malloc((n + 1) * sizeof *tmp);
            assert_non_null(tmp);
            fill(a, n, kind);
            memcpy(b, a, n * sizeof *a);
            rpi_radix_u64(a, tmp, n, 0);
            qsort(b, n, sizeof *b, cmp64);
            if (n) assert_memory_equal(a, b, n * sizeof *a);
            free(tmp);
            free(a);
            free(b);
        }
}

/* By the high half only, stably: keys whose low half is their input position come out in
 * full order, and equal high halves keep input order. */
static void test_radix_high_half(void **state)
{
    (void)state;
    const size_t sizes[] = {0, 1, 2, 31, 32, 33, 300, 5000};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        const size_t n = sizes[s];
        uint64_t *a = malloc((n + 1) * sizeof *a), *b = malloc((n + 1) * sizeof *b);
        uint64_t *tmp = malloc((n + 1) * sizeof *tmp);
        assert_non_null(a);
        assert_non_null(b);
        assert_non_null(tmp);
        for (size_t i = 0; i < n; i++)
            a[i] = (next() % (n / 4 + 2)) << 32 | i; /* many equal high halves */
        memcpy(b, a, n * sizeof *a);
        rpi_radix_u64(a, tmp, n, 32);
        qsort(b, n, sizeof *b, cmp64);
        if (n) assert_memory_equal(a, b, n * sizeof *a);
        /* the low half is not a sort key: with falling positions, equal hashes keep them */
        for (size_t i = 0; i < n; i++)
            a[i] = (uint64_t)(i % 3) << 32 | (n - i);
        rpi_radix_u64(a, tmp, n, 32);
        for (size_t i = 1; i < n; i++) {
            assert_true(a[i - 1] >> 32 <= a[i] >> 32);
            if (a[i - 1] >> 32 == a[i] >> 32) assert_true((uint32_t)a[i - 1] > (uint32_t)a[i]);
        }
        free(a);
        free(b);
        free(tmp);
    }
}

static void test_u32(void **state)
{
    (void)state;
    for (size_t n = 0; n < 3000; n += 1 + n / 3) {
        uint32_t *a = malloc((n + 1) * sizeof *a), *b = malloc((n + 1) * sizeof *b);
        assert_non_null(a);
        assert_non_null(b);
        for (size_t i = 0; i < n; i++)
            a[i] = (uint32_t)(next() % (n / 2 + 1));
        memcpy(b, a, n * sizeof *a);
        rpi_qsort_u32(a, n);
        qsort(b, n, sizeof *b, cmp32);
        if (n) assert_memory_equal(a, b, n * sizeof *a);
        free(a);
        free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_u64), cmocka_unit_test(test_u32),
                                       cmocka_unit_test(test_radix_high_half)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
