/* SPDX-License-Identifier: MIT */
/* reprint.h -- the reprint library: find exact and near-duplicate documents in a collection.
 * Includes every stage header; the rp_engine object runs the whole pipeline:
 *   ingest -> normalize -> sketch -> exact groups -> LSH candidates -> verify -> cluster.
 * The CLI (programs/) and the server use only this API. */
#ifndef REPRINT_H
#define REPRINT_H
#include <stdint.h>      /* uint64_t */
#include "rp_common.h"   /* rp_status, rp_alloc */
#include "rp_ingest.h"   /* rp_ingest_params, rp_skip */
#include "rp_normalize.h" /* rp_norm_params */
#include "rp_sketch.h"   /* rp_minhash */
#include "rp_eval.h"     /* rp_eval_labels */
#ifdef __cplusplus
extern "C" {
#endif

typedef enum rp_level {
    RP_LEVEL_EXACT = 0, /* identical normalized content (XXH3-128) */
    RP_LEVEL_NEAR = 1,  /* MinHash/LSH + verification, Jaccard >= threshold */
    RP_LEVEL_REUSE = 2, /* shared passages (not yet implemented) */
    RP_LEVEL_STORY = 3  /* rewrites and translations (not yet implemented) */
} rp_level;

/* Tie-break order of the clustering. Documents are visited by decreasing number of verified
 * near-duplicate edges (the most connected version becomes a representative first); among
 * equally connected documents, and for choosing the leader of a group of exact copies, this
 * order decides. The representative is kept by dedup. */
typedef enum rp_keep {
    RP_KEEP_LONGEST = 0,  /* most normalized bytes; ties: smaller content hash, then id */
    RP_KEEP_FIRST = 1,    /* first in input order */
    RP_KEEP_EARLIEST = 2  /* earliest date; undated last; ties as LONGEST */
} rp_keep;

typedef enum rp_verify {
    RP_VERIFY_SIGNATURE = 0, /* estimated Jaccard from the MinHash signatures */
    RP_VERIFY_EXACT = 1      /* exact Jaccard of the shingle sets (spilled to a temp file) */
} rp_verify;

typedef enum rp_relation {
    RP_REL_UNIQUE = 0,   /* no duplicate found */
    RP_REL_ORIGINAL = 1, /* representative of a cluster with duplicates */
    RP_REL_EXACT = 2,    /* identical normalized content to `of` */
    RP_REL_NEAR = 3,     /* verified near-duplicate of `of` (the representative) */
    RP_REL_SKIPPED = 4   /* could not be read; see skip */
} rp_relation;

RP_API const char *rp_relation_str(rp_relation r); /* "unique", "original", ... */

typedef struct rp_config {
    rp_level level;          /* default RP_LEVEL_NEAR */
    unsigned ngram;          /* word n-gram size of shingles; default 5 */
    double threshold;        /* Jaccard threshold for near duplicates; default 0.5 */
    unsigned num_perm;       /* MinHash signature length; default 128 */
    unsigned bands, rows;    /* LSH banding; 0 = derived from threshold (rp_lsh_params) */
    rp_verify verify;        /* default RP_VERIFY_SIGNATURE */
    rp_keep keep;            /* default RP_KEEP_LONGEST */
    unsigned threads;        /* worker threads; 0 = number of online CPUs */
    uint64_t seed;           /* hashing seed; default 0 */
    size_t max_bucket;       /* LSH buckets larger than this pair each member only with the
                                first max_bucket members in keep order; default 512 */
    const char *tmp_dir;     /* for spill files; NULL = $TMPDIR or /tmp */
    rp_ingest_params ingest;
    rp_norm_params norm;
    uint64_t max_memory;     /* cap on the engine's working set in bytes (document slots,
                                signatures, ids, edges); exceeding it ends the run with
                                RP_E_TOO_BIG and a message. 0 = 3/4 of physical memory */
} rp_config;

RP_API void rp_config_default(rp_config *c);

/* Progress snapshot passed to the progress callback (from the reading thread). */
typedef struct rp_progress {
    const char *stage;      /* "read", "candidates", "verify", "cluster" */
    uint64_t docs;          /* documents read so far */
    uint64_t bytes_done;    /* compressed input bytes consumed */
    uint64_t bytes_total;   /* 0 when unknown (stdin) */
    double seconds;         /* since rp_engine_run started */
} rp_progress;

typedef void (*rp_progress_fn)(const rp_progress *p, void *user);
/* Diagnostics (one line, no newline), e.g. "a.jsonl:17: bad_json: line 17, column 3: ...". */
typedef void (*rp_log_fn)(const char *msg, void *user);

typedef struct rp_engine rp_engine; /* opaque; not thread-safe (it runs its own threads) */

/* Create an engine for one run. The config is copied (its strings too). */
RP_API rp_status rp_engine_create(rp_engine **out, const rp_config *c, const rp_alloc *alloc);
RP_API void rp_engine_free(rp_engine *e); /* accepts NULL */
RP_API void rp_engine_set_progress(rp_engine *e, rp_progress_fn fn, void *user);
RP_API void rp_engine_set_log(rp_engine *e, rp_log_fn fn, void *user);

/* Queue an input argument (file, directory or "-") for rp_engine_run. Copies the path. */
RP_API rp_status rp_engine_add_input(rp_engine *e, const char *path);

/* Read every input and cluster. Returns RP_OK even when some records were skipped (see
 * rp_summary.n_skipped); an error only for allocation, thread or temp-file failures. Call once. */
RP_API rp_status rp_engine_run(rp_engine *e);

/* Results, valid until rp_engine_free. Documents are numbered 0..n-1 in input order (blank
 * JSON Lines lines are not documents). */
typedef struct rp_doc_result {
    const char *id;
    const char *cluster;   /* id of the cluster's representative (own id when unique) */
    const char *of;        /* id of the document matched, NULL for unique/original/skipped */
    rp_relation relation;
    double score;          /* verified similarity to `of` (1 for exact); 0 otherwise */
    rp_skip skip;          /* RP_SKIP_NONE unless skipped */
    const char *detail;    /* skip detail (file, line/offset, reason) or NULL */
    const char *source;    /* input file */
    uint64_t line;         /* line or record number in source (0 for text files) */
    uint64_t n_tokens;
    int64_t date_epoch;    /* INT64_MIN when unknown */
    int kept;              /* 1 if dedup keeps it: representatives and unique documents */
} rp_doc_result;

RP_API size_t rp_engine_n_docs(const rp_engine *e);
RP_API rp_status rp_engine_doc(const rp_engine *e, size_t i, rp_doc_result *out);

/* Verified pairs (a < b are document numbers): first every exact duplicate linked to its
 * exact group's leader, in document order; then every verified near pair between distinct
 * contents. Pairs are built on demand from compact edges (12 bytes each). */
typedef struct rp_pair {
    size_t a, b;
    rp_relation relation;  /* RP_REL_EXACT or RP_REL_NEAR */
    double estimate;       /* MinHash estimate (1 for exact) */
    double jaccard;        /* exact Jaccard when verify=exact, else -1 */
    int same_cluster;      /* 1 if both ended in one cluster */
} rp_pair;

RP_API size_t rp_engine_n_pairs(const rp_engine *e);
RP_API rp_status rp_engine_pair(const rp_engine *e, size_t k, rp_pair *out);

#define RP_SKIP_REASONS 16
typedef struct rp_summary {
    uint64_t n_docs;        /* documents (including skipped) */
    uint64_t n_skipped;
    uint64_t skipped_by[RP_SKIP_REASONS]; /* indexed by rp_skip */
    uint64_t n_blank;       /* blank JSON Lines lines (not documents) */
    uint64_t n_ignored;     /* WARC records that are not documents */
    uint64_t n_empty;       /* documents with no tokens (never clustered) */
    uint64_t n_truncated;   /* texts cut to max_doc_size */
    uint64_t n_repaired;    /* invalid UTF-8 sequences replaced */
    uint64_t bytes;         /* compressed input bytes read */
    uint64_t n_clusters;    /* clusters with at least 2 members */
    uint64_t n_unique;
    uint64_t n_exact, n_near; /* documents by relation */
    uint64_t n_candidates;  /* LSH candidate pairs checked */
    uint64_t n_verified;    /* near pairs that passed verification */
    unsigned bands, rows, threads;
    double t_read, t_group, t_candidates, t_cluster; /* seconds per stage */
    double rss_read, rss_candidates, rss_cluster; /* process peak RSS in MiB at the end of
                                                     each stage (getrusage) */
} rp_summary;

RP_API void rp_engine_summary(const rp_engine *e, rp_summary *out);

/* Last error message of the engine (file names, offsets), "" if none. */
RP_API const char *rp_engine_errmsg(const rp_engine *e);

#ifdef __cplusplus
}
#endif
#endif /* REPRINT_H */
