/* SPDX-License-Identifier: MIT */
/* index_umap.c -- a small open-addressing map u64 -> u32 (linear probing, grown at half load)
 * for the per-transaction working sets of lib/index/ (touched units, slots, counts). */
#include <string.h> /* memset */
#include <xxhash.h> /* XXH3_64bits */
#include "index_internal.h"

void rpi_umap_init(struct rpi_umap *m, const rp_alloc *alloc)
{
    memset(m, 0, sizeof *m);
    m->alloc = alloc;
}

void rpi_umap_free(struct rpi_umap *m)
{
    rpi_free(m->alloc, m->keys);
    rpi_free(m->alloc, m->vals);
    rpi_umap_init(m, m->alloc);
}

static size_t umap_slot(const struct rpi_umap *m, uint64_t k)
{
    size_t i = (size_t)(XXH3_64bits(&k, sizeof k) & (m->cap - 1));
    while (m->keys[i] != RPI_IX_NONE && m->keys[i] != k)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static rp_status umap_grow(struct rpi_umap *m)
{
    struct rpi_umap n;
    rpi_umap_init(&n, m->alloc);
    n.cap = m->cap ? m->cap * 2 : 64;
    n.keys = rpi_malloc(n.alloc, n.cap * sizeof *n.keys);
    n.vals = rpi_malloc(n.alloc, n.cap * sizeof *n.vals);
    if (!n.keys || !n.vals) {
        rpi_umap_free(&n);
        return RP_E_NOMEM;
    }
    memset(n.keys, 0xFF, n.cap * sizeof *n.keys);
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i] != RPI_IX_NONE) {
            const size_t s = umap_slot(&n, m->keys[i]);
            n.keys[s] = m->keys[i];
            n.vals[s] = m->vals[i];
        }
    n.len = m->len;
    rpi_umap_free(m);
    *m = n;
    return RP_OK;
}

/* Insert k -> v unless present. *found (may be NULL) gets whether it was there; *val its value */
rp_status rpi_umap_put(struct rpi_umap *m, uint64_t k, uint32_t v, int *found, uint32_t *val)
{
    if ((m->len + 1) * 2 > m->cap) RP_TRY(umap_grow(m));
    const size_t s = umap_slot(m, k);
    const int f = m->keys[s] == k;
    if (!f) {
        m->keys[s] = k;
        m->vals[s] = v;
        m->len++;
    }
    if (found) *found = f;
    if (val) *val = m->vals[s];
    return RP_OK;
}

int rpi_umap_get(const struct rpi_umap *m, uint64_t k, uint32_t *v)
{
    if (!m->cap) return 0;
    const size_t s = umap_slot(m, k);
    if (m->keys[s] != k) return 0;
    *v = m->vals[s];
    return 1;
}

rp_status rpi_umap_ref(struct rpi_umap *m, uint64_t k, uint32_t **val)
{
    int found;
    RP_TRY(rpi_umap_put(m, k, 0, &found, NULL));
    *val = &m->vals[umap_slot(m, k)];
    return RP_OK;
}
