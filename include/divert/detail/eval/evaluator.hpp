#pragma once
// The evaluate stage: walks a program's instructions. Values read from slots and constants;
// temporaries (computed arrays and strings) go to a scratch arena the caller resets per
// evaluation. A tracer, when given, sees every instruction's value; the null tracer compiles
// to nothing. Recursion depth is bounded by the program's nesting, itself bounded at parse.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "divert/detail/eval/arena.hpp"
#include "divert/detail/eval/js_semantics.hpp"
#include "divert/detail/eval/value.hpp"
#include "divert/detail/inlining.hpp"
#include "divert/detail/plan/constants.hpp"
#include "divert/detail/plan/program.hpp"

namespace divert::detail {

// What an enclosing scope shows to outer-scope access ({"val": [[n], ...]}), as json-logic-engine
// passes it: the first entry of its `above` array.
enum class frame_kind : std::uint8_t {
  root,     // the data the rule was applied to (nothing above it)
  indexed,  // map, filter: {"iterator": the array, "index": i}
  whole,    // reduce, all, some, none: the array (or string) being iterated
  error,    // a try's fallback: null (its data is {"type": ...})
};

// An iteration's context: what variables read, and (spec dialect) where the iteration is.
struct scope {
  value data;
  value iterable;  // the array being iterated (undefined at the root)
  double index = 0;
  value accumulator;  // strict reduce: the running value
  const scope* parent = nullptr;
  bool is_iteration = false;  // false: the root, or a try's error context
  frame_kind frame = frame_kind::root;
};

// A JsonLogic-level error raised while evaluating: `throw`, NaN (spec dialect), bad arguments.
struct eval_failure {
  value payload;  // the thrown value: {"type": "..."} for errors raised by operators
};

struct null_tracer {
  static constexpr bool enabled = false;
  void on_enter(std::uint32_t, const scope&) noexcept {}
  void on_value(std::uint32_t, const value&, const scope&) noexcept {}
};

// Walks a static path from `v`, with JavaScript's property semantics.
inline value step_path(value v, const path_segment& seg, arena& scratch) noexcept {
  switch (v.k) {
    case kind::object:
      if (seg.sym == no_symbol) return value::undefined();
      for (std::uint32_t i = 0; i < v.n; ++i)
        if (v.members[i].key_sym == seg.sym) return v.members[i].v;
      return value::undefined();
    case kind::array:
      if (seg.is_length) return value::number(v.n);
      if (seg.index >= 0 && seg.index < static_cast<std::int64_t>(v.n)) return v.items[seg.index];
      return value::undefined();
    case kind::string: {
      if (seg.is_length) return value::number(static_cast<double>(js::utf16_length(v.sv())));
      if (seg.index < 0) return value::undefined();
      std::size_t at = static_cast<std::size_t>(seg.index);
      if (at >= js::utf16_length(v.sv())) return value::undefined();
      std::string ch = js::utf16_slice(v.sv(), at, at + 1);
      return value::string(scratch.copy_string(ch), static_cast<std::uint32_t>(ch.size()));
    }
    default: return value::undefined();
  }
}

// `from`: the segments already walked (v is the value they led to).
inline value walk_path(const program& p, value v, const var_path& path, arena& scratch,
                       std::uint32_t from = 0) noexcept {
  for (std::uint32_t i = from; i < path.count; ++i) {
    if (v.is_nullish()) return value::undefined();
    v = step_path(v, p.segments[path.first + i], scratch);
    if (v.k == kind::undefined) return v;
  }
  return v;
}

// Walks a path computed at run time (keys compared by bytes).
inline value walk_dynamic(value v, std::string_view key, arena& scratch) {
  if (v.is_nullish()) return value::undefined();
  switch (v.k) {
    case kind::object:
      for (std::uint32_t i = 0; i < v.n; ++i)
        if (v.members[i].key_sv() == key) return v.members[i].v;
      return value::undefined();
    case kind::array:
    case kind::string: {
      path_segment seg;
      seg.index = js::array_index(key);
      seg.is_length = key == "length";
      return step_path(v, seg, scratch);
    }
    default: return value::undefined();
  }
}

template <class Tracer = null_tracer>
class machine {
 public:
  machine(const program& p, const value* slots, arena& scratch, Tracer& tracer)
      : p_(p), slots_(slots), scratch_(scratch), tracer_(tracer) {}

