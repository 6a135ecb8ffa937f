#!/usr/bin/env bash
# PASSporT verification tests (issue 5): reads tests/pcaps/verify.pcap with
# --verify, once with the offline cert map and once fetching x5u over HTTPS from
# loopback test servers, and compares what stirprobe says with the stated truth:
#
#   tests/pcaps/verify.csv            expected `report calls --csv` (both modes)
#   tests/pcaps/verify.passports.tsv  expected per-header results (several headers)
#
# Both come from the generator (tests/tools/stirgen, scenario verify), never
# from stirprobe: regenerate them with `tests/tools/regen.sh --verify-only`.
#
#   tests/verify.sh                 STIRPROBE=build/asan/stirprobe tests/verify.sh
#
# One line per check ("ok ..." / "FAIL ..."), then "N passed, N failed"; exit
# status 0 only when nothing failed.  Needs openssl, python3, sqlite3.
set -eu
cd "$(dirname "$0")/.."
export TZ=UTC0 LC_ALL=C

BIN=${STIRPROBE:-build/release/stirprobe}
PCAP=tests/pcaps/verify.pcap
WANT_CSV=tests/pcaps/verify.csv
WANT_HDRS=tests/pcaps/verify.passports.tsv
TRUST=tests/pki/root.pem
CERTMAP=tests/pki/certmap.tsv
CABUNDLE=tests/pki/tls/ca.pem
SLOW_BOUND=${VERIFY_SLOW_BOUND:-10}   # seconds for the whole HTTPS-mode read (verifier total timeout: 5 s)
SLOW_CUT=${VERIFY_SLOW_CUT:-6.5}     # seconds until the client hangs up on slow.pem
LABELS="no-identity bad-format unsupported-alg cert-fetch-failed cert-invalid cert-expired cert-untrusted
bad-signature tn-mismatch stale pass"

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
# check DESCRIPTION COMMAND...: one check from a command's exit status
check() {
    local what=$1
    shift
    if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi
}

tmp=$(mktemp -d)
srv=$tmp/servers
cleanup() {
    tests/tools/x5u-servers.sh stop "$srv" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- prerequisites ------------------------------------------------------------------

if [ ! -x "$BIN" ]; then
    bad "no stirprobe binary at $BIN (make V=release all, or set STIRPROBE)"
    echo "$pass passed, $fail failed"
    exit 1
fi
if [ ! -x build/stirgen ] || [ -n "$(find tests/tools -newer build/stirgen -name '*.[ch]' | head -1)" ]; then
    make -s stirgen >/dev/null 2>&1 || true
fi
for f in "$PCAP" "$WANT_CSV" "$WANT_HDRS" "$TRUST" "$CERTMAP" "$CABUNDLE"; do
    [ -f "$f" ] || { bad "missing $f"; echo "$pass passed, $fail failed"; exit 1; }
done

# Expected per call: "call_id verify_result" (call_id as printed: a leading ' stays).
awk -F, 'NR > 1 { sub(/\r$/, ""); print $1, $24 }' "$WANT_CSV" >"$tmp/want-results"
ncalls=$(wc -l <"$tmp/want-results")

# ---- the checks shared by both modes -----------------------------------------------

# compare_db MODE DB: CSV, per call, per header, labels, chain.
compare_db() {
    local mode=$1 db=$2
    "$BIN" report calls --csv -d "$db" >"$tmp/$mode.csv" 2>"$tmp/$mode.report.err" || true
    if cmp -s "$tmp/$mode.csv" "$WANT_CSV"; then
        ok "[$mode] report calls --csv equals $WANT_CSV byte for byte"
    else
        bad "[$mode] report calls --csv differs from $WANT_CSV (first lines of the diff):"
        diff "$WANT_CSV" "$tmp/$mode.csv" | head -6 | sed 's/^/    /' | cut -c1-220
    fi

    awk -F, 'NR > 1 { sub(/\r$/, ""); print $1, $24 }' "$tmp/$mode.csv" >"$tmp/$mode.results"
    if [ ! -s "$tmp/$mode.results" ]; then
        fail=$((fail + ncalls))
        echo "FAIL [$mode] no calls in the database: $ncalls per-call checks counted as failed"
    else
        while read -r id want; do
            got=$(awk -v i="$id" '$1 == i { print $2; exit }' "$tmp/$mode.results")
            if [ "$got" = "$want" ]; then
                ok "[$mode] $id: $want"
            else
                bad "[$mode] $id: verify_result '${got:-<no row>}', expected '$want'"
            fi
        done <"$tmp/want-results"
    fi

    # per header (several Identity values on one INVITE)
    sqlite3 -separator '	' "$db" "SELECT c.call_id, p.position, p.ppt, p.verify_result
        FROM passports p JOIN calls c ON c.id = p.call_row_id ORDER BY c.call_id, p.position" \
        >"$tmp/$mode.hdrs" 2>/dev/null || : >"$tmp/$mode.hdrs"
    while IFS='	' read -r id pos ppt want; do
        [ "$id" = call_id ] && continue
        got=$(awk -F'\t' -v i="$id" -v p="$pos" '$1 == i && $2 == p { print $3 " " $4; exit }' "$tmp/$mode.hdrs")
        if [ "$got" = "$ppt $want" ]; then
            ok "[$mode] $id header $pos ($ppt): $want"
        else
            bad "[$mode] $id header $pos: got '${got:-<no row>}', expected '$ppt $want'"
        fi
    done <"$WANT_HDRS"

    # every interface.md label (bar not-verified) occurs
    for l in $LABELS; do
        if awk -v l="$l" '$2 == l { f = 1 } END { exit !f }' "$tmp/$mode.results"; then
            ok "[$mode] label $l occurs"
        else
            bad "[$mode] label $l never occurs"
        fi
    done

    # the two legs of one chain: both pass, one chain_id
    legs=$(awk -F, '$1 ~ /^v-chain-leg[12]@/ { sub(/\r$/, ""); print $24 "/" $25 }' "$tmp/$mode.csv" | sort -u)
    case $legs in
    pass/?*) [ "$(printf '%s\n' "$legs" | wc -l)" -eq 1 ] && ok "[$mode] chain legs: both pass, one chain_id" ||
        bad "[$mode] chain legs: $legs" ;;
    *) bad "[$mode] chain legs: '${legs:-<no rows>}', want both pass with one chain_id" ;;
    esac
}

