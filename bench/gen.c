/* summary: bench_gen — the benchmark capture: N SIP calls at a chosen rate, 7 messages
 * each (INVITE, 100, 180, 200, ACK, BYE, 200), every INVITE with its own ES256-signed
 * shaken PASSporT from one of the bench PKI's signers, ~70 % of calls over UDP from
 * many peers and ~30 % over a dozen long-lived TCP connections, 1 % of the tokens
 * tampered after signing (a valid-looking signature that does not verify).
 *
 *   bench_gen pki DIR [--signers N]
 *   bench_gen pcap --pki DIR --calls N [--rate CPS] [--seed S] [--threads T] OUT.pcap
 *
 * Fast by construction: the tokens are signed first, in T threads; then the messages
 * are streamed in time order (a min-heap holds each open call's next message) straight
 * into a pcap (µs, Ethernet/IPv4) through one big buffer, so memory is the tokens plus
 * the open calls, not the file. OUT.truth gets what the file holds (key=value), so the
 * benchmark can check the probe's answers, not only its speed. */
#include "bench/gen.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define T0_US 1740830400000000ULL /* 2025-03-01T12:00:00Z: inside the bench PKI's validity */
#define N_TCP_CONNS 12
#define N_UDP_PEERS 4000
#define N_SBC 4
#define STEPS 7

struct gcall {
    uint64_t t[STEPS];   /* µs since the epoch of each message */
    uint64_t id;         /* random: Call-ID, tags, branches */
    uint64_t orig, dest; /* TNs */
    uint32_t peer;       /* UDP peer or TCP proxy address */
    uint32_t sbc;
    uint16_t peer_port;
    int8_t conn;         /* -1 UDP, else TCP connection */
    uint8_t signer;
    bool tampered;
    char attest;
    char *identity;      /* Identity header value, signed */
};

struct tcpconn {
    uint32_t cli, srv;
    uint16_t cport, sport;
    uint32_t seq[2];     /* next sequence number: [0] client → server, [1] back */
};

struct gen {
    struct gcall *calls;
    long ncalls;
    EVP_PKEY **keys;
    int nkeys;
    struct tcpconn conns[N_TCP_CONNS];
    /* output */
    FILE *f;
    uint8_t *ob;
    size_t on, ocap;
    uint64_t packets, bytes;
    uint16_t ip_id;
};

static double mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* ---- addresses: RFC 1918 space; bench/live rewrites them into 127/8 ---------------- */

static uint32_t ip4(unsigned a, unsigned b, unsigned c, unsigned d)
{
    return a << 24 | b << 16 | c << 8 | d;
}

static const char *ipstr(uint32_t a, char out[16])
{
    snprintf(out, 16, "%u.%u.%u.%u", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255);
    return out;
}

/* ---- signing (parallel) --------------------------------------------------------------- */

struct signjob {
    struct gen *g;
    long from, to;
};

static void *sign_range(void *arg)
{
    struct signjob *j = arg;
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (long i = j->from; i < j->to; i++) {
        struct gcall *c = &j->g->calls[i];
        char x5u[96], hdr[192], claims[320];
        snprintf(x5u, sizeof x5u, BENCH_X5U_BASE "sp-%03u.pem", c->signer);
        /* RFC 8225 §9 canonical form: keys sorted, no whitespace. */
        snprintf(hdr, sizeof hdr, "{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":\"%s\"}",
                 x5u);
        snprintf(claims, sizeof claims,
                 "{\"attest\":\"%c\",\"dest\":{\"tn\":[\"%llu\"]},\"iat\":%llu,\"orig\":{\"tn\":\"%llu\"},"
                 "\"origid\":\"%08x-%04x-4%03x-8%03x-%012llx\"}",
                 c->attest, (unsigned long long)c->dest, (unsigned long long)(c->t[0] / 1000000),
                 (unsigned long long)c->orig, (unsigned)(c->id >> 32), (unsigned)(c->id >> 16 & 0xffff),
                 (unsigned)(c->id >> 4 & 0xfff), (unsigned)(i & 0xfff), (unsigned long long)i);
        char *tok = jws_sign_json(j->g->keys[c->signer], hdr, claims);
        if (c->tampered) {
            /* Change one character in the middle of the signature: still 64 bytes of
             * base64url, so the token decodes and only the ES256 check fails. */
            char *sig = strrchr(tok, '.') + 1;
            char *x = sig + 20;
            const char *pos = strchr(b64, *x);
            *x = b64[(pos - b64 + 17) % 64];
        }
        c->identity = xasprintf("%s;info=<%s>;alg=ES256;ppt=shaken", tok, x5u);
        free(tok);
    }
    return NULL;
}

