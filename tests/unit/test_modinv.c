/* summary: tests for decoders/modinv — against OpenSSL's BN_mod_inverse for the P-256
 * order and prime, a random odd modulus and small ones with non-invertible values, on
 * edge values (0, 1, m - 1, m, m + 1, powers of two, all ones) and random ones. */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "decoders/modinv.h"
#include "tests/unit/harness.h"

static const char *const P256_N = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";
static const char *const P256_P = "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF";

/* Ours and OpenSSL's agree on x: the same inverse, or both find none. */
static bool agree(const struct modinv_modulus *mod, const BIGNUM *m, const uint8_t x[32], BN_CTX *bn)
{
    uint8_t ours[32], theirs[32];
    bool ok = modinv(mod, x, ours);
    BIGNUM *bx = BN_bin2bn(x, 32, NULL), *w = BN_new();
    bool have = bx && w && BN_mod_inverse(w, bx, m, bn) != NULL;
    ERR_clear_error();
    bool same = ok == have && (!have || (BN_bn2binpad(w, theirs, 32) == 32 && memcmp(ours, theirs, 32) == 0));
    BN_free(bx);
    BN_free(w);
    return same;
}

static void check_modulus(const BIGNUM *m, BN_CTX *bn, int randoms)
{
    uint8_t mb[32];
    struct modinv_modulus mod;
    if (!CHECK(BN_bn2binpad(m, mb, 32) == 32) || !CHECK(modinv_init(&mod, mb)))
        return;
    uint8_t x[32];
    unsigned bad = 0;
    memset(x, 0, 32);
    bad += !agree(&mod, m, x, bn); /* 0 */
    x[31] = 1;
    bad += !agree(&mod, m, x, bn);
    for (int d = -2; d <= 2; d++) { /* m - 2 .. m + 2 */
        BIGNUM *t = BN_dup(m);
        if (d < 0)
            BN_sub_word(t, (BN_ULONG)-d);
        else
            BN_add_word(t, (BN_ULONG)d);
        if (BN_num_bytes(t) <= 32 && BN_bn2binpad(t, x, 32) == 32)
            bad += !agree(&mod, m, x, bn);
        BN_free(t);
    }
    for (int bit = 0; bit < 256; bit++) {
        memset(x, 0, 32);
        x[31 - bit / 8] = (uint8_t)(1u << (bit % 8));
        bad += !agree(&mod, m, x, bn);
    }
    memset(x, 0xff, 32);
    bad += !agree(&mod, m, x, bn);
    for (int i = 0; i < randoms; i++) {
        RAND_bytes(x, 32);
        if (i % 3 == 0) /* also values below 2^128, and 2^256 - small */
            memset(x, i % 2 ? 0 : 0xff, 16);
        bad += !agree(&mod, m, x, bn);
    }
    CHECK_EQ_INT(bad, 0);
}

static void mi_against_openssl(void)
{
    BN_CTX *bn = BN_CTX_new();
    BIGNUM *n = NULL, *p = NULL, *r = BN_new(), *small = BN_new();
    BN_hex2bn(&n, P256_N);
    BN_hex2bn(&p, P256_P);
    check_modulus(n, bn, 20000);
    check_modulus(p, bn, 5000);
    /* A random odd 256-bit modulus, composite most likely: some x share a factor. */
    BN_rand(r, 256, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD);
    check_modulus(r, bn, 5000);
    BN_rand(r, 130, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD);
    check_modulus(r, bn, 2000);
    const BN_ULONG smalls[] = { 3, 15, 105, 65537 };
    for (size_t i = 0; i < sizeof smalls / sizeof smalls[0]; i++) {
        BN_set_word(small, smalls[i]);
        check_modulus(small, bn, 500);
    }
    BN_free(n);
    BN_free(p);
    BN_free(r);
    BN_free(small);
    BN_CTX_free(bn);
}

static void mi_moduli(void)
{
    struct modinv_modulus mod;
    uint8_t m[32] = { 0 };
    CHECK(!modinv_init(&mod, m)); /* 0 */
    m[31] = 1;
    CHECK(!modinv_init(&mod, m)); /* 1 */
    m[31] = 2;
    CHECK(!modinv_init(&mod, m)); /* even */
    m[0] = 0x80;
    CHECK(!modinv_init(&mod, m));
    m[31] = 3;
    CHECK(modinv_init(&mod, m));
    uint8_t x[32] = { 0 }, out[32];
    x[31] = 2;
    CHECK(modinv(&mod, x, out));
    /* 2 * out = 1 mod m, m = 2^255 + 3 (odd): out = (m + 1) / 2 = 2^254 + 2 */
    uint8_t want[32] = { 0x40 };
    want[31] = 2;
    CHECK_EQ_MEM(out, 32, want, 32);
}

void test_modinv(void)
{
    RUN(mi_moduli);
    RUN(mi_against_openssl);
}
