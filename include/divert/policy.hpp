#pragma once
// divert::policy — a diversion scheme compiled once and asked about many cases.
//
//   auto policy = divert::policy::load("policies/lewisham.json");   // once, at start-up
//   divert::facts f = policy.bind(case_json);                         // per case
//   divert::decision d = policy.decide(f);                            // no allocation
//   divert::decision_record r = policy.explain(f);                    // reasons, missing facts
//   store(r.to_json()); show(r.to_text());
//
// A policy is immutable: decide and explain are const and safe from many threads at once.

#include <memory>
#include <string>
#include <vector>

#include "divert/decision.hpp"
#include "divert/detail/eval/decide.hpp"
#include "divert/detail/output/explain.hpp"
#include "divert/detail/plan/policy_compiler.hpp"
#include "divert/error.hpp"
#include "divert/facts.hpp"
#include "divert/limits.hpp"

namespace divert {

// Rules set aside for a what-if question (--skip-rules): eligibility rules pass, exclusions do
// not fire. Made once with policy::select.
class rule_selection {
 public:
  const std::vector<bool>& mask() const noexcept { return mask_; }
  bool empty() const noexcept { return ids_.empty(); }
  const std::vector<std::string>& ids() const noexcept { return ids_; }

 private:
  friend class policy;
  std::vector<bool> mask_;
  std::vector<std::string> ids_;
};

struct rule_info {
  std::string id, title, stage, file, pointer, source, confidence, justification;
  bool implicit = false;
  std::optional<bool> constant;  // the condition is a constant
};

class policy {
 public:
  // Loads, merges `extends`, compiles against the case schema. Throws load_error, syntax_error,
  // limit_error or compile_error; compile errors list every problem found.
  static policy load(const std::string& path, const divert::limits& lim = {}) {
    std::vector<diagnostic> diags;
    policy p = load(path, diags, lim);
    if (!p.impl_ || has_errors(diags)) throw compile_error(std::move(diags));
    p.warnings_ = std::move(diags);
    return p;
  }

  // Does not throw: every problem, errors and warnings, goes to `diags`; the policy is empty
  // (valid() false) when there were errors. This is what lint uses.
  static policy load(const std::string& path, std::vector<diagnostic>& diags, const divert::limits& lim = {}) {
    policy p;
    std::size_t before = diags.size();
    detail::policy_compiler compiler(lim, diags);
    std::shared_ptr<detail::policy_impl> impl;
    try {
      impl = compiler.compile(path);
    } catch (const divert::error& e) {
      diags.insert(diags.end(), e.diagnostics().begin(), e.diagnostics().end());
    }
    bool errors = false;
    for (std::size_t i = before; i < diags.size(); ++i) errors |= diags[i].level == severity::error;
    if (impl && !errors) p.impl_ = std::move(impl);
    p.limits_ = lim;
    return p;
  }

  bool valid() const noexcept { return impl_ != nullptr; }
  const std::string& id() const noexcept { return impl_->id; }
  const std::string& title() const noexcept { return impl_->title; }
  const std::string& version() const noexcept { return impl_->version; }
  const std::string& status() const noexcept { return impl_->status; }
  const std::string& file() const noexcept { return impl_->file; }
  // SHA-256 of the canonical policy after `extends` (sorted keys, no whitespace).
  const std::string& sha256() const noexcept { return impl_->sha256; }
  const nlohmann::ordered_json& document() const noexcept { return impl_->document; }
  // Warnings found while loading (unused parameters, rules without a source, ...).
  const std::vector<diagnostic>& warnings() const noexcept { return warnings_; }
  case_schema schema() const { return case_schema(impl_->schema); }
  std::size_t rule_count() const noexcept { return impl_->rules.size(); }
  rule_info rule(std::size_t i) const {
    const auto& r = impl_->rules[i];
    return rule_info{
        r.id,       r.title,   detail::stage_name(r.stage), r.file, r.pointer, r.source, r.confidence, r.justification,
        r.implicit, r.constant};
  }
  std::size_t pathway_count() const noexcept { return impl_->n_pathways; }
  // The k-th pathway as a decision record names it (k < pathway_count()).
  chosen_pathway pathway(std::size_t k) const {
    return detail::explainer::pathway_of(*impl_, static_cast<std::uint32_t>(k));
  }

