/* summary: tests for probe/pcapng_read — hand-built files in both byte orders with every
 * block type (SHB, IDB, EPB, SPB, obsolete PB, skipped NRB/ISB/custom), several
 * sections, if_tsresol 10^-6/10^-9/10^-12/2^-20/2^-40 and if_tsoffset converted to exact
 * nanoseconds, every damage path, and the capture_open_file() hook (per-packet DLT,
 * link name, gzip, damage message). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "probe/capture.h"
#include "probe/pcapng_read.h"
#include "tests/unit/harness.h"

/* A file under construction, in one byte order (switchable between sections). */
struct nf {
    uint8_t d[4096];
    size_t n;
    bool be;
};

static void p8(struct nf *f, uint8_t v)
{
    if (f->n < sizeof f->d)
        f->d[f->n++] = v;
}

static void p16(struct nf *f, uint16_t v)
{
    p8(f, (uint8_t)(f->be ? v >> 8 : v));
    p8(f, (uint8_t)(f->be ? v : v >> 8));
}

static void p32(struct nf *f, uint32_t v)
{
    p16(f, (uint16_t)(f->be ? v >> 16 : v));
    p16(f, (uint16_t)(f->be ? v : v >> 16));
}

static void pbytes(struct nf *f, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p8(f, ((const uint8_t *)p)[i]);
}

/* Starts a block; block_end() pads, writes the trailer and patches the length. */
static size_t block_begin(struct nf *f, uint32_t type)
{
    size_t at = f->n;
    p32(f, type);
    p32(f, 0);
    return at;
}

static void block_end(struct nf *f, size_t at)
{
    while ((f->n - at) % 4)
        p8(f, 0);
    uint32_t len = (uint32_t)(f->n - at + 4);
    p32(f, len);
    size_t save = f->n;
    f->n = at + 4;
    p32(f, len);
    f->n = save;
}

static void shb(struct nf *f)
{
    size_t at = block_begin(f, PCAPNG_SHB_TYPE);
    p32(f, 0x1a2b3c4d);
    p16(f, 1);
    p16(f, 0);
    p32(f, 0xffffffffu);
    p32(f, 0xffffffffu);
    block_end(f, at);
}

/* tsresol < 0: no option (10^-6). tsoffset written when non-zero. */
static void idb(struct nf *f, uint16_t linktype, uint32_t snaplen, int tsresol, int64_t tsoffset)
{
    size_t at = block_begin(f, 1);
    p16(f, linktype);
    p16(f, 0);
    p32(f, snaplen);
    p16(f, 2); /* if_name, to be skipped */
    p16(f, 3);
    pbytes(f, "if0\0", 4);
    if (tsresol >= 0) {
        p16(f, 9);
        p16(f, 1);
        pbytes(f, (uint8_t[4]){ (uint8_t)tsresol, 0, 0, 0 }, 4);
    }
    if (tsoffset) {
        p16(f, 14);
        p16(f, 8);
        uint64_t o = (uint64_t)tsoffset;
        if (f->be) {
            p32(f, (uint32_t)(o >> 32));
            p32(f, (uint32_t)o);
        } else {
            p32(f, (uint32_t)o);
            p32(f, (uint32_t)(o >> 32));
        }
    }
    p16(f, 0);
    p16(f, 0);
    block_end(f, at);
}

static void epb(struct nf *f, uint32_t ifid, uint64_t ticks, const void *data, uint32_t caplen, uint32_t wirelen)
{
    size_t at = block_begin(f, 6);
    p32(f, ifid);
    p32(f, (uint32_t)(ticks >> 32));
    p32(f, (uint32_t)ticks);
    p32(f, caplen);
    p32(f, wirelen);
    pbytes(f, data, caplen);
    block_end(f, at);
}

static void pb(struct nf *f, uint16_t ifid, uint64_t ticks, const void *data, uint32_t caplen)
{
    size_t at = block_begin(f, 2);
    p16(f, ifid);
    p16(f, 0); /* drops */
    p32(f, (uint32_t)(ticks >> 32));
    p32(f, (uint32_t)ticks);
    p32(f, caplen);
    p32(f, caplen);
    pbytes(f, data, caplen);
    block_end(f, at);
}

