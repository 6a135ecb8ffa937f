/* summary: the SQLite backend of the store: schema, WAL, prepared statements, batched
 * transactions; and the read side of an SQLite file (read-only, optional probe filter). */
#include "db/store_backend.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


extern const char stirprobe_schema_sql[]; /* db/schema.sql, embedded at build time */

enum stmt_id {
    Q_CALL_UPSERT,
    Q_CALL_ID,
    Q_PASSPORTS_DELETE,
    Q_PASSPORT_INSERT,
    Q_STAT_UPSERT,
    Q_CERT_UPSERT,
    Q__COUNT
};

static const char *const stmt_sql[Q__COUNT] = {
    [Q_CALL_UPSERT] =
        "INSERT INTO calls (call_id, first_seen, first_seen_ns, last_seen, last_seen_ns, src_ip, src_port,"
        " dst_ip, dst_port, transport, ip_version, ruri_tn, from_tn, to_tn, pai_tn, final_status,"
        " sip_messages, identity_header, identity_count, ppt, attest, origid, orig_tn, dest_tn, iat, x5u,"
        " verstat, verstat_source, verify_result, verify_detail, chain_id, capture_id, stir_error,"
        " stir_error_via, stir_error_in, stir_error_text, orig_in_cert)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,"
        "?25,?26,?27,?28,?29,?30,?31,?32,?33,?34,?35,?36,?37)"
        " ON CONFLICT (first_seen_ns, call_id) DO UPDATE SET"
        " first_seen=excluded.first_seen, last_seen=excluded.last_seen, last_seen_ns=excluded.last_seen_ns,"
        " src_ip=excluded.src_ip, src_port=excluded.src_port, dst_ip=excluded.dst_ip,"
        " dst_port=excluded.dst_port, transport=excluded.transport, ip_version=excluded.ip_version,"
        " ruri_tn=excluded.ruri_tn, from_tn=excluded.from_tn, to_tn=excluded.to_tn,"
        " pai_tn=excluded.pai_tn, final_status=excluded.final_status,"
        " sip_messages=excluded.sip_messages, identity_header=excluded.identity_header,"
        " identity_count=excluded.identity_count, ppt=excluded.ppt, attest=excluded.attest,"
        " origid=excluded.origid, orig_tn=excluded.orig_tn, dest_tn=excluded.dest_tn,"
        " iat=excluded.iat, x5u=excluded.x5u, verstat=excluded.verstat,"
        " verstat_source=excluded.verstat_source, verify_result=excluded.verify_result,"
        " verify_detail=excluded.verify_detail, chain_id=excluded.chain_id,"
        " capture_id=excluded.capture_id, stir_error=excluded.stir_error,"
        " stir_error_via=excluded.stir_error_via, stir_error_in=excluded.stir_error_in,"
        " stir_error_text=excluded.stir_error_text, orig_in_cert=excluded.orig_in_cert",
    [Q_CALL_ID] = "SELECT id FROM calls WHERE call_id = ?1 AND first_seen_ns = ?2",
    [Q_PASSPORTS_DELETE] = "DELETE FROM passports WHERE call_row_id = ?1",
    [Q_PASSPORT_INSERT] =
        "INSERT INTO passports (call_row_id, position, header_name, ppt, alg, typ, x5u, info, alg_param,"
        " ppt_param, attest, origid, orig_tn, dest_tn, iat, div_tn, rcd_nam, compact, decode_result,"
        " decode_detail, warnings, raw_jws, chain_id, verify_result, verify_detail)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,"
        "?24,?25)",
    [Q_STAT_UPSERT] = ("INSERT INTO stats (capture_id, name, kind, value) VALUES (?1,?2,?3,?4)"
                       " ON CONFLICT (capture_id, name) DO UPDATE SET value = excluded.value"),
    [Q_CERT_UPSERT] =
        "INSERT INTO certificates (x5u, fetched_at, status, http_status, error, subject, issuer, spc,"
        " tnauthlist, not_before, not_after, sha256, cache_until, pem)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)"
        " ON CONFLICT (x5u) DO UPDATE SET fetched_at=excluded.fetched_at, status=excluded.status,"
        " http_status=excluded.http_status, error=excluded.error, subject=excluded.subject,"
        " issuer=excluded.issuer, spc=excluded.spc, tnauthlist=excluded.tnauthlist,"
        " not_before=excluded.not_before, not_after=excluded.not_after, sha256=excluded.sha256,"
        " cache_until=excluded.cache_until, pem=excluded.pem",
};

