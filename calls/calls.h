/* summary: the table of open calls — correlation by Call-ID, INVITE transaction state,
 * and the bounded-memory policy that decides when a call is finished and stored.
 *
 * Policy (capture time): a call that ended (BYE, CANCEL or a failed INVITE) is
 * finished `linger_sec` after its last message, so late retransmissions still count;
 * any call silent for `idle_sec` is finished; any call open for `max_age_sec` since
 * its first INVITE is finished with what it has (calls_stored_at_max_age), so a
 * dialog refreshed forever cannot hold memory; when `max_calls` are open the least
 * recently active is finished early (counted as calls_evicted_early). */
#ifndef STIRPROBE_CALLS_H
#define STIRPROBE_CALLS_H

#include <stddef.h>
#include <stdint.h>

#include "calls/call.h"
#include "common/stats.h"
#include "decoders/sip.h"
#include "probe/packet.h"

struct calls_cfg {
    size_t max_calls;
    uint32_t linger_sec; /* after the call ended: 32 s = 64*T1, RFC 3261 timer B/F/H */
    uint32_t idle_sec;   /* no message at all for this long */
    uint32_t max_age_sec; /* hard limit from the first INVITE, however active the call is */
};

void calls_default_cfg(struct calls_cfg *cfg);

/* Receives every finished call and owns it from then on (call_free() when done). */
typedef void (*call_done_fn)(void *ctx, struct call *c);

struct calls;

struct calls *calls_new(const struct calls_cfg *cfg, call_done_fn done, void *ctx, struct stats *st);

/* Account one parsed SIP message. Returns the call it belongs to, or NULL when it
 * belongs to no call (non-INVITE dialogs, or in-dialog messages of an unknown call). */
struct call *calls_on_message(struct calls *t, const struct sip_msg *m, const struct pdu *pdu);

/* Finish calls whose timers ran out at capture time now. */
void calls_expire(struct calls *t, struct ptime now);

/* Finish every open call, oldest first (end of input, shutdown). */
void calls_finish_all(struct calls *t);

size_t calls_open(const struct calls *t);

void calls_free(struct calls *t);

#endif
