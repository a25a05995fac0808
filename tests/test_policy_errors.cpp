// Exact diagnostics for broken policies and invalid cases: every problem found, each with its
// file and JSON pointer (or line and column), id, severity and message (DESIGN §2, §3, §5, §11).
//
// The broken policies are tests/fixtures/policies/errors/*.json; most extend errors/base.json (a
// valid policy) and add one kind of mistake, so that the only diagnostics are the ones under
// test. Diagnostics are compared as sorted lists: the order the engine finds them in is not part
// of the contract (`divert lint` sorts them by location).

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "divert/policy.hpp"
#include "test_policy_support.hpp"

using namespace divert_policy_test;

namespace {

std::string err(const std::string& name) { return fixture("errors/" + name); }

diag error(const std::string& file, const std::string& where, const std::string& id, const std::string& message) {
  return diag{"error", id, file, where, message};
}
diag warning(const std::string& file, const std::string& where, const std::string& id, const std::string& message) {
  return diag{"warning", id, file, where, message};
}

// Loads errors/NAME and checks that it is rejected with exactly `expected`, and that the
// throwing form of load throws compile_error with the same errors.
void check_rejected(const std::string& name, const std::vector<diag>& expected) {
  INFO(name);
  bool valid = true;
  std::vector<diag> got = load_diagnostics(err(name), &valid);
  CHECK(!valid);
  CHECK(got == sorted(expected));
  try {
    divert::policy::load(err(name));
    FAIL("policy::load accepted " << name);
  } catch (const divert::compile_error& e) {
    std::vector<diag> errors;
    for (const auto& d : sorted(e.diagnostics()))
      if (d.level == "error") errors.push_back(d);
    std::vector<diag> expected_errors;
    for (const auto& d : sorted(expected))
      if (d.level == "error") expected_errors.push_back(d);
    CHECK(errors == expected_errors);
  }
}

}  // namespace

TEST_CASE("policy errors: the base of the error fixtures is valid and silent", "[policy][errors]") {
  bool valid = false;
  CHECK(load_diagnostics(err("base.json"), &valid).empty());
  CHECK(valid);
}

TEST_CASE("policy errors: JSON syntax errors with line and column", "[policy][errors]") {
  // errors/syntax.json: line 4 starts a new key where a comma was needed.
  check_rejected("syntax.json", {error(err("syntax.json"), "4:9", "json-syntax",
                                       "syntax error while parsing object - unexpected string literal; expected '}'")});
  std::vector<divert::diagnostic> ds;
  divert::policy::load(err("syntax.json"), ds);
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].to_string() ==
        err("syntax.json") +
            ":4:9: error: syntax error while parsing object - unexpected string literal; expected '}'");
  // The throwing form says what kind of error it is.
  CHECK_THROWS_AS(divert::policy::load(err("syntax.json")), divert::compile_error);
}

TEST_CASE("policy errors: duplicate keys are errors, not silently collapsed", "[policy][errors]") {
  check_rejected("duplicate_key.json", {error(err("duplicate_key.json"), "4:33", "duplicate-key",
                                              "duplicate key \"min_age\" (at /parameters/min_age)")});
}

TEST_CASE("policy errors: missing and wrong top-level values", "[policy][errors]") {
  const std::string f = err("missing_meta.json");
  check_rejected(
      "missing_meta.json",
      {error(f, "/format", "policy-format", "missing \"format\": \"divert-policy/1\""),
       error(f, "", "policy-structure", "missing \"id\""), error(f, "", "policy-structure", "missing \"title\""),
       error(f, "", "policy-structure", "missing \"version\""),
       error(f, "", "policy-structure", "missing \"status\" (proposed, active or retired)")});
  const std::string g = err("meta_values.json");
  check_rejected(
      "meta_values.json",
      {error(g, "/format", "policy-format", "unsupported format \"divert-policy/2\" (expected \"divert-policy/1\")"),
       error(g, "/id", "policy-structure", "\"id\" must be a string"),
       error(g, "/status", "policy-structure", "\"status\" is proposed, active or retired"),
       error(g, "/pathway_policy", "policy-structure", "\"pathway_policy\" is first or unique"),
       error(g, "/case_schema", "policy-structure", "\"case_schema\" is \"case-v1\" or a path")});
  check_rejected("no_pathways.json", {error(err("no_pathways.json"), "/pathways", "policy-structure",
                                            "a policy needs at least one pathway")});
}

