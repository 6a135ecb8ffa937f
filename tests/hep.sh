#!/usr/bin/env bash
# HEP tests (issue 9), everything on 127.0.0.1 with servers started and stopped here:
#
#  - round trips: `stirprobe read --hep-out` → `stirprobe hep --listen` over UDP and TCP
#    must give the calls CSV of a direct read of the golden captures (verification too);
#  - what is sent, checked by an independent decoder (tests/tools/hep-sink.py): one HEP3
#    SIP message per SIP message, one JSON verdict per call, correlation id = Call-ID;
#  - auth key, malformed input counted and skipped, -c, --duration, usage errors;
#  - TCP reconnect: a relay queues while its collector is down and delivers once it is up;
#  - capture --hep-out: live packets replayed on the lo of a namespace of our own;
#  - interop with sngrep (Debian package): sngrep sends us HEP3 and HEP2 from a capture,
#    and receives our HEP3 (in a network namespace of our own, so its capture device sees
#    nothing else) and saves it to a pcap that must give the same calls.
#
#   tests/hep.sh          STIRPROBE=build/asan/stirprobe tests/hep.sh
#
# One line per check ("ok ..." / "FAIL ..."), then "N passed, N failed". Needs python3,
# sqlite3 and sngrep (scripts/deps.sh installs it); the sngrep-receives part needs root
# (or CAP_SYS_ADMIN) for the namespace and is a SKIP line when STIRPROBE_SKIP_LIVE=1.
set -u
cd "$(dirname "$0")/.."
export TZ=UTC0 LC_ALL=C

BIN=${STIRPROBE:-build/release/stirprobe}
P=tests/pcaps
tmp=$(mktemp -d)
ns=""
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
    [ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { # DESCRIPTION COMMAND...
    local what=$1; shift
    if "$@" >"$tmp/out" 2>&1; then ok "$what"; else bad "$what"; sed 's/^/    /' "$tmp/out" | head -20; fi
}
free_port() { # a port free for both UDP and TCP on 127.0.0.1 right now
    python3 -c 'import socket
while True:
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p)); print(p); break
    except OSError: pass'
}
ready() { # FILE PATTERN: true once PATTERN shows up in FILE (10 s at most)
    local i
    for ((i = 0; i < 100; i++)); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}
stop() { # PID: SIGTERM, then its exit status (124 when it had to be killed after 30 s)
    local i
    kill -TERM "$1" 2>/dev/null
    for ((i = 0; i < 300; i++)); do kill -0 "$1" 2>/dev/null || { wait "$1"; return; }; sleep 0.1; done
    kill -KILL "$1"; wait "$1"; return 124
}
lpid=""
listen() { # NAME PORT [OPTIONS...]: `stirprobe hep` in the background, once it listens ($lpid)
    local name=$1 port=$2; shift 2
    rm -f "$tmp/$name.db"
    $BIN hep --listen "127.0.0.1:$port" --stats-interval 0 -d "$tmp/$name.db" "$@" 2>"$tmp/$name.err" &
    lpid=$!; pids+=("$lpid")
    ready "$tmp/$name.err" "listening for HEP" && return 0
    bad "$name: hep --listen did not start"; sed 's/^/    /' "$tmp/$name.err" | head -5
    return 1
}
calls() { $BIN report calls --csv -d "$tmp/$1.db"; }
stat() { sqlite3 "$tmp/$1.db" "SELECT COALESCE(SUM(value), 0) FROM stats WHERE name = '$2'"; }
no_transport() { cut -d, -f1-6,8- "$1"; } # sngrep saves every HEP message as UDP

