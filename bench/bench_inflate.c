/* SPDX-License-Identifier: MIT */
/* bench_inflate.c -- gzip decompression throughput of zlib (inflate, 64 KiB output steps as
 * codec_gzip.c reads) against libdeflate (whole member in memory, one call), alternated runs,
 * median MB/s of decompressed output. Not built by CMake (libdeflate is not a dependency):
 *   cc -O2 bench/bench_inflate.c -lz -ldeflate -o /tmp/bench_inflate
 *   /tmp/bench_inflate FILE.gz [RUNS]   (FILE.gz: one member) */
#define _POSIX_C_SOURCE 200809L
#include <libdeflate.h> /* libdeflate_gzip_decompress */
#include <stdio.h>      /* printf, fopen */
#include <stdlib.h>     /* malloc, qsort, atoi */
#include <time.h>       /* clock_gettime */
#include <zlib.h>       /* inflate */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static size_t run_zlib(const unsigned char *in, size_t n, unsigned char *out, size_t cap)
{
    z_stream zs = {0};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return 0;
    zs.next_in = (unsigned char *)in;
    zs.avail_in = (uInt)n;
    size_t total = 0;
    int zr = Z_OK;
    while (zr == Z_OK && total < cap) {
        zs.next_out = out + total;
        zs.avail_out = (uInt)(cap - total < 65536 ? cap - total : 65536);
        const uInt before = zs.avail_out;
        zr = inflate(&zs, Z_NO_FLUSH);
        total += before - zs.avail_out;
    }
    inflateEnd(&zs);
    return zr == Z_STREAM_END ? total : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) return fprintf(stderr, "usage: bench_inflate FILE.gz [RUNS]\n"), 2;
    const int runs = argc > 2 ? atoi(argv[2]) : 9;
    FILE *f = fopen(argv[1], "rb");
    if (!f) return perror(argv[1]), 1;
    fseek(f, 0, SEEK_END);
    const size_t n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *in = malloc(n);
    if (!in || fread(in, 1, n, f) != n) return fprintf(stderr, "read failed\n"), 1;
    fclose(f);
    /* ISIZE (RFC 1952 2.3.1): the size mod 2^32, exact for members under 4 GiB. */
    const size_t osz = (size_t)in[n - 4] | (size_t)in[n - 3] << 8 | (size_t)in[n - 2] << 16 |
                       (size_t)in[n - 1] << 24;
    unsigned char *out = malloc(osz + 1);
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    double tz[64], td[64];
    for (int r = 0; r < runs && r < 64; r++) {
        double t0 = now();
        if (run_zlib(in, n, out, osz + 1) != osz) return fprintf(stderr, "zlib failed\n"), 1;
        tz[r] = now() - t0;
        size_t got = 0;
        t0 = now();
        if (libdeflate_gzip_decompress(d, in, n, out, osz + 1, &got) != LIBDEFLATE_SUCCESS ||
            got != osz)
            return fprintf(stderr, "libdeflate failed\n"), 1;
        td[r] = now() - t0;
    }
    qsort(tz, (size_t)runs, sizeof *tz, cmp_d);
    qsort(td, (size_t)runs, sizeof *td, cmp_d);
    const double mz = tz[runs / 2], md = td[runs / 2];
    printf("%zu -> %zu bytes, %d alternated runs, medians: zlib %.4f s (%.0f MB/s), "
           "libdeflate %.4f s (%.0f MB/s), libdeflate %.2fx faster\n",
           n, osz, runs, mz, osz / mz / 1e6, md, osz / md / 1e6, mz / md);
    libdeflate_free_decompressor(d);
    free(out);
    free(in);
    return 0;
}
