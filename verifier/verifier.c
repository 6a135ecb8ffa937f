/* summary: verification engine — certificate cache (x5u → chain, positive and negative,
 * HTTP-cache lifetimes), pending calls waiting for fetches, a worker pool running the
 * ordered checks, and a signature cache keyed by the JWS. */
#include "verifier/verifier.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/lhash.h"
#include "decoders/digest.h"
#include "decoders/es256.h"
#include "decoders/verify.h"

enum centry_state { CE_PENDING, CE_OK, CE_FAILED };

struct waiter {
    struct waiter *next;
    struct job *job;
};

/* One x5u URL. Lives in the cache while jobs refer to it; evicted LRU when unused. */
struct centry {
    struct lh_node node;
    char *url;
    enum centry_state state;
    struct cert_chain *chain;
    const char *error;        /* static string */
    long http_status;
    int64_t fetched_at, expires_at; /* wall clock; expires_at 0 = never (cert-map) */
    unsigned refs;            /* jobs holding it */
    size_t bytes;             /* body size charged to the cache's byte cap */
    struct waiter *waiters;
    /* Packet times at which the chain was found good: one X509 verification covers
     * every later call whose time falls inside the chain's validity window. */
    bool window_ok;
};

struct job {
    struct job *next;
    struct call *call;
    struct centry *certs[CALL_MAX_IDENTS];
    size_t n_certs;
    unsigned unresolved;
};

struct sigentry {
    struct lh_node node;
    uint8_t key[32]; /* SHA-256 over the signing input's SHA-256, the signature, the leaf's SHA-256 */
    enum es256_result result;
};

struct cert_record_node {
    struct cert_record_node *next;
    struct verifier_cert_record r;
    struct cert_info info;
    char *x5u;
    uint8_t *body;
};

struct map_entry {
    char *url, *path;
};

struct verifier {
    struct verifier_cfg cfg;
    struct cert_trust *trust;
    struct fetcher *fetcher;
    struct map_entry *map;
    size_t n_map;
    char *map_dir;

    pthread_mutex_t lock;
    pthread_mutex_t sig_lock; /* the signature cache alone: the workers' lookups do not
                               * queue behind submissions */
    pthread_cond_t work_cv, done_cv, room_cv;
    struct lhash certs;
    size_t cert_bytes;        /* bodies of the cached chains, against cfg.max_cert_bytes */
    struct lhash sigs;
    struct job *ready, *ready_tail;
    size_t n_ready;           /* on the ready list */
    struct job *done, *done_tail;
    size_t in_flight;         /* submitted, not yet collected */
    size_t n_done;            /* of those, finished (on the done list) */
    unsigned room_waiting, done_waiting; /* threads in submit / collect waiting */
    bool stop;
    pthread_t *workers;
    int n_workers;
    struct cert_record_node *records, *records_tail;
    struct verifier_counters n;
};

#define SIG_CACHE_MAX 65536

/* A job or waiter that cannot be allocated would lose a call or verify it against a
 * certificate that is not there; neither is acceptable, so stop loudly. */
static _Noreturn void oom(void)
{
    fputs("stirprobe: out of memory in the verifier\n", stderr);
    abort();
}

static int64_t wall_now(void) { return (int64_t)time(NULL); }

/* ---- certificate entries (lock held) --------------------------------------------------- */

static int centry_eq(const struct lh_node *n, const void *key)
{
    return strcmp(LH_ENTRY(n, struct centry, node)->url, key) == 0;
}

static void centry_free(struct verifier *v, struct centry *e)
{
    v->cert_bytes -= e->bytes;
    cert_chain_free(e->chain);
    free(e->url);
    free(e);
}

static void evict_unused(struct verifier *v)
{
    struct lh_node *n = lh_oldest(&v->certs);
    /* Walk from the oldest; entries in use or being fetched stay. */
    /* Two caps: entries, and the bytes of their chains (an attacker choosing x5u URLs
     * chooses how big each chain is, up to CERT_BODY_MAX). */
    while (n && (v->certs.count > v->cfg.max_certs || v->cert_bytes > v->cfg.max_cert_bytes)) {
        struct lh_node *newer = n->newer == &v->certs.lru ? NULL : n->newer;
        struct centry *e = LH_ENTRY(n, struct centry, node);
        if (e->refs == 0 && e->state != CE_PENDING) {
            lh_remove(&v->certs, n);
            centry_free(v, e);
            v->n.certs_evicted++;
        }
        n = newer;
    }
}

