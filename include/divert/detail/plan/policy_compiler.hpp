#pragma once
// Compiles a loaded policy into one immutable program: the case schema is loaded, the implicit
// `effective` and `jurisdiction` rules are added, every condition is type-checked and planned,
// explain templates are parsed, and the policy hash is computed over the merged document.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "divert/detail/check/schema.hpp"
#include "divert/detail/check/strict_planner.hpp"
#include "divert/detail/eval/fast_rules.hpp"
#include "divert/detail/input/policy_loader.hpp"
#include "divert/detail/ir/parse.hpp"
#include "divert/detail/output/sha256.hpp"
#include "divert/detail/plan/fold.hpp"

namespace divert::detail {

// "Aged {person.age}; the pilot is for {param.min_age} to {param.max_age}": literal text and
// placeholders, resolved at compile time to a slot or a parameter's value.
struct template_part {
  std::string text;  // literal text, or the placeholder as written
  const schema_node* fact = nullptr;
  bool is_param = false;
  nlohmann::ordered_json param_value;
  bool is_placeholder = false;
};
using message_template = std::vector<template_part>;

struct compiled_rule {
  std::string id, title;
  rule_stage stage = rule_stage::eligibility;
  bool implicit = false;
  std::uint32_t root = 0;
  std::string file, pointer;  // where the rule is written
  ojson object;               // as written (pathway details, sources, ...)
  std::string source, confidence, justification;
  std::set<const schema_node*> facts;  // facts its condition reads
  std::optional<bool> constant;        // the condition is a constant
  // explain templates by outcome (eligibility: fail/pass; exclusions: applies/clear)
  std::optional<message_template> when_true, when_false;
  // pathways
  std::string disposal;
  bool diverts = true;
};

struct policy_impl {
  program prog;
  std::shared_ptr<const schema_model> schema;
  std::vector<compiled_rule> rules;  // eligibility (implicit ones first), exclusions, pathways
  std::uint32_t n_eligibility = 0, n_exclusions = 0, n_pathways = 0;
  std::string file, id, title, version, status, pathway_policy = "first";
  bool unique_pathways = false;  // pathway_policy == "unique", read on the hot path
  // pathway_policy "first" and the first pathway's condition is the constant true: it is chosen
  // whenever the pathways are reached, and no other pathway is evaluated (read on the hot path).
  bool first_pathway_always = false;
  std::string sha256;
  ojson document;  // the merged policy (after extends)
  std::vector<std::string> chain;
  std::set<std::string> unused_parameters, unused_predicates;
  fast_plan fast;  // the rules lowered for deciding (eval/fast_rules.hpp)

  const compiled_rule* find(std::string_view rule_id) const {
    for (const auto& r : rules)
      if (r.id == rule_id) return &r;
    return nullptr;
  }
  std::uint32_t first_exclusion() const noexcept { return n_eligibility; }
  std::uint32_t first_pathway() const noexcept { return n_eligibility + n_exclusions; }
};

class policy_compiler {
 public:
  policy_compiler(const limits& lim, std::vector<diagnostic>& diags) : lim_(lim), diags_(diags) {}

