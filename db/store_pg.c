/* summary: the PostgreSQL backend of the store (libpq): schema under an advisory lock,
 * daily partitions made on demand, calls and PASSporTs sent in batches by COPY into
 * staging tables and upserted, a bounded spool with reconnect while the server is
 * away, retention by dropping whole partitions.
 *
 * Why batches and a spool: a central database is a network hop away and gets
 * restarted; packet processing must neither wait on every row nor lose what it
 * decoded. A batch is sent whole in one transaction and is idempotent (upsert by
 * (probe_id, call_id, first_seen_ns)), so a batch that failed half-way is resent whole.
 * Captures, counters and certificates go by parameterized statements inside the same
 * transactions, so they follow the calls in order. */
#include "db/store_backend.h"

#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/jsonw.h"
#include "db/pg_copy.h"

extern const char stirprobe_schema_pg_sql[]; /* db/schema_pg.sql, embedded at build time */

#define SCHEMA_LOCK 0x5374697250726f62LL  /* "StirProb": advisory lock of schema and partition DDL */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define NS_PER_DAY 86400000000000LL
#define MAX_PARAMS 14

/* ---- statements (parameterized; the text carries no value) ------------------------------ */

enum op_id { OP_CERT, OP_CAPTURE_END, OP_STATS };

static const char *const op_sql[] = {
    [OP_CERT] =
        "INSERT INTO certificates (x5u, fetched_at, status, http_status, error, subject, issuer, spc,"
        " tnauthlist, not_before, not_after, sha256, cache_until, pem)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)"
        " ON CONFLICT (x5u) DO UPDATE SET fetched_at=excluded.fetched_at, status=excluded.status,"
        " http_status=excluded.http_status, error=excluded.error, subject=excluded.subject,"
        " issuer=excluded.issuer, spc=excluded.spc, tnauthlist=excluded.tnauthlist,"
        " not_before=excluded.not_before, not_after=excluded.not_after, sha256=excluded.sha256,"
        " cache_until=excluded.cache_until, pem=excluded.pem",
    [OP_CAPTURE_END] = "UPDATE captures SET finished_at = $1, status = $2, message = $3, packets = $4,"
                       " first_packet = $5, last_packet = $6 WHERE id = $7",
    [OP_STATS] = "INSERT INTO stats (capture_id, name, kind, value, probe_id)"
                 " SELECT $1, u.n, u.k, u.v, $2 FROM unnest($3::text[], $4::text[], $5::bigint[]) AS u(n, k, v)"
                 " ON CONFLICT (capture_id, name) DO UPDATE SET value = excluded.value",
};

#define CALL_COLS                                                                                     \
    "probe_id, call_id, first_seen, first_seen_ns, last_seen, last_seen_ns, src_ip, src_port, dst_ip,"    \
    " dst_port, transport, ip_version, ruri_tn, from_tn, to_tn, pai_tn, final_status, sip_messages,"    \
    " identity_header, identity_count, ppt, attest, origid, orig_tn, dest_tn, iat, x5u, verstat,"      \
    " verstat_source, verify_result, verify_detail, chain_id, capture_id, stir_error, stir_error_via," \
    " stir_error_in, stir_error_text, orig_in_cert"

#define PP_COLS                                                                                      \
    "probe_id, call_id, first_seen_ns, position, header_name, ppt, alg, typ, x5u, info, alg_param,"    \
    " ppt_param, attest, origid, orig_tn, dest_tn, iat, div_tn, rcd_nam, compact, decode_result,"     \
    " decode_detail, warnings, raw_jws, chain_id, verify_result, verify_detail"

#define PP_COLS_P                                                                                    \
    "p.probe_id, p.call_id, p.first_seen_ns, p.position, p.header_name, p.ppt, p.alg, p.typ, p.x5u, p.info," \
    " p.alg_param, p.ppt_param, p.attest, p.origid, p.orig_tn, p.dest_tn, p.iat, p.div_tn, p.rcd_nam,"   \
    " p.compact, p.decode_result, p.decode_detail, p.warnings, p.raw_jws, p.chain_id, p.verify_result,"  \
    " p.verify_detail"

/* Staging tables of this session: rows of one batch, gone at commit or rollback. */
static const char sql_staging[] =
    "CREATE TEMP TABLE IF NOT EXISTS stage_calls (seq bigint NOT NULL, probe_id text, call_id text,"
    " first_seen text, first_seen_ns bigint, last_seen text, last_seen_ns bigint, src_ip text, src_port bigint,"
    " dst_ip text, dst_port bigint, transport text, ip_version bigint, ruri_tn text, from_tn text, to_tn text,"
    " pai_tn text, final_status bigint, sip_messages bigint, identity_header text, identity_count bigint,"
    " ppt text, attest text, origid text, orig_tn text, dest_tn text, iat bigint, x5u text, verstat text,"
    " verstat_source text, verify_result text, verify_detail text, chain_id text, capture_id bigint,"
    " stir_error bigint, stir_error_via text, stir_error_in text, stir_error_text text, orig_in_cert bigint)"
    " ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS stage_pp (call_seq bigint NOT NULL, probe_id text, call_id text,"
    " first_seen_ns bigint, position bigint, header_name text, ppt text, alg text, typ text, x5u text, info text,"
    " alg_param text, ppt_param text, attest text, origid text, orig_tn text, dest_tn text, iat bigint,"
    " div_tn text, rcd_nam text, compact bigint, decode_result text, decode_detail text, warnings text,"
    " raw_jws text, chain_id text, verify_result text, verify_detail text) ON COMMIT DELETE ROWS";

#define ON_CONFLICT_CALLS \
    " ON CONFLICT (probe_id, call_id, first_seen_ns) DO UPDATE SET"\
    " first_seen=excluded.first_seen, last_seen=excluded.last_seen, last_seen_ns=excluded.last_seen_ns,"\
    " src_ip=excluded.src_ip, src_port=excluded.src_port, dst_ip=excluded.dst_ip,"\
    " dst_port=excluded.dst_port, transport=excluded.transport, ip_version=excluded.ip_version,"\
    " ruri_tn=excluded.ruri_tn, from_tn=excluded.from_tn, to_tn=excluded.to_tn,"\
    " pai_tn=excluded.pai_tn, final_status=excluded.final_status,"\
    " sip_messages=excluded.sip_messages, identity_header=excluded.identity_header,"\
    " identity_count=excluded.identity_count, ppt=excluded.ppt, attest=excluded.attest,"\
    " origid=excluded.origid, orig_tn=excluded.orig_tn, dest_tn=excluded.dest_tn,"\
    " iat=excluded.iat, x5u=excluded.x5u, verstat=excluded.verstat,"\
    " verstat_source=excluded.verstat_source, verify_result=excluded.verify_result,"\
    " verify_detail=excluded.verify_detail, chain_id=excluded.chain_id,"\
    " capture_id=excluded.capture_id, stir_error=excluded.stir_error,"\
    " stir_error_via=excluded.stir_error_via, stir_error_in=excluded.stir_error_in,"\
    " stir_error_text=excluded.stir_error_text, orig_in_cert=excluded.orig_in_cert"

