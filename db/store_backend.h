/* summary: the operations a store backend implements (db/ internal: store.c dispatches
 * to db/store_sqlite.c or db/store_pg.c through this table).
 *
 * A table of function pointers rather than a switch in every call: the SQLite path pays
 * one indirect call per stored call and nothing else. */
#ifndef STIRPROBE_STORE_BACKEND_H
#define STIRPROBE_STORE_BACKEND_H

#include "db/store.h"

struct store_backend; /* each backend's own state */

struct store_ops {
    struct store_backend *(*open)(const char *path, const struct store_opts *o, char *err, size_t errlen);
    void (*close)(struct store_backend *b);
    int (*capture_begin)(struct store_backend *b, const struct capture_info *ci, int64_t *capture_id);
    int (*capture_end)(struct store_backend *b, int64_t capture_id, const struct capture_end *ce,
                       const struct stats *st);
    int (*put_call)(struct store_backend *b, int64_t capture_id, const struct call *c);
    int (*commit)(struct store_backend *b);
    int (*finish)(struct store_backend *b);
    int (*put_cert)(struct store_backend *b, const struct verifier_cert_record *r);
    int (*load_certs)(struct store_backend *b, store_cert_fn fn, void *ctx);
    int (*checkpoint)(struct store_backend *b);
    int (*bulk_begin)(struct store_backend *b, uint64_t expected_calls);
    int (*bulk_end)(struct store_backend *b);
    const char *(*errmsg)(const struct store_backend *b);
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

/* store_sqlite.c: the read side of an SQLite file (store_open_read). */
int store_sqlite_open_read(const char *path, const struct read_filter *f, sqlite3 **out, char *err,
                           size_t errlen);
/* store_pg.c: the read side of a PostgreSQL URL (store_open_read). */
int store_pg_open_read(const char *url, const struct read_filter *f, sqlite3 **out, char *err, size_t errlen);

/* The probe id to record: o->probe_id, else the host name (into buf). */
const char *store_probe_id(const struct store_opts *o, char *buf, size_t cap);

/* The JSON array text of a PASSporT's dest TNs, as both backends store it in passports. */
void store_dest_json(const struct passport *pp, char *buf, size_t cap);

#endif
