/* SPDX-License-Identifier: MIT */
/* engine_internal.h -- private state of rp_engine, the batch driver: it reads every input
 * through stage "doc" (engine_read.c), runs stage "near" over the whole collection and, at the
 * reuse and story levels, stage "story" (engine.c), and answers the public accessors
 * (engine.c, engine_story.c). */
#ifndef RP_ENGINE_INTERNAL_H
#define RP_ENGINE_INTERNAL_H
#include <stdint.h> /* uint64_t */
#define RP_STATIC_LINKING_ONLY /* rp_timings */
#include "reprint/reprint.h"
#include "common/common_internal.h"
#include "common/arena_internal.h"
#include "doc/doc_internal.h"
#include "near/near_internal.h"
#include "story/story_internal.h"

#define RPI_BAD_DATES_NOTED 1u /* per reading thread: messages kept (file, line, the date) */
#define RPI_ID_ESTIMATE 48u    /* bytes per document for ids and details, for the memory cap */

/* A piece of an argument: files [file, file + n_files) of its walk, whole (len UINT64_MAX:
 * rp_reader_select_files), or of one cuttable file bytes [off, off + len) starting at line
 * `line` (rp_reader_select), or of a compressed one whole units [off, off + len) that decode
 * to [doff, doff + dlen) (members: rp_reader_select_members, lstart its line_start). */
struct rpi_piece_sel {
    size_t file, n_files;
    uint64_t off, len, line;
    int members;
    uint64_t doff, dlen;
    int lstart;
};

/* One queued input: a path (file, folder, "-") or a caller's buffer read as a file named path. */
struct rpi_input {
    char *path;       /* owned copy */
    const void *data; /* rp_engine_add_buffer: borrowed until rp_engine_run returns; else NULL */
    size_t size;
    int piece; /* rpi_engine_add_piece: only sel of the argument */
    struct rpi_piece_sel sel;
};

struct rp_engine {
    rp_config cfg;
    double near_threshold; /* Jaccard of near pairs: cfg.threshold at exact/near, else 0.5 */
    const rp_alloc *alloc;
    rp_alloc alloc_copy;
    rp_progress_fn progress_fn;
    void *progress_user;
    rp_log_fn log_fn;
    void *log_user;
    struct rpi_input *inputs;
    size_t n_inputs;
    int cancelled; /* set by rp_engine_cancel from any thread; read atomically */
    char errmsg[512];
    int ran;

    struct rpi_doctab docs;   /* stage doc: every document in input order */
    struct rpi_arena *arenas; /* one per worker + one for the reader */
    unsigned n_arenas;
    struct rpi_spill *spills; /* one per worker when verify=exact */
    unsigned n_spills;
    struct rpi_sstore *sstores; /* reuse/story: one per worker, the texts and offsets */
    unsigned n_sstores;
    struct rpi_near near;     /* stage near: units, edges, star clusters */
    size_t n_pairs;           /* exact and near pairs (below the reuse level) */
    struct rpi_story *story;  /* stage story (reuse/story levels), NULL otherwise */
    /* clusters of >= 2 members, for rp_engine_cluster (all levels) */
    size_t *cl_members;   /* members of every cluster, concatenated */
    size_t *cl_off;       /* n_clusters + 1 offsets into cl_members */
    size_t n_clusters;
    uint32_t *cl_of_doc;  /* doc -> cluster index, UINT32_MAX when alone */
    rp_summary sum;
    rp_timings tm;
    uint64_t mem_limit;   /* resolved max_memory */
    uint64_t mem_used;    /* bytes of slots and signatures allocated so far */
    uint64_t story_bytes; /* reuse/story: bytes of texts and tokens kept (atomic) */
    char renamed_first[384]; /* sum.renamed_id_first */
    /* a distributed run whose signatures stay on their ranks (lib/dist/dist_near.c): stage
     * near's LSH runs there; the table here has none (docs.num_perm 0), so a near pair's
     * estimate is its verified score (the same value: verify=signature) */
    rpi_near_edges_fn edges_fn;
    void *edges_ctx;
};

RPI_FUNC void rpi_engine_error(rp_engine *e, const char *fmt, ...);
RPI_FUNC rp_status rpi_engine_read(rp_engine *e);
/* The reuse and story levels' texts and tokens out of memory: n stores opened in --tmp-dir
 * (rpi_engine_read: one per reading thread; a distributed run's rank 0: one for the units it
 * takes in), then, once every document is in, mapped and attached to the documents. */
RPI_FUNC rp_status rpi_engine_stores_open(rp_engine *e, unsigned n);
RPI_FUNC rp_status rpi_engine_stores_attach(rp_engine *e);
/* Queue a piece of argument path (rp_reader_select's terms) instead of the whole argument: a
 * distributed run reads each piece in an engine of its own (lib/dist). */
RPI_FUNC rp_status rpi_engine_add_piece(rp_engine *e, const char *path,
                                        const struct rpi_piece_sel *sel);
/* After the documents are in e->docs (rpi_engine_read, or a distributed run putting the
 * pieces back): unique ids, then stages near and story. */
RPI_FUNC rp_status rpi_engine_finish(rp_engine *e);
/* Nonzero once rp_engine_cancel was called; sets the engine's message the first time. */
RPI_FUNC int rpi_engine_cancelled(rp_engine *e); /* engine_read.c: stage doc over the inputs */
/* engine_ids.c: give every document whose id an earlier one holds a new, unique id (the rule
 * is at the top of engine_ids.c); after rpi_engine_read, before stage near. */
RPI_FUNC rp_status rpi_engine_unique_ids(rp_engine *e);
/* Exact pair k (k < near.n_exact_pairs): an exact copy and its group's leader. */
RPI_FUNC void rpi_engine_exact_pair(const rp_engine *e, size_t k, rp_pair *out);
/* engine_story.c: the story stage's results behind the public accessors */
RPI_FUNC size_t rpi_engine_story_n_pairs(const rp_engine *e);
RPI_FUNC rp_status rpi_engine_story_pair(const rp_engine *e, size_t k, rp_pair *out);
RPI_FUNC rp_status rpi_engine_story_cluster(const rp_engine *e, rp_cluster_info *out);
#endif
