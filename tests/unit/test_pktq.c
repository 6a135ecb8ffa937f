/* summary: tests for probe/pktq — order and bytes, drops when full, wrap-around of
 * records of every size, timeouts, close, and a two-thread run where every packet is
 * either delivered in order or counted as dropped. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe/pktq.h"
#include "tests/unit/harness.h"

/* Packet n has a size and bytes derived from n, so any mix-up shows. */
static size_t size_of(uint64_t n)
{
    return (size_t)((n * 7919u) % 1600u);
}

static struct capture_pkt make_pkt(uint64_t n, uint8_t *buf)
{
    size_t len = size_of(n);
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(n + i * 31u);
    return (struct capture_pkt){ .ts = { .sec = (int64_t)n, .nsec = (uint32_t)(n % 1000000000u) },
                                 .data = buf,
                                 .caplen = len,
                                 .wirelen = len + 4,
                                 .dlt = (int)(n % 3),
                                 .frame = n };
}

static bool pkt_ok(const struct capture_pkt *got, uint64_t n)
{
    uint8_t want[2048];
    struct capture_pkt w = make_pkt(n, want);
    return got->frame == n && got->ts.sec == w.ts.sec && got->ts.nsec == w.ts.nsec && got->dlt == w.dlt &&
           got->caplen == w.caplen && got->wirelen == w.wirelen &&
           (w.caplen == 0 || memcmp(got->data, want, w.caplen) == 0);
}

static void pktq_fifo(void)
{
    struct pktq *q = pktq_new(0); /* rounded up to the minimum */
    if (!CHECK(q != NULL))
        return;
    uint8_t buf[2048];
    for (uint64_t n = 1; n <= 100; n++) {
        struct capture_pkt p = make_pkt(n, buf);
        CHECK(pktq_push(q, &p));
    }
    struct capture_pkt got;
    for (uint64_t n = 1; n <= 100; n++) {
        if (!CHECK_EQ_INT(pktq_pop(q, &got, 0), PKTQ_PACKET))
            break;
        CHECK(pkt_ok(&got, n));
    }
    CHECK_EQ_INT(pktq_pop(q, &got, 0), PKTQ_TIMEOUT);
    CHECK_EQ_INT(pktq_pushed(q), 100);
    CHECK_EQ_INT(pktq_dropped(q), 0);
    pktq_free(q);
}

static void pktq_full_drops_and_recovers(void)
{
    struct pktq *q = pktq_new(PKTQ_MIN_BYTES);
    if (!CHECK(q != NULL))
        return;
    static uint8_t big[60000];
    memset(big, 0xAB, sizeof big);
    struct capture_pkt p = { .data = big, .caplen = sizeof big, .wirelen = sizeof big };
    uint64_t ok = 0;
    for (int i = 0; i < 40; i++) {
        p.frame = (uint64_t)i + 1;
        ok += pktq_push(q, &p);
    }
    CHECK(ok > 10 && ok < 40);
    CHECK_EQ_INT(pktq_dropped(q), 40 - ok);
    CHECK_EQ_INT(pktq_pushed(q), ok);
    /* The packet being read is still held: the queue stays full. */
    struct capture_pkt got;
    CHECK_EQ_INT(pktq_pop(q, &got, 0), PKTQ_PACKET);
    CHECK_EQ_INT(got.frame, 1);
    CHECK(!pktq_push(q, &p));
    /* Taking the next one releases the first: room again. */
    CHECK_EQ_INT(pktq_pop(q, &got, 0), PKTQ_PACKET);
    CHECK_EQ_INT(got.frame, 2);
    p.frame = 99;
    CHECK(pktq_push(q, &p));
    CHECK_EQ_INT(pktq_dropped(q), 40 - ok + 1);
    pktq_free(q);
}

static void pktq_too_big_is_dropped(void)
{
    struct pktq *q = pktq_new(PKTQ_MIN_BYTES);
    if (!CHECK(q != NULL))
        return;
    uint8_t b = 0;
    struct capture_pkt p = { .data = &b, .caplen = PKTQ_MIN_BYTES / 2 + 1 };
    CHECK(!pktq_push(q, &p));
    CHECK_EQ_INT(pktq_dropped(q), 1);
    p.caplen = 0; /* an empty frame is a valid record */
    CHECK(pktq_push(q, &p));
    struct capture_pkt got;
    CHECK_EQ_INT(pktq_pop(q, &got, 0), PKTQ_PACKET);
    CHECK_EQ_INT(got.caplen, 0);
    pktq_free(q);
}

