/* summary: tests for probe/tcp_reasm — ordering, retransmission, overlap, gaps, sync, limits.
 *
 * The consumer simulates a framing protocol: it consumes only complete "\n"-terminated
 * lines (everything at end of stream) and appends what it consumed to `out`. It records
 * the need_sync flag it was handed and clears it (as if it found a boundary). */
#include <stdio.h>
#include <string.h>

#include "probe/tcp_reasm.h"
#include "probe/l4.h"
#include "tests/unit/harness.h"

struct sink {
    char out[4096];
    size_t out_len;
    int calls;
    int sync_calls;  /* deliveries that arrived with *need_sync == true */
    int eof_calls;   /* deliveries flagged PDU_EOF */
    int stream_flag_missing;
    unsigned last_flags;
    struct flow last_flow;
    struct ptime last_ts;
    size_t last_len;
};

static size_t consume_lines(void *ctx, const struct pdu *pdu, bool *need_sync)
{
    struct sink *s = ctx;
    s->calls++;
    s->last_flags = pdu->flags;
    s->last_flow = pdu->flow;
    s->last_ts = pdu->ts;
    s->last_len = pdu->len;
    if (!(pdu->flags & PDU_STREAM))
        s->stream_flag_missing++;
    if (*need_sync) {
        s->sync_calls++;
        *need_sync = false;
    }
    size_t used = 0;
    if (pdu->flags & PDU_EOF) {
        s->eof_calls++;
        used = pdu->len;
    } else {
        for (size_t i = pdu->len; i > 0; i--)
            if (pdu->data[i - 1] == '\n') {
                used = i;
                break;
            }
    }
    if (used && s->out_len + used < sizeof s->out) {
        memcpy(s->out + s->out_len, pdu->data, used);
        s->out_len += used;
        s->out[s->out_len] = '\0';
    }
    return used;
}

static struct flow flow_n(int n)
{
    struct flow f;
    memset(&f, 0, sizeof f); /* flows are hashed as bytes: padding must be zero */
    f.src.version = f.dst.version = 4;
    f.src.a[0] = 10, f.src.a[3] = (uint8_t)n;
    f.dst.a[0] = 10, f.dst.a[3] = 200;
    f.sport = (uint16_t)(40000 + n);
    f.dport = 5060;
    f.proto = IPPROTO_TCP_;
    return f;
}

struct rig {
    struct tcp_reasm *r;
    struct stats st;
    struct sink sk;
};

static bool rig_init(struct rig *g, size_t max_streams, size_t max_bytes, uint32_t idle)
{
    memset(g, 0, sizeof *g);
    struct tcp_reasm_cfg cfg = { .max_streams = max_streams, .max_stream_bytes = max_bytes, .idle_sec = idle };
    g->r = tcp_reasm_new(&cfg, consume_lines, &g->sk, &g->st);
    return CHECK(g->r != NULL);
}

static void seg(struct rig *g, int flow, int64_t t, uint32_t seq, uint8_t flags, const char *data)
{
    struct pdu p;
    memset(&p, 0, sizeof p);
    p.ts.sec = t;
    p.frame = 1;
    p.flow = flow_n(flow);
    tcp_reasm_segment(g->r, &p, seq, flags, (const uint8_t *)data, data ? strlen(data) : 0);
}

static void reasm_in_order(void)
{
    struct rig g;
    if (!rig_init(&g, 16, 65536, 300))
        return;
    seg(&g, 1, 100, 1000, TCP_SYN, NULL);
    CHECK_EQ_INT(g.sk.calls, 0);
    CHECK_EQ_INT(g.st.v[ST_TCP_STREAMS], 1);
    seg(&g, 1, 101, 1001, TCP_ACK | TCP_PSH, "A\nB\n");
    seg(&g, 1, 102, 1005, TCP_ACK | TCP_PSH, "C\n");
    CHECK_EQ_STR(g.sk.out, "A\nB\nC\n");
    CHECK_EQ_INT(g.sk.calls, 2);
    CHECK_EQ_INT(g.sk.sync_calls, 0); /* we saw the SYN */
    CHECK_EQ_INT(g.sk.stream_flag_missing, 0);
    CHECK_EQ_INT(g.sk.eof_calls, 0);
    CHECK(g.sk.last_flow.sport == 40001 && g.sk.last_flow.dport == 5060);
    CHECK_EQ_INT(g.sk.last_ts.sec, 102);
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 0);
    CHECK_EQ_INT(g.st.v[ST_TCP_STREAMS], 1);
    tcp_reasm_free(g.r);
}

