#pragma once
// Evaluation of strict-mode (policy) instructions: typed, three-valued.

#include "divert/detail/eval/evaluator.hpp"

namespace divert::detail {

template <class Tracer>
value machine<Tracer>::eval_strict(const instruction&, std::uint32_t, const scope&) {
  return value::unknown();
}

}  // namespace divert::detail
