/* summary: a bounded packet queue between the capture thread and the decoding thread.
 *
 * Live capture must never wait for the database or a certificate fetch: the kernel
 * ring would overflow and drop packets nobody counts. One producer copies each
 * packet into a byte ring of fixed size; one consumer takes them out in order. When
 * the ring has no room the packet is dropped and counted (drop_capture_queue_full),
 * so memory stays bounded and every loss is visible. */
#ifndef STIRPROBE_PKTQ_H
#define STIRPROBE_PKTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe/capture.h"

#define PKTQ_MIN_BYTES (1u << 20) /* room for several maximal (64 kB) packets */

struct pktq;

/* A ring of `bytes` (rounded up to 8, at least PKTQ_MIN_BYTES). NULL when out of memory. */
struct pktq *pktq_new(size_t bytes);
void pktq_free(struct pktq *q);

/* Producer: copy one packet in. false when there is no room (counted as dropped). */
bool pktq_push(struct pktq *q, const struct capture_pkt *pkt);

/* Producer: no more packets will come; a consumer waiting in pktq_pop() returns. */
void pktq_close(struct pktq *q);

enum pktq_rc {
    PKTQ_PACKET = 0, /* *pkt filled; its data stays valid until the next pktq_pop() */
    PKTQ_TIMEOUT,    /* nothing arrived within timeout_ms */
    PKTQ_CLOSED,     /* closed by the producer and empty */
};

/* Consumer: release the packet of the previous call and take the next one, waiting
 * at most timeout_ms (0: do not wait) for it. */
enum pktq_rc pktq_pop(struct pktq *q, struct capture_pkt *pkt, int timeout_ms);

/* Packets dropped because the ring was full, and packets pushed (both since creation). */
uint64_t pktq_dropped(struct pktq *q);
uint64_t pktq_pushed(struct pktq *q);

#endif
