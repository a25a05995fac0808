#pragma once
// Turning JSON into values that live in an arena, with strings and keys interned or looked up.
// Used for a program's constants (interned) and for binding case data (looked up only).

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "divert/detail/eval/arena.hpp"
#include "divert/detail/eval/value.hpp"
#include "divert/detail/input/json_pointer.hpp"
#include "divert/detail/plan/symbols.hpp"
#include "divert/error.hpp"
#include "divert/limits.hpp"

namespace divert::detail {

// How a converted string finds its symbol.
enum class string_mode {
  intern,  // add it to the table (program constants)
  lookup,  // find it if present; mark it looked_up (case data bound for one program)
  plain,   // leave it alone (computed values)
};

// A string of bound data: the symbol's own value when the program knows the string, else a copy
// in `storage` marked looked_up (it can then equal no interned string; see same_string).
inline value looked_up_string(const symbol_table& syms, arena& storage, std::string_view s) {
  const std::uint16_t id = syms.find(s);
  if (id != no_symbol) return syms.string_value(id);
  value v = value::string(storage.copy_string(s), static_cast<std::uint32_t>(s.size()));
  v.flags = looked_up;
  return v;
}

class json_to_value {
 public:
  // Interning: strings and keys are added to `syms`.
  json_to_value(symbol_table& syms, arena& storage, const limits* lim = nullptr)
      : syms_(syms), interner_(&syms), storage_(storage), mode_(string_mode::intern), lim_(lim) {}
  // Looking up (or leaving plain): `syms` is only read.
  json_to_value(const symbol_table& syms, arena& storage, string_mode mode, const limits* lim = nullptr)
      : syms_(syms), storage_(storage), mode_(mode == string_mode::intern ? string_mode::lookup : mode), lim_(lim) {}

  // Throws limit_error, with the JSON pointer of the first value past a limit, when limits were
  // given.
  template <class Json>
  value convert(const Json& j) {
    if (!lim_) return convert_at(j, 0);
    try {
      return convert_at(j, 0);
    } catch (limit_error& e) {
      std::string pointer;
      if (locate_over_limit(j, *lim_, pointer)) {
        diagnostic d = e.diagnostics().front();
        d.pointer = pointer;
        throw limit_error(std::vector<diagnostic>{d});
      }
      throw;
    }
  }

  // The pointer of the first value (depth first, in document order: where convert stops) that is
  // nested too deep, or an array or string too long.
  template <class Json>
  static bool locate_over_limit(const Json& j, const limits& lim, std::string& pointer, std::size_t depth = 0) {
    if (depth > lim.max_depth) return true;
    if (j.is_string()) return j.template get_ref<const std::string&>().size() > lim.max_string_length;
    if (j.is_array()) {
      if (j.size() > lim.max_array_length) return true;
      for (std::size_t i = 0; i < j.size(); ++i) {
        std::string p = pointer_child(pointer, i);
        if (locate_over_limit(j[i], lim, p, depth + 1)) return pointer = p, true;
      }
      return false;
    }
    if (j.is_object()) {
      for (auto it = j.begin(); it != j.end(); ++it) {
        std::string p = pointer_child(pointer, it.key());
        if (it.key().size() > lim.max_string_length) return pointer = p, true;
        if (locate_over_limit(it.value(), lim, p, depth + 1)) return pointer = p, true;
      }
    }
    return false;
  }

