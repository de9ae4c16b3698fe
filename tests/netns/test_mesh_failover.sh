#!/usr/bin/env bash
# A border router that is not the leader, and the leader's death (issue 13).
# OpenThread forms the network; tbr-agent joins it as a router and serves
# NAT64 and DNS from there; then the OpenThread leader is killed (SIGKILL)
# and a new leader must be elected among the rest while the far device gets
# NAT64 back. Topology (macfilter allowlists, simulated radio):
#
#        ot-cli-ftd (2, forms: leader)
#         /           \
#   tbr-agent (1) --- tbr-node (3) --- ot-cli-ftd (4) --- tbr-node (5, rn)
#
# The leader is not a cut vertex: after it dies the line 1-3-4-5 holds.
# Checks: the agent becomes a router of the OpenThread partition and its
# NAT64 /96 and OMR /64 appear in every node's Network Data (the leader's
# included); the far device pings 192.0.2.1 through NAT64 and resolves a
# name; after the kill, one new leader among 1, 3, 4 (one partition), the
# agent's prefixes in the new leader's Network Data, the far device's ping
# through NAT64 works again. The times are printed (leader election and
# NAT64 regained, from the kill). This replaces test_agent_router.sh (the
# agent as a router of an OpenThread leader), which its first half covers.
#
#   tests/netns/test_mesh_failover.sh path/to/tbr-agent path/to/tbr-ctl path/to/tbr-node
#
# Needs root, dnsmasq and ../shared/ot/ot-cli-ftd (fails in CI without it,
# skips outside). TBR_TEST_SLOW=2 stretches timeouts; TBR_KEEP=1 keeps the
# logs in /tmp/tbr-meshfo-kept.
set -u

AGENT=${1:?usage: $0 tbr-agent tbr-ctl tbr-node}
CTL=${2:?usage: $0 tbr-agent tbr-ctl tbr-node}
NODE=${3:?usage: $0 tbr-agent tbr-ctl tbr-node}
TEST_NAME=test_mesh_failover
KEEP_DIR=/tmp/tbr-meshfo-kept
PORT_OFFSET=$((1 + $$ % 30))
NSBR=tbrfb-$$
NSV4=tbrfv-$$
VBR=fo$$b
VV4=fo$$v
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/lib.sh"
tbr_check_env
OT=$(tbr_shared_dir)/ot/ot-cli-ftd
[ -x "$OT" ] || tbr_missing_shared ot/ot-cli-ftd
DNSMASQ=$(command -v dnsmasq) || skip "dnsmasq is missing"
OT_IDS="2 4"

tbr_topology 192.0.2.100/24 192.0.2.1/24
inv4 ip addr add 192.0.2.53/24 dev "$VV4"
start_dnsmasq && pass "dnsmasq listens on 192.0.2.53" ||
    fail "dnsmasq did not start: $(tail -3 "$T/dnsmasq.out" | tr '\n' '|')"

AGENT_ARGS=(--dns-upstream 192.0.2.53)
start_agent
start_ot 2
start_node 3
start_ot 4
start_node 5
echo "mesh failover: PORT_OFFSET=$PORT_OFFSET dir=$T"

# netdata_of ID: its `netdata show` in OUT.
netdata_of() {
    if [ "$1" = 1 ]; then ctl netdata show; else nodeid "$1" "netdata show"; fi
}

# ---- OpenThread forms; everyone learns the extended addresses ----------------------------------

nodeid 2 "dataset init new"
nodeid 2 "dataset commit active"
nodeid 2 "ifconfig up"
nodeid 2 "thread start"
wait_role 2 leader 20 && pass "node 2 (ot-cli-ftd) leads" || fail "node 2 state: $OUT"
nodeid 2 "dataset active -x"
DS=$(echo "$OUT" | head -1)

ctl extaddr
EXT[1]=$(echo "$OUT" | head -1)
for i in 2 3 4 5; do
    nodeid $i extaddr
    EXT[$i]=$(echo "$OUT" | head -1)
done
mesh_allow 1 2 3
mesh_allow 2 1 3
mesh_allow 3 1 2 4
mesh_allow 4 3 5
mesh_allow 5 4
for i in 2 3 4; do nodeid $i "routerselectionjitter 1"; done
ctl routerselectionjitter 1
[ "$RC" = 0 ] && pass "agent routerselectionjitter 1" || fail "agent routerselectionjitter: $OUT"
nodeid 5 "mode rn"

# ---- the agent joins OpenThread's network as a router and serves NAT64 from there --------------

check_ctl "agent dataset set active (OpenThread's)" "Done" dataset set active "$DS"
check_ctl "agent ifconfig up" "Done" ifconfig up
check_ctl "agent thread start" "Done" thread start
wait_role 1 router 90 && pass "the agent became a router of OpenThread's partition" ||
    fail "agent state: $OUT (log: $(tail -3 "$T/agent.log" | tr '\n' '|'))"
