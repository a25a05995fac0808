#include <catch2/catch.hpp>

#include "divert/jsonlogic.hpp"

TEST_CASE("jsonlogic: a rule compiles and applies") {
  auto r = divert::jsonlogic::rule::compile(nlohmann::json::parse(R"({"<=": [18, {"var": "age"}, 24]})"));
  CHECK(r.apply(nlohmann::json{{"age", 21}}) == true);
}
