/* SPDX-License-Identifier: MIT */
/* cmd_eval.c -- `reprint eval`: read gold id<TAB>cluster labels and a `reprint cluster`
 * JSON Lines output, map both onto the gold items and print rp_eval_labels' scores. */
#include <errno.h>    /* errno */
#include <stdint.h>   /* uint32_t, uint64_t, UINT32_MAX */
#include <stdio.h>    /* FILE, fopen, getline, fprintf */
#include <stdlib.h>   /* malloc, realloc, free */
#include <string.h>   /* memchr, memcmp, memcpy, strcmp, strcspn, strerror */
#include <sys/types.h> /* ssize_t */
#include <jansson.h>  /* json_loadb, json_object_get, json_dumpf */
#include <xxhash.h>   /* XXH3_64bits */
#include "reprint/rp_eval.h" /* rp_eval_labels, rp_eval_scores */
#include "cmd_eval.h"        /* rp_cmd_eval */

#define PROG "reprint eval"
#define NO_LABEL UINT32_MAX

enum { EXIT_OK = 0, EXIT_INPUT = 1, EXIT_USAGE = 2 };

static const char usage_text[] =
    "usage: reprint eval --gold GOLD.tsv [--json] [-o FILE] PRED.jsonl\n"
    "\n"
    "Score a clustering against gold labels.\n"
    "  GOLD.tsv    id<TAB>cluster per line; blank lines and lines starting with '#' are\n"
    "              ignored, further tab-separated columns too\n"
    "  PRED.jsonl  output of `reprint cluster` ('-' = stdin): one object per line with\n"
    "              \"id\" and \"cluster\"; lines with \"skipped\" (or no cluster) are singletons\n"
    "  --gold FILE gold labels (required)\n"
    "  --json      print one JSON object instead of the table\n"
    "  -o FILE     write the report to FILE instead of stdout\n"
    "Gold items missing from PRED are scored as singletons; PRED items missing from gold are\n"
    "ignored; both are counted. Scores: pairwise precision/recall/F1 over co-clustered pairs,\n"
    "adjusted Rand index, B-cubed precision/recall/F1, NMI (arithmetic-mean normalization).\n"
    "Exit status: 0 ok, 1 input problem, 2 usage error.\n";

/* ---- string -> uint32 map: open addressing, linear probing, XXH3 ------------------------ */

struct slot {
    uint64_t hash;
    size_t key_off; /* offset + 1 into the pool; 0 = empty slot */
    uint32_t key_len;
    uint32_t value;
};

struct strmap {
    struct slot *slots;
    size_t cap; /* power of two */
    size_t len;
    char *pool; /* keys, each NUL-terminated */
    size_t pool_size, pool_cap;
};

static void strmap_free(struct strmap *m)
{
    free(m->slots);
    free(m->pool);
    memset(m, 0, sizeof *m);
}

