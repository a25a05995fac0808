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
inline std::vector<std::string> compare(const decision_record& rec, const ojson& expect,
                                        const std::vector<std::string>* known_rules = nullptr) {
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
    for (const auto& r : rec.reasons)
      why += (why.empty() ? "" : "; ") + (r.rule.empty() ? r.stage : r.rule) + ": " + r.message;
    diffs.push_back("status: expected " + expect["status"].get<std::string>() + ", got " + got_status +
                    (why.empty() ? "" : " (" + why + ")") +
                    (rec.missing.empty() ? "" : " missing " + list(rec.missing)));
  }
  if (expect.contains("pathway")) {
    std::string want = expect["pathway"].is_string() ? expect["pathway"].get<std::string>() : "";
    if (known_rules && !want.empty() && std::find(known_rules->begin(), known_rules->end(), want) == known_rules->end())
      diffs.push_back("pathway: the policy has no pathway \"" + want + "\"" + detail::did_you_mean(want, *known_rules));
    std::string got = rec.pathway ? rec.pathway->id : "";
    if (want != got)
      diffs.push_back("pathway: expected " + (want.empty() ? std::string("none") : want) + ", got " +
                      (got.empty() ? std::string("none") : got));
  }
  if (expect.contains("reasons")) {
    std::set<std::string> have;
    for (const auto& r : rec.reasons) have.insert(r.rule);
    std::vector<std::string> absent;
    for (const auto& id : expect["reasons"]) {
      std::string name = id.is_string() ? id.get<std::string>() : id.dump();
      if (known_rules && std::find(known_rules->begin(), known_rules->end(), name) == known_rules->end()) {
        diffs.push_back("reasons: the policy has no rule \"" + name + "\"" + detail::did_you_mean(name, *known_rules));
        continue;
      }
      if (!have.count(name)) absent.push_back(name);
    }
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
    for (const auto& d : e.diagnostics())
      diffs.push_back("invalid case: " + (d.pointer.empty() ? std::string("/") : d.pointer) + ": " + d.message);
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
  // Records, for every leaf comparison the rules evaluated on this case, whether it was true or
  // false (DESIGN §9: "for each rule and each leaf comparison").
  void add_leaves(const policy& p, const facts& f, const decision& d) {
    auto& seen = policies_[p.file()];
    const auto& impl = p.impl();
    detail::explainer ex(impl, f.slots());
    for (std::uint32_t i = 0; i < impl.rules.size(); ++i) {
      if (d.at(i) == outcome::not_evaluated || d.at(i) == outcome::skipped) continue;
      walk_leaves(impl, ex.trace_rule(i), impl.rules[i].id, seen);
    }
  }
  std::size_t leaves_covered() const {
    std::size_t c = 0;
    for (const auto& [f, p] : policies_)
      for (const auto& [k, l] : p.leaves) c += l.true_seen + l.false_seen;
    return c;
  }
  std::size_t leaves_total() const {
    std::size_t t = 0;
    for (const auto& [f, p] : policies_) t += 2 * p.leaves.size();
    return t;
  }
  std::vector<std::string> uncovered_leaves() const {
    std::vector<std::string> out;
    for (const auto& [f, p] : policies_)
      for (const auto& [k, l] : p.leaves) {
        if (l.true_seen && l.false_seen) continue;
        out.push_back(f + ": " + l.pointer + " (in \"" + l.rule +
                      "\"): " + (l.true_seen ? "never false" : "never true"));
      }
    return out;
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
        std::string what = !r.true_seen && !r.false_seen ? "never true, never false"
                           : !r.true_seen                ? "never true"
                                                         : "never false";
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
  struct leaf_seen {
    std::string rule, pointer;
    bool true_seen = false, false_seen = false;
  };
  struct policy_seen {
    std::string policy_id;
    std::map<std::string, rule_seen> rules;
    std::map<std::pair<std::uint32_t, std::string>, leaf_seen> leaves;  // (instruction, rule)
  };

  static bool is_leaf(detail::opcode op) {
    using detail::opcode;
    switch (op) {
      case opcode::s_eq:
      case opcode::s_ne:
      case opcode::s_lt:
      case opcode::s_le:
      case opcode::s_gt:
      case opcode::s_ge:
      case opcode::s_between:
      case opcode::s_in_set:
      case opcode::s_in_values:
      case opcode::s_contains:
      case opcode::s_fact_cmp:
      case opcode::s_fact_between:
      case opcode::s_fact_eq:
      case opcode::s_fact_in_set:
      case opcode::s_field_eq:
      case opcode::s_field_in_set:
      case opcode::s_fact_truthy:
      case opcode::s_fact_not:
      case opcode::s_fact:
      case opcode::s_field:
      case opcode::s_item: return true;
      default: return false;
    }
  }

  static void walk_leaves(const detail::policy_impl& impl, const detail::trace_node& t, const std::string& rule,
                          policy_seen& seen) {
    const auto& ins = impl.prog.code[t.at];
    if (is_leaf(ins.op)) {
      if (t.v.k == detail::kind::boolean) {  // a comparison, or a boolean fact used as a condition
        auto& l = seen.leaves[{t.at, rule}];
        l.rule = rule;
        l.pointer = impl.prog.pointers[t.at];
        (t.v.b ? l.true_seen : l.false_seen) = true;
      }
      return;
    }
    for (const auto& k : t.kids) walk_leaves(impl, k, rule, seen);
  }
  std::map<std::string, policy_seen> policies_;
};

struct case_outcome {
  std::string name, pointer;
  std::vector<std::string> differences;
  bool passed() const { return differences.empty(); }
};

struct suite_outcome {
  std::string file, policy_file;
  std::size_t unrun = 0;             // cases that could not run (the policy did not load)
  std::vector<diagnostic> problems;  // the suite or its policy could not be used
  std::vector<case_outcome> cases;
  std::size_t passed() const {
    return static_cast<std::size_t>(
        std::count_if(cases.begin(), cases.end(), [](const case_outcome& c) { return c.passed(); }));
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
  // Relative to the test file (DESIGN §7); an absolute path is used as it is.
  std::string named = suite["policy"].get<std::string>();
  out.policy_file = dir.empty() || (!named.empty() && named[0] == '/') ? named : dir + "/" + named;
  std::vector<diagnostic> diags;
  policy p = policy::load(out.policy_file, diags, lim);
  out.unrun = suite["cases"].size();
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
  out.unrun = 0;
  std::vector<std::string> rule_ids;
  for (std::size_t i = 0; i < p.rule_count(); ++i) rule_ids.push_back(p.rule(i).id);
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
      if (cov) {
        cov->add(p, d);
        cov->add_leaves(p, f, d);
      }
      co.differences = compare(p.explain(f, &skip), c["expect"], &rule_ids);
    } catch (const divert::error& e) {
      for (const auto& d : e.diagnostics())
        if (d.level == severity::error)
          co.differences.push_back("invalid case: " + (d.pointer.empty() ? std::string("/") : d.pointer) + ": " +
                                   d.message);
    }
    out.cases.push_back(std::move(co));
  }
  return out;
}

}  // namespace divert::testing
