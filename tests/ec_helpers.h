/* summary: test-only EC helpers shared by the unit tests and the fuzz targets: a
 * public-only key from a SEC1 point, DER ECDSA-Sig-Value to JWS r||s, and 32-byte
 * big-endian subtraction (for n - s). Header-only: the fuzz targets do not link the
 * unit-test harness. */
#ifndef STIRPROBE_TESTS_EC_HELPERS_H
#define STIRPROBE_TESTS_EC_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

/* A public-only P-256 key for an uncompressed point; NULL when it is not one. */
static inline EVP_PKEY *ec_test_pub_of(const uint8_t point[65])
{
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (b && ctx && OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
        OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, point, 65) &&
        (params = OSSL_PARAM_BLD_to_param(b)) && EVP_PKEY_fromdata_init(ctx) == 1)
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(b);
    EVP_PKEY_CTX_free(ctx);
    return key;
}

/* The JWS form (r||s, 32 bytes each) of a DER ECDSA-Sig-Value. */
static inline bool ec_test_raw_sig(const uint8_t *der, size_t n, uint8_t raw[64])
{
    const uint8_t *p = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)n);
    bool ok = es && BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32) == 32 &&
              BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32) == 32;
    ECDSA_SIG_free(es);
    return ok;
}

/* a - b over 32-byte big-endian numbers (a >= b). */
static inline void ec_test_sub32(const uint8_t a[32], const uint8_t b[32], uint8_t out[32])
{
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int d = a[i] - b[i] - borrow;
        borrow = d < 0;
        out[i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
}

#endif
