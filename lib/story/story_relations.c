/* SPDX-License-Identifier: MIT */
/* story_relations.c -- S7 of stage story: each cluster's original and every member's
 * relation to the version it derives from (steps_internal.h). */
#include "steps_internal.h"

/* ---- S7: original and relations --------------------------------------------------------- */

/* Upper-case tokens of a document (a headline in capitals: a copy loses case, never adds it). */
static uint32_t n_shouted(const struct rpi_sdoc *sd)
{
    uint32_t n = 0;
    if (sd)
        for (uint32_t p = 0; p < sd->n_tok; p++)
            n += (sd->tflags[p] & RPI_TOK_ACRONYM) != 0;
    return n;
}

/* udoc[u]: which document of unit u's exact group names it when it is an original: the
 * earliest dated, then the one with fewest upper-case tokens (the copy that capitalised a
 * headline), then the leader (keep order). One pass over the documents; caps is scratch. */
static void original_docs(struct rpi_story *s, uint32_t *udoc, int64_t *caps)
{
    for (uint32_t u = 0; u < s->in.n_units; u++) {
        udoc[u] = s->in.unit_doc[u];
        caps[u] = -1; /* the leader's count, computed when first needed */
    }
    for (size_t i = 0; i < s->in.docs->n_docs; i++) {
        const uint32_t u = s->in.unit_of[i];
        if (u == UINT32_MAX || i == s->in.unit_doc[u]) continue;
        const struct rpi_docslot *d = rpi_doc(s->in.docs, i);
        const int64_t bdate = rpi_doc(s->in.docs, udoc[u])->date;
        int64_t c = -1;
        int take;
        if ((d->date == INT64_MIN) != (bdate == INT64_MIN))
            take = d->date != INT64_MIN;
        else if (d->date != bdate)
            take = d->date < bdate;
        else {
            if (caps[u] < 0) {
                caps[u] = n_shouted(rpi_doc(s->in.docs, udoc[u])->sd);
                rpi_story_release(s, rpi_doc(s->in.docs, udoc[u])->sd);
            }
            c = n_shouted(d->sd);
            rpi_story_release(s, d->sd);
            take = c < caps[u];
        }
        if (take) udoc[u] = (uint32_t)i, caps[u] = c;
    }
}

rp_status rpi_story_relations(struct rpi_story *s, const uint32_t *rep)
{
    const uint32_t nu = s->in.n_units;
    const size_t nd = s->in.docs->n_docs;
    /* members of each cluster, grouped: sort units by (rep, unit) */
    uint64_t *mem = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *mem);
    uint32_t *orig =
        rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *orig); /* rep -> original unit */
    uint32_t *odoc = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *odoc); /* rep -> its doc */
    uint32_t *m = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *m);
    int64_t *udate = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *udate);
    int64_t *caps = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *caps);
    uint32_t *udoc = rpi_malloc(s->in.alloc, (nu ? nu : 1) * sizeof *udoc);
    double *contain = rpi_calloc(s->in.alloc, nu ? nu : 1, sizeof *contain);
    uint32_t *best = NULL; /* unit -> index of its strongest linked pair in its cluster */
    s->res = rpi_malloc(s->in.alloc, (nd ? nd : 1) * sizeof *s->res);
    rp_status st = RP_E_NOMEM;
    if (!mem || !orig || !odoc || !m || !udate || !caps || !udoc || !contain || !s->res) goto done;
    for (uint32_t u = 0; u < nu; u++) {
        mem[u] = (uint64_t)rep[u] << 32 | u;
        udate[u] = INT64_MIN;
    }
    if (rpi_sort_u64(s->in.alloc, mem, nu) != RP_OK) goto done;
    original_docs(s, udoc, caps);
    /* a unit's date: its earliest document's (an exact copy may be dated earlier than the
     * leader the keep order chose) */
    for (size_t i = 0; i < nd; i++) {
        const uint32_t u = s->in.unit_of[i];
        const int64_t d = rpi_doc(s->in.docs, i)->date;
        if (u == UINT32_MAX || d == INT64_MIN) continue;
        if (udate[u] == INT64_MIN || d < udate[u]) udate[u] = d;
    }
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
        while (j < nu && (uint32_t)(mem[j] >> 32) == r) {
            m[j - i] = (uint32_t)mem[j];
            j++;
        }
        RP_TRY_GOTO(st, rpi_story_original(s, m, j - i, udate, contain, &orig[r]), done);
        st = RP_E_NOMEM;
        odoc[r] = j - i > 1 ? udoc[orig[r]] : s->in.unit_doc[orig[r]];
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
        const uint32_t o = orig[rep[u]], od = odoc[rep[u]];
        /* the document naming unit u: the original's chosen copy, else the leader */
        const uint32_t ud = u == o ? od : s->in.unit_doc[u];
        r->cluster_doc = od;
        if (ud != i) { /* an exact copy of the document naming its unit */
            r->relation = RP_REL_EXACT;
            r->of_doc = ud;
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
        r->of_doc = of == o ? od : s->in.unit_doc[of];
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
    rpi_free(s->in.alloc, odoc);
    rpi_free(s->in.alloc, m);
    rpi_free(s->in.alloc, udate);
    rpi_free(s->in.alloc, caps);
    rpi_free(s->in.alloc, udoc);
    rpi_free(s->in.alloc, contain);
    return st;
}
