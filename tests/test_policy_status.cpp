// The status semantics of DESIGN §6 as tables: every status, unknowns that matter and unknowns
// that do not, ranges, the exact `missing` sets, Kleene and/or/!, all/some/none over empty and
// partly unknown arrays, and --skip-rules through policy::select.
//
// Fixtures (tests/fixtures/policies/):
//   young_cannabis.json   jurisdiction + effective (implicit rules), age 18-24, cannabis only,
//                         supply exclusion, pathways treatment (if dependency) then education
//   pathways.json         age >= 18; pathways treatment / caution, no catch-all ("first")
//   pathways_unique.json  the same with "unique"
//   logic.json            one eligibility rule per operator, read rule by rule

#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "../benchmarks/w1.hpp"
#include "divert/policy.hpp"
#include "test_policy_support.hpp"

using namespace divert_policy_test;
using divert::outcome;
using divert::status;

namespace {

// "stage rule result" for each reason, in record order ("-" for the rule of "no pathway").
std::vector<std::string> reason_lines(const divert::decision_record& r) {
  std::vector<std::string> out;
  for (const auto& x : r.reasons)
    out.push_back(x.stage + " " + (x.rule.empty() ? "-" : x.rule) + " " +
                  (x.result ? (*x.result ? "true" : "false") : "unknown"));
  return out;
}

struct status_row {
  const char* name;
  const char* policy;
  status expected;
  const char* pathway;  // "" for none
  std::vector<std::string> reasons;
  std::vector<std::string> missing;
};

// A complete case that young_cannabis.json finds eligible for the education pathway, with
// one part replaced.
std::string young(
    const std::string& person = R"("person": {"age": 21, "dependency_indicated": false})",
    const std::string& substances = R"("substances": [{"drug": "cannabis"}])",
    const std::string& assessment = R"("assessment": {"supply_indicators": false})",
    const std::string& offence = R"("offence": {"date": "2022-07-01", "force": "metropolitan", "area": "lewisham"})") {
  std::string out = "{";
  for (const std::string* part : {&offence, &person, &substances, &assessment}) {
    if (part->empty()) continue;
    out += (out.size() > 1 ? ", " : "") + *part;
  }
  return out + "}";
}

void check_row(const status_row& row, const std::string& case_text) {
  INFO(row.name << "\ncase: " << case_text);
  const divert::policy& p = loaded(fixture(row.policy));
  divert::facts f = bind_case(p, case_text);
  divert::decision_record r = p.explain(f);
  CHECK(to_string(r.status) == std::string(to_string(row.expected)));
  CHECK((r.pathway ? r.pathway->id : std::string()) == row.pathway);
  CHECK(reason_lines(r) == row.reasons);
  CHECK(r.missing == row.missing);
  // The compact decision agrees with the record, in both forms.
  divert::decision d = p.decide(f);
  CHECK(d.status == row.expected);
  divert::decision d2;
  p.decide(f, d2);
  CHECK(d2.status == row.expected);
  CHECK(d.pathway == d2.pathway);
  if (*row.pathway) {
    REQUIRE(d.pathway >= 0);
    // Pathways are the policy's last rules.
    CHECK(p.rule(p.rule_count() - p.pathway_count() + static_cast<std::size_t>(d.pathway)).id == row.pathway);
  } else {
    CHECK(d.pathway == -1);
  }
}

// Each rule's outcome with every rule evaluated (decide's evaluate_all), by rule id.
outcome rule_outcome(const divert::policy& p, const divert::decision& d, const std::string& id) {
  for (std::size_t i = 0; i < p.rule_count(); ++i)
    if (p.rule(i).id == id) return d.at(i);
  FAIL("no rule " << id);
  return outcome::not_evaluated;
}

const char* name(outcome o) {
  switch (o) {
    case outcome::yes: return "T";
    case outcome::no: return "F";
    case outcome::unknown: return "U";
    case outcome::skipped: return "skipped";
    case outcome::not_evaluated: return "not evaluated";
  }
  return "?";
}

// The outcomes of the named rules of logic.json for one case, as "T F U ...".
std::string outcomes(const std::string& case_text, const std::vector<std::string>& rules) {
  const divert::policy& p = loaded(fixture("logic.json"));
  divert::facts f = bind_case(p, case_text);
  divert::decision d;
  p.decide(f, d, nullptr, /*evaluate_all=*/true);
  std::string out;
  for (const auto& r : rules) out += (out.empty() ? "" : " ") + std::string(name(rule_outcome(p, d, r)));
  return out;
}

}  // namespace