# ---- mode 1: offline cert map -------------------------------------------------------

db=$tmp/certmap.db
set +e
"$BIN" read -q -d "$db" --verify --trust "$TRUST" --cert-map "$CERTMAP" "$PCAP" >"$tmp/certmap.out" 2>"$tmp/certmap.err"
rc=$?
set -e
if [ $rc -eq 0 ]; then ok "[certmap] read --verify exits 0"; else
    bad "[certmap] read --verify exits $rc: $(head -c 300 "$tmp/certmap.err")"
fi
compare_db certmap "$db"

# ---- mode 2: HTTPS x5u from loopback servers ------------------------------------------

if tests/tools/x5u-servers.sh start "$srv" >"$tmp/servers.out" 2>&1; then
    ok "x5u test servers started ($(tr '\n' ' ' <"$srv/ports"))"
    connect=()
    while read -r c; do connect+=(--x5u-connect-to "$c"); done <"$srv/connect-to"

    db=$tmp/https.db
    t0=$(date +%s.%N)
    set +e
    timeout 120 "$BIN" read -q -d "$db" --verify --trust "$TRUST" --ca-bundle "$CABUNDLE" "${connect[@]}" "$PCAP" \
        >"$tmp/https.out" 2>"$tmp/https.err"
    rc=$?
    set -e
    t1=$(date +%s.%N)
    elapsed=$(python3 -c "print('%.1f' % ($t1 - $t0))")
    if [ $rc -eq 0 ]; then ok "[https] read --verify exits 0"; else
        bad "[https] read --verify exits $rc: $(head -c 300 "$tmp/https.err")"
    fi
    compare_db https "$db"

    # each certificate URL fetched once (s_server logs FILE:NAME per response),
    # though sp-a alone signs most calls
    awk -F, 'NR > 1 { sub(/\r$/, "")
                      if ($24 !~ /^(no-identity|bad-format|unsupported-alg)$/ && $22 ~ /^https:\/\/certs\.stirprobe\.test\//)
                          { sub(/^https:\/\/certs\.stirprobe\.test\//, "", $22); print $22 } }' "$WANT_CSV" |
        sort -u >"$tmp/fetched-want"
    # the div/rcd headers add no URL of their own (all sp-a)
    while read -r name; do
        n=$(grep -c "^FILE:$name\$" "$srv/certs.log" || true)
        if [ "$n" -eq 1 ]; then ok "[https] $name fetched once"; else bad "[https] $name fetched $n times, want 1"; fi
    done <"$tmp/fetched-want"
    extra=$(grep '^FILE:' "$srv/certs.log" | sed 's/^FILE://' | sort -u | grep -vxF -f "$tmp/fetched-want" || true)
    [ -z "$extra" ] && ok "[https] no other certs.stirprobe.test file fetched" ||
        bad "[https] fetched but used by no call that gets that far: $(echo $extra)"
    for p in redirect-other redirect-cross big slow not-a-cert; do
        n=$(grep -c " GET /$p.pem\$" "$srv/hostile.log" || true)
        if [ "$n" -eq 1 ]; then ok "[https] hostile $p.pem requested once"; else
            bad "[https] hostile $p.pem requested $n times, want 1"; fi
    done
    n=$(grep -c ' GET /sp-a.pem$' "$srv/hostile.log" || true)
    [ "$n" -eq 0 ] && ok "[https] no redirect followed on the hostile host" ||
        bad "[https] hostile /sp-a.pem requested $n times (a redirect was followed)"

    # slow.pem: cut off by the verifier's timeout, not by the server's 60 s
    sleep 1.2 # the server notices the hang-up within a second
    cut=$(sed -n 's/.* slow.pem: client closed after \([0-9.]*\) s.*/\1/p' "$srv/hostile.log" | head -1)
    if [ -n "$cut" ] && python3 -c "import sys; sys.exit(not float('$cut') <= $SLOW_CUT)"; then
        ok "[https] slow.pem cut off after $cut s (<= $SLOW_CUT)"
    else
        bad "[https] slow.pem not cut off within $SLOW_CUT s ($(grep 'slow.pem:' "$srv/hostile.log" | tail -1 | cut -d' ' -f2-))"
    fi
    if [ $rc -ne 0 ]; then
        bad "[https] run time not measured: the read failed"
    elif python3 -c "import sys; sys.exit(not $elapsed <= $SLOW_BOUND)"; then
        ok "[https] whole read took $elapsed s (<= $SLOW_BOUND)"
    else
        bad "[https] whole read took $elapsed s (> $SLOW_BOUND): a fetch was not bounded"
    fi
else
    bad "x5u test servers did not start: $(tr '\n' ' ' <"$tmp/servers.out" | cut -c1-300)"
fi

# ---- stirprobe verify: one header, exit status and label ----------------------------------
# The headers are signed now (iat = the wall clock), with the committed keys.

now=$(date +%s)
sign() { # sign KEY X5U [IAT]
    build/stirgen sign --key "tests/pki/$1.key" --x5u "$2" --attest A \
        --origid 5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b --orig 12025550101 --dest 12025550199 --iat "${3:-$now}"
}
# one_shot NAME WANT-LABEL HEADER [EXTRA OPTIONS...]: exit 0 iff WANT is pass,
# and the label on stdout
one_shot() {
    local name=$1 want=$2 hdr=$3
    shift 3
    if [ -z "$hdr" ]; then bad "[verify] $name: could not build the header (build/stirgen)"; return; fi
    set +e
    "$BIN" verify --trust "$TRUST" "$@" "$hdr" >"$tmp/one.out" 2>"$tmp/one.err"
    local rc=$?
    set -e
    if [ "$want" = pass ]; then
        [ $rc -eq 0 ] && ok "[verify] $name: exit 0" || bad "[verify] $name: exit $rc, want 0 ($(head -c 200 "$tmp/one.err"))"
    else
        [ $rc -ne 0 ] && ok "[verify] $name: exit $rc (non-zero)" || bad "[verify] $name: exit 0, want non-zero"
    fi
    grep -qw -- "$want" "$tmp/one.out" && ok "[verify] $name: stdout says $want" ||
        bad "[verify] $name: stdout does not say $want: $(head -c 200 "$tmp/one.out")"
}
C=https://certs.stirprobe.test
one_shot pass pass "$(sign sp-a $C/sp-a.pem || true)" --cert-map "$CERTMAP"
one_shot bad-signature bad-signature "$(sign sp-b $C/sp-a.pem || true)" --cert-map "$CERTMAP"
one_shot cert-expired cert-expired "$(sign expired $C/expired.pem || true)" --cert-map "$CERTMAP"
one_shot cert-fetch-failed cert-fetch-failed "$(sign sp-a $C/unpublished.pem || true)" --cert-map "$CERTMAP"
one_shot stale stale "$(sign sp-a $C/sp-a.pem $((now - 3600)) || true)" --cert-map "$CERTMAP"
one_shot bad-format bad-format "not-a-jws;info=<$C/sp-a.pem>;alg=ES256;ppt=shaken" --cert-map "$CERTMAP"
one_shot unsupported-alg unsupported-alg "$(cat tests/unit/vectors/gen_neg_alg_rs256_param.identity.txt)" \
    --cert-map "$CERTMAP"
if [ -s "$srv/connect-to" ]; then
    connect=()
    while read -r c; do connect+=(--x5u-connect-to "$c"); done <"$srv/connect-to"
    # a same-host redirect is allowed: hostile/redirect-same.pem -> /sp-a.pem
    before=$(wc -l <"$srv/hostile.log")
    one_shot https-redirect-same pass "$(sign sp-a https://hostile.stirprobe.test/redirect-same.pem || true)" \
        --ca-bundle "$CABUNDLE" "${connect[@]}"
    tail -n +"$((before + 1))" "$srv/hostile.log" | grep -q ' GET /sp-a.pem$' &&
        ok "[verify] https-redirect-same: the same-host redirect was followed" ||
        bad "[verify] https-redirect-same: /sp-a.pem was not requested after the redirect"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
