/* SPDX-License-Identifier: MIT */
/* ingest_reader.c -- rp_reader: opens each file of the walk in turn, picks codec and format,
 * keeps the decoded window, frames plain-text files and reports damaged files as skips. */
#include <errno.h>    /* errno */
#include <fcntl.h>    /* open, O_RDONLY */
#include <stdarg.h>   /* va_list */
#include <stdio.h>    /* snprintf, vsnprintf */
#include <string.h>   /* memcpy, strlen, strerror */
#include <sys/stat.h> /* fstat */
#include <unistd.h>   /* close */
#include "ingest_internal.h"

#define DEFAULT_MAX_DOC_SIZE ((size_t)64 * 1024 * 1024)

void rp_ingest_params_default(rp_ingest_params *p)
{
    memset(p, 0, sizeof *p);
    p->id_field = "id";
    p->text_field = "text";
    p->max_doc_size = DEFAULT_MAX_DOC_SIZE;
    p->format = RP_FORMAT_AUTO;
}

const char *rp_skip_reason_str(rp_skip s)
{
    switch (s) {
    case RP_SKIP_NONE: return "none";
    case RP_SKIP_OPEN: return "open";
    case RP_SKIP_BAD_JSON: return "bad_json";
    case RP_SKIP_NOT_OBJECT: return "not_object";
    case RP_SKIP_NO_TEXT: return "no_text";
    case RP_SKIP_TOO_BIG: return "too_big";
    case RP_SKIP_TRUNCATED: return "truncated";
    case RP_SKIP_CORRUPT: return "corrupt";
    case RP_SKIP_BAD_WARC: return "bad_warc";
    case RP_SKIP_BLANK: return "blank";
    case RP_SKIP_BINARY: return "binary";
    }
    return "unknown";
}

/* The reader without its files: params copied, window allocated. */
static rp_status reader_new(rp_reader **out, const rp_ingest_params *p, const rp_alloc *alloc)
{
    rp_reader *r = rpi_malloc(alloc, sizeof *r);
    if (!r) return RP_E_NOMEM;
    memset(r, 0, sizeof *r);
    if (alloc) {
        r->alloc_copy = *alloc;
        r->alloc = &r->alloc_copy;
    }
    if (p) r->p = *p;
    else rp_ingest_params_default(&r->p);
    r->p.id_field = r->p.text_field = r->p.date_field = NULL;
    r->p.title_field = r->p.url_field = NULL;
    if (r->p.max_doc_size == 0) r->p.max_doc_size = DEFAULT_MAX_DOC_SIZE;
    if (r->p.max_doc_size > SIZE_MAX / 2) r->p.max_doc_size = SIZE_MAX / 2;
    r->fd = -1;
    r->sel_dend = UINT64_MAX;
    rpi_vec_init(&r->files, sizeof(struct rpi_file), r->alloc);
    /* The framers bound records by max_doc_size themselves; a WARC header block may need up
     * to RPI_WARC_HEADER_MAX even when max_doc_size is smaller (the record is then too big). */
    rpi_buf_init(&r->rb, r->p.max_doc_size > RPI_WARC_HEADER_MAX ? r->p.max_doc_size
                                                                  : RPI_WARC_HEADER_MAX,
                 r->alloc);
    r->win = rpi_malloc(r->alloc, RPI_WIN_CAP + 1);
    if (!r->win) {
        rp_reader_free(r);
        return RP_E_NOMEM;
    }
    *out = r;
    return RP_OK;
}

rp_status rp_reader_open(rp_reader **out, const char *path, const rp_ingest_params *p,
                         const rp_alloc *alloc)
{
    if (!out) return RP_E_INVALID;
    *out = NULL;
    if (!path) return RP_E_INVALID;
    rp_reader *r;
    RP_TRY(reader_new(&r, p, alloc));
    const rp_status st = rpi_walk(path, &r->files, &r->bytes_total, r->alloc);
    if (st != RP_OK) {
        rp_reader_free(r);
        return st;
    }
    *out = r;
    return RP_OK;
}

rp_status rp_reader_open_memory(rp_reader **out, const void *data, size_t size,
                                const char *name, const rp_ingest_params *p,
                                const rp_alloc *alloc)
{
    if (!out) return RP_E_INVALID;
    *out = NULL;
    if ((!data && size) || !name) return RP_E_INVALID;
    rp_reader *r;
    RP_TRY(reader_new(&r, p, alloc));
    r->mem = size ? data : "";
    r->mem_size = size;
    r->bytes_total = size;
    struct rpi_file f = {rpi_strndup(r->alloc, name, strlen(name)),
                         rpi_strndup(r->alloc, name, strlen(name)), size, 0, NULL};
    rp_status st = f.path && f.rel ? rpi_vec_push(&r->files, &f) : RP_E_NOMEM;
    if (st != RP_OK) {
        rpi_free(r->alloc, f.path);
        rpi_free(r->alloc, f.rel);
        rp_reader_free(r);
        return st;
    }
    *out = r;
    return RP_OK;
}

static void close_file(rp_reader *r)
{
    if (!r->cur) return;
    const uint64_t used = r->codec.in_total;
    /* a piece counts its own bytes (one of compressed units reads on into the next piece) */
    if (r->selected && r->sel_size != UINT64_MAX) r->bytes_prev += r->sel_size;
    else r->bytes_prev += r->cur->size > used ? r->cur->size : used;
    rpi_codec_end(&r->codec);
    if (r->fd_owned) close(r->fd); /* never close stdin (nor memory: fd -1, not owned) */
    r->fd = -1;
    r->fd_owned = 0;
    r->cur = NULL;
}

