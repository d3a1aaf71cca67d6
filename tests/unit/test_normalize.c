/* SPDX-License-Identifier: MIT */
/* test_normalize.c -- rp_normalizer: folding, tokens and offsets, scripts, repair, each flag
 * on and off, idempotence over generated strings, limits, and allocation failure. */
#include <stdarg.h>  /* cmocka needs these four */
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>   /* snprintf */
#include <stdlib.h>  /* malloc, free */
#include <string.h>  /* memcmp, strlen */
#include <utf8proc.h> /* utf8proc_get_property: checks on the tables */
#include <xxhash.h>  /* XXH3_64bits_withSeed, XXH3_128bits: expected hashes */
#include "reprint/rp_normalize.h"
#include "common/common_internal.h" /* rpi_fault_malloc_arm */

#define FFFD "\xEF\xBF\xBD"
#define ALL RP_NORM_DEFAULT

/* Normalize s (strlen) with the given flags; returns a malloc'd copy of norm. */
static char *norm_of(unsigned flags, const char *s, size_t size, size_t *n_tokens,
                     size_t *n_repaired)
{
    rp_norm_params p;
    rp_norm_params_default(&p);
    p.flags = flags;
    rp_normalizer *n = NULL;
    assert_int_equal(rp_normalizer_create(&n, &p, NULL), RP_OK);
    rp_norm_result r;
    assert_int_equal(rp_normalizer_run(n, s, size, &r), RP_OK);
    assert_int_equal(r.norm[r.norm_size], '\0');
    if (n_tokens) *n_tokens = r.n_tokens;
    if (n_repaired) *n_repaired = r.n_repaired;
    char *copy = malloc(r.norm_size + 1);
    memcpy(copy, r.norm, r.norm_size + 1);
    rp_normalizer_free(n);
    return copy;
}

struct norm_case {
    const char *name;
    unsigned flags;
    const char *in;
    const char *norm;
    int n_tokens; /* -1: do not check */
    int n_repaired;
};

