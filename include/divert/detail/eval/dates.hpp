#pragma once
// Calendar dates as day numbers (days since 1970-01-01, proleptic Gregorian), parsed from and
// printed as ISO YYYY-MM-DD, with the whole-month and whole-year differences policies use.

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace divert::detail::dates {

struct ymd {
  int year, month, day;
};

// Howard Hinnant's days_from_civil.
inline std::int64_t days_from_civil(int y, int m, int d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = static_cast<unsigned>((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

inline ymd civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return ymd{static_cast<int>(y + (m <= 2)), static_cast<int>(m), static_cast<int>(d)};
}

inline bool is_leap(int y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

inline int days_in_month(int y, int m) noexcept {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

// Strict ISO calendar date: exactly YYYY-MM-DD, a real day.
inline std::optional<std::int64_t> parse(std::string_view s) noexcept {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  auto digits = [&](std::size_t from, std::size_t n, int& out) {
    out = 0;
    for (std::size_t i = from; i < from + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int y, m, d;
  if (!digits(0, 4, y) || !digits(5, 2, m) || !digits(8, 2, d)) return std::nullopt;
  if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return std::nullopt;
  return days_from_civil(y, m, d);
}

inline std::string format(std::int64_t days) {
  ymd c = civil_from_days(days);
  char buf[48];  // room for any int, though real years have four digits
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", c.year, c.month, c.day);
  return buf;
}

// Whole calendar months from a to b (negative when b is before a): 2021-01-31 to 2021-02-28 is 0.
inline std::int64_t months_between(std::int64_t a, std::int64_t b) noexcept {
  if (b < a) return -months_between(b, a);
  ymd x = civil_from_days(a), y = civil_from_days(b);
  std::int64_t months = (static_cast<std::int64_t>(y.year) - x.year) * 12 + (y.month - x.month);
  if (y.day < x.day) --months;
  return months;
}

inline std::int64_t years_between(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t m = months_between(a, b);
  return m / 12;  // truncates toward zero, as months_between does for the sign
}

}  // namespace divert::detail::dates
