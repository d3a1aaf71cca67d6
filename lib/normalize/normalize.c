/* SPDX-License-Identifier: MIT */
/* normalize.c -- the rp_normalizer: one pass over the original text that repairs UTF-8,
 * splits tokens, normalizes them (NFKC, case folding, accent stripping via utf8proc) and
 * hashes them. ASCII words take a table-driven fast path. See docs/internals/normalize.md. */
#include <string.h>   /* memset */
#include <utf8proc.h> /* utf8proc_decompose_char, utf8proc_normalize_utf32 */
/* Inlined (xxHash's documented XXH_INLINE_ALL mode): token hashes are short inputs and a
 * call into the shared library costs as much as the hash itself. Symbols stay static. */
#define XXH_INLINE_ALL
#include <xxhash.h>               /* XXH3_64bits_withSeed, XXH3_128bits */
#include "reprint/rp_normalize.h" /* rp_normalizer, rp_token, RP_NORM_* */
#include "normalize_internal.h"   /* rpi_utf8_decode, rpi_norm_classify */

/*
 * The pipeline, in one left-to-right pass over the original bytes:
 *
 *  1. Decode with repair (rpi_utf8_decode): each maximal ill-formed subpart reads as U+FFFD
 *     (a symbol, so a token boundary) and is counted.
 *  2. Classify each code point (tokenize.c) into word / mark / CJK / punct / space / format.
 *  3. ASCII words (the bulk of most corpora) are folded through a 256-byte table straight
 *     into the output and never touch utf8proc. The table is built at create time from
 *     utf8proc itself, so the fast path agrees with the slow one by construction.
 *  4. A token with any non-ASCII letter or mark is collected as UTF-32 in a reusable buffer,
 *     each code point already decomposed by utf8proc_decompose_char (compatibility mappings
 *     for NFKC, full case folding from CaseFolding.txt). Format characters are dropped before
 *     this step, so a ZWJ or soft hyphen can neither block composition nor survive.
 *     At the end of the token: the Canonical Ordering Algorithm (Unicode 15 ch. 3, D109),
 *     removal of Mn marks if accents are stripped, then canonical composition
 *     (utf8proc_normalize_utf32 with COMPOSE|STABLE, UAX #15). Decomposing, casefolding and
 *     recomposing in this order computes NFKC(casefold(NFD(x))), as UAX #15 and the
 *     toNFKC_Casefold definition (UAX #44) suggest.
 *  5. The normalized code points are split again by the same classes, because compatibility
 *     mappings can produce boundaries inside a word ("1/2" from U+00BD, spaces from U+FDFA)
 *     or CJK letters from symbols. Every piece keeps the original span. Running the
 *     normalizer on its own output therefore gives the same tokens (tests check this).
 *  6. Each token is hashed with XXH3-64 (seeded) and appended to norm after one space.
 *
 * Buffers (norm, tokens, UTF-32) are kept across runs and grow geometrically, so a
 * normalizer reaches a steady state with no allocation per document.
 */

#define NORM_DEFAULT_MAX_TOKENS ((size_t)16 << 20)
/* A non-ASCII token longer than this many code points is cut (bounds the UTF-32 buffer). */
#define NORM_MAX_TOKEN_CPS ((size_t)1 << 18)
/* Room for one decomposed code point; utf8proc's longest full decomposition is 18 (U+FDFA). */
#define NORM_DECOMP_ROOM 32
/* U+0300 COMBINING GRAVE ACCENT: the first code point with a nonzero combining class, the
 * first mark, and the first that can be the second element of a canonical composition. */
#define NORM_FIRST_NONSTARTER 0x300
/* norm offsets are uint32 */
#define NORM_MAX_SIZE ((size_t)UINT32_MAX - 1)

struct rp_normalizer {
    rp_norm_params p;
    rp_alloc alloc_copy;
    const rp_alloc *alloc;         /* &alloc_copy, or NULL for malloc/free */
    utf8proc_option_t decomp_opts; /* for utf8proc_decompose_char; 0: take code points as is */
    int canonical;                 /* decomposed canonically: reorder, strip, recompose */
    unsigned char word_fold[256];  /* ASCII word byte -> normalized byte; 0 otherwise */
    unsigned char ascii_kind[128]; /* enum rpi_char_kind of each ASCII byte */
    struct rpi_buf norm;           /* normalized text of the current document */
    rp_token *tok;
    size_t tok_len, tok_cap;
    int32_t *u32; /* code points of the token being normalized */
    size_t u32_len, u32_cap;
    size_t n_repaired, n_dropped;
    size_t la_pos; /* lookahead cache (see peek): position, code point, length, kind */
    int32_t la_cp;
    size_t la_len;
    enum rpi_char_kind la_kind;
};

