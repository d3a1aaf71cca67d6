/* SPDX-License-Identifier: MIT */
/* alloc.c -- allocation through the pluggable rp_alloc, with a test-only failure countdown. */
#include <stdint.h>    /* uintptr_t */
#include <stdlib.h>    /* malloc, calloc, free */
#include <sys/mman.h>  /* madvise */
#include <stdatomic.h> /* atomic_long: workers allocate concurrently */
#include <string.h>    /* memcpy */
#include "common_internal.h"

static atomic_long g_fault_countdown; /* test-only; see rpi_fault_malloc_arm */
static atomic_long g_fault_calls;

void rpi_fault_malloc_arm(long countdown)
{
    g_fault_countdown = countdown;
    g_fault_calls = 0;
}

long rpi_fault_malloc_calls(void) { return g_fault_calls; }

static int fault_now(void)
{
    atomic_fetch_add(&g_fault_calls, 1);
    if (atomic_load(&g_fault_countdown) <= 0) return 0;
    return atomic_fetch_sub(&g_fault_countdown, 1) == 1;
}

void rpi_advise_huge(void *p, size_t n)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (!p || n < 2 * RPI_HUGE_PAGE) return;
    const uintptr_t lo = ((uintptr_t)p + RPI_HUGE_PAGE - 1) & ~(uintptr_t)(RPI_HUGE_PAGE - 1);
    const uintptr_t hi = ((uintptr_t)p + n) & ~(uintptr_t)(RPI_HUGE_PAGE - 1);
    if (hi > lo) (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
    (void)p;
    (void)n;
#endif
}

void *rpi_malloc_huge(const rp_alloc *alloc, size_t size)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (size >= RPI_HUGE_PAGE && !(alloc && alloc->alloc)) {
        if (fault_now()) return NULL;
        void *p = NULL;
        if (posix_memalign(&p, RPI_HUGE_PAGE, size) != 0) return NULL;
        const size_t whole = size & ~(RPI_HUGE_PAGE - 1);
        (void)madvise(p, whole, MADV_HUGEPAGE);
        return p;
    }
#endif
    return rpi_malloc(alloc, size);
}

void *rpi_malloc(const rp_alloc *alloc, size_t size)
{
    if (fault_now()) return NULL;
    if (size == 0) size = 1;
    if (alloc && alloc->alloc) return alloc->alloc(alloc->opaque, size);
    void *p = malloc(size);
    rpi_advise_huge(p, size);
    return p;
}

void *rpi_calloc(const rp_alloc *alloc, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) return NULL;
    if (!(alloc && alloc->alloc)) {
        /* the C library's calloc leaves fresh pages from the system alone (they are zero):
         * a sparse table is only faulted in where it is used */
        if (fault_now()) return NULL;
        void *p = calloc(n ? n : 1, size ? size : 1);
        rpi_advise_huge(p, n * size);
        return p;
    }
    void *p = rpi_malloc(alloc, n * size);
    if (p) memset(p, 0, (n * size) != 0 ? n * size : 1);
    return p;
}

void rpi_free(const rp_alloc *alloc, void *ptr)
{
    if (!ptr) return;
    if (alloc && alloc->free) {
        alloc->free(alloc->opaque, ptr);
        return;
    }
    free(ptr);
}

void *rpi_realloc(const rp_alloc *alloc, void *ptr, size_t old_size, size_t new_size)
{
    if (alloc && alloc->alloc) {
        void *n = rpi_malloc(alloc, new_size);
        if (!n) return NULL;
        if (ptr) memcpy(n, ptr, old_size < new_size ? old_size : new_size);
        rpi_free(alloc, ptr);
        return n;
    }
    if (fault_now()) return NULL;
    void *p = realloc(ptr, new_size ? new_size : 1);
    rpi_advise_huge(p, new_size);
    return p;
}

char *rpi_strndup(const rp_alloc *alloc, const char *s, size_t n)
{
    char *d = rpi_malloc(alloc, n + 1);
    if (!d) return NULL;
    if (n) memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void rp_free(const rp_alloc *alloc, void *ptr) { rpi_free(alloc, ptr); }

const char *rp_version(void) { return RP_VERSION_STRING; }
