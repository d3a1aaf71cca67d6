/* SPDX-License-Identifier: MIT */
/* codec_par.c -- multi-member gzip and multi-frame zstd decoded on several threads: the reading
 * thread cuts the raw bytes into units of whole members / frames, helper threads decode the
 * units into buffers, and rpi_par_read hands the buffers out in file order. */

/* Why and how. One zlib stream on the reading thread fed every worker, so a second thread
 * added 14-22% on .gz input (docs/benchmarks.md). Common Crawl WET/WARC files have one gzip
 * member per record and zstd files may hold many frames; members and frames are independent
 * (RFC 1952 2.2, RFC 8878 3.1), so they can be decoded anywhere as long as they are handed out
 * in order. Measured (docs/benchmarks.md, 100k documents, one member per record, 2 threads,
 * near level): 1.43-1.60x faster than the single decoder; libdeflate units 1.26x faster than zlib.
 *
 * Units. A unit is a run of whole members / frames of about UNIT_TARGET compressed bytes (one
 * lock and one wake-up per unit, not per 2 KiB WET member). zstd frame ends are exact:
 * ZSTD_findFrameCompressedSize walks the block headers of the raw bytes. gzip member ends are
 * only known by inflating, so the unit end is a guess: the first plausible member header (see
 * gzip_candidate) at least UNIT_TARGET bytes after the unit start. Inside a unit the decoder finds
 * each member end itself (libdeflate_gzip_decompress_ex / inflate report the bytes consumed),
 * and the unit is good only if its last member ends exactly at the unit end and every member
 * after the first starts with 1f 8b (what codec_gzip.c requires). So a false boundary (the
 * pattern inside compressed data, or inside a stored block as tests/cli/parinflate.sh crafts)
 * makes that unit fail, never changes output: the unit start is a true member start by
 * induction (the file start, or the verified end of the unit before). A failed gzip unit is
 * first decoded again on the reading thread across its guessed end (recover): if that reaches
 * a true member end, the unit is those members and cutting resumes there.
 *
 * Damage is never handled here. The first unit that is not good (a false boundary not
 * recovered, corrupt or truncated data, trailing garbage, a frame needing a window over 2^27,
 * a member or unit larger than the caps, an unknown header feature) and everything after it go
 * back, as raw bytes (c->pb), to the sequential decoder of codec_gzip.c / codec_zstd.c, started
 * fresh at the unit's first byte with in_used and out_total of that byte. Members and frames are
 * independent, so from there the output and every message (decompressed and compressed
 * offsets, trailing garbage, truncation) are the sequential decoder's own: one code path for
 * damaged input. (It relies on the sequential decoders handing out every byte decoded before
 * an error, so that where their reads start does not change which records precede the skip.)
 *
 * Memory. At most 2 x threads + 2 units are in flight, each with at most UNIT_IN_CAP raw and
 * UNIT_OUT_CAP decoded bytes; a member or frame that would exceed them goes to the sequential
 * decoder, whose memory is bounded as before (a decompression bomb still costs max_doc_size,
 * see docs/internals/ingest.md "Streaming and memory").
 *
 * Threads. The helpers are plain pthreads owned by the stream, not rpi_parallel_for ranges:
 * they must run beside the reading thread, which keeps framing records, and live as long as
 * one file. The reading thread decodes the unit it waits for itself when no helper has taken
 * it yet. */
#include <assert.h>  /* assert */
#include <limits.h>  /* UINT_MAX */
#include <pthread.h> /* pthread_create, pthread_mutex_t */
#include <stdint.h>  /* uintptr_t */
#include <string.h>  /* memchr, memcpy, memmove, memset */
#include "codec_internal.h"

#if RP_WITH_ZLIB || RP_WITH_ZSTD
#if RP_WITH_ZLIB && RP_WITH_LIBDEFLATE
#include <libdeflate.h> /* libdeflate_gzip_decompress_ex */
#elif RP_WITH_ZLIB
#include <zlib.h> /* inflate */
#endif
#if RP_WITH_ZSTD
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_createDCtx_advanced, ZSTD_getFrameHeader */
#include <zstd.h>                /* ZSTD_findFrameCompressedSize, ZSTD_decompressDCtx */
#include <zstd_errors.h>         /* ZSTD_error_srcSize_wrong */
#endif

