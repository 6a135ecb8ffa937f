/* summary: the HEP receive loop — sockets, TCP framing by the HEP3 length, auth key,
 * signals, timers and the stats line. */
#include "cli/hep_listen.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "probe/hep.h"

#define MAX_CLIENTS 64              /* TCP connections at once; more are refused and counted */
#define CLIENT_BUF (HEP3_MAX_LEN + 1) /* one whole HEP3 message at most is ever buffered */
#define DGRAM_MAX 65536
#define INFLATE_MAX (256u << 10)    /* a compressed payload may inflate to at most this */
#define POLL_MS 100
#define RCVBUF_BYTES (8 << 20)
#define BURST 256                   /* datagrams read per poll round before timers run */

static volatile sig_atomic_t g_stop, g_hup;

static void on_stop(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void on_hup(int sig)
{
    (void)sig;
    g_hup = 1;
}

struct client {
    int fd;
    size_t n;
    uint8_t *buf;
};

struct hl {
    const struct pipeline_cfg *pcfg;
    const struct hep_listen_cfg *cfg;
    struct pipeline *p;
    int fd; /* UDP socket or TCP listening socket */
    struct client clients[MAX_CLIENTS];
    uint8_t *inflated;
    uint64_t received;
    uint32_t kernel_drops; /* last SO_RXQ_OVFL value (a wrapping u32 counter) */
    bool warned;
    /* packet time of the last message and the monotonic ms when it came */
    bool have_last;
    struct ptime last_ts;
    int64_t last_mono_ms;
};

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static struct ptime wall_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (struct ptime){ .sec = t.tv_sec, .nsec = (uint32_t)t.tv_nsec };
}

/* The time call timers run on: the last HEP timestamp plus the wall time since it came. */
static struct ptime feed_now(const struct hl *L)
{
    if (!L->have_last)
        return wall_now();
    int64_t ns = ptime_ns(L->last_ts) + (mono_ms() - L->last_mono_ms) * 1000000LL;
    return (struct ptime){ .sec = ns / 1000000000LL, .nsec = (uint32_t)(ns % 1000000000LL) };
}

static void malformed(struct hl *L, const char *why)
{
    pipeline_count(L->p, ST_DROP_HEP_MALFORMED, 1);
    if (!L->warned && !L->pcfg->quiet) /* the first one says what is wrong; the counter says how often */
        fprintf(stderr, "stirprobe: malformed HEP message skipped: %s (further ones are only counted)\n", why);
    L->warned = true;
}

static bool key_ok(const struct hl *L, struct slice key)
{
    const char *want = L->pcfg->hep_pass;
    return !want || (key.n == strlen(want) && memcmp(key.p, want, key.n) == 0);
}

static void one_message(struct hl *L, const struct hep_msg *m)
{
    L->received++;
    pipeline_count(L->p, ST_HEP_RECEIVED, 1);
    if (!key_ok(L, m->auth_key)) {
        pipeline_count(L->p, ST_DROP_HEP_AUTH, 1);
        return;
    }
    if (m->has_proto_type && m->proto_type != HEP_PROTO_SIP) {
        pipeline_count(L->p, ST_HEP_NON_SIP, 1);
        return;
    }
    if (!m->has_ip || !m->has_ports) {
        malformed(L, "SIP payload without both addresses and ports");
        return;
    }
    struct slice payload = m->payload;
    if (m->payload_compressed) {
        long n = hep_inflate(m->payload, L->inflated, INFLATE_MAX);
        if (n < 0) {
            malformed(L, "compressed payload does not inflate (or inflates past 256 KiB)");
            return;
        }
        payload = slice_make(L->inflated, (size_t)n);
    }
    struct flow f = { .src = m->src, .dst = m->dst, .sport = m->sport, .dport = m->dport,
                      .proto = m->has_proto && m->ip_proto == IPPROTO_TCP_ ? IPPROTO_TCP_ : IPPROTO_UDP_ };
    struct ptime ts = m->has_ts ? (struct ptime){ .sec = m->ts_sec, .nsec = m->ts_usec * 1000u } : wall_now();
    L->have_last = true;
    L->last_ts = ts;
    L->last_mono_ms = mono_ms();
    pipeline_message(L->p, &f, ts, payload.p, payload.n);
}

