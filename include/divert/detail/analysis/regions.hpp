#pragma once
// Regions: merging boxes that differ in one dimension only (adjacent intervals, or any two sets
// of classes), and describing a box as text ("person.age 25–120 · offence.type possession") and
// as JSON ({"person.age": {"min": 25, "max": 120}, ...}).

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "divert/detail/analysis/space.hpp"

namespace divert::detail::analysis {

// A merged region: its box and the leaves (by index) it is made of, in order.
struct region_part {
  box b;
  std::vector<std::size_t> leaves;
};

inline void key_of(const constraint& c, std::string& out) {
  if (c.set.empty()) {
    const double vals[2] = {c.iv.lo, c.iv.hi};
    out.append(reinterpret_cast<const char*>(vals), sizeof vals);
    out.push_back(static_cast<char>((c.iv.lo_open ? 1 : 0) | (c.iv.hi_open ? 2 : 0)));
  } else {
    for (bool x : c.set) out.push_back(x ? '1' : '0');
  }
  out.push_back('|');
}

// Merges boxes (disjoint, all with the same answer) into fewer, larger boxes; the result still
// partitions the same set. Greedy and deterministic: repeated passes, one dimension at a time.
inline std::vector<region_part> merge_boxes(const std::vector<dimension>& dims, std::vector<region_part> parts) {
  bool changed = true;
  while (changed && parts.size() > 1) {
    changed = false;
    for (std::size_t d = 0; d < dims.size(); ++d) {
      std::map<std::string, std::vector<std::size_t>> buckets;
      for (std::size_t i = 0; i < parts.size(); ++i) {
        std::string key;
        for (std::size_t k = 0; k < dims.size(); ++k)
          if (k != d) key_of(parts[i].b.c[k], key);
        buckets[key].push_back(i);
      }
      std::vector<bool> gone(parts.size(), false);
      for (auto& [key, members] : buckets) {
        if (members.size() < 2) continue;
        if (dims[d].kind == dim_kind::number) {
          std::sort(members.begin(), members.end(), [&](std::size_t x, std::size_t y) {
            return parts[x].b.c[d].iv.lo < parts[y].b.c[d].iv.lo ||
                   (parts[x].b.c[d].iv.lo == parts[y].b.c[d].iv.lo && !parts[x].b.c[d].iv.lo_open &&
                    parts[y].b.c[d].iv.lo_open);
          });
          std::size_t into = members[0];
          for (std::size_t k = 1; k < members.size(); ++k) {
            std::size_t next = members[k];
            span& a = parts[into].b.c[d].iv;
            const span& b = parts[next].b.c[d].iv;
            bool adjacent = dims[d].integral ? a.hi + 1 == b.lo : (a.hi == b.lo && a.hi_open != b.lo_open);
            if (adjacent) {
              a.hi = b.hi;
              a.hi_open = b.hi_open;
              auto& l = parts[into].leaves;
              l.insert(l.end(), parts[next].leaves.begin(), parts[next].leaves.end());
              gone[next] = true;
              changed = true;
            } else {
              into = next;
            }
          }
        } else {
          std::size_t into = *std::min_element(members.begin(), members.end());
          for (std::size_t m : members) {
            if (m == into) continue;
            auto& set = parts[into].b.c[d].set;
            const auto& other = parts[m].b.c[d].set;
            for (std::size_t k = 0; k < set.size(); ++k) set[k] = set[k] || other[k];
            auto& l = parts[into].leaves;
            l.insert(l.end(), parts[m].leaves.begin(), parts[m].leaves.end());
            gone[m] = true;
            changed = true;
          }
        }
      }
      std::vector<region_part> kept;
      kept.reserve(parts.size());
      for (std::size_t i = 0; i < parts.size(); ++i)
        if (!gone[i]) kept.push_back(std::move(parts[i]));
      parts = std::move(kept);
    }
  }
  for (auto& p : parts) std::sort(p.leaves.begin(), p.leaves.end());
  std::sort(parts.begin(), parts.end(),
            [](const region_part& x, const region_part& y) { return x.leaves.front() < y.leaves.front(); });
  return parts;
}

// ---- describing constraints ----------------------------------------------------------------

inline bool full_constraint(const dimension& d, const constraint& c) {
  if (d.kind == dim_kind::number) return c.iv == d.domain;
  for (bool x : c.set)
    if (!x) return false;
  return true;
}

inline std::string join_words(const std::vector<std::string>& xs, const std::string& last = " or ") {
  std::string out;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (i) out += i + 1 == xs.size() ? last : ", ";
    out += xs[i];
  }
  return out;
}