#define UNIT_TARGET ((size_t)64 * 1024)          /* compressed bytes that make a unit */
#define UNIT_IN_CAP ((size_t)4 * 1024 * 1024)    /* a longer member / frame: sequential */
#define UNIT_OUT_CAP ((size_t)8 * 1024 * 1024)   /* decoded bytes of a unit; more: sequential */
#define RAW_CAP (UNIT_IN_CAP + RPI_CODEC_IN_CAP) /* raw bytes not yet cut */
#define MAX_HELPERS 16u
/* libzstd's streaming decoder refuses frames whose window exceeds this (ZSTD_d_windowLogMax
 * default, ZSTD_MAXWINDOWSIZE_DEFAULT); the one-shot decoder would not, so such frames go to
 * the sequential decoder, which reports them as today. */
#define ZSTD_SEQ_WINDOW_MAX (((uint64_t)1 << 27) + 1)

enum { U_QUEUED, U_BUSY, U_GOOD, U_BAD };

struct unit {
    unsigned char *src; /* raw bytes of whole members / frames */
    size_t src_size, src_cap;
    unsigned char *out; /* decoded bytes, handed out from out_pos */
    size_t out_size, out_cap, out_pos;
    uint64_t in_off; /* compressed offset of src[0] in the file */
    int state;       /* U_*; written under mu once the unit is in the ring */
};

struct dec { /* one decoder per thread, created on first use */
    struct rpi_par *p;
#if RP_WITH_ZLIB && RP_WITH_LIBDEFLATE
    struct libdeflate_decompressor *ld;
#elif RP_WITH_ZLIB
    z_stream zs;
    int zs_ready;
#endif
#if RP_WITH_ZSTD
    ZSTD_DCtx *zd;
#endif
};

struct rpi_par {
    rp_codec kind;
    const rp_alloc *alloc;
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    pthread_t th[MAX_HELPERS];
    unsigned n_th;
    struct dec decs[MAX_HELPERS]; /* the helpers' */
    struct dec own;               /* the reading thread's */
    struct unit *ring;            /* unit number s is ring[s % cap] */
    size_t cap;
    uint64_t head, next, tail; /* units [head, tail) in flight; [next, tail) not taken yet */
    int stop;
    unsigned char *raw; /* raw bytes not yet cut are raw[raw_pos, raw_end) */
    size_t raw_pos, raw_end, scan;
    uint64_t raw_off; /* compressed offset of raw[raw_pos] */
    int raw_eof;
    int cut_end;    /* nothing more to cut */
    int seq_at_end; /* raw[raw_pos, ...) and the rest go to the sequential decoder */
    uint64_t n_cut;
};

/* ---- decoding one unit (any thread) -------------------------------------------------------- */

static int out_grow(struct rpi_par *p, struct unit *u, size_t need)
{
    if (need <= u->out_cap) return 1;
    if (need > UNIT_OUT_CAP) return 0;
    size_t cap = u->out_cap ? u->out_cap : (size_t)64 * 1024;
    while (cap < need)
        cap *= 2;
    if (cap > UNIT_OUT_CAP) cap = UNIT_OUT_CAP;
    unsigned char *o = rpi_realloc(p->alloc, u->out, u->out_cap, cap);
    if (!o) return 0; /* the sequential decoder will meet the shortage itself */
    u->out = o;
    u->out_cap = cap;
    return 1;
}

#if RP_WITH_ZLIB
/* One member at src[0, size): its decoded bytes appended to u->out, *used = its raw bytes.
 * 0 when it is not a whole, valid member or would exceed UNIT_OUT_CAP. */
