#!/usr/bin/env bash
# DNS through the border router in network namespaces: a real dnsmasq as
# the upstream resolver, tbr-agent's DNS server (UDP 53 inside the Thread
# node) and a tbr-node device using OpenThread's `dns` client commands.
#
#   tests/netns/test_dns.sh path/to/tbr-agent path/to/tbr-ctl path/to/tbr-node
#
# Topology (documentation addresses only, names unique per run):
#   tbdbr-$$  the BR namespace: tbr-agent (TUN wpan0, NAT44 towards the veth,
#             --dns-upstream 192.0.2.53) and a tbr-node device (the sim radio
#             is loopback multicast: both share this loopback); 192.0.2.100/24
#   tbdv4-$$  an IPv4-only host: 192.0.2.1, 192.0.2.2 (answers ping) and
#             192.0.2.53 (dnsmasq: example.com A 192.0.2.2, AAAA 2001:db8::2)
#
# Checks: the DNS/SRP service in Network Data and the device's default
# server; resolve (AAAA), resolve4 (NAT64-synthesized) then ping through
# NAT64; resolve4 with an IPv4 server (synthesized, straight through NAT64);
# SRP: the device's client (autostart) registers a host and a service that
# `srp server host|service` show and `dns resolve` answers, hostile
# datagrams to the SRP and DNS ports are counted, registrations survive an
# agent restart;
# dnsmasq stopped -> an error within the device's timeout; back -> answers;
# `dns server upstream disable` -> ipv4only.arpa still answered, others
# refused.
#
# Needs root (ip netns, TUN, nft) and dnsmasq; otherwise skips with 77.
# Namespaces and files are always removed (trap EXIT). Prints
# "N passed, N failed"; exits non-zero on any failure. TBR_TEST_SLOW=2
# stretches timeouts (sanitizers); TBR_KEEP=1 keeps the logs in
# /tmp/tbr-dns-kept.
set -u

AGENT=${1:?usage: $0 tbr-agent tbr-ctl tbr-node}
CTL=${2:?usage: $0 tbr-agent tbr-ctl tbr-node}
NODE=${3:?usage: $0 tbr-agent tbr-ctl tbr-node}
TEST_NAME=test_dns
KEEP_DIR=/tmp/tbr-dns-kept
PORT_OFFSET=$((120 + $$ % 20))
NSBR=tbdbr-$$
NSV4=tbdv4-$$
VBR=td$$b
VV4=td$$v
DPID=
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/lib.sh"
tbr_check_env
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
[ -x "$DNSMASQ" ] || skip "dnsmasq is missing (Debian package dnsmasq)"
stop_dnsmasq_at_exit() { [ -n "$DPID" ] && kill -9 "$DPID" && wait "$DPID"; }
TBR_CLEANUP=stop_dnsmasq_at_exit
# a DNS response line ending in an error is a result too
NODE_RESULT_RE='^(Done|Error [0-9]+: .*)$|^DNS response for .* - Error [0-9]+: .*$'

# ---- topology -------------------------------------------------------------------

tbr_topology 192.0.2.100/24 192.0.2.1/24
inv4 ip addr add 192.0.2.2/24 dev "$VV4"
inv4 ip addr add 192.0.2.53/24 dev "$VV4"

# ---- processes --------------------------------------------------------------------


start_dnsmasq --log-queries --address=/example.com/2001:db8::2 && pass "dnsmasq listens on 192.0.2.53" ||
    fail "dnsmasq did not start: $(tail -3 "$T/dnsmasq.out" | tr '\n' '|')"

AGENT_LOG_LEVEL=4
AGENT_ARGS=(--dns-upstream 192.0.2.53)
start_agent
start_node 2
[ -S "$SOCK" ] && pass "agent listens on its control socket" ||
    fail "no control socket (agent log: $(tail -3 "$T/agent.log" | tr '\n' '|'))"

# ---- network ------------------------------------------------------------------------

form_network
check_ctl "dns server upstream: Enabled by default" "Enabled
Done" dns server upstream
if wait_ctl 15 "PrefixManager: Active
Translator: Active
Done" nat64 state; then pass "nat64 state: Active / Active"; else
    fail "nat64 state: $(echo "$OUT" | tr '\n' '|')"
