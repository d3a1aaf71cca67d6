/* SPDX-License-Identifier: MIT */
/* engine_read.c -- the batch engine's reading: the calling thread frames records (decompress,
 * split) into batches; worker threads prepare them (stage doc: parse, normalize, shingle,
 * sketch, story tokens) into document slots. A bounded queue keeps memory proportional to
 * threads x batch size, never to the collection: text is dropped as soon as its signature
 * exists (below the reuse level). The reader and the workers are the ranges of one
 * rpi_parallel_for: range 0 reads, range t > 0 is worker t - 1. */
#include <pthread.h> /* pthread_mutex_t */
#include <stdio.h>   /* snprintf */
#include <string.h>  /* memchr, memcpy, strcmp */
#include "engine_internal.h"
#include "common/parallel_internal.h"

#define BATCH_BYTES (1u << 20) /* flush a batch at 1 MiB of record data ... */
#define BATCH_RECS 512u        /* ... or this many records */
#define QUEUE_CAP 8u           /* batches in flight per worker: memory bound */

struct batch_rec {
    size_t data_off, data_size;
    size_t detail_off; /* SIZE_MAX = none */
    size_t rel_off;    /* SIZE_MAX = none */
    const char *path;  /* interned, stable */
    uint64_t line, offset, number;
    rp_format format;
    rp_skip skip;
    int truncated;
};

struct batch {
    size_t first_doc;
    struct rpi_vec recs; /* struct batch_rec */
    struct rpi_buf data; /* record bytes, details and relative ids */
};

struct queue {
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full, free_avail;
    struct batch **items;
    size_t cap, head, len;
    int closed;
    struct batch **free_list; /* recycled batches */
    size_t n_free;
};

struct worker {
    rp_engine *e;
    struct queue *q;
    unsigned index;
    struct rpi_prep prep;
    struct rpi_spill *spill;
    uint64_t n_repaired;
    uint64_t n_decoded, n_decode_replaced;
    size_t decoded_first_doc; /* SIZE_MAX: none yet */
    const char *decoded_first;
    unsigned bad_dates_noted; /* messages kept for dates not understood */
};

static void queue_push(struct queue *q, struct batch *b)
{
    pthread_mutex_lock(&q->mu);
    while (q->len == q->cap)
        pthread_cond_wait(&q->not_full, &q->mu);
    q->items[(q->head + q->len) % q->cap] = b;
    q->len++;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->mu);
}

static struct batch *queue_pop(struct queue *q)
{
    pthread_mutex_lock(&q->mu);
    while (q->len == 0 && !q->closed)
        pthread_cond_wait(&q->not_empty, &q->mu);
    struct batch *b = NULL;
    if (q->len) {
        b = q->items[q->head];
        q->head = (q->head + 1) % q->cap;
        q->len--;
        pthread_cond_signal(&q->not_full);
    }
    pthread_mutex_unlock(&q->mu);
    return b;
}

static void queue_recycle(struct queue *q, struct batch *b)
{
    pthread_mutex_lock(&q->mu);
    q->free_list[q->n_free++] = b;
    pthread_cond_signal(&q->free_avail);
    pthread_mutex_unlock(&q->mu);
}

/* Take a recycled batch; blocks until one is free (there are cap + threads + 1 in all). */
static struct batch *queue_take_free(struct queue *q)
{
    pthread_mutex_lock(&q->mu);
    while (q->n_free == 0)
        pthread_cond_wait(&q->free_avail, &q->mu);
    struct batch *b = q->free_list[--q->n_free];
    pthread_mutex_unlock(&q->mu);
    rpi_buf_reset(&b->data);
    b->recs.len = 0;
    return b;
}

static const char *batch_str(const struct batch *b, size_t off)
{
    return off == SIZE_MAX ? NULL : b->data.ptr + off;
}

/* A text converted to UTF-8: counted, logged ("decoded path[:line] from CHARSET to UTF-8"),
 * the first in document order kept for the summary. */
