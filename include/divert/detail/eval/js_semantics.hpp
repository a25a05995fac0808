#pragma once
// JavaScript's coercions, as json-logic-js relies on them: ToNumber, parseFloat, ToString,
// abstract and strict equality, the relational comparison, and UTF-16 string lengths.
// Written against ECMA-262 so that compat-mode rules answer exactly as the reference does.

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

#include "divert/detail/eval/arena.hpp"
#include "divert/detail/eval/value.hpp"

namespace divert::detail::js {

inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();
inline constexpr double inf = std::numeric_limits<double>::infinity();

// ---- UTF-8 / UTF-16 -------------------------------------------------------------------

// Decodes one code point; malformed bytes decode as U+FFFD one byte at a time.
inline char32_t decode_utf8(std::string_view s, std::size_t& i) noexcept {
  auto c = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) -> int {
    if (i + k >= s.size()) return -1;
    auto d = static_cast<unsigned char>(s[i + k]);
    return (d & 0xC0) == 0x80 ? (d & 0x3F) : -1;
  };
  if (c < 0x80) {
    ++i;
    return c;
  }
  if ((c & 0xE0) == 0xC0) {
    int a = cont(1);
    if (a >= 0 && c >= 0xC2) {
      i += 2;
      return static_cast<char32_t>(((c & 0x1F) << 6) | a);
    }
  } else if ((c & 0xF0) == 0xE0) {
    int a = cont(1), b = cont(2);
    if (a >= 0 && b >= 0) {
      char32_t cp = static_cast<char32_t>(((c & 0x0F) << 12) | (a << 6) | b);
      if (cp >= 0x800) {
        i += 3;
        return cp;
      }
    }
  } else if ((c & 0xF8) == 0xF0) {
    int a = cont(1), b = cont(2), d = cont(3);
    if (a >= 0 && b >= 0 && d >= 0) {
      char32_t cp = static_cast<char32_t>(((c & 0x07) << 18) | (a << 12) | (b << 6) | d);
      if (cp >= 0x10000 && cp <= 0x10FFFF) {
        i += 4;
        return cp;
      }
    }
  }
  ++i;
  return 0xFFFD;
}

inline void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

inline bool is_ascii(std::string_view s) noexcept {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// JavaScript's String.prototype.length: UTF-16 code units.
inline std::size_t utf16_length(std::string_view s) noexcept {
  if (is_ascii(s)) return s.size();
  std::size_t units = 0;
  for (std::size_t i = 0; i < s.size();) units += decode_utf8(s, i) >= 0x10000 ? 2 : 1;
  return units;
}

// The UTF-16 code units [from, to) of s, re-encoded as UTF-8 (a split surrogate pair becomes U+FFFD).
inline std::string utf16_slice(std::string_view s, std::size_t from, std::size_t to) {
  if (is_ascii(s)) return std::string(s.substr(from, to > from ? to - from : 0));
  std::string out;
  std::size_t unit = 0;
  for (std::size_t i = 0; i < s.size() && unit < to;) {
    char32_t cp = decode_utf8(s, i);
    if (cp >= 0x10000) {
      bool first_in = unit >= from && unit < to, second_in = unit + 1 >= from && unit + 1 < to;
      if (first_in && second_in)
        append_utf8(out, cp);
      else if (first_in || second_in)
        append_utf8(out, 0xFFFD);
      unit += 2;
    } else {
      if (unit >= from) append_utf8(out, cp);
      unit += 1;
    }
  }
  return out;
}

// Compares two strings by UTF-16 code units, as JavaScript's < does.
inline int compare_utf16(std::string_view a, std::string_view b) noexcept {
  if (is_ascii(a) && is_ascii(b)) return a.compare(b);
  std::size_t i = 0, j = 0;
  auto unit_seq = [](char32_t cp, char16_t out[2]) -> int {
    if (cp < 0x10000) {
      out[0] = static_cast<char16_t>(cp);
      return 1;
    }
    cp -= 0x10000;
    out[0] = static_cast<char16_t>(0xD800 + (cp >> 10));
    out[1] = static_cast<char16_t>(0xDC00 + (cp & 0x3FF));
    return 2;
  };
  char16_t ua[2], ub[2];
  int na = 0, nb = 0, pa = 0, pb = 0;
  for (;;) {
    if (pa == na) {
      if (i >= a.size()) break;
      na = unit_seq(decode_utf8(a, i), ua);
      pa = 0;
    }
    if (pb == nb) {
      if (j >= b.size()) return 1;
      nb = unit_seq(decode_utf8(b, j), ub);
      pb = 0;
    }
    if (ua[pa] != ub[pb]) return ua[pa] < ub[pb] ? -1 : 1;
    ++pa;
    ++pb;
  }
  return (pb == nb && j >= b.size()) ? 0 : -1;
}

// ---- numbers <-> strings --------------------------------------------------------------

inline bool is_js_whitespace(char32_t c) noexcept {
  switch (c) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
    case 0xFEFF: return true;
    default: return c >= 0x2000 && c <= 0x200A;
  }
}