struct store_backend {
    sqlite3 *db;
    sqlite3_stmt *q[Q__COUNT];
    unsigned pending;
    bool in_txn;
    bool bulk;         /* sq_bulk_begin() dropped the calls indexes */
    bool bulk_journal; /* ... and switched to a rollback journal until sq_bulk_end() */
    char err[256];
    char probe_id[256]; /* recorded in each captures row */
};

static void sq_close(struct store_backend *s);

static int fail(struct store_backend *s, const char *what)
{
    snprintf(s->err, sizeof s->err, "%s: %s", what, sqlite3_errmsg(s->db));
    return -1;
}

static const char *sq_errmsg(const struct store_backend *s)
{
    return s->err;
}

static void wall_iso(char *buf)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ptime_iso((struct ptime){ ts.tv_sec, (uint32_t)ts.tv_nsec }, buf);
}

static int exec(struct store_backend *s, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(s->err, sizeof s->err, "%s", msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* The first column of the first row of sql, as a string the caller sqlite3_free()s
 * (NULL when there is no row). */
static int query_text(struct store_backend *s, const char *sql, char **out)
{
    sqlite3_stmt *st;
    *out = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail(s, sql);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
        *out = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(s, sql);
}

/* ---- the schema's secondary indexes -------------------------------------------------------
 *
 * db/schema.sql is the contract for which indexes exist, so it is also where a bulk read
 * finds the ones to drop and how to create them again: its "CREATE INDEX IF NOT EXISTS
 * name ON table" statements. */

/* Calls fn(ctx, statement) for each statement of db/schema.sql, from its first keyword
 * (blanks and -- comments skipped) to its ';', until fn returns non-zero. Returns that,
 * or SCHEMA_OOM when out of memory. A copy is cut at each ';' in turn: sqlite3_complete() says
 * whether that ';' ends a statement or sits in a comment, a string or a trigger body. */
#define SCHEMA_OOM (-2)

static int each_schema_statement(int (*fn)(void *ctx, const char *sql), void *ctx)
{
    char *text = strdup(stirprobe_schema_sql);
    if (!text)
        return SCHEMA_OOM;
    int rc = 0;
    char *start = text;
    for (char *p = text; *p && rc == 0; p++) {
        if (*p != ';')
            continue;
        char saved = p[1];
        p[1] = '\0';
        if (sqlite3_complete(start)) {
            char *q = start;
            for (;;) {
                q += strspn(q, " \t\r\n");
                if (q[0] == '-' && q[1] == '-')
                    q += strcspn(q, "\n");
                else
                    break;
            }
            rc = fn(ctx, q);
            start = p + 1;
        }
        p[1] = saved;
    }
    free(text);
    return rc;
}

typedef int (*schema_index_fn)(struct store_backend *s, const char *sql, const char *name, const char *table);

struct index_walk {
    struct store_backend *s;
    schema_index_fn fn;
};

static int index_statement(void *ctx, const char *sql)
{
    struct index_walk *w = ctx;
    char name[64], table[64];
    if (strncasecmp(sql, "CREATE INDEX IF NOT EXISTS ", 27) != 0 ||
        sscanf(sql + 27, "%63[A-Za-z0-9_] ON %63[A-Za-z0-9_]", name, table) != 2)
        return 0;
    return w->fn(w->s, sql, name, table);
}

static int each_schema_index(struct store_backend *s, schema_index_fn fn)
{
    struct index_walk w = { s, fn };
    int rc = each_schema_statement(index_statement, &w);
    if (rc == SCHEMA_OOM) {
        snprintf(s->err, sizeof s->err, "out of memory");
        return -1;
    }
    return rc;
}

static int drop_calls_index(struct store_backend *s, const char *sql, const char *name, const char *table)
{
    (void)sql;
    char q[128];
    /* The calls' secondary indexes are all on random keys (Call-ID, chain, origid): a
     * page anywhere per row. The UNIQUE (first_seen_ns, call_id) key stays: calls are
     * stored as they end, close to the order they began, so its new entries land on
     * its last pages, which stay in the cache. */
    if (strcmp(table, "calls") != 0)
        return 0;
    snprintf(q, sizeof q, "DROP INDEX IF EXISTS \"%s\"", name);
    return exec(s, q);
}

static int create_index(struct store_backend *s, const char *sql, const char *name, const char *table)
{
    (void)name, (void)table;
    return exec(s, sql);
}

/* On open: an index that a crashed bulk read left dropped is created again. A database
 * of an older schema may lack a column some index needs; that index cannot exist there. */
static int create_index_if_possible(struct store_backend *s, const char *sql, const char *name, const char *table)
{
    (void)name, (void)table;
    sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return 0;
}

static int user_version(struct store_backend *s, int *v)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return fail(s, "reading schema version");
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        return fail(s, "reading schema version");
    }
    *v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return 0;
}