static void spb(struct nf *f, const void *data, uint32_t wirelen, uint32_t present)
{
    size_t at = block_begin(f, 3);
    p32(f, wirelen);
    pbytes(f, data, present);
    block_end(f, at);
}

/* A block of a type we skip (NRB 4, ISB 5, DSB 10, custom 0xBAD ...). */
static void other(struct nf *f, uint32_t type, size_t body)
{
    size_t at = block_begin(f, type);
    for (size_t i = 0; i < body; i++)
        p8(f, (uint8_t)(0xA0 + i));
    block_end(f, at);
}

static struct pcapng_r *open_mem(const struct nf *f, FILE **fp, char *err, size_t errlen)
{
    *fp = fmemopen((void *)f->d, f->n, "rb");
    if (!CHECK(*fp != NULL))
        return NULL;
    struct pcapng_r *r = pcapng_r_open(*fp, err, errlen);
    if (!r) {
        fclose(*fp);
        *fp = NULL;
    }
    return r;
}

/* Reads every packet; returns the final rc and leaves the error message in err. */
static enum pcapng_rc drain(const struct nf *f, int *npkts, char *err, size_t errlen)
{
    FILE *fp;
    *npkts = 0;
    err[0] = '\0';
    struct pcapng_r *r = open_mem(f, &fp, err, errlen);
    if (!r)
        return PCAPNG_DAMAGED;
    struct pcapng_pkt p;
    enum pcapng_rc rc;
    while ((rc = pcapng_r_next(r, &p, err, errlen)) == PCAPNG_PACKET)
        (*npkts)++;
    /* Sticky: asking again gives the same answer. */
    char again[256] = "";
    CHECK_EQ_INT(pcapng_r_next(r, &p, again, sizeof again), rc);
    if (rc == PCAPNG_DAMAGED)
        CHECK_EQ_STR(again, err);
    pcapng_r_close(r);
    fclose(fp);
    return rc;
}

static const uint8_t F1[] = { 0xde, 0xad, 0xbe, 0xef, 0x01 };      /* padded */
static const uint8_t F2[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }; /* not padded */

static void build_every_block(struct nf *f)
{
    shb(f);
    other(f, 4, 12);                                  /* NRB before any IDB */
    idb(f, 1, 65535, -1, 0);                          /* 0: Ethernet, µs by default */
    idb(f, 276, 0, 9, 0);                             /* 1: SLL2, ns */
    idb(f, 101, 96, 0x80 | 20, 1000000000);           /* 2: RAW, 2^-20 s, +1e9 s */
    idb(f, 228, 0, 12, -3600);                        /* 3: IPv4, ps, -1 h */
    idb(f, 229, 0, 0x80 | 40, 0);                     /* 4: IPv6, 2^-40 s */
    epb(f, 0, 1740830400123456ULL, F1, sizeof F1, 60);
    other(f, 5, 20);                                  /* ISB */
    epb(f, 1, 1740830400987654321ULL, F2, sizeof F2, sizeof F2);
    epb(f, 2, (123ULL << 20) | (1ULL << 19) | 1, F1, 3, 3); /* 123.5 s + 2^-20 */
    other(f, 0x00000BAD, 0);                          /* custom, empty body */
    epb(f, 3, 1740834000123456789ULL, F2, 4, 4);
    epb(f, 4, (7ULL << 40) | ((1ULL << 40) - 1), F2, 2, 2);
    spb(f, F2, 12, 12);                               /* interface 0, time of the previous */
    pb(f, 1, 5000000001ULL, F1, sizeof F1);
    other(f, 10, 8);                                  /* DSB */
}

