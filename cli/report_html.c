/* summary: `stirprobe report html [--db PATH] [--since T] [--until T] -o FILE` options. */
#include "cli/report_html.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reports/html.h"

enum { OPT_SINCE = 256, OPT_UNTIL, OPT_CAMPAIGN_TNS, OPT_WARN_DAYS, OPT_TOP, OPT_PROBE };

static const struct option opts[] = {
    { "db", required_argument, NULL, 'd' },
    { "output", required_argument, NULL, 'o' },
    { "since", required_argument, NULL, OPT_SINCE },
    { "until", required_argument, NULL, OPT_UNTIL },
    { "campaign-tns", required_argument, NULL, OPT_CAMPAIGN_TNS },
    { "warn-days", required_argument, NULL, OPT_WARN_DAYS },
    { "top", required_argument, NULL, OPT_TOP },
    { "probe", required_argument, NULL, OPT_PROBE },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};
#define SHORT_OPTS "d:o:h"

static const char usage[] =
    "usage: stirprobe report html [--db PATH] [--since T] [--until T] -o FILE ('-' = stdout)\n"
    "       [--campaign-tns N] (default 10)  an origid on >= N distinct orig TNs is a campaign\n"
    "       [--warn-days N]    (default 30)  flag certificates expiring within N days of the last call\n"
    "       [--top N]          (default 20)  origids listed and chains drawn\n"
    "       [--probe ID[,ID]]  only what these probes stored (repeatable)\n"
    "  SOURCE_DATE_EPOCH, when set, is the time printed on the 'generated' line\n";

/* Does option word a (argv element) take the next element as its value? */
static bool takes_value(const char *a)
{
    if (a[0] != '-' || a[1] == 0)
        return false;
    if (a[1] != '-') /* short options, possibly bundled: the last one may want a value */
        return a[2] == 0 && strchr(SHORT_OPTS, a[1]) && strchr(SHORT_OPTS, a[1])[1] == ':';
    if (strchr(a, '='))
        return false;
    for (const struct option *o = opts; o->name; o++)
        if (strcmp(a + 2, o->name) == 0)
            return o->has_arg == required_argument;
    return false;
}

bool report_html_wanted(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return i + 1 < argc && strcmp(argv[i + 1], "html") == 0;
        if (argv[i][0] == '-' && argv[i][1] != 0) {
            i += takes_value(argv[i]);
            continue;
        }
        return strcmp(argv[i], "html") == 0; /* the first word that is not an option is KIND */
    }
    return false;
}

static bool num(const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "stirprobe: report html: %s: '%s' is not a number from %ld to %ld\n", opt, s, lo, hi);
        return false;
    }
    *out = v;
    return true;
}

/* The "generated" time: SOURCE_DATE_EPOCH (reproducible builds convention) when set. */
static int64_t generated_at(void)
{
    const char *e = getenv("SOURCE_DATE_EPOCH");
    if (e && *e) {
        char *end;
        errno = 0;
        long long v = strtoll(e, &end, 10);
        if (!errno && !*end && v >= 0)
            return v;
    }
    return (int64_t)time(NULL);
}

int report_html_cmd(int argc, char **argv)
{
    struct html_opts o = {
        .rpt = { .db_path = "stirprobe.db", .format = RPT_TABLE },
        .campaign_tns = HTML_DEFAULT_CAMPAIGN_TNS,
        .warn_days = HTML_DEFAULT_WARN_DAYS,
        .top = HTML_DEFAULT_TOP,
    };
    const char *path = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, SHORT_OPTS, opts, NULL)) != -1) {
        switch (c) {
        case 'd': o.rpt.db_path = optarg; break;
        case 'o': path = optarg; break;
        case OPT_SINCE: o.rpt.since = optarg; break;
        case OPT_UNTIL: o.rpt.until = optarg; break;
        case OPT_CAMPAIGN_TNS:
            if (!num("--campaign-tns", optarg, 1, INT_MAX, &o.campaign_tns))
                return 1;
            break;
        case OPT_WARN_DAYS:
            if (!num("--warn-days", optarg, 0, 100000, &o.warn_days))
                return 1;
            break;
        case OPT_TOP:
            if (!num("--top", optarg, 1, 10000, &o.top))
                return 1;
            break;
        case OPT_PROBE:
            if (report_add_probes(&o.rpt, optarg) != 0)
                return 1;
            break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 1;
        }
    }
    if (optind != argc - 1 || strcmp(argv[optind], "html") != 0) {
        fprintf(stderr, "stirprobe: report html: unexpected argument\n%s", usage);
        return 1;
    }
    if (!path) {
        fprintf(stderr, "stirprobe: report html: give the output file with -o FILE ('-' for stdout)\n%s", usage);
        return 1;
    }
    o.generated_at = generated_at();
    if (strcmp(path, "-") == 0)
        return html_report_run(&o, stdout);
    FILE *out = fopen(path, "w");
    if (!out) {
        fprintf(stderr, "stirprobe: report html: %s: cannot create: %s\n", path, strerror(errno));
        return 1;
    }
    int rc = html_report_run(&o, out);
    if (fclose(out) != 0 && rc == 0) {
        fprintf(stderr, "stirprobe: report html: %s: %s\n", path, strerror(errno));
        rc = 1;
    }
    if (rc != 0)
        remove(path); /* no half-written page left behind to be mailed */
    return rc;
}
