/* SPDX-License-Identifier: MIT */
/* transport_mpi.c -- the transport over MPI (Open MPI from Debian; launched by mpirun or by
 * Slurm's srun --mpi=pmix). Point-to-point blocks are cut into RPI_TR_CHUNK messages so no
 * count reaches INT_MAX; reductions go in slices for the same reason. Only the thread that
 * called rpi_tr_init talks (MPI_THREAD_FUNNELED): the engine's worker threads never do. */
#include <limits.h> /* INT_MAX */
#include <mpi.h>
#include <stdlib.h> /* getenv */
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

rp_status rpi_tr_send(int to, const void *data, size_t size)
{
    if (!g_mpi) return RP_E_INTERNAL;
    const char *p = data;
    do { /* a zero-size block is still one message, so sender and receiver stay in step */
        const size_t k = size < RPI_TR_CHUNK ? size : RPI_TR_CHUNK;
        if (MPI_Send(p, (int)k, MPI_BYTE, to, TAG_DATA, MPI_COMM_WORLD) != MPI_SUCCESS)
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
        if (MPI_Recv(p, (int)k, MPI_BYTE, from, TAG_DATA, MPI_COMM_WORLD, &ms) != MPI_SUCCESS)
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
        if (MPI_Allreduce(MPI_IN_PLACE, v + i, (int)k, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD) !=
            MPI_SUCCESS)
            return RP_E_IO;
    }
    return RP_OK;
}

rp_status rpi_tr_bcast_i64(int64_t *v)
{
    if (!g_mpi) return RP_OK;
    return MPI_Bcast(v, 1, MPI_INT64_T, 0, MPI_COMM_WORLD) == MPI_SUCCESS ? RP_OK : RP_E_IO;
}
