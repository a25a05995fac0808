#pragma once
// Reading a JsonLogic rule's data from simdjson's DOM into values (needs simdjson; used by
// divert::simdjson_data_reader): whole (simdjson_to_value, as json_to_value builds values from
// nlohmann's document), or only the keys a rule reads (simdjson_projection, following the
// program's projection, detail/plan/projection.hpp). What cannot be built exactly as the
// nlohmann path builds it (a key given twice where it matters, a limit passed) throws
// simdjson_fallback, and the caller reads the text again with nlohmann.

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "divert/detail/bytes.hpp"
#include "divert/detail/eval/arena.hpp"
#include "divert/detail/eval/evaluator.hpp"
#include "divert/detail/eval/value.hpp"
#include "divert/detail/input/json_projection.hpp"
#include "divert/detail/plan/constants.hpp"
#include "divert/detail/plan/program.hpp"
#include "divert/limits.hpp"

namespace divert::detail {

// Thrown when the text needs nlohmann's reading.
struct simdjson_fallback {};

// Whether no value of a text of n bytes can pass the length limits, so that a projection need not
// look at the values it skips: a string is no longer than the text, and an array of k items takes
// 2k - 1 bytes of it. (Nesting is bounded by simdjson's parser itself, given the rule's depth:
// simdjson_data_reader.)
inline bool short_enough(std::size_t n, const limits& lim) noexcept {
  return n <= lim.max_string_length && n / 2 <= lim.max_array_length;
}

// simdjson's DOM, read from its tape (the document's public array of 64-bit words, simdjson's
// documented format, doc/tape.md): a word's top byte is its type; '{' and '[' hold the index
// after their end in their low 32 bits; '"' holds the offset of [uint32 length][bytes] in the
// string buffer; 'l', 'u' and 'd' hold their number in the next word. Reading the tape directly
// costs a third of what the element API costs per value, which is most of the work here.
class simdjson_tape {
 public:
  explicit simdjson_tape(const simdjson::dom::document& doc) noexcept
      : tape_(doc.tape.get()), strings_(doc.string_buf.get()) {}

  static constexpr std::size_t root = 1;  // tape[0] is the document's own word
  char type(std::size_t i) const noexcept { return static_cast<char>(tape_[i] >> 56); }
  // The index of the value after the one at i.
  std::size_t after(std::size_t i) const noexcept {
    switch (type(i)) {
      case '{':
      case '[': return static_cast<std::uint32_t>(tape_[i]);
      case 'l':
      case 'u':
      case 'd': return i + 2;
      default: return i + 1;
    }
  }
  // The index of the '}' or ']' closing the container at i.
  std::size_t end(std::size_t i) const noexcept { return static_cast<std::uint32_t>(tape_[i]) - 1; }
  std::string_view string(std::size_t i) const noexcept {
    const std::size_t at = static_cast<std::size_t>(tape_[i] & simdjson::internal::JSON_VALUE_MASK);
    std::uint32_t length;
    std::memcpy(&length, strings_ + at, sizeof length);
    return {reinterpret_cast<const char*>(strings_ + at + sizeof length), length};
  }
  template <class T>
  T next_word(std::size_t i) const noexcept {
    T x;
    std::memcpy(&x, &tape_[i + 1], sizeof x);
    return x;
  }

 private:
  const std::uint64_t* tape_;
  const std::uint8_t* strings_;
};

// simdjson's DOM -> values in an arena, as json_to_value builds them from nlohmann's: strings
// looked up in the rule's symbols, the same limits. Anything it cannot build exactly as the
// nlohmann path would (a key given twice, "-0", a limit passed) throws simdjson_fallback.
class simdjson_to_value {
 public:
  simdjson_to_value(const simdjson_tape& tape, const symbol_table& syms, arena& storage, const limits& lim)
      : tape_(tape), syms_(syms), storage_(storage), lim_(lim) {}