TEST_CASE("policy status: every status, and the unknowns that matter", "[policy][status]") {
  std::vector<std::pair<status_row, std::string>> table;
  auto add = [&](status_row row, std::string case_text) { table.emplace_back(std::move(row), std::move(case_text)); };

  add({"every rule holds: eligible, the first pathway that applies",
       "young_cannabis.json",
       status::eligible,
       "education",
       {},
       {}},
      young());
  add({"the earlier pathway applies", "young_cannabis.json", status::eligible, "treatment", {}, {}},
      young(R"("person": {"age": 21, "dependency_indicated": true})"));
  add({"one eligibility rule false", "young_cannabis.json", status::not_eligible, "", {"eligibility age false"}, {}},
      young(R"("person": {"age": 30, "dependency_indicated": false})"));
  add({"every false eligibility rule is listed",
       "young_cannabis.json",
       status::not_eligible,
       "",
       {"eligibility jurisdiction false", "eligibility age false", "eligibility cannabis_only false"},
       {}},
      young(R"("person": {"age": 30})", R"("substances": [{"drug": "cannabis"}, {"drug": "cocaine"}])", "",
            R"("offence": {"date": "2022-07-01", "force": "metropolitan", "area": "camden"})"));
  add({"aged 40 with the drug unknown is still not eligible (DESIGN §6)",
       "young_cannabis.json",
       status::not_eligible,
       "",
       {"eligibility age false"},
       {}},
      young(R"("person": {"age": 40})", R"("substances": [{"class": "B"}])", ""));
  add({"aged 40 and nothing else known: still not eligible",
       "young_cannabis.json",
       status::not_eligible,
       "",
       {"eligibility age false"},
       {}},
      R"({"person": {"age": 40}})");
  add({"a false eligibility rule outweighs a true exclusion",
       "young_cannabis.json",
       status::not_eligible,
       "",
       {"eligibility age false"},
       {}},
      young(R"("person": {"age": 30})", R"("substances": [{"drug": "cannabis"}])",
            R"("assessment": {"supply_indicators": true})"));
  add({"an exclusion applies", "young_cannabis.json", status::excluded, "", {"exclusion supply true"}, {}},
      young(R"("person": {"age": 21, "dependency_indicated": false})", R"("substances": [{"drug": "cannabis"}])",
            R"("assessment": {"supply_indicators": true})"));
  add({"an exclusion applies whatever the pathway facts are",
       "young_cannabis.json",
       status::excluded,
       "",
       {"exclusion supply true"},
       {}},
      young(R"("person": {"age": 21})", R"("substances": [{"drug": "cannabis"}])",
            R"("assessment": {"supply_indicators": true})"));
  add({"unknown eligibility and a true exclusion: excluded or not eligible, so undetermined",
       "young_cannabis.json",
       status::undetermined,
       "",
       {"eligibility age unknown", "exclusion supply true"},
       {"person.age"}},
      young(R"("person": {"dependency_indicated": false})", R"("substances": [{"drug": "cannabis"}])",
            R"("assessment": {"supply_indicators": true})"));
  add({"every eligibility rule true, an exclusion unknown",
       "young_cannabis.json",
       status::undetermined,
       "",
       {"exclusion supply unknown"},
       {"assessment.supply_indicators"}},
      young(R"("person": {"age": 21, "dependency_indicated": false})", R"("substances": [{"drug": "cannabis"}])", ""));
  add({"the pathway choice is unknown (an earlier pathway depends on a missing fact)",
       "young_cannabis.json",
       status::undetermined,
       "",
       {"pathway treatment unknown"},
       {"person.dependency_indicated"}},
      young(R"("person": {"age": 21})"));
  add({"exclusion and pathway both open: both listed",
       "young_cannabis.json",
       status::undetermined,
       "",
       {"exclusion supply unknown", "pathway treatment unknown"},
       {"assessment.supply_indicators", "person.dependency_indicated"}},
      young(R"("person": {"age": 21})", R"("substances": [{"drug": "cannabis"}])", ""));
  add({"an empty case: every fact any open stage reads is missing",
       "young_cannabis.json",
       status::undetermined,
       "",
       {"eligibility jurisdiction unknown", "eligibility effective unknown", "eligibility age unknown",
        "eligibility cannabis_only unknown", "exclusion supply unknown", "pathway treatment unknown"},
       {"assessment.supply_indicators", "offence.area", "offence.date", "offence.force", "person.age",
        "person.dependency_indicated", "substances"}},
      "{}");
  add({"outside the area (implicit jurisdiction rule)",
       "young_cannabis.json",
       status::not_eligible,
       "",
       {"eligibility jurisdiction false"},
       {}},
      young(R"("person": {"age": 21, "dependency_indicated": false})", R"("substances": [{"drug": "cannabis"}])",
            R"("assessment": {"supply_indicators": false})",
            R"("offence": {"date": "2022-07-01", "force": "metropolitan", "area": "camden"})"));
  add({"before the scheme started (implicit effective rule)",
       "young_cannabis.json",
       status::not_eligible,
       "",
       {"eligibility effective false"},
       {}},
      young(R"("person": {"age": 21, "dependency_indicated": false})", R"("substances": [{"drug": "cannabis"}])",
            R"("assessment": {"supply_indicators": false})",
            R"("offence": {"date": "2022-05-31", "force": "metropolitan", "area": "lewisham"})"));
  add({"the area unknown: only offence.area is missing",
       "young_cannabis.json",
       status::undetermined,
       "",
       {"eligibility jurisdiction unknown"},
       {"offence.area"}},
      young(R"("person": {"age": 21, "dependency_indicated": false})", R"("substances": [{"drug": "cannabis"}])",
            R"("assessment": {"supply_indicators": false})",
            R"("offence": {"date": "2022-07-01", "force": "metropolitan"})"));

  // Ranges: a comparison that holds for the whole range is true, for none false, else unknown.
  add({"age range inside the band: eligible", "young_cannabis.json", status::eligible, "education", {}, {}},
      young(R"("person": {"age": {"min": 18, "max": 24}, "dependency_indicated": false})"));
  add({"age range outside the band: not eligible",
       "young_cannabis.json",
       status::not_eligible,
       "",
       {"eligibility age false"},
       {}},
      young(R"("person": {"age": {"min": 25, "max": 34}, "dependency_indicated": false})"));
  add({"age range straddling the band: undetermined, person.age missing",
       "young_cannabis.json",
       status::undetermined,
       "",
       {"eligibility age unknown"},
       {"person.age"}},
      young(R"("person": {"age": {"min": 20, "max": 30}, "dependency_indicated": false})"));

  // Arrays: an item's unknown field, the whole array unknown, the empty array.
  add({"one substance's drug unknown: the item path is missing",
       "young_cannabis.json",
       status::undetermined,
       "",
       {"eligibility cannabis_only unknown"},
       {"substances.1.drug"}},
      young(R"("person": {"age": 21, "dependency_indicated": false})",
            R"("substances": [{"drug": "cannabis"}, {"class": "B", "amount": 1}])"));
  add({"a known other drug decides, whatever the unknown item is",
       "young_cannabis.json",
       status::not_eligible,
       "",
       {"eligibility cannabis_only false"},
       {}},
      young(R"("person": {"age": 21, "dependency_indicated": false})",
            R"("substances": [{"class": "B"}, {"drug": "cocaine"}])"));
  add({"no substances given at all: the whole array is missing",
       "young_cannabis.json",
       status::undetermined,
       "",
       {"eligibility cannabis_only unknown"},
       {"substances"}},
      young(R"("person": {"age": 21, "dependency_indicated": false})", ""));
  add({"an empty substances array: all of [] is false (JsonLogic)",
       "young_cannabis.json",
       status::not_eligible,
       "",
       {"eligibility cannabis_only false"},
       {}},
      young(R"("person": {"age": 21, "dependency_indicated": false})", R"("substances": [])"));
  add({"null is unknown, like an absent fact",
       "young_cannabis.json",
       status::undetermined,
       "",
       {"eligibility age unknown"},
       {"person.age"}},
      young(R"("person": {"age": null, "dependency_indicated": false})"));

  // Pathways without a catch-all.
  add({"no pathway applies: not eligible, with a pathway reason",
       "pathways.json",
       status::not_eligible,
       "",
       {"pathway - false"},
       {}},
      R"({"person": {"age": 30, "dependency_indicated": false, "admits_offence": "no"}})");
  add({"first: the first pathway that holds", "pathways.json", status::eligible, "treatment", {}, {}},
      R"({"person": {"age": 30, "dependency_indicated": true, "admits_offence": "yes"}})");
  add({"first: a later pathway holds once the earlier is false", "pathways.json", status::eligible, "caution", {}, {}},
      R"({"person": {"age": 30, "dependency_indicated": false, "admits_offence": "yes"}})");
  add({"first: a true earlier pathway makes later unknowns irrelevant",
       "pathways.json",
       status::eligible,
       "treatment",
       {},
       {}},
      R"({"person": {"age": 30, "dependency_indicated": true}})");
  add({"first: an unknown earlier pathway leaves the choice open",
       "pathways.json",
       status::undetermined,
       "",
       {"pathway treatment unknown"},
       {"person.dependency_indicated"}},
      R"({"person": {"age": 30, "admits_offence": "yes"}})");
  add({"first: whether any pathway applies is open",
       "pathways.json",
       status::undetermined,
       "",
       {"pathway caution unknown"},
       {"person.admits_offence"}},
      R"({"person": {"age": 30, "dependency_indicated": false}})");
  add({"unique: exactly one pathway holds", "pathways_unique.json", status::eligible, "caution", {}, {}},
      R"({"person": {"age": 30, "dependency_indicated": false, "admits_offence": "yes"}})");
  add({"unique: two pathways hold, an error in the decision",
       "pathways_unique.json",
       status::undetermined,
       "",
       {"pathway - true"},
       {}},
      R"({"person": {"age": 30, "dependency_indicated": true, "admits_offence": "yes"}})");
  add({"unique: one holds and another is unknown, so it may be ambiguous",
       "pathways_unique.json",
       status::undetermined,
       "",
       {"pathway caution unknown"},
       {"person.admits_offence"}},
      R"({"person": {"age": 30, "dependency_indicated": true}})");
  add({"unique: none holds", "pathways_unique.json", status::not_eligible, "", {"pathway - false"}, {}},
      R"({"person": {"age": 30, "dependency_indicated": false, "admits_offence": "no_reply"}})");

  for (const auto& [row, case_text] : table) check_row(row, case_text);
}

