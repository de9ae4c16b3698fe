#!/usr/bin/env python3
"""Writes the MPL vectors of this folder (README.md says what each holds).

An independent model of what OpenThread emits (src/core/net/ip6.cpp
AddMplOption, InsertMplOption, PrepareMulticastToLargerThanRealmLocal,
RemoveMplOption; ip6_mpl.cpp InitOption), written from OT's source in
Python so that the C code is checked against a second reading.
Run from anywhere: python3 tests/vectors/mpl/gen.py
"""
import ipaddress
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

ML_PREFIX = bytes.fromhex("fd8ac0042ff7edce")
RLOC16 = 0x1801
ML_RLOC = ML_PREFIX + bytes.fromhex("000000fffe00") + struct.pack(">H", RLOC16)
ML_EID = ML_PREFIX + bytes.fromhex("9304df0b4fcacacf")
ALL_MPL = ipaddress.IPv6Address("ff03::fc").packed


def a(s):
    return ipaddress.IPv6Address(s).packed


def option(s, seq, seed=b"", m=0, v=0):
    return bytes([0x6D, 2 + len(seed), s << 6 | m << 5 | v << 4, seq]) + seed


def pad(n):
    """PadOption::InitForPadSize: Pad1 for 1 byte, else PadN of zeros."""
    if n == 0:
        return b""
    if n == 1:
        return b"\x00"
    return bytes([1, n - 2]) + bytes(n - 2)


def pad_to8(size):
    """PadOption::InitToPadHeaderWithSize."""
    r = size % 8
    return pad(8 - r) if r else b""


def init_option(src, seq):
    """Mpl::InitOption: seed elided when src is the ML-RLOC."""
    if src == ML_RLOC:
        return option(0, seq)
    return option(1, seq, struct.pack(">H", RLOC16))


def ip6(src, dst, nh, payload, hop=64, tc_flow=b"\x60\x00\x00\x00"):
    return tc_flow + struct.pack(">HBB", len(payload), nh, hop) + src + dst + payload


def udp(sport, dport, data):
    return struct.pack(">HHHH", sport, dport, 8 + len(data), 0x1234) + data


def insert_mpl(pkt, seq):
    """Ip6::InsertMplOption."""
    nh, src, dst = pkt[6], pkt[8:24], pkt[24:40]
    payload = pkt[40:]
    if dst[0] != 0xFF or (dst[1] & 0xF) < 3:
        return pkt
    if (dst[1] & 0xF) > 3:
        opt = init_option(ML_RLOC, seq)  # the tunnel's source
        hbh = bytes([41, 0]) + opt + pad_to8(2 + len(opt))
        return ip6(ML_RLOC, ALL_MPL, 0, hbh + pkt)
    opt = init_option(src, seq)
    if nh == 0:
        size = (payload[1] + 1) * 8
        hbh = bytes([payload[0], payload[1] + 1]) + payload[2:size]
        hbh += opt + pad_to8(len(opt))
        return pkt[:4] + struct.pack(">H", len(payload) + 8) + pkt[6:40] + hbh + payload[size:]
    hbh = bytes([nh, 0]) + opt + pad_to8(2 + len(opt))
    return pkt[:4] + struct.pack(">HB", len(payload) + 8, 0) + pkt[7:40] + hbh + payload


def hexs(b):
    return b.hex()


def write(name, head, lines):
    with open(os.path.join(HERE, name), "w") as f:
        f.write(head)
        for l in lines:
            f.write(l + "\n")


