#pragma once
// Evaluation of the specification dialect's instructions (planned in spec_planner.hpp): the
// JsonLogic organisation's semantics, as json-logic-engine 5 runs them, and the extension
// operators both dialects share (val, exists, length, try, throw, ??).
//
// The engine's operators receive their arguments as one list. Written as an array, the list is
// the array's items, each evaluated; written as one operation ({"+": {"val": "xs"}}) it is that
// operation's value when that is an array, else the value alone (flags & spec_spread).
// Errors are eval_failure with a payload {"type": "NaN"}, {"type": "Invalid Arguments"}, ...

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "divert/detail/eval/evaluator.hpp"
#include "divert/detail/eval/js_semantics.hpp"

namespace divert::detail {

// instruction::flags of spec instructions
inline constexpr std::uint8_t spec_spread = 8;        // one kid whose value (an array) is the argument list
inline constexpr std::uint8_t spec_has_initial = 16;  // reduce: kid 2 is the initial value
inline constexpr std::uint8_t spec_const_left = 32;   // spec_compare_const: the constant is the left operand
inline constexpr std::uint8_t spec_static_keys = 64;  // missing(_some): keys split at compile time, paths from a

// instruction::a of spec_compare (instruction::c of spec_compare_const)
enum class spec_cmp : std::uint32_t { lt, le, gt, ge, eq, ne, strict_eq, strict_ne };

namespace spec {

// JavaScript's own truthiness (ToBoolean): arrays and objects are always true.
inline bool js_truthy(const value& v) noexcept {
  switch (v.k) {
    case kind::boolean: return v.b;
    case kind::number: return v.num != 0 && !std::isnan(v.num);
    case kind::string: return v.n != 0;
    case kind::array:
    case kind::object: return true;
    default: return false;
  }
}

inline bool string_or_null(const value& v) noexcept { return v.k == kind::string || v.k == kind::null; }

// An error payload {"type": text} in static storage (the key needs no symbol: error_type and
// the try operator read it by its bytes).
template <std::size_t N>
value static_error(const char (&text)[N]) {
  static const member m{"type", 4, no_symbol, value::string(text, N - 1)};
  return value::object(&m, 1);
}

[[noreturn]] inline void fail_nan() { throw eval_failure{static_error("NaN")}; }
[[noreturn]] inline void fail_invalid() { throw eval_failure{static_error("Invalid Arguments")}; }
[[noreturn]] inline void fail_depth() { throw eval_failure{static_error("Exceeded Allowed Depth")}; }

// The engine's precoerceNumber followed by unary +: arrays, objects and NaN are a NaN error;
// everything else converts as JavaScript's ToNumber (which may still give NaN, for the caller).
inline double coerce_number(const value& v) {
  if (v.k == kind::array || v.k == kind::object) fail_nan();
  if (v.k == kind::number && std::isnan(v.num)) fail_nan();
  return js::to_number(v);
}

// The engine's assertAllowedDepth with its default depth 0: a reduce's values may be arrays or
// objects, but not hold arrays or objects.
inline void check_flat(const value& v) {
  if (v.k == kind::array) {
    for (std::uint32_t i = 0; i < v.n; ++i)
      if (v.items[i].k == kind::array || v.items[i].k == kind::object) fail_depth();
  } else if (v.k == kind::object) {
    for (std::uint32_t i = 0; i < v.n; ++i)
      if (v.members[i].v.k == kind::array || v.members[i].v.k == kind::object) fail_depth();
  }
}

// The engine's splitPath: "." separates, "\." is a dot inside a key, "\\" a backslash; a path
// of dots only ("..") is that many empty keys.
inline std::vector<std::string> split_path(std::string_view s) {
  std::vector<std::string> parts;
  std::string current;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\') {
      char next = i + 1 < s.size() ? s[i + 1] : '\0';
      if (next == '.' || next == '/' || next == '\\') {
        current += next;
        ++i;
      } else {
        current += '\\';
      }
    } else if (c == '.') {
      parts.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (parts.size() != js::utf16_length(s)) parts.push_back(std::move(current));
  return parts;
}

// A property key: a string as it is, anything else as its string form (in scratch).
struct property_key {
  std::string_view text;
  std::uint16_t sym = no_symbol;
};

inline property_key key_of(const value& k, arena& scratch) {
  if (k.k == kind::string) return {k.sv(), k.sym};
  value s = js::to_string_value(k, scratch);
  return {s.sv(), no_symbol};
}

inline const member* find_member(const value& obj, const property_key& key) noexcept {
  for (std::uint32_t i = 0; i < obj.n; ++i) {
    const member& m = obj.members[i];
    // Keys carry the program's symbol when the program knows the string, so one with a symbol
    // equals exactly the members with that symbol.
    if (key.sym != no_symbol ? m.key_sym == key.sym : m.key_sv() == key.text) return &m;
  }
  return nullptr;
}

// obj[key] for JSON-like values (own properties; arrays and strings answer indexes and length).
inline value get_property(const value& obj, const property_key& key, arena& scratch) {
  switch (obj.k) {
    case kind::object: {
      const member* m = find_member(obj, key);
      return m ? m->v : value::undefined();
    }
    case kind::array:
    case kind::string: {
      path_segment seg;
      seg.index = js::array_index(key.text);
      seg.is_length = key.text == "length";
      return step_path(obj, seg, scratch);
    }
    default: return value::undefined();
  }
}

}  // namespace spec

// The spec instructions' evaluation, as a friend-free helper of the machine: it reaches the
// machine only through its public interface.
template <class Tracer>
class spec_machine {
 public:
  explicit spec_machine(machine<Tracer>& m) : m_(m), p_(m.prog()), scratch_(m.scratch()) {}

