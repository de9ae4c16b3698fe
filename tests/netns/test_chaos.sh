#!/usr/bin/env bash
# Chaos (issue 11): ten devices use the border router (TCP, UDP, DNS, SRP
# through NAT64) while it is disturbed, one disturbance per round, in turn:
#   kill   the agent is SIGKILLed mid-transfer and restarted (same state dir)
#   loss   10 % of the frames on the air are dropped (an nftables rule on the
#          BR namespace's loopback, where the sim radio's multicast runs: it
#          hits every receiver, the OpenThread devices too, which have no
#          --loss of their own)
#   dns    the upstream resolver (dnsmasq) stops, then returns
#   flush  the agent's nftables tables (NAT44 and the forwarding policy) are
#          flushed behind its back; it must notice (--recheck-ms 2000 here,
#          60 s by default) and put them back
#   disk   the state directory's filesystem (a 1 MiB tmpfs) fills up, then
#          is freed
#   rcp    the radio co-processor dies mid-transfer (kill -9): the agent runs
#          on OpenThread's ot-rcp (spinel+hdlc+forkpty://, from the shared
#          directory) throughout, restarts it, re-initialises and restores it
# Devices: 5 tbr-node (ids 2-6) and 5 unmodified OpenThread ot-cli-ftd
# (ids 7-11, from the shared directory, each in a working directory of its
# own for its flash). An IPv4 host runs nc and dnsmasq.
# Each round: every device sends CHAOS_BYTES over TCP (`tcp benchmark run`)
# to an nc on the IPv4 host, resolves a name (resolve4, synthesized) and
# sends a UDP datagram, while the disturbance is on; then it is undone.
# Asserted: every TCP transfer the device calls complete arrived with the
# right sha256, the others failed visibly (counted and reported; at most 3
# per round, any number in the kill round: the translator's sessions die with
# the agent); a service registered right before the kill (SIGKILL as soon as
# the device has the agent's response, no wait for a save) is in the
# restarted agent's registry, which restores all 10 hosts; after each round
# every device's SRP host is
# still registered, every device resolves and reaches the host over UDP;
# a last calm round loses no transfer; counters name each disturbance (agent
# frame counter ahead after the restart, MAC retries and the nft drop rule
# under loss, DNS upstream failures, firewall reinstalls and the NAT44
# re-install log line, SRP save-errors then saves for the full disk); no
# frame counter is reused on the air (tests/netns/chaos_air.py: every
# frame on the sim radio captured, decrypted, counters per sender and key).
#
# usage: test_chaos.sh TBR_AGENT TBR_CTL TBR_NODE  (root; exit 77 skips)
# CHAOS_ROUNDS=N   cycles of the five disturbances (default 1)
# CHAOS_SECONDS=S  keep cycling until S seconds have passed (default 0)
# CHAOS_BYTES=N    bytes per TCP transfer (default 6000)
# TBR_TEST_SLOW=2 stretches timeouts; TBR_KEEP=1 keeps the logs in
# /tmp/tbr-chaos-kept.
set -u

