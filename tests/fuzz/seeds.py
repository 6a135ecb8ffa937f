#!/usr/bin/env python3
"""Seed corpora for the libFuzzer targets from real captures (pcap or pcapng).

  tests/fuzz/seeds.py OUTDIR CAPTURE...

Writes, per capture (name stem S), into OUTDIR/<target>/:
  link/S-N.bin     frames in fuzz_link's format (a byte picking the link type, then
                   the frame) for a few distinct frames;
  sip/S-N.sip      UDP payloads and TCP segment payloads that start like SIP;
  defrag/S-N.bin   the IP fragments of one datagram in fuzz_defrag's raw-record form;
  pcap/S.pcap      the capture cut to its first 40 packets (classic pcap, same link).
Python standard library only; the captures' provenance stays in their MANIFEST.tsv
and tests/fuzz/corpus/MANIFEST.tsv lists what was taken from where.
"""
import os
import struct
import sys

# fuzz_link.c's dlts[]: byte 0 of an input is an index into this list.
LINK_INDEX = {0: 0, 1: 1, 12: 2, 14: 3, 101: 4, 108: 5, 113: 6, 228: 7, 229: 8, 276: 9}


def read_capture(path):
    """Yields (linktype, frame bytes) for each packet; pcap (either byte order, µs/ns)
    or pcapng (EPB/SPB over any number of interfaces)."""
    data = open(path, "rb").read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = "<" if magic[0] in (0xd4, 0x4d) else ">"
        lt = struct.unpack(e + "I", data[20:24])[0] & 0x0fffffff
        off = 24
        while off + 16 <= len(data):
            incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
            yield lt, data[off + 16:off + 16 + incl], data[off:off + 16], e
            off += 16 + incl
    elif magic == b"\x0a\x0d\x0d\x0a":
        off, e, ifs = 0, "<", []
        while off + 12 <= len(data):
            bt = struct.unpack(e + "I", data[off:off + 4])[0]
            if bt == 0x0a0d0d0a:
                e = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
                ifs = []
            blen = struct.unpack(e + "I", data[off + 4:off + 8])[0]
            if blen < 12:
                break
            body = data[off + 8:off + blen - 4]
            if bt == 1:
                ifs.append(struct.unpack(e + "H", body[:2])[0])
            elif bt == 6 and ifs:
                iface, _, _, cap, _ = struct.unpack(e + "IIIII", body[:20])
                if iface < len(ifs):
                    yield ifs[iface], body[20:20 + cap], None, e
            off += blen
    else:
        raise SystemExit("%s: not a pcap or pcapng capture" % path)


def ip_of(lt, f):
    """(version, IP bytes) behind the link header, or None."""
    if lt == 1:
        et, off = struct.unpack(">H", f[12:14])[0], 14
        while et in (0x8100, 0x88a8) and len(f) >= off + 4:
            et, off = struct.unpack(">H", f[off + 2:off + 4])[0], off + 4
    elif lt == 113:
        et, off = struct.unpack(">H", f[14:16])[0], 16
    elif lt == 276:
        et, off = struct.unpack(">H", f[0:2])[0], 20
    elif lt in (101, 12, 14, 228, 229):
        off = 0
        et = 0x86dd if f and f[0] >> 4 == 6 else 0x0800
    elif lt in (0, 108):
        off = 4
        et = 0x86dd if len(f) > 4 and f[4] >> 4 == 6 else 0x0800
    else:
        return None
    if et == 0x0800:
        return 4, f[off:]
    if et == 0x86dd:
        return 6, f[off:]
    return None


def l4_payloads(ver, ip):
    """Yields the UDP/TCP payload of an unfragmented packet."""
    if ver == 4 and len(ip) >= 20:
        ihl = (ip[0] & 15) * 4
        flags = struct.unpack(">H", ip[6:8])[0]
        if flags & 0x3fff:
            return
        proto, l4 = ip[9], ip[ihl:struct.unpack(">H", ip[2:4])[0]]
    elif ver == 6 and len(ip) >= 40:
        proto, l4 = ip[6], ip[40:]
    else:
        return
    if proto == 17 and len(l4) >= 8:
        yield l4[8:]
    elif proto == 6 and len(l4) >= 20:
        yield l4[(l4[12] >> 4) * 4:]


def is_fragment(ver, ip):
    if ver == 4 and len(ip) >= 20:
        return struct.unpack(">H", ip[6:8])[0] & 0x3fff != 0
    return ver == 6 and len(ip) >= 40 and ip[6] == 44


SIP_STARTS = (b"INVITE ", b"ACK ", b"BYE ", b"CANCEL ", b"OPTIONS ", b"REGISTER ", b"PRACK ",
              b"UPDATE ", b"INFO ", b"SUBSCRIBE ", b"NOTIFY ", b"MESSAGE ", b"REFER ", b"SIP/2.0 ")


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    out = sys.argv[1]
    for t in ("link", "sip", "defrag", "pcap"):
        os.makedirs(os.path.join(out, t), exist_ok=True)
    for path in sys.argv[2:]:
        stem = os.path.basename(path).split(".")[0]
        pkts = list(read_capture(path))
        links, sips, frags = {}, [], []
        for lt, f, _, _ in pkts:
            ip = ip_of(lt, f)
            key = (lt, len(f) // 256, ip[0] if ip else 0)
            if lt in LINK_INDEX and key not in links and len(links) < 4:
                links[key] = bytes([LINK_INDEX[lt]]) + f
            if not ip:
                continue
            if is_fragment(*ip):
                frags.append(ip[1])
            for pl in l4_payloads(*ip):
                if pl.startswith(SIP_STARTS) and len(sips) < 6 and \
                        not any(s[:12] == pl[:12] for s in sips):
                    sips.append(pl)
        for i, fr in enumerate(links.values()):
            open(os.path.join(out, "link", "%s-%d.bin" % (stem, i)), "wb").write(fr)
        for i, s in enumerate(sips):
            open(os.path.join(out, "sip", "%s-%d.sip" % (stem, i)), "wb").write(s)
        if frags:
            # fuzz_defrag raw records: 0x40 | bit 0 (IPv6), 16-bit length, the fragment
            rec = b"".join(bytes([0x40 | (1 if fr[0] >> 4 == 6 else 0)]) + struct.pack(">H", len(fr)) + fr
                           for fr in frags[:8])
            open(os.path.join(out, "defrag", "%s-0.bin" % stem), "wb").write(rec)
        # classic pcap, first 40 packets (only pcap inputs keep their record headers)
        if pkts and pkts[0][2] is not None:
            e = pkts[0][3]
            data = open(path, "rb").read()
            head = data[:24]
            body = b"".join(h + f for _, f, h, _ in pkts[:40])
            open(os.path.join(out, "pcap", "%s.pcap" % stem), "wb").write(head + body)


if __name__ == "__main__":
    main()
