#!/usr/bin/env bash
# Side-by-side benchmark: tbr-tun-xlat (our stateful NAT64 on a TUN) against
# TAYGA + nft masquerade (the stateful equivalent), TAYGA alone (stateless),
# and plain kernel IPv6 forwarding (the topology's ceiling).
#
#   sudo bench/tun_compare.sh BUILD_DIR [options]
#
# Topology (docs: ../shared/reference/nat64-peers.md §3.4-§3.5), three
# network namespaces made for this run only and always deleted on exit:
#
#   c6 (2001:db8:6::2) ─veth─ xl (translator TUN "nat64") ─veth─ s4 (192.0.2.2)
#
# Pool 192.168.255.0/24 and the prefix are routed to the TUN; traffic goes from
# c6 to PREFIX+192.0.2.2. The prefix is the same for every translator: by
# default the network-specific 2001:db8:64::/96, because TAYGA 0.9.2 (Debian)
# refuses to translate documentation IPv4 addresses under the well-known
# prefix 64:ff9b::/96 (RFC 6052 §3.1) and has no switch to allow it; IPv4
# hosts here are documentation addresses only. The translator runs pinned to CPU 1, the UDP
# generator and sink pinned to CPU 0, all three at nice -20 so that other
# processes on a shared machine disturb them less. Each run recreates the TUN, so every
# configuration gets identical plumbing (MTU 1500, txqueuelen 500, same routes).
#
# Per run: a fixed offered load below saturation (default 50 kpps of 64-byte
# UDP payloads, 2 s warm-up discarded, 4 s measured) with the translator's CPU
# time from /proc/PID/stat (utime+stime) over exactly the measured packets (CPU
# 1's busy time from /proc/stat is kept in the raw results as "core", but it
# includes any other load on that CPU); a saturation run (offered 500 kpps, what
# arrives is the throughput); ping -c 200 -i 0.01 RTT; optionally a maximum
# loss-free rate binary search (--search). Repetitions are interleaved (every
# configuration once per round, the order rotated each round); the table shows
# the median and min-max.
set -euo pipefail

PROG=${0##*/}
die() {
    echo "$PROG: $*" >&2
    exit 1
}

usage() {
    cat <<EOF
usage: sudo $PROG BUILD_DIR [options]
  BUILD_DIR            cmake build directory holding tbr-tun-xlat and tbr-udpblast
  --reps N             interleaved repetitions (default 3, at least 1)
  --rate PPS           fixed offered load (default 50000)
  --duration S         measured seconds per load run (default 4)
  --warmup S           warm-up seconds discarded before it (default 2)
  --sat-rate PPS       offered load of the saturation run (default 500000; 0 = skip)
  --size BYTES         UDP payload bytes (default 64)
  --search             also binary-search the maximum loss-free rate (<= 0.1 % loss)
  --configs LIST       comma list of tbr,tayga-nat,tayga,fwd (default: all four)
  --prefix P::/96      NAT64 prefix for every translator (default 2001:db8:64::/96;
                       64:ff9b::/96 only without TAYGA: see below)
  --keep-logs DIR      copy the per-run logs there
EOF
}

# ---------------------------------------------------------------- arguments
[ $# -ge 1 ] || {
    usage >&2
    exit 2
}
case $1 in
-h | --help)
    usage
    exit 0
    ;;
esac
BUILD=$1
shift
PREFIX=2001:db8:64::/96 REPS=3 RATE=50000 DUR=4 WARM=2 SAT_RATE=500000 SIZE=64 SEARCH=0 KEEP=""
CONFIGS="tbr,tayga-nat,tayga,fwd"
while [ $# -gt 0 ]; do
    case $1 in
    --reps) REPS=${2:?}; shift 2 ;;
    --rate) RATE=${2:?}; shift 2 ;;
    --duration) DUR=${2:?}; shift 2 ;;
    --warmup) WARM=${2:?}; shift 2 ;;
    --sat-rate) SAT_RATE=${2:?}; shift 2 ;;
    --size) SIZE=${2:?}; shift 2 ;;
    --search) SEARCH=1; shift ;;
    --configs) CONFIGS=${2:?}; shift 2 ;;
    --prefix) PREFIX=${2:?}; shift 2 ;;
    --keep-logs) KEEP=${2:?}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" ;;
    esac
