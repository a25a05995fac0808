// divert::simdjson_data_reader binds a JsonLogic rule's data from JSON text with simdjson: the
// same data as rule::bind over nlohmann's parse (every rule below gives the same answer both
// ways), and for text simdjson cannot read as nlohmann does, the same errors.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "divert/detail/input/json_text.hpp"
#include "divert/jsonlogic.hpp"
#include "divert/simdjson_binding.hpp"

using divert::jsonlogic::rule;

namespace {

std::string via_nlohmann(const rule& r, const std::string& text) {
  try {
    divert::jsonlogic::data d;
    r.bind(divert::detail::parse_json_text(text, "case.json", r.data_limits(), false), d);
    return divert::detail::value_to_json(r.evaluate(d)).dump();
  } catch (const divert::error& e) {
    return std::string("error: ") + e.what();
  }
}

std::string via_simdjson(divert::simdjson_data_reader& reader, const rule& r, const std::string& text) {
  try {
    divert::jsonlogic::data d;
    reader.bind(r, text, d, "case.json");
    return divert::detail::value_to_json(r.evaluate(d)).dump();
  } catch (const divert::error& e) {
    return std::string("error: ") + e.what();
  }
}

}  // namespace

TEST_CASE("jsonlogic simdjson reader: the same answers and errors as nlohmann's", "[jsonlogic][simdjson]") {
  const std::vector<std::string> rules = {
      R"({"var": ""})",
      R"({"and": [{"==": [{"var": "offence.type"}, "possession"]}, {"<=": [18, {"var": "person.age"}, 24]},
                  {"in": [{"var": "offence.area"}, ["lewisham", "bexley", "greenwich"]]},
                  {"all": [{"var": "substances"}, {"==": [{"var": "drug"}, "cannabis"]}]}]})",
      R"({"map": [{"var": "substances"}, {"cat": [{"var": "drug"}, ":", {"var": "amount"}]}]})",
      R"({"missing": ["a", "b.c", "person.age"]})",
      R"({"var": "k"})",
  };
  const std::vector<std::string> texts = {
      R"({"offence":{"type":"possession","area":"lewisham"},"person":{"age":21},"substances":[{"drug":"cannabis","amount":3}]})",
      R"({"offence":{"type":"possession","area":"oxford"},"person":{"age":38.5},"substances":[]})",
      R"({"person":{"age":-0},"a":null,"b":{"c":[true,false,"x\u00e9\n"]},"k":18446744073709551615})",
      R"({"k":1e308,"big":-9223372036854775808,"u":"caf\u00e9"})",
      R"({"k":1,"k":2})",                         // a key twice: nlohmann keeps the last value
      R"({"k":1e400})",                           // past a double
      R"({"k":123456789012345678901234567890})",  // past 64 bits
      R"({"k":[1,2,)",                            // malformed
      R"([1,2,3])",                               // not an object: still data
      R"("text")",
      std::string("{\"k\":1}\0x", 9),  // a NUL byte
      "{\"k\":\"\xff\"}",              // not UTF-8
      R"({"k":1} {"k":2})",            // two documents
      "",
  };
  divert::simdjson_data_reader reader;
  for (const auto& rule_text : rules) {
    rule r = rule::compile_text(rule_text);
    for (const auto& text : texts) {
      INFO("rule: " << rule_text << "\ndata: " << text);
      CHECK(via_simdjson(reader, r, text) == via_nlohmann(r, text));
    }
  }
  // Valid text never needs nlohmann (any root, numbers up to 2^64); keys twice, numbers past
  // 64 bits or a double, NUL bytes and bad text do.
  CHECK(reader.fallbacks() == rules.size() * 8);
}

TEST_CASE("jsonlogic simdjson reader: limits are the rule's, and passing one is the nlohmann path's error",
          "[jsonlogic][simdjson]") {
  divert::jsonlogic::options opts;
  opts.limits.max_depth = 3;
  opts.limits.max_array_length = 2;
  rule r = rule::compile_text(R"({"var": "a"})", opts);
  divert::simdjson_data_reader reader;
  CHECK(via_simdjson(reader, r, R"({"a":[[1]]})") == "[[1]]");
  CHECK(via_simdjson(reader, r, R"({"a":[[[1]]]})") == "error: case.json:1:8: error: nesting deeper than 3 levels");
  CHECK(via_simdjson(reader, r, R"({"a":[1,2,3]})") ==
        "error: <input>: /a: error: array of 3 items is longer than the limit of 2");
}
