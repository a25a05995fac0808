// divert::simdjson_data_reader binds a JsonLogic rule's data from JSON text with simdjson: the
// same data as rule::bind over nlohmann's parse (every rule below gives the same answer both
// ways), and for text simdjson cannot read as nlohmann does, the same errors. Both project (build
// only what a rule reads through static paths); both are held to the whole document converted
// and each path walked (via_whole), the binding every rule had before projections.

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

// The reference: the whole document converted (limits checked everywhere), then each slot's
// path walked from its root.
std::string via_whole(const rule& r, const std::string& text) {
  try {
    divert::jsonlogic::data d;
    const auto json = divert::detail::parse_json_text(text, "case.json", r.data_limits(), false);
    r.bind_built(
        [&](divert::detail::arena& storage) {
          divert::detail::json_to_value conv(r.symbols(), storage, divert::detail::string_mode::lookup,
                                             &r.data_limits());
          return conv.convert(json);
        },
        [] { return std::size_t{1024}; }, d);
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

// Read in place (`padded`): the text inside a larger buffer, followed by JSON that would change
// the answer if it were read (as the next line of a JSONL file would follow it).
std::string via_simdjson_in_place(divert::simdjson_data_reader& reader, const rule& r, const std::string& text) {
  std::string buffer = text;
  while (buffer.size() < text.size() + simdjson::SIMDJSON_PADDING) buffer += R"(,"k":[9],"offence":{"type":"x"}})";
  try {
    divert::jsonlogic::data d;
    reader.bind(r, std::string_view(buffer.data(), text.size()), d, "case.json", /*padded=*/true);
    return divert::detail::value_to_json(r.evaluate(d)).dump();
  } catch (const divert::error& e) {
    return std::string("error: ") + e.what();
  }
}

// All four bindings of `text` for `r` agree.
void check_same(divert::simdjson_data_reader& reader, const rule& r, const std::string& text) {
  const std::string whole = via_whole(r, text);
  CHECK(via_nlohmann(r, text) == whole);
  CHECK(via_simdjson(reader, r, text) == whole);
  // In place, the same answer, and nlohmann's reading exactly when the copy needed it.
  divert::simdjson_data_reader copied, in_place;
  via_simdjson(copied, r, text);
  CHECK(via_simdjson_in_place(in_place, r, text) == whole);
  CHECK(in_place.fallbacks() == copied.fallbacks());
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
      // the keys in another order than the rule reads them
      R"({"substances":[{"drug":"cannabis"}],"person":{"age":20},"offence":{"area":"bexley","type":"possession"}})",
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
      check_same(reader, r, text);
    }
  }
  // Valid text never needs nlohmann (any root, numbers up to 2^64); keys twice, numbers past
  // 64 bits or a double, NUL bytes and bad text do - except the key twice for the two rules that
  // read neither "k" nor the whole document (rules 2 and 3): they never look at it.
  CHECK(reader.fallbacks() == rules.size() * 8 - 2);
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
  // Nesting past the limit where the rule does not read, in a short text (no length limit can be
  // passed, so the keys the rule does not read are skipped): still the error.
  divert::jsonlogic::options deep;
  deep.limits.max_depth = 3;
  rule shallow = rule::compile_text(R"({"var": "a"})", deep);
  REQUIRE_FALSE(shallow.program().projection.empty());
  CHECK(via_simdjson(reader, shallow, R"({"a":1,"b":[[[[1]]]]})") ==
        "error: case.json:1:14: error: nesting deeper than 3 levels");
  CHECK(via_simdjson(reader, shallow, R"({"a":1,"b":[[[]]]})") ==
        "error: case.json:1:14: error: nesting deeper than 3 levels");
  CHECK(via_simdjson(reader, shallow, R"({"a":1,"b":[[1]]})") == "1");
  for (const char* text : {R"({"a":1,"b":[[[[1]]]]})", R"({"a":1,"b":[[[]]]})", R"({"a":1,"b":[[1]]})"})
    check_same(reader, shallow, text);
  // A limit of 0 allows no nesting at all: a rule that reads no data still gets the error.
  divert::jsonlogic::options flat;
  flat.limits.max_depth = 0;
  rule constant = rule::compile_text("true", flat);
  REQUIRE_FALSE(constant.program().projection.empty());
  CHECK(via_simdjson(reader, constant, R"({"a":1})") == "error: case.json:1:1: error: nesting deeper than 0 levels");
  CHECK(via_simdjson(reader, constant, "{}") == "error: case.json:1:1: error: nesting deeper than 0 levels");
  check_same(reader, constant, R"({"a":1})");
  check_same(reader, constant, "{}");
}

