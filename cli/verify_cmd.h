/* summary: the `verify` command — one-shot decode and verification of Identity values. */
#ifndef STIRPROBE_VERIFY_CMD_H
#define STIRPROBE_VERIFY_CMD_H

#include <stdbool.h>

#include "cli/pipeline.h"

struct verify_opts {
    const char *at;                   /* ISO time to verify at; NULL = now */
    const char *from, *pai, *to, *ruri; /* the request's numbers; NULL = the PASSporT's own */
    bool json;
};

/* Exit status: 0 when every value passes, 3 when one fails, 1 on bad usage. */
int verify_cmd_run(const struct pipeline_cfg *cfg, const struct verify_opts *o, char **values, int n);

#endif
