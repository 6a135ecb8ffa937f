/* summary: IPv4 / IPv6 header decoding (extension headers walked, fragments recognised). */
#ifndef STIRPROBE_IP_H
#define STIRPROBE_IP_H

#include <stdbool.h>

#include "common/slice.h"
#include "probe/packet.h"

enum ip_status {
    IP_OK = 0,
    IP_MALFORMED,  /* bad version, header length, total length */
    IP_TRUNCATED,  /* the capture holds less than the header says (snaplen) */
    IP_FRAGMENT,   /* a non-first or non-last fragment: payload is not a whole datagram */
    IP_NO_PAYLOAD, /* IPv6 "no next header", ESP, or a header chain we do not walk */
};

struct ip_out {
    struct ipaddr src, dst;
    uint8_t proto;       /* upper-layer protocol after extension headers */
    struct slice payload;
    /* fragment identity when IP_FRAGMENT is returned (for the reassembler) */
    uint32_t frag_id;
    uint32_t frag_offset; /* bytes */
    bool frag_more;
};

/* p points at the IP header; version is 4 or 6 as told by the link layer. */
enum ip_status ip_decode(int version, const uint8_t *p, size_t len, struct ip_out *out);

#endif
