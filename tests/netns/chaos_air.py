#!/usr/bin/env python3
"""Frame counters on the simulated air, for tests/netns/test_chaos.sh.

  chaos_air.py capture PORT_BASE OUT     (in the namespace whose loopback
                                          carries the sim radio; until killed)
  chaos_air.py check [--control] --key NETWORKKEY OUT

capture: joins the sim radio's multicast group (224.0.0.116:PORT_BASE on
127.0.0.1, as every node does: SO_REUSEADDR + SO_REUSEPORT) and writes one
line per datagram, "SENDER_PORT HEX_PSDU" (the datagram is a channel byte
and the PSDU; the sender's UDP source port is PORT_BASE + its node id, so
it names the process across restarts). A frame the kernel drops for a full
buffer is only missing from the check, never a false finding.

check: for every sender, every MAC-secured frame (aux security header) is
decrypted with the MAC key derived from the network key, as
tests/thread/pcap_counters.py does (its decoders are reused; the nonce uses
the sender's extended address, learnt from its frames with an extended
source), and the MLE frame counter of every secured MLE message is read.
A (sender, key index, MAC frame counter) or (sender, key source, MLE frame
counter) seen with two different frames is a reused counter (AES-CCM*
nonce reuse); byte-identical frames are retransmissions and count once.
Prints PASS/FAIL lines; exit 0 when no counter is reused and every secured
frame decrypts, 1 otherwise, 77 without the `cryptography` module.
--control adds one forged frame, the first secured frame with another
plaintext sealed again under the same counter (what a reuse looks like on
the air): the check must then fail.
"""
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "thread"))
import pcap_counters as pc  # noqa: E402  (exits 77 without `cryptography`)

GROUP = "224.0.0.116"


def capture(port_base, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind((GROUP, port_base))
    mreq = socket.inet_aton(GROUP) + socket.inet_aton("127.0.0.1")
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    with open(out, "w", buffering=1) as f:
        print("ready", flush=True)
        while True:
            d, (_, sport) = s.recvfrom(2048)
            if len(d) > 1:
                f.write(f"{sport} {d[1:].hex()}\n")


def forge(nkey, frames):
    """A frame reusing the counter of the first secured frame whose sender's
    extended address is known: its plaintext changed, sealed again."""
    ext_of = {}
    for sport, psdu in frames:
        try:
            m = pc.parse_mac(psdu)
        except pc.DecodeError:
            continue
        if m["src"] is not None and m["src"][0] == "ext":
            ext_of[sport] = bytes.fromhex(m["src"][1])
        if not m["secured"] or sport not in ext_of or m["level"] != 5:
            continue
        _, mac_key = pc.thread_keys(nkey, (m["key_index"] - 1) & 0x7F)
        nonce = ext_of[sport] + struct.pack(">IB", m["fc"], 5)
        hdr = psdu[:m["hdr_len"]]
        ccm = pc.AESCCM(mac_key, tag_length=4)
        try:
            plain = bytearray(ccm.decrypt(nonce, psdu[m["hdr_len"]:-2], hdr))
        except Exception:
            continue
        if not plain:
            continue
        plain[-1] ^= 0xFF
        body = hdr + ccm.encrypt(nonce, bytes(plain), hdr)
        return sport, body + struct.pack("<H", pc.crc16_kermit(body))
    return None


def check(key_hex, path, control=False):
    nkey = bytes.fromhex(key_hex)
    frames = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                frames.append((int(parts[0]), bytes.fromhex(parts[1])))
    if control:
        forged = forge(nkey, frames)
        if forged is None:
            print("FAIL: no secured frame to forge a reuse from")
            return 2
        frames.append(forged)
    ext_of = {}  # sender port -> extended address (bytes, nonce order)
    mac_seen, mle_seen = {}, {}  # (sender, key, fc) -> frame bytes (without FCS)
    mac_reused, mle_reused = [], []
    secured = mle = undecoded = bad_mic = 0
    senders = set()
    for sport, psdu in frames:
        body = psdu[:-2]
        try:
            m = pc.parse_mac(psdu)
        except pc.DecodeError:
            undecoded += 1  # e.g. a 2015 frame (enhanced ACK): no counter of ours
            continue
        senders.add(sport)
        if m["src"] is not None and m["src"][0] == "ext":
            ext_of[sport] = bytes.fromhex(m["src"][1])
        payload = psdu[m["hdr_len"]:-2]
        if m["secured"]:
            ext = ext_of.get(sport)
            if ext is None or m["level"] != 5:
                undecoded += 1
                continue
            _, mac_key = pc.thread_keys(nkey, (m["key_index"] - 1) & 0x7F)
            nonce = ext + struct.pack(">IB", m["fc"], 5)
            try:
                payload = pc.AESCCM(mac_key, tag_length=4).decrypt(
                    nonce, payload, psdu[:m["hdr_len"]])
            except Exception:
                bad_mic += 1
                print(f"  sender {sport}: MAC MIC does not verify: {psdu.hex()}")
                continue
            secured += 1
            k = (sport, m["key_index"], m["fc"])
            if k in mac_seen and mac_seen[k] != body:
                mac_reused.append(k)
            mac_seen.setdefault(k, body)
        if m["type"] != 1:
            continue
        try:
            u = pc.iphc_udp_payload(payload)
            if u is None or u[0] != pc.MLE_PORT:
                continue
            c = pc.mle_counter(u[1])
        except pc.DecodeError:
            continue
        if c is None:
            continue
        mle += 1
        k = (sport, c[0], c[1])
        if k in mle_seen and mle_seen[k] != body:
            mle_reused.append(k)
        mle_seen.setdefault(k, body)
    print(f"{len(frames)} frames from {len(senders)} senders: {secured} MAC-secured "
          f"({len(mac_seen)} counters), {mle} secured MLE ({len(mle_seen)} counters), "
          f"{undecoded} without a counter of ours")
    failed = 0

    def result(ok, what):
        nonlocal failed
        print(("PASS: " if ok else "FAIL: ") + what)
        failed += 0 if ok else 1

    result(secured > 0 and mle > 0, "secured MAC frames and MLE messages on the air")
    result(not mac_reused, "no MAC frame counter sent twice with different frames"
           + (f" (reused: {mac_reused[:5]})" if mac_reused else ""))
    result(not mle_reused, "no MLE frame counter sent twice with different messages"
           + (f" (reused: {mle_reused[:5]})" if mle_reused else ""))
    result(bad_mic == 0, f"every secured frame decrypts ({bad_mic} do not)")
    return 1 if failed else 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "capture":
        capture(int(sys.argv[2]), sys.argv[3])
        return 0
    if len(sys.argv) == 5 and sys.argv[1] == "check" and sys.argv[2] == "--key":
        return check(sys.argv[3], sys.argv[4])
    if len(sys.argv) == 6 and sys.argv[1:4] == ["check", "--control", "--key"]:
        return check(sys.argv[4], sys.argv[5], control=True)
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
