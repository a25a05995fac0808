// The specification dialect answers as the JsonLogic organisation's suites and json-logic-engine
// 5.0.7 do. Every expected value below is what json-logic-engine returns; "error T" is an error
// whose type (or, for JavaScript's own TypeErrors, message) is T.

#include <catch2/catch.hpp>

#include "jsonlogic_support.hpp"

using jl_test::parse;
using jl_test::spec;
using jl_test::spec_failure;

namespace {

struct spec_case {
  const char* rule;
  const char* data;
  const char* expected;  // JSON, or "error <type>"
};

template <std::size_t N>
void check_all(const spec_case (&cases)[N]) {
  for (const auto& c : cases) {
    INFO("rule " << c.rule << " data " << c.data);
    std::string expected = c.expected;
    if (expected.rfind("error ", 0) == 0)
      CHECK(spec_failure(c.rule, c.data) == expected.substr(6));
    else
      CHECK(spec(c.rule, c.data) == parse(expected));
  }
}

}  // namespace

TEST_CASE("jsonlogic specification: arithmetic on numbers, numeric strings, booleans and null (else a NaN error)") {
  static const spec_case cases[] = {
      {R"({"+":["1",1]})", R"(null)", R"(2)"},
      {R"({"+":["1.5abc",2]})", R"(null)", R"(error NaN)"},
      {R"({"+":[]})", R"(null)", R"(0)"},
      {R"({"+":[true,null,""]})", R"(null)", R"(1)"},
      {R"({"+":{"val":"xs"}})", R"({"xs":[1,2,3]})", R"(6)"},
      {R"({"+":{"val":"x"}})", R"({"x":"4"})", R"(4)"},
      {R"({"+":[[1]]})", R"(null)", R"(error NaN)"},
      {R"({"*":[]})", R"(null)", R"(1)"},
      {R"({"*":["2","3"]})", R"(null)", R"(6)"},
      {R"({"*":[{}]})", R"(null)", R"(error NaN)"},
      {R"({"-":[10,"2",true]})", R"(null)", R"(7)"},
      {R"({"-":[[1],1]})", R"(null)", R"(error NaN)"},
      {R"({"/":[8,2,2]})", R"(null)", R"(2)"},
      {R"({"/":[2]})", R"(null)", R"(0.5)"},
      {R"({"/":[1,0]})", R"(null)", R"(error NaN)"},
      {R"({"/":[0]})", R"(null)", R"(error NaN)"},
      {R"({"/":["1","a"]})", R"(null)", R"(error NaN)"},
      {R"({"%":[7,3,2]})", R"(null)", R"(1)"},
      {R"({"%":[7,0]})", R"(null)", R"(error NaN)"},
      {R"({"%":{"val":"xs"}})", R"({"xs":[7]})", R"(error Invalid Arguments)"},
  };
  check_all(cases);
}

TEST_CASE("jsonlogic specification: min and max take numbers only") {
  static const spec_case cases[] = {
      {R"({"max":[1,5,3]})", R"(null)", R"(5)"},
      {R"({"max":{"val":"xs"}})", R"({"xs":[4,9]})", R"(9)"},
      {R"({"max":["3",2]})", R"(null)", R"(error Invalid Arguments)"},
      {R"({"min":[2,null]})", R"(null)", R"(error Invalid Arguments)"},
      {R"({"min":{"val":"xs"}})", R"({"xs":[]})", R"(error Invalid Arguments)"},
  };
  check_all(cases);
}

