/* SPDX-License-Identifier: MIT */
/* lang_stem.c -- the stems of a word by Hunspell (libhunspell, Debian's hunspell-* dictionaries;
 * lang_internal.h). The word lists hold one form of a word, texts hold its inflected forms:
 * a form no list knew is looked up again as each of its stems ("hestarnir" -> "hestur",
 * "домами" -> "дом"). Tokens of a WMT21 source found in its language's list, exact or by
 * prefix -> with the stems first: Icelandic 0.633 -> 0.769, Russian 0.502 -> 0.710, French
 * 0.830 -> 0.912, German 0.890 -> 0.913 (docs/internals/story.md, S5c). A Hunspell handle
 * is not thread-safe: the stemmer of a run opens each language's dictionary once (30-140 ms,
 * 10-50 MB) and its threads take turns (a stem costs about 8 us, and lang_lex.c remembers
 * them per thread). 1,548 WMT21/WMT16 texts in seven languages: peak 57 MB without stems,
 * 155 MB with a handle per thread, 111 MB with one per run; 1.4-1.7 s -> 2.5 s. Dictionaries
 * are read from $REPRINT_HUNSPELL_DIR, else RP_HUNSPELL_DIR (/usr/share/hunspell):
 * <code>_<CODE>.dic, else the first <code>_*.dic in byte order. A dictionary in another
 * encoding (Polish ISO8859-2, Lithuanian ISO8859-13, Greek ISO8859-7) gets its words converted
 * with iconv and its stems back; one iconv does not know is not used.
 * Creating and destroying a handle is serialized: Hunspell 1.7 counts its handles in a global
 * without a lock (csutil.cxx, initialize_utf_tbl), and two threads opening dictionaries at
 * once leaked its table (ASan, cli_translation). */
#include <dirent.h>  /* opendir */
#include <iconv.h>   /* iconv: dictionaries in another encoding than UTF-8 */
#include <pthread.h> /* pthread_mutex_t */
#include <stdio.h>   /* snprintf */
#include <stdlib.h>  /* getenv */
#include <string.h>  /* strcmp */
#include <hunspell/hunspell.h>
#include "lang_internal.h"

#ifndef RP_HUNSPELL_DIR
#define RP_HUNSPELL_DIR "/usr/share/hunspell"
#endif
#define STEM_LANGS 32u /* languages one thread stems */
#define STEM_WORD 256u /* longest word stemmed (bytes) */

static pthread_mutex_t hun_mu = PTHREAD_MUTEX_INITIALIZER;

struct rpi_stemmer {
    const rp_alloc *alloc;
    pthread_mutex_t mu; /* one thread at a time in the handles */
    unsigned n;
    char code[STEM_LANGS][RPI_LANG_SIZE];
    Hunhandle *h[STEM_LANGS];                 /* NULL: no dictionary for that language */
    iconv_t to[STEM_LANGS], from[STEM_LANGS]; /* UTF-8 <-> its encoding; (iconv_t)-1: UTF-8 */
};

#define NO_ICONV ((iconv_t)-1)

/* s[0, n) through cd (NO_ICONV: as it is) into out (NUL-terminated): its length, or -1 when it
 * does not convert or fit */
static long convert(iconv_t cd, const char *s, size_t n, char *out, size_t cap)
{
    if (cd == NO_ICONV) {
        if (n >= cap) return -1;
        memcpy(out, s, n);
        out[n] = '\0';
        return (long)n;
    }
    iconv(cd, NULL, NULL, NULL, NULL); /* a fresh shift state */
    char *in = (char *)s, *o = out;
    size_t left = n, room = cap - 1;
    if (iconv(cd, &in, &left, &o, &room) == (size_t)-1 || left) return -1;
    *o = '\0';
    return (long)(o - out);
}

int rpi_stem_available(void) { return 1; }

rpi_stemmer *rpi_stemmer_create(const rp_alloc *alloc)
{
    rpi_stemmer *st = rpi_calloc(alloc, 1, sizeof *st);
    if (!st) return NULL;
    st->alloc = alloc;
    pthread_mutex_init(&st->mu, NULL);
    return st;
}

void rpi_stemmer_free(rpi_stemmer *st)
{
    if (!st) return;
    pthread_mutex_lock(&hun_mu);
    for (unsigned i = 0; i < st->n; i++) {
        if (st->h[i]) Hunspell_destroy(st->h[i]);
        if (st->to[i] != NO_ICONV) iconv_close(st->to[i]);
        if (st->from[i] != NO_ICONV) iconv_close(st->from[i]);
    }
    pthread_mutex_unlock(&hun_mu);
    pthread_mutex_destroy(&st->mu);
    rpi_free(st->alloc, st);
}

