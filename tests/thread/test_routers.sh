#!/usr/bin/env bash
# The router role against unmodified OpenThread (issue 13): tbr-node and
# ../shared/ot/ot-cli-ftd on the simulated radio.
#
#   tests/thread/test_routers.sh path/to/tbr-node
#
# Network A: tbr-node 1 leads; OpenThread FTDs 2 and 3 (`routerselectionjitter
# 1`) attach, ask for router IDs (a/as) and become routers; OpenThread's
# `router table` on each lists the three IDs with links to the other two,
# and tbr-node's `router table` lists the same IDs with links to both; an
# OpenThread router restarted from its flash is a router again at once.
# Network B: OpenThread 5 leads; tbr-node 6 (`routerselectionjitter 1`)
# attaches as a REED and becomes a router: OpenThread's `router table`
# lists it with a link, tbr-node's lists the leader with a link.
# Hostile TMF sent raw from OpenThread (`udp send -x`): an a/ar with a
# wrong ext address at the tbr leader, an a/as at a tbr router: dropped and
# logged, nothing released, both carry on. Hostile MLE (Link Request with a
# bad challenge or a foreign partition, an Advertisement carrying our own
# router ID) needs MLE security keys: tests/unit/test_routers.c counts it.
# Prints "N passed, N failed"; exit 77 (skip) without the OpenThread binary
# outside CI (tests/common.sh).
set -u

BIN=${1:?usage: $0 path/to/tbr-node}
[ -x "$BIN" ] || {
    echo "not executable: $BIN" >&2
    exit 2
}
export PORT_OFFSET=${PORT_OFFSET:-$((900 + $$ % 50))} # 900..949: its own range

# shellcheck source=tests/thread/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/thread/ot_lib.sh
. "$(dirname "$0")/ot_lib.sh"

OT=$(tbr_shared_dir)/ot/ot-cli-ftd
[ -x "$OT" ] || tbr_missing_shared ot/ot-cli-ftd

# join_ftd N DATASET: an FTD asking for a router ID within a second.
join_ftd() {
    expect "$1" "routerselectionjitter 1" Done
    expect "$1" "dataset set active $2" Done
    expect "$1" "ifconfig up" Done
    expect "$1" "thread start" Done
}

# ids N: the router IDs of node N's `router table`, sorted, on one line.
ids() {
    oget "$1" "router table" | awk -F'|' '$2 ~ /^ *[0-9]+ *$/ { gsub(/ /, "", $2); print $2 }' |
        sort -n | tr '\n' ' '
}

# linked N: the router IDs node N has a link to (column Link = 1).
linked() {
    oget "$1" "router table" | awk -F'|' '$2 ~ /^ *[0-9]+ *$/ && $10 ~ /^ *1 *$/ {
        gsub(/ /, "", $2); print $2 }' | sort -n | tr '\n' ' '
}

# rid N: node N's router ID (its RLOC16 >> 10).
rid() { echo $(($(printf '%d' "0x$(oget "$1" rloc16)") >> 10)); }

# agree_on N...: each node's `router table` lists the same IDs, and links to
# every other node given (they all hear each other).
agree_on() {
    local n m want ok=1 got l
    want=$(for n in "$@"; do rid "$n"; done | sort -n | tr '\n' ' ')
    for n in "$@"; do
        got=$(ids "$n")
        [ "$got" = "$want" ] || ok=0
        l=$(linked "$n")
        for m in "$@"; do
            [ "$m" = "$n" ] && continue
            case " $l" in *" $(rid "$m") "*) ;; *) ok=0 ;; esac
        done
    done
    [ $ok = 1 ]
}

echo "router interop: PORT_OFFSET=$PORT_OFFSET dir=$T"

# ---- network A: tbr-node leads, OpenThread FTDs become routers --------------------------
start_node 1
start_ot 2
start_ot 3
form 1
DSA=$(oget 1 "dataset active -x")
join_ftd 2 "$DSA"
join_ftd 3 "$DSA"
for n in 2 3; do
    if reach $n router 60; then pass "node$n (OpenThread) became a router under tbr-node 1"; else
        fail "node$n state: $(role $n)"
    fi
done
deadline=$(($(now_ms) + 60000 * SLOW))
until agree_on 1 2 3 || [ "$(now_ms)" -ge "$deadline" ]; do sleep 1; done
if agree_on 1 2 3; then
    pass "router tables agree: IDs $(ids 1) with links all round"
else
    for n in 1 2 3; do echo "node$n router table:"; oget $n "router table"; done
    fail "router tables: node1 $(ids 1)/$(linked 1) node2 $(ids 2)/$(linked 2) node3 $(ids 3)/$(linked 3)"
fi
ocmd 1 "child table"
[ "$(echo "$OUT" | grep -c '^| *[0-9]')" -eq 0 ] && pass "node1 has no children left (both are routers)" ||
    fail "node1 child table: $(oneline "$OUT")"
