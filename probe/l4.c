/* summary: UDP (RFC 768) and TCP (RFC 9293) header decoding; checksums are not verified
 * because captures taken on the sending host carry offloaded (unset) checksums. */
#include "probe/l4.h"

#define UDP_HDR 8
#define TCP_MIN_HDR 20

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

enum l4_status udp_decode(struct slice s, struct l4_out *out)
{
    if (s.n < UDP_HDR)
        return L4_MALFORMED;
    size_t ulen = be16(s.p + 4);
    if (ulen == 0) /* IPv6 jumbogram or offload: the IP length rules */
        ulen = s.n;
    if (ulen < UDP_HDR)
        return L4_MALFORMED;
    if (ulen > s.n)
        return L4_TRUNCATED;
    out->sport = be16(s.p);
    out->dport = be16(s.p + 2);
    out->seq = 0;
    out->flags = 0;
    out->payload = slice_make(s.p + UDP_HDR, ulen - UDP_HDR);
    return L4_OK;
}

enum l4_status tcp_decode(struct slice s, struct l4_out *out)
{
    if (s.n < TCP_MIN_HDR)
        return L4_MALFORMED;
    size_t doff = (size_t)(s.p[12] >> 4) * 4;
    if (doff < TCP_MIN_HDR)
        return L4_MALFORMED;
    if (doff > s.n)
        return L4_TRUNCATED;
    out->sport = be16(s.p);
    out->dport = be16(s.p + 2);
    out->seq = (uint32_t)s.p[4] << 24 | (uint32_t)s.p[5] << 16 | (uint32_t)s.p[6] << 8 | s.p[7];
    out->flags = s.p[13];
    out->payload = slice_make(s.p + doff, s.n - doff);
    return L4_OK;
}
