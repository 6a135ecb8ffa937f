/* summary: libFuzzer target for strict base64url: decode into an exactly sized buffer; when
 * it decodes, encoding the result must give back the input byte for byte (strictness
 * means one canonical text per byte string). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoders/b64url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                                   \
    do {                                                                                             \
        if (!(c)) {                                                                                  \
            fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c, __FILE__, __LINE__);               \
            abort();                                                                                 \
        }                                                                                            \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t cap = b64url_decoded_len(size);
    uint8_t *out = malloc(cap ? cap : 1); /* exact size: ASan sees any write past it */
    if (!out)
        return 0;
    size_t n = 0;
    enum b64_status rc = b64url_decode(data, size, out, cap, &n);
    REQUIRE(rc == B64_OK || rc == B64_BAD_CHAR || rc == B64_BAD_LENGTH || rc == B64_NONZERO_PAD);
    REQUIRE((rc == B64_BAD_LENGTH) == (size % 4 == 1));
    REQUIRE(b64url_strerror(rc) != NULL);
    if (rc == B64_OK) {
        REQUIRE(n == cap);
        size_t ecap = (n * 4 + 2) / 3;
        char *enc = malloc(ecap ? ecap : 1);
        if (enc) {
            size_t m = b64url_encode(out, n, enc, ecap);
            REQUIRE(m == size);
            REQUIRE(size == 0 || memcmp(enc, data, size) == 0);
            free(enc);
        }
        /* One byte less room must be refused, not overflowed. */
        if (cap > 0) {
            size_t n2;
            REQUIRE(b64url_decode(data, size, out, cap - 1, &n2) == B64_TOO_BIG);
        }
    }
    free(out);
    return 0;
}
