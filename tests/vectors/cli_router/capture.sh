#!/usr/bin/env bash
# Regenerates ot-cli-ftd.txt: the router-role commands below typed into an
# unmodified OpenThread ot-cli-ftd (../shared/ot, simulation, node 1, a
# fresh directory, thread not started), its prompt and CRs taken off. The
# transcript is "> command" lines each followed by what OpenThread printed;
# test_node_cli_router replays it against tbr's CLI byte for byte.
# Left out on purpose: `childmax` (the simulation build allows 128
# children, tbr OpenThread's posix 64) and `partitionid preferred` (a
# reference-device command the binary lacks); test_node_cli_router checks
# those against cli.cpp / child_table.cpp.
#   capture.sh [path/to/ot-cli-ftd] > ot-cli-ftd.txt
set -eu
here=$(cd "$(dirname "$0")" && pwd)
OT=${1:-$here/../../../../shared/ot/ot-cli-ftd}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cmds=(
    'routerselectionjitter'
    'routerselectionjitter 0'
    'routerselectionjitter'
    'routerselectionjitter 256'
    'routerselectionjitter abc'
    'routerselectionjitter 1 2'
    'routerselectionjitter -1'
    'routerselectionjitter 0x10'
    'routerselectionjitter'
    'routerupgradethreshold'
    'routerupgradethreshold 0'
    'routerupgradethreshold'
    'routerupgradethreshold 300'
    'routerupgradethreshold 16 1'
    'routerdowngradethreshold'
    'routerdowngradethreshold 255'
    'routerdowngradethreshold'
    'routerdowngradethreshold x'
    'routereligible'
    'routereligible disable'
    'routereligible'
    'routereligible foo'
    'routereligible enable x'
    'routereligible'
    'routereligible 1'
    'leaderweight'
    'leaderweight 255'
    'leaderweight 256'
    'leaderweight'
    'leaderweight 1 2'
    'leaderweight 64'
    'partitionid'
    'partitionid foo'
    'partitionid 1'
    'leaderdata'
    'router table'
    'router list'
    'router 0'
    'router 62'
    'router 63'
    'router 0x0400'
    'router 0x0401'
    'router 0xfc00'
    'router foo'
    'router'
    'router 70000'
    'neighbor table'
    'neighbor list'
    'neighbor'
    'neighbor foo'
    'eidcache'
    'eidcache x'
    'child table'
    'child list'
    'childtable'
)
{
    for c in "${cmds[@]}"; do
        printf '%s\n' "$c"
        sleep 0.1
    done
    sleep 0.5
} | (cd "$dir" && PORT_OFFSET=${PORT_OFFSET:-1013} timeout 30 "$OT" 1 2>/dev/null) |
    tr -d '\r' | sed -n '/^> routerselectionjitter/,$p' | sed '/^> *$/d'