static void reasm_three_segments(void)
{
    struct rig g;
    if (!rig_init(&g, 16, 65536, 300))
        return;
    seg(&g, 1, 100, 5000, TCP_SYN, NULL);
    seg(&g, 1, 100, 5001, TCP_ACK, "INV");
    CHECK_EQ_STR(g.sk.out, "");
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 3);
    seg(&g, 1, 100, 5004, TCP_ACK, "ITE x\nfo");
    CHECK_EQ_STR(g.sk.out, "INVITE x\n");
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 2);
    CHECK_EQ_INT(g.sk.last_len, 11); /* the consumer sees buffered + new bytes together */
    seg(&g, 1, 100, 5012, TCP_ACK, "o\n");
    CHECK_EQ_STR(g.sk.out, "INVITE x\nfoo\n");
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 0);
    CHECK_EQ_INT(g.sk.calls, 3);
    tcp_reasm_free(g.r);
}

static void reasm_two_in_one(void)
{
    struct rig g;
    if (!rig_init(&g, 16, 65536, 300))
        return;
    seg(&g, 1, 100, 0, TCP_SYN, NULL);
    seg(&g, 1, 100, 1, TCP_ACK, "MSG one\nMSG two\n");
    CHECK_EQ_INT(g.sk.calls, 1);
    CHECK_EQ_STR(g.sk.out, "MSG one\nMSG two\n");
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 0);
    tcp_reasm_free(g.r);
}

static void reasm_retransmission(void)
{
    struct rig g;
    if (!rig_init(&g, 16, 65536, 300))
        return;
    seg(&g, 1, 100, 1000, TCP_SYN, NULL);
    seg(&g, 1, 100, 1001, TCP_ACK, "A\n");
    seg(&g, 1, 101, 1001, TCP_ACK, "A\n"); /* retransmitted */
    CHECK_EQ_STR(g.sk.out, "A\n");
    CHECK_EQ_INT(g.sk.calls, 1);
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_DUP_SEGMENTS], 1);
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_DUP_BYTES], 2);
    seg(&g, 1, 102, 1003, TCP_ACK, "B\n");
    CHECK_EQ_STR(g.sk.out, "A\nB\n");
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_GAP_BYTES], 0);
    CHECK_EQ_INT(g.sk.sync_calls, 0);
    tcp_reasm_free(g.r);
}

static void reasm_partial_overlap(void)
{
    struct rig g;
    if (!rig_init(&g, 16, 65536, 300))
        return;
    seg(&g, 1, 100, 1000, TCP_SYN, NULL);
    seg(&g, 1, 100, 1001, TCP_ACK, "ABC\n");
    /* Starts 2 bytes before next_seq: "C\n" is old, "DE\n" new. */
    seg(&g, 1, 100, 1003, TCP_ACK, "C\nDE\n");
    CHECK_EQ_STR(g.sk.out, "ABC\nDE\n");
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_DUP_BYTES], 2);
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_DUP_SEGMENTS], 0);
    CHECK_EQ_INT(g.sk.sync_calls, 0);
    tcp_reasm_free(g.r);
}

static void reasm_gap(void)
{
    struct rig g;
    if (!rig_init(&g, 16, 65536, 300))
        return;
    seg(&g, 1, 100, 1000, TCP_SYN, NULL);
    seg(&g, 1, 100, 1001, TCP_ACK, "A\n"); /* next 1003 */
    seg(&g, 1, 100, 1010, TCP_ACK, "X\n"); /* 7 bytes lost */
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_GAP_BYTES], 7);
    CHECK_EQ_INT(g.sk.sync_calls, 1); /* the delivery after the gap asks to resync */
    CHECK_EQ_STR(g.sk.out, "A\nX\n");

    /* A gap also discards what was buffered (it can no longer complete). */
    seg(&g, 1, 100, 1012, TCP_ACK, "PART"); /* buffered, next 1016 */
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 4);
    seg(&g, 1, 100, 1020, TCP_ACK, "Y\n"); /* 4 lost + 4 dropped */
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_GAP_BYTES], 7 + 4 + 4);
    CHECK_EQ_INT(g.sk.sync_calls, 2);
    CHECK_EQ_STR(g.sk.out, "A\nX\nY\n");
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 0);

    /* A late segment from inside the gap is old now: counted as duplicate, not delivered. */
    seg(&g, 1, 100, 1016, TCP_ACK, "LATE");
    CHECK_EQ_STR(g.sk.out, "A\nX\nY\n");
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_DUP_SEGMENTS], 1);
    tcp_reasm_free(g.r);
}

