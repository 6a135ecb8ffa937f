/* summary: x5u certificate chains — parsing, leaf description and the checks of
 * interface.md at the packet's time, on OpenSSL's X509 verifier. */
#include "decoders/cert.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define OID_TNAUTHLIST "1.3.6.1.5.5.7.1.26"
#define OID_SHAKEN_POLICY "2.16.840.1.114569.1.1.1"

struct cert_chain {
    X509 *leaf;
    STACK_OF(X509) *untrusted; /* the rest of the x5u body: intermediates */
    EVP_PKEY *pubkey;
    int64_t window_lo, window_hi;
    struct cert_info info;
};

struct cert_trust {
    X509_STORE *store;
    size_t count;
};

/* ---- parsing ------------------------------------------------------------------------ */

static bool asn1_time_epoch(const ASN1_TIME *t, int64_t *out)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return false;
    *out = (int64_t)timegm(&tm);
    return true;
}

static void name_text(const X509_NAME *n, char *buf, size_t cap)
{
    buf[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return;
    if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0) {
        int k = BIO_read(b, buf, (int)cap - 1);
        buf[k > 0 ? k : 0] = '\0';
    }
    BIO_free(b);
}

static bool oid_is(const ASN1_OBJECT *o, const char *dotted)
{
    char txt[64];
    int k = OBJ_obj2txt(txt, sizeof txt, o, 1);
    return k > 0 && (size_t)k < sizeof txt && strcmp(txt, dotted) == 0;
}

static void describe_tnauth(X509 *x, struct cert_info *ci)
{
    for (int i = 0; i < X509_get_ext_count(x); i++) {
        X509_EXTENSION *e = X509_get_ext(x, i);
        if (!oid_is(X509_EXTENSION_get_object(e), OID_TNAUTHLIST))
            continue;
        if (ci->has_tnauth) {
            ci->tnauth_error = "duplicate-tnauthlist";
            return;
        }
        ci->has_tnauth = true;
        const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(e);
        ci->tnauth_error = tnauth_parse(ASN1_STRING_get0_data(v), (size_t)ASN1_STRING_length(v), &ci->tnauth);
        if (!ci->tnauth_error)
            tnauth_str(&ci->tnauth, ci->tnauth_text, sizeof ci->tnauth_text);
    }
}

static void describe_policies(X509 *x, struct cert_info *ci)
{
    CERTIFICATEPOLICIES *pol = X509_get_ext_d2i(x, NID_certificate_policies, NULL, NULL);
    if (!pol)
        return;
    for (int i = 0; i < sk_POLICYINFO_num(pol); i++)
        if (oid_is(sk_POLICYINFO_value(pol, i)->policyid, OID_SHAKEN_POLICY))
            ci->shaken_policy = true;
    CERTIFICATEPOLICIES_free(pol);
}

static void describe_crl_dp(X509 *x, struct cert_info *ci)
{
    STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
    if (!dps)
        return;
    for (int i = 0; i < sk_DIST_POINT_num(dps) && !ci->crl_dp[0]; i++) {
        DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
        if (!dp->distpoint || dp->distpoint->type != 0)
            continue;
        GENERAL_NAMES *names = dp->distpoint->name.fullname;
        for (int j = 0; j < sk_GENERAL_NAME_num(names); j++) {
            GENERAL_NAME *g = sk_GENERAL_NAME_value(names, j);
            if (g->type != GEN_URI)
                continue;
            const ASN1_IA5STRING *u = g->d.uniformResourceIdentifier;
            size_t n = (size_t)ASN1_STRING_length(u);
            if (n >= sizeof ci->crl_dp)
                n = sizeof ci->crl_dp - 1;
            memcpy(ci->crl_dp, ASN1_STRING_get0_data(u), n);
            ci->crl_dp[n] = '\0';
            break;
        }
    }
    CRL_DIST_POINTS_free(dps);
}