TEST_CASE("policy status: unique with two matching pathways says so in the record", "[policy][status]") {
  const divert::policy& p = loaded(fixture("pathways_unique.json"));
  auto r = explain(p, R"({"person": {"age": 30, "dependency_indicated": true, "admits_offence": "yes"}})");
  CHECK(r.status == status::undetermined);
  CHECK(r.error ==
        "ambiguous pathway: pathways treatment, caution all apply; the policy requires exactly one "
        "(pathway_policy \"unique\")");
  REQUIRE(r.reasons.size() == 1);
  CHECK(r.reasons[0].message ==
        "pathways treatment, caution all apply; the policy requires exactly one (pathway_policy \"unique\")");
  divert::decision d =
      p.decide(bind_case(p, R"({"person": {"age": 30, "dependency_indicated": true, "admits_offence": "yes"}})"));
  CHECK(d.ambiguous);
  CHECK(d.pathway == -1);

  // Under "first" the same case simply takes the first.
  const divert::policy& first = loaded(fixture("pathways.json"));
  auto r2 = explain(first, R"({"person": {"age": 30, "dependency_indicated": true, "admits_offence": "yes"}})");
  CHECK(r2.status == status::eligible);
  CHECK(r2.error.empty());
  CHECK(!first
             .decide(
                 bind_case(first, R"({"person": {"age": 30, "dependency_indicated": true, "admits_offence": "yes"}})"))
             .ambiguous);
}

