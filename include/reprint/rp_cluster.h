/* SPDX-License-Identifier: MIT */
/* rp_cluster.h -- the vocabulary of clusters shared by the stages that form them (near, story)
 * and by every driver (the batch engine in reprint.h, the index in rp_index.h): levels, keep
 * orders, verification, relations, passages and disagreements. Included by reprint.h. */
#ifndef RP_CLUSTER_H
#define RP_CLUSTER_H
#include <stddef.h>    /* size_t */
#include <stdint.h>    /* uint32_t */
#include "rp_common.h" /* RP_API */
#ifdef __cplusplus
extern "C" {
#endif

typedef enum rp_level {
    RP_LEVEL_EXACT = 0, /* identical normalized content (XXH3-128) */
    RP_LEVEL_NEAR = 1,  /* MinHash/LSH + verification, Jaccard >= threshold */
    RP_LEVEL_REUSE = 2, /* documents sharing passages of >= min_passage words (seed-and-extend
                           alignment over normalized tokens; boilerplate learnt and ignored) */
    RP_LEVEL_STORY = 3, /* one story told in different words: salient terms (IDF), names,
                           numbers and shared passages combined into one score */
    RP_LEVEL_EVENT = 4  /* the story level's version families, grouped by the event they
                           report (independent texts allowed): family centroids */
} rp_level;

/* Tie-break order of the clustering. Documents are visited by decreasing number of verified
 * near-duplicate edges (the most connected version becomes a representative first); among
 * equally connected documents, and for choosing the leader of a group of exact copies, this
 * order decides. The representative is kept by dedup. */
typedef enum rp_keep {
    RP_KEEP_LONGEST = 0,  /* most normalized bytes; ties: smaller content hash, then id */
    RP_KEEP_FIRST = 1,    /* first in input order */
    RP_KEEP_EARLIEST = 2  /* earliest date; undated last; ties as LONGEST */
} rp_keep;

typedef enum rp_verify {
    RP_VERIFY_SIGNATURE = 0, /* estimated Jaccard from the MinHash signatures */
    RP_VERIFY_EXACT = 1      /* exact Jaccard of the shingle sets (spilled to a temp file) */
} rp_verify;

typedef enum rp_relation {
    RP_REL_UNIQUE = 0,   /* no duplicate found */
    RP_REL_ORIGINAL = 1, /* representative of a cluster with duplicates */
    RP_REL_EXACT = 2,    /* identical normalized content to `of` */
    RP_REL_NEAR = 3,     /* verified near-duplicate of `of` (the representative) */
    RP_REL_SKIPPED = 4,  /* could not be read; see skip */
    RP_REL_PARTIAL = 5,  /* reuse/story: a cut or an extension of `of` (the shorter one is
                            mostly contained in the other) */
    RP_REL_REUSE = 6,    /* reuse/story: shares passages with `of` */
    RP_REL_REWRITE = 7,  /* story: the same story as `of` in other words */
    RP_REL_RELATED = 8,  /* event: the original of a version family that reports the event
                            of `of` (the event's representative) in its own text */
    RP_REL_TRANSLATION = 9 /* story: the same text as `of` in another language */
} rp_relation;

RP_API const char *rp_relation_str(rp_relation r); /* "unique", "original", ... */

#define RP_REUSE_THRESHOLD 0.05
#define RP_STORY_THRESHOLD 0.35
#define RP_NEAR_NUM_PERM 128
#define RP_STORY_NUM_PERM 64

/* A shared passage: byte ranges into the two original texts (rp_engine_text). */
typedef struct rp_span {
    size_t a_start, a_end;
    size_t b_start, b_end;
    uint32_t words;        /* words of a in the passage */
} rp_span;

/* A byte range [start, end) of a document's text. */
typedef struct rp_range { size_t start, end; } rp_range;

/* Where the versions of one story disagree: values of one kind (names, numbers) that fill the
 * same role but differ, each with the documents that carry it. */
typedef struct rp_variant {
    const char *text;      /* as written in the first document carrying it */
    const size_t *docs;    /* document numbers */
    size_t n_docs;
} rp_variant;
typedef struct rp_disagreement {
    const char *kind;      /* "name" or "number" */
    const rp_variant *variants;
    size_t n_variants;     /* >= 2 */
} rp_disagreement;

#ifdef __cplusplus
}
#endif
#endif /* RP_CLUSTER_H */
