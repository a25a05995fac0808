// W1 driver (DESIGN §10): the W1 predicate over 100,000 generated cases with divert's compat
// JsonLogic engine. Prints exactly one line, in the format of bench/w1.js:
//
//   W1 eval_ns=<ns per case> parse_eval_ns=<ns per case> matches=<count> checksum=<sum of indices>
//
//   eval_ns        facts already bound: each case bound once (rule::bind) up front, then
//                  rule::test over all cases; best of several repetitions
//   parse_eval_ns  the case's JSON text (its JSONL line) -> result: read, bind, test
//                  (the lines held as a JSONL file is once read: jsonl_text)
//
// Options:
//   --cases N        number of cases (default 100000; the expected matches/checksum are checked
//                    for 100000 and a mismatch exits 1)
//   --rule FILE      the W1 rule (default ../shared/bench/w1-rule.json, else an embedded copy)
//   --reader NAME    the JSON text reader for parse_eval: simdjson (default: simdjson's DOM,
//                    divert::simdjson_data_reader) or nlohmann (its DOM parser, then rule::bind)
//   --reps N         repetitions of the eval pass (default 20); parse_eval does max(1, N/5)
//   --emit FILE|-    write the cases as JSONL (byte-identical to `node w1.js --emit`) and exit
//   --verify         no timing: one pass of each path, every check; for ctest

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "divert/jsonlogic.hpp"
#include "divert/simdjson_binding.hpp"
#include "w1.hpp"

namespace {

namespace w1 = divert::bench::w1;
using divert::jsonlogic::rule;
using steady = std::chrono::steady_clock;

struct tally {
  long matches = 0;
  long long checksum = 0;
  bool operator==(const tally& o) const { return matches == o.matches && checksum == o.checksum; }
};

struct options {
  std::size_t cases = w1::default_cases;
  std::string rule_path = w1::default_rule_path;
  std::string reader = "simdjson";
  int reps = 20;
  std::string emit;
  bool verify = false;
};

// Keeps the optimiser from merging or hoisting work across cases and repetitions.
inline void barrier() { asm volatile("" ::: "memory"); }

double ns_per_case(steady::duration d, std::size_t n) {
  return std::chrono::duration<double, std::nano>(d).count() / static_cast<double>(n);
}

// ---- eval: facts already bound ------------------------------------------------------------------

double eval_ns(const rule& r, std::vector<divert::jsonlogic::data>& bound, int warmups, int reps, tally& out) {
  double best = 1e300;
  for (int rep = -warmups; rep < reps; ++rep) {
    tally t;
    auto t0 = steady::now();
    for (std::size_t i = 0; i < bound.size(); ++i) {
      if (r.test(bound[i])) {
        ++t.matches;
        t.checksum += static_cast<long long>(i);
      }
      barrier();
    }
    auto elapsed = steady::now() - t0;
    if (rep >= 0) best = std::min(best, ns_per_case(elapsed, bound.size()));
    out = t;
  }
  return best;
}

// ---- parse_eval: the JSON text of a case -> result ----------------------------------------------
// The lines are held as a JSONL file is once read: one buffer, each line followed by its newline
// (byte for byte what --emit writes), with padding after the last. Not one std::string a line:
// those are reserved at 256 bytes and regrown past it, which leaves them out of order in the heap,
// and reading them then cost divert's parse + eval about 25 % more (366 against 288 ns, in
// alternating runs), a cost of the driver's memory layout, not of reading JSON. (Node's
// JSON.stringify strings in w1.js lie one after another in V8's heap.)
struct jsonl_text {
  std::string text;
  std::vector<std::string_view> lines;  // into text, without their newlines

  jsonl_text(const jsonl_text&) = delete;  // lines point into text
  jsonl_text& operator=(const jsonl_text&) = delete;
  explicit jsonl_text(const std::vector<std::string>& each) {
    std::size_t size = 0;
    for (const auto& l : each) size += l.size() + 1;
    text.reserve(size + padding);
    for (const auto& l : each) (text += l) += '\n';
    text.append(padding, ' ');
    std::size_t at = 0;
    for (const auto& l : each) {
      lines.emplace_back(text.data() + at, l.size());
      at += l.size() + 1;
    }
  }
  // Readable bytes after each line: the next lines, or this padding after the last.
  static constexpr std::size_t padding = simdjson::SIMDJSON_PADDING;
};
// The seam for faster readers. A reader is a class whose `bool operator()(std::string_view line)`
// reads one JSONL line, binds it for the rule and returns the rule's answer; parse_eval_ns()
// picks one by name and times it over all the lines.

class nlohmann_reader {
 public:
  explicit nlohmann_reader(const rule& r) : rule_(r) {}
  bool operator()(std::string_view line) {
    const auto json = nlohmann::ordered_json::parse(line);
    rule_.bind(json, data_);  // rebinding reuses data_'s memory
    return rule_.test(data_);
  }

 private:
  const rule& rule_;
  divert::jsonlogic::data data_;
};

class simdjson_reader {
 public:
  explicit simdjson_reader(const rule& r) : rule_(r) {}
  bool operator()(std::string_view line) {
    reader_.bind(rule_, line, data_, {}, /*padded=*/true);  // a line of jsonl_text: read in place
    return rule_.test(data_);
  }

