/* summary: tests for probe/tcp_reasm — ordering, out-of-order holding, retransmission,
 * overlap, wraparound, holes given up, FIN/RST/SYN, sync, per-direction and total caps.
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
    char out[8192];
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

/* Generous out-of-order and total caps unless a test sets them. */
static bool rig_init_cfg(struct rig *g, const struct tcp_reasm_cfg *cfg)
{
    memset(g, 0, sizeof *g);
    g->r = tcp_reasm_new(cfg, consume_lines, &g->sk, &g->st);
    return CHECK(g->r != NULL);
}

static bool rig_init(struct rig *g, size_t max_streams, size_t max_bytes, uint32_t idle)
{
    struct tcp_reasm_cfg cfg = { .max_streams = max_streams, .max_stream_bytes = max_bytes,
                                 .max_ooo_bytes = 65536, .max_ooo_segments = 1024,
                                 .max_total_bytes = 64u << 20, .idle_sec = idle };
    return rig_init_cfg(g, &cfg);
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

/* A hole that never fills: data after it is held, then given up at end of input. */
static void reasm_gap(void)
{
    struct rig g;
    if (!rig_init(&g, 16, 65536, 300))
        return;
    seg(&g, 1, 100, 1000, TCP_SYN, NULL);
    seg(&g, 1, 100, 1001, TCP_ACK, "A\nPA"); /* next 1005; "PA" waits */
    seg(&g, 1, 100, 1010, TCP_ACK, "X\n");   /* 5 bytes missing: held */
    CHECK_EQ_STR(g.sk.out, "A\n");
    CHECK_EQ_INT(g.st.v[ST_TCP_OOO_SEGMENTS], 1);
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_GAP_BYTES], 0);
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 2 + 2);
    seg(&g, 1, 100, 1012, TCP_ACK, "Y\n"); /* right after the held one: held too */
    CHECK_EQ_INT(g.st.v[ST_TCP_OOO_SEGMENTS], 2);
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 6);
    CHECK_EQ_INT(g.sk.sync_calls, 0);
    tcp_reasm_flush(g.r);
    /* The partial "PA" cannot complete: counted with the 5 missing bytes. */
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_GAP_BYTES], 5 + 2);
    CHECK_EQ_INT(g.sk.sync_calls, 1);
    CHECK_EQ_STR(g.sk.out, "A\nX\nY\n");
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 0);
    CHECK_EQ_INT(tcp_reasm_memory(g.r), 0);
    tcp_reasm_free(g.r);
}

/* The late segment fills the hole: everything comes out in order, nothing lost. */
static void reasm_hole_filled(void)
{
    struct rig g;
    if (!rig_init(&g, 16, 65536, 300))
        return;
    seg(&g, 1, 100, 1000, TCP_SYN, NULL);
    seg(&g, 1, 100, 1001, TCP_ACK, "A\nPA");
    seg(&g, 1, 101, 1010, TCP_ACK, "X\n");
    seg(&g, 1, 102, 1005, TCP_ACK, "RT\nQY"); /* 1005..1009 */
    CHECK_EQ_STR(g.sk.out, "A\nPART\nQYX\n");
    CHECK_EQ_INT(g.sk.last_ts.sec, 102); /* time of the packet that completed the data */
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_GAP_BYTES], 0);
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_DUP_BYTES], 0);
    CHECK_EQ_INT(g.sk.sync_calls, 0);
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 0);
    CHECK_EQ_INT(tcp_reasm_memory(g.r), 0);
    /* A retransmission of the held-then-delivered segment is old now. */
    seg(&g, 1, 103, 1010, TCP_ACK, "X\n");
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_DUP_SEGMENTS], 1);
    CHECK_EQ_STR(g.sk.out, "A\nPART\nQYX\n");
    tcp_reasm_free(g.r);
}