TEST_CASE("jsonlogic simdjson reader: a rule that reads only static paths gets the same data from the keys it reads",
          "[jsonlogic][simdjson]") {
  // Each rule reads its data through slots only (no computed var, no missing): the reader builds
  // the values at the slots' paths and skips the rest. Paths through arrays, strings and null,
  // a key read and also read below, a key given twice where the rule reads it and where it does
  // not, escaped keys, bad text where the rule does not look: the answers of the nlohmann path.
  const std::vector<std::string> rules = {
      R"({"var": "a.b"})",
      R"({"var": ["a.b", "fallback"]})",
      R"({"cat": [{"var": "a.0"}, "|", {"var": "s.length"}, "|", {"var": "a.b.c"}]})",
      R"({"merge": [{"var": "a"}, {"var": "a.b"}, {"var": "a.b.c"}]})",
      R"({"some": [{"var": "xs"}, {"==": [{"var": "y.z"}, "yes"]}]})",
      R"({"map": [{"var": "xs"}, {"var": ""}]})",
      // Keys are matched by their length first: keys of one length, read and not, and keys of
      // 32 bytes or more (searched for); item keys of the length of the one read, and not.
      R"({"cat": [{"var": "abcd"}, "|", {"var": "abce.f"}, "|", {"var": "key_of_thirty_two_bytes_or_more_x"}]})",
      R"({"some": [{"var": "xs"}, {"==": [{"var": "yy"}, "yes"]}]})",
  };
  const std::vector<std::string> texts = {
      R"({"a":{"b":1}})",
      R"({"a":{"b":{"c":"deep"}},"s":"caf\u00e9"})",
      R"({"s":[1],"x":0,"a":{"z":1,"b":{"c":"deep"}}})",  // keys in another order than the rules read them
      R"({"a":[{"b":2},3],"s":[1,2,3]})",
      R"({"a":"string","s":null})",
      R"({"a":null,"xs":[{"y":{"z":"yes"}},{"y":null}]})",
      R"({"a":{"b":1},"a":{"c":2}})",         // a key the rules read, twice
      R"({"zz":{"k":1,"k":2},"a":{"b":3}})",  // a key twice where no rule reads
      R"({"a":{"b":1,"b":[2]}})",             // twice one level down
      R"({"\u0061":{"\u0062":5},"xs":[{"y":{"z":"yes","z":"no"}}]})",
      R"({"a":{"b":-0},"xs":[{"y":{"z":-0.0}}]})",
      R"({"a":{"b":1},"x":tru})",  // bad text where no rule reads
      R"({"a":{"b":1}} x)",        // text after the document
      R"([{"a":1}])",              // not an object
      R"({"xs":[{"y":{"z":"yes"}}],"unread":{"deep":[[[[[[1]]]]]]}})",
      R"({"abcf":1,"abce":{"f":2},"abcd":3,"key_of_thirty_two_bytes_or_more_y":4,"key_of_thirty_two_bytes_or_more_x":5})",
      R"({"abcd":1,"abcd":2,"key_of_thirty_two_bytes_or_more_x":3,"key_of_thirty_two_bytes_or_more_x":4})",
      R"({"xs":[{"zz":"yes","yy":"no","y":"yes","yyy":"yes"},{"zz":"no","yy":"yes"}]})",
      R"({"xs":[{"yy":"no","yz":"yes"},{"yy":"yes","yy":"no"}]})",
  };
  divert::simdjson_data_reader reader;
  for (const auto& rule_text : rules) {
    rule r = rule::compile_text(rule_text);
    CHECK_FALSE(r.program().projection.empty());
    for (const auto& text : texts) {
      INFO("rule: " << rule_text << "\ndata: " << text);
      check_same(reader, r, text);
    }
  }
  // Rules that read the data otherwise are built whole; so is the document a rule reads whole.
  CHECK(rule::compile_text(R"({"var": ""})").program().projection.at(0).slots.size() == 1);
  CHECK(rule::compile_text(R"({"var": {"cat": ["a", ".b"]}})").program().projection.empty());
  CHECK(rule::compile_text(R"({"missing": ["a"]})").program().projection.empty());
}

