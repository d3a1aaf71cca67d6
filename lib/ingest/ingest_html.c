/* SPDX-License-Identifier: MIT */
/* ingest_html.c -- HTML to plain text for WARC response/resource records: a single forward
 * pass that drops markup, keeps block structure as newlines and decodes character references. */
#include <string.h> /* memcmp, memcpy, strlen */
#include "ingest_internal.h"

size_t rpi_utf8_put(uint32_t cp, char *out)
{
    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = 0xFFFD;
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }
static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_alnum(int c) { return is_alpha(c) || (c >= '0' && c <= '9'); }
static int is_ws(int c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'; }

/* Named references we decode (HTML 5, section 13.5): the common ones; others stay as text. */
static const struct {
    const char *name;
    uint32_t cp;
} entities[] = {
    {"amp", '&'},       {"lt", '<'},        {"gt", '>'},        {"quot", '"'},
    {"apos", '\''},     {"nbsp", ' '},      {"copy", 0xA9},     {"reg", 0xAE},
    {"trade", 0x2122},  {"hellip", 0x2026}, {"mdash", 0x2014},  {"ndash", 0x2013},
    {"lsquo", 0x2018},  {"rsquo", 0x2019},  {"ldquo", 0x201C},  {"rdquo", 0x201D},
    {"laquo", 0xAB},    {"raquo", 0xBB},    {"euro", 0x20AC},   {"pound", 0xA3},
    {"yen", 0xA5},      {"cent", 0xA2},     {"sect", 0xA7},     {"deg", 0xB0},
    {"middot", 0xB7},   {"bull", 0x2022},   {"times", 0xD7},    {"divide", 0xF7},
    {"eacute", 0xE9},   {"egrave", 0xE8},   {"aacute", 0xE1},   {"agrave", 0xE0},
    {"ouml", 0xF6},     {"uuml", 0xFC},     {"auml", 0xE4},     {"szlig", 0xDF},
    {"ccedil", 0xE7},   {"ntilde", 0xF1},   {"shy", 0xAD},      {"iexcl", 0xA1},
};

/* Decode a character reference at h[i] == '&'. Returns bytes consumed (0: not a reference)
 * and the code point in *cp. */
static size_t entity(const char *h, size_t n, size_t i, uint32_t *cp)
{
    size_t j = i + 1;
    if (j < n && h[j] == '#') {
        j++;
        const int hex = j < n && (h[j] == 'x' || h[j] == 'X');
        if (hex) j++;
        uint32_t v = 0;
        size_t nd = 0;
        for (; j < n && nd < 8; j++, nd++) {
            const int c = (unsigned char)h[j];
            int d;
            if (c >= '0' && c <= '9') d = c - '0';
            else if (hex && lower(c) >= 'a' && lower(c) <= 'f') d = lower(c) - 'a' + 10;
            else break;
            v = v * (hex ? 16 : 10) + (uint32_t)d;
        }
        if (nd == 0 || j >= n || h[j] != ';') return 0;
        *cp = v > 0x10FFFF ? 0xFFFD : v; /* rpi_utf8_put maps 0 and surrogates to U+FFFD */
        return j + 1 - i;
    }
    size_t k = j;
    while (k < n && k - j < 8 && is_alnum((unsigned char)h[k])) k++;
    if (k >= n || h[k] != ';' || k == j) return 0;
    for (size_t e = 0; e < sizeof entities / sizeof entities[0]; e++) {
        if (strlen(entities[e].name) == k - j && memcmp(entities[e].name, h + j, k - j) == 0) {
            *cp = entities[e].cp;
            return k + 1 - i;
        }
    }
    return 0;
}

static int in_list(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(name, *list) == 0) return 1;
    return 0;
}

static const char *const block_tags[] = {
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "option", "p", "pre", "section", "table",
    "tbody", "tfoot", "thead", "tr", "ul", "body", "html", "head", NULL};
static const char *const cell_tags[] = {"td", "th", NULL};
/* Raw text elements whose content is not document text (HTML 5, section 13.1.2). */
static const char *const skip_tags[] = {"script", "style", "noscript", "template", "title",
                                        NULL};

/* Case-insensitive search of "</name" from i; returns its index or n. */
static size_t find_close(const char *h, size_t n, size_t i, const char *name)
{
    const size_t k = strlen(name);
    for (; i + 2 + k <= n; i++) {
        if (h[i] != '<' || h[i + 1] != '/') continue;
        size_t m = 0;
        while (m < k && lower((unsigned char)h[i + 2 + m]) == name[m]) m++;
        if (m == k && (i + 2 + k == n || !is_alnum((unsigned char)h[i + 2 + k]))) return i;
    }
    return n;
}

/* Index just past the '>' that ends the tag starting at i (quotes respected), or n. */
static size_t tag_end(const char *h, size_t n, size_t i)
{
    char quote = 0;
    for (; i < n; i++) {
        const char c = h[i];
        if (quote) {
            if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '>') {
            return i + 1;
        }
    }
    return n;
}

