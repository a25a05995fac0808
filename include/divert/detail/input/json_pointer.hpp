#pragma once
// JSON pointers (RFC 6901) as the location of every node of a rule, policy or case.

#include <cstddef>
#include <string>
#include <string_view>

namespace divert::detail {

inline std::string pointer_child(std::string_view parent, std::string_view key) {
  std::string out(parent);
  out += '/';
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

inline std::string pointer_child(std::string_view parent, std::size_t index) {
  std::string out(parent);
  out += '/';
  out += std::to_string(index);
  return out;
}

}  // namespace divert::detail
