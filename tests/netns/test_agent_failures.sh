#!/usr/bin/env bash
# The border router's failure modes and its infrastructure-link routing, in
# network namespaces, against real tbr-agent, tbr-ctl and tbr-node:
#   b. -B with an interface that does not exist: error, non-zero exit
#   a. IPv6 both ways: an infra host learns the OMR route (RIO) and the
#      on-link prefix (PIO) from our RAs; host <-> device pings
#   d. NAT64 pool exhaustion: /30 (2 addresses), 3 devices
#   e. SIGKILL and restart: network and NAT64 settings come back
#   f. control socket garbage: binary, long lines, many clients
#   c. nftables missing: agent up, Translator NotRunning, log says why
# usage: test_agent_failures.sh TBR_AGENT TBR_CTL TBR_NODE (root; exit 77 skips)
AGENT=$1
CTL=$2
NODE=$3
TEST_NAME=test_agent_failures
KEEP_DIR=/tmp/tbr-agent-fail-kept
PORT_OFFSET=$((150 + $$ % 40))
NSBR=tbrfbr-$$
NSV4=tbrfh-$$ # the infrastructure host: IPv4 and IPv6
VBR=tf$$b
VV4=tf$$h
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/lib.sh"
tbr_check_env
inh() { inv4 "$@"; }
node() { nodeid "$@"; } # node ID "command" [timeout_s]: several devices here

# ---- topology: BR namespace -- infra link -- host namespace (IPv4 + IPv6) ----

tbr_topology 192.0.2.2/24 192.0.2.1/24
inh sysctl -qw net.ipv6.conf.all.forwarding=0
inh sysctl -qw "net.ipv6.conf.$VV4.accept_ra=1"
inh sysctl -qw "net.ipv6.conf.$VV4.accept_ra_rt_info_max_plen=64" 2>/dev/null ||
    echo "note: the kernel has no RIO support (accept_ra_rt_info_max_plen)"

# ---- helpers ---------------------------------------------------------------------

ping_received() { # ping_received ID TARGET COUNT: prints the received count
    node "$1" "ping $2 8 $3 0.3" $((10 + 2 * $3))
    echo "$OUT" | sed -n 's/^[0-9]* packets transmitted, \([0-9]*\) packets received.*/\1/p'
}

ACTIVE="PrefixManager: Active
Translator: Active
Done"

# ---- b. no such infrastructure interface --------------------------------------------

timeout 20 ip netns exec "$NSBR" "$AGENT" -I wpan9 -B "nosuch$$" --state-dir "$T/b" \
    --ctl-socket "$T/b.sock" sim://9 </dev/null >"$T/b.out" 2>"$T/b.log"
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -q "nosuch$$.*No such device" "$T/b.log"; then
    pass "-B nosuch$$: exit $rc, '$(grep -m1 "nosuch$$" "$T/b.log")'"
else
    fail "-B with a missing interface: rc $rc, stderr $(oneline "$(cat "$T/b.log")")"
fi
[ -e "$T/b.sock" ] && fail "control socket left by the failed start" ||
    pass "no control socket left by the failed start"
inbr ip link show wpan9 >/dev/null 2>&1 && fail "TUN wpan9 left behind" || pass "no TUN left behind"

# ---- the border router and three devices ----------------------------------------------

start_agent
[ -S "$SOCK" ] && pass "agent listens on its control socket" ||
    fail "no control socket (agent log: $(oneline "$(tail -3 "$T/agent.log")"))"
ctl dataset init new
ctl dataset commit active
ctl ifconfig up
ctl thread start
if wait_ctl 20 "leader
Done" state; then pass "agent becomes leader"; else fail "agent state: $OUT"; fi
ctl nat64 enable
if wait_ctl 15 "$ACTIVE" nat64 state; then pass "nat64 Active / Active"; else
    fail "nat64 state: $(oneline "$OUT")"
