// divert diff through the real binary: the Thames Valley model against the Lewisham proposal,
// every witness decided again by divert batch, options, errors, caseload replay, the HTML report.

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "test_diff_support.hpp"

using namespace diff_test;

namespace {

const std::string tv = source("policies/thames_valley.json");
const std::string lewisham = source("policies/lewisham.json");

bool has_line(const std::string& out, const std::string& line) {
  for (const auto& l : lines(out))
    if (l == line) return true;
  return false;
}

std::string build_dir() {
  std::string tool = DIVERT_TOOL;
  return tool.substr(0, tool.find_last_of('/'));
}

std::string temp_file(const std::string& name) { return test_support::process_temp_dir() + "/diff_" + name; }

}  // namespace

TEST_CASE("divert diff thames_valley lewisham: adults over 24, drugs other than cannabis, under-18s", "[diff][cli]") {
  auto r = run("diff \"" + tv + "\" \"" + lewisham + "\"");
  CHECK(r.code == 1);
  auto ls = lines(r.out);
  REQUIRE(ls.size() > 4);
  CHECK(ls[2] ==
        "compared on status and pathway disposal; set aside: A jurisdiction, effective; B jurisdiction (the implicit "
        "area and date rules "
        "by default: who would be treated differently under B's rules instead of A's; --with-jurisdiction keeps them)");
  // Adults over 24.
  CHECK(has_line(r.out,
                 "offence.date from 2021-12-06 · offence.type possession · person.age 25–120 · person.consents true · "
                 "assessment.personal_use true · assessment.supply_indicators false → A eligible, adult_scheme "
                 "(deferred_prosecution) · "
                 "B not eligible: age"));
  // Drugs other than cannabis.
  CHECK(has_line(
      r.out,
      "offence.date from 2021-12-06 · offence.type possession · person.age 18–24 · person.consents true · "
      "assessment.personal_use true · assessment.supply_indicators false · substances: at least one with drug other "
      "than "
      "cannabis or cannabis_resin → A eligible, adult_scheme (deferred_prosecution) · B not eligible: cannabis_only"));
  // Under-18s.
  CHECK(has_line(
      r.out,
      "offence.date from 2020-10-26 · offence.type possession · person.age 0–17 · person.consents true · "
      "assessment.personal_use true · assessment.supply_indicators false · history: 0 to 1 with type diversion, scheme "
      "thames_valley, engaged true; none with type diversion, scheme thames_valley, engaged false → A eligible, "
      "youth_scheme "
      "(community_resolution) · B not eligible: age"));
  CHECK(ls.back() ==
        "61 regions where the decisions differ; 17 where they agree; 456 classes of cases explored (exhaustive)");
}

TEST_CASE("divert diff: every witness, decided again by divert batch under each policy, gets different decisions",
          "[diff][cli]") {
  auto r = run("diff \"" + tv + "\" \"" + lewisham + "\" --format json");
  REQUIRE(r.code == 1);
  ojson d = ojson::parse(r.out);
  REQUIRE(d["regions"].size() == 61);
  CHECK(d["summary"]["exact"] == true);
  std::string cases = temp_file("witnesses.jsonl");
  {
    std::ofstream out(cases);
    for (const auto& reg : d["regions"]) out << reg["witness"].dump() << "\n";
  }
  // The implicit rules, as diff sets them aside (Lewisham has no "effective": skipping it is no error).
  auto a = run("batch \"" + tv + "\" \"" + cases + "\" --skip-rules jurisdiction,effective --progress never");
  auto b = run("batch \"" + lewisham + "\" \"" + cases + "\" --skip-rules jurisdiction,effective --progress never");
  std::remove(cases.c_str());
  REQUIRE(a.code == 0);
  REQUIRE(b.code == 0);
  std::vector<ojson> da, db;
  for (const auto& l : lines(a.out))
    if (!l.empty() && l[0] == '{') da.push_back(ojson::parse(l));
  for (const auto& l : lines(b.out))
    if (!l.empty() && l[0] == '{') db.push_back(ojson::parse(l));
  REQUIRE(da.size() == d["regions"].size());
  REQUIRE(db.size() == d["regions"].size());
  for (std::size_t i = 0; i < da.size(); ++i) {
    const ojson& reg = d["regions"][i];
    INFO(reg["description"].get<std::string>());
    auto disposal = [](const ojson& rec) {
      return rec["pathway"].is_object() ? rec["pathway"]["disposal"].get<std::string>() : std::string();
    };
    bool differ = da[i]["status"] != db[i]["status"] || disposal(da[i]) != disposal(db[i]);
    CHECK(differ);
    CHECK(da[i]["status"] == reg["a"]["status"]);
    CHECK(db[i]["status"] == reg["b"]["status"]);
  }
}

