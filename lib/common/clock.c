/* SPDX-License-Identifier: MIT */
/* clock.c -- wall time and peak memory for the per-stage figures of a run's summary. */
#include <time.h>         /* clock_gettime */
#include <sys/resource.h> /* getrusage */
#include "common_internal.h"

double rpi_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double rpi_peak_rss_mib(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0.0;
    return (double)ru.ru_maxrss / 1024.0; /* Linux: kilobytes */
}
