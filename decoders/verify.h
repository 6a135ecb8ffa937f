/* summary: the claim checks of PASSporT verification (RFC 8224 §6.2, ATIS-1000074 §5.3),
 * and the result labels of interface.md with their SIP response codes.
 *
 * The certificate and signature steps run before these (decoders/cert.h, es256.h);
 * what is left is pure comparison of claims with the SIP request and the packet time. */
#ifndef STIRPROBE_VERIFY_H
#define STIRPROBE_VERIFY_H

#include <stdint.h>

#include "decoders/passport.h"
#include "decoders/tnauth.h"

/* What the INVITE said, canonical per RFC 8224 §8.3 ("" when not a number). */
struct verify_sip {
    const char *pai_tn, *from_tn, *to_tn, *ruri_tn;
    int64_t packet_sec; /* the INVITE's capture time */
};

/* The other PASSporTs of the same INVITE that a claim check may lean on. */
struct verify_peers {
    const struct passport *shaken;       /* the call's shaken PASSporT, NULL when none */
    const struct passport *const *divs;  /* div PASSporTs that passed their own checks */
    size_t n_divs;
};

/* TN match, then freshness |iat - packet time| <= max_iat_age:
 *  - orig against PAI, or From when no PAI carries a number;
 *  - dest must contain the To TN (the Request-URI TN when To has none) — or, for a retargeted call (RFC 8946
 *    §5), a valid div PASSporT whose div is in this dest and whose dest is the new
 *    target vouches for the change;
 *  - a div PASSporT's dest against the Request-URI/To, its div against the shaken dest;
 *  - a number-based TNAuthList (no SPC) must cover orig.
 * Returns NULL on pass, else "tn-mismatch" or "stale" with a short cause in *detail. */
const char *verify_claims(const struct passport *pp, const struct verify_peers *peers, const struct tnauth *tn,
                          const struct verify_sip *sip, long max_iat_age, const char **detail);

/* interface.md labels in check order, and the SIP response a verifier would send. */
#define VERIFY_LABELS(X)                                                                           \
    X("no-identity", 428) X("bad-format", 438) X("unsupported-alg", 437)                          \
    X("cert-fetch-failed", 436) X("cert-invalid", 437) X("cert-expired", 437)                     \
    X("cert-untrusted", 437) X("bad-signature", 438) X("tn-mismatch", 438) X("stale", 403)        \
    X("pass", 0) X("not-verified", 0)

/* 0 when none (pass, not-verified) or unknown. */
int verify_label_sip_code(const char *label);

#endif
