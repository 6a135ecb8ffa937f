/* summary: the read side of a PostgreSQL store: the rows a report needs, pulled by COPY
 * into a private temporary SQLite database made from db/schema.sql.
 *
 * Why a copy: every report, `report html` and `evidence` are written once, in SQLite's
 * dialect, against db/schema.sql; the central database is the store, and a report pulls
 * the slice it reads (one probe set, one time window) — the filters run in PostgreSQL,
 * where the time bounds prune the day partitions. The slice is exact for every report:
 * besides the calls of the window (widened by the anomaly window), it takes every leg of
 * the chains and every call of the origids seen in the window, because chains and
 * campaigns are counted over all their calls. */
#include "db/store_backend.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/pg_copy.h"

extern const char stirprobe_schema_sql[]; /* db/schema.sql */

#define MAX_COLS 48

struct rd {
    PGconn *pg;
    sqlite3 *db;
    char *err;
    size_t errlen;
};

static int pg_fail(struct rd *r, PGresult *res, const char *what)
{
    snprintf(r->err, r->errlen, "PostgreSQL: %s: %s", what,
             res && *PQresultErrorMessage(res) ? PQresultErrorMessage(res) : PQerrorMessage(r->pg));
    for (char *p = r->err; *p; p++)
        if (*p == '\n')
            *p = p[1] ? ' ' : '\0';
    PQclear(res);
    return -1;
}

static int pg_run(struct rd *r, const char *sql, int n, const char *const *v, const char *what)
{
    PGresult *res = PQexecParams(r->pg, sql, n, NULL, v, NULL, NULL, 0);
    ExecStatusType t = PQresultStatus(res);
    if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK)
        return pg_fail(r, res, what);
    PQclear(res);
    return 0;
}

static int lite_fail(struct rd *r, const char *what)
{
    snprintf(r->err, r->errlen, "report database: %s: %s", what, sqlite3_errmsg(r->db));
    return -1;
}

/* COPY (query) TO STDOUT, each row inserted by `insert` (one ? per column). bytea_col:
 * the column that holds a bytea (-1 none): PEM text goes in as text, anything else as a
 * blob, as the SQLite store keeps a certificate body. */
static int pull(struct rd *r, const char *query, const char *insert, int bytea_col, const char *what)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db, insert, -1, &st, NULL) != SQLITE_OK)
        return lite_fail(r, what);
    char copy[4096];
    snprintf(copy, sizeof copy, "COPY (%s) TO STDOUT", query);
    PGresult *res = PQexec(r->pg, copy);
    if (PQresultStatus(res) != PGRES_COPY_OUT) {
        sqlite3_finalize(st);
        return pg_fail(r, res, what);
    }
    PQclear(res);
    int ncol = sqlite3_bind_parameter_count(st), rc = 0;
    char *row;
    int len;
    while ((len = PQgetCopyData(r->pg, &row, 0)) > 0) {
        char *f[MAX_COLS];
        size_t fl[MAX_COLS];
        int nf = rc ? 0 : copy_parse_row(row, (size_t)len - (row[len - 1] == '\n'), f, fl, MAX_COLS);
        if (!rc && nf != ncol) {
            snprintf(r->err, r->errlen, "PostgreSQL: %s: a row of %d columns, want %d", what, nf, ncol);
            rc = -1;
        }
        for (int i = 0; !rc && i < nf; i++) {
            if (!f[i]) {
                sqlite3_bind_null(st, i + 1);
                continue;
            }
            long n = i == bytea_col ? copy_unhex(f[i], fl[i]) : (long)fl[i];
            if (n < 0) {
                snprintf(r->err, r->errlen, "PostgreSQL: %s: column %d is not bytea", what, i + 1);
                rc = -1;
            } else if (i == bytea_col && !(n > 10 && memmem(f[i], (size_t)n, "-----BEGIN", 10))) {
                sqlite3_bind_blob(st, i + 1, f[i], (int)n, SQLITE_TRANSIENT);
            } else {
                sqlite3_bind_text(st, i + 1, f[i], (int)n, SQLITE_TRANSIENT);
            }
        }
        if (!rc && sqlite3_step(st) != SQLITE_DONE)
            rc = lite_fail(r, what);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        PQfreemem(row);
    }
    sqlite3_finalize(st);
    if (len == -2 && !rc)
        rc = pg_fail(r, NULL, what);
    while ((res = PQgetResult(r->pg)) != NULL) {
        if (!rc && PQresultStatus(res) != PGRES_COMMAND_OK)
            rc = pg_fail(r, res, what);
        else
            PQclear(res);
    }
    return rc;
}

