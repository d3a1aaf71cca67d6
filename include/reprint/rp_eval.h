/* SPDX-License-Identifier: MIT */
/* rp_eval.h -- clustering quality against gold labels: pairwise precision/recall/F1,
 * adjusted Rand index, B-cubed precision/recall/F1 and normalized mutual information. */
#ifndef RP_EVAL_H
#define RP_EVAL_H
#include <stdint.h>    /* uint32_t */
#include "rp_common.h" /* RP_API, rp_status */
#ifdef __cplusplus
extern "C" {
#endif

typedef struct rp_eval_scores {
    size_t n_items;        /* items scored (present in both gold and prediction) */
    size_t n_gold_only;    /* in gold but not predicted (each counted as a singleton) */
    size_t n_pred_only;    /* predicted but not in gold (ignored) */
    double pair_precision, pair_recall, pair_f1;
    uint64_t pair_tp, pair_fp, pair_fn;
    double ari;            /* adjusted Rand index (Hubert & Arabie 1985) */
    double bcubed_precision, bcubed_recall, bcubed_f1; /* Bagga & Baldwin 1998 */
    double nmi;            /* normalized mutual information, arithmetic-mean normalization
                              (as sklearn's default) */
    size_t n_gold_clusters, n_pred_clusters;
} rp_eval_scores;

/* Score two labelings of the same n items: gold[i] and pred[i] are cluster labels (any
 * uint32 values). Pure function. Cost O(n log n). */
RP_API rp_status rp_eval_labels(const uint32_t *gold, const uint32_t *pred, size_t n,
                                rp_eval_scores *out);

#ifdef __cplusplus
}
#endif
#endif /* RP_EVAL_H */
