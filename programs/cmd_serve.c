/* SPDX-License-Identifier: MIT */
/* cmd_serve.c -- `reprint serve DIR`: HTTP/1.1 JSON service over a persistent index, on
 * libmicrohttpd with a thread pool. Documents are parsed, normalized and sketched on the pool
 * threads in parallel; adds are serialized by the index (one LMDB writer); reads run
 * concurrently in their own read transactions. Endpoints and status codes: docs/index.md. */
#include <errno.h>      /* errno */
#include <getopt.h>     /* getopt_long */
#include <pthread.h>    /* pthread_sigmask */
#include <signal.h>     /* sigwait */
#include <stdatomic.h>  /* atomic_long */
#include <stdio.h>      /* open_memstream */
#include <stdlib.h>     /* strtoul */
#include <string.h>     /* strcmp */
#include <time.h>       /* clock_gettime */
#include <unistd.h>     /* usleep */
#include <arpa/inet.h>  /* inet_pton */
#include <netinet/in.h> /* sockaddr_in */
#include "reprint/rp_index.h"
#include "cli_args.h"
#include "cli_output.h"
#include "json_out.h" /* jout_str */
#include "cmd_index.h"
#include "cmd_serve.h"

#if RP_WITH_SERVER
#include <jansson.h>    /* json_loadb: request bodies, errors with line and column */
#include <microhttpd.h> /* MHD_start_daemon */

static const char USAGE[] =
    "usage: reprint serve DIR [OPTIONS]\n"
    "\n"
    "Serve the index in DIR (created with 'reprint index create') over HTTP/1.1 + JSON:\n"
    "  POST   /v1/documents      one JSON document, a JSON array, or JSON Lines: add, and\n"
    "                            answer each document's cluster (as 'reprint cluster')\n"
    "  POST   /v1/query          the same answer without adding\n"
    "  GET    /v1/documents/ID   a stored document and its cluster\n"
    "  DELETE /v1/documents/ID   remove every document with this id\n"
    "  GET    /v1/clusters/ID    the cluster of document ID, representative first\n"
    "  GET    /v1/stats          index statistics\n"
    "  GET    /healthz           liveness\n"
    "\n"
    "Options:\n"
    "  --listen ADDR:PORT      address to bind (default 127.0.0.1:8080; port 0 = any free\n"
    "                          port, printed on stderr)\n"
    "  --token-file FILE       require 'Authorization: Bearer TOKEN' (the file's first line)\n"
    "                          on every request; without it only loopback clients are served\n"
    "  --threads N             HTTP worker threads (default 4)\n"
    "  --max-body SIZE         largest request body (default 16M; larger: 413)\n"
    "  --max-header SIZE       memory for a request's headers (default 16K; larger: 431)\n"
    "  --timeout SEC           idle connections are closed, uploads slower than this get\n"
    "                          408 (default 30)\n"
    "  --max-connections N     concurrent connections (default 256; more are refused)\n"
    "  --map-size SIZE         grow the index's LMDB map to SIZE\n"
    "  --id-field F --text-field F --date-field F --title-field F --url-field F\n"
    "                          JSON keys of the documents (default id, text)\n"
    "  -q, --quiet             no log lines on stderr\n"
    "  -h, --help              this help\n"
    "\n"
    "Stops gracefully on SIGTERM or SIGINT: finishes requests in flight, closes the index.\n"
    "Exit status: 0 stopped by a signal; 2 usage error; 3 fatal error; 4 the index is locked\n"
    "by another writer.\n";

enum {
    OPT_LISTEN = 256,
    OPT_TOKEN_FILE,
    OPT_THREADS,
    OPT_MAX_BODY,
    OPT_MAX_HEADER,
    OPT_TIMEOUT,
    OPT_MAX_CONN,
    OPT_MAP_SIZE,
    OPT_ID_FIELD,
    OPT_TEXT_FIELD,
    OPT_DATE_FIELD,
    OPT_TITLE_FIELD,
    OPT_URL_FIELD
};

