/* SPDX-License-Identifier: MIT */
/* test_arena.c -- common/arena.c: alignment, stable addresses and contents across block
 * growth, allocations larger than any block, the system memory used staying within a factor
 * of what was asked, and allocation failure through a counting allocator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/common_internal.h"
#include "common/arena_internal.h"

static void test_growth(void **state)
{
    (void)state;
    struct rpi_arena a;
    rpi_arena_init(&a, NULL);
    enum { N = 200000 };
    unsigned char **p = malloc(N * sizeof *p);
    assert_non_null(p);
    size_t asked = 0;
    for (size_t i = 0; i < N; i++) {
        const size_t size = 1 + i % 97, align = (size_t)1 << (i % 4);
        p[i] = rpi_arena_alloc(&a, size, align);
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] % align, 0);
        memset(p[i], (int)(i & 0xFF), size);
        asked += size;
    }
    /* every object still holds its bytes after the arena grew many blocks */
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < 1 + i % 97; k++)
            assert_int_equal(p[i][k], i & 0xFF);
    assert_true(a.total >= asked);
    assert_true(a.total <= 2 * asked + (16u << 20)); /* doubling blocks, at most 8 MiB each */
    free(p);
    rpi_arena_free(&a);
    assert_int_equal(a.total, 0);
}

static void test_large(void **state)
{
    (void)state;
    struct rpi_arena a;
    rpi_arena_init(&a, NULL);
    char *small = rpi_arena_alloc(&a, 10, 1);
    assert_non_null(small);
    memcpy(small, "before", 7);
    const size_t big = 20u << 20; /* larger than any block */
    char *b = rpi_arena_alloc(&a, big, 64);
    assert_non_null(b);
    assert_int_equal((uintptr_t)b % 64, 0);
    b[0] = 'x';
    b[big - 1] = 'y';
    char *after = rpi_arena_alloc(&a, 10, 1);
    assert_non_null(after);
    assert_string_equal(small, "before");
    assert_int_equal(b[0], 'x');
    assert_int_equal(b[big - 1], 'y');
    const char *s = rpi_arena_strndup(&a, "abcdef", 3);
    assert_string_equal(s, "abc");
    rpi_arena_free(&a);
}

static size_t budget;
static void *limited(void *opaque, size_t size)
{
    (void)opaque;
    if (size > budget) return NULL;
    budget -= size;
    return malloc(size);
}
static void release(void *opaque, void *ptr)
{
    (void)opaque;
    free(ptr);
}

static void test_failure(void **state)
{
    (void)state;
    const rp_alloc al = {limited, release, NULL};
    budget = 1u << 20; /* room for the first blocks only */
    struct rpi_arena a;
    rpi_arena_init(&a, &al);
    size_t got = 0;
    while (rpi_arena_alloc(&a, 1000, 8))
        got++;
    assert_true(got > 100); /* the first 256 KiB block and its successor */
    assert_true(got * 1000 <= 1u << 20);
    assert_null(rpi_arena_alloc(&a, 1000, 8)); /* stays NULL, no crash */
    rpi_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_growth), cmocka_unit_test(test_large),
                                       cmocka_unit_test(test_failure)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
