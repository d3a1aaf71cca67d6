/* SPDX-License-Identifier: MIT */
/* story_internal.h -- private state of the reuse and story stages (lib/story/). */
#ifndef RP_STORY_INTERNAL_H
#define RP_STORY_INTERNAL_H
#include <stdint.h> /* uint32_t */
#include "engine/engine_internal.h"

#define RPI_TOP 10u           /* salient terms per unit in the candidate index (batch and index) */
#define RPI_MAX_POSTING 1000u /* a top term shared by more units carries no story signal */

/* MurmurHash3's 64-bit finaliser: the mixing of line keys, term table slots and grams. */
static inline uint64_t rpi_mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return h;
}

/* The k heaviest of a stream of (weight, id), weight descending, ties by id ascending: an
 * insertion into t[0..*m) (at most k entries); the salient terms of a unit (batch, index). */
struct rpi_topk {
    double w;
    uint64_t id;
};
static inline int rpi_topk_before(double w, uint64_t id, const struct rpi_topk *x)
{
    return w > x->w || (w == x->w && id < x->id);
}
static inline void rpi_topk_push(struct rpi_topk *t, uint32_t *m, uint32_t k, double w,
                                 uint64_t id)
{
    if (*m == k && !rpi_topk_before(w, id, &t[k - 1])) return;
    uint32_t i = *m < k ? (*m)++ : k - 1;
    while (i > 0 && rpi_topk_before(w, id, &t[i - 1])) {
        t[i] = t[i - 1];
        i--;
    }
    t[i] = (struct rpi_topk){w, id};
}

/* A weighted term vector: sorted by term in the index (merged by rpi_svec_cosine and
 * rpi_svec_overlap), in order of first use in the batch stage (scored through dense arrays). */
struct svec {
    uint32_t *term; /* slots of the term table (see build_vectors) */
    float *w;       /* TF-IDF vectors: negative for a term the text writes as a name */
    uint32_t n;
    float sum; /* names, numbers: sum of weights; TF-IDF vectors (unit length): the norm of
                  the part that is not names, for the words signal */
};

/* One scored pair of units (a < b). */
struct link {
    uint32_t a, b; /* units */
    float score, cosine, names, numbers, cover_a, cover_b;
    float words; /* cosine of the terms neither text writes as a name */
    uint16_t n_passages;
    uint8_t relation; /* rp_relation b would have to a */
    uint8_t linked;   /* score >= threshold, within the window */
};

struct rpi_story {
    uint32_t n_units;
    struct svec *vec;   /* unit -> TF-IDF vector (unit length); terms in order of first use,
                           not sorted: pairs are scored through dense arrays */
    struct svec *names; /* unit -> capitalised terms, IDF weights */
    struct svec *nums;  /* unit -> numbers, IDF weights */
    uint32_t *top;      /* unit -> its RPI_TOP most salient terms (slots), from build_vectors */
    uint8_t *n_top;     /* unit -> how many of them */
    int64_t *udate;     /* unit -> date (INT64_MIN undated), for the window */
    uint32_t *urank;    /* unit -> rank in (date, unit) order */
    struct link *links; /* scored candidate pairs, sorted by (a, b) */
    size_t n_links;
    uint32_t *linked; /* indices into links of the pairs at or above the threshold */
    size_t n_linked;
    /* term statistics */
    struct rpi_dfent {
        uint32_t key, val; /* term (0: empty slot), units it is in */
    } * df;                /* open addressing, power-of-two capacity; a probe reads one line */
    float *idf;                /* per slot: ln((N + 1) / (df + 0.5)); vectors index slots */
    size_t df_cap;
    uint32_t n_docs_df; /* documents counted */
    /* boilerplate */
    uint64_t *boiler; /* sorted hashes of boilerplate lines */
    size_t n_boiler;
    /* per cluster (by original doc): disagreements */
    struct rpi_arena arena;
    struct rpi_arena *tarenas; /* one per thread of build_vectors */
    unsigned n_tarenas;
    uint32_t *dis_of_doc; /* doc -> index into dis_list, UINT32_MAX none (original docs) */
    struct dis_entry {
        const rp_disagreement *d;
        size_t n;
    } * dis_list;
    uint64_t **seeds; /* while scoring: unit -> alignment seeds in seed_buf (or NULL) */
    uint64_t *seed_buf;
    uint32_t *n_seeds;
    uint32_t *live; /* unit -> tokens that are not boilerplate */
    uint64_t *unit_w, *doc_w; /* prefix sums of weights (tokens + 64) by unit, by document */
    float *ndens;   /* unit -> share of its non-boilerplate tokens that are numbers */
    int caseless;   /* fewer than RPI_CASELESS of the units have names */
    /* rp_engine_compare and relations scratch */
    rp_aligner *aligner;
    float *dense; /* 3 * df_cap, all 0 between uses (rpi_story_score) */
    rp_span *spans;
    size_t cap_spans;
    rp_range *ranges;
    size_t cap_ranges;
    char why[256];
};