static rp_status note_decoded(struct worker *w, size_t di, const rp_record *rec, const char *cs,
                              uint64_t bad)
{
    rp_engine *e = w->e;
    char msg[1024], at[32] = "", rep[96] = "";
    if (rec->line) snprintf(at, sizeof at, ":%llu", (unsigned long long)rec->line);
    if (bad)
        snprintf(rep, sizeof rep, " (%llu bytes not in it, replaced by U+FFFD)",
                 (unsigned long long)bad);
    w->n_decoded++;
    w->n_decode_replaced += bad;
    if (di < w->decoded_first_doc) {
        snprintf(msg, sizeof msg, "%s%s: from %s", rec->path, at, cs);
        w->decoded_first = rpi_arena_strndup(&e->arenas[w->index + 1], msg, strlen(msg));
        if (!w->decoded_first) return RP_E_NOMEM;
        w->decoded_first_doc = di;
    }
    if (e->log_fn) { /* one call at a time: the callback need not be thread-safe */
        snprintf(msg, sizeof msg, "decoded %s%s from %s to UTF-8%s", rec->path, at, cs, rep);
        pthread_mutex_lock(&w->q->mu);
        e->log_fn(msg, e->log_user);
        pthread_mutex_unlock(&w->q->mu);
    }
    return RP_OK;
}

/* Prepare record k of batch b into its document slot (stage doc). */
static rp_status process_record(struct worker *w, const struct batch *b, size_t k)
{
    rp_engine *e = w->e;
    const struct batch_rec *r = &RPI_VEC_AT(&b->recs, struct batch_rec, k);
    const size_t di = b->first_doc + k;
    struct rpi_docslot *d = rpi_doc(&e->docs, di);
    struct rpi_arena *ar = &e->arenas[w->index + 1];
    d->source = r->path;
    d->line = r->line;
    d->date = INT64_MIN;
    rp_record rec;
    memset(&rec, 0, sizeof rec);
    rec.data = b->data.ptr + r->data_off;
    rec.size = r->data_size;
    rec.path = r->path;
    rec.rel_id = batch_str(b, r->rel_off);
    rec.format = r->format;
    rec.line = r->line;
    rec.offset = r->offset;
    rec.number = r->number;
    rec.skip = r->skip;
    rec.detail = batch_str(b, r->detail_off);
    rec.truncated_text = r->truncated;
    /* the first RPI_BAD_DATES_NOTED dates not understood of each thread keep their message (a
     * thread reads its batches in document order, so the first of the run is among them) */
    char msg[1024];
    const int note = w->bad_dates_noted < RPI_BAD_DATES_NOTED;
    struct rpi_prepared out;
    const rp_status pst = rpi_prep_record(
        &w->prep, &rec, e->docs.num_perm ? rpi_sig(&e->docs, di) : NULL, ar, note ? msg : NULL,
        sizeof msg, &out);
    if (pst == RP_E_IO && w->prep.store) rpi_engine_error(e, "%s", w->prep.store->msg);
    RP_TRY(pst);
    d->id = rpi_arena_strndup(ar, out.id, out.id_size);
    if (!d->id) return RP_E_NOMEM;
    if (out.skip != RP_SKIP_NONE) {
        d->detail = rpi_arena_strndup(ar, out.detail, strlen(out.detail));
        d->skip = (uint8_t)out.skip;
        return d->detail ? RP_OK : RP_E_NOMEM;
    }
    d->date = out.date;
    d->flags = out.flags;
    if ((out.flags & RPI_DOC_BAD_DATE) && note) {
        w->bad_dates_noted++;
        d->detail = rpi_arena_strndup(ar, msg, strlen(msg));
        if (!d->detail) return RP_E_NOMEM;
    }
    w->n_repaired += out.nr.n_repaired;
    uint64_t bad = 0;
    const char *cs = rp_parser_decoded(w->prep.parser, &bad);
    if (cs) RP_TRY(note_decoded(w, di, &rec, cs, bad));
    d->content_hash[0] = out.content_hash[0];
    d->content_hash[1] = out.content_hash[1];
    d->norm_size = out.norm_size;
    d->n_tokens = out.n_tokens;
    if (out.sd) { /* reuse/story: the tokens count against the memory cap (texts: stored) */
        const uint64_t used =
            __atomic_add_fetch(&e->story_bytes, RPI_SDOC_HOT_BYTES(out.n_tokens),
                               __ATOMIC_RELAXED) +
            e->mem_used;
        if (used > e->mem_limit) {
            rpi_engine_error(e,
                             "the reuse/story working set (tokens) would exceed the "
                             "memory cap (%llu MiB); raise --max-memory",
                             (unsigned long long)(e->mem_limit >> 20));
            return RP_E_TOO_BIG;
        }
        d->sd = out.sd;
    }
    if (out.shingles) {
        const rp_status st = rpi_spill_write(w->spill, (uint16_t)w->index, d, out.shingles,
                                             out.n_shingles, e->errmsg, sizeof e->errmsg);
        if (st != RP_OK) return st;
    }
    return RP_OK;
}

