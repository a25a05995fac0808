#pragma once
// divert's fuzz targets, as plain functions of the input bytes. Each libFuzzer binary
// (fuzz/fuzz_<target>.cpp) calls one of them; the replay test (tests/test_hardening_fuzz_replay.cpp)
// calls the same functions, without libFuzzer, on the seed corpus (fuzz/corpus/<target>/) and on
// every input that once crashed (tests/fuzz_regressions/<target>/).
//
// A target feeds the bytes to divert the way a file or a record would reach it and checks what
// must hold whatever the bytes: no crash and no sanitizer report (that is the fuzzer's job), no
// exception but divert::error where the API says it throws, every error located (a file and a
// JSON pointer, or a line and a column), and the same answer twice, whichever JSON reader read
// the case. A broken invariant throws fuzz_failure (libFuzzer then reports an uncaught exception
// and keeps the input; the replay test fails with the message).
//
// DIVERT_SOURCE_DIR (the repository) must be defined: the targets read the shipped policies,
// schemas and mapping from it.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "divert/detail/input/csv.hpp"
#include "divert/detail/input/csv_mapping.hpp"
#include "divert/detail/input/json_text.hpp"
#include "divert/error.hpp"
#include "divert/facts.hpp"
#include "divert/jsonlogic.hpp"
#include "divert/limits.hpp"
#include "divert/policy.hpp"
#include "divert/simdjson_binding.hpp"

#ifndef DIVERT_SOURCE_DIR
#error "DIVERT_SOURCE_DIR must name the repository"
#endif

// The targets are inline for the replay test, which includes this header; targets.cpp defines
// DIVERT_FUZZ_API as nothing so that the libFuzzer binaries link them from one object.
#ifndef DIVERT_FUZZ_API
#define DIVERT_FUZZ_API inline
#endif