  std::shared_ptr<policy_impl> compile(const std::string& path) {
    policy_source src;
    policy_loader loader(lim_, diags_);
    if (!loader.load(path, src)) return nullptr;
    auto impl = std::make_shared<policy_impl>();
    impl->file = path;
    impl->chain = src.chain;
    impl->document = policy_loader::merged_document(src);
    impl->sha256 = sha256_hex(nlohmann::json(impl->document).dump());  // sorted keys: canonical
    auto str = [&](const char* key) {
      const located* l = src.get(key);
      return l && l->json.is_string() ? l->json.get<std::string>() : std::string();
    };
    impl->id = str("id");
    impl->title = str("title");
    impl->version = str("version");
    impl->status = str("status");
    if (const located* l = src.get("pathway_policy"); l && l->json.is_string())
      impl->pathway_policy = l->json.get<std::string>();
    impl->unique_pathways = impl->pathway_policy == "unique";

    // The case schema, relative to the file that names it.
    std::string schema_ref = "case-v1", schema_base;
    if (const located* l = src.get("case_schema"); l && l->json.is_string()) {
      schema_ref = l->json.get<std::string>();
      schema_base = schema_loader::dir_of(l->file);
    }
    schema_loader sl(lim_, diags_);
    std::size_t before = diags_.size();
    impl->schema = sl.load(schema_ref, schema_base);
    if (!impl->schema) {
      if (diags_.size() == before)
        diags_.push_back(
            {severity::error, "schema", path, "/case_schema", 0, 0, "cannot load case schema " + schema_ref});
      return nullptr;
    }
    impl->prog.symbols = impl->schema->symbols;  // bound strings and constants share ids

    // Parameters and predicates.
    ojson parameters = src.parameters_json();
    std::map<std::string, named_predicate> predicates;
    for (const auto& [name, loc] : src.predicates) {
      parse_context cx{lim_, loc.file, diags_};
      predicates[name] = named_predicate{parse_expr(loc.json, loc.pointer, cx), loc.file};
    }
    strict_context scx{*impl->schema, parameters, predicates, {}, {}, {}};
    std::size_t before_rules = diags_.size();
    strict_planner planner(impl->prog, scx, diags_, path);
    planner.set_limits(lim_);

    // Implicit rules first: they apply before anything the policy says.
    if (const located* j = src.get("jurisdiction"); j && j->json.is_object()) add_jurisdiction(*impl, planner, scx, *j);
    if (const located* e = src.get("effective"); e && e->json.is_object()) add_effective(*impl, planner, scx, *e);
    for (const auto& r : src.eligibility) add_rule(*impl, planner, scx, r, rule_stage::eligibility);
    impl->n_eligibility = static_cast<std::uint32_t>(impl->rules.size());
    for (const auto& r : src.exclusions) add_rule(*impl, planner, scx, r, rule_stage::exclusion);
    impl->n_exclusions = static_cast<std::uint32_t>(impl->rules.size()) - impl->n_eligibility;
    for (const auto& r : src.pathways) add_rule(*impl, planner, scx, r, rule_stage::pathway);
    impl->n_pathways = static_cast<std::uint32_t>(impl->rules.size()) - impl->n_eligibility - impl->n_exclusions;
    // The decision descriptors, only for a policy that compiled (a failed rule has no code).
    bool failed = false;
    for (const auto& d : diags_) failed |= d.level == severity::error;
    if (!failed) {
      std::vector<std::uint32_t> roots;
      for (const auto& r : impl->rules) roots.push_back(r.root);
      impl->fast = lower_rules(impl->prog, roots);
      impl->first_pathway_always = !impl->unique_pathways && impl->n_pathways > 0 &&
                                   impl->rules[impl->first_pathway()].constant == std::optional<bool>(true);
    }
    if (impl->prog.code.size() > lim_.max_nodes)
      diags_.push_back({severity::error, "size-limit", path, "", 0, 0,
                        "policy compiles to more than " + std::to_string(lim_.max_nodes) + " nodes"});

    // The same problem in a predicate is found once per use: report it once.
    dedupe(before_rules);
    // Lint-level findings that compile sees anyway (not worth saying when it failed).
    if (has_errors(diags_)) return impl;
    for (const auto& [name, loc] : src.parameters)
      if (!scx.used_parameters.count(name)) {
        impl->unused_parameters.insert(name);
        warn(loc.file, loc.pointer, "unused-parameter", "parameter \"" + name + "\" is not used by any rule");
      }
    for (const auto& [name, loc] : src.predicates)
      if (!scx.used_predicates.count(name)) {
        impl->unused_predicates.insert(name);
        warn(loc.file, loc.pointer, "unused-predicate", "predicate \"" + name + "\" is not used by any rule");
      }
    return impl;
  }

