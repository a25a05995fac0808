#pragma once
// Loading a divert-policy/1 file: parse, resolve `extends` (cycles detected), merge as DESIGN
// §5 says (parameters key by key; predicates, sources and rules by id, in place; {"id": x,
// "remove": true} drops one), and check the structure. Every problem is collected with the
// file and JSON pointer where it is written, so an inherited rule is reported in its own file.

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "divert/detail/check/suggest.hpp"
#include "divert/detail/eval/dates.hpp"
#include "divert/detail/input/json_pointer.hpp"
#include "divert/detail/input/json_text.hpp"
#include "divert/error.hpp"
#include "divert/limits.hpp"

namespace divert::detail {

using ojson = nlohmann::ordered_json;

enum class rule_stage : std::uint8_t { eligibility, exclusion, pathway };

inline const char* stage_name(rule_stage s) {
  switch (s) {
    case rule_stage::eligibility: return "eligibility";
    case rule_stage::exclusion: return "exclusion";
    case rule_stage::pathway: return "pathway";
  }
  return "";
}

struct located {
  ojson json;
  std::string file, pointer;
};

struct policy_source {
  std::string file;                     // the file loaded (the most derived one)
  std::vector<std::string> chain;       // extends chain, base first
  std::map<std::string, located> meta;  // format, id, title, version, status, jurisdiction, effective, ...
  std::vector<located> sources;
  std::vector<std::pair<std::string, located>> parameters;  // in order
  std::vector<std::pair<std::string, located>> predicates;
  std::vector<located> eligibility, exclusions, pathways;

  const located* get(const std::string& key) const {
    auto it = meta.find(key);
    return it == meta.end() ? nullptr : &it->second;
  }
  ojson parameters_json() const {
    ojson o = ojson::object();
    for (const auto& [k, v] : parameters) append_member(o, k, v.json);  // names are unique
    return o;
  }
};

class policy_loader {
 public:
  policy_loader(const limits& lim, std::vector<diagnostic>& diags) : lim_(lim), diags_(diags) {}

  // Returns false when the policy could not be loaded at all (unreadable, syntax, cycles).
  bool load(const std::string& path, policy_source& out) {
    std::vector<std::string> chain;
    if (!load_into(path, out, chain)) return false;
    out.file = path;
    check(out);
    return true;
  }

  // The merged policy as one document: what the policy hash is computed over.
  static ojson merged_document(const policy_source& src) {
    ojson doc = ojson::object();
    for (const auto& key : {"format", "id", "title", "version", "status", "jurisdiction", "effective", "case_schema",
                            "pathway_policy", "description", "notes"}) {
      auto it = src.meta.find(key);
      if (it != src.meta.end()) doc[key] = it->second.json;
    }
    doc["sources"] = ojson::array();
    for (const auto& s : src.sources) doc["sources"].push_back(s.json);
    doc["parameters"] = src.parameters_json();
    doc["predicates"] = ojson::object();
    for (const auto& [k, v] : src.predicates) append_member(doc["predicates"], k, v.json);  // names are unique
    for (const auto& [key, list] :
         {std::pair<const char*, const std::vector<located>*>{"eligibility", &src.eligibility},
          {"exclusions", &src.exclusions},
          {"pathways", &src.pathways}}) {
      doc[key] = ojson::array();
      for (const auto& r : *list) doc[key].push_back(r.json);
    }
    return doc;
  }

 private:
  void error(const std::string& file, const std::string& pointer, const std::string& id, std::string message) {
    diags_.push_back({severity::error, id, file, pointer, 0, 0, std::move(message)});
  }
  void warning(const std::string& file, const std::string& pointer, const std::string& id, std::string message) {
    diags_.push_back({severity::warning, id, file, pointer, 0, 0, std::move(message)});
  }

  static std::string canonical(const std::string& path) {
    std::error_code ec;
    auto p = std::filesystem::weakly_canonical(path, ec);
    return ec ? path : p.string();
  }
  static std::string dir_of(const std::string& file) {
    auto slash = file.find_last_of('/');
    return slash == std::string::npos ? std::string() : file.substr(0, slash);
  }
  static std::string resolve(const std::string& from_file, const std::string& rel) {
    if (rel.empty() || rel[0] == '/') return rel;
    std::string dir = dir_of(from_file);
    return dir.empty() ? rel : dir + "/" + rel;
  }

