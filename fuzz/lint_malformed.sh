#!/usr/bin/env bash
# Malformed policies that no test has seen, through `divert lint` (DESIGN §11: bad input never
# crashes and never silently passes). Generates, in a scratch directory beside copies of the
# shipped policies and schemas:
#   - every shipped policy cut short at 24 places, and mutated 40 times each (a byte deleted,
#     inserted, replaced or doubled; a line dropped or doubled) - deterministic, so a failure
#     repeats;
#   - garbage (bytes of the divert binary itself), NUL bytes, invalid UTF-8, a byte order mark;
#   - nesting 100,000 deep (arrays, objects, operators, in a condition, a parameter, a predicate,
#     a case schema), huge numbers (1e400, 400 digits), huge strings, 100,000 rules, an
#     operation with 70,000 arguments, 100,000 predicates each using the next, predicates that
#     double at each step;
#   - cycles: extends itself, two policies extending each other, a chain of 40, predicates in a
#     cycle, a case schema extending itself, extends naming a directory or /dev/null;
#   - typos and type errors: misspelt operators, facts, enum values, keys and disposals; a
#     string compared with a number; conditions that are not conditions.
# Each must make `divert lint` exit 1 (or 2) with every line of its report located
# (FILE:LINE:COLUMN: or FILE: /pointer:), within 60 seconds; a mutant that is still a valid
# policy may exit 0. A crash, a hang, an exception escaping to main ("divert: ...") or an
# unlocated error fails the script, which names the file and keeps it (KEEP=1 keeps them all).
#
#   fuzz/lint_malformed.sh build/divert
set -uo pipefail

divert=${1:?usage: lint_malformed.sh DIVERT}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/divert-lint-malformed.XXXXXX")
keep=${KEEP:-0}
cleanup() { ((keep)) || rm -rf "$work"; }
trap cleanup EXIT

