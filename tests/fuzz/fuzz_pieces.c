/* SPDX-License-Identifier: MIT */
/* fuzz_pieces.c -- differential libFuzzer target for files cut at gzip member / zstd frame
 * starts (a distributed run's pieces, docs/distributed.md "Compressed files"): the file is cut
 * as lib/dist/dist_plan.c cuts it (rp_ingest_member_start every piece bytes), every piece is
 * scanned (rp_ingest_piece_scan), and when all are clean the records of the pieces, read one
 * by one with rp_reader_select_members, must be the records of the whole file: count,
 * offsets, lines, skips, bytes. When a scan is not clean the file would be read whole: then
 * there is nothing to compare, but the calls must not crash. Byte 0: bit 0 zstd instead of
 * gzip, bit 1 WARC instead of JSON Lines, bits 2-7 the piece size (64 bytes x (1 + value)). */
#include "fuzz_helpers.h" /* fuzz_write_file */

struct rec_copy {
    uint64_t offset, line;
    int skip;
    size_t size;
    uint64_t sum; /* of the bytes, FNV-1a */
};

static uint64_t fnv(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
    return h;
}

/* Records of reader r appended to *v (*n of *cap); 0 when the reading failed. */
static int collect(rp_reader *r, struct rec_copy **v, size_t *n, size_t *cap)
{
    rp_record rec;
    rp_status st;
    while ((st = rp_reader_next(r, &rec)) == RP_OK) {
        if (*n == *cap) {
            *cap = *cap ? 2 * *cap : 64;
            struct rec_copy *nv = realloc(*v, *cap * sizeof **v);
            if (nv == NULL)
                abort();
            *v = nv;
        }
        struct rec_copy c = {rec.offset, rec.line, (int)rec.skip, rec.size,
                             fnv(rec.data, rec.size)};
        (*v)[(*n)++] = c;
        if (*n > 1000000)
            abort(); /* a reading that does not end */
    }
    return st == RP_DONE;
}

#define MAX_PIECES 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)fuzz_read_all; /* the helpers' whole-file reader: not this target's */
    if (size < 1)
        return 0;
    const uint8_t mode = data[0];
    const char *name = (mode & 2u) ? ((mode & 1u) ? "x.warc.zst" : "x.warc.gz")
                                   : ((mode & 1u) ? "x.jsonl.zst" : "x.jsonl.gz");
    const uint64_t piece = 64u * (1u + (mode >> 2));
    const char *path = fuzz_write_file(name, data + 1, size - 1);
    rp_ingest_params p;
    rp_ingest_params_default(&p);
    p.max_doc_size = 4096;
    rp_reader *r = NULL;
    if (rp_reader_open(&r, path, &p, NULL) != RP_OK || rp_reader_n_files(r) != 1) {
        rp_reader_free(r);
        return 0;
    }
    rp_codec codec = RP_CODEC_NONE;
    if (rp_reader_file_members(r, 0, &codec) != RP_OK || codec == RP_CODEC_NONE) {
        rp_reader_free(r);
        return 0;
    }
    struct rec_copy *whole = NULL, *parts = NULL;
    size_t n_whole = 0, cap_whole = 0, n_parts = 0, cap_parts = 0;
    const int whole_ok = collect(r, &whole, &n_whole, &cap_whole);
    rp_reader_free(r);
    /* the cuts, as the plan makes them */
    const uint64_t fsize = size - 1;
    uint64_t cut[MAX_PIECES + 1];
    size_t n = 0;
    cut[n++] = 0;
    while (n < MAX_PIECES) {
        uint64_t next = fsize;
        if (cut[n - 1] + piece < fsize &&
            rp_ingest_member_start(path, codec, cut[n - 1] + piece, &next) != RP_OK)
            goto done;
        if (next >= fsize)
            break;
        if (next <= cut[n - 1])
            abort(); /* a cut that does not move on */
        cut[n++] = next;
    }
    cut[n] = fsize;
    /* the scans; the pieces' places in the decoded stream */
    uint64_t doff[MAX_PIECES], dlen[MAX_PIECES], line[MAX_PIECES];
    int lstart[MAX_PIECES];
    uint64_t d = 0, l = 1;
    int ls = 1;
    for (size_t i = 0; i < n; i++) {
        rp_piece_scan sc;
        if (rp_ingest_piece_scan(path, &p, cut[i], cut[i + 1] - cut[i], &sc) != RP_OK ||
            !sc.clean)
            goto done; /* read whole: nothing to compare */
        doff[i] = d;
        dlen[i] = sc.dec_size;
        line[i] = l;
        lstart[i] = ls;
        d += sc.dec_size;
        l += sc.lines;
        ls = sc.ends_line;
    }
    if (!whole_ok)
        abort(); /* every piece decoded clean, but the whole file did not read */
    for (size_t i = 0; i < n; i++) {
        rp_reader *q = NULL;
        if (rp_reader_open(&q, path, &p, NULL) != RP_OK)
            abort();
        if (rp_reader_select_members(q, 0, cut[i], cut[i + 1] - cut[i], line[i], doff[i],
                                     dlen[i], lstart[i]) != RP_OK)
            abort();
        if (!collect(q, &parts, &n_parts, &cap_parts))
            abort();
        rp_reader_free(q);
    }
    if (n_parts != n_whole)
        abort();
    for (size_t i = 0; i < n_whole; i++)
        if (whole[i].offset != parts[i].offset || whole[i].line != parts[i].line ||
            whole[i].skip != parts[i].skip || whole[i].size != parts[i].size ||
            whole[i].sum != parts[i].sum)
            abort();
done:
    free(whole);
    free(parts);
    return 0;
}
