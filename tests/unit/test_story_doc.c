/* SPDX-License-Identifier: MIT */
/* test_story_doc.c -- story/story_doc.c: the token flags read from the original spelling
 * (numbers and number words, names, acronyms, sentence starts, headline case), token offsets
 * and lines, as rpi_sdoc_build gives them to the story level and the index. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/common_internal.h"
#include "common/arena_internal.h"
#include "doc/doc_internal.h"

struct built {
    struct rpi_arena arena;
    rp_normalizer *norm, *tnorm;
    struct rpi_sdoc *sd;
};

static void build(struct built *b, const char *text, const char *title)
{
    rp_norm_params np;
    rp_norm_params_default(&np);
    rpi_arena_init(&b->arena, NULL);
    assert_int_equal(rp_normalizer_create(&b->norm, &np, NULL), RP_OK);
    assert_int_equal(rp_normalizer_create(&b->tnorm, &np, NULL), RP_OK);
    rp_doc doc;
    memset(&doc, 0, sizeof doc);
    doc.text = text;
    doc.text_size = strlen(text);
    doc.title = title;
    rp_norm_result nr;
    assert_int_equal(rp_normalizer_run(b->norm, text, doc.text_size, &nr), RP_OK);
    assert_int_equal(rpi_sdoc_build(&b->arena, &doc, &nr, b->tnorm, NULL, &b->sd), RP_OK);
}

static void release(struct built *b)
{
    rp_normalizer_free(b->norm);
    rp_normalizer_free(b->tnorm);
    rpi_arena_free(&b->arena);
}

/* The flags of the token spelled w in the text (its first occurrence); fails if absent. */
static unsigned flags_of(const struct rpi_sdoc *sd, const char *w)
{
    const size_t n = strlen(w);
    for (uint32_t t = 0; t < sd->n_tok; t++) {
        const uint32_t s = sd->off[2 * t], e = sd->off[2 * t + 1];
        if (e - s == n && !memcmp(sd->text + s, w, n)) return sd->tflags[t];
    }
    fail_msg("token %s not found", w);
    return 0;
}

static void test_numbers(void **state)
{
    (void)state;
    struct built b;
    build(&b,
          "they sold 1987 cars for 12 million dollars, six of them twelve times and "
          "seventeen thousands more; often a tone or a fifth, 3rd or eleventh, but not none",
          NULL);
    const char *num[] = {"1987", "12", "million", "six", "twelve", "seventeen", "thousands"};
    for (size_t i = 0; i < sizeof num / sizeof *num; i++)
        assert_true(flags_of(b.sd, num[i]) & RPI_TOK_NUMBER);
    /* same lengths and initials as number words, or digits with letters: not numbers */
    const char *not_num[] = {"often", "tone", "fifth", "3rd", "eleventh", "none", "sold", "times"};
    for (size_t i = 0; i < sizeof not_num / sizeof *not_num; i++)
        assert_false(flags_of(b.sd, not_num[i]) & RPI_TOK_NUMBER);
    release(&b);
}

static void test_names(void **state)
{
    (void)state;
    struct built b;
    build(&b,
          "The ministers met in Paris with NATO officials. Officials said: \"Talks went on\" "
          "and the \xC3\x89lys\xC3\xA9\x65 agreed with \xC3\xA9tats and A.",
          NULL);
    assert_true(flags_of(b.sd, "Paris") & RPI_TOK_NAME);
    assert_true(flags_of(b.sd, "NATO") & RPI_TOK_ACRONYM);
    assert_true(flags_of(b.sd, "NATO") & RPI_TOK_NAME);
    /* capitalised at a sentence start (also after a colon and an opening quote): no name */
    assert_false(flags_of(b.sd, "The") & RPI_TOK_NAME);
    assert_false(flags_of(b.sd, "Officials") & RPI_TOK_NAME);
    assert_false(flags_of(b.sd, "Talks") & RPI_TOK_NAME);
    /* non-ASCII capital mid-sentence is a name; lower case non-ASCII is not */
    assert_true(flags_of(b.sd, "\xC3\x89lys\xC3\xA9\x65") & RPI_TOK_NAME);
    assert_false(flags_of(b.sd, "\xC3\xA9tats") & RPI_TOK_NAME);
    /* one capital letter is not an acronym */
    assert_false(flags_of(b.sd, "A") & RPI_TOK_ACRONYM);
    assert_false(flags_of(b.sd, "ministers") & (RPI_TOK_NAME | RPI_TOK_NUMBER));
    release(&b);
}