static int gzip_member(struct dec *d, struct unit *u, const unsigned char *src, size_t size,
                       size_t *used)
{
    struct rpi_par *p = d->p;
    /* zlib checks the header CRC (FHCRC, RFC 1952 2.3.1); libdeflate skips it: leave such
     * members to zlib. */
    if (size < 4 || (src[3] & 0x02)) return 0;
#if RP_WITH_LIBDEFLATE
    if (!d->ld && !(d->ld = libdeflate_alloc_decompressor())) return 0;
    for (;;) {
        size_t in_n = 0, out_n = 0;
        const enum libdeflate_result r = libdeflate_gzip_decompress_ex(
            d->ld, src, size, u->out + u->out_size, u->out_cap - u->out_size, &in_n, &out_n);
        if (r == LIBDEFLATE_SUCCESS) {
            u->out_size += out_n;
            *used = in_n;
            return 1;
        }
        if (r != LIBDEFLATE_INSUFFICIENT_SPACE) return 0;
        if (!out_grow(p, u, u->out_cap * 2 > u->out_cap ? u->out_cap * 2 : u->out_cap + 1))
            return 0;
    }
#else
    if (!d->zs_ready) {
        memset(&d->zs, 0, sizeof d->zs);
        if (inflateInit2(&d->zs, 16 + MAX_WBITS) != Z_OK) return 0;
        d->zs_ready = 1;
    } else if (inflateReset(&d->zs) != Z_OK) {
        return 0;
    }
    if (size > UINT_MAX) return 0;
    d->zs.next_in = (unsigned char *)(uintptr_t)src;
    d->zs.avail_in = (uInt)size;
    for (;;) {
        if (u->out_size == u->out_cap && !out_grow(p, u, u->out_cap + 1)) return 0;
        const size_t room = u->out_cap - u->out_size;
        d->zs.next_out = u->out + u->out_size;
        d->zs.avail_out = room > UINT_MAX ? UINT_MAX : (uInt)room;
        const uInt before = d->zs.avail_out;
        const int zr = inflate(&d->zs, Z_NO_FLUSH);
        u->out_size += before - d->zs.avail_out;
        if (zr == Z_STREAM_END) {
            *used = size - d->zs.avail_in;
            return 1;
        }
        if (zr != Z_OK && !(zr == Z_BUF_ERROR && d->zs.avail_out == 0)) return 0;
        if (d->zs.avail_in == 0 && d->zs.avail_out != 0) return 0; /* cut short */
    }
#endif
}

static int gzip_unit(struct dec *d, struct unit *u)
{
    size_t pos = 0;
    while (pos < u->src_size) {
        /* after a member, codec_gzip.c accepts only another member (1f 8b) */
        if (pos && (u->src_size - pos < 2 || u->src[pos] != 0x1f || u->src[pos + 1] != 0x8b))
            return 0;
        size_t used = 0;
        if (!gzip_member(d, u, u->src + pos, u->src_size - pos, &used) || used == 0) return 0;
        pos += used;
    }
    return 1;
}
#endif

#if RP_WITH_ZSTD
static void *zd_alloc(void *opaque, size_t size) { return rpi_malloc(opaque, size); }
static void zd_free(void *opaque, void *ptr) { rpi_free(opaque, ptr); }

static int zstd_unit(struct dec *d, struct unit *u)
{
    struct rpi_par *p = d->p;
    if (!d->zd) {
        const ZSTD_customMem mem = {zd_alloc, zd_free, (void *)(uintptr_t)p->alloc};
        if (!(d->zd = ZSTD_createDCtx_advanced(mem))) return 0;
    }
    size_t pos = 0;
    while (pos < u->src_size) {
        const unsigned char *src = u->src + pos;
        const size_t fsz = ZSTD_findFrameCompressedSize(src, u->src_size - pos);
        if (ZSTD_isError(fsz) || fsz == 0) return 0;
        const unsigned long long cs = ZSTD_getFrameContentSize(src, fsz);
        if (cs == ZSTD_CONTENTSIZE_ERROR) return 0;
        if (cs != ZSTD_CONTENTSIZE_UNKNOWN) {
            if (cs > UNIT_OUT_CAP || !out_grow(p, u, u->out_size + (size_t)cs + 1)) return 0;
            const size_t r = ZSTD_decompressDCtx(d->zd, u->out + u->out_size, (size_t)cs, src, fsz);
            if (ZSTD_isError(r) || r != cs) return 0;
            u->out_size += r;
        } else { /* no content size in the header: stream into a growing buffer */
            ZSTD_DCtx_reset(d->zd, ZSTD_reset_session_only);
            ZSTD_inBuffer in = {src, fsz, 0};
            for (;;) {
                if (u->out_size == u->out_cap && !out_grow(p, u, u->out_cap + 1)) return 0;
                ZSTD_outBuffer out = {u->out + u->out_size, u->out_cap - u->out_size, 0};
                const size_t r = ZSTD_decompressStream(d->zd, &out, &in);
                u->out_size += out.pos;
                if (ZSTD_isError(r)) return 0;
                if (r == 0) break;
                if (in.pos == in.size && out.pos < out.size) return 0; /* cut short */
            }
            if (in.pos != fsz) return 0;
        }
        pos += fsz;
    }
    return 1;
}
#endif

