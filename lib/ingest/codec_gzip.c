/* SPDX-License-Identifier: MIT */
/* codec_gzip.c -- streaming gzip decoding with zlib: multi-member files (RFC 1952 2.2), exact
 * positions for truncated or corrupt members, trailing bytes reported instead of decoded. */
#include <limits.h> /* UINT_MAX */
#include <stdint.h> /* SIZE_MAX */
#include <stdio.h>  /* snprintf */
#include <string.h> /* memset */
#include "codec_internal.h"

#if RP_WITH_ZLIB
#include <zlib.h> /* inflate, z_stream */

/* zlib allocations go through rp_alloc so fault injection reaches them. */
static voidpf gz_alloc(voidpf opaque, uInt items, uInt size)
{
    const struct rpi_codec *c = opaque;
    if (size && items > SIZE_MAX / size) return Z_NULL;
    return rpi_malloc(c->alloc, (size_t)items * size);
}

static void gz_free(voidpf opaque, voidpf ptr)
{
    const struct rpi_codec *c = opaque;
    rpi_free(c->alloc, ptr);
}

rp_status rpi_gzip_start(struct rpi_codec *c)
{
    z_stream *zs = rpi_malloc(c->alloc, sizeof *zs);
    if (!zs) return RP_E_NOMEM;
    memset(zs, 0, sizeof *zs);
    zs->zalloc = gz_alloc;
    zs->zfree = gz_free;
    zs->opaque = c;
    /* 16 + MAX_WBITS: gzip wrapper only (zlib manual, inflateInit2). */
    const int zr = inflateInit2(zs, 16 + MAX_WBITS);
    if (zr != Z_OK) {
        rpi_free(c->alloc, zs);
        if (zr == Z_MEM_ERROR) return RP_E_NOMEM;
        return rpi_codec_fail(c, RP_E_FORMAT, "zlib init failed (%d)", zr);
    }
    c->state = zs;
    c->in_unit = 1; /* an empty .gz file is a truncated member */
    return RP_OK;
}

void rpi_gzip_end(struct rpi_codec *c)
{
    z_stream *zs = c->state;
    if (!zs) return;
    inflateEnd(zs);
    rpi_free(c->alloc, zs);
    c->state = NULL;
}

/* After a member ended: another member (magic 1f 8b), the clean end, or trailing bytes. */
static rp_status after_member(struct rpi_codec *c, z_stream *zs, size_t produced)
{
    while (c->in_end - c->in_pos < 2 && !c->in_eof) {
        const rp_status st = rpi_codec_fill_raw(c);
        if (st != RP_OK && st != RP_DONE) return st;
    }
    const size_t left = c->in_end - c->in_pos;
    if (left == 0) return RP_DONE;
    const unsigned char *p = c->in + c->in_pos;
    /* A lone 0x1f at EOF is the start of a truncated member, not garbage. */
    if (p[0] == 0x1f && (left == 1 || p[1] == 0x8b)) {
        if (inflateReset(zs) != Z_OK) return rpi_codec_fail(c, RP_E_INTERNAL, "inflateReset");
        c->in_unit = 1;
        return RP_OK;
    }
    c->trailing = 1;
    snprintf(c->msg, sizeof c->msg, "trailing garbage after gzip member at compressed byte %llu "
             "(decompressed byte %llu) ignored", (unsigned long long)c->in_used,
             (unsigned long long)(c->out_total + produced));
    return RP_DONE;
}

rp_status rpi_gzip_read(struct rpi_codec *c, void *dst, size_t cap, size_t *got)
{
    z_stream *zs = c->state;
    if (cap > UINT_MAX) cap = UINT_MAX;
    zs->next_out = dst;
    zs->avail_out = (uInt)cap;
    while (zs->avail_out == cap) {
        int eof = 0;
        if (c->in_pos == c->in_end) {
            const rp_status st = rpi_codec_fill_raw(c);
            if (st == RP_DONE) eof = 1;
            else if (st != RP_OK) return st;
        }
        if (eof && !c->in_unit) break;
        /* At EOF inflate is still called once: a match or stored block may be pending. */
        zs->next_in = c->in + c->in_pos;
        zs->avail_in = (uInt)(c->in_end - c->in_pos);
        const uInt before_in = zs->avail_in, before_out = zs->avail_out;
        const int zr = inflate(zs, Z_NO_FLUSH);
        const size_t used = before_in - zs->avail_in;
        c->in_pos += used;
        c->in_used += used;
        if (zr == Z_STREAM_END) {
            c->in_unit = 0;
            const rp_status st = after_member(c, zs, cap - zs->avail_out);
            if (st == RP_DONE) break;
            if (st != RP_OK) return st;
            continue;
        }
        if (zr == Z_MEM_ERROR) return rpi_codec_fail(c, RP_E_NOMEM, "out of memory");
        if (zr == Z_DATA_ERROR || zr == Z_NEED_DICT || zr == Z_STREAM_ERROR) {
            rpi_codec_fail(c, RP_E_FORMAT,
                           "corrupt gzip stream at byte %llu (decompressed), "
                           "compressed byte %llu: %s",
                           (unsigned long long)(c->out_total + (cap - zs->avail_out)),
                           (unsigned long long)c->in_used, zs->msg ? zs->msg : "data error");
            /* The bytes decoded before the error are handed out and the (sticky) error comes
             * with the next call: dropping them made the records kept depend on where the
             * 64 KiB reads fell, which codec_par.c's restart at a member start cannot match. */
            *got = cap - zs->avail_out;
            return *got ? RP_OK : c->err;
        }
        if (eof && zs->avail_out == before_out) {
            /* Position of the first byte that could not be produced. */
            return rpi_codec_fail(c, RP_E_TRUNCATED, "gzip stream truncated at byte %llu "
                                  "(decompressed)",
                                  (unsigned long long)(c->out_total + (cap - zs->avail_out)));
        }
        /* Z_OK or Z_BUF_ERROR: zlib needs more input unless it made progress. */
        if (used == 0 && before_out == zs->avail_out && zs->avail_in != 0)
            return rpi_codec_fail(c, RP_E_FORMAT, "gzip decoder made no progress at "
                                  "compressed byte %llu", (unsigned long long)c->in_used);
    }
    *got = cap - zs->avail_out;
    if (*got == 0) return RP_DONE;
    return RP_OK;
}

#else /* !RP_WITH_ZLIB: stub */

rp_status rpi_gzip_start(struct rpi_codec *c)
{
    return rpi_codec_fail(c, RP_E_UNSUPPORTED, "gzip support not compiled in (RP_WITH_ZLIB=0)");
}

rp_status rpi_gzip_read(struct rpi_codec *c, void *dst, size_t cap, size_t *got)
{
    (void)dst;
    (void)cap;
    *got = 0;
    return rpi_codec_fail(c, RP_E_UNSUPPORTED, "gzip support not compiled in (RP_WITH_ZLIB=0)");
}

void rpi_gzip_end(struct rpi_codec *c) { (void)c; }

#endif