inline std::string_view trim_js(std::string_view s, bool leading_only = false) noexcept {
  std::size_t b = 0;
  while (b < s.size()) {
    std::size_t k = b;
    if (!is_js_whitespace(decode_utf8(s, k))) break;
    b = k;
  }
  s.remove_prefix(b);
  if (leading_only) return s;
  while (!s.empty()) {
    // Walk back over one code point.
    std::size_t start = s.size() - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    std::size_t k = start;
    if (!is_js_whitespace(decode_utf8(s, k))) break;
    s.remove_suffix(s.size() - start);
  }
  return s;
}

// Length of the longest prefix of s that is a StrDecimalLiteral without sign/Infinity
// ("12", "1.5", ".5", "5.", "1e3"); 0 when there is none.
inline std::size_t decimal_prefix(std::string_view s) noexcept {
  std::size_t i = 0, digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    std::size_t j = i + 1, frac = 0;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j, ++frac;
    if (digits + frac == 0) return 0;
    i = j;
    digits += frac;
  }
  if (digits == 0) return 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    std::size_t e = j;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    if (j > e) i = j;
  }
  return i;
}

inline double parse_decimal(std::string_view s) noexcept {
  // strtod needs a terminated buffer; numbers this long are not realistic in rules.
  char buf[128];
  if (s.size() >= sizeof buf) {
    std::string tmp(s);
    return std::strtod(tmp.c_str(), nullptr);
  }
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  return std::strtod(buf, nullptr);
}

// ECMAScript StringToNumber: the whole (trimmed) string must be a numeric literal.
inline double string_to_number(std::string_view s) noexcept {
  s = trim_js(s);
  if (s.empty()) return 0;
  if (s.size() > 2 && s[0] == '0') {
    int base = (s[1] == 'x' || s[1] == 'X')   ? 16
               : (s[1] == 'o' || s[1] == 'O') ? 8
               : (s[1] == 'b' || s[1] == 'B') ? 2
                                              : 0;
    if (base) {
      double r = 0;
      for (std::size_t i = 2; i < s.size(); ++i) {
        char c = s[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : 99;
        if (d >= base) return nan;
        r = r * base + d;
      }
      return r;
    }
  }
  bool neg = false;
  std::string_view body = s;
  if (body[0] == '+' || body[0] == '-') {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "Infinity") return neg ? -inf : inf;
  std::size_t len = decimal_prefix(body);
  if (len == 0 || len != body.size()) return nan;
  double r = parse_decimal(body);
  return neg ? -r : r;
}

// parseFloat on a string: the longest numeric prefix after leading whitespace.
inline double parse_float_string(std::string_view s) noexcept {
  s = trim_js(s, /*leading_only=*/true);
  bool neg = false;
  std::string_view body = s;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body.substr(0, 8) == "Infinity") return neg ? -inf : inf;
  std::size_t len = decimal_prefix(body);
  if (len == 0) return nan;
  double r = parse_decimal(body.substr(0, len));
  return neg ? -r : r;
}

