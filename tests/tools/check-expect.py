#!/usr/bin/env python3
"""Checks `stirprobe report` output against the facts a stirgen scenario states.

usage: check-expect.py STIRPROBE DB EXPECT.tsv

Each line of EXPECT.tsv is REPORT-ARGS<TAB>KEY<TAB>COLUMN<TAB>VALUE.  The report is
run once per distinct REPORT-ARGS with --csv; KEY selects rows by the report's key
columns ('/'-joined when there are several); the fact holds when one of the selected
rows has COLUMN == VALUE.  KEY '*' with COLUMN 'rows' states the number of rows.
Prints one line per fact (ok/FAIL) and exits 1 when any fails.
"""
import csv
import io
import subprocess
import sys

KEYS = {
    "attest": ["attest"],
    "attest --by hour": ["hour", "attest"],
    "attest --by peer": ["peer", "attest"],
    "verstat --by verify": ["verify_result", "verstat"],
    "signers": ["signer_kind", "signer"],
    "certs": ["x5u"],
    "chains": ["chain_id"],
    "anomalies": ["call_id"],
    "flags": ["call_id"],
    "feedback": ["call_id"],
    "origid": ["origid"],
    "failures": ["verify_result"],
}


def key_cols(report):
    if report in KEYS:
        return KEYS[report]
    words = report.split()
    return KEYS.get(" ".join(words[:3]) if "--by" in words else words[0])


def main():
    exe, db, path = sys.argv[1:4]
    cache = {}
    failed = 0
    n = 0
    for line in open(path, encoding="utf-8"):
        report, key, col, want = line.rstrip("\n").split("\t")
        if report not in cache:
            out = subprocess.run([exe, "report", *report.split(), "-d", db, "--csv"],
                                 check=True, capture_output=True).stdout.decode()
            cache[report] = list(csv.DictReader(io.StringIO(out)))
        rows = cache[report]
        n += 1
        if key == "*":
            got = [str(len(rows))]
        else:
            cols = key_cols(report)
            got = [r.get(col) for r in rows if "/".join(r[c] for c in cols) == key]
        ok = want in got
        failed += not ok
        print(f"{'ok' if ok else 'FAIL'}  report {report}: {key} {col} = {want}"
              + ("" if ok else f" (got {got or 'no such row'})"))
    print(f"{n - failed} facts hold, {failed} do not")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
