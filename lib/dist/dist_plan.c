/* SPDX-License-Identifier: MIT */
/* dist_plan.c -- the inputs of a distributed run cut into pieces and given to ranks.
 *
 * A document's identity is its place in the whole input (argument, file of its walk, record),
 * never which rank read it, so the plan depends on the inputs and piece_size only: the same
 * for any number of ranks, and the stage files of one run serve a restart with another N.
 * Pieces: the files of every argument (folders walked as the reader walks them), consecutive
 * whole files gathered up to piece_size bytes; a file that is uncompressed JSON Lines and
 * larger than piece_size is cut at the first line start after every multiple of piece_size
 * (rp_ingest_line_start), so one huge file is shared by all ranks. A compressed one of that
 * shape, or a compressed WARC file, is cut at the first gzip member / zstd frame start after
 * every multiple of piece_size
 * (rp_ingest_member_start; a stream of one unit cannot be entered in the middle, and is one
 * piece): where its lines start is only known decoded, so the owners of its pieces decode
 * them once in rpi_plan_lines, which also proves the cuts (rp_ingest_piece_scan) or makes the
 * file whole again. Ranks get consecutive pieces of about equal bytes; rank 0 takes them back
 * in piece order, each from its rank. */
#include <string.h>   /* strlen, strcmp */
#include <sys/stat.h> /* stat */
#include <xxhash.h>   /* XXH3 streaming */
#include "dist_internal.h"
#include "dist_transport.h"

static rp_status push(struct rpi_plan *pl, size_t *cap, const struct rpi_piece *pc,
                      const rp_alloc *alloc)
{
    RP_TRY(rpi_array_reserve(alloc, (void **)&pl->p, cap, sizeof *pl->p, pl->n + 1));
    pl->p[pl->n++] = *pc;
    return RP_OK;
}

static void hash_str(XXH3_state_t *h, const char *s)
{
    const char *v = s ? s : "";
    XXH3_64bits_update(h, v, strlen(v) + 1);
}

/* What the prepared documents depend on besides the bytes: the preparing part of the config. */
static void hash_config(XXH3_state_t *h, const rp_engine *e)
{
    const rp_config *c = &e->cfg;
    const uint64_t v[] = {c->level == RP_LEVEL_EXACT,
                          c->level >= RP_LEVEL_REUSE,
                          c->ngram,
                          c->num_perm,
                          c->seed,
                          c->verify,
                          c->ingest.max_doc_size,
                          (uint64_t)c->ingest.truncate_large,
                          c->ingest.format,
                          c->norm.flags,
                          c->norm.seed,
                          c->norm.max_tokens,
                          RPI_UNIT_HEADER};
    XXH3_64bits_update(h, v, sizeof v);
    hash_str(h, c->ingest.id_field);
    hash_str(h, c->ingest.text_field);
    hash_str(h, c->ingest.date_field);
    hash_str(h, c->ingest.title_field);
    hash_str(h, c->ingest.url_field);
    hash_str(h, rp_version());
}

