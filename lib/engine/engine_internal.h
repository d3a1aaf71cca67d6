/* SPDX-License-Identifier: MIT */
/* engine_internal.h -- private state of rp_engine shared by its stage files. */
#ifndef RP_ENGINE_INTERNAL_H
#define RP_ENGINE_INTERNAL_H
#include <stdint.h> /* uint64_t */
#include "reprint/reprint.h"
#include "common/common_internal.h"
#include "common/arena_internal.h"

/* Per-document state. Text is never kept: only what later stages need. */
struct rpi_docslot {
    const char *id;        /* arena */
    const char *detail;    /* arena; skip detail or NULL */
    const char *source;    /* interned path (engine->paths arena) */
    uint64_t line;
    uint64_t content_hash[2];
    uint64_t norm_size;    /* bytes of normalized text */
    uint64_t n_tokens;
    int64_t date;
    uint64_t spill_off;    /* verify=exact: offset of the sorted shingle set in the spill file */
    uint32_t n_shingles;   /* verify=exact: count of distinct shingles */
    uint16_t spill_file;   /* verify=exact: worker spill file */
    uint8_t skip;          /* rp_skip */
    uint8_t flags;         /* RPI_DOC_* */
};
#define RPI_DOC_TRUNCATED 0x01u
#define RPI_DOC_EMPTY 0x02u

#define RPI_CHUNK_SHIFT 16u
#define RPI_CHUNK_DOCS (1u << RPI_CHUNK_SHIFT)
#define RPI_MAX_CHUNKS 65536u

/* A verified near-duplicate edge between two units. */
struct edge {
    uint32_t u, v; /* u < v, unit numbers */
    float score;   /* verified similarity (the MinHash estimate is recomputed when needed) */
};

struct rpi_spill {
    int fd;
    uint64_t size;
    const uint64_t *map; /* after reading */
};

struct rp_engine {
    rp_config cfg;
    const rp_alloc *alloc;
    rp_alloc alloc_copy;
    rp_progress_fn progress_fn;
    void *progress_user;
    rp_log_fn log_fn;
    void *log_user;
    char **inputs;
    size_t n_inputs;
    char errmsg[512];
    int ran;

    /* documents, in chunks so that worker threads can fill slots while the reader adds more */
    struct rpi_docslot *chunks[RPI_MAX_CHUNKS];
    uint32_t *sig_chunks[RPI_MAX_CHUNKS];
    size_t n_docs;
    struct rpi_arena *arenas; /* one per worker + one for the reader */
    unsigned n_arenas;
    struct rpi_spill *spills; /* one per worker when verify=exact */
    unsigned n_spills;

    /* results */
    uint32_t *unit_of;    /* doc -> unit (exact group), UINT32_MAX if none */
    uint32_t *unit_doc;   /* unit -> leader doc; units numbered in keep order */
    uint32_t n_units;
    uint32_t *center;     /* unit -> centre unit of its cluster: its representative, which it
                             was verified against */
    float *center_score;  /* unit -> verified similarity to its center */
    uint32_t *cluster_size; /* unit (center) -> documents in its cluster */
    struct edge *edges;   /* verified near edges, sorted by (v, u) */
    size_t n_edges;
    uint32_t *exact_docs; /* documents that are exact copies of their unit leader */
    size_t n_exact_pairs;
    size_t n_pairs;
    rp_summary sum;
    uint64_t mem_limit;   /* resolved max_memory */
    uint64_t mem_used;    /* bytes of slots and signatures allocated so far */
};
#define RPI_ID_ESTIMATE 48u /* bytes per document for ids and details, for the memory cap */

static inline struct rpi_docslot *rpi_doc(const rp_engine *e, size_t i)
{
    return &e->chunks[i >> RPI_CHUNK_SHIFT][i & (RPI_CHUNK_DOCS - 1)];
}
static inline uint32_t *rpi_sig(const rp_engine *e, size_t i)
{
    return e->sig_chunks[i >> RPI_CHUNK_SHIFT] + (i & (RPI_CHUNK_DOCS - 1)) * e->cfg.num_perm;
}

RPI_FUNC void rpi_engine_error(rp_engine *e, const char *fmt, ...);
RPI_FUNC rp_status rpi_engine_read(rp_engine *e);    /* engine_read.c: stages 1-3 */
RPI_FUNC rp_status rpi_engine_cluster(rp_engine *e); /* engine_cluster.c: stages 4-7 */
RPI_FUNC double rpi_now(void);
RPI_FUNC double rpi_peak_rss_mib(void);
#endif
