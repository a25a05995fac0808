#pragma once
// Binding a JsonLogic rule's data from an nlohmann document, following only the keys the rule
// reads (the program's projection, detail/plan/projection.hpp): the slots come out as converting
// the whole document and walking each slot's path would give them, but only the values at those
// paths are built. Less work, and a bound case takes a few hundred bytes instead of a copy of
// its document: evaluating many bound cases then touches less memory. The simdjson reader does
// the same from simdjson's tape (detail/input/simdjson_projection.hpp).

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "divert/detail/bytes.hpp"
#include "divert/detail/eval/arena.hpp"
#include "divert/detail/eval/evaluator.hpp"
#include "divert/detail/eval/value.hpp"
#include "divert/detail/plan/constants.hpp"
#include "divert/detail/plan/program.hpp"
#include "divert/limits.hpp"

namespace divert::detail {

// Whether no value of `j` passes a limit (nesting, the length of a string, key or array), as
// json_to_value checks them. A projection skips what the rule does not read, so it is used only
// then: a document past a limit anywhere gets the whole conversion and its error, as before.
template <class Json>
bool within_limits(const Json& j, const limits& lim, std::size_t depth = 0) {
  if (depth > lim.max_depth) return false;
  switch (j.type()) {
    case nlohmann::json::value_t::string:
      return j.template get_ref<const std::string&>().size() <= lim.max_string_length;
    case nlohmann::json::value_t::array:
      if (j.size() > lim.max_array_length) return false;
      for (const auto& item : j)
        if (!within_limits(item, lim, depth + 1)) return false;
      return true;
    case nlohmann::json::value_t::object:
      for (auto it = j.begin(); it != j.end(); ++it)
        if (it.key().size() > lim.max_string_length || !within_limits(it.value(), lim, depth + 1)) return false;
      return true;
    default: return true;
  }
}

// What both projecting readers (this one, and simdjson's in simdjson_projection.hpp) share:

// The index in n.item_keys of an item's `key`, or n.item_keys.size() when the rule does not read it.
inline std::size_t item_key_index(const program& p, const projection_node& n, std::string_view key) {
  if (!(n.item_key_lengths & projection_node::length_bit(key.size())))
    return n.item_keys.size();  // no item key this long
  std::size_t k = 0;
  while (k < n.item_keys.size() && !same_text(p.symbols.string_value(n.item_keys[k]).sv(), key)) ++k;
  return k;
}

// The slots at or below node n, from `whole`, the value at n: what is left of each path, walked.
inline void fill_below(const program& p, const projection_node& n, value whole, value* slots, arena& storage) {
  if (n.below.size() == n.slots.size()) {  // every path at or below n ends here: nothing to walk
    for (std::uint32_t slot : n.slots) slots[slot] = whole;
    return;
  }
  for (const auto& b : n.below) {
    const var_path& path = p.paths[p.slot_paths[b.slot]];
    slots[b.slot] = b.depth == path.count ? whole : walk_path(p, whole, path, storage, b.depth);
  }
}

// Fills a rule's slots from an nlohmann document (within the limits: within_limits), following
// only the projection's keys. An nlohmann object holds each key once, so a key is found by its
// text as the whole conversion's walk finds it by its symbol.
template <class Json>
class json_projection {
 public:
  json_projection(const program& p, arena& storage, value* slots)
      : p_(p),
        nodes_(p.projection),
        slots_(slots),
        storage_(storage),
        convert_(p.symbols, storage, string_mode::lookup) {}

  // Fills every slot; false (nothing read) when the document is not an object or the rule reads
  // the whole of it: the caller converts it whole instead.
  bool read(const Json& root) {
    if (!root.is_object() || nodes_.empty() || !nodes_[0].slots.empty()) return false;
    for (std::size_t i = 0; i < p_.slot_paths.size(); ++i) slots_[i] = value::undefined();
    read_object(root, 0);
    return true;
  }

 private:
  void read_object(const Json& object, std::uint32_t node) {
    for (std::uint32_t child : nodes_[node].children) {
      const auto it = object.find(nodes_[child].key);
      if (it != object.end()) read_node(*it, child);
    }
  }

  void read_node(const Json& v, std::uint32_t node) {
    const projection_node& n = nodes_[node];
    if (n.slots.empty() && v.is_object()) {
      read_object(v, node);
      return;
    }
    if (!n.item_keys.empty() && v.is_array()) {
      const value items = projected_items(v, n);
      for (std::uint32_t slot : n.slots) slots_[slot] = items;
      return;
    }
    // A slot's value, or not an object: build it whole and walk what is left of each path.
    fill_below(p_, n, convert_.convert(v), slots_, storage_);
  }

  // The array with, of each object item, only the members n.item_keys names (in the item's
  // order); other items whole.
  value projected_items(const Json& array, const projection_node& n) {
    value* items = storage_.allocate_array<value>(array.size());
    std::size_t k = 0;
    for (const auto& item : array) items[k++] = item.is_object() ? projected_item(item, n) : convert_.convert(item);
    return value::array(items, static_cast<std::uint32_t>(array.size()));
  }

  value projected_item(const Json& object, const projection_node& n) {
    std::size_t kept = 0;
    for (auto it = object.begin(); it != object.end(); ++it)
      kept += item_key_index(p_, n, it.key()) < n.item_keys.size();
    member* ms = storage_.allocate_array<member>(kept);
    std::size_t m = 0;
    for (auto it = object.begin(); it != object.end(); ++it) {
      const std::size_t k = item_key_index(p_, n, it.key());
      if (k == n.item_keys.size()) continue;
      const value key = p_.symbols.string_value(n.item_keys[k]);
      ms[m].key = key.str;
      ms[m].key_len = key.n;
      ms[m].key_sym = key.sym;
      ms[m].v = convert_.convert(it.value());
      ++m;
    }
    return value::object(ms, static_cast<std::uint32_t>(kept));
  }

  const program& p_;
  const std::vector<projection_node>& nodes_;
  value* slots_;
  arena& storage_;
  json_to_value convert_;  // without limits: within_limits has checked the document
};

}  // namespace divert::detail
