/* SPDX-License-Identifier: MIT */
/* codec_internal.h -- decompression streams for ingest: plain, gzip (zlib), zstd (libzstd).
 * A stream reads raw bytes from a file descriptor and hands decoded bytes to the caller. */
#ifndef RP_CODEC_INTERNAL_H
#define RP_CODEC_INTERNAL_H
#include <stddef.h>                /* size_t */
#include <stdint.h>                /* uint64_t */
#include "reprint/rp_ingest.h"     /* rp_codec */
#include "common/common_internal.h" /* RPI_FUNC, rp_alloc */

#define RPI_CODEC_IN_CAP ((size_t)64 * 1024) /* raw input buffer per open file */

/* One open stream. The owner fills fd and alloc through rpi_codec_init (or the memory source
 * through rpi_codec_init_memory); everything else is private to codec_*.c. Single-threaded. */
struct rpi_codec {
    int fd;                   /* -1 when reading memory */
    const unsigned char *mem; /* raw bytes come from mem[0, mem_size) instead of fd; borrowed */
    size_t mem_size;
    size_t mem_pos;           /* raw bytes of mem handed out so far */
    const rp_alloc *alloc;
    rp_codec kind;
    unsigned char *in;   /* raw input buffer, RPI_CODEC_IN_CAP bytes */
    size_t in_pos;       /* unread raw bytes are in[in_pos, in_end) */
    size_t in_end;
    int in_eof;          /* read() returned 0 */
    uint64_t in_total;   /* raw bytes read from fd so far (progress) */
    uint64_t in_used;    /* raw bytes the decoder consumed (error positions) */
    uint64_t out_total;  /* decoded bytes handed out so far */
    void *state;         /* z_stream * or ZSTD_DStream * */
    int in_unit;         /* 1 while inside a gzip member / zstd frame */
    int done;            /* clean end reached */
    int trailing;        /* 1: bytes after the last member were ignored (msg says where) */
    rp_status err;       /* sticky: RP_E_TRUNCATED, RP_E_FORMAT, RP_E_IO or RP_E_NOMEM */
    char msg[256];       /* detail for err or trailing, without the file name */
    unsigned threads;    /* > 1: decode gzip members / zstd frames on this many threads */
    struct rpi_par *par; /* parallel decoding (codec_par.c); NULL when sequential */
    unsigned char *pb;   /* raw bytes to serve before the source's (handed back by par) */
    size_t pb_size;
    size_t pb_pos;
    uint64_t limit;      /* raw bytes to read at most (a piece of a file); 0: no limit */
};

RPI_FUNC void rpi_codec_init(struct rpi_codec *c, int fd, const rp_alloc *alloc);
/* A stream whose raw bytes are data[0, size) (kept, not copied: data must outlive the stream).
 * Reads stop at its end as at the end of a file. */
RPI_FUNC void rpi_codec_init_memory(struct rpi_codec *c, const void *data, size_t size,
                                    const rp_alloc *alloc);

/* Read raw bytes until at least want bytes are buffered (or EOF), for sniffing magic bytes.
 * Returns RP_OK (even at a short EOF), RP_E_NOMEM or RP_E_IO (c->msg set). */
RPI_FUNC rp_status rpi_codec_prime(struct rpi_codec *c, size_t want);

/* Select the decoder. RP_E_UNSUPPORTED when it is compiled out (c->msg says so). */
RPI_FUNC rp_status rpi_codec_start(struct rpi_codec *c, rp_codec kind);

/* Decode up to cap bytes into dst. RP_OK with *got > 0, RP_DONE at the clean end, else the
 * sticky error (RP_E_TRUNCATED, RP_E_FORMAT, RP_E_IO, RP_E_NOMEM) with c->msg set. Bytes decoded
 * before corrupt data are returned first (RP_OK); the error comes with the next call. */
RPI_FUNC rp_status rpi_codec_read(struct rpi_codec *c, void *dst, size_t cap, size_t *got);

/* Release decoder state and buffers; does not close fd. Safe to call twice. */
RPI_FUNC void rpi_codec_end(struct rpi_codec *c);

/* ---- shared between codec_*.c ------------------------------------------------------------ */
/* Move unread raw bytes to the front and read more. RP_OK (something added), RP_DONE (EOF,
 * nothing added) or RP_E_IO. */
RPI_FUNC rp_status rpi_codec_fill_raw(struct rpi_codec *c);
/* Up to cap raw bytes: the pushback (c->pb) first, then the fd or memory; in_total counts the
 * source's bytes only. RP_OK with *got > 0, RP_DONE at the end, or RP_E_IO (c->msg set). */
RPI_FUNC rp_status rpi_codec_raw(struct rpi_codec *c, void *dst, size_t cap, size_t *got);
RPI_FUNC rp_status rpi_codec_fail(struct rpi_codec *c, rp_status err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

RPI_FUNC rp_status rpi_gzip_start(struct rpi_codec *c);
RPI_FUNC rp_status rpi_gzip_read(struct rpi_codec *c, void *dst, size_t cap, size_t *got);
RPI_FUNC void rpi_gzip_end(struct rpi_codec *c);
RPI_FUNC rp_status rpi_zstd_start(struct rpi_codec *c);
RPI_FUNC rp_status rpi_zstd_read(struct rpi_codec *c, void *dst, size_t cap, size_t *got);
RPI_FUNC void rpi_zstd_end(struct rpi_codec *c);

/* Parallel decoding (codec_par.c). rpi_par_start is called once the sequential decoder exists;
 * it leaves c->par NULL (and c sequential) when it cannot help: one thread, no memory, a
 * thread that does not start. rpi_par_read hands out decoded bytes in file order and, at the
 * first unit it cannot decode, gives the raw bytes from that unit's start back (c->pb) and
 * continues with the sequential decoder, so every error is the sequential decoder's own. */
RPI_FUNC void rpi_par_start(struct rpi_codec *c);
RPI_FUNC rp_status rpi_par_read(struct rpi_codec *c, void *dst, size_t cap, size_t *got);
RPI_FUNC void rpi_par_end(struct rpi_codec *c);

#endif /* RP_CODEC_INTERNAL_H */
