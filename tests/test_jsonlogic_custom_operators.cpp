// Operators an embedding program adds through jsonlogic::options::operators: they receive their
// evaluated arguments as a JSON array and return JSON, in either dialect.

#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>

#include "jsonlogic_support.hpp"

using divert::jsonlogic::rule;
using jl_test::dialect;
using jl_test::ojson;
using jl_test::parse;

namespace {

divert::jsonlogic::options with_operators(dialect d) {
  divert::jsonlogic::options o;
  o.dialect = d;
  o.operators["upper"] = [](const ojson& args) {
    std::string s = args.at(0).get<std::string>();
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return ojson(s);
  };
  o.operators["age_band"] = [](const ojson& args) {
    double age = args.at(0).get<double>();
    return ojson(age < 18 ? "youth" : age < 25 ? "young adult" : "adult");
  };
  o.operators["args"] = [](const ojson& args) { return args; };
  o.operators["refuse"] = [](const ojson&) -> ojson { throw std::runtime_error("refused"); };
  return o;
}

}  // namespace

TEST_CASE("jsonlogic custom operators: called with evaluated arguments, in both dialects") {
  for (dialect d : {dialect::javascript, dialect::specification}) {
    auto opts = with_operators(d);
    CHECK(rule::compile(parse(R"({"upper":[{"cat":["ab",{"var":"x"}]}]})"), opts).apply(parse(R"({"x":"c"})")) ==
          "ABC");
    CHECK(rule::compile(parse(R"({"args":[1,"two",[3],{"var":"x"}]})"), opts).apply(parse(R"({"x":null})")) ==
          parse(R"([1,"two",[3],null])"));
    // A bare argument is a list of one.
    CHECK(rule::compile(parse(R"({"age_band":{"var":"age"}})"), opts).apply(parse(R"({"age":19})")) == "young adult");
  }
}

TEST_CASE("jsonlogic custom operators: results compare with data and constants like any string") {
  for (dialect d : {dialect::javascript, dialect::specification}) {
    auto opts = with_operators(d);
    rule r = rule::compile(parse(R"({"and":[{"==":[{"age_band":[{"var":"age"}]},"youth"]},
                                            {"in":[{"upper":[{"var":"area"}]},["LEWISHAM","BEXLEY"]]}]})"),
                           opts);
    CHECK(r.apply(parse(R"({"age":16,"area":"lewisham"})")) == true);
    CHECK(r.apply(parse(R"({"age":16,"area":"camden"})")) == false);
    CHECK(r.apply(parse(R"({"age":30,"area":"bexley"})")) == false);
    // One compiled rule, many bindings.
    divert::jsonlogic::data bound = r.bind(parse(R"({"age":17,"area":"bexley"})"));
    CHECK(r.test(bound));
  }
}

TEST_CASE("jsonlogic custom operators: inside iterations they see the current item") {
  auto opts = with_operators(dialect::specification);
  rule r = rule::compile(parse(R"({"map":[{"val":"ages"},{"age_band":[{"val":[]}]}]})"), opts);
  CHECK(r.apply(parse(R"({"ages":[12,20,40]})")) == parse(R"(["youth","young adult","adult"])"));
}

TEST_CASE("jsonlogic custom operators: an operator's exception reaches the caller") {
  auto opts = with_operators(dialect::javascript);
  rule r = rule::compile(parse(R"({"if":[{"var":"go"},{"refuse":[]},1]})"), opts);
  CHECK(r.apply(parse(R"({"go":false})")) == 1);
  CHECK_THROWS_WITH(r.apply(parse(R"({"go":true})")), "refused");
}

TEST_CASE("jsonlogic custom operators: a registered name replaces a built-in, other names stay unknown") {
  for (dialect d : {dialect::javascript, dialect::specification}) {
    auto opts = with_operators(d);
    opts.operators["+"] = [](const ojson& args) { return ojson("plus of " + args.dump()); };
    CHECK(rule::compile(parse(R"({"+":[1,2]})"), opts).apply(parse("null")) == "plus of [1,2]");
  }
  auto opts = with_operators(dialect::javascript);
  try {
    rule::compile(parse(R"({"lower":["A"]})"), opts);
    FAIL("compiled");
  } catch (const divert::compile_error& e) {
    CHECK(e.diagnostics()[0].message == "unknown operator \"lower\"");
  }
}

TEST_CASE("jsonlogic custom operators: one that tests another rule inside a test keeps the outer test's values") {
  // rule::test() keeps its temporaries in a scratch arena of the thread; a test inside a test
  // (here, from a custom operator) must not reset the outer one's: "a1" is made in it before the
  // inner test runs (which makes "x1") and read by "in" after it.
  const rule inner = rule::compile(parse(R"({"==": [{"cat": ["x", {"var": "n"}]}, "x1"]})"));
  divert::jsonlogic::options o;
  o.operators["inner"] = [&inner](const ojson& args) {
    auto d = inner.bind(ojson{{"n", args.at(0)}});
    return ojson(inner.test(d));
  };
  const rule outer = rule::compile(
      parse(R"({"in": ["a1", {"merge": [{"cat": ["a", {"var": "n"}]}, {"inner": [{"var": "n"}]}]}]})"), o);
  auto one = outer.bind(parse(R"({"n": 1})"));
  auto two = outer.bind(parse(R"({"n": 2})"));
  CHECK(outer.test(one));
  CHECK_FALSE(outer.test(two));
}