static int strmap_grow(struct strmap *m)
{
    const size_t cap = m->cap ? m->cap * 2 : 1024;
    struct slot *slots = calloc(cap, sizeof *slots);
    if (!slots) return -1;
    for (size_t i = 0; i < m->cap; i++) {
        const struct slot *s = &m->slots[i];
        if (!s->key_off) continue;
        size_t j = (size_t)s->hash & (cap - 1);
        while (slots[j].key_off) j = (j + 1) & (cap - 1);
        slots[j] = *s;
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return 0;
}

/* The slot holding key, or the empty slot where it would go. m->cap > 0. */
static struct slot *strmap_probe(const struct strmap *m, const char *key, size_t len,
                                 uint64_t hash)
{
    size_t j = (size_t)hash & (m->cap - 1);
    for (;;) {
        struct slot *s = &m->slots[j];
        if (!s->key_off) return s;
        if (s->hash == hash && s->key_len == len &&
            memcmp(m->pool + s->key_off - 1, key, len) == 0)
            return s;
        j = (j + 1) & (m->cap - 1);
    }
}

/* The value stored for key, or NO_LABEL when absent. */
static uint32_t strmap_get(const struct strmap *m, const char *key, size_t len)
{
    if (!m->cap) return NO_LABEL;
    const struct slot *s = strmap_probe(m, key, len, XXH3_64bits(key, len));
    return s->key_off ? s->value : NO_LABEL;
}

/* Insert key with value unless present; *value receives the stored value and *added whether
 * it was inserted. Returns -1 when out of memory or the key is too long. */
static int strmap_put(struct strmap *m, const char *key, size_t len, uint32_t value,
                      uint32_t *stored, int *added)
{
    if (len > UINT32_MAX - 1) return -1;
    if ((m->len + 1) * 10 > m->cap * 7 && strmap_grow(m) != 0) return -1;
    const uint64_t hash = XXH3_64bits(key, len);
    struct slot *s = strmap_probe(m, key, len, hash);
    if (s->key_off) {
        *stored = s->value;
        *added = 0;
        return 0;
    }
    if (m->pool_cap - m->pool_size < len + 1) {
        size_t cap = m->pool_cap ? m->pool_cap : 4096;
        while (cap - m->pool_size < len + 1) cap *= 2;
        char *pool = realloc(m->pool, cap);
        if (!pool) return -1;
        m->pool = pool;
        m->pool_cap = cap;
    }
    memcpy(m->pool + m->pool_size, key, len);
    m->pool[m->pool_size + len] = '\0';
    s->hash = hash;
    s->key_off = m->pool_size + 1;
    s->key_len = (uint32_t)len;
    s->value = value;
    m->pool_size += len + 1;
    m->len++;
    *stored = value;
    *added = 1;
    return 0;
}

/* ---- growable label arrays ------------------------------------------------------------- */

struct labels {
    uint32_t *v;
    size_t len, cap;
};

static int labels_push(struct labels *l, uint32_t x)
{
    if (l->len == l->cap) {
        const size_t cap = l->cap ? l->cap * 2 : 1024;
        uint32_t *v = realloc(l->v, cap * sizeof *v);
        if (!v) return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->len++] = x;
    return 0;
}

/* ---- the run ----------------------------------------------------------------------------- */

struct eval_run {
    struct strmap items;         /* gold id -> item index */
    struct strmap gold_clusters; /* gold cluster name -> gold label */
    struct strmap pred_clusters; /* predicted cluster name -> predicted label */
    struct labels gold, pred;    /* per item; pred is NO_LABEL until seen */
    uint32_t next_pred_label;    /* named clusters and singletons share this counter */
    size_t n_pred_only, n_pred_skipped, n_gold_only;
};

static void run_free(struct eval_run *r)
{
    strmap_free(&r->items);
    strmap_free(&r->gold_clusters);
    strmap_free(&r->pred_clusters);
    free(r->gold.v);
    free(r->pred.v);
}

static int oom(void)
{
    fprintf(stderr, PROG ": out of memory\n");
    return EXIT_INPUT;
}

/* Strip the line ending; returns the new length. */
static size_t chomp(char *line, size_t len)
{
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
    return len;
}

static int is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\v' && s[i] != '\f') return 0;
    return 1;
}

