/* SPDX-License-Identifier: MIT */
/* story_origin.c -- S7 across languages: the language a family was first written in, told by
 * the spelling of its names (steps_internal.h).
 *
 * Without dates, the words of two versions in two languages say nothing about which came
 * first: each holds its own language's words. Their names do. A story is written where it
 * happens, and its people and places are named in the spelling of that place's language;
 * the translator keeps them (Baden-Wuerttemberg stays Baden-Wuerttemberg in French, Zhirinovsky
 * is how an English translation writes the Russian name). So the names of a family fit the
 * letters of its source language better than those of the language it was translated into.
 * Measured as a character trigram model of each language's own words (its members' tokens
 * that are not the names), the names scored under each model, the best-fitting language
 * chosen. The names are the tokens S1 flagged as names (capitalised, not at a sentence start),
 * letters only, 3 code points or more, never written in lower case in the same text (a
 * headline's Title Case is not a name); where two languages or more are in Latin letters, only
 * the names the versions of two languages share (a name one translator added says nothing);
 * where one is, its names, scored against the others' tokens transliterated to Latin (ICU, as
 * the pivot terms are), each name then voting once for the language that fits it best (the
 * sum of a text's names is led by its titles' capitalised words). Before the trigrams, the
 * marked letters: a name spelt with a letter past ASCII that its text's own words hardly use
 * and another language's use was copied from that language (marked_names); then, of two
 * languages, the one whose text writes fewer currency codes (currency_codes). A family
 * without names, or in no Latin language, is not told.
 * WMT21, src + ref, the source chosen as the original (tests/shared/translations.sh): see
 * docs/internals/story.md, S5c. It fails where the source itself retells a story from another
 * language's press (Icelandic news retelling American news: is-en). */
#include <math.h>     /* log */
#include <stdlib.h>   /* qsort, bsearch */
#include <string.h>   /* strcmp */
#include <utf8proc.h> /* utf8proc_iterate, utf8proc_tolower */
#include <xxhash.h>   /* XXH3_64bits */
#include "steps_internal.h"
#include "lang/lang_internal.h"

#define OL_MAX 8u             /* languages in one family looked at */
#define OL_BITS 16u           /* trigram slots per language model */
#define OL_TOKENS 4096u       /* tokens of each member looked at (as S7's evidence) */
#define OL_SMOOTH 0.5         /* add-0.5 smoothing ... */
#define OL_VOCAB 5000.0       /* ... over this many trigrams a language uses */
#define OL_MIN_CP 3u          /* shorter names are initials and particles */
#define OL_TOK_CP 48u         /* longer tokens are not names */
#define OL_MARK_LO 0x80u      /* letters past ASCII ... */
#define OL_MARK_HI 0x250u     /* ... in Latin-1 and Latin Extended-A/B: the marked letters */
#define OL_MARK_NATIVE 0.0005 /* a language's own words use the letter this often ... */
#define OL_MARK_FOREIGN 0.1   /* ... and the host's own words under this share of that */

/* one token's code points, lower case (utf8proc), into cp; their count, 0 when not all
 * letters (ASCII digits and signs), invalid UTF-8 or too long */
static size_t lower_cps(const char *s, size_t n, uint32_t *cp)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        utf8proc_int32_t u;
        const utf8proc_ssize_t len =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &u);
        if (len <= 0 || k == OL_TOK_CP) return 0;
        i += (size_t)len;
        if (u < 0x80 && !((u | 32) >= 'a' && (u | 32) <= 'z'))
            return 0; /* digits, hyphens: not a name's letters */
        cp[k++] = (uint32_t)utf8proc_tolower(u);
    }
    return k;
}

/* the token is in Latin letters (its first code point below U+0250) */
static int latin_tok(const uint32_t *cp, size_t n) { return n && cp[0] < 0x250; }

static uint64_t spelling(const uint32_t *cp, size_t n) { return XXH3_64bits(cp, n * sizeof *cp); }

static uint32_t slot(uint32_t a, uint32_t b, uint32_t c)
{
    const uint64_t h = ((uint64_t)a * 0x9E3779B97F4A7C15u) ^ ((uint64_t)b * 0xC2B2AE3D27D4EB4Fu) ^
                       ((uint64_t)c * 0x165667B19E3779F9u);
    return (uint32_t)(h >> (64 - OL_BITS));
}