static void sign_all(struct gen *g, int threads)
{
    pthread_t th[64];
    struct signjob jobs[64];
    if (threads < 1)
        threads = 1;
    if (threads > 64)
        threads = 64;
    for (int t = 0; t < threads; t++) {
        jobs[t] = (struct signjob){ g, g->ncalls * t / threads, g->ncalls * (t + 1) / threads };
        if (pthread_create(&th[t], NULL, sign_range, &jobs[t]))
            die("pthread_create failed");
    }
    for (int t = 0; t < threads; t++)
        pthread_join(th[t], NULL);
}

/* ---- pcap output -------------------------------------------------------------------- */

static void out_flush(struct gen *g)
{
    if (g->on && fwrite(g->ob, 1, g->on, g->f) != g->on)
        die("write failed: %s", strerror(errno));
    g->on = 0;
}

static uint8_t *out_reserve(struct gen *g, size_t n)
{
    if (g->on + n > g->ocap)
        out_flush(g);
    return g->ob + g->on;
}

static void be16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
    be16(p, v >> 16), be16(p + 2, v & 0xffff);
}

static void le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

/* RFC 1071 sum, 16-bit words in network order. */
static uint32_t csum(uint32_t acc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        acc += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        acc += (uint32_t)p[n - 1] << 8;
    return acc;
}

