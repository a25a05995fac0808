#pragma once
// divert::diff — exhaustive semantic comparison of two policies (DESIGN §9).
//
//   auto a = divert::policy::load("policies/thames_valley.json");
//   auto b = divert::policy::load("policies/lewisham.json");
//   divert::diff_result d = divert::diff(a, b);            // every region where they decide differently
//   for (const auto& r : d.differing) std::cout << r.text() << "\n";
//   d.to_json();                                           // {"regions": [...], "summary": {...}}
//
// The case space is split, guided by the facts the three-valued evaluator says are missing,
// into the classes of values the two policies can tell apart (see
// detail/analysis/space.hpp), until both decisions are definite. The leaves partition the space;
// leaves with the same pair of decisions are merged where adjacent. Each region comes with a
// witness case, checked by deciding it under both policies.
//
// By default the implicit `jurisdiction` and `effective` rules are set aside: the question is
// "who would be treated differently if B's rules applied instead of A's".

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "divert/decision.hpp"
#include "divert/detail/analysis/explore.hpp"
#include "divert/detail/analysis/regions.hpp"
#include "divert/detail/analysis/space.hpp"
#include "divert/detail/output/explain.hpp"
#include "divert/error.hpp"
#include "divert/facts.hpp"
#include "divert/policy.hpp"

namespace divert {

struct diff_options {
  bool with_jurisdiction = false;       // keep the implicit jurisdiction and effective rules
  std::vector<std::string> skip_rules;  // more rules to set aside (in whichever policy has them)
  bool status_only = false;             // compare status alone, not (status, pathway.disposal)
  std::size_t max_leaves = 2000000;     // give up (analysis-limit) past this many leaves
};

// One policy's decision throughout a region.
struct diff_decision {
  divert::status status = divert::status::undetermined;
  std::string pathway, disposal;
  std::vector<std::string> reasons;  // the deciding rules that hold throughout the region
  bool alternatives = false;         // no one rule decides throughout: each case has one of these

  bool same_as(const diff_decision& o, bool status_only) const {
    if (status != o.status) return false;
    return status_only || status != divert::status::eligible || disposal == o.disposal;
  }

  // "eligible, adult_scheme (deferred_prosecution)", "not eligible: age, cannabis_only"
  std::string to_text() const {
    switch (status) {
      case divert::status::eligible: return "eligible, " + pathway + " (" + disposal + ")";
      case divert::status::not_eligible: return "not eligible" + because();
      case divert::status::excluded: return "excluded" + because();
      case divert::status::undetermined: return "undetermined" + because();
    }
    return "undetermined";
  }

  nlohmann::ordered_json to_json() const {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    j["status"] = to_string(status);
    if (!pathway.empty()) j["pathway"] = nlohmann::ordered_json{{"id", pathway}, {"disposal", disposal}};
    j["reasons"] = reasons;
    if (alternatives) j["reasons_are_alternatives"] = true;
    return j;
  }

 private:
  std::string because() const {
    if (reasons.empty()) return "";
    std::string out = ": ";
    for (std::size_t i = 0; i < reasons.size(); ++i) out += (i ? (alternatives ? " or " : ", ") : "") + reasons[i];
    return out;
  }
};

struct diff_region {
  bool differs = false;
  std::vector<std::string> phrases;    // one per constrained fact
  nlohmann::ordered_json constraints;  // the same, as JSON
  nlohmann::ordered_json witness;      // a case inside the region (valid against the case schema)
  diff_decision a, b;
  std::size_t leaves = 0;  // leaves of the exploration merged into it
  detail::analysis::box box;

  std::string condition_text() const {
    if (phrases.empty()) return "every case";
    std::string out;
    for (std::size_t i = 0; i < phrases.size(); ++i) out += (i ? " · " : "") + phrases[i];
    return out;
  }
  // "person.age 25–120 · offence.type possession → A eligible, adult_scheme (...) · B not eligible: age"
  std::string text() const { return condition_text() + " → A " + a.to_text() + " · B " + b.to_text(); }