TEST_CASE("policy errors: unknown keys are warnings, with a suggestion", "[policy][errors]") {
  const std::string f = err("unknown_keys.json");
  bool valid = false;
  CHECK(load_diagnostics(f, &valid) ==
        sorted({warning(f, "/parameter", "unknown-key",
                        "unknown key \"parameter\" is ignored (did you mean \"parameters\"?)"),
                warning(f, "/exclusions/0/sorce", "unknown-key",
                        "unknown key \"sorce\" is ignored (did you mean \"source\"?)")}));
  CHECK(valid);
  // The throwing form loads it and keeps the warnings.
  divert::policy p = divert::policy::load(f);
  CHECK(sorted(p.warnings()).size() == 2);
}

TEST_CASE("policy errors: rule and pathway structure", "[policy][errors]") {
  const std::string f = err("rule_structure.json");
  check_rejected(
      "rule_structure.json",
      {error(f, "/sources/0", "policy-structure", "missing \"title\""),
       error(f, "/eligibility/0", "policy-structure", "missing \"title\""),
       error(f, "/eligibility/0/confidence", "policy-structure", "\"confidence\" is confirmed, inferred or assumed"),
       error(f, "/eligibility/1", "policy-structure", "missing \"when\" (its condition)"),
       error(f, "/eligibility/2", "policy-structure", "each rule is an object with a string \"id\""),
       error(f, "/pathways/0/disposal", "not-a-value",
             "\"comunity_resolution\" is not a disposal (did you mean \"community_resolution\"?)"),
       error(f, "/pathways/0/diverts", "policy-structure", "\"diverts\" is true or false"),
       error(f, "/pathways/0/sessions", "policy-structure", "\"sessions\" is a whole number")});
}

TEST_CASE("policy errors: unknown facts and enum literals, with suggestions", "[policy][errors]") {
  check_rejected(
      "unknown_fact.json",
      {error(err("unknown_fact.json"), "/exclusions/0/when", "unknown-fact",
             "unknown fact \"assessment.supply_indicator\" (did you mean \"assessment.supply_indicators\"?)")});
  const std::string f = err("enum_literal.json");
  check_rejected("enum_literal.json",
                 {error(f, "/eligibility/0/when/all/1/==/1", "not-a-value",
                        "\"canabis\" is not a value of substances[].drug (did you mean \"cannabis\"?)"),
                  error(f, "/eligibility/1/when/in/1/1", "not-a-value",
                        "\"posession\" is not a value of offence.type (did you mean \"possession\"?)")});
}

TEST_CASE("policy errors: types, truthiness and dates in conditions", "[policy][errors]") {
  const std::string f = err("types.json");
  check_rejected(
      "types.json",
      {error(f, "/eligibility/0/when", "type-mismatch",
             "cannot compare person.age (an integer) with \"21\" (a string)"),
       error(f, "/eligibility/1/when", "type-mismatch", "\"<\" orders numbers or dates, not a string (offence.area)"),
       error(f, "/eligibility/2/when", "not-a-condition",
             "a condition must be true or false, but person.age is an integer"),
       error(f, "/eligibility/3/when/!", "not-a-condition",
             "a condition must be true or false, but offence.area is a string"),
       error(f, "/eligibility/4/when/>=/1", "not-a-date", "\"2022-02-30\" is not a date (YYYY-MM-DD)")});
}

TEST_CASE("policy errors: operators", "[policy][errors]") {
  const std::string f = err("operators.json");
  check_rejected(
      "operators.json",
      {error(f, "/eligibility/0/when", "unknown-operator", "unknown operator \"=<\" (did you mean \"==\"?)"),
       error(f, "/eligibility/1/when", "not-in-policies", "operator \"missing\" is not available in policies"),
       error(f, "/eligibility/2/when", "invalid-arguments", "\"==\" takes 2 arguments, got 3")});
}

TEST_CASE("policy errors: unknown parameters and predicates, predicate cycles", "[policy][errors]") {
  const std::string f = err("names.json");
  check_rejected(
      "names.json",
      {error(f, "/eligibility/0/when/<=/1", "unknown-parameter",
             "unknown parameter \"max_ag\" (did you mean \"max_age\"?)"),
       error(f, "/eligibility/1/when", "unknown-predicate", "unknown predicate \"adlt\" (did you mean \"adult\"?)"),
       // Reported once, where the cycle closes (inside loop_b), not once per use.
       error(f, "/predicates/loop_b", "predicate-cycle", "predicates form a cycle: loop_a -> loop_b -> loop_a")});
}

