/* SPDX-License-Identifier: MIT */
/* test_story_parity.c -- one scoring core for the two drivers of the story stage: the same
 * documents given to the batch engine and to the index (with the same statistics: every
 * document stored, boilerplate learning off, no window) get the same pair scores and
 * relations, and the same clusters (once the index places its documents again with the
 * statistics of the whole collection: at arrival it knew only the earlier ones). The texts are paraphrases written for this test (two
 * stories told three ways each, two unrelated notes): no passage of ten words is shared, so
 * the batch's passage cover is 0, as the index's always is. */
#include <setjmp.h> /* cmocka */
#include <stdarg.h> /* cmocka */
#include <stddef.h> /* cmocka */
#include <math.h>   /* fabs */
#include <stdint.h> /* uint64_t */
#include <stdio.h>  /* FILE, fprintf */
#include <stdlib.h> /* mkdtemp, mkstemp */
#include <string.h> /* strcmp */
#include <unistd.h> /* unlink, rmdir, close */
#include <cmocka.h>
#include "reprint/rp_index.h"
#include "index/index_internal.h" /* rpi_ixs_compare */

static const char *const IDS[] = {"bridge-a", "bridge-b", "bridge-c", "chess-a",
                                  "chess-b",  "chess-c",  "garden",   "recipe"};
static const char *const TEXTS[] = {
    "The Kestrel Bridge in Varnholm collapsed on Tuesday morning, injuring 14 commuters, said "
    "mayor Elsa Brandt. Engineers from Tovik Rail had warned about corrosion in the northern "
    "span. Brandt ordered every crossing over the Lumen River closed for inspection.",
    "Fourteen people were hurt when Varnholm's Kestrel Bridge gave way early Tuesday. Mayor "
    "Elsa Brandt closed all Lumen River crossings while inspectors check them. Tovik Rail "
    "engineers said they had reported rust on the north span months ago.",
    "Mayor Elsa Brandt of Varnholm shut the city's Lumen River bridges after the Kestrel "
    "Bridge fell on Tuesday, leaving 14 injured. According to Tovik Rail, its engineers had "
    "flagged corroded steel in the span to the north.",
    "Grandmaster Ilka Sorensen won the Halden Open on Sunday, beating Mateo Quiroga in 41 moves "
    "of a Catalan opening. Sorensen takes home 20,000 euros and a seat at the Aurora "
    "Invitational, organisers from the Halden Chess Club said.",
    "Ilka Sorensen beat Mateo Quiroga on Sunday to take the Halden Open title after 41 moves. "
    "Her Catalan win is worth 20,000 euros, the Halden Chess Club said; she also qualifies "
    "for this year's Aurora Invitational.",
    "Sunday's Halden Open final went to Ilka Sorensen, who defeated Mateo Quiroga with the "
    "Catalan in a 41-move game. According to the Halden Chess Club she collects a 20,000-euro "
    "prize and entry to the Aurora Invitational.",
    "Members of the Orla Community Garden planted 300 tulip bulbs along Weir Street, "
    "volunteer Petra Lindqvist said, hoping for colour by April.",
    "Chef Bruno Okafor shares his recipe for lentil soup with smoked paprika, cumin and lemon, "
    "served at the Saffron Table in Dunmere since 2019.",
};
#define N_DOCS 8

static char g_dir[256], g_file[256];

static void cleanup(void)
{
    static const char *const FILES[] = {"data.mdb", "lock.mdb", "writer.lock"};
    char p[300];
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", g_dir, FILES[i]);
        unlink(p);
    }
    rmdir(g_dir);
    unlink(g_file);
}

static void config(rp_config *c)
{
    rp_config_default(c);
    c->level = RP_LEVEL_STORY;
    c->boilerplate_min = 0; /* the index learns lines as they arrive; the batch all at once */
    c->window_days = 0;
    c->threads = 1;
    c->threshold = 0.25; /* eight short texts: each story's pairs score 0.30-0.52 */
}

