/* summary: the stirprobe command line (interface.md): read, report, capture, verify. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/hep_listen.h"
#include "cli/live.h"
#include "cli/pipeline.h"
#include "cli/report_html.h"
#include "cli/verify_cmd.h"
#include "cli/evidence.h"
#include "reports/report.h"

#ifndef STIRPROBE_VERSION
#define STIRPROBE_VERSION "0.0.0-dev"
#endif

static const char usage[] =
    "usage: stirprobe read [OPTIONS] FILE...        offline: pcap, pcapng, .gz, '-' = stdin\n"
    "       stirprobe capture -i IFACE [-f BPF] [OPTIONS]   live, until SIGINT/SIGTERM\n"
    "       stirprobe hep --listen [ADDR:]PORT [--tcp] [OPTIONS]   receive HEP, until SIGINT/SIGTERM\n"
    "       stirprobe report KIND [--db PATH] [--csv|--json] [--since T] [--until T] [REPORT OPTIONS]\n"
    "       stirprobe report html [--db PATH] [--since T] [--until T] -o FILE   one HTML page (--help)\n"
    "       stirprobe evidence CALL-ID [--db PATH] -o DIR [--trust PATH] [--pcap FILE]...\n"
    "       stirprobe verify [OPTIONS] [--at TIME] [--from TN] [--pai TN] [--to TN] [--ruri TN] VALUE...\n"
    "       stirprobe --version | --help\n"
    "\n"
    "read and capture options:\n"
    "  -d, --db PATH          SQLite database (default stirprobe.db; created if absent), or a\n"
    "                         PostgreSQL URL postgresql://USER@HOST/DB (schema created if absent)\n"
    "      --probe-id ID      this probe's name in the database (default: the host name)\n"
    "      --retention-days N PostgreSQL: drop day partitions older than N days (default: keep)\n"
    "      --spool-mb N       PostgreSQL: keep up to N MiB of batches while the server is away (64)\n"
    "      --db-wait SECS     PostgreSQL: at the end, wait this long for the server (default 30)\n"
    "      --json             also print one NDJSON object per finished call on stdout\n"
    "  -w FILE                also write the packets that carried SIP to FILE (pcapng)\n"
    "  -q                     no progress output\n"
    "      --verify           verify PASSporTs (default: decode only, verify_result not-verified)\n"
    "      --trust PATH       STI-PA trust anchors: PEM file or directory of PEM files\n"
    "      --ca-bundle FILE   CA bundle for the HTTPS x5u fetch (default: system bundle)\n"
    "      --cert-map FILE    offline certificates: TSV x5u-URL<TAB>PEM path; nothing is fetched\n"
    "      --x5u-allow-private  allow x5u URLs resolving to loopback/private addresses\n"
    "      --x5u-connect-to HOST:PORT:HOST2:PORT2  connect elsewhere for an x5u host (repeatable)\n"
    "      --max-iat-age SECS allowed |iat - packet time| (default 60)\n"
    "      --threads N        verification threads (default: one per core)\n"
    "      --hep-out HOST:PORT[/udp|/tcp]  also send every SIP message and call verdict as HEP3\n"
    "      --hep-id N         HEP capture agent id (default 0)\n"
    "      --hep-pass KEY     HEP auth key sent (hep --listen: also required on what arrives)\n"
    "      --hep-rate N       send at most N HEP messages a second (default: no limit)\n"
    "\n"
    "capture options:\n"
    "  -i IFACE               interface to capture on ('any': all of them)\n"
    "  -f BPF                 capture filter (default none: SIP is found by content)\n"
    "  -B MiB                 kernel capture buffer (default 32)\n"
    "  -p                     do not put the interface into promiscuous mode\n"
    "      --queue-size MiB   queue between capture and decoding (default 64; full: counted drops)\n"
    "      --stats-interval S stats line on stderr every S seconds (default 10, 0 = off)\n"
    "  -Z USER                drop privileges to USER once the interface and files are open\n"
    "  -c COUNT               stop after COUNT packets\n"
    "      --duration SECS    stop after SECS seconds\n"
    "  SIGINT/SIGTERM store open calls and exit 0; SIGHUP reopens the database file\n"
    "\n"
    "hep options (and -c, --duration, --stats-interval as for capture):\n"
    "      --listen [ADDR:]PORT  where to receive HEP1/2/3 (all addresses when ADDR is left out)\n"
    "      --tcp              HEP3 over TCP instead of UDP\n"
    "\n"
    "report kinds: calls stats attest failures origid chains verstat signers certs anomalies flags\n"
    "              feedback\n"
    "report options:\n"
    "      --by KEY           attest: peer | hour; verstat: verify (our verdict vs the verstat seen)\n"
    "      --origid ID        chains: every leg of one origid, in time order\n"
    "      --campaign-tns N   origid, flags: an origid on N or more orig TNs is a campaign (default 10)\n"
    "      --warn-days N      certs: flag certificates expiring within N days of the last call (default 30)\n"
    "      --window SECS      anomalies, chains, verstat: downstream-leg matching window (default 10)\n"
    "      --max-iat-age SECS anomalies: replay when a leg is further than this from iat (default 60)\n"
    "      --probe ID[,ID...] only what these probes stored (repeatable; --probe-id of read/capture/hep)\n"
    "\n"
    "exit status: 0 ok; 1 bad usage or unreadable input; 2 damaged capture (rows before it kept);\n"
    "             verify: 3 when a value does not pass\n";

enum {
    OPT_JSON = 256,
    OPT_VERIFY,
    OPT_TRUST,
    OPT_CA_BUNDLE,
    OPT_CERT_MAP,
    OPT_ALLOW_PRIVATE,
    OPT_MAX_IAT_AGE,
    OPT_AT,
    OPT_FROM,
    OPT_PAI,
    OPT_TO,
    OPT_RURI,
    OPT_CONNECT_TO,
    OPT_THREADS,
    OPT_CSV,
    OPT_SINCE,
    OPT_UNTIL,
    OPT_STATS_INTERVAL,
    OPT_DURATION,
    OPT_QUEUE_SIZE,
    OPT_BY,
    OPT_ORIGID,
    OPT_CAMPAIGN_TNS,
    OPT_WARN_DAYS,
    OPT_WINDOW,
    OPT_PCAP,
    OPT_HEP_OUT,
    OPT_HEP_ID,
    OPT_HEP_PASS,
    OPT_HEP_RATE,
    OPT_LISTEN,
    OPT_TCP,
    OPT_PROBE_ID,
    OPT_RETENTION_DAYS,
    OPT_SPOOL_MB,
    OPT_DB_WAIT,
    OPT_PROBE,
};

static int bad_usage(const char *msg)
{
    if (msg)
        fprintf(stderr, "stirprobe: %s\n", msg);
    fputs(usage, stderr);
    return 1;
}

/* Options shared by read and capture (interface.md "Common OPTIONS"). */
/* Calls in the verifier at most during `read` (README "Limits"). */
#define READ_MAX_PENDING 2000

