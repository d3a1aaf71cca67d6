/* SPDX-License-Identifier: MIT */
/* test_engine.c -- the rp_engine API end to end on generated JSON Lines: relations, exact
 * groups, determinism across thread counts, pairs, and allocation failure at every k. */
#include <setjmp.h> /* cmocka */
#include <stdarg.h> /* cmocka */
#include <stddef.h> /* cmocka */
#include <stdint.h> /* uint64_t */
#include <stdio.h>  /* fopen */
#include <stdlib.h> /* mkdtemp */
#include <string.h> /* strcmp */
#include <unistd.h> /* unlink */
#include <cmocka.h>
#include "reprint/reprint.h"
#include "common/common_internal.h" /* rpi_fault_malloc_arm */

static char g_path[256];

static const char *word(unsigned i)
{
    static char buf[8][16];
    static unsigned slot;
    char *b = buf[slot++ & 7];
    snprintf(b, 16, "w%u", i * 7919u % 100003u);
    return b;
}

/* docs: a (200 words), a_copy (identical but punctuation/case), a_near (a with 5 words
 * changed), b (unrelated), empty, c, c_near */
static void write_corpus(void)
{
    char dir[] = "/tmp/rp-test-engine-XXXXXX";
    assert_non_null(mkdtemp(dir));
    snprintf(g_path, sizeof g_path, "%s/c.jsonl", dir);
    FILE *f = fopen(g_path, "w");
    assert_non_null(f);
    const char *ids[] = {"a", "a_copy", "a_near", "b", "empty", "c", "c_near"};
    for (int d = 0; d < 7; d++) {
        fprintf(f, "{\"id\":\"%s\",\"text\":\"", ids[d]);
        if (d == 4) {
            fputs("  ...  ", f);
        } else {
            const unsigned base = d == 3 ? 1000 : d >= 5 ? 2000 : 0;
            for (unsigned i = 0; i < 200; i++) {
                unsigned w = base + i;
                if ((d == 2 || d == 6) && i % 40 == 7) w += 50000; /* 5 changed words */
                fprintf(f, "%s%s", i ? (d == 1 && i % 10 == 0 ? ", " : " ") : "",
                        d == 1 && i == 0 ? "W" : word(w));
                if (d == 1 && i == 0) fputs(word(w) + 1, f);
            }
        }
        fputs("\"}\n", f);
    }
    fclose(f);
}

static rp_status run(rp_engine **out, unsigned threads, rp_level level)
{
    rp_config c;
    rp_config_default(&c);
    c.threads = threads;
    c.level = level;
    rp_engine *e = NULL;
    rp_status st = rp_engine_create(&e, &c, NULL);
    if (st != RP_OK) return st;
    st = rp_engine_add_input(e, g_path);
    if (st == RP_OK) st = rp_engine_run(e);
    if (st != RP_OK) {
        rp_engine_free(e);
        return st;
    }
    *out = e;
    return RP_OK;
}

static rp_doc_result doc(const rp_engine *e, size_t i)
{
    rp_doc_result r;
    assert_int_equal(rp_engine_doc(e, i, &r), RP_OK);
    return r;
}

/* Ids are made unique after reading (docs/reliability.md, "Ids"): the first holder keeps an
 * id, a later one becomes SOURCE:ID, then SOURCE:ID#N (N: its document number from 1) when a
 * later document already holds SOURCE:ID; an id with a NUL byte is a bad_json skip under
 * "path:line". The same for 1 and 4 threads and at every level. */
