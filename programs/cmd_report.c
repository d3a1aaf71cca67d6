/* SPDX-License-Identifier: MIT */
/* cmd_report.c -- one self-contained HTML file for a finished run: an overview drawn here
 * (tables and inline SVG histograms, binned in C), then the clusters, texts and shared
 * passages as one compact JSON block that the page's script renders on demand.
 *
 * The page template (programs/report/report.{html,css,js}) is inlined into report_template at
 * build time (programs/report/embed.cmake). It holds two markers: the overview goes in place of
 * <!--@OVERVIEW@-->, the JSON in place of @DATA@ inside <script type="application/json">.
 *
 * Offsets: the library gives byte offsets into UTF-8 texts; the page indexes JavaScript
 * strings, which count UTF-16 code units. The JSON writer (json_out.c, JOUT_HTML) decodes
 * each text itself (an invalid byte becomes one U+FFFD) and u16_map uses the same decoder
 * (jout_utf8_next), so every byte offset is converted here into the exact index of the string
 * JSON.parse will produce. In JSON strings `<`, `>` and `&` are written as \u003c \u003e
 * \u0026: a document holding "</script>" cannot end the data block. */
#include <stdint.h> /* uint32_t, int64_t */
#include <stdio.h>  /* FILE, fprintf */
#include <stdlib.h> /* malloc, calloc, free */
#include <string.h> /* strstr, strlen */
#include "cmd_report.h"
#include "cli_output.h"
#include "json_out.h" /* jout_str_html, jout_num4, jout_utf8_next */

extern const unsigned char report_template[]; /* generated: programs/report/embed.cmake */
extern const size_t report_template_size;

#define ALL_PAIRS_MAX 12                 /* clusters this small get every member pair */
#define EDGES_MAX 400                    /* reuse-graph edges kept per cluster */
#define SKIPPED_MAX 1000                 /* skipped documents listed by name */
#define TEXT_BUDGET ((uint64_t)96 << 20) /* bytes of texts embedded, all clusters */
#define SIZE_BINS 10
#define SCORE_BINS 20

static const char *const LEVELS[] = {"exact", "near", "reuse", "story", "event"};

/* map[i] = UTF-16 index of byte offset i (i in 0..n); an offset inside a sequence maps to the
 * start of the next character. Caller frees. */
static uint32_t *u16_map(const char *text, size_t n)
{
    uint32_t *map = malloc((n + 1) * sizeof *map);
    if (!map) return NULL;
    const unsigned char *s = (const unsigned char *)text;
    uint32_t u = 0;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        const size_t k = jout_utf8_next(s + i, n - i, &cp);
        map[i] = u;
        u += cp >= 0x10000 ? 2 : 1;
        for (size_t j = 1; j < k; j++)
            map[i + j] = u;
        i += k;
    }
    map[n] = u;
    return map;
}

/* Text for HTML element content or attribute values (the overview is written here). */
static void html_esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: putc(*s, f);
        }
    }
}

/* ---- overview: tables and histograms ------------------------------------------------------ */

static const unsigned SIZE_LO[SIZE_BINS] = {2, 3, 4, 5, 6, 10, 20, 50, 100, 1000};
static const char *const SIZE_LABEL[SIZE_BINS] = {"2",     "3",     "4",     "5",       "6-9",
                                                  "10-19", "20-49", "50-99", "100-999", "1000+"};

static int size_bin(size_t m)
{
    int b = 0;
    while (b + 1 < SIZE_BINS && m >= SIZE_LO[b + 1])
        b++;
    return b;
}

/* A bar chart as inline SVG: counts per bin, labels under the bars, an optional marker at
 * fraction mark_x (0..1) of the axis. Linear scale; counts written above the bars. */
