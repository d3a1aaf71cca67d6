/* SPDX-License-Identifier: MIT */
/* lang_lex.c -- pivot terms (lang_internal.h): a token of a text in language L as a term of
 * one shared space. In order: L's word list (the token, else one of its stems by Hunspell,
 * lang_stem.c, else the longest of its prefixes of at least LOOKUP_MIN code points that is a
 * word of the list: the list holds lemmas, texts hold inflected forms: "Kämpfern" finds
 * "Kämpfer"), else the token in Latin ASCII (ICU), else the token; the result cut to
 * RPI_PIVOT_PREFIX code points and hashed. Numbers keep all their digits (a year and another
 * year share a prefix). */
#include <errno.h>           /* errno */
#include <pthread.h>         /* pthread_mutex_t */
#include <stdio.h>           /* FILE, getline */
#include <stdlib.h>          /* free */
#include <string.h>          /* strcmp, strerror */
#include <sys/stat.h>        /* stat */
#include <unicode/ustring.h> /* u_strFromUTF8, u_strToUTF8 */
#include <unicode/utrans.h>  /* utrans_openU, utrans_transUChars */
#include <xxhash.h>          /* XXH3_64bits_withSeed */
#include "lang_internal.h"

#define PIVOT_SEED 0x70697630746c6e67ull /* pivot terms: another space than the token ids */
#define LOOKUP_MIN 4u  /* shortest prefix of a token looked up in a word list (code points) */
#define MAX_LANGS 32u  /* lists loaded in one run */
#define CACHE_BITS 12u /* per thread: transliterated tokens remembered */
#define JOIN_MAX 8u    /* longest word of several tokens looked up (Han and Kana: a token each) */
#define JOIN_SEED 0x6a6f696e2d746f6bull /* a word of several tokens: its tokens' bytes joined */
#define STEM_SEED 0x7374656d2d6d656dull /* the stem cache: a word as written, per language */

/* word (normalized token hash) -> pivot id; open addressing, power-of-two capacity */
struct list {
    char code[RPI_LANG_SIZE];
    int state; /* 0 not tried, 1 loaded, 2 no list */
    uint64_t *keys;
    uint32_t *vals;
    size_t cap, n;
    size_t n_join; /* words of two tokens or more (Japanese: a token per character) */
};

struct rpi_lexset {
    const rp_alloc *alloc;
    char *dir;
    rp_norm_params np;
    pthread_mutex_t mu;
    struct list lists[MAX_LANGS];
    unsigned n_lists;
    UTransliterator *tr; /* Any-Latin; Latin-ASCII, cloned per thread */
    int tr_failed;
    rpi_stemmer *stem; /* shared by the threads */
};

/* token hash -> a value never 0, direct mapped (a token replaces the one in its slot) */
struct memo {
    uint64_t key[1u << CACHE_BITS];
    uint32_t val[1u << CACHE_BITS];
};

struct scratch {
    UTransliterator *tr;
    rp_normalizer *norm;  /* prefixes of tokens, normalized as list words were */
    struct memo translit; /* tokens transliterated: their pivot id */
    struct memo stems;    /* tokens stemmed: pivot id + 1 (1: no stem in the list) */
    UChar ubuf[512];
    char cbuf[512];
};

/* ---- pivot ids -------------------------------------------------------------------------- */

static size_t utf8_len(unsigned char c) { return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4; }

/* Bytes of the first k code points of s[0, n). */
static size_t prefix_bytes(const char *s, size_t n, unsigned k)
{
    size_t i = 0;
    for (unsigned c = 0; c < k && i < n; c++)
        i += utf8_len((unsigned char)s[i]);
    return i < n ? i : n;
}

static unsigned code_points(const char *s, size_t n)
{
    unsigned c = 0;
    for (size_t i = 0; i < n; i += utf8_len((unsigned char)s[i]))
        c++;
    return c;
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)(s[i] - '0') > 9u) return 0;
    return n > 0;
}

/* The pivot id of a term spelt s[0, n) in the shared space. */
static uint32_t pivot_id(const char *s, size_t n)
{
    if (!all_digits(s, n)) n = prefix_bytes(s, n, RPI_PIVOT_PREFIX);
    const uint64_t h = XXH3_64bits_withSeed(s, n, PIVOT_SEED);
    const uint32_t id = (uint32_t)(h ^ (h >> 32));
    return id ? id : 1u;
}

/* ---- word lists ------------------------------------------------------------------------- */

static uint64_t mix(uint64_t k) { return k * 0x9E3779B97F4A7C15ull; }

