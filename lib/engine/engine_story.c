/* SPDX-License-Identifier: MIT */
/* engine_story.c -- the public accessors of the reuse and story levels over the story stage's
 * result: texts, boilerplate ranges, pairs with their signals, disagreements, and
 * rp_engine_compare (used by `reprint explain` and the HTML report). */
#include <stdio.h>  /* snprintf */
#include <string.h> /* memset */
#include "engine_internal.h"

const char *rp_engine_text(const rp_engine *e, size_t i, size_t *size)
{
    if (size) *size = 0;
    if (i >= e->docs.n_docs) return NULL;
    const struct rpi_sdoc *sd = rpi_doc(&e->docs, i)->sd;
    if (!sd) return NULL;
    if (size) *size = sd->text_size;
    return sd->text;
}

rp_status rp_engine_boilerplate(const rp_engine *e, size_t i, const rp_range **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!e->story) return RP_E_UNSUPPORTED;
    if (i >= e->docs.n_docs) return RP_E_INVALID;
    const struct rpi_sdoc *sd = rpi_doc(&e->docs, i)->sd;
    if (!sd) return RP_OK;
    struct rpi_story *s = e->story;
    size_t m = 0;
    for (uint32_t l = 0; l < sd->n_lines; l++) {
        const struct rpi_line *ln = &sd->lines[l];
        if (ln->tok_end == ln->tok_start || !(sd->tflags[ln->tok_start] & RPI_TOK_BOILER)) continue;
        void *p = s->ranges;
        RP_TRY(rpi_array_reserve(e->alloc, &p, &s->cap_ranges, sizeof *s->ranges, m + 1));
        s->ranges = p;
        s->ranges[m++] = (rp_range){sd->off[2 * ln->tok_start], sd->off[2 * ln->tok_end - 1]};
    }
    *out = s->ranges;
    *n = m;
    return RP_OK;
}

static void fill_signals(const rp_engine *e, const struct link *l, size_t a, size_t b,
                         rp_signals *sg)
{
    memset(sg, 0, sizeof *sg);
    const int swap = e->near.unit_of[a] != l->a; /* link is stored unit-ordered */
    sg->score = l->score;
    sg->cosine = l->cosine;
    sg->words = l->words;
    sg->names = l->names;
    sg->numbers = l->numbers;
    sg->cover_a = swap ? l->cover_b : l->cover_a;
    sg->cover_b = swap ? l->cover_a : l->cover_b;
    sg->jaccard =
        rp_minhash_similarity(rpi_sig(&e->docs, a), rpi_sig(&e->docs, b), e->cfg.num_perm);
    sg->n_passages = l->n_passages;
    const int64_t da = rpi_doc(&e->docs, a)->date, db = rpi_doc(&e->docs, b)->date;
    sg->days_apart =
        da == INT64_MIN || db == INT64_MIN ? -1 : (da > db ? da - db : db - da) / 86400;
}

/* The source of a pair: the earlier dated, else the one containing more of the other, else
 * the longer, else the first. */
static size_t direction(const rp_engine *e, size_t a, size_t b, const rp_signals *sg)
{
    const int64_t da = rpi_doc(&e->docs, a)->date, db = rpi_doc(&e->docs, b)->date;
    if (da != INT64_MIN && db != INT64_MIN && da != db) return da < db ? a : b;
    if (sg->cover_b > sg->cover_a + 0.05) return a; /* b is mostly inside a */
    if (sg->cover_a > sg->cover_b + 0.05) return b;
    const uint64_t na = rpi_doc(&e->docs, a)->n_tokens, nb = rpi_doc(&e->docs, b)->n_tokens;
    if (na != nb) return na > nb ? a : b;
    return a;
}

size_t rpi_engine_story_n_pairs(const rp_engine *e)
{
    return e->near.n_exact_pairs + e->story->n_linked; /* exact copies first */
}