AGENT=${1:?usage: $0 tbr-agent tbr-ctl tbr-node}
CTL=${2:?usage: $0 tbr-agent tbr-ctl tbr-node}
NODE=${3:?usage: $0 tbr-agent tbr-ctl tbr-node}
TEST_NAME=test_chaos
KEEP_DIR=/tmp/tbr-chaos-kept
PORT_OFFSET=$((300 + $$ % 40))
NSBR=tbrcb-$$
NSV4=tbrch-$$
VBR=tc$$b
VV4=tc$$h
ROUNDS=${CHAOS_ROUNDS:-1}
CHAOS_SECS=${CHAOS_SECONDS:-0}
BYTES=${CHAOS_BYTES:-6000}
TBR_IDS="2 3 4 5 6"
OT_IDS="7 8 9 10 11"
ALL_IDS="$TBR_IDS $OT_IDS"
HERE=$(cd "$(dirname "$0")" && pwd)
DPID=
SNIFF=
MNT=
# shellcheck source=tests/netns/lib.sh
. "$HERE/lib.sh"
OT=$(tbr_shared_dir)/ot/ot-cli-ftd
OTRCP=$(readlink -f "$(tbr_shared_dir)/ot/ot-rcp")
tbr_check_env
[ -x "$OT" ] || tbr_missing_shared ot/ot-cli-ftd
[ -x "$OTRCP" ] || tbr_missing_shared ot/ot-rcp
AGENT_RADIO="spinel+hdlc+forkpty://$OTRCP?forkpty-arg=1"
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
[ -x "$DNSMASQ" ] || skip "dnsmasq is missing"
nc -h 2>&1 | grep -q "OpenBSD netcat" || skip "nc is not netcat-openbsd"
python3 -c 'import cryptography' 2>/dev/null || skip "python3 with the cryptography module is missing"
PORT_BASE_SIM=$((${PORT_BASE:-9000} + 34 * PORT_OFFSET))
T0=$(now_ms)

chaos_cleanup() {
    [ -n "$DPID" ] && kill -9 "$DPID" && wait "$DPID"
    [ -n "$SNIFF" ] && kill -9 "$SNIFF" && wait "$SNIFF"
    for p in "${NPID[@]}" $APID; do kill -9 "$p" && wait "$p"; done
    NPID=()
    APID=
    [ -n "$MNT" ] && umount "$MNT"
}
TBR_CLEANUP=chaos_cleanup
NODE_RESULT_RE='^(Done|Error [0-9]+: .*)$'



# ctr "COMMAND" NAME: one "name: value" counter line of a tbr-ctl command.
ctr() {
    # shellcheck disable=SC2086 # COMMAND is words
    ctl $1
    echo "$OUT" | sed -n "s/^$2: \([0-9]*\).*/\1/p" | head -1
}

# ---- topology, resolver, the agent's state on a small tmpfs ------------------------

tbr_topology 192.0.2.100/24 192.0.2.1/24
inv4 ip addr add 192.0.2.2/24 dev "$VV4"
inv4 ip addr add 192.0.2.53/24 dev "$VV4"
start_dnsmasq && pass "dnsmasq listens on 192.0.2.53" || fail "dnsmasq did not start"
mkdir -p "$T/agent"
mount -t tmpfs -o size=1m,mode=0700 tbr-chaos "$T/agent" || skip "cannot mount a tmpfs"
MNT=$T/agent
# Every frame on the air, from before the agent's first one.
ip netns exec "$NSBR" python3 "$HERE/chaos_air.py" capture "$PORT_BASE_SIM" "$T/air.txt" \
    >"$T/sniff.out" 2>&1 &
SNIFF=$!
wait_file 5 "$T/sniff.out" ready || fail "air capture did not start: $(cat "$T/sniff.out")"

AGENT_ARGS=(--dns-upstream 192.0.2.53 --recheck-ms 2000)
start_agent
[ -S "$SOCK" ] && pass "agent listens on its control socket" ||
    fail "no control socket (agent log: $(oneline "$(tail -3 "$T/agent.log")"))"
form_network
nat64_up
ctl dataset networkkey
NETKEY=$(echo "$OUT" | head -1)
SYN4=${P96%:}
SYN4=${SYN4%:}:c000:202 # 192.0.2.2, as OpenThread prints it (dns resolve4)

# ---- ten devices attach, register with SRP, open TCP and UDP ---------------------------

for id in $TBR_IDS; do start_node "$id"; done
for id in $OT_IDS; do start_ot "$id"; done
ctl dataset active -x
HEX=$(echo "$OUT" | head -1)
for id in $ALL_IDS; do
    nodeid "$id" "dataset set active $HEX"
    [ "$RES" = Done ] || fail "device $id dataset set active: $RES $(oneline "$OUT")"
    is_ot "$id" && nodeid "$id" "routereligible disable" # children: less churn in 4 minutes
    nodeid "$id" "ifconfig up"
    nodeid "$id" "thread start"
