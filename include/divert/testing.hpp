#pragma once
// Policy tests (DESIGN §7): a file names a policy and lists cases with what they must decide.
// Used by `divert test` and by unit tests of policy variants (see examples/variant_test.cpp):
//
//   auto differences = divert::testing::check(policy, case_json, R"({"status": "eligible"})"_json);
//   REQUIRE(differences.empty());

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "divert/detail/input/json_text.hpp"
#include "divert/policy.hpp"

namespace divert::testing {

using ojson = nlohmann::ordered_json;

// What differs between a decision and an expectation {status, pathway, reasons, missing}; empty
// when it matches. `record` receives the decision when given.
inline std::vector<std::string> compare(const decision_record& rec, const ojson& expect) {
  std::vector<std::string> diffs;
  auto list = [](const std::vector<std::string>& xs) {
    std::string out = "[";
    for (std::size_t i = 0; i < xs.size(); ++i) out += (i ? ", " : "") + xs[i];
    return out + "]";
  };
  std::string got_status = to_string(rec.status);
  if (!expect.contains("status") || !expect["status"].is_string()) {
    diffs.push_back("the expectation has no \"status\"");
  } else if (expect["status"].get<std::string>() != got_status) {
    std::string why;
    for (const auto& r : rec.reasons) why += (why.empty() ? "" : "; ") + (r.rule.empty() ? r.stage : r.rule) + ": " + r.message;
    diffs.push_back("status: expected " + expect["status"].get<std::string>() + ", got " + got_status +
                    (why.empty() ? "" : " (" + why + ")") +
                    (rec.missing.empty() ? "" : " missing " + list(rec.missing)));
  }
  if (expect.contains("pathway")) {
    std::string want = expect["pathway"].is_string() ? expect["pathway"].get<std::string>() : "";
    std::string got = rec.pathway ? rec.pathway->id : "";
    if (want != got)
      diffs.push_back("pathway: expected " + (want.empty() ? std::string("none") : want) + ", got " +
                      (got.empty() ? std::string("none") : got));
  }
  if (expect.contains("reasons")) {
    std::set<std::string> have;
    for (const auto& r : rec.reasons) have.insert(r.rule);
    std::vector<std::string> absent;
    for (const auto& id : expect["reasons"])
      if (!id.is_string() || !have.count(id.get<std::string>())) absent.push_back(id.is_string() ? id.get<std::string>() : id.dump());
    if (!absent.empty()) {
      std::vector<std::string> got(have.begin(), have.end());
      diffs.push_back("reasons: expected " + list(absent) + " among the reasons, got " + list(got));
    }
  }
  if (expect.contains("missing")) {
    std::vector<std::string> want;
    for (const auto& m : expect["missing"])
      if (m.is_string()) want.push_back(m.get<std::string>());
    std::sort(want.begin(), want.end());
    want.erase(std::unique(want.begin(), want.end()), want.end());
    if (want != rec.missing) diffs.push_back("missing: expected " + list(want) + ", got " + list(rec.missing));
  }
  return diffs;
}

// Binds, decides and compares one case; a case the schema rejects is a difference too.
inline std::vector<std::string> check(const policy& p, const ojson& case_json, const ojson& expect,
                                      const rule_selection* skip = nullptr, decision_record* record = nullptr) {
  try {
    facts f = p.bind(case_json);
    decision_record rec = p.explain(f, skip);
    auto diffs = compare(rec, expect);
    if (record) *record = std::move(rec);
    return diffs;
  } catch (const divert::error& e) {
    std::vector<std::string> diffs;
    for (const auto& d : e.diagnostics()) diffs.push_back("invalid case: " + (d.pointer.empty() ? std::string("/") : d.pointer) + ": " + d.message);
    return diffs;
  }
}

// Which outcomes (true, false) the tests reached for each rule whose condition is not constant.
class coverage {
 public:
  void add(const policy& p, const decision& d) {
    auto& seen = policies_[p.file()];
    seen.policy_id = p.id();
    for (std::size_t i = 0; i < p.rule_count(); ++i) {
      rule_info r = p.rule(i);
      if (r.constant) continue;
      auto& s = seen.rules[r.id];
      s.stage = r.stage;
      s.order = i;
      if (d.at(i) == outcome::yes) s.true_seen = true;
      if (d.at(i) == outcome::no) s.false_seen = true;
    }
  }
  // Registers every rule of a policy (so rules no case reached are counted).
  void declare(const policy& p) {
    auto& seen = policies_[p.file()];
    seen.policy_id = p.id();
    for (std::size_t i = 0; i < p.rule_count(); ++i) {
      rule_info r = p.rule(i);
      if (r.constant) continue;
      auto& s = seen.rules[r.id];
      s.stage = r.stage;
      s.order = i;
    }
  }
  std::size_t covered() const {
    std::size_t c = 0;
    for (const auto& [f, p] : policies_)
      for (const auto& [id, r] : p.rules) c += r.true_seen + r.false_seen;
    return c;
  }
  std::size_t total() const {
    std::size_t t = 0;
    for (const auto& [f, p] : policies_) t += 2 * p.rules.size();
    return t;
  }
  // "policy-id rule-id (stage): never true" lines, in policy order.
  std::vector<std::string> uncovered() const {
    std::vector<std::string> out;
    for (const auto& [f, p] : policies_) {
      std::vector<std::pair<std::size_t, std::string>> lines;
      for (const auto& [id, r] : p.rules) {
        if (r.true_seen && r.false_seen) continue;
        std::string what = !r.true_seen && !r.false_seen ? "never true, never false" : !r.true_seen ? "never true" : "never false";
        lines.emplace_back(r.order, f + ": " + r.stage + " \"" + id + "\": " + what);
      }
      std::sort(lines.begin(), lines.end());
      for (auto& l : lines) out.push_back(std::move(l.second));
    }
    return out;
  }

