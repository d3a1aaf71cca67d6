/* SPDX-License-Identifier: MIT */
/* test_pieces.c -- reading an input in pieces (rp_ingest.h: rp_reader_select,
 * rp_reader_select_files, rp_reader_file_cuttable, rp_ingest_line_start), the ground a
 * distributed run stands on: for files with and without a final newline, CRLF lines, blank
 * lines, a broken line and lines longer than the reader's window, cutting at every line start
 * (and at offsets inside lines, moved to the next line start) gives, piece after piece, the
 * records of the whole reading: the same bytes, lines, offsets and skips. */
#include <setjmp.h>   /* jmp_buf (cmocka) */
#include <stdarg.h>   /* va_list (cmocka) */
#include <stddef.h>   /* size_t (cmocka) */
#include <stdint.h>   /* uint64_t */
#include <stdio.h>    /* snprintf, fopen */
#include <stdlib.h>   /* malloc, free, mkdtemp */
#include <string.h>   /* memcmp, strlen */
#include <sys/stat.h> /* mkdir */
#include <unistd.h>   /* unlink, rmdir */
#include <cmocka.h>
#include "reprint/rp_ingest.h"

static char g_dir[256];

static const char *write_file(const char *name, const char *data, size_t n)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/%s", g_dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
    return p;
}

struct rec {
    char *data;
    size_t size;
    uint64_t line, offset;
    rp_skip skip;
};

/* Every record of a reader (selected or not). */
static size_t read_all(rp_reader *rd, struct rec *out, size_t cap)
{
    size_t n = 0;
    rp_record r;
    rp_status st;
    while ((st = rp_reader_next(rd, &r)) == RP_OK) {
        assert_true(n < cap);
        out[n].data = malloc(r.size + 1);
        assert_non_null(out[n].data);
        memcpy(out[n].data, r.data, r.size);
        out[n].size = r.size;
        out[n].line = r.line;
        out[n].offset = r.offset;
        out[n].skip = r.skip;
        n++;
    }
    assert_int_equal(st, RP_DONE);
    return n;
}

static void free_recs(struct rec *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(r[i].data);
}

/* Cut path at the line starts after each of the offsets in cuts (as dist_plan.c does) and
 * check the pieces' records against the whole reading. */
static void check_cuts(const char *path, const uint64_t *cuts, size_t n_cuts, uint64_t size)
{
    enum { CAP = 4096 };
    struct rec *whole = calloc(CAP, sizeof *whole), *got = calloc(CAP, sizeof *got);
    assert_non_null(whole);
    assert_non_null(got);
    rp_reader *rd;
    assert_int_equal(rp_reader_open(&rd, path, NULL, NULL), RP_OK);
    int cut = 0;
    assert_int_equal(rp_reader_file_cuttable(rd, 0, &cut), RP_OK);
    assert_true(cut);
    const size_t nw = read_all(rd, whole, CAP);
    rp_reader_free(rd);
    size_t ng = 0;
    uint64_t start = 0, line = 1;
    for (size_t c = 0; c <= n_cuts && start < size; c++) {
        uint64_t next = size, lines = 0;
        if (c < n_cuts && cuts[c] > start) {
            assert_int_equal(rp_ingest_line_start(path, start, cuts[c], &next, NULL), RP_OK);
            if (next > size) next = size;
        }
        if (next <= start) continue;
        assert_int_equal(rp_ingest_line_start(path, start, next, &next, &lines), RP_OK);
        assert_int_equal(rp_reader_open(&rd, path, NULL, NULL), RP_OK);
        assert_int_equal(rp_reader_select(rd, 0, start, next - start, line), RP_OK);
        ng += read_all(rd, got + ng, CAP - ng);
        rp_reader_free(rd);
        line += lines;
        start = next;
    }
    assert_int_equal(ng, nw);
    for (size_t i = 0; i < nw; i++) {
        assert_int_equal(got[i].size, whole[i].size);
        assert_memory_equal(got[i].data, whole[i].data, whole[i].size);
        assert_int_equal(got[i].line, whole[i].line);
        assert_int_equal(got[i].offset, whole[i].offset);
        assert_int_equal(got[i].skip, whole[i].skip);
    }
    free_recs(whole, nw);
    free_recs(got, ng);
    free(whole);
    free(got);
}

