/* summary: shared declarations of bench_gen, the benchmark capture generator.
 *
 * bench_gen links stirgen's helpers (tests/tools/util.c: buffers, base64url, PRNG,
 * die(); tests/tools/jws.c: ES256 compact JWS) and, like stirgen, shares no code with
 * the probe, so the benchmark cannot hide a probe bug behind the same bug. */
#ifndef BENCH_GEN_H
#define BENCH_GEN_H

#include "tests/tools/stirgen.h"

#define BENCH_X5U_BASE "https://certs.bench.test/"

/* `bench_gen pki DIR [--signers N]`: a root, an intermediate and N SHAKEN leaves
 * (SPC 2001.., valid 2024–2030) in DIR, plus DIR/certmap.tsv. */
int bench_pki(int argc, char **argv);

#endif
