#!/usr/bin/env bash
# Analytics reports (issue 6): reads tests/pcaps/analytics.pcap with --verify (test
# PKI, cert map) and checks
#   - the per-call CSV against analytics.csv (the generator's truth),
#   - every fact the scenario states in analytics.expect.tsv (attestation mix and per
#     hour, signers, origid campaign, chains and paths, anomalies, flags, STIR error
#     feedback, verstat against our verdict, certificate expiry) — tests/tools/check-expect.py,
#   - that the SQL views give what the reports give at the default thresholds,
#   - --json (NDJSON), --since/--until, bad options, every kind on an empty database,
#   - the upgrade of a schema-1 database (rows kept, new columns and views added).
# One line per check, then "N passed, N failed"; exit 0 only when nothing failed.
set -eu
cd "$(dirname "$0")/.."
export TZ=UTC0 LC_ALL=C

BIN=${STIRPROBE:-build/release/stirprobe}
PCAP=tests/pcaps/analytics.pcap
KINDS="calls stats attest failures origid chains verstat signers certs anomalies flags feedback"

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() {
    local what=$1
    shift
    if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/an.db
q() { sqlite3 "$db" "$1"; }
rows() { "$BIN" report "$@" -d "$db" --csv | tail -n +2 | wc -l; }

"$BIN" read -q -d "$db" --verify --trust tests/pki/root.pem --cert-map tests/pki/certmap.tsv "$PCAP"
check "read --verify of $PCAP" test -s "$db"
"$BIN" report calls --csv -d "$db" >"$tmp/calls.csv"
if cmp -s "$tmp/calls.csv" tests/pcaps/analytics.csv; then ok "calls CSV equals the generator's truth"; else
    bad "calls CSV differs from tests/pcaps/analytics.csv"; diff tests/pcaps/analytics.csv "$tmp/calls.csv" | head; fi

# ---- the scenario's stated facts ----------------------------------------------------------
if tests/tools/check-expect.py "$BIN" "$db" tests/pcaps/analytics.expect.tsv >"$tmp/facts" 2>&1; then
    ok "$(tail -n 1 "$tmp/facts")"
else
    bad "facts of analytics.expect.tsv"; grep -v '^ok' "$tmp/facts" | head -20
fi

# ---- views == reports at the defaults -----------------------------------------------------
check "view anomalies has the report's rows" test "$(q 'SELECT COUNT(*) FROM anomalies')" = "$(rows anomalies)"
check "view call_flags has the report's rows" test "$(q 'SELECT COUNT(*) FROM call_flags')" = "$(rows flags)"
check "view stir_feedback has the report's rows" test "$(q 'SELECT COUNT(*) FROM stir_feedback')" = "$(rows feedback)"
check "view signer_report has the report's rows" test "$(q 'SELECT COUNT(*) FROM signer_report')" = "$(rows signers)"
check "view certificate_report has the report's rows" \
    test "$(q 'SELECT COUNT(*) FROM certificate_report')" = "$(rows certs)"
check "view anomalies: same rows as the report" test \
    "$(q "SELECT anomaly || ',' || call_id FROM anomalies ORDER BY first_seen_ns, anomaly, call_id")" = \
    "$("$BIN" report anomalies -d "$db" --csv | tail -n +2 | cut -d, -f1,3)"
check "view call_flags: same flags as the report" test \
    "$(q "SELECT call_id || ',' || flag FROM call_flags ORDER BY first_seen_ns, call_id, flag")" = \
    "$("$BIN" report flags -d "$db" --csv | tail -n +2 | cut -d, -f1,3)"
check "origid_report view: campaign origid on 12 orig TNs" \
    test "$(q "SELECT orig_tns FROM origid_report WHERE origid LIKE 'c0ffee00%'")" = 12
check "traceback_chains view: the 3-hop path" \
    test "$(q "SELECT path FROM traceback_chains WHERE legs = 3 AND origid LIKE '%0001'")" = \
    "203.0.113.5>198.51.100.7>192.0.2.10>192.0.2.20"
check "report_settings: a changed threshold changes the view" \
    test "$(cp "$db" "$tmp/s.db" && sqlite3 "$tmp/s.db" "UPDATE report_settings SET value = 13 WHERE name = 'campaign_min_tns'; SELECT COUNT(*) FROM call_flags")" = 7

# ---- options ------------------------------------------------------------------------------
check "chains --origid lists every leg of the origid in time order" test \
    "$("$BIN" report chains --origid a0a0a0a0-0000-4000-8000-000000000005 -d "$db" --csv | tail -n +2 | cut -d, -f1 | tr '\n' ' ')" = \
    "an-replay-orig@orig.example.net an-replay-1@evil.example.net an-replay-2@evil.example.net "
check "attest --since/--until: 13 calls in the second hour" test \
    "$("$BIN" report attest -d "$db" --csv --since 2025-03-01T13:00:00Z --until 2025-03-01T14:00:00Z | tail -n +2 | cut -d, -f2 | paste -sd+ | bc)" = 13
check "attest --by peer: 203.0.113.66 sent 14 calls" test \
    "$("$BIN" report attest --by peer -d "$db" --csv | awk -F, '$1 == "203.0.113.66" {n += $3} END {print n}')" = 14
check "anomalies --window 0: re-signing and stripping need a window" test "$(rows anomalies --window 0)" = 2
check "anomalies --max-iat-age 400: the late replay is within the window" test "$(rows anomalies --max-iat-age 400)" = 3
check "failures: sip_code of bad-signature is 438" \
    test "$("$BIN" report failures -d "$db" --csv | tr -d '\r' | awk -F, '$1 == "bad-signature" {print $NF}')" = 438
check "--by on a kind without it is refused" sh -c "! '$BIN' report origid --by peer -d '$db'"
check "unknown --by is refused" sh -c "! '$BIN' report attest --by week -d '$db'"
check "bad --campaign-tns is refused" sh -c "! '$BIN' report origid --campaign-tns x -d '$db'"

for k in $KINDS; do
    "$BIN" report "$k" -d "$db" --json >"$tmp/$k.json" 2>"$tmp/err" || true
    n=$("$BIN" report "$k" -d "$db" --csv | tail -n +2 | wc -l)
    check "report $k --json: one valid JSON object per row ($n)" python3 -c '
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert len(lines) == int(sys.argv[2]), (len(lines), sys.argv[2])
for l in lines:
    assert isinstance(json.loads(l), dict)' "$tmp/$k.json" "$n"
    check "report $k (table) on the analytics database" "$BIN" report "$k" -d "$db"
done

# An empty database (a capture with no SIP): every report runs and prints its header.
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00' >"$tmp/empty.pcap"
"$BIN" read -q -d "$tmp/empty.db" "$tmp/empty.pcap"
for k in $KINDS; do
    check "report $k --csv on an empty database prints a header" sh -c \
        "'$BIN' report $k -d '$tmp/empty.db' --csv | head -1 | grep -q ."
done
check "attest on an empty database still lists A, B, C, none" test \
    "$("$BIN" report attest -d "$tmp/empty.db" --csv | cut -d, -f1 | tr '\n' ' ')" = "attest A B C none "

# ---- the HTML page's findings section (the rest of the page: tests/html.sh) ----------------
"$BIN" report html -d "$db" -o "$tmp/an.html"
check "report html: the findings section lists the 4 anomalous legs" test \
    "$(grep -oE '<tr><td>(replay|stripping|re-signing)</td><td>an-' "$tmp/an.html" | wc -l)" = 4
check "report html: 12 origid-many-tns flags counted" \
    grep -q '<tr><td>flag</td><td>origid-many-tns</td><td class="n">12</td></tr>' "$tmp/an.html"

# ---- evidence pack ---------------------------------------------------------------------------
ev=$tmp/ev
"$BIN" evidence an-replay-1@evil.example.net -d "$db" -o "$ev" --trust tests/pki/root.pem 2>/dev/null
check "evidence: exit 0 and summary.txt written" test -s "$ev/summary.txt"
check "evidence: the chain's three legs are in the summary" grep -q '^  legs         3 Call-ID' "$ev/summary.txt"
check "evidence: both replay anomalies are in the summary" test "$(grep -c '^  anomaly          replay' "$ev/summary.txt")" = 2
check "evidence: one PASSporT, decoded (attest A, orig 12025550141)" python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
assert p["header"]["alg"] == "ES256" and p["payload"]["attest"] == "A"
assert p["payload"]["orig"]["tn"] == "12025550141"' "$ev/passport-1.json"
check "evidence: no second PASSporT" test ! -e "$ev/passport-2.json"
check "evidence: the certificate is the stored one" cmp -s "$ev/cert-1.pem" tests/pki/sp-a.chain.pem
check "evidence: the verification re-run passes on the first leg" grep -q '^result        pass' "$ev/verification.txt"
"$BIN" read -q -d "$tmp/ev.db" "$ev/sip.pcapng"
check "evidence: sip.pcapng holds exactly the three legs' dialogs" test \
    "$("$BIN" report calls -d "$tmp/ev.db" --csv | tail -n +2 | cut -d, -f1 | sort | tr '\n' ' ')" = \
    "an-replay-1@evil.example.net an-replay-2@evil.example.net an-replay-orig@orig.example.net "
check "evidence: the legs' messages, each once (sip_messages as in the full read)" test \
    "$("$BIN" report calls -d "$tmp/ev.db" --csv | tail -n +2 | cut -d, -f14 | paste -sd+ | bc)" = \
    "$(q "SELECT SUM(sip_messages) FROM calls WHERE call_id LIKE 'an-replay-%'")"
"$BIN" evidence an-pbx-onering@pbx.example.net -d "$db" -o "$tmp/ev2" --pcap "$PCAP" 2>/dev/null
check "evidence of an unsigned call: flag in the summary, no PASSporT" sh -c \
    "grep -q 'high-risk-orig' '$tmp/ev2/summary.txt' && ! ls '$tmp/ev2'/passport-* 2>/dev/null"
check "evidence without --trust says the verification was not re-run" grep -q '^Not re-run' "$tmp/ev2/verification.txt"
check "evidence --pcap: sip.pcapng written" test -s "$tmp/ev2/sip.pcapng"
check "evidence of an unknown Call-ID: exit 1" sh -c "! '$BIN' evidence no-such-call -d '$db' -o '$tmp/ev3' 2>/dev/null"
check "evidence without -o: exit 1" sh -c "! '$BIN' evidence an-replay-1@evil.example.net -d '$db' 2>/dev/null"

# ---- upgrade of a schema-1 database ---------------------------------------------------------
old=$tmp/v1.db
cp tests/data/schema-v1.sql "$tmp/v1.sql"
if [ -s "$tmp/v1.sql" ]; then
    sqlite3 "$old" <"$tmp/v1.sql"
    sqlite3 "$old" "INSERT INTO schema_version VALUES (1, '2025-01-01T00:00:00Z'); PRAGMA user_version = 1;
        INSERT INTO calls (call_id, first_seen, first_seen_ns, last_seen, last_seen_ns, src_ip, src_port, dst_ip,
        dst_port, transport, ip_version, sip_messages) VALUES ('old-call', '2024-01-01T00:00:00.000000Z', 1704067200000000000,
        '2024-01-01T00:00:01.000000Z', 1704067201000000000, '192.0.2.1', 5060, '192.0.2.2', 5060, 'udp', 4, 3);"
    "$BIN" read -q -d "$old" --verify --trust tests/pki/root.pem --cert-map tests/pki/certmap.tsv "$PCAP"
    check "schema 1 database upgraded to 3" test "$(sqlite3 "$old" 'PRAGMA user_version')" = 3
    check "upgrade keeps the rows stored before" test "$(sqlite3 "$old" "SELECT COUNT(*) FROM calls WHERE call_id = 'old-call'")" = 1
    check "upgraded database has the new calls" test "$(sqlite3 "$old" 'SELECT COUNT(*) FROM calls')" = 39
    check "upgraded database gives the same anomalies" test "$("$BIN" report anomalies -d "$old" --csv | md5sum)" = \
        "$("$BIN" report anomalies -d "$db" --csv | md5sum)"
else
    bad "no schema-1 script to test the upgrade with"
fi

# ---- upgrade of a schema-2 database (db/schema.sql without captures.probe_id) --------------
v2=$tmp/v2.db
sed -e '/^    probe_id     TEXT/d' -e 's/^\(    message      TEXT\),/\1 /' db/schema.sql | sqlite3 "$v2"
sqlite3 "$v2" "INSERT INTO schema_version VALUES (2, '2025-06-01T00:00:00Z'); PRAGMA user_version = 2;
    INSERT INTO captures (source, kind, started_at, status) VALUES ('old.pcap', 'file', '2025-06-01T00:00:00Z', 'complete')"
check "the schema-2 fixture has no probe_id column" \
    test "$(sqlite3 "$v2" "SELECT COUNT(*) FROM pragma_table_info('captures') WHERE name = 'probe_id'")" = 0
"$BIN" read -q -d "$v2" --probe-id p2 "$PCAP"
check "schema 2 database upgraded to 3" test "$(sqlite3 "$v2" 'PRAGMA user_version')" = 3
check "upgrade to 3 adds captures.probe_id: NULL on old rows, the --probe-id on new ones" \
    test "$(sqlite3 "$v2" "SELECT COALESCE(probe_id, '-') FROM captures ORDER BY id" | tr '\n' ' ')" = "- p2 "
check "report --probe on the upgraded database" \
    test "$("$BIN" report calls --csv -d "$v2" --probe p2 | wc -l)" = 39

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