static void test_every_cut(void **state)
{
    (void)state;
    static const char *const files[] = {
        "{\"id\":\"a\",\"text\":\"one\"}\n{\"id\":\"b\",\"text\":\"two\"}\n\n{bad\n"
        "{\"text\":\"no id\"}\n",
        "{\"id\":\"a\",\"text\":\"one\"}\r\n\r\n{\"id\":\"b\",\"text\":\"two\"}\r\n"
        "{\"text\":\"last, no newline\"}",
        "\n\n\n{\"text\":\"after blanks\"}\n\n",
    };
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        const size_t n = strlen(files[f]);
        char name[32];
        snprintf(name, sizeof name, "f%zu.jsonl", f);
        const char *path = write_file(name, files[f], n);
        char keep[512];
        snprintf(keep, sizeof keep, "%s", path);
        /* one cut at every offset, then cuts everywhere at once */
        uint64_t all[256];
        for (uint64_t at = 1; at < n; at++) {
            check_cuts(keep, &at, 1, n);
            all[at - 1] = at;
        }
        check_cuts(keep, all, n - 1, n);
    }
}

static void test_long_lines(void **state)
{
    (void)state;
    /* lines longer than the reader's window (256 KiB), cut inside and between them */
    const size_t big = 600 * 1024;
    char *buf = malloc(3 * big);
    assert_non_null(buf);
    size_t n = 0;
    for (int k = 0; k < 3; k++) {
        n += (size_t)snprintf(buf + n, 64, "{\"id\":\"d%d\",\"text\":\"", k);
        memset(buf + n, 'a' + k, big - 64);
        n += big - 64;
        memcpy(buf + n, "\"}\n", 3);
        n += 3;
    }
    const char *path = write_file("long.jsonl", buf, n);
    char keep[512];
    snprintf(keep, sizeof keep, "%s", path);
    const uint64_t cuts[] = {1000, big + 5, 2 * big - 1};
    check_cuts(keep, cuts, 3, n);
    free(buf);
}

static void test_not_cuttable(void **state)
{
    (void)state;
    rp_reader *rd;
    const char *arr = "[{\"text\":\"a\"},\n{\"text\":\"b\"}]\n";
    const char *path = write_file("arr.json", arr, strlen(arr));
    assert_int_equal(rp_reader_open(&rd, path, NULL, NULL), RP_OK);
    int cut = 1;
    assert_int_equal(rp_reader_file_cuttable(rd, 0, &cut), RP_OK);
    assert_false(cut); /* a JSON array spans lines */
    assert_int_equal(rp_reader_select(rd, 0, 1, 5, 1), RP_E_INVALID);
    rp_reader_free(rd);
    const char *txt = "plain text\nof two lines\n";
    path = write_file("t.txt", txt, strlen(txt));
    assert_int_equal(rp_reader_open(&rd, path, NULL, NULL), RP_OK);
    assert_int_equal(rp_reader_file_cuttable(rd, 0, &cut), RP_OK);
    assert_false(cut); /* one document per file */
    rp_reader_free(rd);
}

static void test_select_files(void **state)
{
    (void)state;
    char sub[300];
    snprintf(sub, sizeof sub, "%s/dir", g_dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    for (int k = 0; k < 5; k++) {
        char p[400], t[32];
        snprintf(p, sizeof p, "%s/p%d.txt", sub, k);
        snprintf(t, sizeof t, "text %d", k);
        FILE *f = fopen(p, "w");
        assert_non_null(f);
        fputs(t, f);
        fclose(f);
    }
    rp_reader *rd;
    assert_int_equal(rp_reader_open(&rd, sub, NULL, NULL), RP_OK);
    assert_int_equal(rp_reader_n_files(rd), 5);
    assert_int_equal(rp_reader_select_files(rd, 1, 4), RP_OK);
    rp_record r;
    const char *want[] = {"text 1", "text 2", "text 3"};
    for (int k = 0; k < 3; k++) {
        assert_int_equal(rp_reader_next(rd, &r), RP_OK);
        assert_int_equal(r.size, strlen(want[k]));
        assert_memory_equal(r.data, want[k], r.size);
        assert_non_null(r.rel_id); /* relative to the folder argument, as a whole reading */
        char rel[16];
        snprintf(rel, sizeof rel, "p%d.txt", k + 1);
        assert_string_equal(r.rel_id, rel);
    }
    assert_int_equal(rp_reader_next(rd, &r), RP_DONE);
    rp_reader_free(rd);
    assert_int_equal(rp_reader_open(&rd, sub, NULL, NULL), RP_OK);
    assert_int_equal(rp_reader_select_files(rd, 3, 3), RP_E_INVALID);
    assert_int_equal(rp_reader_select_files(rd, 4, 6), RP_E_INVALID);
    rp_reader_free(rd);
}

int main(void)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/rp_pieces_XXXXXX");
    if (!mkdtemp(g_dir)) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_cut),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_not_cuttable),
        cmocka_unit_test(test_select_files),
    };
    const int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd) != 0) return 1;
    return rc;
}
