#!/usr/bin/env bash
# tbr-lab: OpenThread's NAT64 codelab (shared/reference/codelab-nat64.md),
# played end to end on this machine with tbr-agent, tbr-ctl and tbr-node.
#
#   sudo tbr-lab          walk the codelab step by step; exit 0 if every step passed
#   sudo tbr-lab shell    bring the lab up, then type br/device/host commands
#
# The lab (names unique per run, documentation addresses only, no traffic
# leaves the namespaces it creates):
#   tbrlab-br-PID    the border router: tbr-agent (TUN wpan0, NAT44 towards
#                    the veth, 192.0.2.254/24) and a tbr-node Thread device
#                    (the simulated radio is loopback multicast, so both share
#                    this namespace's loopback)
#   tbrlab-inet-PID  "the internet": an IPv4 host 192.0.2.1/24 (and
#                    192.0.2.2, example.com) answering kernel ping, running nc
#                    listeners and dnsmasq (example.com A 192.0.2.2, AAAA
#                    2001:db8::2)
# Everything is torn down on exit, error or Ctrl-C.
#
# Needs root, ip (iproute2), nft (nftables), nc (netcat-openbsd), dnsmasq,
# ping (iputils-ping) and /dev/net/tun. Not root: exit 77 (CTest skips).
# TBR_TEST_SLOW=N stretches every timeout; TBR_KEEP=1 keeps the logs in
# /tmp/tbr-lab-kept-PID.
set -u

SELF=$(readlink -f "$0")
DIR=$(dirname "$SELF")
AGENT=$DIR/tbr-agent
CTL=$DIR/tbr-ctl
NODE=$DIR/tbr-node
SLOW=${TBR_TEST_SLOW:-1}
MODE=walk
RCP=
RADIO=sim://1
ORIG_ARGS=$*

usage() {
    cat <<EOF
usage: tbr-lab [--rcp OT_RCP] [shell]
  (no argument)  build a private lab (network namespaces) and walk OpenThread's
                 NAT64 codelab with tbr-agent, tbr-ctl and tbr-node; prints each
                 command, its output and a verdict per step; exit 0 if all passed
  shell          build the lab, bring the network and the device up, then read
                 commands: br <cmd> (tbr-ctl), device <cmd> (the device's CLI),
                 host <shell command> (on the IPv4 host), help, exit
  --rcp OT_RCP   the border router drives a radio co-processor instead of the
                 simulated radio: tbr-agent starts the program OT_RCP (e.g.
                 OpenThread's simulation ot-rcp) on a pty, radio URL
                 spinel+hdlc+forkpty://OT_RCP?forkpty-arg=1
Runs as root. The lab is always torn down when tbr-lab ends.
EOF
}
while [ $# -gt 0 ]; do
    case $1 in
    shell) MODE=shell ;;
    --rcp)
        [ $# -ge 2 ] || {
            usage >&2
            exit 2
        }
        RCP=$(readlink -f "$2") && [ -x "$RCP" ] && [ -f "$RCP" ] || {
            echo "tbr-lab: --rcp: '$2' is not an executable program" >&2
            exit 2
        }
        RADIO="spinel+hdlc+forkpty://$RCP?forkpty-arg=1"
        shift
        ;;
    -h | --help | help)
        usage
        exit 0
        ;;
    *)
        usage >&2
        exit 2
        ;;
    esac
    shift
done

# ---- presentation ----------------------------------------------------------------

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-dumb}" != dumb ]; then
    B=$'\e[1m' D=$'\e[2m' G=$'\e[32m' R=$'\e[31m' Y=$'\e[33m' C=$'\e[36m' N=$'\e[0m'
else
    B='' D='' G='' R='' Y='' C='' N=''
fi
PAD='             ' # output lines sit under the command text

# say WHO SIGIL TEXT: one transcript line, e.g. "[br]     > nat64 state"
say() { printf '%s%-8s%s %s %s%s%s\n' "$C" "[$1]" "$N" "$2" "$B" "$3" "$N"; }
note() { printf '%s%s%s\n' "$D" "$PAD$*" "$N"; }
indent() { sed "s/^/$PAD/"; }
show() { [ -n "$1" ] && printf '%s\n' "$1" | indent; }
oneline() { printf '%s' "$*" | tr '\n' '|'; }
die() {
    printf 'tbr-lab: %s\n' "$*" >&2
    exit 1
}

# ---- preflight ---------------------------------------------------------------------

if [ "$(id -u)" != 0 ]; then
    echo "tbr-lab: needs root (it creates network namespaces, a TUN device and nftables rules)."
    echo "         run it as: sudo $0${ORIG_ARGS:+ $ORIG_ARGS}"
    exit 77
fi
missing=
need() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
need ip iproute2
need nft nftables
need nc netcat-openbsd
need dnsmasq dnsmasq
need ping iputils-ping
if command -v nc >/dev/null 2>&1 && ! nc -h 2>&1 | grep -q "OpenBSD netcat"; then
    missing="$missing netcat-openbsd"
