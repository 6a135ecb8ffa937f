/* summary: ECDSA P-256 verification with both scalar multiplications from tables.
 *
 * A verification computes R = u1 G + u2 Q. OpenSSL multiplies by the generator G with a
 * built-in table but by the key Q with a sliding window, doublings included: the second
 * is most of a verification's cost. A signer's key verifies thousands of calls, so here
 * the key gets a table too: a copy of the curve whose generator is Q, precomputed the way
 * OpenSSL precomputes any generator. Then u2 Q costs what u1 G costs, s^-1 mod n comes
 * from decoders/modinv (BN_mod_inverse was a third of what remained), and x(R) is
 * compared in Jacobian coordinates, saving the inversion mod p of going affine.
 *
 * OpenSSL 3 offers that precomputation (and Jacobian coordinates) only through the EC_GROUP
 * and EC_POINT functions deprecated in 3.0 and kept in every 3.x; an OpenSSL built
 * without them leaves p256key_new returning NULL, and callers verify through EVP. */
#undef OPENSSL_NO_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED
#include "decoders/p256key.h"

#include <stdlib.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>

#include "decoders/modinv.h"

struct p256key {
    EC_GROUP *curve;  /* P-256 and OpenSSL's table for G */
    EC_GROUP *at_key; /* P-256 with Q as its generator, and Q's table */
    BIGNUM *p;
    BIGNUM *p_minus_n; /* r below it: x(R) may also be r + n */
    struct modinv_modulus n_inv;
};

struct p256key_scratch {
    BN_CTX *bn;
    EC_POINT *a, *b; /* made with the first key's curve: every P-256 point is compatible */
};

#ifndef OPENSSL_NO_DEPRECATED_3_0

static bool prepare(struct p256key *k, const uint8_t *point, size_t len, BN_CTX *bn)
{
    k->curve = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    k->p = BN_new();
    k->p_minus_n = BN_new();
    EC_POINT *q = k->curve ? EC_POINT_new(k->curve) : NULL;
    if (!q || !k->p || !k->p_minus_n)
        goto fail;
    /* oct2point checks the point is on the curve; P-256's cofactor is 1, so any point but
     * infinity has order n and may serve as a generator. */
    if (len != 65 || point[0] != 0x04 || !EC_POINT_oct2point(k->curve, q, point, len, bn) ||
        EC_POINT_is_at_infinity(k->curve, q))
        goto fail;
    const BIGNUM *n = EC_GROUP_get0_order(k->curve);
    uint8_t n_bytes[32];
    if (!EC_GROUP_get_curve(k->curve, k->p, NULL, NULL, bn) || !BN_sub(k->p_minus_n, k->p, n) ||
        BN_bn2binpad(n, n_bytes, sizeof n_bytes) != sizeof n_bytes || !modinv_init(&k->n_inv, n_bytes))
        goto fail;
    k->at_key = EC_GROUP_dup(k->curve);
    if (!k->at_key || !EC_GROUP_set_generator(k->at_key, q, n, EC_GROUP_get0_cofactor(k->curve)) ||
        !EC_GROUP_precompute_mult(k->at_key, bn))
        goto fail;
    EC_POINT_free(q);
    return true;
fail:
    EC_POINT_free(q);
    return false;
}

struct p256key *p256key_new(const uint8_t *point, size_t len)
{
    struct p256key *k = calloc(1, sizeof *k);
    BN_CTX *bn = BN_CTX_new();
    bool ok = k && bn && prepare(k, point, len, bn);
    BN_CTX_free(bn);
    ERR_clear_error();
    if (!ok) {
        p256key_free(k);
        return NULL;
    }
    return k;
}

