#pragma once
// Replaying a caseload (divert batch, DESIGN §8): the pieces that do not depend on where the
// lines come from or how they are read.
//
//   record_writer      writes a decision record as one line of compact JSON, byte for byte what
//                      decision_record::to_json().dump() gives, without building a JSON document
//                      (a pre-rendered line per pathway for eligible cases, which need no explain)
//   append_error_line  {"line": N, "error": "...", "kind": "...", "pointer": "..."} for a line
//                      that could not be decided
//   batch_summary      counts by status, pathway and error kind, for the summary on stderr
//
// The line reading (simdjson, CSV) and the threads live in the tool (tools/divert/batch_command.cpp).

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "divert/decision.hpp"
#include "divert/detail/bytes.hpp"
#include "divert/error.hpp"
#include "divert/facts.hpp"
#include "divert/policy.hpp"

namespace divert {

// Appends `s` as a JSON string, escaped as nlohmann's dump() escapes valid UTF-8 (which every
// string divert reads or makes is): \" \\ \b \f \n \r \t, other control characters as \u00xx,
// everything else as it is.
inline void append_json_string(std::string& out, std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  out += '"';
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    // A step (16 or 8 bytes) at a time while none needs escaping.
    while (i + detail::special_json_step <= s.size() && !detail::special_json_mask(s.data() + i))
      i += detail::special_json_step;
    if (i == s.size()) break;
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + start, i - start);
    start = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
        break;
    }
  }
  out.append(s.data() + start, s.size() - start);
  out += '"';
}

namespace detail {
// decision_record::error, for the versions of the record that have it.
template <class R>
auto record_error(const R& r, int) -> decltype(std::string_view(r.error)) {
  return r.error;
}
template <class R>
std::string_view record_error(const R&, long) {
  return {};
}
}  // namespace detail

// Writes decision records of one policy (and one rule selection) as JSON lines.
class record_writer {
 public:
  explicit record_writer(const policy& p, const rule_selection* skip = nullptr) : p_(p) {
    using ojson = nlohmann::ordered_json;
    head_ = "{\"policy\":" + ojson{{"id", p.id()}, {"version", p.version()}, {"sha256", p.sha256()}}.dump() +
            ",\"status\":";
    // The skipped rules, in the policy's rule order, as explain lists them.
    if (skip && !skip->empty()) {
      skipped_ = ",\"skipped\":[";
      bool first = true;
      for (std::size_t i = 0; i < p.rule_count(); ++i)
        if (skip->mask()[i]) {
          if (!first) skipped_ += ',';
          first = false;
          append_json_string(skipped_, p.impl().rules[i].id);
        }
      skipped_ += ']';
    }
    pathways_.resize(p.pathway_count());
    for (status s : {status::eligible, status::not_eligible, status::excluded, status::undetermined})
      status_[static_cast<std::size_t>(s)] = std::string("\"") + to_string(s) + "\",\"pathway\":";
  }

  // Appends the record and a newline. A record with a trace (or with a field this writer does
  // not render) goes through to_json().
  void write(const decision_record& rec, std::string& out) {
    if (!rec.trace.empty() || !detail::record_error(rec, 0).empty()) {
      out += rec.to_json().dump();
      out += '\n';
      return;
    }
    out += head_;
    out += status_[static_cast<std::size_t>(rec.status)];
    if (rec.pathway)
      out += pathway_json(*rec.pathway);
    else
      put(out, "null");
    put(out, ",\"reasons\":[");
    for (std::size_t i = 0; i < rec.reasons.size(); ++i) {
      const reason& r = rec.reasons[i];
      if (i) out += ',';
      put(out, "{\"stage\":");
      append_json_string(out, r.stage);
      put(out, ",\"rule\":");
      if (r.rule.empty())
        put(out, "null");
      else
        append_json_string(out, r.rule);
      if (!r.result)
        put(out, ",\"result\":null,\"message\":");
      else if (*r.result)
        put(out, ",\"result\":true,\"message\":");
      else
        put(out, ",\"result\":false,\"message\":");
      append_json_string(out, r.message);
      out += '}';
    }
    put(out, "],\"missing\":");
    list(out, rec.missing);
    if (!rec.skipped.empty()) {
      put(out, ",\"skipped\":");
      list(out, rec.skipped);
    }
    if (!rec.warnings.empty()) {
      put(out, ",\"warnings\":");
      list(out, rec.warnings);
    }
    put(out, ",\"trace\":[]}\n");
  }

  // The line of an eligible case with no warnings: needs no explain at all. `pathway` is the
  // index among the policy's pathways (decision::pathway).
  const std::string& eligible_line(int pathway) {
    auto k = static_cast<std::size_t>(pathway);
    if (eligible_.size() <= k) eligible_.resize(k + 1);
    if (eligible_[k].empty()) {
      decision_record rec;
      rec.status = status::eligible;
      rec.pathway = p_.pathway(k);
      eligible_[k] = head_ + "\"eligible\",\"pathway\":" + pathway_json(*rec.pathway) +
                     ",\"reasons\":[],\"missing\":[]" + skipped_ + ",\"trace\":[]}\n";
    }
    return eligible_[k];
  }

