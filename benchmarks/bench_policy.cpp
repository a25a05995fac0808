// Full decisions (DESIGN §10): the shipped Lewisham and Thames Valley policies deciding a case,
// with and without explanation and trace; the same Lewisham rules hand-written in C++ as the
// physical reference (over divert's bound facts, and over a plain struct); load and compile
// time and the memory of a compiled policy; how cost grows with policy size (rules ×10, ×100)
// and case size (history of 1 to 1,000 entries).

#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "divert/policy.hpp"

namespace {

using ojson = nlohmann::ordered_json;

const std::string policies = DIVERT_SOURCE_DIR "/policies/";

ojson eligible_case() {
  return ojson::parse(R"({
    "offence": {"date": "2022-07-14", "type": "possession", "force": "metropolitan", "area": "lewisham"},
    "person": {"age": 21, "admits_offence": "yes", "consents": true, "dependency_indicated": false,
               "subject_to_court_order": false},
    "substances": [{"drug": "cannabis", "class": "B", "amount": 2.5, "unit": "g"}],
    "assessment": {"personal_use": true, "supply_indicators": false},
    "circumstances": {"concurrent_offences": [], "aggravating": []},
    "history": []})");
}

ojson thames_valley_case() {
  ojson c = eligible_case();
  c["offence"]["force"] = "thames_valley";
  c["offence"]["area"] = "reading";
  c["offence"]["date"] = "2023-03-01";
  return c;
}

const divert::policy& load(const std::string& name) {
  static std::map<std::string, divert::policy> cache;
  auto it = cache.find(name);
  if (it == cache.end()) it = cache.emplace(name, divert::policy::load(policies + name)).first;
  return it->second;
}

// ---- deciding ---------------------------------------------------------------------------------

void decide(benchmark::State& state, const char* policy, ojson (*make)()) {
  const divert::policy& p = load(policy);
  divert::facts f = p.bind(make());
  divert::decision d;
  for (auto _ : state) {
    p.decide(f, d);
    benchmark::DoNotOptimize(d);
  }
  state.SetLabel(divert::to_string(d.status));
}

// `into_one`: every explanation written over one record (policy::explain(f, record)) instead of
// a new record each time.
void explain(benchmark::State& state, const char* policy, ojson (*make)(), bool trace, bool into_one = false) {
  const divert::policy& p = load(policy);
  divert::facts f = p.bind(make());
  divert::decision_record kept;
  for (auto _ : state) {
    if (into_one) {
      p.explain(f, kept, nullptr, trace);
      benchmark::DoNotOptimize(kept);
    } else {
      divert::decision_record r = p.explain(f, nullptr, trace);
      benchmark::DoNotOptimize(r);
    }
  }
}

// A case the pilot turns away (aged 30): the record most of a replayed caseload gets.
ojson too_old_case() {
  ojson c = eligible_case();
  c["person"]["age"] = 30;
  return c;
}

void bind_and_decide(benchmark::State& state, const char* policy, ojson (*make)()) {
  const divert::policy& p = load(policy);
  ojson c = make();
  divert::facts f = p.bind(c);
  divert::decision d;
  for (auto _ : state) {
    f.rebind(c);
    p.decide(f, d);
    benchmark::DoNotOptimize(d);
  }
}

BENCHMARK_CAPTURE(decide, lewisham_eligible, "lewisham.json", eligible_case);
BENCHMARK_CAPTURE(decide, thames_valley_eligible, "thames_valley.json", thames_valley_case);
BENCHMARK_CAPTURE(explain, lewisham_eligible, "lewisham.json", eligible_case, false);
BENCHMARK_CAPTURE(explain, lewisham_eligible_with_trace, "lewisham.json", eligible_case, true);
BENCHMARK_CAPTURE(explain, thames_valley_eligible, "thames_valley.json", thames_valley_case, false);
BENCHMARK_CAPTURE(explain, lewisham_too_old, "lewisham.json", too_old_case, false);
BENCHMARK_CAPTURE(explain, lewisham_too_old_into_one_record, "lewisham.json", too_old_case, false, true);
BENCHMARK_CAPTURE(bind_and_decide, lewisham_eligible, "lewisham.json", eligible_case);