 private:
  struct rule_seen {
    std::string stage;
    std::size_t order = 0;
    bool true_seen = false, false_seen = false;
  };
  struct policy_seen {
    std::string policy_id;
    std::map<std::string, rule_seen> rules;
  };
  std::map<std::string, policy_seen> policies_;
};

struct case_outcome {
  std::string name, pointer;
  std::vector<std::string> differences;
  bool passed() const { return differences.empty(); }
};

struct suite_outcome {
  std::string file, policy_file;
  std::vector<diagnostic> problems;  // the suite or its policy could not be used
  std::vector<case_outcome> cases;
  std::size_t passed() const {
    return static_cast<std::size_t>(std::count_if(cases.begin(), cases.end(), [](const case_outcome& c) { return c.passed(); }));
  }
  std::size_t failed() const { return cases.size() - passed(); }
};

// Runs one test file. Policies are loaded once per file path (`cache`).
inline suite_outcome run_suite(const std::string& file, const std::vector<std::string>& skip_rules = {},
                               coverage* cov = nullptr, const divert::limits& lim = {}) {
  suite_outcome out;
  out.file = file;
  ojson suite;
  try {
    suite = detail::read_json_file(file, lim);
  } catch (const divert::error& e) {
    out.problems = e.diagnostics();
    return out;
  }
  if (!suite.is_object() || !suite.contains("policy") || !suite["policy"].is_string() || !suite.contains("cases") ||
      !suite["cases"].is_array()) {
    out.problems.push_back({severity::error, "test-structure", file, "", 0, 0,
                            "a test file is {\"policy\": \"path\", \"cases\": [{\"name\", \"case\", \"expect\"}]}"});
    return out;
  }
  std::string dir = file.find('/') == std::string::npos ? std::string() : file.substr(0, file.find_last_of('/'));
  out.policy_file = dir.empty() ? suite["policy"].get<std::string>() : dir + "/" + suite["policy"].get<std::string>();
  std::vector<diagnostic> diags;
  policy p = policy::load(out.policy_file, diags, lim);
  if (!p.valid()) {
    for (auto& d : diags)
      if (d.level == severity::error) out.problems.push_back(d);
    return out;
  }
  rule_selection skip;
  try {
    skip = p.select(skip_rules);
  } catch (const divert::error& e) {
    out.problems = e.diagnostics();
    return out;
  }
  if (cov) cov->declare(p);
  const ojson& cases = suite["cases"];
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const ojson& c = cases[i];
    case_outcome co;
    co.pointer = "/cases/" + std::to_string(i);
    co.name = c.is_object() && c.contains("name") && c["name"].is_string() ? c["name"].get<std::string>() : co.pointer;
    if (!c.is_object() || !c.contains("case") || !c.contains("expect") || !c["expect"].is_object()) {
      co.differences.push_back("a test case is {\"name\", \"case\", \"expect\": {\"status\", ...}}");
      out.cases.push_back(std::move(co));
      continue;
    }
    try {
      facts f = p.bind(c["case"], file);
      decision d;
      p.decide(f, d, &skip, /*evaluate_all=*/true);
      if (cov) cov->add(p, d);
      co.differences = compare(p.explain(f, &skip), c["expect"]);
    } catch (const divert::error& e) {
      for (const auto& d : e.diagnostics())
        if (d.level == severity::error)
          co.differences.push_back("invalid case: " + (d.pointer.empty() ? std::string("/") : d.pointer) + ": " + d.message);
    }
    out.cases.push_back(std::move(co));
  }
  return out;
}

}  // namespace divert::testing