done
for v in "$REPS" "$RATE" "$DUR" "$WARM" "$SAT_RATE" "$SIZE"; do
    [[ $v =~ ^[0-9]+$ ]] || die "'$v' is not a whole number"
done
[ "$REPS" -ge 1 ] || die "--reps must be at least 1"
[ "$RATE" -ge 1 ] && [ "$DUR" -ge 1 ] || die "--rate and --duration must be positive"
IFS=, read -r -a CFGS <<<"$CONFIGS"
for c in "${CFGS[@]}"; do
    case $c in
    tbr | tayga-nat | tayga | fwd) ;;
    *) die "unknown configuration '$c' (want tbr, tayga-nat, tayga, fwd)" ;;
    esac
done

# ---------------------------------------------------------------- preconditions
[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, TUN, nft): sudo $0 $BUILD ..."
need() { # tool, Debian package
    command -v "$1" >/dev/null 2>&1 || die "'$1' not found: apt-get install $2"
}
need ip iproute2
need taskset util-linux
need ping iputils-ping
need awk mawk
need sort coreutils
need timeout coreutils
want_cfg() {
    local c
    for c in "${CFGS[@]}"; do [ "$c" = "$1" ] && return 0; done
    return 1
}
if want_cfg tayga || want_cfg tayga-nat; then
    need tayga tayga
fi
if want_cfg tayga-nat; then
    need nft nftables
fi
[[ $PREFIX =~ ^[0-9a-fA-F:]+::/96$ ]] || die "--prefix must look like X:Y::/96 (got '$PREFIX')"
if [[ ${PREFIX,,} == 64:ff9b::/96 ]] && { want_cfg tayga || want_cfg tayga-nat; }; then
    die "TAYGA 0.9.2 drops 64:ff9b::/96 traffic to documentation IPv4 addresses (RFC 6052 §3.1;
  it has no wkpf-strict option): use a network-specific prefix such as 2001:db8:64::/96"
fi
BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || die "no such build directory"
BLAST=$BUILD/tbr-udpblast
XLAT=$BUILD/tbr-tun-xlat
[ -x "$BLAST" ] || die "$BLAST missing: cmake --build $BUILD --target tbr-udpblast"
if want_cfg tbr; then
    [ -x "$XLAT" ] || die "$XLAT missing: cmake --build $BUILD --target tbr-tun-xlat"
fi
[ -c /dev/net/tun ] || die "/dev/net/tun missing (modprobe tun)"
NCPU=$(nproc --all)
[ "$NCPU" -ge 2 ] || die "needs at least 2 CPUs (translator on CPU 1, traffic on CPU 0)"

# ---------------------------------------------------------------- namespaces
C6=tbrc6-$$ XL=tbrxl-$$ S4=tbrs4-$$
TMP=$(mktemp -d /tmp/tun_compare.XXXXXX)
PIDS=()
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    local p
    for p in "${PIDS[@]}"; do
        kill -TERM "$p" 2>/dev/null || true
    done
    sleep 0.2
    for p in "${PIDS[@]}"; do
        kill -KILL "$p" 2>/dev/null || true
    done
    # Anything still running inside our namespaces was started by this run
    # (e.g. a sink from an interrupted load run): stop it by pid.
    local ns
    for ns in "$C6" "$XL" "$S4"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do
            kill -KILL "$p" 2>/dev/null || true
        done
        ip netns del "$ns" 2>/dev/null || true
    done
    if [ -n "$KEEP" ] && [ -d "$TMP" ]; then
        mkdir -p "$KEEP" && cp -r "$TMP"/. "$KEEP"/ || true
    fi
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "$PROG: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
trap 'echo "$PROG: interrupted" >&2; exit 130' INT TERM

