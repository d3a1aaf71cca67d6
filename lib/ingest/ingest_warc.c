/* SPDX-License-Identifier: MIT */
/* ingest_warc.c -- WARC/WET records (ISO 28500, WARC 1.0 and 1.1 specification): framing by
 * version line, header block and Content-Length; parsing of conversion, response (HTTP
 * headers removed, HTML reduced to text) and resource records. */
#include <stdio.h>  /* snprintf */
#include <string.h> /* memchr, memcmp, strlen */
#include "ingest_internal.h"

/* WARC 1.1 section 5.5: record types that hold documents; the rest (warcinfo, request,
 * metadata, revisit, continuation) are counted by rp_reader_ignored. */
static int is_doc_type(const char *t, size_t n)
{
    return (n == 10 && memcmp(t, "conversion", 10) == 0) ||
           (n == 8 && memcmp(t, "response", 8) == 0) || (n == 8 && memcmp(t, "resource", 8) == 0);
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

static int name_is(const char *p, size_t n, const char *name)
{
    const size_t k = strlen(name);
    if (n != k) return 0;
    for (size_t i = 0; i < k; i++)
        if (lower((unsigned char)p[i]) != lower((unsigned char)name[i])) return 0;
    return 1;
}

/* Split "Name: value" (WARC 1.1 section 4, named fields as in RFC 2616); value trimmed.
 * Returns 0 when the line has no colon. */
static int split_field(const char *p, size_t n, const char **name, size_t *name_len,
                       const char **val, size_t *val_len)
{
    const char *colon = memchr(p, ':', n);
    if (!colon) return 0;
    *name = p;
    *name_len = (size_t)(colon - p);
    while (*name_len > 0 && (p[*name_len - 1] == ' ' || p[*name_len - 1] == '\t')) (*name_len)--;
    const char *v = colon + 1, *e = p + n;
    while (v < e && (*v == ' ' || *v == '\t')) v++;
    while (e > v && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n')) e--;
    *val = v;
    *val_len = (size_t)(e - v);
    return 1;
}

/* ---- framing ------------------------------------------------------------------------------ */

/* Resynchronise after a malformed record: discard up to the next line that starts with
 * "WARC/". RP_OK when found, RP_DONE at EOF, RP_E_NOMEM. */
static rp_status resync(struct rp_reader *r)
{
    while (r->warc_resync) {
        if (r->warc_resync == 1) { /* at a line start */
            RP_TRY(rpi_reader_need(r, 5));
            if (r->end - r->pos >= 5 && memcmp(r->win + r->pos, "WARC/", 5) == 0) {
                r->warc_resync = 0;
                break;
            }
            if (r->pos == r->end) return RP_DONE;
        }
        const char *s = r->win + r->pos;
        const char *nl = memchr(s, '\n', r->end - r->pos);
        if (nl) {
            r->pos += (size_t)(nl - s) + 1;
            r->line++;
            r->warc_resync = 1;
        } else {
            r->pos = r->end;
            r->warc_resync = 2;
            const rp_status st = rpi_reader_fill(r);
            if (st != RP_OK) return st;
        }
    }
    return RP_OK;
}

static rp_status bad_record(struct rp_reader *r, rp_record *rec, uint64_t off, uint64_t line,
                            int at_line_start, const char *what)
{
    rpi_reader_rec(r, rec, off, line);
    rpi_reader_skip(r, rec, RP_SKIP_BAD_WARC, "record at byte %llu (line %llu): %s",
                    (unsigned long long)off, (unsigned long long)line, what);
    r->warc_resync = at_line_start ? 1 : 2;
    return RP_OK;
}

static rp_status short_record(struct rp_reader *r, rp_record *rec, uint64_t off, uint64_t line,
                              const char *what, uint64_t got, uint64_t want)
{
    rpi_reader_rec(r, rec, off, line);
    if (r->serr != RP_OK && r->serr != RP_E_TRUNCATED) {
        rpi_reader_stream_skip(r, rec);
        return RP_OK;
    }
    if (r->serr == RP_E_TRUNCATED) r->serr_reported = 1;
    char sizes[64] = "";
    if (want) snprintf(sizes, sizeof sizes, " after %llu of %llu bytes", (unsigned long long)got,
                       (unsigned long long)want);
    rpi_reader_skip(r, rec, RP_SKIP_TRUNCATED, "record at byte %llu (line %llu): input ends %s%s"
                    "%s%s", (unsigned long long)off, (unsigned long long)line, what, sizes,
                    r->serr ? "; " : "", r->serr ? r->codec.msg : "");
    return RP_OK;
}

rp_status rpi_frame_warc(struct rp_reader *r, rp_record *rec)
{
    const size_t max = r->p.max_doc_size;
    for (;;) {
        RP_TRY(rpi_reader_skip_bom(r));
        if (r->warc_resync) {
            const rp_status st = resync(r);
            if (st != RP_OK) return st;
        }
        /* Blank lines between records (the block is followed by CRLF CRLF, WARC 1.1 s. 4). */
        for (;;) {
            if (r->pos == r->end) {
                const rp_status st = rpi_reader_fill(r);
                if (st != RP_OK) return st;
                continue;
            }
            const char c = r->win[r->pos];
            if (c != '\r' && c != '\n') break;
            if (c == '\n') r->line++;
            r->pos++;
        }
        const uint64_t off = r->win_off + r->pos, line = r->line;
        if (off >= r->sel_dend) return RP_DONE; /* the next piece's record */
        /* Header block: lines up to an empty line, at most RPI_WARC_HEADER_MAX bytes. */
        rpi_buf_reset(&r->rb);
        size_t ls = 0;
        uint64_t length = 0;
        int have_length = 0, bad_length = 0;
        char type[32] = "";
        size_t type_len = 0;
        for (;;) {
            if (r->pos == r->end) {
                const rp_status st = rpi_reader_fill(r);
                if (st == RP_E_NOMEM) return st;
                if (st == RP_DONE) {
                    const size_t n = r->rb.size < 5 ? r->rb.size : 5;
                    if (memcmp(r->rb.ptr, "WARC/", n) != 0)
                        return bad_record(r, rec, off, line, 1,
                                          "expected a 'WARC/' version line");
                    return short_record(r, rec, off, line, "inside the header block", 0, 0);
                }
            }
            const char *s = r->win + r->pos;
            const char *nl = memchr(s, '\n', r->end - r->pos);
            const size_t k = nl ? (size_t)(nl - s) + 1 : r->end - r->pos;
            if (r->rb.size + k > RPI_WARC_HEADER_MAX) {
                r->pos += k;
                if (nl) r->line++;
                return bad_record(r, rec, off, line, nl != NULL,
                                  "header block larger than 64 KiB");
            }
            RP_TRY(rpi_buf_append(&r->rb, s, k));
            r->pos += k;
            if (!nl) continue;
            r->line++;
            const char *lp = r->rb.ptr + ls;
            size_t ln = r->rb.size - ls;
            ls = r->rb.size;
            while (ln > 0 && (lp[ln - 1] == '\n' || lp[ln - 1] == '\r')) ln--;
            if (lp == r->rb.ptr) {
                if (ln < 5 || memcmp(lp, "WARC/", 5) != 0)
                    return bad_record(r, rec, off, line, 1, "expected a 'WARC/' version line");
                continue;
            }
            if (ln == 0) break; /* end of the header block */
            const char *nm, *v;
            size_t nm_len, v_len;
            if (!split_field(lp, ln, &nm, &nm_len, &v, &v_len)) continue; /* continuation */
            if (name_is(nm, nm_len, "Content-Length")) {
                uint64_t x = 0;
                bad_length = v_len == 0 || v_len > 18;
                for (size_t i = 0; i < v_len && !bad_length; i++) {
                    if (v[i] < '0' || v[i] > '9') bad_length = 1;
                    else x = x * 10 + (uint64_t)(v[i] - '0');
                }
                length = x;
                have_length = 1;
            } else if (name_is(nm, nm_len, "WARC-Type") && v_len < sizeof type) {
                memcpy(type, v, v_len);
                type_len = v_len;
                for (size_t i = 0; i < v_len; i++) type[i] = (char)lower((unsigned char)type[i]);
            }
        }
        if (!have_length || bad_length)
            return bad_record(r, rec, off, line, 1, have_length ? "bad Content-Length"
                                                                : "missing Content-Length");
        const size_t hdr = r->rb.size;
        const int is_doc = is_doc_type(type, type_len);
        /* How much of the block to keep: all of it, a max_doc_size prefix, or none. */
        uint64_t keep = is_doc ? length : 0;
        int too_big = 0, cut = 0;
        if (is_doc && (max < hdr || length > max - hdr)) {
            if (r->p.truncate_large && max > hdr) {
                keep = max - hdr;
                cut = 1;
            } else {
                keep = 0;
                too_big = 1;
            }
        }
        uint64_t got = 0;
        while (got < length) {
            if (r->pos == r->end) {
                const rp_status st = rpi_reader_fill(r);
                if (st == RP_E_NOMEM) return st;
                if (st == RP_DONE) {
                    const rp_status st2 = short_record(r, rec, off, line, "inside the block", got,
                                                       length);
                    rec->data = r->rb.ptr;
                    rec->size = r->rb.size;
                    return st2;
                }
            }
            size_t take = r->end - r->pos;
            if (take > length - got) take = (size_t)(length - got);
            const char *s = r->win + r->pos;
            if (got < keep) {
                const size_t k = keep - got < take ? (size_t)(keep - got) : take;
                RP_TRY(rpi_buf_append(&r->rb, s, k));
            }
            r->line += rpi_count_lines(s, take);
            r->pos += take;
            got += take;
        }
        if (type_len == 0) {
            return bad_record(r, rec, off, line, 1, "missing WARC-Type");
        }
        if (!is_doc) {
            r->n_ignored++;
            continue;
        }
        rpi_reader_rec(r, rec, off, line);
        rec->data = r->rb.ptr;
        rec->size = r->rb.size;
        rec->truncated_text = cut;
        if (too_big) {
            rec->data = "";
            rec->size = 0;
            rpi_reader_skip(r, rec, RP_SKIP_TOO_BIG, "record at byte %llu (line %llu): %llu "
                            "bytes, more than max_doc_size %llu", (unsigned long long)off,
                            (unsigned long long)line, (unsigned long long)(hdr + length),
                            (unsigned long long)max);
        }
        return RP_OK;
    }
}

/* ---- parsing ------------------------------------------------------------------------------ */

/* End of the header block starting at p: index after the empty line, or 0 if none. */
static size_t header_end(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const char *nl = memchr(p + i, '\n', n - i);
        if (!nl) return 0;
        const size_t ls = i;
        i = (size_t)(nl - p) + 1;
        if (ls > 0 && (i - ls == 1 || (i - ls == 2 && p[ls] == '\r'))) return i;
    }
    return 0;
}

struct hfield {
    const char *name;
    const char *val;
    size_t len;
};

/* Find fields[*].name in the header lines of p[0, n) (first occurrence wins). */
static void scan_fields(const char *p, size_t n, struct hfield *f, size_t nf)
{
    size_t i = 0;
    while (i < n) {
        const char *nl = memchr(p + i, '\n', n - i);
        const size_t e = nl ? (size_t)(nl - p) : n;
        const char *nm, *v;
        size_t nm_len, v_len;
        if (split_field(p + i, e - i, &nm, &nm_len, &v, &v_len)) {
            for (size_t k = 0; k < nf; k++) {
                if (!f[k].val && name_is(nm, nm_len, f[k].name)) {
                    f[k].val = v;
                    f[k].len = v_len;
                }
            }
        }
        i = e + 1;
    }
}

/* Case-insensitive search for needle in p[0, n). */
static int contains_ci(const char *p, size_t n, const char *needle)
{
    const size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++) {
        size_t m = 0;
        while (m < k && lower((unsigned char)p[i + m]) == needle[m]) m++;
        if (m == k) return 1;
    }
    return 0;
}

