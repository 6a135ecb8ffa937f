/* summary: the store's front: picks the backend by the database name and forwards. */
#include "db/store_backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct store {
    const struct store_ops *ops;
    struct store_backend *b;
};

bool store_is_pg(const char *db)
{
    return db && (strncasecmp(db, "postgresql://", 13) == 0 || strncasecmp(db, "postgres://", 11) == 0);
}

const char *store_display_name(const char *db, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", db);
    if (!store_is_pg(db))
        return buf;
    char *auth = strstr(buf, "://") + 3;
    char *end = auth + strcspn(auth, "/?#");
    char *at = memchr(auth, '@', (size_t)(end - auth));
    char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (colon) /* user:password@host -> user@host */
        memmove(colon, at, strlen(at) + 1);
    for (char *q = strchr(buf, '?'); q; q = strchr(q + 1, '&')) {
        if (strncasecmp(q + 1, "password=", 9) != 0)
            continue;
        char *v = q + 10, *ve = v + strcspn(v, "&#");
        memmove(v, ve, strlen(ve) + 1); /* password=... -> password= */
    }
    return buf;
}

const char *store_probe_id(const struct store_opts *o, char *buf, size_t cap)
{
    if (o && o->probe_id && *o->probe_id)
        return o->probe_id;
    if (gethostname(buf, cap) != 0 || !*buf)
        snprintf(buf, cap, "localhost");
    buf[cap - 1] = '\0';
    return buf;
}

struct store *store_open(const char *path, const struct store_opts *o, char *err, size_t errlen)
{
    struct store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    s->ops = store_is_pg(path) ? &store_pg_ops : &store_sqlite_ops;
    s->b = s->ops->open(path, o, err, errlen);
    if (!s->b) {
        free(s);
        return NULL;
    }
    return s;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    s->ops->close(s->b);
    free(s);
}

int store_capture_begin(struct store *s, const struct capture_info *ci, int64_t *capture_id)
{
    return s->ops->capture_begin(s->b, ci, capture_id);
}

int store_capture_end(struct store *s, int64_t capture_id, const struct capture_end *ce, const struct stats *st)
{
    return s->ops->capture_end(s->b, capture_id, ce, st);
}

int store_put_call(struct store *s, int64_t capture_id, const struct call *c)
{
    return s->ops->put_call(s->b, capture_id, c);
}

int store_commit(struct store *s)
{
    return s->ops->commit(s->b);
}

int store_finish(struct store *s)
{
    return s->ops->finish(s->b);
}

int store_put_cert(struct store *s, const struct verifier_cert_record *r)
{
    return s->ops->put_cert(s->b, r);
}

int store_load_certs(struct store *s, store_cert_fn fn, void *ctx)
{
    return s->ops->load_certs(s->b, fn, ctx);
}

int store_checkpoint(struct store *s)
{
    return s->ops->checkpoint(s->b);
}

int store_bulk_begin(struct store *s, uint64_t expected_calls)
{
    return s->ops->bulk_begin(s->b, expected_calls);
}

int store_bulk_end(struct store *s)
{
    return s->ops->bulk_end(s->b);
}

const char *store_errmsg(const struct store *s)
{
    return s->ops->errmsg(s->b);
}

int store_open_read(const char *db, const struct read_filter *f, sqlite3 **out, char *err, size_t errlen)
{
    static const struct read_filter all = { .since_ns = INT64_MIN, .until_ns = INT64_MAX };
    *out = NULL;
    if (store_is_pg(db))
        return store_pg_open_read(db, f ? f : &all, out, err, errlen);
    return store_sqlite_open_read(db, f ? f : &all, out, err, errlen);
}
