/* SPDX-License-Identifier: MIT */
/* near.c -- stage "near" (near_internal.h): exact groups, LSH candidates, verification,
 * star clustering.
 *
 * 4. Exact groups: documents with the same XXH3-128 of their normalized text form one unit,
 *    led by its first member in keep order. Only units go on, so a million copies of one
 *    page cost one signature comparison, not a million-wide LSH bucket.
 * 5. Candidates: LSH banding (b bands of r rows, Indyk & Motwani 1998; Broder 1997) over unit
 *    signatures, one band per pass, bands spread over threads. A pair is emitted only in the
 *    first band where the two signatures agree, so it is verified once without a global set.
 * 6. Verification: every candidate is checked against the threshold by the MinHash estimate
 *    or, with verify=exact, by the exact Jaccard of the spilled shingle sets. Hash collisions
 *    in LSH keys therefore never merge documents.
 * 7. Clustering without chaining: units are visited by degree, ties in keep order; a unit
 *    joins the best verified existing representative (centre) it has an edge to, else it
 *    becomes a centre. So every member is verified against its cluster's representative and
 *    a chain A~B~C~D never becomes one cluster (star clustering; cf. datasketch #120). The
 *    result depends only on the keep order and the edge set, both independent of threads. */
#include <stdio.h>  /* snprintf */
#include <stdlib.h> /* qsort */
#include <string.h> /* memcmp, strcmp */
#include <xxhash.h> /* XXH3_64bits_withSeed */
#include "near_internal.h"
#include "common/parallel_internal.h"

const char *rp_relation_str(rp_relation r)
{
    switch (r) {
    case RP_REL_UNIQUE: return "unique";
    case RP_REL_ORIGINAL: return "original";
    case RP_REL_EXACT: return "exact";
    case RP_REL_NEAR: return "near";
    case RP_REL_SKIPPED: return "skipped";
    case RP_REL_PARTIAL: return "partial";
    case RP_REL_REUSE: return "reuse";
    case RP_REL_REWRITE: return "rewrite";
    case RP_REL_RELATED: return "related";
    case RP_REL_TRANSLATION: return "translation";
    }
    return "unknown";
}

static int cmp_tiebreak(const struct order_key *a, const struct order_key *b)
{
    if (a->size != b->size) return a->size > b->size ? -1 : 1; /* longer first */
    if (a->h1 != b->h1) return a->h1 < b->h1 ? -1 : 1;
    if (a->h0 != b->h0) return a->h0 < b->h0 ? -1 : 1;
    const int c = strcmp(a->id, b->id);
    if (c) return c;
    return a->doc < b->doc ? -1 : a->doc > b->doc;
}

static int cmp_longest(const void *pa, const void *pb) { return cmp_tiebreak(pa, pb); }

static int cmp_first(const void *pa, const void *pb)
{
    const struct order_key *a = pa, *b = pb;
    return a->doc < b->doc ? -1 : a->doc > b->doc;
}

static int cmp_earliest(const void *pa, const void *pb)
{
    const struct order_key *a = pa, *b = pb;
    if (a->date != b->date) {
        if (a->date == INT64_MIN) return 1; /* undated last */
        if (b->date == INT64_MIN) return -1;
        return a->date < b->date ? -1 : 1;
    }
    return cmp_tiebreak(a, b);
}

int (*rpi_cluster_keep_cmp(rp_keep keep))(const void *, const void *)
{
    return keep == RP_KEEP_FIRST      ? cmp_first
           : keep == RP_KEEP_EARLIEST ? cmp_earliest
                                      : cmp_longest;
}

struct group_key {
    uint64_t h0, h1;
    uint32_t rank;
    uint32_t doc;
};

static int cmp_group(const void *pa, const void *pb)
{
    const struct group_key *a = pa, *b = pb;
    if (a->h1 != b->h1) return a->h1 < b->h1 ? -1 : 1;
    if (a->h0 != b->h0) return a->h0 < b->h0 ? -1 : 1;
    return a->rank < b->rank ? -1 : a->rank > b->rank;
}