void rp_norm_params_default(rp_norm_params *p)
{
    p->flags = RP_NORM_DEFAULT;
    p->seed = 0;
    p->max_tokens = NORM_DEFAULT_MAX_TOKENS;
}

rp_status rp_normalizer_create(rp_normalizer **out, const rp_norm_params *p, const rp_alloc *alloc)
{
    if (!out) return RP_E_INVALID;
    *out = NULL;
    rp_norm_params def;
    if (!p) {
        rp_norm_params_default(&def);
        p = &def;
    }
    if (p->flags & ~(unsigned)RP_NORM_DEFAULT) return RP_E_INVALID;
    rp_normalizer *n = rpi_calloc(alloc, 1, sizeof *n);
    if (!n) return RP_E_NOMEM;
    n->p = *p;
    if (alloc) {
        n->alloc_copy = *alloc;
        n->alloc = &n->alloc_copy;
    }
    utf8proc_option_t opts = 0;
    if (p->flags & RP_NORM_NFKC) opts |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT;
    if (p->flags & RP_NORM_STRIP_ACCENTS) opts |= UTF8PROC_DECOMPOSE;
    if (p->flags & RP_NORM_CASEFOLD) opts |= UTF8PROC_CASEFOLD;
    n->decomp_opts = opts;
    n->canonical = (opts & UTF8PROC_DECOMPOSE) != 0;
    for (int32_t c = 0; c < 128; c++) {
        enum rpi_char_kind k = rpi_norm_classify(c, p->flags);
        n->ascii_kind[c] = (unsigned char)k;
        if (k != RPI_K_WORD) continue;
        int32_t m = c;
        int bound = 0;
        if (opts) {
            utf8proc_ssize_t r = utf8proc_decompose_char(c, &m, 1, opts, &bound);
            assert(r == 1 && m > 0 && m < 128); /* ASCII letters and digits map to one */
            (void)r;
        }
        n->word_fold[c] = (unsigned char)m;
    }
    rpi_buf_init(&n->norm, NORM_MAX_SIZE, n->alloc);
    *out = n;
    return RP_OK;
}

void rp_normalizer_free(rp_normalizer *n)
{
    if (!n) return;
    rp_alloc a = n->alloc_copy; /* n->alloc points into n: copy it before freeing n */
    const rp_alloc *alloc = n->alloc ? &a : NULL;
    rpi_buf_free(&n->norm);
    rpi_free(alloc, n->tok);
    rpi_free(alloc, n->u32);
    rpi_free(alloc, n);
}

static rp_status tok_grow(rp_normalizer *n)
{
    void *p = n->tok;
    rp_status st = rpi_array_reserve(n->alloc, &p, &n->tok_cap, sizeof *n->tok, n->tok_len + 1);
    n->tok = p;
    return st;
}

static rp_status u32_reserve(rp_normalizer *n, size_t extra)
{
    if (n->u32_cap - n->u32_len >= extra) return RP_OK;
    void *p = n->u32;
    rp_status st = rpi_array_reserve(n->alloc, &p, &n->u32_cap, sizeof *n->u32, n->u32_len + extra);
    n->u32 = p;
    return st;
}

/* Append the decomposition (NFKD / NFD, case folded, as configured) of cp. */
static rp_status u32_push(rp_normalizer *n, int32_t cp)
{
    if (!n->decomp_opts) {
        RP_TRY(u32_reserve(n, 1));
        n->u32[n->u32_len++] = cp;
        return RP_OK;
    }
    RP_TRY(u32_reserve(n, NORM_DECOMP_ROOM));
    int bound = 0;
    utf8proc_ssize_t r =
        utf8proc_decompose_char(cp, n->u32 + n->u32_len, NORM_DECOMP_ROOM, n->decomp_opts, &bound);
    if (r > NORM_DECOMP_ROOM) { /* not in Unicode 15; kept for future tables */
        RP_TRY(u32_reserve(n, (size_t)r));
        r = utf8proc_decompose_char(cp, n->u32 + n->u32_len, r, n->decomp_opts, &bound);
    }
    if (r < 0) { /* only with UTF8PROC_REJECTNA, which we do not set */
        n->u32[n->u32_len++] = cp;
        return RP_OK;
    }
    n->u32_len += (size_t)r;
    return RP_OK;
}

