/* SPDX-License-Identifier: MIT */
/* index_internal.h -- private state of rp_index shared by the files of lib/index/: the LMDB
 * environment and its named databases, fixed-endian record layouts (docs/index.md), the
 * prepared documents of a batch. */
#ifndef RP_INDEX_INTERNAL_H
#define RP_INDEX_INTERNAL_H
#include <lmdb.h>    /* MDB_env */
#include <pthread.h> /* pthread_mutex_t */
#include <string.h>  /* memcpy */
#include "reprint/rp_index.h"
#include "common/common_internal.h"
#include "common/arena_internal.h"
#include "doc/doc_internal.h" /* struct rpi_prep, struct rpi_sdoc */
#include "story/story_internal.h" /* struct rpi_bg */

#define RPI_IX_FORMAT 1u
#define RPI_IX_NONE UINT64_MAX

/* named databases (docs/index.md has the layouts) */
enum {
    DB_META,
    DB_DOCS,     /* docno BE -> doc record */
    DB_IDS,      /* XXH3-64(id) -> docno BE (dupsort, fixed) */
    DB_CONTENTS, /* h0 h1 (16 bytes) -> unit u64 LE */
    DB_UNITS,    /* unit BE -> unit record */
    DB_MEMBERS,  /* unit BE -> docno BE (dupsort, fixed) */
    DB_STARS,    /* centre unit BE -> unit BE (dupsort, fixed): the units of each cluster */
    DB_SIGS,     /* unit BE -> num_perm x u32 LE */
    DB_BANDS,    /* band u32 BE + band key u64 BE -> unit BE (dupsort, fixed) */
    DB_EDGES,    /* unit BE -> neighbour BE + score f32 LE (dupsort, fixed), both directions */
    DB_TERMS,    /* term hash BE -> number of contents containing it, u64 LE */
    DB_UTERMS,   /* unit BE -> its distinct term hashes, u64 LE each, sorted */
    /* story level only (created with a story index; absent otherwise) */
    DB_SFEAT,   /* unit BE -> story features: terms with frequencies and flags, top terms */
    DB_SPOST,   /* top term BE -> unit BE + date i64 LE (dupsort, fixed 16) */
    DB_SOF,     /* unit BE -> `of` unit u64 LE + relation u32 LE (cluster members only) */
    DB_LINES,   /* line key (line part) BE -> distinct contexts u32 LE */
    DB_LINECTX, /* line key BE -> contents with this line in this context, u32 LE */
    DB_ULINES,  /* unit BE -> its distinct line keys, u64 LE each */
    /* story level, across languages (index_story.c; a story index made before them gets them
     * at its first writable open, and links across languages the contents added since) */
    DB_ULANG,  /* unit BE -> its language, NUL-terminated ("und" included) */
    DB_XFEAT,  /* unit BE -> pivot features (a known language only): as DB_SFEAT, then its
                  language (8 bytes), sentence count u32 LE and shares u16 LE */
    DB_XTERMS, /* pivot term BE -> contents with it (in DB_XFEAT), u32 LE */
    DB_XPOST,  /* top pivot term BE -> unit BE + date i64 LE + language 8 bytes (dupsort,
                  fixed 24) */
    DB_COUNT
};
#define DB_FIRST_STORY DB_SFEAT
#define DB_FIRST_XLING DB_ULANG
/* DB_META key of a story index: contents with names (u64 LE), kept with every add and
 * remove; an index made before it has no such key and scores as a collection without case */
#define RPI_IX_NAMED_KEY "withname"

/* A commit waiting in the group-commit queue (rp_index_commit, index_write.c): it lives on
 * its caller's stack; the leader fills st, res, msg, kind and then, under cq_mu, done. An
 * asynchronous one (rp_index_commit_async) is allocated and has on_done: the leader calls it
 * once the group is over, then frees the item. */
struct rpi_cq_item {
    rp_index_batch *batch;
    int dry_run;
    int done;
    rp_index_done_fn on_done;
    void *user;
    int on_dirty; /* ran after a kept batch of its group: fails if the group's commit does */
    rp_status st;
    rp_index_error kind;
    rp_index_result *res;
    struct rpi_cq_item *next;
    char msg[512];
};

