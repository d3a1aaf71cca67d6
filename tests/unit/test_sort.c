/* SPDX-License-Identifier: MIT */
/* test_sort.c -- common/sort.c: the radix sort and the small quicksorts against qsort on
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
            free(a);
            free(b);
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
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_u64), cmocka_unit_test(test_u32)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
