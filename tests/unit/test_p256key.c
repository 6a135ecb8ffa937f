/* summary: tests for decoders/p256key — every verdict against OpenSSL's own ECDSA
 * verification: real signatures by fresh keys, each tampered, (r, n - s), r and s at and
 * beyond the range ends; R at infinity; a signature whose x(R) exceeds n (only the r + n comparison
 * accepts it), built by choosing the key; points that are not P-256 public keys; two
 * threads sharing one prepared key. */
#include <pthread.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>

#include "decoders/es256.h"
#include "decoders/p256key.h"
#include "tests/ec_helpers.h"
#include "tests/unit/harness.h"

/* OpenSSL's verdict: EVP_PKEY_verify over the digest, r||s as DER. */
static enum p256key_result evp_verdict(EVP_PKEY *pub, const uint8_t digest[32], const uint8_t sig[64])
{
    uint8_t der[72];
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
    int rc = ctx && EVP_PKEY_verify_init(ctx) == 1 ? EVP_PKEY_verify(ctx, der, es256_sig_der(sig, der), digest, 32)
                                                   : -1;
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return rc == 1 ? P256KEY_VALID : rc == 0 ? P256KEY_INVALID : P256KEY_ERROR;
}

/* r||s of an ECDSA signature over digest. */
static bool sign(EVP_PKEY *key, const uint8_t digest[32], uint8_t sig[64])
{
    uint8_t der[80];
    size_t n = sizeof der;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    bool ok = ctx && EVP_PKEY_sign_init(ctx) == 1 && EVP_PKEY_sign(ctx, der, &n, digest, 32) == 1;
    EVP_PKEY_CTX_free(ctx);
    return ok && ec_test_raw_sig(der, n, sig);
}

static bool point_of(EVP_PKEY *key, uint8_t point[65])
{
    size_t len = 0;
    return EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point, 65, &len) && len == 65;
}

static const uint8_t N[32] = { 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
                               0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
                               0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51 };

/* Both verdicts for one (digest, sig); counts disagreements. */
static unsigned differ(const struct p256key *k, struct p256key_scratch *s, EVP_PKEY *pub, const uint8_t d[32],
                       const uint8_t sig[64], enum p256key_result want)
{
    enum p256key_result ours = p256key_verify(k, s, d, sig), theirs = evp_verdict(pub, d, sig);
    return (ours != theirs) + (ours != want);
}

static void pk_against_openssl(void)
{
    struct p256key_scratch *s = p256key_scratch_new();
    if (!CHECK(s != NULL))
        return;
    unsigned bad = 0, signed_ok = 0;
    for (int key_no = 0; key_no < 3; key_no++) {
        EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        uint8_t point[65];
        struct p256key *k = key && point_of(key, point) ? p256key_new(point, sizeof point) : NULL;
        if (!CHECK(k != NULL)) {
            EVP_PKEY_free(key);
            continue;
        }
        for (int i = 0; i < 200; i++) {
            uint8_t d[32], sig[64], t[64];
            RAND_bytes(d, sizeof d);
            if (i == 1)
                memset(d, 0xff, 32); /* a digest above n: reduced, not rejected */
            if (!sign(key, d, sig))
                continue;
            signed_ok++;
            bad += differ(k, s, key, d, sig, P256KEY_VALID);
            memcpy(t, sig, 64);
            ec_test_sub32(N, sig + 32, t + 32); /* (r, n - s) */
            bad += differ(k, s, key, d, t, P256KEY_VALID);
            memcpy(t, sig, 64);
            t[i % 64] ^= (uint8_t)(1u << (i % 8));
            bad += differ(k, s, key, d, t, P256KEY_INVALID);
            uint8_t d2[32];
            memcpy(d2, d, 32);
            d2[i % 32] ^= 0x10;
            bad += differ(k, s, key, d2, sig, P256KEY_INVALID);
            /* Range ends of r and of s: 0, n, n - 1, all ones. */
            const uint8_t zero[32] = { 0 };
            uint8_t n1[32], one[32] = { 0 };
            one[31] = 1;
            ec_test_sub32(N, one, n1);
            const uint8_t *ends[] = { zero, N, n1 };
            for (int half = 0; half < 2; half++) {
                for (size_t e = 0; e < 3; e++) {
                    memcpy(t, sig, 64);
                    memcpy(t + 32 * half, ends[e], 32);
                    bad += differ(k, s, key, d, t, P256KEY_INVALID);
                }
                memcpy(t, sig, 64);
                memset(t + 32 * half, 0xff, 32);
                bad += differ(k, s, key, d, t, P256KEY_INVALID);
            }
        }
        p256key_free(k);
        EVP_PKEY_free(key);
    }
    CHECK_EQ_INT(signed_ok, 600);
    CHECK_EQ_INT(bad, 0);
    p256key_scratch_free(s);
}

