/* summary: regression tests for bugs found by the unit-test pass (all fixed):
 * 1. probe/ip.c ipv4(): total length 0 (TSO/GSO capture on the sending host) is meant to
 *    "trust the frame", but the `total < ihl` check runs first and returns IP_MALFORMED.
 * 2. decoders/sip.c sip_parse(): a folded continuation line of a header that was dropped
 *    because SIP_MAX_HEADERS were already indexed makes the whole message SIP_MALFORMED
 *    (cur == NULL is taken for "continuation before any header").
 * 3. decoders/sip.c sip_parse(): a header whose value starts on a continuation line
 *    ("Call-ID:\r\n abc") keeps the leading CRLF+SP in its value, although sip.h promises
 *    values "trimmed of outer white space"; the Call-ID then never matches the same
 *    Call-ID written on one line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoders/sip.h"
#include "probe/ip.h"
#include "tests/unit/harness.h"

static void bug_ipv4_total_length_zero(void)
{
    uint8_t pkt[64] = { 0 };
    pkt[0] = 0x45; /* total length (bytes 2-3) left 0 */
    pkt[8] = 64;
    pkt[9] = 17;
    struct ip_out out = { 0 };
    CHECK_EQ_INT(ip_decode(4, pkt, 50, &out), IP_OK);
    CHECK_EQ_INT(out.payload.n, 30);
}

static struct sip_msg msg;

static void bug_sip_fold_after_dropped_header(void)
{
    size_t cap = 16384, n = 0;
    char *buf = malloc(cap);
    if (!CHECK(buf != NULL))
        return;
    n += (size_t)snprintf(buf + n, cap - n, "INVITE sip:a@b SIP/2.0\r\nCall-ID: fold-cap\r\n");
    for (int i = 0; i < SIP_MAX_HEADERS; i++)
        n += (size_t)snprintf(buf + n, cap - n, "X-H%d: %d\r\n", i, i);
    /* The 130th header is folded over two lines. */
    n += (size_t)snprintf(buf + n, cap - n, "Subject: first part\r\n second part\r\nContent-Length: 0\r\n\r\n");
    if (CHECK_EQ_INT(sip_parse((const uint8_t *)buf, n, false, &msg), SIP_OK)) {
        CHECK_EQ_INT(msg.nhdrs, SIP_MAX_HEADERS);
        CHECK_EQ_INT(msg.hdrs_dropped, 3);
    }
    free(buf);
}

static void bug_sip_value_on_continuation_line(void)
{
    static const char m[] = "INVITE sip:a@b SIP/2.0\r\nCall-ID:\r\n abc@host\r\nContent-Length: 0\r\n\r\n";
    if (!CHECK_EQ_INT(sip_parse((const uint8_t *)m, strlen(m), false, &msg), SIP_OK))
        return;
    const struct sip_hdr *h = sip_find(&msg, SH_CALL_ID);
    if (CHECK(h != NULL))
        CHECK_SLICE_STR(h->value, "abc@host");
}

void test_regressions(void)
{
    RUN(bug_ipv4_total_length_zero);
    RUN(bug_sip_fold_after_dropped_header);
    RUN(bug_sip_value_on_continuation_line);
}
