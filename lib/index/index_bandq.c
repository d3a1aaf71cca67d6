/* SPDX-License-Identifier: MIT */
/* index_bandq.c -- LSH band postings of recent contents, kept in memory until folded into
 * DB_BANDS.
 *
 * A new content's b band postings (32 at threshold 0.5) land on b random leaves of DB_BANDS,
 * and each dirties its branch path too: keeping them here took a one-document commit into the
 * Reuters index from 74 pages to 22.6 (strace, docs/benchmarks.md). So
 * the postings of units from DB_META "bpending" on live here instead, rebuilt from their stored
 * signatures (DB_SIGS) when the index opens, and are written to DB_BANDS in key order once
 * BANDS_FOLD_UNITS units wait, by a group commit (index_write.c), before a removal and at
 * close. Lookups add them to DB_BANDS's: units below "bpending" are in DB_BANDS, units from it
 * on here, and a reader takes only those below its snapshot's next unit, so a query sees what
 * its read transaction sees.
 *
 * Concurrency: the writer appends (and, when a batch or a group fails, pops) entries under mu;
 * readers look up under mu. Entries folded into DB_BANDS are dropped only when no reader holds
 * `snap` (a reader holds it shared from before its read transaction begins to its end), so a
 * reader whose snapshot predates a fold still finds them. */
#include <errno.h>  /* ENOMEM */
#include <string.h> /* memcpy */
#include "index_internal.h"

#define BQ_NONE UINT32_MAX

void rpi_bq_init(struct rpi_bandq *q)
{
    memset(q, 0, sizeof *q);
    pthread_mutex_init(&q->mu, NULL);
    pthread_rwlock_init(&q->snap, NULL);
}

void rpi_bq_free(struct rpi_bandq *q, const rp_alloc *al)
{
    rpi_free(al, q->ent);
    rpi_free(al, q->head);
    q->ent = NULL;
    q->head = NULL;
    pthread_mutex_destroy(&q->mu);
    pthread_rwlock_destroy(&q->snap);
}

static size_t bq_slot(const struct rpi_bandq *q, uint32_t band, uint64_t key)
{
    return (size_t)(rpi_mix64(key ^ ((uint64_t)band << 40 | band))) & (q->hcap - 1);
}

/* Heads again in head[hcap] (the old array freed unless it is head): entries prepended in
 * index order, as they were appended, so the newest entry of a chain is its head. */
static void rebuild(struct rpi_bandq *q, const rp_alloc *al, uint32_t *head, size_t hcap)
{
    if (q->head != head) rpi_free(al, q->head);
    q->head = head;
    q->hcap = hcap;
    for (size_t i = 0; i < hcap; i++)
        head[i] = BQ_NONE;
    for (size_t i = 0; i < q->len; i++) {
        const size_t s = bq_slot(q, q->ent[i].band, q->ent[i].key);
        q->ent[i].next = head[s];
        head[s] = (uint32_t)i;
    }
}

static rp_status rehash(struct rpi_bandq *q, const rp_alloc *al, size_t hcap)
{
    uint32_t *head = rpi_malloc(al, hcap * sizeof *head);
    if (!head) return RP_E_NOMEM;
    rebuild(q, al, head, hcap);
    return RP_OK;
}

rp_status rpi_bq_push(struct rpi_bandq *q, const rp_alloc *al, uint32_t band, uint64_t key,
                      uint64_t unit)
{
    rp_status st = RP_OK;
    pthread_mutex_lock(&q->mu);
    if (q->len + 1 >= BQ_NONE) {
        st = RP_E_TOO_BIG;
    } else if (q->len + 1 > q->cap) {
        const size_t cap = q->cap ? q->cap * 2 : 4096;
        struct rpi_bq_ent *e = rpi_realloc(al, q->ent, q->cap * sizeof *e, cap * sizeof *e);
        if (!e)
            st = RP_E_NOMEM;
        else
            q->ent = e, q->cap = cap;
    }
    if (st == RP_OK && (q->len + 1) * 2 > q->hcap) st = rehash(q, al, q->hcap ? q->hcap * 2 : 8192);
    if (st == RP_OK) {
        const size_t s = bq_slot(q, band, key);
        q->ent[q->len] = (struct rpi_bq_ent){key, unit, band, q->head[s]};
        q->head[s] = (uint32_t)q->len++;
    }
    pthread_mutex_unlock(&q->mu);
    return st;
}

size_t rpi_bq_mark(struct rpi_bandq *q)
{
    pthread_mutex_lock(&q->mu);
    const size_t n = q->len;
    pthread_mutex_unlock(&q->mu);
    return n;
}

void rpi_bq_truncate(struct rpi_bandq *q, size_t mark)
{
    pthread_mutex_lock(&q->mu);
    while (q->len > mark) { /* the newest entry of its chain: its head */
        const struct rpi_bq_ent *e = &q->ent[q->len - 1];
        const size_t s = bq_slot(q, e->band, e->key);
        assert(q->head[s] == q->len - 1);
        q->head[s] = e->next;
        q->len--;
    }
    pthread_mutex_unlock(&q->mu);
}

rp_status rpi_bq_lookup(struct rpi_bandq *q, uint32_t band, uint64_t key, uint64_t lo, uint64_t hi,
                        struct rpi_vec *out)
{
    rp_status st = RP_OK;
    pthread_mutex_lock(&q->mu);
    if (q->hcap)
        for (uint32_t i = q->head[bq_slot(q, band, key)]; i != BQ_NONE && st == RP_OK;
             i = q->ent[i].next) {
            const struct rpi_bq_ent *e = &q->ent[i];
            if (e->band == band && e->key == key && e->unit >= lo && e->unit < hi)
                st = rpi_vec_push(out, &e->unit);
        }
    pthread_mutex_unlock(&q->mu);
    return st;
}

/* A band's postings of units from lo on, for the fold (copied under mu). */
rp_status rpi_bq_collect(struct rpi_bandq *q, uint32_t band, uint64_t lo, struct rpi_vec *out)
{
    rp_status st = RP_OK;
    pthread_mutex_lock(&q->mu);
    for (size_t i = 0; i < q->len && st == RP_OK; i++)
        if (q->ent[i].band == band && q->ent[i].unit >= lo) st = rpi_vec_push(out, &q->ent[i]);
    pthread_mutex_unlock(&q->mu);
    return st;
}

int rpi_bq_prune(struct rpi_bandq *q, const uint64_t *below, int wait)
{
    if (wait)
        pthread_rwlock_wrlock(&q->snap);
    else if (pthread_rwlock_trywrlock(&q->snap) != 0)
        return 0;
    pthread_mutex_lock(&q->mu); /* compacted in place: nothing to allocate, nothing to fail */
    size_t n = 0;
    for (size_t i = 0; i < q->len; i++)
        if (q->ent[i].unit >= below[q->ent[i].band]) q->ent[n++] = q->ent[i];
    q->len = n;
    if (q->hcap) rebuild(q, NULL, q->head, q->hcap);
    pthread_mutex_unlock(&q->mu);
    pthread_rwlock_unlock(&q->snap);
    return 1;
}
