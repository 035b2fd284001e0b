#!/bin/sh
# The include graph of gen/ and runtime/ has no circle, runtime/core/
# includes nothing of audit/, history/ or driver/, and no two headers share
# an include guard (the second would silently be empty). (That trailgen
# links core/ alone the linker checks: gen/ may read a header of macros
# such as audit/event_columns.h, but cannot call what core/ lacks.)
#
# A node is a module: a source and the header named for it (gen/schema.c and
# gen/schema.h are one node), so that "schema.c needs schema_entity.c, which
# needs schema.c" shows as a circle even when the two meet through headers.
# Quoted includes are resolved as the build does: beside the file, under
# runtime/, under runtime/include/; one that resolves nowhere (a generated
# header) is left out. Usage: check_includes.sh SOURCE_DIR
set -eu
src=${1:?usage: check_includes.sh SOURCE_DIR}
cd "$src"

edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
fail=0

for f in $(find gen runtime -name '*.[ch]' | LC_ALL=C sort); do
    dir=${f%/*}
    from=${f%.*}
    # Every file is a node, also one that includes nothing.
    printf '%s %s\n' "$from" "$from" >>"$edges"
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
        to=
        for base in "$dir" runtime runtime/include; do
            if [ -f "$base/$inc" ]; then
                to=$base/$inc
                break
            fi
        done
        [ -n "$to" ] || continue
        to=${to%.*}
        # core/ is trail_base, all that trailgen links: no database below it.
        case $from:$to in
        runtime/core/*:runtime/audit/* | runtime/core/*:runtime/history/* | runtime/core/*:runtime/driver/*)
            echo "$f includes \"$inc\": core/ is the base library (trailgen's), below audit/, history/ and driver/" >&2
            fail=1
            ;;
        esac
        [ "$to" = "$from" ] || printf '%s %s\n' "$from" "$to" >>"$edges"
    done
done

# tsort names the modules of each circle it finds, one a line, on stderr.
if ! out=$(tsort <"$edges" 2>&1 >/dev/null) || [ -n "$out" ]; then
    echo "$out" | sed 's/^tsort: -: input contains a loop:$/include circle (a module is a .c with its .h):/; s/^tsort: /    /' >&2
    fail=1
fi

guards=$(for h in $(find gen runtime -name '*.h' -o -name '*.h.in'); do
    sed -n 's/^#ifndef[[:space:]]*\([A-Za-z0-9_]*_H\)[[:space:]]*$/\1/p' "$h" | head -n 1
done | LC_ALL=C sort | uniq -d)
for g in $guards; do
    echo "include guard $g is used by: $(grep -rlw "^#ifndef $g" gen runtime | tr '\n' ' ')" >&2
    fail=1
done

if [ "$fail" = 0 ]; then
    echo "gen/ and runtime/: $(awk '$1 != $2' "$edges" | wc -l) includes between modules, no circle"
fi
exit "$fail"