static const struct norm_case norm_cases[] = {
    /* folding */
    {"accent precomposed", ALL, "S\xC3\xA9gou", "segou", 1, 0},
    {"accent none", ALL, "Segou", "segou", 1, 0},
    {"upper", ALL, "SEGOU", "segou", 1, 0},
    {"accent NFD", ALL, "Se\xCC\x81gou", "segou", 1, 0},
    {"accent upper NFD", ALL, "SE\xCC\x81GOU", "segou", 1, 0},
    {"ligature fi", ALL, "\xEF\xAC\x81ne", "fine", 1, 0},
    {"fullwidth", ALL, "\xEF\xBC\xA1\xEF\xBD\x82\xEF\xBD\x83", "abc", 1, 0},
    {"sharp s", ALL, "Stra\xC3\x9F" "e", "strasse", 1, 0},
    {"capital sharp s", ALL, "STRA\xE1\xBA\x9E" "E", "strasse", 1, 0},
    {"greek final sigma", ALL, "\xCE\xA3\xCE\x8A\xCE\xA3\xCE\xA5\xCE\xA6\xCE\x9F\xCE\xA3",
     "\xCF\x83\xCE\xB9\xCF\x83\xCF\x85\xCF\x86\xCE\xBF\xCF\x83", 1, 0},
    {"cyrillic", ALL, "\xD0\x9C\xD0\xB8\xD1\x80", "\xD0\xBC\xD0\xB8\xD1\x80", 1, 0},
    {"superscript", ALL, "x\xC2\xB2", "x2", 1, 0},
    /* punctuation and whitespace */
    {"hello world", ALL, "Hello,   WORLD!!", "hello world", 2, 0},
    {"leading/trailing space", ALL, " \t\n a \r\n", "a", 1, 0},
    {"unicode spaces", ALL, "a\xC2\xA0" "b\xE2\x80\x83" "c\xE3\x80\x80" "d", "a b c d", 4, 0},
    {"curly apostrophe", ALL, "don\xE2\x80\x99t", "don t", 2, 0},
    {"numbers", ALL, "155,221 bags 5.93", "155 221 bags 5 93", 5, 0},
    {"only punctuation", ALL, " ,.;!? -- ", "", 0, 0},
    {"empty", ALL, "", "", 0, 0},
    {"symbols", ALL, "a+b=c $5 \xE2\x82\xAC" "3", "a b c 5 3", 5, 0},
    /* format characters do not split */
    {"soft hyphen", ALL, "co\xC2\xADoperate", "cooperate", 1, 0},
    {"zwsp", ALL, "zero\xE2\x80\x8Bwidth", "zerowidth", 1, 0},
    {"bom", ALL, "\xEF\xBB\xBF" "bom", "bom", 1, 0},
    {"zwj in accented word", ALL, "e\xE2\x80\x8D\xCC\x81t\xC3\xA9", "ete", 1, 0},
    /* compatibility mappings that create boundaries */
    {"one half", ALL, "\xC2\xBD", "1 2", 2, 0},
    {"ellipsis dropped", ALL, "a\xE2\x80\xA6" "b", "a b", 2, 0},
    {"arabic ligature", ALL, "\xEF\xB7\xBA",
     "\xD8\xB5\xD9\x84\xD9\x89 \xD8\xA7\xD9\x84\xD9\x84\xD9\x87 \xD8\xB9\xD9\x84\xD9\x8A\xD9\x87 "
     "\xD9\x88\xD8\xB3\xD9\x84\xD9\x85", 4, 0},
    /* scripts without spaces */
    {"chinese", ALL, "\xE6\x88\x91\xE4\xBB\xAC\xE7\x9A\x84\xE4\xB8\x96\xE7\x95\x8C",
     "\xE6\x88\x91 \xE4\xBB\xAC \xE7\x9A\x84 \xE4\xB8\x96 \xE7\x95\x8C", 5, 0},
    {"chinese, cjk off", ALL & ~RP_NORM_CJK_CHARS,
     "\xE6\x88\x91\xE4\xBB\xAC\xE7\x9A\x84\xE4\xB8\x96\xE7\x95\x8C",
     "\xE6\x88\x91\xE4\xBB\xAC\xE7\x9A\x84\xE4\xB8\x96\xE7\x95\x8C", 1, 0},
    {"han extension B", ALL, "\xF0\xA0\x80\x80\xF0\xA0\x80\x81",
     "\xF0\xA0\x80\x80 \xF0\xA0\x80\x81", 2, 0},
    {"hiragana katakana", ALL, "\xE3\x81\x8B\xE3\x82\xAB", "\xE3\x81\x8B \xE3\x82\xAB", 2, 0},
    /* ｶﾞｷ: the halfwidth voiced mark joins its kana (NFKC: ガ); accent stripping removes the
     * voicing mark like any other Mn */
    {"halfwidth kana + voiced mark", ALL & ~RP_NORM_STRIP_ACCENTS,
     "\xEF\xBD\xB6\xEF\xBE\x9E\xEF\xBD\xB7", "\xE3\x82\xAC \xE3\x82\xAD", 2, 0},
    {"kana voicing stripped", ALL, "\xEF\xBD\xB6\xEF\xBE\x9E\xE3\x82\xAC",
     "\xE3\x82\xAB \xE3\x82\xAB", 2, 0},
    /* Thai: ภาษาไทย, 7 letters; ที่ (tho + sara ii + mai ek) keeps its marks without
     * accent stripping and loses them with it */
    {"thai", ALL, "\xE0\xB8\xA0\xE0\xB8\xB2\xE0\xB8\xA9\xE0\xB8\xB2\xE0\xB9\x84\xE0\xB8\x97"
                  "\xE0\xB8\xA2",
     "\xE0\xB8\xA0 \xE0\xB8\xB2 \xE0\xB8\xA9 \xE0\xB8\xB2 \xE0\xB9\x84 \xE0\xB8\x97 \xE0\xB8\xA2",
     7, 0},
    {"thai marks kept", ALL & ~RP_NORM_STRIP_ACCENTS, "\xE0\xB8\x97\xE0\xB8\xB5\xE0\xB9\x88",
     "\xE0\xB8\x97\xE0\xB8\xB5\xE0\xB9\x88", 1, 0},
    {"thai marks stripped", ALL, "\xE0\xB8\x97\xE0\xB8\xB5\xE0\xB9\x88", "\xE0\xB8\x97", 1, 0},
    {"hangul words", ALL,
     "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4 \xED\x85\x8D\xEC\x8A\xA4\xED\x8A\xB8",
     "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4 \xED\x85\x8D\xEC\x8A\xA4\xED\x8A\xB8", 2, 0},
    {"hangul jamo compose", ALL, "\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB", "\xED\x95\x9C", 1, 0},
    {"mixed scripts", ALL, "Hello\xE4\xB8\x96\xE7\x95\x8C\xD0\x9C\xD0\xB8\xD1\x80 123",
     "hello \xE4\xB8\x96 \xE7\x95\x8C \xD0\xBC\xD0\xB8\xD1\x80 123", 5, 0},
    /* invalid UTF-8 and NUL */
    {"lone continuation", ALL, "ab\x80" "cd", "ab cd", 2, 1},
    {"overlong", ALL, "a\xC0\xAF" "b", "a b", 2, 2},
    {"overlong 3", ALL, "a\xE0\x80\xAF" "b", "a b", 2, 3},
    {"surrogate", ALL, "a\xED\xA0\x80" "b", "a b", 2, 3},
    {"above 10FFFF", ALL, "a\xF4\x90\x80\x80" "b", "a b", 2, 4},
    {"F5..FF", ALL, "a\xF5\xFF" "b", "a b", 2, 2},
    {"cut at end", ALL, "abc\xE2\x82", "abc", 1, 1},
    {"cut inside non-ASCII word", ALL, "\xC3\xA9t\xC3\xA9\xE2\x82", "ete", 1, 1},
    {"repair kept as token", ALL & ~RP_NORM_PUNCT, "a\x80" "b", "a " FFFD " b", 3, 1},
    /* flags off: each step really is off */
    {"all off", 0, "S\xC3\xA9gou \xC3\x89" "COLE \xEF\xAC\x81 Se\xCC\x81gou",
     "S\xC3\xA9gou \xC3\x89" "COLE \xEF\xAC\x81 Se\xCC\x81gou", 4, 0},
    {"all off punct", 0, "Hello, World!", "Hello , World !", 4, 0},
    {"nfkc only", RP_NORM_NFKC, "Se\xCC\x81gou \xEF\xBC\xA1",
     "S\xC3\xA9gou A", 2, 0},
    {"casefold only", RP_NORM_CASEFOLD, "\xEF\xBC\xA1" "B S\xC3\x89gou",
     "\xEF\xBD\x81" "b s\xC3\xA9gou", 2, 0},
    {"strip only", RP_NORM_STRIP_ACCENTS, "S\xC3\xA9gou \xEF\xBC\xA1", "Segou \xEF\xBC\xA1", 2, 0},
    {"strip, not nfkc: nfc", RP_NORM_STRIP_ACCENTS, "\xC3\x85", "A", 1, 0},
    {"punct off", ALL & ~RP_NORM_PUNCT, "a,b... \xE2\x80\xA6!", "a , b . . . . . . !", 10, 0},
    {"punct off nul", ALL & ~RP_NORM_PUNCT, "a\0b", "a b", 2, 0},
    {"nul is space", ALL, "a\0b\0\0c", "a b c", 3, 0},
};

