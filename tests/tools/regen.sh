#!/bin/sh
# Rebuilds build/stirgen and regenerates the test PKI (tests/pki) and the
# test captures with their expected CSVs (tests/pcaps), plus
# tests/pcaps/MANIFEST.tsv.  Run from anywhere; works from the repo root.
#
# The output is NOT byte-reproducible: every run makes new keys and new
# ECDSA signatures (OpenSSL 3.0 has no deterministic ECDSA).  Commit the
# result once; regenerate only when the scenarios change, and review the
# CSV diffs (chain_id values change on every run, everything else must not).
#
# Afterwards, tests/tools/check-outputs.sh verifies the files with tshark
# and openssl.
#
#   tests/tools/regen.sh                 everything (new keys: every capture changes)
#   tests/tools/regen.sh --verify-only   only what is missing from tests/pki
#                                        (`stirgen pki --add`: existing keys and
#                                        certificates are kept) and the verify
#                                        capture: tests/pcaps/verify.{pcap,csv,passports.tsv}
#                                        and its MANIFEST line, and the analytics capture
#                                        (tests/pcaps/analytics.*); nothing else changes.
set -eu

only_verify=false
case "${1:-}" in
--verify-only) only_verify=true ;;
'') ;;
*) echo "usage: $0 [--verify-only]" >&2; exit 1 ;;
esac

cd "$(dirname "$0")/../.."
CC=${CC:-cc}
G=build/stirgen
P=tests/pcaps
M=$P/MANIFEST.tsv