static int64_t sat_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

/* db/schema.sql for the slice, without the one-row-per-(first_seen_ns, call_id) rule
 * (two probes may well have seen the same leg): a plain index in its place. NULL when
 * out of memory or when schema.sql no longer states the rule this way. */
static char *slice_schema(void)
{
    static const char uniq[] = "UNIQUE (first_seen_ns, call_id)";
    static const char repl[] = "CHECK (1)";
    static const char index[] = "CREATE INDEX slice_calls_key ON calls(first_seen_ns, call_id);\n";
    size_t n = strlen(stirprobe_schema_sql);
    char *s = malloc(n + sizeof index);
    if (!s)
        return NULL;
    memcpy(s, stirprobe_schema_sql, n + 1);
    char *u = strstr(s, uniq);
    if (!u) {
        free(s);
        return NULL;
    }
    memcpy(u, repl, sizeof repl - 1);
    memmove(u + sizeof repl - 1, u + sizeof uniq - 1, strlen(u + sizeof uniq - 1) + 1);
    strcat(s, index);
    return s;
}

static int fill(struct rd *r, const struct read_filter *f)
{
    const char *probe_cond = f->n_probes ? "probe_id IN (SELECT probe_id FROM sp_probes)" : "true";
    char sql[2048];
    if (pg_run(r, "BEGIN ISOLATION LEVEL REPEATABLE READ", 0, NULL, "starting") ||
        pg_run(r, "SET LOCAL client_min_messages = warning", 0, NULL, "starting"))
        return -1;
    PGresult *res = PQexec(r->pg, "SELECT to_regclass('calls') IS NOT NULL, to_regclass('schema_version') IS NOT NULL");
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return pg_fail(r, res, "reading the schema");
    bool ours = PQgetvalue(res, 0, 0)[0] == 't' && PQgetvalue(res, 0, 1)[0] == 't';
    PQclear(res);
    if (!ours) {
        snprintf(r->err, r->errlen, "PostgreSQL: no stirprobe tables in this database (write to it with:"
                                    " stirprobe read --db postgresql://... FILE)");
        return -1;
    }
    /* Filter values go in by parameters, into temporary tables the queries join. */
    if (pg_run(r, "CREATE TEMP TABLE sp_probes (probe_id text PRIMARY KEY) ON COMMIT DROP", 0, NULL, "probe filter"))
        return -1;
    for (size_t i = 0; i < f->n_probes; i++) {
        const char *v[1] = { f->probes[i] };
        if (pg_run(r, "INSERT INTO sp_probes VALUES ($1) ON CONFLICT DO NOTHING", 1, v, "probe filter"))
            return -1;
    }
    int64_t margin = f->margin_ns;
    res = PQexec(r->pg, "SELECT COALESCE(MAX(value), 0) FROM report_settings WHERE name = 'anomaly_window_s'");
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return pg_fail(r, res, "reading report_settings");
    long long w = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    if (w > 0 && w < INT64_MAX / 1000000000 && w * 1000000000 > margin)
        margin = w * 1000000000;

    int64_t since = f->since_ns, until = f->until_ns;
    bool windowed = since != INT64_MIN || until != INT64_MAX || f->call_id;
    if (f->call_id) {
        const char *v[1] = { f->call_id };
        /* CREATE TABLE AS takes no parameters: the Call-ID goes in through a table. */
        if (pg_run(r, "CREATE TEMP TABLE sp_arg (call_id text) ON COMMIT DROP", 0, NULL, "call filter") ||
            pg_run(r, "INSERT INTO sp_arg VALUES ($1)", 1, v, "call filter"))
            return -1;
        snprintf(sql, sizeof sql,
                 "CREATE TEMP TABLE sp_w ON COMMIT DROP AS SELECT first_seen_ns, chain_id, origid FROM calls"
                 " WHERE %s AND (call_id IN (SELECT call_id FROM sp_arg) OR chain_id IN (SELECT chain_id FROM calls"
                 " WHERE %s AND call_id IN (SELECT call_id FROM sp_arg) AND chain_id IS NOT NULL))",
                 probe_cond, probe_cond);
        if (pg_run(r, sql, 0, NULL, "call filter"))
            return -1;
        res = PQexec(r->pg, "SELECT MIN(first_seen_ns), MAX(first_seen_ns) FROM sp_w");
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
            return pg_fail(r, res, "call filter");
        if (PQgetisnull(res, 0, 0)) {
            since = 0, until = 0;
        } else {
            since = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
            until = sat_add(strtoll(PQgetvalue(res, 0, 1), NULL, 10), 1);
        }
        PQclear(res);
    } else if (windowed) {
        snprintf(sql, sizeof sql,
                 "CREATE TEMP TABLE sp_w ON COMMIT DROP AS SELECT chain_id, origid FROM calls"
                 " WHERE %s AND first_seen_ns >= %lld AND first_seen_ns < %lld",
                 probe_cond, (long long)since, (long long)until);
        if (pg_run(r, sql, 0, NULL, "time filter"))
            return -1;
    }
    if (windowed)
        snprintf(sql, sizeof sql,
                 "CREATE TEMP TABLE sp_sel ON COMMIT DROP AS SELECT * FROM calls WHERE %s AND"
                 " ((first_seen_ns >= %lld AND first_seen_ns < %lld)"
                 " OR chain_id IN (SELECT chain_id FROM sp_w WHERE chain_id IS NOT NULL)"
                 " OR origid IN (SELECT origid FROM sp_w WHERE origid IS NOT NULL))",
                 probe_cond, (long long)sat_add(since, -margin), (long long)sat_add(until, margin));
    else
        snprintf(sql, sizeof sql, "CREATE TEMP TABLE sp_sel ON COMMIT DROP AS SELECT * FROM calls WHERE %s",
                 probe_cond);
    if (pg_run(r, sql, 0, NULL, "selecting calls"))
        return -1;

#define CALLS_LIST                                                                                          \
    "id, call_id, first_seen, first_seen_ns, last_seen, last_seen_ns, src_ip, src_port, dst_ip, dst_port,"    \
    " transport, ip_version, ruri_tn, from_tn, to_tn, pai_tn, final_status, sip_messages, identity_header,"  \
    " identity_count, ppt, attest, origid, orig_tn, dest_tn, iat, x5u, verstat, verstat_source,"            \
    " verify_result, verify_detail, chain_id, capture_id, stir_error, stir_error_via, stir_error_in,"       \
    " stir_error_text, orig_in_cert"
#define PP_LIST                                                                                             \
    "position, header_name, ppt, alg, typ, x5u, info, alg_param, ppt_param, attest, origid, orig_tn,"       \
    " dest_tn, iat, div_tn, rcd_nam, compact, decode_result, decode_detail, warnings, raw_jws, chain_id,"   \
    " verify_result, verify_detail"
#define Q38 "?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?"
    snprintf(sql, sizeof sql,
             "SELECT p.id, c.id, p.position, p.header_name, p.ppt, p.alg, p.typ, p.x5u, p.info, p.alg_param,"
             " p.ppt_param, p.attest, p.origid, p.orig_tn, p.dest_tn, p.iat, p.div_tn, p.rcd_nam, p.compact,"
             " p.decode_result, p.decode_detail, p.warnings, p.raw_jws, p.chain_id, p.verify_result,"
             " p.verify_detail FROM passports p JOIN sp_sel c ON c.probe_id = p.probe_id"
             " AND c.call_id = p.call_id AND c.first_seen_ns = p.first_seen_ns ORDER BY p.id");
    char caps[512], stats[256];
    snprintf(caps, sizeof caps,
             "SELECT id, source, probe_id || '|' || source_key, kind, link_type, started_at, finished_at,"
             " first_packet, last_packet, packets, status, message, probe_id FROM captures WHERE %s ORDER BY id",
             probe_cond);
    snprintf(stats, sizeof stats, "SELECT capture_id, name, kind, value FROM stats WHERE %s", probe_cond);
    if (sqlite3_exec(r->db, "BEGIN; DELETE FROM report_settings; DELETE FROM risk_prefixes", NULL, NULL, NULL) !=
            SQLITE_OK ||
        pull(r, "SELECT " CALLS_LIST " FROM sp_sel ORDER BY id", "INSERT INTO calls (" CALLS_LIST ") VALUES (" Q38 ")",
             -1, "calls") ||
        pull(r, sql, "INSERT INTO passports (id, call_row_id, " PP_LIST ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
             -1, "passports") ||
        pull(r,
             "SELECT id, x5u, fetched_at, status, http_status, error, subject, issuer, spc, tnauthlist, not_before,"
             " not_after, sha256, cache_until, pem FROM certificates ORDER BY id",
             "INSERT INTO certificates (id, x5u, fetched_at, status, http_status, error, subject, issuer, spc,"
             " tnauthlist, not_before, not_after, sha256, cache_until, pem) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
             14, "certificates") ||
        pull(r, caps,
             "INSERT INTO captures (id, source, source_key, kind, link_type, started_at, finished_at, first_packet,"
             " last_packet, packets, status, message, probe_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
             -1, "captures") ||
        pull(r, stats, "INSERT INTO stats (capture_id, name, kind, value) VALUES (?,?,?,?)", -1, "stats") ||
        pull(r, "SELECT name, value FROM report_settings", "INSERT INTO report_settings VALUES (?,?)", -1,
             "report_settings") ||
        pull(r, "SELECT prefix, label FROM risk_prefixes", "INSERT INTO risk_prefixes VALUES (?,?)", -1,
             "risk_prefixes"))
        return -1;
    if (sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return lite_fail(r, "commit");
    return pg_run(r, "COMMIT", 0, NULL, "finishing");
}

int store_pg_open_read(const char *url, const struct read_filter *f, sqlite3 **out, char *err, size_t errlen)
{
    struct rd r = { .err = err, .errlen = errlen };
    const char *kw[] = { "connect_timeout", "application_name", "dbname", "client_encoding", NULL };
    const char *val[] = { "10", "stirprobe-report", url, "SQL_ASCII", NULL };
    int rc = -1;
    r.pg = PQconnectdbParams(kw, val, 1);
    if (!r.pg || PQstatus(r.pg) != CONNECTION_OK) {
        pg_fail(&r, NULL, "cannot connect");
        goto out;
    }
    /* "": a private temporary database, in memory until it grows, then in a temp file. */
    char *schema = slice_schema();
    if (!schema || sqlite3_open_v2("", &r.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
        sqlite3_exec(r.db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(r.db, schema, NULL, NULL, NULL) != SQLITE_OK) {
        free(schema);
        if (r.db)
            lite_fail(&r, "creating");
        else
            snprintf(err, errlen, "out of memory");
        goto out;
    }
    free(schema);
    if (fill(&r, f) != 0)
        goto out;
    *out = r.db;
    r.db = NULL;
    rc = 0;
out:
    sqlite3_close(r.db);
    PQfinish(r.pg);
    return rc;
}
