/* SPDX-License-Identifier: MIT */
/* rp_cli.c -- the reprint command line: argument parsing, progress, summaries, and the
 * cluster / pairs / dedup / eval commands. Uses only the public API in include/reprint/. */
#define RP_STATIC_LINKING_ONLY /* rp_timings: --verbose prints where the time went */
#include <errno.h>             /* errno */
#include <getopt.h>            /* getopt_long */
#if defined(__GLIBC__)
#include <malloc.h> /* mallopt */
#endif
#include <dirent.h>   /* opendir: is the dedup folder empty */
#include <fcntl.h>    /* open, O_EXCL */
#include <ftw.h>      /* nftw: remove an unfinished dedup folder */
#include <signal.h>   /* signal */
#include <stdio.h>    /* fprintf */
#include <stdlib.h>   /* strtod, strtoul */
#include <string.h>   /* strcmp */
#include <strings.h>  /* strcasecmp */
#include <sys/stat.h> /* mkdir */
#include <time.h>     /* clock_gettime */
#include <unistd.h>   /* isatty */
#include "reprint/reprint.h"
#include "reprint/rp_dist.h"
#include "cli_args.h"
#include "cli_output.h"
#include "json_out.h" /* jout_str */
#include "cmd_eval.h"
#include "cmd_index.h"
#include "cmd_report.h"
#include "cmd_serve.h"
#include "cmd_story.h"

enum { EXIT_OK = 0, EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_FATAL = 3 };

static const char USAGE[] =
    "usage: reprint COMMAND [OPTIONS] INPUT...\n"
    "\n"
    "Find every copy of a text in a collection: exact and near duplicates, partial reprints,\n"
    "shared passages, and rewrites or translations of the same story.\n"
    "\n"
    "Commands:\n"
    "  cluster   one JSON line per input document: its cluster, relation and score\n"
    "  pairs     one JSON line per linked pair, with its relation, scores and passages\n"
    "  explain   why two documents are or are not one story: reprint explain [OPTIONS] A B\n"
    "            [INPUT...] (A, B: document ids in INPUT, or two files)\n"
    "  dedup     write the collection back with one document per cluster\n"
    "  report    one self-contained HTML page of the results: -o report.html\n"
    "  eval      score a clustering against gold labels: reprint eval --gold GOLD.tsv PRED.jsonl\n"
    "  index     persistent index: reprint index create|add|query|remove|stats|export DIR\n"
    "            (see reprint index --help)\n"
    "  serve     HTTP JSON service over an index: reprint serve DIR (see reprint serve --help)\n"
    "  version   print the version\n"
    "\n"
    "INPUT is a file, a directory (read recursively) or - for standard input. Formats: plain\n"
    "text (.txt .md, one document per file), JSON Lines (.jsonl .ndjson), JSON (.json array or\n"
    "lines), WARC/WET (.warc .wet), HTML pages (.html .htm .xhtml, one document per file: the\n"
    "text without tags, <title> as title); each optionally .gz or .zst. Unknown extensions\n"
    "are sniffed.\n"
    "\n";
/* second half: one string literal may not exceed 4095 bytes in ISO C */
static const char USAGE2[] =
    "Clustering options:\n"
    "  --level exact|near|reuse|story|event\n"
    "                          exact: identical normalized text; near: MinHash+LSH, 5-gram\n"
    "                          Jaccard; reuse: shared passages; story: same story in other\n"
    "                          words (terms, names, numbers, passages); event: story families\n"
    "                          reporting one event (default near)\n"
    "  --threshold T           the level's threshold: near Jaccard, reuse share of the shorter\n"
    "                          document in shared passages, story score (default 0.5 near,\n"
    "                          0.05 reuse, 0.35 story)\n"
    "  --min-passage N         reuse/story: shortest shared passage in words (default 10)\n"
    "  --window DAYS           story: dated documents further apart are never one story\n"
    "                          (default 3; 0 = no window)\n"
    "  --boilerplate-min N     reuse/story: a line in N or more distinct contexts is\n"
    "                          boilerplate and ignored (default 4; 0 = off)\n"
    "  --lexicon-dir DIR       story: word lists that carry other languages into English\n"
    "                          (default $REPRINT_LEXICON_DIR, else the build's)\n"
    "  --ngram N               words per shingle (default 5)\n"
    "  --num-perm K            MinHash signature length (default 128; 64 at reuse/story)\n"
    "  --bands B --rows R      LSH banding (default derived from the threshold)\n"
    "  --verify signature|exact  check candidates by MinHash estimate or exact Jaccard of the\n"
    "                          shingle sets, spilled to a temp file (default signature); pairs\n"
    "                          prints \"jaccard\" (near pairs) only with exact\n"
    "  --keep longest|first|earliest  tie-break between equally connected documents, so the\n"
    "                          representative among them (default longest)\n"
    "  --max-bucket N          LSH bucket members paired exhaustively (default 512)\n"
    "  --seed S                hashing seed (default 0)\n"
    "Input options:\n"
    "  --format auto|text|jsonl|json|warc|html   force the input format (default auto)\n"
    "  --id-field F --text-field F          JSON keys (default id, text)\n"
    "  --date-field F --title-field F --url-field F   optional JSON keys (default none;\n"
    "                          reuse, story: date, title); cluster adds \"url\" to each line\n"
    "                          that has one (the inputs are read twice). Dates:\n"
    "                          2022-04-25[T10:54Z], 2022/04/25, Mon, 25 Apr 2022 10:54 GMT,\n"
    "                          April 25, 2022 10:54 AM, 25th April 2022, 25-APR-2022, epoch\n"
    "                          seconds\n"
    "  --max-doc-size SIZE     largest document, e.g. 64M (default 64M)\n"
    "  --truncate-large        cut larger documents to --max-doc-size (default: skip them)\n"
    "Normalization (all on by default):\n"
    "  --no-nfkc --no-casefold --no-strip-accents --no-punct --no-cjk-chars\n"
    "Run options:\n"
    "  -o, --output PATH       output file (default stdout; written atomically; never an\n"
    "                          input); for dedup of folders, text or HTML files, a new folder\n"
    "  --threads N             worker threads (default all cores; serve: 4 HTTP threads)\n"
    "  --tmp-dir DIR           directory for spill files (default $TMPDIR or /tmp)\n"
    "  --max-memory SIZE       cap on the working set (signatures, ids, pairs); the run stops\n"
    "                          with exit 3 if it would be exceeded (default 3/4 of RAM)\n"
    "  --report PATH           also write the HTML report of the run to PATH (cluster, pairs,\n"
    "                          dedup, explain, report; not index, eval, serve)\n"
    "  --report-max-clusters N  largest clusters embedded in the HTML report (default 5000)\n"
    "  -q, --quiet             no progress line and no summary\n"
    "  -v, --verbose           parameters and per-stage timings on stderr\n"
    "  -h, --help              this help\n";
