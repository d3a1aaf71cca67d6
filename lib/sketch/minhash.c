/* SPDX-License-Identifier: MIT */
/* minhash.c -- MinHash signatures by one-permutation hashing (OPH) with optimal densification.
 *
 * Classic MinHash (Broder 1997) hashes every shingle num_perm times. One-permutation hashing
 * (Li, Owen & Zhang, NIPS 2012) hashes each shingle once: the top bits of the hash choose one
 * of K bins, the low 32 bits are the value, and each bin keeps its minimum. Short documents
 * leave bins empty; optimal densification (Shrivastava, ICML 2017) fills each empty bin i from
 * the bin chosen by a hash of (i, attempt), retried until a non-empty bin is hit. Two documents
 * then agree at a bin with probability equal to their Jaccard similarity, with variance close
 * to classic MinHash (measured in bench/bench_sketch.c and docs/benchmarks.md). */
#include <string.h> /* memcpy */
#include <xxhash.h> /* XXH3_64bits_withSeed */
#include "reprint/rp_sketch.h"
#include "common/common_internal.h"

void rp_minhash_params_default(rp_minhash_params *p)
{
    p->num_perm = 128;
    p->seed = 0;
}

static int params_ok(const rp_minhash_params *p)
{
    return p && p->num_perm >= RP_MINHASH_MIN_PERM && p->num_perm <= RP_MINHASH_MAX_PERM;
}

rp_status rp_minhash(const rp_minhash_params *p, const uint64_t *shingles, size_t n, uint32_t *sig)
{
    if (!params_ok(p) || (n && !shingles) || !sig) return RP_E_INVALID;
    const uint32_t k = p->num_perm;
    /* Bin occupancy bitmap: at most 1024 bins. */
    uint64_t filled[RP_MINHASH_MAX_PERM / 64];
    memset(filled, 0, sizeof filled);
    for (uint32_t i = 0; i < k; i++)
        sig[i] = RP_MINHASH_EMPTY;
    if (n == 0) return RP_DONE;

    for (size_t i = 0; i < n; i++) {
        const uint64_t h = XXH3_64bits_withSeed(&shingles[i], sizeof shingles[i], p->seed);
        const uint32_t bin = (uint32_t)(((h >> 32) * (uint64_t)k) >> 32);
        const uint32_t val = (uint32_t)h;
        const uint64_t bit = 1ull << (bin & 63);
        if (!(filled[bin >> 6] & bit) || val < sig[bin]) {
            sig[bin] = val;
            filled[bin >> 6] |= bit;
        }
    }
    /* Optimal densification: an empty bin i copies bin j = hash(i, attempt) mod k for the
     * first attempt that hits a filled bin. Terminates: at least one bin is filled. */
    for (uint32_t i = 0; i < k; i++) {
        if (filled[i >> 6] >> (i & 63) & 1u) continue;
        for (uint64_t attempt = 0;; attempt++) {
            const uint64_t key[2] = {i, attempt};
            const uint64_t h =
                XXH3_64bits_withSeed(key, sizeof key, p->seed ^ 0x9E3779B97F4A7C15ull);
            const uint32_t j = (uint32_t)(((h >> 32) * (uint64_t)k) >> 32);
            if (filled[j >> 6] >> (j & 63) & 1u) {
                sig[i] = sig[j];
                break;
            }
        }
    }
    return RP_OK;
}

rp_status rp_minhash_classic(const rp_minhash_params *p, const uint64_t *shingles, size_t n,
                             uint32_t *sig)
{
    if (!params_ok(p) || (n && !shingles) || !sig) return RP_E_INVALID;
    for (uint32_t i = 0; i < p->num_perm; i++)
        sig[i] = RP_MINHASH_EMPTY;
    if (n == 0) return RP_DONE;
    for (uint32_t i = 0; i < p->num_perm; i++) {
        uint32_t m = RP_MINHASH_EMPTY;
        for (size_t s = 0; s < n; s++) {
            const uint64_t h = XXH3_64bits_withSeed(&shingles[s], sizeof shingles[s], p->seed + i);
            if ((uint32_t)h < m) m = (uint32_t)h;
        }
        sig[i] = m;
    }
    return RP_OK;
}

double rp_minhash_similarity(const uint32_t *a, const uint32_t *b, uint32_t num_perm)
{
    if (num_perm == 0) return 0.0;
    uint32_t eq = 0;
    for (uint32_t i = 0; i < num_perm; i++)
        eq += a[i] == b[i];
    return (double)eq / (double)num_perm;
}

double rp_jaccard_sorted(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
    if (na == 0 && nb == 0) return 0.0;
    size_t i = 0, j = 0, inter = 0;
    while (i < na && j < nb) {
        if (a[i] < b[j])
            i++;
        else if (a[i] > b[j])
            j++;
        else {
            inter++;
            i++;
            j++;
        }
    }
    return (double)inter / (double)(na + nb - inter);
}