static int decode_unit(struct dec *d, struct unit *u)
{
    u->out_size = u->out_pos = 0;
    /* text inflates about 3-4x; the buffer is kept for the slot's next units */
    const size_t guess = u->src_size < UNIT_OUT_CAP / 4 ? u->src_size * 4 : UNIT_OUT_CAP;
    if (!out_grow(d->p, u, guess > 1 ? guess : 1)) return 0;
#if RP_WITH_ZLIB
    if (d->p->kind == RP_CODEC_GZIP) return gzip_unit(d, u);
#endif
#if RP_WITH_ZSTD
    if (d->p->kind == RP_CODEC_ZSTD) return zstd_unit(d, u);
#endif
    return 0;
}

static void dec_free(struct dec *d)
{
#if RP_WITH_ZLIB && RP_WITH_LIBDEFLATE
    libdeflate_free_decompressor(d->ld);
    d->ld = NULL;
#elif RP_WITH_ZLIB
    if (d->zs_ready) inflateEnd(&d->zs);
    d->zs_ready = 0;
#endif
#if RP_WITH_ZSTD
    ZSTD_freeDCtx(d->zd);
    d->zd = NULL;
#endif
}

static void *helper(void *arg)
{
    struct dec *d = arg;
    struct rpi_par *p = d->p;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->next == p->tail)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->stop) break;
        struct unit *u = &p->ring[p->next++ % p->cap];
        u->state = U_BUSY;
        pthread_mutex_unlock(&p->mu);
        const int good = decode_unit(d, u);
        pthread_mutex_lock(&p->mu);
        u->state = good ? U_GOOD : U_BAD;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    dec_free(d);
    return NULL;
}

/* ---- cutting units (reading thread) -------------------------------------------------------- */

/* More raw bytes behind raw[raw_pos]: RP_OK, RP_DONE (end of input) or an error. */
static rp_status raw_more(struct rpi_codec *c, struct rpi_par *p)
{
    if (p->raw_pos) {
        memmove(p->raw, p->raw + p->raw_pos, p->raw_end - p->raw_pos);
        p->raw_end -= p->raw_pos;
        p->scan = p->scan > p->raw_pos ? p->scan - p->raw_pos : 0;
        p->raw_pos = 0;
    }
    size_t got = 0;
    const rp_status st = rpi_codec_raw(c, p->raw + p->raw_end, RAW_CAP - p->raw_end, &got);
    if (st == RP_DONE) p->raw_eof = 1;
    p->raw_end += got;
    return st;
}

/* The first plausible member header at or after from (RFC 1952 2.3.1): 1f 8b, CM 8, FLG's
 * reserved bits clear, XFL 0, 2 or 4, OS 0-13 or 255. Random bytes pass with odds of about 2^-37
 * (2^-27 without XFL and OS: one false unit end per 128 units of 1 MiB members, each turning the
 * rest of the file sequential). A true header that fails the test only lengthens the unit (its
 * members are found by decoding), so strict is safe. Returns the index of the header, or
 * raw_end - GZ_HDR + 1 when there is none. */
#define GZ_HDR 10
static size_t gzip_candidate(const struct rpi_par *p, size_t from)
{
    const unsigned char *r = p->raw;
    for (size_t i = from; i + GZ_HDR <= p->raw_end; i++) {
        const unsigned char *q = memchr(r + i, 0x1f, p->raw_end - GZ_HDR + 1 - i);
        if (!q) break;
        i = (size_t)(q - r);
        if (q[1] == 0x8b && q[2] == 8 && !(q[3] & 0xe0) && (q[8] == 0 || q[8] == 2 || q[8] == 4) &&
            (q[9] <= 13 || q[9] == 255))
            return i;
    }
    return p->raw_end >= GZ_HDR ? p->raw_end - GZ_HDR + 1 : 0;
}

/* Length of the next gzip unit at raw[raw_pos]; 0 when there is none (end or sequential). */
static size_t cut_gzip(struct rpi_codec *c, struct rpi_par *p)
{
    for (;;) {
        size_t from = p->raw_pos + UNIT_TARGET;
        if (p->scan > from) from = p->scan;
        if (from + GZ_HDR <= p->raw_end) {
            const size_t q = gzip_candidate(p, from);
            if (q + GZ_HDR <= p->raw_end) return q - p->raw_pos;
            p->scan = q;
        }
        const size_t avail = p->raw_end - p->raw_pos;
        if (p->raw_eof) return avail;
        if (avail >= UNIT_IN_CAP) return 0; /* a member this long: sequential */
        const rp_status st = raw_more(c, p);
        if (st != RP_OK && st != RP_DONE) return 0;
    }
}

