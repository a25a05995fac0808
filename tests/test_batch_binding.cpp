// The two JSON readers of the case binder (detail/input/case_binding.hpp) give the same facts and
// the same diagnostics: nlohmann (facts::try_rebind_text) and simdjson's on-demand parser
// (divert/simdjson_binding.hpp, used by divert batch). And record_writer writes, byte for byte,
// what decision_record::to_json().dump() gives.

#include <catch2/catch.hpp>

#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include "../benchmarks/w1.hpp"
#include "divert/batch.hpp"
#include "divert/detail/bytes.hpp"
#include "divert/policy.hpp"
#include "divert/simdjson_binding.hpp"

namespace {

using ojson = nlohmann::ordered_json;

std::string src(const std::string& rel) { return std::string(DIVERT_SOURCE_DIR) + "/" + rel; }

std::string diag_text(const std::vector<divert::diagnostic>& ds) {
  std::string out;
  for (const auto& d : ds)
    out += (d.level == divert::severity::error ? "E " : "W ") + d.id + " [" + d.pointer + "] " +
           std::to_string(d.line) + ":" + std::to_string(d.column) + " " + d.message + "\n";
  return out;
}

// Every input the readers must agree on: valid cases, and every kind of error.
std::vector<std::string> inputs() {
  std::vector<std::string> in = {
      // valid, with ranges, nulls, unknown keys (warnings), escapes, odd spacing
      R"x({"offence":{"date":"2022-07-14","type":"possession","force":"metropolitan","area":"lewisham"},"person":{"age":21,"admits_offence":"yes","consents":true},"substances":[{"drug":"cannabis","class":"B","amount":2.5,"unit":"g"}],"assessment":{"personal_use":true,"supply_indicators":false},"circumstances":{"concurrent_offences":[],"aggravating":[]},"history":[{"date":"2021-03-02","type":"diversion","scheme":"thames_valley","engaged":true,"completed":true}]})x",
      R"x({"person":{"age":{"min":18,"max":24}},"offence":{"area":"lewi\"sham \u00e9\n"}})x",
      R"x({"person":{"age":{"max":24,"min":24}}})x",
      R"x(  { "person" : { "age" : 30 } , "offence" : null }  )x",
      R"x({"persn":{"age":3},"person":{"agee":1,"age":null},"substances":[{"drug":"cocaine","colour":"white"}]})x",
      R"x({"substances":[null,{"drug":null}],"history":[]})x",
      R"x({"person":{"age":1e1}})x",
      R"x({"substances":[{"amount":1.5e0}]})x",
      R"x({"x":{"deep":[[[[{"y":[1,2,{"z":null}]}]]]]},"y":"\ud83d\ude00"})x",
      R"x({})x",
      // syntax
      "",
      "   ",
      "{",
      "}",
      R"x({"a":})x",
      R"x({"person":{"age":1x}})x",
      R"x({"foo":tru})x",
      R"x({"foo":nul})x",
      R"x({"foo":[nul]})x",
      R"x({"a":1}})x",
      R"x({"a":1} {"b":2})x",
      R"x({"a":[1,2}})x",
      R"x({"a":"\u12"})x",
      R"x({"a":"\ud800"})x",
      "{\"a\":\"\x01\"}",
      "{\"a\":\"\xff\"}",
      R"x({"a" 1})x",
      R"x({,})x",
      R"x({"person":{"age":01}})x",
      R"x({"person":{"age":1.}})x",
      R"x({"person":{"age":-}})x",
      R"x({"person":{"age":-0}})x",
      R"x({"person":{"age":-0.0}})x",
      R"x({"person":{"age":123456789012345678901234567890}})x",
      R"x({"substances":[{"amount":1e400}]})x",
      R"x({"unknown":18446744073709551616})x",
      // duplicate keys, at the top, nested, in unknown values, with escapes
      R"x({"a":1,"a":2})x",
      R"x({"person":{"age":1,"age":2}})x",
      R"x({"x":{"k":1,"k":2}})x",
      R"x({"a\u0041":1,"aA":2})x",
      R"x({"\u0061":1,"a":2})x",
      // wrong types
      R"x({"person":{"age":"21"}})x",
      R"x({"person":{"age":true}})x",
      R"x({"person":{"age":[]}})x",
      R"x({"person":{"age":{}}})x",
      R"x({"person":{"age":{"min":18}}})x",
      R"x({"person":{"age":{"min":18,"max":"x"}}})x",
      R"x({"person":{"age":{"min":18,"max":24,"x":1}}})x",
      R"x({"person":{"age":1.50}})x",
      R"x({"person":{"age":2E1}})x",
      R"x({"person":{"consents":"yes"}})x",
      R"x({"person":{"consents":0}})x",
      R"x({"person":"old"})x",
      R"x({"offence":{"type":3}})x",
      R"x({"offence":{"date":20200101}})x",
      R"x({"offence":{"area":["lewisham"]}})x",
      R"x({"substances":{}})x",
      R"x({"substances":[1,"two",[3],true]})x",
      R"x({"circumstances":{"concurrent_offences":"x"}})x",
      R"x({"circumstances":{"concurrent_offences":[1]}})x",
      R"x({"history":[{"engaged":"yes"}]})x",
      // enum typos
      R"x({"offence":{"type":"posession"}})x",
      R"x({"substances":[{"drug":"canabis"}]})x",
      R"x({"circumstances":{"aggravating":["near school"]}})x",
      R"x({"person":{"admits_offence":"Yes"}})x",
      // out of range
      R"x({"person":{"age":130}})x",
      R"x({"person":{"age":-1}})x",
      R"x({"person":{"age":21.5}})x",
      R"x({"person":{"age":{"min":30,"max":20}}})x",
      R"x({"person":{"age":{"min":-5,"max":200}}})x",
      R"x({"person":{"age":{"min":18.5,"max":24}}})x",
      R"x({"substances":[{"amount":-1}]})x",
      R"x({"substances":[{"amount":{"min":0.123456789,"max":1}}]})x",
      // dates
      R"x({"offence":{"date":"2020-02-30"}})x",
      R"x({"offence":{"date":"2020-13-01"}})x",
      R"x({"offence":{"date":"2016-06-01T00:01:00+00:00"}})x",
      R"x({"history":[{"date":"yesterday"}]})x",
      // not objects
      "[]",
      "[1,2]",
      "1",
      "-0",
      "\"case\"",
      "null",
      "true",
      "{\"a\":1}x",
      // deep nesting, in an unknown key and in a known one
      "{\"x\":" + std::string(200, '[') + std::string(200, ']') + "}",
      "{\"person\":{\"age\":" + std::string(130, '[') + std::string(130, ']') + "}}",
  };
  // W1's cases.
  auto cases = divert::bench::w1::generate(300);
  for (const auto& c : cases) in.push_back(divert::bench::w1::case_text(c));
  // Every case of the shipped policies' tests.
  for (const char* t : {"policies/lewisham.tests.json", "policies/thames_valley.tests.json",
                        "policies/avon_somerset_dep.tests.json", "policies/cannabis_escalation.tests.json"}) {
    std::ifstream f(src(t));
    if (!f) continue;
    ojson suite = ojson::parse(f);
    for (const auto& c : suite["cases"])
      if (c.contains("case")) in.push_back(c["case"].dump());
  }
  return in;
}

