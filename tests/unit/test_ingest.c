/* SPDX-License-Identifier: MIT */
/* test_ingest.c -- rp_reader and rp_record_parse on fixtures generated in a mkdtemp directory:
 * every format and codec, damaged streams (truncated at every byte, bad CRC, trailing bytes),
 * hostile JSON, WARC, directory walks, dates, and allocation failure. */
#include <errno.h>    /* ENOENT */
#include <setjmp.h>   /* jmp_buf (cmocka) */
#include <stdarg.h>   /* va_list (cmocka) */
#include <stddef.h>   /* size_t (cmocka) */
#include <stdint.h>   /* uint64_t, INT64_MIN */
#include <stdio.h>    /* snprintf, fopen */
#include <stdlib.h>   /* malloc, free, mkdtemp */
#include <string.h>   /* memcmp, strlen, strstr */
#include <sys/stat.h> /* mkdir, mkfifo */
#include <unistd.h>   /* symlink, unlink, rmdir */
#include <cmocka.h>   /* cmocka_unit_test, assert_* */
#include <jansson.h>  /* the reference for the JSON fast path */
#include <zlib.h>     /* deflate: gzip fixtures */
#include <zstd.h>     /* ZSTD_compress: zstd fixtures */
#include "common/common_internal.h" /* rpi_fault_malloc_arm */
#include "reprint/rp_ingest.h"      /* rp_reader_*, rp_record_parse, rp_parse_date */

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define RPI_TEST_WIN ((size_t)256 * 1024) /* the reader's window (RPI_WIN_CAP) */

static char g_dir[256];

/* ---- fixtures --------------------------------------------------------------------------- */

static const char *tmp_path(const char *name)
{
    static char buf[8][512];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", g_dir, name);
    return buf[k];
}

static const char *write_file(const char *name, const void *data, size_t n)
{
    const char *p = tmp_path(name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    if (n) assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    return p;
}

static const char *write_str(const char *name, const char *s)
{
    return write_file(name, s, strlen(s));
}

/* One gzip member of data (RFC 1952) into a malloc'd buffer. */
static unsigned char *gz_member(const void *data, size_t n, size_t *out_n)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                     Z_OK);
    const size_t cap = deflateBound(&zs, (uLong)n) + 64;
    unsigned char *out = malloc(cap);
    assert_non_null(out);
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *out_n = cap - zs.avail_out;
    deflateEnd(&zs);
    return out;
}

static unsigned char *zst_frame(const void *data, size_t n, size_t *out_n)
{
    const size_t cap = ZSTD_compressBound(n);
    unsigned char *out = malloc(cap);
    assert_non_null(out);
    *out_n = ZSTD_compress(out, cap, data, n, 3);
    assert_false(ZSTD_isError(*out_n));
    return out;
}

/* ---- running a reader ------------------------------------------------------------------- */

struct got {
    rp_skip skip;
    char *data;
    size_t size;
    uint64_t line, offset, number;
    char *detail, *rel, *path;
    int truncated;
    rp_format format;
};

struct run {
    struct got v[64];
    size_t n;     /* records kept (first 64) */
    size_t total; /* records seen */
    rp_status st;
    uint64_t ignored, done, size_total;
};

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    assert_non_null(d);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static char *dup_s(const char *s) { return s ? dup_n(s, strlen(s)) : NULL; }

static void run_free(struct run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].data);
        free(r->v[i].detail);
        free(r->v[i].rel);
        free(r->v[i].path);
    }
    free(r);
}

/* Every record of a reader (mem: NULL for a path, else the bytes read as the file path). */
static struct run *run_source(const char *path, const char *mem, size_t mem_size,
                              const rp_ingest_params *p)
{
    struct run *r = calloc(1, sizeof *r);
    assert_non_null(r);
    rp_reader *rd;
    r->st = mem ? rp_reader_open_memory(&rd, mem, mem_size, path, p, NULL)
                : rp_reader_open(&rd, path, p, NULL);
    if (r->st != RP_OK) return r;
    rp_record rec;
    while ((r->st = rp_reader_next(rd, &rec)) == RP_OK) {
        assert_non_null(rec.data);
        assert_non_null(rec.path);
        if (rec.skip != RP_SKIP_NONE && rec.skip != RP_SKIP_BLANK) assert_non_null(rec.detail);
        if (r->n < N_OF(r->v)) {
            struct got *g = &r->v[r->n++];
            g->skip = rec.skip;
            g->data = dup_n(rec.data, rec.size);
            g->size = rec.size;
            g->line = rec.line;
            g->offset = rec.offset;
            g->number = rec.number;
            g->detail = dup_s(rec.detail);
            g->rel = dup_s(rec.rel_id);
            g->path = dup_s(rec.path);
            g->truncated = rec.truncated_text;
            g->format = rec.format;
        }
        r->total++;
    }
    r->ignored = rp_reader_ignored(rd);
    rp_reader_progress(rd, &r->done, &r->size_total);
    rp_reader_free(rd);
    return r;
}

static struct run *run_reader(const char *path, const rp_ingest_params *p)
{
    return run_source(path, NULL, 0, p);
}

static void params(rp_ingest_params *p)
{
    rp_ingest_params_default(p);
    p->date_field = "date";
    p->title_field = "title";
    p->url_field = "url";
}

/* Parse a hand-made record. */
static rp_doc parse_rec(rp_parser *ps, rp_format fmt, const char *data, size_t n, uint64_t line)
{
    rp_record rec;
    memset(&rec, 0, sizeof rec);
    rec.data = data;
    rec.size = n;
    rec.path = "mem";
    rec.format = fmt;
    rec.line = line;
    rp_doc d;
    assert_int_equal(rp_record_parse(ps, &rec, &d), RP_OK);
    assert_non_null(d.id);
    assert_non_null(d.text);
    return d;
}

/* ---- setup ------------------------------------------------------------------------------ */

static int rm_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0) return 0;
    if (S_ISDIR(sb.st_mode)) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
        return system(cmd);
    }
    return unlink(path);
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/rp_ingest_XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return rm_tree(g_dir);
}

/* ---- basics ----------------------------------------------------------------------------- */

static void test_defaults(void **state)
{
    (void)state;
    rp_ingest_params p;
    rp_ingest_params_default(&p);
    assert_string_equal(p.id_field, "id");
    assert_string_equal(p.text_field, "text");
    assert_null(p.date_field);
    assert_int_equal(p.max_doc_size, 64u * 1024 * 1024);
    assert_int_equal(p.format, RP_FORMAT_AUTO);
    static const char *const names[] = {"none", "open", "bad_json", "not_object", "no_text",
                                        "too_big", "truncated", "corrupt", "bad_warc", "blank"};
    for (int i = 0; i < (int)N_OF(names); i++)
        assert_string_equal(rp_skip_reason_str((rp_skip)i), names[i]);
}

/* Parse the first record of a reader run as a whole-file document (text, HTML); *ps must be
 * freed by the caller, d points into it and into r. */
static void parse_first(const struct run *r, const char *path, const rp_ingest_params *p,
                        rp_parser **ps, rp_doc *d)
{
    assert_int_equal(rp_parser_create(ps, p, NULL), RP_OK);
    rp_record rec = {r->v[0].data, r->v[0].size, path, r->v[0].rel, r->v[0].format, 0, 0, 1,
                     RP_SKIP_NONE, NULL, 0};
    assert_int_equal(rp_record_parse(*ps, &rec, d), RP_OK);
}

static void test_text_file(void **state)
{
    (void)state;
    rp_ingest_params p;
    params(&p);
    const char *path = write_str("doc.txt", "Hello {world}\nsecond line\n");
    struct run *r = run_reader(path, &p);
    assert_int_equal(r->st, RP_DONE);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->v[0].skip, RP_SKIP_NONE);
    assert_int_equal(r->v[0].format, RP_FORMAT_TEXT);
    assert_string_equal(r->v[0].data, "Hello {world}\nsecond line\n");
    assert_string_equal(r->v[0].rel, path); /* a file argument: the path as given */
    assert_int_equal(r->v[0].number, 1);
    assert_int_equal(r->done, r->size_total);
    assert_int_equal(r->size_total, 26);
    rp_parser *ps;
    rp_doc d;
    parse_first(r, path, &p, &ps, &d);
    assert_string_equal(d.id, path);
    assert_int_equal(d.text_size, 26);
    assert_int_equal(d.date_epoch, INT64_MIN);
    rp_parser_free(ps);
    run_free(r);
}

/* An HTML page: one document, its text without tags, scripts or styles, its <title> as
 * title, the path as id; dedup gets the page verbatim (the record). */
static void test_html_file(void **state)
{
    (void)state;
    rp_ingest_params p;
    params(&p);
    const char *html = "<!doctype html><html><head><title>Bridge &amp; road</title>"
                       "<script>var bridge = 1;</script><style>p {}</style></head>"
                       "<body><p>The bridge&nbsp;reopened.</p><div>Second block</div></body></html>";
    const char *path = write_str("page.html", html);
    struct run *r = run_reader(path, &p);
    assert_int_equal(r->st, RP_DONE);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->v[0].format, RP_FORMAT_HTML);
    assert_string_equal(r->v[0].data, html);
    assert_string_equal(r->v[0].rel, path);
    rp_parser *ps;
    rp_doc d;
    parse_first(r, path, &p, &ps, &d);
    assert_string_equal(d.id, path);
    assert_non_null(d.title);
    assert_string_equal(d.title, "Bridge & road");
    assert_null(strchr(d.text, '<'));
    assert_null(strstr(d.text, "var bridge"));
    assert_non_null(strstr(d.text, "The bridge reopened.")); /* &nbsp; is a space */
    assert_non_null(strstr(d.text, "Second block"));
    assert_true(strchr(d.text, '\n') < strstr(d.text, "Second")); /* blocks are lines */
    assert_int_equal(strlen(d.text), d.text_size);
    rp_parser_free(ps);
    run_free(r);
}

static void test_text_too_big(void **state)
{
    (void)state;
    rp_ingest_params p;
    params(&p);
    p.max_doc_size = 8;
    /* "abcdefg" + U+00E9 (2 bytes): the cut at 8 falls inside the e-acute. */
    const char *path = write_str("big.txt", "abcdefg\xC3\xA9xyz");
    struct run *r = run_reader(path, &p);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->v[0].skip, RP_SKIP_TOO_BIG);
    assert_non_null(strstr(r->v[0].detail, "big.txt"));
    run_free(r);
    p.truncate_large = 1;
    r = run_reader(path, &p);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->v[0].skip, RP_SKIP_NONE);
    assert_int_equal(r->v[0].truncated, 1);
    assert_string_equal(r->v[0].data, "abcdefg"); /* cut back to the UTF-8 boundary */
    run_free(r);
    p.max_doc_size = 9; /* the e-acute fits exactly */
    r = run_reader(path, &p);
    assert_string_equal(r->v[0].data, "abcdefg\xC3\xA9");
    run_free(r);
}

/* ---- JSON Lines ------------------------------------------------------------------------- */