static void svg_bars(FILE *f, const char *title, const uint64_t *count, int n_bins,
                     const char *const *labels, int label_every, double mark_x,
                     const char *mark_label)
{
    const int W = 520, H = 200, L = 40, R = 10, T = 34, B = 36;
    const double pw = W - L - R, ph = H - T - B, bw = pw / n_bins;
    uint64_t max = 1;
    for (int i = 0; i < n_bins; i++)
        if (count[i] > max) max = count[i];
    fprintf(f,
            "<svg class=\"hist\" role=\"img\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
            "xmlns=\"http://www.w3.org/2000/svg\"><title>",
            W, H, W, H);
    html_esc(f, title);
    fprintf(f, "</title><text x=\"%d\" y=\"14\" class=\"ht\">", L);
    html_esc(f, title);
    fputs("</text>", f);
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"ax\"/>", L, T + (int)ph,
            W - R, T + (int)ph);
    for (int i = 0; i < n_bins; i++) {
        const double h = count[i] ? (double)count[i] / (double)max * ph : 0;
        const double x = L + i * bw;
        if (count[i]) {
            fprintf(f,
                    "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
                    "<title>%s: %llu</title></rect>",
                    x + 1, T + ph - (h < 1 ? 1 : h), bw - 2, h < 1 ? 1 : h, labels[i],
                    (unsigned long long)count[i]);
            fprintf(f, "<text class=\"hc\" x=\"%.1f\" y=\"%.1f\">%llu</text>", x + bw / 2,
                    T + ph - (h < 1 ? 1 : h) - 3, (unsigned long long)count[i]);
        }
        if (i % label_every == 0)
            fprintf(f, "<text class=\"hl\" x=\"%.1f\" y=\"%d\">%s</text>", x + bw / 2,
                    T + (int)ph + 14, labels[i]);
    }
    if (mark_x >= 0) {
        const double x = L + mark_x * pw;
        fprintf(f,
                "<line class=\"mark\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
                "<text class=\"ml\" x=\"%.1f\" y=\"%d\">",
                x, T - 4, x, T + (int)ph + 4, x + 3, T + 6);
        html_esc(f, mark_label);
        fputs("</text>", f);
    }
    fputs("</svg>\n", f);
}

/* The score a pair is held against the threshold with, at the run's level. */
static double pair_score(const rp_pair *p, rp_level level)
{
    if (level >= RP_LEVEL_REUSE) return p->signals.score;
    if (p->relation == RP_REL_EXACT) return 1;
    return p->jaccard >= 0 ? p->jaccard : p->estimate;
}

static void row(FILE *f, const char *name, unsigned long long v, const char *hook)
{
    fprintf(f, "<tr><th>%s</th><td data-stat=\"%s\">%llu</td></tr>", name, hook, v);
}

static void write_overview(FILE *f, rp_engine *e, const rp_config *cfg, const rp_summary *s,
                           size_t n_embedded, int text_cut)
{
    const size_t nc = rp_engine_n_clusters(e);
    uint64_t sizes[SIZE_BINS] = {0}, scores[SCORE_BINS] = {0};
    for (size_t k = 0; k < nc; k++) {
        rp_cluster_info ci;
        if (rp_engine_cluster(e, k, &ci) == RP_OK) sizes[size_bin(ci.n_members)]++;
    }
    const size_t np = rp_engine_n_pairs(e);
    for (size_t k = 0; k < np; k++) {
        rp_pair p;
        if (rp_engine_pair(e, k, &p) != RP_OK) continue;
        const double v = pair_score(&p, cfg->level);
        int b = (int)(v * SCORE_BINS);
        scores[b < 0 ? 0 : b >= SCORE_BINS ? SCORE_BINS - 1 : b]++;
    }
    fputs("<div class=\"cards\"><table class=\"stats\"><caption>Documents</caption>", f);
    row(f, "read", s->n_docs, "docs");
    row(f, "skipped", s->n_skipped, "skipped");
    for (int r = 1; r < RP_SKIP_REASONS; r++)
        if (s->skipped_by[r]) {
            fputs("<tr class=\"sub\"><th>", f);
            html_esc(f, rp_skip_reason_str((rp_skip)r));
            fprintf(f, "</th><td>%llu</td></tr>", (unsigned long long)s->skipped_by[r]);
        }
    row(f, "empty (no words)", s->n_empty, "empty");
    row(f, "unique", s->n_unique, "unique");
    if (s->n_truncated) row(f, "truncated", s->n_truncated, "truncated");
    if (s->n_repaired) row(f, "invalid UTF-8 repaired", s->n_repaired, "repaired");
    if (s->n_bad_dates) row(f, "dates not understood (undated)", s->n_bad_dates, "bad-dates");
    fputs("</table><table class=\"stats\"><caption>Duplicates by relation</caption>", f);
    row(f, "exact", s->n_exact, "exact");
    row(f, "near", s->n_near, "near");
    if (cfg->level >= RP_LEVEL_REUSE) {
        row(f, "partial", s->n_partial, "partial");
        row(f, "reuse", s->n_reuse, "reuse");
        row(f, "rewrite", s->n_rewrite, "rewrite");
        if (cfg->level == RP_LEVEL_EVENT) row(f, "related", s->n_related, "related");
        row(f, "boilerplate lines", s->n_boilerplate_lines, "boilerplate");
    }
    fputs("</table><table class=\"stats\"><caption>Clusters by size</caption>", f);
    row(f, "clusters", nc, "clusters");
    for (int b = 0; b < SIZE_BINS; b++)
        if (sizes[b]) {
            fputs("<tr class=\"sub\"><th>", f);
            fprintf(f, "%s members</th><td>%llu</td></tr>", SIZE_LABEL[b],
                    (unsigned long long)sizes[b]);
        }
    fputs("</table></div>\n<div class=\"charts\">", f);
    svg_bars(f, "Clusters by number of members", sizes, SIZE_BINS, SIZE_LABEL, 1, -1, NULL);
    static const char *const SL[SCORE_BINS] = {"0",   ".05", ".1",  ".15", ".2",  ".25", ".3",
                                               ".35", ".4",  ".45", ".5",  ".55", ".6",  ".65",
                                               ".7",  ".75", ".8",  ".85", ".9",  ".95"};
    char mark[64];
    snprintf(mark, sizeof mark, "threshold %.3g", s->threshold);
    svg_bars(f, "Linked pairs by score", scores, SCORE_BINS, SL, 2, s->threshold, mark);
    fputs("</div>\n", f);
    if (n_embedded < nc)
        fprintf(f,
                "<p class=\"note\" data-note=\"capped\">This page holds the %zu largest of %zu "
                "clusters (--report-max-clusters %zu).</p>\n",
                n_embedded, nc, n_embedded);
    if (cfg->level < RP_LEVEL_REUSE)
        fprintf(f,
                "<p class=\"note\" data-note=\"no-texts\">Made at --level %s: texts and shared "
                "passages are kept only at --level reuse or story, so the side-by-side view is "
                "not available.</p>\n",
                LEVELS[cfg->level]);
    if (text_cut)
        fputs("<p class=\"note\" data-note=\"text-budget\">Texts were embedded for the largest "
              "clusters only (96 MiB of text); the smaller clusters are listed without "
              "texts.</p>\n",
              f);
}

