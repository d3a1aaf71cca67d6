/* SPDX-License-Identifier: MIT */
/* rp_dist.h -- a batch run over several processes (MPI ranks), with restartable stage files.
 *
 * Built with RP_WITH_MPI and started by mpirun or srun, every rank runs the same command; the
 * inputs are cut into pieces (files, and uncompressed JSON Lines files at line starts), each
 * rank prepares its pieces (parse, normalize, sketch, story tokens) on its threads, writes
 * each as a self-checking stage file and sends it to rank 0, which puts the documents back in
 * input order and runs the remaining stages: the output is byte-identical to one process for
 * any number of ranks and threads. Without MPI (or without a launcher) the same call is the
 * single-process run with stage files, which --resume reuses after an interruption.
 * docs/distributed.md has the design, what crosses the network and its limits. */
#ifndef RP_DIST_H
#define RP_DIST_H
#include <stdint.h> /* uint64_t */
#include "reprint.h"
#ifdef __cplusplus
extern "C" {
#endif

typedef struct rp_dist_options {
    const char *work_dir; /* stage files and their MANIFEST; created if missing; kept for a
                             later --resume. NULL: a private folder in cfg.tmp_dir ($TMPDIR,
                             /tmp), removed at the end */
    int resume;           /* 1: pieces whose stage file in work_dir verifies are not prepared
                             again (the same plan: inputs, their sizes and times, options) */
    uint64_t piece_size;  /* input bytes per piece; 0: RP_DIST_PIECE_SIZE */
} rp_dist_options;
/* 16 MiB: a piece costs ~20 ms of set-up (an engine, its threads, a stage file) against
 * ~0.4 s of preparation, and 2 ranks on 172 MB (100k documents) got 3 pieces of 64 MiB, one
 * and two: the second rank's 60% set the pace (bench/dist_scaling.sh) */
#define RP_DIST_PIECE_SIZE ((uint64_t)16 << 20)
RP_API void rp_dist_options_default(rp_dist_options *o);

/* Start the transport once, before any thread: MPI_Init_thread when built with MPI and
 * started by a launcher (mpirun, srun --mpi=pmix); otherwise nothing (one process). */
RP_API rp_status rp_dist_init(int *argc, char ***argv);
RP_API void rp_dist_finalize(void);
RP_API int rp_dist_rank(void); /* 0 in a single process */
RP_API int rp_dist_size(void); /* 1 in a single process */

/* Run e over its inputs on every rank (instead of rp_engine_run). On rank 0 e then answers
 * every accessor as after rp_engine_run over the same inputs; on the other ranks it holds no
 * documents, and their status says only whether their own part went well: the caller takes
 * rank 0's result with rp_dist_agree. */
RP_API rp_status rp_engine_run_dist(rp_engine *e, const rp_dist_options *o);
/* What each rank did in the last rp_engine_run_dist of this process, known on rank 0 (the
 * others send it with their last unit): for --verbose, benchmarks and the traffic model. */
typedef struct rp_dist_rank_stats {
    int rank;
    uint64_t pieces;     /* pieces it owned */
    uint64_t reused;     /* of which taken from verified stage files (--resume) */
    uint64_t docs;       /* documents in them */
    uint64_t bytes_sent; /* unit bytes it sent to rank 0 (rank 0: read from its own files) */
    double t_prepare;    /* seconds to plan and prepare its pieces */
    double peak_rss_mib; /* its peak resident set at the end of its part of the run */
    uint64_t bytes_lsh;  /* bytes it sent to other ranks in near's LSH (stage 3a) */
} rp_dist_rank_stats;
/* Copies up to cap ranks' stats into out; returns the number of ranks (0 before a run, or on
 * a rank other than 0). */
RP_API size_t rp_dist_stats(rp_dist_rank_stats *out, size_t cap);

/* Every rank's call returns rank 0's code (a collective call). */
RP_API int rp_dist_agree(int code);
/* 1 when the last run left the ranks unable to meet again (rank 0 could not take a unit
 * another rank was in the middle of sending; its error says so): rp_dist_agree would wait
 * forever, so the caller reports the error and calls rp_dist_abort instead. */
RP_API int rp_dist_broken(void);
/* End every rank of the job with exit code `code` (MPI_Abort); returns without MPI. */
RP_API void rp_dist_abort(int code);

#ifdef __cplusplus
}
#endif
#endif /* RP_DIST_H */