static long clamp_ttl(const struct verifier *v, long max_age)
{
    if (max_age < 0)
        return v->cfg.ttl_default;
    if (max_age < v->cfg.ttl_floor)
        return v->cfg.ttl_floor;
    return max_age > v->cfg.ttl_ceiling ? v->cfg.ttl_ceiling : max_age;
}

static void record(struct verifier *v, const struct centry *e, const uint8_t *body, size_t len)
{
    struct cert_record_node *r = calloc(1, sizeof *r);
    if (!r)
        return;
    r->x5u = strdup(e->url);
    if (body && len && (r->body = malloc(len)) != NULL)
        memcpy(r->body, body, len);
    if (!r->x5u) {
        free(r->body);
        free(r);
        return;
    }
    r->r.x5u = r->x5u;
    r->r.fetched_at = e->fetched_at;
    r->r.cache_until = e->expires_at;
    r->r.status = e->state == CE_OK ? "ok" : "cert-fetch-failed";
    r->r.http_status = e->http_status;
    r->r.error = e->error;
    if (e->chain) {
        r->info = *cert_chain_info(e->chain);
        r->r.info = &r->info;
    }
    r->r.body = r->body;
    r->r.body_len = r->body ? len : 0;
    if (v->records_tail)
        v->records_tail->next = r;
    else
        v->records = r;
    v->records_tail = r;
}

static void push_ready(struct verifier *v, struct job *j)
{
    j->next = NULL;
    if (v->ready_tail)
        v->ready_tail->next = j;
    else
        v->ready = j;
    v->ready_tail = j;
    v->n_ready++;
    pthread_cond_signal(&v->work_cv);
}

/* A fetch or map lookup is done: the entry is settled, its waiters may go on. */
static void settle(struct verifier *v, struct centry *e, struct cert_chain *chain, const char *error,
                   long http_status, long max_age, const uint8_t *body, size_t len, bool persist)
{
    e->chain = chain;
    e->bytes = chain ? len : 0;
    v->cert_bytes += e->bytes;
    e->error = error;
    e->http_status = http_status;
    e->state = chain ? CE_OK : CE_FAILED;
    e->window_ok = false;
    e->fetched_at = wall_now();
    if (v->cfg.cert_map)
        e->expires_at = 0;
    else
        e->expires_at = e->fetched_at + (chain ? clamp_ttl(v, max_age) : v->cfg.ttl_negative);
    if (chain)
        v->n.x5u_fetches++;
    else
        v->n.x5u_fetch_failures++;
    if (persist)
        record(v, e, chain ? body : NULL, len);
    while (e->waiters) {
        struct waiter *w = e->waiters;
        e->waiters = w->next;
        if (--w->job->unresolved == 0)
            push_ready(v, w->job);
        free(w);
    }
}

static void on_fetched(void *ctx, const struct fetch_result *r)
{
    struct verifier *v = ctx;
    const char *why = r->error;
    struct cert_chain *chain = NULL;
    if (!why)
        chain = cert_chain_parse(r->body, r->body_len, &why);
    pthread_mutex_lock(&v->lock);
    struct centry *e = LH_ENTRY(lh_find(&v->certs, lh_hash_bytes(r->url, strlen(r->url)), centry_eq, r->url),
                                struct centry, node);
    if (e && e->state == CE_PENDING)
        settle(v, e, chain, chain ? NULL : why, r->http_status, r->max_age, r->body, r->body_len, true);
    else
        cert_chain_free(chain);
    pthread_mutex_unlock(&v->lock);
}

/* ---- cert map ----------------------------------------------------------------------------- */

static char *read_small(const char *path, size_t cap, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *b = malloc(cap + 1);
    size_t n = b ? fread(b, 1, cap + 1, f) : 0;
    fclose(f);
    if (!b)
        return NULL;
    *len = n;
    return b;
}

