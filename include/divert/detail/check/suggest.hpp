#pragma once
// "Did you mean ...?": the closest known name to a misspelt one.

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace divert::detail {

inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t prev = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cur = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1)});
      prev = cur;
    }
  }
  return row[b.size()];
}

// The candidate within a third of the name's length (at least 2 edits), or "".
template <class Names>
std::string closest(std::string_view name, const Names& candidates) {
  std::string best;
  std::size_t best_d = std::max<std::size_t>(2, name.size() / 3) + 1;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(name, c);
    if (d < best_d) {
      best_d = d;
      best = std::string(c);
    }
  }
  return best;
}

inline std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates) {
  std::string c = closest(name, candidates);
  return c.empty() ? std::string() : " (did you mean \"" + c + "\"?)";
}

}  // namespace divert::detail
