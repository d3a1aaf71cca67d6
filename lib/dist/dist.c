/* SPDX-License-Identifier: MIT */
/* dist.c -- the distributed run: pieces prepared on their ranks, stage files, rank 0 puts
 * the documents back in input order and runs stages near and story (rp_dist.h).
 *
 * Stage 1 (every rank): the plan (dist_plan.c); each piece of this rank read by an engine of
 * its own (rpi_engine_read: the batch run's threaded reading, on this rank's threads), packed
 * (dist_pack.c) and written as work_dir/unit-<plan>-<piece>.rpd (temporary name, rename: a
 * file under its final name was written whole; one torn by a crash fails verification).
 * With resume, a piece whose file verifies is not read again.
 * Stage 2: every rank sends its units to rank 0 in piece order (a header {status, size}, then
 * the bytes); rank 0 takes piece after piece from its owner, verifies and unpacks it, writes
 * the MANIFEST (piece, rank, file, size, checksum) of a kept work_dir, then runs
 * rpi_engine_finish: unique ids, near, story -- the single-process code on the same table,
 * which is why the output is the same for any number of ranks.
 * A rank that fails sends its error in place of its next unit and "cancelled" for the rest,
 * so rank 0 never waits for a message that will not come; rank 0 reports the first failure
 * in piece order with the rank that had it. */
#include <errno.h>    /* errno */
#include <fcntl.h>    /* open */
#include <inttypes.h> /* PRIx64 */
#include <stdio.h>    /* snprintf */
#include <stdlib.h>   /* getenv, mkdtemp */
#include <string.h>   /* strlen, strerror */
#include <sys/stat.h> /* mkdir, fstat */
#include <unistd.h>   /* read, write, fsync, unlink, rmdir */
#include <xxhash.h>   /* XXH3_64bits */
#include "reprint/rp_dist.h"
#include "dist_internal.h"
#include "dist_transport.h"
#include "common/parallel_internal.h"

void rp_dist_options_default(rp_dist_options *o)
{
    memset(o, 0, sizeof *o);
    o->piece_size = RP_DIST_PIECE_SIZE;
}

rp_status rp_dist_init(int *argc, char ***argv) { return rpi_tr_init(argc, argv); }
void rp_dist_finalize(void) { rpi_tr_finalize(); }
int rp_dist_rank(void) { return rpi_tr_rank(); }
int rp_dist_size(void) { return rpi_tr_size(); }

/* Set when the ranks can no longer meet (rp_dist_broken). */
static int g_broken;
int rp_dist_broken(void) { return g_broken; }
void rp_dist_abort(int code) { rpi_tr_abort(code); }

int rp_dist_agree(int code)
{
    int64_t v = code;
    return rpi_tr_bcast_i64(&v) == RP_OK ? (int)v : code;
}

int rpi_dist_fault(const char *point)
{
    const char *f = getenv("REPRINT_DIST_FAULT");
    if (!f || !*f) return 0;
    char want[64];
    snprintf(want, sizeof want, "%d:%s", rpi_tr_rank(), point);
    return !strcmp(f, want);
}

/* The last run's per-rank stats (rank 0): process-wide like the transport itself. */
static rp_dist_rank_stats *g_stats;
static size_t g_n_stats;

size_t rp_dist_stats(rp_dist_rank_stats *out, size_t cap)
{
    for (size_t i = 0; i < g_n_stats && i < cap && out; i++)
        out[i] = g_stats[i];
    return g_n_stats;
}

struct run {
    rp_engine *e;
    struct rpi_plan pl;
    char dir[4096];
    int own_dir; /* a private temporary folder: removed at the end */
    int rank, size;
    rp_dist_rank_stats me; /* this rank's part, sent to rank 0 after its units */
    int dnear;             /* near's LSH over the ranks (dist_near.c) */
    struct rpi_dnear dn;
    rp_status fail;    /* this rank's first failure */
    size_t fail_piece; /* where it happened */
    char failmsg[600];
};

