/* summary: capture reading — classic pcap files through libpcap with nanosecond
 * timestamps, pcapng files through our own reader (probe/pcapng_read: libpcap refuses
 * interfaces of different link types in one file), gzip decompression (zlib behind a
 * stdio cookie) and precise damage reports; live interfaces on TPACKET_V3 through
 * libpcap with a BPF filter and 64-bit drop counters. */
#include "probe/capture.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "probe/pcapng_read.h"

struct capture {
    pcap_t *pcap;        /* classic pcap files and live capture */
    struct pcapng_r *ng; /* pcapng files (pcap is NULL then) */
    FILE *fp; /* cookie stream for gzip/stdin, or the pcapng file; NULL when libpcap
               * opened the file itself */
    char *iobuf; /* fp's stdio buffer, freed after fp is closed */
    char link_name[128]; /* pcapng: the link types of its interfaces, see capture_link_name */
    uint64_t frame;
    int dlt;
    uint32_t ts_mult;  /* tv_usec * ts_mult = nanoseconds: 1 (nano precision) or 1000 */
    /* live */
    capture_pkt_fn fn;
    void *fn_ctx;
    struct pcap_stat last;     /* libpcap's 32-bit counters at the previous capture_stats() */
    struct capture_stats total;
};

#ifndef IOBUF
#define IOBUF (1u << 17)
#endif

/* A zlib stream with the first bytes already taken out to look at the file's magic:
 * a pipe cannot be rewound, so the cookie hands them out again before the rest. */
struct gzsrc {
    gzFile gz;
    unsigned char head[4];
    size_t nhead, pos;
};

static ssize_t gz_read(void *cookie, char *buf, size_t size)
{
    struct gzsrc *g = cookie;
    if (g->pos < g->nhead) {
        size_t n = g->nhead - g->pos < size ? g->nhead - g->pos : size;
        memcpy(buf, g->head + g->pos, n);
        g->pos += n;
        return (ssize_t)n;
    }
    int n = gzread(g->gz, buf, size > (1u << 30) ? (1u << 30) : (unsigned)size);
    return n < 0 ? -1 : n;
}

static int gz_close(void *cookie)
{
    struct gzsrc *g = cookie;
    int rc = gzclose(g->gz) == Z_OK ? 0 : -1;
    free(g);
    return rc;
}

/* zlib reads non-gzip data transparently, so stdin of either kind works unchanged.
 * magic receives the first 4 bytes of the (decompressed) data, zeros if shorter. */
static FILE *open_via_zlib(int fd, char *err, size_t errlen, const char *path, unsigned char magic[4])
{
    struct gzsrc *g = calloc(1, sizeof *g);
    gzFile gz = g ? gzdopen(fd, "rb") : NULL;
    if (!gz) {
        snprintf(err, errlen, "%s: cannot open: %s", path, g ? strerror(errno) : "out of memory");
        if (!g)
            close(fd);
        free(g);
        return NULL;
    }
    g->gz = gz;
    gzbuffer(gz, 1u << 17);
    int n = gzread(gz, g->head, sizeof g->head);
    g->nhead = n > 0 ? (size_t)n : 0;
    memset(magic, 0, 4);
    memcpy(magic, g->head, g->nhead);
    cookie_io_functions_t io = { .read = gz_read, .close = gz_close };
    FILE *fp = fopencookie(g, "rb", io);
    if (!fp) {
        gz_close(g);
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    }
    return fp;
}

/* First bytes of a file (zeros past its end); false when it cannot be opened. */
static bool file_magic(const char *path, unsigned char m[4])
{
    memset(m, 0, 4);
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    if (fread(m, 1, 4, f) < 4)
        memset(m, 0, 4); /* too short for any capture: libpcap says so */
    fclose(f);
    return true;
}

static bool is_pcapng(const unsigned char m[4])
{
    return memcmp(m, "\x0a\x0d\x0d\x0a", 4) == 0;
}

/* LINKTYPE_* (file value) to the DLT_* value libpcap would report: they differ only
 * for RAW among the link types the probe decodes (see capture_linktype). */
static int linktype_to_dlt(uint32_t linktype)
{
    return linktype == 101 ? DLT_RAW : (int)linktype;
}

/* "EN10MB+LINUX_SLL2+RAW": the distinct link types of the interfaces described
 * before the first packet, in order of appearance. */
