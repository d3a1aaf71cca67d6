/* SPDX-License-Identifier: MIT */
/* test_index.c -- the persistent index (rp_index.h) at the story level, on generated texts:
 * levels accepted and refused, the stored configuration, a rewrite joining its story and a
 * same-topic distractor staying out, queries storing nothing, exact copies, term and line
 * statistics growing with adds and shrinking with removals, a cluster re-placed when its
 * centre leaves. */
#include <setjmp.h> /* cmocka */
#include <stdarg.h> /* cmocka */
#include <stddef.h> /* cmocka */
#include <stdint.h> /* uint64_t */
#include <stdio.h>  /* snprintf */
#include <stdlib.h> /* mkdtemp */
#include <string.h> /* strcmp */
#include <unistd.h> /* unlink, rmdir */
#include <cmocka.h>
#include "reprint/rp_index.h"

/* ---- generated texts ------------------------------------------------------------------- */

static uint64_t g_rng;
static unsigned rnd(unsigned n)
{
    g_rng = g_rng * 6364136223846793005ull + 1442695040888963407ull;
    return (unsigned)(g_rng >> 33) % n;
}

/* made-up words: w<k> filler shared by every text, t<s>x<k> the words of story s */
static void filler(char *b, size_t cap, unsigned k) { snprintf(b, cap, "w%u", k); }

struct story {
    unsigned topic; /* which story vocabulary */
    unsigned first; /* its words: t<topic>x<first> .. t<topic>x<first + 19> */
    const char *names[3];
    unsigned nums[2];
};

/* A page: a share line, paragraphs (an "Advertisement" line after the second), a byline.
 * Each sentence: filler, story words, a name, sometimes a number. seed varies the wording. */
static void page(char *out, size_t cap, const struct story *s, uint64_t seed, const char *uniq)
{
    g_rng = seed;
    size_t n = (size_t)snprintf(out, cap, "Share this story with your friends\\n");
    for (unsigned p = 0; p < 6; p++) {
        for (unsigned k = 0; k < 3; k++) {
            char w[32];
            for (unsigned i = 0; i < 12; i++) {
                if (i % 3 == 1)
                    snprintf(w, sizeof w, "t%ux%u", s->topic, s->first + rnd(20));
                else
                    filler(w, sizeof w, rnd(300));
                n += (size_t)snprintf(out + n, cap - n, "%s ", w);
            }
            n += (size_t)snprintf(out + n, cap - n, "%s", s->names[rnd(3)]);
            if (rnd(2)) n += (size_t)snprintf(out + n, cap - n, " %u", s->nums[rnd(2)]);
            n += (size_t)snprintf(out + n, cap - n, ". ");
        }
        if (p == 0 && uniq) n += (size_t)snprintf(out + n, cap - n, "%s. ", uniq);
        n += (size_t)snprintf(out + n, cap - n, "\\n");
        if (p == 1) n += (size_t)snprintf(out + n, cap - n, "Advertisement\\n");
    }
    snprintf(out + n, cap - n, "Reporting by the newsroom staff");
}

static char g_dir[256];

static void remove_dir(void)
{
    static const char *const FILES[] = {"data.mdb", "lock.mdb", "writer.lock"};
    char p[300];
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", g_dir, FILES[i]);
        unlink(p);
    }
    rmdir(g_dir);
}

static void fresh_dir(void)
{
    if (g_dir[0]) remove_dir();
    snprintf(g_dir, sizeof g_dir, "/tmp/rp-test-index-XXXXXX");
    assert_non_null(mkdtemp(g_dir));
}

/* Add (or query) one document; returns its result row (caller frees *res). */
static const rp_doc_result *put(rp_index *ix, const char *id, const char *text, int dry_run,
                                rp_index_result **res)
{
    static char json[32768];
    snprintf(json, sizeof json, "{\"id\":\"%s\",\"date\":\"2026-03-02\",\"text\":\"%s\"}", id,
             text);
    rp_index_batch *b;
    assert_int_equal(rp_index_batch_create(&b, ix, NULL), RP_OK);
    assert_int_equal(rp_index_batch_add_json(b, json, strlen(json), 1), RP_OK);
    assert_int_equal(rp_index_commit(ix, b, dry_run, res), RP_OK);
    rp_index_batch_free(b);
    assert_int_equal((*res)->n_docs, 1);
    return &(*res)->docs[0];
}

static void stats(rp_index *ix, rp_index_stats *s)
{
    assert_int_equal(rp_index_stats_get(ix, s), RP_OK);
}

