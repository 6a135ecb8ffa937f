/* summary: `stirprobe report html` — one self-contained HTML page over the SQLite store.
 *
 * The page is meant to be mailed and archived: it makes no request of its own (no
 * script, font, stylesheet or image by URL; a Content-Security-Policy says so too),
 * its charts are inline SVG drawn here, and every value read from the database is
 * HTML-escaped with invalid UTF-8 replaced, because Call-IDs, origids, x5u URLs and
 * certificate subjects all come off the wire. Output depends only on the database
 * and the options, so two runs give the same bytes (the one exception is the
 * "generated" line, fed by the caller). */
#ifndef STIRPROBE_HTML_H
#define STIRPROBE_HTML_H

#include <stdint.h>
#include <stdio.h>

#include "reports/report.h"

struct html_opts {
    struct rpt_opts rpt;    /* db_path, since, until; format is not used */
    long campaign_tns;      /* an origid on at least this many distinct orig TNs is a campaign */
    long warn_days;         /* flag certificates that expire within this many days of the last call */
    long top;               /* origids listed and chains drawn */
    int64_t generated_at;   /* epoch seconds shown in the footer; < 0 leaves the time out */
};

#define HTML_DEFAULT_CAMPAIGN_TNS 10
#define HTML_DEFAULT_WARN_DAYS 30
#define HTML_DEFAULT_TOP 20

/* Writes the page to out. Returns 0, or 1 with a message on stderr (missing database,
 * bad time, SQL or write error). */
int html_report_run(const struct html_opts *o, FILE *out);

#endif
