#pragma once
// Mapping files (divert-mapping/1, schemas/mapping.schema.json, docs/batch.md): how the columns
// of a CSV file become the facts of a case. A mapping names its columns by header (with
// alternatives, so one mapping reads several spellings of a header), gives constant facts, says
// which rows to skip (a JsonLogic condition over the row's cells, and a message), and for each
// fact: the column, a table of cell values, and a parse for what the table does not list
// (date, band, integer, number, boolean, text). A cell the mapping cannot read is an error for
// that row, never a guess; an empty cell is an unknown fact unless the mapping says otherwise.

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "divert/detail/check/schema.hpp"
#include "divert/detail/check/suggest.hpp"
#include "divert/detail/eval/dates.hpp"
#include "divert/detail/input/case_binding.hpp"
#include "divert/detail/input/json_pointer.hpp"
#include "divert/detail/input/json_text.hpp"
#include "divert/error.hpp"
#include "divert/jsonlogic.hpp"
#include "divert/limits.hpp"

namespace divert::detail {

class csv_mapping {
 public:
  using ojson = nlohmann::ordered_json;

  // What one row becomes.
  struct row {
    enum class kind { record, skip, error } what = kind::record;
    ojson case_json;         // record: the case
    std::string skip_id;     // skip: the rule's id
    std::string message;     // skip: the rule's message; error: every problem, joined
    std::size_t column = 0;  // error: the first problem's column (1-based), 0 if none
  };

  // Loads and checks a mapping against a case schema; every problem goes to `diags`. Returns
  // false on errors.
  bool load(const std::string& path, const schema_model& schema, std::vector<diagnostic>& diags,
            const limits& lim = {}) {
    file_ = path;
    diags_ = &diags;
    std::size_t errors_before = count_errors(diags);
    ojson doc;
    try {
      doc = read_json_file(path, lim);
    } catch (const divert::error& e) {
      diags.insert(diags.end(), e.diagnostics().begin(), e.diagnostics().end());
      return false;
    }
    if (!doc.is_object()) return error("", "a mapping is a JSON object"), false;
    static const char* known[] = {"$schema", "format",  "id",        "title", "description", "notes",
                                  "source",  "columns", "constants", "skip",  "facts"};
    for (auto it = doc.begin(); it != doc.end(); ++it) {
      bool ok = false;
      for (const char* k : known) ok |= it.key() == k;
      if (!ok) warning(pointer_child("", it.key()), "\"" + it.key() + "\" is not a mapping keyword and is ignored");
    }
    if (!doc.contains("format") || doc["format"] != "divert-mapping/1")
      error("/format", "a mapping says \"format\": \"divert-mapping/1\"");
    load_columns(doc);
    if (doc.contains("constants")) {
      const ojson& cs = doc["constants"];
      if (!cs.is_object()) {
        error("/constants", "\"constants\" is an object {fact path: value}");
      } else {
        for (auto it = cs.begin(); it != cs.end(); ++it)
          if (check_fact(schema, it.key(), pointer_child("/constants", it.key())))
            constants_.emplace_back(it.key(), it.value());
      }
    }
    load_skips(doc);
    load_facts(doc, schema);
    return count_errors(diags) == errors_before;
  }

  // A constant fact from the command line (--set path=value); replaces the mapping's.
  bool set_constant(const schema_model& schema, const std::string& path, const ojson& value,
                    std::vector<diagnostic>& diags) {
    diags_ = &diags;
    if (!check_fact(schema, path, "")) return false;
    for (auto& c : constants_)
      if (c.first == path) {
        c.second = value;
        return true;
      }
    constants_.emplace_back(path, value);
    return true;
  }

  // Finds each column in the header; a column the mapping needs and the header lacks is an
  // error (unless the column is optional: then its facts stay unknown).
  bool bind_header(const std::vector<std::string>& header, std::vector<diagnostic>& diags, const std::string& file) {
    for (auto& c : columns_) {
      c.index = -1;
      for (const auto& name : c.headers) {
        for (std::size_t i = 0; i < header.size(); ++i)
          if (trim(header[i]) == name) {
            c.index = static_cast<int>(i);
            c.found = name;
            break;
          }
        if (c.index >= 0) break;
      }
      if (c.index < 0 && !c.optional) {
        std::string names;
        for (const auto& h : c.headers) names += (names.empty() ? "\"" : ", \"") + h + "\"";
        diags.push_back({severity::error, "csv-header", file, "", 1, 1,
                         "column \"" + c.name + "\" not found: the header has none of " + names});
      }
    }
    header_size_ = header.size();
    return !has_errors(diags);
  }

