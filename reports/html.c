/* summary: the HTML report: summary, attestation mix over time, failures, origids,
 * traceback chains and certificate expiry, as HTML tables and inline SVG. */
#include "reports/html.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/jsonw.h"
#include "common/ptime.h"
#include "db/store.h"

#ifndef STIRPROBE_VERSION
#define STIRPROBE_VERSION "0.0.0-dev"
#endif

/* ?1 and ?2 are the [since, until) bounds in epoch nanoseconds, as in report.c. */
#define WINDOW "first_seen_ns >= ?1 AND first_seen_ns < ?2"
#define FAILED "verify_result NOT IN ('pass', 'not-verified', 'no-identity')"

#define NS_PER_S 1000000000LL
#define MAX_BUCKETS 40 /* attestation chart: at most this many time buckets */
#define MAX_FAILURE_ROWS 40  /* verify_result is our label; a foreign DB may hold anything */
#define MAX_CERT_ROWS 200
#define MAX_LEGS_DRAWN 10    /* a longer chain shows its first legs, an ellipsis and its last leg */
#define IP_MAX 64

/* Attestation series, bottom to top of the stacked area; "other" holds values that
 * are not A/B/C (a PASSporT as transmitted may carry anything) and is drawn only
 * when present, so the series always add up to the calls. */
enum { S_A, S_B, S_C, S_NONE, S_OTHER, NSER };
static const char *const ser_name[NSER] = { "A", "B", "C", "none", "other" };
static const char *const ser_color[NSER] = { "#2e7d32", "#1565c0", "#f9a825", "#9e9e9e", "#8e24aa" };

#define C_FAIL "#c62828"
#define C_UNSIGNED "#9e9e9e"
#define C_WARN "#ef6c00"
#define C_NOTYET "#6a1b9a"
#define C_OK "#2e7d32"

struct ctx {
    sqlite3 *db;
    FILE *out;
    const struct html_opts *o;
    int64_t since, until;   /* window in ns */
    bool failed;            /* an SQL error was reported */
    /* summary of the calls in the window */
    int64_t calls, signed_calls, passed, failures, chains, origids, certs;
    int64_t first_ns, last_ns; /* first_seen of the first and the last call */
};

/* ---- escaping ---------------------------------------------------------------------- */

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

/* Writes s[0..n) as HTML text or attribute value: the five markup characters become
 * references; control characters, C1 controls, noncharacters and bytes that are not
 * UTF-8 become U+FFFD (one per byte), so the page is valid UTF-8 whatever the database
 * holds. At most max code points are written; a cut value ends with an ellipsis. */
static void esc_max(FILE *out, const char *str, size_t n, size_t max)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t cps = 0;
    for (size_t i = 0; i < n; i++, cps++) {
        if (cps == max) {
            fputs("\xe2\x80\xa6", out);
            return;
        }
        unsigned char ch = s[i];
        switch (ch) {
        case '&': fputs("&amp;", out); continue;
        case '<': fputs("&lt;", out); continue;
        case '>': fputs("&gt;", out); continue;
        case '"': fputs("&quot;", out); continue;
        case '\'': fputs("&#39;", out); continue;
        default: break;
        }
        if (ch == '\t' || ch == '\n') {
            fputc(ch, out);
            continue;
        }
        if (ch < 0x20 || ch == 0x7f) {
            fputs(REPLACEMENT, out);
            continue;
        }
        if (ch < 0x80) {
            fputc(ch, out);
            continue;
        }
        size_t u = utf8_seq(s + i, n - i);
        if (u == 0) {
            fputs(REPLACEMENT, out);
            continue;
        }
        uint32_t cp = u == 2 ? ch & 0x1fu : u == 3 ? ch & 0x0fu : ch & 0x07u;
        for (size_t k = 1; k < u; k++)
            cp = cp << 6 | (s[i + k] & 0x3fu);
        if (cp <= 0x9f || (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe)
            fputs(REPLACEMENT, out); /* C1 control or noncharacter: parse errors in HTML */
        else
            fwrite(s + i, 1, u, out);
        i += u - 1;
    }
}

static void esc(FILE *out, const char *s, size_t n) { esc_max(out, s, n, SIZE_MAX); }
static void escz(FILE *out, const char *s) { esc(out, s, s ? strlen(s) : 0); }

/* Column i as text (empty for NULL) and its length in bytes. */
static const char *col(sqlite3_stmt *st, int i, size_t *n)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    *n = v ? (size_t)sqlite3_column_bytes(st, i) : 0;
    return v ? v : "";
}

static void esc_col(FILE *out, sqlite3_stmt *st, int i)
{
    size_t n;
    const char *v = col(st, i, &n);
    esc(out, v, n);
}

/* ---- SQL --------------------------------------------------------------------------- */

static sqlite3_stmt *prep(struct ctx *c, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "stirprobe: report html: %s: %s\n", c->o->rpt.db_path, sqlite3_errmsg(c->db));
        c->failed = true;
        sqlite3_finalize(st);
        return NULL;
    }
    if (sqlite3_bind_parameter_count(st) >= 2) {
        sqlite3_bind_int64(st, 1, c->since);
        sqlite3_bind_int64(st, 2, c->until);
    }
    return st;
}

/* true while there is a row; an error is reported once and ends the loop. */
static bool row(struct ctx *c, sqlite3_stmt *st)
{
    if (!st)
        return false;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        return true;
    if (r != SQLITE_DONE) {
        fprintf(stderr, "stirprobe: report html: %s: %s\n", c->o->rpt.db_path, sqlite3_errmsg(c->db));
        c->failed = true;
    }
    return false;
}

/* Whether the database has a view of this name (a schema-1 database has none of the
 * analytics views until a `read` upgrades it). */
static bool has_view(struct ctx *c, const char *name)
{
    sqlite3_stmt *st = NULL;
    bool yes = sqlite3_prepare_v2(c->db, "SELECT 1 FROM sqlite_master WHERE type = 'view' AND name = ?1", -1, &st,
                                  NULL) == SQLITE_OK &&
               sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return yes;
}

/* ---- time formatting --------------------------------------------------------------- */

static int64_t floordiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

static struct ptime ns_ptime(int64_t ns)
{
    return (struct ptime){ .sec = floordiv(ns, NS_PER_S), .nsec = (uint32_t)(ns - floordiv(ns, NS_PER_S) * NS_PER_S) };
}

static void iso_ns(int64_t ns, char *buf) { ptime_iso(ns_ptime(ns), buf); }

/* UTC epoch seconds as text in one of a few layouts ("?" when out of range); the
 * layouts are literals so that -Wformat checks them. */
enum tfmt { TF_DATETIME, TF_DATE, TF_HMS, TF_HM, TF_ISO };

