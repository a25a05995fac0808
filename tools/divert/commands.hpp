#pragma once
// Each command group of the `divert` tool registers its subcommands here.

#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace divert::cli {

// Exit codes (DESIGN §8): 0 ok, 1 the answer is "no" (failures, differences, lint errors),
// 2 the command could not run.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;
inline constexpr int exit_unusable = 2;

// "a,b" "c" -> a, b, c: the values of options that take comma-separated lists (--skip-rules, ...).
inline std::vector<std::string> split_commas(const std::vector<std::string>& raw) {
  std::vector<std::string> out;
  for (const auto& r : raw) {
    std::stringstream ss(r);
    std::string item;
    while (std::getline(ss, item, ','))
      if (!item.empty()) out.push_back(item);
  }
  return out;
}

void add_jsonlogic_commands(CLI::App& app, int& exit_code);
void add_policy_commands(CLI::App& app, int& exit_code);
void add_diff_command(CLI::App& app, int& exit_code);
void add_batch_command(CLI::App& app, int& exit_code);

}  // namespace divert::cli
