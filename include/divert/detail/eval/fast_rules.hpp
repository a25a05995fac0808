#pragma once
// Rules as compact descriptors, for deciding. Most of a scheme's rules are a fact compared with
// constants, or an and/or/all of such comparisons; lowered here (once, when the policy
// compiles) into small flat records that a tight loop evaluates without a call per node. Any
// value the fast path does not handle (a range, an unknown, a string without a symbol) goes to
// the general evaluator for that comparison, so the answers are the evaluator's by
// construction.

#include <cstdint>
#include <cstring>
#include <vector>

#include "divert/detail/eval/evaluator.hpp"
#include "divert/detail/eval/strict_eval.hpp"
#include "divert/detail/plan/program.hpp"

namespace divert::detail {

// One comparison over a slot (or over a field of the current item).
struct fast_leaf {
  enum class kind : std::uint8_t {
    constant,      // a: 0 false, 1 true, 2 unknown
    fact_bool,     // slot a is a boolean fact
    fact_not,      // !slot a
    between,       // constants b <(=) slot a <(=) c; flags: inclusivity
    compare,       // slot a against constant b; flags: cmp_*
    equals,        // slot a == constant b (symbol); flags & 1: negated
    in_set,        // slot a in symbol set c
    field_equals,  // field a of the item == constant b (symbol)
    field_in_set,  // field a of the item in symbol set c
    general,       // anything else: instruction `at` through the evaluator
  };
  kind k = kind::general;
  std::uint8_t flags = 0;
  detail::kind operand_kind = detail::kind::undefined;  // between, compare: the constants' kind
  std::uint16_t symbol = 0;                             // equals, field_equals: the constant's
  std::uint32_t a = 0, b = 0, c = 0;
  std::uint32_t at = 0;   // the instruction, for the general path
  double lo = 0, hi = 0;  // between: the bounds; compare: lo is the constant
};

struct fast_rule {
  enum class shape : std::uint8_t {
    leaf,     // leaves[first]
    all_of,   // Kleene and of leaves[first, first + count)
    any_of,   // Kleene or
    items,    // all/some/none over array slot `array`, of a body that is one leaf (a field test)
    general,  // the root through the evaluator
  };
  shape s = shape::general;
  opcode quantifier = opcode::s_all;  // items: s_all, s_some or s_none
  std::uint32_t first = 0, count = 0;
  std::uint32_t array = 0;  // items: the array's slot
  std::uint32_t root = 0;
};

struct fast_plan {
  std::vector<fast_leaf> leaves;
  std::vector<fast_rule> rules;  // one per rule, in the policy's order
};

inline fast_leaf lower_leaf(const program& p, std::uint32_t at) {
  const instruction& ins = p.code[at];
  fast_leaf l;
  l.at = at;
  l.flags = ins.flags;
  l.a = ins.a;
  l.b = ins.b;
  l.c = ins.c;
  switch (ins.op) {
    case opcode::constant: {
      const value& v = p.constants[ins.a];
      l.k = fast_leaf::kind::constant;
      l.a = v.k == kind::boolean ? (v.b ? 1 : 0) : 2;
      break;
    }
    case opcode::s_fact:
    case opcode::s_fact_truthy: l.k = fast_leaf::kind::fact_bool; break;
    case opcode::s_fact_not: l.k = fast_leaf::kind::fact_not; break;
    case opcode::s_fact_between: {
      // The constants are known now: their kind and numbers go into the leaf, and a pair the
      // fast path cannot compare (kinds that differ, or neither numbers nor dates) stays general.
      const value& lo = p.constants[ins.b];
      const value& hi = p.constants[ins.c];
      if (lo.k == hi.k && (lo.k == kind::number || lo.k == kind::date)) {
        l.k = fast_leaf::kind::between;
        l.operand_kind = lo.k;
        l.lo = lo.num;
        l.hi = hi.num;
      }
      break;
    }
    case opcode::s_fact_cmp: {
      const value& c = p.constants[ins.b];
      if (c.k == kind::number || c.k == kind::date) {
        l.k = fast_leaf::kind::compare;
        l.operand_kind = c.k;
        l.lo = c.num;
      }
      break;
    }
    case opcode::s_fact_eq:
    case opcode::s_field_eq: {
      // Equality by symbol needs the constant to be an interned string.
      const value& c = p.constants[ins.b];
      if (c.k == kind::string && c.sym != no_symbol) {
        l.k = ins.op == opcode::s_fact_eq ? fast_leaf::kind::equals : fast_leaf::kind::field_equals;
        l.symbol = c.sym;
      }
      break;
    }
    case opcode::s_fact_in_set: l.k = fast_leaf::kind::in_set; break;
    case opcode::s_field_in_set: l.k = fast_leaf::kind::field_in_set; break;
    default: break;
  }
  return l;
}

inline fast_plan lower_rules(const program& p, const std::vector<std::uint32_t>& roots) {
  fast_plan plan;
  for (std::uint32_t root : roots) {
    if (root >= p.code.size()) return {};  // not compiled: nothing to decide with
    const instruction& ins = p.code[root];
    fast_rule r;
    r.root = root;
    r.first = static_cast<std::uint32_t>(plan.leaves.size());
    if (ins.op == opcode::s_and || ins.op == opcode::s_or) {
      r.s = ins.op == opcode::s_and ? fast_rule::shape::all_of : fast_rule::shape::any_of;
      r.count = ins.count;
      for (std::uint32_t k = 0; k < ins.count; ++k) plan.leaves.push_back(lower_leaf(p, p.kid(ins, k)));
    } else if ((ins.op == opcode::s_all || ins.op == opcode::s_some || ins.op == opcode::s_none) &&
               p.code[p.kid(ins, 0)].op == opcode::s_fact) {
      fast_leaf body = lower_leaf(p, p.kid(ins, 1));
      if (body.k == fast_leaf::kind::field_equals || body.k == fast_leaf::kind::field_in_set) {
        r.s = fast_rule::shape::items;
        r.quantifier = ins.op;
        r.array = p.code[p.kid(ins, 0)].a;
        r.count = 1;
        plan.leaves.push_back(body);
      } else {
        r.s = fast_rule::shape::general;
      }
    } else {
      fast_leaf l = lower_leaf(p, root);
      if (l.k != fast_leaf::kind::general) {
        r.s = fast_rule::shape::leaf;
        r.count = 1;
        plan.leaves.push_back(l);
      }
    }
    plan.rules.push_back(r);
  }
  return plan;
}

// Evaluates rules of a fast plan: 0 false, 1 true, 2 unknown.
template <class Machine>
class fast_evaluator {
 public:
  fast_evaluator(const program& p, const fast_plan& plan, const value* slots, Machine& m)
      : p_(p), plan_(plan), slots_(slots), m_(m) {}

