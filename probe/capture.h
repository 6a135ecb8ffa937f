/* summary: packet sources — capture files (pcap, pcapng, gzip-compressed, stdin) via libpcap.
 *
 * The only file in the project that includes <pcap.h>. Live capture will sit behind
 * the same next-packet interface. */
#ifndef STIRPROBE_CAPTURE_H
#define STIRPROBE_CAPTURE_H

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

/* Link type name for messages ("EN10MB", "LINUX_SLL2", ...). */
const char *capture_link_name(const struct capture *c);
int capture_dlt(const struct capture *c);

void capture_close(struct capture *c);

#endif
