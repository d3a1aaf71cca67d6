/* SPDX-License-Identifier: MIT */
/* test_story_score.c -- story/story_score.c: the story evidence from its signals (weights,
 * missing signals, figure-dense texts, figures that contradict) and its combination with the
 * passage cover. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "story/story_internal.h"

static void test_weights(void **state)
{
    (void)state;
    /* 0.55 cosine + 0.25 names + 0.20 numbers */
    assert_float_equal(rpi_story_evidence(0.8, 0.6, 0.5, 0, 0), 0.44 + 0.15 + 0.10, 1e-12);
    /* no numbers: their weight goes to the cosine */
    assert_float_equal(rpi_story_evidence(0.8, 0.6, -1, 0, 0), 0.75 * 0.8 + 0.15, 1e-12);
    /* no names: lost in a collection with case, to the cosine in one without */
    assert_float_equal(rpi_story_evidence(0.8, -1, 0.5, 0, 0), 0.44 + 0.10, 1e-12);
    assert_float_equal(rpi_story_evidence(0.8, -1, 0.5, 0, 1), 0.8 * 0.8 + 0.10, 1e-12);
    /* figure-dense texts: up to 0.3 of the cosine's weight to the numbers */
    assert_float_equal(rpi_story_evidence(0.8, 0.6, 0.5, 0.6, 0), 0.25 * 0.8 + 0.15 + 0.25, 1e-12);
}

static void test_contradicting_figures(void **state)
{
    (void)state;
    /* the same template with other figures: discounted */
    const double same = rpi_story_evidence(0.6, 0.9, 0.25, 0, 0);
    const double other = rpi_story_evidence(0.6, 0.9, 0.05, 0, 0);
    assert_float_equal(other, 0.6 * (0.33 + 0.225 + 0.01), 1e-12);
    assert_true(other < RP_STORY_THRESHOLD);
    assert_true(same >= RP_STORY_THRESHOLD);
    /* the lowest share of figures among the seed versions (0.31) is not discounted */
    assert_float_equal(rpi_story_evidence(0.4, 0.4, 0.31, 0, 0), 0.22 + 0.10 + 0.062, 1e-12);
    /* no figures on one side is not a contradiction */
    assert_float_equal(rpi_story_evidence(0.7, 0.9, -1, 0, 0), 0.75 * 0.7 + 0.225, 1e-12);
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
        cmocka_unit_test(test_combine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
