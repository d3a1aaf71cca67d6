/* SPDX-License-Identifier: MIT */
/* test_utf8.c -- UTF-8 decoding with repair: every ill-formed class of Unicode 15 ch. 3,
 * maximal-subpart substitution (Table 3-8), and an exhaustive cross-check with utf8proc. */
#include <stdarg.h>  /* cmocka needs these four */
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>   /* memcmp, strlen */
#include <utf8proc.h> /* utf8proc_iterate: the reference for well-formed sequences */
#include "reprint/rp_normalize.h"
#include "normalize/normalize_internal.h"

#define FFFD "\xEF\xBF\xBD"

struct repair_case {
    const char *name;
    const char *in;
    size_t in_size; /* 0: strlen(in) */
    const char *out;
    size_t out_size; /* 0: strlen(out) */
    size_t n_repaired;
};

static const struct repair_case repair_cases[] = {
    {"ascii", "abc", 0, "abc", 0, 0},
    {"2-byte", "\xC3\xA9t\xC3\xA9", 0, "\xC3\xA9t\xC3\xA9", 0, 0},
    {"3-byte", "\xE2\x82\xAC", 0, "\xE2\x82\xAC", 0, 0},
    {"4-byte", "\xF0\x9F\x98\x80", 0, "\xF0\x9F\x98\x80", 0, 0},
    {"lone continuation", "a\x80z", 0, "a" FFFD "z", 0, 1},
    {"two continuations", "\xBF\x80", 0, FFFD FFFD, 0, 2},
    {"overlong C0", "\xC0\xAF", 0, FFFD FFFD, 0, 2},
    {"overlong C1", "\xC1\xBF", 0, FFFD FFFD, 0, 2},
    {"overlong E0 80", "\xE0\x80\xAF", 0, FFFD FFFD FFFD, 0, 3},
    {"overlong E0 9F", "\xE0\x9F\xBF", 0, FFFD FFFD FFFD, 0, 3},
    {"smallest 3-byte", "\xE0\xA0\x80", 0, "\xE0\xA0\x80", 0, 0},
    {"overlong F0 80", "\xF0\x80\x80\xAF", 0, FFFD FFFD FFFD FFFD, 0, 4},
    {"overlong F0 8F", "\xF0\x8F\xBF\xBF", 0, FFFD FFFD FFFD FFFD, 0, 4},
    {"surrogate D800", "\xED\xA0\x80", 0, FFFD FFFD FFFD, 0, 3},
    {"surrogate DFFF", "\xED\xBF\xBF", 0, FFFD FFFD FFFD, 0, 3},
    {"U+D7FF is fine", "\xED\x9F\xBF", 0, "\xED\x9F\xBF", 0, 0},
    {"above 10FFFF", "\xF4\x90\x80\x80", 0, FFFD FFFD FFFD FFFD, 0, 4},
    {"U+10FFFF is fine", "\xF4\x8F\xBF\xBF", 0, "\xF4\x8F\xBF\xBF", 0, 0},
    {"F5 lead", "\xF5\x80\x80\x80", 0, FFFD FFFD FFFD FFFD, 0, 4},
    {"FE FF", "\xFE\xFF", 0, FFFD FFFD, 0, 2},
    {"cut 2 of 3 at end", "a\xE2\x82", 0, "a" FFFD, 0, 1},
    {"cut 1 of 2 at end", "a\xC3", 0, "a" FFFD, 0, 1},
    {"cut 3 of 4 at end", "\xF0\x9F\x98", 0, FFFD, 0, 1},
    {"cut in the middle", "\xE2\x82\x41", 0, FFFD "A", 0, 1},
    /* Unicode 15 ch. 3, Table 3-8: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64 */
    {"table 3-8", "a\xF1\x80\x80\xE1\x80\xC2" "b\x80" "c\x80\xBF" "d", 0,
     "a" FFFD FFFD FFFD "b" FFFD "c" FFFD FFFD "d", 0, 6},
    {"NUL bytes kept", "a\0b\0", 4, "a\0b\0", 4, 0},
    {"long ASCII then bad", "0123456789abcdefghij\xFF" "klmnopqrstuvwxyz", 0,
     "0123456789abcdefghij" FFFD "klmnopqrstuvwxyz", 0, 1},
    {"empty", "", 0, "", 0, 0},
};

