/* SPDX-License-Identifier: MIT */
/* dist_near.c -- stage near's LSH and verification over the ranks, with the signatures left
 * on the ranks that computed them (near level, --verify signature, more than one rank).
 *
 * Rank 0 holds the document table without signatures (about 150 of the ~700 bytes a document
 * costs there at the near level) and forms the units in keep order (rpi_near_units); its
 * stage near then calls dist_near_edges instead of running LSH over signatures. Every rank
 * holds the signatures of its own pieces (their stage files read back into a table of its
 * own). Per round of up to BANDS_PER_ROUND bands, in three all-to-all exchanges:
 *   1. each rank sends (band key, unit) of the units it leads to the key's owner rank;
 *   2. the owner groups them by key, band and unit (the batch run's order in a bucket), and
 *      asks the other ranks for the signatures of the members of buckets with two or more
 *      units, each unit once (those it holds itself it reads in place);
 *   3. they send those signatures; the owner runs rpi_band_pairs, the batch run's bucket
 *      loop (max_bucket, first band where the rows agree, the MinHash estimate, threshold).
 * The edges go to rank 0, which sorts them as the batch run does: the same edge set, so the
 * same clusters and output. Traffic: per band 16 bytes per unit; per round 8 + 4 x num_perm
 * bytes per unit in a bucket of two or more whose key another rank owns. Any rank's failure
 * is agreed on after every round, so all stop together. */
#include <inttypes.h> /* PRIx64 */
#include <stdio.h>    /* snprintf */
#include <stdlib.h>   /* qsort */
#include <string.h>   /* memcpy, memset */
#include <xxhash.h>   /* XXH3_64bits */
#include "dist_internal.h"
#include "dist_transport.h"

/* what every rank must know; sent by rank 0 */
struct hdr {
    int64_t go; /* 0: no LSH (rank 0 failed before it, or another level) */
    uint64_t n_units, bands, rows, num_perm, max_bucket, n_pieces;
    double threshold;
};

struct dentry {
    uint64_t key;
    uint32_t unit;
    uint16_t band; /* within the round's group */
    uint16_t src;  /* the rank that sent it (stage 3a runs with at most 65,535 ranks) */
};

static int cmp_dentry(const void *pa, const void *pb)
{
    const struct dentry *a = pa, *b = pb;
    if (a->band != b->band) return a->band < b->band ? -1 : 1;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return a->unit < b->unit ? -1 : a->unit > b->unit;
}

/* Bands per round: each collective costs a round trip that, on a loaded or oversubscribed
 * machine, is milliseconds to tens of them (Reuters 100k, 2 ranks on 2 busy cores: 10.2 s for
 * 32 rounds of one band); a group of 8 keeps 16 bytes x 8 per unit in flight. A round's
 * entries are held about three times (sent, received, the sort's scratch), so fewer bands go
 * in a round when a rank's share of the units would pass ROUND_BYTES of entries (1M
 * documents, 2 ranks: rank 0 grew by 317 MiB in stage 3a with 8 bands of 450k units). The
 * same on every rank: it depends on the unit count and N only. */
#define BANDS_PER_ROUND 8u
#define ROUND_BYTES ((uint64_t)32 << 20)

static uint32_t bands_per_round(const struct hdr *h, int size)
{
    const uint64_t per_band = (h->n_units / (uint64_t)size + 1) * sizeof(struct dentry);
    const uint64_t g = ROUND_BYTES / per_band;
    return g < 1 ? 1u : g > BANDS_PER_ROUND ? BANDS_PER_ROUND : (uint32_t)g;
}

/* A unit's signature fetched from another rank: (unit, where it is in a received block). */
struct usig {
    uint64_t unit; /* first: the radix sort's key */
    const uint32_t *sig;
};

/* The signatures fetched from other ranks, kept for the later rounds: a unit whose buckets
 * this rank owns in several rounds is fetched once (at 100k documents, 2 ranks: 45 MiB sent
 * per rank in stage 3a when each round fetched its own). */
struct sigcache {
    const struct rpi_dnear *dn;
    struct usig *v; /* sorted by unit */
    size_t n, cap;
    char **blocks; /* the received blocks v points into, one per round */
    size_t n_blocks, cap_blocks;
};

