/* summary: per-direction TCP stream reassembly with bounded memory.
 *
 * Each direction of a connection is a byte stream delivered in sequence order to
 * a consumer that says how many bytes it used; the rest waits for more data.
 * Segments that arrive ahead of a hole are held until the hole fills. The
 * reassembler knows nothing of SIP: framing is the consumer's business. */
#ifndef STIRPROBE_TCP_REASM_H
#define STIRPROBE_TCP_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/stats.h"
#include "probe/packet.h"

struct tcp_reasm_cfg {
    size_t max_streams;      /* directions tracked at once; the least recently used is evicted */
    size_t max_stream_bytes; /* in-order bytes the consumer has not used yet, per direction */
    size_t max_ooo_bytes;    /* bytes held ahead of a hole, per direction */
    size_t max_ooo_segments; /* segments held ahead of a hole, per direction */
    size_t max_total_bytes;  /* memory of all buffers and held segments together (allocation
                              * sizes plus a fixed per-allocation overhead); when reached, the
                              * least recently active direction holding memory is closed */
    uint32_t idle_sec;       /* a direction silent this long (capture time) is closed */
};

/* Called with all unconsumed bytes of one direction (pdu->flags has PDU_STREAM, and
 * PDU_EOF when no more bytes will follow). *need_sync is true when the stream started
 * mid-flow or lost bytes: the consumer must skip to a message boundary it recognises
 * and clear it. Returns the number of bytes consumed from the front (≤ pdu->len). */
typedef size_t (*tcp_deliver_fn)(void *ctx, const struct pdu *pdu, bool *need_sync);

struct tcp_reasm;

struct tcp_reasm *tcp_reasm_new(const struct tcp_reasm_cfg *cfg, tcp_deliver_fn fn, void *ctx,
                                struct stats *st);
void tcp_reasm_free(struct tcp_reasm *r);

/* One TCP segment. seg carries time, frame and flow; data/len is the TCP payload.
 * In-order data goes to the consumer at once, data beyond a hole is held. A hole
 * is given up (its bytes counted in drop_tcp_gap_bytes, the consumer resyncs) when
 * the direction's out-of-order caps or the total cap are reached, on FIN or RST, on
 * idle expiry and at the end of input. */
void tcp_reasm_segment(struct tcp_reasm *r, const struct pdu *seg, uint32_t seq, uint8_t flags,
                       const uint8_t *data, size_t len);

/* Close directions idle since before now - idle_sec. */
void tcp_reasm_expire(struct tcp_reasm *r, struct ptime now);

/* End of input: deliver what is left of every direction with PDU_EOF and forget it. */
void tcp_reasm_flush(struct tcp_reasm *r);

/* Payload bytes held by all directions (unconsumed in-order bytes + held segments). */
size_t tcp_reasm_buffered_bytes(const struct tcp_reasm *r);

/* Memory charged against max_total_bytes (buffer capacities and held segments with
 * their overhead). It may pass the cap by at most one direction's worth while that
 * direction is being closed. */
size_t tcp_reasm_memory(const struct tcp_reasm *r);

#endif