def options():
    lines = []
    for s, seq, seed, m in [
        (0, 0, b"", 0),
        (0, 255, b"", 1),
        (1, 0x2A, bytes.fromhex("1801"), 0),
        (1, 0x80, bytes.fromhex("fc00"), 1),
        (2, 7, bytes.fromhex("0011223344556677"), 0),
        (3, 200, bytes(range(16)), 1),
    ]:
        lines.append("opt %d %d 0 %d %s %s" % (s, m, seq, hexs(seed) or "-", hexs(option(s, seq, seed, m))))
    # decode failures: reason, bytes
    bad = [
        ("no_option", "6e020000"),
        ("opt_malformed", "6d"),
        ("opt_malformed", "6d04400012"),  # says 4, has 3
        ("opt_length", "6d0100"),  # data shorter than control + sequence
        ("opt_length", "6d03400012"),  # S=1 needs 4
        ("opt_length", "6d0400000000"),  # S=0 with 2 seed bytes
        ("opt_length", "6d06800001020304"),  # S=2 needs 10
        ("v_flag", "6d021000"),
        ("v_flag", "6d0450011801"),
    ]
    for why, h in bad:
        lines.append("bad %s %s" % (why, h))
    # reserved bits ignored on reception (RFC 7731 §6.1)
    lines.append("opt 0 0 0 9 - 6d020f09 rsv")
    write("options.txt", """# MPL Option TLVs (RFC 7731 §6.1), written by gen.py.
# opt S M V SEQ SEED(hex or -) BYTES [rsv]: encode gives BYTES, decode gives the fields
#   ("rsv": reserved bits set in BYTES: decode only, they are ignored)
# bad REASON BYTES: mpl_option_decode refuses with that mpl_drop name
""", lines)


