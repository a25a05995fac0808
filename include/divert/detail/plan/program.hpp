#pragma once
// The plan stage's output: an immutable program of compact instructions. Variables are resolved
// to slots or pre-split paths, strings are interned, constants folded; the evaluator walks it
// without hashing a string or allocating.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "divert/detail/eval/arena.hpp"
#include "divert/detail/eval/value.hpp"
#include "divert/detail/plan/symbols.hpp"

namespace divert::detail {

enum class opcode : std::uint8_t {
  // ---- shared by every mode ----
  constant,     // a: constant index
  make_array,   // kids: items
  var_slot,     // a: slot; kid 0 (if count): default
  var_scoped,   // a: path index, resolved against the current scope's data; kid 0: default
  var_dynamic,  // kids: path expression, default expression (optional)
  custom,       // a: custom operator index; kids: arguments

  // ---- compat mode, json-logic-js 2.0.5 semantics ----
  js_if,
  js_and,
  js_or,
  js_not,  // count 0 or 1
  js_truthy,
  js_eq,  // kids: all arguments (every one evaluated, the first two compared)
  js_strict_eq,
  js_ne,
  js_strict_ne,
  js_lt,  // 2 or 3 arguments (between)
  js_le,
  js_gt,
  js_ge,
  js_add,
  js_mul,
  js_sub,
  js_div,
  js_mod,
  js_min,
  js_max,
  js_cat,
  js_substr,
  js_in,
  js_merge,
  js_log,
  js_missing,
  js_missing_some,
  js_map,  // kids: array expr, logic (optional)
  js_filter,
  js_reduce,  // kids: array expr, logic, initial (optional)
  js_all,
  js_some,
  js_none,
  // fused forms of the above (same semantics, fewer steps)
  js_eq_const,  // kid 0 (or slot a when flags & operand_slot) == constant b
  js_ne_const,
  js_strict_eq_const,
  js_strict_ne_const,
  js_in_const_strings,  // needle (kid 0 / slot a) in constant array of strings b (c: sorted set index)
  js_between_const,     // constant b <(=) operand <(=) constant c; flags: lower/upper inclusive
  js_cmp_const,         // operand <, <=, >, >= constant b; flags: which

  // ---- the JsonLogic organisation's specification (json-logic-engine 5) and extensions ----
  spec_first = 100,
  // extensions in both dialects (flags: see spec_eval.hpp)
  spec_val = 101,        // kids: the arguments (or one, flags & spec_spread); val of a computed path
  spec_val_climb = 102,  // a: path index; b: how many scopes up; a static val path in an outer scope
  spec_exists = 103,     // kids: as spec_val
  spec_length = 104,     // kids: the arguments; the length of the first
  spec_try = 105,        // kids: the alternatives; a: symbol of "type"
  spec_throw = 106,      // kids: the arguments; a: symbol of "type"
  spec_coalesce = 107,   // kids: the alternatives (??)
  // the specification dialect
  spec_var = 108,  // kids: the arguments; a var whose path is computed (the engine's key syntax)
  spec_if = 109,
  spec_and = 110,
  spec_or = 111,
  spec_not = 112,
  spec_truthy = 113,
  spec_compare = 114,  // a: which comparison (spec_cmp); kids: 2 or more operands
  spec_add = 115,
  spec_mul = 116,
  spec_sub = 117,
  spec_div = 118,
  spec_mod = 119,
  spec_min = 120,
  spec_max = 121,
  spec_cat = 122,
  spec_substr = 123,
  spec_in = 124,
  spec_merge = 125,
  spec_missing = 126,
  spec_missing_some = 127,
  spec_map = 128,  // kids: array, logic
  spec_filter = 129,
  spec_all = 130,
  spec_some = 131,
  spec_none = 132,
  spec_reduce = 133,         // kids: array, logic, initial (flags & spec_has_initial); a, b: symbols
  spec_compare_const = 134,  // operand (kid 0 or slot a) compared with number constant b; c: spec_cmp
  spec_between_const = 135,  // constant b <(=) operand <(=) constant c; flags: inclusivity
  spec_last = 199,

