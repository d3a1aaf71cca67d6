/* SPDX-License-Identifier: MIT */
/* utf8.c -- UTF-8 validation and repair: each maximal invalid subpart becomes U+FFFD
 * (Unicode 15 ch. 3, "U+FFFD Substitution of Maximal Subparts"). */
#include <stddef.h>               /* size_t */
#include <string.h>               /* memcpy */
#include "reprint/rp_normalize.h" /* rp_utf8_repair */
#include "normalize_internal.h"   /* rpi_utf8_decode */

/* Valid sequences are copied unchanged and runs of ASCII are copied eight bytes at a time.
 * The worst case is one U+FFFD (3 bytes) per input byte, hence the 3*size capacity rule. */
size_t rp_utf8_repair(const char *in, size_t size, char *out, size_t *n_repaired)
{
    const unsigned char *s = (const unsigned char *)in;
    unsigned char *w = (unsigned char *)out;
    size_t pos = 0, repaired = 0;
    while (pos < size) {
        while (size - pos >= 8) { /* ASCII run: no byte has its high bit set */
            uint64_t chunk;
            memcpy(&chunk, s + pos, 8);
            if (chunk & UINT64_C(0x8080808080808080)) break;
            memcpy(w, &chunk, 8);
            w += 8;
            pos += 8;
        }
        if (pos >= size) break;
        if (s[pos] < 0x80) {
            *w++ = s[pos++];
            continue;
        }
        int32_t cp;
        size_t len = rpi_utf8_decode(s + pos, size - pos, &cp);
        if (cp == RPI_UTF8_BAD) {
            *w++ = 0xEF; /* U+FFFD */
            *w++ = 0xBF;
            *w++ = 0xBD;
            repaired++;
        } else {
            memcpy(w, s + pos, len);
            w += len;
        }
        pos += len;
    }
    if (n_repaired) *n_repaired = repaired;
    return (size_t)(w - (unsigned char *)out);
}