static void check_every_block(bool be)
{
    struct nf f = { .be = be };
    build_every_block(&f);
    FILE *fp;
    char err[256];
    struct pcapng_r *r = open_mem(&f, &fp, err, sizeof err);
    if (!th_check(r != NULL, __FILE__, __LINE__, "open: %s", err))
        return;
    /* Interfaces described before the first packet are known at open. */
    CHECK_EQ_INT(pcapng_r_ifaces(r), 5);
    CHECK_EQ_INT(pcapng_r_linktype(r, 1), 276);
    struct pcapng_pkt p;
    if (CHECK_EQ_INT(pcapng_r_next(r, &p, err, sizeof err), PCAPNG_PACKET)) {
        CHECK_EQ_INT(p.ts.sec, 1740830400);
        CHECK_EQ_INT(p.ts.nsec, 123456000);
        CHECK_EQ_INT(p.linktype, 1);
        CHECK_EQ_INT(p.wirelen, 60);
        CHECK_EQ_MEM(p.data, p.caplen, F1, sizeof F1);
    }
    if (CHECK_EQ_INT(pcapng_r_next(r, &p, err, sizeof err), PCAPNG_PACKET)) {
        CHECK_EQ_INT(p.ts.sec, 1740830400);
        CHECK_EQ_INT(p.ts.nsec, 987654321);
        CHECK_EQ_INT(p.linktype, 276);
        CHECK_EQ_INT(p.iface, 1);
        CHECK_EQ_MEM(p.data, p.caplen, F2, sizeof F2);
    }
    if (CHECK_EQ_INT(pcapng_r_next(r, &p, err, sizeof err), PCAPNG_PACKET)) {
        CHECK_EQ_INT(p.ts.sec, 1000000123);
        CHECK_EQ_INT(p.ts.nsec, 500000953); /* 0.5 + floor(1e9 / 2^20) ns */
        CHECK_EQ_INT(p.linktype, 101);
        CHECK_EQ_MEM(p.data, p.caplen, F1, 3);
    }
    if (CHECK_EQ_INT(pcapng_r_next(r, &p, err, sizeof err), PCAPNG_PACKET)) {
        uint64_t t = 1740834000123456789ULL;
        CHECK_EQ_INT(p.ts.sec, (int64_t)(t / 1000000000000ULL) - 3600);
        CHECK_EQ_INT(p.ts.nsec, t % 1000000000000ULL / 1000);
        CHECK_EQ_INT(p.linktype, 228);
    }
    if (CHECK_EQ_INT(pcapng_r_next(r, &p, err, sizeof err), PCAPNG_PACKET)) {
        CHECK_EQ_INT(p.ts.sec, 7);
        CHECK_EQ_INT(p.ts.nsec, 999999999); /* (2^40 - 1) / 2^40 s, truncated */
        CHECK_EQ_INT(p.linktype, 229);
    }
    if (CHECK_EQ_INT(pcapng_r_next(r, &p, err, sizeof err), PCAPNG_PACKET)) { /* SPB */
        CHECK_EQ_INT(p.ts.sec, 7);
        CHECK_EQ_INT(p.ts.nsec, 999999999);
        CHECK_EQ_INT(p.linktype, 1);
        CHECK_EQ_INT(p.iface, 0);
        CHECK_EQ_MEM(p.data, p.caplen, F2, sizeof F2);
    }
    if (CHECK_EQ_INT(pcapng_r_next(r, &p, err, sizeof err), PCAPNG_PACKET)) { /* obsolete PB */
        CHECK_EQ_INT(p.ts.sec, 5);
        CHECK_EQ_INT(p.ts.nsec, 1);
        CHECK_EQ_INT(p.linktype, 276);
        CHECK_EQ_MEM(p.data, p.caplen, F1, sizeof F1);
    }
    CHECK_EQ_INT(pcapng_r_next(r, &p, err, sizeof err), PCAPNG_EOF);
    CHECK_EQ_INT(pcapng_r_next(r, &p, err, sizeof err), PCAPNG_EOF);
    pcapng_r_close(r);
    fclose(fp);
}

static void every_block_le(void)
{
    check_every_block(false);
}

static void every_block_be(void)
{
    check_every_block(true);
}