/* Where unit u is in c->v (c->n when absent). */
static size_t cache_find(const struct sigcache *c, uint32_t u)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (c->v[mid].unit < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->n && c->v[lo].unit == u ? lo : c->n;
}

static void cache_free(struct sigcache *c, const rp_alloc *al)
{
    for (size_t i = 0; i < c->n_blocks; i++)
        rpi_free(al, c->blocks[i]);
    rpi_free(al, c->blocks);
    rpi_free(al, c->v);
    memset(c, 0, sizeof *c);
}

/* This rank's document for global document d, or NULL when another rank holds it. */
static const uint32_t *local_sig(const struct rpi_dnear *dn, uint64_t d)
{
    size_t lo = 0, hi = dn->n_own;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (dn->own[mid].gstart + dn->own[mid].n <= d)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == dn->n_own || d < dn->own[lo].gstart) return NULL;
    return dn->own[lo].sigs + (size_t)(d - dn->own[lo].gstart) * dn->num_perm;
}

static const uint32_t *map_sig(void *ctx, uint32_t u)
{
    const struct sigcache *c = ctx;
    const uint32_t *own = local_sig(c->dn, c->dn->unit_doc[u]);
    if (own) return own;               /* this rank's own: never sent to itself */
    return c->v[cache_find(c, u)].sig; /* present: every other member's signature was sent */
}

/* Bytes of an exchange with offsets off that leave this rank (its own part stays). */
static uint64_t leaving(const size_t *off, int n, int me)
{
    return (uint64_t)(off[n] - (off[me + 1] - off[me]));
}

static size_t owner_of(uint64_t key, int size) { return (size_t)((key >> 40) % (uint64_t)size); }

/* Bands [b0, b0 + g) on every rank: exchanges 1-3 and the owner's pairs. Each buffer is freed
 * as soon as it is spent, and none is copied: the round's peak is its largest two. */
