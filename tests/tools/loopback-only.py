#!/usr/bin/env python3
"""Checks that every IP packet of a pcap (Ethernet, any byte order, µs or ns) carries
only loopback addresses (127.0.0.0/8, ::1), as the project's rule for replaying
traffic in live tests demands. Exit 0 when they all do; 1 with the first offender."""
import ipaddress
import struct
import sys


def main(path):
    data = open(path, "rb").read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        sys.exit(f"{path}: not a pcap file")
    if struct.unpack(e + "I", data[20:24])[0] != 1:
        sys.exit(f"{path}: not Ethernet")
    off, n = 24, 0
    while off + 16 <= len(data):
        caplen = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        n += 1
        p = 12
        etype = struct.unpack(">H", frame[p:p + 2])[0]
        while etype in (0x8100, 0x88A8):
            p += 4
            etype = struct.unpack(">H", frame[p:p + 2])[0]
        ip = frame[p + 2:]
        if etype == 0x0800:
            addrs = [ip[12:16], ip[16:20]]
        elif etype == 0x86DD:
            addrs = [ip[8:24], ip[24:40]]
        else:
            continue
        for a in addrs:
            if not ipaddress.ip_address(a).is_loopback:
                sys.exit(f"{path}: packet {n} carries {ipaddress.ip_address(a)}, not a loopback address")
    print(f"{path}: {n} packets, loopback addresses only")


main(sys.argv[1])
