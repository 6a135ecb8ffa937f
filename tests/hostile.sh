#!/usr/bin/env bash
# Hostile input and faults (issue 8), for one stirprobe binary:
#   - damaged captures: pcap and pcapng corrupted in the middle (not only cut short),
#     unknown link types (a whole file, one pcapng interface among others);
#   - injection: Call-IDs, display names, URIs, verstat and PASSporT claims with quotes,
#     SQL, formula prefixes, NUL, non-UTF-8 bytes, terminal escapes, 60 kB header lines
#     (tests/tools/sipcap.py inject, checked by tests/tools/check-inject.py);
#   - x5u URLs an attacker chose: redirects to loopback/localhost/file://, a
#     100-certificate and a 9-certificate chain, names and IPv6 forms of loopback,
#     file:// — each cert-fetch-failed, each URL fetched at most once (negative cache);
#   - storage: kill -9 in the middle of a read (integrity, committed calls kept, re-run
#     completes without duplicates), disk full (a 256 kB tmpfs in a user+mount
#     namespace), read-only database, a database locked by another writer for 3 s.
#
#   tests/hostile.sh            STIRPROBE=build/asan/stirprobe tests/hostile.sh
#
# One line per check ("ok ..." / "FAIL ..." / "SKIP ..."), then "N passed, N failed".
# Needs python3, sqlite3, openssl; the namespace checks need `unshare -rm` (user
# namespaces) and are skipped with a SKIP line where the kernel refuses them.
set -u
cd "$(dirname "$0")/.."
export TZ=UTC0 LC_ALL=C

BIN=${STIRPROBE:-build/release/stirprobe}
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { # check DESCRIPTION COMMAND...
    local what=$1; shift
    if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi
}
tmp=$(mktemp -d)
srv=$tmp/servers
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
    tests/tools/x5u-servers.sh stop "$srv" >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
q() { sqlite3 "$1" "$2" 2>&1; }

if [ ! -x "$BIN" ]; then
    bad "no stirprobe binary at $BIN"; echo "$pass passed, $fail failed"; exit 1
fi

# ---- damaged captures ----------------------------------------------------------------
# Made at test time from committed captures: record 41 of demo.pcap gets an impossible
# captured length, or 16 bytes of 0xff over its header; block 31 of pcapng-multi gets a
# bad and then a huge block length; a link type no decoder knows (147, USER0) for a
# whole pcap and for one of the three pcapng interfaces.
python3 - "$tmp" <<'EOF'
import struct, sys
out = sys.argv[1] + "/"
d = open("tests/pcaps/demo.pcap", "rb").read()
offs, off = [], 24
while off + 16 <= len(d):
    offs.append(off)
    off += 16 + struct.unpack("<I", d[off + 8:off + 12])[0]
o = offs[40]
open(out + "first40.pcap", "wb").write(d[:o])
b = bytearray(d); b[o + 8:o + 12] = struct.pack("<I", 0x7ffffff0); open(out + "mid-caplen.pcap", "wb").write(b)
b = bytearray(d); b[o:o + 16] = b"\xff" * 16; open(out + "mid-garbage.pcap", "wb").write(b)
b = bytearray(d); b[20:24] = struct.pack("<I", 147); open(out + "user0.pcap", "wb").write(b)
g = open("tests/pcaps/pcapng-multi.pcapng", "rb").read()
blocks, off = [], 0
while off + 12 <= len(g):
    bt, bl = struct.unpack("<II", g[off:off + 8]); blocks.append((off, bt)); off += bl
o = blocks[30][0]
b = bytearray(g); b[o + 4:o + 8] = struct.pack("<I", 13); open(out + "ng-mid-len.pcapng", "wb").write(b)
b = bytearray(g); b[o + 4:o + 8] = struct.pack("<I", 1 << 20); open(out + "ng-mid-huge.pcapng", "wb").write(b)
idb = [x[0] for x in blocks if x[1] == 1][1]
b = bytearray(g); b[idb + 8:idb + 10] = struct.pack("<H", 147); open(out + "ng-user0-if.pcapng", "wb").write(b)
EOF
damaged() { # FILE WANT-RC MESSAGE-PATTERN
    local f=$tmp/$1 db=$tmp/$1.db rc
    "$BIN" read -q -d "$db" "$f" 2>"$tmp/err"; rc=$?
    check "damaged $1: exit $2 (got $rc)" test $rc = "$2"
    check "damaged $1: message names the file and where it stopped" grep -q "$f: damaged capture, $3" "$tmp/err"
    check "damaged $1: capture recorded as truncated" test "$(q "$db" "SELECT status FROM captures")" = truncated
}
"$BIN" read -q -d "$tmp/first40.db" "$tmp/first40.pcap"
"$BIN" report calls --csv -d "$tmp/first40.db" >"$tmp/first40.csv"
damaged mid-caplen.pcap 2 "stopped after packet 40: invalid packet capture length"
check "damaged mid-caplen.pcap: the 40 packets before it are all stored (same calls as a clean 40-packet cut)" \
    cmp -s <("$BIN" report calls --csv -d "$tmp/mid-caplen.pcap.db") "$tmp/first40.csv"
