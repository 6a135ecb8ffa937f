/* summary: x5u fetches over HTTPS with libcurl multi on one thread, with the SSRF,
 * size, time and redirect limits of fetch.h. */
#include "verifier/fetch.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#ifndef STIRPROBE_VERSION
#define STIRPROBE_VERSION "0"
#endif

/* An operator's --x5u-connect-to target: exempt from the private-address rule, but only
 * for the HOST:PORT it was given for — a signer's URL that names the same address
 * directly (https://127.0.0.1/...) must still be refused. */
struct exempt {
    int family;
    uint8_t addr[16];
    char host[256]; /* HOST of HOST:PORT:HOST2:PORT2 ("" = any, as curl reads it) */
    char port[8];   /* PORT ("" = any) */
};

struct req {
    struct req *next;          /* queue, then the list of transfers in flight */
    struct req *prev;
    struct fetcher *f;
    char *url;     /* as requested: the cache key */
    char *cur;     /* after same-host redirects */
    int redirects;
    struct timespec started;
    CURL *easy;
    struct curl_slist *connect_to;
    uint8_t *body;
    size_t len, cap;
    bool too_big, refused_private;
    long max_age;
};

struct fetcher {
    struct fetch_cfg cfg;
    fetch_done_fn done;
    void *ctx;
    CURLM *multi;
    pthread_t thread;
    pthread_mutex_t lock;
    struct req *queue, *queue_tail; /* requested, not yet handed to curl */
    struct req *active;             /* handed to curl (fetcher thread only) */
    bool stop;
    struct exempt exempt[FETCH_MAX_CONNECT_TO];
    size_t n_exempt;
};

/* ---- address policy ------------------------------------------------------------------ */

static bool v4_private(const uint8_t a[4])
{
    return a[0] == 0 || a[0] == 10 || a[0] == 127 || a[0] >= 224 ||        /* this, private, loop, mcast, reserved */
           (a[0] == 100 && (a[1] & 0xc0) == 64) ||                          /* 100.64/10 CGN */
           (a[0] == 169 && a[1] == 254) ||                                  /* link-local */
           (a[0] == 172 && (a[1] & 0xf0) == 16) ||                          /* 172.16/12 */
           (a[0] == 192 && a[1] == 168) ||                                  /* 192.168/16 */
           (a[0] == 192 && a[1] == 0 && (a[2] == 0 || a[2] == 2)) ||        /* IETF, TEST-NET-1 */
           (a[0] == 198 && (a[1] & 0xfe) == 18) ||                          /* 198.18/15 benchmarking */
           (a[0] == 198 && a[1] == 51 && a[2] == 100) ||                    /* TEST-NET-2 */
           (a[0] == 203 && a[1] == 0 && a[2] == 113);                       /* TEST-NET-3 */
}

bool fetch_addr_is_private(int family, const void *addr)
{
    if (family == AF_INET)
        return v4_private(addr);
    if (family != AF_INET6)
        return true;
    const uint8_t *a = addr;
    static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };
    static const uint8_t zero[12] = { 0 };
    /* An IPv4 address in IPv6 clothing is judged as IPv4: v4-mapped, NAT64 (RFC 6052),
     * and the deprecated IPv4-compatible ::a.b.c.d (RFC 4291 §2.5.5.1), which a host
     * with SIT interfaces may still route to that IPv4 address. */
    if (memcmp(a, v4mapped, 12) == 0 || memcmp(a, nat64, 12) == 0 || memcmp(a, zero, 12) == 0)
        return v4_private(a + 12); /* 0.0.0.0/8 is private: :: and ::1 too */
    /* 6to4 (RFC 3056): 2002:a.b.c.d::/48 reaches a.b.c.d through the relay. */
    if (a[0] == 0x20 && a[1] == 0x02)
        return v4_private(a + 2);
    /* Teredo (RFC 4380): 2001:0::/32 carries the server address and the client address
     * (bit-inverted); either private means the packet ends up inside. */
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 0) {
        uint8_t client[4] = { (uint8_t)~a[12], (uint8_t)~a[13], (uint8_t)~a[14], (uint8_t)~a[15] };
        return v4_private(a + 4) || v4_private(client);
    }
    /* NAT64 local-use prefix (RFC 8215): translated inside the operator's own network. */
    if (a[0] == 0 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b && a[4] == 0 && a[5] == 1)
        return true;
    return (a[0] & 0xfe) == 0xfc ||                      /* fc00::/7 unique local */
           (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||    /* fe80::/10 link-local */
           (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) ||    /* fec0::/10 site-local */
           a[0] == 0xff ||                               /* multicast */
           (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8); /* documentation */
}

