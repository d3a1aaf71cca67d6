/* SPDX-License-Identifier: MIT */
/* syncpages.c -- what one durable commit costs on this disk: N 4 KiB pages written with pwrite
 * at random page offsets of a 100 MiB file (as LMDB writes the pages a commit dirtied: one
 * write per page not next to another) or as one contiguous run, then fdatasync; ITERS times,
 * the mean write and sync time printed. The file is FILE (removed at the end).
 * usage: syncpages FILE N ITERS [contiguous] */
#include <fcntl.h>  /* open */
#include <stdio.h>  /* printf */
#include <stdlib.h> /* atoi, rand */
#include <string.h> /* memset */
#include <time.h>   /* clock_gettime */
#include <unistd.h> /* pwrite, fdatasync */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: syncpages FILE N ITERS [contiguous]\n");
        return 2;
    }
    const int n = atoi(argv[2]), iters = atoi(argv[3]), contig = argc > 4;
    static char buf[256 * 4096];
    const off_t pages = (100 << 20) / 4096;
    if (n < 1 || n > 256 || iters < 1) return 2;
    const int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return 1;
    memset(buf, 'x', sizeof buf);
    for (off_t o = 0; o < pages * 4096; o += 1 << 20) /* written, not sparse: overwrites only */
        if (pwrite(fd, buf, 1 << 20, o) != 1 << 20) return 1;
    fsync(fd);
    double tw = 0, ts = 0;
    srand(1);
    for (int i = 0; i < iters; i++) {
        const double t0 = now();
        if (contig) {
            const off_t at = (off_t)(rand() % (pages - n)) * 4096;
            if (pwrite(fd, buf, (size_t)n * 4096, at) < 0) return 1;
        } else {
            for (int k = 0; k < n; k++)
                if (pwrite(fd, buf, 4096, (off_t)(rand() % pages) * 4096) < 0) return 1;
        }
        const double t1 = now();
        if (fdatasync(fd) != 0) return 1;
        tw += t1 - t0;
        ts += now() - t1;
    }
    printf("%d pages %s: write %.3f ms, fdatasync %.3f ms per commit\n", n,
           contig ? "contiguous" : "scattered", 1e3 * tw / iters, 1e3 * ts / iters);
    close(fd);
    unlink(argv[1]);
    return 0;
}
