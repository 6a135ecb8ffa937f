/* summary: RFC 8224 §4 Identity header values — the PASSporT token and its parameters.
 *
 *   Identity: <jws> ;info=<https://...> ;alg=ES256 ;ppt=shaken [, <jws> ;info=... ]
 *
 * The same syntax is accepted for the compact name `y` and for vendor `X-Identity`. */
#ifndef STIRPROBE_IDENTITY_H
#define STIRPROBE_IDENTITY_H

#include <stddef.h>

#include "common/slice.h"

#define IDENT_MAX_VALUES 8

enum ident_flags {
    IDENT_EMPTY_TOKEN = 1 << 0,   /* no token before the parameters */
    IDENT_NO_INFO = 1 << 1,       /* mandatory info parameter missing */
    IDENT_INFO_UNBRACKETED = 1 << 2, /* info=URI without the mandatory < > */
    IDENT_BAD_PARAM = 1 << 3,     /* a parameter without a name, or an unterminated <...> */
};

struct ident_value {
    struct slice token; /* the compact JWS, exactly as on the wire */
    struct slice info;  /* URI inside < >, empty when absent */
    struct slice alg;   /* alg parameter, empty when absent */
    struct slice ppt;   /* ppt parameter, empty when absent */
    unsigned flags;     /* enum ident_flags */
};

/* Split one header value (possibly comma-joined, possibly folded) into its Identity
 * values. Returns the number stored in out (≤ cap); *dropped counts values beyond cap. */
size_t ident_parse(struct slice value, struct ident_value *out, size_t cap, size_t *dropped);

#endif
