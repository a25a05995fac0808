#pragma once
// The status rules of DESIGN §6, over three-valued rule outcomes:
//   not_eligible  some eligibility rule is false (then nothing else can matter);
//   undetermined  some eligibility rule is unknown (none false);
//   excluded      every eligibility rule is true and some exclusion is true;
//   undetermined  ... and some exclusion is unknown;
//   eligible      ... no exclusion is true and a pathway is chosen ("first": the first whose
//                 condition holds; an unknown one before it makes the answer undetermined;
//                 "unique": exactly one holds);
//   not_eligible  ... but no pathway applies.
// Evaluation allocates nothing: outcomes live in the decision, values in the bound facts.

#include <vector>

#include "divert/decision.hpp"
#include "divert/detail/eval/evaluator.hpp"
#include "divert/detail/eval/spec_eval.hpp"
#include "divert/detail/eval/strict_eval.hpp"
#include "divert/detail/plan/policy_compiler.hpp"

namespace divert::detail {

inline outcome outcome_of(const value& v) noexcept {
  if (v.k == kind::boolean) return v.b ? outcome::yes : outcome::no;
  return outcome::unknown;
}

struct decide_settings {
  const std::vector<bool>* skip = nullptr;  // per rule: set aside (eligibility passes, exclusion does not fire)
  bool evaluate_all = false;                // evaluate every rule (coverage, explain), not only what decides
};

inline outcome evaluate_rule(const policy_impl& p, std::uint32_t rule, const value* slots, arena& scratch) {
  null_tracer t;
  machine<null_tracer> m(p.prog, slots, scratch, t);
  scope root;
  return outcome_of(m.eval_s(p.rules[rule].root, root));
}

inline void decide(const policy_impl& p, const value* slots, const decide_settings& settings, decision& d) {
  d.reset(p.rules.size());
  // Strict programs never allocate from scratch; an empty arena costs nothing.
  arena scratch(0);
  null_tracer tracer;
  machine<null_tracer> m(p.prog, slots, scratch, tracer);
  fast_evaluator<machine<null_tracer>> fast(p.prog, p.fast, slots, m);
  scope root;
  const std::vector<bool>* skip = settings.skip;
  auto run = [&](std::uint32_t i) DIVERT_HOT_LAMBDA {
    if (skip && (*skip)[i]) {
      d.set(i, outcome::skipped);
      return p.rules[i].stage == rule_stage::eligibility ? outcome::yes : outcome::no;
    }
    static constexpr outcome of[3] = {outcome::no, outcome::yes, outcome::unknown};
    outcome o = of[fast.rule(i, root)];
    d.set(i, o);
    return o;
  };

  bool elig_false = false, elig_unknown = false;
  for (std::uint32_t i = 0; i < p.n_eligibility; ++i) {
    outcome o = run(i);
    elig_false |= o == outcome::no;
    elig_unknown |= o == outcome::unknown;
  }
  if (elig_false && !settings.evaluate_all) {
    d.status = status::not_eligible;
    return;
  }
  bool excl_true = false, excl_unknown = false;
  for (std::uint32_t i = p.first_exclusion(); i < p.first_pathway(); ++i) {
    outcome o = run(i);
    excl_true |= o == outcome::yes;
    excl_unknown |= o == outcome::unknown;
  }
  bool open = !elig_false && !excl_true;  // could still be eligible
  int chosen = -1;
  bool path_unknown = false;
  int matches = 0;
  if (open || settings.evaluate_all) {
    bool unique = p.unique_pathways;
    for (std::uint32_t k = 0; k < p.n_pathways; ++k) {
      std::uint32_t i = p.first_pathway() + k;
      outcome o = run(i);
      if (o == outcome::yes) {
        ++matches;
        if (chosen < 0) chosen = static_cast<int>(k);
        if (!unique && !settings.evaluate_all) break;
      } else if (o == outcome::unknown && chosen < 0) {
        path_unknown = true;
      } else if (o == outcome::unknown && unique) {
        path_unknown = true;
      }
    }
    if (unique && matches > 1) d.ambiguous = true;
  }
  if (elig_false) {
    d.status = status::not_eligible;
  } else if (elig_unknown) {
    d.status = status::undetermined;
  } else if (excl_true) {
    d.status = status::excluded;
  } else if (excl_unknown || path_unknown || d.ambiguous) {
    d.status = status::undetermined;
    if (chosen >= 0 && !path_unknown && !d.ambiguous) d.pathway = -1;
  } else if (chosen < 0) {
    d.status = status::not_eligible;
    d.no_pathway = true;
  } else {
    d.status = status::eligible;
    d.pathway = chosen;
  }
}

}  // namespace divert::detail
