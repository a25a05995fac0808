#pragma once
// Validates a case against its schema and binds it into fact slots, in one pass. Every problem
// is reported with its JSON pointer; a case with errors is never decided. An absent fact (or
// an explicit null) is unknown. A number may be a range {"min": a, "max": b}.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "divert/detail/check/schema.hpp"
#include "divert/detail/check/suggest.hpp"
#include "divert/detail/eval/arena.hpp"
#include "divert/detail/eval/dates.hpp"
#include "divert/detail/eval/value.hpp"
#include "divert/error.hpp"
#include "divert/limits.hpp"

namespace divert::detail {

template <class Json>
std::string json_kind(const Json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return j.template get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::string: return "the string " + j.dump();
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::object: return "an object";
    default: return "the number " + j.dump();
  }
}

class case_binder {
 public:
  case_binder(const schema_model& schema, const limits& lim, std::vector<diagnostic>& diags, std::string file)
      : schema_(schema), lim_(lim), diags_(diags), file_(std::move(file)) {}

  // Fills `slots` (one per schema slot); returns false when the case has errors.
  template <class Json>
  bool bind(const Json& j, arena& storage, std::vector<value>& slots) {
    storage_ = &storage;
    slots_ = &slots;
    slots.assign(schema_.slots.size(), value::unknown());
    std::size_t errors_before = count_errors();
    if (!j.is_object()) {
      error("", "a case is a JSON object, not " + json_kind(j));
      return false;
    }
    bind_object(*schema_.root, j, "", 0);
    return count_errors() == errors_before;
  }

 private:
  std::size_t count_errors() const {
    std::size_t n = 0;
    for (const auto& d : diags_) n += d.level == severity::error;
    return n;
  }
  void error(const std::string& pointer, std::string message) {
    diags_.push_back({severity::error, "case-invalid", file_, pointer, 0, 0, std::move(message)});
  }
  void warning(const std::string& pointer, std::string message) {
    diags_.push_back({severity::warning, "unknown-fact", file_, pointer, 0, 0, std::move(message)});
  }

