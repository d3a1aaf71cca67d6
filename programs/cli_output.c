/* SPDX-License-Identifier: MIT */
/* cli_output.c -- atomic output (write temp, fsync, rename: no half-written result ever looks
 * complete). */
#include <errno.h>    /* errno */
#include <stdio.h>    /* FILE, fprintf */
#include <stdlib.h>   /* malloc, free, mkstemp */
#include <limits.h>   /* PATH_MAX */
#include <string.h>   /* strlen, strerror */
#include <unistd.h>   /* fsync, unlink */
#include <sys/stat.h> /* stat, fchmod, umask */
#include "cli_output.h"

int cli_out_open(struct cli_out *o, const char *path)
{
    o->f = NULL;
    o->final_path = NULL;
    o->tmp_path = NULL;
    if (!path || strcmp(path, "-") == 0) {
        o->f = stdout;
        return 0;
    }
    struct stat sb;
    const int exists = stat(path, &sb) == 0;
    if (exists && !S_ISREG(sb.st_mode)) {
        /* a device or a pipe (/dev/null, a FIFO): write to it directly; renaming a temp file
         * over it would replace the device */
        o->f = fopen(path, "w");
        if (!o->f) {
            fprintf(stderr, "reprint: %s: cannot open output: %s\n", path, strerror(errno));
            return -1;
        }
        o->final_path = malloc(strlen(path) + 1);
        if (o->final_path) memcpy(o->final_path, path, strlen(path) + 1);
        return 0;
    }
    const size_t n = strlen(path);
    o->final_path = malloc(n + 1);
    o->tmp_path = malloc(n + 32);
    if (!o->final_path || !o->tmp_path) {
        fprintf(stderr, "reprint: out of memory\n");
        cli_out_abort(o);
        return -1;
    }
    memcpy(o->final_path, path, n + 1);
    snprintf(o->tmp_path, n + 32, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(o->tmp_path);
    if (fd < 0) {
        fprintf(stderr, "reprint: %s: cannot create output: %s\n", path, strerror(errno));
        free(o->tmp_path);
        o->tmp_path = NULL;
        cli_out_abort(o);
        return -1;
    }
    o->f = fdopen(fd, "w");
    if (!o->f) {
        fprintf(stderr, "reprint: %s: %s\n", path, strerror(errno));
        close(fd);
        cli_out_abort(o);
        return -1;
    }
    /* mkstemp creates 0600. Replacing a file keeps its permission bits (a private 0600 result
     * stays private); a new file gets the mode a plain open would give (0666 & ~umask). */
    mode_t mode;
    if (exists) {
        mode = sb.st_mode & 07777;
    } else {
        const mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
    }
    if (fchmod(fd, mode) != 0) {
        fprintf(stderr, "reprint: %s: cannot set mode: %s\n", path, strerror(errno));
        fclose(o->f);
        o->f = NULL;
        cli_out_abort(o);
        return -1;
    }
    setvbuf(o->f, NULL, _IOFBF, 1 << 16);
    return 0;
}

int cli_out_commit(struct cli_out *o)
{
    int rc = 0;
    if (o->f == stdout) {
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fprintf(stderr, "reprint: writing standard output: %s\n", strerror(errno));
            rc = -1;
        }
        o->f = NULL;
        return rc;
    }
    const char *what = NULL;
    if (!o->tmp_path) { /* a device or pipe written directly */
        if (fflush(o->f) != 0 || ferror(o->f)) what = "write";
        int saved_dev = errno;
        if (fclose(o->f) != 0 && !what) what = "close", saved_dev = errno;
        o->f = NULL;
        if (what)
            fprintf(stderr, "reprint: %s: %s failed: %s\n", o->final_path, what,
                    strerror(saved_dev));
        free(o->final_path);
        o->final_path = NULL;
        return what ? -1 : 0;
    }
    if (ferror(o->f)) what = "write";
    else if (fflush(o->f) != 0) what = "write";
    else if (fsync(fileno(o->f)) != 0) what = "fsync";
    int saved = errno;
    if (fclose(o->f) != 0 && !what) {
        what = "close";
        saved = errno;
    }
    o->f = NULL;
    if (!what && rename(o->tmp_path, o->final_path) != 0) {
        what = "rename";
        saved = errno;
    }
    if (what) {
        fprintf(stderr, "reprint: %s: %s failed: %s; output not written\n", o->final_path,
                what, strerror(saved));
        unlink(o->tmp_path);
        rc = -1;
    }
    free(o->tmp_path);
    free(o->final_path);
    o->tmp_path = o->final_path = NULL;
    return rc;
}

