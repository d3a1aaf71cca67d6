/* SPDX-License-Identifier: MIT */
/* serve_http.h -- `reprint serve` inside: the HTTP plumbing (serve_http.c: libmicrohttpd,
 * bodies, auth, limits, graceful stop) and the routes over the index API (serve_routes.c).
 * Private to programs/; only built with RP_WITH_SERVER. */
#ifndef RP_SERVE_HTTP_H
#define RP_SERVE_HTTP_H
#include <pthread.h>          /* pthread_mutex_t, pthread_cond_t */
#include <stdatomic.h>        /* atomic_long */
#include <stddef.h>           /* size_t */
#include <stdint.h>           /* uint16_t */
#include <sys/socket.h>       /* struct sockaddr_storage */
#include <microhttpd.h>       /* struct MHD_Connection, enum MHD_Result */
#include "reprint/rp_index.h" /* rp_index, rp_ingest_params */

/* One server: set by cmd_serve.c, then shared read-only by the pool threads (but counters). */
struct server {
    rp_index *ix;
    rp_ingest_params ingest; /* field names of the documents */
    char *token;             /* NULL: loopback clients only */
    size_t token_len;
    size_t max_body;
    unsigned timeout;
    int quiet;
    /* listening */
    struct sockaddr_storage addr;
    int v6;
    uint16_t port;
    const char *listen_at; /* as given, for messages */
    const char *host;      /* address part, for the "listening on" line */
    unsigned threads, max_conn;
    size_t max_header;
    const char *port_file; /* --port-file: the bound port, written atomically */
    atomic_long in_flight;
    atomic_long n_requests;
    /* the request deadline (serve_http.c): one slot per open connection, scanned by a
     * watchdog thread that closes requests still arriving after --timeout */
    struct conn_slot *slots;
    size_t n_slots;
    pthread_mutex_t slots_mu;
    pthread_cond_t stop_cv;
    int stopping;
    unsigned n_open; /* connections served (not refused) */
    atomic_long n_timed_out;
    atomic_long n_refused;
    /* adds whose connection was suspended and not yet answered after its resumption; at
     * stop, add_stop first (a later add is answered 503 at once), then this reaches 0, and
     * only then may the daemon stop (libmicrohttpd aborts on a suspended connection) */
    atomic_long n_suspended;
    atomic_int add_stop;
};

/* The longest request target (path and query, as sent) served; longer: 414. Ids fit in it
 * percent-encoded (RP_INDEX_ID_MAX x 3 plus the longest route prefix). */
#define SERVE_URL_MAX 4096

/* One request's body as it arrived (NUL-terminated when not NULL). */
struct request {
    size_t url_size; /* the request target as sent */
    char *body;
    size_t size, cap;
    double start;
    int counted;   /* counted in in_flight */
    int rejected;  /* a response was queued at the headers: discard the body */
    unsigned late; /* status to answer once the body has ended (413, 408, 503) */
    const char *late_msg;
    size_t discarded;
    /* an add waiting for its group commit (serve_routes.c): the connection is suspended until
     * the writer thread has its result, then resumed and answered on a pool thread */
    struct MHD_Connection *conn;
    int suspended;         /* counted in n_suspended */
    rp_index_batch *batch; /* queued, the request's */
    int add_done;          /* the result below is set */
    rp_status add_st;
    rp_index_error add_kind;
    rp_index_result *add_res;
    char *add_msg; /* the error's message (malloc'ed), NULL when none */
};

/* ---- serve_http.c ------------------------------------------------------------------------ */
/* Listen, serve until SIGTERM or SIGINT, then stop gracefully. Returns the exit status (0, or
 * 3 when the daemon cannot start; message on stderr). */
int serve_http_run(struct server *s);
/* Queue body (malloc'ed; freed here in every case) as an application/json answer. */
enum MHD_Result serve_send_json(struct MHD_Connection *conn, unsigned status, char *body,
                                size_t size);
/* {"error":msg,"status":code} plus "line" and "column" when line > 0. */
enum MHD_Result serve_send_error(struct MHD_Connection *conn, unsigned status, const char *msg,
                                 long line, long column);
/* 405 {"error":"use ...","status":405} with "Allow: allow". */
enum MHD_Result serve_send_not_allowed(struct MHD_Connection *conn, const char *allow);

/* ---- serve_routes.c ---------------------------------------------------------------------- */
/* Answer a complete request (headers checked, body in rq). */
enum MHD_Result serve_route(struct server *s, struct MHD_Connection *conn, const char *url,
                            const char *method, struct request *rq);
/* Free what an add left in rq (a request ended before its answer). */
void serve_request_release(struct server *s, struct request *rq);
#endif
