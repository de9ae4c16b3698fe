#!/usr/bin/env bash
# Process-level test: what tbr-node puts on the air, read from its --pcap
# captures.
#
#   tests/thread/test_pcap.sh path/to/tbr-node
#
# Node 1 (the leader) runs with --pcap. Nodes 2 (FTD child, rdn), 3 (MED,
# rn) and 4 (FTD child) attach; pings one way and the other, child to child
# through the leader. Then every child pings the leader fast (and the leader
# a child) until the leader has sent more than 1000 MAC-secured frames (past
# one frame-counter store-ahead step), and the leader is killed with -9 in
# the middle of that traffic. It is restarted from its --state-dir with
# --pcap to a second file; the children must be its children again and the
# pings must go on.
#
# Then:
#  * frame counters on the air (tests/thread/pcap_counters.py, python3 with
#    the `cryptography` module): no MAC frame counter (aux security header)
#    and no MLE frame counter (MLE aux header, UDP port 19788) sent by the
#    leader appears twice across the two captures (retransmissions, i.e.
#    byte-identical frames in one capture, count once), the second run's
#    counters are above the first's, and every leader frame decrypts;
#  * tshark, given the network key, decodes both captures as 802.15.4 /
#    6LoWPAN / IPv6 / MLE / ICMPv6 / CoAP, with no malformed packet and no
#    expert error or warning (decryption failures are warnings there).
#    tshark settings: -o 'uat:ieee802154_keys:"<network key>","1","Thread hash"'
#    (derives the MAC and MLE keys), -o 6lowpan.context0:<mesh-local prefix>,
#    and a private profile (XDG_CONFIG_HOME) whose decode_as_entries decode
#    UDP 61631 as CoAP-TMF; the second capture also gets the children's
#    short -> extended addresses (uat:802154_addresses).
#
# Prints "N passed, N failed"; exits non-zero on any failure. Exit 77 (skip)
# when neither tshark nor python3+cryptography is there; when only one is,
# the other part is skipped with a message and, if all else passed, the
# exit status is 77 too.
#
# Each run uses its own PORT_OFFSET (200 + $$ % 50 unless set: a range apart
# from test_nodes.sh's 40..189). TBR_TEST_SLOW=N stretches the timeouts;
# TBR_TEST_KEEP=1 keeps the temporary directory (captures, outputs);
# TSHARK and PYTHON name other binaries than tshark and python3.
set -u

BIN=${1:?usage: $0 path/to/tbr-node}
[ -x "$BIN" ] || {
    echo "not executable: $BIN" >&2
    exit 2
}
HERE=$(cd "$(dirname "$0")" && pwd)
export PORT_OFFSET=${PORT_OFFSET:-$((200 + $$ % 50))}

TSHARK=${TSHARK:-tshark}
PYTHON=${PYTHON:-python3}
HAVE_TSHARK=0
command -v "$TSHARK" >/dev/null 2>&1 && HAVE_TSHARK=1
HAVE_PY=0
"$PYTHON" -c 'import cryptography.hazmat.primitives.ciphers.aead' >/dev/null 2>&1 && HAVE_PY=1
if [ $HAVE_TSHARK = 0 ] && [ $HAVE_PY = 0 ]; then
    echo "SKIP: neither tshark nor python3 with the 'cryptography' module is installed"
    exit 77
fi

ASYNC_FILTER=1
# shellcheck source=tests/thread/lib.sh
. "$(dirname "$0")/lib.sh"
declare -A NFRAMES
SKIPPED=

ping_ok() {
    local n=$1 addr=$2 re
    RAW=1 cmd "$n" "ping $addr 8 2 0.5" 15
    re="^16 bytes from $addr: icmp_seq=[0-9]+ hlim=[0-9]+ time=[0-9]+ms$"
    if [ "$RES" = Done ] && [ "$(echo "$OUT" | grep -c -E "$re")" -eq 2 ]; then
        pass "node$n ping $addr: 2 replies"
    else
        fail "node$n ping $addr: want two replies; got $RES / $(echo "$OUT" | tr '\n' '|')"
    fi
}