  value run(const value& root) {
    scope s;
    s.data = root;
    return eval(p_.root, s);
  }

  value eval(std::uint32_t i, const scope& s) {
    if constexpr (Tracer::enabled) {
      tracer_.on_enter(i, s);
      value v = eval_node(i, s);
      tracer_.on_value(i, v, s);
      return v;
    } else {
      return eval_hot(i, s);
    }
  }

  const program& prog() const noexcept { return p_; }
  arena& scratch() noexcept { return scratch_; }
  const value* slots() const noexcept { return slots_; }

  // Defined in spec_eval.hpp and strict_eval.hpp.
  value eval_spec(const instruction& ins, std::uint32_t i, const scope& s);
  value eval_strict(const instruction& ins, std::uint32_t i, const scope& s);
  // Strict programs' own entry: a lean dispatch over constants and strict instructions only.
  value eval_s(std::uint32_t i, const scope& s);
  value strict_node(std::uint32_t i, const scope& s);
  // A strict condition's truth value (0 false, 1 true, 2 unknown) without making values where it
  // can: what deciding a rule needs. Same answers as strict::truth(eval_s(i, s)).
  std::uint8_t strict_truth(std::uint32_t i, const scope& s);
  std::uint8_t strict_leaf(std::uint32_t i, const scope& s);

 private:
  value kid(const instruction& ins, std::uint32_t k, const scope& s) { return eval(p_.kid(ins, k), s); }
  value kid_or_undefined(const instruction& ins, std::uint32_t k, const scope& s) {
    return k < ins.count ? kid(ins, k, s) : value::undefined();
  }

  // The operand of a fused instruction: a slot read directly, or its single kid. A variable
  // that is not found reads as null, as {"var": ...} does.
  DIVERT_HOT_INLINE value operand(const instruction& ins, const scope& s) {
    if (ins.flags & operand_slot) {
      value v = slots_[ins.a];
      return v.k == kind::undefined ? value::null() : v;
    }
    return kid(ins, 0, s);
  }

  // Evaluates every kid (json-logic-js evaluates all arguments before the operation runs) and
  // keeps the first `keep` of them.
  template <std::size_t N>
  void eager(const instruction& ins, const scope& s, value (&out)[N]) {
    for (std::uint32_t k = 0; k < ins.count; ++k) {
      value v = kid(ins, k, s);
      if (k < N) out[k] = v;
    }
  }

  value make_string(const std::string& str) {
    return value::string(scratch_.copy_string(str), static_cast<std::uint32_t>(str.size()));
  }

 public:
  // Truthiness of instruction i, without making the value where that can be avoided: in a
  // boolean context (a rule's answer, a condition, !, and/or operands inside one) comparisons
  // answer with a bool and and/or stop at the first decisive operand. Same answers as
  // js::truthy(eval(i, s)), by construction: each case is the truthiness of what eval returns.
  bool truth(std::uint32_t i, const scope& s) {
    if constexpr (Tracer::enabled) return js::truthy(eval(i, s), p_.empty_object_is_false);
    const instruction& ins = p_.code[i];
    switch (ins.op) {
      case opcode::js_and:  // the first falsy operand, or the last: truthy iff all are
        for (std::uint32_t k = 0; k < ins.count; ++k)
          if (!operand_truth(p_.kid(ins, k), s)) return false;
        return ins.count > 0;
      case opcode::js_or:
        for (std::uint32_t k = 0; k < ins.count; ++k)
          if (operand_truth(p_.kid(ins, k), s)) return true;
        return false;
      default: return operand_truth(i, s);
    }
  }

