/* SPDX-License-Identifier: MIT */
/* lsh_params.c -- choose LSH bands x rows for a Jaccard threshold.
 * With b bands of r rows, two documents of similarity s share a band with probability
 * P(s) = 1 - (1 - s^r)^b (Leskovec, Rajaraman & Ullman, "Mining of Massive Datasets" ch. 3).
 * We minimise w_fp * integral_0^t P(s) ds + w_fn * integral_t^1 (1 - P(s)) ds over all
 * b*r <= num_perm, as datasketch's _optimal_param does, by the trapezoid rule. */
#include <math.h> /* pow */
#include "reprint/rp_sketch.h"

static double integrate(double lo, double hi, uint32_t b, uint32_t r, int false_neg)
{
    const int steps = 200;
    const double h = (hi - lo) / steps;
    double sum = 0.0;
    for (int i = 0; i <= steps; i++) {
        const double s = lo + h * i;
        double p = 1.0 - pow(1.0 - pow(s, (double)r), (double)b);
        if (false_neg) p = 1.0 - p;
        sum += (i == 0 || i == steps) ? p / 2 : p;
    }
    return sum * h;
}

void rp_lsh_params(double threshold, uint32_t num_perm, double fn_weight, uint32_t *bands,
                   uint32_t *rows)
{
    if (threshold <= 0.0) threshold = 0.01;
    if (threshold >= 1.0) threshold = 0.99;
    if (fn_weight < 0.0) fn_weight = 0.0;
    if (fn_weight > 1.0) fn_weight = 1.0;
    double best = 1e300;
    uint32_t best_b = 1, best_r = num_perm ? num_perm : 1;
    for (uint32_t b = 1; b <= num_perm; b++) {
        for (uint32_t r = 1; b * r <= num_perm; r++) {
            const double fp = integrate(0.0, threshold, b, r, 0);
            const double fn = integrate(threshold, 1.0, b, r, 1);
            const double err = (1.0 - fn_weight) * fp + fn_weight * fn;
            if (err < best) {
                best = err;
                best_b = b;
                best_r = r;
            }
        }
    }
    *bands = best_b;
    *rows = best_r;
}