/* Decode and classify the non-ASCII character at pos. The last answer is cached, so the
 * character that ended a token is not decoded and classified again by the caller's loop
 * (this matters for CJK text, where every character ends the previous token). An
 * ill-formed sequence reads as cp RPI_UTF8_BAD, kind RPI_K_PUNCT; the caller counts it. */
static inline enum rpi_char_kind peek(rp_normalizer *n, const unsigned char *s, size_t size,
                                      size_t pos, int32_t *cp, size_t *len)
{
    if (pos != n->la_pos) {
        n->la_pos = pos;
        n->la_len = rpi_utf8_decode(s + pos, size - pos, &n->la_cp);
        n->la_kind =
            n->la_cp == RPI_UTF8_BAD ? RPI_K_PUNCT : rpi_norm_classify(n->la_cp, n->p.flags);
    }
    *cp = n->la_cp;
    *len = n->la_len;
    return n->la_kind;
}

/* Canonical Ordering Algorithm (Unicode 15 ch. 3, D109): stable sort of each run of
 * non-starters by combining class. Runs are short, so the exchange sort utf8proc uses in
 * utf8proc_decompose_custom is the right tool. */
static inline int ccc(int32_t cp)
{
    return cp < NORM_FIRST_NONSTARTER ? 0 : utf8proc_get_property(cp)->combining_class;
}

static void canonical_order(int32_t *b, size_t len)
{
    size_t pos = 0;
    while (pos + 1 < len) {
        const int c2 = ccc(b[pos + 1]);
        const int c1 = c2 ? ccc(b[pos]) : 0;
        if (c1 > c2 && c2 > 0) {
            int32_t t = b[pos];
            b[pos] = b[pos + 1];
            b[pos + 1] = t;
            if (pos > 0)
                pos--;
            else
                pos++;
        } else {
            pos++;
        }
    }
}

/* Record the token norm[off..size) with original span [start, end); sep is the size of norm
 * before its separating space. Empty tokens and tokens past max_tokens are rolled back. */
static inline rp_status emit(rp_normalizer *n, size_t start, size_t end, size_t sep, size_t off)
{
    const size_t len = n->norm.size - off;
    if (len == 0 || n->tok_len >= n->p.max_tokens) {
        if (len) n->n_dropped++;
        n->norm.size = sep;
        return RP_OK;
    }
    if (n->tok_len == n->tok_cap) RP_TRY(tok_grow(n));
    rp_token *t = &n->tok[n->tok_len++];
    t->hash = XXH3_64bits_withSeed(n->norm.ptr + off, len, n->p.seed);
    t->start = (uint32_t)start;
    t->end = (uint32_t)end;
    t->norm_off = (uint32_t)off;
    t->norm_size = (uint32_t)len;
    return RP_OK;
}

/* Open a token in norm: a separating space unless norm is empty. Capacity is the caller's. */
static inline size_t piece_begin(struct rpi_buf *b)
{
    if (b->size) b->ptr[b->size++] = ' ';
    return b->size;
}

static inline size_t encode(int32_t cp, char *dst)
{
    return (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)dst);
}

/* Normalize the code points collected in n->u32 (step 4 above) and emit them as one or more
 * tokens spanning [start, end) of the original (step 5). */