/* The key of tokens [i, i + k) of r as one word: their normalized bytes joined (a word of a
 * script without spaces, which the normalizer cuts into a token per character). */
static uint64_t join_key(const rp_norm_result *r, size_t i, size_t k)
{
    char buf[256];
    size_t n = 0;
    for (size_t j = i; j < i + k; j++) {
        const size_t m = r->tokens[j].norm_size;
        if (n + m > sizeof buf) return 0; /* no word of the lists is that long */
        memcpy(buf + n, r->norm + r->tokens[j].norm_off, m);
        n += m;
    }
    return XXH3_64bits_withSeed(buf, n, JOIN_SEED);
}

static rp_status list_put(const rp_alloc *al, struct list *l, uint64_t key, uint32_t val)
{
    if (!key) key = 1;
    if (2 * (l->n + 1) > l->cap) {
        const size_t cap = l->cap ? 2 * l->cap : 1024;
        uint64_t *k = rpi_calloc(al, cap, sizeof *k);
        uint32_t *v = rpi_malloc(al, cap * sizeof *v);
        if (!k || !v) {
            rpi_free(al, k);
            rpi_free(al, v);
            return RP_E_NOMEM;
        }
        for (size_t i = 0; i < l->cap; i++) {
            if (!l->keys[i]) continue;
            size_t j = mix(l->keys[i]) >> 20 & (cap - 1);
            while (k[j])
                j = (j + 1) & (cap - 1);
            k[j] = l->keys[i];
            v[j] = l->vals[i];
        }
        rpi_free(al, l->keys);
        rpi_free(al, l->vals);
        l->keys = k;
        l->vals = v;
        l->cap = cap;
    }
    size_t j = mix(key) >> 20 & (l->cap - 1);
    while (l->keys[j]) {
        if (l->keys[j] == key) return RP_OK; /* the first rendering of a word wins */
        j = (j + 1) & (l->cap - 1);
    }
    l->keys[j] = key;
    l->vals[j] = val;
    l->n++;
    return RP_OK;
}

static uint32_t list_get(const struct list *l, uint64_t key)
{
    if (!l->cap) return 0;
    if (!key) key = 1;
    size_t j = mix(key) >> 20 & (l->cap - 1);
    while (l->keys[j]) {
        if (l->keys[j] == key) return l->vals[j];
        j = (j + 1) & (l->cap - 1);
    }
    return 0;
}

/* Read `word<TAB>english` lines (tools/lexicon.py) from f (named name in messages) into l. A
 * word or rendering that is not one token is left out, as is a line without a tab. */
static rp_status list_read(rpi_lexset *ls, struct list *l, FILE *f, const char *name, char *msg,
                           size_t cap)
{
    rp_normalizer *nz = NULL;
    rp_status st = rp_normalizer_create(&nz, &ls->np, ls->alloc);
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while (st == RP_OK && (len = getline(&line, &lcap, f)) > 0) {
        char *tab = memchr(line, '\t', (size_t)len);
        if (!tab) continue;
        const size_t wn = (size_t)(tab - line);
        size_t en = (size_t)len - wn - 1;
        while (en && (tab[en] == '\n' || tab[en] == '\r'))
            en--;
        rp_norm_result r;
        if (rp_normalizer_run(nz, tab + 1, en, &r) != RP_OK || r.n_tokens != 1) continue;
        const uint32_t val = pivot_id(r.norm + r.tokens[0].norm_off, r.tokens[0].norm_size);
        if (rp_normalizer_run(nz, line, wn, &r) != RP_OK || r.n_tokens == 0) continue;
        if (r.n_tokens == 1) {
            st = list_put(ls->alloc, l, r.tokens[0].hash, val);
        } else if (r.n_tokens <= JOIN_MAX && !memchr(line, ' ', wn)) {
            const uint64_t key = join_key(&r, 0, r.n_tokens);
            if (key) st = list_put(ls->alloc, l, key, val);
            l->n_join += key != 0;
        }
    }
    if (st == RP_OK && ferror(f)) {
        snprintf(msg, cap, "%s: %s", name, strerror(errno));
        st = RP_E_IO;
    }
    free(line);
    rp_normalizer_free(nz);
    l->state = st == RP_OK ? 1 : 2;
    return st;
}

/* Read dir/code.tsv into l; no file: no list. */
static rp_status list_load(rpi_lexset *ls, struct list *l, char *msg, size_t cap)
{
    char path[4096];
    if (!ls->dir ||
        snprintf(path, sizeof path, "%s/%s.tsv", ls->dir, l->code) >= (int)sizeof path) {
        l->state = 2;
        return RP_OK;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        l->state = 2;
        if (errno == ENOENT) return RP_OK;
        snprintf(msg, cap, "%s: %s", path, strerror(errno));
        return RP_E_IO;
    }
    const rp_status st = list_read(ls, l, f, path, msg, cap);
    fclose(f);
    return st;
}