  value run(const instruction& ins, const scope& s);

 private:
  struct arg_list {
    const value* items;
    std::uint32_t n;
    value operator[](std::uint32_t i) const noexcept { return i < n ? items[i] : value::undefined(); }
  };

  value kid(const instruction& ins, std::uint32_t k, const scope& s) { return m_.eval(p_.kid(ins, k), s); }

  // The argument list of an eager operator; `buf` holds up to 8 values, longer lists go to scratch.
  arg_list gather(const instruction& ins, const scope& s, value (&buf)[8]) {
    if (ins.flags & spec_spread) {
      value v = kid(ins, 0, s);
      if (v.k == kind::array) return {v.items, v.n};
      buf[0] = v;
      return {buf, 1};
    }
    value* out = ins.count <= 8 ? buf : scratch_.allocate_array<value>(ins.count);
    for (std::uint32_t k = 0; k < ins.count; ++k) out[k] = kid(ins, k, s);
    return {out, ins.count};
  }

  value make_string(const std::string& str) {
    return value::string(scratch_.copy_string(str), static_cast<std::uint32_t>(str.size()));
  }

  value empty_array() { return value::array(scratch_.allocate_array<value>(0), 0); }

  // A JavaScript TypeError (what the engine throws where an operator meets a value it cannot
  // handle): its message is the error's type.
  [[noreturn]] void fail_type_error(const std::string& message) { throw eval_failure{make_string(message)}; }

  // `key in obj` for a value that is JavaScript-truthy; on a primitive JavaScript throws.
  bool has_property(const value& obj, const spec::property_key& key) {
    switch (obj.k) {
      case kind::object: return spec::find_member(obj, key) != nullptr;
      case kind::array: {
        long long index = js::array_index(key.text);
        return key.text == "length" || (index >= 0 && index < static_cast<long long>(obj.n));
      }
      default:
        fail_type_error("Cannot use 'in' operator to search for '" + std::string(key.text) + "' in " +
                        js::to_string(obj));
    }
  }

  value error_object(std::uint32_t type_sym, const value& type) {
    member* m = scratch_.allocate_array<member>(1);
    *m = member{"type", 4, static_cast<std::uint16_t>(type_sym), type};
    return value::object(m, 1);
  }

  // ---- scopes ----------------------------------------------------------------------------

  // above[0] of a scope, as the engine passes it to the scopes inside an iteration.
  value frame_value(const scope& f) {
    switch (f.frame) {
      case frame_kind::indexed: {
        std::uint16_t iterator_sym = p_.symbols.find("iterator"), index_sym = p_.symbols.find("index");
        member* ms = scratch_.allocate_array<member>(2);
        ms[0] = member{"iterator", 8, iterator_sym, f.iterable};
        ms[1] = member{"index", 5, index_sym, value::number(f.index)};
        return value::object(ms, 2);
      }
      case frame_kind::whole: return f.iterable;
      case frame_kind::error: return value::null();
      default: return value::undefined();
    }
  }

  // A scope's whole `above` array, [entry, data around it, the array of the scope around that].
  value above_array(const scope& f) {
    if (f.frame == frame_kind::root || !f.parent) return empty_array();
    value* items = scratch_.allocate_array<value>(3);
    items[0] = frame_value(f);
    items[1] = f.parent->data;
    items[2] = above_array(*f.parent);
    return value::array(items, 3);
  }

