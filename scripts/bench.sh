#!/usr/bin/env bash
# `make bench`: builds the benchmarks in Release, runs the W1 driver (its one line) and then every
# Google Benchmark binary (benchmarks/bench_*.cpp). Timings, not tests: see DESIGN §10.
# Usage: scripts/bench.sh [BUILD_DIR]   (default build)
# Extra Google Benchmark flags: BENCH_FLAGS='--benchmark_filter=W1 --benchmark_repetitions=5'
set -euo pipefail
cd "$(dirname "$0")/.."
unset MAKEFLAGS MFLAGS MAKELEVEL  # run from make: keep the inner builds' output plain

build=${1:-build}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}

# Benchmarks are only meaningful optimised: configure the build dir as Release.
type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
if [[ $type != Release ]]; then
  [[ -n $type ]] && echo "bench: $build was a $type build; reconfiguring it as Release" >&2
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake -S . -B "$build" -DDIVERT_BUILD_BENCHMARKS=ON >/dev/null
benches=(w1_driver)
if grep -q '^benchmark_DIR:PATH=.*NOTFOUND' "$build/CMakeCache.txt"; then
  echo "bench: Google Benchmark not found (Debian: libbenchmark-dev); running w1_driver only" >&2
else
  for source in benchmarks/bench_*.cpp; do
    [[ -e $source ]] && benches+=("$(basename "$source" .cpp)")
  done
fi
cmake --build "$build" -j "$jobs" --target "${benches[@]}"

echo "== W1 driver ($build/benchmarks/w1_driver)"
"$build/benchmarks/w1_driver"
for bench in "${benches[@]:1}"; do
  echo
  echo "== $bench"
  # shellcheck disable=SC2086  # BENCH_FLAGS is a list of flags
  "$build/benchmarks/$bench" ${BENCH_FLAGS:-}
done
