/* SPDX-License-Identifier: MIT */
/* engine_read.c -- stages 1-3 in parallel: the calling thread frames records (decompress,
 * split) into batches; worker threads parse, normalize, shingle and sketch them into document
 * slots. A bounded queue keeps memory proportional to threads x batch size, never to the
 * collection: text is dropped as soon as its signature exists. */
#include <errno.h>    /* errno */
#include <pthread.h>  /* pthread_create */
#include <stdio.h>    /* snprintf */
#include <stdlib.h>   /* qsort, mkstemp, getenv */
#include <string.h>   /* memcpy, strcmp */
#include <unistd.h>   /* sysconf, write, unlink */
#include <sys/mman.h> /* mmap */
#include "engine_internal.h"

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
    rp_status status;
    pthread_t tid;
    /* per-worker scratch */
    rp_parser *parser;
    rp_normalizer *norm;
    rp_normalizer *tnorm; /* reuse/story: for titles */
    struct rpi_vec shingles; /* uint64_t */
    struct rpi_buf scratch;
    struct rpi_spill *spill;
    uint64_t n_repaired;
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

/* Record a skipped document: id from the record, detail "path:line: reason: detail". */
static rp_status slot_skip(struct worker *w, struct rpi_docslot *d, const struct batch_rec *r,
                           const struct batch *b, rp_skip skip, const char *id, size_t id_size,
                           const char *detail)
{
    struct rpi_arena *ar = &w->e->arenas[w->index + 1];
    char head[64];
    if (!id) {
        const char *rel = batch_str(b, r->rel_off);
        if (rel) {
            id = rel;
            id_size = strlen(rel);
        } else {
            int n = snprintf(head, sizeof head, ":%llu", (unsigned long long)r->line);
            rpi_buf_reset(&w->scratch);
            RP_TRY(rpi_buf_append(&w->scratch, r->path, strlen(r->path)));
            RP_TRY(rpi_buf_append(&w->scratch, head, (size_t)n));
            id = w->scratch.ptr;
            id_size = w->scratch.size;
        }
    }
    d->id = rpi_arena_strndup(ar, id, id_size);
    if (!d->id) return RP_E_NOMEM;
    char msg[1024];
    if (r->line)
        snprintf(msg, sizeof msg, "%s:%llu: %s%s%s", r->path, (unsigned long long)r->line,
                 rp_skip_reason_str(skip), detail ? ": " : "", detail ? detail : "");
    else
        snprintf(msg, sizeof msg, "%s: %s%s%s", r->path, rp_skip_reason_str(skip),
                 detail ? ": " : "", detail ? detail : "");
    d->detail = rpi_arena_strndup(ar, msg, strlen(msg));
    if (!d->detail) return RP_E_NOMEM;
    d->skip = (uint8_t)skip;
    return RP_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static rp_status spill_write(struct worker *w, struct rpi_docslot *d, uint64_t *sh, size_t n)
{
    qsort(sh, n, sizeof *sh, cmp_u64);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || sh[m - 1] != sh[i]) sh[m++] = sh[i];
    struct rpi_spill *s = w->spill;
    d->spill_file = (uint16_t)w->index;
    d->spill_off = s->size;
    d->n_shingles = (uint32_t)m;
    const char *p = (const char *)sh;
    size_t left = m * sizeof *sh;
    while (left) {
        ssize_t k = write(s->fd, p, left);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            rpi_engine_error(w->e, "spill file: %s", strerror(errno));
            return RP_E_IO;
        }
        p += k;
        left -= (size_t)k;
    }
    s->size += m * sizeof *sh;
    return RP_OK;
}

/* A date that is there but not understood: the document stays undated (no window, not a
 * candidate for the earliest version), counted in the summary; the first RPI_BAD_DATES_NOTED
 * of each thread keep their message (a thread reads its batches in document order, so the
 * first of the run is among them). */