static void test_repair_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof repair_cases / sizeof repair_cases[0]; i++) {
        const struct repair_case *c = &repair_cases[i];
        size_t in_size = c->in_size ? c->in_size : strlen(c->in);
        size_t out_size = c->out_size ? c->out_size : strlen(c->out);
        char out[256];
        size_t n_rep = 999;
        assert_true(3 * in_size <= sizeof out);
        size_t w = rp_utf8_repair(c->in, in_size, out, &n_rep);
        if (w != out_size || memcmp(out, c->out, w) != 0 || n_rep != c->n_repaired)
            fail_msg("case '%s': wrote %zu bytes (want %zu), repaired %zu (want %zu)", c->name,
                     w, out_size, n_rep, c->n_repaired);
    }
}

static void test_repair_null_count(void **state)
{
    (void)state;
    char out[16];
    assert_int_equal(rp_utf8_repair("\x80", 1, out, NULL), 3);
    assert_memory_equal(out, FFFD, 3);
}

/* The repaired output is always valid: repairing it again changes nothing. */
static void test_repair_idempotent(void **state)
{
    (void)state;
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (int iter = 0; iter < 2000; iter++) {
        unsigned char in[64];
        char out[192], out2[576];
        size_t len = (size_t)(iter % 64);
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            in[i] = (unsigned char)(x >> 24);
        }
        size_t n1, n2;
        size_t w = rp_utf8_repair((const char *)in, len, out, &n1);
        size_t w2 = rp_utf8_repair(out, w, out2, &n2);
        assert_int_equal(n2, 0);
        assert_int_equal(w2, w);
        assert_memory_equal(out, out2, w);
    }
}

/* Decoder vs utf8proc_iterate on every 1..3 byte sequence with a non-ASCII lead and a sample
 * of 4-byte ones: same verdict on well-formed sequences, same code point; and an ill-formed
 * one never consumes a byte that would start a valid continuation of its subpart. */
static void check_seq(const unsigned char *s, size_t n)
{
    int32_t cp, ref;
    size_t len = rpi_utf8_decode(s, n, &cp);
    utf8proc_ssize_t rlen = utf8proc_iterate(s, (utf8proc_ssize_t)n, &ref);
    assert_true(len >= 1 && len <= n);
    if (cp != RPI_UTF8_BAD) {
        assert_true(rlen > 0);
        assert_int_equal(len, (size_t)rlen);
        assert_int_equal(cp, ref);
    } else if (rlen > 0 && (size_t)rlen == n) {
        fail_msg("decoder rejects a sequence utf8proc accepts: %02x %02x %02x", s[0],
                 n > 1 ? s[1] : 0, n > 2 ? s[2] : 0);
    }
}

static void test_decoder_exhaustive(void **state)
{
    (void)state;
    unsigned char s[4];
    for (unsigned a = 0; a < 256; a++) {
        s[0] = (unsigned char)a;
        check_seq(s, 1);
        if (a < 0x80) continue;
        for (unsigned b = 0; b < 256; b++) {
            s[1] = (unsigned char)b;
            check_seq(s, 2);
            if (a < 0xE0) continue;
            for (unsigned c = 0x70; c < 0xD0; c++) {
                s[2] = (unsigned char)c;
                check_seq(s, 3);
                if (a < 0xF0) continue;
                s[3] = (unsigned char)(0x80 + ((a + b + c) & 0x3F));
                check_seq(s, 4);
                s[3] = 0x41;
                check_seq(s, 4);
            }
        }
    }
}

struct decode_case {
    const char *in;
    size_t len;
    int32_t cp;
};

static void test_decoder_lengths(void **state)
{
    (void)state;
    static const struct decode_case cases[] = {
        {"\xE0\x80\x80", 1, RPI_UTF8_BAD},     /* E0 then a byte outside A0..BF */
        {"\xE1\x80\x41", 2, RPI_UTF8_BAD},     /* maximal subpart E1 80 */
        {"\xF0\x90\x80\x41", 3, RPI_UTF8_BAD}, /* maximal subpart F0 90 80 */
        {"\xF4\x90\x80\x80", 1, RPI_UTF8_BAD}, /* F4 then a byte outside 80..8F */
        {"\xED\xA0\x80", 1, RPI_UTF8_BAD},
        {"\xC2\x80", 2, 0x80},
        {"\xF0\x90\x80\x80", 4, 0x10000},
        {"\x7F", 1, 0x7F},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int32_t cp;
        size_t len = rpi_utf8_decode((const unsigned char *)cases[i].in, strlen(cases[i].in), &cp);
        assert_int_equal(len, cases[i].len);
        assert_int_equal(cp, cases[i].cp);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repair_table),
        cmocka_unit_test(test_repair_null_count),
        cmocka_unit_test(test_repair_idempotent),
        cmocka_unit_test(test_decoder_exhaustive),
        cmocka_unit_test(test_decoder_lengths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