 private:
  void dedupe(std::size_t from) {
    std::vector<diagnostic> kept(diags_.begin(), diags_.begin() + static_cast<std::ptrdiff_t>(from));
    // (A set, not a scan of what is kept: a policy with 100,000 errors is deduplicated in n log n.)
    std::set<std::tuple<int, std::string, std::string, std::string, std::string>> seen;
    for (std::size_t i = from; i < diags_.size(); ++i) {
      const diagnostic& d = diags_[i];
      if (seen.emplace(static_cast<int>(d.level), d.id, d.file, d.pointer, d.message).second) kept.push_back(d);
    }
    diags_ = std::move(kept);
  }

  void warn(const std::string& file, const std::string& pointer, const std::string& id, std::string message) {
    diags_.push_back({severity::warning, id, file, pointer, 0, 0, std::move(message)});
  }
  void fail(const std::string& file, const std::string& pointer, const std::string& id, std::string message) {
    diags_.push_back({severity::error, id, file, pointer, 0, 0, std::move(message)});
  }

  // A field that should be text: the loader has reported it if it is not; compile goes on.
  static std::string text_or(const ojson& j, const char* key, const std::string& fallback) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
  }

  void add_rule(policy_impl& impl, strict_planner& planner, strict_context& scx, const located& r, rule_stage stage) {
    compiled_rule c;
    c.id = text_or(r.json, "id", "");
    c.title = text_or(r.json, "title", c.id);
    c.stage = stage;
    c.file = r.file;
    c.pointer = r.pointer;
    c.object = r.json;
    if (r.json.contains("source")) {
      const ojson& s = r.json["source"];
      c.source = s.is_string() ? s.get<std::string>() : s.dump();
    }
    c.confidence = text_or(r.json, "confidence", "");
    c.justification = text_or(r.json, "justification", "");
    if (stage == rule_stage::pathway) {
      c.disposal = text_or(r.json, "disposal", "");
      c.diverts = r.json.contains("diverts") && r.json["diverts"].is_boolean()
                      ? r.json["diverts"].get<bool>()
                      : !(c.disposal == "arrest" || c.disposal == "summons");
      if (!r.json.contains("diverts"))
        warn(r.file, r.pointer, "missing-diverts",
             "pathway \"" + c.id + "\" does not say whether it diverts; taken as " + (c.diverts ? "true" : "false") +
                 " from its disposal");
    }
    if (!r.json.contains("source"))
      warn(r.file, r.pointer, "no-source", std::string(stage_name(stage)) + " \"" + c.id + "\" has no source");
    if (!r.json.contains("confidence"))
      warn(r.file, r.pointer, "no-confidence",
           std::string(stage_name(stage)) + " \"" + c.id +
               "\" does not say its confidence (confirmed, inferred or assumed)");
    if (!r.json.contains("when")) return;
    planner.set_file(r.file);
    parse_context cx{lim_, r.file, diags_};
    expr e = parse_expr(r.json["when"], pointer_child(r.pointer, "when"), cx);
    if (has_parse_errors_since(cx)) return;
    if (e.is_literal() && e.literal.is_boolean()) c.constant = e.literal.get<bool>();
    scx.facts_read.clear();
    c.root = planner.plan_condition(e);
    c.facts = scx.facts_read;
    for (const auto* f : c.facts)
      if (!f->protected_characteristic.empty() && c.justification.empty())
        warn(r.file, pointer_child(r.pointer, "when"), "protected-characteristic",
             "the condition reads " + f->path + " (a protected characteristic: " + f->protected_characteristic +
                 ") but the rule gives no \"justification\"");
    parse_explain(impl, c, r);
    impl.rules.push_back(std::move(c));
  }

  static bool has_parse_errors_since(const parse_context&) { return false; }