/* ---- data --------------------------------------------------------------------------------- */

struct edge {
    size_t k;        /* embedded cluster */
    size_t src, dst; /* document numbers: dst derives from src */
    rp_relation rel;
    double score;
};

static int edge_cmp(const void *x, const void *y)
{
    const struct edge *a = x, *b = y; /* a total order: the page is byte-for-byte stable */
    if (a->k != b->k) return a->k < b->k ? -1 : 1;
    if (a->src != b->src) return a->src < b->src ? -1 : 1;
    return a->dst < b->dst ? -1 : a->dst > b->dst;
}

/* Per-cluster pairs carrying passages: each member against the original, and all pairs of a
 * small cluster. Calls fn(a, b) in a fixed order and returns the count. */
static size_t cluster_pairs(const rp_cluster_info *ci, void (*fn)(size_t, size_t, void *), void *u)
{
    size_t n = 0;
    const size_t m = ci->n_members;
    for (size_t i = 0; i < m; i++)
        for (size_t j = i + 1; j < m; j++) {
            if (m > ALL_PAIRS_MAX && i > 0) return n;
            if (fn) fn(ci->members[i], ci->members[j], u);
            n++;
        }
    return n;
}

struct pairctx {
    FILE *f;
    rp_engine *e;
    const size_t *loc;
    int first;
};

static uint32_t *map_of(rp_engine *e, size_t d)
{
    size_t n = 0;
    const char *t = rp_engine_text(e, d, &n);
    return t ? u16_map(t, n) : NULL;
}