static bool exempt(const struct req *r, int family, const void *addr)
{
    const struct fetcher *f = r->f;
    char *host = NULL, *port = NULL;
    CURLU *u = curl_url();
    if (u && curl_url_set(u, CURLUPART_URL, r->cur ? r->cur : r->url, 0) == CURLUE_OK) {
        curl_url_get(u, CURLUPART_HOST, &host, 0);
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    }
    bool yes = false;
    for (size_t i = 0; i < f->n_exempt && !yes; i++) {
        const struct exempt *x = &f->exempt[i];
        yes = x->family == family && memcmp(x->addr, addr, family == AF_INET ? 4 : 16) == 0 && host &&
              port && (!x->host[0] || strcasecmp(x->host, host) == 0) && (!x->port[0] || strcmp(x->port, port) == 0);
    }
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return yes;
}

static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *sa)
{
    struct req *r = clientp;
    (void)purpose;
    const void *addr = NULL;
    if (sa->family == AF_INET)
        addr = &((const struct sockaddr_in *)(const void *)&sa->addr)->sin_addr;
    else if (sa->family == AF_INET6)
        addr = &((const struct sockaddr_in6 *)(const void *)&sa->addr)->sin6_addr;
    /* Checked on the resolved address, so DNS names pointing inside are caught too. */
    if (!addr || (!r->f->cfg.allow_private && fetch_addr_is_private(sa->family, addr) &&
                  !exempt(r, sa->family, addr))) {
        r->refused_private = true;
        return CURL_SOCKET_BAD;
    }
    return socket(sa->family, sa->socktype, sa->protocol);
}

/* ---- URL checks --------------------------------------------------------------------- */

const char *fetch_url_precheck(const char *url)
{
    if (strncasecmp(url, "https://", 8) != 0)
        return "not-https";
    CURLU *u = curl_url();
    const char *why = NULL;
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
        why = "bad-url";
    curl_url_cleanup(u);
    return why;
}

/* Same scheme, host and port: a redirect that stays with the same server. */
static bool same_origin(const char *a, const char *b)
{
    CURLU *ua = curl_url(), *ub = curl_url();
    bool same = false;
    if (ua && ub && curl_url_set(ua, CURLUPART_URL, a, 0) == CURLUE_OK &&
        curl_url_set(ub, CURLUPART_URL, b, 0) == CURLUE_OK) {
        char *sa = NULL, *sb = NULL, *ha = NULL, *hb = NULL, *pa = NULL, *pb = NULL;
        curl_url_get(ua, CURLUPART_SCHEME, &sa, 0);
        curl_url_get(ub, CURLUPART_SCHEME, &sb, 0);
        curl_url_get(ua, CURLUPART_HOST, &ha, 0);
        curl_url_get(ub, CURLUPART_HOST, &hb, 0);
        curl_url_get(ua, CURLUPART_PORT, &pa, CURLU_DEFAULT_PORT);
        curl_url_get(ub, CURLUPART_PORT, &pb, CURLU_DEFAULT_PORT);
        same = sa && sb && ha && hb && pa && pb && strcasecmp(sb, "https") == 0 && strcasecmp(sa, sb) == 0 &&
               strcasecmp(ha, hb) == 0 && strcmp(pa, pb) == 0;
        curl_free(sa);
        curl_free(sb);
        curl_free(ha);
        curl_free(hb);
        curl_free(pa);
        curl_free(pb);
    }
    curl_url_cleanup(ua);
    curl_url_cleanup(ub);
    return same;
}