static void map_lookup(struct verifier *v, struct centry *e)
{
    for (size_t i = 0; i < v->n_map; i++) {
        if (strcmp(v->map[i].url, e->url) != 0)
            continue;
        size_t len = 0;
        char *body = read_small(v->map[i].path, CERT_BODY_MAX, &len);
        if (!body && v->map_dir && v->map[i].path[0] != '/') {
            char alt[4096];
            if ((size_t)snprintf(alt, sizeof alt, "%s/%s", v->map_dir, v->map[i].path) < sizeof alt)
                body = read_small(alt, CERT_BODY_MAX, &len);
        }
        if (!body) {
            settle(v, e, NULL, "cert-map-file-unreadable", 0, -1, NULL, 0, true);
            return;
        }
        const char *why = NULL;
        struct cert_chain *chain = cert_chain_parse((const uint8_t *)body, len, &why);
        settle(v, e, chain, why, 0, -1, (const uint8_t *)body, len, true);
        free(body);
        return;
    }
    settle(v, e, NULL, "not-in-cert-map", 0, -1, NULL, 0, true);
}

static int load_map(struct verifier *v, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "--cert-map %s: %s", path, strerror(errno));
        return -1;
    }
    const char *slash = strrchr(path, '/');
    v->map_dir = slash ? strndup(path, (size_t)(slash - path)) : NULL;
    char line[4096];
    unsigned lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#')
            continue;
        char *tab = strchr(line, '\t');
        if (!tab || tab == line || !tab[1]) {
            snprintf(err, errlen, "--cert-map %s:%u: expected URL<TAB>path", path, lineno);
            fclose(f);
            return -1;
        }
        *tab = '\0';
        struct map_entry *m = realloc(v->map, (v->n_map + 1) * sizeof *m);
        if (!m) {
            fclose(f);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        v->map = m;
        m[v->n_map].url = strdup(line);
        m[v->n_map].path = strdup(tab + 1);
        v->n_map++;
    }
    fclose(f);
    return 0;
}

/* ---- submission ------------------------------------------------------------------------- */

/* The entry for url, created when absent or stale. *fetch is set when the caller must
 * start a fetch for it once the lock is released. */
static struct centry *acquire(struct verifier *v, const char *url, bool *fetch)
{
    uint64_t h = lh_hash_bytes(url, strlen(url));
    struct lh_node *n = lh_find(&v->certs, h, centry_eq, url);
    struct centry *e = n ? LH_ENTRY(n, struct centry, node) : NULL;
    *fetch = false;
    if (e) {
        lh_touch(&v->certs, &e->node);
        if (e->state == CE_PENDING || e->expires_at == 0 || e->expires_at > wall_now()) {
            v->n.x5u_cache_hits++;
            e->refs++;
            return e;
        }
        if (e->refs == 0) { /* stale and unused: fetch afresh */
            lh_remove(&v->certs, &e->node);
            centry_free(v, e);
        } else { /* stale but in use: still good for those jobs; refetch under the same key later */
            v->n.x5u_cache_hits++;
            e->refs++;
            return e;
        }
    }
    e = calloc(1, sizeof *e);
    if (!e || !(e->url = strdup(url))) {
        free(e);
        return NULL;
    }
    e->state = CE_PENDING;
    e->refs = 1;
    lh_insert(&v->certs, &e->node, h);
    evict_unused(v);
    if (v->cfg.cert_map)
        map_lookup(v, e);
    else
        *fetch = true;
    return e;
}

static bool wants_cert(const struct call_ident *id)
{
    return id->pp.result == PPT_OK && id->pp.x5u[0];
}

static size_t pending_low(const struct verifier *v)
{
    return v->cfg.max_pending * 3 / 4; /* below max_pending, even for 1 */
}