# --- round trips ------------------------------------------------------------------------
roundtrip() { # NAME CAPTURE EXPECTED_CSV udp|tcp [LISTENER OPTIONS...]
    local name=$1 cap=$2 want=$3 tr=$4 port rc; shift 4
    port=$(free_port)
    listen "$name" "$port" $([ "$tr" = tcp ] && echo --tcp) "$@" || return
    rm -f "$tmp/$name-send.db"
    $BIN read -q -d "$tmp/$name-send.db" --hep-out "127.0.0.1:$port/$tr" "$cap"; rc=$?
    check "$name: read --hep-out exits 0 (got $rc)" test $rc = 0
    stop "$lpid"; rc=$?
    check "$name: hep --listen stops on SIGTERM with exit 0 (got $rc)" test $rc = 0
    check "$name: the calls over HEP/$tr equal $want" cmp "$want" <(calls "$name")
    check "$name: every SIP message arrived ($(stat "$name" sip_messages))" \
        test "$(stat "$name" sip_messages)" = "$(stat "$name-send" sip_messages)"
    check "$name: nothing dropped on either side" test \
        "$(stat "$name" drop_hep_malformed)$(stat "$name" drop_hep_socket_overflow)$(stat "$name-send" drop_hep_queue_full)$(stat "$name-send" drop_hep_send_failed)" = 0000
}
roundtrip demo-udp    $P/demo.pcap            $P/demo.csv            udp
roundtrip demo-tcp    $P/demo.pcap            $P/demo.csv            tcp
roundtrip tcp-udp     $P/tcp.pcap             $P/tcp.csv             udp
roundtrip ipv6-tcp    $P/ipv6.pcapng          $P/ipv6.csv            tcp
roundtrip frag-udp    $P/frag-v4-reverse.pcap $P/frag-v4-reverse.csv udp
roundtrip verify-udp  $P/verify.pcap          $P/verify.csv          udp \
    --verify --trust tests/pki/root.pem --cert-map tests/pki/certmap.tsv
check "verify-udp: packet time is the HEP timestamp (stale and expiry judged as in the file)" \
    test "$(sqlite3 "$tmp/verify-udp.db" "SELECT COUNT(*) FROM calls WHERE verify_result = 'stale'")" -gt 0
check "demo-udp: the capture record is kind hep" \
    test "$(sqlite3 "$tmp/demo-udp.db" "SELECT kind, link_type, status FROM captures")" = "hep|HEP|complete"
check "demo-udp: verdicts arrive as non-SIP payloads (one per call)" \
    test "$(stat demo-udp hep_non_sip_payloads)" = "$(($(wc -l < $P/demo.csv) - 1))"

# --- what is on the wire, read by an independent decoder -----------------------------------
port=$(free_port)
python3 tests/tools/hep-sink.py "$port" "$tmp/sink.jsonl" 2 30 >"$tmp/sink.out" 2>&1 &
spid=$!; pids+=("$spid")
ready "$tmp/sink.out" ready
$BIN read -q -d "$tmp/sent.db" --hep-out "127.0.0.1:$port" --hep-id 4242 --hep-pass s3cret $P/demo.pcap
wait "$spid"
check "hep-out: SIP messages and verdicts as the specification says (hep-sink.py)" \
    python3 tests/tools/hep-check-sent.py "$tmp/sink.jsonl" $P/demo.csv "$(stat sent sip_messages)" 4242 s3cret
check "hep-out: hep_messages_sent counts them" \
    test "$(stat sent hep_messages_sent)" = "$(wc -l < "$tmp/sink.jsonl")"

# --- auth key ------------------------------------------------------------------------------
port=$(free_port)
if listen auth "$port" --hep-pass s3cret; then
    $BIN read -q -d "$tmp/auth-good.db" --hep-out "127.0.0.1:$port" --hep-pass s3cret $P/demo.pcap
    $BIN read -q -d "$tmp/auth-bad.db" --hep-out "127.0.0.1:$port" --hep-pass wrong $P/demo.pcap
    $BIN read -q -d "$tmp/auth-none.db" --hep-out "127.0.0.1:$port" $P/demo.pcap
    stop "$lpid"
    check "auth: the right key gives the calls" cmp $P/demo.csv <(calls auth)
    check "auth: a wrong or missing key is dropped and counted" \
        test "$(stat auth drop_hep_auth_failed)" = $(($(stat auth-bad hep_messages_sent) + $(stat auth-none hep_messages_sent)))
fi

# --- malformed input is counted and skipped ----------------------------------------------
port=$(free_port)
if listen bad "$port"; then
    python3 - "$port" <<'EOF'
import socket, struct, sys
port = int(sys.argv[1])
def ch(t, v): return struct.pack(">HHH", 0, t, 6 + len(v)) + v
def hep3(chunks):
    body = b"".join(chunks)
    return b"HEP3" + struct.pack(">H", 6 + len(body)) + body
