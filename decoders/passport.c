/* summary: PASSporT JWS split, strict base64url, JOSE header and claims (RFC 8225 §4-5,
 * RFC 8588 §4, RFC 8946 §3, RFC 9795), decoded into a fixed-size struct. */
#include "decoders/passport.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "decoders/b64url.h"
#include "decoders/digest.h"
#include "decoders/json.h"
#include "decoders/sip_fields.h"

#define JSON_PART_MAX (PPT_TOKEN_MAX / 4 * 3)

/* Tokens of the JSON part being read: the header's fields are copied out before the
 * claims are parsed, so one array serves both. Sized so that no part can run out. */
static _Thread_local struct json_tok part_tok[JSON_TOKENS_FOR(JSON_PART_MAX)];
/* Unescaped value of a string claim read whole (only an escaped string iat needs it). */
static _Thread_local char str_scratch[JSON_PART_MAX];

static enum ppt_result fail(struct passport *pp, enum ppt_result r, const char *detail)
{
    pp->result = r;
    pp->detail = detail;
    return r;
}

static bool is_type(const struct json_doc *d, size_t v, enum json_tok_type t)
{
    return json_tok_type(d, v) == t;
}

/* Copy a JSON string member into buf; false (buf untouched) when absent, not a string,
 * holds a NUL or is too long. */
static bool get_str(const struct json_doc *d, size_t obj, const char *key, char *buf, size_t cap,
                    bool *present)
{
    size_t v = json_tok_get(d, obj, key);
    if (present)
        *present = v != JSON_NONE;
    size_t n;
    if (!is_type(d, v, JT_STRING) || cap == 0 || !json_tok_str(d, v, buf, cap - 1, &n))
        return false;
    if (memchr(buf, '\0', n))
        return false; /* the reader refuses \u0000 already; kept as the guard of buf's C string */
    buf[n] = '\0';
    return true;
}

/* The whole unescaped value of string v: the input itself when it has no escapes, else
 * a copy in str_scratch (valid until the next call). */
static struct slice str_value(const struct json_doc *d, size_t v)
{
    const struct json_tok *t = &d->tok[v];
    if (!(t->flags & JSON_TOK_ESCAPED))
        return slice_make(d->p + t->off, t->len);
    size_t n = 0;
    if (!json_tok_str(d, v, str_scratch, sizeof str_scratch, &n))
        n = 0; /* cannot happen: a value is never longer than the part it came from */
    return slice_make(str_scratch, n);
}

