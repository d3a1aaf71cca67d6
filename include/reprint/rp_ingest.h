/* SPDX-License-Identifier: MIT */
/* rp_ingest.h -- reading collections (stage 1 of 7): files, directories, stdin or a memory
 * buffer; plain text, JSON Lines / JSON arrays, WARC/WET; files optionally gzip- or
 * zstd-compressed, streamed.
 *
 * Reading is split in two so that it parallelises:
 *   framing (rp_reader_next): sequential; decompresses and cuts the stream into raw records
 *            (a text file, a JSON Lines line, a JSON array element, a WARC record);
 *   parsing (rp_record_parse): pure function of one record, safe on many threads at once;
 *            extracts id, text, date, title, url.
 * A record that cannot be framed or parsed is still returned, with a skip reason, so that
 * every input document is accounted for. */
#ifndef RP_INGEST_H
#define RP_INGEST_H
#include <stdint.h>    /* uint64_t */
#include "rp_common.h" /* RP_API, rp_status, rp_alloc */
#ifdef __cplusplus
extern "C" {
#endif

typedef enum rp_format {
    RP_FORMAT_AUTO = 0, /* by extension, then by sniffing the first bytes */
    RP_FORMAT_TEXT = 1, /* one document per file (.txt, .md, anything unrecognised) */
    RP_FORMAT_JSONL = 2, /* one JSON object per line (.jsonl, .ndjson) */
    RP_FORMAT_JSON = 3,  /* a JSON array of objects, one JSON object (which may span lines:
                            its first line leaves it open), or JSON Lines (.json) */
    RP_FORMAT_WARC = 4,  /* WARC/WET records (.warc, .wet) */
    RP_FORMAT_HTML = 5   /* one HTML page per file (.html, .htm, .xhtml, or starting with
                            <!doctype html or <html): text without tags, <title> as title */
} rp_format;

typedef enum rp_codec {
    RP_CODEC_NONE = 0,
    RP_CODEC_GZIP = 1, /* .gz, multi-member; zlib */
    RP_CODEC_ZSTD = 2  /* .zst, multi-frame; libzstd */
} rp_codec;

/* Why a record became a skipped document. Values are stable; text via rp_skip_reason_str. */
typedef enum rp_skip {
    RP_SKIP_NONE = 0,
    RP_SKIP_OPEN = 1,        /* the file could not be opened or read */
    RP_SKIP_BAD_JSON = 2,    /* the line is not valid JSON */
    RP_SKIP_NOT_OBJECT = 3,  /* valid JSON but not an object */
    RP_SKIP_NO_TEXT = 4,     /* the text field is missing or not a string */
    RP_SKIP_TOO_BIG = 5,     /* record larger than max_doc_size and truncation is off */
    RP_SKIP_TRUNCATED = 6,   /* the stream ended inside this record (truncated gzip, short WARC) */
    RP_SKIP_CORRUPT = 7,     /* the compressed stream is corrupt (bad CRC, bad frame) */
    RP_SKIP_BAD_WARC = 8,    /* malformed WARC header */
    RP_SKIP_BLANK = 9,       /* blank line in JSON Lines (counted, not a document) */
    RP_SKIP_BINARY = 10      /* binary data, not text (NUL bytes, control bytes, the magic
                                bytes of an executable, archive or compressed stream) */
} rp_skip;

RP_API const char *rp_skip_reason_str(rp_skip s); /* short snake_case text, e.g. "bad_json" */

typedef struct rp_ingest_params {
    const char *id_field;    /* JSON key of the id; default "id"; missing -> "<path>:<line>" */
    const char *text_field;  /* default "text" */
    const char *date_field;  /* NULL = no dates */
    const char *title_field; /* NULL = none */
    const char *url_field;   /* NULL = none */
    size_t max_doc_size;     /* bytes of one record; default 64 MiB */
    int truncate_large;      /* 1: cut a larger text to max_doc_size (reported); 0: skip it */
    rp_format format;        /* RP_FORMAT_AUTO unless forced */
} rp_ingest_params;

RP_API void rp_ingest_params_default(rp_ingest_params *p);

/* One raw record as framed from the stream. Memory is owned by the reader and valid until
 * the next rp_reader_next call (copy it to keep it). */
typedef struct rp_record {
    const char *data;   /* raw bytes (decompressed); not NUL-terminated */
    size_t size;
    const char *path;   /* file the record came from ("-" for stdin); NUL-terminated */
    const char *rel_id; /* for RP_FORMAT_TEXT and _HTML: path relative to the argument;
                           else NULL */
    rp_format format;   /* resolved format */
    uint64_t line;      /* 1-based line of the record start (JSONL/JSON/WARC); 0 for text
                           and HTML */
    uint64_t offset;    /* byte offset of the record start in the decompressed stream */
    uint64_t number;    /* 1-based record number within its file */
    rp_skip skip;       /* set when framing already failed (open error, truncated, too big) */
    const char *detail; /* human-readable detail for skip, e.g. "unexpected end of gzip
                           stream at byte 1234"; NULL if none. Valid like data. */
    int truncated_text; /* 1 when data was cut to max_doc_size (truncate_large) */
} rp_record;

typedef struct rp_reader rp_reader; /* opaque; single-threaded */

/* Create a reader over one argument: a file, a directory (walked recursively, entries in
 * byte-wise sorted order, hidden files skipped), or "-" for stdin. Format and codec are
 * resolved per file. The reader copies params and path. */
RP_API rp_status rp_reader_open(rp_reader **out, const char *path, const rp_ingest_params *p,
                                const rp_alloc *alloc);
/* Create a reader over data[0, size), read as one file named name: name plays the role of
 * the path (rec->path, fallback ids "<name>:<line>", messages) and of its extension for
 * RP_FORMAT_AUTO. Records, skip reasons, details, lines and offsets are those of a file with
 * the same bytes, except that memory is never decompressed. A server typically forces
 * RP_FORMAT_JSON: one JSON object, a JSON array of objects, or JSON Lines. data is borrowed:
 * it must stay unchanged until rp_reader_free (records are copied out of it as from a file, a
 * window at a time, so memory beyond size stays bounded); name and params are copied. */
RP_API rp_status rp_reader_open_memory(rp_reader **out, const void *data, size_t size,
                                       const char *name, const rp_ingest_params *p,
                                       const rp_alloc *alloc);
RP_API void rp_reader_free(rp_reader *r); /* accepts NULL */
/* Multi-member gzip and multi-frame zstd files opened from now on are decoded on n threads
 * (codec_par.c; the same records, skips and details as on one); 0 or 1 (the default): on the
 * calling thread. A setter rather than a field of rp_ingest_params: that struct is embedded
 * in rp_config, whose layout callers compiled against an older header rely on. */
RP_API void rp_reader_set_threads(rp_reader *r, unsigned n);

/* Next raw record: RP_OK with *rec filled, RP_DONE at the end. A damaged file yields records
 * with rec->skip set (never an error status), then continues with the next file; only
 * RP_E_NOMEM or RP_E_INTERNAL end the iteration. */
RP_API rp_status rp_reader_next(rp_reader *r, rp_record *rec);

/* Progress: compressed bytes consumed so far and total bytes of all files (0 if unknown, e.g.
 * stdin). Cheap; call from the reading thread. */
RP_API void rp_reader_progress(const rp_reader *r, uint64_t *bytes_done, uint64_t *bytes_total);

/* Last detailed message, e.g. "a.jsonl.gz: gzip stream truncated at byte 1234". */
RP_API const char *rp_reader_errmsg(const rp_reader *r);

/* A parsed document. Strings point into the parser's scratch (or the record) and are valid
 * until the next rp_record_parse with the same parser. id and text are never NULL (text may be
 * empty when skip != NONE). */
typedef struct rp_doc {
    const char *id;
    size_t id_size;
    const char *text;
    size_t text_size;
    const char *date;  /* raw date string or NULL */
    const char *title; /* or NULL */
    const char *url;   /* or NULL */
    int64_t date_epoch; /* seconds since 1970 (UTC) parsed from date, or INT64_MIN */
    rp_skip skip;
    const char *detail; /* e.g. "line 17, column 4: unexpected character" */
} rp_doc;

typedef struct rp_parser rp_parser; /* opaque; one per thread */
RP_API rp_status rp_parser_create(rp_parser **out, const rp_ingest_params *p,
                                  const rp_alloc *alloc);
RP_API void rp_parser_free(rp_parser *ps);

/* Parse one record into *doc. Thread-safe across distinct parsers. Returns RP_OK even for a
 * bad record (doc->skip says why); RP_E_NOMEM only on allocation failure. For WARC response
 * records the HTTP headers are removed and HTML reduced to text. */
RP_API rp_status rp_record_parse(rp_parser *ps, const rp_record *rec, rp_doc *doc);

/* Parse a date string (ISO 8601 "2022-04-04", "2022-04-04T10:00:00Z", RFC 2822 "Mon, 04 Apr
 * 2022 10:00:00 GMT", Reuters "26-FEB-1987 15:01:01.79", or a number of epoch seconds).
 * Returns INT64_MIN when not understood. */
RP_API int64_t rp_parse_date(const char *s, size_t size);
/* Whether doc (parsed from rec) carries a date that rp_parse_date did not understand (a
 * blank date is no date): then msg gets "path:line: date \"...\"" (the date cut at 64 bytes,
 * control bytes as '?'), NUL-terminated within cap bytes; cap 0 only tests (msg may be NULL).
 * Such a document is undated. */
RP_API int rp_doc_bad_date(const rp_doc *doc, const rp_record *rec, char *msg, size_t cap);

/* Number of WARC records read so far that are not documents (warcinfo, request, metadata,
 * revisit, continuation): counted here instead of being returned. Cheap. */
RP_API uint64_t rp_reader_ignored(const rp_reader *r);

/* The charset the last rp_record_parse with ps converted its text from, or NULL when the
 * text was taken as UTF-8 (valid UTF-8 always is). Names are iconv's: "UTF-16LE",
 * "UTF-32BE" (byte order mark), the declared charset (HTTP Content-Type of a WARC response,
 * HTML <meta>; Latin-1 and ASCII labels read as "WINDOWS-1252", as browsers do), or
 * uchardet's guess. *n_replaced (may be NULL) gets the bytes (or UTF-16/32 units) that did
 * not convert and became U+FFFD. Applies to text, HTML and WARC records; JSON is UTF-8 by
 * definition (RFC 8259) and only repaired. */
RP_API const char *rp_parser_decoded(const rp_parser *ps, uint64_t *n_replaced);

/* ---- pieces: one argument read by several readers (a distributed run) ----------------------
 * A reader opened on an argument lists its files (a folder walked as rp_reader_next walks it)
 * before reading any. A reader can then be limited to one of them, and of an uncompressed
 * JSON Lines file to one piece cut at line starts: its records, lines, offsets, ids and skip
 * details are those the whole reading gives, so pieces read anywhere and put back in order
 * give the documents of the argument. */
RP_API size_t rp_reader_n_files(const rp_reader *r);
RP_API const char *rp_reader_file_path(const rp_reader *r, size_t k); /* NULL past the end */
RP_API uint64_t rp_reader_file_size(const rp_reader *r, size_t k);    /* 0 if not regular */
/* *cuttable != 0 when file k can be read in pieces: it is not compressed and resolves
 * (extension, sniffing, forced format) to one JSON value per line (RP_CUT_LINES: pieces start
 * at line starts) or to WARC (RP_CUT_RECORDS: pieces start at records, which only a scan of
 * the piece before proves, rp_ingest_piece_scan). Opens the file and reads its head. */
#define RP_CUT_LINES 1
#define RP_CUT_RECORDS 2
RP_API rp_status rp_reader_file_cuttable(const rp_reader *r, size_t k, int *cuttable);
/* Read only file k (size UINT64_MAX: the whole file, any format), or bytes [offset, offset +
 * size) of a cuttable file, where offset is 0 or follows a newline and line is the 1-based line
 * number at offset. Before the first rp_reader_next; RP_E_INVALID otherwise or if k is not
 * cuttable. */
RP_API rp_status rp_reader_select(rp_reader *r, size_t k, uint64_t offset, uint64_t size,
                                  uint64_t line);
/* Read only files [first, end) of the walk, whole (many small files make one piece). Before
 * the first rp_reader_next; RP_E_INVALID otherwise or for an empty or out-of-range set. */
RP_API rp_status rp_reader_select_files(rp_reader *r, size_t first, size_t end);
/* ---- pieces of a compressed file: whole gzip members / zstd frames ---------------------------
 * A JSON Lines or WARC file compressed in many independent units (gzip members, RFC 1952 2.2, as
 * bgzip and Common Crawl write; zstd frames, RFC 8878 3.1) can be cut where a unit starts.
 * Where its lines begin is only known decoded, so a piece is whole units [offset, offset +
 * size) of the file, decoded bytes [dec_offset, dec_offset + dec_size) of its stream: the
 * records whose line starts there are the piece's; the first partial line belongs to the
 * piece before, the last line may run on into the next piece's units. */
/* *codec = RP_CODEC_GZIP or RP_CODEC_ZSTD when file k is of a cuttable format (as
 * rp_reader_file_cuttable, or WARC) compressed so; RP_CODEC_NONE otherwise. */
RP_API rp_status rp_reader_file_members(const rp_reader *r, size_t k, rp_codec *codec);
/* *next = the first offset >= at of a plausible unit start of codec that decodes (its first
 * 16 KiB or its whole unit without error); the file size when there is none. A unit stored
 * inside another one passes this test: only rp_ingest_piece_scan of the piece before
 * proves a start. RP_E_IO, RP_E_INVALID. */
RP_API rp_status rp_ingest_member_start(const char *path, rp_codec codec, uint64_t at,
                                        uint64_t *next);
typedef struct rp_piece_scan {
    uint64_t dec_size; /* decoded bytes of the piece */
    uint64_t lines;    /* newlines among them */
    int ends_line;     /* its last decoded byte is a newline (or it decodes to nothing) */
    int clean;         /* it decodes to whole, intact units that end exactly at its end */
} rp_piece_scan;
/* Decode the raw bytes [offset, offset + size) of file path (read with params p, may be NULL:
 * defaults) and describe them. A piece whose start is a true unit start is clean exactly when
 * its end is one too, so pieces that are all clean prove every cut (the first starts at 0).
 * A WARC piece must also frame as whole, well-formed records from its first byte to its end,
 * which proves by the same induction that every piece starts at a record. A file that is not
 * cut at unit starts gives clean 0, unless it is an uncompressed WARC file: then its piece is
 * scanned the same way (decoded size = size). RP_E_IO, RP_E_NOMEM. */
RP_API rp_status rp_ingest_piece_scan(const char *path, const rp_ingest_params *p,
                                      uint64_t offset, uint64_t size, rp_piece_scan *out);
/* Read only the piece [offset, offset + size) of compressed file k (a clean piece of its
 * scans): line = the 1-based line number of decoded byte dec_offset, line_start = whether
 * that byte starts a line (offset 0, or the piece before ends with a newline). Before the
 * first rp_reader_next; RP_E_INVALID otherwise or if k is not cut that way. */
RP_API rp_status rp_reader_select_members(rp_reader *r, size_t k, uint64_t offset, uint64_t size,
                                          uint64_t line, uint64_t dec_offset, uint64_t dec_size,
                                          int line_start);
/* Where a piece of an uncompressed WARC file may start: *next = the first offset >= at (at >
 * 0) that follows a newline and starts "WARC/" (the file size when there is none). A record's
 * block may hold such a line: rp_ingest_piece_scan of the piece before tells. */
RP_API rp_status rp_ingest_record_start(const char *path, uint64_t at, uint64_t *next);
/* Where pieces of a cuttable file may start: *next = the first offset >= at that is 0 or
 * follows a newline (the file size when there is none); *lines (may be NULL) = the newlines in
 * [from, *next). Reads the file with pread; RP_E_IO with errno's meaning lost. */
RP_API rp_status rp_ingest_line_start(const char *path, uint64_t from, uint64_t at,
                                      uint64_t *next, uint64_t *lines);

#ifdef __cplusplus
}
#endif
#endif /* RP_INGEST_H */
