#!/usr/bin/env python3
"""Frame counters sent by one node, read from tbr-node --pcap captures.

  pcap_counters.py [--min-secured N[,N..]] [--min-mle N[,N..]] --key NETWORKKEY --ext EXTADDR --rloc16 RLOC16 \
      RUN1.pcap [RUN2.pcap ...]

Decodes every 802.15.4 frame (LINKTYPE_IEEE802_15_4_WITHFCS) in the given
captures, keeps those whose MAC source is the node (its extended address as
`extaddr` prints it, or its RLOC16) and collects

  * the MAC frame counter of each secured frame (aux security header), after
    decrypting it with the MAC key (the MIC must verify);
  * the MLE frame counter (MLE aux header at the start of the UDP payload to
    port 19788) of each MLE message, from plaintext or decrypted MAC payloads
    (FRAG1 included; FRAGN carries no MLE header).

Retransmissions are byte-identical PSDUs within one run, so exact duplicates
inside a run count once. Across runs (the node killed and restarted in
between) no counter may appear twice, and every counter of a later run must
be above every counter of the runs before it. Also: every FCS is right, every
frame parses, and every secured frame from the node decrypts.

Prints one line per run and per check; exit 0 when all checks hold, 1 when
one fails, 2 on usage/decoding errors, 77 when the `cryptography` module is
missing.
"""
import argparse
import hashlib
import hmac
import struct
import sys

try:
    from cryptography.hazmat.primitives.ciphers.aead import AESCCM
except ImportError:  # pragma: no cover
    print("python3 module 'cryptography' missing: cannot decrypt", file=sys.stderr)
    sys.exit(77)

MLE_PORT = 19788
LINKTYPE_WITHFCS = 195


class DecodeError(Exception):
    pass


def crc16_kermit(data):
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise DecodeError(f"{path}: shorter than a pcap header")
    magic = struct.unpack_from("<I", data, 0)[0]
    if magic != 0xA1B2C3D4:
        raise DecodeError(f"{path}: magic {magic:#x}, want a1b2c3d4 little-endian")
    linktype = struct.unpack_from("<I", data, 20)[0]
    if linktype != LINKTYPE_WITHFCS:
        raise DecodeError(f"{path}: link type {linktype}, want {LINKTYPE_WITHFCS}")
    off = 24
    frames = []
    while off < len(data):
        if off + 16 > len(data):
            raise DecodeError(f"{path}: truncated record header at byte {off}")
        _sec, _usec, incl, orig = struct.unpack_from("<IIII", data, off)
        off += 16
        if incl != orig or incl > 127 or off + incl > len(data):
            raise DecodeError(f"{path}: bad record at byte {off - 16} (incl {incl} orig {orig})")
        frames.append(data[off:off + incl])
        off += incl
    return frames


def thread_keys(network_key, key_seq):
    d = hmac.new(network_key, struct.pack(">I", key_seq) + b"Thread", hashlib.sha256).digest()
    return d[:16], d[16:]  # MLE key, MAC key


def parse_mac(psdu):
    """Returns a dict: type, seq, src (('ext', hex) / ('short', int) / None),
    secured, hdr_len (incl. aux header), fc, level, key_index."""
    if len(psdu) < 5:
        raise DecodeError("frame shorter than 5 bytes")
    fcf = psdu[0] | psdu[1] << 8
    ftype = fcf & 7
    secured = bool(fcf & 0x8)
    pan_comp = bool(fcf & 0x40)
    dst_mode = (fcf >> 10) & 3
    version = (fcf >> 12) & 3
    src_mode = (fcf >> 14) & 3
    if version >= 2:
        raise DecodeError(f"frame version {version} (only 2003/2006 expected)")
    off = 3
    if dst_mode:
        off += 2 + (2 if dst_mode == 2 else 8)
    if src_mode and not pan_comp:
        off += 2
    src = None
    if src_mode == 2:
        src = ("short", psdu[off] | psdu[off + 1] << 8)
        off += 2
    elif src_mode == 3:
        src = ("ext", psdu[off:off + 8][::-1].hex())
        off += 8
    elif src_mode == 1:
        raise DecodeError("reserved source address mode")
    m = {"type": ftype, "seq": psdu[2], "src": src, "secured": secured,
         "fc": None, "level": 0, "key_index": None}
    if secured:
        sc = psdu[off]
        m["level"] = sc & 7
        kim = (sc >> 3) & 3
        m["fc"] = struct.unpack_from("<I", psdu, off + 1)[0]
        off += 5
        if kim != 1:
            raise DecodeError(f"MAC key id mode {kim} (Thread uses 1)")
        m["key_index"] = psdu[off]
        off += 1
    if off > len(psdu) - 2:
        raise DecodeError("MAC header longer than the frame")
    m["hdr_len"] = off
    return m


