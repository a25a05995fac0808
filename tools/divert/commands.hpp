#pragma once
// Each command group of the `divert` tool registers its subcommands here.

#include <CLI/CLI.hpp>

namespace divert::cli {

// Exit codes (DESIGN §8): 0 ok, 1 the answer is "no" (failures, differences, lint errors),
// 2 the command could not run.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;
inline constexpr int exit_unusable = 2;

void add_jsonlogic_commands(CLI::App& app, int& exit_code);
void add_policy_commands(CLI::App& app, int& exit_code);
void add_diff_command(CLI::App& app, int& exit_code);
void add_batch_command(CLI::App& app, int& exit_code);

}  // namespace divert::cli
