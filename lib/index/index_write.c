/* SPDX-License-Identifier: MIT */
/* index_write.c -- adding and removing documents in one LMDB write transaction per batch.
 *
 * The index keeps what the batch engine computes, per content (unit = exact group): the
 * signature, its LSH band keys (band key -> units postings), its verified edges, its leader and
 * its centre. Adding a document with new content looks its band keys up, verifies every
 * candidate by the MinHash estimate against the threshold exactly as engine_cluster.c does,
 * and stores the new edges; the edge set therefore equals the batch run's (as long as no band
 * bucket holds more than max_bucket units, see docs/index.md). Then the connected components
 * touched by the batch are reclustered with the batch engine's own star clustering
 * (rpi_cluster_star) over their units in keep order: star clustering of a graph is the union of
 * the star clusterings of its components (a unit's decision only looks at its neighbours, and
 * the visiting order restricted to a component is the global one), so the result equals
 * clustering everything from scratch. */
#include <errno.h>  /* EIO, ENOSPC */
#include <stdio.h>  /* snprintf */
#include <stdlib.h> /* qsort */
#include <string.h> /* memcpy, strlen */
#include <xxhash.h> /* XXH3_64bits_withSeed */
#include "index_internal.h"
#include "near/near_internal.h" /* rpi_cluster_star, rpi_cluster_keep_cmp */

/* ---- LMDB helpers -------------------------------------------------------------------------- */

int rpi_ix_put(rp_index *ix, MDB_txn *txn, int db, uint64_t key, const void *val, size_t size)
{
    unsigned char kb[8];
    put_be64(kb, key);
    return rpi_tx_put(ix, txn, db, kb, 8, val, size, 0);
}

int rpi_ix_del(rp_index *ix, MDB_txn *txn, int db, uint64_t key, const void *val, size_t size)
{
    unsigned char kb[8];
    put_be64(kb, key);
    const int rc = rpi_tx_del(ix, txn, db, kb, 8, val, size);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static rp_status counters_get(rp_index *ix, MDB_txn *txn, struct rpi_counters *c)
{
    memset(c, 0, sizeof *c);
    MDB_val v;
    const int rc = rpi_tx_get(ix, txn, DB_META, "counters", 8, &v);
    if (rc == MDB_NOTFOUND) return RP_OK;
    if (rc) return rpi_ix_mdb(rc, "counters");
    if (v.mv_size < 24) return rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "bad counters");
    const unsigned char *p = v.mv_data;
    c->next_doc = get_le64(p);
    c->next_unit = get_le64(p + 8);
    c->n_empty = get_le64(p + 16);
    return RP_OK;
}

static int counters_put(rp_index *ix, MDB_txn *txn, const struct rpi_counters *c)
{
    unsigned char b[24];
    put_le64(b, c->next_doc);
    put_le64(b + 8, c->next_unit);
    put_le64(b + 16, c->n_empty);
    return rpi_tx_put(ix, txn, DB_META, "counters", 8, b, 24, 0);
}

#define TRY_MDB(expr, what)                                                                        \
    do {                                                                                           \
        const int rc_ = (expr);                                                                    \
        if (rc_) return rpi_ix_mdb(rc_, what);                                                     \
    } while (0)

/* Keep-order key of a stored document. The id points into LMDB memory: use before writing. */
static rp_status doc_key(rp_index *ix, MDB_txn *txn, uint64_t docno, struct order_key *k)
{
    MDB_val dv;
    const rp_status st = rpi_ix_get(ix, txn, DB_DOCS, docno, &dv);
    if (st != RP_OK)
        return rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "document %llu missing",
                           (unsigned long long)docno);
    const unsigned char *p = dv.mv_data;
    *k = (struct order_key){get_le64(p + DOC_NORM_SIZE),  get_le64(p + DOC_H0),
                            get_le64(p + DOC_H1),         (int64_t)get_le64(p + DOC_DATE),
                            (const char *)p + DOC_HEADER, (uint32_t)docno};
    return RP_OK;
}

static void band_key(const rp_index *ix, const uint32_t *sig, uint32_t b, unsigned char out[12])
{
    const uint32_t r = ix->cfg.rows;
    const uint64_t h = XXH3_64bits_withSeed(sig + (size_t)b * r, r * sizeof *sig, b);
    out[0] = (unsigned char)(b >> 24);
    out[1] = (unsigned char)(b >> 16);
    out[2] = (unsigned char)(b >> 8);
    out[3] = (unsigned char)b;
    put_be64(out + 4, h);
}

/* ---- pending band postings (index_bandq.c) ------------------------------------------------ */

/* A band's postings are written to DB_BANDS when its oldest pending unit is BANDS_FOLD_UNITS
 * units old, one band per group commit: a band's postings are a contiguous key range (the band
 * number leads the key), 1/32 of DB_BANDS's leaves, so a fold writes those once (8,192
 * postings over ~204 of the 6,524 leaves of the Reuters index, 0.8 MB: ~0.8 page per add)
 * instead of every leaf of DB_BANDS at once. Memory: (8,192 + the lag of 32 groups) x 32
 * postings x 24 bytes, about 7 MB. */
#define BANDS_FOLD_UNITS 8192
#define BPENDING_KEY "bpending" /* DB_META: per band, the first unit whose posting is pending */

/* f[b] (bands values): band b's postings of units from f[b] on are in ix->bq, not DB_BANDS.
 * *present is 0 when nothing is pending (every f[b] is then RPI_IX_NONE). */
static rp_status bpending_get(rp_index *ix, MDB_txn *txn, uint64_t *f, int *present)
{
    MDB_val v;
    const uint32_t nb = ix->cfg.bands;
    *present = 0;
    for (uint32_t b = 0; b < nb; b++)
        f[b] = RPI_IX_NONE;
    const int rc = rpi_tx_get(ix, txn, DB_META, BPENDING_KEY, 8, &v);
    if (rc == MDB_NOTFOUND) return RP_OK;
    if (rc) return rpi_ix_mdb(rc, "pending bands");
    if (v.mv_size != (size_t)nb * 8)
        return rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "bad pending bands");
    for (uint32_t b = 0; b < nb; b++)
        f[b] = get_le64((const unsigned char *)v.mv_data + 8 * b);
    *present = 1;
    return RP_OK;
}

static int bpending_put(rp_index *ix, MDB_txn *txn, const uint64_t *f)
{
    const uint32_t nb = ix->cfg.bands;
    unsigned char *p = rpi_malloc(ix->alloc, (size_t)nb * 8 + 1);
    if (!p) return ENOMEM;
    for (uint32_t b = 0; b < nb; b++)
        put_le64(p + 8 * b, f[b]);
    const int rc = rpi_tx_put(ix, txn, DB_META, BPENDING_KEY, 8, p, (size_t)nb * 8, 0);
    rpi_free(ix->alloc, p);
    return rc;
}

/* The next unit number of a query's snapshot (its own writes are in the overlay). */
static rp_status snapshot_next_unit(rp_index *ix, MDB_txn *txn, uint64_t *next)
{
    MDB_val k = {8, (void *)"counters"}, v;
    const int rc = mdb_get(txn, ix->dbi[DB_META], &k, &v);
    *next = 0;
    if (rc == MDB_NOTFOUND) return RP_OK;
    if (rc) return rpi_ix_mdb(rc, "counters");
    if (v.mv_size < 24) return rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "bad counters");
    *next = get_le64((const unsigned char *)v.mv_data + 8);
    return RP_OK;
}

static int cmp_bq(const void *a, const void *b)
{
    const struct rpi_bq_ent *x = a, *y = b;
    if (x->band != y->band) return x->band < y->band ? -1 : 1;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->unit < y->unit ? -1 : x->unit > y->unit;
}

rp_status rpi_ix_bands_fold(rp_index *ix, MDB_txn *txn, int force, uint64_t *below, int *folded)
{
    *folded = 0;
    const uint32_t nb = ix->cfg.bands;
    uint64_t f[RPI_IX_MAX_BANDS]; /* no allocation unless folding: a group's fold can fail alone */
    int present;
    struct rpi_counters ctr;
    struct rpi_vec all;
    rpi_vec_init(&all, sizeof(struct rpi_bq_ent), ix->alloc);
    rp_status st = bpending_get(ix, txn, f, &present);
    if (st == RP_OK && present) st = counters_get(ix, txn, &ctr);
    uint32_t oldest = 0;
    for (uint32_t b = 1; b < nb; b++)
        if (f[b] < f[oldest]) oldest = b;
    if (st != RP_OK || !present || (!force && ctr.next_unit - f[oldest] < BANDS_FOLD_UNITS))
        goto out;
    for (uint32_t b = 0; b < nb && st == RP_OK; b++) {
        if (!force && b != oldest) continue;
        all.len = 0;
        st = rpi_bq_collect(&ix->bq, b, f[b], &all);
        /* key order: each leaf of the band's range written once */
        if (st == RP_OK && all.len > 1) qsort(all.ptr, all.len, sizeof(struct rpi_bq_ent), cmp_bq);
        for (size_t i = 0; i < all.len && st == RP_OK; i++) {
            const struct rpi_bq_ent *e = &RPI_VEC_AT(&all, struct rpi_bq_ent, i);
            if (e->unit >= ctr.next_unit) continue; /* cannot be: uncommitted units */
            unsigned char bk[12], ub[8];
            bk[0] = (unsigned char)(e->band >> 24);
            bk[1] = (unsigned char)(e->band >> 16);
            bk[2] = (unsigned char)(e->band >> 8);
            bk[3] = (unsigned char)e->band;
            put_be64(bk + 4, e->key);
            put_be64(ub, e->unit);
            const int rc = rpi_tx_put(ix, txn, DB_BANDS, bk, 12, ub, 8, MDB_NODUPDATA);
            if (rc && rc != MDB_KEYEXIST) st = rpi_ix_mdb(rc, "bands");
        }
        f[b] = ctr.next_unit;
        if (below) below[b] = ctr.next_unit;
    }
    int all_done = 1;
    for (uint32_t b = 0; b < nb; b++)
        all_done &= f[b] >= ctr.next_unit;
    if (st == RP_OK) {
        const int rc = all_done ? rpi_tx_del(ix, txn, DB_META, BPENDING_KEY, 8, NULL, 0)
                                : bpending_put(ix, txn, f);
        if (rc && rc != MDB_NOTFOUND) st = rpi_ix_mdb(rc, "pending bands");
    }
    if (st == RP_OK) *folded = 1;
out:
    rpi_vec_free(&all);
    return st;
}

