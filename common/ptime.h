/* summary: packet time with nanosecond precision — the only clock below cli/.
 *
 * iat freshness, certificate validity and call timeouts are judged against the
 * capture timestamp, never the wall clock, so an old capture decodes and verifies
 * exactly as it would have on the day it was taken. */
#ifndef STIRPROBE_PTIME_H
#define STIRPROBE_PTIME_H

#include <stddef.h>
#include <stdint.h>

struct ptime {
    int64_t sec;
    uint32_t nsec; /* 0..999999999 */
};

static inline int64_t ptime_ns(struct ptime t)
{
    return t.sec * 1000000000LL + (int64_t)t.nsec;
}

static inline int ptime_cmp(struct ptime a, struct ptime b)
{
    if (a.sec != b.sec)
        return a.sec < b.sec ? -1 : 1;
    if (a.nsec != b.nsec)
        return a.nsec < b.nsec ? -1 : 1;
    return 0;
}

#define PTIME_ISO_LEN 64

/* "2025-03-01T12:00:00.500000Z": UTC, microseconds truncated (not rounded), so a
 * value never moves into the next second. buf must hold PTIME_ISO_LEN bytes. */
void ptime_iso(struct ptime t, char *buf);

/* Parse ISO 8601 UTC ("2025-03-01", "2025-03-01T12:00:00", fractional seconds and a
 * trailing Z or +00:00 accepted). Returns 0 on success. */
int ptime_parse_iso(const char *s, struct ptime *out);

#endif
