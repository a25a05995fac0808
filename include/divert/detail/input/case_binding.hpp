#pragma once
// Validates a case against its schema and binds it into fact slots, in one pass. Every problem
// is reported with its JSON pointer; a case with errors is never decided. An absent fact (or
// an explicit null) is unknown. A number may be a range {"min": a, "max": b}.
//
// The binder reads the case through a small "JSON reader" interface, so that one copy of the
// validation logic serves every source of JSON: an nlohmann document (nlohmann_reader, below:
// facts::rebind, policy::bind) and simdjson's on-demand parser (divert/simdjson_binding.hpp:
// divert batch). The binder reads each value once, fields in document order, and never looks
// back, so a forward-only reader fits: `required` is checked by tracking the keys seen, and an
// array's length limit by counting while iterating.
//
// A reader R, with a value handle V (passed as V&), provides:
//   json_type type(V&)                          what the value is
//   bool get_bool(V&)                            type() was boolean
//   double get_number(V&)                        type() was number (as nlohmann's get<double>())
//   std::string_view get_string(V&)              type() was string; valid until the bind ends
//   std::string describe(V&)                     what json_kind() says of an nlohmann value:
//                                                "null", "true", "the string \"x\"", "the number 1.5",
//                                                "an array", "an object" (not after a get_*)
//   template <class F> void for_each_field(V&, F)  F(std::string_view key, V& value), document order;
//                                                F returns the key's index among the object's
//                                                schema properties, or unknown_key (a reader that
//                                                must find keys given twice itself, as simdjson's
//                                                does, tells known keys apart by it)
//   template <class F> void for_each_item(V&, F)   F(V& item), in order
// A reader may throw from any of these (simdjson's reader does, on malformed text); the binder
// holds no resources that need unwinding.

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "divert/detail/bytes.hpp"
#include "divert/detail/check/schema.hpp"
#include "divert/detail/check/suggest.hpp"
#include "divert/detail/eval/arena.hpp"
#include "divert/detail/eval/dates.hpp"
#include "divert/detail/eval/js_semantics.hpp"
#include "divert/detail/eval/value.hpp"
#include "divert/detail/input/json_pointer.hpp"
#include "divert/error.hpp"
#include "divert/limits.hpp"

