/* summary: zero-copy SIP message parser (RFC 3261 §7) for datagrams and byte streams.
 *
 * The parser fills caller-owned arrays with slices into the input; it never
 * allocates and never writes to the input. Header values are left as on the wire
 * (they may contain folding CRLF+SP); the field helpers treat folding as white space. */
#ifndef STIRPROBE_SIP_H
#define STIRPROBE_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/slice.h"

#define SIP_MAX_HEADERS 128
#define SIP_MAX_HEADER_BYTES 65536 /* start line + headers; larger is not SIP we accept */

enum sip_status {
    SIP_OK = 0,
    SIP_NEED_MORE,   /* stream mode: the message is not complete yet */
    SIP_NOT_SIP,     /* the first line is not a SIP request or status line */
    SIP_MALFORMED,   /* a SIP start line, then something we cannot frame */
};

/* Headers the probe uses, recognised by full and compact names (RFC 3261 §7.3.3, RFC 8224). */
enum sip_hdr_id {
    SH_OTHER = 0,
    SH_CALL_ID,        /* Call-ID, i */
    SH_CSEQ,
    SH_VIA,            /* Via, v */
    SH_FROM,           /* From, f */
    SH_TO,             /* To, t */
    SH_PAI,            /* P-Asserted-Identity */
    SH_CONTENT_LENGTH, /* Content-Length, l */
    SH_CONTENT_TYPE,   /* Content-Type, c */
    SH_CONTACT,        /* Contact, m */
    SH_IDENTITY,       /* Identity (RFC 8224) */
    SH_IDENTITY_Y,     /* y: compact Identity */
    SH_X_IDENTITY,     /* X-Identity (vendor form, e.g. Sippy) */
    SH_DATE,
    SH_REASON,
    SH__COUNT
};

struct sip_hdr {
    struct slice name, value; /* value trimmed of outer white space */
    enum sip_hdr_id id;
};

struct sip_msg {
    bool is_request;
    struct slice method;  /* requests */
    struct slice ruri;    /* requests */
    int status;           /* responses: 100..699 */
    struct slice reason;  /* responses */
    struct sip_hdr hdrs[SIP_MAX_HEADERS];
    size_t nhdrs;
    size_t hdrs_dropped;  /* headers beyond SIP_MAX_HEADERS (counted, not indexed) */
    struct slice body;
    bool body_truncated;  /* datagram shorter than Content-Length */
    bool no_content_length;
    size_t len;           /* bytes of the message, including body */
};

/* Parse one message at the start of p.
 * stream=false (UDP): the datagram is the message; a body shorter than
 *   Content-Length is kept and flagged, extra bytes after it are ignored.
 * stream=true (TCP): framing by Content-Length (0 when absent); SIP_NEED_MORE
 *   until the whole message is present. */
enum sip_status sip_parse(const uint8_t *p, size_t len, bool stream, struct sip_msg *m);

/* Cheap content check: does p start with something shaped like a SIP start line?
 * Used to find SIP on any port and to resynchronise a stream. Needs the whole first line. */
bool sip_is_start_line(const uint8_t *p, size_t len);

/* Offset of the first plausible SIP start line at a line start in p, or len. */
size_t sip_find_start(const uint8_t *p, size_t len);

/* First header with this id, or NULL. */
const struct sip_hdr *sip_find(const struct sip_msg *m, enum sip_hdr_id id);

/* Canonical printable name of a known header id ("Identity", "y", "X-Identity", ...). */
const char *sip_hdr_name(enum sip_hdr_id id);

#endif
