/* summary: HEP sender — target parsing, bounded queue, sender thread, TCP reconnect with backoff. */
#include "probe/hep_out.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "probe/pktq.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define CONNECT_TIMEOUT_MS 2000
#define SEND_TIMEOUT_S 2 /* a collector that stops reading costs a reconnect, not a hang */

struct hep_out {
    struct sockaddr_storage addr;
    socklen_t addrlen;
    bool tcp;
    int64_t gap_ns; /* --hep-rate: least time between two sends, 0 = none */
    int fd; /* sender thread only (UDP: opened in hep_out_new) */
    struct pktq *q;
    pthread_t tid;
    bool started, closed;
    atomic_bool abort; /* closing timed out: stop retrying, count what is left */
    atomic_bool done;  /* the thread has finished */
    atomic_uint_fast64_t sent, send_failed, connects;
};

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void sleep_ms(int ms)
{
    struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
    nanosleep(&t, NULL);
}

/* "HOST:PORT[/udp|/tcp]" into host, port and transport. */
static int parse_target(const char *target, char *host, size_t hostcap, char *port, size_t portcap, bool *tcp,
                        char *err, size_t errlen)
{
    size_t n = strlen(target);
    *tcp = false;
    if (n > 4 && (strcmp(target + n - 4, "/udp") == 0 || strcmp(target + n - 4, "/tcp") == 0)) {
        *tcp = target[n - 3] == 't';
        n -= 4;
    }
    const char *colon = NULL, *h = target;
    size_t hlen;
    if (target[0] == '[') {
        const char *rb = memchr(target, ']', n);
        if (!rb || rb + 1 >= target + n || rb[1] != ':')
            goto bad;
        h = target + 1;
        hlen = (size_t)(rb - h);
        colon = rb + 1;
    } else {
        colon = memchr(target, ':', n);
        if (!colon || memchr(colon + 1, ':', (size_t)(target + n - colon - 1)))
            goto bad;
        hlen = (size_t)(colon - target);
    }
    size_t plen = (size_t)(target + n - colon - 1);
    if (hlen == 0 || hlen >= hostcap || plen == 0 || plen > 5 || plen >= portcap)
        goto bad;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    memcpy(port, colon + 1, plen);
    port[plen] = '\0';
    long v = 0;
    for (size_t i = 0; i < plen; i++) {
        if (port[i] < '0' || port[i] > '9')
            goto bad;
        v = v * 10 + (port[i] - '0');
    }
    if (v < 1 || v > 65535)
        goto bad;
    return 0;
bad:
    snprintf(err, errlen, "--hep-out '%s': expected HOST:PORT[/udp|/tcp] (IPv6 as [ADDR]:PORT)", target);
    return -1;
}

