/* SPDX-License-Identifier: MIT */
/* index_batch.c -- documents prepared for the index outside the writer lock: parse, normalize,
 * shingle and sketch exactly as the batch engine does (engine_read.c process_record), so that
 * the index sees the same content hashes and signatures as `reprint cluster`. At the story
 * level also the tokenisation of story_doc.c (ids, flags, lines; with a copy of the text in the
 * batch arena until the batch is freed). The index keeps no text. */
#include <stdio.h>  /* snprintf */
#include <stdlib.h> /* qsort */
#include <string.h> /* memset, strlen */
#include "index_internal.h"
#include "story/sdoc_internal.h" /* rpi_sdoc_build */

rp_status rp_index_batch_create(rp_index_batch **out, rp_index *ix, const rp_ingest_params *ip)
{
    *out = NULL;
    rp_index_batch *b = calloc(1, sizeof *b);
    if (!b) return RP_E_NOMEM;
    b->ix = ix;
    rpi_arena_init(&b->arena, NULL);
    rpi_vec_init(&b->docs, sizeof(struct rpi_ixdoc), NULL);
    rpi_vec_init(&b->shingles, sizeof(uint64_t), NULL);
    rpi_vec_init(&b->terms, sizeof(uint64_t), NULL);
    rp_ingest_params def;
    if (!ip)
        rp_ingest_params_default(&def);
    else
        def = *ip;
    const int story = ix->cfg.level == RP_LEVEL_STORY;
    if (story && !def.date_field) def.date_field = "date"; /* as rp_engine at this level */
    if (story && !def.title_field) def.title_field = "title";
    rp_status st = rp_parser_create(&b->parser, &def, NULL);
    if (st == RP_OK) st = rp_normalizer_create(&b->norm, &ix->cfg.norm, NULL);
    if (st == RP_OK && story) st = rp_normalizer_create(&b->tnorm, &ix->cfg.norm, NULL);
    if (st != RP_OK) {
        rp_index_batch_free(b);
        return st;
    }
    *out = b;
    return RP_OK;
}

void rp_index_batch_free(rp_index_batch *b)
{
    if (!b) return;
    rp_parser_free(b->parser);
    rp_normalizer_free(b->norm);
    rp_normalizer_free(b->tnorm);
    rpi_arena_free(&b->arena);
    rpi_vec_free(&b->docs);
    rpi_vec_free(&b->shingles);
    rpi_vec_free(&b->terms);
    free(b);
}

size_t rp_index_batch_n_docs(const rp_index_batch *b) { return b->docs.len; }

static int cmp_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static rp_status skipped(rp_index_batch *b, struct rpi_ixdoc *d, const rp_record *rec, rp_skip skip,
                         const char *id, size_t id_size, const char *detail)
{
    char head[64], msg[1024];
    if (!id || !id_size) {
        snprintf(head, sizeof head, "%s:%llu", rec->path ? rec->path : "-",
                 (unsigned long long)rec->line);
        id = rec->rel_id ? rec->rel_id : head;
        id_size = strlen(id);
    }
    d->id = rpi_arena_strndup(&b->arena, id, id_size);
    if (rec->line)
        snprintf(msg, sizeof msg, "%s:%llu: %s%s%s", rec->path ? rec->path : "-",
                 (unsigned long long)rec->line, rp_skip_reason_str(skip), detail ? ": " : "",
                 detail ? detail : "");
    else
        snprintf(msg, sizeof msg, "%s: %s%s%s", rec->path ? rec->path : "-",
                 rp_skip_reason_str(skip), detail ? ": " : "", detail ? detail : "");
    d->detail = rpi_arena_strndup(&b->arena, msg, strlen(msg));
    d->skip = skip;
    if (!d->id || !d->detail) return RP_E_NOMEM;
    return rpi_vec_push(&b->docs, d);
}

uint64_t rp_index_batch_bad_dates(const rp_index_batch *b, const char **first)
{
    if (first) *first = b->n_bad_dates ? b->bad_date_first : NULL;
    return b->n_bad_dates;
}

