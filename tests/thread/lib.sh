# Shared by the process-level Thread tests (tests/thread/test_*.sh): tbr-node
# processes on the simulated radio, each reading a FIFO, and the helpers that
# drive their CLI. A test sets BIN (tbr-node), exports its own PORT_OFFSET,
# then sources this file; it sets ASYNC_FILTER=1 when async ping lines must
# be kept out of command output. Processes are killed and the run directory
# removed on exit (TBR_TEST_KEEP=1 keeps it).
#
# shellcheck shell=bash
# shellcheck source=tests/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh" # pass, fail, wait_for, tbr_missing_shared

SLOW=${TBR_TEST_SLOW:-1}
T=$(mktemp -d "${TMPDIR:-/tmp}/tbr-thread.XXXXXX")
declare -A PID FD

cleanup() {
    local n
    {
        for n in "${!PID[@]}"; do
            kill -9 "${PID[$n]}"
        done
        for n in "${!PID[@]}"; do
            wait "${PID[$n]}"
        done
    } 2>/dev/null
    if [ "${TBR_TEST_KEEP:-0}" = 1 ]; then
        echo "kept $T"
    else
        rm -rf "$T"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }

# node_fifo N: node N's input FIFO $T/inN, held open read-write in FD[N]
# (made once, kept across restarts), and its output file $T/outN.
node_fifo() {
    local n=$1 fd
    [ -p "$T/in$n" ] || mkfifo "$T/in$n"
    if [ -z "${FD[$n]:-}" ]; then
        exec {fd}<>"$T/in$n"
        FD[$n]=$fd
    fi
    : >>"$T/out$n"
}

# start_node N [tbr-node options...]: runs tbr-node N with its stdin on a
# FIFO we hold open (read-write, so neither side blocks and the node sees
# EOF only when we close it) and its stdout appended to $T/outN.
start_node() {
    local n=$1 fd
    shift
    node_fifo "$n"
    # The node must not inherit our ends of the other nodes' FIFOs, or those
    # would never see EOF.
    (
        for fd in "${FD[@]}"; do
            eval "exec $fd>&-"
        done
        exec "$BIN" --state-dir "$T/state$n" "$@" "$n" <"$T/in$n" >>"$T/out$n" 2>>"$T/err$n"
    ) &
    PID[$n]=$!
}

# Lines an async ping prints at any time; not part of a command's output.
ASYNC_RE='^([0-9]+ bytes from |[0-9]+ packets transmitted, )'

# Output lines since line $1 of file $2; with ASYNC_FILTER=1, without async
# ping lines unless RAW=1.
since() {
    if [ "${ASYNC_FILTER:-0}" = 1 ] && [ "${RAW:-0}" != 1 ]; then
        tail -n +$(($1 + 1)) "$2" | grep -v -E "$ASYNC_RE"
    else
        tail -n +$(($1 + 1)) "$2"
    fi
}

# cmd N "command" [timeout_s]: sends one line and waits for its result line
# ("Done" or "Error N: Name"). Sets OUT (the lines before the result) and
# RES (the result line, or TIMEOUT).
cmd() {
    local n=$1 line=$2 to=${3:-10} f start deadline hit k
    f=$T/out$n
    start=$(wc -l <"$f")
    printf '%s\n' "$line" >&"${FD[$n]}"
    deadline=$(($(now_ms) + to * 1000 * SLOW))
    while :; do
        hit=$(since "$start" "$f" | grep -n -m1 -E '^(Done|Error [0-9]+: .*)$')
        if [ -n "$hit" ]; then
            k=${hit%%:*}
            OUT=$(since "$start" "$f" | head -n $((k - 1)))
            RES=${hit#*:}
            return 0
        fi
        if [ "$(now_ms)" -ge "$deadline" ]; then
            OUT=$(since "$start" "$f")
            RES=TIMEOUT
            return 1
        fi
        sleep 0.05
    done
}

# expect N "command" "result line" [what]: the command must end so.
expect() {
    local n=$1 c=$2 want=$3
    cmd "$n" "$c"
    if [ "$RES" = "$want" ]; then
        pass "node$n '$c' -> $want"
    else
        fail "node$n '$c': got '$RES' (output: $(echo "$OUT" | head -3 | tr '\n' '|')), want '$want'"
    fi
}

# get N "command": runs it and prints its output; non-zero unless Done.
get() {
    cmd "$1" "$2" && [ "$RES" = Done ] && printf '%s\n' "$OUT"
}

# wait_state N role seconds: polls `state`; true when it reads role in time.
wait_state() {
    local n=$1 want=$2 deadline t0
    t0=$(now_ms)
    deadline=$((t0 + $3 * 1000 * SLOW))
    while [ "$(now_ms)" -lt "$deadline" ]; do
        if cmd "$n" state 2 && [ "$RES" = Done ] && [ "$OUT" = "$want" ]; then
            WAITED_MS=$(($(now_ms) - t0))
            return 0
        fi
        sleep 0.2
    done
    WAITED_MS=$(($(now_ms) - t0))
    return 1
}

# wait_exit N seconds: true when the process ended with status 0 in time.
wait_exit() {
    local n=$1 deadline st
    deadline=$(($(now_ms) + $2 * 1000 * SLOW))
    while kill -0 "${PID[$n]}" 2>/dev/null; do
        [ "$(now_ms)" -lt "$deadline" ] || return 1
        sleep 0.05
    done
    wait "${PID[$n]}"
    st=$?
    unset "PID[$n]"
    EXIT_STATUS=$st
    [ "$st" -eq 0 ]
}

# children_listed N RLOC16...: all of them are in node N's child table.
children_listed() {
    local n=$1 r
    shift
    cmd "$n" "child table" 5
    [ "$RES" = Done ] || return 1
    for r in "$@"; do
        echo "$OUT" | grep -q -E "^\| +[0-9]+ \| 0x$r \|" || return 1
    done
    return 0
}