# replies N ADDR: how many async echo replies from ADDR node N has printed.
replies() {
    grep -c -E "^[0-9]+ bytes from $2: " "$T/out$1"
}

# replied_past N ADDR COUNT...: node N has printed more than COUNT replies
# from ADDR (and so for each further triple).
replied_past() {
    while [ $# -ge 3 ]; do
        [ "$(replies "$1" "$2")" -gt "$3" ] || return 1
        shift 3
    done
}

echo "tbr-node pcap test: PORT_OFFSET=$PORT_OFFSET dir=$T"
[ $HAVE_TSHARK = 1 ] && echo "tshark: $("$TSHARK" --version 2>/dev/null | head -1)"

# ---- a network: leader (captured) + 3 children -------------------------------------
start_node 1 --pcap "$T/run1.pcap"
for n in 2 3 4; do start_node $n; done
expect 1 "dataset init new" Done
expect 1 "dataset commit active" Done
expect 1 "ifconfig up" Done
expect 1 "thread start" Done
wait_state 1 leader 10 && pass "node1 leader after ${WAITED_MS} ms" ||
    fail "node1 not leader within 10 s (state '$OUT')"
DS=$(get 1 "dataset active -x")
cmd 1 "dataset active"
KEY=$(echo "$OUT" | sed -n 's/^Network Key: \([0-9a-f]\{32\}\)$/\1/p')
MLP=$(echo "$OUT" | sed -n 's/^Mesh Local Prefix: \(.*\)$/\1/p')
PANID=$(echo "$OUT" | sed -n 's/^PAN ID: \(0x[0-9a-f]\{4\}\)$/\1/p')
[ -n "$KEY" ] && [ -n "$MLP" ] && [ -n "$PANID" ] &&
    pass "network key $KEY, mesh-local prefix $MLP, PAN ID $PANID" ||
    fail "no network key / mesh-local prefix / PAN ID in: $(echo "$OUT" | tr '\n' '|')"
R1=$(get 1 rloc16)
EXT1=$(get 1 extaddr)
ML1=$(get 1 "ipaddr mleid")
LL1=$(get 1 "ipaddr linklocal")
for n in 2 3 4; do
    expect $n "dataset set active $DS" Done
    [ $n = 3 ] && expect $n "mode rn" Done
    expect $n "ifconfig up" Done
    expect $n "thread start" Done
done
R=()
EXT=()
for n in 2 3 4; do
    wait_state $n child 10 && pass "node$n child after ${WAITED_MS} ms" ||
        fail "node$n not child within 10 s (state '$OUT')"
    R[$n]=$(get $n rloc16)
    EXT[$n]=$(get $n extaddr)
done
ML2=$(get 2 "ipaddr mleid")
ML3=$(get 3 "ipaddr mleid")
LL2=$(get 2 "ipaddr linklocal")
children_listed 1 "${R[2]:-none}" "${R[3]:-none}" "${R[4]:-none}" &&
    pass "leader's child table lists ${R[*]}" || fail "child table: $(echo "$OUT" | tr '\n' '|')"

# ---- traffic for the decoder: ICMPv6 both ways, address query (CoAP) -------------------
ping_ok 2 "$ML1"
ping_ok 2 "$LL1"
ping_ok 1 "$ML3"
ping_ok 1 "$LL2"
ping_ok 3 "$ML2"
ping_ok 4 "$ML3"
# No node has this mesh-local address: the leader asks with a/aq (CoAP NON
# to ff03::2) and the ping goes unanswered.
NOBODY=$("$PYTHON" -c 'import ipaddress, sys; print(ipaddress.IPv6Network(sys.argv[1])[0xdeadbeef])' \
    "$MLP" 2>/dev/null || echo "${MLP%%::/64}::dead:beef")
RAW=1 cmd 1 "ping $NOBODY 8 1 0.5 64 1" 10
[ "$RES" = Done ] && echo "$OUT" | grep -q '^1 packets transmitted, 0 packets received' &&
    pass "node1 ping $NOBODY (nobody): unanswered" || fail "node1 ping $NOBODY: $RES $(echo "$OUT" | tr '\n' '|')"

# ---- fast pings; the leader killed with -9 in the middle --------------------------------
for n in 2 3 4; do
    expect $n "ping async $ML1 16 60000 0.02" Done
done
expect 1 "ping async $ML2 16 60000 0.05" Done
LEADER_SECURED=0
if [ $HAVE_PY = 1 ]; then
    # Until the leader has sent more than 1000 secured frames (one
    # store-ahead step of its MAC frame counter), at most 40 s.
    deadline=$(($(now_ms) + 40000 * SLOW))
    while [ "$(now_ms)" -lt "$deadline" ]; do
        LEADER_SECURED=$("$PYTHON" "$HERE/pcap_counters.py" --key "$KEY" --ext "$EXT1" \
            --rloc16 "$R1" "$T/run1.pcap" 2>/dev/null |
            sed -n 's/^run 1 .* from the node, \([0-9]*\) MAC-secured.*/\1/p')
        [ "${LEADER_SECURED:-0}" -gt 1100 ] && break
        sleep 1
    done
else
    # No decoder: the frames the leader's peers saw from it (echo replies to
    # the children, its own echo requests answered) are a lower bound.
    leader_sent_1100() {
        [ $(($(replies 2 "$ML1") + $(replies 3 "$ML1") + $(replies 4 "$ML1") +
            $(replies 1 "$ML2"))) -gt 1100 ]
    }
    wait_for 40 leader_sent_1100 || echo "note: the leader sent fewer than 1100 frames in 40 s"
fi
BEFORE2=$(replies 2 "$ML1")
BEFORE3=$(replies 3 "$ML1")
wait_for 5 replied_past 2 "$ML1" "$BEFORE2" 3 "$ML1" "$BEFORE3" &&
    pass "pings running at the kill ($BEFORE2, $BEFORE3 replies so far; leader sent ${LEADER_SECURED:-?} secured frames)" ||
    fail "pings not running before the kill ($BEFORE2 / $(replies 2 "$ML1"))"
{
    kill -9 "${PID[1]}"
    wait "${PID[1]}"
} 2>/dev/null
unset "PID[1]"
KILLED2=$(replies 2 "$ML1")
# node1's output file goes on across the restart: count its replies from here.
KILLED1=$(replies 1 "$ML2")
# Deliberate: the leader stays down for half a second while the children
# keep pinging it (unacknowledged frames), as after a real crash; the
# restart must cope with that, not with a leader back at once.
sleep 0.5

start_node 1 --pcap "$T/run2.pcap"
expect 1 "ifconfig up" Done
expect 1 "thread start" Done
wait_state 1 leader 10 && pass "restarted node1 leader again after ${WAITED_MS} ms" ||
    fail "restarted node1 not leader within 10 s (state '$OUT')"
LEADER_AGAIN_MS=$(now_ms)
[ "$(get 1 rloc16)" = "$R1" ] && [ "$(get 1 extaddr)" = "$EXT1" ] &&
    pass "restarted node1 kept rloc16 $R1 and extaddr $EXT1" ||
    fail "restarted node1: rloc16 '$(get 1 rloc16)' extaddr '$(get 1 extaddr)', was $R1 $EXT1"
ok=0
deadline=$(($(now_ms) + 15000 * SLOW))
while [ "$(now_ms)" -lt "$deadline" ]; do
    if children_listed 1 "${R[2]:-none}" "${R[3]:-none}" "${R[4]:-none}" &&
        [ "$(get 2 state)" = child ] && [ "$(get 3 state)" = child ] && [ "$(get 4 state)" = child ]; then
        ok=1
        break
    fi
    sleep 0.5
done
[ $ok = 1 ] && pass "nodes 2, 3, 4 are children of the restarted leader again" ||
    fail "children after restart: table '$(echo "$OUT" | tr '\n' '|')' states $(get 2 state) $(get 3 state) $(get 4 state)"
expect 1 "ping async $ML2 16 60000 0.05" Done
wait_for 15 replied_past 2 "$ML1" $((KILLED2 + 10)) 1 "$ML2" $((KILLED1 + 10))
# Deliberate: run2 must hold the restarted leader's MLE Advertisements
# (checked by tshark below), so the capture spans the trickle timer's first
# intervals (Imin 1 s, doubling: two or three Advertisements in 4 s) however
# fast the pings above came back.
left=$((LEADER_AGAIN_MS + 4000 * SLOW - $(now_ms)))
[ "$left" -le 0 ] || sleep "$(printf '%d.%03d' $((left / 1000)) $((left % 1000)))"
AFTER2=$(replies 2 "$ML1")
[ "$AFTER2" -gt "$((KILLED2 + 10))" ] &&
    pass "node2's pings answered by the restarted leader ($((AFTER2 - KILLED2)) more replies)" ||
    fail "node2's pings after the restart: $KILLED2 -> $AFTER2 replies"
A1=$(($(replies 1 "$ML2") - KILLED1))
[ "$A1" -gt 10 ] && pass "the restarted leader's pings answered by node2 ($A1 replies)" ||
    fail "the restarted leader's pings to node2: $A1 replies"

# ---- clean exits (the captures are complete) ---------------------------------------------
for n in 1 2 3 4; do kill -TERM "${PID[$n]}"; done
for n in 1 2 3 4; do
    wait_exit $n 10 && pass "node$n exits with 0 on SIGTERM" ||
        fail "node$n on SIGTERM: status ${EXIT_STATUS:-still running}"
done
for f in run1 run2; do
    [ -s "$T/$f.pcap" ] && pass "$f.pcap: $(stat -c %s "$T/$f.pcap") bytes" || fail "$f.pcap missing or empty"
done

# ---- frame counters on the air -----------------------------------------------------------
if [ $HAVE_PY = 1 ]; then
    echo "--- pcap_counters.py: frames sent by the leader ($EXT1 / 0x$R1)"
    "$PYTHON" "$HERE/pcap_counters.py" --key "$KEY" --ext "$EXT1" --rloc16 "$R1" \
        --min-secured 1000,50 --min-mle 5,2 "$T/run1.pcap" "$T/run2.pcap" >"$T/counters.txt" 2>&1
    st=$?
    sed 's/^/    /' "$T/counters.txt"
    NFRAMES[run1]=$(sed -n 's/^run 1 .*): \([0-9]*\) frames,.*/\1/p' "$T/counters.txt")
    NFRAMES[run2]=$(sed -n 's/^run 2 .*): \([0-9]*\) frames,.*/\1/p' "$T/counters.txt")
    n_pass=$(grep -c '^PASS: ' "$T/counters.txt")
    n_fail=$(grep -c '^FAIL: ' "$T/counters.txt")
    if [ $st -eq 0 ] && [ "$n_fail" -eq 0 ] && [ "$n_pass" -ge 12 ]; then
        pass "frame counters: $n_pass checks hold (no MAC or MLE counter reused across the restart)"
    else
        fail "frame counters: $n_fail of $((n_pass + n_fail)) checks failed (exit $st)"
    fi
    # The check can fail: the first capture given twice reuses every counter.
    "$PYTHON" "$HERE/pcap_counters.py" --key "$KEY" --ext "$EXT1" --rloc16 "$R1" \
        "$T/run1.pcap" "$T/run1.pcap" >"$T/control.txt" 2>&1
    st=$?
    line=$(grep -E '^FAIL: no MAC frame counter sent twice' "$T/control.txt")
    [ $st -eq 1 ] && [ -n "$line" ] && grep -q '^FAIL: no MLE frame counter sent twice' "$T/control.txt" &&
        pass "control: run1.pcap given twice -> reuse reported (${line#FAIL: })" ||
        fail "control: run1.pcap twice not reported (exit $st): $(tail -3 "$T/control.txt" | tr '\n' '|')"
else
    SKIPPED="$SKIPPED frame-counter checks (python3 'cryptography' module missing);"
    echo "SKIP: frame-counter checks: python3 with the 'cryptography' module is missing"
fi

# ---- tshark decodes everything ------------------------------------------------------------
# tshark runs with a profile of its own ($T/wsconf): UDP port 61631 decoded
# as CoAP for TMF (Thread CoAP), nothing from the user's settings.
mkdir -p "$T/wsconf/wireshark"
echo 'decode_as_entry: udp.port,61631,(none),CoAP-TMF' >"$T/wsconf/wireshark/decode_as_entries"

# tshark_runs PCAP OUT [KEY [OPTIONS...]]: one pass of tshark over PCAP with
# the Thread network key (KEY, default $KEY: the "Thread hash" derives the
# MAC and MLE keys) and 6LoWPAN context 0 = the mesh-local prefix; writes
# one line per frame to OUT: number;protocols;frame type;security;FCS ok;
# MLE command;ICMPv6 type;CoAP Uri-Path;a/aq Target EID;CoAP type. Then counts the
# frames tshark flags as malformed or with an expert warning or error
# (a frame it cannot decrypt is such a warning) into NBAD.
tshark_runs() {
    local f=$1 out=$2 key=${3:-$KEY} o
    shift 3 2>/dev/null || shift $#
    o=(-o "uat:ieee802154_keys:\"$key\",\"1\",\"Thread hash\"" -o "6lowpan.context0:$MLP" "$@")
    XDG_CONFIG_HOME=$T/wsconf "$TSHARK" -n -r "$f" "${o[@]}" -T fields -E separator=';' -E occurrence=f \
        -e frame.number -e frame.protocols -e wpan.frame_type -e wpan.security -e wpan.fcs_ok \
        -e mle.cmd -e icmpv6.type -e coap.opt.uri_path_recon -e thread_address.tlv.target_eid \
        -e coap.type \
        >"$out" 2>"$out.err" || return 1
    NBAD=$(XDG_CONFIG_HOME=$T/wsconf "$TSHARK" -n -r "$f" "${o[@]}" \
        -Y '_ws.malformed || _ws.expert.severity >= warning' 2>>"$out.err" | tee "$out.bad" | wc -l)
}

# norm6 ADDR: an IPv6 address in its RFC 5952 form (as tshark prints it).
norm6() {
    "$PYTHON" -c 'import ipaddress, sys; print(ipaddress.IPv6Address(sys.argv[1]))' "$1" 2>/dev/null || echo "$1"
}

# MLE command numbers (Thread spec / Wireshark's mle.cmd).
declare -A MLE_NAME=([0]="Link Request" [1]="Link Accept" [2]="Link Accept And Request"
    [3]="Link Reject" [4]="Advertisement" [5]="Update" [6]="Update Request" [7]="Data Request"
    [8]="Data Response" [9]="Parent Request" [10]="Parent Response" [11]="Child ID Request"
    [12]="Child ID Response" [13]="Child Update Request" [14]="Child Update Response")

# tshark_check RUN WANT_MLE_CMDS WANT_COAP [tshark options]: the decode
# checks on $T/RUN.pcap.
tshark_check() {
    local run=$1 want_cmds=$2 want_coap=$3 F=$T/$1.pcap O=$T/$1.fields total c n
    shift 3
    if ! tshark_runs "$F" "$O" "$KEY" "$@"; then
        fail "$run: tshark failed: $(head -3 "$O.err" | tr '\n' '|')"
        return
    fi
    total=$(wc -l <"$O")
    [ "$total" -gt 0 ] && [ "$total" -eq "$(awk -F';' '$2 ~ /^wpan(:|$)/' "$O" | wc -l)" ] &&
        pass "$run: tshark decodes all $total frames as IEEE 802.15.4 (wpan)" ||
        fail "$run: $total frames, not all wpan: $(awk -F';' '$2 !~ /^wpan(:|$)/' "$O" | head -3 | tr '\n' '|')"
    if [ -n "${NFRAMES[$run]:-}" ]; then
        [ "$total" -eq "${NFRAMES[$run]}" ] && pass "$run: tshark and pcap_counters.py see the same $total frames" ||
            fail "$run: tshark sees $total frames, pcap_counters.py ${NFRAMES[$run]}"
    fi
    n=$(awk -F';' '$5 != "1"' "$O" | wc -l)
    [ "$n" -eq 0 ] && pass "$run: every FCS is valid for tshark" || fail "$run: $n frames with a bad FCS"
    n=$(awk -F';' '$3 == "0x0002" && $2 != "wpan"' "$O" | wc -l)
    c=$(awk -F';' '$3 == "0x0002"' "$O" | wc -l)
    [ "$c" -gt 0 ] && [ "$n" -eq 0 ] && pass "$run: $c Imm-Acks, all bare 802.15.4" ||
        fail "$run: $c acks, $n odd ones"
    # Every data frame is 6LoWPAN/IPv6 carrying ICMPv6, MLE or CoAP (a FRAG1
    # or FRAGN piece ends at 6lowpan, or shows the reassembled datagram; an
    # empty CoAP ACK on the TMF port lists no protocol after udp but has its
    # CoAP fields; realm-local multicast such as a/aq carries the MPL option,
    # RFC 7731, in a Hop-by-Hop header compressed as NHC, which tshark lists
    # as data + ipv6.hopopts).
    n=$(awk -F';' '$3 == "0x0001" && $2 !~ /^wpan:6lowpan((:data)?:ipv6(:ipv6.hopopts)?:(icmpv6(:data)?|udp:(mle(:thread_[a-z_]+)*|(thread_)?coap(:thread_[a-z_]+)*)))?$/ &&
        !($2 == "wpan:6lowpan:ipv6:udp" && $10 == "2")' "$O" | tee "$O.odd" | wc -l)
    c=$(awk -F';' '$3 == "0x0001"' "$O" | wc -l)
    [ "$c" -gt 0 ] && [ "$n" -eq 0 ] &&
        pass "$run: all $c data frames decode as 6LoWPAN / IPv6 / (ICMPv6 | UDP MLE | UDP CoAP)" ||
        fail "$run: $n of $c data frames decode otherwise: $(head -3 "$O.odd" | tr '\n' '|')"
    n=$(awk -F';' '$3 != "0x0001" && $3 != "0x0002"' "$O" | wc -l)
    [ "$n" -eq 0 ] && pass "$run: only data frames and acks" || fail "$run: $n frames of other types"
    n=$(awk -F';' '$4 == "1" && $2 !~ /:ipv6/' "$O" | wc -l)
    c=$(awk -F';' '$4 == "1"' "$O" | wc -l)
    [ "$c" -gt 0 ] && [ "$n" -eq 0 ] && pass "$run: all $c MAC-secured frames decrypted by tshark (IPv6 inside)" ||
        fail "$run: $n of $c MAC-secured frames not decrypted"
    n=$(awk -F';' '$2 ~ /:mle$/ && $6 == ""' "$O" | wc -l)
    c=$(awk -F';' '$2 ~ /:mle$/' "$O" | wc -l)
    [ "$c" -gt 0 ] && [ "$n" -eq 0 ] && pass "$run: all $c MLE messages decrypted (command recognized)" ||
        fail "$run: $n of $c MLE messages without a command (not decrypted)"
    local counts="" zero=""
    # CoAP: frames with a CoAP header (coap.type).
    for c in wpan 6lowpan ipv6 udp mle icmpv6 coap; do
        if [ $c = coap ]; then
            n=$(awk -F';' '$10 != ""' "$O" | wc -l)
        else
            n=$(awk -F';' -v p="$c" '(":" $2 ":") ~ (":" p ":")' "$O" | wc -l)
        fi
        counts="$counts $c=$n"
        if [ "$n" -eq 0 ] && { [ "$c" != coap ] || [ "$want_coap" != 0 ]; }; then
            zero="$zero $c"
        fi
    done
    [ -z "$zero" ] && pass "$run: layers decoded (frames):$counts" ||
        fail "$run: no frame with layer(s)$zero (frames:$counts)"
    local seen="" missing=""
    for c in $(awk -F';' '$6 != "" {print $6}' "$O" | sort -n | uniq); do
        seen="$seen, ${MLE_NAME[$c]:-unknown $c} ($(awk -F';' -v k="$c" '$6 == k' "$O" | wc -l))"
        [ -n "${MLE_NAME[$c]:-}" ] || missing="$missing unknown-$c"
    done
    for c in $want_cmds; do
        awk -F';' -v k="$c" '$6 == k {f = 1} END {exit !f}' "$O" || missing="$missing '${MLE_NAME[$c]}'"
    done
    [ -z "$missing" ] && pass "$run: MLE commands recognized:${seen#,}" ||
        fail "$run: MLE commands missing:$missing (seen:${seen#,})"
    n=$(awk -F';' '$7 == "128"' "$O" | wc -l)
    c=$(awk -F';' '$7 == "129"' "$O" | wc -l)
    [ "$n" -gt 0 ] && [ "$c" -gt 0 ] && pass "$run: ICMPv6 echo requests ($n) and replies ($c)" ||
        fail "$run: ICMPv6 echo requests $n, replies $c"
    if [ "$want_coap" = aq ]; then
        n=$(awk -F';' -v t="$(norm6 "$NOBODY")" '$8 == "/a/aq" && $9 == t' "$O" | wc -l)
        [ "$n" -gt 0 ] && pass "$run: CoAP TMF Address Query /a/aq for $NOBODY decoded ($n)" ||
            fail "$run: no CoAP /a/aq for $NOBODY: $(awk -F';' '$2 ~ /coap/' "$O" | head -3 | tr '\n' '|')"
    fi
    [ "$NBAD" -eq 0 ] &&
        pass "$run: no frame matches '_ws.malformed || _ws.expert.severity >= warning' (no malformed packet, no decryption failure)" ||
        fail "$run: $NBAD frames malformed or with expert warnings/errors: $(head -3 "$O.bad" | tr '\n' '|')"
}

if [ $HAVE_TSHARK = 1 ]; then
    echo "--- tshark with the network key $KEY and 6LoWPAN context 0 = $MLP"
    # 1 MLE Parent Request/Response, Child ID Request/Response, Advertisement
    # in the first run; the second starts from the stored state.
    tshark_check run1 "9 10 11 12 4" aq
    # The second capture starts in the middle of the traffic, before any MLE
    # exchange could tell tshark which extended address (the CCM nonce) goes
    # with a child's RLOC16: give it the children's addresses.
    A=()
    for n in 2 3 4; do
        A+=(-o "uat:802154_addresses:\"0x${R[$n]:-0}\",\"$PANID\",${EXT[$n]:-0}")
    done
    tshark_check run2 "4" 1 "${A[@]}"
    # The checks above can fail: with a wrong key, tshark reports the frames.
    WRONG=$(printf '%s' "$KEY" | tr '0-9a-f' 'fedcba9876543210')
    if tshark_runs "$T/run1.pcap" "$T/wrong.fields" "$WRONG"; then
        n=$(awk -F';' '$6 != ""' "$T/wrong.fields" | wc -l)
        [ "$NBAD" -gt 0 ] && [ "$n" -eq 0 ] &&
            pass "control: with a wrong key tshark flags $NBAD frames and decodes no MLE command" ||
            fail "control: with a wrong key, $NBAD frames flagged and $n MLE commands decoded"
    else
        fail "control: tshark failed"
    fi
else
    SKIPPED="$SKIPPED tshark checks (tshark missing);"
    echo "SKIP: tshark decoding checks: tshark is not installed"
fi

if [ "$FAIL" -gt 0 ]; then
    for f in "$T"/err*; do
        [ -s "$f" ] && {
            echo "--- $(basename "$f") (tail)"
            tail -5 "$f"
        }
    done
fi
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ] || exit 1
if [ -n "$SKIPPED" ]; then
    echo "skipped:$SKIPPED"
    exit 77
fi
exit 0