/* The schema script (every statement is IF NOT EXISTS / OR IGNORE) and this version. */
static int install_schema(struct store_backend *s)
{
    char now[PTIME_ISO_LEN], sql[160];
    wall_iso(now);
    snprintf(sql, sizeof sql, "INSERT INTO schema_version VALUES (%d, '%s'); PRAGMA user_version = %d",
             STORE_SCHEMA_VERSION, now, STORE_SCHEMA_VERSION);
    return exec(s, stirprobe_schema_sql) || exec(s, sql) ? -1 : 0;
}

/* A database written by an older stirprobe is brought to this schema in the same
 * transaction: new columns by ALTER TABLE (they come last), old views dropped (their
 * definitions may have grown), then the schema script adds the new tables and views.
 * Calls already stored are untouched. from == 0 is a new database. */
static int upgrade_schema(struct store_backend *s, int from)
{
    static const char v2[] =
        "ALTER TABLE calls ADD COLUMN stir_error INTEGER;"
        "ALTER TABLE calls ADD COLUMN stir_error_via TEXT;"
        "ALTER TABLE calls ADD COLUMN stir_error_in TEXT;"
        "ALTER TABLE calls ADD COLUMN stir_error_text TEXT;"
        "ALTER TABLE calls ADD COLUMN orig_in_cert INTEGER;"
        "DROP VIEW IF EXISTS attestation_report; DROP VIEW IF EXISTS origid_report;"
        "DROP VIEW IF EXISTS traceback_chains; DROP VIEW IF EXISTS verification_failures;";
    static const char v3[] = "ALTER TABLE captures ADD COLUMN probe_id TEXT;";
    if (exec(s, "BEGIN IMMEDIATE") || (from == 1 && exec(s, v2)) || (from >= 1 && from < 3 && exec(s, v3)) ||
        install_schema(s) || exec(s, "COMMIT")) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

/* SQLite says "unable to open database file" or "attempt to write a readonly database";
 * say which file cannot be written and why. A WAL database also needs its directory
 * (for the -wal and -shm files). */
static const char *ro_hint(const char *path, char *buf, size_t cap)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    if (access(path, F_OK) == 0 && access(path, W_OK) != 0)
        snprintf(buf, cap, " (the database file is read-only: %s)", strerror(errno));
    else if (access(dir, W_OK) != 0)
        snprintf(buf, cap, " (cannot write in %s, where the database and its -wal/-shm files go: %s)", dir,
                 strerror(errno));
    else
        buf[0] = '\0';
    return buf;
}

/* SQLite's allocation statistics take a global mutex on every allocation (3 % of a
 * bulk read in perf); nothing here reads them. Only possible before SQLite starts. */
static void sqlite_tune(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static struct store_backend *sq_open(const char *path, const struct store_opts *o, char *err, size_t errlen)
{
    static pthread_once_t tuned = PTHREAD_ONCE_INIT;
    pthread_once(&tuned, sqlite_tune);
    char hint[4200];
    struct store_backend *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    char host[256];
    snprintf(s->probe_id, sizeof s->probe_id, "%s", store_probe_id(o, host, sizeof host));
    /* NOMUTEX: one thread at a time uses the connection (the writer thread, or the
     * pipeline after store_writer_sync()), so SQLite's own per-call locking is waste. */
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot open database: %s%s", path, sqlite3_errmsg(s->db),
                 ro_hint(path, hint, sizeof hint));
        goto bad;
    }
    sqlite3_busy_timeout(s->db, 10000);
    int v;
    if (exec(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON") ||
        user_version(s, &v)) {
        snprintf(err, errlen, "%s: cannot open database: %s%s", path, s->err, ro_hint(path, hint, sizeof hint));
        goto bad;
    }
    if (v < STORE_SCHEMA_VERSION && upgrade_schema(s, v)) {
        if (v == 0)
            snprintf(err, errlen, "%s: creating schema: %s", path, s->err);
        else
            snprintf(err, errlen, "%s: upgrading schema %d to %d: %s", path, v, STORE_SCHEMA_VERSION, s->err);
        goto bad;
    } else if (v > STORE_SCHEMA_VERSION) {
        snprintf(err, errlen, "%s: database schema version %d is newer than this stirprobe (%d)", path, v,
                 STORE_SCHEMA_VERSION);
        goto bad;
    } else {
        each_schema_index(s, create_index_if_possible);
    }
    for (int i = 0; i < Q__COUNT; i++) {
        if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->q[i], NULL) !=
            SQLITE_OK) {
            snprintf(err, errlen, "%s: preparing statements: %s", path, sqlite3_errmsg(s->db));
            goto bad;
        }
    }
    return s;