/* A new section forgets the interfaces of the previous one and may change byte order. */
static void sections(void)
{
    struct nf f = { .be = false };
    shb(&f);
    idb(&f, 1, 0, -1, 0);
    idb(&f, 101, 0, -1, 0);
    epb(&f, 1, 1, F1, 1, 1);
    f.be = true;
    shb(&f);
    idb(&f, 276, 0, 9, 0);
    epb(&f, 0, 2000000001ULL, F2, 2, 2);
    FILE *fp;
    char err[256];
    struct pcapng_r *r = open_mem(&f, &fp, err, sizeof err);
    if (!CHECK(r != NULL))
        return;
    struct pcapng_pkt p;
    if (CHECK_EQ_INT(pcapng_r_next(r, &p, err, sizeof err), PCAPNG_PACKET))
        CHECK_EQ_INT(p.linktype, 101);
    if (CHECK_EQ_INT(pcapng_r_next(r, &p, err, sizeof err), PCAPNG_PACKET)) {
        CHECK_EQ_INT(p.linktype, 276);
        CHECK_EQ_INT(p.ts.sec, 2);
        CHECK_EQ_INT(p.ts.nsec, 1);
    }
    CHECK_EQ_INT(pcapng_r_ifaces(r), 1);
    CHECK_EQ_INT(pcapng_r_next(r, &p, err, sizeof err), PCAPNG_EOF);
    pcapng_r_close(r);
    fclose(fp);

    /* Interface 1 of the first section does not exist in the second. */
    epb(&f, 1, 0, F1, 1, 1);
    int n;
    CHECK_EQ_INT(drain(&f, &n, err, sizeof err), PCAPNG_DAMAGED);
    CHECK_EQ_INT(n, 2);
    CHECK(strstr(err, "interface id 1 out of range (1 interfaces described)") != NULL);
}

/* A base file of one interface and one packet that each error case then breaks. */
static void base(struct nf *f)
{
    *f = (struct nf){ .be = false };
    shb(f);
    idb(f, 1, 0, -1, 0);
    epb(f, 0, 1, F2, sizeof F2, sizeof F2);
}

static void patch32(struct nf *f, size_t at, uint32_t v)
{
    size_t save = f->n;
    f->n = at;
    p32(f, v);
    f->n = save;
}

static void expect_damage(const struct nf *f, int want_pkts, const char *want_msg, int line)
{
    char err[256];
    int n;
    enum pcapng_rc rc = drain(f, &n, err, sizeof err);
    th_check(rc == PCAPNG_DAMAGED, __FILE__, line, "rc %d, want DAMAGED", (int)rc);
    th_check(n == want_pkts, __FILE__, line, "%d packets, want %d", n, want_pkts);
    th_check(strstr(err, want_msg) != NULL, __FILE__, line, "message '%s' lacks '%s'", err, want_msg);
}

