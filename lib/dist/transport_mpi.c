/* SPDX-License-Identifier: MIT */
/* transport_mpi.c -- the transport over MPI (Open MPI from Debian; launched by mpirun or by
 * Slurm's srun --mpi=pmix). Point-to-point blocks are cut into RPI_TR_CHUNK messages so no
 * count reaches INT_MAX; reductions go in slices for the same reason. Only the thread that
 * called rpi_tr_init talks (MPI_THREAD_FUNNELED): the engine's worker threads never do. */
#include <limits.h> /* INT_MAX */
#include <mpi.h>
#include <stdlib.h> /* getenv */
#include <string.h> /* memcpy */
#include <time.h>   /* nanosleep */
#include "dist_transport.h"

#define TAG_DATA 7

static int g_started, g_rank, g_size = 1, g_mpi;

/* Started by a launcher: Open MPI's mpirun sets OMPI_COMM_WORLD_SIZE, PMIx (srun --mpi=pmix,
 * prterun) PMIX_RANK, MPICH-style launchers PMI_SIZE. A plain `reprint` stays one process
 * without touching MPI (singleton MPI_Init would still work, but costs a second and can fail
 * on machines without a network). */
static int launched(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_SIZE");
}

rp_status rpi_tr_init(int *argc, char ***argv)
{
    if (g_started) return RP_OK;
    g_started = 1;
    if (!launched()) return RP_OK;
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return RP_E_INTERNAL;
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    g_mpi = 1;
    return RP_OK;
}

void rpi_tr_finalize(void)
{
    if (g_mpi) MPI_Finalize();
    g_mpi = 0;
}

int rpi_tr_rank(void) { return g_rank; }
int rpi_tr_size(void) { return g_size; }
int rpi_tr_is_mpi(void) { return g_mpi; }

/* Wait for a request without holding a core. MPI_Wait spins: a rank waiting for another
 * (rank 0 for a unit still being prepared, the others while rank 0 clusters) took a core
 * from the ranks doing the work whenever there were not more cores than busy processes
 * (measured at 100k documents, 2 ranks on a shared 2-core machine: 31% of rank 0's CPU
 * samples in Open MPI's progress loop). So: poll a few times, then sleep between polls, from
 * 16 us doubling to 1 ms (a message that completes meanwhile waits at most that long). Ends
 * when MPI completes the request or fails, as MPI_Wait does. */
static int wait_req(MPI_Request *rq, MPI_Status *ms)
{
    long ns = 16000;
    for (unsigned polls = 0;; polls++) {
        int done = 0;
        if (MPI_Test(rq, &done, ms) != MPI_SUCCESS) return MPI_ERR_OTHER;
        if (done) return MPI_SUCCESS;
        if (polls < 64) continue;
        const struct timespec ts = {0, ns};
        nanosleep(&ts, NULL);
        if (ns < 1000000) ns *= 2;
    }
}

