/* SPDX-License-Identifier: MIT */
/* serve_http.c -- the HTTP plumbing of `reprint serve` on libmicrohttpd with a thread pool:
 * answers, bearer token or loopback-only access, URL, header, body and time limits (errors
 * found while a body arrives are answered once it has ended), a deadline on every request,
 * graceful stop on SIGTERM/SIGINT. What each request does is in serve_routes.c.
 *
 * Threads: an internal polling thread pool (epoll, --threads workers), not a thread per
 * connection: a slow or idle connection then costs a socket and a memory pool, not a thread
 * and its stack, so slow clients holding many connections do not starve the workers that
 * serve the others. libmicrohttpd's own timeout (MHD_OPTION_CONNECTION_TIMEOUT) is an idle
 * timeout, reset by every byte, so a client sending a header line every few seconds (the
 * "slowloris" attack) or trickling a body would hold its connection forever; the deadline is
 * ours: each open connection has a slot with the time its current request began (accept, or
 * the end of the previous answer), and a watchdog thread answers 408 to any request still
 * arriving --timeout seconds later and shuts the socket down (libmicrohttpd then closes the
 * connection and frees its slot).
 *
 * Adds: the connection is suspended while its batch waits for the group commit
 * (serve_routes.c), so a worker never waits for the disk; a suspended connection is neither
 * timed (its request has arrived) nor idle-closed, and the stop waits for every one to be
 * resumed and answered before the daemon is stopped. */
#include <errno.h>      /* errno */
#include <pthread.h>    /* pthread_sigmask */
#include <signal.h>     /* sigwait */
#include <stdio.h>      /* fprintf, open_memstream */
#include <stdlib.h>     /* calloc, realloc, free, strtoull */
#include <string.h>     /* memcmp, memcpy, strerror, strlen, strncasecmp */
#include <time.h>       /* clock_gettime */
#include <unistd.h>     /* close, usleep */
#include <sys/socket.h> /* send, shutdown */
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

/* Queue body with one more header when name is not NULL. */
static enum MHD_Result send_json_hdr(struct MHD_Connection *conn, unsigned status, char *body,
                                     size_t size, const char *name, const char *value)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(size, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    if (status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    if (name) MHD_add_response_header(r, name, value);
    if (status == MHD_HTTP_SERVICE_UNAVAILABLE) /* full: come back in a second */
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    const enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result serve_send_json(struct MHD_Connection *conn, unsigned status, char *body,
                                size_t size)
{
    return send_json_hdr(conn, status, body, size, NULL, NULL);
}

static char *error_json(unsigned status, const char *msg, long line, long column, size_t *size)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, size);
    if (!f) return NULL;
    fputs("{\"error\":", f);
    jout_str(f, msg);
    fprintf(f, ",\"status\":%u", status);
    if (line > 0) fprintf(f, ",\"line\":%ld,\"column\":%ld", line, column);
    fputs("}\n", f);
    fclose(f);
    return buf;
}

enum MHD_Result serve_send_error(struct MHD_Connection *conn, unsigned status, const char *msg,
                                 long line, long column)
{
    size_t size = 0;
    char *buf = error_json(status, msg, line, column, &size);
    return buf ? serve_send_json(conn, status, buf, size) : MHD_NO;
}

