/* summary: offline capture reading through libpcap, with nanosecond timestamps,
 * gzip decompression (zlib behind a stdio cookie) and precise damage reports. */
#include "probe/capture.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

struct capture {
    pcap_t *pcap;
    FILE *fp; /* cookie stream for gzip/stdin, else NULL (libpcap owns its FILE) */
    uint64_t frame;
    int dlt;
};

static ssize_t gz_read(void *cookie, char *buf, size_t size)
{
    int n = gzread((gzFile)cookie, buf, size > (1u << 30) ? (1u << 30) : (unsigned)size);
    return n < 0 ? -1 : n;
}

static int gz_close(void *cookie)
{
    return gzclose((gzFile)cookie) == Z_OK ? 0 : -1;
}

/* zlib reads non-gzip data transparently, so stdin of either kind works unchanged. */
static FILE *open_via_zlib(int fd, char *err, size_t errlen, const char *path)
{
    gzFile gz = gzdopen(fd, "rb");
    if (!gz) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    gzbuffer(gz, 1u << 17);
    cookie_io_functions_t io = { .read = gz_read, .close = gz_close };
    FILE *fp = fopencookie(gz, "rb", io);
    if (!fp) {
        gzclose(gz);
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    }
    return fp;
}

static int is_gzip(const char *path)
{
    unsigned char m[2];
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(m, 1, 2, f);
    fclose(f);
    return n == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

struct capture *capture_open_file(const char *path, char *err, size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    struct capture *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    if (strcmp(path, "-") == 0 || is_gzip(path)) {
        int fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
            free(c);
            return NULL;
        }
        c->fp = open_via_zlib(fd, err, errlen, path);
        if (!c->fp) {
            free(c);
            return NULL;
        }
        c->pcap = pcap_fopen_offline_with_tstamp_precision(c->fp, PCAP_TSTAMP_PRECISION_NANO, perr);
    } else {
        FILE *probe = fopen(path, "rb");
        if (!probe) {
            snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
            free(c);
            return NULL;
        }
        fclose(probe);
        c->pcap = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, perr);
    }
    if (!c->pcap) {
        /* libpcap closes the FILE it was given only on success. */
        if (c->fp)
            fclose(c->fp);
        if (strstr(perr, "unknown file format") || strstr(perr, "file header"))
            snprintf(err, errlen, "%s: not a pcap or pcapng capture (%s)", path, perr);
        else
            snprintf(err, errlen, "%s: %s", path, perr);
        free(c);
        return NULL;
    }
    c->dlt = pcap_datalink(c->pcap);
    return c;
}

enum capture_rc capture_next(struct capture *c, struct capture_pkt *pkt, char *err, size_t errlen)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = pcap_next_ex(c->pcap, &h, &data);
    if (rc == 1) {
        c->frame++;
        pkt->ts.sec = h->ts.tv_sec;
        /* Opened with nanosecond precision: tv_usec holds nanoseconds. */
        pkt->ts.nsec = (uint32_t)h->ts.tv_usec;
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

const char *capture_link_name(const struct capture *c)
{
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
    pcap_close(c->pcap); /* also closes the cookie FILE */
    free(c);
}
