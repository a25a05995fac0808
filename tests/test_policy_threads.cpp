// One compiled policy, many threads (DESIGN §2, §11: "evaluation is safe from many threads on one
// CompiledPolicy"): 8 threads decide and explain different cases at once, on shared facts and on
// facts each thread binds itself, and every answer equals the single-threaded one. Meant to be
// run under ThreadSanitizer as well (DIVERT_SANITIZE=thread). Catch2 is not thread-safe, so the
// threads only record what they saw; the checks run afterwards, on the main thread.

#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "divert/policy.hpp"
#include "test_policy_support.hpp"

using namespace divert_policy_test;

namespace {

struct suite_cases {
  std::vector<ojson> json;
  std::vector<divert::facts> facts;   // bound once, shared by every thread
  std::vector<std::string> expected;  // the single-threaded record of each (with trace)
  std::vector<divert::status> expected_status;
};

suite_cases cases_of(const divert::policy& p, const std::string& tests_file) {
  suite_cases s;
  ojson suite = ojson::parse(read_file(tests_file));
  for (const auto& c : suite["cases"]) {
    s.json.push_back(c["case"]);
    s.facts.push_back(p.bind(c["case"]));
    s.expected.push_back(p.explain(s.facts.back(), nullptr, /*trace=*/true).to_json().dump());
    s.expected_status.push_back(p.decide(s.facts.back()).status);
  }
  return s;
}

// Runs `threads` threads; thread t handles the cases t, t + threads, ... in turn, `rounds`
// times over, starting together. Returns the number of answers that differ from the expected.
std::size_t run_concurrently(const divert::policy& p, const suite_cases& s, unsigned threads, int rounds,
                             bool bind_own_facts, std::vector<std::string>& first_difference) {
  std::atomic<unsigned> ready{0};
  std::atomic<std::size_t> differences{0};
  std::vector<std::string> first(threads);
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      ++ready;
      while (ready.load() < threads) std::this_thread::yield();
      divert::decision d;
      for (int round = 0; round < rounds; ++round) {
        // Each thread walks the cases from its own offset, so different cases run at once.
        for (std::size_t k = 0; k < s.facts.size(); ++k) {
          std::size_t i = (k + t * 7 + static_cast<std::size_t>(round)) % s.facts.size();
          divert::facts own;
          if (bind_own_facts) own = p.bind(s.json[i]);
          const divert::facts& f = bind_own_facts ? own : s.facts[i];
          p.decide(f, d);
          std::string record = p.explain(f, nullptr, /*trace=*/true).to_json().dump();
          if (d.status != s.expected_status[i] || record != s.expected[i]) {
            ++differences;
            if (first[t].empty()) first[t] = "case " + std::to_string(i) + ": " + record;
          }
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  for (const auto& f : first)
    if (!f.empty()) first_difference.push_back(f);
  return differences.load();
}

}  // namespace

TEST_CASE("policy threads: 8 threads deciding and explaining on one policy", "[policy][threads]") {
  for (const char* name : {"lewisham", "thames_valley"}) {
    SECTION(name) {
      const divert::policy& p = loaded(source(std::string("policies/") + name + ".json"));
      suite_cases s = cases_of(p, source(std::string("policies/") + name + ".tests.json"));
      REQUIRE(s.facts.size() >= 8);
      std::vector<std::string> first;
      CHECK(run_concurrently(p, s, 8, 8, /*bind_own_facts=*/false, first) == 0);
      CHECK(first.empty());
      CHECK(run_concurrently(p, s, 8, 2, /*bind_own_facts=*/true, first) == 0);
      CHECK(first.empty());
      // And afterwards, single-threaded again, nothing changed.
      for (std::size_t i = 0; i < s.facts.size(); ++i)
        CHECK(p.explain(s.facts[i], nullptr, true).to_json().dump() == s.expected[i]);
    }
  }
}

TEST_CASE("policy threads: policies loaded concurrently are identical", "[policy][threads]") {
  const std::string path = source("policies/thames_valley.json");
  std::vector<std::string> hashes(8);
  std::vector<std::string> errors(8);
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < 8; ++t)
    pool.emplace_back([&, t] {
      try {
        hashes[t] = divert::policy::load(path).sha256();
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  for (auto& th : pool) th.join();
  for (unsigned t = 0; t < 8; ++t) {
    CHECK(errors[t].empty());
    CHECK(hashes[t] == loaded(path).sha256());
  }
}