// ---- the physical reference: Lewisham's rules hand-written -------------------------------------
// The same decision (status and pathway) for the same rules, written out in C++: first over the
// facts divert bound (slots, interned strings: the engine's overhead is the difference), then
// over a plain struct (no engine, no strings: the physical limit).

struct lewisham_symbols {
  std::uint16_t metropolitan, lewisham, bexley, greenwich, possession, cannabis, cannabis_resin;
};

void hand_written_over_facts(benchmark::State& state) {
  const divert::policy& p = load("lewisham.json");
  divert::facts f = p.bind(eligible_case());
  const auto& syms = p.impl().schema->symbols;
  const auto& schema = *p.impl().schema;
  lewisham_symbols s{syms.find("metropolitan"),  syms.find("lewisham"),   syms.find("bexley"),
                     syms.find("greenwich"),     syms.find("possession"), syms.find("cannabis"),
                     syms.find("cannabis_resin")};
  auto slot = [&](const char* path) { return schema.find(path)->slot; };
  const int force = slot("offence.force"), area = slot("offence.area"), type = slot("offence.type"),
            age = slot("person.age"), substances = slot("substances"), personal = slot("assessment.personal_use"),
            supply = slot("assessment.supply_indicators");
  const int drug = schema.find("substances")->items ? schema.find("substances")->fields[0]->field : 0;
  using divert::detail::kind;
  using divert::detail::value;
  // Free strings (offence.area) are not interned by the schema: compare their bytes, as the engine must.
  auto is = [](const value& v, const char* text) { return v.k == kind::string && v.sv() == text; };
  for (auto _ : state) {
    const value* x = f.slots();
    // 0 no, 1 yes, 2 unknown: the same three-valued answer the policy gives.
    auto tri = [](bool known, bool yes) { return known ? (yes ? 1 : 0) : 2; };
    int jurisdiction = x[force].k != kind::string || x[area].k != kind::string
                           ? 2
                           : (x[force].sym == s.metropolitan &&
                              (is(x[area], "lewisham") || is(x[area], "bexley") || is(x[area], "greenwich")));
    int in_age = tri(x[age].k == kind::number, x[age].num >= 18 && x[age].num <= 24);
    int is_possession = tri(x[type].k == kind::string, x[type].sym == s.possession);
    int cannabis_only = 2;
    if (x[substances].k == kind::array) {
      const value& arr = x[substances];
      bool all = arr.n > 0, unknown = false;
      for (std::uint32_t i = 0; i < arr.n && all; ++i) {
        const value& d = arr.items[i].members[drug].v;
        if (d.k != kind::string)
          unknown = true;
        else if (d.sym != s.cannabis && d.sym != s.cannabis_resin)
          all = false;
      }
      cannabis_only = !all ? 0 : unknown ? 2 : 1;
    }
    int personal_use = tri(x[personal].k == kind::boolean, x[personal].b);
    int supply_suspected = tri(x[supply].k == kind::boolean, x[supply].b);
    int rules[] = {jurisdiction, in_age, is_possession, cannabis_only, personal_use};
    bool any_false = false, any_unknown = false;
    for (int r : rules) {
      any_false |= r == 0;
      any_unknown |= r == 2;
    }
    divert::status st = any_false               ? divert::status::not_eligible
                        : any_unknown           ? divert::status::undetermined
                        : supply_suspected == 1 ? divert::status::excluded
                        : supply_suspected == 2 ? divert::status::undetermined
                                                : divert::status::eligible;
    benchmark::DoNotOptimize(st);
  }
}
BENCHMARK(hand_written_over_facts);

struct plain_case {
  int force, area, type, age;
  int drugs[4];
  int drug_count;
  bool personal_use, supply;
};

void hand_written_over_struct(benchmark::State& state) {
  enum { metropolitan = 1, lewisham = 1, bexley = 2, greenwich = 3, possession = 0, cannabis = 0, cannabis_resin = 1 };
  plain_case c{metropolitan, lewisham, possession, 21, {cannabis}, 1, true, false};
  for (auto _ : state) {
    benchmark::DoNotOptimize(c);
    bool eligible = c.force == metropolitan && (c.area == lewisham || c.area == bexley || c.area == greenwich) &&
                    c.age >= 18 && c.age <= 24 && c.type == possession && c.drug_count > 0 && c.personal_use;
    for (int i = 0; i < c.drug_count && eligible; ++i)
      eligible = c.drugs[i] == cannabis || c.drugs[i] == cannabis_resin;
    divert::status st = !eligible  ? divert::status::not_eligible
                        : c.supply ? divert::status::excluded
                                   : divert::status::eligible;
    benchmark::DoNotOptimize(st);
  }
}
BENCHMARK(hand_written_over_struct);