/* HTML by media type, else by sniffing the start of the payload (a reduced form of the
 * WHATWG MIME Sniffing "text/html" pattern). */
static int is_html(const char *ctype, size_t ctype_len, const char *p, size_t n)
{
    if (ctype && (contains_ci(ctype, ctype_len, "html"))) return 1;
    if (ctype && ctype_len > 0 && !contains_ci(ctype, ctype_len, "text/plain") &&
        !contains_ci(ctype, ctype_len, "octet-stream") && !contains_ci(ctype, ctype_len, "text"))
        return 0;
    size_t i = 0;
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) i = 3;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) i++;
    const size_t k = n - i < 512 ? n - i : 512;
    return contains_ci(p + i, k < 14 ? k : 14, "<!doctype html") || contains_ci(p + i, k, "<html");
}

/* Strip the angle brackets of a WARC 1.0-style "<uri>" value. */
static const char *unangle(const char *v, size_t *len)
{
    if (*len >= 2 && v[0] == '<' && v[*len - 1] == '>') {
        *len -= 2;
        return v + 1;
    }
    return v;
}

rp_status rpi_parse_warc(rp_parser *ps, const rp_record *rec, rp_doc *doc)
{
    struct rpi_buf *sc = &ps->scratch;
    const char *data = rec->data;
    const size_t n = rec->size;
    const size_t he = header_end(data, n);
    if (n < 5 || memcmp(data, "WARC/", 5) != 0 || he == 0) {
        doc->skip = RP_SKIP_BAD_WARC;
        snprintf(ps->detail, sizeof ps->detail, "record at byte %llu: no WARC header block",
                 (unsigned long long)rec->offset);
        doc->detail = ps->detail;
        rpi_doc_fallback_id(ps, rec, doc);
        return RP_OK;
    }
    enum { H_TYPE, H_ID, H_URI, H_DATE, H_CTYPE, H_N };
    struct hfield h[H_N] = {{"WARC-Type", NULL, 0},
                            {"WARC-Record-ID", NULL, 0},
                            {"WARC-Target-URI", NULL, 0},
                            {"WARC-Date", NULL, 0},
                            {"Content-Type", NULL, 0}};
    scan_fields(data, he, h, H_N);
    /* id = WARC-Record-ID, else WARC-Target-URI, else <path>:<line> */
    if (h[H_URI].val) {
        size_t len = h[H_URI].len;
        const char *u = unangle(h[H_URI].val, &len);
        doc->url = rpi_scratch_put(sc, u, len);
    }
    if (h[H_ID].val || h[H_URI].val) {
        size_t len = h[h[H_ID].val ? H_ID : H_URI].len;
        const char *v = unangle(h[h[H_ID].val ? H_ID : H_URI].val, &len);
        doc->id = rpi_scratch_put(sc, v, len);
        doc->id_size = len;
    } else {
        rpi_doc_fallback_id(ps, rec, doc);
    }
    if (h[H_DATE].val) {
        doc->date = rpi_scratch_put(sc, h[H_DATE].val, h[H_DATE].len);
        doc->date_epoch = rp_parse_date(h[H_DATE].val, h[H_DATE].len);
    }
    const char *block = data + he;
    size_t bn = n - he;
    const char *ctype = h[H_CTYPE].val;
    size_t ctype_len = h[H_CTYPE].len;
    const int is_conversion = h[H_TYPE].val && name_is(h[H_TYPE].val, h[H_TYPE].len,
                                                       "conversion");
    if (h[H_TYPE].val && name_is(h[H_TYPE].val, h[H_TYPE].len, "response") && bn >= 5 &&
        memcmp(block, "HTTP/", 5) == 0) {
        /* RFC 9112: status line and fields up to an empty line; the payload follows. */
        const size_t hh = header_end(block, bn);
        struct hfield ct = {"Content-Type", NULL, 0};
        scan_fields(block, hh ? hh : bn, &ct, 1);
        ctype = ct.val;
        ctype_len = ct.len;
        block += hh ? hh : bn;
        bn -= hh ? hh : bn;
    }
    /* charset: byte order mark, valid UTF-8, Content-Type (HTTP, else WARC), <meta>, else
     * uchardet; a conversion record is the archive's own text: UTF-8 or repaired */
    const int html = !is_conversion && is_html(ctype, ctype_len, block, bn);
    if (!is_conversion && bn) {
        char declared[48] = "";
        if (ctype) rpi_charset_param(ctype, ctype_len, declared, sizeof declared);
        if (!declared[0] && html) rpi_html_meta_charset(block, bn, declared, sizeof declared);
        const char *text;
        size_t tn;
        RP_TRY(rpi_decode_text(ps, block, bn, declared[0] ? declared : NULL, &text, &tn));
        if (text != block) { /* converted (may be longer): doc strings from conv_text */
            block = text;
            bn = tn;
            sc = &ps->conv_text;
            rpi_buf_reset(sc);
            RP_TRY(rpi_buf_reserve(sc, 2 * bn + 2));
        }
    }
    if (html) {
        rpi_html_doc(sc, block, bn, doc);
    } else {
        doc->text = bn ? block : "";
        doc->text_size = bn;
    }
    return RP_OK;
}
