#!/usr/bin/env bash
# PostgreSQL store tests (issue 9). Starts a throwaway server of its own (initdb + pg_ctl
# in a temp dir, as the postgres user when run as root), listening on a Unix socket in
# that dir only, and stops and deletes it at exit:
#
#  - every golden capture of tests/TESTLIST read into PostgreSQL and into SQLite gives
#    the same `report calls --csv` (one database, one --probe-id per capture, read back
#    with `report --probe`) and the same exit status;
#  - the analytics capture (and the verify capture) with --verify: every report kind,
#    windows (--since/--until), `report html`, `evidence`, and the PostgreSQL views
#    against the SQLite views;
#  - two probes writing one database at once: the report is the union of theirs;
#    `report --probe` is one probe's report, on PostgreSQL and on SQLite;
#  - --retention-days drops the old day partitions;
#  - the server stopped in the middle of a read and started again: every call is stored
#    exactly once; a spool too small for the outage drops calls and says how many;
#  - an unreachable server is a clear error.
#
#   tests/pg.sh          STIRPROBE=build/asan/stirprobe tests/pg.sh
#
# One line per check, then "N passed, N failed". Without PostgreSQL server binaries
# (/usr/lib/postgresql/*/bin; scripts/deps.sh installs them) it prints one SKIP line.
set -u
cd "$(dirname "$0")/.."
export TZ=UTC0 LC_ALL=C

BIN=${STIRPROBE:-build/release/stirprobe}
P=tests/pcaps
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ] || ! command -v psql >/dev/null; then
    echo "SKIP PostgreSQL tests: no server binaries in /usr/lib/postgresql/*/bin (scripts/deps.sh installs postgresql)"
    echo "0 passed, 0 failed"
    exit 0
fi

tmp=$(mktemp -d)
chmod 755 "$tmp"
pgdir=$tmp/pg
mkdir -p "$pgdir"
as_pg=()
if [ "$(id -u)" = 0 ]; then # initdb refuses root: the server runs as postgres, in a dir it owns
    chown postgres "$pgdir"
    as_pg=(runuser -u postgres --)
fi
pg_up() {
    "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w -t 30 \
        -o "-k $pgdir -c listen_addresses='' -c fsync=off -c full_page_writes=off" start >/dev/null
}
pg_down() { "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$pgdir/data" -m fast -w -t 30 stop >/dev/null 2>&1; }
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
    pg_down
    rm -rf "$tmp"
}
trap cleanup EXIT

