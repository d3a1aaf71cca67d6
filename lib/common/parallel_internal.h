/* SPDX-License-Identifier: MIT */
/* parallel_internal.h -- the one parallel-for of the library: every stage that runs on
 * several threads (reading workers, LSH bands, the story steps) goes through it, so thread
 * creation, error collection and the split of work live in one place. */
#ifndef RP_PARALLEL_INTERNAL_H
#define RP_PARALLEL_INTERNAL_H
#include <stddef.h> /* size_t */
#include <stdint.h> /* uint64_t */
#include "common_internal.h"

#define RPI_MAX_THREADS 256u /* threads a run may use (cfg.threads is capped here) */

/* One range [lo, hi) of items, run on thread t (0 <= t < nt). Returns a status; the first
 * failing range's status (in range order) is what rpi_parallel_for returns. */
typedef rp_status (*rpi_range_fn)(void *ctx, size_t lo, size_t hi, unsigned t);

/* fn over [0, n) cut into nt ranges, range t on thread t; the calling thread runs range 0,
 * so nt = 1 starts no thread. prefix (may be NULL) splits by weight instead of count: item i
 * weighs prefix[i + 1] - prefix[i] (the tokens of a text: Reuters' first half has four times
 * the words of its second, and equal counts left one thread doing 80% of the work). To run
 * nt copies of a loop (workers pulling from a queue), pass n = nt: range t is {t}.
 * The ranges start together once every thread exists: when a thread cannot start, no range
 * runs and the result is RP_E_INTERNAL (so ranges may wait on each other). */
RPI_FUNC rp_status rpi_parallel_for(size_t n, unsigned nt, const uint64_t *prefix, rpi_range_fn fn,
                                    void *ctx);

/* Threads for n items: threads (0 = online CPUs, capped at RPI_MAX_THREADS), or 1 below
 * min_n items, where starting threads costs more than it saves. */
RPI_FUNC unsigned rpi_threads_for(unsigned threads, size_t n, size_t min_n);
/* The online CPUs (at least 1). */
RPI_FUNC unsigned rpi_cpu_count(void);
#endif