/* Band postings of units not folded into DB_BANDS yet (index_bandq.c). */
struct rpi_bq_ent {
    uint64_t key, unit;
    uint32_t band, next; /* next: older entry of the same hash chain */
};
struct rpi_bandq {
    pthread_mutex_t mu;     /* entries and heads */
    pthread_rwlock_t snap;  /* shared by each query reading them, from before its snapshot */
    struct rpi_bq_ent *ent; /* in the order appended (unit order) */
    size_t len, cap;
    uint32_t *head; /* hcap chains (a power of two) */
    size_t hcap;
};
RPI_FUNC void rpi_bq_init(struct rpi_bandq *q);
RPI_FUNC void rpi_bq_free(struct rpi_bandq *q, const rp_alloc *al);
RPI_FUNC rp_status rpi_bq_push(struct rpi_bandq *q, const rp_alloc *al, uint32_t band, uint64_t key,
                               uint64_t unit);
RPI_FUNC size_t rpi_bq_mark(struct rpi_bandq *q);
RPI_FUNC void rpi_bq_truncate(struct rpi_bandq *q, size_t mark); /* drop entries from mark on */
/* Append to out (uint64_t) the units in [lo, hi) posted under (band, key), newest first. */
RPI_FUNC rp_status rpi_bq_lookup(struct rpi_bandq *q, uint32_t band, uint64_t key, uint64_t lo,
                                 uint64_t hi, struct rpi_vec *out);
/* Append to out (struct rpi_bq_ent) band's entries of units from lo on. */
RPI_FUNC rp_status rpi_bq_collect(struct rpi_bandq *q, uint32_t band, uint64_t lo,
                                  struct rpi_vec *out);
/* Drop entries of units below below[band] once no reader holds snap (wait: block until then,
 * else give up when one does). 1 when done. */
RPI_FUNC int rpi_bq_prune(struct rpi_bandq *q, const uint64_t *below, int wait);

struct rp_index {
    MDB_env *env;
    MDB_dbi dbi[DB_COUNT];
    rp_config cfg; /* resolved: threshold, bands, rows */
    int read_only;
    int has_story; /* the story databases exist (a story-level index) */
    int has_xling; /* ... and those of versions across languages (DB_FIRST_XLING on) */
    struct rpi_lexset *ls; /* has_xling: the word lists (lib/lang), loaded on first use */
    struct rpi_bg bg; /* story: the background of a small collection (story_background.c) */
    int lock_fd;   /* writer.lock, -1 when read-only */
    pthread_mutex_t write_mu;
    /* group commit: queued commits, and whether a caller is running a group */
    pthread_mutex_t cq_mu;
    pthread_cond_t cq_cv;
    struct rpi_cq_item *cq_head, *cq_tail;
    int cq_leader;
    /* the writer thread of asynchronous commits: started by the first one, stopped (after
     * running every queued commit) by rp_index_close */
    pthread_t cq_thread;
    int cq_thread_on, cq_stop;
    /* the sync thread, started and stopped with the writer thread: the asynchronous commits
     * of groups committed without their meta page synced (sy_head, in commit order, under
     * cq_mu), answered once one mdb_env_sync made all of them durable */
    pthread_cond_t sy_cv;
    pthread_t sy_thread;
    struct rpi_cq_item *sy_head, *sy_tail;
    int sy_thread_on;
    struct rpi_bandq bq; /* band postings of units from DB_META "bpending" on */
    uint64_t *bq_below;  /* writer, per band: units below it are in DB_BANDS (bands values) */
    int bq_stale;        /* writer: bq holds entries a fold wrote to DB_BANDS */
    char *dir;
    rp_alloc alloc_copy;   /* rp_index_options.alloc, copied at open */
    const rp_alloc *alloc; /* &alloc_copy, or NULL for malloc/free: every allocation of
                              lib/index/ goes through it (batches, results, scratch) */
};

/* doc record: fixed header then the id bytes */
#define DOC_UNIT 0
#define DOC_H0 8
#define DOC_H1 16
#define DOC_NORM_SIZE 24
#define DOC_N_TOKENS 32
#define DOC_DATE 40
#define DOC_TEXT_SIZE 48
#define DOC_FLAGS 56
#define DOC_ID_LEN 60
#define DOC_HEADER 64
#define DOC_F_TRUNCATED 0x1u