  bool load_into(const std::string& path, policy_source& out, std::vector<std::string>& chain) {
    std::string canon = canonical(path);
    for (const auto& c : chain)
      if (c == canon) {
        std::string cycle;
        for (const auto& k : chain) cycle += k + " -> ";
        error(path, "/extends", "extends-cycle", "policies extend each other in a cycle: " + cycle + canon);
        return false;
      }
    if (chain.size() > 32) {
      error(path, "/extends", "extends-cycle", "extends chain longer than 32 policies");
      return false;
    }
    ojson doc;
    try {
      doc = read_json_file(path, lim_);
    } catch (const divert::error& e) {
      diags_.insert(diags_.end(), e.diagnostics().begin(), e.diagnostics().end());
      return false;
    }
    if (!doc.is_object()) {
      error(path, "", "policy-structure", "a policy is a JSON object");
      return false;
    }
    if (!doc.contains("format") || doc["format"] != "divert-policy/1")
      error(path, "/format", "policy-format",
            doc.contains("format") ? "unsupported format " + doc["format"].dump() + " (expected \"divert-policy/1\")"
                                   : "missing \"format\": \"divert-policy/1\"");
    chain.push_back(canon);
    if (doc.contains("extends") && !doc["extends"].is_null()) {
      if (!doc["extends"].is_string()) {
        error(path, "/extends", "policy-structure", "\"extends\" is null or a path relative to this file");
      } else {
        std::string parent = resolve(path, doc["extends"].get<std::string>());
        // A missing parent is this file's error, at its "extends" (not a second one about a
        // file that is not there). A path the system refuses to look at (a name too long) is
        // the same error with the system's reason: the throwing `exists` would end the process.
        std::error_code ec;
        if (!std::filesystem::exists(parent, ec)) {
          error(path, "/extends", "unreadable-file",
                "cannot read the policy it extends: " + parent + (ec ? " (" + ec.message() + ")" : ""));
          return false;
        }
        if (!load_into(parent, out, chain)) return false;
      }
    }
    out.chain.push_back(path);
    apply(path, doc, out);
    return true;
  }

  void apply(const std::string& file, const ojson& doc, policy_source& out) {
    static const std::set<std::string> known = {"$schema",        "format",      "id",           "title",
                                                "version",        "status",      "jurisdiction", "effective",
                                                "sources",        "extends",     "case_schema",  "parameters",
                                                "predicates",     "eligibility", "exclusions",   "pathways",
                                                "pathway_policy", "description", "notes"};
    static const std::vector<std::string> known_list(known.begin(), known.end());
    for (auto it = doc.begin(); it != doc.end(); ++it) {
      const std::string& key = it.key();
      std::string ptr = pointer_child("", key);
      if (!known.count(key)) {
        warning(file, ptr, "unknown-key", "unknown key \"" + key + "\" is ignored" + did_you_mean(key, known_list));
        continue;
      }
      if (key == "$schema" || key == "extends") continue;
      if (key == "sources") {
        merge_list(file, ptr, it.value(), out.sources, "source");
      } else if (key == "parameters") {
        merge_map(file, ptr, it.value(), out.parameters, "parameters");
      } else if (key == "predicates") {
        merge_map(file, ptr, it.value(), out.predicates, "predicates");
      } else if (key == "eligibility") {
        merge_list(file, ptr, it.value(), out.eligibility, "rule");
      } else if (key == "exclusions") {
        merge_list(file, ptr, it.value(), out.exclusions, "rule");
      } else if (key == "pathways") {
        merge_list(file, ptr, it.value(), out.pathways, "pathway");
      } else {
        out.meta[key] = located{it.value(), file, ptr};
      }
    }
  }