static void test_jsonl_lines(void **state)
{
    (void)state;
    rp_ingest_params p;
    params(&p);
    const char *body = "{\"id\":\"a\",\"text\":\"one\",\"date\":\"2022-04-04\"}\r\n"
                       "\n"
                       "   \t\r\n"
                       "[1,2]\n"
                       "{\"id\":7,\"text\":\"two\",\"title\":\"T\",\"url\":\"http://x/\"}\n"
                       "{\"id\":\"c\",\"text\":\n"
                       "{\"text\":\"no id\"}\n"
                       "{\"id\":\"d\"}\n"
                       "{\"id\":\"e\",\"text\":\"last\"}"; /* no final newline */
    const char *path = write_str("lines.jsonl", body);
    struct run *r = run_reader(path, &p);
    assert_int_equal(r->st, RP_DONE);
    assert_int_equal(r->n, 9);
    static const rp_skip want_skip[] = {RP_SKIP_NONE,  RP_SKIP_BLANK, RP_SKIP_BLANK,
                                        RP_SKIP_NONE,  RP_SKIP_NONE,  RP_SKIP_NONE,
                                        RP_SKIP_NONE,  RP_SKIP_NONE,  RP_SKIP_NONE};
    uint64_t off = 0;
    for (size_t i = 0; i < r->n; i++) {
        assert_int_equal(r->v[i].skip, want_skip[i]);
        assert_int_equal(r->v[i].line, i + 1);
        assert_int_equal(r->v[i].offset, off);
        assert_int_equal(r->v[i].format, RP_FORMAT_JSONL);
        assert_null(r->v[i].rel);
        const char *nl = strchr(body + off, '\n');
        off = nl ? (uint64_t)(nl - body) + 1 : strlen(body);
    }
    assert_string_equal(r->v[0].data, "{\"id\":\"a\",\"text\":\"one\",\"date\":\"2022-04-04\"}");

    /* Parsing: skip reasons, ids, fields. */
    rp_parser *ps;
    assert_int_equal(rp_parser_create(&ps, &p, NULL), RP_OK);
    static const struct {
        size_t i;
        rp_skip skip;
        const char *id;
        const char *text;
    } want[] = {
        {0, RP_SKIP_NONE, "a", "one"},
        {3, RP_SKIP_NOT_OBJECT, "%s:4", NULL},
        {4, RP_SKIP_NONE, "7", "two"},
        {5, RP_SKIP_BAD_JSON, "%s:6", NULL},
        {6, RP_SKIP_NONE, "%s:7", "no id"},
        {7, RP_SKIP_NO_TEXT, "d", NULL},
        {8, RP_SKIP_NONE, "e", "last"},
    };
    for (size_t k = 0; k < N_OF(want); k++) {
        const struct got *g = &r->v[want[k].i];
        rp_record rec = {g->data, g->size, path, NULL, g->format, g->line, g->offset, g->number,
                         g->skip, g->detail, 0};
        rp_doc d;
        assert_int_equal(rp_record_parse(ps, &rec, &d), RP_OK);
        assert_int_equal(d.skip, want[k].skip);
        char id[600];
        snprintf(id, sizeof id, want[k].id, path);
        assert_string_equal(d.id, id);
        assert_int_equal(d.id_size, strlen(id));
        if (want[k].text) assert_memory_equal(d.text, want[k].text, d.text_size);
        if (want[k].skip != RP_SKIP_NONE) assert_non_null(d.detail);
        if (k == 0) {
            assert_string_equal(d.date, "2022-04-04");
            assert_int_equal(d.date_epoch, 1649030400);
        }
        if (k == 2) {
            assert_string_equal(d.title, "T");
            assert_string_equal(d.url, "http://x/");
            assert_null(d.date);
        }
        if (want[k].skip == RP_SKIP_BAD_JSON) assert_non_null(strstr(d.detail, "line 6, column"));
    }
    rp_parser_free(ps);
    run_free(r);
}

static void test_jsonl_huge_line(void **state)
{
    (void)state;
    rp_ingest_params p;
    params(&p);
    p.max_doc_size = 1024;
    const size_t big = 1024 * 1024;
    char *buf = malloc(big + 200);
    assert_non_null(buf);
    size_t n = (size_t)sprintf(buf, "{\"text\":\"a\"}\n{\"text\":\"");
    memset(buf + n, 'x', big);
    n += big;
    n += (size_t)sprintf(buf + n, "\"}\n{\"text\":\"b\"}\n");
    const char *path = write_file("huge.jsonl", buf, n);
    struct run *r = run_reader(path, &p);
    assert_int_equal(r->n, 3);
    assert_int_equal(r->v[0].skip, RP_SKIP_NONE);
    assert_int_equal(r->v[1].skip, RP_SKIP_TOO_BIG);
    assert_int_equal(r->v[1].line, 2);
    assert_int_equal(r->v[1].offset, 13);
    assert_non_null(strstr(r->v[1].detail, "line 2"));
    assert_int_equal(r->v[2].skip, RP_SKIP_NONE);
    assert_int_equal(r->v[2].line, 3);
    assert_string_equal(r->v[2].data, "{\"text\":\"b\"}");
    run_free(r);

    /* A line longer than the 256 KiB window but within max_doc_size comes back intact. */
    p.max_doc_size = 2 * big;
    r = run_reader(path, &p);
    assert_int_equal(r->n, 3);
    assert_int_equal(r->v[1].skip, RP_SKIP_NONE);
    assert_int_equal(r->v[1].size, big + 11);
    assert_memory_equal(r->v[1].data, buf + 13, big + 11);
    run_free(r);
    free(buf);
}

/* ---- JSON arrays ------------------------------------------------------------------------ */

static void test_json_array(void **state)
{
    (void)state;
    rp_ingest_params p;
    params(&p);
    const char *path = write_str("arr.json", "\xEF\xBB\xBF [ {\"id\":\"a\",\"text\":\"x, ] }\"},\n"
                                             "  {\"id\":\"b\",\"text\":\"y\",\"n\":[1,{\"q\":[]}]}"
                                             " ,\n\n {\"text\":\"z\\\"]\"} ]\n");
    struct run *r = run_reader(path, &p);
    assert_int_equal(r->st, RP_DONE);
    assert_int_equal(r->n, 3);
    assert_string_equal(r->v[0].data, "{\"id\":\"a\",\"text\":\"x, ] }\"}");
    assert_int_equal(r->v[0].line, 1);
    assert_int_equal(r->v[0].offset, 6);
    assert_string_equal(r->v[1].data, "{\"id\":\"b\",\"text\":\"y\",\"n\":[1,{\"q\":[]}]}");
    assert_int_equal(r->v[1].line, 2);
    assert_int_equal(r->v[2].line, 4);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(r->v[i].skip, RP_SKIP_NONE);
        assert_int_equal(r->v[i].format, RP_FORMAT_JSON);
    }
    run_free(r);

    /* .json holding JSON Lines */
    path = write_str("lines.json", "{\"text\":\"1\"}\n{\"text\":\"2\"}\n");
    r = run_reader(path, &p);
    assert_int_equal(r->n, 2);
    assert_string_equal(r->v[1].data, "{\"text\":\"2\"}");
    run_free(r);
}

static void test_json_array_malformed(void **state)
{
    (void)state;
    rp_ingest_params p;
    params(&p);
    static const struct {
        const char *body;
        size_t n_records;
        rp_skip last;
    } cases[] = {
        {"[]", 0, RP_SKIP_NONE},
        {"[ ]  \n", 0, RP_SKIP_NONE},
        {"[{\"text\":\"a\"},,{\"text\":\"b\"}]", 3, RP_SKIP_NONE},
        {"[{\"text\":\"a\"},]", 2, RP_SKIP_BAD_JSON},
        {"[{\"text\":\"a\"}", 1, RP_SKIP_BAD_JSON},   /* the element itself is unterminated */
        {"[{\"text\":\"a\"},", 2, RP_SKIP_BAD_JSON},  /* missing ']' */
        {"[{\"text\":\"a\"}] x", 2, RP_SKIP_BAD_JSON}, /* trailing data */
        {"[{\"text\":\"a\\\"}]", 1, RP_SKIP_BAD_JSON}, /* string never closed */
        {"[}}}]", 1, RP_SKIP_NONE},                    /* framed; parse rejects it */
        {"[", 1, RP_SKIP_BAD_JSON},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        const char *path = write_str("bad.json", cases[i].body);
        struct run *r = run_reader(path, &p);
        assert_int_equal(r->st, RP_DONE);
        if (r->total != cases[i].n_records) fail_msg("case %zu: %zu records", i, r->total);
        if (r->n) assert_int_equal(r->v[r->n - 1].skip, cases[i].last);
        run_free(r);
    }
}

static void test_json_array_too_big(void **state)
{
    (void)state;
    rp_ingest_params p;
    params(&p);
    p.max_doc_size = 64;
    char buf[1024];
    size_t n = (size_t)sprintf(buf, "[{\"text\":\"a\"},\n{\"text\":\"");
    memset(buf + n, 'y', 500);
    n += 500;
    n += (size_t)sprintf(buf + n, "\"},\n{\"text\":\"b\"}]");
    struct run *r = run_reader(write_file("big.json", buf, n), &p);
    assert_int_equal(r->st, RP_DONE);
    assert_int_equal(r->n, 3);
    assert_int_equal(r->v[0].skip, RP_SKIP_NONE);
    assert_int_equal(r->v[1].skip, RP_SKIP_TOO_BIG);
    assert_int_equal(r->v[1].line, 2);
    assert_non_null(strstr(r->v[1].detail, "line 2"));
    assert_int_equal(r->v[2].skip, RP_SKIP_NONE);
    assert_int_equal(r->v[2].line, 3);
    assert_string_equal(r->v[2].data, "{\"text\":\"b\"}");
    /* A framing skip parses to the same skip, with a usable id. */
    rp_parser *ps;
    assert_int_equal(rp_parser_create(&ps, &p, NULL), RP_OK);
    rp_record rec = {"", 0, "big.json", NULL, RP_FORMAT_JSON, 2, r->v[1].offset, 2,
                     RP_SKIP_TOO_BIG, r->v[1].detail, 0};
    rp_doc d;
    assert_int_equal(rp_record_parse(ps, &rec, &d), RP_OK);
    assert_int_equal(d.skip, RP_SKIP_TOO_BIG);
    assert_string_equal(d.id, "big.json:2");
    assert_string_equal(d.detail, r->v[1].detail);
    rp_parser_free(ps);
    run_free(r);
}

static void test_json_deep_nesting(void **state)
{
    (void)state;
    rp_ingest_params p;
    params(&p);
    const size_t depth = 100000;
    char *buf = malloc(2 * depth + 16);
    assert_non_null(buf);
    memset(buf, '[', depth);
    /* unterminated: one skip record, no recursion */
    struct run *r = run_reader(write_file("deep.json", buf, depth), &p);
    assert_int_equal(r->total, 1);
    assert_int_equal(r->v[0].skip, RP_SKIP_BAD_JSON);
    run_free(r);
    /* terminated: one element 99,999 deep; jansson's depth limit rejects it */
    memset(buf + depth, ']', depth);
    r = run_reader(write_file("deep2.json", buf, 2 * depth), &p);
    assert_int_equal(r->total, 1);
    assert_int_equal(r->v[0].skip, RP_SKIP_NONE);
    assert_int_equal(r->v[0].size, 2 * depth - 2);
    rp_parser *ps;
    assert_int_equal(rp_parser_create(&ps, &p, NULL), RP_OK);
    rp_doc d = parse_rec(ps, RP_FORMAT_JSON, r->v[0].data, r->v[0].size, 1);
    assert_int_equal(d.skip, RP_SKIP_BAD_JSON);
    /* the same as one JSON Lines record, and inside an object */
    d = parse_rec(ps, RP_FORMAT_JSONL, buf, 2 * depth, 1);
    assert_int_equal(d.skip, RP_SKIP_BAD_JSON);
    memcpy(buf, "{\"a\":", 5);
    buf[2 * depth - 1] = '}';
    d = parse_rec(ps, RP_FORMAT_JSONL, buf, 2 * depth, 1);
    assert_int_equal(d.skip, RP_SKIP_BAD_JSON);
    rp_parser_free(ps);
    run_free(r);
    free(buf);
}

