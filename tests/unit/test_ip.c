/* summary: tests for probe/ip — IPv4 options/padding/fragments, IPv6 extension headers and fragments. */
#include <string.h>

#include "probe/ip.h"
#include "probe/packet.h"
#include "tests/unit/harness.h"

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* IPv4 header of ihl 32-bit words (options zero-filled); returns the header length. */
static size_t v4hdr(uint8_t *p, unsigned ihl, unsigned total, uint8_t proto, unsigned frag, unsigned id)
{
    memset(p, 0, ihl * 4);
    p[0] = (uint8_t)(0x40 | ihl);
    put16(p + 2, total);
    put16(p + 4, id);
    put16(p + 6, frag);
    p[8] = 64;
    p[9] = proto;
    const uint8_t src[4] = { 192, 0, 2, 1 }, dst[4] = { 198, 51, 100, 7 };
    memcpy(p + 12, src, 4);
    memcpy(p + 16, dst, 4);
    return ihl * 4;
}

static void ipv4_basic(void)
{
    uint8_t pkt[64];
    size_t h = v4hdr(pkt, 5, 28, 17, 0, 0x1234);
    memset(pkt + h, 0xAB, 8);
    struct ip_out out;
    if (!CHECK_EQ_INT(ip_decode(4, pkt, 28, &out), IP_OK))
        return;
    CHECK_EQ_INT(out.proto, 17);
    CHECK(out.payload.p == pkt + 20);
    CHECK_EQ_INT(out.payload.n, 8);
    CHECK_EQ_INT(out.src.version, 4);
    CHECK_EQ_INT(out.dst.version, 4);
    const uint8_t src[16] = { 192, 0, 2, 1 }, dst[16] = { 198, 51, 100, 7 };
    CHECK_EQ_MEM(out.src.a, 16, src, 16); /* IPv4 in the first 4 bytes, rest zero */
    CHECK_EQ_MEM(out.dst.a, 16, dst, 16);
    CHECK(!out.frag_more);
    CHECK_EQ_INT(out.frag_offset, 0);
    CHECK_EQ_INT(out.frag_id, 0x1234);

    /* DF alone is not a fragment. */
    v4hdr(pkt, 5, 28, 6, 0x4000, 1);
    CHECK_EQ_INT(ip_decode(4, pkt, 28, &out), IP_OK);
    CHECK_EQ_INT(out.proto, 6);
}

static void ipv4_options_padding(void)
{
    uint8_t pkt[80];
    /* 24-byte header (one option word). */
    size_t h = v4hdr(pkt, 6, 24 + 10, 17, 0, 0);
    memset(pkt + h, 0x55, 10);
    struct ip_out out;
    CHECK_EQ_INT(ip_decode(4, pkt, 34, &out), IP_OK);
    CHECK(out.payload.p == pkt + 24);
    CHECK_EQ_INT(out.payload.n, 10);

    /* Maximum header (60 bytes). */
    h = v4hdr(pkt, 15, 64, 17, 0, 0);
    CHECK_EQ_INT(ip_decode(4, pkt, 64, &out), IP_OK);
    CHECK(out.payload.p == pkt + 60);
    CHECK_EQ_INT(out.payload.n, 4);

    /* Ethernet padding after a short packet is cut by the total length. */
    memset(pkt, 0, sizeof pkt);
    v4hdr(pkt, 5, 28, 17, 0, 0);
    CHECK_EQ_INT(ip_decode(4, pkt, 46, &out), IP_OK);
    CHECK_EQ_INT(out.payload.n, 8);

    /* Total length 0 (TSO capture): see test_regressions.c, bug 1. */
}

static void ipv4_bad(void)
{
    uint8_t pkt[80];
    struct ip_out out;
    v4hdr(pkt, 5, 28, 17, 0, 0);
    CHECK_EQ_INT(ip_decode(4, pkt, 19, &out), IP_TRUNCATED);
    CHECK_EQ_INT(ip_decode(4, pkt, 0, &out), IP_TRUNCATED);
    CHECK_EQ_INT(ip_decode(4, pkt, 27, &out), IP_TRUNCATED); /* total > captured */

    v4hdr(pkt, 15, 60, 17, 0, 0);
    CHECK_EQ_INT(ip_decode(4, pkt, 40, &out), IP_TRUNCATED); /* options cut by snaplen */

    v4hdr(pkt, 4, 28, 17, 0, 0); /* ihl 16 bytes */
    CHECK_EQ_INT(ip_decode(4, pkt, 28, &out), IP_MALFORMED);

    v4hdr(pkt, 6, 20, 17, 0, 0); /* total shorter than the header */
    CHECK_EQ_INT(ip_decode(4, pkt, 28, &out), IP_MALFORMED);

    v4hdr(pkt, 5, 28, 17, 0, 0);
    pkt[0] = 0x65; /* version 6 in an IPv4 frame */
    CHECK_EQ_INT(ip_decode(4, pkt, 28, &out), IP_MALFORMED);

    CHECK_EQ_INT(ip_decode(5, pkt, 28, &out), IP_MALFORMED);
    CHECK_EQ_INT(ip_decode(0, pkt, 28, &out), IP_MALFORMED);
}

