#!/usr/bin/env bash
# The test command: installs what is missing, then builds and runs every test
# twice, in a normal build and in an AddressSanitizer + UndefinedBehaviorSanitizer
# build (LeakSanitizer included), then fuzzes the schema loader for 60 s and
# the export file's reader for 30 s (scripts/fuzz.sh, a clang build). Exits
# non-zero on the first failure.
#
#   scripts/test.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

scripts/install-deps.sh
jobs=$(nproc)

run() {
  local name=$1
  shift
  echo "== $name build"
  cmake -S . -B "build/$name" -Wno-dev "$@" >/dev/null
  cmake --build "build/$name" -j "$jobs"
  ctest --test-dir "build/$name" --output-on-failure -j "$jobs"
}

run release -DCMAKE_BUILD_TYPE=RelWithDebInfo
run sanitize -DCMAKE_BUILD_TYPE=Debug -DTRAIL_SANITIZE=ON
echo "== fuzz (60 s + 30 s)"
scripts/fuzz.sh 60 fuzz_schema
scripts/fuzz.sh 30 fuzz_sync_file
echo "== all tests passed (release and sanitize builds, 90 s of fuzzing)"
