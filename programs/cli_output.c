/* SPDX-License-Identifier: MIT */
/* cli_output.c -- atomic output (write temp, fsync, rename: no half-written result ever looks
 * complete) and JSON string escaping for the CLI's JSON Lines output. */
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

/* Length of a valid UTF-8 sequence at s (RFC 3629), or 0 if invalid. */
static size_t utf8_valid_len(const unsigned char *s)
{
    const unsigned char c = s[0];
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && s[1] < 0xA0) return 0; /* overlong */
        if (c == 0xED && s[1] > 0x9F) return 0; /* surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) return 0;
        if (c == 0xF0 && s[1] < 0x90) return 0;
        if (c == 0xF4 && s[1] > 0x8F) return 0;
        return 4;
    }
    return 0;
}

void cli_json_str(FILE *f, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    putc('"', f);
    while (*s) {
        const unsigned char c = *s;
        if (c == '"' || c == '\\') {
            putc('\\', f);
            putc(c, f);
            s++;
        } else if (c < 0x20) {
            switch (c) {
            case '\n': fputs("\\n", f); break;
            case '\t': fputs("\\t", f); break;
            case '\r': fputs("\\r", f); break;
            default: fprintf(f, "\\u%04x", c);
            }
            s++;
        } else if (c < 0x80) {
            putc(c, f);
            s++;
        } else {
            /* the string is NUL-terminated, so reading up to 3 bytes ahead stops at NUL */
            const size_t n = utf8_valid_len(s);
            if (n) {
                fwrite(s, 1, n, f);
                s += n;
            } else {
                fputs("\\ufffd", f);
                s++;
            }
        }
    }
    putc('"', f);
}
