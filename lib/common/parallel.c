/* SPDX-License-Identifier: MIT */
/* parallel.c -- rpi_parallel_for: ranges of a loop on threads (parallel_internal.h). */
#include <pthread.h> /* pthread_create */
#include <unistd.h>  /* sysconf */
#include "parallel_internal.h"

/* The ranges run only once every thread has started: a range may wait on another (the
 * reading workers wait on the reader, range 0), so a thread that cannot start must cancel
 * them all, never leave the started ones waiting for ever. */
struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int state; /* 0 closed, 1 run, 2 cancelled */
};

struct range_job {
    rpi_range_fn fn;
    void *ctx;
    size_t lo, hi;
    unsigned t;
    rp_status st;
    pthread_t tid;
    struct gate *g;
};

static void *range_thread(void *arg)
{
    struct range_job *j = arg;
    if (j->g) {
        pthread_mutex_lock(&j->g->mu);
        while (j->g->state == 0)
            pthread_cond_wait(&j->g->cv, &j->g->mu);
        const int run = j->g->state == 1;
        pthread_mutex_unlock(&j->g->mu);
        if (!run) return NULL;
    }
    j->st = j->fn(j->ctx, j->lo, j->hi, j->t);
    return NULL;
}


rp_status rpi_parallel_for(size_t n, unsigned nt, const uint64_t *prefix, rpi_range_fn fn,
                           void *ctx)
{
    struct range_job jobs[RPI_MAX_THREADS];
    if (nt == 0) nt = 1;
    if (nt > RPI_MAX_THREADS) nt = RPI_MAX_THREADS;
    unsigned started = 0;
    rp_status st = RP_OK;
    for (unsigned t = 0; t < nt; t++) {
        /* total weights stay far below 2^56, so prefix[n] * t does not overflow */
        const size_t lo =
            !prefix ? n * t / nt : rpi_lower_bound_u64(prefix, n, prefix[n] * t / nt);
        const size_t hi = !prefix || t + 1 == nt
                              ? n * (t + 1) / nt
                              : rpi_lower_bound_u64(prefix, n, prefix[n] * (t + 1) / nt);
        jobs[t] = (struct range_job){fn, ctx, lo, hi, t, RP_OK, 0, NULL};
    }
    struct gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    for (unsigned t = 1; t < nt; t++) {
        jobs[t].g = &g;
        if (pthread_create(&jobs[t].tid, NULL, range_thread, &jobs[t]) != 0) {
            st = RP_E_INTERNAL;
            break;
        }
        started = t;
    }
    if (nt > 1) {
        pthread_mutex_lock(&g.mu);
        g.state = st == RP_OK ? 1 : 2;
        pthread_cond_broadcast(&g.cv);
        pthread_mutex_unlock(&g.mu);
    }
    if (st == RP_OK) range_thread(&jobs[0]);
    for (unsigned t = 1; t <= started; t++)
        pthread_join(jobs[t].tid, NULL);
    pthread_mutex_destroy(&g.mu);
    pthread_cond_destroy(&g.cv);
    for (unsigned t = 0; t <= started && st == RP_OK; t++)
        st = jobs[t].st;
    return st;
}

unsigned rpi_cpu_count(void)
{
    const long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1u;
}

unsigned rpi_threads_for(unsigned threads, size_t n, size_t min_n)
{
    unsigned nt = threads ? threads : rpi_cpu_count();
    if (nt > RPI_MAX_THREADS) nt = RPI_MAX_THREADS;
    return n < min_n ? 1 : nt;
}
