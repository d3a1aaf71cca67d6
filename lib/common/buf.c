/* SPDX-License-Identifier: MIT */
/* buf.c -- capped growable byte buffer and growable array (curl dynbuf). */
#include <string.h> /* memcpy */
#include "common_internal.h"

void rpi_buf_init(struct rpi_buf *b, size_t max_size, const rp_alloc *alloc)
{
    b->ptr = NULL;
    b->size = 0;
    b->cap = 0;
    b->max_size = max_size ? max_size : SIZE_MAX - 1;
    b->alloc = alloc;
}

void rpi_buf_free(struct rpi_buf *b)
{
    rpi_free(b->alloc, b->ptr);
    b->ptr = NULL;
    b->size = b->cap = 0;
}

void rpi_buf_reset(struct rpi_buf *b)
{
    b->size = 0;
    if (b->ptr) b->ptr[0] = '\0';
}

rp_status rpi_buf_reserve(struct rpi_buf *b, size_t extra)
{
    if (extra > b->max_size - b->size) return RP_E_TOO_BIG;
    size_t need = b->size + extra + 1; /* +1 for the NUL */
    if (need <= b->cap) return RP_OK;
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < need) ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    if (ncap > b->max_size + 1) ncap = b->max_size + 1;
    char *p = rpi_realloc(b->alloc, b->ptr, b->cap, ncap);
    if (!p) return RP_E_NOMEM;
    b->ptr = p;
    b->cap = ncap;
    return RP_OK;
}

rp_status rpi_buf_append(struct rpi_buf *b, const void *data, size_t size)
{
    RP_TRY(rpi_buf_reserve(b, size));
    if (size) memcpy(b->ptr + b->size, data, size);
    b->size += size;
    b->ptr[b->size] = '\0';
    return RP_OK;
}

rp_status rpi_buf_putc(struct rpi_buf *b, char c) { return rpi_buf_append(b, &c, 1); }

void rpi_vec_init(struct rpi_vec *v, size_t elem_size, const rp_alloc *alloc)
{
    v->ptr = NULL;
    v->len = v->cap = 0;
    v->elem_size = elem_size;
    v->alloc = alloc;
}

void rpi_vec_free(struct rpi_vec *v)
{
    rpi_free(v->alloc, v->ptr);
    v->ptr = NULL;
    v->len = v->cap = 0;
}

rp_status rpi_array_reserve(const rp_alloc *alloc, void **ptr, size_t *cap, size_t elem_size,
                            size_t need)
{
    if (need <= *cap) return RP_OK;
    if (need > SIZE_MAX / elem_size) return RP_E_TOO_BIG;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need) ncap = ncap > SIZE_MAX / 2 / elem_size ? need : ncap * 2;
    void *p = rpi_realloc(alloc, *ptr, *cap * elem_size, ncap * elem_size);
    if (!p) return RP_E_NOMEM;
    *ptr = p;
    *cap = ncap;
    return RP_OK;
}

rp_status rpi_vec_reserve(struct rpi_vec *v, size_t n_extra)
{
    if (n_extra > SIZE_MAX / v->elem_size - v->len) return RP_E_TOO_BIG;
    return rpi_array_reserve(v->alloc, &v->ptr, &v->cap, v->elem_size, v->len + n_extra);
}

rp_status rpi_vec_push(struct rpi_vec *v, const void *elem)
{
    RP_TRY(rpi_vec_reserve(v, 1));
    memcpy((char *)v->ptr + v->len * v->elem_size, elem, v->elem_size);
    v->len++;
    return RP_OK;
}
