// What a JsonLogic rule that cannot run reports: compile errors with their id, JSON pointer and
// message (all of them, not just the first), limits, JSON syntax errors with line and column,
// and the errors raised while evaluating.

#include <string>

#include <catch2/catch.hpp>

#include "jsonlogic_support.hpp"

using divert::jsonlogic::rule;
using jl_test::dialect;
using jl_test::in;
using jl_test::parse;

namespace {

// The compile error a rule raises (fails the test when it compiles).
divert::compile_error compile_failure(const std::string& text, const divert::jsonlogic::options& opts = {}) {
  try {
    rule::compile(parse(text), opts);
  } catch (const divert::compile_error& e) {
    return e;
  }
  FAIL("the rule compiled: " << text);
  throw;  // not reached
}

std::string deep_rule(int levels) {
  std::string text;
  for (int i = 0; i < levels; ++i) text += R"({"!":)";
  text += "true";
  text.append(static_cast<std::size_t>(levels), '}');
  return text;
}

}  // namespace

TEST_CASE("jsonlogic errors: an unknown operator is a compile error at its pointer") {
  divert::compile_error e = compile_failure(R"({"and":[true,{"foo":1}]})");
  REQUIRE(e.diagnostics().size() == 1);
  const divert::diagnostic& d = e.diagnostics()[0];
  CHECK(d.id == "unknown-operator");
  CHECK(d.pointer == "/and/1");
  CHECK(d.message == "unknown operator \"foo\"");
  CHECK(d.to_string() == "<input>: /and/1: error: unknown operator \"foo\"");
  CHECK(std::string(e.what()) == "<input>: /and/1: error: unknown operator \"foo\"");
}

TEST_CASE("jsonlogic errors: unknown operators are errors even where they would never run") {
  // json-logic-js only fails when it reaches one; divert compiles the whole rule first.
  CHECK(compile_failure(R"({"if":[true,1,{"foo":1}]})").diagnostics()[0].pointer == "/if/2");
  CHECK(compile_failure(R"({"or":[true,{"foo":1}]})", in(dialect::specification)).diagnostics()[0].pointer == "/or/1");
}

TEST_CASE("jsonlogic errors: every problem is reported, in order, with the file named") {
  divert::jsonlogic::options opts;
  opts.file = "rules/young.json";
  divert::compile_error e = compile_failure(R"({"and":[{"foo":1},{"or":[{"bar":2}]}]})", opts);
  REQUIRE(e.diagnostics().size() == 2);
  CHECK(e.diagnostics()[0].to_string() == "rules/young.json: /and/0: error: unknown operator \"foo\"");
  CHECK(e.diagnostics()[1].to_string() == "rules/young.json: /and/1/or/0: error: unknown operator \"bar\"");
}

TEST_CASE("jsonlogic errors: shapes the specification rejects whatever the data") {
  auto spec = in(dialect::specification);
  struct expectation {
    const char* rule;
    const char* pointer;
    const char* message;
  };
  const expectation cases[] = {
      {R"({"if":5})", "", R"("if" takes an array of arguments)"},
      {R"({"and":true})", "", R"("and" takes an array of arguments)"},
      {R"({"map":{"preserve":[[1],2]}})", "", R"("map" takes an array of arguments)"},
      {R"({"and":[true,{"<":[1]}]})", "/and/1", R"("<" needs at least 2 arguments)"},
      {R"({"===":[]})", "", R"("===" needs at least 2 arguments)"},
      {R"({"-":[]})", "", R"("-" needs at least 1 argument)"},
      {R"({"/":[]})", "", R"("/" needs at least 1 argument)"},
      {R"({"%":[1]})", "", R"("%" needs at least 2 arguments)"},
      {R"({"max":[]})", "", R"("max" needs at least 1 number)"},
      {R"({"length":null})", "", R"("length" needs a string, an array or an object)"},
      {R"({"length":[]})", "", R"("length" needs a string, an array or an object)"},
      {R"({"length":7})", "", R"("length" needs a string, an array or an object)"},
  };
  for (const auto& c : cases) {
    INFO(c.rule);
    divert::compile_error e = compile_failure(c.rule, spec);
    REQUIRE(e.diagnostics().size() == 1);
    CHECK(e.diagnostics()[0].id == "invalid-arguments");
    CHECK(e.diagnostics()[0].pointer == c.pointer);
    CHECK(e.diagnostics()[0].message == c.message);
  }
  divert::compile_error e = compile_failure(R"({"and":[{"a":1,"b":2}]})", spec);
  CHECK(e.diagnostics()[0].id == "unknown-operator");
  CHECK(e.diagnostics()[0].pointer == "/and/0");
  CHECK(e.diagnostics()[0].message == "an object with 2 keys is not an operation (write one key per operation)");
}

