/* summary: `stirprobe capture` — live capture on an interface until a signal or a bound.
 *
 * Two threads: the capture thread only copies packets from the kernel ring into a
 * bounded queue (probe/pktq.h); the main thread decodes, correlates and stores, and
 * handles signals, timers, stats and database rotation. Capture therefore never
 * waits for SQLite or certificate fetches; if decoding falls behind, the queue
 * fills and further packets are dropped and counted. */
#ifndef STIRPROBE_LIVE_H
#define STIRPROBE_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/pipeline.h"

struct live_cfg {
    const char *iface;      /* -i */
    const char *filter;     /* -f BPF, NULL for none */
    size_t buffer_mib;      /* -B: kernel ring */
    size_t queue_mib;       /* --queue-size: capture → decoder queue */
    long stats_interval;    /* --stats-interval seconds, 0 = no stats lines */
    const char *user;       /* -Z: drop privileges to this user after opening */
    const char *write_path; /* -w: pcapng evidence of the SIP packets */
    uint64_t count;         /* -c: stop after this many packets (0 = no limit) */
    long duration;          /* --duration: stop after this many seconds (0 = no limit) */
    bool promisc;           /* off with -p */
};

/* Runs until SIGINT/SIGTERM, -c or --duration; returns the exit status
 * (0 stopped normally, 1 could not start or the database failed, 2 the capture
 * failed part-way, e.g. the interface went away; what came before is stored). */
int live_run(const struct pipeline_cfg *pcfg, const struct live_cfg *lc);

#endif
