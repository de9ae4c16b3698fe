#!/usr/bin/env bash
# The border router in network namespaces: the codelab's NAT64 sequence
# (shared/reference/codelab-nat64.md) against real tbr-agent, tbr-ctl and
# tbr-node processes and a real kernel.
#
#   tests/netns/test_agent.sh path/to/tbr-agent path/to/tbr-ctl path/to/tbr-node
#
# Topology (documentation addresses only, names unique per run):
#   tbrbr-$$  the BR namespace: tbr-agent (TUN wpan0, NAT44 towards the veth)
#             and a tbr-node device (the sim radio is loopback multicast, so
#             both must share this namespace's loopback); 192.0.2.2/24
#   tbrv4-$$  an IPv4-only host: 192.0.2.1/24, answers kernel ping
#   NAT64 pool 192.168.255.0/24 (the default CIDR)
#
# Needs root (ip netns, TUN, nft); otherwise skips with 77. Namespaces and
# files are always removed (trap EXIT). Prints "N passed, N failed"; exits
# non-zero on any failure. TBR_TEST_SLOW=2 stretches timeouts (sanitizers);
# TBR_KEEP=1 copies the run's logs to /tmp/tbr-agent-kept before cleanup.
set -u

AGENT=${1:?usage: $0 tbr-agent tbr-ctl tbr-node}
CTL=${2:?usage: $0 tbr-agent tbr-ctl tbr-node}
NODE=${3:?usage: $0 tbr-agent tbr-ctl tbr-node}
TEST_NAME=test_agent
KEEP_DIR=/tmp/tbr-agent-kept
PORT_OFFSET=$((100 + $$ % 100))
NSBR=tbrbr-$$
NSV4=tbrv4-$$
VBR=tb$$b
VV4=tb$$v
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/lib.sh"
tbr_check_env

tbr_topology 192.0.2.2/24 192.0.2.1/24
start_agent
start_node 2

[ -S "$SOCK" ] && pass "agent listens on its control socket" ||
    fail "no control socket (agent log: $(tail -3 "$T/agent.log" | tr '\n' '|'))"

# ---- the codelab: form the network -------------------------------------------------

check_ctl "state before start" "disabled
Done" state
form_network

nat64_up

# ---- the device joins with the agent's dataset ------------------------------------

join_device 2

have_nd=
for _ in $(seq 1 $((40 * SLOW))); do
    node "netdata show"
    if echo "$OUT" | grep -Eq "^$NAT64P sn low [0-9a-f]{4}$" &&
        echo "$OUT" | grep -Eq "^$OMRP paos low [0-9a-f]{4}$"; then
        have_nd=1
        break
    fi
    sleep 0.5
done
[ -n "$have_nd" ] && pass "device netdata: NAT64 /96 sn low and OMR paos low" ||
    fail "device netdata show: $(echo "$OUT" | tr '\n' '|')"
ctl netdata show
AGENT_ND=$OUT
node "netdata show"
[ "$OUT" = "$(echo "$AGENT_ND" | sed '$d')" ] && pass "device netdata matches the agent's" ||
    fail "netdata differs: agent $(echo "$AGENT_ND" | tr '\n' '|') device $(echo "$OUT" | tr '\n' '|')"

OMR_ADDR=
for _ in $(seq 1 $((20 * SLOW))); do
    node ipaddr
    OMR_ADDR=$(echo "$OUT" | grep -E "^${OMRP%::/64}:" | head -1)
    [ -n "$OMR_ADDR" ] && break
    sleep 0.5
done
[ -n "$OMR_ADDR" ] && pass "device has an OMR (SLAAC) address $OMR_ADDR" ||
    fail "device has no OMR address: $(echo "$OUT" | tr '\n' '|')"

# ---- ping an IPv4 host through NAT64 -------------------------------------------------

SYN="$P96:c000:201"
SYN_OT=$(echo "$SYN" | sed 's/::/:0:0:/') # the /96 prints as x:x:x:2:0:0::
SYN_OT=${SYN_OT%:}
# The hop count (issue 11 #7): the device sends with hop limit 64; the
# translator (RFC 7915 §5.1) and the kernel's forwarding are the two router
# hops, so the IPv4 host must see TTL 62 (handing the packet from the mesh to
# the host interface is none). Counted by TTL in the host's input hook.
inv4 nft -f - <<'NFT'
table ip tbrttl {
    chain in {
        type filter hook input priority 0;
        icmp type echo-request ip ttl 61 counter
        icmp type echo-request ip ttl 62 counter
        icmp type echo-request ip ttl 63 counter
        icmp type echo-request ip ttl 64 counter
        icmp type echo-request ip ttl != 61-64 counter
    }
}
NFT
node "ping 192.0.2.1" 15
TTLS=$(inv4 nft list chain ip tbrttl in 2>&1 |
    sed -n 's/.*ip ttl \(.*\) counter packets \([0-9]*\) .*/ttl \1: \2/p' | tr '\n' ',')