static void unit_path(const struct run *r, size_t i, char *out, size_t cap)
{
    snprintf(out, cap, "%s/unit-%016" PRIx64 "-%06zu.rpd", r->dir, r->pl.hash, i);
}

rp_status rpi_dist_read_file(const char *path, struct rpi_buf *b)
{
    rpi_buf_reset(b);
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return RP_E_IO;
    struct stat sb;
    rp_status st = fstat(fd, &sb) == 0 ? rpi_buf_reserve(b, (size_t)sb.st_size + 1) : RP_E_IO;
    while (st == RP_OK) {
        const ssize_t k = read(fd, b->ptr + b->size, b->cap - b->size - 1);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) st = RP_E_IO;
        if (k <= 0) break;
        b->size += (size_t)k;
        if (b->size + 1 == b->cap) st = rpi_buf_reserve(b, b->cap);
    }
    close(fd);
    return st;
}

rp_status rpi_dist_write_atomic(const char *path, const void *data, size_t size, int rank,
                                char *msg, size_t cap)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d.%ld", path, rank, (long)getpid());
    const int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(msg, cap, "%.300s: %s", tmp, strerror(errno));
        return RP_E_IO;
    }
    const char *p = data;
    size_t left = size;
    int err = 0;
    while (left && !err) {
        const ssize_t k = write(fd, p, left);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0)
            err = k < 0 ? errno : EIO;
        else {
            p += k;
            left -= (size_t)k;
        }
    }
    /* no fsync: a stage file is only a shortcut. One torn by a crash fails rpi_unit_verify
     * (size and XXH3 of its payload) and its piece is prepared again, so durability would buy
     * nothing but a disk flush per piece */
    if (close(fd) != 0 && !err) err = errno;
    if (!err && rename(tmp, path) != 0) err = errno;
    if (err) {
        unlink(tmp);
        snprintf(msg, cap, "%.300s: %s", path, strerror(err));
        return RP_E_IO;
    }
    return RP_OK;
}

static void note_fail(struct run *r, size_t i, rp_status st, const char *msg)
{
    if (r->fail != RP_OK) return;
    r->fail = st;
    r->fail_piece = i;
    snprintf(r->failmsg, sizeof r->failmsg, "%s", msg && *msg ? msg : rp_strerror(st));
}

/* Stage 1 for piece i: read it in an engine of its own, pack it, write its stage file. */
static rp_status prepare_piece(struct run *r, size_t i, struct rpi_buf *b)
{
    rp_engine *e = r->e;
    const struct rpi_piece *pc = &r->pl.p[i];
    const struct rpi_input *in = &e->inputs[pc->input];
    char path[4300];
    unit_path(r, i, path, sizeof path);
    rp_engine *sub = NULL;
    rp_status st = rp_engine_create(&sub, &e->cfg, e->alloc);
    if (st != RP_OK) return st;
    rp_engine_set_log(sub, e->log_fn, e->log_user);
    if (in->data)
        st = rp_engine_add_buffer(sub, in->data, in->size, in->path);
    else if (!strcmp(in->path, "-"))
        st = rp_engine_add_input(sub, in->path);
    else
        st = rpi_engine_add_piece(sub, in->path, &pc->sel);
    if (st == RP_OK) {
        sub->ran = 1;
        st = rpi_engine_read(sub);
        if (st != RP_OK) snprintf(r->failmsg, sizeof r->failmsg, "%s", sub->errmsg);
    }
    if (st == RP_OK) st = rpi_unit_pack(sub, r->pl.hash, i, b);
    rp_engine_free(sub);
    if (st == RP_OK)
        st = rpi_dist_write_atomic(path, b->ptr, b->size, r->rank, r->failmsg, sizeof r->failmsg);
    return st;
}

