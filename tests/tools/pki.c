/* summary: `stirgen pki DIR` — a throwaway SHAKEN test PKI (ATIS-1000080
 * profile, RFC 8226 TNAuthList) built with the OpenSSL 3 C API.
 *
 * Fixed validity dates (never "now") keep the certificates' meaning stable:
 * the scenarios' packet times are in 2025, so "expired" and "notyet" are
 * wrong at packet time forever, whatever day the tests run.  Keys are new on
 * every run; the generated files are committed once. */
#include "stirgen.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define X5U_BASE "https://certs.stirprobe.test/"
#define CRL_DP "URI:https://crl.test.invalid/sti-pa.crl"
#define SHAKEN_POLICY "2.16.840.1.114569.1.1.1"
#define OID_TNAUTHLIST "1.3.6.1.5.5.7.1.26" /* id-pe-TNAuthList, RFC 8226 §9 */

/* ---- a minimal DER writer for the one extension OpenSSL has no config
 * syntax for ---------------------------------------------------------------- */

static void der_tlv(struct buf *out, uint8_t tag, const struct buf *content)
{
    buf_u8(out, tag);
    size_t n = content->n;
    if (n < 0x80) {
        buf_u8(out, (uint8_t)n);
    } else if (n < 0x100) {
        buf_u8(out, 0x81);
        buf_u8(out, (uint8_t)n);
    } else {
        buf_u8(out, 0x82);
        buf_be16(out, (uint16_t)n);
    }
    buf_put(out, content->p, content->n);
}

static void der_ia5(struct buf *out, const char *s)
{
    struct buf c = {0};
    buf_str(&c, s);
    der_tlv(out, 0x16, &c); /* IA5String */
    buf_free(&c);
}

