// divert batch through the real binary (DIVERT_TOOL): N lines in, N lines out, in order, bad
// lines answered with their own line number, the same output whatever the number of threads.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../benchmarks/w1.hpp"
#include "divert/batch.hpp"
#include "divert/policy.hpp"
#include "process_temp_dir.hpp"

namespace {

using ojson = nlohmann::ordered_json;

std::string src(const std::string& rel) { return std::string(DIVERT_SOURCE_DIR) + "/" + rel; }

struct run_result {
  int code = -1;
  std::string out, err;
  std::vector<std::string> lines() const {
    std::vector<std::string> v;
    std::istringstream in(out);
    std::string l;
    while (std::getline(in, l)) v.push_back(l);
    return v;
  }
};

std::string temp_path(const std::string& name) { return test_support::process_temp_dir() + "/batch_" + name; }

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

run_result run(const std::string& args) {
  std::string out = temp_path("stdout"), err = temp_path("stderr");
  std::string cmd = std::string("'") + DIVERT_TOOL + "' " + args + " >'" + out + "' 2>'" + err + "' </dev/null";
  int status = std::system(cmd.c_str());
  run_result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  std::remove(out.c_str());
  std::remove(err.c_str());
  return r;
}

// JSONL with about 5% broken lines (bad JSON, wrong types, non-objects, empty lines), made
// deterministically; `broken` receives their line numbers (1-based).
std::string broken_jsonl(std::size_t n, std::vector<std::size_t>& broken) {
  auto cases = divert::bench::w1::generate(n);
  std::uint32_t s = 7;
  auto r = [&](std::uint32_t m) {
    s = (s * 1103515245u + 12345u) & 0x7fffffffu;
    return s % m;
  };
  static const char* bad[] = {
      R"x({"offence":{"type":"possession","area":"lewisham"},"person":{"age":21)x",  // truncated
      R"x({"person":{"age":"twenty"}})x",                                            // wrong type
      R"x([{"person":{"age":21}}])x",                                                // not an object
      R"x({"substances":[{"drug":"canabis"}]})x",                                    // enum typo
      R"x({"person":{"age":130}})x",                                                 // out of range
      "",                                                                            // empty line
      R"x({"offence":{"date":"2022-02-30"}})x",                                      // bad date
      "not json at all",                                                             // syntax
      R"x("a string")x",                                                             // not an object
      R"x({"a":1,"a":2})x",                                                          // duplicate key
  };
  std::string text;
  for (std::size_t i = 0; i < n; ++i) {
    if (r(20) == 0) {
      broken.push_back(i + 1);
      text += bad[r(sizeof bad / sizeof bad[0])];
    } else {
      text += divert::bench::w1::case_text(cases[i]);
    }
    text += '\n';
  }
  return text;
}

}  // namespace

TEST_CASE("divert batch: N lines in, N lines out, broken lines answered with their line number", "[batch][cli]") {
  // DIVERT_BATCH_LINES=20000 runs the issue's size; the default keeps ctest quick.
  std::size_t n = 2000;
  if (const char* e = std::getenv("DIVERT_BATCH_LINES")) n = std::strtoull(e, nullptr, 10);
  std::vector<std::size_t> broken;
  std::string input = temp_path("broken.jsonl");
  write_file(input, broken_jsonl(n, broken));
  REQUIRE(broken.size() > n / 40);

  auto one = run("batch '" + src("benchmarks/w1_policy.json") + "' '" + input + "' --chunk-bytes 4096");
  auto two = run("batch '" + src("benchmarks/w1_policy.json") + "' '" + input + "' --threads 2 --chunk-bytes 4096");
  auto piped = run("batch '" + src("benchmarks/w1_policy.json") + "' - --threads 2 < '" + input + "'");
  std::remove(input.c_str());
  REQUIRE(one.code == 0);
  REQUIRE(two.code == 0);
  auto lines = one.lines();
  REQUIRE(lines.size() == n);
  CHECK(two.out == one.out);

  std::size_t k = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ojson j = ojson::parse(lines[i]);
    bool is_broken = k < broken.size() && broken[k] == i + 1;
    if (is_broken) {
      ++k;
      INFO("line " << i + 1 << ": " << lines[i]);
      REQUIRE(j.contains("error"));
      CHECK(j["line"] == i + 1);
      CHECK(j.contains("kind"));
    } else {
      REQUIRE(j.contains("status"));
    }
  }
  CHECK(one.err.find(std::to_string(n) + " lines: " + std::to_string(n - broken.size()) + " decided, " +
                     std::to_string(broken.size()) + " errors") != std::string::npos);
}