 private:
  // The leaves of and/or, answered in place for the common fused forms over a slot; anything
  // else (or an unusual value) takes the general path.
  DIVERT_HOT_INLINE bool operand_truth(std::uint32_t i, const scope& s) {
    const instruction& ins = p_.code[i];
    const bool on_slot = ins.flags & operand_slot;
    switch (ins.op) {
      case opcode::js_eq_const:
      case opcode::js_ne_const:
      case opcode::js_strict_eq_const:
      case opcode::js_strict_ne_const:
        if (on_slot) {
          const value& v = slots_[ins.a];
          const value& c = p_.constants[ins.b];
          if (v.k == kind::string && c.k == kind::string && v.sym != no_symbol && c.sym != no_symbol) {
            bool negated = ins.op == opcode::js_ne_const || ins.op == opcode::js_strict_ne_const;
            return (v.sym == c.sym) != negated;
          }
        }
        return slow_truth(i, s);
      case opcode::js_between_const:
        if (on_slot && slots_[ins.a].k == kind::number) {
          double x = slots_[ins.a].num, lo = p_.constants[ins.b].num, hi = p_.constants[ins.c].num;
          bool lower = (ins.flags & lower_inclusive) ? lo <= x : lo < x;
          bool upper = (ins.flags & upper_inclusive) ? x <= hi : x < hi;
          return lower && upper;
        }
        return slow_truth(i, s);
      case opcode::js_in_const_strings:
        if (on_slot) {
          const value& v = slots_[ins.a];
          const auto& bits = p_.symbol_bits[ins.c];
          if (v.k == kind::string && v.sym != no_symbol && (v.sym >> 6) < bits.size())
            return (bits[v.sym >> 6] >> (v.sym & 63)) & 1;
        }
        return slow_truth(i, s);
      case opcode::var_slot: {
        const value& v = slots_[ins.a];
        if (v.k == kind::boolean) return v.b;
        return slow_truth(i, s);
      }
      case opcode::js_not:
      case opcode::js_truthy:
        if (ins.count != 1) return slow_truth(i, s);
        return truth(p_.kid(ins, 0), s) == (ins.op == opcode::js_truthy);
      case opcode::js_and:
      case opcode::js_or: return truth(i, s);
      default: return slow_truth(i, s);
    }
  }

  DIVERT_OUT_OF_LINE bool slow_truth(std::uint32_t i, const scope& s) {
    const instruction& ins = p_.code[i];
    switch (ins.op) {
      case opcode::js_eq_const:
      case opcode::js_ne_const:
      case opcode::js_strict_eq_const:
      case opcode::js_strict_ne_const: return equals_const(ins, s).b;
      case opcode::js_in_const_strings: return in_const_strings(ins, s).b;
      case opcode::js_between_const: return between_const(ins, s).b;
      case opcode::js_cmp_const: return compare_const(ins, s).b;
      default: return js::truthy(eval(i, s), p_.empty_object_is_false);
    }
  }

 private:
  // The opcodes a typical rule spends its time in, dispatched from a small function (eval_node's
  // frame is large); everything else goes on to eval_node. Both call the same helpers.
  value eval_hot(std::uint32_t i, const scope& s) {
    const instruction& ins = p_.code[i];
    switch (ins.op) {
      case opcode::constant: return p_.constants[ins.a];
      case opcode::var_slot: return var_slot(ins, s);
      case opcode::var_scoped: return var_scoped(ins, s);
      case opcode::js_and:
      case opcode::js_or: return and_or(ins, s);
      case opcode::js_not:
      case opcode::js_truthy:
        if (ins.count != 1) return eval_node(i, s);
        return value::boolean(js::truthy(kid(ins, 0, s)) == (ins.op == opcode::js_truthy));
      case opcode::js_eq_const:
      case opcode::js_ne_const:
      case opcode::js_strict_eq_const:
      case opcode::js_strict_ne_const: return equals_const(ins, s);
      case opcode::js_in_const_strings: return in_const_strings(ins, s);
      case opcode::js_between_const: return between_const(ins, s);
      case opcode::js_cmp_const: return compare_const(ins, s);
      case opcode::js_all:
      case opcode::js_some:
      case opcode::js_none: return iterate(ins, s);
      default: return eval_node(i, s);
    }
  }

