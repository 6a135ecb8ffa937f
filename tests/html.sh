#!/usr/bin/env bash
# `stirprobe report html` tests: the page built from the databases of the bundled
# captures (demo.pcap and verify.pcap, verified with the test PKI) is parsed
# (tests/tools/html-check.py: well-formed, strict UTF-8, no script, no event
# attribute, no external reference) and the figures it shows are compared with
# sqlite3 counts of the same database and, for verify.pcap, with the generator's
# truth (tests/pcaps/verify.csv); then time windows, options, an empty database,
# errors, and a database with hostile values (<script> in Call-ID, origid, x5u,
# subject; invalid UTF-8) inserted with sqlite3. Last, headless Chromium renders
# the pages: no console message (the page has no script, and its CSP reports any
# blocked load), a non-blank screenshot with the chart colours, and the totals in
# the DOM it dumps.
#
#   tests/html.sh                  STIRPROBE=build/asan/stirprobe HTML_SCREENSHOT=0 tests/html.sh
#
# One line per check ("ok ..." / "FAIL ..." / "SKIP ..."), then "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
export TZ=UTC0 LC_ALL=C
# Fixed "generated" time, so that two runs give the same bytes.
export SOURCE_DATE_EPOCH=1740830400

BIN=${STIRPROBE:-build/release/stirprobe}
SCREENSHOT=${HTML_SCREENSHOT:-1}
CHECK=tests/tools/html-check.py
VERIFY_OPTS="--verify --trust tests/pki/root.pem --cert-map tests/pki/certmap.tsv"

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@" >"$tmp/check.out" 2>&1; then ok "$what"; else bad "$what"; sed 's/^/    /' "$tmp/check.out" | head -10; fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$BIN" ]; then
    bad "no stirprobe binary at $BIN"
    echo "$pass passed, $fail failed"
    exit 1
fi

# page DB OUT [OPTIONS...]: build the page; the figures it shows go to OUT.kv
page() {
    local db=$1 out=$2
    shift 2
    "$BIN" report html -d "$db" -o "$out" "$@" 2>"$out.err"
}

# The summary figures and the per-level / per-reason counts, straight from SQLite (written
# independently of reports/html.c), as key=value lines. WHERE is an extra condition on calls.
sql_figures() {
    local db=$1 w=${2:-1}
    sqlite3 "$db" "
        SELECT 'total-calls=' || COUNT(*) FROM calls WHERE $w;
        SELECT 'total-signed=' || COUNT(*) FROM calls WHERE identity_header IS NOT NULL AND $w;
        SELECT 'total-passed=' || COUNT(*) FROM calls WHERE verify_result = 'pass' AND $w;
        SELECT 'total-failures=' || COUNT(*) FROM calls
            WHERE verify_result NOT IN ('pass', 'not-verified', 'no-identity') AND $w;
        SELECT 'total-chains=' || COUNT(DISTINCT chain_id) FROM calls WHERE $w;
        SELECT 'total-origids=' || COUNT(DISTINCT origid) FROM calls WHERE $w;
        SELECT 'total-certificates=' || COUNT(DISTINCT k.x5u) FROM certificates k
            JOIN passports p ON p.x5u = k.x5u JOIN calls ON calls.id = p.call_row_id WHERE $w;
        SELECT 'attest-' || l || '=' || (SELECT COUNT(*) FROM calls WHERE
            (CASE WHEN attest IS NULL THEN 'none' ELSE attest END) = l AND $w)
            FROM (SELECT 'A' AS l UNION ALL SELECT 'B' UNION ALL SELECT 'C' UNION ALL SELECT 'none');
        SELECT 'failure-' || verify_result || '=' || COUNT(*) FROM calls
            WHERE verify_result NOT IN ('pass', 'not-verified') AND $w GROUP BY verify_result;" | sort
}

# same_figures WANT_KV GOT_KV: every key of WANT has the same value in GOT, and GOT has
# no failure-* key that WANT lacks.
same_figures() {
    python3 - "$1" "$2" <<'EOF'
import sys
want = dict(l.strip().split("=", 1) for l in open(sys.argv[1]) if "=" in l)
got = dict(l.strip().split("=", 1) for l in open(sys.argv[2]) if "=" in l)
bad = [f"{k}: page shows {got.get(k, '<nothing>')}, expected {v}" for k, v in sorted(want.items()) if got.get(k) != v]
bad += [f"{k}: on the page, not expected" for k in got if k.startswith("failure-") and k not in want]
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
}

