#!/usr/bin/env python3
"""Checks what stirprobe made of tests/tools/sipcap.py's injection capture.

  check-inject.py DB CALLS.csv CALLS.ndjson TABLE.txt EXPECT.tsv

DB: every Call-ID stored byte for byte (hex compare; a Call-ID over 256 bytes cut to
its first 256), every origid/x5u that is valid UTF-8 without NUL stored exactly (the
others' PASSporTs are flagged bad-format), the tables the SQL fragments name still
there. CSV: strict UTF-8, no NUL, 25 columns a row, RFC 4180, no text cell starting
with = + - @ (they get a leading '), each Call-ID readable back. NDJSON: valid JSON,
Call-IDs exact where they are UTF-8. Table output: no control bytes. Prints one line
per failed check; exit status 1 if any.
"""
import csv
import io
import json
import sqlite3
import sys

db_path, csv_path, json_path, table_path, tsv_path = sys.argv[1:6]
bad = []


def check(cond, what):
    if not cond:
        bad.append(what)


def utf8(b):
    try:
        b.decode("utf-8")
        return b"\0" not in b
    except UnicodeDecodeError:
        return False


expect = []
for line in open(tsv_path):
    cid, origid, x5u = (bytes.fromhex(x) for x in line.rstrip("\n").split("\t"))
    expect.append((cid[:256], origid, x5u))

db = sqlite3.connect(db_path)
db.text_factory = bytes
rows = {bytes.fromhex(h.decode()): (o, x) for h, o, x in
        db.execute("SELECT hex(call_id), origid, x5u FROM calls")}
check(len(rows) == len(expect), "DB: %d calls, want %d" % (len(rows), len(expect)))
for cid, origid, x5u in expect:
    if cid not in rows:
        check(False, "DB: Call-ID %r not stored exactly" % cid[:60])
        continue
    got_o, got_x = rows[cid]
    if origid and utf8(origid) and utf8(x5u):
        check(got_o == origid, "DB: origid of %r is %r, want %r" % (cid[:40], got_o, origid))
        check(got_x == x5u, "DB: x5u of %r is %r, want %r" % (cid[:40], got_x, x5u))
    elif origid:
        res = db.execute("SELECT p.decode_result FROM passports p JOIN calls c ON c.id = p.call_row_id"
                         " WHERE c.call_id = CAST(? AS TEXT)", (cid,)).fetchall()
        check(res == [(b"bad-format",)], "DB: PASSporT of %r with NUL/non-UTF-8 claims: %r, want bad-format"
              % (cid[:40], res))
tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
for t in (b"calls", b"passports", b"certificates", b"captures", b"stats"):
    check(t in tables, "DB: table %s is gone" % t.decode())
check(db.execute("SELECT COUNT(*) FROM passports").fetchone()[0] == 10, "DB: passports rows changed")
check(db.execute("PRAGMA integrity_check").fetchone()[0] == b"ok", "DB: integrity_check fails")

raw = open(csv_path, "rb").read()
check(b"\0" not in raw, "CSV: holds a NUL byte")
try:
    text = raw.decode("utf-8")
except UnicodeDecodeError as e:
    text = raw.decode("utf-8", "replace")
    check(False, "CSV: not UTF-8: %s" % e)
recs = list(csv.reader(io.StringIO(text, newline="")))
check(len(recs) == len(expect) + 1, "CSV: %d records, want %d" % (len(recs), len(expect) + 1))
numeric = {"src_port", "dst_port", "ip_version", "final_status", "sip_messages", "iat"}
head = recs[0]
for r in recs[1:]:
    check(len(r) == 25, "CSV: a record has %d fields: %r" % (len(r), r[:2]))
    for name, v in zip(head, r):
        if name not in numeric:
            check(not v or v[0] not in "=+-@\t\r", "CSV: %s cell starts with a formula character: %r" % (name, v[:40]))
csv_ids = {r[0] for r in recs[1:]}
for cid, _, _ in expect:
    if utf8(cid):
        s = cid.decode()
        want = "'" + s if s[0] in "=+-@\t\r" else s
        check(want in csv_ids, "CSV: Call-ID %r not found as %r" % (s[:40], want[:40]))

ids = set()
for line in open(json_path, encoding="utf-8"):
    ids.add(json.loads(line)["call_id"])
for cid, _, _ in expect:
    if utf8(cid):
        check(cid.decode() in ids, "NDJSON: Call-ID %r not exact" % cid[:40])
check(len(ids) == len(expect), "NDJSON: %d calls" % len(ids))

tab = open(table_path, "rb").read()
check(not any(c < 0x20 and c not in (0x0a,) or c == 0x7f for c in tab), "table: control bytes in the output")

for b in bad:
    print(b)
sys.exit(1 if bad else 0)