static void utc_fmt(int64_t secs, enum tfmt f, char *buf, size_t len)
{
    time_t t = (time_t)secs;
    struct tm tm;
    size_t n = 0;
    if (gmtime_r(&t, &tm)) {
        switch (f) {
        case TF_DATETIME: n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm); break;
        case TF_DATE: n = strftime(buf, len, "%Y-%m-%d", &tm); break;
        case TF_HMS: n = strftime(buf, len, "%H:%M:%S", &tm); break;
        case TF_HM: n = strftime(buf, len, "%H:%M", &tm); break;
        case TF_ISO: n = strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm); break;
        }
    }
    if (n == 0)
        snprintf(buf, len, "?");
}

/* ---- page frame -------------------------------------------------------------------- */

/* Mail clients may drop <style>; the essentials are repeated as attributes. */
static const char page_head[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>stirprobe report</title>\n"
    "<style>\n"
    "body{font-family:Helvetica,Arial,sans-serif;color:#212121;margin:16px;max-width:1240px}\n"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 6px;border-bottom:1px solid #ccc}\n"
    "table.d{border-collapse:collapse;font-size:13px}\n"
    "table.d th,table.d td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}\n"
    "table.d th{background:#f1f1f1}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    ".mono{font-family:Menlo,Consolas,monospace;font-size:12px;word-break:break-all}\n"
    ".kpi td{padding:6px 14px 6px 0}.kpi .v{font-size:22px;font-weight:bold}.kpi .l{font-size:12px;color:#555}\n"
    ".note{font-size:12px;color:#555}.bad{color:" C_FAIL ";font-weight:bold}.warn{color:" C_WARN ";font-weight:bold}\n"
    ".scroll{overflow-x:auto}td.t{white-space:nowrap}\n"
    "</style>\n</head>\n<body>\n";

static void section(FILE *out, const char *id, const char *title)
{
    fprintf(out, "<section id=\"%s\">\n<h2>%s</h2>\n", id, title);
}

static void table_open(FILE *out, const char *id)
{
    fprintf(out, "<table class=\"d\" id=\"%s\" border=\"1\" cellspacing=\"0\" cellpadding=\"3\">\n", id);
}

/* ---- summary ----------------------------------------------------------------------- */

static void load_summary(struct ctx *c)
{
    sqlite3_stmt *st = prep(c,
        "SELECT COUNT(*), COALESCE(SUM(identity_count > 0), 0), COALESCE(SUM(verify_result = 'pass'), 0),"
        " COALESCE(SUM(" FAILED "), 0), COUNT(DISTINCT chain_id), COUNT(DISTINCT origid),"
        " MIN(first_seen_ns), MAX(first_seen_ns),"
        " (SELECT COUNT(*) FROM certificates WHERE x5u IN (SELECT p.x5u FROM passports p"
        "   JOIN calls k ON k.id = p.call_row_id WHERE k.first_seen_ns >= ?1 AND k.first_seen_ns < ?2))"
        " FROM calls WHERE " WINDOW);
    if (row(c, st)) {
        c->calls = sqlite3_column_int64(st, 0);
        c->signed_calls = sqlite3_column_int64(st, 1);
        c->passed = sqlite3_column_int64(st, 2);
        c->failures = sqlite3_column_int64(st, 3);
        c->chains = sqlite3_column_int64(st, 4);
        c->origids = sqlite3_column_int64(st, 5);
        c->first_ns = sqlite3_column_int64(st, 6);
        c->last_ns = sqlite3_column_int64(st, 7);
        c->certs = sqlite3_column_int64(st, 8);
    }
    sqlite3_finalize(st);
}

static void kpi(FILE *out, const char *id, int64_t v, const char *label)
{
    fprintf(out, "<td><div class=\"v\" id=\"total-%s\">%lld</div><div class=\"l\">%s</div></td>\n", id,
            (long long)v, label);
}

static void put_summary(struct ctx *c)
{
    FILE *out = c->out;
    const struct html_opts *o = c->o;
    fputs("<header id=\"summary\">\n<h1>stirprobe report</h1>\n<p>database <span class=\"mono\" id=\"db\">", out);
    char name[1024];
    escz(out, store_display_name(o->rpt.db_path, name, sizeof name));
    fputs("</span><br>\nwindow <span id=\"window\">", out);
    if (!o->rpt.since && !o->rpt.until) {
        fputs("all calls", out);
    } else {
        char a[PTIME_ISO_LEN], b[PTIME_ISO_LEN];
        if (o->rpt.since)
            iso_ns(c->since, a);
        if (o->rpt.until)
            iso_ns(c->until, b);
        fprintf(out, "%s &le; first_seen &lt; %s", o->rpt.since ? a : "&minus;&infin;", o->rpt.until ? b : "&infin;");
    }
    fputs("</span>", out);
    if (c->calls > 0) {
        char a[PTIME_ISO_LEN], b[PTIME_ISO_LEN];
        iso_ns(c->first_ns, a);
        iso_ns(c->last_ns, b);
        fprintf(out, "<br>\ncalls from <span id=\"first-call\">%s</span> to <span id=\"last-call\">%s</span>", a, b);
    }
    fputs("</p>\n<table class=\"kpi\" cellspacing=\"0\"><tr>\n", out);
    kpi(out, "calls", c->calls, "calls");
    kpi(out, "signed", c->signed_calls, "signed calls");
    kpi(out, "passed", c->passed, "verified pass");
    kpi(out, "failures", c->failures, "failed verification");
    kpi(out, "chains", c->chains, "chains");
    kpi(out, "origids", c->origids, "origids");
    kpi(out, "certificates", c->certs, "certificates");
    fputs("</tr></table>\n<p class=\"note\">signed: the INVITE carried an Identity header; failed: every"
          " verify_result but pass, not-verified and no-identity; certificates: x5u certificates used by"
          " the PASSporTs of these calls.</p>\n</header>\n",
          out);
}

/* ---- attestation mix over time ------------------------------------------------------- */

/* The smallest round bucket that cuts [first, last] into at most MAX_BUCKETS
 * buckets (so a capture of seconds gets 100 ms buckets and one of a day 1 h ones),
 * aligned on UTC multiples of itself. In nanoseconds. */

static int64_t bucket_count(int64_t first_ns, int64_t last_ns, int64_t step)
{
    return floordiv(last_ns, step) - floordiv(first_ns, step) + 1;
}

static int64_t pick_bucket(int64_t first_ns, int64_t last_ns)
{
    static const int64_t ladder_ms[] = { 100, 200, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000,
                                         300000, 600000, 900000, 1800000, 3600000, 7200000, 10800000,
                                         21600000, 43200000, 86400000 };
    for (size_t i = 0; i < sizeof ladder_ms / sizeof ladder_ms[0]; i++)
        if (bucket_count(first_ns, last_ns, ladder_ms[i] * 1000000) <= MAX_BUCKETS)
            return ladder_ms[i] * 1000000;
    const int64_t day = 86400 * NS_PER_S;
    int64_t days = (last_ns - first_ns) / day / (MAX_BUCKETS - 1) + 1;
    while (bucket_count(first_ns, last_ns, days * day) > MAX_BUCKETS)
        days++;
    return days * day;
}

static void bucket_name(int64_t step_ns, char *buf, size_t len)
{
    int64_t step = step_ns / NS_PER_S;
    if (step_ns < NS_PER_S)
        snprintf(buf, len, "%lld ms", (long long)(step_ns / 1000000));
    else if (step < 60)
        snprintf(buf, len, "%lld s", (long long)step);
    else if (step < 3600)
        snprintf(buf, len, "%lld min", (long long)(step / 60));
    else if (step < 86400)
        snprintf(buf, len, "%lld h", (long long)(step / 3600));
    else
        snprintf(buf, len, "%lld d", (long long)(step / 86400));
}

/* A round axis step (1, 2 or 5 times a power of ten) giving at most 5 ticks up to max. */
static int64_t nice_step(int64_t max)
{
    int64_t p = 1;
    for (;;) {
        if (max <= 5 * p)
            return p;
        if (max <= 10 * p)
            return 2 * p;
        if (max <= 25 * p)
            return 5 * p;
        p *= 10;
    }
}

/* Start of a bucket as the axis shows it: time of day, tenths below a second, the
 * date for day buckets. */
static void bucket_label(int64_t t, int64_t step, char *buf, size_t len)
{
    enum tfmt fmt = step < 60 * NS_PER_S ? TF_HMS : step < 86400 * NS_PER_S ? TF_HM : TF_DATE;
    utc_fmt(floordiv(t, NS_PER_S), fmt, buf, len);
    size_t n = strlen(buf);
    if (step < NS_PER_S)
        snprintf(buf + n, len - n, ".%d", (int)((t - floordiv(t, NS_PER_S) * NS_PER_S) / 100000000));
}

static int series_of(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return S_NONE;
    size_t n;
    const char *v = col(st, i, &n);
    if (n == 1 && (v[0] == 'A' || v[0] == 'B' || v[0] == 'C'))
        return v[0] - 'A';
    return S_OTHER;
}

static void put_attest(struct ctx *c)
{
    FILE *out = c->out;
    section(out, "attest", "Attestation mix over time");
    int64_t step = pick_bucket(c->first_ns, c->last_ns); /* ns */
    int64_t base = floordiv(c->first_ns, step) * step;
    int nb = (int)bucket_count(c->first_ns, c->last_ns, step);
    int64_t cnt[MAX_BUCKETS][NSER];
    int64_t tot[NSER] = { 0 };
    int64_t passed[NSER] = { 0 }, failed[NSER] = { 0 };
    memset(cnt, 0, sizeof cnt);

    /* base is at or before every first_seen_ns, so the division never sees a negative. */
    sqlite3_stmt *st = prep(c, "SELECT (first_seen_ns - ?3) / ?4, attest, COUNT(*),"
                               " SUM(verify_result = 'pass'), SUM(" FAILED ")"
                               " FROM calls WHERE " WINDOW " GROUP BY 1, 2");
    if (st) {
        sqlite3_bind_int64(st, 3, base);
        sqlite3_bind_int64(st, 4, step);
    }
    while (row(c, st)) {
        int64_t b = sqlite3_column_int64(st, 0);
        int s = series_of(st, 1);
        if (b < 0)
            b = 0;
        if (b >= nb)
            b = nb - 1;
        cnt[b][s] += sqlite3_column_int64(st, 2);
        tot[s] += sqlite3_column_int64(st, 2);
        passed[s] += sqlite3_column_int64(st, 3);
        failed[s] += sqlite3_column_int64(st, 4);
    }
    sqlite3_finalize(st);

    int64_t maxstack = 1;
    for (int b = 0; b < nb; b++) {
        int64_t sum = 0;
        for (int s = 0; s < NSER; s++)
            sum += cnt[b][s];
        if (sum > maxstack)
            maxstack = sum;
    }
    int64_t ystep = nice_step(maxstack);
    int64_t ymax = (maxstack + ystep - 1) / ystep * ystep;

    char bname[32], from[40], to[40];
    bucket_name(step, bname, sizeof bname);
    utc_fmt(floordiv(base, NS_PER_S), TF_DATETIME, from, sizeof from);
    utc_fmt(floordiv(base + (int64_t)nb * step + NS_PER_S - 1, NS_PER_S), TF_DATETIME, to, sizeof to);
    fprintf(out, "<p class=\"note\">calls per <span id=\"bucket\">%s</span> bucket by first INVITE, %d buckets"
                 " from %s to %s UTC, stacked A (bottom), B, C, none (unsigned or no shaken PASSporT)%s.</p>\n",
            bname, nb, from, to, tot[S_OTHER] ? ", other (attest not A/B/C)" : "");

    const double W = 960, H = 300, L = 56, R = W - 32, T = 34, Bm = H - 40;
    fprintf(out, "<div class=\"scroll\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\""
                 " viewBox=\"0 0 %.0f %.0f\" font-family=\"Helvetica,Arial,sans-serif\" font-size=\"11\""
                 " role=\"img\" aria-label=\"attestation mix over time\">\n",
            W, H, W, H);
    /* legend */
    double lx = L;
    for (int s = 0; s < NSER; s++) {
        if (s == S_OTHER && tot[s] == 0)
            continue;
        fprintf(out, "<rect x=\"%.0f\" y=\"8\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                     "<text x=\"%.0f\" y=\"18\">%s (%lld)</text>\n",
                lx, ser_color[s], lx + 16, ser_name[s], (long long)tot[s]);
        lx += 100;
    }
    /* y axis and grid */
    for (int64_t v = 0; v <= ymax; v += ystep) {
        double y = Bm - (Bm - T) * (double)v / (double)ymax;
        fprintf(out, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>"
                     "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%lld</text>\n",
                L, y, R, y, L - 6, y + 4, (long long)v);
    }
    fprintf(out, "<text x=\"12\" y=\"%.0f\" transform=\"rotate(-90 12 %.0f)\" text-anchor=\"middle\">calls per %s</text>\n",
            (T + Bm) / 2, (T + Bm) / 2, bname);
    /* Each bucket is flat across its width (a stacked histogram outline): sparse
     * traffic then shows as the few calls it is, not as peaks between points. */
    double xs[MAX_BUCKETS + 1];
    for (int i = 0; i <= nb; i++)
        xs[i] = L + (R - L) * i / nb;
    int64_t low[MAX_BUCKETS] = { 0 };
    for (int s = 0; s < NSER; s++) {
        if (tot[s] == 0)
            continue;
        fprintf(out, "<path fill=\"%s\" stroke=\"%s\" stroke-width=\"0.5\" d=\"", ser_color[s], ser_color[s]);
        for (int i = 0; i < nb; i++) {
            double y = Bm - (Bm - T) * (double)(low[i] + cnt[i][s]) / (double)ymax;
            fprintf(out, "%c%.1f,%.1fL%.1f,%.1f", i ? 'L' : 'M', xs[i], y, xs[i + 1], y);
        }
        for (int i = nb - 1; i >= 0; i--) {
            double y = Bm - (Bm - T) * (double)low[i] / (double)ymax;
            fprintf(out, "L%.1f,%.1fL%.1f,%.1f", xs[i + 1], y, xs[i], y);
        }
        fprintf(out, "Z\"><title>%s: %lld calls</title></path>\n", ser_name[s], (long long)tot[s]);
        for (int i = 0; i < nb; i++)
            low[i] += cnt[i][s];
    }
    /* a tooltip per bucket with its counts (browsers; harmless elsewhere) */
    for (int i = 0; i < nb; i++) {
        char lab[48];
        bucket_label(base + i * step, step, lab, sizeof lab);
        fprintf(out, "<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\" fill=\"#000\" fill-opacity=\"0\">"
                     "<title>%s: A %lld, B %lld, C %lld, none %lld",
                xs[i], T, xs[i + 1] - xs[i], Bm - T, lab, (long long)cnt[i][S_A], (long long)cnt[i][S_B],
                (long long)cnt[i][S_C], (long long)cnt[i][S_NONE]);
        if (tot[S_OTHER])
            fprintf(out, ", other %lld", (long long)cnt[i][S_OTHER]);
        fputs("</title></rect>\n", out);
    }
    /* x axis: at most 8 labels, at bucket starts */
    fprintf(out, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#616161\"/>\n", L, Bm, R, Bm);
    int every = (nb + 7) / 8;
    for (int i = 0; i < nb; i += every) {
        char lab[48];
        bucket_label(base + i * step, step, lab, sizeof lab);
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#616161\"/>"
                     "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"%s\">%s</text>\n",
                xs[i], Bm, xs[i], Bm + 4, xs[i], Bm + 16, i == 0 ? "start" : "middle", lab);
    }
    fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">UTC, bucket start</text>\n", R, H - 6);
    fputs("</svg></div>\n", out);

    /* the same numbers as a table: readable where SVG is not shown (many mail clients) */
    table_open(out, "attest-table");
    fputs("<tr><th>attest</th><th>calls</th><th>share %</th><th>passed</th><th>failed</th></tr>\n", out);
    for (int s = 0; s < NSER; s++) {
        if (s == S_OTHER && tot[s] == 0)
            continue;
        fprintf(out, "<tr><td><span style=\"color:%s\">&#9632;</span> %s</td><td class=\"n\">%lld</td>"
                     "<td class=\"n\">%.1f</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td></tr>\n",
                ser_color[s], ser_name[s], (long long)tot[s], 100.0 * (double)tot[s] / (double)c->calls,
                (long long)passed[s], (long long)failed[s]);
    }
    fputs("</table>\n</section>\n", out);
}

