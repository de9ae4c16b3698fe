#!/usr/bin/env bash
# Multi-hop forwarding against unmodified OpenThread (issue 13): tbr-node and
# ../shared/ot/ot-cli-ftd on the simulated radio, each node hearing only its
# neighbours in a line (macfilter allowlists), so every packet between the
# ends crosses two relays with a 6LoWPAN mesh header (RFC 4944 §5.2).
#
#   tests/thread/test_multihop.sh path/to/tbr-node
#
# Line A: tbr-node 1 (leader) - OpenThread 2 (router) - OpenThread 3
# (router) - tbr-node 4 (MED child of 3). Pings end to end both ways to the
# ML-EID (address query across the routers, a/an back over the hops) and
# the RLOC; a realm-local ping to ff03::1 (MPL, RFC 7731) is answered by
# every other node, each once. Then tbr-node 9, an FTD child of 3, gets
# mesh frames addressed to itself from OpenThread.
# Line B (tbr-node as the relay): OpenThread 5 (leader) - tbr-node 6 (router)
# - OpenThread 7 (router) - OpenThread 8 (MED child of 7): the same pings
# through tbr-node's relaying, and ff03::1 across it.
# Last, hostile mesh headers forged as from OpenThread 7 (mesh_inject.py:
# MAC-secured with the network's key) at the relay tbr-node 6: hops left 0,
# its own RLOC16 as originator, an unknown final destination, a truncated
# header; each is counted (`counters mesh`) and none is relayed.
# Prints "N passed, N failed"; exit 77 (skip) without the OpenThread binary
# outside CI (tests/common.sh).
set -u

BIN=${1:?usage: $0 path/to/tbr-node}
[ -x "$BIN" ] || {
    echo "not executable: $BIN" >&2
    exit 2
}
export PORT_OFFSET=${PORT_OFFSET:-$((950 + $$ % 50))} # 950..999: its own range

# shellcheck source=tests/thread/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/thread/ot_lib.sh
. "$(dirname "$0")/ot_lib.sh"

OT=$(tbr_shared_dir)/ot/ot-cli-ftd
[ -x "$OT" ] || tbr_missing_shared ot/ot-cli-ftd

# allow N PEER...: node N hears only the given nodes.
allow() {
    local n=$1 p
    shift
    for p in "$@"; do expect "$n" "macfilter addr add ${EXT[$p]}" Done; done
    expect "$n" "macfilter addr allowlist" Done
}

# router N DATASET: an FTD that asks for a router ID within a second.
router() {
    expect "$1" "routerselectionjitter 1" Done
    expect "$1" "dataset set active $2" Done
    expect "$1" "ifconfig up" Done
    expect "$1" "thread start" Done
    if reach "$1" router 90; then pass "node$1 became a router"; else fail "node$1 state: $(role "$1")"; fi
}

# med N DATASET: a minimal end device (rx-on, full network data).
med() {
    expect "$1" "mode rn" Done
    expect "$1" "dataset set active $2" Done
    expect "$1" "ifconfig up" Done
    expect "$1" "thread start" Done
    if reach "$1" child 30; then pass "node$1 attached as a child"; else fail "node$1 state: $(role "$1")"; fi
}

ping_once() {
    ocmd "$1" "ping $2" 10
    echo "$OUT" | grep -q "1 packets received"
}

# ping_until N DST SECONDS: until the routes have converged.
ping_until() {
    local deadline=$(($(now_ms) + $3 * 1000 * SLOW))
    while [ "$(now_ms)" -lt "$deadline" ]; do
        ping_once "$1" "$2" && return 0
        sleep 1
    done
    return 1
}

# check_ping N DST WHAT: one ping answered (a second try for a first query).
check_ping() {
    if ping_once "$1" "$2" || ping_once "$1" "$2"; then pass "node$1 pings $3"; else
        fail "node$1 ping $3 ($2): $(oneline "$OUT")"
    fi
}

