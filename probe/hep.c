/* summary: HEP3 encode/decode and HEP1/HEP2 decode, bounds-checked and zero-copy. */
#include "probe/hep.h"

#include <string.h>
#include <zlib.h>

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static void set_addr(struct ipaddr *a, int version, const uint8_t *p)
{
    memset(a, 0, sizeof *a);
    a->version = (uint8_t)version;
    memcpy(a->a, p, version == 4 ? 4 : 16);
}

/* ---- HEP1 / HEP2 -------------------------------------------------------------------
 *
 *   0 version (1|2) | 1 header length | 2 family (2|10) | 3 IP protocol |
 *   4 source port (BE) | 6 destination port (BE) | addresses (4+4 or 16+16) |
 *   HEP2 only: seconds (u32) | microseconds (u32) | capture id (u16) | 2 bytes padding |
 *   payload to the end of the datagram
 *
 * These versions were defined as C structs copied to the wire: the time header is
 * the 12-byte padded struct, and its fields are in the sender's byte order. Every
 * known sender (Kamailio, OpenSIPS, captagent, FreeSWITCH, sngrep) runs on
 * little-endian machines, so they are read little-endian. The header length byte is
 * not used: the layout follows from the family, and some senders (sngrep) fill the
 * byte wrongly. The payload runs to the end of the datagram (there is no total length). */
static enum hep_rc decode_v12(const uint8_t *p, size_t len, struct hep_msg *m, const char **why)
{
    if (len < 4) {
        *why = "HEP1/2 header cut short";
        return HEP_TRUNCATED;
    }
    int version = p[2] == HEP_AF_INET ? 4 : p[2] == HEP_AF_INET6 ? 6 : 0;
    if (!version) {
        *why = "HEP1/2 address family is neither 2 (IPv4) nor 10 (IPv6)";
        return HEP_MALFORMED;
    }
    size_t alen = version == 4 ? 4 : 16;
    size_t hdr = 8 + 2 * alen + (p[0] == 2 ? 12 : 0);
    if (len < hdr) {
        *why = "HEP1/2 header cut short";
        return HEP_TRUNCATED;
    }
    m->version = p[0];
    m->len = (uint32_t)len;
    m->has_ip = true;
    set_addr(&m->src, version, p + 8);
    set_addr(&m->dst, version, p + 8 + alen);
    m->has_proto = true;
    m->ip_proto = p[3];
    m->has_ports = true;
    m->sport = be16(p + 4);
    m->dport = be16(p + 6);
    if (p[0] == 2) {
        const uint8_t *t = p + 8 + 2 * alen;
        m->ts_sec = le32(t);
        m->ts_usec = le32(t + 4);
        if (m->ts_usec >= 1000000) {
            *why = "HEP2 microseconds not below 1000000";
            return HEP_MALFORMED;
        }
        m->has_ts = true;
        m->has_capture_id = true;
        m->capture_id = (uint32_t)(t[8] | t[9] << 8);
    }
    /* HEP1/2 carry SIP only (there is no payload type field). */
    m->has_proto_type = true;
    m->proto_type = HEP_PROTO_SIP;
    m->payload = slice_make(p + hdr, len - hdr);
    return HEP_OK;
}

/* ---- HEP3 ----------------------------------------------------------------------------- */

long hep3_frame_len(const uint8_t *p, size_t len)
{
    if (len < HEP3_HEADER_LEN)
        return len && memcmp(p, "HEP3", len < 4 ? len : 4) != 0 ? -1 : 0;
    if (memcmp(p, "HEP3", 4) != 0)
        return -1;
    uint16_t total = be16(p + 4);
    return total < HEP3_HEADER_LEN ? -1 : (long)total;
}

/* Size a fixed-size generic chunk must have (header included), 0 for variable ones. */
static size_t fixed_size(uint16_t type)
{
    switch (type) {
    case HEP_CH_IP_FAMILY:
    case HEP_CH_IP_PROTO:
    case HEP_CH_PROTO_TYPE:
        return 7;
    case HEP_CH_SRC_PORT:
    case HEP_CH_DST_PORT:
    case HEP_CH_KEEPALIVE:
        return 8;
    case HEP_CH_IPV4_SRC:
    case HEP_CH_IPV4_DST:
    case HEP_CH_TS_SEC:
    case HEP_CH_TS_USEC:
    case HEP_CH_CAPTURE_ID:
        return 10;
    case HEP_CH_IPV6_SRC:
    case HEP_CH_IPV6_DST:
        return 22;
    default:
        return 0;
    }
}