# Runs a command in the background and records its pid; the pid of
# `ip netns exec NS taskset ... prog` is prog's own, since both exec.
bg() { # logfile, command...
    local log=$1
    shift
    "$@" >"$log" 2>&1 &
    BGPID=$!
    PIDS+=("$BGPID")
}
stop_pid() { # pid: TERM, up to 3 s, then KILL; waits for it
    local p=$1 i
    kill -TERM "$p" 2>/dev/null || return 0
    for i in $(seq 30); do
        kill -0 "$p" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
}

for ns in "$C6" "$XL" "$S4"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
done
# veth pairs created straight inside the namespaces: nothing in the host's.
ip link add c6x netns "$C6" type veth peer name xc6 netns "$XL"
ip link add xs4 netns "$XL" type veth peer name s4x netns "$S4"
ip -n "$C6" link set c6x mtu 1500 up
ip -n "$XL" link set xc6 mtu 1500 up
ip -n "$XL" link set xs4 mtu 1500 up
ip -n "$S4" link set s4x mtu 1500 up
ip -n "$C6" -6 addr add 2001:db8:6::2/64 dev c6x nodad
ip -n "$C6" -6 route add default via 2001:db8:6::1
ip -n "$XL" -6 addr add 2001:db8:6::1/64 dev xc6 nodad
ip -n "$XL" addr add 192.0.2.1/24 dev xs4
ip -n "$XL" -6 addr add 2001:db8:4::1/64 dev xs4 nodad # plain-forwarding ceiling only
ip -n "$S4" addr add 192.0.2.2/24 dev s4x
ip -n "$S4" route add default via 192.0.2.1
ip -n "$S4" -6 addr add 2001:db8:4::2/64 dev s4x nodad
ip -n "$S4" -6 route add default via 2001:db8:4::1
ip netns exec "$XL" sysctl -qw net.ipv4.conf.all.forwarding=1 net.ipv6.conf.all.forwarding=1
# No ICMP rate limiting in the way of ping at 100/s.
ip netns exec "$XL" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0

POOL=192.168.255.0/24
DST6=${PREFIX%/96}192.0.2.2
PORT=9000

# ---------------------------------------------------------------- one translator
XPID="" # translator pid of the current run (empty for fwd)
start_cfg() { # cfg, run id
    local cfg=$1 id=$2
    XPID=""
    [ "$cfg" = fwd ] && return 0
    ip -n "$XL" tuntap add dev nat64 mode tun
    ip -n "$XL" link set nat64 mtu 1500 txqueuelen 500 up
    ip -n "$XL" route add "$POOL" dev nat64
    ip -n "$XL" -6 route add "$PREFIX" dev nat64
    case $cfg in
    tbr)
        bg "$TMP/$id.xlat.log" ip netns exec "$XL" nice -n -20 taskset -c 1 "$XLAT" --dev nat64 \
            --prefix "$PREFIX" --pool "$POOL"
        ;;
    tayga | tayga-nat)
        mkdir -p "$TMP/$id.tayga"
        cat >"$TMP/$id.tayga.conf" <<EOF
tun-device nat64
ipv4-addr 192.168.255.1
ipv6-addr 2001:db8:6464::1
prefix $PREFIX
dynamic-pool $POOL
data-dir $TMP/$id.tayga
EOF
        if [ "$cfg" = tayga-nat ]; then
            ip netns exec "$XL" nft -f - <<EOF
