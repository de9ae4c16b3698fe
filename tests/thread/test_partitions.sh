#!/usr/bin/env bash
# Partitions (issue 13) between tbr-node and unmodified OpenThread
# (../shared/ot/ot-cli-ftd) on the simulated radio; times are measured and
# printed (wall clock, the processes run in real time).
#
#   tests/thread/test_partitions.sh path/to/tbr-node
#
# (a) Merge: a tbr-node leader and an OpenThread leader of the same network
#     deny each other with `macfilter`, so two partitions exist; the filters
#     are lifted and the better partition (Thread's ComparePartitions:
#     weighting, then not-a-singleton, then partition ID) takes the other
#     leader in. Twice: OpenThread with `leaderweight 65` (tbr-node must
#     move to OpenThread's partition) and with `leaderweight 63` (OpenThread
#     must move to tbr-node's).
# (b) Leader loss: OpenThread node 5 leads, OpenThread node 6 becomes a
#     router, tbr-node 7 (denying node 5, `routereligible disable`) is node
#     6's child. Node 5 is killed: both notice the leader gone after the
#     network ID timeout (120 s), fail to reattach to the old partition, and
#     node 6 forms a new one as leader with its router ID and weight 64;
#     tbr-node 7 attaches to it.
# (c) Leader loss in a mesh of three routers: OpenThread leader 8, tbr-node 9
#     and OpenThread 10 routers (routerselectionjitter 1). Node 8 is killed:
#     both routers see the leader age reach 120 s, fail to reattach to the
#     old partition, and end in one new partition (one leads, the other
#     joins it); the leader keeps the router ID it had.
# (d) A merging router keeps its child: tbr-node 11 leads with an OpenThread
#     MTD child 12 (which hears node 11 only); OpenThread 13 (weight 65)
#     leads a second partition. Lifting the leaders' filters: node 11 joins
#     13's partition, asks for its router ID back (a/as parent-partition-
#     change) and node 12 follows within seconds as node 11's child; it
#     pings node 13 through node 11.
# Prints "N passed, N failed"; exit 77 (skip) without the OpenThread binary
# outside CI (tests/common.sh).
set -u

BIN=${1:?usage: $0 path/to/tbr-node}
[ -x "$BIN" ] || {
    echo "not executable: $BIN" >&2
    exit 2
}
export PORT_OFFSET=${PORT_OFFSET:-$((1000 + $$ % 40))} # 1000..1039: its own range

# shellcheck source=tests/thread/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/thread/ot_lib.sh
. "$(dirname "$0")/ot_lib.sh" # start_ot, ocmd, oget, role, reach, form, oneline

OT=$(tbr_shared_dir)/ot/ot-cli-ftd
[ -x "$OT" ] || tbr_missing_shared ot/ot-cli-ftd

# ld N FIELD: a `leaderdata` field (both CLIs print "Field: value").
ld() { oget "$1" leaderdata | sed -n "s/^$2: //p"; }

# kill_node N: ends node N's process (one we started).
kill_node() {
    kill -9 "${PID[$1]}" 2>/dev/null
    wait "${PID[$1]}" 2>/dev/null
    unset "PID[$1]"
}

# deny N EXT: node N drops frames from EXT.
deny() {
    expect "$1" "macfilter addr add $2" Done
    expect "$1" "macfilter addr denylist" Done
}

# lift N: no filter any more.
lift() {
    expect "$1" "macfilter addr clear" Done
    expect "$1" "macfilter addr disable" Done
}

# joined N PID: node N is a child or router in partition PID (a router-
# eligible node that joined as a child may become a router).
joined() {
    case $(role "$1") in child | router) [ "$(ld "$1" "Partition ID")" = "$2" ] ;; *) false ;; esac
}

# one_new_partition A B OLD SECONDS: waits until nodes A and B share a
# partition other than OLD, one of them leading; sets LEADER, NEWP, WAITED
# (ms), R_A / R_B / P_A / P_B (their roles and partitions last seen).
one_new_partition() {
    local a=$1 b=$2 old=$3 t0
    t0=$(now_ms)
    LEADER=
    while [ $(($(now_ms) - t0)) -lt $(($4 * 1000 * SLOW)) ]; do
        R_A=$(role "$a") R_B=$(role "$b")
        P_A=$(ld "$a" "Partition ID") P_B=$(ld "$b" "Partition ID")
        if [ -n "$P_A" ] && [ "$P_A" = "$P_B" ] && [ "$P_A" != "$old" ]; then
            [ "$R_A" = leader ] && [ "$R_B" != leader ] && LEADER=$a
            [ "$R_B" = leader ] && [ "$R_A" != leader ] && LEADER=$b
            [ -n "$LEADER" ] && break
        fi
        sleep 0.5
    done
    WAITED=$(($(now_ms) - t0))
    NEWP=$P_A
    [ -n "$LEADER" ]
}