/* The usual batch: every call once. */
static const char sql_upsert_calls[] =
    "INSERT INTO calls (" CALL_COLS ") SELECT " CALL_COLS " FROM stage_calls ORDER BY seq" ON_CONFLICT_CALLS;

/* The same Call-ID and first INVITE time twice in one batch (the server refuses to
 * update a row twice in one statement): the later row wins, at the place of the first,
 * as the SQLite store's sequential upserts do; only the later row's PASSporTs are kept. */
static const char sql_dedup_pp[] =
    "DELETE FROM stage_pp p USING stage_calls c WHERE c.probe_id = p.probe_id AND c.call_id = p.call_id"
    " AND c.first_seen_ns = p.first_seen_ns AND c.seq > p.call_seq";
static const char sql_upsert_calls_dedup[] =
    "INSERT INTO calls (" CALL_COLS ")"
    " SELECT " CALL_COLS " FROM (SELECT DISTINCT ON (probe_id, call_id, first_seen_ns) *,"
    "  min(seq) OVER (PARTITION BY probe_id, call_id, first_seen_ns) AS first_seq"
    "  FROM stage_calls ORDER BY probe_id, call_id, first_seen_ns, seq DESC) d ORDER BY first_seq"
    ON_CONFLICT_CALLS;

struct pop { /* one parameterized statement waiting in a batch */
    struct pop *next;
    enum op_id op;
    int n;
    char *v[MAX_PARAMS]; /* NULL: SQL NULL */
    int len[MAX_PARAMS];
    int fmt[MAX_PARAMS]; /* 1: binary (bytea) */
};

struct batch {
    struct batch *next;
    struct sbuf calls, pps; /* COPY text rows for stage_calls / stage_pp */
    size_t n_calls;
    int64_t min_ns, max_ns;
    int64_t *days; /* distinct UTC days of first_seen (partitions it needs) */
    size_t n_days, cap_days;
    struct pop *ops, **ops_tail;
    size_t op_bytes;
};

struct store_backend {
    char *url;
    PGconn *conn;
    bool utf8;      /* server encoding UTF8: replace bytes that are not UTF-8 */
    bool lost;      /* connection lost: batches wait in the spool */
    bool fatal;
    char probe_id[256];
    struct store_opts o;
    struct batch *cur;
    struct batch *head, **tail; /* the spool, oldest first */
    size_t spool_bytes;
    uint64_t seq;
    int64_t *parts; /* days whose partitions exist (sorted) */
    size_t n_parts, cap_parts;
    int64_t next_try_ms, backoff_ms;
    int64_t last_retention_ms;
    uint64_t dropped, reconnects;
    char err[512];
    char last_conn_err[512];
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void wall_iso(char *buf)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ptime_iso((struct ptime){ ts.tv_sec, (uint32_t)ts.tv_nsec }, buf);
}

static void one_line(char *s)
{
    for (char *p = s; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = p[1] ? ' ' : '\0';
}

static void quiet_notice(void *arg, const char *msg)
{
    (void)arg, (void)msg; /* NOTICEs ("relation exists, skipping") are not the user's business */
}

/* Transient: the connection went away or the server is restarting, out of resources or
 * chose us as a deadlock victim; the batch is kept and sent again. Anything else (a
 * constraint, a privilege, a schema that is not ours) will fail again: fatal. */
static bool transient(struct store_backend *s, const PGresult *r)
{
    if (!s->conn || PQstatus(s->conn) == CONNECTION_BAD)
        return true;
    const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (!st)
        return true;
    return strncmp(st, "08", 2) == 0 || strncmp(st, "57P", 3) == 0 || strncmp(st, "53", 2) == 0 ||
           strcmp(st, "40001") == 0 || strcmp(st, "40P01") == 0;
}

/* Result of one step of a send: 0 done, 1 transient (keep and retry), -1 fatal. */
static int check(struct store_backend *s, PGresult *r, const char *what)
{
    ExecStatusType t = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK) {
        PQclear(r);
        return 0;
    }
    int rc = transient(s, r) ? 1 : -1;
    snprintf(s->err, sizeof s->err, "%s: %s", what,
             r && *PQresultErrorMessage(r) ? PQresultErrorMessage(r) : PQerrorMessage(s->conn));
    one_line(s->err);
    PQclear(r);
    return rc;
}

static int exec(struct store_backend *s, const char *sql, const char *what)
{
    return check(s, PQexec(s->conn, sql), what);
}

/* ---- connection and schema --------------------------------------------------------------- */

