/* summary: libFuzzer target for passport_decode of raw bytes as a compact JWS, bare and
 * with synthetic Identity parameters (shaken and div), plus the fingerprint.
 *
 * When the input holds a NUL byte it is also read as "HEADER-JSON \0 CLAIMS-JSON": both
 * are base64url-encoded into a token with a 64-byte signature, so the JOSE header and
 * claims checks see mutated JSON directly instead of mutated base64. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoders/b64url.h"
#include "decoders/identity.h"
#include "decoders/passport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                                   \
    do {                                                                                             \
        if (!(c)) {                                                                                  \
            fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c, __FILE__, __LINE__);               \
            abort();                                                                                 \
        }                                                                                            \
    } while (0)

static volatile uint8_t sink_byte; /* reads the fuzzer cannot optimise away */

static struct passport pp;

static void check(enum ppt_result r, const uint8_t *data, size_t size)
{
    REQUIRE(r == pp.result && pp.detail != NULL);
    REQUIRE((r == PPT_OK) == (pp.detail[0] == '\0'));
    REQUIRE(strlen(pp.x5u) < sizeof pp.x5u && strlen(pp.ppt) < sizeof pp.ppt);
    REQUIRE(strlen(pp.alg) < sizeof pp.alg && strlen(pp.attest) < sizeof pp.attest);
    REQUIRE(strlen(pp.origid) < sizeof pp.origid && strlen(pp.orig_tn) < sizeof pp.orig_tn);
    REQUIRE(pp.n_dest_tn <= PPT_MAX_DEST);
    struct slice si = pp.signing_input;
    if (si.n) {
        REQUIRE(si.p == data && si.n < size && data[si.n] == '.');
                for (size_t i = 0; i < si.n; i++)
            sink_byte ^= si.p[i];
    }
    if (r == PPT_OK) {
        REQUIRE(pp.json_decoded && pp.has_iat && strcmp(pp.alg, "ES256") == 0);
        REQUIRE(pp.sig_len > 0);
    }
    if (!strcmp(pp.ppt, "shaken") && r == PPT_OK)
        REQUIRE(!strcmp(pp.attest, "A") || !strcmp(pp.attest, "B") || !strcmp(pp.attest, "C"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct slice tok = { data, size };
    check(passport_decode(tok, NULL, &pp), data, size);

    static const char info[] = "https://cert.example.org/passport.cer";
    struct ident_value iv;
    memset(&iv, 0, sizeof iv);
    iv.token = tok;
    iv.info = slice_cstr(info);
    iv.alg = slice_cstr("ES256");
    iv.ppt = slice_cstr("shaken");
    check(passport_decode(tok, &iv, &pp), data, size);
    iv.ppt = slice_cstr("div");
    iv.alg = slice_make("", 0);
    check(passport_decode(tok, &iv, &pp), data, size);
    iv.flags = IDENT_NO_INFO;
    iv.info = slice_make("", 0);
    enum ppt_result r = passport_decode(tok, &iv, &pp);
    check(r, data, size);
    REQUIRE(r != PPT_OK);

    const uint8_t *nul = memchr(data, 0, size);
    if (nul) {
        size_t hn = (size_t)(nul - data), cn = size - hn - 1;
        size_t cap = (hn * 4 + 2) / 3 + (cn * 4 + 2) / 3 + 2 + 86;
        char *t = malloc(cap);
        if (t) {
            static const uint8_t sig[64] = { 1, 2, 3 };
            size_t o = b64url_encode(data, hn, t, cap);
            t[o++] = '.';
            o += b64url_encode(nul + 1, cn, t + o, cap - o);
            t[o++] = '.';
            o += b64url_encode(sig, sizeof sig, t + o, cap - o);
            REQUIRE(o == cap);
            struct slice jt = { (const uint8_t *)t, o };
            iv.token = jt;
            iv.info = slice_cstr(info);
            iv.alg = slice_make("", 0);
            iv.ppt = slice_cstr("shaken");
            iv.flags = 0;
            r = passport_decode(jt, &iv, &pp);
            check(r, jt.p, jt.n);
            if (r != PPT_BAD_FORMAT)
                REQUIRE(pp.json_decoded); /* alg and ppt are judged only after the JSON */
            if (hn && cn)
                REQUIRE(!pp.compact);
            check(passport_decode(jt, NULL, &pp), jt.p, jt.n);
            free(t);
        }
    }

    char hex[17];
    passport_fingerprint(tok, hex);
    REQUIRE(strspn(hex, "0123456789abcdef") == 16 && hex[16] == '\0');
    return 0;
}