static enum hep_rc decode_v3(const uint8_t *p, size_t len, struct hep_msg *m, const char **why)
{
    long total = hep3_frame_len(p, len);
    if (total < 0) {
        *why = "HEP3 total length below the 6-byte header";
        return HEP_MALFORMED;
    }
    if (total == 0 || (size_t)total > len) {
        *why = "HEP3 message cut short (fewer bytes than its total length)";
        return HEP_TRUNCATED;
    }
    m->version = 3;
    m->len = (uint32_t)total;
    uint8_t family = 0;
    bool have_v4src = false, have_v4dst = false, have_v6src = false, have_v6dst = false;
    uint8_t v4src[4], v4dst[4], v6src[16], v6dst[16];
    uint32_t seen = 0; /* bit per generic type 1..0x11: a repeated chunk is malformed */
    size_t off = HEP3_HEADER_LEN;
    while (off < (size_t)total) {
        size_t rem = (size_t)total - off;
        if (rem < 6) {
            *why = "HEP3 chunk header cut by the total length";
            return HEP_MALFORMED;
        }
        const uint8_t *c = p + off;
        uint16_t vendor = be16(c), type = be16(c + 2), clen = be16(c + 4);
        if (clen < 6) {
            *why = "HEP3 chunk length below the 6-byte chunk header";
            return HEP_MALFORMED;
        }
        if (clen > rem) {
            *why = "HEP3 chunk runs past the total length";
            return HEP_MALFORMED;
        }
        off += clen;
        if (vendor != 0 || type == 0 || type > HEP_CH_CORRELATION)
            continue; /* vendor chunks and generic types we do not use */
        if (seen & (1u << type)) {
            *why = "HEP3 chunk repeated in one message";
            return HEP_MALFORMED;
        }
        seen |= 1u << type;
        size_t want = fixed_size(type);
        if (want && clen != want) {
            *why = "HEP3 fixed-size chunk with a wrong length";
            return HEP_MALFORMED;
        }
        const uint8_t *v = c + 6;
        struct slice val = slice_make(v, clen - 6u);
        switch ((enum hep_chunk_type)type) {
        case HEP_CH_IP_FAMILY:
            family = v[0];
            break;
        case HEP_CH_IP_PROTO:
            m->has_proto = true;
            m->ip_proto = v[0];
            break;
        case HEP_CH_IPV4_SRC:
            memcpy(v4src, v, 4);
            have_v4src = true;
            break;
        case HEP_CH_IPV4_DST:
            memcpy(v4dst, v, 4);
            have_v4dst = true;
            break;
        case HEP_CH_IPV6_SRC:
            memcpy(v6src, v, 16);
            have_v6src = true;
            break;
        case HEP_CH_IPV6_DST:
            memcpy(v6dst, v, 16);
            have_v6dst = true;
            break;
        case HEP_CH_SRC_PORT:
            m->sport = be16(v);
            break;
        case HEP_CH_DST_PORT:
            m->dport = be16(v);
            break;
        case HEP_CH_TS_SEC:
            m->ts_sec = be32(v);
            break;
        case HEP_CH_TS_USEC:
            m->ts_usec = be32(v);
            if (m->ts_usec >= 1000000) {
                *why = "HEP3 microseconds not below 1000000";
                return HEP_MALFORMED;
            }
            break;
        case HEP_CH_PROTO_TYPE:
            m->has_proto_type = true;
            m->proto_type = v[0];
            break;
        case HEP_CH_CAPTURE_ID:
            m->has_capture_id = true;
            m->capture_id = be32(v);
            break;
        case HEP_CH_KEEPALIVE:
            break;
        case HEP_CH_AUTH_KEY:
            m->auth_key = val;
            break;
        case HEP_CH_PAYLOAD:
        case HEP_CH_PAYLOAD_Z:
            if (seen & (1u << HEP_CH_PAYLOAD) && seen & (1u << HEP_CH_PAYLOAD_Z)) {
                *why = "HEP3 message with both a plain and a compressed payload";
                return HEP_MALFORMED;
            }
            m->payload = val;
            m->payload_compressed = type == HEP_CH_PAYLOAD_Z;
            break;
        case HEP_CH_CORRELATION:
            m->correlation_id = val;
            break;
        }
    }
    m->has_ports = (seen & (1u << HEP_CH_SRC_PORT)) && (seen & (1u << HEP_CH_DST_PORT));
    m->has_ts = (seen & (1u << HEP_CH_TS_SEC)) != 0; /* microseconds default to 0 */
    /* Addresses count only as a pair of the announced family; without a family
     * chunk, a complete pair of exactly one family is taken for what it is. */
    bool v4 = have_v4src && have_v4dst, v6 = have_v6src && have_v6dst;
    if (family == HEP_AF_INET ? v4 : family == HEP_AF_INET6 ? v6 : family == 0 && v4 != v6) {
        bool use4 = family == HEP_AF_INET || (family == 0 && v4);
        set_addr(&m->src, use4 ? 4 : 6, use4 ? v4src : v6src);
        set_addr(&m->dst, use4 ? 4 : 6, use4 ? v4dst : v6dst);
        m->has_ip = true;
    }
    return HEP_OK;
}

enum hep_rc hep_decode(const uint8_t *p, size_t len, struct hep_msg *m, const char **why)
{
    memset(m, 0, sizeof *m);
    *why = "";
    if (len == 0) {
        *why = "empty input";
        return HEP_NOT_HEP;
    }
    if (p[0] == 'H') {
        if (memcmp(p, "HEP3", len < 4 ? len : 4) != 0) {
            *why = "not HEP (neither HEP3 nor a HEP1/HEP2 version byte)";
            return HEP_NOT_HEP;
        }
        return decode_v3(p, len, m, why);
    }
    if (p[0] == 1 || p[0] == 2)
        return decode_v12(p, len, m, why);
    *why = "not HEP (neither HEP3 nor a HEP1/HEP2 version byte)";
    return HEP_NOT_HEP;
}

