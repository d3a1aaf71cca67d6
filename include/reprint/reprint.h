/* SPDX-License-Identifier: MIT */
/* reprint.h -- the reprint library: find every copy of a text in a collection, at four levels
 * (rp_level): exact copies (identical normalized text), near duplicates (MinHash/LSH, verified
 * 5-gram Jaccard), reuse (documents sharing passages: partial reprints, quotations) and story
 * (one story told in other words: rewrites, translations, cut versions), with the original of
 * each cluster, every member's relation to the version it derives from, the shared passages
 * and where versions disagree. Includes every stage header; the rp_engine object runs the
 * batch pipeline over a whole collection:
 *   ingest -> normalize -> sketch -> doc -> near (exact groups, LSH, verify, star clusters)
 *   -> story (reuse and story levels: boilerplate, terms, candidates, scores, clusters,
 *      relations, disagreements).
 * The persistent index (incremental, same stages) is rp_index.h, included on its own.
 *
 * Stable API and growth: structs gain fields only at their end. rp_config, rp_doc_result and
 * rp_summary are passed through macros that give the library sizeof of the caller's struct,
 * so a program built against an older header works with a newer shared library (the library
 * reads or writes only that many bytes; a shorter rp_config gets the defaults for the rest).
 * Declarations that may change between minor versions (per-stage timings) are visible only
 * with RP_STATIC_LINKING_ONLY defined, as in zstd. The CLI (programs/) and the server use only
 * the public headers. */
#ifndef REPRINT_H
#define REPRINT_H
#include <stdint.h>      /* uint64_t */
#include "rp_common.h"   /* rp_status, rp_alloc */
#include "rp_ingest.h"   /* rp_ingest_params, rp_skip */
#include "rp_normalize.h" /* rp_norm_params */
#include "rp_sketch.h"   /* rp_minhash */
#include "rp_eval.h"     /* rp_eval_labels */
#include "rp_align.h"    /* rp_aligner */
#include "rp_cluster.h"  /* rp_level, rp_keep, rp_verify, rp_relation, rp_span, rp_disagreement */
#ifdef __cplusplus
extern "C" {
#endif

typedef struct rp_config {
    rp_level level;          /* default RP_LEVEL_NEAR (rp_config_default) */
    unsigned ngram;          /* word n-gram size of shingles; default 5 */
    double threshold;        /* the level's threshold; 0 = the level's default. near: 5-gram
                                Jaccard (0.5); reuse: share of the shorter document covered by
                                shared passages (0.05); story: story score (RP_STORY_THRESHOLD) */
    unsigned num_perm;       /* MinHash signature length; 0 = the level's default:
                                RP_NEAR_NUM_PERM (exact, near), RP_STORY_NUM_PERM (reuse,
                                story: there signatures only find near copies as candidates
                                and hint at the relation; docs/internals/story.md) */
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
    /* reuse and story levels */
    unsigned min_passage;    /* shortest shared passage, in words; default 10 */
    double window_days;      /* story: dated documents further apart than this are never one
                                story; default 3; 0 = no window */
    unsigned boilerplate_min; /* a line seen in at least this many distinct contexts (its
                                neighbouring lines) is boilerplate; default 4; 0 = off */
    const char *lexicon_dir; /* story/event: the word lists that carry texts of other
                                languages into one term space (<code>.tsv, tools/lexicon.py);
                                NULL = $REPRINT_LEXICON_DIR, else the build's (RP_LEXICON_DIR) */
} rp_config;
/* num_perm in effect for a configuration: its own, else the level's default. */
#define RP_CONFIG_NUM_PERM(c)                                                                     \
    ((c)->num_perm ? (c)->num_perm                                                                \
                   : (c)->level >= RP_LEVEL_REUSE ? RP_STORY_NUM_PERM : RP_NEAR_NUM_PERM)

/* Every field's default. Start from it: fields added later are set here. */
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

/* Create an engine for one run. The config is copied (its strings too). c_size: sizeof the
 * caller's rp_config (the macro passes it). */
RP_API rp_status rp_engine_create_sized(rp_engine **out, const rp_config *c, size_t c_size,
                                        const rp_alloc *alloc);
#define rp_engine_create(out, c, alloc) rp_engine_create_sized((out), (c), sizeof *(c), (alloc))
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
    const char *title;     /* reuse/story levels: the record's title, else NULL */
    size_t of_doc;         /* document number of `of`, SIZE_MAX when none */
    size_t cluster_doc;    /* document number of the cluster's representative/original */
    uint64_t text_size;    /* bytes of the document's text (0 when skipped) */
    size_t cluster_index;  /* k for rp_engine_cluster, SIZE_MAX when not in a cluster of two
                              or more */
    /* RP_LEVEL_EVENT: `cluster` is the event; the version family below it (the story level's
     * cluster) is named by its original. Other levels: equal to cluster, cluster_doc. */
    const char *family;
    size_t family_doc;
    /* reuse/story/event: the text's language, ISO 639 ("en", "fr"; "und" when it cannot be
     * told: a short text, or a build without CLD2); NULL at exact and near */
    const char *lang;
} rp_doc_result;