/* A UDP datagram: one HEP1/2 message, or one or more HEP3 messages back to back. */
static void datagram(struct hl *L, const uint8_t *d, size_t n)
{
    size_t off = 0;
    do {
        struct hep_msg m;
        const char *why;
        if (hep_decode(d + off, n - off, &m, &why) != HEP_OK) {
            L->received++;
            pipeline_count(L->p, ST_HEP_RECEIVED, 1);
            malformed(L, why);
            return;
        }
        one_message(L, &m);
        off += m.len;
    } while (off < n);
}

static void read_udp(struct hl *L, uint8_t *buf)
{
    for (int i = 0; i < BURST && !(L->cfg->count && L->received >= L->cfg->count); i++) {
        char cbuf[CMSG_SPACE(sizeof(uint32_t))];
        struct iovec iov = { .iov_base = buf, .iov_len = DGRAM_MAX };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
        ssize_t n = recvmsg(L->fd, &mh, MSG_DONTWAIT);
        if (n < 0)
            return;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
                uint32_t drops;
                memcpy(&drops, CMSG_DATA(c), sizeof drops);
                pipeline_count(L->p, ST_DROP_HEP_SOCKET, (uint32_t)(drops - L->kernel_drops));
                L->kernel_drops = drops;
            }
        }
        if (mh.msg_flags & MSG_TRUNC) {
            L->received++;
            pipeline_count(L->p, ST_HEP_RECEIVED, 1);
            malformed(L, "datagram larger than 64 KiB");
            continue;
        }
        datagram(L, buf, (size_t)n);
    }
}

static void close_client(struct hl *L, struct client *c)
{
    if (c->n) { /* a message cut by the end of the connection */
        L->received++;
        pipeline_count(L->p, ST_HEP_RECEIVED, 1);
        malformed(L, "TCP connection closed inside a HEP3 message");
    }
    close(c->fd);
    free(c->buf);
    *c = (struct client){ .fd = -1 };
}

/* Take every whole HEP3 message out of the client's buffer; false when the stream
 * cannot be framed any more (it is then closed: there is no way to resynchronise). */
static bool frame_client(struct hl *L, struct client *c)
{
    size_t off = 0;
    bool ok = true;
    while (off < c->n) {
        long flen = hep3_frame_len(c->buf + off, c->n - off);
        if (flen < 0) {
            L->received++;
            pipeline_count(L->p, ST_HEP_RECEIVED, 1);
            malformed(L, "TCP stream does not continue with a HEP3 header");
            ok = false;
            off = c->n;
            break;
        }
        if (flen == 0 || (size_t)flen > c->n - off)
            break; /* wait for the rest (flen ≤ 65535 < CLIENT_BUF: it always fits) */
        struct hep_msg m;
        const char *why;
        if (hep_decode(c->buf + off, (size_t)flen, &m, &why) == HEP_OK) {
            one_message(L, &m);
        } else {
            L->received++;
            pipeline_count(L->p, ST_HEP_RECEIVED, 1);
            malformed(L, why); /* framed by its length, so the next message is still found */
        }
        off += (size_t)flen;
    }
    memmove(c->buf, c->buf + off, c->n - off);
    c->n -= off;
    return ok;
}

