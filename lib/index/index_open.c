/* SPDX-License-Identifier: MIT */
/* index_open.c -- rp_index lifecycle: create, open (LMDB environment, named databases, the
 * writer lock), the stored configuration, errors, statistics. */
#include <errno.h>        /* errno, ENOSPC */
#include <fcntl.h>        /* open */
#include <stdarg.h>       /* va_list */
#include <stddef.h>       /* offsetof */
#include <stdio.h>        /* snprintf */
#include <stdlib.h>       /* strtod */
#include <string.h>       /* strlen, strcmp */
#include <unistd.h>       /* close, getpid */
#include <sys/resource.h> /* getrlimit */
#include <sys/statvfs.h>  /* statvfs */
#include <sys/file.h>     /* flock */
#include <sys/stat.h>     /* mkdir, stat */
#include "index_internal.h"

static _Thread_local char ix_errmsg[512];
static _Thread_local rp_index_error ix_errkind;

static const char *const DB_NAMES[DB_COUNT] = {
    "meta",  "docs",  "ids",    "contents", "units", "members", "stars", "sigs",    "bands",
    "edges", "terms", "uterms", "sfeat",    "spost", "sof",     "lines", "linectx", "ulines",
    "ulang", "xfeat", "xterms", "xpost"};
#define DUPS (MDB_DUPSORT | MDB_DUPFIXED)
static const unsigned DB_FLAGS[DB_COUNT] = {0,    0, DUPS, 0, 0, DUPS, DUPS, 0, DUPS, DUPS, 0,
                                            0,    0, DUPS, 0, 0, 0,    0,    0, 0,    0,    DUPS};

#define DEFAULT_MAP_SIZE ((uint64_t)16 << 30)

rp_status rpi_ix_fail(rp_status st, rp_index_error kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ix_errmsg, sizeof ix_errmsg, fmt, ap);
    va_end(ap);
    ix_errkind = kind;
    return st;
}

rp_status rpi_ix_mdb(int rc, const char *what)
{
    if (rc == MDB_MAP_FULL)
        return rpi_ix_fail(RP_E_IO, RP_INDEX_E_FULL,
                           "%s: the index is full (LMDB map size reached); nothing of this "
                           "batch was stored; reopen with a larger --map-size",
                           what);
    if (rc == ENOSPC || rc == EFBIG || rc == EDQUOT)
        return rpi_ix_fail(RP_E_IO, RP_INDEX_E_FULL, "%s: %s; nothing of this batch was stored",
                           what, mdb_strerror(rc));
    if (rc == ENOMEM) return rpi_ix_fail(RP_E_NOMEM, RP_INDEX_E_NONE, "%s: out of memory", what);
    return rpi_ix_fail(RP_E_IO, RP_INDEX_E_NONE, "%s: %s", what, mdb_strerror(rc));
}

int rpi_ix_disk_short(const rp_index *ix)
{
    const uint64_t slack = (uint64_t)16 << 20; /* a commit writes at most this much more */
    struct statvfs vs;
    if (statvfs(ix->dir, &vs) == 0 && (uint64_t)vs.f_bavail * vs.f_frsize < slack) return 1;
    struct rlimit rl;
    struct stat sb;
    char path[4096];
    snprintf(path, sizeof path, "%s/data.mdb", ix->dir);
    if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && stat(path, &sb) == 0 &&
        (uint64_t)sb.st_size + slack >= (uint64_t)rl.rlim_cur)
        return 1;
    return 0;
}

void rpi_ix_clear(void)
{
    ix_errmsg[0] = '\0';
    ix_errkind = RP_INDEX_E_NONE;
}

const char *rp_index_errmsg(const rp_index *ix)
{
    (void)ix;
    return ix_errmsg;
}

rp_index_error rp_index_errkind(const rp_index *ix)
{
    (void)ix;
    return ix_errkind;
}

void rp_index_options_default(rp_index_options *o) { memset(o, 0, sizeof *o); }

void rp_index_config(const rp_index *ix, rp_config *out) { *out = ix->cfg; }

