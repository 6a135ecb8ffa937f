/* summary: tests for verifier/verifier — the engine end to end with the test PKI's
 * --cert-map (no network): calls built like `stirprobe verify` builds them (a synthetic
 * INVITE through sip_parse, call_take_invite, call_take_identities) carrying PASSporTs
 * signed here with the tests/pki keys; one call per interface.md label, then 1000 calls
 * through the thread pool, the signature cache and the certificate records. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Project headers first: common/lhash.h names functions that OpenSSL's lhash.h (pulled
 * in by pem.h) defines as macros. */
#include "calls/call.h"
#include "decoders/b64url.h"
#include "decoders/sip.h"
#include "tests/ec_helpers.h"
#include "tests/unit/harness.h"
#include "verifier/verifier.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#define AT 1740830400 /* 2025-03-01T12:00:00Z: every PKI leaf has its README status */
#define X5U "https://certs.stirprobe.test/"
#define CALLER "12025550150"
#define CALLEE "13105550123"

/* ---- an ES256 signer ------------------------------------------------------------------ */

static EVP_PKEY *load_key(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "tests/pki/%s.key", name);
    FILE *f = fopen(path, "r");
    if (!th_check(f != NULL, __FILE__, __LINE__, "cannot open %s", path))
        return NULL;
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    th_check(k != NULL, __FILE__, __LINE__, "%s: not a private key", path);
    return k;
}

/* JWS "b64(hdr).b64(claims).b64(r||s)" signed with key; 0 on failure. */
static size_t sign_jws(EVP_PKEY *key, const char *hdr, const char *claims, char *out, size_t cap)
{
    size_t hn = strlen(hdr), cn = strlen(claims);
    if ((hn + cn) * 4 / 3 + 100 > cap)
        return 0;
    size_t o = b64url_encode((const uint8_t *)hdr, hn, out, cap);
    out[o++] = '.';
    o += b64url_encode((const uint8_t *)claims, cn, out + o, cap - o);
    size_t signed_len = o;
    uint8_t der[80], raw[64];
    size_t der_len = sizeof der;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
              EVP_DigestSign(md, der, &der_len, (const uint8_t *)out, signed_len) == 1;
    EVP_MD_CTX_free(md);
    if (!ok || !ec_test_raw_sig(der, der_len, raw))
        return 0;
    out[o++] = '.';
    o += b64url_encode(raw, sizeof raw, out + o, cap - o);
    out[o] = '\0';
    return o;
}

/* An Identity header value for a shaken PASSporT. x5u_name "" means a full URL in x5u. */
static bool identity(char *out, size_t cap, const char *signer, const char *x5u, const char *alg, const char *orig,
                     const char *dest, int64_t iat)
{
    EVP_PKEY *k = load_key(signer);
    if (!k)
        return false;
    char hdr[512], claims[512], jws[2048];
    snprintf(hdr, sizeof hdr, "{\"alg\":\"%s\",\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":\"%s\"}", alg, x5u);
    snprintf(claims, sizeof claims,
             "{\"attest\":\"A\",\"dest\":{\"tn\":[\"%s\"]},\"iat\":%lld,\"orig\":{\"tn\":\"%s\"},"
             "\"origid\":\"123e4567-e89b-12d3-a456-426614174000\"}",
             dest, (long long)iat, orig);
    size_t n = sign_jws(k, hdr, claims, jws, sizeof jws);
    EVP_PKEY_free(k);
    if (!CHECK(n > 0))
        return false;
    snprintf(out, cap, "%s;info=<%s>;ppt=shaken", jws, x5u);
    return true;
}

/* ---- calls the way cli/verify_cmd.c makes them --------------------------------------- */

