/* SPDX-License-Identifier: MIT */
/* regression_driver.c -- replays inputs through LLVMFuzzerTestOneInput without libFuzzer
 * (after zstd's tests/fuzz/regression_driver.c): each argument is a file or a directory whose
 * regular files (one level, hidden files skipped) are each one input. */
#include <dirent.h>   /* opendir, readdir */
#include <stdint.h>   /* uint8_t */
#include <stdio.h>    /* fopen, fread, fprintf */
#include <stdlib.h>   /* malloc, realloc, free */
#include <string.h>   /* strlen */
#include <sys/stat.h> /* stat, S_ISDIR, S_ISREG */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Run one file; returns 0 or -1 when it cannot be read. */
static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "regression_driver: cannot open %s\n", path);
        return -1;
    }
    size_t cap = 4096, size = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + size, 1, cap - size, f)) > 0) {
        size += got;
        if (size == cap) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    int err = ferror(f);
    fclose(f);
    if (buf == NULL || err) {
        free(buf);
        fprintf(stderr, "regression_driver: cannot read %s\n", path);
        return -1;
    }
    /* An exact-size copy so ASan catches reads past the input, as under libFuzzer. */
    uint8_t *exact = malloc(size > 0 ? size : 1);
    if (exact == NULL) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, size);
    free(buf);
    LLVMFuzzerTestOneInput(exact, size);
    free(exact);
    return 0;
}

int main(int argc, char **argv)
{
    int failed = 0;
    unsigned long n = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "regression_driver: cannot stat %s\n", argv[i]);
            failed = 1;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            failed |= run_file(argv[i]) != 0;
            n++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        if (d == NULL) {
            fprintf(stderr, "regression_driver: cannot open directory %s\n", argv[i]);
            failed = 1;
            continue;
        }
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            size_t len = strlen(argv[i]) + 1 + strlen(e->d_name) + 1;
            char *p = malloc(len);
            if (p == NULL) {
                failed = 1;
                break;
            }
            snprintf(p, len, "%s/%s", argv[i], e->d_name);
            if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
                failed |= run_file(p) != 0;
                n++;
            }
            free(p);
        }
        closedir(d);
    }
    printf("regression_driver: %lu input(s) replayed\n", n);
    return failed;
}