static int cmp_edge(const void *pa, const void *pb)
{
    const struct rpi_edge *a = pa, *b = pb;
    if (a->v != b->v) return a->v < b->v ? -1 : 1;
    return a->u < b->u ? -1 : a->u > b->u;
}

/* Sort band entries by key, keeping unit order among equal keys: LSD radix sort in four
 * 16-bit passes (stable), since the entries arrive in unit order. Measured at 1M units: the
 * candidate stage took 4.6 s with qsort. tmp holds n entries, count 65536 counters. */
static void sort_band(struct rpi_band_entry *ent, struct rpi_band_entry *tmp, size_t n,
                      size_t *count)
{
    for (unsigned shift = 0; shift < 64; shift += 16) {
        memset(count, 0, 65536 * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(ent[i].key >> shift) & 0xFFFF]++;
        size_t sum = 0;
        for (size_t d = 0; d < 65536; d++) {
            const size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            tmp[count[(ent[i].key >> shift) & 0xFFFF]++] = ent[i];
        struct rpi_band_entry *t = ent;
        ent = tmp;
        tmp = t;
    }
    /* four passes: the sorted data is back in the caller's ent */
}

/* What the LSH threads share; thread t takes bands t, t + nt, ... */
struct lsh_ctx {
    const struct rpi_near *nr;
    const struct rpi_near_params *p;
    const struct rpi_doctab *docs;
    const struct rpi_spill *spills;
    const rp_alloc *alloc;
    unsigned nt;
    struct lsh_job {
        struct rpi_vec edges; /* struct rpi_edge */
        uint64_t n_candidates;
    } jobs[RPI_MAX_THREADS];
};

static const uint32_t *unit_sig(void *ctx, uint32_t u)
{
    const struct lsh_ctx *c = ctx;
    return rpi_sig(c->docs, c->nr->unit_doc[u]);
}

static double verify_pair(void *ctx, uint32_t ua, uint32_t ub, double est)
{
    const struct lsh_ctx *c = ctx;
    if (c->p->verify != RP_VERIFY_EXACT) return est;
    const struct rpi_docslot *a = rpi_doc(c->docs, c->nr->unit_doc[ua]),
                             *b = rpi_doc(c->docs, c->nr->unit_doc[ub]);
    return rp_jaccard_sorted(rpi_spill_set(c->spills, a), a->n_shingles,
                             rpi_spill_set(c->spills, b), b->n_shingles);
}

void rpi_near_banding(const struct rpi_near_params *p, uint32_t *bands, uint32_t *rows)
{
    *bands = p->bands;
    *rows = p->rows;
    if (!*bands || !*rows) rp_lsh_params(p->threshold, p->num_perm, 0.9, bands, rows);
}

uint64_t rpi_band_key(const uint32_t *sig, uint32_t b, uint32_t rows)
{
    return XXH3_64bits_withSeed(sig + (size_t)b * rows, rows * sizeof *sig, b);
}

rp_status rpi_band_pairs(const struct rpi_band_entry *ent, size_t n, uint32_t b, uint32_t rows,
                         const struct rpi_near_params *p,
                         const uint32_t *(*sig_of)(void *, uint32_t),
                         double (*verify)(void *, uint32_t, uint32_t, double), void *ctx,
                         size_t cap_edges, struct rpi_vec *edges, uint64_t *n_cand)
{
    const uint32_t k = p->num_perm;
    for (size_t s = 0; s < n;) {
        size_t t = s + 1;
        while (t < n && ent[t].key == ent[s].key)
            t++;
        const size_t lead_end = t - s > p->max_bucket ? s + p->max_bucket : t;
        for (size_t x = s; x < lead_end; x++) {
            const uint32_t ux = ent[x].unit;
            const uint32_t *sx = sig_of(ctx, ux);
            for (size_t y = x + 1; y < t; y++) {
                const uint32_t uy = ent[y].unit;
                const uint32_t *sy = sig_of(ctx, uy);
                /* verify each pair once: only in the first band where its rows agree */
                int earlier = 0;
                for (uint32_t b2 = 0; b2 < b && !earlier; b2++)
                    earlier = memcmp(sx + (size_t)b2 * rows, sy + (size_t)b2 * rows,
                                     rows * sizeof *sx) == 0;
                if (earlier) continue;
                (*n_cand)++;
                const double est = rp_minhash_similarity(sx, sy, k);
                const double score = verify ? verify(ctx, ux, uy, est) : est;
                if (score + 1e-12 < p->threshold) continue;
                const struct rpi_edge ed = {ux < uy ? ux : uy, ux < uy ? uy : ux, (float)score};
                if (edges->len + 1 > cap_edges) return RP_E_TOO_BIG; /* reported by caller */
                RP_TRY(rpi_vec_push(edges, &ed));
            }
        }
        s = t;
    }
    return RP_OK;
}

static rp_status lsh_thread(void *ctx, size_t lo, size_t hi, unsigned tid)
{
    (void)lo;
    (void)hi;
    struct lsh_ctx *c = ctx;
    struct lsh_job *j = &c->jobs[tid];
    const struct rpi_near *nr = c->nr;
    const struct rpi_near_params *p = c->p;
    const uint32_t nu = nr->n_units, r = nr->rows;
    struct rpi_band_entry *ent = rpi_malloc(c->alloc, (size_t)(nu ? nu : 1) * sizeof *ent);
    struct rpi_band_entry *tmp = rpi_malloc(c->alloc, (size_t)(nu ? nu : 1) * sizeof *tmp);
    size_t *count = rpi_malloc(c->alloc, 65536 * sizeof *count);
    rp_status st = RP_OK;
    if (!ent || !tmp || !count) {
        st = RP_E_NOMEM;
        goto out;
    }
    /* the edges of all threads together stay under the memory cap */
    const uint64_t room = p->mem_limit > p->mem_used ? p->mem_limit - p->mem_used : 0;
    const size_t cap_edges = (size_t)(room / sizeof(struct rpi_edge) / c->nt);
    for (uint32_t b = tid; b < nr->bands && st == RP_OK; b += c->nt) {
        for (uint32_t u = 0; u < nu; u++) {
            ent[u].key = rpi_band_key(rpi_sig(c->docs, nr->unit_doc[u]), b, r);
            ent[u].unit = u;
        }
        sort_band(ent, tmp, nu, count);
        st = rpi_band_pairs(ent, nu, b, r, p, unit_sig, verify_pair, c, cap_edges, &j->edges,
                            &j->n_candidates);
    }
out:
    rpi_free(c->alloc, ent);
    rpi_free(c->alloc, tmp);
    rpi_free(c->alloc, count);
    return st;
}

/* Step 4: keep order, exact groups, units. */
rp_status rpi_near_units(struct rpi_near *nr, const struct rpi_near_params *p,
                         const struct rpi_doctab *docs, const rp_alloc *alloc)
{
    const size_t n = docs->n_docs;
    nr->unit_of = rpi_malloc(alloc, (n ? n : 1) * sizeof *nr->unit_of);
    struct order_key *ok = rpi_malloc(alloc, (n ? n : 1) * sizeof *ok);
    struct group_key *gk = NULL;
    rp_status st = RP_OK;
    if (!nr->unit_of || !ok) {
        st = RP_E_NOMEM;
        goto fail;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const struct rpi_docslot *d = rpi_doc(docs, i);
        nr->unit_of[i] = UINT32_MAX;
        if (d->skip != RP_SKIP_NONE) continue;
        if (d->flags & RPI_DOC_EMPTY) continue;
        ok[m++] = (struct order_key){d->norm_size, d->content_hash[0], d->content_hash[1], d->date,
                                     d->id,        (uint32_t)i};
    }
    qsort(ok, m, sizeof *ok, rpi_cluster_keep_cmp(p->keep));
    gk = rpi_malloc(alloc, (m ? m : 1) * sizeof *gk);
    if (!gk) {
        st = RP_E_NOMEM;
        goto fail;
    }
    for (size_t r = 0; r < m; r++) {
        gk[r] = (struct group_key){ok[r].h0, ok[r].h1, (uint32_t)r, ok[r].doc};
    }
    qsort(gk, m, sizeof *gk, cmp_group);
    /* leaders: first of each hash group; mark them, then number units in rank order */
    uint8_t *is_leader = rpi_calloc(alloc, n ? n : 1, 1);
    if (!is_leader) {
        st = RP_E_NOMEM;
        goto fail;
    }
    for (size_t g = 0; g < m; g++)
        if (g == 0 || gk[g].h0 != gk[g - 1].h0 || gk[g].h1 != gk[g - 1].h1)
            is_leader[gk[g].doc] = 1;
    nr->unit_doc = rpi_malloc(alloc, (m ? m : 1) * sizeof *nr->unit_doc);
    if (!nr->unit_doc) {
        rpi_free(alloc, is_leader);
        st = RP_E_NOMEM;
        goto fail;
    }
    uint32_t nu = 0;
    for (size_t r = 0; r < m; r++)
        if (is_leader[ok[r].doc]) {
            nr->unit_of[ok[r].doc] = nu;
            nr->unit_doc[nu++] = ok[r].doc;
        }
    nr->n_units = nu;
    /* members take their leader's unit */
    uint32_t lead_unit = 0;
    for (size_t g = 0; g < m; g++) {
        if (is_leader[gk[g].doc])
            lead_unit = nr->unit_of[gk[g].doc];
        else
            nr->unit_of[gk[g].doc] = lead_unit;
    }
    rpi_free(alloc, is_leader);
    rpi_free(alloc, ok);
    rpi_free(alloc, gk);
    return RP_OK;
fail:
    rpi_free(alloc, ok);
    rpi_free(alloc, gk);
    return st;
}

/* The edges sorted by (v, u), each pair once: a pair can repeat after a band-key hash
 * collision (its rows differ in that band and agree in a later one). */
static rp_status sort_edges(struct rpi_near *nr)
{
    struct rpi_edge *all = nr->edges;
    const size_t n = nr->n_edges;
    if (n) qsort(all, n, sizeof *all, cmp_edge);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || all[m - 1].u != all[i].u || all[m - 1].v != all[i].v) all[m++] = all[i];
    nr->n_edges = m;
    return RP_OK;
}