rp_status rpi_tr_send(int to, const void *data, size_t size)
{
    if (!g_mpi) return RP_E_INTERNAL;
    const char *p = data;
    do { /* a zero-size block is still one message, so sender and receiver stay in step */
        const size_t k = size < RPI_TR_CHUNK ? size : RPI_TR_CHUNK;
        MPI_Request rq;
        if (MPI_Isend(p, (int)k, MPI_BYTE, to, TAG_DATA, MPI_COMM_WORLD, &rq) != MPI_SUCCESS ||
            wait_req(&rq, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return RP_E_IO;
        p += k;
        size -= k;
    } while (size);
    return RP_OK;
}

rp_status rpi_tr_recv(int from, void *data, size_t size)
{
    if (!g_mpi) return RP_E_INTERNAL;
    char *p = data;
    do {
        const size_t k = size < RPI_TR_CHUNK ? size : RPI_TR_CHUNK;
        MPI_Status ms;
        MPI_Request rq;
        if (MPI_Irecv(p, (int)k, MPI_BYTE, from, TAG_DATA, MPI_COMM_WORLD, &rq) != MPI_SUCCESS ||
            wait_req(&rq, &ms) != MPI_SUCCESS)
            return RP_E_IO;
        int got = 0;
        MPI_Get_count(&ms, MPI_BYTE, &got);
        if ((size_t)got != k) return RP_E_IO;
        p += k;
        size -= k;
    } while (size);
    return RP_OK;
}

rp_status rpi_tr_sum_u64(uint64_t *v, size_t n)
{
    if (!g_mpi) return RP_OK;
    const size_t slice = (size_t)1 << 24;
    for (size_t i = 0; i < n; i += slice) {
        const size_t k = n - i < slice ? n - i : slice;
        MPI_Request rq;
        if (MPI_Iallreduce(MPI_IN_PLACE, v + i, (int)k, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD,
                           &rq) != MPI_SUCCESS ||
            wait_req(&rq, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return RP_E_IO;
    }
    return RP_OK;
}

rp_status rpi_tr_bcast_i64(int64_t *v)
{
    if (!g_mpi) return RP_OK;
    MPI_Request rq;
    return MPI_Ibcast(v, 1, MPI_INT64_T, 0, MPI_COMM_WORLD, &rq) == MPI_SUCCESS &&
                   wait_req(&rq, MPI_STATUS_IGNORE) == MPI_SUCCESS
               ? RP_OK
               : RP_E_IO;
}

rp_status rpi_tr_bcast(void *data, size_t size)
{
    if (!g_mpi) return RP_OK;
    char *p = data;
    while (size) {
        const size_t k = size < RPI_TR_CHUNK ? size : RPI_TR_CHUNK;
        MPI_Request rq;
        if (MPI_Ibcast(p, (int)k, MPI_BYTE, 0, MPI_COMM_WORLD, &rq) != MPI_SUCCESS ||
            wait_req(&rq, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return RP_E_IO;
        p += k;
        size -= k;
    }
    return RP_OK;
}

rp_status rpi_tr_agree(rp_status st)
{
    int64_t failed = st != RP_OK;
    const rp_status a = rpi_tr_max_i64(&failed);
    if (a != RP_OK) return a;
    return st != RP_OK ? st : failed ? RP_E_CANCELLED : RP_OK;
}

void rpi_tr_abort(int code)
{
    if (g_mpi) MPI_Abort(MPI_COMM_WORLD, code);
}

rp_status rpi_tr_max_i64(int64_t *v)
{
    if (!g_mpi) return RP_OK;
    MPI_Request rq;
    return MPI_Iallreduce(MPI_IN_PLACE, v, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD, &rq) ==
                       MPI_SUCCESS &&
                   wait_req(&rq, MPI_STATUS_IGNORE) == MPI_SUCCESS
               ? RP_OK
               : RP_E_IO;
}

rp_status rpi_tr_alltoallv(const void *send, const size_t *off, char **recv, size_t *rcnt,
                           const rp_alloc *alloc)
{
    const int n = g_size;
    *recv = NULL;
    /* the byte counts first (uint64: they may pass INT_MAX), then rounds of at most
     * RPI_TR_CHUNK bytes per pair */
    uint64_t *scnt = rpi_calloc(alloc, 2 * (size_t)n, sizeof *scnt);
    int *sc = rpi_calloc(alloc, 4 * (size_t)n, sizeof *sc);
    if (!scnt || !sc) {
        rpi_free(alloc, scnt);
        rpi_free(alloc, sc);
        return RP_E_NOMEM;
    }
    uint64_t *rc64 = scnt + n;
    int *sd = sc + n, *rc = sc + 2 * n, *rd = sc + 3 * n;
    for (int d = 0; d < n; d++)
        scnt[d] = off[d + 1] - off[d];
    MPI_Request rq;
    rp_status st = MPI_Ialltoall(scnt, 1, MPI_UINT64_T, rc64, 1, MPI_UINT64_T, MPI_COMM_WORLD,
                                 &rq) == MPI_SUCCESS &&
                           wait_req(&rq, MPI_STATUS_IGNORE) == MPI_SUCCESS
                       ? RP_OK
                       : RP_E_IO;
    size_t total = 0;
    for (int s = 0; s < n && st == RP_OK; s++) {
        rcnt[s] = (size_t)rc64[s];
        total += rcnt[s];
    }
    if (st == RP_OK) {
        *recv = rpi_malloc(alloc, total ? total : 1);
        if (!*recv) st = RP_E_NOMEM;
    }
    /* every rank runs the same number of rounds: the largest pair count decides */
    uint64_t most = 0;
    for (int d = 0; d < n; d++) {
        if (scnt[d] > most) most = scnt[d];
        if (rc64[d] > most) most = rc64[d];
    }
    int64_t rounds = (int64_t)((most + RPI_TR_CHUNK - 1) / RPI_TR_CHUNK);
    /* one round whose send and receive displacements fit an int (the usual case): straight
     * from the caller's buffer into *recv, without the packed copies of each side (measured
     * at 100k documents, 2 ranks: they were 46 of rank 0's 69 MiB of growth in stage 3a) */
    int64_t agree[2] = {rounds, rounds <= 1 && off[n] <= INT_MAX && total <= INT_MAX ? 0 : 1};
    if (st == RP_OK && (MPI_Iallreduce(MPI_IN_PLACE, agree, 2, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD,
                                       &rq) != MPI_SUCCESS ||
                        wait_req(&rq, MPI_STATUS_IGNORE) != MPI_SUCCESS))
        st = RP_E_IO;
    rounds = agree[0];
    if (st == RP_OK && rounds <= 1 && !agree[1]) {
        size_t in = 0;
        for (int d = 0; d < n; d++) {
            sc[d] = (int)scnt[d];
            sd[d] = (int)off[d];
            rc[d] = (int)rcnt[d];
            rd[d] = (int)in;
            in += rcnt[d];
        }
        if (MPI_Ialltoallv(send, sc, sd, MPI_BYTE, *recv, rc, rd, MPI_BYTE, MPI_COMM_WORLD, &rq) !=
                MPI_SUCCESS ||
            wait_req(&rq, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            st = RP_E_IO;
        rounds = 0;
    }
    char *tmp = NULL;
    for (int64_t k = 0; k < rounds && st == RP_OK; k++) {
        const uint64_t at = (uint64_t)k * RPI_TR_CHUNK;
        size_t in = 0;
        for (int d = 0; d < n; d++) {
            const uint64_t left = scnt[d] > at ? scnt[d] - at : 0;
            sc[d] = (int)(left < RPI_TR_CHUNK ? left : RPI_TR_CHUNK);
            sd[d] = 0;
            const uint64_t rl = rc64[d] > at ? rc64[d] - at : 0;
            rc[d] = (int)(rl < RPI_TR_CHUNK ? rl : RPI_TR_CHUNK);
            rd[d] = (int)in;
            in += (size_t)rc[d];
        }
        /* the send side of this round, packed (MPI displacements are ints too) */
        size_t out = 0;
        for (int d = 0; d < n; d++)
            out += (size_t)sc[d];
        char *sb = rpi_malloc(alloc, out ? out : 1);
        tmp = rpi_malloc(alloc, in ? in : 1);
        if (!sb || !tmp) {
            rpi_free(alloc, sb);
            st = RP_E_NOMEM;
            break;
        }
        out = 0;
        for (int d = 0; d < n; d++) {
            if (sc[d]) memcpy(sb + out, (const char *)send + off[d] + at, (size_t)sc[d]);
            sd[d] = (int)out;
            out += (size_t)sc[d];
        }
        if (MPI_Ialltoallv(sb, sc, sd, MPI_BYTE, tmp, rc, rd, MPI_BYTE, MPI_COMM_WORLD, &rq) !=
                MPI_SUCCESS ||
            wait_req(&rq, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            st = RP_E_IO;
        rpi_free(alloc, sb);
        /* into place: rank s's bytes after those of ranks before it */
        size_t base = 0;
        for (int s = 0; s < n && st == RP_OK; s++) {
            if (rc[s]) memcpy(*recv + base + at, tmp + rd[s], (size_t)rc[s]);
            base += rcnt[s];
        }
        rpi_free(alloc, tmp);
        tmp = NULL;
    }
    rpi_free(alloc, scnt);
    rpi_free(alloc, sc);
    if (st != RP_OK) {
        rpi_free(alloc, *recv);
        *recv = NULL;
    }
    return st;
}
