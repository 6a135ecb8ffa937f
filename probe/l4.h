/* summary: UDP and TCP header decoding. */
#ifndef STIRPROBE_L4_H
#define STIRPROBE_L4_H

#include <stdbool.h>
#include <stdint.h>

#include "common/slice.h"

enum l4_status {
    L4_OK = 0,
    L4_MALFORMED, /* header shorter than minimum, length field inconsistent */
    L4_TRUNCATED, /* the capture holds less than the header claims (snaplen) */
};

enum tcp_flag { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_ACK = 0x10 };

struct l4_out {
    uint16_t sport, dport;
    uint32_t seq;   /* TCP only */
    uint8_t flags;  /* TCP only */
    struct slice payload;
};

enum l4_status udp_decode(struct slice ip_payload, struct l4_out *out);
enum l4_status tcp_decode(struct slice ip_payload, struct l4_out *out);

#endif