static void test_unique_ids(void **state)
{
    (void)state;
    char dir[] = "/tmp/rp-test-ids-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char f1[300], f2[300];
    snprintf(f1, sizeof f1, "%s/f1.jsonl", dir);
    snprintf(f2, sizeof f2, "%s/f2.jsonl", dir);
    FILE *f = fopen(f1, "w");
    assert_non_null(f);
    fprintf(f, "{\"id\":\"x\",\"text\":\"alpha beta gamma delta epsilon zeta\"}\n"
               "{\"id\":\"x\",\"text\":\"one two three four five six seven\"}\n"
               "{\"text\":\"red green blue yellow black white\"}\n"
               "{\"id\":\"%s:x\",\"text\":\"north south east west up down\"}\n",
            f1);
    fclose(f);
    f = fopen(f2, "w");
    assert_non_null(f);
    fputs("{\"id\":\"x\",\"text\":\"alpha beta gamma delta epsilon zeta\"}\n"
          "{\"id\":\"a\\u0000b\",\"text\":\"cats dogs birds fish mice\"}\n",
          f);
    fclose(f);
    char want[6][320];
    snprintf(want[0], sizeof want[0], "x");
    snprintf(want[1], sizeof want[1], "%s:x#2", f1);
    snprintf(want[2], sizeof want[2], "%s:3", f1);
    snprintf(want[3], sizeof want[3], "%s:x", f1);
    snprintf(want[4], sizeof want[4], "%s:x", f2);
    snprintf(want[5], sizeof want[5], "%s:2", f2);
    for (int level = RP_LEVEL_EXACT; level <= RP_LEVEL_STORY; level++) {
        for (unsigned threads = 1; threads <= 4; threads += 3) {
            rp_config c;
            rp_config_default(&c);
            c.threads = threads;
            c.level = (rp_level)level;
            rp_engine *e = NULL;
            assert_int_equal(rp_engine_create(&e, &c, NULL), RP_OK);
            assert_int_equal(rp_engine_add_input(e, f1), RP_OK);
            assert_int_equal(rp_engine_add_input(e, f2), RP_OK);
            assert_int_equal(rp_engine_run(e), RP_OK);
            assert_int_equal(rp_engine_n_docs(e), 6);
            for (size_t i = 0; i < 6; i++) assert_string_equal(doc(e, i).id, want[i]);
            assert_int_equal(doc(e, 5).skip, RP_SKIP_BAD_JSON);
            assert_non_null(strstr(doc(e, 5).detail, "NUL"));
            /* the two copies of "x" are one cluster, each named by its own id */
            const rp_doc_result r0 = doc(e, 0), r4 = doc(e, 4);
            assert_string_equal(r0.cluster, r4.cluster);
            assert_true(r0.of_doc == 4 || r4.of_doc == 0);
            assert_string_equal(r0.of_doc == 4 ? r0.of : r4.of, r0.of_doc == 4 ? want[4] : "x");
            rp_summary sum;
            rp_engine_summary(e, &sum);
            assert_int_equal(sum.n_renamed_ids, 2);
            assert_non_null(sum.renamed_id_first);
            assert_non_null(strstr(sum.renamed_id_first, "#2"));
            assert_int_equal(sum.skipped_by[RP_SKIP_BAD_JSON], 1);
            rp_engine_free(e);
        }
    }
    unlink(f1);
    unlink(f2);
    rmdir(dir);
}