bad:
    sq_close(s);
    return NULL;
}

static int begin_if_needed(struct store_backend *s)
{
    if (s->in_txn)
        return 0;
    if (exec(s, "BEGIN IMMEDIATE"))
        return -1;
    s->in_txn = true;
    return 0;
}

static int sq_commit(struct store_backend *s)
{
    if (!s->in_txn)
        return 0;
    if (exec(s, "COMMIT"))
        return -1;
    s->in_txn = false;
    s->pending = 0;
    return 0;
}

static int sq_checkpoint(struct store_backend *s)
{
    if (sq_commit(s))
        return -1;
    int log = 0, done = 0;
    if (sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done) != SQLITE_OK)
        return fail(s, "checkpoint");
    return 0;
}

static int sq_bulk_begin(struct store_backend *s, uint64_t expected_calls)
{
    if (s->bulk)
        return 0;
    /* Rebuilding costs a pass over every row, old ones included; maintaining costs a
     * random page per new row. Bulk only pays when the new rows are the larger part. */
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT COALESCE(MAX(id), 0) FROM calls", -1, &st, NULL) != SQLITE_OK)
        return fail(s, "sizing the calls table");
    int64_t have = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (expected_calls == 0 || (uint64_t)have >= expected_calls) /* stdin, or few new rows */
        return 0;
    /* A batch's new pages and the UNIQUE (call_id, first_seen_ns) index, whose pages
     * a random Call-ID may touch anywhere, stay in the page cache (default 2 MiB). */
    /* No fsync at each commit meanwhile (the pipeline would stall on every one); the
     * read ends with synchronous back to NORMAL, and closing syncs once. A process
     * crash still loses at most a batch; an OS crash during the read may need it again. */
    if (sq_commit(s) || exec(s, "PRAGMA cache_size = -16384; PRAGMA synchronous = OFF") || begin_if_needed(s) ||
        each_schema_index(s, drop_calls_index) || sq_commit(s))
        return -1;
    /* A rollback journal for the load: rows appended to the file are written once,
     * where the write-ahead log writes every page twice (log, then checkpoint). A
     * process killed mid-batch leaves a hot journal that the next open rolls back.
     * Readers meanwhile wait out each commit instead of reading beside it. When
     * another connection holds the file, SQLite keeps WAL and nothing changes. */
    char *mode = NULL;
    if (query_text(s, "PRAGMA journal_mode = TRUNCATE", &mode))
        return -1;
    s->bulk_journal = mode && strcmp(mode, "truncate") == 0;
    sqlite3_free(mode);
    s->bulk = true;
    return 0;
}

static int sq_bulk_end(struct store_backend *s)
{
    if (!s->bulk)
        return 0;
    /* Rebuilding sorts every key: SQLite may sort on a second thread meanwhile. */
    if (sq_commit(s) || exec(s, "PRAGMA threads = 2") || begin_if_needed(s) || each_schema_index(s, create_index) ||
        sq_commit(s) ||
        (s->bulk_journal && exec(s, "PRAGMA journal_mode = WAL")) ||
        exec(s, "PRAGMA cache_size = -2000; PRAGMA synchronous = NORMAL"))
        return -1;
    s->bulk = s->bulk_journal = false;
    return 0;
}

static void sq_close(struct store_backend *s)
{
    if (!s)
        return;
    if (s->db && s->in_txn)
        sq_commit(s);
    if (s->db && s->bulk)
        sq_bulk_end(s);
    for (int i = 0; i < Q__COUNT; i++)
        sqlite3_finalize(s->q[i]);
    sqlite3_close(s->db);
    free(s);
}

/* Empty strings are NULL in the database: "no value" has one spelling for SQL users.
 * Not copied (SQLITE_STATIC): every caller steps and resets the statement while v
 * is still alive. */
