#pragma once
// Byte-level helpers for the hot paths of reading and writing JSON text (divert batch): sixteen
// bytes at a time where SSE2 is there (every x86-64), eight elsewhere, and comparisons of short
// strings without a call to memcmp.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// The four bytes at `p` as a word (for comparisons: the byte order does not matter).
inline std::uint32_t load4(const char* p) noexcept {
  std::uint32_t w;
  std::memcpy(&w, p, 4);
  return w;
}

// How many bytes one step of find_special_json_byte and special_json_mask reads.
#if defined(__SSE2__)
constexpr std::size_t special_json_step = 16;
#else
constexpr std::size_t special_json_step = 8;
#endif

// The bytes of [p, p + special_json_step) that JSON text treats specially inside a string (below
// 0x20, '"' or '\\'), as a mask with bit i for byte i (SSE2), or as special_json_bytes flags them
// (elsewhere); 0 when there is none. Only "none" and "the first" are meaningful.
inline std::uint64_t special_json_mask(const char* p) noexcept {
#if defined(__SSE2__)
  const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i quote = _mm_cmpeq_epi8(w, _mm_set1_epi8('"'));
  const __m128i backslash = _mm_cmpeq_epi8(w, _mm_set1_epi8('\\'));
  const __m128i below_space = _mm_cmpeq_epi8(_mm_min_epu8(w, _mm_set1_epi8(0x1f)), w);  // w <= 0x1f, unsigned
  return static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), below_space)));
#else
  return special_json_bytes(load8(p));
#endif
}

// Where the first flagged byte of a nonzero special_json_mask(p) is.
inline const char* first_special_json_byte(const char* p, std::uint64_t mask) noexcept {
#if defined(__SSE2__)
  return p + __builtin_ctzll(mask);
#else
  return p + (__builtin_ctzll(mask) >> 3);
#endif
}

// Where the first byte that JSON text treats specially inside a string is, from `p` on (keys are
// mostly shorter than one step). Reads special_json_step bytes at a time, so up to 15 bytes past
// that byte must be readable (simdjson's padding, 64 bytes, guarantees it inside a document).
inline const char* find_special_json_byte(const char* p) noexcept {
  for (;; p += special_json_step)
    if (const std::uint64_t m = special_json_mask(p)) return first_special_json_byte(p, m);
}

// a[0, n) == b[0, n), for the short strings of keys and enum values: inline word compares
// (overlapping at the end) instead of a call to memcmp.
inline bool same_bytes(const char* a, const char* b, std::size_t n) noexcept {
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8)
      if (load8(a + i) != load8(b + i)) return false;
    return load8(a + n - 8) == load8(b + n - 8);
  }
  if (n >= 4) return load4(a) == load4(b) && load4(a + n - 4) == load4(b + n - 4);
  for (std::size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// a == b, for keys and enum values: the lengths, then same_bytes.
inline bool same_text(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && same_bytes(a.data(), b.data(), a.size());
}

}  // namespace divert::detail
