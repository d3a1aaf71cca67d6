/* SPDX-License-Identifier: MIT */
/* index_view.c -- the LMDB calls of the add path, and a private write layer over a read
 * transaction, so that a query (a dry-run add) runs that very path without the writer.
 *
 * A query used to be an add in the group's write transaction, aborted: it waited for its turn
 * behind every commit (two fsyncs each) and took the writer's time. Now it runs in an
 * MDB_RDONLY transaction on the caller's thread (LMDB readers never wait for the writer, nor
 * it for them) with an overlay: its puts and deletes land in memory, its reads see them over
 * the snapshot, so its answer is exactly what the dry-run commit gives over the same snapshot
 * (tests/unit/test_index.c, test_query_read). The overlay is bound to the transaction on this
 * thread (a thread runs one query at a time), so the add path of index_write.c and
 * index_story.c runs unchanged over it through rpi_ix_get/put/del and the rpi_tx_* calls. */
#include <errno.h>  /* ENOMEM */
#include <stdlib.h> /* qsort */
#include <string.h> /* memcmp, memcpy */
#include <xxhash.h> /* XXH3_64bits_withSeed */
#include "index_internal.h"

/* One key (non-dup database) or one key and value (dupsort database) written by the query. */
struct ov_ent {
    struct ov_ent *next; /* hash chain: every value of one dupsort key is in one chain */
    int db;
    int live; /* 1: put (a value added), 0: deleted */
    size_t ksize, vsize;
    unsigned char *key, *val;
};

struct rpi_ovl {
    MDB_txn *txn; /* the read transaction it is layered on */
    struct rpi_arena ar;
    struct ov_ent **tab;
    size_t cap, len;         /* cap: a power of two */
    int64_t delta[DB_COUNT]; /* entries added minus deleted, non-dup databases */
    const rp_alloc *alloc;
};

static _Thread_local struct rpi_ovl *tl_ovl;

static struct rpi_ovl *ovl_of(MDB_txn *txn) { return tl_ovl && tl_ovl->txn == txn ? tl_ovl : NULL; }

int rpi_tx_overlaid(MDB_txn *txn) { return ovl_of(txn) != NULL; }

static int is_dup(int db)
{
    return db == DB_IDS || db == DB_MEMBERS || db == DB_STARS || db == DB_BANDS || db == DB_EDGES ||
           db == DB_SPOST;
}

rp_status rpi_ovl_begin(rp_index *ix, MDB_txn *txn)
{
    assert(!tl_ovl);
    struct rpi_ovl *o = rpi_calloc(ix->alloc, 1, sizeof *o);
    if (!o) return RP_E_NOMEM;
    o->alloc = ix->alloc;
    o->txn = txn;
    o->cap = 64;
    o->tab = rpi_calloc(ix->alloc, o->cap, sizeof *o->tab);
    if (!o->tab) {
        rpi_free(ix->alloc, o);
        return RP_E_NOMEM;
    }
    rpi_arena_init(&o->ar, ix->alloc);
    tl_ovl = o;
    return RP_OK;
}

void rpi_ovl_end(void)
{
    struct rpi_ovl *o = tl_ovl;
    if (!o) return;
    tl_ovl = NULL;
    rpi_arena_free(&o->ar);
    rpi_free(o->alloc, o->tab);
    rpi_free(o->alloc, o);
}

static size_t slot(const struct rpi_ovl *o, int db, const void *k, size_t ks)
{
    return (size_t)XXH3_64bits_withSeed(k, ks, (uint64_t)db) & (o->cap - 1);
}

static int same_key(const struct ov_ent *e, int db, const void *k, size_t ks)
{
    return e->db == db && e->ksize == ks && memcmp(e->key, k, ks) == 0;
}

/* The entry of (db, k) or, in a dupsort database, of (db, k, v); NULL when none. */
static struct ov_ent *find(const struct rpi_ovl *o, int db, const void *k, size_t ks, const void *v,
                           size_t vs)
{
    for (struct ov_ent *e = o->tab[slot(o, db, k, ks)]; e; e = e->next)
        if (same_key(e, db, k, ks) &&
            (!is_dup(db) || (e->vsize == vs && memcmp(e->val, v, vs) == 0)))
            return e;
    return NULL;
}

static rp_status grow(struct rpi_ovl *o)
{
    const size_t cap = o->cap * 2;
    struct ov_ent **tab = rpi_calloc(o->alloc, cap, sizeof *tab);
    if (!tab) return RP_E_NOMEM;
    struct ov_ent **old = o->tab;
    const size_t old_cap = o->cap;
    o->tab = tab;
    o->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        for (struct ov_ent *e = old[i], *next; e; e = next) {
            next = e->next;
            const size_t s = slot(o, e->db, e->key, e->ksize);
            e->next = tab[s];
            tab[s] = e;
        }
    rpi_free(o->alloc, old);
    return RP_OK;
}

