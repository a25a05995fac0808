#!/usr/bin/env bash
# `make demo`: for now, the JsonLogic engine deciding and explaining a few readable rules about
# ages and drugs, through the command-line tool (`divert jsonlogic eval`, one JSONL request a line).
# To be replaced by the policy demo (Lewisham pilot vs Thames Valley) once policies land.
# Usage: scripts/demo.sh [BUILD_DIR]   (default build; the tool is BUILD_DIR/divert)
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build}
tool="$build/divert"
if [[ ! -x $tool ]]; then
  echo "demo: $tool not found; run \`make\` first" >&2
  exit 2
fi

questions=() requests=() if_true=() if_false=() otherwise=()
# example QUESTION RULE DATA SENTENCE-IF-TRUE SENTENCE-IF-FALSE SENTENCE-OTHERWISE ('%s' is the answer)
example() {
  questions+=("$1")
  requests+=("{\"rule\": $2, \"data\": $3}")
  if_true+=("$4") if_false+=("$5") otherwise+=("$6")
}

example "Is a 21-year-old inside the 18 to 24 age band of the Lewisham pilot?" \
  '{"<=": [18, {"var": "person.age"}, 24]}' '{"person": {"age": 21}}' \
  "Yes: 21 lies between 18 and 24, so the age rule passes." \
  "No: the age is outside 18 to 24." ""

example "And a 30-year-old?" \
  '{"<=": [18, {"var": "person.age"}, 24]}' '{"person": {"age": 30}}' \
  "Yes: the age lies between 18 and 24." \
  "No: 30 is above the upper age of 24, so this person is not eligible for the pilot." ""

example "Is every substance found cannabis (a cannabis-only scheme)?" \
  '{"all": [{"var": "substances"}, {"==": [{"var": "drug"}, "cannabis"]}]}' \
  '{"substances": [{"drug": "cannabis", "class": "B"}, {"drug": "cocaine", "class": "A"}]}' \
  "Yes: only cannabis was found." \
  "No: cocaine was found with the cannabis, so a cannabis-only scheme does not apply." ""

example "Which class A drugs were found?" \
  '{"map": [{"filter": [{"var": "substances"}, {"==": [{"var": "class"}, "A"]}]}, {"var": "drug"}]}' \
  '{"substances": [{"drug": "cannabis", "class": "B"}, {"drug": "cocaine", "class": "A"}]}' \
  "" "" "The class A drugs found: %s (Thames Valley's scheme covers them, a cannabis pilot does not)."

example "Which route does a 16-year-old take?" \
  '{"if": [{"<": [{"var": "person.age"}, 18]}, "youth diversion (youth offending team)", {"<=": [{"var": "person.age"}, 24]}, "young adult pilot", "adult diversion"]}' \
  '{"person": {"age": 16}}' \
  "" "" "Under 18, so the rule picks %s."

example "Which facts are still missing before a decision can be made?" \
  '{"missing": ["person.age", "offence.area", "assessment.personal_use"]}' \
  '{"person": {"age": 19}, "assessment": {"personal_use": true}}' \
  "" "" "Still missing: %s. Absent facts are reported, never read as false."

example "What happens to a rule with a misspelt operator?" \
  '{"canabis": [{"var": "substances"}]}' '{"substances": []}' \
  "" "" "The rule is refused when it is compiled, so a typo never silently decides anything."

echo "divert demo: the JsonLogic engine deciding a few rules ($tool jsonlogic eval)"
echo

mapfile -t answers < <(printf '%s\n' "${requests[@]}" | "$tool" jsonlogic eval)
if ((${#answers[@]} != ${#requests[@]})); then
  echo "demo: expected ${#requests[@]} answers from $tool, got ${#answers[@]}" >&2
  exit 1
fi

for i in "${!questions[@]}"; do
  answer=${answers[$i]}
  request=${requests[$i]}
  rule=${request#\{\"rule\": }
  rule=${rule%%, \"data\": *}
  data=${request##*, \"data\": }
  data=${data%\}}
  printf '%d. %s\n' $((i + 1)) "${questions[$i]}"
  printf '   rule:   %s\n   data:   %s\n' "$rule" "$data"
  if [[ $answer == '{"result":'* ]]; then
    result=${answer#\{\"result\":}
    result=${result%\}}
    printf '   answer: %s\n' "$result"
    if [[ $result == true && -n ${if_true[$i]} ]]; then
      sentence=${if_true[$i]}
    elif [[ $result == false && -n ${if_false[$i]} ]]; then
      sentence=${if_false[$i]}
    else
      # shellcheck disable=SC2059  # the sentence is the format
      sentence=$(printf "${otherwise[$i]}" "$result")
    fi
  else
    error=${answer#\{\"error\":\"}
    error=${error%\"\}}
    error=${error//\\\"/\"}
    printf '   error:  %s\n' "$error"
    sentence=${otherwise[$i]}
  fi
  printf '   %s\n\n' "$sentence"
done
