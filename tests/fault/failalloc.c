/* SPDX-License-Identifier: MIT */
/* failalloc.c -- LD_PRELOAD allocation-failure injector for the CLI tests (tests/cli/
 * allocfail.sh), after curl's torture mode and sqlite's do_faultsim_test, but over a whole
 * process: every malloc, calloc, realloc, aligned_alloc and posix_memalign of the program and of
 * its libraries (jansson, zlib, libzstd, utf8proc, libc itself) is counted from the moment the
 * shim is loaded, and the FAILALLOC_AT-th one (1-based) fails: NULL and errno ENOMEM. With
 * FAILALLOC_STICKY=1 every later one fails too. At exit the number of calls is written to the
 * file FAILALLOC_COUNT if that is set, so a test first counts the calls of a good run and then
 * fails each in turn. FAILALLOC_BT=1 prints the stack of the failed call on stderr (resolve
 * the "+0x..." offsets with addr2line -e BINARY). Allocations go to glibc's __libc_* functions, so no dlsym is needed. */
#include <errno.h>     /* errno, ENOMEM */
#include <execinfo.h>  /* backtrace, backtrace_symbols_fd */
#include <stdatomic.h> /* atomic_long: threads allocate concurrently */
#include <stdio.h>     /* snprintf */
#include <stdlib.h>    /* getenv, strtol */
#include <fcntl.h>     /* open */
#include <malloc.h>    /* memalign */
#include <unistd.h>    /* write, close */

void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *ptr, size_t size);
void *__libc_memalign(size_t align, size_t size);
void __libc_free(void *ptr);

static atomic_long g_calls;
static long g_fail_at = -1; /* -1 until the environment has been read */
static int g_sticky;
static int g_backtrace;
static const char *g_count_path;

static void fa_report(void)
{
    if (g_count_path == NULL) return;
    char buf[32];
    const int n = snprintf(buf, sizeof buf, "%ld\n", (long)atomic_load(&g_calls));
    const int fd = open(g_count_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return;
    if (write(fd, buf, (size_t)n) != n) { /* nothing to do: the test sees a bad count */
    }
    close(fd);
}

/* Reads the environment once. getenv does not allocate; atexit may, so it runs before the
 * counter is armed. */
__attribute__((constructor)) static void fa_init(void)
{
    const char *at = getenv("FAILALLOC_AT");
    const char *sticky = getenv("FAILALLOC_STICKY");
    g_count_path = getenv("FAILALLOC_COUNT");
    const char *bt = getenv("FAILALLOC_BT");
    g_sticky = sticky != NULL && sticky[0] == '1';
    g_backtrace = bt != NULL && bt[0] == '1';
    if (g_backtrace) { /* the first backtrace loads libgcc_s (allocates): do it now */
        void *frames[4];
        (void)backtrace(frames, 4);
    }
    if (g_count_path != NULL) atexit(fa_report);
    atomic_store(&g_calls, 0);
    g_fail_at = at != NULL ? strtol(at, NULL, 10) : 0;
}

static int fa_fail(void)
{
    if (g_fail_at < 0) return 0; /* before the constructor: the loader's own allocations */
    const long k = atomic_fetch_add(&g_calls, 1) + 1;
    if (g_fail_at > 0 && (k == g_fail_at || (g_sticky && k > g_fail_at))) {
        if (g_backtrace && k == g_fail_at) {
            void *frames[32];
            const int n = backtrace(frames, 32);
            char msg[64];
            const int len = snprintf(msg, sizeof msg, "failalloc: call %ld fails at\n", k);
            if (write(2, msg, (size_t)len) != len) { /* best effort */
            }
            backtrace_symbols_fd(frames, n, 2);
        }
        errno = ENOMEM;
        return 1;
    }
    return 0;
}

void *malloc(size_t size) { return fa_fail() ? NULL : __libc_malloc(size); }

void *calloc(size_t n, size_t size) { return fa_fail() ? NULL : __libc_calloc(n, size); }

void *realloc(void *ptr, size_t size)
{
    if (ptr != NULL && size == 0) /* a free: cannot fail */
        return __libc_realloc(ptr, size);
    return fa_fail() ? NULL : __libc_realloc(ptr, size);
}

void free(void *ptr) { __libc_free(ptr); }

void *aligned_alloc(size_t align, size_t size)
{
    return fa_fail() ? NULL : __libc_memalign(align, size);
}

void *memalign(size_t align, size_t size)
{
    return fa_fail() ? NULL : __libc_memalign(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
    if (align < sizeof(void *) || (align & (align - 1)) != 0) return EINVAL;
    if (fa_fail()) return ENOMEM;
    void *p = __libc_memalign(align, size);
    if (p == NULL) return ENOMEM;
    *out = p;
    return 0;
}
