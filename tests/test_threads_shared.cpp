// Many threads on one compiled policy and one compiled JsonLogic rule (DESIGN §2, §11): 8 threads
// at once decide and explain (with and without trace, with rules skipped) every case of every
// shipped policy, binding their own facts from JSON and from text through both readers, and
// sharing facts bound once; 8 threads evaluate compiled JsonLogic rules of both dialects, each
// with its own bound data. Every answer must equal the single-threaded one. `make tsan` runs
// these under ThreadSanitizer, where any data race fails the run. Catch2 is not thread-safe: the
// threads only record what they saw, and the checks run on the main thread afterwards.

#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "divert/jsonlogic.hpp"
#include "divert/policy.hpp"
#include "divert/simdjson_binding.hpp"
#include "test_hardening_support.hpp"

using namespace divert_hardening;

namespace {

constexpr unsigned thread_count = 8;

// Runs `body(t)` on `thread_count` threads that start together; returns what each reported
// ("" when all was well).
template <class F>
std::vector<std::string> on_threads(F body) {
  std::atomic<unsigned> ready{0};
  std::vector<std::string> problems(thread_count);
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < thread_count; ++t)
    pool.emplace_back([&, t] {
      ++ready;
      while (ready.load() < thread_count) std::this_thread::yield();
      try {
        problems[t] = body(t);
      } catch (const std::exception& e) {
        problems[t] = std::string("exception: ") + e.what();
      }
    });
  for (auto& th : pool) th.join();
  return problems;
}

struct policy_case {
  const divert::policy* policy;
  const divert::rule_selection* skip;
  ojson json;
  std::string text;
  std::shared_ptr<divert::facts> shared;  // bound once, decided by every thread
  divert::status status;
  std::string record, traced;
};

}  // namespace

TEST_CASE("threads: one policy, 8 threads deciding and explaining every shipped case", "[threads]") {
  struct source_pair {
    const char* policy;
    const char* tests;
  };
  const source_pair sources[] = {
      {"policies/lewisham.json", "policies/lewisham.tests.json"},
      {"policies/thames_valley.json", "policies/thames_valley.tests.json"},
      {"policies/avon_somerset_dep.json", "policies/avon_somerset_dep.tests.json"},
      {"policies/cannabis_escalation.json", "policies/cannabis_escalation.tests.json"},
      {"policies/mopac_womens_diversion.json", "policies/mopac_womens_diversion.tests.json"},
      {"policies/variants/lewisham_age_25.json", "policies/variants/lewisham_age_25.tests.json"}};
  std::vector<std::unique_ptr<divert::policy>> policies;
  std::vector<std::unique_ptr<divert::rule_selection>> skips;
  std::vector<policy_case> cases;
  for (const auto& s : sources) {
    policies.push_back(std::make_unique<divert::policy>(divert::policy::load(source(s.policy))));
    const divert::policy& p = *policies.back();
    skips.push_back(std::make_unique<divert::rule_selection>(p.select({})));
    skips.push_back(std::make_unique<divert::rule_selection>(p.select({"jurisdiction", "effective"})));
    for (const auto& json : test_cases(s.tests)) {
      for (std::size_t k = skips.size() - 2; k < skips.size(); ++k) {
        policy_case c{&p, skips[k].get(), json, json.dump(), nullptr, {}, {}, {}};
        c.shared = std::make_shared<divert::facts>(p.bind(json));
        c.status = p.decide(*c.shared, c.skip).status;
        c.record = p.explain(*c.shared, c.skip).to_json().dump();
        c.traced = p.explain(*c.shared, c.skip, true).to_json().dump();
        cases.push_back(std::move(c));
      }
    }
  }
  REQUIRE(cases.size() > 100);

  auto problems = on_threads([&](unsigned t) -> std::string {
    divert::simdjson_case_reader reader;  // one per thread
    divert::decision d;
    std::string problem;
    for (int round = 0; round < 3; ++round) {
      for (std::size_t k = 0; k < cases.size(); ++k) {
        const policy_case& c = cases[(k * 7 + t * 13 + static_cast<std::size_t>(round)) % cases.size()];
        const divert::policy& p = *c.policy;
        // Shared facts.
        p.decide(*c.shared, d, c.skip);
        if (d.status != c.status) return "decide on shared facts: " + c.text;
        if (p.explain(*c.shared, c.skip).to_json().dump() != c.record) return "explain on shared facts: " + c.text;
        // Facts of its own: from JSON, from text with nlohmann, from text with simdjson.
        divert::facts own = p.bind(c.json);
        if (p.explain(own, c.skip, true).to_json().dump() != c.traced) return "explain (trace) on own facts: " + c.text;
        std::vector<divert::diagnostic> diags;
        if (!own.try_rebind_text(c.text, diags)) return "rebind (nlohmann): " + c.text;
        if (p.explain(own, c.skip).to_json().dump() != c.record) return "explain after rebind (nlohmann): " + c.text;
        if (!reader.try_rebind(own, c.text, diags)) return "rebind (simdjson): " + c.text;
        if (p.explain(own, c.skip).to_json().dump() != c.record) return "explain after rebind (simdjson): " + c.text;
      }
    }
    return problem;
  });
  for (unsigned t = 0; t < thread_count; ++t) {
    INFO("thread " << t);
    CHECK(problems[t] == "");
  }
  // And afterwards, on this thread, nothing changed.
  for (const auto& c : cases) CHECK(c.policy->explain(*c.shared, c.skip, true).to_json().dump() == c.traced);
}