long hep_inflate(struct slice z, uint8_t *out, size_t cap)
{
    if (z.n == 0 || z.n > UINT32_MAX || cap > UINT32_MAX)
        return -1;
    z_stream s;
    memset(&s, 0, sizeof s);
    if (inflateInit2(&s, 15 + 32) != Z_OK) /* 15+32: zlib or gzip header, detected */
        return -1;
    s.next_in = (Bytef *)(uintptr_t)z.p; /* zlib's API is not const-correct; it only reads */
    s.avail_in = (uInt)z.n;
    s.next_out = out;
    s.avail_out = (uInt)cap;
    int rc = inflate(&s, Z_FINISH);
    long n = (long)s.total_out;
    inflateEnd(&s);
    return rc == Z_STREAM_END ? n : -1;
}

/* ---- HEP3 encoder ------------------------------------------------------------------- */

struct wbuf {
    uint8_t *p;
    size_t cap, n;
    bool overflow;
};

static uint8_t *chunk(struct wbuf *w, uint16_t type, size_t vlen)
{
    size_t clen = 6 + vlen;
    if (w->overflow || clen > 0xFFFF || w->cap - w->n < clen) {
        w->overflow = true;
        return NULL;
    }
    uint8_t *c = w->p + w->n;
    c[0] = 0;
    c[1] = 0;
    c[2] = (uint8_t)(type >> 8);
    c[3] = (uint8_t)type;
    c[4] = (uint8_t)(clen >> 8);
    c[5] = (uint8_t)clen;
    w->n += clen;
    return c + 6;
}

static void put_u8(struct wbuf *w, uint16_t type, uint8_t v)
{
    uint8_t *d = chunk(w, type, 1);
    if (d)
        d[0] = v;
}

static void put_u16(struct wbuf *w, uint16_t type, uint16_t v)
{
    uint8_t *d = chunk(w, type, 2);
    if (d) {
        d[0] = (uint8_t)(v >> 8);
        d[1] = (uint8_t)v;
    }
}

static void put_u32(struct wbuf *w, uint16_t type, uint32_t v)
{
    uint8_t *d = chunk(w, type, 4);
    if (d) {
        d[0] = (uint8_t)(v >> 24);
        d[1] = (uint8_t)(v >> 16);
        d[2] = (uint8_t)(v >> 8);
        d[3] = (uint8_t)v;
    }
}

static void put_bytes(struct wbuf *w, uint16_t type, struct slice s)
{
    uint8_t *d = chunk(w, type, s.n);
    if (d && s.n)
        memcpy(d, s.p, s.n);
}

size_t hep3_encode(const struct hep_msg *m, uint8_t *out, size_t cap)
{
    if (cap < HEP3_HEADER_LEN || m->payload_compressed)
        return 0;
    struct wbuf w = { .p = out, .cap = cap > HEP3_MAX_LEN ? HEP3_MAX_LEN : cap, .n = HEP3_HEADER_LEN };
    memcpy(out, "HEP3", 4);
    if (m->has_ip) {
        bool v4 = m->src.version == 4;
        put_u8(&w, HEP_CH_IP_FAMILY, v4 ? HEP_AF_INET : HEP_AF_INET6);
        if (m->has_proto)
            put_u8(&w, HEP_CH_IP_PROTO, m->ip_proto);
        put_bytes(&w, v4 ? HEP_CH_IPV4_SRC : HEP_CH_IPV6_SRC, slice_make(m->src.a, v4 ? 4 : 16));
        put_bytes(&w, v4 ? HEP_CH_IPV4_DST : HEP_CH_IPV6_DST, slice_make(m->dst.a, v4 ? 4 : 16));
    } else if (m->has_proto) {
        put_u8(&w, HEP_CH_IP_PROTO, m->ip_proto);
    }
    if (m->has_ports) {
        put_u16(&w, HEP_CH_SRC_PORT, m->sport);
        put_u16(&w, HEP_CH_DST_PORT, m->dport);
    }
    if (m->has_ts) {
        put_u32(&w, HEP_CH_TS_SEC, m->ts_sec);
        put_u32(&w, HEP_CH_TS_USEC, m->ts_usec);
    }
    if (m->has_proto_type)
        put_u8(&w, HEP_CH_PROTO_TYPE, m->proto_type);
    if (m->has_capture_id)
        put_u32(&w, HEP_CH_CAPTURE_ID, m->capture_id);
    if (m->auth_key.n)
        put_bytes(&w, HEP_CH_AUTH_KEY, m->auth_key);
    if (m->payload.p)
        put_bytes(&w, HEP_CH_PAYLOAD, m->payload);
    if (m->correlation_id.n)
        put_bytes(&w, HEP_CH_CORRELATION, m->correlation_id);
    if (w.overflow)
        return 0;
    out[4] = (uint8_t)(w.n >> 8);
    out[5] = (uint8_t)w.n;
    return w.n;
}
