/* SPDX-License-Identifier: MIT */
/* test_lang.c -- lib/lang: language identification (CLD2) and pivot terms (word lists read
 * from a folder written here, ICU transliteration, prefixes, words of several tokens, numbers,
 * a list that cannot be read). The texts are written for this test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "lang/lang_internal.h"

static const char EN[] =
    "The village council met on Tuesday evening to discuss the new bridge over the river. "
    "Several farmers said that the old crossing had been closed for three weeks and that they "
    "could no longer bring their cattle to the market on the other side.";
static const char FR[] =
    "Le conseil du village s'est réuni mardi soir pour discuter du nouveau pont sur la "
    "rivière. Plusieurs agriculteurs ont dit que l'ancien passage était fermé depuis trois "
    "semaines et qu'ils ne pouvaient plus mener leur bétail au marché de l'autre côté.";
static const char DE[] =
    "Der Gemeinderat traf sich am Dienstagabend, um über die neue Brücke über den Fluss zu "
    "sprechen. Mehrere Bauern sagten, der alte Übergang sei seit drei Wochen gesperrt und sie "
    "könnten ihr Vieh nicht mehr auf den Markt auf der anderen Seite bringen.";

static void detect(void **state)
{
    (void)state;
    char code[RPI_LANG_SIZE];
    if (!rpi_lang_available()) { /* a build without CLD2: every text is und, never sure */
        assert_int_equal(rpi_lang_detect(EN, strlen(EN), code), 0);
        assert_string_equal(code, "und");
        return;
    }
    assert_int_equal(rpi_lang_detect(EN, strlen(EN), code), 1);
    assert_string_equal(code, "en");
    assert_int_equal(rpi_lang_detect(FR, strlen(FR), code), 1);
    assert_string_equal(code, "fr");
    assert_int_equal(rpi_lang_detect(DE, strlen(DE), code), 1);
    assert_string_equal(code, "de");
    /* too short to be sure: a headline */
    assert_int_equal(rpi_lang_detect("bridge closed", 13, code), 0);
    assert_int_equal(rpi_lang_detect("", 0, code), 0);
    /* invalid UTF-8 after the text: the valid part is read */
    char buf[sizeof FR + 8];
    memcpy(buf, FR, sizeof FR - 1);
    memcpy(buf + sizeof FR - 1, "\xff\xfe\xc3", 3);
    assert_int_equal(rpi_lang_detect(buf, sizeof FR + 2, code), 1);
    assert_string_equal(code, "fr");
}

struct fx {
    char dir[64];
    rpi_lexset *ls;
    rp_normalizer *nz;
    void *scratch;
};

static void put_file(const char *dir, const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    struct fx *x = calloc(1, sizeof *x);
    strcpy(x->dir, "/tmp/rp-test-lex-XXXXXX");
    if (!x || !mkdtemp(x->dir)) return -1;
    put_file(x->dir, "fr.tsv", "combattant\tfighter\ngroupe\tgroup\npont\tbridge\n");
    put_file(x->dir, "ja.tsv", "経済\teconomy\n日本\tjapan\n");
    /* a Hunspell dictionary written for the test: "party" with the plural "parties" */
    put_file(x->dir, "zz.tsv", "party\tcelebration\n");
    put_file(x->dir, "zz_ZZ.aff", "SET UTF-8\nSFX S Y 1\nSFX S y ies [^aeiou]y\n");
    put_file(x->dir, "zz_ZZ.dic", "1\nparty/S\n");
    /* and one in Latin-1: "ménagery" (é is one byte there) */
    put_file(x->dir, "yy.tsv", "ménagery\tzoo\n");
    put_file(x->dir, "yy_YY.aff", "SET ISO8859-1\nSFX S Y 1\nSFX S y ies [^aeiou]y\n");
    put_file(x->dir, "yy_YY.dic", "1\nm\xe9nagery/S\n");
    setenv("REPRINT_HUNSPELL_DIR", x->dir, 1);
    char sub[128];
    snprintf(sub, sizeof sub, "%s/de.tsv", x->dir); /* a folder: cannot be read as a list */
    mkdir(sub, 0700);
    rp_norm_params np;
    rp_norm_params_default(&np);
    if (rpi_lexset_create(&x->ls, x->dir, &np, NULL) != RP_OK) return -1;
    if (rp_normalizer_create(&x->nz, &np, NULL) != RP_OK) return -1;
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct fx *x = *state;
    rpi_lexset_scratch_free(x->ls, x->scratch);
    rpi_lexset_free(x->ls);
    rp_normalizer_free(x->nz);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", x->dir);
    assert_int_equal(system(cmd), 0);
    free(x);
    return 0;
}

/* The pivot ids of text (language code) into ids[0, n), its stems looked up when stems;
 * returns n. */
static size_t pivots_of(struct fx *x, const char *code, const char *text, int stems, uint32_t *ids,
                        size_t cap)
{
    rp_norm_result nr;
    assert_int_equal(rp_normalizer_run(x->nz, text, strlen(text), &nr), RP_OK);
    assert_true(nr.n_tokens <= cap);
    char msg[200];
    assert_int_equal(rpi_lexset_pivot(x->ls, code, stems ? text : NULL, &nr, ids, NULL,
                                      &x->scratch, msg, sizeof msg),
                     RP_OK);
    return nr.n_tokens;
}