done
attached=0
for id in $ALL_IDS; do
    if wait_attached "$id"; then attached=$((attached + 1)); else fail "device $id did not attach: $OUT"; fi
done
[ "$attached" = 10 ] && pass "10 devices attached (5 tbr-node, 5 ot-cli-ftd)"
omr=0
for id in $ALL_IDS; do
    if wait_omr "$id"; then omr=$((omr + 1)); else fail "device $id: no NAT64 prefix / OMR address: $(oneline "$OUT")"; fi
done
[ "$omr" = 10 ] && pass "10 devices have the NAT64 prefix and an OMR address"
for id in $ALL_IDS; do
    nodeid "$id" "srp client host name chaos$id"
    nodeid "$id" "srp client host address auto"
    nodeid "$id" "srp client service add ins$id _chaos._udp $((40000 + id))"
    nodeid "$id" "srp client autostart enable"
    nodeid "$id" "tcp init"
    [ "$RES" = Done ] || fail "device $id tcp init: $RES"
    nodeid "$id" "udp open"
    [ "$RES" = Done ] || fail "device $id udp open: $RES"
done

# srp_all: the agent lists every device's host, not deleted (SRPOUT: the listing).
srp_all() {
    local id n=0
    ctl srp server host
    SRPOUT=$OUT
    for id in $ALL_IDS; do
        echo "$OUT" | grep -A1 -x "chaos$id.default.service.arpa." | grep -qx "    deleted: false" && n=$((n + 1))
    done
    [ "$n" = 10 ]
}
wait_for 60 srp_all && pass "srp server host: all 10 devices' hosts registered" ||
    fail "srp server host: $(oneline "$SRPOUT")"

# The UDP sink on the IPv4 host: every datagram, any source (NAT64 mappings
# change when the agent restarts), one line each.
inv4 python3 -u -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.1", 30000))
while True:
    d, a = s.recvfrom(2048)
    print(d.decode("latin-1").strip(), flush=True)
' >"$T/udp.out" 2>&1 &
tbr_bg $!

# ---- one round of traffic ----------------------------------------------------------------