// Reads `text` into `a` with simdjson and into `b` with nlohmann; both must say the same.
// Returns whether the case bound; its diagnostics go to `diags`.
bool read_both(divert::simdjson_case_reader& reader, divert::facts& a, divert::facts& b, const std::string& text,
               std::vector<divert::diagnostic>& diags) {
  std::vector<divert::diagnostic> db;
  diags.clear();
  bool ok_a = reader.try_rebind(a, text, diags);
  bool ok_b = b.try_rebind_text(text, db);
  REQUIRE(ok_a == ok_b);
  REQUIRE(diag_text(diags) == diag_text(db));
  return ok_a;
}

}  // namespace

TEST_CASE("batch binding: simdjson and nlohmann readers give the same facts and diagnostics", "[batch][binding]") {
  std::vector<divert::policy> policies;
  for (const char* p : {"policies/lewisham.json", "policies/thames_valley.json", "benchmarks/w1_policy.json"})
    policies.push_back(divert::policy::load(src(p)));
  divert::facts a = policies[0].bind(ojson::object());
  divert::facts b = policies[0].bind(ojson::object());
  divert::simdjson_case_reader reader;
  std::size_t valid = 0, invalid = 0;
  for (const auto& text : inputs()) {
    INFO("input: " << text);
    std::vector<divert::diagnostic> da;
    const bool ok_a = read_both(reader, a, b, text, da);
    (ok_a ? valid : invalid)++;
    if (!ok_a) continue;
    for (const auto& p : policies) {
      auto ra = p.explain(a).to_json().dump();
      auto rb = p.explain(b).to_json().dump();
      REQUIRE(ra == rb);
    }
  }
  CHECK(valid > 300);
  CHECK(invalid > 60);
  // Valid text never needs nlohmann's second reading.
  CHECK(reader.fallbacks() < invalid + 10);
}

