#pragma once
// What a policy answers about a case. `decision` is the compact, allocation-free answer of
// policy::decide; `decision_record` is the explained, auditable one (policy::explain), with a
// message for every reason, the facts that are missing, and optionally a trace.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace divert {

namespace detail {
struct decision_access;
}

enum class status : std::uint8_t { eligible, not_eligible, excluded, undetermined };

inline const char* to_string(status s) {
  switch (s) {
    case status::eligible: return "eligible";
    case status::not_eligible: return "not_eligible";
    case status::excluded: return "excluded";
    case status::undetermined: return "undetermined";
  }
  return "undetermined";
}

// How one rule came out for one case.
enum class outcome : std::uint8_t { not_evaluated, no, yes, unknown, skipped };

// The compact answer: status, chosen pathway and each rule's outcome, in the policy's rule
// order (eligibility with the implicit rules first, exclusions, pathways). Holds up to 64 rule
// outcomes inline, so deciding allocates nothing for policies of that size.
class decision {
 public:
  divert::status status = divert::status::undetermined;
  int pathway = -1;         // index among the policy's pathways, or -1
  bool no_pathway = false;  // eligible so far, but no pathway applies
  bool ambiguous = false;   // pathway_policy "unique" and several pathways apply

  outcome at(std::size_t rule) const noexcept {
    return rule < inline_.size() ? inline_[rule] : overflow_[rule - inline_.size()];
  }
  void set(std::size_t rule, outcome o) {
    if (rule < inline_.size())
      inline_[rule] = o;
    else {
      if (overflow_.size() <= rule - inline_.size())
        overflow_.resize(rule - inline_.size() + 1, outcome::not_evaluated);
      overflow_[rule - inline_.size()] = o;
    }
  }
  void reset(std::size_t rules) {
    inline_.fill(outcome::not_evaluated);
    if (rules > inline_.size()) overflow_.assign(rules - inline_.size(), outcome::not_evaluated);
    status = divert::status::undetermined;
    pathway = -1;
    no_pathway = ambiguous = false;
  }

 private:
  friend struct detail::decision_access;
  std::array<outcome, 64> inline_{};
  std::vector<outcome> overflow_;
};

struct reason {
  std::string stage;           // eligibility | exclusion | pathway
  std::string rule;            // rule id ("" for "no pathway applies")
  std::optional<bool> result;  // the rule's value; empty when unknown
  std::string message;
};

struct chosen_pathway {
  std::string id, title, disposal;
  bool diverts = true;
  nlohmann::ordered_json details;  // provider, sessions, on_non_compliance, ... as the policy gives them
};

struct trace_entry {
  std::string stage, rule, pointer;
  std::string item;              // "substances.1" inside iterations
  nlohmann::ordered_json value;  // null for unknown
  bool unknown = false;
};

struct decision_record {
  std::string policy_id, policy_version, policy_sha256, policy_title;
  divert::status status = divert::status::undetermined;
  std::optional<chosen_pathway> pathway;
  std::vector<reason> reasons;
  std::vector<std::string> missing;   // sorted fact paths
  std::vector<std::string> skipped;   // rules set aside (--skip-rules)
  std::vector<std::string> warnings;  // about the case (facts the schema does not know)
  std::vector<trace_entry> trace;
  std::string error;  // the policy itself went wrong for this case (several pathways under "unique")
  std::size_t rules_total = 0, eligibility_rules = 0, exclusion_rules = 0, implicit_rules = 0;

  // The decision record of DESIGN §6: deterministic, byte for byte.
  nlohmann::ordered_json to_json() const {
    using ojson = nlohmann::ordered_json;
    ojson j = ojson::object();
    j["policy"] = ojson{{"id", policy_id}, {"version", policy_version}, {"sha256", policy_sha256}};
    j["status"] = to_string(status);
    if (pathway) {
      ojson p = ojson{{"id", pathway->id}, {"disposal", pathway->disposal}, {"diverts", pathway->diverts}};
      for (auto it = pathway->details.begin(); it != pathway->details.end(); ++it) p[it.key()] = it.value();
      j["pathway"] = p;
    } else {
      j["pathway"] = nullptr;
    }
    j["reasons"] = ojson::array();
    for (const auto& r : reasons) {
      ojson o = ojson{{"stage", r.stage}, {"rule", r.rule.empty() ? ojson() : ojson(r.rule)}};
      o["result"] = r.result ? ojson(*r.result) : ojson();
      o["message"] = r.message;
      j["reasons"].push_back(o);
    }
    j["missing"] = missing;
    if (!error.empty()) j["error"] = error;
    if (!skipped.empty()) j["skipped"] = skipped;
    if (!warnings.empty()) j["warnings"] = warnings;
    j["trace"] = ojson::array();
    for (const auto& t : trace) {
      ojson o = ojson{{"stage", t.stage}, {"rule", t.rule}, {"pointer", t.pointer}};
      if (!t.item.empty()) o["item"] = t.item;
      o["value"] = t.unknown ? ojson("unknown") : t.value;
      j["trace"].push_back(o);
    }
    return j;
  }

  // Readable text for an officer's screen.
  std::string to_text() const {
    std::string out;
    out += "decision: " + std::string(to_string(status)) + "\n";
    out += "policy:   " + policy_title + " (" + policy_id + " " + policy_version + ", sha256 " +
           policy_sha256.substr(0, 12) + ")\n";
    if (pathway) {
      out += "pathway:  " + pathway->id + " - " + pathway->title + " (" + pathway->disposal +
             (pathway->diverts ? ", diverts from prosecution" : ", does not divert") + ")\n";
      for (auto it = pathway->details.begin(); it != pathway->details.end(); ++it) {
        if (it.key() == "title") continue;
        std::string v = it.value().is_string() ? it.value().get<std::string>() : it.value().dump();
        out += "          " + it.key() + ": " + v + "\n";
      }
    }
    if (status == divert::status::eligible) {
      std::size_t own = eligibility_rules - implicit_rules;
      out += "why:      " +
             (own == 1 ? std::string("the eligibility rule holds")
                       : "all " + std::to_string(own) + " eligibility rules hold") +
             (implicit_rules ? ", within the scheme's area and dates" : "") + "; no exclusion applies (" +
             std::to_string(exclusion_rules) + " checked)\n";
    }
    if (!error.empty()) out += "error:    " + error + "\n";
    if (!reasons.empty()) {
      out += "reasons:\n";
      for (const auto& r : reasons) {
        std::string result = r.result ? (*r.result ? "true" : "false") : "unknown";
        out += "  - " + r.stage + (r.rule.empty() ? std::string() : " \"" + r.rule + "\"") + " is " + result + ": " +
               r.message + "\n";
      }
    }
    if (!missing.empty()) {
      out += "missing:  ";
      for (std::size_t i = 0; i < missing.size(); ++i) out += (i ? ", " : "") + missing[i];
      out += "\n";
    }
    if (!skipped.empty()) {
      out += "skipped:  ";
      for (std::size_t i = 0; i < skipped.size(); ++i) out += (i ? ", " : "") + skipped[i];
      out += " (treated as passing / not applying)\n";
    }
    for (const auto& w : warnings) out += "warning:  " + w + "\n";
    if (!trace.empty()) {
      out += "trace:\n";
      for (const auto& t : trace) {
        std::string v = t.unknown ? "unknown" : t.value.dump();
        out += "  " + t.stage + " " + t.rule + " " + t.pointer + (t.item.empty() ? "" : " [" + t.item + "]") + " = " +
               v + "\n";
      }
    }
    return out;
  }
};

}  // namespace divert
