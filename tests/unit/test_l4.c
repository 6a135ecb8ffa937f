/* summary: tests for probe/l4 — UDP length checks and TCP data offset. */
#include <string.h>

#include "probe/l4.h"
#include "tests/unit/harness.h"

static void udp_cases(void)
{
    uint8_t d[32] = { 0x13, 0xc4, 0x13, 0xc5, 0x00, 13, 0, 0, 'h', 'e', 'l', 'l', 'o' };
    struct l4_out out;
    if (!CHECK_EQ_INT(udp_decode(slice_make(d, 13), &out), L4_OK))
        return;
    CHECK_EQ_INT(out.sport, 5060);
    CHECK_EQ_INT(out.dport, 5061);
    CHECK_SLICE_STR(out.payload, "hello");
    CHECK_EQ_INT(out.flags, 0);

    /* Length field shorter than the slice: the length field wins. */
    d[5] = 10;
    CHECK_EQ_INT(udp_decode(slice_make(d, 13), &out), L4_OK);
    CHECK_SLICE_STR(out.payload, "he");

    /* Exactly a header. */
    d[5] = 8;
    CHECK_EQ_INT(udp_decode(slice_make(d, 13), &out), L4_OK);
    CHECK_EQ_INT(out.payload.n, 0);

    /* Length 0: IPv6 jumbogram/offload, the slice rules. */
    d[5] = 0;
    CHECK_EQ_INT(udp_decode(slice_make(d, 13), &out), L4_OK);
    CHECK_SLICE_STR(out.payload, "hello");

    d[5] = 7; /* shorter than a UDP header */
    CHECK_EQ_INT(udp_decode(slice_make(d, 13), &out), L4_MALFORMED);
    d[5] = 14; /* longer than captured */
    CHECK_EQ_INT(udp_decode(slice_make(d, 13), &out), L4_TRUNCATED);
    d[4] = 1, d[5] = 0; /* 256 */
    CHECK_EQ_INT(udp_decode(slice_make(d, 13), &out), L4_TRUNCATED);
    CHECK_EQ_INT(udp_decode(slice_make(d, 7), &out), L4_MALFORMED);
    CHECK_EQ_INT(udp_decode(SLICE_NULL, &out), L4_MALFORMED);
}

static size_t tcp_hdr(uint8_t *p, unsigned doff_words, uint32_t seq, uint8_t flags)
{
    memset(p, 0, doff_words * 4);
    p[0] = 0x13, p[1] = 0xc4; /* 5060 */
    p[2] = 0xc3, p[3] = 0x50; /* 50000 */
    p[4] = (uint8_t)(seq >> 24), p[5] = (uint8_t)(seq >> 16), p[6] = (uint8_t)(seq >> 8), p[7] = (uint8_t)seq;
    p[12] = (uint8_t)(doff_words << 4);
    p[13] = flags;
    return doff_words * 4;
}

static void tcp_cases(void)
{
    uint8_t d[96];
    size_t h = tcp_hdr(d, 5, 0xfedcba98, TCP_PSH | TCP_ACK);
    memcpy(d + h, "SIP", 3);
    struct l4_out out;
    if (!CHECK_EQ_INT(tcp_decode(slice_make(d, h + 3), &out), L4_OK))
        return;
    CHECK_EQ_INT(out.sport, 5060);
    CHECK_EQ_INT(out.dport, 50000);
    CHECK_EQ_INT(out.seq, 0xfedcba98u);
    CHECK_EQ_INT(out.flags, TCP_PSH | TCP_ACK);
    CHECK_SLICE_STR(out.payload, "SIP");

    /* With 12 bytes of options the payload starts at 32. */
    h = tcp_hdr(d, 8, 1, TCP_SYN);
    memcpy(d + h, "xy", 2);
    CHECK_EQ_INT(tcp_decode(slice_make(d, h + 2), &out), L4_OK);
    CHECK(out.payload.p == d + 32);
    CHECK_SLICE_STR(out.payload, "xy");
    CHECK_EQ_INT(out.flags, TCP_SYN);

    /* Maximum data offset, no payload. */
    h = tcp_hdr(d, 15, 1, TCP_FIN);
    CHECK_EQ_INT(tcp_decode(slice_make(d, 60), &out), L4_OK);
    CHECK_EQ_INT(out.payload.n, 0);
    CHECK_EQ_INT(tcp_decode(slice_make(d, 40), &out), L4_TRUNCATED);

    tcp_hdr(d, 4, 1, 0); /* data offset below 20 bytes */
    CHECK_EQ_INT(tcp_decode(slice_make(d, 40), &out), L4_MALFORMED);
    tcp_hdr(d, 5, 1, 0);
    CHECK_EQ_INT(tcp_decode(slice_make(d, 19), &out), L4_MALFORMED);
    CHECK_EQ_INT(tcp_decode(slice_make(d, 20), &out), L4_OK);
    CHECK_EQ_INT(out.payload.n, 0);
}

void test_l4(void)
{
    RUN(udp_cases);
    RUN(tcp_cases);
}