fi
[ -n "$missing" ] && die "missing programs; install them with: apt-get install$missing"
[ -e /dev/net/tun ] || die "/dev/net/tun is missing (try: modprobe tun)"
for b in "$AGENT" "$CTL" "$NODE"; do
    [ -x "$b" ] || die "$(basename "$b") not found next to tbr-lab in $DIR (build the project first)"
done

# ---- the lab's names ------------------------------------------------------------------

export PORT_OFFSET=$((300 + $$ % 100)) # other tests use 40..249
NSBR=tbrlab-br-$$
NSV4=tbrlab-inet-$$
VBR=tl$$b
VV4=tl$$i
T=$(mktemp -d "${TMPDIR:-/tmp}/tbr-lab.XXXXXX") || die "mktemp failed"
SOCK=$T/wpan0.sock
NOUT=$T/device.out
APID='' NPID='' DPID='' NFD=''
BG_PIDS=
NETNS_MADE=

cleanup() {
    trap - INT TERM EXIT
    {
        [ -n "$NFD" ] && exec {NFD}>&-
        for p in $BG_PIDS $DPID $NPID $APID; do kill -9 "$p" && wait "$p"; done
        # anything else still inside our namespaces (shell mode: `host cmd &`)
        for ns in $NETNS_MADE; do
            for p in $(ip netns pids "$ns"); do kill -9 "$p"; done
            ip netns del "$ns"
            rm -rf "/etc/netns/$ns"
        done
        rmdir /etc/netns
    } 2>/dev/null
    if [ -n "${TBR_KEEP:-}" ]; then
        cp -r "$T" "/tmp/tbr-lab-kept-$$" && echo "logs kept in /tmp/tbr-lab-kept-$$"
    fi
    rm -rf "$T"
    [ -n "$NETNS_MADE" ] && printf '%sLab torn down (namespaces %s, %s removed).%s\n' "$D" "$NSBR" "$NSV4" "$N"
}
trap cleanup EXIT
trap 'echo; echo "tbr-lab: interrupted"; exit 130' INT
trap 'exit 143' TERM

now_ms() { date +%s%3N; }
inbr() { ip netns exec "$NSBR" "$@"; }
inv4() { ip netns exec "$NSV4" "$@"; }

# ---- steps -------------------------------------------------------------------------

PASSED=0 FAILED=0 NOTRUN=0
STEP_N=0 STEP_OK=1
TOTAL=12
[ "$MODE" = shell ] && TOTAL=4

