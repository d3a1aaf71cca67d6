/* SPDX-License-Identifier: MIT */
/* engine_ids.c -- one id per document: after reading, before stage near, every id that an
 * earlier document already holds is rewritten by a fixed rule, so that no output (cluster,
 * pairs, dedup, report, explain) can put two documents under one name. */
#include <stdio.h>  /* snprintf */
#include <string.h> /* memcmp, memcpy, strlen */
#include <xxhash.h> /* XXH3_64bits */
#include "engine_internal.h"

/* The rule (docs/reliability.md, "Ids"). Documents are taken in input order (document
 * numbers, which do not depend on the thread count), so the result is the same for every run
 * over the same inputs.
 *   1. The first document with an id keeps it; so does every document whose id is unique, so
 *      collections with unique ids are untouched (the golden outputs stay byte-identical).
 *   2. A later document with a taken id becomes "SOURCE:ID", SOURCE being the input file it
 *      was read from as named by the walk ("d2/a.txt", "b.jsonl", "-"); a whole-file document
 *      (text, HTML: line 0), whose id is already its path, becomes just SOURCE.
 *   3. If that is taken too (the same file read twice, "-" given twice, a record repeating
 *      an id within one file), "#N" is appended, N being the document's number in the run
 *      counted from 1; then "#N.2", "#N.3", ... while taken.
 * Every original id is entered before any renaming, so a new name never takes the id of a
 * later document. Cost: one pass of XXH3 over the ids and a table of 2..4 slots per document
 * (uint32_t), freed at the end. */

#define EMPTY UINT32_MAX

struct idset {
    uint32_t *slot;
    size_t mask;
};

static uint64_t id_hash(const char *s, size_t n) { return XXH3_64bits(s, n); }

/* The slot holding a document with id s (n bytes), or the empty slot where it would go. */
static uint32_t *find(const struct idset *t, const struct rpi_doctab *docs, const char *s, size_t n)
{
    size_t i = (size_t)id_hash(s, n) & t->mask;
    for (;;) {
        uint32_t *x = &t->slot[i];
        if (*x == EMPTY) return x;
        const char *o = rpi_doc(docs, *x)->id;
        if (strncmp(o, s, n) == 0 && o[n] == '\0') return x;
        i = (i + 1) & t->mask;
    }
}

/* Candidate k (0, 1, 2, ...) of rule 2 and 3 for document i into b. */
static rp_status candidate(struct rpi_buf *b, const struct rpi_docslot *d, size_t i, unsigned k)
{
    rpi_buf_reset(b);
    const char *src = d->source ? d->source : "-";
    RP_TRY(rpi_buf_append(b, src, strlen(src)));
    if (d->line != 0) {
        RP_TRY(rpi_buf_putc(b, ':'));
        RP_TRY(rpi_buf_append(b, d->id, strlen(d->id)));
    }
    if (k > 0) {
        char num[48];
        const int m = k == 1 ? snprintf(num, sizeof num, "#%zu", i + 1)
                             : snprintf(num, sizeof num, "#%zu.%u", i + 1, k);
        RP_TRY(rpi_buf_append(b, num, (size_t)m));
    }
    return RP_OK;
}

rp_status rpi_engine_unique_ids(rp_engine *e)
{
    const size_t n = e->docs.n_docs;
    if (n < 2) return RP_OK;
    if (n >= EMPTY) return RP_E_TOO_BIG; /* document numbers are 32-bit below */
    size_t cap = 4;
    while (cap < 2 * n)
        cap <<= 1;
    struct idset t = {rpi_malloc(e->alloc, cap * sizeof(uint32_t)), cap - 1};
    struct rpi_vec later; /* uint32_t: documents whose id an earlier one holds */
    rpi_vec_init(&later, sizeof(uint32_t), e->alloc);
    struct rpi_buf b;
    rpi_buf_init(&b, 0, e->alloc);
    rp_status st = RP_OK;
    if (!t.slot) {
        st = RP_E_NOMEM;
        goto done;
    }
    memset(t.slot, 0xFF, cap * sizeof(uint32_t));
    for (size_t i = 0; i < n; i++) {
        const char *id = rpi_doc(&e->docs, i)->id;
        uint32_t *x = find(&t, &e->docs, id, strlen(id));
        if (*x == EMPTY) {
            *x = (uint32_t)i;
        } else {
            const uint32_t v = (uint32_t)i;
            RP_TRY_GOTO(st, rpi_vec_push(&later, &v), done);
        }
    }
    for (size_t j = 0; j < later.len; j++) {
        const size_t i = RPI_VEC_AT(&later, uint32_t, j);
        struct rpi_docslot *d = rpi_doc(&e->docs, i);
        uint32_t *x = NULL;
        for (unsigned k = 0;; k++) {
            RP_TRY_GOTO(st, candidate(&b, d, i, k), done);
            x = find(&t, &e->docs, b.ptr, b.size);
            if (*x == EMPTY) break;
        }
        const char *id = rpi_arena_strndup(&e->arenas[0], b.ptr, b.size);
        if (!id) {
            st = RP_E_NOMEM;
            goto done;
        }
        if (e->sum.n_renamed_ids == 0) {
            snprintf(e->renamed_first, sizeof e->renamed_first,
                     "%s:%llu: id \"%.64s\" is already taken by an earlier document; now "
                     "\"%.200s\"",
                     d->source ? d->source : "-", (unsigned long long)d->line, d->id, id);
            e->sum.renamed_id_first = e->renamed_first;
        }
        e->sum.n_renamed_ids++;
        d->id = id;
        *x = (uint32_t)i;
    }
done:
    rpi_free(e->alloc, t.slot);
    rpi_vec_free(&later);
    rpi_buf_free(&b);
    return st;
}