inline std::string date_text(double day) { return dates::format(static_cast<std::int64_t>(day)); }

inline std::string unit_name(opcode u) {
  return u == opcode::s_months_between ? "months" : u == opcode::s_years_between ? "years" : "days";
}

// "25–120", "18", "before 2018-12-10", "from 2021-12-06", "2020-01-13 to 2020-10-25".
inline std::string number_phrase(const dimension& d, const span& iv) {
  bool lo_open_end = iv.lo == d.domain.lo && d.artificial_domain;
  bool hi_open_end = iv.hi == d.domain.hi && d.artificial_domain;
  if (d.relative) {
    std::string u = " " + unit_name(d.unit) + " ";
    std::string pos = d.item_first ? "before " : "after ", neg = d.item_first ? "after " : "before ";
    const std::string& x = d.outer_path;
    double a = iv.lo, b = iv.hi;
    if (iv.point()) return a == 0 ? "0" + u + "from " + x : number_text(std::abs(a)) + u + (a > 0 ? pos : neg) + x;
    if (lo_open_end && hi_open_end) return "any";
    if (a >= 0)
      return hi_open_end ? "≥ " + number_text(a) + u + pos + x : number_text(a) + "–" + number_text(b) + u + pos + x;
    if (b <= 0)
      return lo_open_end ? "≥ " + number_text(-b) + u + neg + x : number_text(-b) + "–" + number_text(-a) + u + neg + x;
    if (lo_open_end) return "no more than " + number_text(b) + u + pos + x + " (or " + neg + "it)";
    if (hi_open_end) return "no more than " + number_text(-a) + u + neg + x + " (or " + pos + "it)";
    return "from " + number_text(-a) + u + neg + "to " + number_text(b) + u + pos + x;
  }
  if (d.type == fact_type::date) {
    if (iv.point()) return "on " + date_text(iv.lo);
    if (lo_open_end && hi_open_end) return "any date";
    if (lo_open_end) return "before " + date_text(iv.hi + 1);
    if (hi_open_end) return "from " + date_text(iv.lo);
    return date_text(iv.lo) + " to " + date_text(iv.hi);
  }
  if (d.integral) {
    if (iv.point()) return number_text(iv.lo);
    if (lo_open_end) return "≤ " + number_text(iv.hi);
    if (hi_open_end) return "≥ " + number_text(iv.lo);
    return number_text(iv.lo) + "–" + number_text(iv.hi);
  }
  if (iv.point()) return number_text(iv.lo);
  std::string lo = (iv.lo_open ? "> " : "≥ ") + number_text(iv.lo);
  std::string hi = (iv.hi_open ? "< " : "≤ ") + number_text(iv.hi);
  if (lo_open_end) return hi;
  if (hi_open_end) return lo;
  return lo + " and " + hi;
}

inline ojson number_json(const dimension& d, const span& iv) {
  ojson j = ojson::object();
  bool lo_end = iv.lo == d.domain.lo && d.artificial_domain;
  bool hi_end = iv.hi == d.domain.hi && d.artificial_domain;
  auto val = [&](double x) -> ojson {
    if (d.type == fact_type::date && !d.relative) return date_text(x);
    if (d.integral) return static_cast<long long>(x);
    return x;
  };
  if (d.relative) {
    j["relative_to"] = d.outer >= 0 ? ojson("case date") : ojson();
    j["unit"] = unit_name(d.unit);
    j["direction"] = d.item_first ? "before" : "after";
  }
  if (!lo_end) j[iv.lo_open ? "gt" : "min"] = val(iv.lo);
  if (!hi_end) j[iv.hi_open ? "lt" : "max"] = val(iv.hi);
  return j;
}

// Enum, string and boolean classes: "possession", "possession or supply", "other than possession".
inline std::string choice_phrase(const dimension& d, const constraint& c) {
  std::vector<std::string> in, out;
  bool other_in = false;
  for (std::size_t k = 0; k < d.choices.size(); ++k) {
    const choice& ch = d.choices[k];
    if (d.type == fact_type::boolean) {
      if (c.set[k]) in.push_back(ch.label);
      continue;
    }
    if (ch.other) {
      other_in = c.set[k];
      if (d.type == fact_type::enumeration) {
        for (const auto& m : ch.members) (c.set[k] ? in : out).push_back(m);
      }
      continue;
    }
    (c.set[k] ? in : out).push_back(ch.label);
  }
  if (d.type == fact_type::string) {
    if (other_in) return out.empty() ? "any" : "other than " + join_words(out, ", ");
    return join_words(in);
  }
  if (d.type == fact_type::enumeration && in.size() > out.size() && !out.empty())
    return "other than " + join_words(out, " or ");
  return join_words(in);
}

