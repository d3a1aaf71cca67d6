/* SPDX-License-Identifier: MIT */
/* json_out.c -- JSON string literals and numbers for every JSON the programs write (JSON Lines
 * results, index statistics, server answers, the report's data block). */
#include <stdlib.h>          /* malloc, free */
#include <string.h>          /* strlen */
#include "reprint/reprint.h" /* rp_utf8_repair */
#include "json_out.h"

size_t jout_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    const unsigned c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, v = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, v = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, v = c & 0x07, min = 0x10000;
    else
        goto bad;
    if (len > n) goto bad;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) goto bad;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) goto bad;
    *cp = v;
    return len;
bad:
    *cp = 0xFFFD;
    return 1;
}

/* HTML-safe form: decode as we go (see JOUT_HTML). */
static void str_html(FILE *f, const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const unsigned char c = s[i];
        if (c >= 0x80) {
            uint32_t cp;
            const size_t k = jout_utf8_next(s + i, n - i, &cp);
            if (cp == 0x2028 || cp == 0x2029)
                fprintf(f, "\\u%04x", (unsigned)cp);
            else if (cp == 0xFFFD && k == 1)
                fputs("\\ufffd", f);
            else
                fwrite(s + i, 1, k, f);
            i += k;
            continue;
        }
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\t': fputs("\\t", f); break;
        case '\r': fputs("\\r", f); break;
        case '<': fputs("\\u003c", f); break;
        case '>': fputs("\\u003e", f); break;
        case '&': fputs("\\u0026", f); break;
        default:
            if (c < 0x20 || c == 0x7F)
                fprintf(f, "\\u%04x", c);
            else
                putc(c, f);
        }
        i++;
    }
}

/* Plain form: ASCII runs go out in one write; text with non-ASCII bytes is first passed
 * through the library's UTF-8 repair (invalid sequences become U+FFFD). */
static void str_plain(FILE *f, const unsigned char *s, size_t n)
{
    char *fixed = NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0x80) continue;
        fixed = malloc(3 * n + 1);
        if (fixed) {
            n = rp_utf8_repair((const char *)s, n, fixed, NULL);
            s = (const unsigned char *)fixed;
        }
        break;
    }
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && s[j] >= 0x20 && s[j] != '"' && s[j] != '\\' && (s[j] < 0x80 || fixed))
            j++;
        if (j > i) fwrite(s + i, 1, j - i, f);
        if (j == n) break;
        const unsigned char c = s[j];
        i = j + 1;
        if (c == '"' || c == '\\') {
            putc('\\', f);
            putc(c, f);
        } else if (c < 0x20) {
            switch (c) {
            case '\n': fputs("\\n", f); break;
            case '\t': fputs("\\t", f); break;
            case '\r': fputs("\\r", f); break;
            default: fprintf(f, "\\u%04x", c);
            }
        } else {
            fputs("\\ufffd", f); /* out of memory for the repair: stay valid JSON */
        }
    }
    free(fixed);
}

void jout_str_n(FILE *f, const char *s, size_t n, unsigned flags)
{
    putc('"', f);
    if (flags & JOUT_HTML)
        str_html(f, (const unsigned char *)s, n);
    else
        str_plain(f, (const unsigned char *)s, n);
    putc('"', f);
}

void jout_str(FILE *f, const char *s)
{
    if (s)
        jout_str_n(f, s, strlen(s), 0);
    else
        fputs("null", f);
}

void jout_str_html(FILE *f, const char *s)
{
    if (s)
        jout_str_n(f, s, strlen(s), JOUT_HTML);
    else
        fputs("null", f);
}

void jout_score(FILE *f, double v) { fprintf(f, "%.4f", v); }

void jout_num4(FILE *f, double v)
{
    if (v != v || v > 1e300 || v < -1e300) v = 0; /* JSON has no NaN or infinity */
    fprintf(f, "%.4g", v);
}

void jout_u64(FILE *f, uint64_t v) { fprintf(f, "%llu", (unsigned long long)v); }