TEST_CASE("jsonlogic simdjson reader: a value past a limit where the rule does not read is still the nlohmann error",
          "[jsonlogic][simdjson]") {
  divert::jsonlogic::options opts;
  opts.limits.max_depth = 3;
  opts.limits.max_string_length = 8;
  rule r = rule::compile_text(R"({"var": "a"})", opts);
  REQUIRE_FALSE(r.program().projection.empty());
  divert::simdjson_data_reader reader;
  CHECK(via_simdjson(reader, r, R"({"a":1,"b":"0123456789"})") == via_nlohmann(r, R"({"a":1,"b":"0123456789"})"));
  CHECK(via_simdjson(reader, r, R"({"a":1,"b":[[[[1]]]]})") ==
        "error: case.json:1:14: error: nesting deeper than 3 levels");
  CHECK(via_simdjson(reader, r, R"({"a":1,"b":"short"})") == "1");
}

TEST_CASE("jsonlogic bind: a document past a limit where the rule does not read fails as the whole document does",
          "[jsonlogic][simdjson]") {
  // rule::bind builds only what a slots-only rule reads, but checks the limits over the whole
  // document first: a document from the embedding program past a limit anywhere is an error
  // naming where, read or not, as converting the whole document made it.
  divert::jsonlogic::options opts;
  opts.limits.max_depth = 3;
  opts.limits.max_string_length = 8;
  opts.limits.max_array_length = 2;
  const rule r = rule::compile_text(R"({"var": "a"})", opts);
  REQUIRE_FALSE(r.program().projection.empty());
  auto apply = [&](const char* text) {
    try {
      return r.apply(nlohmann::ordered_json::parse(text)).dump();
    } catch (const divert::error& e) {
      return std::string("error: ") + e.what();
    }
  };
  CHECK(apply(R"({"a":1,"b":"0123456789"})") ==
        "error: <input>: /b: error: string of 10 bytes is longer than the limit of 8");
  CHECK(apply(R"({"a":1,"b":{"0123456789":0}})") ==
        "error: <input>: /b/0123456789: error: string of 10 bytes is longer than the limit of 8");
  CHECK(apply(R"({"a":1,"b":[1,2,3]})") == "error: <input>: /b: error: array of 3 items is longer than the limit of 2");
  CHECK(apply(R"({"a":1,"b":[[[[1]]]]})") == "error: <input>: /b/0/0/0: error: nesting deeper than 3 levels");
  CHECK(apply(R"({"a":[1,2],"b":[[1]],"c":"12345678"})") == "[1,2]");
}