/* The configuration is stored as "key=value" lines: readable with mdb_dump, extensible. */
static int config_text(const rp_config *c, char *buf, size_t cap)
{
    int n = snprintf(buf, cap,
                     "level=%d\nngram=%u\nthreshold=%.17g\nnum_perm=%u\nbands=%u\nrows=%u\n"
                     "keep=%d\nmax_bucket=%llu\nseed=%llu\nnorm_flags=%u\nnorm_seed=%llu\n"
                     "norm_max_tokens=%llu\n",
                     (int)c->level, c->ngram, c->threshold, c->num_perm, c->bands, c->rows,
                     (int)c->keep, (unsigned long long)c->max_bucket, (unsigned long long)c->seed,
                     c->norm.flags, (unsigned long long)c->norm.seed,
                     (unsigned long long)c->norm.max_tokens);
    if (c->level == RP_LEVEL_STORY && n > 0 && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, "window_days=%.17g\nboilerplate_min=%u\n",
                      c->window_days, c->boilerplate_min);
    return n;
}

static int config_parse(const char *s, size_t n, rp_config *c)
{
    rp_config_default(c);
    char buf[1024];
    if (n >= sizeof buf) return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    int seen = 0;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        if (!eq) return -1;
        *eq = '\0';
        const char *k = line, *v = eq + 1;
        const unsigned long long u = strtoull(v, NULL, 10);
        if (!strcmp(k, "level"))
            c->level = (rp_level)u, seen |= 1;
        else if (!strcmp(k, "ngram"))
            c->ngram = (unsigned)u, seen |= 2;
        else if (!strcmp(k, "threshold"))
            c->threshold = strtod(v, NULL), seen |= 4;
        else if (!strcmp(k, "num_perm"))
            c->num_perm = (unsigned)u, seen |= 8;
        else if (!strcmp(k, "bands"))
            c->bands = (unsigned)u;
        else if (!strcmp(k, "rows"))
            c->rows = (unsigned)u;
        else if (!strcmp(k, "keep"))
            c->keep = (rp_keep)u;
        else if (!strcmp(k, "max_bucket"))
            c->max_bucket = (size_t)u;
        else if (!strcmp(k, "seed"))
            c->seed = u;
        else if (!strcmp(k, "norm_flags"))
            c->norm.flags = (unsigned)u;
        else if (!strcmp(k, "norm_seed"))
            c->norm.seed = u;
        else if (!strcmp(k, "norm_max_tokens"))
            c->norm.max_tokens = (size_t)u;
        else if (!strcmp(k, "window_days"))
            c->window_days = strtod(v, NULL);
        else if (!strcmp(k, "boilerplate_min"))
            c->boilerplate_min = (unsigned)u;
        /* unknown keys: written by a newer minor version, ignored */
    }
    if (seen != 15 || c->num_perm < RP_MINHASH_MIN_PERM || c->num_perm > RP_MINHASH_MAX_PERM ||
        c->bands > c->num_perm || (c->level > RP_LEVEL_NEAR && c->level != RP_LEVEL_STORY) ||
        c->ngram < 1)
        return -1;
    return 0;
}

static char *path_join(const rp_alloc *alloc, const char *dir, const char *name)
{
    const size_t n = strlen(dir) + strlen(name) + 2;
    char *p = rpi_malloc(alloc, n);
    if (p) snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* flock the writer lock file; the holder writes its pid into it for the message. */
static rp_status take_lock(const rp_alloc *alloc, const char *dir, int *fd_out)
{
    char *path = path_join(alloc, dir, "writer.lock");
    if (!path) return rpi_ix_fail(RP_E_NOMEM, RP_INDEX_E_NONE, "out of memory");
    const int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        rp_status st = rpi_ix_fail(RP_E_IO, RP_INDEX_E_NONE, "%s: %s", path, strerror(errno));
        rpi_free(alloc, path);
        return st;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char pid[32] = "";
        const ssize_t k = pread(fd, pid, sizeof pid - 1, 0);
        pid[k > 0 ? k : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        rp_status st = rpi_ix_fail(RP_E_IO, RP_INDEX_E_LOCKED,
                                   "%s is open for writing by another process%s%s%s; one writer "
                                   "at a time (readers may run)",
                                   dir, *pid ? " (pid " : "", pid, *pid ? ")" : "");
        close(fd);
        rpi_free(alloc, path);
        return st;
    }
    char pid[32];
    const int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) < 0) {
        /* the pid is only for messages */
    }
    rpi_free(alloc, path);
    *fd_out = fd;
    return RP_OK;
}

