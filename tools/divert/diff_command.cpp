// divert diff A B: exhaustive semantic diff of two policies, with witnesses, caseload replay and
// an HTML report (DESIGN §8, §9).

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "divert/detail/analysis/html_report.hpp"
#include "divert/detail/input/csv.hpp"
#include "divert/detail/input/csv_mapping.hpp"
#include "divert/detail/input/json_text.hpp"
#include "divert/diff.hpp"
#include "divert/policy.hpp"

namespace divert::cli {
namespace {

using ojson = nlohmann::ordered_json;

struct diff_options_cli {
  std::string a, b;
  std::string format = "text";
  std::string on = "disposal";
  bool with_jurisdiction = false;
  std::vector<std::string> skip_rules;
  std::string cases;
  std::string input = "jsonl";
  std::string map_file;
  std::vector<std::string> sets;
  std::string html;
};

void print_problems(const std::vector<diagnostic>& ds) {
  for (const auto& d : ds) {
    if (d.level != severity::error) continue;
    if (d.file.empty() && d.line == 0)
      std::fprintf(stderr, "divert diff: error: %s\n", d.message.c_str());
    else
      std::fprintf(stderr, "%s\n", d.to_string().c_str());
  }
}

// Reads a JSONL caseload: one case per line; blank lines are skipped.
bool replay_jsonl(const diff_result& r, const std::string& file, diff_tally& t) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "%s: error: cannot read the cases\n", file.c_str());
    return false;
  }
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::string where = file + ":" + std::to_string(n);
    try {
      ojson c = detail::parse_json_text(line, where, limits{});
      r.replay(c, t, where);
    } catch (const divert::error& e) {
      ++t.invalid;
      if (t.problems.size() < 20) t.problems.push_back(where + ": " + e.diagnostics().front().message);
    }
  }
  return true;
}

// Reads a CSV caseload through a mapping (the reader and mapping of divert batch --input csv).
bool replay_csv(const diff_result& r, const diff_options_cli& o, diff_tally& t, std::size_t& skipped) {
  const auto& schema = *r.a.impl().schema;
  detail::csv_mapping mapping;
  std::vector<diagnostic> diags;
  if (o.map_file.empty()) {
    std::fprintf(stderr, "divert: --input csv needs a mapping (--map MAP.json; see docs/batch.md)\n");
    return false;
  }
  if (!mapping.load(o.map_file, schema, diags)) {
    print_problems(diags);
    return false;
  }
  for (const auto& s : o.sets) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "divert: --set takes FACT=VALUE (e.g. offence.force=metropolitan), not \"%s\"\n", s.c_str());
      return false;
    }
    std::string value_text = s.substr(eq + 1);
    ojson value = ojson::parse(value_text, nullptr, false);
    if (value.is_discarded()) value = value_text;
    std::vector<diagnostic> set_diags;
    if (!mapping.set_constant(schema, s.substr(0, eq), value, set_diags)) {
      for (auto& d : set_diags) d.file = "--set";
      print_problems(set_diags);
      return false;
    }
  }
  std::ifstream in(o.cases, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "%s: error: cannot read the cases\n", o.cases.c_str());
    return false;
  }
  detail::csv_reader reader([&](char* buf, std::size_t n) {
    in.read(buf, static_cast<std::streamsize>(n));
    return static_cast<std::size_t>(in.gcount());
  });
  std::vector<std::string> fields;
  auto res = reader.next(fields);
  if (res == detail::csv_reader::result::end) return true;
  diags.clear();
  if (res == detail::csv_reader::result::error || !mapping.bind_header(fields, diags, o.cases)) {
    if (res == detail::csv_reader::result::error)
      std::fprintf(stderr, "%s:1: error: the header: %s\n", o.cases.c_str(), reader.message().c_str());
    print_problems(diags);
    return false;
  }
  for (;;) {
    res = reader.next(fields);
    if (res == detail::csv_reader::result::end) break;
    std::string where = o.cases + ":" + std::to_string(reader.line());
    if (res == detail::csv_reader::result::error) {
      ++t.invalid;
      if (t.problems.size() < 20) t.problems.push_back(where + ": " + reader.message());
      continue;
    }
    auto row = mapping.map(fields);
    switch (row.what) {
      case detail::csv_mapping::row::kind::skip: ++skipped; break;
      case detail::csv_mapping::row::kind::error:
        ++t.invalid;
        if (t.problems.size() < 20) t.problems.push_back(where + ": " + row.message);
        break;
      case detail::csv_mapping::row::kind::record: r.replay(row.case_json, t, where); break;
    }
  }
  return true;
}

