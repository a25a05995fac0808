// `extends` (DESIGN §5): the child inherits everything; parameters merge key by key; a
// predicate, rule, pathway or source with the same id replaces the inherited one in place;
// {"id": x, "remove": true} drops one; chains of three files; the hash follows the merged
// policy; diagnostics of inherited parts name the parent's file.
//
// Fixtures: tests/fixtures/policies/extends/
//   base.json        age 18-24 (predicate over two parameters), drugs, admits; supply and court
//                    order exclusions; pathways treatment, education (no "diverts": a warning)
//   child.json       extends base: max_age 25, admits replaced, consents added, court order
//                    removed, source s2 replaced and s3 added
//   grandchild.json  extends child: min_age 21, drugs ["cannabis"], drugs_only predicate
//                    replaced, treatment removed, education replaced

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "divert/detail/output/sha256.hpp"
#include "divert/policy.hpp"
#include "test_policy_support.hpp"

using namespace divert_policy_test;

namespace {

std::string ext(const std::string& name) { return fixture("extends/" + name); }

std::vector<std::string> rule_ids(const divert::policy& p) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < p.rule_count(); ++i) out.push_back(p.rule(i).stage + " " + p.rule(i).id);
  return out;
}

std::string rule_file(const divert::policy& p, const std::string& id) {
  for (std::size_t i = 0; i < p.rule_count(); ++i)
    if (p.rule(i).id == id) return p.rule(i).file;
  return "(no rule " + id + ")";
}

const std::string complete_case = R"({
  "offence": {"force": "metropolitan"},
  "person": {"age": 25, "admits_offence": "no_reply", "consents": true, "dependency_indicated": false,
             "subject_to_court_order": true},
  "substances": [{"drug": "cannabis"}],
  "assessment": {"supply_indicators": false}
})";

}  // namespace

TEST_CASE("policy extends: the child inherits everything it does not change", "[policy][extends]") {
  const divert::policy& base = loaded(ext("base.json"));
  const divert::policy& child = loaded(ext("child.json"));
  CHECK(child.id() == "fixture-extends-child");
  CHECK(child.version() == "2.0");
  CHECK(child.status() == "active");  // inherited
  CHECK(child.title() == "Fixture: the base scheme up to 25, without the court order exclusion");
  const ojson& doc = child.document();
  CHECK(doc["jurisdiction"] == base.document()["jurisdiction"]);
  CHECK(doc["pathway_policy"] == "first");
  CHECK(doc["predicates"] == base.document()["predicates"]);
  CHECK(doc["pathways"] == base.document()["pathways"]);
  CHECK(!doc.contains("extends"));
}

TEST_CASE("policy extends: parameters merge key by key, in their first order", "[policy][extends]") {
  CHECK(loaded(ext("base.json")).document()["parameters"].dump() ==
        R"({"min_age":18,"max_age":24,"drugs":["cannabis","cannabis_resin"]})");
  CHECK(loaded(ext("child.json")).document()["parameters"].dump() ==
        R"({"min_age":18,"max_age":25,"drugs":["cannabis","cannabis_resin"]})");
  CHECK(loaded(ext("grandchild.json")).document()["parameters"].dump() ==
        R"({"min_age":21,"max_age":25,"drugs":["cannabis"]})");
}

TEST_CASE("policy extends: rules replaced in place, added at the end, removed", "[policy][extends]") {
  const divert::policy& base = loaded(ext("base.json"));
  const divert::policy& child = loaded(ext("child.json"));
  const divert::policy& grandchild = loaded(ext("grandchild.json"));
  CHECK(rule_ids(base) == std::vector<std::string>{"eligibility jurisdiction", "eligibility age", "eligibility drugs",
                                                   "eligibility admits", "exclusion supply", "exclusion court_order",
                                                   "pathway treatment", "pathway education"});
  CHECK(rule_ids(child) == std::vector<std::string>{"eligibility jurisdiction", "eligibility age", "eligibility drugs",
                                                    "eligibility admits", "eligibility consents", "exclusion supply",
                                                    "pathway treatment", "pathway education"});
  CHECK(rule_ids(grandchild) == std::vector<std::string>{"eligibility jurisdiction", "eligibility age",
                                                         "eligibility drugs", "eligibility admits",
                                                         "eligibility consents", "exclusion supply",
                                                         "pathway education"});
  // Where each rule is written.
  CHECK(rule_file(grandchild, "jurisdiction") == ext("base.json"));
  CHECK(rule_file(grandchild, "age") == ext("base.json"));
  CHECK(rule_file(grandchild, "admits") == ext("child.json"));
  CHECK(rule_file(grandchild, "consents") == ext("child.json"));
  CHECK(rule_file(grandchild, "education") == ext("grandchild.json"));
  // The replacement is the whole rule, not a merge of keys.
  CHECK(child.document()["eligibility"][2] ==
        ojson::parse(R"({"id": "admits", "title": "Admits the offence or makes no reply",
                         "when": {"in": [{"var": "person.admits_offence"}, ["yes", "no_reply"]]},
                         "source": "s3", "confidence": "confirmed"})"));
  CHECK(grandchild.pathway_count() == 1);
}

