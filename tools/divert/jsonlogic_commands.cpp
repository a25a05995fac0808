// divert jsonlogic eval | test: compat-mode JsonLogic from the command line (DESIGN §8).

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "divert/jsonlogic.hpp"

namespace divert::cli {
namespace {

using ojson = nlohmann::ordered_json;

std::optional<jsonlogic::dialect> parse_dialect(const std::string& name) {
  if (name == "javascript" || name == "js") return jsonlogic::dialect::javascript;
  if (name == "specification" || name == "spec") return jsonlogic::dialect::specification;
  return std::nullopt;
}

// The error type a JsonLogic suite expects for a compile diagnostic.
std::string suite_error_type(const divert::error& e) {
  const std::string& id = e.id();
  if (id == "unknown-operator") return "Unknown Operator";
  if (id == "invalid-arguments") return "Invalid Arguments";
  if (id == "jsonlogic-error") return e.diagnostics().front().message;
  return id;
}

// ---- divert jsonlogic eval ----------------------------------------------------------------

struct eval_options {
  std::string input = "-";
  std::string dialect = "javascript";
};

int run_eval(const eval_options& o) {
  auto d = parse_dialect(o.dialect);
  if (!d) {
    std::fprintf(stderr, "divert: unknown dialect \"%s\" (javascript or specification)\n", o.dialect.c_str());
    return exit_unusable;
  }
  std::ifstream file;
  std::istream* in = &std::cin;
  if (o.input != "-") {
    file.open(o.input, std::ios::binary);
    if (!file) {
      std::fprintf(stderr, "%s: error: cannot read file\n", o.input.c_str());
      return exit_unusable;
    }
    in = &file;
  }
  jsonlogic::options opts;
  opts.dialect = *d;
  std::string line, cached_rule_text;
  std::optional<jsonlogic::rule> cached;
  std::string out;
  std::size_t line_no = 0;
  while (std::getline(*in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    ojson answer;
    try {
      ojson req = detail::parse_json_text(line, "line " + std::to_string(line_no), opts.limits, false);
      if (!req.is_object() || !req.contains("rule"))
        throw divert::error("bad-request", "each line must be an object {\"rule\": ..., \"data\": ...}");
      std::string rule_text = req["rule"].dump();
      if (!cached || rule_text != cached_rule_text) {
        cached.reset();
        cached = jsonlogic::rule::compile(req["rule"], opts);
        cached_rule_text = rule_text;
      }
      static const ojson null_data;
      const ojson& data = req.contains("data") ? req["data"] : null_data;
      answer["result"] = cached->apply(data);
    } catch (const divert::compile_error& e) {
      // Every problem of the rule, each with the JSON pointer (in the rule) it is about.
      std::string message;
      for (const auto& diag : e.diagnostics()) {
        if (!message.empty()) message += "; ";
        message += (diag.pointer.empty() ? std::string("/") : diag.pointer) + ": " + diag.message;
      }
      answer = ojson::object();
      answer["error"] = message;
    } catch (const divert::error& e) {
      // A JsonLogic error raised while evaluating (its type: "NaN", a thrown value...), a limit,
      // or a line that is not a request.
      std::string message;
      for (const auto& diag : e.diagnostics()) {
        if (!message.empty()) message += "; ";
        if (diag.line) message += "column " + std::to_string(diag.column) + ": ";
        message += diag.message;
      }
      answer = ojson::object();
      answer["error"] = message;
    }
    out = answer.dump(-1, ' ', false, ojson::error_handler_t::replace);
    out += '\n';
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  std::fflush(stdout);
  return exit_ok;
}

// ---- divert jsonlogic test ----------------------------------------------------------------

struct test_options {
  std::vector<std::string> files;
  std::string dialect = "auto";
  bool verbose = false;
};

struct suite_case {
  ojson rule, data, expected;
  bool expects_error = false;
  std::string expected_error_type;
  std::string description;
  bool object_format = false;
};

int run_test(const test_options& o) {
  std::optional<jsonlogic::dialect> forced;
  if (o.dialect != "auto") {
    forced = parse_dialect(o.dialect);
    if (!forced) {
      std::fprintf(stderr, "divert: unknown dialect \"%s\" (auto, javascript or specification)\n", o.dialect.c_str());
      return exit_unusable;
    }
  }
  std::size_t passed = 0, failed = 0;
  for (const auto& path : o.files) {
    ojson suite;
    try {
      suite = detail::read_json_file(path, limits{});
    } catch (const divert::error& e) {
      for (const auto& d : e.diagnostics()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
      return exit_unusable;
    }
    if (!suite.is_array()) {
      std::fprintf(stderr, "%s: /: error: a JsonLogic test file is an array of cases\n", path.c_str());
      return exit_unusable;
    }
    for (std::size_t i = 0; i < suite.size(); ++i) {
      const ojson& entry = suite[i];
      if (entry.is_string()) continue;  // section header
      suite_case c;
      if (entry.is_array() && entry.size() == 3) {
        c.rule = entry[0];
        c.data = entry[1];
        c.expected = entry[2];
      } else if (entry.is_object() && entry.contains("rule")) {
        c.object_format = true;
        c.rule = entry["rule"];
        c.data = entry.contains("data") ? entry["data"] : ojson();
        c.description = entry.value("description", "");
        if (entry.contains("error")) {
          c.expects_error = true;
          const ojson& err = entry["error"];
          c.expected_error_type = err.is_object() && err.contains("type") && err["type"].is_string()
                                      ? err["type"].get<std::string>()
                                      : err.dump();
        } else {
          c.expected = entry.contains("result") ? entry["result"] : ojson();
        }
      } else {
        std::fprintf(stderr, "%s: /%zu: error: not a test case ([rule, data, expected] or {rule, data, result})\n",
                     path.c_str(), i);
        ++failed;
        continue;
      }
      // The format says which implementation a file was written for: [rule, data, expected]
      // arrays are json-logic-js's own test format; {rule, data, result|error} objects are the
      // JsonLogic organisation's suites.
      jsonlogic::options opts;
      opts.dialect =
          forced ? *forced : (c.object_format ? jsonlogic::dialect::specification : jsonlogic::dialect::javascript);
      std::string got;
      bool ok = false;
      try {
        ojson result = jsonlogic::rule::compile(c.rule, opts).apply(c.data);
        ok = !c.expects_error && result == c.expected;
        got = result.dump();
      } catch (const divert::error& e) {
        std::string type = suite_error_type(e);
        ok = c.expects_error && type == c.expected_error_type;
        got = "error \"" + type + "\"";
      }
      if (ok) {
        ++passed;
        continue;
      }
      ++failed;
      std::string expected = c.expects_error ? "error \"" + c.expected_error_type + "\"" : c.expected.dump();
      std::printf("FAIL %s: /%zu%s%s: rule %s data %s: expected %s, got %s\n", path.c_str(), i,
                  c.description.empty() ? "" : " ", c.description.c_str(), c.rule.dump().c_str(), c.data.dump().c_str(),
                  expected.c_str(), got.c_str());
    }
  }
  std::printf("%zu passed, %zu failed\n", passed, failed);
  return failed ? exit_failed : exit_ok;
}

}  // namespace

void add_jsonlogic_commands(CLI::App& app, int& exit_code) {
  auto* group = app.add_subcommand("jsonlogic", "JsonLogic in compat mode: evaluate rules, run test suites");
  group->require_subcommand(1);

  auto eo = std::make_shared<eval_options>();
  auto* eval = group->add_subcommand(
      "eval",
      "Read JSON lines {\"rule\": ..., \"data\": ...}; write {\"result\": ...} or {\"error\": \"...\"} for each");
  eval->add_option("input", eo->input, "JSON-lines file, or - for standard input")->capture_default_str();
  eval->add_option("--dialect", eo->dialect, "javascript (json-logic-js 2.0.5) or specification (the org's suites)")
      ->capture_default_str();
  eval->callback([eo, &exit_code] { exit_code = run_eval(*eo); });

  auto to = std::make_shared<test_options>();
  auto* test = group->add_subcommand(
      "test", "Run JsonLogic test suites ([rule, data, expected] arrays or {rule, data, result|error} objects)");
  test->add_option("files", to->files, "Suite files")->required()->check(CLI::ExistingFile);
  test->add_option("--dialect", to->dialect, "auto (by the file's format), javascript or specification")
      ->capture_default_str();
  test->callback([to, &exit_code] { exit_code = run_test(*to); });
}

}  // namespace divert::cli
