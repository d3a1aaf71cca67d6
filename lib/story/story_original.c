/* SPDX-License-Identifier: MIT */
/* story_original.c -- S7's choice of a cluster's original: the version the others derive from
 * (earliest dated, else the one the others' words point to), and which of its exact copies
 * names it (steps_internal.h). */
#include <stdlib.h> /* qsort */
#include <string.h> /* strcmp */
#include <xxhash.h> /* XXH3_64bits_withSeed */
#include "steps_internal.h"

/* Evidence without dates. Copies derive from the original: a cut keeps some of its words, a
 * rewrite keeps others, a syndicated copy keeps all but adds a header, ads and typos. So the
 * original holds what the others keep, and the words each version shares with the rest sum
 * highest on it: support(u) = sum over the other members v of the IDF mass of the terms u and
 * v share (distinct terms; common words weigh little). A copy loses the terms its cuts dropped
 * or its typos replaced; its additions are shared with nobody and add nothing.
 * Two versions share the same terms both ways, so a pair ties; then the marks a copy adds
 * decide: terms only u has that are one edit away from a term the others share and u lacks
 * (a typo: the original's spelling is the one the others keep) and terms only u has in
 * paragraphs without a sentence end (headers, "Advertisement", share links) or on lines S1
 * learnt as boilerplate. Then the old rule: the other members' cover by shared passages,
 * then keep order.
 * Bounded: the first RPI_ORIG_TOKENS tokens of each member (the lead holds what cuts keep),
 * fewer in a cluster so big that its members would pass RPI_ORIG_ENTRIES in all (64 MiB of
 * entries: a cluster of 10,000 members looks at the first 419 tokens of each), one sort of
 * them, typo comparisons capped per cluster: linear in the cluster's size, never quadratic. */
#define RPI_ORIG_TOKENS 4096u        /* tokens of each member looked at */
#define RPI_ORIG_ENTRIES (1u << 22)  /* tokens looked at per cluster */
#define RPI_ORIG_TYPO_CMP (1u << 20) /* string comparisons per cluster for typos */
#define RPI_ORIG_TYPO_MIN 4u         /* shorter terms are too often two words, not a typo */

struct oent {
    uint32_t tok, idx, pos; /* term, member index, first position in the member */
    uint32_t id;            /* the story token id, 0 on a boilerplate line (S1) */
};

/* A term by its spelling, ASCII case folded (its first 64 bytes and its length). Not the
 * token id: S1 zeroes the tokens of lines learnt as boilerplate, and a wrapped original's
 * line can be learnt while the copy that reflowed it keeps the same words (a proxy story's
 * light rewrite won on those words). */
