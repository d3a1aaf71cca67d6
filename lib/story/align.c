/* SPDX-License-Identifier: MIT */
/* align.c -- shared passages between two token sequences (rp_align.h).
 *
 * 1. Seeds: every k-gram of tokens (k = seed) of each text is hashed; the two lists are
 *    sorted by hash and merge-joined. A k-gram occurring more than max_seed_occ times in
 *    either text, or containing a 0 token, is not a seed.
 * 2. Chains: hits (i, j) are visited by i; a hit extends the open chain whose last hit
 *    (li, lj) is before it in both texts by at most max_gap + k tokens and whose diagonal
 *    (j - i) differs by at most max_gap (an insertion or deletion), preferring the nearest
 *    diagonal. So small edits inside a passage (a word changed, added or dropped) do not cut
 *    it in two, while unrelated seeds far apart never join.
 * 3. Passages: a chain spanning min_words tokens in both texts, with at least half of its
 *    span in a covered by seeds. Overlapping passages are resolved greedily, most matched
 *    tokens first, so each stretch of either text is paired with at most one stretch of the
 *    other. */
#include <stdlib.h> /* qsort */
#include <string.h> /* memset */
#include "reprint/rp_align.h"
#include "common/common_internal.h"
#include "align_internal.h"

struct chain {
    uint32_t first_i, first_j, last_i, last_j;
    uint32_t matched;   /* tokens of a covered so far */
    uint32_t cover_end; /* end of the covered stretch in a */
    int open;
};

struct rp_aligner {
    rp_align_params p;
    const rp_alloc *alloc;
    rp_alloc alloc_copy;
    uint64_t *sa, *sb; /* seeds: hash << 32 | position, sorted */
    size_t cap_sa, cap_sb;
    uint64_t *hits; /* i << 32 | j */
    size_t cap_hits;
    uint64_t *tmp; /* sort scratch */
    size_t cap_tmp;
    struct chain *chains;
    size_t cap_chains;
    uint32_t *open; /* indices of open chains */
    size_t cap_open;
    rp_passage *out;
    size_t cap_out;
    uint8_t *used_a, *used_b;
    size_t cap_ua, cap_ub;
};

void rp_align_params_default(rp_align_params *p)
{
    p->seed = 3;
    p->min_words = 10;
    p->max_gap = 4;
    p->max_seed_occ = 8;
}

rp_status rp_aligner_create(rp_aligner **out, const rp_align_params *p, const rp_alloc *alloc)
{
    *out = NULL;
    rp_align_params d;
    rp_align_params_default(&d);
    if (p) d = *p;
    if (d.seed < 1 || d.seed > 16 || d.min_words < 1 || d.min_words > 1000000 || d.max_gap > 64 ||
        d.max_seed_occ < 1 || d.max_seed_occ > 4096)
        return RP_E_INVALID;
    rp_aligner *al = rpi_calloc(alloc, 1, sizeof *al);
    if (!al) return RP_E_NOMEM;
    if (alloc) {
        al->alloc_copy = *alloc;
        al->alloc = &al->alloc_copy;
    }
    al->p = d;
    *out = al;
    return RP_OK;
}

void rp_aligner_free(rp_aligner *al)
{
    if (!al) return;
    rpi_free(al->alloc, al->sa);
    rpi_free(al->alloc, al->sb);
    rpi_free(al->alloc, al->hits);
    rpi_free(al->alloc, al->tmp);
    rpi_free(al->alloc, al->chains);
    rpi_free(al->alloc, al->open);
    rpi_free(al->alloc, al->out);
    rpi_free(al->alloc, al->used_a);
    rpi_free(al->alloc, al->used_b);
    rpi_free(al->alloc, al);
}

static int cmp_matched(const void *pa, const void *pb)
{
    const rp_passage *a = pa, *b = pb;
    if (a->matched != b->matched) return a->matched > b->matched ? -1 : 1;
    if (a->a_start != b->a_start) return a->a_start < b->a_start ? -1 : 1;
    return a->b_start < b->b_start ? -1 : a->b_start > b->b_start;
}

static int cmp_astart(const void *pa, const void *pb)
{
    const rp_passage *a = pa, *b = pb;
    return a->a_start < b->a_start ? -1 : a->a_start > b->a_start;
}

