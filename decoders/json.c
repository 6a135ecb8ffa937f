/* summary: strict zero-copy JSON tokenizer with jansson 2.14's acceptance rules
 * (json_loadb with JSON_REJECT_DUPLICATES), and the accessors over its tokens.
 *
 * Rules, each checked against jansson 2.14 (see tests/unit/test_json.c and the
 * differential target tests/fuzz/fuzz_json.c):
 * - the top level is an object or an array; whitespace is space, tab, LF and CR only;
 *   nothing but whitespace may follow the value; empty input is an error;
 * - literals true, false, null; a run of letters is read as one word, so "truex" fails;
 * - numbers -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?; without fraction and
 *   exponent an integer that must fit int64_t; a real that strtod rounds to +-HUGE_VAL is
 *   an error, underflow is not;
 * - strings: raw bytes below 0x20 fail; escapes \" \\ \/ \b \f \n \r \t \uXXXX; \u0000
 *   fails (also in keys); a high surrogate escape needs a low one right after it, a
 *   lone low one fails; raw bytes must be UTF-8 without overlongs, surrogates or code
 *   points above U+10FFFF;
 * - equal keys (compared unescaped) in one object fail;
 * - every value, scalar or not, counts one level of depth; more than 2048 fails.
 * - jansson's quirk, kept so that results do not change: its byte stream marks "buffer
 *   empty" with a NUL, so a raw NUL byte that the lexer reads and pushes back (the byte
 *   right after a number or a literal) is dropped: "[1\0]" and {"a":true\0} are valid,
 *   "[1 \0]" and "[\"a\"\0]" are not.
 *
 * No recursion: an open container keeps its parent's index in .next until it closes.
 * Duplicate keys are looked for when an object closes: pairwise for a few members, else
 * by a merge sort of a list threaded through the key tokens (O(m log m) on hostile
 * objects), whose borrowed fields are restored afterwards. */
#include "decoders/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/slice.h"

#define NO_TOK UINT32_MAX
#define SMALL_OBJECT 16

/* Byte classes inside a string: 0 plain, 1 quote or backslash, 2 control, 3 non-ASCII. */
static const uint8_t str_class[256] = {
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
};

static bool is_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_alpha(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}


