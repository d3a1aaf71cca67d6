/* SPDX-License-Identifier: MIT */
/* shingle.c -- word n-gram shingles (Broder 1997): an order-sensitive, well-mixed 64-bit
 * hash of each window of consecutive token hashes. */
#include <stddef.h>               /* size_t */
#include <stdint.h>               /* uint64_t */
#include "reprint/rp_normalize.h" /* rp_shingles, rp_token */

/*
 * Each window is folded with the XXH64 accumulator round (Collet, xxHash spec: acc += input *
 * PRIME64_2; acc = rotl(acc, 31); acc *= PRIME64_1), which depends on the order of its inputs,
 * so "a b c" and "c b a" hash differently. The window length is mixed into the start value,
 * so a short document's single shingle never equals a full window of another length. The
 * result goes through the MurmurHash3 fmix64 finalizer (Appleby), whose full avalanche makes
 * every output bit depend on every input bit: the MinHash stage takes bins from the top bits
 * and values from the low bits, and both must look uniform.
 *
 * Recomputing each window costs ngram rounds per shingle instead of one with a rolling
 * (polynomial) hash, but a round is a multiply and a rotate, windows are independent (the CPU
 * overlaps them), and the non-linear round avoids the weak low bits of a polynomial hash
 * modulo 2^64. For ngram = 5 it is a few percent of the normalization time.
 */
#define PRIME64_1 UINT64_C(0x9E3779B185EBCA87)
#define PRIME64_2 UINT64_C(0xC2B2AE3D27D4EB4F)
#define PRIME64_5 UINT64_C(0x27D4EB2F165667C5)

static inline uint64_t rotl64(uint64_t x, unsigned r) { return (x << r) | (x >> (64 - r)); }

static inline uint64_t fmix64(uint64_t h)
{
    h ^= h >> 33;
    h *= UINT64_C(0xFF51AFD7ED558CCD);
    h ^= h >> 33;
    h *= UINT64_C(0xC4CEB9FE1A85EC53);
    h ^= h >> 33;
    return h;
}

static inline uint64_t window_hash(const rp_token *t, size_t len)
{
    uint64_t acc = PRIME64_5 + (uint64_t)len * PRIME64_1;
    for (size_t j = 0; j < len; j++) {
        acc += t[j].hash * PRIME64_2;
        acc = rotl64(acc, 31);
        acc *= PRIME64_1;
    }
    return fmix64(acc);
}

size_t rp_shingles(const rp_token *tokens, size_t n_tokens, unsigned ngram, uint64_t *out)
{
    if (n_tokens == 0) return 0;
    if (ngram == 0) ngram = 1;
    if (n_tokens < ngram) { /* a short document is one shingle of all its tokens */
        out[0] = window_hash(tokens, n_tokens);
        return 1;
    }
    const size_t n_out = n_tokens - ngram + 1;
    for (size_t i = 0; i < n_out; i++) out[i] = window_hash(tokens + i, ngram);
    return n_out;
}
