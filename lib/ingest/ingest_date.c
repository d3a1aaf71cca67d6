/* SPDX-License-Identifier: MIT */
/* ingest_date.c -- rp_parse_date: ISO 8601 / RFC 3339, RFC 2822, Reuters-21578, the long
 * English forms of news pages ("April 25, 2022", "25th April 2022") and epoch seconds to UTC
 * seconds, with our own civil-to-days arithmetic (no locale, no timegm). */
#include <stdint.h> /* int64_t, INT64_MIN */
#include <stdio.h>  /* snprintf */
#include <string.h> /* memcmp, memcpy, strlen */
#include "reprint/rp_ingest.h"

/* Days since 1970-01-01 of a proleptic Gregorian date: H. Hinnant, "chrono-Compatible
 * Low-Level Date Algorithms", days_from_civil. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int64_t y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

struct cur {
    const char *p, *e;
};

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* Exactly min..max digits; returns -1 when absent. */
static int64_t digits(struct cur *c, int min, int max)
{
    int64_t v = 0;
    int n = 0;
    while (c->p < c->e && is_digit(*c->p) && n < max) {
        v = v * 10 + (*c->p++ - '0');
        n++;
    }
    return n >= min ? v : -1;
}

static int eat(struct cur *c, char ch)
{
    if (c->p < c->e && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

static void spaces(struct cur *c)
{
    while (c->p < c->e && is_space(*c->p)) c->p++;
}

static int month_name(struct cur *c)
{
    static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    if (c->e - c->p < 3) return 0;
    char m[3] = {lower(c->p[0]), lower(c->p[1]), lower(c->p[2])};
    for (int i = 0; i < 12; i++) {
        if (memcmp(names + 3 * i, m, 3) == 0) {
            c->p += 3;
            /* Accept the full English name too ("February"). */
            while (c->p < c->e && is_alpha(*c->p)) c->p++;
            return i + 1;
        }
    }
    return 0;
}

static int64_t make(int64_t y, int mo, int d, int h, int mi, int s, int64_t tz)
{
    if (y < 0 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return INT64_MIN;
    if (h < 0 || h > 24 || mi < 0 || mi > 59 || s < 0 || s > 60) return INT64_MIN;
    if (h == 24 && (mi || s)) return INT64_MIN;
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - tz;
}

/* hh:mm[:ss[.fff]] (seconds optional); fills h, mi, s; 0 on failure. */
static int clock_time(struct cur *c, int *h, int *mi, int *s)
{
    const int64_t hh = digits(c, 1, 2);
    if (hh < 0 || !eat(c, ':')) return 0;
    const int64_t mm = digits(c, 2, 2);
    if (mm < 0) return 0;
    int64_t ss = 0;
    if (eat(c, ':')) {
        ss = digits(c, 2, 2);
        if (ss < 0) return 0;
        if (eat(c, '.') || eat(c, ',')) {
            if (digits(c, 1, 9) < 0) return 0;
            while (c->p < c->e && is_digit(*c->p)) c->p++;
        }
    }
    *h = (int)hh;
    *mi = (int)mm;
    *s = (int)ss;
    return 1;
}

/* Z, +hh:mm, +hhmm, +hh -> seconds east of UTC; 0 when absent; INT64_MIN when malformed. */
static int64_t iso_zone(struct cur *c)
{
    if (eat(c, 'Z') || eat(c, 'z')) return 0;
    if (c->p >= c->e || (*c->p != '+' && *c->p != '-')) return 0;
    const int neg = *c->p++ == '-';
    const int64_t hh = digits(c, 2, 2);
    if (hh < 0 || hh > 23) return INT64_MIN;
    int64_t mm = 0;
    if (eat(c, ':')) mm = digits(c, 2, 2);
    else if (c->p < c->e && is_digit(*c->p)) mm = digits(c, 2, 2);
    if (mm < 0 || mm > 59) return INT64_MIN;
    const int64_t z = hh * 3600 + mm * 60;
    return neg ? -z : z;
}

/* RFC 3339 / ISO 8601: YYYY-MM-DD[(T| )hh:mm[:ss[.f]][zone]]; also YYYY/MM/DD (year first
 * is never ambiguous; D/M/Y and M/D/Y are, and are not read). */
static int64_t parse_iso(struct cur c)
{
    const int64_t y = digits(&c, 4, 4);
    if (y < 0 || c.p == c.e || (*c.p != '-' && *c.p != '/')) return INT64_MIN;
    const char sep = *c.p++;
    const int64_t mo = digits(&c, 2, 2);
    if (mo < 0 || !eat(&c, sep)) return INT64_MIN;
    const int64_t d = digits(&c, 2, 2);
    if (d < 0) return INT64_MIN;
    int h = 0, mi = 0, s = 0;
    int64_t tz = 0;
    if (c.p < c.e && (*c.p == 'T' || *c.p == 't' || *c.p == ' ')) {
        c.p++;
        if (!clock_time(&c, &h, &mi, &s)) return INT64_MIN;
        tz = iso_zone(&c);
        if (tz == INT64_MIN) return INT64_MIN;
    }
    spaces(&c);
    if (c.p != c.e) return INT64_MIN;
    return make(y, (int)mo, (int)d, h, mi, s, tz);
}

/* Reuters-21578: D-MON-YYYY[ hh:mm:ss.cc] */
static int64_t parse_reuters(struct cur c)
{
    const int64_t d = digits(&c, 1, 2);
    if (d < 0 || !eat(&c, '-')) return INT64_MIN;
    const int mo = month_name(&c);
    if (!mo || !eat(&c, '-')) return INT64_MIN;
    const int64_t y = digits(&c, 4, 4);
    if (y < 0) return INT64_MIN;
    int h = 0, mi = 0, s = 0;
    spaces(&c);
    if (c.p < c.e && !clock_time(&c, &h, &mi, &s)) return INT64_MIN;
    /* The corpus appends desk codes after the time ("27-MAR-1987 00:02:59.13   RM"). */
    if (c.p < c.e && !is_space(*c.p)) return INT64_MIN;
    for (; c.p < c.e; c.p++)
        if (!is_space(*c.p) && !(*c.p >= 'A' && *c.p <= 'Z')) return INT64_MIN;
    return make(y, mo, (int)d, h, mi, s, 0);
}

/* The rest of an RFC 2822 date after its time: [+hhmm | -hhmm | obsolete zone name]
 * [(comment)] and the end of the string -> seconds east of UTC, INT64_MIN when malformed. */
static int64_t rfc_zone(struct cur *c)
{
    spaces(c);
    int64_t tz = 0;
    if (c->p < c->e && (*c->p == '+' || *c->p == '-')) {
        const int neg = *c->p++ == '-';
        const int64_t hhmm = digits(c, 4, 4);
        if (hhmm < 0 || hhmm % 100 > 59) return INT64_MIN;
        tz = (hhmm / 100) * 3600 + (hhmm % 100) * 60;
        if (neg) tz = -tz;
    } else if (c->p < c->e && *c->p != '(') {
        static const struct {
            const char *name;
            int hours;
        } zones[] = {{"ut", 0},   {"utc", 0},  {"gmt", 0},  {"z", 0},    {"est", -5},
                     {"edt", -4}, {"cst", -6}, {"cdt", -5}, {"mst", -7}, {"mdt", -6},
                     {"pst", -8}, {"pdt", -7}};
        char z[4] = {0};
        size_t n = 0;
        while (c->p < c->e && n < 3 && is_alpha(*c->p))
            z[n++] = lower(*c->p++);
        size_t i = 0;
        for (; i < sizeof zones / sizeof zones[0]; i++)
            if (strlen(zones[i].name) == n && memcmp(zones[i].name, z, n) == 0) break;
        if (n == 0 || i == sizeof zones / sizeof zones[0]) return INT64_MIN;
        tz = (int64_t)zones[i].hours * 3600;
    }
    spaces(c);
    if (c->p < c->e && *c->p == '(') { /* trailing comment, e.g. "(UTC)" */
        while (c->p < c->e && *c->p != ')')
            c->p++;
        eat(c, ')');
        spaces(c);
    }
    return c->p == c->e ? tz : INT64_MIN;
}

/* An English ordinal suffix after a day of the month: 1st, 2nd, 3rd, 25th. */
static void ordinal(struct cur *c)
{
    if (c->e - c->p < 2) return;
    const char a = lower(c->p[0]), b = lower(c->p[1]);
    if ((a == 's' && b == 't') || (a == 'n' && b == 'd') || (a == 'r' && b == 'd') ||
        (a == 't' && b == 'h'))
        c->p += 2;
}

/* A clock time with an optional 12-hour marker (am, pm, a.m., p.m.); 1 when absent. */
static int clock_ampm(struct cur *c, int *h, int *mi, int *s)
{
    *h = *mi = *s = 0;
    if (c->p == c->e || !is_digit(*c->p)) return 1;
    if (!clock_time(c, h, mi, s)) return 0;
    spaces(c);
    if (c->e - c->p >= 2 && (lower(*c->p) == 'a' || lower(*c->p) == 'p') &&
        (lower(c->p[1]) == 'm' || (c->p[1] == '.' && c->e - c->p >= 4 && lower(c->p[2]) == 'm'))) {
        const int pm = lower(*c->p) == 'p';
        c->p += c->p[1] == '.' ? 3 : 2;
        eat(c, '.');
        if (*h < 1 || *h > 12) return 0;
        *h = *h % 12 + (pm ? 12 : 0);
    }
    return 1;
}

/* After the date y-mo-d of an RFC 2822 or long English form: [,] [at] [time [am|pm]]
 * [zone] to the end of the string -> UTC seconds, INT64_MIN when malformed. */
static int64_t time_and_zone(struct cur *c, int64_t y, int mo, int d)
{
    eat(c, ',');
    spaces(c);
    if (c->e - c->p > 3 && lower(c->p[0]) == 'a' && lower(c->p[1]) == 't' && is_space(c->p[2])) {
        c->p += 2;
        spaces(c);
    }
    int h, mi, s;
    if (!clock_ampm(c, &h, &mi, &s)) return INT64_MIN;
    const int64_t tz = rfc_zone(c);
    if (tz == INT64_MIN) return INT64_MIN;
    return make(y, mo, d, h, mi, s, tz);
}

/* The long English form of news sites and US style: [Weekday,] Month D[th][,] YYYY
 * [[,] [at] hh:mm[:ss] [am|pm]] [zone] ("April 25, 2022", "Monday, Apr. 25, 2022 10:54 AM
 * EDT"). The zone is as RFC 2822's (a number or a US/UTC name); none = UTC. */
static int64_t parse_long(struct cur c)
{
    int mo = month_name(&c);
    if (!mo) { /* a weekday first: Mon, Monday */
        static const char days[] = "montuewedthufrisatsun";
        const char *w = c.p;
        while (c.p < c.e && is_alpha(*c.p))
            c.p++;
        if (c.p - w < 3) return INT64_MIN;
        const char k[3] = {lower(w[0]), lower(w[1]), lower(w[2])};
        int i = 0;
        while (i < 7 && memcmp(days + 3 * i, k, 3) != 0)
            i++;
        if (i == 7) return INT64_MIN;
        eat(&c, ',');
        spaces(&c);
        mo = month_name(&c);
        if (!mo) return INT64_MIN;
    }
    eat(&c, '.');
    spaces(&c);
    const int64_t d = digits(&c, 1, 2);
    if (d < 0) return INT64_MIN;
    ordinal(&c);
    eat(&c, ',');
    spaces(&c);
    const int64_t y = digits(&c, 4, 4);
    if (y < 0) return INT64_MIN;
    return time_and_zone(&c, y, mo, (int)d);
}

/* RFC 2822 section 3.3 (with the obsolete zones of 4.3): [Wkd,] D Mon YYYY hh:mm[:ss] zone;
 * also the day-first form of news sites: "25th April 2022", "25 April 2022, 10:54 pm". */
static int64_t parse_rfc2822(struct cur c)
{
    if (c.e - c.p >= 4 && !is_digit(*c.p)) { /* day of week, ignored */
        while (c.p < c.e && *c.p != ',' && !is_space(*c.p)) c.p++;
        eat(&c, ',');
        spaces(&c);
    }
    const int64_t d = digits(&c, 1, 2);
    if (d < 0) return INT64_MIN;
    ordinal(&c);
    spaces(&c);
    const int mo = month_name(&c);
    if (!mo) return INT64_MIN;
    eat(&c, '.');
    spaces(&c);
    const char *ys = c.p;
    int64_t y = digits(&c, 2, 4);
    if (y < 0) return INT64_MIN;
    if (c.p - ys == 2) y += y < 50 ? 2000 : 1900; /* RFC 2822 4.3 */
    else if (c.p - ys == 3) y += 1900;
    return time_and_zone(&c, y, mo, (int)d);
}

/* [+-]digits: epoch seconds. */
static int64_t parse_epoch(struct cur c)
{
    const int neg = c.p < c.e && *c.p == '-';
    if (c.p < c.e && (*c.p == '-' || *c.p == '+')) c.p++;
    if (c.p == c.e) return INT64_MIN;
    int64_t v = 0;
    for (; c.p < c.e; c.p++) {
        if (!is_digit(*c.p)) return INT64_MIN;
        if (v > (INT64_MAX - 9) / 10) return INT64_MIN;
        v = v * 10 + (*c.p - '0');
    }
    return neg ? -v : v;
}

int rp_doc_bad_date(const rp_doc *doc, const rp_record *rec, char *msg, size_t cap)
{
    if (!doc->date || doc->date_epoch != INT64_MIN) return 0;
    struct cur c = {doc->date, doc->date + strlen(doc->date)};
    spaces(&c);
    while (c.e > c.p && is_space(c.e[-1]))
        c.e--;
    if (c.p == c.e) return 0;
    if (cap == 0) return 1; /* counted only */
    char q[68];
    size_t n = (size_t)(c.e - c.p) < 64 ? (size_t)(c.e - c.p) : 64;
    if (n < (size_t)(c.e - c.p)) /* do not cut a UTF-8 sequence */
        while (n > 0 && ((unsigned char)c.p[n] & 0xC0) == 0x80)
            n--;
    for (size_t i = 0; i < n; i++)
        q[i] = (unsigned char)c.p[i] < 0x20 || c.p[i] == 0x7F ? '?' : c.p[i];
    memcpy(q + n, n < (size_t)(c.e - c.p) ? "..." : "", n < (size_t)(c.e - c.p) ? 4 : 1);
    const char *path = rec && rec->path ? rec->path : "-";
    if (rec && rec->line)
        snprintf(msg, cap, "%s:%llu: date \"%s\"", path, (unsigned long long)rec->line, q);
    else
        snprintf(msg, cap, "%s: date \"%s\"", path, q);
    return 1;
}

int64_t rp_parse_date(const char *s, size_t size)
{
    if (!s) return INT64_MIN;
    struct cur c = {s, s + size};
    spaces(&c);
    while (c.e > c.p && is_space(c.e[-1])) c.e--;
    if (c.p == c.e) return INT64_MIN;
    int64_t t = parse_epoch(c);
    if (t != INT64_MIN) return t;
    t = parse_iso(c);
    if (t != INT64_MIN) return t;
    t = parse_reuters(c);
    if (t != INT64_MIN) return t;
    t = parse_rfc2822(c);
    if (t != INT64_MIN) return t;
    return parse_long(c);
}
