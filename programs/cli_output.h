/* SPDX-License-Identifier: MIT */
/* cli_output.h -- atomic output files (temp + fsync + rename). */
#ifndef RP_CLI_OUTPUT_H
#define RP_CLI_OUTPUT_H
#include <stdio.h> /* FILE */

struct cli_out {
    FILE *f;
    char *final_path; /* NULL for stdout */
    char *tmp_path;
};

/* Open path for writing ("-" or NULL = stdout). Writes go to a temporary file in the same
 * directory, renamed over path by cli_out_commit. Returns 0 or -1 with a message on stderr. */
int cli_out_open(struct cli_out *o, const char *path);
/* Flush, fsync, close and rename. Returns 0, or -1 (message printed, temp file removed). */
int cli_out_commit(struct cli_out *o);
/* Discard: close and remove the temporary file. */
void cli_out_abort(struct cli_out *o);

#endif