static rp_status one_round(struct rpi_dnear *dn, const struct hdr *h,
                           const struct rpi_near_params *p, uint32_t b0, uint32_t g,
                           const uint32_t *lead, const uint32_t *const *lsig, size_t n_lead,
                           struct rpi_vec *edges, uint64_t *n_cand, size_t cap_edges,
                           struct sigcache *cache)
{
    const rp_alloc *al = dn->alloc;
    const int n = rpi_tr_size(), me = rpi_tr_rank();
    const size_t k = h->num_perm, n_send = n_lead * g;
    const uint32_t rows = (uint32_t)h->rows;
    rp_status st = RP_OK;
    size_t *off = rpi_calloc(al, 3 * ((size_t)n + 1), sizeof *off);
    size_t *rcnt = off + n + 1, *fill = rcnt + n + 1;
    struct dentry *send = NULL, *tmp = NULL;
    char *recv = NULL, *rq = NULL, *rs = NULL;
    uint32_t *req = NULL;
    char *sig_out = NULL;
    struct rpi_band_entry *ent = NULL;
    /* A rank failing on its own before an exchange would leave the others waiting in it: every
     * failure up to the last exchange is agreed on (rpi_tr_agree) before the next one. */
    if (!off) return rpi_tr_agree(RP_E_NOMEM);
    /* 1: (key, unit) of every band of the group to the key's owner, placed by destination
     * from the keys hashed once (8 bytes an entry, freed before the exchange) */
    uint64_t *keys = rpi_malloc(al, (n_send ? n_send : 1) * sizeof *keys);
    send = rpi_malloc(al, (n_send ? n_send : 1) * sizeof *send);
    if (!keys || !send || rpi_dist_fault("keys")) {
        rpi_free(al, keys);
        st = rpi_tr_agree(RP_E_NOMEM);
        goto out;
    }
    for (size_t i = 0; i < n_lead; i++)
        for (uint32_t j = 0; j < g; j++) {
            keys[i * g + j] = rpi_band_key(lsig[i], b0 + j, rows);
            off[owner_of(keys[i * g + j], n) + 1]++;
        }
    for (int d = 0; d < n; d++)
        off[d + 1] += off[d];
    memcpy(fill, off, (size_t)n * sizeof *fill);
    for (size_t i = 0; i < n_send; i++)
        send[fill[owner_of(keys[i], n)]++] =
            (struct dentry){keys[i], lead[i / g], (uint16_t)(i % g), 0};
    rpi_free(al, keys);
    for (int d = 0; d <= n; d++)
        off[d] *= sizeof *send;
    dn->my_sent += leaving(off, n, me);
    if ((st = rpi_tr_agree(RP_OK)) != RP_OK) goto out;
    if ((st = rpi_tr_alltoallv(send, off, &recv, rcnt, al)) != RP_OK) goto out;
    rpi_free(al, send);
    send = NULL;
    struct dentry *got = (struct dentry *)recv;
    size_t n_got = 0;
    for (int s = 0; s < n; s++) {
        for (size_t i = 0; i < rcnt[s] / sizeof *got; i++)
            got[n_got + i].src = (uint16_t)s;
        n_got += rcnt[s] / sizeof *got;
    }
    /* buckets: by key (radix sort: qsort of the whole round took 0.08 s of its ~0.25 s at
     * 100k documents), then the few entries of one key by band and unit, the batch run's
     * bucket order (any bucket order gives the same edge set) */
    tmp = rpi_malloc(al, (n_got ? n_got : 1) * sizeof *tmp);
    if (!tmp) {
        st = rpi_tr_agree(RP_E_NOMEM);
        goto out;
    }
    rpi_radix_rec(got, tmp, n_got, sizeof *got);
    rpi_free(al, tmp);
    tmp = NULL;
    size_t m = 0; /* keep the members of buckets of two or more, in order */
    for (size_t s = 0; s < n_got;) {
        size_t t = s + 1;
        while (t < n_got && got[t].key == got[s].key)
            t++;
        if (t - s >= 2) qsort(got + s, t - s, sizeof *got, cmp_dentry);
        for (size_t x = s; x < t;) {
            size_t y = x + 1;
            while (y < t && got[y].band == got[x].band)
                y++;
            if (y - x >= 2)
                for (size_t i = x; i < y; i++)
                    got[m++] = got[i];
            x = y;
        }
        s = t;
    }
    /* 2: ask each other rank for the signatures of its units among them that no earlier
     * round fetched, each unit once */
    memset(off, 0, ((size_t)n + 1) * sizeof *off);
    for (size_t i = 0; i < m; i++)
        if (got[i].src != me && cache_find(cache, got[i].unit) == cache->n) off[got[i].src + 1]++;
    for (int d = 0; d < n; d++)
        off[d + 1] += off[d];
    req = rpi_malloc(al, (off[n] ? off[n] : 1) * sizeof *req);
    if (!req || rpi_dist_fault("requests")) {
        st = rpi_tr_agree(RP_E_NOMEM);
        goto out;
    }
    memcpy(fill, off, (size_t)n * sizeof *fill);
    for (size_t i = 0; i < m; i++)
        if (got[i].src != me && cache_find(cache, got[i].unit) == cache->n)
            req[fill[got[i].src]++] = got[i].unit;
    {
        size_t w = 0;
        for (int d = 0; d < n; d++) { /* sort and deduplicate each rank's list */
            const size_t lo = off[d], hi = off[d + 1];
            rpi_qsort_u32(req + lo, hi - lo);
            off[d] = w;
            for (size_t i = lo; i < hi; i++)
                if (i == lo || req[i] != req[i - 1]) req[w++] = req[i];
        }
        off[n] = w;
    }
    for (int d = 0; d <= n; d++)
        off[d] *= sizeof *req;
    dn->my_sent += leaving(off, n, me);
    if ((st = rpi_tr_agree(RP_OK)) != RP_OK) goto out;
    if ((st = rpi_tr_alltoallv(req, off, &rq, rcnt, al)) != RP_OK) goto out;
    rpi_free(al, req);
    req = NULL;
    /* 3: the signatures asked for, each as (unit, num_perm values), in slices of at most
     * `slice` per pair of ranks: the answers of a round are never all in memory at once on
     * the sending side (1M documents, 2 ranks: 72 MB in the first round) */
    const size_t rec = sizeof(uint32_t) * (1 + k);
    const size_t slice = ROUND_BYTES / ((uint64_t)n * rec) ? ROUND_BYTES / ((uint64_t)n * rec) : 1;
    size_t *aoff = rpi_malloc(al, ((size_t)n + 1) * sizeof *aoff); /* requests of rank s */
    if (!aoff) {
        st = rpi_tr_agree(RP_E_NOMEM);
        goto out;
    }
    int64_t n_slices = 0;
    aoff[0] = 0;
    for (int s = 0; s < n; s++) {
        const size_t c = rcnt[s] / sizeof(uint32_t);
        aoff[s + 1] = aoff[s] + c;
        if ((int64_t)((c + slice - 1) / slice) > n_slices)
            n_slices = (int64_t)((c + slice - 1) / slice);
    }
    st = rpi_tr_agree(RP_OK);
    if (st == RP_OK) st = rpi_tr_max_i64(&n_slices); /* every rank runs as many exchanges */
    if (st == RP_OK)
        sig_out = rpi_malloc(al, (aoff[n] < n * slice ? aoff[n] : n * slice) * rec + 1);
    if (st == RP_OK && (!sig_out || rpi_dist_fault("signatures"))) st = RP_E_NOMEM;
    const uint32_t *asked = (const uint32_t *)rq;
    /* a slice's failure (here or the last one's) agreed on before its exchange: the loop runs
     * on every rank as long as on the others, so the break is taken by all at once */
    for (int64_t q = 0; q < n_slices && (st = rpi_tr_agree(st)) == RP_OK; q++) {
        size_t w = 0;
        off[0] = 0;
        for (int s = 0; s < n && st == RP_OK; s++) {
            const size_t lo = aoff[s] + (size_t)q * slice < aoff[s + 1]
                                  ? aoff[s] + (size_t)q * slice
                                  : aoff[s + 1];
            const size_t hi = aoff[s + 1] - lo > slice ? lo + slice : aoff[s + 1];
            for (size_t i = lo; i < hi; i++, w++) {
                const uint32_t u = asked[i];
                const uint32_t *sg = local_sig(dn, dn->unit_doc[u]);
                if (!sg) { /* asked for a unit this rank does not hold: a broken invariant */
                    st = RP_E_INTERNAL;
                    break;
                }
                memcpy(sig_out + w * rec, &u, sizeof u);
                memcpy(sig_out + w * rec + sizeof u, sg, k * sizeof *sg);
            }
            off[s + 1] = w * rec;
        }
        if (st != RP_OK) continue; /* agreed on at the loop's head */
        dn->my_sent += leaving(off, n, me);
        if ((st = rpi_tr_alltoallv(sig_out, off, &rs, rcnt, al)) != RP_OK) break;
        size_t n_sigs = 0;
        for (int s = 0; s < n; s++)
            n_sigs += rcnt[s] / rec;
        if (rpi_array_reserve(al, (void **)&cache->v, &cache->cap, sizeof *cache->v,
                              cache->n + n_sigs + 1) != RP_OK ||
            rpi_array_reserve(al, (void **)&cache->blocks, &cache->cap_blocks,
                              sizeof *cache->blocks, cache->n_blocks + 1) != RP_OK) {
            st = RP_E_NOMEM;
            continue; /* agreed on at the loop's head */
        }
        for (size_t i = 0; i < n_sigs; i++) {
            uint32_t u;
            memcpy(&u, rs + i * rec, sizeof u);
            cache->v[cache->n + i] =
                (struct usig){u, (const uint32_t *)(rs + i * rec + sizeof(uint32_t))};
        }
        cache->n += n_sigs;
        cache->blocks[cache->n_blocks++] = rs; /* the cache points into it from now on */
        rs = NULL;
    }
    rpi_free(al, aoff);
    rpi_free(al, rq);
    rq = NULL;
    rpi_free(al, sig_out);
    sig_out = NULL;
    if (st != RP_OK) goto out;
    ent = rpi_malloc(al, (m ? m : 1) * sizeof *ent);
    struct usig *mtmp = rpi_malloc(al, (cache->n + 1) * sizeof *mtmp);
    if (!ent || !mtmp) {
        rpi_free(al, mtmp);
        st = RP_E_NOMEM;
        goto out;
    }
    rpi_radix_rec(cache->v, mtmp, cache->n, sizeof *cache->v);
    rpi_free(al, mtmp);
    /* the batch run's bucket loop, bucket by bucket */
    for (size_t s = 0; s < m && st == RP_OK;) {
        size_t t = s;
        while (t < m && got[t].band == got[s].band && got[t].key == got[s].key) {
            ent[t - s] = (struct rpi_band_entry){got[t].key, got[t].unit};
            t++;
        }
        st = rpi_band_pairs(ent, t - s, b0 + got[s].band, rows, p, map_sig, NULL, cache, cap_edges,
                            edges, n_cand);
        s = t;
    }
out:
    rpi_free(al, off);
    rpi_free(al, send);
    rpi_free(al, tmp);
    rpi_free(al, recv);
    rpi_free(al, req);
    rpi_free(al, rq);
    rpi_free(al, sig_out);
    rpi_free(al, rs);
    rpi_free(al, ent);
    return st;
}

