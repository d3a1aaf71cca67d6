/* SPDX-License-Identifier: MIT */
/* doc_story.c -- the story tokens of a document (struct rpi_sdoc): what the reuse and story
 * levels keep per document, computed right after normalization: the original text (for
 * passages and disagreements), 32-bit token ids with their byte offsets, token flags (name,
 * acronym, number) read from the original spelling, and the lines (for boilerplate
 * learning). */
#include <errno.h>    /* errno */
#include <stdio.h>    /* snprintf */
#include <string.h>   /* memcpy, strerror */
#include <sys/mman.h> /* madvise */
#include <unistd.h>   /* write */
#include <utf8proc.h> /* utf8proc_iterate, utf8proc_category */
#include "doc_internal.h"

/* Number words by length (3 to 9 letters), so a word is compared with a handful of them:
 * this test runs on every token. */
static const char *const NUMBER_WORDS[10][9] = {
    [3] = {"one", "two", "six", "ten"},
    [4] = {"four", "five", "nine"},
    [5] = {"three", "seven", "eight", "forty", "fifty", "sixty", "dozen"},
    [6] = {"eleven", "twelve", "twenty", "thirty", "eighty", "ninety", "dozens"},
    [7] = {"fifteen", "sixteen", "seventy", "hundred", "million", "billion"},
    [8] = {"thirteen", "fourteen", "eighteen", "nineteen", "hundreds", "thousand", "millions",
           "billions"},
    [9] = {"seventeen", "thousands"},
};

/* By length, the initials of the number words above (bit c - 'a'): most words are rejected
 * on their first letter. Keep in step with NUMBER_WORDS. */
#define B(c) (1u << ((c) - 'a'))
static const uint32_t NUMBER_INITIALS[10] = {
    [3] = B('o') | B('t') | B('s'),
    [4] = B('f') | B('n'),
    [5] = B('t') | B('s') | B('e') | B('f') | B('d'),
    [6] = B('e') | B('t') | B('n') | B('d'),
    [7] = B('f') | B('s') | B('h') | B('m') | B('b'),
    [8] = B('t') | B('f') | B('e') | B('n') | B('h') | B('m') | B('b'),
    [9] = B('s') | B('t'),
};
#undef B

/* Whether s[0, n) (n >= 3) is one of the words of a NULL-terminated list of words n bytes
 * long. The first two bytes are compared inline: "the" or "said" passed the initials' test
 * and called memcmp for "two", "ten" or "six", "seven" (memcmp was 2.6% of Reuters' story
 * profile, under the reading threads). */
static int in_words(const char *const *w, const char *s, size_t n)
{
    for (; *w; w++)
        if ((*w)[0] == s[0] && (*w)[1] == s[1] && !memcmp(*w + 2, s + 2, n - 2)) return 1;
    return 0;
}

static int is_number(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (unsigned char)(s[i] - '0') < 10u)
        i++;
    if (i == n) return 1;
    if (i > 0 || n < 3 || n > 9) return 0;
    const unsigned c = (unsigned char)s[0] - 'a';
    return c < 26 && (NUMBER_INITIALS[n] >> c & 1u) && in_words(NUMBER_WORDS[n], s, n);
}

/* Letters and upper-case letters of the original token bytes. */
static void letter_case(const char *s, size_t n, unsigned *letters, unsigned *upper,
                        int *first_upper)
{
    *letters = *upper = 0;
    *first_upper = 0;
    size_t i = 0;
    unsigned char any = 0;
    unsigned up = 0, lo = 0;
    for (size_t k = 0; k < n; k++) { /* ASCII first: no table lookups */
        const unsigned char c = (unsigned char)s[k];
        any |= c;
        up += (unsigned char)(c - 'A') < 26u;
        lo += (unsigned char)(c - 'a') < 26u;
    }
    if (any < 0x80) {
        *first_upper = n && (unsigned char)(s[0] - 'A') < 26u;
        *letters = up + lo;
        *upper = up;
        return;
    }
    while (i < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k <= 0) {
            i++;
            continue;
        }
        const utf8proc_category_t c = utf8proc_category(cp);
        const int is_up = c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LT;
        const int is_letter = is_up || c == UTF8PROC_CATEGORY_LL || c == UTF8PROC_CATEGORY_LM ||
                              c == UTF8PROC_CATEGORY_LO;
        if (i == 0) *first_upper = is_up;
        *letters += is_letter;
        *upper += is_up;
        i += (size_t)k;
    }
}