// The word-at-a-time helpers of detail/bytes.hpp against their byte-at-a-time definitions:
// every length from 0 to 40, a difference or a special byte at every position.
TEST_CASE("batch binding: the word-at-a-time byte helpers agree with byte-at-a-time", "[batch][binding]") {
  using divert::detail::find_special_json_byte;
  using divert::detail::same_bytes;
  std::size_t compared = 0, found = 0;
  for (std::size_t n = 0; n <= 40; ++n) {
    std::string a(n, 'k'), padded = a + std::string(16, '"');  // a step of 16 bytes reads 15 past
    CHECK(same_bytes(a.data(), a.data(), n));
    CHECK(divert::detail::same_text(a, std::string(n, 'k')));
    CHECK_FALSE(divert::detail::same_text(a, a + "k"));  // a prefix is not the same text
    CHECK(find_special_json_byte(padded.data()) == padded.data() + n);
    for (std::size_t i = 0; i < n; ++i) {
      for (char c : {'j', 'K', '\x80', '\0'}) {
        std::string b = a;
        b[i] = c;
        CHECK_FALSE(same_bytes(a.data(), b.data(), n));
        CHECK(same_bytes(a.data(), b.data(), i));  // the bytes before the difference
        ++compared;
      }
      for (char c : {'"', '\\', '\x01', '\x1f', '\n', '\0'}) {
        std::string b = padded;
        b[i] = c;
        CHECK(find_special_json_byte(b.data()) == b.data() + i);
        ++found;
      }
      for (char c : {' ', '\x7f', '\x80', '\xff', '!', '#', '[', ']'}) {  // next to the special ones
        std::string b = padded;
        b[i] = c;
        CHECK(find_special_json_byte(b.data()) == b.data() + n);
      }
    }
  }
  CHECK(compared == 4 * 820);
  CHECK(found == 6 * 820);
}

