#!/usr/bin/env bash
# Runs divert's libFuzzer targets one after the other (make fuzz): each for SECONDS on a working
# copy of its corpus (fuzz/corpus/<target> stays as it is), one process, one job. A crash or a
# sanitizer report stops that target and keeps the input in BUILD/artifacts/<target>/; add it to
# tests/fuzz_regressions/<target>/ (the replay test runs it from then on) and fix the engine.
#
#   fuzz/run.sh BUILD SECONDS [TARGET...]      e.g. fuzz/run.sh build-fuzz 60 policy case
#
# Prints a line per target: executions, seconds, corpus size; exits 1 if any target failed.
# FUZZ_FLAGS adds libFuzzer flags (e.g. -max_len=65536).
set -uo pipefail

build=${1:?usage: run.sh BUILD SECONDS [TARGET...]}
seconds=${2:-60}
shift 2 || true
targets=("$@")
((${#targets[@]})) || targets=(policy case jsonlogic csv jsonl)
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)

summary=() failed=0
for t in "${targets[@]}"; do
  bin="$build/fuzz_$t"
  [[ -x $bin ]] || { echo "fuzz: no $bin (build it: make fuzz)" >&2; exit 2; }
  work="$build/corpus/$t" artifacts="$build/artifacts/$t"
  mkdir -p "$work" "$artifacts"
  cp -n "$root/fuzz/corpus/$t/"* "$work/" 2>/dev/null || true
  log="$build/fuzz_$t.log"
  echo "fuzz: $t for ${seconds}s (log: $log)"
  # -timeout: one input taking this long is a finding too; -rss_limit_mb: so is this much memory.
  # shellcheck disable=SC2086
  "$bin" "$work" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2560 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" -close_fd_mask=1 ${FUZZ_FLAGS:-} >"$log" 2>&1
  rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' | tail -1)
  files=$(find "$work" -type f | wc -l)
  line=$(printf '%-10s %10s execs in %5ss, corpus %6s files' "$t" "${runs:-?}" "${secs:-$seconds}" "$files")
  if ((rc != 0)); then
    failed=1
    line+="  FAILED (exit $rc): $(ls -t "$artifacts" | head -1)"
    grep -m1 -E 'ERROR: |runtime error|uncaught exception|divert fuzz:' "$log" | cut -c1-200 >&2
  fi
  summary+=("$line")
  echo "$line"
done
echo
echo "fuzz: summary"
printf '  %s\n' "${summary[@]}"
exit "$failed"