table ip tbrbench {
    chain post {
        type nat hook postrouting priority 100; policy accept;
        oifname "xs4" masquerade
    }
}
EOF
        fi
        bg "$TMP/$id.xlat.log" ip netns exec "$XL" nice -n -20 taskset -c 1 tayga -c "$TMP/$id.tayga.conf" \
            --nodetach
        ;;
    esac
    XPID=$BGPID
    # Attached once the TUN shows carrier; the path works once ping does.
    local i
    for i in $(seq 50); do
        kill -0 "$XPID" 2>/dev/null || {
            cat "$TMP/$id.xlat.log" >&2
            die "$cfg exited at start (log above)"
        }
        ip -n "$XL" link show nat64 2>/dev/null | grep -q LOWER_UP && break
        sleep 0.1
    done
}
stop_cfg() { # cfg
    local cfg=$1
    if [ -n "$XPID" ]; then
        stop_pid "$XPID"
        XPID=""
    fi
    [ "$cfg" = fwd ] && return 0
    ip -n "$XL" link del nat64 2>/dev/null || true
    if [ "$cfg" = tayga-nat ]; then
        ip netns exec "$XL" nft delete table ip tbrbench 2>/dev/null || true
    fi
}
target_of() { # cfg
    if [ "$1" = fwd ]; then echo 2001:db8:4::2; else echo "$DST6"; fi
}
wait_path() { # cfg
    local t i
    t=$(target_of "$1")
    for i in $(seq 10); do
        ip netns exec "$C6" ping -6 -n -q -c 1 -W 1 "$t" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    return 1
}

# One load run: prints "sent secs cpu_us core_us rcvd".
load_run() { # cfg, id, rate, warmup, duration
    local cfg=$1 id=$2 rate=$3 warm=$4 dur=$5 t cpuargs=()
    t=$(target_of "$cfg")
    [ -n "$XPID" ] && cpuargs=(--cpu-pid "$XPID" --cpu-core 1)
    bg "$TMP/$id.sink" ip netns exec "$S4" nice -n -20 taskset -c 0 "$BLAST" sink --port "$PORT" \
        --duration $((warm + dur + 5))
    local spid=$BGPID i
    for i in $(seq 50); do
        grep -q READY "$TMP/$id.sink" 2>/dev/null && break
        sleep 0.05
    done
    ip netns exec "$C6" nice -n -20 taskset -c 0 timeout $((warm + dur + 10)) "$BLAST" send --dst "$t" \
        --port "$PORT" --rate "$rate" --warmup "$warm" --duration "$dur" --size "$SIZE" \
        "${cpuargs[@]}" >"$TMP/$id.send" 2>&1 || true
    for i in $(seq 100); do
        kill -0 "$spid" 2>/dev/null || break
        sleep 0.1
    done
    stop_pid "$spid"
    local s r
    s=$(grep '^RESULT' "$TMP/$id.send" || echo "RESULT sent=0 secs=1 cpu_us=-1 core_us=-1")
    r=$(grep '^RESULT' "$TMP/$id.sink" || echo "RESULT rcvd=0")
    echo "$s $r" | awk '{for(i=1;i<=NF;i++){split($i,kv,"=");v[kv[1]]=kv[2]}
        print v["sent"], v["secs"], v["cpu_us"], v["core_us"], v["rcvd"]}'
}

# Maximum loss-free rate (loss <= 0.1 %): binary search, 6 steps of 2 s.
search_run() { # cfg, id
    local cfg=$1 id=$2 lo=0 hi=$SAT_RATE mid step out sent rcvd
    [ "$hi" -gt 0 ] || hi=1000000
    for step in 1 2 3 4 5 6; do
        mid=$(((lo + hi) / 2))
        out=$(load_run "$cfg" "$id.s$step" "$mid" 1 2)
        read -r sent _ _ _ rcvd <<<"$out"
        if [ "$sent" -gt 0 ] && [ $((rcvd * 1000)) -ge $((sent * 999)) ]; then
            lo=$mid
        else
            hi=$mid
        fi
    done
    echo "$lo"
}