WANT_HASH=$(head -c "$BYTES" /dev/zero | tr '\0' a | sha256sum | cut -d' ' -f1)
TCP_OK=0
TCP_FAILED=0
declare -A EST0 CMP0 DIS0 NCP STATE
TCP_END_RE='^TCP: (Connection refused|Connection reset|Timed out|Disconnected)$'
# tcp_start TAG: an nc listener per device on the IPv4 host, each device connects.
tcp_start() {
    local tag=$1 id
    for id in $ALL_IDS; do
        ip netns exec "$NSV4" nc -4 -d -l 192.0.2.1 $((20000 + id)) >"$T/tcp-$tag-$id.out" 2>&1 &
        NCP[$id]=$!
    done
    for id in $ALL_IDS; do
        for _ in $(seq 1 20); do
            inv4 ss -ltn | grep -q "192.0.2.1:$((20000 + id)) " && break
            sleep 0.1
        done
        EST0[$id]=$(grep -c "^TCP: Connection established$" "$T/nout$id")
        CMP0[$id]=$(grep -c "^TCP Benchmark Complete: Transferred $BYTES bytes" "$T/nout$id")
        DIS0[$id]=$(grep -Ec "$TCP_END_RE" "$T/nout$id")
        STATE[$id]=connecting
        nodeid "$id" "tcp connect 192.0.2.1 $((20000 + id))"
        [ "$RES" = Done ] || STATE[$id]="connect: $RES"
    done
}
# tcp_step: established -> benchmark run -> complete; a connection that ends
# first (the device prints why) is a visible failure. True when none is left.
tcp_ended() { [ "$(grep -Ec "$TCP_END_RE" "$T/nout$1")" -gt "${DIS0[$1]}" ]; }
tcp_why() { grep -E "$TCP_END_RE" "$T/nout$1" | tail -1 | cut -c6-; }
tcp_step() {
    local id left=0
    for id in $ALL_IDS; do
        case ${STATE[$id]} in
        connecting)
            left=1
            if [ "$(grep -c "^TCP: Connection established$" "$T/nout$id")" -gt "${EST0[$id]}" ]; then
                nodeid "$id" "tcp benchmark run $BYTES"
                if [ "$RES" = Done ]; then STATE[$id]=sending; else STATE[$id]="benchmark: $RES"; fi
            elif tcp_ended "$id"; then
                STATE[$id]=$(tcp_why "$id")
            fi
            ;;
        sending)
            left=1
            if [ "$(grep -c "^TCP Benchmark Complete: Transferred $BYTES bytes" "$T/nout$id")" -gt "${CMP0[$id]}" ]; then
                STATE[$id]=complete
            elif tcp_ended "$id"; then
                STATE[$id]=$(tcp_why "$id")
            fi
            ;;
        esac
    done
    [ "$left" = 0 ]
}
# tcp_finish TAG MAXFAIL: hashes of what the device called complete; the rest
# is counted as failed visibly (at most MAXFAIL); every endpoint reset.
tcp_finish() {
    local tag=$1 max=$2 id ok=0 bad=0 failed=0 why="" got f
    for id in $ALL_IDS; do
        f=$T/tcp-$tag-$id.out
        if [ "${STATE[$id]}" = complete ]; then
            for _ in $(seq 1 50); do
                [ "$(stat -c %s "$f")" -ge "$BYTES" ] && break
                sleep 0.1
            done
            got=$(sha256sum <"$f" | cut -d' ' -f1)
            if [ "$got" = "$WANT_HASH" ]; then ok=$((ok + 1)); else
                bad=$((bad + 1))
                fail "$tag: device $id said complete but the host got $(stat -c %s "$f") bytes, sha256 $got"
            fi
        else
            failed=$((failed + 1))
            why="$why $id(${STATE[$id]}, host got $(stat -c %s "$f") B)"
        fi
        nodeid "$id" "tcp abort"
        kill "${NCP[$id]}" 2>/dev/null
        wait "${NCP[$id]}" 2>/dev/null
    done
    TCP_OK=$((TCP_OK + ok))
    TCP_FAILED=$((TCP_FAILED + failed))
    if [ "$bad" = 0 ] && [ "$failed" -le "$max" ]; then
        pass "$tag: TCP $ok/10 transfers of $BYTES bytes arrived with the right sha256, $failed failed visibly${why:+:$why}"
    else
        fail "$tag: TCP $ok/10 right, $bad wrong, $failed failed visibly (at most $max allowed):$why"
    fi
}
# dns_all TAG: every device resolve4 example.com at once; DNS_OK / DNS_ERR counted.
DNS_RE='^DNS response for example.com. - '
dns_all() {
    local id
    declare -A L0
    for id in $ALL_IDS; do
        L0[$id]=$(wc -l <"$T/nout$id")
        printf 'dns resolve4 example.com\n' >&"${NFD[$id]}"
    done
    DNS_OK=0
    DNS_ERR=0
    for id in $ALL_IDS; do
        wait_for $((25 * SLOW)) dns_result "$id" "${L0[$id]}"
        if tail -n +$((L0[$id] + 1)) "$T/nout$id" | grep -q "${DNS_RE}$SYN4 TTL:"; then
            DNS_OK=$((DNS_OK + 1))
        else
            DNS_ERR=$((DNS_ERR + 1))
        fi
    done
}
dns_result() { tail -n +$(($2 + 1)) "$T/nout$1" | grep -Eq "^(Done|Error [0-9]+: .*)$|${DNS_RE}.*Error"; }
# udp_all TAG: every device sends "TAG-ID" to the sink; UDP_GOT of 10 arrived.
udp_all() {
    local tag=$1 id
    for id in $ALL_IDS; do nodeid "$id" "udp send 192.0.2.1 30000 $tag-$id"; done
    sleep 1
    UDP_GOT=0
    for id in $ALL_IDS; do grep -qx "$tag-$id" "$T/udp.out" && UDP_GOT=$((UDP_GOT + 1)); done
}

