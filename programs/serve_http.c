/* SPDX-License-Identifier: MIT */
/* serve_http.c -- the HTTP plumbing of `reprint serve` on libmicrohttpd with a thread pool:
 * answers, bearer token or loopback-only access, body and time limits (errors found while a
 * body arrives are answered once it has ended), graceful stop on SIGTERM/SIGINT. What each
 * request does is in serve_routes.c. */
#include <errno.h>      /* errno */
#include <pthread.h>    /* pthread_sigmask */
#include <signal.h>     /* sigwait */
#include <stdio.h>      /* fprintf, open_memstream */
#include <stdlib.h>     /* calloc, realloc, free, strtoull */
#include <string.h>     /* memcmp, memcpy, strerror, strlen, strncmp */
#include <time.h>       /* clock_gettime */
#include <unistd.h>     /* close, usleep */
#include <arpa/inet.h>  /* ntohl */
#include <netinet/in.h> /* sockaddr_in, sockaddr_in6 */

#if RP_WITH_SERVER
#include "json_out.h" /* jout_str */
#include "serve_http.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

enum MHD_Result serve_send_json(struct MHD_Connection *conn, unsigned status, char *body,
                                size_t size)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(size, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    if (status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    const enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result serve_send_error(struct MHD_Connection *conn, unsigned status, const char *msg,
                                 long line, long column)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f) return MHD_NO;
    fputs("{\"error\":", f);
    jout_str(f, msg);
    fprintf(f, ",\"status\":%u", status);
    if (line > 0) fprintf(f, ",\"line\":%ld,\"column\":%ld", line, column);
    fputs("}\n", f);
    fclose(f);
    return serve_send_json(conn, status, buf, size);
}

static int is_loopback(const struct sockaddr *sa)
{
    if (!sa) return 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (!memcmp(in6->sin6_addr.s6_addr, v4mapped, 12)) return in6->sin6_addr.s6_addr[12] == 127;
        return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    }
    return 0;
}

/* Constant-time comparison of the bearer token. */
static int token_ok(const struct server *s, const char *auth)
{
    static const char prefix[] = "Bearer ";
    if (!auth || strncmp(auth, prefix, sizeof prefix - 1) != 0) return 0;
    const char *t = auth + sizeof prefix - 1;
    const size_t n = strlen(t);
    unsigned char diff = (unsigned char)(n != s->token_len);
    for (size_t i = 0; i < s->token_len; i++)
        diff |= (unsigned char)(s->token[i] ^ (i < n ? t[i] : 0));
    return diff == 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct server *s = cls;
    struct request *rq = *con_cls;
    if (!rq) { /* first call: headers only */
        rq = calloc(1, sizeof *rq);
        if (!rq) return MHD_NO;
        rq->start = now_s();
        *con_cls = rq;
        atomic_fetch_add(&s->in_flight, 1);
        atomic_fetch_add(&s->n_requests, 1);
        if (s->token) {
            const char *auth =
                MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
            if (!token_ok(s, auth)) {
                rq->rejected = 1;
                return serve_send_error(conn, MHD_HTTP_UNAUTHORIZED,
                                        "missing or wrong bearer token", 0, 0);
            }
        } else {
            const union MHD_ConnectionInfo *ci =
                MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
            if (!ci || !is_loopback(ci->client_addr)) {
                rq->rejected = 1;
                return serve_send_error(conn, MHD_HTTP_FORBIDDEN,
                                        "only loopback clients without --token-file", 0, 0);
            }
        }
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > s->max_body) {
            rq->rejected = 1;
            return serve_send_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large",
                                    0, 0);
        }
        return MHD_YES;
    }
    if (rq->rejected) { /* discard the rest of the body */
        *upload_data_size = 0;
        return MHD_YES;
    }
    /* MHD lets a response be queued only at the headers or once the body has ended: errors
     * found in between are answered at the end, the rest of the body is discarded (bounded:
     * past 4 x --max-body or 4 x --timeout the connection is closed) */
    if (*upload_data_size) {
        const size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (rq->late) {
            rq->discarded += n;
            return rq->discarded > 4 * s->max_body || now_s() - rq->start > 4.0 * s->timeout
                       ? MHD_NO
                       : MHD_YES;
        }
        if (now_s() - rq->start > s->timeout) {
            rq->late = MHD_HTTP_REQUEST_TIMEOUT;
            rq->late_msg = "request body slower than --timeout";
            return MHD_YES;
        }
        if (rq->size + n > s->max_body) {
            rq->late = MHD_HTTP_CONTENT_TOO_LARGE;
            rq->late_msg = "request body too large";
            return MHD_YES;
        }
        if (rq->size + n + 1 > rq->cap) {
            size_t cap = rq->cap ? rq->cap : 4096;
            while (cap < rq->size + n + 1)
                cap *= 2;
            char *nb = realloc(rq->body, cap);
            if (!nb) {
                rq->late = MHD_HTTP_SERVICE_UNAVAILABLE;
                rq->late_msg = "out of memory";
                return MHD_YES;
            }
            rq->body = nb;
            rq->cap = cap;
        }
        memcpy(rq->body + rq->size, upload_data, n);
        rq->size += n;
        rq->body[rq->size] = '\0';
        return MHD_YES;
    }
    if (rq->late) return serve_send_error(conn, rq->late, rq->late_msg, 0, 0);
    if (now_s() - rq->start > s->timeout)
        return serve_send_error(conn, MHD_HTTP_REQUEST_TIMEOUT, "request slower than --timeout",
                                0, 0);
    return serve_route(s, conn, url, method, rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    struct server *s = cls;
    struct request *rq = *con_cls;
    if (!rq) return;
    free(rq->body);
    free(rq);
    *con_cls = NULL;
    atomic_fetch_sub(&s->in_flight, 1);
}

int serve_http_run(struct server *s)
{
    /* the pool threads inherit a mask without SIGTERM/SIGINT: only sigwait below sees them */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_AUTO | (s->v6 ? MHD_USE_IPv6 : 0),
        s->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&s->addr,
        MHD_OPTION_THREAD_POOL_SIZE, s->threads, MHD_OPTION_CONNECTION_LIMIT, s->max_conn,
        MHD_OPTION_CONNECTION_TIMEOUT, s->timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        s->max_header, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "reprint serve: cannot listen on %s: %s\n", s->listen_at,
                strerror(errno));
        return 3;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    if (!s->quiet)
        fprintf(stderr, "reprint serve: listening on %s:%u (%u threads)%s\n",
                s->v6 ? s->listen_at : s->host, di ? di->port : s->port, s->threads,
                s->token ? ", bearer token required" : ", loopback clients only");
    int sig = 0;
    sigwait(&sigs, &sig);
    /* graceful stop: no new connections, let requests in flight finish (bounded by the
     * timeout), then stop the threads; the caller closes the index */
    const MHD_socket lsock = MHD_quiesce_daemon(d);
    const double t0 = now_s();
    while (atomic_load(&s->in_flight) > 0 && now_s() - t0 < s->timeout)
        usleep(10000);
    MHD_stop_daemon(d);
    if (lsock != MHD_INVALID_SOCKET) close(lsock);
    if (!s->quiet)
        fprintf(stderr, "reprint serve: stopped by signal %d after %ld requests\n", sig,
                atomic_load(&s->n_requests));
    return 0;
}
#else
typedef int serve_http_unused; /* ISO C wants a declaration in every file */
#endif
