/* SPDX-License-Identifier: MIT */
/* cmd_report.h -- the self-contained HTML report of a finished run (`reprint report`,
 * `--report PATH`). See docs/report.md for what the page shows and its data hooks. */
#ifndef RP_CMD_REPORT_H
#define RP_CMD_REPORT_H
#include <stddef.h> /* size_t */
#include "reprint/reprint.h"

/* Default of --report-max-clusters: the largest clusters embedded in the page. */
#define REPORT_MAX_CLUSTERS 5000

/* Write the report of the run in e (rp_engine_run done) to path ("-" or NULL: stdout),
 * atomically. cfg is the run's configuration; inputs are shown on the page. max_clusters caps
 * the clusters embedded (0 = REPORT_MAX_CLUSTERS). Returns 0, or -1 with a message on stderr. */
int report_write(rp_engine *e, const rp_config *cfg, const char *path, size_t max_clusters,
                 char *const *inputs, int n_inputs);
#endif
