/* summary: SIP header field helpers — CSeq, Via branch, name-addr, telephone numbers, verstat.
 *
 * All functions read slices into the message and write only to caller buffers. */
#ifndef STIRPROBE_SIP_FIELDS_H
#define STIRPROBE_SIP_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/slice.h"

#define TN_MAX 32 /* canonical TN buffer: E.164 is 15 digits; room for prefixes and NUL */

/* CSeq: "314159 INVITE". */
bool sip_cseq(struct slice value, uint32_t *num, struct slice *method);

/* Value of the branch parameter of the first Via in value (empty slice if none). */
struct slice sip_via_branch(struct slice value);

/* One name-addr or addr-spec from a comma-separated header value (From, To, PAI):
 * uri is the URI without angle brackets; params are the header parameters after it
 * (";tag=..."). *rest is what follows the next top-level comma (empty at the end).
 * Returns false when nothing URI-like is found. */
bool sip_addr_next(struct slice value, struct slice *uri, struct slice *params, struct slice *rest);

/* RFC 8224 §8.3 canonical form of a telephone number string: visual separators
 * "-", ".", "(", ")" and spaces removed, a leading "+" dropped; the result must be
 * ASCII digits only. Returns the number of digits written (NUL-terminated), or 0
 * when s is not a telephone number or does not fit in cap. */
size_t tn_canon(struct slice s, char *out, size_t cap);

/* Canonical TN of a tel:, sip: or sips: URI (user part, URI parameters dropped,
 * %-escapes decoded), or 0. A sip: user of digits counts as a TN even without
 * user=phone, as carriers commonly send them so (RFC 8224 §8.1 local policy). */
size_t sip_uri_tn(struct slice uri, char *out, size_t cap);

/* The verstat parameter (3GPP TS 24.229 §7.2A.20) anywhere in a From/PAI value:
 * in the user part, as a URI parameter or as a header parameter. */
bool sip_verstat(struct slice value, struct slice *verstat);

/* One reason-value of a Reason header (RFC 3326; STIR protocol, RFC 8224 §13.2):
 * "STIR ;cause=436 ;text=\"Bad Identity Info\"". protocol is the token before the
 * parameters, cause the numeric cause (-1 when absent or not a number), text the
 * text parameter without its quotes. *rest is what follows the next comma outside
 * a quoted string. Returns false when value holds no protocol token. */
struct sip_reason {
    struct slice protocol;
    int cause;
    struct slice text;
};
bool sip_reason_next(struct slice value, struct sip_reason *r, struct slice *rest);

#endif
