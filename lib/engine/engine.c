/* SPDX-License-Identifier: MIT */
/* engine.c -- rp_engine, the batch driver: lifecycle, configuration, the run (stage doc over
 * every input in engine_read.c, then stages near and story over the whole collection) and the
 * result accessors. */
#include <stdarg.h> /* va_list */
#include <math.h>   /* lrint */
#include <stddef.h> /* offsetof */
#include <stdio.h>  /* vsnprintf */
#include <stdlib.h> /* qsort */
#include <string.h> /* memset, strlen */
#include <unistd.h> /* sysconf */
#include "engine_internal.h"

void rp_config_default(rp_config *c)
{
    memset(c, 0, sizeof *c);
    c->level = RP_LEVEL_NEAR;
    c->ngram = 5;
    c->threshold = 0.0; /* the level's default */
    c->num_perm = 0;    /* the level's default */
    c->verify = RP_VERIFY_SIGNATURE;
    c->keep = RP_KEEP_LONGEST;
    c->max_bucket = 512;
    c->min_passage = 10;
    c->window_days = 3.0;
    c->boilerplate_min = 4;
    rp_ingest_params_default(&c->ingest);
    rp_norm_params_default(&c->norm);
}

void rpi_engine_error(rp_engine *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->errmsg, sizeof e->errmsg, fmt, ap);
    va_end(ap);
}

static const char *dup_opt(rp_engine *e, const char *s)
{
    if (!s) return NULL;
    return rpi_arena_strndup(&e->arenas[0], s, strlen(s));
}

rp_status rp_engine_create_sized(rp_engine **out, const rp_config *cfg, size_t c_size,
                                 const rp_alloc *alloc)
{
    *out = NULL;
    /* a caller's rp_config from an older header: its fields, the defaults for the rest */
    if (!cfg || c_size < offsetof(rp_config, level) + sizeof cfg->level) return RP_E_INVALID;
    rp_config full;
    rp_config_default(&full);
    memcpy(&full, cfg, c_size < sizeof full ? c_size : sizeof full);
    const rp_config *c = &full;
    const unsigned num_perm = RP_CONFIG_NUM_PERM(c);
    if (num_perm < RP_MINHASH_MIN_PERM || num_perm > RP_MINHASH_MAX_PERM) return RP_E_INVALID;
    if (c->ngram < 1 || c->ngram > 64) return RP_E_INVALID;
    if (!(c->threshold >= 0.0 && c->threshold <= 1.0)) return RP_E_INVALID;
    if (c->min_passage < 2 || c->min_passage > 1000) return RP_E_INVALID;
    if (!(c->window_days >= 0.0 && c->window_days <= 1e6)) return RP_E_INVALID;
    if (c->bands && c->rows && (uint64_t)c->bands * c->rows > num_perm) return RP_E_INVALID;
    if (c->level < RP_LEVEL_EXACT || c->level > RP_LEVEL_EVENT) return RP_E_INVALID;
    rp_engine *e = rpi_calloc(alloc, 1, sizeof *e);
    if (!e) return RP_E_NOMEM;
    if (alloc) {
        e->alloc_copy = *alloc;
        e->alloc = &e->alloc_copy;
    }
    e->cfg = *c;
    e->cfg.num_perm = num_perm;
    e->docs.alloc = e->alloc;
    e->docs.num_perm = c->level != RP_LEVEL_EXACT ? num_perm : 0;
    if (e->cfg.threshold == 0.0)
        e->cfg.threshold = c->level == RP_LEVEL_REUSE   ? RP_REUSE_THRESHOLD
                           : c->level >= RP_LEVEL_STORY ? RP_STORY_THRESHOLD
                                                        : 0.5;
    e->sum.threshold = e->cfg.threshold;
    e->near_threshold = c->level <= RP_LEVEL_NEAR ? e->cfg.threshold : 0.5;
    e->mem_limit = c->max_memory;
    if (!e->mem_limit) {
        const long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
        e->mem_limit =
            pages > 0 && psize > 0 ? (uint64_t)pages * (uint64_t)psize / 4 * 3 : (uint64_t)8 << 30;
    }
    /* arena 0: engine-owned strings; worker arenas are added by the reading stage */
    e->arenas = rpi_calloc(e->alloc, 1, sizeof *e->arenas);
    if (!e->arenas) {
        rpi_free(e->alloc, e);
        return RP_E_NOMEM;
    }
    e->n_arenas = 1;
    rpi_arena_init(&e->arenas[0], e->alloc);
    rp_ingest_params *ip = &e->cfg.ingest;
    ip->id_field = dup_opt(e, c->ingest.id_field);
    ip->text_field = dup_opt(e, c->ingest.text_field);
    /* the story levels read dates (the window, the original) and titles by default */
    const int story = c->level >= RP_LEVEL_REUSE;
    ip->date_field = dup_opt(e, c->ingest.date_field ? c->ingest.date_field
                                : story              ? "date"
                                                     : NULL);
    ip->title_field = dup_opt(e, c->ingest.title_field ? c->ingest.title_field
                                 : story               ? "title"
                                                       : NULL);
    ip->url_field = dup_opt(e, c->ingest.url_field);
    e->cfg.tmp_dir = dup_opt(e, c->tmp_dir);
    if ((c->ingest.id_field && !ip->id_field) || (c->ingest.text_field && !ip->text_field) ||
        ((c->ingest.date_field || story) && !ip->date_field) ||
        ((c->ingest.title_field || story) && !ip->title_field) ||
        (c->ingest.url_field && !ip->url_field) || (c->tmp_dir && !e->cfg.tmp_dir)) {
        rp_engine_free(e);
        return RP_E_NOMEM;
    }
    *out = e;
    return RP_OK;
}