/* (split: C99 requires compilers to take string literals of 4095 bytes, not more) */
static const char USAGE3[] =
    "Restart and many machines (docs/distributed.md):\n"
    "  --work-dir DIR          keep each piece's prepared documents in DIR as stage files\n"
    "                          (with a MANIFEST); under mpirun every rank writes its own\n"
    "  --resume                reuse the stage files in --work-dir that verify (after an\n"
    "                          interrupted run; any number of ranks); the output is the same\n"
    "  --piece-size SIZE       input bytes per piece (default 16M); JSON Lines files larger\n"
    "                          than this are cut at line starts, WARC at record starts;\n"
    "                          compressed in many gzip members or zstd frames, at their starts\n"
    "\n"
    "Exit status: 0 success; 1 input problems (some documents skipped: results were written\n"
    "and the skipped documents are flagged in them); 2 usage error; 3 fatal error (output\n"
    "could not be written, out of memory; no output is left behind); 4 the index is locked by\n"
    "another writer (index, serve); 5 the index or the disk is full (index; nothing of the\n"
    "failed batch was stored).\n";

static void print_usage(FILE *f)
{
    fputs(USAGE, f);
    fputs(USAGE2, f);
    fputs(USAGE3, f);
}

enum { OPT_REPORT = CLI_OPT_ENGINE_END, OPT_RMAX, OPT_WORK_DIR, OPT_RESUME, OPT_PIECE };