/* Small non-negative INTEGER (enough for a TN range count). */
static void der_uint(struct buf *out, uint32_t v)
{
    struct buf c = {0};
    uint8_t b[5] = {0, (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    size_t i = 0;
    /* Minimal encoding: drop leading zero bytes, but keep one if the next
     * byte has its top bit set (INTEGER is signed). */
    while (i < 4 && b[i] == 0 && !(b[i + 1] & 0x80))
        i++;
    buf_put(&c, b + i, 5 - i);
    der_tlv(out, 0x02, &c);
    buf_free(&c);
}

/* Wrap `inner` in an EXPLICIT context tag [n] (constructed: 0xA0 | n). */
static void der_explicit(struct buf *out, unsigned n, const struct buf *inner)
{
    der_tlv(out, (uint8_t)(0xA0 | n), inner);
}

/* TNAuthorizationList ::= SEQUENCE OF TNEntry; TNEntry is a CHOICE of
 * spc [0] IA5String, range [1] SEQUENCE {start IA5String, count INTEGER},
 * one [2] IA5String.  The RFC 8226 module uses EXPLICIT TAGS. */
static void tnauth_spc(struct buf *der, const char *spc)
{
    struct buf e = {0}, list = {0};
    der_ia5(&e, spc);
    der_explicit(&list, 0, &e);
    der_tlv(der, 0x30, &list);
    buf_free(&e);
    buf_free(&list);
}

static void tnauth_range_and_one(struct buf *der, const char *start, uint32_t count, const char *one)
{
    struct buf range = {0}, rseq = {0}, e2 = {0}, list = {0};
    der_ia5(&range, start);
    der_uint(&range, count);
    der_tlv(&rseq, 0x30, &range);
    der_explicit(&list, 1, &rseq);
    der_ia5(&e2, one);
    der_explicit(&list, 2, &e2);
    der_tlv(der, 0x30, &list);
    buf_free(&range), buf_free(&rseq), buf_free(&e2), buf_free(&list);
}

/* ---- certificates ------------------------------------------------------ */

enum leafkind {
    LEAF_NORMAL,
    LEAF_NO_TNAUTH,
    LEAF_WRONG_KU,
    LEAF_CA,
    LEAF_TNRANGE,
};

struct leafdef {
    const char *name;
    const char *spc;       /* NULL: no SPC entry */
    const char *not_before, *not_after;
    enum leafkind kind;
    bool rogue;            /* issued by the untrusted rogue root */
    const char *purpose;   /* for the README */
    bool by_root;          /* issued by the root itself (no intermediate): the leaf
                            * alone is a complete path, as a single-cert DER body needs */
    bool der;              /* also written as NAME.der (the leaf alone, DER), served at
                            * https://certs.stirprobe.test/NAME.der */
};

static const struct leafdef LEAVES[] = {
    {"sp-a", "1001", "20240101000000Z", "20300101000000Z", LEAF_NORMAL, false,
     "the good signer (SPC 1001); signs most demo calls", false, false},
    {"sp-b", "1002", "20240101000000Z", "20300101000000Z", LEAF_NORMAL, false,
     "a second good signer (SPC 1002); signs the compact-form call", false, false},
    {"expired", "1003", "20230101000000Z", "20240601000000Z", LEAF_NORMAL, false,
     "expired before the 2025 packet times -> cert-expired", false, false},
    {"notyet", "1004", "20270101000000Z", "20300101000000Z", LEAF_NORMAL, false,
     "not yet valid at the 2025 packet times -> cert-invalid", false, false},
    {"no-tnauth", NULL, "20240101000000Z", "20300101000000Z", LEAF_NO_TNAUTH, false,
     "no TNAuthList extension -> cert-invalid", false, false},
    {"wrong-ku", "1006", "20240101000000Z", "20300101000000Z", LEAF_WRONG_KU, false,
     "keyUsage keyCertSign only, no digitalSignature -> cert-invalid", false, false},
    {"ca-leaf", "1007", "20240101000000Z", "20300101000000Z", LEAF_CA, false,
     "basicConstraints CA:TRUE on the signing cert -> cert-invalid", false, false},
    {"untrusted", "1008", "20240101000000Z", "20300101000000Z", LEAF_NORMAL, true,
     "issued by rogue-root, which is no trust anchor -> cert-untrusted", false, false},
    {"tnrange", NULL, "20240101000000Z", "20300101000000Z", LEAF_TNRANGE, false,
     "TNAuthList with a TN range (12025550100 +100) and one TN (12025550999), no SPC", false, false},
    /* Added for the verify scenario (issue 5) by `stirgen pki --add`: the leaves
     * above were already committed, and captures are signed with their keys. */
    {"past", "1011", "20250101000000Z", "20250601000000Z", LEAF_NORMAL, false,
     "valid at the 2025-03-01 packet times, expired today -> pass (time = packet time)", false, false},
    {"direct", "1012", "20240101000000Z", "20300101000000Z", LEAF_NORMAL, false,
     "issued by the root itself; also direct.der (DER, leaf only) -> pass with a DER x5u body",
     true, true},
    {"expired-no-tnauth", NULL, "20230101000000Z", "20240601000000Z", LEAF_NO_TNAUTH, false,
     "expired AND no TNAuthList -> cert-invalid (comes before cert-expired)", false, false},
    {"rogue-no-tnauth", NULL, "20240101000000Z", "20300101000000Z", LEAF_NO_TNAUTH, true,
     "issued by rogue-root AND no TNAuthList -> cert-invalid (comes before cert-untrusted)", false, false},
    {"rogue-expired", "1015", "20230101000000Z", "20240601000000Z", LEAF_NORMAL, true,
     "issued by rogue-root AND expired -> cert-expired (comes before cert-untrusted)", false, false},
};

struct issued {
    X509 *cert;
    EVP_PKEY *key;
};

static EVP_PKEY *new_p256_key(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!k)
        die_ssl("P-256 key generation failed");
    return k;
}

static void set_time(ASN1_TIME *t, const char *gen)
{
    /* The _X509 variant picks UTCTime before 2050 as RFC 5280 §4.1.2.5
     * requires, whatever form the string is in. */
    if (!ASN1_TIME_set_string_X509(t, gen))
        die_ssl("bad time %s", gen);
}

static X509_NAME *make_name(const char *cn, const char *o)
{
    X509_NAME *n = X509_NAME_new();
    if (!n || !X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"US", -1, -1, 0) ||
        !X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)o, -1, -1, 0) ||
        !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0))
        die_ssl("cannot build name CN=%s", cn);
    return n;
}