  // Maps one record (after bind_header).
  row map(const std::vector<std::string>& fields) const {
    row out;
    if (fields.size() != header_size_) {
      out.what = row::kind::error;
      out.message = "the row has " + std::to_string(fields.size()) + (fields.size() == 1 ? " field" : " fields") +
                    "; the header has " + std::to_string(header_size_);
      return out;
    }
    // Skip rules first: a row that is not a case is not read further.
    if (!skips_.empty()) {
      ojson cells = ojson::object();
      for (const auto& c : columns_)
        cells[c.name] = c.index >= 0 ? ojson(trim(fields[static_cast<std::size_t>(c.index)])) : ojson();
      for (const auto& s : skips_) {
        s.rule.bind(cells, s.scratch);
        if (!s.rule.test(s.scratch)) continue;
        out.what = row::kind::skip;
        out.skip_id = s.id;
        out.message = fill(s.message, fields);
        return out;
      }
    }
    out.case_json = ojson::object();
    for (const auto& [path, value] : constants_) set(out.case_json, path, value);
    for (const auto& f : facts_) {
      const column& c = columns_[f.column];
      if (c.index < 0) continue;  // optional column, absent: unknown
      std::string cell = trim(fields[static_cast<std::size_t>(c.index)]);
      std::optional<ojson> v;
      std::string problem = read_cell(f, cell, v);
      if (!problem.empty()) {
        out.what = row::kind::error;
        if (!out.column) out.column = static_cast<std::size_t>(c.index) + 1;
        out.message += (out.message.empty() ? "" : "; ") + std::string("column \"") + c.found + "\": " + problem;
        continue;
      }
      if (v) set(out.case_json, f.path, *v);
    }
    if (out.what == row::kind::error) out.case_json = ojson();
    return out;
  }

  const std::string& file() const noexcept { return file_; }

  // Dates from timestamps: "2016-06-01T00:01:00+00:00" or "2016-06-01 00:01" give "2016-06-01",
  // the calendar date as written (no time zone conversion).
  static std::optional<std::string> parse_date(std::string_view s) {
    std::string_view day = s.substr(0, 10);
    if (s.size() > 10 && s[10] != 'T' && s[10] != ' ') return std::nullopt;
    if (!dates::parse(day)) return std::nullopt;
    return std::string(day);
  }

  // Bands: "18-24" {18, 24}, "over 34" {35, max}, "under 10" {min, 9}, "35+" {35, max}.
  static std::optional<ojson> parse_band(std::string_view s, double lo_default, std::optional<double> hi_default) {
    auto number = [](std::string_view t, double& out) {
      std::string text(trim(std::string(t)));
      if (text.empty()) return false;
      for (char c : text)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
      out = std::strtod(text.c_str(), nullptr);
      return true;
    };
    auto range = [](double a, double b) -> ojson {
      if (a == b) return ojson(static_cast<long long>(a));
      return ojson{{"min", static_cast<long long>(a)}, {"max", static_cast<long long>(b)}};
    };
    double a = 0, b = 0;
    std::string lower;
    for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view t = lower;
    if (t.rfind("over ", 0) == 0 && number(t.substr(5), a)) {
      if (!hi_default || a + 1 > *hi_default) return std::nullopt;
      return range(a + 1, *hi_default);
    }
    if (t.rfind("under ", 0) == 0 && number(t.substr(6), b)) {
      if (b - 1 < lo_default) return std::nullopt;
      return range(lo_default, b - 1);
    }
    if (!t.empty() && t.back() == '+' && number(t.substr(0, t.size() - 1), a)) {
      if (!hi_default || a > *hi_default) return std::nullopt;
      return range(a, *hi_default);
    }
    auto dash = t.find('-');
    if (dash != std::string_view::npos && number(t.substr(0, dash), a) && number(t.substr(dash + 1), b) && a <= b)
      return range(a, b);
    if (number(t, a)) return range(a, a);
    return std::nullopt;
  }

