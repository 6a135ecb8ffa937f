/* summary: TCP reassembly per direction (RFC 9293 §3.4 sequence numbers, §3.10.7.4
 * segment ordering), with out-of-order segments held until their hole fills.
 *
 * Sequence numbers are compared modulo 2^32 as signed 32-bit distances from the next
 * byte to deliver, so a stream may wrap. Bytes already delivered (retransmissions,
 * overlaps) are trimmed and counted once; overlapping held segments keep the first
 * copy. A passive probe cannot ask for a lost segment again, so a hole is given up
 * when waiting costs too much (caps), when the sender is done (FIN, RST) or gone
 * (idle, end of input): its bytes are counted and the consumer resynchronises.
 *
 * Memory: each direction holds at most max_stream_bytes of in-order data and
 * max_ooo_bytes / max_ooo_segments of held data; all directions together are
 * charged against max_total_bytes, and reaching it closes the least recently
 * active direction that holds memory (never the one being fed). */
#include "probe/tcp_reasm.h"

#include <stdlib.h>
#include <string.h>

#include "common/lhash.h"
#include "probe/l4.h"

/* What malloc keeps beside each block (glibc: an 8-byte header, 16-byte alignment).
 * Charged with every allocation so that many tiny segments cannot hide their cost. */
#define ALLOC_OVERHEAD 16

/* A segment further than this from the next expected byte, either way, is not part
 * of the stream we know: a new connection on the same four-tuple whose SYN we
 * missed. No real window is this large for SIP, and 2^31 would make it ambiguous. */
#define SEQ_JUMP ((uint32_t)1 << 24)

/* A segment that arrived ahead of a hole; kept sorted by seq, never overlapping. */
struct seg {
    struct seg *next;
    uint32_t seq;
    uint32_t len;
    uint8_t data[];
};

#define SEG_CHARGE(len) (sizeof(struct seg) + (len) + ALLOC_OVERHEAD)

struct stream {
    struct lh_node node;               /* streams table, LRU by last segment */
    struct stream *mem_prev, *mem_next; /* directions holding memory, oldest first */
    bool in_mem_list;
    bool need_sync;                    /* consumer must find a message boundary */
    bool have_isn;                     /* the SYN was seen */
    bool closing;                      /* being flushed: its memory is about to go */
    struct flow flow;
    uint32_t isn;
    uint32_t next_seq;                 /* next byte to deliver */
    struct ptime last;
    uint8_t *buf;                      /* delivered, not yet consumed */
    size_t blen, bcap;
    struct seg *ooo;                   /* held ahead of next_seq */
    size_t ooo_bytes, ooo_segs;
    size_t charged;                    /* this direction's share of tcp_reasm.charged */
};