  void merge_map(const std::string& file, const std::string& ptr, const ojson& j,
                 std::vector<std::pair<std::string, located>>& target, const char* what) {
    if (!j.is_object()) {
      error(file, ptr, "policy-structure", std::string("\"") + what + "\" is an object");
      return;
    }
    // Names to positions, so that a file with many entries merges in linear time.
    std::map<std::string, std::size_t, std::less<>> index;
    auto reindex = [&] {
      index.clear();
      for (std::size_t i = 0; i < target.size(); ++i) index.emplace(target[i].first, i);
    };
    reindex();
    for (auto it = j.begin(); it != j.end(); ++it) {
      std::string p = pointer_child(ptr, it.key());
      auto at = index.find(it.key());
      bool remove = it.value().is_object() && it.value().size() == 1 && it.value().contains("remove") &&
                    it.value()["remove"] == true;
      if (remove) {
        if (at == index.end()) {
          error(file, p, "remove-missing", std::string("removes \"") + it.key() + "\", which it does not inherit");
        } else {
          target.erase(target.begin() + static_cast<std::ptrdiff_t>(at->second));
          reindex();
        }
        continue;
      }
      if (at != index.end()) {
        target[at->second].second = located{it.value(), file, p};
      } else {
        index.emplace(it.key(), target.size());
        target.emplace_back(it.key(), located{it.value(), file, p});
      }
    }
  }

  void merge_list(const std::string& file, const std::string& ptr, const ojson& j, std::vector<located>& target,
                  const char* what) {
    if (!j.is_array()) {
      error(file, ptr, "policy-structure", "expected an array of " + std::string(what) + "s");
      return;
    }
    // Ids to positions, so that a file with many entries merges in linear time.
    std::map<std::string, std::size_t, std::less<>> index;
    auto reindex = [&] {
      index.clear();
      for (std::size_t i = 0; i < target.size(); ++i) index.emplace(target[i].json["id"].get<std::string>(), i);
    };
    reindex();
    for (std::size_t i = 0; i < j.size(); ++i) {
      std::string p = pointer_child(ptr, i);
      const ojson& item = j[i];
      if (!item.is_object() || !item.contains("id") || !item["id"].is_string()) {
        error(file, p, "policy-structure", std::string("each ") + what + " is an object with a string \"id\"");
        continue;
      }
      std::string id = item["id"].get<std::string>();
      auto at = index.find(id);
      located* found = at == index.end() ? nullptr : &target[at->second];
      if (item.contains("remove") && item["remove"] == true) {
        if (!found) {
          error(file, p, "remove-missing", "removes \"" + id + "\", which it does not inherit");
        } else {
          target.erase(target.begin() + static_cast<std::ptrdiff_t>(at->second));
          reindex();
        }
        continue;
      }
      if (found && found->file == file) {
        error(file, p, "duplicate-id",
              std::string("duplicate ") + what + " id \"" + id + "\" (also at " + found->pointer + ")");
        continue;
      }
      if (found) {
        *found = located{item, file, p};
      } else {
        index.emplace(id, target.size());
        target.push_back(located{item, file, p});
      }
    }
  }

  // ---- structure ----

  void expect_string(const located& l, const char* key, bool required) {
    std::string p = pointer_child(l.pointer, key);
    if (!l.json.contains(key)) {
      if (required) error(l.file, l.pointer, "policy-structure", std::string("missing \"") + key + "\"");
      return;
    }
    if (!l.json[key].is_string()) error(l.file, p, "policy-structure", std::string("\"") + key + "\" must be a string");
  }

