#pragma once
// Reading JSON documents (policies, schemas, tests, cases): size and nesting limits checked
// before nlohmann parses a byte, duplicate keys reported, syntax errors with line and column.

#include <cstddef>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "divert/detail/input/json_pointer.hpp"
#include "divert/error.hpp"
#include "divert/limits.hpp"

namespace divert::detail {

struct text_position {
  std::size_t line = 1, column = 1;
};

// Line and column (1-based, columns in bytes) of byte offset `at`.
inline text_position position_of(std::string_view text, std::size_t at) {
  text_position p;
  for (std::size_t i = 0; i < at && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
  return p;
}

// `s` with every byte that is not part of valid UTF-8 written as \xHH: messages quote the input,
// and a message must stay valid UTF-8 wherever it goes (a JSON error line, a decision record).
inline std::string printable(std::string_view s) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = n > 0 && i + n <= s.size();
    for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (ok && n > 1) {
      // No overlong forms, surrogates or code points past U+10FFFF.
      auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xC0 || c == 0xC1 || (c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0) ||
             (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90) || c > 0xF4);
    }
    if (!ok) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
      ++i;
      continue;
    }
    out.append(s.data() + i, n);
    i += n;
  }
  return out;
}

inline diagnostic text_diagnostic(std::string id, std::string file, std::string_view text, std::size_t at,
                                  std::string message) {
  auto p = position_of(text, at);
  return diagnostic{severity::error, std::move(id), std::move(file), {}, p.line, p.column, printable(message)};
}

// Where the number token `token` first stands in `text` (outside strings), or text.size().
inline std::size_t find_number(std::string_view text, std::string_view token) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\') ++i;
      continue;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      std::size_t start = i;
      while (i < text.size() && (text[i] == '-' || text[i] == '+' || text[i] == '.' || text[i] == 'e' ||
                                 text[i] == 'E' || (text[i] >= '0' && text[i] <= '9')))
        ++i;
      if (text.substr(start, i - start) == token) return start;
      --i;
    }
  }
  return text.size();
}

