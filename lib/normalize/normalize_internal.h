/* SPDX-License-Identifier: MIT */
/* normalize_internal.h -- private parts of the normalization stage: the repairing UTF-8
 * decoder and the character classes that decide token boundaries. Never installed. */
#ifndef RP_NORMALIZE_INTERNAL_H
#define RP_NORMALIZE_INTERNAL_H
#include <stddef.h>                /* size_t */
#include <stdint.h>                /* int32_t */
#include "common/common_internal.h" /* RPI_FUNC */

/* Returned in *cp by rpi_utf8_decode for an ill-formed sequence (to be shown as U+FFFD). */
#define RPI_UTF8_BAD (-1)
#define RPI_REPLACEMENT_CHAR 0xFFFD

/* Decode one code point from s[0..n), n >= 1. Returns the bytes consumed (1..4, never 0).
 * Well-formed sequences follow Unicode 15 ch. 3 Table 3-7; on an ill-formed one *cp is
 * RPI_UTF8_BAD and the return value is the length of its "maximal subpart" (the longest
 * prefix of a well-formed sequence, or 1 byte), so the caller emits exactly one U+FFFD per
 * maximal subpart and resumes at the first byte that did not fit (ch. 3, "U+FFFD
 * Substitution of Maximal Subparts"). Overlongs (C0, C1, E0 80..9F, F0 80..8F), surrogates
 * (ED A0..BF), values above U+10FFFF (F4 90.., F5..FF), lone continuation bytes and sequences
 * cut by the end of input are all ill-formed. */
static inline size_t rpi_utf8_decode(const unsigned char *s, size_t n, int32_t *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = (int32_t)c;
        return 1;
    }
    if (c < 0xC2 || c > 0xF4) { /* continuation byte, overlong lead C0/C1, or F5..FF */
        *cp = RPI_UTF8_BAD;
        return 1;
    }
    size_t need;
    unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte (Table 3-7) */
    uint32_t v;
    if (c < 0xE0) {
        need = 1;
        v = c & 0x1Fu;
    } else if (c < 0xF0) {
        need = 2;
        v = c & 0x0Fu;
        if (c == 0xE0) lo = 0xA0;      /* overlong */
        else if (c == 0xED) hi = 0x9F; /* surrogates */
    } else {
        need = 3;
        v = c & 0x07u;
        if (c == 0xF0) lo = 0x90;      /* overlong */
        else if (c == 0xF4) hi = 0x8F; /* above U+10FFFF */
    }
    for (size_t i = 1; i <= need; i++) {
        if (i >= n) { /* cut by the end of input: the prefix is one maximal subpart */
            *cp = RPI_UTF8_BAD;
            return i;
        }
        unsigned b = s[i];
        if (b < lo || b > hi) {
            *cp = RPI_UTF8_BAD;
            return i;
        }
        lo = 0x80;
        hi = 0xBF;
        v = (v << 6) | (b & 0x3Fu);
    }
    *cp = (int32_t)v;
    return need + 1;
}

/* What a character does to tokenization (see tokenize.c). */
enum rpi_char_kind {
    RPI_K_SPACE = 0,  /* Z*, Cc (NUL included): ends a token, dropped */
    RPI_K_WORD = 1,   /* L*, N*, Co, Cn: part of a word */
    RPI_K_MARK = 2,   /* M*: continues the current token (word or CJK); starts a word if none */
    RPI_K_PUNCT = 3,  /* P*, S* (and U+FFFD for repaired bytes): ends a token; dropped with
                         RP_NORM_PUNCT, else a one-character token */
    RPI_K_FORMAT = 4, /* Cf: dropped without ending the token */
    RPI_K_CJK = 5     /* letter/number of a script written without spaces, with
                         RP_NORM_CJK_CHARS: one token per character (plus its marks) */
};

/* Kind of code point cp (0..0x10FFFF) under the RP_NORM_* flags. Pure function. */
RPI_FUNC enum rpi_char_kind rpi_norm_classify(int32_t cp, unsigned flags);

/* Nonzero when cp belongs to a script written without spaces between words (Han, Kana,
 * Bopomofo, Thai, Lao, Khmer, Myanmar). Pure function. */
RPI_FUNC int rpi_norm_is_nospace_script(int32_t cp);

#endif /* RP_NORMALIZE_INTERNAL_H */