def iphc_udp_payload(p):
    """Given a 6LoWPAN frame (MAC payload), returns (dport, udp payload) when
    it starts an IPv6/UDP datagram (plain IPHC or FRAG1+IPHC), else None."""
    off = 0
    if len(p) == 0:
        return None
    if p[0] & 0xC0 == 0x80:  # mesh header: not used by Thread here
        raise DecodeError("6LoWPAN mesh header")
    if p[0] & 0xF8 == 0xE0:  # FRAGN
        return None
    if p[0] & 0xF8 == 0xC0:  # FRAG1
        off = 4
    if off >= len(p) or p[off] & 0xE0 != 0x60:
        return None  # not IPHC (e.g. 0x41 uncompressed IPv6 is not used)
    b0, b1 = p[off], p[off + 1]
    off += 2
    tf = (b0 >> 3) & 3
    nh = (b0 >> 2) & 1
    hlim = b0 & 3
    cid = (b1 >> 7) & 1
    sac = (b1 >> 6) & 1
    sam = (b1 >> 4) & 3
    mcast = (b1 >> 3) & 1
    dac = (b1 >> 2) & 1
    dam = b1 & 3
    off += cid
    off += {0: 4, 1: 3, 2: 1, 3: 0}[tf]
    next_hdr = None
    if not nh:
        next_hdr = p[off]
        off += 1
    if hlim == 0:
        off += 1
    if sac:
        off += {0: 0, 1: 8, 2: 2, 3: 0}[sam]
    else:
        off += {0: 16, 1: 8, 2: 2, 3: 0}[sam]
    if mcast:
        if dac:
            if dam != 0:
                raise DecodeError("reserved IPHC M=1 DAC=1 DAM")
            off += 6
        else:
            off += {0: 16, 1: 6, 2: 4, 3: 1}[dam]
    else:
        if dac and dam == 0:
            raise DecodeError("reserved IPHC DAC=1 DAM=00")
        off += {0: 16, 1: 8, 2: 2, 3: 0}[dam]
    if not nh:
        if next_hdr != 17:
            return None
        if off + 8 > len(p):
            raise DecodeError("short inline UDP header")
        dport = p[off + 2] << 8 | p[off + 3]
        return dport, p[off + 8:]
    # NHC chain: extension headers, then UDP.
    while True:
        if off >= len(p):
            raise DecodeError("NHC past the end")
        h = p[off]
        if h & 0xF0 == 0xE0:  # NHC-EXT
            ext_nh = h & 1
            off += 1
            if not ext_nh:
                inline_nh = p[off]
                off += 1
            ln = p[off]
            off += 1 + ln
            if not ext_nh:
                if inline_nh != 17:
                    return None
                if off + 8 > len(p):
                    raise DecodeError("short inline UDP header")
                return p[off + 2] << 8 | p[off + 3], p[off + 8:]
            continue
        if h & 0xF8 == 0xF0:  # NHC-UDP
            c = (h >> 2) & 1
            pp = h & 3
            off += 1
            if pp == 0:
                dport = p[off + 2] << 8 | p[off + 3]
                off += 4
            elif pp == 1:
                dport = 0xF000 | p[off + 2]
                off += 3
            elif pp == 2:
                dport = p[off + 1] << 8 | p[off + 2]
                off += 3
            else:
                dport = 0xF0B0 | (p[off] & 0xF)
                off += 1
            if not c:
                off += 2
            if off > len(p):
                raise DecodeError("short NHC-UDP header")
            return dport, p[off:]
        return None  # other NHC (not expected from Thread)