 private:
  template <class Json>
  value convert_at(const Json& j, std::size_t depth) {
    if (lim_ && depth > lim_->max_depth)
      throw limit_error("depth-limit", "nesting deeper than " + std::to_string(lim_->max_depth) + " levels");
    switch (j.type()) {
      case nlohmann::json::value_t::null: return value::null();
      case nlohmann::json::value_t::boolean: return value::boolean(j.template get<bool>());
      case nlohmann::json::value_t::number_integer:
        return value::number(static_cast<double>(j.template get<std::int64_t>()));
      case nlohmann::json::value_t::number_unsigned:
        return value::number(static_cast<double>(j.template get<std::uint64_t>()));
      case nlohmann::json::value_t::number_float: return value::number(j.template get<double>());
      case nlohmann::json::value_t::string: return string(j.template get_ref<const std::string&>());
      case nlohmann::json::value_t::array: {
        if (lim_ && j.size() > lim_->max_array_length)
          throw limit_error("size-limit", "array of " + std::to_string(j.size()) +
                                              " items is longer than the limit of " +
                                              std::to_string(lim_->max_array_length));
        value* items = storage_.allocate_array<value>(j.size());
        std::size_t i = 0;
        for (const auto& item : j) items[i++] = convert_at(item, depth + 1);
        return value::array(items, static_cast<std::uint32_t>(j.size()));
      }
      case nlohmann::json::value_t::object: {
        member* ms = storage_.allocate_array<member>(j.size());
        std::size_t i = 0;
        for (auto it = j.begin(); it != j.end(); ++it, ++i) {
          value k = string(it.key());
          ms[i].key = k.str;
          ms[i].key_len = k.n;
          ms[i].key_sym = k.sym;
          ms[i].v = convert_at(it.value(), depth + 1);
        }
        return value::object(ms, static_cast<std::uint32_t>(j.size()));
      }
      default: return value::null();  // binary and discarded values do not occur in parsed text
    }
  }

 public:
  value string(const std::string& s) {
    if (lim_ && s.size() > lim_->max_string_length)
      throw limit_error("size-limit", "string of " + std::to_string(s.size()) + " bytes is longer than the limit of " +
                                          std::to_string(lim_->max_string_length));
    switch (mode_) {
      case string_mode::intern: return syms_.string_value(interner_->intern(s));
      case string_mode::lookup: return looked_up_string(syms_, storage_, s);
      case string_mode::plain: break;
    }
    return value::string(storage_.copy_string(s), static_cast<std::uint32_t>(s.size()));
  }

 private:
  const symbol_table& syms_;
  symbol_table* interner_ = nullptr;
  arena& storage_;
  string_mode mode_;
  const limits* lim_;
};

// Value -> JSON, with JavaScript's JSON.stringify rules for numbers: NaN and the infinities
// become null, -0 becomes 0, and integral numbers print without a fraction.
template <class Json = nlohmann::ordered_json>
Json value_to_json(const value& v) {
  switch (v.k) {
    case kind::undefined:
    case kind::null:
    case kind::unknown: return Json();
    case kind::boolean: return Json(v.b);
    case kind::number: {
      double d = v.num;
      if (d != d || d == std::numeric_limits<double>::infinity() || d == -std::numeric_limits<double>::infinity())
        return Json();
      if (d == 0) return Json(0);
      if (d > -9007199254740992.0 && d < 9007199254740992.0 && d == static_cast<double>(static_cast<std::int64_t>(d)))
        return Json(static_cast<std::int64_t>(d));
      return Json(d);
    }
    case kind::string: return Json(std::string(v.str, v.n));
    case kind::array: {
      Json a = Json::array();
      for (std::uint32_t i = 0; i < v.n; ++i)
        a.push_back(v.items[i].k == kind::undefined ? Json() : value_to_json<Json>(v.items[i]));
      return a;
    }
    case kind::object: {
      Json o = Json::object();
      for (std::uint32_t i = 0; i < v.n; ++i) {
        if (v.members[i].v.k == kind::undefined) continue;  // JSON.stringify drops undefined members
        o[std::string(v.members[i].key, v.members[i].key_len)] = value_to_json<Json>(v.members[i].v);
      }
      return o;
    }
    case kind::range: {
      Json o = Json::object();
      o["min"] = value_to_json<Json>(value::number(v.bounds[0]));
      o["max"] = value_to_json<Json>(value::number(v.bounds[1]));
      return o;
    }
    case kind::date: return Json(v.num);  // callers that know the type render dates as ISO text
  }
  return Json();
}

}  // namespace divert::detail