TEST_CASE("policy status: no pathway applies has its own reason", "[policy][status]") {
  const divert::policy& p = loaded(fixture("pathways.json"));
  auto f = bind_case(p, R"({"person": {"age": 30, "dependency_indicated": false, "admits_offence": "no"}})");
  auto r = p.explain(f);
  REQUIRE(r.reasons.size() == 1);
  CHECK(r.reasons[0].stage == "pathway");
  CHECK(r.reasons[0].rule.empty());
  CHECK(r.reasons[0].result == false);
  CHECK(r.reasons[0].message ==
        "every eligibility rule holds and no exclusion applies, but none of the 2 pathways applies to this case");
  CHECK(p.decide(f).no_pathway);
}

TEST_CASE("policy status: Kleene and, or, not", "[policy][status][logic]") {
  // person.consents x assessment.personal_use, each true, false or unknown (absent).
  struct row {
    const char* consents;
    const char* personal_use;
    const char* expected;  // and, or, !consents, !(and)
  };
  const row rows[] = {
      {"true", "true", "T T F F"},  {"true", "false", "F T F T"},  {"true", nullptr, "U T F U"},
      {"false", "true", "F T T T"}, {"false", "false", "F F T T"}, {"false", nullptr, "F U T T"},
      {nullptr, "true", "U T U U"}, {nullptr, "false", "F U U T"}, {nullptr, nullptr, "U U U U"},
  };
  for (const auto& r : rows) {
    std::string c = "{";
    if (r.consents) c += std::string(R"("person": {"consents": )") + r.consents + "}";
    if (r.personal_use)
      c += std::string(r.consents ? ", " : "") + R"("assessment": {"personal_use": )" + r.personal_use + "}";
    c += "}";
    INFO(c);
    CHECK(outcomes(c, {"and", "or", "not", "not_and"}) == r.expected);
  }
  // An explicit null is unknown too.
  CHECK(outcomes(R"({"person": {"consents": null}, "assessment": {"personal_use": false}})",
                 {"and", "or", "not", "not_and"}) == "F U U T");
}

TEST_CASE("policy status: all, some, none over empty, known and partly unknown arrays", "[policy][status][logic]") {
  struct row {
    const char* substances;  // nullptr: absent
    const char* expected;    // all, some, none (of drug == cannabis)
  };
  const row rows[] = {
      {"[]", "F F T"},  // JsonLogic: all of [] is false; some of [] false; none of [] true
      {R"([{"drug": "cannabis"}])", "T T F"},
      {R"([{"drug": "cannabis"}, {"drug": "cannabis_resin"}])", "F T F"},
      {R"([{"drug": "cocaine"}])", "F F T"},
      {R"([{"class": "B"}])", "U U U"},
      {R"([{"drug": "cannabis"}, {"class": "B"}])", "U T F"},
      {R"([{"drug": "cocaine"}, {"class": "B"}])", "F U U"},
      {R"([{"drug": null}])", "U U U"},
      {nullptr, "U U U"},
  };
  for (const auto& r : rows) {
    std::string c = r.substances ? std::string(R"({"substances": )") + r.substances + "}" : std::string("{}");
    INFO(c);
    CHECK(outcomes(c, {"all_cannabis", "some_cannabis", "none_cannabis"}) == r.expected);
  }
}

