/* summary: one call leg (one Call-ID at this capture point) and what it carried.
 *
 * A call is created by its first INVITE; the INVITE's endpoints, telephone numbers,
 * observed verstat and every Identity header are copied out of the packet here, so
 * nothing refers to capture buffers once the packet is gone. */
#ifndef STIRPROBE_CALL_H
#define STIRPROBE_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/lhash.h"
#include "common/ptime.h"
#include "common/stats.h"
#include "decoders/passport.h"
#include "decoders/sip.h"
#include "decoders/sip_fields.h"
#include "probe/packet.h"

#define CALL_ID_MAX 256
#define CALL_MAX_IDENTS 8
#define VERSTAT_MAX 48

struct call_ident {
    enum sip_hdr_id hdr;    /* SH_IDENTITY, SH_IDENTITY_Y or SH_X_IDENTITY */
    char *jws;              /* the token as on the wire (in the same allocation) */
    size_t jws_len;
    char info[PPT_URL];     /* Identity ;info=<...> */
    char alg_param[16];
    char ppt_param[16];
    unsigned ident_flags;   /* enum ident_flags */
    struct passport pp;     /* pp.signing_input points into jws */
    char chain_id[17];      /* passport_fingerprint of jws */
    const char *verify_result; /* interface.md label; NULL = not verified */
    const char *verify_detail;
    int orig_in_cert;       /* the x5u certificate's TNAuthList lists numbers: 1 when they
                             * cover orig, 0 when not; -1 SPC only or not known */
};

struct call {
    struct lh_node node;    /* calls table: by Call-ID, LRU by last activity */
    struct call *ended_prev, *ended_next; /* list of calls that ended (linger timer) */
    bool in_ended;

    char call_id[CALL_ID_MAX];
    size_t call_id_len;
    bool call_id_truncated;

    struct ptime first_seen; /* first INVITE */
    struct ptime last_seen;
    struct flow flow;        /* addresses and ports of the first INVITE */
    char ruri_tn[TN_MAX], from_tn[TN_MAX], to_tn[TN_MAX], pai_tn[TN_MAX];
    char verstat[VERSTAT_MAX];
    bool verstat_cut;        /* longer than VERSTAT_MAX - 1, or held a NUL: stored cut */
    const char *verstat_source; /* "PAI", "From" or NULL */

    uint32_t sip_messages;
    uint32_t invite_cseq;    /* CSeq number of the latest INVITE transaction */
    int final_status;        /* 0 until a final response to an INVITE */
    bool answered;           /* a 2xx was seen: later non-2xx cannot override it */
    bool ended;              /* failed, cancelled or BYE'd: linger, then store */

    bool identities_recorded;
    struct call_ident *idents[CALL_MAX_IDENTS];
    size_t n_idents;
    int shaken;              /* index of the shaken PASSporT that decodes, else -1 */
    const char *verify_result; /* interface.md label; NULL = not verified */
    const char *verify_detail;
    int orig_in_cert;        /* signer's TNAuthList lists numbers: 1 covers orig, 0 not; -1 n/a */

    /* STIR error feedback from the far end (RFC 8224 §6.2.2, RFC 9410, ATIS-1000074):
     * the first 403-Stale/428/436/437/438 answer to the INVITE, or the first Reason
     * header carrying such a cause on any message of the dialog. */
    int stir_error;          /* 0: none seen */
    const char *stir_error_via; /* "response" | "STIR" | "SIP" (Reason protocol) */
    char stir_error_in[16];  /* status code or method of the message that carried it */
    char stir_error_text[64];
};

/* The flat per-call columns of interface.md (CSV, calls table, NDJSON), derived once. */
struct call_row {
    char first_seen[PTIME_ISO_LEN], last_seen[PTIME_ISO_LEN];
    char src_ip[64], dst_ip[64];
    const char *transport;       /* "udp" | "tcp" */
    const char *identity_header; /* NULL when unsigned */
    char ppt[CALL_MAX_IDENTS * 17];
    const struct passport *shaken; /* NULL: no decodable shaken PASSporT */
    const char *orig_tn;         /* of the shaken PASSporT (TN, else URI) */
    char dest_tn[PPT_MAX_DEST * (PPT_STR + 1) + 1];
    const char *chain_id;
    const char *verify_result;
};

void call_row_fill(const struct call *c, struct call_row *r);

/* Record endpoints, TNs and verstat of the call's first INVITE. */
void call_take_invite(struct call *c, const struct sip_msg *m, const struct pdu *pdu);

/* Copy and decode every Identity value of an INVITE (the first that carries any).
 * Returns the number of values recorded; counts into st. */
size_t call_take_identities(struct call *c, const struct sip_msg *m, struct stats *st);

/* The PASSporT whose columns describe the call: the shaken one, else the first. */
const struct call_ident *call_main_ident(const struct call *c);

/* Notes STIR error feedback carried by message m of the call (first one wins). */
void call_take_stir_feedback(struct call *c, const struct sip_msg *m, bool invite_response);

void call_free(struct call *c);

#endif
