/* summary: the x5u fetcher — HTTPS GETs of attacker-chosen URLs, run concurrently on
 * one thread with libcurl's multi interface, under strict limits.
 *
 * The URL comes from the signer, who may be an attacker: HTTPS only; the address a
 * name resolves to must not be loopback/private/link-local (unless allowed); a
 * redirect may only stay on the same host; the body is capped; connect and total
 * time are bounded. Completions are reported from the fetcher thread. */
#ifndef STIRPROBE_FETCH_H
#define STIRPROBE_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FETCH_MAX_CONNECT_TO 8

struct fetch_cfg {
    const char *ca_bundle;   /* NULL: the system bundle */
    bool allow_private;      /* --x5u-allow-private */
    /* curl-style "HOST:PORT:HOST2:PORT2" overrides (tests, split-horizon DNS); their
     * target addresses are the operator's choice, so they are exempt from the
     * private-address refusal. */
    const char *connect_to[FETCH_MAX_CONNECT_TO];
    size_t n_connect_to;
    long connect_timeout_ms; /* 0: 2000 */
    long total_timeout_ms;   /* 0: 5000 */
    size_t max_body;         /* 0: 65536 */
    int max_redirects;       /* same-host redirects followed; 0: 3 */
    size_t max_parallel;     /* 0: 32 */
};

struct fetch_result {
    const char *url;        /* as requested */
    const char *error;      /* NULL on success, else a stable cause: "not-https",
                             * "private-address", "redirect-other-host", "too-many-redirects",
                             * "too-big", "timeout", "connect-failed", "dns-failed",
                             * "tls-failed", "http-404", ... */
    long http_status;
    const uint8_t *body;    /* valid during the callback only */
    size_t body_len;
    long max_age;           /* from Cache-Control max-age / Expires; -1 when none; 0 no-store */
};

/* Called on the fetcher thread, once per fetcher_request(). */
typedef void (*fetch_done_fn)(void *ctx, const struct fetch_result *r);

struct fetcher;

/* Starts the fetcher thread. NULL with a message in err on failure. */
struct fetcher *fetcher_new(const struct fetch_cfg *cfg, fetch_done_fn done, void *ctx, char *err,
                            size_t errlen);

/* Queue a GET; thread-safe and never blocks on the network. */
void fetcher_request(struct fetcher *f, const char *url);

/* Stops the thread; requests still in flight complete with error "shutdown". */
void fetcher_free(struct fetcher *f);

/* True when addr (IPv4 or IPv6, network order) is loopback, private, link-local,
 * multicast or otherwise not a public unicast address. For tests. */
bool fetch_addr_is_private(int family, const void *addr);

/* The https URL check done before any network use; NULL when acceptable. */
const char *fetch_url_precheck(const char *url);

#endif
