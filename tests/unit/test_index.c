/* SPDX-License-Identifier: MIT */
/* test_index.c -- the persistent index (rp_index.h) at the story level, on generated texts:
 * levels accepted and refused, the stored configuration, a rewrite joining its story and a
 * same-topic distractor staying out, queries storing nothing, exact copies, term and line
 * statistics growing with adds and shrinking with removals, a cluster re-placed when its
 * centre leaves; the index's allocator (every block it takes is given back) and allocation
 * failures (an add, a query, a lookup or a removal fails cleanly and changes nothing); unique
 * ids (the same document again adds nothing, another content under a stored id is refused). */
#include <dlfcn.h>   /* dlsym: the real pwrite and fdatasync under the durability witness */
#include <limits.h>  /* PATH_MAX */
#include <pthread.h> /* pthread_create: commits of one id at once */
#include <stdatomic.h> /* atomic_ulong: the witness's counters */
#include <setjmp.h>  /* cmocka */
#include <stdarg.h>  /* cmocka */
#include <stddef.h>  /* cmocka */
#include <stdint.h>  /* uint64_t */
#include <stdio.h>   /* snprintf */
#include <stdlib.h>  /* mkdtemp */
#include <string.h>  /* strcmp */
#include <unistd.h>  /* unlink, rmdir */
#include <cmocka.h>
#include "reprint/rp_index.h"
#include "common/common_internal.h" /* rpi_fault_malloc_arm */

/* ---- generated texts ------------------------------------------------------------------- */

static uint64_t g_rng;
static unsigned rnd(unsigned n)
{
    g_rng = g_rng * 6364136223846793005ull + 1442695040888963407ull;
    return (unsigned)(g_rng >> 33) % n;
}

/* made-up words: w<k> filler shared by every text, t<s>x<k> the words of story s */
/* Filler: common English words, as in a text (a small collection weighs its words against
 * a background of English, lib/story/story_background.c: made-up filler would weigh as much
 * as a story's own words) */
static void filler(char *b, size_t cap, unsigned k)
{
    static const char *const W[] = {
        "the",  "of",  "and",  "to",    "in",   "that",  "was",  "with",  "for",  "on",
        "as",   "by",  "at",   "from",  "it",   "his",   "her",  "they",  "were", "which",
        "this", "had", "have", "would", "said", "after", "when", "about", "into", "more"};
    snprintf(b, cap, "%s", W[k % (sizeof W / sizeof *W)]);
}

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

/* Structs that grow (reprint.h): a config from an older, shorter header gets the defaults for
 * the rest; a shorter rp_doc_result reads its prefix of a result and nothing past it. */
static void test_struct_sizes(void **state)
{
    (void)state;
    fresh_dir();
    rp_config c;
    rp_config_default(&c);
    c.level = RP_LEVEL_NEAR;
    const size_t old = offsetof(rp_config, min_passage);
    memset((char *)&c + old, 0xFF, sizeof c - old); /* what an older caller does not have */
    rp_index_error err;
    assert_int_equal(rp_index_create_sized(g_dir, &c, old, NULL, &err), RP_OK);
    rp_index *ix;
    char msg[256];
    assert_int_equal(rp_index_open(&ix, g_dir, NULL, &err, msg, sizeof msg), RP_OK);
    rp_config got, def;
    rp_index_config(ix, &got);
    rp_config_default(&def);
    assert_int_equal(got.boilerplate_min, def.boilerplate_min);
    assert_true(got.window_days == def.window_days);
    rp_index_result *res;
    const rp_doc_result *r = put(ix, "one", "a text of a few words for the index", 0, &res);
    unsigned char buf[sizeof(rp_doc_result) + 16];
    const size_t short_doc = offsetof(rp_doc_result, title);
    memset(buf, 0xAB, sizeof buf);
    assert_int_equal(rp_index_result_doc_sized(res, 0, (rp_doc_result *)buf, short_doc), RP_OK);
    for (size_t k = short_doc; k < sizeof buf; k++)
        assert_int_equal(buf[k], 0xAB);
    assert_memory_equal(buf, r, short_doc);
    assert_int_equal(rp_index_result_doc_sized(res, 1, (rp_doc_result *)buf, short_doc),
                     RP_E_INVALID);
    rp_index_result_free(res);
    rp_index_close(ix);
}

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

/* ---- the allocator ---------------------------------------------------------------------- */

/* A counting allocator: each block carries its size in a header, so a block given to free()
 * that it did not allocate (or one of its blocks given to libc's free) is caught by ASan. */
struct counter {
    long blocks;  /* live blocks */
    size_t bytes; /* live bytes */
    long allocs;  /* blocks ever allocated */
};
#define HEADER 16 /* keeps max_align_t alignment */

static void *count_alloc(void *opaque, size_t size)
{
    struct counter *c = opaque;
    unsigned char *p = malloc(HEADER + size);
    if (!p) return NULL;
    memcpy(p, &size, sizeof size);
    c->blocks++;
    c->bytes += size;
    c->allocs++;
    return p + HEADER;
}

static void count_free(void *opaque, void *ptr)
{
    if (!ptr) return;
    struct counter *c = opaque;
    unsigned char *p = (unsigned char *)ptr - HEADER;
    size_t size;
    memcpy(&size, p, sizeof size);
    assert_true(c->blocks > 0 && c->bytes >= size);
    c->blocks--;
    c->bytes -= size;
    free(p);
}

static void json_doc(char *out, size_t cap, const char *id, const char *text)
{
    snprintf(out, cap, "{\"id\":\"%s\",\"date\":\"2026-03-02\",\"text\":\"%s\"}", id, text);
}

/* Add (or query) n JSON documents in one batch; any step's error is returned (*res NULL). */
static rp_status try_add(rp_index *ix, char *const *json, size_t n, int dry_run,
                         rp_index_result **res)
{
    *res = NULL;
    rp_index_batch *b;
    rp_status st = rp_index_batch_create(&b, ix, NULL);
    if (st != RP_OK) return st;
    for (size_t i = 0; i < n && st == RP_OK; i++)
        st = rp_index_batch_add_json(b, json[i], strlen(json[i]), i + 1);
    if (st == RP_OK) st = rp_index_commit(ix, b, dry_run, res);
    rp_index_batch_free(b);
    return st;
}

static rp_index *create_with(rp_level level, const rp_index_options *o)
{
    fresh_dir();
    rp_config c;
    rp_config_default(&c);
    c.level = level;
    rp_index_error err;
    assert_int_equal(rp_index_create(g_dir, &c, o, &err), RP_OK);
    rp_index *ix;
    char msg[256];
    assert_int_equal(rp_index_open(&ix, g_dir, o, &err, msg, sizeof msg), RP_OK);
    return ix;
}

