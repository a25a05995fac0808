#pragma once
// Helpers shared by the policy tests (tests/test_policy_*.cpp): fixture paths, loading and
// deciding, diagnostics as comparable values, and running the real `divert` binary.

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "divert/facts.hpp"
#include "divert/policy.hpp"
#include "process_temp_dir.hpp"

namespace divert_policy_test {

using ojson = nlohmann::ordered_json;

// tests/fixtures/policies/<rel>, as an absolute path.
inline std::string fixture(const std::string& rel) {
  return std::string(DIVERT_SOURCE_DIR) + "/tests/fixtures/policies/" + rel;
}
// <repository>/<rel>.
inline std::string source(const std::string& rel) { return std::string(DIVERT_SOURCE_DIR) + "/" + rel; }

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

// A scratch directory for this process, made on first use.
inline std::string temp_dir() { return test_support::process_temp_dir(); }

// A policy loaded once per path for the whole test run (policies are immutable).
inline const divert::policy& loaded(const std::string& path) {
  static std::map<std::string, divert::policy> cache;
  auto it = cache.find(path);
  if (it == cache.end()) it = cache.emplace(path, divert::policy::load(path)).first;
  return it->second;
}

inline divert::facts bind_case(const divert::policy& p, const std::string& case_text) {
  return p.bind(ojson::parse(case_text));
}

inline divert::decision_record explain(const divert::policy& p, const std::string& case_text,
                                       const divert::rule_selection* skip = nullptr) {
  divert::facts f = bind_case(p, case_text);
  return p.explain(f, skip);
}

// A diagnostic as one comparable value: (severity, id, file, pointer, message), with line and
// column appended to the pointer slot for syntax errors ("4:9").
struct diag {
  std::string level, id, file, where, message;
  bool operator==(const diag& o) const {
    return std::tie(level, id, file, where, message) == std::tie(o.level, o.id, o.file, o.where, o.message);
  }
  bool operator<(const diag& o) const {
    return std::tie(file, where, level, id, message) < std::tie(o.file, o.where, o.level, o.id, o.message);
  }
};

inline std::ostream& operator<<(std::ostream& os, const diag& d) {
  return os << "{" << d.level << ", " << d.id << ", " << d.file << ", " << d.where << ", " << d.message << "}";
}

inline diag to_diag(const divert::diagnostic& d) {
  std::string where = d.line ? std::to_string(d.line) + ":" + std::to_string(d.column) : d.pointer;
  return diag{d.level == divert::severity::error ? "error" : "warning", d.id, d.file, where, d.message};
}

// Every diagnostic, sorted by location (the order the engine finds them in is not part of the
// contract; `divert lint` sorts them too).
inline std::vector<diag> sorted(const std::vector<divert::diagnostic>& ds) {
  std::vector<diag> out;
  for (const auto& d : ds) out.push_back(to_diag(d));
  std::sort(out.begin(), out.end());
  return out;
}

inline std::vector<diag> sorted(std::vector<diag> ds) {
  std::sort(ds.begin(), ds.end());
  return ds;
}

// Loads without throwing and returns every diagnostic, sorted.
inline std::vector<diag> load_diagnostics(const std::string& path, bool* valid = nullptr) {
  std::vector<divert::diagnostic> ds;
  divert::policy p = divert::policy::load(path, ds);
  if (valid) *valid = p.valid();
  return sorted(ds);
}

// ---- the real binary ----

struct run_result {
  int code = -1;
  std::string out, err;
};

// Runs `divert ARGS` through the shell (ARGS is shell text) in directory `cwd` (when given),
// with `stdin_text` on standard input.
inline run_result run_tool(const std::string& args, const std::string& stdin_text = {}, const std::string& cwd = {}) {
  static int counter = 0;
  std::string base = temp_dir() + "/run" + std::to_string(++counter);
  write_file(base + ".in", stdin_text);
  std::string cmd = (cwd.empty() ? std::string() : "cd '" + cwd + "' && ") + "'" + DIVERT_TOOL + "' " + args + " <'" +
                    base + ".in' >'" + base + ".out' 2>'" + base + ".err'";
  int status = std::system(cmd.c_str());
  run_result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(base + ".out");
  r.err = read_file(base + ".err");
  return r;
}

inline std::string shell_quoted(const std::string& s) { return "'" + s + "'"; }

}  // namespace divert_policy_test
