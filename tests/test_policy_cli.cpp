// divert eval, test and lint through the real binary (DIVERT_TOOL), DESIGN §8: outputs, the
// FILE: /pointer: error|warning: message lines, and exit codes (0 ok, 1 "no", 2 could not run).
// Commands run in tests/fixtures/policies so that file names in the output are short.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "divert/policy.hpp"
#include "test_policy_support.hpp"

using namespace divert_policy_test;

namespace {

const std::string dir = fixture("");

run_result run_divert(const std::string& args, const std::string& stdin_text = {}) {
  return run_tool(args, stdin_text, dir);
}

std::string golden(const std::string& name) { return read_file(fixture("golden/" + name)); }

// The text record the library gives for a case file under a policy (both relative to dir).
std::string library_text(const std::string& policy, const std::string& case_file, bool trace) {
  const divert::policy& p = loaded(fixture(policy));
  divert::facts f = p.bind(ojson::parse(read_file(fixture(case_file))));
  return p.explain(f, nullptr, trace).to_text();
}

}  // namespace

// ---- divert eval ----------------------------------------------------------------------------

TEST_CASE("policy cli: eval prints the readable decision", "[policy][cli][eval]") {
  auto r = run_divert("eval young_cannabis.json golden/young_cannabis.not_eligible.case.json");
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  CHECK(r.out == golden("young_cannabis.not_eligible.record.txt"));
  // The golden text itself, so that this test reads on its own.
  const divert::policy& p = loaded(fixture("young_cannabis.json"));
  CHECK(
      r.out ==
      "decision: not_eligible\n"
      "policy:   Fixture: 18 to 24 year olds with cannabis in three boroughs (fixture-young-cannabis 1.0, sha256 " +
          p.sha256().substr(0, 12) +
          ")\n"
          "reasons:\n"
          "  - eligibility \"jurisdiction\" is false: The offence (metropolitan, camden) is outside the scheme's area: "
          "metropolitan (lewisham, bexley, greenwich)\n"
          "  - eligibility \"age\" is false: person.age is 30; required at most 24\n"
          "  - eligibility \"cannabis_only\" is false: substances.1.drug is cocaine; required cannabis\n");

  auto u = run_divert("eval young_cannabis.json golden/young_cannabis.undetermined.case.json");
  CHECK(u.code == 0);  // undetermined is an answer
  CHECK(u.out == golden("young_cannabis.undetermined.record.txt"));
}

TEST_CASE("policy cli: eval --format json prints the decision record", "[policy][cli][eval]") {
  auto r = run_divert("eval --format json young_cannabis.json golden/young_cannabis.eligible.case.json");
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  CHECK(r.out == golden("young_cannabis.eligible.record.json"));
  // Options after the files too.
  auto r2 = run_divert("eval young_cannabis.json golden/young_cannabis.eligible.case.json --format json");
  CHECK(r2.out == golden("young_cannabis.eligible.record.json"));
}

TEST_CASE("policy cli: eval --trace", "[policy][cli][eval]") {
  auto j = run_divert("eval --format json --trace young_cannabis.json golden/young_cannabis.eligible.case.json");
  CHECK(j.code == 0);
  CHECK(j.out == golden("young_cannabis.eligible.trace.record.json"));
  auto t = run_divert("eval --trace young_cannabis.json golden/young_cannabis.eligible.case.json");
  CHECK(t.code == 0);
  CHECK(t.out == library_text("young_cannabis.json", "golden/young_cannabis.eligible.case.json", true));
  CHECK(t.out.find("\ntrace:\n  eligibility jurisdiction /jurisdiction = true\n") != std::string::npos);
}

