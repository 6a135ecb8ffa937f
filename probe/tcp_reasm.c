/* summary: in-order TCP reassembly per direction (RFC 9293 sequence arithmetic).
 *
 * Retransmitted bytes (sequence numbers already delivered) are trimmed and counted
 * once. A jump forward in sequence space is treated as loss: the bytes in between
 * are counted, the buffer is dropped and the consumer is asked to resynchronise on
 * the next message boundary. */
#include "probe/tcp_reasm.h"

#include <stdlib.h>
#include <string.h>

#include "common/lhash.h"
#include "probe/l4.h"

struct stream {
    struct lh_node node;
    struct flow flow;
    uint32_t next_seq;
    bool need_sync;
    struct ptime last;
    uint8_t *buf;
    size_t blen, bcap;
};

struct tcp_reasm {
    struct tcp_reasm_cfg cfg;
    tcp_deliver_fn deliver;
    void *ctx;
    struct stats *st;
    struct lhash streams;
    size_t buffered;
};

static uint64_t flow_hash(const struct flow *f)
{
    return lh_hash_bytes(f, sizeof *f);
}

static int flow_eq(const struct lh_node *n, const void *key)
{
    const struct stream *s = LH_ENTRY(n, struct stream, node);
    return memcmp(&s->flow, key, sizeof s->flow) == 0;
}

struct tcp_reasm *tcp_reasm_new(const struct tcp_reasm_cfg *cfg, tcp_deliver_fn fn, void *ctx,
                                struct stats *st)
{
    struct tcp_reasm *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->cfg = *cfg;
    r->deliver = fn;
    r->ctx = ctx;
    r->st = st;
    if (lh_init(&r->streams, cfg->max_streams / 2 + 16) != 0) {
        free(r);
        return NULL;
    }
    return r;
}

static void drop_buffer(struct tcp_reasm *r, struct stream *s, size_t extra)
{
    stats_inc(r->st, ST_DROP_TCP_STREAM_OVERFLOW, s->blen + extra);
    r->buffered -= s->blen;
    s->blen = 0;
    s->need_sync = true;
}

/* Keep bytes the consumer could not use yet; false when the cap forced a drop. */
static bool append(struct tcp_reasm *r, struct stream *s, const uint8_t *data, size_t len)
{
    if (len == 0)
        return true;
    if (len > r->cfg.max_stream_bytes - s->blen) {
        /* The consumer could not frame a message within the cap: give up on these bytes. */
        drop_buffer(r, s, len);
        return false;
    }
    if (s->blen + len > s->bcap) {
        size_t cap = s->bcap ? s->bcap : 4096;
        while (cap < s->blen + len)
            cap *= 2;
        if (cap > r->cfg.max_stream_bytes)
            cap = r->cfg.max_stream_bytes;
        uint8_t *nb = realloc(s->buf, cap);
        if (!nb) {
            drop_buffer(r, s, len);
            return false;
        }
        s->buf = nb;
        s->bcap = cap;
    }
    memcpy(s->buf + s->blen, data, len);
    s->blen += len;
    r->buffered += len;
    return true;
}

static size_t call_consumer(struct tcp_reasm *r, struct stream *s, const struct pdu *seg,
                            const uint8_t *data, size_t len, bool eof)
{
    struct pdu p = *seg;
    p.flow = s->flow;
    p.flags = PDU_STREAM | (eof ? PDU_EOF : 0);
    p.data = data;
    p.len = len;
    size_t used = r->deliver(r->ctx, &p, &s->need_sync);
    return used > len ? len : used;
}

/* New in-order bytes: zero-copy when nothing is pending, else through the buffer. */
static void deliver(struct tcp_reasm *r, struct stream *s, const struct pdu *seg, const uint8_t *data,
                    size_t len)
{
    if (s->blen == 0) {
        size_t used = call_consumer(r, s, seg, data, len, false);
        append(r, s, data + used, len - used);
        return;
    }
    if (!append(r, s, data, len))
        return;
    size_t used = call_consumer(r, s, seg, s->buf, s->blen, false);
    if (used) {
        memmove(s->buf, s->buf + used, s->blen - used);
        s->blen -= used;
        r->buffered -= used;
    }
    /* Give large buffers back once drained: idle streams should cost little. */
    if (s->blen == 0 && s->bcap > 65536) {
        free(s->buf);
        s->buf = NULL;
        s->bcap = 0;
    }
}