static int read_gold(struct eval_run *r, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
        return EXIT_INPUT;
    }
    char *line = NULL;
    size_t line_cap = 0, lineno = 0;
    ssize_t got;
    int rc = EXIT_OK;
    while ((got = getline(&line, &line_cap, f)) >= 0) {
        lineno++;
        const size_t len = chomp(line, (size_t)got);
        if (is_blank(line, len) || line[0] == '#') continue;
        const char *tab = memchr(line, '\t', len);
        const char *cl = tab ? tab + 1 : NULL;
        const char *cl_end = cl ? memchr(cl, '\t', len - (size_t)(cl - line)) : NULL;
        if (cl && !cl_end) cl_end = line + len;
        if (!tab || tab == line || cl_end == cl) {
            fprintf(stderr, PROG ": %s:%zu: malformed line (expected id<TAB>cluster)\n", path,
                    lineno);
            rc = EXIT_INPUT;
            goto done;
        }
        uint32_t label, idx;
        int added;
        const uint32_t n_clusters = (uint32_t)r->gold_clusters.len;
        if (strmap_put(&r->gold_clusters, cl, (size_t)(cl_end - cl), n_clusters, &label,
                       &added) != 0 ||
            strmap_put(&r->items, line, (size_t)(tab - line), (uint32_t)r->gold.len, &idx,
                       &added) != 0) {
            rc = oom();
            goto done;
        }
        if (!added) {
            if (r->gold.v[idx] != label) {
                fprintf(stderr, PROG ": %s:%zu: id '%.*s' is already in another cluster\n",
                        path, lineno, (int)(tab - line), line);
                rc = EXIT_INPUT;
                goto done;
            }
            continue; /* repeated with the same cluster: harmless */
        }
        if (r->gold.len >= UINT32_MAX - 1) {
            fprintf(stderr, PROG ": %s:%zu: too many items\n", path, lineno);
            rc = EXIT_INPUT;
            goto done;
        }
        if (labels_push(&r->gold, label) != 0 || labels_push(&r->pred, NO_LABEL) != 0) {
            rc = oom();
            goto done;
        }
    }
    if (ferror(f)) {
        fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
        rc = EXIT_INPUT;
    } else if (r->gold.len == 0) {
        fprintf(stderr, PROG ": %s: no gold items\n", path);
        rc = EXIT_INPUT;
    }
done:
    free(line);
    fclose(f);
    return rc;
}

/* A JSON string or integer as text: points into the value or into buf. */
static const char *json_text(const json_t *v, char *buf, size_t buf_size, size_t *len)
{
    if (json_is_string(v)) {
        *len = json_string_length(v);
        return json_string_value(v);
    }
    if (json_is_integer(v)) {
        const int n = snprintf(buf, buf_size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        *len = (size_t)n;
        return buf;
    }
    return NULL;
}

/* One prediction line (already parsed). Returns an exit status. */
static int take_pred(struct eval_run *r, const json_t *o, const char *path, size_t lineno)
{
    char id_buf[32], cl_buf[32];
    size_t id_len = 0, cl_len = 0;
    const json_t *skipped = json_object_get(o, "skipped");
    const int is_skipped = skipped && !json_is_null(skipped) && !json_is_false(skipped);
    const char *id = json_text(json_object_get(o, "id"), id_buf, sizeof id_buf, &id_len);
    if (!id && is_skipped) {
        r->n_pred_skipped++; /* a skipped record without an id maps to no item */
        return EXIT_OK;
    }
    if (!id) {
        fprintf(stderr, PROG ": %s:%zu: missing or non-string \"id\"\n", path, lineno);
        return EXIT_INPUT;
    }
    const json_t *jc = json_object_get(o, "cluster");
    const char *cl = NULL;
    if (!is_skipped && jc && !json_is_null(jc)) {
        cl = json_text(jc, cl_buf, sizeof cl_buf, &cl_len);
        if (!cl) {
            fprintf(stderr, PROG ": %s:%zu: \"cluster\" is not a string\n", path, lineno);
            return EXIT_INPUT;
        }
    }
    if (is_skipped) r->n_pred_skipped++;

    const uint32_t idx = strmap_get(&r->items, id, id_len);
    if (idx == NO_LABEL) {
        r->n_pred_only++;
        return EXIT_OK;
    }
    if (r->pred.v[idx] != NO_LABEL) {
        fprintf(stderr, PROG ": %s:%zu: id '%.*s' appears twice\n", path, lineno, (int)id_len,
                id);
        return EXIT_INPUT;
    }
    uint32_t label = r->next_pred_label;
    if (cl) {
        int added;
        if (strmap_put(&r->pred_clusters, cl, cl_len, r->next_pred_label, &label, &added) != 0)
            return oom();
        if (added) r->next_pred_label++;
    } else {
        r->next_pred_label++; /* a singleton of its own */
    }
    r->pred.v[idx] = label;
    return EXIT_OK;
}

static int read_pred(struct eval_run *r, const char *path)
{
    const int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "r");
    if (!f) {
        fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
        return EXIT_INPUT;
    }
    char *line = NULL;
    size_t line_cap = 0, lineno = 0;
    ssize_t got;
    int rc = EXIT_OK;
    while (rc == EXIT_OK && (got = getline(&line, &line_cap, f)) >= 0) {
        lineno++;
        const size_t len = chomp(line, (size_t)got);
        if (is_blank(line, len)) continue;
        json_error_t jerr;
        /* JSON_ALLOW_NUL: an id is any JSON string; items are compared with their lengths */
        json_t *o = json_loadb(line, len, JSON_ALLOW_NUL, &jerr);
        if (!o) {
            fprintf(stderr, PROG ": %s:%zu: invalid JSON: %s\n", name, lineno, jerr.text);
            rc = EXIT_INPUT;
        } else if (!json_is_object(o)) {
            fprintf(stderr, PROG ": %s:%zu: not a JSON object\n", name, lineno);
            rc = EXIT_INPUT;
        } else {
            rc = take_pred(r, o, name, lineno);
        }
        json_decref(o);
    }
    if (rc == EXIT_OK && ferror(f)) {
        fprintf(stderr, PROG ": %s: %s\n", name, strerror(errno));
        rc = EXIT_INPUT;
    }
    free(line);
    if (!is_stdin) fclose(f);
    return rc;
}

