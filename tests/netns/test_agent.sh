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
SLOW=${TBR_TEST_SLOW:-1}

skip() {
    echo "SKIP: $*"
    exit 77
}
[ "$(id -u)" = 0 ] || skip "test_agent needs root (network namespaces, TUN, nftables)"
command -v ip >/dev/null 2>&1 || skip "the ip program (iproute2) is missing"
command -v nft >/dev/null 2>&1 || skip "the nft program (nftables) is missing"
[ -e /dev/net/tun ] || skip "/dev/net/tun is missing"
for b in "$AGENT" "$CTL" "$NODE"; do
    [ -x "$b" ] || {
        echo "FAIL: $b is not executable"
        exit 1
    }
done

export PORT_OFFSET=$((100 + $$ % 100))
NSBR=tbrbr-$$
NSV4=tbrv4-$$
VBR=tb$$b
VV4=tb$$v
T=$(mktemp -d "${TMPDIR:-/tmp}/tbr-agent.XXXXXX") || exit 1
SOCK=$T/wpan0.sock
APID=
NPID=
NFD=

cleanup() {
    {
        [ -n "$NPID" ] && kill -9 "$NPID" && wait "$NPID"
        [ -n "$APID" ] && kill -9 "$APID" && wait "$APID"
        ip netns del "$NSBR"
        ip netns del "$NSV4"
    } 2>/dev/null
    [ -n "${TBR_KEEP:-}" ] && cp -r "$T" /tmp/tbr-agent-kept; rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PASS=0
FAIL=0
pass() {
    PASS=$((PASS + 1))
    echo "PASS: $*"
}
fail() {
    FAIL=$((FAIL + 1))
    echo "FAIL: $*"
}
now_ms() { date +%s%3N; }
inbr() { ip netns exec "$NSBR" "$@"; }
inv4() { ip netns exec "$NSV4" "$@"; }

# ---- topology -------------------------------------------------------------------

ip netns add "$NSBR" 2>"$T/err" || skip "cannot create a network namespace: $(cat "$T/err")"
ip netns add "$NSV4" || exit 1
ip link add "$VBR" type veth peer name "$VV4" || skip "cannot create a veth pair"
ip link set "$VBR" netns "$NSBR" && ip link set "$VV4" netns "$NSV4" || exit 1
inbr ip link set lo up
inbr ip link set lo multicast on
inbr ip addr add 192.0.2.2/24 dev "$VBR"
inbr ip link set "$VBR" up
inv4 ip link set lo up
inv4 ip addr add 192.0.2.1/24 dev "$VV4"
inv4 ip link set "$VV4" up

# ---- processes --------------------------------------------------------------------

# Not through inbr (a function runs in a subshell): $! must be the agent.
ip netns exec "$NSBR" "$AGENT" -I wpan0 -B "$VBR" -d 3 --state-dir "$T/agent" \
    --ctl-socket "$SOCK" sim://1 </dev/null >"$T/agent.out" 2>"$T/agent.log" &
APID=$!

mkfifo "$T/nin"
exec {NFD}<>"$T/nin"
: >"$T/nout"
(
    exec {NFD}>&-
    exec ip netns exec "$NSBR" "$NODE" --state-dir "$T/node" 2 <"$T/nin" >>"$T/nout" 2>"$T/node.log"
) &
NPID=$!

# ctl ARGS...: runs tbr-ctl in the BR namespace; OUT = stdout+stderr, RC = exit.
ctl() {
    OUT=$(inbr "$CTL" --socket "$SOCK" -t $((20 * SLOW)) "$@" 2>&1)
    RC=$?
}

# node "command" [timeout_s]: one line to the device; OUT (lines before the
# result) and RES (the result line or TIMEOUT).
node() {
    local line=$1 to=${2:-10} start deadline hit k
    start=$(wc -l <"$T/nout")
    printf '%s\n' "$line" >&"$NFD"
    deadline=$(($(now_ms) + to * 1000 * SLOW))
    while :; do
        hit=$(tail -n +$((start + 1)) "$T/nout" | grep -n -m1 -E '^(Done|Error [0-9]+: .*)$')
        if [ -n "$hit" ]; then
            k=${hit%%:*}
            OUT=$(tail -n +$((start + 1)) "$T/nout" | head -n $((k - 1)))
            RES=${hit#*:}
            return 0
        fi
        if [ "$(now_ms)" -ge "$deadline" ]; then
            OUT=$(tail -n +$((start + 1)) "$T/nout")
            RES=TIMEOUT
            return 1
        fi
        sleep 0.05
    done
}

# check_ctl "desc" "expected output (exact)" ARGS...
check_ctl() {
    local desc=$1 want=$2
    shift 2
    ctl "$@"
    if [ "$OUT" = "$want" ]; then
        pass "$desc"
    else
        fail "$desc: tbr-ctl $* gave (rc $RC):"
        printf '%s\n' "$OUT" | sed 's/^/    | /'
        echo "    wanted:"
        printf '%s\n' "$want" | sed 's/^/    | /'
    fi
}

# wait_ctl SECONDS "expected output" ARGS...: polls until equal.
wait_ctl() {
    local to=$1 want=$2 deadline
    shift 2
    deadline=$(($(now_ms) + to * 1000 * SLOW))
    while :; do
        ctl "$@"
        [ "$OUT" = "$want" ] && return 0
        [ "$(now_ms)" -ge "$deadline" ] && return 1
        sleep 0.3
    done
}

# wait for the control socket
for _ in $(seq 1 $((50 * SLOW))); do
    [ -S "$SOCK" ] && break
    sleep 0.1
done
[ -S "$SOCK" ] && pass "agent listens on its control socket" ||
    fail "no control socket (agent log: $(tail -3 "$T/agent.log" | tr '\n' '|'))"

# ---- the codelab: form the network -------------------------------------------------

check_ctl "state before start" "disabled
Done" state
check_ctl "dataset init new" "Done" dataset init new
check_ctl "dataset commit active" "Done" dataset commit active
check_ctl "ifconfig up" "Done" ifconfig up
check_ctl "thread start" "Done" thread start
if wait_ctl 20 "leader
Done" state; then pass "agent becomes leader"; else fail "agent state: $OUT"; fi

check_ctl "nat64 enable" "Done" nat64 enable
if wait_ctl 15 "PrefixManager: Active
Translator: Active
Done" nat64 state; then pass "nat64 state: Active / Active"; else
    fail "nat64 state: $(echo "$OUT" | tr '\n' '|') (log: $(grep -i 'nat64\|netconf' "$T/agent.log" | tail -4 | tr '\n' '|'))"
fi

ctl br nat64prefix local
NAT64P=$(echo "$OUT" | head -1)
P96=${NAT64P%/96}
case $NAT64P in
fd*:2:0:0::/96) pass "br nat64prefix local: $NAT64P" ;;
*) fail "br nat64prefix local: $OUT" ;;
esac
ctl br omrprefix local
OMRP=$(echo "$OUT" | head -1)
case $OMRP in
fd*:1::/64) pass "br omrprefix local: $OMRP" ;;
*) fail "br omrprefix local: $OUT" ;;
esac