void rp_reader_set_threads(rp_reader *r, unsigned n)
{
    if (r) r->decode_threads = n;
}

void rp_reader_free(rp_reader *r)
{
    if (!r) return;
    close_file(r);
    rpi_walk_free(&r->files, r->alloc);
    rpi_buf_free(&r->rb);
    rpi_free(r->alloc, r->win);
    rpi_free(r->alloc, r);
}

void rp_reader_progress(const rp_reader *r, uint64_t *bytes_done, uint64_t *bytes_total)
{
    uint64_t done = r->bytes_prev;
    if (r->cur) done += r->codec.in_total;
    if (r->bytes_total && done > r->bytes_total) done = r->bytes_total;
    if (bytes_done) *bytes_done = done;
    if (bytes_total) *bytes_total = r->bytes_total;
}

const char *rp_reader_errmsg(const rp_reader *r) { return r ? r->errmsg : "no reader"; }

uint64_t rp_reader_ignored(const rp_reader *r) { return r ? r->n_ignored : 0; }

uint64_t rpi_count_lines(const char *p, size_t n)
{
    uint64_t k = 0;
    const char *e = p + n;
    while (p < e && (p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        k++;
        p++;
    }
    return k;
}

/* Formats where a file is one document: its id is its path, it has no lines. */
static int whole_file(rp_format f) { return f == RP_FORMAT_TEXT || f == RP_FORMAT_HTML; }

void rpi_reader_rec(rp_reader *r, rp_record *rec, uint64_t off, uint64_t line)
{
    memset(rec, 0, sizeof *rec);
    rec->data = "";
    rec->path = r->cur->path;
    rec->rel_id = whole_file(r->fmt) ? r->cur->rel : NULL;
    rec->format = r->fmt;
    rec->line = line;
    rec->offset = off;
    rec->number = ++r->number;
}

static void vskip(rp_reader *r, rp_record *rec, rp_skip why, const char *fmt, va_list ap)
{
    int n = snprintf(r->detail, sizeof r->detail, "%s: ", r->cur ? r->cur->path : "?");
    if (n < 0 || (size_t)n >= sizeof r->detail) n = 0;
    vsnprintf(r->detail + n, sizeof r->detail - (size_t)n, fmt, ap);
    memcpy(r->errmsg, r->detail, sizeof r->errmsg);
    rec->skip = why;
    rec->detail = r->detail;
}

void rpi_reader_skip(rp_reader *r, rp_record *rec, rp_skip why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vskip(r, rec, why, fmt, ap);
    va_end(ap);
}

void rpi_reader_stream_skip(rp_reader *r, rp_record *rec)
{
    const rp_skip why = r->serr == RP_E_TRUNCATED ? RP_SKIP_TRUNCATED
                        : r->serr == RP_E_FORMAT  ? RP_SKIP_CORRUPT
                                                  : RP_SKIP_OPEN;
    rpi_reader_skip(r, rec, why, "%s", r->codec.msg);
    r->serr_reported = 1;
}

rp_status rpi_reader_fill(rp_reader *r)
{
    if (r->eof) return RP_DONE;
    if (r->pos > 0) {
        memmove(r->win, r->win + r->pos, r->end - r->pos);
        r->win_off += r->pos;
        r->end -= r->pos;
        r->pos = 0;
    }
    if (r->end == RPI_WIN_CAP) return RP_OK;
    size_t got = 0;
    const rp_status st = rpi_codec_read(&r->codec, r->win + r->end, RPI_WIN_CAP - r->end, &got);
    if (st == RP_OK) {
        r->end += got;
        return RP_OK;
    }
    if (st == RP_E_NOMEM) {
        snprintf(r->errmsg, sizeof r->errmsg, "%s: out of memory", r->cur->path);
        return RP_E_NOMEM;
    }
    r->eof = 1;
    if (st != RP_DONE) r->serr = st;
    return RP_DONE;
}

rp_status rpi_reader_need(rp_reader *r, size_t n)
{
    while (r->end - r->pos < n && !r->eof) {
        const rp_status st = rpi_reader_fill(r);
        if (st == RP_E_NOMEM) return st;
        if (st == RP_OK && r->pos == 0 && r->end == RPI_WIN_CAP) break;
    }
    return RP_OK;
}

rp_status rpi_reader_skip_bom(rp_reader *r)
{
    if (r->win_off != 0 || r->pos != 0) return RP_OK;
    RP_TRY(rpi_reader_need(r, 3));
    if (r->end - r->pos >= 3 && memcmp(r->win + r->pos, "\xEF\xBB\xBF", 3) == 0) r->pos += 3;
    return RP_OK;
}

/* ---- codec and format selection ------------------------------------------------------------ */

static int has_suffix(const char *s, size_t n, const char *suf)
{
    const size_t k = strlen(suf);
    if (n < k) return 0;
    for (size_t i = 0; i < k; i++) {
        char c = s[n - k + i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != suf[i]) return 0;
    }
    return 1;
}

/* Codec from the magic bytes (RFC 1952 2.3.1; RFC 8878 3.1.1), else from the extension (a
 * .gz that is not gzip is then reported corrupt). Magic first: a .gz that is really zstd, or
 * the reverse, is common after renames. *stem excludes a codec extension either way. */
static rp_codec pick_codec(const char *path, size_t *stem, const unsigned char *b, size_t n)
{
    const size_t len = strlen(path);
    *stem = len;
    rp_codec by_ext = RP_CODEC_NONE;
    if (has_suffix(path, len, ".gz")) {
        *stem = len - 3;
        by_ext = RP_CODEC_GZIP;
    } else if (has_suffix(path, len, ".zst")) {
        *stem = len - 4;
        by_ext = RP_CODEC_ZSTD;
    }
    if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) return RP_CODEC_GZIP;
    if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
        return RP_CODEC_ZSTD;
    return by_ext;
}

