/* summary: `stirprobe hep --listen` — receive HEP1/2/3 over UDP or HEP3 over TCP and feed
 * the decapsulated SIP into the same pipeline as a capture.
 *
 * One thread: the socket's receive buffer is the queue (its overflows are counted
 * from the kernel's own drop counter). Packet time is the HEP timestamp; call
 * timers advance between messages by the wall time elapsed since the last one, so
 * a feed replaying an old capture behaves like that capture read from a file. */
#ifndef STIRPROBE_HEP_LISTEN_H
#define STIRPROBE_HEP_LISTEN_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/pipeline.h"

struct hep_listen_cfg {
    const char *listen;  /* "[ADDR:]PORT" (IPv6 as [ADDR]:PORT); all addresses when ADDR is left out */
    bool tcp;            /* --tcp: HEP3 over TCP instead of UDP */
    long stats_interval; /* seconds, 0 = no stats lines */
    uint64_t count;      /* -c: stop after this many HEP messages (0 = no limit) */
    long duration;       /* --duration: stop after this many seconds (0 = no limit) */
};

/* Runs until SIGINT/SIGTERM, -c or --duration; returns the exit status (0 stopped
 * normally, 1 could not start or the database failed). With pcfg->hep_pass set,
 * messages whose auth key differs are dropped and counted. */
int hep_listen_run(const struct pipeline_cfg *pcfg, const struct hep_listen_cfg *hc);

#endif