// The simdjson reader finds a key's end eight bytes at a time, and keys, enum values and strings
// are compared a word at a time (detail/bytes.hpp): a difference, an escape or a control
// character at every position of keys and values of every length reads as nlohmann reads it.
TEST_CASE("batch binding: keys and values compared a word at a time, at every length and position",
          "[batch][binding]") {
  auto p = divert::policy::load(src("policies/lewisham.json"));
  divert::facts a = p.bind(ojson::object());
  divert::facts b = p.bind(ojson::object());
  divert::simdjson_case_reader reader;
  std::vector<std::string> in;
  auto changed = [](std::string s, std::size_t i, char c) { return s.replace(i, 1, 1, c); };
  // Known keys and enum values, one byte changed at each position, cut short and made longer.
  for (std::string key : {"offence", "person", "substances", "assessment", "circumstances"})
    for (std::size_t i = 0; i <= key.size(); ++i) {
      in.push_back("{\"" + key.substr(0, i) + "\":1}");
      if (i < key.size()) in.push_back("{\"" + changed(key, i, 'X') + "\":1}");
      in.push_back("{\"" + key + std::string(i, 'x') + "\":1}");
    }
  for (std::string drug : {"cannabis", "cannabis_resin", "synthetic_cannabinoid", "lsd"})
    for (std::size_t i = 0; i < drug.size(); ++i) {
      in.push_back(R"({"substances":[{"drug":")" + changed(drug, i, 'X') + "\"}]}");
      in.push_back(R"({"substances":[{"drug":")" + drug.substr(0, i) + "\"}]}");
    }
  // Keys of 0 to 24 bytes: two that differ at one position (no duplicate), the same twice (a
  // duplicate), and one with an escape or a control character at each position.
  for (std::size_t n = 0; n <= 24; ++n) {
    const std::string k(n, 'k');
    in.push_back("{\"" + k + "\":1,\"" + k + "\":2}");
    for (std::size_t i = 0; i < n; ++i) {
      in.push_back("{\"" + k + "\":1,\"" + changed(k, i, 'j') + "\":2}");
      in.push_back("{\"person\":{\"" + changed(k, i, 'j') + "\":1,\"" + k + "\":2,\"age\":20}}");
      in.push_back("{\"" + k.substr(0, i) + "\\n" + k.substr(i) + "\":1}");
      in.push_back("{\"" + k.substr(0, i) + "\x01" + k.substr(i) + "\":1}");
      in.push_back("{\"" + k.substr(0, i) + "\\u006b" + k.substr(i) + "\":1,\"" + k + "k\":2}");
    }
  }
  std::size_t warned = 0, invalid = 0;
  for (const auto& text : in) {
    INFO("input: " << text);
    std::vector<divert::diagnostic> da;
    const bool ok_a = read_both(reader, a, b, text, da);
    invalid += !ok_a;
    warned += ok_a && !da.empty();
    if (ok_a) REQUIRE(p.explain(a).to_json().dump() == p.explain(b).to_json().dump());
  }
  CHECK(in.size() > 700);
  CHECK(invalid > 250);  // duplicates, control characters, enum values not known
  CHECK(warned > 250);   // keys not known
}

TEST_CASE("batch binding: text read in place, with padding, is read the same", "[batch][binding]") {
  auto p = divert::policy::load(src("policies/lewisham.json"));
  divert::facts a = p.bind(ojson::object());
  divert::simdjson_case_reader reader;
  std::string buffer = R"x({"person":{"age":21}})x"
                       "\n"
                       R"x({"person":{"age":"x"}})x"
                       "\n";
  buffer.append(simdjson::SIMDJSON_PADDING, ' ');
  std::vector<divert::diagnostic> d;
  CHECK(reader.try_rebind(a, std::string_view(buffer.data(), 21), d, {}, {}, true));
  CHECK(d.empty());
  CHECK_FALSE(reader.try_rebind(a, std::string_view(buffer.data() + 22, 22), d, {}, {}, true));
  REQUIRE(d.size() == 1);
  CHECK(d[0].pointer == "/person/age");
  CHECK(d[0].message == R"x(expected a whole number (or a range {"min": a, "max": b}), got the string "x")x");
}

