#!/usr/bin/env bash
# The border router's forwarding policy (docs/security/firewall.md), in
# network namespaces, against real tbr-agent, tbr-ctl and tbr-node:
#   - accept_ra reads 2 on the infrastructure interface while the agent runs
#     and is restored when it exits, with the policy table removed;
#   - an established NAT64 flow (device UDP to an IPv4 echo server, and a
#     ping) still works;
#   - the IPv4 host routes the NAT64 pool via the border router and tries
#     the device's live mapping on its own: a new UDP flow to the port the
#     device listens on, from the echo server's port and from another one,
#     and a ping: none reaches the device or the translator, each is counted
#     (firewall counters: to_thread_not_established);
#   - IPv6 from the infrastructure link with a Thread (OMR) source is
#     dropped and counted (to_thread_spoofed_src: "from Thread" is the input
#     interface, not the source prefix); to the mesh-local /64, counted as
#     to_thread_not_onmesh;
#   - the policy table flushed behind the agent's back is put back within
#     the re-check period and counted (firewall counters: reinstalls).
# usage: test_firewall.sh TBR_AGENT TBR_CTL TBR_NODE (root, python3; exit 77 skips)
AGENT=$1
CTL=$2
NODE=$3
TEST_NAME=test_firewall
KEEP_DIR=/tmp/tbr-firewall-kept
PORT_OFFSET=$((250 + $$ % 40))
NSBR=tbrwb-$$
NSV4=tbrwh-$$
VBR=tw$$b
VV4=tw$$h
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/lib.sh"
tbr_check_env
command -v python3 >/dev/null 2>&1 || skip "python3 is missing"
inh() { inv4 "$@"; }

tbr_topology 192.0.2.2/24 192.0.2.1/24
inbr sysctl -qw "net.ipv6.conf.$VBR.accept_ra=1"

# fwc NAME: the packets of one firewall counter (empty if unreadable).
fwc() {
    ctl firewall counters
    echo "$OUT" | sed -n "s/^$1: \([0-9]*\) packets .*/\1/p"
}
# udp4to6: the translator's UDP 4-to-6 packets (nat64 counters).
udp4to6() {
    ctl nat64 counters
    echo "$OUT" | awk -F'|' '$2 ~ /^ *UDP *$/ { gsub(/ /, "", $3); print $3; exit }'
}
# send4 SRC_PORT DST DST_PORT TEXT: one UDP datagram from the IPv4 host.
send4() {
    inh python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.1", int(sys.argv[1])))
s.sendto(sys.argv[4].encode(), (sys.argv[2], int(sys.argv[3])))
' "$@"
}

# ---- the border router, NAT64 and a device -----------------------------------------

start_agent
[ -S "$SOCK" ] && pass "agent listens on its control socket" ||
    fail "no control socket (agent log: $(oneline "$(tail -3 "$T/agent.log")"))"
RA=$(inbr cat "/proc/sys/net/ipv6/conf/$VBR/accept_ra")
[ "$RA" = 2 ] && pass "accept_ra reads 2 on $VBR" || fail "accept_ra on $VBR: $RA"
inbr nft list table inet tbr_fw >"$T/fw.nft" 2>&1 &&
    grep -q 'type filter hook forward priority filter; policy accept;' "$T/fw.nft" &&
    pass "the policy table inet tbr_fw is in place" || fail "no policy table: $(oneline "$(cat "$T/fw.nft")")"
form_network
nat64_up
start_node 2
join_device 2
wait_omr 2
[ -n "$OMR_ADDR" ] && pass "device has the NAT64 prefix and an OMR address $OMR_ADDR" ||
    fail "device netdata/ipaddr: $(oneline "$OUT")"
wait_nd 10 "^$OMRP paos" >/dev/null
for _ in $(seq 1 $((20 * SLOW))); do
    inbr nft list table inet tbr_fw | grep -q "ip6 daddr $OMRP accept" && break
    sleep 0.5