damaged mid-garbage.pcap 2 "stopped after packet 40"
check "damaged mid-garbage.pcap: the 40 packets before it are all stored" \
    cmp -s <("$BIN" report calls --csv -d "$tmp/mid-garbage.pcap.db") "$tmp/first40.csv"
damaged ng-mid-len.pcapng 2 "stopped after packet 25: block at offset [0-9]*: bad block length 13"
damaged ng-mid-huge.pcapng 2 "stopped after packet 25: .*block at offset [0-9]*"
check "damaged ng-mid-len.pcapng: the calls of the first 25 packets are stored" \
    test "$(q "$tmp/ng-mid-len.pcapng.db" "SELECT COUNT(*) FROM calls")" -gt 0
"$BIN" read -q -d "$tmp/u.db" "$tmp/user0.pcap" 2>"$tmp/err"; rc=$?
check "unknown link type (pcap): exit 0, nothing decoded (got $rc)" test $rc = 0
check "unknown link type (pcap): every packet counted in drop_link_unsupported" \
    test "$(q "$tmp/u.db" "SELECT value FROM stats WHERE name = 'drop_link_unsupported'")" = 105
"$BIN" read -q -d "$tmp/u2.db" "$tmp/ng-user0-if.pcapng" 2>"$tmp/err"; rc=$?
check "unknown link type on one pcapng interface: exit 0 (got $rc)" test $rc = 0
check "unknown link type on one pcapng interface: its 35 packets counted, skipped" \
    test "$(q "$tmp/u2.db" "SELECT value FROM stats WHERE name = 'drop_link_unsupported'")" = 35
check "unknown link type on one pcapng interface: the other interfaces' calls stored" \
    test "$(q "$tmp/u2.db" "SELECT COUNT(*) FROM calls")" -gt 0
check "unknown link type on one pcapng interface: named in captures.link_type" \
    test "$(q "$tmp/u2.db" "SELECT link_type FROM captures")" = "EN10MB+LINKTYPE_147+RAW"

# ---- injection ---------------------------------------------------------------------
python3 tests/tools/sipcap.py inject "$tmp/inj.pcap" "$tmp/inj.tsv"
db=$tmp/inj.db
"$BIN" read -q -d "$db" "$tmp/inj.pcap" 2>"$tmp/err"; rc=$?
check "injection: read exits 0 (got $rc)" test $rc = 0
"$BIN" report calls --csv -d "$db" >"$tmp/inj.csv"
"$BIN" report calls --json -d "$db" >"$tmp/inj.ndjson"
"$BIN" report calls -d "$db" >"$tmp/inj.txt"
if python3 tests/tools/check-inject.py "$db" "$tmp/inj.csv" "$tmp/inj.ndjson" "$tmp/inj.txt" "$tmp/inj.tsv" >"$tmp/ci.out" 2>&1; then
    ok "injection: stored exactly (hex), PASSporTs with NUL/non-UTF-8 flagged bad-format, tables intact, CSV UTF-8 + RFC 4180 + formula-safe, NDJSON exact, table output without control bytes"
else
    bad "injection:"; sed 's/^/    /' "$tmp/ci.out" | head -12
fi
check "injection: sqlite3 sees every Call-ID (one row each, none executed)" \
    test "$(q "$db" "SELECT COUNT(DISTINCT call_id) FROM calls")" = "$(wc -l <"$tmp/inj.tsv")"
check "injection: the 60 kB Call-ID is kept to its first 256 bytes" \
    test "$(q "$db" "SELECT length(call_id) FROM calls WHERE call_id LIKE 'LLLL%'")" = 256
check "injection: the cut Call-ID is counted (sip_call_ids_cut = 1)" \
    test "$(q "$db" "SELECT SUM(value) FROM stats WHERE name = 'sip_call_ids_cut'")" = 1
check "injection: the verstat holding a NUL is counted as cut (sip_verstat_cut = 1)" \
    test "$(q "$db" "SELECT SUM(value) FROM stats WHERE name = 'sip_verstat_cut'")" = 1