static int count_docs(const rp_doc_result *r, uint64_t doc_number, void *user)
{
    (void)r;
    (void)doc_number;
    ++*(size_t *)user;
    return 0;
}

static int count_clusters(const rp_doc_result *m, size_t n, void *user)
{
    (void)m;
    *(size_t *)user += n;
    return 0;
}

static char g_json[8][16384];
static char *g_jp[8] = {g_json[0], g_json[1], g_json[2], g_json[3],
                        g_json[4], g_json[5], g_json[6], g_json[7]};

/* Every block the index, its batches, results and scratch take comes from the allocator
 * given at create/open, and goes back to it: at the story level and the near level, through
 * adds, a query, lookups, iteration, removals and close (a result freed after close too). */
static void run_counted(rp_level level)
{
    struct counter cnt = {0, 0, 0};
    rp_index *ix;
    {
        /* the options and the allocator struct die before the index: it keeps a copy */
        rp_alloc a = {count_alloc, count_free, &cnt};
        rp_index_options o;
        rp_index_options_default(&o);
        assert_null(o.alloc);
        o.alloc = &a;
        ix = create_with(level, &o);
        memset(&a, 0, sizeof a);
        memset(&o, 0, sizeof o);
    }
    assert_true(cnt.allocs > 0);
    assert_true(cnt.blocks > 0); /* the open index */
    static char text[16384];
    rp_index_result *res;
    for (unsigned k = 0; k < 6; k++) { /* other stories, then S, a near copy and a rewrite */
        char id[16], n0[16], uq[16];
        snprintf(n0, sizeof n0, "Bel%c", 'a' + k);
        const struct story bg = {10 + k, 0, {n0, "Corvin", "Dunmore"}, {100 + k, 200 + k}};
        snprintf(id, sizeof id, "bg%u", k);
        snprintf(uq, sizeof uq, "uniqbg%u", k);
        page(text, sizeof text, &bg, 1000 + k, uq);
        json_doc(g_json[k], sizeof g_json[k], id, text);
    }
    page(text, sizeof text, &S, 1, "uniqs");
    json_doc(g_json[6], sizeof g_json[6], "S", text);
    page(text, sizeof text, &S, 1, "un");
    json_doc(g_json[7], sizeof g_json[7], "S-near", text);
    assert_int_equal(try_add(ix, g_jp, 6, 0, &res), RP_OK); /* one batch of six */
    rp_index_result_free(res);
    assert_int_equal(try_add(ix, g_jp + 6, 2, 0, &res), RP_OK);
    assert_string_equal(res->docs[1].cluster, "S");
    rp_index_result_free(res);
    page(text, sizeof text, &S, 2, "uniqr");
    json_doc(g_json[0], sizeof g_json[0], "S-rewrite", text);
    assert_int_equal(try_add(ix, g_jp, 1, 0, &res), RP_OK);
    rp_index_result_free(res);
    page(text, sizeof text, &S, 1, "uniqs"); /* an exact copy, and a query */
    json_doc(g_json[0], sizeof g_json[0], "S-copy", text);
    assert_int_equal(try_add(ix, g_jp, 1, 0, &res), RP_OK);
    rp_index_result_free(res);
    assert_int_equal(try_add(ix, g_jp, 1, 1, &res), RP_OK);
    rp_index_result_free(res);
    assert_int_equal(rp_index_doc(ix, "S-near", &res), RP_OK);
    rp_index_result_free(res);
    assert_int_equal(rp_index_cluster(ix, "S", &res), RP_OK);
    assert_true(res->n_docs >= 3);
    rp_index_result_free(res);
    size_t nd = 0, nm = 0;
    assert_int_equal(rp_index_foreach_doc(ix, count_docs, &nd), RP_OK);
    assert_int_equal(nd, 10);
    assert_int_equal(rp_index_foreach_cluster(ix, 1, count_clusters, &nm), RP_OK);
    assert_int_equal(nm, 10);
    rp_index_stats st;
    stats(ix, &st);
    uint64_t n;
    assert_int_equal(rp_index_remove_id(ix, "S", &n), RP_OK); /* a centre leaves */
    assert_int_equal(rp_index_remove_id(ix, "bg3", &n), RP_OK);
    if (level == RP_LEVEL_STORY) { /* dated at this level only: all in 2026 */
        assert_int_equal(rp_index_remove_before(ix, 1800000000, &n), RP_OK);
        assert_int_equal(n, 8);
    } else {
        static const char *const IDS[] = {"bg0",    "bg1",       "bg2",    "bg4",
                                          "S-near", "S-rewrite", "S-copy", "bg5"};
        for (int i = 0; i < 8; i++)
            assert_int_equal(rp_index_remove_id(ix, IDS[i], &n), RP_OK);
    }
    stats(ix, &st);
    assert_int_equal(st.n_docs, 0);
    assert_int_equal(try_add(ix, g_jp + 6, 1, 0, &res), RP_OK);
    rp_index_close(ix);
    assert_true(cnt.blocks > 0); /* the result still holds its blocks */
    rp_index_result_free(res);   /* after close: with the result's copy of the allocator */
    assert_int_equal(cnt.blocks, 0);
    assert_int_equal(cnt.bytes, 0);
}

static void test_allocator_story(void **state)
{
    (void)state;
    run_counted(RP_LEVEL_STORY);
}

static void test_allocator_near(void **state)
{
    (void)state;
    run_counted(RP_LEVEL_NEAR);
}

/* ---- allocation failure ------------------------------------------------------------------ */

static int stats_equal(const rp_index_stats *a, const rp_index_stats *b)
{
    return a->n_docs == b->n_docs && a->n_units == b->n_units && a->n_empty == b->n_empty &&
           a->n_edges == b->n_edges && a->n_clusters == b->n_clusters && a->n_terms == b->n_terms &&
           a->next_doc == b->next_doc && a->n_term_units == b->n_term_units &&
           a->n_lines == b->n_lines && a->n_boiler_lines == b->n_boiler_lines &&
           a->n_named == b->n_named;
}

/* The index of run_fault: background stories, S, and (not added yet) the batch of the loop:
 * a near copy of S and a rewrite of S; counted, so that every failure is shown to give back
 * every block it took. */
