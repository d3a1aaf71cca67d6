/* SPDX-License-Identifier: MIT */
/* cmd_index.c -- `reprint index`: a persistent index (rp_index.h) from the command line.
 *   create DIR   empty index with fixed clustering parameters
 *   add DIR IN   add documents (one transaction per --batch); one cluster line per document
 *   query DIR IN the same answer, nothing stored
 *   remove DIR --id ID | --before DATE
 *   stats DIR    one JSON object
 *   export DIR   every stored document's cluster line, as `reprint cluster` writes them */
#include <errno.h>  /* errno */
#include <getopt.h> /* getopt_long */
#include <signal.h> /* signal */
#include <stdio.h>  /* fprintf */
#include <stdlib.h> /* strtoul, strtod, setenv */
#include <string.h> /* strcmp */
#include "reprint/rp_index.h"
#include "cli_args.h"
#include "cli_output.h"
#include "cmd_index.h"
#include "json_out.h" /* jout_score */

enum {
    EXIT_OK = 0,
    EXIT_INPUT = 1,
    EXIT_USAGE = 2,
    EXIT_FATAL = 3,
    EXIT_LOCKED = 4,
    EXIT_FULL = 5
};

static const char USAGE[] =
    "usage: reprint index create DIR [CLUSTERING OPTIONS] [--map-size SIZE]\n"
    "       reprint index add DIR [INPUT OPTIONS] [--batch N] [-o OUT] INPUT...\n"
    "       reprint index query DIR [INPUT OPTIONS] [-o OUT] INPUT...\n"
    "       reprint index remove DIR --id ID | --before DATE\n"
    "       reprint index stats DIR\n"
    "       reprint index export DIR [-o OUT]\n"
    "\n"
    "A persistent index (LMDB, one directory) that assigns each new document to its cluster.\n"
    "Adding documents one at a time or in batches gives the same clusters as one\n"
    "'reprint cluster' over the same documents in the same order. add and query print one\n"
    "JSON line per document, as 'reprint cluster' does; export prints every stored document.\n"
    "\n"
    "Clustering options (create; fixed for the life of the index):\n"
    "  --level exact|near|story  --threshold T  --ngram N  --num-perm K  --bands B --rows R\n"
    "  --keep longest|first|earliest  --max-bucket N  --seed S\n"
    "  --window DAYS  --boilerplate-min N   (story level; as for 'reprint cluster')\n"
    "  --lexicon-dir DIR       add, query (story level): the word lists that carry other\n"
    "                          languages into English (default $REPRINT_LEXICON_DIR, else\n"
    "                          the build's; 'reprint serve' reads $REPRINT_LEXICON_DIR)\n"
    "  --no-nfkc --no-casefold --no-strip-accents --no-punct --no-cjk-chars\n"
    "  --map-size SIZE         largest size the index may grow to (default 16G)\n"
    "Input options (add, query; as for 'reprint cluster'):\n"
    "  --format auto|text|jsonl|json|warc|html  --id-field F --text-field F --date-field F\n"
    "  --title-field F  --max-doc-size SIZE  --truncate-large\n"
    "Other options:\n"
    "  --batch N               add: commit every N documents (default: all inputs in one\n"
    "                          transaction, all or nothing)\n"
    "  --id ID                 remove: every document with this id\n"
    "  --before DATE           remove: every document dated before DATE (ISO 8601, RFC 2822\n"
    "                          or epoch seconds); undated documents stay\n"
    "  -o, --output PATH       output file (default stdout)\n"
    "  -q, --quiet             no summary on stderr\n"
    "  -h, --help              this help\n"
    "\n"
    "Exit status: 0 success; 1 some documents skipped (reported in the output); 2 usage\n"
    "error; 3 fatal error; 4 the index is locked by another writer; 5 the index or the disk\n"
    "is full (nothing of the failed batch was stored; the index stays usable).\n";

enum { OPT_MAP_SIZE = CLI_OPT_ENGINE_END, OPT_BATCH, OPT_ID, OPT_BEFORE };

