/* SPDX-License-Identifier: MIT */
/* story_relations.c -- S7 of stage story: each cluster's original and every member's
 * relation to the version it derives from (steps_internal.h). */
#include "steps_internal.h"

/* ---- S7: original and relations --------------------------------------------------------- */

rp_status rpi_story_relations(struct rpi_story *s, const uint32_t *rep)
{
    const uint32_t nu = s->in.n_units;
    const size_t nd = s->in.docs->n_docs;
    /* members of each cluster, grouped: sort units by (rep, unit) */
    uint64_t *mem = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *mem);
    uint32_t *orig =
        rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *orig); /* rep -> original unit */
    double *contain = rpi_calloc(s->in.alloc, nu ? nu : 1, sizeof *contain);
    uint32_t *best = NULL; /* unit -> index of its strongest linked pair in its cluster */
    s->res = rpi_malloc(s->in.alloc, (nd ? nd : 1) * sizeof *s->res);
    rp_status st = RP_E_NOMEM;
    if (!mem || !orig || !contain || !s->res) goto done;
    for (uint32_t u = 0; u < nu; u++)
        mem[u] = (uint64_t)rep[u] << 32 | u;
    if (rpi_sort_u64(s->in.alloc, mem, nu) != RP_OK) goto done;
    /* containment: sum over links inside the cluster of the share of the other unit covered */
    for (size_t k = 0; k < s->n_links; k++) {
        const struct link *l = &s->links[k];
        if (rep[l->a] != rep[l->b]) continue;
        contain[l->a] += l->cover_b;
        contain[l->b] += l->cover_a;
    }
    for (size_t i = 0; i < nu;) {
        size_t j = i;
        const uint32_t r = (uint32_t)(mem[i] >> 32);
        uint32_t cand = r;
        while (j < nu && (uint32_t)(mem[j] >> 32) == r) {
            const uint32_t u = (uint32_t)mem[j];
            const int64_t du = rpi_unit_date(s, u), db = rpi_unit_date(s, cand);
            int better;
            if (du != INT64_MIN && db != INT64_MIN && du != db)
                better = du < db;
            else if ((du == INT64_MIN) != (db == INT64_MIN))
                better = du != INT64_MIN;
            else if (contain[u] != contain[cand])
                better = contain[u] > contain[cand];
            else
                better = u < cand; /* keep order */
            if (better) cand = u;
            j++;
        }
        orig[r] = cand;
        i = j;
    }
    /* each unit's strongest linked pair inside its cluster */
    best = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *best);
    if (!best) goto done;
    for (uint32_t u = 0; u < nu; u++)
        best[u] = UINT32_MAX;
    for (size_t k = 0; k < s->n_links; k++) {
        const struct link *l = &s->links[k];
        if (!l->linked || rep[l->a] != rep[l->b]) continue;
        if (best[l->a] == UINT32_MAX || s->links[best[l->a]].score < l->score)
            best[l->a] = (uint32_t)k;
        if (best[l->b] == UINT32_MAX || s->links[best[l->b]].score < l->score)
            best[l->b] = (uint32_t)k;
    }
    /* per-document results */
    for (size_t i = 0; i < nd; i++) {
        struct rpi_res *r = &s->res[i];
        r->cluster_doc = (uint32_t)i;
        r->of_doc = UINT32_MAX;
        r->score = 0;
        r->relation = RP_REL_UNIQUE;
        const struct rpi_docslot *d = rpi_doc(s->in.docs, i);
        if (d->skip != RP_SKIP_NONE) {
            r->relation = RP_REL_SKIPPED;
            continue;
        }
        const uint32_t u = s->in.unit_of[i];
        if (u == UINT32_MAX) continue;
        const uint32_t o = orig[rep[u]], od = s->in.unit_doc[o];
        r->cluster_doc = od;
        if (s->in.unit_doc[u] != i) { /* an exact copy of its unit's leader */
            r->relation = RP_REL_EXACT;
            r->of_doc = s->in.unit_doc[u];
            r->score = 1;
            continue;
        }
        if (u == o) {
            r->relation = RP_REL_UNIQUE; /* fixed below when the cluster has others */
            continue;
        }
        /* derives from: the original when linked to it, else the member it is most strongly
         * linked to, else (joined as part of a merged story) the original, compared now */
        const struct link *l = rpi_story_find_link(s, u, o);
        struct link tmp;
        uint32_t of = o;
        if (!l || !l->linked) {
            l = best[u] != UINT32_MAX ? &s->links[best[u]] : NULL;
            if (l) of = l->a == u ? l->b : l->a;
        }
        if (!l) {
            const rp_passage *ps;
            size_t np;
            RP_TRY_GOTO(st, rpi_story_score(s, s->aligner, o, u, &tmp, &ps, &np, 1), done);
            l = &tmp;
        }
        r->relation = l->relation;
        r->score = l->score;
        r->of_doc = s->in.unit_doc[of];
    }
    for (size_t i = 0; i < nd; i++) {
        const struct rpi_res *r = &s->res[i];
        if (r->relation != RP_REL_UNIQUE && r->relation != RP_REL_SKIPPED)
            s->res[r->cluster_doc].relation = RP_REL_ORIGINAL;
    }
    st = RP_OK;
done:
    rpi_free(s->in.alloc, mem);
    rpi_free(s->in.alloc, best);
    rpi_free(s->in.alloc, orig);
    rpi_free(s->in.alloc, contain);
    return st;
}
