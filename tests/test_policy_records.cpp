// Decision records (DESIGN §6): golden records compared byte for byte, determinism, the policy
// hash checked against independent computations, and the messages built from the deciding
// comparison or from a rule's explain template.
//
// Golden files live in tests/fixtures/policies/golden/: POLICY.CASE.case.json is the input and
// POLICY.CASE[.VARIANT].record.json is exactly `record.to_json().dump(2)` plus a newline
// (.record.txt: `record.to_text()`). After a deliberate change to the record, regenerate them
// with DIVERT_UPDATE_GOLDEN=1 and review the diff like any other change.

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "divert/detail/output/sha256.hpp"
#include "divert/policy.hpp"
#include "test_policy_support.hpp"

using namespace divert_policy_test;

namespace {

bool updating_golden() {
  const char* v = std::getenv("DIVERT_UPDATE_GOLDEN");
  return v && *v && std::string(v) != "0";
}

// Compares `actual` with the golden file (or rewrites it when updating).
void check_golden(const std::string& golden_rel, const std::string& actual) {
  std::string path = fixture("golden/" + golden_rel);
  if (updating_golden()) {
    write_file(path, actual);
    WARN("rewrote " << path);
    return;
  }
  std::string expected = read_file(path);
  INFO("golden file " << path);
  REQUIRE(!expected.empty());
  CHECK(actual == expected);
}

struct golden_case {
  const char* policy;   // fixture policy stem
  const char* name;     // case name: golden/POLICY.NAME.case.json
  const char* variant;  // "" or a suffix of the record's file name
  std::vector<std::string> skip;
  bool trace;
};

divert::decision_record record_of(const golden_case& g) {
  const divert::policy& p = loaded(fixture(std::string(g.policy) + ".json"));
  ojson case_json = ojson::parse(read_file(fixture(std::string("golden/") + g.policy + "." + g.name + ".case.json")));
  divert::facts f = p.bind(case_json);
  divert::rule_selection skip = p.select(g.skip);
  return p.explain(f, &skip, g.trace);
}

std::string record_name(const golden_case& g, const char* ext) {
  return std::string(g.policy) + "." + g.name + (*g.variant ? std::string(".") + g.variant : std::string()) + ext;
}

const std::vector<golden_case>& golden_cases() {
  static const std::vector<golden_case> cases = {
      {"young_cannabis", "eligible", "", {}, false},
      {"young_cannabis", "eligible", "trace", {}, true},
      {"young_cannabis", "treatment", "", {}, false},
      {"young_cannabis", "not_eligible", "", {}, false},
      {"young_cannabis", "not_eligible", "skip", {"age", "jurisdiction"}, false},
      {"young_cannabis", "excluded", "", {}, false},
      {"young_cannabis", "undetermined", "", {}, false},
      {"young_cannabis", "warnings", "", {}, false},
      {"pathways", "no_pathway", "", {}, false},
      {"pathways_unique", "ambiguous", "", {}, false},
      {"messages", "not_eligible", "", {}, false},
      {"messages", "excluded", "", {}, false},
  };
  return cases;
}

// SHA-256 of `text` by the system's sha256sum: an implementation independent of divert's.
std::string system_sha256(const std::string& text) {
  std::string path = temp_dir() + "/canonical.json";
  write_file(path, text);
  std::string cmd = "sha256sum '" + path + "'";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[128] = {0};
  std::string out;
  while (std::fgets(buf, sizeof buf, pipe)) out += buf;
  REQUIRE(::pclose(pipe) == 0);
  return out.substr(0, 64);
}

}  // namespace

TEST_CASE("policy records: golden decision records, byte for byte", "[policy][records]") {
  for (const auto& g : golden_cases()) {
    SECTION(record_name(g, "")) {
      divert::decision_record r = record_of(g);
      check_golden(record_name(g, ".record.json"), r.to_json().dump(2) + "\n");
    }
  }
}

TEST_CASE("policy records: golden text for an officer's screen", "[policy][records]") {
  for (const auto& g : golden_cases()) {
    if (std::string(g.policy) != "young_cannabis" || *g.variant) continue;
    if (std::string(g.name) != "treatment" && std::string(g.name) != "not_eligible" &&
        std::string(g.name) != "undetermined")
      continue;
    SECTION(record_name(g, "")) { check_golden(record_name(g, ".record.txt"), record_of(g).to_text()); }
  }
}