  DIVERT_HOT_INLINE std::uint8_t rule(std::uint32_t i, const scope& root) {
    const fast_rule& r = plan_.rules[i];
    switch (r.s) {
      case fast_rule::shape::leaf: return leaf(plan_.leaves[r.first], root);
      case fast_rule::shape::all_of:
      case fast_rule::shape::any_of: {
        std::uint8_t decisive = r.s == fast_rule::shape::all_of ? 0 : 1;
        bool unknown = false;
        for (std::uint32_t k = 0; k < r.count; ++k) {
          std::uint8_t t = leaf(plan_.leaves[r.first + k], root);
          if (t == decisive) return decisive;
          unknown |= t == 2;
        }
        return unknown ? std::uint8_t{2} : static_cast<std::uint8_t>(1 - decisive);
      }
      case fast_rule::shape::items: return items(r, root);
      default: return m_.strict_truth(r.root, root);
    }
  }

 private:
#if defined(__GNUC__) || defined(__clang__)
  __attribute__((noinline))
#endif
  std::uint8_t
  items(const fast_rule& r, const scope& root) {
    const value& arr = slots_[r.array];
    if (arr.k != kind::array) return 2;
    const fast_leaf& body = plan_.leaves[r.first];
    return strict::quantify(r.quantifier, arr.n, [&](std::uint32_t k) { return field_leaf(body, arr, k, root); });
  }