/* The list of code, loaded on first use (NULL when there is none). */
static rp_status list_of(rpi_lexset *ls, const char *code, const struct list **out, char *msg,
                         size_t cap)
{
    *out = NULL;
    rp_status st = RP_OK;
    pthread_mutex_lock(&ls->mu);
    struct list *l = NULL;
    for (unsigned i = 0; i < ls->n_lists && !l; i++)
        if (!strcmp(ls->lists[i].code, code)) l = &ls->lists[i];
    if (!l && ls->n_lists < MAX_LANGS && strlen(code) < RPI_LANG_SIZE) {
        l = &ls->lists[ls->n_lists++];
        strcpy(l->code, code);
    }
    if (l && l->state == 0) st = list_load(ls, l, msg, cap);
    pthread_mutex_unlock(&ls->mu);
    if (l && l->state == 1) *out = l;
    return st;
}

rp_status rpi_lexset_put_list(rpi_lexset *ls, const char *code, const char *data, size_t size)
{
    if (strlen(code) >= RPI_LANG_SIZE) return RP_E_INVALID;
    pthread_mutex_lock(&ls->mu);
    struct list *l = NULL;
    for (unsigned i = 0; i < ls->n_lists && !l; i++)
        if (!strcmp(ls->lists[i].code, code)) l = &ls->lists[i];
    if (!l && ls->n_lists < MAX_LANGS) {
        l = &ls->lists[ls->n_lists++];
        strcpy(l->code, code);
    }
    rp_status st = l && l->state == 0 ? RP_OK : RP_E_INVALID;
    FILE *f = st == RP_OK && size ? fmemopen((void *)data, size, "r") : NULL;
    char msg[64];
    if (st == RP_OK && size && !f) st = RP_E_NOMEM;
    if (f) {
        st = list_read(ls, l, f, code, msg, sizeof msg);
        fclose(f);
    } else if (st == RP_OK) {
        l->state = 1; /* an empty list */
    }
    pthread_mutex_unlock(&ls->mu);
    return st;
}

/* ---- the set ---------------------------------------------------------------------------- */

const char *rpi_lexicon_dir(const char *given)
{
    if (given) return given;
    const char *env = getenv("REPRINT_LEXICON_DIR");
    if (env && *env) return env;
#if defined(RP_LEXICON_DIR) && defined(RP_LEXICON_INSTALL_DIR)
    /* the build tree's while it exists, else where `make install` put them */
    struct stat st;
    if (stat(RP_LEXICON_DIR, &st) == 0 && S_ISDIR(st.st_mode)) return RP_LEXICON_DIR;
    return RP_LEXICON_INSTALL_DIR;
#else
    return NULL;
#endif
}

rp_status rpi_lexset_create(rpi_lexset **out, const char *dir, const rp_norm_params *np,
                            const rp_alloc *alloc)
{
    rpi_lexset *ls = rpi_calloc(alloc, 1, sizeof *ls);
    *out = ls;
    if (!ls) return RP_E_NOMEM;
    ls->alloc = alloc;
    ls->np = *np;
    pthread_mutex_init(&ls->mu, NULL);
    if (!(ls->stem = rpi_stemmer_create(alloc))) return RP_E_NOMEM;
    if (dir) {
        const size_t n = strlen(dir);
        ls->dir = rpi_malloc(alloc, n + 1);
        if (!ls->dir) return RP_E_NOMEM;
        memcpy(ls->dir, dir, n + 1);
    }
    return RP_OK;
}

void rpi_lexset_free(rpi_lexset *ls)
{
    if (!ls) return;
    for (unsigned i = 0; i < ls->n_lists; i++) {
        rpi_free(ls->alloc, ls->lists[i].keys);
        rpi_free(ls->alloc, ls->lists[i].vals);
    }
    if (ls->tr) utrans_close(ls->tr);
    rpi_stemmer_free(ls->stem);
    pthread_mutex_destroy(&ls->mu);
    rpi_free(ls->alloc, ls->dir);
    rpi_free(ls->alloc, ls);
}

size_t rpi_lexset_words(rpi_lexset *ls, const char *code)
{
    size_t n = 0;
    pthread_mutex_lock(&ls->mu);
    for (unsigned i = 0; i < ls->n_lists; i++)
        if (!strcmp(ls->lists[i].code, code)) n = ls->lists[i].n;
    pthread_mutex_unlock(&ls->mu);
    return n;
}