fi
ctl br omrprefix local
OMRP=$(echo "$OUT" | head -1)
ctl dataset active -x
HEX=$(echo "$OUT" | head -1)
ctl dataset extpanid
XP=$(echo "$OUT" | head -1)
# OpenThread's local on-link prefix: fd + XPANID[0..4] + XPANID[6..7]
ONLINK=$(printf 'fd%s:%s:%s:%s::' "${XP:0:2}" "${XP:2:4}" "${XP:6:4}" "${XP:12:4}" |
    sed -E 's/:0+([0-9a-f])/:\1/g')
ONLINK_ND=$(printf 'fd%s:%s:%s:%s::/64' "${XP:0:2}" "${XP:2:4}" "${XP:6:4}" "${XP:12:4}" |
    sed -E 's/:0+([0-9a-f])/:\1/g')

for id in 2 3 4; do
    start_node $id
    node $id "dataset set active $HEX"
    node $id "ifconfig up"
    node $id "thread start"
done
for id in 2 3 4; do
    wait_attached $id && pass "device $id attached ($OUT)" || fail "device $id did not attach: $OUT"
done
OMR_ADDR=
for _ in $(seq 1 $((30 * SLOW))); do
    node 2 ipaddr
    OMR_ADDR=$(echo "$OUT" | grep -E "^${OMRP%::/64}:" | head -1)
    [ -n "$OMR_ADDR" ] && break
    sleep 0.5
done
[ -n "$OMR_ADDR" ] && pass "device 2 has an OMR address $OMR_ADDR" ||
    fail "device 2 has no OMR address: $(oneline "$OUT")"

# ---- a. IPv6 both ways over the infrastructure link ------------------------------------

have=
for _ in $(seq 1 $((40 * SLOW))); do
    node 2 "netdata show"
    echo "$OUT" | grep -Eq "^$ONLINK_ND s med [0-9a-f]{4}$" && have=1 && break
    sleep 0.5
done
[ -n "$have" ] && pass "on-link prefix $ONLINK_ND s med in the device's netdata" ||
    fail "no on-link route $ONLINK_ND in netdata: $(oneline "$OUT")"
RT=
HADDR=
for _ in $(seq 1 $((60 * SLOW))); do
    RT=$(inh ip -6 route show "${OMRP}")
    HADDR=$(inh ip -6 -o addr show dev "$VV4" scope global | grep -o "${ONLINK%::}:[0-9a-f:]*" | head -1)
    [ -n "$HADDR" ] && echo "$RT" | grep -q "via fe80:" && break
    sleep 0.5
done
echo "$RT" | grep -q "^${OMRP} via fe80:.* dev $VV4" &&
    pass "host route from our RIO: $RT" || fail "host has no RIO route for $OMRP: '$RT' ($(oneline "$(inh ip -6 route)"))"
[ -n "$HADDR" ] && pass "host configured $HADDR from our PIO" ||
    fail "host has no address on $ONLINK/64: $(oneline "$(inh ip -6 addr show dev "$VV4")")"
if inh ping -6 -c 2 -W 3 "$OMR_ADDR" >"$T/ping6.out" 2>&1; then
    pass "host pings the device's OMR address $OMR_ADDR"
else
    fail "host ping $OMR_ADDR: $(oneline "$(tail -3 "$T/ping6.out")")"
fi
if [ -n "$HADDR" ]; then
    n=$(ping_received 2 "$HADDR" 2)
    [ "$n" = 2 ] && pass "device pings the host at $HADDR" ||
        fail "device ping $HADDR: received '$n': $(oneline "$OUT")"
fi
grep -q "infra: local on-link prefix" "$T/agent.log" && pass "agent logs its on-link prefix" ||
    fail "no on-link log line"

# ---- d. NAT64 pool exhaustion ------------------------------------------------------------