enum MHD_Result serve_send_not_allowed(struct MHD_Connection *conn, const char *allow)
{
    char msg[64];
    snprintf(msg, sizeof msg, "use %s", allow);
    size_t size = 0;
    char *buf = error_json(MHD_HTTP_METHOD_NOT_ALLOWED, msg, 0, 0, &size);
    return buf ? send_json_hdr(conn, MHD_HTTP_METHOD_NOT_ALLOWED, buf, size, MHD_HTTP_HEADER_ALLOW,
                               allow)
               : MHD_NO;
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

/* Constant-time comparison of the bearer token. The scheme is case-insensitive (RFC 7235
 * section 2.1), followed by one or more spaces. */
static int token_ok(const struct server *s, const char *auth)
{
    static const char scheme[] = "Bearer";
    if (!auth || strncasecmp(auth, scheme, sizeof scheme - 1) != 0) return 0;
    const char *t = auth + sizeof scheme - 1;
    if (*t != ' ') return 0;
    while (*t == ' ')
        t++;
    const size_t n = strlen(t);
    unsigned char diff = (unsigned char)(n != s->token_len);
    for (size_t i = 0; i < s->token_len; i++)
        diff |= (unsigned char)(s->token[i] ^ (i < n ? t[i] : 0));
    return diff == 0;
}

/* ---- the request deadline ---------------------------------------------------------------- */

enum { SLOT_FREE, SLOT_ARRIVING, SLOT_ANSWERING, SLOT_TIMED_OUT, SLOT_REFUSED };

struct conn_slot {
    int state; /* SLOT_* */
    MHD_socket fd;
    double start; /* when the current request began to arrive */
};

static struct conn_slot *slot_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* A raw answer written on a socket libmicrohttpd is only reading (no answer queued), then
 * the socket is shut down: libmicrohttpd sees the end and closes the connection. */
static void answer_raw_and_shut(MHD_socket fd, unsigned status, const char *reason, const char *msg)
{
    char body[160], resp[512];
    const int nb = snprintf(body, sizeof body, "{\"error\":\"%s\",\"status\":%u}\n", msg, status);
    const int n = snprintf(resp, sizeof resp,
                           "HTTP/1.1 %u %s\r\nConnection: close\r\n%sContent-Type: "
                           "application/json\r\nContent-Length: %d\r\n\r\n%s",
                           status, reason, status == 503 ? "Retry-After: 1\r\n" : "", nb, body);
    if (n > 0 && (size_t)n < sizeof resp &&
        send(fd, resp, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
        /* best effort: the client may be gone */
    }
    shutdown(fd, SHUT_RDWR);
}

/* Take a slot when a connection opens, give it back when it closes (before libmicrohttpd
 * closes the socket, so the watchdog never shuts down a reused descriptor). Past
 * --max-connections open ones, a new connection is refused at once with 503 (libmicrohttpd's
 * own limit, set higher as a backstop, would leave it waiting in the listen backlog). */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct server *s = cls;
    pthread_mutex_lock(&s->slots_mu);
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = NULL;
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        for (size_t i = 0; ci && i < s->n_slots; i++) {
            struct conn_slot *sl = &s->slots[i];
            if (sl->state != SLOT_FREE) continue;
            *sl = (struct conn_slot){SLOT_ARRIVING, ci->connect_fd, now_s()};
            *socket_context = sl;
            if (s->n_open >= s->max_conn) {
                sl->state = SLOT_REFUSED;
                atomic_fetch_add(&s->n_refused, 1);
                answer_raw_and_shut(sl->fd, 503, "Service Unavailable",
                                    "too many connections (--max-connections)");
            } else {
                s->n_open++;
            }
            break;
        }
    } else if (*socket_context) {
        struct conn_slot *sl = *socket_context;
        if (sl->state != SLOT_REFUSED) s->n_open--;
        sl->state = SLOT_FREE;
        *socket_context = NULL;
    }
    pthread_mutex_unlock(&s->slots_mu);
}

/* The request has arrived (the answer is being made): no deadline. Returns 0 when the
 * watchdog timed it out first. */
static int slot_answering(struct server *s, struct conn_slot *sl)
{
    if (!sl) return 1;
    pthread_mutex_lock(&s->slots_mu);
    const int ok = sl->state != SLOT_TIMED_OUT;
    if (ok) sl->state = SLOT_ANSWERING;
    pthread_mutex_unlock(&s->slots_mu);
    return ok;
}

/* Every 100 ms: a request still arriving --timeout seconds after it began gets 408 written on
 * its socket (libmicrohttpd is only reading it then), and the socket is shut down. */
static void *watchdog(void *arg)
{
    struct server *s = arg;
    pthread_mutex_lock(&s->slots_mu);
    while (!s->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&s->stop_cv, &s->slots_mu, &ts);
        const double t = now_s();
        for (size_t i = 0; i < s->n_slots; i++) {
            struct conn_slot *sl = &s->slots[i];
            if (sl->state != SLOT_ARRIVING || t - sl->start <= s->timeout) continue;
            sl->state = SLOT_TIMED_OUT;
            answer_raw_and_shut(sl->fd, 408, "Request Timeout", "request slower than --timeout");
            atomic_fetch_add(&s->n_timed_out, 1);
        }
    }
    pthread_mutex_unlock(&s->slots_mu);
    return NULL;
}

