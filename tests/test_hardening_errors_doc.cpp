// docs/errors.md lists every error id divert uses, and only those: each id found in the code
// (include/divert, tools/divert) has its own "### `id`" section, and each section names an id the
// code still uses. An id is a string literal in kebab case ("unknown-operator"), or a one-word
// id given to a diagnostic ({severity::error, "schema", ...}).

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

#include "test_hardening_support.hpp"

using namespace divert_hardening;

namespace {

// Kebab-case literals that are not error ids.
const std::set<std::string> not_ids = {
    "case-v1",  // the built-in case schema's name
};

bool kebab(const std::string& s) {
  if (s.empty() || !(s[0] >= 'a' && s[0] <= 'z') || s.find('-') == std::string::npos || s.back() == '-') return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return s.find("--") == std::string::npos;
}

bool word(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(c >= 'a' && c <= 'z')) return false;
  return true;
}

std::set<std::string> ids_in_code() {
  std::set<std::string> ids;
  std::vector<std::string> files;
  for (const char* dir : {"include/divert", "tools/divert"})
    for (const auto& e : std::filesystem::recursive_directory_iterator(source(dir)))
      if (e.path().extension() == ".hpp" || e.path().extension() == ".cpp") files.push_back(e.path().string());
  for (const auto& file : files) {
    std::string text = read_file(file);
    // Every "..." whose content is kebab case.
    for (std::size_t i = text.find('"'); i != std::string::npos;) {
      std::size_t end = text.find('"', i + 1);
      if (end == std::string::npos) break;
      std::string lit = text.substr(i + 1, end - i - 1);
      if (kebab(lit) && !not_ids.count(lit) && text[i - 1] != '\\') {
        ids.insert(lit);
        i = text.find('"', end + 1);
      } else {
        i = end;  // the closing quote may open the next literal
      }
    }
    // One-word ids of diagnostics.
    for (const char* lead : {"severity::error, \"", "severity::warning, \""}) {
      for (std::size_t i = text.find(lead); i != std::string::npos; i = text.find(lead, i + 1)) {
        std::size_t start = i + std::string(lead).size();
        std::string id = text.substr(start, text.find('"', start) - start);
        if (word(id)) ids.insert(id);
      }
    }
  }
  return ids;
}

std::set<std::string> ids_in_doc() {
  std::set<std::string> ids;
  std::string doc = read_file(source("docs/errors.md"));
  const std::string lead = "\n### `";
  for (std::size_t i = doc.find(lead); i != std::string::npos; i = doc.find(lead, i + 1)) {
    std::size_t start = i + lead.size();
    ids.insert(doc.substr(start, doc.find('`', start) - start));
  }
  return ids;
}

}  // namespace

TEST_CASE("errors doc: every error id in the code has a section in docs/errors.md", "[hardening][docs]") {
  std::set<std::string> code = ids_in_code(), doc = ids_in_doc();
  REQUIRE(code.size() > 40);
  for (const auto& id : code) {
    INFO("error id \"" << id << "\" is used in the code but has no \"### `" << id << "`\" section in docs/errors.md");
    CHECK(doc.count(id) == 1);
  }
  for (const auto& id : doc) {
    INFO("docs/errors.md documents \"" << id << "\", which the code no longer uses");
    CHECK(code.count(id) == 1);
  }
}
