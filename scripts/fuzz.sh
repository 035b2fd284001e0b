#!/usr/bin/env bash
# Fuzzes with libFuzzer, SECONDS (default 60) per target, each target starting
# from a copy of its seed corpus, so the corpora in the tree never change:
#
#   fuzz_schema     trailgen's schema loader   tests/fuzz/corpus, schema.dict
#   fuzz_sync_file  the export file's reader   tests/fuzz/corpus_sync_file, sync_file.dict
#
# Builds with clang in build/fuzz (TRAIL_FUZZ=ON: ASan + UBSan +
# LeakSanitizer, coverage on every target). Exits non-zero on any crash, leak,
# timeout, out-of-memory or sanitizer report; the input that caused it is kept
# in build/fuzz/artifacts.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     (default: every target)
#
# TRAIL_FUZZ_BUILD_DIR overrides the build directory.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

seconds=${1:-60}
case $seconds in
'' | *[!0-9]* | 0)
  echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (a whole number of seconds, 1 or more)" >&2
  exit 2
  ;;
esac
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_schema fuzz_sync_file)
for target in "${targets[@]}"; do
  case $target in
  fuzz_schema | fuzz_sync_file) ;;
  *)
    echo "fuzz: no target $target (fuzz_schema, fuzz_sync_file)" >&2
    exit 2
    ;;
  esac
done
build=${TRAIL_FUZZ_BUILD_DIR:-build/fuzz}
command -v clang >/dev/null || {
  echo "fuzz: clang is missing; run scripts/install-deps.sh" >&2
  exit 1
}

# Only the targets and what they link are built; the tests are configured (the
# fuzz targets live under tests/) but not compiled.
CC=clang cmake -S . -B "$build" -Wno-dev -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTRAIL_FUZZ=ON -DTRAIL_BUILD_TESTS=ON -DTRAIL_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target "${targets[@]}" -j "$(nproc)"

work=$(mktemp -d "${TMPDIR:-/tmp}/trail-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
artifacts="$root/$build/artifacts"
mkdir -p "$artifacts"

# libFuzzer returns non-zero on the first crash, leak (LeakSanitizer), timeout
# (-timeout per input) or out-of-memory (-rss_limit_mb, -malloc_limit_mb).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for target in "${targets[@]}"; do
  case $target in
  fuzz_schema) seeds=tests/fuzz/corpus dict=tests/fuzz/schema.dict ;;
  fuzz_sync_file) seeds=tests/fuzz/corpus_sync_file dict=tests/fuzz/sync_file.dict ;;
  esac
  mkdir "$work/$target"
  cp "$seeds"/* "$work/$target/"
  status=0
  "$build/tests/fuzz/$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -dict="$dict" \
    -artifact_prefix="$artifacts/" "$work/$target" 2>"$work/$target.log" || status=$?
  # libFuzzer's progress lines would fill the log; keep its summary, or its report on failure.
  if [ "$status" -ne 0 ]; then
    tail -n 80 "$work/$target.log" >&2
    echo "fuzz: $target failed (exit $status); the input is in $artifacts" >&2
    echo "fuzz: replay it with $build/tests/fuzz/$target <file>" >&2
    exit 1
  fi
  grep -E '^(stat::|Done )' "$work/$target.log" || true
  echo "fuzz: $target: no crash, leak or timeout in $seconds s"
done
