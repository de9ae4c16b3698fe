#!/usr/bin/env python3
"""Forges one MAC-secured 802.15.4 data frame carrying a 6LoWPAN mesh header
(RFC 4944 §5.2) and puts it on the simulated radio (the UDP multicast group
OpenThread's simulation and tbr-node's sim_radio share), as if a neighbour
router had sent it. Test support for test_multihop.sh's hostile mesh headers.

  mesh_inject.py DATASET_HEX SRC_RLOC16 SRC_EXT DST_RLOC16 FRAME_COUNTER \
                 ORIG_RLOC16 FINAL_RLOC16 HOPS_LEFT [truncate]

The MAC key is derived from the dataset's network key (Thread 1.3 §7.1.4:
HMAC-SHA256(key, key sequence 0 || "Thread"), second half), the frame is
secured with AES-CCM* level 5 (4-byte MIC, key id mode 1, key index 1), the
nonce is the claimed sender's extended address || frame counter || 5.
PORT_OFFSET / PORT_BASE as the nodes use them. "truncate" sends the mesh
header cut after its dispatch byte.
"""
import os
import socket
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESCCM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcap_counters import crc16_kermit, thread_keys  # noqa: E402


def tlvs(data):
    i = 0
    while i + 2 <= len(data):
        t, n = data[i], data[i + 1]
        yield t, data[i + 2:i + 2 + n]
        i += 2 + n


def main():
    a = sys.argv[1:]
    if len(a) < 8:
        sys.exit(__doc__)
    ds = bytes.fromhex(a[0])
    src, ext, dst = int(a[1], 16), bytes.fromhex(a[2]), int(a[3], 16)
    fc, orig, final, hops = int(a[4]), int(a[5], 16), int(a[6], 16), int(a[7])
    truncate = len(a) > 8 and a[8] == "truncate"
    info = dict(tlvs(ds))
    # Network Key (5), Channel (0: page, channel), PAN ID (1).
    key, panid = info[5], struct.unpack(">H", info[1])[0]
    channel = struct.unpack(">H", info[0][1:3])[0]
    mac_key = thread_keys(key, 0)[1]

    # Mesh header, V=F=1; hops left >= 15 escapes to the deep form.
    if hops < 15:
        mesh = bytes([0xb0 | hops])
    else:
        mesh = bytes([0xbf, hops])
    mesh += struct.pack(">HH", orig, final)
    # IPHC (TF=11, NH inline, HLIM 64, SAM=DAM=11 from the mesh addresses),
    # next header 58, an ICMPv6 echo request.
    payload = mesh + bytes([0x7a, 0x33, 58, 128, 0, 0, 0, 0x12, 0x34, 0, 1])
    if truncate:
        payload = bytes([0xbf])

    fcf = 0x0001 | 0x0008 | 0x0040 | (2 << 10) | (1 << 12) | (2 << 14)
    aux = bytes([0x0D]) + struct.pack("<I", fc) + bytes([1])
    hdr = struct.pack("<HBHHH", fcf, fc & 0xFF, panid, dst, src) + aux
    nonce = ext + struct.pack(">I", fc) + bytes([5])
    sealed = AESCCM(mac_key, tag_length=4).encrypt(nonce, payload, hdr)
    psdu = hdr + sealed
    psdu += struct.pack("<H", crc16_kermit(psdu))

    base = int(os.environ.get("PORT_BASE", "9000")) + int(os.environ.get("PORT_OFFSET", "0")) * 34
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
    s.bind(("127.0.0.1", 0))
    s.sendto(bytes([channel]) + psdu, ("224.0.0.116", base))


if __name__ == "__main__":
    main()
