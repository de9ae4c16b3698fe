#!/usr/bin/env bash
# Runs one cmocka test program for ctest (tests/CMakeLists.txt, tbr_unit).
#
#   tests/support/cmocka_run.sh PROGRAM [ARGS...]
#
# cmocka's skip() leaves the program's exit status 0 (it returns the number
# of failed tests only), so ctest would count a skipped case as passed.
# cmocka prints "[  SKIPPED ] name" for each skipped case: a run that failed
# nothing but printed that exits 77, which ctest reports as Skipped
# (SKIP_RETURN_CODE 77). A failure stays a failure: status 77 (77 failed
# cases) becomes 1 so that it cannot read as a skip; other statuses pass
# through unchanged. The output format is cmocka's standard one, whatever
# CMOCKA_MESSAGE_OUTPUT the caller set, so that the skip line is known.
set -u
export CMOCKA_MESSAGE_OUTPUT=STDOUT
out=$(mktemp "${TMPDIR:-/tmp}/tbr-cmocka.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT
"$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
[ "$rc" = 77 ] && rc=1
[ "$rc" != 0 ] && exit "$rc"
grep -q '^\[  SKIPPED \] ' "$out" && exit 77
exit 0
