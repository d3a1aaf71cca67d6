/* SPDX-License-Identifier: MIT */
/* ingest_jsonl.c -- framing of JSON Lines (one record per line, RFC 7464-style LF or CRLF), of
 * JSON arrays (one record per top-level element, found by an iterative scanner) and of one JSON
 * document spanning lines. */
#include <assert.h> /* assert */
#include <string.h> /* memchr, memcmp */
#include "ingest_internal.h"

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static int all_blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_blank(p[i]) && p[i] != '\f' && p[i] != '\v') return 0;
    return 1;
}

/* One line per call. Lines that fit the window are returned in place (the '\n' or '\r' is
 * overwritten by a NUL); longer ones are copied into r->rb up to max_doc_size and the rest
 * is discarded, so a single 1 GiB line costs max_doc_size of memory, not 1 GiB. */
rp_status rpi_frame_jsonl(struct rp_reader *r, rp_record *rec)
{
    RP_TRY(rpi_reader_skip_bom(r));
    const size_t max = r->p.max_doc_size;
    uint64_t size = 0; /* bytes of the line so far */
    int spilled = 0, too_big = 0, at_eof = 0;
    const char *data = NULL;
    size_t len = 0;
    if (r->pos == r->end) {
        const rp_status st = rpi_reader_fill(r);
        if (st != RP_OK) return st; /* RP_DONE: no more lines */
    }
    const uint64_t start_off = r->win_off + r->pos, line = r->line;
    if (start_off >= r->sel_dend) return RP_DONE; /* the next piece's line */
    rpi_buf_reset(&r->rb);
    for (;;) {
        char *s = r->win + r->pos;
        const size_t n = r->end - r->pos;
        char *nl = memchr(s, '\n', n);
        if (nl || r->eof) {
            const size_t k = nl ? (size_t)(nl - s) : n;
            r->pos += nl ? k + 1 : k;
            if (nl) r->line++;
            at_eof = !nl;
            size += k;
            if (!spilled) {
                data = s;
                len = k;
                s[k] = '\0'; /* window has one spare byte for a line ending at EOF */
            } else {
                if (!too_big && size <= max) RP_TRY(rpi_buf_append(&r->rb, s, k));
                else too_big = 1;
                data = r->rb.ptr ? r->rb.ptr : "";
                len = too_big ? 0 : r->rb.size;
            }
            if (at_eof && size == 0 && !spilled) return RP_DONE; /* file ended with '\n' */
            break;
        }
        if (!spilled && (r->pos > 0 || r->end < RPI_WIN_CAP)) {
            /* Room left: decode more so the line can stay in the window. */
            const rp_status st = rpi_reader_fill(r);
            if (st == RP_E_NOMEM) return st;
            continue;
        }
        /* The window is full of this line: copy it out (or count it, once too big). */
        spilled = 1;
        size += n;
        if (!too_big && size <= max) RP_TRY(rpi_buf_append(&r->rb, s, n));
        else too_big = 1;
        r->pos = r->end;
        const rp_status st = rpi_reader_fill(r);
        if (st == RP_E_NOMEM) return st;
    }
    if (len > 0 && data[len - 1] == '\r') {
        len--;
        if (!spilled) ((char *)data)[len] = '\0';
        else r->rb.ptr[len] = '\0';
    }
    rpi_reader_rec(r, rec, start_off, line);
    rec->data = data;
    rec->size = len;
    if (at_eof && r->serr != RP_OK) {
        rpi_reader_stream_skip(r, rec);
    } else if (too_big || size > max) {
        rec->data = "";
        rec->size = 0;
        rpi_reader_skip(r, rec, RP_SKIP_TOO_BIG, "line %llu: %llu bytes, more than max_doc_size "
                        "%llu", (unsigned long long)line, (unsigned long long)size,
                        (unsigned long long)max);
    } else if (all_blank(data, len)) {
        rec->skip = RP_SKIP_BLANK;
    }
    return RP_OK;
}

/* ---- JSON arrays ------------------------------------------------------------------------------
 * RFC 8259 section 5: array = '[' [ value *( ',' value ) ] ']'. The scanner only tracks strings,
 * escapes and bracket depth (a counter, not a stack), so any nesting depth costs O(1) memory
 * and no recursion; each element is then parsed (and fully validated) by rp_record_parse. */

