/* SPDX-License-Identifier: MIT */
/* cli_output.c -- atomic output (write temp, fsync, rename: no half-written result ever looks
 * complete). */
#include <errno.h>    /* errno */
#include <stdio.h>    /* FILE, fprintf */
#include <stdlib.h>   /* malloc, free, mkstemp */
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
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
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
    /* mkstemp creates 0600; give the result the mode a plain open would (0666 & ~umask) */
    const mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
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
