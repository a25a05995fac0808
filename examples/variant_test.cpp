// Unit-testing a policy variant with Catch2 and divert's test helpers: what the age-25 variant
// of the Lewisham pilot changes, and what it keeps.

#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <divert/testing.hpp>

using nlohmann::ordered_json;

namespace {

ordered_json young_adult_with_cannabis(int age) {
  return ordered_json{
      {"offence", {{"date", "2022-07-14"}, {"type", "possession"}, {"force", "metropolitan"}, {"area", "bexley"}}},
      {"person", {{"age", age}}},
      {"substances", ordered_json::array({{{"drug", "cannabis"}, {"class", "B"}}})},
      {"assessment", {{"personal_use", true}, {"supply_indicators", false}}}};
}

const divert::policy& base() {
  static const divert::policy p = divert::policy::load(DIVERT_POLICIES "/lewisham.json");
  return p;
}
const divert::policy& variant() {
  static const divert::policy p = divert::policy::load(DIVERT_POLICIES "/variants/lewisham_age_25.json");
  return p;
}

}  // namespace

TEST_CASE("the variant admits 25 year olds, the proposal does not") {
  auto c = young_adult_with_cannabis(25);
  CHECK(divert::testing::check(variant(), c, ordered_json{{"status", "eligible"}}).empty());
  CHECK(divert::testing::check(base(), c, ordered_json{{"status", "not_eligible"}, {"reasons", {"age"}}}).empty());
}

TEST_CASE("both agree below and above the band") {
  for (int age : {17, 26}) {
    auto c = young_adult_with_cannabis(age);
    INFO("age " << age);
    CHECK(divert::testing::check(variant(), c, ordered_json{{"status", "not_eligible"}, {"reasons", {"age"}}}).empty());
    CHECK(divert::testing::check(base(), c, ordered_json{{"status", "not_eligible"}, {"reasons", {"age"}}}).empty());
  }
}

TEST_CASE("the variant keeps everything else: supply still excludes") {
  auto c = young_adult_with_cannabis(25);
  c["assessment"]["supply_indicators"] = true;
  auto differences = divert::testing::check(variant(), c, ordered_json{{"status", "excluded"}});
  INFO((differences.empty() ? std::string() : differences.front()));
  CHECK(differences.empty());
}

TEST_CASE("a wrong expectation is reported with what was decided") {
  auto differences =
      divert::testing::check(variant(), young_adult_with_cannabis(30), ordered_json{{"status", "eligible"}});
  REQUIRE(differences.size() == 1);
  CHECK(differences[0].rfind("status: expected eligible, got not_eligible", 0) == 0);
}

TEST_CASE("the variant is a different policy, with its own hash") {
  CHECK(variant().sha256() != base().sha256());
  CHECK(variant().id() != base().id());
}