bg_busy() { # prints "cpu0%/cpu1%" busy over 0.5 s
    local a b
    a=$(awk '/^cpu[01] / {print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat)
    sleep 0.5
    b=$(awk '/^cpu[01] / {print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat)
    paste <(echo "$a") <(echo "$b") | awk '{t = $4 - $2; i = $3 - $1
        v[NR] = t > 0 ? 100 * (t - i) / t : 0} END {printf "%.0f/%.0f", v[1], v[2]}'
}

RES=$TMP/results # lines: cfg metric value
: >"$RES"
rec() { echo "$1 $2 $3" >>"$RES"; }

one_run() { # cfg, rep
    local cfg=$1 rep=$2 id="$1.r$2" out sent secs cpu core rcvd
    start_cfg "$cfg" "$id"
    if ! wait_path "$cfg"; then
        echo "  $cfg rep $rep: no path through the translator, skipped" >&2
        cat "$TMP/$id.xlat.log" >&2 2>/dev/null || true
        stop_cfg "$cfg"
        return 0
    fi
    # Other load on the machine (this script may not be alone on a shared VM):
    # the busy share of CPU 0 and CPU 1 over 0.5 s with our translator idle.
    # Wait (at most ~5 s) for a quiet moment: both CPUs under 15 % busy.
    local bgl i
    for i in $(seq 10); do
        bgl=$(bg_busy)
        awk -v v="$bgl" 'BEGIN {split(v, a, "/"); exit !(a[1] < 15 && a[2] < 15)}' && break
    done
    rec "$cfg" bg "$bgl"
    # Fixed load below saturation.
    out=$(load_run "$cfg" "$id.load" "$RATE" "$WARM" "$DUR")
    read -r sent secs cpu core rcvd <<<"$out"
    awk -v c="$cfg" -v s="$sent" -v t="$secs" -v u="$cpu" -v k="$core" -v r="$rcvd" 'BEGIN {
        printf "%s offered %.1f\n%s received %.1f\n", c, s / t, c, r / t
        printf "%s loss %.3f\n", c, (s > 0 ? 100 * (s - r) / s : 100)
        if (u >= 0 && s > 0) printf "%s cpu %.3f\n", c, u / s
        if (k >= 0 && s > 0) printf "%s core %.3f\n", c, k / s
    }' >>"$RES"
    # Saturation.
    if [ "$SAT_RATE" -gt 0 ]; then
        out=$(load_run "$cfg" "$id.sat" "$SAT_RATE" 1 3)
        read -r sent secs cpu core rcvd <<<"$out"
        awk -v c="$cfg" -v s="$sent" -v t="$secs" -v r="$rcvd" -v u="$cpu" 'BEGIN {
            printf "%s sat_offered %.1f\n%s sat_rx %.1f\n", c, s / t, c, r / t
            if (u >= 0) printf "%s sat_cpu %.3f\n", c, u / (t * 1e6)
        }' >>"$RES"
    fi
    # Latency, idle.
    local avg
    avg=$(ip netns exec "$C6" ping -6 -n -q -c 200 -i 0.01 -W 1 "$(target_of "$cfg")" 2>/dev/null |
        awk -F'/' '/^rtt|^round-trip/ {print $5}')
    [ -n "$avg" ] && rec "$cfg" rtt "$avg"
    if [ "$SEARCH" = 1 ]; then
        rec "$cfg" mlfr "$(search_run "$cfg" "$id")"
    fi
    stop_cfg "$cfg"
    # Keep the translator's own counters (tbr prints them on SIGTERM).
    cp "$TMP/$id.xlat.log" "$TMP/$id.xlat.final" 2>/dev/null || true
    printf '  %-9s rep %d: %s\n' "$cfg" "$rep" \
        "$(awk -v c="$cfg" '$1 == c && ($2 == "received" || $2 == "cpu" || $2 == "sat_rx" ||
            $2 == "rtt") {v[$2] = $3} END {printf "rx %s pps, cpu %s us/pkt, sat %s pps, rtt %s ms",
            v["received"], v["cpu"], v["sat_rx"], v["rtt"]}' "$RES")" >&2
}

