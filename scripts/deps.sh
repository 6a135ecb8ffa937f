#!/bin/sh
# Installs the Debian packages stirprobe needs to build, test and run its demo, when
# they are missing. Used by `make demo`, `make test` and .ci/run. Idempotent; quiet
# when everything is present.
set -eu

PKGS="make gcc pkg-config libpcap-dev libssl-dev libjansson-dev libsqlite3-dev
libcurl4-openssl-dev zlib1g-dev sqlite3 openssl python3 bc gzip tcpreplay iproute2 chromium clang libclang-rt-dev
sngrep libpq-dev postgresql"
# clang + libclang-rt-dev: libFuzzer targets, run briefly by `make test` (tests/run) and at length by `make fuzz`.
# chromium: the headless screenshot test of `report html`. sngrep: the HEP interop test.
# libpq-dev: the PostgreSQL store; postgresql: tests/pg.sh runs a throwaway server (initdb + pg_ctl).
for opt in "$@"; do
    case "$opt" in
    --with-fuzz) ;; # clang is always installed now (fuzz smoke runs in make test)
    # make bench: the peers it is measured beside, GNU time for peak RSS, perf for profiles
    --with-bench) PKGS="$PKGS tshark time linux-perf" ;;
    *) echo "deps: unknown option $opt" >&2; exit 2 ;;
    esac
done

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "deps: missing packages:$missing (run as root: apt-get install$missing)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
