/* summary: the I/O floor of `make bench` — libpcap reads every record of a capture and
 * does nothing else but sum one byte of each, so the compiler cannot drop the loop.
 * Whatever stirprobe does per packet, it cannot read the file faster than this. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: pcap_loop FILE.pcap\n");
        return 1;
    }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "pcap_loop: %s\n", err);
        return 1;
    }
    struct pcap_pkthdr *h;
    const u_char *d;
    uint64_t n = 0, bytes = 0, sum = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        n++;
        bytes += h->caplen;
        sum += h->caplen ? d[h->caplen - 1] : 0;
    }
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "pcap_loop: %s\n", pcap_geterr(p));
        return 1;
    }
    pcap_close(p);
    printf("%llu packets %llu bytes (checksum %llu)\n", (unsigned long long)n, (unsigned long long)bytes,
           (unsigned long long)(sum & 0xffff));
    return 0;
}
