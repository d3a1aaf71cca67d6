/* SPDX-License-Identifier: MIT */
/* lang_internal.h -- stage lang: which language a text is in, and the words of a language
 * in one shared term space (English), so versions of one story in two languages can be
 * compared.
 *
 * Takes: a text (language identification, CLD2 from Debian's libcld2); normalized tokens of a
 * text in a known language (rp_normalize.h).
 * Gives: an ISO 639 code per text; per token a "pivot" term id: the token's English rendering
 * from a bilingual word list (tools/lexicon.py extracts them at build time from the FreeDict
 * dictionaries Debian ships), else the token transliterated to Latin ASCII (ICU:
 * Any-Latin; Latin-ASCII, so Путин and Putin meet), else the token itself; every pivot
 * term cut to its first RPI_PIVOT_PREFIX characters (a stem that needs no stemmer per language:
 * "captured", "capture" and "capturer" meet). Read by lib/doc (the language of each text) and
 * lib/story (the terms across languages, story_xling.c). docs/internals/story.md, "Across
 * languages". */
#ifndef RP_LANG_INTERNAL_H
#define RP_LANG_INTERNAL_H
#include <stddef.h>                 /* size_t */
#include <stdint.h>                 /* uint32_t */
#include "common/common_internal.h" /* RPI_FUNC */
#include "reprint/rp_normalize.h"   /* rp_norm_params, rp_norm_result */
#ifdef __cplusplus                  /* lang_detect.cc */
extern "C" {
#endif

/* A language code: ISO 639-1 where one exists ("en", "fr"), else CLD2's ("haw"), "und" when
 * the text is too short or unknown; NUL-terminated. */
#define RPI_LANG_SIZE 8
/* Texts shorter than this are never given a language (CLD2 calls them "reliable" in the
 * wrong language too often: MStream's lower-cased tweets). */
#define RPI_LANG_MIN_BYTES 200
/* The language of text[0, n): CLD2 over its first 4 KiB. Returns 1 when CLD2 is sure (it
 * calls the result reliable, the language holds 80% of the text or more, and it scored 200
 * bytes of letters or more: a tweet or a headline is too short), else 0 (code still set: its
 * best guess, or "und"), -1 when out of memory. Thread-safe. */
RPI_FUNC int rpi_lang_detect(const char *text, size_t n, char code[RPI_LANG_SIZE]);
/* CLD2 alone (lang_detect.cc; lang_none.c without it): rpi_lang_detect's slow path. */
RPI_FUNC int rpi_lang_cld2(const char *text, size_t n, char code[RPI_LANG_SIZE]);
/* Whether language identification is built in (CLD2 found at build time). */
RPI_FUNC int rpi_lang_available(void);

/* Pivot terms are cut to this many code points. McNamee & Mayfield (2004, "Character n-gram
 * tokenization for European language text retrieval") find truncation to 4-5 characters as
 * good as a stemmer for retrieval in European languages; measured here in docs. */
#define RPI_PIVOT_PREFIX 5

/* The stems of a word (lang_stem.c: Hunspell; lang_stem_none.c without it): one per run,
 * thread-safe, each language's dictionary opened on first use. */
typedef struct rpi_stemmer rpi_stemmer;
RPI_FUNC rpi_stemmer *rpi_stemmer_create(const rp_alloc *alloc); /* NULL: out of memory */
RPI_FUNC int rpi_stem_available(void);                           /* 1 when built with Hunspell */
RPI_FUNC void rpi_stemmer_free(rpi_stemmer *st);
/* fn(stem, len, ctx) for each stem of word[0, n) (UTF-8, as written) in language code, until
 * fn returns nonzero: that value; 0 when none did or the language has no dictionary. */
RPI_FUNC int rpi_stem_each(rpi_stemmer *st, const char *code, const char *word, size_t n,
                           int (*fn)(const char *stem, size_t len, void *ctx), void *ctx);

typedef struct rpi_lexset rpi_lexset; /* the word lists of a run, loaded on first use */
/* dir: where <code>.tsv word lists are (NULL: none; names, numbers and transliteration
 * only); np: how texts are normalized (the lists are normalized the same way). */
RPI_FUNC rp_status rpi_lexset_create(rpi_lexset **out, const char *dir, const rp_norm_params *np,
                                     const rp_alloc *alloc);
RPI_FUNC void rpi_lexset_free(rpi_lexset *ls);
/* Pivot term ids of the n tokens of nr (from text, a text in language code; text NULL: no
 * stems are looked up) into out[0, n): never 0.
 * how (may be NULL): 1 where the id is the token transliterated (no list knew it), else 0.
 * Loads the language's list on first use (thread-safe). Per-thread state in *scratch (NULL
 * at first; free with rpi_lexset_scratch_free). RP_E_NOMEM; RP_E_IO with msg when a list
 * exists but cannot be read. */
RPI_FUNC rp_status rpi_lexset_pivot(rpi_lexset *ls, const char *code, const char *text,
                                    const rp_norm_result *nr, uint32_t *out, uint8_t *how,
                                    void **scratch, char *msg, size_t cap);
RPI_FUNC void rpi_lexset_scratch_free(rpi_lexset *ls, void *scratch);
/* s[0, n) (UTF-8, any script) in lower-case Latin ASCII letters and digits (ICU
 * `Any-Latin; Latin-ASCII`, marks and soft signs dropped) into out[0, cap): its length; 0 when
 * ICU is missing, the token is too long, nothing is left or it does not fit. The pivot terms'
 * own transliteration, for S7's letter profiles. Per-thread state in *scratch as above. */
RPI_FUNC size_t rpi_lexset_latin(rpi_lexset *ls, void **scratch, const char *s, size_t n, char *out,
                                 size_t cap);
/* The folder of the word lists: given (not NULL), else $REPRINT_LEXICON_DIR, else the build's
 * (RP_LEXICON_DIR: build/lex) while it exists, else where `make install` put them
 * (share/reprint/lex). */
RPI_FUNC const char *rpi_lexicon_dir(const char *given);
/* The list of code from data[0, size) (the lines of a <code>.tsv) instead of its file: tests
 * and fuzzing. RP_E_INVALID when the list of code is loaded already or too many are. */
RPI_FUNC rp_status rpi_lexset_put_list(rpi_lexset *ls, const char *code, const char *data,
                                       size_t size);
/* Words in the list of code (0 when none or not loaded yet), for the coverage figures. */
RPI_FUNC size_t rpi_lexset_words(rpi_lexset *ls, const char *code);
#ifdef __cplusplus
}
#endif
#endif