if echo "$TTLS" | grep -q "ttl 62: [1-9]" && ! echo "$TTLS" | grep -Eq "ttl (6[134]|!= 61-64): [1-9]"; then
    pass "the IPv4 host sees TTL 62 (hop limit 64; translator and kernel are the two hops)"
else
    fail "TTL arriving at the IPv4 host: $TTLS"
fi
if echo "$OUT" | grep -q "^Pinging synthesized IPv6 address: .*:c000:201$" &&
    echo "$OUT" | grep -Eq "^16 bytes from .*:c000:201: icmp_seq=[0-9]+ hlim=[0-9]+ time=[0-9]+ms$" &&
    echo "$OUT" | grep -q "^1 packets transmitted, 1 packets received." && [ "$RES" = Done ]; then
    pass "device ping 192.0.2.1 through NAT64"
else
    fail "device ping 192.0.2.1: $RES $(echo "$OUT" | tr '\n' '|') (agent log: $(tail -5 "$T/agent.log" | tr '\n' '|'))"
fi
node "ping 192.0.2.1 8 3 0.2" 15
echo "$OUT" | grep -q "^3 packets transmitted, 3 packets received." &&
    pass "device ping 192.0.2.1 x3" || fail "device ping x3: $(echo "$OUT" | tr '\n' '|')"

# nat64_fmt.h's table (OpenThread's current columns, with "Ports or ICMP Ids";
# pool mode gives N/A ports): one mapping row, then per-protocol rows.
ctl nat64 mappings
if echo "$OUT" | grep -Eq "^\| [0-9a-f]{16} \| +$OMR_ADDR \| +192\.168\.255\.254 \| .* \| +[0-9]+s \| +4 \| +64 \| +4 \| +64 \|$" &&
    echo "$OUT" | grep -Eq "^\| +\| +ICMP \| +4 \| +64 \| +4 \| +64 \|$" &&
    [ "$(echo "$OUT" | grep -c "^| [0-9a-f]\{16\} ")" = 1 ]; then
    pass "nat64 mappings: the device's address on 192.168.255.254, 4 ICMP packets each way"
else
    fail "nat64 mappings: $(echo "$OUT" | tr '\n' '|')"
fi
MAP_HEADER=$(echo "$OUT" | head -4)
ctl nat64 counters
if echo "$OUT" | grep -Eq "^\| +ICMP \| +4 \| +64 \| +4 \| +64 \|$" && [ "$RC" = 0 ]; then
    pass "nat64 counters: ICMP 4 packets each way"
else
    fail "nat64 counters: $(echo "$OUT" | tr '\n' '|')"
fi

# ---- disable ---------------------------------------------------------------------------

check_ctl "nat64 disable" "Done" nat64 disable
check_ctl "nat64 state after disable" "PrefixManager: Disabled
Translator: Disabled
Done" nat64 state
gone=
for _ in $(seq 1 $((40 * SLOW))); do
    node "netdata show"
    if ! echo "$OUT" | grep -q " sn "; then
        gone=1
        break
    fi
    sleep 0.5
done
[ -n "$gone" ] && pass "the NAT64 prefix left the device's netdata" ||
    fail "device netdata still has the NAT64 route: $(echo "$OUT" | tr '\n' '|')"
echo "$OUT" | grep -Eq "^$OMRP paos low" && pass "the OMR prefix stays" ||
    fail "OMR prefix gone: $(echo "$OUT" | tr '\n' '|')"
node "ping 192.0.2.1"
[ "$RES" = "Error 13: InvalidState" ] && pass "device ping 192.0.2.1 -> Error 13: InvalidState" ||
    fail "device ping after disable: $RES $OUT"
check_ctl "nat64 mappings empty after disable" "$MAP_HEADER
Done" nat64 mappings
inbr nft list table inet tbr >/dev/null 2>&1 && fail "nft table still there after disable" ||
    pass "nft table removed on disable"

# ---- enable again ------------------------------------------------------------------------

check_ctl "nat64 enable again" "Done" nat64 enable
if wait_ctl 15 "PrefixManager: Active
Translator: Active
Done" nat64 state; then pass "nat64 state: Active / Active again"; else fail "nat64 state: $OUT"; fi
back=
for _ in $(seq 1 $((40 * SLOW))); do
    node "netdata show"
    echo "$OUT" | grep -Eq "^$NAT64P sn low" && back=1 && break
    sleep 0.5
