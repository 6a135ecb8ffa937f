/* summary: tests for decoders/passport — the shared vectors (tests/unit/vectors, provenance in
 * MANIFEST.tsv) and hand-made tokens built with b64url_encode. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoders/b64url.h"
#include "decoders/identity.h"
#include "decoders/passport.h"
#include "tests/unit/harness.h"

#define VEC "tests/unit/vectors/"

static struct passport pp; /* large: keep it off the stack */

/* One loaded vector: the text, its first Identity value (when it has parameters). */
struct vec {
    char *text;
    size_t len;
    struct ident_value iv;
    bool has_iv;
};

static bool load(struct vec *v, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, VEC "%s", name);
    memset(v, 0, sizeof *v);
    v->text = th_read_file(path, &v->len);
    if (!v->text)
        return false;
    size_t dropped;
    v->has_iv = strstr(name, ".identity.") && memchr(v->text, ';', v->len);
    if (v->has_iv)
        CHECK_EQ_INT(ident_parse(slice_make(v->text, v->len), &v->iv, 1, &dropped), 1);
    return true;
}

/* Decode a vector as the probe would: with its Identity parameters when it has them. */
static enum ppt_result decode_vec(struct vec *v)
{
    if (v->has_iv)
        return passport_decode(v->iv.token, &v->iv, &pp);
    return passport_decode(slice_make(v->text, v->len), NULL, &pp);
}

static void ppt_rfc8588_example(void)
{
    struct vec v;
    if (!load(&v, "gen_rfc8588_example.identity.txt"))
        return;
    CHECK(v.has_iv);
    CHECK_EQ_INT(decode_vec(&v), PPT_OK);
    CHECK_EQ_INT(pp.result, PPT_OK);
    CHECK_EQ_STR(pp.detail, "");
    CHECK(pp.json_decoded);
    CHECK(!pp.compact);
    CHECK_EQ_STR(pp.alg, "ES256");
    CHECK_EQ_STR(pp.typ, "passport");
    CHECK_EQ_STR(pp.ppt, "shaken");
    CHECK_EQ_STR(pp.x5u, "https://cert.example.org/passport.cer");
    CHECK_EQ_STR(pp.attest, "A");
    CHECK_EQ_STR(pp.origid, "123e4567-e89b-12d3-a456-426655440000");
    CHECK_EQ_STR(pp.orig_tn, "12155550121");
    CHECK_EQ_INT(pp.n_dest_tn, 1);
    CHECK_EQ_STR(pp.dest_tn[0], "12155550131");
    CHECK_EQ_INT(pp.n_dest_uri, 0);
    CHECK(pp.has_iat);
    CHECK_EQ_INT(pp.iat, 1443208345);
    CHECK_EQ_INT(pp.sig_len, 64);
    CHECK_EQ_INT(pp.warnings, 0);
    CHECK_EQ_STR(passport_result_label(pp.result), "");

    /* The signing input is exactly the first two segments as on the wire. */
    const char *tok = (const char *)v.iv.token.p;
    const char *dot1 = memchr(tok, '.', v.iv.token.n);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', v.iv.token.n - (size_t)(dot1 + 1 - tok)) : NULL;
    if (CHECK(dot2 != NULL)) {
        CHECK(pp.signing_input.p == v.iv.token.p);
        CHECK_EQ_INT(pp.signing_input.n, dot2 - tok);
        CHECK_EQ_MEM(pp.signing_input.p, pp.signing_input.n,
                     "eyJhbGciOiJFUzI1NiIsInBwdCI6InNoYWtlbiIsInR5cCI6InBhc3Nwb3J0IiwieDV1IjoiaHR0cHM6Ly9jZXJ0LmV4"
                     "YW1wbGUub3JnL3Bhc3Nwb3J0LmNlciJ9.eyJhdHRlc3QiOiJBIiwiZGVzdCI6eyJ0biI6WyIxMjE1NTU1MDEzMSJdfSwi"
                     "aWF0IjoxNDQzMjA4MzQ1LCJvcmlnIjp7InRuIjoiMTIxNTU1NTAxMjEifSwib3JpZ2lkIjoiMTIzZTQ1NjctZTg5Yi0x"
                     "MmQzLWE0NTYtNDI2NjU1NDQwMDAwIn0",
                     (size_t)(dot2 - tok));
    }

    /* chain_id: first 8 bytes of SHA-256 over the token; expected value from
     * `printf %s TOKEN | sha256sum` = 8adb7f97b6c1c0afff0f41f8a886623e... */
    char hex[17];
    memset(hex, 'Z', sizeof hex);
    passport_fingerprint(v.iv.token, hex);
    CHECK_EQ_STR(hex, "8adb7f97b6c1c0af");
    CHECK_EQ_INT(strlen(hex), 16);
    size_t lowerhex = strspn(hex, "0123456789abcdef");
    CHECK_EQ_INT(lowerhex, 16);

    /* The same token bare (no Identity parameters) decodes the same. */
    CHECK_EQ_INT(passport_decode(v.iv.token, NULL, &pp), PPT_OK);
    CHECK_EQ_STR(pp.attest, "A");
    free(v.text);
}

