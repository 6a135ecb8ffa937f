/* summary: tests for probe/pcapng_write — block layout byte by byte (SHB, IDB with
 * if_tsresol, EPB with comment and padding), one IDB per link type, read back through
 * libpcap with exact nanosecond times, and write errors that surface at close. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe/capture.h"
#include "probe/pcapng_write.h"
#include "tests/unit/harness.h"

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint16_t rd16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static void tmp_path(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "/tmp/stirprobe-unit-%ld-%s", (long)getpid(), name);
}

static const uint8_t frame_a[] = { 1, 2, 3, 4, 5 };           /* padded to 8 */
static const uint8_t frame_b[] = { 9, 8, 7, 6, 5, 4, 3, 2 }; /* no padding */

static bool write_sample(const char *path)
{
    char err[256];
    struct pcapng_w *w = pcapng_w_open(path, "unit", err, sizeof err);
    if (!CHECK(w != NULL))
        return false;
    struct ptime t1 = { .sec = 1740830400, .nsec = 123456789 };
    struct ptime t2 = { .sec = 1740830401, .nsec = 1 };
    CHECK_EQ_INT(pcapng_w_packet(w, 1, "eth0", t1, frame_a, sizeof frame_a, 60, "first"), 0);
    CHECK_EQ_INT(pcapng_w_packet(w, 276, NULL, t2, frame_b, sizeof frame_b, sizeof frame_b, NULL), 0);
    CHECK_EQ_INT(pcapng_w_packet(w, 1, "eth0", t2, frame_b, sizeof frame_b, 2, NULL), 0);
    CHECK_EQ_INT(pcapng_w_packets(w), 3);
    CHECK(pcapng_w_error(w) == NULL);
    return CHECK_EQ_INT(pcapng_w_close(w, err, sizeof err), 0);
}

static void pcapng_layout(void)
{
    char path[128];
    tmp_path(path, sizeof path, "layout.pcapng");
    if (!write_sample(path))
        return;
    size_t n;
    uint8_t *d = (uint8_t *)th_read_file(path, &n);
    unlink(path);
    if (!d)
        return;
    /* Walk the blocks: every one has equal leading and trailing lengths, multiple of 4. */
    uint32_t types[8];
    size_t offs[8], nb = 0, off = 0;
    bool lengths_ok = true;
    while (off + 12 <= n && nb < 8) {
        uint32_t len = rd32(d + off + 4);
        if (len < 12 || len % 4 || off + len > n + 3 || rd32(d + off + len - 4) != len) {
            lengths_ok = false;
            break;
        }
        types[nb] = rd32(d + off);
        offs[nb++] = off;
        off += len;
    }
    CHECK(lengths_ok);
    if (!CHECK_EQ_INT(nb, 6)) {
        free(d);
        return;
    }
    /* SHB, IDB(ethernet), EPB, IDB(SLL2), EPB, EPB */
    CHECK_EQ_INT(types[0], 0x0A0D0D0A);
    CHECK_EQ_INT(rd32(d + 8), 0x1A2B3C4D);
    CHECK_EQ_INT(rd16(d + 12), 1);
    CHECK_EQ_INT(rd16(d + 14), 0);
    CHECK_EQ_INT(types[1], 1);
    CHECK_EQ_INT(rd16(d + offs[1] + 8), 1);
    CHECK_EQ_INT(types[3], 1);
    CHECK_EQ_INT(rd16(d + offs[3] + 8), 276);
    CHECK_EQ_INT(types[2], 6);
    CHECK_EQ_INT(types[4], 6);
    CHECK_EQ_INT(types[5], 6);
    /* IDB options: if_name "eth0" (code 2), then if_tsresol 9 (code 9), end. */
    const uint8_t *o = d + offs[1] + 16;
    CHECK_EQ_INT(rd16(o), 2);
    CHECK_EQ_INT(rd16(o + 2), 4);
    CHECK_EQ_MEM(o + 4, 4, "eth0", 4);
    CHECK_EQ_INT(rd16(o + 8), 9);
    CHECK_EQ_INT(rd16(o + 10), 1);
    CHECK_EQ_INT(o[12], 9);
    CHECK_EQ_INT(rd16(o + 16), 0);
    /* First EPB: interface 0, time in ns, lengths, data padded, comment option. */
    const uint8_t *e = d + offs[2];
    uint64_t ns = (uint64_t)rd32(e + 12) << 32 | rd32(e + 16);
    CHECK_EQ_INT(rd32(e + 8), 0);
    CHECK(ns == 1740830400123456789ull);
    CHECK_EQ_INT(rd32(e + 20), 5);
    CHECK_EQ_INT(rd32(e + 24), 60);
    CHECK_EQ_MEM(e + 28, 5, frame_a, 5);
    CHECK_EQ_INT(e[33] | e[34] | e[35], 0);
    CHECK_EQ_INT(rd16(e + 36), 1);
    CHECK_EQ_INT(rd16(e + 38), 5);
    CHECK_EQ_MEM(e + 40, 5, "first", 5);
    /* Second EPB is on interface 1 (SLL2), third back on interface 0. */
    CHECK_EQ_INT(rd32(d + offs[4] + 8), 1);
    CHECK_EQ_INT(rd32(d + offs[5] + 8), 0);
    /* wirelen below caplen is raised to caplen. */
    CHECK_EQ_INT(rd32(d + offs[5] + 24), 8);
    free(d);
}

