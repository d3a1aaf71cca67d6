/* SPDX-License-Identifier: MIT */
/* fuzz_sketch.c -- libFuzzer target for MinHash and exact Jaccard (rp_sketch.h). Bytes 0-1:
 * num_perm (8 + byte 0, or 8..1024 when byte 1 has bit 7 set); byte 2: bits 0-1 the shingle
 * width (1, 2 or 8 bytes: narrow widths give small alphabets and many shared shingles), bit 2
 * also runs rp_minhash_classic (slow: num_perm hashes per shingle, so only on at most 64
 * shingles), bits 3-7 the LSH threshold for rp_lsh_params (num_perm <= 16 only); byte 3: where
 * the rest splits into set a and set b; bytes 4-11: the seed. The rest are the shingles.
 * Checks: RP_DONE exactly for an empty set (signature all RP_MINHASH_EMPTY), else RP_OK;
 * signatures are deterministic and depend on the set only (reversed order and duplicates give
 * the same signature); similarity is in [0, 1], symmetric, 1 for a set with itself;
 * rp_jaccard_sorted of the sorted, de-duplicated sets is in [0, 1], symmetric, 1 for a non-
 * empty set with itself, 0 for two empty sets, and equals the count by definition;
 * rp_lsh_params gives 1 <= bands * rows <= num_perm. */
#include <math.h>              /* isnan */
#include <stdint.h>            /* uint8_t, uint32_t, uint64_t */
#include <stdlib.h>            /* abort, malloc, free, qsort */
#include <string.h>            /* memcmp */
#include "reprint/rp_sketch.h" /* rp_minhash*, rp_jaccard_sorted, rp_lsh_params */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cmp_u64(const void *pa, const void *pb)
{
    const uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return a < b ? -1 : a > b;
}

static uint64_t *shingles(const uint8_t *d, size_t size, unsigned width, size_t *n)
{
    *n = size / width;
    /* room for the set twice (the duplicated copy) */
    uint64_t *s = malloc((*n > 0 ? 2 * *n : 1) * sizeof *s);
    if (s == NULL) abort();
    for (size_t i = 0; i < *n; i++) {
        uint64_t v = 0;
        for (unsigned b = 0; b < width; b++)
            v |= (uint64_t)d[i * width + b] << (8 * b);
        s[i] = v;
    }
    return s;
}

static size_t sort_unique(uint64_t *s, size_t n)
{
    if (n == 0) return 0;
    qsort(s, n, sizeof *s, cmp_u64);
    size_t m = 1;
    for (size_t i = 1; i < n; i++)
        if (s[i] != s[m - 1]) s[m++] = s[i];
    return m;
}

static int in_unit(double x) { return !isnan(x) && x >= 0.0 && x <= 1.0; }