static void test_relations(void **state)
{
    (void)state;
    rp_engine *e;
    assert_int_equal(run(&e, 2, RP_LEVEL_NEAR), RP_OK);
    assert_int_equal(rp_engine_n_docs(e), 7);
    rp_doc_result a = doc(e, 0), ac = doc(e, 1), an = doc(e, 2), b = doc(e, 3), em = doc(e, 4);
    rp_doc_result c = doc(e, 5), cn = doc(e, 6);
    /* a and a_copy are one exact group; a_near joins their cluster */
    assert_string_equal(a.cluster, ac.cluster);
    assert_string_equal(a.cluster, an.cluster);
    /* one representative, one exact copy, one near duplicate (which one represents the
     * cluster is decided by the keep order: equal degrees) */
    const rp_doc_result *tri[3] = {&a, &ac, &an};
    int n_orig = 0, n_ex = 0, n_nr = 0;
    for (int i = 0; i < 3; i++) {
        n_orig += tri[i]->relation == RP_REL_ORIGINAL;
        n_ex += tri[i]->relation == RP_REL_EXACT;
        n_nr += tri[i]->relation == RP_REL_NEAR;
        if (tri[i]->relation == RP_REL_NEAR)
            assert_true(tri[i]->score >= 0.5 && tri[i]->score < 1.0);
        if (tri[i]->relation == RP_REL_ORIGINAL) assert_string_equal(tri[i]->id, a.cluster);
    }
    assert_int_equal(n_orig, 1);
    assert_int_equal(n_ex, 1);
    assert_int_equal(n_nr, 1);
    assert_true(a.relation == RP_REL_EXACT || ac.relation == RP_REL_EXACT);
    assert_int_equal(b.relation, RP_REL_UNIQUE);
    assert_string_equal(b.cluster, "b");
    assert_int_equal(em.relation, RP_REL_UNIQUE);
    assert_string_equal(c.cluster, cn.cluster);
    assert_string_not_equal(c.cluster, a.cluster);
    rp_summary s;
    rp_engine_summary(e, &s);
    assert_int_equal(s.n_docs, 7);
    assert_int_equal(s.n_empty, 1);
    assert_int_equal(s.n_clusters, 2);
    assert_int_equal(s.n_exact, 1);
    assert_int_equal(s.n_near, 2);
    assert_int_equal(s.bands * s.rows <= 128, 1);
    /* pairs: one exact, and near pairs a~a_near, c~c_near, all within their clusters */
    size_t n_exact = 0, n_near = 0;
    for (size_t k = 0; k < rp_engine_n_pairs(e); k++) {
        rp_pair p;
        assert_int_equal(rp_engine_pair(e, k, &p), RP_OK);
        assert_true(p.a < p.b);
        assert_true(p.same_cluster);
        if (p.relation == RP_REL_EXACT)
            n_exact++;
        else
            n_near++;
    }
    assert_int_equal(n_exact, 1);
    assert_int_equal(n_near, 2);
    rp_engine_free(e);
}

static void test_exact_level_and_threads(void **state)
{
    (void)state;
    rp_engine *e1, *e4, *ex;
    assert_int_equal(run(&e1, 1, RP_LEVEL_NEAR), RP_OK);
    assert_int_equal(run(&e4, 4, RP_LEVEL_NEAR), RP_OK);
    assert_int_equal(run(&ex, 2, RP_LEVEL_EXACT), RP_OK);
    for (size_t i = 0; i < 7; i++) {
        rp_doc_result a = doc(e1, i), b = doc(e4, i), x = doc(ex, i);
        assert_string_equal(a.cluster, b.cluster);
        assert_int_equal(a.relation, b.relation);
        assert_true(x.relation != RP_REL_NEAR);
    }
    assert_true(doc(ex, 2).relation != RP_REL_EXACT); /* a_near is not an exact copy */
    assert_string_not_equal(doc(ex, 2).cluster, doc(ex, 0).cluster);
    rp_engine_free(e1);
    rp_engine_free(e4);
    rp_engine_free(ex);
}

static void test_bad_config(void **state)
{
    (void)state;
    rp_config c;
    rp_config_default(&c);
    rp_engine *e = NULL;
    c.threshold = -0.1;
    assert_int_equal(rp_engine_create(&e, &c, NULL), RP_E_INVALID);
    rp_config_default(&c);
    c.threshold = 1.5;
    assert_int_equal(rp_engine_create(&e, &c, NULL), RP_E_INVALID);
    rp_config_default(&c);
    c.bands = 100;
    c.rows = 2;
    assert_int_equal(rp_engine_create(&e, &c, NULL), RP_E_INVALID);
    rp_config_default(&c);
    c.level = (rp_level)7;
    assert_int_equal(rp_engine_create(&e, &c, NULL), RP_E_INVALID);
    rp_config_default(&c);
    c.min_passage = 1;
    assert_int_equal(rp_engine_create(&e, &c, NULL), RP_E_INVALID);
    rp_config_default(&c);
    c.window_days = -1;
    assert_int_equal(rp_engine_create(&e, &c, NULL), RP_E_INVALID);
    assert_null(e);
    rp_engine_free(NULL);
}

/* Fail the k-th allocation for every k: the run fails cleanly with RP_E_NOMEM (no crash, and
 * no leak under ASan) or succeeds with the same results. */
/* Structs that grow: a caller built against an older, shorter rp_config, rp_doc_result or
 * rp_summary gets the defaults for the fields it does not know and never has bytes written
 * past the end of its own struct. */