/* Every segment arrives last-first. */
static void reasm_reversed(void)
{
    struct rig g;
    if (!rig_init(&g, 16, 65536, 300))
        return;
    static const char *const parts[] = { "INVITE sip:x SIP/2.0\n", "Via: a\n", "Call-ID: c\n", "\n" };
    uint32_t seqs[4], q = 5001;
    for (int i = 0; i < 4; i++) {
        seqs[i] = q;
        q += (uint32_t)strlen(parts[i]);
    }
    seg(&g, 1, 100, 5000, TCP_SYN, NULL);
    for (int i = 3; i > 0; i--)
        seg(&g, 1, 100, seqs[i], TCP_ACK, parts[i]);
    CHECK_EQ_INT(g.sk.calls, 0);
    CHECK_EQ_INT(g.st.v[ST_TCP_OOO_SEGMENTS], 3);
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), strlen(parts[1]) + strlen(parts[2]) + 1);
    seg(&g, 1, 101, seqs[0], TCP_ACK, parts[0]);
    CHECK_EQ_STR(g.sk.out, "INVITE sip:x SIP/2.0\nVia: a\nCall-ID: c\n\n");
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_GAP_BYTES], 0);
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_DUP_BYTES], 0);
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 0);
    tcp_reasm_free(g.r);
}

/* A held segment sent again, and one overlapping held data on both sides. */
static void reasm_ooo_duplicates_overlaps(void)
{
    struct rig g;
    if (!rig_init(&g, 16, 65536, 300))
        return;
    seg(&g, 1, 100, 0, TCP_SYN, NULL);                 /* data starts at 1 */
    seg(&g, 1, 100, 11, TCP_ACK, "klmno");             /* [11,16) held */
    seg(&g, 1, 100, 11, TCP_ACK, "klmno");             /* the same again */
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_DUP_SEGMENTS], 1);
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_DUP_BYTES], 5);
    CHECK_EQ_INT(g.st.v[ST_TCP_OOO_SEGMENTS], 1);
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 5);
    /* [8,19): new bytes on both sides of the held [11,16); the held copy wins. */
    seg(&g, 1, 100, 8, TCP_ACK, "hijKLMNOpqr");
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_DUP_BYTES], 5 + 5);
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_DUP_SEGMENTS], 1);
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 11);
    /* In-order data that runs into the held bytes: the overlap is trimmed once. */
    seg(&g, 1, 101, 1, TCP_ACK, "abcdefghi"); /* [1,10) covers the held [8,10) */
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_DUP_BYTES], 5 + 5 + 2);
    seg(&g, 1, 101, 19, TCP_ACK, "\n");
    CHECK_EQ_STR(g.sk.out, "abcdefghijklmnopqr\n");
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_GAP_BYTES], 0);
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 0);
    /* A held segment wholly covered by later in-order data is a duplicate. */
    seg(&g, 1, 102, 25, TCP_ACK, "x");
    seg(&g, 1, 102, 20, TCP_ACK, "uvwxyz\n");
    CHECK_EQ_STR(g.sk.out, "abcdefghijklmnopqr\nuvwxyz\n");
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_DUP_SEGMENTS], 2);
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_DUP_BYTES], 5 + 5 + 2 + 1);
    tcp_reasm_free(g.r);
}

/* Sequence numbers wrap around 2^32 while segments are held. */
static void reasm_ooo_wraparound(void)
{
    struct rig g;
    if (!rig_init(&g, 16, 65536, 300))
        return;
    seg(&g, 1, 100, 0xfffffff9u, TCP_SYN, NULL);  /* data from 0xfffffffa */
    seg(&g, 1, 100, 0x00000002u, TCP_ACK, "89\n"); /* after the wrap: held */
    seg(&g, 1, 100, 0xfffffffeu, TCP_ACK, "4567"); /* 0xfffffffe..0x00000001 */
    CHECK_EQ_INT(g.sk.calls, 0);
    CHECK_EQ_INT(g.st.v[ST_TCP_OOO_SEGMENTS], 2);
    seg(&g, 1, 100, 0xfffffffau, TCP_ACK, "0123");
    CHECK_EQ_STR(g.sk.out, "0123456789\n");
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_GAP_BYTES], 0);
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_DUP_BYTES], 0);
    /* An old segment from before the wrap is a duplicate, not data 4 GB ahead. */
    seg(&g, 1, 101, 0xfffffffcu, TCP_ACK, "23");
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_DUP_SEGMENTS], 1);
    CHECK_EQ_STR(g.sk.out, "0123456789\n");
    tcp_reasm_free(g.r);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