static void errors(void)
{
    struct nf f;
    base(&f);
    size_t pkt_at = f.n;
    epb(&f, 0, 2, F1, sizeof F1, sizeof F1);
    size_t end = f.n;
    int n;
    char err[256];
    CHECK_EQ_INT(drain(&f, &n, err, sizeof err), PCAPNG_EOF);
    CHECK_EQ_INT(n, 2);

    struct nf g = f;
    patch32(&g, pkt_at + 4, 46); /* not a multiple of 4 */
    expect_damage(&g, 1, "bad block length 46", __LINE__);
    g = f;
    patch32(&g, pkt_at + 4, 8); /* below the minimum */
    expect_damage(&g, 1, "bad block length 8", __LINE__);
    g = f;
    patch32(&g, pkt_at + 4, PCAPNG_MAX_BLOCK + 4); /* huge: refused before allocating */
    expect_damage(&g, 1, "bad block length", __LINE__);
    g = f;
    patch32(&g, end - 4, 44); /* trailer differs */
    expect_damage(&g, 1, "trailing length 44 differs from leading length 40", __LINE__);
    g = f;
    patch32(&g, pkt_at + 8, 1); /* interface id */
    expect_damage(&g, 1, "interface id 1 out of range", __LINE__);
    g = f;
    patch32(&g, pkt_at + 20, 9); /* caplen beyond the block */
    expect_damage(&g, 1, "captured length 9 exceeds the block", __LINE__);
    g = f;
    g.n = end - 5; /* cut inside the block */
    expect_damage(&g, 1, "truncated block at offset", __LINE__);
    g = f;
    g.n = pkt_at + 5; /* cut inside the header */
    expect_damage(&g, 1, "truncated block header", __LINE__);

    /* An SPB needs interface 0 and the bytes its length implies. */
    g = (struct nf){ .be = true };
    shb(&g);
    spb(&g, F2, 4, 4);
    expect_damage(&g, 0, "simple packet at offset", __LINE__);
    g = (struct nf){ .be = true };
    shb(&g);
    idb(&g, 1, 0, -1, 0);
    spb(&g, F2, 12, 8);
    expect_damage(&g, 0, "captured length 12 exceeds the block", __LINE__);
    g = (struct nf){ .be = true };
    shb(&g);
    idb(&g, 1, 8, -1, 0); /* snaplen 8 < 12: the SPB holds 8 bytes */
    spb(&g, F2, 12, 8);
    CHECK_EQ_INT(drain(&g, &n, err, sizeof err), PCAPNG_EOF);
    CHECK_EQ_INT(n, 1);

    /* IDB options: bad if_tsresol, resolution too fine, option overrunning the block. */
    g = (struct nf){ 0 };
    shb(&g);
    idb(&g, 1, 0, 20, 0); /* 10^-20 */
    epb(&g, 0, 1, F1, 1, 1);
    expect_damage(&g, 0, "if_tsresol 10^-20 not supported", __LINE__);
    g = (struct nf){ 0 };
    shb(&g);
    idb(&g, 1, 0, 0x80 | 64, 0);
    expect_damage(&g, 0, "if_tsresol 2^-64 not supported", __LINE__);
    g = (struct nf){ 0 };
    shb(&g);
    size_t at = block_begin(&g, 1);
    p32(&g, 1);
    p32(&g, 0);
    p16(&g, 2);
    p16(&g, 200); /* if_name of 200 bytes in a block of 4 */
    p32(&g, 0);
    block_end(&g, at);
    expect_damage(&g, 0, "option 2 overruns the block", __LINE__);
    /* Timestamps beyond what a struct ptime holds in nanoseconds are damage. */
    g = (struct nf){ 0 };
    shb(&g);
    idb(&g, 1, 0, 0, 0); /* 1 s units */
    epb(&g, 0, 1ULL << 40, F1, 1, 1);
    expect_damage(&g, 0, "timestamp out of range", __LINE__);
    g = (struct nf){ 0 };
    shb(&g);
    idb(&g, 1, 0, -1, -5);
    epb(&g, 0, 1, F1, 1, 1); /* before 1970 */
    expect_damage(&g, 0, "timestamp out of range", __LINE__);
    /* Damage right after the SHB is reported by the first next(), not by open. */
    g = (struct nf){ 0 };
    shb(&g);
    other(&g, 4, 4);
    patch32(&g, g.n - 4, 4);
    expect_damage(&g, 0, "trailing length 4 differs", __LINE__);
}

static void open_errors(void)
{
    char err[256];
    FILE *fp;
    struct nf f = { 0 };
    fp = tmpfile();
    if (CHECK(fp != NULL)) { /* an empty file */
        CHECK(pcapng_r_open(fp, err, sizeof err) == NULL);
        CHECK_EQ_STR(err, "empty file");
        fclose(fp);
    }
    base(&f);
    f.d[8] = 0x11; /* byte-order magic */
    CHECK(open_mem(&f, &fp, err, sizeof err) == NULL);
    CHECK(strstr(err, "bad byte-order magic") != NULL);
    base(&f);
    patch32(&f, 12, 2); /* version 2.0 */
    CHECK(open_mem(&f, &fp, err, sizeof err) == NULL);
    CHECK(strstr(err, "unsupported pcapng version 2.0") != NULL);
    base(&f);
    f.n = 20;
    CHECK(open_mem(&f, &fp, err, sizeof err) == NULL);
    CHECK(strstr(err, "truncated block") != NULL);
    /* A file that is only an SHB: no packets, not damage. */
    base(&f);
    f.n = 28;
    int n;
    CHECK_EQ_INT(drain(&f, &n, err, sizeof err), PCAPNG_EOF);
    CHECK_EQ_INT(n, 0);
}

/* One interface more than a section may describe: damage, found at open and reported
 * by the first next(). */
