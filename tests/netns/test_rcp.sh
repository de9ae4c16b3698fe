#!/usr/bin/env bash
# tbr-agent on a radio co-processor: OpenThread's own RCP (../shared/ot/ot-rcp,
# unmodified, Spinel/HDLC on a pty: spinel+hdlc+forkpty://) in network
# namespaces, with an OpenThread ot-cli-ftd device and a tbr-node device.
#
#   tests/netns/test_rcp.sh tbr-agent tbr-ctl tbr-node
#
#   1. a bad radio URL (exit 2), a missing device or RCP program, a device
#      that never answers (exit 1): one line each
#   2. the RCP answers: `rcp version` (OpenThread's string), `rcp link` ready;
#      `scan energy` prints OpenThread's table and leaves the radio on channel
#   3. the codelab's network on it: leader, NAT64 Active; both devices
#      attach, ping 192.0.2.1 through NAT64 and resolve example.com through
#      the border router's DNS server
#   4. kill -9 of the RCP process under traffic: the agent restarts it (no
#      exit), the devices stay attached, NAT64 keeps the device's mapping,
#      ping works again; the recovery times are printed ("recovery:" lines)
#   5. on the air (the sim radio's multicast, captured throughout): no MAC or
#      MLE frame counter used twice (tests/netns/chaos_air.py)
#
# Needs root, ../shared/ot (ot-rcp, ot-cli-ftd), dnsmasq and python3 with the
# cryptography module; skips (77) without them outside CI, fails in CI.
set -u

AGENT=${1:?usage: $0 tbr-agent tbr-ctl tbr-node}
CTL=${2:?usage: $0 tbr-agent tbr-ctl tbr-node}
NODE=${3:?usage: $0 tbr-agent tbr-ctl tbr-node}
HERE=$(cd "$(dirname "$0")" && pwd)
TEST_NAME=test_rcp
KEEP_DIR=/tmp/tbr-rcp-kept
PORT_OFFSET=$((400 + $$ % 40))
NSBR=tbrrb-$$
NSV4=tbrrv-$$
VBR=tr$$b
VV4=tr$$v
DPID=
SNIFF=
OT_IDS=3
# shellcheck source=tests/netns/lib.sh
. "$HERE/lib.sh"
tbr_check_env
OTRCP=$(tbr_shared_dir)/ot/ot-rcp
OT=$(tbr_shared_dir)/ot/ot-cli-ftd
[ -x "$OTRCP" ] || tbr_missing_shared ot/ot-rcp
[ -x "$OT" ] || tbr_missing_shared ot/ot-cli-ftd
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
[ -x "$DNSMASQ" ] || skip "dnsmasq is missing"
python3 -c 'import cryptography' 2>/dev/null || skip "python3 with the cryptography module is missing"

rcp_cleanup() {
    [ -n "$SNIFF" ] && kill -9 "$SNIFF" && wait "$SNIFF"
    stop_dnsmasq
    # the agent's RCP child, should the agent have died without reaping it
    pkill -9 -f "^$OTRCP 1\$"
}
TBR_CLEANUP=rcp_cleanup

# ctr "COMMAND" NAME: one "name: value" line of a tbr-ctl command.
ctr() {
    # shellcheck disable=SC2086 # COMMAND is words
    ctl $1
    echo "$OUT" | sed -n "s/^$2: \([0-9]*\).*/\1/p" | head -1
}
rcp_child() { pgrep -P "$APID" -f "$OTRCP" | head -1; }

# ---- 1. what a user gets wrong ----------------------------------------------------------

tbr_topology 192.0.2.100/24 192.0.2.1/24
inv4 ip addr add 192.0.2.53/24 dev "$VV4"

