/* summary: tests for probe/link — Ethernet, VLAN stacks, Linux SLL v1/v2, raw IP, NULL/LOOP. */
#include <string.h>

#include "probe/link.h"
#include "tests/unit/harness.h"

/* A minimal IPv4 / IPv6 first byte plus some bytes: the link layer only looks at the
 * version nibble or the ethertype. */
static const uint8_t ip4[] = { 0x45, 0x00, 0x00, 0x1c, 1, 2, 3, 4 };
static const uint8_t ip6[] = { 0x60, 0x00, 0x00, 0x00, 5, 6, 7, 8 };

/* frame = hdr + payload; returns length. */
static size_t build(uint8_t *frame, const uint8_t *hdr, size_t hn, const uint8_t *pl, size_t pn)
{
    memcpy(frame, hdr, hn);
    memcpy(frame + hn, pl, pn);
    return hn + pn;
}

/* Expect LINK_OK with the IP bytes starting at frame+off. */
static bool expect_ok(int dlt, const uint8_t *frame, size_t len, size_t off, int version, int line)
{
    struct link_out out = { 0 };
    enum link_status rc = link_decode(dlt, frame, len, &out);
    bool ok = th_check_int(rc, LINK_OK, __FILE__, line, "link_decode status");
    ok &= th_check_int(out.ip_version, version, __FILE__, line, "ip_version");
    ok &= th_check(out.ip.p == frame + off, __FILE__, line, "ip slice starts at offset %zu", off);
    ok &= th_check_int((long long)out.ip.n, (long long)(len - off), __FILE__, line, "ip slice length");
    return ok;
}

static enum link_status status_of(int dlt, const uint8_t *frame, size_t len)
{
    struct link_out out;
    return link_decode(dlt, frame, len, &out);
}

static const uint8_t macs[12] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };

static void link_ethernet(void)
{
    uint8_t hdr[64], f[128];
    memcpy(hdr, macs, 12);
    hdr[12] = 0x08, hdr[13] = 0x00;
    size_t n = build(f, hdr, 14, ip4, sizeof ip4);
    expect_ok(1, f, n, 14, 4, __LINE__);

    hdr[12] = 0x86, hdr[13] = 0xdd;
    n = build(f, hdr, 14, ip6, sizeof ip6);
    expect_ok(1, f, n, 14, 6, __LINE__);

    /* link_decode_ether is the same decoder (used for GRE bridging). */
    struct link_out out;
    CHECK_EQ_INT(link_decode_ether(f, n, &out), LINK_OK);
    CHECK_EQ_INT(out.ip_version, 6);

    /* Header only: OK with an empty IP slice (the IP layer judges it). */
    expect_ok(1, f, 14, 14, 6, __LINE__);
}

static void link_vlan(void)
{
    uint8_t hdr[64], f[128];
    /* 802.1Q */
    memcpy(hdr, macs, 12);
    const uint8_t q[] = { 0x81, 0x00, 0x00, 0x64, 0x08, 0x00 };
    memcpy(hdr + 12, q, sizeof q);
    size_t n = build(f, hdr, 18, ip4, sizeof ip4);
    expect_ok(1, f, n, 18, 4, __LINE__);

    /* QinQ: 802.1ad outer tag, 802.1Q inner tag. */
    const uint8_t qinq[] = { 0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00, 0x00, 0x64, 0x86, 0xdd };
    memcpy(hdr + 12, qinq, sizeof qinq);
    n = build(f, hdr, 22, ip6, sizeof ip6);
    expect_ok(1, f, n, 22, 6, __LINE__);

    /* Four tags are accepted, a fifth is not followed. */
    const uint8_t four[] = { 0x88, 0xa8, 0, 1, 0x81, 0, 0, 2, 0x91, 0, 0, 3, 0x81, 0, 0, 4, 0x08, 0 };
    memcpy(hdr + 12, four, sizeof four);
    n = build(f, hdr, 12 + sizeof four, ip4, sizeof ip4);
    expect_ok(1, f, n, 30, 4, __LINE__);
    const uint8_t five[] = { 0x81, 0, 0, 1, 0x81, 0, 0, 2, 0x81, 0, 0, 3, 0x81, 0, 0, 4, 0x81, 0, 0, 5, 0x08, 0 };
    memcpy(hdr + 12, five, sizeof five);
    n = build(f, hdr, 12 + sizeof five, ip4, sizeof ip4);
    CHECK_EQ_INT(status_of(1, f, n), LINK_NOT_IP);

    /* Tag cut short. */
    memcpy(hdr + 12, q, sizeof q);
    CHECK_EQ_INT(status_of(1, hdr, 16), LINK_TRUNCATED);
    CHECK_EQ_INT(status_of(1, hdr, 17), LINK_TRUNCATED);
    /* Tag complete, nothing after it: OK with an empty IP slice. */
    expect_ok(1, hdr, 18, 18, 4, __LINE__);
}

static void link_ethernet_bad(void)
{
    uint8_t f[64];
    memcpy(f, macs, 12);
    f[12] = 0x08, f[13] = 0x06; /* ARP */
    memset(f + 14, 0, 28);
    CHECK_EQ_INT(status_of(1, f, 42), LINK_NOT_IP);
    f[12] = 0x88, f[13] = 0xcc; /* LLDP */
    CHECK_EQ_INT(status_of(1, f, 42), LINK_NOT_IP);
    CHECK_EQ_INT(status_of(1, f, 13), LINK_TRUNCATED);
    CHECK_EQ_INT(status_of(1, f, 0), LINK_TRUNCATED);
}