/* Gold items never predicted become singletons. */
static void fill_gold_only(struct eval_run *r)
{
    for (size_t i = 0; i < r->pred.len; i++) {
        if (r->pred.v[i] != NO_LABEL) continue;
        r->pred.v[i] = r->next_pred_label++;
        r->n_gold_only++;
    }
}

/* ---- output ------------------------------------------------------------------------------ */

static int print_table(FILE *out, const rp_eval_scores *s, const struct eval_run *r)
{
    fprintf(out, "%-20s %12zu\n", "items scored", s->n_items);
    fprintf(out, "%-20s %12zu   (scored as singletons)\n", "  gold only", s->n_gold_only);
    fprintf(out, "%-20s %12zu   (ignored)\n", "  pred only", s->n_pred_only);
    fprintf(out, "%-20s %12zu   (scored as singletons)\n", "  pred skipped",
            r->n_pred_skipped);
    fprintf(out, "%-20s %12zu\n", "clusters gold", s->n_gold_clusters);
    fprintf(out, "%-20s %12zu\n", "clusters pred", s->n_pred_clusters);
    fprintf(out, "\n%-20s %10s %10s %10s\n", "", "precision", "recall", "F1");
    fprintf(out, "%-20s %10.4f %10.4f %10.4f\n", "pairwise", s->pair_precision,
            s->pair_recall, s->pair_f1);
    fprintf(out, "%-20s %10.4f %10.4f %10.4f\n", "B-cubed", s->bcubed_precision,
            s->bcubed_recall, s->bcubed_f1);
    fprintf(out, "\n%-20s %12llu\n", "pairs TP", (unsigned long long)s->pair_tp);
    fprintf(out, "%-20s %12llu\n", "pairs FP", (unsigned long long)s->pair_fp);
    fprintf(out, "%-20s %12llu\n", "pairs FN", (unsigned long long)s->pair_fn);
    fprintf(out, "%-20s %12.4f\n", "ARI", s->ari);
    fprintf(out, "%-20s %12.4f\n", "NMI", s->nmi);
    return ferror(out) ? -1 : 0;
}

static int set_int(json_t *o, const char *key, uint64_t v)
{
    return json_object_set_new(o, key, json_integer((json_int_t)v));
}

