// Google Benchmark entries for the compat JsonLogic engine on workload W1 (DESIGN §10).
// w1_driver prints the headline figures; these break them down (read, bind, evaluate, compile).
// Each iteration handles one case; the cases are walked in order, as the driver does.

#include <cstdint>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "divert/jsonlogic.hpp"
#include "w1.hpp"

namespace {

namespace w1 = divert::bench::w1;
using divert::jsonlogic::rule;

// The 100,000 W1 cases, as JSONL text and bound for the rule, built once for all benchmarks.
struct w1_fixture {
  std::string rule_text = w1::rule_text(w1::default_rule_path);
  rule r = rule::compile_text(rule_text);
  std::vector<std::string> lines;
  std::vector<divert::jsonlogic::data> bound;

  w1_fixture() {
    const auto cases = w1::generate();
    lines.reserve(cases.size());
    bound.reserve(cases.size());
    for (const auto& c : cases) {
      lines.push_back(w1::case_text(c));
      bound.push_back(r.bind(w1::case_json(c)));
    }
  }
  static w1_fixture& get() {
    static w1_fixture f;
    return f;
  }
};

// Facts already bound: rule::test only (w1_driver's eval_ns).
void BM_W1_eval(benchmark::State& state) {
  auto& f = w1_fixture::get();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.r.test(f.bound[i]));
    if (++i == f.bound.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_W1_eval);

// JSONL line -> result with nlohmann's DOM parser: parse + bind + test (w1_driver's parse_eval_ns).
void BM_W1_parse_eval_nlohmann(benchmark::State& state) {
  auto& f = w1_fixture::get();
  divert::jsonlogic::data d;
  std::size_t i = 0;
  std::int64_t bytes = 0;
  for (auto _ : state) {
    bytes += static_cast<std::int64_t>(f.lines[i].size());
    const auto json = nlohmann::ordered_json::parse(f.lines[i]);
    f.r.bind(json, d);
    benchmark::DoNotOptimize(f.r.test(d));
    if (++i == f.lines.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_W1_parse_eval_nlohmann);

// The parse alone, to see how much of parse_eval is the reader.
void BM_W1_parse_only_nlohmann(benchmark::State& state) {
  auto& f = w1_fixture::get();
  std::size_t i = 0;
  for (auto _ : state) {
    auto json = nlohmann::ordered_json::parse(f.lines[i]);
    benchmark::DoNotOptimize(json);
    if (++i == f.lines.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_W1_parse_only_nlohmann);

// Binding an already parsed document (first 10,000 cases, kept as JSON), into reused memory.
void BM_W1_bind(benchmark::State& state) {
  auto& f = w1_fixture::get();
  std::vector<nlohmann::ordered_json> docs;
  for (std::size_t k = 0; k < 10000; ++k) docs.push_back(nlohmann::ordered_json::parse(f.lines[k]));
  divert::jsonlogic::data d;
  std::size_t i = 0;
  for (auto _ : state) {
    f.r.bind(docs[i], d);
    benchmark::ClobberMemory();
    if (++i == docs.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_W1_bind);

// Compiling the W1 rule from its text.
void BM_W1_compile(benchmark::State& state) {
  const std::string text = w1::rule_text(w1::default_rule_path);
  for (auto _ : state) {
    auto r = rule::compile_text(text);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_W1_compile);

}  // namespace
