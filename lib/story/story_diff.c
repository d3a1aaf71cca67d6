/* SPDX-License-Identifier: MIT */
/* story_diff.c -- where the versions of a story disagree (docs/internals/story.md).
 *
 * Names: capitalised terms and acronyms of each version (boilerplate left out). Two names are
 * alternatives for the same role when no version carries both and either (a) both are
 * acronyms used in similar contexts (the words around them overlap: GSIM / JNIM / UIM, each
 * next to "group", "Islam", "Muslims"), or (b) they are spelt alike (edit distance at most a
 * third of the longer, same first letter: Moura / Mora, Segou / Segu). Alternatives are
 * grouped (union-find); a group is reported with each variant and the versions carrying it.
 * Numbers: a number followed by the same word (plural folded) with different values in
 * different versions ("five days" / "four-day", "300 civilians" / "203 civilians"). */
#include <ctype.h>  /* tolower */
#include <stdlib.h> /* qsort */
#include <string.h> /* memcmp */
#include "story_internal.h"
#include "common/parallel_internal.h"

#define CTX 5u          /* words on each side forming a name's context */
#define MAX_NAMES 4096u /* names per cluster considered */
#define MAX_MEMBERS 64u /* versions per cluster examined (the first in cluster order) */

struct name {
    uint32_t id;      /* token id (for numbers: hash of value and following word) */
    uint32_t key;     /* numbers: the following word's key; names: 0 */
    uint64_t docs;    /* bit per member (first 64 members) */
    const char *text; /* surface in the first version carrying it */
    uint32_t len;
    int acronym;
    uint32_t parent; /* union-find */
    uint32_t count;  /* occurrences over all versions */
    uint64_t gdocs;  /* at a root: versions carrying any name of its group */
    uint32_t *ctx;   /* context token ids, sorted */
    uint32_t n_ctx;
    size_t cap_ctx;
    double ctx_idf; /* IDF mass of the context, -1 until needed */
    uint32_t slot;  /* its slot in diff_ctx.slot */
};

static uint32_t find(struct name *v, uint32_t i)
{
    while (v[i].parent != i)
        i = v[i].parent = v[v[i].parent].parent;
    return i;
}

/* Edit distance of two short byte strings, ASCII case folded; returns 99 if too long. */
static unsigned edit_distance(const char *a, size_t na, const char *b, size_t nb)
{
    if (na > 31 || nb > 31) return 99;
    unsigned row[32];
    for (size_t j = 0; j <= nb; j++)
        row[j] = (unsigned)j;
    for (size_t i = 1; i <= na; i++) {
        unsigned diag = row[0];
        row[0] = (unsigned)i;
        for (size_t j = 1; j <= nb; j++) {
            const unsigned up = row[j];
            const int same = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]);
            unsigned best = diag + !same;
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

static double ctx_mass(const struct rpi_story *s, struct name *a)
{
    if (a->ctx_idf < 0) {
        a->ctx_idf = 0;
        for (uint32_t k = 0; k < a->n_ctx; k++)
            a->ctx_idf += rpi_story_idf(s, a->ctx[k]);
    }
    return a->ctx_idf;
}

static double ctx_overlap(const struct rpi_story *s, struct name *a, struct name *b)
{
    double shared = 0;
    const double ta = ctx_mass(s, a), tb = ctx_mass(s, b);
    uint32_t i = 0, j = 0;
    while (i < a->n_ctx && j < b->n_ctx) {
        if (a->ctx[i] < b->ctx[j])
            i++;
        else if (a->ctx[i] > b->ctx[j])
            j++;
        else {
            shared += rpi_story_idf(s, a->ctx[i]);
            i++;
            j++;
        }
    }
    const double m = ta < tb ? ta : tb; /* one version may use the name far more often */
    return m > 0 ? shared / m : 0;
}

/* Key of a word: ASCII-folded bytes with a trailing 's' dropped, hashed. */
static uint32_t word_key(const char *w, size_t n)
{
    if (n > 3 && (w[n - 1] == 's' || w[n - 1] == 'S')) n--;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint32_t)tolower((unsigned char)w[i])) * 16777619u;
    return h ? h : 1;
}

#define HASH_SLOTS (2 * MAX_NAMES) /* open addressing over the names of one cluster */

struct diff_ctx {
    struct rpi_story *s;
    struct name *v;
    size_t n, cap;
    struct rpi_arena *ar;
    uint16_t *slot; /* HASH_SLOTS: 0 empty, else index into v + 1 */
};

