#pragma once
// Helpers the JsonLogic tests share: apply a rule written as JSON text in one dialect, catch
// what it raises, run the command-line tool.

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <sys/wait.h>

#include "divert/jsonlogic.hpp"
#include "process_temp_dir.hpp"

namespace jl_test {

using ojson = nlohmann::ordered_json;
using divert::jsonlogic::dialect;

inline ojson parse(const std::string& text) { return ojson::parse(text); }

inline divert::jsonlogic::options in(dialect d) {
  divert::jsonlogic::options o;
  o.dialect = d;
  return o;
}

// The result of a rule, as JSON.
inline ojson apply(dialect d, const std::string& rule, const std::string& data = "null") {
  return divert::jsonlogic::apply(parse(rule), parse(data), in(d));
}
inline ojson js(const std::string& rule, const std::string& data = "null") {
  return apply(dialect::javascript, rule, data);
}
inline ojson spec(const std::string& rule, const std::string& data = "null") {
  return apply(dialect::specification, rule, data);
}

// What a rule raises: "compile <id>: <message>" for a compile error, "<type>" for an error
// raised while evaluating, "" when it raises nothing.
inline std::string failure(dialect d, const std::string& rule, const std::string& data = "null") {
  try {
    apply(d, rule, data);
  } catch (const divert::compile_error& e) {
    return "compile " + e.id() + ": " + e.diagnostics().front().message;
  } catch (const divert::evaluation_error& e) {
    return e.diagnostics().front().message;
  }
  return "";
}
inline std::string js_failure(const std::string& rule, const std::string& data = "null") {
  return failure(dialect::javascript, rule, data);
}
inline std::string spec_failure(const std::string& rule, const std::string& data = "null") {
  return failure(dialect::specification, rule, data);
}

// ---- the command-line tool ----------------------------------------------------------------

struct tool_run {
  int exit_code = -1;
  std::string out;
};

// Runs `divert ARGS`, with `input` on its standard input; standard error is dropped.
inline std::string temp_dir() { return test_support::process_temp_dir(); }

inline tool_run run_tool(const std::string& args, const std::string& input = "") {
  static int counter = 0;
  std::string in_path = temp_dir() + "/input_" + std::to_string(++counter) + ".txt";
  {
    std::ofstream f(in_path, std::ios::binary);
    f << input;
  }
  std::string command = std::string("\"") + DIVERT_TOOL + "\" " + args + " < \"" + in_path + "\" 2>/dev/null";
  tool_run r;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::remove(in_path.c_str());
  return r;
}

// A file that removes itself.
struct temp_file {
  std::string path;
  temp_file(const std::string& name, const std::string& content) : path(temp_dir() + "/" + name) {
    std::ofstream f(path, std::ios::binary);
    f << content;
  }
  ~temp_file() { std::remove(path.c_str()); }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
};

}  // namespace jl_test
