/* summary: tests for decoders/cert — x5u bodies to chains (PEM, DER, garbage, limits),
 * the leaf description, trust anchors from files and directories, and cert_check at
 * fixed packet times for every leaf of the test PKI (tests/pki/README) and the
 * libstirshaken vectors; cert_check from several threads at once. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "decoders/cert.h"
#include "tests/unit/harness.h"

#define PKI "tests/pki/"
#define VEC "tests/unit/vectors/"

#define AT_2025 1740830400       /* 2025-03-01T12:00:00Z, the test captures' day */
#define LEAF_NOT_BEFORE 1704067200 /* 2024-01-01T00:00:00Z */
#define LEAF_NOT_AFTER 1893456000  /* 2030-01-01T00:00:00Z */

static struct cert_chain *load_chain(const char *path, const char **why)
{
    size_t len;
    char *b = th_read_file(path, &len);
    const char *w = "unreadable";
    struct cert_chain *c = b ? cert_chain_parse((const uint8_t *)b, len, &w) : NULL;
    free(b);
    if (why)
        *why = w;
    return c;
}

static struct cert_trust *load_trust(const char *path)
{
    char err[256] = "";
    struct cert_trust *t = cert_trust_load(path, err, sizeof err);
    th_check(t != NULL, __FILE__, __LINE__, "trust %s: %s", path, err);
    return t;
}

/* DER of the first certificate of a PEM file, converted with OpenSSL. */
static uint8_t *pem_to_der(const char *path, size_t *len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    uint8_t *der = NULL;
    int n = x ? i2d_X509(x, &der) : -1;
    X509_free(x);
    if (n <= 0)
        return NULL;
    *len = (size_t)n;
    return der; /* OPENSSL_free */
}

static void crt_parse_pem(void)
{
    const char *why = "x";
    struct cert_chain *c = load_chain(PKI "sp-a.chain.pem", &why);
    if (!CHECK(c != NULL))
        return;
    CHECK_EQ_STR(why, NULL);
    CHECK_EQ_INT(cert_chain_info(c)->chain_len, 2);
    CHECK(cert_chain_pubkey(c) != NULL);
    CHECK(EVP_PKEY_is_a(cert_chain_pubkey(c), "EC"));
    int64_t lo, hi;
    cert_chain_window(c, &lo, &hi);
    CHECK_EQ_INT(lo, LEAF_NOT_BEFORE);       /* intermediate: 2020..2040 */
    CHECK_EQ_INT(hi, LEAF_NOT_AFTER);
    cert_chain_free(c);

    c = load_chain(PKI "sp-a.pem", &why);
    if (CHECK(c != NULL))
        CHECK_EQ_INT(cert_chain_info(c)->chain_len, 1);
    cert_chain_free(c);

    /* Leading whitespace before the PEM armour, and text after it. */
    size_t len;
    char *pem = th_read_file(PKI "sp-a.chain.pem", &len);
    if (!pem)
        return;
    char *buf = malloc(len + 64);
    int n = snprintf(buf, len + 64, "\r\n  \t%s\ntrailing words\n", pem);
    c = cert_chain_parse((const uint8_t *)buf, (size_t)n, &why);
    if (CHECK(c != NULL))
        CHECK_EQ_INT(cert_chain_info(c)->chain_len, 2);
    cert_chain_free(c);
    free(buf);
    free(pem);
}

static void crt_parse_der(void)
{
    size_t len = 0;
    uint8_t *der = pem_to_der(PKI "sp-a.pem", &len);
    if (!CHECK(der != NULL))
        return;
    const char *why = "x";
    struct cert_chain *c = cert_chain_parse(der, len, &why);
    struct cert_chain *p = load_chain(PKI "sp-a.pem", NULL);
    if (CHECK(c != NULL) && CHECK(p != NULL)) {
        CHECK_EQ_STR(why, NULL);
        CHECK_EQ_INT(cert_chain_info(c)->chain_len, 1);
        CHECK_EQ_STR(cert_chain_info(c)->sha256, cert_chain_info(p)->sha256);
        CHECK_EQ_STR(cert_chain_info(c)->subject, cert_chain_info(p)->subject);
        CHECK_EQ_STR(cert_chain_info(c)->tnauth_text, "spc:1001");
    }
    cert_chain_free(c);
    cert_chain_free(p);
    /* DER with a trailing byte is not one certificate; a cut DER is nothing. */
    uint8_t *more = malloc(len + 1);
    memcpy(more, der, len);
    more[len] = 0;
    c = cert_chain_parse(more, len + 1, &why);
    CHECK(c == NULL);
    CHECK_EQ_STR(why, "not-a-certificate");
    c = cert_chain_parse(der, len - 1, &why);
    CHECK(c == NULL);
    CHECK_EQ_STR(why, "not-a-certificate");
    c = cert_chain_parse(der, 1, &why);
    CHECK(c == NULL);
    CHECK_EQ_STR(why, "not-a-certificate");
    free(more);
    OPENSSL_free(der);
}

