# OpenThread peers for the process-level Thread tests: ot-cli-ftd nodes on
# the simulated radio next to tbr-node (sourced after lib.sh, which holds
# cmd / expect / pass / fail; the test sets OT to the binary).
#
# shellcheck shell=bash

# start_ot N: ot-cli-ftd as node N in its own directory (its flash), on a
# FIFO like start_node; the prompt and CRs are taken off its output. Again
# after the process ended: the same node restarted from its flash.
start_ot() {
    local n=$1 fd
    mkdir -p "$T/ot$n"
    node_fifo "$n"
    (
        for fd in "${FD[@]}"; do
            eval "exec $fd>&-"
        done
        cd "$T/ot$n" || exit 1
        exec "$OT" "$n" <"$T/in$n" 2>"$T/err$n" \
            > >(exec sed -u -e 's/\r$//' -e ':a' -e 's/^> //' -e 'ta' >>"$T/out$n")
    ) &
    PID[$n]=$!
}

# ocmd N "command" [timeout]: cmd, without OpenThread's echo of the command.
ocmd() {
    local rc
    cmd "$@"
    rc=$?
    if [ "$(printf '%s\n' "$OUT" | head -1)" = "$2" ]; then
        OUT=$(printf '%s\n' "$OUT" | tail -n +2)
    fi
    return $rc
}

# oget N "command": its output when Done.
oget() { ocmd "$1" "$2" && [ "$RES" = Done ] && printf '%s\n' "$OUT"; }

# role N: its `state` now.
role() { oget "$1" state; }

# reach N ROLE SECONDS: polls `state` until it reads ROLE.
reach() {
    local deadline=$(($(now_ms) + $3 * 1000 * SLOW))
    while [ "$(now_ms)" -lt "$deadline" ]; do
        [ "$(role "$1")" = "$2" ] && return 0
        sleep 0.3
    done
    return 1
}

# form N: dataset init new .. thread start; leader within 20 s.
form() {
    expect "$1" "dataset init new" Done
    expect "$1" "dataset commit active" Done
    expect "$1" "ifconfig up" Done
    expect "$1" "thread start" Done
    if reach "$1" leader 20; then pass "node$1 leads"; else fail "node$1 state: $(role "$1")"; fi
}

oneline() { printf '%s' "$1" | tr '\n' '|'; }
