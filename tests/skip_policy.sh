# When a test may skip (sourced by tests/summary.sh and by any test that
# needs the shared directory: OpenThread binaries in ot/, capture and Jool
# vectors in vectors/).
#
# CI (CI=true or CI=1) has the shared directory, so a test that needs it and
# does not find it fails there; only outside CI may it skip (exit 77).
# tests/support/skip_policy.h is the same rule for the C tests.
#
# shellcheck shell=bash

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