static rp_status env_open(rp_index *ix, const char *dir, uint64_t map_size, int create, int story)
{
    int rc = mdb_env_create(&ix->env);
    if (rc) return rpi_ix_mdb(rc, "mdb_env_create");
    mdb_env_set_maxdbs(ix->env, DB_COUNT + 2);
    /* one reader slot per read transaction open at once (MDB_NOTLS): a query, a GET or a stats
     * holds one while it runs; `reprint serve --threads` is at most 256, so 510 leaves room
     * for export/stats processes beside it. Past it a read fails with MDB_READERS_FULL. */
    mdb_env_set_maxreaders(ix->env, 510);
    if (map_size) {
        rc = mdb_env_set_mapsize(ix->env, (size_t)map_size);
        if (rc) return rpi_ix_mdb(rc, "mdb_env_set_mapsize");
    }
    /* MDB_NOTLS: read transactions are not bound to threads (server thread pool); no
     * MDB_NOSYNC / MDB_WRITEMAP: every commit is fsynced and disk-full is an error code, never
     * a SIGBUS. */
    rc = mdb_env_open(ix->env, dir, MDB_NOTLS | (ix->read_only ? MDB_RDONLY : 0), 0644);
    if (rc) {
        if (rc == ENOENT && !create)
            return rpi_ix_fail(RP_E_IO, RP_INDEX_E_MISSING,
                               "%s: no index here (create one "
                               "with 'reprint index create')",
                               dir);
        return rpi_ix_mdb(rc, dir);
    }
    /* MDB_NOMETASYNC: a commit syncs its pages but writes the meta page unsynced; every
     * commit is made durable by an explicit mdb_env_sync before anything is answered
     * (rpi_ix_commit_sync, rpi_ix_end_write; the group commit in index_write.c, which runs
     * that sync off the writer thread: "Sync thread" in docs/index.md). LMDB keeps the pages
     * of the last two snapshots, so a crash before the sync finds the previous meta page and
     * its pages intact ("ACI but not D", lmdb.h); the unsynced commit was not acknowledged.
     * Without the flag LMDB writes the meta page with O_DSYNC inside the commit. */
    if (!ix->read_only) mdb_env_set_flags(ix->env, MDB_NOMETASYNC, 1);
    int dead = 0; /* reader slots of killed processes would pin old pages forever */
    mdb_reader_check(ix->env, &dead);
    MDB_txn *txn;
    rc = mdb_txn_begin(ix->env, NULL, ix->read_only ? MDB_RDONLY : 0, &txn);
    if (rc) return rpi_ix_mdb(rc, "begin");
    for (int i = 0; i < DB_COUNT; i++) {
        /* a story index made before the databases across languages gets them when writable */
        const int make = (create && (i < DB_FIRST_STORY || story)) ||
                         (i >= DB_FIRST_XLING && ix->has_story && !ix->read_only);
        rc = mdb_dbi_open(txn, DB_NAMES[i], DB_FLAGS[i] | (make ? MDB_CREATE : 0), &ix->dbi[i]);
        if (rc == MDB_NOTFOUND && i >= DB_FIRST_STORY) continue; /* exact/near index */
        if (i == DB_FIRST_STORY && !rc) ix->has_story = 1;
        if (i == DB_FIRST_XLING && !rc) ix->has_xling = 1;
        if (rc) {
            mdb_txn_abort(txn);
            if (rc == MDB_NOTFOUND)
                return rpi_ix_fail(RP_E_IO, RP_INDEX_E_MISSING, "%s: no index here", dir);
            return rpi_ix_mdb(rc, "open databases");
        }
    }
    rc = ix->read_only ? mdb_txn_commit(txn) : rpi_ix_commit_sync(ix, txn);
    if (rc) return rpi_ix_mdb(rc, "open databases");
    return RP_OK;
}

static rp_status read_meta(rp_index *ix, const char *dir)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(ix->env, NULL, MDB_RDONLY, &txn);
    if (rc) return rpi_ix_mdb(rc, "begin");
    MDB_val k = {6, (void *)"format"}, v;
    rc = mdb_get(txn, ix->dbi[DB_META], &k, &v);
    rp_status st = RP_OK;
    if (rc || v.mv_size != 4) {
        st = rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_MISSING, "%s: no index here (no format)", dir);
    } else if (get_le32(v.mv_data) != RPI_IX_FORMAT) {
        st = rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "%s: index format %u, this build reads %u",
                         dir, get_le32(v.mv_data), RPI_IX_FORMAT);
    } else {
        k = (MDB_val){6, (void *)"config"};
        rc = mdb_get(txn, ix->dbi[DB_META], &k, &v);
        if (rc || config_parse(v.mv_data, v.mv_size, &ix->cfg))
            st = rpi_ix_fail(RP_E_FORMAT, RP_INDEX_E_FORMAT, "%s: unreadable configuration", dir);
    }
    mdb_txn_abort(txn);
    return st;
}

