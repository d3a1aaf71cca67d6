/* SPDX-License-Identifier: MIT */
/* dist_pack.c -- a unit: the prepared documents of one piece as bytes, the form in which they
 * are kept as a stage file and sent to rank 0.
 *
 * Layout (host byte order: the ranks of one job share an architecture, and a stage file is
 * only reused by a run of the same plan): a 40-byte header -- magic "RPDUNIT2", plan hash,
 * piece index, payload size, XXH3-64 of the payload -- then the payload: the piece's reading
 * counts (with where the signatures begin), then per document its slot (line, date, sizes,
 * exact key, skip, flags, id, detail, source), sorted shingle set (verify=exact) and story
 * tokens (reuse/story: text, token ids, offsets, flags, sentence bits, lines, title), then
 * every document's signature: last, so a unit for a rank that keeps none is the same bytes
 * cut short and sealed again (rpi_unit_strip). A truncated or damaged file fails
 * rpi_unit_verify and is prepared again, never used; the
 * reader below still checks every length against the end, so even a unit that verifies by a
 * hash collision cannot make it read out of bounds. */
#include <string.h> /* memcpy, strlen */
#include <xxhash.h> /* XXH3_64bits */
#include "dist_internal.h"

static const char MAGIC[8] = {'R', 'P', 'D', 'U', 'N', 'I', 'T', '2'};
#define BRK_WORDS(n_tok) (((size_t)(n_tok) + 63) / 64) /* rpi_sdoc_build's sentence bits */
#define N_COUNTS 10 /* documents, reading counts, num_perm, spill, bytes before signatures */

/* ---- writing ----------------------------------------------------------------------------- */
static rp_status put(struct rpi_buf *b, const void *p, size_t n)
{
    return n ? rpi_buf_append(b, p, n) : RP_OK;
}
static rp_status put_u32(struct rpi_buf *b, uint32_t v) { return put(b, &v, sizeof v); }
/* a string: u32 length + bytes; UINT32_MAX = NULL */
static rp_status put_str(struct rpi_buf *b, const char *s)
{
    if (!s) return put_u32(b, UINT32_MAX);
    const size_t n = strlen(s);
    if (n >= UINT32_MAX) return RP_E_TOO_BIG;
    RP_TRY(put_u32(b, (uint32_t)n));
    return put(b, s, n);
}

static rp_status put_sdoc(struct rpi_buf *b, const struct rpi_sdoc *sd)
{
    RP_TRY(put_u32(b, sd->text_size));
    RP_TRY(put(b, sd->text, sd->text_size));
    RP_TRY(put_str(b, sd->title));
    RP_TRY(put_u32(b, sd->n_tok));
    RP_TRY(put(b, sd->tok, (size_t)sd->n_tok * sizeof *sd->tok));
    RP_TRY(put(b, sd->off, (size_t)sd->n_tok * 2 * sizeof *sd->off));
    RP_TRY(put(b, sd->tflags, sd->n_tok));
    RP_TRY(put(b, sd->brk, BRK_WORDS(sd->n_tok) * sizeof *sd->brk));
    RP_TRY(put_u32(b, sd->n_lines));
    RP_TRY(put(b, sd->lines, (size_t)sd->n_lines * sizeof *sd->lines));
    RP_TRY(put_u32(b, sd->n_title));
    RP_TRY(put(b, sd->title_tok, (size_t)sd->n_title * sizeof *sd->title_tok));
    return put(b, sd->title_flags, sd->n_title);
}

static void seal(struct rpi_buf *b, uint64_t plan_hash, uint64_t piece);

