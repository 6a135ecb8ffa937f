/* summary: the `evidence` command — an evidence pack for one call and its chain. */
#ifndef STIRPROBE_EVIDENCE_H
#define STIRPROBE_EVIDENCE_H

#include <stddef.h>

struct evidence_opts {
    const char *call_id;
    const char *db_path;
    const char *out_dir;
    const char *trust;        /* --trust: re-run the verification against these anchors */
    long max_iat_age;
    const char *const *pcaps; /* --pcap: captures to cut the SIP messages from */
    size_t n_pcaps;
};

/* Writes the pack into o->out_dir (created if needed). Returns 0, or 1 with a
 * message on stderr (no such call, unreadable database, unwritable directory). */
int evidence_run(const struct evidence_opts *o);

#endif
