/* summary: stirgen — test-data generator for stirprobe: a throwaway STI
 * PKI, pcap/pcapng captures of SIP STIR/SHAKEN scenarios with the expected
 * calls CSV, and one-shot PASSporT signing and checking.
 * tests/tools/regen.sh rebuilds it and regenerates tests/pki and tests/pcaps. */
// Build, from the repository root:
//   cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -g tests/tools/*.c
//      $(pkg-config --cflags --libs libcrypto jansson) -o build/stirgen
#include "stirgen.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fputs("usage: stirgen COMMAND [ARGS]\n"
          "  pki DIR                         write the test STI PKI into DIR\n"
          "  pcap [OPTIONS] OUT              write a scenario capture OUT and its expected OUT.csv\n"
          "  not-a-capture OUT               write a text file posing as a capture, and OUT.csv\n"
          "  sign OPTIONS                    print one signed Identity header value\n"
          "  check (--certmap F|--cert P) [VALUE...]  decode and verify Identity values\n"
          "Run a command with --help for its options.\n",
          f);
}

static void usage_pcap(FILE *f)
{
    fputs("usage: stirgen pcap [OPTIONS] OUT\n"
          "  --scenario NAME        scenario to write (default demo; known: demo, verify, tcp, flood)\n"
          "  --link L               eth (default), vlan, qinq, sll, sll2, raw, null, loop\n"
          "  --format F             pcap (default), pcapng, or pcapng-multi: packets in\n"
          "                         rotation over 3 interfaces (EN10MB µs, LINUX_SLL2 ns,\n"
          "                         RAW µs) plus NRB/ISB blocks to skip; --link is ignored\n"
          "  --ns                   nanosecond timestamps (else microseconds)\n"
          "  --be                   big-endian file (else little-endian)\n"
          "  --ipv6                 map every address into 2001:db8::/32\n"
          "  --truncate-after N     N whole packet records, then half of record N+1\n"
          "  --mtu N                IP-fragment UDP datagrams whose IP packet exceeds N bytes\n"
          "                         (IPv4 MF/offset, IPv6 Fragment header; TCP never)\n"
          "  --frag-order O         inorder (default), reverse or shuffle (from --seed):\n"
          "                         the order one datagram's fragments are written in\n"
          "  --seed N               seed of the generator's PRNG (default 1)\n"
          "  --pki DIR              signing keys (default tests/pki)\n"
          "Also writes the expected calls CSV next to OUT (extension replaced by .csv),\n"
          "and for scenarios with stated per-header results (verify) OUT-stem.passports.tsv.\n",
          f);
}

/* demo.pcap -> demo.csv; a name without an extension gets .csv appended. */
static char *csv_path_for(const char *out)
{
    const char *slash = strrchr(out, '/');
    const char *dot = strrchr(slash ? slash + 1 : out, '.');
    size_t stem = dot && dot != (slash ? slash + 1 : out) ? (size_t)(dot - out) : strlen(out);
    return xasprintf("%.*s.csv", (int)stem, out);
}

static long parse_long(const char *opt, const char *v, long min)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || end == v || n < min)
        die("%s wants an integer >= %ld, got '%s'", opt, min, v);
    return n;
}

