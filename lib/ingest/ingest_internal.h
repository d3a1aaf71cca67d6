/* SPDX-License-Identifier: MIT */
/* ingest_internal.h -- the reader object shared by the walker, the framers (text, JSON Lines,
 * JSON arrays, WARC) and the record parsers. Never installed. */
#ifndef RP_INGEST_INTERNAL_H
#define RP_INGEST_INTERNAL_H
#include <stddef.h>                 /* size_t */
#include <stdint.h>                 /* uint64_t */
#include "reprint/rp_ingest.h"      /* rp_reader, rp_record, rp_doc */
#include "common/common_internal.h" /* rpi_buf, rpi_vec, RPI_FUNC */
#include "codec_internal.h"         /* struct rpi_codec */

#define RPI_WIN_CAP ((size_t)256 * 1024)      /* decoded window; lines up to this are zero-copy */
#define RPI_WARC_HEADER_MAX ((size_t)64 * 1024) /* cap of one WARC header block */

/* One input file found by the walk. */
struct rpi_file {
    char *path;    /* path to open; "-" is stdin */
    char *rel;     /* path relative to the directory argument (or the argument itself) */
    uint64_t size; /* st_size of a regular file, else 0 */
    int err;       /* errno when the walk could not stat/open it: reported as RP_SKIP_OPEN */
    const char *why; /* static text when the walk does not read this entry (a FIFO, a socket,
                        a device or a symlinked folder inside a folder): RP_SKIP_OPEN */
};

/* JSON array framing states. */
enum rpi_arr_state {
    RPI_ARR_OPEN = 0,  /* before the '[' */
    RPI_ARR_FIRST = 1, /* after '[': an element or ']' */
    RPI_ARR_NEXT = 2,  /* after ',': an element */
    RPI_ARR_TAIL = 3,  /* after ']': only whitespace may follow */
    RPI_ARR_DONE = 4
};

struct rp_reader {
    rp_alloc alloc_copy;
    const rp_alloc *alloc; /* &alloc_copy or NULL */
    rp_ingest_params p;    /* field names are not kept: the reader does not use them */
    unsigned decode_threads; /* rp_reader_set_threads */
    struct rpi_vec files;  /* struct rpi_file */
    size_t next_file;
    uint64_t bytes_total;  /* sum of sizes of regular files */
    uint64_t bytes_prev;   /* bytes of files already finished */
    uint64_t n_ignored;    /* WARC records that are not documents */
    const void *mem;       /* rp_reader_open_memory: the one "file" is mem[0, mem_size) */
    size_t mem_size;

    /* the file being read */
    const struct rpi_file *cur; /* NULL between files */
    int fd;
    int fd_owned;    /* 0 for stdin */
    struct rpi_codec codec;
    rp_format fmt;
    int json_array;  /* RP_FORMAT_JSON whose first byte is '[' */
    int json_whole;  /* RP_FORMAT_JSON whose first line does not close its first value: the
                        stream is one JSON document (e.g. a pretty-printed object) */
    int file_done;   /* the framer has nothing more */
    char *win;       /* decoded bytes; RPI_WIN_CAP + 1 (room for a NUL) */
    size_t pos, end; /* unread bytes are win[pos, end) */
    uint64_t win_off;/* stream offset of win[0] */
    int eof;         /* the decoder has no more bytes */
    rp_status serr;  /* why the stream ended early (RP_E_TRUNCATED/FORMAT/IO), else RP_OK */
    int serr_reported;
    uint64_t line;   /* 1-based line number of win[pos] */
    uint64_t number; /* records returned from this file */
    int arr_state;   /* enum rpi_arr_state */
    int warc_resync; /* 1: skip to the next line starting with "WARC/" */
    struct rpi_buf rb; /* the record being assembled, capped at max_doc_size */
    char detail[768];  /* rec->detail of the last record */
    char errmsg[768];  /* rp_reader_errmsg */
    /* rp_reader_select: only file sel_file (files past it are not read), and of a cuttable
     * file only the piece [sel_off, sel_off + sel_size), whose first line is sel_line */
    int selected;
    size_t sel_file;
    uint64_t sel_off, sel_size, sel_line;
    /* rp_reader_select_members: the piece is whole gzip members / zstd frames; its decoded
     * bytes are [sel_doff, sel_dend) of the file's stream (sel_dend UINT64_MAX otherwise):
     * records starting there are its own, the last one may run on into the next piece */
    rp_codec sel_codec;
    uint64_t sel_doff, sel_dend;
    int sel_lstart; /* sel_doff is a line start (else the first partial line is skipped) */
    int sel_limit;  /* rp_ingest_piece_scan: the stream ends at the piece's end */
};

