/* SPDX-License-Identifier: MIT */
/* lang_none.c -- language identification when the build has no CLD2 (-DRP_WITH_CLD2=OFF or
 * libcld2-dev missing): every text is "und", so no word list is used and texts of different
 * languages are compared on names, numbers and transliteration only. */
#include <string.h> /* memcpy */
#include "lang_internal.h"

int rpi_lang_cld2(const char *text, size_t n, char code[RPI_LANG_SIZE])
{
    (void)text;
    (void)n;
    memcpy(code, "und", 4);
    return 0;
}

int rpi_lang_available(void) { return 0; }
