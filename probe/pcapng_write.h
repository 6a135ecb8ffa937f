/* summary: a small pcapng writer (draft-ietf-opsawg-pcapng): one section, one
 * interface per link type, Enhanced Packet Blocks with nanosecond timestamps.
 *
 * Used for the evidence file of `-w`: the frames that carried SIP, readable by
 * Wireshark, tshark, tcpdump and `stirprobe read`. Blocks are written in host byte
 * order, which the Section Header's byte-order magic announces. */
#ifndef STIRPROBE_PCAPNG_WRITE_H
#define STIRPROBE_PCAPNG_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "common/ptime.h"

#define PCAPNG_MAX_IFACES 16
#define PCAPNG_MAX_PACKET (1u << 18) /* larger frames are cut to this (and say so) */

struct pcapng_w;

/* Creates (truncates) path and writes the Section Header; appl names the writer
 * (shb_userappl). NULL with a message in err. */
struct pcapng_w *pcapng_w_open(const char *path, const char *appl, char *err, size_t errlen);

/* One packet of LINKTYPE_* linktype. The first packet of a link type adds an
 * Interface Description Block (if_name may be NULL). comment (opt_comment) may be
 * NULL. Returns 0, or -1 after a write error (sticky; pcapng_w_error() says which). */
int pcapng_w_packet(struct pcapng_w *w, int linktype, const char *if_name, struct ptime ts,
                    const uint8_t *data, size_t caplen, size_t wirelen, const char *comment);

/* Push buffered blocks to the file (so a killed process leaves whole blocks). */
int pcapng_w_flush(struct pcapng_w *w);

/* Text of the first write error, or NULL. */
const char *pcapng_w_error(const struct pcapng_w *w);

uint64_t pcapng_w_packets(const struct pcapng_w *w);

/* Flush, close and free. 0, or -1 with a message in err when anything failed since
 * the file was opened. NULL is a no-op. */
int pcapng_w_close(struct pcapng_w *w, char *err, size_t errlen);

#endif
