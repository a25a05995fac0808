#pragma once
// Interned strings. A compiled program (or a case schema) owns one table; binding a case looks
// each string and key up once, so evaluation compares small integers, never bytes or hashes.

#include <cstdint>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "divert/detail/bytes.hpp"
#include "divert/detail/eval/value.hpp"
#include "divert/detail/inlining.hpp"

namespace divert::detail {

class symbol_table {
 public:
  symbol_table() = default;
  symbol_table(const symbol_table& other) { *this = other; }
  symbol_table& operator=(const symbol_table& other) {
    if (this == &other) return *this;
    storage_.clear();
    views_.clear();
    slots_.clear();
    for (const auto& s : other.storage_) intern(s);
    return *this;
  }
  symbol_table(symbol_table&&) = delete;  // values point into storage_: keep it where it is
  symbol_table& operator=(symbol_table&&) = delete;

  std::uint16_t intern(std::string_view s) {
    std::uint16_t found = find(s);
    if (found != no_symbol) return found;
    if (storage_.size() >= no_symbol) throw std::length_error("divert: too many distinct strings in one program");
    storage_.emplace_back(s);
    views_.push_back(storage_.back());
    auto id = static_cast<std::uint16_t>(storage_.size() - 1);
    if (2 * storage_.size() > slots_.size())
      rehash(slots_.empty() ? 64 : 2 * slots_.size());
    else
      place(id);
    return id;
  }

  // Binding looks up every string and key of a case: an open-addressing table with a cheap hash
  // of a few bytes (collisions are settled by comparing lengths, then bytes), about a quarter of
  // std::unordered_map's cost for short strings. Read-only once the program is compiled. Inlined
  // where it is called: W1's reading looks up about four strings a line, and the calls cost about
  // 8 ns of its 250 (docs/performance.md).
  DIVERT_HOT_INLINE std::uint16_t find(std::string_view s) const noexcept {
    if (slots_.empty()) return no_symbol;
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash(s) & mask;; i = (i + 1) & mask) {
      std::uint16_t id = slots_[i];
      if (id == no_symbol) return no_symbol;
      if (same_text(views_[id], s)) return id;
    }
  }

  std::string_view name(std::uint16_t id) const { return storage_[id]; }
  std::size_t size() const noexcept { return storage_.size(); }

  // The canonical string value for a symbol: pointer into this table's storage.
  value string_value(std::uint16_t id) const {
    const std::string_view s = views_[id];
    return value::string(s.data(), static_cast<std::uint32_t>(s.size()), id);
  }

 private:
  // Length, the first 8 bytes and the last 8 (overlapping for short strings), mixed.
  static std::size_t hash(std::string_view s) noexcept {
    std::uint64_t h = s.size() * 0x9E3779B97F4A7C15ull;
    std::uint64_t a = 0, b = 0;
    const char* p = s.data();
    std::size_t n = s.size();
    if (n >= 8) {  // fixed-size copies: inlined loads, no call
      std::memcpy(&a, p, 8);
      std::memcpy(&b, p + n - 8, 8);
    } else if (n >= 4) {
      std::uint32_t x, y;
      std::memcpy(&x, p, 4);
      std::memcpy(&y, p + n - 4, 4);
      a = x | static_cast<std::uint64_t>(y) << 32;
    } else if (n > 0) {
      a = static_cast<unsigned char>(p[0]) | static_cast<unsigned char>(p[n / 2]) << 8 |
          static_cast<std::uint64_t>(static_cast<unsigned char>(p[n - 1])) << 16;
    }
    h ^= a * 0xC2B2AE3D27D4EB4Full;
    h = (h << 31 | h >> 33) ^ b * 0x165667B19E3779F9ull;
    h *= 0x9E3779B97F4A7C15ull;
    return static_cast<std::size_t>(h ^ (h >> 29));
  }
  void place(std::uint16_t id) {
    std::size_t mask = slots_.size() - 1;
    std::size_t i = hash(storage_[id]) & mask;
    while (slots_[i] != no_symbol) i = (i + 1) & mask;
    slots_[i] = id;
  }
  void rehash(std::size_t size) {
    slots_.assign(size, no_symbol);
    for (std::size_t id = 0; id < storage_.size(); ++id) place(static_cast<std::uint16_t>(id));
  }

  std::deque<std::string> storage_;      // deque: stable addresses as it grows
  std::vector<std::string_view> views_;  // storage_[id], without the deque's indexing on every lookup
  std::vector<std::uint16_t> slots_;     // power-of-two size, at most half full; no_symbol: empty
};

}  // namespace divert::detail