void verifier_submit(struct verifier *v, struct call *c)
{
    struct job *j = calloc(1, sizeof *j);
    if (!j)
        oom();
    char *to_fetch[CALL_MAX_IDENTS];
    size_t n_fetch = 0;
    pthread_mutex_lock(&v->lock);
    /* Only calls still being verified count: finished ones wait for the caller's next
     * verifier_collect(), which may be on this very thread (cli/pipeline.c). */
    if (v->in_flight - v->n_done >= v->cfg.max_pending) {
        /* Wait for a quarter of the set to drain, not for one call: the submitter
         * sleeps and wakes once per many calls instead of once per call. */
        v->room_waiting++;
        while (v->in_flight - v->n_done > pending_low(v))
            pthread_cond_wait(&v->room_cv, &v->lock);
        v->room_waiting--;
    }
    v->in_flight++;
    j->call = c;
    for (size_t i = 0; i < c->n_idents; i++) {
        const struct call_ident *id = c->idents[i];
        if (!wants_cert(id))
            continue;
        bool dup = false;
        for (size_t k = 0; k < j->n_certs; k++)
            dup |= strcmp(j->certs[k]->url, id->pp.x5u) == 0;
        if (dup)
            continue;
        bool fetch;
        struct centry *e = acquire(v, id->pp.x5u, &fetch);
        if (!e)
            continue; /* out of memory: verify_ident reports cert-fetch-failed */
        j->certs[j->n_certs++] = e;
        if (e->state == CE_PENDING) {
            struct waiter *w = malloc(sizeof *w);
            if (!w)
                oom();
            w->job = j;
            w->next = e->waiters;
            e->waiters = w;
            j->unresolved++;
            if (fetch)
                to_fetch[n_fetch++] = e->url;
        }
    }
    if (j->unresolved == 0)
        push_ready(v, j);
    /* URLs are read by the fetcher only: copies, since the entry may change meanwhile. */
    char *urls[CALL_MAX_IDENTS];
    for (size_t i = 0; i < n_fetch; i++)
        urls[i] = strdup(to_fetch[i]);
    pthread_mutex_unlock(&v->lock);
    for (size_t i = 0; i < n_fetch; i++) {
        if (urls[i])
            fetcher_request(v->fetcher, urls[i]);
        free(urls[i]);
    }
}

/* ---- the checks (worker threads, lock not held) ------------------------------------------- */

static struct centry *job_cert(const struct job *j, const char *url)
{
    for (size_t i = 0; i < j->n_certs; i++)
        if (strcmp(j->certs[i]->url, url) == 0)
            return j->certs[i];
    return NULL;
}

static int sig_eq(const struct lh_node *n, const void *key)
{
    return memcmp(LH_ENTRY(n, struct sigentry, node)->key, key, 32) == 0;
}

/* The verdict on a signature depends on the signing input (by its digest), the signature
 * bytes and the key (by the leaf certificate): a PASSporT seen on several legs or
 * retransmitted is checked once. */
static enum es256_result signature(struct verifier *v, const struct call_ident *id, const struct centry *e)
{
    const struct passport *pp = &id->pp;
    if (pp->sig_len > PPT_SIG_MAX)
        return ES256_BAD_LENGTH;
    uint8_t input[DIGEST_SHA256_LEN + PPT_SIG_MAX], key[DIGEST_SHA256_LEN];
    if (!digest_sha256_2(pp->signing_input.p, pp->signing_input.n, NULL, 0, input))
        oom();
    memcpy(input + DIGEST_SHA256_LEN, pp->sig, pp->sig_len);
    if (!digest_sha256_2(input, DIGEST_SHA256_LEN + pp->sig_len, cert_chain_info(e->chain)->sha256, 32, key))
        oom();
    uint64_t h = lh_hash_bytes(key, sizeof key);

    pthread_mutex_lock(&v->sig_lock);
    v->n.signature_checks++;
    struct lh_node *n = lh_find(&v->sigs, h, sig_eq, key);
    if (n) {
        v->n.signature_cache_hits++;
        lh_touch(&v->sigs, n);
        enum es256_result r = LH_ENTRY(n, struct sigentry, node)->result;
        pthread_mutex_unlock(&v->sig_lock);
        return r;
    }
    pthread_mutex_unlock(&v->sig_lock);

    enum es256_result r = es256_verify_digest(cert_chain_pubkey(e->chain), input, pp->sig, pp->sig_len);

    struct sigentry *se = malloc(sizeof *se);
    pthread_mutex_lock(&v->sig_lock);
    if (se && !lh_find(&v->sigs, h, sig_eq, key)) {
        memcpy(se->key, key, sizeof key);
        se->result = r;
        lh_insert(&v->sigs, &se->node, h);
        se = NULL;
        if (v->sigs.count > SIG_CACHE_MAX) {
            struct lh_node *old = lh_oldest(&v->sigs);
            lh_remove(&v->sigs, old);
            free(LH_ENTRY(old, struct sigentry, node));
        }
    }
    pthread_mutex_unlock(&v->sig_lock);
    free(se);
    return r;
}