#define COMMON_LONG_OPTS                                                    \
    { "db", required_argument, NULL, 'd' },                                \
    { "json", no_argument, NULL, OPT_JSON },                               \
    { "verify", no_argument, NULL, OPT_VERIFY },                           \
    { "trust", required_argument, NULL, OPT_TRUST },                       \
    { "ca-bundle", required_argument, NULL, OPT_CA_BUNDLE },               \
    { "cert-map", required_argument, NULL, OPT_CERT_MAP },                 \
    { "x5u-allow-private", no_argument, NULL, OPT_ALLOW_PRIVATE },         \
    { "x5u-connect-to", required_argument, NULL, OPT_CONNECT_TO },         \
    { "max-iat-age", required_argument, NULL, OPT_MAX_IAT_AGE },           \
    { "threads", required_argument, NULL, OPT_THREADS },                   \
    { "hep-out", required_argument, NULL, OPT_HEP_OUT },                   \
    { "hep-id", required_argument, NULL, OPT_HEP_ID },                     \
    { "hep-pass", required_argument, NULL, OPT_HEP_PASS },                 \
    { "hep-rate", required_argument, NULL, OPT_HEP_RATE },                 \
    { "probe-id", required_argument, NULL, OPT_PROBE_ID },                 \
    { "retention-days", required_argument, NULL, OPT_RETENTION_DAYS },     \
    { "spool-mb", required_argument, NULL, OPT_SPOOL_MB },                 \
    { "db-wait", required_argument, NULL, OPT_DB_WAIT },                   \
    { "help", no_argument, NULL, 'h' }
#define COMMON_SHORT_OPTS "d:qh"

static bool parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* A numeric option value in [lo, hi], or a message saying what was expected. */
static bool num_opt(const char *opt, long lo, long hi, const char *what, long *out)
{
    if (parse_long(optarg, lo, hi, out))
        return true;
    fprintf(stderr, "stirprobe: %s: '%s' is not %s\n", opt, optarg, what);
    return false;
}

