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

// Decides case `c` under `p` again and again; the label is the status.
void time_decisions(benchmark::State& state, const divert::policy& p, const ojson& c) {
  divert::facts f = p.bind(c);
  divert::decision d;
  for (auto _ : state) {
    p.decide(f, d);
    benchmark::DoNotOptimize(d);
  }
  state.SetLabel(divert::to_string(d.status));
}

void decide(benchmark::State& state, const char* policy, ojson (*make)()) {
  time_decisions(state, load(policy), make());
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
// the same writing the whole divert::decision the engine writes (each rule's outcome too), then
// over a plain struct (no engine, no strings: the physical limit).

struct lewisham_symbols {
  std::uint16_t metropolitan, lewisham, bexley, greenwich, possession, cannabis, cannabis_resin;
};

// Lewisham's rules by hand over bound facts: 0 no, 1 yes, 2 unknown, the three-valued answer
// the policy gives.
class lewisham_by_hand {
 public:
  explicit lewisham_by_hand(const divert::policy& p) {
    const auto& syms = p.impl().schema->symbols;
    const auto& schema = *p.impl().schema;
    s_ = {syms.find("metropolitan"), syms.find("lewisham"), syms.find("bexley"),        syms.find("greenwich"),
          syms.find("possession"),   syms.find("cannabis"), syms.find("cannabis_resin")};
    auto slot = [&](const char* path) { return schema.find(path)->slot; };
    force_ = slot("offence.force");
    area_ = slot("offence.area");
    type_ = slot("offence.type");
    age_ = slot("person.age");
    substances_ = slot("substances");
    personal_ = slot("assessment.personal_use");
    supply_ = slot("assessment.supply_indicators");
    drug_ = schema.find("substances")->items ? schema.find("substances")->fields[0]->field : 0;
  }

  static int tri(bool known, bool yes) { return known ? (yes ? 1 : 0) : 2; }

  // The eligibility rules, in the policy's order (the implicit jurisdiction rule first).
  void eligibility(const divert::detail::value* x, int out[5]) const {
    using divert::detail::kind;
    using divert::detail::value;
    // Free strings (offence.area) are not interned by the schema: compare their bytes, as the engine must.
    auto is = [](const value& v, const char* text) { return v.k == kind::string && v.sv() == text; };
    out[0] = x[force_].k != kind::string || x[area_].k != kind::string
                 ? 2
                 : (x[force_].sym == s_.metropolitan &&
                    (is(x[area_], "lewisham") || is(x[area_], "bexley") || is(x[area_], "greenwich")));
    out[1] = tri(x[age_].k == kind::number, x[age_].num >= 18 && x[age_].num <= 24);
    out[2] = tri(x[type_].k == kind::string, x[type_].sym == s_.possession);
    out[3] = 2;
    if (x[substances_].k == kind::array) {
      const value& arr = x[substances_];
      bool all = arr.n > 0, unknown = false;
      for (std::uint32_t i = 0; i < arr.n && all; ++i) {
        const value& d = arr.items[i].members[drug_].v;
        if (d.k != kind::string)
          unknown = true;
        else if (d.sym != s_.cannabis && d.sym != s_.cannabis_resin)
          all = false;
      }
      out[3] = !all ? 0 : unknown ? 2 : 1;
    }
    out[4] = tri(x[personal_].k == kind::boolean, x[personal_].b);
  }
  int supply_suspected(const divert::detail::value* x) const {
    return tri(x[supply_].k == divert::detail::kind::boolean, x[supply_].b);
  }

 private:
  lewisham_symbols s_{};
  int force_ = 0, area_ = 0, type_ = 0, age_ = 0, substances_ = 0, personal_ = 0, supply_ = 0, drug_ = 0;
};

void hand_written_over_facts(benchmark::State& state) {
  const divert::policy& p = load("lewisham.json");
  divert::facts f = p.bind(eligible_case());
  const lewisham_by_hand by_hand(p);
  for (auto _ : state) {
    const divert::detail::value* x = f.slots();
    int rules[5];
    by_hand.eligibility(x, rules);
    const int supply_suspected = by_hand.supply_suspected(x);
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

// The same, writing what policy::decide writes: the divert::decision with each rule's outcome,
// the exclusion only when no eligibility rule is false, the pathway (`when: true`) only when no
// exclusion holds. Checked against the engine's decision before timing.
void hand_written_decision_over_facts(benchmark::State& state) {
  const divert::policy& p = load("lewisham.json");
  divert::facts f = p.bind(eligible_case());
  const lewisham_by_hand by_hand(p);
  auto decide = [&](divert::decision& d) {
    const divert::detail::value* x = f.slots();
    constexpr divert::outcome as_outcome[3] = {divert::outcome::no, divert::outcome::yes, divert::outcome::unknown};
    d.reset(7);
    int rules[5];
    by_hand.eligibility(x, rules);
    bool any_false = false, any_unknown = false;
    for (int k = 0; k < 5; ++k) {
      d.set(k, as_outcome[rules[k]]);
      any_false |= rules[k] == 0;
      any_unknown |= rules[k] == 2;
    }
    if (any_false) {
      d.status = divert::status::not_eligible;
      return;
    }
    const int supply_suspected = by_hand.supply_suspected(x);
    d.set(5, as_outcome[supply_suspected]);
    if (supply_suspected != 1) d.set(6, divert::outcome::yes);  // the pathway, when no exclusion holds
    if (any_unknown || supply_suspected == 2) {
      d.status = divert::status::undetermined;
    } else if (supply_suspected == 1) {
      d.status = divert::status::excluded;
    } else {
      d.status = divert::status::eligible;
      d.pathway = 0;
    }
  };
  // Checked against the engine on the timed case and on cases that take the other branches.
  auto with = [](const char* pointer, ojson v) {
    ojson c = eligible_case();
    c[ojson::json_pointer(pointer)] = std::move(v);
    return c;
  };
  divert::decision engine, mine;
  for (const ojson& c :
       {with("/person/age", 30), with("/person/age", nullptr), with("/assessment/supply_indicators", true),
        with("/assessment/supply_indicators", nullptr), eligible_case()}) {
    f.rebind(c);
    p.decide(f, engine);
    decide(mine);
    bool same = engine.status == mine.status && engine.pathway == mine.pathway;
    for (std::size_t k = 0; k < 7; ++k) same = same && engine.at(k) == mine.at(k);
    if (!same) {
      state.SkipWithError(("the hand-written decision differs from the engine's for " + c.dump()).c_str());
      return;
    }
  }
  for (auto _ : state) {
    decide(mine);
    benchmark::DoNotOptimize(mine);
  }
}
BENCHMARK(hand_written_decision_over_facts);

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

// Lewisham's policy changed by `change`, loaded from /tmp/divert_bench_lewisham_<name>.json.
template <class Change>
divert::policy lewisham_variant(const std::string& name, Change&& change) {
  std::ifstream in(policies + "lewisham.json");
  ojson doc = ojson::parse(in);
  change(doc);
  const std::string path = "/tmp/divert_bench_lewisham_" + name + ".json";
  std::ofstream(path) << doc.dump();
  return divert::policy::load(path);
}

// Decides the eligible case under a variant of Lewisham; the counter is its number of rules.
void time_lewisham_variant(benchmark::State& state, const divert::policy& p) {
  time_decisions(state, p, eligible_case());
  state.counters["rules"] = static_cast<double>(p.rule_count());
}

// Lewisham with its eligibility rules repeated `times` (renamed): an eligible case evaluates them all.
void decide_scaled_rules(benchmark::State& state) {
  const int times = static_cast<int>(state.range(0));
  time_lewisham_variant(state, lewisham_variant("x" + std::to_string(times), [&](ojson& doc) {
                          ojson rules = ojson::array();
                          for (int k = 0; k < times; ++k)
                            for (auto r : doc["eligibility"]) {
                              r["id"] = r["id"].get<std::string>() + "_" + std::to_string(k);
                              rules.push_back(r);
                            }
                          doc["eligibility"] = rules;
                        }));
}
BENCHMARK(decide_scaled_rules)->Arg(1)->Arg(10)->Arg(100);

// What every decision costs before its rules: Lewisham cut to one eligibility rule that is
// `true` and its pathway (no jurisdiction, no exclusion). The rest of a decision's time is its
// rules'.
void decide_one_rule(benchmark::State& state) {
  time_lewisham_variant(state, lewisham_variant("one_rule", [](ojson& doc) {
                          ojson rule = doc["eligibility"][0];
                          rule["when"] = true;
                          doc["eligibility"] = ojson::array({rule});
                          doc["exclusions"] = ojson::array();
                          doc.erase("jurisdiction");
                        }));
}
BENCHMARK(decide_one_rule);

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
