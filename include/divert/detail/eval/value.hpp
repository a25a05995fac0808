#pragma once
// The value the evaluator computes with: 16 bytes, trivially copyable, never owning.
// Strings, arrays and objects point into a program's constants, a bound case's arena or the
// evaluation scratch arena; whoever owns that storage outlives the values.

#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace divert::detail {

enum class kind : std::uint8_t {
  undefined,  // JavaScript's undefined (compat mode only: an absent argument or property)
  null,
  boolean,
  number,
  string,
  array,
  object,
  unknown,  // strict mode: an absent fact, the third truth value
  range,    // strict mode: a number known only to lie in [min, max]
  date,     // strict mode: a calendar date, as days since 1970-01-01
};

// A string interned in a symbol table carries its id; equal ids mean equal strings, and an
// interned string never equals a string that was looked up in the same table and not found.
inline constexpr std::uint16_t no_symbol = 0xFFFF;

// value::flags for strings
inline constexpr std::uint8_t looked_up = 1;  // checked against the program's symbol table

struct member;

struct value {
  kind k = kind::undefined;
  std::uint8_t flags = 0;  // strings: value_flags

  std::uint16_t sym = no_symbol;  // strings: symbol id, or no_symbol
  std::uint32_t n = 0;            // strings: bytes; arrays: items; objects: members
  union {
    double num = 0;
    bool b;
    const char* str;
    const value* items;
    const member* members;
    float bounds[2];  // range: {min, max}, inline so ranges never allocate
  };

  static value undefined() noexcept { return value{}; }
  static value null() noexcept {
    value v;
    v.k = kind::null;
    return v;
  }
  static value unknown() noexcept {
    value v;
    v.k = kind::unknown;
    return v;
  }
  static value boolean(bool x) noexcept {
    value v;
    v.k = kind::boolean;
    v.b = x;
    return v;
  }
  static value number(double x) noexcept {
    value v;
    v.k = kind::number;
    v.num = x;
    return v;
  }
  static value date(double days) noexcept {
    value v;
    v.k = kind::date;
    v.num = days;
    return v;
  }
  static value string(const char* s, std::uint32_t len, std::uint16_t id = no_symbol) noexcept {
    value v;
    v.k = kind::string;
    v.sym = id;
    v.n = len;
    v.str = s;
    return v;
  }
  static value array(const value* first, std::uint32_t count) noexcept {
    value v;
    v.k = kind::array;
    v.n = count;
    v.items = first;
    return v;
  }
  static value object(const member* first, std::uint32_t count) noexcept {
    value v;
    v.k = kind::object;
    v.n = count;
    v.members = first;
    return v;
  }
  // Bounds must be exactly representable as float (checked where ranges are made).
  static value range(double min, double max) noexcept {
    value v;
    v.k = kind::range;
    v.bounds[0] = static_cast<float>(min);
    v.bounds[1] = static_cast<float>(max);
    return v;
  }
  static bool fits_range(double x) noexcept { return static_cast<double>(static_cast<float>(x)) == x; }

  bool is(kind x) const noexcept { return k == x; }
  bool is_nullish() const noexcept { return k == kind::null || k == kind::undefined; }
  std::string_view sv() const noexcept { return {str, n}; }
};

struct member {
  const char* key = nullptr;
  std::uint32_t key_len = 0;
  std::uint16_t key_sym = no_symbol;
  value v;
  std::string_view key_sv() const noexcept { return {key, key_len}; }
};

static_assert(sizeof(value) == 16, "value must stay two words");
static_assert(std::is_trivially_copyable_v<value>);
static_assert(std::is_trivially_copyable_v<member>);

// Equality of two strings: symbols first (no byte compare when both are interned).
// A string that was looked up in the table and not found cannot equal an interned one;
// a computed string (concatenation, substring) was never looked up, so compare its bytes.
inline bool same_string(const value& a, const value& b) noexcept {
  if (a.sym != no_symbol && b.sym != no_symbol) return a.sym == b.sym;
  if ((a.sym != no_symbol && (b.flags & looked_up)) || (b.sym != no_symbol && (a.flags & looked_up))) return false;
  return a.n == b.n && (a.n == 0 || std::memcmp(a.str, b.str, a.n) == 0);
}

}  // namespace divert::detail
