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
 * else: escapes in keys, a numeric id or date, deep nesting, invalid input. jansson then
 * produces the result and the error text. One deliberate difference: a number out of range
 * (1e999999, 99999999999999999999) is accepted, where jansson rejects the whole record; the
 * jansson path does the same by replacing it with null (sanitize). */

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

/* Whether jansson accepts a number: it parses integers with strtoll and rejects those out of
 * int64 range ("too big integer"), and reals with strtod and rejects those that round to
 * infinity ("real number overflow"; underflow to 0 is accepted). A real rounds to infinity
 * (round-to-nearest, ties to even) exactly when it is at least 2^1024 - 2^970, halfway
 * between DBL_MAX and 2^1024, whose 309 digits are below; comparing the digits decides
 * without strtod (locale-dependent) or a copy of the number. */
static const char k_dbl_overflow[] =
    "17976931348623158079372897140530341507993413271003782693617377898044496829276475"
    "09466490179775872070963302864166928879109465555478519404026306574886715058206819"
    "08902000708383676273854845817711531764475730270069855571366959622842914819860834"
    "936475292719074168444365510704342711559699508093042880177904174497792";

static int int_fits(const unsigned char *ds, size_t n, int neg)
{
    if (n != 19) return n < 19;
    return memcmp(ds, neg ? "9223372036854775808" : "9223372036854775807", 19) <= 0;
}

/* Digits d[0..n) are the integer part, f[0..nf) the fraction, ex the saturated exponent. */
static int real_fits(const unsigned char *d, size_t n, const unsigned char *f, size_t nf,
                     int64_t ex)
{
    /* value = 0.D1D2... * 10^e10 with D1 the first non-zero digit */
    size_t i = 0;
    while (i < n && d[i] == '0') i++;
    int64_t e10;
    const unsigned char *digits[2];
    size_t lens[2];
    if (i < n) {
        e10 = (int64_t)(n - i) + ex;
        digits[0] = d + i, lens[0] = n - i;
        digits[1] = f, lens[1] = nf;
    } else {
        size_t j = 0;
        while (j < nf && f[j] == '0') j++;
        if (j == nf) return 1; /* zero */
        e10 = -(int64_t)j + ex;
        digits[0] = f + j, lens[0] = nf - j;
        digits[1] = f, lens[1] = 0;
    }
    const int64_t h10 = (int64_t)sizeof k_dbl_overflow - 1; /* 309 */
    if (e10 != h10) return e10 < h10;
    size_t k = 0; /* digit index into k_dbl_overflow */
    for (int part = 0; part < 2; part++)
        for (size_t x = 0; x < lens[part] && k < (size_t)h10; x++, k++)
            if (digits[part][x] != (unsigned char)k_dbl_overflow[k])
                return digits[part][x] < (unsigned char)k_dbl_overflow[k];
    /* equal over the number's digits: it is the halfway value or above when the halfway
     * value has no further non-zero digit */
    for (; k < (size_t)h10; k++)
        if (k_dbl_overflow[k] != '0') return 1;
    return 0;
}

/* RFC 8259 section 6 number. *fits: 1 when jansson accepts it (see int_fits, real_fits).
 * NULL on a syntax error. */
static const unsigned char *number(const unsigned char *p, const unsigned char *e, int *fits)
{
    *fits = 0;
    int neg = 0;
    if (p < e && *p == '-') neg = 1, p++;
    if (p >= e) return NULL;
    const unsigned char *ds = p;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < e && *p >= '0' && *p <= '9') p++;
    } else {
        return NULL;
    }
    const size_t int_digits = (size_t)(p - ds);
    int is_real = 0;
    const unsigned char *fs = p;
    size_t frac_digits = 0;
    if (p < e && *p == '.') {
        is_real = 1;
        fs = ++p;
        while (p < e && *p >= '0' && *p <= '9') p++;
        if (p == fs) return NULL;
        frac_digits = (size_t)(p - fs);
    }
    int64_t ex = 0;
    if (p < e && (*p == 'e' || *p == 'E')) {
        is_real = 1;
        p++;
        int eneg = 0;
        if (p < e && (*p == '+' || *p == '-')) eneg = *p++ == '-';
        const unsigned char *es = p;
        while (p < e && *p >= '0' && *p <= '9') {
            /* saturate far beyond any digit count: -2645e-1141622225 */
            if (ex < INT64_C(1000000000000000)) ex = ex * 10 + (*p - '0');
            p++;
        }
        if (p == es) return NULL;
        if (eneg) ex = -ex;
    }
    *fits = is_real ? real_fits(ds, int_digits, fs, frac_digits, ex)
                    : int_fits(ds, int_digits, neg);
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
    default: return number(p, e, &ok); /* out of range is fine: the field is not used */
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
                return 0; /* numeric id/date: the jansson path (raw_number) */
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

/* A copy of the record in ps->repair that jansson accepts where it rejected the record for a
 * reason that should not lose the document: each invalid UTF-8 byte becomes U+FFFD (as the
 * normalizer does for text files), and each number jansson cannot represent (out of int64 or
 * double range) becomes null. Such a number is almost always in a field reprint does not
 * read (a count, a score, a corrupt export); in the id or date field it reads as no id or no
 * date. Linear: every byte is copied once. */
