/* summary: claim checks (TNs, freshness) and the label → SIP code table. */
#include "decoders/verify.h"

#include <stdbool.h>
#include <string.h>

static bool has(const char *s) { return s && *s; }

static bool dest_has(const struct passport *pp, const char *tn)
{
    if (!has(tn))
        return false;
    for (size_t i = 0; i < pp->n_dest_tn; i++)
        if (strcmp(pp->dest_tn[i], tn) == 0)
            return true;
    return false;
}

static const char *mismatch(const char **detail, const char *why)
{
    *detail = why;
    return "tn-mismatch";
}

static bool to_target(const struct passport *pp, const struct verify_sip *sip)
{
    return dest_has(pp, sip->to_tn) || dest_has(pp, sip->ruri_tn);
}

/* interface.md: dest must name the To number; the Request-URI stands in only when To
 * carries no number. */
static bool called(const struct passport *pp, const struct verify_sip *sip)
{
    return has(sip->to_tn) ? dest_has(pp, sip->to_tn) : dest_has(pp, sip->ruri_tn);
}

/* RFC 8946: a div PASSporT re-addresses the call from its div (a number in our dest)
 * to its own dest (the number now in the request). */
static bool diverted(const struct passport *pp, const struct verify_peers *peers, const struct verify_sip *sip)
{
    for (size_t i = 0; i < peers->n_divs; i++) {
        const struct passport *d = peers->divs[i];
        if (d != pp && dest_has(pp, d->div_tn) && called(d, sip))
            return true;
    }
    return false;
}

const char *verify_claims(const struct passport *pp, const struct verify_peers *peers, const struct tnauth *tn,
                          const struct verify_sip *sip, long max_iat_age, const char **detail)
{
    const struct passport *shaken = peers->shaken;
    /* The caller: P-Asserted-Identity is what the originating network asserted; From
     * only stands in when no PAI carried a number (RFC 8224 §5.1). */
    const char *caller = has(sip->pai_tn) ? sip->pai_tn : sip->from_tn;
    if (!has(pp->orig_tn) || pp->orig_uri[0])
        return mismatch(detail, "orig-not-tn");
    if (!has(caller))
        return mismatch(detail, "no-caller-tn");
    if (strcmp(pp->orig_tn, caller) != 0)
        return mismatch(detail, has(sip->pai_tn) ? "orig-not-pai" : "orig-not-from");

    bool is_div = strcmp(pp->ppt, "div") == 0;
    if (is_div) {
        /* RFC 8946: the retargeted request's Request-URI is the div PASSporT's dest, and
         * its div is the number originally called — the shaken PASSporT's dest. */
        if (!to_target(pp, sip))
            return mismatch(detail, "dest-not-ruri");
        if (!has(pp->div_tn))
            return mismatch(detail, "no-div-tn");
        if (shaken && shaken != pp ? !dest_has(shaken, pp->div_tn) : strcmp(pp->div_tn, sip->to_tn) != 0)
            return mismatch(detail, "div-not-shaken-dest");
    } else if (!called(pp, sip) && !diverted(pp, peers, sip)) {
        return mismatch(detail, has(sip->to_tn) || has(sip->ruri_tn) ? "dest-not-to" : "no-called-tn");
    }

    /* A delegate certificate (RFC 9060) names numbers: it may sign only for those. A
     * SHAKEN certificate names an SPC, which says nothing about any one number. */
    if (tn && !tn->n_spc && (tn->n_range || tn->n_tn) && !tnauth_covers(tn, pp->orig_tn))
        return mismatch(detail, "orig-not-in-tnauthlist");

    /* iat is any JSON integer the signer chose: compare without signed overflow. */
    uint64_t max = max_iat_age > 0 ? (uint64_t)max_iat_age : 0;
    if (pp->iat < sip->packet_sec && (uint64_t)sip->packet_sec - (uint64_t)pp->iat > max) {
        *detail = "iat-too-old";
        return "stale";
    }
    if (pp->iat > sip->packet_sec && (uint64_t)pp->iat - (uint64_t)sip->packet_sec > max) {
        *detail = "iat-in-future";
        return "stale";
    }
    *detail = "";
    return NULL;
}

int verify_label_sip_code(const char *label)
{
    if (!label)
        return 0;
#define CODE(name, code)                                                                           \
    if (strcmp(label, name) == 0)                                                                  \
        return code;
    VERIFY_LABELS(CODE)
#undef CODE
    return 0;
}