static struct name *get_name(struct diff_ctx *c, uint32_t id, uint32_t key)
{
    uint32_t h = (id ^ (key * 0x9E3779B9u)) * 0x85EBCA6Bu;
    h ^= h >> 15;
    size_t i = h & (HASH_SLOTS - 1);
    for (; c->slot[i]; i = (i + 1) & (HASH_SLOTS - 1)) {
        struct name *x = &c->v[c->slot[i] - 1];
        if (x->id == id && x->key == key) return x;
    }
    if (c->n >= MAX_NAMES) return NULL;
    if (c->n == c->cap) {
        void *p = c->v;
        if (rpi_array_reserve(c->s->in.alloc, &p, &c->cap, sizeof *c->v, c->n + 1)) return NULL;
        c->v = p;
    }
    struct name *x = &c->v[c->n];
    memset(x, 0, sizeof *x);
    x->id = id;
    x->key = key;
    x->ctx_idf = -1;
    x->slot = (uint32_t)i;
    x->parent = (uint32_t)c->n++;
    c->slot[i] = (uint16_t)c->n;
    return x;
}

/* Collect the names and numbers of one version (member m of the cluster). */
static rp_status collect(struct diff_ctx *c, const struct rpi_sdoc *sd, unsigned m)
{
    for (uint32_t t = 0; t < sd->n_tok; t++) {
        const uint8_t f = sd->tflags[t];
        if (!sd->tok[t] || !(f & (RPI_TOK_NAME | RPI_TOK_NUMBER))) continue;
        uint32_t id = sd->tok[t], key = 0;
        if (f & RPI_TOK_NUMBER) {
            if (t + 1 >= sd->n_tok || !sd->tok[t + 1] || (sd->tflags[t + 1] & RPI_TOK_NUMBER))
                continue;
            const uint32_t ws = sd->off[2 * (t + 1)], we = sd->off[2 * (t + 1) + 1];
            /* only before a content word ("five days"), not "hundreds of" */
            if (rpi_story_idf(c->s, sd->tok[t + 1]) < 2.5) continue;
            key = word_key(sd->text + ws, we - ws);
        }
        struct name *x = get_name(c, id, key);
        if (!x) return RP_OK; /* cap reached: the rest is not examined */
        if (!x->text) {
            x->text = sd->text + sd->off[2 * t];
            x->len = sd->off[2 * t + 1] - sd->off[2 * t];
            x->acronym = (f & RPI_TOK_ACRONYM) && x->len <= 6;
        }
        x->docs |= (uint64_t)1 << m;
        x->gdocs = x->docs;
        x->count++;
        if (key || !x->acronym) continue;
        /* context (only acronyms are compared by it): CTX words each side */
        const uint32_t lo = t > CTX ? t - CTX : 0,
                       hi = t + CTX + 1 < sd->n_tok ? t + CTX + 1 : sd->n_tok;
        void *p = x->ctx;
        if (rpi_array_reserve(c->s->in.alloc, &p, &x->cap_ctx, sizeof *x->ctx,
                              x->n_ctx + (hi - lo)))
            return RP_E_NOMEM;
        x->ctx = p;
        for (uint32_t k = lo; k < hi; k++)
            if (k != t && sd->tok[k]) x->ctx[x->n_ctx++] = sd->tok[k];
    }
    return RP_OK;
}

static rp_status emit(struct diff_ctx *c, const size_t *docs, rp_disagreement **out, size_t *n_out,
                      size_t *cap_out)
{
    /* groups: roots with at least two members */
    for (size_t r = 0; r < c->n; r++) {
        if (find(c->v, (uint32_t)r) != r) continue;
        size_t nv = 0;
        for (size_t i = 0; i < c->n; i++)
            nv += find(c->v, (uint32_t)i) == r;
        if (nv < 2) continue;
        rp_variant *vars = rpi_arena_alloc(c->ar, nv * sizeof *vars, 8);
        if (!vars) return RP_E_NOMEM;
        size_t k = 0;
        for (size_t i = 0; i < c->n; i++) {
            if (find(c->v, (uint32_t)i) != r) continue;
            const struct name *x = &c->v[i];
            const size_t nd = (size_t)__builtin_popcountll(x->docs);
            size_t *d = rpi_arena_alloc(c->ar, nd * sizeof *d, 8);
            char *txt = rpi_arena_alloc(c->ar, x->len + 1, 1);
            if (!d || !txt) return RP_E_NOMEM;
            memcpy(txt, x->text, x->len);
            txt[x->len] = '\0';
            size_t q = 0;
            for (unsigned b = 0; b < 64; b++)
                if (x->docs >> b & 1) d[q++] = docs[b];
            vars[k++] = (rp_variant){txt, d, nd};
        }
        void *p = *out;
        RP_TRY(rpi_array_reserve(c->s->in.alloc, &p, cap_out, sizeof **out, *n_out + 1));
        *out = p;
        (*out)[(*n_out)++] = (rp_disagreement){c->v[r].key ? "number" : "name", vars, nv};
    }
    return RP_OK;
}

