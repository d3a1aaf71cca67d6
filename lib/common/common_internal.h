/* SPDX-License-Identifier: MIT */
/* common_internal.h -- private helpers every stage may use: allocation through rp_alloc,
 * capped growable buffers, error-propagation macros. Never installed. */
#ifndef RP_COMMON_INTERNAL_H
#define RP_COMMON_INTERNAL_H
#include <stddef.h>  /* size_t */
#include <stdint.h>  /* uint8_t */
#include <assert.h>  /* assert */
#include "reprint/rp_common.h"

#if defined(__GNUC__)
#define RPI_FUNC __attribute__((visibility("hidden")))
#else
#define RPI_FUNC
#endif

/* ---- allocation ------------------------------------------------------------------------- */
/* alloc may be NULL (malloc/free). rpi_malloc returns NULL on failure; the fault-injection
 * hook (rpi_fault_malloc_countdown) makes the Nth call fail in tests. */
RPI_FUNC void *rpi_malloc(const rp_alloc *alloc, size_t size);
RPI_FUNC void *rpi_calloc(const rp_alloc *alloc, size_t n, size_t size);
RPI_FUNC void rpi_free(const rp_alloc *alloc, void *ptr);
/* realloc emulated through alloc/free when a custom allocator is set: old_size is needed. */
RPI_FUNC void *rpi_realloc(const rp_alloc *alloc, void *ptr, size_t old_size, size_t new_size);
RPI_FUNC char *rpi_strndup(const rp_alloc *alloc, const char *s, size_t n);
#define RPI_HUGE_PAGE ((size_t)2 << 20) /* a transparent huge page (x86-64, arm64 4K) */
/* Advise transparent huge pages over the 2 MiB-aligned pages inside [p, p + n) when n is at
 * least 4 MiB (one fault per 2 MiB instead of 512); a no-op elsewhere than Linux. rpi_malloc,
 * rpi_calloc and rpi_realloc do it for their large blocks (without a custom allocator). */
RPI_FUNC void rpi_advise_huge(void *p, size_t n);
/* rpi_malloc for a block of 2 MiB or more that will be filled: aligned on 2 MiB and advised
 * for huge pages over its whole 2 MiB pages (without a custom allocator); freed by rpi_free. */
RPI_FUNC void *rpi_malloc_huge(const rp_alloc *alloc, size_t size);

/* ---- capped byte buffer (curl dynbuf) ----------------------------------------------------- */
struct rpi_buf {
    char *ptr;       /* always NUL-terminated when size>0 or after rpi_buf_reset */
    size_t size;     /* bytes used */
    size_t cap;      /* bytes allocated */
    size_t max_size; /* hard cap: growth past it returns RP_E_TOO_BIG */
    const rp_alloc *alloc;
};
RPI_FUNC void rpi_buf_init(struct rpi_buf *b, size_t max_size, const rp_alloc *alloc);
RPI_FUNC void rpi_buf_free(struct rpi_buf *b);
RPI_FUNC void rpi_buf_reset(struct rpi_buf *b); /* size = 0, keeps memory */
RPI_FUNC rp_status rpi_buf_reserve(struct rpi_buf *b, size_t extra);
RPI_FUNC rp_status rpi_buf_append(struct rpi_buf *b, const void *data, size_t size);
RPI_FUNC rp_status rpi_buf_putc(struct rpi_buf *b, char c);

/* ---- generic growable array of fixed-size elements (no cap beyond SIZE_MAX checks) -------- */
struct rpi_vec {
    void *ptr;
    size_t len;      /* elements used */
    size_t cap;      /* elements allocated */
    size_t elem_size;
    const rp_alloc *alloc;
};
/* Grow a bare array (*ptr, *cap elements of elem_size) geometrically so that it holds at least
 * need elements. For arrays that live in other structs; struct rpi_vec uses it too. */
RPI_FUNC rp_status rpi_array_reserve(const rp_alloc *alloc, void **ptr, size_t *cap,
                                     size_t elem_size, size_t need);
RPI_FUNC void rpi_vec_init(struct rpi_vec *v, size_t elem_size, const rp_alloc *alloc);
RPI_FUNC void rpi_vec_free(struct rpi_vec *v);
RPI_FUNC rp_status rpi_vec_reserve(struct rpi_vec *v, size_t n_extra);
RPI_FUNC rp_status rpi_vec_push(struct rpi_vec *v, const void *elem);
#define RPI_VEC_AT(v, T, i) (((T *)(v)->ptr)[i])

/* ---- sorting (sort.c) --------------------------------------------------------------------- */
/* Sort n 64-bit keys ascending (LSD radix, stable; n extra keys of scratch). RP_E_NOMEM. */
RPI_FUNC rp_status rpi_sort_u64(const rp_alloc *alloc, uint64_t *a, size_t n);
/* The first i in [0, n] with a[i] >= k in the ascending a[0..n) (n when there is none). */
RPI_FUNC size_t rpi_lower_bound_u64(const uint64_t *a, size_t n, uint64_t k);
/* In-place quicksort without scratch (for small arrays; O(n log n) expected). */
RPI_FUNC void rpi_qsort_u64(uint64_t *a, size_t n);
RPI_FUNC void rpi_qsort_u32(uint32_t *a, size_t n);
/* Stable LSD radix sort by bits [from_bit, 64) (from_bit a multiple of 8; 8-bit digits, a
 * digit shared by every key skipped), tmp holding n keys. With from_bit 32, keys whose low
 * half already rises in input order (a position) come out fully sorted. For the small and
 * medium per-text sorts: several times faster than a comparison sort from a few dozen keys. */
RPI_FUNC void rpi_radix_u64(uint64_t *a, uint64_t *tmp, size_t n, unsigned from_bit);
/* The same, stably by the whole key, for n records of `size` bytes that start with their
 * uint64_t key (records with equal keys keep their order); tmp holds n records. */
RPI_FUNC void rpi_radix_rec(void *a, void *tmp, size_t n, size_t size);

/* ---- clock (clock.c) ---------------------------------------------------------------------- */
RPI_FUNC double rpi_now(void);          /* monotonic seconds */
RPI_FUNC double rpi_peak_rss_mib(void); /* the process's peak resident set, MiB */

/* ---- hashing ---------------------------------------------------------------------------- */
/* MurmurHash3's 64-bit finaliser: the mixing of line keys, term table slots and grams. */
static inline uint64_t rpi_mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return h;
}

/* ---- error propagation (zstd error_private.h) --------------------------------------------- */
#define RP_TRY(expr)                                                                           \
    do {                                                                                       \
        rp_status rp_try_s_ = (expr);                                                          \
        if (rp_try_s_ != RP_OK) return rp_try_s_;                                              \
    } while (0)
#define RP_TRY_GOTO(st, expr, label)                                                           \
    do {                                                                                       \
        (st) = (expr);                                                                         \
        if ((st) != RP_OK) goto label;                                                         \
    } while (0)
#define RP_RETURN_IF(cond, err)                                                                \
    do {                                                                                       \
        if (cond) return (err);                                                                \
    } while (0)

/* ---- fault injection (tests only) -------------------------------------------------------- */
/* When > 0, the countdown-th rpi_malloc/calloc/realloc from now fails (returns NULL) and the
 * countdown disarms. 0 = disarmed. Process-global and test-only; not thread-safe by design. */
RPI_FUNC void rpi_fault_malloc_arm(long countdown);
RPI_FUNC long rpi_fault_malloc_calls(void); /* allocation calls since last arm */

#endif /* RP_COMMON_INTERNAL_H */
