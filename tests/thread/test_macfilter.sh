#!/usr/bin/env bash
# Interop of `macfilter` (issue 13): tbr-node and unmodified OpenThread
# (../shared/ot/ot-cli-ftd) on the simulated radio, topologies made with the
# MAC filter as OpenThread's certification tests make them.
#
#   tests/thread/test_macfilter.sh path/to/tbr-node
#
# Network A: OpenThread node 1 leads. tbr-node 2 (an end device, `mode rn`,
# so that finding no parent it keeps looking instead of forming its own
# partition) denylists node 1: it cannot attach, its RxAddressFiltered
# counter grows; after `macfilter addr clear` it attaches. Then
# `macfilter rss add <node 1> -95` lowers the link quality tbr-node 2
# reports in `parent` (3 -> 1), and OpenThread's own `macfilter rss add`
# does the same in its `child table`.
# Network B: tbr-node 4 leads. OpenThread node 5 (`mode rn`) allowlists
# only an address that is not there: it hears nobody and stays detached;
# with tbr-node 4's address added it attaches to it, and tbr-node 4's
# `macfilter rss add <node 5> -95` shows as LQ In 1 in its `child table`.
# Prints "N passed, N failed"; exit 77 (skip) without the OpenThread binary
# outside CI (tests/common.sh).
set -u

BIN=${1:?usage: $0 path/to/tbr-node}
[ -x "$BIN" ] || {
    echo "not executable: $BIN" >&2
    exit 2
}
export PORT_OFFSET=${PORT_OFFSET:-$((800 + $$ % 100))} # 800..899: its own range

# shellcheck source=tests/thread/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/thread/ot_lib.sh
. "$(dirname "$0")/ot_lib.sh"

OT=$(tbr_shared_dir)/ot/ot-cli-ftd
[ -x "$OT" ] || tbr_missing_shared ot/ot-cli-ftd

# stays_unattached N SECONDS: never child or leader within SECONDS.
stays_unattached() {
    local deadline=$(($(now_ms) + $2 * 1000 * SLOW)) r
    while [ "$(now_ms)" -lt "$deadline" ]; do
        r=$(role "$1")
        case $r in child | router | leader) return 1 ;; esac
        sleep 0.5
    done
    return 0
}

# mac_counter N NAME: a `counters mac` value (both implementations print
# "Name: value").
mac_counter() { oget "$1" "counters mac" | sed -n "s/^ *$2: //p"; }

# join N DATASET: as an end device (mode rn) with that dataset.
join() {
    expect "$1" "mode rn" Done
    expect "$1" "dataset set active $2" Done
    expect "$1" "ifconfig up" Done
    expect "$1" "thread start" Done
}

# ping_once FROM ADDR: one echo answered (both CLIs print "1 packets received").
ping_once() {
    ocmd "$1" "ping $2" 10
    echo "$OUT" | grep -q "1 packets received"
}

echo "macfilter interop: PORT_OFFSET=$PORT_OFFSET dir=$T"

# ---- network A: OpenThread leads, tbr-node denylists it -----------------------------------
start_ot 1
start_node 2
form 1
DSA=$(oget 1 "dataset active -x")
EXT1=$(oget 1 extaddr)
ML1=$(oget 1 "ipaddr mleid")
[[ "$DSA" =~ ^[0-9a-f]+$ ]] && [[ "$EXT1" =~ ^[0-9a-f]{16}$ ]] &&
    pass "node1 (OpenThread) dataset and extaddr $EXT1" || fail "node1 dataset '$DSA' extaddr '$EXT1'"