static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static int run(struct store_backend *s, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return fail(s, what);
    return 0;
}

static int sq_capture_begin(struct store_backend *s, const struct capture_info *ci, int64_t *capture_id)
{
    char now[PTIME_ISO_LEN];
    sqlite3_stmt *st = NULL;
    int rc = -1;
    wall_iso(now);
    if (sq_commit(s) || begin_if_needed(s))
        return -1;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO captures (source, source_key, kind, link_type, started_at, status, probe_id)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6)"
                           " ON CONFLICT (source_key) DO UPDATE SET source = excluded.source,"
                           " link_type = excluded.link_type, started_at = excluded.started_at,"
                           " probe_id = excluded.probe_id,"
                           " finished_at = NULL, status = 'running', message = NULL"
                           " RETURNING id",
                           -1, &st, NULL) != SQLITE_OK) {
        fail(s, "recording capture");
        goto out;
    }
    bind_text(st, 1, ci->source);
    bind_text(st, 2, ci->source_key);
    bind_text(st, 3, ci->kind);
    bind_text(st, 4, ci->link_type);
    bind_text(st, 5, now);
    bind_text(st, 6, s->probe_id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        fail(s, "recording capture");
        goto out;
    }
    *capture_id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    /* A re-read replaces the counters of the earlier read of the same file. */
    char sql[96];
    snprintf(sql, sizeof sql, "DELETE FROM stats WHERE capture_id = %lld", (long long)*capture_id);
    if (exec(s, sql) || sq_commit(s))
        goto out;
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

static int sq_capture_end(struct store_backend *s, int64_t capture_id, const struct capture_end *ce,
                      const struct stats *stv)
{
    char now[PTIME_ISO_LEN], first[PTIME_ISO_LEN], last[PTIME_ISO_LEN];
    sqlite3_stmt *st = NULL;
    int rc = -1;
    wall_iso(now);
    ptime_iso(ce->first_packet, first);
    ptime_iso(ce->last_packet, last);
    if (begin_if_needed(s))
        return -1;
    for (int i = 0; i < ST__COUNT; i++) {
        if (!stv->v[i])
            continue;
        sqlite3_stmt *q = s->q[Q_STAT_UPSERT];
        sqlite3_bind_int64(q, 1, capture_id);
        sqlite3_bind_text(q, 2, stats_name((enum stat_id)i), -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, stats_kind((enum stat_id)i), -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 4, (sqlite3_int64)stv->v[i]);
        if (run(s, q, "storing counters"))
            goto out;
    }
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE captures SET finished_at = ?1, status = ?2, message = ?3, packets = ?4,"
                           " first_packet = ?5, last_packet = ?6 WHERE id = ?7",
                           -1, &st, NULL) != SQLITE_OK) {
        fail(s, "finishing capture");
        goto out;
    }
    bind_text(st, 1, now);
    bind_text(st, 2, ce->status);
    bind_text(st, 3, ce->message);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)ce->packets);
    if (ce->packets) {
        bind_text(st, 5, first);
        bind_text(st, 6, last);
    }
    sqlite3_bind_int64(st, 7, capture_id);
    if (sqlite3_step(st) != SQLITE_DONE) {
        fail(s, "finishing capture");
        goto out;
    }
    rc = sq_commit(s);
out:
    sqlite3_finalize(st);
    return rc;
}

/* JSON array text of dest TNs; TN claims are digits or were JSON strings already. */
void store_dest_json(const struct passport *pp, char *buf, size_t cap)
{
    size_t off = 0;
    off += (size_t)snprintf(buf, cap, "[");
    for (size_t i = 0; i < pp->n_dest_tn && off < cap; i++) {
        int w = snprintf(buf + off, cap - off, "%s\"", i ? "," : "");
        if (w < 0 || (size_t)w >= cap - off)
            break;
        off += (size_t)w;
        for (const char *c = pp->dest_tn[i]; *c && off + 7 < cap; c++) {
            unsigned char u = (unsigned char)*c;
            if (u == '"' || u == '\\')
                off += (size_t)snprintf(buf + off, cap - off, "\\%c", u);
            else if (u < 0x20)
                off += (size_t)snprintf(buf + off, cap - off, "\\u%04x", u);
            else
                buf[off++] = (char)u;
        }
        if (off + 1 < cap)
            buf[off++] = '"';
    }
    if (off + 2 <= cap) {
        buf[off++] = ']';
        buf[off] = '\0';
    } else {
        snprintf(buf, cap, "[]");
    }
}

