/* summary: x^-1 mod m by Bernstein and Yang's divsteps ("Fast constant-time gcd computation
 * and modular inversion", 2019), in the variable-time form: the steps run 62 at a time on
 * the low bits of f and g, and their product matrix is then applied to the full numbers.
 * About a tenth of OpenSSL's BN_mod_inverse for 256 bits, which matters to ECDSA
 * verification once the point multiplications use precomputed tables.
 *
 * Numbers are signed, in five limbs of 62 bits: value = sum(l[i] * 2^(62 i)), limbs 0..3
 * in [0, 2^62), limb 4 signed. Products of a limb and a matrix entry (|entry| <= 2^62)
 * then fit in 124 bits, and sums of three of them in a signed 128-bit accumulator. */
#include "decoders/modinv.h"

#include <string.h>

#define M62 (((uint64_t)1 << 62) - 1)

typedef int64_t s62[5];

struct matrix {
    int64_t u, v, q, r; /* 2^62 (f', g') = [u v; q r] (f, g) */
};

static void s62_from_bytes(s62 a, const uint8_t b[32])
{
    uint64_t w[4] = { 0 };
    for (int i = 0; i < 32; i++)
        w[3 - i / 8] = (w[3 - i / 8] << 8) | b[i];
    a[0] = (int64_t)(w[0] & M62);
    a[1] = (int64_t)(((w[0] >> 62) | (w[1] << 2)) & M62);
    a[2] = (int64_t)(((w[1] >> 60) | (w[2] << 4)) & M62);
    a[3] = (int64_t)(((w[2] >> 58) | (w[3] << 6)) & M62);
    a[4] = (int64_t)(w[3] >> 56);
}

/* a must be in [0, 2^256). */
static void s62_to_bytes(const s62 a, uint8_t b[32])
{
    uint64_t w[4];
    w[0] = (uint64_t)a[0] | ((uint64_t)a[1] << 62);
    w[1] = ((uint64_t)a[1] >> 2) | ((uint64_t)a[2] << 60);
    w[2] = ((uint64_t)a[2] >> 4) | ((uint64_t)a[3] << 58);
    w[3] = ((uint64_t)a[3] >> 6) | ((uint64_t)a[4] << 56);
    for (int i = 0; i < 32; i++)
        b[i] = (uint8_t)(w[3 - i / 8] >> (56 - 8 * (i % 8)));
}

/* a += k * b for k in {-1, 1}. */
static void s62_add(s62 a, const s62 b, int64_t k)
{
    int64_t c = 0;
    for (int i = 0; i < 4; i++) {
        c += a[i] + k * b[i];
        a[i] = (int64_t)((uint64_t)c & M62);
        c >>= 62;
    }
    a[4] += k * b[4] + c;
}

static bool s62_is_zero(const s62 a)
{
    return (a[0] | a[1] | a[2] | a[3] | a[4]) == 0;
}

static bool s62_is_one(const s62 a)
{
    return a[0] == 1 && (a[1] | a[2] | a[3] | a[4]) == 0;
}

static uint64_t low64(const s62 a)
{
    return (uint64_t)a[0] | ((uint64_t)a[1] << 62);
}

/* 62 divsteps on the low 64 bits of f and g (enough: step i reads bit i of each). */
static void divsteps_62(int64_t *delta, uint64_t f, uint64_t g, struct matrix *t)
{
    int64_t u = 1, v = 0, q = 0, r = 1, d = *delta;
    for (int i = 0; i < 62; i++) {
        if (g & 1) {
            if (d > 0) {
                int64_t fu = u, fv = v;
                uint64_t ff = f;
                d = 1 - d;
                f = g;
                g = (g - ff) >> 1;
                u = 2 * q;
                v = 2 * r;
                q -= fu;
                r -= fv;
                continue;
            }
            g = (g + f) >> 1;
            q += u;
            r += v;
        } else {
            g >>= 1;
        }
        d++;
        u *= 2;
        v *= 2;
    }
    *delta = d;
    *t = (struct matrix){ u, v, q, r };
}

