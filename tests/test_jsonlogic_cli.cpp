// `divert jsonlogic eval` and `divert jsonlogic test` (DESIGN §8), through the real binary.

#include <string>

#include <catch2/catch.hpp>

#include "jsonlogic_support.hpp"

using jl_test::run_tool;
using jl_test::temp_file;

TEST_CASE("jsonlogic cli: eval answers one line per line, in order, in the javascript dialect by default") {
  std::string input = R"({"rule":{"-":[5,1,1]}})"
                      "\n"
                      R"({"rule":{"var":"a.b"},"data":{"a":{"b":[1,"x"]}}})"
                      "\n"
                      R"({"rule":{"/":[1,0]}})"
                      "\n"
                      R"({"rule":{"var":"missing"}})"
                      "\n";
  auto r = run_tool("jsonlogic eval", input);
  CHECK(r.exit_code == 0);
  // json-logic-js subtracts two arguments; Infinity and undefined print as null.
  CHECK(r.out == "{\"result\":4}\n{\"result\":[1,\"x\"]}\n{\"result\":null}\n{\"result\":null}\n");
  auto spec = run_tool("jsonlogic eval --dialect specification", input);
  CHECK(spec.out == "{\"result\":3}\n{\"result\":[1,\"x\"]}\n{\"error\":\"NaN\"}\n{\"result\":null}\n");
}

TEST_CASE("jsonlogic cli: eval reads a file and accepts the dialect's short names") {
  temp_file lines("divert_cli_eval_lines.jsonl", "{\"rule\":{\"??\":[null,2]}}\r\n{\"rule\":{\"max\":[\"3\",1]}}\n");
  CHECK(run_tool("jsonlogic eval --dialect js " + lines.path).out == "{\"result\":2}\n{\"result\":3}\n");
  CHECK(run_tool("jsonlogic eval --dialect spec " + lines.path).out ==
        "{\"result\":2}\n{\"error\":\"Invalid Arguments\"}\n");
}

TEST_CASE("jsonlogic cli: eval cannot run with an unknown dialect or an unreadable file") {
  CHECK(run_tool("jsonlogic eval --dialect python", "").exit_code == 2);
  CHECK(run_tool("jsonlogic eval /nonexistent/rules.jsonl", "").exit_code == 2);
}

TEST_CASE("jsonlogic cli: test runs both suite formats and counts") {
  temp_file arrays("divert_cli_suite_arrays.json", R"([
    "# json-logic-js's format: [rule, data, expected]",
    [{"-": [5, 1, 1]}, null, 4],
    [{"var": "a"}, {"a": 1}, 1]
  ])");
  temp_file objects("divert_cli_suite_objects.json", R"([
    "# the organisation's format: {rule, data, result | error}",
    {"description": "variadic minus", "rule": {"-": [5, 1, 1]}, "result": 3},
    {"description": "nan", "rule": {"+": ["a"]}, "error": {"type": "NaN"}},
    {"description": "shape", "rule": {"if": 5}, "error": {"type": "Invalid Arguments"}},
    {"description": "unknown", "rule": {"nope": 1}, "error": {"type": "Unknown Operator"}}
  ])");
  auto both = run_tool("jsonlogic test " + arrays.path + " " + objects.path);
  CHECK(both.exit_code == 0);
  CHECK(both.out == "6 passed, 0 failed\n");

  // Forcing the javascript dialect on the organisation's file: variadic minus and the errors fail.
  auto forced = run_tool("jsonlogic test --dialect javascript " + objects.path);
  CHECK(forced.exit_code == 1);
  CHECK(forced.out.find("FAIL " + objects.path +
                        ": /1 variadic minus: rule {\"-\":[5,1,1]} data null: expected 3, got 4\n") !=
        std::string::npos);
  CHECK(forced.out.substr(forced.out.rfind('\n', forced.out.size() - 2) + 1) == "1 passed, 3 failed\n");
}

TEST_CASE("jsonlogic cli: test cannot run on a file that is not a suite") {
  temp_file not_array("divert_cli_not_a_suite.json", R"({"rule": 1})");
  CHECK(run_tool("jsonlogic test " + not_array.path).exit_code == 2);
  temp_file broken("divert_cli_broken_suite.json", "[1,");
  CHECK(run_tool("jsonlogic test " + broken.path).exit_code == 2);
  CHECK(run_tool("jsonlogic test --dialect python " + broken.path).exit_code == 2);
}
