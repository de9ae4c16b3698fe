#!/usr/bin/env bash
# The border router as a Thread router (issue 13): unmodified OpenThread
# (ot-cli-ftd, from the shared directory) leads; tbr-agent joins its network
# (`routerselectionjitter 1`), becomes a router, and registers its NAT64 and
# OMR prefixes with the OpenThread leader (a/sd to the leader ALOC): the
# leader's Network Data, and the agent's copy of it, list them. A tbr-node
# device attached to the network gets both and pings the IPv4 host through
# the agent's NAT64, the border router not being the leader.
#
#   tests/netns/test_agent_router.sh path/to/tbr-agent path/to/tbr-ctl path/to/tbr-node
#
# Topology as test_agent.sh (namespaces tbrar-$$ / tbrav-$$, documentation
# addresses). Needs root (skips with 77) and the OpenThread binary (a CI run
# without it fails, tests/common.sh). Prints "N passed, N failed".
set -u

AGENT=${1:?usage: $0 tbr-agent tbr-ctl tbr-node}
CTL=${2:?usage: $0 tbr-agent tbr-ctl tbr-node}
NODE=${3:?usage: $0 tbr-agent tbr-ctl tbr-node}
TEST_NAME=test_agent_router
KEEP_DIR=/tmp/tbr-agent-router-kept
PORT_OFFSET=$((950 + $$ % 40))
NSBR=tbrar-$$
NSV4=tbrav-$$
VBR=ta$$b
VV4=ta$$v
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/lib.sh"
tbr_check_env
OT=$(tbr_shared_dir)/ot/ot-cli-ftd
[ -x "$OT" ] || tbr_missing_shared ot/ot-cli-ftd
OT_IDS=3

tbr_topology 192.0.2.2/24 192.0.2.1/24
start_agent
start_ot 3
start_node 2

# ---- OpenThread 3 leads -------------------------------------------------------------------
for c in "dataset init new" "dataset commit active" "ifconfig up" "thread start"; do
    nodeid 3 "$c"
    [ "$RES" = Done ] && pass "OpenThread 3: $c" || fail "OpenThread 3 $c: $RES"
done
for _ in $(seq 1 $((40 * SLOW))); do
    nodeid 3 state
    [ "$OUT" = leader ] && break
    sleep 0.5
done
[ "$OUT" = leader ] && pass "OpenThread 3 leads" || fail "OpenThread 3 state: $OUT"
nodeid 3 "dataset active -x"
DS=$(echo "$OUT" | head -1)

# ---- the agent joins and becomes a router -------------------------------------------------
check_ctl "routerselectionjitter 1" "Done" routerselectionjitter 1
check_ctl "dataset set active" "Done" dataset set active "$DS"
check_ctl "ifconfig up" "Done" ifconfig up
check_ctl "thread start" "Done" thread start
if wait_ctl 60 "router
Done" state; then pass "agent becomes a router under the OpenThread leader"; else
    fail "agent state: $(echo "$OUT" | tr '\n' '|')"
fi

# NAT64 and OMR prefixes: published by the agent, held by the OT leader.
nat64_up
have=
for _ in $(seq 1 $((30 * SLOW))); do
    nodeid 3 "netdata show"
    if echo "$OUT" | grep -Eq "^$NAT64P sn low [0-9a-f]{4}$" &&
        echo "$OUT" | grep -Eq "^$OMRP paos low [0-9a-f]{4}$"; then
        have=1
        break
    fi
    sleep 0.5
done
[ -n "$have" ] && pass "the OpenThread leader's Network Data lists the agent's $NAT64P and $OMRP" ||
    fail "OpenThread leader netdata show: $(echo "$OUT" | tr '\n' '|')"

# ---- a device reaches the IPv4 host through the agent -------------------------------------
join_device 2
if wait_omr 2; then pass "device 2 has the NAT64 prefix and an OMR address $OMR_ADDR"; else
    fail "device 2 netdata / addresses: $(echo "$OUT" | tr '\n' '|')"
fi
node "ping 192.0.2.1" 15
echo "$OUT" | grep -q "^1 packets transmitted, 1 packets received." &&
    pass "device ping 192.0.2.1 through the agent's NAT64 (the agent a router)" ||
    fail "device ping 192.0.2.1: $RES $(echo "$OUT" | tr '\n' '|') (agent log: $(tail -5 "$T/agent.log" | tr '\n' '|'))"

tbr_finish