static void ix_free(rp_index *ix)
{
    if (!ix) return;
    if (ix->env) mdb_env_close(ix->env);
    if (ix->lock_fd >= 0) close(ix->lock_fd); /* releases the flock */
    pthread_mutex_destroy(&ix->write_mu);
    pthread_mutex_destroy(&ix->cq_mu);
    pthread_cond_destroy(&ix->cq_cv);
    pthread_cond_destroy(&ix->sy_cv);
    const rp_alloc alloc = ix->alloc ? *ix->alloc : (rp_alloc){0}; /* ix holds the copy */
    rpi_bq_free(&ix->bq, &alloc);
    rpi_free(&alloc, ix->bq_below);
    rpi_bg_free(&ix->bg, &alloc);
    rpi_lexset_free(ix->ls);
    rpi_free(&alloc, ix->dir);
    rpi_free(&alloc, ix);
}

/* The index keeps a copy of the caller's allocator (as rp_engine_create), so the options
 * may go once open returns. */
static rp_index *ix_new(const char *dir, const rp_alloc *alloc)
{
    rp_index *ix = rpi_calloc(alloc, 1, sizeof *ix);
    if (!ix) return NULL;
    if (alloc) {
        ix->alloc_copy = *alloc;
        ix->alloc = &ix->alloc_copy;
    }
    ix->lock_fd = -1;
    pthread_mutex_init(&ix->write_mu, NULL);
    pthread_mutex_init(&ix->cq_mu, NULL);
    pthread_cond_init(&ix->cq_cv, NULL);
    pthread_cond_init(&ix->sy_cv, NULL);
    rpi_bq_init(&ix->bq);
    ix->dir = rpi_strndup(ix->alloc, dir, strlen(dir));
    if (!ix->dir) {
        ix_free(ix);
        return NULL;
    }
    return ix;
}