step() {
    STEP_N=$((STEP_N + 1))
    STEP_OK=1
    local t="── $STEP_N/$TOTAL  $* "
    while [ ${#t} -lt 76 ]; do t="$t─"; done
    printf '\n%s%s%s\n' "$B" "$t" "$N"
}
bad() {
    STEP_OK=0
    printf '%s         ✗ %s%s\n' "$R" "$*" "$N"
}
# verdict "what the step showed": ✓ / ✗ line, counts; returns the step's status
verdict() {
    if [ "$STEP_OK" = 1 ]; then
        PASSED=$((PASSED + 1))
        printf '%s✓ %s%s\n' "$G" "$*" "$N"
        return 0
    fi
    FAILED=$((FAILED + 1))
    printf '%s✗ step %s failed%s\n' "$R" "$STEP_N" "$N"
    return 1
}
not_run() { # not_run REASON: an earlier step this one needs failed
    NOTRUN=$((NOTRUN + 1))
    printf '%s– not run: %s%s\n' "$Y" "$*" "$N"
}

# ---- talking to the border router (tbr-ctl) ------------------------------------------

# ctl ARGS...: quietly; OUT = stdout+stderr, RC = exit status
ctl() {
    OUT=$(inbr "$CTL" --socket "$SOCK" -t $((20 * SLOW)) "$@" 2>&1)

}
# br ARGS...: shown in the transcript
br() {
    say br '>' "$*"
    ctl "$@"
    show "$OUT"
}
# br_until SECONDS TESTFN ARGS...: polls quietly until TESTFN (reads OUT)
# succeeds, then shows the last answer
br_until() {
    local to=$1 fn=$2 t0 deadline r=1
    shift 2
    t0=$(now_ms)
    deadline=$((t0 + to * 1000 * SLOW))
    while :; do
        ctl "$@"
        if $fn; then
            r=0
            break
        fi
        [ "$(now_ms)" -ge "$deadline" ] && break
        sleep 0.3
    done
    say br '>' "$*"
    show "$OUT"
    [ $(($(now_ms) - t0)) -ge 1000 ] && note "(polled for $((($(now_ms) - t0) / 1000)) s)"
    return $r
}

# ---- talking to the device (tbr-node's CLI through a FIFO) -------------------------------

NSHOWN=0 # lines of the device's output already in the transcript
# dev_q "command" [timeout_s]: quietly; OUT = lines before the result, RES =
# Done / Error N: ... / TIMEOUT, DEND = the output line the result is on
dev_q() {
    local line=$1 to=${2:-10} start deadline hit k
    start=$(wc -l <"$NOUT")
    printf '%s\n' "$line" >&"$NFD"
    deadline=$(($(now_ms) + to * 1000 * SLOW))
    while :; do
        hit=$(tail -n +$((start + 1)) "$NOUT" 2>/dev/null | grep -n -m1 -E '^(Done|Error [0-9]+: .*)$')
        if [ -n "$hit" ]; then
            k=${hit%%:*}
            OUT=$(tail -n +$((start + 1)) "$NOUT" | head -n $((k - 1)))
            RES=${hit#*:}
            DEND=$((start + k))
            return 0
        fi
        if [ "$(now_ms)" -ge "$deadline" ] || [ -n "${INTR:-}" ] || ! kill -0 "$NPID" 2>/dev/null; then
            OUT=$(tail -n +$((start + 1)) "$NOUT")
            RES=TIMEOUT
            kill -0 "$NPID" 2>/dev/null || RES="DEAD"
            DEND=$(wc -l <"$NOUT")
            return 1
        fi
        sleep 0.05
    done
}
# label WHO: puts "[WHO]" in front of the first indented line
label() { sed "1s/^$PAD/${C}$(printf '%-8s' "[$1]")${N}     /"; }
# flush_dev [UPTO] [label]: prints device lines not shown yet (up to line
# UPTO; blank lines left out); with "label", the first one says [device]
flush_dev() {
    local upto=${1:-$(wc -l <"$NOUT")}
    if [ "$upto" -gt "$NSHOWN" ]; then
        if [ -n "${2:-}" ]; then
            sed -n "$((NSHOWN + 1)),${upto}p" "$NOUT" | sed '/^[[:space:]]*$/d' | indent | label device
        else
            sed -n "$((NSHOWN + 1)),${upto}p" "$NOUT" | sed '/^[[:space:]]*$/d' | indent
        fi
        NSHOWN=$upto
    fi
}
# dev "command" [timeout_s] [shown as]: in the transcript
dev() {
    flush_dev
    say device '>' "${3:-$1}"
    dev_q "$1" "${2:-10}"
    flush_dev "$DEND"
    [ "$RES" = TIMEOUT ] && note "(no Done/Error within $((${2:-10} * SLOW)) s)"
    [ "$RES" = DEAD ] && note "(tbr-node is not running any more: $(oneline "$(tail -n 2 "$T/device.log")"))"
    return 0
}
# dev_until SECONDS TESTFN "command": polls quietly, shows the last answer
dev_until() {
    local to=$1 fn=$2 line=$3 t0 deadline r=1
    flush_dev
    t0=$(now_ms)
    deadline=$((t0 + to * 1000 * SLOW))
    while :; do
        dev_q "$line"
        if $fn; then
            r=0
            break
        fi
        [ "$(now_ms)" -ge "$deadline" ] || [ "$RES" = DEAD ] && break
        sleep 0.5
    done
    say device '>' "$line"
    show "$OUT"
    show "$RES"
    NSHOWN=$DEND
    [ $(($(now_ms) - t0)) -ge 1000 ] && note "(polled for $((($(now_ms) - t0) / 1000)) s)"
    return $r
}
# wait_dev SECONDS REGEX: waits for a device line after those shown, shows it
wait_dev() {
    local deadline=$(($(now_ms) + $1 * 1000 * SLOW)) m
    while :; do
        m=$(tail -n +$((NSHOWN + 1)) "$NOUT" 2>/dev/null | grep -n -m1 -E -- "$2")
        if [ -n "$m" ]; then
            flush_dev $((NSHOWN + ${m%%:*})) label
            return 0
        fi
        if [ "$(now_ms)" -ge "$deadline" ]; then
            flush_dev "" label
            note "(nothing like \"${2//[\^\$]/}\" within $1 s)"
            return 1
        fi
        sleep 0.1
    done
}

# ---- the IPv4 host ---------------------------------------------------------------------------

# host_nc NAME ARGS...: nc in the host namespace, stdin a FIFO held open
# (fd in NCFD_NAME), output in $T/NAME.out
host_nc() {
    local name=$1 fd
    shift
    say host '$' "nc $*"
    note "(listening in the background)"
    mkfifo "$T/$name.in"
    exec {fd}<>"$T/$name.in"
    eval "NCFD_$name=$fd"
    : >"$T/$name.out"
    setsid ip netns exec "$NSV4" nc "$@" <"$T/$name.in" >"$T/$name.out" 2>"$T/$name.err" &
    BG_PIDS="$BG_PIDS $!"
    sleep 0.3
}
# host_got NAME SECONDS TEXT: waits for TEXT in nc's output, shows it
host_got() {
    local deadline=$(($(now_ms) + $2 * 1000 * SLOW))
    while ! grep -q -- "$3" "$T/$1.out" 2>/dev/null; do
        if [ "$(now_ms)" -ge "$deadline" ]; then
            say host ' ' "nc printed nothing like \"$3\" within $2 s"
            return 1
        fi
        sleep 0.1
    done
    { cat "$T/$1.out"; echo; } | sed '/^[[:space:]]*$/d' | indent | label host
    note "(printed by nc)"
    return 0
}
# host_type NAME TEXT: "types" a line into nc
host_type() {
    local fd
    eval "fd=\$NCFD_$1"
    say host '⌨' "$2"
    note "(typed into nc)"
    printf '%s\n' "$2" >&"$fd"
}

# ---- expectations used by the polls ----------------------------------------------------

is_leader() { [ "$OUT" = "leader
Done" ]; }
nat64_active() { [ "$OUT" = "PrefixManager: Active
Translator: Active
Done" ]; }
# the /96 and the OMR /64 in netdata (the BR's or the device's)
nd_published() {
    echo "$OUT" | grep -Eq '^fd[0-9a-f:]+:2:0:0::/96 sn low [0-9a-f]{4}$' &&
        echo "$OUT" | grep -Eq '^fd[0-9a-f:]+:1::/64 paos low [0-9a-f]{4}$'
}
nd_no_nat64() { ! echo "$OUT" | grep -q " sn " && echo "$OUT" | grep -q " paos "; }
nd_has_nat64() { echo "$OUT" | grep -Eq "^$NAT64P sn low"; }
is_attached() { [ "$OUT" = child ] || [ "$OUT" = router ]; }
has_omr_addr() { echo "$OUT" | grep -Eq "^${OMRP%::/64}:"; }
srp_running() { [ "$OUT" = "running
Done" ]; }
srp_client_enabled() { [ "$OUT" = Enabled ]; }

# ======================================================================================
# 1. the lab
# ======================================================================================

printf '%stbr-lab%s: OpenThread'"'"'s NAT64 codelab on this machine, with tbr-agent, tbr-ctl and tbr-node.\n' "$B" "$N"
printf '%s[br] = tbr-ctl on the border router, [device] = the Thread device'"'"'s CLI, [host] = the IPv4 host.%s\n' "$D" "$N"
START_MS=$(now_ms)

step "Build the lab: border router, Thread device, IPv4 internet host"
setup_fail() {
    bad "$*"
    verdict ""
    echo
    echo "${R}The lab could not be built; nothing else can run.${N}"
    exit 1
}
ip netns add "$NSBR" 2>"$T/err" || setup_fail "cannot create a network namespace: $(cat "$T/err")"
NETNS_MADE=$NSBR
ip netns add "$NSV4" 2>"$T/err" || setup_fail "cannot create a network namespace: $(cat "$T/err")"
NETNS_MADE="$NSBR $NSV4"
# ip netns exec bind-mounts these: both namespaces resolve through the host's dnsmasq
for ns in $NETNS_MADE; do
    mkdir -p "/etc/netns/$ns" && echo "nameserver 192.0.2.1" >"/etc/netns/$ns/resolv.conf"
done
{
    ip link add "$VBR" type veth peer name "$VV4" &&
        ip link set "$VBR" netns "$NSBR" && ip link set "$VV4" netns "$NSV4" &&
        inbr ip link set lo up && inbr ip link set lo multicast on &&
        inbr ip addr add 192.0.2.254/24 dev "$VBR" && inbr ip link set "$VBR" up &&
        inv4 ip link set lo up &&
        inv4 ip addr add 192.0.2.1/24 dev "$VV4" && inv4 ip addr add 192.0.2.2/24 dev "$VV4" &&
        inv4 ip link set "$VV4" up
} 2>"$T/err" || setup_fail "cannot wire the namespaces: $(oneline "$(cat "$T/err")")"
cat <<EOF
  border router  namespace $NSBR: tbr-agent (wpan0, radio $RADIO),
                 infrastructure link $VBR 192.0.2.254/24, NAT64 pool 192.168.255.0/24
  Thread device  tbr-node 2 in the same namespace (the simulated radio is its loopback)
  internet host  namespace $NSV4: 192.0.2.1/24 and 192.0.2.2 (example.com);
                 answers ping, runs nc and dnsmasq (example.com A 192.0.2.2, AAAA 2001:db8::2)
EOF

# setsid: a Ctrl-C at the terminal (shell mode: stopping a host command)
# must not reach the lab's daemons; cleanup() stops them by pid.
# In $T: a forkpty RCP (--rcp) starts in the agent's directory and
# OpenThread's simulation programs keep their files in ./tmp there.
(cd "$T" && exec setsid ip netns exec "$NSBR" "$AGENT" -I wpan0 -B "$VBR" -d 3 --state-dir "$T/agent" \
    --ctl-socket "$SOCK" "$RADIO" </dev/null >"$T/agent.out" 2>"$T/agent.log") &
APID=$!
setsid ip netns exec "$NSV4" dnsmasq -k -C /dev/null --user=root --group=root --no-resolv --no-hosts --local-ttl=300 \
    --bind-interfaces --listen-address=192.0.2.1 --pid-file="$T/dnsmasq.pid" \
    --address=/example.com/192.0.2.2 --address=/example.com/2001:db8::2 \
    --log-queries --log-facility="$T/dnsmasq.log" </dev/null >"$T/dnsmasq.out" 2>&1 &
DPID=$!

mkfifo "$T/device.in"
exec {NFD}<>"$T/device.in"
: >"$NOUT"
(
    exec {NFD}>&-
    exec setsid ip netns exec "$NSBR" "$NODE" --state-dir "$T/device" 2 <"$T/device.in" >>"$NOUT" 2>"$T/device.log"
) &
NPID=$!

for _ in $(seq 1 $((50 * SLOW))); do
    [ -S "$SOCK" ] && break
    kill -0 "$APID" 2>/dev/null || break
    sleep 0.1
done
[ -S "$SOCK" ] || bad "tbr-agent has no control socket (its log: $(oneline "$(tail -3 "$T/agent.log")"))"
kill -0 "$NPID" 2>/dev/null || bad "tbr-node is not running (its log: $(oneline "$(tail -3 "$T/device.log")"))"
dns_up=
for _ in $(seq 1 $((30 * SLOW))); do
    inv4 ss -lun 2>/dev/null | grep -q "192.0.2.1:53 " && dns_up=1 && break
    sleep 0.1
done
[ -n "$dns_up" ] || bad "dnsmasq is not listening on 192.0.2.1:53: $(oneline "$(cat "$T/dnsmasq.out" "$T/dnsmasq.log" 2>/dev/null | tail -3)")"
say br '$' "ping -c 1 192.0.2.1"
OUT=$(inbr ping -c 1 -W 2 192.0.2.1 2>&1) || bad "the border router cannot reach the host over the link"
show "$(echo "$OUT" | grep -E "bytes from|packets transmitted")"
verdict "the lab is up: tbr-agent, tbr-node and dnsmasq running, the link works" || {
    echo "${R}The lab could not be built; nothing else can run.${N}"
    exit 1
}

# ======================================================================================
# 2.-4. the network, NAT64, the device
# ======================================================================================

step "Form the Thread network on the border router"
NET_OK=
br state
[ "$OUT" = "disabled
Done" ] || bad "expected disabled before the start"
for c in "dataset init new" "dataset commit active" "ifconfig up" "thread start"; do
    # shellcheck disable=SC2086
    br $c
    [ "$OUT" = Done ] || bad "$c: expected Done"
done
br_until 20 is_leader state || bad "the border router did not become leader within $((20 * SLOW)) s"
verdict "the border router formed a network and is its leader" && NET_OK=1

step "NAT64 enabled and published in the Network Data"
NAT_OK=
NAT64P='' P96='' OMRP=''
if [ -z "$NET_OK" ]; then
    not_run "needs the network from step 2"
else
    br nat64 enable
    [ "$OUT" = Done ] || bad "nat64 enable: expected Done"
    br_until 15 nat64_active nat64 state ||
        bad "expected PrefixManager: Active / Translator: Active (agent log: $(oneline "$(grep -i 'nat64\|netconf\|nft' "$T/agent.log" | tail -3)"))"
    br_until 10 nd_published netdata show ||
        bad "expected a fd..:2:0:0::/96 'sn low' route and a fd..:1::/64 'paos low' prefix"
    NAT64P=$(echo "$OUT" | grep -Eo '^fd[0-9a-f:]+:2:0:0::/96' | head -1)
    OMRP=$(echo "$OUT" | grep -Eo '^fd[0-9a-f:]+:1::/64' | head -1)
    BR_ND=$OUT
    P96=${NAT64P%/96}
    [ -n "$NAT64P" ] && note "NAT64 prefix $NAT64P (sn: stable, NAT64), OMR prefix $OMRP (paos: on-mesh, SLAAC)"
    verdict "NAT64 is Active/Active and its /96 is in the Network Data" && NAT_OK=1
fi
# OpenThread prints a synthesized address as x:x:x:2:0:0:c000:201
syn() { local p=${P96%:}; printf '%s:%s' "${p%:}" "$1"; }
SYN1=$(syn c000:201)
SYN2=$(syn c000:202)

step "Attach the Thread device with the border router's dataset"
DEV_OK=
OMR_ADDR=
if [ -z "$NET_OK" ]; then
    not_run "needs the network from step 2"
else
    br dataset active -x
    HEX=$(echo "$OUT" | head -1)
    [ ${#HEX} -gt 40 ] || bad "dataset active -x gave no TLVs"
    dev "dataset set active $HEX" 10 "dataset set active ${HEX:0:24}…"
    [ "$RES" = Done ] || bad "dataset set active: expected Done"
    dev "ifconfig up"
    dev "thread start"
    [ "$RES" = Done ] || bad "thread start: expected Done"
    attached=1
    dev_until 30 is_attached state || {
        attached=
        bad "the device did not attach within $((30 * SLOW)) s$([ "$RES" = DEAD ] && echo ": tbr-node exited ($(oneline "$(tail -n 2 "$T/device.log")"))")"
    }
    DEV_STATE=$OUT
    if [ -n "$NAT_OK" ] && [ -n "$attached" ]; then
        dev_until 20 nd_has_nat64 "netdata show" || bad "the device's Network Data has no NAT64 route"
        [ "$OUT" = "$(echo "$BR_ND" | sed '$d')" ] && note "(the same Network Data as the border router's)" ||
            bad "the device's Network Data differs from the border router's"
        dev_until 15 has_omr_addr ipaddr || bad "the device has no address in the OMR prefix $OMRP"
        OMR_ADDR=$(echo "$OUT" | grep -E "^${OMRP%::/64}:" | head -1)
    fi
    verdict "the device joined as a $DEV_STATE${OMR_ADDR:+, its OMR address is $OMR_ADDR}" && DEV_OK=1
fi
[ -n "$NAT_OK" ] && [ -n "$DEV_OK" ] && READY=1 || READY=

# ======================================================================================
# shell mode: a prompt instead of the rest of the walk
# ======================================================================================

shell_help() {
    cat <<EOF
  br <command>       tbr-ctl on the border router    e.g. br nat64 mappings
  device <command>   the Thread device's CLI         e.g. device ping 192.0.2.1
  host <command>     a shell command on the IPv4 host e.g. host nc -l 12345
  help               this text
  exit               tear the lab down and leave (also Ctrl-D)
The IPv4 host is 192.0.2.1 (example.com is 192.0.2.2)${NAT64P:+, the NAT64 prefix $NAT64P}.
Ctrl-C stops the running command, not the lab; at the prompt it does nothing.
EOF
}
run_shell() {
    local line cmd rest
    echo
    if [ "$FAILED" -gt 0 ] || [ "$NOTRUN" -gt 0 ]; then
        echo "${R}Some set-up steps failed; the lab is running anyway.${N}"
    fi
    echo "${B}The lab is running.${N} Type:"
    shell_help
    trap 'INTR=1' INT
    PAD='' # output as ot-ctl and the CLI print it
    set -o history 2>/dev/null
    HISTFILE=
    while :; do
        flush_dev "" label
        INTR=
        trap '' INT # at the prompt Ctrl-C does nothing (readline and traps do not mix)
        if [ -t 0 ]; then
            read -r -e -p "tbr-lab> " line
        else
            read -r line
        fi
        rc=$?
        trap 'INTR=1' INT # a running command: Ctrl-C stops it, the lab stays
        [ "$rc" != 0 ] && [ -z "$line" ] && {
            echo
            break
        }
        [ -t 0 ] || printf 'tbr-lab> %s\n' "$line"
        [ -n "$line" ] && history -s -- "$line" 2>/dev/null
        read -r cmd rest <<<"$line"
        case $cmd in
        "") ;;
        br)
            if [ -z "$rest" ]; then
                echo "usage: br <command>, e.g. br nat64 state"
            else
                # shellcheck disable=SC2086
                OUT=$(inbr "$CTL" --socket "$SOCK" -t 60 $rest 2>&1)
                show "$OUT"
            fi
            ;;
        device)
            if [ -z "$rest" ]; then
                echo "usage: device <command>, e.g. device ping 192.0.2.1"
            else
                flush_dev
                dev_q "$rest" 60
                flush_dev "$DEND"
                [ "$RES" = TIMEOUT ] && note "(no Done/Error yet; later output shows before the next prompt)"
                [ "$RES" = DEAD ] && note "(tbr-node is not running any more: $(oneline "$(tail -n 2 "$T/device.log")"))"
            fi
            ;;
        host)
            if [ -z "$rest" ]; then
                echo "usage: host <shell command>, e.g. host nc -l 12345"
            else
                ip netns exec "$NSV4" bash -c "$rest"
            fi
            ;;
        help | "?") shell_help ;;
        exit | quit) break ;;
        *) echo "unknown: $cmd (type help)" ;;
        esac
    done
    trap 'echo; echo "tbr-lab: interrupted"; exit 130' INT
}
if [ "$MODE" = shell ]; then
    run_shell
    exit 0
fi

# ======================================================================================
# 5.-12. the codelab's traffic
# ======================================================================================

step "Ping an IPv4 host from the device"
if [ -z "$READY" ]; then
    not_run "needs NAT64 (step 3) and the device (step 4)"
else
    dev "ping 192.0.2.1" 15
    echo "$OUT" | grep -qx "Pinging synthesized IPv6 address: $SYN1" ||
        bad "expected 'Pinging synthesized IPv6 address: $SYN1'"
    echo "$OUT" | grep -Eq "^16 bytes from $SYN1: icmp_seq=[0-9]+ hlim=[0-9]+ time=[0-9]+ms$" ||
        bad "expected a reply from $SYN1"
    echo "$OUT" | grep -q "^1 packets transmitted, 1 packets received." && [ "$RES" = Done ] ||
        bad "expected 1 packets transmitted, 1 packets received (agent log: $(oneline "$(tail -3 "$T/agent.log")"))"
    verdict "192.0.2.1 answered the device, through NAT64 (192.0.2.1 = ${SYN1##*:0:0:})"
fi

step "The border router's NAT64 mappings and counters"
if [ -z "$READY" ]; then
    not_run "needs NAT64 (step 3) and the device (step 4)"
else
    br nat64 mappings
    MAP_HEADER=$(echo "$OUT" | head -4)
    echo "$OUT" | grep -Eq "^\| [0-9a-f]{16} \| +$OMR_ADDR \| +192\.168\.255\.[0-9]+ \| " ||
        bad "expected a mapping for the device's $OMR_ADDR on a 192.168.255.x address"
    echo "$OUT" | grep -Eq "^\| +\| +ICMP \| +[1-9][0-9]* \| +[1-9][0-9]* \| +[1-9][0-9]* \| +[1-9][0-9]* \|$" ||
        bad "expected ICMP packets counted both ways"
    br nat64 counters
    echo "$OUT" | grep -Eq "^\| +ICMP \| +[1-9][0-9]* \| +[1-9][0-9]* \| +[1-9][0-9]* \| +[1-9][0-9]* \|$" ||
        bad "expected ICMP packets in the counters"
    verdict "one mapping for the device, the ping counted in both directions"
fi

step "DNS: resolve4 with the IPv4 DNS server, through NAT64"
if [ -z "$READY" ]; then
    not_run "needs NAT64 (step 3) and the device (step 4)"
else
    dev "dns resolve4 example.com 192.0.2.1" 20
    echo "$OUT" | grep -qx "Synthesized IPv6 DNS server address: $SYN1" ||
        bad "expected 'Synthesized IPv6 DNS server address: $SYN1'"
    echo "$OUT" | grep -q "^DNS response for example.com. - $SYN2 TTL:" ||
        bad "expected 'DNS response for example.com. - $SYN2 TTL:...' (dnsmasq log: $(oneline "$(tail -2 "$T/dnsmasq.log")"))"
    verdict "dnsmasq on 192.0.2.1 answered: example.com is 192.0.2.2, synthesized as $SYN2"
fi

step "TCP both ways: the device and nc on the IPv4 host"
if [ -z "$READY" ]; then
    not_run "needs NAT64 (step 3) and the device (step 4)"
else
    host_nc tcp -4 -l 12345
    dev "tcp init"
    [ "$RES" = Done ] || bad "tcp init: expected Done"
    dev "tcp connect 192.0.2.1 12345"
    [ "$OUT" = "Connecting to synthesized IPv6 address: $SYN1" ] && [ "$RES" = Done ] ||
        bad "expected 'Connecting to synthesized IPv6 address: $SYN1' and Done"
    if wait_dev 20 "^TCP: Connection established$"; then
        dev "tcp send hello"
        [ "$RES" = Done ] || bad "tcp send hello: expected Done"
        host_got tcp 20 hello || bad "nc on the host did not print hello"
        host_type tcp world
        wait_dev 20 "^TCP: Received 6 bytes: world$" || bad "expected 'TCP: Received 6 bytes: world' on the device"
        dev "tcp sendend"
        eval "exec {NCFD_tcp}>&-" # nc sees EOF and closes its side
        wait_dev 20 "^TCP: Reached end of stream$" || bad "expected 'TCP: Reached end of stream'"
    else
        bad "expected 'TCP: Connection established' (agent log: $(oneline "$(tail -3 "$T/agent.log")"))"
        dev "tcp abort"
    fi
    dev "tcp deinit"
    verdict "hello reached the host, world reached the device"
fi

step "UDP both ways: the device and nc -u on the IPv4 host"
if [ -z "$READY" ]; then
    not_run "needs NAT64 (step 3) and the device (step 4)"
else
    host_nc udp -4 -u -l 12346
    dev "udp open"
    [ "$RES" = Done ] || bad "udp open: expected Done"
    dev "udp connect 192.0.2.1 12346"
    [ "$OUT" = "Connecting to synthesized IPv6 address: $SYN1" ] && [ "$RES" = Done ] ||
        bad "expected 'Connecting to synthesized IPv6 address: $SYN1' and Done"
    dev "udp send hello"
    [ "$RES" = Done ] || bad "udp send hello: expected Done"
    if host_got udp 20 hello; then
        host_type udp world
        wait_dev 20 "^6 bytes from $SYN1 12346 world$" || bad "expected '6 bytes from $SYN1 12346 world' on the device"
    else
        bad "nc -u on the host did not print hello"
    fi
    dev "udp close"
    verdict "datagrams crossed NAT64 in both directions"
fi

step "Toggle NAT64: disable"
if [ -z "$READY" ]; then
    not_run "needs NAT64 (step 3) and the device (step 4)"
else
    br nat64 disable
    [ "$OUT" = Done ] || bad "nat64 disable: expected Done"
    br nat64 state
    [ "$OUT" = "PrefixManager: Disabled
Translator: Disabled
Done" ] || bad "expected PrefixManager: Disabled / Translator: Disabled"
    br netdata show
    nd_no_nat64 || bad "the border router's Network Data still has the NAT64 route"
    dev_until 20 nd_no_nat64 "netdata show" || bad "the device still sees the NAT64 route"
    dev "ping 192.0.2.1"
    [ "$RES" = "Error 13: InvalidState" ] || bad "expected Error 13: InvalidState"
    br nat64 mappings
    [ "$OUT" = "$MAP_HEADER
Done" ] || bad "expected an empty mapping table"
    verdict "NAT64 off: no /96 in the Network Data, the device cannot reach IPv4, mappings cleared"
fi

step "Toggle NAT64: enable again"
if [ -z "$READY" ]; then
    not_run "needs NAT64 (step 3) and the device (step 4)"
else
    br nat64 enable
    [ "$OUT" = Done ] || bad "nat64 enable: expected Done"
    br_until 15 nat64_active nat64 state || bad "expected Active/Active again"
    dev_until 20 nd_has_nat64 "netdata show" || bad "the NAT64 route did not come back to the device"
    dev "ping 192.0.2.1" 15
    echo "$OUT" | grep -q "^1 packets transmitted, 1 packets received." && [ "$RES" = Done ] ||
        bad "expected the ping to work again"
    verdict "NAT64 back: Active/Active, same /96, the ping works"
fi

step "Forward DNS queries to the upstream DNS server"
if [ -z "$READY" ]; then
    not_run "needs NAT64 (step 3) and the device (step 4)"
else
    note "(the border router's resolv.conf names 192.0.2.1, the host's dnsmasq)"
    br srp server state
    if [ "$OUT" != "running
Done" ]; then
        br srp server enable
        [ "$OUT" = Done ] || bad "srp server enable: expected Done"
        br_until 15 srp_running srp server state || bad "expected the SRP server to be running"
    fi
    br dns server upstream
    if [ "$OUT" != "Enabled
Done" ]; then
        br dns server upstream enable
        br dns server upstream
        [ "$OUT" = "Enabled
Done" ] || bad "dns server upstream: expected Enabled"
    fi
    dev "srp client state"
    if [ "$OUT" != Enabled ]; then
        dev "srp client autostart enable"
        [ "$RES" = Done ] || bad "srp client autostart enable: expected Done"
        dev_until 15 srp_client_enabled "srp client state" || bad "expected the SRP client to be Enabled"
    fi
    dev "dns config"
    SRV=$(echo "$OUT" | sed -n 's/^Server: \[\(.*\)\]:53$/\1/p')
    if [ -n "$SRV" ]; then
        br ipaddr
        echo "$OUT" | grep -qx "$SRV" && note "($SRV is one of the border router's addresses)" ||
            bad "the device's DNS server $SRV is not an address of the border router"
    else
        bad "dns config: expected 'Server: [<border router address>]:53'"
    fi
    dev "dns resolve example.com" 20
    echo "$OUT" | grep -q "^DNS response for example.com. - 2001:db8:0:0:0:0:0:2 TTL:" ||
        bad "expected 'DNS response for example.com. - 2001:db8:0:0:0:0:0:2 TTL:...'"
    dev "dns resolve4 example.com" 20
    echo "$OUT" | grep -q "^DNS response for example.com. - $SYN2 TTL:" ||
        bad "expected 'DNS response for example.com. - $SYN2 TTL:...' (dnsmasq log: $(oneline "$(tail -2 "$T/dnsmasq.log")"))"
    verdict "the border router forwarded the queries; example.com resolved to 2001:db8::2 and $SYN2"
fi

# ---- summary --------------------------------------------------------------------------

ELAPSED=$((($(now_ms) - START_MS) / 1000))
if grep -q "ERROR: AddressSanitizer\|runtime error" "$T/agent.log" "$T/device.log" 2>/dev/null; then
    echo "${R}sanitizer report: $(grep -m3 "AddressSanitizer\|runtime error" "$T/agent.log" "$T/device.log")${N}"
    FAILED=$((FAILED + 1))
fi
echo
sum="$PASSED steps passed, $FAILED failed"
[ "$NOTRUN" -gt 0 ] && sum="$sum, $NOTRUN not run"
if [ "$FAILED" = 0 ] && [ "$NOTRUN" = 0 ]; then
    echo "${G}${B}$sum${N} ($ELAPSED s)"
    exit 0
fi
echo "${R}${B}$sum${N} ($ELAPSED s)"
echo "${D}Run with TBR_KEEP=1 to keep the logs (agent, device, dnsmasq).${N}"
exit 1