/* The pieces of argument a. */
static rp_status plan_input(struct rpi_plan *pl, size_t *cap, rp_engine *e, size_t a,
                            uint64_t piece_size, XXH3_state_t *h)
{
    const struct rpi_input *in = &e->inputs[a];
    struct rpi_piece pc = {.input = a, .sel = {.n_files = 1, .len = UINT64_MAX, .line = 1}};
    pc.weight = 1;
    hash_str(h, in->path);
    if (in->data || !strcmp(in->path, "-")) { /* a caller's buffer or stdin: rank 0 reads it */
        pc.rank = -1;
        return push(pl, cap, &pc, e->alloc);
    }
    rp_reader *rd = NULL;
    rp_status st = rp_reader_open(&rd, in->path, &e->cfg.ingest, e->alloc);
    if (st != RP_OK) { /* read as one piece: the reading reports the error */
        rp_reader_free(rd);
        return push(pl, cap, &pc, e->alloc);
    }
    const size_t nf = rp_reader_n_files(rd);
    struct rpi_piece grp = pc; /* whole files gathered up to piece_size (n_files 0: none) */
    grp.sel.n_files = 0;
    grp.weight = 0;
    for (size_t k = 0; k < nf && st == RP_OK; k++) {
        const char *path = rp_reader_file_path(rd, k);
        const uint64_t size = rp_reader_file_size(rd, k);
        struct stat sb;
        const int ok = stat(path, &sb) == 0;
        const uint64_t fv[] = {size, ok ? (uint64_t)sb.st_mtim.tv_sec : 0,
                               ok ? (uint64_t)sb.st_mtim.tv_nsec : 0};
        hash_str(h, path);
        XXH3_64bits_update(h, fv, sizeof fv);
        /* cut: at line starts (uncompressed), or at the unit starts of a compressed file
         * when there is one past the first piece_size bytes (first: where) */
        int cut = 0;
        rp_codec units = RP_CODEC_NONE;
        uint64_t first = size;
        if (size > piece_size && (st = rp_reader_file_cuttable(rd, k, &cut)) != RP_OK) break;
        if (size > piece_size && !cut) {
            if ((st = rp_reader_file_members(rd, k, &units)) != RP_OK) break;
            if (units && (st = rp_ingest_member_start(path, units, piece_size, &first)) != RP_OK)
                break;
            if (first >= size) units = RP_CODEC_NONE;
        }
        /* a file joins the group of whole files before it while they fit in a piece: one
         * piece per tiny file cost ~20 ms each (an engine and a stage file per piece) */
        if (grp.sel.n_files && (cut || units || grp.weight + size > piece_size)) {
            st = push(pl, cap, &grp, e->alloc);
            grp.sel.n_files = 0;
            grp.weight = 0;
            if (st != RP_OK) break;
        }
        if (!cut && !units) {
            if (!grp.sel.n_files) grp.sel.file = k;
            grp.sel.n_files++;
            grp.weight += size ? size : 1;
            continue;
        }
        pc.sel.file = k;
        pc.sel.members = units != RP_CODEC_NONE;
        pc.proved = units != RP_CODEC_NONE || cut == RP_CUT_RECORDS;
        uint64_t start = 0;
        while (start < size && st == RP_OK) {
            uint64_t next = size;
            if (start == 0 && units) {
                next = first;
            } else if (size - start > piece_size && units) {
                st = rp_ingest_member_start(path, units, start + piece_size, &next);
            } else if (size - start > piece_size && cut == RP_CUT_RECORDS) {
                st = rp_ingest_record_start(path, start + piece_size, &next);
            } else if (size - start > piece_size) {
                /* the first line start at or after start + piece_size (at most one line on) */
                const uint64_t at = start + piece_size;
                st = rp_ingest_line_start(path, at - 1, at, &next, NULL);
            }
            if (st != RP_OK) break;
            if (next > size) next = size;
            pc.sel.off = start;
            pc.sel.len = next - start;
            pc.weight = pc.sel.len;
            pc.path = rpi_strndup(e->alloc, path, strlen(path));
            if (!pc.path) st = RP_E_NOMEM;
            if (st == RP_OK) st = push(pl, cap, &pc, e->alloc);
            if (st != RP_OK) rpi_free(e->alloc, pc.path);
            pc.path = NULL;
            start = next;
        }
    }
    if (st == RP_OK && grp.sel.n_files) st = push(pl, cap, &grp, e->alloc);
    rp_reader_free(rd);
    return st;
}

rp_status rpi_plan_make(struct rpi_plan *pl, rp_engine *e, uint64_t piece_size, int n_ranks)
{
    memset(pl, 0, sizeof *pl);
    size_t cap = 0;
    XXH3_state_t *h = XXH3_createState();
    if (!h) return RP_E_NOMEM;
    XXH3_64bits_reset(h);
    hash_config(h, e);
    rp_status st = RP_OK;
    for (size_t a = 0; a < e->n_inputs && st == RP_OK; a++)
        st = plan_input(pl, &cap, e, a, piece_size, h);
    for (size_t i = 0; i < pl->n; i++) {
        const struct rpi_piece_sel *sl = &pl->p[i].sel;
        const uint64_t pv[] = {pl->p[i].input, sl->file, sl->n_files, sl->off, sl->len,
                               (uint64_t)sl->members, (uint64_t)pl->p[i].proved};
        XXH3_64bits_update(h, pv, sizeof pv);
    }
    pl->hash = XXH3_64bits_digest(h);
    XXH3_freeState(h);
    if (st != RP_OK) return st;
    /* consecutive pieces to each rank, cut where the running byte count crosses r/N of all */
    uint64_t total = 0, run = 0;
    for (size_t i = 0; i < pl->n; i++)
        total += pl->p[i].weight;
    for (size_t i = 0; i < pl->n; i++) {
        const uint64_t mid = run + pl->p[i].weight / 2;
        run += pl->p[i].weight;
        int r = (int)((long double)mid * n_ranks / (long double)(total ? total : 1));
        if (r >= n_ranks) r = n_ranks - 1;
        pl->p[i].rank = pl->p[i].rank < 0 ? 0 : r;
    }
    return RP_OK;
}