static void test_norm_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof norm_cases / sizeof norm_cases[0]; i++) {
        const struct norm_case *c = &norm_cases[i];
        size_t size = strlen(c->in);
        if (!strcmp(c->name, "punct off nul") || !strcmp(c->name, "nul is space"))
            size = strcmp(c->name, "nul is space") ? 3 : 6;
        size_t n_tok, n_rep;
        char *got = norm_of(c->flags, c->in, size, &n_tok, &n_rep);
        if (strcmp(got, c->norm) != 0 || (c->n_tokens >= 0 && n_tok != (size_t)c->n_tokens) ||
            n_rep != (size_t)c->n_repaired)
            fail_msg("case '%s': norm '%s' (want '%s'), %zu tokens (want %d), %zu repaired "
                     "(want %d)",
                     c->name, got, c->norm, n_tok, c->n_tokens, n_rep, c->n_repaired);
        free(got);
    }
}

/* Canonically equivalent spellings normalize identically (UAX #15), also with accents kept,
 * which needs the canonical reordering of marks. */
static void test_canonical_equivalence(void **state)
{
    (void)state;
    static const struct {
        const char *a, *b;
    } pairs[] = {
        {"e\xCC\xA7\xCC\x81", "e\xCC\x81\xCC\xA7"},       /* cedilla/acute in either order */
        {"\xC8\xA9\xCC\x81", "e\xCC\x81\xCC\xA7"},         /* precomposed ȩ + acute */
        {"\xE1\xB9\xA9", "s\xCC\x87\xCC\xA3"},              /* ṩ = s + dot above + dot below */
        {"s\xCC\xA3\xCC\x87", "s\xCC\x87\xCC\xA3"},
        {"\xE2\x84\xAB", "\xC3\x85"},                         /* Angstrom sign = Å */
        {"A\xCC\x8A", "\xC3\xA5"},
        {"\xED\x95\x9C", "\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB"}, /* Hangul vs jamo */
    };
    const unsigned flag_sets[] = {ALL, ALL & ~RP_NORM_STRIP_ACCENTS};
    for (size_t f = 0; f < 2; f++) {
        for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
            char *a = norm_of(flag_sets[f], pairs[i].a, strlen(pairs[i].a), NULL, NULL);
            char *b = norm_of(flag_sets[f], pairs[i].b, strlen(pairs[i].b), NULL, NULL);
            if (strcmp(a, b) != 0)
                fail_msg("pair %zu, flags %#x: '%s' != '%s'", i, flag_sets[f], a, b);
            free(a);
            free(b);
        }
    }
}

