/* summary: report kinds as SQL over the store, printed as table, CSV or NDJSON. */
#include "reports/report.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/jsonw.h"
#include "common/ptime.h"
#include "reports/csv.h"

/* ?1 and ?2 are the [since, until) bounds in epoch nanoseconds. */
#define WINDOW "first_seen_ns >= ?1 AND first_seen_ns < ?2"

static const char sql_calls[] =
    "SELECT call_id, first_seen, src_ip, src_port, dst_ip, dst_port, transport, ip_version, ruri_tn,"
    " from_tn, to_tn, pai_tn, final_status, sip_messages, identity_header, ppt, attest, origid,"
    " orig_tn, dest_tn, iat, x5u, verstat, verify_result, chain_id"
    " FROM calls WHERE " WINDOW " ORDER BY first_seen_ns, call_id";

static const char sql_attest[] =
    "WITH levels(attest, ord) AS (VALUES ('A', 1), ('B', 2), ('C', 3), ('none', 4)),"
    " w AS (SELECT COALESCE(attest, 'none') AS attest, verify_result FROM calls WHERE " WINDOW "),"
    " total AS (SELECT COUNT(*) AS n FROM w)"
    " SELECT l.attest, COUNT(w.attest) AS calls,"
    " COALESCE(SUM(w.verify_result = 'pass'), 0) AS passed,"
    " COALESCE(SUM(w.verify_result NOT IN ('pass', 'not-verified', 'no-identity')), 0) AS failed,"
    " COALESCE(SUM(w.verify_result = 'not-verified'), 0) AS not_verified,"
    " CASE WHEN total.n = 0 THEN 0.0 ELSE ROUND(100.0 * COUNT(w.attest) / total.n, 2) END AS share_pct"
    " FROM levels l CROSS JOIN total LEFT JOIN w ON w.attest = l.attest"
    " GROUP BY l.attest ORDER BY l.ord";

static const char sql_failures[] =
    "WITH w AS (SELECT * FROM calls WHERE " WINDOW ")"
    " SELECT verify_result, COUNT(*) AS calls,"
    " ROUND(100.0 * COUNT(*) / (SELECT COUNT(*) FROM w), 2) AS share_pct,"
    " MIN(first_seen) AS first_seen, MAX(first_seen) AS last_seen, MIN(call_id) AS example_call_id"
    " FROM w WHERE verify_result NOT IN ('pass', 'not-verified')"
    " GROUP BY verify_result ORDER BY calls DESC, verify_result";

static const char sql_origid[] =
    "SELECT origid, COUNT(*) AS calls, COUNT(DISTINCT orig_tn) AS orig_tns,"
    " COUNT(DISTINCT dest_tn) AS dest_tns, GROUP_CONCAT(DISTINCT attest) AS attest_levels,"
    " MIN(first_seen) AS first_seen, MAX(first_seen) AS last_seen,"
    " ROUND(100.0 * SUM(verify_result NOT IN ('pass', 'not-verified', 'no-identity')) / COUNT(*), 2)"
    " AS failed_pct"
    " FROM calls WHERE origid IS NOT NULL AND " WINDOW
    " GROUP BY origid ORDER BY calls DESC, origid";

static const char sql_chains[] =
    "SELECT chain_id, legs, first_seen, last_seen, span_ms, origid, attest, orig_tn, path"
    " FROM traceback_chains WHERE chain_id IN (SELECT chain_id FROM calls WHERE " WINDOW ")";

static const char sql_verstat[] =
    "SELECT verstat, verstat_source AS seen_in, src_ip, COUNT(*) AS calls,"
    " SUM(verify_result = 'pass') AS our_pass,"
    " SUM(verify_result NOT IN ('pass', 'not-verified', 'no-identity')) AS our_fail"
    " FROM calls WHERE verstat IS NOT NULL AND " WINDOW
    " GROUP BY verstat, verstat_source, src_ip ORDER BY calls DESC, verstat";

static const char sql_certs[] =
    "SELECT x5u, status, subject, spc, issuer, not_before, not_after, fetched_at,"
    " (SELECT COUNT(*) FROM calls c WHERE c.x5u = certificates.x5u AND " WINDOW ") AS calls"
    " FROM certificates ORDER BY x5u";

