#pragma once
// Helpers for the diff tests: enumerate a small finite case space and check that a diff's
// regions partition it exactly (each case in exactly one region, decided as the region says).

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "process_temp_dir.hpp"

#include <nlohmann/json.hpp>

#include "divert/diff.hpp"

namespace diff_test {

using ojson = nlohmann::ordered_json;

inline std::string source(const std::string& rel) { return std::string(DIVERT_SOURCE_DIR) + "/" + rel; }
inline std::string fixture(const std::string& name) { return source("tests/fixtures/diff/" + name); }

// One fact and the values to try ("person.age": 0..120); arrays take lists of items.
struct axis {
  std::string path;
  std::vector<ojson> values;  // null: the fact is absent
};

inline std::vector<ojson> range(int lo, int hi) {
  std::vector<ojson> out;
  for (int i = lo; i <= hi; ++i) out.push_back(i);
  return out;
}

// Every multiset of up to `max_len` of the items (as arrays, in canonical order).
inline std::vector<ojson> multisets(const std::vector<ojson>& items, std::size_t max_len) {
  std::vector<ojson> out;
  std::vector<std::size_t> pick;
  std::function<void(std::size_t)> go = [&](std::size_t from) {
    ojson arr = ojson::array();
    for (auto k : pick) arr.push_back(items[k]);
    out.push_back(arr);
    if (pick.size() == max_len) return;
    for (std::size_t k = from; k < items.size(); ++k) {
      pick.push_back(k);
      go(k);
      pick.pop_back();
    }
  };
  go(0);
  return out;
}

inline void set_path(ojson& doc, const std::string& path, const ojson& v) {
  if (v.is_null()) return;
  divert::detail::analysis::space::set_path(doc, path, v);
}

// History items may give "months_before" (of the offence date) instead of a date.
inline void resolve_relative_dates(ojson& c) {
  if (!c.contains("history") || !c.contains("offence") || !c["offence"].contains("date")) return;
  auto day = divert::detail::dates::parse(c["offence"]["date"].get<std::string>());
  for (auto& item : c["history"]) {
    if (!item.contains("months_before")) continue;
    auto d = divert::detail::analysis::add_months(*day, -item["months_before"].get<long long>());
    item["date"] = divert::detail::dates::format(d);
    item.erase("months_before");
  }
}

// Calls f(case) for every combination of the axes' values.
template <class F>
void enumerate(const std::vector<axis>& axes, F&& f) {
  std::vector<std::size_t> at(axes.size(), 0);
  for (;;) {
    ojson c = ojson::object();
    for (std::size_t i = 0; i < axes.size(); ++i) set_path(c, axes[i].path, axes[i].values[at[i]]);
    resolve_relative_dates(c);
    f(c);
    std::size_t k = 0;
    for (; k < axes.size(); ++k) {
      if (++at[k] < axes[k].values.size()) break;
      at[k] = 0;
    }
    if (k == axes.size()) return;
  }
}

struct exactness {
  std::size_t cases = 0, outside = 0, overlapping = 0, wrong = 0, overlapping_pairs = 0;
  std::string first_problem;
  void problem(const std::string& p) {
    if (first_problem.empty()) first_problem = p;
  }
  bool ok() const { return outside == 0 && overlapping == 0 && wrong == 0 && overlapping_pairs == 0; }
};

// Two constraints share a value.
inline bool intersects(const divert::detail::analysis::dimension& d, const divert::detail::analysis::constraint& x,
                       const divert::detail::analysis::constraint& y) {
  using divert::detail::analysis::dim_kind;
  if (d.kind == dim_kind::number) {
    const auto &a = x.iv, &b = y.iv;
    if (a.hi < b.lo || b.hi < a.lo) return false;
    if (a.hi == b.lo && (a.hi_open || b.lo_open)) return false;
    if (b.hi == a.lo && (b.hi_open || a.lo_open)) return false;
    return true;
  }
  for (std::size_t k = 0; k < x.set.size(); ++k)
    if (x.set[k] && y.set[k]) return true;
  return false;
}

inline exactness check_exact(const divert::diff_result& r, const std::vector<axis>& axes) {
  exactness e;
  std::vector<const divert::diff_region*> all;
  for (const auto& x : r.differing) all.push_back(&x);
  for (const auto& x : r.agreeing) all.push_back(&x);
  // No two regions overlap (boxes: disjoint in some dimension).
  const auto& dims = r.space->dims;
  for (std::size_t i = 0; i < all.size(); ++i)
    for (std::size_t j = i + 1; j < all.size(); ++j) {
      bool disjoint = false;
      for (std::size_t d = 0; d < dims.size() && !disjoint; ++d)
        disjoint = !intersects(dims[d], all[i]->box.c[d], all[j]->box.c[d]);
      if (!disjoint) {
        ++e.overlapping_pairs;
        e.problem("regions overlap: \"" + all[i]->condition_text() + "\" and \"" + all[j]->condition_text() + "\"");
      }
    }
  enumerate(axes, [&](const ojson& c) {
    ++e.cases;
    divert::facts f = r.a.bind(c);
    auto at = r.space->locate(f.slots());
    const divert::diff_region* in = nullptr;
    std::size_t n = 0;
    for (const auto* reg : all)
      if (r.space->contains(reg->box, at)) {
        ++n;
        in = reg;
      }
    if (n == 0) {
      ++e.outside;
      e.problem("in no region: " + c.dump());
      return;
    }
    if (n > 1) {
      ++e.overlapping;
      e.problem("in " + std::to_string(n) + " regions: " + c.dump());
      return;
    }
    auto da = divert::diff_result::decide(r.a, f, r.skip_a);
    auto db = divert::diff_result::decide(r.b, f, r.skip_b);
    if (da.status != in->a.status || da.pathway != in->a.pathway || db.status != in->b.status ||
        db.pathway != in->b.pathway) {
      ++e.wrong;
      e.problem(c.dump() + " is decided " + da.to_text() + " / " + db.to_text() + " but its region \"" +
                in->condition_text() + "\" says " + in->a.to_text() + " / " + in->b.to_text());
    }
  });
  return e;
}

// Runs the tool; returns its exit code and what it printed on stdout.
struct run_result {
  int code = -1;
  std::string out;
};

inline run_result run(const std::string& args, const std::string& stdin_text = "") {
  static int counter = 0;
  std::string base = test_support::process_temp_dir() + "/diff_run_" + std::to_string(counter++);
  std::string out_file = base + ".out", in_file = base + ".in";
  std::string cmd = std::string("\"") + DIVERT_TOOL + "\" " + args;
  if (!stdin_text.empty()) {
    std::ofstream(in_file) << stdin_text;
    cmd += " < \"" + in_file + "\"";
  }
  cmd += " > \"" + out_file + "\" 2>&1";
  int status = std::system(cmd.c_str());
  run_result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(out_file);
  std::stringstream ss;
  ss << in.rdbuf();
  r.out = ss.str();
  std::remove(out_file.c_str());
  std::remove(in_file.c_str());
  return r;
}

inline std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string l;
  while (std::getline(ss, l)) out.push_back(l);
  return out;
}

}  // namespace diff_test