/* A new entry (live or deleted); values of a non-dup key are replaced by set_val. */
static struct ov_ent *add_ent(struct rpi_ovl *o, int db, const void *k, size_t ks, const void *v,
                              size_t vs, int live)
{
    if (o->len + 1 > o->cap / 2 && grow(o) != RP_OK) return NULL;
    struct ov_ent *e = rpi_arena_alloc(&o->ar, sizeof *e, 8);
    unsigned char *kb = rpi_arena_alloc(&o->ar, ks ? ks : 1, 8);
    unsigned char *vb = rpi_arena_alloc(&o->ar, vs ? vs : 1, 8);
    if (!e || !kb || !vb) return NULL;
    memcpy(kb, k, ks);
    if (vs) memcpy(vb, v, vs);
    *e = (struct ov_ent){NULL, db, live, ks, vs, kb, vb};
    const size_t s = slot(o, db, k, ks);
    e->next = o->tab[s];
    o->tab[s] = e;
    o->len++;
    return e;
}

static int set_val(struct rpi_ovl *o, struct ov_ent *e, const void *v, size_t vs)
{
    if (vs > e->vsize) {
        unsigned char *vb = rpi_arena_alloc(&o->ar, vs, 8);
        if (!vb) return ENOMEM;
        e->val = vb;
    }
    memcpy(e->val, v, vs);
    e->vsize = vs;
    e->live = 1;
    return 0;
}

/* Is (k, v) stored in the snapshot of a dupsort database? */
static int snap_has_dup(rp_index *ix, MDB_txn *txn, int db, const void *k, size_t ks, const void *v,
                        size_t vs, int *has)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, ix->dbi[db], &cur);
    if (rc) return rc;
    MDB_val key = {ks, (void *)k}, val = {vs, (void *)v};
    rc = mdb_cursor_get(cur, &key, &val, MDB_GET_BOTH);
    mdb_cursor_close(cur);
    *has = rc == 0;
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int rpi_tx_get(rp_index *ix, MDB_txn *txn, int db, const void *k, size_t ks, MDB_val *out)
{
    struct rpi_ovl *o = ovl_of(txn);
    MDB_val key = {ks, (void *)k};
    if (!o) return mdb_get(txn, ix->dbi[db], &key, out);
    assert(!is_dup(db)); /* dupsort values are read with rpi_tx_dups */
    const struct ov_ent *e = find(o, db, k, ks, NULL, 0);
    if (!e) return mdb_get(txn, ix->dbi[db], &key, out);
    if (!e->live) return MDB_NOTFOUND;
    *out = (MDB_val){e->vsize, e->val};
    return 0;
}

int rpi_tx_put(rp_index *ix, MDB_txn *txn, int db, const void *k, size_t ks, const void *v,
               size_t vs, unsigned flags)
{
    struct rpi_ovl *o = ovl_of(txn);
    if (!o) {
        MDB_val key = {ks, (void *)k}, val = {vs, (void *)v};
        return mdb_put(txn, ix->dbi[db], &key, &val, flags);
    }
    struct ov_ent *e = find(o, db, k, ks, v, vs);
    if (is_dup(db)) {
        if (e && e->live) return flags & MDB_NODUPDATA ? MDB_KEYEXIST : 0;
        if (e) {
            e->live = 1;
            return 0;
        }
        int has = 0;
        const int rc = snap_has_dup(ix, txn, db, k, ks, v, vs, &has);
        if (rc) return rc;
        if (has) return flags & MDB_NODUPDATA ? MDB_KEYEXIST : 0;
        return add_ent(o, db, k, ks, v, vs, 1) ? 0 : ENOMEM;
    }
    if (e) {
        if (!e->live) o->delta[db]++;
        return set_val(o, e, v, vs);
    }
    MDB_val key = {ks, (void *)k}, old;
    const int rc = mdb_get(txn, ix->dbi[db], &key, &old);
    if (rc && rc != MDB_NOTFOUND) return rc;
    if (rc == MDB_NOTFOUND) o->delta[db]++;
    return add_ent(o, db, k, ks, v, vs, 1) ? 0 : ENOMEM;
}