rp_status rp_index_batch_add_record(rp_index_batch *b, const rp_record *rec)
{
    if (rec->skip == RP_SKIP_BLANK) return RP_OK; /* not a document, as in a batch run */
    const rp_config *c = &b->ix->cfg;
    struct rpi_ixdoc d;
    memset(&d, 0, sizeof d);
    d.date = INT64_MIN;
    if (rec->skip != RP_SKIP_NONE) return skipped(b, &d, rec, rec->skip, NULL, 0, rec->detail);
    rp_doc doc;
    RP_TRY(rp_record_parse(b->parser, rec, &doc));
    if (doc.skip != RP_SKIP_NONE)
        return skipped(b, &d, rec, doc.skip, doc.id, doc.id_size, doc.detail);
    d.id = rpi_arena_strndup(&b->arena, doc.id, doc.id_size);
    if (!d.id) return RP_E_NOMEM;
    d.date = doc.date_epoch;
    if (rp_doc_bad_date(&doc, rec, b->n_bad_dates ? NULL : b->bad_date_first,
                        b->n_bad_dates ? 0 : sizeof b->bad_date_first))
        b->n_bad_dates++;
    d.text_size = doc.text_size;
    if (rec->truncated_text) d.flags |= DOC_F_TRUNCATED;
    rp_norm_result nr;
    RP_TRY(rp_normalizer_run(b->norm, doc.text, doc.text_size, &nr));
    d.h0 = nr.content_hash[0];
    d.h1 = nr.content_hash[1];
    d.norm_size = nr.norm_size;
    d.n_tokens = nr.n_tokens;
    if (nr.n_tokens == 0) return rpi_vec_push(&b->docs, &d);
    if (c->level == RP_LEVEL_STORY) {
        /* token ids, flags and lines; the terms are counted at commit, once the index's line
         * statistics say which lines are boilerplate */
        RP_TRY(rpi_sdoc_build(&b->arena, &doc, &nr, b->tnorm, &d.sd));
    } else {
        /* distinct terms, for document frequencies (docs/index.md: kept for the story level) */
        b->terms.len = 0;
        RP_TRY(rpi_vec_reserve(&b->terms, nr.n_tokens));
        uint64_t *t = b->terms.ptr;
        for (size_t i = 0; i < nr.n_tokens; i++)
            t[i] = nr.tokens[i].hash;
        if (nr.n_tokens) qsort(t, nr.n_tokens, sizeof *t, cmp_u64);
        size_t m = 0;
        for (size_t i = 0; i < nr.n_tokens; i++)
            if (m == 0 || t[m - 1] != t[i]) t[m++] = t[i];
        d.terms = rpi_arena_alloc(&b->arena, m * sizeof *t, 8);
        if (!d.terms) return RP_E_NOMEM;
        memcpy(d.terms, t, m * sizeof *t);
        d.n_terms = m;
    }
    if (c->level != RP_LEVEL_EXACT) {
        b->shingles.len = 0;
        RP_TRY(rpi_vec_reserve(&b->shingles, nr.n_tokens));
        const size_t n = rp_shingles(nr.tokens, nr.n_tokens, c->ngram, b->shingles.ptr);
        d.sig = rpi_arena_alloc(&b->arena, c->num_perm * sizeof *d.sig, 8);
        if (!d.sig) return RP_E_NOMEM;
        rp_minhash_params mp = {c->num_perm, c->seed};
        const rp_status st = rp_minhash(&mp, b->shingles.ptr, n, d.sig);
        if (st != RP_OK && st != RP_DONE) return st;
    }
    return rpi_vec_push(&b->docs, &d);
}

rp_status rp_index_batch_add_json(rp_index_batch *b, const char *json, size_t size, uint64_t line)
{
    rp_record rec;
    memset(&rec, 0, sizeof rec);
    rec.data = json;
    rec.size = size;
    rec.path = "request";
    rec.format = RP_FORMAT_JSONL;
    rec.line = line;
    rec.number = line;
    return rp_index_batch_add_record(b, &rec);
}