static void ppt_fingerprint_other(void)
{
    struct vec v;
    if (!load(&v, "libstirshaken_readme_B.identity.txt"))
        return;
    char hex[17];
    passport_fingerprint(v.iv.token, hex);
    /* printf %s TOKEN | sha256sum = ea91543f22ed3e92 8c48ff22... */
    CHECK_EQ_STR(hex, "ea91543f22ed3e92");
    CHECK_EQ_INT(decode_vec(&v), PPT_OK);
    CHECK_EQ_STR(pp.attest, "B");
    CHECK_EQ_STR(pp.orig_tn, "01256500600");
    CHECK_EQ_STR(pp.dest_tn[0], "01256700800");
    CHECK_EQ_INT(pp.iat, 1616442523);
    CHECK_EQ_STR(pp.origid, "e32f4189-cb86-460f-bb92-bd3acb89f29c");
    /* Different tokens, different fingerprints; same token, same fingerprint. */
    char hex2[17];
    passport_fingerprint(slice_cstr("a.b.c"), hex2);
    CHECK(strcmp(hex, hex2) != 0);
    char hex3[17];
    passport_fingerprint(v.iv.token, hex3);
    CHECK_EQ_STR(hex, hex3);
    free(v.text);
}

static void ppt_compact(void)
{
    struct vec v;
    if (!load(&v, "gen_rfc8588_example_compact.identity.txt"))
        return;
    CHECK_EQ_INT(decode_vec(&v), PPT_BAD_FORMAT);
    CHECK(pp.compact);
    CHECK_EQ_STR(pp.detail, "compact-form");
    CHECK(!pp.json_decoded);
    CHECK_EQ_INT(pp.sig_len, 64);
    CHECK_EQ_STR(pp.x5u, "https://cert.example.org/passport.cer"); /* from info */
    CHECK_EQ_STR(pp.ppt, "shaken");                                /* from the ppt param */
    CHECK_EQ_STR(passport_result_label(pp.result), "bad-format");
    free(v.text);
}