inline ojson choice_json(const dimension& d, const constraint& c) {
  if (d.type == fact_type::boolean) {
    std::vector<bool> vals;
    for (std::size_t k = 0; k < d.choices.size(); ++k)
      if (c.set[k]) vals.push_back(d.choices[k].label == "true");
    if (vals.size() == 1) return static_cast<bool>(vals.front());
    return ojson{{"in", vals}};
  }
  ojson in = ojson::array(), out = ojson::array();
  bool other_in = false;
  for (std::size_t k = 0; k < d.choices.size(); ++k) {
    const choice& ch = d.choices[k];
    if (ch.other && d.type == fact_type::string) {
      other_in = c.set[k];
      continue;
    }
    for (const auto& m : ch.members) (c.set[k] ? in : out).push_back(m);
  }
  if (d.type == fact_type::string && other_in) return ojson{{"not_in", out}};
  return ojson{{"in", in}};
}

// Counts: "no", "at least one", "exactly 2", "0 or 2 or more".
inline std::string count_phrase(const dimension& d, const constraint& c) {
  std::vector<int> ks;
  for (std::size_t k = 0; k < c.set.size(); ++k)
    if (c.set[k]) ks.push_back(static_cast<int>(k));
  if (ks.size() == 1 && ks[0] == 0) return "none";
  bool contiguous = true;
  for (std::size_t i = 1; i < ks.size(); ++i) contiguous = contiguous && ks[i] == ks[i - 1] + 1;
  if (contiguous && ks.back() == d.cap) {
    if (ks.front() == 0) return "any number of";
    return ks.front() == 1 ? "at least one" : "at least " + std::to_string(ks.front());
  }
  if (ks.size() == 1) return "exactly " + std::to_string(ks[0]);
  if (contiguous) return std::to_string(ks.front()) + " to " + std::to_string(ks.back());
  std::vector<std::string> words;
  for (int k : ks) words.push_back(d.choices[static_cast<std::size_t>(k)].label);
  return join_words(words);
}

inline ojson count_json(const dimension& d, const constraint& c) {
  std::vector<int> ks;
  for (std::size_t k = 0; k < c.set.size(); ++k)
    if (c.set[k]) ks.push_back(static_cast<int>(k));
  bool contiguous = true;
  for (std::size_t i = 1; i < ks.size(); ++i) contiguous = contiguous && ks[i] == ks[i - 1] + 1;
  ojson j = ojson::object();
  if (contiguous) {
    j["min"] = ks.front();
    if (ks.back() != d.cap) j["max"] = ks.back();
    return j;
  }
  j["in"] = ks;
  if (ks.back() == d.cap) j["or_more_from"] = d.cap;
  return j;
}

// The item classes of a group, merged, as text ("drug cannabis or cannabis_resin") and JSON.
struct item_description {
  std::string text;
  ojson json;
};

inline item_description describe_items(const array_space& a, const item_group& g) {
  std::vector<region_part> parts;
  for (std::size_t c : g.cells) {
    region_part p;
    p.b.c.resize(a.fields.size());
    for (std::size_t f = 0; f < a.fields.size(); ++f) {
      const dimension& fd = a.fields[f];
      constraint& k = p.b.c[f];
      int atom = a.cells[c][f];
      if (fd.kind == dim_kind::number) {
        k.iv = fd.atoms[static_cast<std::size_t>(atom)];
      } else {
        k.set.assign(fd.choices.size(), false);
        k.set[static_cast<std::size_t>(atom)] = true;
      }
    }
    p.leaves.push_back(c);
    parts.push_back(std::move(p));
  }
  parts = merge_boxes(a.fields, std::move(parts));
  item_description out;
  std::vector<std::string> alternatives;
  ojson alts = ojson::array();
  for (const auto& p : parts) {
    std::vector<std::string> words;
    ojson j = ojson::object();
    for (std::size_t f = 0; f < a.fields.size(); ++f) {
      const dimension& fd = a.fields[f];
      if (full_constraint(fd, p.b.c[f])) continue;
      std::string name = a.scalar_items ? std::string("value") : fd.path;
      if (fd.kind == dim_kind::number) {
        words.push_back(name + " " + number_phrase(fd, p.b.c[f].iv));
        j[a.scalar_items ? "value" : fd.path] = number_json(fd, p.b.c[f].iv);
      } else {
        words.push_back(name + " " + choice_phrase(fd, p.b.c[f]));
        j[a.scalar_items ? "value" : fd.path] = choice_json(fd, p.b.c[f]);
      }
    }
    alternatives.push_back(words.empty() ? std::string("any item") : join_words(words, ", "));
    alts.push_back(j);
  }
  if (alternatives.size() == 1) {
    out.text = alternatives.front();
  } else {
    for (std::size_t i = 0; i < alternatives.size(); ++i) out.text += (i ? " or (" : "(") + alternatives[i] + ")";
  }
  out.json = alts.size() == 1 ? alts.front() : ojson{{"any_of", alts}};
  return out;
}