  // Validates and binds a case against this policy's schema. Throws case_error.
  template <class Json>
  facts bind(const Json& case_json, const std::string& file = {}) const {
    return schema().bind(case_json, file, limits_);
  }

  // The rules named set aside; throws compile_error on an id the policy does not have (except
  // the implicit "jurisdiction" and "effective", which a policy without them already lacks).
  rule_selection select(const std::vector<std::string>& skip_ids) const {
    rule_selection s;
    s.mask_.assign(impl_->rules.size(), false);
    std::vector<diagnostic> diags;
    for (const auto& id : skip_ids) {
      bool found = false;
      for (std::size_t i = 0; i < impl_->rules.size(); ++i) {
        if (impl_->rules[i].id != id) continue;
        found = true;
        if (impl_->rules[i].stage == detail::rule_stage::pathway) {
          diags.push_back({severity::error, "skip-rules", impl_->file, impl_->rules[i].pointer, 0, 0,
                           "\"" + id + "\" is a pathway; only eligibility rules and exclusions can be skipped"});
          continue;
        }
        s.mask_[i] = true;
        s.ids_.push_back(id);
      }
      // The implicit rules exist only when the policy gives jurisdiction/effective; setting
      // aside one it does not have is already done.
      if (!found && (id == "jurisdiction" || id == "effective")) continue;
      if (!found) {
        std::vector<std::string> ids;
        for (const auto& r : impl_->rules) ids.push_back(r.id);
        diags.push_back({severity::error, "skip-rules", impl_->file, "", 0, 0,
                         "no rule \"" + id + "\" to skip" + detail::did_you_mean(id, ids)});
      }
    }
    if (!diags.empty()) throw compile_error(std::move(diags));
    return s;
  }

  // The decision, without messages: allocation-free for policies of up to 64 rules.
  decision decide(const facts& f, const rule_selection* skip = nullptr) const {
    decision d;
    decide(f, d, skip);
    return d;
  }
  void decide(const facts& f, decision& d, const rule_selection* skip = nullptr, bool evaluate_all = false) const {
    check_schema(f);
    detail::decide_settings s;
    s.skip = skip && !skip->empty() ? &skip->mask() : nullptr;
    s.evaluate_all = evaluate_all;
    detail::decide(*impl_, f.slots(), s, d);
  }

  // The full, explained decision record (DESIGN §6).
  decision_record explain(const facts& f, const rule_selection* skip = nullptr, bool trace = false) const {
    decision_record rec;
    explain(f, rec, skip, trace);
    return rec;
  }

  // The same record, written over `rec`: explaining case after case into one record keeps its
  // memory (its strings, its reasons), so that a loop over a caseload allocates little.
  void explain(const facts& f, decision_record& rec, const rule_selection* skip = nullptr, bool trace = false) const {
    decision d;
    decide(f, d, skip, /*evaluate_all=*/trace);
    detail::explainer ex(*impl_, f.slots());
    ex.explain(d, trace, rec);
    for (const auto& w : f.warnings()) rec.warnings.push_back((w.pointer.empty() ? "/" : w.pointer) + ": " + w.message);
  }

  const detail::policy_impl& impl() const noexcept { return *impl_; }

 private:
  void check_schema(const facts& f) const {
    if (!f.schema() || (f.schema() != impl_->schema.get() && f.schema()->fingerprint != impl_->schema->fingerprint))
      throw case_error("foreign-facts", "these facts were bound for a different case schema than policy " + impl_->id +
                                            " uses; bind them with this policy (policy.bind)");
  }

  std::shared_ptr<const detail::policy_impl> impl_;
  std::vector<diagnostic> warnings_;
  divert::limits limits_{};
};

}  // namespace divert