/* Steps 5-6: candidate edges between units. */
static rp_status find_edges(struct rpi_near *nr, const struct rpi_near_params *p,
                            const struct rpi_doctab *docs, const struct rpi_spill *spills,
                            const rp_alloc *alloc)
{
    if (p->level == RP_LEVEL_EXACT) return RP_OK;
    uint32_t bands, rows;
    rpi_near_banding(p, &bands, &rows);
    nr->bands = bands;
    nr->rows = rows;
    if (p->edges_fn) { /* a distributed run: every rank takes part, also with < 2 units */
        RP_TRY(p->edges_fn(p->edges_ctx, nr, p, bands, rows));
        return sort_edges(nr);
    }
    if (nr->n_units < 2) return RP_OK;
    unsigned nt = p->threads ? p->threads : 1;
    if (nt > bands) nt = bands;
    if (nt > RPI_MAX_THREADS) nt = RPI_MAX_THREADS;
    struct lsh_ctx *c = rpi_calloc(alloc, 1, sizeof *c);
    if (!c) return RP_E_NOMEM;
    *c = (struct lsh_ctx){
        .nr = nr, .p = p, .docs = docs, .spills = spills, .alloc = alloc, .nt = nt};
    for (unsigned t = 0; t < nt; t++)
        rpi_vec_init(&c->jobs[t].edges, sizeof(struct rpi_edge), alloc);
    rp_status st = rpi_parallel_for(nt, nt, NULL, lsh_thread, c);
    size_t total = 0;
    for (unsigned t = 0; t < nt; t++) {
        total += c->jobs[t].edges.len;
        nr->n_candidates += c->jobs[t].n_candidates;
    }
    struct rpi_edge *all = NULL;
    if (st == RP_OK) {
        all = rpi_malloc(alloc, (total ? total : 1) * sizeof *all);
        if (!all) st = RP_E_NOMEM;
    }
    size_t n = 0;
    for (unsigned t = 0; t < nt; t++) {
        if (all)
            for (size_t i = 0; i < c->jobs[t].edges.len; i++)
                all[n++] = RPI_VEC_AT(&c->jobs[t].edges, struct rpi_edge, i);
        rpi_vec_free(&c->jobs[t].edges);
    }
    rpi_free(alloc, c);
    if (st != RP_OK) {
        rpi_free(alloc, all);
        if (st == RP_E_INTERNAL) snprintf(nr->errmsg, sizeof nr->errmsg, "cannot start LSH thread");
        if (st == RP_E_TOO_BIG)
            snprintf(nr->errmsg, sizeof nr->errmsg,
                     "verified pairs would exceed the memory cap (%llu MiB); raise "
                     "--max-memory or the --threshold",
                     (unsigned long long)(p->mem_limit >> 20));
        return st;
    }
    nr->edges = all;
    nr->n_edges = n;
    return sort_edges(nr);
}