static rp_format format_by_ext(const char *path, size_t stem)
{
    if (has_suffix(path, stem, ".txt") || has_suffix(path, stem, ".md")) return RP_FORMAT_TEXT;
    if (has_suffix(path, stem, ".jsonl") || has_suffix(path, stem, ".ndjson"))
        return RP_FORMAT_JSONL;
    if (has_suffix(path, stem, ".json")) return RP_FORMAT_JSON;
    if (has_suffix(path, stem, ".warc") || has_suffix(path, stem, ".wet")) return RP_FORMAT_WARC;
    if (has_suffix(path, stem, ".html") || has_suffix(path, stem, ".htm") ||
        has_suffix(path, stem, ".xhtml"))
        return RP_FORMAT_HTML;
    return RP_FORMAT_AUTO;
}

/* An HTML page by its first bytes: <!doctype html or <html, any case (a reduced form of the
 * WHATWG MIME Sniffing "text/html" pattern, as for WARC payloads). */
static int sniff_html(const char *p, size_t n)
{
    static const char *const tags[] = {"<!doctype html", "<html"};
    for (size_t t = 0; t < 2; t++) {
        const size_t k = strlen(tags[t]);
        size_t i = 0;
        while (i < k && i < n && (p[i] | 0x20) == tags[t][i])
            i++;
        if (i == k && (n == k || p[k] == ' ' || p[k] == '>' || p[k] == '\t' || p[k] == '\r' ||
                       p[k] == '\n'))
            return 1;
    }
    return 0;
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Index of the first non-blank byte after an optional UTF-8 BOM, decoding more of the stream
 * while the window holds only blanks (up to a full window); r->end if there is none. */
/* Bytes of the start of a file that is not WARC looked at for binary data. */
#define BINARY_SNIFF ((size_t)8192)

static rp_status first_byte(rp_reader *r, size_t *at)
{
    size_t i;
    for (;;) {
        i = r->pos;
        if (r->win_off + i == 0 && r->end - i >= 3 && memcmp(r->win, "\xEF\xBB\xBF", 3) == 0)
            i += 3;
        while (i < r->end && is_blank(r->win[i])) i++;
        if ((i < r->end && r->end - i >= 5) || r->eof) break;
        if (r->pos == 0 && r->end == RPI_WIN_CAP) break;
        const rp_status st = rpi_reader_fill(r);
        if (st == RP_E_NOMEM) return st;
    }
    *at = i;
    return RP_OK;
}

static rp_status open_piece(rp_reader *r, rp_record *rec);

/* Open the next file: RP_OK with rec filled when it could not be opened, RP_DONE when it is
 * ready for framing (no record), RP_E_NOMEM. */
static rp_status open_next(rp_reader *r, rp_record *rec)
{
    const struct rpi_file *f = &RPI_VEC_AT(&r->files, struct rpi_file, r->next_file);
    r->next_file++;
    r->cur = f;
    r->fmt = r->p.format != RP_FORMAT_AUTO ? r->p.format : RP_FORMAT_TEXT;
    r->json_array = 0;
    r->json_whole = 0;
    r->file_done = 0;
    r->pos = r->end = 0;
    r->win_off = 0;
    r->eof = 0;
    r->serr = RP_OK;
    r->serr_reported = 0;
    r->line = 1;
    r->number = 0;
    r->arr_state = RPI_ARR_OPEN;
    r->warc_resync = 0;
    rpi_codec_init(&r->codec, -1, r->alloc);
    int err = f->err;
    if (r->mem) {
        /* memory is read as it is: no codec (a caller that accepts compressed bodies would
         * otherwise let a few MiB expand into gigabytes of documents) */
        rpi_codec_init_memory(&r->codec, r->mem, r->mem_size, r->alloc);
    } else if (!err && !f->why) {
        const int is_stdin = strcmp(f->path, "-") == 0;
        r->fd = is_stdin ? 0 : open(f->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (r->fd < 0) err = errno;
        r->fd_owned = !is_stdin && r->fd >= 0;
        struct stat sb;
        if (!err && fstat(r->fd, &sb) == 0 && S_ISDIR(sb.st_mode)) err = EISDIR;
    }
    if (f->why && !r->mem) { /* an entry the walk lists but does not read (ingest_walk.c) */
        rpi_reader_rec(r, rec, 0, 0);
        rpi_reader_skip(r, rec, RP_SKIP_OPEN, "%s", f->why);
        r->file_done = 1;
        return RP_OK;
    }
    if (err) {
        rpi_reader_rec(r, rec, 0, 0);
        rpi_reader_skip(r, rec, RP_SKIP_OPEN, "%s", strerror(err));
        r->file_done = 1;
        return RP_OK;
    }
    if (!r->mem) r->codec.fd = r->fd;
    r->codec.threads = r->decode_threads;
    if (r->selected && r->sel_size != UINT64_MAX) return open_piece(r, rec);
    rp_status st = rpi_codec_prime(&r->codec, 4);
    if (st == RP_E_NOMEM) return st;
    size_t stem = strlen(f->path);
    const rp_codec codec =
        r->mem ? RP_CODEC_NONE : pick_codec(f->path, &stem, r->codec.in, r->codec.in_end);
    if (st == RP_OK) st = rpi_codec_start(&r->codec, codec);
    if (st == RP_E_NOMEM) return st;
    if (st != RP_OK) {
        rpi_reader_rec(r, rec, 0, 0);
        rpi_reader_skip(r, rec, RP_SKIP_OPEN, "%s", r->codec.msg);
        r->file_done = 1;
        return RP_OK;
    }
    /* Format: forced, else extension (after the codec's), else the first non-blank byte. */
    rp_format fmt = r->p.format != RP_FORMAT_AUTO ? r->p.format : format_by_ext(f->path, stem);
    if (fmt == RP_FORMAT_AUTO || fmt == RP_FORMAT_JSON) {
        size_t at;
        RP_TRY(first_byte(r, &at));
        const char c = at < r->end ? r->win[at] : 0;
        if (fmt == RP_FORMAT_JSON) {
            r->json_array = c == '[';
            if (c == '{') RP_TRY(rpi_json_spans_lines(r, at, &r->json_whole));
        } else if (c == '{') {
            fmt = RP_FORMAT_JSONL;
        } else if (c == '[') {
            fmt = RP_FORMAT_JSON;
            r->json_array = 1;
        } else if (r->end - at >= 5 && memcmp(r->win + at, "WARC/", 5) == 0) {
            fmt = RP_FORMAT_WARC;
        } else if (sniff_html(r->win + at, r->end - at)) {
            fmt = RP_FORMAT_HTML;
        } else {
            fmt = RP_FORMAT_TEXT;
        }
    }
    /* A JSON reading of binary data (random bytes that start with '{' or '[', a file named
     * .jsonl that is not text) would report a bad line per newline; framed as text, the
     * whole file is one counted binary skip. Valid JSON never trips the sniff: it has no raw
     * control bytes. A format the caller forces is read as asked. */
    if (r->p.format == RP_FORMAT_AUTO && (fmt == RP_FORMAT_JSON || fmt == RP_FORMAT_JSONL)) {
        RP_TRY(rpi_reader_need(r, BINARY_SNIFF));
        char why[128];
        const size_t head = r->end - r->pos < BINARY_SNIFF ? r->end - r->pos : BINARY_SNIFF;
        if (r->serr == RP_OK && rpi_sniff_binary(r->win + r->pos, head, why, sizeof why))
            fmt = RP_FORMAT_TEXT;
    }
    r->fmt = fmt;
    return RP_DONE;
}

/* ---- pieces of a file ----------------------------------------------------------------------- */

/* How reading file k resolves it: format (with the JSON flavour) and codec, by opening it in a
 * scratch reader exactly as rp_reader_next would. *ok is 0 when it cannot be opened. */
struct shape {
    int ok;
    rp_format fmt;
    int json_array, json_whole;
    rp_codec codec;
};
static rp_status file_shape(const rp_reader *r, size_t k, struct shape *out)
{
    memset(out, 0, sizeof *out);
    if (r->mem || k >= r->files.len) return RP_OK;
    const struct rpi_file *f = &RPI_VEC_AT(&r->files, struct rpi_file, k);
    if (f->err || f->why || !strcmp(f->path, "-")) return RP_OK;
    rp_reader *s;
    RP_TRY(reader_new(&s, &r->p, r->alloc));
    struct rpi_file g = *f; /* borrowed: the scratch reader's list is emptied before freeing */
    rp_status st = rpi_vec_push(&s->files, &g);
    rp_record rec;
    if (st == RP_OK) st = open_next(s, &rec);
    if (st == RP_DONE) {
        out->ok = 1;
        out->fmt = s->fmt;
        out->json_array = s->json_array;
        out->json_whole = s->json_whole;
        out->codec = s->codec.kind;
        st = RP_OK;
    } else if (st == RP_OK) {
        st = RP_OK; /* could not be opened: not cuttable */
    }
    close_file(s);
    s->files.len = 0;
    rp_reader_free(s);
    return st;
}

size_t rp_reader_n_files(const rp_reader *r) { return r ? r->files.len : 0; }

const char *rp_reader_file_path(const rp_reader *r, size_t k)
{
    return r && k < r->files.len ? RPI_VEC_AT(&r->files, struct rpi_file, k).path : NULL;
}

uint64_t rp_reader_file_size(const rp_reader *r, size_t k)
{
    return r && k < r->files.len ? RPI_VEC_AT(&r->files, struct rpi_file, k).size : 0;
}

rp_status rp_reader_file_cuttable(const rp_reader *r, size_t k, int *cuttable)
{
    if (!r || !cuttable) return RP_E_INVALID;
    *cuttable = 0;
    struct shape sh;
    RP_TRY(file_shape(r, k, &sh));
    /* one JSON value per line, uncompressed: a piece that starts after a newline frames the
     * same records as the whole reading */
    if (sh.ok && sh.codec == RP_CODEC_NONE &&
        (sh.fmt == RP_FORMAT_JSONL ||
         (sh.fmt == RP_FORMAT_JSON && !sh.json_array && !sh.json_whole)))
        *cuttable = RP_CUT_LINES;
    /* WARC: a piece that starts at a record frames the same records as the whole reading */
    else if (sh.ok && sh.codec == RP_CODEC_NONE && sh.fmt == RP_FORMAT_WARC)
        *cuttable = RP_CUT_RECORDS;
    return RP_OK;
}

/* The codec file k is cut by at unit starts (RP_CODEC_NONE: it is not), and whether it is
 * WARC (its records, not its lines, must start the pieces; *warc is also set for a plain WARC
 * file, whose pieces' scans frame records too). */
static rp_status members_shape(const rp_reader *r, size_t k, rp_codec *codec, int *warc)
{
    *codec = RP_CODEC_NONE;
    *warc = 0;
    struct shape sh;
    RP_TRY(file_shape(r, k, &sh));
    /* the formats of rp_reader_file_cuttable, and WARC, compressed in independent units */
    if (sh.ok && (sh.codec == RP_CODEC_GZIP || sh.codec == RP_CODEC_ZSTD) &&
        (sh.fmt == RP_FORMAT_JSONL || sh.fmt == RP_FORMAT_WARC ||
         (sh.fmt == RP_FORMAT_JSON && !sh.json_array && !sh.json_whole))) {
        *codec = sh.codec;
        *warc = sh.fmt == RP_FORMAT_WARC;
    }
    if (sh.ok && sh.codec == RP_CODEC_NONE && sh.fmt == RP_FORMAT_WARC) *warc = 1;
    return RP_OK;
}

rp_status rp_reader_file_members(const rp_reader *r, size_t k, rp_codec *codec)
{
    if (!r || !codec) return RP_E_INVALID;
    int warc;
    return members_shape(r, k, codec, &warc);
}

rp_status rp_reader_select(rp_reader *r, size_t k, uint64_t offset, uint64_t size, uint64_t line)
{
    if (!r || r->cur || r->selected || k >= r->files.len || r->mem) return RP_E_INVALID;
    if (size != UINT64_MAX) {
        int cut;
        RP_TRY(rp_reader_file_cuttable(r, k, &cut));
        if (!cut || size == 0 || line == 0) return RP_E_INVALID;
    }
    r->selected = 1;
    r->sel_file = k;
    r->sel_off = offset;
    r->sel_size = size;
    r->sel_line = line;
    r->next_file = k;
    r->bytes_total = size != UINT64_MAX ? size : RPI_VEC_AT(&r->files, struct rpi_file, k).size;
    return RP_OK;
}

rp_status rp_reader_select_members(rp_reader *r, size_t k, uint64_t offset, uint64_t size,
                                   uint64_t line, uint64_t dec_offset, uint64_t dec_size,
                                   int line_start)
{
    if (!r || r->cur || r->selected || k >= r->files.len || r->mem || size == 0 || line == 0 ||
        dec_size > UINT64_MAX - dec_offset)
        return RP_E_INVALID;
    rp_codec codec;
    RP_TRY(rp_reader_file_members(r, k, &codec));
    if (codec == RP_CODEC_NONE) return RP_E_INVALID;
    RP_TRY(rp_reader_select(r, k, 0, UINT64_MAX, 1)); /* the file alone, then the piece */
    r->sel_off = offset;
    r->sel_size = size;
    r->sel_line = line;
    r->sel_codec = codec;
    r->sel_doff = dec_offset;
    r->sel_dend = dec_offset + dec_size;
    r->sel_lstart = line_start;
    r->bytes_total = size;
    return RP_OK;
}

/* A plausible start of a gzip member (RFC 1952 2.3: ID1 ID2, CM 8, reserved FLG bits 0, XFL 0,
 * 2 or 4, a known OS) or a zstd frame (RFC 8878 3.1.1: magic, reserved descriptor bit 0) in
 * the 10 bytes at p. */
static int unit_header(rp_codec codec, const unsigned char *p)
{
    if (codec == RP_CODEC_GZIP)
        return p[0] == 0x1f && p[1] == 0x8b && p[2] == 8 && (p[3] & 0xE0) == 0 &&
               (p[8] == 0 || p[8] == 2 || p[8] == 4) && (p[9] <= 13 || p[9] == 255);
    return p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd && (p[4] & 0x08) == 0;
}

/* Decode file bytes from offset off as codec (limit raw bytes at most, 0: to the end),
 * handing each decoded block to fn. *clean = the stream ended at a unit end with nothing
 * after it and no error. Stops early (clean 0) once fn returns nonzero. */
typedef int (*decoded_fn)(void *ctx, const char *p, size_t n);
static rp_status decode_from(const char *path, rp_codec codec, uint64_t off, uint64_t limit,
                             decoded_fn fn, void *ctx, int *clean)
{
    *clean = 0;
    const int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return RP_E_IO;
    rp_status st = RP_OK;
    struct rpi_codec c;
    rpi_codec_init(&c, fd, NULL);
    c.limit = limit;
    char *buf = rpi_malloc(NULL, (size_t)1 << 16);
    if (!buf) st = RP_E_NOMEM;
    if (st == RP_OK && lseek(fd, (off_t)off, SEEK_SET) < 0) st = RP_E_IO;
    if (st == RP_OK && rpi_codec_start(&c, codec) != RP_OK) st = RP_E_UNSUPPORTED;
    while (st == RP_OK) {
        size_t got = 0;
        const rp_status rs = rpi_codec_read(&c, buf, (size_t)1 << 16, &got);
        if (rs == RP_DONE) {
            *clean = c.err == RP_OK && !c.trailing;
            break;
        }
        if (rs == RP_E_NOMEM || rs == RP_E_IO) st = rs;
        if (rs != RP_OK || fn(ctx, buf, got)) break; /* damaged: not clean */
    }
    rpi_codec_end(&c);
    rpi_free(NULL, buf);
    close(fd);
    return st;
}

/* path opened for reading, *size its size. RP_E_IO. */
static rp_status open_sized(const char *path, int *fd, uint64_t *size)
{
    *fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    struct stat sb;
    if (*fd >= 0 && fstat(*fd, &sb) == 0) {
        *size = (uint64_t)sb.st_size;
        return RP_OK;
    }
    if (*fd >= 0) close(*fd);
    return RP_E_IO;
}

#define PROBE_BYTES ((uint64_t)16 * 1024) /* decoded bytes that confirm a unit start */
static int probe_enough(void *ctx, const char *p, size_t n)
{
    (void)p;
    uint64_t *seen = ctx;
    *seen += n;
    return *seen >= PROBE_BYTES;
}

rp_status rp_ingest_member_start(const char *path, rp_codec codec, uint64_t at, uint64_t *next)
{
    if (!path || !next || (codec != RP_CODEC_GZIP && codec != RP_CODEC_ZSTD))
        return RP_E_INVALID;
    int fd;
    uint64_t size;
    RP_TRY(open_sized(path, &fd, &size));
    *next = size;
    /* read in blocks overlapping by 9 bytes so a header across two blocks is seen */
    unsigned char buf[1 << 16];
    rp_status st = RP_OK;
    for (uint64_t pos = at; pos + 10 <= size && st == RP_OK;) {
        const ssize_t k = pread(fd, buf, sizeof buf, (off_t)pos);
        if (k < 0 && errno == EINTR) continue;
        if (k < 10) {
            if (k < 0) st = RP_E_IO;
            break;
        }
        const unsigned char first = codec == RP_CODEC_GZIP ? 0x1f : 0x28;
        const unsigned char *q = buf, *end = buf + k - 9;
        int found = 0;
        while (!found && (q = memchr(q, first, (size_t)(end - q))) != NULL) {
            if (unit_header(codec, q)) {
                /* a header that does not decode is data that looks like one; one that
                 * decodes but is not a true start (a member stored inside another) is caught
                 * by the piece scans, which then read the file whole */
                uint64_t seen = 0;
                int clean;
                const uint64_t cand = pos + (uint64_t)(q - buf);
                st = decode_from(path, codec, cand, 0, probe_enough, &seen, &clean);
                if (st != RP_OK) break;
                if (seen >= PROBE_BYTES || clean) {
                    *next = cand;
                    found = 1;
                }
            }
            q++;
        }
        if (found || st != RP_OK) break;
        pos += (uint64_t)k - 9;
    }
    close(fd);
    return st;
}

rp_status rp_ingest_record_start(const char *path, uint64_t at, uint64_t *next)
{
    if (!path || !next || at == 0) return RP_E_INVALID;
    int fd;
    uint64_t size;
    RP_TRY(open_sized(path, &fd, &size));
    *next = size;
    /* "\nWARC/" with the newline at or after at - 1; blocks overlap by 5 bytes */
    static const char pat[] = "\nWARC/";
    const size_t plen = sizeof pat - 1;
    char buf[1 << 16];
    rp_status st = RP_OK;
    for (uint64_t pos = at - 1; pos + plen <= size;) {
        const ssize_t k = pread(fd, buf, sizeof buf, (off_t)pos);
        if (k < 0 && errno == EINTR) continue;
        if (k < (ssize_t)plen) {
            if (k < 0) st = RP_E_IO;
            break;
        }
        const char *hit = memmem(buf, (size_t)k, pat, plen);
        if (hit) {
            *next = pos + (uint64_t)(hit - buf) + 1;
            break;
        }
        pos += (uint64_t)k - (plen - 1);
    }
    close(fd);
    return st;
}

struct scan_ctx {
    rp_piece_scan *out;
    char last;
};
static int scan_block(void *ctx, const char *p, size_t n)
{
    struct scan_ctx *s = ctx;
    s->out->dec_size += n;
    s->out->lines += rpi_count_lines(p, n);
    if (n) s->last = p[n - 1];
    return 0;
}

/* *clean = the WARC records of the piece [offset, offset + size) of r's file 0 (compressed
 * as codec), framed from its first byte as a stream that ends at its end, are all whole and
 * well formed: a piece that starts at a record start then ends at a record end. */
static rp_status warc_frames_clean(rp_reader *r, rp_codec codec, uint64_t offset, uint64_t size,
                                   int *clean)
{
    *clean = 0;
    RP_TRY(rp_reader_select(r, 0, 0, UINT64_MAX, 1));
    r->sel_off = offset;
    r->sel_size = size;
    r->sel_limit = 1;
    r->sel_codec = codec;
    r->sel_lstart = 1;
    for (;;) {
        rp_record rec;
        const rp_status st = rp_reader_next(r, &rec);
        if (st == RP_DONE) break;
        if (st != RP_OK) return st;
        if (rec.skip == RP_SKIP_BAD_WARC || rec.skip == RP_SKIP_TRUNCATED ||
            rec.skip == RP_SKIP_CORRUPT || rec.skip == RP_SKIP_OPEN)
            return RP_OK;
    }
    *clean = 1;
    return RP_OK;
}

rp_status rp_ingest_piece_scan(const char *path, const rp_ingest_params *p, uint64_t offset,
                               uint64_t size, rp_piece_scan *out)
{
    if (!path || !out || size == 0) return RP_E_INVALID;
    memset(out, 0, sizeof *out);
    rp_reader *r = NULL;
    rp_status st = rp_reader_open(&r, path, p, NULL);
    rp_codec codec = RP_CODEC_NONE;
    int warc = 0;
    if (st == RP_OK && rp_reader_n_files(r) == 1) st = members_shape(r, 0, &codec, &warc);
    if (st == RP_OK && (codec != RP_CODEC_NONE || warc)) {
        struct scan_ctx s = {out, '\n'};
        st = decode_from(path, codec, offset, size, scan_block, &s, &out->clean);
        out->ends_line = s.last == '\n';
        if (st == RP_OK && out->clean && warc)
            st = warc_frames_clean(r, codec, offset, size, &out->clean);
    }
    rp_reader_free(r);
    return st;
}

rp_status rp_ingest_line_start(const char *path, uint64_t from, uint64_t at, uint64_t *next,
                               uint64_t *lines)
{
    if (!path || !next || at < from) return RP_E_INVALID;
    *next = 0;
    if (lines) *lines = 0;
    if (at == 0) return RP_OK;
    const int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return RP_E_IO;
    /* a line starts at the byte after the first newline at or after at - 1: count the
     * newlines in [from, at - 1), then find that one */
    char buf[1 << 16];
    rp_status st = RP_OK;
    uint64_t pos = from, n_lines = 0;
    for (;;) {
        const ssize_t k = pread(fd, buf, sizeof buf, (off_t)pos);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) {
            st = RP_E_IO;
            break;
        }
        if (k == 0) { /* no newline at or after at - 1: nothing starts after it */
            *next = pos > at ? pos : at;
            break;
        }
        size_t i = 0;
        if (pos < at - 1) {
            i = at - 1 - pos < (uint64_t)k ? (size_t)(at - 1 - pos) : (size_t)k;
            n_lines += rpi_count_lines(buf, i);
        }
        const char *nl = i < (size_t)k ? memchr(buf + i, '\n', (size_t)k - i) : NULL;
        if (nl) {
            n_lines++;
            *next = pos + (uint64_t)(nl - buf) + 1;
            break;
        }
        pos += (uint64_t)k;
    }
    close(fd);
    if (lines) *lines = n_lines;
    return st;
}

rp_status rp_reader_select_files(rp_reader *r, size_t first, size_t end)
{
    if (!r || r->cur || r->selected || first >= end || end > r->files.len || r->mem)
        return RP_E_INVALID;
    r->selected = 1;
    r->sel_file = end - 1; /* the last file read */
    r->sel_size = UINT64_MAX;
    r->next_file = first;
    r->bytes_total = 0;
    for (size_t k = first; k < end; k++)
        r->bytes_total += RPI_VEC_AT(&r->files, struct rpi_file, k).size;
    return RP_OK;
}

/* Open a piece of a cuttable file: no codec, the whole file's format, lines and offsets
 * continued from where the piece starts. */
static rp_status open_piece(rp_reader *r, rp_record *rec)
{
    struct shape sh;
    RP_TRY(file_shape(r, r->sel_file, &sh));
    if (!sh.ok || lseek(r->fd, (off_t)r->sel_off, SEEK_SET) < 0) {
        rpi_reader_rec(r, rec, r->sel_off, r->sel_line);
        rpi_reader_skip(r, rec, RP_SKIP_OPEN, "cannot read the piece at byte %llu",
                        (unsigned long long)r->sel_off);
        r->file_done = 1;
        return RP_OK;
    }
    r->fmt = sh.fmt;
    r->json_array = sh.json_array;
    r->json_whole = sh.json_whole;
    r->line = r->sel_line;
    /* a plain piece, or a scan's (rp_ingest_piece_scan): the piece is the whole stream */
    if (r->sel_limit || r->sel_codec == RP_CODEC_NONE) r->codec.limit = r->sel_size;
    if (r->sel_codec == RP_CODEC_NONE) {
        RP_TRY(rpi_codec_start(&r->codec, RP_CODEC_NONE));
        r->win_off = r->sel_off;
        return RP_DONE;
    }
    /* Whole members / frames from sel_off on, not limited: the piece's last line may go on
     * into the next piece's members. The piece scans found every member of the file intact,
     * so this stream meets no error the whole reading would report. */
    if (rpi_codec_start(&r->codec, r->sel_codec) != RP_OK) {
        rpi_reader_rec(r, rec, r->sel_doff, r->sel_line);
        rpi_reader_skip(r, rec, RP_SKIP_OPEN, "%s", r->codec.msg);
        r->file_done = 1;
        return RP_OK;
    }
    r->win_off = r->sel_doff;
    /* a WARC piece starts at a record (its scan proved it), whatever ends the piece before */
    if (r->sel_lstart || r->fmt == RP_FORMAT_WARC) return RP_DONE;
    for (;;) { /* the line the piece starts in belongs to the piece before */
        const char *nl = memchr(r->win + r->pos, '\n', r->end - r->pos);
        if (nl) {
            r->pos = (size_t)(nl - r->win) + 1;
            r->line++;
            return RP_DONE;
        }
        r->pos = r->end;
        const rp_status st = rpi_reader_fill(r);
        if (st == RP_E_NOMEM) return st;
        if (st == RP_DONE) return RP_DONE;
    }
}

/* ---- plain text: the whole file is one record ---------------------------------------------- */

/* Largest n' <= n that does not split a UTF-8 sequence of p (RFC 3629 section 3). */
static size_t utf8_cut(const char *p, size_t n)
{
    size_t k = n;
    while (k > 0 && n - k < 4 && ((unsigned char)p[k - 1] & 0xC0) == 0x80) k--;
    if (k == 0 || n - k >= 4) return n; /* no lead byte close enough: not UTF-8, cut as asked */
    const unsigned char c = (unsigned char)p[k - 1];
    const size_t need = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    return (n - (k - 1)) >= need ? n : k - 1;
}

static rp_status frame_text(rp_reader *r, rp_record *rec)
{
    const size_t max = r->p.max_doc_size;
    int too_big = 0;
    rpi_buf_reset(&r->rb);
    /* binary data (an executable, an archive, random bytes) is not read further */
    RP_TRY(rpi_reader_need(r, BINARY_SNIFF));
    char why[128];
    const size_t head = r->end - r->pos < BINARY_SNIFF ? r->end - r->pos : BINARY_SNIFF;
    if (r->serr == RP_OK && rpi_sniff_binary(r->win + r->pos, head, why, sizeof why)) {
        r->file_done = 1;
        rpi_reader_rec(r, rec, 0, 0);
        rpi_reader_skip(r, rec, RP_SKIP_BINARY, "%s", why);
        return RP_OK;
    }
    for (;;) {
        const size_t avail = r->end - r->pos;
        if (avail) {
            const size_t room = max - r->rb.size;
            const size_t take = avail < room ? avail : room;
            if (take) RP_TRY(rpi_buf_append(&r->rb, r->win + r->pos, take));
            r->pos = r->end;
            /* Stop at the cap: the rest is never read (/dev/zero, a 5 GB file, a bomb). Its
             * size is not needed: "more than max_doc_size" says what matters. */
            if (avail > room) {
                too_big = 1;
                break;
            }
        }
        const rp_status st = rpi_reader_fill(r);
        if (st == RP_DONE) break;
        if (st != RP_OK) return st;
    }
    r->file_done = 1;
    rpi_reader_rec(r, rec, 0, 0);
    rec->data = r->rb.ptr ? r->rb.ptr : "";
    rec->size = r->rb.size;
    if (r->serr != RP_OK) {
        rpi_reader_stream_skip(r, rec);
    } else if (too_big && r->p.truncate_large) {
        rec->size = utf8_cut(rec->data, rec->size);
        rec->truncated_text = 1;
    } else if (too_big) {
        rpi_reader_skip(r, rec, RP_SKIP_TOO_BIG,
                        "more than max_doc_size %llu bytes (not read further)",
                        (unsigned long long)max);
        rec->size = 0;
    }
    return RP_OK;
}

/* ---- iteration ----------------------------------------------------------------------------- */

rp_status rp_reader_next(rp_reader *r, rp_record *rec)
{
    if (!r || !rec) return RP_E_INVALID;
    memset(rec, 0, sizeof *rec);
    rec->data = "";
    for (;;) {
        if (!r->cur) {
            if (r->next_file >= r->files.len || (r->selected && r->next_file > r->sel_file))
                return RP_DONE;
            const rp_status st = open_next(r, rec);
            if (st == RP_OK) return RP_OK; /* the open failure record */
            if (st != RP_DONE) return st;
        }
        if (!r->file_done) {
            rp_status st;
            switch (r->fmt) {
            case RP_FORMAT_JSONL: st = rpi_frame_jsonl(r, rec); break;
            case RP_FORMAT_JSON:
                st = r->json_array   ? rpi_frame_json_array(r, rec)
                     : r->json_whole ? rpi_frame_json_whole(r, rec)
                                     : rpi_frame_jsonl(r, rec);
                break;
            case RP_FORMAT_WARC: st = rpi_frame_warc(r, rec); break;
            default: st = frame_text(r, rec); break;
            }
            if (st == RP_OK) return RP_OK;
            if (st != RP_DONE) {
                if (st == RP_E_NOMEM) return st;
                snprintf(r->errmsg, sizeof r->errmsg, "%s: internal framing error (%s)",
                         r->cur->path, rp_strerror(st));
                return RP_E_INTERNAL; /* a broken invariant, never bad input */
            }
            r->file_done = 1;
        }
        /* The framer is done: report a stream error no record carried, then trailing bytes. */
        if (r->serr != RP_OK && !r->serr_reported) {
            rpi_reader_rec(r, rec, r->win_off + r->pos, whole_file(r->fmt) ? 0 : r->line);
            rpi_reader_stream_skip(r, rec);
            return RP_OK;
        }
        if (r->codec.trailing == 1) {
            r->codec.trailing = 2;
            rpi_reader_rec(r, rec, r->win_off + r->pos, whole_file(r->fmt) ? 0 : r->line);
            rpi_reader_skip(r, rec, RP_SKIP_CORRUPT, "%s", r->codec.msg);
            return RP_OK;
        }
        close_file(r);
    }
}