static rp_status slow_finish(rp_normalizer *n, size_t start, size_t end)
{
    int32_t *b = n->u32;
    size_t len = n->u32_len;
    const unsigned flags = n->p.flags;
    n->u32_len = 0;
    /* Below U+0300 every code point is a starter (ccc 0), no mark, and never the second
     * element of a canonical composition: a token made only of those (e.g. "école" once its
     * accent is stripped) needs neither reordering nor composition. */
    int has_high = 0;
    for (size_t i = 0; i < len && !has_high; i++)
        has_high = b[i] >= NORM_FIRST_NONSTARTER;
    if (n->canonical && has_high) {
        if (len > 1) canonical_order(b, len);
        if (flags & RP_NORM_STRIP_ACCENTS) {
            size_t k = 0;
            has_high = 0;
            for (size_t i = 0; i < len; i++) {
                const int32_t cp = b[i];
                if (cp < NORM_FIRST_NONSTARTER) {
                    b[k++] = cp;
                } else if (utf8proc_category(cp) != UTF8PROC_CATEGORY_MN) {
                    b[k++] = cp;
                    has_high = 1;
                }
            }
            len = k;
        }
        if (has_high && len > 1) { /* composition needs two code points */
            utf8proc_ssize_t r = utf8proc_normalize_utf32(b, (utf8proc_ssize_t)len,
                                                          UTF8PROC_COMPOSE | UTF8PROC_STABLE);
            if (r >= 0) len = (size_t)r;
        }
    }
    /* Worst case: every code point its own token: 4 bytes + 1 separator each. */
    struct rpi_buf *nb = &n->norm;
    RP_TRY(rpi_buf_reserve(nb, 5 * len + 1));
    enum { OPEN_NONE, OPEN_WORD, OPEN_CJK } open = OPEN_NONE;
    size_t sep = 0, off = 0;
    for (size_t i = 0; i < len; i++) {
        const int32_t cp = b[i];
        const enum rpi_char_kind k =
            cp < 128 ? (enum rpi_char_kind)n->ascii_kind[cp] : rpi_norm_classify(cp, flags);
        if (k == RPI_K_FORMAT) continue;
        if (k == RPI_K_MARK) {
            if (open == OPEN_NONE) { /* a mark with no base starts a word, as in the tokenizer */
                sep = nb->size;
                off = piece_begin(nb);
                open = OPEN_WORD;
            }
        } else if (k == RPI_K_WORD && open == OPEN_WORD) {
            /* continue the word */
        } else {
            if (open != OPEN_NONE) {
                RP_TRY(emit(n, start, end, sep, off));
                open = OPEN_NONE;
            }
            if (k == RPI_K_SPACE || (k == RPI_K_PUNCT && (flags & RP_NORM_PUNCT))) continue;
            sep = nb->size;
            off = piece_begin(nb);
            if (k == RPI_K_PUNCT) { /* punctuation kept: a token of its own */
                nb->size += encode(cp, nb->ptr + nb->size);
                RP_TRY(emit(n, start, end, sep, off));
                continue;
            }
            open = k == RPI_K_CJK ? OPEN_CJK : OPEN_WORD;
        }
        nb->size += encode(cp, nb->ptr + nb->size);
    }
    if (open != OPEN_NONE) RP_TRY(emit(n, start, end, sep, off));
    return RP_OK;
}

/* Continue a non-ASCII token whose first code points are already in n->u32; the original
 * text up to *ppos is consumed and the token's span is [start, end). A CJK token takes only
 * marks (and skips format characters); a word takes letters, numbers and marks. */
static rp_status slow_token(rp_normalizer *n, const unsigned char *s, size_t size, size_t *ppos,
                            size_t start, size_t end, int cjk)
{
    size_t pos = *ppos;
    while (pos < size && n->u32_len < NORM_MAX_TOKEN_CPS) {
        const unsigned c = s[pos];
        if (c < 0x80) {
            if (cjk || !n->word_fold[c]) break;
            RP_TRY(u32_reserve(n, 1));
            n->u32[n->u32_len++] = n->word_fold[c];
            end = ++pos;
            continue;
        }
        int32_t cp;
        size_t len;
        const enum rpi_char_kind k = peek(n, s, size, pos, &cp, &len);
        if (k == RPI_K_FORMAT) {
            pos += len;
            continue;
        }
        if (k != RPI_K_MARK && (cjk || k != RPI_K_WORD)) break;
        RP_TRY(u32_push(n, cp));
        pos += len;
        end = pos;
    }
    *ppos = pos;
    return slow_finish(n, start, end);
}

/* A token starting with an ASCII letter or digit at *ppos. Table-driven while the bytes are
 * ASCII word bytes; on a non-ASCII letter or mark the token moves to the slow path with the
 * folded prefix (identical to what utf8proc would have produced for it). */