static rp_status bad_date(struct worker *w, struct rpi_docslot *d, const rp_doc *doc,
                          const rp_record *rec)
{
    char msg[1024];
    const int note = w->bad_dates_noted < RPI_BAD_DATES_NOTED; /* else only counted */
    if (!rp_doc_bad_date(doc, rec, note ? msg : NULL, note ? sizeof msg : 0)) return RP_OK;
    d->flags |= RPI_DOC_BAD_DATE;
    if (!note) return RP_OK;
    w->bad_dates_noted++;
    d->detail = rpi_arena_strndup(&w->e->arenas[w->index + 1], msg, strlen(msg));
    return d->detail ? RP_OK : RP_E_NOMEM;
}

static rp_status process_record(struct worker *w, const struct batch *b, size_t k)
{
    rp_engine *e = w->e;
    const struct batch_rec *r = &RPI_VEC_AT(&b->recs, struct batch_rec, k);
    const size_t di = b->first_doc + k;
    struct rpi_docslot *d = rpi_doc(e, di);
    d->source = r->path;
    d->line = r->line;
    d->date = INT64_MIN;
    if (r->skip != RP_SKIP_NONE)
        return slot_skip(w, d, r, b, r->skip, NULL, 0, batch_str(b, r->detail_off));
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
    rec.truncated_text = r->truncated;
    rp_doc doc;
    RP_TRY(rp_record_parse(w->parser, &rec, &doc));
    if (doc.skip != RP_SKIP_NONE)
        return slot_skip(w, d, r, b, doc.skip, doc.id_size ? doc.id : NULL, doc.id_size,
                         doc.detail);
    d->id = rpi_arena_strndup(&e->arenas[w->index + 1], doc.id, doc.id_size);
    if (!d->id) return RP_E_NOMEM;
    d->date = doc.date_epoch;
    if (r->truncated) d->flags |= RPI_DOC_TRUNCATED;
    RP_TRY(bad_date(w, d, &doc, &rec));

    rp_norm_result nr;
    RP_TRY(rp_normalizer_run(w->norm, doc.text, doc.text_size, &nr));
    w->n_repaired += nr.n_repaired;
    d->content_hash[0] = nr.content_hash[0];
    d->content_hash[1] = nr.content_hash[1];
    d->norm_size = nr.norm_size;
    d->n_tokens = nr.n_tokens;
    if (e->cfg.level >= RP_LEVEL_REUSE)
        RP_TRY(rpi_story_doc(e, w->index + 1, d, &doc, &nr, w->tnorm));
    if (nr.n_tokens == 0) {
        d->flags |= RPI_DOC_EMPTY;
        return RP_OK;
    }
    if (e->cfg.level == RP_LEVEL_EXACT) return RP_OK;
    w->shingles.len = 0;
    RP_TRY(rpi_vec_reserve(&w->shingles, nr.n_tokens));
    uint64_t *sh = w->shingles.ptr;
    const size_t n = rp_shingles(nr.tokens, nr.n_tokens, e->cfg.ngram, sh);
    rp_minhash_params mp = {e->cfg.num_perm, e->cfg.seed};
    rp_status st = rp_minhash(&mp, sh, n, rpi_sig(e, di));
    if (st != RP_OK && st != RP_DONE) return st;
    if (e->cfg.verify == RP_VERIFY_EXACT) RP_TRY(spill_write(w, d, sh, n));
    return RP_OK;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct batch *b;
    while ((b = queue_pop(w->q)) != NULL) {
        for (size_t k = 0; k < b->recs.len && w->status == RP_OK; k++)
            w->status = process_record(w, b, k);
        queue_recycle(w->q, b);
    }
    return NULL;
}

/* Make sure slots [0, n) exist. Called by the reading thread only, before the batch that
 * needs them is queued, so workers never see a chunk being created. */