TEST_CASE("policy status: comparisons over ranges", "[policy][status][ranges]") {
  // Rules: 18 <= age <= 24; age <= 24; age > 17; age == 21; age + 1 > 20.
  const std::vector<std::string> rules = {"age_band", "age_at_most_24", "age_over_17", "age_is_21",
                                          "age_plus_one_over_20"};
  struct row {
    const char* age;
    const char* expected;
  };
  const row rows[] = {
      {"21", "T T T T T"},
      {"17", "F T F F F"},
      {"25", "F F T F T"},
      {R"({"min": 18, "max": 24})", "T T T U U"},  // holds for the whole range: true
      {R"({"min": 25, "max": 30})", "F F T F T"},  // for none of it: false
      {R"({"min": 10, "max": 17})", "F T F F F"},
      {R"({"min": 20, "max": 30})", "U U T U T"},  // straddling: unknown
      {R"({"min": 17, "max": 18})", "U T U F F"},
      {R"({"min": 21, "max": 21})", "T T T T T"},  // a range of one value is that value
      {R"({"min": 100})", "F F T F T"},            // an open end takes the schema's bound (120)
      {"null", "U U U U U"},
  };
  for (const auto& r : rows) {
    std::string c = std::string(R"({"person": {"age": )") + r.age + "}}";
    INFO(c);
    CHECK(outcomes(c, rules) == r.expected);
  }
}

TEST_CASE("policy status: a straddling range names the fact in missing and in the message",
          "[policy][status][ranges]") {
  const divert::policy& p = loaded(fixture("young_cannabis.json"));
  auto r = explain(p, young(R"("person": {"age": {"min": 20, "max": 30}, "dependency_indicated": false})"));
  CHECK(r.status == status::undetermined);
  CHECK(r.missing == std::vector<std::string>{"person.age"});
  REQUIRE(r.reasons.size() == 1);
  CHECK(r.reasons[0].message == "depends on facts not known exactly: person.age is known only as between 20 and 30");
}

TEST_CASE("policy status: --skip-rules through policy::select", "[policy][status][skip]") {
  const divert::policy& p = loaded(fixture("young_cannabis.json"));

  SECTION("a skipped eligibility rule passes") {
    divert::rule_selection skip = p.select({"age"});
    CHECK(skip.ids() == std::vector<std::string>{"age"});
    auto f = bind_case(p, young(R"("person": {"age": 30, "dependency_indicated": false})"));
    CHECK(p.decide(f).status == status::not_eligible);
    divert::decision d = p.decide(f, &skip);
    CHECK(d.status == status::eligible);
    CHECK(rule_outcome(p, d, "age") == outcome::skipped);
    auto r = p.explain(f, &skip);
    CHECK(r.status == status::eligible);
    CHECK(r.skipped == std::vector<std::string>{"age"});
    CHECK(r.to_json()["skipped"] == ojson::array({"age"}));
  }
  SECTION("a skipped eligibility rule passes even when its facts are unknown") {
    divert::rule_selection skip = p.select({"age"});
    auto f = bind_case(p, young(R"("person": {"dependency_indicated": false})"));
    CHECK(p.decide(f).status == status::undetermined);
    auto r = p.explain(f, &skip);
    CHECK(r.status == status::eligible);
    CHECK(r.missing.empty());
  }
  SECTION("a skipped exclusion does not fire") {
    divert::rule_selection skip = p.select({"supply"});
    auto f =
        bind_case(p, young(R"("person": {"age": 21, "dependency_indicated": false})",
                           R"("substances": [{"drug": "cannabis"}])", R"("assessment": {"supply_indicators": true})"));
    CHECK(p.decide(f).status == status::excluded);
    CHECK(p.decide(f, &skip).status == status::eligible);
    CHECK(p.explain(f, &skip).skipped == std::vector<std::string>{"supply"});
  }
  SECTION("implicit rules can be skipped: these cases as if they happened in the area") {
    divert::rule_selection skip = p.select({"jurisdiction", "effective"});
    auto f =
        bind_case(p, young(R"("person": {"age": 21, "dependency_indicated": false})",
                           R"("substances": [{"drug": "cannabis"}])", R"("assessment": {"supply_indicators": false})",
                           R"("offence": {"date": "2019-01-01", "force": "thames_valley", "area": "reading"})"));
    CHECK(p.decide(f).status == status::not_eligible);
    auto r = p.explain(f, &skip);
    CHECK(r.status == status::eligible);
    CHECK(r.skipped == std::vector<std::string>{"jurisdiction", "effective"});  // in rule order
  }
  SECTION("skipping one rule leaves the others deciding") {
    divert::rule_selection skip = p.select({"age"});
    auto r = explain(p, young(R"("person": {"age": 30, "dependency_indicated": false})", R"("substances": [])"), &skip);
    CHECK(r.status == status::not_eligible);
    CHECK(reason_lines(r) == std::vector<std::string>{"eligibility cannabis_only false"});
  }
  SECTION("an empty selection changes nothing") {
    divert::rule_selection none = p.select({});
    CHECK(none.empty());
    auto f = bind_case(p, young(R"("person": {"age": 30, "dependency_indicated": false})"));
    CHECK(p.decide(f, &none).status == status::not_eligible);
  }
  SECTION("a pathway cannot be skipped") {
    try {
      p.select({"treatment"});
      FAIL("select accepted a pathway id");
    } catch (const divert::compile_error& e) {
      REQUIRE(e.diagnostics().size() == 1);
      const auto& d = e.diagnostics()[0];
      CHECK(d.id == "skip-rules");
      CHECK(d.pointer == "/pathways/0");
      CHECK(d.message == "\"treatment\" is a pathway; only eligibility rules and exclusions can be skipped");
    }
  }
  SECTION("an unknown id is an error, with a suggestion") {
    try {
      p.select({"age", "suply", "nothing_like_it"});
      FAIL("select accepted unknown ids");
    } catch (const divert::compile_error& e) {
      REQUIRE(e.diagnostics().size() == 2);
      CHECK(e.diagnostics()[0].message == "no rule \"suply\" to skip (did you mean \"supply\"?)");
      CHECK(e.diagnostics()[1].message == "no rule \"nothing_like_it\" to skip");
      CHECK(e.diagnostics()[0].file == fixture("young_cannabis.json"));
    }
  }
}