rp_status rpi_unit_pack(const rp_engine *sub, uint64_t plan_hash, uint64_t piece, struct rpi_buf *b)
{
    rpi_buf_reset(b);
    char head[RPI_UNIT_HEADER];
    memset(head, 0, sizeof head);
    RP_TRY(put(b, head, sizeof head)); /* filled at the end */
    const rp_summary *s = &sub->sum;
    uint64_t counts[N_COUNTS] = {
        sub->docs.n_docs,     s->n_blank, s->n_ignored,       s->n_repaired,           s->n_decoded,
        s->n_decode_replaced, s->bytes,   sub->docs.num_perm, (uint64_t)sub->n_spills, 0};
    const size_t at_counts = b->size;
    RP_TRY(put(b, counts, sizeof counts));
    RP_TRY(put_str(b, s->decoded_first));
    for (size_t i = 0; i < sub->docs.n_docs; i++) {
        const struct rpi_docslot *d = rpi_doc(&sub->docs, i);
        const uint64_t f[] = {d->line,     (uint64_t)d->date,  d->norm_size,
                              d->n_tokens, d->content_hash[0], d->content_hash[1],
                              d->skip,     d->flags,           d->sd != NULL};
        RP_TRY(put(b, f, sizeof f));
        RP_TRY(put_str(b, d->id));
        RP_TRY(put_str(b, d->detail));
        RP_TRY(put_str(b, d->source));
        if (sub->n_spills) {
            RP_TRY(put_u32(b, d->n_shingles));
            if (d->n_shingles)
                RP_TRY(put(b, rpi_spill_set(sub->spills, d), d->n_shingles * sizeof(uint64_t)));
        }
        if (d->sd) RP_TRY(put_sdoc(b, d->sd));
    }
    /* the signatures last, so that a unit sent where they are not needed is cut short
     * (rpi_unit_strip) */
    counts[9] = b->size - RPI_UNIT_HEADER;
    memcpy(b->ptr + at_counts, counts, sizeof counts);
    const size_t sb = sub->docs.num_perm * sizeof(uint32_t);
    for (size_t i = 0; i < sub->docs.n_docs && sb; i++) {
        if (rpi_doc(&sub->docs, i)->skip == RP_SKIP_NONE) {
            RP_TRY(put(b, rpi_sig(&sub->docs, i), sb));
        } else { /* never computed: zeros, so a unit is a function of its input */
            RP_TRY(rpi_buf_reserve(b, sb));
            memset(b->ptr + b->size, 0, sb);
            b->size += sb;
        }
    }
    seal(b, plan_hash, piece);
    return RP_OK;
}

/* The header of the unit in b: magic, plan, piece, payload size and checksum. */
static void seal(struct rpi_buf *b, uint64_t plan_hash, uint64_t piece)
{
    const uint64_t h[] = {plan_hash, piece, b->size - RPI_UNIT_HEADER,
                          XXH3_64bits(b->ptr + RPI_UNIT_HEADER, b->size - RPI_UNIT_HEADER)};
    memcpy(b->ptr, MAGIC, sizeof MAGIC);
    memcpy(b->ptr + sizeof MAGIC, h, sizeof h);
}

rp_status rpi_unit_sigs(const void *data, size_t size, uint32_t num_perm, const rp_alloc *alloc,
                        uint32_t **sigs, uint64_t *n)
{
    *sigs = NULL;
    *n = 0;
    uint64_t counts[N_COUNTS];
    if (size < RPI_UNIT_HEADER + sizeof counts) return RP_E_FORMAT;
    memcpy(counts, (const char *)data + RPI_UNIT_HEADER, sizeof counts);
    const size_t payload = size - RPI_UNIT_HEADER, sb = (size_t)num_perm * sizeof(uint32_t);
    if (counts[7] != num_perm || counts[9] < sizeof counts || counts[9] > payload || !sb ||
        (payload - counts[9]) % sb || (payload - counts[9]) / sb != counts[0])
        return RP_E_FORMAT;
    *sigs = rpi_malloc(alloc, counts[0] ? payload - counts[9] : 1);
    if (!*sigs) return RP_E_NOMEM;
    memcpy(*sigs, (const char *)data + RPI_UNIT_HEADER + counts[9], payload - counts[9]);
    *n = counts[0];
    return RP_OK;
}

