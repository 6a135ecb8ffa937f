/* summary: per-direction TCP stream reassembly with bounded memory.
 *
 * Each direction of a connection is a byte stream delivered in sequence order to
 * a consumer that says how many bytes it used; the rest waits for more data. The
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
    size_t max_stream_bytes; /* unconsumed bytes buffered per direction */
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

/* One TCP segment. seg carries time, frame and flow; data/len is the TCP payload. */
void tcp_reasm_segment(struct tcp_reasm *r, const struct pdu *seg, uint32_t seq, uint8_t flags,
                       const uint8_t *data, size_t len);

/* Close directions idle since before now - idle_sec. */
void tcp_reasm_expire(struct tcp_reasm *r, struct ptime now);

/* End of input: deliver what is left of every direction with PDU_EOF and forget it. */
void tcp_reasm_flush(struct tcp_reasm *r);

size_t tcp_reasm_buffered_bytes(const struct tcp_reasm *r);

#endif