static void emit_pair(size_t a, size_t b, void *u)
{
    struct pairctx *pc = u;
    FILE *f = pc->f;
    rp_comparison c;
    fputs(pc->first ? "[" : ",[", f);
    pc->first = 0;
    fprintf(f, "%zu,%zu", pc->loc[a], pc->loc[b]);
    if (rp_engine_compare(pc->e, a, b, &c) != RP_OK) {
        fputs(",null]", f);
        return;
    }
    const rp_signals *s = &c.signals;
    fputc(',', f);
    jout_num4(f, s->score);
    fprintf(f, ",%d,%d,", c.linked, (int)c.relation);
    jout_num4(f, s->cosine);
    fputc(',', f);
    jout_num4(f, s->names);
    fputc(',', f);
    jout_num4(f, s->numbers);
    fputc(',', f);
    jout_num4(f, s->cover_a);
    fputc(',', f);
    jout_num4(f, s->cover_b);
    fprintf(f, ",%lld,", (long long)s->days_apart);
    jout_str_html(f, c.why);
    fputs(",[", f);
    uint32_t *ma = map_of(pc->e, a), *mb = map_of(pc->e, b);
    size_t na = 0, nb = 0;
    rp_engine_text(pc->e, a, &na);
    rp_engine_text(pc->e, b, &nb);
    size_t w = 0;
    for (size_t k = 0; ma && mb && k < c.n_passages; k++) {
        const rp_span *p = &c.passages[k];
        if (p->a_end > na || p->b_end > nb || p->a_start > p->a_end || p->b_start > p->b_end)
            continue; /* never index outside a text */
        fprintf(f, "%s%u,%u,%u,%u,%u", w++ ? "," : "", ma[p->a_start], ma[p->a_end], mb[p->b_start],
                mb[p->b_end], p->words);
    }
    fputs("],", f);
    jout_num4(f, s->words);
    fputc(']', f);
    free(ma);
    free(mb);
}

struct plan {
    size_t n_docs, n_emb; /* documents in the run, clusters embedded */
    size_t *loc;          /* document -> local number, SIZE_MAX if not embedded */
    size_t *docs;         /* local -> document */
    size_t n_local;
    size_t *ck;             /* document -> embedded cluster, SIZE_MAX */
    unsigned char *no_text; /* per embedded cluster: texts left out (budget) */
    int texts, text_cut;
    int event; /* --level event: members listed family by family */
    struct edge *edges;
    size_t n_edges;
};

/* The members of cluster ci as the page lists them (and its texts block follows): in the
 * engine's order, or at the event level family by family, the event's own family first,
 * then the others as their first member comes, each family's original before its copies.
 * *buf (freed by the caller) holds the reordered list; NULL when none was needed or memory
 * ran out (then the engine's order). */
static const size_t *page_members(rp_engine *e, const struct plan *p, const rp_cluster_info *ci,
                                  size_t **buf)
{
    *buf = NULL;
    const size_t n = ci->n_members;
    if (!p->event || n < 2) return ci->members;
    size_t *out = malloc(2 * n * sizeof *out), *fam = out ? out + n : NULL;
    if (!out) return ci->members;
    for (size_t i = 0; i < n; i++) {
        rp_doc_result r;
        rp_engine_doc(e, ci->members[i], &r);
        fam[i] = r.family_doc;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < i && fam[j] != fam[i])
            j++;
        if (j < i) continue; /* its family is listed already */
        for (size_t x = i; x < n; x++) /* the family's original, when a member */
            if (fam[x] == fam[i] && ci->members[x] == fam[i]) out[m++] = ci->members[x];
        for (size_t x = i; x < n; x++)
            if (fam[x] == fam[i] && ci->members[x] != fam[i]) out[m++] = ci->members[x];
    }
    *buf = out;
    return out;
}

static void plan_free(struct plan *p)
{
    free(p->loc);
    free(p->docs);
    free(p->ck);
    free(p->no_text);
    free(p->edges);
}

