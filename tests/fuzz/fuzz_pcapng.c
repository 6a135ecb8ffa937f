/* summary: libFuzzer target for probe/pcapng_read alone — any byte string as a pcapng
 * file, every packet's bytes touched so ASan sees an out-of-bounds pointer, and the
 * reader's invariants checked (caplen within the data handed out, nsec < 10^9). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "probe/pcapng_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0; /* fmemopen refuses an empty buffer */
    FILE *fp = fmemopen((void *)data, size, "rb");
    if (!fp)
        return 0;
    char err[256];
    struct pcapng_r *r = pcapng_r_open(fp, err, sizeof err);
    if (r) {
        struct pcapng_pkt p;
        volatile uint8_t sink = 0;
        while (pcapng_r_next(r, &p, err, sizeof err) == PCAPNG_PACKET) {
            if (p.ts.nsec >= 1000000000u || p.ts.sec < 0)
                abort();
            for (uint32_t i = 0; i < p.caplen; i++)
                sink ^= p.data[i];
        }
        (void)sink;
        pcapng_r_close(r);
    }
    fclose(fp);
    return 0;
}