// Number::toString(10): shortest round-trip digits, in JavaScript's layout.
inline std::string number_to_string(double d) {
  if (std::isnan(d)) return "NaN";
  if (d == 0) return "0";
  if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));  // e.g. "-1.2345e+02"
  std::string out;
  if (sci[0] == '-') {
    out += '-';
    sci.remove_prefix(1);
  }
  std::size_t epos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, epos))
    if (c != '.') digits += c;
  int exp10 = std::atoi(std::string(sci.substr(epos + 1)).c_str());
  int k = static_cast<int>(digits.size());
  int n = exp10 + 1;
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<std::size_t>(n));
    out += '.';
    out += digits.substr(static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += 'e';
    out += (n - 1 >= 0) ? '+' : '-';
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

// ---- conversions on values ------------------------------------------------------------

// ToString; arrays join their items with "," (null and undefined items as ""), objects are
// "[object Object]".
inline void append_string(std::string& out, const value& v) {
  switch (v.k) {
    case kind::undefined: out += "undefined"; break;
    case kind::null: out += "null"; break;
    case kind::boolean: out += v.b ? "true" : "false"; break;
    case kind::number: out += number_to_string(v.num); break;
    case kind::string: out.append(v.str, v.n); break;
    case kind::array:
      for (std::uint32_t i = 0; i < v.n; ++i) {
        if (i) out += ',';
        if (!v.items[i].is_nullish()) append_string(out, v.items[i]);
      }
      break;
    case kind::object: out += "[object Object]"; break;
    default: out += "undefined"; break;  // strict-mode kinds never reach JavaScript semantics
  }
}

inline std::string to_string(const value& v) {
  std::string s;
  append_string(s, v);
  return s;
}

// The value as a string value: strings as they are, everything else converted into the arena.
inline value to_string_value(const value& v, arena& scratch) {
  if (v.k == kind::string) return v;
  std::string s = to_string(v);
  return value::string(scratch.copy_string(s), static_cast<std::uint32_t>(s.size()));
}

inline double to_number(const value& v) noexcept {
  switch (v.k) {
    case kind::null: return 0;
    case kind::boolean: return v.b ? 1 : 0;
    case kind::number: return v.num;
    case kind::string: return string_to_number(v.sv());
    case kind::array:
      // ToPrimitive joins with ","; two or more items always leave a comma, hence NaN.
      if (v.n == 0) return 0;
      if (v.n == 1) {
        const value& item = v.items[0];  // String(item), then ToNumber
        if (item.is_nullish()) return 0;
        if (item.k == kind::number || item.k == kind::string || item.k == kind::array) return to_number(item);
        return nan;  // "true", "false", "[object Object]"
      }
      return nan;
    default: return nan;  // undefined, objects ("[object Object]")
  }
}

// parseFloat(x) = parseFloat(String(x)).
inline double parse_float(const value& v) noexcept {
  switch (v.k) {
    case kind::number: return v.num == 0 ? 0.0 : v.num;  // String(-0) is "0"
    case kind::string: return parse_float_string(v.sv());
    case kind::array:
      // The joined string's numeric prefix can only come from the first item.
      if (v.n == 0 || v.items[0].is_nullish()) return nan;
      return parse_float(v.items[0]);
    default: return nan;  // "true", "null", "undefined", "[object Object]"
  }
}

// JsonLogic's truthiness: JavaScript's, except that an empty array is false.
// The org's newer specification (spec dialect) also makes an empty object false.
inline bool truthy(const value& v, bool empty_object_is_false = false) noexcept {
  switch (v.k) {
    case kind::boolean: return v.b;
    case kind::number: return v.num != 0 && !std::isnan(v.num);
    case kind::string: return v.n != 0;
    case kind::array: return v.n != 0;
    case kind::object: return !(empty_object_is_false && v.n == 0);
    default: return false;
  }
}

inline bool is_primitive(const value& v) noexcept { return v.k != kind::array && v.k != kind::object; }

// ToPrimitive for arrays and objects: their string form.
inline value to_primitive(const value& v, arena& scratch) { return is_primitive(v) ? v : to_string_value(v, scratch); }

inline bool strict_equals(const value& a, const value& b) noexcept {
  if (a.k != b.k) return false;
  switch (a.k) {
    case kind::undefined:
    case kind::null: return true;
    case kind::boolean: return a.b == b.b;
    case kind::number: return a.num == b.num;
    case kind::string: return same_string(a, b);
    case kind::array: return a.items == b.items;  // identity
    case kind::object: return a.members == b.members;
    default: return false;
  }
}

// IsLooselyEqual (==).
inline bool loose_equals(const value& a, const value& b, arena& scratch) {
  if (a.k == b.k) return strict_equals(a, b);
  if (a.is_nullish() && b.is_nullish()) return true;
  if (a.is_nullish() || b.is_nullish()) return false;
  if (a.k == kind::number && b.k == kind::string) return a.num == string_to_number(b.sv());
  if (a.k == kind::string && b.k == kind::number) return string_to_number(a.sv()) == b.num;
  if (a.k == kind::boolean) return loose_equals(value::number(a.b ? 1 : 0), b, scratch);
  if (b.k == kind::boolean) return loose_equals(a, value::number(b.b ? 1 : 0), scratch);
  if ((a.k == kind::number || a.k == kind::string) && !is_primitive(b))
    return loose_equals(a, to_primitive(b, scratch), scratch);
  if (!is_primitive(a) && (b.k == kind::number || b.k == kind::string))
    return loose_equals(to_primitive(a, scratch), b, scratch);
  return false;
}

// IsLessThan(a, b): -1 for undefined (a NaN was involved), else 0/1.
inline int less_than(const value& a, const value& b, arena& scratch) {
  value pa = to_primitive(a, scratch), pb = to_primitive(b, scratch);
  if (pa.k == kind::string && pb.k == kind::string) return compare_utf16(pa.sv(), pb.sv()) < 0 ? 1 : 0;
  double x = to_number(pa), y = to_number(pb);
  if (std::isnan(x) || std::isnan(y)) return -1;
  return x < y ? 1 : 0;
}

inline bool lt(const value& a, const value& b, arena& s) { return less_than(a, b, s) == 1; }
inline bool gt(const value& a, const value& b, arena& s) { return less_than(b, a, s) == 1; }
inline bool le(const value& a, const value& b, arena& s) { return less_than(b, a, s) == 0; }
inline bool ge(const value& a, const value& b, arena& s) { return less_than(a, b, s) == 0; }

// ToIntegerOrInfinity.
inline double to_integer(const value& v) noexcept {
  double d = to_number(v);
  if (std::isnan(d)) return 0;
  if (std::isinf(d)) return d;
  return std::trunc(d);
}

// String.prototype.substr(start, length) on UTF-16 units; length undefined = to the end.
inline std::string substr(std::string_view s, double start, const double* length) {
  double size = static_cast<double>(utf16_length(s));
  double from = start == -inf ? 0 : start < 0 ? std::max(size + start, 0.0) : std::min(start, size);
  double len = length ? std::min(std::max(*length, 0.0), size) : size;
  double to = std::min(from + len, size);
  if (to <= from) return {};
  return utf16_slice(s, static_cast<std::size_t>(from), static_cast<std::size_t>(to));
}

// A string's index property ("0", "1", … without leading zeros), or -1.
inline long long array_index(std::string_view key) noexcept {
  if (key.empty() || key.size() > 10) return -1;
  if (key.size() > 1 && key[0] == '0') return -1;
  long long r = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return -1;
    r = r * 10 + (c - '0');
  }
  return r < 4294967295LL ? r : -1;
}

}  // namespace divert::detail::js