/* Stage 1 on this rank: every own piece, reused (resume) or prepared. */
static void stage_prepare(struct run *r, int resume)
{
    struct rpi_buf b;
    rpi_buf_init(&b, 0, r->e->alloc);
    for (size_t i = 0; i < r->pl.n && r->fail == RP_OK; i++) {
        if (r->pl.p[i].rank != r->rank) continue;
        char path[4300];
        unit_path(r, i, path, sizeof path);
        if (resume && rpi_dist_read_file(path, &b) == RP_OK) {
            if (rpi_unit_verify(b.ptr, b.size, r->pl.hash, i)) {
                r->me.reused++;
                r->me.docs += rpi_unit_n_docs(b.ptr, b.size);
                continue;
            }
            if (r->e->log_fn) { /* a truncated or damaged file: said, and never used */
                char msg[4400];
                snprintf(msg, sizeof msg,
                         "resume: %s: damaged or incomplete stage file, piece "
                         "%zu prepared again",
                         path, i);
                r->e->log_fn(msg, r->e->log_user);
            }
        }
        r->failmsg[0] = '\0';
        const rp_status st = prepare_piece(r, i, &b);
        if (st != RP_OK)
            note_fail(r, i, st, r->failmsg);
        else
            r->me.docs += rpi_unit_n_docs(b.ptr, b.size);
    }
    rpi_buf_free(&b);
}

/* Stage 2 on a rank > 0: its units to rank 0, in piece order. */
static rp_status stage_send(struct run *r)
{
    struct rpi_buf b;
    rpi_buf_init(&b, 0, r->e->alloc);
    rp_status st = RP_OK;
    int told = 0; /* the failure went out with the first unit at or after it */
    for (size_t i = 0; i < r->pl.n && st == RP_OK; i++) {
        if (r->pl.p[i].rank != r->rank) continue;
        int64_t head[2] = {RP_OK, 0};
        const void *data = NULL;
        if (r->fail != RP_OK && i >= r->fail_piece) {
            head[0] = told ? RP_E_CANCELLED : r->fail;
            data = told ? "" : r->failmsg;
            head[1] = told ? 0 : (int64_t)strlen(r->failmsg);
            told = 1;
        } else {
            char path[4300];
            unit_path(r, i, path, sizeof path);
            if (rpi_dist_read_file(path, &b) != RP_OK) {
                note_fail(r, i, RP_E_IO, "cannot read back a stage file");
                head[0] = RP_E_IO;
                data = r->failmsg;
                head[1] = (int64_t)strlen(r->failmsg);
            } else {
                /* near over the ranks: rank 0 keeps no signatures, so none are sent */
                if (r->dnear && rpi_unit_strip(&b) != RP_OK) note_fail(r, i, RP_E_FORMAT, "");
                data = b.ptr;
                head[1] = (int64_t)b.size;
            }
        }
        st = rpi_tr_send(0, head, sizeof head);
        if (st == RP_OK) st = rpi_tr_send(0, data, (size_t)head[1]);
        r->me.bytes_sent += (uint64_t)head[1];
    }
    rpi_buf_free(&b);
    r->me.peak_rss_mib = rpi_peak_rss_mib();
    if (st == RP_OK) st = rpi_tr_send(0, &r->me, sizeof r->me); /* the trailer: its stats */
    return st;
}