def encap():
    data = bytes.fromhex("5202")
    aq = bytes.fromhex("4cd813d4b161026171ff0010") + ML_PREFIX + bytes.fromhex("9304df0b4fcacacf")
    cases = []
    # OT's own a/aq from the capture (attach-ftd-child.vec frame 16): from the ML-RLOC
    coap = udp(61631, 61631, bytes.fromhex("5202") + aq)
    orig = bytes.fromhex("61c00000") + struct.pack(">HBB", len(coap), 17, 64) + ML_RLOC + a("ff03::2")
    # the checksum in the capture: keep the captured UDP header bytes
    cap = bytes.fromhex(
        "61c00000002e0040fd8ac0042ff7edce000000fffe001801ff03000000000000000000000000000211006d0200000100"
        "f0bff0bf0026ec4452024cd813d4b161026171ff0010fd8ac0042ff7edce9304df0b4fcacacf")
    orig = cap[:4] + struct.pack(">HB", 0x26, 17) + cap[7:40] + cap[48:]
    assert insert_mpl(orig, 0) == cap
    cases.append(("ot-capture-aq", 0, orig))
    u = udp(1234, 5683, b"hello")
    cases.append(("realm-from-ml-eid", 0x2A, ip6(ML_EID, a("ff03::1"), 17, u)))
    cases.append(("realm-seq-255", 255, ip6(ML_RLOC, a("ff03::1"), 17, u)))
    # existing Hop-by-Hop header (8 bytes: PadN 6) and a 16-byte one with a router alert
    hbh8 = bytes([17, 0]) + pad(6)
    cases.append(("realm-existing-hbh", 3, ip6(ML_EID, a("ff03::1"), 0, hbh8 + u)))
    hbh16 = bytes([17, 1]) + bytes([5, 2, 0, 0]) + pad(10)
    cases.append(("realm-existing-hbh16-rloc", 4, ip6(ML_RLOC, a("ff03::2"), 0, hbh16 + u)))
    echo = bytes.fromhex("8000abcd12340001") + b"ping"
    cases.append(("admin-ff04-tunnel", 5, ip6(ML_EID, a("ff04::123"), 58, echo, hop=5)))
    cases.append(("global-ff0e-tunnel", 6, ip6(a("2001:db8::1"), a("ff0e::1"), 17, u)))
    cases.append(("site-ff05-tunnel-hbh", 7, ip6(ML_EID, a("ff05::fb"), 0, hbh8 + u)))
    cases.append(("link-ff02-unchanged", 8, ip6(a("fe80::1"), a("ff02::1"), 17, u)))
    cases.append(("unicast-unchanged", 9, ip6(ML_EID, ML_RLOC, 17, u)))
    cases.append(("ff32-link-unchanged", 10, ip6(ML_EID, a("ff32:40:fd8a:c004:2ff7:edce::1"), 17, u)))
    cases.append(("ff33-realm-all-thread", 11, ip6(ML_RLOC, a("ff33:40:fd8a:c004:2ff7:edce::1"), 17, u)))
    lines = ["identity %s %04x" % (hexs(ML_RLOC), RLOC16)]
    for name, seq, pkt in cases:
        lines.append("encap %s %d %s %s" % (name, seq, hexs(pkt), hexs(insert_mpl(pkt, seq))))
    # removal that is neither "whole header" nor "last 8 bytes"
    opt = option(1, 1, struct.pack(">H", RLOC16))
    mid = ip6(ML_EID, a("ff03::1"), 0, bytes([17, 1]) + opt + pad(8) + u)
    mid_out = ip6(ML_EID, a("ff03::1"), 0, bytes([17, 1]) + pad(6) + pad(8) + u)
    lines.append("strip mpl-mid-16 %s %s" % (hexs(mid), hexs(mid_out)))
    after = ip6(ML_RLOC, a("ff03::1"), 0, bytes([17, 0]) + option(0, 1) + bytes([0x1e, 0]) + u)
    after_out = ip6(ML_RLOC, a("ff03::1"), 0, bytes([17, 0]) + pad(4) + bytes([0x1e, 0]) + u)
    lines.append("strip other-after %s %s" % (hexs(after), hexs(after_out)))
    before = ip6(ML_RLOC, a("ff03::1"), 0, bytes([17, 1]) + bytes([5, 2, 0, 0]) + pad(2) + option(1, 2, b"\x18\x01") + pad(2) + u)
    before_out = ip6(ML_RLOC, a("ff03::1"), 0, bytes([17, 0]) + bytes([5, 2, 0, 0]) + pad(2) + u)
    lines.append("strip shrink-after-alert %s %s" % (hexs(before), hexs(before_out)))
    # decapsulation failures
    tun = insert_mpl(ip6(ML_EID, a("ff05::1"), 17, u), 1)
    bad = [
        ("ip6_header", cap[:39]),
        ("ip6_header", b"\x40" + cap[1:]),
        ("ip6_header", cap[:4] + b"\x00\x2f" + cap[6:]),
        ("no_option", orig),
        ("no_option", ip6(ML_RLOC, a("ff03::1"), 0, hbh8 + u)),
        ("hbh_truncated", ip6(ML_RLOC, a("ff03::1"), 0, bytes([17, 1]) + pad(6))),
        ("opt_malformed", ip6(ML_RLOC, a("ff03::1"), 0, bytes([17, 0, 0x6D, 9, 0, 0, 0, 0]) + u)),
        ("multiple", ip6(ML_RLOC, a("ff03::1"), 0, bytes([17, 1]) + option(0, 1) + option(0, 2) + pad(6) + u)),
        ("opt_unknown", ip6(ML_RLOC, a("ff03::1"), 0, bytes([17, 0]) + option(0, 1) + bytes([0x5e, 0]) + u)),
        ("v_flag", ip6(ML_RLOC, a("ff03::1"), 0, bytes([17, 0]) + option(0, 1, v=1) + pad(2) + u)),
        ("opt_length", ip6(ML_RLOC, a("ff03::1"), 0, bytes([17, 0, 0x6D, 4, 0, 1]) + pad(2) + u)),
        ("seed_unsupported", ip6(ML_RLOC, a("ff03::1"), 0, bytes([17, 1]) + option(2, 1, bytes(8)) + pad(2) + u)),
        ("tunnel_dst", tun[:24] + a("ff03::1") + tun[40:]),
        ("inner", tun[:4] + struct.pack(">H", 8 + 39) + tun[6:48 + 39]),
        ("inner", tun[:48] + b"\x40" + tun[49:]),
        ("inner", tun[:52] + b"\x00\xff" + tun[54:]),
    ]
    for why, pkt in bad:
        lines.append("bad %s %s" % (why, hexs(pkt)))
    write("encap.txt", """# Encapsulation vectors (ip6.cpp InsertMplOption / RemoveMplOption), written by gen.py.
# identity ML_RLOC RLOC16: the node's mesh-local RLOC and RLOC16
# encap NAME SEQ IN OUT: mpl_encapsulate with sequence SEQ gives OUT, and
#   mpl_decapsulate(OUT) gives IN back (unchanged cases: nothing to remove)
# strip NAME IN OUT: mpl_decapsulate removes the option from IN giving OUT
# bad REASON IN: mpl_decapsulate refuses with that mpl_drop name
""", lines)


if __name__ == "__main__":
    options()
    encap()