#if RP_WITH_ZSTD
/* Length of the next zstd unit at raw[raw_pos]: whole frames, about UNIT_TARGET bytes, within
 * the caps; 0 when there is none (end, or a frame for the sequential decoder). */
static size_t cut_zstd(struct rpi_codec *c, struct rpi_par *p)
{
    size_t len = 0, out = 0;
    while (len < UNIT_TARGET) {
        const unsigned char *src = p->raw + p->raw_pos + len;
        const size_t avail = p->raw_end - p->raw_pos - len;
        if (avail == 0 && p->raw_eof) return len;
        size_t fsz = avail ? ZSTD_findFrameCompressedSize(src, avail) : 0;
        if (!avail || (ZSTD_isError(fsz) && ZSTD_getErrorCode(fsz) == ZSTD_error_srcSize_wrong)) {
            if (len) return len; /* hand out what is cut; the frame comes next time */
            if (p->raw_eof || avail >= UNIT_IN_CAP) return 0;
            const rp_status st = raw_more(c, p);
            if (st != RP_OK && st != RP_DONE) return 0;
            continue;
        }
        if (ZSTD_isError(fsz) || fsz > UNIT_IN_CAP) return len;
        ZSTD_frameHeader h;
        if (ZSTD_getFrameHeader(&h, src, fsz) != 0) return len;
        if (h.frameType == ZSTD_frame) {
            if (h.windowSize > ZSTD_SEQ_WINDOW_MAX) return len;
            if (h.frameContentSize != ZSTD_CONTENTSIZE_UNKNOWN) {
                if (h.frameContentSize > UNIT_OUT_CAP - out) return len;
                out += (size_t)h.frameContentSize;
            }
        }
        len += fsz;
    }
    return len;
}
#endif

/* Cut the next unit into u: 1 when cut, 0 when there is none (p->cut_end set). */
static int cut(struct rpi_codec *c, struct rpi_par *p, struct unit *u)
{
    size_t len = 0;
#if RP_WITH_ZSTD
    if (p->kind == RP_CODEC_ZSTD)
        len = cut_zstd(c, p);
    else
#endif
        len = cut_gzip(c, p);
    if (c->err == RP_E_IO) { /* let the sequential decoder meet the read error itself */
        c->err = RP_OK;
        c->msg[0] = '\0';
        p->raw_eof = 0;
        len = 0;
    }
    if (len == 0) {
        p->cut_end = 1;
        /* the empty file is the sequential decoder's (a truncated member / frame) */
        p->seq_at_end = p->raw_pos < p->raw_end || !p->raw_eof || p->n_cut == 0;
        return 0;
    }
    if (len > u->src_cap) {
        unsigned char *s = rpi_realloc(p->alloc, u->src, u->src_cap, len);
        if (!s) {
            p->cut_end = p->seq_at_end = 1;
            return 0;
        }
        u->src = s;
        u->src_cap = len;
    }
    memcpy(u->src, p->raw + p->raw_pos, len);
    u->src_size = len;
    u->in_off = p->raw_off;
    u->state = U_QUEUED;
    p->raw_pos += len;
    p->raw_off += len;
    p->n_cut++;
    return 1;
}

/* ---- the stream ------------------------------------------------------------------------------ */

/* Tell the decoding threads to stop and wait for them. */
static void stop_workers(struct rpi_par *p)
{
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->n_th; i++)
        pthread_join(p->th[i], NULL);
}

static void par_free(struct rpi_codec *c)
{
    struct rpi_par *p = c->par;
    stop_workers(p);
    dec_free(&p->own);
    for (size_t i = 0; i < p->cap; i++) {
        rpi_free(p->alloc, p->ring[i].src);
        rpi_free(p->alloc, p->ring[i].out);
    }
    rpi_free(p->alloc, p->ring);
    rpi_free(p->alloc, p->raw);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    rpi_free(p->alloc, p);
    c->par = NULL;
}