  nlohmann::ordered_json to_json() const {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    j["constraints"] = constraints;
    j["description"] = condition_text();
    j["witness"] = witness;
    j["a"] = a.to_json();
    j["b"] = b.to_json();
    return j;
  }
};

// How a caseload falls into the regions (divert diff --cases).
struct diff_tally {
  std::size_t cases = 0;                // decided
  std::size_t invalid = 0;              // not valid against the case schema
  std::size_t differing = 0;            // decided differently (on what the diff compares)
  std::size_t in_agreeing = 0;          // placed in a region where the policies agree
  std::size_t unplaced = 0;             // some fact the regions are defined on is unknown or a range
  std::size_t mismatched = 0;           // placed in a region whose decisions are not the case's (never, if exact)
  std::vector<std::size_t> per_region;  // per differing region
  std::map<std::string, std::map<std::string, std::size_t>> table;  // A's status -> B's status -> cases
  std::vector<std::string> problems;                                // the first invalid cases, "WHERE: message"
};

class diff_result {
 public:
  policy a, b;
  diff_options options;
  rule_selection skip_a, skip_b;
  std::vector<diff_region> differing;  // where the decisions differ, in exploration order
  std::vector<diff_region> agreeing;   // where they agree
  std::size_t leaves = 0, nodes = 0, inexact = 0;
  std::vector<std::string> notes;  // where the classes are not exact
  std::shared_ptr<const detail::analysis::space> space;

  bool differs() const { return !differing.empty(); }
  bool exact() const { return inexact == 0 && notes.empty(); }

  std::string compared_on() const { return options.status_only ? "status" : "status and pathway disposal"; }

  // "jurisdiction, effective" for A, etc.
  static std::string list(const std::vector<std::string>& xs) {
    std::string out;
    for (std::size_t i = 0; i < xs.size(); ++i) out += (i ? ", " : "") + xs[i];
    return out;
  }

  std::string set_aside_text() const {
    if (skip_a.empty() && skip_b.empty()) return "no rules set aside";
    std::string out = "set aside: ";
    if (!skip_a.empty()) out += "A " + list(skip_a.ids());
    if (!skip_b.empty()) out += std::string(skip_a.empty() ? "" : "; ") + "B " + list(skip_b.ids());
    if (!options.with_jurisdiction)
      out +=
          " (the implicit area and date rules by default: who would be treated differently under B's rules instead of "
          "A's; "
          "--with-jurisdiction keeps them)";
    return out;
  }

  std::string to_text() const {
    std::string out;
    out += "A: " + a.file() + " (" + a.id() + " " + a.version() + ")\n";
    out += "B: " + b.file() + " (" + b.id() + " " + b.version() + ")\n";
    out += "compared on " + compared_on() + "; " + set_aside_text() + "\n";
    for (const auto& r : differing) out += r.text() + "\n";
    out += summary_line() + "\n";
    for (const auto& n : notes) out += "note: " + n + "\n";
    return out;
  }

  std::string summary_line() const {
    std::string out;
    if (differing.empty())
      out = "the policies decide every case alike (" + std::to_string(agreeing.size()) + " region" +
            (agreeing.size() == 1 ? "" : "s") + ")";
    else
      out = std::to_string(differing.size()) + " region" + (differing.size() == 1 ? "" : "s") +
            " where the decisions differ; " + std::to_string(agreeing.size()) + " where they agree";
    out += "; " + std::to_string(leaves) + " classes of cases explored";
    out += exact() ? " (exhaustive)" : " (not exact: see the notes)";
    if (inexact) out += "; " + std::to_string(inexact) + " classes could not be decided";
    return out;
  }

  nlohmann::ordered_json to_json() const {
    using ojson = nlohmann::ordered_json;
    ojson j = ojson::object();
    auto ref = [](const policy& p) {
      return ojson{{"file", p.file()}, {"id", p.id()}, {"version", p.version()}, {"sha256", p.sha256()}};
    };
    j["a"] = ref(a);
    j["b"] = ref(b);
    j["compared_on"] = options.status_only ? ojson::array({"status"}) : ojson::array({"status", "pathway.disposal"});
    j["set_aside"] = ojson{{"a", skip_a.ids()}, {"b", skip_b.ids()}};
    j["regions"] = ojson::array();
    for (const auto& r : differing) j["regions"].push_back(r.to_json());
    ojson s = ojson::object();
    s["differing_regions"] = differing.size();
    s["agreeing_regions"] = agreeing.size();
    s["classes_explored"] = leaves;
    s["exact"] = exact();
    s["undecided_classes"] = inexact;
    s["notes"] = notes;
    s["text"] = summary_line();
    j["summary"] = s;
    return j;
  }

