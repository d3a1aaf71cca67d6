/* SPDX-License-Identifier: MIT */
/* cmd_story.c -- output of the reuse and story levels (see cmd_story.h). */
#include <string.h> /* memcpy */
#include <stdlib.h> /* malloc */
#include "cmd_story.h"
#include "json_out.h" /* jout_str */

static void json_doc_ids(FILE *f, const rp_engine *e, const size_t *docs, size_t n)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        rp_doc_result r;
        rp_engine_doc(e, docs[i], &r);
        if (i) fputc(',', f);
        jout_str(f, r.id);
    }
    fputc(']', f);
}

void story_cluster_fields(FILE *f, rp_engine *e, size_t k)
{
    rp_doc_result r;
    rp_engine_doc(e, k, &r);
    if (r.title) {
        fputs(",\"title\":", f);
        jout_str(f, r.title);
    }
    if (r.lang) {
        fputs(",\"lang\":", f);
        jout_str(f, r.lang);
    }
    if (r.relation != RP_REL_ORIGINAL) return;
    const size_t c = r.cluster_index;
    if (c == SIZE_MAX) return;
    rp_cluster_info ci;
    if (rp_engine_cluster(e, c, &ci) != RP_OK) return;
    fprintf(f, ",\"members\":%zu,\"disagreements\":[", ci.n_members);
    for (size_t d = 0; d < ci.n_disagreements; d++) {
        const rp_disagreement *g = &ci.disagreements[d];
        fprintf(f, "%s{\"kind\":\"%s\",\"variants\":[", d ? "," : "", g->kind);
        for (size_t v = 0; v < g->n_variants; v++) {
            fputs(v ? ",{\"text\":" : "{\"text\":", f);
            jout_str(f, g->variants[v].text);
            fputs(",\"docs\":", f);
            json_doc_ids(f, e, g->variants[v].docs, g->variants[v].n_docs);
            fputc('}', f);
        }
        fputs("]}", f);
    }
    fputc(']', f);
}

/* lineage: printed when >= 0 (the story and event levels) */
static void signals_json(FILE *f, const rp_signals *s, double lineage)
{
    const struct {
        const char *key;
        double v;
    } sig[] = {{"\"score\":", s->score},      {",\"signals\":{\"cosine\":", s->cosine},
               {",\"words\":", s->words},     {",\"names\":", s->names},
               {",\"numbers\":", s->numbers}, {",\"cover_a\":", s->cover_a},
               {",\"cover_b\":", s->cover_b}, {",\"jaccard\":", s->jaccard}};
    for (size_t i = 0; i < sizeof sig / sizeof sig[0]; i++) {
        fputs(sig[i].key, f);
        jout_score(f, sig[i].v);
    }
    if (lineage >= 0) {
        fputs(",\"lineage\":", f);
        jout_score(f, lineage);
    }
    fprintf(f, ",\"passages\":%u,\"days_apart\":%lld}", s->n_passages, (long long)s->days_apart);
}

void story_pair_line(FILE *f, rp_engine *e, const rp_pair *p)
{
    rp_doc_result a, b;
    rp_engine_doc(e, p->a, &a);
    rp_engine_doc(e, p->b, &b);
    fputs("{\"a\":", f);
    jout_str(f, a.id);
    fputs(",\"b\":", f);
    jout_str(f, b.id);
    fprintf(f, ",\"relation\":\"%s\",", rp_relation_str(p->relation));
    signals_json(f, &p->signals, p->lineage);
    fputs(",\"from\":", f);
    jout_str(f, p->from == p->a ? a.id : b.id);
    fprintf(f, ",\"same_cluster\":%s,\"passages\":[", p->same_cluster ? "true" : "false");
    rp_comparison cmp;
    if (p->relation != RP_REL_EXACT && rp_engine_compare(e, p->a, p->b, &cmp) == RP_OK) {
        for (size_t k = 0; k < cmp.n_passages; k++) {
            const rp_span *s = &cmp.passages[k];
            fprintf(f, "%s{\"a\":[%zu,%zu],\"b\":[%zu,%zu],\"words\":%u}", k ? "," : "", s->a_start,
                    s->a_end, s->b_start, s->b_end, s->words);
        }
    }
    fputs("]}\n", f);
}

/* One passage's text, on one line, cut to max bytes (at a UTF-8 boundary). */
static void excerpt(FILE *f, const char *text, size_t start, size_t end, size_t max)
{
    int cut = 0;
    if (end - start > max) {
        end = start + max;
        while (end > start && ((unsigned char)text[end] & 0xC0) == 0x80)
            end--;
        cut = 1;
    }
    fputc('"', f);
    for (size_t i = start; i < end; i++) {
        const char ch = text[i];
        fputc(ch == '\n' || ch == '\r' || ch == '\t' ? ' ' : ch, f);
    }
    fputs(cut ? "...\"" : "\"", f);
}

#define EXPLAIN_MAX_MEMBERS 200 /* versions of a story compared for the membership lines */

/* Why document x is not in the story of document y although the two are linked: how many
 * versions of y's story x is linked to, the original among them or not (a document joins a
 * story when linked to half of its versions, the original among them or at least two; the
 * rule counts distinct texts, these lines count documents). */
