/* SPDX-License-Identifier: MIT */
/* bench_sketch.c -- one-permutation MinHash (rp_minhash) against classic MinHash
 * (rp_minhash_classic): time per signature and estimation error against exact Jaccard, on
 * synthetic shingle sets of news-article size. Usage: bench_sketch [N_PAIRS] [SET_SIZE] */
#include <math.h>   /* fabs, sqrt */
#include <stdio.h>  /* printf */
#include <stdlib.h> /* malloc, atoi */
#include <time.h>   /* clock_gettime */
#include "reprint/rp_sketch.h"

static uint64_t state = 1;
static uint64_t next(void)
{
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    const int pairs = argc > 1 ? atoi(argv[1]) : 2000;
    const size_t n = argc > 2 ? (size_t)atoi(argv[2]) : 300; /* ~ a 300-word article */
    rp_minhash_params p;
    rp_minhash_params_default(&p);
    uint64_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    uint32_t sa[128], sb[128];
    double t_oph = 0, t_cls = 0, err_oph = 0, err_cls = 0, sq_oph = 0, sq_cls = 0;
    for (int i = 0; i < pairs; i++) {
        /* Jaccard spread over 0..1: share s of n elements */
        const size_t s = (size_t)(next() % (n + 1));
        for (size_t k = 0; k < n; k++) a[k] = next();
        for (size_t k = 0; k < n; k++) b[k] = k < s ? a[k] : next();
        const double j = (double)s / (double)(2 * n - s);
        p.seed = (uint64_t)i;
        double t0 = now();
        rp_minhash(&p, a, n, sa);
        rp_minhash(&p, b, n, sb);
        t_oph += now() - t0;
        const double e1 = rp_minhash_similarity(sa, sb, 128) - j;
        t0 = now();
        rp_minhash_classic(&p, a, n, sa);
        rp_minhash_classic(&p, b, n, sb);
        t_cls += now() - t0;
        const double e2 = rp_minhash_similarity(sa, sb, 128) - j;
        err_oph += fabs(e1);
        err_cls += fabs(e2);
        sq_oph += e1 * e1;
        sq_cls += e2 * e2;
    }
    printf("| method | us per signature (%zu shingles, 128 perm) | mean abs error | RMSE |\n", n);
    printf("|---|---:|---:|---:|\n");
    printf("| one-permutation + optimal densification | %.2f | %.4f | %.4f |\n",
           t_oph / (2.0 * pairs) * 1e6, err_oph / pairs, sqrt(sq_oph / pairs));
    printf("| classic (128 hashes per shingle) | %.2f | %.4f | %.4f |\n",
           t_cls / (2.0 * pairs) * 1e6, err_cls / pairs, sqrt(sq_cls / pairs));
    printf("speedup %.1fx over %d pairs\n", t_cls / t_oph, pairs);
    free(a);
    free(b);
    return 0;
}
