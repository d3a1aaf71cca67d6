/* SPDX-License-Identifier: MIT */
/* fuzz_unit.c -- libFuzzer target for the reader of distributed-run units (lib/dist/
 * dist_pack.c, rpi_unit_unpack): the input is a unit's payload. Its header is made here
 * (magic, plan, payload size and checksum), so the fuzzer reaches the parser instead of
 * failing verification, and the signature fields (length, where the section begins) are set
 * to fit the engine, read with or without signatures by the input's last byte; every other
 * length, count and string in the payload is the fuzzer's. Checks:
 * no crash or out-of-bounds read (ASan), a status of RP_OK, RP_E_FORMAT, RP_E_NOMEM or
 * RP_E_TOO_BIG, and after RP_OK every document has an id. Seeds (corpus/unit/): the payloads
 * of the story-level units of samples/news. */
#include <stdint.h> /* uint8_t */
#include <stdlib.h> /* abort, malloc */
#include <string.h> /* memcpy */
#include <xxhash.h> /* XXH3_64bits */
#include "dist/dist_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rp_config cfg;
    rp_config_default(&cfg);
    cfg.level = RP_LEVEL_STORY;
    cfg.threads = 1;
    cfg.max_memory = (uint64_t)256 << 20;
    rp_engine *e = NULL;
    if (rp_engine_create(&e, &cfg, NULL) != RP_OK) abort();
    unsigned char *u = malloc(RPI_UNIT_HEADER + size + 1);
    if (!u) abort();
    memcpy(u + RPI_UNIT_HEADER, data, size);
    /* counts[7]: the signature length; counts[8]: no shingle sets; counts[9]: where the
     * signatures begin -- from the input's last byte: the records end there, or at the end
     * (a stripped unit, read without signatures) */
    int sigs = 0;
    if (size >= 10 * 8 + 1) {
        const uint64_t np = e->docs.num_perm, none = 0;
        uint64_t ndocs, recs = size;
        memcpy(&ndocs, data, 8);
        const uint64_t sb = np * 4;
        if ((data[size - 1] & 1) && ndocs > 0 && ndocs < size / sb + 1 && ndocs * sb < size) {
            recs = size - ndocs * sb; /* the tail is the signature section */
            sigs = 1;
        }
        memcpy(u + RPI_UNIT_HEADER + 7 * 8, &np, 8);
        memcpy(u + RPI_UNIT_HEADER + 8 * 8, &none, 8);
        memcpy(u + RPI_UNIT_HEADER + 9 * 8, &recs, 8);
    }
    const uint64_t h[] = {1, 0, size, XXH3_64bits(u + RPI_UNIT_HEADER, size)};
    memcpy(u, "RPDUNIT2", 8);
    memcpy(u + 8, h, sizeof h);
    if (!rpi_unit_verify(u, RPI_UNIT_HEADER + size, 1, 0)) abort();
    struct rpi_arena ar;
    rpi_arena_init(&ar, NULL);
    const rp_status st = rpi_unit_unpack(e, u, RPI_UNIT_HEADER + size, &ar, NULL, NULL, sigs);
    if (st != RP_OK && st != RP_E_FORMAT && st != RP_E_NOMEM && st != RP_E_TOO_BIG) abort();
    if (st == RP_OK)
        for (size_t i = 0; i < e->docs.n_docs; i++)
            if (!rpi_doc(&e->docs, i)->id) abort();
    rpi_arena_free(&ar);
    free(u);
    rp_engine_free(e);
    return 0;
}
