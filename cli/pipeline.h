/* summary: wiring of the layers — capture → probe → SIP → calls → store.
 *
 * The only place that knows every layer. One pipeline reads any number of inputs
 * in order; calls and TCP streams continue across them (rotated capture files).
 * Files are read whole by pipeline_read_file(); a live capture feeds packets one by
 * one through the source/packet/tick calls below, which pipeline_read_file() uses too. */
#ifndef STIRPROBE_PIPELINE_H
#define STIRPROBE_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ptime.h"
#include "common/stats.h"
#include "db/store.h"
#include "probe/capture.h"
#include "probe/packet.h"

struct pipeline_cfg {
    const char *db_path;      /* SQLite file or PostgreSQL URL */
    struct store_opts store;  /* --probe-id, --retention-days, --spool-mb, --db-wait (st: set here) */
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
    size_t max_pending;       /* calls in the verifier at most; 0 = its default (10 000) */

    /* HEP output (issue 9): every SIP message and every finished call's verdict. */
    const char *hep_out;      /* --hep-out HOST:PORT[/udp|/tcp], NULL for none */
    uint32_t hep_id;          /* --hep-id: capture agent id */
    const char *hep_pass;     /* --hep-pass: auth key, NULL for none */
    uint32_t hep_rate;        /* --hep-rate: messages a second at most, 0 = no limit */
};

struct pipeline;
struct verifier_cfg;

/* The verifier settings of cfg (shared with the `verify` command). */
void pipeline_verifier_cfg(const struct pipeline_cfg *cfg, struct verifier_cfg *vc);

/* NULL with a message in err when the database cannot be opened. */
struct pipeline *pipeline_new(const struct pipeline_cfg *cfg, char *err, size_t errlen);

/* `read`: a bulk load of about expected_calls calls (store_bulk_begin: secondary
 * indexes built once at pipeline_finish instead of row by row). Returns 0, or 1 with
 * the message printed. */
int pipeline_bulk_load(struct pipeline *p, uint64_t expected_calls);

/* Read one capture file ("-" = stdin). Returns the exit status of interface.md:
 * 0 read completely, 1 unreadable / not a capture, 2 damaged part-way (what came
 * before is kept). A database failure is fatal: returns 1 and sets *fatal. */
int pipeline_read_file(struct pipeline *p, const char *path, bool *fatal);

/* ---- packet-level API (live capture; pipeline_read_file is built on it) ---------------- */

struct pipeline_source {
    const char *name;      /* path, "-" or interface; must outlive the source */
    const char *key;       /* stable identity of a file (re-reads replace it), NULL for none */
    const char *kind;      /* "file" | "live" */
    const char *link_name; /* libpcap link type name */
};

/* Start an input: closes the capture record of the previous one (its counters are
 * final then) and opens a new one with fresh counters. Returns 0, or 1 on a database
 * failure (message printed; the pipeline is then unusable for storing). */
int pipeline_begin_source(struct pipeline *p, const struct pipeline_source *src);

/* One captured packet of the current source. */
void pipeline_packet(struct pipeline *p, const struct capture_pkt *pkt);

/* One message that arrived already decapsulated (HEP input): a UDP payload, or one
 * whole SIP message the sender took from a TCP stream, with its addresses, ports,
 * transport (f->proto) and capture time. Parsed as a datagram. */
void pipeline_message(struct pipeline *p, const struct flow *f, struct ptime ts, const uint8_t *data, size_t len);

/* Live: advance call timers to wall time now (calls finish even when no packet
 * arrives) and commit pending rows, at most once a second. Returns 0, or 1 on a
 * database failure. */
int pipeline_tick(struct pipeline *p, struct ptime now);

/* How the current source ended ("complete" | "truncated"), message NULL or where. */
void pipeline_source_status(struct pipeline *p, const char *status, const char *message);

/* Add to a counter of the current source (live: capture drops measured outside). */
void pipeline_count(struct pipeline *p, enum stat_id id, uint64_t by);

/* A counter summed over every source since the pipeline started. */
uint64_t pipeline_total(const struct pipeline *p, enum stat_id id);
size_t pipeline_open_calls(const struct pipeline *p);

/* SIGHUP: commit, close the current capture record and the database, reopen the
 * database file (a rotated file is created anew) and continue the same source in
 * a new capture record. Returns 0, or 1 with a message in err (fatal). */
int pipeline_reopen_db(struct pipeline *p, char *err, size_t errlen);

/* True once storing failed: the caller should stop reading. */
bool pipeline_failed(const struct pipeline *p);

/* -w: also write every frame that carried SIP to a pcapng file (README "Evidence").
 * Returns 0, or 1 with a message in err. */
int pipeline_open_evidence(struct pipeline *p, const char *path, char *err, size_t errlen);

/* Flush the evidence file (live: once a second, so a killed run leaves whole blocks). */
void pipeline_flush_evidence(struct pipeline *p);

/* Evidence of these Call-IDs only (the `evidence` command): a frame is written when a
 * message of one of them completes in it, so a message split over TCP segments is
 * represented by the segment that completes it. call_ids must outlive the pipeline. */
void pipeline_evidence_filter(struct pipeline *p, const char *const *call_ids, size_t n);

/* Close the evidence file; prints how many packets it holds unless quiet.
 * Returns 0, or 1 when writing it failed (message printed). */
int pipeline_close_evidence(struct pipeline *p);

/* Finish every open call and TCP stream, store them and the last capture's counters.
 * Returns 0, or 1 on a database failure. */
int pipeline_finish(struct pipeline *p);

void pipeline_free(struct pipeline *p);

#endif