  // The region (differing first, then agreeing) a bound case falls in: {true, i} / {false, i}, or
  // i = -1 when some fact the regions are defined on is not known exactly.
  std::pair<bool, long> locate(const facts& f) const {
    auto at = space->locate(f.slots());
    for (std::size_t i = 0; i < differing.size(); ++i)
      if (space->contains(differing[i].box, at)) return {true, static_cast<long>(i)};
    for (std::size_t i = 0; i < agreeing.size(); ++i)
      if (space->contains(agreeing[i].box, at)) return {false, static_cast<long>(i)};
    return {false, -1};
  }

  // Decides one case under both policies and counts it (divert diff --cases).
  void replay(const nlohmann::ordered_json& case_json, diff_tally& t, const std::string& where = {}) const {
    if (t.per_region.size() != differing.size()) t.per_region.assign(differing.size(), 0);
    std::vector<diagnostic> diags;
    facts f(a.impl().schema);
    if (!f.try_rebind(case_json, diags, where)) {
      ++t.invalid;
      if (t.problems.size() < 20)
        for (const auto& d : diags)
          if (d.level == severity::error) {
            t.problems.push_back((where.empty() ? std::string() : where + ": ") +
                                 (d.pointer.empty() ? "/" : d.pointer) + ": " + d.message);
            break;
          }
      return;
    }
    ++t.cases;
    diff_decision da = decide(a, f, skip_a), db = decide(b, f, skip_b);
    ++t.table[to_string(da.status)][to_string(db.status)];
    if (!da.same_as(db, options.status_only)) ++t.differing;
    auto [in_differing, i] = locate(f);
    if (i < 0) {
      ++t.unplaced;
      return;
    }
    const diff_region& r =
        in_differing ? differing[static_cast<std::size_t>(i)] : agreeing[static_cast<std::size_t>(i)];
    if (in_differing)
      ++t.per_region[static_cast<std::size_t>(i)];
    else
      ++t.in_agreeing;
    if (r.a.status != da.status || r.a.pathway != da.pathway || r.b.status != db.status || r.b.pathway != db.pathway)
      ++t.mismatched;
  }

  static diff_decision decide(const policy& p, const facts& f, const rule_selection& skip) {
    decision d = p.decide(f, &skip);
    diff_decision out;
    out.status = d.status;
    if (d.pathway >= 0) {
      const auto& r = p.impl().rules[p.impl().first_pathway() + static_cast<std::uint32_t>(d.pathway)];
      out.pathway = r.id;
      out.disposal = r.disposal;
    }
    return out;
  }
};

namespace detail::analysis {

// One policy's answer at a leaf.
struct side_answer {
  divert::status st = divert::status::undetermined;
  int pathway = -1;
  std::vector<std::string> reasons;
  bool operator==(const side_answer& o) const { return st == o.st && pathway == o.pathway; }
};

struct diff_leaf {
  box b;
  side_answer a, b_side;
  bool exact = true;
};

class diff_oracle {
 public:
  diff_oracle(const policy_impl& a, const policy_impl& b, const std::vector<bool>* skip_a,
              const std::vector<bool>* skip_b)
      : a_(a), b_(b), skip_a_(skip_a), skip_b_(skip_b) {}

  bool probe(const value* slots, probe_result& r) {
    std::vector<std::string> ma, mb;
    bool da = run(a_, skip_a_, slots, dec_a_, ma);
    bool db = run(b_, skip_b_, slots, dec_b_, mb);
    if (da && db) return true;
    r.missing = ma;
    r.missing.insert(r.missing.end(), mb.begin(), mb.end());
    std::sort(r.missing.begin(), r.missing.end());
    r.missing.erase(std::unique(r.missing.begin(), r.missing.end()), r.missing.end());
    if (!da && !db)
      std::set_intersection(ma.begin(), ma.end(), mb.begin(), mb.end(), std::back_inserter(r.missing_both));
    else
      r.missing_both = da ? mb : ma;
    return false;
  }

  bool leaf(const box& b, bool exact) {
    diff_leaf l;
    l.b = b;
    l.a = answer(a_, dec_a_, skip_a_);
    l.b_side = answer(b_, dec_b_, skip_b_);
    l.exact = exact;
    leaves.push_back(std::move(l));
    return true;
  }

  std::vector<diff_leaf> leaves;