static int print_json(FILE *out, const rp_eval_scores *s, const struct eval_run *r,
                      const char *gold_path, const char *pred_path)
{
    json_t *o = json_object();
    if (!o) return -1;
    int bad = 0;
    bad |= json_object_set_new(o, "gold", json_string(gold_path));
    bad |= json_object_set_new(o, "pred", json_string(pred_path));
    bad |= set_int(o, "items", s->n_items);
    bad |= set_int(o, "gold_only", s->n_gold_only);
    bad |= set_int(o, "pred_only", s->n_pred_only);
    bad |= set_int(o, "pred_skipped", r->n_pred_skipped);
    bad |= set_int(o, "gold_clusters", s->n_gold_clusters);
    bad |= set_int(o, "pred_clusters", s->n_pred_clusters);
    bad |= json_object_set_new(o, "pair_precision", json_real(s->pair_precision));
    bad |= json_object_set_new(o, "pair_recall", json_real(s->pair_recall));
    bad |= json_object_set_new(o, "pair_f1", json_real(s->pair_f1));
    bad |= set_int(o, "pair_tp", s->pair_tp);
    bad |= set_int(o, "pair_fp", s->pair_fp);
    bad |= set_int(o, "pair_fn", s->pair_fn);
    bad |= json_object_set_new(o, "ari", json_real(s->ari));
    bad |= json_object_set_new(o, "bcubed_precision", json_real(s->bcubed_precision));
    bad |= json_object_set_new(o, "bcubed_recall", json_real(s->bcubed_recall));
    bad |= json_object_set_new(o, "bcubed_f1", json_real(s->bcubed_f1));
    bad |= json_object_set_new(o, "nmi", json_real(s->nmi));
    if (!bad) bad = json_dumpf(o, out, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(o);
    if (!bad) fputc('\n', out);
    return bad || ferror(out) ? -1 : 0;
}

/* ---- entry point ------------------------------------------------------------------------- */

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, PROG ": ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%.*s", (int)strcspn(usage_text, "\n") + 1, usage_text);
    return EXIT_USAGE;
}

int rp_cmd_eval(int argc, char **argv)
{
    const char *gold_path = NULL, *pred_path = NULL, *out_path = NULL;
    int as_json = 0, options_done = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options_done || a[0] != '-' || a[1] == '\0') {
            if (pred_path) return usage_error("unexpected argument '%s'", a);
            pred_path = a;
        } else if (strcmp(a, "--") == 0) {
            options_done = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            return EXIT_OK;
        } else if (strcmp(a, "--json") == 0) {
            as_json = 1;
        } else if (strcmp(a, "--gold") == 0) {
            if (i + 1 >= argc) return usage_error("option '%s' needs a value", a);
            gold_path = argv[++i];
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (i + 1 >= argc) return usage_error("option '%s' needs a value", a);
            out_path = argv[++i];
        } else if (strncmp(a, "--gold=", 7) == 0) {
            gold_path = a + 7;
        } else if (strncmp(a, "--output=", 9) == 0) {
            out_path = a + 9;
        } else {
            return usage_error("unknown option '%s'", a);
        }
    }
    if (!gold_path || !*gold_path) return usage_error("%s", "--gold GOLD.tsv is required");
    if (!pred_path) return usage_error("%s", "PRED.jsonl is required");

    struct eval_run r;
    memset(&r, 0, sizeof r);
    rp_eval_scores s;
    int rc = read_gold(&r, gold_path);
    if (rc == EXIT_OK) rc = read_pred(&r, pred_path);
    if (rc != EXIT_OK) goto done;
    fill_gold_only(&r);

    const rp_status st = rp_eval_labels(r.gold.v, r.pred.v, r.gold.len, &s);
    if (st != RP_OK) {
        fprintf(stderr, PROG ": scoring failed: %s\n", rp_strerror(st));
        rc = EXIT_INPUT;
        goto done;
    }
    s.n_gold_only = r.n_gold_only;
    s.n_pred_only = r.n_pred_only;

    FILE *out = out_path ? fopen(out_path, "w") : stdout;
    if (!out) {
        fprintf(stderr, PROG ": %s: %s\n", out_path, strerror(errno));
        rc = EXIT_INPUT;
        goto done;
    }
    int bad = as_json ? print_json(out, &s, &r, gold_path, pred_path)
                      : print_table(out, &s, &r);
    if (out_path ? fclose(out) != 0 : fflush(out) != 0) bad = -1;
    if (bad) {
        fprintf(stderr, PROG ": %s: write failed\n", out_path ? out_path : "<stdout>");
        rc = EXIT_INPUT;
    }
done:
    run_free(&r);
    return rc;
}