 private:
  // A literal, without measuring it again on every record.
  template <std::size_t N>
  static void put(std::string& out, const char (&literal)[N]) {
    out.append(literal, N - 1);
  }
  static void list(std::string& out, const std::vector<std::string>& xs) {
    out += '[';
    for (std::size_t i = 0; i < xs.size(); ++i) {
      if (i) out += ',';
      append_json_string(out, xs[i]);
    }
    out += ']';
  }

  const std::string& pathway_json(const chosen_pathway& cp) {
    for (std::size_t k = 0; k < pathways_.size(); ++k)
      if (p_.impl().rules[p_.impl().first_pathway() + k].id == cp.id) {
        if (pathways_[k].empty()) pathways_[k] = render_pathway(cp);
        return pathways_[k];
      }
    other_ = render_pathway(cp);
    return other_;
  }
  static std::string render_pathway(const chosen_pathway& cp) {
    decision_record rec;
    rec.pathway = cp;
    return rec.to_json()["pathway"].dump();
  }

  const policy& p_;
  std::string head_, skipped_, other_;
  std::vector<std::string> pathways_, eligible_;
  std::array<std::string, 4> status_;  // "\"<status>\",\"pathway\":" for each status, in its order
};

// {"line": N, "error": "...", "kind": "...", "pointer": "..."}: a line that could not be decided.
// `error` joins every error (pointer first, "/" for the whole case; "column C" for JSON syntax);
// `kind` is the first error's id (json-syntax, duplicate-key, depth-limit, size-limit,
// case-invalid, ...); `pointer` is the first error's JSON pointer, when it has one.
// `extra` (e.g. ,"row":5 for CSV) is inserted after the line number as it is.
inline void append_error_line(std::string& out, std::size_t line, const std::vector<diagnostic>& diags,
                              std::string_view extra = {}) {
  // Problems with the text of a line (JSON syntax) have a column; problems with a row of a CSV
  // file (ids "csv-...") name their column in the message; the others are about the case and
  // have a JSON pointer.
  auto about_case = [](const diagnostic& d) { return !d.line && d.id.rfind("csv-", 0) != 0; };
  std::string message;
  const diagnostic* first = nullptr;
  for (const auto& d : diags) {
    if (d.level != severity::error) continue;
    if (!first) first = &d;
    if (!message.empty()) message += "; ";
    if (d.line && d.column)
      message += "column " + std::to_string(d.column) + ": ";
    else if (about_case(d))
      message += (d.pointer.empty() ? std::string("/") : d.pointer) + ": ";
    message += d.message;
  }
  out += "{\"line\":";
  out += std::to_string(line);
  out += extra;
  out += ",\"error\":";
  append_json_string(out, message);
  out += ",\"kind\":";
  append_json_string(out, first ? first->id : std::string("error"));
  if (first && about_case(*first)) {
    out += ",\"pointer\":";
    append_json_string(out, first->pointer);
  }
  out += "}\n";
}

// What a batch did, for the summary on stderr. Deterministic: maps are ordered.
struct batch_summary {
  std::size_t lines = 0, decided = 0, errors = 0, skipped = 0;
  std::map<std::string, std::size_t> by_status, by_pathway, by_error, by_skip;

  void add_decision(status s, const std::string* pathway_id) {
    ++lines;
    ++decided;
    ++by_status[to_string(s)];
    if (pathway_id) ++by_pathway[*pathway_id];
  }
  void add_error(const std::string& kind) {
    ++lines;
    ++errors;
    ++by_error[kind];
  }
  void add_skip(const std::string& reason) {
    ++lines;
    ++skipped;
    ++by_skip[reason];
  }
  void merge(const batch_summary& o) {
    lines += o.lines;
    decided += o.decided;
    errors += o.errors;
    skipped += o.skipped;
    for (const auto& [k, v] : o.by_status) by_status[k] += v;
    for (const auto& [k, v] : o.by_pathway) by_pathway[k] += v;
    for (const auto& [k, v] : o.by_error) by_error[k] += v;
    for (const auto& [k, v] : o.by_skip) by_skip[k] += v;
  }

  std::string to_text() const {
    auto group = [](const char* title, const std::map<std::string, std::size_t>& m) {
      std::string out = std::string("  ") + title + ":";
      if (m.empty()) return out + " none\n";
      bool first = true;
      for (const auto& [k, v] : m) {
        out += first ? " " : ", ";
        first = false;
        out += k + " " + std::to_string(v);
      }
      return out + "\n";
    };
    std::string out = std::to_string(lines) + " lines: " + std::to_string(decided) + " decided, " +
                      std::to_string(errors) + " errors, " + std::to_string(skipped) + " skipped\n";
    out += group("status", by_status);
    out += group("pathway", by_pathway);
    out += group("errors", by_error);
    if (!by_skip.empty()) out += group("skipped", by_skip);
    return out;
  }
};

}  // namespace divert
