/* SPDX-License-Identifier: MIT */
/* doc_internal.h -- stage "doc": one record in, one document out. Takes a framed record
 * (rp_record, lib/ingest) and gives everything later stages need of it: its id or skip reason
 * with a "path:line: reason" detail, its date, the exact key (XXH3-128 of the normalized
 * text), its MinHash signature, and at the reuse/story levels its story tokens (struct
 * rpi_sdoc: text, 32-bit token ids with byte offsets and flags, lines). The one preparation
 * path of every driver: the batch engine (lib/engine/engine_read.c), the index
 * (lib/index/index_batch.c) and later distributed ranks call rpi_prep_record.
 * Depends on common, ingest, normalize, sketch. */
#ifndef RP_DOC_INTERNAL_H
#define RP_DOC_INTERNAL_H
#include <stdint.h> /* uint64_t */
#include "reprint/rp_ingest.h"    /* rp_record, rp_doc */
#include "reprint/rp_normalize.h" /* rp_normalizer, rp_norm_result */
#include "reprint/rp_sketch.h"    /* rp_minhash */
#include "common/common_internal.h"
#include "common/arena_internal.h"

/* ---- story tokens --------------------------------------------------------------------- */

/* A line of a text: its hash, tokens and bytes. */
struct rpi_line {
    uint64_t hash;               /* of the line's token hashes */
    uint32_t tok_start, tok_end; /* tokens [start, end) */
    uint32_t byte_start, byte_end;
};
/* What the reuse and story levels keep per document (in the arena of whoever built it). */
struct rpi_sdoc {
    const char *text; /* original text (NUL-terminated copy) */
    uint32_t text_size;
    const char *title; /* or NULL */
    uint32_t n_tok;
    uint32_t *tok;    /* 32-bit token ids (never 0); boilerplate tokens set to 0 later */
    uint32_t *off;    /* 2 per token: byte start, end in text */
    uint8_t *tflags;  /* RPI_TOK_* per token */
    struct rpi_line *lines;
    uint32_t n_lines;
    uint32_t *title_tok; /* the title's token ids (terms and names only, not aligned) */
    uint8_t *title_flags;
    uint32_t n_title;
};
/* A token's 32-bit id: the 64-bit hash folded; never 0 (0 marks boilerplate). */
static inline uint32_t rpi_token_id(uint64_t h)
{
    const uint32_t id = (uint32_t)(h ^ (h >> 32));
    return id ? id : 1u;
}
#define RPI_TOK_NAME 0x01u    /* capitalised, not at a sentence start, or an acronym */
#define RPI_TOK_ACRONYM 0x02u /* two or more letters, all upper case */
#define RPI_TOK_NUMBER 0x04u  /* digits, or a number word (one..twenty, hundred, ...) */
#define RPI_TOK_BOILER 0x08u  /* on a line learnt as boilerplate */

/* Build *out in arena ar from doc and its normalization nr: a copy of the text and title,
 * 32-bit token ids with byte offsets, token flags (RPI_TOK_NAME, _ACRONYM, _NUMBER) from the
 * original spelling, the lines, and the title's tokens through title_norm (may be NULL: no
 * title tokens). Nothing is marked as boilerplate. RP_E_TOO_BIG for a text of 4 GiB or more.
 * (doc_story.c) */
RPI_FUNC rp_status rpi_sdoc_build(struct rpi_arena *ar, const rp_doc *doc, const rp_norm_result *nr,
                                  rp_normalizer *title_norm, struct rpi_sdoc **out);
/* Bytes rpi_sdoc_build keeps for a text of text_size bytes and n_tokens tokens (about), for
 * memory caps. */
#define RPI_SDOC_BYTES(text_size, n_tokens) ((uint64_t)(text_size) + 1 + (n_tokens) * 13u + 64u)

/* The key boilerplate learning counts: line l's hash (top 40 bits) with a 24-bit hash of its
 * context, the hashes of the lines before and after it (0 at either end). Lines whose key has
 * boilerplate_min or more distinct low 24 bits are boilerplate (batch: lib/story; index: its
 * line statistics). */
RPI_FUNC uint64_t rpi_sdoc_line_key(const struct rpi_sdoc *sd, uint32_t l);
#define RPI_LINE_MASK (~0xFFFFFFull) /* the line part of a line key */

/* ---- one document ---------------------------------------------------------------------- */

#define RPI_DOC_TRUNCATED 0x01u
#define RPI_DOC_EMPTY 0x02u
#define RPI_DOC_BAD_DATE 0x04u /* a date was given but not understood: the document is undated */

/* Per-document record of a run. Text is not kept, except in sd at the reuse/story levels. */
struct rpi_docslot {
    const char *id;      /* arena */
    const char *detail;  /* arena; skip detail, or for a document whose date was not
                            understood (RPI_DOC_BAD_DATE) its message, or NULL */
    const char *source;  /* interned path */
    uint64_t line;
    uint64_t content_hash[2]; /* the exact key */
    uint64_t norm_size;  /* bytes of normalized text */
    uint64_t n_tokens;
    int64_t date;
    uint64_t spill_off;  /* verify=exact: offset of the sorted shingle set in the spill file */
    uint32_t n_shingles; /* verify=exact: count of distinct shingles */
    uint16_t spill_file; /* verify=exact: worker spill file */
    uint8_t skip;        /* rp_skip */
    uint8_t flags;       /* RPI_DOC_* */
    struct rpi_sdoc *sd; /* reuse/story levels: text and tokens, else NULL */
};

/* The documents of a run, numbered in input order, in chunks that never move: workers fill
 * slots while the reader creates new ones, without locks. Signatures (num_perm values each;
 * none when num_perm is 0) in parallel chunks. */