static const char *chain_verdict(struct verifier *v, struct centry *e, int64_t at, const char **detail)
{
    int64_t lo, hi;
    cert_chain_window(e->chain, &lo, &hi);
    pthread_mutex_lock(&v->lock);
    v->n.chain_checks++;
    bool hit = e->window_ok && at >= lo && at <= hi;
    if (hit)
        v->n.chain_cache_hits++;
    pthread_mutex_unlock(&v->lock);
    if (hit) {
        *detail = "";
        return NULL;
    }
    const char *label = cert_check(v->trust, e->chain, at, detail);
    if (!label) {
        pthread_mutex_lock(&v->lock);
        e->window_ok = true;
        pthread_mutex_unlock(&v->lock);
    }
    return label;
}

static void set(struct call_ident *id, const char *label, const char *detail)
{
    id->verify_result = label;
    id->verify_detail = detail && *detail ? detail : NULL;
}

static void verify_ident(struct verifier *v, const struct job *j, struct call_ident *id,
                         const struct verify_peers *peers, const struct verify_sip *sip)
{
    const struct passport *pp = &id->pp;
    if (pp->result != PPT_OK) {
        set(id, passport_result_label(pp->result), pp->detail);
        return;
    }
    const char *why = fetch_url_precheck(pp->x5u);
    struct centry *e = why ? NULL : job_cert(j, pp->x5u);
    if (!e || e->state != CE_OK) {
        set(id, "cert-fetch-failed", why ? why : e ? e->error : "out-of-memory");
        return;
    }
    /* Whether the signer may speak for this number at all, whatever the verdict: the
     * fraud view wants A-attested calls from numbers outside the certificate. */
    const struct tnauth *tn = &cert_chain_info(e->chain)->tnauth;
    if (tn->n_range || tn->n_tn)
        id->orig_in_cert = pp->orig_tn[0] && tnauth_covers(tn, pp->orig_tn);
    const char *detail;
    const char *label = chain_verdict(v, e, sip->packet_sec, &detail);
    if (label) {
        set(id, label, detail);
        return;
    }
    enum es256_result sr = signature(v, id, e);
    if (sr != ES256_VALID) {
        set(id, "bad-signature", es256_result_str(sr));
        return;
    }
    label = verify_claims(pp, peers, &cert_chain_info(e->chain)->tnauth, sip, v->cfg.max_iat_age, &detail);
    set(id, label ? label : "pass", detail);
}

static void verify_call(struct verifier *v, const struct job *j)
{
    struct call *c = j->call;
    if (c->n_idents == 0) {
        c->verify_result = "no-identity";
        c->verify_detail = NULL;
        return;
    }
    struct verify_sip sip = {
        .pai_tn = c->pai_tn, .from_tn = c->from_tn, .to_tn = c->to_tn, .ruri_tn = c->ruri_tn,
        .packet_sec = c->first_seen.sec,
    };
    /* div PASSporTs first: a shaken PASSporT of a retargeted call leans on the valid ones. */
    const struct passport *divs[CALL_MAX_IDENTS];
    struct verify_peers peers = {
        .shaken = c->shaken >= 0 ? &c->idents[c->shaken]->pp : NULL,
        .divs = divs,
    };
    for (size_t i = 0; i < c->n_idents; i++) {
        struct call_ident *id = c->idents[i];
        if (strcmp(id->pp.ppt, "div") != 0)
            continue;
        verify_ident(v, j, id, &peers, &sip);
        if (strcmp(id->verify_result, "pass") == 0)
            divs[peers.n_divs++] = &id->pp;
    }
    for (size_t i = 0; i < c->n_idents; i++)
        if (strcmp(c->idents[i]->pp.ppt, "div") != 0)
            verify_ident(v, j, c->idents[i], &peers, &sip);
    const struct call_ident *main_id = call_main_ident(c);
    c->verify_result = main_id->verify_result;
    c->verify_detail = main_id->verify_detail;
    c->orig_in_cert = main_id->orig_in_cert;
}

static void release(struct verifier *v, struct job *j)
{
    for (size_t i = 0; i < j->n_certs; i++)
        j->certs[i]->refs--;
    j->n_certs = 0;
    evict_unused(v); /* entries over the cap become evictable once no job holds them */
}

/* A worker takes several ready jobs per lock round when many wait, but never more than
 * its share, so the other workers are not left idle behind it. */
#define TAKE_MAX 8

