#!/usr/bin/env bash
# Fuzzes trailgen's schema loader (tests/fuzz/fuzz_schema.c) with libFuzzer for
# SECONDS (default 60), starting from a copy of the seed corpus
# tests/fuzz/corpus, so the corpus in the tree never changes. Builds with
# clang in build/fuzz (TRAIL_FUZZ=ON: ASan + UBSan + LeakSanitizer, coverage
# on every target). Exits non-zero on any crash, leak, timeout, out-of-memory
# or sanitizer report; the input that caused it is kept in build/fuzz/artifacts.
#
#   scripts/fuzz.sh [SECONDS]
#
# TRAIL_FUZZ_BUILD_DIR overrides the build directory.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

seconds=${1:-60}
case $seconds in
'' | *[!0-9]* | 0)
  echo "usage: scripts/fuzz.sh [SECONDS]   (a whole number of seconds, 1 or more)" >&2
  exit 2
  ;;
esac
build=${TRAIL_FUZZ_BUILD_DIR:-build/fuzz}
command -v clang >/dev/null || {
  echo "fuzz: clang is missing; run scripts/install-deps.sh" >&2
  exit 1
}

# Only fuzz_schema and what it links are built; the tests are configured (the
# fuzz targets live under tests/) but not compiled.
CC=clang cmake -S . -B "$build" -Wno-dev -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTRAIL_FUZZ=ON -DTRAIL_BUILD_TESTS=ON -DTRAIL_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target fuzz_schema -j "$(nproc)"

work=$(mktemp -d "${TMPDIR:-/tmp}/trail-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
cp tests/fuzz/corpus/* "$work/corpus/"
artifacts="$root/$build/artifacts"
mkdir -p "$artifacts"

# libFuzzer returns non-zero on the first crash, leak (LeakSanitizer), timeout
# (-timeout per input) or out-of-memory (-rss_limit_mb, -malloc_limit_mb).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
"$build/tests/fuzz/fuzz_schema" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 -dict=tests/fuzz/schema.dict \
  -artifact_prefix="$artifacts/" "$work/corpus" 2>"$work/fuzz.log" || status=$?
# libFuzzer's progress lines would fill the log; keep its summary, or its report on failure.
if [ "$status" -ne 0 ]; then
  tail -n 80 "$work/fuzz.log" >&2
  echo "fuzz: fuzz_schema failed (exit $status); the input is in $artifacts" >&2
  echo "fuzz: replay it with $build/tests/fuzz/fuzz_schema <file>" >&2
  exit 1
fi
grep -E '^(stat::|Done )' "$work/fuzz.log" || true
echo "fuzz: no crash, leak or timeout in $seconds s"
