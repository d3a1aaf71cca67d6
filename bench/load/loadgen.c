/* SPDX-License-Identifier: MIT */
/* loadgen.c -- closed-loop HTTP/1.1 load client for `reprint serve`: C threads, one keep-alive
 * connection each, alternating POST /v1/documents (a new document) and POST /v1/query for
 * SECONDS. Bodies come from a template file, one JSON document per line, each starting with
 * {"id":"load-0000000000", whose digits are replaced by a unique number per request.
 * Prints counts, errors, throughput and p50/p99 latencies; writes every acknowledged
 * document number to ACKED (one per line) so the caller can check none was lost.
 * usage: loadgen HOST PORT THREADS SECONDS TEMPLATES.jsonl ACKED [TOKEN] */
#include <arpa/inet.h>  /* inet_pton */
#include <pthread.h>    /* pthread_create */
#include <stdatomic.h>  /* atomic_ulong */
#include <stdio.h>      /* printf */
#include <stdlib.h>     /* malloc, qsort */
#include <string.h>     /* memcpy */
#include <time.h>       /* clock_gettime */
#include <unistd.h>     /* read, write */
#include <netinet/in.h> /* sockaddr_in */
#include <netinet/tcp.h> /* TCP_NODELAY */
#include <sys/socket.h> /* socket */

static const char *host, *token;
static int port;
static double seconds;
static char **tmpl;
static size_t *tmpl_len, n_tmpl;
static atomic_ulong next_id;
static FILE *acked;
static pthread_mutex_t acked_mu = PTHREAD_MUTEX_INITIALIZER;

struct stats {
    double *lat[2]; /* 0 add, 1 query: milliseconds */
    size_t n[2], cap[2];
    unsigned long errors;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int connect_to(void)
{
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, host, &a.sin_addr);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0) close(fd);
        return -1;
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        const ssize_t k = write(fd, p, n);
        if (k <= 0) return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* One request; returns the HTTP status (0 on a connection error). */
static int request(int *fd, const char *path, const char *body, size_t size)
{
    char head[512];
    const int hn = snprintf(head, sizeof head,
                            "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                            "Content-Length: %zu\r\n%s%s%s\r\n",
                            path, host, size, token ? "Authorization: Bearer " : "",
                            token ? token : "", token ? "\r\n" : "");
    if (*fd < 0) *fd = connect_to();
    if (*fd < 0) return 0;
    if (write_all(*fd, head, (size_t)hn) || write_all(*fd, body, size)) goto broken;
    static _Thread_local char buf[1 << 16];
    size_t got = 0;
    char *end = NULL;
    while (!(end = memmem(buf, got, "\r\n\r\n", 4))) {
        const ssize_t k = read(*fd, buf + got, sizeof buf - got);
        if (k <= 0) goto broken;
        got += (size_t)k;
    }
    const int status = atoi(buf + 9);
    const char *cl = memmem(buf, (size_t)(end - buf), "Content-Length: ", 16);
    if (!cl) cl = memmem(buf, (size_t)(end - buf), "content-length: ", 16);
    const size_t clen = cl ? strtoul(cl + 16, NULL, 10) : 0;
    size_t have = got - (size_t)(end + 4 - buf);
    while (have < clen) {
        const ssize_t k = read(*fd, buf, sizeof buf);
        if (k <= 0) goto broken;
        have += (size_t)k;
    }
    return status;
broken:
    close(*fd);
    *fd = -1;
    return 0;
}

static void record(struct stats *s, int kind, double ms)
{
    if (s->n[kind] == s->cap[kind]) {
        s->cap[kind] = s->cap[kind] ? 2 * s->cap[kind] : 4096;
        s->lat[kind] = realloc(s->lat[kind], s->cap[kind] * sizeof(double));
    }
    s->lat[kind][s->n[kind]++] = ms;
}