static void crt_parse_bad(void)
{
    const char *why = NULL;
    CHECK(cert_chain_parse((const uint8_t *)"", 0, &why) == NULL);
    CHECK_EQ_STR(why, "empty");
    static const char garbage[] = "<html><body>404 Not Found</body></html>\n";
    CHECK(cert_chain_parse((const uint8_t *)garbage, strlen(garbage), &why) == NULL);
    CHECK_EQ_STR(why, "not-a-certificate");
    static const char armour[] = "-----BEGIN CERTIFICATE-----\nnot base64 at all!!\n-----END CERTIFICATE-----\n";
    CHECK(cert_chain_parse((const uint8_t *)armour, strlen(armour), &why) == NULL);
    CHECK_EQ_STR(why, "not-a-certificate");
    static const char key_only[] = "-----BEGIN PUBLIC KEY-----\n"
                                   "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n";
    CHECK(cert_chain_parse((const uint8_t *)key_only, strlen(key_only), &why) == NULL);
    CHECK_EQ_STR(why, "not-a-certificate");
    static const char armour_only[] = "-----BEGIN ";
    CHECK(cert_chain_parse((const uint8_t *)armour_only, strlen(armour_only), &why) == NULL);
    CHECK_EQ_STR(why, "not-a-certificate");
    static const uint8_t nul[4] = { 0 };
    CHECK(cert_chain_parse(nul, sizeof nul, &why) == NULL);
    CHECK_EQ_STR(why, "not-a-certificate");

    /* Over 64 KiB: too-big, even when it starts with a good chain; 64 KiB exactly is read. */
    size_t len;
    char *pem = th_read_file(PKI "sp-a.chain.pem", &len);
    if (!pem)
        return;
    uint8_t *big = malloc(CERT_BODY_MAX + 1);
    memset(big, '\n', CERT_BODY_MAX + 1);
    memcpy(big, pem, len);
    struct cert_chain *c = cert_chain_parse(big, CERT_BODY_MAX + 1, &why);
    CHECK(c == NULL);
    CHECK_EQ_STR(why, "too-big");
    c = cert_chain_parse(big, CERT_BODY_MAX, &why);
    if (CHECK(c != NULL))
        CHECK_EQ_INT(cert_chain_info(c)->chain_len, 2);
    cert_chain_free(c);
    free(big);

    /* CERT_MAX_CHAIN certificates are accepted, one more is too-many-certs. */
    size_t cap = (len + 1) * (CERT_MAX_CHAIN + 2);
    char *many = malloc(cap);
    size_t n = 0;
    for (int i = 0; i < CERT_MAX_CHAIN / 2; i++) { /* the file holds two */
        memcpy(many + n, pem, len);
        n += len;
        many[n++] = '\n';
    }
    c = cert_chain_parse((const uint8_t *)many, n, &why);
    if (CHECK(c != NULL))
        CHECK_EQ_INT(cert_chain_info(c)->chain_len, CERT_MAX_CHAIN);
    cert_chain_free(c);
    memcpy(many + n, pem, len); /* the leaf of the next copy is the ninth */
    n += len;
    c = cert_chain_parse((const uint8_t *)many, n, &why);
    CHECK(c == NULL);
    CHECK_EQ_STR(why, "too-many-certs");
    free(many);
    free(pem);
}