void rp_engine_free(rp_engine *e)
{
    if (!e) return;
    rpi_doctab_free(&e->docs);
    for (unsigned i = 0; i < e->n_arenas; i++)
        rpi_arena_free(&e->arenas[i]);
    rpi_free(e->alloc, e->arenas);
    for (unsigned i = 0; i < e->n_spills; i++)
        rpi_spill_close(&e->spills[i]);
    rpi_free(e->alloc, e->spills);
    for (unsigned i = 0; i < e->n_sstores; i++)
        rpi_sstore_close(&e->sstores[i]);
    rpi_free(e->alloc, e->sstores);
    for (size_t i = 0; i < e->n_inputs; i++)
        rpi_free(e->alloc, e->inputs[i].path);
    rpi_free(e->alloc, e->inputs);
    rpi_near_free(&e->near, e->alloc);
    rpi_story_free(e->story);
    rpi_free(e->alloc, e->cl_members);
    rpi_free(e->alloc, e->cl_off);
    rpi_free(e->alloc, e->cl_of_doc);
    rpi_free(e->alloc, e);
}

void rp_engine_set_progress(rp_engine *e, rp_progress_fn fn, void *user)
{
    e->progress_fn = fn;
    e->progress_user = user;
}

void rp_engine_set_log(rp_engine *e, rp_log_fn fn, void *user)
{
    e->log_fn = fn;
    e->log_user = user;
}

/* Queue a path or, when data is not NULL, a borrowed buffer read as a file named path. */
static rp_status add_input(rp_engine *e, const char *path, const void *data, size_t size)
{
    if (!path || e->ran) return RP_E_INVALID;
    struct rpi_input *n =
        rpi_realloc(e->alloc, e->inputs, e->n_inputs * sizeof *n, (e->n_inputs + 1) * sizeof *n);
    if (!n) return RP_E_NOMEM;
    e->inputs = n;
    struct rpi_input *in = &e->inputs[e->n_inputs];
    in->path = rpi_strndup(e->alloc, path, strlen(path));
    if (!in->path) return RP_E_NOMEM;
    in->data = data;
    in->size = size;
    in->piece = 0;
    e->n_inputs++;
    return RP_OK;
}

rp_status rpi_engine_add_piece(rp_engine *e, const char *path, const struct rpi_piece_sel *sel)
{
    RP_TRY(add_input(e, path, NULL, 0));
    struct rpi_input *in = &e->inputs[e->n_inputs - 1];
    in->piece = 1;
    in->sel = *sel;
    return RP_OK;
}

rp_status rp_engine_add_input(rp_engine *e, const char *path)
{
    return add_input(e, path, NULL, 0);
}

rp_status rp_engine_add_buffer(rp_engine *e, const void *data, size_t size, const char *name)
{
    if (!data && size) return RP_E_INVALID;
    /* a non-NULL pointer marks a buffer input, also an empty one */
    return add_input(e, name, data ? data : "", size);
}

void rp_engine_cancel(rp_engine *e) { __atomic_store_n(&e->cancelled, 1, __ATOMIC_RELAXED); }

int rp_engine_cancelled(const rp_engine *e)
{
    return __atomic_load_n(&e->cancelled, __ATOMIC_RELAXED);
}