/* A TN claim: canonical digits when possible, else kept as sent (e.g. "Alice"). */
static bool put_tn(const char *s, size_t n, char *buf, size_t cap, unsigned *warnings)
{
    if (n >= cap || memchr(s, '\0', n))
        return false;
    if (tn_canon(slice_make(s, n), buf, cap)) {
        if (strlen(buf) != n)
            *warnings |= PPTW_TN_NOT_CANONICAL;
        return true;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    return true;
}

static bool is_uuid(const char *s)
{
    static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    if (strlen(s) != sizeof shape - 1)
        return false;
    for (size_t i = 0; shape[i]; i++) {
        char c = s[i];
        bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (shape[i] == '-' ? c != '-' : !hex)
            return false;
    }
    return true;
}

/* put_tn of string token v (false when v is not a string). */
static bool put_tn_tok(const struct json_doc *d, size_t v, char *buf, size_t cap, unsigned *warnings)
{
    /* put_tn refuses n >= cap; cap is at most PPT_STR, so a longer value need not be read. */
    char s[PPT_STR];
    size_t n;
    if (cap > sizeof s || !is_type(d, v, JT_STRING) || !json_tok_str(d, v, s, sizeof s, &n))
        return false;
    return put_tn(s, n, buf, cap, warnings);
}

/* orig: exactly one of "tn" (string) or "uri" (RFC 8225 §5.2.1). */
static const char *claims_orig(const struct json_doc *d, struct passport *pp)
{
    size_t orig = json_tok_get(d, 0, "orig");
    if (orig == JSON_NONE)
        return "missing-orig";
    if (!is_type(d, orig, JT_OBJECT))
        return "orig-not-object";
    size_t tn = json_tok_get(d, orig, "tn");
    if (tn != JSON_NONE) {
        if (!put_tn_tok(d, tn, pp->orig_tn, sizeof pp->orig_tn, &pp->warnings))
            return "bad-orig-tn";
        return NULL;
    }
    if (!get_str(d, orig, "uri", pp->orig_uri, sizeof pp->orig_uri, NULL))
        return "bad-orig";
    return NULL;
}

/* dest: arrays of "tn" and/or "uri" (RFC 8225 §5.2.1); a bare string is tolerated and flagged. */
static const char *claims_dest(const struct json_doc *d, struct passport *pp)
{
    size_t dest = json_tok_get(d, 0, "dest");
    if (dest == JSON_NONE)
        return "missing-dest";
    if (!is_type(d, dest, JT_OBJECT))
        return "dest-not-object";
    size_t tn = json_tok_get(d, dest, "tn");
    size_t uri = json_tok_get(d, dest, "uri");
    if (tn == JSON_NONE && uri == JSON_NONE)
        return "empty-dest";
    if (is_type(d, tn, JT_STRING)) {
        pp->warnings |= PPTW_DEST_TN_STRING;
        if (!put_tn_tok(d, tn, pp->dest_tn[0], PPT_STR, &pp->warnings))
            return "bad-dest-tn";
        pp->n_dest_tn = 1;
    } else if (tn != JSON_NONE) {
        if (!is_type(d, tn, JT_ARRAY) || d->tok[tn].size == 0)
            return "bad-dest-tn";
        for (size_t e = json_tok_first(d, tn); e != JSON_NONE; e = json_tok_next(d, tn, e)) {
            if (!is_type(d, e, JT_STRING))
                return "bad-dest-tn";
            if (pp->n_dest_tn == PPT_MAX_DEST)
                return "too-many-dest";
            if (!put_tn_tok(d, e, pp->dest_tn[pp->n_dest_tn], PPT_STR, &pp->warnings))
                return "bad-dest-tn";
            pp->n_dest_tn++;
        }
    }
    if (uri != JSON_NONE) {
        if (!is_type(d, uri, JT_ARRAY))
            return "bad-dest-uri";
        pp->n_dest_uri = d->tok[uri].size;
    }
    return NULL;
}

static const char *claims_iat(const struct json_doc *d, struct passport *pp)
{
    size_t iat = json_tok_get(d, 0, "iat");
    if (iat == JSON_NONE)
        return "missing-iat";
    int64_t i;
    if (json_tok_int(d, iat, &i)) {
        pp->iat = i;
        pp->has_iat = true;
        return NULL;
    }
    double r;
    if (json_tok_real(d, iat, &r)) {
        if (r >= 0 && r < 1e12) {
            pp->iat = (int64_t)r;
            pp->has_iat = true;
            return NULL;
        }
        return "bad-iat";
    }
    /* RFC 8588's example printed iat as a string; erratum 6656 says number. Record
     * the value for the analyst, but it is not a valid PASSporT. */
    if (is_type(d, iat, JT_STRING)) {
        uint64_t v;
        if (slice_to_u64(str_value(d, iat), INT64_MAX, &v)) {
            pp->iat = (int64_t)v;
            pp->has_iat = true;
        }
    }
    return "iat-not-number";
}

static const char *ppt_claims(const struct json_doc *d, struct passport *pp)
{
    if (strcmp(pp->ppt, "shaken") == 0) {
        /* Both read before either is judged: a token that fails still shows what it
         * carried (interface.md: columns "as transmitted"). */
        bool has_attest, has_origid;
        bool attest_ok = get_str(d, 0, "attest", pp->attest, sizeof pp->attest, &has_attest);
        bool origid_ok = get_str(d, 0, "origid", pp->origid, sizeof pp->origid, &has_origid);
        if (!attest_ok)
            return has_attest ? "bad-attest" : "missing-attest";
        if (strcmp(pp->attest, "A") && strcmp(pp->attest, "B") && strcmp(pp->attest, "C"))
            return "bad-attest";
        if (!origid_ok)
            return has_origid ? "bad-origid" : "missing-origid";
        if (!is_uuid(pp->origid))
            pp->warnings |= PPTW_ORIGID_NOT_UUID;
    } else if (strcmp(pp->ppt, "div") == 0 || strcmp(pp->ppt, "div-o") == 0) {
        size_t div = json_tok_get(d, 0, "div");
        if (!is_type(d, div, JT_OBJECT))
            return "missing-div";
        size_t tn = json_tok_get(d, div, "tn");
        if (tn != JSON_NONE) {
            if (!put_tn_tok(d, tn, pp->div_tn, sizeof pp->div_tn, &pp->warnings))
                return "bad-div-tn";
        } else if (json_tok_get(d, div, "uri") == JSON_NONE) {
            return "bad-div";
        }
    } else if (strcmp(pp->ppt, "rcd") == 0) {
        size_t rcd = json_tok_get(d, 0, "rcd");
        if (rcd != JSON_NONE && !is_type(d, rcd, JT_OBJECT))
            return "bad-rcd";
        if (rcd != JSON_NONE)
            get_str(d, rcd, "nam", pp->rcd_nam, sizeof pp->rcd_nam, NULL);
    }
    return NULL;
}

/* Base64url-decode part into buf and parse it (tokens in part_tok) as a JSON object;
 * the document's root object is token 0. */
static bool decode_json(struct slice part, uint8_t *buf, size_t cap, struct json_doc *d,
                        const char **detail, const char *b64_err, const char *json_err)
{
    size_t n, ntok;
    if (b64url_decode(part.p, part.n, buf, cap, &n) != B64_OK) {
        *detail = b64_err;
        return false;
    }
    if (json_parse(buf, n, part_tok, sizeof part_tok / sizeof part_tok[0], &ntok) != JSON_OK ||
        part_tok[0].type != JT_OBJECT) {
        *detail = json_err;
        return false;
    }
    d->p = buf;
    d->tok = part_tok;
    d->ntok = ntok;
    return true;
}

/* The JOSE header as far as decoding needs it. detail is the first header fault in
 * the order of the checks below (NULL when none); after a fault the later fields are
 * left empty, as the checks stop there. */
struct hdr_fields {
    bool decoded;      /* base64url and JSON object fine (else detail says which failed) */
    const char *detail;
    bool jose_ppt;     /* "ppt" present as a string */
    char alg[16], typ[16], ppt[16], x5u[PPT_URL];
};

static void header_fields(const struct json_doc *d, struct hdr_fields *h)
{
    bool present;
    if (!get_str(d, 0, "alg", h->alg, sizeof h->alg, &present))
        h->detail = present ? "bad-alg" : "missing-alg";
    else if (!get_str(d, 0, "typ", h->typ, sizeof h->typ, &present) && present)
        h->detail = "bad-typ";
    else if (present && strcmp(h->typ, "passport") != 0)
        h->detail = "typ-not-passport";
    else if (!get_str(d, 0, "x5u", h->x5u, sizeof h->x5u, &present))
        h->detail = present ? "bad-x5u" : "missing-x5u";
    else if (!get_str(d, 0, "ppt", h->ppt, sizeof h->ppt, &present) && present)
        h->detail = "bad-ppt";
    h->jose_ppt = is_type(d, json_tok_get(d, 0, "ppt"), JT_STRING);
}

/* One signer sends the same JOSE header (alg, ppt, typ, x5u) on every call, so the
 * decoded fields of recent headers are kept per thread, keyed by the exact base64url
 * text: a hit saves a base64 decode and a JSON parse per PASSporT. Exact-text keys
 * make a hit give what decoding the same bytes gives. */
#define HDR_CACHE_SLOTS 32
#define HDR_CACHE_KEY 384
struct hdr_slot {
    size_t n;
    char key[HDR_CACHE_KEY];
    struct hdr_fields f;
};
static _Thread_local struct hdr_slot hdr_cache[HDR_CACHE_SLOTS];

static bool header_decode(struct slice hdr, uint8_t *buf, size_t cap, struct hdr_fields *out)
{
    struct hdr_slot *slot = NULL;
    if (hdr.n <= HDR_CACHE_KEY) {
        uint32_t h = 2166136261u;
        for (size_t i = 0; i < hdr.n; i++)
            h = (h ^ hdr.p[i]) * 16777619u;
        slot = &hdr_cache[h % HDR_CACHE_SLOTS];
        if (slot->n == hdr.n && memcmp(slot->key, hdr.p, hdr.n) == 0) {
            *out = slot->f;
            return out->decoded;
        }
    }
    memset(out, 0, sizeof *out);
    struct json_doc jh;
    if (decode_json(hdr, buf, cap, &jh, &out->detail, "header-b64", "header-json")) {
        out->decoded = true;
        header_fields(&jh, out);
    }
    if (slot) {
        slot->n = hdr.n;
        memcpy(slot->key, hdr.p, hdr.n);
        slot->f = *out;
    }
    return out->decoded;
}

static bool slice_eq_str(struct slice s, const char *str)
{
    return s.n == strlen(str) && memcmp(s.p, str, s.n) == 0;
}

enum ppt_result passport_decode(struct slice token, const struct ident_value *iv, struct passport *pp)
{
    memset(pp, 0, sizeof *pp);
    pp->detail = "";
    if (iv && iv->ppt.n == 0)
        pp->warnings |= PPTW_NO_PPT_PARAM;
    if (iv && iv->ppt.n && iv->ppt.n < sizeof pp->ppt)
        memcpy(pp->ppt, iv->ppt.p, iv->ppt.n); /* until the JOSE header says otherwise */
    if (token.n == 0)
        return fail(pp, PPT_BAD_FORMAT, "empty-token");
    if (token.n > PPT_TOKEN_MAX)
        return fail(pp, PPT_BAD_FORMAT, "token-too-long");

    size_t d1 = slice_find(token, '.');
    if (d1 >= token.n)
        return fail(pp, PPT_BAD_FORMAT, "not-3-parts");
    struct slice after = slice_from(token, d1 + 1);
    size_t d2 = slice_find(after, '.');
    if (d2 >= after.n || slice_find(slice_from(after, d2 + 1), '.') < after.n - d2 - 1)
        return fail(pp, PPT_BAD_FORMAT, "not-3-parts");
    struct slice hdr = slice_make(token.p, d1);
    struct slice pay = slice_make(after.p, d2);
    struct slice sig = slice_from(after, d2 + 1);
    pp->signing_input = slice_make(token.p, d1 + 1 + d2);

    size_t siglen;
    if (sig.n == 0)
        return fail(pp, PPT_BAD_FORMAT, "empty-signature");
    if (b64url_decoded_len(sig.n) > PPT_SIG_MAX) {
        pp->sig_len = b64url_decoded_len(sig.n);
    } else {
        if (b64url_decode(sig.p, sig.n, pp->sig, sizeof pp->sig, &siglen) != B64_OK)
            return fail(pp, PPT_BAD_FORMAT, "signature-b64");
        pp->sig_len = siglen;
    }
    if (hdr.n == 0 && pay.n == 0) {
        /* RFC 8225 §7 compact form: header and claims must be rebuilt from the SIP request. */
        pp->compact = true;
        if (iv && iv->info.n < sizeof pp->x5u)
            memcpy(pp->x5u, iv->info.p, iv->info.n);
        return fail(pp, PPT_BAD_FORMAT, "compact-form");
    }
    if (hdr.n == 0 || pay.n == 0)
        return fail(pp, PPT_BAD_FORMAT, "empty-part");

    const char *detail = NULL;
    uint8_t buf[JSON_PART_MAX];
    struct hdr_fields hf;
    if (!header_decode(hdr, buf, sizeof buf, &hf))
        return fail(pp, PPT_BAD_FORMAT, hf.detail);
    struct json_doc jc;
    if (!decode_json(pay, buf, sizeof buf, &jc, &detail, "claims-b64", "claims-json"))
        return fail(pp, PPT_BAD_FORMAT, detail);

    pp->json_decoded = true;
    memcpy(pp->alg, hf.alg, sizeof pp->alg);
    memcpy(pp->typ, hf.typ, sizeof pp->typ);
    memcpy(pp->ppt, hf.ppt, sizeof pp->ppt);
    memcpy(pp->x5u, hf.x5u, sizeof pp->x5u);
    detail = hf.detail;
    if (!pp->ppt[0] && iv && iv->ppt.n && iv->ppt.n < sizeof pp->ppt)
        memcpy(pp->ppt, iv->ppt.p, iv->ppt.n); /* base PASSporT: keep the param for reporting */
    if (!detail && !pp->typ[0])
        pp->warnings |= PPTW_NO_TYP;
    if (!detail && strncmp(pp->x5u, "https://", 8) != 0)
        pp->warnings |= PPTW_X5U_NOT_HTTPS;
    if (!detail)
        detail = claims_iat(&jc, pp);
    if (!detail)
        detail = claims_orig(&jc, pp);
    if (!detail)
        detail = claims_dest(&jc, pp);
    if (!detail)
        detail = ppt_claims(&jc, pp);
    bool jose_ppt = hf.jose_ppt;
    if (detail)
        return fail(pp, PPT_BAD_FORMAT, detail);

    if (iv) {
        /* RFC 8224 §4: info is mandatory; SHAKEN wants it equal to x5u (ATIS-1000074). */
        if (iv->flags & (IDENT_NO_INFO | IDENT_EMPTY_TOKEN))
            return fail(pp, PPT_BAD_FORMAT, "missing-info");
        if (iv->flags & (IDENT_INFO_UNBRACKETED | IDENT_BAD_PARAM))
            return fail(pp, PPT_BAD_FORMAT, "bad-identity-params");
        if (!slice_eq_str(iv->info, pp->x5u))
            return fail(pp, PPT_BAD_FORMAT, "info-x5u-mismatch");
    }

    if (strcmp(pp->alg, "ES256") != 0)
        return fail(pp, PPT_UNSUPPORTED_ALG, "alg-not-es256");
    if (iv && iv->alg.n && !slice_eq_str(iv->alg, pp->alg))
        return fail(pp, PPT_UNSUPPORTED_ALG, "alg-param-mismatch");
    if (!jose_ppt)
        return fail(pp, PPT_UNSUPPORTED_ALG, "no-ppt");
    if (strcmp(pp->ppt, "shaken") && strcmp(pp->ppt, "div") && strcmp(pp->ppt, "div-o") &&
        strcmp(pp->ppt, "rcd"))
        return fail(pp, PPT_UNSUPPORTED_ALG, "unknown-ppt");
    if (iv && iv->ppt.n && !slice_eq_str(iv->ppt, pp->ppt))
        return fail(pp, PPT_UNSUPPORTED_ALG, "ppt-param-mismatch");
    return PPT_OK;
}

const char *passport_result_label(enum ppt_result r)
{
    switch (r) {
    case PPT_OK: return "";
    case PPT_BAD_FORMAT: return "bad-format";
    case PPT_UNSUPPORTED_ALG: return "unsupported-alg";
    }
    return "bad-format";
}

void passport_fingerprint(struct slice token, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    uint8_t md[DIGEST_SHA256_LEN];
    if (!digest_sha256_2(token.p, token.n, NULL, 0, md))
        SHA256(token.p, token.n, md);
    for (int i = 0; i < 8; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[16] = '\0';
}

void passport_warnings_str(unsigned w, char *buf, size_t cap)
{
    static const char *const names[] = { "dest-tn-string", "origid-not-uuid", "x5u-not-https",
                                         "no-ppt-param",   "tn-not-canonical", "no-typ" };
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(w & (1u << i)))
            continue;
        int n = snprintf(buf + off, cap - off, "%s%s", off ? ";" : "", names[i]);
        if (n < 0 || (size_t)n >= cap - off) {
            buf[off] = '\0'; /* whole names only */
            break;
        }
        off += (size_t)n;
    }
}