static void ppt_negative_vectors(void)
{
    struct vec v;
    if (load(&v, "gen_neg_padded_b64.identity.txt")) {
        CHECK_EQ_INT(decode_vec(&v), PPT_BAD_FORMAT);
        CHECK_EQ_STR(pp.detail, "signature-b64");
        free(v.text);
    }
    if (load(&v, "gen_neg_no_info.identity.txt")) {
        CHECK(v.iv.flags & IDENT_NO_INFO);
        CHECK_EQ_INT(decode_vec(&v), PPT_BAD_FORMAT);
        CHECK_EQ_STR(pp.detail, "missing-info");
        CHECK(pp.json_decoded);
        CHECK_EQ_STR(pp.attest, "A"); /* claims recorded even though it fails */
        free(v.text);
    }
    if (load(&v, "gen_neg_alg_rs256_param.identity.txt")) {
        CHECK_EQ_INT(decode_vec(&v), PPT_UNSUPPORTED_ALG);
        CHECK_EQ_STR(pp.detail, "alg-param-mismatch");
        CHECK_EQ_STR(passport_result_label(pp.result), "unsupported-alg");
        free(v.text);
    }
    /* Signature length is the verifier's business: these decode. */
    if (load(&v, "gen_neg_der_sig.identity.txt")) {
        CHECK_EQ_INT(decode_vec(&v), PPT_OK);
        CHECK_EQ_INT(pp.sig_len, 72);
        CHECK_EQ_INT(pp.sig[0], 0x30); /* DER SEQUENCE */
        free(v.text);
    }
    if (load(&v, "gen_neg_truncated_sig.identity.txt")) {
        CHECK_EQ_INT(decode_vec(&v), PPT_OK);
        CHECK_EQ_INT(pp.sig_len, 63);
        free(v.text);
    }
    if (load(&v, "gen_neg_tampered_attest.identity.txt")) {
        CHECK_EQ_INT(decode_vec(&v), PPT_OK);
        CHECK_EQ_STR(pp.attest, "B");
        free(v.text);
    }
}

static void ppt_div(void)
{
    struct vec v;
    if (!load(&v, "gen_rfc8946_div.identity.txt"))
        return;
    CHECK_EQ_INT(decode_vec(&v), PPT_OK);
    CHECK_EQ_STR(pp.ppt, "div");
    CHECK_EQ_STR(pp.div_tn, "12155551213");
    CHECK_EQ_STR(pp.orig_tn, "12155551212");
    CHECK_EQ_INT(pp.n_dest_tn, 1);
    CHECK_EQ_STR(pp.dest_tn[0], "12155551214");
    CHECK_EQ_STR(pp.attest, "");
    free(v.text);
}

static void ppt_rfc8225_appA(void)
{
    struct vec v;
    if (!load(&v, "rfc8225_appA.identity.txt"))
        return;
    CHECK(!v.has_iv); /* a bare JWS */
    CHECK_EQ_INT(decode_vec(&v), PPT_UNSUPPORTED_ALG);
    CHECK_EQ_STR(pp.detail, "no-ppt");
    CHECK(pp.json_decoded);
    CHECK_EQ_STR(pp.ppt, "");
    CHECK_EQ_STR(pp.orig_tn, "12155551212");
    CHECK_EQ_INT(pp.n_dest_uri, 1);
    CHECK_EQ_INT(pp.n_dest_tn, 0);
    CHECK_EQ_INT(pp.iat, 1471375418);
    CHECK_EQ_STR(pp.x5u, "https://cert.example.org/passport.cer");
    CHECK_EQ_INT(pp.sig_len, 64);
    free(v.text);
}

static void ppt_libstirshaken(void)
{
    struct vec v;
    if (load(&v, "libstirshaken_ref.identity.txt")) {
        CHECK_EQ_INT(decode_vec(&v), PPT_BAD_FORMAT); /* orig/dest are JSON strings */
        CHECK_EQ_STR(pp.detail, "orig-not-object");
        CHECK(pp.json_decoded);
        CHECK(pp.warnings & PPTW_X5U_NOT_HTTPS);
        free(v.text);
    }
    if (load(&v, "libstirshaken_spc_token.jwt.txt")) {
        CHECK_EQ_INT(decode_vec(&v), PPT_BAD_FORMAT); /* typ JWT */
        CHECK_EQ_STR(pp.detail, "typ-not-passport");
        free(v.text);
    }
    if (load(&v, "libstirshaken_readme_alicebob.jwt.txt")) {
        /* Non-numeric TNs are kept as sent for the analyst. */
        CHECK_EQ_INT(decode_vec(&v), PPT_OK);
        CHECK_EQ_STR(pp.orig_tn, "Bob");
        CHECK_EQ_STR(pp.dest_tn[0], "Alice");
        free(v.text);
    }
}

