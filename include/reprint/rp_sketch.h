/* SPDX-License-Identifier: MIT */
/* rp_sketch.h -- MinHash signatures (stage 3 of 7): one-permutation hashing with optimal
 * densification, so a signature costs about one hash per shingle instead of num_perm. */
#ifndef RP_SKETCH_H
#define RP_SKETCH_H
#include <stdint.h>    /* uint32_t, uint64_t */
#include "rp_common.h" /* RP_API, rp_status */
#ifdef __cplusplus
extern "C" {
#endif

#define RP_MINHASH_MIN_PERM 8
#define RP_MINHASH_MAX_PERM 1024

typedef struct rp_minhash_params {
    uint32_t num_perm; /* signature length (bins), RP_MINHASH_MIN_PERM..RP_MINHASH_MAX_PERM;
                          default 128 */
    uint64_t seed;     /* equal seeds and num_perm => comparable signatures; default 0 */
} rp_minhash_params;

RP_API void rp_minhash_params_default(rp_minhash_params *p);

/* One-shot signature of a shingle multiset (duplicates are harmless). sig must hold num_perm
 * values. An empty input gives an all-RP_MINHASH_EMPTY signature and returns RP_DONE.
 * Pure and thread-safe. Cost: one 64-bit mix per shingle plus O(num_perm) densification. */
#define RP_MINHASH_EMPTY 0xFFFFFFFFu
RP_API rp_status rp_minhash(const rp_minhash_params *p, const uint64_t *shingles, size_t n,
                            uint32_t *sig);

/* Classic MinHash (num_perm independent hashes per shingle). Slower by ~num_perm; kept to
 * measure the estimator of rp_minhash against (bench/bench_sketch.c). */
RP_API rp_status rp_minhash_classic(const rp_minhash_params *p, const uint64_t *shingles,
                                    size_t n, uint32_t *sig);

/* Estimated Jaccard similarity: fraction of equal positions. Both empty -> 0. */
RP_API double rp_minhash_similarity(const uint32_t *a, const uint32_t *b, uint32_t num_perm);

/* Exact Jaccard of two sorted, de-duplicated arrays of shingle hashes. */
RP_API double rp_jaccard_sorted(const uint64_t *a, size_t na, const uint64_t *b, size_t nb);

/* LSH banding chosen for a Jaccard threshold: bands*rows <= num_perm minimising the weighted
 * false-positive and false-negative probability mass (integrals of the S-curve
 * 1-(1-s^r)^b below and above the threshold, as datasketch does), with false negatives
 * weighted fn_weight (0..1; reprint uses 0.9 because every candidate is verified). */
RP_API void rp_lsh_params(double threshold, uint32_t num_perm, double fn_weight,
                          uint32_t *bands, uint32_t *rows);

#ifdef __cplusplus
}
#endif
#endif /* RP_SKETCH_H */
