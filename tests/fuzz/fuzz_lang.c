/* SPDX-License-Identifier: MIT */
/* fuzz_lang.c -- libFuzzer target for lib/lang: the word-list parser (a <code>.tsv given in
 * memory, rpi_lexset_put_list), language identification (rpi_lang_detect: the English
 * function-word path and CLD2) and pivot terms (list lookups, prefixes, words of several
 * tokens, Hunspell's stems through a small dictionary written for the target, ICU
 * transliteration) of a text. Input: the list, a NUL byte, the text (no NUL: the
 * whole input is the text, with no list). Checks: a language code is NUL-terminated within
 * RPI_LANG_SIZE; pivot ids are the same on a second run (the transliteration cache gives what
 * ICU gave); the first token is never 0 (zeros are the later tokens of a word of several) and
 * a transliterated token never is. */
#include <stdint.h> /* uint8_t, uint32_t */
#include <stdio.h>  /* FILE */
#include <stdlib.h> /* abort, malloc, free, mkdtemp, setenv */
#include <string.h> /* memchr, memcmp, strlen */
#include "lang/lang_internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) abort();
}

/* The dictionary of language "xx" (the list's language): suffixes and a prefix, so that the
 * fuzzed words meet stems (left in /tmp: libFuzzer has no teardown) */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    static char dir[] = "/tmp/rp-fuzz-lang-XXXXXX";
    if (!mkdtemp(dir)) abort();
    put(dir, "xx_XX.aff",
        "SET UTF-8\nSFX S Y 2\nSFX S y ies [^aeiou]y\nSFX S 0 s [^y]\n"
        "SFX E Y 1\nSFX E 0 en .\nPFX U Y 1\nPFX U 0 un .\n");
    put(dir, "xx_XX.dic", "4\nparty/S\nhaus/E\nbrücke/SU\nстол/S\n");
    setenv("REPRINT_HUNSPELL_DIR", dir, 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    const char *list = nul ? (const char *)data : "";
    const size_t list_size = nul ? (size_t)(nul - data) : 0;
    const char *text = nul ? (const char *)nul + 1 : (const char *)data;
    const size_t n = nul ? size - list_size - 1 : size;

    char code[RPI_LANG_SIZE];
    const int sure = rpi_lang_detect(text, n, code);
    if (sure < -1 || sure > 1 || !memchr(code, 0, sizeof code)) abort();

    rp_norm_params np;
    rp_norm_params_default(&np);
    rpi_lexset *ls = NULL;
    rp_normalizer *nz = NULL;
    if (rpi_lexset_create(&ls, NULL, &np, NULL) != RP_OK) abort();
    if (rpi_lexset_put_list(ls, "xx", list, list_size) != RP_OK) abort();
    if (rp_normalizer_create(&nz, &np, NULL) != RP_OK) abort();
    rp_norm_result nr;
    void *scratch = NULL;
    char msg[128];
    if (rp_normalizer_run(nz, text, n, &nr) == RP_OK && nr.n_tokens) {
        uint32_t *a = malloc(nr.n_tokens * sizeof *a), *b = malloc(nr.n_tokens * sizeof *b);
        uint8_t *how = malloc(nr.n_tokens);
        if (!a || !b || !how) abort();
        if (rpi_lexset_pivot(ls, "xx", text, &nr, a, how, &scratch, msg, sizeof msg) != RP_OK ||
            rpi_lexset_pivot(ls, "xx", text, &nr, b, NULL, &scratch, msg, sizeof msg) != RP_OK)
            abort();
        if (memcmp(a, b, nr.n_tokens * sizeof *a)) abort();
        if (a[0] == 0) abort(); /* the first token always starts a word */
        for (size_t i = 0; i < nr.n_tokens; i++)
            if (how[i] > 1 || (a[i] == 0 && how[i])) abort();
        free(a);
        free(b);
        free(how);
    }
    rpi_lexset_scratch_free(ls, scratch);
    rpi_lexset_free(ls);
    rp_normalizer_free(nz);
    return 0;
}
