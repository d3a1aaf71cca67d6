/* SPDX-License-Identifier: MIT */
/* fuzz_align.c -- libFuzzer target for the passage aligner (rp_align.h). Bytes 0-3 are the
 * parameters: seed 1..16, min_words 1..32, max_gap 0..16 (32 when byte 2 has bit 7 set),
 * max_seed_occ 1..16 (32 when byte 3 has bit 7 set); chaining costs about hits * max_seed_occ *
 * (max_gap + seed), so larger values only slow the fuzzer down. Byte 4: bits 0-1 the token
 * width (1, 2 or 4 bytes; a narrow width gives a small alphabet and many shared seeds), bits
 * 2-7 with byte 5 where the rest splits into text a and text b. Byte 6: when non-zero, a second
 * aligner whose allocator fails at that allocation. The rest are the tokens (little-endian).
 * Checks after each call: RP_OK, passages sorted by a_start, inside both texts, non-empty, at
 * least min_words long on both sides, no overlap in a nor in b, matched <= a_end - a_start; a
 * second call on the same aligner gives the same passages (buffer reuse); an aligner whose k-th
 * allocation fails returns RP_E_NOMEM or the same passages, and leaks nothing (ASan). */
#include <stdint.h>           /* uint8_t, uint32_t */
#include <stdlib.h>           /* abort, malloc, free */
#include <string.h>           /* memcmp, memcpy */
#include "reprint/rp_align.h" /* rp_aligner_*, rp_align */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fail_alloc {
    unsigned left; /* allocations before the failing one */
};

static void *fail_alloc_fn(void *opaque, size_t size)
{
    struct fail_alloc *f = opaque;
    if (f->left == 0) return NULL;
    if (--f->left == 0) return NULL;
    return malloc(size);
}

static void fail_free_fn(void *opaque, void *ptr)
{
    (void)opaque;
    free(ptr);
}

static void check(const rp_align_params *p, size_t na, size_t nb, const rp_passage *ps, size_t n)
{
    if (n > 0 && ps == NULL) abort();
    for (size_t i = 0; i < n; i++) {
        const rp_passage *x = &ps[i];
        if (x->a_start >= x->a_end || x->a_end > na || x->b_start >= x->b_end || x->b_end > nb)
            abort();
        if (x->a_end - x->a_start < p->min_words || x->b_end - x->b_start < p->min_words) abort();
        if (x->matched > x->a_end - x->a_start) abort();
        if (i > 0 && ps[i - 1].a_start > x->a_start) abort();
        if (i > 0 && ps[i - 1].a_end > x->a_start) /* sorted by a_start: neighbours suffice */
            abort();
        for (size_t j = 0; j < i; j++) /* b is not sorted: every pair */
            if (ps[j].b_start < x->b_end && x->b_start < ps[j].b_end) abort();
    }
}

static uint32_t *tokens(const uint8_t *d, size_t size, unsigned width, size_t *n)
{
    *n = size / width;
    uint32_t *t = malloc((*n > 0 ? *n : 1) * sizeof *t);
    if (t == NULL) abort();
    for (size_t i = 0; i < *n; i++) {
        uint32_t v = 0;
        for (unsigned b = 0; b < width; b++)
            v |= (uint32_t)d[i * width + b] << (8 * b);
        t[i] = v;
    }
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 7) return 0;
    rp_align_params p;
    rp_align_params_default(&p);
    p.seed = 1u + (data[0] & 15u);
    p.min_words = 1u + data[1] % 32u;
    p.max_gap = (data[2] & 0x80u) ? 32u : data[2] % 17u;
    p.max_seed_occ = (data[3] & 0x80u) ? 32u : 1u + (data[3] & 15u);
    static const unsigned widths[4] = {1, 1, 2, 4};
    const unsigned width = widths[data[4] & 3u];
    const unsigned split = ((unsigned)(data[4] >> 2) << 8 | data[5]) & 0x3FFFu; /* 0..16383 */
    const unsigned fail_at = data[6];
    data += 7;
    size -= 7;
    const size_t cut = (size_t)((uint64_t)size * split / 16383u);
    size_t na, nb;
    uint32_t *a = tokens(data, cut, width, &na);
    uint32_t *b = tokens(data + cut, size - cut, width, &nb);

    rp_aligner *al = NULL;
    if (rp_aligner_create(&al, &p, NULL) != RP_OK) abort(); /* every parameter above is in range */
    const rp_passage *ps;
    size_t n;
    if (rp_align(al, a, na, b, nb, &ps, &n) != RP_OK) abort();
    check(&p, na, nb, ps, n);
    const size_t n0 = n;
    rp_passage *first = malloc((n > 0 ? n : 1) * sizeof *first);
    if (first == NULL) abort();
    if (n > 0) memcpy(first, ps, n * sizeof *ps);
    /* buffer reuse: a call on other input in between, then the same input again */
    if (rp_align(al, b, nb, a, na, &ps, &n) != RP_OK) abort();
    check(&p, nb, na, ps, n);
    if (rp_align(al, a, na, b, nb, &ps, &n) != RP_OK) abort();
    if (n != n0 || (n > 0 && memcmp(ps, first, n * sizeof *ps) != 0)) abort();

    if (fail_at > 0) {
        struct fail_alloc fa = {fail_at};
        const rp_alloc alloc = {fail_alloc_fn, fail_free_fn, &fa};
        rp_aligner *al2 = NULL;
        rp_status st = rp_aligner_create(&al2, &p, &alloc);
        if (st == RP_OK) {
            const rp_passage *ps2;
            size_t n2;
            st = rp_align(al2, a, na, b, nb, &ps2, &n2);
            if (st == RP_OK && (n2 != n0 || (n2 > 0 && memcmp(ps2, first, n2 * sizeof *ps2))))
                abort();
            if (st != RP_OK && (st != RP_E_NOMEM || ps2 != NULL || n2 != 0)) abort();
            rp_aligner_free(al2);
        } else if (st != RP_E_NOMEM || al2 != NULL) {
            abort();
        }
    }
    free(first);
    rp_aligner_free(al);
    free(a);
    free(b);
    return 0;
}