TEST_CASE("threads: one compiled JsonLogic rule, 8 threads each with its own data", "[threads]") {
  using divert::jsonlogic::dialect;
  struct rule_case {
    std::string rule;
    std::vector<std::string> data;  // one per thread
  };
  const std::vector<rule_case> rules = {
      {R"({"<=":[18,{"var":"person.age"},24]})", {}},
      {R"({"some":[{"var":"substances"},{"in":[{"var":"drug"},["cannabis","cannabis_resin"]]}]})", {}},
      {R"({"map":[{"var":"substances"},{"cat":[{"var":"drug"},"/",{"var":"class"}]}]})", {}},
      {R"({"reduce":[{"var":"history"},{"+":[{"var":"accumulator"},{"if":[{"var":"current.engaged"},1,0]}]},0]})", {}},
      {R"({"filter":[{"var":"substances"},{"==":[{"var":"class"},"A"]}]})", {}},
      {R"({"missing":["person.age","offence.area","x"]})", {}},
      {R"({"if":[{"var":"person.consents"},{"substr":[{"var":"offence.area"},0,3]},{"merge":[[1],[2,[3]]]}]})", {}},
      {R"({"try":[{"throw":"bad"},{"cat":["caught: ",{"var":"type"}]}]})", {}},
  };
  // Eight different cases, one per thread.
  std::vector<ojson> data;
  for (const auto& c : test_cases("policies/lewisham.tests.json")) {
    data.push_back(c);
    if (data.size() == thread_count) break;
  }
  REQUIRE(data.size() == thread_count);

  for (dialect dl : {dialect::javascript, dialect::specification}) {
    divert::jsonlogic::options opts;
    opts.dialect = dl;
    std::vector<divert::jsonlogic::rule> compiled;
    std::vector<std::vector<std::string>> expected;  // [rule][thread]
    for (const auto& r : rules) {
      compiled.push_back(divert::jsonlogic::rule::compile_text(r.rule, opts));
      std::vector<std::string> per_thread;
      for (const auto& d : data) {
        try {
          per_thread.push_back(compiled.back().apply(d).dump());
        } catch (const divert::error& e) {
          per_thread.push_back(std::string("error: ") + e.what());
        }
      }
      expected.push_back(per_thread);
    }
    auto problems = on_threads([&](unsigned t) -> std::string {
      for (int round = 0; round < 50; ++round) {
        for (std::size_t r = 0; r < compiled.size(); ++r) {
          const auto& rule = compiled[r];
          divert::jsonlogic::data bound = rule.bind(data[t]);  // one data per thread
          std::string got;
          try {
            got = divert::detail::value_to_json(rule.evaluate(bound)).dump();
            (void)rule.test(bound);
          } catch (const divert::error& e) {
            got = std::string("error: ") + e.what();
          }
          if (got != expected[r][t]) return "rule " + rules[r].rule + ": " + got + " != " + expected[r][t];
          // The one-shot form, binding inside, at the same time as the others.
          std::string again;
          try {
            again = rule.apply(data[t]).dump();
          } catch (const divert::error& e) {
            again = std::string("error: ") + e.what();
          }
          if (again != expected[r][t]) return "apply " + rules[r].rule + ": " + again;
        }
      }
      return "";
    });
    for (unsigned t = 0; t < thread_count; ++t) {
      INFO("dialect " << (dl == dialect::javascript ? "javascript" : "specification") << ", thread " << t);
      CHECK(problems[t] == "");
    }
  }
}

TEST_CASE("threads: policies and schemas loaded on 8 threads at once are the same", "[threads]") {
  auto problems = on_threads([&](unsigned t) -> std::string {
    const char* files[] = {"policies/lewisham.json", "policies/mopac_womens_diversion.json",
                           "policies/variants/lewisham_age_25.json"};
    divert::policy p = divert::policy::load(source(files[t % 3]));
    divert::policy q = divert::policy::load(source(files[t % 3]));
    if (p.sha256() != q.sha256()) return "two loads, two hashes";
    divert::case_schema v1 = divert::case_schema::v1();  // a function-local static, made once
    if (v1.id().empty()) return "case-v1 has no id";
    return "";
  });
  for (unsigned t = 0; t < thread_count; ++t) CHECK(problems[t] == "");
}
