// schemas/policy.schema.json, the JSON Schema of divert-policy/1 files for editors, against the
// policies in the repository and against the loader (detail/input/policy_loader.hpp): the keys
// it lists are the keys the loader knows, its enums are the values the loader accepts, and
// every policy under policies/ fits it. divert's own schema validator implements only the
// subset case schemas need, so the structure is checked here by focused assertions; when
// Python's jsonschema is installed, the policies are also validated by it in full.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "divert/policy.hpp"
#include "test_policy_support.hpp"

using namespace divert_policy_test;

namespace {

const ojson& schema() {
  static const ojson s = ojson::parse(read_file(source("schemas/policy.schema.json")));
  return s;
}

std::set<std::string> keys_of(const ojson& object) {
  std::set<std::string> out;
  for (auto it = object.begin(); it != object.end(); ++it) out.insert(it.key());
  return out;
}

std::set<std::string> strings_of(const ojson& array) {
  std::set<std::string> out;
  for (const auto& x : array) out.insert(x.get<std::string>());
  return out;
}

// The object form of a rule/pathway/source definition (the other anyOf branch is a removal).
const ojson& object_form(const std::string& def) {
  for (const auto& alt : schema()["$defs"][def]["anyOf"])
    if (!alt.contains("$ref")) return alt;
  FAIL("no object form in $defs/" << def);
  return schema();
}

// Every policy file under policies/ (not tests, not case schemas).
std::vector<std::string> repository_policies() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(source("policies"))) {
    std::string p = e.path().string();
    if (e.is_regular_file() && e.path().extension() == ".json" && p.find(".tests.json") == std::string::npos &&
        p.find("schema.json") == std::string::npos)
      out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Loads a policy written to the scratch directory; returns its diagnostics.
std::vector<diag> load_text(const std::string& name, const ojson& doc, bool* valid = nullptr) {
  std::string path = temp_dir() + "/" + name;
  write_file(path, doc.dump(2));
  return load_diagnostics(path, valid);
}

std::vector<diag> with_id(const std::vector<diag>& ds, const std::string& id) {
  std::vector<diag> out;
  for (const auto& d : ds)
    if (d.id == id) out.push_back(d);
  return out;
}

// A small valid policy, with every optional top-level key, to vary.
ojson full_policy() {
  ojson p = ojson::parse(read_file(fixture("young_cannabis.json")));
  p["$schema"] = "../schemas/policy.schema.json";
  p["description"] = "A description.";
  p["notes"] = "Notes.";
  p["extends"] = nullptr;
  return p;
}

}  // namespace