check() { # DESCRIPTION COMMAND...
    local what=$1; shift
    if "$@" >"$tmp/out" 2>&1; then ok "$what"; else bad "$what"; sed 's/^/    /' "$tmp/out" | head -20; fi
}
psql_() { psql -X -q -h "$pgdir" -U postgres "$@"; }
url() { echo "postgresql:///$1?host=$pgdir&user=postgres"; }
newdb() { psql_ -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"; }

if ! "${as_pg[@]}" "$PGBIN/initdb" -D "$pgdir/data" -E SQL_ASCII --locale=C -A trust -U postgres \
        >"$tmp/initdb.log" 2>&1 || ! pg_up; then
    bad "a throwaway PostgreSQL server starts"; sed 's/^/    /' "$tmp/initdb.log" "$pgdir/log" 2>/dev/null | tail -20
    echo "$pass passed, $fail failed"
    exit 1
fi
ok "a throwaway PostgreSQL server ($("$PGBIN/postgres" --version | awk '{print $NF}')) listens on $pgdir only"

# ---- golden captures: PostgreSQL == SQLite ------------------------------------------------
newdb golden
G=$(url golden)
n=0 same=0 diffs=""
while read -r name pcap want status opts; do
    [[ -z "$name" || "$name" == \#* || "$want" == - ]] && continue
    n=$((n + 1))
    # shellcheck disable=SC2086
    "$BIN" read -q -d "$tmp/g-$name.db" $opts "$pcap" 2>/dev/null; rs=$?
    # shellcheck disable=SC2086
    "$BIN" read -q -d "$G" --probe-id "$name" $opts "$pcap" 2>"$tmp/g.err"; rp=$?
    if [ $rs = $rp ] && cmp -s <("$BIN" report calls --csv -d "$tmp/g-$name.db") \
            <("$BIN" report calls --csv -d "$G" --probe "$name"); then
        same=$((same + 1))
    else
        diffs="$diffs $name(exit $rs/$rp)"
    fi
done <tests/TESTLIST
check "every golden capture ($same of $n): report calls --csv over PostgreSQL (--probe NAME) = over SQLite, same exit status" \
    test -z "$diffs" -a "$n" -gt 20
[ -z "$diffs" ] || echo "    differ:$diffs"
sq_all=$(for f in "$tmp"/g-*.db; do "$BIN" report calls --csv -d "$f" | tail -n +2; done | wc -l)
pg_all=$("$BIN" report calls --csv -d "$G" | tail -n +2 | wc -l)
check "report calls over the whole database: every capture's calls ($pg_all rows, SQLite files: $sq_all)" \
    test "$pg_all" = "$sq_all"
check "the database holds one captures row per read, with its probe id" \
    test "$(psql_ -At -d golden -c "SELECT COUNT(DISTINCT probe_id) FROM captures")" = "$n"
check "calls are in day partitions (calls_p20250301, passports_p20250301)" \
    test "$(psql_ -At -d golden -c "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relname LIKE '%_p20250301'")" = "calls_p20250301,passports_p20250301"
"$BIN" read -q -d "$G" --probe-id demo-eth $P/demo.pcap
check "re-reading a capture does not duplicate its calls (upsert per probe)" \
    test "$("$BIN" report calls --csv -d "$G" --probe demo-eth | wc -l)" = "$(wc -l <$P/demo.csv)"

# ---- analytics and verify captures: every report, views, html, evidence --------------------
V="--verify --trust tests/pki/root.pem --cert-map tests/pki/certmap.tsv --threads 1"
newdb an
A=$(url an)
# One file a read: verification is asynchronous, so with two files in one read a call
# of the first may be stored (and counted) under the capture record of the second.
for f in analytics verify; do
    # shellcheck disable=SC2086
    "$BIN" read -q -d "$tmp/an.db" $V $P/$f.pcap
    # shellcheck disable=SC2086
    "$BIN" read -q -d "$A" $V $P/$f.pcap
done
kinds_ok=0 kinds_bad=""
while read -r label args; do
    # shellcheck disable=SC2086
    if cmp -s <("$BIN" report $args --csv -d "$tmp/an.db" 2>&1) <("$BIN" report $args --csv -d "$A" 2>&1); then
        kinds_ok=$((kinds_ok + 1))
    else
        kinds_bad="$kinds_bad $label"
    fi
done <<'EOF'
calls calls
stats stats
attest attest
attest-peer attest --by peer
attest-hour attest --by hour
failures failures
origid origid --campaign-tns 3
chains chains
chains-origid chains --origid c0ffee00-dead-4bad-8bad-000000000bad
verstat verstat
verstat-verify verstat --by verify
signers signers
certs certs --warn-days 100
anomalies anomalies
anomalies-window anomalies --window 60 --max-iat-age 30
flags flags
feedback feedback
w-calls calls --since 2025-03-01T12:00:30Z --until 2025-03-01T13:00:00Z
w-chains chains --since 2025-03-01T12:00:10.050Z --until 2025-03-01T13:00:00Z
w-anomalies anomalies --since 2025-03-01T12:00:30.020Z --until 2025-03-01T14:00:00Z
w-flags flags --since 2025-03-01T13:10:00Z
w-verstat verstat --by verify --since 2025-03-01T12:00:30.010Z
w-stats stats --since 2025-03-01T13:00:00Z
w-certs certs --until 2025-03-01T13:00:00Z
EOF
check "analytics + verify captures: 24 reports (every kind, --by, windows) byte-identical over PostgreSQL ($kinds_ok)" \
    test -z "$kinds_bad"
[ -z "$kinds_bad" ] || echo "    differ:$kinds_bad"
check "report --json is identical too" \
    cmp <("$BIN" report chains --json -d "$tmp/an.db") <("$BIN" report chains --json -d "$A")
html() { SOURCE_DATE_EPOCH=1700000000 "$BIN" report html -d "$1" -o - | grep -v 'id="db"'; }
check "report html: the same page (but for the database name)" cmp <(html "$tmp/an.db") <(html "$A")
check "report html names a PostgreSQL database without its password" \
    bash -c "'$BIN' report html -d 'postgresql://postgres:s3cret@/an?host=$pgdir&password=s3cret' -o - | grep 'id=\"db\"' | grep -v s3cret | grep -q 'postgres@/an'"
ev() { # DB DIR (a directory each: the two process substitutions below run at once)
    rm -rf "$2"
    "$BIN" evidence an-resign-leg2@sbc.example.net -d "$1" -o "$2" 2>/dev/null &&
        grep -v -e "^  database" -e "^  written" "$2/summary.txt" && cat "$2"/passport-*.json
}
check "evidence pack of a re-signed leg: the same summary and PASSporTs" \
    cmp <(ev "$tmp/an.db" "$tmp/ev-sqlite") <(ev "$A" "$tmp/ev-pg")

# The views: same rows (floats and booleans normalised, rows sorted, row ids left out).
norm() { sed -E 's/\b([0-9]+)\.([0-9]*[1-9])0+\b/\1.\2/g; s/\b([0-9]+)\.0+\b/\1/g' | sort; }
views_bad=""
while IFS='|' read -r view cols; do
    a=$(sqlite3 -separator '|' "$tmp/an.db" "SELECT $cols FROM $view" | norm)
    b=$(psql_ -At -d an -c "SELECT $cols FROM $view" | norm)
    [ "$a" = "$b" ] && [ -n "$a" ] || views_bad="$views_bad $view"
done <<'EOF'
attestation_report|*
origid_report|origid, calls, orig_tns, dest_tns, first_seen, last_seen, failed_pct
traceback_chains|*
verification_failures|*
anomalies|anomaly, chain_id, call_id, first_seen, first_seen_ns, src_ip, dst_ip, orig_tn, dest_tn, detail
call_flags|call_id, first_seen, first_seen_ns, flag, detail, src_ip, orig_tn, attest, origid, verify_result
signer_report|*
certificate_report|*
stir_feedback|call_id, first_seen, first_seen_ns, src_ip, dst_ip, stir_error, stir_error_via, stir_error_in, stir_error_text, verify_result, our_code, agreement
EOF
check "the 9 views of db/schema_pg.sql return the rows of db/schema.sql's" test -z "$views_bad"
[ -z "$views_bad" ] || echo "    differ:$views_bad"

# ---- two probes, one database ---------------------------------------------------------------
newdb two
T=$(url two)
"$BIN" read -q -d "$tmp/a.db" $P/analytics.pcap
"$BIN" read -q -d "$tmp/b.db" $P/tcp.pcap $P/demo.pcap
# Both at once on an empty database: the schema and the partitions are created concurrently.
"$BIN" read -q -d "$T" --probe-id probe-a $P/analytics.pcap 2>"$tmp/a.err" & pa=$!
"$BIN" read -q -d "$T" --probe-id probe-b $P/tcp.pcap $P/demo.pcap 2>"$tmp/b.err" & pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
check "two probes write one empty database at the same time (exit $ra, $rb)" test $ra = 0 -a $rb = 0
union() { { head -1 "$1"; tail -q -n +2 "$@" | sort; }; }
"$BIN" report calls --csv -d "$tmp/a.db" >"$tmp/a.csv"
"$BIN" report calls --csv -d "$tmp/b.db" >"$tmp/b.csv"
"$BIN" report calls --csv -d "$T" >"$tmp/t.csv"
check "report calls over the central database = the union of the two probes' SQLite reports" \
    cmp <(union "$tmp/a.csv" "$tmp/b.csv") <(union "$tmp/t.csv")
attest_sum() { cat "$@" | awk -F, 'NR > 1 && $1 != "attest" { c[$1] += $2; p[$1] += $3; f[$1] += $4 } END { for (k in c) print k, c[k], p[k], f[k] }' | sort; }
"$BIN" report attest --csv -d "$tmp/a.db" >"$tmp/aa.csv"
"$BIN" report attest --csv -d "$tmp/b.db" >"$tmp/ab.csv"
check "report attest over the central database = the sums of the two probes' reports" \
    cmp <(attest_sum "$tmp/aa.csv" "$tmp/ab.csv") <("$BIN" report attest --csv -d "$T" | attest_sum)
check "report --probe probe-a over PostgreSQL = probe a's SQLite report (calls, chains, anomalies)" \
    bash -c "for k in calls chains anomalies; do cmp <('$BIN' report \$k --csv -d '$tmp/a.db') <('$BIN' report \$k --csv -d '$T' --probe probe-a) || exit 1; done"
check "report --probe probe-a,probe-b = the whole database" \
    cmp "$tmp/t.csv" <("$BIN" report calls --csv -d "$T" --probe probe-a,probe-b)
check "report --probe of an unknown probe: no rows" \
    test "$("$BIN" report calls --csv -d "$T" --probe nobody | wc -l)" = 1
# SQLite: --probe filters by the probe id recorded with each capture.
"$BIN" read -q -d "$tmp/ab.db" --probe-id probe-a $P/analytics.pcap
"$BIN" read -q -d "$tmp/ab.db" --probe-id probe-b $P/tcp.pcap $P/demo.pcap
check "SQLite: report --probe probe-b = probe b's own database (calls, stats)" \
    bash -c "for k in calls stats; do cmp <('$BIN' report \$k --csv -d '$tmp/b.db') <('$BIN' report \$k --csv -d '$tmp/ab.db' --probe probe-b) || exit 1; done"
check "SQLite: report html --probe probe-a = probe a's own page (but for the database name)" \
    cmp <(html "$tmp/a.db") <(SOURCE_DATE_EPOCH=1700000000 "$BIN" report html -d "$tmp/ab.db" --probe probe-a -o - | grep -v 'id="db"')
check "the default probe id is the host name" \
    bash -c "'$BIN' read -q -d '$tmp/h.db' $P/demo.pcap && test \"\$(sqlite3 '$tmp/h.db' 'SELECT probe_id FROM captures')\" = \"\$(hostname)\""

# ---- retention ----------------------------------------------------------------------------
# demo.pcap moved to today (1 h after midnight UTC): its partition is recent, the original's is old.
python3 - "$P/demo.pcap" "$tmp/today.pcap" <<'EOF'
import struct, sys, time
d = bytearray(open(sys.argv[1], 'rb').read())
first = struct.unpack_from('<I', d, 24)[0]
delta = (int(time.time()) // 86400) * 86400 + 3600 - first
off = 24
while off + 16 <= len(d):
    ts, us, incl, orig = struct.unpack_from('<IIII', d, off)
    struct.pack_into('<I', d, off, ts + delta)
    off += 16 + incl
open(sys.argv[2], 'wb').write(d)
EOF
newdb ret
R=$(url ret)
"$BIN" read -q -d "$R" $P/demo.pcap
today=$(date -u +%Y%m%d)
"$BIN" read -q -d "$R" --retention-days 30 "$tmp/today.pcap"
check "--retention-days 30 dropped the partitions of 2025-03-01 and kept today's" \
    test "$(psql_ -At -d ret -c "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relname ~ '^(calls|passports)_p[0-9]{8}$'")" = "calls_p$today,passports_p$today"
check "... and the report has today's 12 calls only" \
    test "$("$BIN" report calls --csv -d "$R" | tail -n +2 | grep -c "^.*,$(date -u +%Y-%m-%d)T")" = 12 -a \
    "$("$BIN" report calls --csv -d "$R" | wc -l)" = 13

# ---- the server restarts in the middle of a read --------------------------------------------
# A capture of 10000 calls over ~66 s of packet time, so calls finish (and batches go)
# all along the read; it is fed through a pipe in pieces over 6 s, and the server is
# stopped after 2 s and started again 2 s later.
GEN=${BENCH_GEN:-build/release/bench_gen}
pace() { # FILE SECONDS: the file to stdout in 40 pieces over SECONDS
    python3 -c 'import sys, time
d = open(sys.argv[1], "rb").read(); n = 40; k = (len(d) + n - 1) // n
for i in range(n):
    sys.stdout.buffer.write(d[i * k:(i + 1) * k]); sys.stdout.buffer.flush(); time.sleep(float(sys.argv[2]) / n)' "$@"
}
if [ ! -x "$GEN" ]; then
    bad "restart tests need $GEN (make V=release build/release/bench_gen)"
else
    "$GEN" pki "$tmp/bpki" --signers 2 >/dev/null 2>&1
    "$GEN" pcap --pki "$tmp/bpki" --calls 10000 --rate 150 "$tmp/big.pcap" >/dev/null 2>&1
    "$BIN" read -q -d "$tmp/big.db" "$tmp/big.pcap"
    newdb rs
    S=$(url rs)
    (pace "$tmp/big.pcap" 6 | "$BIN" read -q -d "$S" --probe-id big - 2>"$tmp/rs.err"; echo $? >"$tmp/rs.rc") &
    pids+=($!)
    sleep 2; pg_down; sleep 2; pg_up
    wait "${pids[-1]}"
    check "server stopped and restarted mid-read: the read exits 0 ($(cat "$tmp/rs.rc"); $(head -c 300 "$tmp/rs.err"))" \
        test "$(cat "$tmp/rs.rc")" = 0
    check "... every call stored exactly once: the calls CSV equals the SQLite read of the same file" \
        cmp <("$BIN" report calls --csv -d "$tmp/big.db") <("$BIN" report calls --csv -d "$S")
    check "... PASSporTs too (one per call, no duplicates)" \
        test "$(psql_ -At -d rs -c "SELECT COUNT(*), COUNT(DISTINCT (call_id, first_seen_ns, position)) FROM passports")" = "10000|10000"
    check "... and db_reconnects counted it" \
        test "$(psql_ -At -d rs -c "SELECT COALESCE(SUM(value), 0) FROM stats WHERE name = 'db_reconnects'")" -ge 1

    # The same outage with a 1 MiB spool: what does not fit is dropped, counted and named.
    newdb sp
    S=$(url sp)
    (pace "$tmp/big.pcap" 6 | "$BIN" read -q -d "$S" --spool-mb 1 --probe-id big - 2>"$tmp/sp.err"; echo $? >"$tmp/sp.rc") &
    pids+=($!)
    sleep 1; pg_down; sleep 4; pg_up
    wait "${pids[-1]}"
    dropped=$(sed -n 's/.* \([0-9][0-9]*\) calls not stored (\([0-9]*\) dropped.*/\2/p' "$tmp/sp.err")
    stored=$(psql_ -At -d sp -c "SELECT COUNT(*) FROM calls")
    check "spool full: exit 1 naming the calls not stored ($(head -c 200 "$tmp/sp.err"))" \
        test "$(cat "$tmp/sp.rc")" = 1 -a -n "$dropped"
    check "... stored + dropped = every call (${stored:-?} + ${dropped:-?} = 10000)" \
        test "$((${stored:-0} + ${dropped:-0}))" = 10000 -a "${dropped:-0}" -gt 0
    check "... db_spool_dropped in the counters says the same" \
        test "$(psql_ -At -d sp -c "SELECT value FROM stats WHERE name = 'db_spool_dropped'")" = "${dropped:-x}"
fi

# ---- errors ---------------------------------------------------------------------------------
"$BIN" read -q -d "postgresql:///nosuchdb?host=$pgdir&user=postgres" $P/demo.pcap 2>"$tmp/e.err"; rc=$?
check "a database that does not exist: exit 1 with the server's message" \
    bash -c "test $rc = 1 && grep -q 'nosuchdb' '$tmp/e.err'"
pg_down
start=$(date +%s)
"$BIN" read -q -d "$G" $P/demo.pcap 2>"$tmp/e.err"; rc=$?
check "a server that is down at start: exit 1 at once, saying it cannot connect" \
    bash -c "test $rc = 1 && grep -q 'cannot connect' '$tmp/e.err' && test $(($(date +%s) - start)) -lt 10"
"$BIN" report calls -d "$G" 2>"$tmp/e.err"; rc=$?
check "report on a server that is down: exit 1, saying it cannot connect" \
    bash -c "test $rc = 1 && grep -q 'cannot connect' '$tmp/e.err'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
