/* SPDX-License-Identifier: MIT */
/* rp_align.h -- shared passages between two token sequences (the reuse and story levels):
 * seed-and-extend local alignment in the manner of BLAST and passim. Seeds are k-grams of
 * tokens found in both texts; seeds on nearby diagonals are chained across small edits
 * (substituted, inserted or deleted words); a chain long enough is a passage. Each passage of
 * one text is paired with at most one passage of the other. See docs/internals/story.md. */
#ifndef RP_ALIGN_H
#define RP_ALIGN_H
#include <stddef.h>    /* size_t */
#include <stdint.h>    /* uint32_t */
#include "rp_common.h" /* RP_API, rp_status, rp_alloc */
#ifdef __cplusplus
extern "C" {
#endif

typedef struct rp_align_params {
    unsigned seed;         /* tokens per seed k-gram; default 3 (1..16) */
    unsigned min_words;    /* shortest passage reported, in tokens of either text; default 10 */
    unsigned max_gap;      /* longest run of unmatched tokens inside a passage, on either
                              side; default 4 */
    unsigned max_seed_occ; /* a k-gram occurring more often than this in either text is not a
                              seed (repeated phrases would multiply hits); default 8 */
} rp_align_params;

RP_API void rp_align_params_default(rp_align_params *p);

/* One passage: token index ranges [start, end) in each text. */
typedef struct rp_passage {
    uint32_t a_start, a_end;
    uint32_t b_start, b_end;
    uint32_t matched; /* tokens of a covered by seeds (<= a_end - a_start) */
} rp_passage;

typedef struct rp_aligner rp_aligner; /* opaque; reusable buffers; one per thread */

/* p may be NULL (defaults); out-of-range values give RP_E_INVALID. */
RP_API rp_status rp_aligner_create(rp_aligner **out, const rp_align_params *p,
                                   const rp_alloc *alloc);
RP_API void rp_aligner_free(rp_aligner *al); /* accepts NULL */

/* Align token sequences a[0..na) and b[0..nb) (any 32-bit token ids; the value 0 never
 * matches, so callers mark boilerplate or stop tokens with 0). On RP_OK *out points at *n
 * passages owned by the aligner, sorted by a_start, valid until its next call; passages do
 * not overlap in a nor in b. Cost: O(na + nb + hits log hits), where hits is the number of
 * shared seed positions, capped by max_seed_occ^2 per distinct seed. Errors: RP_E_NOMEM,
 * RP_E_TOO_BIG (a sequence of 2^31 tokens or more). */
RP_API rp_status rp_align(rp_aligner *al, const uint32_t *a, size_t na, const uint32_t *b,
                          size_t nb, const rp_passage **out, size_t *n);

#ifdef __cplusplus
}
#endif
#endif /* RP_ALIGN_H */
