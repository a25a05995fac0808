#!/bin/sh
# Differential test of divert's JsonLogic engine against the reference implementations:
# random rules through json-logic-js 2.0.5 (javascript dialect) and json-logic-engine 5.0.7
# (specification dialect) and through `divert jsonlogic eval`, compared result by result
# (tests/differential/random_rules.js). Optional: it needs Node and npm, and is not part of
# `make test` (ctest runs it only when BUILD/peers/node_modules is already there).
#
#   scripts/differential.sh [BUILD_DIR] [random_rules.js options...]
#   scripts/differential.sh build --count 5000 --seed 7
#   scripts/differential.sh build --dialect specification --engine-mode optimized
#
# Installs the two packages into BUILD_DIR/peers (once), builds the tool, runs the script.
# Exit status: 0 when every family reaches its target, 1 when one does not, 2 when it cannot run.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=build
case "${1:-}" in
  -*|"") ;;
  *) build=$1; shift ;;
esac
case "$build" in
  /*) ;;
  *) build="$root/$build" ;;
esac

for tool in node npm cmake; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "differential.sh: $tool is not installed" >&2
    exit 2
  fi
done

peers="$build/peers"
if [ ! -d "$peers/node_modules/json-logic-js" ] || [ ! -d "$peers/node_modules/json-logic-engine" ]; then
  mkdir -p "$peers"
  npm install --prefix "$peers" --no-audit --no-fund --silent json-logic-js@2.0.5 json-logic-engine@5.0.7
fi

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build" --target divert_cli -j "${JOBS:-2}"

exec node "$root/tests/differential/random_rules.js" --divert "$build/divert" --peers "$peers/node_modules" "$@"
