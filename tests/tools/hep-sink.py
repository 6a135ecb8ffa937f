#!/usr/bin/env python3
"""A HEP3 collector for the tests, written from the specification independently of
probe/hep.c: listens on 127.0.0.1:PORT (UDP) and writes one JSON object per message
received to OUT (chunks by name, payload as text). Prints "ready" on stdout once
bound, and stops after IDLE seconds without a message (once one came) or after MAX
seconds in all.

    hep-sink.py PORT OUT [IDLE] [MAX]
"""
import json
import socket
import struct
import sys
import time

NAMES = {1: "family", 2: "ip_proto", 3: "src", 4: "dst", 5: "src", 6: "dst", 7: "sport", 8: "dport",
         9: "ts_sec", 10: "ts_usec", 11: "proto_type", 12: "capture_id", 14: "auth_key", 15: "payload",
         17: "correlation_id"}


def decode(d):
    if d[:4] != b"HEP3":
        raise ValueError("no HEP3 magic")
    total = struct.unpack(">H", d[4:6])[0]
    if total != len(d):
        raise ValueError("total length %d, datagram %d" % (total, len(d)))
    out, off, order = {}, 6, []
    while off < total:
        vendor, ctype, clen = struct.unpack(">HHH", d[off:off + 6])
        if clen < 6 or off + clen > total:
            raise ValueError("bad chunk length")
        v = d[off + 6:off + clen]
        off += clen
        if vendor != 0:
            raise ValueError("vendor chunk %d/%d" % (vendor, ctype))
        order.append(ctype)
        name = NAMES.get(ctype, "type_%d" % ctype)
        if ctype in (1, 2, 11):
            out[name] = v[0]
        elif ctype in (7, 8):
            out[name] = struct.unpack(">H", v)[0]
        elif ctype in (9, 10, 12):
            out[name] = struct.unpack(">I", v)[0]
        elif ctype in (3, 4, 5, 6):
            out[name] = socket.inet_ntop(socket.AF_INET if len(v) == 4 else socket.AF_INET6, v)
        else:
            out[name] = v.decode("utf-8", "replace")
    out["chunk_order"] = order
    return out


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    idle = float(sys.argv[3]) if len(sys.argv) > 3 else 2.0
    limit = float(sys.argv[4]) if len(sys.argv) > 4 else 30.0
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(("127.0.0.1", port))
    print("ready", flush=True)
    start, last, n = time.time(), None, 0
    with open(path, "w") as out:
        while True:
            now = time.time()
            if now - start > limit or (last is not None and now - last > idle):
                break
            s.settimeout(0.2)
            try:
                d = s.recv(70000)
            except socket.timeout:
                continue
            last = time.time()
            try:
                rec = decode(d)
            except ValueError as e:
                rec = {"error": str(e)}
            out.write(json.dumps(rec) + "\n")
            n += 1
    print("received %d" % n, flush=True)


if __name__ == "__main__":
    main()
