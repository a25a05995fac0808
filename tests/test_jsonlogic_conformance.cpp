// The JsonLogic conformance suites in ../shared, through the library: the official tests.json in
// the javascript dialect (json-logic-js's own test format) and every file of suites/ in the
// specification dialect. Skipped, with a warning, when ../shared is not there.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "jsonlogic_support.hpp"

namespace fs = std::filesystem;
using jl_test::ojson;

namespace {

const fs::path conformance = fs::path(DIVERT_SHARED_DIR) / "conformance" / "jsonlogic";

struct tally {
  std::size_t passed = 0, failed = 0;
  std::vector<std::string> failures;
};

// The error type a suite expects for what divert raised.
std::string suite_error_type(const divert::error& e) {
  if (e.id() == "unknown-operator") return "Unknown Operator";
  if (e.id() == "invalid-arguments") return "Invalid Arguments";
  if (e.id() == "jsonlogic-error") return e.diagnostics().front().message;
  return e.id();
}

// Runs one file: [rule, data, expected] arrays or {rule, data, result|error} objects; strings
// are section headers.
void run_suite(const fs::path& file, divert::jsonlogic::dialect d, tally& t) {
  std::ifstream in(file, std::ios::binary);
  REQUIRE(in);
  ojson suite = ojson::parse(in);
  REQUIRE(suite.is_array());
  divert::jsonlogic::options opts;
  opts.dialect = d;
  for (std::size_t i = 0; i < suite.size(); ++i) {
    const ojson& c = suite[i];
    if (c.is_string()) continue;
    ojson rule, data, expected;
    std::string expected_error;
    if (c.is_array()) {
      REQUIRE(c.size() == 3);
      rule = c[0];
      data = c[1];
      expected = c[2];
    } else {
      REQUIRE(c.is_object());
      rule = c.at("rule");
      data = c.contains("data") ? c["data"] : ojson();
      if (c.contains("error"))
        expected_error = c["error"].at("type").get<std::string>();
      else
        expected = c.contains("result") ? c["result"] : ojson();
    }
    std::string got;
    bool ok;
    try {
      ojson result = divert::jsonlogic::apply(rule, data, opts);
      ok = expected_error.empty() && result == expected;
      got = result.dump();
    } catch (const divert::error& e) {
      got = "error " + suite_error_type(e);
      ok = !expected_error.empty() && suite_error_type(e) == expected_error;
    }
    if (ok) {
      ++t.passed;
    } else {
      ++t.failed;
      t.failures.push_back(file.filename().string() + " /" + std::to_string(i) + ": " + rule.dump() + " got " + got);
    }
  }
}

bool shared_present() {
  if (fs::exists(conformance / "tests.json")) return true;
  WARN("skipped: " << conformance.string() << " is absent (the conformance data lives outside the repository)");
  return false;
}

}  // namespace

TEST_CASE("jsonlogic conformance: tests.json in the javascript dialect (277 of 277)") {
  if (!shared_present()) return;
  tally t;
  run_suite(conformance / "tests.json", divert::jsonlogic::dialect::javascript, t);
  for (const auto& f : t.failures) UNSCOPED_INFO(f);
  CHECK(t.passed == 277);
  CHECK(t.failed == 0);
}

TEST_CASE("jsonlogic conformance: every suites/ file in the specification dialect") {
  if (!shared_present()) return;
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(conformance / "suites"))
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 40);
  tally t;
  for (const auto& f : files) run_suite(f, divert::jsonlogic::dialect::specification, t);
  for (const auto& f : t.failures) UNSCOPED_INFO(f);
  // 1,136 cases (the README counts 1,133: three of additional.json are in the array format).
  CHECK(t.passed >= 1136);
  CHECK(t.failed == 0);
}

TEST_CASE("jsonlogic conformance: divert jsonlogic test picks the dialect by the file's format") {
  if (!shared_present()) return;
  jl_test::tool_run official = jl_test::run_tool("jsonlogic test \"" + (conformance / "tests.json").string() + "\"");
  CHECK(official.exit_code == 0);
  CHECK(official.out == "277 passed, 0 failed\n");
  // The official file in the specification dialect: the format no longer decides.
  jl_test::tool_run forced =
      jl_test::run_tool("jsonlogic test --dialect specification \"" + (conformance / "tests.json").string() + "\"");
  CHECK(forced.exit_code == 0);
  jl_test::tool_run minus = jl_test::run_tool("jsonlogic test --dialect javascript \"" +
                                              (conformance / "suites" / "arithmetic" / "minus.json").string() + "\"");
  CHECK(minus.exit_code == 1);
  CHECK(minus.out.find("FAIL ") != std::string::npos);
}
