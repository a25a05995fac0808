// The fuzz targets without libFuzzer: every input of each target's seed corpus (fuzz/corpus/<target>/)
// and every input that once made a target crash or report (tests/fuzz_regressions/<target>/) goes
// through the same function the fuzzer calls (fuzz/targets.hpp), so `make test` and the sanitizer
// build replay them all. A target throws only when an invariant breaks (fuzz_failure); a crash
// or a sanitizer report ends the test binary with the input's name in the failure context.

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../fuzz/targets.hpp"

namespace {

namespace fs = std::filesystem;

std::vector<std::string> inputs_of(const std::string& dir) {
  std::vector<std::string> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().filename().string()[0] != '.') out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Replays the regressions and the corpus of one target; returns how many inputs ran.
std::size_t replay(const std::string& target, void (*run)(std::string_view)) {
  std::size_t n = 0;
  for (const auto& dir :
       {divert_fuzz::source("tests/fuzz_regressions/" + target), divert_fuzz::source("fuzz/corpus/" + target)}) {
    for (const auto& path : inputs_of(dir)) {
      std::string bytes = bytes_of(path);
      INFO("input: " << path);
      CHECK_NOTHROW(run(bytes));
      ++n;
    }
  }
  return n;
}

}  // namespace

TEST_CASE("fuzz replay: policy files (load + compile + explain)", "[hardening][fuzz]") {
  CHECK(replay("policy", divert_fuzz::run_policy) > 0);
}

TEST_CASE("fuzz replay: cases bound and decided under every shipped policy", "[hardening][fuzz]") {
  CHECK(replay("case", divert_fuzz::run_case) > 0);
}

TEST_CASE("fuzz replay: JsonLogic rules compiled and applied in both dialects", "[hardening][fuzz]") {
  CHECK(replay("jsonlogic", divert_fuzz::run_jsonlogic) > 0);
}

TEST_CASE("fuzz replay: CSV files through the police.uk mapping", "[hardening][fuzz]") {
  CHECK(replay("csv", divert_fuzz::run_csv) > 0);
}

TEST_CASE("fuzz replay: JSONL lines, simdjson against nlohmann", "[hardening][fuzz]") {
  CHECK(replay("jsonl", divert_fuzz::run_jsonl) > 0);
}