/* ---- reader services for the framers ------------------------------------------------------- */
/* Compact the window and decode more bytes into it. RP_OK when bytes were added, RP_DONE at
 * the end of the stream (r->eof set; r->serr says whether it ended early), RP_E_NOMEM. */
RPI_FUNC rp_status rpi_reader_fill(struct rp_reader *r);
/* Decode until n bytes are unread in the window (or EOF, or the window is full). RP_OK or
 * RP_E_NOMEM. */
RPI_FUNC rp_status rpi_reader_need(struct rp_reader *r, size_t n);
/* Skip a UTF-8 byte order mark at the very start of the stream. */
RPI_FUNC rp_status rpi_reader_skip_bom(struct rp_reader *r);
/* Start a record at stream offset off / line (number, path, format filled in). */
RPI_FUNC void rpi_reader_rec(struct rp_reader *r, rp_record *rec, uint64_t off, uint64_t line);
/* Mark rec as a skip with detail "<path>: <text>". */
RPI_FUNC void rpi_reader_skip(struct rp_reader *r, rp_record *rec, rp_skip why, const char *fmt,
                              ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* Mark rec with the stream error (truncated / corrupt / read error) and report it once. */
RPI_FUNC void rpi_reader_stream_skip(struct rp_reader *r, rp_record *rec);
/* Count '\n' bytes in p[0, n). */
RPI_FUNC uint64_t rpi_count_lines(const char *p, size_t n);

/* ---- framers: RP_OK with *rec, RP_DONE when the file has no more records, RP_E_NOMEM ------- */
RPI_FUNC rp_status rpi_frame_jsonl(struct rp_reader *r, rp_record *rec);
RPI_FUNC rp_status rpi_frame_json_array(struct rp_reader *r, rp_record *rec);
RPI_FUNC rp_status rpi_frame_json_whole(struct rp_reader *r, rp_record *rec);
/* *spans = whether the JSON value starting at win[at] ('{') is still open at the end of its
 * first line (decoding more of the stream as needed): then the stream is one document
 * spanning lines, framed by rpi_frame_json_whole. A first line that fills the window counts
 * as closed (JSON Lines). RP_OK or RP_E_NOMEM. */
RPI_FUNC rp_status rpi_json_spans_lines(struct rp_reader *r, size_t at, int *spans);
RPI_FUNC rp_status rpi_frame_warc(struct rp_reader *r, rp_record *rec);

/* ---- walk ----------------------------------------------------------------------------------- */
/* Expand one argument into files (see rp_reader_open). Problems with single entries become
 * rpi_file.err; only RP_E_NOMEM is returned as an error. */
RPI_FUNC rp_status rpi_walk(const char *arg, struct rpi_vec *files, uint64_t *bytes_total,
                            const rp_alloc *alloc);
RPI_FUNC void rpi_walk_free(struct rpi_vec *files, const rp_alloc *alloc);

/* ---- parsing ---------------------------------------------------------------------------------*/
struct rp_parser {
    rp_alloc alloc_copy;
    const rp_alloc *alloc;
    char *id_field, *text_field, *date_field, *title_field, *url_field; /* owned copies */
    size_t id_field_len, text_field_len, date_field_len, title_field_len, url_field_len;
    struct rpi_buf scratch;  /* doc strings; reserved once per record, never moved during it */
    struct rpi_buf repair;   /* a JSON record with invalid UTF-8 replaced by U+FFFD */
    struct rpi_buf conv;     /* a text or payload converted to UTF-8 (rpi_decode_text) */
    struct rpi_buf conv_text; /* doc strings of an HTML page converted to UTF-8 */
    char charset[48];        /* charset the last record was decoded from; "" = UTF-8 */
    uint64_t charset_bad;    /* of it, bytes (units) that did not convert: U+FFFD */
    char detail[512];
};

/* Copy s[0, n) into the scratch as a NUL-terminated string (space must be reserved). */
RPI_FUNC const char *rpi_scratch_put(struct rpi_buf *b, const char *s, size_t n);
RPI_FUNC rp_status rpi_parse_json(rp_parser *ps, const rp_record *rec, rp_doc *doc);
RPI_FUNC rp_status rpi_parse_warc(rp_parser *ps, const rp_record *rec, rp_doc *doc);
/* id "<path>:<line>" into the scratch (space must be reserved: strlen(path) + 24). */
RPI_FUNC void rpi_doc_fallback_id(rp_parser *ps, const rp_record *rec, rp_doc *doc);

/* HTML to plain text (drop tags and script/style/noscript/template/title, block tags to
 * newlines, entities decoded). out must have room for size bytes; returns the output size.
 * When title_off is not NULL, the raw span of the first <title> in html is stored in
 * [*title_off, *title_off + *title_len) (*title_len = 0 if none). */
RPI_FUNC size_t rpi_html_to_text(const char *html, size_t size, char *out, size_t *title_off,
                                 size_t *title_len);
/* Decode a raw title span (entities, whitespace runs to one space) into dst (room for len). */
RPI_FUNC size_t rpi_html_title(const char *raw, size_t len, char *dst);
/* doc->text (and doc->title when the page has a <title>) from an HTML page, carved from the
 * parser scratch sc, which must have room for 2 * size + 2 more bytes. */
RPI_FUNC void rpi_html_doc(struct rpi_buf *sc, const char *html, size_t size, rp_doc *doc);
/* ---- charsets (ingest_charset.c) ------------------------------------------------------------ */
/* Whether s[0, n) is valid UTF-8 (RFC 3629). */
RPI_FUNC int rpi_utf8_valid(const char *s, size_t n);
/* The text of p[0, n) as UTF-8: a UTF-16/32 byte order mark, else p itself when it is valid
 * UTF-8, else the declared charset (a label; NULL if none), else uchardet's guess, converted
 * by iconv into ps->conv (bytes that do not convert become U+FFFD, counted). Sets
 * ps->charset ("" when the text is taken as it is). RP_OK or RP_E_NOMEM. */
RPI_FUNC rp_status rpi_decode_text(rp_parser *ps, const char *p, size_t n, const char *declared,
                                   const char **text, size_t *text_n);
/* The value of the first "charset=" parameter in p[0, n) (a Content-Type), NUL-terminated in
 * out (cap bytes); returns its length, 0 if none. */
RPI_FUNC size_t rpi_charset_param(const char *p, size_t n, char *out, size_t cap);
/* The charset of an HTML page's <meta charset> or <meta http-equiv content="...charset=">,
 * among its first 4 KiB; returns its length, 0 if none. */
RPI_FUNC size_t rpi_html_meta_charset(const char *html, size_t n, char *out, size_t cap);
/* Whether s[0, n) (the start of a stream) is binary data: non-zero with why filled ("ELF
 * executable (magic bytes at offset 0)", "NUL byte at offset 17"), 0 for text (including
 * UTF-16/32 with a byte order mark). */
RPI_FUNC size_t rpi_sniff_binary(const char *s, size_t n, char *why, size_t cap);

/* Append the UTF-8 encoding of cp (invalid code points become U+FFFD); returns bytes. */
RPI_FUNC size_t rpi_utf8_put(uint32_t cp, char *out);

#endif /* RP_INGEST_INTERNAL_H */
