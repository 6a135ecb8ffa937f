#!/bin/sh
# Loopback HTTPS x5u servers for the verification tests (tests/verify.sh).
#
#   tests/tools/x5u-servers.sh start DIR    start both, return once both listen
#   tests/tools/x5u-servers.sh stop DIR     stop both (only the processes started here)
#
# certs.stirprobe.test: `openssl s_server -HTTP` on 127.0.0.1 (a free port) with
#   tests/pki/tls/server.pem, serving DIR/www: one file per certs.stirprobe.test
#   URL of tests/pki/certmap.tsv, named like the URL's path (sp-a.pem holds
#   tests/pki/sp-a.chain.pem, direct.der holds tests/pki/direct.der), each
#   a complete HTTP response (200, Content-Type, Cache-Control: max-age=86400,
#   Content-Length), plus unpublished.pem = a 404 response.  (-HTTP rather than
#   -WWW: -WWW answers "200 ok" with an error text for a missing file.)
#   s_server prints "FILE:NAME" for each file it serves: DIR/certs.log (its
#   stdout and stderr).
# hostile.stirprobe.test: tests/tools/hostile-x5u.py on 127.0.0.1 (a free port),
#   request log DIR/hostile.log (see the script for what each path does).
#
# DIR/ports holds "certs PORT" and "hostile PORT" lines; DIR/connect-to the
# two --x5u-connect-to values (certs.stirprobe.test:443:127.0.0.1:PORT ...).
# DIR/pids lists the process ids to stop.  Run from anywhere.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
pki=$root/tests/pki

usage() {
    echo "usage: $0 start DIR | stop DIR" >&2
    exit 1
}
[ $# -eq 2 ] || usage
cmd=$1
dir=$2

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# http_file OUT STATUS CONTENT-TYPE BODY-FILE
http_file() {
    n=$(wc -c <"$4" | tr -d ' ')
    {
        printf 'HTTP/1.0 %s\r\n' "$2"
        printf 'Content-Type: %s\r\n' "$3"
        case $2 in 200*) printf 'Cache-Control: max-age=86400\r\n' ;; esac
        printf 'Content-Length: %s\r\n\r\n' "$n"
        cat "$4"
    } >"$1"
}

stop() {
    [ -f "$dir/pids" ] || return 0
    for p in $(cat "$dir/pids"); do
        kill "$p" 2>/dev/null || true
    done
    for p in $(cat "$dir/pids"); do
        i=0
        while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        kill -9 "$p" 2>/dev/null || true
    done
    rm -f "$dir/pids"
}

start() {
    mkdir -p "$dir/www"
    dir=$(cd "$dir" && pwd)
    : >"$dir/pids"
    : >"$dir/certs.log"
    : >"$dir/hostile.log"

    # --- the docroot, from the cert map ---
    while IFS='	' read -r url path; do
        case $url in https://certs.stirprobe.test/*) ;; *) continue ;; esac
        name=${url#https://certs.stirprobe.test/}
        case $name in
        *.der) type=application/pkix-cert ;;
        *) type=application/pem-certificate-chain ;;
        esac
        http_file "$dir/www/$name" '200 OK' "$type" "$root/$path"
    done <"$pki/certmap.tsv"
    printf 'not found\n' >"$dir/404.txt"
    http_file "$dir/www/unpublished.pem" '404 Not Found' text/plain "$dir/404.txt"

    # --- certs.stirprobe.test: openssl s_server (retry if the port was taken meanwhile) ---
    tries=0
    while :; do
        port1=$(free_port)
        (cd "$dir/www" && exec openssl s_server -HTTP -accept "127.0.0.1:$port1" \
            -cert "$pki/tls/server.pem" -key "$pki/tls/server.key" </dev/null >"$dir/certs.log" 2>&1) &
        pid1=$!
        echo "$pid1" >>"$dir/pids"
        i=0
        while [ $i -lt 100 ] && kill -0 "$pid1" 2>/dev/null && ! grep -q '^ACCEPT' "$dir/certs.log"; do
            sleep 0.05
            i=$((i + 1))
        done
        grep -q '^ACCEPT' "$dir/certs.log" && break
        kill "$pid1" 2>/dev/null || true
        tries=$((tries + 1))
        if [ $tries -ge 5 ]; then
            echo "x5u-servers: openssl s_server did not start:" >&2
            cat "$dir/certs.log" >&2
            stop
            exit 1
        fi
    done

    # --- hostile.stirprobe.test ---
    rm -f "$dir/hostile.port"
    python3 "$root/tests/tools/hostile-x5u.py" --cert "$pki/tls/server.pem" --key "$pki/tls/server.key" \
        --chain "$pki/sp-a.chain.pem" --port-file "$dir/hostile.port" --log "$dir/hostile.log" \
        </dev/null 2>"$dir/hostile.err" &
    pid2=$!
    echo "$pid2" >>"$dir/pids"
    i=0
    while [ $i -lt 200 ] && kill -0 "$pid2" 2>/dev/null && [ ! -s "$dir/hostile.port" ]; do
        sleep 0.05
        i=$((i + 1))
    done
    if [ ! -s "$dir/hostile.port" ]; then
        echo "x5u-servers: hostile-x5u.py did not start:" >&2
        cat "$dir/hostile.err" >&2
        stop
        exit 1
    fi
    port2=$(cat "$dir/hostile.port")

    # both must accept a TCP connection before we return
    for p in "$port1" "$port2"; do
        python3 - "$p" <<'EOF' || { echo "x5u-servers: port $p does not accept" >&2; stop; exit 1; }
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF
    done
    printf 'certs %s\nhostile %s\n' "$port1" "$port2" >"$dir/ports"
    printf 'certs.stirprobe.test:443:127.0.0.1:%s\nhostile.stirprobe.test:443:127.0.0.1:%s\n' \
        "$port1" "$port2" >"$dir/connect-to"
    echo "x5u-servers: certs.stirprobe.test on 127.0.0.1:$port1, hostile.stirprobe.test on 127.0.0.1:$port2"
}

case $cmd in
start) start ;;
stop) stop ;;
*) usage ;;
esac
