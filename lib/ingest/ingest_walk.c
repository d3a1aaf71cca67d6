/* SPDX-License-Identifier: MIT */
/* ingest_walk.c -- expand an argument into the ordered list of files to read: a file, "-" for
 * stdin, or a directory walked depth-first with its entries in strcmp order.
 *
 * Inside a directory, regular files and symlinks to regular files are read. Everything else
 * is listed too, as an entry the reader reports as a skipped document (RP_SKIP_OPEN, detail
 * naming the path and why), so that nothing is left out silently: FIFOs (opening one would
 * block until a writer comes), sockets, devices, and symlinks to directories. Symlinked
 * directories are not followed: following them needs loop detection and can read the same
 * files twice under two names; a user who wants them gives them as arguments. Hidden entries
 * (names starting with '.') are left out by rule, as documented, and are not reported. */
#include <dirent.h>   /* opendir, readdir */
#include <errno.h>    /* errno */
#include <stdlib.h>   /* qsort */
#include <string.h>   /* strcmp, strlen, memcpy */
#include <sys/stat.h> /* stat, lstat */
#include "ingest_internal.h"

/* A path still to visit; the walk keeps them on an explicit stack, so deep trees cannot
 * exhaust the C stack. */
struct pending {
    char *path;
    char *rel;
};

static char *join(const rp_alloc *alloc, const char *a, const char *b)
{
    const size_t na = strlen(a), nb = strlen(b);
    const int slash = na > 0 && a[na - 1] != '/';
    char *s = rpi_malloc(alloc, na + (size_t)slash + nb + 1);
    if (!s) return NULL;
    memcpy(s, a, na);
    if (slash) s[na] = '/';
    memcpy(s + na + slash, b, nb + 1);
    return s;
}

static rp_status add_file(struct rpi_vec *files, const rp_alloc *alloc, char *path, char *rel,
                          uint64_t size, int err)
{
    struct rpi_file f = {path, rel, size, err, NULL};
    const rp_status st = rpi_vec_push(files, &f);
    if (st != RP_OK) {
        rpi_free(alloc, path);
        rpi_free(alloc, rel);
    }
    return st;
}

/* An entry of a directory that is not read, reported by the reader with why. */
static rp_status add_unread(struct rpi_vec *files, const rp_alloc *alloc, char *path, char *rel,
                            const char *why)
{
    struct rpi_file f = {path, rel, 0, 0, why};
    const rp_status st = rpi_vec_push(files, &f);
    if (st != RP_OK) {
        rpi_free(alloc, path);
        rpi_free(alloc, rel);
    }
    return st;
}

/* Why a non-regular entry (after following a symlink: via_link) is not read. */
static const char *unread_reason(mode_t mode, int via_link)
{
    if (S_ISDIR(mode)) return "symbolic link to a directory, not followed";
    if (S_ISFIFO(mode)) return via_link ? "symbolic link to a FIFO, not read" : "FIFO, not read";
    if (S_ISSOCK(mode))
        return via_link ? "symbolic link to a socket, not read" : "socket, not read";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return via_link ? "symbolic link to a device, not read" : "device, not read";
    return "not a regular file, not read";
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(struct rpi_vec *names, const rp_alloc *alloc)
{
    for (size_t i = 0; i < names->len; i++) rpi_free(alloc, RPI_VEC_AT(names, char *, i));
    rpi_vec_free(names);
}

/* Read the visible entries of a directory, sorted. RP_OK, RP_E_NOMEM, or RP_E_IO with *err. */
static rp_status list_dir(const char *path, struct rpi_vec *names, const rp_alloc *alloc,
                          int *err)
{
    DIR *d = opendir(path);
    if (!d) {
        *err = errno;
        return errno == ENOMEM ? RP_E_NOMEM : RP_E_IO; /* out of memory is not a bad input */
    }
    rp_status st = RP_OK;
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue; /* hidden, ".", ".." */
        char *name = rpi_strndup(alloc, e->d_name, strlen(e->d_name));
        if (!name) {
            st = RP_E_NOMEM;
            break;
        }
        st = rpi_vec_push(names, &name);
        if (st != RP_OK) {
            rpi_free(alloc, name);
            break;
        }
        errno = 0;
    }
    if (st == RP_OK && errno != 0) {
        *err = errno;
        st = RP_E_IO;
    }
    closedir(d);
    if (st == RP_OK && names->len > 1) qsort(names->ptr, names->len, sizeof(char *), cmp_names);
    return st;
}