/* ---- one transfer -------------------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    struct req *r = userp;
    size_t n = size * nmemb;
    if (n > r->f->cfg.max_body - r->len) {
        r->too_big = true;
        return 0; /* aborts the transfer */
    }
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 4096;
        while (cap < r->len + n)
            cap *= 2;
        uint8_t *b = realloc(r->body, cap);
        if (!b)
            return 0;
        r->body = b;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    return n;
}

static bool header_is(const char *line, size_t n, const char *name, const char **value)
{
    size_t k = strlen(name);
    if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return false;
    *value = line + k + 1;
    return true;
}

/* HTTP caching (RFC 9111 §5.2, §5.3): max-age wins over Expires; no-store/no-cache
 * mean "do not reuse" — the cache then keeps the entry only for its floor. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    struct req *r = userp;
    size_t n = size * nmemb;
    char line[512];
    size_t m = n < sizeof line - 1 ? n : sizeof line - 1;
    memcpy(line, data, m);
    line[m] = '\0';
    const char *v;
    if (strncmp(line, "HTTP/", 5) == 0) {
        r->max_age = -1; /* a new response (after 1xx or a redirect) starts over */
    } else if (header_is(line, m, "Cache-Control", &v)) {
        if (strcasestr(v, "no-store") || strcasestr(v, "no-cache")) {
            r->max_age = 0;
        } else {
            const char *ma = strcasestr(v, "max-age=");
            if (ma && isdigit((unsigned char)ma[8]))
                r->max_age = strtol(ma + 8, NULL, 10);
        }
    } else if (header_is(line, m, "Expires", &v) && r->max_age < 0) {
        time_t t = curl_getdate(v, NULL);
        time_t now = time(NULL);
        if (t != -1)
            r->max_age = t > now ? (long)(t - now) : 0;
    }
    return n;
}

static long ms_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)((now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000);
}

static bool setup(struct req *r)
{
    const struct fetch_cfg *c = &r->f->cfg;
    CURL *e = r->easy ? r->easy : curl_easy_init();
    if (!e)
        return false;
    r->easy = e;
    r->len = 0;
    r->too_big = r->refused_private = false;
    r->max_age = -1;
    long left = c->total_timeout_ms - ms_since(&r->started);
    curl_easy_setopt(e, CURLOPT_URL, r->cur);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
    curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L); /* we judge each redirect ourselves */
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, left > 1 ? left : 1L);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_body);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, r);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "stirprobe/" STIRPROBE_VERSION);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, NULL);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->ca_bundle)
        curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_bundle);
    if (r->connect_to)
        curl_easy_setopt(e, CURLOPT_CONNECT_TO, r->connect_to);
    return true;
}

static void req_free(struct req *r)
{
    if (!r)
        return;
    if (r->easy)
        curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->connect_to);
    free(r->body);
    free(r->url);
    free(r->cur);
    free(r);
}

static void unlink_active(struct fetcher *f, struct req *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else if (f->active == r)
        f->active = r->next;
    if (r->next)
        r->next->prev = r->prev;
    r->next = r->prev = NULL;
}

static void complete(struct fetcher *f, struct req *r, const char *error, long status)
{
    unlink_active(f, r);
    struct fetch_result res = {
        .url = r->url, .error = error, .http_status = status,
        .body = error ? NULL : r->body, .body_len = error ? 0 : r->len,
        .max_age = r->max_age,
    };
    f->done(f->ctx, &res);
    req_free(r);
}

static const char *curl_cause(const struct req *r, CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
        return r->refused_private ? "private-address" : "connect-failed";
    case CURLE_OPERATION_TIMEDOUT:
        return "timeout";
    case CURLE_COULDNT_RESOLVE_HOST:
        return "dns-failed";
    case CURLE_FILESIZE_EXCEEDED:
        return "too-big";
    case CURLE_WRITE_ERROR:
        return r->too_big ? "too-big" : "out-of-memory";
    case CURLE_UNSUPPORTED_PROTOCOL:
        return "not-https";
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
        return "tls-failed";
    default:
        return r->refused_private ? "private-address" : "transfer-failed";
    }
}