good = hep3([ch(1, b"\x02"), ch(3, bytes([127, 0, 0, 1])), ch(4, bytes([127, 0, 0, 2])), ch(7, b"\x13\xc4"),
             ch(8, b"\x13\xc4"), ch(11, b"\x01"), ch(15, b"OPTIONS sip:x SIP/2.0\r\n\r\n")])
bad = [b"garbage", b"HEP3\x00\x03", good[:-3],                   # not HEP, total < 6, truncated
       good[:11] + b"\x00" + good[12:],                            # zero chunk length
       good[:6] + ch(1, b"\x02") + good[6:],                       # a chunk inserted, total not fixed
       hep3([ch(11, b"\x01"), ch(15, b"INVITE sip:x SIP/2.0\r\n\r\n")])]  # SIP without addresses
rtcp = hep3([ch(11, b"\x05"), ch(15, b"{}")])                      # valid, not SIP
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for d in bad + [rtcp]:
    s.sendto(d, ("127.0.0.1", port))
EOF
    $BIN read -q -d "$tmp/bad-send.db" --hep-out "127.0.0.1:$port" $P/demo.pcap
    stop "$lpid"; rc=$?
    check "malformed: the listener carries on and exits 0 (got $rc)" test $rc = 0
    check "malformed: the good messages still give the calls" cmp $P/demo.csv <(calls bad)
    check "malformed: 6 bad messages counted in drop_hep_malformed (got $(stat bad drop_hep_malformed))" \
        test "$(stat bad drop_hep_malformed)" = 6
    check "malformed: the first one is named on stderr" grep -q "malformed HEP message skipped: not HEP" "$tmp/bad.err"
    check "malformed: a non-SIP payload type is counted, not decoded" \
        test "$(stat bad hep_non_sip_payloads)" = $((1 + $(wc -l < $P/demo.csv) - 1))
fi
port=$(free_port)
if listen badtcp "$port" --tcp; then
    python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET / HTTP/1.0\r\n\r\n"); s.settimeout(5)
assert s.recv(10) == b"", "the listener should hang up on a stream that is not HEP3"' "$port"
    check "malformed TCP: the listener hangs up on a stream that is not HEP3" test $? = 0
    $BIN read -q -d "$tmp/badtcp-send.db" --hep-out "127.0.0.1:$port/tcp" $P/demo.pcap
    stop "$lpid"
    check "malformed TCP: counted once, and later connections work" \
        test "$(stat badtcp drop_hep_malformed)|$(calls badtcp | md5sum)" = "1|$(md5sum < $P/demo.csv)"
fi

# --- bounded runs ---------------------------------------------------------------------------
port=$(free_port)
if listen count "$port" -c 10; then
    $BIN read -q -d "$tmp/count-send.db" --hep-out "127.0.0.1:$port" $P/demo.pcap
    for ((i = 0; i < 100; i++)); do kill -0 "$lpid" 2>/dev/null || break; sleep 0.1; done
    stop "$lpid"; rc=$?
    check "-c 10: stops by itself with exit 0 (got $rc)" test $rc = 0
    check "-c 10: 10 HEP messages recorded" test "$(stat count hep_messages_received)" = 10
fi
SECONDS=0
$BIN hep -q --listen "127.0.0.1:$(free_port)" --duration 1 -d "$tmp/dur.db"; rc=$?
check "--duration 1: stops by itself with exit 0 (got $rc, ${SECONDS}s)" test $rc = 0 -a $SECONDS -le 5

# --- TCP reconnect: a relay whose collector comes up late --------------------------------
a=$(free_port); b=$(free_port)
if listen relay "$a" --hep-out "127.0.0.1:$b/tcp"; then
    relay=$lpid
    $BIN read -q -d "$tmp/relay-send.db" --hep-out "127.0.0.1:$a" $P/demo.pcap
    sleep 1 # the relay has the messages queued and is backing off
    if listen late "$b" --tcp; then
        sleep 2 # the relay's next attempt (backoff at most 1.6 s by now) connects and delivers
        stop "$relay"; rc=$?
        check "reconnect: the relay exits 0 (got $rc)" test $rc = 0
        stop "$lpid"
        check "reconnect: the late collector got every call" cmp $P/demo.csv <(calls late)
        check "reconnect: the relay lost nothing and sent everything it got" test \
            "$(stat relay drop_hep_send_failed)|$(stat relay drop_hep_queue_full)|$(stat relay hep_messages_sent)" = \
            "0|0|$(stat relay-send hep_messages_sent)"
    fi
