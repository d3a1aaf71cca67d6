/* SPDX-License-Identifier: MIT */
/* ingest_json.c -- JSON records to documents: a fast path that scans one object and decodes
 * only the wanted top-level string fields, and jansson for everything else. */
#include <inttypes.h> /* PRId64 */
#include <jansson.h>  /* json_loadb */
#include <math.h>     /* trunc, fabs */
#include <stdio.h>    /* snprintf */
#include <string.h>   /* memcmp, memcpy */
#include "ingest_internal.h"

/* Why a fast path: jansson builds a full tree (every key, every string copied, a hash table
 * per object); on Reuters-21578 (21,578 lines, 20.5 MB) it takes 0.23-0.37 s single-threaded,
 * the scanner below ~0.05 s. See docs/internals/ingest.md for the measurements.
 *
 * The fast path must accept exactly what jansson accepts (RFC 8259 plus jansson's limits) and
 * extract the same values, so it only *succeeds* on the common shape -- an object whose keys
 * have no escapes and whose wanted fields are strings -- and returns "fall back" on anything
 * else: escapes in keys, numbers that might overflow, a numeric id or date, deep nesting,
 * invalid input. jansson then produces the result and the error text. */

enum { F_ID, F_TEXT, F_DATE, F_TITLE, F_URL, F_N };
enum { V_MISSING = 0, V_STRING, V_OTHER };

struct field {
    const char *name;
    size_t name_len;
    int kind;          /* V_* of the last occurrence (jansson keeps the last duplicate) */
    const char *value; /* decoded, NUL-terminated, in the scratch */
    size_t size;
};

#define FAST_MAX_DEPTH 64 /* deeper values are left to jansson (limit 2048) */

static int ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static const unsigned char *skip_ws(const unsigned char *p, const unsigned char *e)
{
    while (p < e && ws(*p)) p++;
    return p;
}

static int hex4(const unsigned char *p, const unsigned char *e, uint32_t *v)
{
    if (e - p < 4) return 0;
    uint32_t x = 0;
    for (int i = 0; i < 4; i++) {
        const unsigned char c = p[i];
        x <<= 4;
        if (c >= '0' && c <= '9') x |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') x |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') x |= (uint32_t)(c - 'A' + 10);
        else return 0;
    }
    *v = x;
    return 1;
}

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no surrogates, at most
 * U+10FFFF -- the same rules as jansson's utf8_check_full), 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *e)
{
    const unsigned char c = p[0];
    size_t n;
    uint32_t v;
    if (c < 0xC2) return 0;
    if (c < 0xE0) n = 2, v = c & 0x1F;
    else if (c < 0xF0) n = 3, v = c & 0x0F;
    else if (c < 0xF5) n = 4, v = c & 0x07;
    else return 0;
    if ((size_t)(e - p) < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000)) return 0;
    return n;
}

/* Scan a string whose opening quote is at p[-1]; decode it into dst when dst != NULL (room
 * for the raw length). Returns the byte after the closing quote, NULL to fall back. */