/* The verification proper; the caller brackets the BN_CTX frame. */
static enum p256key_result verify(const struct p256key *k, struct p256key_scratch *s, const uint8_t digest[32],
                                  const uint8_t sig[64])
{
    BN_CTX *bn = s->bn;
    BIGNUM *r = BN_CTX_get(bn), *e = BN_CTX_get(bn), *w = BN_CTX_get(bn), *u1 = BN_CTX_get(bn),
           *u2 = BN_CTX_get(bn), *x = BN_CTX_get(bn), *z = BN_CTX_get(bn), *t = BN_CTX_get(bn);
    if (!t)
        return P256KEY_ERROR;
    if ((!s->a && !(s->a = EC_POINT_new(k->curve))) || (!s->b && !(s->b = EC_POINT_new(k->curve))))
        return P256KEY_ERROR;
    const BIGNUM *n = EC_GROUP_get0_order(k->curve);

    /* r and s in [1, n-1]; s^-1 exists for every such s, n being prime. */
    uint8_t s_inv[32];
    if (!BN_bin2bn(sig, 32, r) || !BN_bin2bn(sig + 32, 32, t))
        return P256KEY_ERROR;
    if (BN_is_zero(r) || BN_cmp(r, n) >= 0 || BN_is_zero(t) || BN_cmp(t, n) >= 0)
        return P256KEY_INVALID;
    if (!modinv(&k->n_inv, sig + 32, s_inv))
        return P256KEY_INVALID;

    /* The digest is as long as n, so it is taken whole (SEC 1 §4.1.4 step 3 truncates only
     * longer ones); BN_mod_mul reduces it. */
    if (!BN_bin2bn(s_inv, 32, w) || !BN_bin2bn(digest, 32, e) || !BN_mod_mul(u1, e, w, n, bn) ||
        !BN_mod_mul(u2, r, w, n, bn))
        return P256KEY_ERROR;
    if (!EC_POINT_mul(k->curve, s->a, u1, NULL, NULL, bn) || !EC_POINT_mul(k->at_key, s->b, u2, NULL, NULL, bn) ||
        !EC_POINT_add(k->curve, s->a, s->a, s->b, bn))
        return P256KEY_ERROR;
    if (EC_POINT_is_at_infinity(k->curve, s->a))
        return P256KEY_INVALID;

    /* x(R) = X / Z^2 mod p, and the signature holds when x(R) mod n = r: X = r Z^2, or
     * X = (r + n) Z^2 when r + n is still below p. */
    if (!EC_POINT_get_Jprojective_coordinates_GFp(k->curve, s->a, x, NULL, z, bn) || !BN_nnmod(x, x, k->p, bn) ||
        !BN_mod_sqr(z, z, k->p, bn) || !BN_mod_mul(t, r, z, k->p, bn))
        return P256KEY_ERROR;
    if (BN_cmp(t, x) == 0)
        return P256KEY_VALID;
    if (BN_cmp(r, k->p_minus_n) >= 0)
        return P256KEY_INVALID;
    if (!BN_add(t, r, n) || !BN_mod_mul(t, t, z, k->p, bn))
        return P256KEY_ERROR;
    return BN_cmp(t, x) == 0 ? P256KEY_VALID : P256KEY_INVALID;
}

enum p256key_result p256key_verify(const struct p256key *k, struct p256key_scratch *s, const uint8_t digest[32],
                                   const uint8_t sig[64])
{
    BN_CTX_start(s->bn);
    enum p256key_result r = verify(k, s, digest, sig);
    BN_CTX_end(s->bn);
    if (r == P256KEY_ERROR)
        ERR_clear_error();
    return r;
}

#else /* OpenSSL without the 3.0-deprecated EC interface */

struct p256key *p256key_new(const uint8_t *point, size_t len)
{
    (void)point;
    (void)len;
    return NULL;
}

enum p256key_result p256key_verify(const struct p256key *k, struct p256key_scratch *s, const uint8_t digest[32],
                                   const uint8_t sig[64])
{
    (void)k;
    (void)s;
    (void)digest;
    (void)sig;
    return P256KEY_ERROR;
}

#endif

void p256key_free(struct p256key *k)
{
    if (!k)
        return;
    EC_GROUP_free(k->at_key);
    EC_GROUP_free(k->curve);
    BN_free(k->p);
    BN_free(k->p_minus_n);
    free(k);
}

struct p256key_scratch *p256key_scratch_new(void)
{
    struct p256key_scratch *s = calloc(1, sizeof *s);
    if (s && !(s->bn = BN_CTX_new())) {
        free(s);
        return NULL;
    }
    return s;
}

void p256key_scratch_free(struct p256key_scratch *s)
{
    if (!s)
        return;
    EC_POINT_free(s->a);
    EC_POINT_free(s->b);
    BN_CTX_free(s->bn);
    free(s);
}