static struct call *make_call(const char *call_id, const char *identity_value, const char *pai, const char *to,
                              int64_t at)
{
    char msg[8192], pai_hdr[128] = "", id_hdr[4200] = "";
    if (pai)
        snprintf(pai_hdr, sizeof pai_hdr, "P-Asserted-Identity: <sip:+%s@example.net;user=phone>\r\n", pai);
    if (identity_value)
        snprintf(id_hdr, sizeof id_hdr, "Identity: %s\r\n", identity_value);
    int n = snprintf(msg, sizeof msg,
                     "INVITE sip:+%s@example.net;user=phone SIP/2.0\r\n"
                     "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-%s\r\n"
                     "From: <sip:+%s@example.net;user=phone>;tag=1\r\n"
                     "To: <sip:+%s@example.net;user=phone>\r\n"
                     "%s"
                     "Call-ID: %s\r\n"
                     "CSeq: 1 INVITE\r\n"
                     "%s"
                     "Content-Length: 0\r\n\r\n",
                     to, call_id, pai ? pai : CALLER, to, pai_hdr, call_id, id_hdr);
    if (!CHECK(n > 0 && (size_t)n < sizeof msg))
        return NULL;
    struct sip_msg *m = calloc(1, sizeof *m);
    struct call *c = calloc(1, sizeof *c);
    if (!m || !c || !CHECK_EQ_INT(sip_parse((const uint8_t *)msg, (size_t)n, false, m), SIP_OK)) {
        free(m);
        free(c);
        return NULL;
    }
    c->shaken = -1;
    /* The call table keys calls by Call-ID; here the test names them itself. */
    c->call_id_len = (size_t)snprintf(c->call_id, sizeof c->call_id, "%s", call_id);
    struct pdu pdu = { .ts = { at, 0 } };
    call_take_invite(c, m, &pdu);
    call_take_identities(c, m, NULL);
    free(m);
    return c;
}

static struct verifier *new_verifier(int threads, size_t max_pending)
{
    struct verifier_cfg cfg = {
        .trust = "tests/pki/root.pem",
        .cert_map = "tests/pki/certmap.tsv",
        .max_iat_age = 60,
        .threads = threads,
        .max_pending = max_pending,
    };
    char err[256] = "";
    struct verifier *v = verifier_new(&cfg, err, sizeof err);
    th_check(v != NULL, __FILE__, __LINE__, "verifier_new: %s", err);
    return v;
}

/* ---- one call per label -------------------------------------------------------------- */

struct lcase {
    const char *name;
    const char *signer, *x5u, *alg, *orig, *dest;
    int64_t iat_delta;
    const char *raw;  /* Identity value used as is (no signing), "" = no Identity header */
    const char *label, *detail;
};

static const struct lcase cases[] = {
    { "pass", "sp-a", X5U "sp-a.pem", "ES256", CALLER, CALLEE, 0, NULL, "pass", NULL },
    { "pass-sp-b", "sp-b", X5U "sp-b.pem", "ES256", CALLER, CALLEE, -30, NULL, "pass", NULL },
    { "no-identity", NULL, NULL, NULL, NULL, NULL, 0, "", "no-identity", NULL },
    { "bad-format", NULL, NULL, NULL, NULL, NULL, 0, "abc.def;info=<" X5U "sp-a.pem>;ppt=shaken", "bad-format",
      NULL },
    { "unsupported-alg", "sp-a", X5U "sp-a.pem", "ES384", CALLER, CALLEE, 0, NULL, "unsupported-alg", NULL },
    { "fetch-not-mapped", "sp-a", X5U "nope.pem", "ES256", CALLER, CALLEE, 0, NULL, "cert-fetch-failed",
      "not-in-cert-map" },
    { "fetch-http", "sp-a", "http://certs.stirprobe.test/sp-a.pem", "ES256", CALLER, CALLEE, 0, NULL,
      "cert-fetch-failed", "not-https" },
    { "notyet", "notyet", X5U "notyet.pem", "ES256", CALLER, CALLEE, 0, NULL, "cert-invalid", "not-yet-valid" },
    { "no-tnauth", "no-tnauth", X5U "no-tnauth.pem", "ES256", CALLER, CALLEE, 0, NULL, "cert-invalid",
      "no-tnauthlist" },
    { "wrong-ku", "wrong-ku", X5U "wrong-ku.pem", "ES256", CALLER, CALLEE, 0, NULL, "cert-invalid",
      "no-digital-signature" },
    { "ca-leaf", "ca-leaf", X5U "ca-leaf.pem", "ES256", CALLER, CALLEE, 0, NULL, "cert-invalid", "ca-leaf" },
    { "expired", "expired", X5U "expired.pem", "ES256", CALLER, CALLEE, 0, NULL, "cert-expired", "expired" },
    { "untrusted", "untrusted", X5U "untrusted.pem", "ES256", CALLER, CALLEE, 0, NULL, "cert-untrusted", NULL },
    { "bad-signature", "sp-b", X5U "sp-a.pem", "ES256", CALLER, CALLEE, 0, NULL, "bad-signature",
      "signature-invalid" },
    { "tn-mismatch-orig", "sp-a", X5U "sp-a.pem", "ES256", "12025559999", CALLEE, 0, NULL, "tn-mismatch",
      "orig-not-pai" },
    { "tn-mismatch-dest", "sp-a", X5U "sp-a.pem", "ES256", CALLER, "13105550000", 0, NULL, "tn-mismatch",
      "dest-not-to" },
    { "stale-old", "sp-a", X5U "sp-a.pem", "ES256", CALLER, CALLEE, -61, NULL, "stale", "iat-too-old" },
    { "stale-edge", "sp-a", X5U "sp-a.pem", "ES256", CALLER, CALLEE, -60, NULL, "pass", NULL },
    { "stale-future", "sp-a", X5U "sp-a.pem", "ES256", CALLER, CALLEE, 61, NULL, "stale", "iat-in-future" },
    { "tnrange-in", "tnrange", X5U "tnrange.pem", "ES256", CALLER, CALLEE, 0, NULL, "pass", NULL },
    { "tnrange-out", "tnrange", X5U "tnrange.pem", "ES256", "12025550200", CALLEE, 0, NULL, "tn-mismatch",
      "orig-not-in-tnauthlist" },
};
#define N_CASES (sizeof cases / sizeof cases[0])