/* Make sure slots [0, n) exist. Called by the reading thread only, before the batch that
 * needs them is queued, so workers never see a chunk being created. */
static rp_status ensure_slots(rp_engine *e, size_t n)
{
    if (((n + RPI_CHUNK_DOCS - 1) >> RPI_CHUNK_SHIFT) > RPI_MAX_CHUNKS) {
        rpi_engine_error(e, "more than %llu documents",
                         (unsigned long long)RPI_MAX_CHUNKS * RPI_CHUNK_DOCS);
        return RP_E_TOO_BIG;
    }
    /* the memory cap counts per document: slot, signature and an estimate for ids */
    const uint64_t per_doc = sizeof(struct rpi_docslot) + RPI_ID_ESTIMATE + e->docs.num_perm * 4u;
    e->mem_used = (uint64_t)n * per_doc;
    if (e->mem_used > e->mem_limit) {
        rpi_engine_error(e,
                         "the working set would exceed the memory cap (%llu MiB) after %zu "
                         "documents; raise --max-memory or lower --num-perm",
                         (unsigned long long)(e->mem_limit >> 20), n - 1);
        return RP_E_TOO_BIG;
    }
    return rpi_doctab_reserve(&e->docs, n);
}

static rp_status batch_add(struct batch *b, const rp_record *rec)
{
    struct batch_rec r;
    memset(&r, 0, sizeof r);
    r.path = rec->path; /* replaced by the interned copy by the caller */
    r.line = rec->line;
    r.offset = rec->offset;
    r.number = rec->number;
    r.format = rec->format;
    r.skip = rec->skip;
    r.truncated = rec->truncated_text;
    r.data_off = b->data.size;
    r.data_size = rec->size;
    RP_TRY(rpi_buf_append(&b->data, rec->data ? rec->data : "", rec->size));
    RP_TRY(rpi_buf_putc(&b->data, '\0'));
    r.detail_off = r.rel_off = SIZE_MAX;
    if (rec->detail) {
        r.detail_off = b->data.size;
        RP_TRY(rpi_buf_append(&b->data, rec->detail, strlen(rec->detail) + 1));
    }
    if (rec->rel_id) {
        r.rel_off = b->data.size;
        RP_TRY(rpi_buf_append(&b->data, rec->rel_id, strlen(rec->rel_id) + 1));
    }
    return rpi_vec_push(&b->recs, &r);
}

/* The reading loop: frame the records of every input into batches for the workers; the
 * queue is closed at the end, also after an error, so the workers finish. */