ctl nat64 cidr 192.168.255.0/30
[ "$OUT" = Done ] && pass "nat64 cidr 192.168.255.0/30" || fail "nat64 cidr /30: $OUT"
wait_ctl 15 "$ACTIVE" nat64 state || fail "nat64 state after cidr: $(oneline "$OUT")"
n2=$(ping_received 2 192.0.2.1 1)
n3=$(ping_received 3 192.0.2.1 1)
n4=$(ping_received 4 192.0.2.1 2)
[ "$n2" = 1 ] && [ "$n3" = 1 ] && pass "devices 2 and 3 get the two pool addresses and replies" ||
    fail "devices 2/3 received '$n2'/'$n3'"
[ "$n4" = 0 ] && pass "device 4 (pool exhausted) gets no reply" ||
    fail "device 4 received '$n4': $(oneline "$OUT")"
n2=$(ping_received 2 192.0.2.1 2)
n3=$(ping_received 3 192.0.2.1 2)
[ "$n2" = 2 ] && [ "$n3" = 2 ] && pass "devices 2 and 3 keep working after the exhaustion" ||
    fail "after exhaustion devices 2/3 received '$n2'/'$n3'"
ctl nat64 mappings
[ "$(echo "$OUT" | grep -c '^| [0-9a-f]\{16\} ')" = 2 ] && pass "nat64 mappings: 2 rows" ||
    fail "nat64 mappings: $(oneline "$OUT")"
ctl nat64 counters
if echo "$OUT" | grep -Eq '^\| +(Unknown|Illegal Pkt|Unsup Proto|No Mapping) \| +[0-9]+ \| +[1-9][0-9]* \|$'; then
    pass "nat64 counters show the 6to4 drops ($(echo "$OUT" | grep -E '^\| +No Mapping' | tr -s ' '))"
else
    fail "nat64 counters without drops: $(oneline "$OUT")"
fi

# ---- e. SIGKILL and restart ---------------------------------------------------------------

kill -9 "$APID"
wait "$APID" 2>/dev/null
APID=
rm -f "$SOCK"
start_agent
if wait_ctl 30 "leader
Done" state; then pass "killed agent restarts as leader"; else fail "restarted state: $OUT"; fi
if wait_ctl 20 "$ACTIVE" nat64 state; then pass "restarted: nat64 Active / Active"; else
    fail "restarted nat64 state: $(oneline "$OUT") (log: $(oneline "$(tail -4 "$T/agent.log")"))"
