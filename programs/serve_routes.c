/* SPDX-License-Identifier: MIT */
/* serve_routes.c -- the routes of `reprint serve`, each a thin wrapper over the index API
 * (rp_index.h): a request body is read by the library's memory reader (one JSON object, a JSON
 * array of objects, or JSON Lines: the framing and errors of `reprint index add` on a .json
 * file) into a batch; answers are the cluster lines of `reprint cluster` in JSON. Endpoints and
 * status codes: docs/index.md. */
#include <stdio.h>  /* open_memstream, snprintf, sscanf */
#include <stdlib.h> /* free, malloc */
#include <string.h> /* strcmp, strlen, strncmp */

#if RP_WITH_SERVER
#include "cmd_index.h" /* index_cluster_line, index_stats_counts */
#include "json_out.h"  /* jout_str, jout_u64 */
#include "serve_http.h"

#define BODY_NAME "request" /* the body's name in skip details and fallback ids */

static unsigned status_of_kind(rp_index_error kind, rp_status st)
{
    switch (kind) {
    case RP_INDEX_E_FULL: return 507; /* Insufficient Storage */
    case RP_INDEX_E_NOT_FOUND: return MHD_HTTP_NOT_FOUND;
    case RP_INDEX_E_LOCKED: return MHD_HTTP_SERVICE_UNAVAILABLE;
    case RP_INDEX_E_DUPLICATE: return MHD_HTTP_CONFLICT;
    case RP_INDEX_E_ID_TOO_LONG: return MHD_HTTP_BAD_REQUEST;
    default:
        return st == RP_E_NOMEM ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

static enum MHD_Result index_error(struct server *s, struct MHD_Connection *conn, rp_status st)
{
    return serve_send_error(conn, status_of_kind(rp_index_errkind(s->ix), st),
                            rp_index_errmsg(s->ix), 0, 0);
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
    if (num != UINT64_MAX) {
        fputs(",\"doc_number\":", f);
        jout_u64(f, num);
    }
    fputc('}', f);
    free(line);
}

/* {"key":[results]}; for an add or query with dates not understood, also
 * "dates_not_understood" (how many documents are undated for it) and "first_bad_date"; with
 * documents already stored (same id and content: answered, not added) "already_stored". */
static enum MHD_Result send_results(struct MHD_Connection *conn, unsigned status,
                                    const rp_index_result *res, const char *key,
                                    uint64_t n_bad_dates, const char *bad_date_first)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f) return MHD_NO;
    fputc('{', f);
    jout_str(f, key);
    fputs(":[", f);
    for (size_t i = 0; i < res->n_docs; i++) {
        if (i) fputc(',', f);
        result_object(f, &res->docs[i], res->doc_numbers[i]);
    }
    fputc(']', f);
    if (n_bad_dates) {
        fputs(",\"dates_not_understood\":", f);
        jout_u64(f, n_bad_dates);
        fputs(",\"first_bad_date\":", f);
        jout_str(f, bad_date_first ? bad_date_first : "");
    }
    if (res->n_existing) {
        fputs(",\"already_stored\":", f);
        jout_u64(f, res->n_existing);
    }
    fputs("}\n", f);
    fclose(f);
    return serve_send_json(conn, status, buf, size);
}

/* ---- POST bodies --------------------------------------------------------------------------- */

/* 1-based column of byte off of the body (on its line). */
static long column_at(const char *body, size_t off)
{
    size_t i = off;
    while (i > 0 && body[i - 1] != '\n')
        i--;
    return (long)(off - i) + 1;
}

/* 400 for a record that is not JSON, at its line and column in the body. The parser's detail
 * is "line L, column C: what", with C counted from the record's start on its first line (an
 * array element may start mid-line); the array framer's is "request: line L: what", and then
 * the column is where the record starts. */
static enum MHD_Result bad_json(struct MHD_Connection *conn, const char *body, const rp_record *rec,
                                const char *detail, int framed)
{
    const long start_col = column_at(body, (size_t)rec->offset);
    long line = (long)rec->line, col = start_col;
    const char *what = detail ? detail : "";
    int k = 0;
    if (framed && !strncmp(what, BODY_NAME ": ", sizeof BODY_NAME + 1))
        what += sizeof BODY_NAME + 1;
    if (!framed && sscanf(what, "line %ld, column %ld: %n", &line, &col, &k) == 2 && k > 0) {
        what += k;
        if (line == (long)rec->line) col += start_col - 1;
    } else if (framed && sscanf(what, "line %ld: %n", &line, &k) == 1 && k > 0) {
        what += k;
    }
    char msg[700];
    snprintf(msg, sizeof msg, "malformed JSON at line %ld, column %ld: %s", line, col, what);
    return serve_send_error(conn, MHD_HTTP_BAD_REQUEST, msg, line, col);
}