rp_status rpi_ix_bands_load(rp_index *ix)
{
    const uint32_t nb = ix->cfg.bands;
    ix->bq_below = rpi_calloc(ix->alloc, (size_t)nb + 1, sizeof *ix->bq_below);
    uint64_t *f = rpi_malloc(ix->alloc, ((size_t)nb + 1) * sizeof *f);
    if (!ix->bq_below || !f) {
        rpi_free(ix->alloc, f);
        return RP_E_NOMEM;
    }
    MDB_txn *txn;
    const int rc0 = mdb_txn_begin(ix->env, NULL, MDB_RDONLY, &txn);
    if (rc0) {
        rpi_free(ix->alloc, f);
        return rpi_ix_mdb(rc0, "begin");
    }
    int present;
    rp_status st = bpending_get(ix, txn, f, &present);
    uint64_t first = RPI_IX_NONE;
    for (uint32_t b = 0; b < nb; b++)
        first = f[b] < first ? f[b] : first;
    MDB_cursor *cur = NULL;
    if (st == RP_OK && present) {
        const int rc = mdb_cursor_open(txn, ix->dbi[DB_SIGS], &cur);
        if (rc) st = rpi_ix_mdb(rc, "cursor");
    }
    const size_t k = ix->cfg.num_perm;
    uint32_t *sig = cur ? rpi_malloc(ix->alloc, k * sizeof *sig) : NULL;
    if (cur && !sig) st = RP_E_NOMEM;
    unsigned char kb[8];
    put_be64(kb, first);
    MDB_val key = {8, kb}, v;
    int rc = cur && st == RP_OK ? mdb_cursor_get(cur, &key, &v, MDB_SET_RANGE) : MDB_NOTFOUND;
    for (; rc == 0 && st == RP_OK; rc = mdb_cursor_get(cur, &key, &v, MDB_NEXT)) {
        if (v.mv_size != k * 4) continue;
        const uint64_t u = get_be64(key.mv_data);
        for (size_t j = 0; j < k; j++)
            sig[j] = get_le32((const unsigned char *)v.mv_data + 4 * j);
        for (uint32_t b = 0; b < nb && st == RP_OK; b++) {
            if (u < f[b]) continue; /* in DB_BANDS */
            unsigned char bk[12];
            band_key(ix, sig, b, bk);
            st = rpi_bq_push(&ix->bq, ix->alloc, b, get_be64(bk + 4), u);
        }
    }
    if (st == RP_OK && rc && rc != MDB_NOTFOUND) st = rpi_ix_mdb(rc, "signatures");
    rpi_free(ix->alloc, sig);
    rpi_free(ix->alloc, f);
    if (cur) mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return st;
}

/* After a commit that folded (or with stale entries left by an earlier one): drop the folded
 * entries once no query holds a snapshot from before the fold; block only when they pile up. */
static void bands_prune(rp_index *ix)
{
    if (!ix->bq_stale || !ix->bq_below) return;
    const int wait = rpi_bq_mark(&ix->bq) > (size_t)4 * BANDS_FOLD_UNITS * ix->cfg.bands;
    if (rpi_bq_prune(&ix->bq, ix->bq_below, wait)) ix->bq_stale = 0;
}

/* ---- reclustering ---------------------------------------------------------------------- */

struct rawedge {
    uint64_t a, b;
    float score;
};

/* Recluster the connected components containing the seed units (deleted seeds are ignored). */
static rp_status recluster(rp_index *ix, MDB_txn *txn, const struct rpi_umap *seeds)
{
    const rp_alloc *al = ix->alloc;
    struct rpi_umap loc, byleader;
    rpi_umap_init(&loc, al);
    rpi_umap_init(&byleader, al);
    struct rpi_vec units, raw, idbuf;
    rpi_vec_init(&units, sizeof(uint64_t), al);
    rpi_vec_init(&raw, sizeof(struct rawedge), al);
    rpi_vec_init(&idbuf, 1, al);
    struct order_key *keys = NULL;
    uint64_t *ndocs = NULL;
    uint32_t *rank = NULL, *center = NULL, *local_of_rank = NULL;
    float *cscore = NULL;
    struct rpi_edge *edges = NULL;
    size_t *idoff = NULL;
    uint64_t *cdocs = NULL;
    struct rpi_vec nb; /* one unit's edges: neighbour BE + score */
    rpi_vec_init(&nb, 12, al);
    rp_status st = RP_OK;
    int rc;
    for (size_t i = 0; i < seeds->cap; i++) {
        const uint64_t s = seeds->keys[i];
        MDB_val uv;
        int found;
        if (s == RPI_IX_NONE || rpi_ix_get(ix, txn, DB_UNITS, s, &uv) != RP_OK) continue;
        RP_TRY_GOTO(st, rpi_umap_put(&loc, s, (uint32_t)units.len, &found, NULL), out);
        if (!found) RP_TRY_GOTO(st, rpi_vec_push(&units, &s), out);
    }
    /* breadth-first over stored edges */
    for (size_t i = 0; i < units.len; i++) {
        const uint64_t u = RPI_VEC_AT(&units, uint64_t, i);
        unsigned char kb[8];
        put_be64(kb, u);
        nb.len = 0;
        RP_TRY_GOTO(st, rpi_tx_dups(ix, txn, DB_EDGES, kb, 8, SIZE_MAX, &nb), out);
        for (size_t j = 0; j < nb.len; j++) {
            const unsigned char *v = (const unsigned char *)nb.ptr + 12 * j;
            const uint64_t w = get_be64(v);
            int found;
            RP_TRY_GOTO(st, rpi_umap_put(&loc, w, (uint32_t)units.len, &found, NULL), out);
            if (!found) RP_TRY_GOTO(st, rpi_vec_push(&units, &w), out);
            if (u < w) {
                struct rawedge e = {u, w, get_f32(v + 8)};
                RP_TRY_GOTO(st, rpi_vec_push(&raw, &e), out);
            }
        }
    }
    const size_t n = units.len;
    if (n == 0) goto out;
    keys = rpi_malloc(al, n * sizeof *keys);
    ndocs = rpi_malloc(al, n * sizeof *ndocs);
    rank = rpi_malloc(al, n * sizeof *rank);
    center = rpi_malloc(al, n * sizeof *center);
    cscore = rpi_malloc(al, n * sizeof *cscore);
    idoff = rpi_malloc(al, n * sizeof *idoff);
    edges = rpi_malloc(al, (raw.len ? raw.len : 1) * sizeof *edges);
    local_of_rank = rpi_malloc(al, n * sizeof *local_of_rank);
    cdocs = rpi_calloc(al, n, sizeof *cdocs);
    if (!keys || !ndocs || !rank || !center || !cscore || !idoff || !edges || !local_of_rank ||
        !cdocs) {
        st = RP_E_NOMEM;
        goto out;
    }
    /* keep-order keys of the units (their leaders); ids copied: LMDB pointers are invalidated
     * by the writes below */
    for (size_t i = 0; i < n; i++) {
        MDB_val uv;
        const uint64_t u = RPI_VEC_AT(&units, uint64_t, i);
        if (rpi_ix_get(ix, txn, DB_UNITS, u, &uv) != RP_OK) {
            st = rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "unit %llu missing",
                             (unsigned long long)u);
            goto out;
        }
        const uint64_t leader = get_le64((const unsigned char *)uv.mv_data + UNIT_LEADER);
        ndocs[i] = get_le64((const unsigned char *)uv.mv_data + UNIT_N_DOCS);
        RP_TRY_GOTO(st, doc_key(ix, txn, leader, &keys[i]), out);
        idoff[i] = idbuf.len;
        const size_t len = strlen(keys[i].id) + 1;
        RP_TRY_GOTO(st, rpi_vec_reserve(&idbuf, len), out);
        memcpy((char *)idbuf.ptr + idbuf.len, keys[i].id, len);
        idbuf.len += len;
        RP_TRY_GOTO(st, rpi_umap_put(&byleader, (uint32_t)leader, (uint32_t)i, NULL, NULL), out);
    }
    for (size_t i = 0; i < n; i++)
        keys[i].id = (const char *)idbuf.ptr + idoff[i];
    if (n) qsort(keys, n, sizeof *keys, rpi_cluster_keep_cmp(ix->cfg.keep));
    for (size_t r = 0; r < n; r++) {
        uint32_t l = 0;
        rpi_umap_get(&byleader, keys[r].doc, &l);
        rank[l] = (uint32_t)r;
        local_of_rank[r] = l;
    }
    for (size_t j = 0; j < raw.len; j++) {
        const struct rawedge *e = &RPI_VEC_AT(&raw, struct rawedge, j);
        uint32_t la = 0, lb = 0;
        rpi_umap_get(&loc, e->a, &la);
        rpi_umap_get(&loc, e->b, &lb);
        const uint32_t ra = rank[la], rb = rank[lb];
        edges[j] = (struct rpi_edge){ra < rb ? ra : rb, ra < rb ? rb : ra, e->score};
    }
    RP_TRY_GOTO(st, rpi_cluster_star(al, (uint32_t)n, edges, raw.len, center, cscore), out);
    /* documents per cluster, then write back what changed */
    for (size_t r = 0; r < n; r++)
        cdocs[center[r]] += ndocs[local_of_rank[r]];
    for (size_t r = 0; r < n && st == RP_OK; r++) {
        const uint32_t l = local_of_rank[r];
        const uint64_t u = RPI_VEC_AT(&units, uint64_t, l);
        const uint64_t c = RPI_VEC_AT(&units, uint64_t, local_of_rank[center[r]]);
        MDB_val uv;
        unsigned char rec[UNIT_SIZE];
        if (rpi_ix_get(ix, txn, DB_UNITS, u, &uv) != RP_OK) continue;
        memcpy(rec, uv.mv_data, UNIT_SIZE);
        const uint64_t old_c = get_le64(rec + UNIT_CENTER);
        const uint64_t cd = center[r] == r ? cdocs[r] : 0;
        if (old_c == c && get_f32(rec + UNIT_SCORE) == cscore[r] &&
            get_le64(rec + UNIT_CLUSTER_DOCS) == cd)
            continue;
        put_le64(rec + UNIT_CENTER, c);
        put_f32(rec + UNIT_SCORE, cscore[r]);
        put_le64(rec + UNIT_CLUSTER_DOCS, cd);
        unsigned char ub[8];
        put_be64(ub, u);
        rc = rpi_ix_put(ix, txn, DB_UNITS, u, rec, UNIT_SIZE);
        if (!rc && old_c != c) rc = rpi_ix_del(ix, txn, DB_STARS, old_c, ub, 8);
        if (!rc && old_c != c) rc = rpi_ix_put(ix, txn, DB_STARS, c, ub, 8);
        if (rc) st = rpi_ix_mdb(rc, "write cluster");
    }
