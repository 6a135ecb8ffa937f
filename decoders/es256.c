/* summary: ES256 verification — JWS raw r||s converted to the DER ECDSA-Sig-Value that
 * OpenSSL's EVP_DigestVerify expects. */
#include "decoders/es256.h"

#include <stdbool.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>

static bool is_p256(EVP_PKEY *pub)
{
    char group[32];
    size_t n = 0;
    return EVP_PKEY_is_a(pub, "EC") &&
           EVP_PKEY_get_utf8_string_param(pub, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &n) &&
           (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0);
}

/* DER of r||s; out must hold 72 bytes. Returns the length, 0 on failure. */
static size_t sig_to_der(const uint8_t sig[64], uint8_t *out)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
    size_t n = 0;
    if (es && r && s && ECDSA_SIG_set0(es, r, s)) {
        r = s = NULL; /* owned by es now */
        int k = i2d_ECDSA_SIG(es, NULL);
        if (k > 0 && k <= 72) {
            unsigned char *q = out;
            n = (size_t)i2d_ECDSA_SIG(es, &q);
        }
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    return n;
}

enum es256_result es256_verify(EVP_PKEY *pub, const uint8_t *msg, size_t msg_len, const uint8_t *sig,
                               size_t sig_len)
{
    if (sig_len != 64)
        return ES256_BAD_LENGTH;
    if (!pub || !is_p256(pub))
        return ES256_BAD_KEY;
    uint8_t der[72];
    size_t der_len = sig_to_der(sig, der);
    if (der_len == 0)
        return ES256_INVALID;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int rc = md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub) == 1
                 ? EVP_DigestVerify(md, der, der_len, msg, msg_len)
                 : -1;
    EVP_MD_CTX_free(md);
    ERR_clear_error();
    return rc == 1 ? ES256_VALID : ES256_INVALID;
}

const char *es256_result_str(enum es256_result r)
{
    switch (r) {
    case ES256_VALID: return "valid";
    case ES256_INVALID: return "signature-invalid";
    case ES256_BAD_LENGTH: return "signature-length";
    case ES256_BAD_KEY: return "key-not-p256";
    }
    return "?";
}
