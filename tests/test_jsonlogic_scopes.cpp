// Outer-scope access: {"val": [[n], key, ...]} reads n scopes up from inside map, filter,
// reduce, all, some, none and a try's fallback, as json-logic-engine does (scopes.json,
// val.extra.json). Both dialects have it; the expected values are json-logic-engine's.

#include <catch2/catch.hpp>

#include "jsonlogic_support.hpp"

using jl_test::parse;

namespace {

struct scope_case {
  const char* rule;
  const char* data;
  const char* expected;
};

const scope_case cases[] = {
    // [[1], "index"]: the iteration's position
    {R"({"map":[{"val":"numbers"},{"+":[{"val":[[1],"index"]},{"val":[]}]}]})", R"({"numbers":[1,2,3]})", R"([1,3,5])"},
    // [[2], key]: the data around the iteration
    {R"({"map":[{"val":"numbers"},{"+":[{"val":[[2],"value"]},{"val":[]}]}]})", R"({"numbers":[1,2,3],"value":10})",
     R"([11,12,13])"},
    // [[-4], key] from a map in a map: the sign is ignored; 3 and 4 are the outer iteration's
    {R"({"map":[["Test"],{"map":[[1,2,3],{"+":[{"val":[]},{"val":[[-4],"adder"]}]}]}]})", R"({"adder":10})",
     R"([[11,12,13]])"},
    // [[3], "index"]: the outer iteration's position
    {R"({"map":[["a","b"],{"map":[[1,2],{"cat":[{"val":[[3],"index"]},{"val":[[1],"index"]}]}]}]})", R"(null)",
     R"([["00","01"],["10","11"]])"},
    // [[2]] with no key: the item of the outer iteration
    {R"({"map":[["a","b"],{"map":[[1,2],{"val":[[2]]}]}]})", R"(null)", R"([["a","a"],["b","b"]])"},
    // [[1]] alone: map and filter expose {"iterator", "index"}
    {R"({"map":[[5,6],{"val":[[1]]}]})", R"(null)", R"([{"iterator":[5,6],"index":0},{"iterator":[5,6],"index":1}])"},
    {R"({"map":[[5,6],{"val":[[1],"iterator",1]}]})", R"(null)", R"([6,6])"},
    // filter as map
    {R"({"filter":[[5,6,7],{"===":[{"val":[[1],"index"]},1]}]})", R"(null)", R"([6])"},
    // reduce, all, some and none expose the array itself
    {R"({"reduce":[[1,2],{"val":[[1]]},0]})", R"(null)", R"([1,2])"},
    {R"({"reduce":[[1,2],{"+":[{"val":"accumulator"},{"val":[[1],"length"]}]},0]})", R"(null)", R"(4)"},
    {R"({"reduce":[[1,2],{"+":[{"val":"accumulator"},{"val":[[2],"x"]}]},0]})", R"({"x":5})", R"(10)"},
    {R"({"some":[[1,2],{"===":[{"val":[[1],0]},{"val":[]}]}]})", R"(null)", R"(true)"},
    {R"({"all":[[3,4],{"===":[{"val":[[1],"length"]},2]}]})", R"(null)", R"(true)"},
    {R"({"none":[[3,4],{"val":[[2],"flag"]}]})", R"({"flag":false})", R"(true)"},
    // a try's fallback sees the error as its data, and the data around the try two levels up
    {R"({"try":[{"throw":"x"},{"val":[[2],"fallback"]}]})", R"({"fallback":"Hello"})", R"("Hello")"},
    // ...and null one level up
    {R"({"try":[{"throw":"x"},{"val":[[1]]}]})", R"(null)", R"(null)"},
    // at the root there is nothing above
    {R"({"val":[[1],"x"]})", R"({"x":1})", R"(null)"},
    {R"({"val":[[1]]})", R"(null)", R"(null)"},
    // [[0], key] climbs nothing
    {R"({"val":[[0],"x"]})", R"({"x":1})", R"(1)"},
    // five levels up is what is left of the engine's above array
    {R"({"map":[[1],{"map":[[2],{"map":[[3],{"val":[[5]]}]}]}]})", R"(null)",
     R"([[[[{"iterator":[1],"index":0},null,[]]]]])"},
    // escaped keys: "" and "../" are ordinary keys
    {R"({"map":[{"val":"arr"},{"+":[{"val":[[2],"","","/"]},{"val":[[2],"../"]}]}]})",
     R"({"arr":[1,2,3],"../":10,"":{"":{"/":7}}})", R"([17,17,17])"},
    // exists climbs as val does
    {R"({"map":[[1,2],{"exists":[[2],"x"]}]})", R"({"x":0})", R"([true,true])"},
    {R"({"map":[[1,2],{"exists":[[2],"y"]}]})", R"({"x":0})", R"([false,false])"},
    // the number of levels may be computed
    {R"({"map":[[1],{"val":[[{"+":[1,1]}],"x"]}]})", R"({"x":"up"})", R"(["up"])"},
};

}  // namespace

TEST_CASE("jsonlogic scopes: val climbs out of iterations (specification dialect)") {
  for (const auto& c : cases) {
    INFO("rule " << c.rule << " data " << c.data);
    CHECK(jl_test::spec(c.rule, c.data) == parse(c.expected));
  }
}

TEST_CASE("jsonlogic scopes: val climbs out of iterations (javascript dialect)") {
  for (const auto& c : cases) {
    INFO("rule " << c.rule << " data " << c.data);
    CHECK(jl_test::js(c.rule, c.data) == parse(c.expected));
  }
}

TEST_CASE("jsonlogic scopes: var reads the current item (reduce's is {current, accumulator})") {
  for (auto d : {jl_test::dialect::javascript, jl_test::dialect::specification}) {
    CHECK(jl_test::apply(d, R"({"map":[{"var":"xs"},{"var":"a"}]})", R"({"xs":[{"a":1},{"a":2}],"a":9})") ==
          parse("[1,2]"));
    CHECK(jl_test::apply(d, R"({"reduce":[[1,2,3],{"cat":[{"var":"accumulator"},{"var":"current"}]},""]})") == "123");
    // A slot read at the root and a walk inside the iteration see the same data.
    CHECK(jl_test::apply(d, R"({"filter":[{"var":"xs"},{"==":[{"var":""},{"val":[[2],"pick"]}]}]})",
                         R"({"xs":[1,2,1],"pick":1})") == parse("[1,1]"));
  }
}
