// A custody system's use of divert: load the scheme once at start-up, then for each arrest
// decide the case, show the officer the outcome and its reasons, and store the decision record
// (with the policy's hash) for audit.
//
//   custody_intake POLICY CASE.json DECISIONS.jsonl

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <divert/policy.hpp>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: custody_intake POLICY CASE.json DECISIONS.jsonl\n");
    return 2;
  }
  // At start-up: one compiled policy, shared by every desk (decide and explain are const and
  // thread-safe).
  divert::policy policy = [&] {
    try {
      return divert::policy::load(argv[1]);
    } catch (const divert::error& e) {
      for (const auto& d : e.diagnostics()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
      std::exit(2);
    }
  }();
  std::printf("loaded %s %s (sha256 %.12s...)\n", policy.id().c_str(), policy.version().c_str(),
              policy.sha256().c_str());

  // At the desk: the case as the custody record has it.
  std::ifstream in(argv[2]);
  std::stringstream text;
  text << in.rdbuf();
  try {
    divert::facts facts = policy.bind(nlohmann::json::parse(text.str()), argv[2]);

    // The compact answer is allocation-free, for a screen that updates as facts are typed in...
    divert::decision quick = policy.decide(facts);
    std::printf("status while typing: %s\n", divert::to_string(quick.status));

    // ... and the explained record is what the officer sees and what is stored.
    divert::decision_record record = policy.explain(facts);
    std::printf("%s", record.to_text().c_str());

    std::ofstream audit(argv[3], std::ios::app);
    audit << record.to_json().dump() << "\n";
    std::printf("stored decision record in %s\n", argv[3]);
  } catch (const divert::case_error& e) {
    // Bad or missing data is never decided silently: say what is wrong, where.
    for (const auto& d : e.diagnostics()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    return 2;
  }
  return 0;
}