static const struct option LONGOPTS[] = {{"listen", required_argument, NULL, OPT_LISTEN},
                                         {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
                                         {"threads", required_argument, NULL, OPT_THREADS},
                                         {"max-body", required_argument, NULL, OPT_MAX_BODY},
                                         {"max-header", required_argument, NULL, OPT_MAX_HEADER},
                                         {"timeout", required_argument, NULL, OPT_TIMEOUT},
                                         {"max-connections", required_argument, NULL, OPT_MAX_CONN},
                                         {"map-size", required_argument, NULL, OPT_MAP_SIZE},
                                         {"id-field", required_argument, NULL, OPT_ID_FIELD},
                                         {"text-field", required_argument, NULL, OPT_TEXT_FIELD},
                                         {"date-field", required_argument, NULL, OPT_DATE_FIELD},
                                         {"title-field", required_argument, NULL, OPT_TITLE_FIELD},
                                         {"url-field", required_argument, NULL, OPT_URL_FIELD},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};

struct server {
    rp_index *ix;
    rp_ingest_params ingest;
    char *token;
    size_t token_len;
    size_t max_body;
    unsigned timeout;
    int quiet;
    atomic_long in_flight;
    atomic_long n_requests;
};

struct request {
    char *body;
    size_t size, cap;
    double start;
    int rejected;  /* a response was queued at the headers: discard the body */
    unsigned late; /* status to answer once the body has ended (413, 408, 503) */
    const char *late_msg;
    size_t discarded;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static enum MHD_Result send_json(struct MHD_Connection *conn, unsigned status, char *body,
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

/* {"error": msg, "status": code} plus optional line/column */
static enum MHD_Result send_error(struct MHD_Connection *conn, unsigned status, const char *msg,
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
    return send_json(conn, status, buf, size);
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

static unsigned status_of(const rp_index *ix, rp_status st)
{
    switch (rp_index_errkind(ix)) {
    case RP_INDEX_E_FULL: return 507; /* Insufficient Storage */
    case RP_INDEX_E_NOT_FOUND: return MHD_HTTP_NOT_FOUND;
    case RP_INDEX_E_LOCKED: return MHD_HTTP_SERVICE_UNAVAILABLE;
    default:
        return st == RP_E_NOMEM ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

static void result_object(FILE *f, const rp_doc_result *r, uint64_t num)
{
    /* the cluster line without its newline, plus the document number */
    char *line = NULL;
    size_t size = 0;
    FILE *g = open_memstream(&line, &size);
    if (!g) return;
    index_cluster_line(g, r);
    fclose(g);
    if (size && line[size - 1] == '\n') line[--size] = '\0';
    if (size && line[size - 1] == '}') line[--size] = '\0';
    fputs(line, f);
    if (num != UINT64_MAX)
        fprintf(f, ",\"doc_number\":%llu}", (unsigned long long)num);
    else
        fputc('}', f);
    free(line);
}

/* {"key":[results]}; for an add or query with dates not understood, also
 * "dates_not_understood" (how many documents are undated for it) and "first_bad_date". */
static enum MHD_Result send_results(struct MHD_Connection *conn, unsigned status,
                                    const rp_index_result *res, const char *key,
                                    uint64_t n_bad_dates, const char *bad_date_first)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f) return MHD_NO;
    fprintf(f, "{\"%s\":[", key);
    for (size_t i = 0; i < res->n_docs; i++) {
        if (i) fputc(',', f);
        result_object(f, &res->docs[i], res->doc_numbers[i]);
    }
    fputc(']', f);
    if (n_bad_dates) {
        fprintf(f, ",\"dates_not_understood\":%llu,\"first_bad_date\":",
                (unsigned long long)n_bad_dates);
        jout_str(f, bad_date_first ? bad_date_first : "");
    }
    fputs("}\n", f);
    fclose(f);
    return send_json(conn, status, buf, size);
}

/* Split the body into documents and prepare the batch. Returns 0, or an HTTP status with the
 * error already sent. Accepted: one JSON object; a JSON array of objects; JSON Lines. */
static int prepare(struct server *s, struct MHD_Connection *conn, const char *body, size_t size,
                   rp_index_batch **out, enum MHD_Result *ret)
{
    *out = NULL;
    rp_index_batch *b;
    if (rp_index_batch_create(&b, s->ix, &s->ingest) != RP_OK) {
        *ret = send_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory", 0, 0);
        return 503;
    }
    json_error_t err;
    json_t *whole = json_loadb(body, size, JSON_DECODE_ANY, &err);
    rp_status st = RP_OK;
    if (whole && json_is_object(whole)) {
        st = rp_index_batch_add_json(b, body, size, 1);
    } else if (whole && json_is_array(whole)) {
        size_t i;
        json_t *el;
        json_array_foreach(whole, i, el)
        {
            char *one = json_dumps(el, JSON_COMPACT | JSON_ENCODE_ANY);
            if (!one) {
                st = RP_E_NOMEM;
                break;
            }
            st = rp_index_batch_add_json(b, one, strlen(one), i + 1);
            free(one);
            if (st != RP_OK) break;
        }
    } else if (whole) {
        json_decref(whole);
        rp_index_batch_free(b);
        *ret = send_error(conn, MHD_HTTP_BAD_REQUEST,
                          "expected a JSON object, an array of objects or JSON Lines", 1, 1);
        return 400;
    } else {
        /* JSON Lines: every non-blank line must be valid JSON */
        const char *p = body, *end = body + size;
        long line = 0, n_lines = 0;
        json_error_t first_err = err;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *le = nl ? nl : end;
            line++;
            size_t len = (size_t)(le - p);
            if (len && p[len - 1] == '\r') len--;
            size_t k = 0;
            while (k < len && (p[k] == ' ' || p[k] == '\t'))
                k++;
            if (k < len) {
                json_error_t e2;
                json_t *one = json_loadb(p, len, JSON_DECODE_ANY, &e2);
                if (!one) {
                    /* a multi-line document that is not valid JSON: report the whole-body
                     * position; JSON Lines: this line's */
                    const int jsonl = n_lines > 0;
                    const long l = jsonl ? line : first_err.line;
                    const long c = jsonl ? e2.column : first_err.column;
                    char msg[300];
                    snprintf(msg, sizeof msg, "malformed JSON at line %ld, column %ld: %s", l, c,
                             jsonl ? e2.text : first_err.text);
                    rp_index_batch_free(b);
                    *ret = send_error(conn, MHD_HTTP_BAD_REQUEST, msg, l, c);
                    return 400;
                }
                json_decref(one);
                n_lines++;
                st = rp_index_batch_add_json(b, p, len, (uint64_t)line);
                if (st != RP_OK) break;
            }
            p = nl ? nl + 1 : end;
        }
        if (st == RP_OK && n_lines == 0) {
            rp_index_batch_free(b);
            *ret = send_error(conn, MHD_HTTP_BAD_REQUEST, "empty body: no document", 0, 0);
            return 400;
        }
    }
    json_decref(whole);
    if (st != RP_OK) {
        rp_index_batch_free(b);
        *ret = send_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, rp_strerror(st), 0, 0);
        return 503;
    }
    *out = b;
    return 0;
}

static enum MHD_Result post_docs(struct server *s, struct MHD_Connection *conn,
                                 const struct request *rq, int dry_run)
{
    rp_index_batch *b;
    enum MHD_Result ret = MHD_NO;
    if (prepare(s, conn, rq->body ? rq->body : "", rq->size, &b, &ret)) return ret;
    rp_index_result *res;
    const rp_status st = rp_index_commit(s->ix, b, dry_run, &res);
    if (st != RP_OK) {
        rp_index_batch_free(b);
        return send_error(conn, status_of(s->ix, st), rp_index_errmsg(s->ix), 0, 0);
    }
    const char *first;
    const uint64_t n_bad = rp_index_batch_bad_dates(b, &first); /* first lives with b */
    ret = send_results(conn, dry_run ? MHD_HTTP_OK : MHD_HTTP_CREATED, res, "results", n_bad,
                       first);
    rp_index_batch_free(b);
    rp_index_result_free(res);
    return ret;
}

static enum MHD_Result get_stats(struct server *s, struct MHD_Connection *conn)
{
    rp_index_stats st;
    if (rp_index_stats_get(s->ix, &st) != RP_OK)
        return send_error(conn, 500, rp_index_errmsg(s->ix), 0, 0);
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f) return MHD_NO;
    fputc('{', f);
    index_stats_counts(f, &st);
    fprintf(f, ",\"requests\":%ld,\"in_flight\":%ld", atomic_load(&s->n_requests),
            atomic_load(&s->in_flight));
    rp_config cfg;
    rp_index_config(s->ix, &cfg);
    if (cfg.level == RP_LEVEL_STORY) index_stats_story(f, &st); /* its corpus statistics */
    fputs("}\n", f);
    fclose(f);
    return send_json(conn, MHD_HTTP_OK, buf, size);
}

static enum MHD_Result route(struct server *s, struct MHD_Connection *conn, const char *url,
                             const char *method, const struct request *rq)
{
    const int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    const int post = !strcmp(method, "POST"), del = !strcmp(method, "DELETE");
    static const char DOCS[] = "/v1/documents/", CLUSTERS[] = "/v1/clusters/";
    if (!strcmp(url, "/healthz")) {
        if (!get) return send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET", 0, 0);
        char *ok = strdup("{\"status\":\"ok\"}\n");
        return ok ? send_json(conn, MHD_HTTP_OK, ok, strlen(ok)) : MHD_NO;
    }
    if (!strcmp(url, "/v1/stats")) {
        if (!get) return send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET", 0, 0);
        return get_stats(s, conn);
    }
    if (!strcmp(url, "/v1/documents") || !strcmp(url, "/v1/query")) {
        if (!post) return send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST", 0, 0);
        return post_docs(s, conn, rq, url[4] == 'q');
    }
    const int is_doc = !strncmp(url, DOCS, sizeof DOCS - 1);
    const int is_cluster = !strncmp(url, CLUSTERS, sizeof CLUSTERS - 1);
    if ((is_doc || is_cluster) && url[is_doc ? sizeof DOCS - 1 : sizeof CLUSTERS - 1]) {
        const char *id = url + (is_doc ? sizeof DOCS - 1 : sizeof CLUSTERS - 1);
        rp_index_result *res = NULL;
        rp_status st;
        if (is_doc && del) {
            uint64_t n = 0;
            st = rp_index_remove_id(s->ix, id, &n);
            if (st != RP_OK)
                return send_error(conn, status_of(s->ix, st), rp_index_errmsg(s->ix), 0, 0);
            char *buf = malloc(64);
            if (!buf) return MHD_NO;
            const int len = snprintf(buf, 64, "{\"removed\":%llu}\n", (unsigned long long)n);
            return send_json(conn, MHD_HTTP_OK, buf, (size_t)len);
        }
        if (!get)
            return send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                              is_doc ? "use GET or DELETE" : "use GET", 0, 0);
        st = is_doc ? rp_index_doc(s->ix, id, &res) : rp_index_cluster(s->ix, id, &res);
        if (st != RP_OK)
            return send_error(conn, status_of(s->ix, st), rp_index_errmsg(s->ix), 0, 0);
        const enum MHD_Result ret =
            send_results(conn, MHD_HTTP_OK, res, is_doc ? "documents" : "members", 0, NULL);
        rp_index_result_free(res);
        return ret;
    }
    return send_error(conn, MHD_HTTP_NOT_FOUND, "no such endpoint", 0, 0);
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
                return send_error(conn, MHD_HTTP_UNAUTHORIZED, "missing or wrong bearer token", 0,
                                  0);
            }
        } else {
            const union MHD_ConnectionInfo *ci =
                MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
            if (!ci || !is_loopback(ci->client_addr)) {
                rq->rejected = 1;
                return send_error(conn, MHD_HTTP_FORBIDDEN,
                                  "only loopback clients without --token-file", 0, 0);
            }
        }
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > s->max_body) {
            rq->rejected = 1;
            return send_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large", 0, 0);
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
    if (rq->late) return send_error(conn, rq->late, rq->late_msg, 0, 0);
    if (now_s() - rq->start > s->timeout)
        return send_error(conn, MHD_HTTP_REQUEST_TIMEOUT, "request slower than --timeout", 0, 0);
    return route(s, conn, url, method, rq);
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

static int usage_error(const char *fmt, const char *arg)
{
    return cli_usage_error("reprint serve", fmt, arg);
}

static int read_token(const char *path, struct server *s)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "reprint serve: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char buf[1024];
    if (!fgets(buf, sizeof buf, f)) buf[0] = '\0';
    fclose(f);
    size_t n = strcspn(buf, "\r\n");
    while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
        n--;
    buf[n] = '\0';
    if (n < 8) {
        fprintf(stderr, "reprint serve: %s: the token must have at least 8 characters\n", path);
        return -1;
    }
    s->token = strdup(buf);
    s->token_len = n;
    return s->token ? 0 : -1;
}

