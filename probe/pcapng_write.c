/* summary: pcapng writer — SHB, one IDB per link type (if_tsresol = 9), EPBs.
 *
 * Block layout (pcapng §3.1): type, total length, body, options, total length
 * again; everything padded to 32 bits. Errors are sticky: after the first failed
 * write nothing more is written, and close reports it. */
#include "probe/pcapng_write.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du

#define OPT_END 0
#define OPT_COMMENT 1
#define OPT_SHB_USERAPPL 4
#define OPT_IF_NAME 2
#define OPT_IF_TSRESOL 9

#define PAD4(n) (((n) + 3u) & ~(size_t)3u)
#define MAX_OPT_TEXT 1024 /* comments and names are short; longer ones are cut */

struct iface {
    int linktype;
};

struct pcapng_w {
    FILE *fp;
    char path[256];
    char err[300];
    bool failed;
    struct iface ifs[PCAPNG_MAX_IFACES];
    size_t n_ifs;
    uint64_t packets;
};

static void set_error(struct pcapng_w *w, const char *what)
{
    if (w->failed)
        return;
    w->failed = true;
    snprintf(w->err, sizeof w->err, "%s: %s: %s", w->path, what, strerror(errno ? errno : EIO));
}

static void put(struct pcapng_w *w, const void *p, size_t n)
{
    if (w->failed || n == 0)
        return;
    if (fwrite(p, 1, n, w->fp) != n)
        set_error(w, "write failed");
}

static void put32(struct pcapng_w *w, uint32_t v)
{
    put(w, &v, sizeof v);
}

static void put16(struct pcapng_w *w, uint16_t v)
{
    put(w, &v, sizeof v);
}

static void pad(struct pcapng_w *w, size_t n)
{
    static const uint8_t zero[4];
    put(w, zero, PAD4(n) - n);
}

static size_t text_len(const char *s)
{
    if (!s)
        return 0;
    size_t n = strlen(s);
    return n > MAX_OPT_TEXT ? MAX_OPT_TEXT : n;
}

/* Bytes of one option with a text value, header and padding included (0 for none). */
static size_t opt_text_size(const char *s)
{
    size_t n = text_len(s);
    return n ? 4 + PAD4(n) : 0;
}

static void opt_text(struct pcapng_w *w, uint16_t code, const char *s)
{
    size_t n = text_len(s);
    if (!n)
        return;
    put16(w, code);
    put16(w, (uint16_t)n);
    put(w, s, n);
    pad(w, n);
}

static void opt_end(struct pcapng_w *w)
{
    put16(w, OPT_END);
    put16(w, 0);
}

struct pcapng_w *pcapng_w_open(const char *path, const char *appl, char *err, size_t errlen)
{
    struct pcapng_w *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    snprintf(w->path, sizeof w->path, "%s", path);
    w->fp = fopen(path, "wb");
    if (!w->fp) {
        snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
        free(w);
        return NULL;
    }
    /* SHB: magic, version 1.0, section length unknown (-1), options. */
    size_t opts = opt_text_size(appl) + 4;
    uint32_t total = (uint32_t)(12 + 16 + opts);
    put32(w, BT_SHB);
    put32(w, total);
    put32(w, BYTE_ORDER_MAGIC);
    put16(w, 1);
    put16(w, 0);
    put32(w, 0xFFFFFFFFu);
    put32(w, 0xFFFFFFFFu);
    opt_text(w, OPT_SHB_USERAPPL, appl);
    opt_end(w);
    put32(w, total);
    if (w->failed || fflush(w->fp) != 0) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno ? errno : EIO));
        fclose(w->fp);
        free(w);
        return NULL;
    }
    return w;
}

/* Interface id for a link type, writing its IDB the first time. -1 when full. */
static long iface_id(struct pcapng_w *w, int linktype, const char *if_name)
{
    for (size_t i = 0; i < w->n_ifs; i++)
        if (w->ifs[i].linktype == linktype)
            return (long)i;
    if (w->n_ifs == PCAPNG_MAX_IFACES || linktype < 0 || linktype > 0xFFFF)
        return -1;
    /* IDB: linktype, reserved, snaplen (0 = no limit), if_name, if_tsresol = 10^-9. */
    size_t opts = opt_text_size(if_name) + 8 + 4;
    uint32_t total = (uint32_t)(12 + 8 + opts);
    put32(w, BT_IDB);
    put32(w, total);
    put16(w, (uint16_t)linktype);
    put16(w, 0);
    put32(w, 0);
    opt_text(w, OPT_IF_NAME, if_name);
    put16(w, OPT_IF_TSRESOL);
    put16(w, 1);
    static const uint8_t resol[4] = { 9, 0, 0, 0 };
    put(w, resol, sizeof resol);
    opt_end(w);
    put32(w, total);
    w->ifs[w->n_ifs].linktype = linktype;
    return (long)w->n_ifs++;
}

int pcapng_w_packet(struct pcapng_w *w, int linktype, const char *if_name, struct ptime ts,
                    const uint8_t *data, size_t caplen, size_t wirelen, const char *comment)
{
    if (w->failed)
        return -1;
    long id = iface_id(w, linktype, if_name);
    if (id < 0) {
        errno = ENOSPC;
        set_error(w, "too many link types");
        return -1;
    }
    if (caplen > PCAPNG_MAX_PACKET)
        caplen = PCAPNG_MAX_PACKET;
    if (wirelen < caplen)
        wirelen = caplen;
    if (wirelen > UINT32_MAX)
        wirelen = UINT32_MAX;
    /* Timestamps before 1970 cannot be represented as unsigned units; clamp to 0. */
    uint64_t ns = ts.sec < 0 ? 0 : (uint64_t)ts.sec * 1000000000u + ts.nsec;
    size_t opts = comment && *comment ? opt_text_size(comment) + 4 : 0;
    uint32_t total = (uint32_t)(12 + 20 + PAD4(caplen) + opts);
    put32(w, BT_EPB);
    put32(w, total);
    put32(w, (uint32_t)id);
    put32(w, (uint32_t)(ns >> 32));
    put32(w, (uint32_t)ns);
    put32(w, (uint32_t)caplen);
    put32(w, (uint32_t)wirelen);
    put(w, data, caplen);
    pad(w, caplen);
    if (opts) {
        opt_text(w, OPT_COMMENT, comment);
        opt_end(w);
    }
    put32(w, total);
    if (w->failed)
        return -1;
    w->packets++;
    return 0;
}

int pcapng_w_flush(struct pcapng_w *w)
{
    if (!w->failed && fflush(w->fp) != 0)
        set_error(w, "write failed");
    return w->failed ? -1 : 0;
}

const char *pcapng_w_error(const struct pcapng_w *w)
{
    return w->failed ? w->err : NULL;
}

uint64_t pcapng_w_packets(const struct pcapng_w *w)
{
    return w->packets;
}

int pcapng_w_close(struct pcapng_w *w, char *err, size_t errlen)
{
    if (!w)
        return 0;
    pcapng_w_flush(w);
    if (fclose(w->fp) != 0)
        set_error(w, "close failed");
    int rc = w->failed ? -1 : 0;
    if (rc)
        snprintf(err, errlen, "%s", w->err);
    free(w);
    return rc;
}
