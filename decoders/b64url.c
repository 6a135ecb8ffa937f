/* summary: strict base64url decode/encode (RFC 4648 §5; RFC 7515 Appendix C). */
#include "decoders/b64url.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Value + 1 of each alphabet byte, 0 for every other byte: one load per character on
 * the per-PASSporT path instead of a chain of range tests. */
static const uint8_t dec_plus1[256] = {
    ['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7, ['H'] = 8,
    ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16,
    ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
    ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
    ['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
    ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['-'] = 63, ['_'] = 64,
};

static int val(uint8_t c)
{
    return (int)dec_plus1[c] - 1;
}

enum b64_status b64url_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *outlen)
{
    if (n % 4 == 1)
        return B64_BAD_LENGTH;
    size_t need = b64url_decoded_len(n);
    if (need > cap)
        return B64_TOO_BIG;
    size_t o = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        int a = val(in[i]), b = val(in[i + 1]), c = val(in[i + 2]), d = val(in[i + 3]);
        if ((a | b | c | d) < 0)
            return B64_BAD_CHAR;
        uint32_t w = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
        out[o++] = (uint8_t)(w >> 16);
        out[o++] = (uint8_t)(w >> 8);
        out[o++] = (uint8_t)w;
    }
    size_t r = n - i;
    if (r) {
        int a = val(in[i]), b = val(in[i + 1]), c = r == 3 ? val(in[i + 2]) : 0;
        if ((a | b | c) < 0)
            return B64_BAD_CHAR;
        uint32_t w = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6;
        /* Canonical encodings leave the spare bits zero; anything else is a forgery aid. */
        if (r == 2 && (w & 0xffff))
            return B64_NONZERO_PAD;
        if (r == 3 && (w & 0xff))
            return B64_NONZERO_PAD;
        out[o++] = (uint8_t)(w >> 16);
        if (r == 3)
            out[o++] = (uint8_t)(w >> 8);
    }
    *outlen = o;
    return B64_OK;
}

size_t b64url_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
    size_t o = 0, i = 0;
    if (cap < (n * 4 + 2) / 3)
        return 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[w >> 18];
        out[o++] = alphabet[(w >> 12) & 63];
        out[o++] = alphabet[(w >> 6) & 63];
        out[o++] = alphabet[w & 63];
    }
    if (n - i == 1) {
        uint32_t w = (uint32_t)in[i] << 16;
        out[o++] = alphabet[w >> 18];
        out[o++] = alphabet[(w >> 12) & 63];
    } else if (n - i == 2) {
        uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = alphabet[w >> 18];
        out[o++] = alphabet[(w >> 12) & 63];
        out[o++] = alphabet[(w >> 6) & 63];
    }
    return o;
}

const char *b64url_strerror(enum b64_status s)
{
    switch (s) {
    case B64_OK: return "ok";
    case B64_BAD_CHAR: return "character outside base64url alphabet";
    case B64_BAD_LENGTH: return "impossible base64url length";
    case B64_NONZERO_PAD: return "non-zero trailing bits";
    case B64_TOO_BIG: return "too long";
    }
    return "?";
}