static rp_status array_eof(struct rp_reader *r, rp_record *rec, const char *what)
{
    r->arr_state = RPI_ARR_DONE;
    rpi_reader_rec(r, rec, r->win_off + r->pos, r->line);
    if (r->serr != RP_OK) rpi_reader_stream_skip(r, rec);
    else rpi_reader_skip(r, rec, RP_SKIP_BAD_JSON, "line %llu: unexpected end of input %s",
                         (unsigned long long)r->line, what);
    return RP_OK;
}

rp_status rpi_frame_json_array(struct rp_reader *r, rp_record *rec)
{
    RP_TRY(rpi_reader_skip_bom(r));
    /* Find the next token outside elements. */
    for (;;) {
        if (r->arr_state == RPI_ARR_DONE) return RP_DONE;
        if (r->pos == r->end) {
            const rp_status st = rpi_reader_fill(r);
            if (st == RP_E_NOMEM) return st;
            if (st == RP_DONE) {
                if (r->arr_state == RPI_ARR_FIRST || r->arr_state == RPI_ARR_NEXT)
                    return array_eof(r, rec, "in JSON array (missing ']')");
                r->arr_state = RPI_ARR_DONE;
                return RP_DONE;
            }
            continue;
        }
        const char c = r->win[r->pos];
        if (is_blank(c)) {
            if (c == '\n') r->line++;
            r->pos++;
            continue;
        }
        if (r->arr_state == RPI_ARR_OPEN) {
            if (c == '[') {
                r->pos++;
                r->arr_state = RPI_ARR_FIRST;
                continue;
            }
            r->arr_state = RPI_ARR_DONE;
            rpi_reader_rec(r, rec, r->win_off + r->pos, r->line);
            rpi_reader_skip(r, rec, RP_SKIP_BAD_JSON, "line %llu: expected '['",
                            (unsigned long long)r->line);
            return RP_OK;
        }
        if (r->arr_state == RPI_ARR_FIRST && c == ']') {
            r->pos++;
            r->arr_state = RPI_ARR_TAIL;
            continue;
        }
        if (r->arr_state == RPI_ARR_TAIL) {
            r->arr_state = RPI_ARR_DONE;
            rpi_reader_rec(r, rec, r->win_off + r->pos, r->line);
            rpi_reader_skip(r, rec, RP_SKIP_BAD_JSON, "line %llu: trailing data after the JSON "
                            "array", (unsigned long long)r->line);
            return RP_OK;
        }
        break; /* an element starts here */
    }

    const size_t max = r->p.max_doc_size;
    const uint64_t start_off = r->win_off + r->pos, start_line = r->line;
    uint64_t size = 0, depth = 0;
    int in_str = 0, esc = 0, too_big = 0;
    char term = 0;
    rpi_buf_reset(&r->rb);
    while (!term) {
        if (r->pos == r->end) {
            const rp_status st = rpi_reader_fill(r);
            if (st == RP_E_NOMEM) return st;
            if (st == RP_DONE) {
                const rp_status st2 = array_eof(r, rec, "inside a JSON array element");
                rec->offset = start_off;
                rec->line = start_line;
                return st2;
            }
        }
        const char *s = r->win + r->pos;
        const size_t n = r->end - r->pos;
        size_t i = 0;
        for (; i < n; i++) {
            const char c = s[i];
            if (c == '\n') r->line++;
            if (in_str) {
                if (esc) esc = 0;
                else if (c == '\\') esc = 1;
                else if (c == '"') in_str = 0;
                continue;
            }
            if (c == '"') {
                in_str = 1;
            } else if (c == '[' || c == '{') {
                depth++;
            } else if (c == ']' || c == '}') {
                if (depth > 0) depth--;
                else if (c == ']') {
                    term = c;
                    break;
                }
            } else if (c == ',' && depth == 0) {
                term = c;
                break;
            }
        }
        size += i;
        if (!too_big && size <= max) RP_TRY(rpi_buf_append(&r->rb, s, i));
        else too_big = 1;
        r->pos += term ? i + 1 : i;
    }
    r->arr_state = term == ']' ? RPI_ARR_TAIL : RPI_ARR_NEXT;
    size_t len = too_big ? 0 : r->rb.size;
    while (len > 0 && is_blank(r->rb.ptr[len - 1])) len--;
    rpi_reader_rec(r, rec, start_off, start_line);
    rec->data = len ? r->rb.ptr : "";
    rec->size = len;
    if (too_big) {
        rpi_reader_skip(r, rec, RP_SKIP_TOO_BIG, "line %llu: array element of %llu bytes, more "
                        "than max_doc_size %llu", (unsigned long long)start_line,
                        (unsigned long long)size, (unsigned long long)max);
    } else if (len == 0) {
        rpi_reader_skip(r, rec, RP_SKIP_BAD_JSON, "line %llu: expected a value before '%c'",
                        (unsigned long long)start_line, term);
    }
    return RP_OK;
}