/* A token starts a sentence when only spaces and opening quotes or brackets separate it
 * from the start of the text, a line break, or a sentence-ending mark. */
static int sentence_start(const char *text, uint32_t start)
{
    size_t i = start;
    while (i > 0) {
        const unsigned char c = (unsigned char)text[i - 1];
        if (c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '(' || c == '[') {
            i--;
            continue;
        }
        if (c >= 0x80) { /* skip a multi-byte opening quote such as U+201C, U+00AB */
            size_t j = i - 1;
            while (j > 0 && ((unsigned char)text[j] & 0xC0) == 0x80)
                j--;
            utf8proc_int32_t cp;
            if (utf8proc_iterate((const utf8proc_uint8_t *)text + j, (utf8proc_ssize_t)(i - j),
                                 &cp) > 0) {
                const utf8proc_category_t cat = utf8proc_category(cp);
                if (cat == UTF8PROC_CATEGORY_PI || cat == UTF8PROC_CATEGORY_PS ||
                    cat == UTF8PROC_CATEGORY_ZS) {
                    i = j;
                    continue;
                }
            }
            return 0;
        }
        return c == '.' || c == '!' || c == '?' || c == ':' || c == '\n' || c == '\r';
    }
    return 1;
}

/* Month and weekday names (normalized: case folded), by length: capitalised, but a date
 * names no actor, and two reports of one month written from one template shared them as
 * names (Chile's and Ecuador's February price indexes). English only, like the number words. */
static const char *const CALENDAR_WORDS[10][8] = {
    [3] = {"may"},
    [4] = {"june", "july"},
    [5] = {"march", "april"},
    [6] = {"august", "monday", "friday", "sunday"},
    [7] = {"january", "october", "tuesday"},
    [8] = {"february", "november", "december", "thursday", "saturday"},
    [9] = {"september", "wednesday"},
};

static int is_calendar_word(const char *s, size_t n)
{
    return n >= 3 && n <= 9 && in_words(CALENDAR_WORDS[n], s, n);
}

/* Token flags of one token from its original spelling. A capitalised word at a sentence
 * start is not a name: "The", "Analysts" (tried: learning from the collection whether the
 * word is mostly capitalised elsewhere, which names "Chile" in "Chile's consumer price index";
 * it linked more same-subject Reuters stories than it separated: proxy F1 -0.002 to -0.018). */
static uint8_t token_flags(const char *text, const rp_norm_result *nr, const rp_token *t, int title)
{
    uint8_t f = 0;
    const char *norm = nr->norm + t->norm_off;
    if (is_number(norm, t->norm_size)) f |= RPI_TOK_NUMBER;
    /* most tokens start with a lower-case ASCII letter: neither all capitals nor capitalised,
     * whatever follows (the case loop below was most of this function's 5.6% of Reuters'
     * story profile) */
    if ((unsigned char)(text[t->start] - 'a') < 26u) return f;
    unsigned letters, upper;
    int first_upper;
    letter_case(text + t->start, t->end - t->start, &letters, &upper, &first_upper);
    if (!upper || is_calendar_word(norm, t->norm_size)) return f;
    if (letters >= 2 && upper == letters)
        f |= RPI_TOK_ACRONYM | RPI_TOK_NAME;
    else if (first_upper && (title || !sentence_start(text, t->start)))
        f |= RPI_TOK_NAME;
    return f;
}

