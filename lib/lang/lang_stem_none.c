/* SPDX-License-Identifier: MIT */
/* lang_stem_none.c -- built without Hunspell (RP_WITH_HUNSPELL off or libhunspell missing):
 * no word has stems, the lists are looked up as the token and its prefixes only. */
#include "lang_internal.h"

struct rpi_stemmer {
    const rp_alloc *alloc;
};

int rpi_stem_available(void) { return 0; }

rpi_stemmer *rpi_stemmer_create(const rp_alloc *alloc)
{
    rpi_stemmer *st = rpi_calloc(alloc, 1, sizeof *st);
    if (st) st->alloc = alloc;
    return st;
}

void rpi_stemmer_free(rpi_stemmer *st)
{
    if (st) rpi_free(st->alloc, st);
}

int rpi_stem_each(rpi_stemmer *st, const char *code, const char *word, size_t n,
                  int (*fn)(const char *stem, size_t len, void *ctx), void *ctx)
{
    (void)st, (void)code, (void)word, (void)n, (void)fn, (void)ctx;
    return 0;
}