static uint16_t cfold(uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

/* One Ethernet/IPv4/UDP-or-TCP record (tcp_flags 0: UDP). */
static void emit(struct gen *g, uint64_t ts_us, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                 uint8_t tcp_flags, uint32_t seq, uint32_t ack, const void *payload, size_t plen)
{
    bool tcp = tcp_flags != 0;
    size_t l4h = tcp ? 20 : 8, frame = 14 + 20 + l4h + plen;
    uint8_t *r = out_reserve(g, 16 + frame), *e = r + 16, *ip = e + 14, *l4 = ip + 20;
    le32(r, (uint32_t)(ts_us / 1000000));
    le32(r + 4, (uint32_t)(ts_us % 1000000));
    le32(r + 8, (uint32_t)frame);
    le32(r + 12, (uint32_t)frame);
    /* Locally administered MACs derived from the addresses. */
    e[0] = 0x02, e[1] = 0, be32(e + 2, dst);
    e[6] = 0x02, e[7] = 0, be32(e + 8, src);
    be16(e + 12, 0x0800);
    ip[0] = 0x45, ip[1] = 0;
    be16(ip + 2, (unsigned)(20 + l4h + plen));
    be16(ip + 4, g->ip_id++);
    be16(ip + 6, tcp ? 0x4000 : 0);
    ip[8] = 64, ip[9] = tcp ? 6 : 17;
    be16(ip + 10, 0);
    be32(ip + 12, src);
    be32(ip + 16, dst);
    be16(ip + 10, cfold(csum(0, ip, 20)));
    be16(l4, sport);
    be16(l4 + 2, dport);
    if (tcp) {
        be32(l4 + 4, seq);
        be32(l4 + 8, ack);
        l4[12] = 5 << 4, l4[13] = tcp_flags;
        be16(l4 + 14, 64240);
        be16(l4 + 16, 0);
        be16(l4 + 18, 0);
    } else {
        be16(l4 + 4, (unsigned)(8 + plen));
        be16(l4 + 6, 0);
    }
    memcpy(l4 + l4h, payload, plen);
    uint32_t ph = csum(csum(0, ip + 12, 8), (const uint8_t[]){ 0, ip[9] }, 2);
    ph += (uint32_t)(l4h + plen);
    uint16_t c = cfold(csum(ph, l4, l4h + plen));
    if (!tcp && c == 0)
        c = 0xffff;
    be16(l4 + (tcp ? 16 : 6), c);
    g->on += 16 + frame;
    g->packets++;
    g->bytes += frame;
}

/* ---- SIP messages ------------------------------------------------------------------- */

static const char SDP[] = "v=0\r\no=- 4711 4711 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
                          "m=audio %u RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
                          "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";

/* Message `step` of call i into out; returns its length. */
static size_t build_msg(const struct gcall *c, long i, int step, char *out, size_t cap)
{
    char peer[16], sbc[16], sdp[512];
    ipstr(c->peer, peer);
    ipstr(c->sbc, sbc);
    const char *tr = c->conn < 0 ? "UDP" : "TCP";
    unsigned long long o = (unsigned long long)c->orig, d = (unsigned long long)c->dest;
    unsigned long long id = (unsigned long long)c->id;
    char common[640];
    /* Via, From, To, Call-ID as every message of the dialog repeats them. */
    char totag[24] = "";
    if (step >= 2) /* the UAS tags To from the 180 on */
        snprintf(totag, sizeof totag, ";tag=%012llx", id >> 8);
    snprintf(common, sizeof common,
             "Via: SIP/2.0/%s %s:%u;branch=z9hG4bK%llx-%d\r\n"
             "From: <sip:+%llu@%s;user=phone>;tag=%llx\r\n"
             "To: <sip:+%llu@%s;user=phone>%s\r\n"
             "Call-ID: %016llx-%ld@%s\r\n",
             tr, peer, c->peer_port, id, step >= 5 ? 3 : step == 4 ? 2 : 1, o, peer, id ^ 0x5a5a, d, sbc, totag, id, i, peer);
    int n;
    switch (step) {
    case 0: {
        int sl = snprintf(sdp, sizeof sdp, SDP, peer, peer, 10000u + (unsigned)(id % 20000) * 2);
        n = snprintf(out, cap,
                     "INVITE sip:+%llu@%s;user=phone SIP/2.0\r\n%sMax-Forwards: 70\r\nCSeq: 1 INVITE\r\n"
                     "Contact: <sip:+%llu@%s:%u;transport=%s>\r\n"
                     "P-Asserted-Identity: <sip:+%llu@%s;user=phone>\r\n"
                     "Identity: %s\r\n"
                     "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\nUser-Agent: stirprobe-bench\r\n"
                     "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
                     d, sbc, common, o, peer, c->peer_port, tr, o, peer, c->identity, sl, sdp);
        break;
    }
    case 1:
    case 2:
        n = snprintf(out, cap, "SIP/2.0 %s\r\n%sCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
                     step == 1 ? "100 Trying" : "180 Ringing", common);
        break;
    case 3: {
        int sl = snprintf(sdp, sizeof sdp, SDP, sbc, sbc, 30000u + (unsigned)(id % 20000) * 2);
        n = snprintf(out, cap,
                     "SIP/2.0 200 OK\r\n%sCSeq: 1 INVITE\r\nContact: <sip:+%llu@%s:5060;transport=%s>\r\n"
                     "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
                     common, d, sbc, tr, sl, sdp);
        break;
    }
    case 4:
        n = snprintf(out, cap, "ACK sip:+%llu@%s:5060 SIP/2.0\r\n%sMax-Forwards: 70\r\nCSeq: 1 ACK\r\n"
                               "Content-Length: 0\r\n\r\n", d, sbc, common);
        break;
    case 5:
        n = snprintf(out, cap, "BYE sip:+%llu@%s:5060 SIP/2.0\r\n%sMax-Forwards: 70\r\nCSeq: 2 BYE\r\n"
                               "Content-Length: 0\r\n\r\n", d, sbc, common);
        break;
    default:
        n = snprintf(out, cap, "SIP/2.0 200 OK\r\n%sCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n", common);
        break;
    }
    if (n < 0 || (size_t)n >= cap)
        die("message too long");
    return (size_t)n;
}

/* Requests (INVITE, ACK, BYE) go from the peer to the SBC, responses back. */
static bool from_peer(int step)
{
    return step == 0 || step == 4 || step == 5;
}

static void emit_msg(struct gen *g, long i, int step)
{
    struct gcall *c = &g->calls[i];
    char msg[4096];
    size_t n = build_msg(c, i, step, msg, sizeof msg);
    bool fwd = from_peer(step);
    if (c->conn < 0) {
        if (fwd)
            emit(g, c->t[step], c->peer, c->peer_port, c->sbc, 5060, 0, 0, 0, msg, n);
        else
            emit(g, c->t[step], c->sbc, 5060, c->peer, c->peer_port, 0, 0, 0, msg, n);
        return;
    }
    struct tcpconn *tc = &g->conns[c->conn];
    int dir = fwd ? 0 : 1;
    uint32_t seq = tc->seq[dir], ack = tc->seq[!dir];
    if (fwd)
        emit(g, c->t[step], tc->cli, tc->cport, tc->srv, tc->sport, 0x18, seq, ack, msg, n);
    else
        emit(g, c->t[step], tc->srv, tc->sport, tc->cli, tc->cport, 0x18, seq, ack, msg, n);
    tc->seq[dir] += (uint32_t)n;
}

/* ---- time-ordered streaming: a min-heap of (time of the next message, call, step) -- */

struct ev {
    uint64_t t;
    int32_t call;
    int8_t step;
};

static void heap_push(struct ev *h, size_t *n, struct ev e)
{
    size_t i = (*n)++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h[p].t < e.t || (h[p].t == e.t && h[p].call <= e.call))
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = e;
}

