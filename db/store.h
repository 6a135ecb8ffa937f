/* summary: the store — schema creation and version check, batched upserts of
 * finished calls with their PASSporTs, capture records and counters — on SQLite
 * (db/store_sqlite.c) or PostgreSQL (db/store_pg.c), chosen by the database name.
 *
 * The only writer of the database. Writes are grouped into transactions of STORE_BATCH
 * calls so a crash loses at most one batch. SQLite: the database always opens and
 * passes integrity_check (WAL). PostgreSQL: batches go by COPY into a staging table and
 * are upserted; while the server is away they wait in a bounded spool and are resent.
 * Readers (reports, evidence) get an SQLite handle from store_open_read() whatever the
 * backend, so they speak one SQL dialect. */
#ifndef STIRPROBE_STORE_H
#define STIRPROBE_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calls/call.h"
#include "common/ptime.h"
#include "common/stats.h"
#include "verifier/verifier.h"

#define STORE_SCHEMA_VERSION 3
#define STORE_BATCH 2000
/* Calls per transaction during a bulk read: few, large commits, so a page of a
 * random-key index is written to the log once per batch rather than once per call. */
#define STORE_BULK_BATCH 25000

struct store;

/* True when db names a PostgreSQL database (postgresql:// or postgres:// URL). */
bool store_is_pg(const char *db);

/* db as it may be shown (HTML report, evidence pack): a PostgreSQL URL without its
 * password (user:password@ and password=... parameters). Returns buf. */
const char *store_display_name(const char *db, char *buf, size_t cap);

struct store_opts {
    const char *probe_id;  /* --probe-id, stored with every capture; NULL: the host name */
    int retention_days;    /* PostgreSQL: drop daily partitions older than this; 0 = keep */
    size_t spool_bytes;    /* PostgreSQL: unsent batches kept while the server is away */
    int wait_sec;          /* PostgreSQL: at store_finish(), wait this long for the server */
    struct stats *st;      /* counts db_spool_dropped / db_reconnects (may be NULL) */
};
#define STORE_DEFAULT_SPOOL_MB 64
#define STORE_DEFAULT_WAIT_SEC 30

/* Opens (creating with db/schema.sql, or db/schema_pg.sql, when absent) and checks the
 * schema version. path is an SQLite file or a PostgreSQL URL. o may be NULL. */
struct store *store_open(const char *path, const struct store_opts *o, char *err, size_t errlen);
void store_close(struct store *s);

/* At the end of a run: commit, and for PostgreSQL wait up to wait_sec for the server to
 * take every spooled batch. Returns 0, or -1 with store_errmsg() saying how many calls
 * were not stored. */
int store_finish(struct store *s);

struct capture_info {
    const char *source;     /* path, "-" or interface */
    const char *source_key; /* NULL when the input has no stable identity (stdin) */
    const char *kind;       /* "file" | "live" */
    const char *link_type;
};

/* Starts a capture record; re-reading the same source_key replaces the old record's counters. */
int store_capture_begin(struct store *s, const struct capture_info *ci, int64_t *capture_id);

struct capture_end {
    const char *status;  /* "complete" | "truncated" */
    const char *message; /* NULL or where it stopped */
    uint64_t packets;
    struct ptime first_packet, last_packet;
};

int store_capture_end(struct store *s, int64_t capture_id, const struct capture_end *ce,
                      const struct stats *st);

/* Insert or replace (same Call-ID and first INVITE time) one finished call. */
int store_put_call(struct store *s, int64_t capture_id, const struct call *c);

/* Commit what is pending (also done every STORE_BATCH calls). */
int store_commit(struct store *s);

/* Insert or replace the row of one x5u URL in `certificates`. */
int store_put_cert(struct store *s, const struct verifier_cert_record *r);

/* Every certificate an earlier run fetched successfully, for the verifier's cache. */
typedef void (*store_cert_fn)(void *ctx, const char *x5u, const uint8_t *body, size_t len, int64_t fetched_at,
                              int64_t cache_until);
int store_load_certs(struct store *s, store_cert_fn fn, void *ctx);

/* Commit, then copy the whole write-ahead log into the database file and empty it
 * (wal_checkpoint(TRUNCATE)). Before closing for log rotation: SQLite does not
 * checkpoint a file that was renamed while open, and would leave its log under the
 * old name for the next file created there. */
int store_checkpoint(struct store *s);

/* Bulk offline load (`read`). When the calls table holds no more rows than the read
 * is expected to add (expected_calls), drops the random-key secondary indexes that
 * db/schema.sql defines on `calls` (each insert would touch a random page of each; the
 * time index stays), switches to a rollback journal and commits in batches of
 * STORE_BULK_BATCH; store_bulk_end() creates them again from
 * the schema, in one pass over the sorted rows. Otherwise nothing changes. Rows are the
 * same either way; only the moment the indexes are built moves. A crash in between
 * leaves them missing until the next store_open(), which creates every schema index
 * that is absent. Returns 0, -1 on a database error. */
int store_bulk_begin(struct store *s, uint64_t expected_calls);
int store_bulk_end(struct store *s);

const char *store_errmsg(const struct store *s);

/* ---- reading ------------------------------------------------------------------------------ */

/* Which rows a reader sees. */
struct read_filter {
    const char *const *probes; /* --probe: only captures of these probe ids (n_probes 0: all) */
    size_t n_probes;
    int64_t since_ns, until_ns; /* calls with since <= first_seen_ns < until (INT64_MIN/MAX: open) */
    int64_t margin_ns;          /* analytics look this far before since (and after until) */
    const char *call_id;        /* evidence: the legs of this call and of its chain only */
};

/* An SQLite handle with the tables and views of db/schema.sql for a reader.
 * SQLite file: opened read-only (busy timeout 10 s); with probes, TEMP views shadow
 * the tables and views so every query sees those probes' rows only.
 * PostgreSQL URL: a private temporary SQLite database made from db/schema.sql and
 * filled with the rows the filter selects (calls in the time window widened by the
 * margin, every leg of the chains and every call of the origids found there, their
 * PASSporTs, all certificates, the captures and counters, report_settings and
 * risk_prefixes), so every report runs unchanged. Returns 0, or -1 with err set. */
int store_open_read(const char *db, const struct read_filter *f, sqlite3 **out, char *err, size_t errlen);

#endif
