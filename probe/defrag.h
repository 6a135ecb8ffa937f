/* summary: IPv4 and IPv6 fragment reassembly (RFC 791 §3.2, RFC 8200 §4.5) with bounded memory.
 *
 * Big SIP INVITEs (several Identity headers plus SDP) exceed the MTU and arrive as
 * fragments, in any order. Overlapping bytes keep the first copy (RFC 5722 forbids
 * overlaps for IPv6; first-wins is what most stacks do for IPv4) and are counted. */
#ifndef STIRPROBE_DEFRAG_H
#define STIRPROBE_DEFRAG_H

#include <stddef.h>
#include <stdint.h>

#include "common/ptime.h"
#include "common/stats.h"
#include "probe/ip.h"

struct defrag_cfg {
    size_t max_datagrams;   /* datagrams being reassembled at once; oldest evicted */
    size_t max_fragments;   /* fragments per datagram */
    size_t max_total_bytes; /* buffered by all datagrams together */
    uint32_t timeout_sec;   /* capture time from the first fragment */
};

struct defrag;

struct defrag *defrag_new(const struct defrag_cfg *cfg, struct stats *st);
void defrag_free(struct defrag *d);

/* Add the fragment described by ip (IP_FRAGMENT from ip_decode). Returns 1 when the
 * datagram is complete: *out then holds the upper-layer payload (valid until the next
 * call) and out_ip->proto its protocol; 0 while incomplete or dropped. */
int defrag_add(struct defrag *d, struct ptime ts, const struct ip_out *ip, struct ip_out *out_ip);

void defrag_expire(struct defrag *d, struct ptime now);

#endif