  DIVERT_HOT_INLINE value var_scoped(const instruction& ins, const scope& s) {
    value v = walk_path(p_, s.data, p_.paths[ins.a], scratch_);
    if (v.k != kind::undefined) return v;
    return ins.count ? kid(ins, 0, s) : value::null();
  }

  DIVERT_HOT_INLINE value var_slot(const instruction& ins, const scope& s) {
    value v = slots_[ins.a];
    if (v.k != kind::undefined) return v;
    return ins.count ? kid(ins, 0, s) : value::null();
  }

  // json-logic-js's and/or: the first falsy (truthy) value, or the last.
  DIVERT_HOT_INLINE value and_or(const instruction& ins, const scope& s) {
    bool want = ins.op == opcode::js_or;
    value current;
    for (std::uint32_t k = 0; k < ins.count; ++k) {
      current = kid(ins, k, s);
      if (js::truthy(current) == want) return current;
    }
    return current;
  }

  DIVERT_HOT_INLINE value equals_const(const instruction& ins, const scope& s) {
    value a = operand(ins, s);
    const value& c = p_.constants[ins.b];
    bool loose = ins.op == opcode::js_eq_const || ins.op == opcode::js_ne_const;
    bool r;
    if (a.k == kind::string && c.k == kind::string)
      r = same_string(a, c);  // both strict and loose equality compare the characters
    else if (a.k == kind::number && c.k == kind::number)
      r = a.num == c.num;
    else
      r = loose ? js::loose_equals(a, c, scratch_) : js::strict_equals(a, c);
    bool negated = ins.op == opcode::js_ne_const || ins.op == opcode::js_strict_ne_const;
    return value::boolean(r != negated);
  }

  DIVERT_HOT_INLINE value in_const_strings(const instruction& ins, const scope& s) {
    value needle = operand(ins, s);
    if (needle.k != kind::string) return value::boolean(false);  // === against strings only
    if (needle.sym != no_symbol) {
      const auto& bits = p_.symbol_bits[ins.c];
      std::size_t word = needle.sym >> 6;
      if (word < bits.size()) return value::boolean((bits[word] >> (needle.sym & 63)) & 1);
      const auto& set = p_.symbol_sets[ins.c];
      return value::boolean(std::binary_search(set.begin(), set.end(), needle.sym));
    }
    if (needle.flags & looked_up) return value::boolean(false);
    const value& hay = p_.constants[ins.b];
    for (std::uint32_t k = 0; k < hay.n; ++k)
      if (same_string(needle, hay.items[k])) return value::boolean(true);
    return value::boolean(false);
  }

  DIVERT_HOT_INLINE value between_const(const instruction& ins, const scope& s) {
    double x = numeric(operand(ins, s));
    double lo = p_.constants[ins.b].num, hi = p_.constants[ins.c].num;
    bool lower = (ins.flags & lower_inclusive) ? lo <= x : lo < x;
    bool upper = (ins.flags & upper_inclusive) ? x <= hi : x < hi;
    return value::boolean(lower && upper);  // NaN fails both
  }

  DIVERT_HOT_INLINE value compare_const(const instruction& ins, const scope& s) {
    double x = numeric(operand(ins, s));
    double c = p_.constants[ins.b].num;
    switch (ins.flags & (cmp_lt | cmp_le | cmp_gt | cmp_ge)) {
      case cmp_lt: return value::boolean(x < c);
      case cmp_le: return value::boolean(x <= c);
      case cmp_gt: return value::boolean(x > c);
      default: return value::boolean(x >= c);
    }
  }

