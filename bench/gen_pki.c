/* summary: `bench_gen pki DIR` — the benchmark's own SHAKEN PKI: a bench root, one
 * intermediate and N good leaves with a TNAuthList SPC (RFC 8226), each served (in the
 * cert map) as a PEM chain leaf + intermediate, as ATIS-1000080 x5u bodies are.
 *
 * Kept apart from tests/pki: the test PKI is committed and its certificates each carry
 * one fault, while the benchmark wants many good signers and is regenerated at will. */
#include "bench/gen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define SHAKEN_POLICY "2.16.840.1.114569.1.1.1"
#define OID_TNAUTHLIST "1.3.6.1.5.5.7.1.26"

struct issued {
    X509 *cert;
    EVP_PKEY *key;
};

static X509_NAME *name_of(const char *cn)
{
    X509_NAME *n = X509_NAME_new();
    if (!n || !X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"stirprobe bench", -1, -1, 0) ||
        !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0))
        die_ssl("cannot build name %s", cn);
    return n;
}

static void ext(X509 *x, X509V3_CTX *ctx, int nid, const char *v)
{
    X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, ctx, nid, v);
    if (!e || !X509_add_ext(x, e, -1))
        die_ssl("extension %s = %s", OBJ_nid2sn(nid), v);
    X509_EXTENSION_free(e);
}

/* TNAuthorizationList with one spc [0] EXPLICIT IA5String entry; SPCs are short, so
 * every length fits one byte. */
static void tnauth_spc(X509 *x, const char *spc)
{
    size_t n = strlen(spc);
    uint8_t der[64];
    if (n > 40)
        die("SPC %s too long", spc);
    der[0] = 0x30, der[1] = (uint8_t)(n + 4);
    der[2] = 0xA0, der[3] = (uint8_t)(n + 2);
    der[4] = 0x16, der[5] = (uint8_t)n;
    memcpy(der + 6, spc, n);
    ASN1_OBJECT *obj = OBJ_txt2obj(OID_TNAUTHLIST, 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    if (!obj || !os || !ASN1_OCTET_STRING_set(os, der, (int)n + 6))
        die_ssl("TNAuthList");
    X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
    if (!e || !X509_add_ext(x, e, -1))
        die_ssl("TNAuthList");
    X509_EXTENSION_free(e);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(obj);
}

static void policy(X509 *x)
{
    CERTIFICATEPOLICIES *pols = sk_POLICYINFO_new_null();
    POLICYINFO *pi = POLICYINFO_new();
    if (!pols || !pi)
        die_ssl("certificatePolicies");
    ASN1_OBJECT_free(pi->policyid);
    pi->policyid = OBJ_txt2obj(SHAKEN_POLICY, 1);
    if (!pi->policyid || !sk_POLICYINFO_push(pols, pi) ||
        X509_add1_ext_i2d(x, NID_certificate_policies, pols, 0, X509V3_ADD_DEFAULT) != 1)
        die_ssl("certificatePolicies");
    CERTIFICATEPOLICIES_free(pols);
}

/* issuer NULL: self-signed CA; ca: CA (else SHAKEN leaf with SPC spc). */
static struct issued make(long serial, const char *cn, const struct issued *issuer, bool ca, const char *spc)
{
    struct issued r = { .key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"), .cert = X509_new() };
    X509_NAME *subj = name_of(cn);
    if (!r.key || !r.cert || !X509_set_version(r.cert, X509_VERSION_3) ||
        !ASN1_INTEGER_set(X509_get_serialNumber(r.cert), serial) || !X509_set_subject_name(r.cert, subj) ||
        !X509_set_issuer_name(r.cert, issuer ? X509_get_subject_name(issuer->cert) : subj) ||
        !X509_set_pubkey(r.cert, r.key) ||
        !ASN1_TIME_set_string_X509(X509_getm_notBefore(r.cert), "20240101000000Z") ||
        !ASN1_TIME_set_string_X509(X509_getm_notAfter(r.cert), "20300101000000Z"))
        die_ssl("certificate %s", cn);
    X509_NAME_free(subj);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer->cert : r.cert, r.cert, NULL, NULL, 0);
    if (ca) {
        ext(r.cert, &ctx, NID_basic_constraints, issuer ? "critical,CA:TRUE,pathlen:0" : "critical,CA:TRUE");
        ext(r.cert, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        ext(r.cert, &ctx, NID_basic_constraints, "critical,CA:FALSE");
        ext(r.cert, &ctx, NID_key_usage, "critical,digitalSignature");
        policy(r.cert);
        tnauth_spc(r.cert, spc);
    }
    ext(r.cert, &ctx, NID_subject_key_identifier, "hash");
    ext(r.cert, &ctx, NID_authority_key_identifier, "keyid:always");
    if (!X509_sign(r.cert, issuer ? issuer->key : r.key, EVP_sha256()))
        die_ssl("signing %s", cn);
    return r;
}

static void write_pem(const char *dir, const char *name, const struct issued *c, const struct issued *chain)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.%s", dir, name, chain ? "chain.pem" : "pem");
    FILE *f = fopen(path, "w");
    if (!f || !PEM_write_X509(f, c->cert) || (chain && !PEM_write_X509(f, chain->cert)) || fclose(f))
        die("%s: cannot write: %s", path, strerror(errno));
    snprintf(path, sizeof path, "%s/%s.key", dir, name);
    f = fopen(path, "w");
    if (!f || !PEM_write_PrivateKey(f, c->key, NULL, NULL, 0, NULL, NULL) || fclose(f))
        die("%s: cannot write: %s", path, strerror(errno));
}

int bench_pki(int argc, char **argv)
{
    if (argc < 2)
        die("usage: bench_gen pki DIR [--signers N]");
    const char *dir = argv[1];
    long n = 20;
    if (argc >= 4 && strcmp(argv[2], "--signers") == 0)
        n = strtol(argv[3], NULL, 10);
    if (n < 1 || n > 999)
        die("--signers: 1 to 999");
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        die("%s: %s", dir, strerror(errno));
    struct issued root = make(1, "stirprobe bench root", NULL, true, NULL);
    struct issued mid = make(2, "stirprobe bench intermediate", &root, true, NULL);
    write_pem(dir, "root", &root, NULL);
    char path[4096];
    snprintf(path, sizeof path, "%s/certmap.tsv", dir);
    FILE *map = fopen(path, "w");
    if (!map)
        die("%s: %s", path, strerror(errno));
    for (long i = 0; i < n; i++) {
        char name[32], spc[16], cn[48];
        snprintf(name, sizeof name, "sp-%03ld", i);
        snprintf(spc, sizeof spc, "%ld", 2001 + i);
        snprintf(cn, sizeof cn, "SHAKEN %s", spc);
        struct issued leaf = make(100 + i, cn, &mid, false, spc);
        write_pem(dir, name, &leaf, &mid);
        /* Relative paths: stirprobe tries them from the map's own directory. */
        fprintf(map, "%s%s.pem\t%s.chain.pem\n", BENCH_X5U_BASE, name, name);
        X509_free(leaf.cert);
        EVP_PKEY_free(leaf.key);
    }
    if (fclose(map))
        die("%s: write failed", path);
    X509_free(root.cert), EVP_PKEY_free(root.key);
    X509_free(mid.cert), EVP_PKEY_free(mid.key);
    printf("bench_gen: PKI in %s: root.pem, %ld signers, certmap.tsv\n", dir, n);
    return 0;
}