struct out {
    char *p;
    size_t size, cap;
    int space, nl; /* pending separators, written before the next visible byte */
};

static void put(struct out *o, const char *s, size_t k)
{
    if (o->size > 0) {
        if (o->nl) {
            const int m = o->nl > 2 ? 2 : o->nl;
            for (int i = 0; i < m && o->size < o->cap; i++) o->p[o->size++] = '\n';
        } else if (o->space && o->size < o->cap) {
            o->p[o->size++] = ' ';
        }
    }
    o->nl = o->space = 0;
    if (k > o->cap - o->size) k = o->cap - o->size; /* never: output <= input, see below */
    memcpy(o->p + o->size, s, k);
    o->size += k;
}

/* Entity-decode h[0, n) into dst (room for n bytes); whitespace runs become one space. */
static size_t decode_text(const char *h, size_t n, char *dst)
{
    struct out o = {dst, 0, n, 0, 0};
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k;
        if (h[i] == '&' && (k = entity(h, n, i, &cp)) > 0) {
            char u[4];
            put(&o, u, rpi_utf8_put(cp, u));
            i += k;
        } else if (is_ws((unsigned char)h[i])) {
            o.space = 1;
            i++;
        } else {
            put(&o, h + i, 1);
            i++;
        }
    }
    return o.size;
}

/* The output is never longer than the input: a tag of >= 3 bytes yields at most one
 * newline, a reference of >= 4 bytes at most 4 bytes, and pending separators are only
 * written before a visible byte (at most 2 newlines, which need 2 tags). */
size_t rpi_html_to_text(const char *h, size_t n, char *out, size_t *title_off, size_t *title_len)
{
    struct out o = {out, 0, n, 0, 0};
    int have_title = 0;
    if (title_len) *title_len = 0;
    size_t i = 0;
    while (i < n) {
        const unsigned char c = (unsigned char)h[i];
        if (c == '<') {
            if (n - i >= 4 && memcmp(h + i, "<!--", 4) == 0) {
                size_t j = i + 4;
                while (j + 3 <= n && memcmp(h + j, "-->", 3) != 0) j++;
                i = j + 3 <= n ? j + 3 : n;
                continue;
            }
            size_t j = i + 1;
            const int closing = j < n && h[j] == '/';
            if (closing) j++;
            if (j < n && (h[j] == '!' || h[j] == '?')) { /* doctype, CDATA, processing */
                i = tag_end(h, n, j);
                continue;
            }
            if (j >= n || !is_alpha((unsigned char)h[j])) { /* a literal '<' */
                put(&o, "<", 1);
                i++;
                continue;
            }
            char name[16];
            size_t k = 0;
            while (j < n && is_alnum((unsigned char)h[j])) {
                if (k < sizeof name - 1) name[k++] = (char)lower((unsigned char)h[j]);
                j++;
            }
            name[k] = '\0';
            i = tag_end(h, n, j);
            if (!closing && in_list(name, skip_tags)) {
                const size_t close = find_close(h, n, i, name);
                if (strcmp(name, "title") == 0 && title_off && !have_title) {
                    have_title = 1; /* raw span of the input; see rpi_html_title */
                    *title_off = i;
                    *title_len = close - i;
                }
                i = close < n ? tag_end(h, n, close + 2) : n;
                continue;
            }
            if (in_list(name, block_tags)) {
                o.nl += (strcmp(name, "br") == 0) ? 1 : (o.nl == 0);
            } else if (in_list(name, cell_tags)) {
                o.space = 1;
            }
            continue;
        }
        if (c == '&') {
            uint32_t cp;
            const size_t k = entity(h, n, i, &cp);
            if (k > 0) {
                if (cp == ' ') {
                    o.space = 1;
                } else if (cp != 0xAD) {
                    char u[4];
                    put(&o, u, rpi_utf8_put(cp, u));
                }
                i += k;
                continue;
            }
        }
        if (is_ws(c)) {
            o.space = 1;
            i++;
            continue;
        }
        put(&o, h + i, 1);
        i++;
    }
    return o.size;
}

size_t rpi_html_title(const char *h, size_t len, char *dst) { return decode_text(h, len, dst); }

void rpi_html_doc(struct rpi_buf *sc, const char *html, size_t size, rp_doc *doc)
{
    char *out = sc->ptr + sc->size;
    size_t toff = 0, tlen = 0;
    const size_t k = rpi_html_to_text(html, size, out, &toff, &tlen);
    out[k] = '\0';
    sc->size += k + 1;
    doc->text = out;
    doc->text_size = k;
    if (tlen > 0) {
        char *t = sc->ptr + sc->size;
        const size_t tk = rpi_html_title(html + toff, tlen, t);
        t[tk] = '\0';
        sc->size += tk + 1;
        doc->title = t;
    }
}