 private:
  // Decides; false (with the missing facts) when the answer depends on facts not yet bound.
  bool run(const policy_impl& p, const std::vector<bool>* skip, const value* slots, decision& d,
           std::vector<std::string>& missing) {
    decide_settings s;
    s.skip = skip;
    detail::decide(p, slots, s, d);
    if (d.status != divert::status::undetermined) return true;
    explainer ex(p, slots);
    decision_record rec = ex.explain(d, false);
    missing = rec.missing;  // sorted
    return missing.empty();
  }

  static side_answer answer(const policy_impl& p, const decision& d, const std::vector<bool>* skip) {
    side_answer s;
    s.st = d.status;
    s.pathway = d.status == divert::status::eligible ? d.pathway : -1;
    auto skipped = [&](std::uint32_t i) { return skip && (*skip)[i]; };
    switch (d.status) {
      case divert::status::not_eligible:
        for (std::uint32_t i = 0; i < p.n_eligibility; ++i)
          if (!skipped(i) && d.at(i) == outcome::no) s.reasons.push_back(p.rules[i].id);
        if (d.no_pathway) s.reasons.push_back("no pathway applies");
        break;
      case divert::status::excluded:
        for (std::uint32_t i = p.first_exclusion(); i < p.first_pathway(); ++i)
          if (!skipped(i) && d.at(i) == outcome::yes) s.reasons.push_back(p.rules[i].id);
        break;
      case divert::status::undetermined:
        if (d.ambiguous) {
          for (std::uint32_t i = p.first_pathway(); i < p.rules.size(); ++i)
            if (d.at(i) == outcome::yes) s.reasons.push_back(p.rules[i].id);
        }
        break;
      default: break;
    }
    return s;
  }

  const policy_impl& a_;
  const policy_impl& b_;
  const std::vector<bool>* skip_a_;
  const std::vector<bool>* skip_b_;
  decision dec_a_, dec_b_;
};

inline diff_decision to_decision(const policy_impl& p, const side_answer& s) {
  diff_decision d;
  d.status = s.st;
  if (s.pathway >= 0) {
    const compiled_rule& r = p.rules[p.first_pathway() + static_cast<std::uint32_t>(s.pathway)];
    d.pathway = r.id;
    d.disposal = r.disposal;
  }
  d.reasons = s.reasons;
  return d;
}

// The rules of a policy to set aside: the implicit ones unless kept, and those named.
inline rule_selection selection_for(const policy& p, const diff_options& o, const std::set<std::string>& named) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < p.rule_count(); ++i) {
    rule_info r = p.rule(i);
    bool implicit = r.implicit && (r.id == "jurisdiction" || r.id == "effective");
    if ((implicit && !o.with_jurisdiction) || (named.count(r.id) && r.stage != "pathway")) ids.push_back(r.id);
  }
  return p.select(ids);
}

}  // namespace detail::analysis