/* The fast path must agree with jansson on every input: skip reason, id and text. */
static void test_json_fast_path_vs_jansson(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "{\"id\":\"a\",\"text\":\"plain\"}",
        "{\"text\":\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t\",\"id\":\"e\"}",
        "{\"text\":\"\\u00e9\\u4e2d\\ud83d\\ude00\",\"id\":\"u\"}",
        "{\"text\":\"lone \\ud83d x\",\"id\":\"s\"}",
        "{\"text\":\"lone \\ude00 x\",\"id\":\"s\"}",
        "{\"text\":\"bad \\ud83d\\u0041\",\"id\":\"s\"}",
        "{\"text\":\"nul \\u0000 in\",\"id\":\"n\"}",
        "{\"text\":\"utf8 \xC3\xA9 \xE4\xB8\xAD \xF0\x9F\x98\x80\"}",
        "{\"text\":\"overlong \xC0\x80\"}",
        "{\"text\":\"surrogate \xED\xA0\x80\"}",
        "{\"text\":\"too high \xF4\x90\x80\x80\"}",
        "{\"text\":\"cut \xE4\xB8\"}",
        "{\"text\":\"raw\ttab\"}",
        "{\"text\":\"a\",\"text\":\"b\"}",
        "{\"text\":\"a\",\"text\":5}",
        "{\"text\":5,\"text\":\"b\"}",
        "{\"id\":\"x\",\"id\":\"y\",\"text\":\"t\"}",
        "{\"te\\u0078t\":\"escaped key\"}",
        "{\"k\\u0000\":1,\"text\":\"t\"}",
        "{\"a\":[1,2,{\"b\":[true,false,null]}],\"text\":\"t\",\"c\":{}}",
        "{\"a\":[1,2,],\"text\":\"t\"}",
        "{\"a\":[1 2],\"text\":\"t\"}",
        "{\"a\":{\"b\":1,},\"text\":\"t\"}",
        "{\"a\":{\"b\"},\"text\":\"t\"}",
        "{\"a\":[}],\"text\":\"t\"}",
        "{\"text\":\"t\",}",
        "{\"text\":\"t\"} x",
        "{\"text\":\"t\"}   ",
        "  {  \"text\"  :  \"t\"  ,  \"id\" : \"i\" }  ",
        "{}",
        "{\"text\":\"t\",\"n\":01}",
        "{\"text\":\"t\",\"n\":-}",
        "{\"text\":\"t\",\"n\":1.}",
        "{\"text\":\"t\",\"n\":.5}",
        "{\"text\":\"t\",\"n\":1e}",
        "{\"text\":\"t\",\"n\":-0.0e+0}",
        "{\"text\":\"t\",\"n\":1.5e308}",
        "{\"text\":\"t\",\"n\":1e309}",
        "{\"text\":\"t\",\"n\":-2645e-1141622225}",
        "{\"text\":\"t\",\"n\":2645e1141622225}",
        "{\"text\":\"t\",\"n\":0.00000001e310}",
        "{\"text\":\"t\",\"n\":123456789012345678}",
        "{\"text\":\"t\",\"n\":9223372036854775807}",
        "{\"text\":\"t\",\"n\":9223372036854775808}",
        "{\"text\":\"t\",\"n\":-9223372036854775809}",
        "{\"id\":-2645e-1141622225,\"text\":\"t\"}",
        "{\"id\":12,\"text\":\"t\"}",
        "{\"id\":1.5,\"text\":\"t\"}",
        "{\"id\":true,\"text\":\"t\"}",
        "{\"id\":null,\"text\":\"t\"}",
        "{\"text\":\"t\",\"b\":tru}",
        "{\"text\":\"t\",\"b\":nul}",
        "{\"text\":\"t\",\"b\":falsey}",
        "{\"text\":\"t\" \"id\":\"x\"}",
        "{\"text\" \"t\"}",
        "{text:\"t\"}",
        "{'text':'t'}",
        "[{\"text\":\"t\"}]",
        "\"text\"",
        "42",
        "null",
        "",
        "{",
        "{\"text\":\"t\"",
        "{\"text\":\"unterminated}",
        "{\"text\":\"bad escape \\x\"}",
        "{\"text\":\"short \\u12\"}",
        "{\"text\":\"t\",\"deep\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
        "[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
        "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
        "{\"text\":\"t\",\"x\":\"\xFF\"}",
        "{\"text\":\"t\"}\x00",
        "{\"\xC3\xA9\":\"k\",\"text\":\"t\"}",
    };
    rp_ingest_params p;
    rp_ingest_params_default(&p);
    rp_parser *ps;
    assert_int_equal(rp_parser_create(&ps, &p, NULL), RP_OK);
    for (size_t i = 0; i < N_OF(lines); i++) {
        size_t n = strlen(lines[i]);
        if (strcmp(lines[i], "{\"text\":\"t\"}") == 0) n++; /* the embedded NUL case */
        json_error_t err;
        json_t *j = json_loadb(lines[i], n, JSON_ALLOW_NUL | JSON_DECODE_ANY, &err);
        rp_skip want = RP_SKIP_NONE;
        const json_t *t = NULL, *id = NULL;
        if (!j && json_error_code(&err) == json_error_invalid_utf8) {
            /* invalid UTF-8 is repaired (U+FFFD), the document kept */
            const rp_doc r = parse_rec(ps, RP_FORMAT_JSONL, lines[i], n, 3);
            if (r.skip != RP_SKIP_NONE) fail_msg("line %zu: invalid UTF-8 not repaired", i);
            assert_non_null(r.text);
            continue;
        }
        if (!j && json_error_code(&err) == json_error_numeric_overflow) {
            /* a number out of range in a field that is not used: the document is kept
             * (test_json_out_of_range_numbers) */
            const rp_doc r = parse_rec(ps, RP_FORMAT_JSONL, lines[i], n, 3);
            if (r.skip != RP_SKIP_NONE) fail_msg("line %zu: out-of-range number skipped", i);
            assert_string_equal(r.text, "t");
            continue;
        }
        if (!j) want = RP_SKIP_BAD_JSON;
        else if (!json_is_object(j)) want = RP_SKIP_NOT_OBJECT;
        else {
            t = json_object_get(j, "text");
            id = json_object_get(j, "id");
            if (!json_is_string(t)) want = RP_SKIP_NO_TEXT;
        }
        const rp_doc d = parse_rec(ps, RP_FORMAT_JSONL, lines[i], n, 3);
        if (d.skip != want) fail_msg("line %zu <%s>: skip %d, jansson says %d", i, lines[i],
                                     d.skip, want);
        if (want == RP_SKIP_NONE) {
            assert_int_equal(d.text_size, json_string_length(t));
            assert_memory_equal(d.text, json_string_value(t), d.text_size);
            if (json_is_string(id)) assert_string_equal(d.id, json_string_value(id));
            else if (!json_is_number(id)) assert_string_equal(d.id, "mem:3");
        }
        if (want == RP_SKIP_BAD_JSON) assert_non_null(strstr(d.detail, "line 3, column"));
        json_decref(j);
    }
    rp_parser_free(ps);
}

static void test_json_weird_numbers(void **state)
{
    (void)state;
    rp_ingest_params p;
    params(&p);
    rp_parser *ps;
    assert_int_equal(rp_parser_create(&ps, &p, NULL), RP_OK);
    static const struct {
        const char *line;
        const char *id;
        const char *date;
        int64_t epoch;
    } cases[] = {
        /* a numeric id keeps its spelling (docs/reliability.md, "Ids") */
        {"{\"id\":-2645e-1141622225,\"text\":\"t\"}", "-2645e-1141622225", NULL, INT64_MIN},
        {"{\"id\":1e2,\"text\":\"t\"}", "1e2", NULL, INT64_MIN},
        {"{\"id\":1E+2,\"text\":\"t\"}", "1E+2", NULL, INT64_MIN},
        {"{\"id\":-0.50,\"text\":\"t\"}", "-0.50", NULL, INT64_MIN},
        {"{\"id\":12345678901234567890,\"text\":\"t\"}", "12345678901234567890", NULL,
         INT64_MIN},
        {"{\"\\u0069d\":7e0,\"text\":\"t\"}", "7e0", NULL, INT64_MIN},
        {"{\"id\":1,\"x\":{\"id\":2},\"id\":30 ,\"text\":\"t\"}", "30", NULL, INT64_MIN},
        {"{\"id\":1,\"id\":null,\"text\":\"t\"}", "mem:1", NULL, INT64_MIN},
        {"{\"id\":[1],\"text\":\"t\"}", "mem:1", NULL, INT64_MIN},
        {"{\"id\":123,\"text\":\"t\",\"date\":1649030400}", "123", "1649030400", 1649030400},
        {"{\"id\":-7,\"text\":\"t\",\"date\":1.5e3}", "-7", "1500", 1500},
        {"{\"id\":2.5,\"text\":\"t\"}", "2.5", NULL, INT64_MIN},
        {"{\"id\":2.50,\"text\":\"t \xFF\"}", "2.50", NULL, INT64_MIN}, /* repaired copy */
        {"{\"id\":\"s\",\"text\":\"t\",\"date\":\"26-FEB-1987 15:01:01.79\"}", "s",
         "26-FEB-1987 15:01:01.79", 541350061},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        const rp_doc d = parse_rec(ps, RP_FORMAT_JSONL, cases[i].line, strlen(cases[i].line), 1);
        assert_int_equal(d.skip, RP_SKIP_NONE);
        assert_string_equal(d.id, cases[i].id);
        if (cases[i].date) assert_string_equal(d.date, cases[i].date);
        else assert_null(d.date);
        assert_int_equal(d.date_epoch, cases[i].epoch);
    }
    rp_parser_free(ps);
}

/* Numbers jansson cannot represent (beyond int64 or rounding to an infinite double) do not lose
 * the document: in a field that is not used they are ignored, in the id or date field they
 * read as missing. Both paths: the fast scanner, and jansson after sanitizing (forced by an
 * escaped key or invalid UTF-8). Around the limits, the decision matches jansson's. */
