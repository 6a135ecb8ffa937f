/* summary: the database writer thread (see store_writer.h). */
#include "db/store_writer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

struct item {
    struct call *call;
    int64_t capture_id;
};

/* The writer takes what is queued in slices of this size, one lock round per slice
 * rather than per call. */
#define TAKE_MAX 256

struct store_writer {
    struct store *store;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t work;  /* queue not empty, or stop */
    pthread_cond_t room;  /* queue not full, or writer idle */
    struct item *ring;
    size_t cap, head, count;
    /* Stored calls go back to the producer's thread to be freed: they were allocated
     * there, and glibc frees another thread's chunks through the owning arena (its
     * lock, and cold chunk headers) — a few percent of the writer, the busier thread. */
    struct call **stored, **spare; /* spare: the producer's, swapped in when it frees */
    size_t n_stored;
    bool busy;            /* the writer holds items outside the ring */
    atomic_bool failed;   /* read without the lock by store_writer_failed() */
    bool stop;
};

static void *run(void *arg)
{
    struct store_writer *w = arg;
    struct item take[TAKE_MAX];
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->count == 0 && !w->stop) {
            w->busy = false;
            pthread_cond_broadcast(&w->room);
            pthread_cond_wait(&w->work, &w->mu);
        }
        if (w->count == 0)
            break;
        size_t n = 0;
        while (w->count && n < TAKE_MAX) {
            take[n++] = w->ring[w->head];
            w->head = (w->head + 1) % w->cap;
            w->count--;
        }
        w->busy = true;
        bool failed = w->failed;
        pthread_cond_broadcast(&w->room);
        pthread_mutex_unlock(&w->mu);

        for (size_t i = 0; i < n; i++)
            if (!failed && store_put_call(w->store, take[i].capture_id, take[i].call) != 0)
                failed = true;

        pthread_mutex_lock(&w->mu);
        w->failed = failed;
        for (size_t i = 0; i < n; i++)
            w->stored[w->n_stored++] = take[i].call;
    }
    w->busy = false;
    pthread_cond_broadcast(&w->room);
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

struct store_writer *store_writer_new(struct store *s, size_t max_queued)
{
    struct store_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->store = s;
    w->cap = max_queued ? max_queued : 1;
    w->ring = calloc(w->cap, sizeof *w->ring);
    /* What the last put left (under a slice), the queue and a slice in hand. */
    w->stored = calloc(w->cap + 2 * TAKE_MAX, sizeof *w->stored);
    w->spare = calloc(w->cap + 2 * TAKE_MAX, sizeof *w->spare);
    if (!w->ring || !w->stored || !w->spare) {
        free(w->ring);
        free(w->stored);
        free(w->spare);
        free(w);
        return NULL;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->work, NULL);
    pthread_cond_init(&w->room, NULL);
    if (pthread_create(&w->thread, NULL, run, w) != 0) {
        pthread_cond_destroy(&w->room);
        pthread_cond_destroy(&w->work);
        pthread_mutex_destroy(&w->mu);
        free(w->ring);
        free(w->stored);
        free(w->spare);
        free(w);
        return NULL;
    }
    return w;
}

/* Called with the lock held: the stored calls move to w->spare, to be freed after
 * unlocking; returns how many. */
static size_t take_stored(struct store_writer *w)
{
    struct call **t = w->spare;
    w->spare = w->stored;
    w->stored = t;
    size_t n = w->n_stored;
    w->n_stored = 0;
    return n;
}

static void free_calls(struct call **calls, size_t n)
{
    for (size_t i = 0; i < n; i++)
        call_free(calls[i]);
}

void store_writer_put(struct store_writer *w, int64_t capture_id, struct call *c)
{
    size_t n_done = 0;
    pthread_mutex_lock(&w->mu);
    while (w->count == w->cap)
        pthread_cond_wait(&w->room, &w->mu);
    w->ring[(w->head + w->count) % w->cap] = (struct item){ c, capture_id };
    w->count++;
    /* A writer that is already working will find this call when it comes back for
     * more; waking it costs a futex call per call otherwise. */
    if (!w->busy)
        pthread_cond_signal(&w->work);
    if (w->n_stored >= TAKE_MAX)
        n_done = take_stored(w);
    pthread_mutex_unlock(&w->mu);
    free_calls(w->spare, n_done);
}

bool store_writer_failed(const struct store_writer *w)
{
    return atomic_load_explicit(&w->failed, memory_order_relaxed);
}

int store_writer_sync(struct store_writer *w)
{
    pthread_mutex_lock(&w->mu);
    while (w->count || w->busy)
        pthread_cond_wait(&w->room, &w->mu);
    int rc = w->failed ? -1 : 0;
    size_t n = take_stored(w);
    pthread_mutex_unlock(&w->mu);
    free_calls(w->spare, n);
    return rc;
}

void store_writer_free(struct store_writer *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    free_calls(w->stored, w->n_stored);
    free(w->stored);
    free(w->spare);
    pthread_cond_destroy(&w->room);
    pthread_cond_destroy(&w->work);
    pthread_mutex_destroy(&w->mu);
    free(w->ring);
    free(w);
}