int rp_cmd_serve(int argc, char **argv)
{
    struct server s;
    memset(&s, 0, sizeof s);
    rp_ingest_params_default(&s.ingest);
    s.max_body = 16u << 20;
    s.timeout = 30;
    const char *listen_at = "127.0.0.1:8080", *token_file = NULL;
    unsigned long threads = 4, max_conn = 256;
    uint64_t max_header = 16u << 10, map_size = 0, v64;
    unsigned long v;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "qh", LONGOPTS, NULL)) != -1) {
        switch (opt) {
        case OPT_LISTEN: listen_at = optarg; break;
        case OPT_TOKEN_FILE: token_file = optarg; break;
        case OPT_THREADS:
            if (cli_parse_count(optarg, 1, 256, &threads))
                return usage_error("--threads: 1..256, got '%s'", optarg);
            break;
        case OPT_MAX_BODY:
            if (cli_parse_size(optarg, 1e15, &v64) || v64 < 1024 || v64 > (1ull << 32))
                return usage_error("--max-body: 1K..4G, got '%s'", optarg);
            s.max_body = (size_t)v64;
            break;
        case OPT_MAX_HEADER:
            if (cli_parse_size(optarg, 1e15, &max_header) || max_header < 2048 ||
                max_header > (1u << 24))
                return usage_error("--max-header: 2K..16M, got '%s'", optarg);
            break;
        case OPT_TIMEOUT:
            if (cli_parse_count(optarg, 1, 86400, &v))
                return usage_error("--timeout: 1..86400 seconds, got '%s'", optarg);
            s.timeout = (unsigned)v;
            break;
        case OPT_MAX_CONN:
            if (cli_parse_count(optarg, 1, 100000, &max_conn))
                return usage_error("--max-connections: 1..100000, got '%s'", optarg);
            break;
        case OPT_MAP_SIZE:
            if (cli_parse_size(optarg, 1e15, &map_size) || map_size < (64u << 10))
                return usage_error("--map-size: a size like 16G, got '%s'", optarg);
            break;
        case OPT_ID_FIELD: s.ingest.id_field = optarg; break;
        case OPT_TEXT_FIELD: s.ingest.text_field = optarg; break;
        case OPT_DATE_FIELD: s.ingest.date_field = optarg; break;
        case OPT_TITLE_FIELD: s.ingest.title_field = optarg; break;
        case OPT_URL_FIELD: s.ingest.url_field = optarg; break;
        case 'q': s.quiet = 1; break;
        case 'h': fputs(USAGE, stdout); return 0;
        default: return usage_error("%s", "invalid option");
        }
    }
    if (optind != argc - 1) return usage_error("%s", "give exactly one DIR");
    const char *dir = argv[optind];
    /* ADDR:PORT, [v6]:PORT */
    char host[256];
    const char *colon = strrchr(listen_at, ':');
    if (!colon || (size_t)(colon - listen_at) >= sizeof host)
        return usage_error("--listen: ADDR:PORT, got '%s'", listen_at);
    memcpy(host, listen_at, (size_t)(colon - listen_at));
    host[colon - listen_at] = '\0';
    if (cli_parse_count(colon + 1, 0, 65535, &v))
        return usage_error("--listen: bad port in '%s'", listen_at);
    const uint16_t port = (uint16_t)v;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    int v6 = 0;
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        host[strlen(host) - 1] = '\0';
        memmove(host, host + 1, strlen(host));
        v6 = 1;
    }
    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
            return usage_error("--listen: bad address in '%s'", listen_at);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
            return usage_error("--listen: bad address in '%s'", listen_at);
    }
    if (token_file && read_token(token_file, &s)) return 2;

    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);
    rp_index_options o;
    rp_index_options_default(&o);
    o.map_size = map_size;
    char msg[512];
    if (rp_index_open(&s.ix, dir, &o, NULL, msg, sizeof msg) != RP_OK) {
        fprintf(stderr, "reprint serve: %s\n", msg);
        free(s.token);
        return index_exit_status(NULL);
    }
    /* the pool threads inherit a mask without SIGTERM/SIGINT: only sigwait below sees them */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_AUTO | (v6 ? MHD_USE_IPv6 : 0),
        port, NULL, NULL, on_request, &s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)max_conn, MHD_OPTION_CONNECTION_TIMEOUT, s.timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)max_header, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, &s, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "reprint serve: cannot listen on %s: %s\n", listen_at, strerror(errno));
        rp_index_close(s.ix);
        free(s.token);
        return 3;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    if (!s.quiet)
        fprintf(stderr, "reprint serve: listening on %s:%u (%lu threads)%s\n",
                v6 ? listen_at : host, di ? di->port : port, threads,
                s.token ? ", bearer token required" : ", loopback clients only");
    int sig = 0;
    sigwait(&sigs, &sig);
    /* graceful stop: no new connections, let requests in flight finish (bounded by the
     * timeout), then stop the threads and close the index */
    const MHD_socket lsock = MHD_quiesce_daemon(d);
    const double t0 = now_s();
    while (atomic_load(&s.in_flight) > 0 && now_s() - t0 < s.timeout)
        usleep(10000);
    MHD_stop_daemon(d);
    if (lsock != MHD_INVALID_SOCKET) close(lsock);
    rp_index_close(s.ix);
    if (!s.quiet)
        fprintf(stderr, "reprint serve: stopped by signal %d after %ld requests\n", sig,
                atomic_load(&s.n_requests));
    free(s.token);
    return 0;
}
#else
int rp_cmd_serve(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "reprint serve: built without RP_WITH_SERVER (libmicrohttpd)\n");
    return 3;
}
#endif
