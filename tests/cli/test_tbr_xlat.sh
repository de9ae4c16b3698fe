#!/usr/bin/env bash
# tbr-xlat through the real binary: packet files in, files and lines out.
# usage: test_tbr_xlat.sh TBR_XLAT VECTORS_DIR
set -u
xlat=$1
here=$(cd "$(dirname "$0")" && pwd)
mk="python3 $here/mkpkt.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

check() { # name, expected, actual
    if [ "$2" = "$3" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        printf 'FAIL %s\n  expected: %s\n  actual:   %s\n' "$1" "$2" "$3"
    fi
}

P=64:ff9b::
# Bad input: clear one-line errors and non-zero exit, nothing half-done.
bad() { # name, args...
    local name=$1
    shift
    local err rc
    err=$("$xlat" "$@" 2>&1 >/dev/null)
    rc=$?
    check "$name exits non-zero" "nonzero" "$([ $rc -ne 0 ] && echo nonzero || echo zero)"
    check "$name one line" "1" "$(printf '%s\n' "$err" | wc -l)"
}
# 1. Stateful ping: request out, reply back, unmapped address dropped.
$mk "$tmp/1.pkt" v6 fd00::1 ${P}192.0.2.1 echo
$mk "$tmp/2.pkt" v4 192.0.2.1 192.168.255.254 echoreply
$mk "$tmp/3.pkt" v4 192.0.2.1 192.168.255.9 echoreply
out=$("$xlat" --prefix 64:ff9b::/96 --out "$tmp/o1" "$tmp/1.pkt" "$tmp/2.pkt" "$tmp/3.pkt")
check "stateful ping lines" "1 ok 1|2 ok 1|3 drop no-mapping" "$(echo "$out" | paste -sd'|')"
check "6to4 output is IPv4 from the pool" "45 c0a8fffe c0000201" \
    "$(xxd -p -s 0 -l 1 "$tmp/o1/1.0.pkt") $(xxd -p -s 12 -l 4 "$tmp/o1/1.0.pkt") $(xxd -p -s 16 -l 4 "$tmp/o1/1.0.pkt")"
check "4to6 output goes to the device" "60 fd000000000000000000000000000001" \
    "$(xxd -p -l 1 "$tmp/o1/2.0.pkt") $(xxd -p -s 24 -l 16 "$tmp/o1/2.0.pkt")"

# 2. Time: --step moves the clock between packets; UDP state dies after 300 s.
$mk "$tmp/u1.pkt" v6 fd00::1 ${P}192.0.2.1 udp
$mk "$tmp/u2.pkt" v4 192.0.2.1 192.168.255.254 udp --sport 53 --dport 5000
out=$("$xlat" --prefix 64:ff9b::/96 --step 301 --out "$tmp/o2" "$tmp/u1.pkt" "$tmp/u2.pkt")
# UDP to an unmapped pool address is answered with ICMPv4 Destination
# Unreachable, so the sender stops instead of retrying blindly.
check "udp state expires with --step 301" "1 ok 1|2 icmp 1" "$(echo "$out" | paste -sd'|')"
check "expired: ICMPv4 destination unreachable to the sender" "03 c0000201" \
    "$(xxd -p -s 20 -l 1 "$tmp/o2/2.0.pkt") $(xxd -p -s 16 -l 4 "$tmp/o2/2.0.pkt")"
# A packet outside the pool is not the translator's: dropped, no file.
$mk "$tmp/4.pkt" v4 192.0.2.1 198.51.100.77 echoreply
out=$("$xlat" --prefix 64:ff9b::/96 --out "$tmp/o9" "$tmp/4.pkt")
check "outside the pool: not ours" "1 drop not-ours" "$out"
check "no file for a dropped packet" "absent" "$([ -e "$tmp/o9/1.0.pkt" ] && echo present || echo absent)"
out=$("$xlat" --prefix 64:ff9b::/96 --step 299 --out "$tmp/o3" "$tmp/u1.pkt" "$tmp/u2.pkt")
check "udp state lives with --step 299" "1 ok 1|2 ok 1" "$(echo "$out" | paste -sd'|')"

# 3. NAPT with a /32 pool and a fixed port range.
$mk "$tmp/n1.pkt" v6 fd00::1 ${P}192.0.2.1 udp --sport 7000
$mk "$tmp/n2.pkt" v6 fd00::2 ${P}192.0.2.1 udp --sport 7000
out=$("$xlat" --prefix 64:ff9b::/96 --pool 192.168.255.1/32 --napt --pool-ports 40000-40010 \
    --out "$tmp/o4" "$tmp/n1.pkt" "$tmp/n2.pkt")
check "napt lines" "1 ok 1|2 ok 1" "$(echo "$out" | paste -sd'|')"
p1=$((16#$(xxd -p -s 20 -l 2 "$tmp/o4/1.0.pkt")))
p2=$((16#$(xxd -p -s 20 -l 2 "$tmp/o4/2.0.pkt")))
check "napt ports in range and distinct" "yes" \
    "$([ "$p1" -ge 40000 ] && [ "$p1" -le 40010 ] && [ "$p2" -ge 40000 ] && [ "$p2" -le 40010 ] && [ "$p1" != "$p2" ] && echo yes || echo "no ($p1 $p2)")"

# 4. Stateless with an EAM; a DF=0 IPv4 packet too big for 1280 is fragmented.
$mk "$tmp/s1.pkt" v4 192.0.2.1 198.51.100.7 udp --nodf --len 1400 --sport 53 --dport 5000
out=$("$xlat" --stateless --prefix 64:ff9b::/96 --eam 2001:db8:3::/120=198.51.100.0/24 \
    --out "$tmp/o5" "$tmp/s1.pkt")
check "stateless fragmentation to lowest-ipv6-mtu" "1 ok 2" "$out"
check "fragments fit 1280" "yes" \
    "$([ "$(stat -c %s "$tmp/o5/1.0.pkt")" -le 1280 ] && [ "$(stat -c %s "$tmp/o5/1.1.pkt")" -le 1280 ] && echo yes || echo no)"
check "fragment goes to the EAM address" "20010db8000300000000000000000007" "$(xxd -p -s 24 -l 16 "$tmp/o5/1.0.pkt")"

# 5. Hop limit 1: an ICMPv6 Time Exceeded comes back.
$mk "$tmp/h1.pkt" v6 fd00::1 ${P}192.0.2.1 udp --ttl 1
out=$("$xlat" --prefix 64:ff9b::/96 --self6 2001:db8::1 --out "$tmp/o6" "$tmp/h1.pkt")
check "hop limit 1 answered" "1 icmp 1" "$out"
check "time exceeded type" "03" "$(xxd -p -s 40 -l 1 "$tmp/o6/1.0.pkt")"

# 6. Tables after the run.
out=$("$xlat" --prefix 64:ff9b::/96 --mappings --out "$tmp/o7" "$tmp/1.pkt")
check "mappings table printed" "1" "$(echo "$out" | grep -c 'fd00::1 |  192.168.255.254 |   N/A   |   N/A   |')"
out=$("$xlat" --prefix 64:ff9b::/96 --json --out "$tmp/o8" "$tmp/1.pkt" | tail -n 2 | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]; print("ok")')
check "json parses" "ok" "$out"

# 6b. Per-device caps: two addresses of one /64 with --max-pool-per-64 1;
#     the second is refused (ICMPv6 address unreachable) and counted by name.
$mk "$tmp/d1.pkt" v6 fd00::1 ${P}192.0.2.1 echo
$mk "$tmp/d2.pkt" v6 fd00::2 ${P}192.0.2.1 echo
$mk "$tmp/d3.pkt" v6 fd00:0:0:1::2 ${P}192.0.2.1 echo
out=$("$xlat" --prefix 64:ff9b::/96 --max-pool-per-64 1 --json --out "$tmp/od" \
    "$tmp/d1.pkt" "$tmp/d2.pkt" "$tmp/d3.pkt")
check "device pool cap lines" "1 ok 1|2 icmp 1|3 ok 1" "$(echo "$out" | head -n 3 | paste -sd'|')"
check "device pool cap counted" "1" "$(echo "$out" | tail -n 1 |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["drops"]["6to4"]["device-pool-limit"])')"
bad "bad per-64 cap" --max-sessions-per-64 x --out "$tmp/x" "$tmp/1.pkt"

# 7. Packet vectors in files (tests/vectors/nat64, built independently of
#    the translator by mkpkt.py): byte-exact outside the masked offsets.
vec=$2/nat64
[ -r "$vec/manifest.tsv" ] || { echo "FAIL: $vec/manifest.tsv missing"; exit 1; }
ins=()
while IFS=$'\t' read -r in _ _; do
    case $in in '#'* | '') continue ;; esac
    ins+=("$vec/$in")
done <"$vec/manifest.tsv"
"$xlat" --prefix 64:ff9b::/96 --out "$tmp/ov" "${ins[@]}" >/dev/null
n=0
while IFS=$'\t' read -r in exp mask; do
    case $in in '#'* | '') continue ;; esac
    n=$((n + 1))
    got=$(python3 - "$tmp/ov/$n.0.pkt" "$vec/$exp" "$mask" <<'PY'
import sys
try:
    got = open(sys.argv[1], "rb").read()
except OSError:
    print("missing"); sys.exit()
exp = open(sys.argv[2], "rb").read()
mask = set() if sys.argv[3] == "-" else {int(x) for x in sys.argv[3].split(",")}
if len(got) != len(exp):
    print("length %d, want %d" % (len(got), len(exp)))
else:
    bad = [i for i in range(len(exp)) if i not in mask and got[i] != exp[i]]
    print("same" if not bad else "differs at offset %d" % bad[0])
PY
)
    check "vector $in" "same" "$got"
done <"$vec/manifest.tsv"

# 8. Bad input: clear one-line errors and non-zero exit, nothing half-done.
bad "bad prefix" --prefix 64:ff9b::/33 --out "$tmp/x" "$tmp/1.pkt"
bad "bad pool" --pool 300.1.1.0/24 --out "$tmp/x" "$tmp/1.pkt"
bad "unknown option" --frobnicate --out "$tmp/x" "$tmp/1.pkt"
bad "missing file" --prefix 64:ff9b::/96 --out "$tmp/x" "$tmp/nonexistent.pkt"
bad "missing --out" --prefix 64:ff9b::/96 "$tmp/1.pkt"
bad "bad static" --static tcp:fd00::1=192.168.255.1 --out "$tmp/x" "$tmp/1.pkt"
bad "bad eam" --eam 2001:db8::/120=198.51.100.0/23 --out "$tmp/x" "$tmp/1.pkt"
bad "bad mtu" --mtu6 1000 --out "$tmp/x" "$tmp/1.pkt"
bad "bad ports" --pool-ports 5-1 --out "$tmp/x" "$tmp/1.pkt"
check "missing file wrote nothing" "absent" "$([ -e "$tmp/x/1.0.pkt" ] && echo present || echo absent)"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