static void test_json_out_of_range_numbers(void **state)
{
    (void)state;
    rp_ingest_params p;
    params(&p);
    rp_parser *ps;
    assert_int_equal(rp_parser_create(&ps, &p, NULL), RP_OK);
    static const char *const unused[] = {
        "{\"id\":\"a\",\"text\":\"t\",\"n\":1e999999}",
        "{\"id\":\"a\",\"text\":\"t\",\"n\":-1e999999}",
        "{\"id\":\"a\",\"text\":\"t\",\"n\":2645e1141622225}",
        "{\"id\":\"a\",\"text\":\"t\",\"n\":99999999999999999999}",
        "{\"id\":\"a\",\"text\":\"t\",\"n\":-9223372036854775809}",
        "{\"id\":\"a\",\"text\":\"t\",\"n\":[1,{\"m\":1e400},-1E+309]}",
        "{\"id\":\"a\",\"n\":1e999999,\"text\":\"t\"}",
        "{\"n\":1e999999,\"id\":\"a\",\"text\":\"t\"}",
        "{\"id\":\"a\",\"t\\u0065xt\":\"t\",\"n\":1e999999}",        /* escaped key: jansson */
        "{\"id\":\"a\",\"text\":\"t\",\"n\":1e999999,\"x\":\"\xFF\"}", /* invalid UTF-8 too */
        "{\"id\":\"a\",\"text\":\"t\",\"s\":\"1e999999 \\\" 1e999\",\"n\":1e999,\"k\":\"\\u00e9\"}",
    };
    for (size_t i = 0; i < N_OF(unused); i++) {
        const rp_doc d = parse_rec(ps, RP_FORMAT_JSONL, unused[i], strlen(unused[i]), 1);
        if (d.skip != RP_SKIP_NONE) fail_msg("line %zu <%s>: skip %d", i, unused[i], d.skip);
        assert_string_equal(d.id, "a");
        assert_string_equal(d.text, "t");
    }
    /* as the id: kept as written (an id is a name, not a value); as the date: missing; the
     * document kept */
    const char *li = "{\"id\":1e999999,\"text\":\"t\"}";
    rp_doc d = parse_rec(ps, RP_FORMAT_JSONL, li, strlen(li), 4);
    assert_int_equal(d.skip, RP_SKIP_NONE);
    assert_string_equal(d.id, "1e999999");
    const char *ld = "{\"id\":\"a\",\"text\":\"t\",\"date\":-99999999999999999999}";
    d = parse_rec(ps, RP_FORMAT_JSONL, ld, strlen(ld), 1);
    assert_int_equal(d.skip, RP_SKIP_NONE);
    assert_null(d.date);
    /* a syntax error next to a huge number is still bad JSON */
    const char *bad = "{\"id\":\"a\",\"text\":\"t\",\"n\":1e999999x}";
    d = parse_rec(ps, RP_FORMAT_JSONL, bad, strlen(bad), 1);
    assert_int_equal(d.skip, RP_SKIP_BAD_JSON);
    /* the limits: as the date (so jansson parses it), with invalid UTF-8 in another field so
     * that the sanitizing pass runs: a number jansson accepts keeps its value; as the id,
     * every one keeps its spelling */
    static const char *const limits[] = {
        "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "1.7976931348623157e308", "1.7976931348623158e308",
        "1.797693134862315807e308", "1.797693134862315808e308", "17976931348623158e292",
        "179769313486231580793728971405303415079934132710037826936173778980444968292764750946"
        "649017977587207096330286416692887910946555547851940402630657488671505820681908902000"
        "708383676273854845817711531764475730270069855571366959622842914819860834936475292719"
        "074168444365510704342711559699508093042880177904174497791",
        "179769313486231580793728971405303415079934132710037826936173778980444968292764750946"
        "649017977587207096330286416692887910946555547851940402630657488671505820681908902000"
        "708383676273854845817711531764475730270069855571366959622842914819860834936475292719"
        "074168444365510704342711559699508093042880177904174497792.0",
        "0.0000179769313486231581e313", "-1.7976931348623159e308", "1e308", "1e309", "0e999999",
        "0.000e999999", "1e-999999", "-0", "123456789012345678901234567890e-30",
    };
    char line[600];
    for (size_t i = 0; i < N_OF(limits); i++) {
        snprintf(line, sizeof line, "{\"id\":%s,\"text\":\"t\"}", limits[i]);
        json_error_t err;
        json_t *j = json_loads(line, 0, &err);
        snprintf(line, sizeof line,
                 "{\"id\":\"a\",\"date\":%s,\"text\":\"t\",\"x\":\"\xFF\"}", limits[i]);
        d = parse_rec(ps, RP_FORMAT_JSONL, line, strlen(line), 9);
        if (d.skip != RP_SKIP_NONE) fail_msg("limit %zu <%s>: skip %d", i, limits[i], d.skip);
        if (j == NULL) {
            assert_int_equal(json_error_code(&err), json_error_numeric_overflow);
            if (d.date) fail_msg("limit %zu <%s>: date %s", i, limits[i], d.date);
        } else if (!d.date) {
            fail_msg("limit %zu <%s>: jansson accepts it, the sanitizer did not", i, limits[i]);
        }
        json_decref(j);
        snprintf(line, sizeof line, "{\"id\":%s,\"text\":\"t\",\"x\":\"\xFF\"}", limits[i]);
        d = parse_rec(ps, RP_FORMAT_JSONL, line, strlen(line), 9);
        assert_int_equal(d.skip, RP_SKIP_NONE);
        assert_string_equal(d.id, limits[i]);
    }
    rp_parser_free(ps);
}

/* ---- gzip --------------------------------------------------------------------------------- */

static const char k_three[] = "{\"id\":\"r1\",\"text\":\"first record\"}\n"
                              "{\"id\":\"r2\",\"text\":\"second record\"}\n"
                              "{\"id\":\"r3\",\"text\":\"third\"}\n";

static void test_gzip_multi_member(void **state)
{
    (void)state;
    rp_ingest_params p;
    params(&p);
    /* Three members, split in the middle of a line: framing must not notice. */
    const size_t n = strlen(k_three), cut1 = 20, cut2 = 40;
    size_t a, b, c;
    unsigned char *m1 = gz_member(k_three, cut1, &a);
    unsigned char *m2 = gz_member(k_three + cut1, cut2 - cut1, &b);
    unsigned char *m3 = gz_member(k_three + cut2, n - cut2, &c);
    unsigned char *all = malloc(a + b + c);
    memcpy(all, m1, a);
    memcpy(all + a, m2, b);
    memcpy(all + a + b, m3, c);
    struct run *r = run_reader(write_file("multi.jsonl.gz", all, a + b + c), &p);
    assert_int_equal(r->st, RP_DONE);
    assert_int_equal(r->n, 3);
    for (size_t i = 0; i < 3; i++) assert_int_equal(r->v[i].skip, RP_SKIP_NONE);
    assert_string_equal(r->v[2].data, "{\"id\":\"r3\",\"text\":\"third\"}");
    assert_int_equal(r->done, a + b + c);
    assert_int_equal(r->size_total, a + b + c);
    run_free(r);
    /* No extension: found by the magic bytes, format by the first byte. */
    r = run_reader(write_file("noext", all, a + b + c), &p);
    assert_int_equal(r->n, 3);
    assert_int_equal(r->v[0].format, RP_FORMAT_JSONL);
    run_free(r);
    free(m1);
    free(m2);
    free(m3);
    free(all);
}

/* Truncate a 3-record gzip file at every byte: never a crash, never silence. Each complete
 * record comes back once; then exactly one TRUNCATED (or CORRUPT) record ends the file. */
static void test_gzip_truncated_everywhere(void **state)
{
    (void)state;
    rp_ingest_params p;
    params(&p);
    size_t gn;
    unsigned char *gz = gz_member(k_three, strlen(k_three), &gn);
    for (size_t cut = 0; cut < gn; cut++) {
        struct run *r = run_reader(write_file("cut.jsonl.gz", gz, cut), &p);
        assert_int_equal(r->st, RP_DONE);
        assert_true(r->n >= 1);
        size_t good = 0;
        for (size_t i = 0; i + 1 < r->n; i++) {
            assert_int_equal(r->v[i].skip, RP_SKIP_NONE);
            char want[64];
            snprintf(want, sizeof want, "\"r%zu\"", i + 1);
            assert_non_null(strstr(r->v[i].data, want));
            good++;
        }
        const struct got *last = &r->v[r->n - 1];
        if (last->skip != RP_SKIP_TRUNCATED && last->skip != RP_SKIP_CORRUPT)
            fail_msg("cut %zu: last record skip %d", cut, last->skip);
        assert_non_null(strstr(last->detail, "cut.jsonl.gz"));
        if (last->skip == RP_SKIP_TRUNCATED) assert_non_null(strstr(last->detail, "byte"));
        assert_true(good <= 3);
        run_free(r);
    }
    free(gz);
}

static void test_gzip_damaged(void **state)
{
    (void)state;
    rp_ingest_params p;
    params(&p);
    size_t gn;
    unsigned char *gz = gz_member(k_three, strlen(k_three), &gn);
    /* bad CRC: the trailer is CRC32 then ISIZE (RFC 1952 2.3) */
    gz[gn - 8] ^= 0x55;
    struct run *r = run_reader(write_file("crc.jsonl.gz", gz, gn), &p);
    assert_int_equal(r->st, RP_DONE);
    assert_int_equal(r->v[r->n - 1].skip, RP_SKIP_CORRUPT);
    assert_non_null(strstr(r->v[r->n - 1].detail, "crc.jsonl.gz"));
    assert_non_null(strstr(r->v[r->n - 1].detail, "incorrect data check"));
    run_free(r);
    gz[gn - 8] ^= 0x55;
    /* corrupt deflate data: set reserved block type 3 in the first block header */
    unsigned char *bad = malloc(gn);
    memcpy(bad, gz, gn);
    bad[10] |= 0x06;
    r = run_reader(write_file("data.jsonl.gz", bad, gn), &p);
    assert_int_equal(r->st, RP_DONE);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->v[0].skip, RP_SKIP_CORRUPT);
    assert_non_null(strstr(r->v[0].detail, "data.jsonl.gz"));
    run_free(r);
    /* trailing garbage after the member: the records, then one CORRUPT note */
    unsigned char *tail = malloc(gn + 5);
    memcpy(tail, gz, gn);
    memcpy(tail + gn, "JUNK\n", 5);
    r = run_reader(write_file("tail.jsonl.gz", tail, gn + 5), &p);
    assert_int_equal(r->st, RP_DONE);
    assert_int_equal(r->n, 4);
    for (size_t i = 0; i < 3; i++) assert_int_equal(r->v[i].skip, RP_SKIP_NONE);
    assert_int_equal(r->v[3].skip, RP_SKIP_CORRUPT);
    assert_non_null(strstr(r->v[3].detail, "trailing garbage"));
    run_free(r);
    /* a .gz name over plain data */
    r = run_reader(write_str("plain.jsonl.gz", k_three), &p);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->v[0].skip, RP_SKIP_CORRUPT);
    run_free(r);
    free(gz);
    free(bad);
    free(tail);
}

static void test_gzip_bomb_bounded(void **state)
{
    (void)state;
    /* 64 MiB of zeros compress to ~64 KiB; with max_doc_size 4 KiB only that much is held. */
    rp_ingest_params p;
    params(&p);
    p.max_doc_size = 4096;
    const size_t n = 64u * 1024 * 1024;
    char *zeros = calloc(1, n);
    size_t gn;
    unsigned char *gz = gz_member(zeros, n, &gn);
    free(zeros);
    struct run *r = run_reader(write_file("bomb.txt.gz", gz, gn), &p);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->v[0].skip, RP_SKIP_TOO_BIG);
    /* reading stops at the cap: the size of the rest is not known (nor needed) */
    assert_non_null(strstr(r->v[0].detail, "more than max_doc_size 4096 bytes"));
    run_free(r);
    r = run_reader(write_file("bomb.jsonl.gz", gz, gn), &p);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->v[0].skip, RP_SKIP_TOO_BIG);
    run_free(r);
    free(gz);
}

/* ---- zstd --------------------------------------------------------------------------------- */

/* ---- charsets and binary input ------------------------------------------------------------ */

/* "café crème à l'école" as UTF-8: what every decoded form must give */
static const char k_cafe_utf8[] = "caf\xC3\xA9 cr\xC3\xA8me \xC3\xA0 l'\xC3\xA9"
                                  "cole";

static void expect_text(rp_parser *ps, rp_format fmt, const char *data, size_t n, const char *want,
                        const char *charset)
{
    const rp_doc d = parse_rec(ps, fmt, data, n, 0);
    assert_int_equal(d.skip, RP_SKIP_NONE);
    assert_int_equal(d.text_size, strlen(want));
    assert_memory_equal(d.text, want, d.text_size);
    uint64_t bad = 99;
    const char *cs = rp_parser_decoded(ps, &bad);
    if (!charset) {
        assert_null(cs);
        assert_int_equal(bad, 0);
    } else {
        assert_non_null(cs);
        assert_string_equal(cs, charset);
    }
}

