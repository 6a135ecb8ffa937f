/* summary: command line of `stirprobe report html` (options of its own, -o FILE). */
#ifndef STIRPROBE_CLI_REPORT_HTML_H
#define STIRPROBE_CLI_REPORT_HTML_H

#include <stdbool.h>

/* true when the report KIND in argv (argv[0] = "report") is "html". */
bool report_html_wanted(int argc, char **argv);

/* Parses the options and writes the page. Exit status: 0, or 1 with a message. */
int report_html_cmd(int argc, char **argv);

#endif