namespace divert::detail {

enum class json_type : std::uint8_t { null, boolean, number, string, array, object };

// How a value is named in messages: "the string \"canabis\"", "the number 1.5", "an array".
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

// json_kind of a string value, from its text.
// Bytes that are not UTF-8 (a CSV cell is not checked) are shown as U+FFFD: messages stay UTF-8.
inline std::string string_kind(std::string_view s) {
  return "the string " + nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// What a for_each_field callback returns for a key that is not a property of the object's schema
// (what schema_node::property_index returns for it).
constexpr std::size_t unknown_key = schema_node::no_property;

// ---- the nlohmann reader --------------------------------------------------------------------

template <class Json>
class nlohmann_reader {
 public:
  struct value_type {
    const Json* j;
  };

  static json_type type(value_type& v) {
    switch (v.j->type()) {
      case nlohmann::json::value_t::null: return json_type::null;
      case nlohmann::json::value_t::boolean: return json_type::boolean;
      case nlohmann::json::value_t::string: return json_type::string;
      case nlohmann::json::value_t::array: return json_type::array;
      case nlohmann::json::value_t::object: return json_type::object;
      default: return json_type::number;  // integer, unsigned, float (discarded/binary never come from a parse)
    }
  }
  static bool get_bool(value_type& v) { return v.j->template get<bool>(); }
  static double get_number(value_type& v) { return v.j->template get<double>(); }
  static std::string_view get_string(value_type& v) { return v.j->template get_ref<const std::string&>(); }
  static std::string describe(value_type& v) { return json_kind(*v.j); }
  template <class F>
  static void for_each_field(value_type& v, F&& f) {
    for (auto it = v.j->begin(); it != v.j->end(); ++it) {
      value_type child{&it.value()};
      f(std::string_view(it.key()), child);
    }
  }
  template <class F>
  static void for_each_item(value_type& v, F&& f) {
    for (const auto& x : *v.j) {
      value_type child{&x};
      f(child);
    }
  }
};

// ---- the binder -----------------------------------------------------------------------------

// Where the binder is, as a chain on the stack; made into a JSON pointer only for a message,
// so that binding a valid case builds no strings.
struct bind_path {
  const bind_path* parent = nullptr;
  std::string_view key;
  std::size_t index = 0;
  bool is_index = false;

  std::string pointer() const {
    std::string p = parent ? parent->pointer() : std::string();
    return is_index ? pointer_child(p, index) : pointer_child(p, key);
  }
};
inline std::string pointer_of(const bind_path* p) { return p ? p->pointer() : std::string(); }

template <class Reader>
class basic_case_binder {
 public:
  using V = typename Reader::value_type;

  basic_case_binder(Reader& reader, const schema_model& schema, const limits& lim, std::vector<diagnostic>& diags,
                    std::string file)
      : r_(reader), schema_(schema), lim_(lim), diags_(diags), file_(std::move(file)) {}

  // Fills `slots` (one per schema slot); returns false when the case has errors.
  bool bind(V& root, arena& storage, std::vector<value>& slots) {
    storage_ = &storage;
    slots_ = &slots;
    slots.assign(schema_.slots.size(), value::unknown());
    std::size_t errors_before = count_errors();
    if (r_.type(root) != json_type::object) {
      error(nullptr, "a case is a JSON object, not " + r_.describe(root));
      return false;
    }
    bind_object(*schema_.root, root, nullptr, 0);
    return count_errors() == errors_before;
  }

 private:
  // Which of an object's required keys were seen (by position in node.required).
  class seen_keys {
   public:
    explicit seen_keys(const schema_node& node) : node_(node) {
      if (node.required.size() > 64) many_.assign(node.required.size(), false);
    }
    void saw(std::string_view key) {
      for (std::size_t i = 0; i < node_.required.size(); ++i)
        if (same_text(node_.required[i], key)) {
          if (many_.empty())
            bits_ |= std::uint64_t{1} << i;
          else
            many_[i] = true;
        }
    }
    bool has(std::size_t i) const { return many_.empty() ? ((bits_ >> i) & 1u) != 0 : many_[i]; }

   private:
    const schema_node& node_;
    std::uint64_t bits_ = 0;
    std::vector<bool> many_;
  };

  std::size_t count_errors() const {
    std::size_t n = 0;
    for (const auto& d : diags_) n += d.level == severity::error;
    return n;
  }
  void error(const bind_path* at, std::string message, const char* id = "case-invalid") {
    diags_.push_back({severity::error, id, file_, pointer_of(at), 0, 0, std::move(message)});
  }
  void warning(const bind_path* at, std::string message) {
    diags_.push_back({severity::warning, "unknown-fact", file_, pointer_of(at), 0, 0, std::move(message)});
  }
  void warn_unknown_key(const schema_node& obj, std::string_view key, const bind_path* ptr) {
    std::string k(key);
    warning(ptr,
            "\"" + k + "\" is not a fact of the case schema and is ignored" + did_you_mean(k, obj.property_names()));
  }
  void missing_required(const schema_node& node, const seen_keys& seen, const bind_path* pointer) {
    for (std::size_t i = 0; i < node.required.size(); ++i)
      if (!seen.has(i)) error(pointer, "missing required fact \"" + node.required[i] + "\"");
  }

  void bind_object(const schema_node& node, V& j, const bind_path* pointer, std::size_t depth) {
    seen_keys seen(node);
    r_.for_each_field(j, [&](std::string_view key, V& v) {
      if (!node.required.empty()) seen.saw(key);
      const std::size_t index = node.property_index(key);
      bind_path here{pointer, key};
      const bind_path* ptr = &here;
      if (index == unknown_key) {
        warn_unknown_key(node, key, ptr);
        return unknown_key;
      }
      bind_property(*node.properties[index], v, ptr, depth + 1);
      return index;
    });
    missing_required(node, seen, pointer);
  }

  void bind_property(const schema_node& p, V& v, const bind_path* ptr, std::size_t depth) {
    json_type t = r_.type(v);
    if (t == json_type::null) return;  // unknown
    if (depth > lim_.max_depth) {
      error(ptr, "nesting deeper than " + std::to_string(lim_.max_depth) + " levels", "depth-limit");
      return;
    }
    switch (p.type) {
      case fact_type::object:
        if (t != json_type::object) {
          error(ptr, "expected an object, got " + r_.describe(v));
          return;
        }
        bind_object(p, v, ptr, depth);
        return;
      case fact_type::array: (*slots_)[static_cast<std::size_t>(p.slot)] = bind_array(p, v, t, ptr, depth); return;
      default: (*slots_)[static_cast<std::size_t>(p.slot)] = scalar(p, v, t, ptr); return;
    }
  }

  value bind_array(const schema_node& arr, V& v, json_type t, const bind_path* ptr, std::size_t depth) {
    if (t != json_type::array) {
      error(ptr, "expected an array, got " + r_.describe(v));
      return value::unknown();
    }
    const schema_node& item = *arr.items;
    // The length is known only at the end: items go to an arena buffer that doubles when full
    // (the old one is left in the arena, which is reset with the case).
    std::size_t capacity = 8, n = 0;
    value* items = storage_->allocate_array<value>(capacity);
    // Past the length limit nothing more is bound and what the items said is withdrawn: the
    // array is reported for its length alone, as a reader that knows the length up front would.
    std::size_t diags_before = diags_.size();
    bool too_long = false;
    r_.for_each_item(v, [&](V& x) {
      std::size_t i = n++;
      if (too_long) return;
      if (n > lim_.max_array_length) {
        too_long = true;
        diags_.resize(diags_before);
        return;
      }
      if (i == capacity) {
        value* bigger = storage_->allocate_array<value>(capacity * 2);
        for (std::size_t k = 0; k < i; ++k) bigger[k] = items[k];
        items = bigger;
        capacity *= 2;
      }
      bind_path item_path{ptr, {}, i, true};
      const bind_path* ip = &item_path;
      json_type xt = r_.type(x);
      if (item.type == fact_type::object) {
        member* ms = storage_->allocate_array<member>(arr.fields.size());
        for (std::size_t f = 0; f < arr.fields.size(); ++f) {
          const schema_node* field = arr.fields[f];
          ms[f] =
              member{field->path.c_str(), static_cast<std::uint32_t>(field->path.size()), no_symbol, value::unknown()};
        }
        if (xt != json_type::object) {
          error(ip, "expected an object, got " + r_.describe(x));
        } else {
          bind_item_object(item, x, ip, ms, depth + 1);
        }
        items[i] = value::object(ms, static_cast<std::uint32_t>(arr.fields.size()));
      } else {
        items[i] = xt == json_type::null ? value::unknown() : scalar(item, x, xt, ip);
      }
    });
    if (too_long) {
      error(ptr,
            "array of " + std::to_string(n) + " items is longer than the limit of " +
                std::to_string(lim_.max_array_length),
            "size-limit");
      return value::unknown();
    }
    return value::array(items, static_cast<std::uint32_t>(n));
  }

  void bind_item_object(const schema_node& obj, V& x, const bind_path* ptr, member* ms, std::size_t depth) {
    if (depth > lim_.max_depth) {
      error(ptr, "nesting deeper than " + std::to_string(lim_.max_depth) + " levels", "depth-limit");
      return;
    }
    seen_keys seen(obj);
    r_.for_each_field(x, [&](std::string_view key, V& v) {
      if (!obj.required.empty()) seen.saw(key);
      const std::size_t index = obj.property_index(key);
      bind_path here{ptr, key};
      const bind_path* fp = &here;
      if (index == unknown_key) {
        warn_unknown_key(obj, key, fp);
        return unknown_key;
      }
      const schema_node* p = obj.properties[index].get();
      json_type t = r_.type(v);
      if (t == json_type::null) return index;
      if (p->type == fact_type::object) {
        if (t != json_type::object)
          error(fp, "expected an object, got " + r_.describe(v));
        else
          bind_item_object(*p, v, fp, ms, depth + 1);
        return index;
      }
      ms[p->field].v = scalar(*p, v, t, fp);
      return index;
    });
    missing_required(obj, seen, ptr);
  }

  value scalar(const schema_node& p, V& v, json_type t, const bind_path* ptr) {
    switch (p.type) {
      case fact_type::boolean:
        if (t == json_type::boolean) return value::boolean(r_.get_bool(v));
        error(ptr, "expected true or false, got " + r_.describe(v));
        return value::unknown();
      case fact_type::integer:
      case fact_type::number: return number(p, v, t, ptr);
      case fact_type::date: {
        if (t == json_type::string) {
          std::string_view s = r_.get_string(v);
          auto d = dates::parse(s);
          if (d) return value::date(static_cast<double>(*d));
          error(ptr, "expected a date (YYYY-MM-DD), got " + string_kind(s));
          return value::unknown();
        }
        error(ptr, "expected a date (YYYY-MM-DD), got " + r_.describe(v));
        return value::unknown();
      }
      case fact_type::string: {
        if (t != json_type::string) {
          error(ptr, "expected a string, got " + r_.describe(v));
          return value::unknown();
        }
        std::string_view s = r_.get_string(v);
        if (s.size() > lim_.max_string_length) {
          error(ptr,
                "string of " + std::to_string(s.size()) + " bytes is longer than the limit of " +
                    std::to_string(lim_.max_string_length),
                "size-limit");
          return value::unknown();
        }
        std::uint16_t id = schema_.symbols.find(s);
        if (id != no_symbol) return schema_.symbols.string_value(id);
        return value::string(storage_->copy_string(s), static_cast<std::uint32_t>(s.size()));
      }
      case fact_type::enumeration: {
        if (t == json_type::string) {
          std::string_view s = r_.get_string(v);
          for (std::size_t i = 0; i < p.enum_values.size(); ++i)
            if (same_text(p.enum_values[i], s)) return schema_.symbols.string_value(p.enum_syms[i]);
          std::string text(s);
          std::string hint = did_you_mean(text, p.enum_values);
          if (hint.empty() && p.enum_values.size() <= 12) {
            std::string all;
            for (const auto& e : p.enum_values) all += (all.empty() ? "" : ", ") + e;
            hint = " (one of: " + all + ")";
          }
          error(ptr, "\"" + text + "\" is not a known value" + hint);
          return value::unknown();
        }
        error(ptr, "expected one of the listed values, got " + r_.describe(v));
        return value::unknown();
      }
      default: return value::unknown();
    }
  }

  bool check_number(const schema_node& p, double x, const bind_path* where) {
    bool integer = p.type == fact_type::integer;
    if (!std::isfinite(x)) {
      error(where, "not a finite number");
      return false;
    }
    if (integer && std::floor(x) != x) {
      error(where, "expected a whole number, got " + js::number_to_string(x));
      return false;
    }
    if (p.minimum && x < *p.minimum) {
      error(where, js::number_to_string(x) + " is below the minimum of " + js::number_to_string(*p.minimum));
      return false;
    }
    if (p.maximum && x > *p.maximum) {
      error(where, js::number_to_string(x) + " is above the maximum of " + js::number_to_string(*p.maximum));
      return false;
    }
    return true;
  }

  value number(const schema_node& p, V& v, json_type t, const bind_path* ptr) {
    bool integer = p.type == fact_type::integer;
    if (t == json_type::number) {
      double x = r_.get_number(v);
      return check_number(p, x, ptr) ? value::number(x) : value::unknown();
    }
    if (t == json_type::object) {
      // A range {"min": a, "max": b}: exactly these two keys, both numbers.
      std::size_t fields = 0;
      bool has_lo = false, has_hi = false;
      double lo = 0, hi = 0;
      r_.for_each_field(v, [&](std::string_view key, V& x) {
        ++fields;
        if (key == "min" && r_.type(x) == json_type::number) {
          lo = r_.get_number(x);
          has_lo = true;
        } else if (key == "max" && r_.type(x) == json_type::number) {
          hi = r_.get_number(x);
          has_hi = true;
        }
        return unknown_key;  // not schema properties: the reader compares these keys itself
      });
      // An open end takes the schema's bound: "over 34" is {"min": 35}.
      bool one_open = fields == 1 && (has_lo || has_hi);
      if (one_open && ((has_lo && !p.maximum) || (has_hi && !p.minimum))) {
        error(ptr, std::string("a range needs both \"min\" and \"max\" (this fact has no schema ") +
                       (has_lo ? "maximum" : "minimum") + " to stand in for the missing one)");
        return value::unknown();
      }
      if (one_open) {
        if (!has_lo) lo = *p.minimum;
        if (!has_hi) hi = *p.maximum;
      }
      if ((fields == 2 && has_lo && has_hi) || one_open) {
        bind_path min_path{ptr, "min"}, max_path{ptr, "max"};
        bool ok = check_number(p, lo, &min_path);
        ok = check_number(p, hi, &max_path) && ok;
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
                     " (or a range {\"min\": a, \"max\": b}), got an object");
      return value::unknown();
    }
    error(ptr, std::string("expected ") + (integer ? "a whole number" : "a number") +
                   " (or a range {\"min\": a, \"max\": b}), got " + r_.describe(v));
    return value::unknown();
  }

  Reader& r_;
  const schema_model& schema_;
  const limits& lim_;
  std::vector<diagnostic>& diags_;
  std::string file_;
  arena* storage_ = nullptr;
  std::vector<value>* slots_ = nullptr;
};

// The binder over an nlohmann document (json or ordered_json): what facts::rebind uses.
class case_binder {
 public:
  case_binder(const schema_model& schema, const limits& lim, std::vector<diagnostic>& diags, std::string file)
      : schema_(schema), lim_(lim), diags_(diags), file_(std::move(file)) {}

  template <class Json>
  bool bind(const Json& j, arena& storage, std::vector<value>& slots) {
    nlohmann_reader<Json> reader;
    typename nlohmann_reader<Json>::value_type root{&j};
    basic_case_binder<nlohmann_reader<Json>> b(reader, schema_, lim_, diags_, file_);
    return b.bind(root, storage, slots);
  }

 private:
  const schema_model& schema_;
  const limits& lim_;
  std::vector<diagnostic>& diags_;
  std::string file_;
};

}  // namespace divert::detail
