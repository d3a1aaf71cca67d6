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
#include "lang/lang_internal.h"   /* RPI_LANG_SIZE, rpi_lang_detect */
#include "common/common_internal.h"
#include "common/arena_internal.h"

/* ---- story tokens --------------------------------------------------------------------- */

/* A line of a text: its hash and tokens (its bytes are those of its first and last token:
 * 8 of 24 bytes a line were byte ranges only the boilerplate accessor read). */
struct rpi_line {
    uint64_t hash;               /* of the line's token hashes */
    uint32_t tok_start, tok_end; /* tokens [start, end) */
};
/* What the reuse and story levels keep per document. In the arena of whoever built it: the
 * sentence breaks and the title. The text, the token offsets, ids, flags and the lines (14.6
 * of the 14.7 bytes a token and a byte of text per byte of input) in the arena too, or, when
 * built with a store (the batch engine), written to the store's temporary files and mapped
 * from them once reading ends (rpi_sstore_attach sets text, off, tok, tflags and lines; until
 * then they are NULL):
 * the steps that read every token (S1-S4) are passes over the maps that let them go as they
 * read (rpi_sdoc_release), those that read pairs touch only their pages. */
struct rpi_sdoc {
    const char *text; /* original text (NUL-terminated copy) */
    uint32_t text_size;
    const char *title; /* or NULL */
    uint32_t n_tok;
    uint32_t *tok;       /* 32-bit token ids (never 0); S1 sets boilerplate tokens to 0 */
    const uint32_t *off; /* 2 per token: byte start, end in text */
    uint8_t *tflags;     /* RPI_TOK_* per token */
    uint64_t *brk;       /* bit i: a sentence ends between tokens i - 1 and i (rpi_sdoc_brk) */
    struct rpi_line *lines;
    uint32_t n_lines;
    uint32_t *title_tok; /* the title's token ids (terms and names only, not aligned) */
    uint8_t *title_flags;
    uint32_t n_title;
    char lang[RPI_LANG_SIZE]; /* the text's language when CLD2 is sure of it, else "und" */
    uint16_t cold_file; /* built with a store: its index + 1 (0: all in the arena) */
    uint64_t cold_off;  /* where in the store's text file the text is, its offsets after it */
    uint64_t tok_off;   /* where in the store's token file its ids are, flags, lines after */
};
/* Whether a sentence ends between tokens i - 1 and i of sd: a line break, `!`, `?`, a `.`
 * before a space, a line break or the next token, an ideographic or fullwidth full stop,
 * exclamation or question mark in the bytes between them (S5b's sentences). */
static inline int rpi_sdoc_brk(const struct rpi_sdoc *sd, uint32_t i)
{
    return (int)(sd->brk[i >> 6] >> (i & 63) & 1u);
}
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

/* sd->lang from its text (text_size bytes): CLD2's language when it is sure, else "und"
 * (rpi_sdoc_build; a distributed run's units carry the text, not the code). */
RPI_FUNC rp_status rpi_sdoc_lang(struct rpi_sdoc *sd, const char *text);

struct rpi_sstore;
/* Build *out in arena ar from doc and its normalization nr: the text and the title, 32-bit
 * token ids with byte offsets, token flags (RPI_TOK_NAME, _ACRONYM, _NUMBER) from the
 * original spelling, sentence breaks, the lines, and the title's tokens through title_norm
 * (may be NULL: no title tokens). The text and offsets go to store when it is not NULL (then
 * RP_E_IO with store->msg when the file cannot be written), else to the arena. Nothing is
 * marked as boilerplate. RP_E_TOO_BIG for a text of 4 GiB or more. (doc_story.c) */
RPI_FUNC rp_status rpi_sdoc_build(struct rpi_arena *ar, const rp_doc *doc, const rp_norm_result *nr,
                                  rp_normalizer *title_norm, struct rpi_sstore *store,
                                  struct rpi_sdoc **out);
/* Bytes rpi_sdoc_build keeps in memory for a text of text_size bytes and n_tokens tokens
 * (about), for memory caps: the hot part, and the text and tokens unless stored. */
#define RPI_SDOC_HOT_BYTES(n_tokens) /* breaks */ \
    ((uint64_t)(n_tokens) / 8u + sizeof(struct rpi_sdoc) + 32u)
