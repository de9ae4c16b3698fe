# Shared by the namespace tests (tests/netns/test_*.sh): environment checks,
# PASS/FAIL bookkeeping, the BR + IPv4 host topology, the processes
# (tbr-agent, tbr-node devices on FIFOs) and the tbr-ctl / device helpers.
#
# A test sets, then sources this file:
#   AGENT CTL NODE   the binaries
#   TEST_NAME        for messages ("test_dns")
#   KEEP_DIR         where TBR_KEEP=1 copies the logs
#   PORT_OFFSET      its own sim-radio port range (exported here)
#   NSBR NSV4        namespace names (unique per run: end them in $$)
#   VBR VV4          the veth pair's names
# and calls tbr_check_env (skips with 77 when root, ip, nft or the TUN
# device is missing) before anything else. Everything started through
# start_agent / start_node / tbr_bg is killed and both namespaces are
# deleted on exit (trap EXIT), also on failure; the test adds its own
# clean-up steps to TBR_CLEANUP (a function name) if it needs more.
#
# shellcheck shell=bash
# shellcheck source=tests/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh" # pass, fail, wait_for, tbr_missing_shared

SLOW=${TBR_TEST_SLOW:-1}
APID=
TBR_PIDS=()
TBR_CLEANUP=
declare -A NPID NFD
# What ends a device command's output (OpenThread's result line).
NODE_RESULT_RE='^(Done|Error [0-9]+: .*)$'

skip() {
    echo "SKIP: $*"
    exit 77
}
now_ms() { date +%s%3N; }
oneline() { echo "$*" | tr '\n' '|'; }
inbr() { ip netns exec "$NSBR" "$@"; }
inv4() { ip netns exec "$NSV4" "$@"; }

# tbr_check_env: root, iproute2, nftables, TUN, the three binaries.
tbr_check_env() {
    [ "$(id -u)" = 0 ] || skip "$TEST_NAME needs root (network namespaces, TUN, nftables)"
    command -v ip >/dev/null 2>&1 || skip "the ip program (iproute2) is missing"
    command -v nft >/dev/null 2>&1 || skip "the nft program (nftables) is missing"
    [ -e /dev/net/tun ] || skip "/dev/net/tun is missing"
    for b in "$AGENT" "$CTL" "$NODE"; do
        [ -x "$b" ] || {
            echo "FAIL: $b is not executable"
            exit 1
        }
    done
    # absolute: start_agent runs the agent from $T
    AGENT=$(readlink -f "$AGENT") CTL=$(readlink -f "$CTL") NODE=$(readlink -f "$NODE")
    export PORT_OFFSET
    T=$(mktemp -d "${TMPDIR:-/tmp}/tbr-$TEST_NAME.XXXXXX") || exit 1
    SOCK=$T/wpan0.sock
    trap tbr_cleanup EXIT
    trap 'exit 130' INT TERM
}

tbr_cleanup() {
    {
        [ -n "$TBR_CLEANUP" ] && "$TBR_CLEANUP"
        for p in "${TBR_PIDS[@]}" "${NPID[@]}" $APID; do kill -9 "$p" && wait "$p"; done
        ip netns del "$NSBR"
        ip netns del "$NSV4"
    } 2>/dev/null
    [ -n "${TBR_KEEP:-}" ] && cp -r "$T" "$KEEP_DIR"
    rm -rf "$T"
}

# tbr_bg PID: killed at exit.
tbr_bg() { TBR_PIDS+=("$1"); }

# tbr_topology BR_ADDR/LEN HOST_ADDR/LEN: two namespaces joined by a veth
# pair; the BR's loopback carries the simulated radio (multicast on).
tbr_topology() {
    ip netns add "$NSBR" 2>"$T/err" || skip "cannot create a network namespace: $(cat "$T/err")"
    ip netns add "$NSV4" || exit 1
    ip link add "$VBR" type veth peer name "$VV4" || skip "cannot create a veth pair"
    ip link set "$VBR" netns "$NSBR" && ip link set "$VV4" netns "$NSV4" || exit 1
    inbr ip link set lo up
    inbr ip link set lo multicast on
    inbr ip addr add "$1" dev "$VBR"
    inbr ip link set "$VBR" up
    inv4 ip link set lo up
    inv4 ip addr add "$2" dev "$VV4"
    inv4 ip link set "$VV4" up
}