static struct ev heap_pop(struct ev *h, size_t *n)
{
    struct ev top = h[0], last = h[--*n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l >= *n)
            break;
        if (l + 1 < *n && (h[l + 1].t < h[l].t || (h[l + 1].t == h[l].t && h[l + 1].call < h[l].call)))
            l++;
        if (h[l].t < last.t || (h[l].t == last.t && h[l].call < last.call))
            m = l;
        if (m == i)
            break;
        h[i] = h[m];
        i = m;
    }
    h[i] = last;
    return top;
}

static void plan_calls(struct gen *g, double rate, uint64_t seed)
{
    uint64_t rng = seed;
    for (long i = 0; i < g->ncalls; i++) {
        struct gcall *c = &g->calls[i];
        uint64_t r = rng_next(&rng);
        /* Arrivals at `rate` per second, each jittered inside its slot. */
        double slot = 1e6 / rate;
        c->t[0] = T0_US + (uint64_t)(i * slot) + r % (uint64_t)(slot > 1 ? slot : 1);
        c->t[1] = c->t[0] + 2000 + rng_next(&rng) % 8000;          /* 100 after 2–10 ms */
        c->t[2] = c->t[0] + 50000 + rng_next(&rng) % 250000;       /* 180 after 50–300 ms */
        c->t[3] = c->t[2] + 500000 + rng_next(&rng) % 3000000;     /* answered 0.5–3.5 s later */
        c->t[4] = c->t[3] + 5000 + rng_next(&rng) % 15000;         /* ACK */
        c->t[5] = c->t[4] + 2000000 + rng_next(&rng) % 18000000;   /* talk 2–20 s, BYE */
        c->t[6] = c->t[5] + 2000 + rng_next(&rng) % 8000;          /* 200 to BYE */
        c->id = rng_next(&rng);
        c->orig = 12000000000ULL + rng_next(&rng) % 7999999999ULL;
        c->dest = 12000000000ULL + rng_next(&rng) % 7999999999ULL;
        c->signer = (uint8_t)(rng_next(&rng) % (uint64_t)g->nkeys);
        c->tampered = rng_next(&rng) % 100 == 0;
        unsigned a = (unsigned)(rng_next(&rng) % 10);
        c->attest = a < 7 ? 'A' : a < 9 ? 'B' : 'C';
        if (rng_next(&rng) % 10 < 3) {
            c->conn = (int8_t)(rng_next(&rng) % N_TCP_CONNS);
            c->peer = g->conns[c->conn].cli;
            c->peer_port = g->conns[c->conn].cport;
            c->sbc = g->conns[c->conn].srv;
        } else {
            unsigned k = 1 + (unsigned)(rng_next(&rng) % N_UDP_PEERS);
            c->conn = -1;
            c->peer = ip4(10, 1 + k / 65536, k / 256 % 256, k % 256);
            c->peer_port = 5060;
            c->sbc = ip4(10, 0, 0, 1 + (unsigned)(rng_next(&rng) % N_SBC));
        }
    }
}