static void read_client(struct hl *L, struct client *c)
{
    ssize_t r = recv(c->fd, c->buf + c->n, CLIENT_BUF - c->n, MSG_DONTWAIT);
    if (r < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (r <= 0) {
        close_client(L, c);
        return;
    }
    c->n += (size_t)r;
    if (!frame_client(L, c)) {
        c->n = 0;
        close_client(L, c);
    }
}

static void accept_client(struct hl *L)
{
    int fd = accept4(L->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (L->clients[i].fd < 0) {
            L->clients[i].buf = malloc(CLIENT_BUF);
            if (!L->clients[i].buf)
                break;
            L->clients[i].fd = fd;
            L->clients[i].n = 0;
            return;
        }
    }
    pipeline_count(L->p, ST_DROP_HEP_CONN_REFUSED, 1);
    close(fd);
}

/* Read everything the kernel holds for us now (datagrams, client bytes), without waiting. */
static void drain(struct hl *L, uint8_t *dbuf)
{
    if (!L->cfg->tcp) {
        uint64_t before;
        do {
            before = L->received;
            read_udp(L, dbuf);
        } while (L->received != before && !(L->cfg->count && L->received >= L->cfg->count));
        return;
    }
    for (int i = 0; i < MAX_CLIENTS; i++) {
        struct client *c = &L->clients[i];
        while (c->fd >= 0) {
            size_t before = c->n;
            uint64_t got = L->received;
            read_client(L, c);
            if (c->fd >= 0 && c->n == before && L->received == got)
                break; /* nothing more right now (EAGAIN) */
        }
    }
}

/* "[ADDR:]PORT" → a bound socket. */
static int open_listener(const struct hep_listen_cfg *hc, char *name, size_t namecap, char *err, size_t errlen)
{
    char host[256] = "", port[16];
    const char *s = hc->listen, *colon = strrchr(s, ':');
    if (s[0] == '[') {
        const char *rb = strchr(s, ']');
        if (!rb || rb[1] != ':' || (size_t)(rb - s - 1) >= sizeof host)
            goto bad;
        memcpy(host, s + 1, (size_t)(rb - s - 1));
        host[rb - s - 1] = '\0';
        colon = rb + 1;
    } else if (colon) {
        if ((size_t)(colon - s) >= sizeof host)
            goto bad;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
    }
    const char *ps = colon ? colon + 1 : s;
    char *end;
    long pv = strtol(ps, &end, 10);
    if (end == ps || *end || pv < 1 || pv > 65535)
        goto bad;
    snprintf(port, sizeof port, "%ld", pv);
    struct addrinfo hints = { .ai_family = host[0] ? AF_UNSPEC : AF_INET6,
                              .ai_socktype = hc->tcp ? SOCK_STREAM : SOCK_DGRAM,
                              .ai_flags = AI_PASSIVE | AI_NUMERICSERV },
                    *ai;
    int grc = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
    if (grc != 0 && !host[0]) { /* no IPv6 here: all IPv4 addresses */
        hints.ai_family = AF_INET;
        grc = getaddrinfo(NULL, port, &hints, &ai);
    }
    if (grc != 0) {
        snprintf(err, errlen, "--listen %s: %s", hc->listen, gai_strerror(grc));
        return -1;
    }
    int fd = -1, one = 1, zero = 0, saved = 0;
    for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (a->ai_family == AF_INET6 && !host[0]) /* the wildcard takes IPv4 too */
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
        if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || (hc->tcp && listen(fd, 16) != 0)) {
            saved = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        snprintf(err, errlen, "--listen %s: cannot bind: %s", hc->listen, strerror(saved));
        return -1;
    }
    if (!hc->tcp) {
        int rb = RCVBUF_BYTES;
        /* as root the system limit (net.core.rmem_max) may be exceeded; else take what is allowed */
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rb, sizeof rb) != 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rb, sizeof rb);
        setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
    }
    snprintf(name, namecap, "%s:%s%s%s:%s", hc->tcp ? "tcp" : "udp", strchr(host, ':') ? "[" : "",
             host[0] ? host : "*", strchr(host, ':') ? "]" : "", port);
    return fd;
bad:
    snprintf(err, errlen, "--listen '%s': expected [ADDR:]PORT (IPv6 as [ADDR]:PORT)", hc->listen);
    return -1;
}

static void stats_line(struct hl *L, uint64_t *prev, int64_t *prev_ms)
{
    int64_t now = mono_ms(), ms = now - *prev_ms;
    fprintf(stderr,
            "stirprobe: %llu HEP messages (+%.0f/s), malformed %llu, socket drops %llu, %llu calls, "
            "%llu Identity, %zu open calls\n",
            (unsigned long long)L->received, ms > 0 ? (double)(L->received - *prev) * 1000.0 / (double)ms : 0.0,
            (unsigned long long)pipeline_total(L->p, ST_DROP_HEP_MALFORMED),
            (unsigned long long)pipeline_total(L->p, ST_DROP_HEP_SOCKET),
            (unsigned long long)pipeline_total(L->p, ST_CALLS),
            (unsigned long long)pipeline_total(L->p, ST_IDENTITY_HEADERS), pipeline_open_calls(L->p));
    *prev = L->received;
    *prev_ms = now;
}