namespace divert_fuzz {

using ojson = nlohmann::ordered_json;

struct fuzz_failure : std::logic_error {
  using std::logic_error::logic_error;
};

inline void require(bool ok, const std::string& what) {
  if (!ok) throw fuzz_failure("divert fuzz: " + what);
}

inline std::string source(const std::string& rel) { return std::string(DIVERT_SOURCE_DIR) + "/" + rel; }

// The shipped policies (policies/*.json and policies/variants/*.json, without tests and schemas).
inline std::vector<std::string> shipped_policies() {
  std::vector<std::string> out;
  for (const char* dir : {"policies", "policies/variants"}) {
    for (const auto& e : std::filesystem::directory_iterator(source(dir))) {
      std::string name = e.path().filename().string();
      if (e.path().extension() != ".json") continue;
      if (name.find(".tests.json") != std::string::npos || name.find(".schema.json") != std::string::npos) continue;
      out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Every error names where it is: a file and a pointer (possibly "", the document), or a line
// and a column for JSON text. `file` is the name the input was given.
inline void check_located(const std::vector<divert::diagnostic>& ds, const std::string& file) {
  for (const auto& d : ds) {
    require(!d.id.empty(), "a diagnostic without an id: " + d.to_string());
    require(!d.message.empty(), "a diagnostic without a message: " + d.to_string());
    if (d.level != divert::severity::error) continue;
    if (!file.empty()) require(!d.file.empty(), "an error without a file: " + d.to_string());
    require(d.line == 0 || d.column > 0, "a line without a column: " + d.to_string());
    require(d.pointer.empty() || d.pointer[0] == '/', "not a JSON pointer: " + d.to_string());
  }
}

// What a record must be whatever the case: valid JSON that reads back as itself, and the same
// again on a second explain (decision records are deterministic).
inline std::string record_text(const divert::policy& p, const divert::facts& f, bool trace) {
  divert::decision_record rec = p.explain(f, nullptr, trace);
  std::string json = rec.to_json().dump();
  std::string text = rec.to_text();
  (void)text;
  divert::decision d = p.decide(f);
  require(d.status == rec.status, "decide and explain disagree on the status: " + json);
  return json;
}

// What each rule must come to whatever the case: on the fast path (decide, every rule
// evaluated), what the general evaluator answers for it.
inline void check_rule_outcomes(const divert::policy& p, const divert::facts& f) {
  divert::decision all;
  p.decide(f, all, nullptr, /*evaluate_all=*/true);
  divert::detail::arena scratch(0);
  for (std::uint32_t i = 0; i < p.rule_count(); ++i)
    require(all.at(i) == divert::detail::evaluate_rule(p.impl(), i, f.slots(), scratch),
            "rule " + std::to_string(i) + ": the fast path and the general evaluator disagree");
}

// ---- policy: load + compile a policy file ---------------------------------------------------

// A scratch directory holding a copy of the shipped policies and schemas, so that a fuzzed
// policy's "extends" and "case_schema" find real files. One per process; removed at exit.
class policy_dir {
 public:
  static policy_dir& get() {
    static policy_dir d;
    return d;
  }
  const std::string& input() const { return input_; }

 private:
  policy_dir() {
    namespace fs = std::filesystem;
    dir_ = (fs::temp_directory_path() / ("divert_fuzz_" + std::to_string(::getpid()))).string();
    fs::create_directories(dir_ + "/variants");
    fs::create_directories(dir_ + "/schemas");
    for (const char* sub : {"policies", "policies/variants", "schemas"}) {
      std::string to = dir_ + (std::string(sub) == "policies"  ? ""
                               : std::string(sub) == "schemas" ? "/schemas"
                                                               : "/variants");
      for (const auto& e : fs::directory_iterator(source(sub)))
        if (e.is_regular_file())
          fs::copy_file(e.path(), to + "/" + e.path().filename().string(), fs::copy_options::overwrite_existing);
    }
    input_ = dir_ + "/input.json";
  }
  ~policy_dir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string dir_, input_;
};

inline const std::vector<ojson>& sample_cases() {
  static const std::vector<ojson> cases = [] {
    std::vector<ojson> out;
    std::ifstream in(source("examples/cases/intake.json"));
    out.push_back(ojson::parse(in));
    out.push_back(ojson::object());
    out.push_back(ojson::parse(R"({"offence": {"date": "2022-07-14", "type": "possession", "force": "metropolitan",
      "area": "lewisham"}, "person": {"age": {"min": 18, "max": 30}, "admits_offence": "yes"},
      "substances": [{"drug": "cocaine", "class": "A"}, {"drug": "cannabis"}], "history": [
      {"date": "2021-03-02", "type": "diversion", "engaged": false}]})"));
    return out;
  }();
  return cases;
}

DIVERT_FUZZ_API void run_policy(std::string_view bytes) {
  policy_dir& dir = policy_dir::get();
  {
    std::ofstream out(dir.input(), std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  std::vector<divert::diagnostic> diags;
  divert::policy p = divert::policy::load(dir.input(), diags);
  check_located(diags, dir.input());
  require(p.valid() != divert::has_errors(diags), "a policy is valid exactly when there are no errors");
  if (!p.valid()) return;
  for (const auto& c : sample_cases()) {
    std::vector<divert::diagnostic> case_diags;
    divert::facts f = p.bind(ojson::object());
    if (!f.try_rebind(c, case_diags)) continue;  // a schema of its own
    std::string first = record_text(p, f, true);
    require(record_text(p, f, true) == first, "explain gave two records for one case");
    record_text(p, f, false);
    check_rule_outcomes(p, f);
  }
}

// ---- case: bind + decide + explain under each shipped policy ---------------------------------

inline const std::vector<divert::policy>& policies() {
  static const std::vector<divert::policy> ps = [] {
    std::vector<divert::policy> out;
    for (const auto& f : shipped_policies()) out.push_back(divert::policy::load(f));
    return out;
  }();
  return ps;
}

DIVERT_FUZZ_API void run_case(std::string_view bytes) {
  for (const auto& p : policies()) {
    std::vector<divert::diagnostic> diags;
    divert::facts f = p.bind(ojson::object());
    bool ok = f.try_rebind_text(bytes, diags, "case.json");
    check_located(diags, "case.json");
    require(ok != divert::has_errors(diags), "a case binds exactly when it has no errors");
    if (!ok) continue;
    std::string first = record_text(p, f, false);
    require(record_text(p, f, false) == first, "explain gave two records for one case");
    record_text(p, f, true);
    check_rule_outcomes(p, f);
  }
}

// ---- jsonlogic: compile + evaluate, both dialects -------------------------------------------

// The input is the rule's text, a newline, and the data's text (no newline: no data).
DIVERT_FUZZ_API void run_jsonlogic(std::string_view bytes) {
  std::size_t nl = bytes.find('\n');
  std::string_view rule_text = bytes.substr(0, nl);
  std::string_view data_text = nl == std::string_view::npos ? std::string_view("null") : bytes.substr(nl + 1);
  ojson data;
  bool have_data = true;
  try {
    data = divert::detail::parse_json_text(data_text, "data.json", divert::limits{});
  } catch (const divert::error& e) {
    check_located(e.diagnostics(), "data.json");
    have_data = false;
  }
  for (auto d : {divert::jsonlogic::dialect::javascript, divert::jsonlogic::dialect::specification}) {
    divert::jsonlogic::options opts;
    opts.dialect = d;
    opts.file = "rule.json";
    std::unique_ptr<divert::jsonlogic::rule> rule;
    try {
      rule = std::make_unique<divert::jsonlogic::rule>(divert::jsonlogic::rule::compile_text(rule_text, opts));
    } catch (const divert::error& e) {
      check_located(e.diagnostics(), "rule.json");
      continue;
    }
    // divert::simdjson_data_reader and rule::bind give the same data, and the same errors, as
    // converting nlohmann's whole document and walking each slot's path (both build only what a
    // rule that reads only static paths reads: from simdjson's tape, from nlohmann's document).
    {
      static divert::simdjson_data_reader reader;
      auto answer = [&](auto&& bind) -> std::string {
        try {
          divert::jsonlogic::data bound;
          bind(bound);
          std::string r = divert::detail::value_to_json(rule->evaluate(bound)).dump();
          return r + (rule->test(bound) ? " (truthy)" : " (falsy)");
        } catch (const divert::error& e) {
          return std::string("error ") + e.id() + ": " + e.what();
        }
      };
      const std::string via_nlohmann = answer([&](divert::jsonlogic::data& b) {
        rule->bind(divert::detail::parse_json_text(data_text, "data.json", rule->data_limits(), false), b);
      });
      const std::string via_simdjson =
          answer([&](divert::jsonlogic::data& b) { reader.bind(*rule, data_text, b, "data.json"); });
      // In place (padded): the text followed by JSON that would change the answer if read.
      std::string buffer(data_text);
      while (buffer.size() < data_text.size() + simdjson::SIMDJSON_PADDING) buffer += R"(,"a":[1],"b":{"c":"x"}})";
      const std::string via_in_place = answer([&](divert::jsonlogic::data& b) {
        reader.bind(*rule, std::string_view(buffer.data(), data_text.size()), b, "data.json", /*padded=*/true);
      });
      const std::string via_whole = answer([&](divert::jsonlogic::data& b) {
        const ojson doc = divert::detail::parse_json_text(data_text, "data.json", rule->data_limits(), false);
        rule->bind_built(
            [&](divert::detail::arena& storage) {
              divert::detail::json_to_value conv(rule->symbols(), storage, divert::detail::string_mode::lookup,
                                                 &rule->data_limits());
              return conv.convert(doc);
            },
            [] { return std::size_t{1024}; }, b);
      });
      require(via_nlohmann == via_whole,
              "rule::bind and the whole document bind the data differently:\n" + via_nlohmann + "\n---\n" + via_whole);
      require(via_simdjson == via_nlohmann,
              "simdjson and nlohmann bind the data differently:\n" + via_simdjson + "\n---\n" + via_nlohmann);
      require(via_in_place == via_simdjson, "simdjson in place and from a copy bind the data differently:\n" +
                                                via_in_place + "\n---\n" + via_simdjson);
    }
    if (!have_data) continue;
    std::string first;
    for (int round = 0; round < 2; ++round) {
      std::string result;
      try {
        divert::jsonlogic::data bound = rule->bind(data);
        divert::detail::value v = rule->evaluate(bound);
        result = divert::detail::value_to_json(v).dump();
        bool truth = rule->test(bound);
        (void)truth;
      } catch (const divert::error& e) {
        result = std::string("error ") + e.id() + ": " + e.what();
      }
      if (round == 0)
        first = result;
      else
        require(result == first, "a rule gave two answers for one data: " + first + " / " + result);
    }
  }
}

// ---- csv: a CSV file through the police.uk stop-and-search mapping ---------------------------

DIVERT_FUZZ_API void run_csv(std::string_view bytes) {
  static const divert::policy& p = []() -> const divert::policy& {
    static divert::policy lewisham = divert::policy::load(source("policies/lewisham.json"));
    return lewisham;
  }();
  static const std::unique_ptr<divert::detail::csv_mapping> mapping = [] {
    auto m = std::make_unique<divert::detail::csv_mapping>();
    std::vector<divert::diagnostic> diags;
    if (!m->load(source("mappings/police-uk-stop-search.json"), *p.impl().schema, diags))
      throw fuzz_failure("the shipped mapping does not load");
    m->set_constant(*p.impl().schema, "offence.force", "metropolitan", diags);
    return m;
  }();
  divert::detail::csv_mapping map = *mapping;  // bind_header changes it
  std::size_t at = 0;
  divert::detail::csv_reader reader(
      [&](char* buf, std::size_t n) {
        std::size_t k = std::min(n, bytes.size() - at);
        std::memcpy(buf, bytes.data() + at, k);
        at += k;
        return k;
      },
      64);  // small blocks: the refill paths run too
  std::vector<std::string> fields;
  if (reader.next(fields) != divert::detail::csv_reader::result::record) return;
  std::vector<divert::diagnostic> diags;
  if (!map.bind_header(fields, diags, "rows.csv")) {
    check_located(diags, "rows.csv");
    return;
  }
  divert::facts f = p.bind(ojson::object());
  for (int rows = 0; rows < 10000; ++rows) {
    auto r = reader.next(fields);
    if (r == divert::detail::csv_reader::result::end) break;
    if (r == divert::detail::csv_reader::result::error) {
      require(!reader.message().empty(), "a CSV error without a message");
      continue;
    }
    auto row = map.map(fields);
    if (row.what == divert::detail::csv_mapping::row::kind::skip) {
      require(!row.skip_id.empty(), "a skipped row without the skip rule's id");
      continue;
    }
    if (row.what == divert::detail::csv_mapping::row::kind::error) {
      require(!row.message.empty(), "a row error without a message");
      continue;
    }
    diags.clear();
    if (!f.try_rebind(row.case_json, diags)) {
      check_located(diags, "");
      continue;
    }
    record_text(p, f, false);
  }
}

// ---- jsonl: lines through simdjson's on-demand reader, checked against nlohmann's -----------

inline std::string describe(const std::vector<divert::diagnostic>& ds) {
  std::string s;
  for (const auto& d : ds)
    s += d.to_string() + " [" + d.id + " " + std::to_string(d.line) + ":" + std::to_string(d.column) + "]\n";
  return s;
}

DIVERT_FUZZ_API void run_jsonl(std::string_view bytes) {
  static const divert::policy& lewisham = []() -> const divert::policy& {
    for (const auto& p : policies())
      if (p.file().size() >= 14 && p.file().compare(p.file().size() - 14, 14, "/lewisham.json") == 0) return p;
    throw fuzz_failure("policies/lewisham.json is not there");
  }();
  static divert::simdjson_case_reader simd;
  divert::facts a = lewisham.bind(ojson::object()), b = lewisham.bind(ojson::object()),
                c = lewisham.bind(ojson::object());
  std::string padded;
  std::size_t start = 0;
  for (int lines = 0; lines < 10000 && start <= bytes.size(); ++lines) {
    std::size_t nl = bytes.find('\n', start);
    std::string_view line = bytes.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    start = nl == std::string_view::npos ? bytes.size() + 1 : nl + 1;
    std::vector<divert::diagnostic> da, db, dc;
    bool oka = simd.try_rebind(a, line, da, "cases.jsonl");
    padded.assign(line.data(), line.size());
    padded.append(simdjson::SIMDJSON_PADDING, ' ');
    bool okb = simd.try_rebind(b, std::string_view(padded.data(), line.size()), db, "cases.jsonl", {}, true);
    bool okc = c.try_rebind_text(line, dc, "cases.jsonl");
    check_located(dc, "cases.jsonl");
    std::string sa = describe(da), sb = describe(db), sc = describe(dc);
    require(oka == okc && sa == sc, "simdjson and nlohmann read a line differently:\n" + sa + "---\n" + sc);
    require(okb == okc && sb == sc, "simdjson (padded) and nlohmann read a line differently:\n" + sb + "---\n" + sc);
    if (!okc) continue;
    std::string ra = record_text(lewisham, a, true), rc = record_text(lewisham, c, true);
    require(ra == rc, "the two readers' facts decide differently:\n" + ra + "\n" + rc);
  }
}

}  // namespace divert_fuzz