/* Four hex digits at p[i..i+4), or -1 (also when they run past the end). */
static long hex4(const uint8_t *p, size_t len, size_t i)
{
    if (len - i < 4)
        return -1;
    long v = 0;
    for (size_t k = 0; k < 4; k++) {
        int h = hex_digit(p[i + k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* One UTF-8 sequence starting at p[i] (>= 0x80): its length, or 0 when jansson's
 * utf8_check_first/utf8_check_full would refuse it. */
static size_t utf8_seq(const uint8_t *p, size_t len, size_t i)
{
    uint8_t c = p[i];
    size_t n;
    uint32_t v;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        v = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        v = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        v = c & 0x07;
    } else {
        return 0;
    }
    if (len - i < n)
        return 0;
    for (size_t k = 1; k < n; k++) {
        uint8_t b = p[i + k];
        if (b < 0x80 || b > 0xbf)
            return 0;
        v = (v << 6) | (b & 0x3f);
    }
    if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff) || (n == 3 && v < 0x800) || (n == 4 && v < 0x10000))
        return 0;
    return n;
}

/* The string whose opening quote is at p[*pi]; on success *pi is past the closing quote. */
static enum json_err scan_string(const uint8_t *p, size_t len, size_t *pi, bool *escaped)
{
    size_t i = *pi + 1;
    *escaped = false;
    for (;;) {
        while (i < len && str_class[p[i]] == 0)
            i++;
        if (i >= len)
            return JSON_ERR_SYNTAX;
        uint8_t c = p[i];
        if (c == '"')
            break;
        switch (str_class[c]) {
        case 2:
            return JSON_ERR_CONTROL;
        case 3: {
            size_t n = utf8_seq(p, len, i);
            if (!n)
                return JSON_ERR_UTF8;
            i += n;
            continue;
        }
        default:
            break;
        }
        /* backslash */
        *escaped = true;
        if (++i >= len)
            return JSON_ERR_SYNTAX;
        c = p[i];
        if (c != 'u') {
            if (!strchr("\"\\/bfnrt", c) || c == '\0')
                return JSON_ERR_ESCAPE;
            i++;
            continue;
        }
        long u = hex4(p, len, i + 1);
        if (u < 0)
            return JSON_ERR_ESCAPE;
        i += 5;
        if (u == 0)
            return JSON_ERR_NUL;
        if (u >= 0xdc00 && u <= 0xdfff)
            return JSON_ERR_SURROGATE;
        if (u >= 0xd800 && u <= 0xdbff) {
            if (len - i < 2 || p[i] != '\\' || p[i + 1] != 'u')
                return JSON_ERR_SURROGATE;
            long lo = hex4(p, len, i + 2);
            if (lo < 0)
                return JSON_ERR_ESCAPE;
            if (lo < 0xdc00 || lo > 0xdfff)
                return JSON_ERR_SURROGATE;
            i += 6;
        }
    }
    *pi = i + 1;
    return JSON_OK;
}

/* A string token (key or value) from the '"' at *pi: its text without the quotes. */
static enum json_err string_token(const uint8_t *p, size_t len, size_t *pi, struct json_tok *t)
{
    bool esc;
    enum json_err e = scan_string(p, len, pi, &esc);
    if (e)
        return e;
    t->type = JT_STRING;
    t->off++;
    t->len = (uint32_t)(*pi - 1 - t->off);
    t->flags = esc ? JSON_TOK_ESCAPED : 0;
    return JSON_OK;
}

/* --- numbers ------------------------------------------------------------------------ */

/* Longest significand handed to strtod. Past ~770 significant digits no decimal can sit
 * on a rounding boundary of a double (halfway points have at most 767), so keeping 800
 * digits plus a sticky nonzero digit for what was cut rounds exactly like the whole. */
#define REAL_DIGITS 800
#define REAL_BUF (1 + REAL_DIGITS + 1 + 2 + 7 + 1)

/* The number text s[0..n) (already validated) rewritten as "[-]DIGITSeEXP" with no
 * decimal point, so strtod's result cannot depend on the locale, into buf; *lead gets
 * the decimal exponent of the leading digit (INT32_MIN for zero). */
static void real_canon(const uint8_t *s, size_t n, char *buf, long *lead)
{
    size_t i = 0, o = 0;
    if (s[0] == '-') {
        buf[o++] = '-';
        i = 1;
    }
    size_t dstart = o, ndig = 0, last_nz = 0; /* digits kept; count up to the last nonzero */
    bool cut = false, frac = false;
    long long adj = 0; /* value = DIGITS * 10^(adj + exponent) */
    for (; i < n && (is_digit(s[i]) || s[i] == '.'); i++) {
        if (s[i] == '.') {
            frac = true;
            continue;
        }
        if (frac)
            adj--;
        if (ndig == 0 && s[i] == '0')
            continue; /* leading zero */
        if (ndig < REAL_DIGITS) {
            buf[o++] = (char)s[i];
            ndig++;
            if (s[i] != '0')
                last_nz = ndig;
        } else {
            adj++; /* a dropped digit: the kept ones stand one power of ten higher */
            if (s[i] != '0')
                cut = true;
        }
    }
    if (cut) {
        buf[o++] = '1'; /* sticky digit: strictly between the cut value and the next */
        ndig++;
        adj--;
    } else {
        adj += (long long)(ndig - last_nz); /* trailing zeros become exponent */
        ndig = last_nz;
        o = dstart + ndig;
    }
    long long e = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (s[i] == '+' || s[i] == '-')
            eneg = s[i++] == '-';
        for (; i < n; i++)
            if (e < 1000000000)
                e = e * 10 + (s[i] - '0');
        if (eneg)
            e = -e;
    }
    if (ndig == 0) {
        buf[o++] = '0';
        buf[o] = '\0';
        *lead = INT32_MIN;
        return;
    }
    e += adj;
    /* Beyond these the result is 0 or infinity whatever the digits are. */
    if (e > 99999)
        e = 99999;
    if (e < -99999)
        e = -99999;
    *lead = (long)(e + (long long)ndig - 1);
    buf[o++] = 'e';
    if (e < 0) {
        buf[o++] = '-';
        e = -e;
    }
    char tmp[8];
    size_t t = 0;
    do {
        tmp[t++] = (char)('0' + e % 10);
        e /= 10;
    } while (e);
    while (t)
        buf[o++] = tmp[--t];
    buf[o] = '\0';
}