static void test_charset_decode(void **state)
{
    (void)state;
    rp_parser *ps;
    assert_int_equal(rp_parser_create(&ps, NULL, NULL), RP_OK);
    /* valid UTF-8 (and ASCII) is taken as it is, never detected */
    expect_text(ps, RP_FORMAT_TEXT, k_cafe_utf8, strlen(k_cafe_utf8), k_cafe_utf8, NULL);
    expect_text(ps, RP_FORMAT_TEXT, "plain", 5, "plain", NULL);
    /* Latin-1 by detection: read as windows-1252 */
    static const char lat[] = "caf\xE9 cr\xE8me \xE0 l'\xE9"
                              "cole";
    expect_text(ps, RP_FORMAT_TEXT, lat, strlen(lat), k_cafe_utf8, "WINDOWS-1252");
    /* byte order marks: UTF-16LE/BE, UTF-32LE/BE */
    char b[256];
    size_t n = 0;
    /* the same text by code point (all below U+0100): UTF-16/32 built by hand */
    static const unsigned short cps[] = {'c', 'a',  'f', 0xE9, ' ',  'c',  'r', 0xE8, 'm', 'e',
                                         ' ', 0xE0, ' ', 'l',  '\'', 0xE9, 'c', 'o',  'l', 'e'};
    const size_t k = sizeof cps / sizeof *cps;
    b[n++] = (char)0xFF, b[n++] = (char)0xFE;
    for (size_t i = 0; i < k; i++)
        b[n++] = (char)(cps[i] & 0xFF), b[n++] = 0;
    expect_text(ps, RP_FORMAT_TEXT, b, n, k_cafe_utf8, "UTF-16LE");
    n = 0;
    b[n++] = (char)0xFE, b[n++] = (char)0xFF;
    for (size_t i = 0; i < k; i++)
        b[n++] = 0, b[n++] = (char)(cps[i] & 0xFF);
    expect_text(ps, RP_FORMAT_TEXT, b, n, k_cafe_utf8, "UTF-16BE");
    n = 0;
    memcpy(b, "\xFF\xFE\0\0", 4), n = 4;
    for (size_t i = 0; i < k; i++)
        b[n++] = (char)(cps[i] & 0xFF), b[n++] = 0, b[n++] = 0, b[n++] = 0;
    expect_text(ps, RP_FORMAT_TEXT, b, n, k_cafe_utf8, "UTF-32LE");
    n = 0;
    memcpy(b, "\0\0\xFE\xFF", 4), n = 4;
    for (size_t i = 0; i < k; i++)
        b[n++] = 0, b[n++] = 0, b[n++] = 0, b[n++] = (char)(cps[i] & 0xFF);
    expect_text(ps, RP_FORMAT_TEXT, b, n, k_cafe_utf8, "UTF-32BE");
    /* a UTF-16 text cut inside a unit: the half unit becomes U+FFFD, counted */
    n = 0;
    b[n++] = (char)0xFF, b[n++] = (char)0xFE, b[n++] = 'o', b[n++] = 0, b[n++] = 'k', b[n++] = 0;
    b[n++] = 'x';
    expect_text(ps, RP_FORMAT_TEXT, b, n, "ok\xEF\xBF\xBD", "UTF-16LE");
    uint64_t bad = 0;
    rp_parser_decoded(ps, &bad);
    assert_int_equal(bad, 1);
    /* damaged UTF-8 (broken sequences, stray continuation bytes) is repaired later, as before */
    static const char dmg[] = "overlong \xC0\x80 lone \x80 cut \xE2\x82";
    expect_text(ps, RP_FORMAT_TEXT, dmg, strlen(dmg), dmg, NULL);
    /* HTML: <meta charset> and http-equiv; a label iconv does not know is ignored */
    static const char h1[] = "<html><head><meta charset=\"ISO-8859-1\"></head><body>caf\xE9</body>"
                             "</html>";
    expect_text(ps, RP_FORMAT_HTML, h1, strlen(h1), "caf\xC3\xA9", "WINDOWS-1252");
    static const char h2[] = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; "
                             "charset=koi8-r\"></head><body>\xF0\xD2\xC9\xD7\xC5\xD4</body></html>";
    expect_text(ps, RP_FORMAT_HTML, h2, strlen(h2),
                "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82", "koi8-r");
    /* WARC: the HTTP Content-Type charset wins over <meta> */
    static const char w[] = "WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:x>\r\n"
                            "Content-Length: 0\r\n\r\n"
                            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=iso-8859-1\r\n"
                            "\r\n<html><head><meta charset=koi8-r></head><body>caf\xE9</body>"
                            "</html>";
    expect_text(ps, RP_FORMAT_WARC, w, strlen(w), "caf\xC3\xA9", "WINDOWS-1252");
    /* JSON is UTF-8 by definition: never decoded */
    static const char j[] = "{\"id\":\"a\",\"text\":\"caf\xE9\"}";
    const rp_doc d = parse_rec(ps, RP_FORMAT_JSONL, j, strlen(j), 1);
    (void)d;
    assert_null(rp_parser_decoded(ps, NULL));
    rp_parser_free(ps);
}

static void test_binary_skip(void **state)
{
    (void)state;
    rp_ingest_params p;
    params(&p);
    unsigned char buf[4096];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof buf; i++) { /* xorshift: random bytes, fixed seed */
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        buf[i] = (unsigned char)x;
    }
    struct run *r = run_reader(write_file("random.bin", buf, sizeof buf), &p);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->v[0].skip, RP_SKIP_BINARY);
    assert_non_null(strstr(r->v[0].detail, "random.bin: "));
    assert_string_equal(rp_skip_reason_str(RP_SKIP_BINARY), "binary");
    run_free(r);
    memcpy(buf,
           "\x7F"
           "ELF",
           4);
    r = run_reader(write_file("prog", buf, 64), &p);
    assert_int_equal(r->v[0].skip, RP_SKIP_BINARY);
    assert_non_null(strstr(r->v[0].detail, "ELF executable"));
    run_free(r);
    /* a zstd frame inside gzip: binary once decompressed */
    size_t zn, gn;
    unsigned char *z = zst_frame("hello text", 10, &zn);
    unsigned char *g = gz_member(z, zn, &gn);
    r = run_reader(write_file("nested.zst.gz", g, gn), &p);
    assert_int_equal(r->v[0].skip, RP_SKIP_BINARY);
    assert_non_null(strstr(r->v[0].detail, "zstd data"));
    run_free(r);
    /* zstd named .gz and gzip named .zst: read by magic bytes */
    static const char line[] = "{\"id\":\"a\",\"text\":\"alpha\"}\n";
    free(z);
    free(g);
    z = zst_frame(line, strlen(line), &zn);
    g = gz_member(line, strlen(line), &gn);
    r = run_reader(write_file("z.jsonl.gz", z, zn), &p);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->v[0].skip, RP_SKIP_NONE);
    assert_int_equal(r->v[0].format, RP_FORMAT_JSONL);
    run_free(r);
    r = run_reader(write_file("g.jsonl.zst", g, gn), &p);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->v[0].skip, RP_SKIP_NONE);
    run_free(r);
    free(z);
    free(g);
    /* text with a stray NUL, UTF-16 with a byte order mark, only NUL bytes: not binary */
    r = run_reader(write_file("nul.txt", "a\0b text", 8), &p);
    assert_int_equal(r->v[0].skip, RP_SKIP_NONE);
    run_free(r);
    r = run_reader(write_file("u16.txt", "\xFF\xFEh\0i\0", 6), &p);
    assert_int_equal(r->v[0].skip, RP_SKIP_NONE);
    run_free(r);
    memset(buf, 0, sizeof buf);
    p.max_doc_size = 1000; /* zeros are left to the size rule, which stops reading */
    r = run_reader(write_file("zeros", buf, sizeof buf), &p);
    assert_int_equal(r->v[0].skip, RP_SKIP_TOO_BIG);
    assert_non_null(strstr(r->v[0].detail, "not read further"));
    run_free(r);
}

static void test_zstd(void **state)
{
    (void)state;
    rp_ingest_params p;
    params(&p);
    const size_t n = strlen(k_three), cut = 50;
    size_t a, b;
    unsigned char *f1 = zst_frame(k_three, cut, &a);
    unsigned char *f2 = zst_frame(k_three + cut, n - cut, &b);
    unsigned char *all = malloc(a + b + 8);
    memcpy(all, f1, a);
    memcpy(all + a, f2, b);
    struct run *r = run_reader(write_file("multi.jsonl.zst", all, a + b), &p);
    assert_int_equal(r->st, RP_DONE);
    assert_int_equal(r->n, 3);
    for (size_t i = 0; i < 3; i++) assert_int_equal(r->v[i].skip, RP_SKIP_NONE);
    run_free(r);
    r = run_reader(write_file("sniffed", all, a + b), &p); /* magic 28 b5 2f fd */
    assert_int_equal(r->n, 3);
    run_free(r);
    /* truncated at every byte: records then one TRUNCATED/CORRUPT, never silent (except at
     * the frame boundary, where the file is a valid one-frame file) */
    for (size_t c = 0; c < a + b; c++) {
        if (c == a) continue;
        r = run_reader(write_file("cut.jsonl.zst", all, c), &p);
        assert_int_equal(r->st, RP_DONE);
        assert_true(r->n >= 1);
        for (size_t i = 0; i + 1 < r->n; i++) assert_int_equal(r->v[i].skip, RP_SKIP_NONE);
        const rp_skip last = r->v[r->n - 1].skip;
        if (last != RP_SKIP_TRUNCATED && last != RP_SKIP_CORRUPT)
            fail_msg("zstd cut %zu: last skip %d", c, last);
        run_free(r);
    }
    /* garbage after the frames: named decoder error */
    memcpy(all + a + b, "garbage!", 8);
    r = run_reader(write_file("junk.jsonl.zst", all, a + b + 8), &p);
    assert_int_equal(r->v[r->n - 1].skip, RP_SKIP_CORRUPT);
    assert_non_null(strstr(r->v[r->n - 1].detail, "zstd"));
    run_free(r);
    free(f1);
    free(f2);
    free(all);
}

/* ---- WARC --------------------------------------------------------------------------------- */

static size_t warc_record(char *out, const char *type, const char *extra, const char *block)
{
    return (size_t)sprintf(out, "WARC/1.1\r\nWARC-Type: %s\r\n%sContent-Length: %zu\r\n\r\n%s"
                                "\r\n\r\n",
                           type, extra, strlen(block), block);
}