TEST_CASE("batch binding: required facts and array limits, through both readers", "[batch][binding]") {
  auto schema = divert::case_schema::load(src("tests/fixtures/batch/required.schema.json"));
  divert::limits lim;
  lim.max_array_length = 3;
  lim.max_string_length = 8;
  const ojson valid = ojson{{"person", ojson{{"age", 1}}}, {"offence", ojson{{"type", "other"}}}};
  divert::facts a = schema.bind(valid);
  divert::facts b = schema.bind(valid);
  divert::simdjson_case_reader reader;
  const char* cases[] = {
      R"x({"person":{"age":20},"offence":{"type":"possession"}})x",
      R"x({"offence":{}})x",
      R"x({"person":{},"offence":{"type":"supply"},"substances":[{"amount":1},{"drug":"cannabis"}]})x",
      R"x({"person":{"age":1},"offence":{"type":"other"},"substances":[{"drug":"x"},{"drug":"y"},{"drug":"z"},{"drug":"w"}]})x",
      R"x({"person":{"age":1},"offence":{"type":"other"},"substances":[{"drug":"cannabis"},{"drug":"cannabis"},{"drug":"cannabis"}]})x",
      R"x({"person":{"age":1},"offence":{"type":"other","area":"a long area name"}})x",
  };
  for (const char* text : cases) {
    INFO("input: " << text);
    std::vector<divert::diagnostic> da, db;
    bool ok_a = reader.try_rebind(a, text, da, {}, lim);
    bool ok_b = b.try_rebind_text(text, db, {}, lim);
    CHECK(ok_a == ok_b);
    CHECK(diag_text(da) == diag_text(db));
  }
  std::vector<divert::diagnostic> d;
  reader.try_rebind(a, cases[3], d, {}, lim);
  REQUIRE(d.size() == 1);
  CHECK(d[0].pointer == "/substances");
  CHECK(d[0].message == "array of 4 items is longer than the limit of 3");
  d.clear();
  reader.try_rebind(a, cases[1], d, {}, lim);
  REQUIRE(d.size() == 2);
  CHECK(d[0].pointer == "/offence");
  CHECK(d[0].message == "missing required fact \"type\"");
  CHECK(d[1].pointer.empty());
  CHECK(d[1].message == "missing required fact \"person\"");
}

// The simdjson reader tells a key given twice by the index of its schema property when that is
// below 64, and by comparing keys otherwise (keys the schema does not know, properties from the
// 65th on, the keys of a range): every way ends in nlohmann's error for the second key.
TEST_CASE("batch binding: keys given twice, schema properties or not, below and above 64 of them", "[batch][binding]") {
  auto schema = divert::case_schema::load(src("tests/fixtures/batch/wide.schema.json"));
  divert::facts a = schema.bind(ojson::object());
  divert::facts b = schema.bind(ojson::object());
  divert::simdjson_case_reader reader;
  std::string all;  // every top-level property once, p0 to p69
  for (int i = 0; i < 70; ++i) all += (i ? ",\"p" : "\"p") + std::to_string(i) + "\":" + std::to_string(i);
  struct text_case {
    std::string text, twice;  // twice: the pointer of the key given twice, or "" (valid)
  };
  const std::vector<text_case> cases = {
      {"{" + all + "}", ""},
      {"{" + all + ",\"p0\":1}", "/p0"},    // index 0
      {"{" + all + ",\"p63\":1}", "/p63"},  // the last index of the mask
      {"{" + all + ",\"p64\":1}", "/p64"},  // the first past it: compared
      {"{" + all + ",\"p69\":1}", "/p69"},
      {R"x({"p64":1,"p65":2,"x":3,"y":4,"p0":5})x", ""},
      {R"x({"x":1,"p1":2,"x":3})x", "/x"},  // not a property
      {R"x({"p1":1,"x":2,"y":3,"p1":4})x", "/p1"},
      {R"x({"inner":{"q1":1,"q66":2,"q1":3}})x", "/inner/q1"},
      {R"x({"inner":{"q66":1,"q1":2,"q66":3}})x", "/inner/q66"},
      {R"x({"inner":{"q66":1,"q67":2},"inner":{}})x", "/inner"},
      {R"x({"p1":{"min":1,"max":2},"p2":{"max":3,"min":2}})x", ""},
      {R"x({"p1":{"min":1,"min":2}})x", "/p1/min"},  // a range's keys
      {R"x({"x":{"k":1,"p1":2,"k":3}})x", "/x/k"},   // inside a value the schema does not know
  };
  for (const auto& c : cases) {
    INFO("input: " << c.text);
    std::vector<divert::diagnostic> d;
    const bool ok = read_both(reader, a, b, c.text, d);
    CHECK(ok == c.twice.empty());
    if (c.twice.empty()) continue;
    REQUIRE(d.size() == 1);
    const std::string key = c.twice.substr(c.twice.rfind('/') + 1);
    CHECK(d[0].message == "duplicate key \"" + key + "\" (at " + c.twice + ")");
  }
}