/* Every piece of the file of piece i, whose cuts a scan refused (they are consecutive), made
 * one whole piece again, given to the rank of the first: what the file was before it was cut. */
static void plan_uncut(struct rpi_plan *pl, size_t i, const rp_alloc *alloc)
{
    size_t j = i;
    uint64_t w = 0;
    while (j < pl->n && pl->p[j].path && pl->p[j].proved &&
           pl->p[j].input == pl->p[i].input && pl->p[j].sel.file == pl->p[i].sel.file)
        w += pl->p[j++].weight;
    for (size_t k = i; k < j; k++)
        rpi_free(alloc, pl->p[k].path);
    struct rpi_piece *pc = &pl->p[i];
    pc->path = NULL;
    pc->proved = 0;
    pc->sel = (struct rpi_piece_sel){.file = pc->sel.file, .n_files = 1, .len = UINT64_MAX,
                                     .line = 1};
    pc->weight = w;
    memmove(pl->p + i + 1, pl->p + j, (pl->n - j) * sizeof *pl->p);
    pl->n -= j - i - 1;
}

rp_status rpi_plan_lines(struct rpi_plan *pl, rp_engine *e, int rank)
{
    if (pl->n == 0) return RP_OK;
    /* per piece: newlines; and of compressed units decoded bytes, "ends a line", "not clean" */
    uint64_t *nl = rpi_calloc(e->alloc, 4 * pl->n, sizeof *nl);
    if (!nl) return RP_E_NOMEM;
    uint64_t *dec = nl + pl->n, *ends = dec + pl->n, *bad = ends + pl->n;
    rp_status st = RP_OK;
    for (size_t i = 0; i < pl->n && st == RP_OK; i++) {
        const struct rpi_piece *pc = &pl->p[i];
        if (!pc->path || pc->rank != rank) continue;
        if (!pc->proved) {
            uint64_t next;
            st = rp_ingest_line_start(pc->path, pc->sel.off, pc->sel.off + pc->sel.len, &next,
                                      &nl[i]);
            continue;
        }
        rp_piece_scan sc;
        const rp_status ss = rp_ingest_piece_scan(pc->path, &e->cfg.ingest, pc->sel.off,
                                                  pc->sel.len, &sc);
        if (ss == RP_E_NOMEM) st = ss;
        /* unreadable or damaged: the file is read whole, and the reading reports it */
        nl[i] = sc.lines;
        dec[i] = sc.dec_size;
        ends[i] = (uint64_t)sc.ends_line;
        bad[i] = ss != RP_OK || !sc.clean;
    }
    /* every rank takes part in the sum, also one whose counting failed (it then reports) */
    const rp_status st2 = rpi_tr_sum_u64(nl, 4 * pl->n);
    if (st == RP_OK) st = st2;
    uint64_t line = 1, doff = 0;
    int lstart = 1;
    for (size_t i = 0; i < pl->n; i++) {
        struct rpi_piece *pc = &pl->p[i];
        if (!pc->path) continue;
        if (pc->sel.off == 0) {
            line = 1;
            doff = 0;
            lstart = 1;
        }
        pc->sel.line = line;
        line += nl[i];
        if (pc->sel.members) {
            pc->sel.doff = doff;
            pc->sel.dlen = dec[i];
            pc->sel.lstart = lstart;
            doff += dec[i];
            lstart = ends[i] != 0;
        }
    }
    /* from the end, so that the indices of the arrays still name the pieces before */
    int uncut = 0;
    for (size_t i = pl->n; i-- > 0;) {
        if (!pl->p[i].proved || !bad[i]) continue;
        size_t f = i; /* the file's first piece */
        while (f > 0 && pl->p[f - 1].proved && pl->p[f - 1].input == pl->p[i].input &&
               pl->p[f - 1].sel.file == pl->p[i].sel.file)
            f--;
        plan_uncut(pl, f, e->alloc);
        i = f;
        uncut = 1;
    }
    if (uncut) { /* another plan: stage files of the cut one are not its own */
        const uint64_t v[] = {pl->hash, pl->n};
        pl->hash = XXH3_64bits(v, sizeof v);
    }
    rpi_free(e->alloc, nl);
    return st;
}

void rpi_plan_free(struct rpi_plan *pl, const rp_alloc *alloc)
{
    for (size_t i = 0; i < pl->n; i++)
        rpi_free(alloc, pl->p[i].path);
    rpi_free(alloc, pl->p);
    memset(pl, 0, sizeof *pl);
}