struct tcp_reasm {
    struct tcp_reasm_cfg cfg;
    tcp_deliver_fn deliver;
    void *ctx;
    struct stats *st;
    struct lhash streams;
    struct stream *mem_head, *mem_tail; /* list of directions with charged > 0 */
    size_t buffered;                   /* payload bytes in buffers and held segments */
    size_t charged;                    /* memory charged against max_total_bytes */
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

/* ---- memory accounting -------------------------------------------------------------- */

static void mem_unlink(struct tcp_reasm *r, struct stream *s)
{
    if (!s->in_mem_list)
        return;
    if (s->mem_prev)
        s->mem_prev->mem_next = s->mem_next;
    else
        r->mem_head = s->mem_next;
    if (s->mem_next)
        s->mem_next->mem_prev = s->mem_prev;
    else
        r->mem_tail = s->mem_prev;
    s->mem_prev = s->mem_next = NULL;
    s->in_mem_list = false;
}

/* After activity on s: it becomes the newest holder, or leaves the list when it holds nothing. */
static void mem_touch(struct tcp_reasm *r, struct stream *s)
{
    mem_unlink(r, s);
    if (s->charged == 0)
        return;
    s->mem_prev = r->mem_tail;
    if (r->mem_tail)
        r->mem_tail->mem_next = s;
    else
        r->mem_head = s;
    r->mem_tail = s;
    s->in_mem_list = true;
}

static void charge(struct tcp_reasm *r, struct stream *s, size_t n)
{
    r->charged += n;
    s->charged += n;
}

static void uncharge(struct tcp_reasm *r, struct stream *s, size_t n)
{
    r->charged -= n;
    s->charged -= n;
}

static void stream_close(struct tcp_reasm *r, struct stream *s, const struct pdu *seg);

static struct pdu pdu_for_stream(const struct stream *s)
{
    struct pdu p = { 0 };
    p.ts = s->last;
    p.flow = s->flow;
    return p;
}

/* Makes room for need more charged bytes by closing the least recently active
 * directions that hold memory, never keep. False when only keep is left. */
static bool make_room(struct tcp_reasm *r, struct stream *keep, size_t need)
{
    while (r->charged > r->cfg.max_total_bytes || need > r->cfg.max_total_bytes - r->charged) {
        struct stream *v = r->mem_head;
        if (v == keep)
            v = v->mem_next;
        if (!v)
            return false;
        stats_inc(r->st, ST_DROP_TCP_MEMORY_EVICTED, 1);
        struct pdu p = pdu_for_stream(v);
        stream_close(r, v, &p);
    }
    return true;
}

/* ---- in-order buffer ------------------------------------------------------------------ */

static void free_buffer(struct tcp_reasm *r, struct stream *s)
{
    r->buffered -= s->blen;
    if (s->bcap)
        uncharge(r, s, s->bcap + ALLOC_OVERHEAD);
    free(s->buf);
    s->buf = NULL;
    s->blen = s->bcap = 0;
}

/* The consumer could not frame a message within the caps: give up on these bytes. */
static void drop_buffer(struct tcp_reasm *r, struct stream *s, size_t extra)
{
    stats_inc(r->st, ST_DROP_TCP_STREAM_OVERFLOW, s->blen + extra);
    free_buffer(r, s);
    s->need_sync = true;
}

/* Keep bytes the consumer could not use yet; false when a cap forced a drop. */
static bool append(struct tcp_reasm *r, struct stream *s, const uint8_t *data, size_t len)
{
    if (len == 0)
        return true;
    if (len > r->cfg.max_stream_bytes - s->blen) {
        drop_buffer(r, s, len);
        return false;
    }
    if (len > s->bcap - s->blen) {
        size_t cap = s->bcap ? s->bcap : 4096;
        while (cap < s->blen + len)
            cap *= 2;
        if (cap > r->cfg.max_stream_bytes)
            cap = r->cfg.max_stream_bytes;
        size_t grow = cap - s->bcap + (s->bcap ? 0 : ALLOC_OVERHEAD);
        /* A closing direction is about to free everything: no one else pays for it. */
        if (!s->closing && !make_room(r, s, grow)) {
            drop_buffer(r, s, len);
            return false;
        }
        uint8_t *nb = realloc(s->buf, cap);
        if (!nb) {
            drop_buffer(r, s, len);
            return false;
        }
        s->buf = nb;
        s->bcap = cap;
        charge(r, s, grow);
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
    /* Drained buffers go back at once: a quiet direction should cost only its struct. */
    if (s->blen == 0)
        free_buffer(r, s);
}

/* ---- held (out-of-order) segments ------------------------------------------------------ */

static void seg_free(struct tcp_reasm *r, struct stream *s, struct seg *g)
{
    s->ooo_bytes -= g->len;
    s->ooo_segs--;
    r->buffered -= g->len;
    uncharge(r, s, SEG_CHARGE(g->len));
    free(g);
}

/* Deliver held segments that the in-order data has reached, trimming what it covered. */
static void drain(struct tcp_reasm *r, struct stream *s, const struct pdu *seg)
{
    struct seg *g;
    while ((g = s->ooo) != NULL && (int32_t)(g->seq - s->next_seq) <= 0) {
        s->ooo = g->next;
        uint32_t old = s->next_seq - g->seq;
        if (old >= g->len) {
            stats_inc(r->st, ST_DROP_TCP_DUP_SEGMENTS, 1);
            stats_inc(r->st, ST_DROP_TCP_DUP_BYTES, g->len);
        } else {
            stats_inc(r->st, ST_DROP_TCP_DUP_BYTES, old);
            s->next_seq += g->len - old;
            /* Still charged while the consumer reads it; freed right after. */
            deliver(r, s, seg, g->data + old, g->len - old);
        }
        seg_free(r, s, g);
    }
}

/* Give up the bytes from next_seq to `to`: they, and the partial message waiting
 * in front of them, are lost; delivery resumes at `to` with held data after it. */
static void lose_to(struct tcp_reasm *r, struct stream *s, const struct pdu *seg, uint32_t to)
{
    stats_inc(r->st, ST_DROP_TCP_GAP_BYTES, (uint64_t)(uint32_t)(to - s->next_seq) + s->blen);
    free_buffer(r, s);
    s->need_sync = true;
    s->next_seq = to;
    drain(r, s, seg);
}

/* Holds the parts of [seq, seq+len) that no held segment covers yet (first copy
 * wins). False, holding nothing, when that would pass a cap. */
static bool hold(struct tcp_reasm *r, struct stream *s, uint32_t seq, const uint8_t *data, size_t len)
{
    /* Offsets from next_seq: every held segment lies in (0, SEQ_JUMP + 64 kB). */
    uint32_t a0 = seq - s->next_seq, b = a0 + (uint32_t)len;
    size_t pieces = 0, bytes = 0, charge_need = 0;
    uint32_t a = a0;
    for (struct seg *g = s->ooo; g && a < b; g = g->next) {
        uint32_t ga = g->seq - s->next_seq, gb = ga + g->len;
        if (gb <= a)
            continue;
        if (ga >= b)
            break;
        if (ga > a) {
            pieces++, bytes += ga - a;
            charge_need += SEG_CHARGE(ga - a);
        }
        a = gb;
    }
    if (a < b) {
        pieces++, bytes += b - a;
        charge_need += SEG_CHARGE(b - a);
    }
    if (pieces == 0) { /* everything already held */
        stats_inc(r->st, ST_DROP_TCP_DUP_SEGMENTS, 1);
        stats_inc(r->st, ST_DROP_TCP_DUP_BYTES, len);
        return true;
    }
    if (bytes > r->cfg.max_ooo_bytes - s->ooo_bytes || pieces > r->cfg.max_ooo_segments - s->ooo_segs)
        return false;
    if (!make_room(r, s, charge_need))
        return false;
    stats_inc(r->st, ST_DROP_TCP_DUP_BYTES, len - bytes);
    stats_inc(r->st, ST_TCP_OOO_SEGMENTS, 1);

    struct seg **pp = &s->ooo;
    a = a0;
    while (a < b) {
        while (*pp && (*pp)->seq - s->next_seq + (*pp)->len <= a)
            pp = &(*pp)->next;
        uint32_t end = b;
        if (*pp) {
            uint32_t ga = (*pp)->seq - s->next_seq;
            if (ga <= a) { /* inside a held segment: skip past it */
                a = ga + (*pp)->len;
                continue;
            }
            if (ga < end)
                end = ga;
        }
        struct seg *n = malloc(sizeof *n + (end - a));
        if (!n) {
            stats_inc(r->st, ST_DROP_TCP_STREAM_OVERFLOW, b - a);
            break;
        }
        n->seq = s->next_seq + a;
        n->len = end - a;
        memcpy(n->data, data + (a - a0), n->len);
        n->next = *pp;
        *pp = n;
        pp = &n->next;
        s->ooo_bytes += n->len;
        s->ooo_segs++;
        r->buffered += n->len;
        charge(r, s, SEG_CHARGE(n->len));
        a = end;
    }
    return true;
}

/* Payload of one segment: its old part trimmed, the rest delivered in order or held;
 * when holding would pass a cap, a hole is given up and we try again. */
static void segment_data(struct tcp_reasm *r, struct stream *s, const struct pdu *seg, uint32_t dseq,
                         const uint8_t *data, size_t len)
{
    for (;;) {
        int32_t d = (int32_t)(dseq - s->next_seq);
        if (d < 0) {
            size_t old = (size_t)-(int64_t)d;
            if (old >= len) {
                stats_inc(r->st, ST_DROP_TCP_DUP_SEGMENTS, 1);
                stats_inc(r->st, ST_DROP_TCP_DUP_BYTES, len);
                return;
            }
            stats_inc(r->st, ST_DROP_TCP_DUP_BYTES, old);
            data += old;
            len -= old;
            dseq = s->next_seq;
            d = 0;
        }
        if (d == 0) {
            s->next_seq += (uint32_t)len;
            deliver(r, s, seg, data, len);
            drain(r, s, seg);
            return;
        }
        if (hold(r, s, dseq, data, len))
            return;
        /* Give up the first hole (or the one just before this segment if that
         * comes first); each round moves next_seq forward, so this ends. */
        stats_inc(r->st, ST_DROP_TCP_OOO_OVERFLOW, 1);
        if (s->ooo && (int32_t)(s->ooo->seq - dseq) < 0)
            lose_to(r, s, seg, s->ooo->seq);
        else
            lose_to(r, s, seg, dseq);
    }
}

/* ---- streams ------------------------------------------------------------------------------ */

/* Deliver everything left (holes are lost now) with PDU_EOF and forget the direction. */
static void stream_close(struct tcp_reasm *r, struct stream *s, const struct pdu *seg)
{
    s->closing = true;
    while (s->ooo)
        lose_to(r, s, seg, s->ooo->seq);
    if (s->blen)
        call_consumer(r, s, seg, s->buf, s->blen, true);
    free_buffer(r, s);
    mem_unlink(r, s);
    lh_remove(&r->streams, &s->node);
    free(s);
}

/* The highest sequence number we hold data up to. */
static uint32_t stream_end(const struct stream *s)
{
    uint32_t end = s->next_seq;
    for (const struct seg *g = s->ooo; g; g = g->next)
        end = g->seq + g->len; /* sorted: the last one ends furthest */
    return end;
}

static struct stream *stream_new(struct tcp_reasm *r, const struct pdu *seg, uint64_t h, uint32_t seq,
                                 uint8_t flags)
{
    if (r->streams.count >= r->cfg.max_streams && lh_oldest(&r->streams)) {
        struct stream *old = LH_ENTRY(lh_oldest(&r->streams), struct stream, node);
        struct pdu p = pdu_for_stream(old);
        stats_inc(r->st, ST_DROP_TCP_STREAM_EVICTED, 1);
        stream_close(r, old, &p);
    }
    struct stream *s = calloc(1, sizeof *s);
    if (!s) {
        stats_inc(r->st, ST_DROP_TCP_STREAM_EVICTED, 1);
        return NULL;
    }
    s->flow = seg->flow;
    s->have_isn = (flags & TCP_SYN) != 0;
    s->isn = seq;
    s->next_seq = s->have_isn ? seq + 1 : seq;
    /* Without the SYN we may be in the middle of a message. */
    s->need_sync = !s->have_isn;
    lh_insert(&r->streams, &s->node, h);
    stats_inc(r->st, ST_TCP_STREAMS, 1);
    return s;
}

void tcp_reasm_segment(struct tcp_reasm *r, const struct pdu *seg, uint32_t seq, uint8_t flags,
                       const uint8_t *data, size_t len)
{
    uint64_t h = flow_hash(&seg->flow);
    struct lh_node *n = lh_find(&r->streams, h, flow_eq, &seg->flow);
    struct stream *s = n ? LH_ENTRY(n, struct stream, node) : NULL;
    uint32_t dseq = (flags & TCP_SYN) ? seq + 1 : seq; /* the SYN takes one number */

    if (s) {
        uint32_t dist = dseq - s->next_seq;
        bool resent_syn = s->have_isn && seq == s->isn;
        /* Port reuse: a SYN of another connection, or data far outside any window. */
        if (((flags & TCP_SYN) && !resent_syn) ||
            (len && !(flags & TCP_SYN) && dist > SEQ_JUMP && dist < (uint32_t)0 - SEQ_JUMP)) {
            struct pdu p = pdu_for_stream(s);
            stream_close(r, s, &p);
            s = NULL;
        }
    }
    if (!s) {
        if ((flags & TCP_RST) || ((flags & TCP_FIN) && len == 0))
            return;
        s = stream_new(r, seg, h, seq, flags);
        if (!s)
            return;
    } else {
        lh_touch(&r->streams, &s->node);
    }
    s->last = seg->ts;
    if (len)
        segment_data(r, s, seg, dseq, data, len);
    if (flags & (TCP_FIN | TCP_RST)) {
        /* Bytes before a FIN that never came are lost too. */
        int32_t missing = (int32_t)(dseq + (uint32_t)len - stream_end(s));
        if ((flags & TCP_FIN) && missing > 0 && (uint32_t)missing < SEQ_JUMP)
            stats_inc(r->st, ST_DROP_TCP_GAP_BYTES, (uint64_t)missing);
        stream_close(r, s, seg);
        return;
    }
    mem_touch(r, s);
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

size_t tcp_reasm_memory(const struct tcp_reasm *r)
{
    return r->charged;
}

void tcp_reasm_free(struct tcp_reasm *r)
{
    if (!r)
        return;
    tcp_reasm_flush(r);
    lh_free(&r->streams);
    free(r);
}