wait_nd() { # wait_nd SECONDS PATTERN: agent netdata show matches
    local deadline=$(($(now_ms) + $1 * 1000 * SLOW))
    while :; do
        ctl netdata show
        echo "$OUT" | grep -Eq "$2" && return 0
        [ "$(now_ms)" -ge "$deadline" ] && return 1
        sleep 0.3
    done
}
if wait_nd 10 "^$NAT64P sn low [0-9a-f]{4}$" && echo "$OUT" | grep -Eq "^$OMRP paos low [0-9a-f]{4}$"; then
    pass "agent netdata: $NAT64P sn low and $OMRP paos low"
else
    fail "agent netdata show: $(echo "$OUT" | tr '\n' '|')"
fi

# ---- the device joins with the agent's dataset ------------------------------------

ctl dataset active -x
HEX=$(echo "$OUT" | head -1)
node "dataset set active $HEX"
[ "$RES" = Done ] && pass "device: dataset set active" || fail "device dataset set active: $RES"
node "ifconfig up"
node "thread start"
[ "$RES" = Done ] && pass "device: thread start" || fail "device thread start: $RES $OUT"
joined=
for _ in $(seq 1 $((60 * SLOW))); do
    node state
    if [ "$OUT" = child ] || [ "$OUT" = router ]; then
        joined=$OUT
        break
    fi
    sleep 0.5
done
[ -n "$joined" ] && pass "device attached ($joined)" || fail "device did not attach: $OUT"

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
node "ping 192.0.2.1" 15
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

ip netns exec "$NSBR" "$AGENT" -I wpan0 -B "$VBR" -d 3 --state-dir "$T/agent" \
    --ctl-socket "$SOCK" sim://1 </dev/null >>"$T/agent.out" 2>>"$T/agent.log" &
APID=$!
for _ in $(seq 1 $((50 * SLOW))); do
    [ -S "$SOCK" ] && break
    sleep 0.1
done
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

if grep -q "ERROR: AddressSanitizer\|runtime error" "$T/agent.log" "$T/node.log"; then
    fail "sanitizer report: $(grep -m3 "AddressSanitizer\|runtime error" "$T/agent.log" "$T/node.log")"
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