/* Every rank from the header on: the units, the bands, the edges to rank 0. */
static rp_status run_bands(struct rpi_dnear *dn, struct hdr *h, struct rpi_near *nr)
{
    const rp_alloc *al = dn->alloc;
    const int rank = rpi_tr_rank(), size = rpi_tr_size();
    rp_status st = RP_OK;
    /* piece sizes (documents), then the unit leaders; a rank's own pieces get global starts */
    uint64_t *pdocs = rpi_calloc(al, h->n_pieces ? h->n_pieces : 1, sizeof *pdocs);
    if (!pdocs) return RP_E_NOMEM; /* no way to take part: the job ends at the next collective */
    if (rank == 0) memcpy(pdocs, dn->piece_docs, h->n_pieces * sizeof *pdocs);
    RP_TRY(rpi_tr_bcast(pdocs, h->n_pieces * sizeof *pdocs));
    if (rank != 0) {
        dn->unit_doc = rpi_malloc(al, (h->n_units ? h->n_units : 1) * sizeof *dn->unit_doc);
        if (!dn->unit_doc) return RP_E_NOMEM;
    } else {
        dn->unit_doc = nr->unit_doc;
    }
    RP_TRY(rpi_tr_bcast(dn->unit_doc, h->n_units * sizeof *dn->unit_doc));
    uint64_t g = 0;
    for (size_t i = 0, j = 0; i < h->n_pieces; i++) {
        if (j < dn->n_own && dn->own[j].piece == i) dn->own[j++].gstart = g;
        g += pdocs[i];
    }
    rpi_free(al, pdocs);
    size_t n_lead = 0;
    uint32_t *lead = rpi_malloc(al, (h->n_units ? h->n_units : 1) * sizeof *lead);
    const uint32_t **lsig = rpi_malloc(al, (h->n_units ? h->n_units : 1) * sizeof *lsig);
    if (!lead || !lsig) st = RP_E_NOMEM;
    for (uint64_t u = 0; u < h->n_units && st == RP_OK; u++) {
        const uint32_t *sg = local_sig(dn, dn->unit_doc[u]);
        if (sg) {
            lead[n_lead] = (uint32_t)u;
            lsig[n_lead++] = sg;
        }
    }
    struct rpi_near_params p;
    memset(&p, 0, sizeof p);
    p.threshold = h->threshold;
    p.num_perm = (unsigned)h->num_perm;
    p.max_bucket = h->max_bucket;
    struct rpi_vec edges;
    rpi_vec_init(&edges, sizeof(struct rpi_edge), al);
    uint64_t n_cand = 0;
    const size_t cap_edges = dn->cap_edges;
    struct sigcache cache = {dn, NULL, 0, 0, NULL, 0, 0};
    const uint32_t per_round = bands_per_round(h, size);
    for (uint32_t b = 0; b < h->bands; b += per_round) {
        const uint32_t nb = h->bands - b < per_round ? (uint32_t)h->bands - b : per_round;
        if (st == RP_OK)
            st =
                one_round(dn, h, &p, b, nb, lead, lsig, n_lead, &edges, &n_cand, cap_edges, &cache);
        int64_t err = st == RP_OK ? 0 : (int64_t)st;
        const rp_status a = rpi_tr_max_i64(&err); /* everyone stops at the same round */
        if (a != RP_OK) st = a;
        if (err) {
            if (st == RP_OK) st = RP_E_CANCELLED; /* another rank's failure */
            break;
        }
    }
    cache_free(&cache, al);
    rpi_free(al, lead);
    rpi_free(al, lsig);
    /* the candidates counted and the edges, to rank 0, which makes room for all of them and
     * says whether it could before any is sent (a rank 0 leaving the receipts halfway would
     * leave a sender waiting) */
    uint64_t nc[2] = {n_cand, rank != 0 ? edges.len : 0};
    if (st == RP_OK) {
        const rp_status sum = rpi_tr_sum_u64(nc, 2);
        if (sum == RP_OK && rank == 0) {
            st = rpi_vec_reserve(&edges, (size_t)nc[1]);
            if (rpi_dist_fault("edges")) st = RP_E_NOMEM;
        }
        st = sum != RP_OK ? sum : rpi_tr_agree(st);
    }
    if (st == RP_OK && rank != 0) {
        const uint64_t ne = edges.len;
        /* this rank's peak includes the bands; its bytes count the edges */
        const double peak = rpi_peak_rss_mib();
        const uint64_t sent = dn->my_sent + sizeof ne + edges.len * sizeof(struct rpi_edge);
        st = rpi_tr_send(0, &ne, sizeof ne);
        if (st == RP_OK) st = rpi_tr_send(0, edges.ptr, edges.len * sizeof(struct rpi_edge));
        if (st == RP_OK) st = rpi_tr_send(0, &peak, sizeof peak);
        if (st == RP_OK) st = rpi_tr_send(0, &sent, sizeof sent);
    } else if (st == RP_OK) {
        for (int s = 1; s < size && st == RP_OK; s++) {
            uint64_t ne = 0;
            st = rpi_tr_recv(s, &ne, sizeof ne);
            if (st == RP_OK && ne > edges.cap - edges.len) st = RP_E_INTERNAL; /* counted above */
            if (st == RP_OK)
                st = rpi_tr_recv(s, (char *)edges.ptr + edges.len * sizeof(struct rpi_edge),
                                 (size_t)ne * sizeof(struct rpi_edge));
            if (st == RP_OK) edges.len += (size_t)ne;
            double peak = 0.0;
            uint64_t sent = 0;
            if (st == RP_OK) st = rpi_tr_recv(s, &peak, sizeof peak);
            if (st == RP_OK) st = rpi_tr_recv(s, &sent, sizeof sent);
            if (st == RP_OK && (size_t)s < dn->n_peak) {
                dn->peak[s] = peak;
                dn->sent[s] = sent;
            }
        }
        if (st == RP_OK) {
            nr->edges = edges.ptr; /* the vec's buffer, from the same allocator */
            nr->n_edges = edges.len;
            nr->n_candidates = nc[0];
            edges.ptr = NULL;
        }
    }
    rpi_vec_free(&edges);
    if (rank != 0) {
        rpi_free(al, dn->unit_doc);
    }
    dn->unit_doc = NULL;
    return st;
}