void rpi_par_start(struct rpi_codec *c)
{
    if (c->threads < 2 || c->par || c->in_used || c->out_total) return;
    struct rpi_par *p = rpi_calloc(c->alloc, 1, sizeof *p);
    if (!p) return;
    p->kind = c->kind;
    p->alloc = c->alloc;
    p->n_th = c->threads < MAX_HELPERS ? c->threads : MAX_HELPERS;
    p->cap = 2 * (size_t)p->n_th + 2;
    p->ring = rpi_calloc(c->alloc, p->cap, sizeof *p->ring);
    p->raw = rpi_malloc(c->alloc, RAW_CAP);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    for (unsigned i = 0; i < p->n_th; i++)
        p->decs[i].p = p;
    p->own.p = p;
    const unsigned want = p->n_th;
    p->n_th = 0;
    c->par = p;
    if (!p->ring || !p->raw) {
        par_free(c);
        return;
    }
    for (; p->n_th < want; p->n_th++)
        if (pthread_create(&p->th[p->n_th], NULL, helper, &p->decs[p->n_th]) != 0) {
            par_free(c); /* joins the ones started */
            return;
        }
    /* the bytes sniffed for the magic number are the first raw bytes */
    memcpy(p->raw, c->in + c->in_pos, c->in_end - c->in_pos);
    p->raw_end = c->in_end - c->in_pos;
    c->in_pos = c->in_end = 0;
    p->raw_eof = c->in_eof;
}

#if RP_WITH_ZLIB
/* A gzip unit that failed may only have ended at a false member header (a stored block holding
 * gzip bytes, as a WARC record of a .gz download has). Decode on from its start, member by
 * member, across the guessed end over the raw bytes at hand: when that reaches a member end E
 * beyond the guess followed by `1f 8b` (or the end of the input), the unit becomes the members
 * [start, E) and cutting resumes at E, discarding the units cut after the guess. The members
 * and the check after each are those of gzip_unit, so this changes nothing the sequential
 * decoder would do; anything else (corrupt data, a cap) leaves the unit to it. 1: recovered. */
static int recover(struct rpi_par *p, struct unit *u)
{
    if (p->kind != RP_CODEC_GZIP) return 0;
    pthread_mutex_lock(&p->mu); /* helpers take no more units; wait for the ones they hold */
    p->next = p->tail;
    for (uint64_t s = p->head + 1; s < p->tail; s++)
        while (p->ring[s % p->cap].state == U_BUSY)
            pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
    size_t n = p->raw_end - p->raw_pos;
    for (uint64_t s = p->head; s < p->tail; s++)
        n += p->ring[s % p->cap].src_size;
    unsigned char *all = rpi_malloc(p->alloc, n);
    if (!all) return 0;
    size_t k = 0;
    for (uint64_t s = p->head; s < p->tail; s++) {
        const struct unit *v = &p->ring[s % p->cap];
        memcpy(all + k, v->src, v->src_size);
        k += v->src_size;
    }
    memcpy(all + k, p->raw + p->raw_pos, p->raw_end - p->raw_pos);
    size_t pos = 0;
    int good = 1;
    u->out_size = u->out_pos = 0;
    while (good && pos < u->src_size) {
        size_t used = 0;
        if (pos && (n - pos < 2 || all[pos] != 0x1f || all[pos + 1] != 0x8b))
            good = 0;
        else if (!gzip_member(&p->own, u, all + pos, n - pos, &used) || used == 0)
            good = 0;
        pos += used;
    }
    /* what follows E must be another member or the end, as codec_gzip.c's after_member wants */
    if (good && pos < n) good = n - pos >= 2 && all[pos] == 0x1f && all[pos + 1] == 0x8b;
    if (good && pos == n) good = p->raw_eof;
    if (good && n - pos > RAW_CAP) good = 0;
    if (good && pos > u->src_cap) {
        unsigned char *src = rpi_realloc(p->alloc, u->src, u->src_cap, pos);
        if (src) {
            u->src = src;
            u->src_cap = pos;
        }
        good = src != NULL;
    }
    if (good) {
        memcpy(u->src, all, pos);
        u->src_size = pos;
        memcpy(p->raw, all + pos, n - pos);
        p->raw_pos = p->scan = 0;
        p->raw_end = n - pos;
        p->raw_off = u->in_off + pos;
        p->cut_end = p->seq_at_end = 0;
        pthread_mutex_lock(&p->mu);
        p->tail = p->next = p->head + 1;
        u->state = U_GOOD;
        pthread_mutex_unlock(&p->mu);
    } else {
        u->out_size = 0;
    }
    rpi_free(p->alloc, all);
    return good;
}
#else
static int recover(struct rpi_par *p, struct unit *u)
{
    (void)p;
    (void)u;
    return 0;
}
#endif