# merge TBR OTN WEIGHT: tbr-node TBR leads, OpenThread OTN with that leader
# weight leads a second partition; lifting the filters merges them.
merge() {
    local t=$1 o=$2 w=$3 dst ext_t ext_o pid_t pid_o t0 ms winner loser wpid
    start_node "$t"
    start_ot "$o"
    form "$t"
    dst=$(oget "$t" "dataset active -x")
    ext_t=$(oget "$t" extaddr)
    ext_o=$(oget "$o" extaddr)
    deny "$t" "$ext_o"
    deny "$o" "$ext_t"
    expect "$o" "leaderweight $w" Done
    expect "$o" "dataset set active $dst" Done
    expect "$o" "ifconfig up" Done
    expect "$o" "thread start" Done
    if reach "$o" leader 40; then pass "node$o (OpenThread, weight $w) leads its own partition"; else
        fail "node$o state: $(role "$o")"
    fi
    pid_t=$(ld "$t" "Partition ID")
    pid_o=$(ld "$o" "Partition ID")
    [ "$(ld "$o" Weighting)" = "$w" ] && [ "$(ld "$t" Weighting)" = 64 ] &&
        [ -n "$pid_t" ] && [ "$pid_t" != "$pid_o" ] &&
        pass "two partitions: $pid_t (tbr-node, weight 64) and $pid_o (OpenThread, weight $w)" ||
        fail "partitions '$pid_t' / '$pid_o', weights $(ld "$t" Weighting) / $(ld "$o" Weighting)"
    if [ "$w" -gt 64 ]; then
        winner=$o loser=$t wpid=$pid_o
    else
        winner=$t loser=$o wpid=$pid_t
    fi
    lift "$t"
    lift "$o"
    t0=$(now_ms)
    while [ $(($(now_ms) - t0)) -lt $((120000 * SLOW)) ]; do
        joined "$loser" "$wpid" && [ "$(role "$winner")" = leader ] && break
        sleep 0.5
    done
    ms=$(($(now_ms) - t0))
    if joined "$loser" "$wpid" && [ "$(role "$winner")" = leader ]; then
        pass "merge (OpenThread weight $w): node$loser joined node$winner's partition $wpid in $ms ms"
        echo "MEASURED merge weight$w: $ms ms"
    else
        fail "no merge after $ms ms: node$loser $(role "$loser") in $(ld "$loser" "Partition ID"), node$winner $(role "$winner")"
    fi
    # One partition still, a while later (no flapping back).
    sleep $((5 * SLOW))
    joined "$loser" "$wpid" && [ "$(ld "$winner" "Partition ID")" = "$wpid" ] &&
        pass "still one partition $wpid" || fail "after 5 s: node$loser $(role "$loser") $(ld "$loser" "Partition ID")"
    kill_node "$t"
    kill_node "$o"
}

echo "partitions interop: PORT_OFFSET=$PORT_OFFSET dir=$T"

# ---- (a) merges ------------------------------------------------------------------------------
merge 1 2 65
merge 3 4 63

# ---- (b) leader loss: OpenThread leader 5, OpenThread router 6, tbr-node 7 child of 6 ---------
start_ot 5
start_ot 6
start_node 7
form 5
DS=$(oget 5 "dataset active -x")
EXT5=$(oget 5 extaddr)
OLD=$(ld 5 "Partition ID")
expect 6 "routerselectionjitter 1" Done
expect 6 "dataset set active $DS" Done
expect 6 "ifconfig up" Done
expect 6 "thread start" Done
if reach 6 router 40; then pass "node6 (OpenThread) became a router"; else fail "node6: $(role 6)"; fi
RID6=$(($(oget 6 rloc16 | sed 's/^/0x/') >> 10))
deny 7 "$EXT5"
expect 7 "routereligible disable" Done
expect 7 "dataset set active $DS" Done
expect 7 "ifconfig up" Done
expect 7 "thread start" Done
if reach 7 child 30; then pass "node7 (tbr-node) attached"; else fail "node7: $(role 7)"; fi
P7=$(oget 7 parent | sed -n 's/^Rloc: //p')
R6=$(oget 6 rloc16)
[ -n "$P7" ] && [ $((0x$P7)) = $((0x$R6)) ] && pass "node7's parent is node6 ($P7)" || fail "node7 parent '$P7'"

kill_node 5
if one_new_partition 6 7 "$OLD" 300; then
    pass "node$LEADER leads the new partition $NEWP (was $OLD), $WAITED ms after the leader was killed; node6 $R_A, node7 $R_B"
    echo "MEASURED leader loss, router + child (one new partition): $WAITED ms"
    [ "$LEADER" = 6 ] && [ "$(ld 6 "Leader Router ID")" = "$RID6" ] && [ "$(ld 6 Weighting)" = 64 ] &&
        pass "node6 kept its router ID $RID6 as leader, weight 64" ||
        fail "leader node$LEADER, leader router id $(ld "$LEADER" "Leader Router ID") (node6 was router $RID6), weight $(ld "$LEADER" Weighting)"
else
    fail "after $WAITED ms: node6 $R_A in $P_A, node7 $R_B in $P_B (old $OLD)"