TEST_CASE("batch binding: record_writer writes what to_json().dump() gives", "[batch][record]") {
  std::vector<std::string> texts = inputs();
  for (const char* pf : {"policies/lewisham.json", "policies/thames_valley.json", "policies/avon_somerset_dep.json",
                         "policies/cannabis_escalation.json", "benchmarks/w1_policy.json"}) {
    auto p = divert::policy::load(src(pf));
    std::vector<std::vector<std::string>> selections = {{}};
    if (std::string(pf).find("lewisham") != std::string::npos)
      selections.push_back({"jurisdiction", "supply_suspected"});
    for (const auto& sel : selections) {
      auto skip = p.select(sel);
      divert::record_writer w(p, &skip);
      divert::facts f = p.bind(ojson::object());
      divert::simdjson_case_reader reader;
      for (const auto& text : texts) {
        std::vector<divert::diagnostic> d;
        if (!reader.try_rebind(f, text, d)) continue;
        INFO(pf << ": " << text);
        auto rec = p.explain(f, &skip);
        std::string line;
        w.write(rec, line);
        REQUIRE(line == rec.to_json().dump() + "\n");
        divert::decision dec = p.decide(f, &skip);
        if (dec.status == divert::status::eligible && f.warnings().empty())
          REQUIRE(w.eligible_line(dec.pathway) == line);
      }
    }
  }
}

TEST_CASE("batch binding: JSON strings are escaped as nlohmann escapes them", "[batch][record]") {
  std::string all;
  for (int c = 1; c < 128; ++c) all += static_cast<char>(c);
  all += "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
  std::string out;
  divert::append_json_string(out, all);
  CHECK(out == ojson(all).dump());
  // Each byte that is escaped (and a few that are not) at every position of strings of 0 to 40
  // bytes, among plain, UTF-8 and edge bytes: the scan reads eight bytes at a time.
  for (int c : std::initializer_list<int>{1, 0x08, 0x0a, 0x1f, 0x20, '"', '!', '#', '\\', '[', ']', 0x7f}) {
    for (const std::string fill : {"a", " ", "\x7f", "\xc3\xa9", "\x5b"}) {
      for (std::size_t n = 0; n <= 40; ++n) {
        for (std::size_t at = 0; at <= n; ++at) {
          std::string s;
          while (s.size() < n) s += fill;
          s.resize(n);
          if (fill.size() == 2 && n % 2) s.pop_back();  // whole UTF-8 characters only
          if (at < s.size())
            s[at] = static_cast<char>(c);
          else
            s += static_cast<char>(c);
          std::string expected;
          try {
            expected = ojson(s).dump();
          } catch (const nlohmann::json::type_error&) {
            continue;  // a UTF-8 sequence cut by the byte put in: not a string divert makes
          }
          out.clear();
          divert::append_json_string(out, s);
          INFO("byte " << c << " at " << at << " of " << s.size());
          REQUIRE(out == expected);
        }
      }
    }
  }
}