/* Random cuts, duplicates and overlapping copies, shuffled, from an ISN just below
 * the wrap: the consumer must see exactly the original bytes, and every byte fed
 * is either delivered once or counted as a duplicate. */
static void reasm_shuffled(void)
{
    enum { LEN = 3000, MAXSEG = 400 };
    static char text[LEN + 1];
    for (int i = 0; i < LEN; i++)
        text[i] = (i % 50 == 49) ? '\n' : (char)('a' + i % 26);
    text[LEN - 1] = '\n';
    for (int round = 0; round < 20; round++) {
        struct rig g;
        if (!rig_init(&g, 16, 65536, 300))
            return;
        struct { uint32_t off, len; } segs[MAXSEG];
        int n = 0;
        for (uint32_t off = 0; off < LEN && n < MAXSEG;) {
            uint32_t len = 1 + rnd(120);
            if (len > LEN - off)
                len = LEN - off;
            segs[n].off = off, segs[n].len = len, n++;
            off += len;
        }
        int extra = 10 + (int)rnd(30);
        for (int k = 0; k < extra && n < MAXSEG; k++) {
            if (rnd(2)) { /* a duplicate of an existing cut */
                segs[n] = segs[rnd((uint32_t)n)];
            } else {      /* an arbitrary range: overlaps on either side */
                uint32_t off = rnd(LEN), len = 1 + rnd(200);
                if (len > LEN - off)
                    len = LEN - off;
                segs[n].off = off, segs[n].len = len;
            }
            n++;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = (int)rnd((uint32_t)i + 1);
            uint32_t o = segs[i].off, l = segs[i].len;
            segs[i] = segs[j];
            segs[j].off = o, segs[j].len = l;
        }
        uint32_t isn = 0xffffffffu - 1500u + (uint32_t)round * 77u;
        struct pdu p;
        memset(&p, 0, sizeof p);
        p.ts.sec = 100;
        p.flow = flow_n(1);
        tcp_reasm_segment(g.r, &p, isn, TCP_SYN, NULL, 0);
        uint64_t fed = 0;
        for (int i = 0; i < n; i++) {
            p.frame = (uint64_t)i + 2;
            tcp_reasm_segment(g.r, &p, isn + 1 + segs[i].off, TCP_ACK, (const uint8_t *)text + segs[i].off,
                              segs[i].len);
            fed += segs[i].len;
        }
        if (!CHECK_EQ_STR(g.sk.out, text))
            printf("  round %d, %d segments\n", round, n);
        CHECK_EQ_INT(g.st.v[ST_DROP_TCP_GAP_BYTES], 0);
        CHECK_EQ_INT(fed, LEN + g.st.v[ST_DROP_TCP_DUP_BYTES]);
        CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 0);
        CHECK_EQ_INT(tcp_reasm_memory(g.r), 0);
        CHECK_EQ_INT(g.sk.sync_calls, 0);
        tcp_reasm_free(g.r);
    }
}