static rp_index *create_story(void)
{
    fresh_dir();
    rp_config c;
    rp_config_default(&c);
    c.level = RP_LEVEL_STORY;
    rp_index_error err;
    assert_int_equal(rp_index_create(g_dir, &c, NULL, &err), RP_OK);
    rp_index *ix;
    char msg[256];
    assert_int_equal(rp_index_open(&ix, g_dir, NULL, &err, msg, sizeof msg), RP_OK);
    return ix;
}

/* ---- tests ---------------------------------------------------------------------------- */

static void test_levels(void **state)
{
    (void)state;
    fresh_dir();
    rp_config c;
    rp_config_default(&c);
    c.level = RP_LEVEL_REUSE;
    rp_index_error err;
    assert_int_equal(rp_index_create(g_dir, &c, NULL, &err), RP_E_UNSUPPORTED);
    c.level = RP_LEVEL_STORY;
    c.window_days = 5;
    c.boilerplate_min = 3;
    assert_int_equal(rp_index_create(g_dir, &c, NULL, &err), RP_OK);
    rp_index *ix;
    char msg[256];
    assert_int_equal(rp_index_open(&ix, g_dir, NULL, &err, msg, sizeof msg), RP_OK);
    rp_config got;
    rp_index_config(ix, &got);
    assert_int_equal(got.level, RP_LEVEL_STORY);
    assert_true(got.threshold == RP_STORY_THRESHOLD);
    assert_true(got.window_days == 5);
    assert_int_equal(got.boilerplate_min, 3);
    rp_index_stats s;
    stats(ix, &s);
    assert_int_equal(s.n_terms, 0);
    assert_int_equal(s.n_lines, 0);
    rp_index_close(ix);
}

/* S and D share a topic (6 of their 20 story words) and differ in actors and numbers */
static const struct story S = {1, 0, {"Zorvak", "Melindo", "Quaxton"}, {4721, 1893}};
static const struct story D = {1, 14, {"Peltrano", "Vuskey", "Odrimal"}, {6602, 3317}};

