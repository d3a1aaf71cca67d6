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
    const char *detail;    /* arena; skip detail, or for a document whose date was not
                              understood (RPI_DOC_BAD_DATE) its message, or NULL */
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
    struct rpi_sdoc *sd;   /* reuse/story levels: text and tokens (worker arena), else NULL */
};

/* What the reuse and story levels keep per document (allocated in the worker's arena). */
struct rpi_line {
    uint64_t hash;         /* of the line's token hashes */
    uint32_t tok_start, tok_end; /* tokens [start, end) */
    uint32_t byte_start, byte_end;
};
struct rpi_sdoc {
    const char *text;      /* original text (NUL-terminated copy) */
    uint32_t text_size;
    const char *title;     /* or NULL */
    uint32_t n_tok;
    uint32_t *tok;         /* 32-bit token ids (never 0); boilerplate tokens set to 0 later */
    uint32_t *off;         /* 2 per token: byte start, end in text */
    uint8_t *tflags;       /* RPI_TOK_* per token */
    struct rpi_line *lines;
    uint32_t n_lines;
    uint32_t *title_tok;   /* the title's token ids (terms and names only, not aligned) */
    uint8_t *title_flags;
    uint32_t n_title;
};
#define RPI_TOK_NAME 0x01u    /* capitalised, not at a sentence start, or an acronym */
#define RPI_TOK_ACRONYM 0x02u /* two or more letters, all upper case */
#define RPI_TOK_NUMBER 0x04u  /* digits, or a number word (one..twenty, hundred, ...) */
#define RPI_TOK_BOILER 0x08u  /* on a line learnt as boilerplate */

/* Per-document result at the reuse/story levels. */
struct rpi_res {
    uint32_t cluster_doc;  /* original of its cluster (itself when alone) */
    uint32_t of_doc;       /* UINT32_MAX when none */
    float score;
    uint8_t relation;      /* rp_relation */
};
#define RPI_DOC_TRUNCATED 0x01u
#define RPI_DOC_EMPTY 0x02u
#define RPI_DOC_BAD_DATE 0x04u /* a date was given but not understood: the document is undated */
#define RPI_BAD_DATES_NOTED 1u  /* per reading thread: messages kept (file, line, the date) */

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
    double near_threshold; /* Jaccard of near pairs: cfg.threshold at exact/near, else 0.5 */
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
    struct rpi_res *res;  /* reuse/story levels: per-document results (else NULL) */
    struct rpi_story *story; /* reuse/story state (lib/story/), NULL otherwise */
    /* clusters of >= 2 members, for rp_engine_cluster (all levels) */
    size_t *cl_members;   /* members of every cluster, concatenated */
    size_t *cl_off;       /* n_clusters + 1 offsets into cl_members */
    size_t n_clusters;
    uint32_t *cl_of_doc;  /* doc -> cluster index, UINT32_MAX when alone */
    rp_summary sum;
    uint64_t mem_limit;   /* resolved max_memory */
    uint64_t mem_used;    /* bytes of slots and signatures allocated so far */
    uint64_t story_bytes; /* reuse/story: bytes of texts and tokens kept (atomic) */
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
RPI_FUNC rp_status rpi_engine_clusters(rp_engine *e); /* engine.c: the cluster list */
/* lib/story/: the reuse and story stages, run after near clustering */
RPI_FUNC rp_status rpi_story_doc(rp_engine *e, unsigned worker, struct rpi_docslot *d,
                                 const rp_doc *doc, const rp_norm_result *nr,
                                 rp_normalizer *title_norm);
RPI_FUNC rp_status rpi_story_run(rp_engine *e);
/* after rpi_engine_clusters: the disagreements of each cluster */
RPI_FUNC rp_status rpi_story_disagreements(rp_engine *e);
RPI_FUNC void rpi_story_free(rp_engine *e);
RPI_FUNC rp_status rpi_story_pair(const rp_engine *e, size_t k, rp_pair *out);
RPI_FUNC size_t rpi_story_n_pairs(const rp_engine *e);
RPI_FUNC rp_status rpi_story_cluster_extra(const rp_engine *e, size_t k, rp_cluster_info *out);
RPI_FUNC double rpi_now(void);
RPI_FUNC double rpi_peak_rss_mib(void);
#endif