  // ---- strict mode (policies): typed, three-valued (unknown propagates, Kleene logic) ----
  strict_first = 200,
  s_fact = strict_first,  // a: slot
  s_field,                // a: field index of an item; b: how many iterations up (0 = the current one)
  s_item,                 // the item itself (arrays of scalars); b: iterations up
  s_index,                // the item's index; b: iterations up
  s_and,
  s_or,
  s_not,
  s_if,  // kids: cond, then, [cond, then]..., else
  s_eq,  // kids: 2 values of one type
  s_ne,
  s_lt,  // kids: 2 numbers or dates
  s_le,
  s_gt,
  s_ge,
  s_between,    // kids: 3; flags: lower_inclusive / upper_inclusive
  s_in_set,     // kid 0: string or enum; c: symbol set
  s_in_values,  // kid 0: a number or date; b: constant array
  s_contains,   // kid 0: array of strings; b: constant string
  s_add,
  s_sub,
  s_mul,
  s_div,
  s_mod,
  s_min,
  s_max,
  s_all,  // kid 0: array; kid 1: body
  s_some,
  s_none,
  s_count,         // length of filter: kid 0 array, kid 1 body; a range while items are unknown
  s_length,        // kid 0: array
  s_days_between,  // kids: 2 dates
  s_months_between,
  s_years_between,
  // fused: a slot compared with constants
  s_fact_cmp,      // a: slot; b: constant; flags: cmp_*
  s_fact_between,  // a: slot; b, c: constants; flags: inclusivity
  s_fact_eq,       // a: slot; b: constant (flags & 1: negated)
  s_fact_in_set,   // a: slot; c: symbol set
  s_field_eq,      // a: field (current item); b: constant
  s_field_in_set,  // a: field (current item); c: symbol set
  s_fact_truthy,   // a: slot (a boolean fact)
  s_fact_not,      // a: slot (a boolean fact)
  s_reduce,        // kids: array, body, initial; the body reads current (the item) and accumulator
  s_accumulator,   // the accumulator of the enclosing reduce; b: iterations up
};

// instruction::flags
inline constexpr std::uint8_t operand_slot = 1;  // fused ops: operand is slot a, not kid 0
inline constexpr std::uint8_t lower_inclusive = 2;
inline constexpr std::uint8_t upper_inclusive = 4;
inline constexpr std::uint8_t cmp_lt = 8, cmp_le = 16, cmp_gt = 32, cmp_ge = 64;

struct instruction {
  opcode op = opcode::constant;
  std::uint8_t flags = 0;
  std::uint16_t count = 0;  // number of kids
  std::uint32_t first = 0;  // index of the first kid in program::kids
  std::uint32_t a = 0, b = 0, c = 0;
};
static_assert(sizeof(instruction) == 20, "instructions stay small");

// One step of a static variable path.
struct path_segment {
  std::uint16_t sym = no_symbol;  // the key, interned
  std::int64_t index = -1;        // the key as an array index, or -1
  bool is_length = false;         // "length" (arrays and strings answer it in JavaScript)
};

struct var_path {
  std::uint32_t first = 0, count = 0;  // into program::segments
  std::string text;                    // as written, for messages and traces
};

// A node of the tree of keys the slots' paths read from the data (detail/plan/projection.hpp).
struct projection_node {
  std::uint16_t sym = no_symbol;  // this node's key (the root has none)
  std::string key;
  std::vector<std::uint32_t> children;
  std::vector<std::uint32_t> slots;  // slots whose path ends here
  struct slot_below {
    std::uint32_t slot, depth;  // a slot at or below this node, and this node's depth in its path
  };
  std::vector<slot_below> below;
  // When this node's slot holds an array read only by all/some/none whose condition reads only
  // keys of the item, and no other slot reads at or below this node (detail/plan/projection.hpp):
  // those keys' symbols. A reader may then keep only these members of each object item. Empty:
  // the value is built whole.
  std::vector<std::uint16_t> item_keys;
  std::uint64_t item_key_lengths = 0;  // length_bit of each item key: most keys not read are told by their length
  // The one slot, when this node holds one, nothing reads below it and its items are not
  // projected: the commonest node, a fact's value, which a reader then stores without asking
  // the questions of fill_below (simdjson_projection). Derived from slots, below and item_keys,
  // and stored all the same: asked of them on each node, W1's reading took about 6 ns a line
  // more (docs/performance.md).
  static constexpr std::uint32_t no_slot = 0xFFFFFFFFu;
  std::uint32_t only_slot = no_slot;
  static std::uint64_t length_bit(std::size_t n) noexcept { return std::uint64_t{1} << (n < 63 ? n : 63); }
  // The child whose key has this length (0..31): 0 none, k + 1 children[k], many_children more
  // than one (search them); a key of 32 bytes or more is searched for.
  static constexpr std::uint8_t many_children = 255;
  std::uint8_t child_by_length[32] = {};
};

// A user-registered operator: arguments evaluated eagerly, passed and returned as JSON.
using custom_function = std::function<nlohmann::ordered_json(const nlohmann::ordered_json& args)>;

struct program {
  std::vector<instruction> code;
  std::vector<std::uint32_t> kids;
  std::vector<value> constants;
  std::vector<path_segment> segments;
  std::vector<var_path> paths;
  std::vector<std::uint32_t> slot_paths;                // slot i is bound to paths[slot_paths[i]] from the root
  std::vector<std::vector<std::uint16_t>> symbol_sets;  // sorted symbol ids, for `in` over constants
  std::vector<std::vector<std::uint64_t>> symbol_bits;  // the same sets as bitmaps (ids < 4096)
  std::vector<custom_function> customs;
  std::vector<std::string> pointers;  // JSON pointer of each instruction
  symbol_table symbols;
  arena storage{1024};  // bytes of constant strings, arrays and objects
  std::uint32_t root = 0;
  // When the data is read only through slots: the keys they read (node 0 the root); else empty.
  std::vector<projection_node> projection;
  bool needs_whole_document = false;   // some var path is computed at run time
  bool empty_object_is_false = false;  // truthiness of the specification dialect

  std::uint32_t kid(const instruction& ins, std::uint32_t i) const noexcept { return kids[ins.first + i]; }
};

}  // namespace divert::detail