  value eval_node(std::uint32_t i, const scope& s) {
    const instruction& ins = p_.code[i];
    switch (ins.op) {
      case opcode::constant: return p_.constants[ins.a];
      case opcode::make_array: {
        value* items = scratch_.allocate_array<value>(ins.count);
        for (std::uint32_t k = 0; k < ins.count; ++k) items[k] = kid(ins, k, s);
        return value::array(items, ins.count);
      }
      case opcode::var_slot: return var_slot(ins, s);
      case opcode::var_scoped: return var_scoped(ins, s);
      case opcode::var_dynamic: return var_dynamic(ins, s);
      case opcode::custom: return custom(ins, s);

      case opcode::js_if: {
        std::uint32_t k = 0;
        for (; k + 1 < ins.count; k += 2)
          if (js::truthy(kid(ins, k, s))) return kid(ins, k + 1, s);
        if (k + 1 == ins.count) return kid(ins, k, s);
        return value::null();
      }
      case opcode::js_and:
      case opcode::js_or: return and_or(ins, s);
      case opcode::js_not:
      case opcode::js_truthy: {
        value a[1];
        eager(ins, s, a);
        bool t = js::truthy(a[0]);
        return value::boolean(ins.op == opcode::js_not ? !t : t);
      }
      case opcode::js_eq:
      case opcode::js_ne:
      case opcode::js_strict_eq:
      case opcode::js_strict_ne: {
        value a[2];
        eager(ins, s, a);
        bool r = (ins.op == opcode::js_eq || ins.op == opcode::js_ne) ? js::loose_equals(a[0], a[1], scratch_)
                                                                      : js::strict_equals(a[0], a[1]);
        return value::boolean((ins.op == opcode::js_eq || ins.op == opcode::js_strict_eq) ? r : !r);
      }
      case opcode::js_lt:
      case opcode::js_le: {
        value a[3];
        eager(ins, s, a);
        auto cmp = ins.op == opcode::js_lt ? js::lt : js::le;
        if (a[2].k == kind::undefined) return value::boolean(cmp(a[0], a[1], scratch_));
        return value::boolean(cmp(a[0], a[1], scratch_) && cmp(a[1], a[2], scratch_));
      }
      case opcode::js_gt:
      case opcode::js_ge: {
        value a[2];
        eager(ins, s, a);
        return value::boolean(ins.op == opcode::js_gt ? js::gt(a[0], a[1], scratch_) : js::ge(a[0], a[1], scratch_));
      }
      case opcode::js_add: {
        double acc = 0;
        for (std::uint32_t k = 0; k < ins.count; ++k) acc = (acc == 0 ? 0.0 : acc) + js::parse_float(kid(ins, k, s));
        return value::number(acc);
      }
      case opcode::js_mul: {
        if (ins.count == 0) throw_type_error("Reduce of empty array with no initial value");
        value acc = kid(ins, 0, s);
        for (std::uint32_t k = 1; k < ins.count; ++k)
          acc = value::number(js::parse_float(acc) * js::parse_float(kid(ins, k, s)));
        return acc;
      }
      case opcode::js_sub: {
        value a[2];
        eager(ins, s, a);
        if (a[1].k == kind::undefined) return value::number(-js::to_number(a[0]));
        return value::number(js::to_number(a[0]) - js::to_number(a[1]));
      }
      case opcode::js_div: {
        value a[2];
        eager(ins, s, a);
        return value::number(js::to_number(a[0]) / js::to_number(a[1]));
      }
      case opcode::js_mod: {
        value a[2];
        eager(ins, s, a);
        return value::number(std::fmod(js::to_number(a[0]), js::to_number(a[1])));
      }
      case opcode::js_min:
      case opcode::js_max: {
        bool is_max = ins.op == opcode::js_max;
        double r = is_max ? -js::inf : js::inf;
        for (std::uint32_t k = 0; k < ins.count; ++k) {
          double x = js::to_number(kid(ins, k, s));
          if (std::isnan(x) || std::isnan(r)) {
            r = js::nan;
            continue;
          }
          if (is_max ? (x > r || (x == 0 && r == 0 && !std::signbit(x)))
                     : (x < r || (x == 0 && r == 0 && std::signbit(x))))
            r = x;
        }
        return value::number(r);
      }
      case opcode::js_cat: {
        std::string out;
        for (std::uint32_t k = 0; k < ins.count; ++k) {
          value v = kid(ins, k, s);
          if (!v.is_nullish()) js::append_string(out, v);
        }
        return make_string(out);
      }
      case opcode::js_substr: return substr(ins, s);
      case opcode::js_in: {
        value a[2];
        eager(ins, s, a);
        return value::boolean(js_in(a[0], a[1]));
      }
      case opcode::js_merge: {
        std::uint32_t total = 0;
        value* tmp = scratch_.allocate_array<value>(ins.count);
        for (std::uint32_t k = 0; k < ins.count; ++k) {
          tmp[k] = kid(ins, k, s);
          total += tmp[k].k == kind::array ? tmp[k].n : 1;
        }
        value* items = scratch_.allocate_array<value>(total);
        std::uint32_t at = 0;
        for (std::uint32_t k = 0; k < ins.count; ++k) {
          if (tmp[k].k == kind::array)
            for (std::uint32_t j = 0; j < tmp[k].n; ++j) items[at++] = tmp[k].items[j];
          else
            items[at++] = tmp[k];
        }
        return value::array(items, total);
      }
      case opcode::js_log: {
        value a[1];
        eager(ins, s, a);
        std::string text = a[0].k == kind::undefined ? "undefined" : value_to_json(a[0]).dump();
        std::fprintf(stderr, "%s\n", text.c_str());
        return a[0];
      }
      case opcode::js_missing: return missing(ins, s);
      case opcode::js_missing_some: return missing_some(ins, s);
      case opcode::js_map:
      case opcode::js_filter:
      case opcode::js_all:
      case opcode::js_some:
      case opcode::js_none: return iterate(ins, s);
      case opcode::js_reduce: return reduce(ins, s);

      case opcode::js_eq_const:
      case opcode::js_ne_const:
      case opcode::js_strict_eq_const:
      case opcode::js_strict_ne_const: return equals_const(ins, s);
      case opcode::js_in_const_strings: return in_const_strings(ins, s);
      case opcode::js_between_const: return between_const(ins, s);
      case opcode::js_cmp_const: return compare_const(ins, s);
      default:
        if (static_cast<int>(ins.op) >= static_cast<int>(opcode::strict_first)) return eval_strict(ins, i, s);
        return eval_spec(ins, i, s);
    }
  }