check "injection: the INVITE with a 60 kB header line makes a call" \
    test "$(q "$db" "SELECT sip_messages FROM calls WHERE call_id = 'long-header@inj'")" = 5

# ---- x5u URLs an attacker chose --------------------------------------------------------
if tests/tools/x5u-servers.sh start "$srv" >"$tmp/servers.out" 2>&1; then
    port=$(awk '$1 == "hostile" { print $2 }' "$srv/ports")
    connect=()
    while read -r c; do connect+=(--x5u-connect-to "$c"); done <"$srv/connect-to"
    H=https://hostile.stirprobe.test
    # URL  expected verify_detail
    cat >"$tmp/x5u.tsv" <<EOF
$H/redirect-loopback.pem	redirect-other-host
$H/redirect-localhost.pem	redirect-other-host
$H/redirect-file.pem	redirect-other-host
$H/chain100.pem	too-big
$H/chain9.pem	too-many-certs
https://localhost:$port/sp-a.pem	private-address
https://127.0.0.1:$port/sp-a.pem	private-address
https://[::ffff:127.0.0.1]:$port/sp-a.pem	private-address
https://[::127.0.0.1]:$port/sp-a.pem	private-address
https://[2002:7f00:1::1]:$port/sp-a.pem	private-address
file:///etc/passwd	not-https
EOF
    n=$(wc -l <"$tmp/x5u.tsv")
    args=()
    while IFS='	' read -r u _; do args+=(--x5u "$u"); done <"$tmp/x5u.tsv"
    python3 tests/tools/sipcap.py calls "$tmp/x5u.pcap" $((2 * n)) "${args[@]}"
    db=$tmp/x5u.db
    timeout 120 "$BIN" read -q -d "$db" --verify --trust tests/pki/root.pem --ca-bundle tests/pki/tls/ca.pem \
        "${connect[@]}" "$tmp/x5u.pcap" >"$tmp/x5u.out" 2>"$tmp/x5u.err"; rc=$?
    check "x5u: read --verify exits 0 (got $rc)" test $rc = 0
    while IFS='	' read -r u want; do
        got=$(sqlite3 -separator ' ' "$db" "SELECT DISTINCT verify_result, verify_detail FROM calls WHERE x5u = '${u//\'/\'\'}'")
        check "x5u $u: both calls cert-fetch-failed ($want) [got ${got:-nothing}]" test "$got" = "cert-fetch-failed $want"
        check "x5u $u: one certificates row (cached failure)" \
            test "$(sqlite3 "$db" "SELECT COUNT(*) FROM certificates WHERE x5u = '${u//\'/\'\'}' AND status <> 'ok'")" = 1
    done <"$tmp/x5u.tsv"
    for p in redirect-loopback redirect-localhost redirect-file chain100 chain9; do
        c=$(grep -c " GET /$p.pem\$" "$srv/hostile.log")
        check "x5u $p.pem requested once for its two calls (got $c)" test "$c" = 1
    done
    c=$(grep -c " GET /sp-a.pem\$" "$srv/hostile.log")
    check "x5u: no redirect followed and no loopback address connected to (sp-a.pem requested $c times)" test "$c" = 0
else
    bad "x5u test servers did not start: $(tr '\n' ' ' <"$tmp/servers.out" | cut -c1-200)"
fi

# ---- storage ---------------------------------------------------------------------------
N=3000
python3 tests/tools/sipcap.py calls "$tmp/bulk.pcap" $N
complete() { # DB: every stored call is whole (5 messages, 200 OK)
    test "$(q "$1" "SELECT COUNT(*) FROM calls WHERE sip_messages <> 5 OR final_status IS NOT 200")" = 0
}

# kill -9 in the middle of a read: a slow producer on a pipe, killed once rows are in.
db=$tmp/kill.db
mkfifo "$tmp/fifo"
python3 tests/tools/sipcap.py calls "$tmp/fifo" $N --pace 0.2 &
pids+=($!); gen=$!
"$BIN" read -q -d "$db" - <"$tmp/fifo" 2>"$tmp/kill.err" &
pids+=($!); pid=$!
seen=0
for ((i = 0; i < 300; i++)); do
    seen=$(sqlite3 "$db" "SELECT COUNT(*) FROM calls" 2>/dev/null || echo 0)
    [ "${seen:-0}" -ge 400 ] && break
    sleep 0.1
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null; kill $gen 2>/dev/null; wait $gen 2>/dev/null
after=$(q "$db" "SELECT COUNT(*) FROM calls")
check "kill -9: killed in the middle ($seen rows seen before the kill, $after after, of $N)" \
    test "${seen:-0}" -ge 400 -a "$after" -lt $N
