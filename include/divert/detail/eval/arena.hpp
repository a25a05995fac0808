#pragma once
// A bump allocator whose blocks are kept across reset(): after the first few cases, binding
// and evaluating allocate nothing from the heap. Pointers stay valid until reset/rewind.

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>
#include <vector>

namespace divert::detail {

class arena {
 public:
  explicit arena(std::size_t first_block = 4096) : first_block_(first_block) {}
  arena(const arena&) = delete;
  arena& operator=(const arena&) = delete;
  arena(arena&&) noexcept = default;
  arena& operator=(arena&&) noexcept = default;

  void* allocate(std::size_t bytes, std::size_t align = alignof(std::max_align_t)) {
    for (;;) {
      if (current_ < blocks_.size()) {
        block& b = blocks_[current_];
        std::size_t start = (used_ + align - 1) & ~(align - 1);
        if (start + bytes <= b.size) {
          used_ = start + bytes;
          return b.data.get() + start;
        }
        ++current_;
        used_ = 0;
        continue;
      }
      std::size_t size = std::max(bytes + align, blocks_.empty() ? first_block_ : blocks_.back().size * 2);
      blocks_.push_back(block{std::unique_ptr<std::byte[]>(new std::byte[size]), size});
      current_ = blocks_.size() - 1;
      used_ = 0;
    }
  }

  // Sizes the first block, when nothing is allocated yet: a case bound into exactly the memory it
  // needs sits in one place (evaluating many bound cases is then kinder to the caches).
  void size_first_block(std::size_t bytes) noexcept {
    if (blocks_.empty()) first_block_ = bytes;
  }
  bool empty() const noexcept { return blocks_.empty(); }

  template <class T>
  T* allocate_array(std::size_t count) {
    // Never zero bytes: every array gets its own address (JavaScript compares arrays by identity).
    return static_cast<T*>(allocate(sizeof(T) * (count ? count : 1), alignof(T)));
  }

  const char* copy_string(std::string_view s) {
    char* p = static_cast<char*>(allocate(s.size() + 1, 1));
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
    return p;
  }

  struct mark {
    std::size_t block, used;
  };
  mark position() const noexcept { return {current_, used_}; }
  void rewind(mark m) noexcept {
    current_ = m.block;
    used_ = m.used;
  }
  void reset() noexcept {
    current_ = 0;
    used_ = 0;
  }
  std::size_t capacity() const noexcept {
    std::size_t total = 0;
    for (const auto& b : blocks_) total += b.size;
    return total;
  }

 private:
  struct block {
    std::unique_ptr<std::byte[]> data;
    std::size_t size;
  };
  std::vector<block> blocks_;
  std::size_t current_ = 0;
  std::size_t used_ = 0;
  std::size_t first_block_;
};

}  // namespace divert::detail
