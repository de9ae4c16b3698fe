#!/bin/sh
# netconf on a real kernel, inside a network namespace of its own:
# NAT44 table, routes, forwarding sysctls, the forwarding policy table and
# accept_ra; idempotent setup; a flushed policy noticed; full cleanup.
#
#   test_netconf.sh PATH/TO/tbr-netconf-probe
#
# Needs root (ip netns, nft). Otherwise, or without ip/nft/netns support,
# it skips with exit status 77. Uses documentation addresses and the NAT64
# pool 192.168.255.0/24 only; sends no traffic. The namespace is always
# deleted (trap on EXIT).
set -u

PROBE=${1:?usage: test_netconf.sh PATH/TO/tbr-netconf-probe}
case $PROBE in /*) ;; *) PROBE=$(pwd)/$PROBE ;; esac

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "test_netconf needs root (network namespaces, nftables)"
command -v ip >/dev/null 2>&1 || skip "the ip program (iproute2) is missing"
command -v nft >/dev/null 2>&1 || skip "the nft program (nftables) is missing"
[ -x "$PROBE" ] || { echo "FAIL: $PROBE is not executable"; exit 1; }

NS=tbrnc-$$
TMP=$(mktemp -d /tmp/tbrnc.XXXXXX) || exit 1
cleanup() {
    ip netns del "$NS" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NS" 2>"$TMP/err" || skip "cannot create a network namespace: $(cat "$TMP/err")"

FAILS=0
N=0
inns() { ip netns exec "$NS" "$@"; }
ok() { N=$((N + 1)); echo "ok $N - $*"; }
fail() { N=$((N + 1)); FAILS=$((FAILS + 1)); echo "not ok $N - $*"; }
# expect STATUS DESCRIPTION COMMAND...: run in the namespace, compare the exit status
expect() {
    want=$1 desc=$2
    shift 2
    inns "$@" >"$TMP/out" 2>&1
    got=$?
    if [ "$got" = "$want" ]; then ok "$desc"; else
        fail "$desc (exit $got, want $want)"
        sed 's/^/    /' "$TMP/out"
    fi
}
# has/hasnt PATTERN DESCRIPTION COMMAND...: output of command (in the namespace) matches?
has() {
    pat=$1 desc=$2
    shift 2
    inns "$@" >"$TMP/out" 2>&1
    if grep -Eq -- "$pat" "$TMP/out"; then ok "$desc"; else
        fail "$desc: no /$pat/ in:"
        sed 's/^/    /' "$TMP/out"
    fi
}
hasnt() {
    pat=$1 desc=$2
    shift 2
    inns "$@" >"$TMP/out" 2>&1
    if grep -Eq -- "$pat" "$TMP/out"; then
        fail "$desc: unexpected /$pat/ in:"
        sed 's/^/    /' "$TMP/out"
    else ok "$desc"; fi
}

# Interfaces: tbrinf0 plays the infrastructure link, tbrwpan0 the Thread TUN.
inns ip link set lo up
inns ip link add tbrinf0 type veth peer name tbrinf1 2>"$TMP/err" ||
    skip "cannot create veth interfaces: $(cat "$TMP/err")"
inns ip link add tbrwpan0 type veth peer name tbrwpan1 || skip "cannot create veth interfaces"
for i in tbrinf0 tbrinf1 tbrwpan0 tbrwpan1; do inns ip link set "$i" up; done
inns ip addr add 192.0.2.2/24 dev tbrinf0
inns ip addr add 2001:db8:ffff::2/64 dev tbrinf0 nodad

# nf_tables in this kernel? (a table with a nat chain is what we need)
if ! printf 'table inet tbrprobe {\n chain p {\n  type nat hook postrouting priority srcnat;\n }\n}\n' |
    inns nft -f - 2>"$TMP/err"; then
    skip "nftables NAT is not usable in this kernel: $(cat "$TMP/err")"
fi
inns nft delete table inet tbrprobe

POOL=192.168.255.0/24
ARGS="--infra tbrinf0 --pool $POOL --dev tbrwpan0 --route4 $POOL --route6 2001:db8:1::/64 --route6 2001:db8:2::/64"

has 'ipv4=0 ipv6=0' "a fresh namespace does not forward" "$PROBE" forwarding

# --- setup, verified with the system tools -------------------------------------
expect 0 "setup" "$PROBE" setup $ARGS --forwarding
if grep -q '^old-forwarding 0,0$' "$TMP/out"; then ok "setup reports the forwarding it found"; else
    fail "setup did not report old-forwarding 0,0"
    sed 's/^/    /' "$TMP/out"
fi
has 'ipv4=1 ipv6=1' "forwarding is on" "$PROBE" forwarding
has "ip saddr 192\.168\.255\.0/24 oifname \"tbrinf0\" .*masquerade" \
    "nft: masquerade of the pool leaving the infra interface" nft list table inet tbr
has 'type nat hook postrouting priority srcnat' "nft: nat postrouting chain at srcnat" \
    nft list table inet tbr
has '^192\.168\.255\.0/24 dev tbrwpan0 .*metric 100' "ip route: pool via the Thread interface" \
    ip -4 route show
has '^2001:db8:1::/64 dev tbrwpan0 .*metric 100' "ip -6 route: first prefix" ip -6 route show
has '^2001:db8:2::/64 dev tbrwpan0 .*metric 100' "ip -6 route: second prefix" ip -6 route show
expect 0 "probe check sees everything" "$PROBE" check $ARGS

# --- the forwarding policy (table inet tbr_fw) and accept_ra ----------------------
FW="--thread tbrwpan0 --ml fdde:ad00:beef::/64 --onmesh 2001:db8:1::/64"
inns sh -c 'echo 1 > /proc/sys/net/ipv6/conf/tbrinf0/accept_ra'
expect 0 "policy and accept_ra setup" "$PROBE" setup $FW --infra tbrinf0 --accept-ra 2
has '^accept_ra=2$' "accept_ra reads 2 on the infrastructure interface" "$PROBE" accept-ra \
    --infra tbrinf0
has '^2$' "... as the kernel says" cat /proc/sys/net/ipv6/conf/tbrinf0/accept_ra
has 'type filter hook forward priority filter; policy accept;' "nft: a forward filter chain" \
    nft list table inet tbr_fw
has 'iifname "tbrwpan0" oifname "tbrwpan0" meta pkttype host counter name "thread_hairpin" drop' \
    "nft: no unicast hairpin through the Thread interface" nft list table inet tbr_fw
has 'oifname != "tbrwpan0" ip6 saddr fdde:ad00:beef::/64 counter name "mesh_local_off_mesh" drop' \
    "nft: the mesh-local /64 never leaves as a source" nft list table inet tbr_fw
has 'oifname != "tbrwpan0" ip6 daddr fdde:ad00:beef::/64 counter name "mesh_local_off_mesh" drop' \
    "nft: ... nor as a destination" nft list table inet tbr_fw
has 'oifname "tbrwpan0" meta nfproto ipv4 ct state established,related accept' \
    "nft: IPv4 into Thread only established/related" nft list table inet tbr_fw
has 'oifname "tbrwpan0" meta nfproto ipv4 counter name "to_thread_not_established" drop' \
    "nft: ... any other IPv4 into Thread dropped and counted" nft list table inet tbr_fw
has 'oifname "tbrwpan0" ip6 saddr fdde:ad00:beef::/64 counter name "to_thread_spoofed_src" drop' \
    "nft: a Thread source arriving from outside is dropped" nft list table inet tbr_fw
has 'oifname "tbrwpan0" ip6 saddr 2001:db8:1::/64 counter name "to_thread_spoofed_src" drop' \
    "nft: ... the on-mesh prefix as source too" nft list table inet tbr_fw
has 'oifname "tbrwpan0" ip6 daddr 2001:db8:1::/64 accept' "nft: the on-mesh prefix is let in" \
    nft list table inet tbr_fw
has 'oifname "tbrwpan0" meta nfproto ipv6 meta pkttype host counter name "to_thread_not_onmesh" drop' \
    "nft: other IPv6 unicast into Thread dropped and counted" nft list table inet tbr_fw
hasnt 'tbrwpan0' "the NAT44 table stays apart" nft list table inet tbr
expect 0 "probe check sees the policy" "$PROBE" check $FW
has '^to_thread_not_established 0 0$' "the named counters read back" "$PROBE" counters
n=$(inns "$PROBE" counters | wc -l)
[ "$n" = 5 ] && ok "five drop counters" || fail "$n counter lines"
inns nft list table inet tbr_fw >"$TMP/fw1"
expect 0 "policy setup again" "$PROBE" setup $FW
inns nft list table inet tbr_fw >"$TMP/fw2"
if cmp -s "$TMP/fw1" "$TMP/fw2"; then ok "second policy setup: same table"; else
    fail "second policy setup changed the table"
    diff "$TMP/fw1" "$TMP/fw2" | sed 's/^/    /'
fi
# someone flushes or deletes it: the check says so, a setup puts it back
inns nft flush table inet tbr_fw
expect 1 "check notices the flushed policy table" "$PROBE" check $FW
has 'lacks the rule' "... saying what is missing" "$PROBE" check $FW
inns nft delete table inet tbr_fw
has 'table inet tbr_fw is missing' "check notices the deleted policy table" "$PROBE" check $FW
expect 0 "policy setup after the flush" "$PROBE" setup $FW
expect 0 "... and it checks again" "$PROBE" check $FW
expect 0 "cleanup the policy" "$PROBE" cleanup --thread tbrwpan0
hasnt 'table inet tbr_fw' "nft: the policy table removed" nft list tables
inns sh -c 'echo 1 > /proc/sys/net/ipv6/conf/tbrinf0/accept_ra'
expect 0 "setup again (the cleanup took the NAT44 table too)" "$PROBE" setup $ARGS

# --- idempotent -----------------------------------------------------------------
inns nft list ruleset >"$TMP/rules1"
inns ip route show >"$TMP/r4a"
inns ip -6 route show >"$TMP/r6a"
expect 0 "setup again" "$PROBE" setup $ARGS --forwarding
inns nft list ruleset >"$TMP/rules2"
inns ip route show >"$TMP/r4b"
inns ip -6 route show >"$TMP/r6b"
if cmp -s "$TMP/rules1" "$TMP/rules2"; then ok "second setup: same ruleset"; else
    fail "second setup changed the ruleset"
    diff "$TMP/rules1" "$TMP/rules2" | sed 's/^/    /'
fi
if cmp -s "$TMP/r4a" "$TMP/r4b" && cmp -s "$TMP/r6a" "$TMP/r6b"; then
    ok "second setup: same routes"
else
    fail "second setup changed the routes"
    diff "$TMP/r4a" "$TMP/r4b" | sed 's/^/    /'
    diff "$TMP/r6a" "$TMP/r6b" | sed 's/^/    /'
fi
n=$(inns nft list table inet tbr | grep -c masquerade)
[ "$n" = 1 ] && ok "one masquerade rule after two setups" || fail "$n masquerade rules"
expect 2 "exclusive add of an existing route fails" "$PROBE" setup --exclusive --dev tbrwpan0 \
    --route4 $POOL
has 'File exists' "... saying so" "$PROBE" setup --exclusive --dev tbrwpan0 --route4 $POOL

# a changed pool/interface re-installs the table, replacing the old rule
expect 0 "setup with another infra interface" "$PROBE" setup --infra tbrinf1 --pool $POOL
has 'oifname "tbrinf1"' "the rule follows the new interface" nft list table inet tbr
hasnt 'oifname "tbrinf0"' "the old rule is gone" nft list table inet tbr
expect 1 "check against the old interface reports absent" "$PROBE" check --infra tbrinf0 \
    --pool $POOL
has 'does not masquerade' "... saying why" "$PROBE" check --infra tbrinf0 --pool $POOL
expect 0 "back to tbrinf0" "$PROBE" setup --infra tbrinf0 --pool $POOL

# other tables are left alone
inns nft -f - <<'EOF'
table ip other {
    chain c {
        type filter hook forward priority 0;
    }
}
EOF
expect 0 "setup next to a foreign table" "$PROBE" setup $ARGS
has 'table ip other' "the foreign table survives setup" nft list ruleset

# non-canonical pool text is masked
expect 0 "pool with host bits" "$PROBE" setup --infra tbrinf0 --pool 192.168.255.77/24
has 'ip saddr 192\.168\.255\.0/24 ' "masked to the network" nft list table inet tbr

# --- cleanup ----------------------------------------------------------------------
expect 0 "cleanup" "$PROBE" cleanup --dev tbrwpan0 --route4 $POOL --route6 2001:db8:1::/64 \
    --route6 2001:db8:2::/64 --restore-forwarding 0,0
hasnt 'table inet tbr' "nft: table removed" nft list ruleset
has 'table ip other' "nft: the foreign table is still there" nft list ruleset
hasnt '192\.168\.255\.0/24' "ip route: pool route removed" ip -4 route show
hasnt '2001:db8:[12]::/64' "ip -6 route: prefixes removed" ip -6 route show
has 'ipv4=0 ipv6=0' "forwarding restored" "$PROBE" forwarding
expect 0 "probe absent agrees" "$PROBE" absent $ARGS
expect 0 "cleanup again (nothing left) succeeds" "$PROBE" cleanup --dev tbrwpan0 --route4 $POOL
has 'was absent' "... and says the route was absent" "$PROBE" cleanup --dev tbrwpan0 \
    --route4 $POOL
expect 1 "check fails when nothing is installed" "$PROBE" check $ARGS

# --- one process: setup, check, netconf_cleanup() undoes it all -----------------
expect 0 "cycle (cleanup through the handle restores everything)" "$PROBE" cycle $ARGS \
    --forwarding $FW --accept-ra 2
if grep -q '^accept_ra before 1 after cleanup 1$' "$TMP/out"; then
    ok "cycle: accept_ra set to 2, then restored to 1"
else
    fail "cycle did not restore accept_ra"
    sed 's/^/    /' "$TMP/out"
fi
hasnt 'table inet tbr' "nft: nothing left after cycle (NAT44 and policy)" nft list ruleset
hasnt '192\.168\.255\.0/24|2001:db8:[12]::' "routes: nothing left after cycle" ip route show table all
# forwarding already on before the agent: left on
inns sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
expect 0 "cycle with IPv4 forwarding already on" "$PROBE" cycle $ARGS --forwarding
has 'ipv4=1 ipv6=0' "forwarding as found (IPv4 on, IPv6 off)" "$PROBE" forwarding
inns sh -c 'echo 0 > /proc/sys/net/ipv4/ip_forward'

# --- errors are clear --------------------------------------------------------------
has 'nftables is not available: the nft program was not found' "missing nft binary" \
    "$PROBE" setup --nft /nonexistent/nft --infra tbrinf0 --pool $POOL
expect 2 "... is an error exit" "$PROBE" setup --nft /nonexistent/nft --infra tbrinf0 --pool $POOL
cat >"$TMP/fake-nft" <<'EOF'
#!/bin/sh
cat >/dev/null
echo "Error: Could not process rule: Operation not supported" >&2
exit 1
EOF
chmod +x "$TMP/fake-nft"
has 'kernel lacks nftables NAT support' "kernel without nf_tables is explained" \
    "$PROBE" setup --nft "$TMP/fake-nft" --infra tbrinf0 --pool $POOL
has 'interface nosuch0: No such device' "route on a missing interface" \
    "$PROBE" setup --dev nosuch0 --route4 198.51.100.0/24
expect 64 "bad pool is a usage error" "$PROBE" setup --infra tbrinf0 --pool 300.1.2.3/24
has 'invalid nftables table name' "bad table name" "$PROBE" --table 'x;y' check --infra tbrinf0 \
    --pool $POOL
has 'invalid nftables table name' "a name with no room for its _fw twin" "$PROBE" \
    --table abcdefghijklmnopqrstuvwxyzABC check --infra tbrinf0 --pool $POOL
has 'invalid Thread interface name' "Thread interface name with a quote is refused" \
    "$PROBE" setup --thread 'a"b'
has 'invalid infrastructure interface name' "interface name with a quote is refused" \
    "$PROBE" setup --infra 'a"b' --pool $POOL
hasnt 'table' "the refused names installed nothing" nft list tables inet

echo "$N checks, $FAILS failed"
[ "$FAILS" = 0 ]