/* Returns 1 when c was a common option, 0 when not, -1 on a bad value (message printed). */
static int common_opt(int c, struct pipeline_cfg *cfg)
{
    long v;
    switch (c) {
    case 'd': cfg->db_path = optarg; return 1;
    case 'q': cfg->quiet = true; return 1;
    case OPT_JSON: cfg->json = true; return 1;
    case OPT_VERIFY: cfg->verify = true; return 1;
    case OPT_TRUST: cfg->trust = optarg; return 1;
    case OPT_CA_BUNDLE: cfg->ca_bundle = optarg; return 1;
    case OPT_CERT_MAP: cfg->cert_map = optarg; return 1;
    case OPT_ALLOW_PRIVATE: cfg->x5u_allow_private = true; return 1;
    case OPT_CONNECT_TO:
        if (cfg->n_x5u_connect_to == sizeof cfg->x5u_connect_to / sizeof cfg->x5u_connect_to[0]) {
            fprintf(stderr, "stirprobe: --x5u-connect-to: at most 8\n");
            return -1;
        }
        cfg->x5u_connect_to[cfg->n_x5u_connect_to++] = optarg;
        return 1;
    case OPT_MAX_IAT_AGE:
        if (!num_opt("--max-iat-age", 0, 100L * 365 * 86400, "a number of seconds", &v))
            return -1;
        cfg->max_iat_age = v;
        return 1;
    case OPT_THREADS:
        if (!num_opt("--threads", 1, 256, "a number from 1 to 256", &v))
            return -1;
        cfg->threads = (int)v;
        return 1;
    case OPT_HEP_OUT: cfg->hep_out = optarg; return 1;
    case OPT_HEP_PASS: cfg->hep_pass = optarg; return 1;
    case OPT_HEP_ID:
        if (!num_opt("--hep-id", 0, 4294967295L, "a number from 0 to 4294967295", &v))
            return -1;
        cfg->hep_id = (uint32_t)v;
        return 1;
    case OPT_HEP_RATE:
        if (!num_opt("--hep-rate", 1, 10000000, "a number of messages a second from 1 to 10000000", &v))
            return -1;
        cfg->hep_rate = (uint32_t)v;
        return 1;
    case OPT_PROBE_ID:
        if (!*optarg || strlen(optarg) > 200) {
            fprintf(stderr, "stirprobe: --probe-id: give a name of 1 to 200 bytes\n");
            return -1;
        }
        cfg->store.probe_id = optarg;
        return 1;
    case OPT_RETENTION_DAYS:
        if (!num_opt("--retention-days", 1, 100000, "a number of days from 1", &v))
            return -1;
        cfg->store.retention_days = (int)v;
        return 1;
    case OPT_SPOOL_MB:
        if (!num_opt("--spool-mb", 1, 1048576, "a number of MiB from 1", &v))
            return -1;
        cfg->store.spool_bytes = (size_t)v << 20;
        return 1;
    case OPT_DB_WAIT:
        if (!num_opt("--db-wait", 0, 86400, "a number of seconds up to 86400", &v))
            return -1;
        cfg->store.wait_sec = (int)v;
        return 1;
    default:
        return 0;
    }
}

static void default_cfg(struct pipeline_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->db_path = "stirprobe.db";
    cfg->max_iat_age = 60;
    cfg->store.spool_bytes = (size_t)STORE_DEFAULT_SPOOL_MB << 20;
    cfg->store.wait_sec = STORE_DEFAULT_WAIT_SEC;
}


