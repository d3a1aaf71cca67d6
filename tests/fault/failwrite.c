/* SPDX-License-Identifier: MIT */
/* failwrite.c -- LD_PRELOAD fault injector for the CLI tests (tests/cli/faults.sh).
 *
 * Writes to files whose path (readlink /proc/self/fd/N) contains FAILWRITE_MATCH fail with
 * errno FAILWRITE_ERRNO (default ENOSPC=28; EIO=5 ...) once FAILWRITE_AFTER bytes (default 0)
 * have been written to matching files in total; the write that crosses the limit is partial,
 * as a real full disk would make it. FAILWRITE_FSYNC=1 also makes fsync/fdatasync on a
 * matching file fail with that errno.
 *
 * glibc's stdio calls its internal write, not the interposable write(), so a stream opened on
 * a matching file by fdopen/fopen is replaced by a fopencookie stream whose writes go through
 * the same limit; fileno() on it returns the real descriptor so fsync(fileno(f)) still works.
 * Without FAILWRITE_MATCH the shim does nothing. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long written; /* bytes written to matching files so far */

#define MAXF 64
static struct { FILE *f; int fd; } streams[MAXF];

static const char *match(void) { const char *m = getenv("FAILWRITE_MATCH"); return m && *m ? m : NULL; }
static int fail_errno(void) { const char *e = getenv("FAILWRITE_ERRNO"); return e ? atoi(e) : 28; }
static unsigned long long after(void)
{
    const char *a = getenv("FAILWRITE_AFTER");
    return a ? strtoull(a, NULL, 10) : 0;
}

static int fd_matches(int fd)
{
    const char *m = match();
    if (!m || fd < 0) return 0;
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0) return 0;
    path[n] = 0;
    return strstr(path, m) != NULL;
}

static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static FILE *(*real_fdopen)(int, const char *);
static FILE *(*real_fopen)(const char *, const char *);
static int (*real_fileno)(FILE *);

#define RESOLVE(name) do { if (!real_##name) real_##name = dlsym(RTLD_NEXT, #name); } while (0)

/* write n bytes of buf to fd under the limit: partial, then -1 with the injected errno */
static ssize_t limited_write(int fd, const void *buf, size_t n)
{
    RESOLVE(write);
    pthread_mutex_lock(&lock);
    const unsigned long long lim = after();
    size_t allowed = written >= lim ? 0 : (lim - written < n ? (size_t)(lim - written) : n);
    pthread_mutex_unlock(&lock);
    if (allowed == 0 && n > 0) { errno = fail_errno(); return -1; }
    ssize_t r = real_write(fd, buf, allowed);
    if (r > 0) {
        pthread_mutex_lock(&lock);
        written += (unsigned long long)r;
        pthread_mutex_unlock(&lock);
    }
    return r;
}

ssize_t write(int fd, const void *buf, size_t n)
{
    RESOLVE(write);
    if (fd_matches(fd)) return limited_write(fd, buf, n);
    return real_write(fd, buf, n);
}

static int sync_common(int fd, int (*real)(int))
{
    const char *s = getenv("FAILWRITE_FSYNC");
    if (s && strcmp(s, "1") == 0 && fd_matches(fd)) { errno = fail_errno(); return -1; }
    return real(fd);
}
int fsync(int fd) { RESOLVE(fsync); return sync_common(fd, real_fsync); }
int fdatasync(int fd) { RESOLVE(fdatasync); return sync_common(fd, real_fdatasync); }

/* cookie stream on a matching descriptor */
static ssize_t ck_write(void *c, const char *buf, size_t n)
{
    const int fd = (int)(intptr_t)c;
    size_t done = 0;
    while (done < n) {
        ssize_t r = limited_write(fd, buf + done, n - done);
        if (r < 0) { if (errno == EINTR) continue; return done ? (ssize_t)done : -1; }
        done += (size_t)r;
    }
    return (ssize_t)done;
}
static int ck_close(void *c) { return close((int)(intptr_t)c); }

static FILE *wrap(int fd, const char *mode)
{
    cookie_io_functions_t io = { .read = NULL, .write = ck_write, .seek = NULL, .close = ck_close };
    FILE *f = fopencookie((void *)(intptr_t)fd, mode, io);
    if (!f) return NULL;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < MAXF; i++)
        if (!streams[i].f) { streams[i].f = f; streams[i].fd = fd; break; }
    pthread_mutex_unlock(&lock);
    return f;
}

static int is_write_mode(const char *mode) { return strpbrk(mode, "wa+") != NULL; }

FILE *fdopen(int fd, const char *mode)
{
    RESOLVE(fdopen);
    if (is_write_mode(mode) && fd_matches(fd)) return wrap(fd, mode);
    return real_fdopen(fd, mode);
}

FILE *fopen(const char *path, const char *mode)
{
    RESOLVE(fopen);
    const char *m = match();
    if (!m || !is_write_mode(mode) || !strstr(path, m)) return real_fopen(path, mode);
    int flags = O_CREAT | O_CLOEXEC | (strchr(mode, '+') ? O_RDWR : O_WRONLY);
    flags |= mode[0] == 'a' ? O_APPEND : O_TRUNC;
    int fd = open(path, flags, 0666);
    if (fd < 0) return NULL;
    FILE *f = wrap(fd, mode);
    if (!f) close(fd);
    return f;
}

int fileno(FILE *f)
{
    RESOLVE(fileno);
    pthread_mutex_lock(&lock);
    for (int i = 0; i < MAXF; i++)
        if (streams[i].f == f) { int fd = streams[i].fd; pthread_mutex_unlock(&lock); return fd; }
    pthread_mutex_unlock(&lock);
    return real_fileno(f);
}

/* forget a cookie stream when it is closed so a later FILE at the same address is not mistaken */
int fclose(FILE *f)
{
    static int (*real_fclose)(FILE *);
    RESOLVE(fclose);
    pthread_mutex_lock(&lock);
    for (int i = 0; i < MAXF; i++)
        if (streams[i].f == f) streams[i].f = NULL;
    pthread_mutex_unlock(&lock);
    return real_fclose(f);
}
