/* summary: IPv4 (RFC 791) and IPv6 (RFC 8200) header decoding.
 *
 * Trailing bytes beyond the IP total length (Ethernet padding) are cut off here so
 * that no upper layer ever sees them as payload. */
#include "probe/ip.h"

#include <string.h>

#define IPV4_MIN_HDR 20
#define IPV6_HDR 40
#define MAX_EXT_HEADERS 8

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static enum ip_status ipv4(const uint8_t *p, size_t len, struct ip_out *out)
{
    if (len < IPV4_MIN_HDR)
        return IP_TRUNCATED;
    if (p[0] >> 4 != 4)
        return IP_MALFORMED;
    size_t ihl = (size_t)(p[0] & 0x0f) * 4;
    size_t total = be16(p + 2);
    /* A TSO/GSO capture on the sending host can show total length 0: trust the frame. */
    if (total == 0)
        total = len;
    if (ihl < IPV4_MIN_HDR)
        return IP_MALFORMED;
    if (len < ihl)
        return IP_TRUNCATED;
    if (total < ihl)
        return IP_MALFORMED;
    if (total > len)
        return IP_TRUNCATED;
    out->src.version = out->dst.version = 4;
    memset(out->src.a, 0, sizeof out->src.a);
    memset(out->dst.a, 0, sizeof out->dst.a);
    memcpy(out->src.a, p + 12, 4);
    memcpy(out->dst.a, p + 16, 4);
    out->proto = p[9];
    out->payload = slice_make(p + ihl, total - ihl);
    uint16_t frag = be16(p + 6);
    out->frag_more = (frag & 0x2000) != 0;
    out->frag_offset = (uint32_t)(frag & 0x1fff) * 8;
    out->frag_id = be16(p + 4);
    if (out->frag_more || out->frag_offset)
        return IP_FRAGMENT;
    return IP_OK;
}

static enum ip_status ipv6(const uint8_t *p, size_t len, struct ip_out *out)
{
    if (len < IPV6_HDR)
        return IP_TRUNCATED;
    if (p[0] >> 4 != 6)
        return IP_MALFORMED;
    size_t plen = be16(p + 4);
    /* Payload length 0 with a hop-by-hop jumbo option, or a TSO capture: use the frame. */
    if (plen == 0)
        plen = len - IPV6_HDR;
    if (plen > len - IPV6_HDR)
        return IP_TRUNCATED;
    out->src.version = out->dst.version = 6;
    memcpy(out->src.a, p + 8, 16);
    memcpy(out->dst.a, p + 24, 16);
    out->frag_more = false;
    out->frag_offset = 0;
    out->frag_id = 0;

    uint8_t next = p[6];
    const uint8_t *q = p + IPV6_HDR;
    size_t left = plen;
    bool fragment = false;
    for (int i = 0; i < MAX_EXT_HEADERS; i++) {
        size_t hlen;
        switch (next) {
        case 0:  /* hop-by-hop */
        case 43: /* routing */
        case 60: /* destination options */
            if (left < 8)
                return IP_MALFORMED;
            hlen = ((size_t)q[1] + 1) * 8;
            break;
        case 51: /* AH: length in 4-octet units minus 2 */
            if (left < 8)
                return IP_MALFORMED;
            hlen = ((size_t)q[1] + 2) * 4;
            break;
        case 44: { /* fragment */
            if (left < 8)
                return IP_MALFORMED;
            uint16_t off = be16(q + 2);
            out->frag_offset = (uint32_t)(off & 0xfff8);
            out->frag_more = (off & 1) != 0;
            out->frag_id = (uint32_t)q[4] << 24 | (uint32_t)q[5] << 16 | (uint32_t)q[6] << 8 | q[7];
            /* An atomic fragment (offset 0, no more) is a whole datagram (RFC 6946). */
            fragment = out->frag_more || out->frag_offset;
            hlen = 8;
            break;
        }
        case 59: /* no next header */
        case 50: /* ESP: encrypted */
            return IP_NO_PAYLOAD;
        default:
            out->proto = next;
            out->payload = slice_make(q, left);
            return fragment ? IP_FRAGMENT : IP_OK;
        }
        if (hlen > left)
            return IP_MALFORMED;
        next = q[0];
        q += hlen;
        left -= hlen;
        if (fragment) {
            /* Later headers of a non-first fragment live in the first fragment. */
            out->proto = next;
            out->payload = slice_make(q, left);
            return IP_FRAGMENT;
        }
    }
    return IP_NO_PAYLOAD;
}

enum ip_status ip_decode(int version, const uint8_t *p, size_t len, struct ip_out *out)
{
    if (version == 4)
        return ipv4(p, len, out);
    if (version == 6)
        return ipv6(p, len, out);
    return IP_MALFORMED;
}