static void pcapng_link_name(struct capture *c)
{
    size_t n = pcapng_r_ifaces(c->ng), len = 0;
    c->link_name[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        uint32_t lt = pcapng_r_linktype(c->ng, i);
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = pcapng_r_linktype(c->ng, j) == lt;
        if (seen)
            continue;
        char one[40];
        const char *name = pcap_datalink_val_to_name(linktype_to_dlt(lt));
        if (name)
            snprintf(one, sizeof one, "%s", name);
        else
            snprintf(one, sizeof one, "LINKTYPE_%u", lt);
        /* Keep room for "+..." so a cut list says it was cut. */
        if (len + 1 + strlen(one) + 4 >= sizeof c->link_name) {
            snprintf(c->link_name + len, sizeof c->link_name - len, "+...");
            break;
        }
        len += (size_t)snprintf(c->link_name + len, sizeof c->link_name - len, "%s%s", len ? "+" : "", one);
    }
    if (!c->link_name[0])
        snprintf(c->link_name, sizeof c->link_name, "none");
}

static struct capture *open_pcapng(struct capture *c, const char *path, char *err, size_t errlen)
{
    char why[256];
    c->ng = pcapng_r_open(c->fp, why, sizeof why);
    if (!c->ng) {
        snprintf(err, errlen, "%s: not a pcap or pcapng capture (pcapng: %s)", path, why);
        fclose(c->fp);
        free(c->iobuf);
        free(c);
        return NULL;
    }
    c->dlt = pcapng_r_ifaces(c->ng) ? linktype_to_dlt(pcapng_r_linktype(c->ng, 0)) : -1;
    pcapng_link_name(c);
    return c;
}

struct capture *capture_open_file(const char *path, char *err, size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    struct capture *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    unsigned char m[4] = { 0 };
    bool is_stdin = strcmp(path, "-") == 0;
    if (!is_stdin && !file_magic(path, m)) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        free(c);
        return NULL;
    }
    if (is_stdin || (m[0] == 0x1f && m[1] == 0x8b)) {
        int fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
            free(c);
            return NULL;
        }
        c->fp = open_via_zlib(fd, err, errlen, path, m);
        if (!c->fp) {
            free(c);
            return NULL;
        }
        /* Every pcapng goes through our reader, whatever it arrives in. */
        if (is_pcapng(m))
            return open_pcapng(c, path, err, errlen);
        c->pcap = pcap_fopen_offline_with_tstamp_precision(c->fp, PCAP_TSTAMP_PRECISION_NANO, perr);
    } else {
        /* A plain file: read through stdio, with a buffer of our own: stdio's default
         * is the file system's block size, 4 kB, a read(2) every few packets (glibc
         * ignores setvbuf's size without a buffer). IOBUF is read(2)s of a size
         * that costs little per byte and stays in the core's L2 cache. */
        c->fp = fopen(path, "rb");
        if (!c->fp) {
            snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
            free(c);
            return NULL;
        }
        if ((c->iobuf = malloc(IOBUF)) != NULL)
            setvbuf(c->fp, c->iobuf, _IOFBF, IOBUF);
        /* One thread reads it: no stdio lock round per fread (two per packet). */
        __fsetlocking(c->fp, FSETLOCKING_BYCALLER);
        if (is_pcapng(m))
            return open_pcapng(c, path, err, errlen);
        c->pcap = pcap_fopen_offline_with_tstamp_precision(c->fp, PCAP_TSTAMP_PRECISION_NANO, perr);
    }
    if (!c->pcap) {
        /* libpcap closes the FILE it was given only on success. */
        if (c->fp)
            fclose(c->fp);
        free(c->iobuf);
        if (strstr(perr, "unknown file format") || strstr(perr, "file header"))
            snprintf(err, errlen, "%s: not a pcap or pcapng capture (%s)", path, perr);
        else
            snprintf(err, errlen, "%s: %s", path, perr);
        free(c);
        return NULL;
    }
    c->dlt = pcap_datalink(c->pcap);
    c->ts_mult = 1;
    return c;
}