# after_round TAG: the disturbance is over: every host registered, every
# device resolves and reaches the host over UDP (retried, at most 3 times).
after_round() {
    local tag=$1 i
    wait_for 60 srp_all && pass "$tag: after it, all 10 SRP hosts still registered" ||
        fail "$tag: srp server host after the disturbance: $(oneline "$SRPOUT")"
    for i in 1 2 3; do
        dns_all
        [ "$DNS_OK" = 10 ] && break
    done
    [ "$DNS_OK" = 10 ] && pass "$tag: after it, all 10 devices resolve example.com -> $SYN4" ||
        fail "$tag: after it, $DNS_OK of 10 resolve"
    for i in 1 2 3; do
        udp_all "$tag-after$i"
        [ "$UDP_GOT" = 10 ] && break
    done
    [ "$UDP_GOT" = 10 ] && pass "$tag: after it, UDP from all 10 devices reaches the IPv4 host" ||
        fail "$tag: after it, UDP from $UDP_GOT of 10 devices"
}

# traffic TAG D: disturbance D on (dist_D: before the transfers start, or
# for the kill once they are under way), the TCP transfers run under it for
# up to 4 s, DNS and UDP from every device during it, then check_D (its
# counters) undoes it; the transfers then complete or fail visibly.
traffic() {
    local tag=$1 d=$2 t n id
    [ "$d" = kill ] || [ "$d" = rcp ] || "dist_$d"
    tcp_start "$tag"
    t=$(($(now_ms) + 5000 * SLOW))
    until tcp_step || [ "$(now_ms)" -ge "$t" ]; do
        n=0
        for id in $ALL_IDS; do [ "${STATE[$id]}" = connecting ] || n=$((n + 1)); done
        [ "$n" = 10 ] && break
        sleep 0.2
    done
    if [ "$d" = kill ] || [ "$d" = rcp ]; then
        "dist_$d"
    else
        t=$(($(now_ms) + 4000 * SLOW))
        until tcp_step || [ "$(now_ms)" -ge "$t" ]; do sleep 0.3; done
    fi
    dns_all
    DURING_DNS="$DNS_OK answered, $DNS_ERR failed"
    udp_all "$tag-during"
    DURING_UDP=$UDP_GOT
    "check_$d"
    t=$(($(now_ms) + 40000 * SLOW))
    until tcp_step || [ "$(now_ms)" -ge "$t" ]; do sleep 0.3; done
}

# ---- the disturbances ---------------------------------------------------------------------