static const char *hdr_label(enum sip_hdr_id id)
{
    return sip_hdr_name(id);
}

static int put_passport(struct store_backend *s, int64_t row, size_t pos, const struct call_ident *ci)
{
    const struct passport *pp = &ci->pp;
    sqlite3_stmt *q = s->q[Q_PASSPORT_INSERT];
    char dests[PPT_MAX_DEST * (PPT_STR + 4) + 4], warn[160];
    store_dest_json(pp, dests, sizeof dests);
    passport_warnings_str(pp->warnings, warn, sizeof warn);
    sqlite3_bind_int64(q, 1, row);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)pos);
    bind_text(q, 3, hdr_label(ci->hdr));
    bind_text(q, 4, pp->ppt);
    bind_text(q, 5, pp->alg);
    bind_text(q, 6, pp->typ);
    bind_text(q, 7, pp->x5u);
    bind_text(q, 8, ci->info);
    bind_text(q, 9, ci->alg_param);
    bind_text(q, 10, ci->ppt_param);
    bind_text(q, 11, pp->attest);
    bind_text(q, 12, pp->origid);
    bind_text(q, 13, pp->orig_tn[0] ? pp->orig_tn : pp->orig_uri);
    if (pp->json_decoded)
        bind_text(q, 14, dests);
    if (pp->has_iat)
        sqlite3_bind_int64(q, 15, pp->iat);
    bind_text(q, 16, pp->div_tn);
    bind_text(q, 17, pp->rcd_nam);
    sqlite3_bind_int(q, 18, pp->compact);
    bind_text(q, 19, pp->result == PPT_OK ? "ok" : passport_result_label(pp->result));
    bind_text(q, 20, pp->detail);
    bind_text(q, 21, warn);
    sqlite3_bind_text(q, 22, ci->jws, (int)ci->jws_len, SQLITE_STATIC);
    if (pp->json_decoded && strcmp(pp->ppt, "shaken") == 0)
        bind_text(q, 23, ci->chain_id);
    bind_text(q, 24, ci->verify_result ? ci->verify_result : "not-verified");
    bind_text(q, 25, ci->verify_detail);
    return run(s, q, "storing passport");
}

static int sq_put_call(struct store_backend *s, int64_t capture_id, const struct call *c)
{
    if (begin_if_needed(s))
        return -1;
    struct call_row r;
    call_row_fill(c, &r);
    const struct passport *pp = r.shaken;

    sqlite3_stmt *q = s->q[Q_CALL_UPSERT];
    sqlite3_bind_text(q, 1, c->call_id, (int)c->call_id_len, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, r.first_seen, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, ptime_ns(c->first_seen));
    sqlite3_bind_text(q, 4, r.last_seen, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, ptime_ns(c->last_seen));
    bind_text(q, 6, r.src_ip);
    sqlite3_bind_int(q, 7, c->flow.sport);
    bind_text(q, 8, r.dst_ip);
    sqlite3_bind_int(q, 9, c->flow.dport);
    bind_text(q, 10, r.transport);
    sqlite3_bind_int(q, 11, c->flow.src.version);
    bind_text(q, 12, c->ruri_tn);
    bind_text(q, 13, c->from_tn);
    bind_text(q, 14, c->to_tn);
    bind_text(q, 15, c->pai_tn);
    if (c->final_status)
        sqlite3_bind_int(q, 16, c->final_status);
    sqlite3_bind_int64(q, 17, c->sip_messages);
    bind_text(q, 18, r.identity_header);
    sqlite3_bind_int64(q, 19, (sqlite3_int64)c->n_idents);
    bind_text(q, 20, r.ppt);
    if (pp) {
        bind_text(q, 21, pp->attest);
        bind_text(q, 22, pp->origid);
        bind_text(q, 23, r.orig_tn);
        bind_text(q, 24, r.dest_tn);
        if (pp->has_iat)
            sqlite3_bind_int64(q, 25, pp->iat);
        bind_text(q, 26, pp->x5u);
        bind_text(q, 31, r.chain_id);
    }
    bind_text(q, 27, c->verstat);
    bind_text(q, 28, c->verstat_source);
    bind_text(q, 29, r.verify_result);
    bind_text(q, 30, c->verify_detail);
    sqlite3_bind_int64(q, 32, capture_id);
    if (c->stir_error) {
        sqlite3_bind_int(q, 33, c->stir_error);
        bind_text(q, 34, c->stir_error_via);
        bind_text(q, 35, c->stir_error_in);
        bind_text(q, 36, c->stir_error_text);
    }
    if (c->orig_in_cert >= 0)
        sqlite3_bind_int(q, 37, c->orig_in_cert);

    /* No RETURNING: SQLite runs it through a temporary table per statement. A fresh
     * insert moves last_insert_rowid (the common case, nothing to replace); an update
     * does not, and the row is looked up by its key. */
    sqlite3_int64 before = sqlite3_last_insert_rowid(s->db);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    if (rc != SQLITE_DONE)
        return fail(s, "storing call");
    int64_t row = sqlite3_last_insert_rowid(s->db);
    if (row == before) {
        sqlite3_stmt *id = s->q[Q_CALL_ID];
        sqlite3_bind_text(id, 1, c->call_id, (int)c->call_id_len, SQLITE_STATIC);
        sqlite3_bind_int64(id, 2, ptime_ns(c->first_seen));
        rc = sqlite3_step(id);
        row = rc == SQLITE_ROW ? sqlite3_column_int64(id, 0) : 0;
        sqlite3_reset(id);
        sqlite3_clear_bindings(id);
        if (rc != SQLITE_ROW)
            return fail(s, "finding the stored call");
        sqlite3_stmt *del = s->q[Q_PASSPORTS_DELETE];
        sqlite3_bind_int64(del, 1, row);
        if (run(s, del, "replacing passports"))
            return -1;
    }
    for (size_t i = 0; i < c->n_idents; i++)
        if (put_passport(s, row, i, c->idents[i]))
            return -1;
    if (++s->pending >= (s->bulk ? STORE_BULK_BATCH : STORE_BATCH))
        return sq_commit(s);
    return 0;
}

