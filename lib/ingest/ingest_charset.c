/* SPDX-License-Identifier: MIT */
/* ingest_charset.c -- texts that are not UTF-8: byte order marks, declared charsets (HTTP
 * Content-Type, HTML <meta>), detection (uchardet) and conversion (iconv) to UTF-8; and the
 * binary sniff that keeps executables, archives and random bytes out of the text path. */
#include <errno.h>  /* E2BIG, EILSEQ, EINVAL */
#include <iconv.h>  /* iconv_open, iconv */
#include <stdio.h>  /* snprintf */
#include <string.h>  /* memcmp, memcpy, strlen */
#include <strings.h> /* strcasecmp */
#include <uchardet/uchardet.h>
#include "ingest_internal.h"

/* Length of the valid UTF-8 sequence of 2-4 bytes at p[0, n) (RFC 3629 section 4: no
 * overlongs, no surrogates, nothing above U+10FFFF), 0 if there is none. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    const unsigned c = p[0];
    size_t k;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        k = 1;
    else if (c == 0xE0)
        k = 2, lo = 0xA0;
    else if (c == 0xED)
        k = 2, hi = 0x9F;
    else if (c >= 0xE1 && c <= 0xEF)
        k = 2;
    else if (c == 0xF0)
        k = 3, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3)
        k = 3;
    else if (c == 0xF4)
        k = 3, hi = 0x8F;
    else
        return 0;
    if (n <= k || p[1] < lo || p[1] > hi) return 0;
    for (size_t i = 2; i <= k; i++)
        if ((p[i] & 0xC0) != 0x80) return 0;
    return k + 1;
}

/* Whether invalid UTF-8 reads as a legacy charset rather than damaged UTF-8: some byte
 * 0xC0-0xFF is not followed by a continuation byte (Latin-1 "caf\xE9 au lait"), and no valid
 * multi-byte sequence is present. Broken sequences (overlong, surrogate, cut) and lone
 * continuation bytes are damage, repaired later as before. The price: a text whose only
 * non-ASCII bytes are 0x80-0xBF (windows-1252 curly quotes in English) is repaired too. */
static int looks_legacy(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    int legacy = 0;
    for (size_t i = 0; i < n;) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        const size_t k = utf8_seq(p + i, n - i);
        if (k) return 0;
        if (p[i] >= 0xC0 && (i + 1 == n || (p[i + 1] & 0xC0) != 0x80)) legacy = 1;
        i++;
    }
    return legacy;
}

int rpi_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    while (p < e) {
        /* ASCII runs are most of any text: 8 bytes at a time */
        while (e - p >= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            if (w & 0x8080808080808080ull) break;
            p += 8;
        }
        if (p == e) break;
        const unsigned c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        const size_t k = utf8_seq(p, (size_t)(e - p));
        if (!k) return 0;
        p += k;
    }
    return 1;
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

/* Case-insensitive search of the ASCII needle in p[0, n); index or n when absent. */
static size_t find_ci(const char *p, size_t n, const char *needle)
{
    const size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++) {
        size_t j = 0;
        while (j < k && lower((unsigned char)p[i + j]) == needle[j])
            j++;
        if (j == k) return i;
    }
    return n;
}

size_t rpi_charset_param(const char *p, size_t n, char *out, size_t cap)
{
    size_t i = find_ci(p, n, "charset");
    if (i == n || cap == 0) return 0;
    i += 7;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    if (i == n || p[i] != '=') return 0;
    i++;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '"' || p[i] == '\''))
        i++;
    size_t k = 0;
    while (i < n && k + 1 < cap) {
        const char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':'))
            break;
        out[k++] = c;
        i++;
    }
    out[k] = '\0';
    return k;
}

/* The WHATWG Encoding prescan reads 1024 bytes; a little more costs nothing and catches pages
 * whose <head> starts with long comments. */
#define META_SCAN ((size_t)4096)

size_t rpi_html_meta_charset(const char *html, size_t n, char *out, size_t cap)
{
    if (n > META_SCAN) n = META_SCAN;
    size_t i = 0;
    while (i < n) {
        const size_t m = find_ci(html + i, n - i, "<meta");
        if (m == n - i) return 0;
        i += m + 5;
        const char *gt = memchr(html + i, '>', n - i);
        const size_t end = gt ? (size_t)(gt - html) : n;
        /* <meta charset="x"> and <meta http-equiv="Content-Type" content="...; charset=x"> */
        const size_t k = rpi_charset_param(html + i, end - i, out, cap);
        if (k) return k;
        i = end;
    }
    return 0;
}