static void describe(struct cert_chain *c)
{
    struct cert_info *ci = &c->info;
    X509 *x = c->leaf;
    name_text(X509_get_subject_name(x), ci->subject, sizeof ci->subject);
    name_text(X509_get_issuer_name(x), ci->issuer, sizeof ci->issuer);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (X509_digest(x, EVP_sha256(), md, &mdlen) && mdlen == 32)
        for (unsigned i = 0; i < 32; i++)
            snprintf(ci->sha256 + 2 * i, 3, "%02x", md[i]);
    asn1_time_epoch(X509_get0_notBefore(x), &ci->not_before);
    asn1_time_epoch(X509_get0_notAfter(x), &ci->not_after);
    /* X509_get_extension_flags also caches the decoded extensions, which makes later
     * concurrent reads of this certificate safe. */
    uint32_t flags = X509_get_extension_flags(x);
    ci->is_ca = (flags & EXFLAG_CA) != 0;
    ci->has_key_usage = (flags & EXFLAG_KUSAGE) != 0;
    ci->digital_signature = ci->has_key_usage && (X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE);
    describe_tnauth(x, ci);
    describe_policies(x, ci);
    describe_crl_dp(x, ci);

    c->window_lo = ci->not_before;
    c->window_hi = ci->not_after;
    for (int i = 0; i < sk_X509_num(c->untrusted); i++) {
        X509 *y = sk_X509_value(c->untrusted, i);
        int64_t lo, hi;
        X509_get_extension_flags(y);
        if (asn1_time_epoch(X509_get0_notBefore(y), &lo) && lo > c->window_lo)
            c->window_lo = lo;
        if (asn1_time_epoch(X509_get0_notAfter(y), &hi) && hi < c->window_hi)
            c->window_hi = hi;
    }
    ci->chain_len = 1 + (size_t)sk_X509_num(c->untrusted);
}

/* Where the PEM armour starts after leading whitespace, or len when this is not PEM.
 * OpenSSL only sees "-----BEGIN" at the start of a line: the reader must start there,
 * or a first certificate indented on its line would be skipped and the next one (the
 * issuer) taken for the leaf. */
static size_t pem_start(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    return len - i >= 11 && memcmp(p + i, "-----BEGIN ", 11) == 0 ? i : len;
}

static bool add_cert(struct cert_chain *c, X509 *x)
{
    if (!c->leaf) {
        c->leaf = x;
        return true;
    }
    if (sk_X509_num(c->untrusted) + 1 >= CERT_MAX_CHAIN || !sk_X509_push(c->untrusted, x)) {
        X509_free(x);
        return false;
    }
    return true;
}

struct cert_chain *cert_chain_parse(const uint8_t *p, size_t len, const char **why)
{
    *why = NULL;
    if (len == 0) {
        *why = "empty";
        return NULL;
    }
    if (len > CERT_BODY_MAX) {
        *why = "too-big";
        return NULL;
    }
    struct cert_chain *c = calloc(1, sizeof *c);
    if (!c || !(c->untrusted = sk_X509_new_null())) {
        free(c);
        *why = "out-of-memory";
        return NULL;
    }
    size_t pem = pem_start(p, len);
    if (pem < len) {
        BIO *b = BIO_new_mem_buf(p + pem, (int)(len - pem));
        X509 *x;
        while (b && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
            if (!add_cert(c, x)) {
                *why = "too-many-certs";
                break;
            }
        }
        BIO_free(b);
    } else {
        const unsigned char *q = p;
        X509 *x = d2i_X509(NULL, &q, (long)len);
        /* DER is exactly one certificate: trailing bytes mean it was something else. */
        if (x && q == p + len)
            add_cert(c, x);
        else
            X509_free(x);
    }
    ERR_clear_error(); /* the PEM loop ends on an expected "no start line" */
    if (!*why && !c->leaf)
        *why = "not-a-certificate";
    if (!*why && !(c->pubkey = X509_get0_pubkey(c->leaf)))
        *why = "bad-public-key";
    if (*why) {
        cert_chain_free(c);
        return NULL;
    }
    describe(c);
    return c;
}

void cert_chain_free(struct cert_chain *c)
{
    if (!c)
        return;
    X509_free(c->leaf);
    sk_X509_pop_free(c->untrusted, X509_free);
    free(c);
}

const struct cert_info *cert_chain_info(const struct cert_chain *c) { return &c->info; }
EVP_PKEY *cert_chain_pubkey(const struct cert_chain *c) { return c->pubkey; }

void cert_chain_window(const struct cert_chain *c, int64_t *not_before, int64_t *not_after)
{
    *not_before = c->window_lo;
    *not_after = c->window_hi;
}

/* ---- trust anchors ------------------------------------------------------------------ */

static size_t load_pem_file(X509_STORE *st, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = 0;
    X509 *x;
    while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
        if (X509_STORE_add_cert(st, x))
            n++;
        X509_free(x);
    }
    ERR_clear_error();
    fclose(f);
    return n;
}

static bool anchor_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (strcmp(dot, ".pem") == 0 || strcmp(dot, ".crt") == 0 || strcmp(dot, ".cer") == 0);
}

struct cert_trust *cert_trust_load(const char *path, char *err, size_t errlen)
{
    struct cert_trust *t = calloc(1, sizeof *t);
    if (!t || !(t->store = X509_STORE_new())) {
        free(t);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    DIR *d = opendir(path);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (!anchor_name(de->d_name))
                continue;
            char full[4096];
            if ((size_t)snprintf(full, sizeof full, "%s/%s", path, de->d_name) < sizeof full)
                t->count += load_pem_file(t->store, full);
        }
        closedir(d);
    } else {
        t->count = load_pem_file(t->store, path);
    }
    if (t->count == 0) {
        snprintf(err, errlen, "%s: no PEM certificate to use as trust anchor", path);
        cert_trust_free(t);
        return NULL;
    }
    return t;
}