static int plan_make(struct plan *p, rp_engine *e, const rp_config *cfg, size_t max_clusters)
{
    memset(p, 0, sizeof *p);
    p->n_docs = rp_engine_n_docs(e);
    const size_t nc = rp_engine_n_clusters(e);
    p->n_emb = nc < max_clusters ? nc : max_clusters;
    p->texts = cfg->level >= RP_LEVEL_REUSE;
    p->event = cfg->level == RP_LEVEL_EVENT;
    p->loc = malloc((p->n_docs + 1) * sizeof *p->loc);
    p->ck = malloc((p->n_docs + 1) * sizeof *p->ck);
    p->docs = malloc((p->n_docs + 1) * sizeof *p->docs);
    p->no_text = calloc(p->n_emb + 1, 1);
    if (!p->loc || !p->ck || !p->docs || !p->no_text) return -1;
    for (size_t i = 0; i < p->n_docs; i++)
        p->loc[i] = p->ck[i] = SIZE_MAX;
    uint64_t text_bytes = 0;
    for (size_t k = 0; k < p->n_emb; k++) {
        rp_cluster_info ci;
        if (rp_engine_cluster(e, k, &ci) != RP_OK) return -1;
        uint64_t bytes = 0;
        for (size_t j = 0; j < ci.n_members; j++) {
            const size_t d = ci.members[j];
            if (d >= p->n_docs || p->loc[d] != SIZE_MAX) continue;
            p->loc[d] = p->n_local;
            p->docs[p->n_local++] = d;
            p->ck[d] = k;
            size_t n = 0;
            if (p->texts && rp_engine_text(e, d, &n)) bytes += n;
        }
        if (p->texts && text_bytes + bytes > TEXT_BUDGET) {
            p->no_text[k] = 1;
            p->text_cut = 1;
        } else {
            text_bytes += bytes;
        }
    }
    /* reuse-graph edges: the linked pairs inside each embedded cluster */
    const size_t np = rp_engine_n_pairs(e);
    size_t cap = 0;
    for (size_t k = 0; k < np; k++) {
        rp_pair pr;
        if (rp_engine_pair(e, k, &pr) != RP_OK) continue;
        if (pr.relation == RP_REL_RELATED) continue; /* one event, no derivation to draw */
        if (pr.a >= p->n_docs || pr.b >= p->n_docs) continue;
        if (p->ck[pr.a] == SIZE_MAX || p->ck[pr.a] != p->ck[pr.b]) continue;
        if (p->n_edges == cap) {
            cap = cap ? 2 * cap : 1024;
            struct edge *ne = realloc(p->edges, cap * sizeof *ne);
            if (!ne) return -1;
            p->edges = ne;
        }
        struct edge *g = &p->edges[p->n_edges++];
        g->k = p->ck[pr.a];
        if (pr.from == pr.a || pr.from == pr.b) {
            g->src = pr.from;
        } else { /* exact/near: the document matched (`of`) is the source */
            rp_doc_result rb;
            rp_engine_doc(e, pr.b, &rb);
            g->src = rb.of_doc == pr.a ? pr.a : pr.b;
            if (rb.of_doc != pr.a) {
                rp_doc_result ra;
                rp_engine_doc(e, pr.a, &ra);
                g->src = ra.of_doc == pr.b ? pr.b : pr.a;
            }
        }
        g->dst = g->src == pr.a ? pr.b : pr.a;
        g->rel = pr.relation;
        g->score = pair_score(&pr, cfg->level);
    }
    if (p->n_edges) qsort(p->edges, p->n_edges, sizeof *p->edges, edge_cmp);
    return 0;
}