// decide() answers most calls on a lean path (no rule set aside, only what decides evaluated, up
// to 64 rules); evaluating every rule goes the general way. The law: both give the same status,
// pathway and flags, and every rule the lean path evaluated has the same outcome on both. Over
// every shipped policy and fixture, every case of every shipped policy's tests, and each of those
// cases with one fact (or one item's field) taken away, so that unknowns reach every stage.
namespace {

std::vector<ojson> cases_with_each_fact_taken_away(const ojson& c) {
  std::vector<ojson> out{c};
  for (auto it = c.begin(); it != c.end(); ++it) {
    ojson without = c;
    without.erase(it.key());
    out.push_back(without);
    if (it->is_object())
      for (auto jt = it->begin(); jt != it->end(); ++jt) {
        ojson w = c;
        w[it.key()].erase(jt.key());
        out.push_back(w);
      }
    if (it->is_array() && !it->empty() && (*it)[0].is_object())
      for (auto jt = (*it)[0].begin(); jt != (*it)[0].end(); ++jt) {
        ojson w = c;
        w[it.key()][0].erase(jt.key());
        out.push_back(w);
      }
  }
  return out;
}

}  // namespace

// The policies and cases the laws below range over: every shipped policy and the status
// fixtures; every case of the shipped policies' tests with each fact, and each item field,
// taken away in turn.
std::vector<std::string> law_policies() {
  std::vector<std::string> policies;
  for (const char* name : {"lewisham", "thames_valley", "cannabis_escalation", "avon_somerset_dep",
                           "mopac_womens_diversion", "variants/lewisham_age_25"})
    policies.push_back(source(std::string("policies/") + name + ".json"));
  for (const char* name : {"young_cannabis.json", "pathways.json", "pathways_unique.json", "logic.json"})
    policies.push_back(fixture(name));
  return policies;
}

std::vector<ojson> law_cases() {
  std::vector<ojson> cases;
  for (const char* name :
       {"lewisham", "thames_valley", "cannabis_escalation", "avon_somerset_dep", "mopac_womens_diversion"}) {
    ojson tests = ojson::parse(read_file(source(std::string("policies/") + name + ".tests.json")));
    for (const auto& t : tests["cases"])
      for (auto& c : cases_with_each_fact_taken_away(t["case"])) cases.push_back(std::move(c));
  }
  return cases;
}

// Each of `cases` bound under each law policy whose schema accepts it: fn(path, policy, case, facts).
template <class Fn>
void for_each_law_binding(const std::vector<ojson>& cases, Fn&& fn) {
  for (const auto& path : law_policies()) {
    const divert::policy& p = loaded(path);
    for (const auto& c : cases) {
      std::optional<divert::facts> f;
      try {
        f.emplace(p.bind(c));
      } catch (const divert::case_error&) {
        continue;  // not a case this policy's schema accepts
      }
      fn(path, p, c, *f);
    }
  }
}

TEST_CASE("policy decide: the lean path and the evaluate-all path agree", "[policy][status][law]") {
  const std::vector<ojson> cases = law_cases();
  REQUIRE(cases.size() > 1000);

  std::size_t compared = 0;
  std::map<status, std::size_t> seen;
  for_each_law_binding(cases,
                       [&](const std::string& path, const divert::policy& p, const ojson& c, const divert::facts& f) {
                         divert::decision lean, all;
                         p.decide(f, lean);
                         p.decide(f, all, nullptr, /*evaluate_all=*/true);
                         INFO(path << "\n" << c.dump());
                         REQUIRE(lean.status == all.status);
                         REQUIRE(lean.pathway == all.pathway);
                         REQUIRE(lean.no_pathway == all.no_pathway);
                         REQUIRE(lean.ambiguous == all.ambiguous);
                         for (std::size_t i = 0; i < p.rule_count(); ++i)
                           if (lean.at(i) != outcome::not_evaluated) REQUIRE(lean.at(i) == all.at(i));
                         ++compared;
                         ++seen[lean.status];
                       });
  CHECK(compared > 5000);
  CHECK(seen.size() == 4);  // every status came up
}

