/* SPDX-License-Identifier: MIT */
/* arena.c -- append-only arena: many small objects (document ids, per-document token arrays)
 * that live until the arena is freed, in large blocks, with stable addresses.
 *
 * Blocks start at 256 KiB and double up to 8 MiB, so a small arena stays small and a large one
 * makes few system allocations. Blocks of 2 MiB and more are whole transparent huge pages
 * (rpi_malloc_huge: 2 MiB-aligned, advised): the story level fills ~100 MB of arena on
 * Reuters, and first-touch page faults on 4 KiB pages were measured at ~20% of its run time
 * on a virtual machine (docs/benchmarks.md). */
#include <stdint.h> /* uintptr_t */
#include <string.h> /* memcpy */
#include "common_internal.h"
#include "arena_internal.h"

#define ARENA_BLOCK_MIN (256u * 1024u)
#define ARENA_BLOCK_MAX (8u * 1024u * 1024u)

struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    char data[];
};

void rpi_arena_init(struct rpi_arena *a, const rp_alloc *alloc)
{
    a->head = NULL;
    a->alloc = alloc;
    a->total = 0;
}

/* Free the chain of blocks from b on. */
static void free_chain(struct rpi_arena *a, struct arena_block *b)
{
    while (b) {
        struct arena_block *n = b->next;
        rpi_free(a->alloc, b);
        b = n;
    }
}

void rpi_arena_free(struct rpi_arena *a)
{
    free_chain(a, a->head);
    a->head = NULL;
    a->total = 0;
}

void rpi_arena_reset(struct rpi_arena *a)
{
    struct arena_block *keep = a->head;
    if (!keep) return;
    free_chain(a, keep->next);
    keep->next = NULL;
    keep->used = 0;
    a->total = sizeof *keep + keep->cap;
}

/* Offset in b's data of the first address at or after used that is a multiple of align
 * (aligned as an address: the data does not start at a multiple of every alignment). */
static size_t aligned_off(const struct arena_block *b, size_t used, size_t align)
{
    const uintptr_t at = (uintptr_t)(b->data + used);
    return used + (size_t)((align - at % align) % align);
}

void *rpi_arena_alloc(struct rpi_arena *a, size_t size, size_t align)
{
    struct arena_block *b = a->head;
    size_t off = b ? aligned_off(b, b->used, align) : 0;
    if (!b || off > b->cap || size > b->cap - off) {
        size_t want = b ? 2 * b->cap : ARENA_BLOCK_MIN;
        if (want > ARENA_BLOCK_MAX) want = ARENA_BLOCK_MAX;
        if (size > SIZE_MAX - sizeof *b - align) return NULL;
        size_t cap = size + align > want ? size + align : want;
        struct arena_block *nb;
        if (cap >= RPI_HUGE_PAGE) { /* whole huge pages: round the block up to 2 MiB */
            if (cap > SIZE_MAX - 2 * RPI_HUGE_PAGE) return NULL;
            cap = ((sizeof *nb + cap + RPI_HUGE_PAGE - 1) & ~(RPI_HUGE_PAGE - 1)) - sizeof *nb;
            nb = rpi_malloc_huge(a->alloc, sizeof *nb + cap);
        } else {
            nb = rpi_malloc(a->alloc, sizeof *nb + cap);
        }
        if (!nb) return NULL;
        nb->next = a->head;
        nb->used = 0;
        nb->cap = cap;
        a->head = nb;
        a->total += sizeof *nb + cap;
        b = nb;
        off = aligned_off(b, 0, align); /* < align: cap holds size + align */
    }
    b->used = off + size;
    return b->data + off;
}

const char *rpi_arena_strndup(struct rpi_arena *a, const char *s, size_t n)
{
    char *d = rpi_arena_alloc(a, n + 1, 1);
    if (!d) return NULL;
    if (n) memcpy(d, s, n);
    d[n] = '\0';
    return d;
}