static void ipv4_fragments(void)
{
    uint8_t pkt[64];
    struct ip_out out;
    /* First fragment: MF, offset 0. */
    v4hdr(pkt, 5, 28, 17, 0x2000, 77);
    CHECK_EQ_INT(ip_decode(4, pkt, 28, &out), IP_FRAGMENT);
    CHECK(out.frag_more);
    CHECK_EQ_INT(out.frag_offset, 0);
    CHECK_EQ_INT(out.frag_id, 77);
    CHECK_EQ_INT(out.proto, 17);
    CHECK_EQ_INT(out.payload.n, 8);

    /* Middle fragment: MF and an offset (in 8-byte units). */
    v4hdr(pkt, 5, 28, 17, 0x2000 | 185, 77);
    CHECK_EQ_INT(ip_decode(4, pkt, 28, &out), IP_FRAGMENT);
    CHECK(out.frag_more);
    CHECK_EQ_INT(out.frag_offset, 1480);

    /* Last fragment: offset, no MF (DF bit ignored for this). */
    v4hdr(pkt, 5, 28, 17, 0x4000 | 370, 78);
    CHECK_EQ_INT(ip_decode(4, pkt, 28, &out), IP_FRAGMENT);
    CHECK(!out.frag_more);
    CHECK_EQ_INT(out.frag_offset, 2960);
    CHECK_EQ_INT(out.frag_id, 78);
}

/* IPv6 fixed header; returns 40. */
static size_t v6hdr(uint8_t *p, unsigned plen, uint8_t next)
{
    memset(p, 0, 40);
    p[0] = 0x60;
    put16(p + 4, plen);
    p[6] = next;
    p[7] = 64;
    p[8] = 0x20, p[9] = 0x01, p[10] = 0x0d, p[11] = 0xb8, p[23] = 1;
    p[24] = 0x20, p[25] = 0x01, p[26] = 0x0d, p[27] = 0xb8, p[39] = 2;
    return 40;
}

static void ipv6_basic(void)
{
    uint8_t pkt[128];
    v6hdr(pkt, 8, 17);
    memset(pkt + 40, 0x11, 8);
    struct ip_out out;
    if (!CHECK_EQ_INT(ip_decode(6, pkt, 48, &out), IP_OK))
        return;
    CHECK_EQ_INT(out.proto, 17);
    CHECK(out.payload.p == pkt + 40);
    CHECK_EQ_INT(out.payload.n, 8);
    CHECK_EQ_INT(out.src.version, 6);
    CHECK_EQ_MEM(out.src.a, 16, pkt + 8, 16);
    CHECK_EQ_MEM(out.dst.a, 16, pkt + 24, 16);

    /* Trailing bytes beyond the payload length are not payload. */
    CHECK_EQ_INT(ip_decode(6, pkt, 60, &out), IP_OK);
    CHECK_EQ_INT(out.payload.n, 8);

    /* Payload length 0 (jumbo/TSO): the frame rules. */
    v6hdr(pkt, 0, 6);
    CHECK_EQ_INT(ip_decode(6, pkt, 60, &out), IP_OK);
    CHECK_EQ_INT(out.payload.n, 20);
    CHECK_EQ_INT(out.proto, 6);
}

static void ipv6_ext_headers(void)
{
    uint8_t pkt[128];
    /* hop-by-hop (8 bytes) -> destination options (16 bytes) -> UDP */
    v6hdr(pkt, 8 + 16 + 8, 0);
    memset(pkt + 40, 0, 24);
    pkt[40] = 60; /* HBH: next = dest opts, len 0 */
    pkt[41] = 0;
    pkt[48] = 17; /* DO: next = UDP, len 1 (16 bytes) */
    pkt[49] = 1;
    memset(pkt + 64, 0x22, 8);
    struct ip_out out;
    CHECK_EQ_INT(ip_decode(6, pkt, 72, &out), IP_OK);
    CHECK_EQ_INT(out.proto, 17);
    CHECK(out.payload.p == pkt + 64);
    CHECK_EQ_INT(out.payload.n, 8);

    /* Routing header then TCP. */
    v6hdr(pkt, 8 + 20, 43);
    pkt[40] = 6;
    pkt[41] = 0;
    CHECK_EQ_INT(ip_decode(6, pkt, 68, &out), IP_OK);
    CHECK_EQ_INT(out.proto, 6);
    CHECK(out.payload.p == pkt + 48);

    /* An extension header longer than the payload. */
    v6hdr(pkt, 8, 0);
    pkt[40] = 17;
    pkt[41] = 3; /* 32 bytes */
    CHECK_EQ_INT(ip_decode(6, pkt, 48, &out), IP_MALFORMED);

    /* Fewer than 8 bytes left for an extension header. */
    v6hdr(pkt, 4, 60);
    CHECK_EQ_INT(ip_decode(6, pkt, 44, &out), IP_MALFORMED);

    /* ESP and no-next-header carry nothing we can read. */
    v6hdr(pkt, 8, 50);
    CHECK_EQ_INT(ip_decode(6, pkt, 48, &out), IP_NO_PAYLOAD);
    v6hdr(pkt, 0, 59);
    CHECK_EQ_INT(ip_decode(6, pkt, 40, &out), IP_NO_PAYLOAD);

    /* Nine chained extension headers: more than we walk. */
    v6hdr(pkt, 9 * 8 + 8, 60);
    for (int i = 0; i < 9; i++) {
        pkt[40 + i * 8] = i == 8 ? 17 : 60;
        pkt[41 + i * 8] = 0;
    }
    CHECK_EQ_INT(ip_decode(6, pkt, 40 + 9 * 8 + 8, &out), IP_NO_PAYLOAD);
}

