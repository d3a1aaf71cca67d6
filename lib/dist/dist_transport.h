/* SPDX-License-Identifier: MIT */
/* dist_transport.h -- what a distributed run needs from the network, behind one small
 * interface (like redis's ae.c over epoll/kqueue): the build picks transport_mpi.c
 * (RP_WITH_MPI) or transport_local.c (one process, rank 0 of 1). Messages are byte blocks
 * between two ranks, in order per pair (MPI's non-overtaking rule); counts passed to MPI stay
 * below INT_MAX because blocks are cut into RPI_TR_CHUNK pieces here, not by callers. */
#ifndef RP_DIST_TRANSPORT_H
#define RP_DIST_TRANSPORT_H
#include <stddef.h> /* size_t */
#include <stdint.h> /* uint64_t */
#include "reprint/rp_common.h"
#include "common/common_internal.h"

#define RPI_TR_CHUNK ((size_t)1 << 26) /* 64 MiB per message */

/* Start: MPI_Init_thread (MPI_THREAD_FUNNELED: only the calling thread talks) when built with
 * MPI. Idempotent. */
RPI_FUNC rp_status rpi_tr_init(int *argc, char ***argv);
RPI_FUNC void rpi_tr_finalize(void);
RPI_FUNC int rpi_tr_rank(void);
RPI_FUNC int rpi_tr_size(void);
RPI_FUNC int rpi_tr_is_mpi(void); /* built with MPI and started by mpirun/srun */
/* Send size bytes to rank `to` / receive exactly size bytes from rank `from` (blocking). */
RPI_FUNC rp_status rpi_tr_send(int to, const void *data, size_t size);
RPI_FUNC rp_status rpi_tr_recv(int from, void *data, size_t size);
/* Element-wise sum of n uint64 over all ranks, result on every rank (in place). */
RPI_FUNC rp_status rpi_tr_sum_u64(uint64_t *v, size_t n);
/* Rank 0's value of *v on every rank. */
RPI_FUNC rp_status rpi_tr_bcast_i64(int64_t *v);
/* Rank 0's size bytes at data on every rank (in RPI_TR_CHUNK messages). */
RPI_FUNC rp_status rpi_tr_bcast(void *data, size_t size);
/* The largest *v of all ranks on every rank (errors agreed on, so all stop together). */
RPI_FUNC rp_status rpi_tr_max_i64(int64_t *v);
/* A failure agreed on by every rank before a collective step: each passes its own status, all
 * return the same verdict (its own failure on the rank that had it, RP_E_CANCELLED on the
 * others, RP_OK when none failed). A rank that left a sequence of exchanges on its own would
 * leave the others waiting in the next one forever. */
RPI_FUNC rp_status rpi_tr_agree(rp_status st);
/* The way out when ranks can no longer meet at the same step (a rank stopped receiving in the
 * middle of a point-to-point sequence): end every rank of the job (MPI_Abort with code).
 * Without MPI (one rank): returns, nothing waits for it. */
RPI_FUNC void rpi_tr_abort(int code);
/* All-to-all exchange: rank r sends send[off[d], off[d] + cnt[d]) to each rank d (offsets
 * and counts in bytes, off[size] = total) and gets what every rank sent it into *recv (a
 * buffer it allocates with alloc; *rcnt[s] bytes from rank s, in rank order, rcnt holding
 * size entries). Rounds of at most RPI_TR_CHUNK bytes per destination keep MPI's int counts
 * in range and the buffers of one round bounded. */
RPI_FUNC rp_status rpi_tr_alltoallv(const void *send, const size_t *off, char **recv, size_t *rcnt,
                                    const rp_alloc *alloc);
#endif
