/* SPDX-License-Identifier: MIT */
/* cmd_index.h -- `reprint index` (create, add, query, remove, stats, export) and the option
 * parsing it shares with `reprint serve`. */
#ifndef RP_CMD_INDEX_H
#define RP_CMD_INDEX_H
#include <stdio.h> /* FILE */
#include "reprint/rp_index.h"

/* argv[0] is "index". Returns the process exit status. */
int rp_cmd_index(int argc, char **argv);

/* One cluster JSON line, as `reprint cluster` writes it. */
void index_cluster_line(FILE *f, const rp_doc_result *r);

/* The counters of `index stats` and GET /v1/stats, as JSON members without braces: the
 * common ones (documents ... map_size), then the story level's corpus statistics. */
void index_stats_counts(FILE *f, const rp_index_stats *s);
void index_stats_story(FILE *f, const rp_index_stats *s);

/* Exit status for a failed index call (3 = fatal, 4 = locked, 5 = full; see --help). */
int index_exit_status(const rp_index *ix);
#endif
