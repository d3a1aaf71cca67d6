/* SPDX-License-Identifier: MIT */
/* sort.c -- LSD radix sort of 64-bit keys (stable), for the large sorts of the later stages
 * (candidate pairs, postings, fingerprints: 16-bit digits) and the small and medium ones
 * (alignment seeds, records keyed by their first 8 bytes: 8-bit digits), one loop for all; a
 * pass whose digit is the same for every key is skipped. Measured on Reuters (800k candidate
 * keys): qsort with a comparison function took several times longer. */
#include <string.h> /* memset, memcpy */
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

/* Stable LSD radix sort of n records of `size` bytes, each starting with its uint64_t key, by
 * the `bits`-wide digits of bits [from_bit, 64); a digit shared by every key is skipped. tmp
 * holds n records, count 2^bits counters. Inlined with constant size and bits, so each caller
 * gets its own specialised loop. */
static inline uint64_t rec_key(const unsigned char *r)
{
    uint64_t k;
    memcpy(&k, r, sizeof k);
    return k;
}

static inline void radix_records(unsigned char *a, unsigned char *tmp, size_t n, size_t size,
                                 unsigned from_bit, unsigned bits, size_t *count)
{
    if (n < 2) return;
    const size_t nd = (size_t)1 << bits, mask = nd - 1;
    const uint64_t k0 = rec_key(a);
    uint64_t diff = 0; /* bits that differ between keys */
    for (size_t i = 1; i < n; i++)
        diff |= rec_key(a + i * size) ^ k0;
    unsigned char *src = a, *dst = tmp;
    for (unsigned shift = from_bit; shift < 64; shift += bits) {
        if (((diff >> shift) & mask) == 0) continue;
        memset(count, 0, nd * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(rec_key(src + i * size) >> shift) & mask]++;
        size_t sum = 0;
        for (size_t d = 0; d < nd; d++) {
            const size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            const unsigned char *r = src + i * size;
            memcpy(dst + count[(rec_key(r) >> shift) & mask]++ * size, r, size);
        }
        unsigned char *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) memcpy(a, src, n * size);
}

size_t rpi_lower_bound_u64(const uint64_t *a, size_t n, uint64_t k)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

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
    radix_records((unsigned char *)a, (unsigned char *)tmp, n, sizeof *a, 0, 16, count);
    rpi_free(alloc, tmp);
    rpi_free(alloc, count);
    return RP_OK;
}

void rpi_radix_u64(uint64_t *a, uint64_t *tmp, size_t n, unsigned from_bit)
{
    size_t count[256];
    radix_records((unsigned char *)a, (unsigned char *)tmp, n, sizeof *a, from_bit, 8, count);
}

void rpi_radix_rec(void *a, void *tmp, size_t n, size_t size)
{
    size_t count[256];
    radix_records(a, tmp, n, size, 0, 8, count);
}
