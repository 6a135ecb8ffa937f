/* summary: the live capture loop — capture thread, bounded queue, signals, timers,
 * stats line, SIGHUP database reopen and privilege drop. */
#include "cli/live.h"

#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "probe/capture.h"
#include "probe/pktq.h"

#define RING_TIMEOUT_MS 100 /* kernel block timeout: packets wait at most this long */
#define POP_TIMEOUT_MS 100  /* how often the main loop looks at signals and timers */
#define CLOCK_EVERY 256     /* packets between clock reads under load */

/* Signals only set flags; the main loop acts on them between packets. */
static volatile sig_atomic_t g_stop, g_hup;

static void on_stop_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void on_hup(int sig)
{
    (void)sig;
    g_hup = 1;
}

struct live {
    const struct live_cfg *cfg;
    struct capture *cap;
    struct pktq *q;

    /* capture thread → main thread */
    atomic_bool stop;        /* main asks the capture thread to end */
    pthread_mutex_t mu;      /* guards the fields below */
    struct capture_stats cs; /* last libpcap counters read by the capture thread */
    bool failed;             /* capture_dispatch failed (err says why) */
    char err[512];

    uint64_t seen; /* capture thread only: packets delivered by libpcap */
};

static void on_packet(void *ctx, const struct capture_pkt *pkt)
{
    struct live *L = ctx;
    if (L->cfg->count && L->seen >= L->cfg->count) {
        capture_breakloop(L->cap);
        return;
    }
    L->seen++;
    pktq_push(L->q, pkt); /* a full queue counts the drop itself */
    if (L->cfg->count && L->seen >= L->cfg->count)
        capture_breakloop(L->cap);
}

static void publish_stats(struct live *L)
{
    struct capture_stats cs;
    if (capture_stats(L->cap, &cs) != 0)
        return;
    pthread_mutex_lock(&L->mu);
    L->cs = cs;
    pthread_mutex_unlock(&L->mu);
}

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The capture thread owns the pcap handle: libpcap handles are not thread-safe, so
 * even pcap_stats() is called here and its result published under the mutex. */
static void *capture_thread(void *arg)
{
    struct live *L = arg;
    char err[512];
    int64_t last_stats = mono_ms();
    while (!atomic_load(&L->stop)) {
        if (capture_dispatch(L->cap, on_packet, L, RING_TIMEOUT_MS, err, sizeof err) < 0) {
            pthread_mutex_lock(&L->mu);
            L->failed = true;
            snprintf(L->err, sizeof L->err, "%s", err);
            pthread_mutex_unlock(&L->mu);
            break;
        }
        if (mono_ms() - last_stats >= 500) {
            publish_stats(L);
            last_stats = mono_ms();
        }
        if (L->cfg->count && L->seen >= L->cfg->count)
            break;
    }
    publish_stats(L);
    pktq_close(L->q);
    return NULL;
}

static struct ptime wall_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (struct ptime){ .sec = t.tv_sec, .nsec = (uint32_t)t.tv_nsec };
}

/* -Z: leave root for good once everything privileged is open (the capture socket,
 * the database, the evidence file). */
static int drop_privileges(const char *user, char *err, size_t errlen)
{
    errno = 0;
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        snprintf(err, errlen, "-Z %s: no such user%s%s", user, errno ? ": " : "", errno ? strerror(errno) : "");
        return -1;
    }
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    if (getuid() == uid && geteuid() == uid && getgid() == gid)
        return 0; /* already that user */
    if (initgroups(pw->pw_name, gid) != 0 || setresgid(gid, gid, gid) != 0 ||
        setresuid(uid, uid, uid) != 0) {
        snprintf(err, errlen,
                 "-Z %s: cannot switch user: %s (needs root; a binary with only "
                 "cap_net_raw,cap_net_admin should be run as the target user, without -Z)",
                 user, strerror(errno));
        return -1;
    }
    if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        snprintf(err, errlen, "-Z %s: could regain root after dropping privileges; refusing to run", user);
        return -1;
    }
    return 0;
}

struct rates {
    int64_t at_ms;
    uint64_t packets, calls, idents;
};