/* the trigrams of ^cp$ into cnt (add) or their log probability under cnt/total (score) */
static double trigrams(const uint32_t *cp, size_t n, uint32_t *cnt, const uint32_t *model,
                       double total)
{
    double lp = 0;
    uint32_t a = '^', b = n ? cp[0] : '$';
    for (size_t i = 1; i <= n; i++) {
        const uint32_t c = i < n ? cp[i] : '$';
        const uint32_t x = slot(a, b, c);
        if (cnt)
            cnt[x]++;
        else
            lp += log(((double)model[x] + OL_SMOOTH) / (total + OL_SMOOTH * OL_VOCAB));
        a = b, b = c;
    }
    return lp;
}

static int u64_cmp(const void *x, const void *y)
{
    const uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

struct name {
    uint64_t h;    /* spelling */
    uint32_t lang; /* language index */
    uint32_t n;    /* code points */
    uint32_t cp[OL_TOK_CP];
};

static int name_cmp(const void *x, const void *y)
{
    const struct name *a = x, *b = y;
    if (a->h != b->h) return a->h < b->h ? -1 : 1;
    return (a->lang > b->lang) - (a->lang < b->lang);
}

struct olang {
    struct rpi_story *s;
    const char *code[OL_MAX];
    size_t n_lang;
    int latin[OL_MAX]; /* most of the language's tokens are in Latin letters */
    uint32_t *model;   /* OL_MAX << OL_BITS counts */
    double total[OL_MAX];
    uint32_t *marked;       /* OL_MAX x (OL_MARK_HI - OL_MARK_LO) own-word letter counts */
    double letters[OL_MAX]; /* own-word letters counted */
    struct name *names;     /* the Latin members' names */
    size_t n_names, cap_names;
    uint64_t *lower; /* one member's lower-case spellings */
    size_t cap_lower;
};

/* member u (language l): its names into o->names (Latin members) */
static rp_status member_names(struct olang *o, uint32_t u, size_t l)
{
    const struct rpi_sdoc *sd = rpi_unit_sd(o->s, u);
    const uint32_t nt = sd->n_tok < OL_TOKENS ? sd->n_tok : OL_TOKENS;
    uint32_t cp[OL_TOK_CP];
    size_t n_lower = 0;
    if (o->cap_lower < nt) {
        rpi_free(o->s->in.alloc, o->lower);
        o->lower = rpi_malloc(o->s->in.alloc, (nt ? nt : 1) * sizeof *o->lower);
        o->cap_lower = o->lower ? nt : 0;
        if (!o->lower) return RP_E_NOMEM;
    }
    for (uint32_t p = 0; p < nt; p++) { /* the spellings written in lower case */
        const char *t = sd->text + sd->off[2 * p];
        const size_t n = lower_cps(t, sd->off[2 * p + 1] - sd->off[2 * p], cp);
        if (n && (unsigned char)t[0] >= 'a' && (unsigned char)t[0] <= 'z')
            o->lower[n_lower++] = spelling(cp, n);
    }
    qsort(o->lower, n_lower, sizeof *o->lower, u64_cmp);
    for (uint32_t p = 0; p < nt; p++) {
        const uint8_t f = sd->tflags[p];
        if (!(f & RPI_TOK_NAME) || (f & (RPI_TOK_ACRONYM | RPI_TOK_NUMBER))) continue;
        const size_t n =
            lower_cps(sd->text + sd->off[2 * p], sd->off[2 * p + 1] - sd->off[2 * p], cp);
        if (n < OL_MIN_CP || !latin_tok(cp, n)) continue;
        const uint64_t h = spelling(cp, n);
        if (bsearch(&h, o->lower, n_lower, sizeof *o->lower, u64_cmp)) continue;
        if (o->n_names == o->cap_names) {
            const size_t cap = o->cap_names ? 2 * o->cap_names : 256;
            struct name *nn =
                rpi_realloc(o->s->in.alloc, o->names, o->cap_names * sizeof *nn, cap * sizeof *nn);
            if (!nn) return RP_E_NOMEM;
            o->names = nn, o->cap_names = cap;
        }
        struct name *x = &o->names[o->n_names++];
        x->h = h, x->lang = (uint32_t)l, x->n = (uint32_t)n;
        memcpy(x->cp, cp, n * sizeof *cp);
    }
    return RP_OK;
}

/* member u's tokens that are not names into language l's model; in a language not in Latin
 * letters, runs of tokens written together (a Japanese word, a token per character) are
 * transliterated to Latin as one (ICU, as the pivot terms) */
static void member_model(struct olang *o, uint32_t u, size_t l)
{
    const struct rpi_sdoc *sd = rpi_unit_sd(o->s, u);
    const uint32_t nt = sd->n_tok < OL_TOKENS ? sd->n_tok : OL_TOKENS;
    uint32_t *cnt = o->model + ((size_t)l << OL_BITS);
    uint32_t cp[OL_TOK_CP];
    char buf[4 * OL_TOK_CP];
    for (uint32_t p = 0; p < nt; p++) {
        if (sd->tflags[p] & (RPI_TOK_NAME | RPI_TOK_NUMBER)) continue;
        const char *t = sd->text + sd->off[2 * p];
        size_t n;
        if (o->latin[l]) {
            n = lower_cps(t, sd->off[2 * p + 1] - sd->off[2 * p], cp);
        } else {
            const uint32_t start = sd->off[2 * p];
            while (p + 1 < nt && sd->off[2 * p + 2] == sd->off[2 * p + 1] &&
                   sd->off[2 * p + 3] - start < OL_TOK_CP &&
                   !(sd->tflags[p + 1] & (RPI_TOK_NAME | RPI_TOK_NUMBER)))
                p++;
            if (!o->s->latin &&
                rpi_lexset_create(&o->s->latin, NULL, &o->s->in.p.norm, o->s->in.alloc) != RP_OK)
                return; /* no model: the language is not told */
            const size_t k = rpi_lexset_latin(o->s->latin, &o->s->latin_scratch, t,
                                              sd->off[2 * p + 1] - start, buf, sizeof buf);
            n = k ? lower_cps(buf, k, cp) : 0;
        }
        if (!n) continue;
        trigrams(cp, n, cnt, NULL, 0);
        o->total[l] += (double)n + 1;
        o->letters[l] += (double)n;
        for (size_t i = 0; i < n; i++)
            if (cp[i] >= OL_MARK_LO && cp[i] < OL_MARK_HI)
                o->marked[l * (OL_MARK_HI - OL_MARK_LO) + cp[i] - OL_MARK_LO]++;
    }
}

/* language l's own words use letter c (a marked letter) often, and host's own words hardly */
static int native_not_host(const struct olang *o, size_t l, size_t host, uint32_t c)
{
    if (c < OL_MARK_LO || c >= OL_MARK_HI || o->letters[l] <= 0 || o->letters[host] <= 0) return 0;
    const size_t w = OL_MARK_HI - OL_MARK_LO;
    const double rl = o->marked[l * w + c - OL_MARK_LO] / o->letters[l];
    const double rh = o->marked[host * w + c - OL_MARK_LO] / o->letters[host];
    return rl >= OL_MARK_NATIVE && rh < OL_MARK_FOREIGN * rl;
}

/* The marked letters: a name in one language's text spelt with a letter past ASCII that its
 * own words hardly use and another language's words use was copied from that language's text
 * (Skólavörðustígur in an English translation of Icelandic, Müller in a French one of German);
 * a letter in ASCII says nothing, since every Latin language's text names the wider world in
 * it. ev[l]: the distinct names (spelling and host language) pointing at language l. o->names
 * sorted by name_cmp. */
static void marked_names(const struct olang *o, uint32_t *ev)
{
    for (size_t i = 0; i < o->n_names; i++) {
        const struct name *x = &o->names[i];
        if (i && x->h == o->names[i - 1].h && x->lang == o->names[i - 1].lang) continue;
        for (size_t l = 0; l < o->n_lang; l++) {
            if (l == x->lang || !o->latin[l]) continue;
            size_t j = 0;
            while (j < x->n && !native_not_host(o, l, x->lang, x->cp[j]))
                j++;
            ev[l] += j < x->n;
        }
    }
}

/* ISO 4217 codes of the currencies most written about */
static const char currency_list[][4] = {
    "AUD", "BRL", "CAD", "CHF", "CNY", "CZK", "DKK", "EUR", "GBP", "HKD", "HUF", "INR", "ISK",
    "JPY", "KRW", "MXN", "NOK", "NZD", "PLN", "RUB", "SEK", "SGD", "TRY", "UAH", "USD", "ZAR"};

/* member u's tokens that are a currency's code (ISK, EUR) */
static uint32_t currency_codes(struct rpi_story *s, uint32_t u)
{
    const struct rpi_sdoc *sd = rpi_unit_sd(s, u);
    const uint32_t nt = sd->n_tok < OL_TOKENS ? sd->n_tok : OL_TOKENS;
    uint32_t n = 0;
    for (uint32_t p = 0; p < nt; p++) {
        const char *t = sd->text + sd->off[2 * p];
        if (sd->off[2 * p + 1] - sd->off[2 * p] != 3) continue;
        for (size_t c = 0; c < sizeof currency_list / sizeof *currency_list; c++)
            if (!memcmp(t, currency_list[c], 3)) {
                n++;
                break;
            }
    }
    return n;
}

/* Languages 0 and 1's own words, scored by the log-likelihood ratio of the two models per
 * trigram, average well above 0 (language 0's) and well below (language 1's), but not
 * symmetrically: a model of transliterated Russian is broader than one of English, and a name
 * from anywhere scores nearer English's. The midpoint of the two averages is where a name is
 * as near one language's words as the other's. */
static double own_midpoint(const struct olang *o)
{
    const size_t slots = (size_t)1 << OL_BITS;
    const uint32_t *c0 = o->model, *c1 = o->model + slots;
    const double d0 = o->total[0] + OL_SMOOTH * OL_VOCAB, d1 = o->total[1] + OL_SMOOTH * OL_VOCAB;
    double m0 = 0, m1 = 0, t0 = 0, t1 = 0;
    for (size_t x = 0; x < slots; x++) {
        if (!c0[x] && !c1[x]) continue;
        const double r = log((c0[x] + OL_SMOOTH) / d0) - log((c1[x] + OL_SMOOTH) / d1);
        m0 += c0[x] * r, m1 += c1[x] * r, t0 += c0[x], t1 += c1[x];
    }
    return t0 > 0 && t1 > 0 ? (m0 / t0 + m1 / t1) / 2 : 0;
}

rp_status rpi_story_origin_lang(struct rpi_story *s, const uint32_t *m, size_t k,
                                const int64_t *udate, int64_t first, const char **out)
{
    *out = NULL;
    struct olang o = {.s = s};
    size_t *lang_of = rpi_malloc(s->in.alloc, k * sizeof *lang_of);
    if (!lang_of) return RP_E_NOMEM;
    for (size_t i = 0; i < k; i++) { /* one pass over the codes: one language pays no more */
        lang_of[i] = SIZE_MAX;
        if (udate[m[i]] != first) continue;
        const char *c = rpi_unit_sd(s, m[i])->lang;
        if (!strcmp(c, "und")) continue;
        size_t l = 0;
        while (l < o.n_lang && strcmp(o.code[l], c))
            l++;
        if (l == OL_MAX) continue;
        if (l == o.n_lang) o.code[o.n_lang++] = c;
        lang_of[i] = l;
    }
    size_t n_latin_tok[OL_MAX] = {0}, n_tok[OL_MAX] = {0};
    for (size_t i = 0; o.n_lang >= 2 && i < k; i++) {
        if (lang_of[i] == SIZE_MAX) continue;
        const struct rpi_sdoc *sd = rpi_unit_sd(s, m[i]);
        uint32_t cp[OL_TOK_CP];
        const uint32_t nt = sd->n_tok < OL_TOKENS ? sd->n_tok : OL_TOKENS;
        for (uint32_t p = 0; p < nt; p++) {
            const size_t n =
                lower_cps(sd->text + sd->off[2 * p], sd->off[2 * p + 1] - sd->off[2 * p], cp);
            n_tok[lang_of[i]] += n > 0;
            n_latin_tok[lang_of[i]] += latin_tok(cp, n);
        }
    }
    rp_status st = RP_OK;
    size_t n_latin = 0;
    for (size_t l = 0; l < o.n_lang; l++) {
        o.latin[l] = n_tok[l] && n_latin_tok[l] * 5 >= n_tok[l] * 4;
        n_latin += (size_t)o.latin[l];
    }
    if (o.n_lang < 2 || !n_latin) goto done;
    for (size_t i = 0; i < k && st == RP_OK; i++)
        if (lang_of[i] != SIZE_MAX && o.latin[lang_of[i]]) st = member_names(&o, m[i], lang_of[i]);
    if (st != RP_OK) goto done;
    if (!o.n_names) goto done;
    o.model = rpi_calloc(s->in.alloc, (size_t)o.n_lang << OL_BITS, sizeof *o.model);
    o.marked = rpi_calloc(s->in.alloc, o.n_lang * (OL_MARK_HI - OL_MARK_LO), sizeof *o.marked);
    if (!o.model || !o.marked) {
        st = RP_E_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < k; i++)
        if (lang_of[i] != SIZE_MAX) member_model(&o, m[i], lang_of[i]);
    qsort(o.names, o.n_names, sizeof *o.names, name_cmp);
    uint32_t ev[OL_MAX] = {0}, top = 0, next = 0;
    marked_names(&o, ev);
    size_t em = 0;
    for (size_t l = 0; l < o.n_lang; l++) {
        if (ev[l] > top)
            next = top, top = ev[l], em = l;
        else if (ev[l] > next)
            next = ev[l];
    }
    if (top > next) { /* the marked letters tell; else the currency codes, the trigrams */
        *out = o.code[em];
        goto done;
    }
    /* a translation writes a currency as its code (ISK 27 million) where its source used its
     * own words (27 milljónir króna): of two languages, the one with fewer codes is the
     * source. WMT21: the translation held more in 13 families, the source in none; fr-de 55 ->
     * 56/70, is-en 24 -> 27/45, the others unchanged (no codes, or as many). */
    if (o.n_lang == 2) {
        uint32_t cur[2] = {0, 0};
        for (size_t i = 0; i < k; i++)
            if (lang_of[i] != SIZE_MAX) cur[lang_of[i]] += currency_codes(s, m[i]);
        if (cur[0] != cur[1]) {
            *out = o.code[cur[0] < cur[1] ? 0 : 1];
            goto done;
        }
    }
    /* distinct names; with two Latin languages or more, those of two languages or more */
    size_t w = 0;
    for (size_t i = 0; i < o.n_names;) {
        size_t j = i, langs = 0;
        for (; j < o.n_names && o.names[j].h == o.names[i].h; j++)
            langs += j == i || o.names[j].lang != o.names[j - 1].lang;
        if (n_latin < 2 || langs >= 2) o.names[w++] = o.names[i];
        i = j;
    }
    o.n_names = w;
    if (!o.n_names) goto done;
    /* the names' log probability under each language's letters, summed; with one Latin
     * language, each name's vote for the language whose letters fit it best: its names are
     * all of its text's (none shared to filter), the capitalised words of titles among them
     * ("Ministry of Emergency Situations"), whose long spellings outweighed the names in a
     * sum (ja-en 28 -> 34 of 66, en-ja 44 -> 43 of 54, ru-en with one translation 37 -> 43 of
     * 100; votes with two Latin languages: en-is 61 -> 58 of 65). With two languages the
     * vote is held against the midpoint of what each language's own words score (see
     * own_midpoint): ru-en with one translation 43 -> 73, ja-en 34 -> 35, en-ja 43 -> 40 (the
     * same midpoint for two Latin languages' sums: en-is 61 -> 55). The best if it is alone. */
    double best = -INFINITY, second = -INFINITY, votes[OL_MAX] = {0}, off[OL_MAX] = {0};
    size_t bl = SIZE_MAX;
    for (size_t l = 0; l < o.n_lang; l++)
        if (o.total[l] <= 0) goto done; /* a language without words to model: not told */
    if (n_latin == 1 && o.n_lang == 2) {
        const double mid = own_midpoint(&o);
        off[0] = -mid / 2, off[1] = mid / 2;
    }
    for (size_t i = 0; n_latin == 1 && i < o.n_names; i++) {
        double b1 = -INFINITY, b2 = -INFINITY;
        size_t tl = 0;
        for (size_t l = 0; l < o.n_lang; l++) {
            const double lp =
                trigrams(o.names[i].cp, o.names[i].n, NULL, o.model + (l << OL_BITS), o.total[l]) +
                off[l] * (double)(o.names[i].n + 1);
            if (lp > b1)
                b2 = b1, b1 = lp, tl = l;
            else if (lp > b2)
                b2 = lp;
        }
        votes[tl] += b1 > b2;
    }
    for (size_t l = 0; l < o.n_lang; l++) {
        double lp = votes[l];
        for (size_t i = 0; n_latin >= 2 && i < o.n_names; i++)
            lp += trigrams(o.names[i].cp, o.names[i].n, NULL, o.model + (l << OL_BITS), o.total[l]);
        if (lp > best)
            second = best, best = lp, bl = l;
        else if (lp > second)
            second = lp;
    }
    if (bl != SIZE_MAX && best > second) *out = o.code[bl];
done:
    rpi_free(s->in.alloc, o.model);
    rpi_free(s->in.alloc, o.marked);
    rpi_free(s->in.alloc, o.names);
    rpi_free(s->in.alloc, o.lower);
    rpi_free(s->in.alloc, lang_of);
    return st;
}

void rpi_story_origin_free(struct rpi_story *s)
{
    if (!s->latin) return;
    rpi_lexset_scratch_free(s->latin, s->latin_scratch);
    rpi_lexset_free(s->latin);
    s->latin = NULL;
    s->latin_scratch = NULL;
}
