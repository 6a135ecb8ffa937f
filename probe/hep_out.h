/* summary: HEP output — a bounded send queue and a sender thread (UDP, or TCP with reconnect).
 *
 * Decoding must never wait for a collector: messages are copied into a bounded
 * queue (probe/pktq.h) and a thread of their own sends them. When the queue is full
 * a message is dropped and counted; so is one whose send fails. Over TCP the stream
 * is framed by the HEP3 total length (nothing else is added) and a lost connection
 * is re-established with exponential backoff (100 ms doubling to 5 s) while the
 * queue keeps filling. Messages are opaque bytes here: this layer knows no SIP. */
#ifndef STIRPROBE_HEP_OUT_H
#define STIRPROBE_HEP_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEP_OUT_QUEUE_BYTES (16u << 20)

struct hep_out;

/* target: "HOST:PORT[/udp|/tcp]" (IPv6 literal in brackets; UDP by default). The
 * host is resolved once, here. rate: at most this many messages a second (0: as fast
 * as the socket takes them), for UDP collectors, which have no flow control and drop
 * what their socket buffer cannot hold; what waits stays in the queue. NULL with a
 * message in err when the target is not of that form, does not resolve, or no socket
 * can be made. */
struct hep_out *hep_out_new(const char *target, size_t queue_bytes, uint32_t rate, char *err, size_t errlen);

/* Queue one message (copied). Never blocks; false when it was dropped (queue full). */
bool hep_out_send(struct hep_out *h, const uint8_t *msg, size_t len);

struct hep_out_counters {
    uint64_t sent;        /* messages handed to the socket whole */
    uint64_t queue_full;  /* dropped: no room in the queue */
    uint64_t send_failed; /* dropped: the send failed, or still unsent when closing */
    uint64_t connects;    /* TCP connections established (1 + reconnects) */
};

void hep_out_get_counters(struct hep_out *h, struct hep_out_counters *c);

/* No more messages: send what is queued, waiting at most timeout_ms for it (what is
 * left then is counted in send_failed), and stop the thread. Counters stay readable. */
void hep_out_close(struct hep_out *h, int timeout_ms);

/* Closes first when hep_out_close was not called (without waiting). */
void hep_out_free(struct hep_out *h);

#endif