/* ---- certificates ------------------------------------------------------------------------ */

static void bind_epoch(sqlite3_stmt *st, int i, int64_t sec)
{
    char iso[PTIME_ISO_LEN];
    ptime_iso((struct ptime){ sec, 0 }, iso);
    sqlite3_bind_text(st, i, iso, -1, SQLITE_TRANSIENT);
}

static int sq_put_cert(struct store_backend *s, const struct verifier_cert_record *r)
{
    if (begin_if_needed(s))
        return -1;
    sqlite3_stmt *st = s->q[Q_CERT_UPSERT];
    bind_text(st, 1, r->x5u);
    bind_epoch(st, 2, r->fetched_at);
    bind_text(st, 3, r->status);
    if (r->http_status)
        sqlite3_bind_int64(st, 4, r->http_status);
    bind_text(st, 5, r->error);
    if (r->info) {
        bind_text(st, 6, r->info->subject);
        bind_text(st, 7, r->info->issuer);
        if (r->info->tnauth.n_spc)
            bind_text(st, 8, r->info->tnauth.spc[0]);
        bind_text(st, 9, r->info->has_tnauth ? (r->info->tnauth_error ? "invalid" : r->info->tnauth_text) : NULL);
        bind_epoch(st, 10, r->info->not_before);
        bind_epoch(st, 11, r->info->not_after);
        bind_text(st, 12, r->info->sha256);
    }
    if (r->cache_until)
        bind_epoch(st, 13, r->cache_until);
    /* PEM is text; a DER body is kept as it came, as a blob. */
    if (r->body && r->body_len) {
        bool text = r->body_len > 10 && memmem(r->body, r->body_len, "-----BEGIN", 10);
        if (text)
            sqlite3_bind_text(st, 14, (const char *)r->body, (int)r->body_len, SQLITE_TRANSIENT);
        else
            sqlite3_bind_blob(st, 14, r->body, (int)r->body_len, SQLITE_TRANSIENT);
    }
    return run(s, st, "storing a certificate");
}

static int sq_load_certs(struct store_backend *s, store_cert_fn fn, void *ctx)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT x5u, fetched_at, cache_until, pem FROM certificates"
                           " WHERE status = 'ok' AND pem IS NOT NULL AND cache_until IS NOT NULL",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(s, "reading certificates");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *x5u = (const char *)sqlite3_column_text(st, 0);
        const char *fetched = (const char *)sqlite3_column_text(st, 1);
        const char *until = (const char *)sqlite3_column_text(st, 2);
        const void *body = sqlite3_column_blob(st, 3);
        int len = sqlite3_column_bytes(st, 3);
        struct ptime f = { 0, 0 }, u;
        if (!x5u || !until || !body || len <= 0 || ptime_parse_iso(until, &u) != 0)
            continue;
        if (fetched)
            ptime_parse_iso(fetched, &f);
        fn(ctx, x5u, body, (size_t)len, f.sec, u.sec);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail(s, "reading certificates");
}

