/* summary: tests for decoders/es256 — the public vectors (tests/unit/vectors, MANIFEST.tsv)
 * through passport_decode, wrong lengths, wrong keys, and out-of-range r and s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "decoders/es256.h"
#include "decoders/identity.h"
#include "decoders/passport.h"
#include "tests/ec_helpers.h"
#include "tests/unit/harness.h"

#define VEC "tests/unit/vectors/"

static struct passport pp; /* large: keep it off the stack */

/* The P-256 group order n. */
static const uint8_t p256_n[32] = { 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
                                    0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
                                    0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51 };

static EVP_PKEY *load_pub(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, VEC "%s", name);
    FILE *f = fopen(path, "r");
    if (!th_check(f != NULL, __FILE__, __LINE__, "cannot open %s", path))
        return NULL;
    EVP_PKEY *k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    th_check(k != NULL, __FILE__, __LINE__, "%s is not a public key", path);
    return k;
}

/* Decodes a vector into pp (with its Identity parameters); the text stays allocated in
 * *text since signing_input points into it. */
static bool decode(const char *name, char **text)
{
    char path[256];
    snprintf(path, sizeof path, VEC "%s", name);
    size_t len;
    *text = th_read_file(path, &len);
    if (!*text)
        return false;
    struct ident_value iv;
    size_t dropped;
    if (!CHECK_EQ_INT(ident_parse(slice_make(*text, len), &iv, 1, &dropped), 1))
        return false;
    return CHECK_EQ_INT(passport_decode(iv.token, &iv, &pp), PPT_OK);
}

static enum es256_result verify_pp(EVP_PKEY *k, const uint8_t *sig, size_t n)
{
    return es256_verify(k, pp.signing_input.p, pp.signing_input.n, sig, n);
}

static void es_vectors(void)
{
    EVP_PKEY *gen = load_pub("gen_rfc8225key.pub.pem");
    EVP_PKEY *lss = load_pub("libstirshaken_sp.pub");
    char *t = NULL;
    if (gen && decode("gen_rfc8588_example.identity.txt", &t)) {
        CHECK_EQ_INT(pp.sig_len, 64);
        CHECK_EQ_INT(verify_pp(gen, pp.sig, pp.sig_len), ES256_VALID);
        if (lss) /* the other key */
            CHECK_EQ_INT(verify_pp(lss, pp.sig, pp.sig_len), ES256_INVALID);
        /* One bit of the message or of the signature changed. */
        uint8_t sig[64];
        memcpy(sig, pp.sig, 64);
        sig[10] ^= 1;
        CHECK_EQ_INT(verify_pp(gen, sig, 64), ES256_INVALID);
        memcpy(sig, pp.sig, 64);
        sig[63] ^= 0x80;
        CHECK_EQ_INT(verify_pp(gen, sig, 64), ES256_INVALID);
        CHECK_EQ_INT(es256_verify(gen, pp.signing_input.p, pp.signing_input.n - 1, pp.sig, 64), ES256_INVALID);
        /* Lengths: 63 and 65 bytes, nothing, and the 72 bytes of a DER signature. */
        CHECK_EQ_INT(verify_pp(gen, pp.sig, 63), ES256_BAD_LENGTH);
        CHECK_EQ_INT(verify_pp(gen, pp.sig, 0), ES256_BAD_LENGTH);
        uint8_t longer[65];
        memcpy(longer, pp.sig, 64);
        longer[64] = 0;
        CHECK_EQ_INT(verify_pp(gen, longer, 65), ES256_BAD_LENGTH);
        /* Length is judged before the key. */
        CHECK_EQ_INT(verify_pp(NULL, pp.sig, 63), ES256_BAD_LENGTH);
    }
    free(t);
    if (lss && decode("libstirshaken_readme_B.identity.txt", &t)) {
        CHECK_EQ_INT(verify_pp(lss, pp.sig, pp.sig_len), ES256_VALID);
        if (gen)
            CHECK_EQ_INT(verify_pp(gen, pp.sig, pp.sig_len), ES256_INVALID);
    }
    free(t);
    if (gen && decode("gen_rfc8946_div.identity.txt", &t))
        CHECK_EQ_INT(verify_pp(gen, pp.sig, pp.sig_len), ES256_VALID);
    free(t);
    if (gen && decode("gen_neg_tampered_attest.identity.txt", &t))
        CHECK_EQ_INT(verify_pp(gen, pp.sig, pp.sig_len), ES256_INVALID);
    free(t);
    if (gen && decode("gen_neg_truncated_sig.identity.txt", &t)) {
        CHECK_EQ_INT(pp.sig_len, 63);
        CHECK_EQ_INT(verify_pp(gen, pp.sig, pp.sig_len), ES256_BAD_LENGTH);
    }
    free(t);
    if (gen && decode("gen_neg_der_sig.identity.txt", &t)) {
        CHECK_EQ_INT(pp.sig_len, 72);
        /* A correct signature, in the wrong (DER) form: never accepted. */
        CHECK_EQ_INT(verify_pp(gen, pp.sig, pp.sig_len), ES256_BAD_LENGTH);
    }
    free(t);
    EVP_PKEY_free(gen);
    EVP_PKEY_free(lss);
}