check "kill -9: the database passes PRAGMA integrity_check" test "$(q "$db" "PRAGMA integrity_check")" = ok
check "kill -9: every call committed before the kill is there ($after >= $seen)" test "$after" -ge "$seen"
check "kill -9: every stored call is whole" complete "$db"
"$BIN" read -q -d "$db" "$tmp/bulk.pcap" 2>"$tmp/err"; rc=$?
check "kill -9: re-reading the capture exits 0 (got $rc)" test $rc = 0
check "kill -9: re-reading completes it without duplicates" \
    test "$(q "$db" "SELECT COUNT(*), COUNT(DISTINCT call_id) FROM calls")" = "$N|$N"
check "kill -9: every call whole after the re-read" complete "$db"

# A writer holding the database for 3 s: read waits (busy timeout) and loses nothing.
db=$tmp/lock.db
"$BIN" read -q -d "$db" tests/pcaps/demo.pcap
{ echo "BEGIN EXCLUSIVE;"; echo "INSERT INTO schema_version SELECT * FROM schema_version WHERE 0;"; sleep 3; echo "COMMIT;"; } |
    sqlite3 "$db" &
pids+=($!); lk=$!
sleep 0.5
SECONDS=0
"$BIN" read -q -d "$db" "$tmp/bulk.pcap" 2>"$tmp/lock.err"; rc=$?
waited=$SECONDS
wait $lk
check "locked database: read exits 0 after waiting for the lock (exit $rc, ${waited}s)" test $rc = 0 -a $waited -ge 2
check "locked database: nothing lost (demo + $N calls)" \
    test "$(q "$db" "SELECT COUNT(*) FROM calls")" = $((N + $(tail -n +2 tests/pcaps/demo.csv | wc -l)))

# Disk full and read-only: in a user + mount namespace (no root needed), a 256 kB tmpfs
# and a read-only bind mount.
if unshare -rm true 2>/dev/null; then
    mkdir -p "$tmp/full"
    unshare -rm sh -c 'mount -t tmpfs -o size=256k tmpfs "$1" || exit 99
        "$2" read -q -d "$1/full.db" "$3" 2>"$4/full.err"; echo "rc=$?"
        sqlite3 "$1/full.db" "PRAGMA integrity_check; SELECT COUNT(*) FROM calls WHERE sip_messages <> 5 OR final_status IS NOT 200; SELECT COUNT(*) FROM calls"' \
        sh "$tmp/full" "$BIN" "$tmp/bulk.pcap" "$tmp" >"$tmp/full.out" 2>&1
    check "disk full: exit 1 ($(head -1 "$tmp/full.out"))" test "$(head -1 "$tmp/full.out")" = rc=1
    check "disk full: a clear message ($(head -c 160 "$tmp/full.err"))" grep -q "full.db: .*disk is full" "$tmp/full.err"
    check "disk full: the database left behind passes integrity_check" test "$(sed -n 2p "$tmp/full.out")" = ok
    check "disk full: no half-written call in it ($(sed -n 4p "$tmp/full.out") calls)" test "$(sed -n 3p "$tmp/full.out")" = 0

    mkdir -p "$tmp/ro"
    "$BIN" read -q -d "$tmp/ro/calls.db" tests/pcaps/demo.pcap
    sum=$(cat "$tmp/ro/calls.db" | sha256sum)
    unshare -rm sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || exit 99
        "$2" read -q -d "$1/calls.db" "$3" 2>"$4/ro.err"; echo "rc=$?"
        "$2" read -q -d "$1/new.db" "$3" 2>"$4/ro-new.err"; echo "rc=$?"' \
        sh "$tmp/ro" "$BIN" "$tmp/bulk.pcap" "$tmp" >"$tmp/ro.out" 2>&1
    check "read-only database: exit 1 ($(head -1 "$tmp/ro.out"))" test "$(head -1 "$tmp/ro.out")" = rc=1
    check "read-only database: a clear message ($(head -c 160 "$tmp/ro.err"))" grep -q "calls.db: cannot open database: .*read-only" "$tmp/ro.err"
    check "read-only database: the file is unchanged" test "$(cat "$tmp/ro/calls.db" | sha256sum)" = "$sum"
    check "read-only directory, new database: exit 1 ($(sed -n 2p "$tmp/ro.out"))" test "$(sed -n 2p "$tmp/ro.out")" = rc=1
    check "read-only directory, new database: a clear message ($(head -c 160 "$tmp/ro-new.err"))" grep -q "new.db: cannot" "$tmp/ro-new.err"
else
    echo "SKIP disk-full and read-only database tests: unshare -rm (user namespaces) is not available here"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