static void pcapng_read_back(void)
{
    char path[128], err[256];
    tmp_path(path, sizeof path, "back.pcapng");
    struct pcapng_w *w = pcapng_w_open(path, "unit", err, sizeof err);
    if (!CHECK(w != NULL))
        return;
    uint8_t frame[100];
    for (size_t i = 0; i < sizeof frame; i++)
        frame[i] = (uint8_t)i;
    for (uint32_t k = 0; k < 3; k++) {
        struct ptime t = { .sec = 1740830400 + k, .nsec = 999999999u - k };
        CHECK_EQ_INT(pcapng_w_packet(w, 1, "lo", t, frame, 60 + k, 60 + k, NULL), 0);
    }
    CHECK_EQ_INT(pcapng_w_close(w, err, sizeof err), 0);
    struct capture *c = capture_open_file(path, err, sizeof err);
    if (!th_check(c != NULL, __FILE__, __LINE__, "libpcap cannot read it: %s", err)) {
        unlink(path);
        return;
    }
    CHECK_EQ_INT(capture_dlt(c), 1);
    struct capture_pkt pkt;
    for (uint32_t k = 0; k < 3; k++) {
        if (!CHECK_EQ_INT(capture_next(c, &pkt, err, sizeof err), CAPTURE_PACKET))
            break;
        CHECK_EQ_INT(pkt.ts.sec, 1740830400 + k);
        CHECK_EQ_INT(pkt.ts.nsec, 999999999u - k);
        CHECK_EQ_INT(pkt.caplen, 60 + k);
        CHECK_EQ_MEM(pkt.data, pkt.caplen, frame, 60 + k);
    }
    CHECK_EQ_INT(capture_next(c, &pkt, err, sizeof err), CAPTURE_EOF);
    capture_close(c);
    unlink(path);
}

static void pcapng_errors(void)
{
    char err[256] = "";
    CHECK(pcapng_w_open("/nonexistent-dir/x.pcapng", "unit", err, sizeof err) == NULL);
    CHECK(strstr(err, "/nonexistent-dir/x.pcapng: cannot create") != NULL);
    /* /dev/full accepts the open and fails the writes: the error sticks and close says so. */
    struct pcapng_w *w = pcapng_w_open("/dev/full", "unit", err, sizeof err);
    if (w) { /* the header was buffered; its flush failed at open or fails now */
        static uint8_t big[70000];
        struct ptime t = { 0 };
        int rc = 0;
        for (int i = 0; i < 4 && rc == 0; i++)
            rc = pcapng_w_packet(w, 1, NULL, t, big, sizeof big, sizeof big, NULL);
        CHECK_EQ_INT(rc, -1);
        CHECK(pcapng_w_error(w) != NULL);
        CHECK_EQ_INT(pcapng_w_packet(w, 1, NULL, t, big, 10, 10, NULL), -1);
        CHECK_EQ_INT(pcapng_w_close(w, err, sizeof err), -1);
    }
    CHECK(strstr(err, "/dev/full") != NULL);
    CHECK_EQ_INT(pcapng_w_close(NULL, err, sizeof err), 0);
}

static void pcapng_too_many_link_types(void)
{
    char path[128], err[256];
    tmp_path(path, sizeof path, "many.pcapng");
    struct pcapng_w *w = pcapng_w_open(path, NULL, err, sizeof err);
    if (!CHECK(w != NULL))
        return;
    uint8_t b = 0;
    struct ptime t = { 0 };
    for (int lt = 0; lt < PCAPNG_MAX_IFACES; lt++)
        CHECK_EQ_INT(pcapng_w_packet(w, lt, NULL, t, &b, 1, 1, NULL), 0);
    CHECK_EQ_INT(pcapng_w_packet(w, 999, NULL, t, &b, 1, 1, NULL), -1);
    CHECK(pcapng_w_error(w) != NULL);
    CHECK_EQ_INT(pcapng_w_close(w, err, sizeof err), -1);
    CHECK(strstr(err, "too many link types") != NULL);
    unlink(path);
}

void test_pcapng_write(void)
{
    RUN(pcapng_layout);
    RUN(pcapng_read_back);
    RUN(pcapng_errors);
    RUN(pcapng_too_many_link_types);
}