/* ---- the bands' checkpoint (rank 0) --------------------------------------------------------
 * Stage 3a is the longest stage of a large near run (10M documents, 2 ranks: 487 of 808 s), so
 * its result is a stage file too: the edges and the candidates counted, under a name holding
 * the plan hash and a hash of what the bands depend on besides the plan (the units, the band
 * layout, num_perm, max_bucket, the threshold). Header: magic, plan hash, that hash,
 * candidates, edges, XXH3-64 of the edges; then the edges. Not fsynced, verified before use,
 * as the units are. */
#define EDGES_MAGIC 0x3145474445445052ull /* "RPDEDGE1" little-endian */
enum { EH_MAGIC, EH_PLAN, EH_KEY, EH_CAND, EH_EDGES, EH_SUM, EH_N };

static void edges_path(const struct rpi_dnear *dn, const struct hdr *h, char *out, size_t cap,
                       uint64_t *key)
{
    const struct hdr k = {0, h->n_units, h->bands, h->rows, h->num_perm, h->max_bucket,
                          h->n_pieces, h->threshold};
    *key = XXH3_64bits(&k, sizeof k);
    snprintf(out, cap, "%s/edges-%016" PRIx64 "-%016" PRIx64 ".rpe", dn->dir, dn->plan_hash,
             *key);
}

