#!/usr/bin/env bash
# Regenerates the stateful NAT64 packet vectors in this folder with
# tests/cli/mkpkt.py, which builds every packet (and its checksums) on its
# own, without the translator. Each case: an input and the packet the
# translator must emit for it. See manifest.tsv.
set -euo pipefail
cd "$(dirname "$0")"
mk="python3 ../../cli/mkpkt.py"
D=fd00::1
P=64:ff9b::
# The codelab's ping: echo request out (hop limit 64 -> TTL 63; DF=0 and a
# generated ID since it is small, RFC 7915 §5.1), echo reply back.
$mk ping-6to4.in.pkt v6 $D ${P}192.0.2.1 echo --id 0x4d2 --seq 1 --len 8
$mk ping-6to4.out.pkt v4 192.168.255.254 192.0.2.1 echo --id 0x4d2 --seq 1 --len 8 --ttl 63 --nodf --ipid 0
$mk ping-4to6.in.pkt v4 192.0.2.1 192.168.255.254 echoreply --id 0x4d2 --seq 1 --len 8 --ttl 50
$mk ping-4to6.out.pkt v6 ${P}192.0.2.1 $D echoreply --id 0x4d2 --seq 1 --len 8 --ttl 49
# UDP (a DNS query and its answer), ports kept.
$mk udp-6to4.in.pkt v6 $D ${P}192.0.2.53 udp --sport 49152 --dport 53 --len 29
$mk udp-6to4.out.pkt v4 192.168.255.254 192.0.2.53 udp --sport 49152 --dport 53 --len 29 --ttl 63 --nodf --ipid 0
$mk udp-4to6.in.pkt v4 192.0.2.53 192.168.255.254 udp --sport 53 --dport 49152 --len 45 --ttl 64
$mk udp-4to6.out.pkt v6 ${P}192.0.2.53 $D udp --sport 53 --dport 49152 --len 45 --ttl 63
# TCP handshake to the codelab's nc listener.
$mk tcp-6to4.in.pkt v6 $D ${P}192.0.2.2 tcp --sport 50000 --dport 12345 --flags 2 --len 0
$mk tcp-6to4.out.pkt v4 192.168.255.254 192.0.2.2 tcp --sport 50000 --dport 12345 --flags 2 --len 0 --ttl 63 --nodf --ipid 0
$mk tcp-4to6.in.pkt v4 192.0.2.2 192.168.255.254 tcp --sport 12345 --dport 50000 --flags 18 --len 0 --ttl 64
$mk tcp-4to6.out.pkt v6 ${P}192.0.2.2 $D tcp --sport 12345 --dport 50000 --flags 18 --len 0 --ttl 63
# A second device gets the next pool address (OpenThread hands out from the top).
$mk dev2-6to4.in.pkt v6 fd00::2 ${P}192.0.2.1 udp --sport 7 --dport 7 --len 4
$mk dev2-6to4.out.pkt v4 192.168.255.253 192.0.2.1 udp --sport 7 --dport 7 --len 4 --ttl 63 --nodf --ipid 0
