#!/usr/bin/env bash
# The multi-hop mesh behind the border router (issue 13): a line of five on
# the simulated radio, built with macfilter allowlists as OpenThread's own
# certification tests build topologies, mixing implementations:
#
#   tbr-agent (1, BR, leader) - ot-cli-ftd (2) - tbr-node (3) - ot-cli-ftd (4) - tbr-node (5, rn)
#
# Nodes 2..4 become routers (routerselectionjitter 1), 5 is an end device of
# 4. The far device, four hops from the border router, pings 192.0.2.1
# through NAT64, resolves a name through the BR's DNS (dnsmasq upstream on
# the IPv4 side) and opens TCP to netcat on the IPv4 host. A realm-local
# multicast ping reaches every node across the hops, each answering once.
# Every router's `router table` lists the same router IDs.
#
#   tests/netns/test_mesh.sh path/to/tbr-agent path/to/tbr-ctl path/to/tbr-node
#
# Needs root (ip netns, TUN, nft), nc (netcat-openbsd), dnsmasq and
# ../shared/ot/ot-cli-ftd (fails in CI without it, skips outside). Prints
# "N passed, N failed"; exits non-zero on any failure. TBR_TEST_SLOW=2
# stretches timeouts; TBR_KEEP=1 keeps the logs in /tmp/tbr-mesh-kept.
set -u

AGENT=${1:?usage: $0 tbr-agent tbr-ctl tbr-node}
CTL=${2:?usage: $0 tbr-agent tbr-ctl tbr-node}
NODE=${3:?usage: $0 tbr-agent tbr-ctl tbr-node}
TEST_NAME=test_mesh
KEEP_DIR=/tmp/tbr-mesh-kept
PORT_OFFSET=$((1 + $$ % 30))
NSBR=tbrmb-$$
NSV4=tbrmv-$$
VBR=mb$$b
VV4=mb$$v
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/lib.sh"
tbr_check_env
OT=$(tbr_shared_dir)/ot/ot-cli-ftd
[ -x "$OT" ] || tbr_missing_shared ot/ot-cli-ftd
command -v nc >/dev/null 2>&1 || skip "nc (netcat-openbsd) is missing"
nc -h 2>&1 | grep -q "OpenBSD netcat" || skip "nc is not netcat-openbsd"
DNSMASQ=$(command -v dnsmasq) || skip "dnsmasq is missing"
OT_IDS="2 4"

tbr_topology 192.0.2.100/24 192.0.2.1/24
inv4 ip addr add 192.0.2.53/24 dev "$VV4"
start_dnsmasq && pass "dnsmasq listens on 192.0.2.53" ||
    fail "dnsmasq did not start: $(tail -3 "$T/dnsmasq.out" | tr '\n' '|')"

AGENT_ARGS=(--dns-upstream 192.0.2.53)
start_agent
start_ot 2
start_node 3
start_ot 4
start_node 5
echo "mesh: PORT_OFFSET=$PORT_OFFSET dir=$T"

form_network
nat64_up
ctl extaddr
EXT[1]=$(echo "$OUT" | head -1)
for i in 2 3 4 5; do
    nodeid $i extaddr
    EXT[$i]=$(echo "$OUT" | head -1)
done
for i in 1 2 3 4 5; do
    [[ "${EXT[$i]}" =~ ^[0-9a-f]{16}$ ]] || fail "node $i extaddr '${EXT[$i]}'"
done

mesh_allow 1 2
mesh_allow 2 1 3
mesh_allow 3 2 4
mesh_allow 4 3 5
mesh_allow 5 4

# The routers-to-be upgrade within a second of attaching (OT's default jitter is 120 s).
for i in 2 3 4; do
    nodeid $i "routerselectionjitter 1"
    [ "$RES" = Done ] && pass "node $i routerselectionjitter 1" || fail "node $i routerselectionjitter: $RES"
done
nodeid 5 "mode rn"

ctl dataset active -x
DS=$(echo "$OUT" | head -1)
T0=$(now_ms)
for i in 2 3 4 5; do
    nodeid $i "dataset set active $DS"
    nodeid $i "ifconfig up"
    nodeid $i "thread start"
    [ "$RES" = Done ] && pass "node $i thread start" || fail "node $i thread start: $RES"
    if [ $i = 5 ]; then
        wait_role 5 child 60 && pass "node 5 (tbr-node, rn) is a child, 4 hops from the BR" ||
            fail "node 5 state: $OUT"
    else
        wait_role $i router 90 && pass "node $i ($(is_ot $i && echo ot-cli-ftd || echo tbr-node)) became a router" ||
            fail "node $i state: $OUT (log: $(tail -3 "$T/node$i.log" 2>/dev/null | tr '\n' '|'))"
    fi