 private:
  const rule& rule_;
  divert::simdjson_data_reader reader_;
  divert::jsonlogic::data data_;
};

template <class Reader>
double time_lines(Reader& read, const std::vector<std::string_view>& lines, int warmups, int reps, tally& out) {
  double best = 1e300;
  for (int rep = -warmups; rep < reps; ++rep) {
    tally t;
    auto t0 = steady::now();
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (read(lines[i])) {
        ++t.matches;
        t.checksum += static_cast<long long>(i);
      }
      barrier();
    }
    auto elapsed = steady::now() - t0;
    if (rep >= 0) best = std::min(best, ns_per_case(elapsed, lines.size()));
    out = t;
  }
  return best;
}

double parse_eval_ns(const rule& r, const std::vector<std::string_view>& lines, const std::string& reader, int warmups,
                     int reps, tally& out) {
  if (reader == "nlohmann") {
    nlohmann_reader read(r);
    return time_lines(read, lines, warmups, reps, out);
  }
  if (reader == "simdjson") {
    simdjson_reader read(r);
    return time_lines(read, lines, warmups, reps, out);
  }
  throw std::invalid_argument("unknown reader \"" + reader + "\" (known: simdjson, nlohmann)");
}

// ---- command line ---------------------------------------------------------------------------------

[[noreturn]] void usage(const char* message) {
  std::fprintf(stderr,
               "w1_driver: %s\nusage: w1_driver [--cases N] [--rule FILE] [--reader simdjson|nlohmann] [--reps N] "
               "[--emit FILE|-] [--verify]\n",
               message);
  std::exit(2);
}

options parse_args(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value after " + std::string(a)).c_str());
      return argv[++i];
    };
    if (a == "--cases") {
      o.cases = std::strtoull(value().c_str(), nullptr, 10);
      if (o.cases == 0) usage("--cases needs a positive number");
    } else if (a == "--rule") {
      o.rule_path = value();
    } else if (a == "--reader") {
      o.reader = value();
    } else if (a == "--reps") {
      o.reps = std::atoi(value().c_str());
      if (o.reps < 1) usage("--reps needs a positive number");
    } else if (a == "--emit") {
      o.emit = value();
    } else if (a == "--verify") {
      o.verify = true;
    } else {
      usage(("unknown option " + std::string(a)).c_str());
    }
  }
  return o;
}

int emit(const std::vector<w1::case_data>& cases, const std::string& path) {
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) {
      std::fprintf(stderr, "w1_driver: cannot write %s\n", path.c_str());
      return 2;
    }
    out = &file;
  }
  for (const auto& c : cases) *out << w1::case_text(c) << '\n';
  out->flush();
  return *out ? 0 : 2;
}

int run(const options& o) {
  const std::vector<w1::case_data> cases = w1::generate(o.cases);
  if (!o.emit.empty()) return emit(cases, o.emit);

  std::string rule_source;
  const std::string text = w1::rule_text(o.rule_path, &rule_source);
  if (rule_source != o.rule_path) std::fprintf(stderr, "w1_driver: rule: %s\n", rule_source.c_str());
  const rule r = rule::compile_text(text);

  std::vector<std::string> lines;
  lines.reserve(cases.size());
  for (const auto& c : cases) lines.push_back(w1::case_text(c));

  std::vector<divert::jsonlogic::data> bound;
  bound.reserve(cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto json = w1::case_json(cases[i]);
    if (o.verify && json.dump() != lines[i]) {
      std::fprintf(stderr, "w1_driver: case %zu: JSON document and JSON text differ:\n  %s\n  %s\n", i,
                   json.dump().c_str(), lines[i].c_str());
      return 1;
    }
    bound.push_back(r.bind(json));
  }

  const int warmups = o.verify ? 0 : 3;
  const int eval_reps = o.verify ? 1 : o.reps;
  const int parse_reps = o.verify ? 1 : std::max(1, o.reps / 5);
  tally from_bound, from_text;
  const double eval = eval_ns(r, bound, warmups, eval_reps, from_bound);
  const jsonl_text jsonl(lines);
  const double parse_eval = parse_eval_ns(r, jsonl.lines, o.reader, o.verify ? 0 : 1, parse_reps, from_text);

  int status = 0;
  if (!(from_bound == from_text)) {
    std::fprintf(stderr, "w1_driver: bound facts give matches=%ld checksum=%lld, JSON text gives %ld / %lld\n",
                 from_bound.matches, from_bound.checksum, from_text.matches, from_text.checksum);
    status = 1;
  }
  if (o.cases == w1::default_cases &&
      (from_bound.matches != w1::expected_matches || from_bound.checksum != w1::expected_checksum)) {
    std::fprintf(stderr, "w1_driver: expected matches=%ld checksum=%lld for %zu cases\n", w1::expected_matches,
                 w1::expected_checksum, w1::default_cases);
    status = 1;
  }
  if (o.verify) {
    std::printf("W1 verify %s: matches=%ld checksum=%lld cases=%zu\n", status ? "FAILED" : "ok", from_bound.matches,
                from_bound.checksum, cases.size());
  } else {
    std::printf("W1 eval_ns=%.2f parse_eval_ns=%.2f matches=%ld checksum=%lld\n", eval, parse_eval, from_bound.matches,
                from_bound.checksum);
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse_args(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "w1_driver: %s\n", e.what());
    return 2;
  }
}