/* strtod's value for a validated real; false when it overflows (as jansson rejects). */
static bool real_value(const uint8_t *s, size_t n, double *v)
{
    char buf[REAL_BUF];
    long lead;
    real_canon(s, n, buf, &lead);
    *v = strtod(buf, NULL);
    return !isinf(*v);
}

/* A validated integer's value; false outside int64_t (strtoll's ERANGE). */
static bool int_value(const uint8_t *s, size_t n, int64_t *v)
{
    bool neg = s[0] == '-';
    uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, m = 0;
    for (size_t i = neg; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (m > (lim - d) / 10)
            return false;
        m = m * 10 + d;
    }
    *v = neg ? (int64_t)(0 - m) : (int64_t)m;
    return true;
}

/* The number at p[*pi]; its type in *type, *pi past it. */
static enum json_err scan_number(const uint8_t *p, size_t len, size_t *pi, uint8_t *type)
{
    size_t s = *pi, i = s;
    if (p[i] == '-')
        i++;
    if (i >= len)
        return JSON_ERR_SYNTAX;
    if (p[i] == '0') {
        i++;
        if (i < len && is_digit(p[i]))
            return JSON_ERR_SYNTAX;
    } else if (is_digit(p[i])) {
        while (i < len && is_digit(p[i]))
            i++;
    } else {
        return JSON_ERR_SYNTAX;
    }
    bool real = false;
    if (i < len && p[i] == '.') {
        i++;
        if (i >= len || !is_digit(p[i]))
            return JSON_ERR_SYNTAX;
        while (i < len && is_digit(p[i]))
            i++;
        real = true;
    }
    if (i < len && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < len && (p[i] == '+' || p[i] == '-'))
            i++;
        if (i >= len || !is_digit(p[i]))
            return JSON_ERR_SYNTAX;
        while (i < len && is_digit(p[i]))
            i++;
        real = true;
    }
    *pi = i;
    if (!real) {
        int64_t v;
        *type = JT_INTEGER;
        return int_value(p + s, i - s, &v) ? JSON_OK : JSON_ERR_NUMBER_RANGE;
    }
    *type = JT_REAL;
    char buf[REAL_BUF];
    long lead;
    real_canon(p + s, i - s, buf, &lead);
    /* Below 10^308 nothing can overflow: strtod only for the rare huge ones. */
    if (lead >= 308 && isinf(strtod(buf, NULL)))
        return JSON_ERR_NUMBER_RANGE;
    return JSON_OK;
}

/* --- unescaping --------------------------------------------------------------------- */

/* Reads a string token's value one byte at a time (keys are compared unescaped). */
struct ucur {
    const uint8_t *p;
    size_t i, end;
    uint8_t buf[4];
    unsigned bn, bi;
};

static void ucur_init(struct ucur *c, const uint8_t *p, const struct json_tok *t)
{
    c->p = p;
    c->i = t->off;
    c->end = (size_t)t->off + t->len;
    c->bn = c->bi = 0;
}

static unsigned utf8_put(uint32_t cp, uint8_t *out)
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xc0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xe0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (uint8_t)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (uint8_t)(0xf0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (uint8_t)(0x80 | (cp & 0x3f));
    return 4;
}

/* Next value byte, or -1 at the end. The token was validated, but every read is still
 * kept inside [i, end). */
static int ucur_next(struct ucur *c)
{
    if (c->bi < c->bn)
        return c->buf[c->bi++];
    if (c->i >= c->end)
        return -1;
    uint8_t b = c->p[c->i++];
    if (b != '\\' || c->i >= c->end)
        return b;
    b = c->p[c->i++];
    switch (b) {
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'u': break;
    default: return b; /* " \ / */
    }
    long u = hex4(c->p, c->end, c->i);
    if (u < 0)
        return -1;
    c->i += 4;
    uint32_t cp = (uint32_t)u;
    if (cp >= 0xd800 && cp <= 0xdbff && c->end - c->i >= 6 && c->p[c->i] == '\\' &&
        c->p[c->i + 1] == 'u') {
        long lo = hex4(c->p, c->end, c->i + 2);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
            c->i += 6;
        }
    }
    c->bn = utf8_put(cp, c->buf);
    c->bi = 1;
    return c->buf[0];
}