/* Title tokens: terms and names (a headline names the story's actors), never aligned. */
static rp_status title_tokens(struct rpi_arena *ar, struct rpi_sdoc *sd, rp_normalizer *tn)
{
    if (!sd->title || !tn) return RP_OK;
    rp_norm_result tr;
    RP_TRY(rp_normalizer_run(tn, sd->title, strlen(sd->title), &tr));
    if (!tr.n_tokens) return RP_OK;
    sd->title_tok = rpi_arena_alloc(ar, tr.n_tokens * sizeof *sd->title_tok, 4);
    sd->title_flags = rpi_arena_alloc(ar, tr.n_tokens, 1);
    if (!sd->title_tok || !sd->title_flags) return RP_E_NOMEM;
    for (size_t i = 0; i < tr.n_tokens; i++) {
        sd->title_tok[i] = rpi_token_id(tr.tokens[i].hash);
        sd->title_flags[i] = token_flags(sd->title, &tr, &tr.tokens[i], 1);
    }
    sd->n_title = (uint32_t)tr.n_tokens;
    return RP_OK;
}

/* A headline's case says little (all capitals, Title Case): a capitalised title word stays a
 * name unless the text uses the same word and always spells it in lower case ("REPURCHASING
 * SHARES" over "...repurchasing its shares"). A word the text never uses keeps the flag (the
 * company in an earnings headline over a table of figures). Runs after the text's tokens. */
#define TITLE_USED 0x80u  /* while title_case_from_text runs: the text uses the word */
#define TITLE_UPPER 0x40u /* ... and once not in lower case */
static void title_case_from_text(struct rpi_sdoc *sd, const char *text, const uint32_t *off)
{
    /* one pass over the text, a token compared with the title's names only when its id's bit
     * is in their 64-bit mask (a pass per capitalised title word was 27% of rpi_sdoc_build's
     * own time on Reuters, whose headlines are in capitals) */
    uint64_t mask = 0;
    for (uint32_t i = 0; i < sd->n_title; i++)
        if (sd->title_flags[i] & RPI_TOK_NAME) mask |= 1ull << (sd->title_tok[i] & 63);
    if (!mask) return;
    for (uint32_t t = 0; t < sd->n_tok; t++) {
        if (!(mask >> (sd->tok[t] & 63) & 1)) continue;
        const unsigned char c = (unsigned char)text[off[2 * t]];
        for (uint32_t i = 0; i < sd->n_title; i++) {
            if (sd->tok[t] != sd->title_tok[i] || !(sd->title_flags[i] & RPI_TOK_NAME)) continue;
            /* upper case, digits or non-ASCII: keep */
            sd->title_flags[i] |= c >= 'a' && c <= 'z' ? TITLE_USED : TITLE_USED | TITLE_UPPER;
        }
    }
    for (uint32_t i = 0; i < sd->n_title; i++) {
        const uint8_t f = sd->title_flags[i];
        if ((f & TITLE_USED) && !(f & TITLE_UPPER))
            sd->title_flags[i] &= (uint8_t) ~(RPI_TOK_NAME | RPI_TOK_ACRONYM);
        sd->title_flags[i] &= (uint8_t) ~(TITLE_USED | TITLE_UPPER);
    }
}
#undef TITLE_USED
#undef TITLE_UPPER

uint64_t rpi_sdoc_line_key(const struct rpi_sdoc *sd, uint32_t l)
{
    const uint64_t prev = l ? sd->lines[l - 1].hash : 0;
    const uint64_t next = l + 1 < sd->n_lines ? sd->lines[l + 1].hash : 0;
    return (sd->lines[l].hash & RPI_LINE_MASK) | rpi_mix64(prev * 31 + next) >> 40;
}