uint64_t rpi_unit_n_docs(const void *data, size_t size)
{
    uint64_t n = 0; /* counts[0] */
    if (size >= RPI_UNIT_HEADER + sizeof n)
        memcpy(&n, (const char *)data + RPI_UNIT_HEADER, sizeof n);
    return n;
}

rp_status rpi_unit_strip(struct rpi_buf *b)
{
    uint64_t h[2], before_sigs;
    if (b->size < RPI_UNIT_HEADER + N_COUNTS * sizeof(uint64_t)) return RP_E_FORMAT;
    memcpy(h, b->ptr + sizeof MAGIC, sizeof h);
    memcpy(&before_sigs, b->ptr + RPI_UNIT_HEADER + 9 * sizeof(uint64_t), sizeof before_sigs);
    if (before_sigs > b->size - RPI_UNIT_HEADER) return RP_E_FORMAT;
    b->size = RPI_UNIT_HEADER + (size_t)before_sigs;
    seal(b, h[0], h[1]);
    return RP_OK;
}

int rpi_unit_verify(const void *data, size_t size, uint64_t plan_hash, uint64_t piece)
{
    if (size < RPI_UNIT_HEADER || memcmp(data, MAGIC, sizeof MAGIC) != 0) return 0;
    uint64_t h[4];
    memcpy(h, (const char *)data + sizeof MAGIC, sizeof h);
    return h[0] == plan_hash && h[1] == piece && h[2] == size - RPI_UNIT_HEADER &&
           h[3] == XXH3_64bits((const char *)data + RPI_UNIT_HEADER, size - RPI_UNIT_HEADER);
}

/* ---- reading ----------------------------------------------------------------------------- */
struct cur {
    const char *p, *end;
    int bad;
};
static const void *take(struct cur *c, size_t n)
{
    if (c->bad || c->p > c->end || (size_t)(c->end - c->p) < n) {
        c->bad = 1;
        return NULL;
    }
    const void *v = c->p;
    c->p += n;
    return v;
}
static uint32_t get_u32(struct cur *c)
{
    uint32_t v = 0;
    const void *p = take(c, sizeof v);
    if (p) memcpy(&v, p, sizeof v);
    return v;
}
/* A copy of p[0, n) in the arena (aligned for any element type); NULL for none. */
static void *dup(struct rpi_arena *ar, const void *p, size_t n, int *nomem)
{
    if (!p || n == 0) return NULL;
    void *q = rpi_arena_alloc(ar, n, 8);
    if (!q) {
        *nomem = 1;
        return NULL;
    }
    memcpy(q, p, n);
    return q;
}
/* The next n bytes, copied into the arena. */
static void *take_copy(struct cur *c, struct rpi_arena *ar, size_t n, int *nomem)
{
    return dup(ar, take(c, n), n, nomem);
}
static const char *get_str(struct cur *c, struct rpi_arena *ar, int *nomem)
{
    const uint32_t n = get_u32(c);
    if (n == UINT32_MAX || c->bad) return NULL;
    const char *p = take(c, n);
    if (!p) return NULL;
    const char *s = rpi_arena_strndup(ar, p, n);
    if (!s) *nomem = 1;
    return s;
}

/* A document's story tokens: the text, ids, offsets, flags and lines copied into the arena,
 * or, with a store, written to the store's files as rpi_sdoc_build writes them (rank 0 of a
 * distributed run held every text and token in memory: 9.0 GB at 1M documents against 1.3 GB
 * for one process with its store); the breaks and the title in the arena either way. */
