#pragma once
// The static checks of `divert lint` (DESIGN §9) that need the whole case space, on the same
// guided case splitting as diff: conditions that can never be true or are always true, pathways
// shadowed by earlier ones (pathway_policy "first"), and pathways that overlap on eligible cases
// (pathway_policy "unique"). Each finding is a warning with the rule's file and JSON pointer.
// Rules whose condition is written as a constant (a catch-all pathway's "when": true) are left
// alone: they say what they mean.

#include <algorithm>
#include <string>
#include <vector>

#include "divert/detail/analysis/explore.hpp"
#include "divert/detail/analysis/regions.hpp"
#include "divert/detail/analysis/space.hpp"
#include "divert/detail/eval/decide.hpp"
#include "divert/detail/output/explain.hpp"
#include "divert/error.hpp"

namespace divert::detail::analysis {

// A conjunction of rule conditions, some negated, as one three-valued oracle; records whether
// it was ever true / false, and the first box where it was true.
class condition_oracle {
 public:
  struct term {
    std::uint32_t rule;
    bool negated;
  };

  condition_oracle(const policy_impl& p, std::vector<term> terms, bool stop_when_true, bool stop_when_mixed)
      : p_(p), terms_(std::move(terms)), stop_true_(stop_when_true), stop_mixed_(stop_when_mixed) {}

  bool probe(const value* slots, probe_result& r) {
    bool unknown = false, is_false = false;
    std::vector<std::uint32_t> open;
    for (const term& t : terms_) {
      outcome o = evaluate_rule(p_, t.rule, slots, scratch_);
      if (o == outcome::unknown) {
        unknown = true;
        open.push_back(t.rule);
        continue;
      }
      if ((o == outcome::yes) == t.negated) is_false = true;
    }
    if (is_false) {
      value_ = false;
      return true;
    }
    if (!unknown) {
      value_ = true;
      return true;
    }
    explainer ex(p_, slots);
    for (std::uint32_t rule : open) ex.collect_missing(ex.trace_rule(rule), r.missing);
    std::sort(r.missing.begin(), r.missing.end());
    r.missing.erase(std::unique(r.missing.begin(), r.missing.end()), r.missing.end());
    r.missing_both = r.missing;
    return false;
  }

  bool leaf(const box& b, bool exact) {
    if (!exact) {
      inexact = true;
      return true;
    }
    if (value_) {
      if (!seen_true) first_true = b;
      seen_true = true;
    } else {
      seen_false = true;
    }
    if (stop_true_ && seen_true) return false;
    if (stop_mixed_ && seen_true && seen_false) return false;
    return true;
  }

  bool seen_true = false, seen_false = false, inexact = false;
  box first_true;

