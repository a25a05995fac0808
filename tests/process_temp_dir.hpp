#pragma once
// A directory of this test process's own: ctest runs test processes side by side, so files
// named by a counter or a fixed name must not meet another process's. Removed at exit.

#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace test_support {

inline std::string process_temp_dir() {
  struct owned_dir {
    std::filesystem::path path;
    explicit owned_dir(std::filesystem::path p) : path(std::move(p)) { std::filesystem::create_directories(path); }
    ~owned_dir() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
    owned_dir(const owned_dir&) = delete;
    owned_dir& operator=(const owned_dir&) = delete;
  };
  static const owned_dir dir(std::filesystem::temp_directory_path() / ("divert_tests_" + std::to_string(::getpid())));
  return dir.path.string();
}

}  // namespace test_support
