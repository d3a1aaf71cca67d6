/* SPDX-License-Identifier: MIT */
/* rp_normalize.h -- text normalization and tokenization (stage 2 of 7): UTF-8 repair,
 * Unicode NFKC + case folding + accent stripping (libutf8proc), punctuation and whitespace
 * folding, Unicode-aware word tokens; scripts written without spaces (Han, Kana, Thai, Lao,
 * Khmer, Myanmar) become one token per character so word n-grams over them are character
 * n-grams. Then word n-gram shingles. */
#ifndef RP_NORMALIZE_H
#define RP_NORMALIZE_H
#include <stdint.h>    /* uint64_t */
#include "rp_common.h" /* RP_API, rp_status, rp_alloc */
#ifdef __cplusplus
extern "C" {
#endif

/* Steps, each switchable. */
#define RP_NORM_NFKC 0x01u          /* compatibility composition (UAX #15) */
#define RP_NORM_CASEFOLD 0x02u      /* full case folding */
#define RP_NORM_STRIP_ACCENTS 0x04u /* drop nonspacing marks (Mn) after canonical decomposition,
                                       then recompose: Ségou = Segou. Also drops Thai tone
                                       marks, kana voicing and Indic viramas */
#define RP_NORM_PUNCT 0x08u         /* punctuation/symbols separate tokens and are dropped;
                                       off: each punctuation char is its own token */
#define RP_NORM_CJK_CHARS 0x10u     /* one token per character in scripts without spaces */
#define RP_NORM_DEFAULT 0x1Fu

typedef struct rp_norm_params {
    unsigned flags;     /* RP_NORM_* ; default RP_NORM_DEFAULT; other bits: RP_E_INVALID */
    uint64_t seed;      /* token hash seed; default 0 */
    size_t max_tokens;  /* tokens kept per document (rest ignored, counted, and left out of
                           norm and content_hash); default 16M */
} rp_norm_params;

RP_API void rp_norm_params_default(rp_norm_params *p);

/* One token. Offsets are bytes into the ORIGINAL text given to rp_normalizer_run, so callers
 * can point back at the source (shared passages). */
typedef struct rp_token {
    uint64_t hash;       /* XXH3-64 of the normalized token bytes, seeded */
    uint32_t start, end; /* [start, end) in the original text */
    uint32_t norm_off;   /* offset of the normalized token in rp_norm_result.norm */
    uint32_t norm_size;  /* its size in bytes */
} rp_token;

typedef struct rp_norm_result {
    const rp_token *tokens; /* owned by the normalizer; valid until its next run */
    size_t n_tokens;
    const char *norm;       /* normalized tokens joined by single spaces, NUL-terminated */
    size_t norm_size;
    uint64_t content_hash[2]; /* XXH3-128 of norm (low, high), unseeded: the exact-duplicate
                                 key. "" for a document without tokens. */
    size_t n_repaired;      /* invalid UTF-8 sequences replaced by U+FFFD */
    size_t n_dropped_tokens; /* tokens past max_tokens */
} rp_norm_result;

typedef struct rp_normalizer rp_normalizer; /* opaque; one per thread; reuses its buffers */

/* p may be NULL (defaults); alloc may be NULL (malloc/free) and is copied. On failure *out is
 * NULL: RP_E_INVALID (bad flags), RP_E_NOMEM. Normalizers share no state: one per thread. */
RP_API rp_status rp_normalizer_create(rp_normalizer **out, const rp_norm_params *p,
                                      const rp_alloc *alloc);
RP_API void rp_normalizer_free(rp_normalizer *n); /* accepts NULL */

/* Normalize and tokenize text[0..size). text may contain invalid UTF-8 and NUL bytes (NUL is
 * treated as whitespace); text is only read during the call. Documents are limited to
 * 4 GiB - 1 (RP_E_TOO_BIG). On failure (RP_E_NOMEM, RP_E_TOO_BIG, RP_E_INVALID) *res is
 * zeroed and the normalizer stays usable. Cost: linear in size, about 300 MB/s on ASCII text
 * (one core); tokens with non-ASCII letters go through utf8proc and are several times
 * slower. See docs/internals/normalize.md. */
RP_API rp_status rp_normalizer_run(rp_normalizer *n, const char *text, size_t size,
                                   rp_norm_result *res);

/* Validate/repair UTF-8 alone: writes to out (capacity must be >= 3*size bytes) the text with
 * each maximal invalid subpart replaced by U+FFFD (Unicode 15 ch. 3, "best practice").
 * Returns bytes written (no NUL is added); *n_repaired counts replacements (n_repaired may be
 * NULL). NUL bytes are valid UTF-8 and are copied. Thread-safe. */
RP_API size_t rp_utf8_repair(const char *in, size_t size, char *out, size_t *n_repaired);

/* Word n-gram shingles of a token sequence: one 64-bit hash per window of ngram consecutive
 * tokens (n_tokens - ngram + 1 of them), order-sensitive and fully mixed (every output bit
 * depends on every token hash bit). A document with 1..ngram-1 tokens gets one shingle of
 * all its tokens; an empty one gets none. ngram 0 counts as 1. out must hold
 * max(n_tokens, 1) values. Returns the count written. Thread-safe. Cost: ngram multiply-rotate
 * rounds and one finalizer per shingle, O(n_tokens * ngram). */
RP_API size_t rp_shingles(const rp_token *tokens, size_t n_tokens, unsigned ngram,
                          uint64_t *out);

#ifdef __cplusplus
}
#endif
#endif /* RP_NORMALIZE_H */