  value convert(std::size_t i, std::size_t depth = 0) {
    if (depth > lim_.max_depth) throw simdjson_fallback{};
    switch (tape_.type(i)) {
      case 'n': return value::null();
      case 't': return value::boolean(true);
      case 'f': return value::boolean(false);
      case 'l': return value::number(static_cast<double>(tape_.next_word<std::int64_t>(i)));
      case 'u': return value::number(static_cast<double>(tape_.next_word<std::uint64_t>(i)));
      case 'd': {
        const double d = tape_.next_word<double>(i);
        if (d == 0 && std::signbit(d)) throw simdjson_fallback{};  // "-0" is an integer 0 to nlohmann
        return value::number(d);
      }
      case '"': return string(tape_.string(i));
      case '[': return array(i, [&](std::size_t j) { return convert(j, depth + 1); });
      case '{': {
        const std::size_t end = tape_.end(i);
        std::size_t n = 0;
        for (std::size_t j = i + 1; j < end; j = tape_.after(j + 1)) ++n;
        member* ms = storage_.allocate_array<member>(n);
        std::size_t k = 0;
        for (std::size_t j = i + 1; j < end; j = tape_.after(j + 1)) {
          const value key = string(tape_.string(j));
          for (std::size_t m = 0; m < k; ++m)  // nlohmann keeps one member per key
            if (ms[m].key_len == key.n && std::memcmp(ms[m].key, key.str, key.n) == 0) throw simdjson_fallback{};
          ms[k].key = key.str;
          ms[k].key_len = key.n;
          ms[k].key_sym = key.sym;
          ms[k].v = convert(j + 1, depth + 1);
          ++k;
        }
        return value::object(ms, static_cast<std::uint32_t>(n));
      }
      default: throw simdjson_fallback{};
    }
  }

  // The array at i (depth already checked), its item at tape index j built by item(j).
  template <class Item>
  value array(std::size_t i, Item&& item) {
    const std::size_t end = tape_.end(i);
    std::size_t n = 0;
    for (std::size_t j = i + 1; j < end; j = tape_.after(j)) ++n;
    if (n > lim_.max_array_length) throw simdjson_fallback{};
    value* items = storage_.allocate_array<value>(n);
    std::size_t k = 0;
    for (std::size_t j = i + 1; j < end; j = tape_.after(j)) items[k++] = item(j);
    return value::array(items, static_cast<std::uint32_t>(n));
  }

 private:
  value string(std::string_view s) {
    if (s.size() > lim_.max_string_length) throw simdjson_fallback{};
    return looked_up_string(syms_, storage_, s);
  }

  const simdjson_tape tape_;  // a copy: its two pointers are read without a hop through the caller's
  const symbol_table& syms_;
  arena& storage_;
  const limits& lim_;
};

// Fills a rule's slots from simdjson's DOM of a document, following only the projection's keys.
// (simdjson's DOM, not its on-demand API: both find the structure with the machine's best
// kernel, chosen at run time, but on-demand's walk is compiled here for the build's -march,
// generic by default, and a walk validating every value, as the DOM does, is slower.)
class simdjson_projection {
 public:
  simdjson_projection(const program& p, const simdjson_tape& tape, arena& storage, value* slots, const limits& lim)
      : p_(p),
        nodes_(p.projection.data()),
        tape_(tape),
        slots_(slots),
        convert_(tape, p.symbols, storage, lim),
        storage_(storage),
        lim_(lim) {}

  // Fills every slot; false (nothing read) when the document is not an object or the rule reads
  // the whole of it: the caller builds it whole instead.
  bool read() {
    if (tape_.type(simdjson_tape::root) != '{' || !nodes_[0].slots.empty()) return false;
    for (std::size_t i = 0; i < p_.slot_paths.size(); ++i) slots_[i] = value::undefined();
    read_object(simdjson_tape::root, 0, 1);
    return true;
  }