static rp_status read_inputs(rp_engine *e, struct queue *q, double t0)
{
    rp_status st = RP_OK;
    rp_reader *rd = NULL;
    uint64_t bytes_before = 0;
    double last_progress = t0;
    const char *last_path = NULL, *interned = NULL;
    struct batch *cur = queue_take_free(q);
    cur->first_doc = 0;
    /* compressed inputs made of many members / frames are decoded on as many threads as
     * documents are prepared on (codec_par.c): one stream on this thread was the limit */
    for (size_t a = 0; a < e->n_inputs && st == RP_OK; a++) {
        const struct rpi_input *in = &e->inputs[a];
        st = in->data ? rp_reader_open_memory(&rd, in->data, in->size, in->path, &e->cfg.ingest,
                                              e->alloc)
                      : rp_reader_open(&rd, in->path, &e->cfg.ingest, e->alloc);
        if (st == RP_OK) rp_reader_set_threads(rd, e->sum.threads);
        const struct rpi_piece_sel *sl = &in->sel;
        if (st == RP_OK && in->piece)
            st = sl->members ? rp_reader_select_members(rd, sl->file, sl->off, sl->len, sl->line,
                                                        sl->doff, sl->dlen, sl->lstart)
                 : sl->len == UINT64_MAX
                     ? rp_reader_select_files(rd, sl->file, sl->file + sl->n_files)
                     : rp_reader_select(rd, sl->file, sl->off, sl->len, sl->line);
        if (st != RP_OK) {
            rpi_engine_error(e, "%s: %s", in->path, rp_strerror(st));
            break;
        }
        uint64_t bd = 0, bt = 0;
        for (;;) {
            rp_record rec;
            st = rp_reader_next(rd, &rec);
            if (st == RP_DONE) {
                st = RP_OK;
                break;
            }
            if (st != RP_OK) {
                const char *m = rp_reader_errmsg(rd);
                rpi_engine_error(e, "%s%s%s", in->path, *m ? ": " : "", m);
                break;
            }
            /* checked per record: a cheap atomic load, and a caller waiting on Ctrl-C gets
             * control back within one record's framing */
            if (rpi_engine_cancelled(e)) {
                st = RP_E_CANCELLED;
                break;
            }
            if (rec.skip == RP_SKIP_BLANK) {
                e->sum.n_blank++;
                continue;
            }
            if (rec.path != last_path || !interned || strcmp(rec.path, interned) != 0) {
                interned = rpi_arena_strndup(&e->arenas[0], rec.path, strlen(rec.path));
                if (!interned) {
                    st = RP_E_NOMEM;
                    break;
                }
                last_path = rec.path;
            }
            if ((st = ensure_slots(e, e->docs.n_docs + 1)) != RP_OK) break;
            if ((st = batch_add(cur, &rec)) != RP_OK) break;
            RPI_VEC_AT(&cur->recs, struct batch_rec, cur->recs.len - 1).path = interned;
            e->docs.n_docs++;
            if (cur->recs.len >= BATCH_RECS || cur->data.size >= BATCH_BYTES) {
                queue_push(q, cur);
                cur = queue_take_free(q);
                cur->first_doc = e->docs.n_docs;
                rp_reader_progress(rd, &bd, &bt);
                const double now = rpi_now();
                if (e->progress_fn && now - last_progress >= 0.25) {
                    last_progress = now;
                    rp_progress p = {"read", e->docs.n_docs, bytes_before + bd,
                                     bt ? bytes_before + bt : 0, now - t0};
                    e->progress_fn(&p, e->progress_user);
                }
            }
        }
        rp_reader_progress(rd, &bd, &bt);
        bytes_before += bd;
        e->sum.n_ignored += rp_reader_ignored(rd);
        rp_reader_free(rd);
        rd = NULL;
    }
    rp_reader_free(rd);
    if (cur->recs.len)
        queue_push(q, cur);
    else
        queue_recycle(q, cur);
    e->sum.bytes = bytes_before;
    pthread_mutex_lock(&q->mu);
    q->closed = 1;
    pthread_cond_broadcast(&q->not_empty);
    pthread_mutex_unlock(&q->mu);
    return st;
}