/* What the bytes text[from, to) between two tokens hold: GAP_LINE a line break (lines, for
 * boilerplate), GAP_SENT a sentence end (S5b's sentences, story_lineage.c): a line break,
 * `!`, `?`, a `.` before a space, a line break or the end of the gap, U+3002 ideographic
 * full stop, U+FF01 and U+FF1F fullwidth `!` and `?`. One pass: the gaps are short, so a
 * plain loop beats a memchr call per token. */
#define GAP_LINE 1u
#define GAP_SENT 2u
static unsigned gap_kind(const char *text, uint32_t from, uint32_t to)
{
    unsigned g = 0;
    for (uint32_t k = from; k < to; k++) {
        const unsigned char c = (unsigned char)text[k];
        if (c == '\n') return GAP_LINE | GAP_SENT;
        if (g) continue; /* a sentence ends here: only a line break can add to it */
        if (c == '!' || c == '?') g = GAP_SENT;
        if (c == '.' && (k + 1 >= to || text[k + 1] == ' ' || text[k + 1] == '\n')) g = GAP_SENT;
        if (c == 0xE3 && k + 2 < to && (unsigned char)text[k + 1] == 0x80 &&
            (unsigned char)text[k + 2] == 0x82)
            g = GAP_SENT;
        if (c == 0xEF && k + 2 < to && (unsigned char)text[k + 1] == 0xBC &&
            ((unsigned char)text[k + 2] == 0x81 || (unsigned char)text[k + 2] == 0x9F))
            g = GAP_SENT;
    }
    return g;
}

/* ---- the store: texts and tokens in two temporary files ---------------------------------- */

/* Write out f's buffer; msg gets the reason on failure. */
static rp_status flush(struct rpi_sfile *f, char *msg, size_t cap)
{
    const char *p = f->buf;
    size_t left = f->n_buf;
    while (left) {
        const ssize_t k = write(f->spill.fd, p, left);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            snprintf(msg, cap, "story spill file: %s", k < 0 ? strerror(errno) : "nothing written");
            return RP_E_IO;
        }
        p += k;
        left -= (size_t)k;
    }
    f->n_buf = 0;
    return RP_OK;
}

rp_status rpi_sstore_open(struct rpi_sstore *st, uint16_t index, const char *dir,
                          const rp_alloc *al, char *msg, size_t cap)
{
    memset(st, 0, sizeof *st);
    st->text.spill.fd = st->tok.spill.fd = -1;
    st->index = index;
    st->alloc = al;
    RP_TRY(rpi_spill_open(&st->text.spill, dir, msg, cap));
    return rpi_spill_open(&st->tok.spill, dir, msg, cap);
}

rp_status rpi_sfile_map(struct rpi_sfile *f, const rp_alloc *al, int writable, char *msg,
                        size_t cap)
{
    if (f->n_buf) RP_TRY(flush(f, msg, cap));
    rpi_free(al, f->buf); /* written: no more appends */
    f->buf = NULL;
    f->cap_buf = 0;
    return rpi_spill_map(&f->spill, writable, msg, cap);
}

rp_status rpi_sstore_map(struct rpi_sstore *st, char *msg, size_t cap)
{
    /* texts and offsets are only read; S1 writes its marks into the ids and flags */
    RP_TRY(rpi_sfile_map(&st->text, st->alloc, 0, msg, cap));
    return rpi_sfile_map(&st->tok, st->alloc, 1, msg, cap);
}

void rpi_sfile_close(struct rpi_sfile *f, const rp_alloc *al)
{
    if (f->spill.fd >= 0 || f->spill.map) rpi_spill_close(&f->spill);
    rpi_free(al, f->buf);
    f->buf = NULL;
    f->cap_buf = f->n_buf = 0;
}

void rpi_sstore_close(struct rpi_sstore *st)
{
    rpi_sfile_close(&st->text, st->alloc);
    rpi_sfile_close(&st->tok, st->alloc);
    rpi_free(st->alloc, st->scratch);
    st->scratch = NULL;
    st->cap_scratch = 0;
}