static const struct option LONGOPTS[] = {
    CLI_LONGOPTS_CLUSTERING,
    {"window", required_argument, NULL, CLI_OPT_WINDOW},
    {"boilerplate-min", required_argument, NULL, CLI_OPT_BOILER},
    {"lexicon-dir", required_argument, NULL, CLI_OPT_LEXICON_DIR},
    {"map-size", required_argument, NULL, OPT_MAP_SIZE},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"id", required_argument, NULL, OPT_ID},
    {"before", required_argument, NULL, OPT_BEFORE},
    {"output", required_argument, NULL, 'o'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

struct icli {
    const char *sub, *dir, *output, *remove_id, *before;
    rp_config cfg;
    uint64_t map_size;
    unsigned long batch;
    int quiet;
    char **inputs;
    int n_inputs;
};

static int usage_error(const char *fmt, const char *arg)
{
    return cli_usage_error("reprint index", fmt, arg);
}

static int parse_opts(struct icli *c, int argc, char **argv)
{
    rp_config_default(&c->cfg);
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:qh", LONGOPTS, NULL)) != -1) {
        if (opt == CLI_OPT_LEVEL && strcmp(optarg, "exact") && strcmp(optarg, "near") &&
            strcmp(optarg, "story"))
            return usage_error("--level: exact, near or story (the index has no reuse level: "
                               "it keeps no texts to align; no event level yet: use 'reprint "
                               "cluster --level event'), got '%s'",
                               optarg);
        const int er = cli_engine_opt("reprint index", opt, optarg, &c->cfg);
        if (er != CLI_NOT_ENGINE_OPT) {
            if (er) return er;
            continue;
        }
        switch (opt) {
        case OPT_MAP_SIZE:
            if (cli_parse_size(optarg, 1e15, &c->map_size) || c->map_size < (64u << 10))
                return usage_error("--map-size: a size of at least 64K like 16G, got '%s'", optarg);
            break;
        case OPT_BATCH:
            if (cli_parse_count(optarg, 1, 1ul << 30, &c->batch))
                return usage_error("--batch: a document count >= 1, got '%s'", optarg);
            break;
        case OPT_ID: c->remove_id = optarg; break;
        case OPT_BEFORE: c->before = optarg; break;
        case 'o': c->output = optarg; break;
        case 'q': c->quiet = 1; break;
        case 'h': fputs(USAGE, stdout); exit(EXIT_OK);
        default: return usage_error("%s", "invalid option");
        }
    }
    if (cli_engine_check("reprint index", &c->cfg)) return EXIT_USAGE;
    if (optind >= argc) return usage_error("%s", "no DIR given");
    c->dir = argv[optind++];
    c->inputs = argv + optind;
    c->n_inputs = argc - optind;
    return EXIT_OK;
}

void index_cluster_line(FILE *f, const rp_doc_result *r)
{
    cli_cluster_line_begin(f, r);
    if (r->lang) { /* story level: as a batch run's line */
        fputs(",\"lang\":", f);
        jout_str(f, r->lang);
    }
    cli_cluster_line_end(f, r);
}

void index_stats_counts(FILE *f, const rp_index_stats *s)
{
    fprintf(f,
            "\"documents\":%llu,\"contents\":%llu,\"empty\":%llu,\"edges\":%llu,"
            "\"clusters\":%llu,\"terms\":%llu,\"next_document\":%llu,\"bytes_used\":%llu,"
            "\"map_size\":%llu",
            (unsigned long long)s->n_docs, (unsigned long long)s->n_units,
            (unsigned long long)s->n_empty, (unsigned long long)s->n_edges,
            (unsigned long long)s->n_clusters, (unsigned long long)s->n_terms,
            (unsigned long long)s->next_doc, (unsigned long long)s->bytes_used,
            (unsigned long long)s->map_size);
}

void index_stats_story(FILE *f, const rp_index_stats *s)
{
    fprintf(f, ",\"term_contents\":%llu,\"lines\":%llu,\"boilerplate_lines\":%llu",
            (unsigned long long)s->n_term_units, (unsigned long long)s->n_lines,
            (unsigned long long)s->n_boiler_lines);
    if (s->n_named != UINT64_MAX)
        fprintf(f, ",\"named_contents\":%llu", (unsigned long long)s->n_named);
}

int index_exit_status(const rp_index *ix)
{
    switch (rp_index_errkind(ix)) {
    case RP_INDEX_E_LOCKED: return EXIT_LOCKED;
    case RP_INDEX_E_FULL: return EXIT_FULL;
    case RP_INDEX_E_NOT_FOUND:
    case RP_INDEX_E_DUPLICATE:
    case RP_INDEX_E_ID_TOO_LONG: return EXIT_INPUT;
    default: return EXIT_FATAL;
    }
}

static int fail_ix(const rp_index *ix, const char *what)
{
    fprintf(stderr, "reprint index: %s: %s\n", what, rp_index_errmsg(ix));
    return index_exit_status(ix);
}

static int open_ix(const struct icli *c, rp_index **ix, int read_only)
{
    rp_index_options o;
    rp_index_options_default(&o);
    o.read_only = read_only;
    o.map_size = c->map_size;
    /* the index reads its word lists where the environment says (rp_index_options has no
     * field for them: the library's struct does not grow) */
    if (c->cfg.lexicon_dir && setenv("REPRINT_LEXICON_DIR", c->cfg.lexicon_dir, 1)) {
        perror("reprint index: setenv");
        return EXIT_FATAL;
    }
    char msg[512];
    if (rp_index_open(ix, c->dir, &o, NULL, msg, sizeof msg) != RP_OK) {
        fprintf(stderr, "reprint index: %s\n", msg);
        return index_exit_status(NULL);
    }
    return EXIT_OK;
}