mkdir -p build "$P"
# shellcheck disable=SC2046 # pkg-config output must word-split
$CC -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -g tests/tools/*.c \
    $(pkg-config --cflags --libs libcrypto jansson) -o "$G"

# gen FILE LINKTYPE COVERS [stirgen pcap options...]
gen() {
    f=$1 link=$2 covers=$3
    shift 3
    "$G" pcap "$@" "$P/$f"
    printf '%s\t%s\t%s\t%s\n' "$f" "stirgen pcap $* $P/$f" "$link" "$covers" >> "$M"
}

verify='scenario verify (issue 5): one SIP/UDP call per PASSporT verification case, Call-IDs named after the case, expected verify_result per call in verify.csv (same for --cert-map and HTTPS x5u mode) and per Identity header in verify.passports.tsv; run by tests/verify.sh'
gen_verify() {
    gen verify.pcap 'EN10MB (1)' "$verify" --scenario verify
}
analytics='scenario analytics (issue 6): 38 calls over three hours: a 3-hop traceback chain, an Identity stripped on leg 2, a call re-signed downstream (attest A>B), a PASSporT replayed twice, a 12-number origid campaign with high-risk prefixes, STIR error feedback (438/436/403 responses, Reason STIR in 200, Reason SIP in BYE), TNAuthList/expired/expiring certificates, declined and unanswered A calls, downstream verstat; facts every report must show in analytics.expect.tsv; run by tests/analytics.sh'
gen_analytics() {
    gen analytics.pcap 'EN10MB (1)' "$analytics" --scenario analytics
}

if $only_verify; then
    "$G" pki --add tests/pki
    if [ -f "$M" ]; then
        awk -F '\t' '$1 != "verify.pcap" && $1 != "analytics.pcap"' "$M" > "$M.tmp" && mv "$M.tmp" "$M"
    else
        printf 'file\tcommand\tlink type\tcovers\n' > "$M"
    fi
    gen_verify
    gen_analytics
    echo "regen.sh --verify-only: done"
    exit 0
fi

"$G" pki tests/pki

printf 'file\tcommand\tlink type\tcovers\n' > "$M"

multi='demo over 3 pcapng interfaces of different link types and resolutions (EN10MB if_tsresol=6, LINUX_SLL2 if_tsresol=9, RAW if_tsresol=6), packet i on interface i mod 3, an NRB after the SHB and an ISB at the end to be skipped; libpcap refuses it, stirprobe reads it with its own pcapng reader; tshark decodes the same 73 SIP frames as demo.pcap'
demo='scenario demo: 12 INVITE dialogs (signed A/B/C, unsigned, UDP retransmission, CANCEL/487, TCP split+coalesced+duplicate segment, traceback leg sharing a PASSporT, compact y:, X-Identity, div+shaken, folded comma-joined rcd+shaken, bad base64url, formula-injection Call-ID) + REGISTER, OPTIONS, RTP, DNS, non-SIP junk on 5060'

gen demo.pcap 'EN10MB (1)' "$demo; pcap µs little-endian (make demo)" \
    --scenario demo
gen vlan.pcap 'EN10MB (1) + 802.1Q VID 100' 'demo behind one 802.1Q tag' \
    --scenario demo --link vlan
gen qinq.pcap 'EN10MB (1) + 802.1ad VID 200 + 802.1Q VID 100' 'demo behind a QinQ double tag' \
    --scenario demo --link qinq
gen sll.pcap 'LINUX_SLL (113)' 'demo as `tcpdump -i any` (cooked v1) on the SBC 198.51.100.7' \
    --scenario demo --link sll
gen sll2.pcap 'LINUX_SLL2 (276)' 'demo as cooked v2' \
    --scenario demo --link sll2
gen ipv6.pcapng 'EN10MB (1)' 'demo over IPv6 (2001:db8::/32, IPv6 literals in SIP/SDP); pcapng SHB+IDB(if_tsresol=9)+EPB, ns timestamps' \
    --scenario demo --ipv6 --format pcapng --ns
gen pcapng-multi.pcapng 'EN10MB (1) + LINUX_SLL2 (276) + RAW (101)' "$multi" \
    --scenario demo --format pcapng-multi
gen raw-ns-be.pcap 'RAW (101)' 'demo as raw IP; pcap ns magic, big-endian file' \
    --scenario demo --link raw --ns --be
gen null.pcap 'NULL (0)' 'demo on BSD loopback: 4-byte AF in file (host) byte order, AF_INET=2' \
    --scenario demo --link null
gen loop-ipv6.pcap 'LOOP (108)' 'demo over IPv6 on OpenBSD loopback: AF in network order, AF_INET6=24' \
    --scenario demo --link loop --ipv6
gen truncated.pcap 'EN10MB (1)' 'demo cut off: 40 whole records then half of record 41; expected CSV covers packets 1-40 only (partial calls, no final status yet); reader should exit 2' \
    --scenario demo --truncate-after 40

"$G" not-a-capture "$P/not-a-capture.pcap"
printf '%s\t%s\t%s\t%s\n' not-a-capture.pcap "stirgen not-a-capture $P/not-a-capture.pcap" '-' \
    'a text file named .pcap: must be rejected cleanly (exit 1); expected CSV is the header only' >> "$M"

# IP fragmentation: same calls and expected CSV as demo (every fragment has
# its datagram's timestamp), the reader must reassemble out-of-order fragments.
gen frag-v4-reverse.pcap 'EN10MB (1)' 'demo with UDP datagrams over 576 bytes IPv4-fragmented (MF/offset, IP ID per datagram, 552-byte fragments), fragments of each datagram written last-first; TCP not fragmented' \
    --scenario demo --mtu 576 --frag-order reverse
gen frag-v6-shuffle.pcapng 'EN10MB (1)' 'demo over IPv6 with UDP datagrams over 1280 bytes fragmented (Fragment header, 32-bit identification with the top bit set, 1232-byte fragments), fragments in --seed shuffled order; pcapng µs' \
    --scenario demo --ipv6 --format pcapng --mtu 1280 --frag-order shuffle

# SIP over TCP: every way a byte stream reaches a passive probe.
tcp='scenario tcp: 6 signed SIP-over-TCP dialogs: INVITE in 4 segments, 200 in 2, keep-alive ping/pong, FIN; keep-alive+INVITE, 100+180+200 and ACK+BYE coalesced, seq wrap, RST; retransmitted and overlapping segments; reordered segments; a connection without SYN starting mid-message; a lost segment (that INVITE is lost, later messages decode)'
gen tcp.pcap 'EN10MB (1)' "$tcp" \
    --scenario tcp
gen tcp-ipv6.pcapng 'EN10MB (1)' 'the tcp scenario over IPv6; pcapng µs' \
    --scenario tcp --ipv6 --format pcapng

# The hostile flood (~90 MB: lone IP fragments, half-open TCP streams holding data
# behind holes, bare SYNs, three signed calls) is not committed: tests/run writes
# it to build/flood/ with `stirgen pcap --scenario flood --seed 7`.

gen_verify
gen_analytics

echo "regen.sh: done; verify with tests/tools/check-outputs.sh"
