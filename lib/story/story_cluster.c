/* SPDX-License-Identifier: MIT */
/* story_cluster.c -- S6 of stage story: clusters without chaining (the join rule),
 * then whole stories merged by their centroids (steps_internal.h). */
#include <math.h>   /* sqrt */
#include <stdlib.h> /* qsort */
#include <string.h> /* memset */
#include "steps_internal.h"

/* ---- S6: clusters ----------------------------------------------------------------------- */

struct adj {
    uint32_t other;
    float score;
    uint8_t strong; /* lineage or cover of RPI_LINEAGE_STRONG: worth waiting for */
    uint8_t alone;  /* ... of RPI_LINEAGE_REP: joins through the representative alone */
    uint8_t pivot;  /* a family link across languages (S5c) */
};

/* Merge whole stories: the cosine between two clusters' centroids, from the pair scores
 * alone (a cluster's vector sum has squared norm n + 2 * its internal score sum, the cross
 * product is the sum of cross scores; pairs never scored count 0). Clusters whose centroids
 * reach the threshold merge, strongest first, each at most once per round, until nothing
 * merges (at most RPI_MERGE_ROUNDS). A single strong link between two stories is not enough:
 * the evidence is story against story. */
#define RPI_MERGE_ROUNDS 8
#define RPI_MERGE_FACTOR 0.5 /* of the threshold, for centroids in a collection without case */
#define RPI_MERGE_NAMES 0.4  /* mean names overlap of the cross pairs that counts as agreeing */
/* At the event level, in a collection without case, S6's families merge by their centroids
 * under this share of the threshold (from RPI_MERGE_FACTOR) only when a cross pair is a family
 * link, and S8 starts from the stories the merges make without that rule (struct rpi_story's
 * loose): headlines of different events that share their topic words ("black friday", "cyber
 * monday") reach half the threshold story against story through many weak pairs, and S8
 * moves families, never the texts inside one (docs/internals/story.md, S8). */
#define RPI_MERGE_LINKED 0.8

struct xsum {
    uint64_t key; /* cluster a << 32 | cluster b, a < b; first: rpi_radix_rec's sort key */
    double sum;
    float names;     /* the link's names overlap, -1 when not available */
    uint32_t linked; /* 1 when the link is at the threshold */
};

struct xmerge {
    double sim;
    uint32_t a, b;
};

static int cmp_xmerge(const void *pa, const void *pb)
{
    const struct xmerge *a = pa, *b = pb;
    if (a->sim != b->sim) return a->sim > b->sim ? -1 : 1;
    if (a->a != b->a) return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b;
}

