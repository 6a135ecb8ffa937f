/* summary: PASSporT decoding (RFC 8225, SHAKEN RFC 8588, div RFC 8946, rcd RFC 9795).
 *
 * Splits the compact JWS, base64url-decodes each part strictly, parses the JOSE
 * header and the claims with decoders/json (jansson's acceptance rules, no allocation)
 * and fills a fixed-size struct. Nothing is verified here; the exact signing input and
 * the raw signature are kept for the verifier. Result labels follow the verification order of interface.md: every
 * format problem is reported before an unsupported algorithm or ppt. */
#ifndef STIRPROBE_PASSPORT_H
#define STIRPROBE_PASSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/slice.h"
#include "decoders/identity.h"

#define PPT_TOKEN_MAX 16384 /* a PASSporT is a few hundred bytes; rcd with jCard a few kB */
#define PPT_MAX_DEST 8
#define PPT_STR 64
#define PPT_URL 512
#define PPT_SIG_MAX 256

enum ppt_result {
    PPT_OK = 0,
    PPT_BAD_FORMAT,      /* interface.md bad-format */
    PPT_UNSUPPORTED_ALG, /* interface.md unsupported-alg (alg or ppt) */
};

/* Oddities that do not fail decoding but an analyst wants to see. */
enum ppt_warning {
    PPTW_DEST_TN_STRING = 1 << 0,  /* dest.tn sent as a bare string, not an array */
    PPTW_ORIGID_NOT_UUID = 1 << 1, /* origid is not an RFC 4122 UUID string */
    PPTW_X5U_NOT_HTTPS = 1 << 2,   /* x5u scheme is not https */
    PPTW_NO_PPT_PARAM = 1 << 3,    /* Identity header carried no ppt parameter */
    PPTW_TN_NOT_CANONICAL = 1 << 4,/* orig/dest TN had separators or '+' */
    PPTW_NO_TYP = 1 << 5,          /* JOSE header without typ */
};

struct passport {
    enum ppt_result result;
    const char *detail;   /* short stable cause, e.g. "payload-b64", "missing-attest"; "" when OK */
    unsigned warnings;    /* enum ppt_warning */
    bool compact;         /* "..sig" form: header and claims must be rebuilt from SIP */
    bool json_decoded;    /* header and claims parsed as JSON objects (fields below may be set) */

    /* JOSE header */
    char alg[16];
    char typ[16];
    char ppt[16];
    char x5u[PPT_URL];

    /* claims */
    bool has_iat;
    int64_t iat;
    char attest[4];
    char origid[PPT_STR];
    char orig_tn[PPT_STR];  /* canonical digits when it is a TN, else as sent */
    char orig_uri[PPT_STR];
    char dest_tn[PPT_MAX_DEST][PPT_STR];
    size_t n_dest_tn;
    size_t n_dest_uri;
    char div_tn[PPT_STR];   /* div PASSporT (RFC 8946) */
    char rcd_nam[PPT_STR];  /* rcd PASSporT (RFC 9795) display name */

    /* for the verifier: exact bytes as transmitted */
    struct slice signing_input; /* "b64(header).b64(claims)", points into the token */
    uint8_t sig[PPT_SIG_MAX];
    size_t sig_len;             /* real decoded length (may exceed PPT_SIG_MAX: then sig is unset) */
};

/* Decode token (with the parameters of its Identity header, or NULL for a bare JWS). */
enum ppt_result passport_decode(struct slice token, const struct ident_value *iv, struct passport *out);

/* interface.md label of a decode result: "bad-format", "unsupported-alg" or "" for OK. */
const char *passport_result_label(enum ppt_result r);

/* chain_id of a token: lowercase hex of the first 8 bytes of SHA-256 over the compact
 * JWS exactly as on the wire. hex must hold 17 bytes. */
void passport_fingerprint(struct slice token, char *hex);

/* Comma-free, stable text of the warning bits ("dest-tn-string;origid-not-uuid"). */
void passport_warnings_str(unsigned w, char *buf, size_t cap);

#endif