static rp_status ensure_slots(rp_engine *e, size_t n)
{
    const size_t need = (n + RPI_CHUNK_DOCS - 1) >> RPI_CHUNK_SHIFT;
    if (need > RPI_MAX_CHUNKS) {
        rpi_engine_error(e, "more than %llu documents",
                         (unsigned long long)RPI_MAX_CHUNKS * RPI_CHUNK_DOCS);
        return RP_E_TOO_BIG;
    }
    /* the memory cap counts per document: slot, signature and an estimate for ids */
    const uint64_t per_doc = sizeof(struct rpi_docslot) + RPI_ID_ESTIMATE +
                             (e->cfg.level != RP_LEVEL_EXACT ? e->cfg.num_perm * 4u : 0u);
    e->mem_used = (uint64_t)n * per_doc;
    if (e->mem_used > e->mem_limit) {
        rpi_engine_error(e,
                         "the working set would exceed the memory cap (%llu MiB) after %zu "
                         "documents; raise --max-memory or lower --num-perm",
                         (unsigned long long)(e->mem_limit >> 20), n - 1);
        return RP_E_TOO_BIG;
    }
    /* documents arrive one at a time, so only the chunk of document n-1 can be missing */
    const size_t c = need - 1;
    if (e->chunks[c]) return RP_OK;
    e->chunks[c] = rpi_calloc(e->alloc, RPI_CHUNK_DOCS, sizeof(struct rpi_docslot));
    if (!e->chunks[c]) return RP_E_NOMEM;
    if (e->cfg.level != RP_LEVEL_EXACT) {
        e->sig_chunks[c] =
            rpi_malloc(e->alloc, (size_t)RPI_CHUNK_DOCS * e->cfg.num_perm * sizeof(uint32_t));
        if (!e->sig_chunks[c]) return RP_E_NOMEM;
    }
    return RP_OK;
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

static unsigned thread_count(const rp_engine *e)
{
    unsigned t = e->cfg.threads;
    if (t == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        t = n > 0 ? (unsigned)n : 1;
    }
    if (t > 256) t = 256;
    return t;
}

static rp_status open_spill(rp_engine *e, struct rpi_spill *s)
{
    const char *dir = e->cfg.tmp_dir;
    if (!dir) dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    char path[4096];
    snprintf(path, sizeof path, "%s/reprint-spill-XXXXXX", dir);
    s->fd = mkstemp(path);
    if (s->fd < 0) {
        rpi_engine_error(e, "%s: cannot create spill file: %s", dir, strerror(errno));
        return RP_E_IO;
    }
    unlink(path); /* anonymous: vanishes with the process */
    return RP_OK;
}

rp_status rpi_engine_read(rp_engine *e)
{
    const unsigned nt = thread_count(e);
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
    if (e->cfg.verify == RP_VERIFY_EXACT && e->cfg.level != RP_LEVEL_EXACT) {
        e->spills = rpi_calloc(e->alloc, nt, sizeof *e->spills);
        if (!e->spills) return RP_E_NOMEM;
        for (unsigned i = 0; i < nt; i++)
            e->spills[i].fd = -1;
        e->n_spills = nt;
        for (unsigned i = 0; i < nt; i++)
            RP_TRY(open_spill(e, &e->spills[i]));
    }

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
    rp_reader *rd = NULL;
    unsigned started = 0;
    if (!batches || !q.items || !q.free_list || !ws) {
        st = RP_E_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < n_batches; i++) {
        rpi_vec_init(&batches[i].recs, sizeof(struct batch_rec), e->alloc);
        rpi_buf_init(&batches[i].data, 0, e->alloc);
        q.free_list[q.n_free++] = &batches[i];
    }
    for (unsigned i = 0; i < nt; i++) {
        struct worker *w = &ws[i];
        w->e = e;
        w->q = &q;
        w->index = i;
        rpi_vec_init(&w->shingles, sizeof(uint64_t), e->alloc);
        rpi_buf_init(&w->scratch, 0, e->alloc);
        w->spill = e->n_spills ? &e->spills[i] : NULL;
        RP_TRY_GOTO(st, rp_parser_create(&w->parser, &e->cfg.ingest, e->alloc), done);
        RP_TRY_GOTO(st, rp_normalizer_create(&w->norm, &e->cfg.norm, e->alloc), done);
        if (e->cfg.level >= RP_LEVEL_REUSE)
            RP_TRY_GOTO(st, rp_normalizer_create(&w->tnorm, &e->cfg.norm, e->alloc), done);
    }
    for (unsigned i = 0; i < nt; i++) {
        if (pthread_create(&ws[i].tid, NULL, worker_main, &ws[i]) != 0) {
            rpi_engine_error(e, "cannot start worker thread");
            st = RP_E_INTERNAL;
            goto done;
        }
        started++;
    }

    /* The reading loop: frame records into batches. */
    uint64_t bytes_before = 0;
    double last_progress = t0;
    const char *last_path = NULL, *interned = NULL;
    struct batch *cur = queue_take_free(&q);
    cur->first_doc = 0;
    for (size_t a = 0; a < e->n_inputs && st == RP_OK; a++) {
        st = rp_reader_open(&rd, e->inputs[a], &e->cfg.ingest, e->alloc);
        if (st != RP_OK) {
            rpi_engine_error(e, "%s: %s", e->inputs[a], rp_strerror(st));
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
                rpi_engine_error(e, "%s%s%s", e->inputs[a], *m ? ": " : "", m);
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
            if ((st = ensure_slots(e, e->n_docs + 1)) != RP_OK) break;
            if ((st = batch_add(cur, &rec)) != RP_OK) break;
            RPI_VEC_AT(&cur->recs, struct batch_rec, cur->recs.len - 1).path = interned;
            e->n_docs++;
            if (cur->recs.len >= BATCH_RECS || cur->data.size >= BATCH_BYTES) {
                queue_push(&q, cur);
                cur = queue_take_free(&q);
                cur->first_doc = e->n_docs;
                rp_reader_progress(rd, &bd, &bt);
                const double now = rpi_now();
                if (e->progress_fn && now - last_progress >= 0.25) {
                    last_progress = now;
                    rp_progress p = {"read", e->n_docs, bytes_before + bd,
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
    if (cur->recs.len)
        queue_push(&q, cur);
    else
        queue_recycle(&q, cur);
    e->sum.bytes = bytes_before;

done:
    pthread_mutex_lock(&q.mu);
    q.closed = 1;
    pthread_cond_broadcast(&q.not_empty);
    pthread_mutex_unlock(&q.mu);
    for (unsigned i = 0; i < started; i++)
        pthread_join(ws[i].tid, NULL);
    rp_reader_free(rd);
    if (ws) {
        for (unsigned i = 0; i < nt; i++) {
            if (st == RP_OK && ws[i].status != RP_OK) st = ws[i].status;
            e->sum.n_repaired += ws[i].n_repaired;
            rp_parser_free(ws[i].parser);
            rp_normalizer_free(ws[i].norm);
            rp_normalizer_free(ws[i].tnorm);
            rpi_vec_free(&ws[i].shingles);
            rpi_buf_free(&ws[i].scratch);
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
    if (st == RP_OK) {
        for (unsigned i = 0; i < e->n_spills; i++) {
            struct rpi_spill *s = &e->spills[i];
            if (s->size == 0) continue;
            void *m = mmap(NULL, s->size, PROT_READ, MAP_PRIVATE, s->fd, 0);
            if (m == MAP_FAILED) {
                rpi_engine_error(e, "cannot map spill file: %s", strerror(errno));
                return RP_E_IO;
            }
            s->map = m;
        }
    }
    e->sum.t_read = rpi_now() - t0;
    e->sum.rss_read = rpi_peak_rss_mib();
    if (e->progress_fn && st == RP_OK) {
        rp_progress p = {"read", e->n_docs, e->sum.bytes, 0, e->sum.t_read};
        e->progress_fn(&p, e->progress_user);
    }
    return st;
}