RP_API size_t rp_engine_n_docs(const rp_engine *e);
/* out_size: sizeof the caller's rp_doc_result (the macro passes it). */
RP_API rp_status rp_engine_doc_sized(const rp_engine *e, size_t i, rp_doc_result *out,
                                     size_t out_size);
#define rp_engine_doc(e, i, out) rp_engine_doc_sized((e), (i), (out), sizeof *(out))

/* Verified pairs (a < b are document numbers): first every exact duplicate linked to its
 * exact group's leader, in document order; then every verified near pair between distinct
 * contents. Pairs are built on demand from compact edges (12 bytes each). */
/* Evidence for one pair at the reuse and story levels (rp_engine_pair, rp_engine_compare). */
typedef struct rp_signals {
    double score;        /* the level's score, held against the threshold: story score, or for
                            reuse the share of the shorter document in shared passages */
    double cosine;       /* TF-IDF cosine of the salient terms (boilerplate left out) */
    double names;        /* IDF-weighted overlap of capitalised terms (names, acronyms) */
    double numbers;      /* overlap of numbers */
    double cover_a;      /* share of a's words inside shared passages */
    double cover_b;      /* share of b's words inside shared passages */
    double jaccard;      /* word 5-gram Jaccard */
    uint32_t n_passages; /* shared passages of >= min_passage words */
    uint32_t shared_words; /* words of a inside them */
    int64_t days_apart;  /* |date a - date b| in days, -1 when either is undated */
    double words;        /* cosine of the salient terms neither text writes as a name: what
                            the two say beyond who is in it (story level) */
} rp_signals;

typedef struct rp_pair {
    size_t a, b;
    rp_relation relation;  /* exact, near, partial, reuse, rewrite; related (story/event) */
    double estimate;       /* MinHash estimate (1 for exact) */
    double jaccard;        /* exact Jaccard when verify=exact, else -1 */
    int same_cluster;      /* 1 if both ended in one cluster */
    rp_signals signals;    /* reuse/story levels; zeroed otherwise */
    size_t from;           /* which of a, b the other derives from (the earlier, else the one
                              containing the other, else the longer); SIZE_MAX at exact/near */
    double lineage;        /* story/event: share of the smaller text in sentences the other
                              keeps in the same order (1 for exact copies); -1 at other
                              levels. A pair of relation RP_REL_RELATED has the story score
                              but neither lineage nor a shared passage: one event, two texts */
} rp_pair;

RP_API size_t rp_engine_n_pairs(const rp_engine *e);
RP_API rp_status rp_engine_pair(const rp_engine *e, size_t k, rp_pair *out);

/* ---- reuse and story levels: texts, passages, clusters, disagreements ---- */

/* The original text of document i (reuse/story levels keep texts); NULL otherwise. */
RP_API const char *rp_engine_text(const rp_engine *e, size_t i, size_t *size);

/* Byte ranges [start, end) of document i's lines learnt as boilerplate; *n = 0 if none. */
RP_API rp_status rp_engine_boilerplate(const rp_engine *e, size_t i, const rp_range **out,
                                       size_t *n);

/* Compare any two documents after the run, with the collection's statistics: every signal,
 * the shared passages, the relation the pair would get, the threshold. The result is owned by
 * the engine and valid until the next rp_engine_compare or rp_engine_free. RP_E_UNSUPPORTED
 * below the reuse level; RP_E_INVALID for a skipped document or a bad number. */
typedef struct rp_comparison {
    rp_signals signals;
    rp_relation relation;     /* relation b would have to a if linked; RP_REL_UNIQUE if the
                                 pair is below the threshold */
    double threshold;         /* the level's threshold the score was held against */
    int linked;               /* score >= threshold (and within the date window) */
    int same_cluster;
    const char *why;          /* one line: the deciding rule, e.g. "outside the 3-day window" */
    const rp_span *passages;  /* sorted by a_start */
    size_t n_passages;
    int candidate;            /* the run scored this pair (its candidate stage found it, or
                                 the two share one text); clusters only see such pairs */
    double lineage;           /* story/event: share of the smaller text in sentences the other
                                 keeps in the same order (versions of one text from 0.4) */
    int related;              /* story/event: the score reaches the threshold but the two
                                 are not versions of one text (no lineage, no shared passage):
                                 one event, two texts; then linked is 0 and relation
                                 RP_REL_RELATED */
} rp_comparison;
RP_API rp_status rp_engine_compare(rp_engine *e, size_t a, size_t b, rp_comparison *out);

