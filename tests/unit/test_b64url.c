/* summary: tests for decoders/b64url — RFC 4648 vectors (url alphabet), round trips, strictness. */
#include <string.h>

#include "decoders/b64url.h"
#include "tests/unit/harness.h"

static enum b64_status dec(const char *in, uint8_t *out, size_t cap, size_t *n)
{
    return b64url_decode((const uint8_t *)in, strlen(in), out, cap, n);
}

static void b64_rfc4648_vectors(void)
{
    /* RFC 4648 §10, without the '=' padding that base64url (RFC 7515) omits. */
    static const struct {
        const char *plain, *enc;
    } v[] = {
        { "", "" },         { "f", "Zg" },          { "fo", "Zm8" },        { "foo", "Zm9v" },
        { "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" }, { "foobar", "Zm9vYmFy" },
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char enc[32];
        uint8_t plain[32];
        size_t n = b64url_encode((const uint8_t *)v[i].plain, strlen(v[i].plain), enc, sizeof enc);
        CHECK_EQ_MEM(enc, n, v[i].enc, strlen(v[i].enc));
        size_t m = 99;
        CHECK_EQ_INT(dec(v[i].enc, plain, sizeof plain, &m), B64_OK);
        CHECK_EQ_MEM(plain, m, v[i].plain, strlen(v[i].plain));
    }
    /* The url-safe characters: standard "+/8" and "///+" become "-_8" and "___-". */
    static const uint8_t b1[] = { 0xfb, 0xff }, b2[] = { 0xff, 0xff, 0xfe };
    char enc[8];
    size_t n = b64url_encode(b1, sizeof b1, enc, sizeof enc);
    CHECK_EQ_MEM(enc, n, "-_8", 3);
    n = b64url_encode(b2, sizeof b2, enc, sizeof enc);
    CHECK_EQ_MEM(enc, n, "___-", 4);
    uint8_t out[8];
    size_t m;
    CHECK_EQ_INT(dec("-_8", out, sizeof out, &m), B64_OK);
    CHECK_EQ_MEM(out, m, b1, sizeof b1);
    CHECK_EQ_INT(dec("___-", out, sizeof out, &m), B64_OK);
    CHECK_EQ_MEM(out, m, b2, sizeof b2);
}

static void b64_round_trips(void)
{
    uint8_t in[64], back[64];
    char enc[100];
    uint32_t x = 0x12345678;
    int ok = 0;
    for (size_t len = 0; len <= 64; len++) {
        for (size_t i = 0; i < len; i++) {
            x = x * 1103515245u + 12345u;
            in[i] = (uint8_t)(x >> 16);
        }
        size_t n = b64url_encode(in, len, enc, sizeof enc);
        size_t m = 999;
        enum b64_status rc = b64url_decode((const uint8_t *)enc, n, back, sizeof back, &m);
        bool good = n == (len * 4 + 2) / 3 && rc == B64_OK && m == len && memcmp(in, back, len) == 0 &&
                    b64url_decoded_len(n) == len && memchr(enc, '=', n) == NULL;
        th_check(good, __FILE__, __LINE__, "round trip of %zu bytes (enc %zu chars, rc %d, dec %zu)", len, n,
                 (int)rc, m);
        ok += good;
    }
    CHECK_EQ_INT(ok, 65);
}

static void b64_rejects(void)
{
    uint8_t out[64];
    size_t n;
    CHECK_EQ_INT(dec("Zg==", out, sizeof out, &n), B64_BAD_CHAR);
    CHECK_EQ_INT(dec("Zm8=", out, sizeof out, &n), B64_BAD_CHAR);
    CHECK_EQ_INT(dec("Zm9v+w", out, sizeof out, &n), B64_BAD_CHAR);
    CHECK_EQ_INT(dec("Zm9v/w", out, sizeof out, &n), B64_BAD_CHAR);
    CHECK_EQ_INT(dec("Zm 9vw", out, sizeof out, &n), B64_BAD_CHAR);
    CHECK_EQ_INT(dec("Zm9v.A", out, sizeof out, &n), B64_BAD_CHAR);
    CHECK_EQ_INT(dec("Zm9\x80", out, sizeof out, &n), B64_BAD_CHAR);
    CHECK_EQ_INT(dec("Z", out, sizeof out, &n), B64_BAD_LENGTH);
    CHECK_EQ_INT(dec("Zm9vY", out, sizeof out, &n), B64_BAD_LENGTH);
    CHECK_EQ_INT(dec("Zm9vYmFyZ", out, sizeof out, &n), B64_BAD_LENGTH);
    /* Non-zero bits after the last whole byte: "Zh" and "Zm9" are not canonical. */
    CHECK_EQ_INT(dec("Zh", out, sizeof out, &n), B64_NONZERO_PAD);
    CHECK_EQ_INT(dec("Zm9", out, sizeof out, &n), B64_NONZERO_PAD);
    CHECK_EQ_INT(dec("Zm9vYh", out, sizeof out, &n), B64_NONZERO_PAD);
    CHECK_EQ_INT(dec("Zm9vYmF", out, sizeof out, &n), B64_NONZERO_PAD);
    /* Output capacity. */
    CHECK_EQ_INT(dec("Zm9vYmFy", out, 5, &n), B64_TOO_BIG);
    CHECK_EQ_INT(dec("Zm9vYmFy", out, 6, &n), B64_OK);
    CHECK_EQ_INT(n, 6);
    CHECK_EQ_INT(dec("Zm9vYmE", out, 4, &n), B64_TOO_BIG);
    CHECK_EQ_INT(dec("Zm9vYmE", out, 5, &n), B64_OK);

    /* The encoder refuses a short buffer. */
    char enc[8];
    CHECK_EQ_INT(b64url_encode((const uint8_t *)"foobar", 6, enc, 7), 0);
    CHECK_EQ_INT(b64url_encode((const uint8_t *)"foobar", 6, enc, 8), 8);

    CHECK_EQ_INT(b64url_decoded_len(0), 0);
    CHECK_EQ_INT(b64url_decoded_len(2), 1);
    CHECK_EQ_INT(b64url_decoded_len(3), 2);
    CHECK_EQ_INT(b64url_decoded_len(4), 3);
    CHECK_EQ_INT(b64url_decoded_len(86), 64); /* an ES256 signature */

    CHECK_EQ_STR(b64url_strerror(B64_OK), "ok");
    CHECK(strcmp(b64url_strerror(B64_BAD_CHAR), b64url_strerror(B64_BAD_LENGTH)) != 0);
    CHECK(strcmp(b64url_strerror(B64_NONZERO_PAD), b64url_strerror(B64_TOO_BIG)) != 0);
}

void test_b64url(void)
{
    RUN(b64_rfc4648_vectors);
    RUN(b64_round_trips);
    RUN(b64_rejects);
}
