/* SPDX-License-Identifier: MIT */
/* cluster_internal.h -- the clustering step of engine_cluster.c (keep order, star clustering)
 * exposed so that the persistent index (lib/index/) clusters with the very same code as a
 * batch run: same units order, same edges => same centres. */
#ifndef RP_CLUSTER_INTERNAL_H
#define RP_CLUSTER_INTERNAL_H
#include <stdint.h>          /* uint32_t */
#include "engine_internal.h" /* struct edge, rp_keep, RPI_FUNC */

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
RPI_FUNC rp_status rpi_cluster_star(const rp_alloc *alloc, uint32_t nu, const struct edge *edges,
                                    size_t n_edges, uint32_t *center, float *center_score);
#endif
