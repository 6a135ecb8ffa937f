/* summary: libFuzzer target for the whole pipeline — a capture file in memory through
 * libpcap, link/IP/defrag/TCP, SIP, Identity, PASSporT, calls and an in-memory SQLite. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli/pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz.pcap", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64], err[256];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    struct pipeline_cfg cfg = { .db_path = ":memory:", .quiet = true };
    struct pipeline *p = pipeline_new(&cfg, err, sizeof err);
    if (p) {
        bool fatal;
        FILE *saved = stderr;
        stderr = fopen("/dev/null", "w"); /* damaged inputs are the point: keep the log quiet */
        pipeline_read_file(p, path, &fatal);
        pipeline_finish(p);
        fclose(stderr);
        stderr = saved;
        pipeline_free(p);
    }
    close(fd);
    return 0;
}