static int cmd_read(int argc, char **argv)
{
    static const struct option opts[] = {
        COMMON_LONG_OPTS,
        { NULL, 0, NULL, 0 },
    };
    struct pipeline_cfg cfg;
    default_cfg(&cfg);
    const char *write_path = NULL;
    int c;
    while ((c = getopt_long(argc, argv, COMMON_SHORT_OPTS "w:", opts, NULL)) != -1) {
        int r = common_opt(c, &cfg);
        if (r < 0)
            return 1;
        if (r > 0)
            continue;
        if (c == 'w') {
            write_path = optarg;
            continue;
        }
        if (c == 'h') {
            fputs(usage, stdout);
            return 0;
        }
        return bad_usage(NULL);
    }
    if (optind >= argc)
        return bad_usage("read: no capture file given");

    /* A file waits for the verifier at no cost; only a live capture needs the deep
     * queue that rides out x5u fetches without dropping packets. */
    cfg.max_pending = READ_MAX_PENDING;
    char err[512];
    struct pipeline *p = pipeline_new(&cfg, err, sizeof err);
    if (!p) {
        fprintf(stderr, "stirprobe: %s\n", err);
        return 1;
    }
    if (write_path && pipeline_open_evidence(p, write_path, err, sizeof err) != 0) {
        fprintf(stderr, "stirprobe: %s\n", err);
        pipeline_free(p);
        return 1;
    }
    /* A bulk load when the files bring more calls than the database holds; ~4 kB of
     * capture per call is the bench's SIP-only traffic, real captures with RTP hold
     * more, which only errs towards keeping the indexes. stdin counts as nothing. */
    uint64_t bytes = 0;
    for (int i = optind; i < argc; i++) {
        struct stat sb;
        if (strcmp(argv[i], "-") != 0 && stat(argv[i], &sb) == 0 && S_ISREG(sb.st_mode))
            bytes += (uint64_t)sb.st_size;
    }
    if (pipeline_bulk_load(p, bytes / 4096) != 0) {
        pipeline_free(p);
        return 1;
    }
    int status = 0;
    for (int i = optind; i < argc; i++) {
        bool fatal;
        int rc = pipeline_read_file(p, argv[i], &fatal);
        if (rc > status)
            status = rc;
        if (fatal)
            break;
    }
    if (pipeline_finish(p) != 0)
        status = 1;
    if (pipeline_close_evidence(p) != 0)
        status = 1;
    pipeline_free(p);
    return status;
}

static int cmd_capture(int argc, char **argv)
{
    static const struct option opts[] = {
        COMMON_LONG_OPTS,
        { "interface", required_argument, NULL, 'i' },
        { "filter", required_argument, NULL, 'f' },
        { "buffer-size", required_argument, NULL, 'B' },
        { "queue-size", required_argument, NULL, OPT_QUEUE_SIZE },
        { "stats-interval", required_argument, NULL, OPT_STATS_INTERVAL },
        { "duration", required_argument, NULL, OPT_DURATION },
        { "no-promiscuous-mode", no_argument, NULL, 'p' },
        { NULL, 0, NULL, 0 },
    };
    struct pipeline_cfg cfg;
    default_cfg(&cfg);
    struct live_cfg lc = { .buffer_mib = 32, .queue_mib = 64, .stats_interval = -1, .promisc = true };
    long v;
    int c;
    while ((c = getopt_long(argc, argv, COMMON_SHORT_OPTS "i:f:B:Z:w:c:p", opts, NULL)) != -1) {
        int r = common_opt(c, &cfg);
        if (r < 0)
            return 1;
        if (r > 0)
            continue;
        switch (c) {
        case 'i': lc.iface = optarg; break;
        case 'f': lc.filter = optarg; break;
        case 'Z': lc.user = optarg; break;
        case 'w': lc.write_path = optarg; break;
        case 'p': lc.promisc = false; break;
        case 'B':
            if (!num_opt("-B", 1, 4095, "a size in MiB from 1 to 4095", &v))
                return 1;
            lc.buffer_mib = (size_t)v;
            break;
        case OPT_QUEUE_SIZE:
            if (!num_opt("--queue-size", 1, 65536, "a size in MiB from 1 to 65536", &v))
                return 1;
            lc.queue_mib = (size_t)v;
            break;
        case OPT_STATS_INTERVAL:
            if (!num_opt("--stats-interval", 0, 86400, "a number of seconds", &v))
                return 1;
            lc.stats_interval = v;
            break;
        case OPT_DURATION:
            if (!num_opt("--duration", 1, 100L * 365 * 86400, "a number of seconds", &v))
                return 1;
            lc.duration = v;
            break;
        case 'c':
            if (!num_opt("-c", 1, LONG_MAX, "a packet count", &v))
                return 1;
            lc.count = (uint64_t)v;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            return bad_usage(NULL);
        }
    }
    if (!lc.iface)
        return bad_usage("capture: no interface given (-i IFACE)");
    if (optind < argc)
        return bad_usage("capture: unexpected argument (put a capture filter after -f)");
    /* -q silences progress, including the stats line, unless it was asked for. */
    if (lc.stats_interval < 0)
        lc.stats_interval = cfg.quiet ? 0 : 10;
    return live_run(&cfg, &lc);
}