/* Push/pop in lock-step through many laps of the ring: records of every size end at
 * every offset, so both the marked and the implicit skip at the end are exercised. */
static void pktq_wraps(void)
{
    struct pktq *q = pktq_new(PKTQ_MIN_BYTES);
    if (!CHECK(q != NULL))
        return;
    uint8_t buf[2048];
    uint64_t next_in = 1, next_out = 1, refused = 0;
    bool good = true;
    while (next_in < 20000 && good) {
        for (int k = 0; k < 37; k++) {
            struct capture_pkt p = make_pkt(next_in, buf);
            if (!pktq_push(q, &p)) {
                refused++;
                break;
            }
            next_in++;
        }
        for (int k = 0; k < 29 && next_out < next_in; k++) {
            struct capture_pkt got;
            if (pktq_pop(q, &got, 0) != PKTQ_PACKET || !pkt_ok(&got, next_out)) {
                good = false;
                break;
            }
            next_out++;
        }
    }
    CHECK(good);
    CHECK(next_in >= 20000); /* about 16 MB through a 1 MiB ring */
    CHECK(refused > 0);      /* the ring did fill up on the way */
    CHECK_EQ_INT(pktq_dropped(q), refused);
    pktq_free(q);
}

static void pktq_timeout_and_close(void)
{
    struct pktq *q = pktq_new(PKTQ_MIN_BYTES);
    if (!CHECK(q != NULL))
        return;
    struct capture_pkt got;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    CHECK_EQ_INT(pktq_pop(q, &got, 50), PKTQ_TIMEOUT);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ms = (long)(b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    CHECK(ms >= 40 && ms < 2000);
    uint8_t buf[2048];
    struct capture_pkt p = make_pkt(5, buf);
    CHECK(pktq_push(q, &p));
    pktq_close(q);
    /* Closed: what was queued still comes out, then CLOSED without waiting. */
    CHECK_EQ_INT(pktq_pop(q, &got, 1000), PKTQ_PACKET);
    CHECK(pkt_ok(&got, 5));
    CHECK_EQ_INT(pktq_pop(q, &got, 1000), PKTQ_CLOSED);
    pktq_free(q);
}

struct prod {
    struct pktq *q;
    uint64_t n;
};

static void *producer(void *arg)
{
    struct prod *pr = arg;
    uint8_t buf[2048];
    for (uint64_t i = 1; i <= pr->n; i++) {
        struct capture_pkt p = make_pkt(i, buf);
        pktq_push(pr->q, &p);
    }
    pktq_close(pr->q);
    return NULL;
}

static void pktq_two_threads(void)
{
    struct prod pr = { .q = pktq_new(PKTQ_MIN_BYTES), .n = 200000 };
    if (!CHECK(pr.q != NULL))
        return;
    pthread_t t;
    if (!CHECK_EQ_INT(pthread_create(&t, NULL, producer, &pr), 0)) {
        pktq_free(pr.q);
        return;
    }
    uint64_t got_n = 0, last = 0;
    bool in_order = true, intact = true;
    struct capture_pkt got;
    enum pktq_rc rc;
    while ((rc = pktq_pop(pr.q, &got, 1000)) != PKTQ_CLOSED) {
        if (rc != PKTQ_PACKET)
            continue;
        got_n++;
        in_order &= got.frame > last;
        intact &= pkt_ok(&got, got.frame);
        last = got.frame;
    }
    pthread_join(t, NULL);
    CHECK(in_order);
    CHECK(intact);
    /* Nothing is lost without being counted. */
    CHECK_EQ_INT(got_n + pktq_dropped(pr.q), pr.n);
    CHECK_EQ_INT(pktq_pushed(pr.q), got_n);
    pktq_free(pr.q);
}

void test_pktq(void)
{
    RUN(pktq_fifo);
    RUN(pktq_full_drops_and_recovers);
    RUN(pktq_too_big_is_dropped);
    RUN(pktq_wraps);
    RUN(pktq_timeout_and_close);
    RUN(pktq_two_threads);
}
