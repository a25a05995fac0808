#pragma once
// The part of the data a compat-mode rule can read, as a tree of keys: when every read of the
// data goes through a slot (a static path from the root), binding needs only the values at the
// slots' paths, and a reader of JSON text may skip the rest (divert/simdjson_binding.hpp).

#include <cstdint>
#include <string>
#include <vector>

#include "divert/detail/plan/program.hpp"

namespace divert::detail {

// Whether the program reads its data only through slots: no computed paths, no `missing`, no
// specification operators (which can climb to outer scopes); iterations read items of arrays
// their slots hold. Then the bound document's root is never looked at.
inline bool reads_data_through_slots_only(const program& p) {
  if (p.needs_whole_document || p.empty_object_is_false) return false;
  for (const instruction& ins : p.code) {
    switch (ins.op) {
      case opcode::var_dynamic:
      case opcode::js_missing:
      case opcode::js_missing_some: return false;
      default:
        if (static_cast<int>(ins.op) >= static_cast<int>(opcode::spec_first)) return false;
        break;
    }
  }
  return true;
}

// Node 0 is the root. A node whose key ends a slot's path holds that slot; below it, and below a
// value that turns out not to be an object, the value is built whole and the paths walked.
inline std::vector<projection_node> build_projection(const program& p) {
  std::vector<projection_node> nodes(1);
  for (std::uint32_t slot = 0; slot < p.slot_paths.size(); ++slot) {
    const var_path& path = p.paths[p.slot_paths[slot]];
    std::uint32_t at = 0;
    for (std::uint32_t depth = 0; depth < path.count; ++depth) {
      nodes[at].below.push_back({slot, depth});
      const path_segment& seg = p.segments[path.first + depth];
      std::uint32_t next = 0;
      for (std::uint32_t child : nodes[at].children)
        if (nodes[child].sym == seg.sym) next = child;
      if (next == 0) {
        next = static_cast<std::uint32_t>(nodes.size());
        nodes[at].children.push_back(next);  // before the push_back below moves `nodes`
        projection_node n;
        n.sym = seg.sym;
        n.key = std::string(p.symbols.string_value(seg.sym).sv());
        nodes.push_back(std::move(n));
      }
      at = next;
    }
    nodes[at].below.push_back({slot, path.count});
    nodes[at].slots.push_back(slot);
  }
  return nodes;
}

}  // namespace divert::detail