static const unsigned char *str(const unsigned char *p, const unsigned char *e, char *dst,
                                size_t *out_len)
{
    size_t o = 0;
    for (;;) {
        const unsigned char *run = p;
        while (p < e && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') p++;
        if (dst && p > run) memcpy(dst + o, run, (size_t)(p - run));
        o += (size_t)(p - run);
        if (p >= e) return NULL;
        const unsigned char c = *p;
        if (c == '"') break;
        if (c < 0x20) return NULL; /* control characters must be escaped (RFC 8259 s. 7) */
        if (c >= 0x80) {
            const size_t k = utf8_seq(p, e);
            if (!k) return NULL;
            if (dst) memcpy(dst + o, p, k);
            o += k;
            p += k;
            continue;
        }
        /* backslash */
        if (e - p < 2) return NULL;
        char ch;
        switch (p[1]) {
        case '"': ch = '"'; break;
        case '\\': ch = '\\'; break;
        case '/': ch = '/'; break;
        case 'b': ch = '\b'; break;
        case 'f': ch = '\f'; break;
        case 'n': ch = '\n'; break;
        case 'r': ch = '\r'; break;
        case 't': ch = '\t'; break;
        case 'u': {
            uint32_t cp;
            if (!hex4(p + 2, e, &cp)) return NULL;
            p += 6;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return NULL; /* lone low surrogate */
            if (cp >= 0xD800 && cp <= 0xDBFF) {            /* needs a low surrogate */
                uint32_t lo;
                if (e - p < 6 || p[0] != '\\' || p[1] != 'u' || !hex4(p + 2, e, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return NULL;
                p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            char u[4];
            size_t k = 1;
            if (cp == 0) u[0] = '\0'; /* JSON_ALLOW_NUL */
            else k = rpi_utf8_put(cp, u);
            if (dst) memcpy(dst + o, u, k);
            o += k;
            continue;
        }
        default: return NULL;
        }
        if (dst) dst[o] = ch;
        o++;
        p += 2;
    }
    if (out_len) *out_len = o;
    return p + 1;
}

/* RFC 8259 section 6 number. *simple: an integer of at most 18 digits (cannot overflow
 * int64); otherwise 1 only for a real that certainly fits a double (jansson rejects reals
 * that overflow to infinity, accepts underflow). NULL on a syntax error. */
static const unsigned char *number(const unsigned char *p, const unsigned char *e, int *ok)
{
    *ok = 0;
    if (p < e && *p == '-') p++;
    if (p >= e) return NULL;
    const unsigned char *ds = p;
    long lead = -1; /* decimal exponent of the first non-zero digit relative to the point */
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < e && *p >= '0' && *p <= '9') p++;
        lead = (long)(p - ds) - 1;
    } else {
        return NULL;
    }
    const size_t int_digits = (size_t)(p - ds);
    int is_real = 0;
    if (p < e && *p == '.') {
        is_real = 1;
        p++;
        const unsigned char *fs = p;
        while (p < e && *p >= '0' && *p <= '9') {
            if (lead < 0 && *p != '0') lead = -(long)(p - fs) - 1;
            p++;
        }
        if (p == fs) return NULL;
    }
    long ex = 0;
    if (p < e && (*p == 'e' || *p == 'E')) {
        is_real = 1;
        p++;
        int neg = 0;
        if (p < e && (*p == '+' || *p == '-')) neg = *p++ == '-';
        const unsigned char *es = p;
        while (p < e && *p >= '0' && *p <= '9') {
            if (ex < 100000) ex = ex * 10 + (*p - '0'); /* saturate: -2645e-1141622225 */
            p++;
        }
        if (p == es) return NULL;
        if (neg) ex = -ex;
    }
    if (!is_real) *ok = int_digits <= 18;
    else *ok = lead < 0 || lead + ex < 300; /* |x| < 1e300 < DBL_MAX; zero never overflows */
    return p;
}

/* Skip one value starting at p (first byte not whitespace). NULL: fall back. */
static const unsigned char *value(const unsigned char *p, const unsigned char *e, int *kind)
{
    int ok;
    *kind = V_OTHER;
    if (p >= e) return NULL;
    switch (*p) {
    case '"': *kind = V_STRING; return str(p + 1, e, NULL, NULL);
    case 't': return e - p >= 4 && memcmp(p, "true", 4) == 0 ? p + 4 : NULL;
    case 'f': return e - p >= 5 && memcmp(p, "false", 5) == 0 ? p + 5 : NULL;
    case 'n': return e - p >= 4 && memcmp(p, "null", 4) == 0 ? p + 4 : NULL;
    case '{':
    case '[': break;
    default: p = number(p, e, &ok); return ok ? p : NULL;
    }
    /* A container: iterative, with an explicit stack of open brackets. */
    char stack[FAST_MAX_DEPTH];
    int depth = 0;
    stack[depth++] = (char)*p++;
    int need_value = 0; /* after ':' or ',' a value is required */
    for (;;) {
        p = skip_ws(p, e);
        if (p >= e) return NULL;
        const char top = stack[depth - 1];
        if (!need_value && (*p == '}' || *p == ']')) {
            if ((top == '{') != (*p == '}')) return NULL;
            p++;
            if (--depth == 0) return p;
        } else {
            if (top == '{') { /* "key" : */
                if (*p != '"' || !(p = str(p + 1, e, NULL, NULL))) return NULL;
                p = skip_ws(p, e);
                if (p >= e || *p != ':') return NULL;
                p = skip_ws(p + 1, e);
                if (p >= e) return NULL;
            }
            if (*p == '{' || *p == '[') {
                if (depth == FAST_MAX_DEPTH) return NULL;
                stack[depth++] = (char)*p++;
                need_value = 0;
                continue;
            }
            int k;
            if (!(p = value(p, e, &k))) return NULL;
        }
        /* after a value or a closed container: ',' or the closing bracket */
        p = skip_ws(p, e);
        if (p >= e) return NULL;
        if (*p == ',') {
            p++;
            need_value = 1;
        } else {
            need_value = 0;
            if (*p != '}' && *p != ']') return NULL;
        }
    }
}

/* 1: the object was scanned and fields[] filled; 0: fall back to jansson. */
static int fast_scan(const unsigned char *p, const unsigned char *e, struct field *f,
                     struct rpi_buf *scratch)
{
    p = skip_ws(p, e);
    if (p >= e || *p != '{') return 0;
    p = skip_ws(p + 1, e);
    if (p < e && *p == '}') return skip_ws(p + 1, e) == e;
    for (;;) {
        if (p >= e || *p != '"') return 0;
        const unsigned char *ks = ++p;
        while (p < e && *p != '"' && *p != '\\' && *p >= 0x20 && *p < 0x80) p++;
        if (p >= e || *p != '"') return 0; /* escaped or non-ASCII key: jansson */
        const size_t klen = (size_t)(p - ks);
        p = skip_ws(p + 1, e);
        if (p >= e || *p != ':') return 0;
        p = skip_ws(p + 1, e);
        int want = -1;
        for (int i = 0; i < F_N; i++) {
            if (f[i].name && f[i].name_len == klen && memcmp(f[i].name, ks, klen) == 0) {
                want = i;
                break;
            }
        }
        if (want >= 0 && p < e && *p == '"') {
            char *dst = scratch->ptr + scratch->size;
            size_t n;
            if (!(p = str(p + 1, e, dst, &n))) return 0;
            dst[n] = '\0';
            scratch->size += n + 1;
            for (int i = want; i < F_N; i++) { /* a key may serve several fields */
                if (f[i].name && f[i].name_len == klen && memcmp(f[i].name, ks, klen) == 0) {
                    f[i].kind = V_STRING;
                    f[i].value = dst;
                    f[i].size = n;
                }
            }
        } else {
            int kind;
            if (want >= 0 && p < e && (*p == '-' || (*p >= '0' && *p <= '9')))
                return 0; /* numeric id/date: jansson formats it */
            if (!(p = value(p, e, &kind))) return 0;
            for (int i = want < 0 ? F_N : want; i < F_N; i++)
                if (f[i].name && f[i].name_len == klen && memcmp(f[i].name, ks, klen) == 0)
                    f[i].kind = V_OTHER;
        }
        p = skip_ws(p, e);
        if (p >= e) return 0;
        if (*p == '}') return skip_ws(p + 1, e) == e;
        if (*p != ',') return 0;
        p = skip_ws(p + 1, e);
    }
}

/* ---- jansson ------------------------------------------------------------------------------ */

static const char *put_number(struct rpi_buf *scratch, const json_t *v, size_t *len,
                              int64_t *as_int)
{
    char num[48];
    int k;
    if (json_is_integer(v)) {
        *as_int = (int64_t)json_integer_value(v);
        k = snprintf(num, sizeof num, "%" PRId64, *as_int);
    } else {
        const double d = json_real_value(v);
        if (d == trunc(d) && fabs(d) < 9.2e18) {
            *as_int = (int64_t)d;
            k = snprintf(num, sizeof num, "%" PRId64, *as_int);
        } else {
            *as_int = INT64_MIN;
            k = snprintf(num, sizeof num, "%.17g", d);
        }
    }
    *len = (size_t)k;
    return rpi_scratch_put(scratch, num, (size_t)k);
}

static rp_status parse_jansson(rp_parser *ps, const rp_record *rec, rp_doc *doc)
{
    json_error_t err;
    json_t *root = json_loadb(rec->data, rec->size, JSON_ALLOW_NUL | JSON_DECODE_ANY, &err);
    if (!root && json_error_code(&err) == json_error_invalid_utf8) {
        /* Invalid UTF-8 is repaired, not a reason to lose the document: each invalid byte
         * becomes U+FFFD (as the normalizer would do for text files), then parse again. */
        struct rpi_buf *rb = &ps->repair;
        rpi_buf_reset(rb);
        RP_TRY(rpi_buf_reserve(rb, 3 * rec->size));
        const unsigned char *p = (const unsigned char *)rec->data, *e = p + rec->size;
        while (p < e) {
            const size_t n = *p < 0x80 ? 1 : utf8_seq(p, e);
            if (n) {
                memcpy(rb->ptr + rb->size, p, n);
                rb->size += n;
                p += n;
            } else {
                memcpy(rb->ptr + rb->size, "\xEF\xBF\xBD", 3);
                rb->size += 3;
                p++;
            }
        }
        root = json_loadb(rb->ptr, rb->size, JSON_ALLOW_NUL | JSON_DECODE_ANY, &err);
        /* the repaired strings can be up to 3x longer than the record: make room now, while
         * the scratch holds nothing of this record */
        if (root) RP_TRY(rpi_buf_reserve(&ps->scratch, 2 * rb->size + strlen(rec->path) + 64));
    }
    if (!root) {
        if (json_error_code(&err) == json_error_out_of_memory) return RP_E_NOMEM;
        const uint64_t line = rec->line + (err.line > 1 ? (uint64_t)err.line - 1 : 0);
        snprintf(ps->detail, sizeof ps->detail, "line %llu, column %d: %s",
                 (unsigned long long)line, err.column, err.text);
        doc->skip = RP_SKIP_BAD_JSON;
        doc->detail = ps->detail;
        rpi_doc_fallback_id(ps, rec, doc);
        return RP_OK;
    }
    struct rpi_buf *sc = &ps->scratch;
    if (!json_is_object(root)) {
        doc->skip = RP_SKIP_NOT_OBJECT;
        snprintf(ps->detail, sizeof ps->detail, "line %llu: JSON value is not an object",
                 (unsigned long long)rec->line);
        doc->detail = ps->detail;
        rpi_doc_fallback_id(ps, rec, doc);
        json_decref(root);
        return RP_OK;
    }
    /* Scratch room: each copied string is no longer than its JSON source; numbers are
     * printed into at most 24 bytes, which their source plus the 64 spare bytes cover. */
    int64_t ignored;
    const json_t *v = json_object_get(root, ps->id_field);
    if (json_is_string(v)) {
        doc->id_size = json_string_length(v);
        doc->id = rpi_scratch_put(sc, json_string_value(v), doc->id_size);
    } else if (json_is_number(v)) {
        doc->id = put_number(sc, v, &doc->id_size, &ignored);
    } else {
        rpi_doc_fallback_id(ps, rec, doc);
    }
    v = json_object_get(root, ps->text_field);
    if (json_is_string(v)) {
        doc->text_size = json_string_length(v);
        doc->text = rpi_scratch_put(sc, json_string_value(v), doc->text_size);
    } else {
        doc->skip = RP_SKIP_NO_TEXT;
        snprintf(ps->detail, sizeof ps->detail, "field \"%s\" %s", ps->text_field,
                 v ? "is not a string" : "is missing");
        doc->detail = ps->detail;
    }
    if (ps->date_field) {
        v = json_object_get(root, ps->date_field);
        if (json_is_string(v)) {
            const size_t n = json_string_length(v);
            doc->date = rpi_scratch_put(sc, json_string_value(v), n);
            doc->date_epoch = rp_parse_date(doc->date, n);
        } else if (json_is_number(v)) {
            size_t n;
            doc->date = put_number(sc, v, &n, &doc->date_epoch);
        }
    }
    if (ps->title_field) {
        v = json_object_get(root, ps->title_field);
        if (json_is_string(v))
            doc->title = rpi_scratch_put(sc, json_string_value(v), json_string_length(v));
    }
    if (ps->url_field) {
        v = json_object_get(root, ps->url_field);
        if (json_is_string(v))
            doc->url = rpi_scratch_put(sc, json_string_value(v), json_string_length(v));
    }
    json_decref(root);
    return RP_OK;
}

rp_status rpi_parse_json(rp_parser *ps, const rp_record *rec, rp_doc *doc)
{
    struct field f[F_N] = {
        {ps->id_field, ps->id_field_len, V_MISSING, NULL, 0},
        {ps->text_field, ps->text_field_len, V_MISSING, NULL, 0},
        {ps->date_field, ps->date_field_len, V_MISSING, NULL, 0},
        {ps->title_field, ps->title_field_len, V_MISSING, NULL, 0},
        {ps->url_field, ps->url_field_len, V_MISSING, NULL, 0},
    };
    const size_t mark = ps->scratch.size;
    const unsigned char *p = (const unsigned char *)rec->data;
    if (!fast_scan(p, p + rec->size, f, &ps->scratch)) {
        ps->scratch.size = mark;
        return parse_jansson(ps, rec, doc);
    }
    if (f[F_ID].kind == V_STRING) {
        doc->id = f[F_ID].value;
        doc->id_size = f[F_ID].size;
    } else {
        rpi_doc_fallback_id(ps, rec, doc);
    }
    if (f[F_TEXT].kind == V_STRING) {
        doc->text = f[F_TEXT].value;
        doc->text_size = f[F_TEXT].size;
    } else {
        doc->skip = RP_SKIP_NO_TEXT;
        snprintf(ps->detail, sizeof ps->detail, "field \"%s\" %s", ps->text_field,
                 f[F_TEXT].kind == V_MISSING ? "is missing" : "is not a string");
        doc->detail = ps->detail;
    }
    if (f[F_DATE].kind == V_STRING) {
        doc->date = f[F_DATE].value;
        doc->date_epoch = rp_parse_date(doc->date, f[F_DATE].size);
    }
    if (f[F_TITLE].kind == V_STRING) doc->title = f[F_TITLE].value;
    if (f[F_URL].kind == V_STRING) doc->url = f[F_URL].value;
    return RP_OK;
}
