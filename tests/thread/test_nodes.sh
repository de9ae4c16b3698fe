#!/usr/bin/env bash
# Process-level test: real tbr-node processes on OpenThread's simulated radio
# (UDP multicast on loopback), driven through their CLI like ot-cli-ftd.
#
#   tests/thread/test_nodes.sh path/to/tbr-node
#
# Node 1 forms a network (leader), nodes 2 and 3 attach as children; network
# data, pings both ways (link-local and ML-EID), the leader killed with -9 and
# restarted from its state directory, wrong commands, clean exits. Then a
# second network: node 10 leads, nodes 11..20 (5 MEDs, 5 FTD children)
# attach together, all in its child table, child-to-child pings through it.
# Prints "N passed, N failed" and exits non-zero on any failure.
#
# Each run uses its own PORT_OFFSET (40 + $$ % 150 unless set), so several
# runs can share the machine. Timeouts can be stretched for slow (sanitizer)
# builds with TBR_TEST_SLOW=2 (a factor).
set -u

BIN=${1:?usage: $0 path/to/tbr-node}
[ -x "$BIN" ] || {
    echo "not executable: $BIN" >&2
    exit 2
}
export PORT_OFFSET=${PORT_OFFSET:-$((40 + $$ % 150))}

# shellcheck source=tests/thread/lib.sh
. "$(dirname "$0")/lib.sh"

# ping_ok FROM ADDR: one ping (2 echoes) that must be answered from ADDR.
ping_ok() {
    local n=$1 addr=$2 re
    cmd "$n" "ping $addr 8 2 0.5" 15
    re="^16 bytes from $addr: icmp_seq=[0-9]+ hlim=[0-9]+ time=[0-9]+ms$"
    if [ "$RES" = Done ] && [ "$(echo "$OUT" | grep -c -E "$re")" -eq 2 ] &&
        echo "$OUT" | grep -q -E '^2 packets transmitted, 2 packets received\. Packet loss = 0\.0%\. Round-trip min/avg/max = [0-9]+/[0-9]+\.[0-9]{3}/[0-9]+ ms\.$'; then
        pass "node$n ping $addr: 2 replies"
    else
        fail "node$n ping $addr: want two '16 bytes from $addr: ...' and 2/2 received; got $RES / $(echo "$OUT" | tr '\n' '|')"
    fi
}

# children_listed LEADER RLOC...: the leader's child table lists every RLOC16.
echo "tbr-node test: PORT_OFFSET=$PORT_OFFSET dir=$T"
start_node 1
start_node 2
start_node 3

# ---- a fresh node: state, errors ------------------------------------------------
F=3
cmd $F state
[ "$RES" = Done ] && [ "$OUT" = disabled ] && pass "fresh node is disabled" ||
    fail "fresh state: '$OUT' $RES"
cmd $F ifconfig
[ "$RES" = Done ] && [ "$OUT" = down ] && pass "fresh ifconfig is down" ||
    fail "fresh ifconfig: '$OUT' $RES"