static void reasm_midstream(void)
{
    struct rig g;
    if (!rig_init(&g, 16, 65536, 300))
        return;
    seg(&g, 1, 100, 777777, TCP_ACK | TCP_PSH, "tail of something\n");
    CHECK_EQ_INT(g.st.v[ST_TCP_STREAMS], 1);
    CHECK_EQ_INT(g.sk.calls, 1);
    CHECK_EQ_INT(g.sk.sync_calls, 1);
    seg(&g, 1, 100, 777777 + 18, TCP_ACK, "next\n");
    CHECK_EQ_INT(g.sk.sync_calls, 1); /* cleared by the consumer, not set again */
    CHECK_EQ_STR(g.sk.out, "tail of something\nnext\n");
    tcp_reasm_free(g.r);
}

static void reasm_syn_then_data(void)
{
    struct rig g;
    if (!rig_init(&g, 16, 65536, 300))
        return;
    seg(&g, 1, 100, 99, TCP_SYN, NULL);
    seg(&g, 1, 100, 99, TCP_SYN, NULL); /* retransmitted SYN: same connection */
    CHECK_EQ_INT(g.st.v[ST_TCP_STREAMS], 1);
    seg(&g, 1, 100, 100, TCP_ACK, "hello\n");
    CHECK_EQ_INT(g.sk.sync_calls, 0);
    CHECK_EQ_STR(g.sk.out, "hello\n");

    /* Sequence numbers wrap around 2^32. */
    seg(&g, 2, 100, 0xfffffffeu, TCP_SYN, NULL);
    seg(&g, 2, 100, 0xffffffffu, TCP_ACK, "wr");
    seg(&g, 2, 100, 0x00000001u, TCP_ACK, "ap\n");
    CHECK_EQ_STR(g.sk.out, "hello\nwrap\n");
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_GAP_BYTES], 0);
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_DUP_BYTES], 0);

    /* A SYN with another sequence number on the same 4-tuple is a new connection. */
    seg(&g, 1, 100, 5000, TCP_SYN, NULL);
    CHECK_EQ_INT(g.st.v[ST_TCP_STREAMS], 3);
    seg(&g, 1, 100, 5001, TCP_ACK, "again\n");
    CHECK_EQ_INT(g.sk.sync_calls, 0);
    CHECK_EQ_STR(g.sk.out, "hello\nwrap\nagain\n");
    tcp_reasm_free(g.r);
}

static void reasm_fin(void)
{
    struct rig g;
    if (!rig_init(&g, 16, 65536, 300))
        return;
    seg(&g, 1, 100, 0, TCP_SYN, NULL);
    seg(&g, 1, 100, 1, TCP_ACK, "A\nrest");
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 4);
    seg(&g, 1, 101, 7, TCP_FIN | TCP_ACK, NULL);
    CHECK_EQ_INT(g.sk.eof_calls, 1);
    CHECK(g.sk.last_flags & PDU_EOF);
    CHECK(g.sk.last_flags & PDU_STREAM);
    CHECK_EQ_STR(g.sk.out, "A\nrest");
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 0);

    /* The direction is forgotten: a retransmitted FIN is ignored, new data is a new stream. */
    int calls = g.sk.calls;
    seg(&g, 1, 102, 7, TCP_FIN | TCP_ACK, NULL);
    CHECK_EQ_INT(g.sk.calls, calls);
    CHECK_EQ_INT(g.st.v[ST_TCP_STREAMS], 1);

    /* FIN carrying data: delivered, then the remainder with PDU_EOF. */
    seg(&g, 2, 103, 50, TCP_SYN, NULL);
    seg(&g, 2, 103, 51, TCP_FIN | TCP_ACK | TCP_PSH, "X\nY");
    CHECK_EQ_INT(g.sk.eof_calls, 2);
    CHECK_EQ_STR(g.sk.out, "A\nrestX\nY");

    /* RST on an unknown stream creates nothing. */
    seg(&g, 3, 104, 1, TCP_RST, NULL);
    CHECK_EQ_INT(g.st.v[ST_TCP_STREAMS], 2);
    tcp_reasm_free(g.r);
}