#define RPI_SDOC_BYTES(text_size, n_tokens) /* lines: one in ten tokens */ \
    (RPI_SDOC_HOT_BYTES(n_tokens) + (uint64_t)(text_size) + 1 + (n_tokens) * 15u)

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
/* Map the file read-only and private, or (writable) read-write and shared: then writes reach
 * the file's pages, so madvise(MADV_DONTNEED) drops them from the resident set without losing
 * them (a private copy would be discarded). */
RPI_FUNC rp_status rpi_spill_map(struct rpi_spill *s, int writable, char *msg, size_t cap);
/* Make the (empty) file size bytes long, zeros, to map and fill in place. */
RPI_FUNC rp_status rpi_spill_reserve(struct rpi_spill *s, uint64_t size, char *msg, size_t cap);
RPI_FUNC void rpi_spill_close(struct rpi_spill *s);
/* The sorted shingle set of d (after rpi_spill_map) */
static inline const uint64_t *rpi_spill_set(const struct rpi_spill *spills,
                                            const struct rpi_docslot *d)
{
    return spills[d->spill_file].map + d->spill_off / sizeof(uint64_t);
}

/* ---- story texts out of memory (doc_story.c) ---------------------------------------------- */

/* Where the batch engine keeps texts and tokens: two temporary files per reading thread
 * (unlinked at creation; texts and offsets, ids, flags and lines), appended to while reading
 * and mapped once reading ends: texts read-only, tokens shared and writable (S1 writes its
 * boilerplate marks into the ids and flags: in the file's pages they survive the releases;
 * kept in memory they would bring back a byte a token). Pages of the maps count in the
 * resident set only while a step reads them. */
struct rpi_sfile {
    struct rpi_spill spill; /* rpi_spill_open, _map, _close (doc_table.c) */
    char *buf;              /* not yet written (spill.size counts it): one write a MiB */
    size_t n_buf, cap_buf;
};
/* Append p[0, n) and zeros up to span bytes (>= n) to f; RP_E_IO with msg when the file cannot
 * be written. */
RPI_FUNC rp_status rpi_sfile_put(struct rpi_sfile *f, const rp_alloc *al, const void *p, size_t n,
                                 size_t span, char *msg, size_t cap);
/* Write what is left and map the file (rpi_spill_map's writable); no more appends after. */
RPI_FUNC rp_status rpi_sfile_map(struct rpi_sfile *f, const rp_alloc *al, int writable, char *msg,
                                 size_t cap);
RPI_FUNC void rpi_sfile_close(struct rpi_sfile *f, const rp_alloc *al); /* accepts a closed one */
/* Reads of mapped files note their bytes in *held (shared by the threads of a step, atomic):
 * 1 when they pass `limit` (the counter starts again), then the caller lets every page of its
 * maps go with rpi_sfile_drop (they stay in the page cache, read again on next use). */
RPI_FUNC int rpi_held_add(uint64_t *held, uint64_t bytes, uint64_t limit);
/* The rule every map of the story level is let go by: a read of `bytes` of maps whose files
 * hold `total` bytes counted in *held with its fault-around (RPI_FAULT_AROUND, both ends);
 * 1 when the caller should drop its maps now, after RPI_SSTORE_HELD bytes or 1/RPI_HELD_SHARE
 * of the maps, whichever is more. Maps of RPI_MAPS_KEEP bytes or less in all are never let go
 * (nothing counted). */
RPI_FUNC int rpi_held_note(uint64_t *held, uint64_t total, uint64_t bytes);
RPI_FUNC void rpi_sfile_drop(const struct rpi_sfile *f);
/* A fault on a file mapping also maps the pages around it that are in the page cache (the
 * kernel's fault-around, 64 KiB by default, and whole large folios: a sequential read of a
 * file written a MiB at a time took one fault per 512 KiB on Linux 6.18), so a read counts its
 * bytes and that much: releasing only a text's own pages left 280 of the 290 MiB the
 * originals touched at 100k documents mapped, and a madvise per text made the relations step
 * of Reuters 3-5 times slower (0.02 -> 0.06-0.11 s under load) where one for all the maps
 * every 32 MiB does not. Counted 64 KiB, the maps held up to 136 MiB at 100k documents; the
 * story run's max RSS with 64 KiB, 512 KiB, 2 MiB: 306, 247-256, 239-240 MB, system time 4.5,
 * 4.7, 5.4-5.8 s. */