static int cmd_hep(int argc, char **argv)
{
    static const struct option opts[] = {
        COMMON_LONG_OPTS,
        { "listen", required_argument, NULL, OPT_LISTEN },
        { "tcp", no_argument, NULL, OPT_TCP },
        { "stats-interval", required_argument, NULL, OPT_STATS_INTERVAL },
        { "duration", required_argument, NULL, OPT_DURATION },
        { NULL, 0, NULL, 0 },
    };
    struct pipeline_cfg cfg;
    default_cfg(&cfg);
    struct hep_listen_cfg hc = { .stats_interval = -1 };
    long v;
    int c;
    while ((c = getopt_long(argc, argv, COMMON_SHORT_OPTS "c:", opts, NULL)) != -1) {
        int r = common_opt(c, &cfg);
        if (r < 0)
            return 1;
        if (r > 0)
            continue;
        switch (c) {
        case OPT_LISTEN: hc.listen = optarg; break;
        case OPT_TCP: hc.tcp = true; break;
        case OPT_STATS_INTERVAL:
            if (!num_opt("--stats-interval", 0, 86400, "a number of seconds", &v))
                return 1;
            hc.stats_interval = v;
            break;
        case OPT_DURATION:
            if (!num_opt("--duration", 1, 100L * 365 * 86400, "a number of seconds", &v))
                return 1;
            hc.duration = v;
            break;
        case 'c':
            if (!num_opt("-c", 1, LONG_MAX, "a message count", &v))
                return 1;
            hc.count = (uint64_t)v;
            break;
        case 'h': fputs(usage, stdout); return 0;
        default: return bad_usage(NULL);
        }
    }
    if (!hc.listen)
        return bad_usage("hep: give --listen [ADDR:]PORT");
    if (optind < argc)
        return bad_usage("hep: unexpected argument");
    if (hc.stats_interval < 0)
        hc.stats_interval = cfg.quiet ? 0 : 10;
    return hep_listen_run(&cfg, &hc);
}

static int cmd_verify(int argc, char **argv)
{
    static const struct option opts[] = {
        COMMON_LONG_OPTS,
        { "at", required_argument, NULL, OPT_AT },
        { "from", required_argument, NULL, OPT_FROM },
        { "pai", required_argument, NULL, OPT_PAI },
        { "to", required_argument, NULL, OPT_TO },
        { "ruri", required_argument, NULL, OPT_RURI },
        { NULL, 0, NULL, 0 },
    };
    struct pipeline_cfg cfg;
    default_cfg(&cfg);
    struct verify_opts vo = { 0 };
    int c;
    while ((c = getopt_long(argc, argv, COMMON_SHORT_OPTS, opts, NULL)) != -1) {
        int r = common_opt(c, &cfg);
        if (r < 0)
            return 1;
        if (r > 0)
            continue;
        switch (c) {
        case OPT_AT: vo.at = optarg; break;
        case OPT_FROM: vo.from = optarg; break;
        case OPT_PAI: vo.pai = optarg; break;
        case OPT_TO: vo.to = optarg; break;
        case OPT_RURI: vo.ruri = optarg; break;
        case 'h': fputs(usage, stdout); return 0;
        default: return bad_usage(NULL);
        }
    }
    vo.json = cfg.json;
    if (optind >= argc)
        return bad_usage("verify: give an Identity header value");
    return verify_cmd_run(&cfg, &vo, argv + optind, argc - optind);
}