/* dir/<name> of the dictionary of code into path (without ".dic"), 0 when there is none */
static int dictionary(const char *dir, const char *code, char *path, size_t cap)
{
    char want[RPI_LANG_SIZE * 2 + 2];
    const size_t n = strlen(code);
    if (n + 1 >= RPI_LANG_SIZE) return 0;
    memcpy(want, code, n);
    want[n] = '_';
    for (size_t i = 0; i < n; i++)
        want[n + 1 + i] = (char)(code[i] >= 'a' && code[i] <= 'z' ? code[i] - 32 : code[i]);
    want[2 * n + 1] = '\0';
    DIR *d = opendir(dir);
    if (!d) return 0;
    char best[256] = "";
    int exact = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        const size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".dic") || len - 4 >= sizeof best) continue;
        if (strncmp(e->d_name, code, n) || (e->d_name[n] != '_' && e->d_name[n] != '.')) continue;
        char name[256];
        memcpy(name, e->d_name, len - 4);
        name[len - 4] = '\0';
        if (!strcmp(name, want)) {
            strcpy(best, name);
            exact = 1;
        } else if (!exact && (!best[0] || strcmp(name, best) < 0)) {
            strcpy(best, name);
        }
    }
    closedir(d);
    return best[0] && snprintf(path, cap, "%s/%s", dir, best) < (int)cap;
}

/* The dictionary of code (its index in st), opened on first use; -1 when there is none. */
static int handle(rpi_stemmer *st, const char *code)
{
    for (unsigned i = 0; i < st->n; i++)
        if (!strcmp(st->code[i], code)) return st->h[i] ? (int)i : -1;
    if (st->n == STEM_LANGS || strlen(code) >= RPI_LANG_SIZE) return -1;
    const unsigned i = st->n++;
    strcpy(st->code[i], code);
    st->h[i] = NULL;
    st->to[i] = st->from[i] = NO_ICONV;
    const char *env = getenv("REPRINT_HUNSPELL_DIR");
    char base[4096], aff[4200], dic[4200];
    if (!dictionary(env && *env ? env : RP_HUNSPELL_DIR, code, base, sizeof base)) return -1;
    snprintf(aff, sizeof aff, "%s.aff", base);
    snprintf(dic, sizeof dic, "%s.dic", base);
    pthread_mutex_lock(&hun_mu);
    Hunhandle *h = Hunspell_create(aff, dic);
    const char *enc = h ? Hunspell_get_dic_encoding(h) : NULL;
    if (h && (!enc || strcmp(enc, "UTF-8"))) { /* words arrive in UTF-8 */
        st->to[i] = enc ? iconv_open(enc, "UTF-8") : NO_ICONV;
        st->from[i] = enc ? iconv_open("UTF-8", enc) : NO_ICONV;
        if (st->to[i] == NO_ICONV || st->from[i] == NO_ICONV) {
            if (st->to[i] != NO_ICONV) iconv_close(st->to[i]);
            if (st->from[i] != NO_ICONV) iconv_close(st->from[i]);
            st->to[i] = st->from[i] = NO_ICONV;
            Hunspell_destroy(h);
            h = NULL;
        }
    }
    pthread_mutex_unlock(&hun_mu);
    st->h[i] = h;
    return h ? (int)i : -1;
}

int rpi_stem_each(rpi_stemmer *st, const char *code, const char *word, size_t n,
                  int (*fn)(const char *stem, size_t len, void *ctx), void *ctx)
{
    if (!st || n == 0 || n >= STEM_WORD) return 0;
    char w[STEM_WORD], u[4 * STEM_WORD];
    pthread_mutex_lock(&st->mu);
    const int x = handle(st, code);
    char **list = NULL;
    const int k = x >= 0 && convert(st->to[x], word, n, w, sizeof w) > 0
                      ? Hunspell_stem(st->h[x], &list, w)
                      : 0;
    int r = 0;
    for (int i = 0; i < k && !r; i++) {
        const long len = list[i] ? convert(st->from[x], list[i], strlen(list[i]), u, sizeof u) : -1;
        if (len > 0) r = fn(u, (size_t)len, ctx);
    }
    if (list) Hunspell_free_list(st->h[x], &list, k);
    pthread_mutex_unlock(&st->mu);
    return r;
}