static void reasm_eviction(void)
{
    struct rig g;
    if (!rig_init(&g, 2, 65536, 300))
        return;
    seg(&g, 1, 100, 0, TCP_SYN, NULL);
    seg(&g, 1, 100, 1, TCP_ACK, "one"); /* buffered, no newline */
    seg(&g, 2, 101, 0, TCP_SYN, NULL);
    seg(&g, 3, 102, 0, TCP_SYN, NULL); /* evicts flow 1, the least recently used */
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_STREAM_EVICTED], 1);
    CHECK_EQ_INT(g.sk.eof_calls, 1);
    CHECK_EQ_STR(g.sk.out, "one");
    CHECK_EQ_INT(g.sk.last_flow.sport, 40001);
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 0);

    /* Touching flow 2 makes flow 3 the oldest. */
    seg(&g, 2, 103, 1, TCP_ACK, "two\n");
    seg(&g, 4, 104, 0, TCP_SYN, NULL);
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_STREAM_EVICTED], 2);
    seg(&g, 2, 105, 5, TCP_ACK, "more\n");
    CHECK_EQ_INT(g.sk.sync_calls, 0); /* flow 2 survived: still in sync */
    CHECK_EQ_STR(g.sk.out, "onetwo\nmore\n");
    tcp_reasm_free(g.r);
}

static void reasm_overflow(void)
{
    struct rig g;
    if (!rig_init(&g, 16, 16, 300))
        return;
    seg(&g, 1, 100, 0, TCP_SYN, NULL);
    seg(&g, 1, 100, 1, TCP_ACK, "0123456789"); /* 10 buffered */
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 10);
    seg(&g, 1, 100, 11, TCP_ACK, "abcdefghij"); /* 20 > 16 */
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_STREAM_OVERFLOW], 20);
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 0);
    CHECK_EQ_STR(g.sk.out, "");
    seg(&g, 1, 100, 21, TCP_ACK, "ok\n");
    CHECK_EQ_INT(g.sk.sync_calls, 1); /* resync after the loss */
    CHECK_EQ_STR(g.sk.out, "ok\n");

    /* One segment alone larger than the cap (zero-copy path). */
    seg(&g, 2, 100, 0, TCP_SYN, NULL);
    seg(&g, 2, 100, 1, TCP_ACK, "this line is far too long");
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_STREAM_OVERFLOW], 20 + 25);
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 0);
    tcp_reasm_free(g.r);
}

static void reasm_expire_flush(void)
{
    struct rig g;
    if (!rig_init(&g, 16, 65536, 10))
        return;
    seg(&g, 1, 100, 0, TCP_SYN, NULL);
    seg(&g, 1, 100, 1, TCP_ACK, "idle");
    seg(&g, 2, 105, 0, TCP_SYN, NULL);
    seg(&g, 2, 105, 1, TCP_ACK, "busy");
    tcp_reasm_expire(g.r, (struct ptime){ 110, 0 });
    CHECK_EQ_INT(g.sk.eof_calls, 0); /* exactly idle_sec is not yet idle */
    tcp_reasm_expire(g.r, (struct ptime){ 111, 0 });
    CHECK_EQ_INT(g.sk.eof_calls, 1);
    CHECK_EQ_STR(g.sk.out, "idle");
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 4);
    tcp_reasm_flush(g.r);
    CHECK_EQ_INT(g.sk.eof_calls, 2);
    CHECK_EQ_STR(g.sk.out, "idlebusy");
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 0);
    /* After a flush the directions are gone: new data starts a new, unsynced stream. */
    seg(&g, 2, 106, 5, TCP_ACK, "x\n");
    CHECK_EQ_INT(g.st.v[ST_TCP_STREAMS], 3);
    CHECK_EQ_INT(g.sk.sync_calls, 1);
    tcp_reasm_free(g.r);
}

void test_tcp_reasm(void)
{
    RUN(reasm_in_order);
    RUN(reasm_three_segments);
    RUN(reasm_two_in_one);
    RUN(reasm_retransmission);
    RUN(reasm_partial_overlap);
    RUN(reasm_gap);
    RUN(reasm_midstream);
    RUN(reasm_syn_then_data);
    RUN(reasm_fin);
    RUN(reasm_eviction);
    RUN(reasm_overflow);
    RUN(reasm_expire_flush);
}
