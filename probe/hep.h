/* summary: HEP (Homer Encapsulation Protocol) codec — HEP3 encode and decode, HEP1/HEP2 decode.
 *
 * HEP wraps one captured payload with the metadata of the packet that carried it
 * (addresses, ports, transport, capture time) so a capture agent can ship it to a
 * collector (Homer's heplify-server, sngrep, another stirprobe). This module is an
 * encapsulation layer only: it yields metadata and a payload slice and knows no SIP.
 *
 * Reference: sipcapture HEP3 Network Protocol Specification, rev 37 (github.com/sipcapture/HEP).
 *
 *   HEP3:  "HEP3" | total length (u16, whole message) | chunk...
 *   chunk: vendor id (u16) | type id (u16) | length (u16, header included) | value
 *
 * Every integer is big-endian. Vendor 0 holds the generic chunk types below; other
 * vendors' chunks are skipped. HEP1/HEP2 (the older fixed layout still sent by
 * Kamailio/OpenSIPS/captagent when so configured, and by sngrep with
 * eep.send.version 2) are decoded too; see hep.c for their byte order.
 *
 * Decoding is zero-copy: slices in struct hep_msg point into the input. Nothing in
 * the input is trusted: the total length and every chunk length are checked against
 * the bytes actually present, fixed-size chunks must have their exact size, and a
 * chunk repeated within one message makes the message malformed (which copy would
 * be meant is unknowable). */
#ifndef STIRPROBE_HEP_H
#define STIRPROBE_HEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/slice.h"
#include "probe/packet.h"

/* Generic chunk types (vendor 0x0000). */
enum hep_chunk_type {
    HEP_CH_IP_FAMILY = 0x0001,   /* u8: 2 = AF_INET, 10 = AF_INET6 */
    HEP_CH_IP_PROTO = 0x0002,    /* u8: IP protocol number (17 UDP, 6 TCP, ...) */
    HEP_CH_IPV4_SRC = 0x0003,
    HEP_CH_IPV4_DST = 0x0004,
    HEP_CH_IPV6_SRC = 0x0005,
    HEP_CH_IPV6_DST = 0x0006,
    HEP_CH_SRC_PORT = 0x0007,    /* u16 */
    HEP_CH_DST_PORT = 0x0008,    /* u16 */
    HEP_CH_TS_SEC = 0x0009,      /* u32: seconds since the epoch */
    HEP_CH_TS_USEC = 0x000a,     /* u32: microseconds added to it */
    HEP_CH_PROTO_TYPE = 0x000b,  /* u8: what the payload is (enum hep_proto_type) */
    HEP_CH_CAPTURE_ID = 0x000c,  /* u32: capture agent id */
    HEP_CH_KEEPALIVE = 0x000d,   /* u16: keep-alive timer */
    HEP_CH_AUTH_KEY = 0x000e,    /* octets: authentication key (a shared password) */
    HEP_CH_PAYLOAD = 0x000f,     /* octets: the captured payload */
    HEP_CH_PAYLOAD_Z = 0x0010,   /* octets: the payload, zlib/gzip-compressed */
    HEP_CH_CORRELATION = 0x0011, /* octets: correlation id (for SIP: the Call-ID) */
};

/* Payload types of chunk 0x000b that matter here (the specification lists more). */
enum hep_proto_type {
    HEP_PROTO_SIP = 1,
    HEP_PROTO_RTCP_JSON = 5,
    HEP_PROTO_LOG = 100, /* free-form log line or JSON record, shown beside the dialog in Homer */
};

#define HEP3_HEADER_LEN 6
#define HEP3_MAX_LEN 65535 /* the total length is a u16 */
#define HEP_AF_INET 2      /* address family values of chunk 0x0001 and HEP1/2 */
#define HEP_AF_INET6 10

enum hep_rc {
    HEP_OK = 0,
    HEP_NOT_HEP,   /* neither "HEP3" nor a HEP1/HEP2 version byte */
    HEP_TRUNCATED, /* fewer bytes than the message says it has */
    HEP_MALFORMED, /* framing or chunk contents inconsistent */
};

/* One decoded message. Slices point into the input. */
struct hep_msg {
    uint8_t version;        /* 1, 2 or 3 */
    uint32_t len;           /* bytes of this message in the input */
    bool has_ip;            /* family, both addresses present and consistent */
    struct ipaddr src, dst; /* version 4 or 6 */
    bool has_proto;
    uint8_t ip_proto;
    bool has_ports;
    uint16_t sport, dport;
    bool has_ts;
    uint32_t ts_sec, ts_usec; /* ts_usec < 1 000 000 when has_ts */
    bool has_proto_type;
    uint8_t proto_type;
    bool has_capture_id;
    uint32_t capture_id;
    struct slice auth_key;
    struct slice payload;    /* chunk 0x000f, or the compressed bytes of 0x0010 */
    bool payload_compressed; /* payload came from chunk 0x0010: see hep_inflate() */
    struct slice correlation_id;
};

/* Decode the message at the start of p[0..len). On HEP_OK, m->len bytes were used
 * (HEP3: its total length; HEP1/2: all of len, as they carry no total). *why names
 * the problem otherwise (a static string). */
enum hep_rc hep_decode(const uint8_t *p, size_t len, struct hep_msg *m, const char **why);

/* Stream framing (HEP3 over TCP): the length of the message starting at p, 0 when
 * fewer than 6 bytes are there yet, or -1 when p does not start a HEP3 message
 * (bad magic or a total length below the header size). */
long hep3_frame_len(const uint8_t *p, size_t len);

/* Inflate a compressed payload (zlib or gzip) into out[0..cap). Returns the
 * inflated length, or -1 when it is not valid compressed data or exceeds cap. */
long hep_inflate(struct slice z, uint8_t *out, size_t cap);

/* Encode m as HEP3 into out[0..cap): the chunks in the order of the
 * specification's example (family, protocol, addresses, ports, time, payload
 * type, capture id), then the auth key, payload and correlation id when set.
 * Chunks whose has_* flag is false are left out; m->version and m->len are
 * ignored, payload_compressed must be false. Returns the length written, 0 when
 * it does not fit in cap or in the u16 total length. */
size_t hep3_encode(const struct hep_msg *m, uint8_t *out, size_t cap);

#endif
