/* summary: libFuzzer target for link → IP → UDP/TCP decoding, then the same frame through
 * probe_frame (tunnels, defragmentation, TCP reassembly) into a SIP-parsing sink.
 *
 * Input: byte 0 picks the link type from the supported list (values past the list pick
 * an unsupported one), the rest is the captured frame. Every slice a decoder returns is
 * read in full, so a slice that reaches past the frame is caught by ASan. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoders/sip.h"
#include "probe/ip.h"
#include "probe/l4.h"
#include "probe/link.h"
#include "probe/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                                   \
    do {                                                                                             \
        if (!(c)) {                                                                                  \
            fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c, __FILE__, __LINE__);               \
            abort();                                                                                 \
        }                                                                                            \
    } while (0)

static const int dlts[] = { 0, 1, 12, 14, 101, 108, 113, 228, 229, 276 };

static volatile uint8_t sink_byte; /* reads the fuzzer cannot optimise away */

static void touch(struct slice s)
{
    for (size_t i = 0; i < s.n; i++)
        sink_byte ^= s.p[i];
}

static bool within(struct slice s, const uint8_t *p, size_t n)
{
    return s.n == 0 || (s.p >= p && s.n <= n && s.p - p <= (ptrdiff_t)(n - s.n));
}

static struct sip_msg msg;

static size_t sink(void *ctx, const struct pdu *pdu, bool *need_sync)
{
    (void)ctx;
    if (!(pdu->flags & PDU_STREAM)) {
        if (sip_parse(pdu->data, pdu->len, false, &msg) == SIP_OK)
            REQUIRE(msg.len <= pdu->len);
        return pdu->len;
    }
    size_t off = 0;
    while (off < pdu->len) {
        if (*need_sync) {
            size_t s = sip_find_start(pdu->data + off, pdu->len - off);
            REQUIRE(s <= pdu->len - off);
            off += s;
            if (off == pdu->len)
                return (pdu->flags & PDU_EOF) ? pdu->len : off;
            *need_sync = false;
        }
        enum sip_status rc = sip_parse(pdu->data + off, pdu->len - off, true, &msg);
        if (rc == SIP_OK) {
            REQUIRE(msg.len > 0 && msg.len <= pdu->len - off);
            off += msg.len;
        } else if (rc == SIP_NEED_MORE) {
            return (pdu->flags & PDU_EOF) ? pdu->len : off;
        } else {
            *need_sync = true;
            const uint8_t *lf = memchr(pdu->data + off, '\n', pdu->len - off);
            off = lf ? (size_t)(lf - pdu->data) + 1 : pdu->len;
        }
    }
    return off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t ndlt = sizeof dlts / sizeof dlts[0];
    int dlt = data[0] < ndlt * 25 ? dlts[data[0] % ndlt] : 9999 + data[0];
    const uint8_t *frame = data + 1;
    size_t len = size - 1;

    struct link_out lo;
    enum link_status ls = link_decode(dlt, frame, len, &lo);
    REQUIRE(link_supported(dlt) || ls == LINK_UNSUPPORTED);
    if (ls == LINK_OK) {
        REQUIRE(lo.ip_version == 4 || lo.ip_version == 6);
        REQUIRE(within(lo.ip, frame, len));
        touch(lo.ip);
        struct ip_out ip;
        enum ip_status is = ip_decode(lo.ip_version, lo.ip.p, lo.ip.n, &ip);
        if (is == IP_OK || is == IP_FRAGMENT) {
            REQUIRE(within(ip.payload, lo.ip.p, lo.ip.n));
            touch(ip.payload);
        }
        if (is == IP_OK) {
            struct l4_out l4;
            if (ip.proto == 17 && udp_decode(ip.payload, &l4) == L4_OK) {
                REQUIRE(within(l4.payload, ip.payload.p, ip.payload.n));
                touch(l4.payload);
            }
            if (ip.proto == 6 && tcp_decode(ip.payload, &l4) == L4_OK) {
                REQUIRE(within(l4.payload, ip.payload.p, ip.payload.n));
                touch(l4.payload);
            }
        }
    }

    /* The whole capture-side pipeline on the same frame, twice (a retransmission, a
     * duplicate fragment), with small limits so eviction paths run too. */
    struct probe_cfg cfg;
    probe_default_cfg(&cfg);
    cfg.tcp.max_streams = 4;
    cfg.tcp.max_stream_bytes = 4096;
    cfg.tcp.max_ooo_bytes = 2048;
    cfg.tcp.max_ooo_segments = 4;
    cfg.tcp.max_total_bytes = 16384;
    cfg.defrag.max_datagrams = 4;
    cfg.defrag.max_fragments = 8;
    cfg.defrag.max_total_bytes = 65536;
    struct stats st;
    memset(&st, 0, sizeof st);
    struct probe *p = probe_new(&cfg, (struct probe_sink){ NULL, sink }, &st);
    if (!p)
        return 0;
    probe_frame(p, dlt, (struct ptime){ 1000, 0 }, 1, frame, len, len);
    probe_frame(p, dlt, (struct ptime){ 1001, 0 }, 2, frame, len, len + 1);
    probe_finish(p);
    probe_free(p);
    return 0;
}