fi
ctl nat64 cidr
[ "$OUT" = "192.168.255.0/30
Done" ] && pass "restarted: NAT64 CIDR kept" || fail "restarted cidr: $(oneline "$OUT")"
inbr nft list table inet tbr 2>/dev/null | grep -q "192.168.255.0/30" &&
    [ "$(inbr nft list tables | grep -cx 'table inet tbr')" = 1 ] &&
    [ "$(inbr nft list tables | grep -cx 'table inet tbr_fw')" = 1 ] &&
    pass "one nft table, for the /30 (and one forwarding policy table)" ||
    fail "nft after restart: $(oneline "$(inbr nft list ruleset)")"
ok=
for _ in $(seq 1 $((10 * SLOW))); do
    wait_attached 2 || break
    n=$(ping_received 2 192.0.2.1 1)
    [ "$n" = 1 ] && ok=1 && break
    sleep 1
done
[ -n "$ok" ] && pass "device 2 attached and pings 192.0.2.1 after the restart" ||
    fail "device 2 after restart: $(oneline "$OUT")"

# ---- f. control socket garbage ----------------------------------------------------------------

OUT=$(head -c 3000 /dev/urandom | inbr "$CTL" --socket "$SOCK" -t $((10 * SLOW)) 2>&1)
kill -0 "$APID" 2>/dev/null && pass "agent alive after random bytes" || fail "agent died (random bytes)"
# tbr-ctl refuses over-long lines itself: talk to the socket directly.
if command -v python3 >/dev/null 2>&1; then
    OUT=$(inbr python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(b"x" * 100000 + b"\nstate\n")
buf = b""
while b"Done" not in buf:
    d = s.recv(4096)
    if not d:
        break
    buf += d
sys.stdout.write(buf.decode("latin-1"))
' "$SOCK" 2>&1)
    echo "$OUT" | grep -q "^Error " && echo "$OUT" | grep -q "^leader" &&
        pass "100 kB line straight to the socket -> Error line, next line answered" ||
        fail "long line: $(oneline "$OUT" | head -c 300)"
else
    echo "note: no python3, the 100 kB line check is skipped"
fi
OUT=$(printf 'state\001\002\377\n\000\000\nnat64 cidr \377\377/99\n' |
    inbr "$CTL" --socket "$SOCK" -t $((10 * SLOW)) 2>&1)
echo "$OUT" | grep -q "^Error " && pass "binary lines -> Error lines" || fail "binary: $(oneline "$OUT")"
MANY=()
for i in $(seq 1 40); do
    inbr "$CTL" --socket "$SOCK" -t $((20 * SLOW)) state >"$T/many$i.out" 2>&1 &
    MANY+=($!)
done
for p in "${MANY[@]}"; do wait "$p" 2>/dev/null; done
good=$(cat "$T"/many*.out | grep -c '^leader$')
busy=$(cat "$T"/many*.out | grep -c '^Error ')
[ $((good + busy)) = 40 ] && [ "$good" -ge 1 ] &&
    pass "40 clients at once: $good answered, $busy refused with an Error line" ||
    fail "40 clients: $good answered, $busy errors: $(cat "$T"/many*.out | sort | uniq -c | tr '\n' '|')"
kill -0 "$APID" 2>/dev/null && pass "agent alive after the garbage" || fail "agent died"
if wait_ctl 10 "leader
Done" state; then pass "agent still answers"; else fail "agent state after garbage: $OUT"; fi

# ---- c. nftables missing ------------------------------------------------------------------------

kill -TERM "$APID"
wait "$APID"
rc=$?
APID=
[ "$rc" = 0 ] && pass "agent exits 0 on SIGTERM" || fail "agent exit status $rc"
# ip netns exec runs in a mount namespace of its own: hide /usr/sbin (and so
# /sbin) there only, with a PATH without nft.
: >"$T/agent.log.c"
ip netns exec "$NSBR" sh -c 'mount -t tmpfs tbr-no-nft /usr/sbin && mount -t tmpfs tbr-no-nft /usr/local/sbin 2>/dev/null; [ -d /usr/local/bin ] && mount -t tmpfs tbr-no-nft /usr/local/bin 2>/dev/null; exec env PATH=/usr/bin:/bin "$@"' sh \
    "$AGENT" -I wpan0 -B "$VBR" -d 3 --state-dir "$T/agent" --ctl-socket "$SOCK" sim://1 \
    </dev/null >>"$T/agent.out" 2>"$T/agent.log.c" &
APID=$!
for _ in $(seq 1 $((50 * SLOW))); do
    [ -S "$SOCK" ] && break
    sleep 0.1
done
if wait_ctl 30 "leader
Done" state; then pass "agent without nft runs (leader)"; else fail "agent without nft: $OUT"; fi
# nft_refused: the agent has tried to start the translator and said why not.
nft_refused() { grep -qi "nft program was not found" "$T/agent.log.c"; }
wait_for 10 nft_refused
ctl nat64 state
echo "$OUT" | grep -q "^Translator: NotRunning$" && pass "without nft: Translator NotRunning" ||
    fail "without nft: $(oneline "$OUT")"
grep -qi "nft program was not found" "$T/agent.log.c" &&
    pass "log says why: $(grep -m1 -i 'nft program was not found' "$T/agent.log.c" | cut -c1-150)" ||
    fail "no nft reason in the log: $(oneline "$(grep -i 'nft\|nat44' "$T/agent.log.c")")"
kill -0 "$APID" 2>/dev/null && pass "agent without nft stays up" || fail "agent without nft died"
kill -TERM "$APID"
wait "$APID"
rc=$?
APID=
[ "$rc" = 0 ] && pass "agent without nft exits 0" || fail "agent without nft exit status $rc"
cat "$T/agent.log.c" >>"$T/agent.log"

tbr_finish