#define RPI_CHUNK_SHIFT 16u
#define RPI_CHUNK_DOCS (1u << RPI_CHUNK_SHIFT)
#define RPI_MAX_CHUNKS 65536u
struct rpi_doctab {
    struct rpi_docslot *chunks[RPI_MAX_CHUNKS];
    uint32_t *sig_chunks[RPI_MAX_CHUNKS];
    size_t n_docs;
    unsigned num_perm; /* 0: no signatures (exact level) */
    const rp_alloc *alloc;
};
static inline struct rpi_docslot *rpi_doc(const struct rpi_doctab *t, size_t i)
{
    return &t->chunks[i >> RPI_CHUNK_SHIFT][i & (RPI_CHUNK_DOCS - 1)];
}
static inline uint32_t *rpi_sig(const struct rpi_doctab *t, size_t i)
{
    return t->sig_chunks[i >> RPI_CHUNK_SHIFT] + (i & (RPI_CHUNK_DOCS - 1)) * t->num_perm;
}
/* Make sure slots [0, n) exist (documents arrive one at a time: only the chunk of slot n - 1
 * can be missing). Zeroed slots. RP_E_TOO_BIG past RPI_MAX_CHUNKS chunks. (doc_table.c) */
RPI_FUNC rp_status rpi_doctab_reserve(struct rpi_doctab *t, size_t n);
RPI_FUNC void rpi_doctab_free(struct rpi_doctab *t);

/* verify=exact: the sorted distinct shingles of each document, appended to a per-worker
 * temporary file (unlinked at creation) and mapped once reading ends. */
struct rpi_spill {
    int fd;
    uint64_t size;
    const uint64_t *map; /* after rpi_spill_map */
};
/* Create the spill file in dir (NULL: $TMPDIR or /tmp); msg gets the reason on failure. */
RPI_FUNC rp_status rpi_spill_open(struct rpi_spill *s, const char *dir, char *msg, size_t cap);
/* Sort and deduplicate sh[0, n) in place, append it, note where in d. */
RPI_FUNC rp_status rpi_spill_write(struct rpi_spill *s, uint16_t file, struct rpi_docslot *d,
                                   uint64_t *sh, size_t n, char *msg, size_t cap);
RPI_FUNC rp_status rpi_spill_map(struct rpi_spill *s, char *msg, size_t cap);
RPI_FUNC void rpi_spill_close(struct rpi_spill *s);
/* The sorted shingle set of d (after rpi_spill_map) */
static inline const uint64_t *rpi_spill_set(const struct rpi_spill *spills,
                                            const struct rpi_docslot *d)
{
    return spills[d->spill_file].map + d->spill_off / sizeof(uint64_t);
}

/* ---- preparing a record (doc_prep.c) ---------------------------------------------------- */

struct rpi_prep_params {
    int sketch;         /* signatures (every level but exact) */
    int story;          /* story tokens (reuse and story levels) */
    unsigned ngram;     /* shingle size */
    unsigned num_perm;  /* signature length */
    uint64_t seed;
    int keep_shingles;  /* the shingles stay in rpi_prepared (verify=exact spills them) */
};

/* One preparer per thread: a parser, normalizers and scratch. */
struct rpi_prep {
    struct rpi_prep_params p;
    rp_parser *parser;
    rp_normalizer *norm;
    rp_normalizer *tnorm; /* reuse/story: titles */
    struct rpi_vec shingles; /* uint64_t */
    struct rpi_vec sig;      /* uint32_t, when the caller gives no signature buffer */
    struct rpi_buf scratch;
    char detail[1024];
};
RPI_FUNC rp_status rpi_prep_init(struct rpi_prep *pr, const struct rpi_prep_params *p,
                                 const rp_ingest_params *ip, const rp_norm_params *np,
                                 const rp_alloc *alloc);
RPI_FUNC void rpi_prep_free(struct rpi_prep *pr);

/* A prepared document: pointers into the preparer's scratch, the record or the parser, valid
 * until the next rpi_prep_record on the same preparer. */
struct rpi_prepared {
    rp_skip skip;            /* RP_SKIP_NONE unless skipped */
    const char *id;          /* never NULL: the record's id, else its relative path, else
                                "path:line" */
    size_t id_size;
    const char *detail;      /* skipped: "path:line: reason: detail"; else NULL */
    int64_t date;            /* INT64_MIN when undated */
    uint8_t flags;           /* RPI_DOC_TRUNCATED, _EMPTY, _BAD_DATE */
    uint64_t content_hash[2], norm_size, n_tokens, text_size;
    uint32_t *sig;           /* num_perm values unless exact level or empty, else NULL */
    uint64_t *shingles;      /* keep_shingles: the document's shingles (not deduplicated) */
    size_t n_shingles;
    struct rpi_sdoc *sd;     /* reuse/story, not skipped: story tokens in the given arena */
    rp_doc doc;              /* the parsed record (text, title, raw date) */
    rp_norm_result nr;       /* its normalization (tokens) */
};

/* Parse, normalize, shingle and sketch one record. sig_out (may be NULL: the preparer's
 * scratch) receives the signature; ar (may be NULL below the reuse level) holds the story
 * tokens; bad_date_msg (may be NULL) receives the "path:line: date ..." message of a date not
 * understood, within cap bytes. A record that cannot be read is a skipped document, never an
 * error; errors are RP_E_NOMEM and RP_E_TOO_BIG (story tokens of a text of 4 GiB or more). */
RPI_FUNC rp_status rpi_prep_record(struct rpi_prep *pr, const rp_record *rec, uint32_t *sig_out,
                                   struct rpi_arena *ar, char *bad_date_msg, size_t cap,
                                   struct rpi_prepared *out);
#endif