/* x(R) in [n, p): r = x(R) - n. With the key chosen as Q = r^-1 (s R - e G), the
 * signature (r, s) over e has u1 G + u2 Q = R. */
static void pk_x_above_n(void)
{
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BN_CTX *bn = BN_CTX_new();
    EC_POINT *R = EC_POINT_new(g), *A = EC_POINT_new(g), *B = EC_POINT_new(g);
    BIGNUM *x = BN_new(), *r = BN_new(), *s = BN_new(), *e = BN_new(), *ri = BN_new();
    const BIGNUM *n = EC_GROUP_get0_order(g);
    if (!CHECK(g && bn && R && A && B && x && r && s && e && ri))
        goto out;
    int t = 1;
    for (; t < 1000; t++) {
        BN_copy(x, n);
        BN_add_word(x, (BN_ULONG)t);
        if (EC_POINT_set_compressed_coordinates(g, R, x, 0, bn))
            break;
        ERR_clear_error();
    }
    if (!CHECK(t < 1000))
        goto out;
    BN_set_word(r, (BN_ULONG)t);
    uint8_t d[32], sig[64], point[65];
    RAND_bytes(d, 32);
    BN_bin2bn(d, 32, e);
    BN_rand_range(s, n);
    BN_add_word(s, 1); /* [1, n]: n itself is vanishingly unlikely */
    bool ok = EC_POINT_mul(g, A, NULL, R, s, bn) && EC_POINT_mul(g, B, e, NULL, NULL, bn) && EC_POINT_invert(g, B, bn) &&
              EC_POINT_add(g, A, A, B, bn) && BN_mod_inverse(ri, r, n, bn) && EC_POINT_mul(g, A, NULL, A, ri, bn) &&
              EC_POINT_point2oct(g, A, POINT_CONVERSION_UNCOMPRESSED, point, 65, bn) == 65 &&
              BN_bn2binpad(r, sig, 32) == 32 && BN_bn2binpad(s, sig + 32, 32) == 32;
    if (!CHECK(ok))
        goto out;
    EVP_PKEY *pub = ec_test_pub_of(point);
    struct p256key *k = p256key_new(point, sizeof point);
    struct p256key_scratch *sc = p256key_scratch_new();
    if (CHECK(pub && k && sc)) {
        CHECK_EQ_INT(evp_verdict(pub, d, sig), P256KEY_VALID);
        CHECK_EQ_INT(p256key_verify(k, sc, d, sig), P256KEY_VALID);
        sig[31]++; /* r + 1 */
        CHECK_EQ_INT(evp_verdict(pub, d, sig), P256KEY_INVALID);
        CHECK_EQ_INT(p256key_verify(k, sc, d, sig), P256KEY_INVALID);
    }
    p256key_scratch_free(sc);
    p256key_free(k);
    EVP_PKEY_free(pub);
out:
    BN_free(x);
    BN_free(r);
    BN_free(s);
    BN_free(e);
    BN_free(ri);
    EC_POINT_free(R);
    EC_POINT_free(A);
    EC_POINT_free(B);
    BN_CTX_free(bn);
    EC_GROUP_free(g);
}