static void *worker(void *arg)
{
    struct stats *s = arg;
    int fd = -1;
    const double t_end = now() + seconds;
    char *body = NULL;
    size_t body_cap = 0;
    for (unsigned long k = 0; now() < t_end; k++) {
        const unsigned long id = atomic_fetch_add(&next_id, 1);
        const size_t t = id % n_tmpl;
        if (tmpl_len[t] + 1 > body_cap) {
            body_cap = tmpl_len[t] + 1;
            body = realloc(body, body_cap);
        }
        memcpy(body, tmpl[t], tmpl_len[t]);
        char digits[16];
        snprintf(digits, sizeof digits, "%010lu", id);
        memcpy(body + 12, digits, 10); /* {"id":"load-NNNNNNNNNN" */
        const int query = (int)(k & 1);
        if (query) memcpy(body + 7, "qury", 4);
        const double t0 = now();
        const int st = request(&fd, query ? "/v1/query" : "/v1/documents", body, tmpl_len[t]);
        const double ms = (now() - t0) * 1e3;
        if (st != (query ? 200 : 201)) {
            s->errors++;
            if (s->errors < 5) fprintf(stderr, "loadgen: %s -> %d\n", query ? "query" : "add", st);
            continue;
        }
        record(s, query, ms);
        if (!query) {
            pthread_mutex_lock(&acked_mu);
            fprintf(acked, "load-%s\n", digits);
            pthread_mutex_unlock(&acked_mu);
        }
    }
    if (fd >= 0) close(fd);
    free(body);
    return NULL;
}

static int cmp_d(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: loadgen HOST PORT THREADS SECONDS TEMPLATES ACKED [TOKEN]\n");
        return 2;
    }
    host = argv[1];
    port = atoi(argv[2]);
    const int nt = atoi(argv[3]);
    seconds = atof(argv[4]);
    token = argc > 7 ? argv[7] : NULL;
    /* LOADGEN_FIRST_ID: the first document number, so that runs against one index (the
     * kill -9 loop, bench/load/kill9_load.sh) never reuse an id */
    const char *first = getenv("LOADGEN_FIRST_ID");
    if (first) atomic_store(&next_id, strtoul(first, NULL, 10));
    FILE *f = fopen(argv[5], "r");
    acked = fopen(argv[6], "w");
    if (!f || !acked || nt < 1) return 2;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    size_t tcap = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n') line[--n] = '\0';
        if (n < 24 || memcmp(line, "{\"id\":\"load-", 12) != 0) continue;
        if (n_tmpl == tcap) {
            tcap = tcap ? 2 * tcap : 1024;
            tmpl = realloc(tmpl, tcap * sizeof *tmpl);
            tmpl_len = realloc(tmpl_len, tcap * sizeof *tmpl_len);
        }
        tmpl[n_tmpl] = strdup(line);
        tmpl_len[n_tmpl++] = (size_t)n;
    }
    fclose(f);
    if (!n_tmpl) return 2;
    pthread_t *th = calloc((size_t)nt, sizeof *th);
    struct stats *st = calloc((size_t)nt, sizeof *st);
    const double t0 = now();
    for (int i = 0; i < nt; i++)
        pthread_create(&th[i], NULL, worker, &st[i]);
    for (int i = 0; i < nt; i++)
        pthread_join(th[i], NULL);
    const double el = now() - t0;
    fclose(acked);
    unsigned long errors = 0;
    for (int kind = 0; kind < 2; kind++) {
        size_t total = 0;
        for (int i = 0; i < nt; i++)
            total += st[i].n[kind];
        double *all = malloc((total ? total : 1) * sizeof *all);
        size_t m = 0;
        for (int i = 0; i < nt; i++) {
            memcpy(all + m, st[i].lat[kind], st[i].n[kind] * sizeof *all);
            m += st[i].n[kind];
        }
        qsort(all, total, sizeof *all, cmp_d);
        printf("%s: %zu ok, %.1f/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
               kind ? "query" : "add", total, (double)total / el,
               total ? all[total / 2] : 0.0, total ? all[(size_t)((double)total * 0.99)] : 0.0,
               total ? all[total - 1] : 0.0);
        free(all);
    }
    for (int i = 0; i < nt; i++)
        errors += st[i].errors;
    printf("errors: %lu; %.1f s, %d connections\n", errors, el, nt);
    return errors ? 1 : 0;
}