TEST_CASE("policy records: the golden records say what DESIGN §6 says", "[policy][records]") {
  // The golden files are compared byte for byte above; these checks read a few of them so
  // that a careless regeneration cannot slip a wrong record in unnoticed.
  auto golden = [](const char* name) { return ojson::parse(read_file(fixture(std::string("golden/") + name))); };
  ojson eligible = golden("young_cannabis.eligible.record.json");
  CHECK(eligible["status"] == "eligible");
  CHECK(eligible["pathway"] == ojson::parse(R"({"id": "education", "disposal": "community_resolution", "diverts": true,
                                               "title": "Education course", "provider": "Youth workers"})"));
  CHECK(eligible["reasons"] == ojson::array());
  CHECK(eligible["missing"] == ojson::array());
  CHECK(eligible["policy"]["id"] == "fixture-young-cannabis");
  CHECK(eligible["policy"]["version"] == "1.0");
  CHECK(eligible["policy"]["sha256"] == loaded(fixture("young_cannabis.json")).sha256());

  ojson traced = golden("young_cannabis.eligible.trace.record.json");
  REQUIRE(traced["trace"].size() > 5);
  CHECK(traced["trace"][0] ==
        ojson::parse(R"({"stage": "eligibility", "rule": "jurisdiction", "pointer": "/jurisdiction", "value": true})"));

  ojson undetermined = golden("young_cannabis.undetermined.record.json");
  CHECK(undetermined["status"] == "undetermined");
  CHECK(undetermined["missing"] ==
        ojson::parse(R"(["assessment.supply_indicators", "person.age", "substances.1.drug"])"));

  ojson ambiguous = golden("pathways_unique.ambiguous.record.json");
  CHECK(ambiguous["error"] ==
        "ambiguous pathway: pathways treatment, caution all apply; the policy requires exactly one (pathway_policy "
        "\"unique\")");
}

TEST_CASE("policy records: deterministic, byte for byte", "[policy][records]") {
  const std::string case_path = fixture("golden/young_cannabis.undetermined.case.json");
  const std::string policy_path = fixture("young_cannabis.json");
  ojson case_json = ojson::parse(read_file(case_path));

  divert::policy a = divert::policy::load(policy_path);
  divert::policy b = divert::policy::load(policy_path);
  divert::facts fa = a.bind(case_json);
  divert::facts fb = a.bind(case_json);
  divert::facts fc = b.bind(ojson::parse(read_file(case_path)));  // parsed again, bound by the other policy

  for (bool trace : {false, true}) {
    std::string first = a.explain(fa, nullptr, trace).to_json().dump(2);
    CHECK(a.explain(fa, nullptr, trace).to_json().dump(2) == first);  // same policy, same facts, twice
    CHECK(a.explain(fb, nullptr, trace).to_json().dump(2) == first);  // facts bound separately
    CHECK(b.explain(fc, nullptr, trace).to_json().dump(2) == first);  // policies loaded separately
    CHECK(b.explain(fa, nullptr, trace).to_json().dump(2) == first);  // facts of one, policy of the other
    CHECK(a.explain(fa, nullptr, trace).to_text() == b.explain(fc, nullptr, trace).to_text());
  }
  // Rebinding the same facts object to another case and back gives the same bytes again.
  divert::facts reused = a.bind(case_json);
  std::string before = a.explain(reused).to_json().dump();
  reused.rebind(ojson::parse(read_file(fixture("golden/young_cannabis.eligible.case.json"))));
  CHECK(a.explain(reused).to_json().dump() != before);
  reused.rebind(case_json);
  CHECK(a.explain(reused).to_json().dump() == before);

  // The same policy loaded through another spelling of its path hashes the same.
  divert::policy c = divert::policy::load(fixture("golden/../young_cannabis.json"));
  CHECK(c.sha256() == a.sha256());
}