static void add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
    if (!e || !X509_add_ext(x, e, -1))
        die_ssl("cannot add extension %s = %s", OBJ_nid2sn(nid), value);
    X509_EXTENSION_free(e);
}

/* certificatePolicies with just the SHAKEN policy OID (ATIS-1000080).  Built
 * as a structure: the config-string route needs an NCONF database. */
static void add_policy(X509 *x, const char *oid)
{
    CERTIFICATEPOLICIES *pols = sk_POLICYINFO_new_null();
    POLICYINFO *pi = POLICYINFO_new();
    if (!pols || !pi)
        die_ssl("cannot build certificatePolicies");
    ASN1_OBJECT_free(pi->policyid);
    pi->policyid = OBJ_txt2obj(oid, 1);
    if (!pi->policyid || !sk_POLICYINFO_push(pols, pi))
        die_ssl("cannot build certificatePolicies %s", oid);
    if (X509_add1_ext_i2d(x, NID_certificate_policies, pols, 0, X509V3_ADD_DEFAULT) != 1)
        die_ssl("cannot add certificatePolicies");
    CERTIFICATEPOLICIES_free(pols); /* frees pi too */
}

static void add_tnauthlist(X509 *x, const struct buf *der)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(OID_TNAUTHLIST, 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    if (!obj || !os || !ASN1_OCTET_STRING_set(os, der->p, (int)der->n))
        die_ssl("cannot build TNAuthList");
    X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0 /* non-critical */, os);
    if (!e || !X509_add_ext(x, e, -1))
        die_ssl("cannot add TNAuthList");
    X509_EXTENSION_free(e);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(obj);
}

/* Common part of every certificate: version, serial, names, validity, key.
 * issuer NULL means self-signed. */
static X509 *cert_begin(long serial, const char *cn, const char *o, const char *nb, const char *na,
                        EVP_PKEY *key, const struct issued *issuer)
{
    X509 *x = X509_new();
    X509_NAME *subj = make_name(cn, o);
    if (!x || !X509_set_version(x, X509_VERSION_3) ||
        !ASN1_INTEGER_set(X509_get_serialNumber(x), serial) || !X509_set_subject_name(x, subj) ||
        !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->cert) : subj) ||
        !X509_set_pubkey(x, key))
        die_ssl("cannot start certificate %s", cn);
    set_time(X509_getm_notBefore(x), nb);
    set_time(X509_getm_notAfter(x), na);
    X509_NAME_free(subj);
    return x;
}

static void cert_sign(X509 *x, EVP_PKEY *issuer_key)
{
    /* ecdsa-with-SHA256 follows from a P-256 key plus SHA-256. */
    if (!X509_sign(x, issuer_key, EVP_sha256()))
        die_ssl("certificate signing failed");
}

static struct issued make_ca(long serial, const char *cn, const char *nb, const char *na,
                             const struct issued *issuer)
{
    struct issued r = {.key = new_p256_key()};
    r.cert = cert_begin(serial, cn, "stirprobe test", nb, na, r.key, issuer);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer->cert : r.cert, r.cert, NULL, NULL, 0);
    add_ext(r.cert, &ctx, NID_basic_constraints, issuer ? "critical,CA:TRUE,pathlen:0" : "critical,CA:TRUE");
    add_ext(r.cert, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
    /* The subject key identifier must exist before the authority key
     * identifier of a self-signed cert can refer to it. */
    add_ext(r.cert, &ctx, NID_subject_key_identifier, "hash");
    add_ext(r.cert, &ctx, NID_authority_key_identifier, "keyid:always");
    cert_sign(r.cert, issuer ? issuer->key : r.key);
    return r;
}