/* ---- failures by reason -------------------------------------------------------------- */

static void put_failures(struct ctx *c)
{
    FILE *out = c->out;
    section(out, "failures", "Failures by reason");
    sqlite3_stmt *st = prep(c, "SELECT verify_result, COUNT(*), MIN(first_seen), MAX(first_seen), MIN(call_id)"
                               " FROM calls WHERE " WINDOW " AND verify_result NOT IN ('pass', 'not-verified')"
                               " GROUP BY verify_result ORDER BY 2 DESC, 1 LIMIT ?3");
    if (st)
        sqlite3_bind_int(st, 3, MAX_FAILURE_ROWS);
    struct {
        char label[64];
        size_t len;
        int64_t n;
    } rows[MAX_FAILURE_ROWS];
    int nr = 0;
    int64_t max = 1;
    /* First pass keeps what the chart needs; the table is a second query. */
    while (row(c, st) && nr < MAX_FAILURE_ROWS) {
        size_t n;
        const char *v = col(st, 0, &n);
        if (n >= sizeof rows[nr].label)
            n = sizeof rows[nr].label - 1;
        memcpy(rows[nr].label, v, n);
        rows[nr].label[n] = 0;
        rows[nr].len = n;
        rows[nr].n = sqlite3_column_int64(st, 1);
        if (rows[nr].n > max)
            max = rows[nr].n;
        nr++;
    }
    sqlite3_reset(st);
    if (nr == 0) {
        fputs("<p id=\"no-failures\">No failed verification and no unsigned call.</p>\n</section>\n", out);
        sqlite3_finalize(st);
        return;
    }
    fputs("<p class=\"note\">calls per verify_result other than pass and not-verified; share of all calls."
          " no-identity (grey) is an unsigned call, not a failed verification.</p>\n",
          out);
    const double LW = 170, BW = 560, RH = 24;
    double H = RH * nr + 8;
    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\""
                 " font-family=\"Helvetica,Arial,sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"failures by reason\">\n",
            LW + BW + 160, H, LW + BW + 160, H);
    for (int i = 0; i < nr; i++) {
        double y = 4 + RH * i, w = BW * (double)rows[i].n / (double)max;
        bool unsigned_call = strcmp(rows[i].label, "no-identity") == 0;
        fputs("<text x=\"", out);
        fprintf(out, "%.0f\" y=\"%.0f\" text-anchor=\"end\">", LW - 8, y + 15);
        esc_max(out, rows[i].label, rows[i].len, 24);
        fprintf(out, "</text><rect x=\"%.0f\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\" fill=\"%s\"><title>", LW, y + 2,
                w < 1 ? 1 : w, RH - 6, unsigned_call ? C_UNSIGNED : C_FAIL);
        esc(out, rows[i].label, rows[i].len);
        fprintf(out, ": %lld calls</title></rect><text x=\"%.1f\" y=\"%.0f\">%lld (%.1f%%)</text>\n",
                (long long)rows[i].n, LW + w + 6, y + 15, (long long)rows[i].n,
                100.0 * (double)rows[i].n / (double)c->calls);
    }
    fputs("</svg>\n", out);
    table_open(out, "failures-table");
    fputs("<tr><th>verify_result</th><th>calls</th><th>share %</th><th>first seen</th><th>last seen</th>"
          "<th>example Call-ID</th></tr>\n",
          out);
    int i = 0;
    while (row(c, st) && i++ < MAX_FAILURE_ROWS) {
        fputs("<tr><td>", out);
        esc_col(out, st, 0);
        fprintf(out, "</td><td class=\"n\">%lld</td><td class=\"n\">%.1f</td><td class=\"t\">",
                (long long)sqlite3_column_int64(st, 1), 100.0 * (double)sqlite3_column_int64(st, 1) / (double)c->calls);
        esc_col(out, st, 2);
        fputs("</td><td class=\"t\">", out);
        esc_col(out, st, 3);
        fputs("</td><td class=\"mono\">", out);
        esc_col(out, st, 4);
        fputs("</td></tr>\n", out);
    }
    sqlite3_finalize(st);
    fputs("</table>\n</section>\n", out);
}

