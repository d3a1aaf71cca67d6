/* SPDX-License-Identifier: MIT */
/* doc_table.c -- the chunked document table of a run and the verify=exact spill files
 * (doc_internal.h). */
#include <errno.h>    /* errno */
#include <stdio.h>    /* snprintf */
#include <stdlib.h>   /* getenv, mkstemp, qsort */
#include <string.h>   /* strerror */
#include <unistd.h>   /* write, unlink, close */
#include <sys/mman.h> /* mmap */
#include "doc_internal.h"

rp_status rpi_doctab_reserve(struct rpi_doctab *t, size_t n)
{
    const size_t need = (n + RPI_CHUNK_DOCS - 1) >> RPI_CHUNK_SHIFT;
    if (need > RPI_MAX_CHUNKS) return RP_E_TOO_BIG;
    if (need == 0) return RP_OK;
    const size_t c = need - 1;
    if (t->chunks[c]) return RP_OK;
    t->chunks[c] = rpi_calloc(t->alloc, RPI_CHUNK_DOCS, sizeof(struct rpi_docslot));
    if (!t->chunks[c]) return RP_E_NOMEM;
    if (t->num_perm) {
        t->sig_chunks[c] =
            rpi_malloc(t->alloc, (size_t)RPI_CHUNK_DOCS * t->num_perm * sizeof(uint32_t));
        if (!t->sig_chunks[c]) return RP_E_NOMEM;
    }
    return RP_OK;
}

void rpi_doctab_free(struct rpi_doctab *t)
{
    for (size_t i = 0; i < RPI_MAX_CHUNKS && t->chunks[i]; i++) {
        rpi_free(t->alloc, t->chunks[i]);
        rpi_free(t->alloc, t->sig_chunks[i]);
        t->chunks[i] = NULL;
        t->sig_chunks[i] = NULL;
    }
    t->n_docs = 0;
}

rp_status rpi_spill_open(struct rpi_spill *s, const char *dir, char *msg, size_t cap)
{
    if (!dir) dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    char path[4096];
    snprintf(path, sizeof path, "%s/reprint-spill-XXXXXX", dir);
    s->fd = mkstemp(path);
    if (s->fd < 0) {
        snprintf(msg, cap, "%s: cannot create spill file: %s", dir, strerror(errno));
        return RP_E_IO;
    }
    unlink(path); /* anonymous: vanishes with the process */
    return RP_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

rp_status rpi_spill_write(struct rpi_spill *s, uint16_t file, struct rpi_docslot *d, uint64_t *sh,
                          size_t n, char *msg, size_t cap)
{
    qsort(sh, n, sizeof *sh, cmp_u64);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || sh[m - 1] != sh[i]) sh[m++] = sh[i];
    d->spill_file = file;
    d->spill_off = s->size;
    d->n_shingles = (uint32_t)m;
    const char *p = (const char *)sh;
    size_t left = m * sizeof *sh;
    while (left) {
        const ssize_t k = write(s->fd, p, left);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            snprintf(msg, cap, "spill file: %s", strerror(errno));
            return RP_E_IO;
        }
        p += k;
        left -= (size_t)k;
    }
    s->size += m * sizeof *sh;
    return RP_OK;
}

rp_status rpi_spill_map(struct rpi_spill *s, int writable, char *msg, size_t cap)
{
    if (s->size == 0) return RP_OK;
    void *m = mmap(NULL, s->size, writable ? PROT_READ | PROT_WRITE : PROT_READ,
                   writable ? MAP_SHARED : MAP_PRIVATE, s->fd, 0);
    if (m == MAP_FAILED) {
        snprintf(msg, cap, "cannot map spill file: %s", strerror(errno));
        return RP_E_IO;
    }
    s->map = m;
    return RP_OK;
}

rp_status rpi_spill_reserve(struct rpi_spill *s, uint64_t size, char *msg, size_t cap)
{
    if (ftruncate(s->fd, (off_t)size) != 0) {
        snprintf(msg, cap, "cannot size spill file: %s", strerror(errno));
        return RP_E_IO;
    }
    s->size = size;
    return RP_OK;
}

void rpi_spill_close(struct rpi_spill *s)
{
    if (s->map) munmap((void *)s->map, s->size);
    if (s->fd >= 0) close(s->fd);
    s->map = NULL;
    s->fd = -1;
}