fi
SECONDS=0
$BIN read -q -d "$tmp/down.db" --hep-out "127.0.0.1:$(free_port)/tcp" $P/demo.pcap; rc=$?
check "collector down: read still exits 0 after the bounded flush (got $rc, ${SECONDS}s)" test $rc = 0 -a $SECONDS -le 10
check "collector down: every message counted in drop_hep_send_failed" \
    test "$(stat down drop_hep_send_failed)|$(stat down hep_messages_sent)" = "$(($(stat down sip_messages) + $(wc -l < $P/demo.csv) - 1))|0"

# --- usage errors ---------------------------------------------------------------------------
$BIN read -q -d "$tmp/e.db" --hep-out 127.0.0.1 $P/demo.pcap 2>"$tmp/e.err"; rc=$?
check "bad --hep-out: exit 1 with a message" test $rc = 1 -a -n "$(grep 'HOST:PORT' "$tmp/e.err")"
$BIN hep --listen 127.0.0.1:70000 -d "$tmp/e.db" 2>"$tmp/e.err"; rc=$?
check "bad --listen: exit 1 with a message" test $rc = 1 -a -n "$(grep 'ADDR:]PORT' "$tmp/e.err")"
$BIN hep -d "$tmp/e.db" 2>/dev/null; rc=$?
check "hep without --listen: exit 1" test $rc = 1
port=$(free_port)
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1])))
print("bound", flush=True); time.sleep(20)' "$port" >"$tmp/holder.out" &
holder=$!
ready "$tmp/holder.out" bound
$BIN hep --listen "127.0.0.1:$port" --duration 5 -d "$tmp/e.db" 2>"$tmp/e.err"; rc=$?
kill "$holder"; wait "$holder" 2>/dev/null
check "port in use: exit 1 naming the cause" test $rc = 1 -a -n "$(grep 'cannot bind' "$tmp/e.err")"

# --- interop with sngrep --------------------------------------------------------------------
if ! command -v sngrep >/dev/null; then
    bad "sngrep is not installed (scripts/deps.sh installs it)"