/* 1 when the file verified and nr holds its edges. */
static int edges_load(struct rpi_dnear *dn, const struct hdr *h, struct rpi_near *nr)
{
    char path[4400];
    uint64_t key;
    edges_path(dn, h, path, sizeof path, &key);
    struct rpi_buf b;
    rpi_buf_init(&b, 0, dn->alloc);
    int ok = 0;
    uint64_t v[EH_N];
    const size_t es = sizeof(struct rpi_edge);
    if (rpi_dist_read_file(path, &b) == RP_OK) {
        dn->edges_damaged = 1; /* until it verifies */
        if (b.size >= sizeof v) memcpy(v, b.ptr, sizeof v);
        ok = b.size >= sizeof v && v[EH_MAGIC] == EDGES_MAGIC && v[EH_PLAN] == dn->plan_hash &&
             v[EH_KEY] == key && v[EH_EDGES] <= (b.size - sizeof v) / es &&
             b.size == sizeof v + v[EH_EDGES] * es &&
             XXH3_64bits(b.ptr + sizeof v, b.size - sizeof v) == v[EH_SUM];
    }
    if (ok) {
        struct rpi_edge *e = rpi_malloc(dn->alloc, v[EH_EDGES] ? v[EH_EDGES] * es : 1);
        if (!e) ok = 0; /* the bands run instead */
        if (e) {
            memcpy(e, b.ptr + sizeof v, v[EH_EDGES] * es);
            nr->edges = e;
            nr->n_edges = (size_t)v[EH_EDGES];
            nr->n_candidates = v[EH_CAND];
            dn->edges_damaged = 0;
            dn->edges_reused = v[EH_EDGES];
            dn->edges_reused_any = 1;
        }
    }
    rpi_buf_free(&b);
    return ok;
}

