/* SPDX-License-Identifier: MIT */
/* ingest_parse.c -- rp_parser and rp_record_parse: per-thread scratch, dispatch by format,
 * plain-text documents and the ids of records that framing already rejected. */
#include <stdio.h>  /* snprintf */
#include <string.h> /* memcpy, memset, strlen */
#include "ingest_internal.h"

static char *dup_field(const rp_alloc *alloc, const char *s, const char *dflt, size_t *len)
{
    if (!s) s = dflt;
    *len = 0;
    if (!s) return NULL;
    *len = strlen(s);
    return rpi_strndup(alloc, s, *len);
}

rp_status rp_parser_create(rp_parser **out, const rp_ingest_params *p, const rp_alloc *alloc)
{
    if (!out) return RP_E_INVALID;
    *out = NULL;
    rp_ingest_params dflt;
    rp_ingest_params_default(&dflt);
    if (!p) p = &dflt;
    rp_parser *ps = rpi_malloc(alloc, sizeof *ps);
    if (!ps) return RP_E_NOMEM;
    memset(ps, 0, sizeof *ps);
    if (alloc) {
        ps->alloc_copy = *alloc;
        ps->alloc = &ps->alloc_copy;
    }
    rpi_buf_init(&ps->scratch, 0, ps->alloc);
    rpi_buf_init(&ps->repair, 0, ps->alloc);
    rpi_buf_init(&ps->conv, 0, ps->alloc);
    rpi_buf_init(&ps->conv_text, 0, ps->alloc);
    ps->id_field = dup_field(ps->alloc, p->id_field, "id", &ps->id_field_len);
    ps->text_field = dup_field(ps->alloc, p->text_field, "text", &ps->text_field_len);
    ps->date_field = dup_field(ps->alloc, p->date_field, NULL, &ps->date_field_len);
    ps->title_field = dup_field(ps->alloc, p->title_field, NULL, &ps->title_field_len);
    ps->url_field = dup_field(ps->alloc, p->url_field, NULL, &ps->url_field_len);
    if (!ps->id_field || !ps->text_field || (p->date_field && !ps->date_field) ||
        (p->title_field && !ps->title_field) || (p->url_field && !ps->url_field)) {
        rp_parser_free(ps);
        return RP_E_NOMEM;
    }
    *out = ps;
    return RP_OK;
}

void rp_parser_free(rp_parser *ps)
{
    if (!ps) return;
    const rp_alloc *alloc = ps->alloc;
    rpi_free(alloc, ps->id_field);
    rpi_free(alloc, ps->text_field);
    rpi_free(alloc, ps->date_field);
    rpi_free(alloc, ps->title_field);
    rpi_free(alloc, ps->url_field);
    rpi_buf_free(&ps->scratch);
    rpi_buf_free(&ps->repair);
    rpi_buf_free(&ps->conv);
    rpi_buf_free(&ps->conv_text);
    rpi_free(alloc, ps);
}

const char *rpi_scratch_put(struct rpi_buf *b, const char *s, size_t n)
{
    assert(b->cap - b->size >= n + 1); /* reserved by rp_record_parse */
    char *d = b->ptr + b->size;
    if (n) memcpy(d, s, n);
    d[n] = '\0';
    b->size += n + 1;
    return d;
}

void rpi_doc_fallback_id(rp_parser *ps, const rp_record *rec, rp_doc *doc)
{
    char num[24];
    const int k = snprintf(num, sizeof num, ":%llu", (unsigned long long)rec->line);
    const char *path = rec->path ? rec->path : "";
    const size_t np = strlen(path);
    assert(ps->scratch.cap - ps->scratch.size >= np + (size_t)k + 1);
    char *d = ps->scratch.ptr + ps->scratch.size;
    memcpy(d, path, np);
    memcpy(d + np, num, (size_t)k + 1);
    ps->scratch.size += np + (size_t)k + 1;
    doc->id = d;
    doc->id_size = np + (size_t)k;
}

rp_status rp_record_parse(rp_parser *ps, const rp_record *rec, rp_doc *doc)
{
    if (!ps || !rec || !doc) return RP_E_INVALID;
    memset(doc, 0, sizeof *doc);
    doc->id = "";
    doc->text = "";
    doc->date_epoch = INT64_MIN;
    ps->charset[0] = '\0';
    ps->charset_bad = 0;
    const char *path = rec->path ? rec->path : "";
    /* Every string of the doc is carved from one reservation, so none moves while parsing:
     * decoded JSON strings are no longer than their source; WARC needs header values plus
     * text plus title, each no longer than the record. */
    const size_t size = rec->data ? rec->size : 0;
    if (size > (SIZE_MAX - 4096) / 2 - strlen(path)) return RP_E_TOO_BIG;
    rpi_buf_reset(&ps->scratch);
    RP_TRY(rpi_buf_reserve(&ps->scratch, 2 * size + strlen(path) + 64));
    if (rec->skip != RP_SKIP_NONE) {
        doc->skip = rec->skip;
        doc->detail = rec->detail;
        if (rec->rel_id) {
            doc->id = rec->rel_id;
            doc->id_size = strlen(rec->rel_id);
        } else {
            rpi_doc_fallback_id(ps, rec, doc);
        }
        return RP_OK;
    }
    switch (rec->format) {
    case RP_FORMAT_JSONL:
    case RP_FORMAT_JSON: return rpi_parse_json(ps, rec, doc);
    case RP_FORMAT_WARC: return rpi_parse_warc(ps, rec, doc);
    case RP_FORMAT_AUTO:
    case RP_FORMAT_TEXT:
    case RP_FORMAT_HTML: break;
    }
    doc->id = rec->rel_id ? rec->rel_id : path;
    doc->id_size = strlen(doc->id);
    /* charset: byte order mark, valid UTF-8, <meta charset>, else uchardet */
    char declared[48] = "";
    if (rec->format == RP_FORMAT_HTML && size)
        rpi_html_meta_charset(rec->data, size, declared, sizeof declared);
    const char *text = size ? rec->data : "";
    size_t tn = size;
    RP_TRY(rpi_decode_text(ps, text, tn, declared[0] ? declared : NULL, &text, &tn));
    doc->text = text;
    doc->text_size = tn;
    if (rec->format == RP_FORMAT_HTML && tn) {
        struct rpi_buf *sc = &ps->scratch; /* room: 2 * size reserved above */
        if (text != rec->data) {           /* converted: may be longer than the record */
            sc = &ps->conv_text;
            rpi_buf_reset(sc);
            RP_TRY(rpi_buf_reserve(sc, 2 * tn + 2));
        }
        rpi_html_doc(sc, text, tn, doc);
    }
    return RP_OK;
}
