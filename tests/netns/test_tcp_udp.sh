#!/usr/bin/env bash
# Device UDP and TCP through the border router's NAT64 to real netcat on an
# IPv4 host: the last part of shared/reference/codelab-nat64.md, with
# OpenThread's `udp` and `tcp` CLI commands on a tbr-node device.
#
#   tests/netns/test_tcp_udp.sh path/to/tbr-agent path/to/tbr-ctl path/to/tbr-node
#
# Topology as tests/netns/test_agent.sh (its helpers copied here): the BR
# namespace with tbr-agent and a tbr-node device (sim radio on the shared
# loopback; the device drops 5% of the frames it receives: --loss 0.05) and
# an IPv4-only host 192.0.2.1/24 running netcat (netcat-openbsd).
#
# Needs root (ip netns, TUN, nft) and nc; otherwise skips with 77. Prints
# "N passed, N failed"; exits non-zero on any failure. TBR_TEST_SLOW=2
# stretches timeouts; TBR_KEEP=1 keeps the logs in /tmp/tbr-tcpudp-kept.
set -u

AGENT=${1:?usage: $0 tbr-agent tbr-ctl tbr-node}
CTL=${2:?usage: $0 tbr-agent tbr-ctl tbr-node}
NODE=${3:?usage: $0 tbr-agent tbr-ctl tbr-node}
SLOW=${TBR_TEST_SLOW:-1}

skip() {
    echo "SKIP: $*"
    exit 77
}
[ "$(id -u)" = 0 ] || skip "test_tcp_udp needs root (network namespaces, TUN, nftables)"
command -v nc >/dev/null 2>&1 || skip "nc (netcat-openbsd) is missing"
nc -h 2>&1 | grep -q "OpenBSD netcat" || skip "nc is not netcat-openbsd"
command -v ip >/dev/null 2>&1 || skip "the ip program (iproute2) is missing"
command -v nft >/dev/null 2>&1 || skip "the nft program (nftables) is missing"
[ -e /dev/net/tun ] || skip "/dev/net/tun is missing"
for b in "$AGENT" "$CTL" "$NODE"; do
    [ -x "$b" ] || {
        echo "FAIL: $b is not executable"
        exit 1
    }
done

export PORT_OFFSET=$((60 + $$ % 40))
NSBR=tbrtu-$$
NSV4=tbrtv-$$
VBR=tu$$b
VV4=tu$$v
T=$(mktemp -d "${TMPDIR:-/tmp}/tbr-tcpudp.XXXXXX") || exit 1
SOCK=$T/tbr-tcpudp.sock
APID=
NPID=
NFD=
NC_PIDS=

