/* SPDX-License-Identifier: MIT */
/* story_background.c -- S2 for a small collection: term weights from a background
 * (steps_internal.h).
 *
 * IDF needs a collection: over five texts of one story every shared word is in most of
 * them, so the names and facts that make them one story weigh as little as "the" (the five
 * seeds alone: two of five linked). Below RPI_SMALL_COLLECTION texts the counts are
 * completed by a background of RPI_BG_DOCS imagined texts of general English, in which the
 * words below (function words and the commonest verbs, adverbs and nouns of any text,
 * written for this file) are in RPI_BG_DF of them and every other word in none: common
 * words stay light, a story's own words become heavy, as in a large collection. The
 * background is English; other languages keep the collection's counts, which is what a
 * caller gets without it (their shared words are only less well told apart). */
#include <stdlib.h> /* bsearch, qsort */
#include <string.h> /* strlen */
#include "steps_internal.h"

static const char BG_WORDS[] =
    "a about above across after again against all almost along already also although always "
    "am among an and another any anyone anything are around as at away back be became because "
    "become been before began behind being below best better between both but by came can "
    "cannot could day days did do does doing done down during each early either else enough "
    "even ever every few first for four from full further gave get gets getting give given "
    "go goes going gone good got great had has have having he her here hers herself him "
    "himself his how however i if in including into is it its itself just keep kept know "
    "known last later least less let like likely little long made make makes making many may "
    "me might more most much must my near need never new next no none nor not nothing now of "
    "off often old on once one only or other others our out over own part per put rather "
    "really right said same saw say saying says see seen set several shall she should show "
    "since so some something still such take taken than that the their them themselves then "
    "there these they thing things think this those though three through thus time times to "
    "today told too took toward two under until up upon us use used very was way ways we "
    "well went were what when where whether which while who whole whom whose why will with "
    "within without would year years yet you your";

static int cmp_u32(const void *a, const void *b)
{
    const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

rp_status rpi_bg_build(struct rpi_bg *bg, const rp_norm_params *np, const rp_alloc *al)
{
    bg->ids = NULL;
    bg->n = 0;
    rp_normalizer *nz = NULL;
    rp_norm_result r;
    RP_TRY(rp_normalizer_create(&nz, np, al));
    rp_status st = rp_normalizer_run(nz, BG_WORDS, strlen(BG_WORDS), &r);
    if (st == RP_OK) {
        bg->ids = rpi_malloc(al, (r.n_tokens ? r.n_tokens : 1) * sizeof *bg->ids);
        if (!bg->ids) st = RP_E_NOMEM;
    }
    if (st == RP_OK) {
        for (size_t i = 0; i < r.n_tokens; i++)
            bg->ids[i] = rpi_token_id(r.tokens[i].hash);
        qsort(bg->ids, r.n_tokens, sizeof *bg->ids, cmp_u32);
        for (size_t i = 0; i < r.n_tokens; i++)
            if (!bg->n || bg->ids[bg->n - 1] != bg->ids[i]) bg->ids[bg->n++] = bg->ids[i];
    }
    rp_normalizer_free(nz);
    return st;
}

void rpi_bg_free(struct rpi_bg *bg, const rp_alloc *al)
{
    rpi_free(al, bg->ids);
    bg->ids = NULL;
    bg->n = 0;
}

double rpi_story_idf_bg(const struct rpi_bg *bg, double n, uint32_t term, double df)
{
    if (!bg || !bg->ids || n >= RPI_SMALL_COLLECTION) return rpi_story_idf_of(n, df);
    const int common = bsearch(&term, bg->ids, bg->n, sizeof *bg->ids, cmp_u32) != NULL;
    return rpi_story_idf_of(n + RPI_BG_DOCS, df + (common ? RPI_BG_DF : 0));
}