out:
    rpi_vec_free(&nb);
    rpi_umap_free(&loc);
    rpi_umap_free(&byleader);
    rpi_vec_free(&units);
    rpi_vec_free(&raw);
    rpi_vec_free(&idbuf);
    rpi_free(al, keys);
    rpi_free(al, ndocs);
    rpi_free(al, rank);
    rpi_free(al, center);
    rpi_free(al, cscore);
    rpi_free(al, edges);
    rpi_free(al, idoff);
    rpi_free(al, local_of_rank);
    rpi_free(al, cdocs);
    return st;
}

/* ---- adding ---------------------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* A new content: signature, band postings, verified edges, term frequencies. A query's band
 * postings go to its overlay only when a later document of its batch may look them up (last:
 * none will; nothing else of the add path reads DB_BANDS): 32 overlay puts, each checking the
 * snapshot, saved per one-document query. */
static rp_status add_unit(rp_index *ix, MDB_txn *txn, uint64_t u, const struct rpi_ixdoc *d,
                          struct rpi_vec *cands, int last)
{
    const rp_config *c = &ix->cfg;
    unsigned char ub[8];
    put_be64(ub, u);
    if (d->sig) {
        const size_t k = c->num_perm;
        unsigned char *sb = rpi_malloc(ix->alloc, k * 4);
        if (!sb) return RP_E_NOMEM;
        for (size_t i = 0; i < k; i++)
            put_le32(sb + 4 * i, d->sig[i]);
        const int rc = rpi_ix_put(ix, txn, DB_SIGS, u, sb, k * 4);
        rpi_free(ix->alloc, sb);
        TRY_MDB(rc, "signature");
        /* postings of units from bfirst on are in ix->bq (index_bandq.c); a query (overlay)
         * takes those its snapshot holds and keeps its own in the overlay */
        const int query = rpi_tx_overlaid(txn);
        uint64_t hi = UINT64_MAX;
        uint64_t bfirst[RPI_IX_MAX_BANDS];
        int present;
        rp_status bst = bpending_get(ix, txn, bfirst, &present);
        if (bst == RP_OK && query && present) bst = snapshot_next_unit(ix, txn, &hi);
        cands->len = 0;
        int rc2 = 0;
        for (uint32_t b = 0; b < c->bands && !rc2 && bst == RP_OK; b++) {
            unsigned char bk[12];
            band_key(ix, d->sig, b, bk);
            /* a bucket's first max_bucket units (in content order) are candidates */
            const size_t from = cands->len;
            bst = rpi_tx_dups(ix, txn, DB_BANDS, bk, 12, c->max_bucket, cands);
            for (size_t j = from; j < cands->len; j++) { /* stored big-endian */
                uint64_t *w = &RPI_VEC_AT(cands, uint64_t, j);
                *w = get_be64((const unsigned char *)w);
            }
            if (bst == RP_OK && present) {
                bst = rpi_bq_lookup(&ix->bq, b, get_be64(bk + 4), bfirst[b], hi, cands);
                uint64_t *cv = &RPI_VEC_AT(cands, uint64_t, from);
                const size_t m = cands->len - from;
                if (m > 1) rpi_qsort_u64(cv, m);
                if (m > c->max_bucket) cands->len = from + c->max_bucket;
            }
            if (bst != RP_OK) break;
            if (query && !last) {
                rc2 = rpi_tx_put(ix, txn, DB_BANDS, bk, 12, ub, 8, MDB_NODUPDATA);
                if (rc2 == MDB_KEYEXIST) rc2 = 0;
            } else if (!query) {
                bst = rpi_bq_push(&ix->bq, ix->alloc, b, get_be64(bk + 4), u);
            }
        }
        if (bst == RP_OK && !rc2 && !query && !present) { /* every band pending from u on */
            for (uint32_t b = 0; b < c->bands; b++)
                bfirst[b] = u;
            rc2 = bpending_put(ix, txn, bfirst);
        }
        RP_TRY(bst);
        TRY_MDB(rc2, "bands");
        uint64_t *cv = cands->ptr;
        if (cands->len) qsort(cv, cands->len, sizeof *cv, cmp_u64);
        /* story level: band neighbours are story candidates, scored there; no near edges */
        if (c->level == RP_LEVEL_STORY) goto terms;
        uint32_t *other = rpi_malloc(ix->alloc, k * sizeof *other);
        if (!other) return RP_E_NOMEM;
        for (size_t i = 0; i < cands->len; i++) {
            if (i && cv[i] == cv[i - 1]) continue;
            MDB_val sv;
            if (rpi_ix_get(ix, txn, DB_SIGS, cv[i], &sv) != RP_OK || sv.mv_size != k * 4) continue;
            for (size_t j = 0; j < k; j++)
                other[j] = get_le32((const unsigned char *)sv.mv_data + 4 * j);
            const double est = rp_minhash_similarity(d->sig, other, (uint32_t)k);
            if (est + 1e-12 < c->threshold) continue; /* as engine_cluster.c lsh_thread */
            unsigned char e1[12], e2[12];
            put_be64(e1, cv[i]);
            put_f32(e1 + 8, (float)est);
            put_be64(e2, u);
            put_f32(e2 + 8, (float)est);
            int rc3 = rpi_ix_put(ix, txn, DB_EDGES, u, e1, 12);
            if (!rc3) rc3 = rpi_ix_put(ix, txn, DB_EDGES, cv[i], e2, 12);
            if (rc3) {
                rpi_free(ix->alloc, other);
                return rpi_ix_mdb(rc3, "edges");
            }
        }
        rpi_free(ix->alloc, other);
    }
terms:
    if (c->level == RP_LEVEL_STORY) return rpi_ixs_add_unit(ix, txn, u, d, cands->ptr, cands->len);
    return rpi_ix_terms_add(ix, txn, u, d->terms, d->n_terms);
}

