/* summary: tests for decoders/json — jansson 2.14's acceptance rules both ways, RFC 8259
 * examples, accessors, depth and token limits, hostile objects, the PASSporT bound. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decoders/json.h"
#include "decoders/passport.h"
#include "tests/unit/harness.h"

#define TOKS 4096
static struct json_tok toks[TOKS];
static struct json_doc doc;

static enum json_err parse_n(const char *s, size_t n)
{
    size_t nt = 99;
    enum json_err e = json_parse((const uint8_t *)s, n, toks, TOKS, &nt);
    doc = (struct json_doc){ (const uint8_t *)s, toks, nt };
    if (e != JSON_OK)
        CHECK_EQ_INT(nt, 0);
    return e;
}

static enum json_err parse(const char *s)
{
    return parse_n(s, strlen(s));
}

/* Inputs with embedded NULs are written as string literals: sizeof - 1. */
#define ACCEPT(lit) th_check(parse_n(lit, sizeof(lit) - 1) == JSON_OK, __FILE__, __LINE__, "accepts %s", #lit)
#define REJECT(lit, err)                                                                             \
    th_check(parse_n(lit, sizeof(lit) - 1) == (err), __FILE__, __LINE__, "rejects %s as %s (got %s)",  \
             #lit, json_err_label(err), json_err_label(parse_n(lit, sizeof(lit) - 1)))

static void json_top_level_and_whitespace(void)
{
    ACCEPT("{}");
    ACCEPT("[]");
    ACCEPT(" \t\r\n[] \t\r\n");
    REJECT("", JSON_ERR_SYNTAX);
    REJECT("   ", JSON_ERR_SYNTAX);
    REJECT("1", JSON_ERR_SYNTAX); /* no JSON_DECODE_ANY */
    REJECT("\"a\"", JSON_ERR_SYNTAX);
    REJECT("null", JSON_ERR_SYNTAX);
    REJECT("[]\f", JSON_ERR_SYNTAX); /* only space, tab, LF, CR are whitespace */
    REJECT("[]\v", JSON_ERR_SYNTAX);
    REJECT("\xef\xbb\xbf[]", JSON_ERR_SYNTAX); /* no BOM */
    REJECT("{}x", JSON_ERR_SYNTAX);
    REJECT("{}{}", JSON_ERR_SYNTAX);
    REJECT("[]]", JSON_ERR_SYNTAX);
    REJECT("[]\0", JSON_ERR_SYNTAX);
    REJECT("[", JSON_ERR_SYNTAX);
    REJECT("{\"a\":1", JSON_ERR_SYNTAX);
    REJECT("[}", JSON_ERR_SYNTAX);
    REJECT("{]", JSON_ERR_SYNTAX);
}

static void json_grammar(void)
{
    ACCEPT("[true,false,null]");
    REJECT("[truex]", JSON_ERR_SYNTAX);
    REJECT("[tru]", JSON_ERR_SYNTAX);
    REJECT("[True]", JSON_ERR_SYNTAX);
    REJECT("[nul]", JSON_ERR_SYNTAX);
    REJECT("[1,]", JSON_ERR_SYNTAX);
    REJECT("[,]", JSON_ERR_SYNTAX);
    REJECT("[,1]", JSON_ERR_SYNTAX);
    REJECT("[1 2]", JSON_ERR_SYNTAX);
    REJECT("{\"a\":1,}", JSON_ERR_SYNTAX);
    REJECT("{,}", JSON_ERR_SYNTAX);
    REJECT("{\"a\"}", JSON_ERR_SYNTAX);
    REJECT("{\"a\":}", JSON_ERR_SYNTAX);
    REJECT("{\"a\" 1}", JSON_ERR_SYNTAX);
    REJECT("{1:1}", JSON_ERR_SYNTAX);
    REJECT("{'a':1}", JSON_ERR_SYNTAX);
    REJECT("[\xc3\xa9]", JSON_ERR_SYNTAX); /* UTF-8 outside a string */
    ACCEPT("{\"a\":{\"a\":1}}");              /* same key at two levels */
}

/* jansson marks "buffer empty" with a NUL, so a NUL pushed back after a number or a
 * word vanishes; anywhere else a raw NUL is an error. */
static void json_nul_quirk(void)
{
    ACCEPT("[1\0]");
    ACCEPT("[0\0]");
    ACCEPT("[-0\0]");
    ACCEPT("[1.5\0]");
    ACCEPT("[1e5\0]");
    ACCEPT("[true\0]");
    ACCEPT("[null\0,1]");
    ACCEPT("[1\0 ]");
    ACCEPT("{\"a\":1\0}");
    ACCEPT("{\"a\":false\0,\"b\":2}");
    if (CHECK(parse_n("[1\0,2]", 6) == JSON_OK))
        CHECK_EQ_INT(doc.tok[0].size, 2);
    REJECT("[1\0\0]", JSON_ERR_SYNTAX);
    REJECT("[1 \0]", JSON_ERR_SYNTAX);
    REJECT("[\"a\"\0]", JSON_ERR_SYNTAX);
    REJECT("[\0]", JSON_ERR_SYNTAX);
    REJECT("[1,\0 2]", JSON_ERR_SYNTAX);
    REJECT("[1.\0]", JSON_ERR_SYNTAX);
    REJECT("[1\0" "2]", JSON_ERR_SYNTAX);
    REJECT("\0[]", JSON_ERR_SYNTAX);
}

static void json_numbers(void)
{
    ACCEPT("[0,-0,1,-1,10,0.5,-0.0,1E5,1e+5,1e-5,1.25e3]");
    REJECT("[01]", JSON_ERR_SYNTAX);
    REJECT("[-01]", JSON_ERR_SYNTAX);
    REJECT("[-]", JSON_ERR_SYNTAX);
    REJECT("[+1]", JSON_ERR_SYNTAX);
    REJECT("[.5]", JSON_ERR_SYNTAX);
    REJECT("[1.]", JSON_ERR_SYNTAX);
    REJECT("[1.e5]", JSON_ERR_SYNTAX);
    REJECT("[1e]", JSON_ERR_SYNTAX);
    REJECT("[1e+]", JSON_ERR_SYNTAX);
    REJECT("[0x10]", JSON_ERR_SYNTAX);
    REJECT("[NaN]", JSON_ERR_SYNTAX);
    REJECT("[Infinity]", JSON_ERR_SYNTAX);
    REJECT("[-Infinity]", JSON_ERR_SYNTAX);

    int64_t v = 0;
    if (CHECK(parse("[9223372036854775807,-9223372036854775808,-0,1E2]") == JSON_OK)) {
        CHECK_EQ_INT(doc.tok[1].type, JT_INTEGER);
        CHECK(json_tok_int(&doc, 1, &v) && v == INT64_MAX);
        CHECK(json_tok_int(&doc, 2, &v) && v == INT64_MIN);
        CHECK(json_tok_int(&doc, 3, &v) && v == 0);
        CHECK_EQ_INT(doc.tok[4].type, JT_REAL); /* an exponent makes a real */
        CHECK(!json_tok_int(&doc, 4, &v));
    }
    REJECT("[9223372036854775808]", JSON_ERR_NUMBER_RANGE);
    REJECT("[-9223372036854775809]", JSON_ERR_NUMBER_RANGE);
    REJECT("[99999999999999999999999]", JSON_ERR_NUMBER_RANGE);

    double d = 0;
    ACCEPT("[1e308]");
    ACCEPT("[1.7976931348623157e308]");
    ACCEPT("[1.7976931348623158e308]"); /* rounds down to DBL_MAX */
    REJECT("[1.7976931348623159e308]", JSON_ERR_NUMBER_RANGE);
    REJECT("[1e309]", JSON_ERR_NUMBER_RANGE);
    REJECT("[-1e309]", JSON_ERR_NUMBER_RANGE);
    REJECT("[1e99999999999999999999]", JSON_ERR_NUMBER_RANGE);
    ACCEPT("[1e-400]"); /* underflow is accepted */
    ACCEPT("[0e99999999999]");
    if (CHECK(parse("[4.9e-324,1e-400,-0.0,0.1,1.7976931348623158e308,2.2250738585072011e-308]") == JSON_OK)) {
        CHECK(json_tok_real(&doc, 1, &d) && d == 4.9e-324);
        CHECK(json_tok_real(&doc, 2, &d) && d == 0);
        CHECK(json_tok_real(&doc, 3, &d) && d == 0 && 1 / d < 0);
        CHECK(json_tok_real(&doc, 4, &d) && d == 0.1);
        CHECK(json_tok_real(&doc, 5, &d) && d == 1.7976931348623157e308);
        CHECK(json_tok_real(&doc, 6, &d) && d == strtod("2.2250738585072011e-308", NULL));
        CHECK(!json_tok_real(&doc, 0, &d));
    }
    /* Past 800 significant digits the cut is sticky: this one is just above the halfway
     * point between 1 and the next double, so it must round up. */
    static char big[1200];
    size_t o = (size_t)snprintf(big, sizeof big, "[1.00000000000000011102230246251565404236316680908203125");
    memset(big + o, '0', 900);
    o += 900;
    memcpy(big + o, "1]", 3);
    if (CHECK(parse(big) == JSON_OK))
        CHECK(json_tok_real(&doc, 1, &d) && d == 1.0000000000000002);
    /* exactly halfway: ties to even, down to 1 */
    big[o] = '0';
    if (CHECK(parse(big) == JSON_OK))
        CHECK(json_tok_real(&doc, 1, &d) && d == 1.0);
    if (CHECK(parse("[123456789012345678901234567890.5e-10,0.000000000000000000001e21]") == JSON_OK)) {
        CHECK(json_tok_real(&doc, 1, &d) && d == strtod("123456789012345678901234567890.5e-10", NULL));
        CHECK(json_tok_real(&doc, 2, &d) && d == 1.0);
    }
}

static void json_strings(void)
{
    char buf[64];
    size_t n = 0;
    if (CHECK(parse("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]") == JSON_OK)) {
        CHECK(doc.tok[1].flags & JSON_TOK_ESCAPED);
        CHECK(json_tok_str(&doc, 1, buf, sizeof buf, &n));
        CHECK_EQ_MEM(buf, n, "\"\\/\b\f\n\r\t", 8);
    }
    REJECT("[\"\\x\"]", JSON_ERR_ESCAPE);
    REJECT("[\"\\'\"]", JSON_ERR_ESCAPE);
    REJECT("[\"\\u12\"]", JSON_ERR_ESCAPE);
    REJECT("[\"\\u12G4\"]", JSON_ERR_ESCAPE);
    REJECT("[\"\\", JSON_ERR_SYNTAX);
    REJECT("[\"abc", JSON_ERR_SYNTAX);
    REJECT("[\"\x01\"]", JSON_ERR_CONTROL);
    REJECT("[\"\x1f\"]", JSON_ERR_CONTROL);
    REJECT("[\"\t\"]", JSON_ERR_CONTROL);
    REJECT("[\"\n\"]", JSON_ERR_CONTROL);
    REJECT("[\"\0\"]", JSON_ERR_CONTROL);
    ACCEPT("[\"\x7f\"]");
    REJECT("[\"\\u0000\"]", JSON_ERR_NUL);
    REJECT("{\"\\u0000\":1}", JSON_ERR_NUL);
    REJECT("{\"a\\u0000b\":1}", JSON_ERR_NUL);

    /* surrogates: pairs only, in order */
    if (CHECK(parse("[\"\\ud83d\\ude00\",\"\\uDBFF\\uDFFF\",\"\\u00e9\\u20ac\"]") == JSON_OK)) {
        CHECK(json_tok_str(&doc, 1, buf, sizeof buf, &n));
        CHECK_EQ_MEM(buf, n, "\xf0\x9f\x98\x80", 4);
        CHECK(json_tok_str(&doc, 2, buf, sizeof buf, &n));
        CHECK_EQ_MEM(buf, n, "\xf4\x8f\xbf\xbf", 4);
        CHECK(json_tok_str(&doc, 3, buf, sizeof buf, &n));
        CHECK_EQ_MEM(buf, n, "\xc3\xa9\xe2\x82\xac", 5);
    }
    REJECT("[\"\\ud800\"]", JSON_ERR_SURROGATE);
    REJECT("[\"\\udc00\"]", JSON_ERR_SURROGATE);
    REJECT("[\"\\ud800\\ud800\"]", JSON_ERR_SURROGATE);
    REJECT("[\"\\ud800\\n\"]", JSON_ERR_SURROGATE);
    REJECT("[\"\\ud800x\"]", JSON_ERR_SURROGATE);
    REJECT("[\"\\udc00\\ud800\"]", JSON_ERR_SURROGATE);

    /* raw UTF-8: strict */
    ACCEPT("[\"\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e\"]");
    ACCEPT("[\"\xf4\x8f\xbf\xbf\xed\x9f\xbf\xee\x80\x80\"]");
    REJECT("[\"\xc0\x80\"]", JSON_ERR_UTF8);         /* overlong NUL */
    REJECT("[\"\xc1\xbf\"]", JSON_ERR_UTF8);
    REJECT("[\"\xe0\x80\x80\"]", JSON_ERR_UTF8);     /* overlong 3-byte */
    REJECT("[\"\xf0\x80\x80\x80\"]", JSON_ERR_UTF8); /* overlong 4-byte */
    REJECT("[\"\xed\xa0\x80\"]", JSON_ERR_UTF8);     /* encoded surrogate */
    REJECT("[\"\xf4\x90\x80\x80\"]", JSON_ERR_UTF8); /* above U+10FFFF */
    REJECT("[\"\xf5\x80\x80\x80\"]", JSON_ERR_UTF8);
    REJECT("[\"\xff\"]", JSON_ERR_UTF8);
    REJECT("[\"\x80\"]", JSON_ERR_UTF8);
    REJECT("[\"\xc3\"]", JSON_ERR_UTF8);
    REJECT("[\"\xc3", JSON_ERR_UTF8);
    REJECT("[\"\xe2\x82\"]", JSON_ERR_UTF8);

    /* the caller's buffer: too short is false and leaves it alone */
    if (CHECK(parse("[\"abcd\",\"a\\u00e9\"]") == JSON_OK)) {
        memcpy(buf, "XXXX", 4);
        CHECK(!json_tok_str(&doc, 1, buf, 3, &n));
        CHECK(!json_tok_str(&doc, 2, buf, 2, &n));
        CHECK_EQ_MEM(buf, 4, "XXXX", 4);
        CHECK(json_tok_str(&doc, 2, buf, 3, &n));
        CHECK_EQ_MEM(buf, n, "a\xc3\xa9", 3);
        CHECK(!json_tok_str(&doc, 0, buf, sizeof buf, &n)); /* not a string */
    }
}

static void json_duplicates(void)
{
    REJECT("{\"a\":1,\"a\":2}", JSON_ERR_DUPLICATE_KEY);
    REJECT("{\"a\":1,\"\\u0061\":2}", JSON_ERR_DUPLICATE_KEY);
    REJECT("{\"\\u00e9\":1,\"\xc3\xa9\":2}", JSON_ERR_DUPLICATE_KEY);
    REJECT("{\"\\/\":1,\"/\":2}", JSON_ERR_DUPLICATE_KEY);
    REJECT("{\"b\":{\"x\":1,\"x\":2}}", JSON_ERR_DUPLICATE_KEY);
    ACCEPT("{\"a\":1,\"A\":2,\"a \":3,\"\":4}");
    ACCEPT("{\"a\":1,\"\\u0061b\":2}");
    ACCEPT("[{\"a\":1},{\"a\":1}]");
}

/* key k<i> for member i, optionally with the last one repeating member `dup` */
static char *big_object(size_t members, size_t prefix, long dup, size_t *len)
{
    size_t cap = members * (prefix + 40) + 64, o = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    s[o++] = '{';
    for (size_t i = 0; i < members; i++) {
        size_t k = (dup >= 0 && i + 1 == members) ? (size_t)dup : i;
        s[o++] = i ? ',' : ' ';
        s[o++] = '"';
        memset(s + o, 'p', prefix);
        o += prefix;
        o += (size_t)snprintf(s + o, cap - o, "k%zu\":%zu", k, i);
    }
    s[o++] = '}';
    s[o] = '\0';
    *len = o;
    return s;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void json_hostile_objects(void)
{
    static struct json_tok many[JSON_TOKENS_FOR(6000 * 240 + 64)];
    size_t nt, len = 0;
    /* 6000 members, then the same with the last key repeating the first, then with keys
     * sharing a 200-byte prefix (a quadratic check would compare each pair in full). */
    for (int round = 0; round < 4; round++) {
        size_t prefix = round >= 2 ? 200 : 0;
        long dup = round % 2 ? 0 : -1;
        char *s = big_object(6000, prefix, dup, &len);
        if (!CHECK(s != NULL))
            return;
        double t0 = now();
        enum json_err e = json_parse((const uint8_t *)s, len, many, sizeof many / sizeof many[0], &nt);
        double dt = now() - t0;
        CHECK_EQ_INT(e, dup < 0 ? JSON_OK : JSON_ERR_DUPLICATE_KEY);
        th_check(dt < 0.05, __FILE__, __LINE__, "6000-member object parsed in %.3f s", dt);
        if (e == JSON_OK) {
            struct json_doc d = { (const uint8_t *)s, many, nt };
            CHECK_EQ_INT(many[0].size, 6000);
            CHECK_EQ_INT(nt, 1 + 2 * 6000);
            char key[260];
            snprintf(key, sizeof key, "%.*sk5999", (int)prefix,
                     "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"
                     "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"
                     "pppppppppppppppppppppppppppppppppppppppp");
            int64_t v = 0;
            CHECK(json_tok_int(&d, json_tok_get(&d, 0, key), &v) && v == 5999);
            /* the borrowed fields of the key tokens were given back */
            CHECK_EQ_INT(many[1].next, 2);
            CHECK_EQ_INT(many[1].size, 0);
        }
        free(s);
    }
    /* a duplicate in the middle of a large object, equal only once unescaped */
    static char mid[2048];
    size_t o = 0;
    mid[o++] = '{';
    for (int i = 0; i < 100; i++)
        o += (size_t)snprintf(mid + o, sizeof mid - o, "%s\"%s%d\":0", i ? "," : "", i == 50 ? "\\u006b" : "k",
                              i == 50 ? 42 : i);
    mid[o++] = '}';
    CHECK_EQ_INT(json_parse((const uint8_t *)mid, o, many, 4096, &nt), JSON_ERR_DUPLICATE_KEY);
    memcpy(strstr(mid, "u006b42"), "u006b43", 7); /* "k43" is taken too */
    CHECK_EQ_INT(json_parse((const uint8_t *)mid, o, many, 4096, &nt), JSON_ERR_DUPLICATE_KEY);
    memcpy(strstr(mid, "u006b43"), "u006b77", 7);
    memcpy(strstr(mid, "\"k77\""), "\"kx7\"", 5); /* now unique */
    CHECK_EQ_INT(json_parse((const uint8_t *)mid, o, many, 4096, &nt), JSON_OK);
    static const char esc[] = "{\"k1\":0,\"k2\":0,\"k3\":0,\"k4\":0,\"k5\":0,\"k6\":0,\"k7\":0,\"k8\":0,\"k9\":0,"
                              "\"k10\":0,\"k11\":0,\"k12\":0,\"k13\":0,\"k14\":0,\"k15\":0,\"k16\":0,\"k17\":0,"
                              "\"\\u006b9\":0}";
    CHECK_EQ_INT(json_parse((const uint8_t *)esc, sizeof esc - 1, many, 4096, &nt), JSON_ERR_DUPLICATE_KEY);
}

static void json_depth(void)
{
    static char s[2 * JSON_MAX_DEPTH + 64];
    static struct json_tok t[JSON_MAX_DEPTH + 8];
    size_t nt;
    /* depth counts every value: 2048 empty arrays fit, 2047 arrays around a scalar fit,
     * 2048 around a scalar do not */
    struct {
        int levels;
        const char *inner;
        enum json_err want;
    } cases[] = {
        { JSON_MAX_DEPTH, "", JSON_OK },
        { JSON_MAX_DEPTH - 1, "1", JSON_OK },
        { JSON_MAX_DEPTH, "1", JSON_ERR_DEPTH },
        { JSON_MAX_DEPTH + 1, "", JSON_ERR_DEPTH },
        { JSON_MAX_DEPTH - 2, "{\"a\":1}", JSON_OK },
        { JSON_MAX_DEPTH - 1, "{\"a\":1}", JSON_ERR_DEPTH },
        { JSON_MAX_DEPTH - 1, "{}", JSON_OK },
        { 100000 / 2, "", JSON_ERR_DEPTH },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int lv = cases[c].levels;
        char *b = lv * 2 + 64 <= (int)sizeof s ? s : malloc((size_t)lv * 2 + 64);
        if (!CHECK(b != NULL))
            return;
        size_t o = 0;
        for (int i = 0; i < lv; i++)
            b[o++] = '[';
        o += (size_t)snprintf(b + o, 64, "%s", cases[c].inner);
        for (int i = 0; i < lv; i++)
            b[o++] = ']';
        enum json_err e = json_parse((const uint8_t *)b, o, t, sizeof t / sizeof t[0], &nt);
        th_check(e == cases[c].want, __FILE__, __LINE__, "%d levels around '%s': %s, want %s", lv,
                 cases[c].inner, json_err_label(e), json_err_label(cases[c].want));
        if (e == JSON_OK)
            CHECK_EQ_INT(t[0].next, nt);
        if (b != s)
            free(b);
    }
}

static void json_token_limit(void)
{
    static const char s[] = "{\"a\":[1,2,{\"b\":null}],\"c\":\"d\"}"; /* 10 tokens */
    struct json_tok t[10];
    size_t nt = 5;
    CHECK_EQ_INT(json_parse((const uint8_t *)s, sizeof s - 1, t, 10, &nt), JSON_OK);
    CHECK_EQ_INT(nt, 10);
    for (size_t cap = 0; cap < 10; cap++) {
        nt = 5;
        CHECK_EQ_INT(json_parse((const uint8_t *)s, sizeof s - 1, t, cap, &nt), JSON_ERR_TOO_MANY_TOKENS);
        CHECK_EQ_INT(nt, 0);
    }
    /* the densest documents fit JSON_TOKENS_FOR exactly */
    static const char *dense[] = { "[1,1,1,1,1,1,1,1]", "[[],[],[]]", "[[[[[]]]]]", "{\"\":1}", "[1]", "[]" };
    for (size_t i = 0; i < sizeof dense / sizeof dense[0]; i++) {
        size_t len = strlen(dense[i]);
        CHECK_EQ_INT(json_parse((const uint8_t *)dense[i], len, t, JSON_TOKENS_FOR(len), &nt), JSON_OK);
    }
    CHECK_EQ_STR(json_err_label(JSON_ERR_TOO_MANY_TOKENS), "too-many-tokens");
    CHECK_EQ_STR(json_err_label(JSON_ERR_DUPLICATE_KEY), "duplicate-key");
}

/* RFC 8259 §13 examples, walked with the accessors. */
static void json_rfc8259_examples(void)
{
    static const char img[] =
        "{\n  \"Image\": {\n    \"Width\":  800,\n    \"Height\": 600,\n"
        "    \"Title\":  \"View from 15th Floor\",\n    \"Thumbnail\": {\n"
        "        \"Url\":    \"http://www.example.com/image/481989943\",\n        \"Height\": 125,\n"
        "        \"Width\":  100\n    },\n    \"Animated\" : false,\n"
        "    \"IDs\": [116, 943, 234, 38793]\n  }\n}";
    char buf[64];
    size_t n;
    int64_t v;
    if (CHECK(parse(img) == JSON_OK)) {
        size_t im = json_tok_get(&doc, 0, "Image");
        CHECK_EQ_INT(json_tok_type(&doc, im), JT_OBJECT);
        CHECK(json_tok_int(&doc, json_tok_get(&doc, im, "Width"), &v) && v == 800);
        CHECK(json_tok_str(&doc, json_tok_get(&doc, im, "Title"), buf, sizeof buf, &n));
        CHECK_EQ_MEM(buf, n, "View from 15th Floor", 20);
        size_t th = json_tok_get(&doc, im, "Thumbnail");
        CHECK(json_tok_int(&doc, json_tok_get(&doc, th, "Width"), &v) && v == 100);
        CHECK_EQ_INT(json_tok_type(&doc, json_tok_get(&doc, im, "Animated")), JT_FALSE);
        size_t ids = json_tok_get(&doc, im, "IDs");
        int64_t want[] = { 116, 943, 234, 38793 }, sum = 0;
        size_t k = 0;
        for (size_t e = json_tok_first(&doc, ids); e != JSON_NONE; e = json_tok_next(&doc, ids, e), k++)
            if (k < 4 && json_tok_int(&doc, e, &v) && v == want[k])
                sum++;
        CHECK_EQ_INT(k, 4);
        CHECK_EQ_INT(sum, 4);
        CHECK_EQ_INT(json_tok_get(&doc, im, "width"), JSON_NONE); /* case matters */
        CHECK_EQ_INT(json_tok_get(&doc, ids, "x"), JSON_NONE);     /* not an object */
        CHECK_EQ_INT(json_tok_first(&doc, im), JSON_NONE);         /* not an array */
    }
    static const char arr[] =
        "[{\"precision\": \"zip\", \"Latitude\": 37.7668, \"Longitude\": -122.3959, \"Address\": \"\","
        " \"City\": \"SAN FRANCISCO\", \"State\": \"CA\", \"Zip\": \"94107\", \"Country\": \"US\"},"
        " {\"precision\": \"zip\", \"Latitude\": 37.371991, \"Longitude\": -122.026020, \"Address\": \"\","
        " \"City\": \"SUNNYVALE\", \"State\": \"CA\", \"Zip\": \"94085\", \"Country\": \"US\"}]";
    if (CHECK(parse(arr) == JSON_OK)) {
        CHECK_EQ_INT(doc.tok[0].size, 2);
        size_t second = json_tok_next(&doc, 0, json_tok_first(&doc, 0));
        double d;
        CHECK(json_tok_real(&doc, json_tok_get(&doc, second, "Longitude"), &d) && d == -122.026020);
        CHECK(json_tok_str(&doc, json_tok_get(&doc, second, "Address"), buf, sizeof buf, &n) && n == 0);
        CHECK_EQ_INT(json_tok_next(&doc, 0, second), JSON_NONE);
    }
    /* key lookup compares the unescaped key */
    if (CHECK(parse("{\"\\u0061\\u00e9\":1,\"b\\\"\":2}") == JSON_OK)) {
        CHECK(json_tok_int(&doc, json_tok_get(&doc, 0, "a\xc3\xa9"), &v) && v == 1);
        CHECK(json_tok_int(&doc, json_tok_get(&doc, 0, "b\""), &v) && v == 2);
        CHECK_EQ_INT(json_tok_get(&doc, 0, "a"), JSON_NONE);
        CHECK_EQ_INT(json_tok_get(&doc, 0, "a\xc3\xa9x"), JSON_NONE);
    }
}

/* The largest claims part passport.c can get (PPT_TOKEN_MAX / 4 * 3 bytes), as dense as
 * JSON gets, still fits its token array: decoding goes past "claims-json". */
static void json_passport_bound(void)
{
    size_t part = PPT_TOKEN_MAX / 4 * 3 - 200; /* room for the header and signature */
    static char claims[PPT_TOKEN_MAX];
    size_t o = (size_t)snprintf(claims, sizeof claims, "{\"x\":[1");
    while (o + 3 < part)
        o += (size_t)snprintf(claims + o, sizeof claims - o, ",1");
    memcpy(claims + o, "]}", 3);
    static char jws[PPT_TOKEN_MAX + 512];
    size_t n = th_make_jws("{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":\"https://a/b\"}",
                           claims, 64, jws, sizeof jws);
    if (!CHECK(n > 0 && n <= PPT_TOKEN_MAX))
        return;
    struct passport pp;
    passport_decode(slice_make(jws, n), NULL, &pp);
    CHECK_EQ_STR(pp.detail, "missing-iat");
    CHECK(pp.json_decoded);
}

void test_json(void)
{
    RUN(json_top_level_and_whitespace);
    RUN(json_grammar);
    RUN(json_nul_quirk);
    RUN(json_numbers);
    RUN(json_strings);
    RUN(json_duplicates);
    RUN(json_hostile_objects);
    RUN(json_depth);
    RUN(json_token_limit);
    RUN(json_rfc8259_examples);
    RUN(json_passport_bound);
}