int rpi_tx_del(rp_index *ix, MDB_txn *txn, int db, const void *k, size_t ks, const void *v,
               size_t vs)
{
    struct rpi_ovl *o = ovl_of(txn);
    if (!o) {
        MDB_val key = {ks, (void *)k}, val = {vs, (void *)v};
        return mdb_del(txn, ix->dbi[db], &key, v ? &val : NULL);
    }
    if (is_dup(db) && !v) { /* every value of the key */
        int any = 0;
        MDB_cursor *cur;
        int rc = mdb_cursor_open(txn, ix->dbi[db], &cur);
        if (rc) return rc;
        MDB_val key = {ks, (void *)k}, val;
        int g = mdb_cursor_get(cur, &key, &val, MDB_SET_KEY);
        while (g == 0 && !rc) {
            struct ov_ent *e = find(o, db, k, ks, val.mv_data, val.mv_size);
            if (!e) {
                any = 1;
                if (!add_ent(o, db, k, ks, val.mv_data, val.mv_size, 0)) rc = ENOMEM;
            }
            g = mdb_cursor_get(cur, &key, &val, MDB_NEXT_DUP);
        }
        mdb_cursor_close(cur);
        if (!rc && g && g != MDB_NOTFOUND) rc = g;
        for (struct ov_ent *e = o->tab[slot(o, db, k, ks)]; e && !rc; e = e->next)
            if (same_key(e, db, k, ks) && e->live) {
                e->live = 0;
                any = 1;
            }
        return rc ? rc : any ? 0 : MDB_NOTFOUND;
    }
    struct ov_ent *e = find(o, db, k, ks, v, vs);
    if (e) {
        if (!e->live) return MDB_NOTFOUND;
        e->live = 0;
        if (!is_dup(db)) o->delta[db]--;
        return 0;
    }
    int has = 0;
    if (is_dup(db)) {
        const int rc = snap_has_dup(ix, txn, db, k, ks, v, vs, &has);
        if (rc) return rc;
    } else {
        MDB_val key = {ks, (void *)k}, old;
        const int rc = mdb_get(txn, ix->dbi[db], &key, &old);
        if (rc && rc != MDB_NOTFOUND) return rc;
        has = rc == 0;
    }
    if (!has) return MDB_NOTFOUND;
    if (!is_dup(db)) o->delta[db]--;
    return add_ent(o, db, k, ks, v, vs, 0) ? 0 : ENOMEM;
}

static _Thread_local size_t tl_vsize; /* qsort has no context argument */
static int cmp_val(const void *a, const void *b) { return memcmp(a, b, tl_vsize); }

rp_status rpi_tx_dups(rp_index *ix, MDB_txn *txn, int db, const void *k, size_t ks, size_t max,
                      struct rpi_vec *out)
{
    const size_t vs = out->elem_size;
    struct rpi_ovl *o = ovl_of(txn);
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, ix->dbi[db], &cur);
    if (rc) return rpi_ix_mdb(rc, "cursor");
    /* values of the key in the overlay: the live ones are added, every one hides the stored */
    size_t n_ov = 0;
    struct rpi_vec add;
    rpi_vec_init(&add, vs, ix->alloc);
    rp_status st = RP_OK;
    if (o)
        for (struct ov_ent *e = o->tab[slot(o, db, k, ks)]; e && st == RP_OK; e = e->next)
            if (same_key(e, db, k, ks)) {
                n_ov++;
                if (e->live && e->vsize == vs) st = rpi_vec_push(&add, e->val);
            }
    if (add.len > 1) {
        tl_vsize = vs;
        qsort(add.ptr, add.len, vs, cmp_val);
    }
    MDB_val key = {ks, (void *)k}, val;
    size_t taken = 0, ai = 0;
    /* a stored value hidden by the overlay does not count: read up to max + n_ov of them */
    const size_t limit = max > SIZE_MAX - n_ov ? SIZE_MAX : max + n_ov;
    int g = st == RP_OK ? mdb_cursor_get(cur, &key, &val, MDB_SET_KEY) : MDB_NOTFOUND;
    for (size_t seen = 0; g == 0 && st == RP_OK && taken < max && seen < limit; seen++) {
        if (val.mv_size == vs && !(n_ov && find(o, db, k, ks, val.mv_data, vs))) {
            while (ai < add.len && taken < max &&
                   memcmp((const char *)add.ptr + ai * vs, val.mv_data, vs) < 0) {
                st = rpi_vec_push(out, (const char *)add.ptr + ai++ * vs);
                taken++;
            }
            if (st == RP_OK && taken < max) {
                st = rpi_vec_push(out, val.mv_data);
                taken++;
            }
        }
        g = mdb_cursor_get(cur, &key, &val, MDB_NEXT_DUP);
    }
    mdb_cursor_close(cur);
    if (st == RP_OK && g && g != MDB_NOTFOUND) st = rpi_ix_mdb(g, "read");
    while (st == RP_OK && ai < add.len && taken < max) {
        st = rpi_vec_push(out, (const char *)add.ptr + ai++ * vs);
        taken++;
    }
    rpi_vec_free(&add);
    return st;
}

rp_status rpi_tx_entries(rp_index *ix, MDB_txn *txn, int db, uint64_t *n)
{
    MDB_stat ms;
    const int rc = mdb_stat(txn, ix->dbi[db], &ms);
    if (rc) return rpi_ix_mdb(rc, "stat");
    const struct rpi_ovl *o = ovl_of(txn);
    const int64_t d = o ? o->delta[db] : 0;
    *n = (uint64_t)((int64_t)ms.ms_entries + d);
    return RP_OK;
}