// The whole box, one phrase per constrained fact, in the space's order.
inline std::vector<std::string> describe_box(const space& s, const box& b) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.dims.size(); ++i) {
    const dimension& d = s.dims[i];
    if (d.kind == dim_kind::count || full_constraint(d, b.c[i])) continue;
    if (d.kind == dim_kind::number)
      out.push_back(d.path + " " + number_phrase(d, b.c[i].iv));
    else if (d.type == fact_type::boolean)
      out.push_back(d.path + " " + choice_phrase(d, b.c[i]));
    else
      out.push_back(d.path + " " + choice_phrase(d, b.c[i]));
  }
  for (const auto& a : s.arrays) {
    std::vector<std::string> parts;
    item_group none;  // the groups of which there are none, described together
    bool all_zero = true, any = false;
    for (int di : a.dims) {
      const dimension& d = s.dims[static_cast<std::size_t>(di)];
      const constraint& c = b.c[static_cast<std::size_t>(di)];
      if (full_constraint(d, c)) {
        all_zero = false;
        continue;
      }
      any = true;
      const item_group& g = a.groups[static_cast<std::size_t>(d.group)];
      if (c.set[0] && std::count(c.set.begin(), c.set.end(), true) == 1) {
        none.cells.insert(none.cells.end(), g.cells.begin(), g.cells.end());
        continue;
      }
      all_zero = false;
      parts.push_back(count_phrase(d, c) + " with " + describe_items(a, g).text);
    }
    if (!any) continue;
    bool covers_all = true;
    for (const auto& g : a.groups)
      if (g.dim < 0) covers_all = false;
    if (all_zero && covers_all) {
      out.push_back(a.path + " empty");
      continue;
    }
    if (!none.cells.empty()) {
      std::sort(none.cells.begin(), none.cells.end());
      parts.push_back("none with " + describe_items(a, none).text);
    }
    out.push_back(a.path + ": " + join_words(parts, "; "));
  }
  return out;
}

inline ojson box_json(const space& s, const box& b) {
  ojson j = ojson::object();
  for (std::size_t i = 0; i < s.dims.size(); ++i) {
    const dimension& d = s.dims[i];
    if (d.kind == dim_kind::count || full_constraint(d, b.c[i])) continue;
    j[d.path] = d.kind == dim_kind::number ? number_json(d, b.c[i].iv) : choice_json(d, b.c[i]);
  }
  for (const auto& a : s.arrays) {
    ojson groups = ojson::array();
    item_group none;
    for (int di : a.dims) {
      const dimension& d = s.dims[static_cast<std::size_t>(di)];
      const constraint& c = b.c[static_cast<std::size_t>(di)];
      if (full_constraint(d, c)) continue;
      const item_group& g = a.groups[static_cast<std::size_t>(d.group)];
      if (c.set[0] && std::count(c.set.begin(), c.set.end(), true) == 1) {
        none.cells.insert(none.cells.end(), g.cells.begin(), g.cells.end());
        continue;
      }
      groups.push_back(ojson{{"count", count_json(d, c)}, {"items", describe_items(a, g).json}});
    }
    if (!none.cells.empty()) {
      std::sort(none.cells.begin(), none.cells.end());
      groups.push_back(ojson{{"count", ojson{{"min", 0}, {"max", 0}}}, {"items", describe_items(a, none).json}});
    }
    if (!groups.empty()) j[a.path] = groups;
  }
  return j;
}

}  // namespace divert::detail::analysis