/* Labels that the WHATWG Encoding Standard maps to windows-1252: pages labelled Latin-1 are
 * written with its printable 0x80-0x9F (curly quotes, dashes) far more often than with C1
 * controls. uchardet also names ISO-8859-1 for such texts. */
static const char *iconv_name(const char *label)
{
    static const char *const w1252[] = {"iso-8859-1",   "iso8859-1", "latin1",     "l1",
                                        "us-ascii",     "ascii",     "iso_8859-1", "cp819",
                                        "windows-1252", "cp1252",    "x-cp1252"};
    for (size_t i = 0; i < sizeof w1252 / sizeof *w1252; i++)
        if (strcasecmp(label, w1252[i]) == 0) return "WINDOWS-1252";
    return label;
}

static int is_utf8_label(const char *s)
{
    return strcasecmp(s, "utf-8") == 0 || strcasecmp(s, "utf8") == 0;
}

/* Convert p[0, n) from charset `from` into out (reset first); bytes that do not convert
 * become U+FFFD, one per `unit` bytes, counted in *bad. RP_E_UNSUPPORTED when iconv does
 * not know the charset. */
static rp_status convert(const char *from, size_t unit, const char *p, size_t n,
                         struct rpi_buf *out, uint64_t *bad)
{
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1) return RP_E_UNSUPPORTED;
    rp_status st = RP_OK;
    rpi_buf_reset(out);
    /* 3 output bytes per input byte covers every single-byte charset and UTF-16/32 */
    if (n > (SIZE_MAX - 16) / 3 || (st = rpi_buf_reserve(out, 3 * n + 16)) != RP_OK) goto done;
    char *in = (char *)p;
    size_t in_left = n;
    while (in_left) {
        char *o = out->ptr + out->size;
        size_t o_left = out->cap - out->size - 1;
        const size_t r = iconv(cd, &in, &in_left, &o, &o_left);
        out->size = (size_t)(o - out->ptr);
        if (r != (size_t)-1) break;
        if (errno == E2BIG) {
            if ((st = rpi_buf_reserve(out, n + 16)) != RP_OK) goto done;
            continue;
        }
        /* EILSEQ (no such character) or EINVAL (cut at the end): U+FFFD, go on after it */
        if (out->cap - out->size < 4 && (st = rpi_buf_reserve(out, 16)) != RP_OK) goto done;
        memcpy(out->ptr + out->size, "\xEF\xBF\xBD", 3);
        out->size += 3;
        (*bad)++;
        const size_t skip = in_left < unit ? in_left : unit;
        in += skip;
        in_left -= skip;
        iconv(cd, NULL, NULL, NULL, NULL); /* reset the shift state after the bad bytes */
    }
    out->ptr[out->size] = '\0';
done:
    iconv_close(cd);
    return st;
}

rp_status rpi_decode_text(rp_parser *ps, const char *p, size_t n, const char *declared,
                          const char **text, size_t *text_n)
{
    *text = p;
    *text_n = n;
    ps->charset[0] = '\0';
    ps->charset_bad = 0;
    const unsigned char *u = (const unsigned char *)p;
    const char *from = NULL;
    size_t bom = 0, unit = 1;
    /* Unicode byte order marks first (UTF-32 before UTF-16: FF FE 00 00 starts both) */
    if (n >= 4 && memcmp(u, "\xFF\xFE\x00\x00", 4) == 0)
        from = "UTF-32LE", bom = unit = 4;
    else if (n >= 4 && memcmp(u, "\x00\x00\xFE\xFF", 4) == 0)
        from = "UTF-32BE", bom = unit = 4;
    else if (n >= 2 && u[0] == 0xFF && u[1] == 0xFE)
        from = "UTF-16LE", bom = unit = 2;
    else if (n >= 2 && u[0] == 0xFE && u[1] == 0xFF)
        from = "UTF-16BE", bom = unit = 2;
    /* Valid UTF-8 is always UTF-8, whatever a label says: most mislabelled pages are UTF-8,
     * and plain UTF-8 input pays only this check. */
    if (!from && rpi_utf8_valid(p, n)) return RP_OK;
    if (!from && declared && *declared && !is_utf8_label(declared)) from = iconv_name(declared);
    if (!from && !looks_legacy(p, n)) return RP_OK;
    if (!from) {
        uchardet_t ud = uchardet_new();
        if (!ud) return RP_E_NOMEM;
        /* the first 256 KiB decide: a long text costs no more to guess than a page */
        uchardet_handle_data(ud, p, n < ((size_t)256 << 10) ? n : (size_t)256 << 10);
        uchardet_data_end(ud);
        const char *cs = uchardet_get_charset(ud);
        char name[48] = "";
        if (cs && *cs) {
            strncpy(name, cs, sizeof name - 1);
            name[sizeof name - 1] = '\0';
        }
        uchardet_delete(ud);
        /* nothing found, or "UTF-8" for invalid UTF-8: leave it to the UTF-8 repair */
        if (!name[0] || is_utf8_label(name) || strcmp(name, "ASCII") == 0) return RP_OK;
        snprintf(ps->charset, sizeof ps->charset, "%s", iconv_name(name));
        from = ps->charset;
    }
    if (from != ps->charset) snprintf(ps->charset, sizeof ps->charset, "%s", from);
    const rp_status st = convert(ps->charset, unit, p + bom, n - bom, &ps->conv, &ps->charset_bad);
    if (st == RP_E_UNSUPPORTED) { /* a label iconv does not know: repaired as UTF-8 */
        ps->charset[0] = '\0';
        ps->charset_bad = 0;
        return RP_OK;
    }
    RP_TRY(st);
    *text = ps->conv.ptr;
    *text_n = ps->conv.size;
    return RP_OK;
}