TEST_CASE("policy extends: sources merge by id", "[policy][extends]") {
  CHECK(loaded(ext("child.json")).document()["sources"] == ojson::parse(R"([{"id": "s1", "title": "First source"},
                         {"id": "s2", "title": "Second source, revised"},
                         {"id": "s3", "title": "Third source"}])"));
}

TEST_CASE("policy extends: the merged policy decides as the chain says", "[policy][extends]") {
  const divert::policy& base = loaded(ext("base.json"));
  const divert::policy& child = loaded(ext("child.json"));
  const divert::policy& grandchild = loaded(ext("grandchild.json"));

  // 25, no reply, court order: the base says no on three counts; the child drops all three.
  auto b = explain(base, complete_case);
  CHECK(b.status == divert::status::not_eligible);
  REQUIRE(b.reasons.size() == 2);
  CHECK(b.reasons[0].message == "person.age is 25; required at most 24");            // max_age 24
  CHECK(b.reasons[1].message == "person.admits_offence is no_reply; required yes");  // the base's admits
  auto c = explain(child, complete_case);
  CHECK(c.status == divert::status::eligible);
  CHECK(c.pathway->id == "education");

  // Predicates replaced: the grandchild's drugs rule is "some", over drugs ["cannabis"].
  std::string mixed = R"({"offence": {"force": "metropolitan"},
    "person": {"age": 22, "admits_offence": "yes", "consents": true, "dependency_indicated": true},
    "substances": [{"drug": "cannabis"}, {"drug": "cocaine"}], "assessment": {"supply_indicators": false}})";
  CHECK(explain(child, mixed).status == divert::status::not_eligible);
  auto g = explain(grandchild, mixed);
  CHECK(g.status == divert::status::eligible);
  CHECK(g.pathway->id == "education");  // treatment removed
  CHECK(g.pathway->title == "Education, revised");
  // min_age 21 in the grandchild only.
  std::string twenty = R"({"offence": {"force": "metropolitan"},
    "person": {"age": 20, "admits_offence": "yes", "consents": true, "dependency_indicated": false},
    "substances": [{"drug": "cannabis"}], "assessment": {"supply_indicators": false}})";
  CHECK(explain(child, twenty).status == divert::status::eligible);
  auto g20 = explain(grandchild, twenty);
  CHECK(g20.status == divert::status::not_eligible);
  REQUIRE(g20.reasons.size() == 1);
  CHECK(g20.reasons[0].message == "person.age is 20; required at least 21");
}

TEST_CASE("policy extends: the hash is over the merged policy", "[policy][extends]") {
  const divert::policy& child = loaded(ext("child.json"));
  // The same policy written differently (key order, whitespace) hashes the same...
  CHECK(loaded(ext("child_reformatted.json")).sha256() == child.sha256());
  // ...a changed parameter does not...
  CHECK(loaded(ext("child_max_age_26.json")).sha256() != child.sha256());
  // ...and neither parent nor grandchild shares it.
  CHECK(loaded(ext("base.json")).sha256() != child.sha256());
  CHECK(loaded(ext("grandchild.json")).sha256() != child.sha256());
  // It is the hash of the canonical merged document (sorted keys, no whitespace).
  CHECK(child.sha256() == divert::detail::sha256_hex(nlohmann::json(child.document()).dump()));
}

TEST_CASE("policy extends: diagnostics of inherited parts name the parent's file", "[policy][extends]") {
  const diag inherited_warning{
      "warning", "missing-diverts", ext("base.json"), "/pathways/1",
      "pathway \"education\" does not say whether it diverts; taken as true from its disposal"};
  CHECK(sorted(loaded(ext("child.json")).warnings()) == std::vector<diag>{inherited_warning});
  // The grandchild replaces that pathway: the warning goes with it.
  CHECK(loaded(ext("grandchild.json")).warnings().empty());

  // Removing a parameter the parent's predicate uses: the error is in the parent's predicate;
  // removing what was never inherited is the child's error.
  bool valid = true;
  CHECK(load_diagnostics(ext("broken_child.json"), &valid) ==
        sorted({diag{"error", "unknown-parameter", ext("base.json"), "/predicates/in_age_band/<=/2",
                     "unknown parameter \"max_age\" (did you mean \"min_age\"?)"},
                diag{"error", "remove-missing", ext("broken_child.json"), "/exclusions/0",
                     "removes \"no_such_rule\", which it does not inherit"},
                inherited_warning}));
  CHECK(!valid);
}

TEST_CASE("policy extends: the repository's age-25 variant is one small file over lewisham.json", "[policy][extends]") {
  const divert::policy& lewisham = loaded(source("policies/lewisham.json"));
  const divert::policy& variant = loaded(source("policies/variants/lewisham_age_25.json"));
  CHECK(variant.document()["parameters"]["max_age"] == 25);
  CHECK(variant.document()["parameters"]["min_age"] == lewisham.document()["parameters"]["min_age"]);
  CHECK(variant.document()["eligibility"].size() == lewisham.document()["eligibility"].size());
  CHECK(variant.sha256() != lewisham.sha256());
}