static int cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {
        { "db", required_argument, NULL, 'd' },
        { "csv", no_argument, NULL, OPT_CSV },
        { "json", no_argument, NULL, OPT_JSON },
        { "since", required_argument, NULL, OPT_SINCE },
        { "until", required_argument, NULL, OPT_UNTIL },
        { "by", required_argument, NULL, OPT_BY },
        { "origid", required_argument, NULL, OPT_ORIGID },
        { "campaign-tns", required_argument, NULL, OPT_CAMPAIGN_TNS },
        { "warn-days", required_argument, NULL, OPT_WARN_DAYS },
        { "window", required_argument, NULL, OPT_WINDOW },
        { "max-iat-age", required_argument, NULL, OPT_MAX_IAT_AGE },
        { "probe", required_argument, NULL, OPT_PROBE },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    if (report_html_wanted(argc, argv)) /* options of its own: cli/report_html.c */
        return report_html_cmd(argc, argv);
    struct rpt_opts o = { .db_path = "stirprobe.db", .format = RPT_TABLE, RPT_DEFAULTS };
    int c;
    while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_BY:
            o.by = optarg;
            break;
        case OPT_PROBE:
            if (report_add_probes(&o, optarg) != 0)
                return 1;
            break;
        case OPT_ORIGID:
            o.origid = optarg;
            break;
        case OPT_CAMPAIGN_TNS:
            if (!num_opt("--campaign-tns", 1, 1000000000L, "a count of at least 1", &o.campaign_tns))
                return 1;
            break;
        case OPT_WARN_DAYS:
            if (!num_opt("--warn-days", 0, 100000, "a number of days", &o.warn_days))
                return 1;
            break;
        case OPT_WINDOW:
            if (!num_opt("--window", 0, 86400, "a number of seconds up to 86400", &o.window_sec))
                return 1;
            break;
        case OPT_MAX_IAT_AGE:
            if (!num_opt("--max-iat-age", 0, 100L * 365 * 86400, "a number of seconds", &o.max_iat_age))
                return 1;
            break;
        case 'd':
            o.db_path = optarg;
            break;
        case OPT_CSV:
            o.format = RPT_CSV;
            break;
        case OPT_JSON:
            o.format = RPT_JSON;
            break;
        case OPT_SINCE:
            o.since = optarg;
            break;
        case OPT_UNTIL:
            o.until = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            return bad_usage(NULL);
        }
    }
    if (optind != argc - 1)
        return bad_usage("report: give exactly one KIND");
    return report_run(argv[optind], &o, stdout);
}

static int cmd_evidence(int argc, char **argv)
{
    static const struct option opts[] = {
        { "db", required_argument, NULL, 'd' },
        { "trust", required_argument, NULL, OPT_TRUST },
        { "pcap", required_argument, NULL, OPT_PCAP },
        { "max-iat-age", required_argument, NULL, OPT_MAX_IAT_AGE },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct evidence_opts o = { .db_path = "stirprobe.db", .max_iat_age = 60 };
    const char *pcaps[16];
    int c;
    while ((c = getopt_long(argc, argv, "d:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': o.db_path = optarg; break;
        case 'o': o.out_dir = optarg; break;
        case OPT_TRUST: o.trust = optarg; break;
        case OPT_PCAP:
            if (o.n_pcaps == sizeof pcaps / sizeof pcaps[0])
                return bad_usage("evidence: at most 16 --pcap files");
            pcaps[o.n_pcaps++] = optarg;
            break;
        case OPT_MAX_IAT_AGE:
            if (!num_opt("--max-iat-age", 0, 100L * 365 * 86400, "a number of seconds", &o.max_iat_age))
                return 1;
            break;
        case 'h': fputs(usage, stdout); return 0;
        default: return bad_usage(NULL);
        }
    }
    o.pcaps = pcaps;
    if (optind != argc - 1 || !o.out_dir)
        return bad_usage("evidence: give one CALL-ID and -o DIR");
    o.call_id = argv[optind];
    return evidence_run(&o);
}

int main(int argc, char **argv)
{
    /* glibc gives the top of the heap back to the kernel whenever 128 kB are free
     * there, and SQLite's per-statement journals then cost a brk() pair per stored
     * call (11 % of a bulk read in perf). Keep up to 16 MiB; peak memory is the same. */
    mallopt(M_TRIM_THRESHOLD, 16 << 20);
    mallopt(M_TOP_PAD, 1 << 20);
    if (argc < 2)
        return bad_usage(NULL);
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("stirprobe %s\n", STIRPROBE_VERSION);
        return 0;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    /* Subcommand options are parsed from argv[1] on, so getopt sees the command as argv[0]. */
    if (strcmp(cmd, "read") == 0)
        return cmd_read(argc - 1, argv + 1);
    if (strcmp(cmd, "report") == 0)
        return cmd_report(argc - 1, argv + 1);
    if (strcmp(cmd, "capture") == 0)
        return cmd_capture(argc - 1, argv + 1);
    if (strcmp(cmd, "verify") == 0)
        return cmd_verify(argc - 1, argv + 1);
    if (strcmp(cmd, "hep") == 0)
        return cmd_hep(argc - 1, argv + 1);
    if (strcmp(cmd, "evidence") == 0)
        return cmd_evidence(argc - 1, argv + 1);
    char msg[128];
    snprintf(msg, sizeof msg, "unknown command '%s'", cmd);
    return bad_usage(msg);
}
