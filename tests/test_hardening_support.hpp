#pragma once
// What the hardening tests share (test_hardening_*.cpp, test_threads*.cpp, test_determinism*.cpp):
// the repository's files, a scratch directory, the cases of the shipped policies' tests, and
// running the real `divert` binary.

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "process_temp_dir.hpp"
#include "test_policy_support.hpp"

namespace divert_hardening {

// The repository's files, reading them, and running the real binary: as the policy tests do.
using divert_policy_test::ojson;
using divert_policy_test::read_file;
using divert_policy_test::run_result;
using divert_policy_test::shell_quoted;
using divert_policy_test::source;

inline std::string scratch_dir() { return test_support::process_temp_dir(); }

inline std::string write_scratch(const std::string& name, const std::string& text) {
  std::string path = scratch_dir() + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// Every case of a policy test file (policies/*.tests.json), as JSON.
inline std::vector<ojson> test_cases(const std::string& tests_file) {
  std::vector<ojson> out;
  ojson suite = ojson::parse(read_file(source(tests_file)));
  for (const auto& c : suite["cases"]) out.push_back(c["case"]);
  return out;
}

// Runs `divert ARGS` (shell text) in a fresh process.
inline run_result run_divert(const std::string& args, const std::string& stdin_text = {}) {
  return divert_policy_test::run_tool(args, stdin_text);
}

}  // namespace divert_hardening