static void crt_info(void)
{
    struct cert_chain *c = load_chain(PKI "sp-a.chain.pem", NULL);
    if (!CHECK(c != NULL))
        return;
    const struct cert_info *ci = cert_chain_info(c);
    CHECK_EQ_STR(ci->subject, "CN=SHAKEN 1001,O=stirprobe test,C=US");
    CHECK_EQ_STR(ci->issuer, "CN=stirprobe Test STI-CA Intermediate,O=stirprobe test,C=US");
    CHECK_EQ_INT(ci->not_before, LEAF_NOT_BEFORE);
    CHECK_EQ_INT(ci->not_after, LEAF_NOT_AFTER);
    CHECK(ci->has_tnauth);
    CHECK_EQ_STR(ci->tnauth_error, NULL);
    CHECK_EQ_INT(ci->tnauth.n_spc, 1);
    CHECK_EQ_STR(ci->tnauth.spc[0], "1001");
    CHECK_EQ_STR(ci->tnauth_text, "spc:1001");
    CHECK(ci->has_key_usage);
    CHECK(ci->digital_signature);
    CHECK(!ci->is_ca);
    CHECK(ci->shaken_policy);
    CHECK_EQ_STR(ci->crl_dp, "https://crl.test.invalid/sti-pa.crl");
    CHECK_EQ_INT(ci->chain_len, 2);

    /* sha256 is the SHA-256 of the leaf's DER (openssl x509 -outform DER | sha256sum). */
    size_t len = 0;
    uint8_t *der = pem_to_der(PKI "sp-a.pem", &len);
    unsigned char md[32];
    unsigned mdlen = 0;
    char hex[65] = "";
    if (CHECK(der != NULL) && CHECK(EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL) == 1)) {
        for (unsigned i = 0; i < mdlen; i++)
            snprintf(hex + 2 * i, 3, "%02x", md[i]);
        CHECK_EQ_STR(ci->sha256, hex);
    }
    OPENSSL_free(der);
    cert_chain_free(c);

    /* The other leaves' distinguishing fields. */
    c = load_chain(PKI "wrong-ku.chain.pem", NULL);
    if (CHECK(c != NULL)) {
        CHECK(cert_chain_info(c)->has_key_usage);
        CHECK(!cert_chain_info(c)->digital_signature);
    }
    cert_chain_free(c);
    c = load_chain(PKI "ca-leaf.chain.pem", NULL);
    if (CHECK(c != NULL))
        CHECK(cert_chain_info(c)->is_ca);
    cert_chain_free(c);
    c = load_chain(PKI "no-tnauth.chain.pem", NULL);
    if (CHECK(c != NULL)) {
        CHECK(!cert_chain_info(c)->has_tnauth);
        CHECK_EQ_STR(cert_chain_info(c)->tnauth_text, "");
    }
    cert_chain_free(c);
    c = load_chain(PKI "expired.chain.pem", NULL);
    if (CHECK(c != NULL)) {
        CHECK_EQ_INT(cert_chain_info(c)->not_before, 1672531200); /* 2023-01-01 */
        CHECK_EQ_INT(cert_chain_info(c)->not_after, 1717200000);  /* 2024-06-01 */
    }
    cert_chain_free(c);
    c = load_chain(PKI "notyet.chain.pem", NULL);
    if (CHECK(c != NULL))
        CHECK_EQ_INT(cert_chain_info(c)->not_before, 1798761600); /* 2027-01-01 */
    cert_chain_free(c);
    c = load_chain(PKI "sp-b.chain.pem", NULL);
    if (CHECK(c != NULL)) {
        CHECK_EQ_STR(cert_chain_info(c)->tnauth_text, "spc:1002");
        CHECK_EQ_STR(cert_chain_info(c)->subject, "CN=SHAKEN 1002,O=stirprobe test,C=US");
    }
    cert_chain_free(c);
    /* libstirshaken's leaf: no keyUsage, no policies, no CRL DP. */
    c = load_chain(VEC "libstirshaken_sp.pem", NULL);
    if (CHECK(c != NULL)) {
        const struct cert_info *li = cert_chain_info(c);
        CHECK(!li->has_key_usage);
        CHECK(!li->digital_signature);
        CHECK(!li->shaken_policy);
        CHECK_EQ_STR(li->crl_dp, "");
        CHECK_EQ_STR(li->subject, "CN=SignalWire STI-SP Test,C=US");
    }
    cert_chain_free(c);
}

static const char *check_at(const struct cert_trust *t, const char *path, int64_t at, const char **detail)
{
    struct cert_chain *c = load_chain(path, NULL);
    *detail = "(no chain)";
    if (!th_check(c != NULL, __FILE__, __LINE__, "cannot parse %s", path))
        return "(no chain)";
    const char *label = cert_check(t, c, at, detail);
    cert_chain_free(c);
    return label;
}