/* Counters of the captures whose packets fall in the window. */
static const char sql_stats[] =
    "SELECT s.kind, s.name, SUM(s.value) AS value FROM stats s JOIN captures c ON c.id = s.capture_id"
    " WHERE (c.last_packet IS NULL OR c.last_packet >= ?3) AND (c.first_packet IS NULL OR c.first_packet < ?4)"
    " GROUP BY s.kind, s.name"
    " ORDER BY CASE s.kind WHEN 'traffic' THEN 1 WHEN 'sip' THEN 2 WHEN 'verify' THEN 3 WHEN 'drop' THEN 4 ELSE 5 END, s.name";

static const struct {
    const char *kind;
    const char *sql;
} kinds[] = {
    { "calls", sql_calls },       { "stats", sql_stats },   { "attest", sql_attest },
    { "failures", sql_failures }, { "origid", sql_origid }, { "chains", sql_chains },
    { "verstat", sql_verstat },   { "certs", sql_certs },
};

const char *const report_kinds[] = { "calls", "stats", "attest", "failures", "origid",
                                     "chains", "verstat", "certs", NULL };

struct table {
    int ncol;
    char **cells; /* row-major, ncol per row, first row = names */
    size_t nrows, cap;
};

static int table_add(struct table *t, sqlite3_stmt *st, bool header)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        char **nc = realloc(t->cells, cap * (size_t)t->ncol * sizeof *nc);
        if (!nc)
            return -1;
        t->cells = nc;
        t->cap = cap;
    }
    for (int i = 0; i < t->ncol; i++) {
        const char *v = header ? sqlite3_column_name(st, i) : (const char *)sqlite3_column_text(st, i);
        char *cell = strdup(v ? v : "");
        /* Captured text goes to a terminal: control bytes (ESC sequences, CR, BS) and
         * bytes that are not UTF-8 (C1 controls on 8-bit terminals) are shown as '?', so
         * a Call-ID cannot rewrite the screen or the table. */
        for (unsigned char *q = (unsigned char *)cell; q && *q;) {
            size_t u = *q >= 0x80 ? utf8_seq(q, strlen((char *)q)) : 1;
            if (*q < 0x20 || *q == 0x7f || u == 0) {
                *q++ = '?';
                continue;
            }
            q += u;
        }
        t->cells[t->nrows * (size_t)t->ncol + (size_t)i] = cell;
    }
    t->nrows++;
    return 0;
}

static void table_print(struct table *t, FILE *out)
{
    size_t *w = calloc((size_t)t->ncol, sizeof *w);
    if (!w)
        return;
    for (size_t r = 0; r < t->nrows; r++)
        for (int c = 0; c < t->ncol; c++) {
            const char *v = t->cells[r * (size_t)t->ncol + (size_t)c];
            size_t n = v ? strlen(v) : 0;
            if (n > w[c])
                w[c] = n;
        }
    for (size_t r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncol; c++) {
            const char *v = t->cells[r * (size_t)t->ncol + (size_t)c];
            fprintf(out, "%s%-*s", c ? "  " : "", c == t->ncol - 1 ? 0 : (int)w[c], v ? v : "");
        }
        fputc('\n', out);
        if (r == 0) {
            for (int c = 0; c < t->ncol; c++) {
                fprintf(out, "%s", c ? "  " : "");
                for (size_t k = 0; k < w[c]; k++)
                    fputc('-', out);
            }
            fputc('\n', out);
        }
    }
    for (size_t i = 0; i < t->nrows * (size_t)t->ncol; i++)
        free(t->cells[i]);
    free(t->cells);
    free(w);
}

static void csv_row(sqlite3_stmt *st, int ncol, FILE *out, bool header)
{
    for (int i = 0; i < ncol; i++) {
        if (i)
            csv_sep(out);
        if (header) {
            const char *n = sqlite3_column_name(st, i);
            csv_field(out, n, strlen(n), true);
            continue;
        }
        int type = sqlite3_column_type(st, i);
        if (type == SQLITE_NULL)
            continue;
        const char *v = (const char *)sqlite3_column_text(st, i);
        csv_field(out, v, (size_t)sqlite3_column_bytes(st, i), type == SQLITE_TEXT || type == SQLITE_BLOB);
    }
    csv_eol(out);
}