static void test_title_case(void **state)
{
    (void)state;
    struct built b;
    /* an all-capitals headline: words the text writes in lower case are no names there;
     * a word the text never uses, or writes capitalised, keeps the flag */
    build(&b, "The board approved repurchasing its shares, Acme said on Monday.",
          "ACME APPROVES REPURCHASING SHARES IN ZURICH");
    assert_int_equal(b.sd->n_title, 6);
    const unsigned acme = b.sd->title_flags[0], repurch = b.sd->title_flags[2];
    const unsigned shares = b.sd->title_flags[3], zurich = b.sd->title_flags[5];
    assert_true(acme & RPI_TOK_NAME);
    assert_false(repurch & (RPI_TOK_NAME | RPI_TOK_ACRONYM));
    assert_false(shares & (RPI_TOK_NAME | RPI_TOK_ACRONYM));
    assert_true(zurich & RPI_TOK_NAME);
    release(&b);
}

static void test_offsets_and_lines(void **state)
{
    (void)state;
    struct built b;
    const char *text = "Advertisement\n\nFirst line here\r\nsecond  line\n";
    build(&b, text, NULL);
    assert_int_equal(b.sd->n_tok, 6);
    assert_int_equal(b.sd->n_lines, 3);
    /* offsets point at the original bytes */
    assert_int_equal(b.sd->off[0], 0);
    assert_int_equal(b.sd->off[1], 13);
    assert_memory_equal(text + b.sd->off[2 * 5], "line", 4);
    /* lines by token and by byte */
    assert_int_equal(b.sd->lines[0].tok_start, 0);
    assert_int_equal(b.sd->lines[0].tok_end, 1);
    assert_int_equal(b.sd->lines[1].tok_start, 1);
    assert_int_equal(b.sd->lines[1].tok_end, 4);
    assert_int_equal(b.sd->lines[2].tok_start, 4);
    assert_int_equal(b.sd->off[2 * b.sd->lines[2].tok_start], strstr(text, "second") - text);
    assert_int_equal(b.sd->off[2 * b.sd->lines[2].tok_end - 1], strstr(text, "line\n") - text + 4);
    /* the same words on a line give the same hash, other words another */
    struct built c;
    build(&c, "Advertisement\nother words\n", NULL);
    assert_true(c.sd->lines[0].hash == b.sd->lines[0].hash);
    assert_true(c.sd->lines[1].hash != b.sd->lines[1].hash);
    release(&c);
    release(&b);
}

/* Sentence breaks are read from the bytes between tokens when the text is built (S5b reads
 * them without the text): a line break, ! ?, a full stop before a space or filling the gap
 * (the rule S5b always had: 2.5 breaks too), an ideographic full stop; not a comma. */
static void test_sentence_breaks(void **state)
{
    (void)state;
    struct built b;
    const char *text = "Rates rose 2.5 pct. Banks cut, then\nwhy? No!Yes \xe3\x80\x82" "end";
    build(&b, text, NULL);
    /* tokens: Rates rose 2 5 pct Banks cut then why No Yes end */
    assert_int_equal(b.sd->n_tok, 12);
    const int want[12] = {0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 1, 1};
    for (uint32_t i = 1; i < b.sd->n_tok; i++) {
        if (rpi_sdoc_brk(b.sd, i) != want[i])
            fail_msg("token %u (byte %u): break %d", i, b.sd->off[2 * i], rpi_sdoc_brk(b.sd, i));
    }
    release(&b);
}

/* With a store the text, offsets, ids, flags and lines leave the arena for the store's files and
 * come back by their maps, equal to what the arena keeps; several texts in one file stay apart. */