 private:
  const policy_impl& p_;
  std::vector<term> terms_;
  bool stop_true_, stop_mixed_;
  bool value_ = false;
  arena scratch_{0};
};

inline diagnostic lint_warning(const compiled_rule& r, const std::string& id, std::string message) {
  return diagnostic{severity::warning, id, r.file, r.pointer, 0, 0, std::move(message)};
}

inline std::string rule_kind(const compiled_rule& r) {
  return r.implicit                           ? "implicit rule"
         : r.stage == rule_stage::eligibility ? "eligibility rule"
         : r.stage == rule_stage::exclusion   ? "exclusion"
                                              : "pathway";
}

inline std::string example_text(const space& s, const box& b) {
  auto phrases = describe_box(s, b);
  if (phrases.empty()) return "any case";
  std::string out;
  for (std::size_t i = 0; i < phrases.size(); ++i) out += (i ? " · " : "") + phrases[i];
  return out;
}

// Explores the conjunction; the space is built from the rules it reads.
inline void explore_terms(const policy_impl& p, condition_oracle& o, const std::vector<condition_oracle::term>& terms,
                          std::size_t max_leaves, space* keep = nullptr) {
  std::vector<std::uint32_t> rules;
  for (const auto& t : terms) rules.push_back(t.rule);
  space s = space::of_rules(p, rules);
  explorer<condition_oracle> ex(s, o, max_leaves);
  explore_stats st = ex.run();
  if (st.truncated) o.inexact = true;
  if (keep) *keep = std::move(s);
}

// Every finding, in rule order.
inline std::vector<diagnostic> static_checks(const policy_impl& p, std::size_t max_leaves = 200000) {
  std::vector<diagnostic> out;
  std::vector<bool> never(p.rules.size(), false);
  // Never true, always true.
  for (std::uint32_t i = 0; i < p.rules.size(); ++i) {
    const compiled_rule& r = p.rules[i];
    if (r.constant) continue;
    condition_oracle o(p, {{i, false}}, false, true);
    try {
      explore_terms(p, o, {{i, false}}, max_leaves);
    } catch (const divert::error&) {
      continue;  // a space too large to explore: no finding
    }
    if (o.inexact) continue;
    std::string what = rule_kind(r) + " \"" + r.id + "\"";
    if (!o.seen_true) {
      never[i] = true;
      std::string consequence = r.stage == rule_stage::eligibility ? ": no case can be eligible"
                                : r.stage == rule_stage::exclusion ? ": it never excludes anyone"
                                                                   : ": it is never chosen";
      out.push_back(lint_warning(r, "never-true", what + " can never be true, whatever the facts" + consequence));
    } else if (!o.seen_false) {
      std::string consequence = r.stage == rule_stage::eligibility ? ": it excludes nobody"
                                : r.stage == rule_stage::exclusion ? ": every case is excluded"
                                                                   : ": pathways after it are never chosen";
      out.push_back(lint_warning(r, "always-true", what + " is true for every case" + consequence));
    }
  }
  // Pathways shadowed by earlier ones ("first") or overlapping on eligible cases ("unique").
  std::uint32_t first = p.first_pathway();
  if (p.pathway_policy != "unique") {
    for (std::uint32_t j = first + 1; j < p.rules.size(); ++j) {
      if (never[j]) continue;
      std::vector<condition_oracle::term> terms = {{j, false}};
      for (std::uint32_t k = first; k < j; ++k) terms.push_back({k, true});
      condition_oracle o(p, terms, true, false);
      try {
        explore_terms(p, o, terms, max_leaves);
      } catch (const divert::error&) {
        continue;
      }
      if (o.inexact || o.seen_true) continue;
      std::string earlier;
      for (std::uint32_t k = first; k < j; ++k) earlier += (earlier.empty() ? "\"" : ", \"") + p.rules[k].id + "\"";
      out.push_back(lint_warning(p.rules[j], "shadowed-pathway",
                                 "pathway \"" + p.rules[j].id +
                                     "\" is never chosen: whenever it applies, an earlier pathway (" + earlier +
                                     ") applies first"));
    }
  } else {
    for (std::uint32_t i = first; i < p.rules.size(); ++i)
      for (std::uint32_t j = i + 1; j < p.rules.size(); ++j) {
        if (never[i] || never[j]) continue;
        std::vector<condition_oracle::term> terms = {{i, false}, {j, false}};
        for (std::uint32_t k = 0; k < p.n_eligibility; ++k) terms.push_back({k, false});
        for (std::uint32_t k = p.first_exclusion(); k < first; ++k) terms.push_back({k, true});
        condition_oracle o(p, terms, true, false);
        space s;
        try {
          explore_terms(p, o, terms, max_leaves, &s);
        } catch (const divert::error&) {
          continue;
        }
        if (!o.seen_true) continue;
        out.push_back(
            lint_warning(p.rules[j], "overlapping-pathways",
                         "pathways \"" + p.rules[i].id + "\" and \"" + p.rules[j].id +
                             "\" both apply to some eligible cases, but pathway_policy is \"unique\"; for example " +
                             example_text(s, o.first_true)));
      }
  }
  return out;
}

}  // namespace divert::detail::analysis