static struct rpi_sdoc *get_sdoc(struct cur *c, struct rpi_arena *ar, struct rpi_sstore *store,
                                 rp_status *st)
{
    int nomem = 0;
    struct rpi_sdoc *sd = rpi_arena_alloc(ar, sizeof *sd, 8);
    if (!sd) {
        *st = RP_E_NOMEM;
        return NULL;
    }
    memset(sd, 0, sizeof *sd);
    sd->text_size = get_u32(c);
    const char *t = take(c, sd->text_size);
    if (t && rpi_sdoc_lang(sd, t) != RP_OK) nomem = 1; /* reads text_size bytes */
    sd->title = get_str(c, ar, &nomem);
    sd->n_tok = get_u32(c);
    const size_t n = sd->n_tok;
    const void *tok = take(c, n * sizeof *sd->tok), *off = take(c, n * 2 * sizeof *sd->off);
    const void *tflags = take(c, n);
    sd->brk = take_copy(c, ar, BRK_WORDS(sd->n_tok) * sizeof *sd->brk, &nomem);
    sd->n_lines = get_u32(c);
    const void *lines = take(c, (size_t)sd->n_lines * sizeof *sd->lines);
    sd->n_title = get_u32(c);
    sd->title_tok = take_copy(c, ar, (size_t)sd->n_title * sizeof *sd->title_tok, &nomem);
    sd->title_flags = take_copy(c, ar, sd->n_title, &nomem);
    if (c->bad || !t || (n && (!tok || !off || !tflags)) || (sd->n_lines && !lines)) {
        *st = nomem ? RP_E_NOMEM : RP_E_FORMAT;
        return NULL;
    }
    if (store) {
        *st = nomem ? RP_E_NOMEM : rpi_sstore_add(store, sd, t, off, tok, tflags, lines);
        return *st == RP_OK ? sd : NULL;
    }
    sd->text = rpi_arena_strndup(ar, t, sd->text_size);
    sd->tok = dup(ar, tok, n * sizeof *sd->tok, &nomem);
    sd->off = dup(ar, off, n * 2 * sizeof *sd->off, &nomem);
    sd->tflags = dup(ar, tflags, n, &nomem);
    sd->lines = dup(ar, lines, (size_t)sd->n_lines * sizeof *sd->lines, &nomem);
    *st = nomem || !sd->text ? RP_E_NOMEM : RP_OK;
    return *st == RP_OK ? sd : NULL;
}