static double per_sec(uint64_t now, uint64_t before, int64_t ms)
{
    return ms > 0 ? (double)(now - before) * 1000.0 / (double)ms : 0.0;
}

static void stats_line(struct pipeline *p, const struct capture_stats *cs, uint64_t qdrops,
                       struct rates *prev)
{
    struct rates cur = { .at_ms = mono_ms(),
                         .packets = pipeline_total(p, ST_PACKETS),
                         .calls = pipeline_total(p, ST_CALLS),
                         .idents = pipeline_total(p, ST_IDENTITY_HEADERS) };
    int64_t ms = cur.at_ms - prev->at_ms;
    fprintf(stderr,
            "stirprobe: %llu pkts (+%.0f/s), kernel drops %llu, queue drops %llu, %llu calls (%.1f/s), "
            "%llu Identity (%.1f/s), %zu open calls\n",
            (unsigned long long)cur.packets, per_sec(cur.packets, prev->packets, ms),
            (unsigned long long)(cs->kernel_dropped + cs->if_dropped), (unsigned long long)qdrops,
            (unsigned long long)cur.calls, per_sec(cur.calls, prev->calls, ms),
            (unsigned long long)cur.idents, per_sec(cur.idents, prev->idents, ms), pipeline_open_calls(p));
    *prev = cur;
}

/* Capture-level drops are measured outside the pipeline: add what is new since the
 * last call to the counters of the current capture record. */
struct drops {
    uint64_t kernel, iface, queue;
};

static void sync_drops(struct live *L, struct pipeline *p, struct drops *done, struct capture_stats *cs,
                       uint64_t *qdrops)
{
    pthread_mutex_lock(&L->mu);
    *cs = L->cs;
    pthread_mutex_unlock(&L->mu);
    *qdrops = pktq_dropped(L->q);
    pipeline_count(p, ST_DROP_CAPTURE_KERNEL, cs->kernel_dropped - done->kernel);
    pipeline_count(p, ST_DROP_CAPTURE_INTERFACE, cs->if_dropped - done->iface);
    pipeline_count(p, ST_DROP_CAPTURE_QUEUE_FULL, *qdrops - done->queue);
    *done = (struct drops){ cs->kernel_dropped, cs->if_dropped, *qdrops };
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
}