  // The value `levels` scopes up, as the engine's val walks its `above` array (unwrapping the
  // nested array once): 1 is the iteration's own entry ({"iterator", "index"}, or the array),
  // 2 the data around the iteration, 3 and 4 the same one iteration further out, 5 the rest of
  // the array as it stands; further is undefined.
  value climb(const scope& s, std::uint32_t levels) {
    if (levels == 0) return s.data;
    if (s.frame == frame_kind::root || !s.parent) return value::undefined();
    const scope& parent = *s.parent;
    bool parent_is_root = parent.frame == frame_kind::root || !parent.parent;
    switch (levels) {
      case 1: return frame_value(s);
      case 2: return parent.data;
      case 3: return parent_is_root ? value::undefined() : frame_value(parent);
      case 4: return parent_is_root ? value::undefined() : parent.parent->data;
      case 5: return parent_is_root ? value::undefined() : above_array(*parent.parent);
      default: return value::undefined();
    }
  }

  static std::uint32_t climb_levels(const value& spec) {
    double n = std::fabs(js::to_number(spec));
    if (std::isnan(n) || n <= 0) return 0;
    return n > 8 ? 9 : static_cast<std::uint32_t>(std::ceil(n));
  }

  // json-logic-engine's val (and exists, when `exists`): the input is the argument list, or
  // the one computed value. Returns undefined for "not found" when `exists`.
  value val_lookup(const value* args, std::uint32_t n, bool is_list, const scope& s, bool exists) {
    if (is_list && n == 1 && args[0].k != kind::array) {
      is_list = false;
    }
    if (!is_list) {
      const value& key_value = args[0];
      value context = s.data;
      spec::property_key key = spec::key_of(key_value, scratch_);
      if (exists && !(spec::js_truthy(context) && has_property(context, key))) return value::undefined();
      if (context.is_nullish()) return value::null();
      value r = spec::get_property(context, key, scratch_);
      return r.k == kind::undefined ? value::null() : r;
    }
    value result = s.data;
    std::uint32_t start = 0;
    if (n > 0 && args[0].k == kind::array && args[0].n == 1) {
      start = 1;
      result = climb(s, climb_levels(args[0].items[0]));
    }
    for (std::uint32_t i = start; i < n; ++i) {
      spec::property_key key = spec::key_of(args[i], scratch_);
      if (exists && !(spec::js_truthy(result) && has_property(result, key))) return value::undefined();
      if (result.is_nullish()) return value::null();
      result = spec::get_property(result, key, scratch_);
    }
    if (result.k == kind::undefined) return exists ? value::undefined() : value::null();
    return result;
  }

  value val(const instruction& ins, const scope& s, bool exists) {
    value buf[8];
    if (ins.flags & spec_spread) {
      value v = kid(ins, 0, s);
      if (v.k == kind::array) return val_lookup(v.items, v.n, true, s, exists);
      return val_lookup(&v, 1, false, s, exists);
    }
    arg_list a = gather(ins, s, buf);
    return val_lookup(a.items, a.n, true, s, exists);
  }

  value val_climb(const instruction& ins, const scope& s) {
    const var_path& path = p_.paths[ins.a];
    value v;
    std::uint32_t i = 0;
    // A map's or filter's own entry, {"iterator", "index"}, is read without building it.
    const scope* indexed = ins.b == 1 ? &s : ins.b == 3 ? s.parent : nullptr;
    if (indexed && indexed->frame == frame_kind::indexed && path.count > 0) {
      std::string_view first = p_.symbols.name(p_.segments[path.first].sym);
      v = first == "index"      ? value::number(indexed->index)
          : first == "iterator" ? indexed->iterable
                                : value::undefined();
      i = 1;
    } else {
      v = climb(s, ins.b);
    }
    for (; i < path.count; ++i) {
      if (v.is_nullish()) return value::null();
      v = step_path(v, p_.segments[path.first + i], scratch_);
    }
    return v.k == kind::undefined ? value::null() : v;
  }