/* ---- origids and campaigns -------------------------------------------------------------- */

static void put_origids(struct ctx *c)
{
    FILE *out = c->out;
    long top = c->o->top;
    section(out, "origids", "Top origids and campaigns");
    /* The top N by calls, then campaigns below them (up to N more), so a campaign with
     * few calls per TN is never hidden by busy origids. Attest levels sorted for a
     * stable page. */
    sqlite3_stmt *st = prep(c,
        "WITH w AS (SELECT * FROM calls WHERE origid IS NOT NULL AND " WINDOW "),"
        " o AS (SELECT origid, COUNT(*) AS calls, COUNT(DISTINCT orig_tn) AS orig_tns,"
        "  COUNT(DISTINCT dest_tn) AS dest_tns, MIN(first_seen) AS first_seen, MAX(first_seen) AS last_seen,"
        "  100.0 * SUM(" FAILED ") / COUNT(*) AS failed_pct FROM w GROUP BY origid),"
        " r AS (SELECT o.*, ROW_NUMBER() OVER (ORDER BY calls DESC, origid) AS rn FROM o)"
        " SELECT origid, calls, orig_tns, dest_tns,"
        "  (SELECT GROUP_CONCAT(a, ',') FROM (SELECT DISTINCT attest AS a FROM w"
        "   WHERE w.origid = r.origid AND attest IS NOT NULL ORDER BY a)),"
        "  failed_pct, first_seen, last_seen, orig_tns >= ?4, (SELECT COUNT(*) FROM o),"
        "  (SELECT COUNT(*) FROM o WHERE orig_tns >= ?4)"
        " FROM r WHERE rn <= ?3 OR orig_tns >= ?4 ORDER BY rn LIMIT ?3 * 2");
    if (st) {
        sqlite3_bind_int64(st, 3, top);
        sqlite3_bind_int64(st, 4, c->o->campaign_tns);
    }
    int n = 0;
    while (row(c, st)) {
        if (n++ == 0) {
            fprintf(out, "<p class=\"note\">%lld origids, <span id=\"campaigns\">%lld</span> campaigns (one origid on"
                         " &ge; %ld distinct orig TNs); the %ld with most calls, then campaigns.</p>\n",
                    (long long)sqlite3_column_int64(st, 9), (long long)sqlite3_column_int64(st, 10),
                    c->o->campaign_tns, top);
            table_open(out, "origid-table");
            fputs("<tr><th>origid</th><th>calls</th><th>orig TNs</th><th>dest TNs</th><th>attest</th>"
                  "<th>failed %</th><th>first seen</th><th>last seen</th><th>campaign</th></tr>\n",
                  out);
        }
        bool campaign = sqlite3_column_int(st, 8) != 0;
        fputs("<tr><td class=\"mono\">", out);
        esc_col(out, st, 0);
        fprintf(out, "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td><td>",
                (long long)sqlite3_column_int64(st, 1), (long long)sqlite3_column_int64(st, 2),
                (long long)sqlite3_column_int64(st, 3));
        esc_col(out, st, 4);
        fprintf(out, "</td><td class=\"n\">%.1f</td><td class=\"t\">", sqlite3_column_double(st, 5));
        esc_col(out, st, 6);
        fputs("</td><td class=\"t\">", out);
        esc_col(out, st, 7);
        fprintf(out, "</td><td>%s</td></tr>\n",
                campaign ? "<span class=\"bad\" style=\"color:" C_FAIL ";font-weight:bold\">yes</span>" : "no");
    }
    sqlite3_finalize(st);
    fputs(n ? "</table>\n</section>\n" : "<p id=\"no-origids\">No call carried an origid.</p>\n</section>\n", out);
}

