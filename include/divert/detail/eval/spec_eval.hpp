#pragma once
// Evaluation of the specification dialect's instructions (see spec_planner.hpp).

#include "divert/detail/eval/evaluator.hpp"

namespace divert::detail {

template <class Tracer>
value machine<Tracer>::eval_spec(const instruction&, std::uint32_t, const scope&) {
  std::string m = "instruction not implemented";
  throw eval_failure{value::string(scratch_.copy_string(m), static_cast<std::uint32_t>(m.size()))};
}

}  // namespace divert::detail