static void ppt_seed003(void)
{
    struct vec v;
    if (!load(&v, "seed003_carrierx.identity.txt"))
        return;
    /* The token itself decodes; its 48-byte signature is the verifier's problem. */
    CHECK_EQ_INT(passport_decode(v.iv.token, NULL, &pp), PPT_OK);
    CHECK_EQ_INT(pp.sig_len, 48);
    CHECK_EQ_STR(pp.attest, "A");
    CHECK_EQ_STR(pp.orig_tn, "15162065613");
    CHECK_EQ_STR(pp.dest_tn[0], "12059999926");
    CHECK_EQ_INT(pp.iat, 1614171922);
    CHECK_EQ_STR(pp.x5u, "https://storage.carrierx.com/cert.crt");
    CHECK_EQ_STR(pp.origid, "f4220710-76a0-11eb-a2a8-90e9ee9f54d5");
    /* Its header as published is broken (";info=<>alg=ES256"): bad-format in context. */
    CHECK(v.iv.flags & IDENT_BAD_PARAM);
    CHECK_EQ_INT(decode_vec(&v), PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "bad-identity-params");
    CHECK_EQ_INT(pp.sig_len, 48);
    free(v.text);
}

/* ---- hand-made tokens ------------------------------------------------------------------ */

#define X5U "https://cert.example.org/passport.cer"
#define HDR_SHAKEN "{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":\"" X5U "\"}"
#define ORIGID "\"origid\":\"123e4567-e89b-12d3-a456-426655440000\""
#define CLAIMS_OK                                                                                    \
    "{\"attest\":\"A\",\"dest\":{\"tn\":[\"12155550131\"]},\"iat\":1443208345,\"orig\":{\"tn\":" \
    "\"12155550121\"}," ORIGID "}"

static char tok[4096];

/* Decode hdr/claims as an Identity value with the given parameters (NULL: bare JWS). */
static enum ppt_result hand(const char *hdr, const char *claims, const char *params)
{
    char value[5000];
    if (!th_make_jws(hdr, claims, 64, tok, sizeof tok)) {
        CHECK(!"th_make_jws failed");
        return PPT_BAD_FORMAT;
    }
    if (!params)
        return passport_decode(slice_cstr(tok), NULL, &pp);
    snprintf(value, sizeof value, "%s%s", tok, params);
    static struct ident_value iv; /* the token slice points into value: decode before returning */
    size_t dropped;
    if (ident_parse(slice_cstr(value), &iv, 1, &dropped) != 1) {
        CHECK(!"ident_parse failed");
        return PPT_BAD_FORMAT;
    }
    enum ppt_result r = passport_decode(iv.token, &iv, &pp);
    pp.signing_input = SLICE_NULL; /* points into value */
    return r;
}

#define STD_PARAMS ";info=<" X5U ">;alg=ES256;ppt=shaken"

static void ppt_hand_ok(void)
{
    CHECK_EQ_INT(hand(HDR_SHAKEN, CLAIMS_OK, STD_PARAMS), PPT_OK);
    CHECK_EQ_STR(pp.detail, "");
    CHECK_EQ_STR(pp.attest, "A");
    CHECK_EQ_INT(pp.warnings, 0);
    /* No alg param: ES256 is the default, fine. */
    CHECK_EQ_INT(hand(HDR_SHAKEN, CLAIMS_OK, ";info=<" X5U ">;ppt=shaken"), PPT_OK);
    /* No ppt param: decodes, flagged. */
    CHECK_EQ_INT(hand(HDR_SHAKEN, CLAIMS_OK, ";info=<" X5U ">"), PPT_OK);
    CHECK(pp.warnings & PPTW_NO_PPT_PARAM);
    /* iat as a JSON real is tolerated. */
    CHECK_EQ_INT(hand(HDR_SHAKEN,
                      "{\"attest\":\"C\",\"dest\":{\"tn\":[\"1\"]},\"iat\":1443208345.0,\"orig\":{\"tn\":\"2\"}," ORIGID "}",
                      STD_PARAMS),
                 PPT_OK);
    CHECK_EQ_INT(pp.iat, 1443208345);
    CHECK_EQ_STR(pp.attest, "C");
}