int hep_listen_run(const struct pipeline_cfg *pcfg, const struct hep_listen_cfg *hc)
{
    char err[512], name[320];
    int status = 1;
    uint8_t *dbuf = NULL;
    struct hl L = { .pcfg = pcfg, .cfg = hc, .fd = -1 };
    for (int i = 0; i < MAX_CLIENTS; i++)
        L.clients[i].fd = -1;
    L.fd = open_listener(hc, name, sizeof name, err, sizeof err);
    if (L.fd < 0) {
        fprintf(stderr, "stirprobe: %s\n", err);
        goto out;
    }
    dbuf = malloc(DGRAM_MAX);
    L.inflated = malloc(INFLATE_MAX);
    if (!dbuf || !L.inflated) {
        fprintf(stderr, "stirprobe: out of memory\n");
        goto out;
    }
    L.p = pipeline_new(pcfg, err, sizeof err);
    if (!L.p) {
        fprintf(stderr, "stirprobe: %s\n", err);
        goto out;
    }
    struct pipeline_source src = { .name = name, .kind = "hep", .link_name = "HEP" };
    if (pipeline_begin_source(L.p, &src) != 0)
        goto out;

    g_stop = g_hup = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
    if (!pcfg->quiet)
        fprintf(stderr, "stirprobe: listening for HEP on %s\n", name);

    status = 0;
    int64_t start = mono_ms(), prev_ms = start, next_stats = start + hc->stats_interval * 1000;
    uint64_t prev = 0;
    while (!g_stop) {
        struct pollfd pfd[1 + MAX_CLIENTS];
        struct client *who[1 + MAX_CLIENTS];
        nfds_t n = 0;
        pfd[n++] = (struct pollfd){ .fd = L.fd, .events = POLLIN };
        for (int i = 0; i < MAX_CLIENTS; i++)
            if (L.clients[i].fd >= 0) {
                who[n] = &L.clients[i];
                pfd[n++] = (struct pollfd){ .fd = L.clients[i].fd, .events = POLLIN };
            }
        if (poll(pfd, n, POLL_MS) > 0) {
            if (pfd[0].revents & POLLIN)
                hc->tcp ? accept_client(&L) : read_udp(&L, dbuf);
            for (nfds_t i = 1; i < n; i++)
                if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
                    read_client(&L, who[i]);
        }
        if (pipeline_tick(L.p, feed_now(&L)) != 0) {
            status = 1;
            break;
        }
        if (g_hup) {
            g_hup = 0;
            if (pipeline_reopen_db(L.p, err, sizeof err) != 0) {
                fprintf(stderr, "stirprobe: SIGHUP: %s\n", err);
                status = 1;
                break;
            }
            if (!pcfg->quiet)
                fprintf(stderr, "stirprobe: SIGHUP: reopened %s\n", pcfg->db_path);
        }
        int64_t now = mono_ms();
        if (hc->stats_interval > 0 && now >= next_stats) {
            stats_line(&L, &prev, &prev_ms);
            next_stats = now + hc->stats_interval * 1000;
        }
        if ((hc->count && L.received >= hc->count) || (hc->duration > 0 && now - start >= hc->duration * 1000))
            break;
    }
    /* What already arrived is decoded before storing, as capture does with its queue. */
    if (status == 0)
        drain(&L, dbuf);
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (L.clients[i].fd >= 0)
            close_client(&L, &L.clients[i]);
    if (!pcfg->quiet)
        fprintf(stderr, "stirprobe: %s: %llu HEP messages, %llu SIP messages, malformed %llu, socket drops %llu\n",
                name, (unsigned long long)L.received, (unsigned long long)pipeline_total(L.p, ST_SIP_MESSAGES),
                (unsigned long long)pipeline_total(L.p, ST_DROP_HEP_MALFORMED),
                (unsigned long long)pipeline_total(L.p, ST_DROP_HEP_SOCKET));
    if (pipeline_finish(L.p) != 0)
        status = 1;
out:
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (L.clients[i].fd >= 0) {
            close(L.clients[i].fd);
            free(L.clients[i].buf);
        }
    pipeline_free(L.p);
    if (L.fd >= 0)
        close(L.fd);
    free(dbuf);
    free(L.inflated);
    return status;
}