int cmd_pcap(int argc, char **argv)
{
    static const struct option opts[] = {
        {"scenario", required_argument, NULL, 's'}, {"link", required_argument, NULL, 'l'},
        {"format", required_argument, NULL, 'f'},   {"ns", no_argument, NULL, 'n'},
        {"be", no_argument, NULL, 'b'},             {"ipv6", no_argument, NULL, '6'},
        {"truncate-after", required_argument, NULL, 't'}, {"seed", required_argument, NULL, 'r'},
        {"pki", required_argument, NULL, 'k'},      {"help", no_argument, NULL, 'h'},
        {"mtu", required_argument, NULL, 'm'},      {"frag-order", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    struct capopts o = {.link = LINK_ETH, .truncate_after = -1};
    const char *scenario = "demo";
    struct scen s = {.pki_dir = "tests/pki", .rng = 1};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's': scenario = optarg; break;
        case 'l':
            if (!link_parse(optarg, &o.link))
                die("--link: unknown link type '%s'", optarg);
            break;
        case 'f':
            if (!strcmp(optarg, "pcapng"))
                o.pcapng = true;
            else if (!strcmp(optarg, "pcapng-multi"))
                o.pcapng = o.multi = true;
            else if (strcmp(optarg, "pcap"))
                die("--format: pcap, pcapng or pcapng-multi, not '%s'", optarg);
            break;
        case 'n': o.ns = true; break;
        case 'b': o.be = true; break;
        case '6': o.ipv6 = true; break;
        case 't': o.truncate_after = parse_long("--truncate-after", optarg, 0); break;
        case 'r': s.rng = (uint64_t)parse_long("--seed", optarg, 0); break;
        case 'k': s.pki_dir = optarg; break;
        case 'm': {
            long m = parse_long("--mtu", optarg, 1);
            if (m > 65535)
                die("--mtu wants at most 65535, got %ld", m);
            o.mtu = (unsigned)m;
            break;
        }
        case 'o':
            if (!fragorder_parse(optarg, &o.frag_order))
                die("--frag-order: inorder, reverse or shuffle, not '%s'", optarg);
            break;
        case 'h': usage_pcap(stdout); return 0;
        default: usage_pcap(stderr); return 1;
        }
    }
    if (optind + 1 != argc) {
        usage_pcap(stderr);
        return 1;
    }
    const char *out = argv[optind];
    o.seed = s.rng; /* before scenario_build advances it */
    s.ipv6 = o.ipv6;
    scenario_build(&s, scenario);
    capture_write(out, &o, s.pkts, s.npkts, s.local_ip);
    char *csv = csv_path_for(out);
    truth_write_csv(csv, &s, o.truncate_after >= 0 ? (size_t)o.truncate_after : s.npkts, o.ipv6);
    /* verify.csv -> verify.passports.tsv, for scenarios with several
     * Identity values on one call and stated per-header results. */
    char *tsv = xasprintf("%.*s.passports.tsv", (int)(strlen(csv) - 4), csv);
    if (o.truncate_after < 0 && truth_write_passports(tsv, &s))
        fprintf(stderr, "stirgen: wrote %s\n", tsv);
    free(tsv);
    if (s.expect.n) {
        char *ex = xasprintf("%.*s.expect.tsv", (int)(strlen(csv) - 4), csv);
        if (!write_file(ex, s.expect.p, s.expect.n))
            die("%s: cannot write", ex);
        fprintf(stderr, "stirgen: wrote %s\n", ex);
        free(ex);
    }
    fprintf(stderr, "stirgen: wrote %s (%zu packets%s) and %s\n", out,
            o.truncate_after >= 0 ? (size_t)o.truncate_after : s.npkts,
            o.truncate_after >= 0 ? " + half a record" : "", csv);
    free(csv);
    scenario_free(&s);
    return 0;
}

/* A text file named like a capture: the reader must refuse it cleanly
 * (exit 1, clear message), and no calls come out of it. */
static int cmd_not_a_capture(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        fputs("usage: stirgen not-a-capture OUT\n", stderr);
        return 1;
    }
    static const char text[] =
        "This is not a capture file. It is a text file with a .pcap name, as\n"
        "left behind when someone saves `tshark -V` output or an SBC log under\n"
        "the wrong name. A reader must reject it with a clear message (exit 1),\n"
        "not crash, and store no calls.\n"
        "\n"
        "INVITE sip:+12025550199@198.51.100.7 SIP/2.0\n"
        "Identity: eyJhbGciOiJFUzI1NiJ9.e30.AAAA;info=<https://certs.stirprobe.test/sp-a.pem>\n";
    if (!write_file(argv[1], text, sizeof text - 1))
        die("cannot write %s", argv[1]);
    struct scen empty = {0};
    char *csv = csv_path_for(argv[1]);
    truth_write_csv(csv, &empty, 0, false);
    free(csv);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 1;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "pki"))
        return cmd_pki(argc - 1, argv + 1);
    if (!strcmp(cmd, "pcap"))
        return cmd_pcap(argc - 1, argv + 1);
    if (!strcmp(cmd, "not-a-capture"))
        return cmd_not_a_capture(argc - 1, argv + 1);
    if (!strcmp(cmd, "sign"))
        return cmd_sign(argc - 1, argv + 1);
    if (!strcmp(cmd, "check"))
        return cmd_check(argc - 1, argv + 1);
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "stirgen: unknown command '%s'\n", cmd);
    usage(stderr);
    return 1;
}
