/* summary: the SQLite store — schema creation and version check, batched upserts of
 * finished calls with their PASSporTs, capture records and counters.
 *
 * The only writer of the database. Statements are prepared once; writes are grouped
 * into transactions of STORE_BATCH calls so a crash loses at most one batch and the
 * database always opens and passes integrity_check (WAL). */
#ifndef STIRPROBE_STORE_H
#define STIRPROBE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "calls/call.h"
#include "common/ptime.h"
#include "common/stats.h"
#include "verifier/verifier.h"

#define STORE_SCHEMA_VERSION 2
#define STORE_BATCH 2000
/* Calls per transaction during a bulk read: few, large commits, so a page of a
 * random-key index is written to the log once per batch rather than once per call. */
#define STORE_BULK_BATCH 25000

struct store;

/* Opens (creating with db/schema.sql when absent) and checks the schema version. */
struct store *store_open(const char *path, char *err, size_t errlen);
void store_close(struct store *s);

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

#endif
