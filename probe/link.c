/* summary: Ethernet/802.1Q/QinQ, Linux SLL v1/v2, raw IP, BSD NULL/LOOP decoding.
 *
 * Formats: IEEE 802.3 / 802.1Q; tcpdump.org linktypes LINKTYPE_LINUX_SLL (113),
 * LINKTYPE_LINUX_SLL2 (276), LINKTYPE_NULL (0), LINKTYPE_LOOP (108), LINKTYPE_RAW (101). */
#include "probe/link.h"

#define ETH_HDR 14
#define VLAN_TAG 4
#define MAX_VLAN_TAGS 4
#define SLL_HDR 16
#define SLL2_HDR 20
#define NULL_HDR 4

enum {
    DLT_NULL_ = 0,
    DLT_EN10MB_ = 1,
    DLT_RAW_ = 12,
    DLT_RAW_OPENBSD_ = 14,
    LINKTYPE_RAW_ = 101,
    DLT_LOOP_ = 108,
    DLT_LINUX_SLL_ = 113,
    DLT_IPV4_ = 228,
    DLT_IPV6_ = 229,
    DLT_LINUX_SLL2_ = 276,
};

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static enum link_status by_ethertype(uint16_t type, const uint8_t *p, size_t len, struct link_out *out)
{
    if (type == 0x0800)
        out->ip_version = 4;
    else if (type == 0x86DD)
        out->ip_version = 6;
    else
        return LINK_NOT_IP;
    out->ip = slice_make(p, len);
    return LINK_OK;
}

static int is_vlan_tpid(uint16_t t)
{
    return t == 0x8100 || t == 0x88A8 || t == 0x9100 || t == 0x9200;
}

enum link_status link_decode_ether(const uint8_t *p, size_t len, struct link_out *out)
{
    if (len < ETH_HDR)
        return LINK_TRUNCATED;
    size_t off = 12;
    uint16_t type = be16(p + off);
    off += 2;
    for (int tags = 0; is_vlan_tpid(type); tags++) {
        if (tags == MAX_VLAN_TAGS)
            return LINK_NOT_IP;
        if (len - off < VLAN_TAG)
            return LINK_TRUNCATED;
        type = be16(p + off + 2);
        off += VLAN_TAG;
    }
    return by_ethertype(type, p + off, len - off, out);
}

static enum link_status by_version_nibble(const uint8_t *p, size_t len, struct link_out *out)
{
    if (len < 1)
        return LINK_TRUNCATED;
    int v = p[0] >> 4;
    if (v != 4 && v != 6)
        return LINK_NOT_IP;
    out->ip_version = v;
    out->ip = slice_make(p, len);
    return LINK_OK;
}

/* BSD address families differ by OS; 10 is Linux's AF_INET6, 24/28/30 the BSDs and Darwin. */
static enum link_status by_bsd_af(uint32_t af, const uint8_t *p, size_t len, struct link_out *out)
{
    if (af == 2)
        return by_ethertype(0x0800, p, len, out);
    if (af == 10 || af == 24 || af == 28 || af == 30)
        return by_ethertype(0x86DD, p, len, out);
    return LINK_NOT_IP;
}

enum link_status link_decode(int dlt, const uint8_t *p, size_t len, struct link_out *out)
{
    switch (dlt) {
    case DLT_EN10MB_:
        return link_decode_ether(p, len, out);
    case DLT_LINUX_SLL_:
        if (len < SLL_HDR)
            return LINK_TRUNCATED;
        return by_ethertype(be16(p + 14), p + SLL_HDR, len - SLL_HDR, out);
    case DLT_LINUX_SLL2_:
        if (len < SLL2_HDR)
            return LINK_TRUNCATED;
        return by_ethertype(be16(p), p + SLL2_HDR, len - SLL2_HDR, out);
    case DLT_RAW_:
    case DLT_RAW_OPENBSD_:
    case LINKTYPE_RAW_:
    case DLT_IPV4_:
    case DLT_IPV6_:
        return by_version_nibble(p, len, out);
    case DLT_NULL_: {
        if (len < NULL_HDR)
            return LINK_TRUNCATED;
        /* Host byte order of the capturing machine: whichever reading is small is right. */
        uint32_t le = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        uint32_t be = (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
        return by_bsd_af(le < be ? le : be, p + NULL_HDR, len - NULL_HDR, out);
    }
    case DLT_LOOP_:
        if (len < NULL_HDR)
            return LINK_TRUNCATED;
        return by_bsd_af((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3],
                         p + NULL_HDR, len - NULL_HDR, out);
    default:
        return LINK_UNSUPPORTED;
    }
}

int link_supported(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB_: case DLT_LINUX_SLL_: case DLT_LINUX_SLL2_: case DLT_RAW_: case DLT_RAW_OPENBSD_:
    case LINKTYPE_RAW_: case DLT_IPV4_: case DLT_IPV6_: case DLT_NULL_: case DLT_LOOP_:
        return 1;
    default:
        return 0;
    }
}