static void link_sll(void)
{
    uint8_t hdr[32] = { 0 }, f[64];
    /* SLL v1: packet type, ARPHRD, addr len, 8 addr bytes, protocol at 14. */
    hdr[0] = 0x00, hdr[1] = 0x00, hdr[2] = 0x00, hdr[3] = 0x01, hdr[5] = 6;
    hdr[14] = 0x08, hdr[15] = 0x00;
    size_t n = build(f, hdr, 16, ip4, sizeof ip4);
    expect_ok(113, f, n, 16, 4, __LINE__);
    hdr[14] = 0x86, hdr[15] = 0xdd;
    n = build(f, hdr, 16, ip6, sizeof ip6);
    expect_ok(113, f, n, 16, 6, __LINE__);
    CHECK_EQ_INT(status_of(113, f, 15), LINK_TRUNCATED);
    hdr[14] = 0x08, hdr[15] = 0x06;
    n = build(f, hdr, 16, ip4, sizeof ip4);
    CHECK_EQ_INT(status_of(113, f, n), LINK_NOT_IP);

    /* SLL v2: protocol at 0, 20-byte header. */
    memset(hdr, 0, sizeof hdr);
    hdr[0] = 0x86, hdr[1] = 0xdd;
    n = build(f, hdr, 20, ip6, sizeof ip6);
    expect_ok(276, f, n, 20, 6, __LINE__);
    hdr[0] = 0x08, hdr[1] = 0x00;
    n = build(f, hdr, 20, ip4, sizeof ip4);
    expect_ok(276, f, n, 20, 4, __LINE__);
    CHECK_EQ_INT(status_of(276, f, 19), LINK_TRUNCATED);
    hdr[0] = 0x08, hdr[1] = 0x06;
    n = build(f, hdr, 20, ip4, sizeof ip4);
    CHECK_EQ_INT(status_of(276, f, n), LINK_NOT_IP);
}

static void link_raw(void)
{
    static const int dlts[] = { 101, 12, 14, 228, 229 };
    for (size_t i = 0; i < sizeof dlts / sizeof dlts[0]; i++) {
        expect_ok(dlts[i], ip4, sizeof ip4, 0, 4, __LINE__);
        expect_ok(dlts[i], ip6, sizeof ip6, 0, 6, __LINE__);
        const uint8_t junk[] = { 0x12, 0x34 };
        CHECK_EQ_INT(status_of(dlts[i], junk, sizeof junk), LINK_NOT_IP);
        CHECK_EQ_INT(status_of(dlts[i], ip4, 0), LINK_TRUNCATED);
    }
}

static void link_null_loop(void)
{
    uint8_t f[64];
    /* NULL: AF in the capturing host's byte order — both readings must work. */
    const uint8_t le_inet[] = { 2, 0, 0, 0 }, be_inet[] = { 0, 0, 0, 2 };
    size_t n = build(f, le_inet, 4, ip4, sizeof ip4);
    expect_ok(0, f, n, 4, 4, __LINE__);
    n = build(f, be_inet, 4, ip4, sizeof ip4);
    expect_ok(0, f, n, 4, 4, __LINE__);
    static const uint8_t v6afs[] = { 10, 24, 28, 30 };
    for (size_t i = 0; i < sizeof v6afs; i++) {
        const uint8_t le[] = { v6afs[i], 0, 0, 0 }, be[] = { 0, 0, 0, v6afs[i] };
        n = build(f, le, 4, ip6, sizeof ip6);
        expect_ok(0, f, n, 4, 6, __LINE__);
        n = build(f, be, 4, ip6, sizeof ip6);
        expect_ok(0, f, n, 4, 6, __LINE__);
    }
    const uint8_t af_other[] = { 7, 0, 0, 0 };
    n = build(f, af_other, 4, ip4, sizeof ip4);
    CHECK_EQ_INT(status_of(0, f, n), LINK_NOT_IP);
    CHECK_EQ_INT(status_of(0, f, 3), LINK_TRUNCATED);

    /* LOOP: always network byte order. */
    n = build(f, be_inet, 4, ip4, sizeof ip4);
    expect_ok(108, f, n, 4, 4, __LINE__);
    const uint8_t be30[] = { 0, 0, 0, 30 };
    n = build(f, be30, 4, ip6, sizeof ip6);
    expect_ok(108, f, n, 4, 6, __LINE__);
    n = build(f, le_inet, 4, ip4, sizeof ip4);
    CHECK_EQ_INT(status_of(108, f, n), LINK_NOT_IP);
    CHECK_EQ_INT(status_of(108, f, 2), LINK_TRUNCATED);
}

static void link_unsupported(void)
{
    uint8_t f[64] = { 0x45 };
    CHECK_EQ_INT(status_of(105, f, sizeof f), LINK_UNSUPPORTED); /* 802.11 */
    CHECK_EQ_INT(status_of(9999, f, sizeof f), LINK_UNSUPPORTED);
    CHECK_EQ_INT(status_of(-1, f, sizeof f), LINK_UNSUPPORTED);
    static const int yes[] = { 0, 1, 12, 14, 101, 108, 113, 228, 229, 276 };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        th_check(link_supported(yes[i]) == 1, __FILE__, __LINE__, "link_supported(%d)", yes[i]);
    CHECK_EQ_INT(link_supported(105), 0);
    CHECK_EQ_INT(link_supported(9999), 0);
}

void test_link(void)
{
    RUN(link_ethernet);
    RUN(link_vlan);
    RUN(link_ethernet_bad);
    RUN(link_sll);
    RUN(link_raw);
    RUN(link_null_loop);
    RUN(link_unsupported);
}