/* Signature of s[0..n) with every invariant that needs only one set; sig gets the result. */
typedef rp_status (*minhash_fn)(const rp_minhash_params *, const uint64_t *, size_t, uint32_t *);
static void sign(minhash_fn fn, const rp_minhash_params *p, uint64_t *s, size_t n, uint32_t *sig,
                 uint32_t *tmp)
{
    const rp_status st = fn(p, s, n, sig);
    if (n == 0) {
        if (st != RP_DONE) abort();
        for (uint32_t i = 0; i < p->num_perm; i++)
            if (sig[i] != RP_MINHASH_EMPTY) abort();
        return;
    }
    if (st != RP_OK) abort();
    const size_t bytes = p->num_perm * sizeof *sig;
    if (fn(p, s, n, tmp) != RP_OK || memcmp(sig, tmp, bytes) != 0) abort(); /* deterministic */
    /* a multiset: reversed and with every shingle twice, the same signature */
    for (size_t i = 0; i < n; i++)
        s[2 * n - 1 - i] = s[i];
    if (fn(p, s + n, n, tmp) != RP_OK || memcmp(sig, tmp, bytes) != 0) abort();
    if (fn(p, s, 2 * n, tmp) != RP_OK || memcmp(sig, tmp, bytes) != 0) abort();
    if (rp_minhash_similarity(sig, sig, p->num_perm) != 1.0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 12) return 0;
    rp_minhash_params p;
    rp_minhash_params_default(&p);
    const unsigned span = RP_MINHASH_MAX_PERM - RP_MINHASH_MIN_PERM + 1;
    /* mostly 8..263: densifying a nearly empty signature costs O(num_perm^2) hashes */
    if (data[1] & 0x80u)
        p.num_perm = RP_MINHASH_MIN_PERM + ((unsigned)data[0] | (unsigned)data[1] << 8) % span;
    else
        p.num_perm = RP_MINHASH_MIN_PERM + data[0];
    static const unsigned widths[4] = {1, 1, 2, 8};
    const unsigned width = widths[data[2] & 3u];
    const int classic = (data[2] >> 2) & 1;
    const double threshold = (double)(data[2] >> 3) / 31.0; /* 0 and 1 included */
    const size_t split = data[3];
    const double fn_weight = (double)(data[3] & 1u); /* both extremes of 0..1 */
    p.seed = 0;
    for (int i = 0; i < 8; i++)
        p.seed |= (uint64_t)data[4 + i] << (8 * i);
    data += 12;
    size -= 12;
    const size_t cut = size * split / 255u;
    size_t na, nb;
    uint64_t *a = shingles(data, cut, width, &na);
    uint64_t *b = shingles(data + cut, size - cut, width, &nb);

    uint32_t *sa = malloc(3 * (size_t)p.num_perm * sizeof *sa);
    if (sa == NULL) abort();
    uint32_t *sb = sa + p.num_perm, *tmp = sb + p.num_perm;
    sign(rp_minhash, &p, a, na, sa, tmp);
    sign(rp_minhash, &p, b, nb, sb, tmp);
    double s1 = rp_minhash_similarity(sa, sb, p.num_perm);
    if (!in_unit(s1) || s1 != rp_minhash_similarity(sb, sa, p.num_perm)) abort();
    /* Not checked: the header says two empty signatures have similarity 0, the code gives 1
     * (every position is RP_MINHASH_EMPTY); see docs/fuzzing.md. */
    if (classic && na <= 64 && nb <= 64) {
        sign(rp_minhash_classic, &p, a, na, sa, tmp);
        sign(rp_minhash_classic, &p, b, nb, sb, tmp);
        s1 = rp_minhash_similarity(sa, sb, p.num_perm);
        if (!in_unit(s1) || s1 != rp_minhash_similarity(sb, sa, p.num_perm)) abort();
    }

    /* exact Jaccard against counting by definition */
    const size_t ua = sort_unique(a, na), ub = sort_unique(b, nb);
    const double j = rp_jaccard_sorted(a, ua, b, ub);
    if (!in_unit(j) || j != rp_jaccard_sorted(b, ub, a, ua)) abort();
    if (ua == 0 && ub == 0 ? j != 0.0 : rp_jaccard_sorted(a, ua, a, ua) != (ua ? 1.0 : 0.0))
        abort();
    if (ua <= 512 && ub <= 512) {
        size_t inter = 0;
        for (size_t x = 0; x < ua; x++)
            for (size_t y = 0; y < ub; y++)
                inter += a[x] == b[y];
        const size_t uni = ua + ub - inter;
        if (uni > 0 && j != (double)inter / (double)uni) abort();
    }

    if (p.num_perm <= 16) { /* 800 pow() per bands x rows pair: keep it rare and cheap */
        uint32_t bands = 0, rows = 0;
        rp_lsh_params(threshold, p.num_perm, fn_weight, &bands, &rows);
        if (bands < 1 || rows < 1 || (uint64_t)bands * rows > p.num_perm) abort();
    }
    free(sa);
    free(a);
    free(b);
    return 0;
}