static void test_story_statistics_and_clusters(void **state)
{
    (void)state;
    rp_index *ix = create_story();
    static char text[16384];
    rp_index_result *res;
    rp_index_stats s0, s1;
    stats(ix, &s0);
    assert_int_equal(s0.n_named, 0); /* counted from the start */
    /* background: other stories, other names */
    for (unsigned k = 0; k < 12; k++) {
        char id[16], n0[16], n1[16], n2[16], uq[16];
        snprintf(n0, sizeof n0, "Bel%c", 'a' + k);
        snprintf(n1, sizeof n1, "Cor%c", 'a' + k);
        snprintf(n2, sizeof n2, "Dun%c", 'a' + k);
        const struct story bg = {10 + k, 0, {n0, n1, n2}, {100 + k, 200 + k}};
        snprintf(id, sizeof id, "bg%u", k);
        snprintf(uq, sizeof uq, "uniqbg%u", k);
        page(text, sizeof text, &bg, 1000 + k, uq);
        stats(ix, &s0);
        put(ix, id, text, 0, &res);
        rp_index_result_free(res);
        stats(ix, &s1);
        /* every content counted; new terms (at least its unique word) */
        assert_int_equal(s1.n_term_units, s0.n_term_units + 1);
        assert_int_equal(s1.n_named, s0.n_named + 1); /* its three names */
        assert_true(s1.n_terms > s0.n_terms);
        assert_true(s1.n_lines > s0.n_lines);
        /* the share line, the ad and the byline recur in new contexts: boilerplate from the
         * 4th page on (boilerplate_min 4), never before */
        if (k < 3) assert_int_equal(s1.n_boiler_lines, 0);
        if (k >= 3) assert_true(s1.n_boiler_lines >= 2);
    }
    page(text, sizeof text, &S, 1, "uniqs");
    const rp_doc_result *r = put(ix, "S", text, 0, &res);
    assert_int_equal(r->relation, RP_REL_UNIQUE);
    rp_index_result_free(res);
    /* a rewrite: other wording, the same names and numbers */
    page(text, sizeof text, &S, 2, "uniqr");
    r = put(ix, "S-rewrite", text, 0, &res);
    assert_string_equal(r->cluster, "S");
    assert_string_equal(r->of, "S");
    assert_true(r->relation == RP_REL_REWRITE || r->relation == RP_REL_NEAR);
    assert_true(r->score >= RP_STORY_THRESHOLD);
    rp_index_result_free(res);
    /* the same topic with other actors: another story */
    page(text, sizeof text, &D, 3, "uniqd");
    r = put(ix, "D", text, 0, &res);
    assert_string_equal(r->cluster, "D");
    assert_int_equal(r->relation, RP_REL_UNIQUE);
    rp_index_result_free(res);
    /* a query answers like an add and stores nothing */
    stats(ix, &s0);
    page(text, sizeof text, &S, 4, "uniqq");
    r = put(ix, "S-query", text, 1, &res);
    assert_string_equal(r->cluster, "S");
    assert_int_equal(res->doc_numbers[0], UINT64_MAX);
    rp_index_result_free(res);
    stats(ix, &s1);
    assert_int_equal(s1.n_docs, s0.n_docs);
    assert_int_equal(s1.n_terms, s0.n_terms);
    assert_int_equal(s1.n_lines, s0.n_lines);
    assert_int_equal(s1.n_named, s0.n_named);
    /* a text without capitalised words is not counted as having names */
    uint64_t n;
    put(ix, "plain", "the council met on tuesday and agreed to repair the old bridge by june", 0,
        &res);
    rp_index_result_free(res);
    stats(ix, &s1);
    assert_int_equal(s1.n_named, s0.n_named);
    assert_int_equal(s1.n_term_units, s0.n_term_units + 1);
    assert_int_equal(rp_index_remove_id(ix, "plain", &n), RP_OK);
    /* an exact copy joins its content */
    page(text, sizeof text, &S, 1, "uniqs");
    r = put(ix, "S-copy", text, 0, &res);
    assert_int_equal(r->relation, RP_REL_EXACT);
    assert_string_equal(r->cluster, "S");
    rp_index_result_free(res);
    stats(ix, &s1);
    assert_int_equal(s1.n_term_units, s0.n_term_units); /* counted per content */
    assert_int_equal(rp_index_cluster(ix, "S", &res), RP_OK);
    assert_int_equal(res->n_docs, 3);
    rp_index_result_free(res);
    /* removing a content decrements its terms, lines and names count */
    stats(ix, &s0);
    assert_int_equal(rp_index_remove_id(ix, "D", &n), RP_OK);
    assert_int_equal(n, 1);
    stats(ix, &s1);
    assert_int_equal(s1.n_term_units, s0.n_term_units - 1);
    assert_int_equal(s1.n_named, s0.n_named - 1);
    assert_true(s1.n_terms < s0.n_terms);
    assert_true(s1.n_lines < s0.n_lines);
    /* the centre's content leaves (both its documents): the rewrite is alone again */
    assert_int_equal(rp_index_remove_id(ix, "S", &n), RP_OK);
    assert_int_equal(rp_index_doc(ix, "S-rewrite", &res), RP_OK);
    assert_string_equal(res->docs[0].cluster, "S-copy");
    rp_index_result_free(res);
    assert_int_equal(rp_index_remove_id(ix, "S-copy", &n), RP_OK);
    assert_int_equal(rp_index_doc(ix, "S-rewrite", &res), RP_OK);
    assert_int_equal(res->docs[0].relation, RP_REL_UNIQUE);
    assert_string_equal(res->docs[0].cluster, "S-rewrite");
    rp_index_result_free(res);
    /* removing everything brings the statistics back to zero */
    for (unsigned k = 0; k < 12; k++) {
        char id[16];
        snprintf(id, sizeof id, "bg%u", k);
        assert_int_equal(rp_index_remove_id(ix, id, &n), RP_OK);
    }
    assert_int_equal(rp_index_remove_id(ix, "S-rewrite", &n), RP_OK);
    stats(ix, &s1);
    assert_int_equal(s1.n_docs, 0);
    assert_int_equal(s1.n_terms, 0);
    assert_int_equal(s1.n_term_units, 0);
    assert_int_equal(s1.n_lines, 0);
    assert_int_equal(s1.n_boiler_lines, 0);
    assert_int_equal(s1.n_named, 0);
    assert_int_equal(s1.n_clusters, 0);
    rp_index_close(ix);
}

/* An exact/near index counts terms but has no story tables (no line statistics). */
static void test_near_level_has_no_story_tables(void **state)
{
    (void)state;
    fresh_dir();
    rp_config c;
    rp_config_default(&c);
    rp_index_error err;
    assert_int_equal(rp_index_create(g_dir, &c, NULL, &err), RP_OK);
    rp_index *ix;
    char msg[256];
    assert_int_equal(rp_index_open(&ix, g_dir, NULL, &err, msg, sizeof msg), RP_OK);
    static char text[16384];
    rp_index_result *res;
    page(text, sizeof text, &S, 1, NULL);
    put(ix, "S", text, 0, &res);
    rp_index_result_free(res);
    rp_index_stats s;
    stats(ix, &s);
    assert_true(s.n_terms > 0);
    assert_int_equal(s.n_term_units, 1);
    assert_int_equal(s.n_lines, 0);
    rp_index_close(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_story_statistics_and_clusters),
        cmocka_unit_test(test_near_level_has_no_story_tables),
    };
    const int failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (g_dir[0]) remove_dir();
    return failed;
}