static int install_schema(struct store_backend *s)
{
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT pg_advisory_lock(%lld)", SCHEMA_LOCK);
    int rc = exec(s, sql, "locking the schema");
    if (rc)
        return rc;
    PGresult *r = PQexec(s->conn, "SELECT to_regclass('schema_version') IS NOT NULL");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        rc = check(s, r, "reading the schema");
        goto unlock;
    }
    bool have = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    int version = 0;
    if (have) {
        r = PQexec(s->conn, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            rc = check(s, r, "reading the schema version");
            goto unlock;
        }
        version = atoi(PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    if (version > STORE_SCHEMA_VERSION) {
        snprintf(s->err, sizeof s->err, "database schema version %d is newer than this stirprobe (%d)", version,
                 STORE_SCHEMA_VERSION);
        rc = -1;
        goto unlock;
    }
    if (version < STORE_SCHEMA_VERSION) {
        char now[PTIME_ISO_LEN], ver[16];
        wall_iso(now);
        snprintf(ver, sizeof ver, "%d", STORE_SCHEMA_VERSION);
        const char *pv[2] = { ver, now };
        if ((rc = exec(s, "BEGIN", "creating the schema")) ||
            (rc = exec(s, stirprobe_schema_pg_sql, "creating the schema")) ||
            (rc = check(s, PQexecParams(s->conn, "INSERT INTO schema_version VALUES ($1::int, $2)", 2, NULL, pv,
                                        NULL, NULL, 0),
                        "creating the schema")) ||
            (rc = exec(s, "COMMIT", "creating the schema")))
            PQclear(PQexec(s->conn, "ROLLBACK"));
    }
unlock:
    snprintf(sql, sizeof sql, "SELECT pg_advisory_unlock(%lld)", SCHEMA_LOCK);
    PQclear(PQexec(s->conn, sql));
    return rc;
}

/* Connects and prepares the session. 0, 1 server unreachable (transient), -1 fatal. */
static int connect_db(struct store_backend *s)
{
    /* The URL's own settings win over our defaults (expand_dbname); the client encoding is
     * ours: SQL_ASCII hands bytes over unconverted both ways. */
    const char *kw[] = { "connect_timeout", "application_name", "dbname", "client_encoding", NULL };
    const char *val[] = { "5", "stirprobe", s->url, "SQL_ASCII", NULL };
    PQfinish(s->conn);
    s->conn = PQconnectdbParams(kw, val, 1);
    if (!s->conn || PQstatus(s->conn) != CONNECTION_OK) {
        snprintf(s->last_conn_err, sizeof s->last_conn_err, "%s",
                 s->conn ? PQerrorMessage(s->conn) : "out of memory");
        one_line(s->last_conn_err);
        snprintf(s->err, sizeof s->err, "cannot connect: %.400s", s->last_conn_err);
        PQfinish(s->conn);
        s->conn = NULL;
        return 1;
    }
    PQsetNoticeProcessor(s->conn, quiet_notice, NULL);
    const char *enc = PQparameterStatus(s->conn, "server_encoding");
    s->utf8 = enc && strcasecmp(enc, "SQL_ASCII") != 0;
    int rc = install_schema(s);
    if (rc == 0)
        rc = exec(s, "SET synchronous_commit = off", "preparing the session");
    if (rc == 0)
        rc = exec(s, sql_staging, "preparing the session");
    if (rc != 0) {
        PQfinish(s->conn);
        s->conn = NULL;
    }
    return rc;
}

static void mark_lost(struct store_backend *s)
{
    if (!s->lost)
        s->backoff_ms = BACKOFF_MIN_MS;
    else
        s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : s->backoff_ms * 2;
    s->lost = true;
    s->next_try_ms = mono_ms() + s->backoff_ms;
    if (s->conn)
        memcpy(s->last_conn_err, s->err, sizeof s->last_conn_err);
    PQfinish(s->conn);
    s->conn = NULL;
}

/* ---- partitions ------------------------------------------------------------------------- */

static int64_t day_of(int64_t ns)
{
    return ns >= 0 ? ns / NS_PER_DAY : -((-ns + NS_PER_DAY - 1) / NS_PER_DAY);
}

static bool have_part(const struct store_backend *s, int64_t day)
{
    size_t lo = 0, hi = s->n_parts;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->parts[mid] == day)
            return true;
        if (s->parts[mid] < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static void add_part(struct store_backend *s, int64_t day)
{
    if (s->n_parts == s->cap_parts) {
        size_t cap = s->cap_parts ? s->cap_parts * 2 : 64;
        int64_t *np = realloc(s->parts, cap * sizeof *np);
        if (!np)
            return; /* only a cache: the partition is asked for again next time */
        s->parts = np;
        s->cap_parts = cap;
    }
    size_t i = s->n_parts;
    while (i > 0 && s->parts[i - 1] > day) {
        s->parts[i] = s->parts[i - 1];
        i--;
    }
    s->parts[i] = day;
    s->n_parts++;
}

static void part_name(const char *table, int64_t day, char *buf, size_t cap)
{
    time_t t = (time_t)(day * 86400);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(buf, cap, "%s_p%04d%02d%02d", table, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* The day partitions of calls and passports for every day of the batch. Another probe
 * may create the same one at the same moment: the advisory lock serializes creators and
 * IF NOT EXISTS makes the loser a no-op. Only names and bounds we computed go in. */
static int ensure_parts(struct store_backend *s, const struct batch *b)
{
    bool need = false;
    for (size_t i = 0; i < b->n_days && !need; i++)
        need = !have_part(s, b->days[i]);
    if (!need)
        return 0;
    char sql[640];
    snprintf(sql, sizeof sql, "BEGIN; SELECT pg_advisory_xact_lock(%lld)", SCHEMA_LOCK);
    int rc = exec(s, sql, "creating partitions");
    for (size_t i = 0; i < b->n_days && rc == 0; i++) {
        int64_t d = b->days[i];
        if (have_part(s, d))
            continue;
        char pc[64], pp[64];
        part_name("calls", d, pc, sizeof pc);
        part_name("passports", d, pp, sizeof pp);
        snprintf(sql, sizeof sql,
                 "CREATE TABLE IF NOT EXISTS \"%s\" PARTITION OF calls FOR VALUES FROM (%lld) TO (%lld);"
                 "CREATE TABLE IF NOT EXISTS \"%s\" PARTITION OF passports FOR VALUES FROM (%lld) TO (%lld)",
                 pc, (long long)(d * NS_PER_DAY), (long long)((d + 1) * NS_PER_DAY), pp,
                 (long long)(d * NS_PER_DAY), (long long)((d + 1) * NS_PER_DAY));
        rc = exec(s, sql, "creating partitions");
    }
    if (rc == 0)
        rc = exec(s, "COMMIT", "creating partitions");
    if (rc != 0) {
        if (s->conn && PQstatus(s->conn) == CONNECTION_OK)
            PQclear(PQexec(s->conn, "ROLLBACK"));
        return rc;
    }
    for (size_t i = 0; i < b->n_days; i++)
        if (!have_part(s, b->days[i]))
            add_part(s, b->days[i]);
    return 0;
}

/* --retention-days: drop the day partitions whose whole day ended more than N days
 * before now (wall clock). The names come from the catalog, but only the day parsed
 * out of them is used to write the DROP. */
static int retention(struct store_backend *s)
{
    if (s->o.retention_days <= 0)
        return 0;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t cutoff_day = (int64_t)ts.tv_sec / 86400 - s->o.retention_days; /* days < this go */
    PGresult *r = PQexec(s->conn, "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                                  " WHERE i.inhparent IN ('calls'::regclass, 'passports'::regclass)");
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        return check(s, r, "retention");
    int rc = 0;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        const char *name = PQgetvalue(r, i, 0);
        char table[16];
        int y, m, d;
        if (sscanf(name, "%15[a-z]_p%4d%2d%2d", table, &y, &m, &d) != 4 ||
            (strcmp(table, "calls") != 0 && strcmp(table, "passports") != 0))
            continue;
        struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d };
        int64_t day = (int64_t)timegm(&tm) / 86400;
        if (day >= cutoff_day)
            continue;
        char pn[64], sql[128];
        part_name(table, day, pn, sizeof pn);
        snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS \"%s\"", pn);
        rc = exec(s, sql, "retention");
        for (size_t k = 0; k < s->n_parts; k++)
            if (s->parts[k] == day) {
                memmove(s->parts + k, s->parts + k + 1, (s->n_parts - k - 1) * sizeof *s->parts);
                s->n_parts--;
                break;
            }
    }
    PQclear(r);
    return rc;
}

/* ---- batches ---------------------------------------------------------------------------- */

static void pop_free(struct pop *p)
{
    for (int i = 0; i < p->n; i++)
        free(p->v[i]);
    free(p);
}

static void batch_free(struct batch *b)
{
    if (!b)
        return;
    sbuf_free(&b->calls);
    sbuf_free(&b->pps);
    free(b->days);
    for (struct pop *p = b->ops, *n; p; p = n) {
        n = p->next;
        pop_free(p);
    }
    free(b);
}

static size_t batch_bytes(const struct batch *b)
{
    return b->calls.n + b->pps.n + b->op_bytes + b->n_days * sizeof *b->days + sizeof *b;
}

static struct batch *cur_batch(struct store_backend *s)
{
    if (!s->cur) {
        s->cur = calloc(1, sizeof *s->cur);
        if (s->cur) {
            s->cur->ops_tail = &s->cur->ops;
            s->cur->min_ns = INT64_MAX;
            s->cur->max_ns = INT64_MIN;
        }
    }
    return s->cur;
}

static bool batch_day(struct batch *b, int64_t ns)
{
    int64_t d = day_of(ns);
    if (ns < b->min_ns)
        b->min_ns = ns;
    if (ns > b->max_ns)
        b->max_ns = ns;
    for (size_t i = b->n_days; i-- > 0;)
        if (b->days[i] == d)
            return true;
    if (b->n_days == b->cap_days) {
        size_t cap = b->cap_days ? b->cap_days * 2 : 4;
        int64_t *nd = realloc(b->days, cap * sizeof *nd);
        if (!nd)
            return false;
        b->days = nd;
        b->cap_days = cap;
    }
    b->days[b->n_days++] = d;
    return true;
}

/* A statement for the batch; values are copied (len < 0: a C string; NULL stays NULL). */
static struct pop *pop_new(struct batch *b, enum op_id op)
{
    struct pop *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->op = op;
    *b->ops_tail = p;
    b->ops_tail = &p->next;
    return p;
}

static bool pop_add(struct store_backend *s, struct batch *b, struct pop *p, const void *v, long len, bool binary)
{
    int i = p->n++;
    if (!v || (len < 0 && !*(const char *)v))
        return true; /* NULL: empty strings are NULL in the database, as in SQLite */
    size_t n = len < 0 ? strlen(v) : (size_t)len;
    if (!binary) { /* text parameters follow the same byte rules as COPY values */
        struct sbuf t = { 0 };
        const unsigned char *u = v;
        for (size_t k = 0; k < n;) {
            size_t step = 1;
            if (u[k] == 0)
                sbuf_put(&t, "?", 1);
            else if (s->utf8 && u[k] >= 0x80 && (step = utf8_seq(u + k, n - k)) == 0)
                sbuf_put(&t, "\xef\xbf\xbd", 3), step = 1;
            else
                sbuf_put(&t, u + k, step);
            k += step;
        }
        sbuf_put(&t, "", 1);
        if (t.failed)
            return false;
        p->v[i] = t.p;
        p->len[i] = (int)t.n - 1;
    } else {
        p->v[i] = malloc(n ? n : 1);
        if (!p->v[i])
            return false;
        memcpy(p->v[i], v, n);
        p->len[i] = (int)n;
        p->fmt[i] = 1;
    }
    b->op_bytes += n + sizeof *p;
    return true;
}

static void copy_int_or_null(struct sbuf *b, bool have, int64_t v)
{
    if (have)
        copy_int(b, v);
    else
        copy_null(b);
}

static void put_passport_row(struct store_backend *s, struct batch *b, const struct call *c, size_t pos,
                             const struct call_ident *ci)
{
    const struct passport *pp = &ci->pp;
    struct sbuf *o = &b->pps;
    char dests[PPT_MAX_DEST * (PPT_STR + 4) + 4], warn[160];
    store_dest_json(pp, dests, sizeof dests);
    passport_warnings_str(pp->warnings, warn, sizeof warn);
    bool u = s->utf8;
    copy_int(o, (int64_t)s->seq), copy_sep(o);
    copy_str(o, s->probe_id, u), copy_sep(o);
    copy_text(o, c->call_id, c->call_id_len, u), copy_sep(o);
    copy_int(o, ptime_ns(c->first_seen)), copy_sep(o);
    copy_int(o, (int64_t)pos), copy_sep(o);
    copy_str(o, sip_hdr_name(ci->hdr), u), copy_sep(o);
    copy_str(o, pp->ppt, u), copy_sep(o);
    copy_str(o, pp->alg, u), copy_sep(o);
    copy_str(o, pp->typ, u), copy_sep(o);
    copy_str(o, pp->x5u, u), copy_sep(o);
    copy_str(o, ci->info, u), copy_sep(o);
    copy_str(o, ci->alg_param, u), copy_sep(o);
    copy_str(o, ci->ppt_param, u), copy_sep(o);
    copy_str(o, pp->attest, u), copy_sep(o);
    copy_str(o, pp->origid, u), copy_sep(o);
    copy_str(o, pp->orig_tn[0] ? pp->orig_tn : pp->orig_uri, u), copy_sep(o);
    copy_str(o, pp->json_decoded ? dests : NULL, u), copy_sep(o);
    copy_int_or_null(o, pp->has_iat, pp->iat), copy_sep(o);
    copy_str(o, pp->div_tn, u), copy_sep(o);
    copy_str(o, pp->rcd_nam, u), copy_sep(o);
    copy_int(o, pp->compact), copy_sep(o);
    copy_str(o, pp->result == PPT_OK ? "ok" : passport_result_label(pp->result), u), copy_sep(o);
    copy_str(o, pp->detail, u), copy_sep(o);
    copy_str(o, warn, u), copy_sep(o);
    copy_text(o, ci->jws ? ci->jws : "", ci->jws ? ci->jws_len : 0, u), copy_sep(o);
    copy_str(o, pp->json_decoded && strcmp(pp->ppt, "shaken") == 0 ? ci->chain_id : NULL, u), copy_sep(o);
    copy_str(o, ci->verify_result ? ci->verify_result : "not-verified", u), copy_sep(o);
    copy_str(o, ci->verify_detail, u), copy_eol(o);
}

static int pg_put_call(struct store_backend *s, int64_t capture_id, const struct call *c);
static int pump(struct store_backend *s);

/* The current batch goes to the end of the spool. When the spool already holds
 * spool_bytes, its calls are dropped and counted (its statements, a few hundred bytes
 * of capture records and certificates, are kept). */
static void seal(struct store_backend *s)
{
    struct batch *b = s->cur;
    if (!b)
        return;
    s->cur = NULL;
    if (!b->n_calls && !b->ops) {
        batch_free(b);
        return;
    }
    size_t bytes = batch_bytes(b);
    if (s->head && s->spool_bytes + bytes > s->o.spool_bytes && b->n_calls) {
        s->dropped += b->n_calls;
        stats_inc(s->o.st, ST_DB_SPOOL_DROPPED, b->n_calls);
        sbuf_free(&b->calls);
        sbuf_free(&b->pps);
        b->n_calls = 0;
        b->n_days = 0;
        if (!b->ops) {
            batch_free(b);
            return;
        }
        bytes = batch_bytes(b);
    }
    *s->tail = b;
    s->tail = &b->next;
    s->spool_bytes += bytes;
}

static int pg_put_call(struct store_backend *s, int64_t capture_id, const struct call *c)
{
    if (s->fatal)
        return -1;
    struct batch *b = cur_batch(s);
    if (!b || !batch_day(b, ptime_ns(c->first_seen))) {
        snprintf(s->err, sizeof s->err, "out of memory");
        return -1;
    }
    struct call_row r;
    call_row_fill(c, &r);
    const struct passport *pp = r.shaken;
    struct sbuf *o = &b->calls;
    bool u = s->utf8;
    s->seq++;
    copy_int(o, (int64_t)s->seq), copy_sep(o);
    copy_str(o, s->probe_id, u), copy_sep(o);
    copy_text(o, c->call_id, c->call_id_len, u), copy_sep(o);
    copy_str(o, r.first_seen, u), copy_sep(o);
    copy_int(o, ptime_ns(c->first_seen)), copy_sep(o);
    copy_str(o, r.last_seen, u), copy_sep(o);
    copy_int(o, ptime_ns(c->last_seen)), copy_sep(o);
    copy_str(o, r.src_ip, u), copy_sep(o);
    copy_int(o, c->flow.sport), copy_sep(o);
    copy_str(o, r.dst_ip, u), copy_sep(o);
    copy_int(o, c->flow.dport), copy_sep(o);
    copy_str(o, r.transport, u), copy_sep(o);
    copy_int(o, c->flow.src.version), copy_sep(o);
    copy_str(o, c->ruri_tn, u), copy_sep(o);
    copy_str(o, c->from_tn, u), copy_sep(o);
    copy_str(o, c->to_tn, u), copy_sep(o);
    copy_str(o, c->pai_tn, u), copy_sep(o);
    copy_int_or_null(o, c->final_status != 0, c->final_status), copy_sep(o);
    copy_int(o, c->sip_messages), copy_sep(o);
    copy_str(o, r.identity_header, u), copy_sep(o);
    copy_int(o, (int64_t)c->n_idents), copy_sep(o);
    copy_str(o, r.ppt, u), copy_sep(o);
    copy_str(o, pp ? pp->attest : NULL, u), copy_sep(o);
    copy_str(o, pp ? pp->origid : NULL, u), copy_sep(o);
    copy_str(o, pp ? r.orig_tn : NULL, u), copy_sep(o);
    copy_str(o, pp ? r.dest_tn : NULL, u), copy_sep(o);
    copy_int_or_null(o, pp && pp->has_iat, pp ? pp->iat : 0), copy_sep(o);
    copy_str(o, pp ? pp->x5u : NULL, u), copy_sep(o);
    copy_str(o, c->verstat, u), copy_sep(o);
    copy_str(o, c->verstat_source, u), copy_sep(o);
    copy_str(o, r.verify_result, u), copy_sep(o);
    copy_str(o, c->verify_detail, u), copy_sep(o);
    copy_str(o, pp ? r.chain_id : NULL, u), copy_sep(o);
    copy_int(o, capture_id), copy_sep(o);
    copy_int_or_null(o, c->stir_error != 0, c->stir_error), copy_sep(o);
    copy_str(o, c->stir_error ? c->stir_error_via : NULL, u), copy_sep(o);
    copy_str(o, c->stir_error ? c->stir_error_in : NULL, u), copy_sep(o);
    copy_str(o, c->stir_error ? c->stir_error_text : NULL, u), copy_sep(o);
    copy_int_or_null(o, c->orig_in_cert >= 0, c->orig_in_cert), copy_eol(o);
    for (size_t i = 0; i < c->n_idents; i++)
        put_passport_row(s, b, c, i, c->idents[i]);
    if (b->calls.failed || b->pps.failed) {
        snprintf(s->err, sizeof s->err, "out of memory");
        return -1;
    }
    if (++b->n_calls >= STORE_BATCH) {
        seal(s);
        return pump(s);
    }
    return 0;
}

/* COPY FROM STDIN of one buffer. */
static int copy_buf(struct store_backend *s, const char *sql, const struct sbuf *data, const char *what)
{
    PGresult *r = PQexec(s->conn, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN)
        return check(s, r, what);
    PQclear(r);
    /* In pieces: libpq buffers each and sends when its buffer fills. */
    const size_t piece = 1 << 20;
    for (size_t off = 0; off < data->n; off += piece) {
        size_t n = data->n - off < piece ? data->n - off : piece;
        if (PQputCopyData(s->conn, data->p + off, (int)n) != 1) {
            snprintf(s->err, sizeof s->err, "%s: %s", what, PQerrorMessage(s->conn));
            one_line(s->err);
            return 1;
        }
    }
    if (PQputCopyEnd(s->conn, NULL) != 1) {
        snprintf(s->err, sizeof s->err, "%s: %s", what, PQerrorMessage(s->conn));
        one_line(s->err);
        return 1;
    }
    int rc = 0;
    while ((r = PQgetResult(s->conn)) != NULL) {
        if (rc == 0)
            rc = check(s, r, what);
        else
            PQclear(r);
    }
    return rc;
}

static int upsert_calls(struct store_backend *s)
{
    int rc = exec(s, "SAVEPOINT upsert", "storing calls");
    if (rc)
        return rc;
    PGresult *r = PQexec(s->conn, sql_upsert_calls);
    const char *st = PQresultStatus(r) == PGRES_FATAL_ERROR ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (!st || strcmp(st, "21000") != 0) /* 21000: a row affected twice */
        return check(s, r, "storing calls");
    PQclear(r);
    if ((rc = exec(s, "ROLLBACK TO SAVEPOINT upsert", "storing calls")) ||
        (rc = exec(s, sql_dedup_pp, "storing calls")))
        return rc;
    return exec(s, sql_upsert_calls_dedup, "storing calls");
}

static int send_batch(struct store_backend *s, const struct batch *b)
{
    int rc = ensure_parts(s, b);
    if (rc)
        return rc;
    if ((rc = exec(s, "BEGIN", "storing calls")))
        return rc;
    if (b->n_calls) {
        char sql[512];
        /* The batch's time range prunes the passports partitions the delete looks at. */
        snprintf(sql, sizeof sql,
                 "DELETE FROM passports p USING stage_calls c WHERE p.first_seen_ns BETWEEN %lld AND %lld"
                 " AND p.probe_id = c.probe_id AND p.call_id = c.call_id AND p.first_seen_ns = c.first_seen_ns",
                 (long long)b->min_ns, (long long)b->max_ns);
        char ins[1024];
        snprintf(ins, sizeof ins,
                 "INSERT INTO passports (call_row_id, " PP_COLS ") SELECT c.id, " PP_COLS_P " FROM stage_pp p"
                 " JOIN calls c ON c.probe_id = p.probe_id AND c.call_id = p.call_id"
                 " AND c.first_seen_ns = p.first_seen_ns AND c.first_seen_ns BETWEEN %lld AND %lld"
                 " ORDER BY p.call_seq, p.position",
                 (long long)b->min_ns, (long long)b->max_ns);
        if ((rc = copy_buf(s, "COPY stage_calls FROM STDIN", &b->calls, "storing calls")) ||
            (b->pps.n && (rc = copy_buf(s, "COPY stage_pp FROM STDIN", &b->pps, "storing passports"))) ||
            (rc = upsert_calls(s)) || (rc = exec(s, sql, "replacing passports")) ||
            (b->pps.n && (rc = exec(s, ins, "storing passports"))))
            goto bad;
    }
    for (const struct pop *p = b->ops; p; p = p->next) {
        const char *const *v = (const char *const *)p->v;
        if ((rc = check(s, PQexecParams(s->conn, op_sql[p->op], p->n, NULL, v, p->len, p->fmt, 0),
                        p->op == OP_CERT ? "storing a certificate" : "finishing capture")))
            goto bad;
    }
    if ((rc = exec(s, "COMMIT", "storing calls")))
        goto bad;
    return 0;
bad:
    if (s->conn && PQstatus(s->conn) == CONNECTION_OK)
        PQclear(PQexec(s->conn, "ROLLBACK"));
    return rc;
}

/* Sends what the spool holds, oldest first, reconnecting when it is time to try again.
 * Returns 0 (sent, or kept for later), -1 on a fatal error. Never waits: a server that
 * is away costs one failed connection attempt per backoff step. */
static int pump(struct store_backend *s)
{
    if (s->fatal)
        return -1;
    if (!s->head)
        return 0;
    if (s->lost) {
        if (mono_ms() < s->next_try_ms)
            return 0;
        int rc = connect_db(s);
        if (rc < 0) {
            s->fatal = true;
            return -1;
        }
        if (rc > 0) {
            mark_lost(s);
            return 0;
        }
        s->lost = false;
        s->reconnects++;
        stats_inc(s->o.st, ST_DB_RECONNECTS, 1);
    }
    while (s->head) {
        struct batch *b = s->head;
        int rc = send_batch(s, b);
        if (rc < 0) {
            s->fatal = true;
            return -1;
        }
        if (rc > 0) {
            mark_lost(s);
            return 0;
        }
        s->head = b->next;
        if (!s->head)
            s->tail = &s->head;
        s->spool_bytes -= batch_bytes(b);
        batch_free(b);
    }
    if (s->o.retention_days > 0 && mono_ms() - s->last_retention_ms >= 3600 * 1000) {
        s->last_retention_ms = mono_ms();
        int rc = retention(s);
        if (rc < 0) {
            s->fatal = true;
            return -1;
        }
        if (rc > 0)
            mark_lost(s);
    }
    return 0;
}

static uint64_t spooled_calls(const struct store_backend *s)
{
    uint64_t n = s->cur ? s->cur->n_calls : 0;
    for (const struct batch *b = s->head; b; b = b->next)
        n += b->n_calls;
    return n;
}

/* Everything spooled, sent within wait_sec (the server may be restarting). */
static int drain(struct store_backend *s, int wait_sec)
{
    seal(s);
    int64_t deadline = mono_ms() + (int64_t)wait_sec * 1000;
    for (;;) {
        if (pump(s) < 0)
            return -1;
        if (!s->head && !s->lost)
            return 0;
        int64_t now = mono_ms();
        if (now >= deadline)
            break;
        if (!s->head) { /* nothing to send, but the next statement needs a connection */
            if (now >= s->next_try_ms) {
                int rc = connect_db(s);
                if (rc < 0)
                    return s->fatal = true, -1;
                if (rc == 0) {
                    s->lost = false;
                    s->reconnects++;
                    stats_inc(s->o.st, ST_DB_RECONNECTS, 1);
                    return 0;
                }
                mark_lost(s);
            }
        }
        int64_t until = s->next_try_ms < deadline ? s->next_try_ms : deadline;
        if (until > now) {
            struct timespec ts = { (until - now) / 1000, (long)((until - now) % 1000) * 1000000 };
            nanosleep(&ts, NULL);
        }
    }
    snprintf(s->err, sizeof s->err, "PostgreSQL unreachable for %d s (%.400s)", wait_sec, s->last_conn_err);
    return 1;
}

static int pg_commit(struct store_backend *s)
{
    seal(s);
    return pump(s);
}

static int pg_finish(struct store_backend *s)
{
    int rc = drain(s, s->o.wait_sec);
    if (rc < 0)
        return -1;
    uint64_t left = spooled_calls(s);
    if (rc > 0 || s->dropped) {
        char why[sizeof s->err];
        memcpy(why, s->err, sizeof why);
        snprintf(s->err, sizeof s->err, "%llu calls not stored (%llu dropped while the spool was full%s%.380s)",
                 (unsigned long long)(left + s->dropped), (unsigned long long)s->dropped,
                 left ? ", the rest still spooled: " : "", left ? why : "");
        return -1;
    }
    return 0;
}

static int pg_checkpoint(struct store_backend *s)
{
    return pg_commit(s);
}

static int pg_bulk_noop(struct store_backend *s, uint64_t n)
{
    (void)s, (void)n; /* COPY batches are the bulk path already */
    return 0;
}

static int pg_bulk_end(struct store_backend *s)
{
    (void)s;
    return 0;
}

static const char *pg_errmsg(const struct store_backend *s)
{
    return s->err;
}

/* A statement that needs its answer now (the id of a new capture): the spool goes first,
 * and the server gets wait_sec to come back. */
static int pg_capture_begin(struct store_backend *s, const struct capture_info *ci, int64_t *capture_id)
{
    char now[PTIME_ISO_LEN];
    wall_iso(now);
    for (int attempt = 0;; attempt++) {
        int rc = drain(s, s->o.wait_sec);
        if (rc)
            return -1;
        struct batch tmp = { .ops_tail = &tmp.ops };
        struct pop *p = pop_new(&tmp, OP_CERT);
        bool ok = p && pop_add(s, &tmp, p, ci->source, -1, false) && pop_add(s, &tmp, p, ci->source_key, -1, false) &&
                  pop_add(s, &tmp, p, ci->kind, -1, false) && pop_add(s, &tmp, p, ci->link_type, -1, false) &&
                  pop_add(s, &tmp, p, now, -1, false) && pop_add(s, &tmp, p, s->probe_id, -1, false);
        if (!ok) {
            if (p)
                pop_free(p);
            snprintf(s->err, sizeof s->err, "out of memory");
            return -1;
        }
        PGresult *r = PQexecParams(s->conn,
                                   "INSERT INTO captures (source, source_key, kind, link_type, started_at, status,"
                                   " probe_id) VALUES ($1, $2, $3, $4, $5, 'running', $6)"
                                   " ON CONFLICT (probe_id, source_key) DO UPDATE SET source = excluded.source,"
                                   " link_type = excluded.link_type, started_at = excluded.started_at,"
                                   " finished_at = NULL, status = 'running', message = NULL RETURNING id",
                                   p->n, NULL, (const char *const *)p->v, p->len, p->fmt, 0);
        pop_free(p);
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
            *capture_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
            PQclear(r);
            char id[24];
            snprintf(id, sizeof id, "%lld", (long long)*capture_id);
            const char *pv[1] = { id };
            /* A re-read replaces the counters of the earlier read of the same file. */
            rc = check(s, PQexecParams(s->conn, "DELETE FROM stats WHERE capture_id = $1", 1, NULL, pv, NULL, NULL, 0),
                       "recording capture");
        } else {
            rc = check(s, r, "recording capture");
        }
        if (rc == 0)
            return 0;
        if (rc < 0 || attempt > 0) {
            s->fatal = rc < 0;
            return -1;
        }
        mark_lost(s);
    }
}

static int pg_capture_end(struct store_backend *s, int64_t capture_id, const struct capture_end *ce,
                          const struct stats *stv)
{
    if (s->fatal)
        return -1;
    char now[PTIME_ISO_LEN], first[PTIME_ISO_LEN], last[PTIME_ISO_LEN], pk[24], id[24];
    wall_iso(now);
    ptime_iso(ce->first_packet, first);
    ptime_iso(ce->last_packet, last);
    snprintf(pk, sizeof pk, "%llu", (unsigned long long)ce->packets);
    snprintf(id, sizeof id, "%lld", (long long)capture_id);
    struct batch *b = cur_batch(s);
    struct sbuf names = { 0 }, kinds = { 0 }, values = { 0 };
    for (int i = 0; i < ST__COUNT; i++) {
        if (!stv->v[i])
            continue;
        /* Array literals of our own counter names (letters, digits, '_'): no quoting needed. */
        const char *sep = names.n ? "," : "{";
        sbuf_put(&names, sep, 1), sbuf_put(&kinds, sep, 1), sbuf_put(&values, sep, 1);
        sbuf_put(&names, stats_name((enum stat_id)i), strlen(stats_name((enum stat_id)i)));
        sbuf_put(&kinds, stats_kind((enum stat_id)i), strlen(stats_kind((enum stat_id)i)));
        char v[24];
        int w = snprintf(v, sizeof v, "%llu", (unsigned long long)stv->v[i]);
        sbuf_put(&values, v, (size_t)w);
    }
    sbuf_put(&names, names.n ? "}" : "{}", names.n ? 2 : 3);
    sbuf_put(&kinds, kinds.n ? "}" : "{}", kinds.n ? 2 : 3);
    sbuf_put(&values, values.n ? "}" : "{}", values.n ? 2 : 3);
    struct pop *e = b ? pop_new(b, OP_CAPTURE_END) : NULL;
    bool ok = e && pop_add(s, b, e, now, -1, false) && pop_add(s, b, e, ce->status, -1, false) &&
              pop_add(s, b, e, ce->message, -1, false) && pop_add(s, b, e, pk, -1, false) &&
              pop_add(s, b, e, ce->packets ? first : NULL, -1, false) &&
              pop_add(s, b, e, ce->packets ? last : NULL, -1, false) && pop_add(s, b, e, id, -1, false);
    struct pop *st = ok ? pop_new(b, OP_STATS) : NULL;
    ok = ok && st && !names.failed && !kinds.failed && !values.failed && pop_add(s, b, st, id, -1, false) &&
         pop_add(s, b, st, s->probe_id, -1, false) && pop_add(s, b, st, names.p, -1, false) &&
         pop_add(s, b, st, kinds.p, -1, false) && pop_add(s, b, st, values.p, -1, false);
    sbuf_free(&names), sbuf_free(&kinds), sbuf_free(&values);
    if (!ok) {
        snprintf(s->err, sizeof s->err, "out of memory");
        return -1;
    }
    return pg_commit(s);
}

static int pg_put_cert(struct store_backend *s, const struct verifier_cert_record *r)
{
    if (s->fatal)
        return -1;
    struct batch *b = cur_batch(s);
    struct pop *p = b ? pop_new(b, OP_CERT) : NULL;
    char fetched[PTIME_ISO_LEN], nb[PTIME_ISO_LEN], na[PTIME_ISO_LEN], cu[PTIME_ISO_LEN], http[16];
    ptime_iso((struct ptime){ r->fetched_at, 0 }, fetched);
    snprintf(http, sizeof http, "%d", (int)r->http_status);
    const struct cert_info *in = r->info;
    if (in) {
        ptime_iso((struct ptime){ in->not_before, 0 }, nb);
        ptime_iso((struct ptime){ in->not_after, 0 }, na);
    }
    if (r->cache_until)
        ptime_iso((struct ptime){ r->cache_until, 0 }, cu);
    bool ok = p && pop_add(s, b, p, r->x5u, -1, false) && pop_add(s, b, p, fetched, -1, false) &&
              pop_add(s, b, p, r->status, -1, false) && pop_add(s, b, p, r->http_status ? http : NULL, -1, false) &&
              pop_add(s, b, p, r->error, -1, false) && pop_add(s, b, p, in ? in->subject : NULL, -1, false) &&
              pop_add(s, b, p, in ? in->issuer : NULL, -1, false) &&
              pop_add(s, b, p, in && in->tnauth.n_spc ? in->tnauth.spc[0] : NULL, -1, false) &&
              pop_add(s, b, p, in && in->has_tnauth ? (in->tnauth_error ? "invalid" : in->tnauth_text) : NULL, -1,
                      false) &&
              pop_add(s, b, p, in ? nb : NULL, -1, false) && pop_add(s, b, p, in ? na : NULL, -1, false) &&
              pop_add(s, b, p, in ? in->sha256 : NULL, -1, false) &&
              pop_add(s, b, p, r->cache_until ? cu : NULL, -1, false) &&
              pop_add(s, b, p, r->body && r->body_len ? r->body : NULL, (long)r->body_len, true);
    if (!ok) {
        snprintf(s->err, sizeof s->err, "out of memory");
        return -1;
    }
    return 0;
}

static int pg_load_certs(struct store_backend *s, store_cert_fn fn, void *ctx)
{
    if (!s->conn)
        return 0; /* an empty cache: certificates are fetched again */
    /* Binary results: the body comes back as the bytes stored. */
    PGresult *r = PQexecParams(s->conn,
                               "SELECT x5u, fetched_at, cache_until, pem FROM certificates"
                               " WHERE status = 'ok' AND pem IS NOT NULL AND cache_until IS NOT NULL",
                               0, NULL, NULL, NULL, NULL, 1);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        return check(s, r, "reading certificates") ? -1 : 0;
    for (int i = 0; i < PQntuples(r); i++) {
        char x5u[PPT_URL + 1], fetched[64], until[64];
        snprintf(x5u, sizeof x5u, "%.*s", PQgetlength(r, i, 0), PQgetvalue(r, i, 0));
        snprintf(fetched, sizeof fetched, "%.*s", PQgetlength(r, i, 1), PQgetvalue(r, i, 1));
        snprintf(until, sizeof until, "%.*s", PQgetlength(r, i, 2), PQgetvalue(r, i, 2));
        struct ptime f = { 0, 0 }, u;
        if (PQgetisnull(r, i, 2) || ptime_parse_iso(until, &u) != 0 || PQgetlength(r, i, 3) <= 0)
            continue;
        if (!PQgetisnull(r, i, 1))
            ptime_parse_iso(fetched, &f);
        fn(ctx, x5u, (const uint8_t *)PQgetvalue(r, i, 3), (size_t)PQgetlength(r, i, 3), f.sec, u.sec);
    }
    PQclear(r);
    return 0;
}

static void pg_close(struct store_backend *s)
{
    if (!s)
        return;
    batch_free(s->cur);
    for (struct batch *b = s->head, *n; b; b = n) {
        n = b->next;
        batch_free(b);
    }
    PQfinish(s->conn);
    free(s->parts);
    free(s->url);
    free(s);
}

static struct store_backend *pg_open(const char *url, const struct store_opts *o, char *err, size_t errlen)
{
    struct store_backend *s = calloc(1, sizeof *s);
    if (!s || !(s->url = strdup(url))) {
        snprintf(err, errlen, "%s: out of memory", url);
        free(s);
        return NULL;
    }
    s->tail = &s->head;
    if (o)
        s->o = *o;
    if (!s->o.spool_bytes)
        s->o.spool_bytes = (size_t)STORE_DEFAULT_SPOOL_MB << 20;
    char host[256];
    snprintf(s->probe_id, sizeof s->probe_id, "%s", store_probe_id(o, host, sizeof host));
    int rc = connect_db(s);
    if (rc == 0) {
        s->last_retention_ms = mono_ms();
        rc = retention(s);
    }
    if (rc != 0) {
        /* The URL may carry a password: name the database by what the server said only. */
        snprintf(err, errlen, "PostgreSQL: %s", s->err);
        pg_close(s);
        return NULL;
    }
    return s;
}

const struct store_ops store_pg_ops = {
    .open = pg_open,
    .close = pg_close,
    .capture_begin = pg_capture_begin,
    .capture_end = pg_capture_end,
    .put_call = pg_put_call,
    .commit = pg_commit,
    .finish = pg_finish,
    .put_cert = pg_put_cert,
    .load_certs = pg_load_certs,
    .checkpoint = pg_checkpoint,
    .bulk_begin = pg_bulk_noop,
    .bulk_end = pg_bulk_end,
    .errmsg = pg_errmsg,
};
