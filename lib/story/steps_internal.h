/* SPDX-License-Identifier: MIT */
/* steps_internal.h -- the steps of stage story, one file each, and what they share; private
 * to lib/story/ (drivers include story_internal.h). docs/internals/story.md explains each step
 * and its parameters.
 *
 * S1. Boilerplate: every line is hashed with its context (the hashes of the lines before and
 *     after it). A line seen in boilerplate_min or more distinct contexts is boilerplate
 *     ("Advertisement", bylines, navigation): a syndicated paragraph recurs with the same
 *     neighbours, a page template line with different ones. Its tokens become 0 (never
 *     matched, never counted).
 * S2. Term statistics: document frequency of every token (text and title) over the N units
 *     with words; IDF ln((N + 1) / (df + 0.5)) (rpi_story_idf_of).
 * S3. Vectors (rpi_story_vectors): TF-IDF (1 + ln tf) * IDF of the terms in two units or
 *     more, unit length, names negative; names (capitalised terms and acronyms) and numbers
 *     as IDF-weighted sets.
 * S4. Candidates (sub-quadratic): units sharing two of their top salient terms (an inverted
 *     index of each unit's RPI_TOP highest-weight terms), units sharing a winnowed passage
 *     fingerprint (a shared stretch of min_passage words always shares one), and verified
 *     near pairs. Dated units further apart than the window are dropped.
 * S5. Scores: every signal, passages by rp_align; the level's score against its threshold.
 * S6. Clusters without chaining: units visited by degree; a unit joins the cluster with the
 *     highest mean link score over its members, but only if it is linked to at least half of
 *     its members, among them the representative or at least two.
 * S7. Original and relations: the earliest dated member, else the one holding most of what
 *     the others share (story_original.c); every other member is compared with it. */
#ifndef RP_STEPS_INTERNAL_H
#define RP_STEPS_INTERNAL_H
#include "story_internal.h"

/* The smaller share of number tokens of units u and v (S3). */
static inline double rpi_unit_density(const struct rpi_story *s, uint32_t u, uint32_t v)
{
    return s->ndens[u] < s->ndens[v] ? s->ndens[u] : s->ndens[v];
}
/* The story tokens and the date of unit u (its leader document's). */
static inline struct rpi_sdoc *rpi_unit_sd(const struct rpi_story *s, uint32_t u)
{
    return s->pivot ? s->pivot[u] : rpi_doc(s->in.docs, s->in.unit_doc[u])->sd;
}
static inline int64_t rpi_unit_date(const struct rpi_story *s, uint32_t u)
{
    return rpi_doc(s->in.docs, s->in.unit_doc[u])->date;
}

/* Items [lo, hi) of a pass, units (units set) or documents, in the order their stored tokens
 * lie in the store's files: by file, then by document (a reading thread appends in input
 * order). Units come in keep order, which scatters a pass's reads over the files: a page fault
 * a unit (782k minor faults at 100k documents, 92k before the store). For the passes whose
 * result does not depend on the order (each item's writes are its own). *out (caller frees)
 * gets hi - lo items, or NULL without stores (then items in order). */
RPI_FUNC rp_status rpi_story_file_order(const struct rpi_story *s, int units, size_t lo, size_t hi,
                                        uint32_t **out);

/* A candidate pair of units a < b < 2^31: key a << 32 | b. */
struct cand {
    uint64_t key;
    uint32_t flags;
};
#define CAND_GRAM 1u /* the pair shares a passage fingerprint: align it */

/* S1 (story_boiler.c): learn boilerplate lines, zero their tokens in every document. */
RPI_FUNC rp_status rpi_story_boilerplate(struct rpi_story *s);
/* S2 and S3 (story_terms.c): document frequencies and IDF; every unit's vectors and salient
 * terms; whether the collection has case. */
RPI_FUNC rp_status rpi_story_terms(struct rpi_story *s);
RPI_FUNC rp_status rpi_story_build_vectors(struct rpi_story *s);
/* S4 (story_cand.c): candidate pairs, sorted by key, within the window. */
RPI_FUNC rp_status rpi_story_candidates(struct rpi_story *s, struct cand **out, size_t *n_out);
/* S5 (story_pairs.c): score every candidate into s->links. */
RPI_FUNC rp_status rpi_story_score_all(struct rpi_story *s, const struct cand *c, size_t n);
/* S5's alignment seeds freed, from memory or their file (done with them; accepts none). */
RPI_FUNC void rpi_story_seeds_free(struct rpi_story *s);
/* S5b (story_lineage.c): the lineage of every linked pair; the family rule (rpi_story_family)
 * then sets linked and related. */
RPI_FUNC rp_status rpi_story_lineage_all(struct rpi_story *s);
/* S5c (story_xling.c, story and event levels): when the units are in two languages or more,
 * S2-S5b again with every unit's tokens as pivot terms (lib/lang), only for pairs of units in
 * two languages; their family links join s->links with relation translation. */
RPI_FUNC rp_status rpi_story_xling(struct rpi_story *s);
/* story.c: S2-S5b over the units of s with their tokens pivot[u], only for the pairs of two
 * languages by ulang (0: unknown, never paired), into a new *out (rpi_story_free). */
RPI_FUNC rp_status rpi_story_pivot_run(const struct rpi_story *s, struct rpi_sdoc **pivot,
                                       const uint16_t *ulang, struct rpi_story **out);
/* S6 (story_cluster.c): rep[u] = the representative unit of u's story. With events (the event
 * level) in a collection without case, merges need a family link (RPI_MERGE_LINKED) and
 * s->loose gets the stories without that rule, S8's starting events. */
RPI_FUNC rp_status rpi_story_cluster(struct rpi_story *s, uint32_t *rep, int events);
/* S7 (story_original.c): the original of the cluster of members m[0..k) (units, keep order):
 * the earliest by udate (unit -> its earliest document's date, INT64_MIN undated), then by
 * the evidence of the words (story_original.c), then by contain (unit -> the sum of the other
 * members' passage cover), then keep order. Bounded work per member (its first 4096 tokens). */
RPI_FUNC rp_status rpi_story_original(struct rpi_story *s, const uint32_t *m, size_t k,
                                      const int64_t *udate, const double *contain, uint32_t *out);
/* S7 across languages (story_origin.c): the language the first-dated members m[0..k) were
 * first written in, by the spelling of their names, into *lang (a member's sd->lang), or NULL
 * when it is not told (one language, none in Latin letters, no names, a tie). */
RPI_FUNC rp_status rpi_story_origin_lang(struct rpi_story *s, const uint32_t *m, size_t k,
                                         const int64_t *udate, int64_t first, const char **lang);
/* What rpi_story_origin_lang opened (its transliteration), for rpi_story_free. */
RPI_FUNC void rpi_story_origin_free(struct rpi_story *s);
/* S7 (story_relations.c): originals and per-document results into s->res. */
RPI_FUNC rp_status rpi_story_relations(struct rpi_story *s, const uint32_t *rep);
/* S8 (story_event.c, the event level only): the families of S7 grouped into events:
 * s->res[].event_doc, and `related` for the original of a family in another's event. */
RPI_FUNC rp_status rpi_story_events(struct rpi_story *s);
#endif