// ---- load, compile, memory -----------------------------------------------------------------------

std::size_t program_bytes(const divert::policy& p) {
  const auto& prog = p.impl().prog;
  std::size_t bytes = prog.code.capacity() * sizeof(divert::detail::instruction) + prog.kids.capacity() * 4 +
                      prog.constants.capacity() * sizeof(divert::detail::value) + prog.storage.capacity() +
                      prog.segments.capacity() * sizeof(divert::detail::path_segment);
  for (const auto& s : prog.symbol_sets) bytes += s.capacity() * 2;
  for (const auto& b : prog.symbol_bits) bytes += b.capacity() * 8;
  for (std::size_t i = 0; i < prog.symbols.size(); ++i)
    bytes += prog.symbols.name(static_cast<std::uint16_t>(i)).size() + 32;
  return bytes;
}

void load_and_compile(benchmark::State& state, const char* policy) {
  std::size_t bytes = 0, instructions = 0;
  for (auto _ : state) {
    divert::policy p = divert::policy::load(policies + policy);
    bytes = program_bytes(p);
    instructions = p.impl().prog.code.size();
    benchmark::DoNotOptimize(p);
  }
  state.counters["program_bytes"] = static_cast<double>(bytes);
  state.counters["instructions"] = static_cast<double>(instructions);
}
BENCHMARK_CAPTURE(load_and_compile, lewisham, "lewisham.json")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(load_and_compile, thames_valley, "thames_valley.json")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(load_and_compile, cannabis_escalation, "cannabis_escalation.json")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(load_and_compile, avon_somerset_dep, "avon_somerset_dep.json")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(load_and_compile, mopac_womens_diversion, "mopac_womens_diversion.json")
    ->Unit(benchmark::kMicrosecond);

// ---- scaling ---------------------------------------------------------------------------------------

// Lewisham with its eligibility rules repeated `times` (renamed): an eligible case evaluates them all.
std::string scaled_lewisham(int times) {
  std::ifstream in(policies + "lewisham.json");
  ojson doc = ojson::parse(in);
  ojson rules = ojson::array();
  for (int k = 0; k < times; ++k)
    for (auto r : doc["eligibility"]) {
      r["id"] = r["id"].get<std::string>() + "_" + std::to_string(k);
      rules.push_back(r);
    }
  doc["eligibility"] = rules;
  std::string path = "/tmp/divert_bench_lewisham_x" + std::to_string(times) + ".json";
  std::ofstream(path) << doc.dump();
  return path;
}

void decide_scaled_rules(benchmark::State& state) {
  int times = static_cast<int>(state.range(0));
  divert::policy p = divert::policy::load(scaled_lewisham(times));
  divert::facts f = p.bind(eligible_case());
  divert::decision d;
  for (auto _ : state) {
    p.decide(f, d);
    benchmark::DoNotOptimize(d);
  }
  state.counters["rules"] = static_cast<double>(p.rule_count());
  state.SetLabel(divert::to_string(d.status));
}
BENCHMARK(decide_scaled_rules)->Arg(1)->Arg(10)->Arg(100);

// Thames Valley (whose youth repeat rules count earlier diversions) with a history of n entries,
// for a 16-year-old: the youth rules scan the whole history (none of it is a diversion).
void decide_history_length(benchmark::State& state) {
  const divert::policy& p = load("thames_valley.json");
  ojson c = thames_valley_case();
  c["person"]["age"] = 16;
  ojson history = ojson::array();
  for (int i = 0; i < state.range(0); ++i)
    history.push_back({{"date", "2015-01-01"}, {"type", i % 2 ? "caution" : "conviction"}});
  c["history"] = history;
  divert::facts f = p.bind(c);
  divert::decision d;
  for (auto _ : state) {
    p.decide(f, d);
    benchmark::DoNotOptimize(d);
  }
  state.SetLabel(divert::to_string(d.status));
}
BENCHMARK(decide_history_length)->Arg(1)->Arg(10)->Arg(100)->Arg(1000);

}  // namespace
