#pragma once
// Reading JSON documents (policies, schemas, tests, cases): size and nesting limits checked
// before nlohmann parses a byte, duplicate keys reported, syntax errors with line and column.

#include <cstddef>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
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

inline diagnostic text_diagnostic(std::string id, std::string file, std::string_view text, std::size_t at,
                                  std::string message) {
  auto p = position_of(text, at);
  return diagnostic{severity::error, std::move(id), std::move(file), {}, p.line, p.column, std::move(message)};
}

// One pass over the text, before parsing: nesting depth (nlohmann's DOM would otherwise be
// built, and destroyed, as deep as the input goes) and duplicate object keys, which nlohmann
// silently collapses. Structure errors are left for the parser to report.
inline void prescan_json(std::string_view text, const std::string& file, const limits& lim,
                         bool check_duplicates) {
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
            case 'u': token += "\\u"; break;  // kept escaped: only used to compare and display keys
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
      default:
        break;
    }
  }
}

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
    return nlohmann::ordered_json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..."
    auto colon = what.find(": ", what.find("column"));
    std::string message = colon == std::string::npos ? what : what.substr(colon + 2);
    std::size_t at = e.byte > 0 ? e.byte - 1 : 0;
    throw syntax_error({text_diagnostic("json-syntax", file, text, at, message)});
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