static char *case_values[N_CASES]; /* the Identity value of each case, signed once */

static bool prepare_cases(void)
{
    for (size_t i = 0; i < N_CASES; i++) {
        if (case_values[i])
            continue;
        case_values[i] = malloc(4096);
        if (!case_values[i])
            return false;
        const struct lcase *k = &cases[i];
        if (k->raw) {
            snprintf(case_values[i], 4096, "%s", k->raw);
        } else if (!identity(case_values[i], 4096, k->signer, k->x5u, k->alg, k->orig, k->dest,
                             AT + k->iat_delta)) {
            return false;
        }
    }
    return true;
}

static void free_cases(void)
{
    for (size_t i = 0; i < N_CASES; i++) {
        free(case_values[i]);
        case_values[i] = NULL;
    }
}

/* The PAI the call carries: the case's orig when it is meant to match. */
static struct call *case_call(size_t i, const char *call_id)
{
    const struct lcase *k = &cases[i];
    const char *pai = strcmp(k->name, "tnrange-out") == 0 ? "12025550200" : CALLER;
    return make_call(call_id, case_values[i][0] ? case_values[i] : NULL, pai, CALLEE, AT);
}

static bool check_case(size_t i, const struct call *c)
{
    const struct lcase *k = &cases[i];
    bool ok = th_check_str(c->verify_result, k->label, __FILE__, __LINE__, k->name);
    if (k->detail)
        ok &= th_check_str(c->verify_detail, k->detail, __FILE__, __LINE__, k->name);
    return ok;
}

static void vr_labels(void)
{
    if (!CHECK(prepare_cases()))
        return;
    struct verifier *v = new_verifier(1, 0);
    if (!v)
        return;
    for (size_t i = 0; i < N_CASES; i++) {
        struct call *c = case_call(i, cases[i].name);
        if (!c)
            continue;
        verifier_verify_now(v, c);
        check_case(i, c);
        if (c->n_idents) /* the Identity value carries the same verdict */
            th_check_str(c->idents[0]->verify_result, cases[i].label, __FILE__, __LINE__, cases[i].name);
        call_free(c);
    }
    verifier_free(v);
}

/* ---- 1000 calls through the pool ------------------------------------------------------- */

#define N_CALLS 1000

struct seen {
    unsigned count[N_CALLS];
    unsigned wrong, unknown;
};

static void on_done(void *ctx, struct call *c)
{
    struct seen *s = ctx;
    unsigned idx;
    if (sscanf(c->call_id, "bulk-%u", &idx) != 1 || idx >= N_CALLS) {
        s->unknown++;
    } else {
        s->count[idx]++;
        if (!check_case(idx % N_CASES, c))
            s->wrong++;
    }
    call_free(c);
}

struct url_seen {
    char url[N_CASES][128];
    unsigned count[N_CASES];
    size_t n;
    unsigned ok, failed, with_info;
};

