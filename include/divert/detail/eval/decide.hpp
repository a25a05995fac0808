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

// A rule's truth as the fast evaluator gives it (0 false, 1 true, 2 unknown) is its outcome
// less one.
static_assert(static_cast<int>(outcome::no) == 1 && static_cast<int>(outcome::yes) == 2 &&
              static_cast<int>(outcome::unknown) == 3);
inline outcome outcome_of_truth(std::uint8_t t) noexcept { return static_cast<outcome>(t + 1); }

// The engine writes a decision's outcomes in place (a friend of divert::decision).
struct decision_access {
  // The first 64 rules' outcomes (decision::reset first).
  static outcome* outcomes(decision& d) noexcept { return d.inline_.data(); }
};

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

// What the rules came to, stage by stage.
struct rule_tally {
  bool elig_false = false, elig_unknown = false;
  bool excl_true = false, excl_unknown = false;
  bool path_unknown = false;
  int chosen = -1;  // the pathway chosen, or -1
  int matches = 0;  // pathways that hold
};

// The status rules above, from the tally.
inline void settle(const rule_tally& t, bool unique, decision& d) {
  if (unique && t.matches > 1) d.ambiguous = true;
  if (t.elig_false) {
    d.status = status::not_eligible;
  } else if (t.elig_unknown) {
    d.status = status::undetermined;
  } else if (t.excl_true) {
    d.status = status::excluded;
  } else if (t.excl_unknown || t.path_unknown || d.ambiguous) {
    d.status = status::undetermined;
  } else if (t.chosen < 0) {
    d.status = status::not_eligible;
    d.no_pathway = true;
  } else {
    d.status = status::eligible;
    d.pathway = t.chosen;
  }
}

// Which outcomes a stage has had, as bits (1 some no, 2 some yes, 4 some unknown): a rule's bit
// (for no, yes and unknown, the outcomes a rule comes to).
inline unsigned outcome_bit(outcome o) noexcept { return 1u << (static_cast<unsigned>(o) - 1); }
// The same bit from the fast evaluator's truth (outcome_of_truth's outcome).
inline unsigned truth_bit(std::uint8_t t) noexcept { return 1u << t; }

// The eligibility rules' outcomes (their bits) into the tally; false when one is false, which settles it.
inline bool tally_eligibility(rule_tally& t, unsigned seen) noexcept {
  t.elig_false = seen & outcome_bit(outcome::no);
  t.elig_unknown = seen & outcome_bit(outcome::unknown);
  return !t.elig_false;
}

// The exclusions' outcomes into the tally; false when one holds, which settles it.
inline bool tally_exclusions(rule_tally& t, unsigned seen) noexcept {
  t.excl_true = seen & outcome_bit(outcome::yes);
  t.excl_unknown = seen & outcome_bit(outcome::unknown);
  return !t.excl_true;
}

// One pathway's truth into the tally; false when the search stops here ("first": the first that holds).
inline bool tally_pathway(rule_tally& t, std::uint32_t k, outcome o, bool unique, bool evaluate_all) noexcept {
  if (o == outcome::yes) {
    ++t.matches;
    if (t.chosen < 0) t.chosen = static_cast<int>(k);
    if (!unique && !evaluate_all) return false;
  } else if (o == outcome::unknown && (t.chosen < 0 || unique)) {
    t.path_unknown = true;
  }
  return true;
}

// The common case: no rule set aside, only what decides is evaluated, at most 64 rules (their
// outcomes live inline in the decision). Each stage keeps only its outcome bits, and a false
// eligibility rule settles the decision at once: less state live across the rules' loops. Out of
// line, in a frame of its own, so that the general path's state does not crowd its registers.
DIVERT_OUT_OF_LINE inline void decide_lean(const policy_impl& p, const value* slots, decision& d) {
  const std::uint32_t n_elig = p.n_eligibility, first_path = p.first_pathway(), n_rules = first_path + p.n_pathways;
  d.reset(n_rules);
  outcome* out = decision_access::outcomes(d);
  fast_evaluator fast(p.prog, p.fast, slots);
  unsigned elig = 0, excl = 0;  // each stage's outcome bits
  std::uint32_t i = 0;
  // The two stages' loops are written out, not one lambda called twice: with the lambda, a
  // Lewisham decision took 561-571 instructions instead of 554 (callgrind).
  for (; i < n_elig; ++i) {
    const std::uint8_t truth = fast.rule(i);
    out[i] = outcome_of_truth(truth);
    elig |= truth_bit(truth);
  }
  if (elig & outcome_bit(outcome::no)) {
    d.status = status::not_eligible;
    return;
  }
  for (; i < first_path; ++i) {
    const std::uint8_t truth = fast.rule(i);
    out[i] = outcome_of_truth(truth);
    excl |= truth_bit(truth);
  }
  rule_tally t;
  t.elig_unknown = elig & outcome_bit(outcome::unknown);
  if (tally_exclusions(t, excl)) {
    if (p.first_pathway_always) {  // chosen when the policy compiled
      out[i] = outcome::yes;
      t.chosen = 0;
      t.matches = 1;
    } else {
      const bool unique = p.unique_pathways;
      for (; i < n_rules; ++i) {
        const outcome o = outcome_of_truth(fast.rule(i));
        out[i] = o;
        if (!tally_pathway(t, i - first_path, o, unique, false)) break;
      }
    }
  }
  settle(t, p.unique_pathways, d);
}

inline void decide(const policy_impl& p, const value* slots, const decide_settings& settings, decision& d) {
  const std::uint32_t n_rules = p.first_pathway() + p.n_pathways;
  if (!settings.skip && !settings.evaluate_all && n_rules <= 64) {
    decide_lean(p, slots, d);
    return;
  }
  d.reset(n_rules);
  fast_evaluator fast(p.prog, p.fast, slots);

  const std::vector<bool>* skip = settings.skip;
  auto run = [&](std::uint32_t i) {
    if (skip && (*skip)[i]) {
      d.set(i, outcome::skipped);
      return p.rules[i].stage == rule_stage::eligibility ? outcome::yes : outcome::no;
    }
    outcome o = outcome_of_truth(fast.rule(i));
    d.set(i, o);
    return o;
  };
  rule_tally t;
  unsigned seen = 0;
  for (std::uint32_t i = 0; i < p.n_eligibility; ++i) seen |= outcome_bit(run(i));
  if (!tally_eligibility(t, seen) && !settings.evaluate_all) {
    d.status = status::not_eligible;
    return;
  }
  seen = 0;
  for (std::uint32_t i = p.first_exclusion(); i < p.first_pathway(); ++i) seen |= outcome_bit(run(i));
  tally_exclusions(t, seen);
  if ((!t.elig_false && !t.excl_true) || settings.evaluate_all)
    for (std::uint32_t k = 0; k < p.n_pathways; ++k)
      if (!tally_pathway(t, k, run(p.first_pathway() + k), p.unique_pathways, settings.evaluate_all)) break;
  settle(t, p.unique_pathways, d);
}

}  // namespace divert::detail