static const char k_html[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nX-A: b\r\n\r\n"
    "<!DOCTYPE html><html><head><title>A &amp; B</title><style>p{color:red}</style>"
    "<script>var x = \"<p>no</p>\";</script></head><body><h1>Head&nbsp;line</h1>"
    "<p>Tom &lt;3 Jerry &#x263A; &#169; caf&eacute;</p><!-- hidden --><div>two<br>lines</div>"
    "<noscript>ns</noscript><template><p>tpl</p></template><p>a   b\n c</p></body></html>";

static char *warc_fixture(size_t *n)
{
    char *w = malloc(8192);
    size_t k = 0;
    k += warc_record(w + k, "warcinfo", "WARC-Record-ID: <urn:uuid:info>\r\n", "software: x\r\n");
    k += warc_record(w + k, "request",
                     "WARC-Record-ID: <urn:uuid:req>\r\nWARC-Target-URI: http://e.com/\r\n",
                     "GET / HTTP/1.1\r\n\r\n");
    k += warc_record(w + k, "response",
                     "WARC-Record-ID: <urn:uuid:resp>\r\nWARC-Target-URI: http://e.com/\r\n"
                     "WARC-Date: 2022-04-04T10:00:00Z\r\n"
                     "Content-Type: application/http; msgtype=response\r\n",
                     k_html);
    k += warc_record(w + k, "metadata", "", "fetchTimeMs: 1\r\n");
    k += warc_record(w + k, "conversion",
                     "WARC-Target-URI: http://e.com/conv\r\n"
                     "WARC-Date: 2022-04-05T00:00:00+02:00\r\n",
                     "Converted text\nline two\n");
    k += warc_record(w + k, "resource",
                     "WARC-Record-ID: <urn:uuid:res>\r\nContent-Type: text/html\r\n",
                     "<p>Resource &amp; more</p>");
    *n = k;
    return w;
}

static void test_warc(void **state)
{
    (void)state;
    rp_ingest_params p;
    params(&p);
    size_t n;
    char *w = warc_fixture(&n);
    const char *path = write_file("crawl.warc", w, n);
    struct run *r = run_reader(path, &p);
    assert_int_equal(r->st, RP_DONE);
    assert_int_equal(r->n, 3);
    assert_int_equal(r->ignored, 3);
    rp_parser *ps;
    assert_int_equal(rp_parser_create(&ps, &p, NULL), RP_OK);
    rp_doc docs[3];
    char *texts[3];
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(r->v[i].skip, RP_SKIP_NONE);
        assert_int_equal(r->v[i].format, RP_FORMAT_WARC);
        assert_memory_equal(r->v[i].data, "WARC/1.1\r\n", 10);
        rp_record rec = {r->v[i].data, r->v[i].size, path, NULL, RP_FORMAT_WARC, r->v[i].line,
                         r->v[i].offset, r->v[i].number, RP_SKIP_NONE, NULL, 0};
        assert_int_equal(rp_record_parse(ps, &rec, &docs[i]), RP_OK);
        assert_int_equal(docs[i].skip, RP_SKIP_NONE);
        texts[i] = dup_n(docs[i].text, docs[i].text_size);
        if (i == 0) {
            assert_string_equal(docs[0].id, "urn:uuid:resp");
            assert_string_equal(docs[0].url, "http://e.com/");
            assert_string_equal(docs[0].date, "2022-04-04T10:00:00Z");
            assert_int_equal(docs[0].date_epoch, 1649066400);
            assert_string_equal(docs[0].title, "A & B");
        }
        if (i == 1) {
            assert_string_equal(docs[1].id, "http://e.com/conv");
            assert_int_equal(docs[1].date_epoch, 1649109600);
        }
    }
    assert_string_equal(texts[0], "Head line\nTom <3 Jerry \xE2\x98\xBA \xC2\xA9 caf\xC3\xA9\n"
                                  "two\nlines\na b c");
    assert_string_equal(texts[1], "Converted text\nline two\n");
    assert_string_equal(texts[2], "Resource & more");
    for (size_t i = 0; i < 3; i++) {
        uint64_t nl = 0;
        for (size_t j = 0; j < r->v[i].offset; j++) nl += w[j] == '\n';
        assert_int_equal(r->v[i].line, nl + 1);
        assert_memory_equal(w + r->v[i].offset, r->v[i].data, r->v[i].size);
    }
    for (size_t i = 0; i < 3; i++) free(texts[i]);
    run_free(r);
    rp_parser_free(ps);
    free(w);
}

static void test_warc_damaged(void **state)
{
    (void)state;
    rp_ingest_params p;
    params(&p);
    char w[4096];
    size_t k = warc_record(w, "conversion", "WARC-Record-ID: <a>\r\n", "alpha text");
    /* garbage, a bad Content-Length, then a good record: resynchronised */
    k += (size_t)sprintf(w + k, "garbage line\r\nmore\r\n");
    k += (size_t)sprintf(w + k, "WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: 1x\r\n\r\n"
                                "text WARC/ inside\r\n\r\n");
    k += warc_record(w + k, "conversion", "WARC-Record-ID: <b>\r\n", "beta text");
    /* finally a record shorter than its Content-Length */
    const size_t last = k;
    k += (size_t)sprintf(w + k, "WARC/1.1\r\nWARC-Type: conversion\r\nContent-Length: 100\r\n\r\n"
                                "short");
    struct run *r = run_reader(write_file("bad.warc", w, k), &p);
    assert_int_equal(r->st, RP_DONE);
    assert_int_equal(r->n, 5);
    assert_int_equal(r->v[0].skip, RP_SKIP_NONE);
    assert_int_equal(r->v[1].skip, RP_SKIP_BAD_WARC);
    assert_int_equal(r->v[2].skip, RP_SKIP_BAD_WARC);
    assert_non_null(strstr(r->v[2].detail, "Content-Length"));
    assert_int_equal(r->v[3].skip, RP_SKIP_NONE);
    assert_non_null(strstr(r->v[3].data, "beta text"));
    assert_int_equal(r->v[4].skip, RP_SKIP_TRUNCATED);
    assert_int_equal(r->v[4].offset, last);
    assert_non_null(strstr(r->v[4].detail, "bad.warc"));
    assert_non_null(strstr(r->v[4].detail, "5 of 100"));
    run_free(r);

    /* Header block over 64 KiB, then a good record */
    char *big = malloc(80 * 1024 + 512);
    size_t b = (size_t)sprintf(big, "WARC/1.1\r\n");
    for (int i = 0; i < 70; i++) {
        memcpy(big + b, "X-Pad: ", 7);
        memset(big + b + 7, 'p', 1000);
        memcpy(big + b + 1007, "\r\n", 2);
        b += 1009;
    }
    b += (size_t)sprintf(big + b, "\r\n");
    b += warc_record(big + b, "conversion", "", "after");
    r = run_reader(write_file("bighdr.warc", big, b), &p);
    assert_int_equal(r->n, 2);
    assert_int_equal(r->v[0].skip, RP_SKIP_BAD_WARC);
    assert_int_equal(r->v[1].skip, RP_SKIP_NONE);
    run_free(r);
    free(big);

    /* max_doc_size: skip, or keep a prefix when truncate_large */
    k = warc_record(w, "conversion", "", "0123456789012345678901234567890123456789");
    p.max_doc_size = 80;
    r = run_reader(write_file("cut.warc", w, k), &p);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->v[0].skip, RP_SKIP_TOO_BIG);
    run_free(r);
    p.truncate_large = 1;
    r = run_reader(write_file("cut.warc", w, k), &p);
    assert_int_equal(r->v[0].skip, RP_SKIP_NONE);
    assert_int_equal(r->v[0].size, 80);
    assert_int_equal(r->v[0].truncated, 1);
    run_free(r);
}

static void test_warc_gz(void **state)
{
    (void)state;
    rp_ingest_params p;
    params(&p);
    size_t n;
    char *w = warc_fixture(&n);
    /* one gzip member per record, as crawlers write them */
    unsigned char *all = malloc(4 * n + 1024);
    size_t k = 0, start = 0;
    for (size_t i = 0; i + 5 <= n; i++) {
        if (i > start && memcmp(w + i, "WARC/1.1\r\n", 10) == 0) {
            size_t m;
            unsigned char *g = gz_member(w + start, i - start, &m);
            memcpy(all + k, g, m);
            k += m;
            free(g);
            start = i;
        }
    }
    size_t m;
    unsigned char *g = gz_member(w + start, n - start, &m);
    memcpy(all + k, g, m);
    k += m;
    free(g);
    struct run *r = run_reader(write_file("crawl.warc.gz", all, k), &p);
    assert_int_equal(r->st, RP_DONE);
    assert_int_equal(r->n, 3);
    assert_int_equal(r->ignored, 3);
    run_free(r);
    r = run_reader(write_file("crawl.bin", all, k), &p); /* sniffed: gzip, then "WARC/" */
    assert_int_equal(r->n, 3);
    assert_int_equal(r->v[0].format, RP_FORMAT_WARC);
    run_free(r);
    free(all);
    free(w);
}

/* ---- walking ------------------------------------------------------------------------------ */

static void test_walk(void **state)
{
    (void)state;
    rp_ingest_params p;
    params(&p);
    assert_int_equal(mkdir(tmp_path("tree"), 0755), 0);
    assert_int_equal(mkdir(tmp_path("tree/a"), 0755), 0);
    assert_int_equal(mkdir(tmp_path("tree/.git"), 0755), 0);
    assert_int_equal(mkdir(tmp_path("tree/dir.txt"), 0755), 0); /* a directory named like a file */
    write_str("tree/b.txt", "bee");
    write_str("tree/a.txt", "ay");
    write_str("tree/a/x.txt", "ex");
    write_str("tree/A.txt", "capital");
    write_str("tree/.hidden.txt", "no");
    write_str("tree/.git/config", "no");
    write_str("tree/dir.txt/inner.jsonl", "{\"text\":\"in\"}\n");
    write_str("outside.txt", "linked");
    assert_int_equal(symlink(tmp_path("tree/a"), tmp_path("tree/link_dir")), 0);
    assert_int_equal(symlink(tmp_path("outside.txt"), tmp_path("tree/link_file.txt")), 0);
    assert_int_equal(symlink(tmp_path("nowhere"), tmp_path("tree/dangling.txt")), 0);
    assert_int_equal(mkfifo(tmp_path("tree/pipe"), 0600), 0);
    struct run *r = run_reader(tmp_path("tree"), &p);
    assert_int_equal(r->st, RP_DONE);
    /* link_dir and pipe are listed, not read: skipped documents saying why */
    static const char *const want[] = {"A.txt",    "a/x.txt",       "a.txt",
                                       "b.txt",    "dangling.txt",  "dir.txt/inner.jsonl",
                                       "link_dir", "link_file.txt", "pipe"};
    assert_int_equal(r->n, N_OF(want));
    uint64_t sum = 0;
    for (size_t i = 0; i < N_OF(want); i++) {
        char full[600];
        snprintf(full, sizeof full, "%s/%s", tmp_path("tree"), want[i]);
        assert_string_equal(r->v[i].path, full);
        if (r->v[i].format == RP_FORMAT_TEXT) assert_string_equal(r->v[i].rel, want[i]);
        sum += r->v[i].size;
    }
    assert_int_equal(r->v[4].skip, RP_SKIP_OPEN);
    assert_non_null(strstr(r->v[4].detail, "dangling.txt: No such file"));
    assert_int_equal(r->v[5].format, RP_FORMAT_JSONL);
    assert_null(r->v[5].rel);
    assert_int_equal(r->v[6].skip, RP_SKIP_OPEN);
    assert_non_null(strstr(r->v[6].detail, "link_dir: symbolic link to a directory, not followed"));
    assert_string_equal(r->v[7].data, "linked");
    assert_int_equal(r->v[8].skip, RP_SKIP_OPEN);
    assert_non_null(strstr(r->v[8].detail, "pipe: FIFO, not read"));
    assert_int_equal(r->size_total, 7 + 2 + 2 + 3 + 14 + 6);
    assert_int_equal(r->done, r->size_total);
    (void)sum;
    run_free(r);

    /* Deterministic: the same again. */
    struct run *r2 = run_reader(tmp_path("tree"), &p);
    assert_int_equal(r2->n, N_OF(want));
    run_free(r2);

    /* Trailing slash on the argument */
    char arg[600];
    snprintf(arg, sizeof arg, "%s/", tmp_path("tree/a"));
    r = run_reader(arg, &p);
    assert_int_equal(r->n, 1);
    assert_string_equal(r->v[0].rel, "x.txt");
    assert_string_equal(r->v[0].path, tmp_path("tree/a/x.txt"));
    run_free(r);
}