int rpi_engine_cancelled(rp_engine *e)
{
    if (!rp_engine_cancelled(e)) return 0;
    if (!e->errmsg[0]) rpi_engine_error(e, "cancelled");
    return 1;
}

static void progress(rp_engine *e, const char *stage, double t0)
{
    if (!e->progress_fn) return;
    rp_progress p = {stage, e->docs.n_docs, e->sum.bytes, 0, rpi_now() - t0};
    e->progress_fn(&p, e->progress_user);
}

static rp_status clusters(rp_engine *e);

/* Stage story over the units and edges of stage near. */
static rp_status run_story(rp_engine *e)
{
    const struct rpi_story_in in = {
        .p = {e->cfg.level, e->cfg.threshold, e->cfg.window_days, e->cfg.min_passage,
              e->cfg.boilerplate_min, e->cfg.num_perm, e->sum.threads, e->cfg.norm,
              rpi_lexicon_dir(e->cfg.lexicon_dir)},
        .alloc = e->alloc,
        .docs = &e->docs,
        .unit_of = e->near.unit_of,
        .unit_doc = e->near.unit_doc,
        .n_units = e->near.n_units,
        .edges = e->near.edges,
        .n_edges = e->near.n_edges,
        .stores = e->sstores,
        .n_stores = e->n_sstores,
        .tmp_dir = e->cfg.tmp_dir,
    };
    const rp_status st = rpi_story_run(&in, &e->story);
    if (e->story) {
        const struct rpi_story_stats *x = &e->story->stats;
        e->sum.n_boilerplate_lines = x->n_boilerplate_lines;
        e->sum.n_small_collection = x->small;
        e->sum.n_story_candidates = x->n_candidates;
        e->sum.n_story_links = x->n_links;
        e->sum.n_languages = x->n_languages;
        e->sum.n_pivot_pairs = x->n_pivot_pairs;
        memcpy(e->sum.no_word_list, x->no_list, sizeof e->sum.no_word_list);
        if (st != RP_OK && e->story->errmsg[0]) rpi_engine_error(e, "%s", e->story->errmsg);
    }
    if (st == RP_E_INTERNAL && !e->errmsg[0]) rpi_engine_error(e, "cannot start a thread");
    return st;
}

/* Counts by skip reason and relation, and the skip details through the log callback. */
static void summarize(rp_engine *e)
{
    for (size_t i = 0; i < e->docs.n_docs; i++) {
        rp_doc_result r;
        rp_engine_doc(e, i, &r);
        const struct rpi_docslot *d = rpi_doc(&e->docs, i);
        if (d->skip != RP_SKIP_NONE) {
            e->sum.n_skipped++;
            if (d->skip < RP_SKIP_REASONS) e->sum.skipped_by[d->skip]++;
            if (e->log_fn && d->detail) e->log_fn(d->detail, e->log_user);
            continue;
        }
        if (d->flags & RPI_DOC_EMPTY) e->sum.n_empty++;
        if (d->flags & RPI_DOC_TRUNCATED) e->sum.n_truncated++;
        if (d->flags & RPI_DOC_BAD_DATE) {
            if (!e->sum.n_bad_dates) e->sum.bad_date_first = d->detail;
            e->sum.n_bad_dates++;
        }
        if (r.relation == RP_REL_UNIQUE)
            e->sum.n_unique++;
        else if (r.relation == RP_REL_ORIGINAL)
            e->sum.n_clusters++;
        else if (r.relation == RP_REL_EXACT)
            e->sum.n_exact++;
        else if (r.relation == RP_REL_NEAR)
            e->sum.n_near++;
        else if (r.relation == RP_REL_PARTIAL)
            e->sum.n_partial++;
        else if (r.relation == RP_REL_REUSE)
            e->sum.n_reuse++;
        else if (r.relation == RP_REL_REWRITE)
            e->sum.n_rewrite++;
        else if (r.relation == RP_REL_RELATED)
            e->sum.n_related++;
        else if (r.relation == RP_REL_TRANSLATION)
            e->sum.n_translation++;
    }
    e->sum.n_docs = e->docs.n_docs;
}