  // A field test on item k of `arr`; only the general path needs a scope, made there.
  DIVERT_HOT_INLINE std::uint8_t field_leaf(const fast_leaf& l, const value& arr, std::uint32_t k, const scope& root) {
    const value& x = arr.items[k].members[l.a].v;
    if (l.k == fast_leaf::kind::field_equals) {
      if (x.k == kind::string && x.sym != no_symbol) return static_cast<std::uint8_t>(x.sym == l.symbol);
    } else {
      std::uint8_t out = 2;
      if (in_bits(x, l.c, l.b, out)) return out;
    }
    scope inner;
    inner.parent = &root;
    inner.iterable = arr;
    inner.is_iteration = true;
    inner.data = arr.items[k];
    inner.index = k;
    return m_.strict_truth(l.at, inner);
  }

  // Set membership by symbol bit; a string without a symbol (a free-text fact) by its bytes
  // against the listed constants.
  DIVERT_HOT_INLINE bool in_bits(const value& v, std::uint32_t set, std::uint32_t list, std::uint8_t& out) const {
    if (v.k != kind::string) return false;
    if (v.sym == no_symbol) {
      const value& l = p_.constants[list];
      out = 0;
      for (std::uint32_t k = 0; k < l.n; ++k)
        if (l.items[k].n == v.n && std::memcmp(l.items[k].str, v.str, v.n) == 0) {
          out = 1;
          break;
        }
      return true;
    }
    const auto& bits = p_.symbol_bits[set];
    if ((v.sym >> 6) >= bits.size()) return false;
    out = static_cast<std::uint8_t>((bits[v.sym >> 6] >> (v.sym & 63)) & 1);
    return true;
  }

  DIVERT_HOT_INLINE std::uint8_t leaf(const fast_leaf& l, const scope& s) {
    switch (l.k) {
      case fast_leaf::kind::constant: return static_cast<std::uint8_t>(l.a);
      case fast_leaf::kind::fact_bool: {
        const value& v = slots_[l.a];
        if (v.k == kind::boolean) return static_cast<std::uint8_t>(v.b);
        break;
      }
      case fast_leaf::kind::fact_not: {
        const value& v = slots_[l.a];
        if (v.k == kind::boolean) return static_cast<std::uint8_t>(!v.b);
        break;
      }
      case fast_leaf::kind::between: {
        const value& x = slots_[l.a];
        if (x.k != l.operand_kind) break;
        bool lower = (l.flags & lower_inclusive) ? l.lo <= x.num : l.lo < x.num;
        bool upper = (l.flags & upper_inclusive) ? x.num <= l.hi : x.num < l.hi;
        return static_cast<std::uint8_t>(lower && upper);
      }
      case fast_leaf::kind::compare: {
        const value& x = slots_[l.a];
        if (x.k != l.operand_kind) break;
        switch (l.flags) {
          case cmp_lt: return static_cast<std::uint8_t>(x.num < l.lo);
          case cmp_le: return static_cast<std::uint8_t>(x.num <= l.lo);
          case cmp_gt: return static_cast<std::uint8_t>(x.num > l.lo);
          default: return static_cast<std::uint8_t>(x.num >= l.lo);
        }
      }
      case fast_leaf::kind::equals: {
        const value& x = slots_[l.a];
        if (x.k != kind::string || x.sym == no_symbol) break;
        return static_cast<std::uint8_t>((x.sym == l.symbol) != static_cast<bool>(l.flags & 1));
      }
      case fast_leaf::kind::in_set: {
        std::uint8_t out = 2;
        if (in_bits(slots_[l.a], l.c, l.b, out)) return out;
        break;
      }
      case fast_leaf::kind::field_equals: {
        const value& x = s.data.members[l.a].v;
        if (x.k != kind::string || x.sym == no_symbol) break;
        return static_cast<std::uint8_t>(x.sym == l.symbol);
      }
      case fast_leaf::kind::field_in_set: {
        std::uint8_t out = 2;
        if (in_bits(s.data.members[l.a].v, l.c, l.b, out)) return out;
        break;
      }
      case fast_leaf::kind::general: break;
    }
    return m_.strict_truth(l.at, s);
  }

  const program& p_;
  const fast_plan& plan_;
  const value* slots_;
  Machine& m_;
};

}  // namespace divert::detail
