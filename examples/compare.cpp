// A set of cases under two policies, side by side: what an evaluator does first when asking
// "who would be treated differently?" (divert diff answers that exhaustively).
//
//   compare POLICY_A POLICY_B CASES.jsonl

#include <cstdio>
#include <fstream>
#include <string>

#include <divert/policy.hpp>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: compare POLICY_A POLICY_B CASES.jsonl\n");
    return 2;
  }
  divert::policy a = divert::policy::load(argv[1]);
  divert::policy b = divert::policy::load(argv[2]);
  // The what-if question: as if every case had happened where and when both schemes applied.
  divert::rule_selection skip_a = a.select({"jurisdiction", "effective"});
  divert::rule_selection skip_b = b.select({"jurisdiction", "effective"});

  std::printf("%-4s %-28s %-36s %-36s\n", "#", "case", a.id().c_str(), b.id().c_str());
  std::ifstream in(argv[3]);
  std::string line;
  int n = 0, different = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++n;
    auto j = nlohmann::json::parse(line);
    std::string name = j.value("name", "case " + std::to_string(n));
    // One schema (case-v1) for both: the same bound facts are decided by each policy.
    divert::facts facts = a.bind(j["case"]);
    divert::decision_record ra = a.explain(facts, &skip_a);
    divert::decision_record rb = b.explain(facts, &skip_b);
    auto cell = [](const divert::decision_record& r) {
      std::string s = divert::to_string(r.status);
      if (r.pathway)
        s += " (" + r.pathway->disposal + ")";
      else if (!r.reasons.empty() && !r.reasons.front().rule.empty())
        s += " [" + r.reasons.front().rule + "]";
      return s;
    };
    bool same =
        ra.status == rb.status && (ra.pathway ? ra.pathway->disposal : "") == (rb.pathway ? rb.pathway->disposal : "");
    different += !same;
    std::printf("%-4d %-28.28s %-36.36s %-36.36s%s\n", n, name.c_str(), cell(ra).c_str(), cell(rb).c_str(),
                same ? "" : "  <- differs");
  }
  std::printf("%d cases, decided differently: %d\n", n, different);
  return 0;
}
