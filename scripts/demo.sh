#!/usr/bin/env bash
# `make demo`: the same arrests decided under the Thames Valley model and the proposed London pilot
# (Lewisham, Bexley, Greenwich), side by side with their reasons, then what `divert diff` finds over
# every possible case: who exactly is treated differently. Everything goes through the real tool.
#
# The scheme's area and dates are set aside (--skip-rules jurisdiction,effective), as `divert diff`
# does by default: the question is how each scheme's *rules* would treat the same person, not that
# an arrest in Lewisham is outside Thames Valley.
#
# Usage: scripts/demo.sh [BUILD_DIR]   (default build; the tool is BUILD_DIR/divert)
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build}
tool="$build/divert"
if [[ ! -x $tool ]]; then
  echo "demo: $tool not found; run \`make\` first" >&2
  exit 2
fi

a=policies/thames_valley.json
b=policies/lewisham.json
cases=examples/cases/caseload.jsonl # one {"name": ..., "case": {...}} a line
skip=(--skip-rules jurisdiction,effective)

rule() { printf '%s\n' "────────────────────────────────────────────────────────────────────────────────"; }
# One decision, indented, without the policy line (it is in the heading).
decide() {
  local label=$1 policy=$2 json=$3 rc=0 out
  out=$(printf '%s' "$json" | "$tool" eval "$policy" - "${skip[@]}") || rc=$?
  if ((rc != 0)); then
    echo "demo: $tool eval $policy failed (exit $rc)" >&2
    exit 1
  fi
  printf '  %s\n' "$label"
  grep -v '^policy:' <<<"$out" | sed 's/^/    /'
}

echo "divert demo: nine arrests under two drug-diversion schemes"
echo
echo "  A  $a: the Thames Valley model (any drug, personal use; youth and adult routes)"
echo "  B  $b: the proposed London pilot (18-24, cannabis and no other drug)"
echo
echo "Each case is decided by \`divert eval POLICY CASE ${skip[*]}\`; the area and date rules are"
echo "set aside so that both schemes' rules are asked about the same person."
echo

n=0
while IFS= read -r line; do
  [[ -z $line ]] && continue
  n=$((n + 1))
  name=$(sed -e 's/^{"name": "\([^"]*\)".*/\1/' <<<"$line")
  json=$(sed -e 's/^{"name": "[^"]*", "case": //' -e 's/}$//' <<<"$line")
  rule
  printf '%d. %s\n' "$n" "$name"
  printf '   case: %s\n\n' "$json"
  decide "A  Thames Valley:" "$a" "$json"
  echo
  decide "B  London pilot:" "$b" "$json"
  echo
done <"$cases"

rule
echo "Who is treated differently, over every possible case: divert diff $a $b --on status"
echo
plain=$(mktemp)
trap 'rm -f "$plain"' EXIT
sed -e 's/^{"name": "[^"]*", "case": //' -e 's/}$//' "$cases" >"$plain"
rc=0
"$tool" diff "$a" "$b" --on status >"$build/demo-diff.txt" || rc=$?
if ((rc > 1)); then
  echo "demo: $tool diff failed (exit $rc)" >&2
  exit 1
fi
# The regions that matter most to an evaluator, in words; the whole list is in the file.
summary=$(tail -1 "$build/demo-diff.txt")
echo "  $summary (every region, with its witness case: $build/demo-diff.txt)"
echo
echo "  Among them, A diverts and B does not:"
for theme in "person.age 0–17" "person.age 25–120" "drug other than cannabis" "substances empty"; do
  count=$(grep -F -- "$theme" "$build/demo-diff.txt" | grep -c -F '→ A eligible' || true)
  case $theme in
    "person.age 0–17") what="under-18s (B: the pilot is for 18 to 24)" ;;
    "person.age 25–120") what="adults aged 25 and over (B: age)" ;;
    "drug other than cannabis") what="any drug other than cannabis (B: cannabis only)" ;;
    "substances empty") what="no drug recorded at all (B: cannabis only)" ;;
  esac
  printf '    %-50s %3d regions\n' "$what" "$count"
done
echo
echo "  And B diverts where A does not (before A's schemes began, refused support, A's repeat rules):"
printf '    %-50s %3d regions\n' "B eligible, A not" "$(grep -c -F '· B eligible' "$build/demo-diff.txt" | tr -d ' ' || true)"
echo
echo "The nine cases above, A's status (rows) against B's (columns): divert diff ... --cases"
"$tool" diff "$a" "$b" --on status --cases "$plain" | sed -n '/^A.s status/,$p' | sed 's/^/  /' || true
"$tool" diff "$a" "$b" --html "$build/demo-diff.html" >/dev/null || true
echo
echo "The report with charts (decisions by age and by drug, each region with a witness):"
echo "  $build/demo-diff.html"