  void check(const policy_source& src) {
    for (const char* key : {"id", "title", "version"}) {
      const located* l = src.get(key);
      if (!l)
        error(src.file, "", "policy-structure", std::string("missing \"") + key + "\"");
      else if (!l->json.is_string())
        error(l->file, l->pointer, "policy-structure", std::string("\"") + key + "\" must be a string");
    }
    if (const located* l = src.get("status")) {
      if (!(l->json == "proposed" || l->json == "active" || l->json == "retired"))
        error(l->file, l->pointer, "policy-structure", "\"status\" is proposed, active or retired");
    } else {
      error(src.file, "", "policy-structure", "missing \"status\" (proposed, active or retired)");
    }
    if (const located* l = src.get("pathway_policy")) {
      if (!(l->json == "first" || l->json == "unique"))
        error(l->file, l->pointer, "policy-structure", "\"pathway_policy\" is first or unique");
    }
    if (const located* l = src.get("case_schema")) {
      if (!l->json.is_string())
        error(l->file, l->pointer, "policy-structure", "\"case_schema\" is \"case-v1\" or a path");
    }
    if (const located* l = src.get("effective")) check_effective(*l);
    if (const located* l = src.get("jurisdiction")) check_jurisdiction(*l);

    std::set<std::string> source_ids;
    for (const auto& s : src.sources) {
      std::string id = s.json["id"].get<std::string>();
      source_ids.insert(id);
      expect_string(s, "title", true);
      for (const char* k : {"url", "date", "publisher", "note"}) expect_string(s, k, false);
    }
    std::map<std::string, std::string> ids;  // rule id -> pointer
    ids["effective"] = "(implicit)";
    ids["jurisdiction"] = "(implicit)";
    auto rules = [&](const std::vector<located>& list, bool pathway) {
      for (const auto& r : list) check_rule(r, pathway, source_ids, ids);
    };
    rules(src.eligibility, false);
    rules(src.exclusions, false);
    rules(src.pathways, true);
    if (src.pathways.empty()) error(src.file, "/pathways", "policy-structure", "a policy needs at least one pathway");
  }

  void check_effective(const located& l) {
    if (!l.json.is_object()) {
      error(l.file, l.pointer, "policy-structure", "\"effective\" is {\"from\": date or null, \"to\": date or null}");
      return;
    }
    std::optional<std::int64_t> from, to;
    for (auto it = l.json.begin(); it != l.json.end(); ++it) {
      std::string p = pointer_child(l.pointer, it.key());
      if (it.key() != "from" && it.key() != "to") {
        error(l.file, p, "policy-structure", "\"effective\" has only \"from\" and \"to\"");
        continue;
      }
      if (it.value().is_null()) continue;
      auto d = it.value().is_string() ? dates::parse(it.value().get<std::string>()) : std::nullopt;
      if (!d)
        error(l.file, p, "not-a-date", it.value().dump() + " is not a date (YYYY-MM-DD)");
      else
        (it.key() == "from" ? from : to) = d;
    }
    if (from && to && *to < *from) error(l.file, l.pointer, "policy-structure", "\"effective\" ends before it starts");
  }

  void check_jurisdiction(const located& l) {
    if (!l.json.is_object()) {
      error(l.file, l.pointer, "policy-structure", "\"jurisdiction\" is {\"force\": id or [ids], \"areas\": [ids]}");
      return;
    }
    for (auto it = l.json.begin(); it != l.json.end(); ++it) {
      std::string p = pointer_child(l.pointer, it.key());
      const ojson& v = it.value();
      if (it.key() == "force") {
        bool ok = v.is_string() || (v.is_array() && !v.empty());
        if (v.is_array())
          for (const auto& x : v) ok = ok && x.is_string();
        if (!ok) error(l.file, p, "policy-structure", "\"force\" is a force id or a list of them");
      } else if (it.key() == "areas") {
        bool ok = v.is_array() && !v.empty();
        if (v.is_array())
          for (const auto& x : v) ok = ok && x.is_string();
        if (!ok) error(l.file, p, "policy-structure", "\"areas\" is a non-empty list of area ids");
      } else {
        error(l.file, p, "policy-structure", "\"jurisdiction\" has only \"force\" and \"areas\"");
      }
    }
  }