void rpi_lexset_scratch_free(rpi_lexset *ls, void *scratch)
{
    struct scratch *sc = scratch;
    if (!sc) return;
    if (sc->tr) utrans_close(sc->tr);
    rp_normalizer_free(sc->norm);
    rpi_free(ls->alloc, sc);
}

static rp_status scratch_of(rpi_lexset *ls, void **scratch)
{
    if (*scratch) return RP_OK;
    struct scratch *sc = rpi_calloc(ls->alloc, 1, sizeof *sc);
    if (!sc) return RP_E_NOMEM;
    *scratch = sc;
    RP_TRY(rp_normalizer_create(&sc->norm, &ls->np, ls->alloc));
    pthread_mutex_lock(&ls->mu);
    if (!ls->tr && !ls->tr_failed) {
        static const UChar id[] = u"Any-Latin; Latin-ASCII";
        UParseError pe;
        UErrorCode e = U_ZERO_ERROR;
        ls->tr = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, &pe, &e);
        if (U_FAILURE(e)) ls->tr = NULL, ls->tr_failed = 1;
    }
    if (ls->tr) {
        UErrorCode e = U_ZERO_ERROR;
        sc->tr = utrans_clone(ls->tr, &e);
        if (U_FAILURE(e)) sc->tr = NULL;
    }
    pthread_mutex_unlock(&ls->mu);
    return RP_OK;
}

static int ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80) return 0;
    return 1;
}

static uint32_t memo_get(const struct memo *m, uint64_t hash)
{
    const size_t x = mix(hash) >> 40 & ((1u << CACHE_BITS) - 1);
    return m->key[x] == hash ? m->val[x] : 0;
}

static void memo_put(struct memo *m, uint64_t hash, uint32_t val)
{
    const size_t x = mix(hash) >> 40 & ((1u << CACHE_BITS) - 1);
    m->key[x] = hash;
    m->val[x] = val;
}

/* s[0, n) in lower-case Latin ASCII letters and digits into sc->cbuf: their count, 0 when ICU
 * is missing or fails or nothing is left (soft signs and marks go). */
static size_t latin(struct scratch *sc, const char *s, size_t n)
{
    if (!sc->tr || n >= sizeof sc->cbuf / 4) return 0;
    UErrorCode e = U_ZERO_ERROR;
    int32_t ulen = 0;
    u_strFromUTF8(sc->ubuf, (int32_t)(sizeof sc->ubuf / sizeof *sc->ubuf), &ulen, s, (int32_t)n,
                  &e);
    int32_t lim = ulen;
    if (U_SUCCESS(e))
        utrans_transUChars(sc->tr, sc->ubuf, &ulen, (int32_t)(sizeof sc->ubuf / sizeof *sc->ubuf),
                           0, &lim, &e);
    int32_t blen = 0;
    if (U_SUCCESS(e)) u_strToUTF8(sc->cbuf, (int32_t)sizeof sc->cbuf, &blen, sc->ubuf, ulen, &e);
    if (U_FAILURE(e) || blen <= 0 || blen >= (int32_t)sizeof sc->cbuf) return 0;
    size_t k = 0;
    for (int32_t i = 0; i < blen; i++) {
        unsigned char c = (unsigned char)sc->cbuf[i];
        if ((unsigned)(c - 'A') < 26u) c = (unsigned char)(c + 32);
        if ((unsigned)(c - 'a') < 26u || (unsigned)(c - '0') < 10u) sc->cbuf[k++] = (char)c;
    }
    return k;
}

/* s[0, n) (normalized, not ASCII) in Latin ASCII letters and digits, as a pivot id; the
 * token's own pivot id when ICU is missing or the result is empty. Cached by token hash. */
static uint32_t translit(struct scratch *sc, uint64_t hash, const char *s, size_t n)
{
    uint32_t id = memo_get(&sc->translit, hash);
    if (id) return id;
    const size_t k = latin(sc, s, n);
    id = k ? pivot_id(sc->cbuf, k) : pivot_id(s, n);
    memo_put(&sc->translit, hash, id);
    return id;
}

size_t rpi_lexset_latin(rpi_lexset *ls, void **scratch, const char *s, size_t n, char *out,
                        size_t cap)
{
    if (scratch_of(ls, scratch) != RP_OK) return 0;
    struct scratch *sc = *scratch;
    const size_t k = latin(sc, s, n);
    if (!k || k > cap) return 0;
    memcpy(out, sc->cbuf, k);
    return k;
}