rp_status rpi_engine_story_pair(const rp_engine *e, size_t k, rp_pair *out)
{
    const struct rpi_story *s = e->story;
    if (k >= rpi_engine_story_n_pairs(e)) return RP_E_INVALID;
    if (k < e->near.n_exact_pairs) { /* an exact copy and its group's leader */
        rpi_engine_exact_pair(e, k, out);
        out->signals.score = 1.0;
        out->signals.jaccard = 1.0;
        out->signals.cover_a = out->signals.cover_b = 1.0;
        out->signals.days_apart = -1;
        out->from = e->near.unit_doc[e->near.unit_of[e->near.exact_docs[k]]];
        out->lineage = e->cfg.level >= RP_LEVEL_STORY ? 1.0 : -1.0;
        return RP_OK;
    }
    memset(out, 0, sizeof *out);
    out->jaccard = -1.0;
    const struct link *l = &s->links[s->linked[k - e->near.n_exact_pairs]];
    const size_t a = e->near.unit_doc[l->a], b = e->near.unit_doc[l->b];
    out->a = a < b ? a : b;
    out->b = a < b ? b : a;
    out->relation = l->related ? RP_REL_RELATED : (rp_relation)l->relation;
    out->lineage = e->cfg.level >= RP_LEVEL_STORY ? l->lineage : -1.0;
    fill_signals(e, l, out->a, out->b, &out->signals);
    out->estimate = out->signals.jaccard;
    out->same_cluster = e->story->res[out->a].cluster_doc == e->story->res[out->b].cluster_doc;
    out->from = direction(e, out->a, out->b, &out->signals);
    return RP_OK;
}

rp_status rpi_engine_story_cluster(const rp_engine *e, rp_cluster_info *out)
{
    const struct rpi_story *s = e->story;
    if (!s->dis_of_doc) return RP_OK;
    const uint32_t x = s->dis_of_doc[out->original];
    if (x == UINT32_MAX) return RP_OK;
    out->disagreements = s->dis_list[x].d;
    out->n_disagreements = s->dis_list[x].n;
    return RP_OK;
}