static rp_status merge_clusters(struct rpi_story *s, uint32_t *rep, int strict)
{
    const uint32_t nu = s->in.n_units;
    const double thr = s->in.p.threshold;
    double *intra = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *intra);
    uint32_t *n = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *n);
    uint8_t *used = rpi_malloc(s->in.alloc, nu ? nu : 1);
    struct xsum *xs = rpi_malloc(s->in.alloc, (s->n_links ? s->n_links : 1) * sizeof *xs);
    struct xsum *xt = rpi_malloc(s->in.alloc, (s->n_links ? s->n_links : 1) * sizeof *xt);
    struct xmerge *xm = rpi_malloc(s->in.alloc, (s->n_links ? s->n_links : 1) * sizeof *xm);
    rp_status st = RP_E_NOMEM;
    if (!intra || !n || !used || !xs || !xt || !xm) goto done;
    if (s->in.p.level != RP_LEVEL_STORY) { /* reuse: links are passages, not similarities */
        st = RP_OK;
        goto done;
    }
    /* a collection without case (lower-cased, normalized headlines) has no names at all: its
     * centroids merge at RPI_MERGE_FACTOR of the threshold, and its short texts link sparsely,
     * so the centroids alone decide. In a collection with names, a text without any (a table
     * of figures) is held to the full threshold, and two clusters merge only when at least
     * half of their cross pairs are linked: the rule a unit meets to join a story (centroids
     * alone merged the versions of two days of one developing story: Reuters proxy pairwise
     * precision 0.917 -> 0.920 dated, 0.758 -> 0.780 and 0.828 -> 0.841 undated, recall 1.0
     * unchanged; MStream is caseless and unchanged) */
    const double lone = s->caseless ? RPI_MERGE_FACTOR : 1.0;
    for (int round = 0; round < RPI_MERGE_ROUNDS; round++) {
        memset(intra, 0, nu * sizeof *intra);
        memset(n, 0, nu * sizeof *n);
        memset(used, 0, nu);
        for (uint32_t u = 0; u < nu; u++)
            n[rep[u]]++;
        size_t nx = 0;
        for (size_t k = 0; k < s->n_links; k++) {
            const struct link *l = &s->links[k];
            const uint32_t ra = rep[l->a], rb = rep[l->b];
            if (ra == rb)
                intra[ra] += l->score;
            else
                xs[nx++] =
                    (struct xsum){ra < rb ? (uint64_t)ra << 32 | rb : (uint64_t)rb << 32 | ra,
                                  l->score, l->names, l->linked};
        }
        /* stably: the scores of a cluster pair are summed in link order */
        rpi_radix_rec(xs, xt, nx, sizeof *xs);
        size_t nm = 0;
        for (size_t i = 0; i < nx;) {
            size_t j = i;
            double sum = 0, names = 0;
            unsigned n_names = 0, n_linked = 0;
            for (; j < nx && xs[j].key == xs[i].key; j++) {
                sum += xs[j].sum;
                n_linked += xs[j].linked;
                if (xs[j].names >= 0) {
                    names += xs[j].names;
                    n_names++;
                }
            }
            const uint32_t a = (uint32_t)(xs[i].key >> 32), b = (uint32_t)xs[i].key;
            const double na = n[a] + 2 * intra[a], nb = n[b] + 2 * intra[b];
            const double sim = sum / sqrt(na * nb);
            /* different actors are different stories: the names of the cross pairs must
             * agree; texts without names have only their words */
            const int names_ok = n_names == 0 || names / n_names >= RPI_MERGE_NAMES;
            /* with case, as a unit joins a story: at least half of the cross pairs linked */
            int dense_ok = 2.0 * n_linked >= (double)n[a] * n[b];
            /* without case: the centroids decide (strict: with a family link across or well
             * past half the threshold) */
            if (s->caseless) dense_ok = !strict || n_linked > 0 || sim >= RPI_MERGE_LINKED * thr;
            if (names_ok && dense_ok && sim >= (n_names ? thr : lone * thr))
                xm[nm++] = (struct xmerge){sim, a, b};
            i = j;
        }
        if (nm == 0) break;
        qsort(xm, nm, sizeof *xm, cmp_xmerge);
        size_t merged = 0;
        for (size_t i = 0; i < nm; i++) {
            const uint32_t a = xm[i].a, b = xm[i].b;
            if (used[a] || used[b]) continue;
            used[a] = used[b] = 1;
            /* the cluster with more units keeps its representative */
            const uint32_t keep = n[a] >= n[b] ? a : b, gone = keep == a ? b : a;
            for (uint32_t u = 0; u < nu; u++)
                if (rep[u] == gone) rep[u] = keep;
            merged++;
        }
        if (!merged) break;
    }
    st = RP_OK;
done:
    rpi_free(s->in.alloc, intra);
    rpi_free(s->in.alloc, n);
    rpi_free(s->in.alloc, used);
    rpi_free(s->in.alloc, xs);
    rpi_free(s->in.alloc, xt);
    rpi_free(s->in.alloc, xm);
    return st;
}

/* The state of S6 while units join stories; cnt, acc and rep_link are zero between calls. */
struct join {
    const size_t *off; /* unit u's links: adj[off[u], off[u + 1]) */
    const struct adj *adj;
    const uint32_t *rep;  /* unit -> its cluster's representative (UINT32_MAX: not placed) */
    const uint32_t *size; /* representative -> members */
    uint32_t *cnt;        /* scratch per representative: links of the unit to the cluster */
    uint32_t *touched;
    double *acc;       /* scratch: their scores */
    uint8_t *rep_link; /* scratch: linked to the representative (1; 2 by a link that joins
                        * alone), | 4: a strong link to a member */
};