cp "$root"/policies/*.json "$root"/policies/variants/*.json "$work"/
mkdir -p "$work/schemas" && cp "$root"/schemas/*.json "$work/schemas/"

failures=0 checked=0

# check FILE EXPECT: EXPECT is "error" (must exit 1 or 2) or "any" (0 allowed: still valid).
check() {
  local file=$1 expect=$2 rc
  timeout 60 "$divert" lint "$file" </dev/null >"$work/out" 2>"$work/err"
  rc=$?
  checked=$((checked + 1))
  local why=""
  if ((rc == 124)); then
    why="took more than 60 s"
  elif ((rc >= 128)); then
    why="killed by signal $((rc - 128))"
  elif ((rc != 0 && rc != 1 && rc != 2)); then
    why="exit $rc"
  elif [[ $expect == error ]] && ((rc == 0)); then
    why="exit 0: a malformed policy passed"
  elif grep -q '^divert: ' "$work/err"; then
    why="an exception reached main: $(head -c 300 "$work/err")"
  elif ((rc != 0)) && ! grep -qE ': error: ' "$work/out"; then
    why="exit $rc without an error line: $(head -c 300 "$work/out" "$work/err")"
  else
    # Every line: FILE:LINE:COLUMN: or FILE: /pointer: (the file may be another one: a parent,
    # a case schema), then the severity.
    local bad
    bad=$(grep -vE '^[^ ].*(:[0-9]+:[0-9]+|: /[^ ]*): (error|warning): .' "$work/out" | head -3)
    [[ -n $bad ]] && why="unlocated: $bad"
  fi
  if [[ -n $why ]]; then
    failures=$((failures + 1))
    keep=1
    echo "FAIL $(basename "$file"): $why" >&2
  fi
  return 0
}

# A policy whose condition (its one eligibility rule's "when") is $1, with $2 inserted at the top.
policy() {
  printf '{"format":"divert-policy/1","id":"p","title":"t","version":"1","status":"active",%s"sources":[{"id":"s","title":"s"}],"eligibility":[{"id":"r","title":"r","source":"s","confidence":"assumed","when":%s}],"pathways":[{"id":"x","title":"x","when":true,"disposal":"other","diverts":true,"source":"s","confidence":"assumed"}]}' "${2:-}" "$1"
}
repeat() { local s=$1 n=$2; awk -v s="$s" -v n="$n" 'BEGIN { out = ""; for (i = 0; i < n; i++) printf "%s", s }'; }
gen() { cat >"$work/m-$1.json"; echo "$work/m-$1.json"; }

# ---- crafted ----------------------------------------------------------------------------------
# (add runs at the end of pipelines, in a subshell: the list is a file)
add() { gen "$1" >>"$work/crafted.list"; }
# (odd but valid: lint may pass them, but must not crash or hang)
add_valid() { gen "$1" >>"$work/valid.list"; }

# syntax and bytes
printf '' | add empty
printf '   \n' | add whitespace
printf '{"format":"divert-policy/1",}' | add trailing-comma
printf "{'format':'divert-policy/1'}" | add single-quotes
printf '{"format":"divert-policy/1" // comment\n}' | add comment
printf '{"format":"divert-policy/1","id":"unterminated}' | add unterminated-string
printf '{"a":1}{"b":2}' | add two-documents
tail -c +4097 "$divert" | head -c 4096 | add garbage-binary
tail -c +100001 "$divert" | head -c 65536 | add garbage-binary-2
{ policy true; printf '\0garbage'; } | add nul-after
policy true | tr 'v' '\0' | add nul-inside
policy true $'"notes":"caf\xe9 \xff\xfe",' | add latin1
{ printf '\xef\xbb\xbf'; policy true; } | add_valid byte-order-mark
policy '"\ud800"' | add lone-surrogate
# depth
policy "$(repeat '[' 100000)$(repeat ']' 100000)" | add deep-arrays
policy "$(repeat '{"!":' 100000)true$(repeat '}' 100000)" | add deep-operators
policy "$(repeat '{"a":' 100000)1$(repeat '}' 100000)" | add deep-objects
policy true "\"parameters\":{\"p\":$(repeat '[' 100000)$(repeat ']' 100000)}," | add deep-parameter
policy "$(repeat '{"!":' 100){\"pred\":\"d\"}$(repeat '}' 100)" "\"predicates\":{\"d\":$(repeat '{"and":[' 60){\"var\":\"person.consents\"}$(repeat ']}' 60)}," | add deep-predicate
printf '{"type":"object","properties":{"a":%s1%s}}' "$(repeat '{"b":' 100000)" "$(repeat '}' 100000)" >"$work/deep.schema.json"
policy true '"case_schema":"deep.schema.json",' | add deep-schema
# numbers and sizes
policy '{">":[{"var":"person.age"},1e400]}' | add number-1e400
policy '{">":[{"var":"person.age"},-1e400]}' | add number-minus-1e400
policy "{\">\":[{\"var\":\"person.age\"},1$(repeat 0 400)]}" | add number-400-digits
policy '{">":[{"var":"person.age"},{"*":[1e308,10]}]}' | add_valid number-overflow-arithmetic
policy '{"==":[{"/":[0,0]},{"var":"person.age"}]}' | add_valid number-nan
policy true "\"notes\":\"$(repeat x 20000000)\"," | add_valid string-20mb
policy "{\"and\":[true$(repeat ',true' 70000)]}" | add arguments-70000
policy "{\"in\":[{\"var\":\"offence.area\"},[\"a\"$(repeat ',"a"' 100000)]]}" | add_valid list-100000
{
  printf '{"format":"divert-policy/1","id":"p","title":"t","version":"1","status":"active","eligibility":['
  awk 'BEGIN { for (i = 0; i < 100000; i++) printf "%s{\"id\":\"r%d\",\"title\":\"r\",\"when\":{\"bogus\":%d}}", (i ? "," : ""), i, i }'
  printf '],"pathways":[{"id":"x","title":"x","when":true,"disposal":"other"}]}'
} | add rules-100000-errors
{
  printf '{"format":"divert-policy/1","id":"p","title":"t","version":"1","status":"active","eligibility":['
  awk 'BEGIN { for (i = 0; i < 100000; i++) printf "%s{\"id\":\"r%d\",\"title\":\"r\",\"when\":{\">=\":[{\"var\":\"person.age\"},%d]}}", (i ? "," : ""), i, i % 100 }'
  printf '],"pathways":[{"id":"x","title":"x","when":true,"disposal":"other"}]}'
} | add_valid rules-100000-valid-but-huge
policy '{"pred":"p0"}' "\"predicates\":{$(awk 'BEGIN { for (i = 0; i < 100000; i++) printf "%s\"p%d\":{\"pred\":\"p%d\"}", (i ? "," : ""), i, i + 1 }'),\"p100000\":true}," | add predicates-chain-100000
policy '{"pred":"q40"}' "\"predicates\":{\"q0\":{\"var\":\"person.consents\"}$(awk 'BEGIN { for (i = 1; i <= 40; i++) printf ",\"q%d\":{\"and\":[{\"pred\":\"q%d\"},{\"pred\":\"q%d\"}]}", i, i - 1, i - 1 }')}," | add predicates-doubling
# cycles
policy true '"extends":"m-extends-self.json",' | add extends-self
policy true '"extends":"m-extends-b.json",' | add extends-a
policy true '"extends":"m-extends-a.json",' | add extends-b
for i in $(seq 0 39); do policy true "\"extends\":\"m-chain-$((i + 1)).json\"," | gen "chain-$i" >/dev/null; done
policy true | gen chain-40 >/dev/null
echo "$work/m-chain-0.json" >>"$work/crafted.list"
policy true '"extends":".",' | add extends-directory
policy true '"extends":"/dev/null",' | add extends-dev-null
policy true '"extends":"",' | add extends-empty
policy true '"extends":"no/such/file.json",' | add extends-missing
policy '{"pred":"a"}' '"predicates":{"a":{"pred":"b"},"b":{"and":[true,{"pred":"a"}]}},' | add predicate-cycle
policy '{"pred":"a"}' '"predicates":{"a":{"!":{"pred":"a"}}},' | add predicate-self
printf '{"extends":"./self.schema.json","type":"object"}' >"$work/self.schema.json"
policy true '"case_schema":"self.schema.json",' | add schema-extends-self
policy true '"case_schema":".",' | add schema-directory
policy true '"case_schema":"case-v2",' | add schema-unknown
# typos and type errors
policy '{"<==":[{"var":"person.age"},24]}' | add typo-operator
policy '{"<=":[{"var":"person.agee"},24]}' | add typo-fact
policy '{"in":["canabis",{"var":"substances.0.drug"}]}' | add typo-enum
policy '{"some":[{"var":"substances"},{"==":[{"var":"drug"},"canabis"]}]}' | add typo-enum-in-iteration
policy true '"eligiblity":[],' | sed 's/"eligibility"/"eligibilty"/' | add_valid typo-key
policy true | sed 's/"disposal":"other"/"disposal":"caution"/' | add typo-disposal
policy '{"<":[{"var":"offence.type"},3]}' | add type-enum-vs-number
policy '{"==":[{"var":"person.age"},"21"]}' | add type-number-vs-string
policy '{"var":"person.age"}' | add type-not-a-condition
policy '5' | add type-number-condition
policy '"yes"' | add type-string-condition
policy '{"and":[{"var":"person.consents"},{"+":[1,true]}]}' | add type-arithmetic
policy '{"var":["person.age","person.consents"]}' | add type-var-default
policy '{"days_between":["2022-13-45",{"var":"offence.date"}]}' | add type-bad-date
policy true | sed 's/"eligibility":\[/"eligibility":[5,"x",null,/' | add type-rules-not-objects
policy true | sed 's/"id":"r"/"id":5/' | add type-rule-id
policy true '"effective":{"from":"2023-01-01","to":"2022-01-01"},' | add effective-backwards
policy true '"jurisdiction":{"force":"metropolitn","areas":[]},' | add jurisdiction-typo
policy true '"parameters":{"a":1},"predicates":{"b":true},' | sed 's/"status":"active"/"status":"live"/' | add status-value

crafted=0
while read -r f; do
  check "$f" error
  crafted=$((crafted + 1))
done <"$work/crafted.list"
while read -r f; do
  check "$f" any
  crafted=$((crafted + 1))
done <"$work/valid.list"
echo "lint_malformed: $crafted crafted policies checked"

# ---- shipped policies, cut and mutated ---------------------------------------------------------
mutants=0
for src in "$root"/policies/*.json "$root"/policies/variants/*.json; do
  case $src in *.tests.json | *.schema.json) continue ;; esac
  name=$(basename "$src" .json)
  size=$(wc -c <"$src")
  for k in $(seq 1 24); do
    head -c $((size * k / 25)) "$src" | gen "$name-cut-$k" >/dev/null
    check "$work/m-$name-cut-$k.json" error
    mutants=$((mutants + 1))
  done
  for seed in $(seq 1 40); do
    # One mutation, chosen and placed by the seed: deterministic on a given machine.
    awk -v seed="$seed" -v size="$size" '
      BEGIN { srand(seed * 7919 + size); RS = "\001"; alphabet = "{}[]\":,0123456789.-eE\\ntrufalsn \t" }
      {
        text = $0; n = length(text); at = int(rand() * n) + 1; kind = int(rand() * 6)
        ch = substr(alphabet, int(rand() * length(alphabet)) + 1, 1)
        if (kind == 0) text = substr(text, 1, at - 1) substr(text, at + 1)                  # delete a byte
        else if (kind == 1) text = substr(text, 1, at - 1) ch substr(text, at)              # insert one
        else if (kind == 2) text = substr(text, 1, at - 1) ch substr(text, at + 1)          # replace one
        else if (kind == 3) text = substr(text, 1, at) substr(text, at)                     # double the rest
        else {
          nl = split(text, lines, "\n"); drop = int(rand() * nl) + 1; text = ""
          for (i = 1; i <= nl; i++) {
            if (kind == 4 && i == drop) continue                                            # drop a line
            text = text lines[i] "\n"
            if (kind == 5 && i == drop) text = text lines[i] "\n"                           # double a line
          }
        }
        printf "%s", text
      }' "$src" | gen "$name-mutant-$seed" >/dev/null
    check "$work/m-$name-mutant-$seed.json" any
    mutants=$((mutants + 1))
  done
done
echo "lint_malformed: $mutants cut and mutated policies checked"

if ((failures)); then
  echo "lint_malformed: $failures of $checked failed (files kept in $work)" >&2
  exit 1
fi
echo "lint_malformed: all $checked passed"