// The fast path's records answer as the general evaluator does, rule by rule (fast_rules.hpp
// says "by construction": this holds it to that, over every rule of every law policy).
TEST_CASE("policy decide: each rule's outcome is the general evaluator's", "[policy][status][law]") {
  divert::detail::arena scratch(0);
  std::size_t compared = 0;
  std::map<outcome, std::size_t> seen;
  for_each_law_binding(law_cases(),
                       [&](const std::string& path, const divert::policy& p, const ojson& c, const divert::facts& f) {
                         divert::decision all;
                         p.decide(f, all, nullptr, /*evaluate_all=*/true);
                         for (std::uint32_t i = 0; i < p.rule_count(); ++i) {
                           INFO(path << ", rule " << i << "\n" << c.dump());
                           REQUIRE(all.at(i) == divert::detail::evaluate_rule(p.impl(), i, f.slots(), scratch));
                           ++compared;
                           ++seen[all.at(i)];
                         }
                       });
  CHECK(compared > 50000);
  CHECK(seen.size() == 3);  // no, yes and unknown all came up
}

TEST_CASE("policy explain: a record explained into case after case is the record explained afresh",
          "[policy][records][law]") {
  // One record per policy, written over for every case (with and without trace, and with an
  // unknown fact's warning now and then), against a new record each time.
  const std::vector<ojson> cases = law_cases();
  std::size_t compared = 0;
  std::set<std::size_t> reason_counts;
  for (const auto& path : law_policies()) {
    const divert::policy& p = loaded(path);
    divert::decision_record reused;
    std::size_t k = 0;
    for (ojson c : cases) {
      ++k;
      if (k % 7 == 0) c["not_a_fact"] = 1;
      std::optional<divert::facts> f;
      try {
        f.emplace(p.bind(c));
      } catch (const divert::case_error&) {
        continue;
      }
      const bool trace = k % 3 == 0;
      p.explain(*f, reused, nullptr, trace);
      const divert::decision_record fresh = p.explain(*f, nullptr, trace);
      INFO(path << "\n" << c.dump());
      REQUIRE(reused.to_json().dump() == fresh.to_json().dump());
      REQUIRE(reused.policy_title == fresh.policy_title);
      REQUIRE(reused.rules_total == fresh.rules_total);
      REQUIRE(reused.implicit_rules == fresh.implicit_rules);
      reason_counts.insert(fresh.reasons.size());
      ++compared;
    }
  }
  CHECK(compared > 5000);
  CHECK(reason_counts.size() >= 3);  // records of 0, 1 and more reasons followed one another
}

TEST_CASE("policy explain: a false `and` rule's message made without a trace is the traced one",
          "[policy][records][law]") {
  // The explainer writes a false `and` rule's message from its first false conjunct alone when
  // that conjunct reads one fact (explainer::message_of_false_and); the same explainer with that
  // turned off traces the rule and describes the whole trace. Every record must be the same:
  // the law cases through every law policy, and W1's cases through W1's one `and` rule.
  std::vector<std::pair<std::string, ojson>> runs;
  for (const auto& path : law_policies())
    for (const auto& c : law_cases()) runs.emplace_back(path, c);
  for (const auto& c : divert::bench::w1::generate(3000))
    runs.emplace_back(source("benchmarks/w1_policy.json"), ojson::parse(divert::bench::w1::case_text(c)));
  std::size_t compared = 0, untraced = 0;
  for (const auto& [path, c] : runs) {
    const divert::policy& p = loaded(path);
    std::optional<divert::facts> f;
    try {
      f.emplace(p.bind(c));
    } catch (const divert::case_error&) {
      continue;
    }
    divert::decision d;
    p.decide(*f, d);
    divert::detail::explainer quick(p.impl(), f->slots()), traced(p.impl(), f->slots());
    traced.untraced_conjuncts = false;
    divert::decision_record a, b;
    quick.explain(d, false, a);
    traced.explain(d, false, b);
    INFO(path << "\n" << c.dump());
    REQUIRE(a.to_json().dump() == b.to_json().dump());
    ++compared;
    for (std::uint32_t i = 0; i < p.rule_count(); ++i) {
      std::string message;
      if (d.at(i) == outcome::no && quick.message_of_false_and(i, message)) ++untraced;
    }
  }
  CHECK(compared > 10000);
  // message_of_false_and answered without a trace (W1's rule, which has no message of its own, and others)
  CHECK(untraced > 3000);
}

TEST_CASE("policy decide: a policy of more than 64 rules decides as its 4-rule original", "[policy][status]") {
  // Lewisham's eligibility rules 17 times over (68 rules and more: outcomes beyond the inline 64).
  ojson doc = ojson::parse(read_file(source("policies/lewisham.json")));
  ojson rules = ojson::array();
  for (int k = 0; k < 17; ++k)
    for (auto r : doc["eligibility"]) {
      r["id"] = r["id"].get<std::string>() + "_" + std::to_string(k);
      rules.push_back(r);
    }
  doc["eligibility"] = rules;
  std::string path = temp_dir() + "/lewisham_x17.json";
  write_file(path, doc.dump());
  const divert::policy& big = loaded(path);
  const divert::policy& small = loaded(source("policies/lewisham.json"));
  REQUIRE(big.rule_count() > 64);
  ojson tests = ojson::parse(read_file(source("policies/lewisham.tests.json")));
  for (const auto& t : tests["cases"]) {
    divert::decision a, b;
    big.decide(big.bind(t["case"]), a);
    small.decide(small.bind(t["case"]), b);
    INFO(t["name"].get<std::string>());
    CHECK(a.status == b.status);
    CHECK(a.pathway == b.pathway);
    CHECK(a.at(big.rule_count() - 1) == b.at(small.rule_count() - 1));  // the pathway's outcome
  }
}

