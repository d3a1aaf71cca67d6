/* SPDX-License-Identifier: MIT */
/* status.c -- text for rp_status codes. */
#include "common_internal.h"

const char *rp_strerror(rp_status s)
{
    switch (s) {
    case RP_OK: return "ok";
    case RP_DONE: return "done";
    case RP_E_NOMEM: return "out of memory";
    case RP_E_IO: return "input/output error";
    case RP_E_FORMAT: return "malformed input";
    case RP_E_TOO_BIG: return "too big";
    case RP_E_TRUNCATED: return "truncated input";
    case RP_E_INVALID: return "invalid argument";
    case RP_E_UNSUPPORTED: return "unsupported";
    case RP_E_INTERNAL: return "internal error";
    case RP_E_CANCELLED: return "cancelled";
    }
    return "unknown status";
}