TEST_CASE("jsonlogic simdjson reader: items of an array only all/some/none look into keep only the keys they read",
          "[jsonlogic][simdjson]") {
  // W1's shape: the array is read only as the array of a quantifier whose condition reads keys of
  // the item, so each object item is bound with those keys alone. Items that are not objects,
  // keys given twice (read and unread), nested values under a kept key, empty arrays and an
  // array that is not one: the answers of the nlohmann path.
  const std::vector<std::string> projected = {
      R"({"all": [{"var": "xs"}, {"==": [{"var": "drug"}, "cannabis"]}]})",
      R"({"and": [{"some": [{"var": "a.xs"}, {"<": [{"var": "dose.g"}, 5]}]},
                  {"none": [{"var": "a.xs"}, {"in": [{"var": "drug"}, ["heroin", "crack"]]}]}]})",
      R"({"all": [{"var": "xs"}, {"or": [{"var": "0"}, {"var": "length"}, {"var": ["gone", true]}]}]})",
  };
  const std::vector<std::string> texts = {
      R"({"xs":[{"drug":"cannabis","amount":3,"unit":"g"},{"unit":"g","drug":"cannabis"}]})",
      R"({"xs":[{"drug":"cannabis"},{"drug":"mdma","amount":1}]})",
      R"({"xs":[]})",
      R"({"xs":"not an array"})",
      R"({"xs":[1,"cannabis",null,[0,1],{"0":false,"length":0}]})",
      R"({"xs":[{"drug":"cannabis","amount":1,"amount":2}]})",  // a key twice that no rule reads
      R"({"xs":[{"drug":"mdma","drug":"cannabis"}]})",          // a read key twice
      R"({"a":{"xs":[{"dose":{"g":2,"mg":1},"drug":"cannabis"}]}})",
      R"({"a":{"xs":[{"dose":{"g":9},"drug":"heroin"},{"dose":[4]}]}})",
      R"({"a":{"xs":[{"dose":{"g":1}}],"xs":[]}})",
      R"({"a":{"xs":[{"drug":"cannabis","unit":"g","dose":{"g":9}}]}})",  // both kept keys matter
      R"({"xs":[{"drug":"cannabis","other":-0,"more":{"k":1,"k":2}}]})",
  };
  divert::simdjson_data_reader reader;
  for (const auto& rule_text : projected) {
    rule r = rule::compile_text(rule_text);
    bool keeps_keys = false;
    for (const auto& n : r.program().projection) {
      keeps_keys |= !n.item_keys.empty();
      // Such a node holds one slot, but is not one the reader stores whole (only_slot).
      if (!n.item_keys.empty()) CHECK(n.only_slot == divert::detail::projection_node::no_slot);
    }
    CHECK(keeps_keys);
    for (const auto& text : texts) {
      INFO("rule: " << rule_text << "\ndata: " << text);
      check_same(reader, r, text);
    }
  }
  // The array used any other way keeps its items whole: returned, filtered or mapped, read
  // through another path, compared, given a default, or iterated by a condition that reads the
  // whole item or iterates again.
  const std::vector<std::string> whole = {
      R"({"if": [{"all": [{"var": "xs"}, {"var": "drug"}]}, {"var": "xs"}, null]})",
      R"({"filter": [{"var": "xs"}, {"var": "drug"}]})",
      R"({"map": [{"var": "xs"}, {"var": "drug"}]})",
      R"({"and": [{"all": [{"var": "xs"}, {"var": "drug"}]}, {"var": "xs.0.amount"}]})",
      R"({"and": [{"all": [{"var": "xs"}, {"var": "drug"}]}, {"==": [{"var": "xs"}, "x"]}]})",
      R"({"all": [{"var": ["xs", []]}, {"var": "drug"}]})",
      R"({"all": [{"var": "xs"}, {"var": ""}]})",
      R"({"all": [{"var": "xs"}, {"some": [{"var": "tags"}, {"var": "x"}]}]})",
  };
  for (const auto& rule_text : whole) {
    INFO("rule: " << rule_text);
    rule r = rule::compile_text(rule_text);
    for (const auto& n : r.program().projection) CHECK(n.item_keys.empty());
    for (const auto& text : texts) {
      INFO("rule: " << rule_text << "\ndata: " << text);
      check_same(reader, r, text);
    }
  }
}