/* Seeds of a token sequence: (32-bit hash of every k-gram without a 0 token) << 32 |
 * position, sorted. out and tmp hold n entries. */
void rpi_align_seeds(const uint32_t *t, size_t n, unsigned k, uint64_t *out, uint64_t *tmp,
                     size_t *m_out)
{
    size_t m = 0;
    *m_out = 0;
    if (n < k) return;
    size_t zero_until = 0; /* first position whose window holds no 0 */
    for (size_t i = 0; i < n; i++)
        if (t[i] == 0) {
            zero_until = i + 1;
        } else if (i + 1 >= k && i + 1 - k >= zero_until) {
            uint64_t h = 0x9E3779B97F4A7C15ull;
            for (size_t x = i + 1 - k; x <= i; x++) {
                h ^= t[x];
                h *= 0xBF58476D1CE4E5B9ull;
                h ^= h >> 29;
            }
            out[m++] = (h & 0xFFFFFFFF00000000ull) | (uint64_t)(i + 1 - k);
        }
    *m_out = m;
    /* positions rise in out: a stable sort by hash sorts the keys */
    if (m < 32)
        rpi_qsort_u64(out, m);
    else
        rpi_radix_u64(out, tmp, m, 32);
}

/* Grow one of the aligner's arrays to hold need elements (common/buf.c). */
#define GROW(al, ptr, cap, need)                                                                   \
    do {                                                                                           \
        void *p_ = (ptr);                                                                          \
        RP_TRY(rpi_array_reserve((al)->alloc, &p_, &(cap), sizeof *(ptr), (need)));                \
        (ptr) = p_;                                                                                \
    } while (0)

static rp_status collect_hits(rp_aligner *al, const uint64_t *sa, size_t ma, const uint64_t *sb,
                              size_t mb, size_t *n_hits)
{
    size_t x = 0, y = 0, nh = 0;
    const unsigned occ = al->p.max_seed_occ;
    while (x < ma && y < mb) {
        const uint64_t ha = sa[x] >> 32, hb = sb[y] >> 32;
        if (ha < hb) {
            x++;
            continue;
        }
        if (ha > hb) {
            y++;
            continue;
        }
        size_t x2 = x, y2 = y;
        while (x2 < ma && sa[x2] >> 32 == ha)
            x2++;
        while (y2 < mb && sb[y2] >> 32 == ha)
            y2++;
        if (x2 - x <= occ && y2 - y <= occ) {
            GROW(al, al->hits, al->cap_hits, nh + (x2 - x) * (y2 - y));
            for (size_t p = x; p < x2; p++)
                for (size_t q = y; q < y2; q++)
                    al->hits[nh++] = (sa[p] & 0xFFFFFFFFull) << 32 | (sb[q] & 0xFFFFFFFFull);
        }
        x = x2;
        y = y2;
    }
    *n_hits = nh;
    return RP_OK;
}

static int64_t diag(uint32_t i, uint32_t j) { return (int64_t)j - (int64_t)i; }

static rp_status chain_hits(rp_aligner *al, size_t nh, size_t *n_chains)
{
    const unsigned k = al->p.seed, reach = al->p.max_gap + k;
    size_t nc = 0, no = 0;
    if (nh < 32) {
        rpi_qsort_u64(al->hits, nh);
    } else {
        GROW(al, al->tmp, al->cap_tmp, nh);
        rpi_radix_u64(al->hits, al->tmp, nh, 0);
    }
    for (size_t h = 0; h < nh; h++) {
        const uint32_t i = (uint32_t)(al->hits[h] >> 32), j = (uint32_t)al->hits[h];
        /* drop chains that can no longer be extended (their last i is too far behind) */
        size_t keep = 0;
        for (size_t o = 0; o < no; o++)
            if (al->chains[al->open[o]].last_i + reach >= i) al->open[keep++] = al->open[o];
        no = keep;
        size_t best = SIZE_MAX;
        int64_t best_dd = INT64_MAX;
        for (size_t o = 0; o < no; o++) {
            const struct chain *c = &al->chains[al->open[o]];
            if (i <= c->last_i || j <= c->last_j || j - c->last_j > reach) continue;
            int64_t dd = diag(i, j) - diag(c->last_i, c->last_j);
            if (dd < 0) dd = -dd;
            if (dd > (int64_t)al->p.max_gap) continue;
            if (dd < best_dd) {
                best_dd = dd;
                best = al->open[o];
            }
        }
        if (best == SIZE_MAX) {
            GROW(al, al->chains, al->cap_chains, nc + 1);
            GROW(al, al->open, al->cap_open, no + 1);
            al->chains[nc] = (struct chain){i, j, i, j, k, i + k, 1};
            al->open[no++] = (uint32_t)nc;
            nc++;
            continue;
        }
        struct chain *c = &al->chains[best];
        const uint32_t from = i > c->cover_end ? i : c->cover_end;
        if (i + k > from) c->matched += i + k - from;
        if (i + k > c->cover_end) c->cover_end = i + k;
        c->last_i = i;
        c->last_j = j;
    }
    *n_chains = nc;
    return RP_OK;
}