rp_status rp_index_create_sized(const char *dir, const rp_config *cfg, size_t cfg_size,
                                const rp_index_options *opt, rp_index_error *err)
{
    rpi_ix_clear();
    rp_status st = RP_OK;
    /* a caller's rp_config from an older header: its fields, the defaults for the rest */
    rp_config c;
    rp_config_default(&c);
    if (!cfg || cfg_size < offsetof(rp_config, level) + sizeof cfg->level) {
        st = rpi_ix_fail(RP_E_INVALID, RP_INDEX_E_NONE, "no configuration");
        goto out;
    }
    memcpy(&c, cfg, cfg_size < sizeof c ? cfg_size : sizeof c);
    if (c.level == RP_LEVEL_REUSE || c.level > RP_LEVEL_STORY) {
        st = rpi_ix_fail(RP_E_UNSUPPORTED, RP_INDEX_E_NONE,
                         "the index supports --level exact, near and story (reuse needs shared "
                         "passages, which need the texts the index does not keep)");
        goto out;
    }
    if (c.verify != RP_VERIFY_SIGNATURE) {
        st = rpi_ix_fail(RP_E_UNSUPPORTED, RP_INDEX_E_NONE,
                         "the index verifies by signature only (--verify exact keeps shingle "
                         "sets the index does not store)");
        goto out;
    }
    c.num_perm = RP_CONFIG_NUM_PERM(&c);
    if (c.num_perm < RP_MINHASH_MIN_PERM || c.num_perm > RP_MINHASH_MAX_PERM || c.ngram < 1 ||
        !(c.threshold >= 0 && c.threshold <= 1) || c.max_bucket < 2 ||
        (c.bands && (uint64_t)c.bands * c.rows > c.num_perm)) {
        st = rpi_ix_fail(RP_E_INVALID, RP_INDEX_E_NONE, "invalid clustering parameters");
        goto out;
    }
    /* story: the threshold is the story score's; LSH bands find near copies at 0.5, as the
     * batch engine's near pairs */
    const int story = c.level == RP_LEVEL_STORY;
    if (c.threshold == 0.0) c.threshold = story ? RP_STORY_THRESHOLD : 0.5;
    if (!c.bands || !c.rows)
        rp_lsh_params(story ? 0.5 : c.threshold, c.num_perm, 0.9, &c.bands, &c.rows);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        st = rpi_ix_fail(RP_E_IO, RP_INDEX_E_NONE, "%s: cannot create: %s", dir, strerror(errno));
        goto out;
    }
    const rp_alloc *alloc = opt ? opt->alloc : NULL;
    char *data = path_join(alloc, dir, "data.mdb");
    struct stat sb;
    const int exists = data && stat(data, &sb) == 0;
    rpi_free(alloc, data);
    if (!data) {
        st = rpi_ix_fail(RP_E_NOMEM, RP_INDEX_E_NONE, "out of memory");
        goto out;
    }
    if (exists) {
        st = rpi_ix_fail(RP_E_INVALID, RP_INDEX_E_EXISTS, "%s already holds an index", dir);
        goto out;
    }
    rp_index *ix = ix_new(dir, alloc);
    if (!ix) {
        st = rpi_ix_fail(RP_E_NOMEM, RP_INDEX_E_NONE, "out of memory");
        goto out;
    }
    st = take_lock(ix->alloc, dir, &ix->lock_fd);
    if (st == RP_OK)
        st = env_open(ix, dir, opt && opt->map_size ? opt->map_size : DEFAULT_MAP_SIZE, 1,
                      c.level == RP_LEVEL_STORY);
    if (st == RP_OK) {
        MDB_txn *txn;
        int rc = mdb_txn_begin(ix->env, NULL, 0, &txn);
        if (rc) {
            st = rpi_ix_mdb(rc, "begin");
        } else {
            char text[1024];
            unsigned char fmt[4];
            put_le32(fmt, RPI_IX_FORMAT);
            MDB_val k = {6, (void *)"format"}, v = {4, fmt};
            rc = mdb_put(txn, ix->dbi[DB_META], &k, &v, 0);
            const int n = config_text(&c, text, sizeof text);
            k = (MDB_val){6, (void *)"config"};
            v = (MDB_val){(size_t)n, text};
            if (!rc) rc = mdb_put(txn, ix->dbi[DB_META], &k, &v, 0);
            if (!rc && c.level == RP_LEVEL_STORY) { /* contents with names: none yet */
                unsigned char zero[8] = {0};
                k = (MDB_val){8, (void *)RPI_IX_NAMED_KEY};
                v = (MDB_val){8, zero};
                rc = mdb_put(txn, ix->dbi[DB_META], &k, &v, 0);
            }
            if (!rc)
                rc = rpi_ix_commit_sync(ix, txn);
            else
                mdb_txn_abort(txn);
            if (rc) st = rpi_ix_mdb(rc, "create");
        }
    }
    ix_free(ix);
out:
    if (err) *err = rp_index_errkind(NULL);
    return st;
}

rp_status rp_index_open(rp_index **out, const char *dir, const rp_index_options *opt,
                        rp_index_error *err, char *errmsg, size_t errmsg_size)
{
    rpi_ix_clear();
    *out = NULL;
    rp_status st = RP_OK;
    rp_index *ix = ix_new(dir, opt ? opt->alloc : NULL);
    if (!ix) {
        st = rpi_ix_fail(RP_E_NOMEM, RP_INDEX_E_NONE, "out of memory");
        goto out;
    }
    ix->read_only = opt && opt->read_only;
    char *data = path_join(ix->alloc, dir, "data.mdb");
    struct stat sb;
    const int exists = data && stat(data, &sb) == 0;
    rpi_free(ix->alloc, data);
    if (!data) {
        st = rpi_ix_fail(RP_E_NOMEM, RP_INDEX_E_NONE, "out of memory");
        goto out;
    }
    if (!exists) {
        st = rpi_ix_fail(RP_E_IO, RP_INDEX_E_MISSING,
                         "%s: no index here (create one with 'reprint index create')", dir);
        goto out;
    }
    if (!ix->read_only) RP_TRY_GOTO(st, take_lock(ix->alloc, dir, &ix->lock_fd), out);
    RP_TRY_GOTO(st, env_open(ix, dir, opt ? opt->map_size : 0, 0, 0), out);
    RP_TRY_GOTO(st, read_meta(ix, dir), out);
    if (ix->has_story) RP_TRY_GOTO(st, rpi_bg_build(&ix->bg, &ix->cfg.norm, ix->alloc), out);
    if (ix->has_xling) /* the word lists of REPRINT_LEXICON_DIR, else the build's */
        RP_TRY_GOTO(st, rpi_lexset_create(&ix->ls, rpi_lexicon_dir(NULL), &ix->cfg.norm, ix->alloc),
                    out);
    if (!ix->read_only) RP_TRY_GOTO(st, rpi_ix_bands_load(ix), out);
    *out = ix;
    ix = NULL;
out:
    ix_free(ix);
    if (err) *err = rp_index_errkind(NULL);
    if (errmsg && errmsg_size) snprintf(errmsg, errmsg_size, "%s", ix_errmsg);
    return st;
}