TEST_CASE("jsonlogic errors: inside try a wrong shape fails at run time, where try catches it") {
  CHECK(jl_test::spec(R"({"try":[{"%":[1]},{"val":"type"}]})") == "Invalid Arguments");
  CHECK(jl_test::spec_failure(R"({"try":[{"%":[1]}]})") == "Invalid Arguments");
}

TEST_CASE("jsonlogic errors: nesting is limited (128 levels unless configured)") {
  // Too deep is a limit_error naming the first container past the limit, whether the rule
  // came as text (line and column, before parsing) or as JSON built by the program.
  auto depth_failure = [](const std::string& text, const divert::jsonlogic::options& opts = {}) {
    try {
      rule::compile(parse(text), opts);
    } catch (const divert::limit_error& e) {
      return e.diagnostics()[0];
    }
    FAIL("compiled");
    return divert::diagnostic{};
  };
  SECTION("a rule as JSON") {
    divert::diagnostic d = depth_failure(deep_rule(200));
    CHECK(d.id == "depth-limit");
    CHECK(d.message == "nesting deeper than 128 levels");
    std::string pointer;
    for (int i = 0; i < 128; ++i) pointer += "/!";
    CHECK(d.pointer == pointer);
    CHECK_NOTHROW(rule::compile(parse(deep_rule(128))));
    CHECK_THROWS_AS(rule::compile(parse(deep_rule(129))), divert::limit_error);
  }
  SECTION("a rule as text: checked before it is parsed, with line and column") {
    try {
      rule::compile_text("[1,\n" + deep_rule(200) + "]");
      FAIL("compiled");
    } catch (const divert::limit_error& e) {
      const divert::diagnostic& d = e.diagnostics()[0];
      CHECK(d.id == "depth-limit");
      CHECK(d.message == "nesting deeper than 128 levels");
      CHECK(d.line == 2);
      CHECK(d.column == 1 + 5 * 127);  // the 128th {"!": on line 2 is the 129th level
    }
    CHECK_NOTHROW(rule::compile_text(deep_rule(128)));
  }
  SECTION("a configured limit") {
    divert::jsonlogic::options opts;
    opts.limits.max_depth = 4;
    divert::diagnostic d = depth_failure(deep_rule(5), opts);
    CHECK(d.message == "nesting deeper than 4 levels");
    CHECK(d.pointer == "/!/!/!/!");
    CHECK_NOTHROW(rule::compile(parse(deep_rule(4)), opts));
  }
  SECTION("data inside preserve and literal objects counts too") {
    divert::jsonlogic::options opts;
    opts.limits.max_depth = 4;
    divert::diagnostic d = depth_failure(R"({"preserve":[[[[1]]]]})", opts);
    CHECK(d.id == "depth-limit");
    CHECK(d.pointer == "/preserve/0/0/0");
    CHECK_NOTHROW(rule::compile(parse(R"({"preserve":[[[1]]]})"), opts));
    CHECK(depth_failure(R"([{"a":{"b":{"c":{"d":1}}},"e":1}])", opts).pointer == "/0/a/b/c");
  }
  SECTION("data") {
    std::string deep, pointer;
    for (int i = 0; i < 200; ++i) deep += "[";
    for (int i = 0; i < 200; ++i) deep += "]";
    for (int i = 0; i < 129; ++i) pointer += "/0";  // the data itself is level 0
    rule r = rule::compile(parse(R"({"var":""})"));
    CHECK_THROWS_WITH(r.apply(parse(deep)), "<input>: " + pointer + ": error: nesting deeper than 128 levels");
    CHECK_THROWS_AS(r.apply(parse(deep)), divert::limit_error);
  }
}