done
inbr nft list table inet tbr_fw | grep -q "oifname \"wpan0\" ip6 daddr $OMRP accept" &&
    pass "the policy lets in the on-mesh prefix $OMRP" ||
    fail "policy without $OMRP: $(oneline "$(inbr nft list table inet tbr_fw)")"

# ---- an established NAT64 flow works -------------------------------------------------

ip netns exec "$NSV4" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 5683))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(d, a)
' >/dev/null 2>&1 &
tbr_bg $!
sleep 0.3
node "udp open"
node "udp bind :: 4444"
[ "$RES" = Done ] && pass "device: udp bind :: 4444" || fail "udp bind: $RES"
got=
for i in 1 2 3; do
    node "udp send 192.0.2.1 5683 hello$i"
    wait_file 5 "$T/nout2" " 5683 hello$i\$" && got=1 && break
done
[ -n "$got" ] && pass "established NAT64 UDP flow: the echo came back ($(grep -m1 ' 5683 hello' "$T/nout2"))" ||
    fail "no echo through NAT64: $(oneline "$(tail -4 "$T/nout2")")"
node "ping 192.0.2.1 8 2 0.3" 15
echo "$OUT" | grep -q "2 packets transmitted, 2 packets received" &&
    pass "established NAT64 ICMP: device pings 192.0.2.1" || fail "device ping: $(oneline "$OUT")"
ctl nat64 mappings
MAPPED=$(echo "$OUT" | awk -F'|' -v a="$OMR_ADDR" '{ x = $3; gsub(/ /, "", x) } x == a { gsub(/ /, "", $4); print $4; exit }')
case $MAPPED in
192.168.255.*) pass "the device's mapping: $OMR_ADDR -> $MAPPED" ;;
*) fail "no mapping for $OMR_ADDR: $(oneline "$OUT")" ;;
esac

# ---- the IPv4 host goes for the mapping on its own -------------------------------------

inh ip route add 192.168.255.0/24 via 192.0.2.2
base_drop=$(fwc to_thread_not_established)
base_udp=$(udp4to6)
[ -n "$base_drop" ] && pass "firewall counters: to_thread_not_established $base_drop" || {
    ctl firewall counters
    fail "firewall counters: $(oneline "$OUT")"
}
send4 7777 "$MAPPED" 4444 intruder1
send4 5683 "$MAPPED" 4444 intruder2
send4 7777 "$MAPPED" 4445 intruder3
inh ping -c 2 -W 1 "$MAPPED" >"$T/ping4.out" 2>&1 &&
    fail "the IPv4 host pings the device's mapping $MAPPED" ||
    pass "the IPv4 host's ping to $MAPPED gets no answer"
sleep 1
grep -q "intruder" "$T/nout2" && fail "the device received a new flow: $(grep intruder "$T/nout2")" ||
    pass "no new flow from the IPv4 host reached the device (UDP 4444, from 7777 and 5683)"
[ "$(udp4to6)" = "$base_udp" ] && pass "translator UDP 4to6 unchanged ($base_udp)" ||
    fail "translator UDP 4to6 went from $base_udp to $(udp4to6)"
n=$(fwc to_thread_not_established)
[ -n "$n" ] && [ "$n" -ge $((base_drop + 5)) ] &&
    pass "dropped and counted: to_thread_not_established $base_drop -> $n" ||
    fail "to_thread_not_established '$base_drop' -> '$n'"
got=
for i in 4 5 6; do
    node "udp send 192.0.2.1 5683 hello$i"
    wait_file 5 "$T/nout2" " 5683 hello$i\$" && got=1 && break
done
[ -n "$got" ] && pass "the established flow still works after the attempts" ||
    fail "no echo after the attempts: $(oneline "$(tail -4 "$T/nout2")")"

# ---- IPv6 from the infrastructure link: a Thread source, the mesh-local /64 --------------