  // The engine's var (legacy.js) with a computed path: [key, default] or key.
  value var(const instruction& ins, const scope& s) {
    value key, fallback;
    if (ins.flags & spec_spread) {
      value v = kid(ins, 0, s);
      if (v.k == kind::array) {
        key = v.n > 0 ? v.items[0] : value::undefined();
        fallback = v.n > 1 ? v.items[1] : value::undefined();
      } else {
        key = v;
      }
    } else {
      value buf[8];
      arg_list a = gather(ins, s, buf);
      key = a[0];
      fallback = a[1];
    }
    value not_found = fallback.k == kind::undefined ? value::null() : fallback;
    if (key.is_nullish() || (key.k == kind::string && key.n == 0)) return s.data;
    value context = s.data;
    for (const std::string& part : spec::split_path(js::to_string(key))) {
      if (context.is_nullish()) return not_found;
      context = spec::get_property(context, spec::property_key{part, p_.symbols.find(part)}, scratch_);
      if (context.k == kind::undefined) return not_found;
    }
    return context;
  }

  // ---- comparisons -------------------------------------------------------------------------

  bool compare_values(spec_cmp c, const value& a, const value& b) {
    switch (c) {
      case spec_cmp::lt: return js::lt(a, b, scratch_);
      case spec_cmp::le: return js::le(a, b, scratch_);
      case spec_cmp::gt: return js::gt(a, b, scratch_);
      case spec_cmp::ge: return js::ge(a, b, scratch_);
      case spec_cmp::eq: return js::loose_equals(a, b, scratch_);
      case spec_cmp::ne: return !js::loose_equals(a, b, scratch_);
      case spec_cmp::strict_eq: return js::strict_equals(a, b);
      default: return !js::strict_equals(a, b);
    }
  }

  static bool compare_numbers(spec_cmp c, double x, double y) noexcept {
    switch (c) {
      case spec_cmp::lt: return x < y;
      case spec_cmp::le: return x <= y;
      case spec_cmp::gt: return x > y;
      case spec_cmp::ge: return x >= y;
      case spec_cmp::eq:
      case spec_cmp::strict_eq: return x == y;
      default: return x != y;
    }
  }

  static bool is_strict(spec_cmp c) noexcept { return c == spec_cmp::strict_eq || c == spec_cmp::strict_ne; }

  // Two operands: strict equality as JavaScript's; strings and nulls among themselves as
  // JavaScript compares them; anything else as numbers, where a non-number is a NaN error.
  bool compare2(spec_cmp c, const value& a, const value& b) {
    if (is_strict(c) || (spec::string_or_null(a) && spec::string_or_null(b))) return compare_values(c, a, b);
    double x = spec::coerce_number(a);
    if (std::isnan(x)) spec::fail_nan();
    double y = spec::coerce_number(b);
    if (std::isnan(y) && a.k != kind::null) spec::fail_nan();
    return compare_numbers(c, x, y);
  }

  value compare(const instruction& ins, const scope& s) {
    auto c = static_cast<spec_cmp>(ins.a);
    if (ins.count == 2) {
      value a = kid(ins, 0, s);  // in order: the first error raised is the one reported
      value b = kid(ins, 1, s);
      return value::boolean(compare2(c, a, b));
    }
    // A chain: every adjacent pair must hold, operands evaluated only as far as needed. The
    // engine then also compares each pair as numbers, strict or not.
    value prev = kid(ins, 0, s);
    for (std::uint32_t k = 1; k < ins.count; ++k) {
      value cur = kid(ins, k, s);
      if (is_strict(c) || (spec::string_or_null(cur) && spec::string_or_null(prev)))
        if (!compare_values(c, prev, cur)) return value::boolean(false);
      double y = spec::coerce_number(cur);
      if (std::isnan(y) && prev.k != kind::null) spec::fail_nan();
      double x = spec::coerce_number(prev);
      if (k == 1 && std::isnan(x)) spec::fail_nan();
      if (!compare_numbers(c, x, y)) return value::boolean(false);
      prev = cur;
    }
    return value::boolean(true);
  }

  value operand(const instruction& ins, const scope& s) {
    if (ins.flags & operand_slot) {
      value v = m_.slots()[ins.a];
      return v.k == kind::undefined ? value::null() : v;
    }
    return kid(ins, 0, s);
  }

  // ---- arithmetic --------------------------------------------------------------------------

