#!/usr/bin/env bash
# `make bench-peers`: W1 (DESIGN §10) side by side with its peers on Node, in one run:
# ../shared/bench/w1.js times hand-written JavaScript, json-logic-js 2.0.5 and json-logic-engine
# 5.0.7 (build()); benchmarks/w1_driver times divert; ../shared/bench/w1_reference.cpp is the
# hand-written C++ floor. The runs alternate (node, divert, reference) RUNS times (default 5),
# since the machine is noisy, and the medians and the ratios divert / json-logic-engine are printed.
# The peers are installed with npm into BUILD_DIR/peers; without node, npm or ../shared it skips.
# Usage: [RUNS=5] [DIVERT_SHARED_DIR=../shared] scripts/bench-peers.sh [BUILD_DIR]   (default build)
set -euo pipefail
cd "$(dirname "$0")/.."
unset MAKEFLAGS MFLAGS MAKELEVEL  # run from make: keep the inner builds' output plain

build=${1:-build}
runs=${RUNS:-5}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
shared=${DIVERT_SHARED_DIR:-../shared}/bench  # DIVERT_SHARED_DIR: the shared folder, if not ../shared
peers=$build/peers
skip() { echo "bench-peers: skipped: $*"; exit 0; }

[[ -f $shared/w1.js ]] || skip "$shared/w1.js not found (the shared benchmark files sit beside the repository)"
command -v node >/dev/null || skip "node not found (Debian: nodejs)"

# ---- the peers, pinned ----
version_of() { node -p "require('./$peers/node_modules/$1/package.json').version" 2>/dev/null || true; }
if [[ $(version_of json-logic-js) != 2.0.5 || $(version_of json-logic-engine) != 5.0.7 ]]; then
  command -v npm >/dev/null || skip "npm not found, and $peers has no json-logic-js 2.0.5 / json-logic-engine 5.0.7"
  mkdir -p "$peers"
  [[ -f $peers/package.json ]] || echo '{"private": true, "description": "W1 peers for make bench-peers"}' >"$peers/package.json"
  (cd "$peers" && npm install --no-audit --no-fund --loglevel=error json-logic-js@2.0.5 json-logic-engine@5.0.7)
fi

# ---- divert's driver, Release ----
type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
if [[ $type != Release ]]; then
  [[ -n $type ]] && echo "bench-peers: $build was a $type build; reconfiguring it as Release" >&2
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake -S . -B "$build" -DDIVERT_BUILD_BENCHMARKS=ON >/dev/null
cmake --build "$build" -j "$jobs" --target w1_driver >/dev/null
driver=$build/benchmarks/w1_driver

# ---- the hand-written C++ reference, compiled from ../shared into the build dir ----
reference=""
if [[ -f $shared/w1_reference.cpp ]] && command -v g++ >/dev/null; then
  reference=$peers/w1_reference
  mkdir -p "$peers"
  [[ $reference -nt $shared/w1_reference.cpp ]] || g++ -O2 -std=c++17 "$shared/w1_reference.cpp" -o "$reference"
fi

# ---- alternating runs ----
results=$(mktemp)
trap 'rm -f "$results"' EXIT
shopt -s inherit_errexit
for ((run = 1; run <= runs; run++)); do
  echo "-- run $run of $runs"
  out=$(
    node "$shared/w1.js" --peers "$peers"
    "$driver" | sed 's/^W1 /divert /'
    if [[ -n $reference ]]; then "$reference"; fi
  )
  echo "$out"
  sed "s/^/$run /" <<<"$out" >>"$results"
done

# ---- medians and ratios ----
echo
awk -v runs="$runs" '
  function median(key,   n, i, j, t, a) {
    n = count[key]
    for (i = 1; i <= n; i++) a[i] = vals[key, i]
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  function add(key, v) { vals[key, ++count[key]] = v }
  $3 ~ /^eval_ns=/ {
    run = $1; engine = $2
    if (!(engine in seen)) { seen[engine] = 1; order[++engines] = engine }
    for (f = 3; f <= NF; f++) {
      split($f, kv, "="); value[run, engine, kv[1]] = kv[2]
      if (kv[1] == "eval_ns" || kv[1] == "parse_eval_ns") add(engine SUBSEP kv[1], kv[2])
    }
    if ((value[run, engine, "matches"] != 1722 || value[run, engine, "checksum"] != 86069956))
      bad = bad "  " engine " run " run ": matches=" value[run, engine, "matches"] " checksum=" value[run, engine, "checksum"] "\n"
  }
  END {
    printf "W1, 100,000 cases, median of %d alternating runs, ns per case\n", runs
    printf "%-26s %10s %15s\n", "engine", "eval_ns", "parse_eval_ns"
    for (i = 1; i <= engines; i++) {
      e = order[i]
      ev = count[e SUBSEP "eval_ns"] ? sprintf("%.2f", median(e SUBSEP "eval_ns")) : "-"
      pe = count[e SUBSEP "parse_eval_ns"] ? sprintf("%.2f", median(e SUBSEP "parse_eval_ns")) : "-"
      printf "%-26s %10s %15s\n", e, ev, pe
    }
    peer = "json-logic-engine-build"
    if (count[peer SUBSEP "eval_ns"] && count["divert" SUBSEP "eval_ns"]) {
      # Paired ratios: divert against the peer of the same run, then the median over the runs.
      for (r = 1; r <= runs; r++) {
        if (value[r, peer, "eval_ns"] > 0) add("ratio_eval", value[r, "divert", "eval_ns"] / value[r, peer, "eval_ns"])
        if (value[r, peer, "parse_eval_ns"] > 0)
          add("ratio_parse", value[r, "divert", "parse_eval_ns"] / value[r, peer, "parse_eval_ns"])
      }
      printf "\ndivert / json-logic-engine build() (median of the per-run ratios):\n"
      printf "  eval        %.2f   (target <= 0.5)\n", median("ratio_eval")
      printf "  parse_eval  %.2f   (target <= 0.25)\n", median("ratio_parse")
    } else {
      print "\nno json-logic-engine figures: no ratio"
    }
    if (bad != "") { printf "\nwrong matches/checksum (expected 1722 / 86069956):\n%s", bad; exit 1 }
  }' "$results"
