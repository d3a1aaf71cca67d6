/* SPDX-License-Identifier: MIT */
/* cli_args.c -- command-line pieces every command shares (see cli_args.h). */
#include <errno.h>  /* errno */
#include <stdio.h>  /* fprintf */
#include <stdlib.h> /* strtod, strtoul */
#include <string.h> /* strcmp */
#include "cli_args.h"
#include "json_out.h" /* jout_str */

int cli_usage_error(const char *prog, const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry '%s --help'.\n", prog);
    return 2;
}

int cli_parse_count(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
    char *end;
    errno = 0;
    const unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi || s[0] == '-') return -1;
    *out = v;
    return 0;
}

int cli_parse_size(const char *s, double max, uint64_t *out)
{
    char *end;
    errno = 0;
    const double v = strtod(s, &end);
    if (errno || end == s || v < 0) return -1;
    double mul = 1;
    switch (*end) {
    case 'k':
    case 'K': mul = 1024.0; break;
    case 'm':
    case 'M': mul = 1024.0 * 1024; break;
    case 'g':
    case 'G': mul = 1024.0 * 1024 * 1024; break;
    case 't':
    case 'T': mul = 1024.0 * 1024 * 1024 * 1024; break;
    default: break;
    }
    if (mul > 1) end++;
    if (*end == 'i') end++;
    if (*end == 'B' || *end == 'b') end++;
    if (*end || v * mul > max) return -1;
    *out = (uint64_t)(v * mul);
    return 0;
}