done
echo "    line of five attached in $(($(now_ms) - T0)) ms"

# Every router agrees on the router ID set (`router list`).
ctl router list
RL1=$(echo "$OUT" | head -1)
[ "$(echo "$RL1" | wc -w)" = 4 ] && pass "agent router list: $RL1" || fail "agent router list: $OUT"
for i in 2 3 4; do
    for _ in $(seq 1 $((30 * SLOW))); do
        nodeid $i "router list"
        [ "$(echo "$OUT" | head -1)" = "$RL1" ] && break
        sleep 1
    done
    [ "$(echo "$OUT" | head -1)" = "$RL1" ] && pass "node $i router list agrees: $RL1" ||
        fail "node $i router list: $OUT (agent: $RL1)"
done

# ---- the far device through NAT64, DNS and TCP --------------------------------------------

wait_omr 5 && pass "node 5 has the NAT64 prefix and an OMR address $OMR_ADDR" ||
    fail "node 5 netdata/ipaddr: $(oneline "$OUT")"

ok=
for _ in 1 2 3; do
    nodeid 5 "ping 192.0.2.1" 15
    echo "$OUT" | grep -q "1 packets received" && ok=1 && break
done
[ -n "$ok" ] && pass "node 5 pings 192.0.2.1 through NAT64 across 4 hops" ||
    fail "node 5 ping 192.0.2.1: $RES $(oneline "$OUT")"

nodeid 5 "dns resolve4 example.com" 20
SYN_DNS=$(echo "$OUT" | sed -n 's/^DNS response for example.com. - \([0-9a-f:]*\) TTL:.*/\1/p' | head -1)
case $SYN_DNS in
*:c000:202) pass "node 5 dns resolve4 example.com -> $SYN_DNS (192.0.2.2 synthesized)" ;;
*) fail "node 5 dns resolve4: $RES $(oneline "$OUT")" ;;
esac

mkfifo "$T/tcp.in"
exec {NCFD}<>"$T/tcp.in"
: >"$T/tcp.out"
inv4 nc -4 -l 12345 <"$T/tcp.in" >"$T/tcp.out" 2>"$T/tcp.err" &
tbr_bg $!
sleep 0.3
nodeid 5 "tcp init"
nodeid 5 "tcp connect 192.0.2.1 12345"
[ "$RES" = Done ] && pass "node 5 tcp connect 192.0.2.1 12345" || fail "node 5 tcp connect: $RES $(oneline "$OUT")"
wait_file 30 "$T/nout5" "^TCP: Connection established$" && pass "node 5: TCP: Connection established" ||
    fail "node 5: no TCP connection: $(tail -5 "$T/nout5" | tr '\n' '|')"
nodeid 5 "tcp send hello-from-four-hops"
wait_file 20 "$T/tcp.out" "hello-from-four-hops" && pass "the IPv4 host's nc received the far device's data" ||
    fail "nc got: $(od -c "$T/tcp.out" | head -3)"
printf 'back\n' >&"$NCFD"
wait_file 20 "$T/nout5" "^TCP: Received 5 bytes: back$" && pass "node 5 received the IPv4 host's reply" ||
    fail "node 5 did not receive: $(tail -5 "$T/nout5" | tr '\n' '|')"
nodeid 5 "tcp abort"
exec {NCFD}>&-

# ---- realm-local multicast across hops: every node once -------------------------------------

nodeid 5 "ping ff03::1 8 1 1 64 5" 20
REPLIES=$(echo "$OUT" | grep -c "bytes from")
SRCS=$(echo "$OUT" | sed -n 's/^[0-9]* bytes from \([0-9a-f:]*\):.*/\1/p' | sort -u | wc -l)
if [ "$SRCS" -ge 4 ] && [ "$REPLIES" = "$SRCS" ]; then
    pass "ping ff03::1 from node 5: $SRCS nodes answered, each once"
else
    fail "ping ff03::1 from node 5: $REPLIES replies from $SRCS nodes: $(oneline "$OUT")"
fi

tbr_finish
