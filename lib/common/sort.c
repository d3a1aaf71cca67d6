/* SPDX-License-Identifier: MIT */
/* sort.c -- LSD radix sort of 64-bit keys (stable), for the large sorts of the later stages
 * (candidate pairs, postings, fingerprints). 16-bit digits; a pass whose digit is the same
 * for every key is skipped. Measured on Reuters (800k candidate keys): qsort with a
 * comparison function took several times longer. */
#include <string.h> /* memset */
#include "common/common_internal.h"

/* Small arrays: quicksort (median of three) with insertion sort below 16 elements, inlined
 * comparisons; several times faster than qsort's callback for the per-text sorts. */
#define SMALL_SORT(T, name)                                                                        \
    void name(T *a, size_t n)                                                                      \
    {                                                                                              \
        while (n > 16) {                                                                           \
            T x = a[0], y = a[n / 2], z = a[n - 1], p;                                             \
            p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));             \
            size_t i = 0, j = n - 1;                                                               \
            for (;;) {                                                                             \
                while (a[i] < p)                                                                   \
                    i++;                                                                           \
                while (a[j] > p)                                                                   \
                    j--;                                                                           \
                if (i >= j) break;                                                                 \
                T t = a[i];                                                                        \
                a[i++] = a[j];                                                                     \
                a[j--] = t;                                                                        \
            }                                                                                      \
            /* recurse into the smaller part, loop on the larger */                                \
            if (j + 1 < n - j - 1) {                                                               \
                name(a, j + 1);                                                                    \
                a += j + 1;                                                                        \
                n -= j + 1;                                                                        \
            } else {                                                                               \
                name(a + j + 1, n - j - 1);                                                        \
                n = j + 1;                                                                         \
            }                                                                                      \
        }                                                                                          \
        for (size_t i = 1; i < n; i++) {                                                           \
            T v = a[i];                                                                            \
            size_t k = i;                                                                          \
            while (k > 0 && a[k - 1] > v) {                                                        \
                a[k] = a[k - 1];                                                                   \
                k--;                                                                               \
            }                                                                                      \
            a[k] = v;                                                                              \
        }                                                                                          \
    }
SMALL_SORT(uint64_t, rpi_qsort_u64)
SMALL_SORT(uint32_t, rpi_qsort_u32)

rp_status rpi_sort_u64(const rp_alloc *alloc, uint64_t *a, size_t n)
{
    if (n < 2) return RP_OK;
    if (n < 4096) {
        rpi_qsort_u64(a, n);
        return RP_OK;
    }
    uint64_t *tmp = rpi_malloc(alloc, n * sizeof *tmp);
    size_t *count = rpi_malloc(alloc, 65536 * sizeof *count);
    if (!tmp || !count) {
        rpi_free(alloc, tmp);
        rpi_free(alloc, count);
        return RP_E_NOMEM;
    }
    uint64_t *src = a, *dst = tmp;
    uint64_t diff = 0; /* bits that differ between keys */
    for (size_t i = 1; i < n; i++)
        diff |= a[i] ^ a[0];
    for (unsigned shift = 0; shift < 64; shift += 16) {
        if (((diff >> shift) & 0xFFFF) == 0) continue;
        memset(count, 0, 65536 * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(src[i] >> shift) & 0xFFFF]++;
        size_t sum = 0;
        for (size_t d = 0; d < 65536; d++) {
            const size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[(src[i] >> shift) & 0xFFFF]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) memcpy(a, src, n * sizeof *a);
    rpi_free(alloc, tmp);
    rpi_free(alloc, count);
    return RP_OK;
}