/* A stored document. In the text file: the text's bytes, padded with NULs (at least one) to a
 * multiple of 4, then two offsets a token. In the token file: the ids, the flags padded with
 * zeros to a multiple of 8 bytes from the ids' start (tok_span), then the lines. Two files, so
 * that the passes over every token (S2-S4) map the 6.6 bytes a token they read and not the
 * text around them (in one file, with the text, 9.97 + 1.48 s user + sys became 10.35 + 3.91
 * s at 100k documents: 441k page faults instead of 92k). */
static uint64_t text_span(uint32_t text_size) { return ((uint64_t)text_size + 4) & ~3ull; }
static uint64_t tok_span(uint32_t n_tok) { return ((uint64_t)n_tok * 5u + 7) & ~7ull; }
static uint64_t stored_bytes(const struct rpi_sdoc *sd)
{
    return text_span(sd->text_size) + (uint64_t)sd->n_tok * 8u + tok_span(sd->n_tok) +
           (uint64_t)sd->n_lines * sizeof *sd->lines;
}

void rpi_sstore_attach(const struct rpi_sstore *stores, struct rpi_sdoc *sd)
{
    if (!sd || !sd->cold_file) return;
    const struct rpi_sstore *st = &stores[sd->cold_file - 1];
    sd->text = (const char *)st->text.spill.map + sd->cold_off;
    if (!sd->n_tok) return;
    sd->off = (const uint32_t *)(const void *)(sd->text + text_span(sd->text_size));
    /* mapped writable (rpi_sstore_map): S1 marks boilerplate in the ids and flags */
    char *t = (char *)(uintptr_t)st->tok.spill.map + sd->tok_off;
    sd->tok = (uint32_t *)(void *)t;
    sd->tflags = (uint8_t *)(t + (size_t)sd->n_tok * 4u);
    sd->lines = (struct rpi_line *)(void *)(t + tok_span(sd->n_tok));
}

int rpi_held_add(uint64_t *held, uint64_t bytes, uint64_t limit)
{
    if (__atomic_add_fetch(held, bytes, __ATOMIC_RELAXED) < limit) return 0;
    __atomic_store_n(held, 0, __ATOMIC_RELAXED);
    return 1;
}

int rpi_held_note(uint64_t *held, uint64_t total, uint64_t bytes)
{
    const uint64_t share = total / RPI_HELD_SHARE;
    return total > RPI_MAPS_KEEP &&
           rpi_held_add(held, bytes + 2 * RPI_FAULT_AROUND,
                        share > RPI_SSTORE_HELD ? share : RPI_SSTORE_HELD);
}

void rpi_sfile_drop(const struct rpi_sfile *f)
{
    if (f->spill.map) /* a map starts on a page and covers whole pages */
        (void)madvise((void *)(uintptr_t)f->spill.map, f->spill.size, MADV_DONTNEED);
}

void rpi_sdoc_release(const struct rpi_sstore *stores, unsigned n, uint64_t *held,
                      const struct rpi_sdoc *sd)
{
    if (!stores || !sd || !sd->cold_file) return;
    uint64_t size = 0;
    for (unsigned i = 0; i < n; i++)
        size += stores[i].text.spill.size + stores[i].tok.spill.size;
    if (!rpi_held_note(held, size, stored_bytes(sd))) return;
    for (unsigned i = 0; i < n; i++) {
        rpi_sfile_drop(&stores[i].text);
        rpi_sfile_drop(&stores[i].tok);
    }
}