  void parse_explain(policy_impl& impl, compiled_rule& c, const located& r) {
    if (!r.json.contains("explain")) return;
    const ojson& e = r.json["explain"];
    std::string ptr = pointer_child(r.pointer, "explain");
    bool eligibility_like = c.stage != rule_stage::exclusion;
    if (e.is_string()) {
      // The message for the outcome that makes the rule a reason.
      (eligibility_like ? c.when_false : c.when_true) = parse_template(impl, e.get<std::string>(), r.file, ptr);
      return;
    }
    if (!e.is_object()) return;
    for (auto it = e.begin(); it != e.end(); ++it) {
      if (!it.value().is_string()) continue;
      std::string p = pointer_child(ptr, it.key());
      auto t = parse_template(impl, it.value().get<std::string>(), r.file, p);
      if (it.key() == "fail" || it.key() == "clear") c.when_false = t;
      if (it.key() == "pass" || it.key() == "applies") c.when_true = t;
      if ((it.key() == "applies" || it.key() == "clear") && eligibility_like)
        warn(r.file, p, "explain-key",
             "\"" + it.key() + "\" is for exclusions; eligibility rules use \"fail\" and \"pass\"");
      if ((it.key() == "fail" || it.key() == "pass") && !eligibility_like)
        warn(r.file, p, "explain-key",
             "\"" + it.key() + "\" is for eligibility rules; exclusions use \"applies\" and \"clear\"");
    }
  }

  message_template parse_template(policy_impl& impl, const std::string& text, const std::string& file,
                                  const std::string& pointer) {
    message_template out;
    std::string literal;
    for (std::size_t i = 0; i < text.size(); ++i) {
      char ch = text[i];
      if ((ch == '{' || ch == '}') && i + 1 < text.size() && text[i + 1] == ch) {
        literal += ch;
        ++i;
        continue;
      }
      if (ch != '{') {
        literal += ch;
        continue;
      }
      std::size_t close = text.find('}', i);
      if (close == std::string::npos) {
        fail(file, pointer, "explain-template", "unclosed \"{\" in the message");
        return out;
      }
      std::string name = text.substr(i + 1, close - i - 1);
      if (!literal.empty()) out.push_back(template_part{literal, nullptr, false, {}, false});
      literal.clear();
      template_part part;
      part.text = name;
      part.is_placeholder = true;
      if (name.rfind("param.", 0) == 0) {
        std::string pname = name.substr(6);
        const ojson& params = impl.document["parameters"];
        if (!params.contains(pname))
          fail(file, pointer, "explain-template",
               "the message names {" + name + "}, but there is no parameter \"" + pname + "\"");
        else {
          part.is_param = true;
          part.param_value = params[pname];
        }
      } else {
        const schema_node* n = impl.schema->find(name);
        if (!n || n->type == fact_type::object)
          fail(file, pointer, "explain-template",
               "the message names {" + name + "}, which is not a fact" + did_you_mean(name, impl.schema->fact_paths()));
        else
          part.fact = n;
      }
      out.push_back(std::move(part));
      i = close;
    }
    if (!literal.empty()) out.push_back(template_part{literal, nullptr, false, {}, false});
    return out;
  }