// The code point of the 4 hex digits at text[at...], or -1.
inline long hex4(std::string_view text, std::size_t at) {
  if (at + 4 > text.size()) return -1;
  long v = 0;
  for (std::size_t k = at; k < at + 4; ++k) {
    char h = text[k];
    int d = h >= '0' && h <= '9'   ? h - '0'
            : h >= 'a' && h <= 'f' ? h - 'a' + 10
            : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                   : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

// A \uXXXX escape (text[i] is the 'u'), as UTF-8, so that "\u0061" and "a" are one key as they
// are to the parser; a surrogate pair is one code point. `i` is left on the escape's last digit.
// What the parser will reject anyway (bad digits, a lone surrogate) stays as written.
inline void unescape_u(std::string_view text, std::size_t& i, std::string& token) {
  long cp = hex4(text, i + 1);
  if (cp < 0 || (cp >= 0xDC00 && cp < 0xE000)) {
    token += "\\u";
    return;
  }
  if (cp >= 0xD800 && cp < 0xDC00) {
    long lo = i + 6 < text.size() && text[i + 5] == '\\' && text[i + 6] == 'u' ? hex4(text, i + 7) : -1;
    if (lo < 0xDC00 || lo >= 0xE000) {
      token += "\\u";
      return;
    }
    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    i += 6;
  }
  i += 4;
  auto byte = [&](long b) { token += static_cast<char>(static_cast<unsigned char>(b)); };
  if (cp < 0x80) {
    byte(cp);
  } else if (cp < 0x800) {
    byte(0xC0 | (cp >> 6));
    byte(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    byte(0xE0 | (cp >> 12));
    byte(0x80 | ((cp >> 6) & 0x3F));
    byte(0x80 | (cp & 0x3F));
  } else {
    byte(0xF0 | (cp >> 18));
    byte(0x80 | ((cp >> 12) & 0x3F));
    byte(0x80 | ((cp >> 6) & 0x3F));
    byte(0x80 | (cp & 0x3F));
  }
}

// One pass over the text, before parsing: nesting depth (nlohmann's DOM would otherwise be
// built, and destroyed, as deep as the input goes) and duplicate object keys, which nlohmann
// silently collapses. Structure errors are left for the parser to report.
inline void prescan_json(std::string_view text, const std::string& file, const limits& lim, bool check_duplicates) {
  struct level {
    bool object;
    std::size_t index = 0;
    std::string key;
    std::set<std::string> keys;
    bool expect_key = true;
  };
  std::vector<level> stack;
  // The pointer of the object the parser is in (its own key is not part of it).
  auto pointer = [&] {
    std::string p;
    for (std::size_t i = 0; i + 1 < stack.size(); ++i) {
      const level& l = stack[i];
      if (l.object)
        p = pointer_child(p, l.key);
      else
        p = pointer_child(p, l.index);
    }
    return p;
  };
  std::string token;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      // Read the string, unescaping what matters for keys.
      token.clear();
      std::size_t start = i;
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) {
          ++i;
          switch (text[i]) {
            case 'n': token += '\n'; break;
            case 't': token += '\t'; break;
            case 'r': token += '\r'; break;
            case 'b': token += '\b'; break;
            case 'f': token += '\f'; break;
            case 'u': unescape_u(text, i, token); break;
            default: token += text[i]; break;
          }
        } else {
          token += text[i];
        }
      }
      if (!stack.empty() && stack.back().object && stack.back().expect_key) {
        level& l = stack.back();
        if (check_duplicates && !l.keys.insert(token).second) {
          std::string where = pointer_child(pointer(), token);
          throw syntax_error({text_diagnostic("duplicate-key", file, text, start,
                                              "duplicate key \"" + token + "\" (at " + where + ")")});
        }
        l.key = token;
        l.expect_key = false;
      }
      continue;
    }
    switch (c) {
      case '\0':
        // nlohmann takes a NUL byte for the end of the input, and would accept what precedes
        // it as the whole document: say what it is instead.
        throw syntax_error(
            {text_diagnostic("json-syntax", file, text, i, "a NUL byte, which JSON text cannot contain")});
      case '{':
      case '[':
        if (stack.size() >= lim.max_depth)
          throw limit_error({text_diagnostic("depth-limit", file, text, i,
                                             "nesting deeper than " + std::to_string(lim.max_depth) + " levels")});
        stack.emplace_back();
        stack.back().object = c == '{';
        break;
      case '}':
      case ']':
        if (!stack.empty()) stack.pop_back();
        break;
      case ',':
        if (!stack.empty()) {
          if (stack.back().object)
            stack.back().expect_key = true;
          else
            ++stack.back().index;
        }
        break;
      default: break;
    }
  }
}

// Appends a member to an object without looking for the key first (nlohmann's ordered_json
// searches its members one by one on every insert: building an object of n keys that way takes
// n^2 / 2 string comparisons). The caller knows the key is new.
inline void append_member(nlohmann::ordered_json& object, std::string key, nlohmann::ordered_json value) {
  auto& members =
      static_cast<nlohmann::ordered_json::object_t::Container&>(object.get_ref<nlohmann::ordered_json::object_t&>());
  members.emplace_back(std::move(key), std::move(value));
}

// nlohmann's DOM parser, as a SAX handler that appends each member without searching (see
// append_member), in linear time. With `unique_keys` the prescan has checked there are none twice;
// otherwise a key given twice keeps its first place and its last value, as nlohmann's parser
// does. Parse errors are thrown as nlohmann's parser throws them.
class dom_builder {
 public:
  using ojson = nlohmann::ordered_json;
  dom_builder(ojson& root, bool unique_keys) : root_(root), unique_keys_(unique_keys) {}

  bool null() { return put(nullptr); }
  bool boolean(bool v) { return put(v); }
  bool number_integer(ojson::number_integer_t v) { return put(v); }
  bool number_unsigned(ojson::number_unsigned_t v) { return put(v); }
  bool number_float(ojson::number_float_t v, const std::string&) { return put(v); }
  bool string(std::string& v) { return put(std::move(v)); }
  bool binary(ojson::binary_t& v) { return put(ojson::binary(std::move(v))); }  // (not in JSON text)
  bool start_object(std::size_t) {
    stack_.push_back(place(ojson::object()));
    return true;
  }
  bool key(std::string& k) {
    auto& members = static_cast<ojson::object_t::Container&>(stack_.back()->get_ref<ojson::object_t&>());
    members.emplace_back(std::move(k), nullptr);
    member_ = &members.back().second;
    return true;
  }
  bool end_object() {
    if (!unique_keys_) collapse(*stack_.back());
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) {
    stack_.push_back(place(ojson::array()));
    return true;
  }
  bool end_array() {
    stack_.pop_back();
    return true;
  }
  template <class Exception>
  bool parse_error(std::size_t, const std::string&, const Exception& e) {
    throw e;
  }