TEST_CASE("policy cli: eval --skip-rules, before and after the files", "[policy][cli][eval]") {
  const std::string expected = golden("young_cannabis.not_eligible.skip.record.json");
  const std::string c = "golden/young_cannabis.not_eligible.case.json";
  for (const std::string& args :
       {"eval --skip-rules age,jurisdiction --format json young_cannabis.json " + c,
        "eval --skip-rules age --skip-rules jurisdiction --format json young_cannabis.json " + c,
        "eval --format json young_cannabis.json " + c + " --skip-rules jurisdiction,age",
        "eval --format json young_cannabis.json --skip-rules age " + c + " --skip-rules jurisdiction"}) {
    INFO(args);
    auto r = run_divert(args);
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    CHECK(r.out == expected);
  }
  // A rule that is not there, or a pathway: the command cannot run.
  auto bad = run_divert("eval young_cannabis.json " + c + " --skip-rules agee");
  CHECK(bad.code == 2);
  CHECK(bad.out.empty());
  CHECK(bad.err == "young_cannabis.json: /: error: no rule \"agee\" to skip (did you mean \"age\"?)\n");
  auto pathway = run_divert("eval young_cannabis.json " + c + " --skip-rules treatment");
  CHECK(pathway.code == 2);
  CHECK(pathway.err ==
        "young_cannabis.json: /pathways/0: error: \"treatment\" is a pathway; only eligibility rules and exclusions "
        "can be "
        "skipped\n");
}

TEST_CASE("policy cli: eval reads the case from standard input", "[policy][cli][eval]") {
  const std::string case_text = golden("young_cannabis.eligible.case.json");
  auto dash = run_divert("eval --format json young_cannabis.json -", case_text);
  CHECK(dash.code == 0);
  CHECK(dash.out == golden("young_cannabis.eligible.record.json"));
  auto omitted = run_divert("eval --format json young_cannabis.json", case_text);  // "-" is the default
  CHECK(omitted.code == 0);
  CHECK(omitted.out == golden("young_cannabis.eligible.record.json"));
}

TEST_CASE("policy cli: eval of an invalid case exits 2 with FILE: /pointer: error: message", "[policy][cli][eval]") {
  const std::string bad = R"({"person": {"consents": "yes", "admits_offence": "maybe", "nickname": "x"},
                             "substances": [{"drug": "canabis"}]})";
  auto r = run_divert("eval young_cannabis.json -", bad);
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "<stdin>: /person/consents: error: expected true or false, got the string \"yes\"\n"
        "<stdin>: /person/admits_offence: error: \"maybe\" is not a known value (one of: yes, no, no_reply)\n"
        "<stdin>: /person/nickname: warning: \"nickname\" is not a fact of the case schema and is ignored\n"
        "<stdin>: /substances/0/drug: error: \"canabis\" is not a known value (did you mean \"cannabis\"?)\n");

  write_file(temp_dir() + "/bad_case.json", bad);
  auto f = run_divert("eval young_cannabis.json " + shell_quoted(temp_dir() + "/bad_case.json"));
  CHECK(f.code == 2);
  CHECK(f.err.find(temp_dir() +
                   "/bad_case.json: /person/consents: error: expected true or false, got the string \"yes\"\n") == 0);

  // Not JSON: line and column.
  auto syntax = run_divert("eval young_cannabis.json -", "{\"person\": {\n");
  CHECK(syntax.code == 2);
  CHECK(
      syntax.err ==
      "<stdin>:2:1: error: syntax error while parsing object key - unexpected end of input; expected string literal\n");
  // Not an object.
  auto array = run_divert("eval young_cannabis.json -", "[]");
  CHECK(array.code == 2);
  CHECK(array.err == "<stdin>: /: error: a case is a JSON object, not an array\n");
  // A case file that is not there.
  auto missing = run_divert("eval young_cannabis.json no_such_case.json");
  CHECK(missing.code == 2);
  CHECK(missing.err == "no_such_case.json: /: error: cannot read file\n");
}

TEST_CASE("policy cli: eval with an invalid policy exits 2 and lists its errors", "[policy][cli][eval]") {
  auto r = run_divert("eval errors/operators.json golden/young_cannabis.eligible.case.json");
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "errors/operators.json: /eligibility/0/when: error: unknown operator \"=<\" (did you mean \"==\"?)\n"
        "errors/operators.json: /eligibility/1/when: error: operator \"missing\" is not available in policies\n"
        "errors/operators.json: /eligibility/2/when: error: \"==\" takes 2 arguments, got 3\n");
  auto usage = run_divert("eval --format xml young_cannabis.json -", "{}");
  CHECK(usage.code == 2);
}

// ---- divert test ----------------------------------------------------------------------------