TEST_CASE("policy schema: a draft 2020-12 schema for divert-policy/1", "[policy][schema]") {
  CHECK(schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema");
  CHECK(schema()["type"] == "object");
  CHECK(schema()["properties"]["format"]["const"] == "divert-policy/1");
  CHECK(schema()["required"] == ojson::array({"format"}));
  CHECK(strings_of(schema()["else"]["required"]) ==
        std::set<std::string>{"id", "title", "version", "status", "pathways"});
  CHECK(schema()["additionalProperties"] == false);
  // Every top-level property is described, for editors.
  for (auto it = schema()["properties"].begin(); it != schema()["properties"].end(); ++it) {
    INFO(it.key());
    const ojson& p = it.value();
    bool described =
        p.contains("description") ||
        (p.contains("$ref") && schema()["$defs"][p["$ref"].get<std::string>().substr(8)].contains("description"));
    CHECK(described);
  }
}

TEST_CASE("policy schema: its keys are the loader's keys", "[policy][schema]") {
  SECTION("top level: every key of the schema is known to the loader, and nothing else") {
    ojson p = full_policy();
    CHECK(keys_of(p) == keys_of(schema()["properties"]));
    bool valid = false;
    CHECK(with_id(load_text("all_keys.json", p, &valid), "unknown-key").empty());
    CHECK(valid);
    p["parameter"] = ojson::object();
    auto ds = with_id(load_text("extra_key.json", p), "unknown-key");
    REQUIRE(ds.size() == 1);
    CHECK(ds[0].where == "/parameter");
  }
  SECTION("rules: every key of the schema's rule") {
    std::set<std::string> rule_keys = keys_of(object_form("rule")["properties"]);
    CHECK(rule_keys == std::set<std::string>{"id", "title", "when", "explain", "source", "confidence", "justification",
                                             "description", "notes"});
    CHECK(strings_of(object_form("rule")["required"]) == std::set<std::string>{"id", "title", "when"});
    ojson p = full_policy();
    ojson& rule = p["eligibility"][0];
    rule["explain"] = {{"fail", "Aged {person.age}"}, {"pass", "Aged {person.age}"}};
    rule["justification"] = "Why";
    rule["description"] = "What";
    rule["notes"] = "Notes";
    CHECK(keys_of(rule) == rule_keys);
    bool valid = false;
    CHECK(with_id(load_text("rule_keys.json", p, &valid), "unknown-key").empty());
    CHECK(valid);
  }
  SECTION("pathways: every key of the schema's pathway") {
    std::set<std::string> pathway_keys = keys_of(object_form("pathway")["properties"]);
    CHECK(strings_of(object_form("pathway")["required"]) == std::set<std::string>{"id", "title", "when", "disposal"});
    ojson p = full_policy();
    ojson& pw = p["pathways"][0];
    pw["provider"] = "A service";
    pw["on_non_compliance"] = "Prosecution";
    pw["on_completion"] = "No further action";
    pw["outcome_code"] = "22";
    pw["justification"] = "Why";
    pw["description"] = "What";
    pw["notes"] = "Notes";
    CHECK(keys_of(pw) == pathway_keys);
    bool valid = false;
    CHECK(with_id(load_text("pathway_keys.json", p, &valid), "unknown-key").empty());
    CHECK(valid);
  }
  SECTION("sources, jurisdiction, effective, explain") {
    CHECK(keys_of(object_form("source")["properties"]) ==
          std::set<std::string>{"id", "title", "url", "date", "publisher", "note"});
    CHECK(keys_of(schema()["$defs"]["jurisdiction"]["properties"]) == std::set<std::string>{"force", "areas"});
    CHECK(keys_of(schema()["$defs"]["effective"]["properties"]) == std::set<std::string>{"from", "to"});
    const ojson& explain = schema()["$defs"]["explain"]["anyOf"][1];
    CHECK(keys_of(explain["properties"]) == std::set<std::string>{"fail", "pass", "applies", "clear"});
    ojson p = full_policy();
    p["sources"][0] = {{"id", "src"},       {"title", "T"},     {"url", "https://example.org"},
                       {"date", "2022-01"}, {"publisher", "P"}, {"note", "N"}};
    p["effective"] = {{"from", "2022-06-01"}, {"to", "2023-06-01"}};
    bool valid = false;
    CHECK(load_text("source_keys.json", p, &valid).empty());
    CHECK(valid);
  }
}

TEST_CASE("policy schema: its enums are the values the loader accepts", "[policy][schema]") {
  auto errors_of = [](const std::string& name, const ojson& doc) {
    std::vector<diag> out;
    for (const auto& d : load_text(name, doc))
      if (d.level == "error") out.push_back(d);
    return out;
  };
  for (const auto& status : schema()["properties"]["status"]["enum"]) {
    ojson p = full_policy();
    p["status"] = status;
    CHECK(errors_of("status.json", p).empty());
  }
  for (const auto& policy : schema()["properties"]["pathway_policy"]["enum"]) {
    ojson p = full_policy();
    p["pathway_policy"] = policy;
    CHECK(errors_of("pathway_policy.json", p).empty());
  }
  for (const auto& confidence : schema()["$defs"]["confidence"]["enum"]) {
    ojson p = full_policy();
    p["eligibility"][0]["confidence"] = confidence;
    CHECK(errors_of("confidence.json", p).empty());
  }
  for (const auto& disposal : schema()["$defs"]["disposal"]["enum"]) {
    INFO(disposal);
    ojson p = full_policy();
    p["pathways"][1]["disposal"] = disposal;
    CHECK(errors_of("disposal.json", p).empty());
  }
  CHECK(schema()["$defs"]["disposal"]["enum"].size() == 11);
  // And values outside them are errors.
  ojson p = full_policy();
  p["status"] = "draft";
  p["pathway_policy"] = "any";
  p["eligibility"][0]["confidence"] = "certain";
  p["pathways"][1]["disposal"] = "caution";
  std::vector<std::string> where;
  for (const auto& d : errors_of("bad_enums.json", p)) where.push_back(d.where);
  CHECK(where ==
        std::vector<std::string>{"/eligibility/0/confidence", "/pathway_policy", "/pathways/1/disposal", "/status"});
}

TEST_CASE("policy schema: \"$schema\" is accepted and ignored", "[policy][schema]") {
  ojson with = ojson::parse(read_file(fixture("young_cannabis.json")));
  ojson without = with;
  with["$schema"] = "../schemas/policy.schema.json";
  bool valid = false;
  CHECK(load_text("with_schema.json", with, &valid).empty());
  CHECK(valid);
  load_text("without_schema.json", without);
  CHECK(divert::policy::load(temp_dir() + "/with_schema.json").sha256() ==
        divert::policy::load(temp_dir() + "/without_schema.json").sha256());
}

TEST_CASE("policy schema: every policy in the repository fits it", "[policy][schema]") {
  const ojson& props = schema()["properties"];
  std::set<std::string> top = keys_of(props);
  std::set<std::string> rule_keys = keys_of(object_form("rule")["properties"]);
  std::set<std::string> pathway_keys = keys_of(object_form("pathway")["properties"]);
  std::set<std::string> source_keys = keys_of(object_form("source")["properties"]);
  std::set<std::string> statuses = strings_of(props["status"]["enum"]);
  std::set<std::string> confidences = strings_of(schema()["$defs"]["confidence"]["enum"]);
  std::set<std::string> disposals = strings_of(schema()["$defs"]["disposal"]["enum"]);
  std::set<std::string> operators = strings_of(schema()["$defs"]["operation"]["propertyNames"]["enum"]);

  // The operators a condition uses are among the schema's.
  std::function<void(const ojson&, const std::string&)> check_expression = [&](const ojson& e, const std::string& at) {
    if (e.is_array())
      for (std::size_t i = 0; i < e.size(); ++i) check_expression(e[i], at + "/" + std::to_string(i));
    if (!e.is_object()) return;
    INFO(at);
    REQUIRE(e.size() == 1);
    CHECK(operators.count(e.begin().key()) == 1);
    check_expression(e.begin().value(), at + "/" + e.begin().key());
  };
  auto check_rules = [&](const ojson& list, const std::set<std::string>& keys, bool pathway, const std::string& at) {
    for (std::size_t i = 0; i < list.size(); ++i) {
      const ojson& r = list[i];
      INFO(at << "/" << i);
      if (r.contains("remove")) {
        CHECK(keys_of(r) == std::set<std::string>{"id", "remove"});
        continue;
      }
      for (const auto& k : keys_of(r)) {
        INFO(k);
        CHECK(keys.count(k) == 1);
      }
      CHECK((r.contains("id") && r.contains("title") && r.contains("when")));
      if (r.contains("confidence")) CHECK(confidences.count(r["confidence"].get<std::string>()) == 1);
      if (pathway) {
        REQUIRE(r.contains("disposal"));
        CHECK(disposals.count(r["disposal"].get<std::string>()) == 1);
        if (r.contains("diverts")) CHECK(r["diverts"].is_boolean());
        if (r.contains("sessions")) CHECK(r["sessions"].is_number_integer());
      }
      check_expression(r["when"], at + "/" + std::to_string(i) + "/when");
    }
  };

  std::vector<std::string> files = repository_policies();
  REQUIRE(files.size() >= 6);
  for (const auto& file : files) {
    INFO(file);
    ojson p = ojson::parse(read_file(file));
    for (const auto& k : keys_of(p)) {
      INFO(k);
      CHECK(top.count(k) == 1);
    }
    CHECK(p["format"] == "divert-policy/1");
    bool extends = p.contains("extends") && p["extends"].is_string();
    if (!extends)
      for (const char* k : {"id", "title", "version", "status", "pathways"}) CHECK(p.contains(k));
    if (p.contains("status")) CHECK(statuses.count(p["status"].get<std::string>()) == 1);
    if (p.contains("pathway_policy")) CHECK((p["pathway_policy"] == "first" || p["pathway_policy"] == "unique"));
    if (p.contains("jurisdiction"))
      for (const auto& k : keys_of(p["jurisdiction"])) CHECK((k == "force" || k == "areas"));
    if (p.contains("effective"))
      for (const auto& k : keys_of(p["effective"])) CHECK((k == "from" || k == "to"));
    if (p.contains("sources"))
      for (const auto& s : p["sources"]) {
        for (const auto& k : keys_of(s)) CHECK(source_keys.count(k) == 1);
        CHECK((s.contains("remove") || (s.contains("id") && s.contains("title"))));
      }
    if (p.contains("predicates"))
      for (auto it = p["predicates"].begin(); it != p["predicates"].end(); ++it)
        check_expression(it.value(), "/predicates/" + it.key());
    for (const char* list : {"eligibility", "exclusions"})
      if (p.contains(list)) check_rules(p[list], rule_keys, false, std::string("/") + list);
    if (p.contains("pathways")) check_rules(p["pathways"], pathway_keys, true, "/pathways");
  }
}

TEST_CASE("policy schema: full validation with Python's jsonschema, when installed", "[policy][schema]") {
  if (std::system("python3 -c 'import jsonschema' >/dev/null 2>&1") != 0) {
    WARN("python3 jsonschema is not installed: full validation skipped (the focused checks above still ran)");
    return;
  }
  // Checks the schema itself, then validates each repository policy (and a broken one, which
  // must fail, so that a validator that accepts everything cannot pass this test).
  std::string script = temp_dir() + "/validate.py";
  write_file(
      script,
      "import json, sys, jsonschema\n"
      "schema = json.load(open(sys.argv[1]))\n"
      "jsonschema.Draft202012Validator.check_schema(schema)\n"
      "v = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)\n"
      "bad = 0\n"
      "for f in sys.argv[2:]:\n"
      "    errors = sorted(v.iter_errors(json.load(open(f))), key=lambda e: list(e.absolute_path))\n"
      "    for e in errors:\n"
      "        print(f + ': /' + '/'.join(map(str, e.absolute_path)) + ': ' + e.message[:200])\n"
      "    bad += bool(errors)\n"
      "print(str(bad) + ' invalid')\n");
  std::string args;
  for (const auto& f : repository_policies()) args += " " + shell_quoted(f);
  std::string out_file = temp_dir() + "/validate.out";
  int rc = std::system(("python3 " + shell_quoted(script) + " " + shell_quoted(source("schemas/policy.schema.json")) +
                        args + " >" + shell_quoted(out_file) + " 2>&1")
                           .c_str());
  std::string out = read_file(out_file);
  INFO(out);
  CHECK(rc == 0);
  CHECK(out == "0 invalid\n");

  std::system(("python3 " + shell_quoted(script) + " " + shell_quoted(source("schemas/policy.schema.json")) + " " +
               shell_quoted(fixture("errors/meta_values.json")) + " >" + shell_quoted(out_file) + " 2>&1")
                  .c_str());
  std::string bad = read_file(out_file);
  INFO(bad);
  CHECK(bad.find("meta_values.json: /status: 'draft' is not one of ['proposed', 'active', 'retired']") !=
        std::string::npos);
  CHECK(bad.find("1 invalid\n") != std::string::npos);
}