static void test_struct_sizes(void **state)
{
    (void)state;
    rp_config c;
    rp_config_default(&c);
    c.threads = 1;
    c.level = RP_LEVEL_NEAR;
    /* an "older" config that ends before min_passage: garbage after it must be ignored */
    const size_t old = offsetof(rp_config, min_passage);
    memset((char *)&c + old, 0xFF, sizeof c - old);
    rp_engine *e = NULL;
    assert_int_equal(rp_engine_create_sized(&e, &c, old, NULL), RP_OK);
    assert_int_equal(rp_engine_add_input(e, g_path), RP_OK);
    assert_int_equal(rp_engine_run(e), RP_OK);
    /* the same clusters as with the whole default config */
    rp_engine *ref;
    assert_int_equal(run(&ref, 1, RP_LEVEL_NEAR), RP_OK);
    assert_int_equal(rp_engine_n_docs(e), rp_engine_n_docs(ref));
    for (size_t i = 0; i < rp_engine_n_docs(e); i++) {
        const rp_doc_result a = doc(e, i), b = doc(ref, i);
        assert_string_equal(a.cluster, b.cluster);
        assert_int_equal(a.relation, b.relation);
    }
    /* a shorter rp_doc_result: its prefix is filled, the bytes after it untouched */
    unsigned char buf[sizeof(rp_doc_result) + 16];
    const size_t short_doc = offsetof(rp_doc_result, title);
    memset(buf, 0xAB, sizeof buf);
    assert_int_equal(rp_engine_doc_sized(e, 0, (rp_doc_result *)buf, short_doc), RP_OK);
    for (size_t k = short_doc; k < sizeof buf; k++)
        assert_int_equal(buf[k], 0xAB);
    const rp_doc_result full = doc(e, 0);
    assert_memory_equal(buf, &full, offsetof(rp_doc_result, n_tokens));
    /* a shorter rp_summary likewise */
    unsigned char sb[sizeof(rp_summary) + 16];
    const size_t short_sum = offsetof(rp_summary, n_clusters);
    memset(sb, 0xCD, sizeof sb);
    rp_engine_summary_sized(e, (rp_summary *)sb, short_sum);
    for (size_t k = short_sum; k < sizeof sb; k++)
        assert_int_equal(sb[k], 0xCD);
    uint64_t n_docs;
    memcpy(&n_docs, sb + offsetof(rp_summary, n_docs), sizeof n_docs);
    assert_int_equal(n_docs, rp_engine_n_docs(e));
    /* a config too short to hold even the level is refused */
    rp_engine *bad = NULL;
    assert_int_equal(rp_engine_create_sized(&bad, &c, 2, NULL), RP_E_INVALID);
    assert_null(bad);
    rp_engine_free(e);
    rp_engine_free(ref);
}

static void test_alloc_failure(void **state)
{
    (void)state;
    rp_engine *ref;
    assert_int_equal(run(&ref, 1, RP_LEVEL_NEAR), RP_OK);
    int failures = 0, successes = 0;
    for (long k = 1; k < 2000; k++) {
        rpi_fault_malloc_arm(k);
        rp_engine *e = NULL;
        rp_status st = run(&e, 1, RP_LEVEL_NEAR);
        const long calls = rpi_fault_malloc_calls();
        rpi_fault_malloc_arm(0);
        if (st == RP_OK) {
            for (size_t i = 0; i < 7; i++)
                assert_string_equal(doc(e, i).cluster, doc(ref, i).cluster);
            rp_engine_free(e);
            successes++;
            if (calls < k) break; /* the k-th allocation never happened: all covered */
        } else {
            assert_int_equal(st, RP_E_NOMEM);
            failures++;
        }
    }
    assert_true(failures > 10);
    assert_true(successes >= 1);
    rp_engine_free(ref);
}

/* rp_engine_add_buffer reads a buffer as the file with the same bytes: the same documents,
 * relations, scores and skips, with the buffer's name as source; buffers and paths mix in the
 * order added; a text buffer is one document under its name. */