/* unit record */
#define UNIT_H0 0
#define UNIT_H1 8
#define UNIT_LEADER 16
#define UNIT_N_DOCS 24
#define UNIT_CENTER 32
#define UNIT_SCORE 40
#define UNIT_CLUSTER_DOCS 48 /* live documents in its cluster when it is a centre */
#define UNIT_SIZE 56

static inline void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}
static inline uint64_t get_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}
static inline void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}
static inline uint32_t get_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void put_be64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (56 - 8 * i));
}
static inline uint64_t get_be64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}
static inline void put_f32(unsigned char *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    put_le32(p, u);
}
static inline float get_f32(const unsigned char *p)
{
    const uint32_t u = get_le32(p);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* A document prepared for the index (rp_index_batch_add_*). */
struct rpi_ixdoc {
    const char *id;     /* batch arena */
    const char *detail; /* skip detail or NULL */
    rp_skip skip;
    uint64_t h0, h1, norm_size, n_tokens, text_size;
    int64_t date;
    uint32_t flags;  /* DOC_F_* */
    uint32_t *sig;   /* num_perm values, batch arena; NULL at level exact or when empty */
    uint64_t *terms; /* sorted distinct term hashes, batch arena */
    size_t n_terms;
    struct rpi_sdoc *sd; /* story level: token ids, flags, lines (batch arena), else NULL */
    /* story level, a known language: pivot term ids of sd's tokens and title (S5c,
     * rpi_pivot_ids; 0: left out), its sentences' shares of the text; else NULL */
    uint32_t *pivot, *pivot_title;
    double *shares;
    uint32_t n_shares;
};

struct rp_index_batch {
    rp_index *ix;
    struct rpi_prep prep; /* stage doc, as the batch engine prepares its documents */
    struct rpi_arena arena;
    struct rpi_vec docs;      /* struct rpi_ixdoc */
    struct rpi_vec terms;     /* uint64_t scratch */
    rp_normalizer *xnz;       /* story, has_xling: pivot terms (made on first use) */
    void *xscratch;           /* ... and the word lists' per-thread state */
    uint64_t n_bad_dates;     /* documents whose date was not understood (undated) */
    char bad_date_first[256]; /* the first one's message (rp_doc_bad_date) */
};

/* errors: thread-local message and kind of the last call */
RPI_FUNC rp_status rpi_ix_fail(rp_status st, rp_index_error kind, const char *fmt, ...);
RPI_FUNC rp_status rpi_ix_mdb(int rc, const char *what); /* maps an LMDB/errno code */
RPI_FUNC void rpi_ix_clear(void);
/* After an EIO from a commit (LMDB reports a short write as EIO): is the disk or the file size
 * limit nearly exhausted, so that the error is really "full"? */
RPI_FUNC int rpi_ix_disk_short(const rp_index *ix);

/* result building (index_read.c): the result object is allocated with the builder, so that
 * rpi_res_finish cannot fail after a commit; the result keeps a copy of ix's allocator */
struct rpi_resbuild;
RPI_FUNC rp_status rpi_res_new(struct rpi_resbuild **out, const rp_index *ix, size_t cap);
RPI_FUNC rp_status rpi_res_add_doc(struct rpi_resbuild *rb, rp_index *ix, MDB_txn *txn,
                                   uint64_t docno, int stored);
RPI_FUNC rp_status rpi_res_add_skipped(struct rpi_resbuild *rb, const struct rpi_ixdoc *d);
RPI_FUNC rp_index_result *rpi_res_finish(struct rpi_resbuild *rb);
RPI_FUNC void rpi_res_abort(struct rpi_resbuild *rb);

/* Fill *r for stored document docno (record in *dv) with pointers into LMDB memory: valid
 * until the transaction ends or writes. (index_read.c) */
RPI_FUNC rp_status rpi_ix_doc_view(rp_index *ix, MDB_txn *txn, uint64_t docno, const MDB_val *dv,
                                   rp_doc_result *r);
RPI_FUNC uint64_t rpi_ix_id_key(const char *id, size_t n); /* key of DB_IDS */
RPI_FUNC rp_status rpi_ix_get(rp_index *ix, MDB_txn *txn, int db, uint64_t key_be, MDB_val *out);

/* a small map u64 -> u32 (index_umap.c); RPI_IX_NONE is not a valid key */
struct rpi_umap {
    uint64_t *keys; /* RPI_IX_NONE = empty */
    uint32_t *vals;
    size_t cap, len;
    const rp_alloc *alloc;
};
RPI_FUNC void rpi_umap_init(struct rpi_umap *m, const rp_alloc *alloc); /* empty */
RPI_FUNC void rpi_umap_free(struct rpi_umap *m); /* empty again, same allocator */
/* Insert k -> v unless present. *found (may be NULL) gets whether it was there; *val its value */
RPI_FUNC rp_status rpi_umap_put(struct rpi_umap *m, uint64_t k, uint32_t v, int *found,
                                uint32_t *val);
RPI_FUNC int rpi_umap_get(const struct rpi_umap *m, uint64_t k, uint32_t *v);
/* The value of k (inserted as 0 when absent); valid until the next insertion. */
RPI_FUNC rp_status rpi_umap_ref(struct rpi_umap *m, uint64_t k, uint32_t **val);

/* LMDB helpers (index_write.c): put/delete with a big-endian u64 key (delete: val NULL =
 * every value; a missing entry is not an error) */
RPI_FUNC int rpi_ix_put(rp_index *ix, MDB_txn *txn, int db, uint64_t key, const void *val,
                        size_t size);
RPI_FUNC int rpi_ix_del(rp_index *ix, MDB_txn *txn, int db, uint64_t key, const void *val,
                        size_t size);
/* Count terms[0..n) once more in DB_TERMS and store them as unit u's (DB_UTERMS). */
RPI_FUNC rp_status rpi_ix_terms_add(rp_index *ix, MDB_txn *txn, uint64_t u, const uint64_t *terms,
                                    size_t n);

/* Exact/near levels: term frequencies of new contents are pending until folded (index_write.c,
 * "document frequencies"). Fold: count the pending lists in DB_TERMS, when TERMS_FOLD_UNITS
 * units are pending or force. Pending: the distinct pending terms not in DB_TERMS yet. */
RPI_FUNC rp_status rpi_ix_terms_fold(rp_index *ix, MDB_txn *txn, int force);
RPI_FUNC rp_status rpi_ix_terms_pending(rp_index *ix, MDB_txn *txn, uint64_t *n_new);
/* Band postings pending in ix->bq written to DB_BANDS: the band whose oldest pending unit is
 * BANDS_FOLD_UNITS old, or every band (force). below (may be NULL): per band, units below it
 * are in DB_BANDS once the transaction commits; *folded: something was written. Load: ix->bq
 * from the signatures of the pending units, at open. */
#define RPI_IX_MAX_BANDS RP_MINHASH_MAX_PERM
RPI_FUNC rp_status rpi_ix_bands_fold(rp_index *ix, MDB_txn *txn, int force, uint64_t *below,
                                     int *folded);
RPI_FUNC rp_status rpi_ix_bands_load(rp_index *ix);

/* story level (index_story.c). Add: after unit u (new content of d, record and star already
 * stored) has its signature and band postings; band holds the units sharing a band bucket. */
RPI_FUNC rp_status rpi_ixs_add_unit(rp_index *ix, MDB_txn *txn, uint64_t u,
                                    const struct rpi_ixdoc *d, const uint64_t *band, size_t n_band);
/* Before unit u (record urec) is deleted: its lines, postings, features, and its cluster
 * re-placed without it. DF is decremented by the caller (DB_UTERMS). */
RPI_FUNC rp_status rpi_ixs_delete_unit(rp_index *ix, MDB_txn *txn, uint64_t u,
                                       const unsigned char *urec);
/* Documents of unit u's cluster change by delta (an exact copy added or removed). */
RPI_FUNC rp_status rpi_ixs_docs_delta(rp_index *ix, MDB_txn *txn, uint64_t u, int delta);
/* The `of` unit and relation of cluster member u; RP_DONE when it has none. */
RPI_FUNC rp_status rpi_ixs_of(rp_index *ix, MDB_txn *txn, uint64_t u, uint64_t *of,
                              rp_relation *rel);
/* Story statistics: contents counted, distinct lines, lines at boilerplate_min or more,
 * contents with names (UINT64_MAX when the index does not count them). */
RPI_FUNC rp_status rpi_ixs_stats(rp_index *ix, MDB_txn *txn, uint64_t *n_counted, uint64_t *n_lines,
                                 uint64_t *n_boiler, uint64_t *n_named);

/* A write transaction under the writer mutex (RP_E_INVALID on a read-only index), and its end:
 * commit when st is RP_OK and keep, else abort; the mutex released; a short write near a full
 * disk reported as full. (index_write.c) */
RPI_FUNC rp_status rpi_ix_begin_write(rp_index *ix, MDB_txn **txn);
RPI_FUNC rp_status rpi_ix_end_write(rp_index *ix, MDB_txn *txn, rp_status st, int keep);
/* mdb_txn_commit, then the sync that makes it durable (the environment is MDB_NOMETASYNC:
 * index_open.c); an LMDB or errno code */
RPI_FUNC int rpi_ix_commit_sync(rp_index *ix, MDB_txn *txn);

/* The story score and relation the index gives stored documents doc_a and doc_b with its
 * statistics of now (the parity test holds them against the batch stage's). RP_DONE when
 * either has no story features (no words). */
RPI_FUNC rp_status rpi_ixs_compare(rp_index *ix, uint64_t doc_a, uint64_t doc_b, double *score,
                                   rp_relation *rel);

/* Place every stored content again, in arrival order, with the statistics of now (as
 * rpi_ixs_delete_unit re-places a cluster): the clusters the index would have formed had it
 * known the whole collection from the start. One write transaction. */
RPI_FUNC rp_status rpi_ixs_replace_all(rp_index *ix);

/* The LMDB calls of the add path (index_view.c). Without an overlay they are mdb_get,
 * mdb_put (flags passed on), mdb_del (v NULL: every value) and a dupsort cursor; under
 * rpi_ovl_begin the writes of this thread's transaction txn go to memory and its reads see
 * them, so a query runs the add path in a read transaction. Return codes are LMDB's. */
RPI_FUNC int rpi_tx_get(rp_index *ix, MDB_txn *txn, int db, const void *k, size_t ks, MDB_val *out);
RPI_FUNC int rpi_tx_put(rp_index *ix, MDB_txn *txn, int db, const void *k, size_t ks, const void *v,
                        size_t vs, unsigned flags);
RPI_FUNC int rpi_tx_del(rp_index *ix, MDB_txn *txn, int db, const void *k, size_t ks, const void *v,
                        size_t vs);
/* Append the first max values of dupsort key k, in LMDB's order, to out (elements of the
 * databases's value size). */
RPI_FUNC rp_status rpi_tx_dups(rp_index *ix, MDB_txn *txn, int db, const void *k, size_t ks,
                               size_t max, struct rpi_vec *out);
/* Is txn a query's read transaction under an overlay? */
RPI_FUNC int rpi_tx_overlaid(MDB_txn *txn);
/* Entries of a non-dup database (mdb_stat), the overlay's included. */
RPI_FUNC rp_status rpi_tx_entries(rp_index *ix, MDB_txn *txn, int db, uint64_t *n);
/* Layer a private overlay over read transaction txn on this thread, until rpi_ovl_end. */
RPI_FUNC rp_status rpi_ovl_begin(rp_index *ix, MDB_txn *txn);
RPI_FUNC void rpi_ovl_end(void);

/* rp_index_commit through the group-commit queue, a dry run too (the write transaction, then
 * aborted: what queries did before they ran in read transactions; tests compare the two). */
RPI_FUNC rp_status rpi_ix_commit_queued(rp_index *ix, rp_index_batch *b, int dry_run,
                                        rp_index_result **res);
/* Stop the writer thread of rp_index_commit_async, once every queued commit has run
 * (rp_index_close); nothing when it never started. */
RPI_FUNC void rpi_ix_writer_stop(rp_index *ix);

/* counters in DB_META "counters": next_doc, next_unit, n_empty (u64 LE each) */
struct rpi_counters {
    uint64_t next_doc, next_unit, n_empty;
};
#endif