  static std::string trim(const std::string& s) {
    std::size_t a = 0, b = s.size();
    while (a < b && (s[a] == ' ' || s[a] == '\t')) ++a;
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) --b;
    return s.substr(a, b - a);
  }

 private:
  struct column {
    std::string name;
    std::vector<std::string> headers;
    bool optional = false;
    int index = -1;
    std::string found;  // the header name found in the file
  };
  enum class parse_kind { none, text, date, band, integer, number, boolean };
  struct fact {
    std::string path;
    std::size_t column = 0;
    bool has_values = false;
    std::vector<std::pair<std::string, ojson>> values;  // cell -> value (null: unknown)
    parse_kind parse = parse_kind::none;
    bool empty_is_error = false;
    std::optional<ojson> empty_value;
    double band_min = 0;
    std::optional<double> band_max;
  };
  struct skip_rule {
    std::string id, message;
    jsonlogic::rule rule;
    mutable jsonlogic::data scratch;  // per mapping, not shared: a copy starts its own

    skip_rule(std::string i, std::string m, jsonlogic::rule r)
        : id(std::move(i)), message(std::move(m)), rule(std::move(r)) {}
    skip_rule(const skip_rule& o) : id(o.id), message(o.message), rule(o.rule) {}
    skip_rule(skip_rule&&) = default;
    skip_rule& operator=(const skip_rule& o) { return *this = skip_rule(o); }
    skip_rule& operator=(skip_rule&&) = default;
  };

  static std::size_t count_errors(const std::vector<diagnostic>& ds) {
    std::size_t n = 0;
    for (const auto& d : ds) n += d.level == severity::error;
    return n;
  }
  void error(const std::string& pointer, std::string message) {
    diags_->push_back({severity::error, "mapping", file_, pointer, 0, 0, std::move(message)});
  }
  void warning(const std::string& pointer, std::string message) {
    diags_->push_back({severity::warning, "mapping", file_, pointer, 0, 0, std::move(message)});
  }

  bool check_fact(const schema_model& schema, const std::string& path, const std::string& pointer) {
    const schema_node* n = schema.find(path);
    if (!n || n->type == fact_type::object) {
      error(pointer,
            "\"" + path + "\" is not a fact of the case schema " + schema.id + did_you_mean(path, schema.fact_paths()));
      return false;
    }
    return true;
  }

  void load_columns(const ojson& doc) {
    if (!doc.contains("columns") || !doc["columns"].is_object()) {
      error("/columns", "\"columns\" is an object {name: {\"header\": [header names]}}");
      return;
    }
    const ojson& cs = doc["columns"];
    for (auto it = cs.begin(); it != cs.end(); ++it) {
      std::string ptr = pointer_child("/columns", it.key());
      column c;
      c.name = it.key();
      const ojson& v = it.value();
      const ojson* header = &v;
      if (v.is_object()) {
        if (!v.contains("header")) {
          error(ptr, "a column says which header names it (\"header\")");
          continue;
        }
        header = &v["header"];
        if (v.contains("optional")) {
          if (!v["optional"].is_boolean())
            error(pointer_child(ptr, "optional"), "\"optional\" is true or false");
          else
            c.optional = v["optional"].get<bool>();
        }
      }
      if (header->is_string()) {
        c.headers.push_back(header->get<std::string>());
      } else if (header->is_array() && !header->empty()) {
        for (const auto& h : *header)
          if (h.is_string()) c.headers.push_back(h.get<std::string>());
        if (c.headers.size() != header->size()) error(ptr, "header names are strings");
      } else {
        error(ptr, "a column's header is a name or a non-empty list of names (alternatives, first found wins)");
        continue;
      }
      columns_.push_back(std::move(c));
    }
  }

  int column_index(const std::string& name) const {
    for (std::size_t i = 0; i < columns_.size(); ++i)
      if (columns_[i].name == name) return static_cast<int>(i);
    return -1;
  }
  std::vector<std::string> column_names() const {
    std::vector<std::string> out;
    for (const auto& c : columns_) out.push_back(c.name);
    return out;
  }

