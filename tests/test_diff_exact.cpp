// divert diff is exact: on small policies, the regions cover the whole case space without
// overlap, and brute-force enumeration of a finite space agrees with them everywhere (each case
// falls in exactly one region, and both policies decide it as the region says).

#include <catch2/catch.hpp>

#include "test_diff_support.hpp"

using namespace diff_test;

namespace {

const std::vector<ojson> types = {"possession", "possession_with_intent", "supply"};
const std::vector<ojson> booleans = {true, false};

ojson substance(const char* drug, double amount) { return ojson{{"drug", drug}, {"amount", amount}}; }
ojson diversion(int months_before) { return ojson{{"type", "diversion"}, {"months_before", months_before}}; }
ojson caution(int months_before) { return ojson{{"type", "caution"}, {"months_before", months_before}}; }

void require_exact(const divert::diff_result& r, const std::vector<axis>& axes, std::size_t expected_cases) {
  exactness e = check_exact(r, axes);
  INFO(e.first_problem);
  CHECK(e.cases == expected_cases);
  CHECK(e.overlapping_pairs == 0);
  CHECK(e.outside == 0);
  CHECK(e.overlapping == 0);
  CHECK(e.wrong == 0);
}

}  // namespace

TEST_CASE("diff exactness: every age, offence type, flag and a few substances (young_cannabis vs any_drug)", "[diff]") {
  auto a = divert::policy::load(fixture("young_cannabis.json"));
  auto b = divert::policy::load(fixture("any_drug.json"));
  auto r = divert::diff(a, b);
  REQUIRE(r.exact());
  std::vector<axis> axes = {
      {"person.age", range(0, 120)},
      {"offence.type", types},
      {"assessment.personal_use", booleans},
      {"assessment.supply_indicators", booleans},
      {"offence.date", {"2019-06-15", "2020-01-13"}},
      {"offence.area", {"windsor", "lewisham"}},
      {"substances",
       {ojson::array(), ojson::array({substance("cannabis", 1)}), ojson::array({substance("cocaine", 29)})}},
      {"history", {ojson::array()}},
  };
  require_exact(r, axes, 121u * 3 * 2 * 2 * 2 * 2 * 3);
}

TEST_CASE(
    "diff exactness: substances and history as multisets, with dates relative to the offence (young_cannabis vs "
    "any_drug)",
    "[diff]") {
  auto a = divert::policy::load(fixture("young_cannabis.json"));
  auto b = divert::policy::load(fixture("any_drug.json"));
  auto r = divert::diff(a, b);
  std::vector<ojson> substances = multisets(
      {substance("cannabis", 1), substance("cannabis_resin", 28.5), substance("heroin", 0.5), substance("cocaine", 28)},
      3);
  std::vector<ojson> history = multisets({diversion(24), diversion(25), diversion(0), caution(1)}, 3);
  std::vector<axis> axes = {
      {"person.age", {17, 20, 30}},
      {"offence.type", {"possession"}},
      {"assessment.personal_use", {true}},
      {"assessment.supply_indicators", {false}},
      {"offence.date", {"2020-01-12", "2022-03-31"}},
      {"offence.area", {"windsor"}},
      {"substances", substances},
      {"history", history},
  };
  require_exact(r, axes, 3u * 2 * substances.size() * history.size());
}

TEST_CASE("diff exactness: lengths, scalar arrays and enums with other values (young_cannabis vs aggravated)",
          "[diff]") {
  auto a = divert::policy::load(fixture("young_cannabis.json"));
  auto b = divert::policy::load(fixture("aggravated.json"));
  auto r = divert::diff(a, b);
  REQUIRE(r.exact());
  std::vector<ojson> substances =
      multisets({substance("cannabis", 1), substance("cannabis_resin", 2), substance("mdma", 1)}, 4);
  std::vector<ojson> aggravating = multisets({"near_school", "public_use", "hotspot"}, 2);
  std::vector<axis> axes = {
      {"person.age", {17, 18, 24, 25, 26}},
      {"offence.type", {"possession", "other"}},
      {"person.admits_offence", {"yes", "no", "no_reply"}},
      {"assessment.personal_use", booleans},
      {"assessment.supply_indicators", booleans},
      {"substances", substances},
      {"circumstances.aggravating", aggravating},
  };
  require_exact(r, axes, 5u * 2 * 3 * 2 * 2 * substances.size() * aggravating.size());
}

TEST_CASE("diff exactness: with the jurisdiction and effective rules kept, on status alone", "[diff]") {
  auto a = divert::policy::load(fixture("young_cannabis.json"));
  auto b = divert::policy::load(fixture("any_drug.json"));
  divert::diff_options o;
  o.with_jurisdiction = true;
  o.status_only = true;
  auto r = divert::diff(a, b, o);
  CHECK(r.skip_a.empty());
  CHECK(r.skip_b.empty());
  std::vector<axis> axes = {
      {"person.age", {15, 16, 17, 18, 24, 25}},
      {"offence.type", {"possession"}},
      {"assessment.personal_use", {true}},
      {"assessment.supply_indicators", {false}},
      {"offence.date", {"2018-12-31", "2019-01-01", "2020-01-12", "2020-01-13"}},
      {"offence.force", {"metropolitan", "thames_valley", "kent"}},
      {"offence.area", {"windsor", "lewisham", "bexley", "greenwich"}},
      {"substances", {ojson::array({substance("cannabis", 1)}), ojson::array({substance("mdma", 1)})}},
      {"history", {ojson::array(), ojson::array({diversion(1), diversion(2)})}},
  };
  require_exact(r, axes, 6u * 4 * 3 * 4 * 2 * 2);
  for (const auto& reg : r.differing) CHECK(reg.a.status != reg.b.status);
}

TEST_CASE("diff exactness: Thames Valley against the Lewisham proposal, on a grid of real cases", "[diff]") {
  auto a = divert::policy::load(source("policies/thames_valley.json"));
  auto b = divert::policy::load(source("policies/lewisham.json"));
  auto r = divert::diff(a, b);
  REQUIRE(r.exact());
  ojson tv_engaged = {{"type", "diversion"}, {"scheme", "thames_valley"}, {"engaged", true}};
  ojson tv_not_engaged = {{"type", "diversion"}, {"scheme", "thames_valley"}, {"engaged", false}};
  ojson elsewhere = {{"type", "diversion"}, {"scheme", "avon_and_somerset"}, {"engaged", true}};
  std::vector<axis> axes = {
      {"person.age", {12, 17, 18, 24, 25, 70}},
      {"offence.type", {"possession", "supply"}},
      {"offence.date", {"2018-12-09", "2018-12-10", "2020-01-13", "2020-10-26", "2021-12-06"}},
      {"offence.area", {"west_berkshire", "windsor_and_maidenhead", "oxford"}},
      {"person.consents", booleans},
      {"assessment.personal_use", {true}},
      {"assessment.supply_indicators", booleans},
      {"substances",
       {ojson::array(), ojson::array({ojson{{"drug", "cannabis"}}}), ojson::array({ojson{{"drug", "cocaine"}}}),
        ojson::array({ojson{{"drug", "cannabis_resin"}}, ojson{{"drug", "heroin"}}})}},
      {"history",
       {ojson::array(), ojson::array({tv_engaged}), ojson::array({tv_not_engaged}),
        ojson::array({tv_engaged, tv_engaged}), ojson::array({elsewhere})}},
  };
  require_exact(r, axes, 6u * 2 * 5 * 3 * 2 * 2 * 4 * 5);
}
