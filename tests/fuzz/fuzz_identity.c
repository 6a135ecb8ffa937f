/* summary: libFuzzer target for Identity header values: ident_parse, then passport_decode
 * of every value found, with the value's parameters and bare. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static bool inside(struct slice s, const uint8_t *p, size_t n)
{
    return s.n == 0 || (s.p >= p && s.n <= n && s.p - p <= (ptrdiff_t)(n - s.n));
}

static struct passport pp;

static void check_pp(enum ppt_result r, struct slice token)
{
    REQUIRE(r == pp.result);
    REQUIRE(pp.detail && (r == PPT_OK) == (pp.detail[0] == '\0'));
    REQUIRE(memchr(pp.alg, 0, sizeof pp.alg) && memchr(pp.typ, 0, sizeof pp.typ));
    REQUIRE(memchr(pp.ppt, 0, sizeof pp.ppt) && memchr(pp.x5u, 0, sizeof pp.x5u));
    REQUIRE(memchr(pp.attest, 0, sizeof pp.attest) && memchr(pp.origid, 0, sizeof pp.origid));
    REQUIRE(memchr(pp.orig_tn, 0, sizeof pp.orig_tn) && memchr(pp.div_tn, 0, sizeof pp.div_tn));
    REQUIRE(pp.n_dest_tn <= PPT_MAX_DEST);
    for (size_t i = 0; i < pp.n_dest_tn; i++)
        REQUIRE(memchr(pp.dest_tn[i], 0, PPT_STR));
    REQUIRE(inside(pp.signing_input, token.p, token.n));
    if (r == PPT_OK) {
        REQUIRE(pp.json_decoded && !pp.compact);
        REQUIRE(strcmp(pp.alg, "ES256") == 0);
        REQUIRE(pp.has_iat);
    }
    if (pp.compact)
        REQUIRE(r == PPT_BAD_FORMAT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ident_value iv[IDENT_MAX_VALUES];
    size_t dropped;
    struct slice in = { data, size };
    size_t n = ident_parse(in, iv, IDENT_MAX_VALUES, &dropped);
    REQUIRE(n <= IDENT_MAX_VALUES);
    for (size_t i = 0; i < n; i++) {
        REQUIRE(inside(iv[i].token, data, size) && inside(iv[i].info, data, size));
        REQUIRE(inside(iv[i].alg, data, size) && inside(iv[i].ppt, data, size));
        REQUIRE(iv[i].token.n > 0 || (iv[i].flags & IDENT_EMPTY_TOKEN));
        check_pp(passport_decode(iv[i].token, &iv[i], &pp), iv[i].token);
        check_pp(passport_decode(iv[i].token, NULL, &pp), iv[i].token);
    }
    /* A smaller cap sees the same first values and counts the rest. */
    size_t dropped2;
    size_t n2 = ident_parse(in, iv, 1, &dropped2);
    REQUIRE(n2 == (n ? 1u : 0u));
    REQUIRE(n2 + dropped2 == n + dropped);
    return 0;
}