TEST_CASE("jsonlogic specification: comparisons: strings and nulls as JavaScript, the rest as numbers") {
  static const spec_case cases[] = {
      {R"({"<":["a","b"]})", R"(null)", R"(true)"},      {R"({"<":[1,"A"]})", R"(null)", R"(error NaN)"},
      {R"({"<":[null,"A"]})", R"(null)", R"(false)"},    {R"({"<":["2",10]})", R"(null)", R"(true)"},
      {R"({"<":[1,2,3,4]})", R"(null)", R"(true)"},      {R"({"<":[3,2,{"throw":"not lazy"}]})", R"(null)", R"(false)"},
      {R"({"<":[[1],2]})", R"(null)", R"(error NaN)"},   {R"({"==":[null,0]})", R"(null)", R"(true)"},
      {R"({"==":[null,""]})", R"(null)", R"(false)"},    {R"({"==":[1,true]})", R"(null)", R"(true)"},
      {R"({"==":["1",1]})", R"(null)", R"(true)"},       {R"({"==":[[1],1]})", R"(null)", R"(error NaN)"},
      {R"({"===":[[1],1]})", R"(null)", R"(false)"},     {R"({"===":[null,null,null]})", R"(null)", R"(true)"},
      {R"({"!=":[null,"text"]})", R"(null)", R"(true)"}, {R"({">=":[null,0]})", R"(null)", R"(true)"},
  };
  check_all(cases);
}

TEST_CASE("jsonlogic specification: truthiness: empty arrays and empty objects are false") {
  static const spec_case cases[] = {
      {R"({"!!":[{}]})", R"(null)", R"(false)"},
      {R"({"!!":[[]]})", R"(null)", R"(false)"},
      {R"({"!!":["0"]})", R"(null)", R"(true)"},
      {R"({"!!":{"val":"o"}})", R"({"o":{"a":0}})", R"(true)"},
      {R"({"!":{"val":"xs"}})", R"({"xs":[0]})", R"(true)"},
      {R"({"if":[{},1,2]})", R"(null)", R"(2)"},
      {R"({"if":[{"val":"o"},1,2]})", R"({"o":{"k":1}})", R"(1)"},
      {R"({"and":[]})", R"(null)", R"(null)"},
      {R"({"or":[]})", R"(null)", R"(null)"},
      {R"({"and":[true,{},1]})", R"(null)", R"({})"},
      {R"({"or":[0,{},[],"x"]})", R"(null)", R"("x")"},
      {R"({"??":[null,false,1]})", R"(null)", R"(false)"},
      {R"({"??":[null]})", R"(null)", R"(null)"},
      {R"({"??":[]})", R"(null)", R"(null)"},
  };
  check_all(cases);
}

TEST_CASE("jsonlogic specification: strings: cat and substr (a source that is not a string is an error)") {
  static const spec_case cases[] = {
      {R"({"cat":["a",null,1,[1,[2]],true]})", R"(null)", R"("a11,2true")"},
      {R"({"cat":{"val":"xs"}})", R"({"xs":["a","b"]})", R"("ab")"},
      {R"({"cat":"ice"})", R"(null)", R"("ice")"},
      {R"({"substr":["jsonlogic",-5,-2]})", R"(null)", R"("log")"},
      {R"({"substr":[12345,1]})", R"(null)", R"(error string.substr is not a function)"},
      {R"({"substr":["héllo",1,3]})", R"(null)", R"("éll")"},
  };
  check_all(cases);
}

TEST_CASE("jsonlogic specification: in and merge") {
  static const spec_case cases[] = {
      {R"({"in":["a","abc"]})", R"(null)", R"(true)"},
      {R"({"in":[1,[1,2]]})", R"(null)", R"(true)"},
      {R"({"in":["1",[1,2]]})", R"(null)", R"(false)"},
      {R"({"in":["a",null]})", R"(null)", R"(false)"},
      {R"({"in":["a",5]})", R"(null)", R"(error (array || []).includes is not a function)"},
      {R"({"in":[null,"null"]})", R"(null)", R"(true)"},
      {R"({"merge":[1,[2,[3]]]})", R"(null)", R"([1,2,[3]])"},
      {R"({"merge":{"val":"xs"}})", R"({"xs":[[1],2]})", R"([1,2])"},
  };
  check_all(cases);
}

