/* SPDX-License-Identifier: MIT */
/* lang_detect.cc -- language identification (lang_internal.h) through CLD2, Google's Compact
 * Language Detector 2 (Debian: libcld2-dev), the one C++ file of the library: CLD2 has no C
 * interface. CLD2 scores quadgrams and words of up to 83 languages from tables built in; it
 * needs no model file and no allocation per call. Measured cost in docs/benchmarks.md
 * ("Across languages"). */
#include <cstdio>  /* FILE, which compact_lang_det.h uses without including it */
#include <cstring> /* memcpy, strlen */
#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>
#include "lang_internal.h"

namespace CLD2
{
const char *LanguageCode(Language lang); /* lang_script.h, which is internal to CLD2 */
}

/* Over 4 KiB a text's language is settled; CLD2's cost grows with the bytes it reads. */
#define DETECT_BYTES (4u << 10)
#define SURE_PERCENT 80 /* share of the text in its language (CLD2's percent3[0]) */
/* Letters CLD2 must have scored: short texts come out "reliable" in the wrong language
 * (MStream's lower-cased tweets: "wendys mcdonalds" German, "istanbul talks failed iran"
 * Turkish; 39 languages in 30,322 English tweets, 676 false translations). */
#define SURE_BYTES RPI_LANG_MIN_BYTES

static void set_code(char code[RPI_LANG_SIZE], const char *c)
{
    size_t n = c ? strlen(c) : 0;
    if (n == 0 || n >= RPI_LANG_SIZE || !strcmp(c, "un") || !strcmp(c, "xxx")) {
        c = "und";
        n = 3;
    }
    memcpy(code, c, n);
    code[n] = '\0';
}

int rpi_lang_cld2(const char *text, size_t n, char code[RPI_LANG_SIZE])
{
    if (n > DETECT_BYTES) { /* cut at a character boundary: never inside a UTF-8 sequence */
        n = DETECT_BYTES;
        while (n > 0 && ((unsigned char)text[n] & 0xC0u) == 0x80u)
            n--;
    }
    bool reliable = false;
    int valid = 0, bytes = 0, percent[3] = {0, 0, 0};
    double score[3];
    CLD2::Language top[3];
    CLD2::Language l;
    try { /* CLD2 allocates with new: out of memory is an exception, not a crash */
        l = CLD2::ExtDetectLanguageSummaryCheckUTF8(text, (int)n, true, NULL, 0, top, percent,
                                                    score, NULL, &bytes, &reliable, &valid);
        if (valid < (int)n && valid > 0) /* read the valid part when the rest is not UTF-8 */
            l = CLD2::ExtDetectLanguageSummaryCheckUTF8(text, valid, true, NULL, 0, top, percent,
                                                        score, NULL, &bytes, &reliable, &valid);
    } catch (...) {
        set_code(code, "und");
        return -1;
    }
    set_code(code, CLD2::LanguageCode(l));
    /* sure: CLD2 calls it reliable and the language holds most of the text. English news
     * about an Italian company ("Agricola Finanziaria SpA", "Gruppo Ferruzzi") came out
     * Italian, reliable, at 63% (Reuters-21578: 6 of 21,578 texts called German, Italian,
     * French or Malagasy; none at 80% or more). */
    return reliable && percent[0] >= SURE_PERCENT && bytes >= SURE_BYTES ? 1 : 0;
}

int rpi_lang_available(void) { return 1; }