/* From the unit at head (or, with none in flight, from raw_pos) on, the sequential decoder:
 * the raw bytes not decoded yet become the pushback, read before the rest of the source. */
static rp_status fall_back(struct rpi_codec *c)
{
    struct rpi_par *p = c->par;
    stop_workers(p);
    p->n_th = 0;
    size_t n = p->raw_end - p->raw_pos;
    uint64_t off = p->raw_off;
    for (uint64_t s = p->head; s < p->tail; s++)
        n += p->ring[s % p->cap].src_size;
    if (p->head < p->tail) off = p->ring[p->head % p->cap].in_off;
    unsigned char *pb = rpi_malloc(c->alloc, n ? n : 1);
    if (!pb) {
        par_free(c);
        return rpi_codec_fail(c, RP_E_NOMEM, "out of memory");
    }
    size_t k = 0;
    for (uint64_t s = p->head; s < p->tail; s++) {
        const struct unit *u = &p->ring[s % p->cap];
        memcpy(pb + k, u->src, u->src_size);
        k += u->src_size;
    }
    memcpy(pb + k, p->raw + p->raw_pos, p->raw_end - p->raw_pos);
    assert(c->pb == NULL && c->in_pos == c->in_end);
    c->pb = pb;
    c->pb_size = n;
    c->pb_pos = 0;
    c->in_pos = c->in_end = 0;
    c->in_used = off;
    /* a source already at its end reads as ended again (read(2) returns 0, memory is used up) */
    par_free(c);
    return RP_OK;
}

rp_status rpi_par_read(struct rpi_codec *c, void *dst, size_t cap, size_t *got)
{
    struct rpi_par *p = c->par;
    for (;;) {
        while (!p->cut_end && p->tail - p->head < p->cap) {
            if (!cut(c, p, &p->ring[p->tail % p->cap])) break;
            pthread_mutex_lock(&p->mu);
            p->tail++;
            pthread_cond_signal(&p->work);
            pthread_mutex_unlock(&p->mu);
        }
        if (p->head == p->tail) {
            if (!p->seq_at_end) return RP_DONE;
            break;
        }
        struct unit *u = &p->ring[p->head % p->cap];
        pthread_mutex_lock(&p->mu);
        if (p->next == p->head) { /* no helper has it: decode it here rather than wait */
            p->next++;
            u->state = U_BUSY;
            pthread_mutex_unlock(&p->mu);
            const int good = decode_unit(&p->own, u);
            pthread_mutex_lock(&p->mu);
            u->state = good ? U_GOOD : U_BAD;
        }
        while (u->state == U_BUSY)
            pthread_cond_wait(&p->done, &p->mu);
        const int good = u->state == U_GOOD;
        pthread_mutex_unlock(&p->mu);
        if (!good && !recover(p, u)) break;
        if (!good) continue; /* u now holds the members up to a true end */
        size_t n = u->out_size - u->out_pos;
        if (n > cap) n = cap;
        memcpy(dst, u->out + u->out_pos, n);
        u->out_pos += n;
        if (u->out_pos == u->out_size) p->head++; /* the slot is the reading thread's again */
        if (n) {
            *got = n;
            return RP_OK;
        }
    }
    RP_TRY(fall_back(c));
    if (c->kind == RP_CODEC_GZIP) return rpi_gzip_read(c, dst, cap, got);
    return rpi_zstd_read(c, dst, cap, got);
}

void rpi_par_end(struct rpi_codec *c)
{
    if (c->par) par_free(c);
}

#else /* neither codec: nothing to run in parallel */

void rpi_par_start(struct rpi_codec *c) { (void)c; }

rp_status rpi_par_read(struct rpi_codec *c, void *dst, size_t cap, size_t *got)
{
    (void)dst;
    (void)cap;
    *got = 0;
    return rpi_codec_fail(c, RP_E_INTERNAL, "no parallel decoder");
}

void rpi_par_end(struct rpi_codec *c) { (void)c; }

#endif