/* Best effort: a checkpoint that cannot be written only costs the bands at a restart. */
static void edges_save(const struct rpi_dnear *dn, const struct hdr *h, const struct rpi_near *nr)
{
    char path[4400], msg[512];
    uint64_t key;
    edges_path(dn, h, path, sizeof path, &key);
    const size_t es = sizeof(struct rpi_edge), size = nr->n_edges * es;
    char *buf = rpi_malloc(dn->alloc, EH_N * sizeof(uint64_t) + size);
    if (!buf) return;
    const uint64_t v[EH_N] = {EDGES_MAGIC, dn->plan_hash, key, nr->n_candidates, nr->n_edges,
                              XXH3_64bits(nr->edges, size)};
    memcpy(buf, v, sizeof v);
    if (size) memcpy(buf + sizeof v, nr->edges, size);
    (void)rpi_dist_write_atomic(path, buf, sizeof v + size, 0, msg, sizeof msg);
    rpi_free(dn->alloc, buf);
}

rp_status rpi_dnear_edges(void *ctx, struct rpi_near *nr, const struct rpi_near_params *p,
                          uint32_t bands, uint32_t rows)
{
    struct rpi_dnear *dn = ctx;
    dn->ran = 1;
    struct hdr h = {1,           nr->n_units,   bands,        rows,
                    p->num_perm, p->max_bucket, dn->n_pieces, p->threshold};
    if (dn->dir && dn->resume && edges_load(dn, &h, nr)) {
        struct hdr none;
        memset(&none, 0, sizeof none);
        return rpi_tr_bcast(&none, sizeof none); /* go 0: the other ranks stop waiting */
    }
    RP_TRY(rpi_tr_bcast(&h, sizeof h));
    const rp_status st = run_bands(dn, &h, nr);
    if (st == RP_OK && dn->dir) edges_save(dn, &h, nr);
    return st;
}

rp_status rpi_dnear_release(struct rpi_dnear *dn)
{
    if (dn->ran) return RP_OK;
    struct hdr h;
    memset(&h, 0, sizeof h);
    return rpi_tr_bcast(&h, sizeof h); /* go 0: the other ranks stop waiting */
}

rp_status rpi_dnear_serve(struct rpi_dnear *dn)
{
    struct hdr h;
    RP_TRY(rpi_tr_bcast(&h, sizeof h));
    if (!h.go) return RP_OK;
    return run_bands(dn, &h, NULL);
}
