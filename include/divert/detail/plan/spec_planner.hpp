#pragma once
// The JsonLogic organisation's specification dialect (as json-logic-engine 5 implements it),
// and the extension operators both dialects share: val, exists, length, try, throw, preserve, ??.

#include "divert/detail/plan/planner.hpp"

namespace divert::detail {

inline bool plan_spec_operation(planner&, const expr&, std::uint32_t&) { return false; }

inline bool spec_is_foldable(opcode) { return false; }

}  // namespace divert::detail
