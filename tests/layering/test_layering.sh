#!/usr/bin/env bash
# Runs the layering check on this checkout (it must pass), then on copies
# with one broken rule each (it must fail and name the file), so the check
# cannot pass by checking nothing.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
check=$here/check_layers.sh
pass=0 failed=0
ok() {
    echo "ok: $*"
    pass=$((pass + 1))
}
ko() {
    echo "FAIL: $*"
    failed=$((failed + 1))
}
if out=$("$check" "$repo" 2>&1); then ok "this tree: $(echo "$out" | tail -1)"; else
    echo "$out"
    ko "this tree breaks the layer rules"
fi
t=$(mktemp -d "${TMPDIR:-/tmp}/tbr-layering.XXXXXX")
trap 'rm -rf "$t"' EXIT
copy() { # a fresh copy of the files the check reads (not a git checkout)
    rm -rf "$t/r"
    mkdir -p "$t/r"
    (cd "$repo" && cp -r src apps tests fuzz bench docs CMakeLists.txt "$t/r/")
}
expect_fail() { # what, file that must be named
    local out
    if out=$(cd "$t/r" && "$check" "$t/r" 2>&1); then ko "$1: the check passed"; else
        if echo "$out" | grep -q "$2"; then ok "$1: refused ($2 named)"; else
            echo "$out"
            ko "$1: refused without naming $2"
        fi
    fi
}
copy
echo '#include "br/agent.h"' >>"$t/r/src/thread/node.c"
expect_fail "thread/ including br/" src/thread/node.c
copy
echo '#include "platform/settings.h"' >>"$t/r/src/dns/dns_msg.c"
expect_fail "dns/ including platform/" src/dns/dns_msg.c
copy
echo '#include "nat64/xlat.h"' >>"$t/r/src/dns/dns_msg.h"
expect_fail "dns/ including nat64/" src/dns/dns_msg.h
copy
echo '#include "apps/tbr-node/x.h"' >>"$t/r/tests/unit/test_util.c"
expect_fail "a test including apps/" tests/unit/test_util.c
copy
mkdir -p "$t/r/src/newfolder"
expect_fail "a folder without a rule" src/newfolder
copy
echo 'target_link_libraries(tbr_util PUBLIC tbr_br)' >>"$t/r/CMakeLists.txt"
expect_fail "util linking br" "tbr_util links tbr_br"
echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
