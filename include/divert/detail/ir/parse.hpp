#pragma once
// JSON -> expression tree. Recursion is bounded by limits::max_depth, so a rule nested
// 100,000 deep is a diagnostic, not a stack overflow.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "divert/detail/input/json_pointer.hpp"
#include "divert/detail/ir/expr.hpp"
#include "divert/error.hpp"
#include "divert/limits.hpp"

namespace divert::detail {

struct parse_context {
  const limits& lim;
  std::string file;
  std::vector<diagnostic>& diagnostics;
  std::size_t nodes = 0;
  bool too_deep_reported = false;
};

// Whether a literal (data, or preserve's argument) at `depth` holds an array or object at or past
// the limit; the recursion stops there, so it stays bounded too.
inline bool literal_too_deep(const nlohmann::ordered_json& j, std::size_t depth, const limits& lim) {
  if (!j.is_structured()) return false;
  if (depth >= lim.max_depth) return true;
  for (const auto& item : j)
    if (literal_too_deep(item, depth + 1, lim)) return true;
  return false;
}

// Whether any JSON document (json or ordered_json) holds more than `max_depth` nested arrays and
// objects, as the text's prescan counts them; `pointer` (empty on the call) is then the first
// container too deep. Recursion stops at the limit; the pointer is made only when found.
template <class Json>
bool nested_deeper(const Json& j, std::size_t max_depth, std::string& pointer, std::size_t depth = 0) {
  if (!j.is_structured()) return false;
  if (depth >= max_depth) return true;
  if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i)
      if (nested_deeper(j[i], max_depth, pointer, depth + 1)) return pointer = pointer_child("", i) + pointer, true;
    return false;
  }
  for (auto it = j.begin(); it != j.end(); ++it)
    if (nested_deeper(it.value(), max_depth, pointer, depth + 1))
      return pointer = pointer_child("", it.key()) + pointer, true;
  return false;
}

inline expr parse_expr(const nlohmann::ordered_json& j, const std::string& pointer, parse_context& cx,
                       std::size_t depth = 0) {
  expr e;
  e.pointer = pointer;
  if (++cx.nodes > cx.lim.max_nodes) {
    if (cx.nodes == cx.lim.max_nodes + 1)
      cx.diagnostics.push_back({severity::error, "size-limit", cx.file, pointer, 0, 0,
                                "more than " + std::to_string(cx.lim.max_nodes) + " expression nodes"});
    return e;
  }
  if (depth >= cx.lim.max_depth && j.is_structured()) {  // containers count, as in the text
    if (!cx.too_deep_reported)
      cx.diagnostics.push_back({severity::error, "depth-limit", cx.file, pointer, 0, 0,
                                "nesting deeper than " + std::to_string(cx.lim.max_depth) + " levels"});
    cx.too_deep_reported = true;
    return e;
  }
  if (j.is_array()) {
    e.f = expr::form::array;
    e.args.reserve(j.size());
    for (std::size_t i = 0; i < j.size(); ++i)
      e.args.push_back(parse_expr(j[i], pointer_child(pointer, i), cx, depth + 1));
    return e;
  }
  if (j.is_object() && j.size() == 1) {
    auto it = j.begin();
    e.f = expr::form::operation;
    e.op = it.key();
    e.args_pointer = pointer_child(pointer, it.key());
    e.literal = it.value();
    if (e.op == "preserve") {  // its argument is data, never parsed as logic
      if (literal_too_deep(it.value(), depth + 1, cx.lim) && !cx.too_deep_reported) {
        cx.diagnostics.push_back({severity::error, "depth-limit", cx.file, e.args_pointer, 0, 0,
                                  "nesting deeper than " + std::to_string(cx.lim.max_depth) + " levels"});
        cx.too_deep_reported = true;
      }
      return e;
    }
    if (it.value().is_array()) {
      const auto& a = it.value();
      e.args.reserve(a.size());
      for (std::size_t i = 0; i < a.size(); ++i)
        e.args.push_back(parse_expr(a[i], pointer_child(e.args_pointer, i), cx, depth + 2));
    } else {
      e.args_is_array = false;
      e.args.push_back(parse_expr(it.value(), e.args_pointer, cx, depth + 1));
    }
    return e;
  }
  if (j.is_object() && literal_too_deep(j, depth, cx.lim) && !cx.too_deep_reported) {
    cx.diagnostics.push_back({severity::error, "depth-limit", cx.file, pointer, 0, 0,
                              "nesting deeper than " + std::to_string(cx.lim.max_depth) + " levels"});
    cx.too_deep_reported = true;
  }
  e.f = expr::form::literal;
  e.data_object = j.is_object();
  e.literal = j;
  return e;
}

}  // namespace divert::detail
