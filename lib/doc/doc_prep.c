/* SPDX-License-Identifier: MIT */
/* doc_prep.c -- the one preparation path of a record (doc_internal.h): parse, skip detail,
 * date, normalize, shingle, sketch, story tokens. The batch engine and the index call it, so
 * both see the same ids, content hashes and signatures. */
#include <stdio.h>  /* snprintf */
#include <string.h> /* memset, strlen */
#include "doc_internal.h"

rp_status rpi_prep_init(struct rpi_prep *pr, const struct rpi_prep_params *p,
                        const rp_ingest_params *ip, const rp_norm_params *np, const rp_alloc *alloc)
{
    memset(pr, 0, sizeof *pr);
    pr->p = *p;
    rpi_vec_init(&pr->shingles, sizeof(uint64_t), alloc);
    rpi_vec_init(&pr->sig, sizeof(uint32_t), alloc);
    rpi_buf_init(&pr->scratch, 0, alloc);
    RP_TRY(rp_parser_create(&pr->parser, ip, alloc));
    RP_TRY(rp_normalizer_create(&pr->norm, np, alloc));
    if (p->story) RP_TRY(rp_normalizer_create(&pr->tnorm, np, alloc));
    if (p->sketch) RP_TRY(rpi_vec_reserve(&pr->sig, p->num_perm));
    return RP_OK;
}

void rpi_prep_free(struct rpi_prep *pr)
{
    rp_parser_free(pr->parser);
    rp_normalizer_free(pr->norm);
    rp_normalizer_free(pr->tnorm);
    rpi_vec_free(&pr->shingles);
    rpi_vec_free(&pr->sig);
    rpi_buf_free(&pr->scratch);
    memset(pr, 0, sizeof *pr);
}

/* A skipped document: its id is the record's own when it has one, else the relative path
 * (text and HTML files), else "path:line"; the detail is "path:line: reason: detail". */
static rp_status skipped(struct rpi_prep *pr, const rp_record *rec, rp_skip skip, const char *id,
                         size_t id_size, const char *detail, struct rpi_prepared *out)
{
    const char *path = rec->path ? rec->path : "-";
    out->skip = skip;
    if (!id || !id_size) {
        if (rec->rel_id) {
            id = rec->rel_id;
            id_size = strlen(id);
        } else {
            char head[64];
            const int n = snprintf(head, sizeof head, ":%llu", (unsigned long long)rec->line);
            rpi_buf_reset(&pr->scratch);
            RP_TRY(rpi_buf_append(&pr->scratch, path, strlen(path)));
            RP_TRY(rpi_buf_append(&pr->scratch, head, (size_t)n));
            id = pr->scratch.ptr;
            id_size = pr->scratch.size;
        }
    }
    out->id = id;
    out->id_size = id_size;
    if (rec->line)
        snprintf(pr->detail, sizeof pr->detail, "%s:%llu: %s%s%s", path,
                 (unsigned long long)rec->line, rp_skip_reason_str(skip), detail ? ": " : "",
                 detail ? detail : "");
    else
        snprintf(pr->detail, sizeof pr->detail, "%s: %s%s%s", path, rp_skip_reason_str(skip),
                 detail ? ": " : "", detail ? detail : "");
    out->detail = pr->detail;
    return RP_OK;
}

/* A record that parsed but is refused: a skip under its "path:line" (or relative path). */
static rp_status rpi_prep_reject(struct rpi_prep *pr, const rp_record *rec, rp_skip skip,
                                 const char *detail, struct rpi_prepared *out)
{
    memset(out, 0, sizeof *out);
    out->date = INT64_MIN;
    return skipped(pr, rec, skip, NULL, 0, detail, out);
}

rp_status rpi_prep_record(struct rpi_prep *pr, const rp_record *rec, uint32_t *sig_out,
                          struct rpi_arena *ar, char *bad_date_msg, size_t cap,
                          struct rpi_prepared *out)
{
    memset(out, 0, sizeof *out);
    out->date = INT64_MIN;
    if (rec->skip != RP_SKIP_NONE) return skipped(pr, rec, rec->skip, NULL, 0, rec->detail, out);
    rp_doc *doc = &out->doc;
    RP_TRY(rp_record_parse(pr->parser, rec, doc));
    if (doc->skip != RP_SKIP_NONE)
        return skipped(pr, rec, doc->skip, doc->id, doc->id_size, doc->detail, out);
    const char *nul = doc->id_size ? memchr(doc->id, '\0', doc->id_size) : NULL;
    if (nul) {
        /* every output, the dedup pass, explain and the index name documents by NUL-terminated
         * ids: an id cut at its NUL would pass for another ("a\u0000x" and "a\u0000y" both
         * "a"), so the record is refused, under its "path:line" */
        char why[96];
        snprintf(why, sizeof why, "id holds a NUL character (\\u0000) at byte %zu",
                 (size_t)(nul - doc->id));
        return rpi_prep_reject(pr, rec,
                               rec->format == RP_FORMAT_WARC ? RP_SKIP_BAD_WARC : RP_SKIP_BAD_JSON,
                               why, out);
    }
    out->id = doc->id;
    out->id_size = doc->id_size;
    out->date = doc->date_epoch;
    out->text_size = doc->text_size;
    if (rec->truncated_text) out->flags |= RPI_DOC_TRUNCATED;
    /* a date there but not understood: undated (no window, never the earliest version) */
    if (rp_doc_bad_date(doc, rec, bad_date_msg, bad_date_msg ? cap : 0))
        out->flags |= RPI_DOC_BAD_DATE;
    rp_norm_result *nr = &out->nr;
    RP_TRY(rp_normalizer_run(pr->norm, doc->text, doc->text_size, nr));
    out->content_hash[0] = nr->content_hash[0];
    out->content_hash[1] = nr->content_hash[1];
    out->norm_size = nr->norm_size;
    out->n_tokens = nr->n_tokens;
    if (pr->p.story) {
        if (doc->text_size > UINT32_MAX - 1) return RP_E_TOO_BIG;
        RP_TRY(rpi_sdoc_build(ar, doc, nr, pr->tnorm, pr->store, &out->sd));
    }
    if (nr->n_tokens == 0) {
        out->flags |= RPI_DOC_EMPTY;
        return RP_OK;
    }
    if (!pr->p.sketch) return RP_OK;
    pr->shingles.len = 0;
    RP_TRY(rpi_vec_reserve(&pr->shingles, nr->n_tokens));
    uint64_t *sh = pr->shingles.ptr;
    const size_t n = rp_shingles(nr->tokens, nr->n_tokens, pr->p.ngram, sh);
    out->sig = sig_out ? sig_out : pr->sig.ptr;
    const rp_minhash_params mp = {pr->p.num_perm, pr->p.seed};
    const rp_status st = rp_minhash(&mp, sh, n, out->sig);
    if (st != RP_OK && st != RP_DONE) return st;
    if (pr->p.keep_shingles) {
        out->shingles = sh;
        out->n_shingles = n;
    }
    return RP_OK;
}
