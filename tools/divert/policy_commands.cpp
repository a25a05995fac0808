// divert eval | test | lint: deciding cases and checking policies (DESIGN §7, §8).

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "divert/detail/analysis/lint_checks.hpp"
#include "divert/detail/input/json_text.hpp"
#include "divert/policy.hpp"
#include "divert/testing.hpp"

namespace divert::cli {
namespace {

using ojson = nlohmann::ordered_json;

void print_diagnostics(const std::vector<diagnostic>& ds, bool warnings = true) {
  for (const auto& d : ds)
    if (warnings || d.level == severity::error) std::fprintf(stderr, "%s\n", d.to_string().c_str());
}

// Loads a policy for a command that cannot run without one; prints every problem.
bool load_policy(const std::string& path, policy& out) {
  std::vector<diagnostic> diags;
  out = policy::load(path, diags);
  if (!out.valid()) {
    print_diagnostics(diags, false);
    return false;
  }
  return true;
}

// ---- divert eval ----------------------------------------------------------------------------

struct eval_options {
  std::string policy_file;
  std::string case_file = "-";
  std::string format = "text";
  bool trace = false;
  std::vector<std::string> skip_rules;
};

int run_eval(const eval_options& o) {
  policy p;
  if (!load_policy(o.policy_file, p)) return exit_unusable;
  std::string text;
  std::string name = o.case_file == "-" ? std::string("<stdin>") : o.case_file;
  try {
    if (o.case_file == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
      text = detail::read_text_file(o.case_file, limits{});
    }
    ojson case_json = detail::parse_json_text(text, name, limits{});
    rule_selection skip = p.select(split_commas(o.skip_rules));
    facts f = p.bind(case_json, name);
    decision_record rec = p.explain(f, &skip, o.trace);
    if (o.format == "json") {
      std::string out = rec.to_json().dump(2);
      std::printf("%s\n", out.c_str());
    } else {
      std::printf("%s", rec.to_text().c_str());
    }
    return exit_ok;
  } catch (const divert::error& e) {
    print_diagnostics(e.diagnostics());
    return exit_unusable;
  }
}

// ---- divert test ----------------------------------------------------------------------------

struct test_options {
  std::vector<std::string> files;
  bool coverage = false;
  std::vector<std::string> skip_rules;
};

int run_test(const test_options& o) {
  testing::coverage cov;
  std::size_t passed = 0, failed = 0;
  bool unusable = false;
  std::vector<std::string> skip = split_commas(o.skip_rules);
  for (const auto& file : o.files) {
    testing::suite_outcome s = testing::run_suite(file, skip, o.coverage ? &cov : nullptr);
    if (!s.problems.empty()) {
      print_diagnostics(s.problems);
      if (s.unrun) std::printf("FAIL %s: %zu cases not run (see the errors above)\n", file.c_str(), s.unrun);
      failed += s.unrun;
      unusable = true;
      continue;
    }
    for (const auto& c : s.cases) {
      if (c.passed()) {
        ++passed;
        continue;
      }
      ++failed;
      std::printf("FAIL %s: %s \"%s\"\n", file.c_str(), c.pointer.c_str(), c.name.c_str());
      for (const auto& d : c.differences) std::printf("  %s\n", d.c_str());
    }
  }
  if (o.coverage) {
    // Rules: each rule's two outcomes; leaves: each comparison inside them (DESIGN §9).
    std::printf("coverage: %zu/%zu\n", cov.covered(), cov.total());
    for (const auto& u : cov.uncovered()) std::printf("  uncovered: %s\n", u.c_str());
    std::printf("leaf coverage: %zu/%zu\n", cov.leaves_covered(), cov.leaves_total());
    for (const auto& u : cov.uncovered_leaves()) std::printf("  uncovered leaf: %s\n", u.c_str());
  }
  std::printf("%zu passed, %zu failed\n", passed, failed);
  if (unusable) return exit_unusable;
  return failed ? exit_failed : exit_ok;
}

// Orders diagnostics by file, then by where they are in it (line and column, or the JSON
// pointer with array indexes compared as numbers), so a report reads top to bottom.
inline bool pointer_before(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
      std::size_t i2 = i, j2 = j;
      while (i2 < a.size() && std::isdigit(static_cast<unsigned char>(a[i2]))) ++i2;
      while (j2 < b.size() && std::isdigit(static_cast<unsigned char>(b[j2]))) ++j2;
      unsigned long long x = std::stoull(a.substr(i, i2 - i)), y = std::stoull(b.substr(j, j2 - j));
      if (x != y) return x < y;
      i = i2;
      j = j2;
      continue;
    }
    if (a[i] != b[j]) return a[i] < b[j];
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

void sort_by_location(std::vector<diagnostic>& ds) {
  std::stable_sort(ds.begin(), ds.end(), [](const diagnostic& a, const diagnostic& b) {
    if (a.file != b.file) return a.file < b.file;
    if (a.line != b.line) return a.line < b.line;
    if (a.column != b.column) return a.column < b.column;
    return pointer_before(a.pointer, b.pointer);
  });
}

// ---- divert lint ----------------------------------------------------------------------------

struct lint_options {
  std::vector<std::string> files;
};

int run_lint(const lint_options& o) {
  bool errors = false;
  for (const auto& file : o.files) {
    std::vector<diagnostic> diags;
    policy p = policy::load(file, diags);
    if (p.valid()) {
      // The checks over the whole case space (DESIGN §9): never/always true, shadowed, overlapping.
      auto more = detail::analysis::static_checks(p.impl());
      diags.insert(diags.end(), more.begin(), more.end());
    }
    sort_by_location(diags);
    for (const auto& d : diags) {
      std::printf("%s\n", d.to_string().c_str());
      errors |= d.level == severity::error;
    }
  }
  return errors ? exit_failed : exit_ok;
}

}  // namespace

void add_policy_commands(CLI::App& app, int& exit_code) {
  auto eo = std::make_shared<eval_options>();
  auto* eval = app.add_subcommand("eval", "Decide one case under a policy, with reasons");
  eval->add_option("policy", eo->policy_file, "Policy file")->required();
  eval->add_option("case", eo->case_file, "Case JSON file, or - for standard input")->capture_default_str();
  eval->add_option("--format", eo->format, "text or json (the decision record)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  eval->add_flag("--trace", eo->trace, "Include every evaluated node's value");
  eval->add_option("--skip-rules", eo->skip_rules,
                   "Rule ids to set aside (eligibility rules pass, exclusions do not fire), comma-separated")
      ->allow_extra_args(false);  // one value per --skip-rules, so files after it stay files
  eval->callback([eo, &exit_code] { exit_code = run_eval(*eo); });

  auto to = std::make_shared<test_options>();
  auto* test = app.add_subcommand("test", "Run policy tests (DESIGN §7); last line: N passed, N failed");
  test->add_option("files", to->files, "Test files (*.tests.json)")->required();
  test->add_flag("--coverage", to->coverage, "Report which rules the tests made both true and false");
  test->add_option("--skip-rules", to->skip_rules, "Rule ids to set aside, comma-separated")->allow_extra_args(false);
  test->callback([to, &exit_code] { exit_code = run_test(*to); });

  auto lo = std::make_shared<lint_options>();
  auto* lint = app.add_subcommand("lint", "Load, compile and check policies: FILE: /pointer: error|warning: message");
  lint->add_option("files", lo->files, "Policy files")->required();
  lint->callback([lo, &exit_code] { exit_code = run_lint(*lo); });
}

}  // namespace divert::cli
