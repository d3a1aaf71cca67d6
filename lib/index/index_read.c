/* SPDX-License-Identifier: MIT */
/* index_read.c -- reading the index: a document's cluster and relation (the same rules as
 * rp_engine_doc), lookups by id, cluster members, iteration, result objects. Each call runs in
 * one LMDB read transaction, so it sees one consistent snapshot and never blocks a writer. */
#include <stdlib.h> /* qsort */
#include <string.h> /* strlen, strcmp */
#include <xxhash.h> /* XXH3_64bits */
#include "index_internal.h"

uint64_t rpi_ix_id_key(const char *id, size_t n) { return XXH3_64bits(id, n); }

rp_status rpi_ix_get(rp_index *ix, MDB_txn *txn, int db, uint64_t key_be, MDB_val *out)
{
    unsigned char kb[8];
    put_be64(kb, key_be);
    const int rc = rpi_tx_get(ix, txn, db, kb, 8, out);
    if (rc == MDB_NOTFOUND) return RP_DONE;
    if (rc) return rpi_ix_mdb(rc, "get");
    return RP_OK;
}

static const char *doc_id(const MDB_val *dv) { return (const char *)dv->mv_data + DOC_HEADER; }

rp_status rpi_ix_doc_view(rp_index *ix, MDB_txn *txn, uint64_t docno, const MDB_val *dv,
                          rp_doc_result *r)
{
    const unsigned char *p = dv->mv_data;
    if (dv->mv_size < DOC_HEADER + 1)
        return rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "document %llu: bad record",
                           (unsigned long long)docno);
    memset(r, 0, sizeof *r);
    r->id = doc_id(dv);
    r->cluster = r->id;
    r->n_tokens = get_le64(p + DOC_N_TOKENS);
    r->date_epoch = (int64_t)get_le64(p + DOC_DATE);
    r->text_size = get_le64(p + DOC_TEXT_SIZE);
    r->of_doc = SIZE_MAX;
    r->cluster_doc = (size_t)docno;
    const uint64_t u = get_le64(p + DOC_UNIT);
    MDB_val gv; /* story level: the content's language (an index made before: none) */
    if (u != RPI_IX_NONE && ix->has_xling && rpi_ix_get(ix, txn, DB_ULANG, u, &gv) == RP_OK &&
        gv.mv_size && memchr(gv.mv_data, '\0', gv.mv_size))
        r->lang = gv.mv_data;
    if (u == RPI_IX_NONE) { /* no tokens: never clustered */
        r->relation = RP_REL_UNIQUE;
        r->kept = 1;
        return RP_OK;
    }
    MDB_val uv, cv, ldv;
    if (rpi_ix_get(ix, txn, DB_UNITS, u, &uv) != RP_OK || uv.mv_size < UNIT_SIZE)
        return rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "unit %llu missing",
                           (unsigned long long)u);
    const unsigned char *up = uv.mv_data;
    const uint64_t leader = get_le64(up + UNIT_LEADER), c = get_le64(up + UNIT_CENTER);
    const float score = get_f32(up + UNIT_SCORE);
    if (rpi_ix_get(ix, txn, DB_UNITS, c, &cv) != RP_OK || cv.mv_size < UNIT_SIZE)
        return rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "centre %llu missing",
                           (unsigned long long)c);
    const unsigned char *cp = cv.mv_data;
    const uint64_t cl = get_le64(cp + UNIT_LEADER), cdocs = get_le64(cp + UNIT_CLUSTER_DOCS);
    if (rpi_ix_get(ix, txn, DB_DOCS, cl, &ldv) != RP_OK)
        return rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "document %llu missing",
                           (unsigned long long)cl);
    r->cluster_doc = (size_t)cl;
    r->cluster = doc_id(&ldv);
    if (leader != docno) { /* an exact copy of its unit's leader */
        MDB_val lv;
        if (rpi_ix_get(ix, txn, DB_DOCS, leader, &lv) != RP_OK)
            return rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "document %llu missing",
                               (unsigned long long)leader);
        r->relation = RP_REL_EXACT;
        r->of_doc = (size_t)leader;
        r->of = doc_id(&lv);
        r->score = 1.0;
    } else if (c == u) {
        r->relation = cdocs > 1 ? RP_REL_ORIGINAL : RP_REL_UNIQUE;
        r->kept = 1;
    } else {
        r->relation = RP_REL_NEAR;
        r->of_doc = r->cluster_doc;
        r->of = r->cluster;
        r->score = score;
        uint64_t of;
        rp_relation rel;
        if (ix->cfg.level == RP_LEVEL_STORY && rpi_ixs_of(ix, txn, u, &of, &rel) == RP_OK) {
            MDB_val ov, odv; /* story: the member it was linked to, and how */
            if (rpi_ix_get(ix, txn, DB_UNITS, of, &ov) != RP_OK || ov.mv_size < UNIT_SIZE)
                return rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "unit %llu missing",
                                   (unsigned long long)of);
            const uint64_t od = get_le64((const unsigned char *)ov.mv_data + UNIT_LEADER);
            if (rpi_ix_get(ix, txn, DB_DOCS, od, &odv) != RP_OK)
                return rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "document %llu missing",
                                   (unsigned long long)od);
            r->relation = rel;
            r->of_doc = (size_t)od;
            r->of = doc_id(&odv);
        }
    }
    return RP_OK;
}