static int open_socket(const struct hep_out *h)
{
    int fd = socket(h->addr.ss_family, (h->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
    return fd;
}

/* Non-blocking connect bounded by CONNECT_TIMEOUT_MS, then a blocking socket with a send timeout. */
static int tcp_connect(const struct hep_out *h)
{
    int fd = open_socket(h);
    if (fd < 0)
        return -1;
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    if (connect(fd, (const struct sockaddr *)&h->addr, h->addrlen) != 0) {
        if (errno != EINPROGRESS)
            goto bad;
        struct pollfd pfd = { .fd = fd, .events = POLLOUT };
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (poll(&pfd, 1, CONNECT_TIMEOUT_MS) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 ||
            soerr != 0)
            goto bad;
    }
    fcntl(fd, F_SETFL, fl);
    struct timeval tv = { .tv_sec = SEND_TIMEOUT_S };
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
bad:
    close(fd);
    return -1;
}

static int send_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void *sender(void *arg)
{
    struct hep_out *h = arg;
    struct capture_pkt m;
    bool have = false;
    int backoff = BACKOFF_MIN_MS;
    int64_t next_try = 0, next_send = 0;
    while (!atomic_load(&h->abort)) {
        if (!have) {
            enum pktq_rc rc = pktq_pop(h->q, &m, 100);
            if (rc == PKTQ_CLOSED)
                break;
            if (rc == PKTQ_TIMEOUT)
                continue;
            have = true;
        }
        if (h->fd < 0) {
            if (mono_ms() < next_try) {
                sleep_ms(20);
                continue;
            }
            h->fd = tcp_connect(h);
            if (h->fd < 0) {
                next_try = mono_ms() + backoff;
                backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
                continue;
            }
            backoff = BACKOFF_MIN_MS;
            atomic_fetch_add(&h->connects, 1);
        }
        if (h->gap_ns) {
            int64_t now = mono_ns();
            if (now < next_send) {
                struct timespec t = { .tv_sec = (next_send - now) / 1000000000LL,
                                      .tv_nsec = (long)((next_send - now) % 1000000000LL) };
                nanosleep(&t, NULL);
            }
            next_send = (now > next_send ? now : next_send) + h->gap_ns;
        }
        if (send_all(h->fd, m.data, m.caplen) == 0) {
            atomic_fetch_add(&h->sent, 1);
        } else {
            atomic_fetch_add(&h->send_failed, 1);
            if (h->tcp) { /* the stream is broken (maybe mid-message): start a new one */
                close(h->fd);
                h->fd = -1;
                next_try = mono_ms() + backoff;
            }
        }
        have = false;
    }
    /* Aborted: what is still held or queued will not be sent. */
    uint64_t left = have ? 1 : 0;
    while (pktq_pop(h->q, &m, 0) == PKTQ_PACKET)
        left++;
    atomic_fetch_add(&h->send_failed, left);
    atomic_store(&h->done, true);
    return NULL;
}

struct hep_out *hep_out_new(const char *target, size_t queue_bytes, uint32_t rate, char *err, size_t errlen)
{
    char host[256], port[8];
    bool tcp;
    if (parse_target(target, host, sizeof host, port, sizeof port, &tcp, err, errlen) != 0)
        return NULL;
    struct addrinfo hints = { .ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM, .ai_flags = AI_NUMERICSERV }, *ai;
    int grc = getaddrinfo(host, port, &hints, &ai);
    if (grc != 0) {
        snprintf(err, errlen, "--hep-out %s: %s", target, gai_strerror(grc));
        return NULL;
    }
    struct hep_out *h = calloc(1, sizeof *h);
    if (!h) {
        freeaddrinfo(ai);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    memcpy(&h->addr, ai->ai_addr, ai->ai_addrlen);
    h->addrlen = ai->ai_addrlen;
    freeaddrinfo(ai);
    h->tcp = tcp;
    h->gap_ns = rate ? 1000000000LL / rate : 0;
    h->fd = -1;
    atomic_init(&h->abort, false);
    atomic_init(&h->done, false);
    if (!tcp) {
        /* A connected UDP socket: the kernel reports an unreachable collector
         * (ICMP port unreachable) as an error on a later send, which is counted. */
        h->fd = open_socket(h);
        if (h->fd < 0 || connect(h->fd, (const struct sockaddr *)&h->addr, h->addrlen) != 0) {
            snprintf(err, errlen, "--hep-out %s: %s", target, strerror(errno));
            goto bad;
        }
    }
    h->q = pktq_new(queue_bytes);
    if (!h->q) {
        snprintf(err, errlen, "out of memory for the HEP send queue");
        goto bad;
    }
    int trc = pthread_create(&h->tid, NULL, sender, h);
    if (trc != 0) {
        snprintf(err, errlen, "cannot start the HEP sender thread: %s", strerror(trc));
        goto bad;
    }
    h->started = true;
    return h;
bad:
    hep_out_free(h);
    return NULL;
}

bool hep_out_send(struct hep_out *h, const uint8_t *msg, size_t len)
{
    struct capture_pkt p = { .data = msg, .caplen = len, .wirelen = len };
    return pktq_push(h->q, &p);
}

void hep_out_get_counters(struct hep_out *h, struct hep_out_counters *c)
{
    c->sent = atomic_load(&h->sent);
    c->send_failed = atomic_load(&h->send_failed);
    c->connects = atomic_load(&h->connects);
    c->queue_full = pktq_dropped(h->q);
}

void hep_out_close(struct hep_out *h, int timeout_ms)
{
    if (!h || h->closed)
        return;
    h->closed = true;
    if (!h->started)
        return;
    pktq_close(h->q);
    int64_t deadline = mono_ms() + timeout_ms;
    while (!atomic_load(&h->done) && mono_ms() < deadline)
        sleep_ms(10);
    atomic_store(&h->abort, true);
    pthread_join(h->tid, NULL);
    h->started = false;
}

void hep_out_free(struct hep_out *h)
{
    if (!h)
        return;
    hep_out_close(h, 0);
    if (h->fd >= 0)
        close(h->fd);
    pktq_free(h->q);
    free(h);
}
