/* SPDX-License-Identifier: MIT */
/* fuzz_normalize.c -- libFuzzer target for the normalizer, shingles and MinHash.
 * Byte 0: bits 0-4 are the RP_NORM_* flags (all 32 combinations), bit 5 a small max_tokens,
 * bits 6-7 the shingle n-gram (1..4); the rest is the text (any bytes, invalid UTF-8 too).
 * Checks: token offsets inside the text and inside norm, norm NUL-terminated, normalizing
 * norm again gives the same norm (idempotence), MinHash of a non-empty set is not empty and
 * equals itself. */
#include <stdint.h> /* uint8_t, uint32_t, uint64_t */
#include <stdlib.h> /* abort, malloc, free */
#include <string.h> /* memcmp, memcpy */
#include "reprint/rp_normalize.h" /* rp_normalizer_*, rp_shingles */
#include "reprint/rp_sketch.h"    /* rp_minhash */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_result(const rp_norm_result *res, size_t text_size)
{
    if (res->norm == NULL || res->norm[res->norm_size] != '\0')
        abort();
    if (res->n_tokens > 0 && res->tokens == NULL)
        abort();
    for (size_t i = 0; i < res->n_tokens; i++) {
        const rp_token *t = &res->tokens[i];
        if (t->start > t->end || t->end > text_size)
            abort();
        if ((uint64_t)t->norm_off + t->norm_size > res->norm_size)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    rp_norm_params np;
    rp_norm_params_default(&np);
    np.flags = data[0] & 0x1Fu;
    if (data[0] & 0x20u)
        np.max_tokens = 7;
    unsigned ngram = ((unsigned)data[0] >> 6) + 1u;
    const char *text = (const char *)data + 1;
    size_t text_size = size - 1;

    rp_normalizer *n = NULL;
    if (rp_normalizer_create(&n, &np, NULL) != RP_OK)
        abort(); /* every flag combination is valid */
    rp_norm_result res;
    if (rp_normalizer_run(n, text, text_size, &res) != RP_OK) {
        rp_normalizer_free(n);
        return 0; /* RP_E_NOMEM only at these sizes */
    }
    check_result(&res, text_size);

    /* Shingles and MinHash over the tokens. */
    uint64_t *sh = malloc((res.n_tokens > 0 ? res.n_tokens : 1) * sizeof *sh);
    if (sh == NULL)
        abort();
    size_t n_sh = rp_shingles(res.tokens, res.n_tokens, ngram, sh);
    if (n_sh > (res.n_tokens > 0 ? res.n_tokens : 1) || (res.n_tokens > 0 && n_sh == 0))
        abort();
    rp_minhash_params mp;
    rp_minhash_params_default(&mp);
    mp.num_perm = 64;
    uint32_t sig[64];
    rp_status st = rp_minhash(&mp, sh, n_sh, sig);
    if (n_sh == 0 ? st != RP_DONE : st != RP_OK)
        abort();
    if (n_sh > 0 && rp_minhash_similarity(sig, sig, mp.num_perm) != 1.0)
        abort();
    free(sh);

    /* Idempotence: norm is a fixed point (with max_tokens, norm holds only kept tokens). */
    char *norm = malloc(res.norm_size + 1);
    if (norm == NULL)
        abort();
    memcpy(norm, res.norm, res.norm_size + 1);
    size_t norm_size = res.norm_size;
    uint64_t h0 = res.content_hash[0], h1 = res.content_hash[1];
    if (rp_normalizer_run(n, norm, norm_size, &res) == RP_OK) {
        check_result(&res, norm_size);
        if (res.norm_size != norm_size || memcmp(res.norm, norm, norm_size) != 0)
            abort();
        if (res.content_hash[0] != h0 || res.content_hash[1] != h1)
            abort();
    }
    free(norm);
    rp_normalizer_free(n);
    return 0;
}