/* FIN with a hole before it: the hole is lost, what follows is delivered (resync), then EOF. */
static void reasm_fin_with_hole(void)
{
    struct rig g;
    if (!rig_init(&g, 16, 65536, 300))
        return;
    seg(&g, 1, 100, 0, TCP_SYN, NULL);
    seg(&g, 1, 100, 1, TCP_ACK, "A\n");
    seg(&g, 1, 100, 8, TCP_ACK, "B\n");           /* [3,8) missing */
    seg(&g, 1, 101, 10, TCP_FIN | TCP_ACK, "C"); /* FIN after "C" */
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_GAP_BYTES], 5);
    CHECK_EQ_INT(g.sk.sync_calls, 1);
    CHECK_EQ_INT(g.sk.eof_calls, 1);
    CHECK_EQ_STR(g.sk.out, "A\nB\nC");
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 0);

    /* A bare FIN far beyond the data: the bytes that never came are counted. */
    seg(&g, 2, 102, 0, TCP_SYN, NULL);
    seg(&g, 2, 102, 1, TCP_ACK, "D\n");
    seg(&g, 2, 102, 13, TCP_FIN | TCP_ACK, NULL); /* [3,13) never seen */
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_GAP_BYTES], 5 + 10);
    CHECK_EQ_STR(g.sk.out, "A\nB\nCD\n");

    /* FIN out of order before the last data segment: the data comes too late. */
    seg(&g, 3, 103, 0, TCP_SYN, NULL);
    seg(&g, 3, 103, 5, TCP_FIN | TCP_ACK, NULL);
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_GAP_BYTES], 5 + 10 + 4);
    tcp_reasm_free(g.r);
}

/* RST: what is held is delivered (holes lost), the direction is gone. */
static void reasm_rst(void)
{
    struct rig g;
    if (!rig_init(&g, 16, 65536, 300))
        return;
    seg(&g, 1, 100, 0, TCP_SYN, NULL);
    seg(&g, 1, 100, 1, TCP_ACK, "A\npart");
    seg(&g, 1, 100, 12, TCP_ACK, "Z\n"); /* [7,12) missing */
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 4 + 2);
    seg(&g, 1, 101, 14, TCP_RST, NULL);
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_GAP_BYTES], 5 + 4);
    CHECK_EQ_INT(g.sk.eof_calls, 0); /* everything was consumed before the end */
    CHECK_EQ_STR(g.sk.out, "A\nZ\n");
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 0);
    CHECK_EQ_INT(tcp_reasm_memory(g.r), 0);
    /* The direction is forgotten: new data starts an unsynchronised stream. */
    seg(&g, 1, 102, 14, TCP_ACK, "n\n");
    CHECK_EQ_INT(g.st.v[ST_TCP_STREAMS], 2);
    CHECK_EQ_INT(g.sk.sync_calls, 2);
    tcp_reasm_free(g.r);
}

/* A SYN with a new ISN on a tracked four-tuple flushes the old stream first. */
static void reasm_new_syn(void)
{
    struct rig g;
    if (!rig_init(&g, 16, 65536, 300))
        return;
    seg(&g, 1, 100, 100, TCP_SYN, NULL);
    seg(&g, 1, 100, 101, TCP_ACK, "old\nrest");
    seg(&g, 1, 100, 120, TCP_ACK, "held\n");
    seg(&g, 1, 100, 100, TCP_SYN, NULL); /* retransmitted SYN: harmless */
    CHECK_EQ_INT(g.st.v[ST_TCP_STREAMS], 1);
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 4 + 5);
    seg(&g, 1, 101, 9000, TCP_SYN, NULL);
    CHECK_EQ_INT(g.st.v[ST_TCP_STREAMS], 2);
    CHECK_EQ_STR(g.sk.out, "old\nheld\n");
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_GAP_BYTES], 11 + 4); /* [109,120) and "rest" */
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 0);
    int syncs = g.sk.sync_calls;
    seg(&g, 1, 101, 9001, TCP_ACK, "new\n");
    CHECK_EQ_INT(g.sk.sync_calls, syncs); /* the new stream is in sync from its SYN */
    CHECK_EQ_STR(g.sk.out, "old\nheld\nnew\n");

    /* Data far outside any window without a SYN: another connection, resync. */
    seg(&g, 1, 102, 9005u + 0x40000000u, TCP_ACK, "far\n");
    CHECK_EQ_INT(g.st.v[ST_TCP_STREAMS], 3);
    CHECK_EQ_INT(g.sk.sync_calls, syncs + 1);
    CHECK_EQ_STR(g.sk.out, "old\nheld\nnew\nfar\n");
    tcp_reasm_free(g.r);
}