static struct issued make_leaf(long serial, const struct leafdef *d, const struct issued *issuer)
{
    struct issued r = {.key = new_p256_key()};
    char cn[64];
    snprintf(cn, sizeof cn, "SHAKEN %s", d->spc ? d->spc : d->name);
    r.cert = cert_begin(serial, cn, "stirprobe test", d->not_before, d->not_after, r.key, issuer);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer->cert, r.cert, NULL, NULL, 0);
    add_ext(r.cert, &ctx, NID_basic_constraints, d->kind == LEAF_CA ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_ext(r.cert, &ctx, NID_key_usage,
            d->kind == LEAF_WRONG_KU ? "critical,keyCertSign" : "critical,digitalSignature");
    add_policy(r.cert, SHAKEN_POLICY);
    add_ext(r.cert, &ctx, NID_subject_key_identifier, "hash");
    add_ext(r.cert, &ctx, NID_authority_key_identifier, "keyid:always");
    add_ext(r.cert, &ctx, NID_crl_distribution_points, CRL_DP);
    struct buf der = {0};
    if (d->kind == LEAF_TNRANGE)
        tnauth_range_and_one(&der, "12025550100", 100, "12025550999");
    else if (d->spc)
        tnauth_spc(&der, d->spc);
    if (der.n)
        add_tnauthlist(r.cert, &der);
    buf_free(&der);
    cert_sign(r.cert, issuer->key);
    return r;
}

static void write_pem_cert(FILE *f, X509 *x, const char *path)
{
    if (!PEM_write_X509(f, x))
        die_ssl("%s: cannot write certificate", path);
}

static FILE *open_out(const char *dir, const char *name, const char *ext, char *path, size_t pathsz)
{
    snprintf(path, pathsz, "%s/%s%s", dir, name, ext);
    FILE *f = fopen(path, "w");
    if (!f)
        die("%s: %s", path, strerror(errno));
    return f;
}

static void close_out(FILE *f, const char *path)
{
    if (ferror(f) | fclose(f))
        die("%s: write failed", path);
}

/* Writes NAME.pem (the cert alone), NAME.key and, when chain_ca is given,
 * NAME.chain.pem (the cert, then chain_ca's cert). */
static void write_issued(const char *dir, const char *name, const struct issued *c, const struct issued *chain_ca)
{
    char path[4096];
    FILE *f = open_out(dir, name, ".pem", path, sizeof path);
    write_pem_cert(f, c->cert, path);
    close_out(f, path);

    f = open_out(dir, name, ".key", path, sizeof path);
    if (!PEM_write_PrivateKey(f, c->key, NULL, NULL, 0, NULL, NULL))
        die_ssl("%s: cannot write key", path);
    close_out(f, path);

    if (chain_ca) {
        f = open_out(dir, name, ".chain.pem", path, sizeof path);
        write_pem_cert(f, c->cert, path);
        write_pem_cert(f, chain_ca->cert, path);
        close_out(f, path);
    }
}

static void issued_free(struct issued *c)
{
    X509_free(c->cert);
    EVP_PKEY_free(c->key);
}