struct read_ctx {
    rp_engine *e;
    struct queue *q;
    struct worker *ws;
    double t0;
};

/* Range 0 reads; range t > 0 is worker t - 1, preparing batches until the queue closes. */
static rp_status read_task(void *ctx, size_t lo, size_t hi, unsigned t)
{
    (void)lo;
    (void)hi;
    struct read_ctx *rc = ctx;
    if (t == 0) return read_inputs(rc->e, rc->q, rc->t0);
    struct worker *w = &rc->ws[t - 1];
    rp_status st = RP_OK;
    struct batch *b;
    while ((b = queue_pop(w->q)) != NULL) {
        for (size_t k = 0; k < b->recs.len && st == RP_OK; k++)
            st = process_record(w, b, k);
        queue_recycle(w->q, b);
    }
    return st;
}

rp_status rpi_engine_stores_open(rp_engine *e, unsigned n)
{
    e->sstores = rpi_calloc(e->alloc, n, sizeof *e->sstores);
    if (!e->sstores) return RP_E_NOMEM;
    for (unsigned i = 0; i < n; i++)
        e->sstores[i].text.spill.fd = e->sstores[i].tok.spill.fd = -1;
    e->n_sstores = n;
    for (unsigned i = 0; i < n; i++)
        RP_TRY(rpi_sstore_open(&e->sstores[i], (uint16_t)i, e->cfg.tmp_dir, e->alloc, e->errmsg,
                               sizeof e->errmsg));
    return RP_OK;
}

rp_status rpi_engine_stores_attach(rp_engine *e)
{
    rp_status st = RP_OK;
    for (unsigned i = 0; i < e->n_sstores && st == RP_OK; i++)
        st = rpi_sstore_map(&e->sstores[i], e->errmsg, sizeof e->errmsg);
    for (size_t i = 0; i < e->docs.n_docs && st == RP_OK && e->n_sstores; i++)
        rpi_sstore_attach(e->sstores, rpi_doc(&e->docs, i)->sd);
    return st;
}

