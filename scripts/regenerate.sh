#!/usr/bin/env bash
# Regenerates generated/<name>/ from every schema/<name>.yaml with the
# trailgen of this tree, so that the checked-in output matches the generator
# again (the `gen_golden` test fails until it does). Builds trailgen into
# build/release first (a no-op when it is up to date); TRAILGEN=/path/to/trailgen
# uses that binary instead.
#
#   scripts/regenerate.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if [ -z "${TRAILGEN:-}" ]; then
  if [ ! -f build/release/CMakeCache.txt ]; then
    cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo -Wno-dev >/dev/null
  fi
  cmake --build build/release --target trailgen -j "$(nproc)" >/dev/null
  TRAILGEN=$root/build/release/gen/trailgen
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

for schema in schema/*.yaml; do
  name=$(basename "$schema" .yaml)
  out=generated/$name
  # Run from the root with a relative path: the banners then read "from <name>.yaml".
  # trailgen leaves files whose content is unchanged alone, so only real changes show in git.
  "$TRAILGEN" "$schema" -o "$out"
  # Files the generator no longer writes (a driver or an entity gone) go too:
  # the scratch run lists what one run writes.
  "$TRAILGEN" "$schema" -o "$scratch/$name"
  for f in "$out"/*; do
    [ -e "$scratch/$name/$(basename "$f")" ] || { rm -f "$f"; echo "removed $f"; }
  done
  echo "$out: $(ls "$out" | wc -l) files"
done

# Output of schemas that are gone.
for dir in generated/*/; do
  name=$(basename "$dir")
  [ -f "schema/$name.yaml" ] || { rm -rf "$dir"; echo "removed $dir"; }
done