static void test_open_errors(void **state)
{
    (void)state;
    rp_ingest_params p;
    params(&p);
    struct run *r = run_reader(tmp_path("does-not-exist.jsonl"), &p);
    assert_int_equal(r->st, RP_DONE);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->v[0].skip, RP_SKIP_OPEN);
    char want[600];
    snprintf(want, sizeof want, "%s: %s", tmp_path("does-not-exist.jsonl"), strerror(ENOENT));
    assert_string_equal(r->v[0].detail, want);
    run_free(r);
    /* empty directory: nothing at all */
    assert_int_equal(mkdir(tmp_path("empty"), 0755), 0);
    r = run_reader(tmp_path("empty"), &p);
    assert_int_equal(r->st, RP_DONE);
    assert_int_equal(r->total, 0);
    assert_int_equal(r->size_total, 0);
    run_free(r);
    /* bad arguments */
    rp_reader *rd = (rp_reader *)1;
    assert_int_equal(rp_reader_open(&rd, NULL, &p, NULL), RP_E_INVALID);
    assert_null(rd);
    rp_reader_free(NULL);
    rp_parser_free(NULL);
}

static void test_sniff(void **state)
{
    (void)state;
    rp_ingest_params p;
    params(&p);
    static const struct {
        const char *name, *body;
        rp_format fmt;
        size_t n;
    } cases[] = {
        {"s1", "\n\n  {\"text\":\"a\"}\n{\"text\":\"b\"}\n", RP_FORMAT_JSONL, 4},
        {"s2", "  [{\"text\":\"a\"}]", RP_FORMAT_JSON, 1},
        {"s3", "\r\nWARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: 1\r\n\r\nx\r\n\r\n",
         RP_FORMAT_WARC, 1},
        {"s4", "just words {not json}", RP_FORMAT_TEXT, 1},
        {"s5.md", "{\"text\":\"a\"}", RP_FORMAT_TEXT, 1},
        {"s6.NDJSON", "[1]\n", RP_FORMAT_JSONL, 1},
        {"s7.wet", "x", RP_FORMAT_WARC, 1},
        {"s8", "", RP_FORMAT_TEXT, 1},
        {"s9", "\xEF\xBB\xBF{\"text\":\"bom\"}\n", RP_FORMAT_JSONL, 1},
        {"s10", "\n  <!DOCTYPE html>\n<p>x</p>", RP_FORMAT_HTML, 1},
        {"s11", "<HTML lang=en><p>x</p>", RP_FORMAT_HTML, 1},
        {"s12", "<htmlish> is not a tag we know", RP_FORMAT_TEXT, 1},
        {"s13.HTM", "plain words", RP_FORMAT_HTML, 1},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        struct run *r = run_reader(write_str(cases[i].name, cases[i].body), &p);
        assert_int_equal(r->st, RP_DONE);
        if (r->total != cases[i].n) fail_msg("%s: %zu records", cases[i].name, r->total);
        assert_int_equal(r->v[0].format, cases[i].fmt);
        run_free(r);
    }
    /* forced format */
    p.format = RP_FORMAT_TEXT;
    struct run *r = run_reader(write_str("forced.jsonl", "{\"text\":\"a\"}\n{}\n"), &p);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->v[0].format, RP_FORMAT_TEXT);
    run_free(r);
}

/* ---- dates ------------------------------------------------------------------------------- */

static void test_parse_date(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int64_t want;
    } cases[] = {
        {"2022-04-04", 1649030400},
        {"2022-04-04T10:00:00Z", 1649066400},
        {"2022-04-04T10:00:00.123456Z", 1649066400},
        {"2022-04-04 10:00:00", 1649066400},
        {"2022-04-04T12:00:00+02:00", 1649066400},
        {"2022-04-04T05:30:00-0430", 1649066400},
        {"2022-04-04T10:00Z", 1649066400},
        {"1970-01-01T00:00:00Z", 0},
        {"1969-12-31T23:59:59Z", -1},
        {"2000-02-29", 951782400},
        {"1900-03-01", -2203891200},
        {"Mon, 04 Apr 2022 10:00:00 GMT", 1649066400},
        {"4 Apr 2022 12:00:00 +0200", 1649066400},
        {"Mon, 04 Apr 22 06:00:00 EDT", 1649066400},
        {"Mon, 4 Apr 2022 10:00 UT (Coordinated)", 1649066400},
        {"26-FEB-1987 15:01:01.79", 541350061},
        {" 5-MAR-1987 09:33:09.34", 541935189},
        {"27-MAR-1987 00:02:59.13   RM", 543801779},
        {"1649066400", 1649066400},
        {"-86400", -86400},
        {"  1649066400  ", 1649066400},
        {"", INT64_MIN},
        {"   ", INT64_MIN},
        {"yesterday", INT64_MIN},
        {"2022-02-30", INT64_MIN},
        {"2021-02-29", INT64_MIN},
        {"2022-13-01", INT64_MIN},
        {"2022-04-04T25:00:00Z", INT64_MIN},
        {"2022-04-04T10:00:00+25:00", INT64_MIN},
        {"2022-04-04garbage", INT64_MIN},
        {"99999999999999999999999", INT64_MIN},
        {"32-JAN-1987", INT64_MIN},
        {"26-XYZ-1987", INT64_MIN},
        {"Mon, 04 Apr 2022 10:00:00 XYZ", INT64_MIN},
        /* long English forms of news pages; year-first with slashes */
        {"April 4, 2022", 1649030400},
        {"Apr. 4, 2022 10:00 AM", 1649066400},
        {"Monday, April 4th, 2022 at 6:00 a.m. EDT", 1649066400},
        {"April 4 2022, 12:00 pm +0200", 1649066400},
        {"4th April 2022, 10:00 am", 1649066400},
        {"4 April 2022 10:00 PM", 1649066400 + 12 * 3600},
        {"April 4, 2022 12:30 am", 1649030400 + 30 * 60},
        {"2022/04/04", 1649030400},
        {"2022/04/04 10:00:00", 1649066400},
        {"2022/04-04", INT64_MIN},
        {"April 31, 2022", INT64_MIN},
        {"Feb 29, 2023", INT64_MIN},
        {"April 4, 2022 13:00 pm", INT64_MIN},
        {"April 4, 2022 0:30 am", INT64_MIN},
        {"Updated April 4, 2022", INT64_MIN},
        {"April 4, 2022 10:00 IST", INT64_MIN}, /* ambiguous zone names are not guessed */
        {"04/04/2022", INT64_MIN},              /* D/M/Y or M/D/Y: ambiguous */
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        const int64_t got = rp_parse_date(cases[i].s, strlen(cases[i].s));
        if (got != cases[i].want)
            fail_msg("\"%s\": got %lld, want %lld", cases[i].s, (long long)got,
                     (long long)cases[i].want);
    }
    assert_int_equal(rp_parse_date(NULL, 0), INT64_MIN);
    assert_int_equal(rp_parse_date("2022-04-04T10:00:00Z", 10), 1649030400); /* size honoured */
}

/* ---- hostile bytes ------------------------------------------------------------------------ */

/* Deterministic mutations (fixed-seed LCG) of each fixture: flipped bytes, inserted
 * separators, truncation. Reading and parsing must end in RP_DONE with every record either
 * a document or a skip with a detail -- and, under ASan/valgrind, without a bad access. */
static void test_mutations(void **state)
{
    (void)state;
    size_t wn, gn;
    char *w = warc_fixture(&wn);
    unsigned char *gz = gz_member(k_three, strlen(k_three), &gn);
    static const char arr[] = "[{\"id\":\"a\",\"text\":\"x\\u00e9 \\\" ]\"},{\"text\":[1,{}]}]";
    const struct {
        const char *name;
        const void *data;
        size_t n;
    } fx[] = {{"m.warc", w, wn}, {"m.json", arr, sizeof arr - 1},
              {"m.jsonl", k_three, strlen(k_three)}, {"m.jsonl.gz", gz, gn}};
    static const char seps[] = "\n\r\"\\[]{},:";
    uint64_t seed = 42;
    rp_ingest_params p;
    params(&p);
    p.max_doc_size = 256;
    rp_parser *ps;
    assert_int_equal(rp_parser_create(&ps, &p, NULL), RP_OK);
    for (size_t f = 0; f < N_OF(fx); f++) {
        unsigned char *buf = malloc(fx[f].n + 1);
        for (int it = 0; it < 150; it++) {
            memcpy(buf, fx[f].data, fx[f].n);
            size_t n = fx[f].n;
            const int edits = 1 + it % 4;
            for (int e = 0; e < edits; e++) {
                seed = seed * 6364136223846793005u + 1442695040888963407u;
                const size_t at = (size_t)(seed >> 33) % n;
                const unsigned op = (unsigned)(seed >> 20) % 3;
                if (op == 0) buf[at] ^= (unsigned char)(1u << ((seed >> 8) % 8));
                else if (op == 1) buf[at] = (unsigned char)seps[(seed >> 12) % (sizeof seps - 1)];
                else n = at + 1;
            }
            rp_reader *rd;
            assert_int_equal(rp_reader_open(&rd, write_file(fx[f].name, buf, n), &p, NULL),
                             RP_OK);
            rp_record rec;
            rp_status st;
            size_t k = 0;
            while ((st = rp_reader_next(rd, &rec)) == RP_OK) {
                assert_true(++k < 1000);
                rp_doc d;
                assert_int_equal(rp_record_parse(ps, &rec, &d), RP_OK);
                assert_non_null(d.id);
                if (d.skip != RP_SKIP_NONE && d.skip != RP_SKIP_BLANK) assert_non_null(d.detail);
            }
            assert_int_equal(st, RP_DONE);
            rp_reader_free(rd);
        }
        free(buf);
    }
    rp_parser_free(ps);
    free(gz);
    free(w);
}

/* ---- allocation failure ------------------------------------------------------------------- */

/* Fail the k-th allocation for k = 1..: every run ends in RP_E_NOMEM or the full output. */
static void fault_run(const char *path, size_t want_docs)
{
    rp_ingest_params p;
    params(&p);
    int completed = 0;
    for (long k = 1; k < 400 && !completed; k++) {
        rpi_fault_malloc_arm(k);
        rp_reader *rd = NULL;
        rp_parser *ps = NULL;
        rp_status st = rp_parser_create(&ps, &p, NULL);
        if (st == RP_OK) st = rp_reader_open(&rd, path, &p, NULL);
        size_t docs = 0;
        rp_record rec;
        while (st == RP_OK && (st = rp_reader_next(rd, &rec)) == RP_OK) {
            rp_doc d;
            st = rp_record_parse(ps, &rec, &d);
            if (st == RP_OK && d.skip == RP_SKIP_NONE) docs++;
        }
        const long calls = rpi_fault_malloc_calls();
        rpi_fault_malloc_arm(0);
        if (st != RP_DONE && st != RP_E_NOMEM) fail_msg("k=%ld: status %d", k, st);
        if (st == RP_DONE) {
            assert_int_equal(docs, want_docs);
            completed = k > calls; /* the fault was never reached */
        }
        rp_reader_free(rd);
        rp_parser_free(ps);
    }
    assert_true(completed);
}

/* ---- memory buffers ------------------------------------------------------------------------ */