# ---- pages of the bundled captures ---------------------------------------------------

for cap in demo verify; do
    db=$tmp/$cap.db
    "$BIN" read -q -d "$db" $VERIFY_OPTS tests/pcaps/$cap.pcap 2>"$tmp/read.err"
    check "[$cap] read --verify tests/pcaps/$cap.pcap" test -s "$db"
    page "$db" "$tmp/$cap.html"; rc=$?
    check "[$cap] report html exits 0 (got $rc)" test $rc = 0
    check "[$cap] the page is well-formed, UTF-8, with no script, event attribute or external reference" \
        $CHECK "$tmp/$cap.html"
    $CHECK "$tmp/$cap.html" >"$tmp/$cap.kv" 2>/dev/null
    sql_figures "$db" >"$tmp/$cap.want"
    check "[$cap] totals, attestation levels and failure reasons equal sqlite3 counts" \
        same_figures "$tmp/$cap.want" "$tmp/$cap.kv"
    chains=$(sqlite3 "$db" "SELECT MIN(COUNT(DISTINCT chain_id), 20) FROM calls")
    check "[$cap] $chains chains drawn (the top 20 at most)" grep -qx "chains=$chains" "$tmp/$cap.kv"
    origids=$(sqlite3 "$db" "SELECT MIN(COUNT(DISTINCT origid), 20) FROM calls")
    check "[$cap] $origids origid rows" grep -qx "origid-rows=$origids" "$tmp/$cap.kv"
    certs=$(sqlite3 "$db" "SELECT COUNT(*) FROM certificates")
    check "[$cap] $certs certificate rows" grep -qx "cert-rows=$certs" "$tmp/$cap.kv"
    page "$db" "$tmp/$cap-2.html"
    check "[$cap] two runs give the same bytes" cmp "$tmp/$cap.html" "$tmp/$cap-2.html"
    "$BIN" report html -d "$db" -o - >"$tmp/$cap-stdout.html" 2>/dev/null
    check "[$cap] -o - writes the same page to stdout" cmp "$tmp/$cap.html" "$tmp/$cap-stdout.html"
    "$BIN" report --db "$db" html -o "$tmp/$cap-3.html" 2>/dev/null
    check "[$cap] options before the kind work too" cmp "$tmp/$cap.html" "$tmp/$cap-3.html"
done

# The generator's truth for verify.pcap (tests/pcaps/verify.csv), not stirprobe's database.
python3 - tests/pcaps/verify.csv >"$tmp/truth.kv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
print(f"total-calls={len(rows)}")
print(f"total-signed={sum(1 for r in rows if r['identity_header'])}")
print(f"total-passed={sum(1 for r in rows if r['verify_result'] == 'pass')}")
print(f"total-failures={sum(1 for r in rows if r['verify_result'] not in ('pass', 'not-verified', 'no-identity'))}")
print(f"total-chains={len({r['chain_id'] for r in rows if r['chain_id']})}")
print(f"total-origids={len({r['origid'] for r in rows if r['origid']})}")
for level in "ABC":
    print(f"attest-{level}={sum(1 for r in rows if r['attest'] == level)}")
print(f"attest-none={sum(1 for r in rows if not r['attest'])}")
for label in {r["verify_result"] for r in rows} - {"pass", "not-verified"}:
    print(f"failure-{label}={sum(1 for r in rows if r['verify_result'] == label)}")
tns = {}
for r in rows:
    if r["origid"]:
        tns.setdefault(r["origid"], set()).add(r["orig_tn"])
print(f"campaign-rows={sum(1 for s in tns.values() if len(s) >= 10)}")
EOF
check "[verify] the page shows the generator's truth (tests/pcaps/verify.csv)" \
    same_figures "$tmp/truth.kv" "$tmp/verify.kv"

# ---- options ---------------------------------------------------------------------------

