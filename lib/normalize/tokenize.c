/* SPDX-License-Identifier: MIT */
/* tokenize.c -- what a token is: the character classes (from the Unicode general category,
 * via utf8proc) and the table of scripts written without spaces between words. */
#include <stddef.h>             /* size_t */
#include <utf8proc.h>           /* utf8proc_category */
#include "reprint/rp_normalize.h" /* RP_NORM_* */
#include "normalize_internal.h"

/*
 * Word boundaries follow a simplified UAX #29: a word is a maximal run of letters (L*),
 * numbers (N*) and combining marks (M*); punctuation (P*), symbols (S*), separators (Z*) and
 * controls (Cc) end it. Format characters (Cf: soft hyphen, ZWJ/ZWNJ, ZWSP, BOM, bidi marks)
 * are invisible and are dropped without ending the word, so "co\u00ADoperate" is one word.
 * Private-use (Co) and unassigned (Cn) code points count as letters: a character newer than
 * utf8proc's tables must not silently disappear.
 *
 * UAX #29 leaves Han, Kana, Thai, Lao, Khmer and Myanmar to dictionary-based segmentation,
 * which we do not attempt. With RP_NORM_CJK_CHARS each of their letters becomes its own token
 * (with any combining marks that follow it, so Thai tone marks and Myanmar vowel signs stay on
 * their consonant), and word n-grams over them are character n-grams, the usual choice for
 * near-duplicate detection in those languages. Hangul is written with spaces and stays a word
 * script. Tibetan is left out: its syllables are separated by the tsheg (U+0F0B, Po), which
 * already ends a token, so its tokens are syllables. utf8proc has no Script property, hence
 * the block table below (Unicode 15 Blocks.txt).
 */
static const struct {
    int32_t lo, hi;
} nospace_ranges[] = {
    {0x0E00, 0x0E7F},   /* Thai */
    {0x0E80, 0x0EFF},   /* Lao */
    {0x1000, 0x109F},   /* Myanmar */
    {0x1780, 0x17FF},   /* Khmer */
    {0x19E0, 0x19FF},   /* Khmer Symbols */
    {0x3005, 0x3007},   /* ideographic iteration mark, closing mark, number zero */
    {0x3021, 0x3029},   /* Hangzhou numerals */
    {0x3031, 0x3035},   /* kana repeat marks */
    {0x3038, 0x303C},   /* Hangzhou numerals 10-30, masu mark */
    {0x3040, 0x309F},   /* Hiragana */
    {0x30A0, 0x30FF},   /* Katakana */
    {0x3100, 0x312F},   /* Bopomofo */
    {0x31A0, 0x31BF},   /* Bopomofo Extended */
    {0x31F0, 0x31FF},   /* Katakana Phonetic Extensions */
    {0x3400, 0x4DBF},   /* CJK Unified Ideographs Extension A */
    {0x4E00, 0x9FFF},   /* CJK Unified Ideographs */
    {0xA9E0, 0xA9FF},   /* Myanmar Extended-B */
    {0xAA60, 0xAA7F},   /* Myanmar Extended-A */
    {0xF900, 0xFAFF},   /* CJK Compatibility Ideographs */
    {0xFF66, 0xFF9D},   /* Halfwidth Katakana (FF9E/FF9F are marks, see below) */
    {0x1AFF0, 0x1AFFF}, /* Kana Extended-B */
    {0x1B000, 0x1B16F}, /* Kana Supplement, Kana Extended-A, Small Kana Extension */
    {0x20000, 0x3FFFF}, /* CJK Extensions B..H, Compatibility Ideographs Supplement */
};

int rpi_norm_is_nospace_script(int32_t cp)
{
    if (cp < 0x0E00) return 0; /* fast exit for Latin, Greek, Cyrillic, Arabic, Indic... */
    size_t lo = 0, hi = sizeof nospace_ranges / sizeof nospace_ranges[0];
    while (lo < hi) { /* binary search over sorted, disjoint ranges */
        size_t mid = lo + (hi - lo) / 2;
        if (cp < nospace_ranges[mid].lo) hi = mid;
        else if (cp > nospace_ranges[mid].hi) lo = mid + 1;
        else return 1;
    }
    return 0;
}

enum rpi_char_kind rpi_norm_classify(int32_t cp, unsigned flags)
{
    /* Halfwidth katakana (semi-)voiced sound marks are Lm but behave as combining marks:
     * NFKC maps them to U+3099/U+309A, which compose with the preceding kana. */
    if (cp == 0xFF9E || cp == 0xFF9F) return RPI_K_MARK;
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_CN:
        if ((flags & RP_NORM_CJK_CHARS) && rpi_norm_is_nospace_script(cp)) return RPI_K_CJK;
        return RPI_K_WORD;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return RPI_K_MARK;
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_CC:
        return RPI_K_SPACE;
    case UTF8PROC_CATEGORY_CF:
        return RPI_K_FORMAT;
    default: /* P*, S*; Cs cannot occur (the decoder rejects surrogates) */
        return RPI_K_PUNCT;
    }
}