enum capture_rc capture_next(struct capture *c, struct capture_pkt *pkt, char *err, size_t errlen)
{
    if (c->ng) {
        struct pcapng_pkt p;
        char why[256];
        switch (pcapng_r_next(c->ng, &p, why, sizeof why)) {
        case PCAPNG_PACKET:
            c->frame++;
            pkt->ts = p.ts;
            pkt->data = p.data;
            pkt->caplen = p.caplen;
            pkt->wirelen = p.wirelen;
            /* Per packet: interfaces of one pcapng may have different link types. */
            pkt->dlt = linktype_to_dlt(p.linktype);
            pkt->frame = c->frame;
            return CAPTURE_PACKET;
        case PCAPNG_EOF:
            return CAPTURE_EOF;
        case PCAPNG_DAMAGED:
            break;
        }
        snprintf(err, errlen, "stopped after packet %llu: %s", (unsigned long long)c->frame, why);
        return CAPTURE_DAMAGED;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = pcap_next_ex(c->pcap, &h, &data);
    if (rc == 1) {
        c->frame++;
        pkt->ts.sec = h->ts.tv_sec;
        /* Opened with nanosecond precision: tv_usec holds nanoseconds. */
        pkt->ts.nsec = (uint32_t)h->ts.tv_usec * c->ts_mult;
        pkt->data = data;
        pkt->caplen = h->caplen;
        pkt->wirelen = h->len;
        pkt->dlt = c->dlt;
        pkt->frame = c->frame;
        return CAPTURE_PACKET;
    }
    if (rc == PCAP_ERROR_BREAK)
        return CAPTURE_EOF;
    snprintf(err, errlen, "stopped after packet %llu: %s", (unsigned long long)c->frame,
             pcap_geterr(c->pcap));
    return CAPTURE_DAMAGED;
}

/* ---- live capture ------------------------------------------------------------------- */

struct capture *capture_open_live(const struct capture_live_cfg *cfg, char *err, size_t errlen,
                                  char *warn, size_t warnlen)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    struct bpf_program prog;
    bool have_prog = false;
    struct capture *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "%s: out of memory", cfg->iface);
        return NULL;
    }
    warn[0] = '\0';
    c->pcap = pcap_create(cfg->iface, perr);
    if (!c->pcap) {
        snprintf(err, errlen, "%s: %s", cfg->iface, perr);
        goto bad;
    }
    /* Whole frames: an INVITE with several Identity headers is well over 1500 bytes
     * on interfaces with offloads, and a cut message cannot be decoded. */
    pcap_set_snaplen(c->pcap, CAPTURE_SNAPLEN);
    pcap_set_promisc(c->pcap, cfg->promisc);
    pcap_set_timeout(c->pcap, cfg->timeout_ms);
    /* Immediate mode would wake us per packet; with TPACKET_V3 blocks are handed over
     * when full or after the timeout, which is what a busy mirror port needs. */
    pcap_set_immediate_mode(c->pcap, 0);
    if (cfg->buffer_bytes)
        pcap_set_buffer_size(c->pcap, cfg->buffer_bytes > (size_t)INT32_MAX ? INT32_MAX
                                                                            : (int)cfg->buffer_bytes);
    c->ts_mult = pcap_set_tstamp_precision(c->pcap, PCAP_TSTAMP_PRECISION_NANO) == 0 ? 1 : 1000;

    int rc = pcap_activate(c->pcap);
    if (rc < 0) {
        const char *why = pcap_geterr(c->pcap);
        switch (rc) {
        case PCAP_ERROR_PERM_DENIED:
            snprintf(err, errlen,
                     "%s: permission denied (%s); run as root or give the binary "
                     "cap_net_raw,cap_net_admin (see README, setcap)",
                     cfg->iface, why);
            break;
        case PCAP_ERROR_NO_SUCH_DEVICE:
            snprintf(err, errlen, "%s: no such interface (%s)", cfg->iface, why);
            break;
        case PCAP_ERROR_IFACE_NOT_UP:
            snprintf(err, errlen, "%s: interface is down", cfg->iface);
            break;
        default:
            snprintf(err, errlen, "%s: %s (%s)", cfg->iface, pcap_statustostr(rc), why);
            break;
        }
        goto bad;
    }
    if (rc > 0)
        snprintf(warn, warnlen, "%s: %s (%s)", cfg->iface, pcap_statustostr(rc), pcap_geterr(c->pcap));
    if (pcap_get_tstamp_precision(c->pcap) != PCAP_TSTAMP_PRECISION_NANO)
        c->ts_mult = 1000;
#ifdef DLT_LINUX_SLL2
    /* "any" gives cooked headers; v2 also names the interface of each packet. If the
     * kernel or libpcap cannot, v1 stays and is decoded just as well. */
    if (strcmp(cfg->iface, "any") == 0)
        (void)pcap_set_datalink(c->pcap, DLT_LINUX_SLL2);
