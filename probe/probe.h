/* summary: the capture-side pipeline — a frame in, transport payloads (struct pdu) out.
 *
 * Link, IP (with IP-in-IP and GRE tunnels), UDP and TCP are decoded here; TCP is
 * reassembled per direction. What the payload means is the sink's business: this
 * layer knows no SIP. */
#ifndef STIRPROBE_PROBE_H
#define STIRPROBE_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/ptime.h"
#include "common/stats.h"
#include "probe/defrag.h"
#include "probe/packet.h"
#include "probe/tcp_reasm.h"

struct probe_sink {
    void *ctx;
    /* A whole UDP datagram (flags 0) or stream bytes (PDU_STREAM; see tcp_deliver_fn).
     * Returns bytes consumed (ignored for datagrams). */
    size_t (*payload)(void *ctx, const struct pdu *pdu, bool *need_sync);
};

struct probe_cfg {
    struct tcp_reasm_cfg tcp;
    struct defrag_cfg defrag;
};

void probe_default_cfg(struct probe_cfg *cfg);

struct probe;

struct probe *probe_new(const struct probe_cfg *cfg, struct probe_sink sink, struct stats *st);
void probe_free(struct probe *p);

/* One captured frame. caplen bytes are at data; wirelen is the original length. */
void probe_frame(struct probe *p, int dlt, struct ptime ts, uint64_t frame, const uint8_t *data,
                 size_t caplen, size_t wirelen);

/* End of input: drain every TCP direction. */
void probe_finish(struct probe *p);

#endif