/* Stages near and story over the documents read. */
static rp_status run_stages(rp_engine *e)
{
    const double t0 = rpi_now();
    const struct rpi_near_params np = {
        .level = e->cfg.level,
        .keep = e->cfg.keep,
        .verify = e->cfg.verify,
        .threshold = e->near_threshold,
        .num_perm = e->cfg.num_perm,
        .bands = e->cfg.bands,
        .rows = e->cfg.rows,
        .threads = e->sum.threads,
        .max_bucket = e->cfg.max_bucket,
        .mem_limit = e->mem_limit,
        .mem_used = e->mem_used,
        .edges_fn = e->edges_fn,
        .edges_ctx = e->edges_ctx,
    };
    RP_TRY(rpi_near_units(&e->near, &np, &e->docs, e->alloc));
    if (rpi_engine_cancelled(e)) return RP_E_CANCELLED;
    e->tm.t_group = rpi_now() - t0;
    progress(e, "candidates", t0);
    const double t1 = rpi_now();
    const rp_status st = rpi_near_cluster(&e->near, &np, &e->docs, e->spills, e->alloc);
    e->sum.n_candidates = e->near.n_candidates;
    e->sum.bands = e->near.bands;
    e->sum.rows = e->near.rows;
    if (st != RP_OK) {
        if (e->near.errmsg[0]) rpi_engine_error(e, "%s", e->near.errmsg);
        return st;
    }
    e->sum.n_verified = e->near.n_edges;
    e->tm.t_candidates = rpi_now() - t1;
    e->tm.rss_candidates = rpi_peak_rss_mib();
    const double t2 = rpi_now();
    e->n_pairs = e->near.n_exact_pairs + e->near.n_edges;
    if (rpi_engine_cancelled(e)) return RP_E_CANCELLED;
    if (e->cfg.level >= RP_LEVEL_REUSE) RP_TRY(run_story(e));
    if (rpi_engine_cancelled(e)) return RP_E_CANCELLED;
    RP_TRY(clusters(e));
    if (e->story) {
        /* disagreements need the cluster list */
        RP_TRY(rpi_story_disagreements(e->story, e->cl_members, e->cl_off, e->n_clusters));
        /* the stage's times, once it is complete (disagreements count in its last step) */
        e->tm.t_story = e->story->stats.t_total;
        for (unsigned i = 0; i < RP_STORY_STEPS && i < RPI_STORY_STEPS; i++)
            e->tm.t_story_steps[i] = e->story->stats.t_steps[i];
    }
    summarize(e);
    e->tm.t_cluster = rpi_now() - t2;
    e->tm.rss_cluster = rpi_peak_rss_mib();
    progress(e, "cluster", t0);
    return RP_OK;
}

rp_status rpi_engine_finish(rp_engine *e)
{
    if (rpi_engine_cancelled(e)) return RP_E_CANCELLED; /* stages check between steps */
    RP_TRY(rpi_engine_unique_ids(e));
    return run_stages(e);
}

rp_status rp_engine_run(rp_engine *e)
{
    if (e->ran) return RP_E_INVALID;
    e->ran = 1;
    RP_TRY(rpi_engine_read(e));
    return rpi_engine_finish(e);
}

size_t rp_engine_n_docs(const rp_engine *e) { return e->docs.n_docs; }

/* The result of document i into out, whole. */
static rp_status doc_result(const rp_engine *e, size_t i, rp_doc_result *out);

rp_status rp_engine_doc_sized(const rp_engine *e, size_t i, rp_doc_result *out, size_t out_size)
{
    if (out_size >= sizeof *out) return doc_result(e, i, out);
    rp_doc_result full; /* a caller's struct from an older header: its prefix */
    const rp_status st = doc_result(e, i, &full);
    if (st == RP_OK) memcpy(out, &full, out_size);
    return st;
}

static rp_status doc_result_levels(const rp_engine *e, size_t i, rp_doc_result *out);

static rp_status doc_result(const rp_engine *e, size_t i, rp_doc_result *out)
{
    const rp_status st = doc_result_levels(e, i, out);
    if (st == RP_OK && !out->family) { /* below the event level the family is the cluster */
        out->family = out->cluster;
        out->family_doc = out->cluster_doc;
    }
    return st;
}