/* With Q = -G, a signature whose r equals the digest gives R = (e - r)/s G = infinity:
 * invalid (SEC 1 §4.1.4 step 5), where OpenSSL reports an error. Found by fuzz_ecdsa. */
static void pk_r_at_infinity(void)
{
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    EC_POINT *q = g ? EC_POINT_dup(EC_GROUP_get0_generator(g), g) : NULL;
    uint8_t point[65], d[32], sig[64];
    if (!CHECK(q && EC_POINT_invert(g, q, NULL) &&
               EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, point, 65, NULL) == 65))
        goto out;
    RAND_bytes(d, 32);
    d[0] = 0x7f; /* below n */
    memcpy(sig, d, 32);
    RAND_bytes(sig + 32, 32);
    sig[32] = 0x3c;
    struct p256key *k = p256key_new(point, 65);
    struct p256key_scratch *s = p256key_scratch_new();
    EVP_PKEY *pub = ec_test_pub_of(point);
    if (CHECK(k && s && pub)) {
        CHECK_EQ_INT(p256key_verify(k, s, d, sig), P256KEY_INVALID);
        CHECK(evp_verdict(pub, d, sig) != P256KEY_VALID);
        sig[31] ^= 1; /* r = e + 1: a finite R again, and still no signature */
        CHECK_EQ_INT(p256key_verify(k, s, d, sig), P256KEY_INVALID);
        CHECK_EQ_INT(evp_verdict(pub, d, sig), P256KEY_INVALID);
    }
    EVP_PKEY_free(pub);
    p256key_scratch_free(s);
    p256key_free(k);
out:
    EC_POINT_free(q);
    EC_GROUP_free(g);
}

static void pk_not_keys(void)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    uint8_t point[65], p[65];
    if (!CHECK(key && point_of(key, point)))
        goto out;
    struct p256key *k = p256key_new(point, 65);
    CHECK(k != NULL);
    p256key_free(k);
    CHECK(p256key_new(point, 64) == NULL);
    CHECK(p256key_new(point, 33) == NULL);
    memcpy(p, point, 65);
    p[0] = 0x02; /* compressed form is not accepted */
    CHECK(p256key_new(p, 65) == NULL);
    memcpy(p, point, 65);
    p[64] ^= 1; /* off the curve */
    CHECK(p256key_new(p, 65) == NULL);
    memset(p, 0, 65);
    p[0] = 0x04;
    CHECK(p256key_new(p, 65) == NULL);
    p256key_free(NULL);
    p256key_scratch_free(NULL);
out:
    EVP_PKEY_free(key);
}

struct shared {
    const struct p256key *k;
    uint8_t d[32], sig[64];
    unsigned valid;
};

static void *verify_many(void *arg)
{
    struct shared *sh = arg;
    struct p256key_scratch *s = p256key_scratch_new();
    for (int i = 0; s && i < 300; i++)
        sh->valid += p256key_verify(sh->k, s, sh->d, sh->sig) == P256KEY_VALID;
    p256key_scratch_free(s);
    return NULL;
}

static void pk_threads(void)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    uint8_t point[65];
    struct shared sh[2] = { { 0 } };
    struct p256key *k = key && point_of(key, point) ? p256key_new(point, 65) : NULL;
    if (!CHECK(k != NULL))
        goto out;
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        sh[i].k = k;
        RAND_bytes(sh[i].d, 32);
        CHECK(sign(key, sh[i].d, sh[i].sig));
        pthread_create(&th[i], NULL, verify_many, &sh[i]);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ_INT(sh[i].valid, 300);
    }
out:
    p256key_free(k);
    EVP_PKEY_free(key);
}

void test_p256key(void)
{
    RUN(pk_not_keys);
    RUN(pk_against_openssl);
    RUN(pk_x_above_n);
    RUN(pk_r_at_infinity);
    RUN(pk_threads);
}