  void load_skips(const ojson& doc) {
    if (!doc.contains("skip")) return;
    const ojson& ss = doc["skip"];
    if (!ss.is_array()) {
      error("/skip", "\"skip\" is an array of {\"id\", \"when\", \"message\"}");
      return;
    }
    for (std::size_t i = 0; i < ss.size(); ++i) {
      std::string ptr = pointer_child("/skip", i);
      const ojson& s = ss[i];
      if (!s.is_object() || !s.contains("id") || !s["id"].is_string() || !s.contains("when") ||
          !s.contains("message") || !s["message"].is_string()) {
        error(ptr,
              "a skip rule is {\"id\": \"...\", \"when\": JsonLogic over the row's columns, \"message\": \"...\"}");
        continue;
      }
      jsonlogic::options opts;
      opts.file = file_;
      try {
        skip_rule r{s["id"].get<std::string>(), s["message"].get<std::string>(),
                    jsonlogic::rule::compile(s["when"], opts)};
        skips_.push_back(std::move(r));
      } catch (const divert::error& e) {
        for (auto d : e.diagnostics()) {
          d.file = file_;
          d.pointer = pointer_child(ptr, "when") + d.pointer;
          diags_->push_back(std::move(d));
        }
      }
    }
  }

  void load_facts(const ojson& doc, const schema_model& schema) {
    if (!doc.contains("facts")) return;
    const ojson& fs = doc["facts"];
    if (!fs.is_object()) {
      error("/facts", "\"facts\" is an object {fact path: {\"column\": ..., \"values\": ..., \"parse\": ...}}");
      return;
    }
    for (auto it = fs.begin(); it != fs.end(); ++it) {
      std::string ptr = pointer_child("/facts", it.key());
      if (!check_fact(schema, it.key(), ptr)) continue;
      const ojson& v = it.value();
      if (!v.is_object() || !v.contains("column") || !v["column"].is_string()) {
        error(ptr, "a fact is {\"column\": name, ...}");
        continue;
      }
      fact f;
      f.path = it.key();
      int ci = column_index(v["column"].get<std::string>());
      if (ci < 0) {
        error(pointer_child(ptr, "column"), "no column \"" + v["column"].get<std::string>() + "\" in \"columns\"" +
                                                did_you_mean(v["column"].get<std::string>(), column_names()));
        continue;
      }
      f.column = static_cast<std::size_t>(ci);
      static const char* known[] = {"column",   "values",   "parse",       "empty",
                                    "band_min", "band_max", "description", "notes"};
      for (auto k = v.begin(); k != v.end(); ++k) {
        bool ok = false;
        for (const char* n : known) ok |= k.key() == n;
        if (!ok)
          warning(pointer_child(ptr, k.key()), "\"" + k.key() + "\" is not a fact mapping keyword and is ignored");
      }
      if (v.contains("values")) {
        if (!v["values"].is_object()) {
          error(pointer_child(ptr, "values"), "\"values\" is an object {cell text: fact value, or null for unknown}");
        } else {
          f.has_values = true;
          for (auto x = v["values"].begin(); x != v["values"].end(); ++x) f.values.emplace_back(x.key(), x.value());
        }
      }
      if (v.contains("parse")) {
        static const std::pair<const char*, parse_kind> kinds[] = {
            {"text", parse_kind::text},       {"date", parse_kind::date},     {"band", parse_kind::band},
            {"integer", parse_kind::integer}, {"number", parse_kind::number}, {"boolean", parse_kind::boolean}};
        std::string name = v["parse"].is_string() ? v["parse"].get<std::string>() : "";
        for (const auto& [n, k] : kinds)
          if (name == n) f.parse = k;
        if (f.parse == parse_kind::none)
          error(pointer_child(ptr, "parse"), "\"parse\" is one of text, date, band, integer, number, boolean");
      } else if (!f.has_values) {
        f.parse = parse_kind::text;
      }
      if (v.contains("empty")) {
        const ojson& e = v["empty"];
        if (e == "error")
          f.empty_is_error = true;
        else if (e != "unknown")
          f.empty_value = e;
      }
      if (v.contains("band_min")) {
        if (v["band_min"].is_number())
          f.band_min = v["band_min"].get<double>();
        else
          error(pointer_child(ptr, "band_min"), "\"band_min\" is a number");
      }
      if (v.contains("band_max")) {
        if (v["band_max"].is_number())
          f.band_max = v["band_max"].get<double>();
        else
          error(pointer_child(ptr, "band_max"), "\"band_max\" is a number");
      }
      const schema_node* n = schema.find(f.path);
      if (f.parse == parse_kind::band && n && !n->is_numeric())
        error(pointer_child(ptr, "parse"),
              "a band is read into a number fact; " + f.path + " is " + fact_type_name(n->type));
      if (f.parse == parse_kind::band) {
        if (n && n->minimum && !v.contains("band_min")) f.band_min = *n->minimum;
        if (n && n->maximum && !v.contains("band_max")) f.band_max = *n->maximum;
      }
      facts_.push_back(std::move(f));
    }
  }