void cert_trust_free(struct cert_trust *t)
{
    if (!t)
        return;
    X509_STORE_free(t->store);
    free(t);
}

size_t cert_trust_count(const struct cert_trust *t) { return t->count; }

/* ---- the checks --------------------------------------------------------------------- */

/* What the verify callback saw; OpenSSL keeps going after each error so every fault of
 * the chain is known and the label can follow interface.md's order, not OpenSSL's. */
struct faults {
    int64_t at;        /* the time checked */
    bool not_yet_valid, expired;
    int untrusted_err; /* first other error, X509_V_OK when none */
};

static int faults_idx = -1;

/* A critical TNAuthList is allowed (RFC 8226 §9); any other critical extension OpenSSL
 * does not know remains an error. */
static bool only_tnauth_unhandled(X509 *x)
{
    for (int i = 0; i < X509_get_ext_count(x); i++) {
        X509_EXTENSION *e = X509_get_ext(x, i);
        if (X509_EXTENSION_get_critical(e) && !X509_supported_extension(e) &&
            !oid_is(X509_EXTENSION_get_object(e), OID_TNAUTHLIST))
            return false;
    }
    return true;
}

static int verify_cb(int ok, X509_STORE_CTX *ctx)
{
    if (ok)
        return 1;
    struct faults *f = X509_STORE_CTX_get_ex_data(ctx, faults_idx);
    int e = X509_STORE_CTX_get_error(ctx);
    switch (e) {
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_CRL_NOT_YET_VALID:
        f->not_yet_valid = true;
        break;
    case X509_V_ERR_CERT_HAS_EXPIRED: {
        /* RFC 5280 §4.1.2.5: the validity period includes notAfter itself, but OpenSSL
         * calls a certificate expired from that second on. */
        int64_t na;
        X509 *x = X509_STORE_CTX_get_current_cert(ctx);
        if (!x || !asn1_time_epoch(X509_get0_notAfter(x), &na) || na != f->at)
            f->expired = true;
        break;
    }
    case X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION:
        if (only_tnauth_unhandled(X509_STORE_CTX_get_current_cert(ctx)))
            break;
        /* fall through */
    default:
        if (f->untrusted_err == X509_V_OK)
            f->untrusted_err = e;
        break;
    }
    return 1;
}

static void init_index(void)
{
    faults_idx = X509_STORE_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

const char *cert_check(const struct cert_trust *t, const struct cert_chain *c, int64_t at,
                       const char **detail)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_index);
    const struct cert_info *ci = &c->info;

    /* Leaf faults first: they are cert-invalid, which outranks expiry and trust. */
    if (at < ci->not_before) {
        *detail = "not-yet-valid";
        return "cert-invalid";
    }
    if (!ci->has_tnauth) {
        *detail = "no-tnauthlist";
        return "cert-invalid";
    }
    if (ci->tnauth_error) {
        *detail = "bad-tnauthlist";
        return "cert-invalid";
    }
    if (!ci->has_key_usage || !ci->digital_signature) {
        *detail = "no-digital-signature";
        return "cert-invalid";
    }
    if (ci->is_ca) {
        *detail = "ca-leaf";
        return "cert-invalid";
    }

    struct faults f = { .at = at, .untrusted_err = X509_V_OK };
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (!ctx || !X509_STORE_CTX_init(ctx, t->store, c->leaf, c->untrusted)) {
        X509_STORE_CTX_free(ctx);
        *detail = "verifier-out-of-memory";
        return "cert-untrusted";
    }
    X509_STORE_CTX_set_ex_data(ctx, faults_idx, &f);
    X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_time(param, (time_t)at);
    /* An anchor may be an intermediate the operator chose to trust. */
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
    int rc = X509_verify_cert(ctx);
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();

    if (f.not_yet_valid) {
        *detail = "chain-not-yet-valid";
        return "cert-invalid";
    }
    /* Checked here too: OpenSSL may stop judging times when the chain cannot be built. */
    if (f.expired || at > ci->not_after) {
        *detail = at > ci->not_after ? "expired" : "chain-expired";
        return "cert-expired";
    }
    if (f.untrusted_err != X509_V_OK || rc != 1) {
        *detail = f.untrusted_err != X509_V_OK ? X509_verify_cert_error_string(f.untrusted_err)
                                               : "chain-verification-failed";
        return "cert-untrusted";
    }
    *detail = "";
    return NULL;
}