/* story_score.c: the pair score from its signals. */
/* cosine of two unit vectors scaled by the IDF mass of their shared terms (a factor in
 * [0, 1] reached at RPI_MIN_SHARED); idf is indexed by term. *words (may be NULL): the cosine
 * of the terms neither writes as a name (negative weights), unscaled */
RPI_FUNC double rpi_svec_cosine(const struct svec *a, const struct svec *b, const float *idf,
                                double *words);
/* weighted Dice of two IDF-weighted sets, -1 when either has too little mass */
RPI_FUNC double rpi_svec_overlap(const struct svec *a, const struct svec *b);
/* The same two with a scattered in a dense array indexed by term (equal results, faster
 * when one vector meets many): scatter sets dense[term] = weight, or 0 when clear. */
RPI_FUNC void rpi_svec_scatter(const struct svec *a, float *dense, int clear);
RPI_FUNC double rpi_svec_cosine_dense(const float *da, const struct svec *a,
                                      const struct svec *b, const float *idf, double *words);
RPI_FUNC double rpi_svec_overlap_dense(const float *da, const struct svec *a, const struct svec *b);
/* 0.55 cosine + 0.25 names + 0.20 numbers; a missing (-1) signal's weight goes to cosine;
 * times 0.6 when both texts have figures but share under 0.2 of them, again when both name
 * actors but share under 0.1 of the names, and again when they have names and their words
 * (the cosine without names) are under 0.2 (story_score.c) */
/* density: the smaller share of number tokens of the two texts (0 when unknown); caseless:
 * the collection has no names at all (their weight goes to the cosine) */
RPI_FUNC double rpi_story_evidence(double cosine, double words, double names, double numbers,
                                   double density, int caseless);
#define RPI_CASELESS 0.05 /* a collection where fewer texts carry names has no case */
#define RPI_MIN_MASS 4.0  /* names or numbers mass below which a text has no such signal */
/* the story score from the evidence and the larger passage cover, in [0, 1] */
RPI_FUNC double rpi_story_combine(double evidence, double cover);

/* Running a step over [0, n) on nt threads, range t on thread t (story.c). */
typedef rp_status (*rpi_range_fn)(rp_engine *e, size_t lo, size_t hi, unsigned t, const void *ctx);
/* the engine's threads (at most 64), or 1 below min_n items */
RPI_FUNC unsigned rpi_story_threads(const rp_engine *e, size_t n, size_t min_n);
RPI_FUNC rp_status rpi_story_ranges(rp_engine *e, size_t n, unsigned nt, rpi_range_fn fn,
                                    const void *ctx);
/* The same with ranges of equal weight: item i weighs prefix[i + 1] - prefix[i] (the
 * tokens of a unit or document: Reuters' first half has four times the words of its second,
 * and equal counts left one thread doing 80% of the work). */
RPI_FUNC rp_status rpi_story_ranges_by(rp_engine *e, size_t n, unsigned nt, const uint64_t *prefix,
                                       rpi_range_fn fn, const void *ctx);

RPI_FUNC uint32_t rpi_story_df(const struct rpi_story *s, uint32_t term);
/* The scored pair of units a and b (either order), NULL when the run never scored it (it was
 * not a candidate); binary search over the links sorted by (a, b). */
RPI_FUNC const struct link *rpi_story_find_link(const struct rpi_story *s, uint32_t a,
                                                uint32_t b);
RPI_FUNC double rpi_story_idf(const struct rpi_story *s, uint32_t term);
/* Score units u and v: every signal, passages through al (may be NULL: no passages). */
RPI_FUNC rp_status rpi_story_score(rp_engine *e, rp_aligner *al, uint32_t u, uint32_t v,
                                   struct link *out, const rp_passage **ps, size_t *np,
                                   int always_align);
#endif
