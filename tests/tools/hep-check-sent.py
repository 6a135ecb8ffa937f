#!/usr/bin/env python3
"""Checks what `stirprobe read --hep-out` sent, as recorded by hep-sink.py, against
the calls CSV of the same capture: one HEP3 SIP message (payload type 1) per SIP
message with the Call-ID as correlation id, and one JSON verdict (payload type 100)
per call with the same correlation id and the CSV's columns; capture id and auth
key as given; only generic chunks, in the specification's order.

    hep-check-sent.py SINK.jsonl CALLS.csv SIP_MESSAGES CAPTURE_ID AUTH_KEY
"""
import csv
import json
import re
import sys

SIP_ORDER = [1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 14, 15, 17]


def fail(msg):
    print(msg)
    sys.exit(1)


def plain(v):
    """A CSV cell without the formula-injection quote reports/csv.c puts before = + - @."""
    return v[1:] if v[:2] in ("'=", "'+", "'-", "'@") else v


def call_id(payload):
    m = re.search(r"^(?:Call-ID|i)[ \t]*:[ \t]*(.*?)[ \t]*\r?$", payload, re.I | re.M)
    return m.group(1) if m else None


def main():
    recs = [json.loads(line) for line in open(sys.argv[1])]
    rows = list(csv.DictReader(open(sys.argv[2], newline="")))
    want_sip, capid, key = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    errors = [r["error"] for r in recs if "error" in r]
    if errors:
        fail("undecodable messages: %s" % errors[:3])
    sip = [r for r in recs if r.get("proto_type") == 1]
    logs = [r for r in recs if r.get("proto_type") == 100]
    if len(sip) != want_sip or len(logs) != len(rows) or len(recs) != len(sip) + len(logs):
        fail("%d SIP + %d verdicts of %d messages; want %d + %d" % (len(sip), len(logs), len(recs), want_sip, len(rows)))
    for r in recs:
        if r.get("capture_id") != capid or r.get("auth_key") != key:
            fail("capture id / auth key: %r %r" % (r.get("capture_id"), r.get("auth_key")))
        for k in ("family", "ip_proto", "src", "dst", "sport", "dport", "ts_sec", "ts_usec"):
            if k not in r:
                fail("missing %s in %r" % (k, r))
    for r in sip:
        if r["chunk_order"] != SIP_ORDER:
            fail("chunk order %r" % r["chunk_order"])
        if call_id(r["payload"]) != r.get("correlation_id"):
            fail("correlation id %r for Call-ID %r" % (r.get("correlation_id"), call_id(r["payload"])))
    by_id = {plain(row["call_id"]): row for row in rows}
    for r in logs:
        v = json.loads(r["payload"])
        row = by_id.get(v.get("call_id"))
        if row is None or v["call_id"] != r.get("correlation_id"):
            fail("verdict for %r (correlation %r) is not a call" % (v.get("call_id"), r.get("correlation_id")))
        if set(v) != set(row):
            fail("verdict keys %s" % sorted(set(v) ^ set(row)))
        for k in ("verify_result", "attest", "origid", "first_seen", "chain_id"):
            if (v[k] if v[k] is not None else "") != plain(row[k]):
                fail("%s: verdict %s=%r, CSV %r" % (row["call_id"], k, v[k], row[k]))
    print("%d SIP messages and %d verdicts checked" % (len(sip), len(logs)))


if __name__ == "__main__":
    main()