static void ppt_hand_claims(void)
{
    CHECK_EQ_INT(hand(HDR_SHAKEN,
                      "{\"dest\":{\"tn\":[\"12155550131\"]},\"iat\":1443208345,\"orig\":{\"tn\":\"12155550121\"}," ORIGID "}",
                      STD_PARAMS),
                 PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "missing-attest");

    CHECK_EQ_INT(hand(HDR_SHAKEN,
                      "{\"attest\":\"D\",\"dest\":{\"tn\":[\"12155550131\"]},\"iat\":1443208345,\"orig\":{\"tn\":"
                      "\"12155550121\"}," ORIGID "}",
                      STD_PARAMS),
                 PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "bad-attest");

    CHECK_EQ_INT(hand(HDR_SHAKEN,
                      "{\"attest\":\"A\",\"dest\":{\"tn\":[\"12155550131\"]},\"iat\":\"1443208345\",\"orig\":{\"tn\":"
                      "\"12155550121\"}," ORIGID "}",
                      STD_PARAMS),
                 PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "iat-not-number");
    CHECK(pp.has_iat); /* the value is still recorded for the analyst */
    CHECK_EQ_INT(pp.iat, 1443208345);

    CHECK_EQ_INT(hand(HDR_SHAKEN,
                      "{\"attest\":\"A\",\"dest\":{\"tn\":\"+1-215-555-0131\"},\"iat\":1443208345,\"orig\":{\"tn\":"
                      "\"12155550121\"}," ORIGID "}",
                      STD_PARAMS),
                 PPT_OK);
    CHECK(pp.warnings & PPTW_DEST_TN_STRING);
    CHECK(pp.warnings & PPTW_TN_NOT_CANONICAL);
    CHECK_EQ_INT(pp.n_dest_tn, 1);
    CHECK_EQ_STR(pp.dest_tn[0], "12155550131");

    /* Duplicate keys are rejected by the JSON parser. */
    CHECK_EQ_INT(hand(HDR_SHAKEN,
                      "{\"attest\":\"A\",\"attest\":\"B\",\"dest\":{\"tn\":[\"1\"]},\"iat\":1,\"orig\":{\"tn\":\"2\"}," ORIGID "}",
                      STD_PARAMS),
                 PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "claims-json");
    CHECK_EQ_INT(hand("{\"alg\":\"ES256\",\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":\"" X5U "\"}",
                      CLAIMS_OK, STD_PARAMS),
                 PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "header-json");

    CHECK_EQ_INT(hand(HDR_SHAKEN, "{\"attest\":\"A\",\"dest\":{\"tn\":[\"1\"]},\"orig\":{\"tn\":\"2\"}," ORIGID "}",
                      STD_PARAMS),
                 PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "missing-iat");
    CHECK_EQ_INT(hand(HDR_SHAKEN, "{\"attest\":\"A\",\"dest\":{\"tn\":[\"1\"]},\"iat\":1," ORIGID "}", STD_PARAMS),
                 PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "missing-orig");
    CHECK_EQ_INT(hand(HDR_SHAKEN, "{\"attest\":\"A\",\"dest\":{},\"iat\":1,\"orig\":{\"tn\":\"2\"}," ORIGID "}",
                      STD_PARAMS),
                 PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "empty-dest");
    CHECK_EQ_INT(hand(HDR_SHAKEN, "{\"attest\":\"A\",\"dest\":{\"tn\":[\"1\"]},\"iat\":1,\"orig\":{\"tn\":\"2\"}}",
                      STD_PARAMS),
                 PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "missing-origid");
    CHECK_EQ_INT(hand(HDR_SHAKEN,
                      "{\"attest\":\"A\",\"dest\":{\"tn\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]},"
                      "\"iat\":1,\"orig\":{\"tn\":\"2\"}," ORIGID "}",
                      STD_PARAMS),
                 PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "too-many-dest");

    /* Two destinations and a non-UUID origid. */
    CHECK_EQ_INT(hand(HDR_SHAKEN,
                      "{\"attest\":\"B\",\"dest\":{\"tn\":[\"12155550131\",\"12155550132\"]},\"iat\":1,\"orig\":{\"tn\":"
                      "\"12155550121\"},\"origid\":\"ref\"}",
                      STD_PARAMS),
                 PPT_OK);
    CHECK_EQ_INT(pp.n_dest_tn, 2);
    CHECK_EQ_STR(pp.dest_tn[1], "12155550132");
    CHECK(pp.warnings & PPTW_ORIGID_NOT_UUID);
    CHECK_EQ_STR(pp.origid, "ref");
}