/* ---- document frequencies of terms ---------------------------------------------------------
 * At the exact and near levels the frequencies in DB_TERMS are only counted for the statistics
 * (`terms`); nothing clusters by them. Counting one content's ~100 distinct terms in place
 * dirtied one random B-tree leaf each, about a third of the pages an add wrote (docs/index.md,
 * "Cost of an add"). So these levels store a new content's term list (DB_UTERMS, appended) and
 * leave its frequencies pending: DB_META "tpending" names the first unit not yet counted, and
 * every TERMS_FOLD_UNITS new units the group commit counts the pending lists in at once, in
 * key order (rpi_ix_terms_fold), as does closing a writable index. The statistics add the
 * pending terms (rpi_ix_terms_pending), so `terms` is the same number as with counting in
 * place. The story level scores by the frequencies, so it counts in place. */
#define TERMS_FOLD_UNITS 1024
#define TPENDING_KEY "tpending"

static int terms_deferred(const rp_index *ix) { return ix->cfg.level != RP_LEVEL_STORY; }

/* The first unit whose terms are not counted yet; RPI_IX_NONE when every one is. */
static rp_status tpending_get(rp_index *ix, MDB_txn *txn, uint64_t *first)
{
    MDB_val v;
    *first = RPI_IX_NONE;
    const int rc = rpi_tx_get(ix, txn, DB_META, TPENDING_KEY, 8, &v);
    if (rc == MDB_NOTFOUND) return RP_OK;
    if (rc) return rpi_ix_mdb(rc, "pending terms");
    if (v.mv_size != 8) return rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "bad pending terms");
    *first = get_le64(v.mv_data);
    return RP_OK;
}

rp_status rpi_ix_terms_add(rp_index *ix, MDB_txn *txn, uint64_t u, const uint64_t *terms, size_t n)
{
    /* document frequencies of terms, counted per content (docs/index.md) */
    if (terms_deferred(ix) && n) {
        uint64_t first;
        RP_TRY(tpending_get(ix, txn, &first));
        if (first == RPI_IX_NONE) {
            unsigned char b8[8];
            put_le64(b8, u);
            TRY_MDB(rpi_tx_put(ix, txn, DB_META, TPENDING_KEY, 8, b8, 8, 0), "pending terms");
        }
    }
    for (size_t i = 0; i < n && !terms_deferred(ix); i++) {
        MDB_val tv;
        uint64_t df = 0;
        if (rpi_ix_get(ix, txn, DB_TERMS, terms[i], &tv) == RP_OK && tv.mv_size == 8)
            df = get_le64(tv.mv_data);
        unsigned char b8[8];
        put_le64(b8, df + 1);
        TRY_MDB(rpi_ix_put(ix, txn, DB_TERMS, terms[i], b8, 8), "terms");
    }
    if (n) {
        unsigned char *tb = rpi_malloc(ix->alloc, n * 8);
        if (!tb) return RP_E_NOMEM;
        for (size_t i = 0; i < n; i++)
            put_le64(tb + 8 * i, terms[i]);
        const int rc = rpi_ix_put(ix, txn, DB_UTERMS, u, tb, n * 8);
        rpi_free(ix->alloc, tb);
        TRY_MDB(rc, "terms");
    }
    return RP_OK;
}

/* The pending term lists (units from *first on): each distinct term once in *count with its
 * number of contents. */
static rp_status terms_pending_count(rp_index *ix, MDB_txn *txn, uint64_t first,
                                     struct rpi_umap *count)
{
    MDB_cursor *cur;
    TRY_MDB(mdb_cursor_open(txn, ix->dbi[DB_UTERMS], &cur), "cursor");
    unsigned char kb[8];
    put_be64(kb, first);
    MDB_val k = {8, kb}, v;
    rp_status st = RP_OK;
    int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    for (; rc == 0 && st == RP_OK; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        for (size_t i = 0; i + 8 <= v.mv_size && st == RP_OK; i += 8) {
            uint32_t *n;
            st = rpi_umap_ref(count, get_le64((const unsigned char *)v.mv_data + i), &n);
            if (st == RP_OK) (*n)++;
        }
    mdb_cursor_close(cur);
    if (st == RP_OK && rc != MDB_NOTFOUND) st = rpi_ix_mdb(rc, "terms");
    return st;
}

rp_status rpi_ix_terms_pending(rp_index *ix, MDB_txn *txn, uint64_t *n_new)
{
    *n_new = 0;
    uint64_t first;
    RP_TRY(tpending_get(ix, txn, &first));
    if (first == RPI_IX_NONE) return RP_OK;
    struct rpi_umap count;
    rpi_umap_init(&count, ix->alloc);
    rp_status st = terms_pending_count(ix, txn, first, &count);
    for (size_t i = 0; i < count.cap && st == RP_OK; i++) {
        MDB_val tv;
        if (count.keys[i] == RPI_IX_NONE) continue;
        const rp_status g = rpi_ix_get(ix, txn, DB_TERMS, count.keys[i], &tv);
        if (g == RP_DONE)
            ++*n_new;
        else if (g != RP_OK)
            st = g;
    }
    rpi_umap_free(&count);
    return st;
}

rp_status rpi_ix_terms_fold(rp_index *ix, MDB_txn *txn, int force)
{
    uint64_t first;
    struct rpi_counters ctr;
    RP_TRY(tpending_get(ix, txn, &first));
    if (first == RPI_IX_NONE) return RP_OK;
    RP_TRY(counters_get(ix, txn, &ctr));
    if (!force && ctr.next_unit - first < TERMS_FOLD_UNITS) return RP_OK;
    struct rpi_umap count;
    rpi_umap_init(&count, ix->alloc);
    uint64_t *keys = NULL;
    rp_status st = terms_pending_count(ix, txn, first, &count);
    if (st == RP_OK) {
        keys = rpi_malloc(ix->alloc, (count.len ? count.len : 1) * sizeof *keys);
        if (!keys) st = RP_E_NOMEM;
    }
    size_t nk = 0;
    for (size_t i = 0; i < count.cap && st == RP_OK; i++)
        if (count.keys[i] != RPI_IX_NONE) keys[nk++] = count.keys[i];
    if (st == RP_OK) rpi_qsort_u64(keys, nk); /* key order: neighbouring leaves, once each */
    for (size_t i = 0; i < nk && st == RP_OK; i++) {
        MDB_val tv;
        uint64_t df = 0;
        uint32_t add = 0;
        rpi_umap_get(&count, keys[i], &add);
        if (rpi_ix_get(ix, txn, DB_TERMS, keys[i], &tv) == RP_OK && tv.mv_size == 8)
            df = get_le64(tv.mv_data);
        unsigned char b8[8];
        put_le64(b8, df + add);
        const int rc = rpi_ix_put(ix, txn, DB_TERMS, keys[i], b8, 8);
        if (rc) st = rpi_ix_mdb(rc, "terms");
    }
    if (st == RP_OK) {
        const int rc = rpi_tx_del(ix, txn, DB_META, TPENDING_KEY, 8, NULL, 0);
        if (rc && rc != MDB_NOTFOUND) st = rpi_ix_mdb(rc, "pending terms");
    }
    rpi_free(ix->alloc, keys);
    rpi_umap_free(&count);
    return st;
}

static rp_status add_doc(rp_index *ix, MDB_txn *txn, struct rpi_counters *ctr,
                         const struct rpi_ixdoc *d, uint64_t docno, struct rpi_umap *seeds,
                         struct rpi_vec *cands, int last)
{
    const size_t id_len = strlen(d->id);
    uint64_t unit = RPI_IX_NONE;
    unsigned char db[8];
    put_be64(db, docno);
    if (d->n_tokens == 0) {
        ctr->n_empty++;
    } else {
        unsigned char hk[16];
        put_le64(hk, d->h0);
        put_le64(hk + 8, d->h1);
        MDB_val v;
        int rc = rpi_tx_get(ix, txn, DB_CONTENTS, hk, 16, &v);
        unsigned char rec[UNIT_SIZE];
        if (rc == 0) { /* an exact copy of stored content */
            unit = get_le64(v.mv_data);
            MDB_val uv;
            if (rpi_ix_get(ix, txn, DB_UNITS, unit, &uv) != RP_OK)
                return rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "unit missing");
            memcpy(rec, uv.mv_data, UNIT_SIZE);
            put_le64(rec + UNIT_N_DOCS, get_le64(rec + UNIT_N_DOCS) + 1);
            struct order_key lk, nk = {d->norm_size, d->h0, d->h1, d->date, d->id, (uint32_t)docno};
            RP_TRY(doc_key(ix, txn, get_le64(rec + UNIT_LEADER), &lk));
            if (rpi_cluster_keep_cmp(ix->cfg.keep)(&nk, &lk) < 0)
                put_le64(rec + UNIT_LEADER, docno);
            TRY_MDB(rpi_ix_put(ix, txn, DB_UNITS, unit, rec, UNIT_SIZE), "unit");
            if (ix->cfg.level == RP_LEVEL_STORY) RP_TRY(rpi_ixs_docs_delta(ix, txn, unit, 1));
        } else if (rc == MDB_NOTFOUND) {
            unit = ctr->next_unit++;
            unsigned char ub[8];
            put_le64(ub, unit);
            TRY_MDB(rpi_tx_put(ix, txn, DB_CONTENTS, hk, 16, ub, 8, 0), "content");
            memset(rec, 0, sizeof rec);
            put_le64(rec + UNIT_H0, d->h0);
            put_le64(rec + UNIT_H1, d->h1);
            put_le64(rec + UNIT_LEADER, docno);
            put_le64(rec + UNIT_N_DOCS, 1);
            put_le64(rec + UNIT_CENTER, unit);
            put_le64(rec + UNIT_CLUSTER_DOCS, 1);
            TRY_MDB(rpi_ix_put(ix, txn, DB_UNITS, unit, rec, UNIT_SIZE), "unit");
            put_be64(ub, unit);
            TRY_MDB(rpi_ix_put(ix, txn, DB_STARS, unit, ub, 8), "stars");
            RP_TRY(add_unit(ix, txn, unit, d, cands, last));
        } else {
            return rpi_ix_mdb(rc, "content");
        }
        TRY_MDB(rpi_ix_put(ix, txn, DB_MEMBERS, unit, db, 8), "members");
        RP_TRY(rpi_umap_put(seeds, unit, 0, NULL, NULL));
    }
    const size_t size = DOC_HEADER + id_len + 1;
    unsigned char *rec = rpi_calloc(ix->alloc, 1, size);
    if (!rec) return RP_E_NOMEM;
    put_le64(rec + DOC_UNIT, unit);
    put_le64(rec + DOC_H0, d->h0);
    put_le64(rec + DOC_H1, d->h1);
    put_le64(rec + DOC_NORM_SIZE, d->norm_size);
    put_le64(rec + DOC_N_TOKENS, d->n_tokens);
    put_le64(rec + DOC_DATE, (uint64_t)d->date);
    put_le64(rec + DOC_TEXT_SIZE, d->text_size);
    put_le32(rec + DOC_FLAGS, d->flags);
    put_le32(rec + DOC_ID_LEN, (uint32_t)id_len);
    memcpy(rec + DOC_HEADER, d->id, id_len);
    int rc = rpi_ix_put(ix, txn, DB_DOCS, docno, rec, size);
    rpi_free(ix->alloc, rec);
    TRY_MDB(rc, "document");
    unsigned char ik[8];
    put_le64(ik, rpi_ix_id_key(d->id, id_len));
    TRY_MDB(rpi_tx_put(ix, txn, DB_IDS, ik, 8, db, 8, 0), "ids");
    return RP_OK;
}