int cli_engine_opt(const char *prog, int opt, const char *arg, rp_config *g)
{
    unsigned long v;
    switch (opt) {
    case CLI_OPT_LEVEL:
        if (!strcmp(arg, "exact"))
            g->level = RP_LEVEL_EXACT;
        else if (!strcmp(arg, "near"))
            g->level = RP_LEVEL_NEAR;
        else if (!strcmp(arg, "reuse"))
            g->level = RP_LEVEL_REUSE;
        else if (!strcmp(arg, "story"))
            g->level = RP_LEVEL_STORY;
        else if (!strcmp(arg, "event"))
            g->level = RP_LEVEL_EVENT;
        else
            return cli_usage_error(prog, "unknown --level '%s' (exact, near, reuse, story, event)",
                                   arg);
        break;
    case CLI_OPT_THRESHOLD: {
        char *end;
        g->threshold = strtod(arg, &end);
        if (*end || !(g->threshold > 0 && g->threshold <= 1))
            return cli_usage_error(prog, "--threshold must be in (0, 1], got '%s'", arg);
        break;
    }
    case CLI_OPT_NGRAM:
        if (cli_parse_count(arg, 1, 64, &v))
            return cli_usage_error(prog, "--ngram: 1..64, got '%s'", arg);
        g->ngram = (unsigned)v;
        break;
    case CLI_OPT_NUM_PERM:
        if (cli_parse_count(arg, RP_MINHASH_MIN_PERM, RP_MINHASH_MAX_PERM, &v))
            return cli_usage_error(prog, "--num-perm: 8..1024, got '%s'", arg);
        g->num_perm = (unsigned)v;
        break;
    case CLI_OPT_BANDS:
        if (cli_parse_count(arg, 1, 1024, &v))
            return cli_usage_error(prog, "--bands: 1..1024, got '%s'", arg);
        g->bands = (unsigned)v;
        break;
    case CLI_OPT_ROWS:
        if (cli_parse_count(arg, 1, 1024, &v))
            return cli_usage_error(prog, "--rows: 1..1024, got '%s'", arg);
        g->rows = (unsigned)v;
        break;
    case CLI_OPT_VERIFY:
        if (!strcmp(arg, "signature"))
            g->verify = RP_VERIFY_SIGNATURE;
        else if (!strcmp(arg, "exact"))
            g->verify = RP_VERIFY_EXACT;
        else
            return cli_usage_error(prog, "unknown --verify '%s' (signature, exact)", arg);
        break;
    case CLI_OPT_KEEP:
        if (!strcmp(arg, "longest"))
            g->keep = RP_KEEP_LONGEST;
        else if (!strcmp(arg, "first"))
            g->keep = RP_KEEP_FIRST;
        else if (!strcmp(arg, "earliest"))
            g->keep = RP_KEEP_EARLIEST;
        else
            return cli_usage_error(prog, "unknown --keep '%s' (longest, first, earliest)", arg);
        break;
    case CLI_OPT_MAX_BUCKET:
        if (cli_parse_count(arg, 2, 1u << 30, &v))
            return cli_usage_error(prog, "--max-bucket: >= 2, got '%s'", arg);
        g->max_bucket = v;
        break;
    case CLI_OPT_SEED:
        if (cli_parse_count(arg, 0, ~0ul, &v))
            return cli_usage_error(prog, "--seed: a number, got '%s'", arg);
        g->seed = v;
        break;
    case CLI_OPT_FORMAT:
        if (!strcmp(arg, "auto"))
            g->ingest.format = RP_FORMAT_AUTO;
        else if (!strcmp(arg, "text"))
            g->ingest.format = RP_FORMAT_TEXT;
        else if (!strcmp(arg, "jsonl"))
            g->ingest.format = RP_FORMAT_JSONL;
        else if (!strcmp(arg, "json"))
            g->ingest.format = RP_FORMAT_JSON;
        else if (!strcmp(arg, "warc"))
            g->ingest.format = RP_FORMAT_WARC;
        else if (!strcmp(arg, "html"))
            g->ingest.format = RP_FORMAT_HTML;
        else
            return cli_usage_error(prog, "unknown --format '%s'", arg);
        break;
    case CLI_OPT_ID_FIELD: g->ingest.id_field = arg; break;
    case CLI_OPT_TEXT_FIELD: g->ingest.text_field = arg; break;
    case CLI_OPT_DATE_FIELD: g->ingest.date_field = arg; break;
    case CLI_OPT_TITLE_FIELD: g->ingest.title_field = arg; break;
    case CLI_OPT_URL_FIELD: g->ingest.url_field = arg; break;
    case CLI_OPT_MAX_DOC: { /* offsets are 32-bit: below 4 GiB */
        uint64_t s;
        if (cli_parse_size(arg, 3.9e9, &s) || s < 1)
            return cli_usage_error(prog, "--max-doc-size: a size below 4G like 64M, got '%s'", arg);
        g->ingest.max_doc_size = (size_t)s;
        break;
    }
    case CLI_OPT_TRUNCATE: g->ingest.truncate_large = 1; break;
    case CLI_OPT_NO_NFKC: g->norm.flags &= ~RP_NORM_NFKC; break;
    case CLI_OPT_NO_CASEFOLD: g->norm.flags &= ~RP_NORM_CASEFOLD; break;
    case CLI_OPT_NO_ACCENTS: g->norm.flags &= ~RP_NORM_STRIP_ACCENTS; break;
    case CLI_OPT_NO_PUNCT: g->norm.flags &= ~RP_NORM_PUNCT; break;
    case CLI_OPT_NO_CJK: g->norm.flags &= ~RP_NORM_CJK_CHARS; break;
    case CLI_OPT_THREADS:
        if (cli_parse_count(arg, 1, 256, &v))
            return cli_usage_error(prog, "--threads: 1..256, got '%s'", arg);
        g->threads = (unsigned)v;
        break;
    case CLI_OPT_MAX_MEMORY:
        if (cli_parse_size(arg, 1e18, &g->max_memory) || g->max_memory < (1u << 20))
            return cli_usage_error(prog, "--max-memory: a size of at least 1M like 4G, got '%s'",
                                   arg);
        break;
    case CLI_OPT_TMP_DIR: g->tmp_dir = arg; break;
    case CLI_OPT_LEXICON_DIR: g->lexicon_dir = arg; break;
    case CLI_OPT_MIN_PASSAGE:
        if (cli_parse_count(arg, 2, 1000, &v))
            return cli_usage_error(prog, "--min-passage: 2..1000 words, got '%s'", arg);
        g->min_passage = (unsigned)v;
        break;
    case CLI_OPT_WINDOW: {
        char *end;
        g->window_days = strtod(arg, &end);
        if (*end || !(g->window_days >= 0 && g->window_days <= 1e6))
            return cli_usage_error(prog, "--window: days >= 0, got '%s'", arg);
        break;
    }
    case CLI_OPT_BOILER:
        if (cli_parse_count(arg, 0, 1u << 30, &v))
            return cli_usage_error(prog, "--boilerplate-min: a count, got '%s'", arg);
        g->boilerplate_min = (unsigned)v;
        break;
    default: return CLI_NOT_ENGINE_OPT;
    }
    return 0;
}

int cli_engine_check(const char *prog, const rp_config *g)
{
    if ((g->bands == 0) != (g->rows == 0))
        return cli_usage_error(prog, "%s", "--bands and --rows go together");
    if (g->bands && (unsigned long)g->bands * g->rows > RP_CONFIG_NUM_PERM(g))
        return cli_usage_error(prog, "%s", "--bands x --rows must not exceed --num-perm");
    return 0;
}

void cli_cluster_line_begin(FILE *f, const rp_doc_result *r)
{
    fputs("{\"id\":", f);
    jout_str(f, r->id);
    fputs(",\"cluster\":", f);
    jout_str(f, r->cluster);
    fprintf(f, ",\"relation\":\"%s\",\"of\":", rp_relation_str(r->relation));
    jout_str(f, r->of); /* null for originals and unique documents */
    fputs(",\"score\":", f);
    jout_score(f, r->score);
}

void cli_cluster_line_end(FILE *f, const rp_doc_result *r)
{
    if (r->skip != RP_SKIP_NONE) {
        fprintf(f, ",\"skipped\":\"%s\"", rp_skip_reason_str(r->skip));
        if (r->detail) {
            fputs(",\"detail\":", f);
            jout_str(f, r->detail);
        }
    }
    fputs("}\n", f);
}