/* The per-direction out-of-order caps: the first hole is given up, not the new data. */
static void reasm_ooo_caps(void)
{
    struct tcp_reasm_cfg cfg = { .max_streams = 16, .max_stream_bytes = 65536, .max_ooo_bytes = 10,
                                 .max_ooo_segments = 3, .max_total_bytes = 1u << 20, .idle_sec = 300 };
    struct rig g;
    if (!rig_init_cfg(&g, &cfg))
        return;
    seg(&g, 1, 100, 0, TCP_SYN, NULL);
    seg(&g, 1, 100, 1, TCP_ACK, "a\n");
    seg(&g, 1, 100, 5, TCP_ACK, "b\n");  /* [3,5) missing */
    seg(&g, 1, 100, 9, TCP_ACK, "c\n");  /* [7,9) missing */
    seg(&g, 1, 100, 13, TCP_ACK, "d\n"); /* 3 segments held */
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_OOO_OVERFLOW], 0);
    seg(&g, 1, 100, 17, TCP_ACK, "e\n"); /* a 4th: the hole [3,5) is given up */
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_OOO_OVERFLOW], 1);
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_GAP_BYTES], 2);
    CHECK_EQ_STR(g.sk.out, "a\nb\n");
    CHECK_EQ_INT(g.sk.sync_calls, 1);
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 6);

    /* Bytes: 6 held + 8 would pass 10: the holes before c and d are given up in turn,
     * then e (2) + the new 8 fit. */
    seg(&g, 1, 100, 20, TCP_ACK, "fghijkl\n");
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_OOO_OVERFLOW], 3);
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_GAP_BYTES], 2 + 2 + 2);
    CHECK_EQ_STR(g.sk.out, "a\nb\nc\nd\n");
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 10);

    /* One segment alone larger than the out-of-order cap: every hole before it goes. */
    seg(&g, 1, 100, 40, TCP_ACK, "0123456789ABC\n");
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_OOO_OVERFLOW], 6);
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_GAP_BYTES], 6 + 2 + 1 + 12);
    CHECK_EQ_STR(g.sk.out, "a\nb\nc\nd\ne\nfghijkl\n0123456789ABC\n");
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 0);
    CHECK_EQ_INT(tcp_reasm_memory(g.r), 0);
    tcp_reasm_free(g.r);
}

/* The total cap: the least recently active direction holding memory is closed, never
 * the one being fed; alone over the cap, a direction gives up its own hole. */
