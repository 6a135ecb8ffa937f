/* summary: libFuzzer target for tnauth_parse (RFC 8226 TNAuthList DER) with invariants on
 * what a successful parse may contain, tnauth_covers on the parsed numbers, and
 * tnauth_str at every small buffer size. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoders/tnauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                                   \
    do {                                                                                             \
        if (!(c)) {                                                                                  \
            fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c, __FILE__, __LINE__);               \
            abort();                                                                                 \
        }                                                                                            \
    } while (0)

static struct tnauth t;

static bool str_ok(const char *s, bool tn)
{
    size_t n = strnlen(s, TNAUTH_STR);
    if (n == 0 || n >= TNAUTH_STR || (tn && n > 15))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (tn ? !((c >= '0' && c <= '9') || c == '#' || c == '*') : (c <= 0x20 || c >= 0x7f))
            return false;
    }
    return true;
}

static bool digits(const char *s)
{
    return *s && strspn(s, "0123456789") == strlen(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *why = tnauth_parse(data, size, &t);
    if (why) {
        static const char *const reasons[] = { "truncated", "high-tag", "bad-length", "unexpected-tag",
                                               "trailing-bytes", "not-a-sequence", "bad-tn", "bad-spc",
                                               "bad-count", "too-many-entries", "empty" };
        bool known = false;
        for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
            known |= strcmp(why, reasons[i]) == 0;
        REQUIRE(known);
        return 0;
    }
    REQUIRE(size >= 2 && data[0] == 0x30);
    size_t entries = t.n_spc + t.n_range + t.n_tn;
    REQUIRE(entries >= 1 && entries <= TNAUTH_MAX_ENTRIES);
    for (size_t i = 0; i < t.n_spc; i++)
        REQUIRE(str_ok(t.spc[i], false));
    for (size_t i = 0; i < t.n_tn; i++) {
        REQUIRE(str_ok(t.tn[i], true));
        REQUIRE(tnauth_covers(&t, t.tn[i]));
    }
    for (size_t i = 0; i < t.n_range; i++) {
        const struct tnauth_range *r = &t.range[i];
        REQUIRE(str_ok(r->start, true));
        REQUIRE(r->count >= 2);
        if (digits(r->start)) {
            REQUIRE(tnauth_covers(&t, r->start));
            /* start + 1 is in the range too when it keeps the digit count. */
            char next[TNAUTH_STR];
            snprintf(next, sizeof next, "%s", r->start);
            size_t k = strlen(next);
            while (k > 0 && next[k - 1] == '9')
                next[--k] = '0';
            if (k > 0) {
                next[k - 1]++;
                REQUIRE(tnauth_covers(&t, next));
            }
        }
    }
    REQUIRE(!tnauth_covers(&t, ""));
    REQUIRE(!tnauth_covers(&t, NULL));
    if (t.n_range == 0 && t.n_tn == 0)
        REQUIRE(!tnauth_covers(&t, "12025550100"));

    /* The text form: whole entries only, at every capacity. */
    static char full[TNAUTH_MAX_ENTRIES * (TNAUTH_STR + 32)];
    tnauth_str(&t, full, sizeof full);
    size_t flen = strlen(full);
    REQUIRE(flen > 0 && flen < sizeof full);
    char buf[128];
    for (size_t cap = 1; cap <= sizeof buf; cap++) {
        memset(buf, 0x55, sizeof buf);
        tnauth_str(&t, buf, cap);
        size_t n = strnlen(buf, cap);
        REQUIRE(n < cap);
        REQUIRE(strncmp(buf, full, n) == 0);
        REQUIRE(n == 0 || full[n] == '\0' || full[n] == ';');
        for (size_t i = cap; i < sizeof buf; i++)
            REQUIRE((unsigned char)buf[i] == 0x55);
    }
    return 0;
}
