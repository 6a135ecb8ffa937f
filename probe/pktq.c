/* summary: bounded single-producer single-consumer packet queue (a byte ring under a mutex).
 *
 * Layout: records [header | data padded to 8] one after another; a record never wraps.
 * When one does not fit before the end of the ring, the rest of the ring is skipped:
 * a WRAP header marks the skip when there is room for one, and a gap shorter than a
 * header is skipped implicitly (the consumer does the same arithmetic). head and tail
 * are byte counts that only grow, so "used" is tail - head without ambiguity.
 *
 * The copy in pktq_push() happens under the mutex: one lock per packet is cheap next
 * to SIP decoding, and it keeps the protocol obviously correct. The consumer holds the
 * record it was handed (outside the lock) until its next pop, so the producer can
 * never overwrite bytes that are being read. */
#include "probe/pktq.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct rec_hdr {
    int64_t sec;
    uint32_t nsec;
    int32_t dlt;
    uint32_t caplen; /* REC_WRAP: skip to the start of the ring */
    uint32_t wirelen;
    uint64_t frame;
};

#define REC_WRAP UINT32_MAX
#define ALIGN8(n) (((n) + 7u) & ~(size_t)7u)

struct pktq {
    pthread_mutex_t mu;
    pthread_cond_t cv;    /* signalled when a packet arrives or the queue closes */
    uint8_t *buf;
    size_t cap;
    uint64_t head, tail;  /* bytes consumed / produced since creation */
    size_t held;          /* size of the record the consumer is reading */
    bool closed;
    bool waiting;         /* the consumer sleeps on cv */
    uint64_t dropped, pushed;
};

struct pktq *pktq_new(size_t bytes)
{
    if (bytes < PKTQ_MIN_BYTES)
        bytes = PKTQ_MIN_BYTES;
    bytes = ALIGN8(bytes);
    struct pktq *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->buf = malloc(bytes);
    if (!q->buf) {
        free(q);
        return NULL;
    }
    q->cap = bytes;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    /* Timed waits must not jump with the wall clock (NTP steps, DST is irrelevant). */
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&q->mu, NULL);
    return q;
}

void pktq_free(struct pktq *q)
{
    if (!q)
        return;
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    free(q->buf);
    free(q);
}

static size_t rec_size(size_t caplen)
{
    return sizeof(struct rec_hdr) + ALIGN8(caplen);
}

bool pktq_push(struct pktq *q, const struct capture_pkt *pkt)
{
    /* A record must fit the ring with room to spare for the skip before it. */
    size_t need = pkt->caplen <= q->cap / 2 ? rec_size(pkt->caplen) : q->cap + 1;
    pthread_mutex_lock(&q->mu);
    size_t pos = (size_t)(q->tail % q->cap);
    size_t skip = q->cap - pos < need ? q->cap - pos : 0;
    size_t free_bytes = q->cap - (size_t)(q->tail - q->head);
    if (need > q->cap || skip + need > free_bytes) {
        q->dropped++;
        pthread_mutex_unlock(&q->mu);
        return false;
    }
    if (skip) {
        if (skip >= sizeof(struct rec_hdr)) {
            struct rec_hdr wrap = { .caplen = REC_WRAP };
            memcpy(q->buf + pos, &wrap, sizeof wrap);
        }
        q->tail += skip;
        pos = 0;
    }
    struct rec_hdr h = {
        .sec = pkt->ts.sec,
        .nsec = pkt->ts.nsec,
        .dlt = pkt->dlt,
        .caplen = (uint32_t)pkt->caplen,
        .wirelen = pkt->wirelen > UINT32_MAX ? UINT32_MAX : (uint32_t)pkt->wirelen,
        .frame = pkt->frame,
    };
    memcpy(q->buf + pos, &h, sizeof h);
    if (pkt->caplen)
        memcpy(q->buf + pos + sizeof h, pkt->data, pkt->caplen);
    q->tail += need;
    q->pushed++;
    if (q->waiting)
        pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
    return true;
}

void pktq_close(struct pktq *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = true;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

static struct timespec deadline_after(int ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

enum pktq_rc pktq_pop(struct pktq *q, struct capture_pkt *pkt, int timeout_ms)
{
    pthread_mutex_lock(&q->mu);
    q->head += q->held;
    q->held = 0;
    if (q->head == q->tail && !q->closed && timeout_ms > 0) {
        struct timespec until = deadline_after(timeout_ms);
        q->waiting = true;
        while (q->head == q->tail && !q->closed)
            if (pthread_cond_timedwait(&q->cv, &q->mu, &until) != 0)
                break; /* ETIMEDOUT */
        q->waiting = false;
    }
    if (q->head == q->tail) {
        enum pktq_rc rc = q->closed ? PKTQ_CLOSED : PKTQ_TIMEOUT;
        pthread_mutex_unlock(&q->mu);
        return rc;
    }
    size_t pos = (size_t)(q->head % q->cap);
    struct rec_hdr h;
    if (q->cap - pos >= sizeof h)
        memcpy(&h, q->buf + pos, sizeof h);
    if (q->cap - pos < sizeof h || h.caplen == REC_WRAP) {
        /* The producer skipped the end of the ring; the record is at its start. */
        q->head += q->cap - pos;
        pos = 0;
        memcpy(&h, q->buf, sizeof h);
    }
    q->held = rec_size(h.caplen);
    pthread_mutex_unlock(&q->mu);

    pkt->ts.sec = h.sec;
    pkt->ts.nsec = h.nsec;
    pkt->dlt = h.dlt;
    pkt->caplen = h.caplen;
    pkt->wirelen = h.wirelen;
    pkt->frame = h.frame;
    pkt->data = q->buf + pos + sizeof h;
    return PKTQ_PACKET;
}

uint64_t pktq_dropped(struct pktq *q)
{
    pthread_mutex_lock(&q->mu);
    uint64_t v = q->dropped;
    pthread_mutex_unlock(&q->mu);
    return v;
}

uint64_t pktq_pushed(struct pktq *q)
{
    pthread_mutex_lock(&q->mu);
    uint64_t v = q->pushed;
    pthread_mutex_unlock(&q->mu);
    return v;
}
