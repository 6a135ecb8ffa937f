/* summary: the verification engine — runs the ordered checks of interface.md on every
 * finished call, on a thread pool, with certificates fetched concurrently (or taken
 * from a --cert-map) and cached, so that decoding never waits on the network.
 *
 * Calls go in with verifier_submit() and come back, with verify_result set on the call
 * and on each Identity value, through verifier_collect() on the caller's thread. A
 * call whose certificate is still being fetched waits in a bounded pending set. */
#ifndef STIRPROBE_VERIFIER_H
#define STIRPROBE_VERIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calls/call.h"
#include "decoders/cert.h"
#include "verifier/fetch.h"

struct verifier_cfg {
    const char *trust;          /* PEM file or directory; required */
    const char *cert_map;       /* TSV url<TAB>path: no network at all */
    struct fetch_cfg fetch;
    long max_iat_age;           /* seconds */
    int threads;                /* workers; 0 = online CPUs */
    size_t max_pending;         /* calls in flight; submit waits beyond; 0 = 10000 */
    size_t max_certs;           /* cached x5u entries; 0 = 10000 */
    size_t max_cert_bytes;      /* x5u bodies of the cached chains; 0 = 64 MiB */
    long ttl_floor, ttl_ceiling, ttl_default, ttl_negative; /* seconds; 0 = 300, 86400, 3600, 300 */
};

struct verifier;

struct verifier *verifier_new(const struct verifier_cfg *cfg, char *err, size_t errlen);
void verifier_free(struct verifier *v); /* after verifier_collect(wait) */

/* A certificate kept by an earlier run, still fresh until cache_until (epoch s). */
void verifier_seed(struct verifier *v, const char *x5u, const uint8_t *body, size_t len, int64_t fetched_at,
                   int64_t cache_until);

/* Takes ownership of c; blocks while max_pending calls are in flight. */
void verifier_submit(struct verifier *v, struct call *c);

typedef void (*verifier_done_fn)(void *ctx, struct call *c);

/* Hands back finished calls (ownership returns to the caller, who frees them). With
 * wait, returns only once every submitted call is back. */
size_t verifier_collect(struct verifier *v, bool wait, verifier_done_fn fn, void *ctx);

/* Synchronous verification of one call (the `verify` command). */
void verifier_verify_now(struct verifier *v, struct call *c);

/* What a fetch or a map lookup produced, for the certificates table. */
struct verifier_cert_record {
    const char *x5u;
    int64_t fetched_at, cache_until; /* epoch seconds (wall clock) */
    const char *status;              /* "ok" | "cert-fetch-failed" */
    long http_status;
    const char *error;               /* NULL when ok */
    const struct cert_info *info;    /* NULL when not a certificate */
    const uint8_t *body;             /* as served; NULL when failed */
    size_t body_len;
};

typedef void (*verifier_cert_fn)(void *ctx, const struct verifier_cert_record *r);

/* Records new since the last call, oldest first. */
size_t verifier_take_certs(struct verifier *v, verifier_cert_fn fn, void *ctx);

struct verifier_counters {
    uint64_t calls_verified;
    uint64_t passports_verified;
    uint64_t x5u_fetches, x5u_fetch_failures, x5u_cache_hits;
    uint64_t signature_checks, signature_cache_hits;
    uint64_t chain_checks, chain_cache_hits;
    uint64_t certs_evicted;
};

void verifier_get_counters(struct verifier *v, struct verifier_counters *out);

#endif