static void stream_close(struct tcp_reasm *r, struct stream *s, const struct pdu *seg)
{
    if (s->blen)
        call_consumer(r, s, seg, s->buf, s->blen, true);
    r->buffered -= s->blen;
    lh_remove(&r->streams, &s->node);
    free(s->buf);
    free(s);
}

static struct pdu pdu_for_stream(const struct stream *s)
{
    struct pdu p = { 0 };
    p.ts = s->last;
    p.flow = s->flow;
    return p;
}

void tcp_reasm_segment(struct tcp_reasm *r, const struct pdu *seg, uint32_t seq, uint8_t flags,
                       const uint8_t *data, size_t len)
{
    uint64_t h = flow_hash(&seg->flow);
    struct lh_node *n = lh_find(&r->streams, h, flow_eq, &seg->flow);
    struct stream *s = n ? LH_ENTRY(n, struct stream, node) : NULL;

    if (s && (flags & TCP_SYN) && (uint32_t)(seq + 1) != s->next_seq) {
        /* Port reuse: a new connection on the same four-tuple. */
        struct pdu p = pdu_for_stream(s);
        stream_close(r, s, &p);
        s = NULL;
    }
    if (!s) {
        if ((flags & TCP_RST) || ((flags & TCP_FIN) && len == 0))
            return;
        if (r->streams.count >= r->cfg.max_streams) {
            struct stream *old = LH_ENTRY(lh_oldest(&r->streams), struct stream, node);
            struct pdu p = pdu_for_stream(old);
            stats_inc(r->st, ST_DROP_TCP_STREAM_EVICTED, 1);
            stream_close(r, old, &p);
        }
        s = calloc(1, sizeof *s);
        if (!s) {
            stats_inc(r->st, ST_DROP_TCP_STREAM_EVICTED, 1);
            return;
        }
        s->flow = seg->flow;
        s->next_seq = (flags & TCP_SYN) ? seq + 1 : seq;
        /* Without the SYN we may be in the middle of a message. */
        s->need_sync = !(flags & TCP_SYN);
        lh_insert(&r->streams, &s->node, h);
        stats_inc(r->st, ST_TCP_STREAMS, 1);
    } else {
        lh_touch(&r->streams, &s->node);
    }
    s->last = seg->ts;

    uint32_t dseq = (flags & TCP_SYN) ? seq + 1 : seq;
    int32_t d = (int32_t)(dseq - s->next_seq);
    if (d < 0 && len) {
        size_t old = (size_t)-(int64_t)d;
        if (old >= len) {
            stats_inc(r->st, ST_DROP_TCP_DUP_SEGMENTS, 1);
            stats_inc(r->st, ST_DROP_TCP_DUP_BYTES, len);
            data += len;
            len = 0;
        } else {
            stats_inc(r->st, ST_DROP_TCP_DUP_BYTES, old);
            data += old;
            len -= old;
        }
        dseq = s->next_seq;
    } else if (d > 0 && len) {
        /* Out of order or lost: the gap is lost to us; start again at the next boundary. */
        stats_inc(r->st, ST_DROP_TCP_GAP_BYTES, (uint64_t)d + s->blen);
        r->buffered -= s->blen;
        s->blen = 0;
        s->need_sync = true;
        s->next_seq = dseq;
    }
    if (len) {
        s->next_seq += (uint32_t)len;
        deliver(r, s, seg, data, len);
    }
    if (flags & (TCP_FIN | TCP_RST))
        stream_close(r, s, seg);
}

void tcp_reasm_expire(struct tcp_reasm *r, struct ptime now)
{
    struct lh_node *n;
    while ((n = lh_oldest(&r->streams)) != NULL) {
        struct stream *s = LH_ENTRY(n, struct stream, node);
        if (now.sec - s->last.sec <= (int64_t)r->cfg.idle_sec)
            break;
        struct pdu p = pdu_for_stream(s);
        stream_close(r, s, &p);
    }
}

void tcp_reasm_flush(struct tcp_reasm *r)
{
    struct lh_node *n;
    while ((n = lh_oldest(&r->streams)) != NULL) {
        struct stream *s = LH_ENTRY(n, struct stream, node);
        struct pdu p = pdu_for_stream(s);
        stream_close(r, s, &p);
    }
}

size_t tcp_reasm_buffered_bytes(const struct tcp_reasm *r)
{
    return r->buffered;
}

void tcp_reasm_free(struct tcp_reasm *r)
{
    if (!r)
        return;
    tcp_reasm_flush(r);
    lh_free(&r->streams);
    free(r);
}
