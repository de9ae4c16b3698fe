#!/usr/bin/env bash
# The layering check: reads every quoted #include of src/, apps/, tests/,
# fuzz/ and bench/ and the folder libraries' target_link_libraries lines,
# and fails when one breaks the layer rules of docs/ARCHITECTURE.md (the
# ```layers block there: "folder: the folders it may include"; a folder may
# always include itself; apps/ may include every folder of src/).
#   check_layers.sh [REPO]   (default: the checkout this script is in)
set -euo pipefail
repo=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$repo"
doc=docs/ARCHITECTURE.md
rules=$(awk '/^```layers$/ {on = 1; next} /^```$/ {on = 0} on' "$doc")
[ -n "$rules" ] || {
    echo "FAIL: no \`\`\`layers block in $doc"
    exit 1
}
declare -A allowed
while IFS=: read -r folder deps; do
    [ -n "$folder" ] || continue
    allowed[$folder]=" $folder $deps "
done <<<"$rules"

bad=0 checked=0
fail() {
    echo "FAIL: $*"
    bad=$((bad + 1))
}
# Every folder of src/ must have a rule, so a new folder is placed on purpose.
for d in src/*/; do
    d=${d#src/}
    d=${d%/}
    [ -n "${allowed[$d]:-}" ] || fail "src/$d has no rule in the layers block of $doc"
done

files=$(git ls-files 'src/*.[ch]' 'apps/*.[ch]' 'tests/*.[ch]' 'fuzz/*.[ch]' 'bench/*.[ch]' 2>/dev/null ||
    find src apps tests fuzz bench -name '*.[ch]')
for f in $files; do
    top=${f%%/*}
    if [ "$top" = src ]; then
        from=${f#src/}
        from=${from%%/*}
    else
        from=$top
    fi
    while IFS= read -r inc; do
        to=${inc%%/*}
        [ "$to" != "$inc" ] || continue # a header beside the file
        checked=$((checked + 1))
        case $from in
        apps) [ "$to" != apps ] || fail "$f includes $inc: nothing includes apps/" ;;
        tests | fuzz | bench)
            [ "$to" != apps ] || fail "$f includes $inc: nothing includes apps/" ;;
        *)
            [ -d "src/$to" ] || continue # a test-support header
            case ${allowed[$from]} in
            *" $to "*) ;;
            *) fail "$f includes $inc: $from/ may include only:${allowed[$from]}" ;;
            esac
            ;;
        esac
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done

# The link graph is the layer graph: a folder library links only the
# libraries of folders it may include. Folder libraries are made by
# tbr_folder(<folder> <libraries>...) in CMakeLists.txt; a plain
# target_link_libraries(tbr_<folder> ...) counts the same.
links=$(tr '\n' ' ' <CMakeLists.txt | grep -o 'tbr_folder([^)]*)\|target_link_libraries(tbr_[a-z0-9_]*[^)]*)' || true)
while IFS= read -r l; do
    [ -n "$l" ] || continue
    case $l in
    tbr_folder*) from=$(echo "$l" | sed 's/tbr_folder(\([a-z0-9_]*\).*/\1/') ;;
    *) from=$(echo "$l" | sed 's/target_link_libraries(tbr_\([a-z0-9_]*\).*/\1/') ;;
    esac
    [ -n "$from" ] && [ -n "${allowed[$from]:-}" ] || continue
    for dep in $(echo "$l" | sed 's/^[a-z_]*([a-z0-9_]*//; s/)//; s/PUBLIC\|PRIVATE\|INTERFACE//g'); do
        case $dep in tbr_*) ;; *) continue ;; esac
        to=${dep#tbr_}
        checked=$((checked + 1))
        [ -n "${allowed[$to]:-}" ] || {
            fail "CMake: tbr_$from links $dep, which is not a folder library"
            continue
        }
        case ${allowed[$from]} in
        *" $to "*) ;;
        *) fail "CMake: tbr_$from links $dep: $from/ may use only:${allowed[$from]}" ;;
        esac
    done
done <<<"$links"

echo "layering: $checked includes and links checked, $bad broken"
[ "$bad" -eq 0 ]