# start_agent [wrapper...]: tbr-agent in the BR namespace on -B $VBR with
# AGENT_ARGS (an array the test may set) and the radio AGENT_RADIO (default
# sim://1), $APID; waits for its socket. It runs in $T: an RCP it starts
# (spinel+hdlc+forkpty://) keeps OpenThread's ./tmp files there. Not through
# inbr: $! must be the agent itself.
start_agent() {
    (
        cd "$T" || exit 1
        exec ip netns exec "$NSBR" "$@" "$AGENT" -I wpan0 -B "$VBR" -d "${AGENT_LOG_LEVEL:-3}" \
            --state-dir "$T/agent" --ctl-socket "$SOCK" "${AGENT_ARGS[@]}" "${AGENT_RADIO:-sim://1}" \
            </dev/null >>"$T/agent.out" 2>>"$T/agent.log"
    ) &
    APID=$!
    for _ in $(seq 1 $((50 * SLOW))); do
        [ -S "$SOCK" ] && break
        sleep 0.1
    done
}

# start_node ID [tbr-node options...]: a device reading a FIFO.
start_node() {
    local id=$1 fd
    shift
    mkfifo "$T/nin$id"
    exec {fd}<>"$T/nin$id"
    NFD[$id]=$fd
    : >"$T/nout$id"
    (
        exec {fd}>&-
        exec ip netns exec "$NSBR" "$NODE" --state-dir "$T/node$id" "$@" "$id" <"$T/nin$id" \
            >>"$T/nout$id" 2>"$T/node$id.log"
    ) &
    NPID[$id]=$!
}

# ctl ARGS...: tbr-ctl in the BR namespace; OUT = stdout+stderr, RC = exit.
ctl() {
    OUT=$(inbr "$CTL" --socket "$SOCK" -t $((20 * SLOW)) "$@" 2>&1)
    RC=$?
}

# nodeid ID "command" [timeout_s]: one line to device ID; OUT (the lines
# before the result) and RES (the line matching NODE_RESULT_RE, or TIMEOUT).
nodeid() {
    local id=$1 line=$2 to=${3:-10} start deadline hit k f=$T/nout$1
    start=$(wc -l <"$f")
    printf '%s\n' "$line" >&"${NFD[$id]}"
    deadline=$(($(now_ms) + to * 1000 * SLOW))
    while :; do
        hit=$(tail -n +$((start + 1)) "$f" | grep -n -m1 -E "$NODE_RESULT_RE")
        if [ -n "$hit" ]; then
            k=${hit%%:*}
            OUT=$(tail -n +$((start + 1)) "$f" | head -n $((k - 1)))
            RES=${hit#*:}
            return 0
        fi
        if [ "$(now_ms)" -ge "$deadline" ]; then
            OUT=$(tail -n +$((start + 1)) "$f")
            RES=TIMEOUT
            return 1
        fi
        sleep 0.05
    done
}
# OT_IDS: the ids of OpenThread devices (start_ot); their CLI echoes each
# command, which nodeid takes out of OUT.
OT_IDS=${OT_IDS:-}
is_ot() { case " $OT_IDS " in *" $1 "*) return 0 ;; esac; return 1; }
eval "lib_nodeid() $(declare -f nodeid | tail -n +2)"
nodeid() {
    local rc
    lib_nodeid "$@"
    rc=$?
    if is_ot "$1" && [ "$(echo "$OUT" | head -1)" = "$2" ]; then OUT=$(echo "$OUT" | tail -n +2); fi
    return $rc
}

# start_ot ID: OpenThread's ot-cli-ftd ($OT) as device ID in $T/otID (its
# flash), reading a FIFO like start_node; its prompt ("> ") and CRs are taken
# off its output. Add ID to OT_IDS.
start_ot() {
    local id=$1 fd
    mkdir -p "$T/ot$id"
    mkfifo "$T/nin$id"
    exec {fd}<>"$T/nin$id"
    NFD[$id]=$fd
    : >"$T/nout$id"
    (
        exec {fd}>&-
        cd "$T/ot$id" || exit 1
        exec ip netns exec "$NSBR" "${OT:?}" "$id" <"$T/nin$id" 2>"$T/ot$id.log" \
            > >(exec sed -u -e 's/\r$//' -e ':a' -e 's/^> //' -e 'ta' >>"$T/nout$id")
    ) &
    NPID[$id]=$!
}