/* The body starts with '[' (after a byte order mark and blanks): a JSON array. */
static int is_array(const char *body, size_t size)
{
    size_t i = size >= 3 && !memcmp(body, "\xEF\xBB\xBF", 3) ? 3 : 0;
    while (i < size && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        i++;
    return i < size && body[i] == '[';
}

/* Read the body into a batch: body -> rp_reader_open_memory -> rp_reader_next ->
 * rp_index_batch_add_record. The body is rejected as a whole (400, nothing added) when a
 * record is not JSON, when it is a single JSON value that is neither an object nor an array,
 * or when it holds no document. Each record is parsed here once to find bad JSON before the
 * batch parses it again (JSON parsing is a small part of adding a document). Returns 0, or an
 * HTTP status with the answer already queued in *ret. */
static int prepare(struct server *s, struct MHD_Connection *conn, const char *body, size_t size,
                   rp_index_batch **out, enum MHD_Result *ret)
{
    *out = NULL;
    rp_ingest_params ip = s->ingest;
    ip.format = RP_FORMAT_JSON;
    rp_index_batch *b = NULL;
    rp_reader *rd = NULL;
    rp_parser *ps = NULL;
    rp_status st = rp_index_batch_create(&b, s->ix, &s->ingest);
    if (st == RP_OK) st = rp_reader_open_memory(&rd, body, size, BODY_NAME, &ip, NULL);
    if (st == RP_OK) st = rp_parser_create(&ps, &ip, NULL);
    unsigned http = 0;
    size_t n_docs = 0;
    rp_skip first = RP_SKIP_NONE;
    rp_record rec;
    while (st == RP_OK && (st = rp_reader_next(rd, &rec)) == RP_OK) {
        if (rec.skip == RP_SKIP_BLANK) continue; /* counted, not a document */
        rp_doc doc;
        rp_skip skip = rec.skip;
        if (skip == RP_SKIP_NONE) {
            st = rp_record_parse(ps, &rec, &doc);
            if (st != RP_OK) break;
            skip = doc.skip;
        }
        if (n_docs++ == 0) first = skip;
        if (skip == RP_SKIP_BAD_JSON) {
            http = MHD_HTTP_BAD_REQUEST;
            *ret = bad_json(conn, body, &rec, rec.skip ? rec.detail : doc.detail, rec.skip != 0);
            break;
        }
        st = rp_index_batch_add_record(b, &rec);
    }
    if (st == RP_DONE) st = RP_OK;
    if (!http && st == RP_OK && !is_array(body, size)) {
        if (n_docs == 0) {
            http = MHD_HTTP_BAD_REQUEST;
            *ret = serve_send_error(conn, http, "empty body: no document", 0, 0);
        } else if (n_docs == 1 && first == RP_SKIP_NOT_OBJECT) {
            http = MHD_HTTP_BAD_REQUEST;
            *ret = serve_send_error(
                conn, http, "expected a JSON object, an array of objects or JSON Lines", 1, 1);
        }
    }
    if (!http && st != RP_OK) {
        http = MHD_HTTP_SERVICE_UNAVAILABLE;
        *ret = serve_send_error(conn, http, rp_strerror(st), 0, 0);
    }
    rp_parser_free(ps);
    rp_reader_free(rd);
    if (http) {
        rp_index_batch_free(b);
        return (int)http;
    }
    *out = b;
    return 0;
}

/* ---- routes: (s, conn, method, id, request) -------------------------------------------- */

enum { M_GET = 1, M_POST = 2, M_DELETE = 4 };

static enum MHD_Result route_health(struct server *s, struct MHD_Connection *conn, int m,
                                    const char *id, struct request *rq)
{
    (void)s, (void)m, (void)id, (void)rq;
    char *ok = strdup("{\"status\":\"ok\"}\n");
    return ok ? serve_send_json(conn, MHD_HTTP_OK, ok, strlen(ok)) : MHD_NO;
}

static enum MHD_Result route_stats(struct server *s, struct MHD_Connection *conn, int m,
                                   const char *id, struct request *rq)
{
    (void)m, (void)id, (void)rq;
    rp_index_stats st;
    if (rp_index_stats_get(s->ix, &st) != RP_OK)
        return serve_send_error(conn, 500, rp_index_errmsg(s->ix), 0, 0);
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
    return serve_send_json(conn, MHD_HTTP_OK, buf, size);
}

/* The answer of an add or query: 201 when something was added; 200 when every document was
 * stored already, or for a query. Frees b and res. */
static enum MHD_Result answer_docs(struct MHD_Connection *conn, rp_index_batch *b,
                                   rp_index_result *res, int dry_run)
{
    const char *first;
    const uint64_t n_bad = rp_index_batch_bad_dates(b, &first); /* first lives with b */
    size_t n_stored = 0;
    for (size_t i = 0; i < res->n_docs; i++)
        n_stored += res->docs[i].relation != RP_REL_SKIPPED;
    const int created = !dry_run && n_stored > res->n_existing;
    const enum MHD_Result ret =
        send_results(conn, created ? MHD_HTTP_CREATED : MHD_HTTP_OK, res, "results", n_bad, first);
    rp_index_batch_free(b);
    rp_index_result_free(res);
    return ret;
}

/* The writer thread's answer to a queued add: kept in the request, whose connection is then
 * resumed (libmicrohttpd calls on_request again on a pool thread, which answers). */
static void add_done(void *user, rp_status st, rp_index_result *res, rp_index_error kind,
                     const char *msg)
{
    struct request *rq = user;
    rq->add_st = st;
    rq->add_res = res;
    rq->add_kind = kind;
    rq->add_msg = st != RP_OK ? strdup(msg && msg[0] ? msg : rp_strerror(st)) : NULL;
    rq->add_done = 1;
    MHD_resume_connection(rq->conn); /* rq is the pool thread's again from here */
}

/* The request is no longer suspended nor waiting to be resumed. */
static void unsuspend(struct server *s, struct request *rq)
{
    if (!rq->suspended) return;
    rq->suspended = 0;
    atomic_fetch_sub(&s->n_suspended, 1);
}

/* POST /v1/documents: the batch is queued for the group commit and the connection suspended,
 * so this pool thread serves other requests meanwhile; the answer (only once the add is
 * durable) is made when the connection is resumed. At most one request per connection is in
 * the queue: --max-connections bounds it. */
static enum MHD_Result route_add(struct server *s, struct MHD_Connection *conn, int m,
                                 const char *id, struct request *rq)
{
    (void)m, (void)id;
    if (rq->add_done) { /* resumed: the add's result */
        unsuspend(s, rq);
        rp_index_batch *b = rq->batch;
        rq->batch = NULL;
        rq->add_done = 0;
        if (rq->add_st != RP_OK) {
            const enum MHD_Result ret =
                serve_send_error(conn, status_of_kind(rq->add_kind, rq->add_st),
                                 rq->add_msg ? rq->add_msg : "out of memory", 0, 0);
            rp_index_batch_free(b);
            return ret;
        }
        rp_index_result *res = rq->add_res;
        rq->add_res = NULL;
        return answer_docs(conn, b, res, 0);
    }
    rp_index_batch *b;
    enum MHD_Result ret = MHD_NO;
    if (prepare(s, conn, rq->body ? rq->body : "", rq->size, &b, &ret)) return ret;
    /* counted before add_stop is read, the reverse of the stopping thread: either it waits
     * for this add or this add sees add_stop */
    atomic_fetch_add(&s->n_suspended, 1);
    if (atomic_load(&s->add_stop)) {
        atomic_fetch_sub(&s->n_suspended, 1);
        rp_index_batch_free(b);
        return serve_send_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "server stopping", 0, 0);
    }
    rq->suspended = 1;
    rq->conn = conn;
    rq->batch = b;
    MHD_suspend_connection(conn); /* before queueing: the answer may come at once */
    const rp_status st = rp_index_commit_async(s->ix, b, add_done, rq);
    if (st != RP_OK) /* not queued: answered as the writer would */
        add_done(rq, st, NULL, rp_index_errkind(s->ix), rp_index_errmsg(s->ix));
    return MHD_YES;
}

