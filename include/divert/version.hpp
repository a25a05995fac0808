#pragma once
// The one place divert's version is defined (CMake reads it from here).

#define DIVERT_VERSION_MAJOR 0
#define DIVERT_VERSION_MINOR 1
#define DIVERT_VERSION_PATCH 0

namespace divert {
struct version_info {
  int major, minor, patch;
  const char* string;
};
inline constexpr version_info version{DIVERT_VERSION_MAJOR, DIVERT_VERSION_MINOR, DIVERT_VERSION_PATCH, "0.1.0"};
static_assert(DIVERT_VERSION_MAJOR == 0 && DIVERT_VERSION_MINOR == 1 && DIVERT_VERSION_PATCH == 0,
              "update version.string together with the numbers");
}  // namespace divert