static rp_index *fault_index(rp_level level, const rp_alloc *a)
{
    rp_index_options o;
    rp_index_options_default(&o);
    o.alloc = a;
    rp_index *ix = create_with(level, &o);
    static char text[16384];
    for (unsigned k = 0; k < 6; k++) {
        char id[16], n0[16];
        snprintf(n0, sizeof n0, "Bel%c", 'a' + k);
        const struct story bg = {10 + k, 0, {n0, "Corvin", "Dunmore"}, {100 + k, 200 + k}};
        snprintf(id, sizeof id, "bg%u", k);
        page(text, sizeof text, &bg, 1000 + k, id);
        json_doc(g_json[k], sizeof g_json[k], id, text);
    }
    page(text, sizeof text, &S, 1, "uniqs");
    json_doc(g_json[6], sizeof g_json[6], "S", text);
    rp_index_result *res;
    assert_int_equal(try_add(ix, g_jp, 7, 0, &res), RP_OK);
    rp_index_result_free(res);
    page(text, sizeof text, &S, 1, "un");
    json_doc(g_json[0], sizeof g_json[0], "S-near", text);
    page(text, sizeof text, &S, 2, "uniqr");
    json_doc(g_json[1], sizeof g_json[1], "S-rewrite", text);
    return ix;
}

enum { OP_ADD, OP_QUERY, OP_LOOKUP, OP_REMOVE };

static rp_status fault_op(rp_index *ix, int op, rp_index_result **res)
{
    uint64_t n;
    switch (op) {
    case OP_ADD: return try_add(ix, g_jp, 2, 0, res);
    case OP_QUERY: return try_add(ix, g_jp, 2, 1, res);
    case OP_LOOKUP: return rp_index_cluster(ix, "S", res);
    default: *res = NULL; return rp_index_remove_id(ix, "S-near", &n);
    }
}

/* The same answer: every document's cluster, relation, of and score. */
static void same_result(const rp_index_result *a, const rp_index_result *b)
{
    assert_int_equal(a->n_docs, b->n_docs);
    for (size_t i = 0; i < a->n_docs; i++) {
        const rp_doc_result *x = &a->docs[i], *y = &b->docs[i];
        assert_string_equal(x->id, y->id);
        assert_string_equal(x->cluster, y->cluster);
        assert_int_equal(x->relation, y->relation);
        assert_true((!x->of && !y->of) || (x->of && y->of && !strcmp(x->of, y->of)));
        assert_true(x->score == y->score);
    }
}

/* Fail the k-th allocation of one operation for k = 1, 2, ... until it passes with the
 * fault never reached: each time it fails with RP_E_NOMEM, gives back every block and leaves
 * the index as it was (stats), or passes with the answer it gives without faults (for an
 * add: its query's, which is exactly what adding gives). */
static void fault_loop(rp_index *ix, int op, const struct counter *cnt)
{
    rp_index_stats before, after;
    stats(ix, &before);
    rp_index_result *ref = NULL;
    if (op != OP_REMOVE) assert_int_equal(fault_op(ix, op == OP_ADD ? OP_QUERY : op, &ref), RP_OK);
    const long live = cnt->blocks;
    int failures = 0, passed = 0;
    for (long k = 1; k <= 5000 && !passed; k++) {
        rpi_fault_malloc_arm(k);
        rp_index_result *res = NULL;
        const rp_status st = fault_op(ix, op, &res);
        const long calls = rpi_fault_malloc_calls();
        rpi_fault_malloc_arm(0);
        stats(ix, &after);
        if (st == RP_OK) {
            /* a failure swallowed on the way would have passed with the fault reached */
            assert_true(calls < k);
            if (ref) same_result(res, ref);
            if (op == OP_ADD) {
                assert_int_equal(after.n_docs, before.n_docs + 2);
                assert_int_equal(after.next_doc, before.next_doc + 2);
                assert_string_equal(res->docs[0].cluster, "S"); /* the near copy joined */
            } else if (op == OP_REMOVE) {
                assert_int_equal(after.n_docs, before.n_docs - 1);
                assert_int_equal(rp_index_doc(ix, "S-near", &res), RP_E_INVALID);
            } else {
                assert_true(stats_equal(&before, &after));
            }
            rp_index_result_free(res);
            assert_int_equal(cnt->blocks, live);
            passed = 1;
        } else {
            assert_int_equal(st, RP_E_NOMEM);
            assert_null(res);
            assert_true(stats_equal(&before, &after)); /* nothing of it stored */
            assert_int_equal(cnt->blocks, live);       /* nothing of it kept */
            failures++;
        }
    }
    rp_index_result_free(ref);
    assert_true(passed);
    assert_true(failures > 0);
}

/* One more add without faults: it passes and the statistics add up. */
static void add_one(rp_index *ix, const char *id, unsigned topic)
{
    static char text[16384];
    /* its own actors and figures: one more story, not the last one told again */
    static const char *const NAMES[2][3] = {{"Ferro", "Gallant", "Hume"},
                                            {"Ingram", "Jansen", "Kovac"}};
    const struct story t = {topic,
                            0,
                            {NAMES[topic % 2][0], NAMES[topic % 2][1], NAMES[topic % 2][2]},
                            {7 + 10 * (topic % 2), 8 + 10 * (topic % 2)}};
    page(text, sizeof text, &t, topic, id);
    json_doc(g_json[2], sizeof g_json[2], id, text);
    rp_index_stats s0, s1;
    stats(ix, &s0);
    rp_index_result *res;
    assert_int_equal(try_add(ix, g_jp + 2, 1, 0, &res), RP_OK);
    assert_string_equal(res->docs[0].cluster, id);
    rp_index_result_free(res);
    stats(ix, &s1);
    assert_int_equal(s1.n_docs, s0.n_docs + 1);
    assert_int_equal(s1.n_units, s0.n_units + 1);
    assert_int_equal(s1.n_term_units, s0.n_term_units + 1);
    assert_int_equal(s1.next_doc, s0.next_doc + 1);
    assert_true(s1.n_terms > s0.n_terms);
}

