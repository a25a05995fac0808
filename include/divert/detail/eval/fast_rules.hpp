#pragma once
// Rules as compact descriptors, for deciding. Most of a scheme's rules are a fact compared with
// constants, or an and/or/all of such comparisons; lowered here (once, when the policy
// compiles) into small flat records that a tight loop evaluates without a call per node. Any
// value the fast path does not handle (a range, an unknown, a free-text string compared by
// equality or order) goes to the general evaluator for that comparison, so the answers are the evaluator's by
// construction.

#include <cstdint>
#include <vector>

#include "divert/detail/bytes.hpp"
#include "divert/detail/eval/evaluator.hpp"
#include "divert/detail/eval/strict_eval.hpp"
#include "divert/detail/plan/program.hpp"

namespace divert::detail {

// A string as its length and two words of its bytes: the first and last 8 bytes (of a string of
// 8 or more), or 4 (of 4 to 7), or three single bytes (of 1 to 3). For strings of up to 16 bytes,
// equal keys mean equal strings: a free-text fact is found in a set of short strings by comparing
// words, with no call to memcmp (a call in the rule loops pushes their state out of registers).
struct text_key {
  static constexpr std::uint32_t exact_bytes = 16;  // up to this length, the key is the string
  std::uint64_t head = 0, tail = 0;
  const char* text = nullptr;
  std::uint32_t n = 0;

  DIVERT_HOT_INLINE bool same_key(const text_key& o) const noexcept {
    return n == o.n && head == o.head && tail == o.tail;
  }
};

DIVERT_HOT_INLINE text_key text_key_of(const char* s, std::uint32_t n) noexcept {
  text_key k;
  k.text = s;
  k.n = n;
  if (n >= 8) {
    k.head = load8(s);
    k.tail = load8(s + n - 8);
  } else if (n >= 4) {
    k.head = load4(s);
    k.tail = load4(s + n - 4);
  } else if (n > 0) {
    const auto byte = [&](std::uint32_t at) { return std::uint64_t{static_cast<unsigned char>(s[at])}; };
    k.head = byte(0) | byte(n / 2) << 8 | byte(n - 1) << 16;
  }
  return k;
}

// One comparison over a slot (or over a field of the current item), or a whole rule: a rule
// that is one comparison is that leaf itself, so that deciding it takes a single dispatch.
struct fast_leaf {
  enum class kind : std::uint8_t {
    constant,      // a: 0 false, 1 true, 2 unknown
    fact_bool,     // the slot is a boolean fact
    fact_not,      // !slot
    between,       // lo <(=) slot <(=) hi; flags: inclusivity
    compare,       // slot against lo; flags: cmp_*
    equals,        // slot == the constant `symbol`; flags & 1: negated
    in_set,        // slot in a set: its bitmap (bits, bits_words), its strings' keys (texts, count)
    field_equals,  // field a of the item == the constant `symbol`
    field_in_set,  // field a of the item in a set, as in_set
    general,       // anything else: instruction `at` through the evaluator
    // Rules only:
    all_of,  // Kleene and of leaves [kids, kids + count)
    any_of,  // Kleene or
    items,   // all/some/none (`quantifier`) over the array slot, of the one field test kids[0]
  };
  kind k = kind::general;
  std::uint8_t flags = 0;
  detail::kind operand_kind = detail::kind::undefined;  // between, compare: the constants' kind
  opcode quantifier = opcode::s_all;                    // items: s_all, s_some or s_none
  std::uint16_t symbol = 0;                             // equals, field_equals: the constant's
  std::uint32_t a = 0;                                  // constant: its truth; field_*: the field
  // The slot read (leaves over a slot, items), as a byte offset into the slots: no shift to read it.
  std::uint32_t slot_at = 0;
  std::uint32_t at = 0;     // the instruction, for the general path (a rule: its root)
  std::uint32_t count = 0;  // all_of, any_of, items: leaves; in_set, field_in_set: strings
  std::uint32_t bits_words = 0;
  double lo = 0, hi = 0;  // between: the bounds; compare: lo is the constant
  // Where the leaf's arrays are in its fast_plan, as pointers: no base to add, no index to shift.
  union {
    const fast_leaf* kids = nullptr;  // all_of, any_of, items
    const std::uint64_t* bits;        // in_set, field_in_set: the set's bitmap, bits_words words
  };
  const text_key* texts = nullptr;  // in_set, field_in_set: the listed strings' keys
};
static_assert(sizeof(void*) != 8 || sizeof(fast_leaf) == 64, "a leaf is one cache line");

// The plan's leaves point into its arrays: it moves (a vector's move keeps its buffer) but never copies.
struct fast_plan {
  fast_plan() = default;
  fast_plan(fast_plan&&) = default;
  fast_plan& operator=(fast_plan&&) = default;
  fast_plan(const fast_plan&) = delete;
  fast_plan& operator=(const fast_plan&) = delete;