static void write_data(FILE *f, rp_engine *e, const rp_config *cfg, const rp_summary *s,
                       const struct plan *p, char *const *inputs, int n_inputs)
{
    fprintf(f, "{\"v\":1,\"generator\":");
    {
        char g[64];
        snprintf(g, sizeof g, "reprint %s", rp_version());
        jout_str_html(f, g);
    }
    fprintf(f, ",\"level\":\"%s\",\"threshold\":", LEVELS[cfg->level]);
    jout_num4(f, s->threshold);
    fprintf(f, ",\"texts\":%d,\"n_clusters\":%zu,\"n_embedded\":%zu,\"n_docs\":%zu", p->texts,
            rp_engine_n_clusters(e), p->n_emb, p->n_docs);
    fputs(",\"inputs\":[", f);
    for (int i = 0; i < n_inputs; i++) {
        if (i) putc(',', f);
        jout_str_html(f, inputs[i]);
    }
    fputs("],\"rels\":[", f);
    const int event = cfg->level == RP_LEVEL_EVENT;
    for (int r = 0; r <= (cfg->level >= RP_LEVEL_STORY ? RP_REL_TRANSLATION : RP_REL_REWRITE); r++)
        fprintf(f, "%s\"%s\"", r ? "," : "", rp_relation_str((rp_relation)r));
    /* docs: [id, title, relation, of (local or -1), score, date (epoch s or null), words,
     * bytes], and at the event level its family's original (local or -1) */
    fputs("],\n\"docs\":[", f);
    for (size_t l = 0; l < p->n_local; l++) {
        rp_doc_result r;
        rp_engine_doc(e, p->docs[l], &r);
        fputs(l ? ",\n[" : "[", f);
        jout_str_html(f, r.id);
        putc(',', f);
        jout_str_html(f, r.title);
        const size_t of = r.of_doc < p->n_docs ? p->loc[r.of_doc] : SIZE_MAX;
        fprintf(f, ",%d,%lld,", (int)r.relation, of == SIZE_MAX ? -1LL : (long long)of);
        jout_num4(f, r.score);
        if (r.date_epoch == INT64_MIN)
            fputs(",null", f);
        else
            fprintf(f, ",%lld", (long long)r.date_epoch);
        fprintf(f, ",%llu,%llu", (unsigned long long)r.n_tokens, (unsigned long long)r.text_size);
        if (event) {
            const size_t fam = r.family_doc < p->n_docs ? p->loc[r.family_doc] : SIZE_MAX;
            fprintf(f, ",%lld", fam == SIZE_MAX ? -1LL : (long long)fam);
        }
        putc(']', f);
    }
    if (cfg->level >= RP_LEVEL_REUSE) { /* each document's language, as its cluster line has */
        fputs("],\n\"langs\":[", f);
        for (size_t l = 0; l < p->n_local; l++) {
            rp_doc_result r;
            rp_engine_doc(e, p->docs[l], &r);
            if (l) putc(',', f);
            jout_str_html(f, r.lang);
        }
    }
    /* clusters: original, members, disagreements, edges [src,dst,rel,score], pairs
     * [first, count] into "pairs", texts flag */
    fputs("],\n\"clusters\":[", f);
    size_t pair_at = 0, g = 0;
    for (size_t k = 0; k < p->n_emb; k++) {
        rp_cluster_info ci;
        rp_engine_cluster(e, k, &ci);
        fprintf(f, "%s{\"o\":%zu,\"m\":[", k ? ",\n" : "", p->loc[ci.original]);
        size_t *ord;
        const size_t *mem = page_members(e, p, &ci, &ord);
        for (size_t j = 0; j < ci.n_members; j++)
            fprintf(f, "%s%zu", j ? "," : "", p->loc[mem[j]]);
        free(ord);
        fputs("],\"d\":[", f);
        for (size_t d = 0; d < ci.n_disagreements; d++) {
            const rp_disagreement *dg = &ci.disagreements[d];
            fputs(d ? ",[" : "[", f);
            jout_str_html(f, dg->kind);
            fputs(",[", f);
            for (size_t v = 0; v < dg->n_variants; v++) {
                fputs(v ? ",[" : "[", f);
                jout_str_html(f, dg->variants[v].text);
                fputs(",[", f);
                for (size_t x = 0; x < dg->variants[v].n_docs; x++) {
                    const size_t dd = dg->variants[v].docs[x];
                    fprintf(f, "%s%lld", x ? "," : "",
                            dd < p->n_docs && p->loc[dd] != SIZE_MAX ? (long long)p->loc[dd]
                                                                     : -1LL);
                }
                fputs("]]", f);
            }
            fputs("]]", f);
        }
        fputs("],\"e\":[", f);
        while (g < p->n_edges && p->edges[g].k < k)
            g++;
        size_t ne = 0, total = 0;
        for (; g < p->n_edges && p->edges[g].k == k; g++, total++) {
            if (ne >= EDGES_MAX) continue;
            const struct edge *ed = &p->edges[g];
            fprintf(f, "%s[%zu,%zu,%d,", ne++ ? "," : "", p->loc[ed->src], p->loc[ed->dst],
                    (int)ed->rel);
            jout_num4(f, ed->score);
            putc(']', f);
        }
        fprintf(f, "],\"ne\":%zu", total);
        const int with_text = p->texts && !p->no_text[k];
        const size_t np = with_text ? cluster_pairs(&ci, NULL, NULL) : 0;
        fprintf(f, ",\"p\":[%zu,%zu],\"nt\":%d}", pair_at, np, !with_text);
        pair_at += np;
    }
    /* pairs: [a, b, score, linked, relation, cosine, names, numbers, cover_a, cover_b,
     * days_apart, why, [a0,a1,b0,b1,words, ...], words signal] in the order the clusters
     * reference them */
    fputs("],\n\"pairs\":[", f);
    struct pairctx pc = {f, e, p->loc, 1};
    for (size_t k = 0; k < p->n_emb; k++) {
        if (!p->texts || p->no_text[k]) continue;
        rp_cluster_info ci;
        rp_engine_cluster(e, k, &ci);
        cluster_pairs(&ci, emit_pair, &pc);
        fputc('\n', f);
    }
    /* skipped documents, by name (the first SKIPPED_MAX) */
    fputs("],\n\"skipped\":[", f);
    size_t ns = 0;
    for (size_t i = 0; i < p->n_docs && ns < SKIPPED_MAX; i++) {
        rp_doc_result r;
        if (rp_engine_doc(e, i, &r) != RP_OK || r.skip == RP_SKIP_NONE) continue;
        fputs(ns++ ? ",[" : "[", f);
        jout_str_html(f, r.id);
        putc(',', f);
        jout_str_html(f, rp_skip_reason_str(r.skip));
        putc(',', f);
        jout_str_html(f, r.detail);
        putc(']', f);
    }
    fputs("]}", f);
}