/* POST /v1/query: a dry run in a read transaction on this thread (it does not queue). */
static enum MHD_Result route_query(struct server *s, struct MHD_Connection *conn, int m,
                                   const char *id, struct request *rq)
{
    (void)m, (void)id;
    rp_index_batch *b;
    enum MHD_Result ret = MHD_NO;
    if (prepare(s, conn, rq->body ? rq->body : "", rq->size, &b, &ret)) return ret;
    rp_index_result *res;
    const rp_status st = rp_index_commit(s->ix, b, 1, &res);
    if (st != RP_OK) {
        rp_index_batch_free(b);
        return index_error(s, conn, st);
    }
    return answer_docs(conn, b, res, 1);
}

void serve_request_release(struct server *s, struct request *rq)
{
    unsuspend(s, rq);
    rp_index_batch_free(rq->batch);
    rp_index_result_free(rq->add_res);
    free(rq->add_msg);
    rq->batch = NULL;
    rq->add_res = NULL;
    rq->add_msg = NULL;
}

/* GET: every stored document with this id and its cluster; DELETE: remove them. */
static enum MHD_Result route_document(struct server *s, struct MHD_Connection *conn, int m,
                                      const char *id, struct request *rq)
{
    (void)rq;
    rp_status st;
    if (m == M_DELETE) {
        uint64_t n = 0;
        st = rp_index_remove_id(s->ix, id, &n);
        if (st != RP_OK) return index_error(s, conn, st);
        char *buf = malloc(64);
        if (!buf) return MHD_NO;
        const int len = snprintf(buf, 64, "{\"removed\":%llu}\n", (unsigned long long)n);
        return serve_send_json(conn, MHD_HTTP_OK, buf, (size_t)len);
    }
    rp_index_result *res = NULL;
    st = rp_index_doc(s->ix, id, &res);
    if (st != RP_OK) return index_error(s, conn, st);
    const enum MHD_Result ret = send_results(conn, MHD_HTTP_OK, res, "documents", 0, NULL);
    rp_index_result_free(res);
    return ret;
}

