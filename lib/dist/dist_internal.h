/* SPDX-License-Identifier: MIT */
/* dist_internal.h -- the distributed run (lib/dist, after the engine: it drives the engine's
 * stages from several ranks). Takes an rp_engine with its inputs and config; gives rank 0's
 * engine the documents of the whole collection, as rpi_engine_read would have, then runs the
 * stages there. Three parts:
 *   plan (dist_plan.c): the inputs cut into pieces (files; uncompressed JSON Lines files at
 *     line starts every piece_size bytes, compressed ones at gzip member / zstd frame starts),
 *     the same on every rank, and pieces given to ranks in order by bytes;
 *   units (dist_pack.c): one piece's prepared documents as a self-checking file, the stage
 *     file a restart reuses and the block rank 0 receives;
 *   the run (dist.c): pieces prepared on their ranks, sent to rank 0 in piece order, put back
 *     into one document table, stages near and story there. */
#ifndef RP_DIST_INTERNAL_H
#define RP_DIST_INTERNAL_H
#include <stdint.h>
#include "engine/engine_internal.h"

/* ---- plan -------------------------------------------------------------------------------- */
struct rpi_piece {
    size_t input;             /* index into the engine's inputs */
    struct rpi_piece_sel sel; /* what of that argument: whole files [file, file + n_files),
                                 or bytes of one cut file (len UINT64_MAX: the whole file);
                                 line, and of compressed units doff, dlen, lstart, after
                                 rpi_plan_lines */
    int proved;               /* its cuts hold only if its scans say so (units, WARC records) */
    uint64_t weight;          /* bytes, for balancing (at least 1) */
    int rank;                 /* who prepares it */
    char *path;               /* the file of a cut piece (owned), else NULL */
};
struct rpi_plan {
    struct rpi_piece *p;
    size_t n;
    uint64_t hash; /* of the inputs (paths, sizes, mtimes), the pieces and the preparing
                      config: stage files of another plan are never used */
};
/* Cut e's inputs into pieces of about piece_size bytes and give them to n_ranks ranks.
 * Deterministic: every rank computes the same plan. */
RPI_FUNC rp_status rpi_plan_make(struct rpi_plan *pl, rp_engine *e, uint64_t piece_size,
                                 int n_ranks);
/* Line numbers of cut pieces: each rank counts the newlines of its own pieces (decoding those
 * of compressed files: their decoded sizes too, and whether each ends a line and is clean),
 * the counts are summed over ranks, the starts are prefix sums per file. A compressed file
 * with a piece that is not clean (a false unit start, damage) becomes one whole piece again
 * on every rank, and the plan hash changes with it. */
RPI_FUNC rp_status rpi_plan_lines(struct rpi_plan *pl, rp_engine *e, int rank);
RPI_FUNC void rpi_plan_free(struct rpi_plan *pl, const rp_alloc *alloc);

/* ---- units ------------------------------------------------------------------------------- */
/* Pack the documents of a piece's engine (after rpi_engine_read) into buf: header (magic,
 * plan hash, piece index, payload size and XXH3-64), then the payload. */
RPI_FUNC rp_status rpi_unit_pack(const rp_engine *sub, uint64_t plan_hash, uint64_t piece,
                                 struct rpi_buf *buf);
/* Cut the signatures off the unit in b (they come last) and seal it again: what rank 0 needs
 * when they stay on their ranks (dist_near.c). */
RPI_FUNC rp_status rpi_unit_strip(struct rpi_buf *b);
/* A copy of the signature section of a verified unit (n_docs x num_perm values) in *sigs
 * (alloc), its document count in *n; RP_E_FORMAT for a unit without one. */
RPI_FUNC rp_status rpi_unit_sigs(const void *data, size_t size, uint32_t num_perm,
                                 const rp_alloc *alloc, uint32_t **sigs, uint64_t *n);
