#!/usr/bin/env bash
# The closing lines of script/test: passed, failed and skipped counted apart
# over ctest logs, and the skip policy of CI.
#
#   tests/summary.sh [--extra-passed N] [--extra-failed NAME]... LOG...
#
# Each LOG is the output of one `ctest` run; its file name labels it in
# messages (script/test names them after the build directory). Every
# per-test line of ctest ("3/50 Test #3: name .... Passed   0.01 sec")
# counts once:
#   Passed                                   -> passed
#   ***Skipped (SKIP_RETURN_CODE, 77 here),
#   ***Not Run (Disabled)                    -> skipped
#   anything else (***Failed, ***Timeout, ***Exception: ..., ***Not Run:
#   the executable is missing)               -> failed, as ctest counts it.
# ctest's own percentage line counts a skipped test as passed; it is read
# only to check that every test of the run was seen ("F tests failed out of
# T": T excludes disabled tests). A log without it, or that does not add up,
# is a failure: a run that died half-way must not look clean.
# --extra-passed adds N passes (script/test: the fuzz harnesses that ran
# clean); --extra-failed NAME adds one named failure.
#
# Skip policy: when CI is set (CI=true or CI=1), we run as root and the
# shared directory is present (TBR_SHARED, else ../shared next to the
# repository), CI can run every test, so each skip is reported as a failure
# naming the test. Otherwise skips are listed and do not fail the run.
# TBR_SUMMARY_UID stands in for `id -u` (for tests/summary/test_summary.sh).
#
# The last line is exactly "tests: N passed, N failed, N skipped". Exit
# status 0 only with no failure and no skip the policy refuses.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/common.sh
. "$here/common.sh"

passed=0
failed=0
skipped=0
problems=()
skips=()
while [ $# -gt 0 ]; do
    case $1 in
    --extra-passed)
        passed=$((passed + ${2:?--extra-passed N}))
        shift 2
        ;;
    --extra-failed)
        failed=$((failed + 1))
        problems+=("FAIL: ${2:?--extra-failed NAME}")
        shift 2
        ;;
    --)
        shift
        break
        ;;
    -*)
        echo "usage: $0 [--extra-passed N] [--extra-failed NAME]... LOG..." >&2
        exit 2
        ;;
    *) break ;;
    esac
done

for log in "$@"; do
    label=$(basename "$log")
    if [ ! -r "$log" ]; then
        failed=$((failed + 1))
        problems+=("FAIL: $label: no ctest log ($log)")
        continue
    fi
    # name<TAB>class per test; then "total F T" from the percentage line.
    counts=$(sed -n -E \
        -e 's/^ *[0-9]+\/[0-9]+ +Test +#[0-9]+: ([^ ]+) \.*( +|\*\*\*)(.*[^ ]) +[0-9.]+ sec$/\1\t\3/p' \
        -e 's/^[0-9]+% tests passed, ([0-9]+) tests? failed out of ([0-9]+)$/total \1 \2/p' "$log")
    p=0 f=0 s=0 disabled=0 total=
    while IFS=$'\t' read -r name status; do
        case $name in
        "") ;;
        "total "*)
            read -r _ tf tt <<<"$name"
            total="$tf $tt"
            ;;
        *)
            case $status in
            Passed) p=$((p + 1)) ;;
            Skipped) s=$((s + 1)) && skips+=("$name ($label)") ;;
            "Not Run (Disabled)") s=$((s + 1)) && disabled=$((disabled + 1)) &&
                skips+=("$name ($label, disabled)") ;;
            *)
                f=$((f + 1))
                problems+=("FAIL: $name ($label): $status")
                ;;
            esac
            ;;
        esac
    done <<<"$counts"
    if [ -z "$total" ]; then
        f=$((f + 1))
        problems+=("FAIL: $label: no ctest summary line (\"N tests failed out of M\"): the run did not finish")
    elif [ "${total% *}" != "$f" ] || [ "${total#* }" != $((p + f + s - disabled)) ]; then
        problems+=("FAIL: $label: ctest says ${total% *} failed out of ${total#* }; the log shows $p passed, $f failed, $((s - disabled)) skipped")
        f=$((f + 1))
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
done

refuse_skips=0
if [ "$skipped" -gt 0 ] && tbr_ci && [ "${TBR_SUMMARY_UID:-$(id -u)}" = 0 ] &&
    [ -d "$(tbr_shared_dir)" ]; then
    refuse_skips=1
fi
for t in "${skips[@]}"; do
    if [ "$refuse_skips" = 1 ]; then
        echo "FAIL: skipped in CI: $t: CI runs as root with $(tbr_shared_dir), so this test must run" \
            "(its reason: ctest -R '^${t%% *}\$' -V)"
    else
        echo "SKIPPED: $t"
    fi
done
for m in "${problems[@]}"; do echo "$m"; done

if [ "$failed" = 0 ] && [ "$refuse_skips" = 0 ]; then
    if [ "$skipped" = 0 ]; then
        echo "== all tests passed =="
    else
        echo "== no test failed; $skipped skipped (not run, see SKIPPED above) =="
    fi
    status=0
else
    echo "== FAILED: $failed failed$([ "$refuse_skips" = 1 ] && echo ", $skipped skipped where CI must run them") =="
    status=1
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