TEST_CASE("policy cli: test, all passing", "[policy][cli][test]") {
  auto r = run_divert("test cli/passing.tests.json");
  CHECK(r.code == 0);
  CHECK(r.out == "3 passed, 0 failed\n");
  CHECK(r.err.empty());
}

TEST_CASE("policy cli: test failures show expected and actual", "[policy][cli][test]") {
  const std::string failures =
      "FAIL cli/failing.tests.json: /cases/1 \"wrong status\"\n"
      "  status: expected eligible, got not_eligible (age: person.age is 30; required at most 24)\n"
      "FAIL cli/failing.tests.json: /cases/2 \"wrong pathway and missing\"\n"
      "  pathway: expected education, got treatment\n"
      "  missing: expected [person.age], got []\n"
      "FAIL cli/failing.tests.json: /cases/3 \"reasons not among the deciding ones, and a misspelt rule\"\n"
      "  reasons: the policy has no rule \"agee\" (did you mean \"age\"?)\n"
      "  reasons: expected [cannabis_only] among the reasons, got [age]\n"
      "FAIL cli/failing.tests.json: /cases/4 \"an invalid case\"\n"
      "  invalid case: /person/age: expected a whole number (or a range {\"min\": a, \"max\": b}), got the string "
      "\"thirty\"\n";
  auto r = run_divert("test cli/failing.tests.json");
  CHECK(r.code == 1);
  CHECK(r.out == failures + "1 passed, 4 failed\n");
  // Several files: one summary line for all.
  auto both = run_divert("test cli/passing.tests.json cli/failing.tests.json");
  CHECK(both.code == 1);
  CHECK(both.out == failures + "4 passed, 4 failed\n");
}

TEST_CASE("policy cli: test --skip-rules", "[policy][cli][test]") {
  auto r = run_divert("test cli/passing.tests.json --skip-rules supply");
  CHECK(r.code == 1);
  CHECK(r.out ==
        "FAIL cli/passing.tests.json: /cases/2 \"supply suspected\"\n"
        "  status: expected excluded, got eligible\n"
        "  reasons: expected [supply] among the reasons, got []\n"
        "2 passed, 1 failed\n");
}

TEST_CASE("policy cli: test with a policy that does not load exits 2", "[policy][cli][test]") {
  write_file(temp_dir() + "/broken.tests.json",
             R"({"policy": ")" + fixture("errors/unknown_fact.json") +
                 R"(", "cases": [{"name": "a", "case": {}, "expect": {"status": "eligible"}}]})");
  auto r = run_divert("test " + shell_quoted(temp_dir() + "/broken.tests.json"));
  CHECK(r.code == 2);
  CHECK(r.err == fixture("errors/unknown_fact.json") +
                     ": /exclusions/0/when: error: unknown fact \"assessment.supply_indicator\" (did you mean "
                     "\"assessment.supply_indicators\"?)\n");
  CHECK(r.out ==
        "FAIL " + temp_dir() + "/broken.tests.json: 1 cases not run (see the errors above)\n0 passed, 1 failed\n");
}

TEST_CASE("policy cli: test --coverage", "[policy][cli][test]") {
  auto r = run_divert("test --coverage cli/coverage.tests.json");
  CHECK(r.code == 0);
  CHECK(r.out ==
        "coverage: 8/12\n"
        "  uncovered: cli/../young_cannabis.json: eligibility \"jurisdiction\": never false\n"
        "  uncovered: cli/../young_cannabis.json: eligibility \"cannabis_only\": never false\n"
        "  uncovered: cli/../young_cannabis.json: exclusion \"supply\": never true\n"
        "  uncovered: cli/../young_cannabis.json: pathway \"treatment\": never true\n"
        "leaf coverage: 9/14\n"
        "  uncovered leaf: cli/../young_cannabis.json: /jurisdiction/force (in \"jurisdiction\"): never false\n"
        "  uncovered leaf: cli/../young_cannabis.json: /jurisdiction/areas (in \"jurisdiction\"): never false\n"
        "  uncovered leaf: cli/../young_cannabis.json: /eligibility/1/when/all/1 (in \"cannabis_only\"): never false\n"
        "  uncovered leaf: cli/../young_cannabis.json: /exclusions/0/when (in \"supply\"): never true\n"
        "  uncovered leaf: cli/../young_cannabis.json: /pathways/0/when (in \"treatment\"): never true\n"
        "2 passed, 0 failed\n");
  // The repository's own suites, for the shape of the lines.
  auto repo = run_tool("test --coverage policies/lewisham.tests.json", {}, source(""));
  CHECK(repo.code == 0);
  CHECK(repo.out.find("coverage: ") == 0);
  CHECK(repo.out.find("\nleaf coverage: ") != std::string::npos);
}