# ---------------------------------------------------------------- run
CMDLINE="$0 $BUILD --reps $REPS --rate $RATE --duration $DUR --warmup $WARM --sat-rate $SAT_RATE --size $SIZE --configs $CONFIGS --prefix $PREFIX"
[ "$SEARCH" = 1 ] && CMDLINE="$CMDLINE --search"
echo "$PROG: $CMDLINE" >&2
echo "$PROG: namespaces $C6 $XL $S4; translator on CPU 1, generator and sink on CPU 0" >&2
START=$(date +%s)
n=${#CFGS[@]}
for rep in $(seq "$REPS"); do
    for k in $(seq 0 $((n - 1))); do
        cfg=${CFGS[$(((k + rep - 1) % n))]}
        one_run "$cfg" "$rep"
    done
done
ELAPSED=$(($(date +%s) - START))

# ---------------------------------------------------------------- report
OFFL=$(ip netns exec "$XL" sh -c 'command -v ethtool >/dev/null &&
    ethtool -k xc6 | awk "/^(generic-receive-offload|generic-segmentation-offload|tcp-segmentation-offload):/ {printf \"%s=%s \", \$1, \$2}"' || true)
TAYGA_VER=$(dpkg-query -W -f '${Version}' tayga 2>/dev/null || echo "?")
list_cell() { # cfg metric -> the values, space separated
    awk -v c="$1" -v m="$2" '$1 == c && $2 == m {printf "%s%s", n++ ? " " : "", $3}' "$RES"
}
stat_cell() { # cfg metric -> "median (min-max)" or "-"
    awk -v c="$1" -v m="$2" '$1 == c && $2 == m {print $3}' "$RES" | sort -g |
        awk '{v[NR] = $1} END {
            if (NR == 0) { printf "-"; exit }
            med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            f = (med >= 1000) ? "%.0f" : (med >= 10 ? "%.1f" : "%.3g")
            if (NR == 1) { printf f, med; exit }
            printf f " (" f "–" f ")", med, v[1], v[NR]
        }'
}
label() {
    case $1 in
    tbr) echo "tbr-tun-xlat (stateful)" ;;
    tayga-nat) echo "TAYGA $TAYGA_VER + nft masquerade" ;;
    tayga) echo "TAYGA $TAYGA_VER alone (stateless)" ;;
    fwd) echo "plain IPv6 forwarding (ceiling)" ;;
    esac
}
echo
echo "Command: $CMDLINE"
echo "Kernel $(uname -r); CPU: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1); $NCPU CPUs"
echo "Veth offloads (xl side): ${OFFL:-unknown (ethtool not installed)}; TUN: no offloads, MTU 1500, txqueuelen 500"
echo "Fixed load: ${RATE} pps offered, ${SIZE}-byte UDP payload, ${WARM} s warm-up + ${DUR} s measured; saturation: ${SAT_RATE} pps offered for 3 s;"
echo "median (min–max) over $REPS interleaved repetitions; run took ${ELAPSED} s"
echo "Translator CPU = utime+stime of its process over the measured packets / packets sent (it includes"
echo "the kernel forwarding and NAT work done in its syscalls). Other load = busy share of CPU 0/CPU 1 over"
echo "0.5 s just before each repetition's load run (waiting up to 5 s for both under 15 %), translator idle:"
echo "a high value means another program shared the CPUs and that repetition's saturation and RTT are disturbed."
echo
hdr="| Configuration | offered pps | received pps | loss % | translator CPU µs/pkt | saturated rx pps | translator CPU at saturation (cores) | ping RTT avg ms | other load CPU0/CPU1 % per rep |"
sep="|---|---|---|---|---|---|---|---|---|"
[ "$SEARCH" = 1 ] && hdr="$hdr max loss-free pps |" && sep="$sep---|"
echo "$hdr"
echo "$sep"
for c in "${CFGS[@]}"; do
    row="| $(label "$c") | $(stat_cell "$c" offered) | $(stat_cell "$c" received) | $(stat_cell "$c" loss) | $(stat_cell "$c" cpu) | $(stat_cell "$c" sat_rx) | $(stat_cell "$c" sat_cpu) | $(stat_cell "$c" rtt) | $(list_cell "$c" bg) |"
    [ "$SEARCH" = 1 ] && row="$row $(stat_cell "$c" mlfr) |"
    echo "$row"
done
if want_cfg tbr; then
    last=$(ls "$TMP"/tbr.r*.xlat.final 2>/dev/null | tail -1)
    if [ -n "$last" ]; then
        echo
        echo "tbr-tun-xlat counters of its last run:"
        sed 's/^/    /' "$last"
    fi
fi