# kill_acked: device 2 has the agent's response to its new service (the
# registration the kill comes right after).
kill_acked() {
    nodeid 2 "srp client service"
    echo "$OUT" | grep -q "instance:\"kill$ROUND\", name:\"_chaosk._udp\", state:Registered"
}
dist_kill() {
    FC_BEFORE=$(ctr "counters mac" FrameCounter)
    SAVES_KILLED=$(ctr "srp server counters" saves)
    # A new registration, then the kill as soon as the device has the
    # response: no wait for a save (a change is stored before its response
    # goes out, so nothing the agent acknowledged is lost).
    nodeid 2 "srp client service add kill$ROUND _chaosk._udp 7"
    wait_for 10 kill_acked || fail "kill: device 2's service kill$ROUND not acknowledged: $(oneline "$OUT")"
    kill -9 "$APID"
    wait "$APID" 2>/dev/null
    APID=
    # The store as the killed agent left it (the instance name's label is
    # there in the registry record's wire form).
    grep -qaF "kill$ROUND" "$T"/agent/* 2>/dev/null && KILL_STORED=yes || KILL_STORED=no
    rm -f "$SOCK"
    KILL_LOG_FROM=$(($(wc -l <"$T/agent.log") + 1))
    start_agent
    # At once, before any device can reach the new agent: what it loaded.
    ctl srp server service
    KILL_SERVICES=$OUT
    KILL_UPDATES=$(tail -n +"$KILL_LOG_FROM" "$T/agent.log" | grep -c "srp: update from")
    wait_ctl 30 "leader
Done" state || fail "kill: restarted agent state: $(oneline "$OUT")"
    wait_ctl 20 "PrefixManager: Active
Translator: Active
Done" nat64 state || fail "kill: restarted nat64 state: $(oneline "$OUT")"
}
check_kill() {
    local fc restored
    restored=$(grep "srp: [0-9]* host(s) restored" "$T/agent.log" | tail -1)
    echo "$restored" | grep -q "srp: 10 host(s) restored" &&
        pass "kill: the restarted agent restored all 10 SRP hosts (saved $SAVES_KILLED times before)" ||
        fail "kill: after the restart: '$restored' (saves before the kill: $SAVES_KILLED)"
    [ "$KILL_STORED" = yes ] &&
        echo "$KILL_SERVICES" | grep -A1 -x "kill$ROUND._chaosk._udp.default.service.arpa." |
        grep -qx "    deleted: false" &&
        pass "kill: the service acknowledged right before the kill was in the store and is restored ($KILL_UPDATES SRP updates had reached the new agent)" ||
        fail "kill: service kill$ROUND in the store: $KILL_STORED; after the restart ($KILL_UPDATES updates before the look): $(oneline "$(echo "$KILL_SERVICES" | grep -v '^ ')")"
    nodeid 2 "srp client service remove kill$ROUND _chaosk._udp"
    fc=$(ctr "counters mac" FrameCounter)
    [ -n "$fc" ] && [ -n "$FC_BEFORE" ] && [ "$fc" -gt "$FC_BEFORE" ] &&
        pass "kill: the restarted agent's MAC frame counter $fc is past the killed one's $FC_BEFORE" ||
        fail "kill: MAC frame counter before $FC_BEFORE, after $fc"
}

LOSS_RULE="udp dport $PORT_BASE_SIM numgen random mod 10 0 counter drop"
# The agent's RCP retries on its own and does not say how often (Spinel's
# transmit-done has no retry count, OpenThread's host shows none either):
# under loss its MAC sees the devices' retransmissions whose ACK was lost,
# as duplicates, and the devices' own MAC retries.
loss_seen() {
    local r=0 id v
    for id in $TBR_IDS; do
        nodeid "$id" "counters mac"
        v=$(echo "$OUT" | sed -n 's/^TxRetry: //p')
        r=$((r + ${v:-0}))
    done
    echo $((r + $(ctr "counters mac" RxDuplicated)))
}
dist_loss() {
    RETRY_BEFORE=$(loss_seen)
    inbr nft add table inet tbr_chaos
    inbr nft add chain inet tbr_chaos in '{ type filter hook input priority -300; }'
    inbr nft add rule inet tbr_chaos in iif lo $LOSS_RULE
}
check_loss() {
    local dropped r
    dropped=$(inbr nft list chain inet tbr_chaos in | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
    inbr nft delete table inet tbr_chaos
    r=$(loss_seen)
    [ "${dropped:-0}" -gt 0 ] && [ "${r:-0}" -gt "${RETRY_BEFORE:-0}" ] &&
        pass "loss: $dropped frames dropped on the air; MAC retries (tbr-node devices) + duplicates (agent) $RETRY_BEFORE -> $r" ||
        fail "loss: dropped '$dropped', retries + duplicates '$RETRY_BEFORE' -> '$r'"
}

dns_fail_count() {
    ctl dns server counters
    echo "$OUT" | sed -n 's/^\(upstream-timeouts\|upstream-errors\|servfail-timeout\): \([0-9]*\)$/\2/p' |
        awk '{ s += $1 } END { print s + 0 }'
}
dist_dns() {
    DNSF_BEFORE=$(dns_fail_count)
    stop_dnsmasq
}
check_dns() {
    local n
    n=$(dns_fail_count)
    [ "$DNS_ERR" -ge 1 ] && [ "$n" -gt "$DNSF_BEFORE" ] &&
        pass "dns: with dnsmasq stopped, $DNS_ERR of 10 lookups failed visibly; upstream failures counted $DNSF_BEFORE -> $n" ||
        fail "dns: lookups during the outage: $DURING_DNS; counters $DNSF_BEFORE -> $n"
    start_dnsmasq || fail "dns: dnsmasq did not come back"
}

dist_flush() {
    REINST_BEFORE=$(ctr "firewall counters" reinstalls)
    NAT44_LOG_BEFORE=$(grep -c "NAT44 check: .*re-installing" "$T/agent.log")
    inbr nft flush table inet tbr
    inbr nft flush table inet tbr_fw
}
fw_back() {
    inbr nft list table inet tbr_fw 2>/dev/null | grep -q 'counter name "to_thread_not_established" drop' &&
        inbr nft list table inet tbr 2>/dev/null | grep -q masquerade
}
check_flush() {
    local r
    wait_for 15 fw_back && pass "flush: both nft tables are back (re-check every 2 s)" ||
        fail "flush: tables not back: $(oneline "$(inbr nft list ruleset)")"
    r=$(ctr "firewall counters" reinstalls)
    [ "${r:-0}" -gt "${REINST_BEFORE:-0}" ] &&
        [ "$(grep -c "NAT44 check: .*re-installing" "$T/agent.log")" -gt "$NAT44_LOG_BEFORE" ] &&
        pass "flush: firewall counters reinstalls $REINST_BEFORE -> $r; the log names the NAT44 re-install" ||
        fail "flush: reinstalls '$REINST_BEFORE' -> '$r', NAT44 log lines: $(grep -c 'NAT44 check' "$T/agent.log")"
}

dist_disk() {
    SAVEERR_BEFORE=$(ctr "srp server counters" save-errors)
    SETERR_BEFORE=$(ctr "counters mle" SettingsErrors)
    dd if=/dev/zero of="$MNT/fill" bs=64k 2>/dev/null
    # a registration change the agent must save, on the full disk
    nodeid 2 "srp client service add extra$ROUND _chaosx._udp 9"
}
saves_failed() { [ "$(ctr "srp server counters" save-errors)" -gt "${SAVEERR_BEFORE:-0}" ]; }
saves_back() { [ "$(ctr "srp server counters" saves)" -gt "$SAVES_FULL" ]; }
fc_store_ok() {
    ctl counters mle
    echo "$OUT" | grep -qx "FrameCounterStore: ok"
}
check_disk() {
    local se
    wait_for 10 saves_failed
    se=$(ctr "srp server counters" save-errors)
    SAVES_FULL=$(ctr "srp server counters" saves)
    [ "${se:-0}" -gt "${SAVEERR_BEFORE:-0}" ] &&
        pass "disk: the full state directory is counted (srp server counters save-errors $SAVEERR_BEFORE -> $se)" ||
        fail "disk: save-errors '$SAVEERR_BEFORE' -> '$se' ($(df -h "$MNT" | tail -1))"
    rm -f "$MNT/fill"
    nodeid 2 "srp client service remove extra$ROUND _chaosx._udp"
    wait_for 70 saves_back && pass "disk: freed, the registry is saved again (saves $SAVES_FULL -> $(ctr "srp server counters" saves))" ||
        fail "disk: no save after freeing: $(oneline "$(ctl srp server counters && echo "$OUT")")"
    wait_for 40 fc_store_ok
    echo "$OUT" | grep -qx "FrameCounterStore: ok" &&
        pass "disk: the agent's frame counter store is ok again (SettingsErrors $SETERR_BEFORE -> $(echo "$OUT" | sed -n 's/^SettingsErrors: //p'); MAC TxErrFrameCounterNotPersisted $(ctr "counters mac" TxErrFrameCounterNotPersisted))" ||
        fail "disk: counters mle: $(oneline "$OUT")"
}

rcp_child() { pgrep -P "$APID" -f "$OTRCP" | head -1; }
dist_rcp() {
    RCP_OLD=$(rcp_child)
    RCP_RESTORES=$(ctr "rcp counters" restores)
    RCP_T0=$(now_ms)
    [ -n "$RCP_OLD" ] && kill -9 "$RCP_OLD"
    wait_for 20 rcp_ready_again
    RCP_T1=$(now_ms)
}
rcp_ready_again() {
    ctl rcp link
    echo "$OUT" | grep -qx "state: ready" && [ "$(ctr "rcp counters" restores)" -gt "$RCP_RESTORES" ]
}
check_rcp() {
    local new
    new=$(rcp_child)
    [ -n "$RCP_OLD" ] && [ -n "$new" ] && [ "$new" != "$RCP_OLD" ] && kill -0 "$APID" &&
        pass "rcp: the RCP (pid $RCP_OLD) killed mid-transfer; a new one (pid $new) restored in $((RCP_T1 - RCP_T0)) ms, the agent ran on" ||
        fail "rcp: old RCP '$RCP_OLD', new '$new', agent alive: $(kill -0 "$APID" && echo yes || echo no) (log: $(oneline "$(grep rcp "$T/agent.log" | tail -4)"))"
    ctl rcp counters
    echo "$OUT" | grep -q "^link-child-exits: [1-9]" && echo "$OUT" | grep -q "^restores: [1-9]" &&
        pass "rcp: counted ($(echo "$OUT" | grep -E "^(link-down|restores|link-child-exits|tx-aborted):" | tr '\n' ' '))" ||
        fail "rcp counters: $(oneline "$OUT")"
}

# ---- the rounds ------------------------------------------------------------------------------

ROUND=0
while :; do
    ROUND=$((ROUND + 1))
    for d in kill loss dns flush disk rcp; do
        tag="r$ROUND-$d"
        echo "--- round $ROUND: $d ($(($(now_ms) - T0)) ms)"
        traffic "$tag" "$d"
        # the translator's sessions die with a killed agent: its transfers may
        # all fail (visibly); the other disturbances are survivable by TCP
        # (the RCP's death too: the translator and the node live on the host)
        [ "$d" = kill ] && maxfail=10 || maxfail=3
        echo "    during: DNS $DURING_DNS; UDP $DURING_UDP of 10 arrived"
        tcp_finish "$tag" "$maxfail"
        after_round "$tag"
    done
    [ "$ROUND" -ge "$ROUNDS" ] && [ $(($(now_ms) - T0)) -ge $((CHAOS_SECS * 1000)) ] && break
done

# ---- a calm round: nothing lost -------------------------------------------------------------

dist_calm() { :; }
check_calm() { :; }
traffic calm calm
tcp_finish calm 0
echo "TCP over all rounds: $TCP_OK arrived intact, $TCP_FAILED failed visibly"

# ---- frame counters on the air ----------------------------------------------------------------

kill "$SNIFF" 2>/dev/null
wait "$SNIFF" 2>/dev/null
SNIFF=
python3 "$HERE/chaos_air.py" check --key "$NETKEY" "$T/air.txt" >"$T/air-check.txt" 2>&1
st=$?
sed 's/^/    /' "$T/air-check.txt"
[ $st = 0 ] && pass "air: $(grep -c '^PASS' "$T/air-check.txt") frame-counter checks hold over $(wc -l <"$T/air.txt") frames" ||
    fail "air: frame-counter check failed (exit $st)"
# The check can fail: one forged frame reusing a counter must be found.
python3 "$HERE/chaos_air.py" check --control --key "$NETKEY" "$T/air.txt" >"$T/air-control.txt" 2>&1
st=$?
[ $st = 1 ] && grep -q '^FAIL: no MAC frame counter sent twice' "$T/air-control.txt" &&
    pass "air: a forged frame reusing a MAC counter is caught ($(grep -m1 '^FAIL: no MAC' "$T/air-control.txt" | cut -c1-90))" ||
    fail "air: the control check did not catch a reused counter (exit $st): $(oneline "$(cat "$T/air-control.txt")")"
echo "wall time $(($(now_ms) - T0)) ms, $ROUND round(s)"
tbr_finish