rp_status rp_engine_compare(rp_engine *e, size_t a, size_t b, rp_comparison *out)
{
    memset(out, 0, sizeof *out);
    struct rpi_story *s = e->story;
    if (!s) return RP_E_UNSUPPORTED;
    if (a >= e->docs.n_docs || b >= e->docs.n_docs || a == b) return RP_E_INVALID;
    const struct rpi_docslot *da = rpi_doc(&e->docs, a), *db = rpi_doc(&e->docs, b);
    if (da->skip != RP_SKIP_NONE || db->skip != RP_SKIP_NONE) return RP_E_INVALID;
    out->threshold = e->cfg.threshold;
    out->same_cluster = e->story->res[a].cluster_doc == e->story->res[b].cluster_doc;
    const uint32_t ua = e->near.unit_of[a], ub = e->near.unit_of[b];
    if (ua == UINT32_MAX || ub == UINT32_MAX) {
        out->why = "a document without words is never compared";
        return RP_OK;
    }
    if (ua == ub) {
        out->signals.score = out->signals.cosine = out->signals.jaccard = 1.0;
        out->signals.cover_a = out->signals.cover_b = 1.0;
        out->signals.days_apart = -1;
        out->relation = RP_REL_EXACT;
        out->linked = 1;
        out->candidate = 1;
        out->why = "identical normalized text";
        return RP_OK;
    }
    struct link l;
    const rp_passage *ps;
    size_t np;
    RP_TRY(rpi_story_score(s, s->aligner, ua, ub, &l, &ps, &np, 1));
    /* link fields are unit-ordered as (ua, ub): a is l.a */
    l.a = ua;
    fill_signals(e, &l, a, b, &out->signals);
    void *p = s->spans;
    RP_TRY(rpi_array_reserve(e->alloc, &p, &s->cap_spans, sizeof *s->spans, np + 1));
    s->spans = p;
    const struct rpi_sdoc *sa = da->sd, *sb = db->sd;
    for (size_t k = 0; k < np; k++)
        s->spans[k] = (rp_span){sa->off[2 * ps[k].a_start], sa->off[2 * (ps[k].a_end - 1) + 1],
                                sb->off[2 * ps[k].b_start], sb->off[2 * (ps[k].b_end - 1) + 1],
                                ps[k].a_end - ps[k].a_start};
    out->passages = s->spans;
    out->n_passages = np;
    const struct link *run = rpi_story_find_link(s, ua, ub); /* as the run scored it */
    out->candidate = run != NULL;
    const int window = e->cfg.window_days > 0 && out->signals.days_apart >= 0 &&
                       (double)out->signals.days_apart > e->cfg.window_days;
    int linked = e->cfg.level == RP_LEVEL_REUSE ? np > 0 && l.score >= out->threshold
                                                : l.score >= out->threshold;
    if (window) linked = 0;
    int family = linked; /* story/event: the rule of S5b (story_lineage.c) */
    if (e->cfg.level >= RP_LEVEL_STORY && !window) {
        if (run && (run->linked || run->related)) { /* S5b measured it (pairs: every line) */
            out->lineage = run->lineage;
        } else {
            if (!s->lin_scratch && !(s->lin_scratch = rpi_story_lineage_scratch(e->alloc)))
                return RP_E_NOMEM;
            if (rpi_story_lineage(s, s->lin_scratch, ua, ub, &out->lineage) < 0) return RP_E_NOMEM;
        }
        family = rpi_story_family(linked, out->lineage, np);
        out->related = linked && !family;
    }
    out->linked = family;
    out->relation = family         ? (rp_relation)l.relation
                    : out->related ? RP_REL_RELATED
                                   : RP_REL_UNIQUE;
    if (run && run->pivot) {
        /* two languages: the run scored the pair in the pivot space (story_xling.c), which
         * the texts' own tokens cannot show; its figures are the answer */
        fill_signals(e, run, a, b, &out->signals);
        out->lineage = run->lineage;
        out->linked = run->linked;
        out->related = run->related;
        out->relation = run->linked ? RP_REL_TRANSLATION : RP_REL_RELATED;
        const double bar = out->threshold * RPI_PIVOT_SCORE;
        const int n =
            snprintf(s->why, sizeof s->why,
                     "%s and %s: scored across languages, in English through the word "
                     "lists: score %.3f >= %.3f (the threshold x %.1f), lineage %.2f",
                     da->sd->lang, db->sd->lang, run->score, bar, RPI_PIVOT_SCORE, run->lineage);
        if (run->lineage < RPI_LINEAGE_MIN && n > 0 && (size_t)n < sizeof s->why) {
            /* S5b asked the sentences' lengths from RPI_LEN_LINEAGE (story_lineage.c) */
            const double g =
                run->lineage >= RPI_LEN_LINEAGE ? rpi_story_length_align(s, ua, ub) : 0;
            if (g < 0) return RP_E_NOMEM;
            char *w = s->why + n;
            const size_t cap = sizeof s->why - (size_t)n;
            if (run->lineage < RPI_LEN_LINEAGE)
                snprintf(w, cap, " < %.2f: %s", RPI_LEN_LINEAGE,
                         run->linked ? "but they share a passage" : "two texts on one event");
            else if (!run->linked)
                snprintf(w, cap,
                         " < %.2f and the sentences' lengths do not line up (%.2f < %.2f): two "
                         "texts on one event",
                         RPI_LINEAGE_MIN, g, RPI_LEN_ALIGN);
            else if (g >= RPI_LEN_ALIGN)
                snprintf(w, cap, " < %.2f, but the sentences' lengths line up (%.2f >= %.2f)",
                         RPI_LINEAGE_MIN, g, RPI_LEN_ALIGN);
            else
                snprintf(w, cap, " < %.2f, but they share a passage", RPI_LINEAGE_MIN);
        }
        out->why = s->why;
        return RP_OK;
    }
    const char *la = da->sd->lang, *lb = db->sd->lang;
    if ((!run || !(run->linked || run->related)) && e->cfg.level >= RP_LEVEL_STORY && !window &&
        l.score < out->threshold && strcmp(la, lb) && strcmp(la, "und") && strcmp(lb, "und")) {
        snprintf(s->why, sizeof s->why,
                 "%s and %s: across languages the pair was not linked (in English through the "
                 "word lists its score stayed under %.3f, the threshold x %.1f, or it shared no "
                 "salient term); in the texts' own words: score %.3f < %.3f",
                 la, lb, out->threshold * RPI_PIVOT_SCORE, RPI_PIVOT_SCORE, l.score,
                 out->threshold);
        out->why = s->why;
        return RP_OK;
    }
    if (window)
        snprintf(s->why, sizeof s->why, "dated %lld days apart, outside the %g-day window",
                 (long long)out->signals.days_apart, e->cfg.window_days);
    else if (out->related)
        snprintf(s->why, sizeof s->why,
                 "score %.3f >= threshold %.3f, but no lineage (%.2f < %.2f) and no shared "
                 "passage: two texts on one event",
                 l.score, out->threshold, out->lineage, RPI_LINEAGE_MIN);
    else
        snprintf(s->why, sizeof s->why, "score %.3f %s threshold %.3f", l.score,
                 linked ? ">=" : "<", out->threshold);
    out->why = s->why;
    return RP_OK;
}
