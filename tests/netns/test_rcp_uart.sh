#!/usr/bin/env bash
# tbr-agent on a UART-attached RCP, and the radio link's faults. The "UART"
# is a pseudo-terminal pair: tests/rcp/rcp_proxy.py holds one end and runs
# OpenThread's ot-rcp (../shared/ot, unmodified) behind it; the agent opens the
# other end as spinel+hdlc+uart://PATH?uart-baudrate=460800&uart-flow-control.
# The proxy injects the faults a serial line has, one after another, under
# traffic from a tbr-node device pinging 192.0.2.1 through NAT64:
#
#   garbage       random bytes on the line       -> counted, nothing else
#   truncate      a frame cut in half            -> a bad FCS, counted
#   reset-notify  the RCP says it reset          -> re-initialised, restored
#   delay 300     a slow RCP (within timeouts)   -> everything still works
#   delay 6000    answers later than the timeouts -> timeouts, reset, link
#                 reset, recovery once the answers are timely again
#   kill          the dongle reboots (new ot-rcp) -> its reset notification
#   unplug 2      USB re-enumeration: the device path vanishes for 2 s
#
# After each: the device pings again within a bound, the counters name what
# happened, and at the end no MAC or MLE frame counter was used twice on the
# air. Prints "recovery: FAULT N ms" lines (fault injected -> device ping).
#
#   tests/netns/test_rcp_uart.sh tbr-agent tbr-ctl tbr-node
set -u

AGENT=${1:?usage: $0 tbr-agent tbr-ctl tbr-node}
CTL=${2:?usage: $0 tbr-agent tbr-ctl tbr-node}
NODE=${3:?usage: $0 tbr-agent tbr-ctl tbr-node}
HERE=$(cd "$(dirname "$0")" && pwd)
TEST_NAME=test_rcp_uart
KEEP_DIR=/tmp/tbr-rcp-uart-kept
PORT_OFFSET=$((440 + $$ % 40))
NSBR=tbrub-$$
NSV4=tbruv-$$
VBR=tu$$b
VV4=tu$$v
PPID_=
SNIFF=
# shellcheck source=tests/netns/lib.sh
. "$HERE/lib.sh"
tbr_check_env
OTRCP=$(tbr_shared_dir)/ot/ot-rcp
[ -x "$OTRCP" ] || tbr_missing_shared ot/ot-rcp
python3 -c 'import cryptography' 2>/dev/null || skip "python3 with the cryptography module is missing"
TTY=$T/ttyRCP
CTLF=$T/proxy.ctl

uart_cleanup() {
    [ -n "$SNIFF" ] && kill -9 "$SNIFF" && wait "$SNIFF"
    [ -n "$PPID_" ] && kill -TERM "$PPID_" && wait "$PPID_"
}
TBR_CLEANUP=uart_cleanup

ctr() {
    # shellcheck disable=SC2086 # COMMAND is words
    ctl $1
    echo "$OUT" | sed -n "s/^$2: \([0-9]*\).*/\1/p" | head -1
}
proxy() { echo "$*" >"$CTLF"; }
# ping_ok SECONDS: the device's single pings until one is answered; sets
# T_OK (ms) or returns 1.
ping_ok() {
    local deadline=$(($(now_ms) + $1 * 1000 * SLOW))
    T_OK=
    while [ "$(now_ms)" -lt "$deadline" ]; do
        node "ping 192.0.2.1 8 1 1" 5
        if echo "$OUT" | grep -q "1 packets received"; then
            T_OK=$(now_ms)
            return 0
        fi
    done
    return 1
}
# after FAULT T0 SECONDS: the device pings within SECONDS of T0; prints the
# recovery line.
after() {
    if ping_ok "$3"; then
        pass "$1: the device pings 192.0.2.1 again $((T_OK - $2)) ms after it"
        echo "recovery: $1 $((T_OK - $2)) ms"
    else
        fail "$1: no ping within $3 s: $(oneline "$OUT") (log: $(oneline "$(grep rcp "$T/agent.log" | tail -4)"))"
    fi
}
grew() { # grew NAME BEFORE: rcp counter NAME is above BEFORE
    local v
    v=$(ctr "rcp counters" "$1")
    [ "${v:-0}" -gt "$2" ] && pass "$3: rcp counters $1 $2 -> $v" || fail "$3: rcp counters $1 stayed ${v:-?}"
}

tbr_topology 192.0.2.100/24 192.0.2.1/24
(
    cd "$T" || exit 1
    exec ip netns exec "$NSBR" python3 "$HERE/../rcp/rcp_proxy.py" --link "$TTY" --control "$CTLF" \
        --rcp "$OTRCP" --node 1 >"$T/proxy.out" 2>"$T/proxy.log"
) &
PPID_=$!
wait_file 10 "$T/proxy.out" "^ready" && pass "rcp_proxy: a pty at $TTY with ot-rcp behind it" ||
    fail "rcp_proxy did not start: $(oneline "$(cat "$T/proxy.out" "$T/proxy.log")")"
air_capture

