/* SPDX-License-Identifier: MIT */
/* near_internal.h -- stage "near": exact groups, LSH candidates, verification and star
 * clustering over the documents of stage "doc". Takes the document table (exact keys, keep
 * order keys, signatures; spilled shingle sets for verify=exact) and gives units (groups of
 * identical normalized text, numbered in keep order), the verified near edges between units
 * and the star clusters (a centre per unit). The batch engine runs it over the whole
 * collection; the index clusters its touched components with rpi_cluster_star and
 * rpi_cluster_keep_cmp, so both cluster with the very same code.
 * Depends on common, sketch, doc. */
#ifndef RP_NEAR_INTERNAL_H
#define RP_NEAR_INTERNAL_H
#include <stdint.h> /* uint32_t */
#include "reprint/rp_cluster.h" /* rp_level, rp_keep, rp_verify */
#include "doc/doc_internal.h"

/* A verified near-duplicate edge between two units. */
struct rpi_edge {
    uint32_t u, v; /* u < v, unit numbers */
    float score;   /* verified similarity (the MinHash estimate is recomputed when needed) */
};

struct rpi_near;
struct rpi_near_params;
/* Steps 5-6 done elsewhere (a distributed run: lib/dist/dist_near.c): fill nr->edges (any
 * order, a pair possibly twice), nr->n_edges and nr->n_candidates for the given banding. */
typedef rp_status (*rpi_near_edges_fn)(void *ctx, struct rpi_near *nr,
                                       const struct rpi_near_params *p, uint32_t bands,
                                       uint32_t rows);

struct rpi_near_params {
    rp_level level;       /* exact: units only, no edges */
    rp_keep keep;
    rp_verify verify;
    double threshold;     /* Jaccard of a near pair */
    unsigned num_perm, bands, rows; /* bands, rows 0: derived from the threshold */
    unsigned threads;
    size_t max_bucket;
    uint64_t mem_limit;   /* the run's memory cap, and what is counted against it already */
    uint64_t mem_used;
    rpi_near_edges_fn edges_fn; /* NULL: LSH here, over the table's signatures */
    void *edges_ctx;
};

/* The stage's result; every array belongs to it (rpi_near_free). */
struct rpi_near {
    uint32_t *unit_of;      /* doc -> unit (exact group), UINT32_MAX if none (skipped, empty) */
    uint32_t *unit_doc;     /* unit -> leader doc; units numbered in keep order */
    uint32_t n_units;
    struct rpi_edge *edges; /* verified near edges, sorted by (v, u) */
    size_t n_edges;
    uint32_t *center;       /* unit -> centre unit of its cluster (its representative) */
    float *center_score;    /* unit -> verified similarity to its centre */
    uint32_t *cluster_size; /* unit (centre) -> documents in its cluster */
    uint32_t *exact_docs;   /* documents that are exact copies of their unit leader */
    size_t n_exact_pairs;
    uint64_t n_candidates;  /* LSH candidate pairs checked */
    unsigned bands, rows;   /* in effect */
    char errmsg[256];
};

/* Step 4: exact groups and units in keep order. */
RPI_FUNC rp_status rpi_near_units(struct rpi_near *nr, const struct rpi_near_params *p,
                                  const struct rpi_doctab *docs, const rp_alloc *alloc);
/* Steps 5-7: LSH candidates, verification (spills: verify=exact, else NULL), star clusters
 * and the exact pairs. RP_E_TOO_BIG (message in nr->errmsg) when the edges would pass the
 * memory cap. */
RPI_FUNC rp_status rpi_near_cluster(struct rpi_near *nr, const struct rpi_near_params *p,
                                    const struct rpi_doctab *docs, const struct rpi_spill *spills,
                                    const rp_alloc *alloc);
RPI_FUNC void rpi_near_free(struct rpi_near *nr, const rp_alloc *alloc);

/* ---- LSH bands: one implementation for the batch run and a distributed run ------------- */
/* Bands and rows in effect: the parameters', else derived from the threshold. */
RPI_FUNC void rpi_near_banding(const struct rpi_near_params *p, uint32_t *bands, uint32_t *rows);
/* A unit's key in band b: XXH3 of its rows, seeded with b. */
RPI_FUNC uint64_t rpi_band_key(const uint32_t *sig, uint32_t b, uint32_t rows);
struct rpi_band_entry {
    uint64_t key;
    uint32_t unit;
};
/* Candidates of band b over ent[0, n), sorted by key and, among equal keys, by unit: in each
 * bucket the first max_bucket members pair with every later member; a pair counts (and is
 * verified) only in the first band where its rows agree. sig_of(ctx, unit) gives a unit's
 * signature, verify(ctx, unit a, unit b, estimate) its score (NULL: the MinHash estimate).
 * Edges at or above the threshold go to edges (struct rpi_edge); n_cand counts candidates.
 * cap_edges: RP_E_TOO_BIG once edges would hold more. */
RPI_FUNC rp_status rpi_band_pairs(const struct rpi_band_entry *ent, size_t n, uint32_t b,
                                  uint32_t rows, const struct rpi_near_params *p,
                                  const uint32_t *(*sig_of)(void *, uint32_t),
                                  double (*verify)(void *, uint32_t, uint32_t, double), void *ctx,
                                  size_t cap_edges, struct rpi_vec *edges, uint64_t *n_cand);

/* Keep-order key of a document (or of a unit, through its leader). */
struct order_key {
    uint64_t size;   /* normalized bytes */
    uint64_t h0, h1; /* content hash */
    int64_t date;    /* INT64_MIN when undated */
    const char *id;
    uint32_t doc; /* input order (in the index: the document number) */
};

/* qsort comparator of struct order_key for a keep order: units are numbered in this order and
 * the leader of an exact group is its first member in it. */
RPI_FUNC int (*rpi_cluster_keep_cmp(rp_keep keep))(const void *, const void *);

/* Star clustering of nu units (numbered in keep order) over verified edges (u < v, any
 * order): units are visited by decreasing degree, ties by unit number; a unit joins the best
 * scoring already-chosen centre it has an edge to, else becomes a centre. Writes center[u]
 * (the centre unit, u itself for a centre) and center_score[u] (0 for a centre). The result
 * depends only on nu and the edge set. Cost: O(nu log nu + n_edges), memory 16 bytes per
 * edge plus 16 per unit. RP_E_NOMEM on allocation failure. */
RPI_FUNC rp_status rpi_cluster_star(const rp_alloc *alloc, uint32_t nu,
                                    const struct rpi_edge *edges, size_t n_edges, uint32_t *center,
                                    float *center_score);
#endif