  // ToNumber of ToPrimitive: what a relational comparison with a number does to the other side.
  DIVERT_HOT_INLINE double numeric(const value& v) {
    if (v.k == kind::number) return v.num;
    return js::to_number(js::to_primitive(v, scratch_));
  }

  [[noreturn]] void throw_type_error(const char* message) {
    std::string m = message;
    value type = make_string(m);
    throw eval_failure{type};
  }

  bool js_in(const value& a, const value& b) {
    // if (!b || typeof b.indexOf === "undefined") return false;
    if (b.k == kind::string) {
      if (b.n == 0) return false;
      value needle = js::to_string_value(a, scratch_);
      return b.sv().find(needle.sv()) != std::string_view::npos;
    }
    if (b.k == kind::array) {
      for (std::uint32_t k = 0; k < b.n; ++k)
        if (js::strict_equals(a, b.items[k])) return true;
    }
    return false;
  }

  value substr(const instruction& ins, const scope& s) {
    value a[3];
    eager(ins, s, a);
    std::string source = js::to_string(a[0]);
    double start = js::to_integer(a[1]);
    if (a[2].k != kind::undefined && js::lt(a[2], value::number(0), scratch_)) {
      if (a[2].k != kind::number) return make_string("");  // temp.length + end concatenates: NaN length
      std::string temp = js::substr(source, start, nullptr);
      double len = js::to_integer(value::number(static_cast<double>(js::utf16_length(temp)) + a[2].num));
      return make_string(js::substr(temp, 0, &len));
    }
    if (a[2].k == kind::undefined) return make_string(js::substr(source, start, nullptr));
    double len = js::to_integer(a[2]);
    return make_string(js::substr(source, start, &len));
  }