  value arithmetic(const instruction& ins, const scope& s) {
    value buf[8];
    arg_list a = gather(ins, s, buf);
    auto is_structured = [](const value& v) { return v.k == kind::array || v.k == kind::object; };
    switch (ins.op) {
      case opcode::spec_add: {
        double r = 0;
        for (std::uint32_t i = 0; i < a.n; ++i) {
          if (is_structured(a.items[i])) spec::fail_nan();
          r += js::to_number(a.items[i]);
        }
        if (std::isnan(r)) spec::fail_nan();
        return value::number(r);
      }
      case opcode::spec_mul: {
        double r = 1;
        for (std::uint32_t i = 0; i < a.n; ++i) {
          if (is_structured(a.items[i])) spec::fail_nan();
          r *= js::to_number(a.items[i]);
        }
        if (std::isnan(r)) spec::fail_nan();
        return value::number(r);
      }
      case opcode::spec_sub: {
        if (a.n > 0 && is_structured(a.items[0])) spec::fail_nan();
        if (a.n == 0) spec::fail_invalid();
        if (a.n == 1) return value::number(-js::to_number(a.items[0]));  // not checked for NaN, as the engine
        double r = js::to_number(a.items[0]);
        for (std::uint32_t i = 1; i < a.n; ++i) {
          if (is_structured(a.items[i])) spec::fail_nan();
          r -= js::to_number(a.items[i]);
        }
        if (std::isnan(r)) spec::fail_nan();
        return value::number(r);
      }
      case opcode::spec_div: {
        if (a.n > 0 && is_structured(a.items[0])) spec::fail_nan();
        if (a.n == 0) spec::fail_invalid();
        if (a.n == 1) {
          double x = js::to_number(a.items[0]);
          if (x == 0 || std::isnan(x)) spec::fail_nan();
          return value::number(1 / x);
        }
        double r = js::to_number(a.items[0]);
        for (std::uint32_t i = 1; i < a.n; ++i) {
          if (is_structured(a.items[i]) || !spec::js_truthy(a.items[i])) spec::fail_nan();
          r /= js::to_number(a.items[i]);
        }
        if (std::isnan(r) || r == js::inf) spec::fail_nan();
        return value::number(r);
      }
      case opcode::spec_mod: {
        if (a.n > 0 && is_structured(a.items[0])) spec::fail_nan();
        if (a.n < 2) spec::fail_invalid();
        double r = js::to_number(a.items[0]);
        for (std::uint32_t i = 1; i < a.n; ++i) {
          if (is_structured(a.items[i])) spec::fail_nan();
          r = std::fmod(r, js::to_number(a.items[i]));
        }
        if (std::isnan(r)) spec::fail_nan();
        return value::number(r);
      }
      default: {  // min, max: numbers only
        bool is_max = ins.op == opcode::spec_max;
        if (a.n == 0 || a.items[0].k != kind::number) spec::fail_invalid();
        double r = a.items[0].num;
        for (std::uint32_t i = 1; i < a.n; ++i) {
          if (a.items[i].k != kind::number) spec::fail_invalid();
          double x = a.items[i].num;
          if (is_max ? x > r : x < r) r = x;
        }
        return value::number(r);
      }
    }
  }

  // ---- strings and arrays -------------------------------------------------------------------

  value cat(const instruction& ins, const scope& s) {
    value buf[8];
    arg_list a = gather(ins, s, buf);
    std::string out;
    for (std::uint32_t i = 0; i < a.n; ++i)
      if (!a.items[i].is_nullish()) js::append_string(out, a.items[i]);
    return make_string(out);
  }

  value substr(const instruction& ins, const scope& s) {
    value buf[8];
    arg_list a = gather(ins, s, buf);
    value source = a[0], from = a[1], end = a[2];
    if (source.k != kind::string) fail_type_error("string.substr is not a function");
    double start = js::to_integer(from);
    if (end.k != kind::undefined && js::lt(end, value::number(0), scratch_)) {
      std::string rest = js::substr(source.sv(), start, nullptr);
      if (end.k != kind::number) return make_string("");  // rest.length + end concatenates: a NaN length
      double len = js::to_integer(value::number(static_cast<double>(js::utf16_length(rest)) + end.num));
      return make_string(js::substr(rest, 0, &len));
    }
    if (end.k == kind::undefined) return make_string(js::substr(source.sv(), start, nullptr));
    double len = js::to_integer(end);
    return make_string(js::substr(source.sv(), start, &len));
  }

  // (haystack || []).includes(needle)
  value in(const instruction& ins, const scope& s) {
    value buf[8];
    arg_list a = gather(ins, s, buf);
    value needle = a[0], hay = a[1];
    if (!spec::js_truthy(hay)) return value::boolean(false);
    if (hay.k == kind::array) {
      bool needle_nan = needle.k == kind::number && std::isnan(needle.num);
      for (std::uint32_t i = 0; i < hay.n; ++i) {
        const value& item = hay.items[i];
        if (js::strict_equals(needle, item) || (needle_nan && item.k == kind::number && std::isnan(item.num)))
          return value::boolean(true);
      }
      return value::boolean(false);
    }
    if (hay.k == kind::string) {
      value text = js::to_string_value(needle, scratch_);
      return value::boolean(hay.sv().find(text.sv()) != std::string_view::npos);
    }
    fail_type_error("(array || []).includes is not a function");
  }

