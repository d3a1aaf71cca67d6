/* SPDX-License-Identifier: MIT */
/* fuzz_jsonl.c -- libFuzzer target for JSON Lines and JSON array framing and parsing, and
 * (bit 3) for format sniffing: JSON, WARC, HTML pages and text by their first bytes; (bit 4)
 * for the memory reader, which must give the same records as the file with the same bytes.
 * Byte 0: bit 0 picks .jsonl or .json, bit 1 truncate_large, bit 2 max_doc_size 64 instead
 * of 4096, bit 3 a file without extension (sniffed), bit 4 memory vs file (bit 5: format forced
 * to JSON, as the server reads request bodies); the rest is the file. */
#include "fuzz_helpers.h" /* fuzz_write_file, fuzz_read_all */

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Read path and data[0, size) (as path) in lockstep; abort at the first difference. */
static void memory_vs_file(const char *path, const uint8_t *data, size_t size, uint8_t mode)
{
    rp_ingest_params p;
    rp_ingest_params_default(&p);
    p.max_doc_size = (mode & 4u) ? 64 : 4096;
    p.truncate_large = (mode >> 1) & 1u;
    if (mode & 32u) p.format = RP_FORMAT_JSON;
    rp_reader *f = NULL, *m = NULL;
    rp_parser *pf = NULL, *pm = NULL;
    if (rp_reader_open(&f, path, &p, NULL) != RP_OK ||
        rp_reader_open_memory(&m, data, size, path, &p, NULL) != RP_OK ||
        rp_parser_create(&pf, &p, NULL) != RP_OK || rp_parser_create(&pm, &p, NULL) != RP_OK)
        goto done;
    uint64_t n = 0;
    for (;;) {
        rp_record a, b;
        const rp_status sa = rp_reader_next(f, &a), sb = rp_reader_next(m, &b);
        if (sa != sb) abort();
        if (sa != RP_OK) break;
        if (++n > 64u * (uint64_t)size + 1024u) abort();
        if (a.skip != b.skip || a.size != b.size || a.line != b.line || a.offset != b.offset ||
            a.number != b.number || a.format != b.format || a.truncated_text != b.truncated_text)
            abort();
        if (a.size && memcmp(a.data, b.data, a.size) != 0) abort();
        if (!same_str(a.path, b.path) || !same_str(a.detail, b.detail) ||
            !same_str(a.rel_id, b.rel_id))
            abort();
        rp_doc da, db;
        if (rp_record_parse(pf, &a, &da) != RP_OK || rp_record_parse(pm, &b, &db) != RP_OK)
            continue;
        if (da.skip != db.skip || !same_str(da.detail, db.detail) || da.id_size != db.id_size ||
            da.text_size != db.text_size || memcmp(da.id, db.id, da.id_size) != 0 ||
            memcmp(da.text, db.text, da.text_size) != 0)
            abort();
    }
done:
    rp_parser_free(pf);
    rp_parser_free(pm);
    rp_reader_free(f);
    rp_reader_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *name = (data[0] & 8u) ? "x" : (data[0] & 1u) ? "x.json" : "x.jsonl";
    const char *path = fuzz_write_file(name, data + 1, size - 1);
    /* memory is never decompressed (rp_reader_open_memory) while a file is, by its magic
     * bytes: a file starting with gzip or zstd magic is read alone */
    const int magic = (size >= 3 && data[1] == 0x1f && data[2] == 0x8b) ||
                      (size >= 5 && memcmp(data + 1, "\x28\xb5\x2f\xfd", 4) == 0);
    if ((data[0] & 16u) && !magic)
        memory_vs_file(path, data + 1, size - 1, data[0]);
    else
        fuzz_read_all(path, size, data[0]);
    return 0;
}