static void crt_check_pki(void)
{
    struct cert_trust *t = load_trust(PKI "root.pem");
    if (!t)
        return;
    CHECK_EQ_INT(cert_trust_count(t), 1);
    static const struct {
        const char *file, *label, *detail;
    } cases[] = {
        { PKI "sp-a.chain.pem", NULL, "" },
        { PKI "sp-b.chain.pem", NULL, "" },
        { PKI "tnrange.chain.pem", NULL, "" },
        { PKI "expired.chain.pem", "cert-expired", "expired" },
        { PKI "notyet.chain.pem", "cert-invalid", "not-yet-valid" },
        { PKI "no-tnauth.chain.pem", "cert-invalid", "no-tnauthlist" },
        { PKI "wrong-ku.chain.pem", "cert-invalid", "no-digital-signature" },
        { PKI "ca-leaf.chain.pem", "cert-invalid", "ca-leaf" },
        { PKI "untrusted.chain.pem", "cert-untrusted", NULL },
        /* Leaves alone: the intermediate is missing, nothing chains to the root. */
        { PKI "sp-a.pem", "cert-untrusted", "unable to get local issuer certificate" },
        { PKI "untrusted.pem", "cert-untrusted", "unable to get local issuer certificate" },
        /* Leaf faults outrank expiry and trust even without the chain. */
        { PKI "notyet.pem", "cert-invalid", "not-yet-valid" },
        { PKI "no-tnauth.pem", "cert-invalid", "no-tnauthlist" },
        /* Expiry outranks the missing intermediate. */
        { PKI "expired.pem", "cert-expired", "expired" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *detail = NULL;
        const char *label = check_at(t, cases[i].file, AT_2025, &detail);
        th_check_str(label, cases[i].label, __FILE__, __LINE__, cases[i].file);
        if (cases[i].detail)
            th_check_str(detail, cases[i].detail, __FILE__, __LINE__, cases[i].file);
        else
            th_check(detail && *detail, __FILE__, __LINE__, "%s: detail \"%s\"", cases[i].file,
                     detail ? detail : "(null)");
    }
    cert_trust_free(t);
}

static void crt_check_times(void)
{
    struct cert_trust *t = load_trust(PKI "root.pem");
    struct cert_chain *c = load_chain(PKI "sp-a.chain.pem", NULL);
    if (!t || !c)
        goto out;
    const char *d;
    /* After notAfter: expired. Before notBefore: not yet valid (cert-invalid). */
    CHECK_EQ_STR(cert_check(t, c, LEAF_NOT_AFTER + 1, &d), "cert-expired");
    CHECK_EQ_STR(d, "expired");
    CHECK_EQ_STR(cert_check(t, c, LEAF_NOT_AFTER + 86400 * 365, &d), "cert-expired");
    CHECK_EQ_STR(cert_check(t, c, LEAF_NOT_BEFORE - 1, &d), "cert-invalid");
    CHECK_EQ_STR(d, "not-yet-valid");
    CHECK_EQ_STR(cert_check(t, c, 0, &d), "cert-invalid");
    /* The validity period includes both ends (RFC 5280 §4.1.2.5). */
    CHECK_EQ_STR(cert_check(t, c, LEAF_NOT_BEFORE, &d), NULL);
    CHECK_EQ_STR(d, "");
    CHECK_EQ_STR(cert_check(t, c, LEAF_NOT_AFTER, &d), NULL);
    CHECK_EQ_STR(d, "");
    CHECK_EQ_STR(cert_check(t, c, LEAF_NOT_AFTER - 1, &d), NULL);
    /* Checks do not depend on earlier calls. */
    CHECK_EQ_STR(cert_check(t, c, AT_2025, &d), NULL);
    CHECK_EQ_STR(cert_check(t, c, LEAF_NOT_AFTER + 1, &d), "cert-expired");
    CHECK_EQ_STR(cert_check(t, c, AT_2025, &d), NULL);
    cert_chain_free(c);

    /* The expired leaf was good while it lasted; notyet becomes good in 2027. */
    c = load_chain(PKI "expired.chain.pem", NULL);
    if (c) {
        CHECK_EQ_STR(cert_check(t, c, 1700000000, &d), NULL); /* 2023-11 */
        CHECK_EQ_STR(cert_check(t, c, 1672531199, &d), "cert-invalid");
    }
    cert_chain_free(c);
    c = load_chain(PKI "notyet.chain.pem", NULL);
    if (c)
        CHECK_EQ_STR(cert_check(t, c, 1800000000, &d), NULL); /* 2027-01 */
    cert_chain_free(c);
    /* A rogue chain stays untrusted at any time; a bad leaf stays invalid. */
    c = load_chain(PKI "untrusted.chain.pem", NULL);
    if (c)
        CHECK_EQ_STR(cert_check(t, c, LEAF_NOT_AFTER + 1, &d), "cert-expired"); /* expiry first */
    cert_chain_free(c);
    c = load_chain(PKI "wrong-ku.chain.pem", NULL);
    if (c)
        CHECK_EQ_STR(cert_check(t, c, LEAF_NOT_AFTER + 1, &d), "cert-invalid");
    cert_chain_free(c);
    c = NULL;
out:
    cert_chain_free(c);
    cert_trust_free(t);
}

static void crt_trust(void)
{
    char err[256] = "";
    /* Missing file, missing directory, a file without certificates. */
    CHECK(cert_trust_load("/nonexistent/roots.pem", err, sizeof err) == NULL);
    CHECK(strstr(err, "/nonexistent/roots.pem") != NULL);
    err[0] = '\0';
    CHECK(cert_trust_load(PKI "README", err, sizeof err) == NULL);
    CHECK(err[0] != '\0');
    CHECK(cert_trust_load(PKI "root.key", err, sizeof err) == NULL);

    /* A directory: only .pem, .crt and .cer files count. */
    char dir[] = "/tmp/stirprobe-trust-XXXXXX";
    if (!CHECK(mkdtemp(dir) != NULL))
        return;
    char path[256], other[256];
    snprintf(path, sizeof path, "%s/root.pem", dir);
    snprintf(other, sizeof other, "%s/rogue.txt", dir);
    err[0] = '\0';
    CHECK(cert_trust_load(dir, err, sizeof err) == NULL); /* empty directory */
    CHECK(err[0] != '\0');
    size_t len;
    char *root = th_read_file(PKI "root.pem", &len);
    char *rogue = th_read_file(PKI "rogue-root.pem", &len);
    FILE *f = fopen(path, "w");
    if (f && root) {
        fputs(root, f);
        fputc('\n', f);
    }
    if (f)
        fclose(f);
    f = fopen(other, "w");
    if (f && rogue) {
        fputs(rogue, f);
        fputc('\n', f);
    }
    if (f)
        fclose(f);
    struct cert_trust *t = cert_trust_load(dir, err, sizeof err);
    if (CHECK(t != NULL)) {
        CHECK_EQ_INT(cert_trust_count(t), 1);
        const char *d;
        CHECK_EQ_STR(check_at(t, PKI "sp-a.chain.pem", AT_2025, &d), NULL);
        CHECK_EQ_STR(check_at(t, PKI "untrusted.chain.pem", AT_2025, &d), "cert-untrusted");
    }
    cert_trust_free(t);
    /* Rename the rogue root to .crt: now it is an anchor as well. */
    char crt[256];
    snprintf(crt, sizeof crt, "%s/rogue.crt", dir);
    CHECK(rename(other, crt) == 0);
    t = cert_trust_load(dir, err, sizeof err);
    if (CHECK(t != NULL)) {
        CHECK_EQ_INT(cert_trust_count(t), 2);
        const char *d;
        CHECK_EQ_STR(check_at(t, PKI "untrusted.chain.pem", AT_2025, &d), NULL);
    }
    cert_trust_free(t);
    unlink(crt);
    unlink(path);
    rmdir(dir);
    free(root);
    free(rogue);

    /* A file: root.pem itself. The rogue root alone trusts only the rogue chain. */
    t = load_trust(PKI "rogue-root.pem");
    if (t) {
        const char *d;
        CHECK_EQ_STR(check_at(t, PKI "untrusted.chain.pem", AT_2025, &d), NULL);
        CHECK_EQ_STR(check_at(t, PKI "sp-a.chain.pem", AT_2025, &d), "cert-untrusted");
    }
    cert_trust_free(t);

    /* An intermediate as the anchor (partial chain): the leaf alone is enough. */
    t = load_trust(PKI "intermediate.pem");
    if (t) {
        const char *d;
        CHECK_EQ_STR(check_at(t, PKI "sp-a.chain.pem", AT_2025, &d), NULL);
        CHECK_EQ_STR(check_at(t, PKI "sp-a.pem", AT_2025, &d), NULL);
        CHECK_EQ_STR(check_at(t, PKI "tnrange.pem", AT_2025, &d), NULL);
        CHECK_EQ_STR(check_at(t, PKI "untrusted.chain.pem", AT_2025, &d), "cert-untrusted");
        CHECK_EQ_STR(check_at(t, PKI "expired.pem", AT_2025, &d), "cert-expired");
    }
    cert_trust_free(t);
}

static void crt_libstirshaken(void)
{
    struct cert_trust *t = load_trust(VEC "libstirshaken_ca.pem");
    if (!t)
        return;
    const char *d;
    /* sp.pem chains to ca.pem, but its TNAuthList is an IA5String, not a SEQUENCE. */
    CHECK_EQ_STR(check_at(t, VEC "libstirshaken_sp.pem", AT_2025, &d), "cert-invalid");
    CHECK_EQ_STR(d, "bad-tnauthlist");
    /* wrongsp.pem is issued by a "Wrong CA" nobody has (MANIFEST: cert-untrusted), but its
     * TNAuthList is malformed too (IA5String "n/a"): a leaf fault, which interface.md
     * ranks first, so the label is cert-invalid. */
    CHECK_EQ_STR(check_at(t, VEC "libstirshaken_wrongsp.pem", AT_2025, &d), "cert-invalid");
    CHECK_EQ_STR(d, "bad-tnauthlist");
    /* With the PKI root as anchor, neither chains; the leaf fault still comes first. */
    cert_trust_free(t);
    t = load_trust(PKI "root.pem");
    if (t)
        CHECK_EQ_STR(check_at(t, VEC "libstirshaken_sp.pem", AT_2025, &d), "cert-invalid");
    cert_trust_free(t);
}

/* ---- concurrency -------------------------------------------------------------------- */

struct thr {
    const struct cert_trust *t;
    const struct cert_chain *c, *bad;
    int mismatches;
    int runs;
};

static const int64_t thr_times[] = { AT_2025, LEAF_NOT_AFTER + 1, LEAF_NOT_BEFORE - 1, 1800000000 };
static const char *const thr_want[] = { NULL, "cert-expired", "cert-invalid", NULL };

static void *thr_run(void *arg)
{
    struct thr *a = arg;
    for (int i = 0; i < 200; i++) {
        size_t k = (size_t)i % 4;
        const char *d = NULL;
        const char *l = cert_check(a->t, a->c, thr_times[k], &d);
        if (!((l == NULL && thr_want[k] == NULL) || (l && thr_want[k] && strcmp(l, thr_want[k]) == 0)) || !d)
            a->mismatches++;
        l = cert_check(a->t, a->bad, AT_2025, &d);
        if (!l || strcmp(l, "cert-untrusted") != 0)
            a->mismatches++;
        a->runs++;
    }
    return NULL;
}

static void crt_threads(void)
{
    struct cert_trust *t = load_trust(PKI "root.pem");
    struct cert_chain *c = load_chain(PKI "sp-a.chain.pem", NULL);
    struct cert_chain *bad = load_chain(PKI "untrusted.chain.pem", NULL);
    if (t && c && bad) {
        struct thr args[4];
        pthread_t th[4];
        int started = 0;
        for (int i = 0; i < 4; i++) {
            args[i] = (struct thr){ .t = t, .c = c, .bad = bad };
            if (pthread_create(&th[i], NULL, thr_run, &args[i]) == 0)
                started++;
            else
                break;
        }
        CHECK_EQ_INT(started, 4);
        for (int i = 0; i < started; i++) {
            pthread_join(th[i], NULL);
            CHECK_EQ_INT(args[i].runs, 200);
            CHECK_EQ_INT(args[i].mismatches, 0);
        }
    }
    cert_chain_free(bad);
    cert_chain_free(c);
    cert_trust_free(t);
}

void test_cert(void)
{
    RUN(crt_parse_pem);
    RUN(crt_parse_der);
    RUN(crt_parse_bad);
    RUN(crt_info);
    RUN(crt_check_pki);
    RUN(crt_check_times);
    RUN(crt_trust);
    RUN(crt_libstirshaken);
    RUN(crt_threads);
}