std::string tally_text(const diff_result& r, const diff_tally& t) {
  std::string out;
  out += "cases: " + std::to_string(t.cases) + " decided";
  if (t.invalid) out += ", " + std::to_string(t.invalid) + " invalid";
  out += "; " + std::to_string(t.differing) + " decided differently\n";
  for (std::size_t i = 0; i < r.differing.size(); ++i)
    out += "  " + std::to_string(t.per_region[i]) + "\t" + r.differing[i].text() + "\n";
  out += "  " + std::to_string(t.in_agreeing) + "\tin regions where the policies agree\n";
  if (t.unplaced)
    out +=
        "  " + std::to_string(t.unplaced) + "\tnot placed: a fact the regions are defined on is unknown or a range\n";
  if (t.mismatched)
    out += "  " + std::to_string(t.mismatched) + "\tdecided otherwise than their region says (a bug: please report)\n";
  static const char* statuses[] = {"eligible", "not_eligible", "excluded", "undetermined"};
  out += "A's status (rows) against B's (columns):\n";
  out += "  A \\ B";
  for (const char* s : statuses) out += std::string("\t") + s;
  out += "\n";
  for (const char* ra : statuses) {
    out += std::string("  ") + ra;
    for (const char* cb : statuses) {
      std::size_t n = 0;
      auto it = t.table.find(ra);
      if (it != t.table.end()) {
        auto jt = it->second.find(cb);
        if (jt != it->second.end()) n = jt->second;
      }
      out += "\t" + std::to_string(n);
    }
    out += "\n";
  }
  for (const auto& p : t.problems) out += "invalid case: " + p + "\n";
  return out;
}

ojson tally_json(const diff_result& r, const diff_tally& t) {
  ojson j = ojson::object();
  j["decided"] = t.cases;
  j["invalid"] = t.invalid;
  j["decided_differently"] = t.differing;
  ojson per = ojson::array();
  for (std::size_t i = 0; i < r.differing.size(); ++i) per.push_back(t.per_region[i]);
  j["per_region"] = per;
  j["in_agreeing_regions"] = t.in_agreeing;
  j["not_placed"] = t.unplaced;
  j["mismatched"] = t.mismatched;
  ojson table = ojson::object();
  for (const auto& [ra, row] : t.table)
    for (const auto& [cb, n] : row) table[ra][cb] = n;
  j["status_table"] = table;
  j["problems"] = t.problems;
  return j;
}

int run_diff(const diff_options_cli& o) {
  std::vector<diagnostic> da, db;
  policy a = policy::load(o.a, da);
  policy b = policy::load(o.b, db);
  if (!a.valid() || !b.valid()) {
    print_problems(da);
    print_problems(db);
    return exit_unusable;
  }
  diff_options opts;
  opts.with_jurisdiction = o.with_jurisdiction;
  opts.skip_rules = split_commas(o.skip_rules);
  opts.status_only = o.on == "status";
  diff_result r;
  try {
    r = diff(a, b, opts);
  } catch (const divert::error& e) {
    print_problems(e.diagnostics());
    return exit_unusable;
  }
  diff_tally tally;
  bool replayed = false;
  std::size_t skipped = 0;
  if (!o.cases.empty()) {
    tally.per_region.assign(r.differing.size(), 0);
    bool ok = o.input == "csv" ? replay_csv(r, o, tally, skipped) : replay_jsonl(r, o.cases, tally);
    if (!ok) return exit_unusable;
    replayed = true;
  }
  if (o.format == "json") {
    ojson j = r.to_json();
    if (replayed) {
      j["cases"] = tally_json(r, tally);
      if (o.input == "csv") j["cases"]["skipped_by_mapping"] = skipped;
    }
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("%s", r.to_text().c_str());
    if (replayed) {
      std::printf("%s", tally_text(r, tally).c_str());
      if (skipped) std::printf("rows the mapping skips: %zu\n", skipped);
    }
  }
  if (!o.html.empty()) {
    std::ofstream out(o.html, std::ios::binary);
    if (!out) {
      std::fprintf(stderr, "%s: error: cannot write the report\n", o.html.c_str());
      return exit_unusable;
    }
    out << detail::analysis::html_report(r, replayed ? &tally : nullptr);
    if (!out) {
      std::fprintf(stderr, "%s: error: cannot write the report\n", o.html.c_str());
      return exit_unusable;
    }
  }
  return r.differs() ? exit_failed : exit_ok;
}

}  // namespace

void add_diff_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<diff_options_cli>();
  auto* cmd = app.add_subcommand("diff",
                                 "Compare two policies over every case: the regions where they decide differently, "
                                 "each with a witness case (exit 0 same, 1 different, 2 error)");
  cmd->add_option("a", o->a, "Policy A")->required();
  cmd->add_option("b", o->b, "Policy B")->required();
  cmd->add_option("--format", o->format, "text (one region per line) or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_option("--on", o->on, "What to compare: disposal (status and pathway disposal) or status")
      ->check(CLI::IsMember({"disposal", "status"}))
      ->capture_default_str();
  cmd->add_flag("--with-jurisdiction", o->with_jurisdiction,
                "Keep the implicit jurisdiction and effective rules (set aside by default)");
  cmd->add_option("--skip-rules", o->skip_rules, "More rule ids to set aside, comma-separated");
  cmd->add_option("--cases", o->cases,
                  "Replay a caseload (JSONL, or CSV with --input csv --map) and count the cases in each region");
  cmd->add_option("--input", o->input, "Caseload format: jsonl, or csv (with --map)")
      ->check(CLI::IsMember({"jsonl", "csv"}))
      ->capture_default_str();
  cmd->add_option("--map", o->map_file, "Mapping file for a CSV caseload (as divert batch --map)");
  cmd->add_option("--set", o->sets, "A constant fact for every CSV row, FACT=VALUE (as divert batch --set)");
  cmd->add_option("--html", o->html, "Write a self-contained HTML report to this file");
  cmd->callback([o, &exit_code] { exit_code = run_diff(*o); });
}

}  // namespace divert::cli