#endif
    c->dlt = pcap_datalink(c->pcap);
    /* With TPACKET_V3 a blocking read waits for the kernel to retire a block, which
     * never happens on a silent interface; we poll with our own timeout instead, so
     * the capture thread can publish drop counters and see a stop request. */
    if (pcap_setnonblock(c->pcap, 1, perr) != 0 || pcap_get_selectable_fd(c->pcap) < 0) {
        snprintf(err, errlen, "%s: cannot make the capture non-blocking: %s", cfg->iface,
                 perr[0] ? perr : "no selectable descriptor");
        goto bad;
    }
    if (cfg->filter && *cfg->filter) {
        if (pcap_compile(c->pcap, &prog, cfg->filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            snprintf(err, errlen, "filter '%s': %s", cfg->filter, pcap_geterr(c->pcap));
            goto bad;
        }
        have_prog = true;
        if (pcap_setfilter(c->pcap, &prog) != 0) {
            snprintf(err, errlen, "filter '%s': %s", cfg->filter, pcap_geterr(c->pcap));
            goto bad;
        }
        pcap_freecode(&prog);
    }
    return c;
bad:
    if (have_prog)
        pcap_freecode(&prog);
    if (c->pcap)
        pcap_close(c->pcap);
    free(c);
    return NULL;
}

static void on_live_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    struct capture *c = (struct capture *)user;
    struct capture_pkt pkt = {
        .ts = { .sec = h->ts.tv_sec, .nsec = (uint32_t)h->ts.tv_usec * c->ts_mult },
        .data = data,
        .caplen = h->caplen,
        .wirelen = h->len,
        .dlt = c->dlt,
        .frame = ++c->frame,
    };
    c->fn(c->fn_ctx, &pkt);
}

int capture_dispatch(struct capture *c, capture_pkt_fn fn, void *ctx, int timeout_ms, char *err,
                     size_t errlen)
{
    c->fn = fn;
    c->fn_ctx = ctx;
    struct pollfd pfd = { .fd = pcap_get_selectable_fd(c->pcap), .events = POLLIN };
    if (poll(&pfd, 1, timeout_ms) < 0 && errno != EINTR) {
        snprintf(err, errlen, "capture failed after packet %llu: poll: %s", (unsigned long long)c->frame,
                 strerror(errno));
        return -1;
    }
    /* Also after a timeout: a non-blocking read costs nothing when the ring is empty. */
    int n = pcap_dispatch(c->pcap, -1, on_live_packet, (u_char *)c);
    if (n >= 0)
        return n;
    if (n == PCAP_ERROR_BREAK)
        return 0;
    snprintf(err, errlen, "capture failed after packet %llu: %s", (unsigned long long)c->frame,
             pcap_geterr(c->pcap));
    return -1;
}

void capture_breakloop(struct capture *c)
{
    pcap_breakloop(c->pcap);
}

/* Advance a 64-bit total by the change of a 32-bit counter that may have wrapped. */
static void add_delta(uint64_t *total, u_int *last, u_int now)
{
    *total += (uint32_t)(now - *last);
    *last = now;
}

int capture_stats(struct capture *c, struct capture_stats *out)
{
    struct pcap_stat ps;
    if (pcap_stats(c->pcap, &ps) != 0)
        return -1;
    add_delta(&c->total.received, &c->last.ps_recv, ps.ps_recv);
    add_delta(&c->total.kernel_dropped, &c->last.ps_drop, ps.ps_drop);
    add_delta(&c->total.if_dropped, &c->last.ps_ifdrop, ps.ps_ifdrop);
    *out = c->total;
    return 0;
}

int capture_linktype(int dlt)
{
    /* DLT_RAW's value differs between systems; in files it is always LINKTYPE_RAW (101).
     * The other link types the probe decodes have equal DLT and LINKTYPE values. */
    if (dlt == DLT_RAW)
        return 101;
    return dlt;
}

/* A pcapng names every distinct link type of its interfaces ("EN10MB+RAW"); the
 * probe decodes each packet by its own interface's type. */
const char *capture_link_name(const struct capture *c)
{
    if (c->ng)
        return c->link_name;
    const char *n = pcap_datalink_val_to_name(c->dlt);
    return n ? n : "unknown";
}

int capture_dlt(const struct capture *c)
{
    return c->dlt;
}

void capture_close(struct capture *c)
{
    if (!c)
        return;
    if (c->ng) {
        pcapng_r_close(c->ng);
        fclose(c->fp);
    } else {
        pcap_close(c->pcap); /* also closes the cookie FILE */
    }
    free(c->iobuf);
    free(c);
}