static void story_membership(FILE *f, rp_engine *e, size_t x, const char *xname, size_t y)
{
    rp_doc_result ry;
    if (rp_engine_doc(e, y, &ry) != RP_OK) return;
    if (ry.cluster_index == SIZE_MAX) {
        fprintf(f, "  %s is linked to %s, which has no other version\n", xname, ry.id);
        return;
    }
    rp_cluster_info ci;
    if (rp_engine_cluster(e, ry.cluster_index, &ci) != RP_OK) return;
    size_t linked = 0, unseen = 0, n = 0;
    int original = 0;
    for (size_t k = 0; k < ci.n_members && n < EXPLAIN_MAX_MEMBERS; k++, n++) {
        rp_comparison c;
        if (rp_engine_compare(e, x, ci.members[k], &c) != RP_OK || !c.linked) continue;
        if (!c.candidate) { /* would link, but the candidate stage never paired them */
            unseen++;
            continue;
        }
        linked++;
        if (ci.members[k] == ci.original) original = 1;
    }
    rp_doc_result ro;
    rp_engine_doc(e, ci.original, &ro);
    fprintf(f, "  %s is linked to %zu of the %zu%s versions of the story of %s (original %s: %s)",
            xname, linked, n, n < ci.n_members ? " first" : "", ry.id, ro.id,
            original ? "linked" : "not linked");
    if (unseen)
        fprintf(f,
                "; %zu more would link but were never candidates (no shared salient term "
                "or passage fingerprint)",
                unseen);
    fputc('\n', f);
}

int story_explain(FILE *f, rp_engine *e, size_t a, size_t b, rp_level level)
{
    rp_comparison c;
    rp_status st = rp_engine_compare(e, a, b, &c);
    if (st != RP_OK) {
        fprintf(stderr, "reprint: explain: %s\n", rp_strerror(st));
        return -1;
    }
    rp_doc_result ra, rb;
    rp_engine_doc(e, a, &ra);
    rp_engine_doc(e, b, &rb);
    const rp_signals *s = &c.signals;
    fprintf(f, "A: %s (%llu words)\nB: %s (%llu words)\n", ra.id, (unsigned long long)ra.n_tokens,
            rb.id, (unsigned long long)rb.n_tokens);
    fprintf(f, "verdict: %s (%s)\n",
            c.linked && !c.candidate
                ? (c.same_cluster ? "would be linked, same cluster through others"
                                  : "would be linked, but the run never compared them (not a "
                                    "candidate: no shared salient term or passage fingerprint)")
            : c.linked  ? (c.same_cluster ? "linked, same cluster" : "linked, different clusters")
            : c.related ? (c.same_cluster ? "related, not versions of one text; same cluster "
                                            "through others"
                                          : "related, not versions of one text")
                        : (c.same_cluster ? "not linked directly, same cluster through others"
                                          : "not one story"),
            c.why);
    fprintf(f, "relation: %s\n", rp_relation_str(c.relation));
    if (level == RP_LEVEL_EVENT) { /* the verdict above is about version families */
        if (ra.cluster_doc != rb.cluster_doc)
            fprintf(f, "event: different events (%s, %s)\n", ra.cluster, rb.cluster);
        else if (ra.family_doc != rb.family_doc)
            fprintf(f, "event: same event (%s), different families (%s, %s)\n", ra.cluster,
                    ra.family, rb.family);
        else
            fprintf(f, "event: same event (%s), same family (%s)\n", ra.cluster, ra.family);
    }
    fprintf(f, "signals:\n");
    fprintf(f, "  score          %.4f   (threshold %.4f)\n", s->score, c.threshold);
    fprintf(f, "  cosine         %.4f   TF-IDF of salient terms, boilerplate left out\n",
            s->cosine);
    fprintf(f,
            "  words          %.4f   the same without names (under 0.2 with names on both "
            "sides: same actors, another event)\n",
            s->words);
    if (s->names >= 0)
        fprintf(f, "  names          %.4f   IDF-weighted overlap of capitalised terms\n", s->names);
    else
        fprintf(f, "  names          n/a      (no capitalised terms on one side)\n");
    if (s->numbers >= 0)
        fprintf(f, "  numbers        %.4f   overlap of numbers\n", s->numbers);
    else
        fprintf(f, "  numbers        n/a      (no numbers on one side)\n");
    fprintf(f, "  cover A        %.4f   share of A in shared passages\n", s->cover_a);
    fprintf(f, "  cover B        %.4f   share of B in shared passages\n", s->cover_b);
    fprintf(f, "  jaccard        %.4f   word 5-gram Jaccard (MinHash estimate)\n", s->jaccard);
    if (level >= RP_LEVEL_STORY)
        fprintf(f,
                "  lineage        %.4f   share of the smaller text in sentences the other keeps "
                "in the same order (versions of one text from 0.40, or a shared passage)\n",
                c.lineage);
    if (s->days_apart >= 0) fprintf(f, "  days apart     %lld\n", (long long)s->days_apart);
    size_t na, nb;
    const char *ta = rp_engine_text(e, a, &na), *tb = rp_engine_text(e, b, &nb);
    fprintf(f, "shared passages: %zu\n", c.n_passages);
    for (size_t k = 0; k < c.n_passages; k++) {
        const rp_span *p = &c.passages[k];
        fprintf(f, "  [%zu] %u words\n      A %zu-%zu: ", k + 1, p->words, p->a_start, p->a_end);
        if (ta) excerpt(f, ta, p->a_start, p->a_end, 160);
        fprintf(f, "\n      B %zu-%zu: ", p->b_start, p->b_end);
        if (tb) excerpt(f, tb, p->b_start, p->b_end, 160);
        fputc('\n', f);
    }
    (void)na;
    (void)nb;
    if (c.linked && c.candidate && !c.same_cluster) { /* c is overwritten from here on */
        fputs("stories: a document joins a story when linked to at least half of its versions,\n"
              "  the original among them or at least two\n",
              f);
        story_membership(f, e, a, "A", b);
        story_membership(f, e, b, "B", a);
    }
    return 0;
}