static void on_cert(void *ctx, const struct verifier_cert_record *r)
{
    struct url_seen *u = ctx;
    size_t i;
    for (i = 0; i < u->n; i++)
        if (strcmp(u->url[i], r->x5u) == 0)
            break;
    if (i == u->n && u->n < N_CASES)
        snprintf(u->url[u->n++], sizeof u->url[0], "%s", r->x5u);
    if (i < N_CASES)
        u->count[i]++;
    if (strcmp(r->status, "ok") == 0) {
        u->ok++;
        u->with_info += r->info != NULL && r->body != NULL && r->body_len > 0 && r->error == NULL;
    } else {
        u->failed++;
    }
}

static void vr_bulk(void)
{
    if (!CHECK(prepare_cases()))
        return;
    struct verifier *v = new_verifier(4, 0);
    if (!v)
        return;
    static struct seen s;
    memset(&s, 0, sizeof s);
    size_t collected = 0;
    for (unsigned i = 0; i < N_CALLS; i++) {
        char id[32];
        snprintf(id, sizeof id, "bulk-%u", i);
        struct call *c = case_call(i % N_CASES, id);
        if (!c)
            break;
        verifier_submit(v, c);
        if (i % 97 == 0)
            collected += verifier_collect(v, false, on_done, &s);
    }
    collected += verifier_collect(v, true, on_done, &s);
    CHECK_EQ_INT(collected, N_CALLS);
    unsigned once = 0;
    for (unsigned i = 0; i < N_CALLS; i++)
        once += s.count[i] == 1;
    CHECK_EQ_INT(once, N_CALLS);
    CHECK_EQ_INT(s.wrong, 0);
    CHECK_EQ_INT(s.unknown, 0);
    CHECK_EQ_INT(verifier_collect(v, true, on_done, &s), 0); /* nothing left */

    struct verifier_counters n;
    verifier_get_counters(v, &n);
    CHECK_EQ_INT(n.calls_verified, N_CALLS);
    /* Every case but no-identity carries one PASSporT. */
    CHECK_EQ_INT(n.passports_verified, N_CALLS - N_CALLS / N_CASES - (N_CALLS % N_CASES > 2));
    /* The same token comes back ~48 times: the signature is checked once per token. */
    CHECK(n.signature_checks > 0);
    th_check(n.signature_cache_hits + 20 >= n.signature_checks, __FILE__, __LINE__,
             "signature cache: %llu hits of %llu checks", (unsigned long long)n.signature_cache_hits,
             (unsigned long long)n.signature_checks);
    CHECK(n.chain_cache_hits > 0);
    CHECK(n.x5u_cache_hits > 0);

    /* Each URL is recorded once, failures included. */
    static struct url_seen u;
    memset(&u, 0, sizeof u);
    verifier_take_certs(v, on_cert, &u);
    /* sp-a, sp-b, nope, http, notyet, no-tnauth, wrong-ku, ca-leaf, expired, untrusted, tnrange */
    CHECK_EQ_INT(u.n, 11);
    for (size_t i = 0; i < u.n; i++)
        th_check(u.count[i] == 1, __FILE__, __LINE__, "%s recorded %u times", u.url[i], u.count[i]);
    CHECK_EQ_INT(u.ok, 9);
    CHECK_EQ_INT(u.with_info, 9);
    CHECK_EQ_INT(u.failed, 2);
    CHECK_EQ_INT(verifier_take_certs(v, on_cert, &u), 0); /* only new records */
    verifier_free(v);
}

/* ---- back-pressure: submit beyond max_pending from one thread ------------------------- */

struct bp {
    struct verifier *v;
    size_t collected;
    bool done;
    struct seen *s;
};

/* What cli/pipeline.c does: submit, then collect without waiting, on one thread. */
static void *bp_run(void *arg)
{
    struct bp *b = arg;
    for (unsigned i = 0; i < 40; i++) {
        char id[32];
        snprintf(id, sizeof id, "bulk-%u", i);
        struct call *c = case_call(i % N_CASES, id);
        if (!c)
            break;
        verifier_submit(b->v, c);
        b->collected += verifier_collect(b->v, false, on_done, b->s);
    }
    b->collected += verifier_collect(b->v, true, on_done, b->s);
    b->done = true;
    return NULL;
}