rp_status rpi_ix_begin_write(rp_index *ix, MDB_txn **txn)
{
    rpi_ix_clear();
    if (ix->read_only) return rpi_ix_fail(RP_E_INVALID, RP_INDEX_E_NONE, "index opened read-only");
    pthread_mutex_lock(&ix->write_mu);
    const int rc = mdb_txn_begin(ix->env, NULL, 0, txn);
    if (rc) {
        pthread_mutex_unlock(&ix->write_mu);
        return rpi_ix_mdb(rc, "begin");
    }
    return RP_OK;
}

/* rpi_ix_end_write without releasing the writer mutex; with sync 0 without the sync that makes
 * the commit durable (MDB_NOMETASYNC: index_open.c), which the caller then owes */
static rp_status end_txn(rp_index *ix, MDB_txn *txn, rp_status st, int keep, int sync)
{
    if (st == RP_OK && keep) {
        int rc = mdb_txn_commit(txn);
        if (rc == EIO && rpi_ix_disk_short(ix))
            st = rpi_ix_mdb(ENOSPC, "commit: short write");
        else if (rc)
            st = rpi_ix_mdb(rc, "commit");
        else if (sync && (rc = mdb_env_sync(ix->env, 1)) != 0)
            st = rpi_ix_mdb(rc, "sync");
    } else {
        mdb_txn_abort(txn);
    }
    return st;
}

int rpi_ix_commit_sync(rp_index *ix, MDB_txn *txn)
{
    const int rc = mdb_txn_commit(txn);
    return rc ? rc : mdb_env_sync(ix->env, 1);
}

rp_status rpi_ix_end_write(rp_index *ix, MDB_txn *txn, rp_status st, int keep)
{
    st = end_txn(ix, txn, st, keep, 1);
    pthread_mutex_unlock(&ix->write_mu);
    return st;
}

RPI_FUNC rp_status rpi_ix_find_id(rp_index *ix, MDB_txn *txn, const char *id, struct rpi_vec *out);

/* Ids are unique: look d's id up in DB_IDS inside the write transaction (which sees the
 * batch's earlier documents), so two commits of one id cannot both store it. *stored gets the
 * stored document of the same content, RPI_IX_NONE when the id is new. */
static rp_status check_id(rp_index *ix, MDB_txn *txn, const struct rpi_ixdoc *d, size_t i,
                          struct rpi_vec *found, uint64_t *stored)
{
    *stored = RPI_IX_NONE;
    const size_t id_len = strlen(d->id);
    if (id_len > RP_INDEX_ID_MAX)
        return rpi_ix_fail(RP_E_INVALID, RP_INDEX_E_ID_TOO_LONG,
                           "document %zu: an id of %zu bytes, longer than the limit of %d bytes",
                           i + 1, id_len, RP_INDEX_ID_MAX);
    found->len = 0;
    RP_TRY(rpi_ix_find_id(ix, txn, d->id, found));
    if (found->len == 0) return RP_OK;
    const uint64_t docno = RPI_VEC_AT(found, uint64_t, 0);
    MDB_val v;
    RP_TRY(rpi_ix_get(ix, txn, DB_DOCS, docno, &v));
    const unsigned char *rec = v.mv_data;
    if (v.mv_size >= DOC_HEADER && get_le64(rec + DOC_H0) == d->h0 &&
        get_le64(rec + DOC_H1) == d->h1 && get_le64(rec + DOC_TEXT_SIZE) == d->text_size &&
        (int64_t)get_le64(rec + DOC_DATE) == d->date) {
        *stored = docno;
        return RP_OK;
    }
    return rpi_ix_fail(RP_E_INVALID, RP_INDEX_E_DUPLICATE,
                       "document %zu: id '%.200s' is already stored with a different content",
                       i + 1, d->id);
}

/* One batch in txn (a nested transaction of the group's): stored, clustered, answered. On
 * error nothing is answered and the caller aborts txn. */
static rp_status apply_batch(rp_index *ix, MDB_txn *txn, rp_index_batch *b, int dry_run,
                             rp_index_result **res)
{
    struct rpi_umap seeds;
    rpi_umap_init(&seeds, ix->alloc);
    struct rpi_vec cands;
    rpi_vec_init(&cands, sizeof(uint64_t), ix->alloc);
    struct rpi_vec found;
    rpi_vec_init(&found, sizeof(uint64_t), ix->alloc);
    size_t n_existing = 0;
    struct rpi_resbuild *rb = NULL;
    struct rpi_counters ctr;
    const size_t n = b->docs.len;
    uint64_t *nums = rpi_malloc(ix->alloc, (n ? n : 1) * sizeof *nums);
    rp_status st = nums ? counters_get(ix, txn, &ctr) : RP_E_NOMEM;
    for (size_t i = 0; i < n && st == RP_OK; i++) {
        const struct rpi_ixdoc *d = &RPI_VEC_AT(&b->docs, struct rpi_ixdoc, i);
        nums[i] = RPI_IX_NONE;
        if (d->skip != RP_SKIP_NONE) continue;
        st = check_id(ix, txn, d, i, &found, &nums[i]);
        if (st != RP_OK) break;
        if (nums[i] != RPI_IX_NONE) { /* the same document again: answered, not added */
            n_existing++;
            continue;
        }
        if (ctr.next_doc >= UINT32_MAX) {
            st = rpi_ix_fail(RP_E_TOO_BIG, RP_INDEX_E_FULL, "document numbers exhausted");
            break;
        }
        nums[i] = ctr.next_doc++;
        st = add_doc(ix, txn, &ctr, d, nums[i], &seeds, &cands, i + 1 == n);
    }
    if (st == RP_OK && ix->cfg.level != RP_LEVEL_STORY) st = recluster(ix, txn, &seeds);
    if (st == RP_OK) {
        const int rc = counters_put(ix, txn, &ctr);
        if (rc) st = rpi_ix_mdb(rc, "counters");
    }
    if (st == RP_OK) st = rpi_res_new(&rb, ix, n);
    for (size_t i = 0; i < n && st == RP_OK; i++) {
        const struct rpi_ixdoc *d = &RPI_VEC_AT(&b->docs, struct rpi_ixdoc, i);
        st = nums[i] == RPI_IX_NONE ? rpi_res_add_skipped(rb, d)
                                    : rpi_res_add_doc(rb, ix, txn, nums[i], !dry_run);
    }
    rpi_umap_free(&seeds);
    rpi_vec_free(&cands);
    rpi_vec_free(&found);
    rpi_free(ix->alloc, nums);
    if (st != RP_OK) {
        rpi_res_abort(rb);
        return st;
    }
    *res = rpi_res_finish(rb);
    (*res)->n_existing = n_existing;
    return RP_OK;
}

