/* SPDX-License-Identifier: MIT */
/* cmd_serve.c -- `reprint serve DIR`: HTTP/1.1 JSON service over a persistent index. This file
 * reads the options and opens the index; the HTTP plumbing is serve_http.c (libmicrohttpd with
 * a thread pool: documents are parsed, normalized and sketched on the pool threads in
 * parallel; adds are committed in groups by the index's writer thread while their connections
 * wait suspended; reads run concurrently in their own read transactions) and the routes over
 * the index API are serve_routes.c. Endpoints and
 * status codes: docs/index.md. */
#include <errno.h>      /* errno */
#include <fcntl.h>      /* open, O_NONBLOCK */
#include <getopt.h>     /* getopt_long */
#include <signal.h>     /* signal */
#include <stdio.h>      /* fprintf */
#include <stdlib.h>     /* free */
#include <string.h>     /* strcmp, strdup, strerror */
#include <arpa/inet.h>  /* inet_pton, htons */
#include <netinet/in.h> /* sockaddr_in, sockaddr_in6 */
#include <unistd.h>     /* close */
#include <sys/stat.h>   /* fstat, S_ISREG, S_IWOTH */
#include "reprint/rp_index.h"
#include "cli_args.h"
#include "cmd_index.h"
#include "cmd_serve.h"

#if RP_WITH_SERVER
#include "serve_http.h" /* struct server, serve_http_run */

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
    "  --port-file FILE        write the bound port to FILE (atomically) once listening\n"
    "  --token-file FILE       require 'Authorization: Bearer TOKEN' (the file's first line)\n"
    "                          on every request; without it only loopback clients are served;\n"
    "                          a regular file, not writable by others\n"
    "  --threads N             HTTP worker threads (default 4)\n"
    "  --max-body SIZE         largest request body (default 16M; larger: 413)\n"
    "  --max-header SIZE       memory for a request's headers (default 16K; larger: 431)\n"
    "  --timeout SEC           a request (headers and body) still arriving after SEC gets\n"
    "                          408 and its connection is closed; idle connections are\n"
    "                          closed after SEC (default 30)\n"
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
    OPT_URL_FIELD,
    OPT_PORT_FILE
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
                                         {"port-file", required_argument, NULL, OPT_PORT_FILE},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};

static int usage_error(const char *fmt, const char *arg)
{
    return cli_usage_error("reprint serve", fmt, arg);
}

/* The token file must be a regular file that only its owner (and group) can change: a
 * world-writable one lets anyone on the host replace the token. */
static int read_token(const char *path, struct server *s)
{
    const int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC); /* a FIFO must not block */
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (!f) {
        fprintf(stderr, "reprint serve: %s: %s\n", path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "reprint serve: --token-file %s: not a regular file\n", path);
        fclose(f);
        return -1;
    }
    if (st.st_mode & S_IWOTH) {
        fprintf(stderr,
                "reprint serve: --token-file %s: writable by every user (mode %03o); "
                "chmod o-w it\n",
                path, (unsigned)(st.st_mode & 0777));
        fclose(f);
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
        case OPT_PORT_FILE: s.port_file = optarg; break;
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
    s.addr = ss;
    s.v6 = v6;
    s.port = port;
    s.listen_at = listen_at;
    s.host = host;
    s.threads = (unsigned)threads;
    s.max_conn = (unsigned)max_conn;
    s.max_header = (size_t)max_header;
    const int rc = serve_http_run(&s);
    rp_index_close(s.ix);
    free(s.token);
    return rc;
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