#define RPI_FAULT_AROUND ((uint64_t)512 << 10)

struct rpi_sstore {
    struct rpi_sfile text, tok;
    uint16_t index;    /* of this store among the run's stores */
    uint32_t *scratch; /* one text's offsets, ids, flags and lines while building */
    size_t cap_scratch;
    const rp_alloc *alloc;
    char msg[256]; /* why a write failed */
};
/* Create store index in dir (NULL: $TMPDIR or /tmp); msg gets the reason on failure. */
RPI_FUNC rp_status rpi_sstore_open(struct rpi_sstore *st, uint16_t index, const char *dir,
                                   const rp_alloc *al, char *msg, size_t cap);
RPI_FUNC rp_status rpi_sstore_map(struct rpi_sstore *st, char *msg, size_t cap);
/* After rpi_sstore_map of every store: point sd's text and tokens into its store's map. */
RPI_FUNC void rpi_sstore_attach(const struct rpi_sstore *stores, struct rpi_sdoc *sd);
RPI_FUNC void rpi_sstore_close(struct rpi_sstore *st); /* accepts a closed store */
/* Append to the store a text and the tokens of sd (n_tok, text_size set) built elsewhere (a
 * distributed run's unit: off 2 x n_tok, tok n_tok, tflags n_tok, lines n_lines, any
 * alignment), as rpi_sdoc_build would have: sd's text, tokens and lines are unset until
 * rpi_sstore_attach. */
RPI_FUNC rp_status rpi_sstore_add(struct rpi_sstore *st, struct rpi_sdoc *sd, const char *text,
                                  const void *off, const void *tok, const void *tflags,
                                  const void *lines);
/* A step that read sd's text or tokens notes it here: once the reads noted in *held (shared
 * by the threads of a step, atomic) pass the budget (rpi_held_note), every page of the n
 * stores' maps is let go (they stay in the page cache and are read again on the next use).
 * A step that reads every member of every cluster would otherwise take the whole file into the
 * resident set (the originals at 100k documents: +280 MiB). A no-op for texts in an arena
 * (stores NULL or sd not stored) and for maps of RPI_MAPS_KEEP bytes or less (rpi_held_note). */
RPI_FUNC void rpi_sdoc_release(const struct rpi_sstore *stores, unsigned n, uint64_t *held,
                               const struct rpi_sdoc *sd);
/* 32 MiB held the 100k story run at 170,000-178,368 kB (1.0-1.04 bytes per input byte, S5-S7
 * at the peak with both sets of maps full); 16 MiB 159,664-163,648 kB for ~3% more CPU (user +
 * sys, alternated runs under load; outputs identical). */
#define RPI_SSTORE_HELD ((uint64_t)16 << 20)
/* A fixed budget lets the maps go once every 16 reads of scattered units (each counts its
 * fault-around): 217,335 madvise calls in the 100k story run, ten times as many at 1M
 * documents, each a TLB shootdown on the other cores followed by refaults, over maps ten times
 * larger, so the kernel's share grew with the square of the collection: the 1M run spent
 * 134 s in the kernel for 147 s of user time. A share of the maps keeps the drops per
 * document constant as the collection grows; the maps are ~3.9 bytes per input byte, so 1/48
 * of them holds ~0.08 bytes per input byte at most, and 16 MiB stays the floor (the 100k run,
 * maps of ~700 MB, is unchanged). 1M story run: system time 134 -> 82 s, user 147 -> 155 s
 * (one run each, the second under load 9-12), max RSS 1,352,808 -> 1,382,704 kB, output
 * identical. */
#define RPI_HELD_SHARE 48u
/* Maps this small stay whole: a small collection gains little from letting them go and pays
 * for it in faults. Reuters-21578's story run (its maps ~40-60 MB), quiet machine, 11
 * alternated runs against the run before the store (bench/ab.sh): letting go past 32 MiB
 * 1.28x the wall time, peak 89 MB; kept to 64 MiB 1.025x, 132 MB (before the store 106 MB);
 * the 100k-document run (maps of hundreds of MB) unchanged, 192,780 kB. */
#define RPI_MAPS_KEEP ((uint64_t)64 << 20)

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
    struct rpi_sstore *store; /* reuse/story: where story texts go (NULL: the arena) */
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