/* ---- result objects ------------------------------------------------------------------------ */

/* The private part of a result (priv_). It keeps its own copy of the index's allocator: a
 * result may be freed after the index is closed. */
struct rpi_resbuild {
    rp_alloc alloc_copy;
    const rp_alloc *alloc; /* &alloc_copy, or NULL for malloc/free */
    rp_index_result *res;  /* allocated up front: finishing cannot fail after a commit */
    struct rpi_arena arena;
    struct rpi_vec docs; /* rp_doc_result */
    struct rpi_vec nums; /* uint64_t */
};

rp_status rpi_res_new(struct rpi_resbuild **out, const rp_index *ix, size_t cap)
{
    struct rpi_resbuild *rb = rpi_calloc(ix->alloc, 1, sizeof *rb);
    *out = rb;
    if (!rb) return RP_E_NOMEM;
    if (ix->alloc) {
        rb->alloc_copy = *ix->alloc;
        rb->alloc = &rb->alloc_copy;
    }
    rpi_arena_init(&rb->arena, rb->alloc);
    rpi_vec_init(&rb->docs, sizeof(rp_doc_result), rb->alloc);
    rpi_vec_init(&rb->nums, sizeof(uint64_t), rb->alloc);
    rb->res = rpi_calloc(rb->alloc, 1, sizeof *rb->res);
    if (!rb->res || rpi_vec_reserve(&rb->docs, cap) != RP_OK ||
        rpi_vec_reserve(&rb->nums, cap) != RP_OK)
        return RP_E_NOMEM;
    return RP_OK;
}

void rpi_res_abort(struct rpi_resbuild *rb)
{
    if (!rb) return;
    const rp_alloc alloc = rb->alloc ? *rb->alloc : (rp_alloc){0}; /* rb holds the copy */
    rpi_arena_free(&rb->arena);
    rpi_vec_free(&rb->docs);
    rpi_vec_free(&rb->nums);
    rpi_free(&alloc, rb->res);
    rpi_free(&alloc, rb);
}

static const char *keep_str(struct rpi_resbuild *rb, const char *s)
{
    return s ? rpi_arena_strndup(&rb->arena, s, strlen(s)) : NULL;
}

static rp_status res_push(struct rpi_resbuild *rb, rp_doc_result *r, uint64_t num)
{
    if ((r->id && !(r->id = keep_str(rb, r->id))) ||
        (r->cluster && !(r->cluster = keep_str(rb, r->cluster))) ||
        (r->of && !(r->of = keep_str(rb, r->of))) ||
        (r->detail && !(r->detail = keep_str(rb, r->detail))) ||
        (r->lang && !(r->lang = keep_str(rb, r->lang))))
        return RP_E_NOMEM;
    RP_TRY(rpi_vec_push(&rb->docs, r));
    return rpi_vec_push(&rb->nums, &num);
}