static void es_keys(void)
{
    EVP_PKEY *gen = load_pub("gen_rfc8225key.pub.pem");
    char *t = NULL;
    if (!gen || !decode("gen_rfc8588_example.identity.txt", &t))
        goto out;
    CHECK_EQ_INT(verify_pp(NULL, pp.sig, 64), ES256_BAD_KEY);
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    if (CHECK(rsa != NULL))
        CHECK_EQ_INT(verify_pp(rsa, pp.sig, 64), ES256_BAD_KEY);
    EVP_PKEY_free(rsa);
    EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    if (CHECK(p384 != NULL))
        CHECK_EQ_INT(verify_pp(p384, pp.sig, 64), ES256_BAD_KEY);
    EVP_PKEY_free(p384);
    EVP_PKEY *k1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1"); /* 256 bits, other curve */
    if (CHECK(k1 != NULL))
        CHECK_EQ_INT(verify_pp(k1, pp.sig, 64), ES256_BAD_KEY);
    EVP_PKEY_free(k1);
    EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (CHECK(ed != NULL))
        CHECK_EQ_INT(verify_pp(ed, pp.sig, 64), ES256_BAD_KEY);
    EVP_PKEY_free(ed);
    /* A fresh P-256 key is a good key that did not sign this. */
    EVP_PKEY *p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (CHECK(p256 != NULL))
        CHECK_EQ_INT(verify_pp(p256, pp.sig, 64), ES256_INVALID);
    EVP_PKEY_free(p256);
out:
    free(t);
    EVP_PKEY_free(gen);
}

static void es_range(void)
{
    EVP_PKEY *gen = load_pub("gen_rfc8225key.pub.pem");
    char *t = NULL;
    if (!gen || !decode("gen_rfc8588_example.identity.txt", &t))
        goto out;
    uint8_t sig[64];
    /* r = 0, s = 0, both 0. */
    memcpy(sig, pp.sig, 64);
    memset(sig, 0, 32);
    CHECK_EQ_INT(verify_pp(gen, sig, 64), ES256_INVALID);
    memcpy(sig, pp.sig, 64);
    memset(sig + 32, 0, 32);
    CHECK_EQ_INT(verify_pp(gen, sig, 64), ES256_INVALID);
    memset(sig, 0, 64);
    CHECK_EQ_INT(verify_pp(gen, sig, 64), ES256_INVALID);
    /* r = n, s = n: out of range. */
    memcpy(sig, pp.sig, 64);
    memcpy(sig, p256_n, 32);
    CHECK_EQ_INT(verify_pp(gen, sig, 64), ES256_INVALID);
    memcpy(sig, pp.sig, 64);
    memcpy(sig + 32, p256_n, 32);
    CHECK_EQ_INT(verify_pp(gen, sig, 64), ES256_INVALID);
    /* r = n + 1 (1 mod n) and all-ones values: out of range too. */
    uint8_t n1[32];
    memcpy(n1, p256_n, 32);
    n1[31]++;
    memcpy(sig, pp.sig, 64);
    memcpy(sig, n1, 32);
    CHECK_EQ_INT(verify_pp(gen, sig, 64), ES256_INVALID);
    memset(sig, 0xff, 64);
    CHECK_EQ_INT(verify_pp(gen, sig, 64), ES256_INVALID);
    memcpy(sig, pp.sig, 64);
    memset(sig + 32, 0xff, 32);
    CHECK_EQ_INT(verify_pp(gen, sig, 64), ES256_INVALID);
    /* Leading zero bytes of r are kept as a smaller number, not dropped from the form. */
    memcpy(sig, pp.sig, 64);
    memset(sig, 0, 31);
    CHECK_EQ_INT(verify_pp(gen, sig, 64), ES256_INVALID);
    /* ECDSA has no low-s rule in JWS: (r, n - s) is the same signature and verifies. */
    memcpy(sig, pp.sig, 64);
    ec_test_sub32(p256_n, pp.sig + 32, sig + 32);
    CHECK_EQ_INT(verify_pp(gen, sig, 64), ES256_VALID);
    /* Swapped halves. */
    memcpy(sig, pp.sig + 32, 32);
    memcpy(sig + 32, pp.sig, 32);
    CHECK_EQ_INT(verify_pp(gen, sig, 64), ES256_INVALID);
out:
    free(t);
    EVP_PKEY_free(gen);
}