fi
ctl br nat64prefix local
NAT64P=$(echo "$OUT" | head -1)
BASE=${NAT64P%::/96}
case $NAT64P in
fd*:2:0:0::/96) pass "br nat64prefix local: $NAT64P" ;;
*) fail "br nat64prefix local: $OUT" ;;
esac

join_device 2

have_nd=
for _ in $(seq 1 $((40 * SLOW))); do
    node "netdata show"
    if echo "$OUT" | grep -Eq "^$NAT64P sn low [0-9a-f]{4}$" &&
        echo "$OUT" | grep -Eq "^44970 5d [0-9a-f]{32}d11f s [0-9a-f]{4}"; then
        have_nd=1
        break
    fi
    sleep 0.5
done
[ -n "$have_nd" ] && pass "device netdata: NAT64 route and the DNS/SRP service (44970 5d)" ||
    fail "device netdata show: $(echo "$OUT" | tr '\n' '|')"
SVC=$(echo "$OUT" | grep -E "^44970 5d " | head -1 | awk '{print $3}')
# the service address in OpenThread's text form (no :: compression)
SVC_ADDR=$(echo "${SVC:0:32}" | sed -E 's/(....)/\1:/g; s/:$//; s/(^|:)0{1,3}([0-9a-f])/\1\2/g')

node "dns config"
if echo "$OUT" | grep -qx "Server: \[$SVC_ADDR\]:53" &&
    echo "$OUT" | grep -qx "ResponseTimeout: 7000 ms" && [ "$RES" = Done ]; then
    pass "device dns config: the BR's service address $SVC_ADDR, port 53"
else
    fail "device dns config: $(echo "$OUT" | tr '\n' '|') (service $SVC_ADDR)"
fi

# ---- resolve -------------------------------------------------------------------------------

node "dns resolve example.com" 15
if [ "$RES" = Done ] && echo "$OUT" | grep -Eqx "DNS response for example.com. - 2001:db8:0:0:0:0:0:2 TTL:[0-9]+ "; then
    pass "dns resolve example.com -> 2001:db8::2"
else
    fail "dns resolve example.com: $RES $(echo "$OUT" | tr '\n' '|') (agent: $(grep dns "$T/agent.log" | tail -3 | tr '\n' '|'))"
fi

node "dns resolve4 example.com" 15
SYN="$BASE:c000:202"
if [ "$RES" = Done ] && echo "$OUT" | grep -Eqx "DNS response for example.com. - $SYN TTL:[0-9]+ "; then
    pass "dns resolve4 example.com -> $SYN"
else
    fail "dns resolve4 example.com: $RES $(echo "$OUT" | tr '\n' '|')"
fi
node "ping $SYN" 15
if echo "$OUT" | grep -Eq "^16 bytes from $SYN: icmp_seq=[0-9]+ hlim=[0-9]+ time=[0-9]+ms$" &&
    echo "$OUT" | grep -q "^1 packets transmitted, 1 packets received." && [ "$RES" = Done ]; then
    pass "ping $SYN (192.0.2.2 through NAT64)"
else
    fail "ping $SYN: $RES $(echo "$OUT" | tr '\n' '|')"
fi

node "dns resolve4 example.com 192.0.2.53" 15
if [ "$RES" = Done ] && echo "$OUT" | grep -qx "Synthesized IPv6 DNS server address: $BASE:c000:235" &&
    echo "$OUT" | grep -Eqx "DNS response for example.com. - $SYN TTL:[0-9]+ "; then
    pass "dns resolve4 example.com 192.0.2.53 (IPv4 server through NAT64)"
else
    fail "dns resolve4 with an IPv4 server: $RES $(echo "$OUT" | tr '\n' '|')"
fi

node "dns resolve ipv4only.arpa" 15
if [ "$RES" = Done ] &&
    echo "$OUT" | grep -Eqx "DNS response for ipv4only.arpa. - $BASE:c000:aa TTL:[0-9]+ $BASE:c000:ab TTL:[0-9]+ "; then
    pass "dns resolve ipv4only.arpa -> 192.0.0.170/171 synthesized (answered by the BR)"
else
    fail "dns resolve ipv4only.arpa: $RES $(echo "$OUT" | tr '\n' '|')"
fi

# ---- SRP: registration, lookup, hostile input, persistence -----------------------------------

check_ctl "srp server state: running" "running
Done" srp server state
node "srp client state"
[ "$OUT" = Enabled ] && [ "$RES" = Done ] && pass "device srp client state: Enabled (autostart)" ||
    fail "srp client state: $RES $(echo "$OUT" | tr '\n' '|')"