static rp_status cluster_diff(struct diff_ctx *c, const size_t *docs, size_t n_docs,
                              rp_disagreement **out, size_t *n_out)
{
    const struct rpi_story *s = c->s;
    for (size_t i = 0; i < c->n; i++) /* the previous cluster's slots */
        c->slot[c->v[i].slot] = 0;
    c->n = 0;
    size_t cap_out = 0;
    *out = NULL;
    *n_out = 0;
    for (unsigned m = 0; m < n_docs && m < MAX_MEMBERS; m++)
        RP_TRY(collect(c, rpi_doc(c->s->in.docs, docs[m])->sd, m));
    for (size_t i = 0; i < c->n; i++)
        if (c->v[i].n_ctx) rpi_qsort_u32(c->v[i].ctx, c->v[i].n_ctx);
    /* candidate alternatives with a strength, strongest first; a group never holds two
     * names carried by one version (so no chain AFP ~ AP ~ JNIM ~ GSIM) */
    struct alt {
        double w;
        uint32_t i, j;
    } *alts = NULL;
    size_t na = 0, cap_a = 0;
    for (size_t i = 0; i < c->n; i++)
        for (size_t j = i + 1; j < c->n; j++) {
            struct name *a = &c->v[i], *b = &c->v[j];
            if ((a->docs & b->docs) || !a->docs || !b->docs || a->key != b->key) continue;
            double w = 0;
            if (a->key) {
                w = 1; /* same following word, different number, disjoint versions */
            } else if (!(a->acronym && b->acronym)) {
                /* spelt alike: the same first letter, and the edit distance (at least the
                 * difference in length) at most a third of the longer, not a plural */
                const unsigned longer = a->len > b->len ? a->len : b->len;
                const unsigned shorter = a->len < b->len ? a->len : b->len;
                if (tolower((unsigned char)a->text[0]) != tolower((unsigned char)b->text[0]) ||
                    (longer - shorter) * 3 > longer)
                    continue;
                const unsigned ed = edit_distance(a->text, a->len, b->text, b->len);
                const char *lng = a->len > b->len ? a->text : b->text;
                const int plural = ed == 1 && longer == shorter + 1 &&
                                   tolower((unsigned char)lng[longer - 1]) == 's';
                if (ed * 3 <= longer && ed > 0 && !plural) w = 2;
            } else {
                const double o = ctx_overlap(s, a, b);
                /* a story's actor is named repeatedly: weigh by the rarer one's count */
                const uint32_t mc = a->count < b->count ? a->count : b->count;
                if (o >= 0.15 && mc >= 2) w = o * (mc < 5 ? mc : 5) / 5.0;
            }
            if (w <= 0) continue;
            void *p = alts;
            if (rpi_array_reserve(c->s->in.alloc, &p, &cap_a, sizeof *alts, na + 1)) {
                rpi_free(c->s->in.alloc, alts);
                return RP_E_NOMEM;
            }
            alts = p;
            alts[na++] = (struct alt){w, (uint32_t)i, (uint32_t)j};
        }
    for (size_t x = 1; x < na; x++) /* insertion sort by strength, stable */
        for (size_t y = x; y > 0 && alts[y].w > alts[y - 1].w; y--) {
            const struct alt t = alts[y];
            alts[y] = alts[y - 1];
            alts[y - 1] = t;
        }
    for (size_t x = 0; x < na; x++) {
        const uint32_t ra = find(c->v, alts[x].i), rb = find(c->v, alts[x].j);
        if (ra == rb || (c->v[ra].gdocs & c->v[rb].gdocs)) continue;
        const uint32_t lo = ra < rb ? ra : rb, hi = ra < rb ? rb : ra;
        c->v[hi].parent = lo;
        c->v[lo].gdocs |= c->v[hi].gdocs;
    }
    rpi_free(c->s->in.alloc, alts);
    rp_status st = emit(c, docs, out, n_out, &cap_out);
    for (size_t i = 0; i < c->n; i++)
        rpi_free(c->s->in.alloc, c->v[i].ctx);
    return st;
}

/* The clusters the driver listed (members[off[k], off[k + 1]), the original first). */
struct clusters {
    struct rpi_story *s;
    const size_t *members, *off;
};

