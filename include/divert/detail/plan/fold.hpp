#pragma once
// Constant folding: an instruction whose arguments are all constants is run once, at compile
// time, and replaced by its value (copied into the program's storage, strings interned).
// Instructions that read data, have effects or may fail are left for run time.

#include "divert/detail/eval/evaluator.hpp"
#include "divert/detail/eval/spec_eval.hpp"
#include "divert/detail/eval/strict_eval.hpp"
#include "divert/detail/plan/planner.hpp"
#include "divert/detail/plan/spec_planner.hpp"  // defines spec_is_foldable

namespace divert::detail {

bool spec_is_foldable(opcode op);  // spec_planner.hpp

inline bool is_foldable(opcode op) {
  switch (op) {
    case opcode::constant:
    case opcode::var_slot:
    case opcode::var_scoped:
    case opcode::var_dynamic:
    case opcode::custom:
    case opcode::js_log:
    case opcode::js_missing:
    case opcode::js_missing_some: return false;
    default:
      if (static_cast<int>(op) >= static_cast<int>(opcode::spec_first) &&
          static_cast<int>(op) <= static_cast<int>(opcode::spec_last))
        return spec_is_foldable(op);
      return static_cast<int>(op) < static_cast<int>(opcode::spec_first);
  }
}

// Copies a value (and what it points to) into the program's storage, interning strings.
inline value persist(program& p, const value& v) {
  switch (v.k) {
    case kind::string:
      if (v.sym != no_symbol) return v;
      return p.symbols.string_value(p.symbols.intern(v.sv()));
    case kind::array: {
      value* items = p.storage.allocate_array<value>(v.n);
      for (std::uint32_t i = 0; i < v.n; ++i) items[i] = persist(p, v.items[i]);
      return value::array(items, v.n);
    }
    case kind::object: {
      member* ms = p.storage.allocate_array<member>(v.n);
      for (std::uint32_t i = 0; i < v.n; ++i) {
        value key = p.symbols.string_value(p.symbols.intern(v.members[i].key_sv()));
        ms[i] = member{key.str, key.n, key.sym, persist(p, v.members[i].v)};
      }
      return value::object(ms, v.n);
    }
    default: return v;
  }
}

inline bool fold_instruction(program& p, std::uint32_t index, value& result) {
  if (!is_foldable(p.code[index].op)) return false;
  arena scratch(256);
  null_tracer tracer;
  machine<null_tracer> m(p, nullptr, scratch, tracer);
  try {
    scope root;
    result = persist(p, m.eval(index, root));
    return true;
  } catch (const eval_failure&) {
    return false;  // errors surface at run time, where the suites expect them
  }
}

}  // namespace divert::detail