/* ---- traceback chains as hop paths ----------------------------------------------------- */

struct hop {
    char ip[IP_MAX];
    size_t len;
    int64_t t_ns; /* first INVITE of the leg leaving this node (0 for the final node) */
    bool ellipsis;
};

static void copy_ip(struct hop *h, sqlite3_stmt *st, int i)
{
    size_t n;
    const char *v = col(st, i, &n);
    if (n >= sizeof h->ip)
        n = sizeof h->ip - 1;
    memcpy(h->ip, v, n);
    h->ip[n] = 0;
    h->len = n;
}

/* One chain: its legs' source IPs in time order, then the last leg's destination. */
static void draw_chain(struct ctx *c, sqlite3_stmt *legs, int64_t nlegs)
{
    FILE *out = c->out;
    struct hop h[MAX_LEGS_DRAWN + 3];
    int nh = 0;
    /* a chain too long to draw keeps room for an ellipsis and its last leg */
    int keep = nlegs <= MAX_LEGS_DRAWN ? MAX_LEGS_DRAWN : MAX_LEGS_DRAWN - 2;
    int64_t t0 = 0, k = 0;
    struct hop last = { 0 }, last_dst = { 0 };
    while (row(c, legs)) {
        int64_t t = sqlite3_column_int64(legs, 2);
        if (k == 0)
            t0 = t;
        if (nh < keep) {
            copy_ip(&h[nh], legs, 0);
            h[nh].t_ns = t;
            h[nh++].ellipsis = false;
        }
        copy_ip(&last, legs, 0);
        last.t_ns = t;
        copy_ip(&last_dst, legs, 1);
        k++;
    }
    if (k == 0)
        return;
    if (k > nh) {
        if (k > nh + 1) {
            snprintf(h[nh].ip, sizeof h[nh].ip, "\xe2\x80\xa6 %lld more legs", (long long)(k - nh - 1));
            h[nh].len = strlen(h[nh].ip);
            h[nh++].ellipsis = true;
        }
        h[nh++] = last;
    }
    h[nh] = last_dst;
    h[nh].t_ns = 0;
    h[nh++].ellipsis = false;

    size_t maxlen = 8;
    for (int i = 0; i < nh; i++)
        if (h[i].len > maxlen)
            maxlen = h[i].len;
    if (maxlen > 40)
        maxlen = 40;
    const double NW = 7.3 * (double)maxlen + 16, GAP = 74, NH = 28, Y = 22, X0 = 4;
    double W = X0 * 2 + nh * NW + (nh - 1) * GAP;
    fprintf(out, "<div class=\"scroll\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"64\""
                 " viewBox=\"0 0 %.0f 64\" font-family=\"Helvetica,Arial,sans-serif\" font-size=\"11\" role=\"img\""
                 " aria-label=\"hop path\">\n",
            W, W);
    for (int i = 0; i < nh; i++) {
        double x = X0 + i * (NW + GAP);
        const char *fill = h[i].ellipsis ? "#fafafa" : i == 0 ? "#e8f5e9" : i == nh - 1 ? "#eeeeee" : "#e3f2fd";
        fprintf(out, "<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\" rx=\"5\" fill=\"%s\" stroke=\"%s\"/>"
                     "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\" font-family=\"Menlo,Consolas,monospace\""
                     " font-size=\"12\">",
                x, Y, NW, NH, fill, h[i].ellipsis ? "#bdbdbd" : "#546e7a", x + NW / 2, Y + 18);
        esc_max(out, h[i].ip, h[i].len, maxlen);
        fputs("</text>", out);
        if (i == 0)
            fprintf(out, "<text x=\"%.1f\" y=\"14\" fill=\"#555\">origin side</text>", x);
        else if (i == nh - 1)
            fprintf(out, "<text x=\"%.1f\" y=\"14\" fill=\"#555\">last destination</text>", x);
        fputc('\n', out);
        if (i == nh - 1)
            break;
        /* the arrow is the leg leaving node i, labelled with its time after the first leg */
        double ax = x + NW + 3, bx = x + NW + GAP - 3, ay = Y + NH / 2;
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#37474f\" stroke-width=\"1.5\"/>"
                     "<polygon points=\"%.1f,%.0f %.1f,%.0f %.1f,%.0f\" fill=\"#37474f\"/>",
                ax, ay, bx - 7, ay, bx, ay, bx - 8, ay - 4, bx - 8, ay + 4);
        if (!h[i].ellipsis)
            fprintf(out, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\" fill=\"#37474f\">+%.1f ms</text>",
                    (ax + bx) / 2, ay - 5, (double)(h[i].t_ns - t0) / 1e6);
        fputc('\n', out);
    }
    fputs("</svg></div>\n", out);
}