AGENT_RADIO="spinel+hdlc+uart://$TTY?uart-baudrate=460800&uart-flow-control"
start_agent
[ -S "$SOCK" ] && pass "the agent on the UART RCP listens on its control socket" ||
    fail "no control socket (agent log: $(oneline "$(tail -5 "$T/agent.log")"))"
STTY=$(stty -F "$TTY" -a 2>&1)
echo "$STTY" | grep -q "speed 460800 baud" && echo "$STTY" | grep -Eq "(^| )crtscts( |$)" &&
    echo "$STTY" | grep -Eq "(^| )-icanon( |$)" &&
    pass "the line is set up as asked: 460800 baud, RTS/CTS, raw" ||
    fail "stty of the agent's line: $(oneline "$STTY")"
ctl rcp link
echo "$OUT" | grep -qx "state: ready" && pass "rcp link: ready" || fail "rcp link: $(oneline "$OUT")"

form_network
nat64_up
start_node 2
join_device 2
wait_omr 2 || fail "device 2: no OMR address / NAT64 route: $(oneline "$OUT")"
ping_ok 20 && pass "the device pings 192.0.2.1 through NAT64 over the UART RCP" ||
    fail "device ping before the faults: $(oneline "$OUT")"

# ---- the faults ------------------------------------------------------------------------

c0=$(ctr "rcp counters" rx-hdlc-fcs-errors)
b0=$(ctr "rcp counters" rx-spinel-bad)
t0=$(now_ms)
proxy garbage 600
wait_file 5 "$T/proxy.out" "^garbage" || fail "garbage: the proxy did not inject it"
after garbage "$t0" 15
v1=$(ctr "rcp counters" rx-hdlc-fcs-errors)
v2=$(ctr "rcp counters" rx-spinel-bad)
v3=$(ctr "rcp counters" rx-hdlc-too-short)
[ $((v1 + v2 + v3)) -gt $((c0 + b0)) ] &&
    pass "garbage: counted (fcs-errors $v1, spinel-bad $v2, too-short $v3)" ||
    fail "garbage: nothing counted (fcs-errors $v1, spinel-bad $v2, too-short $v3)"

c0=$(ctr "rcp counters" rx-hdlc-fcs-errors)
t0=$(now_ms)
proxy truncate
node "ping 192.0.2.1 8 3 0.2" 10
after truncate "$t0" 15
grew rx-hdlc-fcs-errors "$c0" truncate

r0=$(ctr "rcp counters" unexpected-resets)
s0=$(ctr "rcp counters" restores)
t0=$(now_ms)
node "ping 192.0.2.1 8 20 0.05" 1
proxy reset-notify
after reset-notify "$t0" 20
grew unexpected-resets "$r0" reset-notify
grew restores "$s0" reset-notify

t0=$(now_ms)
proxy delay 300
after "delay 300" "$t0" 20
proxy delay 0

o0=$(ctr "rcp counters" response-timeouts)
x0=$(ctr "rcp counters" tx-timeouts)
l0=$(ctr "rcp counters" link-resets)
proxy delay 6000
node "ping 192.0.2.1 8 60 0.2" 1 # traffic while the RCP's answers come 6 s late
sleep $((12 * SLOW))
t0=$(now_ms)
proxy delay 0
after "delay 6000 (ended)" "$t0" 40
v1=$(ctr "rcp counters" response-timeouts)
v2=$(ctr "rcp counters" tx-timeouts)
v3=$(ctr "rcp counters" link-resets)
[ "$v2" -gt "$x0" ] && [ $((v1 + v3)) -gt $((o0 + l0)) ] &&
    pass "delay 6000: counted (tx-timeouts $v2, then response-timeouts $v1, link-resets $v3)" ||
    fail "delay 6000: timeouts not counted (tx-timeouts $x0 -> $v2, response-timeouts $o0 -> $v1, link-resets $l0 -> $v3)"
kill -0 "$APID" 2>/dev/null && pass "delay 6000: the agent is still running" ||
    fail "delay 6000: the agent exited: $(oneline "$(tail -4 "$T/agent.log")")"

r0=$(ctr "rcp counters" reset-notifications)
t0=$(now_ms)
node "ping 192.0.2.1 8 20 0.05" 1
proxy kill
after "kill (the dongle reboots)" "$t0" 20
grew reset-notifications "$r0" kill

d0=$(ctr "rcp counters" link-down)
t0=$(now_ms)
proxy unplug 2
after "unplug 2 s" "$t0" 40
grew link-down "$d0" unplug
ctr "rcp counters" link-opens >/dev/null
echo "$OUT" | grep -q "^link-open-failures: [1-9]" &&
    pass "unplug: reopen attempts failed while the device was gone ($(echo "$OUT" | grep "^link-open"| tr '\n' ' '))" ||
    fail "unplug: no failed reopen counted: $(oneline "$(echo "$OUT" | grep "^link-")")"
kill -0 "$APID" 2>/dev/null && pass "the agent survived every fault" ||
    fail "the agent exited: $(oneline "$(tail -4 "$T/agent.log")")"
nodeid 2 state
case $OUT in child | router) pass "the device stayed attached ($OUT)" ;; *) fail "device state at the end: $OUT" ;; esac

# ---- frame counters on the air ---------------------------------------------------------

air_check

tbr_finish