const char *rp_parser_decoded(const rp_parser *ps, uint64_t *n_replaced)
{
    if (n_replaced) *n_replaced = ps && ps->charset[0] ? ps->charset_bad : 0;
    return ps && ps->charset[0] ? ps->charset : NULL;
}

/* ---- binary sniff ---------------------------------------------------------------------------*/

struct magic {
    const char *bytes;
    size_t len;
    const char *name;
};

size_t rpi_sniff_binary(const char *s, size_t n, char *why, size_t cap)
{
    static const struct magic magics[] = {
        {"\x7F"
         "ELF",
         4, "ELF executable"},
        {"\x28\xB5\x2F\xFD", 4, "zstd data"},
        {"\x1F\x8B", 2, "gzip data"},
        {"BZh", 3, "bzip2 data"},
        {"\xFD"
         "7zXZ\x00",
         6, "xz data"},
        {"PK\x03\x04", 4, "zip archive"},
        {"7z\xBC\xAF\x27\x1C", 6, "7z archive"},
        {"\x89PNG\r\n\x1A\n", 8, "PNG image"},
        {"GIF8", 4, "GIF image"},
        {"\xFF\xD8\xFF", 3, "JPEG image"},
        {"%PDF-", 5, "PDF document"},
        {"\xCA\xFE\xBA\xBE", 4, "Mach-O/Java class"},
        {"MZ", 2, NULL}, /* DOS/PE: only with NUL bytes below, "MZ" starts words too */
    };
    const unsigned char *u = (const unsigned char *)s;
    if (n >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
        return 0; /* UTF-16 (or UTF-32LE) text: NUL bytes are expected */
    if (n >= 4 && memcmp(u, "\x00\x00\xFE\xFF", 4) == 0) return 0; /* UTF-32BE */
    for (size_t i = 0; i < sizeof magics / sizeof *magics; i++)
        if (magics[i].name && n >= magics[i].len && memcmp(s, magics[i].bytes, magics[i].len) == 0)
            return (size_t)snprintf(why, cap, "%s (magic bytes at offset 0)", magics[i].name);
    /* NUL and control bytes other than tab, newlines, form feed and escape are ~11% of random
     * bytes and next to none of any text in a single-byte or multi-byte charset (UTF-16/32
     * with a byte order mark are handled above): over 5% of at least 256 bytes is binary. A
     * stray NUL in a text does not make it binary (it is repaired), nor do only NUL bytes (a
     * sparse file, /dev/zero, a bomb of zeros): they are no format at all and are left to
     * the size rule (too_big) and to the normaliser (an empty text). */
    size_t ctl = 0, nul = 0;
    for (size_t i = 0; i < n; i++) {
        if (u[i] == 0)
            nul++;
        else if ((u[i] < 0x20 && u[i] != '\t' && u[i] != '\n' && u[i] != '\r' && u[i] != '\f' &&
                  u[i] != 0x1B) ||
                 u[i] == 0x7F)
            ctl++;
    }
    if (n >= 256 && nul < n && (nul + ctl) * 20 > n)
        return (size_t)snprintf(why, cap, "%zu NUL and control bytes in the first %zu", nul + ctl,
                                n);
    return 0;
}