// ---- divert lint ----------------------------------------------------------------------------

TEST_CASE("policy cli: lint of a clean policy prints nothing", "[policy][cli][lint]") {
  auto r = run_divert("lint young_cannabis.json pathways.json");
  CHECK(r.code == 0);
  CHECK(r.out.empty());
}

TEST_CASE("policy cli: lint with warnings only exits 0", "[policy][cli][lint]") {
  auto r = run_divert("lint errors/unknown_keys.json");
  CHECK(r.code == 0);
  CHECK(r.out ==
        "errors/unknown_keys.json: /exclusions/0/sorce: warning: unknown key \"sorce\" is ignored (did you mean "
        "\"source\"?)\n"
        "errors/unknown_keys.json: /parameter: warning: unknown key \"parameter\" is ignored (did you mean "
        "\"parameters\"?)\n");
}

TEST_CASE("policy cli: lint errors exit 1, sorted by location", "[policy][cli][lint]") {
  auto r = run_divert("lint errors/rules.json");
  CHECK(r.code == 1);
  CHECK(r.out ==
        "errors/rules.json: /effective/from: error: \"2022-13-01\" is not a date (YYYY-MM-DD)\n"
        "errors/rules.json: /exclusions/0/source: error: source \"src-2022\" is not in \"sources\"\n"
        "errors/rules.json: /exclusions/1: error: duplicate rule id \"supply\" (also at /exclusions/0)\n"
        "errors/rules.json: /exclusions/2/id: error: rule id \"jurisdiction\" is used twice (it is an implicit rule's "
        "id)\n"
        "errors/rules.json: /exclusions/3/explain: error: the message names {persn.age}, which is not a fact (did you "
        "mean \"person.age\"?)\n"
        "errors/rules.json: /exclusions/3/explain: error: the message names {param.min_ag}, but there is no parameter "
        "\"min_ag\"\n");

  // Array indexes compare as numbers: /eligibility/2 before /eligibility/10.
  auto order = run_divert("lint cli/lint_order.json");
  CHECK(order.code == 1);
  CHECK(
      order.out ==
      "cli/lint_order.json: /eligibility/1/when: error: unknown fact \"person.agree\" (did you mean \"person.age\"?)\n"
      "cli/lint_order.json: /eligibility/2/note: warning: unknown key \"note\" is ignored (did you mean \"notes\"?)\n"
      "cli/lint_order.json: /eligibility/10/when/==/1: error: \"posession\" is not a value of offence.type (did you "
      "mean \"possession\"?)\n");

  // Syntax errors by line and column; several files in one run, by file.
  auto several = run_divert("lint errors/syntax.json errors/unknown_keys.json young_cannabis.json");
  CHECK(several.code == 1);
  CHECK(several.out ==
        "errors/syntax.json:4:9: error: syntax error while parsing object - unexpected string literal; expected '}'\n"
        "errors/unknown_keys.json: /exclusions/0/sorce: warning: unknown key \"sorce\" is ignored (did you mean "
        "\"source\"?)\n"
        "errors/unknown_keys.json: /parameter: warning: unknown key \"parameter\" is ignored (did you mean "
        "\"parameters\"?)\n");
  // Inherited problems are listed under the parent's file.
  auto inherited = run_divert("lint extends/broken_child.json");
  CHECK(inherited.code == 1);
  CHECK(inherited.out ==
        "extends/base.json: /pathways/1: warning: pathway \"education\" does not say whether it diverts; taken as true "
        "from its disposal\n"
        "extends/base.json: /predicates/in_age_band/<=/2: error: unknown parameter \"max_age\" (did you mean "
        "\"min_age\"?)\n"
        "extends/broken_child.json: /exclusions/0: error: removes \"no_such_rule\", which it does not inherit\n");
}
