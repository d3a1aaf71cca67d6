/* SPDX-License-Identifier: MIT */
/* index_batch.c -- documents prepared for the index outside the writer lock, through stage
 * doc (rpi_prep_record) exactly as the batch engine prepares them, so that the index sees the
 * same ids, content hashes and signatures as `reprint cluster`; at the story level also the
 * story tokens (with a copy of the text in the batch arena until the batch is freed). The
 * index keeps no text. */
#include <string.h> /* memset, strlen */
#include "index_internal.h"

rp_status rp_index_batch_create(rp_index_batch **out, rp_index *ix, const rp_ingest_params *ip)
{
    *out = NULL;
    rp_index_batch *b = rpi_calloc(ix->alloc, 1, sizeof *b);
    if (!b) return RP_E_NOMEM;
    b->ix = ix;
    rpi_arena_init(&b->arena, ix->alloc);
    rpi_vec_init(&b->docs, sizeof(struct rpi_ixdoc), ix->alloc);
    rpi_vec_init(&b->terms, sizeof(uint64_t), ix->alloc);
    rp_ingest_params def;
    if (!ip)
        rp_ingest_params_default(&def);
    else
        def = *ip;
    const rp_config *c = &ix->cfg;
    const int story = c->level == RP_LEVEL_STORY;
    if (story && !def.date_field) def.date_field = "date"; /* as rp_engine at this level */
    if (story && !def.title_field) def.title_field = "title";
    const struct rpi_prep_params pp = {
        c->level != RP_LEVEL_EXACT, story, c->ngram, c->num_perm, c->seed, 0};
    const rp_status st = rpi_prep_init(&b->prep, &pp, &def, &c->norm, ix->alloc);
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
    rpi_prep_free(&b->prep);
    if (b->ix->ls) rpi_lexset_scratch_free(b->ix->ls, b->xscratch);
    rp_normalizer_free(b->xnz);
    rpi_arena_free(&b->arena);
    rpi_vec_free(&b->docs);
    rpi_vec_free(&b->terms);
    rpi_free(b->ix->alloc, b);
}

size_t rp_index_batch_n_docs(const rp_index_batch *b) { return b->docs.len; }

uint64_t rp_index_batch_bad_dates(const rp_index_batch *b, const char **first)
{
    if (first) *first = b->n_bad_dates ? b->bad_date_first : NULL;
    return b->n_bad_dates;
}

/* The pivot terms (S5c) and sentence shares of a story document in a known language, for the
 * index to link it across languages: computed here, outside the writer lock, as the batch
 * stage computes them (rpi_pivot_ids, rpi_sent_shares). A word list that cannot be read is
 * an error of the add (RP_E_IO, its message the index's). */
static rp_status across_languages(rp_index_batch *b, struct rpi_ixdoc *d)
{
    const struct rpi_sdoc *sd = d->sd;
    const rp_alloc *al = b->ix->alloc;
    if (!b->xnz) RP_TRY(rp_normalizer_create(&b->xnz, &b->ix->cfg.norm, al));
    char msg[200];
    rp_status st = rpi_pivot_ids(b->ix->ls, b->xnz, &b->xscratch, &b->arena, al, sd->lang, sd->text,
                                 sd->text_size, sd->n_tok, sd->tflags, &d->pivot, msg, sizeof msg);
    if (st == RP_OK && sd->n_title)
        st = rpi_pivot_ids(b->ix->ls, b->xnz, &b->xscratch, &b->arena, al, sd->lang, sd->title,
                           strlen(sd->title), sd->n_title, sd->title_flags, &d->pivot_title, msg,
                           sizeof msg);
    if (st == RP_E_IO) return rpi_ix_fail(st, RP_INDEX_E_NONE, "%s", msg);
    RP_TRY(st);
    double len[RPI_LEN_MAX_SENT];
    d->n_shares = rpi_sent_shares(sd, len);
    if (d->n_shares) {
        d->shares = rpi_arena_alloc(&b->arena, d->n_shares * sizeof *d->shares, 8);
        if (!d->shares) return RP_E_NOMEM;
        memcpy(d->shares, len, d->n_shares * sizeof *len);
    }
    return RP_OK;
}

rp_status rp_index_batch_add_record(rp_index_batch *b, const rp_record *rec)
{
    if (rec->skip == RP_SKIP_BLANK) return RP_OK; /* not a document, as in a batch run */
    const rp_config *c = &b->ix->cfg;
    struct rpi_ixdoc d;
    memset(&d, 0, sizeof d);
    struct rpi_prepared p;
    const int first = b->n_bad_dates == 0; /* the first keeps its message */
    RP_TRY(rpi_prep_record(&b->prep, rec, NULL, &b->arena, first ? b->bad_date_first : NULL,
                           sizeof b->bad_date_first, &p));
    d.id = rpi_arena_strndup(&b->arena, p.id, p.id_size);
    if (!d.id) return RP_E_NOMEM;
    d.date = p.date;
    if (p.skip != RP_SKIP_NONE) {
        d.skip = p.skip;
        d.detail = rpi_arena_strndup(&b->arena, p.detail, strlen(p.detail));
        if (!d.detail) return RP_E_NOMEM;
        return rpi_vec_push(&b->docs, &d);
    }
    if (p.flags & RPI_DOC_BAD_DATE) b->n_bad_dates++;
    d.text_size = p.text_size;
    if (p.flags & RPI_DOC_TRUNCATED) d.flags |= DOC_F_TRUNCATED;
    d.h0 = p.content_hash[0];
    d.h1 = p.content_hash[1];
    d.norm_size = p.norm_size;
    d.n_tokens = p.n_tokens;
    if (p.n_tokens == 0) return rpi_vec_push(&b->docs, &d);
    /* story level: token ids, flags and lines; the terms are counted at commit, once the
     * index's line statistics say which lines are boilerplate */
    d.sd = p.sd;
    if (c->level != RP_LEVEL_STORY) {
        /* distinct terms, for document frequencies (docs/index.md: kept for the story level) */
        const rp_norm_result *nr = &p.nr;
        b->terms.len = 0;
        RP_TRY(rpi_vec_reserve(&b->terms, 2 * nr->n_tokens)); /* the hashes, then scratch */
        uint64_t *t = b->terms.ptr;
        for (size_t i = 0; i < nr->n_tokens; i++)
            t[i] = nr->tokens[i].hash;
        rpi_radix_u64(t, t + nr->n_tokens, nr->n_tokens, 0);
        size_t m = 0;
        for (size_t i = 0; i < nr->n_tokens; i++)
            if (m == 0 || t[m - 1] != t[i]) t[m++] = t[i];
        d.terms = rpi_arena_alloc(&b->arena, m * sizeof *t, 8);
        if (!d.terms) return RP_E_NOMEM;
        memcpy(d.terms, t, m * sizeof *t);
        d.n_terms = m;
    }
    if (d.sd && b->ix->ls && strcmp(d.sd->lang, "und")) RP_TRY(across_languages(b, &d));
    if (p.sig) {
        d.sig = rpi_arena_alloc(&b->arena, c->num_perm * sizeof *d.sig, 8);
        if (!d.sig) return RP_E_NOMEM;
        memcpy(d.sig, p.sig, c->num_perm * sizeof *d.sig);
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