/* The MANIFEST of a kept work_dir: one line per piece. */
static rp_status write_manifest(struct run *r, const uint64_t *sizes, const uint64_t *sums)
{
    struct rpi_buf m;
    rpi_buf_init(&m, 0, r->e->alloc);
    char line[600];
    snprintf(line, sizeof line, "reprint stage manifest 1\nplan %016" PRIx64 "\npieces %zu\n",
             r->pl.hash, r->pl.n);
    rp_status st = rpi_buf_append(&m, line, strlen(line));
    for (size_t i = 0; i < r->pl.n && st == RP_OK; i++) {
        snprintf(line, sizeof line,
                 "unit-%016" PRIx64 "-%06zu.rpd rank %d bytes %" PRIu64 " xxh3 %016" PRIx64 "\n",
                 r->pl.hash, i, r->pl.p[i].rank, sizes[i], sums[i]);
        st = rpi_buf_append(&m, line, strlen(line));
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/MANIFEST", r->dir);
    if (st == RP_OK)
        st = rpi_dist_write_atomic(path, m.ptr, m.size, 0, r->e->errmsg, sizeof r->e->errmsg);
    rpi_buf_free(&m);
    return st;
}

/* Stage 2 on rank 0: every unit in piece order into the engine's table. */
static rp_status stage_gather(struct run *r, int keep_dir)
{
    rp_engine *e = r->e;
    /* documents go to arena 0, the engine's own (rp_engine_create made it) */
    const int spill = e->cfg.verify == RP_VERIFY_EXACT && e->cfg.level != RP_LEVEL_EXACT;
    if (spill) {
        e->spills = rpi_calloc(e->alloc, 1, sizeof *e->spills);
        if (!e->spills) return RP_E_NOMEM;
        e->spills[0].fd = -1;
        e->n_spills = 1;
        RP_TRY(rpi_spill_open(&e->spills[0], e->cfg.tmp_dir, e->errmsg, sizeof e->errmsg));
    }
    /* story texts and tokens to a store in --tmp-dir, as one process keeps them (else rank 0
     * held them all: 9.0 GB at 1M documents). The other ranks are sending already: a store
     * that cannot be made leaves no step where all meet, so the job is ended (rp_dist_broken) */
    if (e->cfg.level >= RP_LEVEL_REUSE) {
        const rp_status ost = rpi_engine_stores_open(e, 1);
        if (ost != RP_OK) {
            g_broken = 1;
            return ost;
        }
    }
    uint64_t *sizes = rpi_calloc(e->alloc, r->pl.n ? r->pl.n : 1, 2 * sizeof *sizes);
    if (!sizes) return RP_E_NOMEM;
    uint64_t *sums = sizes + r->pl.n;
    struct rpi_buf b;
    rpi_buf_init(&b, 0, e->alloc);
    rp_status st = RP_OK, net = RP_OK;
    for (size_t i = 0; i < r->pl.n && net == RP_OK; i++) {
        const int from = r->pl.p[i].rank;
        rp_status ust = RP_OK;
        if (from == 0) {
            char path[4300];
            unit_path(r, i, path, sizeof path);
            if (r->fail != RP_OK && i >= r->fail_piece)
                ust = RP_E_CANCELLED;
            else if (rpi_dist_read_file(path, &b) != RP_OK)
                ust = RP_E_IO;
            else
                r->me.bytes_sent += b.size;
        } else {
            int64_t head[2];
            net = rpi_tr_recv(from, head, sizeof head);
            if (net == RP_OK && (head[1] < 0 || (uint64_t)head[1] > SIZE_MAX / 2)) net = RP_E_IO;
            if (net == RP_OK) net = rpi_buf_reserve(&b, (size_t)head[1] + 1);
            if (net == RP_OK && rpi_dist_fault("units")) net = RP_E_NOMEM;
            b.size = 0;
            if (net == RP_OK) net = rpi_tr_recv(from, b.ptr, (size_t)head[1]);
            if (net != RP_OK) {
                /* the sender is in the middle of its units and every other rank waits for
                 * rank 0: no step left where they would all meet (the caller ends the job) */
                g_broken = 1;
                rpi_engine_error(e, "rank 0: piece %zu from rank %d: %s; ending the job", i, from,
                                 net == RP_E_NOMEM ? "out of memory"
                                 : net == RP_E_IO  ? "a damaged message header or a lost connection"
                                                   : rp_strerror(net));
                break;
            }
            b.size = (size_t)head[1];
            ust = (rp_status)head[0];
            if (ust != RP_OK && ust != RP_E_CANCELLED && st == RP_OK)
                rpi_engine_error(e, "rank %d, piece %zu: %.*s", from, i, (int)b.size, b.ptr);
        }
        if (ust == RP_OK && !rpi_unit_verify(b.ptr, b.size, r->pl.hash, i)) {
            ust = RP_E_FORMAT;
            if (st == RP_OK) rpi_engine_error(e, "piece %zu from rank %d is damaged", i, from);
        }
        if (ust == RP_OK && st == RP_OK) {
            sizes[i] = b.size;
            sums[i] = XXH3_64bits(b.ptr, b.size);
            const size_t before = e->docs.n_docs;
            ust = rpi_unit_unpack(e, b.ptr, b.size, &e->arenas[0], spill ? e->spills : NULL,
                                  e->n_sstores ? e->sstores : NULL, !r->dnear);
            if (r->dn.piece_docs) r->dn.piece_docs[i] = e->docs.n_docs - before;
            if (ust == RP_E_FORMAT) rpi_engine_error(e, "piece %zu: malformed unit", i);
        }
        if (st == RP_OK && ust != RP_OK && ust != RP_E_CANCELLED) st = ust;
    }
    if (st == RP_OK && r->fail != RP_OK) {
        st = r->fail;
        rpi_engine_error(e, "%s", r->failmsg);
    }
    rpi_buf_free(&b);
    /* each rank's stats, sent after its units */
    rpi_free(NULL, g_stats);
    g_n_stats = 0;
    g_stats = rpi_calloc(NULL, (size_t)r->size, sizeof *g_stats); /* outlives e */
    if (!g_stats) return RP_E_NOMEM;
    g_n_stats = (size_t)r->size;
    g_stats[0] = r->me;
    for (int k = 1; k < r->size && net == RP_OK; k++)
        net = rpi_tr_recv(k, &g_stats[k], sizeof g_stats[k]);
    if (net != RP_OK && st == RP_OK) {
        st = net;
        if (!g_broken) rpi_engine_error(e, "lost the connection to a rank");
    }
    if (st == RP_OK && spill) st = rpi_spill_map(&e->spills[0], 0, e->errmsg, sizeof e->errmsg);
    if (st == RP_OK) st = rpi_engine_stores_attach(e);
    if (st == RP_OK && keep_dir) st = write_manifest(r, sizes, sums);
    rpi_free(e->alloc, sizes);
    return st;
}

/* dist_near.c's signatures: those of this rank's own units, read back from their stage
 * files (the trailing section of each: no document is unpacked). */
static rp_status load_own_sigs(struct run *r)
{
    rp_engine *e = r->e;
    struct rpi_dnear *dn = &r->dn;
    dn->alloc = e->alloc;
    dn->n_pieces = r->pl.n;
    dn->num_perm = e->cfg.num_perm;
    dn->cap_edges = (size_t)(e->mem_limit / 2 / sizeof(struct rpi_edge));
    size_t n_own = 0;
    for (size_t i = 0; i < r->pl.n; i++)
        n_own += r->pl.p[i].rank == r->rank;
    dn->own = rpi_calloc(e->alloc, n_own ? n_own : 1, sizeof *dn->own);
    if (!dn->own) return RP_E_NOMEM;
    struct rpi_buf b;
    rpi_buf_init(&b, 0, e->alloc);
    rp_status st = RP_OK;
    for (size_t i = 0; i < r->pl.n && st == RP_OK; i++) {
        if (r->pl.p[i].rank != r->rank) continue;
        char path[4300];
        unit_path(r, i, path, sizeof path);
        st = rpi_dist_read_file(path, &b);
        if (st == RP_OK && !rpi_unit_verify(b.ptr, b.size, r->pl.hash, i)) st = RP_E_FORMAT;
        struct rpi_own_piece *op = &dn->own[dn->n_own++];
        op->piece = i;
        if (st == RP_OK)
            st = rpi_unit_sigs(b.ptr, b.size, dn->num_perm, e->alloc, &op->sigs, &op->n);
    }
    rpi_buf_free(&b);
    return st;
}

static void free_dnear(struct rpi_dnear *dn)
{
    for (size_t i = 0; i < dn->n_own; i++)
        rpi_free(dn->alloc, dn->own[i].sigs);
    rpi_free(dn->alloc, dn->own);
    rpi_free(dn->alloc, dn->piece_docs);
    rpi_free(dn->alloc, dn->peak);
    rpi_free(dn->alloc, dn->sent);
    memset(dn, 0, sizeof *dn);
}

/* Remove this rank's stage files from a private folder, then the folder. */
static void remove_own(struct run *r)
{
    for (size_t i = 0; i < r->pl.n; i++) {
        char path[4300];
        unit_path(r, i, path, sizeof path);
        unlink(path);
    }
    rmdir(r->dir);
}

rp_status rp_engine_run_dist(rp_engine *e, const rp_dist_options *o)
{
    if (!e || e->ran) return RP_E_INVALID;
    e->ran = 1;
    rp_dist_options def;
    rp_dist_options_default(&def);
    if (!o) o = &def;
    const double t0 = rpi_now();
    struct run *r = rpi_calloc(e->alloc, 1, sizeof *r);
    if (!r) return RP_E_NOMEM;
    r->e = e;
    g_broken = 0;
    r->rank = rpi_tr_rank();
    r->size = rpi_tr_size();
    rp_status st = RP_OK;
    if (o->work_dir) {
        snprintf(r->dir, sizeof r->dir, "%s", o->work_dir);
        if (mkdir(r->dir, 0755) != 0 && errno != EEXIST) {
            note_fail(r, 0, RP_E_IO, strerror(errno));
            snprintf(r->failmsg, sizeof r->failmsg, "%.300s: %s", o->work_dir, strerror(errno));
        }
    } else {
        const char *t = e->cfg.tmp_dir ? e->cfg.tmp_dir : getenv("TMPDIR");
        snprintf(r->dir, sizeof r->dir, "%s/reprint-dist-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(r->dir)) {
            snprintf(r->failmsg, sizeof r->failmsg, "%.300s: %s", r->dir, strerror(errno));
            note_fail(r, 0, RP_E_IO, r->failmsg);
        } else {
            r->own_dir = 1;
        }
    }
    /* every rank makes the plan and takes part in the line count, also after a failure, so
     * the collective calls match */
    const uint64_t piece = o->piece_size ? o->piece_size : RP_DIST_PIECE_SIZE;
    st = rpi_plan_make(&r->pl, e, piece, r->size);
    if (st == RP_OK) st = rpi_plan_lines(&r->pl, e, r->rank);
    if (st != RP_OK) note_fail(r, 0, st, "cannot plan the pieces of the inputs");
    if (r->fail == RP_OK) stage_prepare(r, o->resume);
    /* near, signature verification, several ranks: signatures stay where they were made */
    r->dnear = r->size > 1 && r->size <= 65535 && e->cfg.level == RP_LEVEL_NEAR &&
               e->cfg.verify == RP_VERIFY_SIGNATURE;
    if (r->dnear && r->fail == RP_OK) {
        const rp_status sst = load_own_sigs(r);
        if (sst != RP_OK) note_fail(r, r->pl.n, sst, "cannot read back this rank's units");
    }
    r->me.rank = r->rank;
    for (size_t i = 0; i < r->pl.n; i++)
        r->me.pieces += r->pl.p[i].rank == r->rank;
    r->me.t_prepare = rpi_now() - t0;
    if (o->resume && e->log_fn) {
        char msg[4400];
        snprintf(msg, sizeof msg, "resume: %llu of %llu pieces of rank %d reused from %s",
                 (unsigned long long)r->me.reused, (unsigned long long)r->me.pieces, r->rank,
                 r->dir);
        e->log_fn(msg, e->log_user);
    }
    unsigned nt = e->cfg.threads ? e->cfg.threads : rpi_cpu_count(); /* as rpi_engine_read */
    e->sum.threads = nt > RPI_MAX_THREADS - 1 ? RPI_MAX_THREADS - 1 : nt;
    if (r->rank != 0) {
        st = stage_send(r);
        /* a failed send leaves the job broken anyway; else the bands, if rank 0 runs them */
        if (r->dnear && st == RP_OK) {
            const rp_status bst = rpi_dnear_serve(&r->dn);
            if (bst != RP_E_CANCELLED) st = bst; /* rank 0 reports another rank's failure */
        }
        if (st == RP_OK) st = r->fail;
        if (st != RP_OK && !e->errmsg[0]) rpi_engine_error(e, "%s", r->failmsg);
    } else {
        if (r->dnear) { /* the table without signatures */
            e->docs.num_perm = 0;
            r->dn.piece_docs = rpi_calloc(e->alloc, r->pl.n ? r->pl.n : 1, sizeof(uint64_t));
            r->dn.peak = rpi_calloc(e->alloc, (size_t)r->size, sizeof *r->dn.peak);
            r->dn.sent = rpi_calloc(e->alloc, (size_t)r->size, sizeof *r->dn.sent);
            r->dn.n_peak = r->dn.peak && r->dn.sent ? (size_t)r->size : 0;
            if (!r->dn.piece_docs) note_fail(r, r->pl.n, RP_E_NOMEM, "out of memory");
        }
        st = stage_gather(r, !r->own_dir);
        e->tm.t_read = rpi_now() - t0;
        e->tm.rss_read = rpi_peak_rss_mib();
        if (r->dnear) {
            e->edges_fn = rpi_dnear_edges;
            e->edges_ctx = &r->dn;
            r->dn.dir = r->own_dir ? NULL : r->dir; /* a private folder is not kept */
            r->dn.plan_hash = r->pl.hash;
            r->dn.resume = o->resume;
        }
        if (st == RP_OK) st = rpi_engine_finish(e);
        if (r->dn.edges_reused_any && e->log_fn) {
            char msg[4400];
            snprintf(msg, sizeof msg, "resume: stage near's edges reused from %s (%llu edges)",
                     r->dir, (unsigned long long)r->dn.edges_reused);
            e->log_fn(msg, e->log_user);
        } else if (r->dn.edges_damaged && e->log_fn) {
            char msg[4400];
            snprintf(msg, sizeof msg, "resume: %s: damaged or incomplete edges file, stage "
                     "near's bands run again", r->dir);
            e->log_fn(msg, e->log_user);
        }
        if (st == RP_E_CANCELLED && r->dn.ran) /* agreed on in the bands: another rank's */
            rpi_engine_error(e, "stage near: another rank failed (its message is above)");
        if (r->dnear && !g_broken) {
            const rp_status rst = rpi_dnear_release(&r->dn);
            if (st == RP_OK) st = rst;
        }
        if (g_n_stats) g_stats[0].peak_rss_mib = rpi_peak_rss_mib();
        if (g_n_stats) g_stats[0].bytes_lsh = r->dn.my_sent;
        for (size_t k = 1; k < g_n_stats && k < r->dn.n_peak; k++) { /* ranks > 0: the bands' */
            if (r->dn.peak[k] > g_stats[k].peak_rss_mib) g_stats[k].peak_rss_mib = r->dn.peak[k];
            g_stats[k].bytes_lsh = r->dn.sent[k];
        }
    }
    free_dnear(&r->dn);
    if (r->own_dir) remove_own(r);
    rpi_plan_free(&r->pl, e->alloc);
    rpi_free(e->alloc, r);
    return st;
}
