#pragma once
// The part of the data a compat-mode rule can read, as a tree of keys: when every read of the
// data goes through a slot (a static path from the root), binding needs only the values at the
// slots' paths, and a reader of JSON text may skip the rest (divert/simdjson_binding.hpp).

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
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

// Whether the array in `slot` is read only as the array of all/some/none whose condition reads
// the item only through static keys (var "drug", var "dose.unit"): then each object item can be
// bound with only those keys (their values whole) and the rule cannot tell. `keys` gets the
// first key of each path. Anything else (the array used another way, a condition that reads the
// whole item, an iteration inside the condition, a default for the array) answers false.
inline bool item_keys_read(const program& p, std::uint32_t slot, std::vector<std::uint16_t>& keys) {
  auto is_quantifier = [](opcode op) { return op == opcode::js_all || op == opcode::js_some || op == opcode::js_none; };
  auto reads_slot = [&](const instruction& ins) {
    return (ins.op == opcode::var_slot && ins.a == slot) || ((ins.flags & operand_slot) && ins.a == slot);
  };
  if (reads_slot(p.code[p.root])) return false;
  std::vector<std::uint32_t> stack;  // the conditions, then what they evaluate
  for (const instruction& ins : p.code) {
    if (ins.op == opcode::var_slot && ins.a == slot && ins.count) return false;  // a default
    if (ins.op != opcode::var_slot && reads_slot(ins)) return false;             // a fused read
    for (std::uint32_t k = 0; k < ins.count; ++k) {
      if (!reads_slot(p.code[p.kid(ins, k)])) continue;
      if (!is_quantifier(ins.op) || k != 0) return false;
      if (ins.count > 1) stack.push_back(p.kid(ins, 1));
    }
  }
  if (stack.empty()) return false;
  while (!stack.empty()) {
    const instruction& ins = p.code[stack.back()];
    stack.pop_back();
    switch (ins.op) {
      case opcode::js_map:
      case opcode::js_filter:
      case opcode::js_reduce:
      case opcode::js_all:
      case opcode::js_some:
      case opcode::js_none: return false;  // a scope of its own
      case opcode::var_scoped: {
        const var_path& path = p.paths[ins.a];
        if (path.count == 0) return false;  // the whole item
        const std::uint16_t sym = p.segments[path.first].sym;
        if (sym == no_symbol) return false;
        if (std::find(keys.begin(), keys.end(), sym) == keys.end()) keys.push_back(sym);
        break;
      }
      default: break;
    }
    for (std::uint32_t k = 0; k < ins.count; ++k) stack.push_back(p.kid(ins, k));
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
  // Items keep only some keys when every slot at the array's path (the same var written twice
  // has two) reads it that way, and no slot reads below it ("xs.0.amount" reads through "xs").
  for (projection_node& n : nodes) {
    if (n.slots.empty() || n.below.size() != n.slots.size()) continue;
    std::vector<std::uint16_t> keys;
    bool all = true;
    for (std::uint32_t slot : n.slots) all = all && item_keys_read(p, slot, keys);
    if (all && keys.size() <= 64) n.item_keys = std::move(keys);
  }
  for (projection_node& n : nodes) {
    if (n.slots.size() == 1 && n.below.size() == 1 && n.item_keys.empty()) n.only_slot = n.slots[0];
    for (std::uint16_t key : n.item_keys) n.item_key_lengths |= projection_node::length_bit(p.symbols.name(key).size());
    for (std::size_t k = 0; k < n.children.size(); ++k) {
      const std::size_t len = nodes[n.children[k]].key.size();
      if (len >= 32) continue;
      std::uint8_t& c = n.child_by_length[len];
      c = c == 0 && k + 1 < projection_node::many_children ? static_cast<std::uint8_t>(k + 1)
                                                           : projection_node::many_children;
    }
  }
  return nodes;
}

}  // namespace divert::detail