static void reasm_total_cap(void)
{
    struct tcp_reasm_cfg cfg = { .max_streams = 16, .max_stream_bytes = 65536, .max_ooo_bytes = 65536,
                                 .max_ooo_segments = 64, .max_total_bytes = 5000, .idle_sec = 300 };
    struct rig g;
    if (!rig_init_cfg(&g, &cfg))
        return;
    static char big[2001];
    memset(big, 'x', 1999);
    big[1999] = '\n';
    seg(&g, 1, 100, 0, TCP_SYN, NULL);
    seg(&g, 1, 100, 10, TCP_ACK, big); /* held: 2000 + overhead charged */
    seg(&g, 2, 101, 0, TCP_SYN, NULL);
    seg(&g, 2, 101, 10, TCP_ACK, big);
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_MEMORY_EVICTED], 0);
    CHECK(tcp_reasm_memory(g.r) <= cfg.max_total_bytes);
    seg(&g, 3, 102, 0, TCP_SYN, NULL);
    seg(&g, 3, 102, 10, TCP_ACK, big); /* flow 1 is the oldest holder: closed */
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_MEMORY_EVICTED], 1);
    CHECK_EQ_INT(g.sk.last_flow.sport, 40001);
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_GAP_BYTES], 9);
    CHECK_EQ_INT(g.sk.out_len, 2000); /* its held line, after the lost hole */
    CHECK(tcp_reasm_memory(g.r) <= cfg.max_total_bytes);
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 2 * 2000);

    /* Flow 2 holds one more segment, so flow 3 becomes the oldest holder. */
    seg(&g, 2, 103, 3000, TCP_ACK, "ab");
    seg(&g, 4, 104, 0, TCP_SYN, NULL);
    seg(&g, 4, 104, 10, TCP_ACK, big);
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_MEMORY_EVICTED], 2);
    CHECK_EQ_INT(g.sk.last_flow.sport, 40003);
    CHECK(tcp_reasm_memory(g.r) <= cfg.max_total_bytes);

    /* One direction alone cannot hold more than the cap: it gives up its own hole. */
    tcp_reasm_flush(g.r);
    CHECK_EQ_INT(tcp_reasm_memory(g.r), 0);
    uint64_t gap = g.st.v[ST_DROP_TCP_GAP_BYTES];
    seg(&g, 5, 105, 0, TCP_SYN, NULL);
    seg(&g, 5, 105, 10, TCP_ACK, big);
    seg(&g, 5, 105, 2100, TCP_ACK, big);
    seg(&g, 5, 105, 4200, TCP_ACK, big); /* a third would need ~6100 */
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_MEMORY_EVICTED], 2);
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_OOO_OVERFLOW], 1);
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_GAP_BYTES], gap + 9);
    CHECK(tcp_reasm_memory(g.r) <= cfg.max_total_bytes);
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 2 * 2000);
    tcp_reasm_free(g.r);
}

/* Idle expiry gives up holes as well. */
static void reasm_expire_hole(void)
{
    struct rig g;
    if (!rig_init(&g, 16, 65536, 10))
        return;
    seg(&g, 1, 100, 0, TCP_SYN, NULL);
    seg(&g, 1, 100, 5, TCP_ACK, "late\n");
    tcp_reasm_expire(g.r, (struct ptime){ 111, 0 });
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_GAP_BYTES], 4);
    CHECK_EQ_STR(g.sk.out, "late\n");
    CHECK_EQ_INT(g.sk.sync_calls, 1);
    CHECK_EQ_INT(tcp_reasm_buffered_bytes(g.r), 0);
    CHECK_EQ_INT(tcp_reasm_memory(g.r), 0);
    tcp_reasm_free(g.r);
}

/* A stream first seen mid-flow: later segments out of order are still put back in order. */
static void reasm_midstream_ooo(void)
{
    struct rig g;
    if (!rig_init(&g, 16, 65536, 300))
        return;
    seg(&g, 1, 100, 500, TCP_ACK, "ge\nINV");
    seg(&g, 1, 100, 510, TCP_ACK, "E\n");
    seg(&g, 1, 100, 506, TCP_ACK, "ITE "); /* [506,510) */
    CHECK_EQ_INT(g.sk.sync_calls, 1);
    CHECK_EQ_STR(g.sk.out, "ge\nINVITE E\n");
    CHECK_EQ_INT(g.st.v[ST_DROP_TCP_GAP_BYTES], 0);
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
    RUN(reasm_hole_filled);
    RUN(reasm_reversed);
    RUN(reasm_ooo_duplicates_overlaps);
    RUN(reasm_ooo_wraparound);
    RUN(reasm_shuffled);
    RUN(reasm_fin_with_hole);
    RUN(reasm_rst);
    RUN(reasm_new_syn);
    RUN(reasm_ooo_caps);
    RUN(reasm_total_cap);
    RUN(reasm_expire_hole);
    RUN(reasm_midstream_ooo);
    RUN(reasm_midstream);
    RUN(reasm_syn_then_data);
    RUN(reasm_fin);
    RUN(reasm_eviction);
    RUN(reasm_overflow);
    RUN(reasm_expire_flush);
}