/* ---- one JSON document spanning lines ---------------------------------------------------------
 * RP_FORMAT_JSON (a .json file, a request body) may hold a single pretty-printed object. JSON
 * Lines cannot span lines, so a first line that leaves its value open decides: the whole stream
 * is one record, and the parser reports any error at its line and column in the whole text (a
 * broken first line of JSON Lines in such a stream makes the whole stream one bad record, which
 * is what a JSON document with that line would be). */

rp_status rpi_json_spans_lines(struct rp_reader *r, size_t at, int *spans)
{
    *spans = 0;
    uint64_t depth = 0;
    int in_str = 0, esc = 0;
    size_t i = at;
    for (;;) {
        for (; i < r->end; i++) {
            const char c = r->win[i];
            if (c == '\n') {
                *spans = 1;
                return RP_OK;
            }
            if (in_str) {
                if (esc) esc = 0;
                else if (c == '\\') esc = 1;
                else if (c == '"') in_str = 0;
            } else if (c == '"') {
                in_str = 1;
            } else if (c == '[' || c == '{') {
                depth++;
            } else if ((c == ']' || c == '}') && depth > 0 && --depth == 0) {
                return RP_OK; /* closed on its first line: JSON Lines */
            }
        }
        if (r->eof || (r->pos == 0 && r->end == RPI_WIN_CAP)) return RP_OK;
        assert(r->pos == 0); /* at open: filling does not move win[at] */
        const rp_status st = rpi_reader_fill(r);
        if (st == RP_E_NOMEM) return st;
    }
}

rp_status rpi_frame_json_whole(struct rp_reader *r, rp_record *rec)
{
    RP_TRY(rpi_reader_skip_bom(r));
    /* the record starts at the first non-blank byte, so its line is the document's */
    for (;;) {
        while (r->pos < r->end && is_blank(r->win[r->pos])) {
            if (r->win[r->pos] == '\n') r->line++;
            r->pos++;
        }
        if (r->pos < r->end) break;
        const rp_status st = rpi_reader_fill(r);
        if (st == RP_E_NOMEM) return st;
        if (st == RP_DONE) {
            r->file_done = 1;
            return RP_DONE;
        }
    }
    const size_t max = r->p.max_doc_size;
    const uint64_t start_off = r->win_off + r->pos, line = r->line;
    uint64_t size = 0;
    int too_big = 0;
    rpi_buf_reset(&r->rb);
    for (;;) {
        const size_t n = r->end - r->pos;
        if (n) {
            size += n;
            if (!too_big && size <= max) RP_TRY(rpi_buf_append(&r->rb, r->win + r->pos, n));
            else too_big = 1;
            r->line += rpi_count_lines(r->win + r->pos, n);
            r->pos = r->end;
        }
        const rp_status st = rpi_reader_fill(r);
        if (st == RP_E_NOMEM) return st;
        if (st == RP_DONE) break;
    }
    r->file_done = 1;
    size_t len = too_big ? 0 : r->rb.size;
    while (len > 0 && is_blank(r->rb.ptr[len - 1])) len--;
    rpi_reader_rec(r, rec, start_off, line);
    rec->data = len ? r->rb.ptr : "";
    rec->size = len;
    if (r->serr != RP_OK) {
        rpi_reader_stream_skip(r, rec);
    } else if (too_big) {
        rpi_reader_skip(r, rec, RP_SKIP_TOO_BIG, "line %llu: %llu bytes, more than max_doc_size "
                        "%llu", (unsigned long long)line, (unsigned long long)size,
                        (unsigned long long)max);
    }
    return RP_OK;
}
