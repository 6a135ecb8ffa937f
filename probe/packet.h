/* summary: what the capture layer hands upward — addresses, flows and payload units (pdu). */
#ifndef STIRPROBE_PACKET_H
#define STIRPROBE_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ptime.h"

#define IPPROTO_UDP_ 17
#define IPPROTO_TCP_ 6

struct ipaddr {
    uint8_t version; /* 4 or 6 */
    uint8_t a[16];   /* IPv4 in the first 4 bytes */
};

struct flow {
    struct ipaddr src, dst;
    uint16_t sport, dport;
    uint8_t proto; /* IPPROTO_UDP_ or IPPROTO_TCP_ */
};

enum pdu_flags {
    PDU_STREAM = 1 << 0, /* bytes of a reassembled TCP direction, not one datagram */
    PDU_EOF = 1 << 1,    /* the stream ends here (FIN, RST, eviction, end of input) */
    PDU_IP_REASSEMBLED = 1 << 2, /* a UDP datagram rebuilt from IP fragments (earlier frames) */
};

/* One unit of transport payload: a UDP datagram, or all not-yet-consumed bytes of
 * one TCP direction in sequence order. `data` is only valid during the callback. */
struct pdu {
    struct ptime ts;   /* time of the packet that completed this data */
    uint64_t frame;    /* 1-based frame number in the input */
    struct flow flow;
    const uint8_t *data;
    size_t len;
    unsigned flags;
};

/* Text form of an address (inet_ntop; RFC 5952 for IPv6). buf: at least 46 bytes. */
void ipaddr_str(const struct ipaddr *a, char *buf, size_t cap);

#endif