done
[ -n "$back" ] && pass "the NAT64 prefix is back in the device's netdata" || fail "no NAT64 prefix"
node "ping 192.0.2.1" 15
echo "$OUT" | grep -q "^1 packets transmitted, 1 packets received." &&
    pass "device ping 192.0.2.1 after re-enable" || fail "ping after re-enable: $OUT"

# ---- cidr and br commands --------------------------------------------------------------------

check_ctl "nat64 cidr" "192.168.255.0/24
Done" nat64 cidr
check_ctl "nat64 cidr /0" "Error 7: InvalidArgs" nat64 cidr 192.0.2.0/0
check_ctl "nat64 cidr garbage" "Error 6: Parse" nat64 cidr banana
check_ctl "nat64 alone" "Error 35: InvalidCommand" nat64
check_ctl "br nat64prefix favored" "$NAT64P prf:low
Done" br nat64prefix favored
check_ctl "br omrprefix bad arg" "Error 7: InvalidArgs" br omrprefix bogus

# ---- routes in the BR namespace ------------------------------------------------------------------

inbr ip -4 route show dev wpan0 | grep -q "^192.168.255.0/24 .*metric 100" &&
    pass "pool route via wpan0, metric 100" || fail "no pool route: $(inbr ip route show dev wpan0)"
inbr ip -6 route show dev wpan0 | grep -q "^${OMRP%::/64}::/64" &&
    pass "OMR route via wpan0" || fail "no OMR route: $(inbr ip -6 route show dev wpan0)"
inbr nft list table inet tbr 2>/dev/null | grep -q masquerade && pass "nft masquerade in place" ||
    fail "no nft table"

# ---- robustness ------------------------------------------------------------------------------------

ctl "no-such-command"
[ "$OUT" = "Error 35: InvalidCommand" ] && [ "$RC" = 1 ] && pass "garbage -> Error 35" ||
    fail "garbage: $OUT (rc $RC)"
OUT=$(printf 'ping\001\002\377 x\n%s\n' "$(head -c 2000 /dev/zero | tr '\0' a)" |
    inbr "$CTL" --socket "$SOCK" -t $((10 * SLOW)) 2>&1)
echo "$OUT" | grep -q "^Error " && pass "binary and over-long lines -> Error lines" ||
    fail "binary: $OUT"
kill -0 "$APID" 2>/dev/null && pass "agent alive after garbage" || fail "agent died"
check_ctl "agent still answers" "leader
Done" state

OUT=$(inbr "$CTL" --socket "$T/nobody.sock" state 2>&1)
RC=$?
[ "$RC" -ne 0 ] && [ "$(echo "$OUT" | wc -l)" = 1 ] && echo "$OUT" | grep -q "tbr-agent running" &&
    pass "tbr-ctl with no agent: one line, exit $RC" || fail "tbr-ctl no agent: rc $RC: $OUT"

# ---- clean shutdown --------------------------------------------------------------------------------

kill -TERM "$APID"
for _ in $(seq 1 $((50 * SLOW))); do
    kill -0 "$APID" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$APID" 2>/dev/null; then
    fail "agent did not exit on SIGTERM"
else
    wait "$APID"
    rc=$?
    APID=
    [ "$rc" = 0 ] && pass "agent exits 0 on SIGTERM" || fail "agent exit status $rc"
fi
inbr nft list table inet tbr >/dev/null 2>&1 && fail "nft table left behind" ||
    pass "nft table removed on shutdown"
inbr ip -4 route show | grep -q 192.168.255 && fail "pool route left behind" ||
    pass "routes removed on shutdown"
[ -e "$SOCK" ] && fail "control socket left behind" || pass "control socket removed"
# ---- restart from the state directory: rejoins, NAT64 settings kept ----------------------

start_agent
if wait_ctl 20 "leader
Done" state; then pass "restarted agent rejoins as leader from its saved dataset"; else
    fail "restarted agent state: $OUT"
fi
ctl br nat64prefix local
[ "$(echo "$OUT" | head -1)" = "$NAT64P" ] && pass "BR ULA kept: same NAT64 prefix" ||
    fail "NAT64 prefix changed: $OUT"
if wait_ctl 15 "PrefixManager: Active
Translator: Active
Done" nat64 state; then pass "restarted: Active / Active"; else fail "restarted: $OUT"; fi
kill -TERM "$APID"
wait "$APID"
rc=$?
APID=
[ "$rc" = 0 ] && pass "restarted agent exits 0" || fail "restarted agent exit status $rc"

tbr_finish