/* Disagreements of clusters [lo, hi) with thread t's scratch and arena (s->tarenas[t]). */
static rp_status diff_range(void *ctx, size_t lo, size_t hi, unsigned t)
{
    const struct clusters *cl = ctx;
    struct rpi_story *s = cl->s;
    struct diff_ctx c = {s, NULL, 0, 0, &s->tarenas[t], NULL};
    size_t *units = rpi_malloc(s->in.alloc, MAX_MEMBERS * sizeof *units);
    c.slot = rpi_calloc(s->in.alloc, HASH_SLOTS, sizeof *c.slot);
    rp_status st = units && c.slot ? RP_OK : RP_E_NOMEM;
    for (size_t k = lo; k < hi && st == RP_OK; k++) {
        const size_t *mem = cl->members + cl->off[k];
        const size_t nm = cl->off[k + 1] - cl->off[k];
        /* one version per unit: exact copies say nothing new; at the event level the
         * versions are the original's family (its version family, S7), not the other
         * families' independent reports of the event (on Reuters-21578 those made the
         * disagreements 8x the story level's time: 0.07 s of CPU, a tenth of what the event
         * level costs over the story level) */
        const uint32_t fam = s->res[mem[0]].cluster_doc;
        size_t nu = 0;
        for (size_t i = 0; i < nm && nu < MAX_MEMBERS; i++)
            if (s->in.unit_of[mem[i]] != UINT32_MAX &&
                s->in.unit_doc[s->in.unit_of[mem[i]]] == mem[i] &&
                s->res[mem[i]].cluster_doc == fam)
                units[nu++] = mem[i];
        if (nu < 2) continue;
        rp_disagreement *d = NULL;
        size_t nd = 0;
        st = cluster_diff(&c, units, nu, &d, &nd);
        for (size_t i = 0; i < nu; i++) /* out of the resident set until read again */
            rpi_story_release(s, rpi_doc(s->in.docs, units[i])->sd);
        if (st == RP_OK && nd) {
            /* the list lives in the arena so that rp_cluster_info can point at it */
            rp_disagreement *keep = rpi_arena_alloc(c.ar, nd * sizeof *keep, 8);
            if (!keep)
                st = RP_E_NOMEM;
            else {
                memcpy(keep, d, nd * sizeof *keep);
                s->dis_list[k] = (struct dis_entry){keep, nd};
                s->dis_of_doc[mem[0]] = (uint32_t)k;
            }
        }
        rpi_free(s->in.alloc, d);
    }
    rpi_free(s->in.alloc, units);
    rpi_free(s->in.alloc, c.slot);
    rpi_free(s->in.alloc, c.v);
    return st;
}

rp_status rpi_story_disagreements(struct rpi_story *s, const size_t *members, const size_t *off,
                                  size_t nc)
{
    const double t0 = rpi_now();
    struct clusters cls = {s, members, off};
    const struct clusters *cl = &cls;
    s->dis_of_doc = rpi_malloc(s->in.alloc, (s->in.docs->n_docs ? s->in.docs->n_docs : 1) *
                                                sizeof *s->dis_of_doc);
    s->dis_list = rpi_calloc(s->in.alloc, nc ? nc : 1, sizeof *s->dis_list);
    if (!s->dis_of_doc || !s->dis_list) return RP_E_NOMEM;
    for (size_t i = 0; i < s->in.docs->n_docs; i++)
        s->dis_of_doc[i] = UINT32_MAX;
    /* dis_list: one entry per cluster, empty when its versions agree */
    /* one arena per thread of S3 (at least one) keeps the lists */
    unsigned nt = rpi_threads_for(s->in.p.threads, nc, 256);
    if (nt > s->n_tarenas) nt = s->n_tarenas;
    /* split by weight: the tokens of the versions examined (a cluster's names meet pairwise,
     * so a few large clusters would leave one thread with most of the work) */
    uint64_t *w = rpi_malloc(s->in.alloc, (nc + 1) * sizeof *w);
    if (!w) return RP_E_NOMEM;
    w[0] = 0;
    for (size_t k = 0; k < nc; k++) {
        const size_t *mem = cl->members + cl->off[k];
        const size_t nm = cl->off[k + 1] - cl->off[k];
        uint64_t x = 16;
        for (size_t i = 0; i < nm && i < MAX_MEMBERS; i++) {
            const struct rpi_sdoc *sd = rpi_doc(s->in.docs, mem[i])->sd;
            x += sd ? sd->n_tok : 0;
        }
        w[k + 1] = w[k] + x;
    }
    const rp_status st = rpi_parallel_for(nc, nt ? nt : 1, w, diff_range, &cls);
    rpi_free(s->in.alloc, w);
    s->stats.t_total += rpi_now() - t0;
    s->stats.t_steps[6] += rpi_now() - t0;
    return st;
}