TEST_CASE("divert diff --on status compares statuses only; --with-jurisdiction keeps the implicit rules",
          "[diff][cli]") {
  auto s = run("diff \"" + tv + "\" \"" + lewisham + "\" --on status --format json");
  CHECK(s.code == 1);
  ojson d = ojson::parse(s.out);
  CHECK(d["compared_on"] == ojson::array({"status"}));
  CHECK(d["regions"].size() == 58);
  for (const auto& reg : d["regions"]) CHECK(reg["a"]["status"] != reg["b"]["status"]);
  auto w = run("diff \"" + tv + "\" \"" + lewisham + "\" --with-jurisdiction");
  CHECK(w.code == 1);
  auto ls = lines(w.out);
  REQUIRE(ls.size() > 3);
  CHECK(ls[2] == "compared on status and pathway disposal; no rules set aside");
  CHECK(ls.back() ==
        "26 regions where the decisions differ; 12 where they agree; 271 classes of cases explored (exhaustive)");
}

TEST_CASE("divert diff: the same policy twice exits 0; errors exit 2", "[diff][cli]") {
  auto same = run("diff \"" + lewisham + "\" \"" + lewisham + "\"");
  CHECK(same.code == 0);
  CHECK(lines(same.out).back() ==
        "the policies decide every case alike (8 regions); 14 classes of cases explored (exhaustive)");
  auto skip = run("diff \"" + lewisham + "\" \"" + lewisham + "\" --skip-rules nope");
  CHECK(skip.code == 2);
  CHECK(skip.out == "divert diff: error: no rule \"nope\" to skip in either policy\n");
  auto schemas = run("diff \"" + lewisham + "\" \"" + source("policies/mopac_womens_diversion.json") + "\"");
  CHECK(schemas.code == 2);
  CHECK(schemas.out ==
        "divert diff: error: the policies use different case schemas (case-v1, mopac_womens_diversion.case): only "
        "policies over one "
        "case schema can be compared\n");
  auto missing = run("diff \"" + lewisham + "\" no-such-policy.json");
  CHECK(missing.code == 2);
  CHECK(missing.out == "no-such-policy.json: /: error: cannot read file\n");
}

TEST_CASE("divert diff --skip-rules sets more rules aside, in whichever policy has them", "[diff][cli]") {
  auto r = run("diff \"" + tv + "\" \"" + lewisham + "\" --skip-rules supply_suspected,cannabis_only --format json");
  CHECK(r.code == 1);
  ojson d = ojson::parse(r.out);
  CHECK(d["set_aside"]["a"] == ojson::array({"jurisdiction", "effective", "supply_suspected"}));
  CHECK(d["set_aside"]["b"] == ojson::array({"jurisdiction", "cannabis_only", "supply_suspected"}));
  for (const auto& reg : d["regions"]) {
    std::string desc = reg["description"];
    CHECK(desc.find("supply_indicators") == std::string::npos);
    CHECK(desc.find("substances") == std::string::npos);
  }
}

TEST_CASE("divert diff --cases: a JSONL caseload counted per region, with A's status against B's", "[diff][cli]") {
  auto r = run("diff \"" + tv + "\" \"" + lewisham + "\" --cases \"" + fixture("caseload.jsonl") + "\" --format json");
  CHECK(r.code == 1);
  ojson d = ojson::parse(r.out);
  const ojson& c = d["cases"];
  CHECK(c["decided"] == 400);
  CHECK(c["invalid"] == 0);
  CHECK(c["decided_differently"] == 217);
  CHECK(c["mismatched"] == 0);
  CHECK(c["not_placed"] == 0);
  std::size_t in_regions = 0;
  for (const auto& n : c["per_region"]) in_regions += n.get<std::size_t>();
  CHECK(in_regions == 217);
  CHECK(in_regions + c["in_agreeing_regions"].get<std::size_t>() == 400);
  CHECK(c["status_table"]["eligible"]["not_eligible"] == 143);
  auto text = run("diff \"" + tv + "\" \"" + lewisham + "\" --cases \"" + fixture("caseload.jsonl") + "\"");
  CHECK(has_line(text.out, "cases: 400 decided; 217 decided differently"));
  CHECK(has_line(text.out, "  eligible\t17\t143\t0\t0"));
}

