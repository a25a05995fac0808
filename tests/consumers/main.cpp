// A program that uses divert the way a custody-software project would: compile a JsonLogic rule
// once, then apply it (one-shot) and bind + test (the fast path). Built by the consumer tests in
// tests/CMakeLists.txt, once against an installed divert (find_package) and once with divert as
// a subdirectory (add_subdirectory). Exit 0 when every answer is right.

#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

#include "divert/jsonlogic.hpp"
#include "divert/version.hpp"

int main() {
  using json = nlohmann::json;
  int failures = 0;
  auto check = [&failures](const char* what, bool ok) {
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok) ++failures;
  };

  // Aged 18 to 24 and holding cannabis only.
  const auto rule = divert::jsonlogic::rule::compile(json::parse(R"({"and": [
    {"<=": [18, {"var": "person.age"}, 24]},
    {"all": [{"var": "substances"}, {"==": [{"var": "drug"}, "cannabis"]}]}
  ]})"));

  const json young_cannabis = json::parse(R"({"person": {"age": 21}, "substances": [{"drug": "cannabis"}]})");
  const json older_cannabis = json::parse(R"({"person": {"age": 30}, "substances": [{"drug": "cannabis"}]})");
  const json young_cocaine = json::parse(R"({"person": {"age": 19}, "substances": [{"drug": "cocaine"}]})");

  check("apply: 21 with cannabis is true", rule.apply(young_cannabis) == true);
  check("apply: 30 with cannabis is false", rule.apply(older_cannabis) == false);

  divert::jsonlogic::data bound = rule.bind(young_cannabis);
  check("bind + test: 21 with cannabis", rule.test(bound));
  rule.bind(young_cocaine, bound);
  check("bind + test: 19 with cocaine", !rule.test(bound));

#ifdef DIVERT_EXPECTED_VERSION
  // The version find_package reported (divertConfigVersion.cmake) is the headers' version.
  check("find_package version matches divert/version.hpp",
        std::strcmp(divert::version.string, DIVERT_EXPECTED_VERSION) == 0);
#endif

  std::printf("divert %s consumer: %s\n", divert::version.string, failures ? "FAILED" : "passed");
  return failures ? 1 : 0;
}