int live_run(const struct pipeline_cfg *pcfg, const struct live_cfg *lc)
{
    char err[512], warn[512];
    int status = 1;
    bool thread_started = false;
    pthread_t tid;
    struct pipeline *p = NULL;
    struct live L = { .cfg = lc };
    atomic_init(&L.stop, false);
    pthread_mutex_init(&L.mu, NULL);

    struct capture_live_cfg cc = {
        .iface = lc->iface,
        .filter = lc->filter,
        .buffer_bytes = lc->buffer_mib << 20,
        .timeout_ms = RING_TIMEOUT_MS,
        .promisc = lc->promisc,
    };
    L.cap = capture_open_live(&cc, err, sizeof err, warn, sizeof warn);
    if (!L.cap) {
        fprintf(stderr, "stirprobe: %s\n", err);
        goto out;
    }
    if (warn[0])
        fprintf(stderr, "stirprobe: warning: %s\n", warn);
    p = pipeline_new(pcfg, err, sizeof err);
    if (!p) {
        fprintf(stderr, "stirprobe: %s\n", err);
        goto out;
    }
    if (lc->write_path && pipeline_open_evidence(p, lc->write_path, err, sizeof err) != 0) {
        fprintf(stderr, "stirprobe: %s\n", err);
        goto out;
    }
    if (lc->user && drop_privileges(lc->user, err, sizeof err) != 0) {
        fprintf(stderr, "stirprobe: %s\n", err);
        goto out;
    }
    L.q = pktq_new(lc->queue_mib << 20);
    if (!L.q) {
        fprintf(stderr, "stirprobe: out of memory for a %zu MiB queue\n", lc->queue_mib);
        goto out;
    }
    struct pipeline_source src = { .name = lc->iface, .kind = "live", .link_name = capture_link_name(L.cap) };
    if (pipeline_begin_source(p, &src) != 0)
        goto out;

    /* Signals go to the main thread only: the capture thread starts with them blocked. */
    g_stop = g_hup = 0;
    install_signals();
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int trc = pthread_create(&tid, NULL, capture_thread, &L);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (trc != 0) {
        fprintf(stderr, "stirprobe: cannot start the capture thread: %s\n", strerror(trc));
        goto out;
    }
    thread_started = true;
    if (!pcfg->quiet)
        fprintf(stderr, "stirprobe: listening on %s, link-type %s, snaplen %d, buffer %zu MiB%s%s%s\n",
                lc->iface, capture_link_name(L.cap), CAPTURE_SNAPLEN, lc->buffer_mib,
                lc->filter ? ", filter '" : "", lc->filter ? lc->filter : "", lc->filter ? "'" : "");

    struct drops done = { 0 };
    struct capture_stats cs = { 0 };
    uint64_t qdrops = 0, since_clock = 0;
    struct rates prev = { .at_ms = mono_ms() };
    int64_t start_ms = prev.at_ms, next_stats_ms = start_ms + lc->stats_interval * 1000;
    status = 0;
    for (;;) {
        if (g_stop)
            break;
        struct capture_pkt pkt;
        enum pktq_rc rc = pktq_pop(L.q, &pkt, POP_TIMEOUT_MS);
        if (rc == PKTQ_CLOSED)
            break; /* -c reached, or the capture failed */
        if (rc == PKTQ_PACKET) {
            pipeline_packet(p, &pkt);
            if (++since_clock < CLOCK_EVERY && !g_hup)
                continue;
        }
        since_clock = 0;
        if (pipeline_tick(p, wall_now()) != 0) {
            status = 1;
            break;
        }
        sync_drops(&L, p, &done, &cs, &qdrops);
        if (g_hup) {
            g_hup = 0;
            if (pipeline_reopen_db(p, err, sizeof err) != 0) {
                fprintf(stderr, "stirprobe: SIGHUP: %s\n", err);
                status = 1;
                break;
            }
            if (!pcfg->quiet)
                fprintf(stderr, "stirprobe: SIGHUP: reopened %s\n", pcfg->db_path);
        }
        int64_t now_ms = mono_ms();
        if (lc->stats_interval > 0 && now_ms >= next_stats_ms) {
            stats_line(p, &cs, qdrops, &prev);
            next_stats_ms = now_ms + lc->stats_interval * 1000;
        }
        if (lc->duration > 0 && now_ms - start_ms >= lc->duration * 1000)
            break;
    }

    /* Stop capturing, then decode everything already queued before storing. */
    atomic_store(&L.stop, true);
    capture_breakloop(L.cap);
    pthread_join(tid, NULL);
    thread_started = false;
    struct capture_pkt pkt;
    while (status != 1 && pktq_pop(L.q, &pkt, 0) == PKTQ_PACKET)
        pipeline_packet(p, &pkt);
    sync_drops(&L, p, &done, &cs, &qdrops);
    if (L.failed) {
        fprintf(stderr, "stirprobe: %s: %s; the packets before it are kept\n", lc->iface, L.err);
        pipeline_source_status(p, "truncated", L.err);
        if (status == 0)
            status = 2;
    }
    if (!pcfg->quiet)
        fprintf(stderr, "stirprobe: %s: %llu packets captured, %llu decoded, kernel drops %llu, interface drops %llu, queue drops %llu\n",
                lc->iface, (unsigned long long)pktq_pushed(L.q) + qdrops,
                (unsigned long long)pipeline_total(p, ST_PACKETS), (unsigned long long)cs.kernel_dropped,
                (unsigned long long)cs.if_dropped, (unsigned long long)qdrops);
    if (pipeline_finish(p) != 0)
        status = 1;
    if (pipeline_close_evidence(p) != 0 && status == 0)
        status = 1;
out:
    if (thread_started) {
        atomic_store(&L.stop, true);
        capture_breakloop(L.cap);
        pthread_join(tid, NULL);
    }
    pipeline_free(p);
    capture_close(L.cap);
    pktq_free(L.q);
    pthread_mutex_destroy(&L.mu);
    return status;
}
