#pragma once
// divert's errors. Every problem is a diagnostic with a stable id (listed in docs/errors.md),
// the file and JSON pointer it is about (or line and column, for JSON syntax errors) and a
// message. Load and compile collect every diagnostic they find before throwing.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace divert {

enum class severity { error, warning };

namespace detail {
// Appends `s` on one line: control characters as \n, \t, \r, \xHH.
inline void append_one_line(std::string& out, std::string_view s) {
  static const char hex[] = "0123456789ABCDEF";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7F) {
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
}
}  // namespace detail

struct diagnostic {
  severity level = severity::error;
  std::string id;                    // stable, e.g. "unknown-operator"
  std::string file;                  // empty when the input did not come from a file
  std::string pointer;               // JSON pointer; "" is the document itself
  std::size_t line = 0, column = 0;  // 1-based, for JSON syntax errors; 0 otherwise
  std::string message;

  // "FILE: /pointer: error: message" (or "FILE:LINE:COLUMN: error: message"), on one line:
  // control characters the input put in a key or a value are written as \n, \t, \xHH.
  std::string to_string() const {
    std::string out = file.empty() ? std::string("<input>") : file;
    if (line) {
      out += ':' + std::to_string(line) + ':' + std::to_string(column) + ": ";
    } else {
      out += ": ";
      detail::append_one_line(out, pointer.empty() ? std::string_view("/") : std::string_view(pointer));
      out += ": ";
    }
    out += level == severity::error ? "error: " : "warning: ";
    detail::append_one_line(out, message);
    return out;
  }
};

inline bool has_errors(const std::vector<diagnostic>& ds) {
  for (const auto& d : ds)
    if (d.level == severity::error) return true;
  return false;
}

// Base of every exception divert throws.
class error : public std::runtime_error {
 public:
  explicit error(std::vector<diagnostic> ds) : std::runtime_error(summary(ds)), diagnostics_(std::move(ds)) {}
  error(std::string id, std::string message, std::string file = {}, std::string pointer = {})
      : error(std::vector<diagnostic>{diagnostic{severity::error, std::move(id), std::move(file), std::move(pointer), 0,
                                                 0, std::move(message)}}) {}

  // Every diagnostic, in the order found.
  const std::vector<diagnostic>& diagnostics() const noexcept { return diagnostics_; }
  // The id of the first error.
  const std::string& id() const noexcept { return diagnostics_.front().id; }

 private:
  static std::string summary(const std::vector<diagnostic>& ds) {
    std::string s;
    for (const auto& d : ds) {
      if (!s.empty()) s += '\n';
      s += d.to_string();
    }
    return s.empty() ? std::string("divert: error") : s;
  }
  std::vector<diagnostic> diagnostics_;
};

// Malformed JSON text (has line and column).
class syntax_error : public error {
  using error::error;
};
// A file that cannot be read, an `extends` that cannot be resolved.
class load_error : public error {
  using error::error;
};
// A rule or policy that does not compile (unknown operators, arity, types, cycles...).
class compile_error : public error {
  using error::error;
};
// Input past a configured limit (nesting depth, sizes).
class limit_error : public error {
  using error::error;
};
// Case data that does not fit the case schema.
class case_error : public error {
  using error::error;
};
// A compat-mode rule that failed while running (JsonLogic `throw`, NaN in the spec dialect).
class evaluation_error : public error {
  using error::error;
};

}  // namespace divert
