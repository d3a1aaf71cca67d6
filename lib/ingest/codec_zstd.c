/* SPDX-License-Identifier: MIT */
/* codec_zstd.c -- streaming zstd decoding with libzstd: multi-frame files and skippable frames
 * (RFC 8878 3.1), a frame cut short at EOF reported as truncated, decoder errors named. */
#include <stdio.h>  /* snprintf */
#include "codec_internal.h"

#if RP_WITH_ZSTD
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_createDStream_advanced, ZSTD_customMem */
#include <zstd.h>                /* ZSTD_decompressStream */
#include <zstd_errors.h>         /* ZSTD_error_memory_allocation */

static void *zs_alloc(void *opaque, size_t size)
{
    const struct rpi_codec *c = opaque;
    return rpi_malloc(c->alloc, size);
}

static void zs_free(void *opaque, void *ptr)
{
    const struct rpi_codec *c = opaque;
    rpi_free(c->alloc, ptr);
}

rp_status rpi_zstd_start(struct rpi_codec *c)
{
    const ZSTD_customMem mem = {zs_alloc, zs_free, c};
    ZSTD_DStream *ds = ZSTD_createDStream_advanced(mem);
    if (!ds) return RP_E_NOMEM;
    const size_t zr = ZSTD_initDStream(ds);
    if (ZSTD_isError(zr)) {
        ZSTD_freeDStream(ds);
        return rpi_codec_fail(c, RP_E_FORMAT, "zstd init failed: %s", ZSTD_getErrorName(zr));
    }
    c->state = ds;
    c->in_unit = 1; /* an empty .zst file is a truncated frame */
    return RP_OK;
}

void rpi_zstd_end(struct rpi_codec *c)
{
    if (!c->state) return;
    ZSTD_freeDStream(c->state);
    c->state = NULL;
}

rp_status rpi_zstd_read(struct rpi_codec *c, void *dst, size_t cap, size_t *got)
{
    ZSTD_DStream *ds = c->state;
    ZSTD_outBuffer out = {dst, cap, 0};
    int idle = 0;
    while (out.pos == 0) {
        int eof = 0;
        if (c->in_pos == c->in_end) {
            const rp_status st = rpi_codec_fill_raw(c);
            if (st == RP_DONE) eof = 1;
            else if (st != RP_OK) return st;
        }
        if (eof && !c->in_unit) break;
        /* At EOF the decoder is still called once: it may hold decoded bytes not yet flushed. */
        ZSTD_inBuffer in = {c->in, c->in_end, c->in_pos};
        const size_t before = in.pos;
        const size_t zr = ZSTD_decompressStream(ds, &out, &in);
        c->in_pos = in.pos;
        c->in_used += in.pos - before;
        if (ZSTD_isError(zr)) {
            if (ZSTD_getErrorCode(zr) == ZSTD_error_memory_allocation)
                return rpi_codec_fail(c, RP_E_NOMEM, "out of memory");
            rpi_codec_fail(c, RP_E_FORMAT,
                           "corrupt zstd stream at byte %llu (decompressed), "
                           "compressed byte %llu: %s",
                           (unsigned long long)(c->out_total + out.pos),
                           (unsigned long long)c->in_used, ZSTD_getErrorName(zr));
            /* decoded bytes first, the sticky error next call (as codec_gzip.c, same reason) */
            *got = out.pos;
            return out.pos ? RP_OK : c->err;
        }
        /* 0 means a frame was fully decoded and flushed (zstd.h, ZSTD_decompressStream). */
        c->in_unit = zr != 0;
        if (eof && out.pos == 0) {
            if (!c->in_unit) break;
            return rpi_codec_fail(c, RP_E_TRUNCATED, "zstd stream truncated at byte %llu "
                                  "(decompressed)", (unsigned long long)c->out_total);
        }
        if (in.pos == before && out.pos == 0 && in.pos < in.size && ++idle > 4)
            return rpi_codec_fail(c, RP_E_FORMAT, "zstd decoder made no progress at "
                                  "compressed byte %llu", (unsigned long long)c->in_used);
    }
    *got = out.pos;
    return out.pos ? RP_OK : RP_DONE;
}

#else /* !RP_WITH_ZSTD: stub */

rp_status rpi_zstd_start(struct rpi_codec *c)
{
    return rpi_codec_fail(c, RP_E_UNSUPPORTED, "zstd support not compiled in (RP_WITH_ZSTD=0)");
}

rp_status rpi_zstd_read(struct rpi_codec *c, void *dst, size_t cap, size_t *got)
{
    (void)dst;
    (void)cap;
    *got = 0;
    return rpi_codec_fail(c, RP_E_UNSUPPORTED, "zstd support not compiled in (RP_WITH_ZSTD=0)");
}

void rpi_zstd_end(struct rpi_codec *c) { (void)c; }

#endif