/* Written a MiB at a time (a write per text was 21k system calls on Reuters). */
#define SSTORE_BUF ((size_t)1 << 20)
rp_status rpi_sfile_put(struct rpi_sfile *f, const rp_alloc *al, const void *p, size_t n,
                        size_t span, char *msg, size_t cap)
{
    void *b = f->buf;
    RP_TRY(rpi_array_reserve(al, &b, &f->cap_buf, 1, f->n_buf + span));
    f->buf = b;
    if (n) memcpy(f->buf + f->n_buf, p, n);
    if (span > n) memset(f->buf + f->n_buf + n, 0, span - n); /* (an empty put: buf may be NULL) */
    f->n_buf += span;
    f->spill.size += span;
    return f->n_buf >= SSTORE_BUF ? flush(f, msg, cap) : RP_OK;
}

/* rpi_sfile_put for the store (st->msg gets the reason of a failed write) */
static rp_status sfile_put(struct rpi_sstore *st, struct rpi_sfile *f, const void *p, size_t n,
                           size_t span)
{
    return rpi_sfile_put(f, st->alloc, p, n, span, st->msg, sizeof st->msg);
}

/* Append the text of sd and its tokens and lines (built in st->scratch, sd_scratch) to the
 * store; sd's tokens and lines are unset until rpi_sstore_attach. */
static rp_status sstore_put(struct rpi_sstore *st, struct rpi_sdoc *sd, const char *text)
{
    const size_t n = sd->n_tok;
    sd->cold_file = (uint16_t)(st->index + 1);
    sd->cold_off = st->text.spill.size;
    sd->tok_off = st->tok.spill.size;
    RP_TRY(sfile_put(st, &st->text, text, sd->text_size, (size_t)text_span(sd->text_size)));
    if (n) {
        const char *scratch = (const char *)st->scratch;
        RP_TRY(sfile_put(st, &st->text, scratch, n * 8u, n * 8u));
        RP_TRY(sfile_put(st, &st->tok, scratch + n * 8u, n * 5u, (size_t)tok_span(sd->n_tok)));
        RP_TRY(sfile_put(st, &st->tok, sd->lines, sd->n_lines * sizeof *sd->lines,
                         sd->n_lines * sizeof *sd->lines));
    }
    sd->off = NULL;
    sd->tok = NULL;
    sd->tflags = NULL;
    sd->lines = NULL;
    return RP_OK;
}

rp_status rpi_sstore_add(struct rpi_sstore *st, struct rpi_sdoc *sd, const char *text,
                         const void *off, const void *tok, const void *tflags, const void *lines)
{
    const size_t n = sd->n_tok;
    if (n) { /* the scratch's layout (rpi_sdoc_build): offsets, ids, flags; lines read as given */
        void *p = st->scratch;
        RP_TRY(rpi_array_reserve(st->alloc, &p, &st->cap_scratch, 8, 4 * n + 2));
        st->scratch = p;
        char *b = p;
        memcpy(b, off, n * 8u);
        memcpy(b + n * 8u, tok, n * 4u);
        memcpy(b + n * 12u, tflags, n);
    }
    sd->lines = (struct rpi_line *)(uintptr_t)lines; /* only copied from (sstore_put) */
    RP_TRY(sstore_put(st, sd, text));
    sd->text = NULL;
    return RP_OK;
}

#define LINE_START 0x80u /* while building: the token starts a line (not an RPI_TOK_ flag) */

rp_status rpi_sdoc_lang(struct rpi_sdoc *sd, const char *text)
{
    const int sure = rpi_lang_detect(text, sd->text_size, sd->lang);
    if (sure < 1) memcpy(sd->lang, "und", 4);
    return sure < 0 ? RP_E_NOMEM : RP_OK;
}

