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

/* Refuse an output that is one of the inputs (same device and inode, whatever the spelling or
 * symlinks) or lies inside an input folder (it would be read as input, or replace one);
 * out_dir: out is a folder to be written (dedup). "-", devices and pipes always pass.
 * Returns 0, or -1 with a message on stderr naming both. */
int cli_out_check_inputs(const char *out, int out_dir, char *const *inputs, int n_inputs);
/* 1 when the two output paths name the same file (existing or not), else 0. */
int cli_out_same(const char *a, const char *b);

#endif
