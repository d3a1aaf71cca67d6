/* SPDX-License-Identifier: MIT */
/* test_story_score.c -- story/story_score.c: the story evidence from its signals (weights,
 * missing signals, figure-dense texts, figures, names and words that contradict), the
 * cosine with its words part, and the combination with the passage cover. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h> /* sqrtf */
#include <cmocka.h>
#include "story/story_internal.h"

static void test_weights(void **state)
{
    (void)state;
    /* 0.55 cosine + 0.25 names + 0.20 numbers */
    assert_float_equal(rpi_story_evidence(0.8, 0.8, 0.6, 0.5, 0, 0), 0.44 + 0.15 + 0.10, 1e-12);
    /* no numbers: their weight goes to the cosine */
    assert_float_equal(rpi_story_evidence(0.8, 0.8, 0.6, -1, 0, 0), 0.75 * 0.8 + 0.15, 1e-12);
    /* no names: lost in a collection with case, to the cosine in one without */
    assert_float_equal(rpi_story_evidence(0.8, 0.8, -1, 0.5, 0, 0), 0.44 + 0.10, 1e-12);
    assert_float_equal(rpi_story_evidence(0.8, 0.8, -1, 0.5, 0, 1), 0.8 * 0.8 + 0.10, 1e-12);
    /* figure-dense texts: up to 0.3 of the cosine's weight to the numbers */
    assert_float_equal(rpi_story_evidence(0.8, 0.8, 0.6, 0.5, 0.6, 0), 0.25 * 0.8 + 0.15 + 0.25, 1e-12);
}

static void test_contradicting_figures(void **state)
{
    (void)state;
    /* the same template with other figures: discounted */
    const double same = rpi_story_evidence(0.6, 0.6, 0.9, 0.25, 0, 0);
    const double other = rpi_story_evidence(0.6, 0.6, 0.9, 0.05, 0, 0);
    assert_float_equal(other, 0.6 * (0.33 + 0.225 + 0.01), 1e-12);
    assert_true(other < RP_STORY_THRESHOLD);
    assert_true(same >= RP_STORY_THRESHOLD);
    /* the lowest share of figures among the seed versions (0.31) is not discounted */
    assert_float_equal(rpi_story_evidence(0.4, 0.4, 0.4, 0.31, 0, 0), 0.22 + 0.10 + 0.062, 1e-12);
    /* no figures on one side is not a contradiction */
    assert_float_equal(rpi_story_evidence(0.7, 0.7, 0.9, -1, 0, 0), 0.75 * 0.7 + 0.225, 1e-12);
}

static void test_contradicting_actors(void **state)
{
    (void)state;
    /* both texts name actors but share almost none of them: other people, other story */
    const double base = rpi_story_evidence(0.6, 0.6, 0.5, -1, 0, 0);
    assert_float_equal(rpi_story_evidence(0.6, 0.6, 0.05, -1, 0, 0),
                       0.6 * (0.75 * 0.6 + 0.25 * 0.05), 1e-12);
    assert_true(base > 0.6 * base);
    /* the same names but hardly any other word in common: same actors, another event */
    assert_float_equal(rpi_story_evidence(0.6, 0.15, 0.8, -1, 0, 0),
                       0.75 * (0.75 * 0.6 + 0.25 * 0.8), 1e-12);
    /* both: discounted twice; without names (a collection without case) neither applies */
    assert_float_equal(rpi_story_evidence(0.6, 0.1, 0.05, -1, 0, 0),
                       0.6 * 0.75 * (0.75 * 0.6 + 0.25 * 0.05), 1e-12);
    assert_float_equal(rpi_story_evidence(0.6, 0.1, -1, -1, 0, 1), 0.6, 1e-12);
    /* the seed versions' lowest words cosine among linked pairs (0.23) is not discounted */
    assert_float_equal(rpi_story_evidence(0.33, 0.23, 0.39, 0.46, 0, 0),
                       0.55 * 0.33 + 0.25 * 0.39 + 0.20 * 0.46, 1e-12);
}

/* The cosine and the words cosine of two vectors, sorted (the index) and scattered (the batch
 * stage): names carry negative weights and count in the cosine, not in the words. */
static void test_words_cosine(void **state)
{
    (void)state;
    /* unit vectors over terms 1..4: term 1 a name in both, term 2 a name in b only */
    uint32_t ta[] = {1, 2, 3}, tb[] = {1, 2, 4};
    float wa[] = {-0.6f, 0.48f, 0.64f}, wb[] = {-0.8f, -0.36f, 0.48f};
    struct svec a = {ta, wa, 3, 0}, b = {tb, wb, 3, 0};
    a.sum = sqrtf(0.48f * 0.48f + 0.64f * 0.64f); /* its words: terms 2 and 3 */
    b.sum = 0.48f;                               /* term 4 */
    float idf[5] = {0, 20, 20, 20, 20};          /* enough shared mass: no scaling */
    double words = -1;
    const double c = rpi_svec_cosine(&a, &b, idf, &words);
    assert_float_equal(c, 0.6 * 0.8 + 0.48 * 0.36, 1e-6);
    assert_float_equal(words, 0.0, 1e-12); /* term 2 is a name in b: not a shared word */
    float dense[5] = {0};
    rpi_svec_scatter(&a, dense, 0);
    double wd = -1;
    assert_float_equal(rpi_svec_cosine_dense(dense, &a, &b, idf, &wd), c, 1e-6);
    assert_float_equal(wd, 0.0, 1e-12);
    /* term 2 a word in both: it counts in the words */
    wb[1] = 0.36f;
    b.sum = sqrtf(0.36f * 0.36f + 0.48f * 0.48f);
    assert_float_equal(rpi_svec_cosine(&a, &b, idf, &words), 0.6 * 0.8 + 0.48 * 0.36, 1e-6);
    assert_float_equal(words, 0.48 * 0.36 / (a.sum * b.sum), 1e-6);
    assert_float_equal(rpi_svec_cosine_dense(dense, &a, &b, idf, &wd), 0.6 * 0.8 + 0.48 * 0.36,
                       1e-6);
    assert_float_equal(wd, words, 1e-9);
}

static void test_combine(void **state)
{
    (void)state;
    /* half a text in shared passages is one story whatever the evidence */
    assert_float_equal(rpi_story_combine(0.1, 0.6), 0.6, 1e-12);
    assert_float_equal(rpi_story_combine(0.7, 0.6), 0.7, 1e-12);
    /* smaller covers add a quarter */
    assert_float_equal(rpi_story_combine(0.3, 0.2), 0.35, 1e-12);
    assert_float_equal(rpi_story_combine(0.95, 0.4), 1.0, 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weights),
        cmocka_unit_test(test_contradicting_figures),
        cmocka_unit_test(test_contradicting_actors),
        cmocka_unit_test(test_words_cosine),
        cmocka_unit_test(test_combine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