/* text[start..end) is the original spelling; norm slices and hashes agree with the tokens. */
static void test_tokens_offsets(void **state)
{
    (void)state;
    static const char text[] = "  Hello, S\xC3\xA9gou! \xE6\x88\x91\xE4\xBB\xAC x\xC2\xAD" "y "
                               "\xC2\xBD \xEF\xAC\x81n\xE2\x80\x8B";
    static const struct {
        const char *orig, *norm;
    } want[] = {
        {"Hello", "hello"},       {"S\xC3\xA9gou", "segou"}, {"\xE6\x88\x91", "\xE6\x88\x91"},
        {"\xE4\xBB\xAC", "\xE4\xBB\xAC"}, {"x\xC2\xAD" "y", "xy"},  {"\xC2\xBD", "1"},
        {"\xC2\xBD", "2"},        {"\xEF\xAC\x81n", "fin"},
    };
    rp_norm_params p;
    rp_norm_params_default(&p);
    p.seed = 42;
    rp_normalizer *n;
    assert_int_equal(rp_normalizer_create(&n, &p, NULL), RP_OK);
    rp_norm_result r;
    assert_int_equal(rp_normalizer_run(n, text, strlen(text), &r), RP_OK);
    assert_int_equal(r.n_tokens, sizeof want / sizeof want[0]);
    size_t expect_off = 0;
    for (size_t i = 0; i < r.n_tokens; i++) {
        const rp_token *t = &r.tokens[i];
        size_t olen = strlen(want[i].orig), nlen = strlen(want[i].norm);
        assert_int_equal(t->end - t->start, olen);
        assert_memory_equal(text + t->start, want[i].orig, olen);
        assert_int_equal(t->norm_size, nlen);
        assert_memory_equal(r.norm + t->norm_off, want[i].norm, nlen);
        assert_int_equal(t->norm_off, expect_off); /* joined by exactly one space */
        expect_off = t->norm_off + t->norm_size + 1;
        assert_true(t->hash == XXH3_64bits_withSeed(want[i].norm, nlen, 42));
    }
    assert_int_equal(r.norm_size, expect_off - 1);
    XXH128_hash_t h = XXH3_128bits(r.norm, r.norm_size);
    assert_true(r.content_hash[0] == h.low64 && r.content_hash[1] == h.high64);
    rp_normalizer_free(n);
}