/* add / query: frame the inputs, prepare batches of --batch documents, commit each. */
static int cmd_add(const struct icli *c, int dry_run)
{
    if (c->n_inputs < 1) return usage_error("%s", "no INPUT given");
    rp_index *ix;
    int rc = open_ix(c, &ix, 0);
    if (rc) return rc;
    struct cli_out o;
    if (cli_out_open(&o, c->output)) {
        rp_index_close(ix);
        return EXIT_FATAL;
    }
    rp_index_batch *b = NULL;
    unsigned long long n_docs = 0, n_skipped = 0, n_batches = 0, n_bad_dates = 0, n_existing = 0;
    char bad_date_first[256] = "";
    rp_status st = RP_OK;
    int failed_commit = 0;
    for (int a = 0; a <= c->n_inputs && st == RP_OK; a++) {
        rp_reader *rd = NULL;
        if (a < c->n_inputs) {
            st = rp_reader_open(&rd, c->inputs[a], &c->cfg.ingest, NULL);
            if (st != RP_OK) {
                fprintf(stderr, "reprint index: %s: %s\n", c->inputs[a], rp_strerror(st));
                break;
            }
        }
        for (;;) {
            rp_record rec;
            int flush = 0;
            if (rd) {
                st = rp_reader_next(rd, &rec);
                if (st == RP_DONE) {
                    st = RP_OK;
                    break;
                }
                if (st != RP_OK) {
                    fprintf(stderr, "reprint index: %s: %s\n", c->inputs[a], rp_reader_errmsg(rd));
                    break;
                }
                if (!b && (st = rp_index_batch_create(&b, ix, &c->cfg.ingest)) != RP_OK) break;
                if ((st = rp_index_batch_add_record(b, &rec)) != RP_OK) break;
                flush = c->batch && rp_index_batch_n_docs(b) >= c->batch;
            } else {
                flush = b && rp_index_batch_n_docs(b) > 0; /* after the last input */
            }
            if (flush) {
                const char *first;
                const uint64_t nb = rp_index_batch_bad_dates(b, &first);
                if (nb && !n_bad_dates)
                    snprintf(bad_date_first, sizeof bad_date_first, "%s", first);
                n_bad_dates += nb;
                rp_index_result *res;
                st = rp_index_commit(ix, b, dry_run, &res);
                rp_index_batch_free(b);
                b = NULL;
                if (st != RP_OK) {
                    failed_commit = 1;
                    break;
                }
                n_batches++;
                n_existing += res->n_existing;
                for (size_t i = 0; i < res->n_docs; i++) {
                    index_cluster_line(o.f, &res->docs[i]);
                    n_docs++;
                    if (res->docs[i].relation == RP_REL_SKIPPED) n_skipped++;
                }
                rp_index_result_free(res);
                if (fflush(o.f) != 0) {
                    st = RP_E_IO;
                    break;
                }
            }
            if (!rd) break;
        }
        rp_reader_free(rd);
    }
    rp_index_batch_free(b);
    if (st != RP_OK) {
        if (failed_commit)
            rc = fail_ix(ix, dry_run ? "query" : "add");
        else
            rc = EXIT_FATAL;
        if (!failed_commit && st != RP_E_IO)
            fprintf(stderr, "reprint index: %s\n", rp_strerror(st));
        if (n_batches && !dry_run)
            fprintf(stderr,
                    "reprint index: %llu earlier batch(es) of %llu documents were "
                    "committed\n",
                    n_batches, n_docs);
        if (o.f == stdout || n_batches == 0 || dry_run)
            cli_out_abort(&o);
        else if (cli_out_commit(&o))
            rc = EXIT_FATAL;
        rp_index_close(ix);
        return rc;
    }
    rc = cli_out_commit(&o) ? EXIT_FATAL : EXIT_OK;
    rp_index_close(ix);
    if (!c->quiet)
        fprintf(stderr,
                "reprint index: %s %llu documents (%llu skipped, %llu already stored) in %llu "
                "batch(es)\n",
                dry_run ? "queried" : "added", n_docs, n_skipped, n_existing, n_batches);
    if (!c->quiet && n_bad_dates)
        fprintf(stderr,
                "reprint index: %llu dates not understood, those documents are undated "
                "(first: %s)\n",
                n_bad_dates, bad_date_first);
    if (rc == EXIT_OK && n_skipped) rc = EXIT_INPUT;
    return rc;
}

