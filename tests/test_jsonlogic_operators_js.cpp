// The javascript dialect answers exactly as json-logic-js 2.0.5 does, coercions included. Every
// expected value below is what json-logic-js returns (JSON.stringify'd: NaN and the infinities
// print as null).

#include <catch2/catch.hpp>

#include "jsonlogic_support.hpp"

using jl_test::js;
using jl_test::js_failure;
using jl_test::parse;

namespace {

struct js_case {
  const char* rule;
  const char* data;
  const char* expected;
};

template <std::size_t N>
void check_all(const js_case (&cases)[N]) {
  for (const auto& c : cases) {
    INFO("rule " << c.rule << " data " << c.data);
    CHECK(js(c.rule, c.data) == parse(c.expected));
  }
}

}  // namespace

TEST_CASE("jsonlogic javascript: arithmetic: parseFloat for + and *, ToNumber for the rest") {
  static const js_case cases[] = {
      {R"({"+":["1",1]})", R"(null)", R"(2)"},      {R"({"+":["1.5abc",2]})", R"(null)", R"(3.5)"},
      {R"({"+":[]})", R"(null)", R"(0)"},           {R"({"+":[true,null]})", R"(null)", R"(null)"},
      {R"({"*":["5"]})", R"(null)", R"("5")"},      {R"({"*":["2","3"]})", R"(null)", R"(6)"},
      {R"({"-":["5"]})", R"(null)", R"(-5)"},       {R"({"-":[[7],"2"]})", R"(null)", R"(5)"},
      {R"({"-":[null]})", R"(null)", R"(0)"},       {R"({"/":[1,0]})", R"(null)", R"(null)"},
      {R"({"/":["9",[3]]})", R"(null)", R"(3)"},    {R"({"%":[-7,3]})", R"(null)", R"(-1)"},
      {R"({"%":[7,0]})", R"(null)", R"(null)"},     {R"({"max":[]})", R"(null)", R"(null)"},
      {R"({"min":[]})", R"(null)", R"(null)"},      {R"({"max":["3",2,true]})", R"(null)", R"(3)"},
      {R"({"min":["a",1]})", R"(null)", R"(null)"},
  };
  check_all(cases);
}

TEST_CASE("jsonlogic javascript: comparisons: JavaScript's abstract and strict equality and relational comparison") {
  static const js_case cases[] = {
      {R"({"<":["10","9"]})", R"(null)", R"(true)"},
      {R"({"<":[10,"9"]})", R"(null)", R"(false)"},
      {R"({"<":[1,2,3]})", R"(null)", R"(true)"},
      {R"({"<":[1,3,2]})", R"(null)", R"(false)"},
      {R"({">":[3,2,5]})", R"(null)", R"(true)"},
      {R"({"<=":[null,0]})", R"(null)", R"(true)"},
      {R"({">=":[[2],"2"]})", R"(null)", R"(true)"},
      {R"({"==":[1,"1"]})", R"(null)", R"(true)"},
      {R"({"===":[1,"1"]})", R"(null)", R"(false)"},
      {R"({"==":[null,0]})", R"(null)", R"(false)"},
      {R"({"==":[null,null]})", R"(null)", R"(true)"},
      {R"({"==":[[1],1]})", R"(null)", R"(true)"},
      {R"({"==":[[],""]})", R"(null)", R"(true)"},
      {R"({"==":["0",false]})", R"(null)", R"(true)"},
      {R"({"!=":[{"var":"o"},"[object Object]"]})", R"({"o":{"a":1}})", R"(false)"},
      {R"({"!==":[0,"0"]})", R"(null)", R"(true)"},
  };
  check_all(cases);
}

TEST_CASE("jsonlogic javascript: logic and truthiness: empty arrays are false, empty objects and \"0\" are true") {
  static const js_case cases[] = {
      {R"({"!!":["0"]})", R"(null)", R"(true)"},
      {R"({"!!":[[]]})", R"(null)", R"(false)"},
      {R"({"!!":[{"var":"o"}]})", R"({"o":{}})", R"(true)"},
      {R"({"!":[[0]]})", R"(null)", R"(false)"},
      {R"({"if":[[],1,2]})", R"(null)", R"(2)"},
      {R"({"if":[{"var":"o"},1,2]})", R"({"o":{}})", R"(1)"},
      {R"({"if":[]})", R"(null)", R"(null)"},
      {R"({"if":[false,1]})", R"(null)", R"(null)"},
      {R"({"and":[]})", R"(null)", R"(null)"},
      {R"({"or":[0,"",null]})", R"(null)", R"(null)"},
      {R"({"and":[1,"a",[1]]})", R"(null)", R"([1])"},
  };
  check_all(cases);
}