static const struct option LONGOPTS[] = {CLI_LONGOPTS_CLUSTERING,
                                         CLI_LONGOPTS_RUN,
                                         {"report", required_argument, NULL, OPT_REPORT},
                                         {"report-max-clusters", required_argument, NULL, OPT_RMAX},
                                         {"work-dir", required_argument, NULL, OPT_WORK_DIR},
                                         {"resume", no_argument, NULL, OPT_RESUME},
                                         {"piece-size", required_argument, NULL, OPT_PIECE},
                                         {"output", required_argument, NULL, 'o'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"verbose", no_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};

struct cli {
    const char *cmd;
    rp_config cfg;
    const char *output;
    int quiet, verbose, progress;
    char **inputs;
    int n_inputs;
    char *spooled; /* temp copy of stdin for two-pass commands */
    int level_set;
    const char *explain_a, *explain_b; /* explain: the two documents */
    const char *report;                /* --report PATH */
    size_t report_max;                 /* --report-max-clusters */
    rp_dist_options dist;              /* --work-dir, --resume, --piece-size */
};

static int usage_error(const char *fmt, const char *arg)
{
    return cli_usage_error("reprint", fmt, arg);
}

static int parse_args(struct cli *c, int argc, char **argv)
{
    rp_config_default(&c->cfg);
    rp_dist_options_default(&c->dist);
    c->progress = isatty(2) && rp_dist_rank() == 0;
    int opt;
    unsigned long v;
    optind = 2; /* argv[1] is the command */
    while ((opt = getopt_long(argc, argv, "o:qvh", LONGOPTS, NULL)) != -1) {
        if (opt == CLI_OPT_LEVEL) c->level_set = 1;
        const int er = cli_engine_opt("reprint", opt, optarg, &c->cfg);
        if (er != CLI_NOT_ENGINE_OPT) {
            if (er) return er;
            continue;
        }
        switch (opt) {
        case OPT_REPORT: c->report = optarg; break;
        case OPT_WORK_DIR: c->dist.work_dir = optarg; break;
        case OPT_RESUME: c->dist.resume = 1; break;
        case OPT_PIECE:
            if (cli_parse_size(optarg, 1e15, &c->dist.piece_size) || c->dist.piece_size < 1)
                return usage_error("--piece-size: a size like 64M, got '%s'", optarg);
            break;
        case OPT_RMAX:
            if (cli_parse_count(optarg, 1, 1ul << 30, &v))
                return usage_error("--report-max-clusters: >= 1, got '%s'", optarg);
            c->report_max = v;
            break;
        case 'o': c->output = optarg; break;
        case 'q':
            c->quiet = 1;
            c->progress = 0;
            break;
        case 'v': c->verbose = 1; break;
        case 'h': print_usage(stdout); exit(EXIT_OK);
        default: return usage_error("%s", "invalid option");
        }
    }
    if (cli_engine_check("reprint", &c->cfg)) return EXIT_USAGE;
    c->inputs = argv + optind;
    c->n_inputs = argc - optind;
    if (!strcmp(c->cmd, "explain")) {
        if (c->n_inputs < 2) return usage_error("%s", "explain: give two documents A B");
        if (!c->level_set) c->cfg.level = RP_LEVEL_STORY;
        if (c->cfg.level < RP_LEVEL_REUSE)
            return usage_error("%s", "explain works at --level reuse, story or event");
        c->explain_a = c->inputs[0];
        c->explain_b = c->inputs[1];
        if (c->n_inputs > 2) { /* A and B are ids in the inputs that follow */
            c->inputs += 2;
            c->n_inputs -= 2;
        }
    }
    if (c->n_inputs < 1) return usage_error("%s: no INPUT given", c->cmd);
    if (c->dist.resume && !c->dist.work_dir)
        return usage_error("%s", "--resume needs --work-dir (where the stage files are)");
    if (rp_dist_size() > 1)
        for (int i = 0; i < c->n_inputs; i++)
            if (!strcmp(c->inputs[i], "-"))
                return usage_error("%s", "standard input reaches rank 0 only: under mpirun "
                                         "give files or folders");
    return EXIT_OK;
}

/* ---- progress and diagnostics ----------------------------------------------------------- */

static void on_progress(const rp_progress *p, void *user)
{
    const struct cli *c = user;
    if (!c->progress) return;
    const double mb = (double)p->bytes_done / 1e6;
    const double rate = p->seconds > 0 ? (double)p->docs / p->seconds : 0;
    char eta[32] = "";
    if (p->bytes_total && p->bytes_done && p->seconds > 0.5 && p->bytes_done < p->bytes_total) {
        const double left =
            p->seconds * (double)(p->bytes_total - p->bytes_done) / (double)p->bytes_done;
        snprintf(eta, sizeof eta, "  ETA %.0fs", left);
    }
    fprintf(stderr, "\rreprint: %-10s %llu docs  %.1f MB  %.0f docs/s%s\033[K", p->stage,
            (unsigned long long)p->docs, mb, rate, eta);
}

struct logstate {
    unsigned shown;
    unsigned long long more;
    int progress;
};

static void on_log(const char *msg, void *user)
{
    struct logstate *ls = user;
    /* "decoded <path> from <charset> ..." reports a conversion (rp_summary.n_decoded),
     * "resume: ..." what a restart reused (lib/dist); every other message is a skipped
     * document */
    const int decoded = strncmp(msg, "decoded ", 8) == 0 || strncmp(msg, "resume: ", 8) == 0;
    if (ls->shown >= 20) {
        if (!decoded) ls->more++;
        return;
    }
    if (ls->progress) fputs("\r\033[K", stderr);
    fprintf(stderr, decoded ? "reprint: %s\n" : "reprint: skipped %s\n", msg);
    ls->shown++;
}

static const char *const LEVEL_NAMES[] = {"exact", "near", "reuse", "story", "event"};

static void print_summary(const struct cli *c, const rp_summary *s, const rp_timings *tm,
                          double secs)
{
    if (c->progress) fputs("\r\033[K", stderr);
    if (c->quiet) return;
    fprintf(stderr,
            "reprint: %llu documents read, %llu skipped, %llu clusters, %llu duplicates "
            "(%llu exact, %llu near), %llu unique, %llu empty; %.2f s\n",
            (unsigned long long)s->n_docs, (unsigned long long)s->n_skipped,
            (unsigned long long)s->n_clusters,
            (unsigned long long)(s->n_exact + s->n_near + s->n_partial + s->n_reuse + s->n_rewrite +
                                 s->n_translation),
            (unsigned long long)s->n_exact, (unsigned long long)s->n_near,
            (unsigned long long)s->n_unique, (unsigned long long)s->n_empty, secs);
    if (c->cfg.level >= RP_LEVEL_REUSE)
        fprintf(stderr,
                "reprint: %llu partial, %llu reuse, %llu rewrite; %llu boilerplate lines "
                "learnt and ignored\n",
                (unsigned long long)s->n_partial, (unsigned long long)s->n_reuse,
                (unsigned long long)s->n_rewrite, (unsigned long long)s->n_boilerplate_lines);
    if (c->cfg.level >= RP_LEVEL_STORY && s->n_languages > 1)
        fprintf(stderr,
                "reprint: %llu languages; %llu translation (%llu pairs of texts in two "
                "languages scored)\n",
                (unsigned long long)s->n_languages, (unsigned long long)s->n_translation,
                (unsigned long long)s->n_pivot_pairs);
    if (c->cfg.level >= RP_LEVEL_STORY && s->no_word_list[0])
        fprintf(stderr,
                "reprint: warning: no word list for %s (--lexicon-dir): those texts meet texts "
                "in other languages on names, numbers and transliterated words only "
                "(docs/internals/story.md, \"Across languages\")\n",
                s->no_word_list);
    if (c->cfg.level == RP_LEVEL_EVENT)
        fprintf(stderr, "reprint: %llu related (version families in the event of another)\n",
                (unsigned long long)s->n_related);
    if (s->n_small_collection)
        fprintf(stderr,
                "reprint: warning: %llu texts are too few for term statistics; their words "
                "were weighed against a background of common English words (docs/internals/"
                "story.md, \"Small collections\")\n",
                (unsigned long long)s->n_small_collection);
    if (s->n_skipped) {
        fprintf(stderr, "reprint: skipped by reason:");
        for (int r = 1; r < RP_SKIP_REASONS; r++)
            if (s->skipped_by[r])
                fprintf(stderr, " %s=%llu", rp_skip_reason_str((rp_skip)r),
                        (unsigned long long)s->skipped_by[r]);
        fputc('\n', stderr);
    }
    if (s->n_blank || s->n_ignored || s->n_truncated || s->n_repaired)
        fprintf(stderr,
                "reprint: %llu blank lines, %llu non-document WARC records, %llu truncated "
                "texts, %llu invalid UTF-8 sequences repaired\n",
                (unsigned long long)s->n_blank, (unsigned long long)s->n_ignored,
                (unsigned long long)s->n_truncated, (unsigned long long)s->n_repaired);
    if (s->n_decoded)
        fprintf(stderr,
                "reprint: %llu texts decoded to UTF-8 from another charset (first: %s), %llu "
                "bytes not convertible replaced by U+FFFD\n",
                (unsigned long long)s->n_decoded, s->decoded_first ? s->decoded_first : "?",
                (unsigned long long)s->n_decode_replaced);
    if (s->n_renamed_ids)
        fprintf(stderr,
                "reprint: %llu ids were already taken by earlier documents and were made unique "
                "(first: %s)\n",
                (unsigned long long)s->n_renamed_ids,
                s->renamed_id_first ? s->renamed_id_first : "?");
    if (s->n_bad_dates)
        fprintf(stderr,
                "reprint: %llu dates not understood, those documents are undated (first: %s; "
                "formats: reprint --help)\n",
                (unsigned long long)s->n_bad_dates, s->bad_date_first ? s->bad_date_first : "?");
    if (c->verbose)
        fprintf(stderr,
                "reprint: level=%s ngram=%u threshold=%.3f num_perm=%u bands=%u rows=%u "
                "verify=%s threads=%u\n"
                "reprint: stages: read+sketch %.3f s, group %.3f s, candidates+verify %.3f s "
                "(%llu candidates, %llu verified), cluster %.3f s\n",
                LEVEL_NAMES[c->cfg.level], c->cfg.ngram, s->threshold, RP_CONFIG_NUM_PERM(&c->cfg),
                s->bands, s->rows, c->cfg.verify == RP_VERIFY_EXACT ? "exact" : "signature",
                s->threads, tm->t_read, tm->t_group, tm->t_candidates,
                (unsigned long long)s->n_candidates, (unsigned long long)s->n_verified,
                tm->t_cluster);
    if (c->verbose && c->cfg.level >= RP_LEVEL_REUSE)
        fprintf(stderr, "reprint: story stage %.3f s (%llu pairs scored, %llu linked)\n",
                tm->t_story, (unsigned long long)s->n_story_candidates,
                (unsigned long long)s->n_story_links);
    if (c->verbose && c->cfg.level >= RP_LEVEL_REUSE)
        fprintf(stderr,
                "reprint: story steps: boilerplate %.3f s, term statistics %.3f s, vectors %.3f "
                "s, candidates %.3f s, scoring %.3f s, clusters %.3f s, relations %.3f s\n",
                tm->t_story_steps[0], tm->t_story_steps[1], tm->t_story_steps[2],
                tm->t_story_steps[3], tm->t_story_steps[4], tm->t_story_steps[5],
                tm->t_story_steps[6]);
    if (c->verbose)
        fprintf(stderr,
                "reprint: peak RSS after read %.1f MiB, candidates %.1f MiB, "
                "cluster %.1f MiB\n",
                tm->rss_read, tm->rss_candidates, tm->rss_cluster);
    rp_dist_rank_stats rs[64];
    const size_t nr = c->verbose ? rp_dist_stats(rs, 64) : 0;
    for (size_t k = 0; k < nr && k < 64; k++)
        fprintf(stderr,
                "reprint: rank %d: %llu pieces (%llu reused), %llu documents, prepared in %.3f "
                "s, %.1f MiB of units sent, %.1f MiB sent in near's LSH, peak RSS %.1f MiB\n",
                rs[k].rank, (unsigned long long)rs[k].pieces, (unsigned long long)rs[k].reused,
                (unsigned long long)rs[k].docs, rs[k].t_prepare,
                (double)rs[k].bytes_sent / 1048576.0, (double)rs[k].bytes_lsh / 1048576.0,
                rs[k].peak_rss_mib);
    if (nr > 64) fprintf(stderr, "reprint: ... and %zu more ranks\n", nr - 64);
}

/* ---- commands ----------------------------------------------------------------------------- */

static void write_cluster_line(FILE *f, rp_engine *e, size_t k, const rp_doc_result *r,
                               const char *url, rp_level level)
{
    cli_cluster_line_begin(f, r);
    if (level == RP_LEVEL_EVENT) { /* the version family inside the event (its original) */
        fputs(",\"family\":", f);
        jout_str(f, r->family);
    }
    if (rp_engine_text(e, k, NULL)) story_cluster_fields(f, e, k);
    if (url) { /* --url-field */
        fputs(",\"url\":", f);
        jout_str(f, url);
    }
    cli_cluster_line_end(f, r);
}

/* --url-field: the engine keeps no urls, so `cluster` reads the inputs a second time (as
 * dedup does) and parses each record again for its url, in the engine's document order. */
struct url_pass {
    const struct cli *c;
    int input;
    rp_reader *rd;
    rp_parser *ps;
};

static const char *input_path(const struct cli *c, int a)
{
    return strcmp(c->inputs[a], "-") == 0 && c->spooled ? c->spooled : c->inputs[a];
}

/* The next document: 1 with *doc filled, 0 at the end, -1 on an error (message printed). */
static int url_next(struct url_pass *u, rp_doc *doc)
{
    while (u->input < u->c->n_inputs) {
        if (!u->rd &&
            rp_reader_open(&u->rd, input_path(u->c, u->input), &u->c->cfg.ingest, NULL) != RP_OK) {
            fprintf(stderr, "reprint: %s: cannot reopen for --url-field\n",
                    input_path(u->c, u->input));
            return -1;
        }
        rp_record rec;
        const rp_status st = rp_reader_next(u->rd, &rec);
        if (st == RP_OK && rec.skip == RP_SKIP_BLANK) continue;
        if (st == RP_OK) return rp_record_parse(u->ps, &rec, doc) == RP_OK ? 1 : -1;
        rp_reader_free(u->rd);
        u->rd = NULL;
        if (st != RP_DONE) return -1;
        u->input++;
    }
    return 0;
}

static int write_clusters(const struct cli *c, rp_engine *e)
{
    struct cli_out o;
    struct url_pass u = {c, 0, NULL, NULL};
    if (c->cfg.ingest.url_field && rp_parser_create(&u.ps, &c->cfg.ingest, NULL) != RP_OK)
        return EXIT_FATAL;
    if (cli_out_open(&o, c->output)) {
        rp_parser_free(u.ps);
        return EXIT_FATAL;
    }
    const size_t n = rp_engine_n_docs(e);
    int rc = EXIT_OK;
    for (size_t i = 0; i < n && rc == EXIT_OK; i++) {
        rp_doc_result r;
        rp_doc d;
        rp_engine_doc(e, i, &r);
        const int got = u.ps ? url_next(&u, &d) : 0;
        if (got < 0 || (u.ps && !got)) {
            fprintf(stderr, "reprint: inputs changed between passes; --url-field aborted\n");
            rc = EXIT_FATAL;
            break;
        }
        write_cluster_line(o.f, e, i, &r, got ? d.url : NULL, c->cfg.level);
    }
    rp_reader_free(u.rd);
    rp_parser_free(u.ps);
    if (rc != EXIT_OK) {
        cli_out_abort(&o);
        return rc;
    }
    return cli_out_commit(&o) ? EXIT_FATAL : EXIT_OK;
}

static int write_pairs(const struct cli *c, rp_engine *e)
{
    struct cli_out o;
    if (cli_out_open(&o, c->output)) return EXIT_FATAL;
    const size_t n = rp_engine_n_pairs(e);
    for (size_t k = 0; k < n; k++) {
        rp_pair p;
        rp_doc_result a, b;
        rp_engine_pair(e, k, &p);
        if (c->cfg.level >= RP_LEVEL_REUSE) {
            story_pair_line(o.f, e, &p);
            continue;
        }
        rp_engine_doc(e, p.a, &a);
        rp_engine_doc(e, p.b, &b);
        fputs("{\"a\":", o.f);
        jout_str(o.f, a.id);
        fputs(",\"b\":", o.f);
        jout_str(o.f, b.id);
        fprintf(o.f, ",\"relation\":\"%s\",\"estimate\":", rp_relation_str(p.relation));
        jout_score(o.f, p.estimate);
        if (p.jaccard >= 0) {
            fputs(",\"jaccard\":", o.f);
            jout_score(o.f, p.jaccard);
        }
        fprintf(o.f, ",\"same_cluster\":%s}\n", p.same_cluster ? "true" : "false");
    }
    return cli_out_commit(&o) ? EXIT_FATAL : EXIT_OK;
}

/* ---- dedup -------------------------------------------------------------------------------
 * Output layout (README, reprint.1, docs/reliability.md "Outputs and input walking"):
 * - every INPUT a file or "-" in a record format (JSON Lines, JSON, WARC): one file -o OUT
 *   (or stdout) with the kept records, written like every other output (temp + rename);
 * - otherwise (a folder among the inputs, a text or HTML document, or OUT an existing
 *   folder): a folder OUT holding one entry per INPUT, named after its last path component
 *   ("-" is stdin.<format>): a file input becomes OUT/NAME, a folder input OUT/NAME/<path
 *   inside it>. A name already taken gets "~2", "~3", ... before its first dot, so two inputs
 *   never share an output file. Each input file with a kept document is written with its kept
 *   records (text and HTML files verbatim), decompressed and without its .gz/.zst suffix.
 *   The folder is built as OUT.tmp.XXXXXX next to OUT and renamed to OUT at the end, so an
 *   interrupted run leaves no OUT that looks complete. OUT must not exist or be an empty
 *   folder: dedup never merges into or deletes an existing folder. */

/* Nonzero when the layout above needs a folder. The first pass tells text and HTML documents
 * apart: they are the only read documents without a line number. */
static int dedup_wants_dir(const struct cli *c, const rp_engine *e)
{
    struct stat sb;
    if (c->output && strcmp(c->output, "-") && stat(c->output, &sb) == 0 && S_ISDIR(sb.st_mode))
        return 1;
    for (int a = 0; a < c->n_inputs; a++)
        if (strcmp(c->inputs[a], "-") && stat(c->inputs[a], &sb) == 0 && S_ISDIR(sb.st_mode))
            return 1;
    const size_t n = rp_engine_n_docs(e);
    for (size_t i = 0; i < n; i++) {
        rp_doc_result r;
        if (rp_engine_doc(e, i, &r) == RP_OK && r.skip == RP_SKIP_NONE && r.line == 0) return 1;
    }
    return 0;
}

/* A folder that exists and holds an entry other than "." and "..". */
static int dir_nonempty(const char *path)
{
    DIR *d = opendir(path);
    if (!d) return 0;
    struct dirent *de;
    int found = 0;
    while (!found && (de = readdir(d)) != NULL)
        found = strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
    closedir(d);
    return found;
}

/* "name" with "~k" inserted before its first dot (not a leading one): "a.txt" -> "a~2.txt". */
static char *with_suffix(const char *name, unsigned k)
{
    const char *dot = name[0] ? strchr(name + 1, '.') : NULL;
    const size_t stem = dot ? (size_t)(dot - name) : strlen(name);
    const size_t n = strlen(name) + 16;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%.*s~%u%s", (int)stem, name, k, name + stem);
    return s;
}

/* The name of input a in the output folder, before making it unique: its last component. */
static char *input_name(const char *arg)
{
    if (!strcmp(arg, "-")) return strdup("stdin");
    char *real = NULL;
    size_t k = strlen(arg);
    while (k > 1 && arg[k - 1] == '/')
        k--;
    size_t b = k;
    while (b > 0 && arg[b - 1] != '/')
        b--;
    const char *base = arg + b;
    size_t len = k - b;
    if (len == 0 || (len == 1 && base[0] == '.') || (len == 2 && !strncmp(base, "..", 2))) {
        /* ".", "..", "/": the folder's own name */
        real = realpath(arg, NULL);
        const char *slash = real ? strrchr(real, '/') : NULL;
        base = slash && slash[1] ? slash + 1 : "root";
        len = strlen(base);
    }
    char *s = strndup(base, len);
    free(real);
    return s;
}

struct dedup_dir {
    char *tmp;    /* OUT.tmp.XXXXXX */
    char **names; /* per input argument, unique */
    int n_names;
    FILE *f;           /* the output file of the input file being read */
    char *f_path;      /* its path, for messages */
    const char *f_src; /* the input file it belongs to (rec.path: stable while it is read) */
};

static void dedup_dir_free(struct dedup_dir *d)
{
    for (int i = 0; i < d->n_names; i++)
        free(d->names[i]);
    free(d->names);
    free(d->f_path);
    free(d->tmp);
}

/* Flush, fsync and close the current output file. */
static int dedup_close_file(struct dedup_dir *d)
{
    if (!d->f) return 0;
    const char *what = NULL;
    if (ferror(d->f) || fflush(d->f) != 0)
        what = "write";
    else if (fsync(fileno(d->f)) != 0)
        what = "fsync";
    int saved = errno;
    if (fclose(d->f) != 0 && !what) what = "close", saved = errno;
    d->f = NULL;
    if (what)
        fprintf(stderr, "reprint: %s: %s failed: %s; output not written\n", d->f_path, what,
                strerror(saved));
    return what ? -1 : 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/* mkdir -p for the folders between d->tmp and the last component of path. */
static int make_parents(const struct dedup_dir *d, char *path)
{
    for (char *p = path + strlen(d->tmp) + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        const int rc = mkdir(path, 0777);
        *p = '/';
        if (rc != 0 && errno != EEXIST) return -1;
    }
    return 0;
}

static const char *const FORMAT_EXT[] = {"", ".txt", ".jsonl", ".json", ".warc", ".html"};

/* Open the output file of the input file rec.path (argument a): its name per the layout, made
 * unique with "~k" when a file or folder of that name already exists. */
static int dedup_open_file(struct dedup_dir *d, const struct cli *c, int a, const rp_record *rec)
{
    const char *arg = c->inputs[a];
    const char *rel = "";
    if (strcmp(arg, "-") && !strncmp(rec->path, arg, strlen(arg))) {
        rel = rec->path + strlen(arg);
        while (*rel == '/')
            rel++;
    }
    char stdin_name[32];
    const char *top = d->names[a];
    if (!strcmp(arg, "-")) {
        const size_t fi = (size_t)rec->format;
        snprintf(stdin_name, sizeof stdin_name, "%s%s", top,
                 fi < sizeof FORMAT_EXT / sizeof *FORMAT_EXT ? FORMAT_EXT[fi] : "");
        top = stdin_name;
    }
    /* dir = OUT.tmp/top[/rel without its last component], name = the last component */
    const size_t n = strlen(d->tmp) + strlen(top) + strlen(rel) + 3;
    char *dir = malloc(n);
    if (!dir) return -1;
    const char *name;
    if (*rel) {
        const char *slash = strrchr(rel, '/');
        snprintf(dir, n, "%s/%s%s%.*s", d->tmp, top, slash ? "/" : "",
                 slash ? (int)(slash - rel) : 0, rel);
        name = slash ? slash + 1 : rel;
    } else {
        snprintf(dir, n, "%s", d->tmp);
        name = top;
    }
    char *base = strdup(name);
    if (!base) {
        free(dir);
        return -1;
    }
    const size_t bl = strlen(base);
    if (*rel || strcmp(arg, "-")) { /* written decompressed: drop the codec's suffix */
        if (bl > 3 && !strcasecmp(base + bl - 3, ".gz"))
            base[bl - 3] = '\0';
        else if (bl > 4 && !strcasecmp(base + bl - 4, ".zst"))
            base[bl - 4] = '\0';
    }
    int fd = -1;
    for (unsigned k = 1; fd < 0 && k < 1000000; k++) {
        char *nm = k == 1 ? strdup(base) : with_suffix(base, k);
        const size_t pn = strlen(dir) + (nm ? strlen(nm) : 0) + 2;
        free(d->f_path);
        d->f_path = nm ? malloc(pn) : NULL;
        if (!d->f_path) {
            free(nm);
            break;
        }
        snprintf(d->f_path, pn, "%s/%s", dir, nm);
        free(nm);
        if (make_parents(d, d->f_path) != 0) break;
        fd = open(d->f_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST) break;
    }
    const int saved = errno;
    free(dir);
    free(base);
    if (fd < 0 || !(d->f = fdopen(fd, "w"))) {
        fprintf(stderr, "reprint: %s: cannot create: %s\n", d->f_path ? d->f_path : d->tmp,
                strerror(fd < 0 ? saved : errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    setvbuf(d->f, NULL, _IOFBF, 1 << 16);
    d->f_src = rec->path;
    return 0;
}

/* Create OUT.tmp.XXXXXX and the unique per-input names. */
static int dedup_dir_begin(struct dedup_dir *d, const struct cli *c, const char *out)
{
    memset(d, 0, sizeof *d);
    const size_t n = strlen(out) + 16;
    d->tmp = malloc(n);
    d->names = calloc((size_t)c->n_inputs, sizeof *d->names);
    if (!d->tmp || !d->names) {
        fprintf(stderr, "reprint: out of memory\n");
        return -1;
    }
    snprintf(d->tmp, n, "%s.tmp.XXXXXX", out);
    if (!mkdtemp(d->tmp)) {
        fprintf(stderr, "reprint: %s: cannot create output folder: %s\n", out, strerror(errno));
        free(d->tmp);
        d->tmp = NULL;
        return -1;
    }
    for (int a = 0; a < c->n_inputs; a++) {
        char *base = input_name(c->inputs[a]);
        char *nm = base ? strdup(base) : NULL;
        for (unsigned k = 2; nm; k++) {
            int taken = 0;
            for (int b = 0; b < a && !taken; b++)
                taken = !strcmp(d->names[b], nm);
            if (!taken) break;
            free(nm);
            nm = with_suffix(base, k);
        }
        free(base);
        if (!nm) {
            fprintf(stderr, "reprint: out of memory\n");
            return -1;
        }
        d->names[a] = nm;
        d->n_names = a + 1;
    }
    return 0;
}

/* Finish: close the last file, give the folder its mode, fsync it and rename it to OUT. On
 * failure (or rc != EXIT_OK) the temporary folder is removed. */
static int dedup_dir_end(struct dedup_dir *d, const char *out, int rc)
{
    if (d->f && dedup_close_file(d) != 0 && rc == EXIT_OK) rc = EXIT_FATAL;
    if (rc == EXIT_OK) {
        struct stat sb;
        mode_t mode;
        if (stat(out, &sb) == 0) {
            mode = sb.st_mode & 07777; /* an empty folder replaced keeps its mode */
        } else {
            const mode_t mask = umask(0);
            umask(mask);
            mode = 0777 & ~mask;
        }
        int fd = open(d->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        const char *what = NULL;
        if (fd < 0 || fchmod(fd, mode) != 0)
            what = "chmod";
        else if (fsync(fd) != 0)
            what = "fsync";
        else if (rename(d->tmp, out) != 0)
            what = "rename";
        const int saved = errno;
        if (fd >= 0) close(fd);
        if (what) {
            if (!strcmp(what, "rename") && (saved == ENOTEMPTY || saved == EEXIST))
                fprintf(stderr,
                        "reprint: %s: folder not empty (it was filled during the run); "
                        "output not written\n",
                        out);
            else
                fprintf(stderr, "reprint: %s: %s failed: %s; output not written\n", out, what,
                        strerror(saved));
            rc = EXIT_FATAL;
        }
    }
    if (rc != EXIT_OK) nftw(d->tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    dedup_dir_free(d);
    return rc;
}

/* dedup: second pass over the inputs, writing the raw records of kept documents. */
static int write_dedup(const struct cli *c, const rp_engine *e, unsigned long long *removed)
{
    struct cli_out o = {0};
    int rc = EXIT_OK;
    size_t doc = 0;
    *removed = 0;
    const int to_dir = dedup_wants_dir(c, e);
    char *out = NULL; /* OUT without trailing slashes */
    struct dedup_dir d;
    memset(&d, 0, sizeof d);
    if (to_dir) {
        struct stat sb;
        if (!c->output || !strcmp(c->output, "-")) {
            fprintf(stderr, "reprint: dedup of folders, text or HTML files writes a folder: "
                            "give -o FOLDER\n");
            return EXIT_USAGE;
        }
        if (stat(c->output, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
            fprintf(stderr,
                    "reprint: %s: exists and is not a folder; dedup of folders, text or "
                    "HTML files writes a folder\n",
                    c->output);
            return EXIT_USAGE;
        }
        out = strdup(c->output);
        if (!out) return EXIT_FATAL;
        for (size_t k = strlen(out); k > 1 && out[k - 1] == '/';)
            out[--k] = '\0';
        if (dedup_dir_begin(&d, c, out) != 0) {
            dedup_dir_free(&d);
            free(out);
            return EXIT_FATAL;
        }
    }
    for (int a = 0; a < c->n_inputs && rc == EXIT_OK; a++) {
        const char *in = strcmp(c->inputs[a], "-") == 0 && c->spooled ? c->spooled : c->inputs[a];
        rp_reader *rd;
        if (rp_reader_open(&rd, in, &c->cfg.ingest, NULL) != RP_OK) {
            fprintf(stderr, "reprint: %s: cannot reopen for dedup\n", in);
            rc = EXIT_FATAL;
            break;
        }
        rp_record rec;
        rp_status st;
        while ((st = rp_reader_next(rd, &rec)) == RP_OK) {
            if (rec.skip == RP_SKIP_BLANK) continue;
            rp_doc_result r;
            if (rp_engine_doc(e, doc++, &r) != RP_OK) {
                fprintf(stderr, "reprint: %s changed between passes; dedup aborted\n", in);
                rc = EXIT_FATAL;
                break;
            }
            if (!r.kept) {
                if (r.skip == RP_SKIP_NONE) (*removed)++;
                continue;
            }
            const int whole = rec.format == RP_FORMAT_TEXT || rec.format == RP_FORMAT_HTML;
            FILE *f;
            if (to_dir) {
                if (d.f && d.f_src != rec.path && dedup_close_file(&d) != 0) {
                    rc = EXIT_FATAL;
                    break;
                }
                if (!d.f && dedup_open_file(&d, c, a, &rec) != 0) {
                    rc = EXIT_FATAL;
                    break;
                }
                f = d.f;
            } else {
                if (whole) { /* dedup_wants_dir saw no such document: the input changed */
                    fprintf(stderr, "reprint: %s changed between passes; dedup aborted\n", in);
                    rc = EXIT_FATAL;
                    break;
                }
                if (!o.f && cli_out_open(&o, c->output)) {
                    rc = EXIT_FATAL;
                    break;
                }
                f = o.f;
            }
            fwrite(rec.data, 1, rec.size, f);
            if (whole) continue;
            if (rec.format == RP_FORMAT_WARC)
                fputs("\r\n\r\n", f);
            else
                fputc('\n', f);
        }
        /* the next input's paths live in another reader: never compare with this one's */
        if (to_dir && rc == EXIT_OK && dedup_close_file(&d) != 0) rc = EXIT_FATAL;
        rp_reader_free(rd);
    }
    if (rc == EXIT_OK && doc != rp_engine_n_docs(e)) {
        fprintf(stderr, "reprint: inputs changed between passes; dedup aborted\n");
        rc = EXIT_FATAL;
    }
    if (to_dir) {
        rc = dedup_dir_end(&d, out, rc);
        free(out);
    } else if (o.f) {
        if (rc == EXIT_OK)
            rc = cli_out_commit(&o) ? EXIT_FATAL : EXIT_OK;
        else
            cli_out_abort(&o);
    }
    return rc;
}

/* Copy stdin to a temp file so that a two-pass command can read it twice. */
static int spool_stdin(struct cli *c)
{
    const char *dir = c->cfg.tmp_dir ? c->cfg.tmp_dir : getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    size_t n = strlen(dir) + 32;
    c->spooled = malloc(n);
    if (!c->spooled) return -1;
    snprintf(c->spooled, n, "%s/reprint-stdin-XXXXXX", dir);
    int fd = mkstemp(c->spooled);
    if (fd < 0) {
        fprintf(stderr, "reprint: %s: cannot spool stdin: %s\n", dir, strerror(errno));
        free(c->spooled);
        c->spooled = NULL;
        return -1;
    }
    char buf[1 << 16];
    size_t k;
    FILE *f = fdopen(fd, "w");
    while (f && (k = fread(buf, 1, sizeof buf, stdin)) > 0)
        if (fwrite(buf, 1, k, f) != k) break;
    if (!f || ferror(stdin) || fclose(f) != 0) {
        fprintf(stderr, "reprint: cannot spool stdin: %s\n", strerror(errno));
        unlink(c->spooled);
        return -1;
    }
    return 0;
}

/* A document named on the explain command line: its id, else its source file. */
static size_t find_doc(const rp_engine *e, const char *name)
{
    const size_t n = rp_engine_n_docs(e);
    for (size_t i = 0; i < n; i++) {
        rp_doc_result r;
        rp_engine_doc(e, i, &r);
        if (r.id && !strcmp(r.id, name)) return i;
    }
    for (size_t i = 0; i < n; i++) {
        rp_doc_result r;
        rp_engine_doc(e, i, &r);
        if (r.source && !strcmp(r.source, name)) return i;
    }
    return SIZE_MAX;
}

static int run_explain(const struct cli *c, rp_engine *e)
{
    const size_t a = find_doc(e, c->explain_a), b = find_doc(e, c->explain_b);
    if (a == SIZE_MAX || b == SIZE_MAX) {
        fprintf(stderr, "reprint: explain: no document '%s' in the inputs\n",
                a == SIZE_MAX ? c->explain_a : c->explain_b);
        return EXIT_USAGE;
    }
    struct cli_out o;
    if (cli_out_open(&o, c->output)) return EXIT_FATAL;
    if (story_explain(o.f, e, a, b, c->cfg.level)) {
        cli_out_abort(&o);
        return EXIT_FATAL;
    }
    return cli_out_commit(&o) ? EXIT_FATAL : EXIT_OK;
}

/* Before reading anything: no output may replace an input or another output, and dedup never
 * merges into a folder that holds something (see the dedup layout above). */
static int check_outputs(const struct cli *c)
{
    const int dedup = !strcmp(c->cmd, "dedup");
    if (cli_out_check_inputs(c->output, dedup, c->inputs, c->n_inputs) ||
        cli_out_check_inputs(c->report, 0, c->inputs, c->n_inputs))
        return EXIT_USAGE;
    if (cli_out_same(c->output, c->report)) {
        fprintf(stderr, "reprint: %s: -o and --report name the same file\n", c->report);
        return EXIT_USAGE;
    }
    struct stat so, si;
    if (dedup && c->output && strcmp(c->output, "-") && stat(c->output, &so) == 0 &&
        !S_ISDIR(so.st_mode))
        for (int a = 0; a < c->n_inputs; a++)
            if (strcmp(c->inputs[a], "-") && stat(c->inputs[a], &si) == 0 &&
                S_ISDIR(si.st_mode)) { /* known before reading: the output is a folder */
                fprintf(stderr,
                        "reprint: %s: exists and is not a folder; dedup of folders, text or "
                        "HTML files writes a folder\n",
                        c->output);
                return EXIT_USAGE;
            }
    if (dedup && c->output && strcmp(c->output, "-") && dir_nonempty(c->output)) {
        fprintf(stderr,
                "reprint: %s: folder not empty; dedup writes a new folder and never merges "
                "into or deletes an existing one (remove it or choose another -o)\n",
                c->output);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static int run_engine_cmd(struct cli *c)
{
    int rc = check_outputs(c);
    if (rc != EXIT_OK) return rc;
    rp_engine *e = NULL;
    rp_status st = rp_engine_create(&e, &c->cfg, NULL);
    if (st != RP_OK) {
        fprintf(stderr, "reprint: cannot start: %s\n", rp_strerror(st));
        return st == RP_E_NOMEM ? EXIT_FATAL : EXIT_USAGE;
    }
    struct logstate ls = {0, 0, c->progress};
    rp_engine_set_progress(e, on_progress, c);
    if (!c->quiet) rp_engine_set_log(e, on_log, &ls);
    const int two_pass =
        !strcmp(c->cmd, "dedup") || (!strcmp(c->cmd, "cluster") && c->cfg.ingest.url_field);
    for (int i = 0; i < c->n_inputs; i++) {
        const char *in = c->inputs[i];
        if (!strcmp(in, "-") && two_pass) {
            if (!c->spooled && spool_stdin(c)) {
                rp_engine_free(e);
                return EXIT_FATAL;
            }
            in = c->spooled;
        }
        if ((st = rp_engine_add_input(e, in)) != RP_OK) {
            fprintf(stderr, "reprint: %s: %s\n", in, rp_strerror(st));
            rp_engine_free(e);
            return EXIT_FATAL;
        }
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    /* a distributed run under mpirun, or stage files for a restart: the same result */
    const int dist = rp_dist_size() > 1 || c->dist.work_dir;
    st = dist ? rp_engine_run_dist(e, &c->dist) : rp_engine_run(e);
    if (rp_dist_rank() != 0) { /* rank 0 writes every output; main takes its exit code */
        if (st != RP_OK)
            fprintf(stderr, "reprint: rank %d: %s%s%s\n", rp_dist_rank(), rp_strerror(st),
                    *rp_engine_errmsg(e) ? ": " : "", rp_engine_errmsg(e));
        rp_engine_free(e);
        return st == RP_OK ? EXIT_OK : EXIT_FATAL;
    }
    if (st != RP_OK) {
        if (c->progress) fputs("\r\033[K", stderr);
        fprintf(stderr, "reprint: %s%s%s\n", rp_strerror(st), *rp_engine_errmsg(e) ? ": " : "",
                rp_engine_errmsg(e));
        rp_engine_free(e);
        return EXIT_FATAL;
    }
    rp_summary s;
    rp_engine_summary(e, &s);
    rp_timings tm;
    rp_engine_timings(e, &tm);
    unsigned long long removed = 0;
    if (!strcmp(c->cmd, "explain"))
        rc = run_explain(c, e);
    else if (!strcmp(c->cmd, "cluster"))
        rc = write_clusters(c, e);
    else if (!strcmp(c->cmd, "pairs"))
        rc = write_pairs(c, e);
    else if (!strcmp(c->cmd, "report"))
        rc = report_write(e, &c->cfg, c->output, c->report_max, c->inputs, c->n_inputs) ? EXIT_FATAL
                                                                                        : EXIT_OK;
    else
        rc = write_dedup(c, e, &removed);
    if (rc == EXIT_OK && c->report &&
        report_write(e, &c->cfg, c->report, c->report_max, c->inputs, c->n_inputs))
        rc = EXIT_FATAL;
    clock_gettime(CLOCK_MONOTONIC, &b);
    print_summary(c, &s, &tm,
                  (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) * 1e-9);
    if (ls.more) fprintf(stderr, "reprint: ... and %llu more skipped documents\n", ls.more);
    if (!strcmp(c->cmd, "dedup") && rc == EXIT_OK && !c->quiet)
        fprintf(stderr, "reprint: dedup kept %llu documents, removed %llu duplicates\n",
                (unsigned long long)(s.n_docs - s.n_skipped - removed), removed);
    if (rc == EXIT_OK && s.n_skipped) rc = EXIT_INPUT;
    rp_engine_free(e);
    return rc;
}

/* A batch run allocates and frees large arrays stage after stage (sort buffers, per-thread
 * tables, candidate lists). glibc serves each one above 128 KiB with a fresh mmap, so every
 * stage pays first-touch page faults again: measured at ~0.15 s of 1.1 s for `--level story`
 * on Reuters (docs/benchmarks.md). Keeping blocks up to 32 MiB on the heap, and the heap's
 * free memory up to 256 MiB, lets later stages reuse pages. Batch commands only: the index
 * and the server keep glibc's defaults (memory returned between requests). */
static void tune_malloc(void)
{
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD)
    (void)mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    (void)mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
#endif
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        print_usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("reprint %s\n", rp_version());
        return EXIT_OK;
    }
    if (!strcmp(cmd, "eval")) return rp_cmd_eval(argc - 1, argv + 1);
    if (!strcmp(cmd, "index")) return rp_cmd_index(argc - 1, argv + 1);
    if (!strcmp(cmd, "serve")) return rp_cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "cluster") && strcmp(cmd, "pairs") && strcmp(cmd, "dedup") &&
        strcmp(cmd, "explain") && strcmp(cmd, "report"))
        return usage_error("unknown command '%s'", cmd);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN); /* a file size limit becomes EFBIG: reported, exit 3 */
    tune_malloc();
    if (rp_dist_init(&argc, &argv) != RP_OK) {
        fputs("reprint: cannot start MPI\n", stderr);
        return EXIT_FATAL;
    }
    struct cli c;
    memset(&c, 0, sizeof c);
    c.cmd = cmd;
    int rc = parse_args(&c, argc, argv);
    if (rc == EXIT_OK) rc = run_engine_cmd(&c);
    if (c.spooled) {
        unlink(c.spooled);
        free(c.spooled);
    }
    if (rp_dist_broken()) rp_dist_abort(rc); /* the others cannot meet this rank again */
    rc = rp_dist_agree(rc); /* every rank exits with rank 0's code */
    rp_dist_finalize();
    return rc;
}