static rp_status doc_result_levels(const rp_engine *e, size_t i, rp_doc_result *out)
{
    if (i >= e->docs.n_docs || !e->near.unit_of) return RP_E_INVALID;
    const struct rpi_docslot *d = rpi_doc(&e->docs, i);
    memset(out, 0, sizeof *out);
    out->id = d->id;
    out->cluster = d->id;
    out->skip = (rp_skip)d->skip;
    out->detail = d->skip != RP_SKIP_NONE ? d->detail : NULL; /* else a date message */
    out->source = d->source;
    out->line = d->line;
    out->n_tokens = d->n_tokens;
    out->date_epoch = d->date;
    out->of_doc = SIZE_MAX;
    out->cluster_doc = i;
    out->cluster_index = e->cl_of_doc && e->cl_of_doc[i] != UINT32_MAX ? e->cl_of_doc[i] : SIZE_MAX;
    if (d->sd) {
        out->title = d->sd->title;
        out->text_size = d->sd->text_size;
        out->lang = d->sd->lang;
    }
    if (d->skip != RP_SKIP_NONE) {
        out->relation = RP_REL_SKIPPED;
        return RP_OK;
    }
    if (e->story && e->story->res) {
        const struct rpi_res *r = &e->story->res[i];
        out->relation = (rp_relation)r->relation;
        out->family_doc = r->cluster_doc;
        out->family = rpi_doc(&e->docs, r->cluster_doc)->id;
        out->cluster_doc = r->event_doc; /* the family below the event level */
        out->cluster = rpi_doc(&e->docs, r->event_doc)->id;
        out->score = r->score;
        if (r->of_doc != UINT32_MAX) {
            out->of_doc = r->of_doc;
            out->of = rpi_doc(&e->docs, r->of_doc)->id;
        }
        /* dedup keeps one document per family: the events are not duplicates */
        out->kept = out->relation == RP_REL_UNIQUE || out->relation == RP_REL_ORIGINAL ||
                    out->relation == RP_REL_RELATED;
        return RP_OK;
    }
    const uint32_t u = e->near.unit_of[i];
    if (u == UINT32_MAX) { /* empty document: never clustered */
        out->relation = RP_REL_UNIQUE;
        out->kept = 1;
        return RP_OK;
    }
    const uint32_t leader = e->near.unit_doc[u];
    const uint32_t c = e->near.center[u];
    out->cluster_doc = e->near.unit_doc[c];
    out->cluster = rpi_doc(&e->docs, e->near.unit_doc[c])->id;
    if (leader != i) { /* an exact copy of its unit's leader */
        out->relation = RP_REL_EXACT;
        out->of_doc = leader;
        out->of = rpi_doc(&e->docs, leader)->id;
        out->score = 1.0;
    } else if (u == c) { /* the representative */
        out->relation = e->near.cluster_size[c] > 1 ? RP_REL_ORIGINAL : RP_REL_UNIQUE;
        out->kept = 1;
    } else { /* verified against the representative */
        out->relation = RP_REL_NEAR;
        out->of_doc = out->cluster_doc;
        out->of = out->cluster;
        out->score = e->near.center_score[u];
    }
    return RP_OK;
}

size_t rp_engine_n_pairs(const rp_engine *e)
{
    return e->story ? rpi_engine_story_n_pairs(e) : e->n_pairs;
}

void rpi_engine_exact_pair(const rp_engine *e, size_t k, rp_pair *out)
{
    const size_t m = e->near.exact_docs[k], l = e->near.unit_doc[e->near.unit_of[m]];
    memset(out, 0, sizeof *out);
    out->a = l < m ? l : m;
    out->b = l < m ? m : l;
    out->relation = RP_REL_EXACT;
    out->estimate = 1.0;
    out->jaccard = -1.0;
    out->same_cluster = 1;
    out->from = SIZE_MAX;
    out->lineage = -1.0;
}

rp_status rp_engine_pair(const rp_engine *e, size_t k, rp_pair *out)
{
    if (e->story) return rpi_engine_story_pair(e, k, out);
    if (k >= e->n_pairs) return RP_E_INVALID;
    if (k < e->near.n_exact_pairs) {
        rpi_engine_exact_pair(e, k, out);
        return RP_OK;
    }
    memset(out, 0, sizeof *out);
    out->from = SIZE_MAX;
    out->lineage = -1.0;
    const struct rpi_edge *ed = &e->near.edges[k - e->near.n_exact_pairs];
    const size_t a = e->near.unit_doc[ed->u], b = e->near.unit_doc[ed->v];
    out->a = a < b ? a : b;
    out->b = a < b ? b : a;
    out->relation = RP_REL_NEAR;
    if (e->edges_fn) /* no signatures here: the score is the estimate eq / num_perm, kept as a
                        float; eq comes back exactly, and so the double rp_minhash_similarity
                        gives (a float of 1/160 prints 0.0062, the double 0.0063) */
        out->estimate = (double)lrint((double)ed->score * e->cfg.num_perm) / e->cfg.num_perm;
    else
        out->estimate =
            rp_minhash_similarity(rpi_sig(&e->docs, a), rpi_sig(&e->docs, b), e->cfg.num_perm);
    out->jaccard = e->cfg.verify == RP_VERIFY_EXACT ? ed->score : -1.0;
    out->same_cluster = e->near.center[ed->u] == e->near.center[ed->v];
    return RP_OK;
}