/* Traceback anomalies, fraud flags and STIR error feedback, from the views (thresholds
 * of table report_settings): counts per kind, then the anomalous legs themselves. */
static void put_findings(struct ctx *c)
{
    FILE *out = c->out;
    section(out, "findings", "Anomalies, flags and STIR feedback");
    if (!has_view(c, "anomalies") || !has_view(c, "call_flags") || !has_view(c, "stir_feedback")) {
        fputs("<p class=\"note\">This database predates the analytics views: run any <code>stirprobe read</code> on"
              " it once to upgrade it.</p>\n</section>\n", out);
        return;
    }
    sqlite3_stmt *st = prep(c,
        "SELECT 'anomaly', anomaly, COUNT(*) FROM anomalies WHERE " WINDOW " GROUP BY anomaly"
        " UNION ALL SELECT 'flag', flag, COUNT(*) FROM call_flags WHERE " WINDOW " GROUP BY flag"
        " UNION ALL SELECT 'STIR feedback', stir_error || ' ' || agreement, COUNT(*) FROM stir_feedback"
        " WHERE " WINDOW " GROUP BY stir_error, agreement ORDER BY 1, 3 DESC, 2");
    int n = 0;
    while (row(c, st)) {
        if (n++ == 0) {
            fputs("<p class=\"note\">anomalies: replay, stripping, re-signing; flags: high-risk-orig,"
                  " a-outside-tnauthlist, origid-many-tns, cert-expired-at-call; STIR feedback: the error code the far"
                  " end sent and whether our verdict agrees (README \"Reports\").</p>\n",
                  out);
            table_open(out, "findings-table");
            fputs("<tr><th>kind</th><th>what</th><th>calls</th></tr>\n", out);
        }
        fputs("<tr><td>", out);
        esc_col(out, st, 0);
        fputs("</td><td>", out);
        esc_col(out, st, 1);
        fprintf(out, "</td><td class=\"n\">%lld</td></tr>\n", (long long)sqlite3_column_int64(st, 2));
    }
    sqlite3_finalize(st);
    if (!n) {
        fputs("<p id=\"no-findings\">No anomaly, flag or STIR feedback.</p>\n</section>\n", out);
        return;
    }
    fputs("</table>\n", out);
    st = prep(c, "SELECT anomaly, call_id, first_seen, src_ip, detail FROM anomalies WHERE " WINDOW
                 " ORDER BY first_seen_ns, anomaly, call_id LIMIT ?3");
    if (st)
        sqlite3_bind_int64(st, 3, c->o->top);
    n = 0;
    while (row(c, st)) {
        if (n++ == 0) {
            table_open(out, "anomaly-table");
            fputs("<tr><th>anomaly</th><th>Call-ID</th><th>first seen</th><th>source</th><th>detail</th></tr>\n",
                  out);
        }
        for (int i = 0; i < 5; i++) {
            fputs(i == 0 ? "<tr><td>" : i == 2 ? "</td><td class=\"t\">" : "</td><td>", out);
            esc_col(out, st, i);
        }
        fputs("</td></tr>\n", out);
    }
    sqlite3_finalize(st);
    fputs(n ? "</table>\n</section>\n" : "</section>\n", out);
}

static void put_chains(struct ctx *c)
{
    FILE *out = c->out;
    section(out, "chains", "Traceback chains");
    /* Every leg of a chain that has a leg in the window, as `report chains` does. */
    sqlite3_stmt *st = prep(c,
        "SELECT chain_id, COUNT(*) AS legs, MIN(first_seen_ns), MAX(first_seen_ns), MIN(first_seen), MIN(origid),"
        " MIN(attest), MIN(orig_tn) FROM calls"
        " WHERE chain_id IN (SELECT chain_id FROM calls WHERE chain_id IS NOT NULL AND " WINDOW ")"
        " GROUP BY chain_id ORDER BY legs DESC, MIN(first_seen_ns), chain_id LIMIT ?3");
    sqlite3_stmt *legs = prep(c, "SELECT src_ip, dst_ip, first_seen_ns FROM calls WHERE chain_id = ?1"
                                 " ORDER BY first_seen_ns, id");
    if (st)
        sqlite3_bind_int64(st, 3, c->o->top);
    int n = 0;
    while (legs && row(c, st)) {
        if (n++ == 0)
            fprintf(out, "<p class=\"note\">legs carrying the same shaken PASSporT, most legs first (%lld of"
                         " %lld chains): the source IP of each leg in time order, then the last leg's"
                         " destination; each arrow is a leg, labelled with its time after the first.</p>\n",
                    (long long)(c->chains < c->o->top ? c->chains : c->o->top), (long long)c->chains);
        int64_t nlegs = sqlite3_column_int64(st, 1);
        fputs("<div class=\"chain\" style=\"margin:10px 0 2px\"><span class=\"mono\"><b>", out);
        esc_col(out, st, 0);
        fprintf(out, "</b></span> &middot; <span class=\"legs\">%lld</span> leg%s &middot; span %.1f ms &middot; attest ",
                (long long)nlegs, nlegs == 1 ? "" : "s",
                (double)(sqlite3_column_int64(st, 3) - sqlite3_column_int64(st, 2)) / 1e6);
        if (sqlite3_column_type(st, 6) == SQLITE_NULL)
            fputs("&ndash;", out);
        else
            esc_col(out, st, 6);
        fputs(" &middot; orig TN ", out);
        esc_col(out, st, 7);
        fputs(" &middot; first seen ", out);
        esc_col(out, st, 4);
        fputs("<br><span class=\"note\">origid <span class=\"mono\">", out);
        esc_col(out, st, 5);
        fputs("</span></span></div>\n", out);
        size_t idn;
        const char *id = col(st, 0, &idn);
        sqlite3_reset(legs);
        sqlite3_bind_text(legs, 1, id, (int)idn, SQLITE_TRANSIENT);
        draw_chain(c, legs, nlegs);
    }
    sqlite3_finalize(legs);
    sqlite3_finalize(st);
    if (n == 0)
        fputs("<p id=\"no-chains\">No call carried a shaken PASSporT.</p>\n", out);
    fputs("</section>\n", out);
}

