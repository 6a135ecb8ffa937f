/* summary: a strict, bounded pcapng reader of our own (no libpcap), so that a file whose
 * interfaces have different link types and timestamp resolutions can be read: libpcap
 * refuses any interface whose link type differs from the first one's.
 *
 * Reads Section Header Blocks (either byte order; a new section forgets the
 * interfaces of the previous one), Interface Description Blocks (link type, snaplen,
 * if_tsresol, if_tsoffset), Enhanced, Simple and obsolete Packet Blocks, and skips
 * every other block type after checking its framing. Each packet carries the link
 * type of its own interface. Packet data points into the reader's block buffer: no
 * copy beyond the one read from the FILE. */
#ifndef STIRPROBE_PCAPNG_READ_H
#define STIRPROBE_PCAPNG_READ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/ptime.h"

/* Bounds: a block is never larger than this (a 16 MiB packet is not a SIP frame, and
 * an unbounded length would let a damaged file make us allocate gigabytes) ... */
#define PCAPNG_MAX_BLOCK (16u << 20)
/* ... and no section describes more interfaces than this. */
#define PCAPNG_MAX_IFACES 4096u

#define PCAPNG_SHB_TYPE 0x0A0D0D0Au

struct pcapng_r;

struct pcapng_pkt {
    struct ptime ts;
    const uint8_t *data; /* valid until the next pcapng_r_next() */
    uint32_t caplen, wirelen;
    uint32_t linktype; /* LINKTYPE_* of the packet's interface (file value) */
    uint32_t iface;    /* interface id within its section */
};

enum pcapng_rc {
    PCAPNG_PACKET = 0,
    PCAPNG_EOF,
    PCAPNG_DAMAGED, /* err says what; every packet before it was returned */
};

/* Reads the first Section Header Block from fp (positioned at the file's start),
 * then every Interface Description Block and skippable block up to the first packet,
 * so the link types of the interfaces are known before the first packet is asked
 * for. NULL with a message in err when fp does not start with a valid SHB. Damage
 * after the SHB is not an open error: the first pcapng_r_next() reports it.
 * fp stays the caller's (it is not closed by pcapng_r_close). */
struct pcapng_r *pcapng_r_open(FILE *fp, char *err, size_t errlen);

/* Next packet. Once DAMAGED or EOF, every later call says the same. */
enum pcapng_rc pcapng_r_next(struct pcapng_r *r, struct pcapng_pkt *pkt, char *err, size_t errlen);

/* Interfaces of the current section known so far, and the link type of one. */
size_t pcapng_r_ifaces(const struct pcapng_r *r);
uint32_t pcapng_r_linktype(const struct pcapng_r *r, size_t i);

void pcapng_r_close(struct pcapng_r *r);

#endif
