#!/usr/bin/env python3
"""Small SIP/UDP capture writer for the hostile-input tests (tests/hostile.sh).

  sipcap.py inject OUT.pcap OUT.tsv
      calls whose Call-ID, display names, URIs, verstat and PASSporT claims hold quotes,
      SQL, spreadsheet formula prefixes, NUL and non-UTF-8 bytes, plus one INVITE with
      a 60 kB header line; OUT.tsv lists per call the Call-ID and the values that must
      be stored exactly, hex-encoded: call_id_hex, origid_hex, x5u_hex (empty = none)
  sipcap.py calls OUT.pcap N [--x5u URL ...] [--pace SECS-PER-100-CALLS]
      N complete calls (INVITE, 200, ACK, BYE, 200), one per second of capture time;
      with --x5u, call i carries an Identity header whose x5u is URL[i mod k] (the
      signature is not valid: for fetch tests only); OUT.pcap '-' writes to stdout,
      and --pace sleeps that long after every 100 calls (a slow producer on a pipe)

Python standard library only; Ethernet + IPv4 + UDP, classic pcap (µs).
"""
import base64
import json
import struct
import sys
import time

T0 = 1740830400  # 2025-03-01T12:00:00Z


def pcap_header():
    return struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def frame(src, dst, sport, dport, payload, ip_id):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), ip_id & 0xffff, 0, 64, 17, 0,
                     bytes(src), bytes(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    eth = b"\x00\x11\x22\x33\x44\x55" + b"\x66\x77\x88\x99\xaa\xbb" + b"\x08\x00"
    return eth + ip + udp


class Writer:
    def __init__(self, out):
        self.f = sys.stdout.buffer if out == "-" else open(out, "wb")
        self.f.write(pcap_header())
        self.n = 0

    def packet(self, t, src, dst, payload):
        """UDP datagrams over the MTU are sent as IPv4 fragments, as a host would."""
        self.n += 1
        sec, usec = int(t), int(round((t - int(t)) * 1e6))
        udp = struct.pack("!HHHH", 5060, 5060, 8 + len(payload), 0) + payload
        if len(udp) + 20 <= 1500:
            fr = frame(src, dst, 5060, 5060, payload, self.n)
            self.f.write(struct.pack("<IIII", sec, usec, len(fr), len(fr)) + fr)
            return
        step = 1480
        for off in range(0, len(udp), step):
            part = udp[off:off + step]
            more = 0x2000 if off + step < len(udp) else 0
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(part), self.n & 0xffff, more | (off // 8), 64,
                             17, 0, bytes(src), bytes(dst))
            ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
            fr = b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00" + ip + part
            self.f.write(struct.pack("<IIII", sec, usec, len(fr), len(fr)) + fr)

    def close(self):
        self.f.flush()
        if self.f is not sys.stdout.buffer:
            self.f.close()


A = (192, 0, 2, 10)
B = (198, 51, 100, 7)


def msg(start, headers, body=b""):
    out = start + b"\r\n"
    for h in headers:
        out += h + b"\r\n"
    out += b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    return out


def dialog(w, t, call_id, frm, to, ruri, extra=()):
    """INVITE / 200 / ACK / BYE / 200 of one call starting at t."""
    base = [b"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK" + str(int(t * 1000)).encode(),
            b"Max-Forwards: 70", b"From: " + frm + b";tag=a1", b"Call-ID: " + call_id]
    w.packet(t, A, B, msg(b"INVITE " + ruri + b" SIP/2.0",
                          base + [b"To: " + to, b"CSeq: 1 INVITE"] + list(extra)))
    w.packet(t + 0.05, B, A, msg(b"SIP/2.0 200 OK", base[:1] + base[2:] + [b"To: " + to + b";tag=b2",
                                                                          b"CSeq: 1 INVITE"]))
    w.packet(t + 0.06, A, B, msg(b"ACK " + ruri + b" SIP/2.0", base + [b"To: " + to + b";tag=b2", b"CSeq: 1 ACK"]))
    w.packet(t + 0.5, A, B, msg(b"BYE " + ruri + b" SIP/2.0", base + [b"To: " + to + b";tag=b2", b"CSeq: 2 BYE"]))
    w.packet(t + 0.55, B, A, msg(b"SIP/2.0 200 OK", base[:1] + base[2:] + [b"To: " + to + b";tag=b2",
                                                                           b"CSeq: 2 BYE"]))


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=")


def identity(x5u, origid=b"8f2c1a9e-0b7d-4c3e-9a51-2d6f7e8a9b01", orig=b"12025550101"):
    """A shaken PASSporT with the given x5u/origid (JSON-escaped as bytes allow) and a
    64-byte signature that is not valid: decodes, never verifies."""
    def js(b):  # JSON string of arbitrary bytes: \\u escapes for controls, bytes as they are
        out = b'"'
        for c in b:
            if c in (0x22, 0x5c):
                out += b"\\" + bytes([c])
            elif c < 0x20:
                out += b"\\u%04x" % c
            else:
                out += bytes([c])
        return out + b'"'
    hdr = b'{"alg":"ES256","ppt":"shaken","typ":"passport","x5u":' + js(x5u) + b"}"
    claims = (b'{"attest":"A","dest":{"tn":["12025550199"]},"iat":' + str(T0).encode() +
              b',"orig":{"tn":' + js(orig) + b'},"origid":' + js(origid) + b"}")
    tok = b64u(hdr) + b"." + b64u(claims) + b"." + b64u(bytes(range(64)))
    return b"Identity: " + tok + b";info=<" + x5u.replace(b">", b"%3E") + b">;alg=ES256;ppt=shaken"


def inject(out, tsv):
    w = Writer(out)
    rows = []
    nasty = [
        # (call-id, display name, user part, origid, x5u)
        (b'q"uote\'s"@inj', b'"Bob \\"the\\" Tables"', b"bob", b'orig"id', b"https://x.test/a\"b.pem"),
        (b"x'); DROP TABLE calls;--@inj", b"\"Robert'); DROP TABLE calls;--\"", b"'or'1'='1",
         b"1'); DELETE FROM passports;--", b"https://x.test/';DROP TABLE certificates;--.pem"),
        (b"=HYPERLINK(\"http://evil.test\",\"x\")@inj", b"\"=cmd|'/c calc'!A1\"", b"=1+1",
         b"=1+2", b"=HYPERLINK(\"http://evil.test\")"),
        (b"+SUM(A1:A9)@inj", b"\"+1\"", b"+sum", b"+origid", b"+https://x.test/p.pem"),
        (b"-2+3@inj", b"\"-1\"", b"-x", b"-origid", b"-https://x.test/m.pem"),
        (b"@SUM(1)@inj", b"\"@a\"", b"@b", b"@origid", b"@https://x.test/at.pem"),
        (b"nul\x00inside@inj", b"\"N\x00L\"", b"n\x00l", b"or\x00ig", b"https://x.test/n\x00l.pem"),
        (b"latin1-\xe9\xff\xfe@inj", b"\"\xc3\x28 bad\"", b"\xe9t\xe9", b"orig\xff\xfe", b"https://x.test/\xe9.pem"),
        (b"esc\x1b]0;pwned\x07\x1b[2Jclear\r\x08@inj", b"\"\x1b[31mred\"", b"esc", b"\x1b[1morigid", b"https://x.test/\x1b[0m.pem"),
        (b"tab\tand;semi,comma@inj", b"\"a,b\"", b"c;d", b"or,ig;id", b"https://x.test/a,b;c.pem"),
    ]
    t = T0
    for cid, disp, user, origid, x5u in nasty:
        frm = disp + b" <sip:" + user + b"@192.0.2.10>"
        dialog(w, t, cid, frm, b"<sip:12025550199@198.51.100.7>", b"sip:12025550199@198.51.100.7",
               [identity(x5u, origid), b"P-Asserted-Identity: " + disp + b" <sip:" + user +
                b"@192.0.2.10;verstat=" + user + b">"])
        rows.append((cid, origid, x5u))
        t += 1
    # One INVITE with a 60 kB header line (and a 60 kB Call-ID on another call).
    long_val = b"x" * 60000
    dialog(w, t, b"long-header@inj", b"<sip:12025550101@192.0.2.10>", b"<sip:12025550199@198.51.100.7>",
           b"sip:12025550199@198.51.100.7", [b"X-Long: " + long_val])
    rows.append((b"long-header@inj", b"", b""))
    t += 1
    dialog(w, t, b"L" * 60000, b"<sip:12025550101@192.0.2.10>", b"<sip:12025550199@198.51.100.7>",
           b"sip:12025550199@198.51.100.7")
    rows.append((b"L" * 60000, b"", b""))
    w.close()
    with open(tsv, "w") as f:
        for cid, origid, x5u in rows:
            f.write("%s\t%s\t%s\n" % (cid.hex(), origid.hex(), x5u.hex()))


def calls(out, n, x5us, pace):
    w = Writer(out)
    for i in range(n):
        extra = []
        if x5us:
            extra.append(identity(x5us[i % len(x5us)].encode()))
        dialog(w, T0 + i, b"bulk-%06d@load" % i, b"<sip:12025550101@192.0.2.10>",
               b"<sip:12025550199@198.51.100.7>", b"sip:12025550199@198.51.100.7", extra)
        if pace and i % 100 == 99:
            w.f.flush()
            time.sleep(pace)
    w.close()


def main():
    a = sys.argv[1:]
    if len(a) == 3 and a[0] == "inject":
        inject(a[1], a[2])
    elif len(a) >= 3 and a[0] == "calls":
        x5us, pace, i = [], 0.0, 3
        while i < len(a):
            if a[i] == "--x5u":
                x5us.append(a[i + 1])
            elif a[i] == "--pace":
                pace = float(a[i + 1])
            else:
                raise SystemExit(__doc__)
            i += 2
        try:
            calls(a[1], int(a[2]), x5us, pace)
        except BrokenPipeError:
            pass  # the reader was killed: that is the point of the crash test
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