/* Unescaped comparison of two string tokens, memcmp order (a prefix sorts first). */
static int str_cmp(const uint8_t *p, const struct json_tok *a, const struct json_tok *b)
{
    if (!((a->flags | b->flags) & JSON_TOK_ESCAPED)) {
        size_t n = a->len < b->len ? a->len : b->len;
        int r = memcmp(p + a->off, p + b->off, n);
        if (r)
            return r;
        return a->len < b->len ? -1 : a->len > b->len;
    }
    struct ucur ca, cb;
    ucur_init(&ca, p, a);
    ucur_init(&cb, p, b);
    for (;;) {
        int x = ucur_next(&ca), y = ucur_next(&cb);
        if (x != y || x < 0)
            return x - y;
    }
}

static bool str_eq(const uint8_t *p, const struct json_tok *a, const struct json_tok *b)
{
    if (!((a->flags | b->flags) & JSON_TOK_ESCAPED))
        return a->len == b->len && memcmp(p + a->off, p + b->off, a->len) == 0;
    return str_cmp(p, a, b) == 0;
}

/* FNV-1a of the unescaped value: a cheap first key for sorting. */
static uint32_t str_hash(const uint8_t *p, const struct json_tok *t)
{
    uint32_t h = 2166136261u;
    if (!(t->flags & JSON_TOK_ESCAPED)) {
        for (size_t i = 0; i < t->len; i++)
            h = (h ^ p[t->off + i]) * 16777619u;
        return h;
    }
    struct ucur c;
    ucur_init(&c, p, t);
    for (int b; (b = ucur_next(&c)) >= 0;)
        h = (h ^ (uint32_t)b) * 16777619u;
    return h;
}

/* --- duplicate keys ----------------------------------------------------------------- */

/* While sorting, a key token lends .size (its hash) and .next (list link). */
static int key_order(const uint8_t *p, const struct json_tok *tok, uint32_t a, uint32_t b)
{
    if (tok[a].size != tok[b].size)
        return tok[a].size < tok[b].size ? -1 : 1;
    return str_cmp(p, &tok[a], &tok[b]);
}

/* Bottom-up merge sort of the list at head; false as soon as two keys compare equal
 * (any two equal keys meet in some merge, as they end up adjacent). */
static bool sort_keys(const uint8_t *p, struct json_tok *tok, uint32_t head)
{
    for (uint32_t insize = 1;; insize *= 2) {
        uint32_t a = head, tail = NO_TOK, merges = 0;
        head = NO_TOK;
        while (a != NO_TOK) {
            merges++;
            uint32_t b = a, asize = 0, bsize = insize;
            while (asize < insize && b != NO_TOK) {
                asize++;
                b = tok[b].next;
            }
            while (asize > 0 || (bsize > 0 && b != NO_TOK)) {
                uint32_t e;
                if (asize == 0) {
                    e = b;
                    b = tok[b].next;
                    bsize--;
                } else if (bsize == 0 || b == NO_TOK) {
                    e = a;
                    a = tok[a].next;
                    asize--;
                } else {
                    int r = key_order(p, tok, a, b);
                    if (r == 0)
                        return false;
                    if (r < 0) {
                        e = a;
                        a = tok[a].next;
                        asize--;
                    } else {
                        e = b;
                        b = tok[b].next;
                        bsize--;
                    }
                }
                if (tail == NO_TOK)
                    head = e;
                else
                    tok[tail].next = e;
                tail = e;
            }
            a = b;
        }
        if (tail != NO_TOK)
            tok[tail].next = NO_TOK;
        if (merges <= 1)
            return true;
    }
}

static bool keys_unique(const uint8_t *p, struct json_tok *tok, uint32_t obj)
{
    uint32_t m = tok[obj].size;
    if (m < 2)
        return true;
    if (m <= SMALL_OBJECT) {
        uint32_t keys[SMALL_OBJECT];
        uint32_t k = obj + 1;
        for (uint32_t j = 0; j < m; j++) {
            keys[j] = k;
            for (uint32_t x = 0; x < j; x++)
                if (str_eq(p, &tok[keys[x]], &tok[k]))
                    return false;
            k = tok[k + 1].next;
        }
        return true;
    }
    uint32_t k = obj + 1;
    for (uint32_t j = 0; j < m; j++) {
        uint32_t nk = tok[k + 1].next; /* the value's subtree is untouched */
        tok[k].size = str_hash(p, &tok[k]);
        tok[k].next = j + 1 < m ? nk : NO_TOK;
        k = nk;
    }
    bool ok = sort_keys(p, tok, obj + 1);
    k = obj + 1;
    for (uint32_t j = 0; j < m; j++) {
        tok[k].size = 0;
        tok[k].next = k + 1;
        k = tok[k + 1].next;
    }
    return ok;
}