TEST_CASE("jsonlogic errors: JSON syntax errors carry line and column") {
  try {
    rule::compile_text("{\"+\": [1,\n  2,}");
    FAIL("compiled");
  } catch (const divert::syntax_error& e) {
    const divert::diagnostic& d = e.diagnostics()[0];
    CHECK(d.id == "json-syntax");
    CHECK(d.line == 2);
    CHECK(d.column == 5);
    CHECK(d.message == "syntax error while parsing value - unexpected '}'; expected '[', '{', or a literal");
    CHECK(d.to_string() ==
          "<input>:2:5: error: syntax error while parsing value - unexpected '}'; expected '[', '{', or a literal");
  }
  try {
    rule::compile_text("{\"+\": [1],\n \"+\": [2]}");
    FAIL("compiled");
  } catch (const divert::syntax_error& e) {
    const divert::diagnostic& d = e.diagnostics()[0];
    CHECK(d.id == "duplicate-key");
    CHECK(d.message == "duplicate key \"+\" (at /+)");
    CHECK(d.line == 2);
    CHECK(d.column == 2);
  }
}

TEST_CASE("jsonlogic errors: errors raised while evaluating name their type") {
  auto raised = [](dialect d, const char* text, const char* data = "null") {
    rule r = rule::compile(parse(text), in(d));
    try {
      r.apply(parse(data));
    } catch (const divert::evaluation_error& e) {
      CHECK(e.id() == "jsonlogic-error");
      return e.diagnostics()[0].message;
    }
    return std::string("nothing raised");
  };
  CHECK(raised(dialect::specification, R"({"+":["a"]})") == "NaN");
  CHECK(raised(dialect::specification, R"({"max":{"val":"x"}})", R"({"x":"1"})") == "Invalid Arguments");
  CHECK(raised(dialect::specification, R"({"throw":"out of stock"})") == "out of stock");
  CHECK(raised(dialect::specification, R"({"throw":{"val":"e"}})", R"({"e":{"type":"E42","at":1}})") == "E42");
  CHECK(raised(dialect::specification, R"({"reduce":[[1,2],{"val":[]},0]})") == "Exceeded Allowed Depth");
  CHECK(raised(dialect::javascript, R"({"throw":"x"})") == "x");
  CHECK(raised(dialect::javascript, R"({"*":[]})") == "Reduce of empty array with no initial value");
  // The error surfaces where the data reaches it, not at compile time.
  CHECK(raised(dialect::specification, R"({"if":[{"var":"go"},{"/":[1,0]},0]})", R"({"go":false})") ==
        "nothing raised");
}

TEST_CASE("jsonlogic errors: divert jsonlogic eval reports a line's error and goes on") {
  std::string input = R"({"rule":{"and":[true,{"foo":1}]}})"
                      "\n"
                      R"({"rule":{"+":["a"]}})"
                      "\n"
                      R"({"rule":{"%":[1]}})"
                      "\n"
                      "{\"rule\": [1,}\n"
                      "[1]\n"
                      R"({"rule":{"+":[1,2]}})"
                      "\n";
  jl_test::tool_run r = jl_test::run_tool("jsonlogic eval --dialect specification", input);
  CHECK(r.exit_code == 0);
  CHECK(r.out ==
        R"({"error":"/and/1: unknown operator \"foo\""})"
        "\n"
        R"({"error":"NaN"})"
        "\n"
        R"({"error":"/: \"%\" needs at least 2 arguments"})"
        "\n"
        R"({"error":"column 13: syntax error while parsing value - unexpected '}'; expected '[', '{', or a literal"})"
        "\n"
        R"({"error":"each line must be an object {\"rule\": ..., \"data\": ...}"})"
        "\n"
        R"({"result":3})"
        "\n");
}