static void finished(struct fetcher *f, struct req *r, CURLcode rc)
{
    curl_multi_remove_handle(f->multi, r->easy);
    if (rc != CURLE_OK) {
        complete(f, r, curl_cause(r, rc), 0);
        return;
    }
    long status = 0;
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 300 && status < 400) {
        char *loc = NULL;
        curl_easy_getinfo(r->easy, CURLINFO_REDIRECT_URL, &loc);
        if (!loc) {
            complete(f, r, "redirect-without-location", status);
            return;
        }
        if (!same_origin(r->cur, loc)) {
            complete(f, r, "redirect-other-host", status);
            return;
        }
        if (++r->redirects > f->cfg.max_redirects) {
            complete(f, r, "too-many-redirects", status);
            return;
        }
        char *next = strdup(loc);
        if (!next) {
            complete(f, r, "out-of-memory", status);
            return;
        }
        free(r->cur);
        r->cur = next;
        if (!setup(r) || curl_multi_add_handle(f->multi, r->easy) != CURLM_OK)
            complete(f, r, "out-of-memory", status);
        return;
    }
    if (status != 200) {
        static char codes[600][9]; /* stable strings, written once per code */
        const char *why = "http-error";
        if (status >= 100 && status < 600) {
            if (!codes[status][0])
                snprintf(codes[status], sizeof codes[status], "http-%ld", status);
            why = codes[status];
        }
        complete(f, r, why, status);
        return;
    }
    complete(f, r, NULL, status);
}

/* ---- the thread ---------------------------------------------------------------------- */

static void start_queued(struct fetcher *f)
{
    pthread_mutex_lock(&f->lock);
    struct req *q = f->queue;
    f->queue = f->queue_tail = NULL;
    pthread_mutex_unlock(&f->lock);
    while (q) {
        struct req *r = q;
        q = q->next;
        clock_gettime(CLOCK_MONOTONIC, &r->started);
        const char *why = fetch_url_precheck(r->url);
        if (why) {
            complete(f, r, why, 0);
            continue;
        }
        for (size_t i = 0; i < f->cfg.n_connect_to; i++) {
            struct curl_slist *l = curl_slist_append(r->connect_to, f->cfg.connect_to[i]);
            if (l)
                r->connect_to = l;
        }
        r->next = f->active;
        r->prev = NULL;
        if (f->active)
            f->active->prev = r;
        f->active = r;
        if (!setup(r) || curl_multi_add_handle(f->multi, r->easy) != CURLM_OK)
            complete(f, r, "out-of-memory", 0);
    }
}

static void *run(void *arg)
{
    struct fetcher *f = arg;
    for (;;) {
        pthread_mutex_lock(&f->lock);
        bool stop = f->stop;
        pthread_mutex_unlock(&f->lock);
        if (stop)
            break;
        start_queued(f);
        int running = 0;
        curl_multi_perform(f->multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(f->multi, &left)) != NULL) {
            if (m->msg != CURLMSG_DONE)
                continue;
            struct req *r = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
            finished(f, r, m->data.result);
        }
        curl_multi_poll(f->multi, NULL, 0, 1000, NULL);
    }
    /* Shutdown: whatever is still in flight or queued is reported, never lost. */
    start_queued(f);
    while (f->active) {
        struct req *r = f->active;
        curl_multi_remove_handle(f->multi, r->easy);
        complete(f, r, "shutdown", 0);
    }
    return NULL;
}