/* ---- certificate expiry timeline ------------------------------------------------------- */

struct cert {
    char *x5u, *status, *subject, *spc, *nb_text, *na_text;
    int64_t nb, na; /* seconds */
    bool dated;     /* both dates parse */
    int64_t calls;
};

static char *dup_col(sqlite3_stmt *st, int i)
{
    size_t n;
    const char *v = col(st, i, &n);
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, v, n);
        p[n] = 0;
    }
    return p;
}

enum cstate { CS_UNDATED, CS_EXPIRED, CS_NOTYET, CS_WARN, CS_OK };

static enum cstate cert_state(const struct cert *k, int64_t now, long warn_days, int64_t *days_left)
{
    if (!k->dated)
        return CS_UNDATED;
    *days_left = floordiv(k->na - now, 86400);
    if (k->na <= now)
        return CS_EXPIRED;
    if (k->nb > now)
        return CS_NOTYET;
    return *days_left < warn_days ? CS_WARN : CS_OK;
}

static void put_certs(struct ctx *c)
{
    FILE *out = c->out;
    section(out, "certs", "Certificate expiry");
    sqlite3_stmt *st = prep(c,
        "SELECT x5u, status, subject, spc, not_before, not_after,"
        " (SELECT COUNT(*) FROM calls k WHERE k.x5u = certificates.x5u AND k.first_seen_ns >= ?1 AND k.first_seen_ns < ?2)"
        " FROM certificates WHERE x5u IN (SELECT p.x5u FROM passports p JOIN calls k ON k.id = p.call_row_id"
        "  WHERE k.first_seen_ns >= ?1 AND k.first_seen_ns < ?2)"
        " ORDER BY not_after IS NULL, not_after, x5u LIMIT 200");
    struct cert *ks = calloc(MAX_CERT_ROWS, sizeof *ks);
    int nk = 0;
    int64_t now = floordiv(c->last_ns, NS_PER_S), lo = now, hi = now;
    while (ks && row(c, st) && nk < MAX_CERT_ROWS) {
        struct cert *k = &ks[nk++];
        k->x5u = dup_col(st, 0);
        k->status = dup_col(st, 1);
        k->subject = dup_col(st, 2);
        k->spc = dup_col(st, 3);
        k->nb_text = dup_col(st, 4);
        k->na_text = dup_col(st, 5);
        k->calls = sqlite3_column_int64(st, 6);
        struct ptime a, b;
        k->dated = k->nb_text && k->na_text && ptime_parse_iso(k->nb_text, &a) == 0 &&
                   ptime_parse_iso(k->na_text, &b) == 0 && a.sec <= b.sec;
        if (k->dated) {
            k->nb = a.sec;
            k->na = b.sec;
            lo = k->nb < lo ? k->nb : lo;
            hi = k->na > hi ? k->na : hi;
        }
        if (!k->x5u || !k->status || !k->subject || !k->spc || !k->nb_text || !k->na_text) {
            fprintf(stderr, "stirprobe: report html: out of memory\n");
            c->failed = true;
            break;
        }
    }
    sqlite3_finalize(st);
    if (!ks) {
        fprintf(stderr, "stirprobe: report html: out of memory\n");
        c->failed = true;
        return;
    }
    char nowtxt[40];
    utc_fmt(now, TF_DATETIME, nowtxt, sizeof nowtxt);
    int ndated = 0, nexp = 0, nwarn = 0;
    for (int i = 0; i < nk; i++) {
        int64_t d;
        enum cstate s = cert_state(&ks[i], now, c->o->warn_days, &d);
        ndated += s != CS_UNDATED;
        nexp += s == CS_EXPIRED;
        nwarn += s == CS_WARN;
    }
    if (nk == 0) {
        fputs("<p id=\"no-certs\">No certificate was fetched for these calls (read with --verify to fetch"
              " them).</p>\n</section>\n",
              out);
        free(ks);
        return;
    }
    fprintf(out, "<p class=\"note\">validity of each x5u certificate against now = the last call (%s UTC):"
                 " <span id=\"certs-expired\" class=\"bad\">%d expired</span>,"
                 " <span id=\"certs-expiring\" class=\"warn\">%d expiring within %ld days</span>%s.</p>\n",
            nowtxt, nexp, nwarn, c->o->warn_days, nk == MAX_CERT_ROWS ? " (first 200 certificates)" : "");

    if (ndated > 0) {
        /* pad the axis so the bars and the marker do not touch the edges */
        int64_t pad = (hi - lo) / 30 + 86400;
        lo -= pad;
        hi += pad;
        const double LW = 330, PW = 600, RH = 20, T = 30;
        double W = LW + PW + 20, H = T + RH * ndated + 8;
        fprintf(out, "<div class=\"scroll\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\""
                     " viewBox=\"0 0 %.0f %.0f\" font-family=\"Helvetica,Arial,sans-serif\" font-size=\"11\" role=\"img\""
                     " aria-label=\"certificate validity\">\n",
                W, H, W, H);
#define XPOS(t) (LW + PW * (double)((t) - lo) / (double)(hi - lo))
        for (int i = 0; i <= 5; i++) {
            int64_t t = lo + (hi - lo) / 5 * i;
            char lab[24];
            utc_fmt(t, TF_DATE, lab, sizeof lab);
            fprintf(out, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#e0e0e0\"/>"
                         "<text x=\"%.1f\" y=\"12\" text-anchor=\"%s\">%s</text>\n",
                    XPOS(t), T - 8, XPOS(t), H, XPOS(t), i == 0 ? "start" : i == 5 ? "end" : "middle", lab);
        }
        int r = 0;
        for (int i = 0; i < nk; i++) {
            int64_t d = 0;
            enum cstate s = cert_state(&ks[i], now, c->o->warn_days, &d);
            if (s == CS_UNDATED)
                continue;
            const char *color = s == CS_EXPIRED ? C_FAIL : s == CS_WARN ? C_WARN : s == CS_NOTYET ? C_NOTYET : C_OK;
            double y = T + RH * r++;
            double x1 = XPOS(ks[i].nb), x2 = XPOS(ks[i].na);
            fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\" font-family=\"Menlo,Consolas,monospace\">",
                    LW - 8, y + 13);
            esc_max(out, ks[i].x5u, strlen(ks[i].x5u), 46);
            fprintf(out, "</text><rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\" fill=\"%s\"><title>",
                    x1, y + 3, x2 - x1 < 2 ? 2 : x2 - x1, RH - 6, color);
            escz(out, ks[i].x5u);
            fputs(" \xe2\x80\x94 ", out);
            escz(out, ks[i].subject);
            fputs(": ", out);
            escz(out, ks[i].nb_text);
            fputs(" to ", out);
            escz(out, ks[i].na_text);
            fputs("</title></rect>\n", out);
        }
        double xn = XPOS(now);
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#d50000\" stroke-width=\"1.5\""
                     " stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"25\" text-anchor=\"middle\" fill=\"#d50000\">"
                     "now (last call)</text>\n",
                xn, T - 6, xn, H, xn);