/* A kept record parsed again: its skip and detail after parsing. */
static void parse_got(rp_parser *ps, const struct got *g, rp_skip *skip, char *detail, size_t cap)
{
    rp_record rec;
    memset(&rec, 0, sizeof rec);
    rec.data = g->data;
    rec.size = g->size;
    rec.path = g->path;
    rec.rel_id = g->rel;
    rec.format = g->format;
    rec.line = g->line;
    rec.offset = g->offset;
    rec.number = g->number;
    rec.skip = g->skip;
    rec.detail = g->detail;
    *skip = g->skip;
    snprintf(detail, cap, "%s", g->detail ? g->detail : "");
    if (g->skip != RP_SKIP_NONE) return;
    rp_doc d;
    assert_int_equal(rp_record_parse(ps, &rec, &d), RP_OK);
    *skip = d.skip;
    snprintf(detail, cap, "%s", d.detail ? d.detail : "");
}

/* The same bytes from memory and from a file give the same records, skips, details, lines and
 * offsets, before and after parsing. */
static void same_as_file(const char *name, const char *bytes, size_t n, const rp_ingest_params *p)
{
    const char *path = write_file(name, bytes, n);
    struct run *f = run_reader(path, p);
    struct run *m = run_source(path, bytes, n, p);
    assert_int_equal(f->st, RP_DONE);
    assert_int_equal(m->st, RP_DONE);
    assert_int_equal(m->total, f->total);
    assert_int_equal(m->n, f->n);
    assert_int_equal(m->done, f->done);
    assert_int_equal(m->size_total, f->size_total);
    rp_parser *ps;
    assert_int_equal(rp_parser_create(&ps, p, NULL), RP_OK);
    for (size_t i = 0; i < f->n; i++) {
        const struct got *a = &f->v[i], *b = &m->v[i];
        assert_int_equal(b->skip, a->skip);
        assert_int_equal(b->size, a->size);
        assert_memory_equal(b->data, a->data, a->size);
        assert_int_equal(b->line, a->line);
        assert_int_equal(b->offset, a->offset);
        assert_int_equal(b->number, a->number);
        assert_int_equal(b->format, a->format);
        assert_int_equal(b->truncated, a->truncated);
        assert_string_equal(b->path, a->path);
        assert_string_equal(b->detail ? b->detail : "-", a->detail ? a->detail : "-");
        assert_string_equal(b->rel ? b->rel : "-", a->rel ? a->rel : "-");
        rp_skip sa, sb;
        char da[600], db[600];
        parse_got(ps, a, &sa, da, sizeof da);
        parse_got(ps, b, &sb, db, sizeof db);
        assert_int_equal(sb, sa);
        assert_string_equal(db, da);
    }
    rp_parser_free(ps);
    run_free(f);
    run_free(m);
}

static void test_memory_vs_file(void **state)
{
    (void)state;
    static const char *const inputs[] = {
        "{\"id\":\"a\",\"text\":\"one\"}",
        "{\"id\":\"a\",\"text\":\"one\"}\n{\"id\":\"b\",\"text\":\"two\"}\r\n\n  \n",
        "\xEF\xBB\xBF{\"id\":\"a\",\"text\":\"bom\"}\n",
        "[{\"id\":\"a\",\"text\":\"one\"},\n {\"id\":\"b\",\"text\":\"two\"}, 42]\n",
        "[]",
        "",
        "\n\n   \n",
        "{\"id\": \"p\",\n  \"text\": \"pretty\"\n}\n",   /* one object over lines */
        "\n\n{\"id\": \"a\",\n  \"text\": }",              /* malformed, line 4 */
        "{\"id\":\"a\",\"text\":\"x\"}\n{\"id\": \"b\", \"text\" \"c\"}\n", /* line 2 */
        "{\"id\":\"a\",\"text\":\"x\"\n{\"id\":\"b\",\"text\":\"y\"}\n", /* open 1st line */
        "{\"id\": \"p\",\n \"text\": \"x\"}\n{\"id\":\"q\",\"text\":\"y\"}\n",
        "42",
        "42\n\"s\"\n[1]\n",
        "[{\"id\":\"a\",\"text\":\"x\"}",                   /* missing ] */
        "[{\"id\":\"a\",\"text\":\"x\"},,{}]",
        "[{\"id\":\"a\",\"text\":\"x\"}] trailing",
        "[{\"id\":\"a\",\"text\":}]",
        "{\"id\":\"a\",\"text\":\"\xff\xfe bad utf-8\"}\n",
        "{\"text\":\"no id\"}\n{\"id\":\"x\"}\n",
        "hello, not JSON\n",
        "{\"id\":\"s\",\"text\":\"a \\\" quote\\\\\n\"}\n",       /* string open at EOL */
    };
    static const rp_format formats[] = {RP_FORMAT_JSON, RP_FORMAT_AUTO, RP_FORMAT_JSONL};
    for (size_t f = 0; f < N_OF(formats); f++) {
        for (size_t i = 0; i < N_OF(inputs); i++) {
            rp_ingest_params p;
            params(&p);
            p.format = formats[f];
            char name[64];
            snprintf(name, sizeof name, "mem_%zu_%zu", f, i);
            same_as_file(name, inputs[i], strlen(inputs[i]), &p);
            p.max_doc_size = 16; /* too_big everywhere */
            snprintf(name, sizeof name, "mem_%zu_%zu_small", f, i);
            same_as_file(name, inputs[i], strlen(inputs[i]), &p);
        }
    }
    /* longer than the window: lines copied out, an array element over several windows */
    const size_t big = 3 * RPI_TEST_WIN;
    char *b = malloc(big + 64);
    assert_non_null(b);
    size_t n = (size_t)sprintf(b, "[{\"id\":\"long\",\"text\":\"");
    memset(b + n, 'w', big);
    n += big;
    n += (size_t)sprintf(b + n, "\"},{\"id\":\"z\",\"text\":\"z\"}]\n");
    rp_ingest_params p;
    params(&p);
    same_as_file("mem_big.json", b, n, &p);
    b[0] = '\n'; /* JSON Lines: a blank line, a broken long line, one more line */
    same_as_file("mem_big.jsonl", b, n, &p);
    p.format = RP_FORMAT_TEXT;
    same_as_file("mem_big.txt", b, n, &p);
    p.format = RP_FORMAT_JSON;
    b[0] = '{'; /* the first line is open: one document over the whole stream, too big */
    b[1] = '\n';
    p.max_doc_size = big / 2;
    same_as_file("mem_big2.json", b, n, &p);
    free(b);
    size_t wn;
    char *w = warc_fixture(&wn);
    params(&p);
    same_as_file("mem.warc", w, wn, &p);
    free(w);
}

/* What the server relies on: a pretty-printed object is one document, errors in it are at
 * their line in the whole text; JSON Lines errors at their own line; memory is not
 * decompressed; bad arguments. */
static void test_memory_json(void **state)
{
    (void)state;
    rp_ingest_params p;
    params(&p);
    p.format = RP_FORMAT_JSON;
    static const char pretty[] = "\n{\n  \"id\": \"p\",\n  \"text\": \"pretty doc\"\n}\n\n";
    struct run *r = run_source("request", pretty, strlen(pretty), &p);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->v[0].skip, RP_SKIP_NONE);
    assert_int_equal(r->v[0].line, 2);
    assert_string_equal(r->v[0].path, "request");
    run_free(r);
    static const char bad[] = "{\"id\": \"a\",\n  \"text\": }";
    r = run_source("request", bad, strlen(bad), &p);
    assert_int_equal(r->n, 1);
    rp_parser *ps;
    assert_int_equal(rp_parser_create(&ps, &p, NULL), RP_OK);
    rp_skip sk;
    char d[600];
    parse_got(ps, &r->v[0], &sk, d, sizeof d);
    assert_int_equal(sk, RP_SKIP_BAD_JSON);
    assert_true(strncmp(d, "line 2, column ", 15) == 0);
    run_free(r);
    static const char lines[] = "{\"id\":\"a\",\"text\":\"x y\"}\n"
                                "{\"id\": \"b\", \"text\" \"c\"}\n";
    r = run_source("request", lines, strlen(lines), &p);
    assert_int_equal(r->n, 2);
    parse_got(ps, &r->v[1], &sk, d, sizeof d);
    assert_int_equal(sk, RP_SKIP_BAD_JSON);
    assert_true(strncmp(d, "line 2, column ", 15) == 0);
    run_free(r);
    rp_parser_free(ps);
    size_t gn;
    unsigned char *gz = gz_member(k_three, strlen(k_three), &gn);
    params(&p);
    r = run_source("x.jsonl.gz", (const char *)gz, gn, &p);
    assert_int_equal(r->n, 1); /* one line of binary: not decompressed */
    run_free(r);
    free(gz);
    rp_reader *rd;
    assert_int_equal(rp_reader_open_memory(&rd, NULL, 1, "x", &p, NULL), RP_E_INVALID);
    assert_null(rd);
    assert_int_equal(rp_reader_open_memory(&rd, "x", 1, NULL, &p, NULL), RP_E_INVALID);
    assert_int_equal(rp_reader_open_memory(&rd, NULL, 0, "empty", NULL, NULL), RP_OK);
    rp_record rec; /* as an empty file: one empty text document */
    assert_int_equal(rp_reader_next(rd, &rec), RP_OK);
    assert_int_equal(rec.size, 0);
    assert_string_equal(rec.path, "empty");
    assert_int_equal(rp_reader_next(rd, &rec), RP_DONE);
    rp_reader_free(rd);
}

static void test_fault_injection(void **state)
{
    (void)state;
    fault_run(write_str("fault.jsonl", k_three), 3);
    size_t gn;
    unsigned char *gz = gz_member(k_three, strlen(k_three), &gn);
    fault_run(write_file("fault.jsonl.gz", gz, gn), 3);
    free(gz);
    size_t zn;
    unsigned char *zs = zst_frame(k_three, strlen(k_three), &zn);
    fault_run(write_file("fault.jsonl.zst", zs, zn), 3);
    free(zs);
    size_t wn;
    char *w = warc_fixture(&wn);
    fault_run(write_file("fault.warc", w, wn), 3);
    free(w);
    assert_int_equal(mkdir(tmp_path("fdir"), 0755), 0);
    write_str("fdir/a.txt", "a");
    write_str("fdir/b.jsonl", k_three);
    fault_run(tmp_path("fdir"), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_text_file),
        cmocka_unit_test(test_text_too_big),
        cmocka_unit_test(test_jsonl_lines),
        cmocka_unit_test(test_jsonl_huge_line),
        cmocka_unit_test(test_json_array),
        cmocka_unit_test(test_json_array_malformed),
        cmocka_unit_test(test_json_array_too_big),
        cmocka_unit_test(test_json_deep_nesting),
        cmocka_unit_test(test_json_fast_path_vs_jansson),
        cmocka_unit_test(test_json_weird_numbers),
        cmocka_unit_test(test_json_out_of_range_numbers),
        cmocka_unit_test(test_gzip_multi_member),
        cmocka_unit_test(test_gzip_truncated_everywhere),
        cmocka_unit_test(test_gzip_damaged),
        cmocka_unit_test(test_gzip_bomb_bounded),
        cmocka_unit_test(test_zstd),
        cmocka_unit_test(test_warc),
        cmocka_unit_test(test_warc_damaged),
        cmocka_unit_test(test_warc_gz),
        cmocka_unit_test(test_walk),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_parse_date),
        cmocka_unit_test(test_html_file),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_memory_vs_file),
        cmocka_unit_test(test_memory_json),
        cmocka_unit_test(test_fault_injection),
        cmocka_unit_test(test_charset_decode),
        cmocka_unit_test(test_binary_skip),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
