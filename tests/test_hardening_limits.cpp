// Limits and hostile input (DESIGN §11): what a file, a case or a rule can contain never crashes
// divert and never overflows its stack. Nesting 100,000 deep, huge arrays and strings, numbers
// past a double, garbage, NUL bytes and invalid UTF-8 each give one clean error, with the exact
// message and where it is (line and column in the text, or a JSON pointer). Every limit is
// divert::limits, which the embedding program sets (tests use small ones where the default would
// make the input large).

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "divert/facts.hpp"
#include "divert/jsonlogic.hpp"
#include "divert/limits.hpp"
#include "divert/policy.hpp"
#include "process_temp_dir.hpp"

namespace {

using ojson = nlohmann::ordered_json;
using divert::diagnostic;

std::string temp_file(const std::string& name, const std::string& text) {
  static const std::string dir = test_support::process_temp_dir();
  std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// A valid policy's text with `when` as its one eligibility rule's condition (written as is).
std::string policy_text(const std::string& when, const std::string& more = "") {
  return R"({"format":"divert-policy/1","id":"p","title":"t","version":"1","status":"active",)" + more +
         R"("eligibility":[{"id":"r","title":"r","source":"s","confidence":"assumed","when":)" + when +
         R"(}],"sources":[{"id":"s","title":"s"}],)"
         R"("pathways":[{"id":"x","title":"x","when":true,"disposal":"other","diverts":true,"source":"s","confidence":"assumed"}]})";
}

// What loading gives: "FILE:LINE:COLUMN: ..." or "FILE: /pointer: ..." for each error.
std::vector<std::string> load_errors(const std::string& path, const divert::limits& lim = {}) {
  std::vector<diagnostic> diags;
  divert::policy p = divert::policy::load(path, diags, lim);
  std::vector<std::string> out;
  for (const auto& d : diags)
    if (d.level == divert::severity::error) out.push_back(d.id + " " + d.to_string());
  if (!out.empty()) CHECK_FALSE(p.valid());
  return out;
}

std::string deep_arrays(std::size_t n) { return std::string(n, '[') + std::string(n, ']'); }

// A document nested `n` deep, built without text (nlohmann builds and frees it without recursing).
// `n` arrays, each the only item of the one before, built where `root` is (no copy).
void fill_deep(ojson& root, std::size_t n) {
  root = ojson::array();
  ojson* at = &root;
  for (std::size_t i = 1; i < n; ++i) {
    at->push_back(ojson::array());
    at = &(*at)[0];
  }
}

ojson deep_json(std::size_t n) {
  ojson root;
  fill_deep(root, n);
  return root;
}

std::string pointer_of_zeros(std::size_t n) {
  std::string p;
  for (std::size_t i = 0; i < n; ++i) p += "/0";
  return p;
}

std::vector<std::string> case_errors(const divert::policy& p, const std::string& text, const divert::limits& lim = {}) {
  divert::facts f = p.bind(ojson::object());
  std::vector<diagnostic> diags;
  bool ok = f.try_rebind_text(text, diags, "case.json", lim);
  std::vector<std::string> out;
  for (const auto& d : diags)
    if (d.level == divert::severity::error) out.push_back(d.id + " " + d.to_string());
  CHECK(ok == out.empty());
  return out;
}

const divert::policy& lewisham() {
  static const divert::policy p = divert::policy::load(std::string(DIVERT_SOURCE_DIR) + "/policies/lewisham.json");
  return p;
}

}  // namespace

TEST_CASE("limits: every limit has a default, and an embedding program may set each", "[hardening][limits]") {
  divert::limits lim;
  CHECK(lim.max_depth == 128);
  CHECK(lim.max_document_bytes == 64u << 20);
  CHECK(lim.max_nodes == 1u << 20);
  CHECK(lim.max_array_length == 1u << 16);
  CHECK(lim.max_string_length == 1u << 16);
}

TEST_CASE("limits: policies", "[hardening][limits]") {
  SECTION("100,000-deep nesting in a condition: one error, at the 129th level, before parsing") {
    std::string text = policy_text(deep_arrays(100000));
    std::string path = temp_file("deep.json", text);
    // The root object, "eligibility", its rule and 125 of the condition's arrays are 128 levels.
    std::size_t column = text.find("\"when\":") + 7 + 125 + 1;
    CHECK(load_errors(path) == std::vector<std::string>{"depth-limit " + path + ":1:" + std::to_string(column) +
                                                        ": error: nesting deeper than 128 levels"});
  }
  SECTION("predicates that nest deeper than the limit between them (each within it)") {
    // 64 predicates, each 100 "!" deep and using the next: 6,400 levels once inlined.
    ojson preds = ojson::object();
    for (int k = 0; k < 64; ++k) {
      ojson e =
          k + 1 < 64 ? ojson{{"pred", "p" + std::to_string(k + 1)}} : ojson::parse(R"({"var":"person.consents"})");
      for (int i = 0; i < 100; ++i) e = ojson{{"!", e}};
      preds["p" + std::to_string(k)] = e;
    }
    std::string path =
        temp_file("pred_chain.json", policy_text(R"({"pred":"p0"})", "\"predicates\":" + preds.dump() + ","));
    std::string pointer = "/predicates/p1";
    for (int i = 0; i < 26; ++i) pointer += "/!";
    CHECK(load_errors(path) == std::vector<std::string>{"depth-limit " + path + ": " + pointer +
                                                        ": error: nested deeper than 128 levels, counting the "
                                                        "predicates it uses"});
  }
  SECTION("predicates that double at each step (2^40 nodes once inlined)") {
    ojson preds = ojson::object();
    preds["q0"] = ojson::parse(R"({"var":"person.consents"})");
    for (int k = 1; k <= 40; ++k)
      preds["q" + std::to_string(k)] =
          ojson{{"and", {{{"pred", "q" + std::to_string(k - 1)}}, {{"pred", "q" + std::to_string(k - 1)}}}}};
    std::string path =
        temp_file("pred_doubling.json", policy_text(R"({"pred":"q40"})", "\"predicates\":" + preds.dump() + ","));
    divert::limits lim;
    lim.max_nodes = 5000;
    std::vector<std::string> errors = load_errors(path, lim);
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].rfind("size-limit " + path + ": /predicates/q", 0) == 0);
    CHECK(errors[0].find(": error: the policy compiles to more than 5000 nodes, counting each use of a predicate") !=
          std::string::npos);
    CHECK(errors[1] == "size-limit " + path + ": /: error: policy compiles to more than 5000 nodes");
  }
  SECTION("an operation with more arguments than an instruction holds") {
    std::string args = "true";
    for (int i = 1; i < 70000; ++i) args += ",true";
    std::string path = temp_file("wide.json", policy_text("{\"and\":[" + args + "]}"));
    CHECK(load_errors(path) ==
          std::vector<std::string>{"size-limit " + path +
                                   ": /eligibility/0/when: error: more than 65535 arguments in one operation"});
  }
  SECTION("a file larger than the limit") {
    std::string path = temp_file("big.json", policy_text("true") + std::string(5000, ' '));
    divert::limits lim;
    lim.max_document_bytes = 4096;
    std::string size = std::to_string(policy_text("true").size() + 5000);
    CHECK(load_errors(path, lim) == std::vector<std::string>{"size-limit " + path + ": /: error: file of " + size +
                                                             " bytes is larger than the limit of 4096"});
  }
  SECTION("a number past a double's range") {
    std::string text = policy_text(R"({">":[{"var":"person.age"},{"param":"a"}]})", "\"parameters\":{\"a\":1e400},");
    std::string path = temp_file("huge_number.json", text);
    std::size_t column = text.find("1e400") + 1;
    CHECK(load_errors(path) ==
          std::vector<std::string>{"json-number " + path + ":1:" + std::to_string(column) +
                                   ": error: the number 1e400 is too large (beyond a double's range)"});
  }
  SECTION("garbage, NUL bytes and invalid UTF-8") {
    std::string path = temp_file("garbage.json", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
    // The NUL byte is found before parsing starts (nlohmann would take it for the end of the text).
    CHECK(load_errors(path) ==
          std::vector<std::string>{"json-syntax " + path + ":3:1: error: a NUL byte, which JSON text cannot contain"});
    std::string nul = policy_text("true") + std::string(1, '\0') + "garbage";
    path = temp_file("nul.json", nul);
    CHECK(load_errors(path) ==
          std::vector<std::string>{"json-syntax " + path + ":1:" + std::to_string(nul.find('\0') + 1) +
                                   ": error: a NUL byte, which JSON text cannot contain"});
    std::string utf8 = policy_text("true", "\"notes\":\"caf\xe9\",");
    path = temp_file("latin1.json", utf8);
    CHECK(load_errors(path) ==
          std::vector<std::string>{"json-syntax " + path + ":1:" + std::to_string(utf8.find('\xe9') + 2) +
                                   ": error: syntax error while parsing value - invalid string: ill-formed UTF-8 byte; "
                                   "last read: '\"caf\\xE9\"'"});
  }
  SECTION("a key given twice, once escaped") {
    std::string text = policy_text("true", R"("parameters":{"age":1,"\u0061ge":2},)");
    std::string path = temp_file("escaped_duplicate.json", text);
    CHECK(load_errors(path) ==
          std::vector<std::string>{"duplicate-key " + path + ":1:" + std::to_string(text.find("\"\\u0061ge\"") + 1) +
                                   ": error: duplicate key \"age\" (at /parameters/age)"});
  }
}

