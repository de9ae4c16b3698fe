#!/usr/bin/env python3
"""Writes the committed seed corpora of the fuzz harnesses that have one
(fuzz/corpus/<name>/, one binary input per file; input formats in the
harnesses' opening comments). Run from anywhere: python3 fuzz/corpus/gen.py

The MLE plaintexts are what the nodes of fuzz_thread.c exchange while the
network forms (dumped with FUZZ_THREAD_SEEDS=dir ./fuzz_mle_node <input>);
the RLOC16s and ML-EIDs below are that network's (deterministic).
"""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def put(name, files):
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    for old in os.listdir(d):
        os.remove(os.path.join(d, old))
    for fname, data in files.items():
        with open(os.path.join(d, fname), "wb") as f:
            f.write(data)


def h(s):
    return bytes.fromhex(s.replace(" ", ""))


# ---- mle_node: [target][ctl][len][plaintext]... --------------------------------------

PARENT_REQ = h("0901010f030823b078aa998fe9950e018012020004")
CHILD_ID_REQ = h("0b04081b4eddc0795f545705040000000008040000000101010f0204000000f0"
                 "120200040d030a0c0916080000000000010000")
ADVERTISEMENT = h("0400026c000b08041d3ed94023ce1b090aaf000000100000000001")
DATA_RESPONSE = h("0800026c000b08041d3ed94023ce1b160800000000000100000c0608040b024cba")
PARENT_RESPONSE = h("0a00026c000b08041d3ed94023ce1b050400000000080400000003040823b078aa"
                    "998fe99503081b4eddc0795f54571001500f0a0000000000af0105000112020004")
CHILD_ID_RESP = h("0c00026c000b08041d3ed94023ce1b160800000000000100000a026c020c060804"
                  "0b024cba090aaf00000010000000000118430e080000000000010000000300000f"
                  "0102123402080102030405060708051000112233445566778899aabbccddeeff07"
                  "08fd000db8aaaabbbb03087462722d66757a7a")
CHILD_UPDATE_REQ = h("0d 01010f 0204000000f0 0308a1a2a3a4a5a6a7a8")
# Mode, Timeout, Address Registration (one entry: context 0 + the member's IID)
CHILD_UPDATE_REQ_ADDR = h("0d 01010b 0204000000f0 1309 80 514a3b117722900f")
DATA_REQ = h("07 0d020c16")


def msg(ctl, plain):
    return bytes([ctl, len(plain) if len(plain) < 255 else 255]) + plain


mle = {
    # what the child sends its parent, heard by the leader
    "leader-parent-request": b"\x00" + msg(0xc0, PARENT_REQ),
    "leader-child-id-request": b"\x00" + msg(0x84, CHILD_ID_REQ),
    "leader-child-update": b"\x00" + msg(0x80, CHILD_UPDATE_REQ),
    "leader-child-update-keyseq1": b"\x00" + msg(0x90, CHILD_UPDATE_REQ),
    "leader-data-request": b"\x00" + msg(0x80, DATA_REQ),
    # a stranger attaches, then keeps alive and registers an address
    "leader-stranger-attach": b"\x00" + msg(0xc1, PARENT_REQ) + msg(0x85, CHILD_ID_REQ)
    + msg(0x81, bytes.fromhex("0d01010b0204000000f0")),
    "leader-member-update": b"\x00" + msg(0x82, CHILD_UPDATE_REQ_ADDR),
    "leader-member-sleepy": b"\x00" + msg(0x82, h("0d 010100")),
    "leader-advertisement": b"\x00" + msg(0xc0, ADVERTISEMENT),
    # what the leader sends its child, heard by the child
    "child-advertisement": b"\x01" + msg(0xc0, ADVERTISEMENT),
    "child-data-response": b"\x01" + msg(0xc0, DATA_RESPONSE),
    "child-data-response-unicast": b"\x01" + msg(0x80, DATA_RESPONSE),
    "child-update-request": b"\x01" + msg(0x80, bytes([13]) + DATA_RESPONSE[1:]),
    "child-update-response": b"\x01" + msg(0x80, bytes([14]) + DATA_RESPONSE[1:]),
    "child-update-status": b"\x01" + msg(0x80, h("0e 00026c00 110101")),
    "child-parent-response": b"\x01" + msg(0x84, PARENT_RESPONSE),
    "child-id-response": b"\x01" + msg(0x80, CHILD_ID_RESP),
    "child-keyseq2": b"\x01" + msg(0xa0, DATA_RESPONSE),
    "child-replay": b"\x01" + msg(0x80, DATA_RESPONSE) + msg(0x88, DATA_RESPONSE),
}