static void parse_exempt(struct fetcher *f, const char *spec)
{
    /* HOST:PORT:HOST2:PORT2 — the third field is where curl really connects. */
    const char *p = spec;
    for (int i = 0; i < 2 && p; i++) {
        p = strchr(p, ':');
        if (p)
            p++;
    }
    if (!p)
        return;
    char host[64];
    size_t n = 0;
    if (*p == '[') {
        const char *end = strchr(++p, ']');
        n = end ? (size_t)(end - p) : 0;
    } else {
        const char *end = strchr(p, ':');
        n = end ? (size_t)(end - p) : strlen(p);
    }
    if (n == 0 || n >= sizeof host)
        return;
    memcpy(host, p, n);
    host[n] = '\0';
    struct exempt *x = &f->exempt[f->n_exempt];
    memset(x, 0, sizeof *x);
    /* The first two fields: which URL host and port the redirection is for. */
    const char *c1 = strchr(spec[0] == '[' && strchr(spec, ']') ? strchr(spec, ']') : spec, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    size_t hn = c1 ? (size_t)(c1 - spec) : 0, pn = c2 ? (size_t)(c2 - c1 - 1) : 0;
    if (!c2 || hn >= sizeof x->host || pn >= sizeof x->port)
        return;
    memcpy(x->host, spec, hn);
    memcpy(x->port, c1 + 1, pn);
    if (inet_pton(AF_INET, host, x->addr) == 1)
        x->family = AF_INET;
    else if (inet_pton(AF_INET6, host, x->addr) == 1)
        x->family = AF_INET6;
    else
        return;
    f->n_exempt++;
}

static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct fetcher *fetcher_new(const struct fetch_cfg *cfg, fetch_done_fn done, void *ctx, char *err,
                            size_t errlen)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, global_init);
    struct fetcher *f = calloc(1, sizeof *f);
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    f->cfg = *cfg;
    if (!f->cfg.connect_timeout_ms)
        f->cfg.connect_timeout_ms = 2000;
    if (!f->cfg.total_timeout_ms)
        f->cfg.total_timeout_ms = 5000;
    if (!f->cfg.max_body)
        f->cfg.max_body = 65536;
    if (!f->cfg.max_redirects)
        f->cfg.max_redirects = 3;
    if (!f->cfg.max_parallel)
        f->cfg.max_parallel = 32;
    for (size_t i = 0; i < f->cfg.n_connect_to && i < FETCH_MAX_CONNECT_TO; i++)
        parse_exempt(f, f->cfg.connect_to[i]);
    f->done = done;
    f->ctx = ctx;
    pthread_mutex_init(&f->lock, NULL);
    f->multi = curl_multi_init();
    if (!f->multi) {
        snprintf(err, errlen, "libcurl: cannot create a multi handle");
        pthread_mutex_destroy(&f->lock);
        free(f);
        return NULL;
    }
    curl_multi_setopt(f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)f->cfg.max_parallel);
    curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 4L);
    if (pthread_create(&f->thread, NULL, run, f) != 0) {
        snprintf(err, errlen, "cannot start the x5u fetch thread");
        curl_multi_cleanup(f->multi);
        pthread_mutex_destroy(&f->lock);
        free(f);
        return NULL;
    }
    return f;
}

void fetcher_request(struct fetcher *f, const char *url)
{
    struct req *r = calloc(1, sizeof *r);
    if (r) {
        r->f = f;
        r->url = strdup(url);
        r->cur = strdup(url);
        r->max_age = -1;
    }
    if (!r || !r->url || !r->cur) {
        struct fetch_result res = { .url = url, .error = "out-of-memory", .max_age = -1 };
        req_free(r);
        f->done(f->ctx, &res);
        return;
    }
    pthread_mutex_lock(&f->lock);
    if (f->queue_tail)
        f->queue_tail->next = r;
    else
        f->queue = r;
    f->queue_tail = r;
    pthread_mutex_unlock(&f->lock);
    curl_multi_wakeup(f->multi);
}

void fetcher_free(struct fetcher *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&f->lock);
    f->stop = true;
    pthread_mutex_unlock(&f->lock);
    curl_multi_wakeup(f->multi);
    pthread_join(f->thread, NULL);
    curl_multi_cleanup(f->multi);
    pthread_mutex_destroy(&f->lock);
    free(f);
}