/* Stage 7: star clustering. Units are visited by decreasing degree (number of verified
 * edges), ties in keep order: the most connected version (in practice the one the others
 * were copied from) becomes a centre first, so copies that each differ from the original in
 * their own way (one gains boilerplate, another typos) still meet at it. A unit joins the
 * already-decided centre it has the best verified score with, else becomes a centre. The
 * centre is the cluster's representative, so every member is verified against it. Measured
 * on bench/make_near_corpus.py (seed 1): pair recall 0.959 when centres are taken in keep
 * order (longest first picks the copy with the most boilerplate), 0.997 by degree. */
struct degree_key {
    uint32_t degree, unit;
};

static int cmp_degree(const void *pa, const void *pb)
{
    const struct degree_key *a = pa, *b = pb;
    if (a->degree != b->degree) return a->degree > b->degree ? -1 : 1;
    return a->unit < b->unit ? -1 : a->unit > b->unit; /* unit numbers are keep order */
}

rp_status rpi_cluster_star(const rp_alloc *alloc, uint32_t nu, const struct rpi_edge *edges,
                           size_t n_edges, uint32_t *center, float *center_score)
{
    rp_status st = RP_E_NOMEM;
    size_t *off = rpi_calloc(alloc, (size_t)nu + 1, sizeof *off);
    struct rpi_edge *adj = rpi_malloc(alloc, (2 * n_edges + 1) * sizeof *adj);
    struct degree_key *order = rpi_malloc(alloc, ((size_t)nu + 1) * sizeof *order);
    uint32_t *pos = rpi_malloc(alloc, ((size_t)nu + 1) * sizeof *pos);
    if (!off || !adj || !order || !pos) goto out;
    for (uint32_t u = 0; u < nu; u++)
        center[u] = u;
    /* adjacency lists (CSR); adj[k].u is the neighbour */
    for (size_t k = 0; k < n_edges; k++) {
        off[edges[k].u + 1]++;
        off[edges[k].v + 1]++;
    }
    for (uint32_t u = 0; u < nu; u++) {
        order[u] = (struct degree_key){(uint32_t)off[u + 1], u};
        off[u + 1] += off[u];
    }
    for (size_t k = 0; k < n_edges; k++) {
        adj[off[edges[k].u]++] = (struct rpi_edge){edges[k].v, edges[k].u, edges[k].score};
        adj[off[edges[k].v]++] = (struct rpi_edge){edges[k].u, edges[k].v, edges[k].score};
    }
    for (uint32_t u = nu; u > 0; u--)
        off[u] = off[u - 1];
    off[0] = 0;
    qsort(order, nu, sizeof *order, cmp_degree);
    for (uint32_t i = 0; i < nu; i++)
        pos[order[i].unit] = i;
    for (uint32_t i = 0; i < nu; i++) {
        const uint32_t v = order[i].unit;
        uint32_t best = v;
        float best_score = 0.0f;
        for (size_t k = off[v]; k < off[v + 1]; k++) {
            const uint32_t u = adj[k].u;
            if (pos[u] > i || center[u] != u) continue; /* undecided, or not a centre */
            if (best == v || adj[k].score > best_score ||
                (adj[k].score == best_score && pos[u] < pos[best])) {
                best = u;
                best_score = adj[k].score;
            }
        }
        center[v] = best;
        center_score[v] = best == v ? 0.0f : best_score;
    }
    st = RP_OK;
out:
    rpi_free(alloc, off);
    rpi_free(alloc, adj);
    rpi_free(alloc, order);
    rpi_free(alloc, pos);
    return st;
}