static void *worker(void *arg)
{
    struct verifier *v = arg;
    pthread_mutex_lock(&v->lock);
    for (;;) {
        while (!v->ready && !v->stop)
            pthread_cond_wait(&v->work_cv, &v->lock);
        if (!v->ready)
            break;
        size_t share = v->n_ready / (size_t)v->n_workers, take = share < 1 ? 1 : share > TAKE_MAX ? TAKE_MAX : share;
        struct job *batch = v->ready, *last = batch;
        size_t n = 1;
        for (; n < take && last->next; n++)
            last = last->next;
        v->n_ready -= n;
        v->ready = last->next;
        if (!v->ready)
            v->ready_tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&v->lock);

        for (struct job *j = batch; j; j = j->next)
            verify_call(v, j);

        pthread_mutex_lock(&v->lock);
        for (struct job *j = batch; j; j = j->next) {
            release(v, j);
            v->n.calls_verified++;
            v->n.passports_verified += j->call->n_idents;
        }
        if (v->done_tail)
            v->done_tail->next = batch;
        else
            v->done = batch;
        v->done_tail = last;
        v->n_done += n;
        if (v->done_waiting)
            pthread_cond_broadcast(&v->done_cv);
        if (v->room_waiting && v->in_flight - v->n_done <= pending_low(v))
            pthread_cond_broadcast(&v->room_cv);
    }
    pthread_mutex_unlock(&v->lock);
    return NULL;
}

size_t verifier_collect(struct verifier *v, bool wait, verifier_done_fn fn, void *ctx)
{
    size_t total = 0;
    for (;;) {
        pthread_mutex_lock(&v->lock);
        while (wait && !v->done && v->in_flight > 0) {
            v->done_waiting++;
            pthread_cond_wait(&v->done_cv, &v->lock);
            v->done_waiting--;
        }
        struct job *list = v->done;
        v->done = v->done_tail = NULL;
        size_t n = 0;
        for (struct job *j = list; j; j = j->next)
            n++;
        v->in_flight -= n;
        v->n_done -= n;
        bool more = wait && v->in_flight > 0;
        pthread_mutex_unlock(&v->lock); /* calls still being verified: room is unchanged */
        while (list) {
            struct job *j = list;
            list = j->next;
            fn(ctx, j->call);
            free(j);
        }
        total += n;
        if (!more)
            return total;
    }
}

static void keep(void *ctx, struct call *c)
{
    (void)ctx;
    (void)c; /* the caller of verifier_verify_now still owns it */
}

void verifier_verify_now(struct verifier *v, struct call *c)
{
    verifier_submit(v, c);
    verifier_collect(v, true, keep, NULL);
}

/* ---- life cycle ----------------------------------------------------------------------------- */

static int online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 && n < 256 ? (int)n : 1;
}

struct verifier *verifier_new(const struct verifier_cfg *cfg, char *err, size_t errlen)
{
    struct verifier *v = calloc(1, sizeof *v);
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    v->cfg = *cfg;
#define DEFAULT(field, value)                                                                      \
    if (!v->cfg.field)                                                                             \
        v->cfg.field = value;
    DEFAULT(threads, online_cpus());
    DEFAULT(max_pending, 10000);
    DEFAULT(max_certs, 10000);
    DEFAULT(max_cert_bytes, (size_t)64 << 20);
    DEFAULT(ttl_floor, 300);
    DEFAULT(ttl_ceiling, 86400);
    DEFAULT(ttl_default, 3600);
    DEFAULT(ttl_negative, 300);
#undef DEFAULT
    pthread_mutex_init(&v->lock, NULL);
    pthread_mutex_init(&v->sig_lock, NULL);
    pthread_cond_init(&v->work_cv, NULL);
    pthread_cond_init(&v->done_cv, NULL);
    pthread_cond_init(&v->room_cv, NULL);
    if (lh_init(&v->certs, v->cfg.max_certs / 2) != 0 || lh_init(&v->sigs, SIG_CACHE_MAX / 2) != 0) {
        snprintf(err, errlen, "out of memory");
        goto bad;
    }
    if (!cfg->trust) {
        snprintf(err, errlen, "--verify needs --trust PATH (the STI-PA trust anchors)");
        goto bad;
    }
    if (!(v->trust = cert_trust_load(cfg->trust, err, errlen)))
        goto bad;
    if (cfg->cert_map) {
        if (load_map(v, cfg->cert_map, err, errlen) != 0)
            goto bad;
    } else if (!(v->fetcher = fetcher_new(&cfg->fetch, on_fetched, v, err, errlen))) {
        goto bad;
    }
    v->workers = calloc((size_t)v->cfg.threads, sizeof *v->workers);
    if (!v->workers) {
        snprintf(err, errlen, "out of memory");
        goto bad;
    }
    for (int i = 0; i < v->cfg.threads; i++) {
        if (pthread_create(&v->workers[i], NULL, worker, v) != 0) {
            snprintf(err, errlen, "cannot start verification threads");
            goto bad;
        }
        v->n_workers++;
    }
    return v;
bad:
    verifier_free(v);
    return NULL;
}