/* The pivot id of a word of list l not found as itself: its longest prefix of LOOKUP_MIN
 * code points or more that is a word of l, else 0. */
static uint32_t by_prefix(struct scratch *sc, const struct list *l, const char *s, size_t n)
{
    const unsigned cp = code_points(s, n);
    for (unsigned k = cp - 1; k >= LOOKUP_MIN && k < cp; k--) {
        const size_t b = prefix_bytes(s, n, k);
        rp_norm_result r;
        if (rp_normalizer_run(sc->norm, s, b, &r) != RP_OK || r.n_tokens != 1) return 0;
        const uint32_t v = list_get(l, r.tokens[0].hash);
        if (v) return v;
    }
    return 0;
}

struct stem_ctx {
    struct scratch *sc;
    const struct list *l;
};

static int stem_found(const char *stem, size_t len, void *ctx)
{
    const struct stem_ctx *c = ctx;
    rp_norm_result r;
    if (rp_normalizer_run(c->sc->norm, stem, len, &r) != RP_OK || r.n_tokens != 1) return 0;
    return (int)list_get(c->l, r.tokens[0].hash); /* pivot ids are never 0 */
}

/* The pivot id of a word of list l (language code) not found as itself: the first of its
 * stems (word[0, n) as written) that is a word of l, else 0. Cached by the word as written and
 * its language (Hunspell stems "Häuser" and "häuser" apart, and one spelling is two words in
 * two languages): keyed by the normalized token alone, the answer depended on which text a
 * thread had read first, so the output on the thread count. */
static uint32_t by_stem(rpi_stemmer *stem, struct scratch *sc, const struct list *l, unsigned li,
                        const char *word, size_t n)
{
    /* not the seed + li: XXH3 folds a short input's last byte and the seed together ("war"
     * in list 0 and "was" in list 1 hashed alike) */
    const uint64_t hash = XXH3_64bits_withSeed(word, n, STEM_SEED) ^ mix(li + 1);
    const uint32_t known = memo_get(&sc->stems, hash);
    if (known) return known - 1;
    struct stem_ctx c = {sc, l};
    const uint32_t id = (uint32_t)rpi_stem_each(stem, l->code, word, n, stem_found, &c);
    memo_put(&sc->stems, hash, id + 1);
    return id;
}

/* The longest word of list l of 2..JOIN_MAX tokens written together (no gap) from token i:
 * its length with *id set, else 0. */
static size_t by_join(const struct list *l, const rp_norm_result *nr, size_t i, uint32_t *id)
{
    size_t run = 1;
    while (run < JOIN_MAX && i + run < nr->n_tokens &&
           nr->tokens[i + run].start == nr->tokens[i + run - 1].end)
        run++;
    for (size_t k = run; k >= 2; k--) {
        const uint64_t key = join_key(nr, i, k);
        const uint32_t v = key ? list_get(l, key) : 0;
        if (v) {
            *id = v;
            return k;
        }
    }
    return 0;
}

rp_status rpi_lexset_pivot(rpi_lexset *ls, const char *code, const char *text,
                           const rp_norm_result *nr, uint32_t *out, uint8_t *how, void **scratch,
                           char *msg, size_t cap)
{
    RP_TRY(scratch_of(ls, scratch));
    struct scratch *sc = *scratch;
    const struct list *l = NULL;
    if (strcmp(code, "en") && strcmp(code, "und")) RP_TRY(list_of(ls, code, &l, msg, cap));
    for (size_t i = 0; i < nr->n_tokens; i++) {
        const size_t k = l && l->n_join ? by_join(l, nr, i, &out[i]) : 0;
        if (k) { /* a word of k tokens: its first carries it, the others are nothing */
            for (size_t j = 1; j < k; j++)
                out[i + j] = 0;
            if (how) memset(how + i, 0, k);
            i += k - 1;
            continue;
        }
        const rp_token *t = &nr->tokens[i];
        const char *s = nr->norm + t->norm_off;
        const size_t n = t->norm_size;
        uint32_t id = l ? list_get(l, t->hash) : 0;
        if (!id && l && text)
            id = by_stem(ls->stem, sc, l, (unsigned)(l - ls->lists), text + t->start,
                         t->end - t->start);
        if (!id && l) id = by_prefix(sc, l, s, n);
        const int tr = !id && !ascii(s, n);
        if (!id) id = tr ? translit(sc, t->hash, s, n) : pivot_id(s, n);
        out[i] = id;
        if (how) how[i] = (uint8_t)tr;
    }
    return RP_OK;
}
