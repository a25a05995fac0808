// divert lint's checks over the whole case space (DESIGN §9): conditions that can never be true
// or are always true, pathways shadowed by earlier ones, overlaps under pathway_policy "unique".

#include <catch2/catch.hpp>

#include "divert/detail/analysis/lint_checks.hpp"
#include "test_diff_support.hpp"

using namespace diff_test;

TEST_CASE("divert lint: never true, always true, shadowed pathway", "[lint]") {
  std::string file = fixture("lint_problems.json");
  auto r = run("lint \"" + file + "\"");
  CHECK(r.code == 0);  // warnings only
  CHECK(r.out ==
        file +
            ": /eligibility/0: warning: eligibility rule \"impossible_age\" can never be true, whatever the facts: no "
            "case can be eligible\n" +
            file +
            ": /exclusions/0: warning: exclusion \"consents_or_not\" is true for every case: every case is excluded\n" +
            file +
            ": /pathways/1: warning: pathway \"young_adults\" is never chosen: whenever it applies, an earlier pathway "
            "(\"adults\") applies first\n");
}

TEST_CASE("divert lint: pathways that overlap on eligible cases under pathway_policy unique", "[lint]") {
  std::string file = fixture("lint_unique.json");
  auto r = run("lint \"" + file + "\"");
  CHECK(r.code == 0);
  // youth/adults do not overlap; seniors overlap adults only where the "older" exclusion applies.
  CHECK(r.out ==
        file +
            ": /pathways/2: warning: pathways \"adults\" and \"young_adults\" both apply to some eligible cases, but "
            "pathway_policy is \"unique\"; for example offence.type possession · offence.area lewisham · person.age "
            "18–25\n");
}

TEST_CASE("lint static checks as a library: ids, files and pointers", "[lint]") {
  auto p = divert::policy::load(fixture("lint_problems.json"));
  auto ds = divert::detail::analysis::static_checks(p.impl());
  REQUIRE(ds.size() == 3);
  CHECK(ds[0].id == "never-true");
  CHECK(ds[0].pointer == "/eligibility/0");
  CHECK(ds[1].id == "always-true");
  CHECK(ds[1].pointer == "/exclusions/0");
  CHECK(ds[2].id == "shadowed-pathway");
  CHECK(ds[2].pointer == "/pathways/1");
  for (const auto& d : ds) {
    CHECK(d.level == divert::severity::warning);
    CHECK(d.file == fixture("lint_problems.json"));
  }
}

TEST_CASE("the encoded schemes have no never-true, always-true, shadowed or overlapping rules", "[lint]") {
  for (const char* name : {"thames_valley.json", "lewisham.json", "avon_somerset_dep.json", "cannabis_escalation.json",
                           "mopac_womens_diversion.json"}) {
    auto p = divert::policy::load(source(std::string("policies/") + name));
    auto ds = divert::detail::analysis::static_checks(p.impl());
    INFO(name);
    for (const auto& d : ds) INFO(d.to_string());
    CHECK(ds.empty());
  }
}
