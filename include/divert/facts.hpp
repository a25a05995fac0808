#pragma once
// A case's facts, validated against a case schema and bound into slots once. Any policy
// compiled against the same schema decides them; deciding does not modify them, so one
// `facts` may be decided from several threads at once.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "divert/detail/check/schema.hpp"
#include "divert/detail/input/case_binding.hpp"
#include "divert/detail/input/json_text.hpp"
#include "divert/error.hpp"
#include "divert/limits.hpp"

namespace divert {

class facts;

// A case schema: "case-v1" (built in) or a file. Shared by the policies compiled against it.
class case_schema {
 public:
  static case_schema v1() {
    static const case_schema s = load("case-v1");
    return s;
  }
  // `reference` is "case-v1" or a path; throws compile_error listing every problem.
  static case_schema load(const std::string& reference, const divert::limits& lim = {}) {
    std::vector<diagnostic> diags;
    detail::schema_loader loader(lim, diags);
    auto m = loader.load(reference, "");
    if (!m || has_errors(diags)) throw compile_error(std::move(diags));
    return case_schema(std::move(m));
  }

  const std::string& id() const noexcept { return model_->id; }
  const detail::schema_model& model() const noexcept { return *model_; }

  // Validates and binds; throws case_error listing every problem (each with its pointer).
  template <class Json>
  facts bind(const Json& case_json, const std::string& file = {}, const divert::limits& lim = {}) const;

  explicit case_schema(std::shared_ptr<const detail::schema_model> m) : model_(std::move(m)) {}

 private:
  friend class facts;
  std::shared_ptr<const detail::schema_model> model_;
};

class facts {
 public:
  facts() = default;
  facts(facts&&) noexcept = default;
  facts& operator=(facts&&) noexcept = default;

  // Facts present in the case that the schema does not know (ignored, but worth showing).
  const std::vector<diagnostic>& warnings() const noexcept { return warnings_; }
  const detail::schema_model* schema() const noexcept { return schema_.get(); }
  const detail::value* slots() const noexcept { return slots_.data(); }

  // Rebinds these facts to another case, reusing their memory. Throws case_error.
  template <class Json>
  void rebind(const Json& case_json, const std::string& file = {}, const divert::limits& lim = {}) {
    std::vector<diagnostic> diags;
    if (!try_rebind(case_json, diags, file, lim)) throw case_error(std::move(diags));
  }

  // As rebind, without throwing: false (and the problems in `diags`) when the case is invalid.
  template <class Json>
  bool try_rebind(const Json& case_json, std::vector<diagnostic>& diags, const std::string& file = {},
                  const divert::limits& lim = {}) {
    storage_.reset();
    std::size_t before = diags.size();
    detail::case_binder binder(*schema_, lim, diags, file);
    bool ok = binder.bind(case_json, storage_, slots_);
    warnings_.clear();
    for (std::size_t i = before; i < diags.size(); ++i)
      if (diags[i].level == severity::warning) warnings_.push_back(diags[i]);
    return ok;
  }

  // As try_rebind, from JSON text (nlohmann): syntax and limit errors go to `diags` too, with
  // their line and column. Duplicate keys are errors, as for every document divert reads.
  bool try_rebind_text(std::string_view text, std::vector<diagnostic>& diags, const std::string& file = {},
                       const divert::limits& lim = {}) {
    nlohmann::ordered_json j;
    auto fail = [&] {
      storage_.reset();
      slots_.assign(schema_->slots.size(), detail::value::unknown());
      warnings_.clear();
      return false;
    };
    try {
      j = detail::parse_json_text(text, file, lim);
    } catch (const divert::error& e) {
      diags.insert(diags.end(), e.diagnostics().begin(), e.diagnostics().end());
      return fail();
    } catch (const nlohmann::json::exception& e) {
      // Not a syntax error to nlohmann: a number too large for a double ("1e400").
      std::string what = e.what();
      auto bracket = what.find("] ");
      diags.push_back({severity::error, "json-number", file, "", 1, 0,
                       bracket == std::string::npos ? what : what.substr(bracket + 2)});
      return fail();
    }
    return try_rebind(j, diags, file, lim);
  }

  // As try_rebind, reading the case through any JSON reader (the interface is described in
  // detail/input/case_binding.hpp; divert/simdjson_binding.hpp has simdjson's on-demand one).
  // The same validation, the same messages, the same facts, whatever the reader.
  template <class Reader>
  bool try_rebind_from(Reader& reader, typename Reader::value_type& root, std::vector<diagnostic>& diags,
                       const std::string& file = {}, const divert::limits& lim = {}) {
    storage_.reset();
    std::size_t before = diags.size();
    detail::basic_case_binder<Reader> binder(reader, *schema_, lim, diags, file);
    bool ok = binder.bind(root, storage_, slots_);
    warnings_.clear();
    for (std::size_t i = before; i < diags.size(); ++i)
      if (diags[i].level == severity::warning) warnings_.push_back(diags[i]);
    return ok;
  }

  explicit facts(std::shared_ptr<const detail::schema_model> schema) : schema_(std::move(schema)) {}

 private:
  std::shared_ptr<const detail::schema_model> schema_;
  detail::arena storage_{2048};
  std::vector<detail::value> slots_;
  std::vector<diagnostic> warnings_;
};

template <class Json>
facts case_schema::bind(const Json& case_json, const std::string& file, const divert::limits& lim) const {
  facts f(model_);
  f.rebind(case_json, file, lim);
  return f;
}

// Builds a case fact by fact, for programs that hold their data in their own structures:
//   auto f = facts_builder(policy.schema()).set("person.age", 21).set("offence.area", "lewisham").build();
class facts_builder {
 public:
  explicit facts_builder(case_schema schema) : schema_(std::move(schema)) {}

  // `path` is a dotted fact path; `value` any JSON value (a range is {"min": a, "max": b}).
  facts_builder& set(const std::string& path, nlohmann::ordered_json value) {
    nlohmann::ordered_json* at = &doc_;
    std::size_t start = 0;
    for (;;) {
      std::size_t dot = path.find('.', start);
      std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (dot == std::string::npos) {
        (*at)[key] = std::move(value);
        break;
      }
      at = &(*at)[key];
      start = dot + 1;
    }
    return *this;
  }
  // Appends an item to an array fact ("substances", "history", ...).
  facts_builder& add(const std::string& array_path, nlohmann::ordered_json item) {
    nlohmann::ordered_json* at = &doc_;
    std::size_t start = 0;
    for (;;) {
      std::size_t dot = array_path.find('.', start);
      at = &(*at)[array_path.substr(start, dot == std::string::npos ? std::string::npos : dot - start)];
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    if (!at->is_array()) *at = nlohmann::ordered_json::array();
    at->push_back(std::move(item));
    return *this;
  }
  const nlohmann::ordered_json& json() const noexcept { return doc_; }
  // Validates and binds; throws case_error.
  facts build() const { return schema_.bind(doc_.is_null() ? nlohmann::ordered_json::object() : doc_); }

 private:
  case_schema schema_;
  nlohmann::ordered_json doc_;
};

}  // namespace divert