static size_t pivots(struct fx *x, const char *code, const char *text, uint32_t *ids, size_t cap)
{
    return pivots_of(x, code, text, 0, ids, cap);
}

static void stems(void **state)
{
    struct fx *x = *state;
    uint32_t z[4], e[4];
    assert_int_equal(pivots(x, "en", "celebration parties", e, 4), 2);
    /* "parties" is not in the list, nor is any prefix of four letters or more ("part" is not
     * "party"): only its stem by the dictionary finds "party" */
    assert_int_equal(pivots_of(x, "zz", "Parties", 1, z, 4), 1);
    if (rpi_stem_available())
        assert_int_equal(z[0], e[0]);
    else
        assert_int_equal(z[0], e[1]); /* without Hunspell: itself */
    assert_int_equal(pivots_of(x, "zz", "Parties", 0, z, 4), 1); /* no text: no stems */
    assert_int_equal(z[0], e[1]);
    /* a dictionary in another encoding: the word converted to it, the stem back (iconv) */
    assert_int_equal(pivots(x, "en", "zoo ménageries", e, 4), 2);
    assert_int_equal(pivots_of(x, "yy", "ménageries", 1, z, 4), 1);
    assert_int_equal(z[0], rpi_stem_available() ? e[0] : e[1]);
    /* the listed word itself, and a language without a dictionary, are unchanged */
    assert_int_equal(pivots(x, "en", "celebration", e, 4), 1);
    assert_int_equal(pivots_of(x, "zz", "party", 1, z, 4), 1);
    assert_int_equal(z[0], e[0]);
    assert_int_equal(pivots_of(x, "fr", "groupe", 1, z, 4), 1);
    assert_int_equal(pivots(x, "en", "group", e, 4), 1);
    assert_int_equal(z[0], e[0]);
}

static void pivot_terms(void **state)
{
    struct fx *x = *state;
    uint32_t f[16], e[16];
    /* fr: the list's words, and an inflected form through its longest listed prefix */
    assert_int_equal(pivots(x, "fr", "groupe combattants pont", f, 16), 3);
    assert_int_equal(pivots(x, "en", "group fighters bridges", e, 16), 3);
    assert_int_equal(f[0], e[0]); /* groupe -> group */
    assert_int_equal(f[1], e[1]); /* combattants -> combattant -> fighter ~ fighters */
    assert_int_equal(f[2], e[2]); /* pont -> bridge ~ bridges (a prefix of five) */
    assert_int_not_equal(f[0], f[1]);
    assert_true(rpi_lexset_words(x->ls, "fr") == 3);
    /* a word the list lacks stays itself (cut to five characters) in both languages */
    assert_int_equal(pivots(x, "fr", "Moura", f, 16), 1);
    assert_int_equal(pivots(x, "en", "Moura", e, 16), 1);
    assert_int_equal(f[0], e[0]);
    /* another script, no list: transliterated (ICU Any-Latin; Latin-ASCII) */
    assert_int_equal(pivots(x, "ru", "Путин Москва", f, 16), 2);
    assert_int_equal(pivots(x, "en", "Putin Moskva", e, 16), 2);
    assert_int_equal(f[0], e[0]);
    assert_int_equal(f[1], e[1]);
    /* numbers keep every digit; words are cut */
    assert_int_equal(pivots(x, "en", "123456 123457 internationally international", e, 16), 4);
    assert_int_not_equal(e[0], e[1]);
    assert_int_equal(e[2], e[3]);
    for (size_t i = 0; i < 4; i++)
        assert_int_not_equal(e[i], 0);
}

static void joined_words(void **state)
{
    struct fx *x = *state;
    uint32_t j[16], e[16];
    /* a token per character: 日本経済 is two words of the list, each on its first token */
    assert_int_equal(pivots(x, "ja", "日本経済", j, 16), 4);
    assert_int_equal(pivots(x, "en", "japan economy", e, 16), 2);
    assert_int_equal(j[0], e[0]);
    assert_int_equal(j[1], 0);
    assert_int_equal(j[2], e[1]);
    assert_int_equal(j[3], 0);
    /* written apart, they are not one word */
    assert_int_equal(pivots(x, "ja", "経 済", j, 16), 2);
    assert_int_not_equal(j[0], e[1]);
    assert_int_not_equal(j[1], 0);
}

static void unreadable_list(void **state)
{
    struct fx *x = *state;
    rp_norm_result nr;
    assert_int_equal(rp_normalizer_run(x->nz, "Brücke", 7, &nr), RP_OK);
    uint32_t ids[4];
    char msg[200] = "";
    assert_int_equal(
        rpi_lexset_pivot(x->ls, "de", NULL, &nr, ids, NULL, &x->scratch, msg, sizeof msg), RP_E_IO);
    assert_non_null(strstr(msg, "de.tsv")); /* the message names the file */
    /* no list for the language at all: not an error */
    assert_int_equal(
        rpi_lexset_pivot(x->ls, "it", NULL, &nr, ids, NULL, &x->scratch, msg, sizeof msg), RP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(detect),
        cmocka_unit_test_setup_teardown(pivot_terms, setup, teardown),
        cmocka_unit_test_setup_teardown(joined_words, setup, teardown),
        cmocka_unit_test_setup_teardown(stems, setup, teardown),
        cmocka_unit_test_setup_teardown(unreadable_list, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