TEST_CASE("divert diff --cases --input csv: a police CSV through a mapping, as divert batch reads it", "[diff][cli]") {
  auto r = run("diff \"" + tv + "\" \"" + lewisham + "\" --cases \"" +
               source("tests/fixtures/batch/stop-search-archive.csv") + "\" --input csv --map \"" +
               source("mappings/police-uk-stop-search.json") + "\" --set offence.force=metropolitan --format json");
  CHECK(r.code == 1);
  ojson d = ojson::parse(r.out);
  const ojson& c = d["cases"];
  CHECK(c["mismatched"] == 0);
  CHECK(c["decided"].get<std::size_t>() + c["invalid"].get<std::size_t>() +
            c["skipped_by_mapping"].get<std::size_t>() ==
        7);
  auto no_map = run("diff \"" + tv + "\" \"" + lewisham + "\" --cases \"" +
                    source("tests/fixtures/batch/stop-search-archive.csv") + "\" --input csv");
  CHECK(no_map.code == 2);
  CHECK(no_map.out == "divert: --input csv needs a mapping (--map MAP.json; see docs/batch.md)\n");
}

TEST_CASE("divert diff --html: one self-contained file with SVG charts and a row per region", "[diff][cli][html]") {
  std::string html = temp_file("report.html");  // not the Chromium test's file: ctest runs tests in parallel
  auto r = run("diff \"" + tv + "\" \"" + lewisham + "\" --cases \"" + fixture("caseload.jsonl") + "\" --html \"" +
               html + "\"");
  CHECK(r.code == 1);
  std::ifstream in(html);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string page = ss.str();
  CHECK(page.rfind("<!doctype html>", 0) == 0);
  CHECK(page.find("http://") == std::string::npos);  // nothing to fetch
  CHECK(page.find("https://") == std::string::npos);
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("id=\"chart-age\"") != std::string::npos);
  CHECK(page.find("id=\"chart-drug\"") != std::string::npos);
  std::size_t rows = 0;
  for (std::size_t at = page.find("<tr class=\"region\">"); at != std::string::npos;
       at = page.find("<tr class=\"region\">", at + 1))
    ++rows;
  CHECK(rows == 61);
  std::remove(html.c_str());
}

// Opens the report in headless Chromium (when installed), checks what it renders, keeps a
// screenshot as a test artefact in the build directory.
TEST_CASE("divert diff --html renders in headless Chromium", "[diff][cli][html][chromium]") {
  const char* chromium = "/usr/bin/chromium";
  struct stat st {};
  if (stat(chromium, &st) != 0) {
    WARN("skipped: " << chromium << " is not installed");
    return;
  }
  std::string dir = build_dir();
  std::string html = dir + "/diff-report.html";
  auto r = run("diff \"" + tv + "\" \"" + lewisham + "\" --cases \"" + fixture("caseload.jsonl") + "\" --html \"" +
               html + "\"");
  REQUIRE(r.code == 1);
  std::string profile = temp_file("chromium-profile");
  std::string flags =
      std::string(chromium) +
      " --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update "
      "--disable-sync --no-first-run --user-data-dir=\"" +
      profile + "\"";
  std::string dom_file = temp_file("dom.html");
  int code = std::system((flags + " --dump-dom \"file://" + html + "\" > \"" + dom_file + "\" 2>/dev/null").c_str());
  REQUIRE(code == 0);
  std::ifstream in(dom_file);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string dom = ss.str();
  std::remove(dom_file.c_str());
  auto count = [&](const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = dom.find(what); at != std::string::npos; at = dom.find(what, at + 1)) ++n;
    return n;
  };
  CHECK(count("<svg") >= 4);
  CHECK(count("<rect") >= 2 * 101 + 2 * 14);  // two rows of ages 0-100, two columns of drugs, and more
  CHECK(count("<tr class=\"region\">") == 61);
  CHECK(dom.find("id=\"n-differing\">61<") != std::string::npos);
  std::string png = dir + "/diff-report.png";
  std::remove(png.c_str());
  code = std::system(
      (flags + " --screenshot=\"" + png + "\" --window-size=1200,1600 \"file://" + html + "\" >/dev/null 2>&1")
          .c_str());
  CHECK(code == 0);
  struct stat shot {};
  CHECK(stat(png.c_str(), &shot) == 0);
  CHECK(shot.st_size > 10000);
  std::system(("rm -rf \"" + profile + "\"").c_str());
}