db=$tmp/verify.db
page "$db" "$tmp/w.html" --since 2025-03-01T12:00:30Z --until 2025-03-01T12:01:00Z
$CHECK "$tmp/w.html" >"$tmp/w.kv" 2>/dev/null
sql_figures "$db" "first_seen >= '2025-03-01T12:00:30' AND first_seen < '2025-03-01T12:01:00'" >"$tmp/w.want"
check "[window] --since/--until: totals equal sqlite3 counts of the window" same_figures "$tmp/w.want" "$tmp/w.kv"
check "[window] the calls counted are a strict part of the capture" \
    test "$(grep total-calls= "$tmp/w.kv")" != "$(grep total-calls= "$tmp/verify.kv")"
page "$db" "$tmp/c.html" --campaign-tns 1000
check "[options] --campaign-tns 1000: no campaign" grep -qx campaign-rows=0 <($CHECK "$tmp/c.html" 2>&1)
page "$db" "$tmp/t.html" --top 5
check "[options] --top 5: five chains drawn" grep -qx chains=5 <($CHECK "$tmp/t.html" 2>&1)

# ---- empty ---------------------------------------------------------------------------------

page "$db" "$tmp/e.html" --since 2030-01-01T00:00:00Z
check "[empty] a window without calls gives a well-formed page" $CHECK "$tmp/e.html"
$CHECK "$tmp/e.html" >"$tmp/e.kv" 2>/dev/null
check "[empty] ... saying there are no calls" grep -qx no-calls=1 "$tmp/e.kv"
check "[empty] ... with zero totals" grep -qx total-calls=0 "$tmp/e.kv"
cp "$db" "$tmp/empty.db"
sqlite3 "$tmp/empty.db" "DELETE FROM passports; DELETE FROM calls; DELETE FROM certificates"
page "$tmp/empty.db" "$tmp/e2.html"; rc=$?
check "[empty] an empty database: exit 0 (got $rc) and a well-formed page" $CHECK "$tmp/e2.html"
check "[empty] ... that says: no calls" grep -q "No calls</b> in this database" "$tmp/e2.html"

# ---- errors --------------------------------------------------------------------------------

"$BIN" report html -d "$db" 2>"$tmp/err"; rc=$?
check "[errors] no -o: exit 1 (got $rc)" test $rc = 1
check "[errors] no -o: the message asks for -o FILE" grep -q -- "-o FILE" "$tmp/err"
"$BIN" report html -d "$tmp/nonexistent.db" -o "$tmp/x.html" 2>"$tmp/err"; rc=$?
check "[errors] missing database: exit 1 (got $rc), no page left" test $rc = 1 -a ! -e "$tmp/x.html"
check "[errors] missing database: the message names it" grep -q "no database at $tmp/nonexistent.db" "$tmp/err"
"$BIN" report html -d "$db" --since yesterday -o "$tmp/x.html" 2>"$tmp/err"; rc=$?
check "[errors] bad --since: exit 1 (got $rc), no page left" test $rc = 1 -a ! -e "$tmp/x.html"
"$BIN" report html -d "$db" --warn-days soon -o "$tmp/x.html" 2>"$tmp/err"; rc=$?
check "[errors] bad --warn-days: exit 1 (got $rc)" test $rc = 1
"$BIN" report html -d "$db" -o /nonexistent-dir/x.html 2>"$tmp/err"; rc=$?
check "[errors] unwritable -o: exit 1 (got $rc) with a message" grep -q "x.html: cannot create" "$tmp/err"

# ---- hostile values from the wire --------------------------------------------------------

hdb=$tmp/hostile.db
cp "$tmp/demo.db" "$hdb"
# One call whose every text field is markup or bad bytes (0xFF is never UTF-8, C2 85 is the
# C1 control NEL, C0 AF an overlong '/'), its certificate expiring 9 days after the last
# demo call, and a campaign: one origid on ten orig TNs.
sqlite3 "$hdb" "
INSERT INTO calls (call_id, first_seen, first_seen_ns, last_seen, last_seen_ns, src_ip, src_port, dst_ip,
    dst_port, transport, ip_version, sip_messages, identity_count, identity_header, attest, origid,
    orig_tn, x5u, verify_result, chain_id)