static void usage(void)
{
    fputs("usage: bench_gen pki DIR [--signers N]\n"
          "       bench_gen pcap --pki DIR --calls N [--rate CPS] [--seed S] [--threads T] OUT.pcap\n",
          stderr);
    exit(2);
}

static int cmd_pcap_bench(int argc, char **argv)
{
    const char *pki = NULL;
    long ncalls = 20000;
    double rate = 500;
    uint64_t seed = 1;
    int threads = 2;
    static const struct option lo[] = { { "pki", 1, NULL, 'p' },  { "calls", 1, NULL, 'n' },
                                        { "rate", 1, NULL, 'r' }, { "seed", 1, NULL, 's' },
                                        { "threads", 1, NULL, 't' }, { NULL, 0, NULL, 0 } };
    int o;
    while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (o) {
        case 'p': pki = optarg; break;
        case 'n': ncalls = strtol(optarg, NULL, 10); break;
        case 'r': rate = strtod(optarg, NULL); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case 't': threads = atoi(optarg); break;
        default: usage();
        }
    }
    if (!pki || optind + 1 != argc || ncalls < 1 || ncalls > 10000000 || !(rate > 0))
        usage();
    const char *out = argv[optind];

    struct gen g = { .ncalls = ncalls };
    /* The signers: every sp-NNN.key of the PKI, in order. */
    g.keys = xmalloc(999 * sizeof *g.keys);
    for (;;) {
        char path[4096];
        snprintf(path, sizeof path, "%s/sp-%03d.key", pki, g.nkeys);
        FILE *f = fopen(path, "r");
        if (!f)
            break;
        fclose(f);
        g.keys[g.nkeys++] = load_private_key(path);
    }
    if (!g.nkeys)
        die("%s: no sp-000.key (run bench_gen pki %s first)", pki, pki);
    for (int k = 0; k < N_TCP_CONNS; k++)
        g.conns[k] = (struct tcpconn){ .cli = ip4(10, 100, 0, 1 + (unsigned)k), .srv = ip4(10, 0, 0, 1),
                                       .cport = (uint16_t)(40001 + k), .sport = 5060,
                                       .seq = { 1000000u * (uint32_t)(k + 1), 7000000u * (uint32_t)(k + 1) } };
    g.calls = calloc((size_t)ncalls, sizeof *g.calls);
    if (!g.calls)
        die("out of memory");
    plan_calls(&g, rate, seed);

    double t = mono();
    sign_all(&g, threads);
    double t_sign = mono() - t;

    t = mono();
    g.f = fopen(out, "wb");
    if (!g.f)
        die("%s: %s", out, strerror(errno));
    g.ocap = 8u << 20;
    g.ob = xmalloc(g.ocap);
    uint8_t *gh = out_reserve(&g, 24);
    le32(gh, 0xa1b2c3d4);                  /* µs pcap, written little-endian */
    gh[4] = 2, gh[5] = 0, gh[6] = 4, gh[7] = 0; /* version 2.4 */
    memset(gh + 8, 0, 8);
    le32(gh + 16, 65535);
    le32(gh + 20, 1); /* LINKTYPE_ETHERNET */
    g.on += 24;

    /* The TCP connections open (three-way handshake) a second before the first call. */
    for (int k = 0; k < N_TCP_CONNS; k++) {
        struct tcpconn *tc = &g.conns[k];
        uint64_t ts = T0_US - 1000000 + (uint64_t)k * 1000;
        emit(&g, ts, tc->cli, tc->cport, tc->srv, tc->sport, 0x02, tc->seq[0]++, 0, NULL, 0);
        emit(&g, ts + 100, tc->srv, tc->sport, tc->cli, tc->cport, 0x12, tc->seq[1]++, tc->seq[0], NULL, 0);
        emit(&g, ts + 200, tc->cli, tc->cport, tc->srv, tc->sport, 0x10, tc->seq[0], tc->seq[1], NULL, 0);
    }

    struct ev *heap = xmalloc((size_t)ncalls * sizeof *heap);
    size_t hn = 0;
    long next = 0, tampered = 0, tcp_calls = 0;
    while (next < ncalls || hn) {
        /* Admit the next call when its INVITE is due before anything pending. */
        if (next < ncalls && (hn == 0 || g.calls[next].t[0] <= heap[0].t)) {
            heap_push(heap, &hn, (struct ev){ g.calls[next].t[0], (int32_t)next, 0 });
            tampered += g.calls[next].tampered;
            tcp_calls += g.calls[next].conn >= 0;
            next++;
            continue;
        }
        struct ev e = heap_pop(heap, &hn);
        emit_msg(&g, e.call, e.step);
        if (e.step == 0) {
            free(g.calls[e.call].identity);
            g.calls[e.call].identity = NULL;
        }
        if (e.step + 1 < STEPS)
            heap_push(heap, &hn, (struct ev){ g.calls[e.call].t[e.step + 1], e.call, (int8_t)(e.step + 1) });
    }
    out_flush(&g);
    if (fclose(g.f))
        die("%s: write failed: %s", out, strerror(errno));
    double t_write = mono() - t;

    char tpath[4096];
    snprintf(tpath, sizeof tpath, "%s.truth", out);
    FILE *tf = fopen(tpath, "w");
    if (!tf)
        die("%s: %s", tpath, strerror(errno));
    fprintf(tf, "calls=%ld\npackets=%llu\nbytes=%llu\nsip_messages=%ld\ntcp_calls=%ld\nudp_calls=%ld\n"
                "tampered=%ld\npass=%ld\nsigners=%d\nrate=%g\nseed=%llu\n",
            ncalls, (unsigned long long)g.packets, (unsigned long long)g.bytes, ncalls * STEPS, tcp_calls,
            ncalls - tcp_calls, tampered, ncalls - tampered, g.nkeys, rate, (unsigned long long)seed);
    if (fclose(tf))
        die("%s: write failed", tpath);
    printf("bench_gen: %s: %ld calls (%ld TCP, %ld tampered), %llu packets, %.1f MB;"
           " signed in %.2f s (%d threads), written in %.2f s\n",
           out, ncalls, tcp_calls, tampered, (unsigned long long)g.packets, g.bytes / 1e6, t_sign, threads,
           t_write);
    for (int k = 0; k < g.nkeys; k++)
        EVP_PKEY_free(g.keys[k]);
    free(g.keys);
    free(heap);
    free(g.ob);
    free(g.calls);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    if (strcmp(argv[1], "pki") == 0)
        return bench_pki(argc - 1, argv + 1);
    if (strcmp(argv[1], "pcap") == 0)
        return cmd_pcap_bench(argc - 1, argv + 1);
    usage();
}