  template <class Json>
  void bind_object(const schema_node& node, const Json& j, const std::string& pointer, std::size_t depth) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const schema_node* p = node.property(it.key());
      std::string ptr = pointer_child(pointer, it.key());
      if (!p) {
        warning(ptr, "\"" + it.key() + "\" is not a fact of the case schema and is ignored" +
                         did_you_mean(it.key(), node.property_names()));
        continue;
      }
      bind_property(*p, it.value(), ptr, depth + 1);
    }
    for (const auto& r : node.required)
      if (!j.contains(r)) error(pointer, "missing required fact \"" + r + "\"");
  }

  template <class Json>
  void bind_property(const schema_node& p, const Json& v, const std::string& ptr, std::size_t depth) {
    if (v.is_null()) return;  // unknown
    if (depth > lim_.max_depth) {
      error(ptr, "nesting deeper than " + std::to_string(lim_.max_depth) + " levels");
      return;
    }
    switch (p.type) {
      case fact_type::object:
        if (!v.is_object()) {
          error(ptr, "expected an object, got " + json_kind(v));
          return;
        }
        bind_object(p, v, ptr, depth);
        return;
      case fact_type::array: (*slots_)[static_cast<std::size_t>(p.slot)] = bind_array(p, v, ptr, depth); return;
      default: (*slots_)[static_cast<std::size_t>(p.slot)] = scalar(p, v, ptr); return;
    }
  }

  template <class Json>
  value bind_array(const schema_node& arr, const Json& v, const std::string& ptr, std::size_t depth) {
    if (!v.is_array()) {
      error(ptr, "expected an array, got " + json_kind(v));
      return value::unknown();
    }
    if (v.size() > lim_.max_array_length) {
      error(ptr, "array of " + std::to_string(v.size()) + " items is longer than the limit of " +
                     std::to_string(lim_.max_array_length));
      return value::unknown();
    }
    const schema_node& item = *arr.items;
    value* items = storage_->allocate_array<value>(v.size());
    std::size_t i = 0;
    for (const auto& x : v) {
      std::string ip = pointer_child(ptr, i);
      if (item.type == fact_type::object) {
        member* ms = storage_->allocate_array<member>(arr.fields.size());
        for (std::size_t f = 0; f < arr.fields.size(); ++f) {
          const schema_node* field = arr.fields[f];
          ms[f] = member{field->path.c_str(), static_cast<std::uint32_t>(field->path.size()), no_symbol, value::unknown()};
        }
        if (!x.is_object()) {
          error(ip, "expected an object, got " + json_kind(x));
        } else {
          bind_item_object(item, x, ip, ms, depth + 1);
        }
        items[i] = value::object(ms, static_cast<std::uint32_t>(arr.fields.size()));
      } else {
        items[i] = x.is_null() ? value::unknown() : scalar(item, x, ip);
      }
      ++i;
    }
    return value::array(items, static_cast<std::uint32_t>(v.size()));
  }

  template <class Json>
  void bind_item_object(const schema_node& obj, const Json& x, const std::string& ptr, member* ms, std::size_t depth) {
    if (depth > lim_.max_depth) {
      error(ptr, "nesting deeper than " + std::to_string(lim_.max_depth) + " levels");
      return;
    }
    for (auto it = x.begin(); it != x.end(); ++it) {
      const schema_node* p = obj.property(it.key());
      std::string fp = pointer_child(ptr, it.key());
      if (!p) {
        warning(fp, "\"" + it.key() + "\" is not a fact of the case schema and is ignored" +
                        did_you_mean(it.key(), obj.property_names()));
        continue;
      }
      if (it.value().is_null()) continue;
      if (p->type == fact_type::object) {
        if (!it.value().is_object())
          error(fp, "expected an object, got " + json_kind(it.value()));
        else
          bind_item_object(*p, it.value(), fp, ms, depth + 1);
        continue;
      }
      ms[p->field].v = scalar(*p, it.value(), fp);
    }
    for (const auto& r : obj.required)
      if (!x.contains(r)) error(ptr, "missing required fact \"" + r + "\"");
  }

  template <class Json>
  value scalar(const schema_node& p, const Json& v, const std::string& ptr) {
    switch (p.type) {
      case fact_type::boolean:
        if (v.is_boolean()) return value::boolean(v.template get<bool>());
        error(ptr, "expected true or false, got " + json_kind(v));
        return value::unknown();
      case fact_type::integer:
      case fact_type::number: return number(p, v, ptr);
      case fact_type::date: {
        if (v.is_string()) {
          auto d = dates::parse(v.template get_ref<const std::string&>());
          if (d) return value::date(static_cast<double>(*d));
        }
        error(ptr, "expected a date (YYYY-MM-DD), got " + json_kind(v));
        return value::unknown();
      }
      case fact_type::string: {
        if (!v.is_string()) {
          error(ptr, "expected a string, got " + json_kind(v));
          return value::unknown();
        }
        const std::string& s = v.template get_ref<const std::string&>();
        if (s.size() > lim_.max_string_length) {
          error(ptr, "string of " + std::to_string(s.size()) + " bytes is longer than the limit of " +
                         std::to_string(lim_.max_string_length));
          return value::unknown();
        }
        std::uint16_t id = schema_.symbols.find(s);
        if (id != no_symbol) return schema_.symbols.string_value(id);
        return value::string(storage_->copy_string(s), static_cast<std::uint32_t>(s.size()));
      }
      case fact_type::enumeration: {
        if (v.is_string()) {
          const std::string& s = v.template get_ref<const std::string&>();
          if (p.has_enum_value(s)) return schema_.symbols.string_value(schema_.symbols.find(s));
          std::string hint = did_you_mean(s, p.enum_values);
          if (hint.empty() && p.enum_values.size() <= 12) {
            std::string all;
            for (const auto& e : p.enum_values) all += (all.empty() ? "" : ", ") + e;
            hint = " (one of: " + all + ")";
          }
          error(ptr, "\"" + s + "\" is not a known value" + hint);
          return value::unknown();
        }
        error(ptr, "expected one of the listed values, got " + json_kind(v));
        return value::unknown();
      }
      default: return value::unknown();
    }
  }

  template <class Json>
  value number(const schema_node& p, const Json& v, const std::string& ptr) {
    bool integer = p.type == fact_type::integer;
    auto check = [&](double x, const std::string& where) {
      if (!std::isfinite(x)) {
        error(where, "not a finite number");
        return false;
      }
      if (integer && std::floor(x) != x) {
        error(where, "expected a whole number, got " + nlohmann::json(x).dump());
        return false;
      }
      if (p.minimum && x < *p.minimum) {
        error(where, nlohmann::json(x).dump() + " is below the minimum of " + nlohmann::json(*p.minimum).dump());
        return false;
      }
      if (p.maximum && x > *p.maximum) {
        error(where, nlohmann::json(x).dump() + " is above the maximum of " + nlohmann::json(*p.maximum).dump());
        return false;
      }
      return true;
    };
    if (v.is_number()) {
      double x = v.template get<double>();
      return check(x, ptr) ? value::number(x) : value::unknown();
    }
    if (v.is_object() && v.size() == 2 && v.contains("min") && v.contains("max") && v["min"].is_number() &&
        v["max"].is_number()) {
      double lo = v["min"].template get<double>(), hi = v["max"].template get<double>();
      bool ok = check(lo, pointer_child(ptr, "min"));
      ok = check(hi, pointer_child(ptr, "max")) && ok;
      if (!ok) return value::unknown();
      if (hi < lo) {
        error(ptr, "the range's max is below its min");
        return value::unknown();
      }
      if (lo == hi) return value::number(lo);
      if (!value::fits_range(lo) || !value::fits_range(hi)) {
        error(ptr, "range bounds must be numbers with at most 7 significant digits");
        return value::unknown();
      }
      return value::range(lo, hi);
    }
    error(ptr, std::string("expected ") + (integer ? "a whole number" : "a number") +
                   " (or a range {\"min\": a, \"max\": b}), got " + json_kind(v));
    return value::unknown();
  }

  const schema_model& schema_;
  const limits& lim_;
  std::vector<diagnostic>& diags_;
  std::string file_;
  arena* storage_ = nullptr;
  std::vector<value>* slots_ = nullptr;
};

}  // namespace divert::detail