TEST_CASE("limits: cases", "[hardening][limits]") {
  const divert::policy& p = lewisham();
  SECTION("100,000-deep nesting, in an unknown key and in a fact") {
    std::string text = "{\"x\":" + deep_arrays(100000) + "}";
    CHECK(case_errors(p, text) ==
          std::vector<std::string>{"depth-limit case.json:1:133: error: nesting deeper than 128 levels"});
    text = "{\"person\":{\"age\":" + deep_arrays(100000) + "}}";
    CHECK(case_errors(p, text) ==
          std::vector<std::string>{"depth-limit case.json:1:144: error: nesting deeper than 128 levels"});
  }
  SECTION("100,000-deep nesting built in C++, bound without text") {
    ojson c = ojson::object();
    c["person"] = ojson::object();
    // Every key first, then the deep values in place: growing an object copies its members
    // (nlohmann's ordered_map), and copying 100,000 levels recurses as deep.
    c["x"] = nullptr;
    c["person"]["age"] = nullptr;
    fill_deep(c["person"]["age"], 100000);
    fill_deep(c["x"], 100000);
    try {
      p.bind(c, "case.json");
      FAIL("bound");
    } catch (const divert::case_error& e) {
      std::vector<std::string> got;
      for (const auto& d : e.diagnostics()) got.push_back(d.to_string());
      CHECK(got ==
            std::vector<std::string>{"case.json: /person/age: error: expected a whole number (or a range {\"min\": a, "
                                     "\"max\": b}), got an array",
                                     "case.json: /x: warning: \"x\" is not a fact of the case schema and is ignored"});
    }
  }
  SECTION("arrays and strings longer than the limits") {
    std::string items = "{\"drug\":\"cannabis\"}";
    for (int i = 1; i < 70000; ++i) items += ",{\"drug\":\"cannabis\"}";
    CHECK(case_errors(p, "{\"substances\":[" + items + "]}") ==
          std::vector<std::string>{
              "size-limit case.json: /substances: error: array of 70000 items is longer than the limit of 65536"});
    std::string text = "{\"offence\":{\"area\":\"" + std::string(70000, 'x') + "\"}}";
    CHECK(case_errors(p, text) ==
          std::vector<std::string>{
              "size-limit case.json: /offence/area: error: string of 70000 bytes is longer than the limit of 65536"});
    divert::limits lim;
    lim.max_array_length = 2;
    lim.max_string_length = 3;
    CHECK(case_errors(p, R"({"substances":[{},{},{}],"offence":{"area":"abcd"}})", lim) ==
          std::vector<std::string>{
              "size-limit case.json: /substances: error: array of 3 items is longer than the limit of 2",
              "size-limit case.json: /offence/area: error: string of 4 bytes is longer than the limit of 3"});
  }
  SECTION("huge numbers") {
    CHECK(case_errors(p, R"({"person":{"age":1e400}})") ==
          std::vector<std::string>{
              "json-number case.json:1:18: error: the number 1e400 is too large (beyond a double's range)"});
    CHECK(case_errors(p, R"({"person":{"age":-1e400}})") ==
          std::vector<std::string>{
              "json-number case.json:1:18: error: the number -1e400 is too large (beyond a double's range)"});
    CHECK(case_errors(p, R"({"person":{"age":1e308}})") ==
          std::vector<std::string>{"case-invalid case.json: /person/age: error: 1e+308 is above the maximum of 120"});
    CHECK(case_errors(p, R"({"person":{"age":1e-400}})") == std::vector<std::string>{});  // 0, as JSON.parse reads it
  }
  SECTION("garbage, NUL bytes, invalid UTF-8") {
    CHECK(case_errors(p, std::string("\xff\xfe{\0}", 5)) ==
          std::vector<std::string>{"json-syntax case.json:1:4: error: a NUL byte, which JSON text cannot contain"});
    CHECK(case_errors(p, std::string("\xff\xfe{}", 4)) ==
          std::vector<std::string>{"json-syntax case.json:1:1: error: syntax error while parsing value - invalid "
                                   "literal; last read: '\\xFF'"});
    CHECK(case_errors(p, std::string("{\"person\":{}}\0{\"x\":1}", 22)) ==
          std::vector<std::string>{"json-syntax case.json:1:14: error: a NUL byte, which JSON text cannot contain"});
    CHECK(case_errors(p, std::string("{\"person\":{\"age\":\0}}", 20)) ==
          std::vector<std::string>{"json-syntax case.json:1:18: error: a NUL byte, which JSON text cannot contain"});
    CHECK(case_errors(p, "{\"offence\":{\"area\":\"\xc0\xaf\"}}") ==
          std::vector<std::string>{
              "json-syntax case.json:1:21: error: syntax error while parsing value - invalid string: "
              "ill-formed UTF-8 byte; last read: '\"\\xC0'"});
  }
}

