/* summary: a thread that owns the database writes of finished calls, so decoding the
 * next packets overlaps the SQL work of the previous calls (two cores: roughly half
 * the wall time of a `read`).
 *
 * Calls are handed over (ownership moves until they are stored) through a bounded
 * queue; a full queue makes the producer wait, so memory stays bounded and nothing is
 * dropped. Every other use of the store (capture records, certificates, commits,
 * checkpoints) happens on the producer's thread after store_writer_sync(), which
 * waits until the writer has stored everything handed to it and is idle: the store
 * itself is never used by two threads at once. One producer thread: the one that puts
 * also frees what was stored. */
#ifndef STIRPROBE_STORE_WRITER_H
#define STIRPROBE_STORE_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calls/call.h"
#include "db/store.h"

/* Calls waiting for the writer at most (~4 MiB): four of its slices, enough to keep
 * it busy; more would only hold memory. */
#define STORE_WRITER_QUEUE 1024

struct store_writer;

/* NULL when out of memory or no thread could be started. */
struct store_writer *store_writer_new(struct store *s, size_t max_queued);

/* Stores c on the writer thread (the calls it stored are freed on this thread, by later
 * puts and by sync); waits while the queue is full. After a
 * write failed, the call is only freed: store_writer_sync() reports the failure. */
void store_writer_put(struct store_writer *w, int64_t capture_id, struct call *c);

/* Waits until every call put so far is stored. Returns 0, or -1 when a write failed
 * (store_errmsg() of the store says why; the writer stores nothing after that). */
int store_writer_sync(struct store_writer *w);

/* Whether a write failed, without waiting (the producer stops reading early). */
bool store_writer_failed(const struct store_writer *w);

/* Syncs, stops the thread and frees the writer (not the store). */
void store_writer_free(struct store_writer *w);

#endif
