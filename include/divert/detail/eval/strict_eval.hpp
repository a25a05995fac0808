#pragma once
// Evaluation of strict-mode (policy) instructions: typed (the checker guarantees the kinds),
// three-valued (an absent fact is unknown; `and` is false as soon as one side is false, and
// unknown only when no side is false), with numbers that may be known only as a range: a
// comparison that holds for the whole range is true, one that holds for none is false.
// Nothing here allocates: strict programs never build arrays or strings.

#include <algorithm>
#include <cmath>

#include "divert/detail/eval/dates.hpp"
#include "divert/detail/eval/evaluator.hpp"

namespace divert::detail {

namespace strict {

enum class tri : std::uint8_t { no = 0, yes = 1, unknown = 2 };

// all / some / none over `n` items in Kleene logic (0 false, 1 true, 2 unknown): a decisive item
// ends the loop, an unknown one makes the answer unknown only if nothing decides. all of [] is
// false (JsonLogic). `item(k)` answers for item k; an answer past 2 (the fast rules' "not
// answered": eval/fast_rules.hpp) ends the loop and is the answer.
template <class Item>
DIVERT_HOT_INLINE std::uint8_t quantify(opcode q, std::uint32_t n, Item&& item) {
  bool unknown = false;
  for (std::uint32_t k = 0; k < n; ++k) {
    std::uint8_t t = item(k);
    if (t > 2) return t;
    if (t == 2) {
      unknown = true;
    } else if (q == opcode::s_all) {
      if (t == 0) return 0;
    } else if (t == 1) {
      return q == opcode::s_some ? 1 : 0;
    }
  }
  if (unknown) return 2;
  if (q == opcode::s_all) return static_cast<std::uint8_t>(n > 0);
  return q == opcode::s_some ? 0 : 1;
}

inline value of(tri t) noexcept { return t == tri::unknown ? value::unknown() : value::boolean(t == tri::yes); }
inline value of(bool b) noexcept { return value::boolean(b); }

inline tri truth(const value& v) noexcept {
  if (v.k == kind::boolean) return v.b ? tri::yes : tri::no;
  return tri::unknown;
}

struct interval {
  double lo, hi;
};

// Numbers, dates and ranges as intervals; false for unknown.
inline bool as_interval(const value& v, interval& out) noexcept {
  switch (v.k) {
    case kind::number:
    case kind::date: out = {v.num, v.num}; return true;
    case kind::range: out = {v.bounds[0], v.bounds[1]}; return true;
    default: return false;
  }
}

inline value number_of(interval i) noexcept {
  if (i.lo == i.hi) return value::number(i.lo);
  if (!value::fits_range(i.lo) || !value::fits_range(i.hi)) return value::unknown();
  return value::range(i.lo, i.hi);
}

inline tri less(interval a, interval b, bool or_equal) noexcept {
  if (or_equal) {
    if (a.hi <= b.lo) return tri::yes;
    if (a.lo > b.hi) return tri::no;
  } else {
    if (a.hi < b.lo) return tri::yes;
    if (a.lo >= b.hi) return tri::no;
  }
  return tri::unknown;
}

inline tri equal(interval a, interval b) noexcept {
  if (a.lo == a.hi && b.lo == b.hi) return a.lo == b.lo ? tri::yes : tri::no;
  if (a.hi < b.lo || b.hi < a.lo) return tri::no;
  return tri::unknown;
}

inline tri both(tri a, tri b) noexcept {
  if (a == tri::no || b == tri::no) return tri::no;
  if (a == tri::unknown || b == tri::unknown) return tri::unknown;
  return tri::yes;
}

inline tri negate(tri a) noexcept { return a == tri::unknown ? a : (a == tri::yes ? tri::no : tri::yes); }

// Typed equality: strings by symbol or bytes, booleans, numbers/dates/ranges as intervals.
inline tri equals(const value& a, const value& b) noexcept {
  if (a.k == kind::unknown || b.k == kind::unknown) return tri::unknown;
  if (a.k == kind::string && b.k == kind::string) return same_string(a, b) ? tri::yes : tri::no;
  if (a.k == kind::boolean && b.k == kind::boolean) return a.b == b.b ? tri::yes : tri::no;
  interval x, y;
  if (as_interval(a, x) && as_interval(b, y)) return equal(x, y);
  return tri::no;
}

inline tri compare(const value& a, const value& b, std::uint8_t which) noexcept {
  interval x, y;
  if (!as_interval(a, x) || !as_interval(b, y)) return tri::unknown;
  switch (which) {
    case cmp_lt: return less(x, y, false);
    case cmp_le: return less(x, y, true);
    case cmp_gt: return less(y, x, false);
    default: return less(y, x, true);
  }
}

inline bool in_symbols(const std::vector<std::uint16_t>& set, const std::vector<std::uint64_t>& bits, const value& s,
                       const value& list) noexcept {
  if (s.sym != no_symbol) {
    std::size_t word = s.sym >> 6;
    if (word < bits.size()) return (bits[word] >> (s.sym & 63)) & 1;
    return std::binary_search(set.begin(), set.end(), s.sym);
  }
  for (std::uint32_t i = 0; i < list.n; ++i)
    if (same_string(s, list.items[i])) return true;
  return false;
}

}  // namespace strict

// The common leaves answered in place (a fact against constants, a boolean fact); anything else,
// or an unusual value (a range, an unknown), takes the general path through strict_node.
template <class Tracer>
DIVERT_HOT_INLINE std::uint8_t machine<Tracer>::strict_leaf(std::uint32_t i, const scope& s) {
  using strict::tri;
  const instruction& ins = p_.code[i];
  auto general = [&] { return static_cast<std::uint8_t>(strict::truth(strict_node(i, s))); };
  auto in_bits = [&](const value& v, std::uint32_t set, std::uint8_t& out) {
    const auto& bits = p_.symbol_bits[set];
    if (v.k != kind::string || v.sym == no_symbol || (v.sym >> 6) >= bits.size()) return false;
    out = static_cast<std::uint8_t>((bits[v.sym >> 6] >> (v.sym & 63)) & 1);
    return true;
  };
  switch (ins.op) {
    case opcode::constant: {
      const value& c = p_.constants[ins.a];
      return c.k == kind::boolean ? static_cast<std::uint8_t>(c.b) : std::uint8_t{2};
    }
    case opcode::s_fact:
    case opcode::s_fact_truthy: {
      const value& v = slots_[ins.a];
      return v.k == kind::boolean ? static_cast<std::uint8_t>(v.b) : std::uint8_t{2};
    }
    case opcode::s_fact_not: {
      const value& v = slots_[ins.a];
      return v.k == kind::boolean ? static_cast<std::uint8_t>(!v.b) : std::uint8_t{2};
    }
    case opcode::s_fact_between: {
      const value& x = slots_[ins.a];
      const value& lo = p_.constants[ins.b];
      const value& hi = p_.constants[ins.c];
      if (x.k != lo.k || x.k != hi.k || (x.k != kind::number && x.k != kind::date)) return general();
      bool lower = (ins.flags & lower_inclusive) ? lo.num <= x.num : lo.num < x.num;
      bool upper = (ins.flags & upper_inclusive) ? x.num <= hi.num : x.num < hi.num;
      return static_cast<std::uint8_t>(lower && upper);
    }
    case opcode::s_fact_cmp: {
      const value& x = slots_[ins.a];
      const value& c = p_.constants[ins.b];
      if (x.k != c.k || (x.k != kind::number && x.k != kind::date)) return general();
      switch (ins.flags) {
        case cmp_lt: return static_cast<std::uint8_t>(x.num < c.num);
        case cmp_le: return static_cast<std::uint8_t>(x.num <= c.num);
        case cmp_gt: return static_cast<std::uint8_t>(x.num > c.num);
        default: return static_cast<std::uint8_t>(x.num >= c.num);
      }
    }
    case opcode::s_fact_eq: {
      const value& x = slots_[ins.a];
      const value& c = p_.constants[ins.b];
      if (x.k != kind::string || c.k != kind::string || x.sym == no_symbol || c.sym == no_symbol) return general();
      return static_cast<std::uint8_t>((x.sym == c.sym) != static_cast<bool>(ins.flags & 1));
    }
    case opcode::s_fact_in_set: {
      std::uint8_t out = 2;
      return in_bits(slots_[ins.a], ins.c, out) ? out : general();
    }
    case opcode::s_field_eq: {
      const value& x = s.data.members[ins.a].v;
      const value& c = p_.constants[ins.b];
      if (x.k != kind::string || c.k != kind::string || x.sym == no_symbol || c.sym == no_symbol) return general();
      return static_cast<std::uint8_t>(x.sym == c.sym);
    }
    case opcode::s_field_in_set: {
      std::uint8_t out = 2;
      return in_bits(s.data.members[ins.a].v, ins.c, out) ? out : general();
    }
    case opcode::s_and:
    case opcode::s_or:
    case opcode::s_not:
    case opcode::s_all:
    case opcode::s_some:
    case opcode::s_none: return strict_truth(i, s);
    default: return general();
  }
}

template <class Tracer>
std::uint8_t machine<Tracer>::strict_truth(std::uint32_t i, const scope& s) {
  if constexpr (Tracer::enabled) return static_cast<std::uint8_t>(strict::truth(eval_s(i, s)));
  const instruction& ins = p_.code[i];
  switch (ins.op) {
    case opcode::s_and:
    case opcode::s_or: {
      // Kleene: false (true) as soon as one operand is; unknown only when none is.
      std::uint8_t decisive = ins.op == opcode::s_and ? 0 : 1;
      bool unknown = false;
      for (std::uint32_t k = 0; k < ins.count; ++k) {
        std::uint8_t t = strict_leaf(p_.kid(ins, k), s);
        if (t == decisive) return decisive;
        unknown |= t == 2;
      }
      return unknown ? std::uint8_t{2} : static_cast<std::uint8_t>(1 - decisive);
    }
    case opcode::s_not: {
      std::uint8_t t = strict_leaf(p_.kid(ins, 0), s);
      return t == 2 ? t : static_cast<std::uint8_t>(1 - t);
    }
    case opcode::s_all:
    case opcode::s_some:
    case opcode::s_none: {
      value arr = eval_s(p_.kid(ins, 0), s);
      if (arr.k != kind::array) return 2;
      scope inner;
      inner.parent = &s;
      inner.iterable = arr;
      inner.is_iteration = true;
      std::uint32_t body = p_.kid(ins, 1);
      return strict::quantify(ins.op, arr.n, [&](std::uint32_t k) {
        inner.data = arr.items[k];
        inner.index = k;
        return strict_leaf(body, inner);
      });
    }
    default: return strict_leaf(i, s);
  }
}

template <class Tracer>
value machine<Tracer>::eval_strict(const instruction&, std::uint32_t i, const scope& s) {
  return strict_node(i, s);
}

template <class Tracer>
inline value machine<Tracer>::eval_s(std::uint32_t i, const scope& s) {
  if constexpr (Tracer::enabled) {
    tracer_.on_enter(i, s);
    value v = strict_node(i, s);
    tracer_.on_value(i, v, s);
    return v;
  } else {
    return strict_node(i, s);
  }
}

template <class Tracer>
value machine<Tracer>::strict_node(std::uint32_t i, const scope& s) {
  using strict::tri;
  const instruction& ins = p_.code[i];
  auto kid = [&](const instruction& in, std::uint32_t k, const scope& sc) { return eval_s(p_.kid(in, k), sc); };
  auto eval = [&](std::uint32_t at, const scope& sc) { return eval_s(at, sc); };
  switch (ins.op) {
    case opcode::constant: return p_.constants[ins.a];
    case opcode::s_fact: return slots_[ins.a];
    case opcode::s_field:
    case opcode::s_item:
    case opcode::s_index: {
      const scope* at = &s;
      for (std::uint32_t up = ins.b; up > 0 && at; --up) at = at->parent;
      if (ins.op == opcode::s_index) return value::number(at->index);
      if (ins.op == opcode::s_item) return at->data;
      return at->data.members[ins.a].v;
    }
    case opcode::s_and:
    case opcode::s_or: {
      bool is_and = ins.op == opcode::s_and;
      bool unknown = false;
      for (std::uint32_t k = 0; k < ins.count; ++k) {
        tri t = strict::truth(kid(ins, k, s));
        if (t == tri::unknown)
          unknown = true;
        else if ((t == tri::yes) != is_and)
          return value::boolean(!is_and);
      }
      return unknown ? value::unknown() : value::boolean(is_and);
    }
    case opcode::s_not: return strict::of(strict::negate(strict::truth(kid(ins, 0, s))));
    case opcode::s_if: {
      std::uint32_t k = 0;
      for (; k + 1 < ins.count; k += 2) {
        tri t = strict::truth(kid(ins, k, s));
        if (t == tri::yes) return kid(ins, k + 1, s);
        if (t == tri::unknown) {
          // Unknown condition: the answer is one of the remaining branches. Known if they all
          // agree; for numbers, the range they span; otherwise unknown.
          value first = kid(ins, k + 1, s);
          strict::interval hull{};
          bool numeric = strict::as_interval(first, hull) && first.k != kind::date;
          bool agree = true;
          auto consider = [&](const value& v) {
            agree = agree && strict::equals(first, v) == tri::yes;
            strict::interval x{};
            if (numeric && strict::as_interval(v, x) && v.k != kind::date)
              hull = {std::min(hull.lo, x.lo), std::max(hull.hi, x.hi)};
            else
              numeric = false;
          };
          for (std::uint32_t j = k + 3; j < ins.count; j += 2) consider(kid(ins, j, s));
          consider(kid(ins, ins.count - 1, s));
          if (agree) return first;
          return numeric ? strict::number_of(hull) : value::unknown();
        }
      }
      return kid(ins, ins.count - 1, s);
    }
    case opcode::s_eq:
    case opcode::s_ne:
    case opcode::s_lt:
    case opcode::s_le:
    case opcode::s_gt:
    case opcode::s_ge: {
      // Left before right (the trace, and so the messages, depend on the order).
      value a = kid(ins, 0, s);
      value b = kid(ins, 1, s);
      switch (ins.op) {
        case opcode::s_eq: return strict::of(strict::equals(a, b));
        case opcode::s_ne: return strict::of(strict::negate(strict::equals(a, b)));
        case opcode::s_lt: return strict::of(strict::compare(a, b, cmp_lt));
        case opcode::s_le: return strict::of(strict::compare(a, b, cmp_le));
        case opcode::s_gt: return strict::of(strict::compare(a, b, cmp_gt));
        default: return strict::of(strict::compare(a, b, cmp_ge));
      }
    }
    case opcode::s_between: {
      value lo = kid(ins, 0, s), x = kid(ins, 1, s), hi = kid(ins, 2, s);
      tri a = strict::compare(lo, x, (ins.flags & lower_inclusive) ? cmp_le : cmp_lt);
      if (a == tri::no) return value::boolean(false);
      return strict::of(strict::both(a, strict::compare(x, hi, (ins.flags & upper_inclusive) ? cmp_le : cmp_lt)));
    }
    case opcode::s_in_set: {
      value needle = kid(ins, 0, s);
      if (needle.k != kind::string) return value::unknown();
      return value::boolean(
          strict::in_symbols(p_.symbol_sets[ins.c], p_.symbol_bits[ins.c], needle, p_.constants[ins.b]));
    }
    case opcode::s_in_values: {
      value needle = kid(ins, 0, s);
      const value& list = p_.constants[ins.b];
      bool unknown = false;
      for (std::uint32_t k = 0; k < list.n; ++k) {
        tri t = strict::equals(needle, list.items[k]);
        if (t == tri::yes) return value::boolean(true);
        if (t == tri::unknown) unknown = true;
      }
      return unknown ? value::unknown() : value::boolean(false);
    }
    case opcode::s_contains: {
      value arr = kid(ins, 0, s);
      if (arr.k != kind::array) return value::unknown();
      const value& needle = p_.constants[ins.b];
      bool unknown = false;
      for (std::uint32_t k = 0; k < arr.n; ++k) {
        tri t = strict::equals(arr.items[k], needle);
        if (t == tri::yes) return value::boolean(true);
        if (t == tri::unknown) unknown = true;
      }
      return unknown ? value::unknown() : value::boolean(false);
    }
    case opcode::s_add:
    case opcode::s_sub:
    case opcode::s_mul:
    case opcode::s_div:
    case opcode::s_mod:
    case opcode::s_min:
    case opcode::s_max: {
      strict::interval acc{};
      for (std::uint32_t k = 0; k < ins.count; ++k) {
        strict::interval x{};
        if (!strict::as_interval(kid(ins, k, s), x)) return value::unknown();
        if (k == 0) {
          acc = ins.op == opcode::s_sub && ins.count == 1 ? strict::interval{-x.hi, -x.lo} : x;
          continue;
        }
        switch (ins.op) {
          case opcode::s_add: acc = {acc.lo + x.lo, acc.hi + x.hi}; break;
          case opcode::s_sub: acc = {acc.lo - x.hi, acc.hi - x.lo}; break;
          case opcode::s_min: acc = {std::min(acc.lo, x.lo), std::min(acc.hi, x.hi)}; break;
          case opcode::s_max: acc = {std::max(acc.lo, x.lo), std::max(acc.hi, x.hi)}; break;
          case opcode::s_mul: {
            double c[4] = {acc.lo * x.lo, acc.lo * x.hi, acc.hi * x.lo, acc.hi * x.hi};
            acc = {*std::min_element(c, c + 4), *std::max_element(c, c + 4)};
            break;
          }
          case opcode::s_div: {
            if (x.lo <= 0 && x.hi >= 0) return value::unknown();  // division by zero, or a range across it
            double c[4] = {acc.lo / x.lo, acc.lo / x.hi, acc.hi / x.lo, acc.hi / x.hi};
            acc = {*std::min_element(c, c + 4), *std::max_element(c, c + 4)};
            break;
          }
          default:  // %: exact values only
            if (acc.lo != acc.hi || x.lo != x.hi || x.lo == 0) return value::unknown();
            acc = {std::fmod(acc.lo, x.lo), std::fmod(acc.lo, x.lo)};
            break;
        }
      }
      return strict::number_of(acc);
    }
    case opcode::s_all:
    case opcode::s_some:
    case opcode::s_none:
    case opcode::s_count: {
      value arr = kid(ins, 0, s);
      if (arr.k != kind::array) return value::unknown();
      scope inner;
      inner.parent = &s;
      inner.iterable = arr;
      inner.is_iteration = true;
      std::uint32_t yes = 0, unknown = 0;
      for (std::uint32_t k = 0; k < arr.n; ++k) {
        inner.data = arr.items[k];
        inner.index = k;
        tri t = strict::truth(eval(p_.kid(ins, 1), inner));
        if (t == tri::yes) {
          ++yes;
          if (ins.op == opcode::s_some) return value::boolean(true);
          if (ins.op == opcode::s_none) return value::boolean(false);
        } else if (t == tri::no) {
          if (ins.op == opcode::s_all) return value::boolean(false);
        } else {
          ++unknown;
        }
      }
      switch (ins.op) {
        case opcode::s_all:
          return unknown ? value::unknown() : value::boolean(arr.n > 0);  // JsonLogic: all of [] is false
        case opcode::s_some: return unknown ? value::unknown() : value::boolean(false);
        case opcode::s_none: return unknown ? value::unknown() : value::boolean(true);
        default: return strict::number_of({static_cast<double>(yes), static_cast<double>(yes + unknown)});
      }
    }
    case opcode::s_reduce: {
      value arr = kid(ins, 0, s);
      value acc = kid(ins, 2, s);
      if (arr.k != kind::array) return value::unknown();
      scope inner;
      inner.parent = &s;
      inner.iterable = arr;
      inner.is_iteration = true;
      bool filtered = ins.count > 3;
      for (std::uint32_t k = 0; k < arr.n; ++k) {
        inner.data = arr.items[k];
        inner.index = k;
        inner.accumulator = acc;
        tri keep = filtered ? strict::truth(eval(p_.kid(ins, 3), inner)) : tri::yes;
        if (keep == tri::no) continue;
        value next = eval(p_.kid(ins, 1), inner);
        if (keep == tri::unknown) {
          // The item may or may not count: the value is either; for numbers, the range of both.
          strict::interval x{}, y{};
          if (strict::equals(acc, next) == tri::yes) continue;
          if (acc.k != kind::date && next.k != kind::date && strict::as_interval(acc, x) &&
              strict::as_interval(next, y))
            next = strict::number_of({std::min(x.lo, y.lo), std::max(x.hi, y.hi)});
          else
            next = value::unknown();
        }
        acc = next;
      }
      return acc;
    }
    case opcode::s_accumulator: {
      const scope* at = &s;
      for (std::uint32_t up = ins.b; up > 0 && at; --up) at = at->parent;
      return at->accumulator;
    }
    case opcode::s_length: {
      value arr = kid(ins, 0, s);
      return arr.k == kind::array ? value::number(arr.n) : value::unknown();
    }
    case opcode::s_days_between:
    case opcode::s_months_between:
    case opcode::s_years_between: {
      value a = kid(ins, 0, s), b = kid(ins, 1, s);
      if (a.k != kind::date || b.k != kind::date) return value::unknown();
      auto x = static_cast<std::int64_t>(a.num), y = static_cast<std::int64_t>(b.num);
      if (ins.op == opcode::s_days_between) return value::number(static_cast<double>(y - x));
      if (ins.op == opcode::s_months_between) return value::number(static_cast<double>(dates::months_between(x, y)));
      return value::number(static_cast<double>(dates::years_between(x, y)));
    }
    case opcode::s_fact_cmp: return strict::of(strict::compare(slots_[ins.a], p_.constants[ins.b], ins.flags));
    case opcode::s_fact_between: {
      const value& x = slots_[ins.a];
      tri a = strict::compare(p_.constants[ins.b], x, (ins.flags & lower_inclusive) ? cmp_le : cmp_lt);
      if (a == tri::no) return value::boolean(false);
      return strict::of(
          strict::both(a, strict::compare(x, p_.constants[ins.c], (ins.flags & upper_inclusive) ? cmp_le : cmp_lt)));
    }
    case opcode::s_fact_eq: {
      tri t = strict::equals(slots_[ins.a], p_.constants[ins.b]);
      return strict::of(ins.flags & 1 ? strict::negate(t) : t);
    }
    case opcode::s_fact_in_set: {
      const value& v = slots_[ins.a];
      if (v.k != kind::string) return value::unknown();
      return value::boolean(strict::in_symbols(p_.symbol_sets[ins.c], p_.symbol_bits[ins.c], v, p_.constants[ins.b]));
    }
    case opcode::s_field_eq: return strict::of(strict::equals(s.data.members[ins.a].v, p_.constants[ins.b]));
    case opcode::s_field_in_set: {
      const value& v = s.data.members[ins.a].v;
      if (v.k != kind::string) return value::unknown();
      return value::boolean(strict::in_symbols(p_.symbol_sets[ins.c], p_.symbol_bits[ins.c], v, p_.constants[ins.b]));
    }
    case opcode::s_fact_truthy: return slots_[ins.a];
    case opcode::s_fact_not: return strict::of(strict::negate(strict::truth(slots_[ins.a])));
    default: return value::unknown();
  }
}

}  // namespace divert::detail