/* Run the queued commits of one group in one write transaction: each batch in its own nested
 * transaction (kept when it succeeds, aborted alone when it fails or is a query), then one
 * commit for every kept batch. A query sees exactly the batches queued before it, as a serial
 * run would; when the final commit fails, every batch whose answer rests on the failed writes
 * fails with its error.
 *
 * The environment is MDB_NOMETASYNC (index_open.c): LMDB writes the group's pages and
 * fdatasyncs them, then writes the meta page without syncing it, so nothing of the group is
 * durable when run_group returns; its batches are answered only after group_sync
 * (mdb_env_sync), run by the leader before it answers (lead_group) or by the sync thread while
 * the writer thread runs the next group (sync_thread). */
static void run_group(rp_index *ix, struct rpi_cq_item *head)
{
    MDB_txn *txn;
    rp_status st = rpi_ix_begin_write(ix, &txn);
    int dirty = 0;                                  /* a batch of the group is kept in txn */
    const size_t group_mark = rpi_bq_mark(&ix->bq); /* band postings of the group from here */
    for (struct rpi_cq_item *it = head; it; it = it->next) {
        if (st == RP_OK) rpi_ix_clear(); /* else the message of begin stays for every item */
        it->st = st;
        if (st != RP_OK) goto answered;
        MDB_txn *child;
        const int rc = mdb_txn_begin(ix->env, txn, 0, &child);
        if (rc) {
            it->st = rpi_ix_mdb(rc, "begin");
            goto answered;
        }
        const size_t mark = rpi_bq_mark(&ix->bq);
        it->st = apply_batch(ix, child, it->batch, it->dry_run, &it->res);
        if (it->st == RP_OK && !it->dry_run) {
            const int crc = mdb_txn_commit(child);
            if (crc) {
                it->st = rpi_ix_mdb(crc, "commit");
                rp_index_result_free(it->res);
                it->res = NULL;
            } else {
                dirty = 1;
            }
        } else {
            mdb_txn_abort(child);
        }
        if (it->st != RP_OK || it->dry_run) /* its unit numbers come again */
            rpi_bq_truncate(&ix->bq, mark);
        it->on_dirty = dirty;
    answered:
        if (it->st != RP_OK) {
            snprintf(it->msg, sizeof it->msg, "%s", rp_index_errmsg(ix));
            it->kind = rp_index_errkind(ix);
        }
    }
    if (st != RP_OK) return; /* no transaction: every item has the error */
    int folded = 0;
    uint64_t below[RPI_IX_MAX_BANDS]; /* units below below[b] are in band b's DB_BANDS range */
    memcpy(below, ix->bq_below, (size_t)ix->cfg.bands * sizeof *below);
    if (dirty) { /* in its own nested transaction: a failed fold is retried by a later group */
        MDB_txn *child;
        if (mdb_txn_begin(ix->env, txn, 0, &child) == 0) {
            if (rpi_ix_terms_fold(ix, child, 0) == RP_OK &&
                rpi_ix_bands_fold(ix, child, 0, below, &folded) == RP_OK)
                mdb_txn_commit(child);
            else
                mdb_txn_abort(child), folded = 0;
        }
    }
    rpi_ix_clear();
    const rp_status cst = end_txn(ix, txn, RP_OK, dirty, 0); /* synced by group_sync */
    if (cst == RP_OK && folded) {
        memcpy(ix->bq_below, below, (size_t)ix->cfg.bands * sizeof *below);
        ix->bq_stale = 1;
    }
    if (cst == RP_OK) bands_prune(ix);
    if (cst != RP_OK) rpi_bq_truncate(&ix->bq, group_mark);
    pthread_mutex_unlock(&ix->write_mu);
    if (cst == RP_OK) return;
    for (struct rpi_cq_item *it = head; it; it = it->next) {
        if (it->st != RP_OK || !it->on_dirty) continue;
        rp_index_result_free(it->res);
        it->res = NULL;
        it->st = cst;
        snprintf(it->msg, sizeof it->msg, "%s", rp_index_errmsg(ix));
        it->kind = rp_index_errkind(ix);
    }
}

/* A query on the caller's thread: the add path in a read transaction under a private overlay
 * (index_view.c), so it neither waits for the writer nor takes its turn; it sees the last
 * committed state, as a dry-run commit queued at that moment would. */
static rp_status query_read(rp_index *ix, rp_index_batch *b, rp_index_result **res)
{
    MDB_txn *txn;
    pthread_rwlock_rdlock(&ix->bq.snap); /* pending band postings of its snapshot stay */
    const int rc = mdb_txn_begin(ix->env, NULL, MDB_RDONLY, &txn);
    if (rc) {
        pthread_rwlock_unlock(&ix->bq.snap);
        return rpi_ix_mdb(rc, "begin");
    }
    rp_status st = rpi_ovl_begin(ix, txn);
    if (st == RP_OK) st = apply_batch(ix, txn, b, 1, res);
    rpi_ovl_end();
    mdb_txn_abort(txn);
    pthread_rwlock_unlock(&ix->bq.snap);
    if (st == RP_E_NOMEM && !rp_index_errmsg(ix)[0])
        rpi_ix_fail(RP_E_NOMEM, RP_INDEX_E_NONE, "out of memory");
    return st;
}

rp_status rp_index_commit(rp_index *ix, rp_index_batch *b, int dry_run, rp_index_result **res)
{
    *res = NULL;
    rpi_ix_clear();
    if (ix->read_only) return rpi_ix_fail(RP_E_INVALID, RP_INDEX_E_NONE, "index opened read-only");
    if (dry_run) return query_read(ix, b, res);
    return rpi_ix_commit_queued(ix, b, 0, res);
}

/* Make every group committed so far durable (their meta pages: run_group's commit synced
 * their data). On failure each batch of the groups given that would be answered RP_OK gets
 * the error instead, even one that stored nothing (its answer may rest on an earlier group's
 * writes): none of them is acknowledged. */
static void group_sync(rp_index *ix, struct rpi_cq_item *head)
{
    const int rc = mdb_env_sync(ix->env, 1);
    if (!rc) return;
    const rp_status st = rpi_ix_mdb(rc, "sync");
    for (struct rpi_cq_item *it = head; it; it = it->next) {
        if (it->st != RP_OK) continue;
        rp_index_result_free(it->res);
        it->res = NULL;
        it->st = st;
        snprintf(it->msg, sizeof it->msg, "%s", rp_index_errmsg(ix));
        it->kind = rp_index_errkind(ix);
    }
}

/* Answer the asynchronous batches of a list (outside cq_mu) and free them. */
static void answer_async(rp_index *ix, struct rpi_cq_item *async)
{
    for (struct rpi_cq_item *it = async, *next; it; it = next) {
        next = it->next;
        it->on_done(it->user, it->st, it->res, it->st == RP_OK ? RP_INDEX_E_NONE : it->kind,
                    it->st == RP_OK ? "" : it->msg);
        rpi_free(ix->alloc, it);
    }
}

/* Run the queued group as its leader (called and returning with cq_mu held, with cq_head
 * not NULL and no leader): every queued batch is taken and run as one group (run_group).
 * With hand_off (the writer thread, a group of asynchronous batches only) the group goes to
 * the sync thread, which makes it durable and answers it while this thread leads the next
 * group; otherwise it is made durable here (group_sync), the waiting callers are woken and
 * the asynchronous ones answered, outside cq_mu, once the next group may start. */
static void lead_group(rp_index *ix, int hand_off)
{
    struct rpi_cq_item *group = ix->cq_head;
    ix->cq_head = ix->cq_tail = NULL;
    ix->cq_leader = 1;
    pthread_mutex_unlock(&ix->cq_mu);
    run_group(ix, group);
    if (hand_off) {
        pthread_mutex_lock(&ix->cq_mu);
        if (ix->sy_tail)
            ix->sy_tail->next = group;
        else
            ix->sy_head = group;
        while (group->next)
            group = group->next;
        ix->sy_tail = group;
        ix->cq_leader = 0;
        pthread_cond_broadcast(&ix->sy_cv);
        pthread_cond_broadcast(&ix->cq_cv); /* a synchronous caller queued meanwhile may lead */
        return;
    }
    group_sync(ix, group);
    struct rpi_cq_item *async = NULL, **tail = &async;
    pthread_mutex_lock(&ix->cq_mu);
    for (struct rpi_cq_item *it = group, *next; it; it = next) {
        next = it->next; /* a waiting caller may return (and its frame go) once done is set */
        if (it->on_done) {
            it->next = NULL;
            *tail = it;
            tail = &it->next;
        } else {
            it->done = 1;
        }
    }
    ix->cq_leader = 0;
    pthread_cond_broadcast(&ix->cq_cv);
    pthread_mutex_unlock(&ix->cq_mu);
    answer_async(ix, async);
    pthread_mutex_lock(&ix->cq_mu);
}

/* Group commit: the caller queues its batch and waits. A caller that finds no leader becomes
 * the leader: it takes every queued batch (its own among them), runs them as one group
 * (run_group) and wakes the others, each with its own result. Batches are applied in queue
 * order, so the results are those of serial commits in that order. */