nat64_up
for i in 3 4 5; do
    nodeid $i "dataset set active $DS"
    nodeid $i "ifconfig up"
    nodeid $i "thread start"
done
wait_role 3 router 90 && pass "node 3 (tbr-node) became a router" || fail "node 3 state: $OUT"
wait_role 4 router 90 && pass "node 4 (ot-cli-ftd) became a router" || fail "node 4 state: $OUT"
wait_role 5 child 60 && pass "node 5 (tbr-node, rn) attached as a child" || fail "node 5 state: $OUT"

for i in 2 3 4 5; do
    ok=
    for _ in $(seq 1 $((40 * SLOW))); do
        netdata_of $i
        if echo "$OUT" | grep -Eq "^$NAT64P sn low [0-9a-f]{4}$" &&
            echo "$OUT" | grep -Eq "^$OMRP paos low [0-9a-f]{4}$"; then
            ok=1
            break
        fi
        sleep 0.5
    done
    [ -n "$ok" ] && pass "node $i's netdata holds the agent's $NAT64P and $OMRP" ||
        fail "node $i netdata show: $(oneline "$OUT")"
done

wait_omr 5 && pass "node 5 has an OMR address $OMR_ADDR" || fail "node 5 ipaddr: $(oneline "$OUT")"
# ping_nat64: node 5 pings 192.0.2.1 (three tries).
ping_nat64() {
    local _
    for _ in 1 2 3; do
        nodeid 5 "ping 192.0.2.1" 10
        echo "$OUT" | grep -q "1 packets received" && return 0
    done
    return 1
}
ping_nat64 && pass "node 5 pings 192.0.2.1 through the agent's NAT64 (the agent is a router)" ||
    fail "node 5 ping 192.0.2.1: $(oneline "$OUT")"
nodeid 5 "dns resolve4 example.com" 20
echo "$OUT" | grep -Eq "^DNS response for example.com. - [0-9a-f:]*:c000:202 TTL:" &&
    pass "node 5 dns resolve4 example.com through the agent" || fail "node 5 dns resolve4: $RES $(oneline "$OUT")"

# ---- the leader dies ----------------------------------------------------------------------------

kill -9 "${NPID[2]}"
wait "${NPID[2]}" 2>/dev/null
unset "NPID[2]"
K=$(now_ms)
echo "    killed the leader (node 2)"
# Routing needs no leader: the path 5-4-3-1 stays, so NAT64 is expected to
# keep working while the partition has none (printed, not a check: Thread
# does not promise it).
if ping_nat64; then DURING="kept working"; else DURING="interrupted"; fi
echo "    NAT64 right after the kill: $DURING"
LEADER=
deadline=$((K + 400 * 1000 * SLOW))
while [ -z "$LEADER" ] && [ "$(now_ms)" -lt "$deadline" ]; do
    for i in 1 3 4; do
        role_of $i
        [ "$OUT" = leader ] && LEADER=$i && break
    done
    [ -z "$LEADER" ] && sleep 1
done
T_LEADER=$(($(now_ms) - K))
[ -n "$LEADER" ] && pass "node $LEADER became the new leader $T_LEADER ms after the kill" ||
    fail "no new leader in 400 s"

# One partition: the same partition ID everywhere.
ok=
for _ in $(seq 1 $((120 * SLOW))); do
    P=()
    for i in 1 3 4 5; do
        if [ $i = 1 ]; then ctl partitionid; else nodeid $i partitionid; fi
        P+=("$(echo "$OUT" | head -1)")
    done
    [ "${P[0]}" = "${P[1]}" ] && [ "${P[1]}" = "${P[2]}" ] && [ "${P[2]}" = "${P[3]}" ] && ok=1 && break
    sleep 1
done
[ -n "$ok" ] && pass "one partition after the election: ${P[0]}" || fail "partition IDs: ${P[*]}"

ok=
while [ "$(now_ms)" -lt $((K + 500 * 1000 * SLOW)) ]; do
    if ping_nat64; then ok=1 && break; fi
    sleep 1
done
T_NAT64=$(($(now_ms) - K))
[ -n "$ok" ] && pass "node 5 regained NAT64 $T_NAT64 ms after the leader was killed" ||
    fail "node 5 never regained NAT64: $(oneline "$OUT")"
netdata_of "${LEADER:-1}"
echo "$OUT" | grep -Eq "^$NAT64P sn low [0-9a-f]{4}$" &&
    pass "the new leader's netdata holds the agent's $NAT64P" || fail "new leader's netdata: $(oneline "$OUT")"
echo "    leader election: $T_LEADER ms; NAT64 $DURING right after the kill, answered again $T_NAT64 ms after it (once one leader and one partition were seen)"

tbr_finish