static void ipv6_fragments(void)
{
    uint8_t pkt[128];
    struct ip_out out;
    /* First fragment: offset 0, M=1. */
    v6hdr(pkt, 8 + 16, 44);
    memset(pkt + 40, 0, 8);
    pkt[40] = 17;
    put16(pkt + 42, 0x0001);
    pkt[44] = 0xde, pkt[45] = 0xad, pkt[46] = 0xbe, pkt[47] = 0xef;
    CHECK_EQ_INT(ip_decode(6, pkt, 64, &out), IP_FRAGMENT);
    CHECK(out.frag_more);
    CHECK_EQ_INT(out.frag_offset, 0);
    CHECK_EQ_INT(out.frag_id, 0xdeadbeef);
    CHECK_EQ_INT(out.proto, 17);
    CHECK(out.payload.p == pkt + 48);
    CHECK_EQ_INT(out.payload.n, 16);

    /* Non-first, last fragment: offset 1448, M=0. */
    put16(pkt + 42, 1448);
    CHECK_EQ_INT(ip_decode(6, pkt, 64, &out), IP_FRAGMENT);
    CHECK(!out.frag_more);
    CHECK_EQ_INT(out.frag_offset, 1448);

    /* Atomic fragment (offset 0, M=0): a whole datagram (RFC 6946). */
    put16(pkt + 42, 0);
    CHECK_EQ_INT(ip_decode(6, pkt, 64, &out), IP_OK);
    CHECK_EQ_INT(out.proto, 17);
    CHECK(out.payload.p == pkt + 48);
    CHECK_EQ_INT(out.payload.n, 16);
    CHECK(!out.frag_more);

    /* Fragment header after a hop-by-hop header. */
    v6hdr(pkt, 8 + 8 + 8, 0);
    memset(pkt + 40, 0, 16);
    pkt[40] = 44;
    pkt[48] = 17;
    put16(pkt + 50, 0x0001);
    CHECK_EQ_INT(ip_decode(6, pkt, 64, &out), IP_FRAGMENT);
    CHECK(out.payload.p == pkt + 56);
}

static void ipv6_bad(void)
{
    uint8_t pkt[64];
    struct ip_out out;
    v6hdr(pkt, 8, 17);
    CHECK_EQ_INT(ip_decode(6, pkt, 39, &out), IP_TRUNCATED);
    CHECK_EQ_INT(ip_decode(6, pkt, 47, &out), IP_TRUNCATED); /* payload length > captured */
    pkt[0] = 0x45;
    CHECK_EQ_INT(ip_decode(6, pkt, 48, &out), IP_MALFORMED);
}

/* ipaddr_str formats IPv4 by hand: every digit count, and the same text as inet_ntop. */
static void ipaddr_text(void)
{
    static const struct {
        uint8_t a[4];
        const char *text;
    } v4[] = {
        { { 0, 0, 0, 0 }, "0.0.0.0" },         { { 255, 255, 255, 255 }, "255.255.255.255" },
        { { 10, 0, 100, 9 }, "10.0.100.9" },   { { 127, 0, 0, 1 }, "127.0.0.1" },
        { { 192, 168, 1, 200 }, "192.168.1.200" }, { { 1, 20, 199, 250 }, "1.20.199.250" },
    };
    for (size_t i = 0; i < sizeof v4 / sizeof v4[0]; i++) {
        struct ipaddr a = { .version = 4 };
        memcpy(a.a, v4[i].a, 4);
        char buf[46];
        memset(buf, 'x', sizeof buf);
        ipaddr_str(&a, buf, sizeof buf);
        CHECK_EQ_STR(buf, v4[i].text);
    }
    struct ipaddr v6 = { .version = 6, .a = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
    char buf[46];
    ipaddr_str(&v6, buf, sizeof buf);
    CHECK_EQ_STR(buf, "2001:db8::1");
}

void test_ip(void)
{
    RUN(ipaddr_text);
    RUN(ipv4_basic);
    RUN(ipv4_options_padding);
    RUN(ipv4_bad);
    RUN(ipv4_fragments);
    RUN(ipv6_basic);
    RUN(ipv6_ext_headers);
    RUN(ipv6_fragments);
    RUN(ipv6_bad);
}