# MAC security over the router link both ways, then mesh-local EIDs
# between routers (the address query and the RLOC routes of mesh.c).
LL2=$(oget 2 "ipaddr linklocal")
ocmd 1 "ping $LL2" 10
echo "$OUT" | grep -q "1 packets received" && pass "leader node1 pings router node2's link-local" ||
    fail "node1 ping node2 $LL2: $(oneline "$OUT")"
ML1=$(oget 1 "ipaddr mleid")
ML3=$(oget 3 "ipaddr mleid")
ocmd 2 "ping $ML1" 10
echo "$OUT" | grep -q "1 packets received" && pass "router node2 pings the tbr leader's ML-EID" ||
    fail "node2 ping node1 $ML1: $(oneline "$OUT")"
ocmd 1 "ping $ML3" 10
echo "$OUT" | grep -q "1 packets received" && pass "the tbr leader pings router node3's ML-EID" ||
    fail "node1 ping node3 $ML3: $(oneline "$OUT")"

# Hostile TMF from OpenThread router 2 (raw CoAP with `udp send -x`): an
# a/ar for its own router ID with a wrong ext address must not release it
# (tbr-node counts it: tmf_drop_addr_release, unit-tested); tbr-node lives on.
LL1=$(oget 1 "ipaddr linklocal")
R2=$(oget 2 rloc16)
expect 2 "udp open" Done
expect 2 "udp bind :: 0" Done
AR="4202beef1234b161026172ff0202${R2}01080123456789abcdef"
expect 2 "udp send $LL1 61631 -x $AR" Done
sleep 1
grep -q "a/ar for 0x$R2 dropped" "$T/err1" && pass "node1 dropped the a/ar (logged)" ||
    fail "node1 did not log the dropped a/ar: $(tail -3 "$T/err1" | tr '\n' '|')"
case " $(ids 1)" in *" $(rid 2) "*) pass "a/ar with a wrong ext address: node2's ID $(rid 2) kept" ;;
*) fail "node1 router IDs after a bad a/ar: $(ids 1)" ;; esac
[ "$(role 1)" = leader ] && pass "node1 still leads" || fail "node1: $(role 1)"

# An OpenThread router restarts (kill -9, its flash kept): it restores its
# router role with a multicast Link Request, which tbr-node 1 answers with a
# Link Accept carrying its Address16 and Route64 (mle_ftd.cpp).
{
    kill -9 "${PID[2]}"
    wait "${PID[2]}"
} 2>/dev/null
start_ot 2
expect 2 "ifconfig up" Done
expect 2 "thread start" Done
if reach 2 router 15 && [ "$(oget 2 rloc16)" = "$R2" ]; then
    pass "restarted node2 is router $R2 again"
else
    fail "restarted node2: $(role 2) rloc16 $(oget 2 rloc16), was $R2"
fi

# ---- network B: OpenThread leads, tbr-node becomes a router -----------------------------
start_ot 5
start_node 6
form 5
DSB=$(oget 5 "dataset active -x")
join_ftd 6 "$DSB"
if reach 6 router 60; then pass "node6 (tbr-node) became a router under OpenThread 5"; else
    fail "node6 state: $(role 6)"
fi
deadline=$(($(now_ms) + 60000 * SLOW))
until agree_on 5 6 || [ "$(now_ms)" -ge "$deadline" ]; do sleep 1; done
if agree_on 5 6; then
    pass "router tables agree: IDs $(ids 5) with links"
else
    for n in 5 6; do echo "node$n router table:"; oget $n "router table"; done
    fail "router tables: node5 $(ids 5)/$(linked 5) node6 $(ids 6)/$(linked 6)"
fi
# An a/as sent to tbr-node 6, a router and not the leader: dropped
# (tmf_drop_not_leader), no answer, node6 stays a router.
LL6=$(oget 6 "ipaddr linklocal")
expect 5 "udp open" Done
expect 5 "udp bind :: 0" Done
expect 5 "udp send $LL6 61631 -x 4202beef1235b161026173ff01080123456789abcdef040102" Done
sleep 1
grep -q "a/as dropped (not leader)" "$T/err6" && pass "node6 dropped the a/as (logged)" ||
    fail "node6 did not log the dropped a/as"
[ "$(role 6)" = router ] && pass "node6 ignores an a/as (not leader), still router" ||
    fail "node6 after an a/as: $(role 6)"
LL5=$(oget 5 "ipaddr linklocal")
ocmd 6 "ping $LL5" 10
echo "$OUT" | grep -q "1 packets received" && pass "router node6 pings leader node5's link-local" ||
    fail "node6 ping node5 $LL5: $(oneline "$OUT")"
ML5=$(oget 5 "ipaddr mleid")
ocmd 6 "ping $ML5" 10
echo "$OUT" | grep -q "1 packets received" && pass "tbr router node6 pings the OpenThread leader's ML-EID" ||
    fail "node6 ping node5 $ML5: $(oneline "$OUT")"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
