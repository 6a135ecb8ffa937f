/* summary: wiring of the layers — capture → probe → SIP → calls → store.
 *
 * The only place that knows every layer. One pipeline reads any number of inputs
 * in order; calls and TCP streams continue across them (rotated capture files). */
#ifndef STIRPROBE_PIPELINE_H
#define STIRPROBE_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>

struct pipeline_cfg {
    const char *db_path;
    bool quiet;
    bool json; /* NDJSON per finished call on stdout */

    /* Verification (issue 5); all unused unless verify is set. */
    bool verify;
    const char *trust;        /* --trust: PEM file or directory of PEM files */
    const char *ca_bundle;    /* --ca-bundle: for the HTTPS x5u fetch */
    const char *cert_map;     /* --cert-map: offline x5u → PEM file */
    bool x5u_allow_private;   /* --x5u-allow-private */
    const char *x5u_connect_to[8]; /* --x5u-connect-to HOST:PORT:HOST2:PORT2, repeatable */
    size_t n_x5u_connect_to;
    long max_iat_age;         /* --max-iat-age, seconds */
    int threads;              /* --threads; 0 = number of cores */
};

struct pipeline;
struct verifier_cfg;

/* The verifier settings of cfg (shared with the `verify` command). */
void pipeline_verifier_cfg(const struct pipeline_cfg *cfg, struct verifier_cfg *vc);

/* NULL with a message in err when the database cannot be opened. */
struct pipeline *pipeline_new(const struct pipeline_cfg *cfg, char *err, size_t errlen);

/* Read one capture file ("-" = stdin). Returns the exit status of interface.md:
 * 0 read completely, 1 unreadable / not a capture, 2 damaged part-way (what came
 * before is kept). A database failure is fatal: returns 1 and sets *fatal. */
int pipeline_read_file(struct pipeline *p, const char *path, bool *fatal);

/* Finish every open call and TCP stream, store them and the last capture's counters.
 * Returns 0, or 1 on a database failure. */
int pipeline_finish(struct pipeline *p);

void pipeline_free(struct pipeline *p);

#endif
