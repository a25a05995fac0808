#pragma once
// The parse stage's output: a tree of expressions, each keeping the JSON pointer it came from,
// so that every later stage (check, plan, trace, lint) can say where a problem is.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace divert::detail {

struct expr {
  enum class form : std::uint8_t {
    literal,    // a JSON scalar, or an object that is data rather than an operation
    array,      // a JSON array: its items are expressions
    operation,  // {"op": args}
  };
  form f = form::literal;
  // operation: written with an array of arguments ({"op": [...]}) rather than one bare value.
  bool args_is_array = true;
  // literal object with other than exactly one key (JsonLogic treats it as data).
  bool data_object = false;
  std::string op;
  std::vector<expr> args;          // operation arguments, or array items
  nlohmann::ordered_json literal;  // literal value; for operations, the raw argument JSON
  std::string pointer;             // where in the document this node is
  std::string args_pointer;        // where the operation's arguments are

  bool is_literal() const noexcept { return f == form::literal; }
  bool is_op(const char* name) const { return f == form::operation && op == name; }
};

}  // namespace divert::detail
