#!/usr/bin/env bash
# tests/summary.sh (script/test's closing count and CI skip policy) over the
# ctest logs beside this file, and tests/support/cmocka_run.sh (how a cmocka
# skip reaches ctest) over the probe program.
#
#   tests/summary/test_summary.sh path/to/tbr_cmocka_probe
#
# The logs are real ctest 3.25 output (-j2, --output-on-failure) of small
# projects: skips.log is what a run without root looks like (8 passed, 9
# skipped: the namespace tests, tbr-lab, Jool, pcap, a cmocka skip);
# failures.log has one test of each other outcome (Failed, Timeout, Not Run,
# SegFault, Disabled, Skipped); clean.log passes. Prints "N passed, N
# failed"; exits non-zero on any failure.
set -u
PROBE=${1:?usage: $0 path/to/tbr_cmocka_probe}
HERE=$(cd "$(dirname "$0")" && pwd)
SUMMARY=$HERE/../summary.sh
RUN=$HERE/../support/cmocka_run.sh
T=$(mktemp -d "${TMPDIR:-/tmp}/tbr-summary.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
# shellcheck source=tests/common.sh
. "$HERE/../common.sh" # pass, fail

# run_env [VAR=value...] -- COMMAND...: COMMAND with exactly the given
# CI, TBR_SHARED and uid settings; OUT (stdout and stderr) and RC.
run_env() {
    local envs=()
    while [ "$1" != -- ]; do
        envs+=("$1")
        shift
    done
    shift
    OUT=$(env -u CI -u TBR_SHARED -u TBR_SUMMARY_UID "${envs[@]}" "$@" 2>&1)
    RC=$?
}

# summary "what" RC "last line" [VAR=value...] -- ARGS...: summary.sh ARGS
# (with those settings) must exit RC with that last line.
summary() {
    local what=$1 want_rc=$2 want_last=$3 a args=() seen='' last
    shift 3
    for a; do
        args+=("$a")
        [ -z "$seen" ] && [ "$a" = -- ] && seen=1 && args+=("$SUMMARY")
    done
    run_env "${args[@]}"
    last=$(printf '%s\n' "$OUT" | tail -1)
    if [ "$RC" = "$want_rc" ] && [ "$last" = "$want_last" ]; then
        pass "$what: exit $RC, '$last'"
    else
        fail "$what: exit $RC (want $want_rc), last line '$last' (want '$want_last')"
        printf '%s\n' "$OUT" | sed 's/^/    | /'
    fi
}
# exits "what" RC [VAR=value...] -- COMMAND...: COMMAND must exit RC.
exits() {
    local what=$1 want=$2
    shift 2
    run_env "$@"
    if [ "$RC" = "$want" ]; then
        pass "$what: exit $RC"
    else
        fail "$what: exit $RC, want $want"
        printf '%s\n' "$OUT" | sed 's/^/    | /'
    fi
}
# has "what" PATTERN [COUNT]: OUT has COUNT (default 1 or more) lines matching.
has() {
    local n
    n=$(printf '%s\n' "$OUT" | grep -c -E "$2")
    if { [ -z "${3:-}" ] && [ "$n" -ge 1 ]; } || [ "$n" = "${3:-}" ]; then
        pass "$1"
    else
        fail "$1: $n lines match '$2' (want ${3:-1 or more})"
        printf '%s\n' "$OUT" | sed 's/^/    | /'
    fi
}

SH=$T/shared
mkdir "$SH"
L=$HERE

# ---- counting ----------------------------------------------------------------
summary "clean run" 0 "tests: 5 passed, 0 failed, 0 skipped" -- "$L/clean.log"
has "clean run says all passed" '^== all tests passed ==$' 1
summary "clean run + 14 fuzz harnesses" 0 "tests: 19 passed, 0 failed, 0 skipped" \
    -- --extra-passed 14 "$L/clean.log"
# The regression: before, script/test read only ctest's percentage line, which
# counts a skipped test as passed ("tests: 17 passed, 0 failed" and "all tests
# passed" for this log).
summary "run without root: skips counted apart" 0 "tests: 8 passed, 0 failed, 9 skipped" \
    -- "$L/skips.log"
has "each skip named" '^SKIPPED: test_[a-z_]+ \(skips\.log\)$' 9
has "the Jool, pcap and cmocka skips among them" \
    '^SKIPPED: (test_jool|test_thread_pcap|test_ra) ' 3
has "no 'all tests passed' with skips" '^== all tests passed ==$' 0
has "skips said in the headline" '^== no test failed; 9 skipped' 1
summary "two builds" 0 "tests: 13 passed, 0 failed, 9 skipped" -- "$L/clean.log" "$L/skips.log"
summary "every other outcome" 1 "tests: 2 passed, 4 failed, 2 skipped" -- "$L/failures.log"
has "Failed named" '^FAIL: test_bib \(failures\.log\): Failed$' 1
has "Timeout named" '^FAIL: test_dns_netns \(failures\.log\): Timeout$' 1
has "Not Run (no executable) is a failure" '^FAIL: test_gone \(failures\.log\): Not Run$' 1
has "a crash is a failure" '^FAIL: test_crash \(failures\.log\): Exception: SegFault$' 1
has "Disabled counted as skipped" '^SKIPPED: test_old \(failures\.log, disabled\)$' 1
summary "a fuzz harness failed" 1 "tests: 5 passed, 1 failed, 0 skipped" \
    -- --extra-failed "fuzz_mac (fuzz)" "$L/clean.log"
has "the fuzz failure named" '^FAIL: fuzz_mac \(fuzz\)$' 1

# ---- runs that did not finish ------------------------------------------------------
head -n 30 "$L/skips.log" >"$T/cut.log"
summary "log cut before ctest's summary" 1 "tests: 8 passed, 1 failed, 6 skipped" -- "$T/cut.log"
has "says the run did not finish" '^FAIL: cut\.log: no ctest summary line' 1
grep -v 'Test #12:' "$L/skips.log" >"$T/lost.log"
summary "a test's line missing" 1 "tests: 8 passed, 1 failed, 8 skipped" -- "$T/lost.log"
has "says the log does not add up" '^FAIL: lost\.log: ctest says 0 failed out of 17; the log shows 8 passed, 0 failed, 8 skipped$' 1
summary "no log at all" 1 "tests: 0 passed, 1 failed, 0 skipped" -- "$T/none.log"

# ---- the CI skip policy ---------------------------------------------------------------
summary "CI, root, shared present: skips fail" 1 "tests: 8 passed, 0 failed, 9 skipped" \
    CI=true TBR_SUMMARY_UID=0 TBR_SHARED="$SH" -- "$L/skips.log"
has "each skip named as a CI failure" '^FAIL: skipped in CI: test_[a-z_]+ \(skips\.log\): CI runs as root' 9
has "test_jool among them" '^FAIL: skipped in CI: test_jool ' 1
has "headline" '^== FAILED: 0 failed, 9 skipped where CI must run them ==$' 1
summary "CI=1 is CI too" 1 "tests: 8 passed, 0 failed, 9 skipped" \
    CI=1 TBR_SUMMARY_UID=0 TBR_SHARED="$SH" -- "$L/skips.log"
summary "CI without root: skips reported only" 0 "tests: 8 passed, 0 failed, 9 skipped" \
    CI=true TBR_SUMMARY_UID=1000 TBR_SHARED="$SH" -- "$L/skips.log"
summary "CI without the shared directory: skips reported only" 0 \
    "tests: 8 passed, 0 failed, 9 skipped" \
    CI=true TBR_SUMMARY_UID=0 TBR_SHARED="$T/no-shared" -- "$L/skips.log"
summary "outside CI as root: skips reported only" 0 "tests: 8 passed, 0 failed, 9 skipped" \
    TBR_SUMMARY_UID=0 TBR_SHARED="$SH" -- "$L/skips.log"
summary "CI=false is not CI" 0 "tests: 8 passed, 0 failed, 9 skipped" \
    CI=false TBR_SUMMARY_UID=0 TBR_SHARED="$SH" -- "$L/skips.log"
summary "CI, root, shared, no skip" 0 "tests: 5 passed, 0 failed, 0 skipped" \
    CI=true TBR_SUMMARY_UID=0 TBR_SHARED="$SH" -- "$L/clean.log"

# ---- a cmocka skip as ctest sees it ---------------------------------------------------
exits "cmocka alone: a skipped case leaves exit 0 (why the wrapper is needed)" 0 -- "$PROBE" skip
has "cmocka prints the skip" '^\[  SKIPPED \] test_skip$'
exits "wrapped: all passed -> 0" 0 -- "$RUN" "$PROBE" pass
exits "wrapped: a skipped case -> 77 (ctest: Skipped)" 77 -- "$RUN" "$PROBE" skip
has "the output passes through" '^\[  SKIPPED \] test_skip$'
exits "wrapped: a failed case -> non-zero, not 77" 1 -- "$RUN" "$PROBE" fail
exits "wrapped: failed and skipped -> failure wins" 1 -- "$RUN" "$PROBE" skipfail
exits "wrapped: TAP asked for, the skip still seen" 77 CMOCKA_MESSAGE_OUTPUT=TAP -- "$RUN" "$PROBE" skip
exits "wrapped: a program failing with status 77 is not a skip" 1 -- "$RUN" sh -c 'exit 77'

# ---- a test that needs the shared directory and does not find it ------------------------
MISSING='. "$1"; tbr_missing_shared ot/ot-cli-ftd; echo "not reached"'
exits "shared missing outside CI: skip" 77 -- bash -c "$MISSING" sh "$HERE/../common.sh"
has "says SKIP" '^SKIP: ot/ot-cli-ftd is missing' 1
exits "shared missing in CI: fail" 1 CI=true -- bash -c "$MISSING" sh "$HERE/../common.sh"
has "says FAIL" '^FAIL: ot/ot-cli-ftd is missing .*CI has it' 1

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
