#!/usr/bin/env python3
"""Checks that a screenshot shows something: png-check.py FILE WIDTH HEIGHT [#rrggbb:MIN]...

Decodes the PNG (8-bit RGB/RGBA, not interlaced, as Chromium writes it) with the
standard library only, and fails unless it has the given size, at least 16 distinct
colours, and, for each #rrggbb:MIN, at least MIN pixels of that colour (each channel
within 3): the solid fills of the report's legend squares and bars, so a blank or
half-drawn page fails. Prints the counts.
"""
import struct
import sys
import zlib


def pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG")
    pos, idat, hdr = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        sys.exit(f"{path}: unsupported PNG (depth {depth}, colour type {ctype}, interlace {interlace})")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xFF
            elif f == 2:
                line[i] = (line[i] + b) & 0xFF
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    path, want_w, want_h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    want = []
    for spec in sys.argv[4:]:
        colour, minimum = spec.split(":")
        want.append((tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5)), int(minimum), colour))
    w, h, bpp, rows = pixels(path)
    problems = []
    if (w, h) != (want_w, want_h):
        problems.append(f"size {w}x{h}, expected {want_w}x{want_h}")
    counts = {}
    for line in rows:
        for x in range(0, len(line), bpp):
            px = line[x:x + 3]
            counts[px] = counts.get(px, 0) + 1
    print(f"size={w}x{h} colours={len(counts)}")
    if len(counts) < 16:
        problems.append(f"only {len(counts)} distinct colours: a blank page?")
    for rgb, minimum, name in want:
        n = sum(c for px, c in counts.items() if all(abs(px[i] - rgb[i]) <= 3 for i in range(3)))
        print(f"{name}={n}")
        if n < minimum:
            problems.append(f"{n} pixels of {name}, expected at least {minimum}")
    for p in problems:
        print(f"PROBLEM {p}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
