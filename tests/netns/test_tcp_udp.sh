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
TEST_NAME=test_tcp_udp
KEEP_DIR=/tmp/tbr-tcpudp-kept
PORT_OFFSET=$((60 + $$ % 40))
NSBR=tbrtu-$$
NSV4=tbrtv-$$
VBR=tu$$b
VV4=tu$$v
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/lib.sh"
tbr_check_env
command -v nc >/dev/null 2>&1 || skip "nc (netcat-openbsd) is missing"
nc -h 2>&1 | grep -q "OpenBSD netcat" || skip "nc is not netcat-openbsd"

tbr_topology 192.0.2.2/24 192.0.2.1/24
start_agent
start_node 2 --loss 0.05
NOUT=$T/nout2

[ -S "$SOCK" ] && pass "agent listens on its control socket" ||
    fail "no control socket (agent log: $(tail -3 "$T/agent.log" | tr '\n' '|'))"

# ---- the codelab: form the network -------------------------------------------------

check_ctl "state before start" "disabled
Done" state
form_network

nat64_up

# ---- the device joins ---------------------------------------------------------------

join_device 2

wait_omr 2
[ -n "$OMR_ADDR" ] && pass "device has the NAT64 prefix and an OMR address $OMR_ADDR" ||
    fail "device netdata/ipaddr: $(echo "$OUT" | tr '\n' '|')"

# OpenThread's form: the /96 prints as x:x:x:x:0:0:: (6 groups), then the IPv4 address.
SYN_OT=${P96%:}
SYN_OT=${SYN_OT%:}:c000:201


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
    tbr_bg $!
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
wait_file 20 "$NOUT" "^TCP: Connection established$" && pass "TCP: Connection established" ||
    fail "no TCP: Connection established (device: $(tail -5 "$NOUT" | tr '\n' '|'))"
node "tcp send hello"
[ "$RES" = Done ] && pass "tcp send hello" || fail "tcp send hello: $RES"
wait_file 20 "$T/tcp.out" "hello" && pass "the IPv4 host's nc received hello" ||
    fail "nc got: $(od -c "$T/tcp.out" | head -3)"
printf 'world\n' >&"$NCFD_tcp"
wait_file 20 "$NOUT" "^TCP: Received 6 bytes: world$" && pass "device: TCP: Received 6 bytes: world" ||
    fail "device did not print the host's world: $(tail -5 "$NOUT" | tr '\n' '|')"
node "tcp sendend"
[ "$RES" = Done ] && pass "tcp sendend" || fail "tcp sendend: $RES"
exec {NCFD_tcp}>&- # nc sees EOF on stdin: it closes its side
wait_file 20 "$NOUT" "^TCP: Reached end of stream$" && pass "device: TCP: Reached end of stream" ||
    fail "no end of stream: $(tail -5 "$NOUT" | tr '\n' '|')"

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
if wait_file 20 "$NOUT" "^6 bytes from $SYN_OT 12346 world$"; then
    pass "device: 6 bytes from $SYN_OT 12346 world"
else
    # the reply may be one of the 5% dropped frames: ask once more
    printf 'world\n' >&"$NCFD_udp"
    wait_file 20 "$NOUT" "^6 bytes from $SYN_OT 12346 world$" &&
        pass "device: 6 bytes from $SYN_OT 12346 world (second try)" ||
        fail "device did not print the host's datagram: $(tail -5 "$NOUT" | tr '\n' '|')"
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
wait_file 30 "$NOUT" "^TCP: Connection established$" # (the first one matched already)
est=0
for _ in $(seq 1 $((200 * SLOW))); do
    [ "$(grep -c "^TCP: Connection established$" "$NOUT")" -ge 2 ] && est=1 && break
    sleep 0.1
done
[ "$est" = 1 ] && pass "second connection established" || fail "bulk connect: $(tail -5 "$NOUT" | tr '\n' '|')"
start=$(now_ms)
# tcp benchmark run (OpenThread's CLI): BULK bytes of 'a' (sBenchmarkData).
node "tcp benchmark run $BULK"
[ "$RES" = Done ] && pass "tcp benchmark run $BULK" || fail "tcp benchmark run: $RES $OUT"
deadline=$(($(now_ms) + 120000 * SLOW))
while [ "$(stat -c %s "$T/bulk.out")" -lt "$BULK" ] && [ "$(now_ms)" -lt "$deadline" ]; do
    sleep 0.2
done
wait_file 20 "$NOUT" "^TCP Benchmark Complete: Transferred $BULK bytes in [0-9]* milliseconds$" &&
    pass "device: TCP Benchmark Complete ($(grep -m1 '^TCP Goodput' "$NOUT"))" ||
    fail "no benchmark result: $(tail -5 "$NOUT" | tr '\n' '|')"
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

tbr_finish