#undef XPOS
        fputs("</svg></div>\n", out);
        fprintf(out, "<p class=\"note\"><span style=\"color:%s\">&#9632;</span> valid &nbsp;"
                     "<span style=\"color:%s\">&#9632;</span> expires within %ld days &nbsp;"
                     "<span style=\"color:%s\">&#9632;</span> expired &nbsp;"
                     "<span style=\"color:%s\">&#9632;</span> not yet valid</p>\n",
                C_OK, C_WARN, c->o->warn_days, C_FAIL, C_NOTYET);
    }
    table_open(out, "certs-table");
    fputs("<tr><th>x5u</th><th>subject</th><th>SPC</th><th>not before</th><th>not after</th><th>days left</th>"
          "<th>calls</th><th>state</th></tr>\n",
          out);
    for (int i = 0; i < nk; i++) {
        struct cert *k = &ks[i];
        int64_t d = 0;
        enum cstate s = cert_state(k, now, c->o->warn_days, &d);
        fputs("<tr><td class=\"mono\">", out);
        escz(out, k->x5u);
        fputs("</td><td>", out);
        escz(out, k->subject);
        fputs("</td><td>", out);
        escz(out, k->spc);
        fputs("</td><td class=\"t\">", out);
        escz(out, k->nb_text);
        fputs("</td><td class=\"t\">", out);
        escz(out, k->na_text);
        if (s == CS_UNDATED)
            fputs("</td><td class=\"n\"></td>", out);
        else
            fprintf(out, "</td><td class=\"n\">%lld</td>", (long long)d);
        fprintf(out, "<td class=\"n\">%lld</td><td>", (long long)k->calls);
        switch (s) {
        case CS_UNDATED:
            fputs("no certificate: ", out);
            escz(out, k->status);
            break;
        case CS_EXPIRED: fputs("<span class=\"bad\" style=\"color:" C_FAIL "\">expired</span>", out); break;
        case CS_NOTYET: fputs("not yet valid", out); break;
        case CS_WARN: fputs("<span class=\"warn\" style=\"color:" C_WARN "\">expires soon</span>", out); break;
        case CS_OK: fputs("valid", out); break;
        }
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n</section>\n", out);
    for (int i = 0; i < nk; i++) {
        free(ks[i].x5u);
        free(ks[i].status);
        free(ks[i].subject);
        free(ks[i].spc);
        free(ks[i].nb_text);
        free(ks[i].na_text);
    }
    free(ks);
}

/* ---- entry ------------------------------------------------------------------------- */

static int parse_bound(const char *s, int64_t dflt, int64_t *ns)
{
    struct ptime t;
    if (!s) {
        *ns = dflt;
        return 0;
    }
    if (ptime_parse_iso(s, &t) != 0) {
        fprintf(stderr, "stirprobe: report: bad time '%s' (want ISO 8601, e.g. 2025-03-01T12:00:00Z)\n", s);
        return -1;
    }
    *ns = ptime_ns(t);
    return 0;
}

int html_report_run(const struct html_opts *o, FILE *out)
{
    struct ctx c = { .out = out, .o = o };
    if (parse_bound(o->rpt.since, INT64_MIN, &c.since) || parse_bound(o->rpt.until, INT64_MAX, &c.until))
        return 1;
    char err[600];
    struct read_filter f = { .probes = o->rpt.probes, .n_probes = o->rpt.n_probes, .since_ns = c.since,
                             .until_ns = c.until, .margin_ns = (int64_t)o->rpt.window_sec * 1000000000 };
    if (store_open_read(o->rpt.db_path, &f, &c.db, err, sizeof err) != 0) {
        fprintf(stderr, "stirprobe: report%s: %s\n", strncmp(err, "no database", 11) == 0 ? "" : " html", err);
        return 1;
    }
    /* One read transaction: every section sees the same snapshot while a capture writes. */
    sqlite3_exec(c.db, "BEGIN", NULL, NULL, NULL);
    load_summary(&c);
    if (!c.failed) {
        fputs(page_head, out);
        put_summary(&c);
        if (c.calls == 0) {
            fputs("<p id=\"no-calls\"><b>No calls</b> in this database", out);
            fputs(o->rpt.since || o->rpt.until ? " and time window.</p>\n" : ".</p>\n", out);
        } else {
            put_attest(&c);
            if (!c.failed)
                put_failures(&c);
            if (!c.failed)
                put_origids(&c);
            if (!c.failed)
                put_chains(&c);
            if (!c.failed)
                put_findings(&c);
            if (!c.failed)
                put_certs(&c);
        }
        fputs("<footer><p class=\"note\" id=\"generated\">generated ", out);
        if (o->generated_at >= 0) {
            char t[40];
            utc_fmt(o->generated_at, TF_ISO, t, sizeof t);
            fprintf(out, "%s ", t);
        }
        fputs("by stirprobe " STIRPROBE_VERSION "</p></footer>\n</body>\n</html>\n", out);
    }
    sqlite3_exec(c.db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(c.db);
    if (c.failed)
        return 1;
    if (fflush(out) != 0 || ferror(out)) {
        fprintf(stderr, "stirprobe: report html: write error\n");
        return 1;
    }
    return 0;
}