  value var_dynamic(const instruction& ins, const scope& s) {
    value path = kid(ins, 0, s);
    value fallback = ins.count > 1 ? kid(ins, 1, s) : value::null();
    if (path.is_nullish() || (path.k == kind::string && path.n == 0)) return s.data;
    std::string text = js::to_string(path);
    value v = s.data;
    std::size_t start = 0;
    for (;;) {
      std::size_t dot = text.find('.', start);
      std::string_view key =
          std::string_view(text).substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (v.is_nullish()) return fallback;
      v = walk_dynamic(v, key, scratch_);
      if (v.k == kind::undefined) return fallback;
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return v;
  }

  // {"var": [key, fallback]} on data, as json-logic-js's var reads it.
  value lookup_key(const value& data, const value& key, const value& fallback = value::undefined()) {
    if (key.is_nullish() || (key.k == kind::string && key.n == 0)) return data;
    value not_found = fallback.k == kind::undefined ? value::null() : fallback;
    std::string text = js::to_string(key);
    value v = data;
    std::size_t start = 0;
    for (;;) {
      std::size_t dot = text.find('.', start);
      std::string_view part =
          std::string_view(text).substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (v.is_nullish()) return not_found;
      v = walk_dynamic(v, part, scratch_);
      if (v.k == kind::undefined) return not_found;
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return v;
  }

  // An object with one member, met where json-logic-js would run it as logic: not compiled here,
  // so it fails as an operation json-logic-js does not know.
  [[noreturn]] void unrecognized(const value& operation) {
    std::string m = "Unrecognized operation " + std::string(operation.members[0].key_sv());
    throw eval_failure{make_string(m)};
  }

  // json-logic-js's missing looks each key up as {"var": key}: an array key is [path, fallback],
  // an object key with one member is an operation.
  value missing_of(const value* keys, std::uint32_t count, const scope& s) {
    value* out = scratch_.allocate_array<value>(count);
    std::uint32_t n = 0;
    for (std::uint32_t k = 0; k < count; ++k) {
      const value& key = keys[k];
      value v;
      if (key.k == kind::array) {
        for (std::uint32_t i = 0; i < key.n; ++i)
          if (key.items[i].k == kind::object && key.items[i].n == 1) unrecognized(key.items[i]);
        v = lookup_key(s.data, key.n > 0 ? key.items[0] : value::undefined(),
                       key.n > 1 ? key.items[1] : value::undefined());
      } else {
        if (key.k == kind::object && key.n == 1) unrecognized(key);
        v = lookup_key(s.data, key);
      }
      if (v.k == kind::null || (v.k == kind::string && v.n == 0)) out[n++] = key;
    }
    return value::array(out, n);
  }

  value missing(const instruction& ins, const scope& s) {
    value* args = scratch_.allocate_array<value>(ins.count);
    for (std::uint32_t k = 0; k < ins.count; ++k) args[k] = kid(ins, k, s);
    if (ins.count > 0 && args[0].k == kind::array) return missing_of(args[0].items, args[0].n, s);
    return missing_of(args, ins.count, s);
  }

  value missing_some(const instruction& ins, const scope& s) {
    value a[2];
    eager(ins, s, a);
    value need = a[0], options = a[1];
    // {"missing": options}: the keys are options[0] when that is an array (missing's own rule).
    value are_missing = options.k != kind::array ? missing_of(&options, 1, s)
                        : options.n > 0 && options.items[0].k == kind::array
                            ? missing_of(options.items[0].items, options.items[0].n, s)
                            : missing_of(options.items, options.n, s);
    if (options.k == kind::array)
      for (std::uint32_t i = 0; i < options.n; ++i)  // each option is applied as logic first
        if (options.items[i].k == kind::object && options.items[i].n == 1) unrecognized(options.items[i]);
    double length = options.k == kind::array    ? options.n
                    : options.k == kind::string ? static_cast<double>(js::utf16_length(options.sv()))
                                                : js::nan;
    value present = value::number(length - are_missing.n);
    if (js::ge(present, need, scratch_)) return value::array(scratch_.allocate_array<value>(0), 0);
    return are_missing;
  }

  value iterate(const instruction& ins, const scope& s) {
    value arr = kid(ins, 0, s);
    bool has_logic = ins.count > 1;
    scope inner;
    inner.parent = &s;
    inner.iterable = arr;
    inner.is_iteration = true;
    inner.frame = ins.op == opcode::js_map || ins.op == opcode::js_filter ? frame_kind::indexed : frame_kind::whole;
    auto body = [&](std::uint32_t k) {
      inner.data = arr.items[k];
      inner.index = k;
      return has_logic ? eval(p_.kid(ins, 1), inner) : value::undefined();
    };
    auto body_truth = [&](std::uint32_t k) {
      inner.data = arr.items[k];
      inner.index = k;
      return has_logic && truth(p_.kid(ins, 1), inner);
    };
    switch (ins.op) {
      case opcode::js_map: {
        if (arr.k != kind::array) return value::array(scratch_.allocate_array<value>(0), 0);
        value* items = scratch_.allocate_array<value>(arr.n);
        for (std::uint32_t k = 0; k < arr.n; ++k) items[k] = body(k);
        return value::array(items, arr.n);
      }
      case opcode::js_filter: {
        if (arr.k != kind::array) return value::array(scratch_.allocate_array<value>(0), 0);
        value* items = scratch_.allocate_array<value>(arr.n);
        std::uint32_t n = 0;
        for (std::uint32_t k = 0; k < arr.n; ++k)
          if (js::truthy(body(k))) items[n++] = arr.items[k];
        return value::array(items, n);
      }
      case opcode::js_all:
        if (arr.k != kind::array || arr.n == 0) return value::boolean(false);
        for (std::uint32_t k = 0; k < arr.n; ++k)
          if (!body_truth(k)) return value::boolean(false);
        return value::boolean(true);
      case opcode::js_some:
        if (arr.k != kind::array || arr.n == 0) return value::boolean(false);
        for (std::uint32_t k = 0; k < arr.n; ++k)
          if (body_truth(k)) return value::boolean(true);
        return value::boolean(false);
      default:  // none
        if (arr.k != kind::array || arr.n == 0) return value::boolean(true);
        for (std::uint32_t k = 0; k < arr.n; ++k)
          if (body_truth(k)) return value::boolean(false);
        return value::boolean(true);
    }
  }

  value reduce(const instruction& ins, const scope& s) {
    value arr = kid(ins, 0, s);
    value acc = ins.count > 2 ? kid(ins, 2, s) : value::null();
    if (arr.k != kind::array) return acc;
    std::uint16_t current_sym = p_.symbols.find("current"), accumulator_sym = p_.symbols.find("accumulator");
    scope inner;
    inner.parent = &s;
    inner.iterable = arr;
    inner.is_iteration = true;
    inner.frame = frame_kind::whole;
    for (std::uint32_t k = 0; k < arr.n; ++k) {
      member* ms = scratch_.allocate_array<member>(2);
      ms[0] = member{"current", 7, current_sym, arr.items[k]};
      ms[1] = member{"accumulator", 11, accumulator_sym, acc};
      inner.data = value::object(ms, 2);
      inner.index = k;
      acc = ins.count > 1 ? eval(p_.kid(ins, 1), inner) : value::undefined();
    }
    return acc;
  }

  value custom(const instruction& ins, const scope& s) {
    nlohmann::ordered_json args = nlohmann::ordered_json::array();
    for (std::uint32_t k = 0; k < ins.count; ++k) args.push_back(value_to_json(kid(ins, k, s)));
    nlohmann::ordered_json result = p_.customs[ins.a](args);
    // Keys and strings are looked up, so the result compares like bound data.
    json_to_value conv(p_.symbols, scratch_, string_mode::lookup);
    return conv.convert(result);
  }

  const program& p_;
  const value* slots_;
  arena& scratch_;
  Tracer& tracer_;
};

}  // namespace divert::detail
