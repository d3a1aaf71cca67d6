/* SPDX-License-Identifier: MIT */
/* arena.c -- append-only string arena: many small strings (document ids, details) that live
 * until the arena is freed, in large blocks, with stable addresses. */
#include <string.h> /* memcpy */
#include "common_internal.h"
#include "arena_internal.h"

#define ARENA_BLOCK (256u * 1024u)

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

void rpi_arena_free(struct rpi_arena *a)
{
    struct arena_block *b = a->head;
    while (b) {
        struct arena_block *n = b->next;
        rpi_free(a->alloc, b);
        b = n;
    }
    a->head = NULL;
    a->total = 0;
}

void *rpi_arena_alloc(struct rpi_arena *a, size_t size, size_t align)
{
    struct arena_block *b = a->head;
    size_t off = 0;
    if (b) off = (b->used + (align - 1)) & ~(align - 1);
    if (!b || off + size > b->cap) {
        size_t cap = size + align > ARENA_BLOCK ? size + align : ARENA_BLOCK;
        struct arena_block *nb = rpi_malloc(a->alloc, sizeof *nb + cap);
        if (!nb) return NULL;
        nb->next = a->head;
        nb->used = 0;
        nb->cap = cap;
        a->head = nb;
        a->total += sizeof *nb + cap;
        b = nb;
        off = 0;
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