static void vr_backpressure(void)
{
    if (!CHECK(prepare_cases()))
        return;
    struct verifier *v = new_verifier(2, 4);
    if (!v)
        return;
    static struct seen s;
    memset(&s, 0, sizeof s);
    struct bp b = { .v = v, .s = &s };
    pthread_t th;
    if (!CHECK(pthread_create(&th, NULL, bp_run, &b) == 0)) {
        verifier_free(v);
        return;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 20;
    int rc = pthread_timedjoin_np(th, NULL, &until);
    if (!th_check(rc == 0, __FILE__, __LINE__, "submitting past max_pending from one thread hangs (%s)",
                  rc == ETIMEDOUT ? "timeout" : "join failed")) {
        pthread_detach(th); /* stuck for good: leave the verifier to it */
        return;
    }
    CHECK(b.done);
    CHECK_EQ_INT(b.collected, 40);
    CHECK_EQ_INT(s.wrong, 0);
    verifier_free(v);
}

/* ---- certificate cache caps -------------------------------------------------------------- */

/* Entries over the byte cap (or the count cap) go, oldest first, and are counted. */
static void vr_cert_cache_caps(void)
{
    size_t len = 0;
    char *body = th_read_file("tests/pki/sp-a.chain.pem", &len);
    th_check(body != NULL && len > 0, __FILE__, __LINE__, "tests/pki/sp-a.chain.pem");
    if (!body)
        return;
    struct verifier_cfg cfg = { .trust = "tests/pki/root.pem", .threads = 1, .max_iat_age = 60,
                                .max_cert_bytes = 3 * len + len / 2, .max_certs = 100 };
    char err[256] = "";
    struct verifier *v = verifier_new(&cfg, err, sizeof err);
    th_check(v != NULL, __FILE__, __LINE__, "verifier_new: %s", err);
    if (!v) {
        free(body);
        return;
    }
    int64_t now = (int64_t)time(NULL);
    char url[64];
    for (int i = 0; i < 10; i++) {
        snprintf(url, sizeof url, "https://certs.example.com/%d.pem", i);
        verifier_seed(v, url, (const uint8_t *)body, len, now, now + 3600);
    }
    struct verifier_counters n;
    verifier_get_counters(v, &n);
    CHECK_EQ_INT((long long)n.certs_evicted, 7); /* three chains fit in 3.5 bodies' worth */
    verifier_free(v);

    cfg.max_cert_bytes = 0; /* default 64 MiB: the count cap decides */
    cfg.max_certs = 4;
    v = verifier_new(&cfg, err, sizeof err);
    th_check(v != NULL, __FILE__, __LINE__, "verifier_new: %s", err);
    if (v) {
        for (int i = 0; i < 10; i++) {
            snprintf(url, sizeof url, "https://certs.example.com/%d.pem", i);
            verifier_seed(v, url, (const uint8_t *)body, len, now, now + 3600);
        }
        verifier_get_counters(v, &n);
        CHECK_EQ_INT((long long)n.certs_evicted, 6);
        verifier_free(v);
    }
    free(body);
}

/* ---- configuration errors ---------------------------------------------------------------- */

static void vr_config(void)
{
    char err[256];
    struct verifier_cfg cfg = { .cert_map = "tests/pki/certmap.tsv", .threads = 1 };
    err[0] = '\0';
    CHECK(verifier_new(&cfg, err, sizeof err) == NULL); /* no trust */
    CHECK(err[0] != '\0');
    cfg.trust = "/nonexistent/roots";
    err[0] = '\0';
    CHECK(verifier_new(&cfg, err, sizeof err) == NULL);
    CHECK(err[0] != '\0');
    cfg.trust = "tests/pki/root.pem";
    cfg.cert_map = "/nonexistent/certmap.tsv";
    err[0] = '\0';
    CHECK(verifier_new(&cfg, err, sizeof err) == NULL);
    CHECK(strstr(err, "/nonexistent/certmap.tsv") != NULL);
    /* A map line without a tab. */
    cfg.cert_map = "tests/pki/README";
    err[0] = '\0';
    CHECK(verifier_new(&cfg, err, sizeof err) == NULL);
    CHECK(strstr(err, "expected URL<TAB>path") != NULL);
}

void test_verifier(void)
{
    RUN(vr_config);
    RUN(vr_labels);
    RUN(vr_bulk);
    RUN(vr_backpressure);
    RUN(vr_cert_cache_caps);
    free_cases();
}
