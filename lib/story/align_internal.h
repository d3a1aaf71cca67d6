/* SPDX-License-Identifier: MIT */
/* align_internal.h -- the aligner with seeds computed once per text (the story stage aligns
 * one text against many). */
#ifndef RP_ALIGN_INTERNAL_H
#define RP_ALIGN_INTERNAL_H
#include "reprint/rp_align.h"
#include "common/common_internal.h"

/* Seeds of t[0..n): (32-bit k-gram hash << 32 | position), sorted; out and tmp (sort
 * scratch) hold n entries each. */
RPI_FUNC void rpi_align_seeds(const uint32_t *t, size_t n, unsigned k, uint64_t *out,
                              uint64_t *tmp, size_t *m);
/* rp_align on precomputed seeds (na, nb: token counts). */
RPI_FUNC rp_status rpi_align_sorted(rp_aligner *al, const uint64_t *sa, size_t ma, size_t na,
                                    const uint64_t *sb, size_t mb, size_t nb,
                                    const rp_passage **out, size_t *n);
RPI_FUNC unsigned rpi_aligner_seed(const rp_aligner *al);
#endif