// offence.area is free text (no symbol): the fast path finds it in the jurisdiction's list by its
// length and two words of its bytes (fast_rules.hpp, text_key), and compares the bytes in full
// only past 16. Every listed length class (1-3, 4-7, 8-16 bytes, and longer, with two listed
// strings that differ only in their middle), each listed area, and each with one byte changed at
// every position, cut short or made longer: in the list exactly when it is one of the listed
// strings, as the general evaluator says too.
TEST_CASE("policy decide: a free-text fact in a list of strings, whatever its length", "[policy][status]") {
  const std::vector<std::string> listed = {"a",
                                           "ab",
                                           "abc",
                                           "bury",
                                           "wokingham",
                                           "greenwich",
                                           "hammersmith",
                                           "lewisham",
                                           "kingston_upon_thames",
                                           "aaaaaaaa-one-bbbbbbbb",
                                           "aaaaaaaa-two-bbbbbbbb"};
  ojson doc = ojson::parse(read_file(source("policies/lewisham.json")));
  doc["jurisdiction"]["areas"] = listed;
  const std::string path = temp_dir() + "/lewisham_areas.json";
  write_file(path, doc.dump());
  const divert::policy& p = loaded(path);
  REQUIRE(p.impl().rules[0].id == "jurisdiction");

  std::set<std::string> areas(listed.begin(), listed.end());
  std::set<std::string> tried;
  for (const std::string& area : listed) {
    tried.insert(area);
    tried.insert(area + "s");
    tried.insert(area.substr(0, area.size() - 1));
    for (std::size_t at = 0; at < area.size(); ++at) {
      std::string changed = area;
      changed[at] = changed[at] == 'x' ? 'y' : 'x';
      tried.insert(changed);
    }
  }
  ojson c = ojson::parse(read_file(source("policies/lewisham.tests.json")))["cases"][0]["case"];
  divert::detail::arena scratch(0);
  std::size_t in = 0;
  for (const std::string& area : tried) {
    c["offence"]["area"] = area;
    const divert::facts f = p.bind(c);
    divert::decision d;
    p.decide(f, d);
    INFO("area \"" << area << "\"");
    const outcome expected = areas.count(area) ? outcome::yes : outcome::no;
    CHECK(d.at(0) == expected);
    CHECK(divert::detail::evaluate_rule(p.impl(), 0, f.slots(), scratch) == expected);
    in += expected == outcome::yes;
  }
  CHECK(in == listed.size());
  CHECK(tried.size() > 120);
}

// A "first" policy whose first pathway is `true` chooses it when the policy compiles: the lean
// path writes its outcome without evaluating it and evaluates no later pathway, as deciding every
// rule would find; with "unique" the pathways are all evaluated.
TEST_CASE("policy decide: a first pathway that always applies", "[policy][status]") {
  ojson doc = ojson::parse(read_file(source("policies/lewisham.json")));
  ojson second = doc["pathways"][0];
  second["id"] = "second";
  second["when"] = {{"var", "person.consents"}};
  doc["pathways"].push_back(second);
  ojson c = ojson::parse(read_file(source("policies/lewisham.tests.json")))["cases"][0]["case"];
  for (const char* pathway_policy : {"first", "unique"}) {
    doc["pathway_policy"] = pathway_policy;
    const std::string path = temp_dir() + "/lewisham_two_pathways_" + pathway_policy + ".json";
    write_file(path, doc.dump());
    const divert::policy& p = loaded(path);
    REQUIRE(p.impl().first_pathway_always == (std::string(pathway_policy) == "first"));
    const std::uint32_t first = p.impl().first_pathway();
    for (const ojson& supply : {ojson(false), ojson(nullptr), ojson(true)}) {
      ojson x = c;
      x["assessment"]["supply_indicators"] = supply;
      x["person"]["consents"] = true;
      divert::decision d;
      p.decide(p.bind(x), d);
      INFO(pathway_policy << ", supply_indicators " << supply.dump());
      if (supply == true) {
        CHECK(d.status == status::excluded);
        CHECK(d.at(first) == outcome::not_evaluated);
      } else if (std::string(pathway_policy) == "first") {
        CHECK(d.status == (supply == false ? status::eligible : status::undetermined));
        CHECK(d.pathway == (supply == false ? 0 : -1));
        CHECK(d.at(first) == outcome::yes);
        CHECK(d.at(first + 1) == outcome::not_evaluated);
      } else {
        CHECK(d.status == status::undetermined);  // two pathways apply, or the exclusion is unknown
        CHECK(d.at(first) == outcome::yes);
        CHECK(d.at(first + 1) == outcome::yes);
      }
    }
  }
}