TEST_CASE("limits: JsonLogic rules and data", "[hardening][limits]") {
  using divert::jsonlogic::rule;
  SECTION("a rule 100,000 deep, as text") {
    try {
      rule::compile_text(deep_arrays(100000));
      FAIL("compiled");
    } catch (const divert::limit_error& e) {
      CHECK(e.diagnostics()[0].to_string() == "<input>:1:129: error: nesting deeper than 128 levels");
    }
  }
  SECTION("a rule 100,000 deep, built in C++") {
    try {
      rule::compile(deep_json(100000));
      FAIL("compiled");
    } catch (const divert::limit_error& e) {
      CHECK(e.id() == "depth-limit");
      CHECK(e.diagnostics()[0].to_string() ==
            "<input>: " + pointer_of_zeros(128) + ": error: nesting deeper than 128 levels");
    }
  }
  SECTION("data 100,000 deep") {
    rule r = rule::compile(ojson::parse(R"({"var":"a"})"));
    try {
      r.apply(deep_json(100000));
      FAIL("applied");
    } catch (const divert::limit_error& e) {
      CHECK(e.diagnostics()[0].to_string() ==
            "<input>: " + pointer_of_zeros(129) + ": error: nesting deeper than 128 levels");
    }
  }
  SECTION("data with an array or a string longer than the limits") {
    rule r = rule::compile(ojson::parse(R"({"var":"a"})"));
    ojson data = ojson::parse(R"({"a":{"b":[1,2,3]},"c":"xyz"})");
    data["a"]["b"] = ojson(std::vector<int>(70000, 1));
    try {
      r.apply(data);
      FAIL("applied");
    } catch (const divert::limit_error& e) {
      CHECK(e.diagnostics()[0].to_string() ==
            "<input>: /a/b: error: array of 70000 items is longer than the limit of 65536");
    }
    divert::jsonlogic::options opts;
    opts.limits.max_string_length = 2;
    rule small = rule::compile(ojson::parse(R"({"var":"a"})"), opts);
    try {
      small.apply(ojson::parse(R"({"a":[1,"ok","xyz"]})"));
      FAIL("applied");
    } catch (const divert::limit_error& e) {
      CHECK(e.id() == "size-limit");
      CHECK(e.diagnostics()[0].to_string() == "<input>: /a/2: error: string of 3 bytes is longer than the limit of 2");
    }
  }
  SECTION("an operation with more than 65,535 arguments") {
    std::string args = "1";
    for (int i = 1; i < 70000; ++i) args += ",1";
    for (auto d : {divert::jsonlogic::dialect::javascript, divert::jsonlogic::dialect::specification}) {
      divert::jsonlogic::options opts;
      opts.dialect = d;
      try {
        rule::compile_text("{\"cat\":[" + args + "]}", opts);
        FAIL("compiled");
      } catch (const divert::compile_error& e) {
        CHECK(e.diagnostics()[0].to_string() == "<input>: /: error: more than 65535 arguments in one operation");
      }
    }
  }
  SECTION("huge numbers, NUL bytes, invalid UTF-8") {
    try {
      rule::compile_text(R"({"+":[1,1e999]})");
      FAIL("compiled");
    } catch (const divert::syntax_error& e) {
      CHECK(e.id() == "json-number");
      CHECK(e.diagnostics()[0].to_string() ==
            "<input>:1:9: error: the number 1e999 is too large (beyond a double's range)");
    }
    CHECK_THROWS_WITH(rule::compile_text(std::string("{\"var\":\"a\"}\0x", 13)),
                      "<input>:1:12: error: a NUL byte, which JSON text cannot contain");
    CHECK_THROWS_WITH(rule::compile_text("{\"cat\":[\"\xed\xa0\x80\"]}"),
                      "<input>:1:11: error: syntax error while parsing value - invalid string: ill-formed UTF-8 byte; "
                      "last read: '\"\\xED\\xA0'");
  }
}

TEST_CASE("limits: case schemas", "[hardening][limits]") {
  SECTION("100,000 deep") {
    std::string text = "{\"type\":\"object\",\"properties\":{\"a\":" + deep_arrays(100000) + "}}";
    std::string path = temp_file("deep.schema.json", text);
    try {
      divert::case_schema::load(path);
      FAIL("loaded");
    } catch (const divert::error& e) {
      CHECK(e.diagnostics()[0].to_string() == path + ":1:162: error: nesting deeper than 128 levels");
    }
  }
  SECTION("a schema that extends itself, spelt differently each time") {
    std::string path = temp_file("self.schema.json", R"({"extends":"./self.schema.json","type":"object"})");
    try {
      divert::case_schema::load(path);
      FAIL("loaded");
    } catch (const divert::error& e) {
      CHECK(e.id() == "schema");
      CHECK(e.diagnostics()[0].to_string() == path + ": /extends: error: schema extends itself through " + path);
    }
  }
}
