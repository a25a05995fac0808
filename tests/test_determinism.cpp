// Decision records are deterministic (DESIGN §6): the same policy and case give byte-identical
// records whichever way they are asked for - in fresh processes, with one thread or several,
// and through either JSON reader (nlohmann: policy.bind and `divert eval`; simdjson's on-demand
// parser: `divert batch`).

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "divert/policy.hpp"
#include "test_hardening_support.hpp"

using namespace divert_hardening;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

struct caseload {
  std::string policy;
  std::vector<ojson> cases;
  std::string jsonl;
};

// Every case of a policy's tests, several times over, with a few that are not cases at all.
caseload load_caseload(const char* policy, const char* tests) {
  caseload c;
  c.policy = source(policy);
  for (int copy = 0; copy < 4; ++copy)
    for (const auto& json : test_cases(tests)) c.cases.push_back(json);
  for (const auto& json : c.cases) c.jsonl += json.dump() + "\n";
  return c;
}

}  // namespace

TEST_CASE("determinism: the same record from every reader, thread count and process", "[determinism]") {
  for (auto [policy, tests] :
       {std::pair{"policies/lewisham.json", "policies/lewisham.tests.json"},
        std::pair{"policies/thames_valley.json", "policies/thames_valley.tests.json"},
        std::pair{"policies/mopac_womens_diversion.json", "policies/mopac_womens_diversion.tests.json"}}) {
    SECTION(policy) {
      caseload c = load_caseload(policy, tests);
      REQUIRE(c.cases.size() > 40);
      std::string file = write_scratch("caseload.jsonl", c.jsonl);

      // In this process, through nlohmann (policy.bind).
      divert::policy p = divert::policy::load(c.policy);
      std::vector<std::string> in_process;
      for (const auto& json : c.cases) in_process.push_back(p.explain(p.bind(json)).to_json().dump());

      // divert batch (simdjson), one thread and two, chunks small enough for both to work at once,
      // each in a fresh process, twice.
      std::vector<std::string> outputs;
      for (const char* threads : {"1", "2", "2", "1"}) {
        run_result r = run_divert("batch " + shell_quoted(c.policy) + " " + shell_quoted(file) +
                                  " --progress never --chunk-bytes 1024 --threads " + threads);
        REQUIRE(r.code == 0);
        outputs.push_back(r.out);
      }
      for (std::size_t i = 1; i < outputs.size(); ++i) CHECK(outputs[i] == outputs[0]);
      std::vector<std::string> batch = lines_of(outputs[0]);
      REQUIRE(batch.size() == in_process.size());
      for (std::size_t i = 0; i < batch.size(); ++i) {
        INFO("case " << i << ": " << c.cases[i].dump());
        CHECK(batch[i] == in_process[i]);
      }

      // divert eval --format json (nlohmann), fresh processes: the same record, indented.
      for (std::size_t i = 0; i < c.cases.size(); i += 9) {
        std::string case_file = write_scratch("case.json", c.cases[i].dump(2));
        run_result a = run_divert("eval " + shell_quoted(c.policy) + " " + shell_quoted(case_file) + " --format json");
        run_result b = run_divert("eval " + shell_quoted(c.policy) + " - --format json", c.cases[i].dump());
        INFO("case " << i << ": " << c.cases[i].dump());
        REQUIRE(a.code == 0);
        CHECK(a.out == b.out);
        CHECK(ojson::parse(a.out).dump() == in_process[i]);
        CHECK(a.out == ojson::parse(in_process[i]).dump(2) + "\n");
      }
    }
  }
}

TEST_CASE("determinism: a policy's hash and records do not depend on how its file is written", "[determinism]") {
  // Reindented and with its keys in another order, the policy is the same policy.
  std::string path = source("policies/lewisham.json");
  ojson doc = ojson::parse(read_file(path));
  ojson reordered = ojson::object();
  std::vector<std::string> keys;
  for (auto it = doc.begin(); it != doc.end(); ++it) keys.push_back(it.key());
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) reordered[*it] = doc[*it];
  std::string copy = write_scratch("lewisham.json", reordered.dump(1, '\t'));
  divert::policy a = divert::policy::load(path), b = divert::policy::load(copy);
  CHECK(a.sha256() == b.sha256());
  for (const auto& json : test_cases("policies/lewisham.tests.json"))
    CHECK(a.explain(a.bind(json), nullptr, true).to_json().dump() ==
          b.explain(b.bind(json), nullptr, true).to_json().dump());
}