 private:
  void read_object(std::size_t at, std::uint32_t node, std::size_t depth) {
    const projection_node& n = nodes_[node];
    std::uint64_t seen = 0;  // children met; a key the rule reads given twice is nlohmann's to settle
    if (n.children.size() > 64) throw simdjson_fallback{};
    const std::size_t end = tape_.end(at);
    const std::size_t count = n.children.size();
    const std::uint32_t* children = n.children.data();
    std::size_t next = 0;  // where to look first: keys mostly come in the order the rule reads them
    for (std::size_t j = at + 1; j < end; j = tape_.after(j + 1)) {
      const std::string_view key = tape_.string(j);
      std::size_t k;
      const std::uint8_t by_length = key.size() < 32 ? n.child_by_length[key.size()] : projection_node::many_children;
      if (by_length == 0) continue;
      if (by_length != projection_node::many_children) {
        k = by_length - 1u;
        if (!same_bytes(nodes_[children[k]].key.data(), key.data(), key.size())) continue;
      } else {
        k = next;
        std::size_t tried = 0;
        for (; tried < count && !same_text(nodes_[children[k]].key, key); ++tried) k = k + 1 == count ? 0 : k + 1;
        if (tried == count) continue;
      }
      next = k + 1 == count ? 0 : k + 1;
      if (seen & (std::uint64_t{1} << k)) throw simdjson_fallback{};
      seen |= std::uint64_t{1} << k;
      read_node(j + 1, children[k], depth);
    }
  }

  void read_node(std::size_t at, std::uint32_t node, std::size_t depth) {
    const projection_node& n = nodes_[node];
    if (n.only_slot != projection_node::no_slot) {  // the commonest node first: a fact's value
      slots_[n.only_slot] = convert_.convert(at, depth);
      return;
    }
    if (n.slots.empty() && tape_.type(at) == '{') {
      read_object(at, node, depth + 1);
      return;
    }
    if (!n.item_keys.empty() && tape_.type(at) == '[') {
      // The array of the node's slots (none reads below it: build_projection sees to that),
      // only ever iterated for a condition on these keys of each item.
      const value items = projected_items(at, n, depth);
      for (std::uint32_t slot : n.slots) slots_[slot] = items;
      return;
    }
    // A slot's value, or not an object: build it whole and walk what is left of each path.
    fill_below(p_, n, convert_.convert(at, depth), slots_, storage_);
  }

  // The array at `at` with, of each object item, only the members n.item_keys names (a kept key
  // given twice is nlohmann's to settle); other items whole.
  value projected_items(std::size_t at, const projection_node& n, std::size_t depth) {
    if (depth > lim_.max_depth) throw simdjson_fallback{};
    return convert_.array(at, [&](std::size_t j) {
      return tape_.type(j) == '{' ? projected_item(j, n, depth + 1) : convert_.convert(j, depth + 1);
    });
  }

  value projected_item(std::size_t at, const projection_node& n, std::size_t depth) {
    if (depth > lim_.max_depth) throw simdjson_fallback{};
    const std::size_t end = tape_.end(at);
    std::uint64_t seen = 0;
    std::size_t kept = 0;
    std::size_t where[64], which[64];  // the kept members' tape indexes and keys (at most 64 keys)
    for (std::size_t j = at + 1; j < end; j = tape_.after(j + 1)) {
      const std::size_t k = item_key_index(p_, n, tape_.string(j));
      if (k == n.item_keys.size()) continue;
      if (seen & (std::uint64_t{1} << k)) throw simdjson_fallback{};
      seen |= std::uint64_t{1} << k;
      where[kept] = j;
      which[kept++] = k;
    }
    member* ms = storage_.allocate_array<member>(kept);
    for (std::size_t m = 0; m < kept; ++m) {
      const value key = p_.symbols.string_value(n.item_keys[which[m]]);
      ms[m].key = key.str;
      ms[m].key_len = key.n;
      ms[m].key_sym = key.sym;
      ms[m].v = convert_.convert(where[m] + 1, depth + 1);
    }
    return value::object(ms, static_cast<std::uint32_t>(kept));
  }

  // Pointers held here, not references to the objects that hold them: a store of a value (whose
  // bytes may alias anything) makes the compiler reload them, and one hop costs less than two.
  // W1's reading took about 3 % less time this way (docs/performance.md).
  const program& p_;
  const projection_node* nodes_;
  const simdjson_tape tape_;
  value* slots_;
  simdjson_to_value convert_;
  arena& storage_;
  const limits& lim_;
};

}  // namespace divert::detail