/* Same normalized token => same hash, whatever the spelling; seed changes every hash. */
static void test_hashes_and_seed(void **state)
{
    (void)state;
    rp_norm_params p;
    rp_norm_params_default(&p);
    rp_normalizer *a, *b;
    assert_int_equal(rp_normalizer_create(&a, &p, NULL), RP_OK);
    p.seed = 1;
    assert_int_equal(rp_normalizer_create(&b, &p, NULL), RP_OK);
    static const char text[] = "S\xC3\xA9gou SEGOU segou Se\xCC\x81gou";
    rp_norm_result ra, rb;
    assert_int_equal(rp_normalizer_run(a, text, strlen(text), &ra), RP_OK);
    assert_int_equal(ra.n_tokens, 4);
    for (size_t i = 1; i < 4; i++) assert_true(ra.tokens[i].hash == ra.tokens[0].hash);
    uint64_t h0 = ra.tokens[0].hash;
    assert_int_equal(rp_normalizer_run(b, text, strlen(text), &rb), RP_OK);
    assert_true(rb.tokens[0].hash != h0);
    /* but the content hash is unseeded: the exact-duplicate key does not depend on it */
    assert_memory_equal(ra.content_hash, rb.content_hash, sizeof ra.content_hash);
    rp_normalizer_free(a);
    rp_normalizer_free(b);
}

static void test_empty_stable(void **state)
{
    (void)state;
    rp_normalizer *n;
    assert_int_equal(rp_normalizer_create(&n, NULL, NULL), RP_OK);
    rp_norm_result r;
    XXH128_hash_t h = XXH3_128bits("", 0);
    static const char *const empties[] = {"", " ", ",;!", "\t\r\n\xE2\x80\x8B"};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(rp_normalizer_run(n, empties[i], strlen(empties[i]), &r), RP_OK);
        assert_int_equal(r.n_tokens, 0);
        assert_int_equal(r.norm_size, 0);
        assert_string_equal(r.norm, "");
        assert_true(r.content_hash[0] == h.low64 && r.content_hash[1] == h.high64);
    }
    assert_int_equal(rp_normalizer_run(n, NULL, 0, &r), RP_OK);
    assert_int_equal(r.n_tokens, 0);
    assert_true(r.content_hash[0] == h.low64 && r.content_hash[1] == h.high64);
    rp_normalizer_free(n);
}

/* A normalizer is reused across documents: results do not leak from one run to the next. */
static void test_reuse(void **state)
{
    (void)state;
    rp_normalizer *n;
    assert_int_equal(rp_normalizer_create(&n, NULL, NULL), RP_OK);
    rp_norm_result r;
    char big[5000];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (i % 7 == 6) ? ' ' : (char)('a' + i % 26);
    assert_int_equal(rp_normalizer_run(n, big, sizeof big, &r), RP_OK);
    assert_true(r.n_tokens > 500);
    assert_int_equal(rp_normalizer_run(n, "\xC3\x89t\xC3\xA9 x", 7, &r), RP_OK);
    assert_int_equal(r.n_tokens, 2);
    assert_string_equal(r.norm, "ete x");
    assert_int_equal(r.n_repaired, 0);
    assert_int_equal(rp_normalizer_run(n, "\x80", 1, &r), RP_OK);
    assert_int_equal(r.n_repaired, 1);
    assert_int_equal(rp_normalizer_run(n, "q", 1, &r), RP_OK);
    assert_int_equal(r.n_repaired, 0);
    assert_string_equal(r.norm, "q");
    rp_normalizer_free(n);
}