/* --- the tokenizer ------------------------------------------------------------------ */

enum want {
    W_VALUE,          /* after ':' or an array's ',' */
    W_VALUE_OR_CLOSE, /* after '[' */
    W_KEY,            /* after an object's ',' */
    W_KEY_OR_CLOSE,   /* after '{' */
    W_AFTER,          /* after a value: ',' or the closing bracket */
};

static size_t skip_ws(const uint8_t *p, size_t len, size_t i)
{
    while (i < len && is_ws(p[i]))
        i++;
    return i;
}

enum json_err json_parse(const uint8_t *p, size_t len, struct json_tok *tok, size_t cap, size_t *ntok)
{
    *ntok = 0;
    if (len >= UINT32_MAX)
        return JSON_ERR_TOO_LONG;
    if (cap > UINT32_MAX - 1)
        cap = UINT32_MAX - 1;
    size_t i = skip_ws(p, len, 0);
    if (i >= len || (p[i] != '[' && p[i] != '{'))
        return JSON_ERR_SYNTAX;

    uint32_t n = 0, cur = NO_TOK, depth = 0;
    enum want w = W_VALUE;
    for (;;) {
        i = skip_ws(p, len, i);
        if (w == W_AFTER && cur == NO_TOK)
            break;
        if (i >= len)
            return JSON_ERR_SYNTAX;
        uint8_t c = p[i];
        if (w == W_AFTER || ((w == W_VALUE_OR_CLOSE || w == W_KEY_OR_CLOSE) && (c == ']' || c == '}'))) {
            bool obj = tok[cur].type == JT_OBJECT;
            if (w == W_AFTER && c == ',') {
                w = obj ? W_KEY : W_VALUE;
                i++;
                continue;
            }
            if (c != (obj ? '}' : ']'))
                return JSON_ERR_SYNTAX;
            i++;
            if (obj && !keys_unique(p, tok, cur))
                return JSON_ERR_DUPLICATE_KEY;
            uint32_t parent = tok[cur].next;
            tok[cur].next = n;
            tok[cur].len = (uint32_t)(i - tok[cur].off);
            cur = parent;
            depth--;
            w = W_AFTER;
            continue;
        }
        if (n >= cap)
            return JSON_ERR_TOO_MANY_TOKENS;
        struct json_tok *t = &tok[n];
        t->off = (uint32_t)i;
        t->size = 0;
        t->flags = 0;
        t->next = n + 1;
        if (w == W_KEY || w == W_KEY_OR_CLOSE) {
            if (c != '"')
                return JSON_ERR_SYNTAX;
            enum json_err e = string_token(p, len, &i, t);
            if (e)
                return e;
            n++;
            tok[cur].size++;
            i = skip_ws(p, len, i);
            if (i >= len || p[i] != ':')
                return JSON_ERR_SYNTAX;
            i++;
            w = W_VALUE;
            continue;
        }
        /* a value, at level depth + 1 */
        if (depth >= JSON_MAX_DEPTH)
            return JSON_ERR_DEPTH;
        if (cur != NO_TOK && tok[cur].type == JT_ARRAY)
            tok[cur].size++;
        if (c == '[' || c == '{') {
            t->type = c == '[' ? JT_ARRAY : JT_OBJECT;
            t->len = 1; /* the whole text once it closes */
            t->next = cur; /* until it closes */
            cur = n++;
            depth++;
            i++;
            w = c == '[' ? W_VALUE_OR_CLOSE : W_KEY_OR_CLOSE;
            continue;
        }
        if (c == '"') {
            enum json_err e = string_token(p, len, &i, t);
            if (e)
                return e;
        } else {
            if (c == '-' || is_digit(c)) {
                enum json_err e = scan_number(p, len, &i, &t->type);
                if (e)
                    return e;
            } else if (is_alpha(c)) {
                size_t s = i;
                while (i < len && is_alpha(p[i]))
                    i++;
                if (i - s == 4 && memcmp(p + s, "true", 4) == 0)
                    t->type = JT_TRUE;
                else if (i - s == 5 && memcmp(p + s, "false", 5) == 0)
                    t->type = JT_FALSE;
                else if (i - s == 4 && memcmp(p + s, "null", 4) == 0)
                    t->type = JT_NULL;
                else
                    return JSON_ERR_SYNTAX;
            } else {
                return JSON_ERR_SYNTAX;
            }
            t->len = (uint32_t)(i - t->off);
            /* jansson drops a NUL pushed back after a number or a word (file header) */
            if (i < len && p[i] == '\0')
                i++;
        }
        n++;
        w = W_AFTER;
    }
    if (skip_ws(p, len, i) != len)
        return JSON_ERR_SYNTAX;
    *ntok = n;
    return JSON_OK;
}