node "srp client server"
[ "$OUT" = "[$SVC_ADDR]:53535" ] && pass "device srp client server: [$SVC_ADDR]:53535 (from Network Data)" ||
    fail "srp client server: $RES $(echo "$OUT" | tr '\n' '|') (service $SVC_ADDR)"
node "srp client host name dev1"
node "srp client service add ins1 _test._udp 12345 1 2"
[ "$RES" = Done ] && pass "srp client host name / service add" || fail "srp client service add: $RES"
reg=
for _ in $(seq 1 $((30 * SLOW))); do
    node "srp client host"
    if [ "$OUT" = 'name:"dev1", state:Registered, addrs:auto' ]; then
        reg=1
        break
    fi
    sleep 0.5
done
[ -n "$reg" ] && pass "device: host dev1 Registered" || fail "srp client host: $(echo "$OUT" | tr '\n' '|')"
node "srp client service"
[ "$OUT" = 'instance:"ins1", name:"_test._udp", state:Registered, port:12345, priority:1, weight:2' ] &&
    pass "device: service ins1 Registered" || fail "srp client service: $(echo "$OUT" | tr '\n' '|')"

# the device's registered (OMR) address, as OpenThread prints it
node ipaddr
DEV_ADDRS=$(echo "$OUT")
ctl srp server host
HOST_ADDR=$(echo "$OUT" | sed -n 's/^    addresses: \[\([^],]*\).*$/\1/p')
if [ "$(echo "$OUT" | head -2)" = "dev1.default.service.arpa.
    deleted: false" ] && [ -n "$HOST_ADDR" ] && echo "$DEV_ADDRS" | grep -qx "$HOST_ADDR"; then
    pass "srp server host: dev1.default.service.arpa., deleted: false, addresses [$HOST_ADDR]"
else
    fail "srp server host: $(echo "$OUT" | tr '\n' '|') (device: $(echo "$DEV_ADDRS" | tr '\n' ' '))"
fi
ctl srp server service
if [ "$(echo "$OUT" | head -1)" = "ins1._test._udp.default.service.arpa." ] &&
    echo "$OUT" | grep -qx "    deleted: false" && echo "$OUT" | grep -qx "    port: 12345" &&
    echo "$OUT" | grep -qx "    priority: 1" && echo "$OUT" | grep -qx "    weight: 2" &&
    echo "$OUT" | grep -qx "    host: dev1.default.service.arpa."; then
    pass "srp server service: ins1._test._udp on dev1, port 12345"
else
    fail "srp server service: $(echo "$OUT" | tr '\n' '|')"
fi
node "dns resolve dev1.default.service.arpa" 15
if [ "$RES" = Done ] && echo "$OUT" | grep -Eqx "DNS response for dev1.default.service.arpa. - $HOST_ADDR TTL:[0-9]+ "; then
    pass "dns resolve dev1.default.service.arpa -> $HOST_ADDR (answered from the SRP registry)"
else
    fail "dns resolve dev1.default.service.arpa: $RES $(echo "$OUT" | tr '\n' '|')"
fi

# hostile datagrams to the SRP port and the DNS port, from the device
node "udp open"
node "udp send $SVC_ADDR 53535 -x 0102"
node "udp send $SVC_ADDR 53535 -x 12342800000100000000000000ff"
node "udp send $SVC_ADDR 53535 -x 1234a8000000000000000000"
node "udp send $SVC_ADDR 53 -x 12342800000100000000000000"
node "udp send $SVC_ADDR 53 -x 1234010000010000000000000377777703636f6d"
node "udp close"
# hostile_counted: the agent's counters (SRPC, DNSC) show the datagrams above.
hostile_counted() {
    local m
    ctl srp server counters
    SRPC=$OUT
    ctl dns server counters
    DNSC=$OUT
    m=$(echo "$SRPC" | sed -n 's/^malformed: //p')
    echo "$SRPC" | grep -qx "drop-short: 1" && echo "$SRPC" | grep -qx "drop-response: 1" &&
        [ "${m:-0}" -ge 2 ] && echo "$DNSC" | grep -Eqx "formerr: [1-9][0-9]*"
}
wait_for 10 hostile_counted
if hostile_counted && ctl state && [ "$OUT" = "leader
Done" ]; then
    pass "malformed SRP/DNS datagrams counted (short, response, malformed, formerr); agent still leader"
else
    fail "hostile input: srp $(echo "$SRPC" | tr '\n' '|') dns $(echo "$DNSC" | grep -E 'formerr|drop' | tr '\n' '|') state $OUT"
fi

# persistence: stop the device's client (no re-registration), restart the agent
node "srp client stop"
kill -TERM "$APID"
wait "$APID"
APID=
start_agent
ctl srp server host
if [ "$(echo "$OUT" | head -3)" = "dev1.default.service.arpa.
    deleted: false
    addresses: [$HOST_ADDR]" ]; then
    pass "after an agent restart: dev1 still registered (persisted)"
else
    fail "after restart, srp server host: $(echo "$OUT" | tr '\n' '|')"
fi
ctl srp server service
echo "$OUT" | grep -qx "ins1._test._udp.default.service.arpa." &&
    pass "after an agent restart: ins1 still registered" ||
    fail "after restart, srp server service: $(echo "$OUT" | tr '\n' '|')"
if wait_ctl 30 "leader
Done" state; then pass "restarted agent is leader again"; else fail "restarted agent state: $OUT"; fi
node "srp client autostart enable"
node "dns resolve dev1.default.service.arpa" 20
echo "$OUT" | grep -Eqx "DNS response for dev1.default.service.arpa. - $HOST_ADDR TTL:[0-9]+ " &&
    pass "after restart: dev1 resolves again" ||
    fail "after restart, dns resolve dev1: $RES $(echo "$OUT" | tr '\n' '|')"

# ---- upstream down, then back ------------------------------------------------------------------

stop_dnsmasq
t0=$(now_ms)
node "dns resolve4 example.com" 20
t1=$(now_ms)
case $RES in
"DNS response for example.com. - Error "*)
    if [ $((t1 - t0)) -le $((7500 * SLOW)) ]; then
        pass "dnsmasq stopped: '$RES' after $((t1 - t0)) ms (within the 7 s timeout)"
    else
        fail "dnsmasq stopped: error only after $((t1 - t0)) ms"
    fi
    ;;
*) fail "dnsmasq stopped: $RES $(echo "$OUT" | tr '\n' '|')" ;;
esac

start_dnsmasq --log-queries --address=/example.com/2001:db8::2 || fail "dnsmasq did not restart"
ok=
for _ in 1 2 3 4 5; do
    node "dns resolve4 example.com" 15
    if [ "$RES" = Done ] && echo "$OUT" | grep -Eqx "DNS response for example.com. - $SYN TTL:[0-9]+ "; then
        ok=1
        break
    fi
    sleep 1
done
[ -n "$ok" ] && pass "dnsmasq back: resolve4 answers again" ||
    fail "after restart: $RES $(echo "$OUT" | tr '\n' '|')"

# ---- forwarding disabled -----------------------------------------------------------------------

check_ctl "dns server upstream disable" "Done" dns server upstream disable
check_ctl "dns server upstream: Disabled" "Disabled
Done" dns server upstream
node "dns resolve ipv4only.arpa" 15
if [ "$RES" = Done ] && echo "$OUT" | grep -q "^DNS response for ipv4only.arpa. - $BASE:c000:aa TTL:"; then
    pass "forwarding disabled: ipv4only.arpa still answered"
else
    fail "forwarding disabled, ipv4only.arpa: $RES $(echo "$OUT" | tr '\n' '|')"
fi
node "dns resolve4 example.com" 15
[ "$RES" = "DNS response for example.com. - Error 8: Security" ] &&
    pass "forwarding disabled: example.com refused (Error 8: Security)" ||
    fail "forwarding disabled, example.com: $RES $(echo "$OUT" | tr '\n' '|')"
check_ctl "dns server upstream enable" "Done" dns server upstream enable
node "dns resolve example.com" 15
[ "$RES" = Done ] && pass "forwarding enabled again: example.com answers" ||
    fail "after enable: $RES $(echo "$OUT" | tr '\n' '|')"
check_ctl "dns server alone" "Error 7: InvalidArgs" dns server

# ---- shutdown --------------------------------------------------------------------------------

kill -TERM "$APID"
wait "$APID"
rc=$?
APID=
[ "$rc" = 0 ] && pass "agent exits 0 on SIGTERM" || fail "agent exit status $rc"

tbr_finish