TEST_CASE("policy records: SHA-256 known answers (FIPS 180-4 examples)", "[policy][records][sha256]") {
  using divert::detail::sha256_hex;
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // Lengths around the padding boundary (55, 56 and 64 bytes) against sha256sum.
  for (std::size_t n : {55u, 56u, 63u, 64u, 65u, 1000u}) {
    std::string text(n, 'a');
    INFO(n << " bytes");
    CHECK(sha256_hex(text) == system_sha256(text));
  }
}

TEST_CASE("policy records: the policy hash is the SHA-256 of the canonical merged policy",
          "[policy][records][sha256]") {
  SECTION("a policy without extends: its own text, keys sorted, no whitespace") {
    // young_cannabis.json has every top-level key the merged document has, and no "extends",
    // so the canonical policy is simply the file re-serialised with sorted keys.
    std::string canonical = nlohmann::json::parse(read_file(fixture("young_cannabis.json"))).dump();
    const divert::policy& p = loaded(fixture("young_cannabis.json"));
    CHECK(p.sha256() == system_sha256(canonical));
    CHECK(p.sha256().size() == 64);
  }
  SECTION("a policy with extends: the merged document") {
    // pathways_unique.json = pathways.json with another id and pathway_policy; the merged
    // document is built here by hand, independently of the loader.
    nlohmann::json merged = nlohmann::json::parse(read_file(fixture("pathways.json")));
    merged["id"] = "fixture-pathways-unique";
    merged["pathway_policy"] = "unique";
    merged["parameters"] = nlohmann::json::object();
    merged["predicates"] = nlohmann::json::object();
    merged["exclusions"] = nlohmann::json::array();
    const divert::policy& p = loaded(fixture("pathways_unique.json"));
    CHECK(p.sha256() == system_sha256(merged.dump()));
    CHECK(p.sha256() != loaded(fixture("pathways.json")).sha256());
  }
  SECTION("the record carries it") {
    const divert::policy& p = loaded(fixture("pathways.json"));
    auto r = explain(p, R"({"person": {"age": 30, "dependency_indicated": true}})");
    CHECK(r.policy_sha256 == p.sha256());
    CHECK(r.to_json()["policy"] == ojson{{"id", "fixture-pathways"}, {"version", "1.0"}, {"sha256", p.sha256()}});
  }
}

TEST_CASE("policy records: messages built from the deciding comparison", "[policy][records][messages]") {
  const divert::policy& p = loaded(fixture("messages.json"));
  auto message = [&](const std::string& case_text, const std::string& rule) {
    auto r = explain(p, case_text);
    for (const auto& x : r.reasons)
      if (x.rule == rule) return x.message;
    return std::string("(no reason for ") + rule + ")";
  };
  auto c = [](const std::string& person, const std::string& rest = "") {
    return R"({"person": )" + person + (rest.empty() ? "" : ", " + rest) + "}";
  };
  const std::string ok_rest =
      R"("offence": {"date": "2022-07-01", "area": "lewisham"}, "substances": [{"drug": "cannabis"}],
         "assessment": {"personal_use": true, "supply_indicators": false})";

  // Numbers: the bound that fails is the one named.
  CHECK(message(c(R"({"age": 30, "consents": true})", ok_rest), "age") == "person.age is 30; required at most 24");
  CHECK(message(c(R"({"age": 17, "consents": true})", ok_rest), "age") == "person.age is 17; required at least 18");
  CHECK(message(c(R"({"age": {"min": 30, "max": 40}, "consents": true})", ok_rest), "age") ==
        "person.age is between 30 and 40; required at most 24");
  // A string against a list (a list parameter).
  CHECK(message(c(R"({"age": 20, "consents": true})",
                  R"("offence": {"date": "2022-07-01", "area": "camden"}, "substances": [{"drug": "cannabis"}],
                     "assessment": {"personal_use": true})"),
                "area") == "offence.area is camden; required one of lewisham, bexley, greenwich");
  // Array items, by position.
  CHECK(message(c(R"({"age": 20, "consents": true})",
                  R"("offence": {"date": "2022-07-01", "area": "lewisham"},
                     "substances": [{"drug": "cannabis"}, {"drug": "cocaine"}], "assessment": {"personal_use": true})"),
                "cannabis_only") == "substances.1.drug is cocaine; required cannabis");
  CHECK(message(c(R"({"age": 20, "consents": true})",
                  R"("offence": {"date": "2022-07-01", "area": "lewisham"},
                     "substances": [{"drug": "heroin"}, {"drug": "cocaine"}], "assessment": {"personal_use": true})"),
                "cannabis_only") == "substances.0.drug is heroin; required cannabis");  // the first item decides
  CHECK(message(c(R"({"age": 20, "consents": true})",
                  R"("offence": {"date": "2022-07-01", "area": "lewisham"}, "substances": [],
                     "assessment": {"personal_use": true})"),
                "cannabis_only") == "substances is empty");
  // Booleans, failing an eligibility rule and firing an exclusion.
  CHECK(message(c(R"({"age": 20, "consents": true})",
                  R"("offence": {"date": "2022-07-01", "area": "lewisham"}, "substances": [{"drug": "cannabis"}],
                     "assessment": {"personal_use": false})"),
                "personal_use") == "assessment.personal_use is false");
  CHECK(message(c(R"({"age": 20, "consents": true, "subject_to_court_order": true})", ok_rest), "court_order") ==
        "person.subject_to_court_order is true");
  // Dates.
  CHECK(message(c(R"({"age": 20, "consents": true})",
                  R"("offence": {"date": "2022-05-31", "area": "lewisham"}, "substances": [{"drug": "cannabis"}],
                     "assessment": {"personal_use": true})"),
                "after_start") == "offence.date is 2022-05-31; required on or after 2022-06-01");
  // Unknown facts: what is missing.
  CHECK(message(c(R"({"consents": true})", ok_rest), "age") == "depends on person.age, which is not known");
}