static void too_many_interfaces(void)
{
    struct nf one = { 0 }, head = { 0 };
    shb(&head);
    idb(&one, 1, 0, -1, 0);
    FILE *fp = tmpfile();
    if (!CHECK(fp != NULL))
        return;
    fwrite(head.d, 1, head.n, fp);
    for (unsigned i = 0; i <= PCAPNG_MAX_IFACES; i++)
        fwrite(one.d, 1, one.n, fp);
    rewind(fp);
    char err[256];
    struct pcapng_r *r = pcapng_r_open(fp, err, sizeof err);
    if (CHECK(r != NULL)) {
        struct pcapng_pkt p;
        CHECK_EQ_INT(pcapng_r_ifaces(r), PCAPNG_MAX_IFACES);
        CHECK_EQ_INT(pcapng_r_next(r, &p, err, sizeof err), PCAPNG_DAMAGED);
        CHECK(strstr(err, "more than 4096 interfaces in one section") != NULL);
        pcapng_r_close(r);
    }
    fclose(fp);
}

static bool write_path(const char *path, const struct nf *f, bool gz)
{
    if (gz) {
        gzFile z = gzopen(path, "wb");
        if (!z)
            return false;
        bool ok = gzwrite(z, f->d, (unsigned)f->n) == (int)f->n;
        return gzclose(z) == Z_OK && ok;
    }
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return false;
    bool ok = fwrite(f->d, 1, f->n, fp) == f->n;
    return fclose(fp) == 0 && ok;
}

/* Through the capture API: per-packet DLT, the link name of a multi-link file, gzip,
 * and the damage message every reader gives. */
static void via_capture(void)
{
    struct nf f = { .be = true };
    shb(&f);
    idb(&f, 1, 0, -1, 0);
    idb(&f, 276, 0, 9, 0);
    idb(&f, 101, 0, -1, 0);
    idb(&f, 1, 0, -1, 0);
    for (uint32_t i = 0; i < 4; i++)
        epb(&f, i, 1000000ULL * (i + 1), F2, sizeof F2, sizeof F2);
    size_t cut = f.n;
    epb(&f, 0, 1, F2, sizeof F2, sizeof F2);
    f.n = cut + 10;
    static const int want_dlt[] = { 1, 276, 12 /* DLT_RAW on Linux */, 1 };
    for (int gz = 0; gz < 2; gz++) {
        char path[128], err[256];
        snprintf(path, sizeof path, "/tmp/stirprobe-unit-%ld-multi.pcapng%s", (long)getpid(), gz ? ".gz" : "");
        if (!CHECK(write_path(path, &f, gz)))
            continue;
        struct capture *c = capture_open_file(path, err, sizeof err);
        if (!th_check(c != NULL, __FILE__, __LINE__, "open: %s", err)) {
            unlink(path);
            continue;
        }
        CHECK_EQ_STR(capture_link_name(c), "EN10MB+LINUX_SLL2+RAW");
        CHECK_EQ_INT(capture_dlt(c), 1);
        struct capture_pkt pkt;
        for (int i = 0; i < 4; i++) {
            if (!CHECK_EQ_INT(capture_next(c, &pkt, err, sizeof err), CAPTURE_PACKET))
                break;
            CHECK_EQ_INT(pkt.dlt, want_dlt[i]);
            CHECK_EQ_INT(pkt.frame, i + 1);
            CHECK_EQ_INT(pkt.ts.sec, i == 1 ? 0 : i + 1);
            CHECK_EQ_INT(pkt.ts.nsec, i == 1 ? 2000000 : 0);
        }
        CHECK_EQ_INT(capture_next(c, &pkt, err, sizeof err), CAPTURE_DAMAGED);
        CHECK(strncmp(err, "stopped after packet 4: truncated block", 39) == 0);
        capture_close(c);
        unlink(path);
    }
}

void test_pcapng_read(void)
{
    th_group = "pcapng_read";
    RUN(every_block_le);
    RUN(every_block_be);
    RUN(sections);
    RUN(errors);
    RUN(open_errors);
    RUN(too_many_interfaces);
    RUN(via_capture);
}
