// One libFuzzer binary per target: DIVERT_FUZZ_TARGET names the function of fuzz/targets.hpp
// (run_policy, run_case, ...). The targets themselves are compiled once, in targets.cpp.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace divert_fuzz {
void run_policy(std::string_view);
void run_case(std::string_view);
void run_jsonlogic(std::string_view);
void run_csv(std::string_view);
void run_jsonl(std::string_view);
}  // namespace divert_fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  divert_fuzz::DIVERT_FUZZ_TARGET(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