/* GET: the cluster of document id, representative first. */
static enum MHD_Result route_cluster(struct server *s, struct MHD_Connection *conn, int m,
                                     const char *id, struct request *rq)
{
    (void)m, (void)rq;
    rp_index_result *res = NULL;
    const rp_status st = rp_index_cluster(s->ix, id, &res);
    if (st != RP_OK) return index_error(s, conn, st);
    const enum MHD_Result ret = send_results(conn, MHD_HTTP_OK, res, "members", 0, NULL);
    rp_index_result_free(res);
    return ret;
}

typedef enum MHD_Result (*route_fn)(struct server *s, struct MHD_Connection *conn, int method,
                                    const char *id, struct request *rq);

/* A path ending in '/' is a prefix followed by a non-empty id. HEAD is served as GET. */
static const struct route {
    const char *path;
    int methods;       /* M_* accepted */
    const char *allow; /* the Allow header of a 405 */
    route_fn fn;
} ROUTES[] = {
    {"/healthz", M_GET, "GET, HEAD", route_health},
    {"/v1/stats", M_GET, "GET, HEAD", route_stats},
    {"/v1/documents", M_POST, "POST", route_add},
    {"/v1/query", M_POST, "POST", route_query},
    {"/v1/documents/", M_GET | M_DELETE, "GET, HEAD, DELETE", route_document},
    {"/v1/clusters/", M_GET, "GET, HEAD", route_cluster},
};

enum MHD_Result serve_route(struct server *s, struct MHD_Connection *conn, const char *url,
                            const char *method, struct request *rq)
{
    const int m = !strcmp(method, "GET") || !strcmp(method, "HEAD") ? M_GET
                  : !strcmp(method, "POST")                         ? M_POST
                  : !strcmp(method, "DELETE")                       ? M_DELETE
                                                                    : 0;
    for (size_t i = 0; i < sizeof ROUTES / sizeof ROUTES[0]; i++) {
        const struct route *r = &ROUTES[i];
        const size_t n = strlen(r->path);
        const char *id = NULL;
        if (r->path[n - 1] == '/') {
            if (strncmp(url, r->path, n) != 0 || !url[n]) continue;
            id = url + n;
        } else if (strcmp(url, r->path) != 0) {
            continue;
        }
        if (!(m & r->methods)) return serve_send_not_allowed(conn, r->allow);
        return r->fn(s, conn, m, id, rq);
    }
    return serve_send_error(conn, MHD_HTTP_NOT_FOUND, "no such endpoint", 0, 0);
}
#else
typedef int serve_routes_unused; /* ISO C wants a declaration in every file */
#endif