/* The cluster unit u joins (its representative), UINT32_MAX for none: among those where u
 * is linked to half of the members, the representative among them or at least two, the one
 * with the highest mean link score over its members (ties: lower representative). With wait
 * (the first pass), none when u has a stronger family link across languages to a unit not
 * placed yet: a translation visited before its source (units go by degree) joined another
 * article's family through a weaker link, and its source, linked to it alone, could not
 * follow (WMT21 fr-de 0.946 -> 0.966, ru-en 0.933 -> 0.943, ru-en among 3,000 Reuters
 * stories precision 0.868 -> 0.929). A strong link in one language (RPI_LINEAGE_STRONG) to a
 * unit not placed yet waits too, but only when none of u's links into the best story is
 * strong: the first unit visited of two articles on one event (one press release, one
 * quote) joined the other's story through a shared phrase, alone there, and its own
 * versions followed it (WMT21 ru-en 0.9594 -> 0.9801, is-en 0.9890 -> 0.9965, ja-en
 * 0.9951 -> 0.9966). Waiting on every strong link in one language split families instead
 * (Clough light and cut 15 -> 13, 16 -> 14 of 19, WMT21 de-fr 1.0 -> 0.990, is-en recall
 * 0.991 -> 0.978): a version that already has a strong link into a story is where it
 * belongs. */
static uint32_t join_story(struct join *j, uint32_t u, int wait)
{
    size_t nt = 0;
    double pending = -1, pending_one = -1; /* across languages, in one language */
    for (size_t k = j->off[u]; k < j->off[u + 1]; k++) {
        const struct adj *a = &j->adj[k];
        const uint32_t v = a->other, r = j->rep[v];
        if (r == UINT32_MAX) {
            double *p = a->pivot ? &pending : &pending_one;
            if (a->strong && a->score > *p) *p = a->score;
            continue;
        }
        if (j->cnt[r] == 0) j->touched[nt++] = r;
        j->acc[r] += a->score;
        j->cnt[r]++;
        if (v == r) j->rep_link[r] |= (uint8_t)(1 + a->alone);
        if (a->strong) j->rep_link[r] |= 4;
    }
    uint32_t best = UINT32_MAX;
    double best_mean = -1;
    int best_strong = 0;
    for (size_t t = 0; t < nt; t++) {
        const uint32_t r = j->touched[t];
        const double mean = j->acc[r] / j->size[r];
        if (rpi_story_joins(j->cnt[r], j->size[r], j->rep_link[r] & 3) &&
            (mean > best_mean || (mean == best_mean && r < best))) {
            best_mean = mean;
            best = r;
            best_strong = j->rep_link[r] >> 2;
        }
        j->acc[r] = 0;
        j->cnt[r] = 0;
        j->rep_link[r] = 0;
    }
    if (wait && (pending > best_mean || (!best_strong && pending_one > best_mean)))
        return UINT32_MAX;
    return best;
}

/* Units by degree (links at the threshold), ties in keep order; each joins the cluster with
 * the highest mean link score over its members when it is linked to at least half of them,
 * the representative among them or at least two (a cluster of one: its representative).
 * A link to the representative alone once sufficed: the versions of a developing story
 * (a lawsuit on Monday, the other side's answer on Tuesday) joined a story through its
 * original without matching its other versions (Reuters proxy: pairwise precision
 * 0.924 / 0.902 -> 0.934 / 0.917 dated, 0.807 / 0.687 -> 0.828 / 0.758 undated, recall 1.0
 * unchanged; docs/internals/story.md). Then merge_clusters. */
