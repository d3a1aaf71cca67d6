/* SPDX-License-Identifier: MIT */
/* cmd_eval.h -- the `reprint eval` subcommand (scores a clustering against gold labels);
 * rp_cli.c dispatches to it. */
#ifndef RP_CMD_EVAL_H
#define RP_CMD_EVAL_H

/* One line for the CLI's list of subcommands. */
#define RP_CMD_EVAL_SUMMARY "score a clustering (reprint cluster JSONL) against gold labels"

/* Run `reprint eval --gold GOLD.tsv [--json] [-o FILE] PRED.jsonl`; argv[0] is "eval".
 * Writes the report to stdout (or FILE) and diagnostics to stderr. Returns the process exit
 * status: 0 success, 1 input problem (unreadable or malformed file, out of memory),
 * 2 usage error. Keeps no global state (no getopt), so it may be called more than once. */
int rp_cmd_eval(int argc, char **argv);

#endif /* RP_CMD_EVAL_H */