static void test_parity(void **state)
{
    (void)state;
    /* the batch engine over one JSON Lines file */
    snprintf(g_file, sizeof g_file, "/tmp/rp-test-parity-XXXXXX.jsonl");
    const int fd = mkstemps(g_file, 6);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    for (int i = 0; i < N_DOCS; i++)
        fprintf(f, "{\"id\":\"%s\",\"text\":\"%s\"}\n", IDS[i], TEXTS[i]);
    fclose(f);
    rp_config c;
    config(&c);
    rp_engine *e;
    assert_int_equal(rp_engine_create(&e, &c, NULL), RP_OK);
    assert_int_equal(rp_engine_add_input(e, g_file), RP_OK);
    assert_int_equal(rp_engine_run(e), RP_OK);
    assert_int_equal(rp_engine_n_docs(e), N_DOCS);

    /* the index: one document a commit, in the same order */
    snprintf(g_dir, sizeof g_dir, "/tmp/rp-test-parity-XXXXXX");
    assert_non_null(mkdtemp(g_dir));
    rp_index_error err;
    assert_int_equal(rp_index_create(g_dir, &c, NULL, &err), RP_OK);
    rp_index *ix;
    char msg[256];
    assert_int_equal(rp_index_open(&ix, g_dir, NULL, &err, msg, sizeof msg), RP_OK);
    uint64_t num[N_DOCS];
    for (int i = 0; i < N_DOCS; i++) {
        char json[2048];
        snprintf(json, sizeof json, "{\"id\":\"%s\",\"text\":\"%s\"}", IDS[i], TEXTS[i]);
        rp_index_batch *b;
        rp_index_result *res;
        assert_int_equal(rp_index_batch_create(&b, ix, NULL), RP_OK);
        assert_int_equal(rp_index_batch_add_json(b, json, strlen(json), 1), RP_OK);
        assert_int_equal(rp_index_commit(ix, b, 0, &res), RP_OK);
        rp_index_batch_free(b);
        num[i] = res->doc_numbers[0];
        rp_index_result_free(res);
    }

    /* scores and relations of every pair, with the statistics of the whole collection */
    unsigned linked = 0;
    for (size_t a = 0; a < N_DOCS; a++)
        for (size_t b = a + 1; b < N_DOCS; b++) {
            rp_comparison cmp;
            assert_int_equal(rp_engine_compare(e, a, b, &cmp), RP_OK);
            if (cmp.n_passages) fail_msg("%s / %s share a passage", IDS[a], IDS[b]);
            double score;
            rp_relation rel;
            assert_int_equal(rpi_ixs_compare(ix, num[a], num[b], &score, &rel), RP_OK);
            /* equal but for float rounding: the batch sums a pair's products in the order of
             * one text's terms (dense arrays), the index in term order (a sorted merge) */
            if (fabs(score - cmp.signals.score) > 1e-6)
                fail_msg("%s / %s: index %.9g, batch %.9g", IDS[a], IDS[b], score,
                         cmp.signals.score);
            if (cmp.linked) assert_int_equal(rel, cmp.relation);
            /* the index has no lineage: a pair the batch calls related (one event, two
             * texts) is linked there */
            if (cmp.linked || cmp.related) linked++;
        }
    assert_true(linked >= 6); /* both stories' three pairs at least: the test means something */

    /* clusters: the same partition once the index places every document with the
     * statistics of the whole collection (at arrival it knew only the documents before) */
    assert_int_equal(rpi_ixs_replace_all(ix), RP_OK);
    for (size_t a = 0; a < N_DOCS; a++) {
        rp_doc_result ra;
        assert_int_equal(rp_engine_doc(e, a, &ra), RP_OK);
        rp_index_result *xa;
        assert_int_equal(rp_index_doc(ix, IDS[a], &xa), RP_OK);
        for (size_t b = 0; b < N_DOCS; b++) {
            rp_doc_result rb;
            assert_int_equal(rp_engine_doc(e, b, &rb), RP_OK);
            rp_index_result *xb;
            assert_int_equal(rp_index_doc(ix, IDS[b], &xb), RP_OK);
            const int batch_same = ra.cluster_doc == rb.cluster_doc;
            const int index_same = strcmp(xa->docs[0].cluster, xb->docs[0].cluster) == 0;
            /* the index is one level behind (docs/index.md): it has no lineage signal, so
             * it may hold in one cluster two texts on one event that the batch leaves as
             * related families; every batch family is one index cluster */
            if (batch_same && !index_same)
                fail_msg("%s / %s: one cluster in the batch only", IDS[a], IDS[b]);
            rp_index_result_free(xb);
        }
        rp_index_result_free(xa);
    }
    rp_doc_result r0, r3;
    rp_engine_doc(e, 0, &r0);
    rp_engine_doc(e, 3, &r3);
    assert_true(r0.relation == RP_REL_ORIGINAL || r0.cluster_doc != 0); /* a story formed */
    assert_true(r0.cluster_doc != r3.cluster_doc);
    rp_index_close(ix);
    rp_engine_free(e);
    cleanup();
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_parity)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
