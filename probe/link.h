/* summary: link-layer decoding — from a captured frame to the IP packet inside it. */
#ifndef STIRPROBE_LINK_H
#define STIRPROBE_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "common/slice.h"

enum link_status {
    LINK_OK = 0,
    LINK_UNSUPPORTED, /* link type we do not decode */
    LINK_TRUNCATED,   /* frame shorter than its own header */
    LINK_NOT_IP,      /* ARP, LLDP, ... */
};

/* IP version found (4 or 6) and the bytes from the IP header on. */
struct link_out {
    int ip_version;
    struct slice ip;
};

/* dlt: libpcap DLT_* value of the frame (also LINKTYPE_* values where they differ).
 * Handles Ethernet with any stack of 802.1Q/802.1ad tags, Linux cooked v1/v2,
 * raw IPv4/IPv6 and BSD NULL/LOOP. */
enum link_status link_decode(int dlt, const uint8_t *p, size_t len, struct link_out *out);

/* Ethernet II frame (also used for GRE transparent bridging). */
enum link_status link_decode_ether(const uint8_t *p, size_t len, struct link_out *out);

/* True when the probe knows how to decode this link type. */
int link_supported(int dlt);

#endif