rp_status rpi_ix_commit_queued(rp_index *ix, rp_index_batch *b, int dry_run, rp_index_result **res)
{
    *res = NULL;
    rpi_ix_clear();
    if (ix->read_only) return rpi_ix_fail(RP_E_INVALID, RP_INDEX_E_NONE, "index opened read-only");
    struct rpi_cq_item me;
    memset(&me, 0, sizeof me);
    me.batch = b;
    me.dry_run = dry_run;
    pthread_mutex_lock(&ix->cq_mu);
    if (ix->cq_tail)
        ix->cq_tail->next = &me;
    else
        ix->cq_head = &me;
    ix->cq_tail = &me;
    while (!me.done) {
        if (ix->cq_leader)
            pthread_cond_wait(&ix->cq_cv, &ix->cq_mu);
        else
            lead_group(ix, 0);
    }
    pthread_mutex_unlock(&ix->cq_mu);
    if (me.st != RP_OK) return rpi_ix_fail(me.st, me.kind, "%s", me.msg);
    rpi_ix_clear();
    *res = me.res;
    return RP_OK;
}

/* The queue holds asynchronous batches only (a synchronous caller waits for its answer). */
static int queue_async(const rp_index *ix)
{
    for (const struct rpi_cq_item *it = ix->cq_head; it; it = it->next)
        if (!it->on_done) return 0;
    return 1;
}

/* The writer thread of asynchronous commits: leads a group whenever commits are queued and
 * no caller leads one, and hands it to the sync thread when no synchronous caller waits in
 * it; on stop, once the queue is empty. */
static void *cq_writer(void *arg)
{
    rp_index *ix = arg;
    pthread_mutex_lock(&ix->cq_mu);
    for (;;) {
        if (ix->cq_head && !ix->cq_leader)
            lead_group(ix, queue_async(ix));
        else if (ix->cq_stop && !ix->cq_head)
            break;
        else
            pthread_cond_wait(&ix->cq_cv, &ix->cq_mu);
    }
    pthread_mutex_unlock(&ix->cq_mu);
    return NULL;
}

/* The sync thread: takes every group the writer thread handed over (sy_head), makes them
 * durable with one mdb_env_sync (one fdatasync covers every meta page written before it) and
 * answers their batches in commit order; on stop, once nothing is left. The writer thread
 * meanwhile runs the next group: the meta page's sync and the answers leave its path. */
static void *sync_thread(void *arg)
{
    rp_index *ix = arg;
    pthread_mutex_lock(&ix->cq_mu);
    for (;;) {
        if (ix->sy_head) {
            struct rpi_cq_item *list = ix->sy_head;
            ix->sy_head = ix->sy_tail = NULL;
            pthread_mutex_unlock(&ix->cq_mu);
            group_sync(ix, list);
            answer_async(ix, list);
            pthread_mutex_lock(&ix->cq_mu);
        } else if (ix->cq_stop && !ix->cq_thread_on) {
            break;
        } else {
            pthread_cond_wait(&ix->sy_cv, &ix->cq_mu);
        }
    }
    pthread_mutex_unlock(&ix->cq_mu);
    return NULL;
}

/* Thread *t running fn(ix) unless it runs already (*on; cq_mu held). */
static rp_status start_thread(rp_index *ix, int *on, pthread_t *t, void *(*fn)(void *),
                              const char *what)
{
    if (*on) return RP_OK;
    if (pthread_create(t, NULL, fn, ix) != 0)
        return rpi_ix_fail(RP_E_INTERNAL, RP_INDEX_E_NONE, "cannot start the %s thread", what);
    *on = 1;
    return RP_OK;
}

rp_status rp_index_commit_async(rp_index *ix, rp_index_batch *b, rp_index_done_fn done, void *user)
{
    rpi_ix_clear();
    if (ix->read_only) return rpi_ix_fail(RP_E_INVALID, RP_INDEX_E_NONE, "index opened read-only");
    struct rpi_cq_item *it = rpi_calloc(ix->alloc, 1, sizeof *it);
    if (!it) return rpi_ix_fail(RP_E_NOMEM, RP_INDEX_E_NONE, "out of memory");
    it->batch = b;
    it->on_done = done;
    it->user = user;
    pthread_mutex_lock(&ix->cq_mu);
    rp_status st = start_thread(ix, &ix->sy_thread_on, &ix->sy_thread, sync_thread, "sync");
    if (st == RP_OK) st = start_thread(ix, &ix->cq_thread_on, &ix->cq_thread, cq_writer, "writer");
    if (st != RP_OK) {
        pthread_mutex_unlock(&ix->cq_mu);
        rpi_free(ix->alloc, it);
        return st;
    }
    if (ix->cq_tail)
        ix->cq_tail->next = it;
    else
        ix->cq_head = it;
    ix->cq_tail = it;
    pthread_cond_broadcast(&ix->cq_cv);
    pthread_mutex_unlock(&ix->cq_mu);
    return RP_OK;
}

/* Stop the writer thread after it has run every queued commit, then the sync thread after
 * it has answered every group handed to it (rp_index_close). */
void rpi_ix_writer_stop(rp_index *ix)
{
    pthread_mutex_lock(&ix->cq_mu);
    const int on = ix->cq_thread_on, sy_on = ix->sy_thread_on;
    ix->cq_stop = 1;
    pthread_cond_broadcast(&ix->cq_cv);
    pthread_mutex_unlock(&ix->cq_mu);
    if (on) pthread_join(ix->cq_thread, NULL);
    pthread_mutex_lock(&ix->cq_mu);
    ix->cq_thread_on = 0; /* the sync thread stops once this is 0 and nothing is left */
    pthread_cond_broadcast(&ix->sy_cv);
    pthread_mutex_unlock(&ix->cq_mu);
    if (sy_on) pthread_join(ix->sy_thread, NULL);
    ix->sy_thread_on = 0;
}

/* ---- removing -------------------------------------------------------------------------- */

static rp_status delete_unit(rp_index *ix, MDB_txn *txn, uint64_t u, const unsigned char *urec,
                             struct rpi_umap *seeds)
{
    unsigned char ub[8];
    put_be64(ub, u);
    if (ix->cfg.level == RP_LEVEL_STORY) RP_TRY(rpi_ixs_delete_unit(ix, txn, u, urec));
    /* edges, both directions; the neighbours' components are reclustered */
    struct rpi_vec nb;
    rpi_vec_init(&nb, 12, ix->alloc);
    MDB_cursor *cur;
    TRY_MDB(mdb_cursor_open(txn, ix->dbi[DB_EDGES], &cur), "cursor");
    MDB_val k = {8, ub}, v;
    int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
    rp_status st = RP_OK;
    while (rc == 0 && st == RP_OK) {
        st = rpi_vec_push(&nb, v.mv_data);
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP);
    }
    mdb_cursor_close(cur);
    for (size_t i = 0; i < nb.len && st == RP_OK; i++) {
        const unsigned char *e = (const unsigned char *)nb.ptr + 12 * i;
        const uint64_t w = get_be64(e);
        unsigned char back[12];
        memcpy(back, ub, 8);
        memcpy(back + 8, e + 8, 4);
        st = rpi_umap_put(seeds, w, 0, NULL, NULL);
        rc = rpi_ix_del(ix, txn, DB_EDGES, w, back, 12);
        if (rc && st == RP_OK) st = rpi_ix_mdb(rc, "edges");
    }
    rpi_vec_free(&nb);
    RP_TRY(st);
    TRY_MDB(rpi_ix_del(ix, txn, DB_EDGES, u, NULL, 0), "edges");
    /* band postings */
    rc = 0;
    MDB_val sv;
    if (rpi_ix_get(ix, txn, DB_SIGS, u, &sv) == RP_OK && sv.mv_size == ix->cfg.num_perm * 4u) {
        const size_t kp = ix->cfg.num_perm;
        uint32_t *sig = rpi_malloc(ix->alloc, kp * sizeof *sig);
        if (!sig) return RP_E_NOMEM;
        for (size_t j = 0; j < kp; j++)
            sig[j] = get_le32((const unsigned char *)sv.mv_data + 4 * j);
        for (uint32_t b = 0; b < ix->cfg.bands && !rc; b++) {
            unsigned char bk[12];
            band_key(ix, sig, b, bk);
            MDB_val key = {12, bk}, pv = {8, ub};
            rc = mdb_del(txn, ix->dbi[DB_BANDS], &key, &pv);
            if (rc == MDB_NOTFOUND) rc = 0;
        }
        rpi_free(ix->alloc, sig);
        TRY_MDB(rc, "bands");
    }
    TRY_MDB(rpi_ix_del(ix, txn, DB_SIGS, u, NULL, 0), "signature");
    /* term frequencies (not counted yet for a pending unit: only its list goes) */
    uint64_t first_pending = RPI_IX_NONE;
    if (terms_deferred(ix)) RP_TRY(tpending_get(ix, txn, &first_pending));
    MDB_val tv;
    if (u >= first_pending && rpi_ix_get(ix, txn, DB_UTERMS, u, &tv) == RP_OK) {
        TRY_MDB(rpi_ix_del(ix, txn, DB_UTERMS, u, NULL, 0), "terms");
    } else if (rpi_ix_get(ix, txn, DB_UTERMS, u, &tv) == RP_OK) {
        const size_t nt = tv.mv_size / 8;
        uint64_t *terms = rpi_malloc(ix->alloc, (nt ? nt : 1) * sizeof *terms);
        if (!terms) return RP_E_NOMEM;
        for (size_t j = 0; j < nt; j++)
            terms[j] = get_le64((const unsigned char *)tv.mv_data + 8 * j);
        for (size_t j = 0; j < nt && !rc; j++) {
            MDB_val dv;
            if (rpi_ix_get(ix, txn, DB_TERMS, terms[j], &dv) != RP_OK || dv.mv_size != 8) continue;
            const uint64_t df = get_le64(dv.mv_data);
            unsigned char b8[8];
            put_le64(b8, df - 1);
            rc = df <= 1 ? rpi_ix_del(ix, txn, DB_TERMS, terms[j], NULL, 0)
                         : rpi_ix_put(ix, txn, DB_TERMS, terms[j], b8, 8);
        }
        rpi_free(ix->alloc, terms);
        TRY_MDB(rc, "terms");
        TRY_MDB(rpi_ix_del(ix, txn, DB_UTERMS, u, NULL, 0), "terms");
    }
    unsigned char hk[16];
    memcpy(hk, urec + UNIT_H0, 16);
    MDB_val ck = {16, hk};
    rc = mdb_del(txn, ix->dbi[DB_CONTENTS], &ck, NULL);
    if (rc && rc != MDB_NOTFOUND) return rpi_ix_mdb(rc, "content");
    TRY_MDB(rpi_ix_del(ix, txn, DB_STARS, get_le64(urec + UNIT_CENTER), ub, 8), "stars");
    TRY_MDB(rpi_ix_del(ix, txn, DB_UNITS, u, NULL, 0), "unit");
    return RP_OK;
}