  std::vector<fast_leaf> leaves;    // the leaves of all_of, any_of and items rules
  std::vector<fast_leaf> rules;     // one per rule, in the policy's order
  std::vector<std::uint64_t> bits;  // the symbol sets' bitmaps, one after another
  std::vector<text_key> texts;      // the sets' strings as keys, one set after another
};

// A leaf's arrays as indices into the plan's while the plan grows; pointers once it is whole (link_leaves).
struct fast_leaf_arrays {
  std::uint32_t kids = 0, bits = 0, texts = 0;
};

inline fast_leaf lower_leaf(const program& p, std::uint32_t at, fast_plan& plan, fast_leaf_arrays& where) {
  const instruction& ins = p.code[at];
  fast_leaf l;
  l.at = at;
  l.flags = ins.flags;
  // The instruction's operand a is the slot of a slot test, the field of a field test (kept in
  // a) and the constant of a constant (replaced below by its truth).
  l.a = ins.a;
  l.slot_at = static_cast<std::uint32_t>(ins.a * sizeof(value));
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
    case opcode::s_fact_in_set:
    case opcode::s_field_in_set: {
      l.k = ins.op == opcode::s_fact_in_set ? fast_leaf::kind::in_set : fast_leaf::kind::field_in_set;
      const auto& bits = p.symbol_bits[ins.c];
      where.bits = static_cast<std::uint32_t>(plan.bits.size());
      l.bits_words = static_cast<std::uint32_t>(bits.size());
      plan.bits.insert(plan.bits.end(), bits.begin(), bits.end());
      const value& list = p.constants[ins.b];
      where.texts = static_cast<std::uint32_t>(plan.texts.size());
      l.count = list.n;
      for (std::uint32_t k = 0; k < list.n; ++k) {
        const value& item = list.items[k];
        if (item.k != kind::string) {
          l.k = fast_leaf::kind::general;  // (the planner lists strings only)
          break;
        }
        plan.texts.push_back(text_key_of(item.str, item.n));
      }
      break;
    }
    default: break;
  }
  return l;
}

// Each leaf's arrays as pointers, now that the plan's arrays no longer grow.
inline void link_leaves(std::vector<fast_leaf>& leaves, const std::vector<fast_leaf_arrays>& where,
                        const fast_plan& plan) {
  for (std::size_t k = 0; k < leaves.size(); ++k) {
    fast_leaf& l = leaves[k];
    if (l.k == fast_leaf::kind::in_set || l.k == fast_leaf::kind::field_in_set) {
      l.bits = plan.bits.data() + where[k].bits;
      l.texts = plan.texts.data() + where[k].texts;
    } else if (l.k == fast_leaf::kind::all_of || l.k == fast_leaf::kind::any_of || l.k == fast_leaf::kind::items) {
      l.kids = plan.leaves.data() + where[k].kids;
    }
  }
}

inline fast_plan lower_rules(const program& p, const std::vector<std::uint32_t>& roots) {
  fast_plan plan;
  std::vector<fast_leaf_arrays> rule_arrays, leaf_arrays;
  auto add_leaf = [&](std::uint32_t at) {
    fast_leaf_arrays where;
    plan.leaves.push_back(lower_leaf(p, at, plan, where));
    leaf_arrays.push_back(where);
  };
  for (std::uint32_t root : roots) {
    if (root >= p.code.size()) return {};  // not compiled: nothing to decide with
    const instruction& ins = p.code[root];
    fast_leaf r;  // general unless lowered below
    r.at = root;
    fast_leaf_arrays where;
    where.kids = static_cast<std::uint32_t>(plan.leaves.size());
    if (ins.op == opcode::s_and || ins.op == opcode::s_or) {
      r.k = ins.op == opcode::s_and ? fast_leaf::kind::all_of : fast_leaf::kind::any_of;
      r.count = ins.count;
      for (std::uint32_t k = 0; k < ins.count; ++k) add_leaf(p.kid(ins, k));
    } else if ((ins.op == opcode::s_all || ins.op == opcode::s_some || ins.op == opcode::s_none) &&
               p.code[p.kid(ins, 0)].op == opcode::s_fact) {
      fast_leaf_arrays body_where;
      fast_leaf body = lower_leaf(p, p.kid(ins, 1), plan, body_where);
      if (body.k == fast_leaf::kind::field_equals || body.k == fast_leaf::kind::field_in_set) {
        r.k = fast_leaf::kind::items;
        r.quantifier = ins.op;
        r.slot_at = static_cast<std::uint32_t>(p.code[p.kid(ins, 0)].a * sizeof(value));
        r.count = 1;
        plan.leaves.push_back(body);
        leaf_arrays.push_back(body_where);
      }
    } else {
      r = lower_leaf(p, root, plan, where);
    }
    plan.rules.push_back(r);
    rule_arrays.push_back(where);
  }
  link_leaves(plan.rules, rule_arrays, plan);
  link_leaves(plan.leaves, leaf_arrays, plan);
  return plan;
}