static void run_fault(rp_level level)
{
    struct counter cnt = {0, 0, 0};
    const rp_alloc a = {count_alloc, count_free, &cnt};
    rp_index *ix = fault_index(level, &a);
    fault_loop(ix, OP_QUERY, &cnt);
    fault_loop(ix, OP_ADD, &cnt);
    add_one(ix, "after-add", 30);
    fault_loop(ix, OP_LOOKUP, &cnt);
    fault_loop(ix, OP_REMOVE, &cnt);
    add_one(ix, "after-remove", 31);
    rp_index_close(ix);
    assert_int_equal(cnt.blocks, 0);
    assert_int_equal(cnt.bytes, 0);
    /* open: fails with RP_E_NOMEM and nothing kept, or opens the index as it was */
    rp_index_options o;
    rp_index_options_default(&o);
    o.alloc = &a;
    int failures = 0, passed = 0;
    for (long k = 1; k <= 1000 && !passed; k++) {
        rpi_fault_malloc_arm(k);
        rp_index_error err;
        char msg[256];
        const rp_status st = rp_index_open(&ix, g_dir, &o, &err, msg, sizeof msg);
        const long calls = rpi_fault_malloc_calls();
        rpi_fault_malloc_arm(0);
        if (st == RP_OK) {
            assert_true(calls < k);
            rp_index_stats s;
            stats(ix, &s);
            assert_int_equal(s.n_docs, 10);
            rp_index_close(ix);
            passed = 1;
        } else {
            assert_int_equal(st, RP_E_NOMEM);
            assert_null(ix);
            failures++;
        }
        assert_int_equal(cnt.blocks, 0);
    }
    assert_true(passed);
    assert_true(failures > 0);
}

static void test_alloc_failure_story(void **state)
{
    (void)state;
    run_fault(RP_LEVEL_STORY);
}

static void test_alloc_failure_near(void **state)
{
    (void)state;
    run_fault(RP_LEVEL_NEAR);
}

/* Ids are unique, checked inside the write transaction: the same document again is answered
 * with the stored one and adds nothing; another content under a stored id (or twice in one
 * batch) is RP_INDEX_E_DUPLICATE with nothing of the batch stored; ids past RP_INDEX_ID_MAX are
 * refused; concurrent commits of one id store it once. */
struct same_id_arg {
    rp_index *ix;
    rp_status st;
    uint64_t doc_number;
};

static void *commit_same_id(void *p)
{
    struct same_id_arg *a = p;
    static char *const json[1] = {"{\"id\":\"race\",\"text\":\"one racing text to store once\"}"};
    rp_index_result *res;
    a->st = try_add(a->ix, json, 1, 0, &res);
    a->doc_number = a->st == RP_OK ? res->doc_numbers[0] : UINT64_MAX;
    rp_index_result_free(res);
    return NULL;
}