void rp_index_close(rp_index *ix)
{
    /* pending term frequencies and band postings written: an older build reads the index as
     * stored, and the next open has nothing to rebuild */
    MDB_txn *txn;
    int folded;
    if (ix) rpi_ix_writer_stop(ix); /* queued asynchronous adds are run and answered first */
    if (ix && !ix->read_only && mdb_txn_begin(ix->env, NULL, 0, &txn) == 0) {
        if ((ix->cfg.level == RP_LEVEL_STORY || rpi_ix_terms_fold(ix, txn, 1) == RP_OK) &&
            rpi_ix_bands_fold(ix, txn, 1, NULL, &folded) == RP_OK)
            rpi_ix_commit_sync(ix, txn);
        else
            mdb_txn_abort(txn);
    }
    ix_free(ix);
}

rp_status rp_index_stats_get(rp_index *ix, rp_index_stats *out)
{
    rpi_ix_clear();
    memset(out, 0, sizeof *out);
    MDB_txn *txn;
    int rc = mdb_txn_begin(ix->env, NULL, MDB_RDONLY, &txn);
    if (rc) return rpi_ix_mdb(rc, "begin");
    MDB_stat ms;
    uint64_t pages = 0;
    for (int i = 0; i < DB_COUNT; i++) {
        if ((i >= DB_FIRST_STORY && !ix->has_story) || (i >= DB_FIRST_XLING && !ix->has_xling))
            continue;
        if (mdb_stat(txn, ix->dbi[i], &ms) != 0) continue;
        pages += ms.ms_branch_pages + ms.ms_leaf_pages + ms.ms_overflow_pages;
        if (i == DB_DOCS) out->n_docs = ms.ms_entries;
        if (i == DB_UNITS) out->n_units = ms.ms_entries;
        if (i == DB_EDGES) out->n_edges = ms.ms_entries / 2;
        if (i == DB_TERMS) out->n_terms = ms.ms_entries; /* + the pending, below */
    }
    MDB_envinfo ei;
    mdb_env_info(ix->env, &ei);
    mdb_env_stat(ix->env, &ms);
    out->bytes_used = (uint64_t)(ei.me_last_pgno + 1) * ms.ms_psize;
    (void)pages;
    out->map_size = ei.me_mapsize;
    out->bands = ix->cfg.bands;
    out->rows = ix->cfg.rows;
    if (ix->has_story) {
        const rp_status st = rpi_ixs_stats(ix, txn, &out->n_term_units, &out->n_lines,
                                           &out->n_boiler_lines, &out->n_named);
        if (st != RP_OK) {
            mdb_txn_abort(txn);
            return st;
        }
    } else {
        if (mdb_stat(txn, ix->dbi[DB_UTERMS], &ms) == 0) out->n_term_units = ms.ms_entries;
        uint64_t pending = 0;
        const rp_status st = rpi_ix_terms_pending(ix, txn, &pending);
        if (st != RP_OK) {
            mdb_txn_abort(txn);
            return st;
        }
        out->n_terms += pending;
    }
    MDB_val k = {8, (void *)"counters"}, v;
    if (mdb_get(txn, ix->dbi[DB_META], &k, &v) == 0 && v.mv_size >= 24) {
        out->next_doc = get_le64(v.mv_data);
        out->n_empty = get_le64((const unsigned char *)v.mv_data + 16);
    }
    /* clusters of >= 2 documents: centres with cluster_docs > 1 */
    MDB_cursor *cur;
    if (mdb_cursor_open(txn, ix->dbi[DB_UNITS], &cur) == 0) {
        MDB_val uk, uv;
        int op = MDB_FIRST;
        while (mdb_cursor_get(cur, &uk, &uv, (MDB_cursor_op)op) == 0) {
            op = MDB_NEXT;
            const unsigned char *p = uv.mv_data;
            if (get_le64(p + UNIT_CENTER) == get_be64(uk.mv_data) &&
                get_le64(p + UNIT_CLUSTER_DOCS) > 1)
                out->n_clusters++;
        }
        mdb_cursor_close(cur);
    }
    mdb_txn_abort(txn);
    return RP_OK;
}