  void check_rule(const located& r, bool pathway, const std::set<std::string>& sources,
                  std::map<std::string, std::string>& ids) {
    static const std::set<std::string> rule_keys = {"id",         "title",         "when",        "explain", "source",
                                                    "confidence", "justification", "description", "notes",   "remove"};
    static const std::set<std::string> pathway_keys = {"id",
                                                       "title",
                                                       "when",
                                                       "disposal",
                                                       "diverts",
                                                       "provider",
                                                       "sessions",
                                                       "on_non_compliance",
                                                       "on_completion",
                                                       "outcome_code",
                                                       "source",
                                                       "confidence",
                                                       "justification",
                                                       "description",
                                                       "notes",
                                                       "remove"};
    const auto& keys = pathway ? pathway_keys : rule_keys;
    std::vector<std::string> key_list(keys.begin(), keys.end());
    std::string id = r.json["id"].get<std::string>();
    auto dup = ids.find(id);
    if (dup != ids.end())
      error(r.file, pointer_child(r.pointer, "id"), "duplicate-id",
            "rule id \"" + id + "\" is used twice" +
                (dup->second == "(implicit)" ? " (it is an implicit rule's id)" : " (also at " + dup->second + ")"));
    else
      ids[id] = r.pointer;
    for (auto it = r.json.begin(); it != r.json.end(); ++it)
      if (!keys.count(it.key()))
        warning(r.file, pointer_child(r.pointer, it.key()), "unknown-key",
                "unknown key \"" + it.key() + "\" is ignored" + did_you_mean(it.key(), key_list));
    expect_string(r, "title", true);
    if (!r.json.contains("when")) error(r.file, r.pointer, "policy-structure", "missing \"when\" (its condition)");
    if (r.json.contains("source")) {
      const ojson& s = r.json["source"];
      std::vector<std::string> named;
      if (s.is_string()) named.push_back(s.get<std::string>());
      if (s.is_array())
        for (const auto& x : s)
          if (x.is_string()) named.push_back(x.get<std::string>());
      if (named.empty())
        error(r.file, pointer_child(r.pointer, "source"), "policy-structure",
              "\"source\" names an entry of \"sources\"");
      std::vector<std::string> source_list(sources.begin(), sources.end());
      for (const auto& n : named)
        if (!sources.count(n))
          error(r.file, pointer_child(r.pointer, "source"), "unknown-source",
                "source \"" + n + "\" is not in \"sources\"" + did_you_mean(n, source_list));
    }
    if (r.json.contains("confidence")) {
      const ojson& c = r.json["confidence"];
      if (!(c == "confirmed" || c == "inferred" || c == "assumed"))
        error(r.file, pointer_child(r.pointer, "confidence"), "policy-structure",
              "\"confidence\" is confirmed, inferred or assumed");
    }
    expect_string(r, "justification", false);
    if (r.json.contains("explain")) {
      const ojson& e = r.json["explain"];
      bool ok = e.is_string() || e.is_object();
      if (e.is_object())
        for (auto it = e.begin(); it != e.end(); ++it) {
          static const std::set<std::string> ek = {"fail", "pass", "applies", "clear"};
          if (!ek.count(it.key()) || !it.value().is_string()) ok = false;
        }
      if (!ok)
        error(
            r.file, pointer_child(r.pointer, "explain"), "policy-structure",
            "\"explain\" is a message, or {\"fail\", \"pass\"} (eligibility) / {\"applies\", \"clear\"} (exclusions)");
    }
    if (pathway) {
      static const std::set<std::string> disposals = {"community_resolution",
                                                      "outcome_22",
                                                      "deferred_prosecution",
                                                      "conditional_caution",
                                                      "diversionary_caution",
                                                      "cannabis_warning",
                                                      "penalty_notice",
                                                      "summons",
                                                      "arrest",
                                                      "no_further_action",
                                                      "other"};
      std::vector<std::string> dl(disposals.begin(), disposals.end());
      if (!r.json.contains("disposal"))
        error(r.file, r.pointer, "policy-structure", "a pathway needs a \"disposal\"");
      else if (!r.json["disposal"].is_string() || !disposals.count(r.json["disposal"].get<std::string>()))
        error(r.file, pointer_child(r.pointer, "disposal"), "not-a-value",
              r.json["disposal"].dump() + " is not a disposal" +
                  (r.json["disposal"].is_string() ? did_you_mean(r.json["disposal"].get<std::string>(), dl) : ""));
      if (r.json.contains("diverts") && !r.json["diverts"].is_boolean())
        error(r.file, pointer_child(r.pointer, "diverts"), "policy-structure", "\"diverts\" is true or false");
      if (r.json.contains("sessions") && !r.json["sessions"].is_number_integer())
        error(r.file, pointer_child(r.pointer, "sessions"), "policy-structure", "\"sessions\" is a whole number");
      for (const char* k : {"provider", "on_non_compliance", "on_completion", "outcome_code"})
        expect_string(r, k, false);
    }
  }

  const limits& lim_;
  std::vector<diagnostic>& diags_;
};

}  // namespace divert::detail
