/* SPDX-License-Identifier: MIT */
/* cmd_story.h -- output of the reuse and story levels: cluster extras, pairs with signals and
 * passages, and the `explain` report. */
#ifndef RP_CMD_STORY_H
#define RP_CMD_STORY_H
#include <stdio.h> /* FILE */
#include "reprint/reprint.h"

/* Per-document cluster JSON fields after "score" (title, disagreements on the original's
 * line); k is the document number. */
void story_cluster_fields(FILE *f, rp_engine *e, size_t k);
/* One pairs line at the reuse/story level. */
void story_pair_line(FILE *f, rp_engine *e, const rp_pair *p);
/* The explain report for documents a and b, human-readable. Returns 0 or -1. */
/* level: the run's; at story and event a lineage line, at event a line says whether the two
 * report one event (the verdict is about version families) */
int story_explain(FILE *f, rp_engine *e, size_t a, size_t b, rp_level level);
#endif