rp_status rpi_story_cluster(struct rpi_story *s, uint32_t *rep, int events)
{
    const uint32_t nu = s->in.n_units;
    size_t *off = rpi_calloc(s->in.alloc, (size_t)nu + 1, sizeof *off);
    uint32_t *order = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *order);
    uint32_t *size = rpi_calloc(s->in.alloc, nu ? nu : 1, sizeof *size);
    double *acc = rpi_calloc(s->in.alloc, nu ? nu : 1, sizeof *acc);
    uint32_t *cnt = rpi_calloc(s->in.alloc, nu ? nu : 1, sizeof *cnt);
    uint8_t *rep_link = rpi_calloc(s->in.alloc, nu ? nu : 1, 1);
    uint32_t *touched = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *touched);
    struct adj *adj = NULL;
    rp_status st = RP_E_NOMEM;
    if (!off || !order || !size || !acc || !cnt || !rep_link || !touched) goto done;
    size_t nl = 0;
    for (size_t k = 0; k < s->n_links; k++)
        if (s->links[k].linked) {
            off[s->links[k].a + 1]++;
            off[s->links[k].b + 1]++;
            nl++;
        }
    s->stats.n_links = nl;
    for (uint32_t u = 0; u < nu; u++)
        off[u + 1] += off[u];
    adj = rpi_malloc(s->in.alloc, (2 * nl + 1) * sizeof *adj);
    if (!adj) goto done;
    {
        size_t *pos = (size_t *)acc; /* scratch: fill positions (acc is re-zeroed below) */
        for (uint32_t u = 0; u < nu; u++)
            pos[u] = off[u];
        for (size_t k = 0; k < s->n_links; k++) {
            const struct link *l = &s->links[k];
            if (!l->linked) continue;
            /* the sequence evidence: lineage or the larger passage cover (story level) */
            double e = l->lineage > l->cover_a ? l->lineage : l->cover_a;
            e = s->in.p.level < RP_LEVEL_STORY ? 0 : e > l->cover_b ? e : l->cover_b;
            const uint8_t strong = e >= RPI_LINEAGE_STRONG, alone = e >= RPI_LINEAGE_REP;
            adj[pos[l->a]++] = (struct adj){l->b, l->score, strong, alone, l->pivot};
            adj[pos[l->b]++] = (struct adj){l->a, l->score, strong, alone, l->pivot};
        }
        memset(acc, 0, (nu ? nu : 1) * sizeof *acc);
    }
    /* visit by degree, ties in keep order (unit numbers are in keep order) */
    for (uint32_t u = 0; u < nu; u++)
        order[u] = u;
    {
        uint64_t *keys = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *keys);
        if (!keys) goto done;
        for (uint32_t u = 0; u < nu; u++)
            keys[u] = (uint64_t)(UINT32_MAX - (uint32_t)(off[u + 1] - off[u])) << 32 | u;
        if (rpi_sort_u64(s->in.alloc, keys, nu) != RP_OK) {
            rpi_free(s->in.alloc, keys);
            goto done;
        }
        for (uint32_t u = 0; u < nu; u++)
            order[u] = (uint32_t)keys[u];
        rpi_free(s->in.alloc, keys);
    }
    for (uint32_t u = 0; u < nu; u++)
        rep[u] = UINT32_MAX;
    struct join j = {off, adj, rep, size, cnt, touched, acc, rep_link};
    for (uint32_t x = 0; x < nu; x++) {
        const uint32_t u = order[x], best = join_story(&j, u, 1);
        rep[u] = best == UINT32_MAX ? u : best;
        size[rep[u]]++;
    }
    /* A unit met a story before all its versions had joined (units go by degree: a heavy
     * rewrite, linked to few, comes late, but a cut of the original may come later still):
     * each unit still alone is held once more against the stories as they ended. */
    for (uint32_t x = 0; x < nu; x++) {
        const uint32_t u = order[x];
        if (rep[u] != u || size[u] != 1) continue;
        const uint32_t best = join_story(&j, u, 0);
        if (best == UINT32_MAX) continue;
        rep[u] = best;
        size[u] = 0;
        size[best]++;
    }
    if (events && s->caseless) { /* S8's start: the story level's stories */
        s->loose = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *s->loose);
        if (!s->loose) {
            st = RP_E_NOMEM;
            goto done;
        }
        memcpy(s->loose, rep, nu * sizeof *rep);
        st = merge_clusters(s, s->loose, 0);
        if (st != RP_OK) goto done;
    }
    st = merge_clusters(s, rep, events && s->caseless);
done:
    rpi_free(s->in.alloc, off);
    rpi_free(s->in.alloc, order);
    rpi_free(s->in.alloc, size);
    rpi_free(s->in.alloc, acc);
    rpi_free(s->in.alloc, cnt);
    rpi_free(s->in.alloc, rep_link);
    rpi_free(s->in.alloc, touched);
    rpi_free(s->in.alloc, adj);
    return st;
}

/* Find the scored link of units a, b (binary search; links sorted by key). */
const struct link *rpi_story_find_link(const struct rpi_story *s, uint32_t a, uint32_t b)
{
    if (a > b) {
        const uint32_t t = a;
        a = b;
        b = t;
    }
    size_t lo = 0, hi = s->n_links;
    while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        const struct link *l = &s->links[mid];
        if (l->a < a || (l->a == a && l->b < b))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->n_links && s->links[lo].a == a && s->links[lo].b == b ? &s->links[lo] : NULL;
}