static void write_readme(const char *dir)
{
    char path[4096];
    FILE *f = open_out(dir, "README", "", path, sizeof path);
    fputs("stirprobe test PKI -- TEST-ONLY KEYS, NEVER TRUST THEM ANYWHERE ELSE\n"
          "====================================================================\n"
          "\n"
          "Generated by tests/tools/regen.sh (`stirgen pki tests/pki`); do not edit.\n"
          "Every key here is public: it is committed to a git repository.\n"
          "All keys are P-256, all signatures ecdsa-with-SHA256. Validity dates are\n"
          "fixed, so each certificate's status at the 2025 packet times of the test\n"
          "captures never changes. Each run makes new keys (so new signatures).\n"
          "`stirgen pki --add tests/pki` (regen.sh --verify-only) keeps every existing\n"
          "key and certificate and creates only what is missing, signed with the\n"
          "committed root.key / intermediate.key / rogue-root.key.\n"
          "\n"
          "root.pem / root.key            self-signed STI-PA-approved root \"stirprobe Test STI-PA Root\"\n"
          "                               (CA:TRUE critical, keyCertSign+cRLSign), 2020-01-01..2045-01-01.\n"
          "                               The trust anchor for --trust.\n"
          "intermediate.pem / .key        STI-CA intermediate signed by root, 2020-01-01..2040-01-01;\n"
          "                               issues every leaf except 'direct' (issued by root) and\n"
          "                               'untrusted', 'rogue-*' (issued by rogue-root).\n"
          "rogue-root.pem / .key          a separate self-signed \"Rogue Root\" (NOT a trust anchor).\n"
          "\n"
          "Leaves: end-entity SHAKEN certificates (basicConstraints CA:FALSE critical,\n"
          "keyUsage digitalSignature critical, certificatePolicies 2.16.840.1.114569.1.1.1,\n"
          "subject/authority key identifiers, CRL DP https://crl.test.invalid/sti-pa.crl,\n"
          "TNAuthList 1.3.6.1.5.5.7.1.26 non-critical, CN \"SHAKEN <SPC>\", O \"stirprobe test\")\n"
          "unless noted. For each NAME: NAME.pem (leaf only), NAME.key, and NAME.chain.pem\n"
          "(leaf then its issuer: what an STI-CR serves at the x5u URL).\n"
          "\n",
          f);
    for (size_t i = 0; i < ARRAY_LEN(LEAVES); i++)
        fprintf(f, "  %-17s %.4s-%.2s-%.2s..%.4s-%.2s-%.2s  %s\n", LEAVES[i].name, LEAVES[i].not_before,
                LEAVES[i].not_before + 4, LEAVES[i].not_before + 6, LEAVES[i].not_after,
                LEAVES[i].not_after + 4, LEAVES[i].not_after + 6, LEAVES[i].purpose);
    fputs("\n"
          "certmap.tsv                    x5u URL <TAB> file, for `stirprobe --cert-map`:\n"
          "                               https://certs.stirprobe.test/NAME.pem -> tests/pki/NAME.chain.pem\n"
          "                               https://certs.stirprobe.test/direct.der -> tests/pki/direct.der (DER)\n"
          "                               (paths relative to the repository root). Deliberately absent:\n"
          "                               https://certs.stirprobe.test/unpublished.pem (the 404 case) and\n"
          "                               every hostile.stirprobe.test URL -> cert-fetch-failed.\n"
          "\n"
          "tls/ca.pem / ca.key            \"stirprobe Test TLS CA\", 2020-01-01..2045-01-01: the --ca-bundle\n"
          "                               of the HTTPS x5u tests (tests/tools/x5u-servers.sh).\n"
          "tls/server.pem / server.key    TLS server cert, CN certs.stirprobe.test, SAN DNS:certs.stirprobe.test\n"
          "                               and DNS:hostile.stirprobe.test, serverAuth, 2024-01-01..2045-01-01.\n",
          f);
    close_out(f, path);
}

/* The TLS side of the HTTPS x5u tests (tests/tools/x5u-servers.sh): a CA for
 * --ca-bundle and one server certificate for both test host names. */
static void make_tls(const char *dir)
{
    char tdir[4096];
    snprintf(tdir, sizeof tdir, "%s/tls", dir);
    if (mkdir(tdir, 0755) != 0 && errno != EEXIST)
        die("%s: %s", tdir, strerror(errno));
    struct issued ca = make_ca(1, "stirprobe Test TLS CA", "20200101000000Z", "20450101000000Z", NULL);
    struct issued srv = {.key = new_p256_key()};
    srv.cert = cert_begin(2, "certs.stirprobe.test", "stirprobe test", "20240101000000Z", "20450101000000Z",
                          srv.key, &ca);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, ca.cert, srv.cert, NULL, NULL, 0);
    add_ext(srv.cert, &ctx, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(srv.cert, &ctx, NID_key_usage, "critical,digitalSignature");
    add_ext(srv.cert, &ctx, NID_ext_key_usage, "serverAuth");
    add_ext(srv.cert, &ctx, NID_subject_alt_name, "DNS:certs.stirprobe.test,DNS:hostile.stirprobe.test");
    add_ext(srv.cert, &ctx, NID_subject_key_identifier, "hash");
    add_ext(srv.cert, &ctx, NID_authority_key_identifier, "keyid:always");
    cert_sign(srv.cert, ca.key);
    write_issued(tdir, "ca", &ca, NULL);
    write_issued(tdir, "server", &srv, NULL);
    issued_free(&ca);
    issued_free(&srv);
}

static bool exists(const char *dir, const char *name, const char *ext)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s%s", dir, name, ext);
    return stat(path, &st) == 0;
}

static struct issued load_issued(const char *dir, const char *name)
{
    char path[4096];
    struct issued r;
    snprintf(path, sizeof path, "%s/%s.pem", dir, name);
    r.cert = load_first_cert(path);
    snprintf(path, sizeof path, "%s/%s.key", dir, name);
    r.key = load_private_key(path);
    if (X509_check_private_key(r.cert, r.key) != 1)
        die_ssl("%s/%s: key does not match the certificate", dir, name);
    return r;
}

