# Shared by every shell test (sourced by tests/netns/lib.sh,
# tests/thread/lib.sh and tests/summary.sh): PASS/FAIL bookkeeping, when a
# test may skip, and a bounded wait for a condition.
#
# Skips: CI (CI=true or CI=1) has the shared directory (OpenThread binaries
# in ot/, capture and Jool vectors in vectors/), so a test that needs it and
# does not find it fails there (tbr_missing_shared); only outside CI may it
# skip (exit 77). tests/support/skip_policy.h is the same rule for C tests.
#
# PORT_OFFSET ranges of the tests that share the root namespace's loopback
# (the simulated radio is UDP multicast there; ctest runs two at a time):
# test_sim_radio 20..200 and test_nodes 40..189 (sim radio only, no
# OpenThread process), test_pcap 200..249, tbr-rcp-bench 500..539,
# test_spinel_link 600..699, test_rcp_ot 700..799, test_macfilter 800..899,
# test_routers 900..949, test_multihop 950..999, test_partitions 1000..1039.
# The namespace tests (tests/netns) have a loopback each.
#
# shellcheck shell=bash

PASS=0
FAIL=0
# pass / fail MESSAGE: one counted check, one line.
pass() {
    PASS=$((PASS + 1))
    echo "PASS: $*"
}
fail() {
    FAIL=$((FAIL + 1))
    echo "FAIL: $*"
}

# tbr_ci: true inside CI.
tbr_ci() {
    case ${CI:-} in
    true | 1) return 0 ;;
    *) return 1 ;;
    esac
}

# tbr_shared_dir: TBR_SHARED, else ../shared next to the repository.
tbr_shared_dir() {
    local top
    top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    echo "${TBR_SHARED:-$top/../shared}"
}

# tbr_missing_shared WHAT: WHAT (under the shared directory) is missing:
# exit 1 in CI, 77 (skip) elsewhere.
tbr_missing_shared() {
    if tbr_ci; then
        echo "FAIL: $1 is missing ($(tbr_shared_dir)); CI has it, so this test must run"
        exit 1
    fi
    echo "SKIP: $1 is missing ($(tbr_shared_dir))"
    exit 77
}

# wait_for SECONDS COMMAND...: runs COMMAND (a function, usually) every
# 0.2 s until it succeeds; false when SECONDS (times TBR_TEST_SLOW) pass
# first. For a condition the test waits on, instead of a fixed sleep.
wait_for() {
    local deadline=$(($(date +%s%3N) + $1 * 1000 * ${TBR_TEST_SLOW:-1}))
    shift
    until "$@"; do
        [ "$(date +%s%3N)" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}