static rp_status walk_dir(const char *root, struct rpi_vec *files, uint64_t *total,
                          const rp_alloc *alloc)
{
    struct rpi_vec stack, names;
    rpi_vec_init(&stack, sizeof(struct pending), alloc);
    rpi_vec_init(&names, sizeof(char *), alloc);
    rp_status st = RP_OK;
    struct pending cur = {rpi_strndup(alloc, root, strlen(root)), NULL};
    if (!cur.path) return RP_E_NOMEM;
    int is_dir = 1; /* the root was stat'ed by the caller */
    for (;;) {
        if (is_dir) {
            int err = 0;
            names.len = 0;
            st = list_dir(cur.path, &names, alloc, &err);
            if (st == RP_E_IO) {
                /* An unreadable directory is reported like an unreadable file. */
                if (!cur.rel) cur.rel = rpi_strndup(alloc, cur.path, strlen(cur.path));
                if (!cur.rel) {
                    st = RP_E_NOMEM;
                    break;
                }
                st = add_file(files, alloc, cur.path, cur.rel, 0, err);
                cur.path = cur.rel = NULL;
            } else if (st == RP_OK) {
                /* Push children last-to-first so they pop in order. */
                st = rpi_vec_reserve(&stack, names.len);
                for (size_t i = names.len; st == RP_OK && i-- > 0;) {
                    const char *nm = RPI_VEC_AT(&names, char *, i);
                    struct pending p = {join(alloc, cur.path, nm),
                                        cur.rel ? join(alloc, cur.rel, nm)
                                                : rpi_strndup(alloc, nm, strlen(nm))};
                    if (!p.path || !p.rel) {
                        rpi_free(alloc, p.path);
                        rpi_free(alloc, p.rel);
                        st = RP_E_NOMEM;
                        break;
                    }
                    st = rpi_vec_push(&stack, &p); /* reserved: cannot fail */
                }
                rpi_free(alloc, cur.path);
                rpi_free(alloc, cur.rel);
                cur.path = cur.rel = NULL;
            }
            for (size_t i = 0; i < names.len; i++) rpi_free(alloc, RPI_VEC_AT(&names, char *, i));
            names.len = 0;
            if (st != RP_OK) break;
        }
        if (stack.len == 0) break;
        cur = RPI_VEC_AT(&stack, struct pending, stack.len - 1);
        stack.len--;
        /* Directory symlinks are not followed (see the top of the file); file symlinks are. */
        struct stat sb;
        is_dir = 0;
        if (lstat(cur.path, &sb) != 0) {
            st = add_file(files, alloc, cur.path, cur.rel, 0, errno);
        } else if (S_ISDIR(sb.st_mode)) {
            is_dir = 1;
            continue;
        } else if (S_ISLNK(sb.st_mode)) {
            if (stat(cur.path, &sb) != 0)
                st = add_file(files, alloc, cur.path, cur.rel, 0, errno);
            else if (S_ISREG(sb.st_mode)) {
                *total += (uint64_t)sb.st_size;
                st = add_file(files, alloc, cur.path, cur.rel, (uint64_t)sb.st_size, 0);
            } else {
                st = add_unread(files, alloc, cur.path, cur.rel, unread_reason(sb.st_mode, 1));
            }
        } else if (S_ISREG(sb.st_mode)) {
            *total += (uint64_t)sb.st_size;
            st = add_file(files, alloc, cur.path, cur.rel, (uint64_t)sb.st_size, 0);
        } else {
            /* FIFOs, sockets, devices inside a tree are not documents: reported, not read */
            st = add_unread(files, alloc, cur.path, cur.rel, unread_reason(sb.st_mode, 0));
        }
        cur.path = cur.rel = NULL;
        if (st != RP_OK) break;
    }
    rpi_free(alloc, cur.path);
    rpi_free(alloc, cur.rel);
    for (size_t i = 0; i < stack.len; i++) {
        rpi_free(alloc, RPI_VEC_AT(&stack, struct pending, i).path);
        rpi_free(alloc, RPI_VEC_AT(&stack, struct pending, i).rel);
    }
    rpi_vec_free(&stack);
    free_names(&names, alloc);
    return st;
}

rp_status rpi_walk(const char *arg, struct rpi_vec *files, uint64_t *total, const rp_alloc *alloc)
{
    *total = 0;
    struct stat sb;
    int err = 0;
    if (strcmp(arg, "-") != 0) {
        if (stat(arg, &sb) != 0) err = errno;
        else if (S_ISDIR(sb.st_mode)) return walk_dir(arg, files, total, alloc);
        else if (S_ISREG(sb.st_mode)) *total = (uint64_t)sb.st_size;
    }
    /* A file, stdin, or something that cannot be stat'ed (reported when read). */
    char *path = rpi_strndup(alloc, arg, strlen(arg));
    char *rel = rpi_strndup(alloc, arg, strlen(arg));
    if (!path || !rel) {
        rpi_free(alloc, path);
        rpi_free(alloc, rel);
        return RP_E_NOMEM;
    }
    return add_file(files, alloc, path, rel, *total, err);
}

void rpi_walk_free(struct rpi_vec *files, const rp_alloc *alloc)
{
    for (size_t i = 0; i < files->len; i++) {
        rpi_free(alloc, RPI_VEC_AT(files, struct rpi_file, i).path);
        rpi_free(alloc, RPI_VEC_AT(files, struct rpi_file, i).rel);
    }
    rpi_vec_free(files);
}