rp_status rpi_res_add_doc(struct rpi_resbuild *rb, rp_index *ix, MDB_txn *txn, uint64_t docno,
                          int stored)
{
    MDB_val dv;
    rp_status st = rpi_ix_get(ix, txn, DB_DOCS, docno, &dv);
    if (st == RP_DONE)
        return rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "document %llu missing",
                           (unsigned long long)docno);
    if (st != RP_OK) return st;
    rp_doc_result r;
    RP_TRY(rpi_ix_doc_view(ix, txn, docno, &dv, &r));
    if (!stored) { /* a query: the numbers are those the documents would have had */
        if (r.of_doc == (size_t)docno) r.of_doc = SIZE_MAX;
        if (r.cluster_doc == (size_t)docno) r.cluster_doc = SIZE_MAX;
    }
    return res_push(rb, &r, stored ? docno : UINT64_MAX);
}

rp_status rpi_res_add_skipped(struct rpi_resbuild *rb, const struct rpi_ixdoc *d)
{
    rp_doc_result r;
    memset(&r, 0, sizeof r);
    r.id = d->id;
    r.cluster = d->id;
    r.relation = RP_REL_SKIPPED;
    r.skip = d->skip;
    r.detail = d->detail;
    r.date_epoch = INT64_MIN;
    r.of_doc = r.cluster_doc = SIZE_MAX;
    return res_push(rb, &r, UINT64_MAX);
}

rp_index_result *rpi_res_finish(struct rpi_resbuild *rb)
{
    rp_index_result *res = rb->res;
    res->n_docs = rb->docs.len;
    res->docs = rb->docs.ptr;
    res->doc_numbers = rb->nums.ptr;
    res->priv_ = rb;
    return res;
}

rp_status rp_index_result_doc_sized(const rp_index_result *r, size_t i, rp_doc_result *out,
                                    size_t out_size)
{
    if (!r || i >= r->n_docs) return RP_E_INVALID;
    memcpy(out, &r->docs[i], out_size < sizeof *out ? out_size : sizeof *out);
    return RP_OK;
}

void rp_index_result_free(rp_index_result *r)
{
    if (!r) return;
    assert(((struct rpi_resbuild *)r->priv_)->res == r);
    rpi_res_abort(r->priv_); /* owns r, docs and doc_numbers too */
}

/* ---- lookups ------------------------------------------------------------------------------ */

static rp_status begin_read(rp_index *ix, MDB_txn **txn)
{
    rpi_ix_clear();
    const int rc = mdb_txn_begin(ix->env, NULL, MDB_RDONLY, txn);
    return rc ? rpi_ix_mdb(rc, "begin") : RP_OK;
}

/* Document numbers with this id, ascending. */
static rp_status find_id(rp_index *ix, MDB_txn *txn, const char *id, struct rpi_vec *out)
{
    unsigned char kb[8];
    put_le64(kb, rpi_ix_id_key(id, strlen(id)));
    struct rpi_vec nums;
    rpi_vec_init(&nums, 8, ix->alloc);
    rp_status st = rpi_tx_dups(ix, txn, DB_IDS, kb, 8, SIZE_MAX, &nums);
    for (size_t i = 0; i < nums.len && st == RP_OK; i++) {
        const uint64_t docno = get_be64((const unsigned char *)nums.ptr + 8 * i);
        MDB_val dv;
        if (rpi_ix_get(ix, txn, DB_DOCS, docno, &dv) == RP_OK && strcmp(doc_id(&dv), id) == 0)
            st = rpi_vec_push(out, &docno);
    }
    rpi_vec_free(&nums);
    return st;
}

RPI_FUNC rp_status rpi_ix_find_id(rp_index *ix, MDB_txn *txn, const char *id, struct rpi_vec *out);
rp_status rpi_ix_find_id(rp_index *ix, MDB_txn *txn, const char *id, struct rpi_vec *out)
{
    return find_id(ix, txn, id, out);
}

