/* SPDX-License-Identifier: MIT */
/* json_out.h -- the one JSON writer of the CLI, the index commands, the server and the HTML
 * report: string literals (plain, or safe inside an HTML <script> block) and numbers in the
 * formats the outputs have always used. Writes to a stdio stream; never fails by itself (check
 * the stream). */
#ifndef RP_JSON_OUT_H
#define RP_JSON_OUT_H
#include <stddef.h> /* size_t */
#include <stdint.h> /* uint32_t, uint64_t */
#include <stdio.h>  /* FILE */

/* jout_str_n flags. */
enum {
    /* Safe inside <script type="application/json">: <, > and & as \u003c \u003e \u0026 (a
     * text holding "</script>" cannot end the block), U+2028/U+2029 and DEL escaped, and each
     * byte that is not valid UTF-8 written as \ufffd, as jout_utf8_next decodes it (the report
     * maps byte offsets to UTF-16 indexes with the same decoder). Without it, invalid UTF-8 is
     * repaired by rp_utf8_repair and written as UTF-8. */
    JOUT_HTML = 1
};

/* Write s[0, n) as a JSON string literal: quotes, backslashes and control characters escaped,
 * always valid JSON whatever the bytes. */
void jout_str_n(FILE *f, const char *s, size_t n, unsigned flags);
/* The same for a NUL-terminated s; NULL is written as null. */
void jout_str(FILE *f, const char *s);
void jout_str_html(FILE *f, const char *s); /* jout_str with JOUT_HTML */

/* Decode one code point at s (n > 0 bytes left). Returns the bytes consumed; an invalid or
 * truncated sequence consumes one byte and yields U+FFFD (RFC 3629 well-formedness). */
size_t jout_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

/* Numbers. Scores and similarities in JSON Lines output: fixed 4 decimals ("0.8125"). */
void jout_score(FILE *f, double v);
/* 4 significant digits ("%.4g"), NaN and infinities as 0 (the report's data block). */
void jout_num4(FILE *f, double v);
void jout_u64(FILE *f, uint64_t v);
#endif