/* Clusters of two or more members from the per-document results: largest first, ties by the
 * original's document number; members listed original first, then in input order. */
struct cl_key {
    size_t size, rep;
};

static int cmp_cl(const void *pa, const void *pb)
{
    const struct cl_key *a = pa, *b = pb;
    if (a->size != b->size) return a->size > b->size ? -1 : 1;
    return a->rep < b->rep ? -1 : a->rep > b->rep;
}

static rp_status clusters(rp_engine *e)
{
    const size_t n = e->docs.n_docs;
    size_t *cnt = rpi_calloc(e->alloc, n ? n : 1, sizeof *cnt);
    size_t *slot = rpi_malloc(e->alloc, (n ? n : 1) * sizeof *slot);
    struct cl_key *keys = rpi_malloc(e->alloc, (n ? n : 1) * sizeof *keys);
    rp_status st = RP_E_NOMEM;
    if (!cnt || !slot || !keys) goto done;
    for (size_t i = 0; i < n; i++) {
        rp_doc_result r;
        rp_engine_doc(e, i, &r);
        if (r.relation != RP_REL_SKIPPED) cnt[r.cluster_doc]++;
    }
    size_t nc = 0, total = 0;
    for (size_t i = 0; i < n; i++)
        if (cnt[i] > 1) {
            keys[nc++] = (struct cl_key){cnt[i], i};
            total += cnt[i];
        }
    qsort(keys, nc, sizeof *keys, cmp_cl);
    e->cl_off = rpi_malloc(e->alloc, (nc + 1) * sizeof *e->cl_off);
    e->cl_members = rpi_malloc(e->alloc, (total ? total : 1) * sizeof *e->cl_members);
    if (!e->cl_off || !e->cl_members) goto done;
    size_t off = 0;
    for (size_t k = 0; k < nc; k++) {
        e->cl_off[k] = off;
        e->cl_members[off] = keys[k].rep;
        slot[keys[k].rep] = off + 1; /* next free position of this cluster */
        off += keys[k].size;
    }
    e->cl_off[nc] = off;
    for (size_t i = 0; i < n; i++) {
        rp_doc_result r;
        rp_engine_doc(e, i, &r);
        if (r.relation == RP_REL_SKIPPED || cnt[r.cluster_doc] < 2 || i == r.cluster_doc) continue;
        e->cl_members[slot[r.cluster_doc]++] = i;
    }
    e->n_clusters = nc;
    rpi_free(e->alloc, e->cl_of_doc);
    e->cl_of_doc = rpi_malloc(e->alloc, (n ? n : 1) * sizeof *e->cl_of_doc);
    if (!e->cl_of_doc) goto done;
    for (size_t i = 0; i < n; i++)
        e->cl_of_doc[i] = UINT32_MAX;
    for (size_t k = 0; k < nc; k++)
        for (size_t x = e->cl_off[k]; x < e->cl_off[k + 1]; x++)
            e->cl_of_doc[e->cl_members[x]] = (uint32_t)k;
    st = RP_OK;
done:
    rpi_free(e->alloc, cnt);
    rpi_free(e->alloc, slot);
    rpi_free(e->alloc, keys);
    return st;
}

size_t rp_engine_n_clusters(const rp_engine *e) { return e->n_clusters; }

rp_status rp_engine_cluster(const rp_engine *e, size_t k, rp_cluster_info *out)
{
    if (k >= e->n_clusters) return RP_E_INVALID;
    memset(out, 0, sizeof *out);
    out->members = e->cl_members + e->cl_off[k];
    out->n_members = e->cl_off[k + 1] - e->cl_off[k];
    out->original = out->members[0];
    if (e->story) return rpi_engine_story_cluster(e, out);
    return RP_OK;
}

void rp_engine_summary_sized(const rp_engine *e, rp_summary *out, size_t out_size)
{
    memcpy(out, &e->sum, out_size < sizeof e->sum ? out_size : sizeof e->sum);
}

void rp_engine_timings(const rp_engine *e, rp_timings *out) { *out = e->tm; }

const char *rp_engine_errmsg(const rp_engine *e) { return e->errmsg; }
