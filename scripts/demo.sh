#!/usr/bin/env bash
# The demo command: installs what is missing, builds the demo (build/demo),
# runs it on a new SQLite file, then shows the history it left with
# `trail log` and checks it with `trail verify`. Exits non-zero if any step
# fails.
#
#   scripts/demo.sh
#
# The database stays in build/demo/demo.db for a look of your own:
#   build/demo/tools/trail log --json build/demo/demo.db
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

build=build/demo
db=$build/demo.db

echo "== Installing what is missing (scripts/install-deps.sh)"
scripts/install-deps.sh

echo "== Building trail and the demo in $build (schema/shop.yaml becomes C at build time)"
mkdir -p "$build"
# The compiler's progress goes to a log, shown only when the build fails.
if ! { cmake -S . -B "$build" -Wno-dev -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTRAIL_BUILD_TESTS=OFF -DTRAIL_BUILD_BENCH=OFF -DTRAIL_BUILD_EXAMPLES=ON &&
  cmake --build "$build" -j "$(nproc)" --target shop_demo trail; } >"$build/build.log" 2>&1; then
  tail -n 40 "$build/build.log" >&2
  echo "demo: the build failed; the whole log is in $build/build.log" >&2
  exit 1
fi

echo "== Running the demo: $build/examples/shop/shop_demo $db"
rm -f "$db" "$db-wal" "$db-shm"
"$build/examples/shop/shop_demo" "$db"

echo
echo "== The history it left: trail log $db"
"$build/tools/trail" log "$db"

echo
echo "== Checking it: trail verify $db"
"$build/tools/trail" verify "$db"

echo
echo "== Demo done. Explore: $build/tools/trail --help; the database is $db"
