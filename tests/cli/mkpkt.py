#!/usr/bin/env python3
"""Writes one raw IP packet file for the tbr-xlat CLI tests.

usage: mkpkt.py OUT v6|v4 SRC DST udp|tcp|echo|echoreply [options]
  --sport N --dport N --id N --len N (payload bytes) --ttl N --nodf --flags N
Checksums are computed here, independently of the translator.
"""
import argparse
import ipaddress
import struct


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("family", choices=["v4", "v6"])
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("kind", choices=["udp", "tcp", "echo", "echoreply"])
    ap.add_argument("--sport", type=lambda v: int(v, 0), default=5000)
    ap.add_argument("--dport", type=lambda v: int(v, 0), default=53)
    ap.add_argument("--id", type=lambda v: int(v, 0), default=0x1234)
    ap.add_argument("--len", type=lambda v: int(v, 0), default=8)
    ap.add_argument("--ttl", type=lambda v: int(v, 0), default=64)
    ap.add_argument("--nodf", action="store_true")
    ap.add_argument("--flags", type=lambda v: int(v, 0), default=0x02)
    ap.add_argument("--ipid", type=lambda v: int(v, 0), default=0x1234, help="IPv4 identification")
    ap.add_argument("--seq", type=lambda v: int(v, 0), default=1, help="ICMP echo sequence")
    a = ap.parse_args()
    v6 = a.family == "v6"
    src = ipaddress.ip_address(a.src).packed
    dst = ipaddress.ip_address(a.dst).packed
    payload = bytes((i * 7) & 0xFF for i in range(a.len))
    if a.kind == "udp":
        proto = 17
        l4 = struct.pack("!HHHH", a.sport, a.dport, 8 + len(payload), 0) + payload
        coff = 6
    elif a.kind == "tcp":
        proto = 6
        l4 = struct.pack("!HHIIBBHHH", a.sport, a.dport, 1, 0, 0x50, a.flags, 8192, 0, 0) + payload
        coff = 16
    else:
        proto = 58 if v6 else 1
        if a.kind == "echo":
            t = 128 if v6 else 8
        else:
            t = 129 if v6 else 0
        l4 = struct.pack("!BBHHH", t, 0, 0, a.id, a.seq) + payload
        coff = 2
    if v6:
        pseudo = src + dst + struct.pack("!IxxxB", len(l4), proto)
    elif proto == 1:
        pseudo = b""
    else:
        pseudo = src + dst + struct.pack("!xBH", proto, len(l4))
    c = csum(pseudo + l4)
    if proto == 17 and c == 0:
        c = 0xFFFF
    l4 = l4[:coff] + struct.pack("!H", c) + l4[coff + 2:]
    if v6:
        hdr = struct.pack("!IHBB", 6 << 28, len(l4), proto, a.ttl) + src + dst
    else:
        flags = 0 if a.nodf else 0x4000
        hdr = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(l4), a.ipid, flags, a.ttl, proto, 0) + src + dst
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    with open(a.out, "wb") as f:
        f.write(hdr + l4)


if __name__ == "__main__":
    main()
