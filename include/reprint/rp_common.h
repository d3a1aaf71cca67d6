/* SPDX-License-Identifier: MIT */
/* rp_common.h -- status codes, allocator hook and export macros shared by every stage. */
#ifndef RP_COMMON_H
#define RP_COMMON_H
#include <stddef.h> /* size_t */
#include <stdint.h> /* uint64_t */
#ifdef __cplusplus
extern "C" {
#endif

#if defined(RP_BUILDING_LIBRARY) && defined(__GNUC__)
#define RP_API __attribute__((visibility("default")))
#else
#define RP_API
#endif

#define RP_VERSION_MAJOR 0
#define RP_VERSION_MINOR 1
#define RP_VERSION_PATCH 0
#define RP_VERSION_STRING "0.1.0"

/* Status codes. RP_OK is 0. New values go only at the end; nothing is ever renumbered. */
typedef enum rp_status {
    RP_OK = 0,
    RP_DONE = 1,          /* iteration finished (not an error) */
    RP_E_NOMEM = 2,       /* an allocation failed */
    RP_E_IO = 3,          /* read/write/open failed (errno kept in the context message) */
    RP_E_FORMAT = 4,      /* malformed input: bad JSON, bad WARC header, corrupt stream */
    RP_E_TOO_BIG = 5,     /* a capped buffer would grow past its cap */
    RP_E_TRUNCATED = 6,   /* input ended in the middle of a record or stream */
    RP_E_INVALID = 7,     /* invalid argument or parameter */
    RP_E_UNSUPPORTED = 8, /* feature compiled out or not implemented */
    RP_E_INTERNAL = 9,    /* a thread or system call failed unexpectedly */
    RP_E_CANCELLED = 10   /* the caller asked the run to stop (rp_engine_cancel) */
} rp_status;

/* Static English text for a status; never NULL. */
RP_API const char *rp_strerror(rp_status s);

/* Pluggable allocator (zstd ZSTD_customMem). Every field NULL means malloc/free.
 * alloc must return NULL on failure; free must accept NULL. */
typedef struct rp_alloc {
    void *(*alloc)(void *opaque, size_t size);
    void (*free)(void *opaque, void *ptr);
    void *opaque;
} rp_alloc;

/* Free memory the library allocated with alloc (NULL: malloc) and handed to the caller:
 * through the same allocator, never plain free() behind a custom one. */
RP_API void rp_free(const rp_alloc *alloc, void *ptr);

/* Library version as "MAJOR.MINOR.PATCH". */
RP_API const char *rp_version(void);

#ifdef __cplusplus
}
#endif
#endif /* RP_COMMON_H */
