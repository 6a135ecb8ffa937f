/* summary: packet sources — capture files (pcap, pcapng, gzip-compressed, stdin) and
 * live interfaces (TPACKET_V3 through libpcap).
 *
 * The only file in the project that includes <pcap.h>. Files are read with
 * capture_next(); a live handle is driven by capture_dispatch() from one thread,
 * and capture_breakloop() may be called from any thread. */
#ifndef STIRPROBE_CAPTURE_H
#define STIRPROBE_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ptime.h"

struct capture;

struct capture_pkt {
    struct ptime ts;
    const uint8_t *data; /* valid until the next capture_next() */
    size_t caplen, wirelen;
    int dlt;
    uint64_t frame; /* 1-based */
};

enum capture_rc {
    CAPTURE_PACKET = 0,
    CAPTURE_EOF,
    CAPTURE_DAMAGED, /* truncated or corrupt record: everything before it was returned */
};

/* path "-" reads standard input. A gzip file is decompressed on the fly.
 * Returns NULL with a message in err when the file is unreadable or not a capture. */
struct capture *capture_open_file(const char *path, char *err, size_t errlen);

/* Next packet; on CAPTURE_DAMAGED err says what and where. */
enum capture_rc capture_next(struct capture *c, struct capture_pkt *pkt, char *err, size_t errlen);

struct capture_live_cfg {
    const char *iface;   /* "any" captures on every interface (Linux cooked v2 when available) */
    const char *filter;  /* BPF expression, NULL or "" for none */
    size_t buffer_bytes; /* kernel ring (pcap_set_buffer_size) */
    int timeout_ms;      /* ring block timeout: how long a packet may wait in the kernel */
    bool promisc;        /* promiscuous mode (a SPAN port delivers other hosts' frames) */
};

#define CAPTURE_SNAPLEN 65535

/* Opens and activates a live capture. NULL with a message in err (permission
 * problems name the capabilities needed). A warning from libpcap (e.g. promiscuous
 * mode not supported) is written to warn, which is "" otherwise. */
struct capture *capture_open_live(const struct capture_live_cfg *cfg, char *err, size_t errlen,
                                  char *warn, size_t warnlen);

typedef void (*capture_pkt_fn)(void *ctx, const struct capture_pkt *pkt);

/* Live: wait up to timeout_ms for the kernel to hand over packets, then deliver what
 * arrived. Returns the number of packets delivered (0 on timeout or after
 * capture_breakloop), or -1 with a message in err when the capture failed (interface gone). */
int capture_dispatch(struct capture *c, capture_pkt_fn fn, void *ctx, int timeout_ms, char *err,
                     size_t errlen);

/* Make a capture_dispatch() in progress return soon. Safe from another thread. */
void capture_breakloop(struct capture *c);

/* Totals since the capture was opened, kept in 64 bits although libpcap counts in
 * 32 (wrap-arounds are followed as long as this is called at least once per wrap). */
struct capture_stats {
    uint64_t received;        /* seen by the filter (libpcap: ps_recv) */
    uint64_t kernel_dropped;  /* no room in the kernel ring (ps_drop) */
    uint64_t if_dropped;      /* dropped by the interface or driver (ps_ifdrop) */
};

/* Live only; call from the thread that runs capture_dispatch(). 0, or -1 when unavailable. */
int capture_stats(struct capture *c, struct capture_stats *out);

/* LINKTYPE_* value (pcap/pcapng file header) of a DLT_* value from capture_pkt.dlt. */
int capture_linktype(int dlt);

/* Link type name for messages ("EN10MB", "LINUX_SLL2", ...). */
const char *capture_link_name(const struct capture *c);
int capture_dlt(const struct capture *c);

void capture_close(struct capture *c);

#endif