/* A key that keeps verifying switches to its precomputed table (decoders/p256key) after
 * 128 verifications in a thread: the verdicts stay the same across the switch. */
static void es_table(void)
{
    EVP_PKEY *gen = load_pub("gen_rfc8225key.pub.pem");
    char *t = NULL;
    if (!CHECK(gen) || !decode("gen_rfc8588_example.identity.txt", &t))
        goto out;
    size_t tables_before = es256_table_count();
    uint8_t flipped[64], high_s[64];
    memcpy(flipped, pp.sig, 64);
    flipped[40] ^= 4;
    memcpy(high_s, pp.sig, 64);
    ec_test_sub32(p256_n, pp.sig + 32, high_s + 32);
    unsigned wrong = 0;
    for (int i = 0; i < 400; i++) {
        wrong += verify_pp(gen, pp.sig, 64) != ES256_VALID;
        wrong += verify_pp(gen, flipped, 64) != ES256_INVALID;
        wrong += verify_pp(gen, high_s, 64) != ES256_VALID;
        wrong += es256_verify(gen, pp.signing_input.p, pp.signing_input.n - 1, pp.sig, 64) != ES256_INVALID;
    }
    CHECK_EQ_INT(wrong, 0);
    CHECK_EQ_INT(es256_table_count(), tables_before + 1);
out:
    free(t);
    EVP_PKEY_free(gen);
}

static void es_strings(void)
{
    CHECK_EQ_STR(es256_result_str(ES256_VALID), "valid");
    CHECK_EQ_STR(es256_result_str(ES256_INVALID), "signature-invalid");
    CHECK_EQ_STR(es256_result_str(ES256_BAD_LENGTH), "signature-length");
    CHECK_EQ_STR(es256_result_str(ES256_BAD_KEY), "key-not-p256");
    CHECK_EQ_STR(es256_result_str((enum es256_result)42), "?");
}

/* es256_sig_der writes what OpenSSL's i2d_ECDSA_SIG writes, for the edge shapes of r
 * and s: zero, leading zero bytes, the top bit set (a 0x00 pad), all ones. */
static void es_der(void)
{
    uint8_t shapes[6][32];
    memset(shapes, 0, sizeof shapes);
    shapes[1][31] = 1;
    memset(shapes[2] + 5, 0x7f, 27);
    memset(shapes[3], 0xff, 32);
    shapes[4][0] = 0x80;
    shapes[5][0] = 0x00;
    shapes[5][1] = 0x80;
    shapes[5][31] = 0x01;
    for (size_t i = 0; i < 6; i++) {
        for (size_t j = 0; j < 6; j++) {
            uint8_t sig[64], ours[72], *theirs = NULL;
            memcpy(sig, shapes[i], 32);
            memcpy(sig + 32, shapes[j], 32);
            size_t n = es256_sig_der(sig, ours);
            ECDSA_SIG *es = ECDSA_SIG_new();
            BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
            int m = es && r && s && ECDSA_SIG_set0(es, r, s) ? i2d_ECDSA_SIG(es, &theirs) : -1;
            if (CHECK(m > 0))
                CHECK_EQ_MEM(ours, n, theirs, (size_t)m);
            OPENSSL_free(theirs);
            ECDSA_SIG_free(es);
        }
    }
}

void test_es256(void)
{
    RUN(es_der);
    RUN(es_vectors);
    RUN(es_keys);
    RUN(es_range);
    RUN(es_table);
    RUN(es_strings);
}
