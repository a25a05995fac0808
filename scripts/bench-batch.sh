#!/usr/bin/env bash
# divert batch on W1 (DESIGN §10, docs/batch.md): whole process, JSONL file in, decision records
# to a file, lines per second for --threads 1 and 2 (best and median of RUNS, default 5), beside Node's
# JSON.parse + json-logic-engine on the same lines (../shared/bench/w1.js: lines/s = 1e9 /
# parse_eval_ns of json-logic-engine-build). Checks that the batch decides W1's 1722 matches.
# Usage: scripts/bench-batch.sh [BUILD_DIR]   (default build; configured Release)
set -euo pipefail
cd "$(dirname "$0")/.."
unset MAKEFLAGS MFLAGS MAKELEVEL

build=${1:-build}
runs=${RUNS:-5}
jobs=${JOBS:-2}
type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
if [[ $type != Release ]]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" -j "$jobs" --target divert_cli w1_driver >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/benchmarks/w1_driver" --emit "$work/w1.jsonl"
lines=$(wc -l <"$work/w1.jsonl")

rates() {  # "best median" lines/s of $runs runs of: divert batch ... --threads $1
  local t0 t1 all=()
  for ((i = 0; i < runs; i++)); do
    # The previous run's output (about 30 MB) is removed before the clock starts: the shell's
    # truncating it for `>` took about 10 ms inside the timed window, which is not divert's work.
    # The clock is bash's own (EPOCHREALTIME, microseconds), not a `date` process.
    rm -f "$work/out.jsonl"
    t0=${EPOCHREALTIME//[!0-9]/}
    "$build/divert" batch benchmarks/w1_policy.json "$work/w1.jsonl" --threads "$1" --progress never \
      >"$work/out.jsonl" 2>"$work/err.txt"
    t1=${EPOCHREALTIME//[!0-9]/}
    all+=($((lines * 1000000 / (t1 - t0))))
  done
  printf '%s\n' "${all[@]}" | sort -n | awk '{ r[NR] = $1 } END { print r[NR], r[int((NR + 1) / 2)] }'
}

read -r one one_median < <(rates 1)
matches=$(grep -c '"status":"eligible"' "$work/out.jsonl" || true)
read -r two two_median < <(rates 2)
echo "divert batch, W1 (${lines} lines, benchmarks/w1_policy.json), whole process, best (median) of $runs:"
echo "  --threads 1  ${one} lines/s (median ${one_median})"
echo "  --threads 2  ${two} lines/s (median ${two_median})"
echo "  eligible: ${matches} (W1 expects 1722)"
if [[ -f ../shared/bench/w1.js ]] && command -v node >/dev/null; then
  peers=${PEERS:-$build/peers}
  if [[ -d $peers/node_modules/json-logic-engine ]]; then
    ns=$(node ../shared/bench/w1.js --peers "$peers" | sed -n 's/^json-logic-engine-build .*parse_eval_ns=\([0-9.]*\).*/\1/p')
    [[ -n $ns ]] && awk -v ns="$ns" 'BEGIN { printf "  node JSON.parse + json-logic-engine: %.0f lines/s (parse_eval_ns=%s; evaluation only, no output)\n", 1e9 / ns, ns }'
  else
    echo "  node peer: run make bench-peers once to install json-logic-engine into $peers"
  fi
fi
[[ $matches == 1722 ]]