static void test_store(void **state)
{
    (void)state;
    const char *texts[3] = {"First text, with Names.\nAnd a second line",
                            "", "x"};
    rp_norm_params np;
    rp_norm_params_default(&np);
    rp_normalizer *norm;
    assert_int_equal(rp_normalizer_create(&norm, &np, NULL), RP_OK);
    struct rpi_sstore st;
    char msg[256];
    assert_int_equal(rpi_sstore_open(&st, 0, NULL, NULL, msg, sizeof msg), RP_OK);
    struct rpi_arena ar;
    rpi_arena_init(&ar, NULL);
    struct rpi_sdoc *sd[3];
    for (int k = 0; k < 3; k++) {
        rp_doc doc;
        memset(&doc, 0, sizeof doc);
        doc.text = texts[k];
        doc.text_size = strlen(texts[k]);
        rp_norm_result nr;
        assert_int_equal(rp_normalizer_run(norm, doc.text, doc.text_size, &nr), RP_OK);
        assert_int_equal(rpi_sdoc_build(&ar, &doc, &nr, NULL, &st, &sd[k]), RP_OK);
        assert_null(sd[k]->text); /* not in memory until mapped */
        assert_int_equal(sd[k]->cold_file, 1);
    }
    assert_int_equal(rpi_sstore_map(&st, msg, sizeof msg), RP_OK);
    for (int k = 0; k < 3; k++) {
        rpi_sstore_attach(&st, sd[k]);
        struct built b;
        build(&b, texts[k], NULL);
        assert_int_equal(sd[k]->text_size, b.sd->text_size);
        assert_memory_equal(sd[k]->text, texts[k], sd[k]->text_size + 1); /* with its NUL */
        assert_int_equal(sd[k]->n_tok, b.sd->n_tok);
        if (b.sd->n_tok) {
            assert_memory_equal(sd[k]->off, b.sd->off, 2 * b.sd->n_tok * sizeof *b.sd->off);
            assert_memory_equal(sd[k]->tok, b.sd->tok, b.sd->n_tok * sizeof *b.sd->tok);
            assert_memory_equal(sd[k]->tflags, b.sd->tflags, b.sd->n_tok);
            assert_int_equal(sd[k]->n_lines, b.sd->n_lines);
            assert_memory_equal(sd[k]->lines, b.sd->lines, b.sd->n_lines * sizeof *b.sd->lines);
        }
        release(&b);
    }
    /* maps that fit the budget whole are never let go: nothing counted */
    uint64_t held = RPI_SSTORE_HELD - 1;
    rpi_sdoc_release(&st, 1, &held, sd[0]);
    assert_true(held == RPI_SSTORE_HELD - 1);
    /* the count: past the budget it says so and starts over */
    assert_int_equal(rpi_held_add(&held, 1, RPI_SSTORE_HELD), 1);
    assert_true(held == 0);
    assert_int_equal(rpi_held_add(&held, 10, RPI_SSTORE_HELD), 0);
    assert_true(held == 10);
    /* the budget of large maps is a share of them, of small ones RPI_SSTORE_HELD */
    const uint64_t big = (uint64_t)RPI_HELD_SHARE * 4 * RPI_SSTORE_HELD;
    held = 0;
    assert_int_equal(rpi_held_note(&held, big, 2 * RPI_SSTORE_HELD), 0);
    assert_int_equal(rpi_held_note(&held, big, 2 * RPI_SSTORE_HELD), 1);
    held = 0;
    assert_int_equal(rpi_held_note(&held, RPI_MAPS_KEEP + 1, RPI_SSTORE_HELD), 1);
    /* letting the maps go never changes what is read, S1's marks written into the shared map
     * included */
    sd[0]->tok[0] = 0;
    sd[0]->tflags[0] |= RPI_TOK_BOILER;
    rpi_sfile_drop(&st.text);
    rpi_sfile_drop(&st.tok);
    assert_memory_equal(sd[0]->text, texts[0], sd[0]->text_size + 1);
    assert_int_equal(sd[0]->tok[0], 0);
    assert_true(sd[0]->tflags[0] & RPI_TOK_BOILER);
    assert_memory_equal(sd[2]->text, texts[2], sd[2]->text_size + 1);
    rpi_sstore_close(&st);
    rpi_sstore_close(&st); /* twice is harmless */
    rpi_arena_free(&ar);
    rp_normalizer_free(norm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_title_case),
        cmocka_unit_test(test_offsets_and_lines),
        cmocka_unit_test(test_sentence_breaks),
        cmocka_unit_test(test_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