static rp_status remove_doc(rp_index *ix, MDB_txn *txn, struct rpi_counters *ctr, uint64_t docno,
                            struct rpi_umap *seeds)
{
    MDB_val dv;
    rp_status st = rpi_ix_get(ix, txn, DB_DOCS, docno, &dv);
    if (st != RP_OK) return st == RP_DONE ? RP_OK : st;
    const uint64_t u = get_le64((const unsigned char *)dv.mv_data + DOC_UNIT);
    const uint64_t idk = rpi_ix_id_key((const char *)dv.mv_data + DOC_HEADER,
                                       get_le32((const unsigned char *)dv.mv_data + DOC_ID_LEN));
    unsigned char db[8], ik[8];
    put_be64(db, docno);
    put_le64(ik, idk);
    MDB_val k = {8, ik}, v = {8, db};
    int rc = mdb_del(txn, ix->dbi[DB_IDS], &k, &v);
    if (rc && rc != MDB_NOTFOUND) return rpi_ix_mdb(rc, "ids");
    TRY_MDB(rpi_ix_del(ix, txn, DB_DOCS, docno, NULL, 0), "document");
    if (u == RPI_IX_NONE) {
        if (ctr->n_empty) ctr->n_empty--;
        return RP_OK;
    }
    TRY_MDB(rpi_ix_del(ix, txn, DB_MEMBERS, u, db, 8), "members");
    MDB_val uv;
    if (rpi_ix_get(ix, txn, DB_UNITS, u, &uv) != RP_OK)
        return rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "unit missing");
    unsigned char rec[UNIT_SIZE];
    memcpy(rec, uv.mv_data, UNIT_SIZE);
    const uint64_t nd = get_le64(rec + UNIT_N_DOCS);
    if (nd <= 1) return delete_unit(ix, txn, u, rec, seeds);
    put_le64(rec + UNIT_N_DOCS, nd - 1);
    if (ix->cfg.level == RP_LEVEL_STORY) { /* after this record is written */
        TRY_MDB(rpi_ix_put(ix, txn, DB_UNITS, u, rec, UNIT_SIZE), "unit");
        RP_TRY(rpi_ixs_docs_delta(ix, txn, u, -1));
        if (rpi_ix_get(ix, txn, DB_UNITS, u, &uv) != RP_OK)
            return rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "unit missing");
        memcpy(rec, uv.mv_data, UNIT_SIZE);
    }
    if (get_le64(rec + UNIT_LEADER) == docno) { /* the next leader in keep order */
        MDB_cursor *cur;
        TRY_MDB(mdb_cursor_open(txn, ix->dbi[DB_MEMBERS], &cur), "cursor");
        unsigned char ub[8];
        put_be64(ub, u);
        MDB_val mk = {8, ub}, mv;
        struct order_key best = {0}, cand;
        int have = 0;
        rc = mdb_cursor_get(cur, &mk, &mv, MDB_SET_KEY);
        while (rc == 0 && st == RP_OK) {
            st = doc_key(ix, txn, get_be64(mv.mv_data), &cand);
            if (st == RP_OK && (!have || rpi_cluster_keep_cmp(ix->cfg.keep)(&cand, &best) < 0)) {
                best = cand;
                have = 1;
            }
            rc = mdb_cursor_get(cur, &mk, &mv, MDB_NEXT_DUP);
        }
        mdb_cursor_close(cur);
        RP_TRY(st);
        if (have) put_le64(rec + UNIT_LEADER, best.doc);
    }
    TRY_MDB(rpi_ix_put(ix, txn, DB_UNITS, u, rec, UNIT_SIZE), "unit");
    return rpi_umap_put(seeds, u, 0, NULL, NULL);
}

static rp_status remove_docs(rp_index *ix, MDB_txn *txn, const struct rpi_vec *docs,
                             uint64_t *below, int *folded)
{
    struct rpi_umap seeds;
    rpi_umap_init(&seeds, ix->alloc);
    struct rpi_counters ctr;
    /* every band posting in DB_BANDS first: delete_unit removes them there */
    rp_status st = rpi_ix_bands_fold(ix, txn, 1, below, folded);
    if (st == RP_OK) st = counters_get(ix, txn, &ctr);
    for (size_t i = 0; i < docs->len && st == RP_OK; i++)
        st = remove_doc(ix, txn, &ctr, RPI_VEC_AT(docs, uint64_t, i), &seeds);
    if (st == RP_OK && ix->cfg.level != RP_LEVEL_STORY) st = recluster(ix, txn, &seeds);
    if (st == RP_OK) {
        const int rc = counters_put(ix, txn, &ctr);
        if (rc) st = rpi_ix_mdb(rc, "counters");
    }
    rpi_umap_free(&seeds);
    return st;
}

/* The end of both removals: the documents out (postings pending below their bands are
 * folded first), the transaction ended, the write lock let go. */
static rp_status finish_removal(rp_index *ix, MDB_txn *txn, struct rpi_vec *docs, rp_status st,
                                uint64_t *n_removed)
{
    uint64_t below[RPI_IX_MAX_BANDS];
    int folded = 0;
    memcpy(below, ix->bq_below, (size_t)ix->cfg.bands * sizeof *below);
    if (st == RP_OK) st = remove_docs(ix, txn, docs, below, &folded);
    const size_t n = docs->len;
    rpi_vec_free(docs);
    st = end_txn(ix, txn, st, 1, 1);
    if (st == RP_OK && folded) {
        memcpy(ix->bq_below, below, (size_t)ix->cfg.bands * sizeof *below);
        ix->bq_stale = 1;
    }
    if (st == RP_OK) bands_prune(ix);
    pthread_mutex_unlock(&ix->write_mu);
    if (st == RP_OK && n_removed) *n_removed = n;
    return st;
}

rp_status rp_index_remove_id(rp_index *ix, const char *id, uint64_t *n_removed)
{
    if (n_removed) *n_removed = 0;
    MDB_txn *txn;
    RP_TRY(rpi_ix_begin_write(ix, &txn));
    struct rpi_vec docs;
    rpi_vec_init(&docs, sizeof(uint64_t), ix->alloc);
    rp_status st = rpi_ix_find_id(ix, txn, id, &docs);
    if (st == RP_OK && docs.len == 0)
        st = rpi_ix_fail(RP_E_INVALID, RP_INDEX_E_NOT_FOUND, "no document '%s'", id);
    return finish_removal(ix, txn, &docs, st, n_removed);
}

rp_status rp_index_remove_before(rp_index *ix, int64_t epoch, uint64_t *n_removed)
{
    if (n_removed) *n_removed = 0;
    MDB_txn *txn;
    RP_TRY(rpi_ix_begin_write(ix, &txn));
    struct rpi_vec docs;
    rpi_vec_init(&docs, sizeof(uint64_t), ix->alloc);
    MDB_cursor *cur;
    rp_status st = RP_OK;
    int rc = mdb_cursor_open(txn, ix->dbi[DB_DOCS], &cur);
    if (rc) st = rpi_ix_mdb(rc, "cursor");
    MDB_val k, v;
    rc = st == RP_OK ? mdb_cursor_get(cur, &k, &v, MDB_FIRST) : MDB_NOTFOUND;
    while (rc == 0 && st == RP_OK) {
        const int64_t date = (int64_t)get_le64((const unsigned char *)v.mv_data + DOC_DATE);
        if (date != INT64_MIN && date < epoch) {
            const uint64_t d = get_be64(k.mv_data);
            st = rpi_vec_push(&docs, &d);
        }
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (st == RP_OK) mdb_cursor_close(cur);
    return finish_removal(ix, txn, &docs, st, n_removed);
}