def mle_counter(udp_payload):
    """(key_source, frame counter) of a secured MLE message, None if it is not
    secured (0xff suite: discovery)."""
    if len(udp_payload) < 1:
        raise DecodeError("empty MLE payload")
    if udp_payload[0] == 0xFF:
        return None
    if udp_payload[0] != 0x00:
        raise DecodeError(f"MLE security suite {udp_payload[0]:#x}")
    sc = udp_payload[1]
    kim = (sc >> 3) & 3
    if sc & 7 != 5 or kim != 2:
        raise DecodeError(f"MLE security control {sc:#x} (want 0x15)")
    fc = struct.unpack_from("<I", udp_payload, 2)[0]
    key_source = struct.unpack_from(">I", udp_payload, 6)[0]
    return key_source, fc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--key", required=True, help="network key, 32 hex digits")
    ap.add_argument("--ext", required=True, help="the node's extended address (extaddr)")
    ap.add_argument("--rloc16", required=True, help="the node's RLOC16, hex")
    ap.add_argument("--min-secured", default="1",
                    help="N[,N...]: run i must hold at least the i-th N MAC-secured frames "
                         "from the node (the last N applies to further runs)")
    ap.add_argument("--min-mle", default="1",
                    help="N[,N...]: the same for MLE messages from the node")
    ap.add_argument("pcaps", nargs="+")
    a = ap.parse_args()
    nkey = bytes.fromhex(a.key)
    ext = a.ext.lower()
    ext_bytes = bytes.fromhex(ext)
    rloc16 = int(a.rloc16, 16)
    min_secured = [int(v) for v in a.min_secured.split(",")]
    min_mle = [int(v) for v in a.min_mle.split(",")]
    failed = 0

    def check(ok, what):
        nonlocal failed
        print(("PASS: " if ok else "FAIL: ") + what)
        if not ok:
            failed += 1

    mac_seen = {}  # (key_index, fc) -> run
    mle_seen = {}  # (key_source, fc) -> run
    mac_reused, mle_reused = [], []
    prev_mac_max = prev_mle_max = -1
    for run, path in enumerate(a.pcaps, 1):
        try:
            frames = read_pcap(path)
        except (OSError, DecodeError) as e:
            print(f"FAIL: {e}")
            return 2
        bad_fcs = bad_parse = bad_mic = 0
        uniq = set()
        mine = secured = mle = 0
        mac_fcs, mle_fcs = [], []
        for i, psdu in enumerate(frames):
            if crc16_kermit(psdu[:-2]) != (psdu[-2] | psdu[-1] << 8):
                bad_fcs += 1
                print(f"  {path} frame {i + 1}: FCS wrong: {psdu.hex()}")
                continue
            try:
                m = parse_mac(psdu)
                if m["src"] not in (("ext", ext), ("short", rloc16)):
                    continue
                if psdu in uniq:
                    continue  # a retransmission: the same bytes again
                uniq.add(psdu)
                mine += 1
                payload = psdu[m["hdr_len"]:-2]
                if m["secured"]:
                    if m["level"] != 5:
                        raise DecodeError(f"MAC security level {m['level']}")
                    secured += 1
                    _, mac_key = thread_keys(nkey, (m["key_index"] - 1) & 0x7F)
                    nonce = ext_bytes + struct.pack(">IB", m["fc"], 5)
                    try:
                        payload = AESCCM(mac_key, tag_length=4).decrypt(
                            nonce, payload, psdu[:m["hdr_len"]])
                    except Exception:
                        bad_mic += 1
                        print(f"  {path} frame {i + 1}: MAC MIC does not verify: {psdu.hex()}")
                        continue
                    key = (m["key_index"], m["fc"])
                    mac_fcs.append(m["fc"])
                    if key in mac_seen:
                        mac_reused.append((run, i + 1, m["fc"], mac_seen[key]))
                    else:
                        mac_seen[key] = run
                if m["type"] != 1:
                    continue
                u = iphc_udp_payload(payload)
                if u is None or u[0] != MLE_PORT:
                    continue
                c = mle_counter(u[1])
                if c is None:
                    continue
                mle += 1
                mle_fcs.append(c[1])
                if c in mle_seen:
                    mle_reused.append((run, i + 1, c[1], mle_seen[c]))
                else:
                    mle_seen[c] = run
            except (DecodeError, IndexError, struct.error) as e:
                bad_parse += 1
                print(f"  {path} frame {i + 1}: cannot decode ({e}): {psdu.hex()}")
        rng = lambda v: f"{min(v)}..{max(v)}" if v else "-"
        print(f"run {run} ({path}): {len(frames)} frames, {mine} distinct from the node, "
              f"{secured} MAC-secured (counters {rng(mac_fcs)}), {mle} MLE (counters {rng(mle_fcs)})")
        check(bad_fcs == 0 and bad_parse == 0,
              f"run {run}: all {len(frames)} frames have a right FCS and decode "
              f"({bad_fcs} bad FCS, {bad_parse} undecodable)")
        check(bad_mic == 0, f"run {run}: all {secured} secured frames of the node decrypt "
              f"with the MAC key (MIC ok; {bad_mic} failed)")
        want_sec = min_secured[min(run, len(min_secured)) - 1]
        want_mle = min_mle[min(run, len(min_mle)) - 1]
        check(secured >= want_sec,
              f"run {run}: at least {want_sec} MAC-secured frames from the node ({secured})")
        check(mle >= want_mle, f"run {run}: at least {want_mle} MLE messages from the node ({mle})")
        if run > 1:
            check(not mac_fcs or min(mac_fcs) > prev_mac_max,
                  f"run {run}: MAC counters start above all earlier ones "
                  f"({rng(mac_fcs)} after max {prev_mac_max})")
            check(not mle_fcs or min(mle_fcs) > prev_mle_max,
                  f"run {run}: MLE counters start above all earlier ones "
                  f"({rng(mle_fcs)} after max {prev_mle_max})")
        prev_mac_max = max([prev_mac_max] + mac_fcs)
        prev_mle_max = max([prev_mle_max] + mle_fcs)
    for r, i, fc, first in mac_reused[:10]:
        print(f"  MAC frame counter {fc} reused: run {r} frame {i}, first in run {first}")
    for r, i, fc, first in mle_reused[:10]:
        print(f"  MLE frame counter {fc} reused: run {r} frame {i}, first in run {first}")
    check(not mac_reused, f"no MAC frame counter sent twice across {len(a.pcaps)} runs "
          f"({len(mac_seen)} distinct, {len(mac_reused)} reused)")
    check(not mle_reused, f"no MLE frame counter sent twice across {len(a.pcaps)} runs "
          f"({len(mle_seen)} distinct, {len(mle_reused)} reused)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