TEST_CASE("jsonlogic specification: missing: a null value is present, a JavaScript-falsy step is missing") {
  static const spec_case cases[] = {
      {R"({"missing":["a","b"]})", R"({"a":null})", R"(["b"])"},
      {R"({"missing":["a.b","c"]})", R"({"a":{"b":0},"c":""})", R"([])"},
      {R"({"missing":"a.b"})", R"({"a":0})", R"(["a.b"])"},
      {R"({"missing":{"merge":["a",["b"]]}})", R"({"b":1})", R"(["a"])"},
      {R"({"missing":["a\\.b"]})", R"({"a.b":1})", R"([])"},
      {R"({"missing_some":[1,["a","b"]]})", R"({"b":false})", R"([])"},
      {R"({"missing_some":[2,["a","b","c"]]})", R"({"a":1})", R"(["b","c"])"},
  };
  check_all(cases);
}

TEST_CASE("jsonlogic specification: var: keys split on dots, a backslash escapes a dot") {
  static const spec_case cases[] = {
      {R"({"var":"a.b"})", R"({"a":{"b":2}})", R"(2)"},  {R"({"var":"a\\.b"})", R"({"a.b":3})", R"(3)"},
      {R"({"var":["x","dflt"]})", R"({})", R"("dflt")"}, {R"({"var":["x","dflt"]})", R"({"x":null})", R"(null)"},
      {R"({"var":""})", R"({"x":1})", R"({"x":1})"},     {R"({"var":{"cat":["a",".b"]}})", R"({"a":{"b":4}})", R"(4)"},
  };
  check_all(cases);
}

TEST_CASE("jsonlogic specification: iterations: a falsy value iterates as an empty array, other non-arrays fail map") {
  static const spec_case cases[] = {
      {R"({"map":[[1,2],{"*":[{"val":[]},2]}]})", R"(null)", R"([2,4])"},
      {R"({"map":["abc",{"val":[]}]})", R"(null)", R"(error selector[name] is not a function)"},
      {R"({"map":[null,{"val":[]}]})", R"(null)", R"([])"},
      {R"({"filter":[[0,1,"",[],{},"0"],{"val":[]}]})", R"(null)", R"([1,"0"])"},
      {R"({"reduce":[[1,2,3],{"+":[{"val":"accumulator"},{"val":"current"}]},10]})", R"(null)", R"(16)"},
      {R"({"reduce":[[1,2,3],{"+":[{"val":"accumulator"},{"val":"current"}]}]})", R"(null)", R"(6)"},
      {R"({"reduce":[[],{"val":"current"}]})", R"(null)", R"(error Reduce of empty array with no initial value)"},
      {R"({"reduce":["abc",{"val":"current"},"init"]})", R"(null)", R"(error selector.reduce is not a function)"},
      {R"({"reduce":[[1],{"val":[]},0]})", R"(null)", R"({"accumulator":0,"current":1})"},
      {R"({"reduce":[[1,2],{"val":[]},0]})", R"(null)", R"(error Exceeded Allowed Depth)"},
      {R"({"all":[[],true]})", R"(null)", R"(false)"},
      {R"({"all":[{"val":"o"},false]})", R"({"o":{}})", R"(true)"},
      {R"({"all":["ab",{"===":[{"val":[]},"a"]}]})", R"(null)", R"(false)"},
      {R"({"some":["ab",{"===":[{"val":[]},"b"]}]})", R"(null)", R"(true)"},
      {R"({"none":[[1,2],{">":[{"val":[]},1]}]})", R"(null)", R"(false)"},
  };
  check_all(cases);
}