static rp_status sanitize(rp_parser *ps, const rp_record *rec)
{
    struct rpi_buf *rb = &ps->repair;
    rpi_buf_reset(rb);
    RP_TRY(rpi_buf_reserve(rb, 3 * rec->size));
    const unsigned char *p = (const unsigned char *)rec->data, *e = p + rec->size;
    char *o = rb->ptr;
    int in_str = 0;
    while (p < e) {
        const unsigned char c = *p;
        if (c >= 0x80) {
            const size_t n = utf8_seq(p, e);
            if (n) {
                memcpy(o, p, n);
                o += n;
                p += n;
            } else {
                memcpy(o, "\xEF\xBF\xBD", 3);
                o += 3;
                p++;
            }
            continue;
        }
        if (in_str) {
            if (c == '\\' && e - p >= 2 && p[1] < 0x80) { /* an escape: never ends the string */
                *o++ = (char)*p++;
            } else if (c == '"') {
                in_str = 0;
            }
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            int fits;
            const unsigned char *q = number(p, e, &fits);
            if (!q) { /* a syntax error jansson will report: copy the run, stay linear */
                q = p + 1;
                while (q < e && *q != 0 && strchr("0123456789+-.eE", *q) != NULL) q++;
                fits = 1;
            }
            if (fits) {
                memcpy(o, p, (size_t)(q - p));
                o += q - p;
            } else {
                memcpy(o, "null", 4);
                o += 4;
            }
            p = q;
            continue;
        }
        *o++ = (char)*p++;
    }
    rb->size = (size_t)(o - rb->ptr);
    return RP_OK;
}

/* Skip one value (or a string) at p without validating it: jansson has already accepted the
 * bytes, or a repaired copy of them that differs only inside strings (invalid UTF-8 bytes,
 * never a quote or backslash) and in numbers out of range (sanitize), so the structure is
 * known to be sound. Returns the byte after the value, NULL at a premature end. */
static const unsigned char *skip_raw(const unsigned char *p, const unsigned char *e)
{
    int depth = 0;
    while (p < e) {
        const unsigned char c = *p;
        if (c == '"') {
            p++;
            while (p < e && *p != '"') p += *p == '\\' && e - p >= 2 ? 2 : 1;
            if (p >= e) return NULL;
            p++;
            if (depth == 0) return p;
            continue;
        }
        if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0) return p;
            if (--depth == 0) return p + 1;
        } else if (depth == 0 && (c == ',' || ws(c))) {
            return p;
        }
        p++;
    }
    return depth ? NULL : p;
}

/* The spelling of a numeric id as written in the record: jansson turns 1e2 into 100.0 and
 * rejects 12345678901234567890 (sanitize makes it null), but an id must stay the string the
 * user wrote, or two records would share one and a number would not match the user's labels.
 * Scans the top-level members of the object in data (the record as jansson saw it, or the
 * original before sanitize) for the last one named key (jansson keeps the last duplicate)
 * and returns its raw bytes in [*vs, *ve) when they are a number; 0 otherwise. tmp has room
 * for the longest key (size bytes). */
static int raw_number(const unsigned char *p, const unsigned char *e, const char *key,
                      size_t klen, char *tmp, const unsigned char **vs, const unsigned char **ve)
{
    const unsigned char *found_s = NULL, *found_e = NULL;
    p = skip_ws(p, e);
    if (p >= e || *p != '{') return 0;
    p++;
    for (;;) {
        p = skip_ws(p, e);
        if (p >= e || *p == '}') break;
        if (*p != '"') return 0;
        size_t n = 0;
        const unsigned char *q = str(p + 1, e, tmp, &n);
        const int match = q && n == klen && memcmp(tmp, key, klen) == 0;
        if (!q && !(q = skip_raw(p, e))) return 0; /* a key with invalid UTF-8: not the id */
        p = skip_ws(q, e);
        if (p >= e || *p != ':') return 0;
        const unsigned char *v = skip_ws(p + 1, e);
        if (!(p = skip_raw(v, e))) return 0;
        if (match) found_s = v, found_e = p;
        p = skip_ws(p, e);
        if (p < e && *p == ',') p++;
    }
    int fits;
    if (!found_s || !(*found_s == '-' || (*found_s >= '0' && *found_s <= '9')) ||
        number(found_s, found_e, &fits) != found_e)
        return 0;
    *vs = found_s;
    *ve = found_e;
    return 1;
}

static rp_status parse_jansson(rp_parser *ps, const rp_record *rec, rp_doc *doc)
{
    json_error_t err;
    json_t *root = json_loadb(rec->data, rec->size, JSON_ALLOW_NUL | JSON_DECODE_ANY, &err);
    if (!root && (json_error_code(&err) == json_error_invalid_utf8 ||
                  json_error_code(&err) == json_error_numeric_overflow)) {
        RP_TRY(sanitize(ps, rec));
        const struct rpi_buf *rb = &ps->repair;
        root = json_loadb(rb->ptr, rb->size, JSON_ALLOW_NUL | JSON_DECODE_ANY, &err);
        /* the repaired strings can be up to 3x longer than the record: make room now, while
         * the scratch holds nothing of this record */
        if (root) {
            const rp_status st =
                rpi_buf_reserve(&ps->scratch, 2 * rb->size + strlen(rec->path) + 64);
            if (st != RP_OK) {
                json_decref(root);
                return st;
            }
        }
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
    const json_t *v = json_object_get(root, ps->id_field);
    const unsigned char *ns, *ne;
    if (json_is_string(v)) {
        doc->id_size = json_string_length(v);
        doc->id = rpi_scratch_put(sc, json_string_value(v), doc->id_size);
    } else if ((json_is_number(v) || json_is_null(v)) &&
               raw_number((const unsigned char *)rec->data,
                          (const unsigned char *)rec->data + rec->size, ps->id_field,
                          ps->id_field_len, sc->ptr + sc->size, &ns, &ne)) {
        /* a number, or one out of range that sanitize made null: its spelling, as written
         * (room: the scratch holds nothing yet, and both the key decoded above and the
         * number are shorter than the record) */
        doc->id_size = (size_t)(ne - ns);
        doc->id = rpi_scratch_put(sc, (const char *)ns, doc->id_size);
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