 private:
  template <class V>
  bool put(V&& v) {
    place(ojson(std::forward<V>(v)));
    return true;
  }
  ojson* place(ojson v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    ojson* top = stack_.back();
    if (top->is_array()) {
      auto& items = top->get_ref<ojson::array_t&>();
      items.push_back(std::move(v));
      return &items.back();
    }
    *member_ = std::move(v);
    return member_;
  }
  // Keys given twice: the first place, the last value.
  static void collapse(ojson& object) {
    auto& members = static_cast<ojson::object_t::Container&>(object.get_ref<ojson::object_t&>());
    if (members.size() < 2) return;
    std::unordered_map<std::string_view, std::size_t> first;
    std::vector<bool> drop(members.size(), false);
    bool any = false;
    for (std::size_t i = 0; i < members.size(); ++i) {
      auto [at, fresh] = first.emplace(members[i].first, i);
      if (fresh) continue;
      members[at->second].second = std::move(members[i].second);
      drop[i] = any = true;
    }
    if (!any) return;
    ojson::object_t::Container kept;
    for (std::size_t i = 0; i < members.size(); ++i)
      if (!drop[i]) kept.emplace_back(members[i].first, std::move(members[i].second));
    members.swap(kept);
  }

  ojson& root_;
  bool unique_keys_;
  std::vector<ojson*> stack_;
  ojson* member_ = nullptr;
};

// Parses a whole document; throws syntax_error or limit_error.
inline nlohmann::ordered_json parse_json_text(std::string_view text, const std::string& file, const limits& lim,
                                              bool check_duplicates = true) {
  if (text.size() > lim.max_document_bytes)
    throw limit_error("size-limit",
                      "document of " + std::to_string(text.size()) + " bytes is larger than the limit of " +
                          std::to_string(lim.max_document_bytes),
                      file);
  prescan_json(text, file, lim, check_duplicates);
  try {
    nlohmann::ordered_json doc;
    dom_builder builder(doc, check_duplicates);
    nlohmann::ordered_json::sax_parse(text.begin(), text.end(), &builder);
    return doc;
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..."
    auto colon = what.find(": ", what.find("column"));
    std::string message = colon == std::string::npos ? what : what.substr(colon + 2);
    std::size_t at = e.byte > 0 ? e.byte - 1 : 0;
    throw syntax_error({text_diagnostic("json-syntax", file, text, at, message)});
  } catch (const nlohmann::json::out_of_range& e) {
    // 406: "number overflow parsing '1e400'", a number past a double's range, without a position.
    std::string what = e.what();
    auto open = what.find('\'');
    auto close = what.rfind('\'');
    if (e.id != 406 || open == std::string::npos || close <= open) throw;
    std::string token = what.substr(open + 1, close - open - 1);
    throw syntax_error({text_diagnostic("json-number", file, text, find_number(text, token),
                                        "the number " + token + " is too large (beyond a double's range)")});
  }
}

inline std::string read_text_file(const std::string& path, const limits& lim) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw load_error("unreadable-file", "cannot read file", path);
  in.seekg(0, std::ios::end);
  auto size = in.tellg();
  if (size < 0) throw load_error("unreadable-file", "cannot read file", path);
  if (static_cast<std::size_t>(size) > lim.max_document_bytes)
    throw limit_error("size-limit",
                      "file of " + std::to_string(static_cast<long long>(size)) +
                          " bytes is larger than the limit of " + std::to_string(lim.max_document_bytes),
                      path);
  in.seekg(0);
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), size);
  if (!in) throw load_error("unreadable-file", "cannot read file", path);
  return text;
}

inline nlohmann::ordered_json read_json_file(const std::string& path, const limits& lim) {
  return parse_json_text(read_text_file(path, lim), path, lim);
}

}  // namespace divert::detail