cmd $F version
[ "$RES" = Done ] && [[ "$OUT" == tbr/* ]] && pass "version: $OUT" || fail "version: '$OUT' $RES"
cmd $F help
[ "$RES" = Done ] && echo "$OUT" | grep -qx ping && echo "$OUT" | grep -qx dataset &&
    pass "help lists the commands" || fail "help: $(echo "$OUT" | tr '\n' ' ') $RES"
expect $F "thread start" "Error 13: InvalidState"
expect $F "dataset active" "Error 23: NotFound"
expect $F "frobnicate" "Error 35: InvalidCommand"
expect $F "thread" "Error 35: InvalidCommand"
expect $F "ifconfig sideways" "Error 7: InvalidArgs"
expect $F "mode xyz" "Error 7: InvalidArgs"
expect $F "ping" "Error 7: InvalidArgs"
expect $F "ping 8.8.8" "Error 6: Parse"
expect $F "ping 256.1.1.1" "Error 6: Parse"
expect $F "ping fe80::1 abc" "Error 7: InvalidArgs"
expect $F "dataset networkkey 0011" "Error 7: InvalidArgs"
expect $F "dataset channel eleven" "Error 7: InvalidArgs"
expect $F "dataset meshlocalprefix not-an-address" "Error 6: Parse"
expect $F "dataset set active zz" "Error 7: InvalidArgs"
expect $F "netdata show local 0x1234" "Error 7: InvalidArgs"
cmd $F "$(printf 'x%.0s' $(seq 600))"
[ "$RES" = "Error 6: Parse" ] && pass "over-long line -> Error 6: Parse" ||
    fail "over-long line: $RES"

# ---- node 1 forms the network ------------------------------------------------------
expect 1 "dataset init new" Done
expect 1 "dataset commit active" Done
expect 1 "ifconfig up" Done
expect 1 "thread start" Done
if wait_state 1 leader 5; then
    pass "node1 leader after ${WAITED_MS} ms"
else
    fail "node1 not leader within 5 s (state '$OUT')"
fi
DS=$(get 1 "dataset active -x")
if [[ "$DS" =~ ^[0-9a-f]+$ ]]; then
    pass "node1 dataset active -x"
else
    fail "node1 dataset active -x: '$DS'"
fi
cmd 1 "dataset active"
echo "$OUT" | grep -q -E '^Network Key: [0-9a-f]{32}$' && echo "$OUT" | grep -q '^Active Timestamp: 1$' &&
    pass "node1 dataset active" || fail "node1 dataset active: $(echo "$OUT" | tr '\n' '|')"
R1=$(get 1 rloc16)
LL1=$(get 1 "ipaddr linklocal")
ML1=$(get 1 "ipaddr mleid")
EXT1=$(get 1 extaddr)
[[ "$R1" =~ ^[0-9a-f]{4}$ ]] && pass "node1 rloc16 $R1" || fail "node1 rloc16 '$R1'"
[[ "$LL1" =~ ^fe80:0:0:0(:[0-9a-f]{1,4}){4}$ ]] && pass "node1 link-local $LL1" ||
    fail "node1 link-local '$LL1'"
[[ "$ML1" =~ ^fd[0-9a-f]{2}(:[0-9a-f]{1,4}){7}$ ]] && pass "node1 ML-EID $ML1" ||
    fail "node1 ML-EID '$ML1'"
cmd 1 ipaddr
echo "$OUT" | grep -qx "$LL1" && echo "$OUT" | grep -qx "$ML1" &&
    [ "$(echo "$OUT" | tail -1)" = "$LL1" ] && pass "node1 ipaddr lists them, link-local last" ||
    fail "node1 ipaddr: $(echo "$OUT" | tr '\n' '|')"
cmd 1 leaderdata
echo "$OUT" | grep -q -E '^Partition ID: [0-9]+$' && echo "$OUT" | grep -q -E '^Leader Router ID: [0-9]+$' &&
    pass "node1 leaderdata" || fail "node1 leaderdata: $RES $(echo "$OUT" | tr '\n' '|')"

# ---- node 2 attaches as a child ------------------------------------------------------
# An FTD child that stays one: router-eligible, it would become a router
# within its selection jitter (test_thread_routers covers that).
expect 2 "routereligible disable" Done
expect 2 "dataset set active $DS" Done
expect 2 "ifconfig up" Done
expect 2 "thread start" Done
if wait_state 2 child 5; then
    pass "node2 child after ${WAITED_MS} ms"
else
    fail "node2 not child within 5 s (state '$OUT')"
fi
R2=$(get 2 rloc16)
LL2=$(get 2 "ipaddr linklocal")
ML2=$(get 2 "ipaddr mleid")
[ -n "$R2" ] && [ $((0x$R2 & 0xfc00)) -eq $((0x${R1:-0} & 0xfc00)) ] && [ "$R2" != "$R1" ] &&
    pass "node2 rloc16 $R2 is a child of $R1" || fail "node2 rloc16 '$R2' (leader '$R1')"
cmd 2 parent
echo "$OUT" | grep -qx "Ext Addr: $EXT1" && echo "$OUT" | grep -qx "Rloc: $(printf '%x' $((0x${R1:-0})))" &&
    pass "node2 parent is node1" || fail "node2 parent: $RES $(echo "$OUT" | tr '\n' '|')"
cmd 2 "dataset active -x"
[ "$OUT" = "$DS" ] && pass "node2 holds node1's dataset" || fail "node2 dataset '$OUT'"

# The network data reaches the child (let it settle for up to 5 s).
same=0
for _ in $(seq 25); do
    ND1=$(get 1 "netdata show")
    ND2=$(get 2 "netdata show")
    if [ -n "$ND1" ] && [ "$ND1" = "$ND2" ]; then
        same=1
        break
    fi
    sleep 0.2
done
if [ $same = 1 ] && echo "$ND1" | grep -qx 'Prefixes:' && echo "$ND1" | grep -qx 'Commissioning:'; then
    pass "netdata show equal on leader and child"
else
    fail "netdata show differs: leader '$(echo "$ND1" | tr '\n' '|')' child '$(echo "$ND2" | tr '\n' '|')'"
fi
[ "$(get 1 'netdata show -x')" = "$(get 2 'netdata show -x')" ] &&
    pass "netdata show -x equal" || fail "netdata show -x differs"

# ---- pings both ways ----------------------------------------------------------------
ping_ok 2 "$LL1"
ping_ok 2 "$ML1"
ping_ok 1 "$LL2"
ping_ok 1 "$ML2"
expect 2 "ping 192.0.2.1" "Error 13: InvalidState"

# ---- a second child -------------------------------------------------------------------
expect 3 "dataset set active $DS" Done
expect 3 "mode rn" Done
cmd 3 mode
[ "$OUT" = rn ] && pass "node3 mode rn (a MED)" || fail "node3 mode: '$OUT' $RES"
expect 3 "ifconfig up" Done
expect 3 "thread start" Done
if wait_state 3 child 5; then
    pass "node3 child after ${WAITED_MS} ms"
else
    fail "node3 not child within 5 s (state '$OUT')"
fi
R3=$(get 3 rloc16)
[ -n "$R3" ] && [ "$R3" != "$R2" ] && [ $((0x$R3 & 0xfc00)) -eq $((0x${R1:-0} & 0xfc00)) ] &&
    pass "node3 rloc16 $R3" || fail "node3 rloc16 '$R3'"
if children_listed 1 "${R2:-none}" "${R3:-none}"; then
    pass "leader's child table lists $R2 and $R3"
else
    fail "child table: $(echo "$OUT" | tr '\n' '|')"
fi
echo "$OUT" | grep -q -E "^\| +[0-9]+ \| 0x${R2:-none} \|.*\|1\|1\|1\|" &&
    echo "$OUT" | grep -q -E "^\| +[0-9]+ \| 0x${R3:-none} \|.*\|1\|0\|1\|" &&
    pass "child table modes: $R2 rdn, $R3 rn" || fail "child table modes: $(echo "$OUT" | tr '\n' '|')"
ping_ok 3 "$ML1"
ML3=$(get 3 "ipaddr mleid")
ping_ok 2 "$ML3"

# ---- the leader dies (kill -9) and comes back from its state directory ----------------
{
    kill -9 "${PID[1]}"
    wait "${PID[1]}"
} 2>/dev/null
unset "PID[1]"
sleep 0.5
start_node 1
expect 1 "ifconfig up" Done
expect 1 "thread start" Done
if wait_state 1 leader 10; then
    pass "restarted node1 leader again after ${WAITED_MS} ms"
else
    fail "restarted node1 not leader within 10 s (state '$OUT')"
fi
[ "$(get 1 rloc16)" = "$R1" ] && pass "restarted node1 kept rloc16 $R1" ||
    fail "restarted node1 rloc16 '$(get 1 rloc16)', was $R1"
[ "$(get 1 extaddr)" = "$EXT1" ] && pass "restarted node1 kept extaddr" ||
    fail "restarted node1 extaddr changed"
[ "$(get 1 'ipaddr mleid')" = "$ML1" ] && pass "restarted node1 kept its ML-EID" ||
    fail "restarted node1 ML-EID changed"
[ "$(get 1 'dataset active -x')" = "$DS" ] && pass "restarted node1 kept the dataset" ||
    fail "restarted node1 dataset changed"
ok=0
deadline=$(($(now_ms) + 10000 * SLOW))
while [ "$(now_ms)" -lt "$deadline" ]; do
    if children_listed 1 "${R2:-none}" "${R3:-none}" &&
        [ "$(get 2 state)" = child ] && [ "$(get 3 state)" = child ]; then
        ok=1
        break
    fi
    sleep 0.5
done
[ $ok = 1 ] && pass "children are children of the restarted leader again" ||
    fail "children after restart: table '$(echo "$OUT" | tr '\n' '|')' node2 $(get 2 state) node3 $(get 3 state)"
ping_ok 2 "$ML1"

# ---- clean exits ------------------------------------------------------------------------
eval "exec ${FD[2]}>&-"
if wait_exit 2 5; then
    pass "node2 exits with 0 on EOF"
else
    fail "node2 on EOF: status ${EXIT_STATUS:-still running}"
fi
kill -TERM "${PID[3]}"
if wait_exit 3 5; then
    pass "node3 exits with 0 on SIGTERM"
else
    fail "node3 on SIGTERM: status ${EXIT_STATUS:-still running}"
fi
[ -n "$(ls -A "$T/state3" 2>/dev/null)" ] && pass "node3 left its state in its state dir" ||
    fail "node3 state dir empty"
kill -TERM "${PID[1]}"
if wait_exit 1 5; then
    pass "node1 exits with 0 on SIGTERM"
else
    fail "node1 on SIGTERM: status ${EXIT_STATUS:-still running}"
fi

# ---- ten children on one leader: 11 processes ------------------------------------------
# Node 10 forms a new network; nodes 11..20 join it all at once, the odd
# ones as MEDs (rn), the even ones as FTD children (rdn). All must be
# children within 20 s and listed in the leader's child table with their
# modes; a child pings another child's ML-EID (the leader forwards it: the
# reply arrives with hop limit 63), both ways between a MED and an FTD.
ten_children() {
    local L=10 n ok t0 rows dup r want ml
    local -A RL MODE
    for n in $(seq $L 20); do start_node "$n"; done
    expect $L "dataset init new" Done
    expect $L "dataset commit active" Done
    expect $L "ifconfig up" Done
    expect $L "thread start" Done
    if wait_state $L leader 10; then
        pass "node$L leader after ${WAITED_MS} ms"
    else
        fail "node$L not leader within 10 s (state '$OUT')"
        return
    fi
    local ds rl
    ds=$(get $L "dataset active -x")
    rl=$(get $L rloc16)
    # Every child gets its commands first, then all start together.
    for n in $(seq 11 20); do
        MODE[$n]=$([ $((n % 2)) = 1 ] && echo rn || echo rdn)
        ok=1
        for c in "dataset set active $ds" "mode ${MODE[$n]}" "routereligible disable" "ifconfig up"; do
            cmd $n "$c"
            [ "$RES" = Done ] || ok=0
        done
        [ $ok = 1 ] || fail "node$n setup: '$c' -> $RES"
    done
    t0=$(now_ms)
    for n in $(seq 11 20); do
        cmd $n "thread start"
        [ "$RES" = Done ] || fail "node$n 'thread start' -> $RES"
    done
    ok=0
    while [ "$(now_ms)" -lt $((t0 + 20000 * SLOW)) ]; do
        ok=1
        for n in $(seq 11 20); do
            if [ -z "${RL[$n]:-}" ]; then
                if cmd $n state 2 && [ "$OUT" = child ]; then
                    RL[$n]=$(get $n rloc16)
                else
                    ok=0
                fi
            fi
        done
        [ $ok = 1 ] && break
        sleep 0.3
    done
    if [ $ok = 1 ]; then
        pass "10 children (5 rn, 5 rdn) attached within $(($(now_ms) - t0)) ms of 'thread start'"
    else
        for n in $(seq 11 20); do [ -n "${RL[$n]:-}" ] || fail "node$n not child within 20 s (state $(get $n state))"; done
    fi
    dup=$(printf '%s\n' "${RL[@]}" | sort | uniq -d)
    ok=1
    for n in "${!RL[@]}"; do
        [ $((0x${RL[$n]} & 0xfc00)) -eq $((0x${rl:-0} & 0xfc00)) ] && [ "${RL[$n]}" != "$rl" ] || ok=0
    done
    [ ${#RL[@]} -eq 10 ] && [ -z "$dup" ] && [ $ok = 1 ] &&
        pass "10 distinct child RLOC16s under $rl: $(printf '%s ' "${RL[@]}")" ||
        fail "child RLOC16s: ${#RL[@]} of 10, duplicates '$dup', leader $rl: ${RL[*]}"
    cmd $L "child table" 5
    rows=$(echo "$OUT" | grep -c -E '^\| +[0-9]+ \| 0x[0-9a-f]{4} \|')
    ok=1
    for n in $(seq 11 20); do
        [ "${MODE[$n]}" = rn ] && want='1\|0\|1' || want='1\|1\|1'
        echo "$OUT" | grep -q -E "^\| +[0-9]+ \| 0x${RL[$n]:-none} \|.*\|$want\|" || ok=0
    done
    [ "$RES" = Done ] && [ "$rows" -eq 10 ] && [ $ok = 1 ] &&
        pass "leader's child table lists the 10 children with their modes" ||
        fail "child table ($rows rows): $(echo "$OUT" | tr '\n' '|')"
    # MED 11 -> FTD 12 and FTD 20 -> MED 15, through the leader.
    for pair in "11 12" "20 15"; do
        set -- $pair
        ml=$(get $2 "ipaddr mleid")
        cmd $1 "ping $ml 8 2 0.3" 15
        if [ "$RES" = Done ] &&
            [ "$(echo "$OUT" | grep -c -E "^16 bytes from $ml: icmp_seq=[0-9]+ hlim=63 time=[0-9]+ms$")" -eq 2 ]; then
            pass "node$1 (${MODE[$1]}) ping node$2 (${MODE[$2]}) ML-EID $ml: 2 replies with hlim 63 (via the leader)"
        else
            fail "node$1 ping node$2 $ml: $RES / $(echo "$OUT" | tr '\n' '|')"
        fi
    done
    cmd $L "child table" 5
    rows=$(echo "$OUT" | grep -c -E '^\| +[0-9]+ \| 0x[0-9a-f]{4} \|')
    [ "$rows" -eq 10 ] && pass "still 10 children after the pings" || fail "child table now $rows rows"
    for n in $(seq $L 20); do kill -TERM "${PID[$n]}"; done
    ok=0
    for n in $(seq $L 20); do
        wait_exit $n 5 && ok=$((ok + 1))
    done
    [ $ok = 11 ] && pass "the 11 nodes exit with 0 on SIGTERM" || fail "only $ok of 11 nodes exited with 0"
}
ten_children

if [ "$FAIL" -gt 0 ]; then
    for f in "$T"/err*; do
        [ -s "$f" ] && {
            echo "--- $(basename "$f") (tail)"
            tail -5 "$f"
        }
    done
fi
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