/* Escaped claim values are compared and copied unescaped, as jansson gave them; a value
 * too long for its field leaves the field empty (it was once half-filled). */
static void ppt_hand_escapes(void)
{
    CHECK_EQ_INT(hand(HDR_SHAKEN,
                      "{\"\\u0061ttest\":\"\\u0042\",\"dest\":{\"tn\":[\"1215555\\u00301\"]},\"iat\":1443208345,"
                      "\"orig\":{\"tn\":\"+1-215-555-0121\"},\"origid\":\"a\\/b\"}",
                      STD_PARAMS),
                 PPT_OK);
    CHECK_EQ_STR(pp.attest, "B");
    CHECK_EQ_STR(pp.dest_tn[0], "121555501");
    CHECK_EQ_STR(pp.orig_tn, "12155550121");
    CHECK_EQ_STR(pp.origid, "a/b");
    CHECK(pp.warnings & PPTW_ORIGID_NOT_UUID);
    CHECK(pp.warnings & PPTW_TN_NOT_CANONICAL);

    CHECK_EQ_INT(hand(HDR_SHAKEN,
                      "{\"attest\":\"A\",\"dest\":{\"tn\":[\"1\"]},\"iat\":1443208345,\"orig\":{\"tn\":\"2\"},"
                      "\"origid\":\"123e4567-e89b-12d3-a456-426655440000\\\"123e4567-e89b-12d3-a456-426655440000\"}",
                      STD_PARAMS),
                 PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "bad-origid");
    CHECK_EQ_STR(pp.origid, "");

    /* an escaped iat string, read whole (leading zeros included) */
    CHECK_EQ_INT(hand(HDR_SHAKEN,
                      "{\"attest\":\"A\",\"dest\":{\"tn\":[\"1\"]},\"iat\":\"0000000000000000000000000000000000000000"
                      "000000000000000000000000000000000000000000000000000000000000000000000000000000\\u0031\",\"orig\":{\"tn\":\"2\"}," ORIGID "}",
                      STD_PARAMS),
                 PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "iat-not-number");
    CHECK(pp.has_iat);
    CHECK_EQ_INT(pp.iat, 1);

    /* a TN of exactly PPT_STR bytes once unescaped is refused, one byte less is kept */
    char claims[512];
    snprintf(claims, sizeof claims,
             "{\"attest\":\"A\",\"dest\":{\"tn\":[\"1\"]},\"iat\":1,\"orig\":{\"tn\":\"\\u0041%.*s\"}," ORIGID "}",
             PPT_STR - 1, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    CHECK_EQ_INT(hand(HDR_SHAKEN, claims, STD_PARAMS), PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "bad-orig-tn");
    snprintf(claims, sizeof claims,
             "{\"attest\":\"A\",\"dest\":{\"tn\":[\"1\"]},\"iat\":1,\"orig\":{\"tn\":\"\\u0041%.*s\"}," ORIGID "}",
             PPT_STR - 2, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    CHECK_EQ_INT(hand(HDR_SHAKEN, claims, STD_PARAMS), PPT_OK);
    CHECK_EQ_INT(strlen(pp.orig_tn), PPT_STR - 1);

    /* a duplicate key only once unescaped: not JSON for jansson, nor here */
    CHECK_EQ_INT(hand(HDR_SHAKEN, "{\"iat\":1,\"\\u0069at\":2}", STD_PARAMS), PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "claims-json");
}

static void ppt_hand_header(void)
{
    /* info must equal x5u. */
    CHECK_EQ_INT(hand(HDR_SHAKEN, CLAIMS_OK, ";info=<https://other.example/cert.pem>;alg=ES256;ppt=shaken"),
                 PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "info-x5u-mismatch");
    CHECK_EQ_STR(pp.attest, "A"); /* claims are kept */

    CHECK_EQ_INT(hand(HDR_SHAKEN, CLAIMS_OK, ";info=" X5U ";ppt=shaken"), PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "bad-identity-params");

    /* Unknown ppt: a format-correct PASSporT of an unsupported type. */
    CHECK_EQ_INT(hand("{\"alg\":\"ES256\",\"ppt\":\"foo\",\"typ\":\"passport\",\"x5u\":\"" X5U "\"}", CLAIMS_OK,
                      ";info=<" X5U ">;ppt=foo"),
                 PPT_UNSUPPORTED_ALG);
    CHECK_EQ_STR(pp.detail, "unknown-ppt");
    CHECK_EQ_INT(hand(HDR_SHAKEN, CLAIMS_OK, ";info=<" X5U ">;ppt=div"), PPT_UNSUPPORTED_ALG);
    CHECK_EQ_STR(pp.detail, "ppt-param-mismatch");

    CHECK_EQ_INT(hand("{\"alg\":\"RS256\",\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":\"" X5U "\"}", CLAIMS_OK,
                      ";info=<" X5U ">;ppt=shaken"),
                 PPT_UNSUPPORTED_ALG);
    CHECK_EQ_STR(pp.detail, "alg-not-es256");

    CHECK_EQ_INT(hand("{\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":\"" X5U "\"}", CLAIMS_OK, STD_PARAMS),
                 PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "missing-alg");
    CHECK_EQ_INT(hand("{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"passport\"}", CLAIMS_OK, STD_PARAMS),
                 PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "missing-x5u");

    /* No typ: allowed, flagged. http x5u: flagged. */
    CHECK_EQ_INT(hand("{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"x5u\":\"" X5U "\"}", CLAIMS_OK, STD_PARAMS), PPT_OK);
    CHECK(pp.warnings & PPTW_NO_TYP);
    CHECK_EQ_INT(hand("{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":\"http://c.example/x\"}",
                      CLAIMS_OK, NULL),
                 PPT_OK);
    CHECK(pp.warnings & PPTW_X5U_NOT_HTTPS);

    /* Not JSON objects. */
    CHECK_EQ_INT(hand("[1,2]", CLAIMS_OK, NULL), PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "header-json");
    CHECK_EQ_INT(hand(HDR_SHAKEN, "not json", NULL), PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "claims-json");
}

static void ppt_hand_shape(void)
{
    char buf[4200];
    if (!CHECK(th_make_jws(HDR_SHAKEN, CLAIMS_OK, 64, tok, sizeof tok) > 0))
        return;
    snprintf(buf, sizeof buf, "%s.AAAA", tok);
    CHECK_EQ_INT(passport_decode(slice_cstr(buf), NULL, &pp), PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "not-3-parts");
    CHECK_EQ_INT(passport_decode(slice_cstr("abc.def"), NULL, &pp), PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "not-3-parts");
    CHECK_EQ_INT(passport_decode(slice_cstr("abcdef"), NULL, &pp), PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "not-3-parts");
    CHECK_EQ_INT(passport_decode(slice_cstr("a.b.c.d"), NULL, &pp), PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "not-3-parts");
    CHECK_EQ_INT(passport_decode(SLICE_NULL, NULL, &pp), PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "empty-token");
    CHECK_EQ_INT(passport_decode(slice_cstr(".."), NULL, &pp), PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "empty-signature");
    CHECK_EQ_INT(passport_decode(slice_cstr("eyJ9..AAAA"), NULL, &pp), PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "empty-part");
    CHECK_EQ_INT(passport_decode(slice_cstr("e+J9.eyJ9.AAAA"), NULL, &pp), PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "header-b64");
    CHECK_EQ_INT(passport_decode(slice_cstr("..AA=="), NULL, &pp), PPT_BAD_FORMAT);
    CHECK_EQ_STR(pp.detail, "signature-b64");

    /* Longer than any PASSporT. */
    size_t big = PPT_TOKEN_MAX + 1;
    char *huge = malloc(big);
    if (CHECK(huge != NULL)) {
        memset(huge, 'A', big);
        huge[10] = '.', huge[20] = '.';
        CHECK_EQ_INT(passport_decode(slice_make(huge, big), NULL, &pp), PPT_BAD_FORMAT);
        CHECK_EQ_STR(pp.detail, "token-too-long");
        free(huge);
    }

    /* A signature too big for the struct: its length is reported, the bytes are not kept. */
    if (CHECK(th_make_jws(HDR_SHAKEN, CLAIMS_OK, 300, tok, sizeof tok) > 0)) {
        CHECK_EQ_INT(passport_decode(slice_cstr(tok), NULL, &pp), PPT_OK);
        CHECK_EQ_INT(pp.sig_len, 300);
    }
}

static void ppt_labels(void)
{
    char buf[128];
    CHECK_EQ_STR(passport_result_label(PPT_OK), "");
    CHECK_EQ_STR(passport_result_label(PPT_BAD_FORMAT), "bad-format");
    CHECK_EQ_STR(passport_result_label(PPT_UNSUPPORTED_ALG), "unsupported-alg");
    passport_warnings_str(0, buf, sizeof buf);
    CHECK_EQ_STR(buf, "");
    passport_warnings_str(PPTW_DEST_TN_STRING | PPTW_ORIGID_NOT_UUID, buf, sizeof buf);
    CHECK_EQ_STR(buf, "dest-tn-string;origid-not-uuid");
    passport_warnings_str(PPTW_NO_TYP | PPTW_X5U_NOT_HTTPS, buf, sizeof buf);
    CHECK_EQ_STR(buf, "x5u-not-https;no-typ");
    passport_warnings_str(PPTW_DEST_TN_STRING | PPTW_ORIGID_NOT_UUID, buf, 20); /* short buffer */
    CHECK(strlen(buf) < 20);
    CHECK(strncmp(buf, "dest-tn-string", 14) == 0);
}

void test_passport(void)
{
    RUN(ppt_rfc8588_example);
    RUN(ppt_fingerprint_other);
    RUN(ppt_compact);
    RUN(ppt_negative_vectors);
    RUN(ppt_div);
    RUN(ppt_rfc8225_appA);
    RUN(ppt_libstirshaken);
    RUN(ppt_seed003);
    RUN(ppt_hand_ok);
    RUN(ppt_hand_claims);
    RUN(ppt_hand_escapes);
    RUN(ppt_hand_header);
    RUN(ppt_hand_shape);
    RUN(ppt_labels);
}