rp_status rpi_sdoc_build(struct rpi_arena *ar, const rp_doc *doc, const rp_norm_result *nr,
                         rp_normalizer *title_norm, struct rpi_sstore *store, struct rpi_sdoc **out)
{
    *out = NULL;
    if (doc->text_size > UINT32_MAX - 1) return RP_E_TOO_BIG;
    struct rpi_sdoc *sd = rpi_arena_alloc(ar, sizeof *sd, 8);
    if (!sd) return RP_E_NOMEM;
    memset(sd, 0, sizeof *sd);
    const size_t n = nr->n_tokens;
    /* flags and breaks read the text where it is; only the arena keeps a copy */
    const char *text = doc->text ? doc->text : "";
    if (!store) {
        char *copy = rpi_arena_alloc(ar, doc->text_size + 1, 1);
        if (!copy) return RP_E_NOMEM;
        memcpy(copy, text, doc->text_size);
        copy[doc->text_size] = '\0';
        sd->text = copy;
    }
    sd->text_size = (uint32_t)doc->text_size;
    RP_TRY(rpi_sdoc_lang(sd, text));
    if (doc->title) {
        sd->title = rpi_arena_strndup(ar, doc->title, strlen(doc->title));
        if (!sd->title) return RP_E_NOMEM;
    }
    sd->n_tok = (uint32_t)n;
    *out = sd;
    RP_TRY(title_tokens(ar, sd, title_norm));
    uint32_t *off = NULL;
    if (store) { /* offsets, ids, flags, lines (at most one a token) in the scratch */
        void *p = store->scratch;
        RP_TRY(rpi_array_reserve(store->alloc, &p, &store->cap_scratch, 8, 4 * n + 2));
        off = store->scratch = p;
        sd->tok = off + 2 * n;
        sd->tflags = (uint8_t *)(off + 3 * n);
    } else if (n) {
        off = rpi_arena_alloc(ar, 2 * n * sizeof *off, 4);
        sd->tok = rpi_arena_alloc(ar, n * sizeof *sd->tok, 4);
        sd->tflags = rpi_arena_alloc(ar, n, 1);
        if (!off || !sd->tok || !sd->tflags) return RP_E_NOMEM;
        sd->off = off;
    }
    if (n == 0) return store ? sstore_put(store, sd, text) : RP_OK;
    sd->brk = rpi_arena_alloc(ar, (n + 63) / 64 * sizeof *sd->brk, 8);
    if (!sd->brk) return RP_E_NOMEM;
    memset(sd->brk, 0, (n + 63) / 64 * sizeof *sd->brk);
    uint32_t n_lines = 0;
    for (size_t i = 0; i < n; i++) {
        const rp_token *t = &nr->tokens[i];
        sd->tok[i] = rpi_token_id(t->hash);
        off[2 * i] = t->start;
        off[2 * i + 1] = t->end;
        sd->tflags[i] = token_flags(text, nr, t, 0);
        const unsigned g = i ? gap_kind(text, off[2 * i - 1], t->start) : GAP_LINE;
        if (i && (g & GAP_SENT)) sd->brk[i >> 6] |= 1ull << (i & 63);
        if (g & GAP_LINE) {
            n_lines++;
            sd->tflags[i] |= LINE_START;
        }
    }
    sd->lines = store ? (struct rpi_line *)(void *)((uint64_t *)store->scratch + 2 * n)
                      : rpi_arena_alloc(ar, n_lines * sizeof *sd->lines, 8);
    if (!sd->lines) return RP_E_NOMEM;
    uint32_t l = 0;
    for (size_t i = 0; i < n; i++) {
        if (sd->tflags[i] & LINE_START) {
            sd->tflags[i] &= (uint8_t)~LINE_START;
            sd->lines[l].hash = 0x84222325CBF29CE4ull;
            sd->lines[l].tok_start = (uint32_t)i;
            l++;
        }
        struct rpi_line *ln = &sd->lines[l - 1];
        ln->hash = (ln->hash ^ sd->tok[i]) * 0x100000001B3ull;
        ln->hash ^= ln->hash >> 31;
        ln->tok_end = (uint32_t)i + 1;
    }
    sd->n_lines = n_lines;
    title_case_from_text(sd, text, off);
    return store ? sstore_put(store, sd, text) : RP_OK;
}