static void test_max_tokens(void **state)
{
    (void)state;
    rp_norm_params p;
    rp_norm_params_default(&p);
    p.max_tokens = 2;
    rp_normalizer *n;
    assert_int_equal(rp_normalizer_create(&n, &p, NULL), RP_OK);
    rp_norm_result r;
    static const char text[] = "a b \xC3\xA9 \xC2\xBD d";
    assert_int_equal(rp_normalizer_run(n, text, strlen(text), &r), RP_OK);
    assert_int_equal(r.n_tokens, 2);
    assert_int_equal(r.n_dropped_tokens, 4); /* é, 1, 2, d */
    assert_string_equal(r.norm, "a b");
    rp_normalizer_free(n);
}

static void test_invalid_args(void **state)
{
    (void)state;
    rp_normalizer *n = (rp_normalizer *)1;
    rp_norm_params p;
    rp_norm_params_default(&p);
    assert_int_equal(p.flags, RP_NORM_DEFAULT);
    assert_int_equal(p.seed, 0);
    assert_int_equal(p.max_tokens, (size_t)16 << 20);
    p.flags = 0x100;
    assert_int_equal(rp_normalizer_create(&n, &p, NULL), RP_E_INVALID);
    assert_null(n);
    assert_int_equal(rp_normalizer_create(NULL, NULL, NULL), RP_E_INVALID);
    assert_int_equal(rp_normalizer_create(&n, NULL, NULL), RP_OK);
    rp_norm_result r;
    assert_int_equal(rp_normalizer_run(n, NULL, 3, &r), RP_E_INVALID);
#if SIZE_MAX > UINT32_MAX
    /* rejected before the text is read */
    assert_int_equal(rp_normalizer_run(n, "x", (size_t)UINT32_MAX + 1, &r), RP_E_TOO_BIG);
#endif
    rp_normalizer_free(n);
    rp_normalizer_free(NULL);
}

/* normalize.c skips reordering and composition for tokens below U+0300; that relies on no
 * code point below U+0300 being a mark or non-starter, nor ever appearing after the first
 * place of a canonical decomposition. Checked against utf8proc's tables. */
static void test_nonstarter_bound(void **state)
{
    (void)state;
    for (int32_t cp = 0; cp < 0x300; cp++) {
        const utf8proc_property_t *p = utf8proc_get_property(cp);
        assert_int_equal(p->combining_class, 0);
        assert_true(p->category != UTF8PROC_CATEGORY_MN && p->category != UTF8PROC_CATEGORY_MC &&
                    p->category != UTF8PROC_CATEGORY_ME);
    }
    for (int32_t cp = 0; cp < 0x110000; cp++) {
        int32_t d[32];
        int bound = 0;
        utf8proc_ssize_t k = utf8proc_decompose_char(cp, d, 32, UTF8PROC_DECOMPOSE, &bound);
        for (utf8proc_ssize_t i = 1; i < k; i++)
            if (d[i] < 0x300) fail_msg("U+%04X decomposes with U+%04X", cp, d[i]);
    }
}

/* ---- idempotence over generated strings ------------------------------------------------ */