# ---- tmf: [target][ctl][arg][len][bytes]... -------------------------------------------

LEADER_MLEID = h("fd000db8aaaabbbbf1f48c67a039356a")
CHILD_MLEID = h("fd000db8aaaabbbb1545f835a152bfde")
MEMBER_MLEID = h("fd000db8aaaabbbb514a3b117722900f")
MEMBER_EXT = h("1e557aa63c004201")


def rec(ctl, arg, b):
    return bytes([ctl, arg, len(b)]) + b


def tlv(t, v):
    return bytes([t, len(v)]) + v


def nd_prefix(prefix, plen, subs):
    v = bytes([0, plen]) + prefix[: (plen + 7) // 8] + subs
    return bytes([(1 << 1) | 1, len(v)]) + v


BR_CHILD = bytes([(2 << 1) | 1, 4]) + struct.pack(">HH", 0x6C01, 0x3100)
HR_MEMBER = bytes([(0 << 1) | 1, 3]) + struct.pack(">HB", 0x6C02, 0x20)
ND_CHILD = nd_prefix(h("fd00123456780000"), 64, BR_CHILD)
ND_MEMBER = nd_prefix(h("0064ff9b0000000000000000"), 96, HR_MEMBER)
SD_CHILD = tlv(10, ND_CHILD) + tlv(2, struct.pack(">H", 0x6C01))
SD_MEMBER = tlv(10, ND_MEMBER) + tlv(2, struct.pack(">H", 0x6C02))
AQ = lambda eid: tlv(0, eid)  # noqa: E731
AN_CHILD = tlv(0, CHILD_MLEID) + tlv(2, struct.pack(">H", 0x6C01)) + tlv(3, CHILD_MLEID[8:])
# CON POST, mid 0x1234, token abcd, Uri-Path "a" "aq", payload
RAW_AQ = h("42 02 1234 abcd b1 61 02 6171 ff") + tlv(0, LEADER_MLEID)

tmf = {
    "leader-aq": b"\x00" + rec(0xC0, 0x20, AQ(LEADER_MLEID)),
    "leader-aq-mcast": b"\x00" + rec(0xE1, 0x28, AQ(CHILD_MLEID)),
    "leader-sd-child": b"\x00" + rec(0xC0, 0x25, SD_CHILD),
    "leader-sd-member": b"\x00" + rec(0xC1, 0x25, SD_MEMBER),
    "leader-sd-dup": b"\x00" + rec(0xC0, 0x25, SD_CHILD) + rec(0xC0, 0x35, SD_CHILD),
    "leader-sd-withdraw": b"\x00" + rec(0xC0, 0x25, SD_CHILD)
    + rec(0xC0, 0x25, tlv(2, struct.pack(">H", 0x6C01))),
    "leader-as": b"\x00" + rec(0xC1, 0x23, tlv(1, MEMBER_EXT) + tlv(4, b"\x00")),
    "leader-an": b"\x00" + rec(0xC0, 0x21, AN_CHILD),
    "leader-unknown-uri": b"\x00" + rec(0xC0, 0x26, b""),
    "leader-raw": b"\x00" + rec(0x80, 0x00, RAW_AQ),
    "leader-aloc": b"\x00" + rec(0xF0, 0x20, AQ(MEMBER_MLEID)),
    "child-aq": b"\x01" + rec(0xC0, 0x20, AQ(CHILD_MLEID)) + rec(0x80, 0x01, b""),
    "child-an": b"\x01" + rec(0xC0, 0x21, AN_CHILD),
    "child-sd": b"\x01" + rec(0xC0, 0x25, SD_CHILD),
}

# ---- settings: [mode][file or records] --------------------------------------------------

DATASET = (tlv(14, h("0000000000010000")) + tlv(0, h("00000f")) + tlv(1, h("1234"))
           + tlv(2, h("0102030405060708")) + tlv(5, h("00112233445566778899aabbccddeeff"))
           + tlv(7, h("fd000db8aaaabbbb")) + tlv(3, b"tbr-fuzz"))


def network_info(role, rloc16, mle_fc, mac_fc):
    return struct.pack(">BBHIIII8s8sH", role, 0x0B, rloc16, 0, mle_fc, mac_fc, 0x12345678,
                       h("2a1f3e4d5c6b7a09"), h("0102030405060708"), 4)


def child_info(ext, rloc16):
    return ext + struct.pack(">HBIH", rloc16, 0x0B, 240, 4)


def settings_file(recs):
    body = b"".join(struct.pack(">HH", k, len(v)) + v for k, v in recs)
    img = b"TBRS" + struct.pack(">HHIHH", 1, 0, len(body), len(recs), 0) + body
    return img + struct.pack(">I", zlib.crc32(img))


def records(recs):
    return b"".join(bytes([sel, len(v)]) + v for sel, v in recs)


LEADER_NI = network_info(4, 0x6C00, 5000, 7000)
CHILD_NI = network_info(2, 0x6C01, 300, 400)
KIDS = [child_info(h("1545f835a152bfde"), 0x6C01), child_info(MEMBER_EXT, 0x6C02)]
GOOD = settings_file([(1, DATASET), (3, LEADER_NI)] + [(5, k) for k in KIDS])
bad_crc = bytearray(GOOD)
bad_crc[-1] ^= 1

settings = {
    "file-leader": b"\x04" + GOOD,
    "file-empty": b"\x00" + settings_file([]),
    "file-bad-crc": b"\x00" + bytes(bad_crc),
    "file-truncated": b"\x00" + GOOD[:40],
    "file-bad-magic": b"\x00" + b"TBRX" + GOOD[4:],
    "patched-leader": b"\x05" + GOOD[:-4] + b"\0\0\0\0",
    "records-leader": b"\x06" + records([(0, DATASET), (1, LEADER_NI), (2, KIDS[0]), (3, KIDS[1])]),
    "records-child": b"\x06" + records([(0, DATASET), (1, CHILD_NI)]),
    "records-no-dataset": b"\x06" + records([(1, LEADER_NI)]),
    "records-vendor": b"\x02" + records([(0xf9, b"\x01\xc0\xa8\xff\x00\x18"), (6, b"\x01")]),
}

# ---- ctl_socket: [mode][seed][stream] ----------------------------------------------------

ctl = {
    "bytewise": b"\x00\x01" + b"state\nping 192.0.2.1\n\n  \t\nipaddr\r\nversion",
    "deferred": b"\x05\x02" + b"ping fd00::1 8 3\nstate\nstate\nrloc16\n",
    "errors": b"\x0a\x03" + b"bogus cmd\r\n\r\nthread start\n",
    "too-long": b"\x7c\x04" + b"a" * 1100 + b"\nstate\n",
    "too-long-crlf": b"\x13\x08" + b"b" * 1025 + b"\r\nc\n",
    "exact-limit": b"\x3f\x05" + b"x" * 1024 + b"\r\nstate\n",
    "too-long-last": b"\x21\x09" + b"state\n" + b"z" * 1025,
    "nul": b"\x07\x06" + b"ab\x00cd\nstate\n\x00\n",
    "mixed": b"\xfb\x07" + b"dataset init new\ndataset commit active\nifconfig up\n"
    b"thread start\n\xff\xfe binary \x01\x02\nstate",
}

# ---- sim_radio: [channel][loss][from][len][datagram]... ---------------------------------

PSDU = h("41d8013412ffff0100000000000000007f33f01100000000000000000000") + b"\x55\xaa"


def dg(frm, b):
    return bytes([frm, len(b)]) + b


sim = {
    "one": b"\x04\x00" + dg(0x04, b"\x0f" + PSDU),
    "kinds": b"\x04\x00" + dg(0x04, b"\x0f" + PSDU) + dg(0x03, b"\x0f" + PSDU)
    + dg(0x01, b"\x0b" + PSDU) + dg(0x02, b"\x0f" + PSDU) + dg(0x00, b"\x0f") + dg(0x00, b""),
    "long": b"\x04\x00" + dg(0x04, b"\x0f" + b"\x42" * 127) + dg(0x04, b"\x0f" + b"\x43" * 128)
    + dg(0x04, b"\x0f" + b"\x44" * 200),
    "burst": b"\x0f\x00" + b"".join(dg(0x04 | (i % 3), b"\x1a" + bytes([i]) * 5)
                                    for i in range(70)),
    "loss": b"\x04\x80" + b"".join(dg(0x04, b"\x0f" + bytes([i]) * 9) for i in range(20)),
}

put("mle_node", mle)
put("tmf", tmf)
put("settings", settings)
put("ctl_socket", ctl)
put("sim_radio", sim)

# ---- hdlc: a byte stream from an RCP; spinel: [mode] then a frame or chunks ----------
# Captured from ../shared/ot/ot-rcp (tests/vectors/hdlc/ot-rcp-probe.txt).

OT_RCP_STREAM = h("7e80060070ee747e 7e8106010403db0a7e 7e810605050c182281044041c1267e"
                  "7e81060818b4300000000001fac07e 7e810600097d33867e 7e81068b247f95ef7e")
RX_VALUE = h("1800619c423412f0debc9a7856341202007462722d726370a661ec8010000a000f00ff"
             "cc79b70200000001000005000000000000")
TXDONE_OK = h("0000010000008000000a000000000000000000000001000005000000000000")


def chunk(op, b):
    return bytes([op, len(b)]) + b


hdlc = {
    "ot-rcp": OT_RCP_STREAM,
    "escapes": h("7e807e7d1113f8207e") + OT_RCP_STREAM[:9] + h("7d7e 7e01027e"),
    "split": OT_RCP_STREAM[5:] + OT_RCP_STREAM[:20],
}
spinel = {
    "parse-rx": b"\x00" + h("800671") + RX_VALUE,
    "parse-txdone": b"\x00" + h("8f0600") + TXDONE_OK,
    "parse-caps": b"\x00" + h("810605050c182281044041"),
    "sm-rx": b"\x01" + chunk(1, h("800671") + RX_VALUE) + chunk(0, OT_RCP_STREAM),
    "sm-tx": b"\x01" + chunk(3, bytes(10)[:0]) + bytes([3, 80]) + bytes(80)
    + chunk(1, h("8f0600") + TXDONE_OK) + chunk(1, h("8f0600110001")),
    "sm-reset": b"\x01" + bytes([3, 80]) + bytes(80) + chunk(1, h("80060070"))
    + bytes([7, 9]) + bytes(9) + bytes([2, 200]),
    "sm-timeout": b"\x01" + bytes([3, 9]) + bytes(9) + bytes([2, 60]) + bytes([2, 60])
    + bytes([2, 255]),
    "sm-scan": b"\x01" + bytes([7, 14]) + bytes(14) + chunk(1, h("8006390bb5")),
}

put("hdlc", hdlc)
put("spinel", spinel)

# ---- mesh_header: [config][frame] --------------------------------------------------------
# The frames of tests/vectors/lowpan_mesh (RFC 4944 forms, OT's mesh frames),
# each once in Thread mode (config 0x01) and once in RFC mode framed with its
# own header (0x08).

VEC = os.path.join(HERE, "..", "..", "tests", "vectors", "lowpan_mesh")
mesh = {}
for vf in sorted(os.listdir(VEC)):
    if not vf.endswith(".txt"):
        continue
    name, n = None, 0
    for line in open(os.path.join(VEC, vf)):
        w = line.split(None, 1)
        if not w or w[0].startswith("#"):
            continue
        if w[0] == "case":
            name, n = w[1].strip(), 0
        elif w[0] in ("frame", "out") and len(w) > 1:
            n += 1
            fr = h(w[1].strip())
            mesh["%s-%d-thread" % (name, n)] = b"\x01" + fr
            mesh["%s-%d-rfc" % (name, n)] = b"\x08" + fr
put("mesh_header", mesh)

# fuzz_route64: records flags | link margin | len | Route64 TLV value (the
# harness's table: router 17 of {3, 10, 17, 40, 62}, ID sequence 0x85).
def r64(flags, margin, value):
    return bytes([flags, margin, len(value)]) + value


def r64_value(seq, routes):
    mask = bytearray(8)
    for rid in routes:
        mask[rid // 8] |= 0x80 >> (rid % 8)
    return bytes([seq]) + bytes(mask) + bytes(routes[rid] for rid in sorted(routes))


LINE = {3: 0xF1, 10: 0x01, 17: 0xF1, 40: 0x02, 62: 0x03}
TICK = r64(0xB0, 0, b"")
route64 = {
    "from-10": r64(0x09, 40, r64_value(0x85, LINE)),
    "from-40-newer": r64(0x0B, 40, r64_value(0x86, {3: 0x05, 17: 0x51, 40: 0x01, 62: 0xF1})),
    "drops-me": r64(0x09, 40, r64_value(0x86, {3: 0xF1, 10: 0x01, 40: 0x02})),
    "stranger": r64(0x05, 30, r64_value(0x86, {1: 0x01, 3: 0x02, 17: 0x00})),
    "link-request": r64(0x00, 20, r64_value(0x85, {3: 0x01, 10: 0xF1, 17: 0x00, 40: 0, 62: 0})),
    "ages-out": r64(0x09, 40, r64_value(0x85, LINE)) + TICK * 6 + r64(0x10, 0, b"") * 4,
    "leader": r64(0x70, 0, b"") + TICK * 5,
    "many-ids": r64(0x09, 40, r64_value(0x86, {i: 0x01 for i in range(0, 63, 2)})),
    "too-many": r64(0x09, 40, r64_value(0x86, {i: 0x01 for i in range(33)})),
}
put("route64", route64)

# ---- mac_filter: [opcode, arg(, rss)]... 0xff [PSDU without FCS] ------------------------------

def mf_frame(src):
    """A 2006 data frame, AR, PAN 0x1234, to short 0x1800, from src (8 bytes
    ext or 2 bytes short), payload 'hi'."""
    fcf = 0x9861 if len(src) == 2 else 0xd861  # data, AR, PAN compression, dst short
    return struct.pack("<HBHH", fcf, 7, 0x1234, 0x1800) + src[::-1] + b"hi"


def mf_rss(k, rss):
    """`rss add`: address k's RSS-in to rss."""
    return bytes([3, k, rss & 0xff])


MF_EXT3 = h("d29596e8f3cdbe03")
mac_filter = {
    # list 3 with an RSS of -95, deny; a frame from 3 (dropped)
    "deny-ext": h("0003") + mf_rss(3, -95) + h("0802") + b"\xff" + mf_frame(MF_EXT3),
    # allow 3 only, default RSS -50; a frame from short 3 (resolved, passes)
    "allow-short": h("0003 0801 05ce") + b"\xff" + mf_frame(h("0003")),
    # fill the table (40 addresses), remove some, iterate and apply
    "table": bytes(b for k in range(40) for b in (0, k)) + h("0105 0a00 0a01 0905 0328 0a01"),
    "rss-none": mf_rss(3, -20) + mf_rss(3, 127) + h("0400 0503 057f 0903 0a01"),
}
put("mac_filter", mac_filter)