void cli_out_abort(struct cli_out *o)
{
    if (o->f && o->f != stdout) fclose(o->f);
    if (o->tmp_path) unlink(o->tmp_path);
    free(o->tmp_path);
    free(o->final_path);
    o->f = NULL;
    o->tmp_path = o->final_path = NULL;
}

/* ---- outputs are never inputs ------------------------------------------------------------- */

/* The folder that holds path (path itself when it is a folder and self_dir), resolved with
 * realpath: symlinks and ".." are gone, so its prefixes are its physical ancestors. NULL when
 * it does not exist (opening the output reports that). The caller frees. */
static char *holder_of(const char *path, int self_dir)
{
    struct stat sb;
    if (self_dir && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) return realpath(path, NULL);
    const size_t n = strlen(path);
    char *dir = malloc(n + 2);
    if (!dir) return NULL;
    memcpy(dir, path, n + 1);
    size_t k = n;
    while (k > 1 && dir[k - 1] == '/')
        k--; /* "a/b/" names b */
    while (k > 0 && dir[k - 1] != '/')
        k--;
    if (k == 0)
        memcpy(dir, ".", 2);
    else
        dir[k] = '\0'; /* keeps the '/' so that "/x" gives "/" */
    char *real = realpath(dir, NULL);
    free(dir);
    return real;
}

int cli_out_check_inputs(const char *out, int out_dir, char *const *inputs, int n_inputs)
{
    if (!out || !strcmp(out, "-")) return 0;
    struct stat so;
    const int exists = stat(out, &so) == 0;
    /* Devices and pipes are written in place and read nothing back (/dev/null, a FIFO). */
    if (exists && !S_ISREG(so.st_mode) && !S_ISDIR(so.st_mode)) return 0;
    char *holder = holder_of(out, out_dir);
    int rc = 0;
    for (int i = 0; i < n_inputs && rc == 0; i++) {
        struct stat si;
        if (!strcmp(inputs[i], "-") || stat(inputs[i], &si) != 0) continue;
        if (exists && si.st_dev == so.st_dev && si.st_ino == so.st_ino) {
            fprintf(stderr,
                    "reprint: %s: the output is the input %s; refusing to replace an input\n", out,
                    inputs[i]);
            rc = -1;
            break;
        }
        if (!S_ISDIR(si.st_mode) || !holder) continue;
        /* Is the output's folder, or one of its ancestors, this input folder? Compared by
         * device and inode, so any spelling of the path and any symlink is caught. */
        char *p = holder;
        for (size_t k = strlen(p);;) {
            const char saved = p[k];
            p[k] = '\0';
            struct stat sa;
            const int same =
                stat(k ? p : "/", &sa) == 0 && sa.st_dev == si.st_dev && sa.st_ino == si.st_ino;
            p[k] = saved;
            if (same) {
                fprintf(stderr,
                        "reprint: %s: the output is inside the input folder %s; refusing (it "
                        "would be read as input or replace one)\n",
                        out, inputs[i]);
                rc = -1;
                break;
            }
            if (k == 0) break;
            while (k > 0 && p[k - 1] != '/')
                k--;        /* drop the last component */
            if (k > 0) k--; /* and its '/' ("/a" -> "", i.e. "/") */
        }
    }
    free(holder);
    return rc;
}

int cli_out_same(const char *a, const char *b)
{
    if (!a || !b || !strcmp(a, "-") || !strcmp(b, "-")) return 0;
    struct stat sa, sb;
    const int ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
    if (ea && eb) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (ea != eb) return 0;
    /* neither exists yet: same folder and same last component */
    char *ha = holder_of(a, 0), *hb = holder_of(b, 0);
    const char *na = strrchr(a, '/'), *nb = strrchr(b, '/');
    na = na ? na + 1 : a;
    nb = nb ? nb + 1 : b;
    const int same = ha && hb && !strcmp(ha, hb) && !strcmp(na, nb);
    free(ha);
    free(hb);
    return same;
}