fi
ML6=$(oget 6 "ipaddr mleid")
ocmd 7 "ping $ML6" 10
echo "$OUT" | grep -q "1 packets received" && pass "node7 pings node6 in the new partition" ||
    fail "node7 ping node6: $(oneline "$OUT")"

kill_node 6
kill_node 7

# ---- (c) leader loss in a mesh of three routers ------------------------------------------------
start_ot 8
start_node 9
start_ot 10
form 8
DS=$(oget 8 "dataset active -x")
OLD=$(ld 8 "Partition ID")
for n in 9 10; do
    expect $n "routerselectionjitter 1" Done
    expect $n "dataset set active $DS" Done
    expect $n "ifconfig up" Done
    expect $n "thread start" Done
    if reach $n router 60; then pass "node$n became a router"; else fail "node$n: $(role $n)"; fi
done
RID9=$(($(oget 9 rloc16 | sed 's/^/0x/') >> 10))
RID10=$(($(oget 10 rloc16 | sed 's/^/0x/') >> 10))
kill_node 8
if one_new_partition 9 10 "$OLD" 300; then
    pass "one new partition $NEWP led by node$LEADER (node9 $R_A, node10 $R_B) $WAITED ms after the leader was killed"
    echo "MEASURED leader loss, three routers (one new partition): $WAITED ms"
    [ "$LEADER" = 9 ] && want=$RID9 || want=$RID10
    [ "$(ld "$LEADER" "Leader Router ID")" = "$want" ] && [ "$(ld "$LEADER" Weighting)" = 64 ] &&
        pass "node$LEADER leads with its router ID $want, weight 64" ||
        fail "node$LEADER leader router id $(ld "$LEADER" "Leader Router ID") (router id was $want)"
else
    fail "after $WAITED ms: node9 $R_A in $P_A, node10 $R_B in $P_B (old $OLD)"
fi

# ---- (d) a merging tbr-node leader keeps its OpenThread child ----------------------------------
start_node 11
start_ot 12
start_ot 13
form 11
DS=$(oget 11 "dataset active -x")
EXT11=$(oget 11 extaddr)
EXT12=$(oget 12 extaddr)
EXT13=$(oget 13 extaddr)
deny 11 "$EXT13"
deny 13 "$EXT11"
deny 13 "$EXT12"
deny 12 "$EXT13"
expect 12 "mode rn" Done
expect 12 "dataset set active $DS" Done
expect 12 "ifconfig up" Done
expect 12 "thread start" Done
if reach 12 child 30; then pass "node12 (OpenThread MTD) is node11's child"; else fail "node12: $(role 12)"; fi
expect 13 "leaderweight 65" Done
expect 13 "dataset set active $DS" Done
expect 13 "ifconfig up" Done
expect 13 "thread start" Done
if reach 13 leader 40; then pass "node13 (OpenThread, weight 65) leads its own partition"; else
    fail "node13 state: $(role 13)"
fi
P13=$(ld 13 "Partition ID")
R11=$(oget 11 rloc16)
R12=$(oget 12 rloc16)
lift 11
lift 13
deny 13 "$EXT12" # node12 hears node11 only: it follows its parent or nobody
T0=$(now_ms)
while [ $(($(now_ms) - T0)) -lt $((120000 * SLOW)) ]; do
    joined 11 "$P13" && break
    sleep 0.5
done
T1=$(now_ms)
if joined 11 "$P13"; then pass "node11 joined node13's partition $P13 in $((T1 - T0)) ms"; else
    fail "node11 $(role 11) in $(ld 11 "Partition ID")"
fi
while [ $(($(now_ms) - T1)) -lt $((15000 * SLOW)) ]; do
    [ "$(ld 12 "Partition ID")" = "$P13" ] && [ "$(role 12)" = child ] && [ "$(role 11)" = router ] && break
    sleep 0.3
done
MS=$(($(now_ms) - T1))
if [ "$(ld 12 "Partition ID")" = "$P13" ] && [ "$(role 12)" = child ] && [ "$(role 11)" = router ]; then
    pass "node11 a router again, its child node12 in $P13 $MS ms after the merge (not at its keep-alive)"
    echo "MEASURED merging router's child in the new partition: $MS ms"
else
    fail "after $MS ms: node11 $(role 11), node12 $(role 12) in $(ld 12 "Partition ID")"
fi
[ "$(oget 11 rloc16)" != "$R11" ] || [ "$(oget 12 rloc16)" = "$R12" ] &&
    pass "node12 kept RLOC16 $R12 (node11 got its router ID back)" ||
    fail "node11 $R11 -> $(oget 11 rloc16), node12 $R12 -> $(oget 12 rloc16)"
ML13=$(oget 13 "ipaddr mleid")
ocmd 12 "ping $ML13" 10
echo "$OUT" | grep -q "1 packets received" && pass "node12 pings node13 through node11" ||
    fail "ping node12 -> node13: $(oneline "$OUT")"
kill_node 11
kill_node 12
kill_node 13

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