static int sq_finish(struct store_backend *s)
{
    return sq_commit(s);
}

const struct store_ops store_sqlite_ops = {
    .open = sq_open,
    .close = sq_close,
    .capture_begin = sq_capture_begin,
    .capture_end = sq_capture_end,
    .put_call = sq_put_call,
    .commit = sq_commit,
    .finish = sq_finish,
    .put_cert = sq_put_cert,
    .load_certs = sq_load_certs,
    .checkpoint = sq_checkpoint,
    .bulk_begin = sq_bulk_begin,
    .bulk_end = sq_bulk_end,
    .errmsg = sq_errmsg,
};

/* ---- read side ---------------------------------------------------------------------------- */

struct view_walk {
    sqlite3 *db;
    char *err;
    size_t errlen;
};

static int temp_view_statement(void *ctx, const char *stmt)
{
    struct view_walk *w = ctx;
    static const char head[] = "CREATE VIEW IF NOT EXISTS ";
    if (strncasecmp(stmt, head, sizeof head - 1) != 0)
        return 0;
    char *sql = sqlite3_mprintf("CREATE TEMP VIEW %s", stmt + sizeof head - 1);
    char *msg = NULL;
    int rc = 0;
    if (!sql || sqlite3_exec(w->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(w->err, w->errlen, "probe filter: %s", msg ? msg : "out of memory");
        rc = 1;
    }
    sqlite3_free(msg);
    sqlite3_free(sql);
    return rc;
}

/* Every view of db/schema.sql again as a TEMP view: a view of the main schema always
 * reads main's tables, a TEMP one reads whatever the name resolves to first — the TEMP
 * views below that keep only the selected probes' rows. */
static int temp_views(sqlite3 *db, char *err, size_t errlen)
{
    struct view_walk w = { db, err, errlen };
    int rc = each_schema_statement(temp_view_statement, &w);
    if (rc == SCHEMA_OOM)
        snprintf(err, errlen, "out of memory");
    return rc ? -1 : 0;
}

static int probe_filter(sqlite3 *db, const struct read_filter *f, char *err, size_t errlen)
{
    static const char tables[] =
        "CREATE TEMP TABLE stirprobe_probes (probe_id TEXT PRIMARY KEY);"
        "CREATE TEMP VIEW captures AS SELECT * FROM main.captures"
        " WHERE probe_id IN (SELECT probe_id FROM temp.stirprobe_probes);"
        "CREATE TEMP VIEW calls AS SELECT * FROM main.calls WHERE capture_id IN (SELECT id FROM temp.captures);"
        "CREATE TEMP VIEW passports AS SELECT * FROM main.passports WHERE call_row_id IN (SELECT id FROM temp.calls);"
        "CREATE TEMP VIEW stats AS SELECT * FROM main.stats WHERE capture_id IN (SELECT id FROM temp.captures);";
    char *msg = NULL;
    if (sqlite3_exec(db, tables, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "probe filter: %s%s", msg ? msg : sqlite3_errmsg(db),
                 msg && strstr(msg, "probe_id") ? " (a database of an older stirprobe: run any `stirprobe read`"
                                                  " on it once to upgrade it)" : "");
        sqlite3_free(msg);
        return -1;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO temp.stirprobe_probes VALUES (?1)", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "probe filter: %s", sqlite3_errmsg(db));
        return -1;
    }
    for (size_t i = 0; i < f->n_probes; i++) {
        sqlite3_bind_text(st, 1, f->probes[i], -1, SQLITE_STATIC);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return temp_views(db, err, errlen);
}

int store_sqlite_open_read(const char *path, const struct read_filter *f, sqlite3 **out, char *err,
                           size_t errlen)
{
    sqlite3 *db = NULL;
    if (access(path, F_OK) != 0) {
        snprintf(err, errlen, "no database at %s (write one with: stirprobe read FILE)", path);
        return -1;
    }
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, 10000);
    if (f->n_probes && probe_filter(db, f, err, errlen) != 0) {
        sqlite3_close(db);
        return -1;
    }
    *out = db;
    return 0;
}
