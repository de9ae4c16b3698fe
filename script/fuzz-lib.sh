# shellcheck shell=bash
# Sourced by script/test and script/fuzz (from the repository's root): the
# libFuzzer harnesses and their seed corpora.

# Every harness fuzz/CMakeLists.txt builds, one a line.
fuzz_harnesses() {
    grep -oE '(add_executable\(|set\(h )fuzz_[a-z0-9_]+' fuzz/CMakeLists.txt |
        sed -E 's/^(add_executable\(|set\(h )//'
}

# Seeds a corpus with one field of every frame of the Thread captures.
seed_from_vectors() { # field, strip-fcs|keep, dir
    local v hex i=0 shared=${TBR_SHARED:-$(pwd)/../shared}
    for v in "$shared"/vectors/thread/*.vec; do
        [ -e "$v" ] || continue
        while read -r hex; do
            i=$((i + 1))
            [ "$2" = strip-fcs ] && hex=${hex%????}
            printf '%s' "$hex" | xxd -r -p >"$3/$(basename "$v" .vec)-$i"
        done < <(grep "^$1: " "$v" | cut -d' ' -f2)
    done
}

# Fills dir with a harness's seeds: its committed corpus (fuzz/corpus/NAME/
# for fuzz_NAME, made by fuzz/corpus/gen.py) and inputs from the test
# vectors (../shared's captures, tests/vectors).
fuzz_seed() { # harness, dir
    local h=$1 dir=$2 v
    if [ -d "fuzz/corpus/${h#fuzz_}" ]; then
        cp fuzz/corpus/"${h#fuzz_}"/* "$dir"/
    fi
    case $h in
    fuzz_mac) # captured OpenThread frames, FCS stripped (the harness adds it)
        seed_from_vectors psdu strip-fcs "$dir" ;;
    fuzz_lowpan) # the 6LoWPAN payloads of the captured frames
        seed_from_vectors mac_payload keep "$dir" ;;
    fuzz_ip6) # the decompressed IPv6 packets of the captured frames
        seed_from_vectors lowpan_decompressed_ipv6 keep "$dir" ;;
    fuzz_ra) # the hand-made RA/RS vectors (hex, '#' comments)
        for v in tests/vectors/ra/*.hex; do
            sed 's/#.*//' "$v" | xxd -r -p >"$dir/$(basename "$v" .hex)"
        done ;;
    fuzz_dns_client) # the resolver's answer vectors behind a selector byte (AAAA, fallback, ID patched in)
        for v in tests/vectors/dns_client/*.hex; do
            { printf '\006'; sed 's/#.*//' "$v" | xxd -r -p; } >"$dir/$(basename "$v" .hex)"
        done ;;
    fuzz_6to4 | fuzz_4to6) # our own packet vectors
        find tests/vectors -name '*.pkt' -exec cp {} "$dir"/ \; 2>/dev/null || true ;;
    *) # the committed corpus only, or none: the harnesses build valid shapes
        ;;
    esac
}
