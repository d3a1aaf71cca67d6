/* SPDX-License-Identifier: MIT */
/* zstd_frames.c -- JSON Lines on stdin -> one zstd frame (level 3, content size in the header)
 * per N lines on stdout: the multi-frame corpus of bench/multimember.py without one zstd process
 * per frame (100k processes took over 35 minutes on the shared 2-core machine; this takes 10 s).
 * Not built by CMake:
 *   cc -O2 bench/zstd_frames.c -lzstd -o /tmp/zstd_frames
 *   gzip -dc CORPUS.jsonl.gz | /tmp/zstd_frames [N] > OUT.frames.jsonl.zst   (N: default 1) */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>  /* getline, fwrite */
#include <stdlib.h> /* atoi, malloc, realloc */
#include <string.h> /* memcpy */
#include <zstd.h>   /* ZSTD_compress */

int main(int argc, char **argv)
{
    const int per = argc > 1 && atoi(argv[1]) > 0 ? atoi(argv[1]) : 1;
    size_t cap = (size_t)1 << 20, len = 0, lcap = 0, ocap = 0;
    char *buf = malloc(cap), *line = NULL;
    void *out = NULL;
    int n = 0;
    if (!buf) return 1;
    for (;;) {
        const ssize_t k = getline(&line, &lcap, stdin);
        if (k > 0) {
            if (len + (size_t)k > cap) {
                cap = 2 * (len + (size_t)k);
                if (!(buf = realloc(buf, cap))) return 1;
            }
            memcpy(buf + len, line, (size_t)k);
            len += (size_t)k;
            n++;
        }
        if ((k <= 0 && len) || n == per) {
            const size_t bound = ZSTD_compressBound(len);
            if (bound > ocap && !(out = realloc(out, ocap = bound))) return 1;
            const size_t r = ZSTD_compress(out, ocap, buf, len, 3);
            if (ZSTD_isError(r) || fwrite(out, 1, r, stdout) != r) return 1;
            len = 0;
            n = 0;
        }
        if (k <= 0) break;
    }
    free(buf);
    free(line);
    free(out);
    return 0;
}