LL=$(inbr ip -6 -o addr show dev "$VBR" scope link | grep -o 'fe80::[0-9a-f:]*' | head -1)
SPOOF=${OMRP%::/64}::dead:beef
inh ip -6 addr add "$SPOOF/128" dev "$VV4" nodad
inh ip -6 route add "$OMRP" via "$LL" dev "$VV4"
base=$(fwc to_thread_spoofed_src)
inh ping -6 -c 2 -W 1 -I "$SPOOF" "$OMR_ADDR" >/dev/null 2>&1
n=$(fwc to_thread_spoofed_src)
[ -n "$n" ] && [ -n "$base" ] && [ "$n" -ge $((base + 2)) ] &&
    pass "an OMR source from the infrastructure link: dropped, to_thread_spoofed_src $base -> $n" ||
    fail "spoofed OMR source: to_thread_spoofed_src '$base' -> '$n'"
if [ -n "$ML_ADDR" ]; then
    inh ip -6 addr add fd00:db8:ffff::1/64 dev "$VV4" nodad
    inh ip -6 route add "${ML_ADDR%:*:*:*:*}::/64" via "$LL" dev "$VV4"
    base=$(fwc to_thread_not_onmesh)
    inh ping -6 -c 2 -W 1 -I fd00:db8:ffff::1 "$ML_ADDR" >/dev/null 2>&1 &&
        fail "the host reaches the device's mesh-local $ML_ADDR" ||
        pass "the host gets no answer from the mesh-local $ML_ADDR"
    n=$(fwc to_thread_not_onmesh)
    [ -n "$n" ] && [ -n "$base" ] && [ "$n" -ge $((base + 2)) ] &&
        pass "to the mesh-local /64 from outside: to_thread_not_onmesh $base -> $n" ||
        fail "mesh-local from outside: to_thread_not_onmesh '$base' -> '$n'"
else
    fail "device has no mesh-local address to try"
fi

# ---- the policy flushed behind the agent's back ------------------------------------------

inbr nft flush table inet tbr_fw
inbr nft list table inet tbr_fw | grep -q "counter name" && fail "flush left rules"
back=
for _ in $(seq 1 $((80 * SLOW))); do
    inbr nft list table inet tbr_fw 2>/dev/null | grep -q 'counter name "to_thread_not_established" drop' &&
        back=1 && break
    sleep 1
done
[ -n "$back" ] && pass "the flushed policy table is back" ||
    fail "policy not re-installed: $(oneline "$(inbr nft list table inet tbr_fw 2>&1)")"
ctl firewall counters
echo "$OUT" | grep -q "^reinstalls: 1$" && pass "firewall counters: reinstalls: 1" ||
    fail "firewall counters after the flush: $(oneline "$OUT")"
grep -q "forwarding policy check: .*re-installing" "$T/agent.log" &&
    pass "the log says so: $(grep -m1 'forwarding policy check' "$T/agent.log" | cut -c1-120)" ||
    fail "no re-install log line"
base=$(fwc to_thread_not_established)
send4 7777 "$MAPPED" 4444 intruder4
sleep 0.5
n=$(fwc to_thread_not_established)
[ "$n" -gt "$base" ] && ! grep -q intruder4 "$T/nout2" &&
    pass "after the re-install a new flow is dropped again ($base -> $n)" ||
    fail "after the re-install: $base -> $n, device: $(grep intruder "$T/nout2")"

# ---- exit: the table goes, accept_ra comes back ---------------------------------------------

kill -TERM "$APID"
wait "$APID"
rc=$?
APID=
[ "$rc" = 0 ] && pass "agent exits 0 on SIGTERM" || fail "agent exit status $rc"
inbr nft list tables | grep -q 'inet tbr_fw' && fail "policy table left after exit" ||
    pass "policy table removed on exit"
RA=$(inbr cat "/proc/sys/net/ipv6/conf/$VBR/accept_ra")
[ "$RA" = 1 ] && pass "accept_ra restored to 1 on exit" || fail "accept_ra after exit: $RA"

tbr_finish