static void json_row(sqlite3_stmt *st, int ncol, FILE *out)
{
    fputc('{', out);
    for (int i = 0; i < ncol; i++) {
        const char *n = sqlite3_column_name(st, i);
        if (i)
            fputc(',', out);
        json_write_str(out, n, strlen(n));
        fputc(':', out);
        switch (sqlite3_column_type(st, i)) {
        case SQLITE_NULL:
            fputs("null", out);
            break;
        case SQLITE_INTEGER:
            fprintf(out, "%lld", (long long)sqlite3_column_int64(st, i));
            break;
        case SQLITE_FLOAT:
            fprintf(out, "%.17g", sqlite3_column_double(st, i));
            break;
        default:
            json_write_str(out, (const char *)sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i));
        }
    }
    fputs("}\n", out);
}

static int parse_bound(const char *s, int64_t dflt, int64_t *ns, char *iso)
{
    struct ptime t;
    if (!s) {
        *ns = dflt;
        strcpy(iso, dflt < 0 ? "0000" : "9999");
        return 0;
    }
    if (ptime_parse_iso(s, &t) != 0) {
        fprintf(stderr, "stirprobe: report: bad time '%s' (want ISO 8601, e.g. 2025-03-01T12:00:00Z)\n", s);
        return -1;
    }
    *ns = ptime_ns(t);
    ptime_iso(t, iso);
    return 0;
}

int report_run(const char *kind, const struct rpt_opts *o, FILE *out)
{
    const char *sql = NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].kind, kind) == 0)
            sql = kinds[i].sql;
    if (!sql) {
        fprintf(stderr, "stirprobe: report: unknown or not yet implemented kind '%s' (have:", kind);
        for (size_t i = 0; report_kinds[i]; i++)
            fprintf(stderr, " %s", report_kinds[i]);
        fprintf(stderr, ")\n");
        return 1;
    }
    int64_t since, until;
    char since_iso[PTIME_ISO_LEN], until_iso[PTIME_ISO_LEN];
    if (parse_bound(o->since, INT64_MIN, &since, since_iso) ||
        parse_bound(o->until, INT64_MAX, &until, until_iso))
        return 1;
    if (access(o->db_path, F_OK) != 0) {
        fprintf(stderr, "stirprobe: report: no database at %s (write one with: stirprobe read FILE)\n",
                o->db_path);
        return 1;
    }
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = 1;
    if (sqlite3_open_v2(o->db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "stirprobe: report: %s: %s\n", o->db_path, sqlite3_errmsg(db));
        goto out;
    }
    sqlite3_busy_timeout(db, 10000);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "stirprobe: report %s: %s: %s\n", kind, o->db_path, sqlite3_errmsg(db));
        goto out;
    }
    int np = sqlite3_bind_parameter_count(st);
    if (np >= 2) {
        sqlite3_bind_int64(st, 1, since);
        sqlite3_bind_int64(st, 2, until);
    }
    if (np >= 4) {
        sqlite3_bind_text(st, 3, since_iso, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, until_iso, -1, SQLITE_TRANSIENT);
    }
    int ncol = sqlite3_column_count(st);
    struct table t = { .ncol = ncol };
    if (o->format == RPT_CSV)
        csv_row(st, ncol, out, true);
    else if (o->format == RPT_TABLE)
        table_add(&t, st, true);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (o->format == RPT_CSV)
            csv_row(st, ncol, out, false);
        else if (o->format == RPT_JSON)
            json_row(st, ncol, out);
        else if (table_add(&t, st, false) != 0)
            break;
    }
    if (o->format == RPT_TABLE)
        table_print(&t, out);
    if (step != SQLITE_DONE) {
        fprintf(stderr, "stirprobe: report %s: %s\n", kind, sqlite3_errmsg(db));
        goto out;
    }
    rc = fflush(out) == 0 ? 0 : 1;
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}
