#pragma once
// A streaming CSV reader (RFC 4180): fields separated by commas, records by CRLF or LF; a field
// may be quoted with double quotes, and then holds commas, line breaks and doubled quotes ("").
// Reads from any byte source in blocks, so memory stays flat whatever the file's size; each
// record remembers the physical line it starts on (a quoted field may span lines).
//
// Strict where RFC 4180 is, so that nothing is guessed: a quote inside an unquoted field, text
// after a closing quote, or a file that ends inside a quoted field make that record an error
// (the reader then goes on with the next line). A UTF-8 byte order mark before the header is
// skipped. Why not a library: Debian 12 packages no maintained C++ CSV reader (libcsv-dev is a
// C callback parser that accepts the malformed cases above silently), and the format is small.

#include <cstddef>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace divert::detail {

class csv_reader {
 public:
  // `read(buffer, size)` fills up to `size` bytes and returns how many; 0 at the end.
  using source = std::function<std::size_t(char*, std::size_t)>;

  enum class result { record, error, end };

  explicit csv_reader(source read, std::size_t block = 1 << 16) : read_(std::move(read)), buf_(block) {}

  // Reads the next record into `fields`. On `error`, `message()` says why and the reader has
  // skipped to the end of the line where the problem is.
  result next(std::vector<std::string>& fields) {
    fields.clear();
    message_.clear();
    if (!started_) {
      started_ = true;
      if (peek() == 0xEF && peek(1) == 0xBB && peek(2) == 0xBF) pos_ += 3;
    }
    if (at_eof()) return result::end;
    line_ = next_line_;
    std::string field;
    for (;;) {
      // At the start of a field.
      field.clear();
      int c = peek();
      if (c == '"') {
        ++pos_;
        for (;;) {
          c = get();
          if (c < 0) return fail("the file ends inside a quoted field", fields);
          if (c == '"') {
            if (peek() == '"') {
              ++pos_;
              field += '"';
              continue;
            }
            break;
          }
          if (c == '\n') ++next_line_;
          field += static_cast<char>(c);
        }
        c = peek();
        if (c != ',' && c != '\n' && c != '\r' && c >= 0) return fail("text after a closing quote", fields);
      } else {
        for (;;) {
          c = peek();
          if (c < 0 || c == ',' || c == '\n' || c == '\r') break;
          if (c == '"')
            return fail("a quote inside an unquoted field (quote the whole field, and double the quote)", fields);
          field += static_cast<char>(c);
          ++pos_;
        }
      }
      fields.push_back(field);
      c = get();
      if (c == ',') continue;
      if (c == '\r') {
        if (peek() == '\n') ++pos_;
        ++next_line_;
        return result::record;
      }
      if (c == '\n') ++next_line_;
      return result::record;  // newline or end of file
    }
  }

  // The physical line (1-based) on which the last record started.
  std::size_t line() const noexcept { return line_; }
  const std::string& message() const noexcept { return message_; }

 private:
  result fail(std::string why, std::vector<std::string>& fields) {
    message_ = std::move(why);
    fields.clear();
    // Skip to the end of the current line.
    for (;;) {
      int c = get();
      if (c < 0) break;
      if (c == '\n') {
        ++next_line_;
        break;
      }
    }
    return result::error;
  }
  bool fill() {
    if (eof_) return false;
    // Keep the unread bytes, then read more after them.
    std::size_t left = len_ - pos_;
    if (left && pos_) std::memmove(buf_.data(), buf_.data() + pos_, left);
    pos_ = 0;
    len_ = left;
    if (len_ == buf_.size()) buf_.resize(buf_.size() * 2);
    std::size_t n = read_(buf_.data() + len_, buf_.size() - len_);
    if (n == 0) eof_ = true;
    len_ += n;
    return n > 0;
  }
  int peek(std::size_t ahead = 0) {
    while (pos_ + ahead >= len_)
      if (!fill()) return -1;
    return static_cast<unsigned char>(buf_[pos_ + ahead]);
  }
  int get() {
    int c = peek();
    if (c >= 0) ++pos_;
    return c;
  }
  bool at_eof() { return peek() < 0; }

  source read_;
  std::vector<char> buf_;
  std::size_t pos_ = 0, len_ = 0;
  bool eof_ = false, started_ = false;
  std::size_t line_ = 1, next_line_ = 1;
  std::string message_;
};

}  // namespace divert::detail