  // Builds an implicit rule's condition as JSON and compiles it like any other rule. Each part
  // is a condition and the policy key it comes from ("/jurisdiction/force"): an error in it
  // (a misspelt force) is reported at that key.
  void add_implicit(policy_impl& impl, strict_planner& planner, strict_context& scx, const std::string& id,
                    const std::string& title, const std::vector<std::pair<ojson, std::string>>& parts,
                    const located& where, const std::string& message) {
    ojson when = ojson::array();
    for (const auto& p : parts) when.push_back(p.first);
    if (parts.size() == 1)
      when = parts[0].first;
    else
      when = ojson{{"and", when}};
    ojson obj = ojson::object();
    obj["id"] = id;
    obj["title"] = title;
    obj["when"] = when;
    obj["explain"] = message;
    compiled_rule c;
    c.id = id;
    c.title = title;
    c.stage = rule_stage::eligibility;
    c.implicit = true;
    c.file = where.file;
    c.pointer = where.pointer;
    c.object = obj;
    planner.set_file(where.file);
    parse_context cx{lim_, where.file, diags_};
    // Implicit conditions are reported at the policy key they come from.
    expr e = parse_expr(when, where.pointer, cx);
    rebase(e, where.pointer);
    if (parts.size() == 1)
      rebase(e, parts[0].second);
    else
      for (std::size_t i = 0; i < parts.size() && i < e.args.size(); ++i) rebase(e.args[i], parts[i].second);
    scx.facts_read.clear();
    c.root = planner.plan_condition(e);
    c.facts = scx.facts_read;
    c.when_false = parse_template(impl, message, where.file, where.pointer);
    impl.rules.push_back(std::move(c));
  }

  static void rebase(expr& e, const std::string& pointer) {
    e.pointer = pointer;
    e.args_pointer = pointer;
    for (auto& a : e.args) rebase(a, pointer);
  }

  // A date the loader accepted (it reports the others): an unparseable one is left out here.
  static bool is_date(const ojson& j) { return j.is_string() && dates::parse(j.get<std::string>()).has_value(); }
  // A force or area list the loader accepted: strings only (it reports the others).
  static bool all_strings(const ojson& j) {
    if (!j.is_array() || j.empty()) return false;
    for (const auto& x : j)
      if (!x.is_string()) return false;
    return true;
  }

  void add_effective(policy_impl& impl, strict_planner& planner, strict_context& scx, const located& l) {
    std::vector<std::pair<ojson, std::string>> parts;
    std::string text;
    if (l.json.contains("from") && is_date(l.json["from"])) {
      parts.emplace_back(ojson{{">=", {{{"var", "offence.date"}}, l.json["from"]}}}, pointer_child(l.pointer, "from"));
      text = "from " + l.json["from"].get<std::string>();
    }
    if (l.json.contains("to") && is_date(l.json["to"])) {
      parts.emplace_back(ojson{{"<=", {{{"var", "offence.date"}}, l.json["to"]}}}, pointer_child(l.pointer, "to"));
      text += std::string(text.empty() ? "" : " ") + "to " + l.json["to"].get<std::string>();
    }
    if (parts.empty()) return;
    add_implicit(impl, planner, scx, "effective", "The scheme applies on the offence date (" + text + ")", parts, l,
                 "The offence date {offence.date} is outside the scheme's dates (" + text + ")");
  }

  void add_jurisdiction(policy_impl& impl, strict_planner& planner, strict_context& scx, const located& l) {
    std::vector<std::pair<ojson, std::string>> parts;
    std::string where;
    if (l.json.contains("force")) {
      const ojson& f = l.json["force"];
      ojson list = f.is_array() ? f : ojson::array({f});
      if (all_strings(list)) {
        parts.emplace_back(ojson{{"in", {{{"var", "offence.force"}}, list}}}, pointer_child(l.pointer, "force"));
        for (const auto& x : list) where += (where.empty() ? "" : ", ") + x.get<std::string>();
      }
    }
    if (l.json.contains("areas") && all_strings(l.json["areas"])) {
      parts.emplace_back(ojson{{"in", {{{"var", "offence.area"}}, l.json["areas"]}}},
                         pointer_child(l.pointer, "areas"));
      std::string areas;
      for (const auto& x : l.json["areas"]) areas += (areas.empty() ? "" : ", ") + x.get<std::string>();
      where += " (" + areas + ")";
    }
    if (parts.empty()) return;
    add_implicit(impl, planner, scx, "jurisdiction", "The offence is within the scheme's area: " + where, parts, l,
                 "The offence ({offence.force}, {offence.area}) is outside the scheme's area: " + where);
  }

  const limits& lim_;
  std::vector<diagnostic>& diags_;
};

}  // namespace divert::detail
