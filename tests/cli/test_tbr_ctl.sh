#!/bin/sh
# tbr-ctl against a tiny fake agent (python3, below): exit codes, output,
# the not-running message, timeouts, a closed connection, interactive mode.
#
#   test_tbr_ctl.sh PATH/TO/tbr-ctl
set -u

CTL=${1:?usage: test_tbr_ctl.sh PATH/TO/tbr-ctl}
case $CTL in /*) ;; *) CTL=$(pwd)/$CTL ;; esac
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is missing"; exit 77; }

TMP=$(mktemp -d /tmp/tbr-ctl-test.XXXXXX) || exit 1
SOCK=$TMP/wpan9.sock
AGENT_PID=
cleanup() {
    [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$TMP/agent.py" <<'EOF'
# A fake tbr-agent: one command per line, output ends with Done / Error N: Name.
import os, socket, sys, threading, time

path = sys.argv[1]
log = open(sys.argv[2], "a", buffering=1)

def handle(conn):
    f = conn.makefile("rb")
    for raw in f:
        line = raw.rstrip(b"\r\n").decode("utf-8", "replace")
        log.write(line + "\n")
        out = []
        if line == "state":
            out = ["leader", "Done"]
        elif line.startswith("echo "):
            out = [line[5:], "Done"]
        elif line == "bad":
            out = ["Error 7: InvalidArgs"]
        elif line == "ping":
            for i in range(3):
                conn.sendall(b"16 bytes from 2001:db8::1: icmp_seq=%d\n" % (i + 1))
                time.sleep(0.3)
            out = ["Done"]
        elif line == "hang":
            time.sleep(30)
            continue
        elif line == "close":
            conn.sendall(b"partial output\n")
            conn.close()
            return
        elif line == "split":
            # the result line arrives in pieces, after a line that merely mentions Done
            conn.sendall(b"Done is not alone here\nDo")
            time.sleep(0.2)
            conn.sendall(b"ne\n")
            continue
        elif line == "notresult":
            out = ["Error: not a result line", "Errors 1: neither", "Done"]
        else:
            out = ["Error 35: InvalidCommand"]
        conn.sendall(("".join(l + "\n" for l in out)).encode())
    conn.close()

srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path + ".tmp")
os.rename(path + ".tmp", path)
srv.listen(8)
while True:
    c, _ = srv.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
EOF

FAILS=0
N=0
ok() { N=$((N + 1)); echo "ok $N - $*"; }
fail() { N=$((N + 1)); FAILS=$((FAILS + 1)); echo "not ok $N - $*"; }

# run DESC WANT_STATUS WANT_STDOUT_FILE -- ARGS...: runs tbr-ctl, compares status and stdout
run() {
    desc=$1 want=$2 wantout=$3
    shift 3
    "$CTL" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
    got=$?
    if [ "$got" != "$want" ]; then
        fail "$desc: exit $got, want $want"
        sed 's/^/    out: /' "$TMP/out"
        sed 's/^/    err: /' "$TMP/err"
    elif [ -n "$wantout" ] && ! printf '%s' "$wantout" | cmp -s - "$TMP/out"; then
        fail "$desc: output differs"
        printf '%s' "$wantout" | diff - "$TMP/out" | sed 's/^/    /'
    else
        ok "$desc"
    fi
}

NL='
'
# --- not running -------------------------------------------------------------------
run "not running: exit 2" 2 "" --socket "$SOCK" state
if [ "$(cat "$TMP/err")" = "tbr-ctl: cannot connect to $SOCK: is tbr-agent running? (No such file or directory)" ] &&
    [ ! -s "$TMP/out" ]; then
    ok "not running: one clear line"
else
    fail "not running message: $(cat "$TMP/err")"
fi
run "not running, default path from -I" 2 "" -I tbrtest9 state
grep -q '^tbr-ctl: cannot connect to /run/tbr/tbrtest9.sock: is tbr-agent running? (' "$TMP/err" &&
    ok "... names /run/tbr/IFNAME.sock" || fail "default path message: $(cat "$TMP/err")"
[ "$(wc -l <"$TMP/err")" = 1 ] && ok "... in one line" || fail "more than one line"

# --- usage ---------------------------------------------------------------------------
run "help" 0 "" --help
run "bad option" 64 "" --bogus
run "bad interface name" 64 "" -I "../x" state
run "bad timeout" 64 "" -t abc state
run "argument with a newline" 64 "" --socket "$SOCK" "a${NL}b"
long=$(python3 -c 'print("x" * 1100)')
run "command too long" 64 "" --socket "$SOCK" echo "$long"

# --- start the fake agent ------------------------------------------------------------
python3 "$TMP/agent.py" "$SOCK" "$TMP/agent.log" 2>"$TMP/agent.err" &
AGENT_PID=$!
i=0
while [ ! -S "$SOCK" ] && [ $i -lt 100 ]; do
    sleep 0.05
    i=$((i + 1))
done
[ -S "$SOCK" ] || { echo "fake agent did not start:"; cat "$TMP/agent.err"; exit 1; }

run "Done: exit 0, output and result line printed" 0 "leader${NL}Done${NL}" --socket "$SOCK" state
run "arguments joined with single spaces" 0 "a b  c${NL}Done${NL}" --socket "$SOCK" echo a b " c"
tail -n 1 "$TMP/agent.log" | grep -qx 'echo a b  c' && ok "agent got one joined line" ||
    fail "agent got: $(tail -n 1 "$TMP/agent.log")"
run "options of the command pass through" 0 "-c 3${NL}Done${NL}" --socket "$SOCK" echo -c 3
run "Error: exit 1, error line printed" 1 "Error 7: InvalidArgs${NL}" --socket "$SOCK" bad
run "unknown command" 1 "Error 35: InvalidCommand${NL}" --socket "$SOCK" frobnicate
run "lines that only look like results" 0 \
    "Error: not a result line${NL}Errors 1: neither${NL}Done${NL}" --socket "$SOCK" notresult
run "result line split across reads" 0 "Done is not alone here${NL}Done${NL}" --socket "$SOCK" split

# async: output streams as it comes, no timeout by default
start=$(date +%s)
run "ping-like command waits (no default timeout)" 0 \
    "16 bytes from 2001:db8::1: icmp_seq=1${NL}16 bytes from 2001:db8::1: icmp_seq=2${NL}16 bytes from 2001:db8::1: icmp_seq=3${NL}Done${NL}" \
    --socket "$SOCK" ping

# the agent closes the connection mid-command
run "connection closed by the agent: exit 3" 3 "partial output${NL}" --socket "$SOCK" close
grep -q 'closed the connection before the command completed' "$TMP/err" &&
    ok "... with a message" || fail "close message: $(cat "$TMP/err")"

# timeout
start=$(date +%s)
run "timeout: exit 4" 4 "" --socket "$SOCK" -t 0.5 hang
end=$(date +%s)
[ $((end - start)) -le 5 ] && ok "... promptly" || fail "timeout took $((end - start)) s"
grep -q 'no result from tbr-agent within' "$TMP/err" && ok "... with a message" ||
    fail "timeout message: $(cat "$TMP/err")"
run "timeout not hit" 0 "leader${NL}Done${NL}" --socket "$SOCK" --timeout 5 state

# --- interactive ---------------------------------------------------------------------
printf 'state\n\n   \necho hi there\r\nbad\necho last' | "$CTL" --socket "$SOCK" >"$TMP/out" 2>"$TMP/err"
st=$?
want="leader${NL}Done${NL}hi there${NL}Done${NL}Error 7: InvalidArgs${NL}last${NL}Done${NL}"
if [ $st = 1 ] && printf '%s' "$want" | cmp -s - "$TMP/out"; then
    ok "interactive: commands run in order, no prompt on a pipe, exit 1 after an Error"
else
    fail "interactive: exit $st"
    printf '%s' "$want" | diff - "$TMP/out" | sed 's/^/    /'
fi
printf 'state\necho x\n' | "$CTL" --socket "$SOCK" >"$TMP/out" 2>&1
[ $? = 0 ] && ok "interactive: all Done -> exit 0" || fail "interactive all-Done exit"
"$CTL" --socket "$SOCK" </dev/null >"$TMP/out" 2>&1
[ $? = 0 ] && [ ! -s "$TMP/out" ] && ok "interactive: empty stdin -> exit 0, no output" ||
    fail "interactive empty stdin"
printf 'state\nclose\nstate\n' | "$CTL" --socket "$SOCK" >"$TMP/out" 2>"$TMP/err"
st=$?
if [ $st = 3 ] && printf 'leader\nDone\npartial output\n' | cmp -s - "$TMP/out"; then
    ok "interactive: agent gone -> exit 3, stops"
else
    fail "interactive agent gone: exit $st"
    sed 's/^/    /' "$TMP/out"
fi
# a prompt when stdin is a terminal (only where script(1) exists)
if command -v script >/dev/null 2>&1; then
    printf 'state\n' >"$TMP/in"
    script -qec "$CTL --socket $SOCK < /dev/tty" /dev/null <"$TMP/in" >"$TMP/out" 2>&1
    if grep -q '^> ' "$TMP/out" && grep -q 'leader' "$TMP/out"; then
        ok "interactive on a terminal shows the '> ' prompt"
    else
        ok "# skip prompt check: no usable pty ($(head -c 80 "$TMP/out" | tr '\n' ' '))"
    fi
fi

# agent gone entirely
kill "$AGENT_PID" && wait "$AGENT_PID" 2>/dev/null
AGENT_PID=
rm -f "$SOCK"
run "agent stopped: exit 2 again" 2 "" --socket "$SOCK" state

# --- the real agent: who may use its socket (SO_PEERCRED, issue 11) -----------------
# Needs root (a private network namespace for the TUN and the sim radio, and
# setpriv to become nobody); skipped elsewhere, but a failure in CI.
AGENT=${2:-}
cred_skip() {
    if [ -n "${CI:-}" ]; then fail "control socket access: cannot run in CI: $*"; else
        ok "# skip control socket access: $*"
    fi
}
# real_agent [ARGS...]: tbr-agent in its own network namespace on $RSOCK.
real_agent() {
    rm -f "$RSOCK"
    unshare -n sh -c 'ip link set lo up && ip link set lo multicast on && exec "$@"' sh \
        "$AGENT" -I tbrctl0 --state-dir "$TMP/state" --ctl-socket "$RSOCK" "$@" sim://1 \
        </dev/null >>"$TMP/ragent.log" 2>&1 &
    AGENT_PID=$!
    i=0
    while [ ! -S "$RSOCK" ] && [ $i -lt 100 ] && kill -0 "$AGENT_PID" 2>/dev/null; do
        sleep 0.05
        i=$((i + 1))
    done
}
stop_agent() {
    kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
    AGENT_PID=
}
# as_nobody GID CMD...: CMD as uid 65534, primary group GID, no other groups.
as_nobody() {
    g=$1
    shift
    setpriv --reuid=65534 --regid="$g" --clear-groups -- "$@"
}
NOGROUP=$(getent group 65534 | cut -d: -f1)
if [ -z "$AGENT" ]; then
    cred_skip "no tbr-agent given"
elif [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null || ! command -v unshare >/dev/null ||
    [ ! -e /dev/net/tun ] || [ -z "$NOGROUP" ]; then
    cred_skip "needs root, setpriv, unshare, /dev/net/tun and a group 65534"
else
    chmod 755 "$TMP"
    RSOCK=$TMP/real.sock
    real_agent
    if [ ! -S "$RSOCK" ]; then
        fail "tbr-agent did not start: $(tail -3 "$TMP/ragent.log")"
    else
        m=$(stat -c '%a %U:%G' "$RSOCK")
        [ "$m" = "660 root:root" ] && ok "socket is 0660 root:root" || fail "socket mode $m"
        run "root uses the socket" 0 "disabled${NL}Done${NL}" --socket "$RSOCK" state
        as_nobody 65534 "$CTL" --socket "$RSOCK" state >"$TMP/out" 2>"$TMP/err"
        st=$?
        [ $st = 2 ] && grep -q "Permission denied" "$TMP/err" &&
            ok "nobody cannot connect to a 0660 root socket" || fail "nobody: exit $st $(cat "$TMP/err")"
        # A socket made world-writable behind the agent's back: credentials still refuse.
        chmod 666 "$RSOCK"
        as_nobody 0 "$CTL" --socket "$RSOCK" state >"$TMP/out" 2>"$TMP/err"
        st=$?
        want="permission denied: uid 65534 is not root (tbr-agent --ctl-group names a group that may connect)${NL}Error 8: Security${NL}"
        if [ $st = 1 ] && printf '%s' "$want" | cmp -s - "$TMP/out"; then
            ok "nobody (even in the socket's group 0) is refused by credentials, told why"
        else
            fail "nobody on a 0666 socket: exit $st: $(cat "$TMP/out" "$TMP/err" | tr '\n' '|')"
        fi
        run "the refusal is counted" 0 "accepted: 2${NL}refused-peer: 1${NL}refused-busy: 0${NL}Done${NL}" \
            --socket "$RSOCK" ctl counters
        grep -q "ctl: connection refused: pid [0-9]* uid 65534 is not root" "$TMP/ragent.log" &&
            ok "the refusal is logged" || fail "no refusal in the log: $(tail -3 "$TMP/ragent.log")"
    fi
    stop_agent
    real_agent --ctl-group "$NOGROUP"
    m=$(stat -c '%a %G' "$RSOCK" 2>&1)
    [ "$m" = "660 $NOGROUP" ] && ok "--ctl-group: socket 0660, group $NOGROUP" || fail "socket $m"
    as_nobody 65534 "$CTL" --socket "$RSOCK" state >"$TMP/out" 2>"$TMP/err"
    st=$?
    [ $st = 0 ] && [ "$(cat "$TMP/out")" = "disabled${NL}Done" ] &&
        ok "--ctl-group: a member (nobody, gid 65534) is served" ||
        fail "member: exit $st $(cat "$TMP/out" "$TMP/err" | tr '\n' '|')"
    stop_agent
    "$AGENT" -I tbrctl0 --ctl-group no-such-group-tbr --ctl-socket "$RSOCK" sim://1 \
        </dev/null >"$TMP/out" 2>"$TMP/err"
    st=$?
    [ $st = 2 ] && grep -q "^tbr-agent: --ctl-group: no group named 'no-such-group-tbr'$" "$TMP/err" &&
        ok "--ctl-group with an unknown group: refused at start" ||
        fail "unknown group: exit $st $(cat "$TMP/err")"
fi

echo "$N checks, $FAILS failed"
[ "$FAILS" = 0 ]