// Evaluates rules of a fast plan: 0 false, 1 true, 2 unknown. Holds the rules as a plain pointer,
// so that the loops do not reload it from its vector (the leaves hold their own arrays).
//
// What the fast path does not answer (node returns not_answered) goes to the general evaluator
// from two places only: `rule`, for a whole rule, and `leaf`, for a leaf of an and/or (so that
// its other leaves stay fast). An item the fast path does not answer sends its whole rule: the
// loop over items then holds no call, which keeps its state in registers.
class fast_evaluator {
 public:
  fast_evaluator(const program& p, const fast_plan& plan, const value* slots)
      : p_(p), rules_(plan.rules.data()), slots_(slots) {}

  DIVERT_HOT_INLINE std::uint8_t rule(std::uint32_t i) {
    const std::uint8_t t = node<true>(rules_[i]);
    if (DIVERT_UNLIKELY(t == not_answered)) return general(p_, slots_, rules_[i].at);
    return t;
  }

 private:
  // The slot a leaf reads.
  DIVERT_HOT_INLINE const value& slot(const fast_leaf& l) const {
    return *reinterpret_cast<const value*>(reinterpret_cast<const char*>(slots_) + l.slot_at);
  }

  // What node, items and field_leaf return for what they leave to the general evaluator.
  static constexpr std::uint8_t not_answered = 3;

  // all/some/none over an array fact, of one field test.
  DIVERT_HOT_INLINE std::uint8_t items(const fast_leaf& r) {
    const value& arr = slot(r);
    if (arr.k != kind::array) return 2;
    const fast_leaf& body = r.kids[0];
    auto item = [&](std::uint32_t k) DIVERT_HOT_LAMBDA { return field_leaf(body, arr.items[k].members[body.a].v); };
    // `all` (the usual one) with the quantifier a constant: the loop then tests no quantifier per item.
    if (r.quantifier == opcode::s_all) return strict::quantify(opcode::s_all, arr.n, item);
    return strict::quantify(r.quantifier, arr.n, item);
  }

  // A field test on the field's value x.
  DIVERT_HOT_INLINE std::uint8_t field_leaf(const fast_leaf& l, const value& x) const {
    if (l.k == fast_leaf::kind::field_equals) {
      if (x.k == kind::string && x.sym != no_symbol) return static_cast<std::uint8_t>(x.sym == l.symbol);
    } else {
      std::uint8_t out = 2;
      if (in_bits(x, l, out)) return out;
    }
    return not_answered;
  }

  // Set membership by symbol bit; a string without a symbol (a free-text fact) by its key
  // against the listed strings' keys.
  DIVERT_HOT_INLINE bool in_bits(const value& v, const fast_leaf& l, std::uint8_t& out) const {
    if (v.k != kind::string) return false;
    if (v.sym == no_symbol) {  // (the key is made after the long-string test, so it is never spilled for the call)
      const text_key* listed = l.texts;
      if (DIVERT_UNLIKELY(v.n > text_key::exact_bytes)) {
        out = listed_long_text(listed, l.count, v);
        return true;
      }
      const text_key key = text_key_of(v.str, v.n);
      out = 0;
      for (std::uint32_t k = 0; k < l.count; ++k)
        if (listed[k].same_key(key)) {
          out = 1;
          break;
        }
      return true;
    }
    if ((v.sym >> 6) >= l.bits_words) return false;
    out = static_cast<std::uint8_t>((l.bits[v.sym >> 6] >> (v.sym & 63)) & 1);
    return true;
  }

  // A leaf of an and/or: the ones the fast path does not answer through the general evaluator, so
  // that the others stay fast and a decisive leaf still ends the loop.
  DIVERT_HOT_INLINE std::uint8_t leaf(const fast_leaf& l) {
    const std::uint8_t t = node<false>(l);
    if (DIVERT_UNLIKELY(t == not_answered)) return general(p_, slots_, l.at);
    return t;
  }

