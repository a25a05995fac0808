#pragma once
// Interned strings. A compiled program (or a case schema) owns one table; binding a case looks
// each string and key up once, so evaluation compares small integers, never bytes or hashes.

#include <cstdint>
#include <deque>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "divert/detail/eval/value.hpp"

namespace divert::detail {

class symbol_table {
 public:
  symbol_table() = default;
  symbol_table(const symbol_table& other) { *this = other; }
  symbol_table& operator=(const symbol_table& other) {
    if (this == &other) return *this;
    storage_.clear();
    index_.clear();
    for (const auto& s : other.storage_) intern(s);
    return *this;
  }
  symbol_table(symbol_table&&) = delete;  // values point into storage_: keep it where it is
  symbol_table& operator=(symbol_table&&) = delete;

  std::uint16_t intern(std::string_view s) {
    auto it = index_.find(s);
    if (it != index_.end()) return it->second;
    if (storage_.size() >= no_symbol) throw std::length_error("divert: too many distinct strings in one program");
    storage_.emplace_back(s);
    auto id = static_cast<std::uint16_t>(storage_.size() - 1);
    index_.emplace(std::string_view(storage_.back()), id);
    return id;
  }

  std::uint16_t find(std::string_view s) const noexcept {
    auto it = index_.find(s);
    return it == index_.end() ? no_symbol : it->second;
  }

  std::string_view name(std::uint16_t id) const { return storage_[id]; }
  std::size_t size() const noexcept { return storage_.size(); }

  // The canonical string value for a symbol: pointer into this table's storage.
  value string_value(std::uint16_t id) const {
    const std::string& s = storage_[id];
    return value::string(s.data(), static_cast<std::uint32_t>(s.size()), id);
  }

 private:
  std::deque<std::string> storage_;  // deque: stable addresses as it grows
  std::unordered_map<std::string_view, std::uint16_t> index_;
};

}  // namespace divert::detail