# bad_start DESC URL WANT [RC]: the agent refuses to start with one line
# holding WANT and exit status RC (1; 2 for a URL that does not parse).
bad_start() {
    local desc=$1 url=$2 want=$3 want_rc=${4:-1} out rc
    out=$(cd "$T" && timeout 20 ip netns exec "$NSBR" "$AGENT" -I wpan9 --state-dir "$T/bad" \
        --ctl-socket "$T/bad.sock" "$url" 2>&1 </dev/null)
    rc=$?
    if [ "$rc" = "$want_rc" ] && [ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q -- "$want"; then
        pass "$desc: exit $rc, '$out'"
    else
        fail "$desc: exit $rc, output: $(oneline "$out") (wanted one line with '$want')"
    fi
}
bad_start "an unknown radio URL parameter" "spinel+hdlc+uart:///dev/ttyACM0?uart-baudrate=12" \
    "uart-baudrate '12' is not a supported rate" 2
bad_start "a missing serial device" "spinel+hdlc+uart://$T/no-such-tty" \
    "$T/no-such-tty: No such file or directory"
bad_start "a missing RCP program" "spinel+hdlc+forkpty://$T/no-such-rcp?forkpty-arg=1" \
    "$T/no-such-rcp"
# a program that is no RCP: it never answers the reset
printf '#!/bin/sh\nexec cat >/dev/null\n' >"$T/mute-rcp"
chmod +x "$T/mute-rcp"
bad_start "a device that never answers" "spinel+hdlc+forkpty://$T/mute-rcp" "no answer from the RCP"

# ---- 2. the agent on ot-rcp --------------------------------------------------------------

start_dnsmasq && pass "dnsmasq listens on 192.0.2.53" || fail "dnsmasq did not start"
AGENT_ARGS=(--dns-upstream 192.0.2.53)
AGENT_RADIO="spinel+hdlc+forkpty://$OTRCP?forkpty-arg=1"
air_capture
T_START=$(now_ms)
start_agent
[ -S "$SOCK" ] && pass "the agent on ot-rcp listens on its control socket" ||
    fail "no control socket (agent log: $(oneline "$(tail -5 "$T/agent.log")"))"
grep -q "radio: RCP ready on spinel+hdlc+forkpty://" "$T/agent.log" &&
    pass "agent log: $(grep -o "RCP ready on .* ms" "$T/agent.log" | head -1)" ||
    fail "agent log has no 'RCP ready': $(oneline "$(tail -5 "$T/agent.log")")"

ctl rcp version
if [ "$RC" = 0 ] && echo "$OUT" | head -1 | grep -q "^OPENTHREAD/.*SIMULATION" &&
    [ "$(echo "$OUT" | tail -1)" = Done ]; then
    pass "rcp version: $(echo "$OUT" | head -1)"
else
    fail "rcp version: $(oneline "$OUT")"
fi
ctl version rcp
[ "$(echo "$OUT" | head -1)" = "$(inbr "$CTL" --socket "$SOCK" rcp version | head -1)" ] &&
    pass "version rcp: the same string" || fail "version rcp: $(oneline "$OUT")"
ctl rcp link
if echo "$OUT" | grep -qx "state: ready" && echo "$OUT" | grep -qx "spinel: 4\.[0-9]*" &&
    echo "$OUT" | grep -Eqx "eui64: [0-9a-f]{16}"; then
    pass "rcp link: ready, Spinel 4.x, the RCP's EUI-64"
else
    fail "rcp link: $(oneline "$OUT")"
fi

# ---- 3. the codelab's network on the RCP ------------------------------------------------------

form_network
nat64_up
start_node 2
start_ot 3
nodeid 3 "factoryreset" 5
sleep 0.5
join_device 2
join_device 3
for id in 2 3; do
    wait_omr "$id" || fail "device $id: no OMR address / NAT64 route: $(oneline "$OUT")"
    nodeid "$id" "ping 192.0.2.1" 15
    echo "$OUT" | grep -q "1 packets received" &&
        pass "device $id ($(is_ot "$id" && echo ot-cli-ftd || echo tbr-node)): ping 192.0.2.1 through NAT64" ||
        fail "device $id ping 192.0.2.1: $RES $(oneline "$OUT")"
done
nodeid 2 "dns resolve4 example.com" 15
[ "$RES" = Done ] && echo "$OUT" | grep -q "^DNS response for example.com. - .*:c000:202 TTL:" &&
    pass "tbr-node resolves example.com through the border router" ||
    fail "tbr-node dns resolve4: $RES $(oneline "$OUT")"
nodeid 3 "dns resolve4 example.com" 15
[ "$RES" = Done ] && echo "$OUT" | grep -q "^DNS response for example.com. - .*:c000:202 TTL:" &&
    pass "ot-cli-ftd resolves example.com through the border router" ||
    fail "ot-cli-ftd dns resolve4: $RES $(oneline "$OUT")"

# energy scan through the RCP (OpenThread's table), then the radio is back on
# the network's channel: the devices still reach the IPv4 host
ctl scan energy 20
ROWS=$(echo "$OUT" | grep -Ec '^\| (1[1-9]|2[0-6]) \| +-?[0-9]+ \|$')
if [ "$(echo "$OUT" | head -2 | tr '\n' '/')" = "| Ch | RSSI |/+----+------+/" ] && [ "$ROWS" = 16 ] &&
    [ "$(echo "$OUT" | tail -1)" = Done ]; then
    pass "scan energy 20: 16 channels in OpenThread's table"
else
    fail "scan energy: $(oneline "$OUT")"
fi
ctl scan energy 20 15
[ "$(echo "$OUT" | grep -Ec '^\| 15 \| +-?[0-9]+ \|$')" = 1 ] && [ "$(echo "$OUT" | wc -l)" = 4 ] &&
    pass "scan energy 20 15: channel 15 only" || fail "scan energy 20 15: $(oneline "$OUT")"
nodeid 2 "ping 192.0.2.1" 15
echo "$OUT" | grep -q "1 packets received" && pass "after the scans the device still pings 192.0.2.1" ||
    fail "device ping after the energy scan: $RES $(oneline "$OUT")"

# ---- 4. kill -9 of the RCP under traffic ---------------------------------------------------

ctl nat64 mappings
MAP_BEFORE=$(echo "$OUT" | grep -Eo "^\| [0-9a-f]{16} " | sort | tr -d ' |' | tr '\n' ' ')
RESTORES0=$(ctr "rcp counters" restores)
OLD=$(rcp_child)
[ -n "$OLD" ] && pass "the RCP runs as the agent's child (pid $OLD)" || fail "no ot-rcp child of the agent"
nodeid 3 "ping 192.0.2.1 8 40 0.1" 1 # under way: 40 echo requests, 4 s
sleep 1
T_KILL=$(now_ms)
kill -9 "$OLD"
T_READY=
for _ in $(seq 1 $((300 * SLOW))); do
    ctl rcp link
    if echo "$OUT" | grep -qx "state: ready" && [ "$(ctr "rcp counters" restores)" -gt "$RESTORES0" ]; then
        T_READY=$(now_ms)
        break
    fi
    sleep 0.05
done
kill -0 "$APID" 2>/dev/null && pass "the agent is still running after its RCP was killed" ||
    fail "the agent exited when its RCP was killed: $(oneline "$(tail -5 "$T/agent.log")")"
NEW=$(rcp_child)
[ -n "$T_READY" ] && [ -n "$NEW" ] && [ "$NEW" != "$OLD" ] &&
    pass "a new RCP (pid $NEW) is ready $((T_READY - T_KILL)) ms after the kill" ||
    fail "no RCP ready again: $(oneline "$OUT") (log: $(oneline "$(grep rcp "$T/agent.log" | tail -4)"))"
T_PING=
for _ in $(seq 1 $((40 * SLOW))); do
    nodeid 2 "ping 192.0.2.1 8 1 1" 5
    if echo "$OUT" | grep -q "1 packets received"; then
        T_PING=$(now_ms)
        break
    fi
done
[ -n "$T_PING" ] && pass "tbr-node pings 192.0.2.1 again $((T_PING - T_KILL)) ms after the kill" ||
    fail "tbr-node cannot ping after the RCP restart: $(oneline "$OUT")"
echo "recovery: rcp kill -9 -> ready $((${T_READY:-0} - T_KILL)) ms, -> device ping $((${T_PING:-0} - T_KILL)) ms"
wait_file 10 "$T/nout3" "40 packets transmitted" || true
SUM=$(grep "40 packets transmitted" "$T/nout3" | tail -1)
[ -n "$SUM" ] && pass "ot-cli-ftd's ping under the kill ended: $SUM" ||
    fail "ot-cli-ftd's ping run did not end"
for id in 2 3; do
    nodeid "$id" state
    [ "$OUT" = child ] || [ "$OUT" = router ] && pass "device $id still attached ($OUT)" ||
        fail "device $id state after the RCP kill: $OUT"
done
ctl nat64 mappings
MAP_AFTER=$(echo "$OUT" | grep -Eo "^\| [0-9a-f]{16} " | sort | tr -d ' |' | tr '\n' ' ')
[ -n "$MAP_BEFORE" ] && [ "$MAP_BEFORE" = "$MAP_AFTER" ] &&
    pass "NAT64 kept its mappings through the RCP restart ($MAP_AFTER)" ||
    fail "NAT64 mappings before '$MAP_BEFORE', after '$MAP_AFTER'"
nodeid 3 "ping 192.0.2.1" 15
echo "$OUT" | grep -q "1 packets received" && pass "ot-cli-ftd pings 192.0.2.1 after the RCP restart" ||
    fail "ot-cli-ftd ping after the restart: $RES $(oneline "$OUT")"
ctl rcp counters
for c in link-down restores link-child-exits; do
    v=$(echo "$OUT" | sed -n "s/^$c: //p")
    [ "${v:-0}" -ge 1 ] && pass "rcp counters: $c $v" || fail "rcp counters: $c is '${v:-}'"
done
[ "$(grep -c "rcp: .*\(exited\|signal 9\)" "$T/agent.log")" -ge 1 ] &&
    pass "agent log names the RCP's end: $(grep -m1 "rcp: .*\(exited\|signal 9\)" "$T/agent.log" | cut -d: -f3-)" ||
    fail "agent log does not say how the RCP ended: $(oneline "$(grep rcp "$T/agent.log" | tail -5)")"

# ---- 5. frame counters on the air ------------------------------------------------------------

air_check

tbr_finish
