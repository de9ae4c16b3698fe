#!/usr/bin/env bash
# Regenerates ot-cli-ftd.txt: the `macfilter` commands below typed into an
# unmodified OpenThread ot-cli-ftd (../shared/ot, simulation, node 1, a
# fresh directory), its prompt and CRs taken off. The transcript is
# "> command" lines each followed by what OpenThread printed.
#   capture.sh [path/to/ot-cli-ftd] > ot-cli-ftd.txt
set -eu
here=$(cd "$(dirname "$0")" && pwd)
OT=${1:-$here/../../../../shared/ot/ot-cli-ftd}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cmds=(
    'macfilter'
    'macfilter addr'
    'macfilter rss'
    'macfilter rss add * 50'
    'macfilter rss add 0011223344556677 -95'
    'macfilter rss add 0011223344556678 -80'
    'macfilter addr add 1122334455667788 -70'
    'macfilter addr add 1122334455667789'
    'macfilter addr add 1122334455667789'
    'macfilter'
    'macfilter rss add-lqi * 2'
    'macfilter rss'
    'macfilter addr remove 0011223344556677'
    'macfilter rss remove 0011223344556677'
    'macfilter addr add aabbccddeeff0011'
    'macfilter addr'
    'macfilter rss add 0011 -5'
    'macfilter addr add'
    'macfilter addr denylist x'
    'macfilter addr denylist'
    'macfilter addr'
    'macfilter foo'
    'macfilter addr foo'
    'macfilter rss foo'
    'macfilter rss add-lqi * 4'
    'macfilter rss add-lqi 0011223344556677'
    'macfilter rss add-lqi zz 1'
    'macfilter rss add-lqi 0011223344556679 0'
    'macfilter rss add * 128'
    'macfilter rss add *'
    'macfilter help'
    'macfilter rss add 0011223344556677 -60'
    'macfilter rss'
    'macfilter rss add 0011223344556677 127'
    'macfilter rss'
    'macfilter rss clear'
    'macfilter addr clear'
    'macfilter addr allowlist'
    'macfilter addr'
    'macfilter addr add 0011223344556677 -200'
    'macfilter addr'
    'macfilter rss add 0x0011223344556677 -20'
    'macfilter rss add 011223344556677 -20'
    'macfilter rss add 00112233445566778 -20'
    'macfilter rss add 0011223344556677 0x10'
    'macfilter rss add 0011223344556677 -128'
    'macfilter rss add 0011223344556678 -90'
    'macfilter rss add 0011223344556679 -88'
    'macfilter rss add 001122334455667a 26'
    'macfilter rss add 001122334455667b 28'
    'macfilter rss remove'
    'macfilter rss remove *'
    'macfilter rss add-lqi * 0'
    'macfilter rss add-lqi * 1'
    'macfilter rss add-lqi * 3'
    'macfilter rss'
    'macfilter addr remove 0011223344556677'
    'macfilter'
    'macfilter addr clear extra'
    'macfilter rss clear extra'
    'macfilter'
    'macfilter addr remove'
    'macfilter addr disable'
    'macfilter'
)
{
    for c in "${cmds[@]}"; do
        printf '%s\n' "$c"
        sleep 0.1
    done
    sleep 0.5
} | (cd "$dir" && PORT_OFFSET=${PORT_OFFSET:-99} timeout 30 "$OT" 1 2>/dev/null) |
    tr -d '\r' | sed -n '/^> macfilter/,$p' | sed '/^> [^m]/,$d; /^> *$/d'