rp_status rpi_engine_read(rp_engine *e)
{
    /* the workers and the reader: RPI_MAX_THREADS ranges at most */
    unsigned nt = e->cfg.threads ? e->cfg.threads : rpi_cpu_count();
    if (nt > RPI_MAX_THREADS - 1) nt = RPI_MAX_THREADS - 1;
    const double t0 = rpi_now();
    rp_status st = RP_OK;
    e->sum.threads = nt;

    struct rpi_arena *arenas =
        rpi_realloc(e->alloc, e->arenas, sizeof *arenas, (nt + 1) * sizeof *arenas);
    if (!arenas) return RP_E_NOMEM;
    e->arenas = arenas;
    for (unsigned i = 1; i <= nt; i++)
        rpi_arena_init(&e->arenas[i], e->alloc);
    e->n_arenas = nt + 1;
    const int spill = e->cfg.verify == RP_VERIFY_EXACT && e->cfg.level != RP_LEVEL_EXACT;
    if (spill) {
        e->spills = rpi_calloc(e->alloc, nt, sizeof *e->spills);
        if (!e->spills) return RP_E_NOMEM;
        for (unsigned i = 0; i < nt; i++)
            e->spills[i].fd = -1;
        e->n_spills = nt;
        for (unsigned i = 0; i < nt; i++)
            RP_TRY(rpi_spill_open(&e->spills[i], e->cfg.tmp_dir, e->errmsg, sizeof e->errmsg));
    }
    if (e->cfg.level >= RP_LEVEL_REUSE) RP_TRY(rpi_engine_stores_open(e, nt));

    struct queue q;
    memset(&q, 0, sizeof q);
    pthread_mutex_init(&q.mu, NULL);
    pthread_cond_init(&q.not_empty, NULL);
    pthread_cond_init(&q.not_full, NULL);
    pthread_cond_init(&q.free_avail, NULL);
    q.cap = QUEUE_CAP * nt;
    const size_t n_batches = q.cap + nt + 1;
    struct batch *batches = rpi_calloc(e->alloc, n_batches, sizeof *batches);
    q.items = rpi_calloc(e->alloc, q.cap, sizeof *q.items);
    q.free_list = rpi_calloc(e->alloc, n_batches, sizeof *q.free_list);
    struct worker *ws = rpi_calloc(e->alloc, nt, sizeof *ws);
    if (!batches || !q.items || !q.free_list || !ws) {
        st = RP_E_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < n_batches; i++) {
        rpi_vec_init(&batches[i].recs, sizeof(struct batch_rec), e->alloc);
        rpi_buf_init(&batches[i].data, 0, e->alloc);
        q.free_list[q.n_free++] = &batches[i];
    }
    const struct rpi_prep_params pp = {e->cfg.level != RP_LEVEL_EXACT,
                                       e->cfg.level >= RP_LEVEL_REUSE,
                                       e->cfg.ngram,
                                       e->cfg.num_perm,
                                       e->cfg.seed,
                                       spill};
    for (unsigned i = 0; i < nt; i++) {
        struct worker *w = &ws[i];
        w->e = e;
        w->q = &q;
        w->index = i;
        w->decoded_first_doc = SIZE_MAX;
        w->spill = e->n_spills ? &e->spills[i] : NULL;
        RP_TRY_GOTO(st, rpi_prep_init(&w->prep, &pp, &e->cfg.ingest, &e->cfg.norm, e->alloc), done);
        w->prep.store = e->n_sstores ? &e->sstores[i] : NULL;
    }
    struct read_ctx rc = {e, &q, ws, t0};
    st = rpi_parallel_for(nt + 1, nt + 1, NULL, read_task, &rc);
    if (st == RP_E_INTERNAL && !e->errmsg[0]) rpi_engine_error(e, "cannot start worker thread");

done:
    if (ws) {
        size_t first = SIZE_MAX;
        for (unsigned i = 0; i < nt; i++) {
            e->sum.n_repaired += ws[i].n_repaired;
            e->sum.n_decoded += ws[i].n_decoded;
            e->sum.n_decode_replaced += ws[i].n_decode_replaced;
            if (ws[i].decoded_first && ws[i].decoded_first_doc < first) {
                e->sum.decoded_first = ws[i].decoded_first;
                first = ws[i].decoded_first_doc;
            }
            rpi_prep_free(&ws[i].prep);
        }
    }
    if (batches)
        for (size_t i = 0; i < n_batches; i++) {
            rpi_vec_free(&batches[i].recs);
            rpi_buf_free(&batches[i].data);
        }
    rpi_free(e->alloc, batches);
    rpi_free(e->alloc, q.items);
    rpi_free(e->alloc, q.free_list);
    rpi_free(e->alloc, ws);
    pthread_mutex_destroy(&q.mu);
    pthread_cond_destroy(&q.not_empty);
    pthread_cond_destroy(&q.not_full);
    pthread_cond_destroy(&q.free_avail);
    for (unsigned i = 0; i < e->n_spills && st == RP_OK; i++)
        st = rpi_spill_map(&e->spills[i], 0, e->errmsg, sizeof e->errmsg);
    if (st == RP_OK) st = rpi_engine_stores_attach(e);
    e->tm.t_read = rpi_now() - t0;
    e->tm.rss_read = rpi_peak_rss_mib();
    if (e->progress_fn && st == RP_OK) {
        rp_progress p = {"read", e->docs.n_docs, e->sum.bytes, 0, e->tm.t_read};
        e->progress_fn(&p, e->progress_user);
    }
    return st;
}