# realm N PEER...: `ping ff03::1` from N is answered by each peer exactly once.
realm() {
    local n=$1 p a ok=1 c total
    shift
    ocmd "$n" "ping ff03::1" 10
    total=$(echo "$OUT" | grep -c "bytes from")
    for p in "$@"; do
        c=0
        for a in $(oget "$p" ipaddr); do
            c=$((c + $(echo "$OUT" | grep -c "bytes from $a:")))
        done
        [ "$c" -eq 1 ] || ok=0
    done
    if [ $ok = 1 ] && [ "$total" -eq $# ]; then
        pass "node$n ping ff03::1: one reply from each of nodes $*"
    else
        fail "node$n ping ff03::1 ($total replies): $(oneline "$OUT")"
    fi
}

# build_line A B C D: started nodes, each hearing only its neighbours; A
# forms and leads, B and C become routers, D attaches to C as a MED.
declare -A EXT
build_line() {
    local n
    for n in "$@"; do EXT[$n]=$(oget "$n" extaddr); done
    allow "$1" "$2"
    allow "$2" "$1" "$3"
    allow "$3" "$2" "$4"
    allow "$4" "$3"
    form "$1"
    local ds
    ds=$(oget "$1" "dataset active -x")
    router "$2" "$ds"
    router "$3" "$ds"
    med "$4" "$ds"
}

echo "multihop interop: PORT_OFFSET=$PORT_OFFSET dir=$T"

# ---- line A: tbr-node leader, OpenThread routers, tbr-node child -------------------------
start_node 1
start_ot 2
start_ot 3
start_node 4
build_line 1 2 3 4
ML1=$(oget 1 "ipaddr mleid")
RL1=$(oget 1 "ipaddr rloc")
ML4=$(oget 4 "ipaddr mleid")
RL4=$(oget 4 "ipaddr rloc")
if ping_until 4 "$RL1" 90; then pass "node4 reaches the leader's RLOC over three hops"; else
    fail "node4 ping node1 RLOC $RL1: $(oneline "$OUT")"
fi
check_ping 1 "$ML4" "node4's ML-EID (address query, two relays)"
check_ping 4 "$ML1" "node1's ML-EID"
check_ping 1 "$RL4" "node4's RLOC"
ML3=$(oget 3 "ipaddr mleid")
check_ping 1 "$ML3" "OpenThread router node3's ML-EID"
realm 1 2 3 4
realm 4 1 2 3
ocmd 1 eidcache
echo "$OUT" | grep -q "^$ML4 " && pass "node1 eidcache holds node4's ML-EID" ||
    fail "node1 eidcache: $(oneline "$OUT")"

# An FTD child (tbr-node 9, not router-eligible) of OpenThread router 3:
# OpenThread relays mesh frames for an FTD child with the mesh header on.
start_node 9
EXT[9]=$(oget 9 extaddr)
expect 3 "macfilter addr add ${EXT[9]}" Done
allow 9 3
expect 9 "routereligible disable" Done
expect 9 "mode rdn" Done
expect 9 "dataset set active $(oget 1 "dataset active -x")" Done
expect 9 "ifconfig up" Done
expect 9 "thread start" Done
if reach 9 child 30; then pass "node9 (tbr-node FTD) attached to node3"; else fail "node9: $(role 9)"; fi
ML9=$(oget 9 "ipaddr mleid")
check_ping 1 "$ML9" "FTD child node9's ML-EID (mesh header to the child)"
check_ping 9 "$ML1" "node1's ML-EID from FTD child node9"
check_ping 4 "$ML9" "node9 from node4 (child to child through OpenThread 3)"

# ---- line B: tbr-node relays between OpenThread nodes ----------------------------------
start_ot 5
start_node 6
start_ot 7
start_ot 8
build_line 5 6 7 8
DSB=$(oget 5 "dataset active -x")
ML5=$(oget 5 "ipaddr mleid")
RL5=$(oget 5 "ipaddr rloc")
ML8=$(oget 8 "ipaddr mleid")
if ping_until 8 "$RL5" 90; then pass "node8 reaches the leader's RLOC through tbr-node 6"; else
    fail "node8 ping node5 RLOC $RL5: $(oneline "$OUT")"
fi
check_ping 5 "$ML8" "node8's ML-EID through tbr-node 6"
check_ping 8 "$ML5" "node5's ML-EID through tbr-node 6"
ML6=$(oget 6 "ipaddr mleid")
check_ping 8 "$ML6" "the relay tbr-node 6's ML-EID"
realm 5 6 7 8

# ---- hostile mesh headers at the relay tbr-node 6 ---------------------------------------
mesh_counter() { oget 6 "counters mesh" | sed -n "s/^$1: //p"; }
INJ="$(dirname "$0")/mesh_inject.py"
R5=$(oget 5 rloc16)
R6=$(oget 6 rloc16)
R7=$(oget 7 rloc16)
R8=$(oget 8 rloc16)
FC=1073741824
# hostile WHAT COUNTER ORIG FINAL HOPS [truncate]: a forged frame from node 7
# until node 6 counts it (a MAC sequence number equal to node 7's last real
# frame makes one a duplicate the MAC drops first: up to three tries).
hostile() {
    local what=$1 name=$2 before after relayed _
    shift 2
    before=$(mesh_counter "$name")
    relayed=$(mesh_counter RxMeshRelayed)
    for _ in 1 2 3; do
        FC=$((FC + 1))
        if ! python3 "$INJ" "$DSB" "$R7" "${EXT[7]}" "$R6" "$FC" "$@"; then
            fail "mesh_inject.py ($what)"
            return
        fi
        for _ in 1 2 3 4 5 6; do
            sleep 0.5
            after=$(mesh_counter "$name")
            [ "${after:-0}" -gt "${before:-0}" ] && break 2
        done
    done
    if [ "${after:-0}" -gt "${before:-0}" ] && [ "$(mesh_counter RxMeshRelayed)" = "$relayed" ]; then
        pass "node6 drops a mesh frame with $what ($name $after)"
    else
        fail "node6 $what: $name ${before:-?} -> ${after:-?}, relayed $relayed -> $(mesh_counter RxMeshRelayed): $(oneline "$(oget 6 "counters mesh")")"
    fi
}
hostile "hops left 0" RxErrMeshHopsLeft "$R8" "$R5" 0
hostile "its own RLOC16 as originator" RxErrMeshLoop "$R6" "$R5" 5
hostile "an unknown final destination" RxErrMeshNoRoute "$R8" c807 5
U=$(mesh_counter TxDstUnreach)
[ "${U:-0}" -ge 1 ] && pass "node6 sent ICMPv6 Destination Unreachable to the originator ($U)" ||
    fail "node6 TxDstUnreach '$U'"
hostile "a truncated mesh header" RxErrMeshParse "$R8" "$R5" 5 truncate
[ "$(role 6)" = router ] && pass "node6 is still a router" || fail "node6 state: $(role 6)"
check_ping 5 "$ML6" "the relay tbr-node 6 after the hostile frames"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