const char *json_err_label(enum json_err e)
{
    switch (e) {
    case JSON_OK: return "ok";
    case JSON_ERR_SYNTAX: return "syntax";
    case JSON_ERR_DEPTH: return "too-deep";
    case JSON_ERR_TOO_MANY_TOKENS: return "too-many-tokens";
    case JSON_ERR_DUPLICATE_KEY: return "duplicate-key";
    case JSON_ERR_UTF8: return "bad-utf8";
    case JSON_ERR_ESCAPE: return "bad-escape";
    case JSON_ERR_SURROGATE: return "bad-surrogate";
    case JSON_ERR_NUL: return "nul-escape";
    case JSON_ERR_CONTROL: return "control-char";
    case JSON_ERR_NUMBER_RANGE: return "number-range";
    case JSON_ERR_TOO_LONG: return "too-long";
    }
    return "unknown";
}

/* --- accessors ---------------------------------------------------------------------- */

size_t json_tok_getn(const struct json_doc *d, size_t obj, const char *key, size_t keylen)
{
    if (json_tok_type(d, obj) != JT_OBJECT)
        return JSON_NONE;
    size_t k = obj + 1;
    for (uint32_t j = 0; j < d->tok[obj].size; j++) {
        const struct json_tok *t = &d->tok[k];
        if (!(t->flags & JSON_TOK_ESCAPED)) {
            if (t->len == keylen && memcmp(d->p + t->off, key, keylen) == 0)
                return k + 1;
        } else if (t->len >= keylen) { /* escapes only shorten */
            struct ucur c;
            ucur_init(&c, d->p, t);
            size_t x = 0;
            int b;
            while ((b = ucur_next(&c)) >= 0 && x < keylen && b == (uint8_t)key[x])
                x++;
            if (b < 0 && x == keylen)
                return k + 1;
        }
        k = d->tok[k + 1].next;
    }
    return JSON_NONE;
}

size_t json_tok_get(const struct json_doc *d, size_t obj, const char *key)
{
    return json_tok_getn(d, obj, key, strlen(key));
}

size_t json_tok_first(const struct json_doc *d, size_t arr)
{
    if (json_tok_type(d, arr) != JT_ARRAY || d->tok[arr].size == 0)
        return JSON_NONE;
    return arr + 1;
}

size_t json_tok_next(const struct json_doc *d, size_t arr, size_t elem)
{
    if (json_tok_type(d, arr) != JT_ARRAY || elem <= arr || elem >= d->ntok)
        return JSON_NONE;
    size_t nx = d->tok[elem].next;
    return nx < d->tok[arr].next ? nx : JSON_NONE;
}

bool json_tok_str(const struct json_doc *d, size_t i, char *buf, size_t cap, size_t *n)
{
    if (json_tok_type(d, i) != JT_STRING)
        return false;
    const struct json_tok *t = &d->tok[i];
    if (!(t->flags & JSON_TOK_ESCAPED)) {
        if (t->len > cap)
            return false;
        memcpy(buf, d->p + t->off, t->len);
        *n = t->len;
        return true;
    }
    /* Measured first so that a value that does not fit leaves buf as it was. */
    struct ucur c;
    ucur_init(&c, d->p, t);
    size_t o = 0;
    while (ucur_next(&c) >= 0)
        o++;
    if (o > cap)
        return false;
    ucur_init(&c, d->p, t);
    o = 0;
    for (int b; (b = ucur_next(&c)) >= 0;)
        buf[o++] = (char)b;
    *n = o;
    return true;
}

bool json_tok_int(const struct json_doc *d, size_t i, int64_t *v)
{
    if (json_tok_type(d, i) != JT_INTEGER)
        return false;
    return int_value(d->p + d->tok[i].off, d->tok[i].len, v);
}

bool json_tok_real(const struct json_doc *d, size_t i, double *v)
{
    if (json_tok_type(d, i) != JT_REAL)
        return false;
    real_value(d->p + d->tok[i].off, d->tok[i].len, v);
    return true;
}