TEST_CASE("jsonlogic javascript: strings: cat joins String() forms, substr counts UTF-16 units") {
  static const js_case cases[] = {
      {R"({"cat":["x",{"var":"o"},[1,[2,3]],null,true,1.5,0.1]})", R"({"o":{"a":1}})",
       R"("x[object Object]1,2,3true1.50.1")"},
      {R"({"cat":[{"/":[1,3]},1e21,1e-7,-0]})", R"(null)", R"("0.33333333333333331e+211e-70")"},
      {R"({"substr":["jsonlogic",-5,-2]})", R"(null)", R"("log")"},
      {R"({"substr":[12345,1,2]})", R"(null)", R"("23")"},
      {R"({"substr":["abc",1,"-1"]})", R"(null)", R"("")"},
      {R"({"substr":["héllo",1,3]})", R"(null)", R"("éll")"},
      {R"({"substr":["abc",null,2]})", R"(null)", R"("ab")"},
  };
  check_all(cases);
}

TEST_CASE("jsonlogic javascript: in and merge") {
  static const js_case cases[] = {
      {R"({"in":["Spring","Springfield"]})", R"(null)", R"(true)"},
      {R"({"in":[1,"12"]})", R"(null)", R"(true)"},
      {R"({"in":[1,["1"]]})", R"(null)", R"(false)"},
      {R"({"in":["a",null]})", R"(null)", R"(false)"},
      {R"({"in":[null,[null]]})", R"(null)", R"(true)"},
      {R"({"merge":[1,[2,[3]],null]})", R"(null)", R"([1,2,[3],null])"},
      {R"({"merge":[]})", R"(null)", R"([])"},
  };
  check_all(cases);
}

TEST_CASE("jsonlogic javascript: var, missing and missing_some") {
  static const js_case cases[] = {
      {R"({"var":"a.b"})", R"({"a":{"b":[1,2]}})", R"([1,2])"},
      {R"({"var":"arr.1"})", R"({"arr":["x","y"]})", R"("y")"},
      {R"({"var":"s.length"})", R"({"s":"héllo"})", R"(5)"},
      {R"({"var":"s.1"})", R"({"s":"héllo"})", R"("é")"},
      {R"({"var":["x","dflt"]})", R"({"x":null})", R"(null)"},
      {R"({"var":["y","dflt"]})", R"({"x":null})", R"("dflt")"},
      {R"({"var":""})", R"({"x":1})", R"({"x":1})"},
      {R"({"var":1})", R"(["a","b"])", R"("b")"},
      {R"({"missing":["a","b","c"]})", R"({"a":"","b":0})", R"(["a","c"])"},
      {R"({"missing":{"merge":["a",["b"]]}})", R"({"b":1})", R"(["a"])"},
      {R"({"missing_some":[2,["a","b","c"]]})", R"({"a":1,"c":null})", R"(["b","c"])"},
      {R"({"missing_some":[1,["a","b"]]})", R"({"b":false})", R"([])"},
  };
  check_all(cases);
}

TEST_CASE("jsonlogic javascript: iterations: non-arrays are empty, reduce starts from null without an initial value") {
  static const js_case cases[] = {
      {R"({"map":["abc",{"var":""}]})", R"(null)", R"([])"},
      {R"({"map":[[1,2],{"*":[{"var":""},2]}]})", R"(null)", R"([2,4])"},
      {R"({"filter":[[0,1,"",[],"0"],{"var":""}]})", R"(null)", R"([1,"0"])"},
      {R"({"reduce":[[1,2,3],{"+":[{"var":"accumulator"},{"var":"current"}]},10]})", R"(null)", R"(16)"},
      {R"({"reduce":["abc",{"var":"current"},"init"]})", R"(null)", R"("init")"},
      {R"({"reduce":[[1,2]]})", R"(null)", R"(null)"},
      {R"({"all":[[],true]})", R"(null)", R"(false)"},
      {R"({"none":[[],true]})", R"(null)", R"(true)"},
      {R"({"some":[[0,0],{"var":""}]})", R"(null)", R"(false)"},
      {R"({"all":[[1,"a"],{"var":""}]})", R"(null)", R"(true)"},
  };
  check_all(cases);
}

TEST_CASE("jsonlogic javascript: the errors json-logic-js raises while running") {
  // * reduces its arguments without an initial value.
  CHECK(js_failure(R"({"*":[]})") == "Reduce of empty array with no initial value");
  // missing looks each key up as {"var": key}: a one-member object is run as an operation.
  CHECK(js_failure(R"({"missing":{"var":"k"}})", R"({"k":{"z":1}})") == "Unrecognized operation z");
  CHECK(js(R"({"missing":[[["a","fallback"]]]})") == parse("[]"));
}

TEST_CASE("jsonlogic javascript: the default dialect") {
  divert::jsonlogic::options defaults;
  CHECK(defaults.dialect == divert::jsonlogic::dialect::javascript);
  CHECK(divert::jsonlogic::apply(parse(R"({"==":[null,0]})"), parse("null")) == false);
}