  // A leaf, or (Rule) a whole rule: one switch for both, so that a rule that is one leaf costs
  // one dispatch.
  template <bool Rule>
  DIVERT_HOT_INLINE std::uint8_t node(const fast_leaf& l) {
    switch (l.k) {
      case fast_leaf::kind::constant: return static_cast<std::uint8_t>(l.a);
      case fast_leaf::kind::fact_bool: {
        const value& v = slot(l);
        if (v.k == kind::boolean) return static_cast<std::uint8_t>(v.b);
        break;
      }
      case fast_leaf::kind::fact_not: {
        const value& v = slot(l);
        if (v.k == kind::boolean) return static_cast<std::uint8_t>(!v.b);
        break;
      }
      case fast_leaf::kind::between: {
        const value& x = slot(l);
        if (x.k != l.operand_kind) break;
        bool lower = (l.flags & lower_inclusive) ? l.lo <= x.num : l.lo < x.num;
        bool upper = (l.flags & upper_inclusive) ? x.num <= l.hi : x.num < l.hi;
        return static_cast<std::uint8_t>(lower && upper);
      }
      case fast_leaf::kind::compare: {
        const value& x = slot(l);
        if (x.k != l.operand_kind) break;
        switch (l.flags) {
          case cmp_lt: return static_cast<std::uint8_t>(x.num < l.lo);
          case cmp_le: return static_cast<std::uint8_t>(x.num <= l.lo);
          case cmp_gt: return static_cast<std::uint8_t>(x.num > l.lo);
          default: return static_cast<std::uint8_t>(x.num >= l.lo);
        }
      }
      case fast_leaf::kind::equals: {
        const value& x = slot(l);
        if (x.k != kind::string || x.sym == no_symbol) break;
        return static_cast<std::uint8_t>((x.sym == l.symbol) != static_cast<bool>(l.flags & 1));
      }
      case fast_leaf::kind::in_set: {
        std::uint8_t out = 2;
        if (in_bits(slot(l), l, out)) return out;
        break;
      }
      case fast_leaf::kind::field_equals:
      case fast_leaf::kind::field_in_set:  // (only in items: field_leaf)
      case fast_leaf::kind::general: break;
      case fast_leaf::kind::all_of:
      case fast_leaf::kind::any_of:
        if constexpr (Rule) {
          const std::uint8_t decisive = l.k == fast_leaf::kind::all_of ? 0 : 1;
          const fast_leaf* kids = l.kids;
          // Two leaves (the implicit jurisdiction rule, a range written as two comparisons)
          // without the loop: 32 instructions fewer in a Lewisham decision.
          if (l.count == 2) {
            const std::uint8_t first = leaf(kids[0]);
            if (first == decisive) return decisive;
            const std::uint8_t second = leaf(kids[1]);
            if (second == decisive) return decisive;
            return first == 2 || second == 2 ? std::uint8_t{2} : static_cast<std::uint8_t>(1 - decisive);
          }
          bool unknown = false;
          for (std::uint32_t k = 0; k < l.count; ++k) {
            const std::uint8_t t = leaf(kids[k]);
            if (t == decisive) return decisive;
            unknown |= t == 2;
          }
          return unknown ? std::uint8_t{2} : static_cast<std::uint8_t>(1 - decisive);
        }
        break;
      case fast_leaf::kind::items:
        if constexpr (Rule) return items(l);
        break;
      default: DIVERT_UNREACHABLE();  // every kind has its case: no range check before the jump table
    }
    return not_answered;
  }

  // Whether v, a string longer than text_key::exact_bytes, is listed: its key, then its bytes.
  DIVERT_OUT_OF_LINE static std::uint8_t listed_long_text(const text_key* listed, std::uint32_t count, const value& v) {
    const text_key key = text_key_of(v.str, v.n);
    for (std::uint32_t k = 0; k < count; ++k)
      if (listed[k].same_key(key) && same_bytes(listed[k].text, key.text, key.n)) return 1;
    return 0;
  }

  // A rule or leaf the fast path does not answer, through the general evaluator: made here, off the hot
  // path (strict programs never allocate from scratch, so an empty arena is all it needs).
  // (Static, given what it needs: the evaluator's own address does not escape, so its pointers
  // can stay in registers.)
  DIVERT_OUT_OF_LINE static std::uint8_t general(const program& p, const value* slots, std::uint32_t at) {
    arena scratch(0);
    null_tracer tracer;
    machine<null_tracer> m(p, slots, scratch, tracer);
    return m.strict_truth(at, root_);
  }

  static constexpr scope root_{};

  const program& p_;
  const fast_leaf* rules_;
  const value* slots_;
};

}  // namespace divert::detail