TEST_CASE("divert batch: decisions are policy::explain's records, errors name line and pointer", "[batch][cli]") {
  std::string input = temp_path("small.jsonl");
  std::vector<std::string> in = {
      R"x({"offence":{"type":"possession","force":"metropolitan","area":"lewisham"},"person":{"age":21},"substances":[{"drug":"cannabis"}],"assessment":{"personal_use":true,"supply_indicators":false}})x",
      R"x({"person":{"age":30}})x",
      "",
      R"x({"person":{"age":"x"},"offence":{"type":"canabis"}})x",
      R"x({"person":{"age":21}} trailing)x",
      R"x({"person":{"age":21},"persn":1})x"
      "\r",
      "[]",
  };
  std::string text;
  for (const auto& l : in) text += l + "\n";
  write_file(input, text);
  auto r = run("batch '" + src("policies/lewisham.json") + "' '" + input + "'");
  REQUIRE(r.code == 0);
  auto lines = r.lines();
  REQUIRE(lines.size() == in.size());

  auto p = divert::policy::load(src("policies/lewisham.json"));
  for (std::size_t i : {0u, 1u, 5u}) {
    std::string t = in[i];
    if (!t.empty() && t.back() == '\r') t.pop_back();
    auto f = p.bind(ojson::parse(t));
    CHECK(lines[i] == p.explain(f).to_json().dump());
  }
  CHECK(
      lines[2] ==
      R"x({"line":3,"error":"column 1: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal","kind":"json-syntax"})x");
  ojson e3 = ojson::parse(lines[3]);
  CHECK(e3["line"] == 4);
  CHECK(e3["kind"] == "case-invalid");
  CHECK(e3["pointer"] == "/person/age");
  CHECK(e3["error"].get<std::string>().rfind("/person/age: expected a whole number (or a range {\"min\": a, \"max\": "
                                             "b}), got the string \"x\"; /offence/type: ",
                                             0) == 0);
  ojson e4 = ojson::parse(lines[4]);
  CHECK(e4["line"] == 5);
  CHECK(e4["kind"] == "json-syntax");
  CHECK_FALSE(e4.contains("pointer"));
  CHECK(lines[6] ==
        R"x({"line":7,"error":"/: a case is a JSON object, not an array","kind":"case-invalid","pointer":""})x");
  ojson w = ojson::parse(lines[5]);
  REQUIRE(w.contains("warnings"));
  CHECK(w["warnings"][0].get<std::string>().rfind("/persn: \"persn\" is not a fact of the case schema", 0) == 0);

  CHECK(r.err.find("divert batch: 7 lines: 3 decided, 4 errors, 0 skipped") != std::string::npos);
  CHECK(r.err.find("  errors: case-invalid 2, json-syntax 2\n") != std::string::npos);
  std::remove(input.c_str());
}

TEST_CASE("divert batch: --skip-rules as in divert eval, and exit 2 when it cannot run", "[batch][cli]") {
  std::string input = temp_path("skip.jsonl");
  write_file(
      input,
      R"x({"offence":{"type":"possession","force":"metropolitan","area":"camden"},"person":{"age":21},"substances":[{"drug":"cannabis"}],"assessment":{"personal_use":true,"supply_indicators":false}})x"
      "\n");
  auto plain = run("batch '" + src("policies/lewisham.json") + "' '" + input + "'");
  REQUIRE(plain.code == 0);
  CHECK(ojson::parse(plain.out)["status"] == "not_eligible");
  auto skipped = run("batch '" + src("policies/lewisham.json") + "' '" + input + "' --skip-rules jurisdiction");
  REQUIRE(skipped.code == 0);
  ojson j = ojson::parse(skipped.out);
  CHECK(j["status"] == "eligible");
  CHECK(j["skipped"] == ojson::array({"jurisdiction"}));

  CHECK(run("batch '" + src("policies/lewisham.json") + "' '" + input + "' --skip-rules nosuchrule").code == 2);
  CHECK(run("batch '" + src("policies/nosuch.json") + "' '" + input + "'").code == 2);
  CHECK(run("batch '" + src("policies/lewisham.json") + "' /nonexistent/cases.jsonl").code == 2);
  CHECK(run("batch '" + src("policies/lewisham.json") + "' '" + input + "' --input csv").code == 2);
  std::remove(input.c_str());
}

TEST_CASE("divert batch: an empty input gives no lines; a last line without newline is answered", "[batch][cli]") {
  std::string input = temp_path("edge.jsonl");
  write_file(input, "");
  auto r = run("batch '" + src("policies/lewisham.json") + "' '" + input + "'");
  CHECK(r.code == 0);
  CHECK(r.out.empty());
  write_file(input, "{}\n\n{\"person\":{\"age\":40}}");
  r = run("batch '" + src("policies/lewisham.json") + "' '" + input + "' --threads 3 --chunk-bytes 1");
  CHECK(r.code == 0);
  auto lines = r.lines();
  REQUIRE(lines.size() == 3);
  CHECK(ojson::parse(lines[0])["status"] == "undetermined");
  CHECK(ojson::parse(lines[1])["line"] == 2);
  CHECK(ojson::parse(lines[2])["status"] == "not_eligible");
  std::remove(input.c_str());
}