  // Reads one cell for a fact: `out` empty means unknown. Returns the problem, or "".
  static std::string read_cell(const fact& f, const std::string& cell, std::optional<ojson>& out) {
    if (cell.empty()) {
      if (f.empty_is_error) return "empty, and " + f.path + " needs a value";
      if (f.empty_value && !f.empty_value->is_null()) out = *f.empty_value;
      return "";
    }
    for (const auto& [text, value] : f.values)
      if (text == cell) {
        if (!value.is_null()) out = value;
        return "";
      }
    switch (f.parse) {
      case parse_kind::none: break;
      case parse_kind::text: out = ojson(cell); return "";
      case parse_kind::date:
        if (auto d = parse_date(cell)) {
          out = ojson(*d);
          return "";
        }
        return string_kind(cell) + " is not a date (YYYY-MM-DD, or a timestamp that starts with one)";
      case parse_kind::band:
        if (auto b = parse_band(cell, f.band_min, f.band_max)) {
          out = *b;
          return "";
        }
        return string_kind(cell) + " is not a band (\"18-24\", \"over 34\", \"under 10\", \"35+\")";
      case parse_kind::integer:
      case parse_kind::number: {
        const char* s = cell.c_str();
        char* end = nullptr;
        double x = std::strtod(s, &end);
        if (end && *end == '\0' && std::isfinite(x) && (f.parse == parse_kind::number || std::floor(x) == x)) {
          out = f.parse == parse_kind::integer ? ojson(static_cast<long long>(x)) : ojson(x);
          return "";
        }
        return string_kind(cell) + (f.parse == parse_kind::integer ? " is not a whole number" : " is not a number");
      }
      case parse_kind::boolean:
        if (cell == "true" || cell == "True" || cell == "TRUE") {
          out = ojson(true);
          return "";
        }
        if (cell == "false" || cell == "False" || cell == "FALSE") {
          out = ojson(false);
          return "";
        }
        return string_kind(cell) + " is not true or false";
    }
    return string_kind(cell) + " is not a value the mapping knows for " + f.path;
  }

  std::string fill(const std::string& message, const std::vector<std::string>& fields) const {
    std::string out;
    for (std::size_t i = 0; i < message.size(); ++i) {
      if (message[i] == '{') {
        auto close = message.find('}', i);
        if (close != std::string::npos) {
          int ci = column_index(message.substr(i + 1, close - i - 1));
          if (ci >= 0) {
            int idx = columns_[static_cast<std::size_t>(ci)].index;
            out += idx >= 0 ? trim(fields[static_cast<std::size_t>(idx)]) : std::string();
            i = close;
            continue;
          }
        }
      }
      out += message[i];
    }
    return out;
  }

  static void set(ojson& doc, const std::string& path, const ojson& value) {
    ojson* at = &doc;
    std::size_t start = 0;
    for (;;) {
      std::size_t dot = path.find('.', start);
      std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (dot == std::string::npos) {
        (*at)[key] = value;
        return;
      }
      at = &(*at)[key];
      start = dot + 1;
    }
  }

  std::string file_;
  std::vector<diagnostic>* diags_ = nullptr;
  std::vector<column> columns_;
  std::vector<std::pair<std::string, ojson>> constants_;
  std::vector<skip_rule> skips_;
  std::vector<fact> facts_;
  std::size_t header_size_ = 0;
};

}  // namespace divert::detail