static uint32_t spelling(const struct rpi_sdoc *sd, uint32_t p)
{
    char b[64];
    const uint32_t len = sd->off[2 * p + 1] - sd->off[2 * p];
    const uint32_t n = len < sizeof b ? len : (uint32_t)sizeof b;
    for (uint32_t i = 0; i < n; i++) {
        const char c = sd->text[sd->off[2 * p] + i];
        b[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
    const uint32_t h = (uint32_t)XXH3_64bits_withSeed(b, n, len);
    return h ? h : 1;
}

static int oent_cmp(const void *x, const void *y)
{
    const struct oent *a = x, *b = y;
    if (a->tok != b->tok) return a->tok < b->tok ? -1 : 1;
    if (a->idx != b->idx) return a->idx < b->idx ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* The spelling of token p of sd (byte range in the original text). */
static const char *tok_str(const struct rpi_sdoc *sd, uint32_t p, uint32_t *len)
{
    *len = sd->off[2 * p + 1] - sd->off[2 * p];
    return sd->text + sd->off[2 * p];
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* a and b (ASCII case folded) are one insertion, deletion or substitution apart */
static int one_edit(const char *a, uint32_t la, const char *b, uint32_t lb)
{
    if (la > lb) return one_edit(b, lb, a, la);
    if (lb - la > 1) return 0;
    uint32_t i = 0;
    while (i < la && lower(a[i]) == lower(b[i]))
        i++;
    if (i == la) return lb == la + 1;
    const uint32_t j = la == lb ? i + 1 : i; /* substitution skips one in both, else in b */
    for (uint32_t k = j; k < la; k++)
        if (lower(a[k]) != lower(b[k + (lb - la)])) return 0;
    return 1;
}

/* The end of the paragraph holding byte b of sd's text (the first blank line or the end) and
 * whether it ends without a sentence end: a header, an ad, a share line, a byline. Lines are
 * not used: wrapped text (Reuters, samples/news) breaks lines inside sentences. */
static uint32_t paragraph_end(const struct rpi_sdoc *sd, uint32_t b, int *furniture)
{
    const char *t = sd->text;
    uint32_t e = b, last = b; /* last: after the last byte that is not white space */
    while (e < sd->text_size) {
        if (t[e] == '\n') {
            uint32_t f = e + 1;
            while (f < sd->text_size && (t[f] == ' ' || t[f] == '\t' || t[f] == '\r'))
                f++;
            if (f >= sd->text_size || t[f] == '\n') break;
        } else if ((unsigned char)t[e] > ' ') {
            last = e + 1;
        }
        e++;
    }
    const char c = last > b ? t[last - 1] : '.';
    *furniture = !(c == '.' || c == '!' || c == '?' || c == '"' || c == '\'' || c == ')' ||
                   (unsigned char)c >= 0x80); /* a closing curly quote ends a sentence too */
    return e;
}

static int oent_pos_cmp(const void *x, const void *y)
{
    const struct oent *a = x, *b = y;
    if (a->idx != b->idx) return a->idx < b->idx ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

struct orig_ev {
    double support, marks;
};

/* Members m[0..k) of one cluster (k >= 2); ev[i] for member m[i]. */
static rp_status evidence(struct rpi_story *s, const uint32_t *m, size_t k, struct orig_ev *ev)
{
    size_t n = 0;
    const uint32_t cap =
        k * RPI_ORIG_TOKENS > RPI_ORIG_ENTRIES ? (uint32_t)(RPI_ORIG_ENTRIES / k) : RPI_ORIG_TOKENS;
    for (size_t i = 0; i < k; i++) {
        const struct rpi_sdoc *sd = rpi_unit_sd(s, m[i]);
        n += sd->n_tok < cap ? sd->n_tok : cap;
        ev[i].support = ev[i].marks = 0;
    }
    struct oent *e = rpi_malloc(s->in.alloc, (n ? n : 1) * sizeof *e);
    if (!e) return RP_E_NOMEM;
    rp_status st = RP_E_NOMEM;
    n = 0;
    for (size_t i = 0; i < k; i++) {
        const struct rpi_sdoc *sd = rpi_unit_sd(s, m[i]);
        const uint32_t nt = sd->n_tok < cap ? sd->n_tok : cap;
        for (uint32_t p = 0; p < nt; p++)
            e[n++] = (struct oent){spelling(sd, p), (uint32_t)i, p, sd->tok[p]};
    }
    qsort(e, n, sizeof *e, oent_cmp);
    /* distinct (term, member), keeping the first position */
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (w && e[w - 1].tok == e[i].tok && e[w - 1].idx == e[i].idx) {
            if (!e[w - 1].id) e[w - 1].id = e[i].id; /* an occurrence outside boilerplate */
            continue;
        }
        e[w++] = e[i];
    }
    n = w;
    /* support; the terms only one member has (one) and the runs of shared terms (run) */
    struct oent *one = rpi_malloc(s->in.alloc, (n ? n : 1) * sizeof *one);
    size_t *run = rpi_malloc(s->in.alloc, (n ? n : 1) * sizeof *run);
    size_t n_one = 0, n_run = 0;
    if (!one || !run) goto done;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && e[j].tok == e[i].tok)
            j++;
        if (j - i == 1) {
            one[n_one++] = e[i];
        } else {
            run[n_run++] = i;
            uint32_t id = 0; /* a term only ever on boilerplate lines counts for nobody */
            for (size_t x = i; x < j && !id; x++)
                id = e[x].id;
            const double wt = id ? rpi_story_idf(s, id) * (double)(j - i - 1) : 0;
            for (size_t x = i; x < j; x++)
                ev[e[x].idx].support += wt;
        }
        i = j;
    }
    /* marks: among the terms only one member has, those in paragraphs without a sentence end
     * or on boilerplate lines, and those one edit away from a shared term the member lacks */
    qsort(one, n_one, sizeof *one, oent_pos_cmp); /* paragraphs are scanned once each */
    size_t budget = RPI_ORIG_TYPO_CMP;
    uint32_t pend = 0, pidx = UINT32_MAX;
    int furniture = 0;
    for (size_t a = 0; a < n_one; a++) {
        const struct oent *x = &one[a];
        const struct rpi_sdoc *sx = rpi_unit_sd(s, m[x->idx]);
        const uint32_t b = sx->off[2 * x->pos];
        if (x->idx != pidx || b >= pend) pend = paragraph_end(sx, b, &furniture);
        pidx = x->idx;
        if (furniture || !x->id) { /* a header, an ad; a line learnt as boilerplate */
            ev[x->idx].marks += 1;
            continue;
        }
        uint32_t lx;
        const char *tx = tok_str(sx, x->pos, &lx);
        if (lx < RPI_ORIG_TYPO_MIN) continue;
        for (size_t r = 0; r < n_run && budget; r++, budget--) {
            const size_t i = run[r];
            uint32_t ly;
            const char *ty = tok_str(rpi_unit_sd(s, m[e[i].idx]), e[i].pos, &ly);
            if (ly + 1 < lx || lx + 1 < ly || !one_edit(tx, lx, ty, ly)) continue;
            int held = 0; /* a member holding both spellings made no typo */
            for (size_t y = i; y < n && e[y].tok == e[i].tok; y++)
                held |= e[y].idx == x->idx;
            if (!held) {
                ev[x->idx].marks += 1;
                break;
            }
        }
    }
    st = RP_OK;
done:
    rpi_free(s->in.alloc, one);
    rpi_free(s->in.alloc, run);
    rpi_free(s->in.alloc, e);
    return st;
}

/* a is a better original than b (both members of one cluster) */
static int better(const struct orig_ev *ea, const struct orig_ev *eb, double ca, double cb,
                  uint32_t a, uint32_t b)
{
    if (ea->support != eb->support) return ea->support > eb->support;
    if (ea->marks != eb->marks) return ea->marks < eb->marks;
    if (ca != cb) return ca > cb;
    return a < b; /* keep order */
}

/* Across languages, the family's hub: when the members dates leave (udate first) are in two
 * languages or more, one of which holds a single version, linked as a translation, and every
 * other two or more, the single one is the source the others were translated from (a Russian
 * article and its two English translations; syndication: one dispatch, many renderings; WMT21
 * ru-en: the source named in 2 of 78 families before, 76 after). Returns its index in m, or
 * SIZE_MAX when the languages do not tell (one language; one version in each of two: the
 * length of a text says more about its language than about its being a translation). */
static size_t hub(const struct rpi_story *s, const uint32_t *m, size_t k, const int64_t *udate,
                  int64_t first)
{
    enum { MAX_L = 8 };
    const char *code[MAX_L];
    size_t n[MAX_L], at[MAX_L], nl = 0;
    for (size_t i = 0; i < k; i++) {
        if (udate[m[i]] != first) continue;
        const char *c = rpi_unit_sd(s, m[i])->lang;
        if (!strcmp(c, "und")) return SIZE_MAX;
        size_t l = 0;
        while (l < nl && strcmp(code[l], c))
            l++;
        if (l == nl) {
            if (nl == MAX_L) return SIZE_MAX;
            code[nl] = c, n[nl] = 0, at[nl] = i, nl++;
        }
        n[l]++;
    }
    size_t single = SIZE_MAX;
    for (size_t l = 0; l < nl; l++) {
        if (n[l] >= 2) continue;
        if (single != SIZE_MAX) return SIZE_MAX; /* two languages of one version each */
        single = l;
    }
    if (nl < 2 || single == SIZE_MAX) return SIZE_MAX;
    /* and it was linked as a translation (not a text CLD2 misread, linked in its words) */
    const uint32_t u = m[at[single]];
    for (size_t i = 0; i < k; i++) {
        const struct link *l = m[i] == u ? NULL : rpi_story_find_link(s, u, m[i]);
        if (l && l->linked && l->relation == RP_REL_TRANSLATION) return at[single];
    }
    return SIZE_MAX;
}

rp_status rpi_story_original(struct rpi_story *s, const uint32_t *m, size_t k, const int64_t *udate,
                             const double *contain, uint32_t *out)
{
    *out = m[0];
    if (k < 2) return RP_OK;
    /* dates decide first: the earliest; undated members only when none is dated */
    int64_t first = INT64_MIN;
    size_t n_first = 0;
    for (size_t i = 0; i < k; i++) {
        const int64_t d = udate[m[i]];
        if (d == INT64_MIN) continue;
        if (first == INT64_MIN || d < first) first = d, n_first = 0;
        if (d == first) n_first++;
    }
    if (n_first == 1) {
        for (size_t i = 0; i < k; i++)
            if (udate[m[i]] == first) *out = m[i];
        return RP_OK;
    }
    const size_t h = hub(s, m, k, udate, first);
    if (h != SIZE_MAX) {
        *out = m[h];
        return RP_OK;
    }
    const char *lang = NULL; /* across languages: the one its names are spelt in */
    RP_TRY(rpi_story_origin_lang(s, m, k, udate, first, &lang));
    struct orig_ev *ev = rpi_malloc(s->in.alloc, k * sizeof *ev);
    if (!ev) return RP_E_NOMEM;
    const rp_status st = evidence(s, m, k, ev);
    for (size_t i = 0; i < k; i++) /* out of the resident set until read again */
        rpi_story_release(s, rpi_unit_sd(s, m[i]));
    if (st == RP_OK) {
        size_t c = SIZE_MAX;
        for (size_t i = 0; i < k; i++) {
            if (udate[m[i]] != first) continue; /* first is INT64_MIN when none is dated */
            if (lang && strcmp(rpi_unit_sd(s, m[i])->lang, lang)) continue;
            if (c == SIZE_MAX || better(&ev[i], &ev[c], contain[m[i]], contain[m[c]], m[i], m[c]))
                c = i;
        }
        *out = m[c];
    }
    rpi_free(s->in.alloc, ev);
    return st;
}