TEST_CASE("jsonlogic specification: extensions: length, exists, throw, try, preserve, val") {
  static const spec_case cases[] = {
      {R"({"length":"héllo"})", R"(null)", R"(5)"},
      {R"({"length":[[1,2,3]]})", R"(null)", R"(3)"},
      {R"({"length":{"val":"o"}})", R"({"o":{"a":1,"b":2}})", R"(2)"},
      {R"({"length":{"val":"n"}})", R"({"n":5})", R"(error Invalid Arguments)"},
      {R"({"exists":"a"})", R"({"a":null})", R"(true)"},
      {R"({"exists":["a","b"]})", R"({"a":{"c":1}})", R"(false)"},
      {R"({"exists":["a","b"]})", R"({"a":"xyz"})", R"(error Cannot use 'in' operator to search for 'b' in xyz)"},
      {R"({"throw":"oops"})", R"(null)", R"(error oops)"},
      {R"({"throw":{"val":"e"}})", R"({"e":{"type":"custom"}})", R"(error custom)"},
      {R"({"try":[{"throw":"x"},{"val":"type"}]})", R"(null)", R"("x")"},
      {R"({"try":[{"/":[0,0]},{"val":"type"}]})", R"(null)", R"("NaN")"},
      {R"({"try":[{"throw":{"val":"e"}},{"val":"type"}]})", R"({"e":{"message":"m"}})", R"("m")"},
      {R"({"try":[{"throw":"a"},{"throw":"b"}]})", R"(null)", R"(error b)"},
      {R"({"try":[{"substr":[1]},{"val":"type"}]})", R"(null)", R"("string.substr is not a function")"},
      {R"({"preserve":{"+":[1,2]}})", R"(null)", R"({"+":[1,2]})"},
      {R"({"val":["a","b",0]})", R"({"a":{"b":["x"]}})", R"("x")"},
      {R"({"val":["a",1]})", R"({"a":"xyz"})", R"("y")"},
      {R"({"val":"a.b"})", R"({"a.b":5,"a":{"b":6}})", R"(5)"},
  };
  check_all(cases);
}

TEST_CASE("jsonlogic specification: an operator written with one operation spreads that operation's array") {
  // {"op": [x]} passes x; {"op": x} with x an operation passes x's items when x is an array.
  CHECK(spec(R"({"+":{"merge":[[1,2],3]}})") == 6);
  CHECK(spec_failure(R"({"+":[{"merge":[[1,2],3]}]})") == "NaN");
  // Spread at compile time when the operation is constant; an empty list is then a compile error.
  CHECK(spec(R"({"+":{"preserve":[7,8]}})") == 15);
  CHECK(spec_failure(R"({"/":{"preserve":[]}})") == "compile invalid-arguments: \"/\" needs at least 1 argument");
  // At run time the same shape is an Invalid Arguments error.
  CHECK(spec_failure(R"({"/":{"val":"xs"}})", R"({"xs":[]})") == "Invalid Arguments");
}

TEST_CASE("jsonlogic specification: operators that differ from the javascript dialect") {
  using jl_test::js;
  // == between null and 0: numeric in the specification, abstract equality in JavaScript.
  CHECK(spec(R"({"==":[null,0]})") == true);
  CHECK(js(R"({"==":[null,0]})") == false);
  // Empty objects are false in the specification.
  CHECK(spec(R"({"!!":[{}]})") == false);
  CHECK(js(R"({"!!":[{"var":"o"}]})", R"({"o":{}})") == true);
  // - is variadic in the specification; json-logic-js subtracts the second argument only.
  CHECK(spec(R"({"-":[5,1,1]})") == 3);
  CHECK(js(R"({"-":[5,1,1]})") == 4);
  // missing: null is present in the specification, missing in json-logic-js.
  CHECK(spec(R"({"missing":["a"]})", R"({"a":null})") == parse("[]"));
  CHECK(js(R"({"missing":["a"]})", R"({"a":null})") == parse(R"(["a"])"));
}

TEST_CASE("jsonlogic specification: an object with several keys is an error, an empty object is data") {
  CHECK(spec_failure(R"({"a":1,"b":2})") ==
        "compile unknown-operator: an object with 2 keys is not an operation (write one key per operation)");
  CHECK(spec("{}") == parse("{}"));
  CHECK(spec("[{},[]]") == parse("[{},[]]"));
  // json-logic-js treats such objects as data.
  CHECK(jl_test::js(R"([{"a":1,"b":2}])") == parse(R"([{"a":1,"b":2}])"));
}

TEST_CASE("jsonlogic specification: log is not an operator of the specification") {
  CHECK(spec_failure(R"({"log":1})") == "compile unknown-operator: unknown operator \"log\"");
}
