/* summary: libFuzzer target for cert_chain_parse (an x5u body: PEM chain or one DER
 * certificate) and, for what parses, the leaf description and cert_check against the
 * test PKI root (tests/pki/root.pem, read once from the repository root) at times
 * around the chain's validity window. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoders/cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                                   \
    do {                                                                                             \
        if (!(c)) {                                                                                  \
            fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c, __FILE__, __LINE__);               \
            abort();                                                                                 \
        }                                                                                            \
    } while (0)

static struct cert_trust *trust;

static void check_at(const struct cert_chain *c, int64_t at)
{
    const char *detail = NULL;
    const char *label = cert_check(trust, c, at, &detail);
    REQUIRE(detail != NULL);
    if (!label) {
        const struct cert_info *ci = cert_chain_info(c);
        REQUIRE(detail[0] == '\0');
        REQUIRE(ci->has_tnauth && !ci->tnauth_error && ci->digital_signature && !ci->is_ca);
        REQUIRE(at >= ci->not_before && at <= ci->not_after);
        return;
    }
    REQUIRE(strcmp(label, "cert-invalid") == 0 || strcmp(label, "cert-expired") == 0 ||
            strcmp(label, "cert-untrusted") == 0);
    REQUIRE(detail[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    if (!init) {
        char err[256];
        trust = cert_trust_load("tests/pki/root.pem", err, sizeof err);
        init = true;
    }
    const char *why = NULL;
    struct cert_chain *c = cert_chain_parse(data, size, &why);
    if (!c) {
        REQUIRE(why != NULL);
        REQUIRE(strcmp(why, "empty") == 0 || strcmp(why, "too-big") == 0 ||
                strcmp(why, "not-a-certificate") == 0 || strcmp(why, "too-many-certs") == 0 ||
                strcmp(why, "bad-public-key") == 0 || strcmp(why, "out-of-memory") == 0);
        return 0;
    }
    REQUIRE(why == NULL);
    const struct cert_info *ci = cert_chain_info(c);
    REQUIRE(ci->chain_len >= 1 && ci->chain_len <= CERT_MAX_CHAIN);
    REQUIRE(strlen(ci->subject) < sizeof ci->subject && strlen(ci->issuer) < sizeof ci->issuer);
    REQUIRE(strlen(ci->crl_dp) < sizeof ci->crl_dp);
    REQUIRE(strlen(ci->sha256) == 64 && strspn(ci->sha256, "0123456789abcdef") == 64);
    REQUIRE(strlen(ci->tnauth_text) < sizeof ci->tnauth_text);
    if (!ci->has_tnauth)
        REQUIRE(ci->tnauth_text[0] == '\0' && !ci->tnauth_error);
    if (ci->digital_signature)
        REQUIRE(ci->has_key_usage);
    REQUIRE(cert_chain_pubkey(c) != NULL);
    int64_t lo, hi;
    cert_chain_window(c, &lo, &hi);
    REQUIRE(lo >= ci->not_before && hi <= ci->not_after);
    if (trust) {
        check_at(c, 1740830400);
        check_at(c, ci->not_before);
        check_at(c, ci->not_after);
        if (ci->not_before > INT64_MIN)
            check_at(c, ci->not_before - 1);
        if (ci->not_after < INT64_MAX)
            check_at(c, ci->not_after + 1);
    }
    cert_chain_free(c);
    return 0;
}