/* The document count of a unit (0 when it is too short to hold one). */
RPI_FUNC uint64_t rpi_unit_n_docs(const void *data, size_t size);
/* Whether data[0, size) is a complete, intact unit of this plan and piece. */
RPI_FUNC int rpi_unit_verify(const void *data, size_t size, uint64_t plan_hash, uint64_t piece);
/* Append a verified unit's documents to e's table (ids, details and texts into arena ar;
 * shingle sets into spill, when verify=exact; story texts and tokens into store when it is
 * not NULL, else into ar), and add its counts to e->sum. */
RPI_FUNC rp_status rpi_unit_unpack(rp_engine *e, const void *data, size_t size,
                                   struct rpi_arena *ar, struct rpi_spill *spill,
                                   struct rpi_sstore *store, int sigs);
/* sigs 0: the signatures are skipped (e's table has none: dist_near.c keeps them where they
 * were computed). */
#define RPI_UNIT_HEADER 40u

/* ---- near over the ranks (dist_near.c) ----------------------------------------------------- */
struct rpi_own_piece {
    size_t piece;    /* plan index */
    uint64_t n;      /* its documents */
    uint32_t *sigs;  /* their signatures, num_perm each (the unit's trailing section) */
    uint64_t gstart; /* first of them in the whole collection (known once rank 0 says) */
};
struct rpi_dnear {
    const rp_alloc *alloc; /* the engine's */
    uint32_t num_perm;
    struct rpi_own_piece *own; /* in piece order */
    size_t n_own;
    uint64_t *piece_docs; /* rank 0: documents per piece of the plan */
    size_t n_pieces;
    uint32_t *unit_doc; /* during the bands: unit -> leader document */
    size_t cap_edges;   /* edges a rank may hold (the memory cap) */
    int ran;            /* rank 0: the bands ran (else rpi_dnear_release) */
    double *peak;       /* rank 0: each rank's peak RSS (MiB) after the bands, n_peak of them */
    uint64_t *sent;     /* rank 0: bytes each rank sent to others in the bands, n_peak of them */
    uint64_t my_sent;   /* this rank's bytes sent to other ranks in the bands */
    size_t n_peak;
    /* rank 0, the checkpoint of the bands' result: with a work dir the edges are written there
     * (edges-<plan>-<bands' parameters>.rpe, self-checking); with resume a file that verifies
     * is used instead of running the bands (edges_reused then says how many) */
    const char *dir;
    uint64_t plan_hash;
    int resume;
    int edges_damaged;     /* a file was there but did not verify */
    uint64_t edges_reused; /* edges read back (0: the bands ran) */
    int edges_reused_any;
};
/* Rank 0, as stage near's edges_fn: header, units, the bands, every rank's edges. */
RPI_FUNC rp_status rpi_dnear_edges(void *ctx, struct rpi_near *nr, const struct rpi_near_params *p,
                                   uint32_t bands, uint32_t rows);
/* Rank 0 after its stages: tell the others there will be no bands if they did not run. */
RPI_FUNC rp_status rpi_dnear_release(struct rpi_dnear *dn);
/* Ranks > 0: take part in the bands rank 0 runs (or return when it says there are none). */
RPI_FUNC rp_status rpi_dnear_serve(struct rpi_dnear *dn);

/* The whole of a file into b; RP_E_IO when it cannot be read. */
RPI_FUNC rp_status rpi_dist_read_file(const char *path, struct rpi_buf *b);
/* Write data under path atomically: a temporary name in the same folder, then rename; msg
 * gets the reason of an RP_E_IO. Not fsynced: a stage file is only a shortcut, verified
 * before use. */
RPI_FUNC rp_status rpi_dist_write_atomic(const char *path, const void *data, size_t size,
                                         int rank, char *msg, size_t cap);

/* A test hook: 1 when $REPRINT_DIST_FAULT is "R:point" and this is rank R, so a test can make
 * one rank fail at a named point of the protocol (an allocation there reported as failed):
 * "keys", "requests", "signatures" (stage 3a), "edges" (rank 0 receiving the edges), "units"
 * (rank 0 receiving a unit; ends the job, tests/mpi/check_mpi.sh). 0 when unset. */
RPI_FUNC int rpi_dist_fault(const char *point);
#endif
