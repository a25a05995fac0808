#pragma once
// Limits on what a file or a case may contain. Passing one is a clean error (limit_error or a
// diagnostic), never a crash: nothing that input controls recurses deeper than max_depth.

#include <cstddef>

namespace divert {

struct limits {
  std::size_t max_depth = 128;                 // JSON nesting of a rule, policy or case
  std::size_t max_document_bytes = 64u << 20;  // a policy, schema or case file
  std::size_t max_nodes = 1u << 20;            // expression nodes in one compiled policy
  std::size_t max_array_length = 1u << 16;     // items of one array in a case
  std::size_t max_string_length = 1u << 16;    // bytes of one string in a case
};

}  // namespace divert