  value merge(const instruction& ins, const scope& s) {
    value buf[8];
    arg_list a = gather(ins, s, buf);
    std::uint32_t total = 0;
    for (std::uint32_t i = 0; i < a.n; ++i) total += a.items[i].k == kind::array ? a.items[i].n : 1;
    value* items = scratch_.allocate_array<value>(total);
    std::uint32_t at = 0;
    for (std::uint32_t i = 0; i < a.n; ++i) {
      if (a.items[i].k == kind::array)
        for (std::uint32_t j = 0; j < a.items[i].n; ++j) items[at++] = a.items[i].items[j];
      else
        items[at++] = a.items[i];
    }
    return value::array(items, total);
  }

  value length(const instruction& ins, const scope& s) {
    value buf[8];
    arg_list a = gather(ins, s, buf);
    value v = a[0];
    switch (v.k) {
      case kind::string: return value::number(static_cast<double>(js::utf16_length(v.sv())));
      case kind::array:
      case kind::object: return value::number(v.n);
      default: spec::fail_invalid();
    }
  }

  // ---- data ----------------------------------------------------------------------------------

  // The keys (as written) not found in the data: a path whose step meets a JavaScript-falsy
  // value, or ends on undefined, is missing; null is present.
  value missing_of(const value* keys, std::uint32_t n, const scope& s) {
    value* out = scratch_.allocate_array<value>(n);
    std::uint32_t count = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
      value d = s.data;
      bool found = true;
      for (const std::string& part : spec::split_path(js::to_string(keys[i]))) {
        if (!spec::js_truthy(d)) {
          found = false;
          break;
        }
        d = spec::get_property(d, spec::property_key{part, p_.symbols.find(part)}, scratch_);
        if (d.k == kind::undefined) {
          found = false;
          break;
        }
      }
      if (!found) out[count++] = keys[i];
    }
    return value::array(out, count);
  }