TEST_CASE("policy errors: extends cycles and a missing parent", "[policy][errors]") {
  std::string dir = std::filesystem::weakly_canonical(err("")).string();
  if (!dir.empty() && dir.back() == '/') dir.pop_back();
  check_rejected("cycle_a.json", {error(err("cycle_a.json"), "/extends", "extends-cycle",
                                        "policies extend each other in a cycle: " + dir + "/cycle_a.json -> " + dir +
                                            "/cycle_b.json -> " + dir + "/cycle_a.json")});
  // One error, in the file that names the parent, at its "extends".
  check_rejected("extends_missing_parent.json",
                 {error(err("extends_missing_parent.json"), "/extends", "unreadable-file",
                        "cannot read the policy it extends: " + err("no_such_parent.json"))});
  // A parent whose name the system refuses (longer than a file name can be): the same error, with
  // the system's reason (found by fuzzing: it used to end the process with an uncaught exception).
  const std::string too_long = std::string(300, 'x') + ".json";
  check_rejected("extends_name_too_long.json",
                 {error(err("extends_name_too_long.json"), "/extends", "unreadable-file",
                        "cannot read the policy it extends: " + err(too_long) + " (File name too long)")});
  // A policy file that does not exist at all.
  std::vector<divert::diagnostic> ds;
  divert::policy p = divert::policy::load(err("no_such_policy.json"), ds);
  CHECK(!p.valid());
  CHECK(sorted(ds) == std::vector<diag>{error(err("no_such_policy.json"), "", "unreadable-file", "cannot read file")});
  CHECK_THROWS_AS(divert::policy::load(err("no_such_policy.json")), divert::compile_error);
}

TEST_CASE("policy errors: sources, dates, rule ids and explain templates", "[policy][errors]") {
  const std::string f = err("rules.json");
  check_rejected("rules.json",
                 {error(f, "/effective/from", "not-a-date", "\"2022-13-01\" is not a date (YYYY-MM-DD)"),
                  error(f, "/exclusions/0/source", "unknown-source", "source \"src-2022\" is not in \"sources\""),
                  error(f, "/exclusions/1", "duplicate-id", "duplicate rule id \"supply\" (also at /exclusions/0)"),
                  error(f, "/exclusions/2/id", "duplicate-id",
                        "rule id \"jurisdiction\" is used twice (it is an implicit rule's id)"),
                  error(f, "/exclusions/3/explain", "explain-template",
                        "the message names {persn.age}, which is not a fact (did you mean \"person.age\"?)"),
                  error(f, "/exclusions/3/explain", "explain-template",
                        "the message names {param.min_ag}, but there is no parameter \"min_ag\"")});
}

TEST_CASE("policy errors: jurisdiction values", "[policy][errors]") {
  // A misspelt force is reported at the key it is written in.
  check_rejected("jurisdiction.json",
                 {error(err("jurisdiction.json"), "/jurisdiction/force", "not-a-value",
                        "\"thames_vally\" is not a value of offence.force (did you mean \"thames_valley\"?)")});
  // Values of the wrong type are errors, never a crash.
  const std::string f = err("jurisdiction_types.json");
  check_rejected(
      "jurisdiction_types.json",
      {error(f, "/jurisdiction/force", "policy-structure", "\"force\" is a force id or a list of them"),
       error(f, "/jurisdiction/areas", "policy-structure", "\"areas\" is a non-empty list of area ids"),
       error(f, "/jurisdiction/region", "policy-structure", "\"jurisdiction\" has only \"force\" and \"areas\"")});
}

// ---- cases -------------------------------------------------------------------------------

namespace {

std::vector<diag> case_diagnostics(const std::string& case_text, const std::string& file = "case.json") {
  const divert::policy& p = loaded(fixture("young_cannabis.json"));
  try {
    divert::facts f = p.bind(ojson::parse(case_text), file);
    return sorted(f.warnings());
  } catch (const divert::case_error& e) {
    return sorted(e.diagnostics());
  }
}

diag case_error(const std::string& where, const std::string& message) {
  return diag{"error", "case-invalid", "case.json", where, message};
}
diag case_warning(const std::string& where, const std::string& message) {
  return diag{"warning", "unknown-fact", "case.json", where, message};
}

}  // namespace

