/* summary: `stirprobe report KIND` — named reports over the database only.
 *
 * Reports never see live structures: they can be rerun on any database written by
 * this or an earlier version. A PostgreSQL database is read through the same SQL: the
 * store hands over an SQLite copy of the slice a report needs (store_open_read). Output is a table on a terminal, CSV (--csv) or NDJSON
 * (--json). */
#ifndef STIRPROBE_REPORT_H
#define STIRPROBE_REPORT_H

#include <stdio.h>

enum rpt_format { RPT_TABLE, RPT_CSV, RPT_JSON };

#define RPT_MAX_PROBES 64

struct rpt_opts {
    const char *db_path;
    enum rpt_format format;
    const char *since; /* ISO 8601 or NULL */
    const char *until;
    const char *by;     /* --by: attest peer|hour, verstat verify; NULL: none */
    const char *origid; /* chains --origid: the legs of one originating point */
    long campaign_tns;  /* origid/flags: a campaign is an origid on this many orig TNs */
    long warn_days;     /* certs: flag certificates expiring within this many days */
    long window_sec;    /* anomalies/chains/verstat: downstream-leg matching window */
    long max_iat_age;   /* anomalies: replay when a leg is this far from iat */
    const char *probes[RPT_MAX_PROBES]; /* --probe: only these probes' rows (none: all) */
    size_t n_probes;
};

/* --probe ID[,ID...] (repeatable): adds the ids, cut out of arg in place. Returns 0, or
 * 1 with a message on stderr. */
int report_add_probes(struct rpt_opts *o, char *arg);

/* The defaults of the thresholds (the same as db/schema.sql's report_settings). */
#define RPT_DEFAULTS .campaign_tns = 10, .warn_days = 30, .window_sec = 10, .max_iat_age = 60

/* Runs report `kind` to out. Returns 0, or 1 with a message on stderr (bad kind,
 * missing database, bad time). */
int report_run(const char *kind, const struct rpt_opts *o, FILE *out);

/* Names of the implemented kinds, NULL-terminated (for --help). */
extern const char *const report_kinds[];

#endif