/* Clusters with at least two members, largest first (ties: lower original document). */
typedef struct rp_cluster_info {
    size_t original;       /* document number of the cluster's original (see docs) */
    const size_t *members; /* document numbers: the original first, then input order */
    size_t n_members;
    const rp_disagreement *disagreements; /* reuse/story levels; NULL otherwise */
    size_t n_disagreements;
} rp_cluster_info;
RP_API size_t rp_engine_n_clusters(const rp_engine *e);
RP_API rp_status rp_engine_cluster(const rp_engine *e, size_t k, rp_cluster_info *out);

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
    uint64_t n_partial, n_reuse, n_rewrite; /* documents by relation (reuse/story) */
    uint64_t n_boilerplate_lines; /* distinct lines learnt as boilerplate */
    uint64_t n_story_candidates;  /* pairs scored at the reuse/story level */
    uint64_t n_story_links;       /* of them, at or above the threshold */
    unsigned bands, rows, threads;
    double threshold;       /* the level's threshold in effect (defaults resolved) */
    uint64_t n_bad_dates; /* documents whose date was given but not understood: undated */
    const char *bad_date_first; /* the first of them, "path:line: date \"...\"" (the date
                                   cut at 64 bytes), or NULL; valid while the engine lives */
    uint64_t n_renamed_ids; /* documents whose id an earlier document held: given a new one
                               ("SOURCE:ID", then "#N"; docs/reliability.md, "Ids") */
    const char *renamed_id_first; /* the first of them, "path:line: id \"...\" is already
                                     taken ...; now \"...\"", or NULL; valid like the above */
    uint64_t n_decoded;         /* texts converted to UTF-8 from another charset (byte order
                                   mark, declared, or detected: rp_parser_decoded) */
    uint64_t n_decode_replaced; /* bytes of them that did not convert: U+FFFD */
    const char *decoded_first;  /* the first, "path[:line]: from CHARSET", or NULL; valid
                                   while the engine lives. Each one goes to the log callback as
                                   "decoded path[:line] from CHARSET to UTF-8" */
    uint64_t n_related; /* event: family originals in another family's event (RP_REL_RELATED) */
    uint64_t n_small_collection; /* reuse/story: the texts with words when they were too few
                                    for term statistics (under 50) and a background of
                                    English completed them; 0 otherwise */
    uint64_t n_translation; /* story/event: documents whose `of` is in another language */
    uint64_t n_languages;   /* reuse/story/event: languages told apart (CLD2), "und" aside */
    uint64_t n_pivot_pairs; /* story/event: pairs of texts in two languages scored in the
                               shared term space (0: one language, nothing extra was done) */
    char no_word_list[32];  /* story/event: languages found without a word list ("ru,is";
                               cut at 31 bytes), "" when every one had one */
} rp_summary;

/* out_size: sizeof the caller's rp_summary (the macro passes it). */
RP_API void rp_engine_summary_sized(const rp_engine *e, rp_summary *out, size_t out_size);
#define rp_engine_summary(e, out) rp_engine_summary_sized((e), (out), sizeof *(out))



/* Last error message of the engine (file names, offsets), "" if none. */
RP_API const char *rp_engine_errmsg(const rp_engine *e);

/* Queue a caller's buffer for rp_engine_run, read as one file named name (rp_reader_open_memory):
 * name stands for the path in sources, fallback ids ("<name>:<line>") and messages, and its
 * extension picks the format under RP_FORMAT_AUTO (.jsonl JSON Lines, .json JSON, else text or
 * what the first bytes say). Records, skips and details are those of a file with the same
 * bytes. data is borrowed: it must stay unchanged until rp_engine_run returns; name is copied.
 * Buffers and paths are read in the order they were added. Bindings (python/) hand documents
 * this way, serialized as JSON Lines, so that they are parsed as the CLI parses a file. */
RP_API rp_status rp_engine_add_buffer(rp_engine *e, const void *data, size_t size,
                                      const char *name);

/* Ask a running rp_engine_run (in another thread, or from a signal handler: it only stores a
 * flag) to stop. The reader checks it at every record and the stages between their steps; the
 * run then returns RP_E_CANCELLED with the message "cancelled" and its results must not be
 * read. Calling it before rp_engine_run makes the run stop at once. */
RP_API void rp_engine_cancel(rp_engine *e);
/* Whether rp_engine_cancel was called: tells a cancelled run from a failed one. */
RP_API int rp_engine_cancelled(const rp_engine *e);

#ifdef __cplusplus
}
#endif
#endif /* REPRINT_H */

/* ---- RP_STATIC_LINKING_ONLY: outside the include guard, so that a later include with the
 * macro defined still sees it (zstd.h does the same) ---- */
#if defined(RP_STATIC_LINKING_ONLY) && !defined(RP_TIMINGS_DEFINED)
#define RP_TIMINGS_DEFINED
#ifdef __cplusplus
extern "C" {
#endif
/* Where a run spent its time and memory: for profiling, not a stable interface (the steps
 * follow the implementation). */
#define RP_STORY_STEPS 7 /* rp_timings.t_story_steps */
typedef struct rp_timings {
    double t_read, t_group, t_candidates, t_cluster; /* seconds per stage */
    double t_story;                                  /* seconds in the reuse/story stages */
    double t_story_steps[RP_STORY_STEPS]; /* of them, per step: boilerplate, term statistics,
                                             vectors, candidates, scoring, clusters,
                                             relations and disagreements */
    double rss_read, rss_candidates, rss_cluster; /* process peak RSS in MiB at the end of
                                                     each stage (getrusage) */
} rp_timings;
RP_API void rp_engine_timings(const rp_engine *e, rp_timings *out);
#ifdef __cplusplus
}
#endif
#endif
