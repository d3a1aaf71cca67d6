/* SPDX-License-Identifier: MIT */
/* fuzz_helpers.h -- shared by the fuzz targets: the libFuzzer entry point prototype and
 * writing one input to a file in a per-process temporary directory (the reader opens paths). */
#ifndef RP_FUZZ_HELPERS_H
#define RP_FUZZ_HELPERS_H
#include <stddef.h> /* size_t */
#include <stdint.h> /* uint8_t */
#include <stdio.h>  /* FILE, fopen, fwrite, snprintf */
#include <stdlib.h> /* abort, atexit, getenv, mkdtemp */
#include <string.h> /* strlen */
#include <unistd.h> /* rmdir, unlink */
#include "reprint/rp_ingest.h" /* rp_reader_*, rp_parser_*, rp_record_parse */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[256];
static char fuzz_path[320];

static void fuzz_cleanup(void)
{
    if (fuzz_path[0] != '\0')
        unlink(fuzz_path);
    if (fuzz_dir[0] != '\0')
        rmdir(fuzz_dir);
}

/* Write data[0..size) to <tmpdir>/<name> (the directory is created once per process and
 * removed at exit) and return the path. Aborts on I/O failure: that is not a finding. */
static const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size)
{
    if (fuzz_dir[0] == '\0') {
        const char *tmp = getenv("TMPDIR");
        if (tmp == NULL || tmp[0] == '\0' || strlen(tmp) > 200)
            tmp = "/tmp";
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/rp-fuzz-XXXXXX", tmp);
        if (mkdtemp(fuzz_dir) == NULL)
            abort();
        atexit(fuzz_cleanup);
    }
    if (fuzz_path[0] != '\0')
        unlink(fuzz_path);
    snprintf(fuzz_path, sizeof fuzz_path, "%s/%s", fuzz_dir, name);
    FILE *f = fopen(fuzz_path, "wb");
    if (f == NULL)
        abort();
    if (size > 0 && fwrite(data, 1, size, f) != size)
        abort();
    if (fclose(f) != 0)
        abort();
    return fuzz_path;
}

/* Read every record of path with a small max_doc_size (mode bit 2: 64 bytes, else 4096;
 * mode bit 1: truncate_large), parse each one, and check the
 * contracts of rp_ingest.h: only RP_DONE or RP_E_NOMEM end the iteration, a framed record
 * respects max_doc_size, a parsed document has non-NULL id and text. Every byte handed out is
 * read so that ASan sees out-of-bounds records. */
static void fuzz_read_all(const char *path, size_t input_size, uint8_t mode)
{
    rp_ingest_params p;
    rp_ingest_params_default(&p);
    p.max_doc_size = (mode & 4u) ? 64 : 4096;
    p.truncate_large = (mode >> 1) & 1u;
    p.date_field = "date";
    p.title_field = "title";
    p.url_field = "url";
    rp_reader *r = NULL;
    rp_parser *ps = NULL;
    if (rp_reader_open(&r, path, &p, NULL) != RP_OK)
        return;
    if (rp_parser_create(&ps, &p, NULL) != RP_OK) {
        rp_reader_free(r);
        return;
    }
    volatile unsigned sink = 0;
    uint64_t n = 0;
    rp_record rec;
    rp_status st;
    uint64_t last_offset = 0, n_framed = 0;
    while ((st = rp_reader_next(r, &rec)) == RP_OK) {
        /* A reader that never ends is a bug. Counting records against the input size cannot
         * tell it: one zstd RLE block expands 4 bytes to 128 KiB, i.e. 131,072 blank lines
         * (CI found a 45-byte frame giving 524,350 bytes). So check progress instead (the
         * harness reads one file): every framed record starts after the previous one, and the
         * count stays under the codecs' largest expansion (zstd RLE: 2^17 bytes per 3-byte
         * block header, so under 2^16 records per input byte). */
        if (rec.skip == RP_SKIP_NONE) {
            if (n_framed++ > 0 && rec.offset <= last_offset)
                abort();
            last_offset = rec.offset;
        }
        if (++n > 65536u * (uint64_t)input_size + 1024u)
            abort();
        if (rec.size > 0 && rec.data == NULL)
            abort();
        if (rec.skip == RP_SKIP_NONE && rec.size > p.max_doc_size)
            abort();
        for (size_t i = 0; i < rec.size; i++)
            sink += (unsigned char)rec.data[i];
        if (rec.path == NULL)
            abort();
        sink += (unsigned)rp_skip_reason_str(rec.skip)[0];
        if (rec.detail != NULL)
            sink += (unsigned)strlen(rec.detail);
        rp_doc doc;
        if (rp_record_parse(ps, &rec, &doc) != RP_OK)
            continue; /* RP_E_NOMEM only */
        if (doc.id == NULL || doc.text == NULL)
            abort();
        for (size_t i = 0; i < doc.text_size; i++)
            sink += (unsigned char)doc.text[i];
        for (size_t i = 0; i < doc.id_size; i++)
            sink += (unsigned char)doc.id[i];
        if (doc.detail != NULL)
            sink += (unsigned)strlen(doc.detail);
    }
    if (st != RP_DONE && st != RP_E_NOMEM)
        abort();
    uint64_t done = 0, total = 0;
    rp_reader_progress(r, &done, &total);
    sink += (unsigned)strlen(rp_reader_errmsg(r) ? rp_reader_errmsg(r) : "");
    sink += (unsigned)rp_reader_ignored(r);
    (void)sink;
    rp_parser_free(ps);
    rp_reader_free(r);
}

#endif /* RP_FUZZ_HELPERS_H */