TEST_CASE("policy errors: every problem of a case, each with its pointer", "[policy][errors][case]") {
  std::string c = R"({
    "offence": {"date": "2022-02-30", "type": "posession", "force": 3, "area": "lewisham", "postcode": "SE13"},
    "person": {"age": 121, "consents": "yes", "admits_offence": "maybe"},
    "substances": [{"drug": "canabis", "amount": -1}, {"drug": "cannabis", "unit": "kg"}, "cannabis"],
    "assessment": {"personal_use": 1, "supply_indicators": null},
    "histroy": []
  })";
  CHECK(case_diagnostics(c) ==
        sorted(
            {case_error("/offence/date", "expected a date (YYYY-MM-DD), got the string \"2022-02-30\""),
             case_error("/offence/type", "\"posession\" is not a known value (did you mean \"possession\"?)"),
             case_error("/offence/force", "expected one of the listed values, got the number 3"),
             case_warning("/offence/postcode", "\"postcode\" is not a fact of the case schema and is ignored"),
             // The schema's integer bounds, as nlohmann prints a double.
             case_error("/person/age", "121 is above the maximum of 120"),
             case_error("/person/consents", "expected true or false, got the string \"yes\""),
             case_error("/person/admits_offence", "\"maybe\" is not a known value (one of: yes, no, no_reply)"),
             case_error("/substances/0/drug", "\"canabis\" is not a known value (did you mean \"cannabis\"?)"),
             case_error("/substances/0/amount", "-1 is below the minimum of 0"),
             case_error("/substances/1/unit", "\"kg\" is not a known value (did you mean \"g\"?)"),
             case_error("/substances/2", "expected an object, got the string \"cannabis\""),
             case_error("/assessment/personal_use", "expected true or false, got the number 1"),
             case_warning("/histroy",
                          "\"histroy\" is not a fact of the case schema and is ignored (did you mean \"history\"?)")}));
}

TEST_CASE("policy errors: numbers and ranges in a case", "[policy][errors][case]") {
  CHECK(case_diagnostics(R"({"person": {"age": 21.5}})") ==
        std::vector<diag>{case_error("/person/age", "expected a whole number, got 21.5")});
  CHECK(case_diagnostics(R"({"person": {"age": "21"}})") ==
        std::vector<diag>{case_error(
            "/person/age", "expected a whole number (or a range {\"min\": a, \"max\": b}), got the string \"21\"")});
  CHECK(case_diagnostics(R"({"person": {"age": {"min": 24, "max": 18}}})") ==
        std::vector<diag>{case_error("/person/age", "the range's max is below its min")});
  CHECK(case_diagnostics(R"({"person": {"age": {"min": 18.5, "max": 30}}})") ==
        std::vector<diag>{case_error("/person/age/min", "expected a whole number, got 18.5")});
  CHECK(case_diagnostics(R"({"person": {"age": {"min": 18, "max": 130}}})") ==
        std::vector<diag>{case_error("/person/age/max", "130 is above the maximum of 120")});
  // One open end takes the schema's bound; without one, it is an error.
  CHECK(case_diagnostics(R"({"person": {"age": {"min": 35}}})").empty());
  CHECK(case_diagnostics(R"({"substances": [{"amount": {"min": 1}}]})") ==
        std::vector<diag>{
            case_error("/substances/0/amount",
                       "a range needs both \"min\" and \"max\" (this fact has no schema maximum to stand in "
                       "for the missing one)")});
  CHECK(case_diagnostics(R"({"person": {"age": {"min": 18, "max": 24, "mean": 20}}})") ==
        std::vector<diag>{
            case_error("/person/age", "expected a whole number (or a range {\"min\": a, \"max\": b}), got an object")});
  // A valid range is no problem.
  CHECK(case_diagnostics(R"({"person": {"age": {"min": 18, "max": 24}}})").empty());
}

TEST_CASE("policy errors: a case that is not an object, and wrong shapes", "[policy][errors][case]") {
  CHECK(case_diagnostics("[1, 2]") == std::vector<diag>{case_error("", "a case is a JSON object, not an array")});
  CHECK(case_diagnostics("\"x\"") ==
        std::vector<diag>{case_error("", "a case is a JSON object, not the string \"x\"")});
  CHECK(case_diagnostics("null") == std::vector<diag>{case_error("", "a case is a JSON object, not null")});
  CHECK(case_diagnostics(R"({"person": 21, "substances": {"drug": "cannabis"}})") ==
        sorted({case_error("/person", "expected an object, got the number 21"),
                case_error("/substances", "expected an array, got an object")}));
  // Unknown keys alone are warnings: the case binds.
  CHECK(case_diagnostics(R"({"person": {"age": 21, "nickname": "x"}})") ==
        std::vector<diag>{
            case_warning("/person/nickname", "\"nickname\" is not a fact of the case schema and is ignored")});
  // The file name given to bind is the diagnostics' file.
  const divert::policy& p = loaded(fixture("young_cannabis.json"));
  try {
    p.bind(ojson::parse(R"({"person": {"age": -1}})"), "cases/42.json");
    FAIL("bind accepted age -1");
  } catch (const divert::case_error& e) {
    REQUIRE(e.diagnostics().size() == 1);
    CHECK(e.diagnostics()[0].to_string() == "cases/42.json: /person/age: error: -1 is below the minimum of 0");
  }
}