rp_status rpi_unit_unpack(rp_engine *e, const void *data, size_t size, struct rpi_arena *ar,
                          struct rpi_spill *spill, struct rpi_sstore *store, int sigs)
{
    struct cur c = {(const char *)data + RPI_UNIT_HEADER, (const char *)data + size, 0};
    uint64_t counts[N_COUNTS];
    const void *p = take(&c, sizeof counts);
    if (!p) return RP_E_FORMAT;
    memcpy(counts, p, sizeof counts);
    const uint64_t n = counts[0];
    if (sigs ? counts[7] != e->docs.num_perm : counts[7] > 65536) return RP_E_FORMAT;
    /* the signature section: after the records, n x num_perm values, or cut off (stripped) */
    const size_t payload = size - RPI_UNIT_HEADER, sb = counts[7] * sizeof(uint32_t);
    /* the records begin with the counts: a section that starts inside them is a damaged unit
     * (fuzz_unit found the cursor's end put before its position) */
    if (counts[9] < sizeof counts || counts[9] > payload ||
        (payload != counts[9] &&
         (n == 0 || sb == 0 || (payload - counts[9]) / sb != n || (payload - counts[9]) % sb != 0)))
        return RP_E_FORMAT;
    const char *sigsec = (const char *)data + RPI_UNIT_HEADER + counts[9];
    if (sigs && sb && n && payload == counts[9]) return RP_E_FORMAT; /* stripped */
    c.end = sigsec; /* the records end where the signatures begin */
    if ((counts[8] != 0) != (spill != NULL)) return RP_E_FORMAT;
    int nomem = 0;
    const char *decoded_first = get_str(&c, ar, &nomem);
    if (nomem) return RP_E_NOMEM;
    e->sum.n_blank += counts[1];
    e->sum.n_ignored += counts[2];
    e->sum.n_repaired += counts[3];
    e->sum.n_decoded += counts[4];
    e->sum.n_decode_replaced += counts[5];
    e->sum.bytes += counts[6];
    if (!e->sum.decoded_first) e->sum.decoded_first = decoded_first;
    const char *last_src = NULL;
    /* the memory cap, as rpi_engine_read counts it: slot, signature and an id estimate per
     * document, texts and tokens at reuse/story */
    const uint64_t per_doc = sizeof(struct rpi_docslot) + RPI_ID_ESTIMATE + e->docs.num_perm * 4u;
    for (uint64_t k = 0; k < n; k++) {
        const size_t i = e->docs.n_docs;
        e->mem_used = (uint64_t)(i + 1) * per_doc;
        if (e->mem_used + e->story_bytes > e->mem_limit) {
            rpi_engine_error(e,
                             "the working set would exceed the memory cap (%llu MiB) after %zu "
                             "documents; raise --max-memory",
                             (unsigned long long)(e->mem_limit >> 20), i);
            return RP_E_TOO_BIG;
        }
        RP_TRY(rpi_doctab_reserve(&e->docs, i + 1));
        struct rpi_docslot *d = rpi_doc(&e->docs, i);
        uint64_t f[9];
        if (!(p = take(&c, sizeof f))) return RP_E_FORMAT;
        memcpy(f, p, sizeof f);
        d->line = f[0];
        d->date = (int64_t)f[1];
        d->norm_size = f[2];
        d->n_tokens = f[3];
        d->content_hash[0] = f[4];
        d->content_hash[1] = f[5];
        d->skip = (uint8_t)f[6];
        d->flags = (uint8_t)f[7];
        d->id = get_str(&c, ar, &nomem);
        d->detail = get_str(&c, ar, &nomem);
        /* sources repeat document after document: one copy per run of equal paths */
        const uint32_t sl = get_u32(&c);
        const char *sp = sl == UINT32_MAX ? NULL : take(&c, sl);
        if (sp && !(last_src && strlen(last_src) == sl && !memcmp(last_src, sp, sl)))
            last_src = rpi_arena_strndup(ar, sp, sl);
        if (sp && !last_src) nomem = 1;
        d->source = sp ? last_src : NULL;
        if (sigs && sb) memcpy(rpi_sig(&e->docs, i), sigsec + k * sb, sb);
        if (spill) {
            const uint32_t ns = get_u32(&c);
            const size_t nb = (size_t)ns * sizeof(uint64_t);
            if (ns && (p = take(&c, nb)) != NULL) {
                uint64_t *sh = rpi_malloc(e->alloc, nb);
                if (!sh) return RP_E_NOMEM;
                memcpy(sh, p, nb);
                const rp_status st =
                    rpi_spill_write(spill, 0, d, sh, ns, e->errmsg, sizeof e->errmsg);
                rpi_free(e->alloc, sh);
                RP_TRY(st);
            }
        }
        if (f[8]) {
            rp_status sst;
            d->sd = get_sdoc(&c, ar, store, &sst);
            if (!d->sd && sst == RP_E_IO && store) rpi_engine_error(e, "%s", store->msg);
            if (!d->sd) return sst;
            /* as rpi_engine_read counts it: with a store only the part kept in memory */
            e->story_bytes += store ? RPI_SDOC_HOT_BYTES(d->n_tokens)
                                    : RPI_SDOC_BYTES(d->sd->text_size, d->n_tokens);
        }
        if (nomem) return RP_E_NOMEM;
        if (c.bad || (!d->id)) return RP_E_FORMAT;
        e->docs.n_docs = i + 1;
    }
    return c.p == c.end ? RP_OK : RP_E_FORMAT;
}
