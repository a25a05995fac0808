// divert batch, per W1 line (DESIGN §10): reading a JSONL line into facts (simdjson on-demand
// and nlohmann), deciding, and writing the decision record line. W1's policy is
// benchmarks/w1_policy.json. The whole-process figure (lines per second, threads) is taken by
// scripts/bench-batch.sh; these entries say where the time goes.

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "divert/batch.hpp"
#include "divert/policy.hpp"
#include "divert/simdjson_binding.hpp"
#include "w1.hpp"

namespace {

using ojson = nlohmann::ordered_json;
namespace w1 = divert::bench::w1;

struct fixture {
  divert::policy policy = divert::policy::load(std::string(DIVERT_SOURCE_DIR) + "/benchmarks/w1_policy.json");
  std::vector<std::string> lines;
  fixture() {
    for (const auto& c : w1::generate(10000)) lines.push_back(w1::case_text(c));
  }
};
const fixture& data() {
  static const fixture f;
  return f;
}

void BM_BatchBindNlohmann(benchmark::State& state) {
  const auto& d = data();
  divert::facts f = d.policy.bind(ojson::object());
  std::vector<divert::diagnostic> diags;
  std::size_t i = 0;
  for (auto _ : state) {
    diags.clear();
    benchmark::DoNotOptimize(f.try_rebind_text(d.lines[i++ % d.lines.size()], diags));
  }
}
BENCHMARK(BM_BatchBindNlohmann);

void BM_BatchBindSimdjson(benchmark::State& state) {
  const auto& d = data();
  divert::facts f = d.policy.bind(ojson::object());
  divert::simdjson_case_reader reader;
  std::vector<divert::diagnostic> diags;
  std::size_t i = 0;
  for (auto _ : state) {
    diags.clear();
    benchmark::DoNotOptimize(reader.try_rebind(f, d.lines[i++ % d.lines.size()], diags));
  }
}
BENCHMARK(BM_BatchBindSimdjson);

void BM_BatchDecide(benchmark::State& state) {
  const auto& d = data();
  std::vector<divert::facts> bound;
  for (std::size_t i = 0; i < 1000; ++i) bound.push_back(d.policy.bind(ojson::parse(d.lines[i])));
  divert::decision dec;
  std::size_t i = 0;
  for (auto _ : state) {
    d.policy.decide(bound[i++ % bound.size()], dec);
    benchmark::DoNotOptimize(dec.status);
  }
}
BENCHMARK(BM_BatchDecide);

// The record line: explain (for the cases that are not eligible) and the writer, or dump().
void record_line(benchmark::State& state, bool fast) {
  const auto& d = data();
  std::vector<divert::facts> bound;
  for (std::size_t i = 0; i < 1000; ++i) bound.push_back(d.policy.bind(ojson::parse(d.lines[i])));
  divert::record_writer w(d.policy);
  divert::decision dec;
  std::string out;
  std::size_t i = 0;
  for (auto _ : state) {
    out.clear();
    const auto& f = bound[i++ % bound.size()];
    d.policy.decide(f, dec);
    if (fast && dec.status == divert::status::eligible) {
      out += w.eligible_line(dec.pathway);
    } else {
      auto rec = d.policy.explain(f);
      if (fast)
        w.write(rec, out);
      else
        out = rec.to_json().dump();
    }
    benchmark::DoNotOptimize(out.data());
  }
}
void BM_BatchRecordWriter(benchmark::State& state) { record_line(state, true); }
void BM_BatchRecordToJsonDump(benchmark::State& state) { record_line(state, false); }
BENCHMARK(BM_BatchRecordWriter);
BENCHMARK(BM_BatchRecordToJsonDump);

}  // namespace