rp_status rp_align(rp_aligner *al, const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
                   const rp_passage **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (na >= ((size_t)1 << 31) || nb >= ((size_t)1 << 31)) return RP_E_TOO_BIG;
    const unsigned k = al->p.seed;
    if (na < k || nb < k) return RP_OK;
    GROW(al, al->sa, al->cap_sa, na);
    GROW(al, al->sb, al->cap_sb, nb);
    GROW(al, al->tmp, al->cap_tmp, na > nb ? na : nb);
    size_t ma, mb;
    rpi_align_seeds(a, na, k, al->sa, al->tmp, &ma);
    rpi_align_seeds(b, nb, k, al->sb, al->tmp, &mb);
    return rpi_align_sorted(al, al->sa, ma, na, al->sb, mb, nb, out, n);
}

unsigned rpi_aligner_seed(const rp_aligner *al) { return al->p.seed; }

rp_status rpi_align_sorted(rp_aligner *al, const uint64_t *sa, size_t ma, size_t na,
                           const uint64_t *sb, size_t mb, size_t nb, const rp_passage **out,
                           size_t *n)
{
    *out = NULL;
    *n = 0;
    const unsigned k = al->p.seed;
    size_t nh = 0, nc = 0;
    RP_TRY(collect_hits(al, sa, ma, sb, mb, &nh));
    if (nh == 0) return RP_OK;
    RP_TRY(chain_hits(al, nh, &nc));

    size_t np = 0;
    const unsigned minw = al->p.min_words;
    for (size_t c = 0; c < nc; c++) {
        const struct chain *ch = &al->chains[c];
        const uint32_t a_end = ch->last_i + k, b_end = ch->last_j + k;
        const uint32_t la = a_end - ch->first_i, lb = b_end - ch->first_j;
        if (la < minw || lb < minw || 2u * ch->matched < la) continue;
        GROW(al, al->out, al->cap_out, np + 1);
        al->out[np++] = (rp_passage){ch->first_i, a_end, ch->first_j, b_end, ch->matched};
    }
    if (np == 0) return RP_OK;
    /* greedy: most matched first, no overlap in a nor in b */
    qsort(al->out, np, sizeof *al->out, cmp_matched);
    GROW(al, al->used_a, al->cap_ua, na);
    GROW(al, al->used_b, al->cap_ub, nb);
    memset(al->used_a, 0, na);
    memset(al->used_b, 0, nb);
    size_t kept = 0;
    for (size_t p = 0; p < np; p++) {
        const rp_passage *ps = &al->out[p];
        int clash = 0;
        for (uint32_t x = ps->a_start; x < ps->a_end && !clash; x++)
            clash = al->used_a[x];
        for (uint32_t x = ps->b_start; x < ps->b_end && !clash; x++)
            clash = al->used_b[x];
        if (clash) continue;
        memset(al->used_a + ps->a_start, 1, ps->a_end - ps->a_start);
        memset(al->used_b + ps->b_start, 1, ps->b_end - ps->b_start);
        al->out[kept++] = *ps;
    }
    qsort(al->out, kept, sizeof *al->out, cmp_astart);
    *out = al->out;
    *n = kept;
    return RP_OK;
}