void verifier_free(struct verifier *v)
{
    if (!v)
        return;
    /* The fetcher first: its last completions still settle entries. */
    fetcher_free(v->fetcher);
    v->fetcher = NULL;
    pthread_mutex_lock(&v->lock);
    v->stop = true;
    pthread_cond_broadcast(&v->work_cv);
    pthread_mutex_unlock(&v->lock);
    for (int i = 0; i < v->n_workers; i++)
        pthread_join(v->workers[i], NULL);
    free(v->workers);
    struct lh_node *n;
    while ((n = lh_oldest(&v->certs)) != NULL) {
        struct centry *e = LH_ENTRY(n, struct centry, node);
        lh_remove(&v->certs, n);
        while (e->waiters) {
            struct waiter *w = e->waiters;
            e->waiters = w->next;
            free(w);
        }
        centry_free(v, e);
    }
    while ((n = lh_oldest(&v->sigs)) != NULL) {
        lh_remove(&v->sigs, n);
        free(LH_ENTRY(n, struct sigentry, node));
    }
    lh_free(&v->certs);
    lh_free(&v->sigs);
    while (v->records) {
        struct cert_record_node *r = v->records;
        v->records = r->next;
        free(r->x5u);
        free(r->body);
        free(r);
    }
    for (size_t i = 0; i < v->n_map; i++) {
        free(v->map[i].url);
        free(v->map[i].path);
    }
    free(v->map);
    free(v->map_dir);
    cert_trust_free(v->trust);
    pthread_cond_destroy(&v->work_cv);
    pthread_cond_destroy(&v->done_cv);
    pthread_cond_destroy(&v->room_cv);
    pthread_mutex_destroy(&v->lock);
    pthread_mutex_destroy(&v->sig_lock);
    free(v);
}

void verifier_seed(struct verifier *v, const char *x5u, const uint8_t *body, size_t len, int64_t fetched_at,
                   int64_t cache_until)
{
    /* A cert map is the operator's statement of truth; stored copies never override it. */
    if (v->cfg.cert_map || cache_until <= wall_now())
        return;
    const char *why;
    struct cert_chain *chain = cert_chain_parse(body, len, &why);
    if (!chain)
        return;
    pthread_mutex_lock(&v->lock);
    uint64_t h = lh_hash_bytes(x5u, strlen(x5u));
    struct centry *e = NULL;
    if (!lh_find(&v->certs, h, centry_eq, x5u) && (e = calloc(1, sizeof *e)) && (e->url = strdup(x5u))) {
        e->state = CE_OK;
        e->chain = chain;
        e->bytes = len;
        v->cert_bytes += len;
        e->fetched_at = fetched_at;
        e->expires_at = cache_until;
        lh_insert(&v->certs, &e->node, h);
        chain = NULL;
        e = NULL;
        evict_unused(v);
    }
    pthread_mutex_unlock(&v->lock);
    if (e)
        free(e->url);
    free(e);
    cert_chain_free(chain);
}

size_t verifier_take_certs(struct verifier *v, verifier_cert_fn fn, void *ctx)
{
    pthread_mutex_lock(&v->lock);
    struct cert_record_node *list = v->records;
    v->records = v->records_tail = NULL;
    pthread_mutex_unlock(&v->lock);
    size_t n = 0;
    while (list) {
        struct cert_record_node *r = list;
        list = r->next;
        fn(ctx, &r->r);
        free(r->x5u);
        free(r->body);
        free(r);
        n++;
    }
    return n;
}

void verifier_get_counters(struct verifier *v, struct verifier_counters *out)
{
    pthread_mutex_lock(&v->lock);
    pthread_mutex_lock(&v->sig_lock); /* the signature counters: always taken second */
    *out = v->n;
    pthread_mutex_unlock(&v->sig_lock);
    pthread_mutex_unlock(&v->lock);
}
