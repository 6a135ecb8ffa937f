/* summary: strict base64url decoding (RFC 4648 §5, no padding) as JWS requires (RFC 7515 §2). */
#ifndef STIRPROBE_B64URL_H
#define STIRPROBE_B64URL_H

#include <stddef.h>
#include <stdint.h>

enum b64_status {
    B64_OK = 0,
    B64_BAD_CHAR,   /* outside A-Z a-z 0-9 - _ (this includes '=' padding, '+' and '/') */
    B64_BAD_LENGTH, /* length % 4 == 1 cannot encode whole bytes */
    B64_NONZERO_PAD,/* the unused low bits of the last character are not zero */
    B64_TOO_BIG,    /* output would not fit in cap */
};

/* Decoded size for n input characters (upper bound when n % 4 == 1). */
static inline size_t b64url_decoded_len(size_t n) { return n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0); }

enum b64_status b64url_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *outlen);

/* Encoding (used by tools and tests); returns characters written, no NUL. cap must be
 * at least (n * 4 + 2) / 3. */
size_t b64url_encode(const uint8_t *in, size_t n, char *out, size_t cap);

const char *b64url_strerror(enum b64_status s);

#endif