# node "command" [timeout_s]: the same for the one device of most tests (ID 2).
node() { nodeid 2 "$@"; }

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

# wait_nd SECONDS PATTERN: the agent's `netdata show` matches (OUT is it).
wait_nd() {
    local deadline=$(($(now_ms) + $1 * 1000 * SLOW))
    while :; do
        ctl netdata show
        echo "$OUT" | grep -Eq "$2" && return 0
        [ "$(now_ms)" -ge "$deadline" ] && return 1
        sleep 0.3
    done
}

# wait_attached ID: device ID becomes child or router (OUT is its state).
wait_attached() {
    for _ in $(seq 1 $((60 * SLOW))); do
        nodeid "$1" state
        [ "$OUT" = child ] || [ "$OUT" = router ] && return 0
        sleep 0.5
    done
    return 1
}

# form_network: the codelab's `dataset init new` .. `thread start` on the
# agent, then leader; PASS/FAIL lines.
form_network() {
    check_ctl "dataset init new" "Done" dataset init new
    check_ctl "dataset commit active" "Done" dataset commit active
    check_ctl "ifconfig up" "Done" ifconfig up
    check_ctl "thread start" "Done" thread start
    if wait_ctl 20 "leader
Done" state; then pass "agent becomes leader"; else fail "agent state: $OUT"; fi
}

# nat64_up: `nat64 enable`, Active/Active, the local NAT64 /96 and OMR /64
# (NAT64P, P96 without the length, OMRP) published in the agent's Network
# Data; PASS/FAIL lines.
nat64_up() {
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

    if wait_nd 10 "^$NAT64P sn low [0-9a-f]{4}$" && echo "$OUT" | grep -Eq "^$OMRP paos low [0-9a-f]{4}$"; then
        pass "agent netdata: $NAT64P sn low and $OMRP paos low"
    else
        fail "agent netdata show: $(echo "$OUT" | tr '\n' '|')"
    fi
}

# join_device ID: the device takes the agent's active dataset and attaches.
join_device() {
    local id=$1 hex
    ctl dataset active -x
    hex=$(echo "$OUT" | head -1)
    nodeid "$id" "dataset set active $hex"
    [ "$RES" = Done ] && pass "device $id: dataset set active" ||
        fail "device $id dataset set active: $RES"
    nodeid "$id" "ifconfig up"
    nodeid "$id" "thread start"
    [ "$RES" = Done ] && pass "device $id: thread start" || fail "device $id thread start: $RES $OUT"
    wait_attached "$id" && pass "device $id attached ($OUT)" || fail "device $id did not attach: $OUT"
}

# wait_omr ID: device ID has the NAT64 prefix ($NAT64P, from nat64_up) in
# its netdata and an address in the OMR /64 ($OMRP); sets OMR_ADDR (empty:
# none in time) and ML_ADDR (its mesh-local EID); OUT is its last output.
wait_omr() {
    local id=$1
    OMR_ADDR=
    ML_ADDR=
    for _ in $(seq 1 $((40 * SLOW))); do
        nodeid "$id" "netdata show"
        if echo "$OUT" | grep -Eq "^$NAT64P sn low [0-9a-f]{4}$"; then
            nodeid "$id" ipaddr
            OMR_ADDR=$(echo "$OUT" | grep -E "^${OMRP%::/64}:" | head -1)
            ML_ADDR=$(echo "$OUT" | grep -vE "^${OMRP%::/64}:|^fe80:|:ff:fe00:" | head -1)
            [ -n "$OMR_ADDR" ] && return 0
        fi
        sleep 0.5
    done
    return 1
}

# ---- multi-hop topologies (test_mesh, test_mesh_failover) -------------------------------

# role_of ID: the `state` of device ID, or of the agent for ID 1, in OUT.
role_of() {
    if [ "$1" = 1 ]; then
        ctl state
        OUT=$(echo "$OUT" | head -1)
    else
        nodeid "$1" state
    fi
}

# wait_role ID ROLE SECONDS: polls role_of until it reads ROLE.
wait_role() {
    local deadline=$(($(now_ms) + $3 * 1000 * SLOW))
    while :; do
        role_of "$1"
        [ "$OUT" = "$2" ] && return 0
        [ "$(now_ms)" -ge "$deadline" ] && return 1
        sleep 0.5
    done
}