static uint64_t rng_state;
static uint64_t rng(void) /* splitmix64, fixed seed: reproducible */
{
    uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static const char *const pieces[] = {
    "a", "Z", "q", "7", " ", "  ", "\t", "\n", ",", ".", "!", "'", "-", "$", "\0",
    "\xC3\xA9", "\xC3\x89", "\xC3\x9F", "\xC3\xB8", "\xC3\x85", "\xE1\xBA\x9E",        /* Latin */
    "\xCC\x81", "\xCC\x88", "\xCC\xA7", "\xCC\x96", "\xCD\x85",                        /* marks */
    "\xC2\xAD", "\xE2\x80\x8D", "\xE2\x80\x8B", "\xEF\xBB\xBF", "\xD8\x80",           /* Cf */
    "\xEF\xAC\x81", "\xEF\xBC\xA1", "\xEF\xBC\x91", "\xEF\xBC\x81", "\xC2\xBD", "\xC2\xB2",
    "\xE2\x80\xA6", "\xE2\x80\x99", "\xE2\x84\xAB", "\xE2\x84\xA6", "\xE3\x8F\x82",   /* compat */
    "\xE6\x88\x91", "\xE4\xBB\xAC", "\xE3\x81\x8B", "\xE3\x82\xAB", "\xEF\xBD\xB6",
    "\xEF\xBE\x9E", "\xE3\x8A\x80", "\xE3\x8B\x90",                                    /* CJK */
    "\xE0\xB8\x97", "\xE0\xB8\xB5", "\xE0\xB9\x88", "\xE0\xBA\x81", "\xE1\x9E\x80",   /* Thai.. */
    "\xE1\x80\x80", "\xE1\x80\xAC", "\xED\x95\x9C", "\xE1\x84\x92", "\xE1\x85\xA1",   /* Hangul */
    "\xCE\xA3", "\xCE\x90", "\xCE\x86", "\xE1\xBE\xBC", "\xD0\x99", "\xD8\xB3",       /* Greek.. */
    "\xEF\xB7\xBA", "\xE0\xA4\x95", "\xE0\xA4\xBF", "\xE0\xA5\x8D", "\xF0\x9F\x98\x80",
    "\xEF\xBF\xBD", "\x80", "\xC0", "\xE2\x82", "\xED\xA0\x80", "\xF4\x90", "\xFF",   /* bad */
};

static char *gen_string(size_t *size)
{
    size_t n_pieces = 1 + rng() % 30;
    char *s = malloc(n_pieces * 4 + 1);
    size_t len = 0;
    for (size_t i = 0; i < n_pieces; i++) {
        size_t k = rng() % (sizeof pieces / sizeof pieces[0]);
        size_t plen = pieces[k][0] ? strlen(pieces[k]) : 1; /* "\0" is one NUL byte */
        memcpy(s + len, pieces[k], plen);
        len += plen;
    }
    *size = len;
    return s;
}

static void check_idempotent(unsigned flags, int iterations)
{
    rp_norm_params p;
    rp_norm_params_default(&p);
    p.flags = flags;
    rp_normalizer *n1, *n2;
    assert_int_equal(rp_normalizer_create(&n1, &p, NULL), RP_OK);
    assert_int_equal(rp_normalizer_create(&n2, &p, NULL), RP_OK);
    for (int it = 0; it < iterations; it++) {
        size_t size;
        char *s = gen_string(&size);
        rp_norm_result r1, r2;
        assert_int_equal(rp_normalizer_run(n1, s, size, &r1), RP_OK);
        assert_int_equal(rp_normalizer_run(n2, r1.norm, r1.norm_size, &r2), RP_OK);
        if (r1.norm_size != r2.norm_size || memcmp(r1.norm, r2.norm, r1.norm_size) != 0 ||
            r1.n_tokens != r2.n_tokens) {
            char hex[512] = "";
            for (size_t i = 0; i < size && i < 120; i++)
                snprintf(hex + strlen(hex), sizeof hex - strlen(hex), "%02x ",
                         (unsigned char)s[i]);
            fail_msg("flags %#x, iteration %d: not idempotent\n input %s\n norm1 '%s'\n "
                     "norm2 '%s'", flags, it, hex, r1.norm, r2.norm);
        }
        /* the output is clean: valid UTF-8, no empty tokens, no double spaces */
        assert_int_equal(r2.n_repaired, 0);
        for (size_t i = 0; i < r1.n_tokens; i++) {
            assert_true(r1.tokens[i].norm_size > 0);
            assert_true(memchr(r1.norm + r1.tokens[i].norm_off, ' ', r1.tokens[i].norm_size) ==
                        NULL);
            assert_true(r1.tokens[i].hash == r2.tokens[i].hash);
        }
        assert_memory_equal(r1.content_hash, r2.content_hash, sizeof r1.content_hash);
        free(s);
    }
    rp_normalizer_free(n1);
    rp_normalizer_free(n2);
}

static void test_idempotent(void **state)
{
    (void)state;
    static const unsigned flag_sets[] = {
        ALL, ALL & ~RP_NORM_PUNCT, ALL & ~RP_NORM_CJK_CHARS, ALL & ~RP_NORM_STRIP_ACCENTS,
        RP_NORM_NFKC | RP_NORM_CASEFOLD, RP_NORM_NFKC, RP_NORM_STRIP_ACCENTS, 0,
    };
    rng_state = 12345;
    for (size_t i = 0; i < sizeof flag_sets / sizeof flag_sets[0]; i++)
        check_idempotent(flag_sets[i], i == 0 ? 1000 : 300);
}

/* ---- allocation failure ------------------------------------------------------------------ */

static const char fault_text[] =
    "The Ségou ﬁnal REPORT, 我们的世界 ½ \x80 co\xC2\xADoperate Straße ﷺ and more words here";

static void test_fault_injection(void **state)
{
    (void)state;
    char *want = norm_of(ALL, fault_text, strlen(fault_text), NULL, NULL);
    int n_fail = 0, n_ok_after_fail = 0;
    for (long k = 1; k < 200; k++) {
        rpi_fault_malloc_arm(k);
        rp_normalizer *n = NULL;
        rp_status st = rp_normalizer_create(&n, NULL, NULL);
        if (st != RP_OK) {
            assert_int_equal(st, RP_E_NOMEM);
            assert_null(n);
            n_fail++;
            continue;
        }
        rp_norm_result r;
        st = rp_normalizer_run(n, fault_text, strlen(fault_text), &r);
        long calls = rpi_fault_malloc_calls();
        if (st != RP_OK) {
            assert_int_equal(st, RP_E_NOMEM);
            n_fail++;
            /* the normalizer stays usable after a failed run */
            rpi_fault_malloc_arm(0);
            assert_int_equal(rp_normalizer_run(n, fault_text, strlen(fault_text), &r), RP_OK);
            n_ok_after_fail++;
        }
        assert_string_equal(r.norm, want);
        rp_normalizer_free(n);
        if (calls < k) break; /* every allocation has been failed once */
    }
    rpi_fault_malloc_arm(0);
    assert_true(n_fail >= 3); /* create, norm buffer, tokens, UTF-32 buffer */
    assert_true(n_ok_after_fail >= 2);
    free(want);
}

/* A custom allocator sees every allocation and gets every block back. */
static long g_live;
static void *count_alloc(void *opaque, size_t size)
{
    (void)opaque;
    g_live++;
    return malloc(size);
}
static void count_free(void *opaque, void *ptr)
{
    (void)opaque;
    if (ptr) g_live--;
    free(ptr);
}

static void test_custom_alloc(void **state)
{
    (void)state;
    rp_alloc a = {count_alloc, count_free, NULL};
    rp_normalizer *n;
    g_live = 0;
    assert_int_equal(rp_normalizer_create(&n, NULL, &a), RP_OK);
    a.alloc = NULL; /* the normalizer keeps its own copy */
    rp_norm_result r;
    assert_int_equal(rp_normalizer_run(n, fault_text, strlen(fault_text), &r), RP_OK);
    assert_true(g_live >= 3);
    rp_normalizer_free(n);
    assert_int_equal(g_live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_norm_table),     cmocka_unit_test(test_canonical_equivalence),
        cmocka_unit_test(test_tokens_offsets),
        cmocka_unit_test(test_hashes_and_seed), cmocka_unit_test(test_empty_stable),
        cmocka_unit_test(test_reuse),          cmocka_unit_test(test_max_tokens),
        cmocka_unit_test(test_invalid_args),   cmocka_unit_test(test_nonstarter_bound),
        cmocka_unit_test(test_idempotent),
        cmocka_unit_test(test_fault_injection), cmocka_unit_test(test_custom_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
