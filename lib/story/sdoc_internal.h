/* SPDX-License-Identifier: MIT */
/* sdoc_internal.h -- the per-document tokenisation of the reuse and story levels (token ids,
 * flags, lines; story_doc.c), callable without an rp_engine: the batch stage and the
 * persistent index (lib/index/) build the same struct rpi_sdoc from the same rp_doc. */
#ifndef RP_SDOC_INTERNAL_H
#define RP_SDOC_INTERNAL_H
#include <stdint.h> /* uint64_t */
#include "engine/engine_internal.h"

/* Build *out in arena ar from doc and its normalization nr: a copy of the text and title,
 * 32-bit token ids with byte offsets, token flags (RPI_TOK_NAME, _ACRONYM, _NUMBER) from the
 * original spelling, the lines, and the title's tokens through title_norm (may be NULL: no
 * title tokens). Nothing is marked as boilerplate. RP_E_TOO_BIG for a text of 4 GiB or more. */
RPI_FUNC rp_status rpi_sdoc_build(struct rpi_arena *ar, const rp_doc *doc, const rp_norm_result *nr,
                                  rp_normalizer *title_norm, struct rpi_sdoc **out);

/* The key S1 counts for boilerplate learning: line l's hash (top 40 bits) with a 24-bit hash
 * of its context, the hashes of the lines before and after it (0 at either end). Lines whose
 * key has boilerplate_min or more distinct low 24 bits are boilerplate. */
RPI_FUNC uint64_t rpi_sdoc_line_key(const struct rpi_sdoc *sd, uint32_t l);
#define RPI_LINE_MASK (~0xFFFFFFull) /* the line part of a line key */
#endif