TEST_CASE("policy records: explain templates with {fact} and {param.x}", "[policy][records][messages]") {
  const divert::policy& p = loaded(fixture("messages.json"));
  const std::string ok_rest =
      R"("offence": {"date": "2022-07-01", "area": "lewisham"}, "substances": [{"drug": "cannabis"}],
         "assessment": {"personal_use": true, "supply_indicators": false})";
  auto r = explain(p, R"({"person": {"age": 20, "consents": false}, )" + ok_rest + "}");
  REQUIRE(r.reasons.size() == 1);
  CHECK(r.reasons[0].rule == "consents");
  // {person.consents} (a boolean fact), {person.age}, {param.min_age}, a list parameter joined.
  CHECK(r.reasons[0].message ==
        "Consent is false for a 20 year old; the scheme is for 18 to 24 year olds in lewisham, bexley, greenwich");

  // A fact the case does not give renders as "unknown"; the template still decides nothing.
  auto r2 = explain(p, R"({"person": {"consents": false}, )" + ok_rest + "}");
  CHECK(r2.status == divert::status::not_eligible);
  bool found = false;
  for (const auto& x : r2.reasons)
    if (x.rule == "consents") {
      found = true;
      CHECK(x.message ==
            "Consent is false for a unknown year old; the scheme is for 18 to 24 year olds in lewisham, bexley, "
            "greenwich");
    }
  CHECK(found);

  // An exclusion's "applies" template.
  auto r3 = explain(p, R"({"person": {"age": 20, "consents": true},
                          "offence": {"date": "2022-07-01", "area": "greenwich"}, "substances": [{"drug": "cannabis"}],
                          "assessment": {"personal_use": true, "supply_indicators": true}})");
  CHECK(r3.status == divert::status::excluded);
  REQUIRE(r3.reasons.size() == 1);
  CHECK(r3.reasons[0].message == "Supply suspected in greenwich");

  // The implicit rules' own messages.
  const divert::policy& y = loaded(fixture("young_cannabis.json"));
  auto r4 = explain(y, R"({"offence": {"date": "2022-05-01", "force": "thames_valley", "area": "reading"},
                           "person": {"age": 21}, "substances": [{"drug": "cannabis"}]})");
  REQUIRE(r4.reasons.size() == 2);
  CHECK(
      r4.reasons[0].message ==
      "The offence (thames_valley, reading) is outside the scheme's area: metropolitan (lewisham, bexley, greenwich)");
  CHECK(r4.reasons[1].message == "The offence date 2022-05-01 is outside the scheme's dates (from 2022-06-01)");
}