static int export_line(const rp_doc_result *r, uint64_t doc_number, void *user)
{
    (void)doc_number;
    index_cluster_line(user, r);
    return 0;
}

static int cmd_export(const struct icli *c)
{
    rp_index *ix;
    int rc = open_ix(c, &ix, 1);
    if (rc) return rc;
    struct cli_out o;
    if (cli_out_open(&o, c->output)) {
        rp_index_close(ix);
        return EXIT_FATAL;
    }
    if (rp_index_foreach_doc(ix, export_line, o.f) != RP_OK) {
        rc = fail_ix(ix, "export");
        cli_out_abort(&o);
    } else {
        rc = cli_out_commit(&o) ? EXIT_FATAL : EXIT_OK;
    }
    rp_index_close(ix);
    return rc;
}

static int cmd_stats(const struct icli *c)
{
    rp_index *ix;
    int rc = open_ix(c, &ix, 1);
    if (rc) return rc;
    rp_index_stats s;
    if (rp_index_stats_get(ix, &s) != RP_OK) {
        rc = fail_ix(ix, "stats");
        rp_index_close(ix);
        return rc;
    }
    rp_config cfg;
    rp_index_config(ix, &cfg);
    static const char *const KEEP[] = {"longest", "first", "earliest"};
    putchar('{');
    index_stats_counts(stdout, &s);
    printf(",\"level\":\"%s\",\"threshold\":", cfg.level == RP_LEVEL_EXACT   ? "exact"
                                               : cfg.level == RP_LEVEL_STORY ? "story"
                                                                             : "near");
    jout_score(stdout, cfg.threshold);
    printf(",\"ngram\":%u,\"num_perm\":%u,\"bands\":%u,\"rows\":%u,\"keep\":\"%s\",\"seed\":%llu",
           cfg.ngram, cfg.num_perm, s.bands, s.rows,
           KEEP[cfg.keep <= RP_KEEP_EARLIEST ? cfg.keep : 0], (unsigned long long)cfg.seed);
    if (cfg.level == RP_LEVEL_STORY) {
        printf(",\"window\":%g,\"boilerplate_min\":%u", cfg.window_days, cfg.boilerplate_min);
        index_stats_story(stdout, &s);
    }
    printf("}\n");
    rp_index_close(ix);
    return fflush(stdout) ? EXIT_FATAL : EXIT_OK;
}

static int cmd_remove(const struct icli *c)
{
    if (!c->remove_id == !c->before)
        return usage_error("%s", "remove: give --id ID or --before DATE");
    int64_t epoch = 0;
    if (c->before) {
        epoch = rp_parse_date(c->before, strlen(c->before));
        if (epoch == INT64_MIN) return usage_error("--before: not a date: '%s'", c->before);
    }
    rp_index *ix;
    int rc = open_ix(c, &ix, 0);
    if (rc) return rc;
    uint64_t n = 0;
    const rp_status st = c->remove_id ? rp_index_remove_id(ix, c->remove_id, &n)
                                      : rp_index_remove_before(ix, epoch, &n);
    if (st != RP_OK)
        rc = fail_ix(ix, "remove");
    else if (!c->quiet)
        fprintf(stderr, "reprint index: removed %llu documents\n", (unsigned long long)n);
    rp_index_close(ix);
    return rc;
}

int rp_cmd_index(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN); /* a file size limit becomes EFBIG: reported as full */
    struct icli c;
    memset(&c, 0, sizeof c);
    c.sub = argv[1];
    int rc = parse_opts(&c, argc - 1, argv + 1);
    if (rc != EXIT_OK) return rc;
    if (!strcmp(c.sub, "create")) {
        if (c.n_inputs) return usage_error("%s", "create takes only DIR");
        rp_index_options o;
        rp_index_options_default(&o);
        o.map_size = c.map_size;
        const rp_status st = rp_index_create(c.dir, &c.cfg, &o, NULL);
        if (st != RP_OK) {
            fprintf(stderr, "reprint index: create: %s\n", rp_index_errmsg(NULL));
            return st == RP_E_INVALID || st == RP_E_UNSUPPORTED ? EXIT_USAGE
                                                                : index_exit_status(NULL);
        }
        return EXIT_OK;
    }
    if (!strcmp(c.sub, "add")) return cmd_add(&c, 0);
    if (!strcmp(c.sub, "query")) return cmd_add(&c, 1);
    if (!strcmp(c.sub, "export")) return cmd_export(&c);
    if (!strcmp(c.sub, "stats")) return cmd_stats(&c);
    if (!strcmp(c.sub, "remove")) return cmd_remove(&c);
    return usage_error("unknown subcommand '%s' (create, add, query, remove, stats, export)",
                       c.sub);
}
