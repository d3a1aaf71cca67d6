/* SPDX-License-Identifier: MIT */
/* rp_index.h -- a persistent index (LMDB, one directory) that assigns each incoming document
 * to its cluster, and gives the same clusters as one batch rp_engine run over the same
 * documents in the same order (exact and near levels; at the story level the corpus statistics
 * live in the index and clusters follow arrival order). Used by `reprint index` and
 * `reprint serve`. On-disk schema, costs and guarantees: docs/index.md.
 *
 * Threads: one rp_index may be shared by threads. Read calls (rp_index_doc, rp_index_cluster,
 * rp_index_foreach_doc, rp_index_stats) run concurrently, each in its own LMDB read
 * transaction. rp_index_commit is serialized internally (one writer at a time); batches are
 * prepared (parsed, normalized, sketched) outside that lock, one batch per thread.
 * Processes: any number of readers; one writer, enforced with flock on DIR/writer.lock. */
#ifndef RP_INDEX_H
#define RP_INDEX_H
#include <stdint.h>  /* int64_t */
#include "reprint.h" /* rp_config, rp_doc_result, rp_ingest_params, rp_record */
#ifdef __cplusplus
extern "C" {
#endif

/* Why an index call failed, beyond its rp_status (for exit codes and HTTP statuses). */
typedef enum rp_index_error {
    RP_INDEX_E_NONE = 0,
    RP_INDEX_E_LOCKED = 1,     /* another process holds the writer lock */
    RP_INDEX_E_FULL = 2,       /* the LMDB map size or the disk is full (ENOSPC, EFBIG, EDQUOT);
                                the batch was rolled back and the index stays usable */
    RP_INDEX_E_EXISTS = 3,     /* create: DIR already holds an index */
    RP_INDEX_E_MISSING = 4,    /* open: DIR holds no index */
    RP_INDEX_E_FORMAT = 5,     /* unknown format version or unreadable metadata */
    RP_INDEX_E_NOT_FOUND = 6,  /* no such document or cluster */
    RP_INDEX_E_DUPLICATE = 7,  /* commit: an id already stored (or earlier in the batch) with a
                                 different content; nothing of the batch was stored */
    RP_INDEX_E_ID_TOO_LONG = 8 /* commit: an id longer than RP_INDEX_ID_MAX bytes */
} rp_index_error;

/* The longest id rp_index_commit stores, in bytes: an id must fit, percent-encoded (x3), in a
 * URL of `reprint serve` (4096 bytes, docs/index.md) to be fetched or deleted later. */
#define RP_INDEX_ID_MAX 1024

typedef struct rp_index_options {
    uint64_t map_size; /* create/open: LMDB map size, the largest the index may grow; default
                           16 GiB (address space only; the file grows as it fills) */
    int read_only;     /* open: no writes, no writer lock */
    /* create/open: every allocation of the index, its batches, results and scratch; NULL:
     * malloc/free. Copied at open (the struct may go; its opaque must outlive the index and
     * its results). Called from every thread using the index, so it must be thread-safe when
     * the index is shared. LMDB's memory (its environment, transactions, page buffers)
     * and jansson's (records the JSON fast path leaves to it) are their own, not routed. */
    const rp_alloc *alloc;
} rp_index_options;
RP_API void rp_index_options_default(rp_index_options *o);

typedef struct rp_index rp_index; /* opaque; thread-safe as described above */

/* Create an empty index in dir (created if missing; must not hold an index already). The
 * clustering parameters are fixed for the life of the index: level (RP_LEVEL_EXACT,
 * RP_LEVEL_NEAR or RP_LEVEL_STORY; reuse: RP_E_UNSUPPORTED), ngram, threshold, num_perm,
 * bands, rows, keep, max_bucket, seed, norm, and at the story level window_days and
 * boilerplate_min. verify must be RP_VERIFY_SIGNATURE. cfg->ingest is not stored: each batch
 * names its own input fields. err may be NULL. */
RP_API rp_status rp_index_create_sized(const char *dir, const rp_config *cfg, size_t cfg_size,
                                       const rp_index_options *opt, rp_index_error *err);
/* cfg_size: sizeof the caller's rp_config (reprint.h: structs that grow), passed by the macro */
#define rp_index_create(dir, cfg, opt, err)                                                        \
    rp_index_create_sized((dir), (cfg), sizeof *(cfg), (opt), (err))

/* Open an index. Unless opt->read_only, takes the writer lock (RP_E_IO with
 * RP_INDEX_E_LOCKED when another process holds it). On failure *out is NULL and, when errmsg
 * is not NULL, errmsg[0..errmsg_size) receives a message. opt may be NULL (defaults). */
RP_API rp_status rp_index_open(rp_index **out, const char *dir, const rp_index_options *opt,
                               rp_index_error *err, char *errmsg, size_t errmsg_size);
/* Close: waits for nothing (callers finish their calls first), releases the lock. NULL ok. */
RP_API void rp_index_close(rp_index *ix);

/* The clustering parameters the index was created with (defaults resolved). */
RP_API void rp_index_config(const rp_index *ix, rp_config *out);

/* Last error of the calling thread's most recent call on ix (thread-local): a message ("" if
 * none) and its kind. */
RP_API const char *rp_index_errmsg(const rp_index *ix);
RP_API rp_index_error rp_index_errkind(const rp_index *ix);

/* ---- adding and querying ---------------------------------------------------------------- */

/* A batch of documents, prepared outside the writer lock: each record is parsed, normalized
 * and sketched when it is added to the batch, so several threads can prepare batches at once
 * (one batch per thread). The batch keeps no text, only what the index stores. */
typedef struct rp_index_batch rp_index_batch;

/* ip: input fields and format (NULL = defaults). ix must outlive the batch, which allocates
 * through ix's allocator. */
RP_API rp_status rp_index_batch_create(rp_index_batch **out, rp_index *ix,
                                       const rp_ingest_params *ip);
RP_API void rp_index_batch_free(rp_index_batch *b); /* accepts NULL */
/* Add one framed record (rp_reader_next, or built by the caller). A record that cannot be
 * parsed becomes a skipped document of the batch (reported, never stored); the status is an
 * error only for allocation failure, or at the story level RP_E_IO when a word list of the
 * text's language exists but cannot be read (rp_index_errmsg names it). The record is only
 * read during the call. */
RP_API rp_status rp_index_batch_add_record(rp_index_batch *b, const rp_record *rec);
/* Add one JSON object given as bytes (one document of a JSON Lines body); line is its line
 * number, used in skip details ("line 3, column 7: ..."). */
RP_API rp_status rp_index_batch_add_json(rp_index_batch *b, const char *json, size_t size,
                                         uint64_t line);
RP_API size_t rp_index_batch_n_docs(const rp_index_batch *b);
/* Documents of the batch whose date was given but not understood (they are stored undated);
 * *first (may be NULL) gets the first one's "path:line: date \"...\"", valid with b. */
RP_API uint64_t rp_index_batch_bad_dates(const rp_index_batch *b, const char **first);

/* Results of a commit or a lookup: documents with their cluster, in batch order. Strings
 * belong to the result and live until rp_index_result_free. of_doc/cluster_doc are index
 * document numbers (stable, never reused); SIZE_MAX when none. */
typedef struct rp_index_result {
    size_t n_docs;
    rp_doc_result *docs;   /* sizeof(rp_doc_result) of the library apart: a program built
                              against an older, shorter rp_doc_result reads them with
                              rp_index_result_doc instead */
    uint64_t *doc_numbers; /* index document number of docs[i]; UINT64_MAX if not stored
                              (skipped, or a query) */
    void *priv_;           /* string storage */
    size_t n_existing;     /* commit: documents whose id was already stored with the same
                              content; their entry is the stored document, nothing added */
} rp_index_result;
/* Accepts NULL. Freed with the allocator of the index that made it (the result keeps a copy,
 * so it may be freed after rp_index_close). */
RP_API void rp_index_result_free(rp_index_result *r);
/* Document i of a result into out (the macro passes sizeof *out: reprint.h, structs that
 * grow). RP_E_INVALID when i >= r->n_docs. */
RP_API rp_status rp_index_result_doc_sized(const rp_index_result *r, size_t i, rp_doc_result *out,
                                           size_t out_size);
#define rp_index_result_doc(r, i, out) rp_index_result_doc_sized((r), (i), (out), sizeof *(out))

/* Add the batch in one LMDB write transaction: every document is stored, its candidates found
 * through the stored LSH bands and verified, the new edges stored, and the clustering of the
 * touched connected components recomputed with the batch engine's star clustering. Then the
 * transaction commits (fsync): when this returns RP_OK the batch is durable; on any error
 * nothing of it is stored. With dry_run (a query) the same work is done in an LMDB read
 * transaction on the calling thread, its writes kept in memory and dropped, so the answer is
 * exactly what adding would give now; a query neither waits for nor delays the writer. *res
 * gets one entry per batch document, with its cluster after the batch (skipped documents:
 * RP_REL_SKIPPED). Adds are serialized with other commits on ix (group commit, below).
 * Ids are unique (checked in the write transaction, so concurrent commits cannot race): a
 * document whose id is already stored (or earlier in the batch) with the same content (equal
 * normalized text, text size and date) is not added again, its entry is the stored document
 * (counted in (*res)->n_existing); with a different content the commit fails with
 * RP_E_INVALID and RP_INDEX_E_DUPLICATE, nothing stored. An id longer than RP_INDEX_ID_MAX:
 * RP_E_INVALID and RP_INDEX_E_ID_TOO_LONG. Cost: per new content b band look-ups, one
 * signature comparison per candidate, and O(C log C + E) for the touched components of C units
 * and E edges; per document one id look-up. */
RP_API rp_status rp_index_commit(rp_index *ix, rp_index_batch *b, int dry_run,
                                 rp_index_result **res);

/* An add that does not wait: b is queued for the group commit (as rp_index_commit with
 * dry_run 0) and the call returns at once. done is called exactly once, on one of the index's
 * two threads (a writer and a sync thread, started by the first call; rp_index_close runs
 * every queued add first), after the group's commit: st RP_OK and res (the caller's, to free
 * with rp_index_result_free) once the add is durable (its commit synced), or the error with its
 * kind and message (res NULL). b stays the caller's and
 * must live until done is called (done may free it); done must be quick. Returns
 * RP_OK when queued, or an error (read-only index, no memory, no thread) and then done is not
 * called. */
typedef void (*rp_index_done_fn)(void *user, rp_status st, rp_index_result *res,
                                 rp_index_error kind, const char *msg);
RP_API rp_status rp_index_commit_async(rp_index *ix, rp_index_batch *b, rp_index_done_fn done,
                                       void *user);

/* ---- reading ------------------------------------------------------------------------------- */

/* The document(s) with this id (an index made before ids were unique may hold several: all
 * are returned, oldest first).
 * RP_E_INVALID with RP_INDEX_E_NOT_FOUND when there is none. */
RP_API rp_status rp_index_doc(rp_index *ix, const char *id, rp_index_result **res);
/* The members of the cluster whose representative has this id: representative first, then by
 * document number. A unique document is a cluster of one. */
RP_API rp_status rp_index_cluster(rp_index *ix, const char *id, rp_index_result **res);

/* Call fn for every stored document in document-number order (= input order), with the same
 * fields as a batch rp_engine_doc, inside one read transaction (a consistent snapshot).
 * Strings are valid during the call only. fn returns nonzero to stop. */
typedef int (*rp_index_doc_fn)(const rp_doc_result *r, uint64_t doc_number, void *user);
RP_API rp_status rp_index_foreach_doc(rp_index *ix, rp_index_doc_fn fn, void *user);

/* Call fn for every cluster of at least min_size documents (1 = every document's cluster),
 * representative first then members by document number, in representative document order. */
typedef int (*rp_index_cluster_fn)(const rp_doc_result *members, size_t n_members, void *user);
RP_API rp_status rp_index_foreach_cluster(rp_index *ix, size_t min_size, rp_index_cluster_fn fn,
                                          void *user);

typedef struct rp_index_stats {
    uint64_t n_docs;     /* stored documents */
    uint64_t n_units;    /* distinct contents (exact groups) */
    uint64_t n_empty;    /* documents without tokens */
    uint64_t n_edges;    /* verified near edges between contents */
    uint64_t n_clusters; /* clusters of >= 2 documents */
    uint64_t n_terms;    /* distinct terms with a document frequency */
    uint64_t next_doc;   /* the next document number */
    uint64_t bytes_used; /* LMDB pages in use x page size */
    uint64_t map_size;
    uint32_t bands, rows;
    /* corpus statistics of the story level (docs/index.md) */
    uint64_t n_term_units;   /* contents counted in the term document frequencies */
    uint64_t n_lines;        /* story: distinct lines seen (with any context) */
    uint64_t n_boiler_lines; /* story: lines seen in boilerplate_min or more contexts */
    uint64_t n_named;        /* story: contents with names (two capitalised terms or more),
                                which tell a collection with case from one without;
                                UINT64_MAX for an index made before they were counted */
} rp_index_stats;
RP_API rp_status rp_index_stats_get(rp_index *ix, rp_index_stats *out);

/* ---- removing ---------------------------------------------------------------------------- */

/* Remove every document with this id / dated strictly before epoch seconds (undated documents
 * stay), in one transaction, and recluster what they touched. *n_removed may be NULL. */
RP_API rp_status rp_index_remove_id(rp_index *ix, const char *id, uint64_t *n_removed);
RP_API rp_status rp_index_remove_before(rp_index *ix, int64_t epoch, uint64_t *n_removed);

/* ---- group commit (rp_index_commit) ----------------------------------------------------
 * Commits called at once from several threads share one write transaction: each batch runs in
 * its own nested transaction (a failing batch is rolled back alone), in queue order, then one
 * LMDB commit (one fsync) makes the group durable and every caller returns with its own result
 * and error: the results of serial commits in that order. An add returns RP_OK only once
 * durable; if the group's commit fails, every add of it fails. Queries (dry_run) do not queue:
 * they read the last committed state. docs/index.md, "Group commit". */

#ifdef __cplusplus
}
#endif
#endif /* RP_INDEX_H */