rp_status rpi_near_cluster(struct rpi_near *nr, const struct rpi_near_params *p,
                           const struct rpi_doctab *docs, const struct rpi_spill *spills,
                           const rp_alloc *alloc)
{
    RP_TRY(find_edges(nr, p, docs, spills, alloc));
    const uint32_t nu = nr->n_units;
    nr->center = rpi_malloc(alloc, (nu ? nu : 1) * sizeof *nr->center);
    nr->center_score = rpi_malloc(alloc, (nu ? nu : 1) * sizeof *nr->center_score);
    nr->cluster_size = rpi_calloc(alloc, nu ? nu : 1, sizeof *nr->cluster_size);
    if (!nr->center || !nr->center_score || !nr->cluster_size) return RP_E_NOMEM;
    RP_TRY(rpi_cluster_star(alloc, nu, nr->edges, nr->n_edges, nr->center, nr->center_score));
    for (size_t i = 0; i < docs->n_docs; i++)
        if (nr->unit_of[i] != UINT32_MAX) nr->cluster_size[nr->center[nr->unit_of[i]]]++;
    /* pairs: exact links to their group leader (in document order), then verified near
     * edges (sorted by later unit, then earlier); materialised on demand by the drivers */
    size_t n_exact = 0;
    for (size_t i = 0; i < docs->n_docs; i++)
        if (nr->unit_of[i] != UINT32_MAX && nr->unit_doc[nr->unit_of[i]] != i) n_exact++;
    nr->exact_docs = rpi_malloc(alloc, (n_exact ? n_exact : 1) * sizeof *nr->exact_docs);
    if (!nr->exact_docs) return RP_E_NOMEM;
    n_exact = 0;
    for (size_t i = 0; i < docs->n_docs; i++)
        if (nr->unit_of[i] != UINT32_MAX && nr->unit_doc[nr->unit_of[i]] != i)
            nr->exact_docs[n_exact++] = (uint32_t)i;
    nr->n_exact_pairs = n_exact;
    return RP_OK;
}

void rpi_near_free(struct rpi_near *nr, const rp_alloc *alloc)
{
    rpi_free(alloc, nr->unit_of);
    rpi_free(alloc, nr->unit_doc);
    rpi_free(alloc, nr->center);
    rpi_free(alloc, nr->center_score);
    rpi_free(alloc, nr->cluster_size);
    rpi_free(alloc, nr->edges);
    rpi_free(alloc, nr->exact_docs);
    memset(nr, 0, sizeof *nr);
}
