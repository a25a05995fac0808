// divert: the command-line tool. Each command lives in its own file; see commands.hpp.

#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "divert/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"divert: police drug-diversion schemes as data (compiled JsonLogic policies with explained decisions)",
               "divert"};
  app.set_version_flag("--version", std::string("divert ") + divert::version.string);
  app.require_subcommand(1);
  int exit_code = divert::cli::exit_ok;
  divert::cli::add_policy_commands(app, exit_code);
  divert::cli::add_diff_command(app, exit_code);
  divert::cli::add_batch_command(app, exit_code);
  divert::cli::add_jsonlogic_commands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    // --help and --version are successes; usage errors are "could not run".
    return code == 0 ? 0 : divert::cli::exit_unusable;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "divert: %s\n", e.what());
    return divert::cli::exit_unusable;
  }
  return exit_code;
}