/* Called with the request line, before the headers: the request target as sent. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    struct request *rq = calloc(1, sizeof *rq);
    if (rq) rq->url_size = strlen(uri);
    return rq; /* becomes *con_cls of on_request */
}

static enum MHD_Result add_header_size(void *cls, enum MHD_ValueKind kind, const char *key,
                                       const char *value)
{
    (void)kind;
    *(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 4; /* ": " and CRLF */
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct server *s = cls;
    struct request *rq = *con_cls;
    if (!rq) return MHD_NO; /* no memory at the request line */
    if (!rq->start) {       /* first call: headers only */
        rq->start = now_s();
        atomic_fetch_add(&s->in_flight, 1);
        atomic_fetch_add(&s->n_requests, 1);
        rq->counted = 1;
        size_t header_size = 0;
        MHD_get_connection_values(conn, MHD_HEADER_KIND, add_header_size, &header_size);
        if (rq->url_size > SERVE_URL_MAX) {
            rq->rejected = 1;
            char msg[80];
            snprintf(msg, sizeof msg, "request target longer than %d bytes", SERVE_URL_MAX);
            return slot_answering(s, slot_of(conn))
                       ? serve_send_error(conn, MHD_HTTP_URI_TOO_LONG, msg, 0, 0)
                       : MHD_NO;
        }
        if (header_size > s->max_header) {
            rq->rejected = 1;
            return slot_answering(s, slot_of(conn))
                       ? serve_send_error(conn, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE,
                                          "headers larger than --max-header", 0, 0)
                       : MHD_NO;
        }
        if (s->token) {
            const char *auth =
                MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
            if (!token_ok(s, auth)) {
                rq->rejected = 1;
                return slot_answering(s, slot_of(conn))
                           ? serve_send_error(conn, MHD_HTTP_UNAUTHORIZED,
                                              "missing or wrong bearer token", 0, 0)
                           : MHD_NO;
            }
        } else {
            const union MHD_ConnectionInfo *ci =
                MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
            if (!ci || !is_loopback(ci->client_addr)) {
                rq->rejected = 1;
                return slot_answering(s, slot_of(conn))
                           ? serve_send_error(conn, MHD_HTTP_FORBIDDEN,
                                              "only loopback clients without --token-file", 0, 0)
                           : MHD_NO;
            }
        }
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > s->max_body) {
            rq->rejected = 1;
            return slot_answering(s, slot_of(conn))
                       ? serve_send_error(conn, MHD_HTTP_CONTENT_TOO_LARGE,
                                          "request body too large", 0, 0)
                       : MHD_NO;
        }
        return MHD_YES;
    }
    if (rq->rejected) { /* discard the rest of the body */
        *upload_data_size = 0;
        return MHD_YES;
    }
    /* MHD lets a response be queued only at the headers or once the body has ended: errors
     * found in between are answered at the end, the rest of the body is discarded (bounded:
     * past 4 x --max-body the connection is closed; a body still arriving after --timeout
     * is answered 408 by the watchdog) */
    if (*upload_data_size) {
        const size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (rq->late) {
            rq->discarded += n;
            return rq->discarded > 4 * s->max_body ? MHD_NO : MHD_YES;
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
    if (!slot_answering(s, slot_of(conn))) return MHD_NO; /* 408 already written */
    if (rq->late) return serve_send_error(conn, rq->late, rq->late_msg, 0, 0);
    return serve_route(s, conn, url, method, rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    struct server *s = cls;
    struct request *rq = *con_cls;
    /* the next request on this connection begins now */
    struct conn_slot *sl = slot_of(conn);
    if (sl) {
        pthread_mutex_lock(&s->slots_mu);
        if (sl->state == SLOT_ANSWERING) {
            sl->state = SLOT_ARRIVING;
            sl->start = now_s();
        }
        pthread_mutex_unlock(&s->slots_mu);
    }
    if (!rq) return;
    if (rq->counted) atomic_fetch_sub(&s->in_flight, 1);
    serve_request_release(s, rq);
    free(rq->body);
    free(rq);
    *con_cls = NULL;
}

/* Write the bound port to s->port_file atomically (a temporary file renamed over it). */
static int write_port_file(const struct server *s, unsigned port)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", s->port_file) >= (int)sizeof tmp) return -1;
    FILE *f = fopen(tmp, "w");
    if (!f) return -1;
    fprintf(f, "%u\n", port);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        fclose(f);
        unlink(tmp);
        return -1;
    }
    if (fclose(f) != 0 || rename(tmp, s->port_file) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

int serve_http_run(struct server *s)
{
    /* the pool threads inherit a mask without SIGTERM/SIGINT: only sigwait below sees them */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    /* one slot per connection libmicrohttpd may hold: --max-connections served, the rest
     * refused at once (on_connection) */
    const unsigned mhd_limit = s->max_conn + 64 + 16 * s->threads;
    s->n_slots = mhd_limit;
    s->slots = calloc(s->n_slots, sizeof *s->slots);
    if (!s->slots) {
        fprintf(stderr, "reprint serve: out of memory\n");
        return 3;
    }
    pthread_mutex_init(&s->slots_mu, NULL);
    pthread_cond_init(&s->stop_cv, NULL);
    pthread_t wd;
    if (pthread_create(&wd, NULL, watchdog, s) != 0) {
        fprintf(stderr, "reprint serve: cannot start the watchdog thread\n");
        free(s->slots);
        return 3;
    }
    /* the connection's memory pool holds the request line, the headers and the read buffer:
     * room for SERVE_URL_MAX and twice --max-header, so that requests over our limits reach
     * on_request and get a JSON 414/431 (past the pool libmicrohttpd answers them itself) */
    const size_t pool = SERVE_URL_MAX + 2 * s->max_header + 8192;
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_AUTO |
            (s->v6 ? MHD_USE_IPv6 : 0),
        s->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&s->addr,
        MHD_OPTION_THREAD_POOL_SIZE, s->threads, MHD_OPTION_CONNECTION_LIMIT, mhd_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, s->timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, on_connection,
        s, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
        MHD_OPTION_END);
    int rc = 0;
    if (!d) {
        fprintf(stderr, "reprint serve: cannot listen on %s: %s\n", s->listen_at, strerror(errno));
        rc = 3;
        goto stop_watchdog;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    const unsigned port = di ? di->port : s->port;
    if (s->port_file && write_port_file(s, port) != 0) {
        fprintf(stderr, "reprint serve: --port-file %s: %s\n", s->port_file, strerror(errno));
        MHD_stop_daemon(d);
        rc = 3;
        goto stop_watchdog;
    }
    if (!s->quiet)
        fprintf(stderr, "reprint serve: listening on %s:%u (%u threads)%s\n",
                s->v6 ? s->listen_at : s->host, port, s->threads,
                s->token ? ", bearer token required" : ", loopback clients only");
    int sig = 0;
    sigwait(&sigs, &sig);
    /* graceful stop: no new connections, let requests in flight finish (bounded by the
     * timeout), then stop the threads; the caller closes the index */
    const MHD_socket lsock = MHD_quiesce_daemon(d);
    const double t0 = now_s();
    while (atomic_load(&s->in_flight) > 0 && now_s() - t0 < s->timeout)
        usleep(10000);
    /* no add suspends its connection any more (503 from now), and every suspended one is
     * resumed and answered: the writer thread always answers (a group commits or fails),
     * and libmicrohttpd aborts when stopped with a connection suspended */
    atomic_store(&s->add_stop, 1);
    while (atomic_load(&s->n_suspended) > 0)
        usleep(1000);
    MHD_stop_daemon(d);
    if (lsock != MHD_INVALID_SOCKET) close(lsock);
    if (!s->quiet)
        fprintf(stderr,
                "reprint serve: stopped by signal %d after %ld requests (%ld timed out, %ld "
                "connections refused)\n",
                sig, atomic_load(&s->n_requests), atomic_load(&s->n_timed_out),
                atomic_load(&s->n_refused));
stop_watchdog:
    pthread_mutex_lock(&s->slots_mu);
    s->stopping = 1;
    pthread_cond_signal(&s->stop_cv);
    pthread_mutex_unlock(&s->slots_mu);
    pthread_join(wd, NULL);
    pthread_cond_destroy(&s->stop_cv);
    pthread_mutex_destroy(&s->slots_mu);
    free(s->slots);
    s->slots = NULL;
    return rc;
}
#else
typedef int serve_http_unused; /* ISO C wants a declaration in every file */
#endif