static void test_unique_ids(void **state)
{
    (void)state;
    rp_index *ix = create_with(RP_LEVEL_NEAR, NULL);
    rp_index_stats s;
    rp_index_result *res;
    put(ix, "a", "the first text of document a", 0, &res);
    const uint64_t num_a = res->doc_numbers[0];
    assert_int_equal(res->n_existing, 0);
    rp_index_result_free(res);
    /* the same again: the stored document, nothing added */
    const rp_doc_result *r = put(ix, "a", "the first text of document a", 0, &res);
    assert_string_equal(r->id, "a");
    assert_int_equal(res->n_existing, 1);
    assert_int_equal(res->doc_numbers[0], num_a);
    rp_index_result_free(res);
    /* an id holding a NUL is refused as a skip under "request:line" (stage doc, as in a batch
     * run), never stored cut at the NUL as "a" */
    r = put(ix, "a\\u0000x", "another text entirely for the id with a nul", 0, &res);
    assert_int_equal(r->relation, RP_REL_SKIPPED);
    assert_int_equal(r->skip, RP_SKIP_BAD_JSON);
    assert_non_null(strstr(r->detail, "NUL"));
    assert_true(res->doc_numbers[0] == UINT64_MAX);
    rp_index_result_free(res);
    stats(ix, &s);
    assert_int_equal(s.n_docs, 1);
    /* another content under a stored id, alone or in a batch: refused, nothing stored */
    char j[4][256];
    char *jp[4] = {j[0], j[1], j[2], j[3]};
    json_doc(j[0], sizeof j[0], "a", "a second text under the same id");
    assert_int_equal(try_add(ix, jp, 1, 0, &res), RP_E_INVALID);
    assert_int_equal(rp_index_errkind(ix), RP_INDEX_E_DUPLICATE);
    assert_non_null(strstr(rp_index_errmsg(ix), "'a'"));
    json_doc(j[0], sizeof j[0], "b", "text of b");
    json_doc(j[1], sizeof j[1], "c", "text of c");
    json_doc(j[2], sizeof j[2], "b", "another text of b");
    assert_int_equal(try_add(ix, jp, 3, 0, &res), RP_E_INVALID);
    assert_int_equal(rp_index_errkind(ix), RP_INDEX_E_DUPLICATE);
    assert_int_equal(try_add(ix, jp, 3, 1, &res), RP_E_INVALID); /* a query: the same rule */
    stats(ix, &s);
    assert_int_equal(s.n_docs, 1);
    /* twice in one batch with the same content: stored once, both answered */
    json_doc(j[2], sizeof j[2], "b", "text of b");
    assert_int_equal(try_add(ix, jp, 3, 0, &res), RP_OK);
    assert_int_equal(res->n_existing, 1);
    assert_int_equal(res->doc_numbers[0], res->doc_numbers[2]);
    rp_index_result_free(res);
    stats(ix, &s);
    assert_int_equal(s.n_docs, 3);
    /* the id limit */
    static char id[RP_INDEX_ID_MAX + 2], big[RP_INDEX_ID_MAX + 128];
    memset(id, 'x', RP_INDEX_ID_MAX + 1);
    json_doc(big, sizeof big, id, "a long id");
    char *bp[1] = {big};
    assert_int_equal(try_add(ix, bp, 1, 0, &res), RP_E_INVALID);
    assert_int_equal(rp_index_errkind(ix), RP_INDEX_E_ID_TOO_LONG);
    id[RP_INDEX_ID_MAX] = '\0';
    json_doc(big, sizeof big, id, "a long id");
    assert_int_equal(try_add(ix, bp, 1, 0, &res), RP_OK);
    rp_index_result_free(res);
    /* 8 threads commit one id at once: one document stored, all answered with it */
    struct same_id_arg a[8];
    pthread_t t[8];
    for (int i = 0; i < 8; i++) {
        a[i] = (struct same_id_arg){ix, RP_E_IO, 0};
        assert_int_equal(pthread_create(&t[i], NULL, commit_same_id, &a[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(a[i].st, RP_OK);
        assert_int_equal(a[i].doc_number, a[0].doc_number);
    }
    stats(ix, &s);
    assert_int_equal(s.n_docs, 5);
    rp_index_close(ix);
}

/* ---- group commit -------------------------------------------------------------------------
 * Threads commit at once (rp_index_commit queues them; one leader stores a group in one
 * transaction): adds, queries and refused batches (another content under a stored id) mixed.
 * Each caller gets its own answer and error; a refused batch takes no other down; every
 * acknowledged document is there after close and reopen, with the cluster that adding the
 * same documents one at a time in document-number order gives. */
#define GC_THREADS 8
#define GC_ROUNDS 24

struct gc_arg {
    rp_index *ix;
    int t;
    int failed;              /* a wrong answer (asserts stay on the main thread) */
    uint64_t num[GC_ROUNDS]; /* document number of round r's add, UINT64_MAX if none */
};

static void gc_text(char *out, size_t cap, int t, int r)
{
    /* 4 topics of 40 words; each text drops one word: near copies within a topic */
    const int topic = (t + r) % 4, drop = (t * 7 + r * 3) % 40;
    size_t n = 0;
    for (int k = 0; k < 40 && n + 16 < cap; k++)
        if (k != drop) n += (size_t)snprintf(out + n, cap - n, "g%dw%d ", topic, k);
}

/* ---- asynchronous adds (rp_index_commit_async): each caller waits for its own answer ---- */
struct async_wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int calls;
    rp_status st;
    rp_index_result *res;
    rp_index_error kind;
    char msg[512];
    rp_index_batch *free_b; /* freed by the callback when set (a batch needs its index) */
};

static void async_done(void *user, rp_status st, rp_index_result *res, rp_index_error kind,
                       const char *msg)
{
    struct async_wait *w = user;
    pthread_mutex_lock(&w->mu);
    w->calls++;
    w->st = st;
    w->res = res;
    w->kind = kind;
    snprintf(w->msg, sizeof w->msg, "%s", msg ? msg : "(null)");
    rp_index_batch_free(w->free_b);
    w->free_b = NULL;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* try_add through the writer thread: the answer, its error kind and message are the
 * callback's (*kind, msg). */
static rp_status try_add_async(rp_index *ix, char *const *json, size_t n, rp_index_result **res,
                               rp_index_error *kind, char *msg, size_t msg_cap)
{
    *res = NULL;
    rp_index_batch *b;
    rp_status st = rp_index_batch_create(&b, ix, NULL);
    if (st != RP_OK) return st;
    for (size_t i = 0; i < n && st == RP_OK; i++)
        st = rp_index_batch_add_json(b, json[i], strlen(json[i]), i + 1);
    struct async_wait w = {.calls = 0};
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    if (st == RP_OK) st = rp_index_commit_async(ix, b, async_done, &w);
    if (st == RP_OK) {
        pthread_mutex_lock(&w.mu);
        while (!w.calls)
            pthread_cond_wait(&w.cv, &w.mu);
        pthread_mutex_unlock(&w.mu);
        st = w.st;
        *res = w.res;
        *kind = w.kind;
        snprintf(msg, msg_cap, "%s", w.msg);
    }
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    rp_index_batch_free(b);
    return st;
}

static void *gc_worker(void *p)
{
    struct gc_arg *a = p;
    char text[1024], json[1400], id[32];
    char *jp[1] = {json};
    for (int r = 0; r < GC_ROUNDS; r++) {
        a->num[r] = UINT64_MAX;
        rp_index_result *res;
        const int kind = r % 3; /* 0 add, 1 query, 2 refused (a stored id, new content) */
        snprintf(id, sizeof id, kind == 2 ? "base" : "t%d-r%d", a->t, r);
        gc_text(text, sizeof text, a->t, r);
        json_doc(json, sizeof json, id, text);
        /* odd threads add through the writer thread (rp_index_commit_async), even ones lead
         * groups themselves: both queue into the same groups */
        const int async = (a->t & 1) && kind != 1;
        rp_index_error ekind = RP_INDEX_E_NONE;
        char emsg[512] = "";
        const rp_status st = async ? try_add_async(a->ix, jp, 1, &res, &ekind, emsg, sizeof emsg)
                                   : try_add(a->ix, jp, 1, kind == 1, &res);
        if (!async) {
            ekind = rp_index_errkind(a->ix);
            snprintf(emsg, sizeof emsg, "%s", rp_index_errmsg(a->ix));
        }
        if (kind == 2) {
            if (st != RP_E_INVALID || ekind != RP_INDEX_E_DUPLICATE || !strstr(emsg, "'base'") ||
                res)
                a->failed = 1;
            continue;
        }
        if (st != RP_OK || res->n_docs != 1 || strcmp(res->docs[0].id, id) != 0 || emsg[0]) {
            a->failed = 1;
        } else if (kind == 0) {
            a->num[r] = res->doc_numbers[0];
            if (a->num[r] == UINT64_MAX) a->failed = 1;
        } else if (res->doc_numbers[0] != UINT64_MAX) {
            a->failed = 1; /* a query stores nothing */
        }
        rp_index_result_free(res);
    }
    return NULL;
}

/* ---- durability witness ----------------------------------------------------------------
 * This executable's pwrite and fdatasync come before libc's for liblmdb (symbol interposition:
 * the linker exports them because liblmdb refers to them), so the test sees every meta page
 * LMDB writes to data.mdb (120 bytes in its first two pages) and every sync of it. An add is
 * durable once a sync that began after its commit's meta page was written has returned: an
 * answer is checked against w_synced, the meta writes counted when the last completed sync
 * began. While w_slow is set a sync takes 3 ms more, so an answer that does not wait for it
 * would come first. */
static atomic_ulong w_meta, w_synced;
static atomic_int w_slow;

static int is_data_mdb(int fd)
{
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    const ssize_t n = readlink(link, path, sizeof path - 1);
    return n > 9 && !memcmp(path + n - 9, "/data.mdb", 9);
}

ssize_t pwrite(int fd, const void *buf, size_t size, off_t off);
ssize_t pwrite(int fd, const void *buf, size_t size, off_t off)
{
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (!real) real = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
    const ssize_t r = real(fd, buf, size, off);
    if (r > 0 && size <= 256 && off < 8192 && is_data_mdb(fd)) atomic_fetch_add(&w_meta, 1);
    return r;
}

int fdatasync(int fd);
int fdatasync(int fd)
{
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    const unsigned long m = atomic_load(&w_meta);
    const int data = is_data_mdb(fd);
    if (data && atomic_load(&w_slow)) usleep(3000);
    const int r = real(fd);
    unsigned long s = atomic_load(&w_synced);
    while (!r && data && s < m && !atomic_compare_exchange_weak(&w_synced, &s, m))
        ;
    return r;
}

struct witness {
    atomic_int calls, early;     /* answers, and answers before their commit was durable */
    unsigned long meta_at_queue; /* w_meta when the batch was queued: its commit comes later */
};

static void witness_done(void *user, rp_status st, rp_index_result *res, rp_index_error kind,
                         const char *msg)
{
    (void)kind, (void)msg;
    struct witness *w = user;
    /* its commit wrote meta page number > meta_at_queue; that one must be synced */
    if (st != RP_OK || atomic_load(&w_synced) <= w->meta_at_queue) atomic_fetch_add(&w->early, 1);
    rp_index_result_free(res);
    atomic_fetch_add(&w->calls, 1);
}

/* No add is answered before the commit holding it is durable: the meta page of a group commit
 * is written unsynced (MDB_NOMETASYNC) and synced by the sync thread or the leader before the
 * answers (index_write.c, run_group). Asynchronous adds one at a time and 40 at once,
 * synchronous adds and a removal, each checked when answered. */
static void test_ack_after_sync(void **state)
{
    (void)state;
    rp_index *ix = create_with(RP_LEVEL_NEAR, NULL);
    atomic_store(&w_slow, 1);
    enum { N_ONE = 10, N_MANY = 40 };
    static struct witness w[N_ONE + N_MANY];
    static rp_index_batch *bs[N_ONE + N_MANY];
    char text[1024], json[1400], id[32];
    for (int i = 0; i < N_ONE + N_MANY; i++) {
        snprintf(id, sizeof id, "w-%d", i);
        gc_text(text, sizeof text, i % 5, i);
        json_doc(json, sizeof json, id, text);
        assert_int_equal(rp_index_batch_create(&bs[i], ix, NULL), RP_OK);
        assert_int_equal(rp_index_batch_add_json(bs[i], json, strlen(json), 1), RP_OK);
        atomic_store(&w[i].calls, 0);
        atomic_store(&w[i].early, 0);
    }
    const unsigned long meta0 = atomic_load(&w_meta);
    for (int i = 0; i < N_ONE + N_MANY; i++) { /* the first N_ONE one at a time */
        w[i].meta_at_queue = atomic_load(&w_meta);
        assert_int_equal(rp_index_commit_async(ix, bs[i], witness_done, &w[i]), RP_OK);
        while (i < N_ONE && !atomic_load(&w[i].calls))
            usleep(200);
    }
    for (int i = N_ONE; i < N_ONE + N_MANY; i++)
        while (!atomic_load(&w[i].calls))
            usleep(200);
    for (int i = 0; i < N_ONE + N_MANY; i++) {
        assert_int_equal(atomic_load(&w[i].calls), 1);
        assert_int_equal(atomic_load(&w[i].early), 0);
        rp_index_batch_free(bs[i]);
    }
    assert_true(atomic_load(&w_meta) > meta0 + N_ONE); /* the witness saw the commits */
    rp_index_result *res;
    for (int i = 0; i < 3; i++) { /* synchronous adds lead their group */
        snprintf(id, sizeof id, "s-%d", i);
        gc_text(text, sizeof text, 7, i);
        const unsigned long m = atomic_load(&w_meta);
        put(ix, id, text, 0, &res);
        rp_index_result_free(res);
        assert_true(atomic_load(&w_synced) > m);
        assert_int_equal(atomic_load(&w_synced), atomic_load(&w_meta));
    }
    uint64_t n = 0;
    const unsigned long m = atomic_load(&w_meta);
    assert_int_equal(rp_index_remove_id(ix, "w-3", &n), RP_OK);
    assert_int_equal(n, 1);
    assert_true(atomic_load(&w_synced) > m);
    atomic_store(&w_slow, 0);
    rp_index_close(ix);
}

static void test_group_commit(void **state)
{
    (void)state;
    rp_index *ix = create_with(RP_LEVEL_NEAR, NULL);
    rp_index_result *res;
    put(ix, "base", "the base document every refused batch collides with", 0, &res);
    rp_index_result_free(res);
    static struct gc_arg a[GC_THREADS];
    pthread_t th[GC_THREADS];
    for (int t = 0; t < GC_THREADS; t++) {
        a[t] = (struct gc_arg){.ix = ix, .t = t};
        assert_int_equal(pthread_create(&th[t], NULL, gc_worker, &a[t]), 0);
    }
    size_t n_acked = 0;
    for (int t = 0; t < GC_THREADS; t++) {
        pthread_join(th[t], NULL);
        assert_false(a[t].failed);
        for (int r = 0; r < GC_ROUNDS; r++)
            n_acked += a[t].num[r] != UINT64_MAX;
    }
    assert_int_equal(n_acked, GC_THREADS * ((GC_ROUNDS + 2) / 3));
    rp_index_close(ix);
    /* reopen: every acknowledged document, with its number; the same clusters as serial adds
     * in document-number order into a second index */
    rp_index_error err;
    char msg[256], dir1[256], text[1024], json[1400], id[32];
    char *jp[1] = {json};
    assert_int_equal(rp_index_open(&ix, g_dir, NULL, &err, msg, sizeof msg), RP_OK);
    rp_index_stats s;
    stats(ix, &s);
    assert_int_equal(s.n_docs, n_acked + 1);
    snprintf(dir1, sizeof dir1, "%s", g_dir);
    g_dir[0] = '\0'; /* keep the first directory: create_with makes another */
    rp_index *serial = create_with(RP_LEVEL_NEAR, NULL);
    put(serial, "base", "the base document every refused batch collides with", 0, &res);
    rp_index_result_free(res);
    for (uint64_t num = 1; num <= n_acked; num++) {
        int t = 0, r = 0, hit = 0;
        for (t = 0; t < GC_THREADS && !hit; t++)
            for (r = 0; r < GC_ROUNDS && !hit; r++)
                hit = a[t].num[r] == num;
        assert_true(hit);
        t--, r--;
        snprintf(id, sizeof id, "t%d-r%d", t, r);
        gc_text(text, sizeof text, t, r);
        json_doc(json, sizeof json, id, text);
        assert_int_equal(try_add(serial, jp, 1, 0, &res), RP_OK);
        assert_int_equal(res->doc_numbers[0], num);
        rp_index_result_free(res);
    }
    for (uint64_t num = 0; num <= n_acked; num++) {
        rp_index_result *ra, *rb;
        for (int t = 0; t < GC_THREADS; t++)
            for (int r = 0; r < GC_ROUNDS; r++)
                if (a[t].num[r] == num) snprintf(id, sizeof id, "t%d-r%d", t, r);
        if (num == 0) snprintf(id, sizeof id, "base");
        assert_int_equal(rp_index_doc(ix, id, &ra), RP_OK);
        assert_int_equal(rp_index_doc(serial, id, &rb), RP_OK);
        assert_int_equal(ra->doc_numbers[0], num);
        assert_string_equal(ra->docs[0].cluster, rb->docs[0].cluster);
        assert_int_equal(ra->docs[0].relation, rb->docs[0].relation);
        rp_index_result_free(ra);
        rp_index_result_free(rb);
    }
    rp_index_close(serial);
    rp_index_close(ix);
    remove_dir(); /* the serial index's; then the group's */
    snprintf(g_dir, sizeof g_dir, "%s", dir1);
}

/* Asynchronous adds queued without waiting, then rp_index_close at once: close runs every
 * queued add and each callback is called exactly once before it returns, with its own result
 * (a refused duplicate among them); the reopened index holds exactly the acknowledged ones. */
#define AS_N 40
static void test_commit_async_close(void **state)
{
    (void)state;
    rp_index *ix = create_with(RP_LEVEL_NEAR, NULL);
    rp_index_result *res;
    put(ix, "base", "the base document the refused add collides with", 0, &res);
    rp_index_result_free(res);
    static struct async_wait w[AS_N];
    rp_index_batch *b;
    char text[1024], json[1400], id[32];
    for (int i = 0; i < AS_N; i++) {
        w[i] = (struct async_wait){.calls = 0};
        pthread_mutex_init(&w[i].mu, NULL);
        pthread_cond_init(&w[i].cv, NULL);
        snprintf(id, sizeof id, i == 7 ? "base" : "as-%d", i);
        gc_text(text, sizeof text, i % 5, i);
        json_doc(json, sizeof json, id, text);
        assert_int_equal(rp_index_batch_create(&b, ix, NULL), RP_OK);
        assert_int_equal(rp_index_batch_add_json(b, json, strlen(json), 1), RP_OK);
        w[i].free_b = b;
        assert_int_equal(rp_index_commit_async(ix, b, async_done, &w[i]), RP_OK);
    }
    rp_index_close(ix);
    for (int i = 0; i < AS_N; i++) {
        assert_int_equal(w[i].calls, 1);
        if (i == 7) {
            assert_int_equal(w[i].st, RP_E_INVALID);
            assert_int_equal(w[i].kind, RP_INDEX_E_DUPLICATE);
            assert_non_null(strstr(w[i].msg, "'base'"));
            assert_null(w[i].res);
        } else {
            assert_int_equal(w[i].st, RP_OK);
            assert_int_equal(w[i].kind, RP_INDEX_E_NONE);
            assert_string_equal(w[i].msg, "");
            assert_int_equal(w[i].res->n_docs, 1);
            snprintf(id, sizeof id, "as-%d", i);
            assert_string_equal(w[i].res->docs[0].id, id);
            rp_index_result_free(w[i].res);
        }
        assert_null(w[i].free_b);
        pthread_cond_destroy(&w[i].cv);
        pthread_mutex_destroy(&w[i].mu);
    }
    rp_index_error err;
    char msg[256];
    assert_int_equal(rp_index_open(&ix, g_dir, NULL, &err, msg, sizeof msg), RP_OK);
    rp_index_stats s;
    stats(ix, &s);
    assert_int_equal(s.n_docs, AS_N); /* base and the 39 acknowledged */
    rp_index_close(ix);
    /* read-only: refused at once, the callback never called */
    rp_index_options o;
    rp_index_options_default(&o);
    o.read_only = 1;
    assert_int_equal(rp_index_open(&ix, g_dir, &o, &err, msg, sizeof msg), RP_OK);
    rp_index_batch *rb;
    json_doc(json, sizeof json, "ro", "a document for a read-only index");
    assert_int_equal(rp_index_batch_create(&rb, ix, NULL), RP_OK);
    assert_int_equal(rp_index_batch_add_json(rb, json, strlen(json), 1), RP_OK);
    w[0] = (struct async_wait){.calls = 0};
    assert_int_equal(rp_index_commit_async(ix, rb, async_done, &w[0]), RP_E_INVALID);
    rp_index_batch_free(rb);
    rp_index_close(ix);
    assert_int_equal(w[0].calls, 0);
}

/* ---- queries in read transactions ----------------------------------------------------------
 * rp_index_commit answers a query in a read transaction under a private overlay; the answer
 * must be the dry-run commit's (the add path in the write transaction, aborted). Both are asked
 * before every add, at each level and keep order: single documents and batches of three (near
 * copies of each other, exact copies of stored and of batch documents, the same document
 * again, an id taken by another content). */
RPI_FUNC rp_status rpi_ix_commit_queued(rp_index *ix, rp_index_batch *b, int dry_run,
                                        rp_index_result **res);

static rp_status qr_commit(rp_index *ix, char *const *json, size_t n, int how,
                           rp_index_result **res, char *msg, size_t cap)
{
    *res = NULL;
    rp_index_batch *b;
    rp_status st = rp_index_batch_create(&b, ix, NULL);
    for (size_t i = 0; i < n && st == RP_OK; i++)
        st = rp_index_batch_add_json(b, json[i], strlen(json[i]), i + 1);
    if (st == RP_OK)
        st = how == 2 ? rpi_ix_commit_queued(ix, b, 1, res) : rp_index_commit(ix, b, how, res);
    snprintf(msg, cap, "%s", st == RP_OK ? "" : rp_index_errmsg(ix));
    rp_index_batch_free(b);
    return st;
}

static void same_str(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

static void query_read_level(rp_level level, rp_keep keep)
{
    fresh_dir();
    rp_config c;
    rp_config_default(&c);
    c.level = level;
    c.keep = keep;
    rp_index_error err;
    assert_int_equal(rp_index_create(g_dir, &c, NULL, &err), RP_OK);
    rp_index *ix;
    char msg[256], m1[512], m2[512];
    assert_int_equal(rp_index_open(&ix, g_dir, NULL, &err, msg, sizeof msg), RP_OK);
    const struct story S[3] = {{1, 0, {"Alma Pereira", "Dunmore", "Kestrel"}, {12, 480}},
                               {2, 10, {"Bo Lindqvist", "Carrow", "Osprey"}, {7, 92}},
                               {3, 5, {"Ines Okafor", "Velden", "Harrier"}, {3, 61}}};
    static char text[16384];
    size_t n_checked = 0, n_errors = 0, n_existing = 0;
    for (unsigned step = 0; step < 36; step++) {
        const size_t n = step % 3 == 2 ? 3 : 1;
        for (size_t i = 0; i < n && step != 25; i++) { /* 25: step 24's document again */
            const unsigned k = step * 3 + (unsigned)i;
            /* seeds repeat: exact copies; uniq words vary: near copies and rewrites */
            const uint64_t seed = 1 + k % 7;
            char uniq[32], id[48];
            snprintf(uniq, sizeof uniq, "extra%u", k % 5);
            page(text, sizeof text, &S[k % 3], seed, k % 4 ? uniq : NULL);
            snprintf(id, sizeof id, "d%u", k);
            if (step == 20 && i == 1) snprintf(id, sizeof id, "d57"); /* stored, other text */
            if (step == 29 && i == 2) snprintf(id, sizeof id, "d%u", k - 1); /* twice in one */
            json_doc(g_json[i], sizeof g_json[i], id, text);
        }
        rp_index_result *ra, *rb;
        const rp_status sa = qr_commit(ix, g_jp, n, 1, &ra, m1, sizeof m1);
        const rp_status sb = qr_commit(ix, g_jp, n, 2, &rb, m2, sizeof m2);
        assert_int_equal(sa, sb);
        assert_string_equal(m1, m2);
        if (sa != RP_OK) {
            n_errors++;
            continue;
        }
        assert_int_equal(ra->n_docs, rb->n_docs);
        assert_int_equal(ra->n_existing, rb->n_existing);
        n_existing += ra->n_existing;
        for (size_t i = 0; i < ra->n_docs; i++) {
            const rp_doc_result *x = &ra->docs[i], *y = &rb->docs[i];
            same_str(x->id, y->id);
            same_str(x->cluster, y->cluster);
            same_str(x->of, y->of);
            assert_int_equal(x->relation, y->relation);
            assert_true(x->score == y->score);
            assert_int_equal(x->kept, y->kept);
            assert_int_equal(x->of_doc, y->of_doc);
            assert_int_equal(x->cluster_doc, y->cluster_doc);
            assert_int_equal(x->n_tokens, y->n_tokens);
            assert_int_equal(ra->doc_numbers[i], rb->doc_numbers[i]);
            n_checked++;
        }
        rp_index_result_free(ra);
        rp_index_result_free(rb);
        assert_int_equal(qr_commit(ix, g_jp, n, 0, &ra, m1, sizeof m1), RP_OK);
        rp_index_result_free(ra);
    }
    assert_int_equal(n_checked, 24 + 12 * 3 - 2 * 3); /* steps 20 and 29 refused */
    assert_int_equal(n_errors, 2);
    assert_int_equal(n_existing, 1);
    rp_index_stats s;
    stats(ix, &s);
    assert_int_equal(s.n_docs, n_checked - n_existing);
    rp_index_close(ix);
}

static void test_query_read(void **state)
{
    (void)state;
    query_read_level(RP_LEVEL_NEAR, RP_KEEP_LONGEST);
    query_read_level(RP_LEVEL_NEAR, RP_KEEP_EARLIEST);
    query_read_level(RP_LEVEL_EXACT, RP_KEEP_FIRST);
    query_read_level(RP_LEVEL_STORY, RP_KEEP_LONGEST);
}

/* ---- pending term frequencies ----------------------------------------------------------------
 * At the near level the term frequencies of new contents are pending until 1,024 units wait
 * (folded by a group commit) or the index closes. `terms` must be the same number either way:
 * checked against the index closed and reopened (everything counted) after adds, after removals
 * of counted and of pending contents, past a fold, and 0 once every document is removed (a
 * frequency counted twice would keep its term). */
static void tp_add(rp_index *ix, unsigned from, unsigned to)
{
    static char text[1024];
    for (unsigned k = from; k < to;) {
        size_t n = 0;
        for (; n < 8 && k < to; n++, k++) { /* batches of 8: about 190 commits */
            g_rng = 977 + k;
            size_t m = 0;
            for (int w = 0; w < 30; w++)
                m += (size_t)snprintf(text + m, sizeof text - m, "v%u ", rnd(20000));
            char id[32];
            snprintf(id, sizeof id, "p%u", k);
            json_doc(g_json[n], sizeof g_json[n], id, text);
        }
        rp_index_result *res;
        assert_int_equal(try_add(ix, g_jp, n, 0, &res), RP_OK);
        rp_index_result_free(res);
    }
}

static void tp_remove(rp_index *ix, unsigned from, unsigned to)
{
    for (unsigned k = from; k < to; k++) {
        char id[32];
        uint64_t n = 0;
        snprintf(id, sizeof id, "p%u", k);
        assert_int_equal(rp_index_remove_id(ix, id, &n), RP_OK);
        assert_int_equal(n, 1);
    }
}

/* n_terms now, then after close and reopen (counted in): equal */
static uint64_t tp_check(rp_index **ix)
{
    rp_index_stats a, b;
    stats(*ix, &a);
    rp_index_close(*ix);
    rp_index_error err;
    char msg[256];
    assert_int_equal(rp_index_open(ix, g_dir, NULL, &err, msg, sizeof msg), RP_OK);
    stats(*ix, &b);
    assert_int_equal(a.n_terms, b.n_terms);
    assert_int_equal(a.n_docs, b.n_docs);
    return a.n_terms;
}

static void test_terms_pending(void **state)
{
    (void)state;
    rp_index *ix = create_with(RP_LEVEL_NEAR, NULL);
    tp_add(ix, 0, 120);
    const uint64_t t1 = tp_check(&ix);
    assert_true(t1 > 2000); /* 30 words of 20,000 per document */
    tp_add(ix, 120, 160);
    tp_remove(ix, 0, 5);     /* counted */
    tp_remove(ix, 150, 160); /* pending */
    const uint64_t t2 = tp_check(&ix);
    assert_true(t2 > t1);
    tp_remove(ix, 5, 150);
    assert_int_equal(tp_check(&ix), 0);
    tp_add(ix, 160, 1300); /* a fold at 1,024 pending units, then pending again */
    assert_true(tp_check(&ix) > t2);
    rp_index_close(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_struct_sizes),
        cmocka_unit_test(test_story_statistics_and_clusters),
        cmocka_unit_test(test_near_level_has_no_story_tables),
        cmocka_unit_test(test_allocator_story),
        cmocka_unit_test(test_allocator_near),
        cmocka_unit_test(test_alloc_failure_story),
        cmocka_unit_test(test_alloc_failure_near),
        cmocka_unit_test(test_unique_ids),
        cmocka_unit_test(test_group_commit),
        cmocka_unit_test(test_commit_async_close),
        cmocka_unit_test(test_ack_after_sync),
        cmocka_unit_test(test_query_read),
        cmocka_unit_test(test_terms_pending),
    };
    const int failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (g_dir[0]) remove_dir();
    return failed;
}