// Compares two policies over the whole case space. Throws divert::error when they cannot be
// compared (different case schemas, unknown rules to skip, a space too large to explore).
inline diff_result diff(const policy& a, const policy& b, const diff_options& options = {}) {
  using namespace detail::analysis;
  if (!a.valid() || !b.valid()) throw divert::error("diff-usage", "diff needs two loaded policies");
  const auto& sa = *a.impl().schema;
  const auto& sb = *b.impl().schema;
  if (&sa != &sb && sa.fingerprint != sb.fingerprint)
    throw divert::error("diff-schemas", "the policies use different case schemas (" + sa.id + ", " + sb.id +
                                            "): only policies over one case schema can be compared");
  std::set<std::string> named(options.skip_rules.begin(), options.skip_rules.end());
  for (const auto& id : named) {
    bool found = false;
    for (const policy* p : {&a, &b})
      for (std::size_t i = 0; i < p->rule_count(); ++i) found = found || p->rule(i).id == id;
    if (!found) throw divert::error("skip-rules", "no rule \"" + id + "\" to skip in either policy");
  }
  diff_result out;
  out.a = a;
  out.b = b;
  out.options = options;
  out.skip_a = selection_for(a, options, named);
  out.skip_b = selection_for(b, options, named);
  const std::vector<bool>* ka = out.skip_a.empty() ? nullptr : &out.skip_a.mask();
  const std::vector<bool>* kb = out.skip_b.empty() ? nullptr : &out.skip_b.mask();

  auto sp = std::make_shared<space>(space::of({&a.impl(), &b.impl()}, {ka, kb}));
  diff_oracle oracle(a.impl(), b.impl(), ka, kb);
  explorer<diff_oracle> ex(*sp, oracle, options.max_leaves);
  explore_stats st = ex.run();
  if (st.truncated)
    throw divert::error("analysis-limit", "the comparison needs more than " + std::to_string(options.max_leaves) +
                                              " classes of cases; it was stopped");
  out.leaves = st.leaves;
  out.nodes = st.nodes;
  out.inexact = st.inexact;
  out.notes = sp->notes;

  // Group the leaves by their pair of answers, merge each group.
  std::map<std::tuple<int, int, int, int>, std::vector<region_part>> groups;
  std::vector<std::tuple<int, int, int, int>> order;
  for (std::size_t i = 0; i < oracle.leaves.size(); ++i) {
    const diff_leaf& l = oracle.leaves[i];
    auto key = std::make_tuple(static_cast<int>(l.a.st), l.a.pathway, static_cast<int>(l.b_side.st), l.b_side.pathway);
    if (!groups.count(key)) order.push_back(key);
    groups[key].push_back(region_part{l.b, {i}});
  }
  std::vector<std::pair<std::size_t, diff_region>> regions;
  for (const auto& key : order) {
    for (auto& part : merge_boxes(sp->dims, std::move(groups[key]))) {
      const diff_leaf& first = oracle.leaves[part.leaves.front()];
      diff_region r;
      r.a = to_decision(a.impl(), first.a);
      r.b = to_decision(b.impl(), first.b_side);
      // The reasons that hold throughout the region.
      // (When none does, every rule that decides somewhere in it, as alternatives.)
      auto common = [&](diff_decision& dec, bool side_a) {
        std::vector<std::string>& acc = dec.reasons;
        std::vector<std::string> all;
        for (std::size_t k : part.leaves) {
          const auto& rs = side_a ? oracle.leaves[k].a.reasons : oracle.leaves[k].b_side.reasons;
          std::vector<std::string> keep;
          for (const auto& x : acc)
            if (std::find(rs.begin(), rs.end(), x) != rs.end()) keep.push_back(x);
          acc = keep;
          for (const auto& x : rs)
            if (std::find(all.begin(), all.end(), x) == all.end()) all.push_back(x);
        }
        if (acc.empty() && !all.empty()) {
          acc = all;
          dec.alternatives = all.size() > 1;
        }
      };
      common(r.a, true);
      common(r.b, false);
      r.differs = !r.a.same_as(r.b, options.status_only);
      r.phrases = describe_box(*sp, part.b);
      r.constraints = box_json(*sp, part.b);
      r.witness = sp->witness(first.b);
      r.leaves = part.leaves.size();
      r.box = part.b;
      regions.emplace_back(part.leaves.front(), std::move(r));
    }
  }
  // Regions with the same pair of decisions stay together: first those A diverts and B does
  // not, then the reverse, then both with other disposals, then the rest; pairs in the order met.
  auto rank = [](const diff_region& r) {
    bool ea = r.a.status == divert::status::eligible, eb = r.b.status == divert::status::eligible;
    return ea && !eb ? 0 : eb && !ea ? 1 : ea && eb ? 2 : 3;
  };
  std::stable_sort(regions.begin(), regions.end(),
                   [&](const auto& x, const auto& y) { return rank(x.second) < rank(y.second); });
  for (auto& [first, r] : regions) (r.differs ? out.differing : out.agreeing).push_back(std::move(r));
  out.space = sp;

  // Every witness, decided again from its JSON, must get its region's decisions.
  for (const auto* list : {&out.differing, &out.agreeing})
    for (const auto& r : *list) {
      facts f = a.bind(r.witness);
      diff_decision da = diff_result::decide(a, f, out.skip_a), db = diff_result::decide(b, f, out.skip_b);
      if (da.status != r.a.status || da.pathway != r.a.pathway || db.status != r.b.status || db.pathway != r.b.pathway)
        throw divert::error("diff-internal", "the witness " + r.witness.dump() + " of region \"" + r.condition_text() +
                                                 "\" is decided " + da.to_text() + " / " + db.to_text() +
                                                 ", not as the region says");
    }
  return out;
}

}  // namespace divert
