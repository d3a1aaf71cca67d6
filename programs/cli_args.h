/* SPDX-License-Identifier: MIT */
/* cli_args.h -- command-line pieces every command shares: usage errors, counts and sizes, and
 * the options that fill an rp_config (level, thresholds, input, normalization, run). */
#ifndef RP_CLI_ARGS_H
#define RP_CLI_ARGS_H
#include <getopt.h> /* struct option */
#include <stdint.h> /* uint64_t */
#include "reprint/reprint.h"

/* Print "PROG: <fmt with arg>" and "Try 'PROG --help'." to stderr; returns 2 (usage). */
int cli_usage_error(const char *prog, const char *fmt, const char *arg);
/* A decimal count in [lo, hi]: 0, or -1. */
int cli_parse_count(const char *s, unsigned long lo, unsigned long hi, unsigned long *out);
/* A size like 4096, 512k, 64M, 1G, 2T (binary; "i" and "B" may follow), at most max: 0 or -1. */
int cli_parse_size(const char *s, double max, uint64_t *out);

/* Engine options: values returned by getopt_long. Commands number their own from
 * CLI_OPT_ENGINE_END. */
enum {
    CLI_OPT_LEVEL = 256,
    CLI_OPT_THRESHOLD,
    CLI_OPT_NGRAM,
    CLI_OPT_NUM_PERM,
    CLI_OPT_BANDS,
    CLI_OPT_ROWS,
    CLI_OPT_VERIFY,
    CLI_OPT_KEEP,
    CLI_OPT_MAX_BUCKET,
    CLI_OPT_SEED,
    CLI_OPT_FORMAT,
    CLI_OPT_ID_FIELD,
    CLI_OPT_TEXT_FIELD,
    CLI_OPT_DATE_FIELD,
    CLI_OPT_TITLE_FIELD,
    CLI_OPT_URL_FIELD,
    CLI_OPT_MAX_DOC,
    CLI_OPT_TRUNCATE,
    CLI_OPT_NO_NFKC,
    CLI_OPT_NO_CASEFOLD,
    CLI_OPT_NO_ACCENTS,
    CLI_OPT_NO_PUNCT,
    CLI_OPT_NO_CJK,
    CLI_OPT_THREADS,
    CLI_OPT_TMP_DIR,
    CLI_OPT_MAX_MEMORY,
    CLI_OPT_MIN_PASSAGE,
    CLI_OPT_WINDOW,
    CLI_OPT_BOILER,
    CLI_OPT_LEXICON_DIR,
    CLI_OPT_ENGINE_END
};

/* struct option entries: the options of clustering and input (every engine command) ... */
#define CLI_LONGOPTS_CLUSTERING                                                                \
    {"level", required_argument, NULL, CLI_OPT_LEVEL},                                         \
        {"threshold", required_argument, NULL, CLI_OPT_THRESHOLD},                             \
        {"ngram", required_argument, NULL, CLI_OPT_NGRAM},                                     \
        {"num-perm", required_argument, NULL, CLI_OPT_NUM_PERM},                               \
        {"bands", required_argument, NULL, CLI_OPT_BANDS},                                     \
        {"rows", required_argument, NULL, CLI_OPT_ROWS},                                       \
        {"keep", required_argument, NULL, CLI_OPT_KEEP},                                       \
        {"max-bucket", required_argument, NULL, CLI_OPT_MAX_BUCKET},                           \
        {"seed", required_argument, NULL, CLI_OPT_SEED},                                       \
        {"format", required_argument, NULL, CLI_OPT_FORMAT},                                   \
        {"id-field", required_argument, NULL, CLI_OPT_ID_FIELD},                               \
        {"text-field", required_argument, NULL, CLI_OPT_TEXT_FIELD},                           \
        {"date-field", required_argument, NULL, CLI_OPT_DATE_FIELD},                           \
        {"title-field", required_argument, NULL, CLI_OPT_TITLE_FIELD},                         \
        {"max-doc-size", required_argument, NULL, CLI_OPT_MAX_DOC},                            \
        {"truncate-large", no_argument, NULL, CLI_OPT_TRUNCATE},                               \
        {"no-nfkc", no_argument, NULL, CLI_OPT_NO_NFKC},                                       \
        {"no-casefold", no_argument, NULL, CLI_OPT_NO_CASEFOLD},                               \
        {"no-strip-accents", no_argument, NULL, CLI_OPT_NO_ACCENTS},                           \
        {"no-punct", no_argument, NULL, CLI_OPT_NO_PUNCT},                                     \
        {"no-cjk-chars", no_argument, NULL, CLI_OPT_NO_CJK}
/* ... and those of a batch run (verification, threads, memory, the story levels; --url-field:
 * `cluster` reads the urls again, the index stores none). */
#define CLI_LONGOPTS_RUN                                                                       \
    {"verify", required_argument, NULL, CLI_OPT_VERIFY},                                       \
        {"url-field", required_argument, NULL, CLI_OPT_URL_FIELD},                             \
        {"threads", required_argument, NULL, CLI_OPT_THREADS},                                 \
        {"tmp-dir", required_argument, NULL, CLI_OPT_TMP_DIR},                                 \
        {"max-memory", required_argument, NULL, CLI_OPT_MAX_MEMORY},                           \
        {"min-passage", required_argument, NULL, CLI_OPT_MIN_PASSAGE},                         \
        {"window", required_argument, NULL, CLI_OPT_WINDOW},                                   \
        {"boilerplate-min", required_argument, NULL, CLI_OPT_BOILER},                          \
        {"lexicon-dir", required_argument, NULL, CLI_OPT_LEXICON_DIR}

#define CLI_NOT_ENGINE_OPT (-1)
/* Apply engine option opt (a CLI_OPT_* value) with its argument to g. Returns 0, 2 after a
 * usage message naming prog, or CLI_NOT_ENGINE_OPT for any other option. */
int cli_engine_opt(const char *prog, int opt, const char *arg, rp_config *g);
/* Checks across options (--bands with --rows): 0 or 2 after a usage message. */
int cli_engine_check(const char *prog, const rp_config *g);

/* The fields of a `cluster` line up to "score" (no closing brace) and the skip fields with
 * the closing brace and newline; commands add their own fields in between. */
void cli_cluster_line_begin(FILE *f, const rp_doc_result *r);
void cli_cluster_line_end(FILE *f, const rp_doc_result *r);
#endif
