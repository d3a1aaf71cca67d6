/* SPDX-License-Identifier: MIT */
/* codec_plain.c -- the raw input buffer shared by all codecs, the pass-through codec and the
 * dispatch to gzip/zstd. */
#include <errno.h>    /* errno, EINTR */
#include <stdarg.h>   /* va_list */
#include <stdio.h>    /* vsnprintf */
#include <string.h>   /* memcpy, memmove, strerror */
#include <unistd.h>   /* read */
#include "codec_internal.h"

void rpi_codec_init(struct rpi_codec *c, int fd, const rp_alloc *alloc)
{
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->alloc = alloc;
    c->kind = RP_CODEC_NONE;
}

void rpi_codec_init_memory(struct rpi_codec *c, const void *data, size_t size,
                           const rp_alloc *alloc)
{
    rpi_codec_init(c, -1, alloc);
    c->mem = data;
    c->mem_size = size;
}

/* The raw source: read(2) on the descriptor, or the next bytes of the memory buffer. Returns
 * the bytes read, 0 at the end, -1 with errno set. */
static ssize_t raw_read(struct rpi_codec *c, void *dst, size_t cap)
{
    if (c->mem) {
        size_t k = c->mem_size - c->mem_pos;
        if (k > cap) k = cap;
        if (k) memcpy(dst, c->mem + c->mem_pos, k);
        c->mem_pos += k;
        return (ssize_t)k;
    }
    if (c->limit) { /* a piece of a file: its end is the end of the stream */
        const uint64_t left = c->limit - c->in_total;
        if (cap > left) cap = (size_t)left;
        if (cap == 0) return 0;
    }
    return read(c->fd, dst, cap);
}

rp_status rpi_codec_raw(struct rpi_codec *c, void *dst, size_t cap, size_t *got)
{
    *got = 0;
    if (c->pb) {
        if (c->pb_pos < c->pb_size) {
            size_t n = c->pb_size - c->pb_pos;
            if (n > cap) n = cap;
            memcpy(dst, c->pb + c->pb_pos, n);
            c->pb_pos += n;
            *got = n;
            return RP_OK;
        }
        rpi_free(c->alloc, c->pb);
        c->pb = NULL;
    }
    for (;;) {
        const ssize_t k = raw_read(c, dst, cap);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return rpi_codec_fail(c, RP_E_IO, "read error: %s", strerror(errno));
        if (k == 0) return RP_DONE;
        c->in_total += (uint64_t)k;
        *got = (size_t)k;
        return RP_OK;
    }
}

rp_status rpi_codec_fail(struct rpi_codec *c, rp_status err, const char *fmt, ...)
{
    if (c->err == RP_OK) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->msg, sizeof c->msg, fmt, ap);
        va_end(ap);
        c->err = err;
    }
    return c->err;
}

static rp_status ensure_in(struct rpi_codec *c)
{
    if (c->in) return RP_OK;
    c->in = rpi_malloc(c->alloc, RPI_CODEC_IN_CAP);
    return c->in ? RP_OK : RP_E_NOMEM;
}

rp_status rpi_codec_fill_raw(struct rpi_codec *c)
{
    if (c->in_eof) return RP_DONE;
    if (c->in_pos > 0) {
        memmove(c->in, c->in + c->in_pos, c->in_end - c->in_pos);
        c->in_end -= c->in_pos;
        c->in_pos = 0;
    }
    if (c->in_end == RPI_CODEC_IN_CAP) return RP_OK; /* already full */
    size_t k;
    const rp_status st = rpi_codec_raw(c, c->in + c->in_end, RPI_CODEC_IN_CAP - c->in_end, &k);
    if (st == RP_DONE) c->in_eof = 1;
    if (st != RP_OK) return st;
    c->in_end += k;
    return RP_OK;
}

rp_status rpi_codec_prime(struct rpi_codec *c, size_t want)
{
    if (ensure_in(c) != RP_OK) return RP_E_NOMEM;
    if (want > RPI_CODEC_IN_CAP) want = RPI_CODEC_IN_CAP;
    while (c->in_end - c->in_pos < want) {
        const rp_status st = rpi_codec_fill_raw(c);
        if (st == RP_DONE) break;
        if (st != RP_OK) return st;
    }
    return RP_OK;
}

rp_status rpi_codec_start(struct rpi_codec *c, rp_codec kind)
{
    if (ensure_in(c) != RP_OK) return RP_E_NOMEM;
    c->kind = kind;
    switch (kind) {
    case RP_CODEC_NONE: return RP_OK;
    case RP_CODEC_GZIP: {
        const rp_status st = rpi_gzip_start(c);
        if (st == RP_OK) rpi_par_start(c);
        return st;
    }
    case RP_CODEC_ZSTD: {
        const rp_status st = rpi_zstd_start(c);
        if (st == RP_OK) rpi_par_start(c);
        return st;
    }
    }
    return rpi_codec_fail(c, RP_E_UNSUPPORTED, "unknown codec %d", (int)kind);
}

/* Pass-through: serve what sniffing buffered, then read straight into the caller's buffer. */
static rp_status plain_read(struct rpi_codec *c, void *dst, size_t cap, size_t *got)
{
    if (c->in_pos < c->in_end) {
        size_t n = c->in_end - c->in_pos;
        if (n > cap) n = cap;
        memcpy(dst, c->in + c->in_pos, n);
        c->in_pos += n;
        *got = n;
        return RP_OK;
    }
    if (c->in_eof) return RP_DONE;
    const rp_status st = rpi_codec_raw(c, dst, cap, got);
    if (st == RP_DONE) c->in_eof = 1;
    return st;
}

rp_status rpi_codec_read(struct rpi_codec *c, void *dst, size_t cap, size_t *got)
{
    *got = 0;
    if (c->err != RP_OK) return c->err;
    if (c->done) return RP_DONE;
    if (cap == 0) return RP_OK;
    rp_status st;
    if (c->par)
        st = rpi_par_read(c, dst, cap, got); /* falls back to the two below */
    else if (c->kind == RP_CODEC_GZIP)
        st = rpi_gzip_read(c, dst, cap, got);
    else if (c->kind == RP_CODEC_ZSTD)
        st = rpi_zstd_read(c, dst, cap, got);
    else
        st = plain_read(c, dst, cap, got);
    if (st == RP_OK && *got == 0) st = RP_DONE; /* defensive: never report empty success */
    if (st == RP_DONE) c->done = 1;
    c->out_total += *got;
    return st;
}

void rpi_codec_end(struct rpi_codec *c)
{
    rpi_par_end(c);
    rpi_free(c->alloc, c->pb);
    c->pb = NULL;
    if (c->kind == RP_CODEC_GZIP) rpi_gzip_end(c);
    if (c->kind == RP_CODEC_ZSTD) rpi_zstd_end(c);
    rpi_free(c->alloc, c->in);
    c->in = NULL;
    c->kind = RP_CODEC_NONE;
}
