/* SPDX-License-Identifier: MIT */
/* bench_normalize.c -- single-threaded throughput of rp_normalizer_run (+ rp_shingles) on a
 * file: one document per line, or the "text" values of a JSONL file (--jsonl); .gz is read
 * through zlib. Only normalization is timed; see docs/internals/normalize.md. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>     /* printf, fprintf */
#include <stdlib.h>    /* malloc, realloc, free, atoi */
#include <string.h>    /* memchr, strcmp */
#include <time.h>      /* clock_gettime */
#include <zlib.h>      /* gzopen, gzread */
#include <jansson.h>   /* json_loadb, json_object_get */
#include "reprint/rp_normalize.h"

struct doc {
    size_t off, size;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *read_all(const char *path, size_t *size)
{
    gzFile f = gzopen(path, "rb"); /* also reads uncompressed files */
    if (!f) return NULL;
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (cap - len < (1 << 16)) buf = realloc(buf, cap *= 2);
        int r = gzread(f, buf + len, 1 << 16);
        if (r <= 0) break;
        len += (size_t)r;
    }
    gzclose(f);
    *size = len;
    return buf;
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    int jsonl = 0, reps = 3;
    unsigned ngram = 5;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--jsonl")) jsonl = 1;
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else path = argv[i];
    }
    if (!path) {
        fprintf(stderr, "usage: bench_normalize [--jsonl] [--reps N] FILE[.gz]\n");
        return 2;
    }
    size_t size;
    char *raw = read_all(path, &size);
    if (!raw) {
        perror(path);
        return 1;
    }
    /* Collect documents into one contiguous text buffer. */
    char *text = malloc(size + 1);
    size_t text_size = 0, n_docs = 0, docs_cap = 1024;
    struct doc *docs = malloc(docs_cap * sizeof *docs);
    for (size_t pos = 0; pos < size;) {
        const char *nl = memchr(raw + pos, '\n', size - pos);
        size_t line = nl ? (size_t)(nl - (raw + pos)) : size - pos;
        const char *d = raw + pos;
        size_t dsize = line;
        json_t *j = NULL;
        if (jsonl) {
            j = json_loadb(d, line, 0, NULL);
            json_t *t = j ? json_object_get(j, "text") : NULL;
            d = t ? json_string_value(t) : NULL;
            dsize = t ? json_string_length(t) : 0;
        }
        if (d && dsize) {
            if (n_docs == docs_cap) docs = realloc(docs, (docs_cap *= 2) * sizeof *docs);
            memcpy(text + text_size, d, dsize);
            docs[n_docs].off = text_size;
            docs[n_docs++].size = dsize;
            text_size += dsize;
        }
        json_decref(j);
        pos += line + 1;
    }
    rp_normalizer *n;
    if (rp_normalizer_create(&n, NULL, NULL) != RP_OK) return 1;
    uint64_t *sh = NULL;
    size_t sh_cap = 0;
    double best = 1e30, best_sh = 1e30;
    size_t n_tokens = 0, n_shingles = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = now(), t_sh = 0;
        n_tokens = n_shingles = 0;
        for (size_t i = 0; i < n_docs; i++) {
            rp_norm_result res;
            if (rp_normalizer_run(n, text + docs[i].off, docs[i].size, &res) != RP_OK) return 1;
            n_tokens += res.n_tokens;
            if (res.n_tokens > sh_cap) sh = realloc(sh, (sh_cap = res.n_tokens * 2) * sizeof *sh);
            double s0 = now();
            n_shingles += rp_shingles(res.tokens, res.n_tokens, ngram, sh);
            t_sh += now() - s0;
        }
        double t = now() - t0 - t_sh;
        if (t < best) best = t;
        if (t_sh < best_sh) best_sh = t_sh;
    }
    printf("%zu docs, %.2f MB text, %zu tokens, %zu shingles\n", n_docs, text_size / 1e6,
           n_tokens, n_shingles);
    printf("normalize: %.3f s  %.0f MB/s   shingles(n=%u): %.3f s\n", best,
           text_size / 1e6 / best, ngram, best_sh);
    rp_normalizer_free(n);
    free(sh);
    free(docs);
    free(text);
    free(raw);
    return 0;
}