# mesh_allow ID NEIGHBOURS...: device ID (1: the agent) hears only the
# extended addresses EXT[NEIGHBOUR] (an array the test fills): a macfilter
# allowlist, as OpenThread's certification tests build topologies.
mesh_allow() {
    local i=$1 j
    shift
    for j in "$@"; do
        if [ "$i" = 1 ]; then ctl macfilter addr add "${EXT[$j]}"; else nodeid "$i" "macfilter addr add ${EXT[$j]}"; fi
    done
    if [ "$i" = 1 ]; then
        ctl macfilter addr allowlist
        [ "$RC" = 0 ] && pass "agent allowlists node $*" || fail "agent macfilter: $OUT"
    else
        nodeid "$i" "macfilter addr allowlist"
        [ "$RES" = Done ] && pass "node $i allowlists $*" || fail "node $i macfilter: $RES"
    fi
}

# wait_file SECONDS FILE PATTERN: grep -q until it matches.
wait_file() {
    local deadline=$(($(now_ms) + $1 * 1000 * SLOW))
    while :; do
        grep -q -- "$3" "$2" 2>/dev/null && return 0
        [ "$(now_ms)" -ge "$deadline" ] && return 1
        sleep 0.1
    done
}

# air_capture: every frame on the BR namespace's sim radio (port base from
# PORT_OFFSET) into $T/air.txt, by tests/netns/chaos_air.py; SNIFF is its
# pid (the test's clean-up kills it should the test end early).
air_capture() {
    ip netns exec "$NSBR" python3 "$(dirname "${BASH_SOURCE[0]}")/chaos_air.py" capture \
        "$((${PORT_BASE:-9000} + 34 * PORT_OFFSET))" "$T/air.txt" >"$T/air.log" 2>&1 &
    SNIFF=$!
}

# air_check: stops the capture and decrypts every frame with the agent's
# network key: PASS when no MAC or MLE frame counter was used twice.
air_check() {
    local key rc
    ctl dataset networkkey
    key=$(echo "$OUT" | head -1)
    kill -TERM "$SNIFF" 2>/dev/null
    wait "$SNIFF" 2>/dev/null
    SNIFF=
    python3 "$(dirname "${BASH_SOURCE[0]}")/chaos_air.py" check --key "$key" "$T/air.txt" \
        >"$T/air-check.txt" 2>&1
    rc=$?
    sed 's/^/    /' "$T/air-check.txt"
    [ "$rc" = 0 ] && pass "no MAC or MLE frame counter used twice on the air ($(wc -l <"$T/air.txt") frames)" ||
        fail "frame counters on the air (exit $rc, see above)"
}

# tbr_finish: the sanitizer check over the logs, the summary line, the exit
# status (non-zero on any failure).
tbr_finish() {
    if grep -q "ERROR: AddressSanitizer\|runtime error\|LeakSanitizer" "$T"/*.log 2>/dev/null; then
        fail "sanitizer report: $(grep -h -m3 "AddressSanitizer\|runtime error\|LeakSanitizer" "$T"/*.log)"
    fi
    echo "$PASS passed, $FAIL failed"
    [ "$FAIL" = 0 ]
}

# start_dnsmasq [DNSMASQ ARGS...]: the IPv4 host's resolver on 192.0.2.53
# (example.com -> 192.0.2.2, plus the caller's arguments), logs in $T;
# waits until it listens. DNSMASQ names the binary; DPID gets its pid.
start_dnsmasq() {
    ip netns exec "$NSV4" "$DNSMASQ" -k --conf-file=/dev/null --no-resolv --no-hosts \
        --listen-address=192.0.2.53 --bind-interfaces --port=53 --user=root --group=root \
        --pid-file="$T/dnsmasq.pid" --log-facility="$T/dnsmasq.log" \
        --address=/example.com/192.0.2.2 "$@" </dev/null >>"$T/dnsmasq.out" 2>&1 &
    DPID=$!
    wait_for 5 eval 'inv4 ss -lun 2>/dev/null | grep -q "192.0.2.53:53 "'
}
stop_dnsmasq() {
    [ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
    DPID=
}
