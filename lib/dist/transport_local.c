/* SPDX-License-Identifier: MIT */
/* transport_local.c -- the transport of a build without MPI: one process, rank 0 of 1. A
 * distributed run then is the single-process run with stage files (--work-dir, --resume), and
 * every rank-to-rank message would be a bug. */
#include <string.h> /* memcpy */
#include "dist_transport.h"

rp_status rpi_tr_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return RP_OK;
}
void rpi_tr_finalize(void) {}
int rpi_tr_rank(void) { return 0; }
int rpi_tr_size(void) { return 1; }
int rpi_tr_is_mpi(void) { return 0; }
rp_status rpi_tr_send(int to, const void *data, size_t size)
{
    (void)to;
    (void)data;
    (void)size;
    return RP_E_INTERNAL;
}
rp_status rpi_tr_recv(int from, void *data, size_t size)
{
    (void)from;
    (void)data;
    (void)size;
    return RP_E_INTERNAL;
}
rp_status rpi_tr_sum_u64(uint64_t *v, size_t n)
{
    (void)v;
    (void)n;
    return RP_OK;
}
rp_status rpi_tr_bcast_i64(int64_t *v)
{
    (void)v;
    return RP_OK;
}
rp_status rpi_tr_bcast(void *data, size_t size)
{
    (void)data;
    (void)size;
    return RP_OK;
}
rp_status rpi_tr_max_i64(int64_t *v)
{
    (void)v;
    return RP_OK;
}
rp_status rpi_tr_agree(rp_status st) { return st; }
void rpi_tr_abort(int code) { (void)code; }
rp_status rpi_tr_alltoallv(const void *send, const size_t *off, char **recv, size_t *rcnt,
                           const rp_alloc *alloc)
{
    /* one rank: what it sends to itself */
    *rcnt = off[1] - off[0];
    *recv = rpi_malloc(alloc, *rcnt ? *rcnt : 1);
    if (!*recv) return RP_E_NOMEM;
    if (*rcnt) memcpy(*recv, (const char *)send + off[0], *rcnt);
    return RP_OK;
}