expect 2 "macfilter addr add $EXT1" Done
expect 2 "macfilter addr denylist" Done
ocmd 2 macfilter
[ "$OUT" = "Address Mode: Denylist
$EXT1
RssIn List:" ] && pass "node2 macfilter lists the denylist" || fail "node2 macfilter: $(oneline "$OUT")"
join 2 "$DSA"
if stays_unattached 2 15; then pass "node2 (tbr-node) denying node1 stays detached"; else
    fail "node2 attached through its denylist: $(role 2)"
fi
F=$(mac_counter 2 RxAddressFiltered)
[ "${F:-0}" -gt 0 ] && pass "node2 RxAddressFiltered: $F" || fail "node2 RxAddressFiltered '$F'"

expect 2 "macfilter addr clear" Done
if reach 2 child 20; then pass "node2 attaches to node1 after macfilter addr clear"; else
    fail "node2 after clear: $(role 2)"
fi
ocmd 2 parent
echo "$OUT" | grep -qx "Ext Addr: $EXT1" && echo "$OUT" | grep -qx "Link Quality In: 3" &&
    pass "node2 parent is node1, Link Quality In 3" || fail "node2 parent: $(oneline "$OUT")"

# RSS-in on tbr-node: the reply to a ping arrives at -95 dBm (margin 5 dB: quality 1).
expect 2 "macfilter rss add $EXT1 -95" Done
ocmd 2 "macfilter rss"
[ "$OUT" = "$EXT1 : rss -95 (lqi 1)" ] && pass "node2 macfilter rss" || fail "node2 macfilter rss: $(oneline "$OUT")"
ping_once 2 "$ML1" && pass "node2 pings node1" || fail "node2 ping node1: $(oneline "$OUT")"
ocmd 2 parent
echo "$OUT" | grep -qx "Link Quality In: 1" && pass "node2 parent Link Quality In 1 under rss -95" ||
    fail "node2 parent under rss -95: $(oneline "$OUT")"
expect 2 "macfilter rss clear" Done
ping_once 2 "$ML1"
ocmd 2 parent
echo "$OUT" | grep -qx "Link Quality In: 3" && pass "node2 parent Link Quality In 3 after rss clear" ||
    fail "node2 parent after rss clear: $(oneline "$OUT")"

# The same on OpenThread's side, for comparison: its child table follows its own filter.
EXT2=$(oget 2 extaddr)
expect 1 "macfilter rss add $EXT2 -85" Done
ping_once 2 "$ML1"
ocmd 1 "child table"
echo "$OUT" | grep -i "$EXT2" | grep -qE '^\| +[0-9]+ \| 0x[0-9a-f]{4} \| +[0-9]+ \| +[0-9]+ \| +2 \|' &&
    pass "node1 (OpenThread) child table: LQ In 2 for node2 under rss -85" ||
    fail "node1 child table: $(oneline "$OUT")"

# ---- network B: tbr-node leads, OpenThread allowlists it ------------------------------------
start_node 4
start_ot 5
form 4
DSB=$(oget 4 "dataset active -x")
EXT4=$(oget 4 extaddr)
ML4=$(oget 4 "ipaddr mleid")
expect 5 "macfilter addr add 0123456789abcdef" Done
expect 5 "macfilter addr allowlist" Done
join 5 "$DSB"
if stays_unattached 5 15; then pass "node5 (OpenThread) allowing nobody present stays detached"; else
    fail "node5 attached through its allowlist: $(role 5)"
fi
F=$(mac_counter 5 RxAddressFiltered)
[ "${F:-0}" -gt 0 ] && pass "node5 RxAddressFiltered: $F (it heard node4 and dropped it)" ||
    fail "node5 RxAddressFiltered '$F'"
expect 5 "macfilter addr add $EXT4" Done
if reach 5 child 20; then pass "node5 attaches to node4 once allowlisted"; else fail "node5: $(role 5)"; fi
ocmd 5 parent
echo "$OUT" | grep -qx "Ext Addr: $EXT4" && pass "node5 parent is node4 (tbr-node)" ||
    fail "node5 parent: $(oneline "$OUT")"
EXT5=$(oget 5 extaddr)
expect 4 "macfilter rss add $EXT5 -95" Done
ping_once 5 "$ML4" && pass "node5 pings node4" || fail "node5 ping node4: $(oneline "$OUT")"
ocmd 4 "child table"
echo "$OUT" | grep -i "$EXT5" | grep -qE '^\| +[0-9]+ \| 0x[0-9a-f]{4} \| +[0-9]+ \| +[0-9]+ \| +1 \|' &&
    pass "node4 (tbr-node) child table: LQ In 1 for node5 under rss -95" ||
    fail "node4 child table: $(oneline "$OUT")"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