/* Texts go in one JSON block per cluster, <script type="application/json" id="rp-t-K">:
 * [[text, [boilerplate start, end, ...] or 0], ...] in member order. The page parses a block
 * only when its cluster is opened, so a big report opens as fast as its metadata parses. */
static void write_texts(FILE *f, rp_engine *e, const struct plan *p)
{
    for (size_t k = 0; p->texts && k < p->n_emb; k++) {
        if (p->no_text[k]) continue;
        rp_cluster_info ci;
        if (rp_engine_cluster(e, k, &ci) != RP_OK) continue;
        fprintf(f, "<script type=\"application/json\" id=\"rp-t-%zu\">[", k);
        size_t *ord;
        const size_t *mem = page_members(e, p, &ci, &ord);
        for (size_t j = 0; j < ci.n_members; j++) {
            const size_t d = mem[j];
            size_t n = 0, nr = 0;
            const char *t = rp_engine_text(e, d, &n);
            fputs(j ? ",\n[" : "[", f);
            if (!t) {
                fputs("null,0]", f);
                continue;
            }
            jout_str_n(f, t, n, JOUT_HTML);
            const rp_range *rg;
            uint32_t *map = NULL;
            if (rp_engine_boilerplate(e, d, &rg, &nr) != RP_OK || nr == 0 ||
                !(map = u16_map(t, n))) {
                fputs(",0]", f);
                continue;
            }
            fputs(",[", f);
            size_t w = 0;
            for (size_t i = 0; i < nr; i++)
                if (rg[i].start <= rg[i].end && rg[i].end <= n)
                    fprintf(f, "%s%u,%u", w++ ? "," : "", map[rg[i].start], map[rg[i].end]);
            fputs("]]", f);
            free(map);
        }
        free(ord);
        fputs("]</script>\n", f);
    }
}

int report_write(rp_engine *e, const rp_config *cfg, const char *path, size_t max_clusters,
                 char *const *inputs, int n_inputs)
{
    static const char M_OVERVIEW[] = "<!--@OVERVIEW@-->", M_DATA[] = "@DATA@",
                      M_TEXTS[] = "<!--@TEXTS@-->";
    const char *tpl = (const char *)report_template;
    const char *mo = strstr(tpl, M_OVERVIEW);
    const char *md = mo ? strstr(mo, M_DATA) : NULL;
    const char *mt = md ? strstr(md, M_TEXTS) : NULL;
    if (!mo || !md || !mt) {
        fprintf(stderr, "reprint: report: the embedded page template is broken\n");
        return -1;
    }
    struct plan p;
    if (plan_make(&p, e, cfg, max_clusters ? max_clusters : REPORT_MAX_CLUSTERS)) {
        fprintf(stderr, "reprint: report: out of memory\n");
        plan_free(&p);
        return -1;
    }
    struct cli_out o;
    if (cli_out_open(&o, path)) {
        plan_free(&p);
        return -1;
    }
    rp_summary s;
    rp_engine_summary(e, &s);
    FILE *f = o.f;
    fwrite(tpl, 1, (size_t)(mo - tpl), f);
    write_overview(f, e, cfg, &s, p.n_emb, p.text_cut);
    const char *after = mo + sizeof M_OVERVIEW - 1;
    fwrite(after, 1, (size_t)(md - after), f);
    write_data(f, e, cfg, &s, &p, inputs, n_inputs);
    after = md + sizeof M_DATA - 1;
    fwrite(after, 1, (size_t)(mt - after), f);
    write_texts(f, e, &p);
    after = mt + sizeof M_TEXTS - 1;
    fwrite(after, 1, report_template_size - (size_t)(after - tpl), f);
    plan_free(&p);
    return cli_out_commit(&o);
}