rp_status rp_index_doc(rp_index *ix, const char *id, rp_index_result **res)
{
    *res = NULL;
    MDB_txn *txn;
    RP_TRY(begin_read(ix, &txn));
    struct rpi_vec nums;
    rpi_vec_init(&nums, sizeof(uint64_t), ix->alloc);
    struct rpi_resbuild *rb = NULL;
    rp_status st = find_id(ix, txn, id, &nums);
    if (st == RP_OK && nums.len == 0)
        st = rpi_ix_fail(RP_E_INVALID, RP_INDEX_E_NOT_FOUND, "no document '%s'", id);
    if (st == RP_OK) st = rpi_res_new(&rb, ix, nums.len);
    for (size_t i = 0; st == RP_OK && i < nums.len; i++)
        st = rpi_res_add_doc(rb, ix, txn, RPI_VEC_AT(&nums, uint64_t, i), 1);
    mdb_txn_abort(txn);
    rpi_vec_free(&nums);
    if (st != RP_OK) {
        rpi_res_abort(rb);
        return st;
    }
    *res = rpi_res_finish(rb);
    return RP_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Documents of the cluster centred on unit c: the representative first, then ascending. */
static rp_status cluster_docs(rp_index *ix, MDB_txn *txn, uint64_t c, struct rpi_vec *out)
{
    MDB_cursor *sc = NULL, *mc = NULL;
    int rc = mdb_cursor_open(txn, ix->dbi[DB_STARS], &sc);
    if (!rc) rc = mdb_cursor_open(txn, ix->dbi[DB_MEMBERS], &mc);
    rp_status st = rc ? rpi_ix_mdb(rc, "cursor") : RP_OK;
    unsigned char kb[8];
    put_be64(kb, c);
    MDB_val k = {8, kb}, v;
    rc = st == RP_OK ? mdb_cursor_get(sc, &k, &v, MDB_SET_KEY) : MDB_NOTFOUND;
    while (rc == 0 && st == RP_OK) {
        MDB_val mk = {8, v.mv_data}, mv;
        int rc2 = mdb_cursor_get(mc, &mk, &mv, MDB_SET_KEY);
        while (rc2 == 0 && st == RP_OK) {
            const uint64_t d = get_be64(mv.mv_data);
            st = rpi_vec_push(out, &d);
            rc2 = mdb_cursor_get(mc, &mk, &mv, MDB_NEXT_DUP);
        }
        rc = mdb_cursor_get(sc, &k, &v, MDB_NEXT_DUP);
    }
    if (sc) mdb_cursor_close(sc);
    if (mc) mdb_cursor_close(mc);
    if (st != RP_OK) return st;
    uint64_t *d = out->ptr;
    if (out->len) qsort(d, out->len, sizeof *d, cmp_u64);
    MDB_val uv;
    if (out->len && rpi_ix_get(ix, txn, DB_UNITS, c, &uv) == RP_OK) {
        const uint64_t rep = get_le64((const unsigned char *)uv.mv_data + UNIT_LEADER);
        for (size_t i = 0; i < out->len; i++)
            if (d[i] == rep) {
                memmove(d + 1, d, i * sizeof *d);
                d[0] = rep;
                break;
            }
    }
    return RP_OK;
}

rp_status rp_index_cluster(rp_index *ix, const char *id, rp_index_result **res)
{
    *res = NULL;
    MDB_txn *txn;
    RP_TRY(begin_read(ix, &txn));
    struct rpi_vec nums, docs;
    rpi_vec_init(&nums, sizeof(uint64_t), ix->alloc);
    rpi_vec_init(&docs, sizeof(uint64_t), ix->alloc);
    struct rpi_resbuild *rb = NULL;
    rp_status st = find_id(ix, txn, id, &nums);
    if (st == RP_OK && nums.len == 0)
        st = rpi_ix_fail(RP_E_INVALID, RP_INDEX_E_NOT_FOUND, "no document or cluster '%s'", id);
    MDB_val dv, uv;
    uint64_t unit = RPI_IX_NONE, first = 0;
    if (st == RP_OK) {
        first = RPI_VEC_AT(&nums, uint64_t, 0);
        if (rpi_ix_get(ix, txn, DB_DOCS, first, &dv) == RP_OK)
            unit = get_le64((const unsigned char *)dv.mv_data + DOC_UNIT);
    }
    if (st == RP_OK && unit != RPI_IX_NONE && rpi_ix_get(ix, txn, DB_UNITS, unit, &uv) == RP_OK)
        st =
            cluster_docs(ix, txn, get_le64((const unsigned char *)uv.mv_data + UNIT_CENTER), &docs);
    else if (st == RP_OK)
        st = rpi_vec_push(&docs, &first); /* an empty document is a cluster of one */
    if (st == RP_OK) st = rpi_res_new(&rb, ix, docs.len);
    for (size_t i = 0; st == RP_OK && i < docs.len; i++)
        st = rpi_res_add_doc(rb, ix, txn, RPI_VEC_AT(&docs, uint64_t, i), 1);
    mdb_txn_abort(txn);
    rpi_vec_free(&nums);
    rpi_vec_free(&docs);
    if (st != RP_OK) {
        rpi_res_abort(rb);
        return st;
    }
    *res = rpi_res_finish(rb);
    return RP_OK;
}

rp_status rp_index_foreach_doc(rp_index *ix, rp_index_doc_fn fn, void *user)
{
    MDB_txn *txn;
    RP_TRY(begin_read(ix, &txn));
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, ix->dbi[DB_DOCS], &cur);
    rp_status st = rc ? rpi_ix_mdb(rc, "cursor") : RP_OK;
    MDB_val k, v;
    rc = st == RP_OK ? mdb_cursor_get(cur, &k, &v, MDB_FIRST) : MDB_NOTFOUND;
    while (rc == 0 && st == RP_OK) {
        const uint64_t docno = get_be64(k.mv_data);
        rp_doc_result r;
        st = rpi_ix_doc_view(ix, txn, docno, &v, &r);
        if (st == RP_OK && fn(&r, docno, user)) break;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (st == RP_OK && rc != 0 && rc != MDB_NOTFOUND) st = rpi_ix_mdb(rc, "read");
    if (cur) mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return st;
}

rp_status rp_index_foreach_cluster(rp_index *ix, size_t min_size, rp_index_cluster_fn fn,
                                   void *user)
{
    MDB_txn *txn;
    RP_TRY(begin_read(ix, &txn));
    struct rpi_vec docs, views;
    rpi_vec_init(&docs, sizeof(uint64_t), ix->alloc);
    rpi_vec_init(&views, sizeof(rp_doc_result), ix->alloc);
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, ix->dbi[DB_STARS], &cur);
    rp_status st = rc ? rpi_ix_mdb(rc, "cursor") : RP_OK;
    MDB_val k, v;
    rc = st == RP_OK ? mdb_cursor_get(cur, &k, &v, MDB_FIRST) : MDB_NOTFOUND;
    while (rc == 0 && st == RP_OK) {
        const uint64_t c = get_be64(k.mv_data);
        MDB_val uv;
        if (rpi_ix_get(ix, txn, DB_UNITS, c, &uv) == RP_OK &&
            get_le64((const unsigned char *)uv.mv_data + UNIT_CLUSTER_DOCS) >= min_size) {
            docs.len = views.len = 0;
            st = cluster_docs(ix, txn, c, &docs);
            for (size_t i = 0; st == RP_OK && i < docs.len; i++) {
                const uint64_t d = RPI_VEC_AT(&docs, uint64_t, i);
                MDB_val dv;
                rp_doc_result r;
                if (rpi_ix_get(ix, txn, DB_DOCS, d, &dv) != RP_OK) continue;
                st = rpi_ix_doc_view(ix, txn, d, &dv, &r);
                if (st == RP_OK) st = rpi_vec_push(&views, &r);
            }
            if (st == RP_OK && views.len && fn(views.ptr, views.len, user)) break;
        }
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_NODUP);
    }
    if (cur) mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    rpi_vec_free(&docs);
    rpi_vec_free(&views);
    return st;
}
