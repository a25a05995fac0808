#pragma once
// Byte-level helpers for the hot paths of reading and writing JSON text (divert batch): eight
// bytes at a time, and comparisons of short strings without a call to memcmp.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace divert::detail {

// The high bit of each byte of `w` that JSON text treats specially inside a string: below 0x20,
// '"' or '\\' (the zero-byte tests of "Bit Twiddling Hacks"). Exact for the lowest flagged byte,
// the first in memory on a little-endian machine; bytes above it may be flagged by a borrow, so
// only "none" and "the first" are meaningful.
inline std::uint64_t special_json_bytes(std::uint64_t w) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
  const std::uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
  const std::uint64_t below_space = (w - ones * 0x20) & ~w & highs;
  const std::uint64_t is_quote = (quote - ones) & ~quote & highs;
  const std::uint64_t is_backslash = (backslash - ones) & ~backslash & highs;
  return below_space | is_quote | is_backslash;
}

// The eight bytes at `p` as a little-endian word (byte 0 lowest).
inline std::uint64_t load8(const char* p) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  w = __builtin_bswap64(w);
#endif
  return w;
}

// Where the first byte that special_json_bytes flags is, from `p` on. Reads in words of eight
// bytes, so up to seven bytes past that byte must be readable (simdjson's padding guarantees
// it inside a document).
inline const char* find_special_json_byte(const char* p) noexcept {
  for (;; p += 8)
    if (std::uint64_t m = special_json_bytes(load8(p))) return p + (__builtin_ctzll(m) >> 3);
}

// a[0, n) == b[0, n), for the short strings of keys and enum values: inline word compares
// (overlapping at the end) instead of a call to memcmp.
inline bool same_bytes(const char* a, const char* b, std::size_t n) noexcept {
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8)
      if (load8(a + i) != load8(b + i)) return false;
    return load8(a + n - 8) == load8(b + n - 8);
  }
  if (n >= 4) {
    std::uint32_t x, y, u, v;
    std::memcpy(&x, a, 4);
    std::memcpy(&y, b, 4);
    std::memcpy(&u, a + n - 4, 4);
    std::memcpy(&v, b + n - 4, 4);
    return x == y && u == v;
  }
  for (std::size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// a == b, for keys and enum values: the lengths, then same_bytes.
inline bool same_text(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && same_bytes(a.data(), b.data(), a.size());
}

}  // namespace divert::detail
