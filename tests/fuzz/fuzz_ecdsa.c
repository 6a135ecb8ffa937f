/* summary: differential libFuzzer target — decoders/p256key and decoders/modinv against
 * OpenSSL: the modular inverse against BN_mod_inverse (mod the P-256 order and prime),
 * and every ECDSA verdict against EVP_PKEY_verify, for the fuzzer's raw r||s and for a
 * real signature made here with the fuzzer's nonce, as is and with one bit flipped.
 *
 * Input: byte 0 picks the key (private scalar 1, n - 1, or a fixed random one) and the
 * bit to flip; bytes 1-32 the digest, 33-64 the nonce (also the value inverted), 65-128
 * a signature. Short inputs are zero-padded. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "decoders/es256.h"
#include "decoders/modinv.h"
#include "decoders/p256key.h"
#include "tests/ec_helpers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                                   \
    do {                                                                                             \
        if (!(c)) {                                                                                  \
            fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c, __FILE__, __LINE__);               \
            abort();                                                                                 \
        }                                                                                            \
    } while (0)

#define KEYS 3

static EC_GROUP *curve;
static BN_CTX *bn;
static BIGNUM *priv[KEYS], *order_p;
static EVP_PKEY *pub[KEYS];
static struct p256key *prepared[KEYS];
static struct p256key_scratch *scratch;
static struct modinv_modulus mod_n, mod_p;

static void init(void)
{
    curve = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    bn = BN_CTX_new();
    order_p = BN_new();
    REQUIRE(curve && bn && order_p && EC_GROUP_get_curve(curve, order_p, NULL, NULL, bn));
    const BIGNUM *n = EC_GROUP_get0_order(curve);
    uint8_t b[32];
    REQUIRE(BN_bn2binpad(n, b, 32) == 32 && modinv_init(&mod_n, b));
    REQUIRE(BN_bn2binpad(order_p, b, 32) == 32 && modinv_init(&mod_p, b));
    for (int i = 0; i < KEYS; i++) {
        priv[i] = BN_new();
        REQUIRE(priv[i]);
        if (i == 0)
            BN_one(priv[i]);
        else if (i == 1)
            BN_sub(priv[i], n, BN_value_one());
        else
            BN_hex2bn(&priv[i], "5b1f0e2c9a7d3e4f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7");
        EC_POINT *q = EC_POINT_new(curve);
        uint8_t point[65];
        REQUIRE(q && EC_POINT_mul(curve, q, priv[i], NULL, NULL, bn) &&
                EC_POINT_point2oct(curve, q, POINT_CONVERSION_UNCOMPRESSED, point, 65, bn) == 65);
        EC_POINT_free(q);
        REQUIRE((pub[i] = ec_test_pub_of(point)) != NULL);
        REQUIRE((prepared[i] = p256key_new(point, 65)) != NULL);
    }
    REQUIRE((scratch = p256key_scratch_new()) != NULL);
}

static enum p256key_result evp_verdict(EVP_PKEY *key, const uint8_t digest[32], const uint8_t sig[64])
{
    uint8_t der[72];
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    REQUIRE(ctx && EVP_PKEY_verify_init(ctx) == 1);
    int rc = EVP_PKEY_verify(ctx, der, es256_sig_der(sig, der), digest, 32);
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    /* -1 is OpenSSL's word for R at infinity (it fails to make it affine); es256 and
     * p256key call that invalid, as SEC 1 §4.1.4 step 5 does. */
    REQUIRE(rc >= -1 && rc <= 1);
    return rc == 1 ? P256KEY_VALID : P256KEY_INVALID;
}

/* The inverse of x mod m, ours and OpenSSL's. */
static void check_inverse(const struct modinv_modulus *mod, const BIGNUM *m, const uint8_t x[32])
{
    uint8_t ours[32], theirs[32];
    bool ok = modinv(mod, x, ours);
    BIGNUM *bx = BN_bin2bn(x, 32, NULL), *w = BN_new();
    REQUIRE(bx && w);
    bool have = BN_mod_inverse(w, bx, m, bn) != NULL;
    ERR_clear_error();
    REQUIRE(ok == have);
    if (have)
        REQUIRE(BN_bn2binpad(w, theirs, 32) == 32 && memcmp(ours, theirs, 32) == 0);
    BN_free(bx);
    BN_free(w);
}

/* Textbook ECDSA with the given nonce: r = x(kG) mod n, s = k^-1 (e + r d) mod n. False
 * for a nonce out of [1, n - 1] or a zero r or s. */
static bool sign_with(const BIGNUM *d, const uint8_t digest[32], const uint8_t nonce[32], uint8_t sig[64])
{
    const BIGNUM *n = EC_GROUP_get0_order(curve);
    BN_CTX_start(bn);
    BIGNUM *k = BN_CTX_get(bn), *e = BN_CTX_get(bn), *r = BN_CTX_get(bn), *s = BN_CTX_get(bn),
           *x = BN_CTX_get(bn);
    EC_POINT *R = EC_POINT_new(curve);
    REQUIRE(x && R && BN_bin2bn(nonce, 32, k) && BN_bin2bn(digest, 32, e));
    bool ok = false;
    if (!BN_is_zero(k) && BN_cmp(k, n) < 0) {
        REQUIRE(EC_POINT_mul(curve, R, k, NULL, NULL, bn) &&
                EC_POINT_get_affine_coordinates(curve, R, x, NULL, bn) && BN_nnmod(r, x, n, bn) &&
                BN_mod_mul(s, r, d, n, bn) && BN_mod_add(s, s, e, n, bn) && BN_mod_inverse(k, k, n, bn) &&
                BN_mod_mul(s, s, k, n, bn));
        ok = !BN_is_zero(r) && !BN_is_zero(s) && BN_bn2binpad(r, sig, 32) == 32 &&
             BN_bn2binpad(s, sig + 32, 32) == 32;
    }
    EC_POINT_free(R);
    BN_CTX_end(bn);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!curve)
        init();
    uint8_t in[129] = { 0 };
    memcpy(in, data, size < sizeof in ? size : sizeof in);
    const uint8_t *digest = in + 1, *nonce = in + 33, *raw = in + 65;
    int key = in[0] % KEYS;

    check_inverse(&mod_n, EC_GROUP_get0_order(curve), nonce);
    check_inverse(&mod_p, order_p, nonce);

    REQUIRE(p256key_verify(prepared[key], scratch, digest, raw) == evp_verdict(pub[key], digest, raw));

    uint8_t sig[64];
    if (sign_with(priv[key], digest, nonce, sig)) {
        REQUIRE(p256key_verify(prepared[key], scratch, digest, sig) == P256KEY_VALID);
        REQUIRE(evp_verdict(pub[key], digest, sig) == P256KEY_VALID);
        int bit = (in[0] / KEYS) % (64 * 8 + 32 * 8);
        uint8_t d2[32];
        memcpy(d2, digest, 32);
        if (bit < 512)
            sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        else
            d2[(bit - 512) / 8] ^= (uint8_t)(1u << (bit % 8));
        enum p256key_result ours = p256key_verify(prepared[key], scratch, d2, sig);
        REQUIRE(ours == evp_verdict(pub[key], d2, sig));
    }
    return 0;
}