  // The same over keys split at compile time (paths from `first`): no allocation, no hashing.
  value missing_of_paths(const value* keys, std::uint32_t n, std::uint32_t first, const scope& s) {
    value* out = scratch_.allocate_array<value>(n);
    std::uint32_t count = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
      const var_path& path = p_.paths[first + i];
      value d = s.data;
      bool found = true;
      for (std::uint32_t k = 0; k < path.count && found; ++k) {
        if (!spec::js_truthy(d)) {
          found = false;
        } else {
          d = step_path(d, p_.segments[path.first + k], scratch_);
          found = d.k != kind::undefined;
        }
      }
      if (!found) out[count++] = keys[i];
    }
    return value::array(out, count);
  }

  value missing(const instruction& ins, const scope& s) {
    value buf[8];
    arg_list a = gather(ins, s, buf);
    if (ins.flags & spec_static_keys) return missing_of_paths(a.items, a.n, ins.a, s);
    return missing_of(a.items, a.n, s);
  }

  value missing_some(const instruction& ins, const scope& s) {
    value buf[8];
    arg_list a = gather(ins, s, buf);
    value need = a[0], options = a[1];
    value absent;
    double length;
    if (options.k == kind::array) {
      absent = (ins.flags & spec_static_keys) ? missing_of_paths(options.items, options.n, ins.a, s)
                                              : missing_of(options.items, options.n, s);
      length = options.n;
    } else if (options.k == kind::string) {
      std::size_t units = js::utf16_length(options.sv());
      value* keys = scratch_.allocate_array<value>(units);
      for (std::size_t i = 0; i < units; ++i) keys[i] = make_string(js::utf16_slice(options.sv(), i, i + 1));
      absent = missing_of(keys, static_cast<std::uint32_t>(units), s);
      length = static_cast<double>(units);
    } else if (options.is_nullish()) {
      fail_type_error("Cannot read properties of " + js::to_string(options) + " (reading 'length')");
    } else {
      absent = empty_array();  // no length: nothing is checked
      length = js::nan;
    }
    if (js::ge(value::number(length - absent.n), need, scratch_)) return empty_array();
    return absent;
  }

  // ---- control -------------------------------------------------------------------------------

  bool truthy(const value& v) const noexcept { return js::truthy(v, true); }

  value try_(const instruction& ins, const scope& s) {
    value error;  // the last error's payload
    bool failed = false;
    scope fallback;
    for (std::uint32_t k = 0; k < ins.count; ++k) {
      try {
        if (!failed) return kid(ins, k, s);
        fallback = scope{};
        fallback.data = error_object(ins.a, error_type(error));
        fallback.parent = &s;
        fallback.frame = frame_kind::error;
        return kid(ins, k, fallback);
      } catch (const eval_failure& f) {
        error = f.payload;
        failed = error.k != kind::null;  // the engine tests `if (lastError)`: a thrown null is no error
      }
    }
    throw eval_failure{error};
  }

  // The type a fallback sees: lastError.type || lastError.error || lastError.message || its kind.
  value error_type(const value& payload) {
    if (payload.k == kind::string) return payload;  // a TypeError's message
    if (payload.k == kind::object) {
      for (std::string_view name : {std::string_view("type"), std::string_view("error"), std::string_view("message")}) {
        const member* m = spec::find_member(payload, spec::property_key{name, no_symbol});
        if (m && spec::js_truthy(m->v)) return m->v;
      }
      return make_string("Object");
    }
    if (payload.k == kind::array) return make_string("Array");
    return js::to_string_value(payload, scratch_);
  }

  value throw_(const instruction& ins, const scope& s) {
    value buf[8];
    arg_list a = gather(ins, s, buf);
    value type = a[0];
    if (type.k == kind::object || type.k == kind::array || type.k == kind::null) throw eval_failure{type};
    throw eval_failure{error_object(ins.a, type)};
  }

  // ---- iterations ----------------------------------------------------------------------------

  // The iterated value: anything JavaScript-falsy iterates as [].
  value selector(const instruction& ins, const scope& s) {
    value v = kid(ins, 0, s);
    return spec::js_truthy(v) ? v : empty_array();
  }

  value iterate(const instruction& ins, const scope& s) {
    value arr = selector(ins, s);
    scope inner;
    inner.parent = &s;
    inner.iterable = arr;
    inner.is_iteration = true;
    std::uint32_t logic = p_.kid(ins, 1);
    switch (ins.op) {
      case opcode::spec_map:
      case opcode::spec_filter: {
        if (arr.k != kind::array) fail_type_error("selector[name] is not a function");
        inner.frame = frame_kind::indexed;
        value* items = scratch_.allocate_array<value>(arr.n);
        std::uint32_t n = 0;
        for (std::uint32_t k = 0; k < arr.n; ++k) {
          inner.data = arr.items[k];
          inner.index = k;
          value r = m_.eval(logic, inner);
          if (ins.op == opcode::spec_map)
            items[n++] = r;
          else if (truthy(r))
            items[n++] = arr.items[k];
        }
        return value::array(items, n);
      }
      default: {  // all, some, none: anything with a length is iterated (strings by code unit)
        inner.frame = frame_kind::whole;
        if (ins.op == opcode::spec_all && arr.k == kind::array && arr.n == 0) return value::boolean(false);
        std::size_t n = arr.k == kind::array ? arr.n : arr.k == kind::string ? js::utf16_length(arr.sv()) : 0;
        for (std::size_t k = 0; k < n; ++k) {
          inner.data = arr.k == kind::array ? arr.items[k] : make_string(js::utf16_slice(arr.sv(), k, k + 1));
          inner.index = static_cast<double>(k);
          bool t = truthy(m_.eval(logic, inner));
          if (ins.op == opcode::spec_all && !t) return value::boolean(false);
          if (ins.op != opcode::spec_all && t) return value::boolean(ins.op == opcode::spec_some);
        }
        return value::boolean(ins.op != opcode::spec_some);
      }
    }
  }

  value reduce(const instruction& ins, const scope& s) {
    bool has_initial = ins.flags & spec_has_initial;
    value acc;
    if (has_initial) {
      acc = kid(ins, 2, s);
      spec::check_flat(acc);
    }
    value arr = selector(ins, s);
    if (arr.k != kind::array) fail_type_error("selector.reduce is not a function");
    std::uint32_t k = 0;
    if (!has_initial) {
      if (arr.n == 0) fail_type_error("Reduce of empty array with no initial value");
      acc = arr.items[0];
      k = 1;
    }
    scope inner;
    inner.parent = &s;
    inner.iterable = arr;
    inner.is_iteration = true;
    inner.frame = frame_kind::whole;
    std::uint32_t logic = p_.kid(ins, 1);
    for (; k < arr.n; ++k) {
      member* ms = scratch_.allocate_array<member>(2);
      ms[0] = member{"accumulator", 11, static_cast<std::uint16_t>(ins.a), acc};
      ms[1] = member{"current", 7, static_cast<std::uint16_t>(ins.b), arr.items[k]};
      inner.data = value::object(ms, 2);
      inner.index = k;
      acc = m_.eval(logic, inner);
      spec::check_flat(acc);
    }
    return acc;
  }

  machine<Tracer>& m_;
  const program& p_;
  arena& scratch_;
};