static rp_status fast_word(rp_normalizer *n, const unsigned char *s, size_t size, size_t *ppos)
{
    size_t pos = *ppos;
    const size_t start = pos;
    struct rpi_buf *b = &n->norm;
    /* room for a separator, the token (at most the rest of the input) and the final NUL */
    if (b->cap - b->size < size - pos + 2) RP_TRY(rpi_buf_reserve(b, size - pos + 1));
    const size_t sep = b->size;
    unsigned char *const base = (unsigned char *)b->ptr;
    unsigned char *w = base + sep;
    if (sep) *w++ = ' ';
    const size_t off = (size_t)(w - base);
    const unsigned char *const fold = n->word_fold;
    size_t end;
    for (;;) {
        unsigned char f;
        while (pos < size && (f = fold[s[pos]]) != 0) {
            *w++ = f;
            pos++;
        }
        end = pos;
        if (pos >= size || s[pos] < 0x80) break;
        int32_t cp;
        size_t len;
        const enum rpi_char_kind k = peek(n, s, size, pos, &cp, &len);
        if (k == RPI_K_FORMAT) { /* invisible: skip, the word goes on */
            pos += len;
            continue;
        }
        const size_t prefix = (size_t)(w - base) - off;
        if ((k != RPI_K_WORD && k != RPI_K_MARK) || prefix >= NORM_MAX_TOKEN_CPS) break;
        /* Slow path: move the folded ASCII prefix to the UTF-32 buffer. */
        b->size = sep;
        n->u32_len = 0;
        RP_TRY(u32_reserve(n, prefix));
        for (const unsigned char *q = base + off; q < w; q++)
            n->u32[n->u32_len++] = *q;
        RP_TRY(u32_push(n, cp));
        pos += len;
        *ppos = pos;
        return slow_token(n, s, size, ppos, start, pos, 0);
    }
    b->size = (size_t)(w - base);
    *ppos = pos;
    return emit(n, start, end, sep, off);
}

rp_status rp_normalizer_run(rp_normalizer *n, const char *text, size_t size, rp_norm_result *res)
{
    if (!n || !res || (!text && size)) return RP_E_INVALID;
    memset(res, 0, sizeof *res);
    if (size > UINT32_MAX) return RP_E_TOO_BIG; /* offsets are uint32 */
    n->tok_len = 0;
    n->u32_len = 0;
    n->n_repaired = 0;
    n->n_dropped = 0;
    n->la_pos = SIZE_MAX;
    rpi_buf_reset(&n->norm);
    size_t want = size + size / 8 + 16; /* usually enough for the whole run */
    RP_TRY(rpi_buf_reserve(&n->norm, want < NORM_MAX_SIZE ? want : NORM_MAX_SIZE));

    const unsigned char *s = (const unsigned char *)text;
    const unsigned flags = n->p.flags;
    size_t pos = 0;
    rp_status st = RP_OK;
    while (pos < size) {
        const unsigned c = s[pos];
        if (c < 0x80) {
            if (n->word_fold[c]) {
                st = fast_word(n, s, size, &pos);
                if (st != RP_OK) goto fail;
                continue;
            }
            if (n->ascii_kind[c] == RPI_K_PUNCT && !(flags & RP_NORM_PUNCT)) {
                struct rpi_buf *b = &n->norm;
                if (b->cap - b->size < 3) RP_TRY_GOTO(st, rpi_buf_reserve(b, 2), fail);
                const size_t sep = b->size, off = piece_begin(b);
                b->ptr[b->size++] = (char)c;
                RP_TRY_GOTO(st, emit(n, pos, pos + 1, sep, off), fail);
            }
            pos++;
            continue;
        }
        int32_t cp;
        size_t len;
        const enum rpi_char_kind k = peek(n, s, size, pos, &cp, &len);
        if (cp == RPI_UTF8_BAD) {
            n->n_repaired++;
            cp = RPI_REPLACEMENT_CHAR;
        }
        const size_t start = pos;
        pos += len;
        switch (k) {
        case RPI_K_SPACE:
        case RPI_K_FORMAT: break;
        case RPI_K_PUNCT:
            if (flags & RP_NORM_PUNCT) break;
            n->u32_len = 0;
            RP_TRY_GOTO(st, u32_push(n, cp), fail);
            RP_TRY_GOTO(st, slow_finish(n, start, pos), fail);
            break;
        case RPI_K_WORD:
        case RPI_K_MARK:
        case RPI_K_CJK:
            n->u32_len = 0;
            RP_TRY_GOTO(st, u32_push(n, cp), fail);
            RP_TRY_GOTO(st, slow_token(n, s, size, &pos, start, pos, k == RPI_K_CJK), fail);
            break;
        }
    }
    n->norm.ptr[n->norm.size] = '\0';
    res->tokens = n->tok;
    res->n_tokens = n->tok_len;
    res->norm = n->norm.ptr;
    res->norm_size = n->norm.size;
    XXH128_hash_t h = XXH3_128bits(n->norm.ptr, n->norm.size);
    res->content_hash[0] = h.low64;
    res->content_hash[1] = h.high64;
    res->n_repaired = n->n_repaired;
    res->n_dropped_tokens = n->n_dropped;
    return RP_OK;
fail:
    n->tok_len = 0;
    rpi_buf_reset(&n->norm);
    return st;
}
