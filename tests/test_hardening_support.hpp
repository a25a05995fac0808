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

namespace divert_hardening {

using ojson = nlohmann::ordered_json;

inline std::string source(const std::string& rel) { return std::string(DIVERT_SOURCE_DIR) + "/" + rel; }

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline std::string scratch_dir() {
  static const std::string dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("divert_hardening_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d.string();
  }();
  return dir;
}

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

struct run_result {
  int code = -1;
  std::string out, err;
};

// Runs `divert ARGS` (shell text) in a fresh process.
inline run_result run_divert(const std::string& args, const std::string& stdin_text = {}) {
  static int counter = 0;
  std::string base = scratch_dir() + "/run" + std::to_string(++counter);
  std::ofstream(base + ".in", std::ios::binary) << stdin_text;
  std::string cmd =
      std::string("'") + DIVERT_TOOL + "' " + args + " <'" + base + ".in' >'" + base + ".out' 2>'" + base + ".err'";
  int status = std::system(cmd.c_str());
  run_result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(base + ".out");
  r.err = read_file(base + ".err");
  return r;
}

inline std::string shell_quoted(const std::string& s) { return "'" + s + "'"; }

}  // namespace divert_hardening