static void test_buffer_input(void **state)
{
    (void)state;
    FILE *f = fopen(g_path, "rb");
    assert_non_null(f);
    static char data[1 << 16];
    const size_t n = fread(data, 1, sizeof data, f);
    fclose(f);
    assert_true(n > 0 && n < sizeof data);
    rp_engine *ref = NULL, *e = NULL;
    assert_int_equal(run(&ref, 2, RP_LEVEL_NEAR), RP_OK);
    rp_config c;
    rp_config_default(&c);
    c.threads = 2;
    assert_int_equal(rp_engine_create(&e, &c, NULL), RP_OK);
    assert_int_equal(rp_engine_add_buffer(e, data, n, "mem.jsonl"), RP_OK);
    static const char bad[] = "{\"id\":\"x\",\"text\":\"fine\"}\n{not json\n";
    assert_int_equal(rp_engine_add_buffer(e, bad, sizeof bad - 1, "bad.jsonl"), RP_OK);
    static const char txt[] = "one plain text document";
    assert_int_equal(rp_engine_add_buffer(e, txt, sizeof txt - 1, "note.txt"), RP_OK);
    assert_int_equal(rp_engine_add_buffer(e, NULL, 0, "empty.jsonl"), RP_OK);
    assert_int_equal(rp_engine_add_buffer(e, NULL, 3, "x.jsonl"), RP_E_INVALID);
    assert_int_equal(rp_engine_run(e), RP_OK);
    const size_t nr = rp_engine_n_docs(ref);
    assert_int_equal(rp_engine_n_docs(e), nr + 3);
    for (size_t i = 0; i < nr; i++) {
        const rp_doc_result a = doc(ref, i), b = doc(e, i);
        assert_string_equal(a.id, b.id);
        assert_string_equal(a.cluster, b.cluster);
        assert_int_equal(a.relation, b.relation);
        assert_true(a.score == b.score);
        assert_int_equal(a.line, b.line);
        assert_string_equal(b.source, "mem.jsonl");
    }
    assert_string_equal(doc(e, nr).id, "x");
    const rp_doc_result s = doc(e, nr + 1);
    assert_int_equal(s.skip, RP_SKIP_BAD_JSON);
    assert_string_equal(s.id, "bad.jsonl:2");
    assert_non_null(s.detail);
    assert_non_null(strstr(s.detail, "bad.jsonl:2"));
    assert_string_equal(doc(e, nr + 2).id, "note.txt");
    assert_string_equal(doc(e, nr + 2).source, "note.txt");
    assert_int_equal(rp_engine_add_buffer(e, txt, 1, "late.txt"), RP_E_INVALID); /* after run */
    rp_engine_free(e);
    rp_engine_free(ref);
}

/* rp_engine_cancel before the run stops it at once with RP_E_CANCELLED and "cancelled"; a run
 * not cancelled says so. */
static void test_cancel(void **state)
{
    (void)state;
    rp_config c;
    rp_config_default(&c);
    rp_engine *e = NULL;
    assert_int_equal(rp_engine_create(&e, &c, NULL), RP_OK);
    assert_int_equal(rp_engine_add_input(e, g_path), RP_OK);
    assert_int_equal(rp_engine_cancelled(e), 0);
    rp_engine_cancel(e);
    assert_int_equal(rp_engine_cancelled(e), 1);
    assert_int_equal(rp_engine_run(e), RP_E_CANCELLED);
    assert_string_equal(rp_engine_errmsg(e), "cancelled");
    rp_engine_free(e);
    rp_engine *ok = NULL;
    assert_int_equal(run(&ok, 1, RP_LEVEL_STORY), RP_OK);
    assert_int_equal(rp_engine_cancelled(ok), 0);
    assert_string_equal(rp_engine_errmsg(ok), "");
    rp_engine_free(ok);
}

int main(void)
{
    write_corpus();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relations),
        cmocka_unit_test(test_unique_ids),
        cmocka_unit_test(test_exact_level_and_threads),
        cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_struct_sizes),
        cmocka_unit_test(test_alloc_failure),
        cmocka_unit_test(test_buffer_input),
        cmocka_unit_test(test_cancel),
    };
    int rc = cmocka_run_group_tests_name("engine", tests, NULL, NULL);
    unlink(g_path);
    return rc;
}