/* NAME.der: the leaf alone in DER, from NAME.pem. */
static void write_der(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.pem", dir, name);
    X509 *x = load_first_cert(path);
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    if (n <= 0)
        die_ssl("%s: cannot DER-encode", path);
    snprintf(path, sizeof path, "%s/%s.der", dir, name);
    if (!write_file(path, der, (size_t)n))
        die("%s: write failed", path);
    OPENSSL_free(der);
    X509_free(x);
}

int cmd_pki(int argc, char **argv)
{
    bool add = argc == 3 && !strcmp(argv[1], "--add");
    if (add) {
        argc--, argv++;
    }
    if (argc != 2 || argv[1][0] == '-') {
        fputs("usage: stirgen pki [--add] DIR\n"
              "Writes the test STI PKI into DIR (created if missing), and the TLS\n"
              "PKI of the HTTPS x5u tests into DIR/tls. Paths in DIR/certmap.tsv are\n"
              "DIR/NAME.chain.pem as DIR was given, so run it from the repository\n"
              "root with a relative DIR (tests/pki).\n"
              "--add keeps every existing key and certificate: it loads the roots and\n"
              "the intermediate from DIR, creates only the leaves (and DIR/tls) that\n"
              "are missing, and rewrites certmap.tsv and README.\n",
              stderr);
        return argc == 2 && !strcmp(argv[1], "--help") ? 0 : 1;
    }
    char dir[2048];
    snprintf(dir, sizeof dir, "%s", argv[1]);
    for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--)
        dir[n - 1] = 0;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        die("%s: %s", dir, strerror(errno));

    struct issued root, inter, rogue;
    if (add) {
        root = load_issued(dir, "root");
        inter = load_issued(dir, "intermediate");
        rogue = load_issued(dir, "rogue-root");
    } else {
        /* Serial numbers are fixed and unique per issuer, for readable diffs. */
        root = make_ca(1, "stirprobe Test STI-PA Root", "20200101000000Z", "20450101000000Z", NULL);
        inter = make_ca(2, "stirprobe Test STI-CA Intermediate", "20200101000000Z", "20400101000000Z", &root);
        rogue = make_ca(1, "Rogue Root", "20200101000000Z", "20450101000000Z", NULL);
        write_issued(dir, "root", &root, NULL);
        write_issued(dir, "intermediate", &inter, NULL);
        write_issued(dir, "rogue-root", &rogue, NULL);
    }

    char mpath[4096];
    FILE *map = open_out(dir, "certmap", ".tsv", mpath, sizeof mpath);
    for (size_t i = 0; i < ARRAY_LEN(LEAVES); i++) {
        const struct leafdef *d = &LEAVES[i];
        const struct issued *iss = d->rogue ? &rogue : d->by_root ? &root : &inter;
        if (!add || !exists(dir, d->name, ".pem")) {
            /* Serials stay 0x100 + the table index: unique per issuer. */
            struct issued leaf = make_leaf(0x100 + (long)i, d, iss);
            /* For the rogue leaf the "chain" ends in the rogue root itself, so a
             * verifier can build the whole path and reject it as untrusted
             * instead of merely missing an issuer. */
            write_issued(dir, d->name, &leaf, iss);
            issued_free(&leaf);
            if (d->der)
                write_der(dir, d->name);
        } else if (d->der && !exists(dir, d->name, ".der")) {
            write_der(dir, d->name);
        }
        fprintf(map, "%s%s.pem\t%s/%s.chain.pem\n", X5U_BASE, d->name, dir, d->name);
    }
    for (size_t i = 0; i < ARRAY_LEN(LEAVES); i++)
        if (LEAVES[i].der)
            fprintf(map, "%s%s.der\t%s/%s.der\n", X5U_BASE, LEAVES[i].name, dir, LEAVES[i].name);
    close_out(map, mpath);
    if (!add || !exists(dir, "tls/ca", ".pem"))
        make_tls(dir);
    write_readme(dir);
    issued_free(&root);
    issued_free(&inter);
    issued_free(&rogue);
    return 0;
}