template <class Tracer>
value spec_machine<Tracer>::run(const instruction& ins, const scope& s) {
  switch (ins.op) {
    case opcode::spec_val: return val(ins, s, false);
    case opcode::spec_val_climb: return val_climb(ins, s);
    case opcode::spec_exists: return value::boolean(val(ins, s, true).k != kind::undefined);
    case opcode::spec_length: return length(ins, s);
    case opcode::spec_try: return try_(ins, s);
    case opcode::spec_throw: return throw_(ins, s);
    case opcode::spec_coalesce: {
      value v;
      for (std::uint32_t k = 0; k < ins.count; ++k) {
        v = kid(ins, k, s);
        if (!v.is_nullish()) return v;
      }
      return v.k == kind::undefined ? value::null() : v;
    }
    case opcode::spec_var: return var(ins, s);
    case opcode::spec_if: {
      std::uint32_t k = 0;
      for (; k + 1 < ins.count; k += 2)
        if (truthy(kid(ins, k, s))) return kid(ins, k + 1, s);
      if (k + 1 == ins.count) return kid(ins, k, s);
      return value::null();
    }
    case opcode::spec_and:
    case opcode::spec_or: {
      value v = value::null();
      bool want = ins.op == opcode::spec_or;
      for (std::uint32_t k = 0; k < ins.count; ++k) {
        v = kid(ins, k, s);
        if (truthy(v) == want) return v;
      }
      return v;
    }
    case opcode::spec_not:
    case opcode::spec_truthy: {
      value buf[8];
      arg_list a = gather(ins, s, buf);
      bool t = truthy(a[0]);
      return value::boolean(ins.op == opcode::spec_not ? !t : t);
    }
    case opcode::spec_compare: return compare(ins, s);
    case opcode::spec_compare_const: {
      value x = operand(ins, s);
      const value& c = p_.constants[ins.b];
      auto cmp = static_cast<spec_cmp>(ins.c);
      return value::boolean((ins.flags & spec_const_left) ? compare2(cmp, c, x) : compare2(cmp, x, c));
    }
    case opcode::spec_between_const: {
      // lo <(=) x <(=) hi with number constants: x must be a number (or coerce to one).
      value x = operand(ins, s);
      double lo = p_.constants[ins.b].num, hi = p_.constants[ins.c].num;
      double y = spec::coerce_number(x);
      if (std::isnan(y)) spec::fail_nan();
      bool lower = (ins.flags & lower_inclusive) ? lo <= y : lo < y;
      if (!lower) return value::boolean(false);
      return value::boolean((ins.flags & upper_inclusive) ? y <= hi : y < hi);
    }
    case opcode::spec_add:
    case opcode::spec_mul:
    case opcode::spec_sub:
    case opcode::spec_div:
    case opcode::spec_mod:
    case opcode::spec_min:
    case opcode::spec_max: return arithmetic(ins, s);
    case opcode::spec_cat: return cat(ins, s);
    case opcode::spec_substr: return substr(ins, s);
    case opcode::spec_in: return in(ins, s);
    case opcode::spec_merge: return merge(ins, s);
    case opcode::spec_missing: return missing(ins, s);
    case opcode::spec_missing_some: return missing_some(ins, s);
    case opcode::spec_map:
    case opcode::spec_filter:
    case opcode::spec_all:
    case opcode::spec_some:
    case opcode::spec_none: return iterate(ins, s);
    case opcode::spec_reduce: return reduce(ins, s);
    default: {
      std::string m = "instruction not implemented";
      throw eval_failure{make_string(m)};
    }
  }
}

template <class Tracer>
value machine<Tracer>::eval_spec(const instruction& ins, std::uint32_t, const scope& s) {
  spec_machine<Tracer> sm(*this);
  return sm.run(ins, s);
}

}  // namespace divert::detail