else
    $BIN read -q -d "$tmp/direct-verify.db" $P/verify.pcap
    calls direct-verify >"$tmp/direct-verify.csv"
    $BIN read -q -d "$tmp/direct-demo.db" $P/demo.pcap
    calls direct-demo >"$tmp/direct-demo.csv"
    # sngrep sends: HEP3 (its default), then HEP2 (eep.send.version 2 in a config file).
    printf 'set eep.send.version 2\n' >"$tmp/sngrep-v2.conf"
    for v in 3 2; do
        port=$(free_port)
        listen "sngrep-v$v" "$port" || continue
        conf=(); [ $v = 2 ] && conf=(-f "$tmp/sngrep-v2.conf")
        timeout 60 sngrep "${conf[@]}" -I $P/verify.pcap -H "udp:127.0.0.1:$port" -N -q >"$tmp/sngrep.out" 2>&1; rc=$?
        check "sngrep -I verify.pcap -H (HEP$v) exits 0 (got $rc)" test $rc = 0
        stop "$lpid"
        check "sngrep → stirprobe (HEP$v): the calls equal a direct read" cmp "$tmp/direct-verify.csv" <(calls "sngrep-v$v")
        check "sngrep → stirprobe (HEP$v): nothing malformed" test "$(stat "sngrep-v$v" drop_hep_malformed)" = 0
    done
    # sngrep receives: in a namespace of our own, whose only interface is an idle lo.
    ns="stirprobe-hep-$$"
    if ! ip netns add "$ns" 2>"$tmp/ns.err"; then
        ns=""
        if [ "${STIRPROBE_SKIP_LIVE:-0}" = 1 ]; then
            echo "SKIP stirprobe → sngrep: cannot create a network namespace: $(head -1 "$tmp/ns.err") (STIRPROBE_SKIP_LIVE=1)"
        else
            bad "stirprobe → sngrep: cannot create a network namespace (needs root or CAP_SYS_ADMIN): $(head -1 "$tmp/ns.err")"
        fi
    else
        ip netns exec "$ns" ip link set lo up
        # capture --hep-out: live packets on this namespace's lo (the demo capture moved into
        # 127.0.0.0/8, as the live tests do) to a listener in the same namespace.
        if command -v tcprewrite >/dev/null && tcprewrite --pnat=0.0.0.0/0:127.0.0.0/8 -i $P/demo.pcap \
               -o "$tmp/lo.pcap" >/dev/null 2>&1 && tests/tools/loopback-only.py "$tmp/lo.pcap" >/dev/null 2>&1; then
            rm -f "$tmp/live-hep.db" "$tmp/live.db"
            ip netns exec "$ns" $BIN hep --listen 127.0.0.1:9062 --stats-interval 0 -d "$tmp/live-hep.db" 2>"$tmp/live-hep.err" &
            hpid=$!; pids+=("$hpid")
            ip netns exec "$ns" $BIN capture -i lo -f 'not udp port 9062' --stats-interval 1 -d "$tmp/live.db" \
                --hep-out 127.0.0.1:9062 2>"$tmp/live.err" &
            cpid=$!; pids+=("$cpid")
            if ready "$tmp/live.err" "listening on lo" && ready "$tmp/live-hep.err" "listening for HEP"; then
                ip netns exec "$ns" timeout 60 tcpreplay -q -i lo --pps 500 "$tmp/lo.pcap" >/dev/null 2>&1
                ready "$tmp/live.err" "stirprobe: 105 pkts"
                stop "$cpid"; rc=$?
                check "capture --hep-out: capture stops on SIGTERM with exit 0 (got $rc)" test $rc = 0
                stop "$hpid"
                check "capture --hep-out: the listener got the calls the capture stored" \
                    cmp <(calls live) <(calls live-hep)
                check "capture --hep-out: every SIP message sent and received ($(stat live hep_messages_sent))" \
                    test "$(stat live hep_messages_sent)" = "$(stat live-hep hep_messages_received)" -a \
                         "$(stat live sip_messages)" = "$(stat live-hep sip_messages)"
            else
                bad "capture --hep-out: capture or listener did not start"; sed 's/^/    /' "$tmp/live.err" | head -3
            fi
        else
            bad "capture --hep-out: cannot make a loopback-only capture (tcprewrite)"
        fi
        for cap in verify demo; do
            rm -f "$tmp/sngrep-$cap.pcap"
            ip netns exec "$ns" sngrep -L udp:127.0.0.1:9060 -N -q -O "$tmp/sngrep-$cap.pcap" >"$tmp/sngrep-L.out" 2>&1 &
            spid=$!; pids+=("$spid")
            sleep 1 # sngrep says nothing when it is ready
            # sngrep reads its socket slower than we send: without --hep-rate its socket buffer overflows
            ip netns exec "$ns" $BIN read -q -d "$tmp/to-sngrep-$cap.db" --hep-out 127.0.0.1:9060 --hep-rate 1000 $P/$cap.pcap
            sleep 1
            stop "$spid"; rc=$?
            check "sngrep -L stops on SIGTERM with exit 0 (got $rc)" test $rc = 0
            $BIN read -q -d "$tmp/from-sngrep-$cap.db" "$tmp/sngrep-$cap.pcap" 2>"$tmp/sngrep-read.err"; rc=$?
            check "stirprobe → sngrep ($cap): sngrep saved a readable capture (exit $rc)" test $rc = 0
            check "stirprobe → sngrep ($cap): it holds every SIP message we sent" \
                test "$(stat "from-sngrep-$cap" sip_messages)" = "$(stat "to-sngrep-$cap" sip_messages)"
            if [ $cap = verify ]; then
                check "stirprobe → sngrep (verify): its capture gives the same calls" \
                    cmp "$tmp/direct-verify.csv" <(calls "from-sngrep-$cap")
            else
                check "stirprobe → sngrep (demo): the same calls, transport aside (sngrep saves UDP)" \
                    cmp <(no_transport "$tmp/direct-demo.csv") <(calls "from-sngrep-$cap" >"$tmp/x.csv"; no_transport "$tmp/x.csv")
            fi
        done
    fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