VALUES ('<script>alert(\"cid\")</script>' || CAST(X'FF' AS TEXT) || 'end' || CAST(X'C285' AS TEXT),
    '2025-03-01T12:00:01.500000Z', 1740830401500000000, '2025-03-01T12:00:01.500000Z', 1740830401500000000,
    '<svg onload=alert(1)>', 5060, '\"><img src=x onerror=alert(2)>', 5060, 'udp', 4, 1, 1, 'Identity',
    '<b>X</b>', '\"><script>alert(3)</script>', ''' onmouseover=''alert(4)',
    'https://evil.example/<script>alert(5)</script>', 'bad-signature<i>',
    '</title><script>alert(6)</script>');
INSERT INTO passports (call_row_id, position, header_name, x5u, decode_result, raw_jws)
    SELECT id, 0, 'Identity', x5u, 'ok', 'x' FROM calls WHERE chain_id LIKE '</title>%';
INSERT INTO certificates (x5u, status, subject, spc, not_before, not_after)
VALUES ('https://evil.example/<script>alert(5)</script>', 'ok',
    'CN=<script>alert(7)</script>' || CAST(X'C0AF' AS TEXT), '&amp;1001',
    '2025-01-01T00:00:00.000000Z', '2025-03-11T00:00:00.000000Z');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
INSERT INTO calls (call_id, first_seen, first_seen_ns, last_seen, last_seen_ns, src_ip, src_port, dst_ip,
    dst_port, transport, ip_version, sip_messages, attest, origid, orig_tn, dest_tn)
SELECT 'camp-' || i, printf('2025-03-01T12:00:01.7%05dZ', i), 1740830401700000000 + i * 1000,
    printf('2025-03-01T12:00:01.7%05dZ', i), 1740830401700000000 + i * 1000, '192.0.2.1', 5060,
    '192.0.2.2', 5060, 'udp', 4, 1, 'A', '<campaign>&\"', '1202555' || (1000 + i), '12025559999' FROM n;"
page "$hdb" "$tmp/h.html"; rc=$?
check "[hostile] report html exits 0 (got $rc)" test $rc = 0
check "[hostile] the page stays well-formed UTF-8 with no script, event attribute or external reference" \
    $CHECK "$tmp/h.html"
check "[hostile] no '<script' anywhere in the bytes" test "$(grep -ci '<script' "$tmp/h.html")" = 0
check "[hostile] every hostile value is shown as text (escaped, not dropped)" $CHECK "$tmp/h.html" \
    --text '<script>alert("cid")</script>' --text '"><script>alert(3)</script>' \
    --text '<svg onload=alert(1)>' --text "' onmouseover='alert(4)" \
    --text 'https://evil.example/<script>alert(5)</script>' --text '</title><script>alert(6)</script>' \
    --text 'CN=<script>alert(7)</script>' --text '&amp;1001' --text 'bad-signature<i>' \
    --text '<campaign>&"' --text '<b>X</b>'
check "[hostile] invalid UTF-8 and C1 controls are replaced by U+FFFD" $CHECK "$tmp/h.html" \
    --text $'</script>\xef\xbf\xbdend\xef\xbf\xbd' --text $'alert(7)</script>\xef\xbf\xbd\xef\xbf\xbd'
$CHECK "$tmp/h.html" >"$tmp/h.kv" 2>/dev/null
sql_figures "$hdb" >"$tmp/h.want"
check "[hostile] totals still equal sqlite3 counts" same_figures "$tmp/h.want" "$tmp/h.kv"
check "[hostile] the attest value that is not A/B/C is counted as other" grep -q '&#9632;</span> other<' "$tmp/h.html"
check "[hostile] one origid on ten orig TNs is a campaign (--campaign-tns default 10)" grep -qx campaign-rows=1 "$tmp/h.kv"
page "$hdb" "$tmp/h11.html" --campaign-tns 11
check "[hostile] ... and not with --campaign-tns 11" grep -qx campaign-rows=0 <($CHECK "$tmp/h11.html" 2>&1)
check "[hostile] a certificate 9 days from expiry is flagged with --warn-days 30 (default)" \
    $CHECK "$tmp/h.html" --text "1 expiring within 30 days"
page "$hdb" "$tmp/h5.html" --warn-days 5
check "[hostile] ... and not with --warn-days 5" $CHECK "$tmp/h5.html" --text "0 expiring within 5 days"

# ---- headless Chromium ---------------------------------------------------------------------

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ "$SCREENSHOT" != 1 ]; then
    :
elif [ -z "$CHROMIUM" ]; then
    echo "SKIP [screenshot] chromium is not installed (scripts/deps.sh installs the Debian package chromium)"
else
    # No network for the browser when a namespace of its own can be had; and no background
    # requests of its own either way. The page itself is file:// with a CSP of default-src 'none'.
    netns=()
    unshare -n true 2>/dev/null && netns=(unshare -n)
    sandbox=()
    [ "$(id -u)" = 0 ] && sandbox=(--no-sandbox)
    # chrome MODE FILE OUT: MODE is --dump-dom or --screenshot=PNG; stderr (console log) to OUT.log
    chrome() {
        timeout -k 5 60 "${netns[@]}" "$CHROMIUM" --headless "${sandbox[@]}" --disable-gpu --hide-scrollbars \
            --user-data-dir="$tmp/chromium-profile" --no-first-run --disable-extensions --disable-sync \
            --disable-background-networking --disable-component-update --disable-default-apps \
            --force-device-scale-factor=1 --window-size=1280,2800 --enable-logging=stderr --v=0 \
            "$1" "file://$2" >"$3" 2>"$3.log"
    }
    # The console check must be able to fail: a page with a script error and a load its CSP blocks.
    printf '%s\n' '<!DOCTYPE html><html><head><meta charset="utf-8">' \
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\"></head><body>" \
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><script>console.error("x")</script></body></html>' \
        >"$tmp/control.html"
    chrome --dump-dom "$tmp/control.html" "$tmp/control.dom"; rc=$?
    check "[screenshot] chromium runs (exit $rc)" test $rc = 0
    check "[screenshot] the console check sees errors on a control page" \
        sh -c 'grep ":CONSOLE" "$1" | grep -v "Slow network is detected" | grep -q .' _ "$tmp/control.dom.log"
    for p in demo hostile; do
        f=$tmp/$p.html
        [ $p = hostile ] && f=$tmp/h.html
        chrome --screenshot="$tmp/$p.png" "$f" "$tmp/$p.shot"; rc=$?
        check "[screenshot] $p: chromium --screenshot exit $rc" test $rc = 0
        # A failure shows the console lines (through check's output). Chromium's own
        # "Slow network is detected" note (its font-loading intervention, logged when a
        # loaded machine renders slowly) is not the page's.
        check "[screenshot] $p: no console message while rendering" \
            sh -c '! grep ":CONSOLE" "$1" | grep -v "Slow network is detected" | grep .' _ "$tmp/$p.shot.log"
        chrome --dump-dom "$f" "$tmp/$p.dom"; rc=$?
        check "[screenshot] $p: --dump-dom exit $rc, no console message" \
            sh -c '[ "$1" = 0 ] && ! grep ":CONSOLE" "$2" | grep -v "Slow network is detected" | grep .' _ "$rc" "$tmp/$p.dom.log"
        $CHECK "$tmp/$p.dom" 2>/dev/null | grep '^total-' >"$tmp/$p.dom.kv"
        check "[screenshot] $p: the rendered DOM shows the expected totals" \
            same_figures <(grep '^total-' "$tmp/${p/hostile/h}.kv") "$tmp/$p.dom.kv"
    done
    # Solid fills: A legend and the valid certificates' bars (green), B and C legend squares, unsigned
    # (grey) and failure bars (red). A blank or half-drawn page lacks them.
    check "[screenshot] demo: the PNG is 1280x2800, not blank, with the chart colours" \
        tests/tools/png-check.py "$tmp/demo.png" 1280 2800 '#2e7d32:5000' '#1565c0:100' '#f9a825:100' \
        '#9e9e9e:500' '#c62828:500'
    if [ -n "${HTML_KEEP:-}" ]; then
        mkdir -p "$HTML_KEEP" && cp "$tmp"/*.html "$tmp"/*.png "$HTML_KEEP"/ && echo "pages and screenshots kept in $HTML_KEEP"
    fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
