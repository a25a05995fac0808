#pragma once
// Workload W1 (DESIGN §10, ../shared/bench/): one eligibility predicate over 100,000 generated
// cases. This is a port of the generator of bench/w1.js: it draws the same numbers in the same
// order, and case_text() gives, byte for byte, the line `node w1.js --emit` writes for a case.
// Every port must give matches=1722 checksum=86069956 for 100,000 cases (checksum: the sum of the
// indices of the matching cases).

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace divert::bench::w1 {

inline constexpr std::size_t default_cases = 100000;
inline constexpr long expected_matches = 1722;
inline constexpr long long expected_checksum = 86069956;

// bench/w1-rule.json, for when ../shared is absent (the tests and the drivers read the file when
// it is there, so a change to it is seen).
inline constexpr const char* embedded_rule = R"({"and": [
  {"==": [{"var": "offence.type"}, "possession"]},
  {"<=": [18, {"var": "person.age"}, 24]},
  {"in": [{"var": "offence.area"}, ["lewisham", "bexley", "greenwich"]]},
  {"all": [{"var": "substances"}, {"==": [{"var": "drug"}, "cannabis"]}]},
  {"var": "assessment.personal_use"},
  {"!": {"var": "assessment.supply_indicators"}},
  {"!": {"var": "circumstances.concurrent_offences"}}
]}
)";

struct substance {
  const char* drug;
  int amount;  // unit is always "g"
};

struct case_data {
  const char* type;
  int age;
  const char* area;
  int substance_count;  // 1 or 2
  substance substances[2];
  bool personal_use;
  bool supply_indicators;
  bool concurrent_offence;  // concurrent_offences is ["criminal_damage"] or []
};

// s(0) = 42; s(k+1) = (s(k) * 1103515245 + 12345) mod 2^32, low 31 bits kept; r(n) = s mod n.
class generator {
 public:
  case_data next() {
    static constexpr const char* types[] = {"possession", "possession", "possession", "possession_with_intent"};
    static constexpr const char* areas[] = {"lewisham", "bexley", "greenwich", "camden", "hackney", "oxford"};
    static constexpr const char* drugs[] = {"cannabis", "cannabis", "cocaine", "mdma", "ketamine"};
    // The fields are drawn in w1.js's order: each r() call below is one draw, in sequence.
    case_data c{};
    c.type = types[r(4)];
    c.age = 14 + static_cast<int>(r(40));
    c.area = areas[r(6)];
    c.substance_count = r(4) == 0 ? 2 : 1;
    for (int k = 0; k < c.substance_count; ++k) {
      c.substances[k].drug = drugs[r(5)];
      c.substances[k].amount = static_cast<int>(r(30));
    }
    c.personal_use = r(5) != 0;
    c.supply_indicators = r(10) == 0;
    c.concurrent_offence = r(6) == 0;
    return c;
  }

 private:
  std::uint32_t r(std::uint32_t m) {
    state_ = (state_ * 1103515245u + 12345u) & 0x7fffffffu;
    return state_ % m;
  }
  std::uint32_t state_ = 42;
};

inline std::vector<case_data> generate(std::size_t n = default_cases) {
  generator g;
  std::vector<case_data> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(g.next());
  return out;
}

// JSON.stringify of the case object w1.js builds: same key order, no spaces.
inline std::string case_text(const case_data& c) {
  std::string s;
  s.reserve(256);
  s += R"({"offence":{"type":")";
  s += c.type;
  s += R"(","area":")";
  s += c.area;
  s += R"("},"person":{"age":)";
  s += std::to_string(c.age);
  s += R"(},"substances":[)";
  for (int k = 0; k < c.substance_count; ++k) {
    if (k) s += ',';
    s += R"({"drug":")";
    s += c.substances[k].drug;
    s += R"(","amount":)";
    s += std::to_string(c.substances[k].amount);
    s += R"(,"unit":"g"})";
  }
  s += R"(],"assessment":{"personal_use":)";
  s += c.personal_use ? "true" : "false";
  s += R"(,"supply_indicators":)";
  s += c.supply_indicators ? "true" : "false";
  s += R"(},"circumstances":{"concurrent_offences":[)";
  if (c.concurrent_offence) s += R"("criminal_damage")";
  s += "]}}";
  return s;
}

// The same case as a JSON document (what a program holding the facts in memory would bind).
inline nlohmann::ordered_json case_json(const case_data& c) {
  using json = nlohmann::ordered_json;
  json substances = json::array();
  for (int k = 0; k < c.substance_count; ++k)
    substances.push_back(json{{"drug", c.substances[k].drug}, {"amount", c.substances[k].amount}, {"unit", "g"}});
  return json{
      {"offence", json{{"type", c.type}, {"area", c.area}}},
      {"person", json{{"age", c.age}}},
      {"substances", std::move(substances)},
      {"assessment", json{{"personal_use", c.personal_use}, {"supply_indicators", c.supply_indicators}}},
      {"circumstances",
       json{{"concurrent_offences", c.concurrent_offence ? json::array({"criminal_damage"}) : json::array()}}},
  };
}

// The W1 rule text: `path` when it can be read, else the embedded copy. `source` says which.
inline std::string rule_text(const std::string& path, std::string* source = nullptr) {
  if (!path.empty()) {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::ostringstream ss;
      ss << in.rdbuf();
      if (source) *source = path;
      return ss.str();
    }
  }
  if (source) *source = "embedded copy of bench/w1-rule.json";
  return embedded_rule;
}

// Where the W1 files are when ../shared is beside the repository (set by benchmarks/CMakeLists.txt).
#ifdef DIVERT_SHARED_DIR
inline const std::string default_rule_path = std::string(DIVERT_SHARED_DIR) + "/bench/w1-rule.json";
#else
inline const std::string default_rule_path;
#endif

}  // namespace divert::bench::w1
