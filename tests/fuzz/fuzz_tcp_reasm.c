/* summary: libFuzzer target for TCP reassembly feeding the stream-mode SIP parser.
 *
 * Input: a series of segments, each a 3-byte header then its payload:
 *   byte 0  TCP flags (FIN SYN RST PSH ACK as on the wire, bits 0-4); bits 7 and 5 pick
 *           one of four flows (three are tracked at once: eviction); bit 6 advances
 *           capture time by 40 s (idle expiry)
 *   byte 1  sequence: 0..127 = exactly the furthest byte sent so far on that flow;
 *           128..255 = that + (byte1 - 192) * 4 (retransmission, overlap, filling a
 *           hole, or a new hole: out-of-order holding)
 *   byte 2  payload length (cut to what is left of the input)
 * Caps are small so that the out-of-order caps and the total cap are reached. The
 * consumer frames SIP like the pipeline does: resynchronise on a start line when
 * asked, parse complete messages, keep the rest. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoders/sip.h"
#include "probe/l4.h"
#include "probe/tcp_reasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                                   \
    do {                                                                                             \
        if (!(c)) {                                                                                  \
            fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c, __FILE__, __LINE__);               \
            abort();                                                                                 \
        }                                                                                            \
    } while (0)

static volatile uint8_t sink_byte; /* reads the fuzzer cannot optimise away */

static struct sip_msg msg;
static size_t delivered;

static size_t consume(void *ctx, const struct pdu *pdu, bool *need_sync)
{
    (void)ctx;
    REQUIRE(pdu->flags & PDU_STREAM);
    REQUIRE(pdu->len > 0);
    for (size_t i = 0; i < pdu->len; i++) /* the whole window must be readable */
        sink_byte ^= pdu->data[i];
    delivered += pdu->len;
    bool eof = (pdu->flags & PDU_EOF) != 0;
    size_t off = 0;
    while (off < pdu->len) {
        if (*need_sync) {
            size_t s = sip_find_start(pdu->data + off, pdu->len - off);
            REQUIRE(s <= pdu->len - off);
            off += s;
            if (off == pdu->len)
                break;
            *need_sync = false;
        }
        while (off < pdu->len && (pdu->data[off] == '\r' || pdu->data[off] == '\n'))
            off++;
        if (off == pdu->len)
            break;
        enum sip_status rc = sip_parse(pdu->data + off, pdu->len - off, true, &msg);
        if (rc == SIP_OK) {
            REQUIRE(msg.len > 0 && msg.len <= pdu->len - off);
            REQUIRE(msg.body.n == 0 || msg.body.p + msg.body.n <= pdu->data + off + msg.len);
            off += msg.len;
        } else if (rc == SIP_NEED_MORE) {
            break;
        } else {
            *need_sync = true;
            const uint8_t *lf = memchr(pdu->data + off, '\n', pdu->len - off);
            off = lf ? (size_t)(lf - pdu->data) + 1 : pdu->len;
        }
    }
    return eof ? pdu->len : off;
}

static struct flow make_flow(int n)
{
    struct flow f;
    memset(&f, 0, sizeof f);
    f.src.version = f.dst.version = 4;
    f.src.a[0] = 10, f.src.a[3] = (uint8_t)(1 + n);
    f.dst.a[0] = 10, f.dst.a[3] = 100;
    f.sport = (uint16_t)(5060 + n);
    f.dport = 5060;
    f.proto = IPPROTO_TCP_;
    return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct stats st;
    memset(&st, 0, sizeof st);
    struct tcp_reasm_cfg cfg = { .max_streams = 3, .max_stream_bytes = 2048, .max_ooo_bytes = 1024,
                                 .max_ooo_segments = 8, .max_total_bytes = 6000, .idle_sec = 30 };
    struct tcp_reasm *r = tcp_reasm_new(&cfg, consume, NULL, &st);
    if (!r)
        return 0;
    uint32_t next[4] = { 1000, 900000, 0xfffff000u, 0x7ffffff0u }; /* two of them wrap */
    struct pdu seg;
    memset(&seg, 0, sizeof seg);
    seg.ts.sec = 1000;
    size_t off = 0;
    delivered = 0;
    while (size - off >= 3) {
        uint8_t fl = data[off], sq = data[off + 1];
        size_t len = data[off + 2];
        off += 3;
        if (len > size - off)
            len = size - off;
        int f = (fl >> 7) | ((fl >> 4) & 2);
        if (fl & 0x40) {
            seg.ts.sec += 40;
            tcp_reasm_expire(r, seg.ts);
        }
        uint8_t flags = fl & (TCP_FIN | TCP_SYN | TCP_RST | TCP_PSH | TCP_ACK);
        uint32_t seq = sq < 128 ? next[f] : next[f] + (uint32_t)((int)sq - 192) * 4;
        if (flags & TCP_SYN)
            seq -= 1; /* the SYN itself takes the sequence number before the data */
        seg.flow = make_flow(f);
        seg.frame++;
        tcp_reasm_segment(r, &seg, seq, flags, data + off, len);
        uint32_t end = seq + ((flags & TCP_SYN) ? 1u : 0u) + (uint32_t)len;
        if ((int32_t)(end - next[f]) > 0)
            next[f] = end;
        off += len;
        REQUIRE(tcp_reasm_buffered_bytes(r) <= cfg.max_streams * (cfg.max_stream_bytes + cfg.max_ooo_bytes));
        REQUIRE(tcp_reasm_memory(r) <= cfg.max_total_bytes);
    }
    tcp_reasm_flush(r);
    REQUIRE(tcp_reasm_buffered_bytes(r) == 0);
    REQUIRE(tcp_reasm_memory(r) == 0);
    tcp_reasm_free(r);
    return 0;
}