cleanup() {
    {
        for p in $NC_PIDS; do kill -9 "$p" && wait "$p"; done
        [ -n "$NPID" ] && kill -9 "$NPID" && wait "$NPID"
        [ -n "$APID" ] && kill -9 "$APID" && wait "$APID"
        ip netns del "$NSBR"
        ip netns del "$NSV4"
    } 2>/dev/null
    [ -n "${TBR_KEEP:-}" ] && cp -r "$T" /tmp/tbr-tcpudp-kept; rm -rf "$T"
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
    exec ip netns exec "$NSBR" "$NODE" --state-dir "$T/node" --loss 0.05 2 <"$T/nin" >>"$T/nout" 2>"$T/node.log"
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

# ---- the device joins ---------------------------------------------------------------

ctl dataset active -x
HEX=$(echo "$OUT" | head -1)
node "dataset set active $HEX"
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

OMR_ADDR=
for _ in $(seq 1 $((40 * SLOW))); do
    node "netdata show"
    if echo "$OUT" | grep -Eq "^$NAT64P sn low [0-9a-f]{4}$"; then
        node ipaddr
        OMR_ADDR=$(echo "$OUT" | grep -E "^${OMRP%::/64}:" | head -1)
        [ -n "$OMR_ADDR" ] && break
    fi
    sleep 0.5
done
[ -n "$OMR_ADDR" ] && pass "device has the NAT64 prefix and an OMR address $OMR_ADDR" ||
    fail "device netdata/ipaddr: $(echo "$OUT" | tr '\n' '|')"

# OpenThread's form: the /96 prints as x:x:x:x:0:0:: (6 groups), then the IPv4 address.
SYN_OT=${P96%:}
SYN_OT=${SYN_OT%:}:c000:201

# wait_file SECONDS FILE PATTERN: grep -q until it matches.
wait_file() {
    local deadline=$(($(now_ms) + $1 * 1000 * SLOW))
    while :; do
        grep -q -- "$3" "$2" 2>/dev/null && return 0
        [ "$(now_ms)" -ge "$deadline" ] && return 1
        sleep 0.1
    done
}

# host_nc NAME ARGS...: netcat on the IPv4 host, stdin from a FIFO kept open
# (fd in NCFD_<NAME>), output in $T/NAME.out.
host_nc() {
    local name=$1 fd
    shift
    mkfifo "$T/$name.in"
    exec {fd}<>"$T/$name.in"
    eval "NCFD_$name=$fd"
    : >"$T/$name.out"
    ip netns exec "$NSV4" nc "$@" <"$T/$name.in" >"$T/$name.out" 2>"$T/$name.err" &
    NC_PIDS="$NC_PIDS $!"
    sleep 0.3
}

# ---- (1) TCP: the device connects to nc -l on the IPv4 host ------------------------------

host_nc tcp -4 -l 12345
node "tcp init"
[ "$RES" = Done ] && pass "tcp init" || fail "tcp init: $RES"
node "tcp connect 192.0.2.1 12345"
if [ "$OUT" = "Connecting to synthesized IPv6 address: $SYN_OT" ] && [ "$RES" = Done ]; then
    pass "tcp connect 192.0.2.1 12345: synthesized $SYN_OT"
else
    fail "tcp connect: $RES $(echo "$OUT" | tr '\n' '|') (want $SYN_OT)"
fi
wait_file 20 "$T/nout" "^TCP: Connection established$" && pass "TCP: Connection established" ||
    fail "no TCP: Connection established (device: $(tail -5 "$T/nout" | tr '\n' '|'))"
node "tcp send hello"
[ "$RES" = Done ] && pass "tcp send hello" || fail "tcp send hello: $RES"
wait_file 20 "$T/tcp.out" "hello" && pass "the IPv4 host's nc received hello" ||
    fail "nc got: $(od -c "$T/tcp.out" | head -3)"
printf 'world\n' >&"$NCFD_tcp"
wait_file 20 "$T/nout" "^TCP: Received 6 bytes: world$" && pass "device: TCP: Received 6 bytes: world" ||
    fail "device did not print the host's world: $(tail -5 "$T/nout" | tr '\n' '|')"
node "tcp sendend"
[ "$RES" = Done ] && pass "tcp sendend" || fail "tcp sendend: $RES"
exec {NCFD_tcp}>&- # nc sees EOF on stdin: it closes its side
wait_file 20 "$T/nout" "^TCP: Reached end of stream$" && pass "device: TCP: Reached end of stream" ||
    fail "no end of stream: $(tail -5 "$T/nout" | tr '\n' '|')"

# ---- (2) UDP: nc -u -l on the IPv4 host ------------------------------------------------------

host_nc udp -4 -u -l 12346
node "udp open"
[ "$RES" = Done ] && pass "udp open" || fail "udp open: $RES"
node "udp connect 192.0.2.1 12346"
if [ "$OUT" = "Connecting to synthesized IPv6 address: $SYN_OT" ] && [ "$RES" = Done ]; then
    pass "udp connect 192.0.2.1 12346: synthesized"
else
    fail "udp connect: $RES $(echo "$OUT" | tr '\n' '|')"
fi
node "udp send hello"
[ "$RES" = Done ] && pass "udp send hello" || fail "udp send hello: $RES"
wait_file 20 "$T/udp.out" "hello" && pass "the IPv4 host's nc -u received hello" || {
    # 5% loss on the device's side only; the host gets every datagram sent
    fail "nc -u got: $(od -c "$T/udp.out" | head -3)"
}
printf 'world\n' >&"$NCFD_udp"
if wait_file 20 "$T/nout" "^6 bytes from $SYN_OT 12346 world$"; then
    pass "device: 6 bytes from $SYN_OT 12346 world"
else
    # the reply may be one of the 5% dropped frames: ask once more
    printf 'world\n' >&"$NCFD_udp"
    wait_file 20 "$T/nout" "^6 bytes from $SYN_OT 12346 world$" &&
        pass "device: 6 bytes from $SYN_OT 12346 world (second try)" ||
        fail "device did not print the host's datagram: $(tail -5 "$T/nout" | tr '\n' '|')"
fi
node "udp send 192.0.2.1 12346 again"
if [ "$OUT" = "Sending to synthesized IPv6 address: $SYN_OT" ] && [ "$RES" = Done ]; then
    pass "udp send 192.0.2.1 12346: synthesized"
else
    fail "udp send to IPv4: $RES $(echo "$OUT" | tr '\n' '|')"
fi
wait_file 20 "$T/udp.out" "again" && pass "nc -u received again" || fail "nc -u: $(cat "$T/udp.out")"
node "udp close"

# ---- (3) nat64 mappings: TCP and UDP counters for the device -----------------------------------

ctl nat64 mappings
if echo "$OUT" | grep -Eq "^\| [0-9a-f]{16} \| +$OMR_ADDR \| " &&
    echo "$OUT" | grep -Eq "^\| +\| +TCP \| +[1-9][0-9]* \| +[1-9][0-9]* \| +[1-9][0-9]* \| +[1-9][0-9]* \|$" &&
    echo "$OUT" | grep -Eq "^\| +\| +UDP \| +[1-9][0-9]* \| +[1-9][0-9]* \| +[1-9][0-9]* \| +[1-9][0-9]* \|$"; then
    pass "nat64 mappings: the device's TCP and UDP counters both ways"
else
    fail "nat64 mappings: $(echo "$OUT" | tr '\n' '|')"
fi

# ---- (4) 100 KB device -> host with 5% frame loss on the device ----------------------------------

BULK=102400
host_nc bulk -4 -l 12347
node "tcp connect 192.0.2.1 12347"
wait_file 30 "$T/nout" "^TCP: Connection established$" # (the first one matched already)
est=0
for _ in $(seq 1 $((200 * SLOW))); do
    [ "$(grep -c "^TCP: Connection established$" "$T/nout")" -ge 2 ] && est=1 && break
    sleep 0.1
done
[ "$est" = 1 ] && pass "second connection established" || fail "bulk connect: $(tail -5 "$T/nout" | tr '\n' '|')"
start=$(now_ms)
# tcp benchmark run (OpenThread's CLI): BULK bytes of 'a' (sBenchmarkData).
node "tcp benchmark run $BULK"
[ "$RES" = Done ] && pass "tcp benchmark run $BULK" || fail "tcp benchmark run: $RES $OUT"
deadline=$(($(now_ms) + 120000 * SLOW))
while [ "$(stat -c %s "$T/bulk.out")" -lt "$BULK" ] && [ "$(now_ms)" -lt "$deadline" ]; do
    sleep 0.2
done
wait_file 20 "$T/nout" "^TCP Benchmark Complete: Transferred $BULK bytes in [0-9]* milliseconds$" &&
    pass "device: TCP Benchmark Complete ($(grep -m1 '^TCP Goodput' "$T/nout"))" ||
    fail "no benchmark result: $(tail -5 "$T/nout" | tr '\n' '|')"
want=$(head -c "$BULK" /dev/zero | tr '\0' a | sha256sum | cut -d' ' -f1)
got=$(sha256sum <"$T/bulk.out" | cut -d' ' -f1)
if [ "$got" = "$want" ]; then
    pass "100 KB arrived intact in $(($(now_ms) - start)) ms (sha256 $want)"
else
    fail "bulk: $(stat -c %s "$T/bulk.out") bytes, sha256 $got, want $want"
fi
node "tcp abort"
node "tcp deinit"
[ "$RES" = Done ] && pass "tcp deinit" || fail "tcp deinit: $RES"

if grep -q "ERROR: AddressSanitizer\|runtime error" "$T/agent.log" "$T/node.log"; then
    fail "sanitizer report: $(grep -m3 "AddressSanitizer\|runtime error" "$T/agent.log" "$T/node.log")"
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
