#!/usr/bin/env bash
# ctest w1.generator_matches_node: `w1_driver --emit` must write, byte for byte, the JSONL that
# `node w1.js --emit` writes (100,000 cases). Exits 77 (skipped) without node or without w1.js.
# Usage: check_w1_emit.sh W1_DRIVER PATH/TO/w1.js
set -euo pipefail
driver=$1 w1js=$2
if [[ ! -f $w1js ]]; then echo "skipped: $w1js not found"; exit 77; fi
if ! command -v node >/dev/null; then echo "skipped: node not found"; exit 77; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node "$w1js" --emit "$tmp/node.jsonl"
"$driver" --emit "$tmp/driver.jsonl"
cmp "$tmp/node.jsonl" "$tmp/driver.jsonl"
echo "identical: $(wc -l <"$tmp/driver.jsonl") lines, $(wc -c <"$tmp/driver.jsonl") bytes"