/* (f, g) = t (f, g) / 2^62: exact, the divsteps cleared the low 62 bits. */
static void apply_fg(s62 f, s62 g, const struct matrix *t)
{
    __int128 cf = (__int128)t->u * f[0] + (__int128)t->v * g[0];
    __int128 cg = (__int128)t->q * f[0] + (__int128)t->r * g[0];
    cf >>= 62;
    cg >>= 62;
    for (int i = 1; i < 5; i++) {
        cf += (__int128)t->u * f[i] + (__int128)t->v * g[i];
        cg += (__int128)t->q * f[i] + (__int128)t->r * g[i];
        f[i - 1] = (int64_t)((uint64_t)cf & M62);
        g[i - 1] = (int64_t)((uint64_t)cg & M62);
        cf >>= 62;
        cg >>= 62;
    }
    f[4] = (int64_t)cf;
    g[4] = (int64_t)cg;
}

/* One row of t applied to (d, e), divided by 2^62 modulo m: the multiple of m added
 * first makes the low 62 bits zero. With d, e in [0, m) the result is in (-2m, 2m). */
static void apply_row(s62 out, int64_t a, int64_t b, const s62 d, const s62 e, const struct modinv_modulus *mod)
{
    __int128 c = (__int128)a * d[0] + (__int128)b * e[0];
    int64_t k = (int64_t)((0 - (uint64_t)c * mod->m_inv62) & M62);
    c += (__int128)k * mod->m[0];
    c >>= 62;
    for (int i = 1; i < 5; i++) {
        c += (__int128)a * d[i] + (__int128)b * e[i] + (__int128)k * mod->m[i];
        out[i - 1] = (int64_t)((uint64_t)c & M62);
        c >>= 62;
    }
    out[4] = (int64_t)c;
}

/* From (-2m, 2m) into [0, m). */
static void reduce(s62 a, const struct modinv_modulus *mod)
{
    while (a[4] < 0)
        s62_add(a, mod->m, 1);
    for (;;) {
        s62 t;
        memcpy(t, a, sizeof t);
        s62_add(t, mod->m, -1);
        if (t[4] < 0)
            return;
        memcpy(a, t, sizeof t);
    }
}

bool modinv_init(struct modinv_modulus *mod, const uint8_t m[32])
{
    s62_from_bytes(mod->m, m);
    if (!(mod->m[0] & 1) || s62_is_one(mod->m))
        return false;
    /* Newton's iteration doubles the correct low bits: m*m = 1 mod 8 for odd m. */
    uint64_t x = (uint64_t)mod->m[0];
    for (int i = 0; i < 5; i++)
        x *= 2 - (uint64_t)mod->m[0] * x;
    mod->m_inv62 = x & M62;
    return true;
}

/* The invariants: f = d x and g = e x (mod m). f starts at m, g at x; when g reaches 0, f
 * is the gcd up to sign, and for gcd 1, x^-1 = +-d. Divsteps on 256-bit inputs end within
 * 741 steps (the paper's bound), 12 rounds of 62; the cap only guards the loop. */
bool modinv(const struct modinv_modulus *mod, const uint8_t x[32], uint8_t out[32])
{
    s62 f, g, d = { 0 }, e = { 1 };
    memcpy(f, mod->m, sizeof f);
    s62_from_bytes(g, x);
    int64_t delta = 1;
    for (int round = 0; !s62_is_zero(g); round++) {
        if (round == 16)
            return false;
        struct matrix t;
        divsteps_62(&delta, low64(f), low64(g), &t);
        apply_fg(f, g, &t);
        s62 nd, ne;
        apply_row(nd, t.u, t.v, d, e, mod);
        apply_row(ne, t.q, t.r, d, e, mod);
        reduce(nd, mod);
        reduce(ne, mod);
        memcpy(d, nd, sizeof d);
        memcpy(e, ne, sizeof e);
    }
    if (f[4] < 0) {
        s62 zero = { 0 };
        s62_add(zero, f, -1);
        memcpy(f, zero, sizeof f);
        s62 nd = { 0 };
        s62_add(nd, d, -1);
        reduce(nd, mod);
        memcpy(d, nd, sizeof d);
    }
    if (!s62_is_one(f))
        return false;
    s62_to_bytes(d, out);
    return true;
}
