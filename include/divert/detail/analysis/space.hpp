#pragma once
// The case space that one or two compiled policies can tell apart (DESIGN §9), read from their
// programs: for every fact the rules read, the classes of values that no rule distinguishes.
//
//   numbers, dates   the intervals between the constants the rules compare the fact with
//                    (integers and dates as closed integer intervals; bound as a range
//                    {"min", "max"} so the three-valued evaluator answers for the whole interval)
//   enums            each value a rule names, plus "any other value" (a real member none names)
//   booleans         false, true
//   free strings     each value a rule names, plus "any other string"
//   arrays           the items are classified by the fields the rules read (each split as above);
//                    item classes that every predicate over the array treats alike are grouped,
//                    and an array is described by how many items of each group it has, counted up
//                    to what the predicates can tell apart (1 for some/all/none, k+1 for a count
//                    compared with k, l+1 for a length compared with l)
//   item dates       compared with a date of the case (months_between(history.date,
//                    offence.date) <= 24): classes of the difference, built relative to it
//
// A region ("box") constrains each dimension to a set of its classes; a box's representative
// facts are bound straight into slots, so exploring the space needs no JSON.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "divert/detail/check/schema.hpp"
#include "divert/detail/eval/arena.hpp"
#include "divert/detail/eval/dates.hpp"
#include "divert/detail/eval/decide.hpp"
#include "divert/detail/eval/evaluator.hpp"
#include "divert/detail/eval/strict_eval.hpp"
#include "divert/detail/eval/value.hpp"
#include "divert/detail/plan/policy_compiler.hpp"
#include "divert/error.hpp"

namespace divert::detail::analysis {

using ojson = nlohmann::ordered_json;

// ---- intervals ---------------------------------------------------------------------------

// [lo, hi], either end possibly open (real numbers only; integers and dates are closed).
struct span {
  double lo = 0, hi = 0;
  bool lo_open = false, hi_open = false;

  bool contains(double x) const noexcept { return (lo_open ? x > lo : x >= lo) && (hi_open ? x < hi : x <= hi); }
  bool point() const noexcept { return lo == hi && !lo_open && !hi_open; }
  bool operator==(const span& o) const noexcept {
    return lo == o.lo && hi == o.hi && lo_open == o.lo_open && hi_open == o.hi_open;
  }
  bool operator!=(const span& o) const noexcept { return !(*this == o); }
};

inline std::string number_text(double d) {
  if (d == std::floor(d) && std::abs(d) < 1e15) return std::to_string(static_cast<long long>(d));
  std::string s = ojson(d).dump();
  return s;
}

// ---- what the rules do with each fact ----------------------------------------------------

// One place a program reads (a fact, an item field, a count...).
struct subject {
  enum class what : std::uint8_t { none, fact, field, item, count, length, relative };
  what k = what::none;
  int slot = -1;   // fact: its slot; field, item, count, length, relative: the array's slot
  int field = -1;  // field, relative: the field index in the item
  int outer = -1;  // relative: the slot of the case date it is compared with
  opcode unit = opcode::s_days_between;
  bool item_first = true;   // relative: between(item, outer) rather than between(outer, item)
  std::uint32_t instr = 0;  // count: the counting instruction
};

struct fact_usage {
  std::set<double> cuts_after;       // integers and dates: classes split between k and k+1
  std::set<double> real_points;      // real numbers: constants compared with
  std::vector<std::string> strings;  // enum and string constants, in the order first met
  bool read = false;
  bool non_constant = false;   // compared with something other than a constant
  bool in_difference = false;  // a case date read by a date difference (bound as a point)
  void add_string(const std::string& s) {
    if (std::find(strings.begin(), strings.end(), s) == strings.end()) strings.push_back(s);
  }
};

struct relative_usage {
  int outer = -1;
  opcode unit = opcode::s_days_between;
  bool item_first = true;
  std::set<double> cuts_after;  // on d = between(item, outer) (or between(outer, item))
  bool conflicting = false;     // compared in more than one way
};

struct body_use {
  const program* prog = nullptr;
  std::uint32_t iteration = 0;  // the all/some/none/count/reduce instruction
  std::uint32_t body = 0;
  opcode op = opcode::s_some;
  int array = -1;  // slot
};

struct usage {
  std::map<int, fact_usage> facts;                   // by slot
  std::map<std::pair<int, int>, fact_usage> fields;  // by (array slot, field); field -1: scalar items
  std::map<std::pair<int, int>, relative_usage> relatives;
  std::vector<body_use> bodies;
  std::map<std::pair<const program*, std::uint32_t>, double> count_limits;  // count instr -> largest constant
  std::map<int, double> length_limits;               // array slot -> largest constant its length is compared with
  std::map<int, std::vector<std::string>> contains;  // scalar arrays: needles
  std::set<int> arrays;                              // array slots read
  std::vector<std::string> notes;                    // where the classes are not exact
  void note(const std::string& n) {
    if (std::find(notes.begin(), notes.end(), n) == notes.end()) notes.push_back(n);
  }
};

// Walks the rules of a program (those not set aside) and records what each fact is compared with.
class usage_collector {
 public:
  usage_collector(const policy_impl& p, usage& u) : p_(p), prog_(p.prog), u_(u) {}

  void collect(const std::vector<bool>* skip) {
    for (std::uint32_t i = 0; i < p_.rules.size(); ++i) {
      if (skip && (*skip)[i]) continue;
      if (p_.rules[i].constant) continue;
      std::vector<int> frames;
      visit(p_.rules[i].root, frames);
    }
  }

  void collect_rule(std::uint32_t rule) {
    std::vector<int> frames;
    visit(p_.rules[rule].root, frames);
  }

 private:
  const value& constant_of(std::uint32_t instr) const { return prog_.constants[prog_.code[instr].a]; }
  bool is_constant(std::uint32_t instr) const { return prog_.code[instr].op == opcode::constant; }
  std::string path_of_slot(int slot) const { return p_.schema->slots[static_cast<std::size_t>(slot)]->path; }

  static int array_of(const std::vector<int>& frames, std::uint32_t up) {
    if (frames.size() <= up) return -1;
    return frames[frames.size() - 1 - up];
  }

  subject resolve(std::uint32_t i, const std::vector<int>& frames) {
    const instruction& ins = prog_.code[i];
    subject s;
    s.instr = i;
    switch (ins.op) {
      case opcode::s_fact:
        s.k = subject::what::fact;
        s.slot = static_cast<int>(ins.a);
        return s;
      case opcode::s_field:
        s.slot = array_of(frames, ins.b);
        if (s.slot < 0) return subject{};
        s.k = subject::what::field;
        s.field = static_cast<int>(ins.a);
        return s;
      case opcode::s_item:
        s.slot = array_of(frames, ins.b);
        if (s.slot < 0) return subject{};
        s.k = subject::what::item;
        return s;
      case opcode::s_count:
      case opcode::s_length: {
        const instruction& arr = prog_.code[prog_.kid(ins, 0)];
        if (arr.op != opcode::s_fact) return subject{};
        s.k = ins.op == opcode::s_count ? subject::what::count : subject::what::length;
        s.slot = static_cast<int>(arr.a);
        return s;
      }
      case opcode::s_days_between:
      case opcode::s_months_between:
      case opcode::s_years_between: {
        if (ins.count != 2) return subject{};
        const instruction& x = prog_.code[prog_.kid(ins, 0)];
        const instruction& y = prog_.code[prog_.kid(ins, 1)];
        auto item_field = [&](const instruction& f) { return f.op == opcode::s_field; };
        if (item_field(x) && y.op == opcode::s_fact) {
          s.slot = array_of(frames, x.b);
          s.field = static_cast<int>(x.a);
          s.outer = static_cast<int>(y.a);
          s.item_first = true;
        } else if (x.op == opcode::s_fact && item_field(y)) {
          s.slot = array_of(frames, y.b);
          s.field = static_cast<int>(y.a);
          s.outer = static_cast<int>(x.a);
          s.item_first = false;
        } else {
          return subject{};
        }
        if (s.slot < 0) return subject{};
        s.k = subject::what::relative;
        s.unit = ins.op;
        return s;
      }
      default: return subject{};
    }
  }

  fact_usage* usage_of(const subject& s) {
    switch (s.k) {
      case subject::what::fact: return &u_.facts[s.slot];
      case subject::what::field: return &u_.fields[{s.slot, s.field}];
      case subject::what::item: return &u_.fields[{s.slot, -1}];
      default: return nullptr;
    }
  }

  // Integer classes: `x op c` splits the integers after these values.
  static void integer_cuts(std::uint8_t op, double c, std::set<double>& cuts) {
    switch (op) {
      case cmp_lt: cuts.insert(std::ceil(c) - 1); break;  // x < c  <=>  x <= ceil(c)-1
      case cmp_le: cuts.insert(std::floor(c)); break;     // x <= c
      case cmp_gt: cuts.insert(std::floor(c)); break;     // x > c  <=>  not x <= floor(c)
      case cmp_ge: cuts.insert(std::ceil(c) - 1); break;  // x >= c
      default:                                            // equality
        if (c == std::floor(c)) {
          cuts.insert(c - 1);
          cuts.insert(c);
        }
        break;
    }
  }

  static std::uint8_t mirror(std::uint8_t op) {
    switch (op) {
      case cmp_lt: return cmp_gt;
      case cmp_le: return cmp_ge;
      case cmp_gt: return cmp_lt;
      case cmp_ge: return cmp_le;
      default: return op;
    }
  }

  static constexpr std::uint8_t cmp_eq = 0;

  void record(const subject& s, std::uint8_t op, const value& c) {
    switch (s.k) {
      case subject::what::none: return;
      case subject::what::count: {
        if (c.k != kind::number) return;
        auto key = std::make_pair(&prog_, s.instr);
        double k = std::max(0.0, std::ceil(c.num));
        auto it = u_.count_limits.find(key);
        u_.count_limits[key] = it == u_.count_limits.end() ? k : std::max(it->second, k);
        return;
      }
      case subject::what::length: {
        if (c.k != kind::number) return;
        double k = std::max(0.0, std::ceil(c.num));
        auto it = u_.length_limits.find(s.slot);
        u_.length_limits[s.slot] = it == u_.length_limits.end() ? k : std::max(it->second, k);
        u_.arrays.insert(s.slot);
        return;
      }
      case subject::what::relative: {
        relative_usage& r = u_.relatives[{s.slot, s.field}];
        if (r.outer >= 0 && (r.outer != s.outer || r.unit != s.unit || r.item_first != s.item_first))
          r.conflicting = true;
        if (r.outer < 0) {
          r.outer = s.outer;
          r.unit = s.unit;
          r.item_first = s.item_first;
        }
        if (c.k == kind::number) integer_cuts(op, c.num, r.cuts_after);
        u_.facts[s.outer].read = true;
        u_.facts[s.outer].in_difference = true;
        return;
      }
      default: break;
    }
    fact_usage* f = usage_of(s);
    if (!f) return;
    f->read = true;
    switch (c.k) {
      case kind::number:
      case kind::date: {
        const schema_node* n = node_of(s);
        bool integral = !n || n->type != fact_type::number;
        if (integral)
          integer_cuts(op, c.num, f->cuts_after);
        else
          f->real_points.insert(c.num);
        return;
      }
      case kind::string: f->add_string(std::string(c.sv())); return;
      default: return;
    }
  }

  const schema_node* node_of(const subject& s) const {
    if (s.k == subject::what::fact) return p_.schema->slots[static_cast<std::size_t>(s.slot)];
    const schema_node* arr = p_.schema->slots[static_cast<std::size_t>(s.slot)];
    if (s.k == subject::what::item) return arr->items.get();
    if (s.k == subject::what::field && s.field >= 0 && static_cast<std::size_t>(s.field) < arr->fields.size())
      return arr->fields[static_cast<std::size_t>(s.field)];
    return nullptr;
  }

  void mark_read(const subject& s) {
    if (fact_usage* f = usage_of(s)) f->read = true;
  }

  void non_constant(const subject& s) {
    if (s.k == subject::what::count || s.k == subject::what::length) {
      std::string arr = path_of_slot(s.slot);
      u_.note("a count over " + arr +
              " is compared with something other than a constant: up to 3 items of each kind are considered");
      if (s.k == subject::what::count)
        u_.count_limits[{&prog_, s.instr}] = std::max(u_.count_limits[{&prog_, s.instr}], 2.0);
      if (s.k == subject::what::length) u_.length_limits[s.slot] = std::max(u_.length_limits[s.slot], 2.0);
      return;
    }
    if (s.k == subject::what::relative) {
      u_.note("a date difference over " + path_of_slot(s.slot) +
              " is used in arithmetic: its classes may not be exact");
      return;
    }
    if (fact_usage* f = usage_of(s)) {
      f->read = true;
      f->non_constant = true;
    }
  }

  // Facts read anywhere inside `i`, marked as used in a non-constant way (arithmetic...).
  void taint(std::uint32_t i, const std::vector<int>& frames) {
    subject s = resolve(i, frames);
    if (s.k != subject::what::none) {
      non_constant(s);
      if (s.k == subject::what::relative) return;
    }
    const instruction& ins = prog_.code[i];
    if (ins.op == opcode::s_fact_cmp || ins.op == opcode::s_fact_between || ins.op == opcode::s_fact_eq ||
        ins.op == opcode::s_fact_in_set || ins.op == opcode::s_fact_truthy || ins.op == opcode::s_fact_not) {
      subject f;
      f.k = subject::what::fact;
      f.slot = static_cast<int>(ins.a);
      non_constant(f);
    }
  }

  void compare(const std::vector<std::uint32_t>& kids, std::uint8_t op, const std::vector<int>& frames) {
    std::uint32_t a = kids[0], b = kids[1];
    subject sa = resolve(a, frames), sb = resolve(b, frames);
    if (is_constant(b) && sa.k != subject::what::none) {
      record(sa, op, constant_of(b));
    } else if (is_constant(a) && sb.k != subject::what::none) {
      record(sb, mirror(op), constant_of(a));
    } else if (sa.k == subject::what::field && sb.k == subject::what::fact && is_date(sa) && is_date(sb)) {
      // item date against a case date: the sign of the difference in days
      subject r = sa;
      r.k = subject::what::relative;
      r.outer = sb.slot;
      r.unit = opcode::s_days_between;
      r.item_first = true;
      record(r, cmp_eq, value::number(0));
    } else if (sa.k == subject::what::fact && sb.k == subject::what::field && is_date(sa) && is_date(sb)) {
      subject r = sb;
      r.k = subject::what::relative;
      r.outer = sa.slot;
      r.unit = opcode::s_days_between;
      r.item_first = true;
      record(r, cmp_eq, value::number(0));
    } else {
      taint(a, frames);
      taint(b, frames);
    }
  }

  bool is_date(const subject& s) const {
    const schema_node* n = node_of(s);
    return n && n->type == fact_type::date;
  }

  std::vector<std::uint32_t> kids_of(const instruction& ins) const {
    std::vector<std::uint32_t> out;
    for (std::uint32_t k = 0; k < ins.count; ++k) out.push_back(prog_.kid(ins, k));
    return out;
  }

  void visit(std::uint32_t i, std::vector<int>& frames) {
    const instruction& ins = prog_.code[i];
    std::vector<std::uint32_t> kids = kids_of(ins);
    auto fact = [&](std::uint32_t slot) {
      subject s;
      s.k = subject::what::fact;
      s.slot = static_cast<int>(slot);
      return s;
    };
    auto current_field = [&](std::uint32_t field) {
      subject s;
      s.slot = array_of(frames, 0);
      if (s.slot < 0) return subject{};
      s.k = subject::what::field;
      s.field = static_cast<int>(field);
      return s;
    };
    switch (ins.op) {
      case opcode::s_fact: {
        subject s = fact(ins.a);
        mark_read(s);
        if (p_.schema->slots[ins.a]->type == fact_type::array) u_.arrays.insert(static_cast<int>(ins.a));
        return;
      }
      case opcode::s_field:
      case opcode::s_item: mark_read(resolve(i, frames)); return;
      case opcode::s_fact_truthy:
      case opcode::s_fact_not: mark_read(fact(ins.a)); return;
      case opcode::s_fact_cmp: record(fact(ins.a), ins.flags, prog_.constants[ins.b]); return;
      case opcode::s_fact_between:
        record(fact(ins.a), (ins.flags & lower_inclusive) ? cmp_ge : cmp_gt, prog_.constants[ins.b]);
        record(fact(ins.a), (ins.flags & upper_inclusive) ? cmp_le : cmp_lt, prog_.constants[ins.c]);
        return;
      case opcode::s_fact_eq: {
        subject s = fact(ins.a);
        mark_read(s);
        record(s, cmp_eq, prog_.constants[ins.b]);
        return;
      }
      case opcode::s_fact_in_set: {
        subject s = fact(ins.a);
        mark_read(s);
        const value& list = prog_.constants[ins.b];
        for (std::uint32_t k = 0; k < list.n; ++k) record(s, cmp_eq, list.items[k]);
        return;
      }
      case opcode::s_field_eq: {
        subject s = current_field(ins.a);
        mark_read(s);
        record(s, cmp_eq, prog_.constants[ins.b]);
        return;
      }
      case opcode::s_field_in_set: {
        subject s = current_field(ins.a);
        mark_read(s);
        const value& list = prog_.constants[ins.b];
        for (std::uint32_t k = 0; k < list.n; ++k) record(s, cmp_eq, list.items[k]);
        return;
      }
      case opcode::s_eq:
      case opcode::s_ne: compare(kids, cmp_eq, frames); break;
      case opcode::s_lt: compare(kids, cmp_lt, frames); break;
      case opcode::s_le: compare(kids, cmp_le, frames); break;
      case opcode::s_gt: compare(kids, cmp_gt, frames); break;
      case opcode::s_ge: compare(kids, cmp_ge, frames); break;
      case opcode::s_between: {
        subject x = resolve(kids[1], frames);
        bool lo_c = is_constant(kids[0]), hi_c = is_constant(kids[2]);
        if (x.k != subject::what::none && lo_c && hi_c) {
          record(x, (ins.flags & lower_inclusive) ? cmp_ge : cmp_gt, constant_of(kids[0]));
          record(x, (ins.flags & upper_inclusive) ? cmp_le : cmp_lt, constant_of(kids[2]));
        } else {
          for (auto k : kids) taint(k, frames);
        }
        break;
      }
      case opcode::s_in_set:
      case opcode::s_in_values: {
        subject x = resolve(kids[0], frames);
        const value& list = prog_.constants[ins.b];
        if (x.k != subject::what::none)
          for (std::uint32_t k = 0; k < list.n; ++k) record(x, cmp_eq, list.items[k]);
        else
          taint(kids[0], frames);
        break;
      }
      case opcode::s_contains: {
        const instruction& arr = prog_.code[kids[0]];
        if (arr.op == opcode::s_fact) {
          int slot = static_cast<int>(arr.a);
          u_.arrays.insert(slot);
          const value& needle = prog_.constants[ins.b];
          subject s;
          s.k = subject::what::item;
          s.slot = slot;
          mark_read(s);
          record(s, cmp_eq, needle);
          if (needle.k == kind::string) {
            auto& list = u_.contains[slot];
            std::string n(needle.sv());
            if (std::find(list.begin(), list.end(), n) == list.end()) list.push_back(n);
          }
          return;
        }
        break;
      }
      case opcode::s_all:
      case opcode::s_some:
      case opcode::s_none:
      case opcode::s_count:
      case opcode::s_reduce: {
        const instruction& arr = prog_.code[kids[0]];
        if (arr.op != opcode::s_fact) break;
        int slot = static_cast<int>(arr.a);
        u_.arrays.insert(slot);
        u_.facts[slot].read = true;
        u_.bodies.push_back(body_use{&prog_, i, kids[1], ins.op, slot});
        if (ins.op == opcode::s_reduce) {
          u_.note("\"reduce\" over " + path_of_slot(slot) + ": up to 3 items of each kind are considered");
          for (std::size_t k = 2; k < kids.size(); ++k) visit(kids[k], frames);
        }
        frames.push_back(slot);
        visit(kids[1], frames);
        frames.pop_back();
        return;
      }
      case opcode::s_length: {
        const instruction& arr = prog_.code[kids[0]];
        if (arr.op == opcode::s_fact) {
          u_.arrays.insert(static_cast<int>(arr.a));
          if (!u_.length_limits.count(static_cast<int>(arr.a))) u_.length_limits[static_cast<int>(arr.a)] = 0;
          return;
        }
        break;
      }
      case opcode::s_index: u_.note("a rule reads an item's position: the order of items is not explored"); return;
      case opcode::s_add:
      case opcode::s_sub:
      case opcode::s_mul:
      case opcode::s_div:
      case opcode::s_mod:
      case opcode::s_min:
      case opcode::s_max:
        for (auto k : kids) taint(k, frames);
        break;
      default: break;
    }
    for (auto k : kids) visit(k, frames);
  }

  const policy_impl& p_;
  const program& prog_;
  usage& u_;
};

// ---- dimensions --------------------------------------------------------------------------

// One class of a choice dimension (enum, string, boolean) or of a count.
struct choice {
  std::string label;                 // the value; "other"; "true"/"false"; a count "2 or more"
  std::vector<std::string> members;  // enum values it stands for; strings: the value (empty for other)
  bool other = false;
  ojson json;  // representative as JSON
  value v;     // representative as bound
};

enum class dim_kind : std::uint8_t { number, choice, count };

struct dimension {
  dim_kind kind = dim_kind::number;
  std::string path;                   // "person.age"; item fields: "drug"; counts: the array's path
  const schema_node* node = nullptr;  // the fact, field or array
  int slot = -1;                      // facts: the slot; counts: the array's slot
  int field = -1;                     // item fields: the field index (-1: the item itself)
  fact_type type = fact_type::integer;
  bool integral = true;
  bool artificial_domain = false;  // the schema gives no bounds: do not print them
  span domain{};
  std::vector<span> atoms;      // number: its classes, in order
  std::vector<choice> choices;  // choice, count: its classes
  bool pointwise = false;       // a case date in a date difference: bound as one day
  // relative item dates: classes of d = between(item, outer) (item_first) or between(outer, item)
  bool relative = false;
  int outer = -1;
  std::string outer_path;
  opcode unit = opcode::s_days_between;
  bool item_first = true;
  // counts
  int array = -1, group = -1, cap = 0;

  std::size_t size() const noexcept { return kind == dim_kind::number ? atoms.size() : choices.size(); }
};

// A constraint on one dimension: a span (numbers) or a set of classes (choices, counts).
struct constraint {
  span iv{};
  std::vector<bool> set;
  bool bound = false;  // fixed to one class (or a refined interval) while exploring

  bool operator==(const constraint& o) const { return iv == o.iv && set == o.set; }
  bool operator!=(const constraint& o) const { return !(*this == o); }
};

struct box {
  std::vector<constraint> c;
};

// The classes of an array's items.
struct item_group {
  std::vector<std::size_t> cells;  // the item classes in this group
  int cap = 0;                     // counts told apart: 0..cap (cap: "cap or more"); 0: no rule cares
  int dim = -1;                    // its count dimension, when cap > 0
};

struct array_space {
  int slot = -1;
  std::string path;
  const schema_node* node = nullptr;
  bool scalar_items = false;
  std::vector<dimension> fields;        // the item fields the rules read (relative dates included)
  std::vector<std::vector<int>> cells;  // each item class: a class index per field
  std::vector<item_group> groups;
  std::vector<int> dims;                // the count dimensions, one per group that matters
  std::vector<int> outer;               // case facts the item classes are built relative to
  std::vector<std::size_t> cell_group;  // group of each cell
};

inline constexpr double integer_domain = 1e6;  // integers without schema bounds: [-1e6, 1e6]
inline constexpr double real_domain = 1e9;

inline std::int64_t date_min() { return dates::days_from_civil(1, 1, 1); }
inline std::int64_t date_max() { return dates::days_from_civil(9999, 12, 31); }

// Shifts a day number by whole months, keeping the day of the month (clamped to the month's end).
inline std::int64_t add_months(std::int64_t day, std::int64_t months) {
  dates::ymd d = dates::civil_from_days(day);
  std::int64_t m = static_cast<std::int64_t>(d.year) * 12 + (d.month - 1) + months;
  int year = static_cast<int>(m >= 0 ? m / 12 : -((-m + 11) / 12));
  int month = static_cast<int>(m - static_cast<std::int64_t>(year) * 12) + 1;
  int dd = std::min(d.day, dates::days_in_month(year, month));
  return dates::days_from_civil(year, month, dd);
}

// The whole space: dimensions of the case facts the rules read, then each array's count dimensions.
class space {
 public:
  space() = default;
  space(const space&) = delete;
  space& operator=(const space&) = delete;
  space(space&&) noexcept = default;
  space& operator=(space&&) noexcept = default;

  std::shared_ptr<const schema_model> schema;
  std::vector<dimension> dims;
  std::vector<array_space> arrays;
  std::vector<std::string> notes;  // where the classes are not exact
  std::map<std::string, int> dim_of_path;
  std::size_t n_slots = 0;

  // Builds the space of the given policies (compiled against one schema), each with its rules set aside.
  static space of(const std::vector<const policy_impl*>& policies, const std::vector<const std::vector<bool>*>& skips) {
    usage u;
    for (std::size_t i = 0; i < policies.size(); ++i) {
      usage_collector c(*policies[i], u);
      c.collect(skips[i]);
    }
    space s;
    s.schema = policies.front()->schema;
    s.build(u, policies);
    return s;
  }

  // The space one rule's condition (and the others named) ranges over.
  static space of_rules(const policy_impl& p, const std::vector<std::uint32_t>& rules) {
    usage u;
    usage_collector c(p, u);
    for (auto r : rules) c.collect_rule(r);
    space s;
    s.schema = p.schema;
    s.build(u, {&p});
    return s;
  }

  box full() const {
    box b;
    b.c.resize(dims.size());
    for (std::size_t i = 0; i < dims.size(); ++i) {
      const dimension& d = dims[i];
      if (d.kind == dim_kind::number)
        b.c[i].iv = d.domain;
      else
        b.c[i].set.assign(d.choices.size(), true);
    }
    return b;
  }

  bool is_full(std::size_t i, const constraint& c) const {
    const dimension& d = dims[i];
    if (d.kind == dim_kind::number) return c.iv == d.domain;
    for (bool x : c.set)
      if (!x) return false;
    return true;
  }

  // ---- binding a box's representative facts into slots ----

  // The value a bound number constraint stands for: a point, or the interval as a range.
  value number_value(const dimension& d, const span& iv) const {
    double lo = iv.lo, hi = iv.hi;
    if (d.pointwise) {
      double p = representative(d, iv);
      return d.type == fact_type::date ? value::date(p) : value::number(p);
    }
    if (!d.integral) {
      if (iv.lo_open) lo = next_inside(lo, hi, true);
      if (iv.hi_open) hi = next_inside(lo, hi, false);
    }
    if (lo == hi) return d.type == fact_type::date ? value::date(lo) : value::number(lo);
    if (!value::fits_range(lo) || !value::fits_range(hi)) return value::unknown();
    return value::range(lo, hi);
  }

  // A representative point of a number class, chosen to read well: the top of a class that
  // starts at the bottom of the domain (17 for 0-17), otherwise its lower end; dates in the
  // middle of the month where the class allows it (relative item dates keep their day).
  double representative(const dimension& d, const span& iv) const {
    if (d.integral) {
      double p = (iv.lo == d.domain.lo && iv.hi != d.domain.hi) ? iv.hi : iv.lo;
      if (d.type == fact_type::date) {
        // Prefer a day of the month <= 28 so months can be added without clamping.
        for (double x = p; x >= iv.lo && x <= iv.hi && std::abs(x - p) < 40; x += (p == iv.hi ? -1 : 1)) {
          if (dates::civil_from_days(static_cast<std::int64_t>(x)).day <= 28) return x;
        }
      }
      return p;
    }
    if (iv.point()) return iv.lo;
    double lo = iv.lo, hi = iv.hi;
    if (lo == d.domain.lo && !iv.lo_open && hi != d.domain.hi) {
      double x = std::floor(hi) - (iv.hi_open && std::floor(hi) == hi ? 1 : 0);
      if (x >= lo && iv.contains(x)) return x;
    }
    double x = std::floor(lo) + 1;
    if (iv.contains(x)) return x;
    return (lo + hi) / 2;
  }

  static double next_inside(double lo, double hi, bool from_low) {
    double width = hi - lo;
    double step = std::max(width / 1024, 1e-6);
    double x = from_low ? lo + step : hi - step;
    float f = static_cast<float>(x);
    return static_cast<double>(f);
  }

  // Fills `slots` with the box's bound facts (unknown elsewhere); arrays are built in `mem`.
  void bind(const box& b, std::vector<value>& slots, arena& mem) const {
    mem.reset();
    slots.assign(n_slots, value::unknown());
    for (std::size_t i = 0; i < dims.size(); ++i) {
      const dimension& d = dims[i];
      if (d.kind == dim_kind::count || !b.c[i].bound) continue;
      if (d.kind == dim_kind::number)
        slots[static_cast<std::size_t>(d.slot)] = number_value(d, b.c[i].iv);
      else
        slots[static_cast<std::size_t>(d.slot)] = d.choices[first_of(b.c[i].set)].v;
    }
    for (const auto& a : arrays) {
      if (!array_bound(a, b)) continue;
      slots[static_cast<std::size_t>(a.slot)] = build_array(a, b, slots, mem);
    }
  }

  bool array_bound(const array_space& a, const box& b) const {
    if (a.dims.empty()) return false;
    for (int d : a.dims)
      if (!b.c[static_cast<std::size_t>(d)].bound) return false;
    return true;
  }

  static std::size_t first_of(const std::vector<bool>& set) {
    for (std::size_t i = 0; i < set.size(); ++i)
      if (set[i]) return i;
    return 0;
  }

  // The item of a cell, as bound values, with relative dates computed from the case's slots.
  value item_value(const array_space& a, std::size_t cell, const std::vector<value>& slots, arena& mem) const {
    if (a.scalar_items) {
      const dimension& f = a.fields.front();
      return f.choices.empty() ? value::unknown() : f.choices[static_cast<std::size_t>(a.cells[cell][0])].v;
    }
    const auto& fields = a.node->fields;
    member* ms = mem.allocate_array<member>(fields.size());
    for (std::size_t k = 0; k < fields.size(); ++k)
      ms[k] = member{fields[k]->path.c_str(), static_cast<std::uint32_t>(fields[k]->path.size()), no_symbol,
                     value::unknown()};
    for (std::size_t f = 0; f < a.fields.size(); ++f) {
      const dimension& fd = a.fields[f];
      int atom = a.cells[cell][f];
      value v;
      if (fd.relative) {
        const value& o = slots[static_cast<std::size_t>(fd.outer)];
        if (o.k != kind::date) continue;
        double dd = representative(fd, fd.atoms[static_cast<std::size_t>(atom)]);
        v = value::date(
            static_cast<double>(relative_date(fd, static_cast<std::int64_t>(o.num), static_cast<std::int64_t>(dd))));
      } else if (fd.kind == dim_kind::number) {
        v = number_value(fd, fd.atoms[static_cast<std::size_t>(atom)]);
        if (fd.type == fact_type::date && v.k == kind::range)
          v = value::date(representative(fd, fd.atoms[static_cast<std::size_t>(atom)]));
      } else {
        v = fd.choices[static_cast<std::size_t>(atom)].v;
      }
      ms[static_cast<std::size_t>(fd.field)].v = v;
    }
    return value::object(ms, static_cast<std::uint32_t>(fields.size()));
  }

  // The item date whose difference with the case date `outer` is `d`.
  static std::int64_t relative_date(const dimension& fd, std::int64_t outer, std::int64_t d) {
    // item_first: d = between(item, outer) = outer - item; otherwise d = between(outer, item) = item - outer.
    std::int64_t sign = fd.item_first ? -1 : 1;
    switch (fd.unit) {
      case opcode::s_months_between: return add_months(outer, sign * d);
      case opcode::s_years_between: return add_months(outer, sign * d * 12);
      default: return outer + sign * d;
    }
  }

  // The difference an item date has with the case date, as the rules compute it.
  static std::optional<std::int64_t> relative_of(const dimension& fd, std::int64_t outer, std::int64_t item) {
    std::int64_t a = fd.item_first ? item : outer, b = fd.item_first ? outer : item;
    switch (fd.unit) {
      case opcode::s_months_between: return dates::months_between(a, b);
      case opcode::s_years_between: return dates::years_between(a, b);
      default: return b - a;
    }
  }

  value build_array(const array_space& a, const box& b, const std::vector<value>& slots, arena& mem) const {
    std::size_t n = 0;
    for (const auto& g : a.groups)
      if (g.dim >= 0) n += first_of(b.c[static_cast<std::size_t>(g.dim)].set);
    value* items = mem.allocate_array<value>(n);
    std::size_t at = 0;
    for (const auto& g : a.groups) {
      if (g.dim < 0) continue;
      std::size_t count = first_of(b.c[static_cast<std::size_t>(g.dim)].set);
      for (std::size_t k = 0; k < count; ++k) items[at++] = item_value(a, g.cells.front(), slots, mem);
    }
    return value::array(items, static_cast<std::uint32_t>(n));
  }

  // ---- witnesses: a concrete case inside a box ----

  ojson witness(const box& b) const {
    ojson doc = ojson::object();
    std::map<int, double> dates_chosen;
    for (std::size_t i = 0; i < dims.size(); ++i) {
      const dimension& d = dims[i];
      if (d.kind == dim_kind::count) continue;
      ojson v;
      if (d.kind == dim_kind::number) {
        // An unconstrained number takes its last class (adults, recent dates), which reads best.
        span iv = b.c[i].iv;
        if (!b.c[i].bound && iv == d.domain && !d.atoms.empty()) iv = d.atoms.back();
        double p = representative(d, iv);
        if (d.type == fact_type::date) {
          v = dates::format(static_cast<std::int64_t>(p));
          dates_chosen[d.slot] = p;
        } else {
          v = d.integral ? ojson(static_cast<long long>(p)) : ojson(p);
        }
      } else {
        v = d.choices[first_of(b.c[i].set)].json;
      }
      set_path(doc, d.path, v);
    }
    for (const auto& a : arrays) {
      ojson items = ojson::array();
      for (const auto& g : a.groups) {
        if (g.dim < 0) continue;
        std::size_t count = first_of(b.c[static_cast<std::size_t>(g.dim)].set);
        for (std::size_t k = 0; k < count; ++k) items.push_back(item_json(a, g.cells.front(), dates_chosen));
      }
      set_path(doc, a.path, items);
    }
    return doc;
  }

  ojson item_json(const array_space& a, std::size_t cell, const std::map<int, double>& outer_dates) const {
    if (a.scalar_items) return a.fields.front().choices[static_cast<std::size_t>(a.cells[cell][0])].json;
    ojson item = ojson::object();
    for (std::size_t f = 0; f < a.fields.size(); ++f) {
      const dimension& fd = a.fields[f];
      int atom = a.cells[cell][f];
      ojson v;
      if (fd.relative) {
        auto it = outer_dates.find(fd.outer);
        if (it == outer_dates.end()) continue;
        double dd = representative(fd, fd.atoms[static_cast<std::size_t>(atom)]);
        v = dates::format(relative_date(fd, static_cast<std::int64_t>(it->second), static_cast<std::int64_t>(dd)));
      } else if (fd.kind == dim_kind::number) {
        double p = representative(fd, fd.atoms[static_cast<std::size_t>(atom)]);
        v = fd.type == fact_type::date ? ojson(dates::format(static_cast<std::int64_t>(p)))
            : fd.integral              ? ojson(static_cast<long long>(p))
                                       : ojson(p);
      } else {
        v = fd.choices[static_cast<std::size_t>(atom)].json;
      }
      set_path(item, fd.path, v);
    }
    return item;
  }

  static void set_path(ojson& doc, const std::string& path, ojson v) {
    ojson* at = &doc;
    std::size_t start = 0;
    for (;;) {
      std::size_t dot = path.find('.', start);
      std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (dot == std::string::npos) {
        (*at)[key] = std::move(v);
        return;
      }
      at = &(*at)[key];
      start = dot + 1;
    }
  }

  // ---- where a bound case lies ----

  // A case's class in each dimension: -1 where a fact the dimension needs is not known exactly.
  struct coordinates {
    std::vector<double> number, number_hi;  // number dims: the value, or a range's ends (NaN: not known)
    std::vector<int> index;                 // choice and count dims: the class (-1: not known)
  };

  coordinates locate(const value* slots) const {
    coordinates out;
    out.number.assign(dims.size(), std::nan(""));
    out.number_hi.assign(dims.size(), std::nan(""));
    out.index.assign(dims.size(), -1);
    for (std::size_t i = 0; i < dims.size(); ++i) {
      const dimension& d = dims[i];
      if (d.kind == dim_kind::count) continue;
      const value& v = slots[d.slot];
      if (d.kind == dim_kind::number) {
        if (v.k == kind::number || v.k == kind::date) out.number[i] = out.number_hi[i] = v.num;
        if (v.k == kind::range) {
          out.number[i] = v.bounds[0];
          out.number_hi[i] = v.bounds[1];
        }
      } else {
        out.index[i] = choice_index(d, v);
      }
    }
    for (const auto& a : arrays) {
      const value& arr = slots[a.slot];
      if (arr.k != kind::array) continue;
      std::vector<std::size_t> counts(a.groups.size(), 0);
      bool known = true;
      for (std::uint32_t k = 0; k < arr.n && known; ++k) {
        int group = group_of(a, arr.items[k], slots);
        if (group < 0) {
          known = false;
          break;
        }
        ++counts[static_cast<std::size_t>(group)];
      }
      if (!known) continue;
      for (std::size_t g = 0; g < a.groups.size(); ++g) {
        const item_group& grp = a.groups[g];
        if (grp.dim < 0) continue;
        out.index[static_cast<std::size_t>(grp.dim)] =
            static_cast<int>(std::min<std::size_t>(counts[g], static_cast<std::size_t>(grp.cap)));
      }
    }
    return out;
  }

  int choice_index(const dimension& d, const value& v) const {
    if (d.type == fact_type::boolean) {
      if (v.k != kind::boolean) return -1;
      for (std::size_t c = 0; c < d.choices.size(); ++c)
        if (d.choices[c].label == (v.b ? "true" : "false")) return static_cast<int>(c);
      return -1;
    }
    if (v.k != kind::string) return -1;
    std::string s(v.sv());
    int other = -1;
    for (std::size_t c = 0; c < d.choices.size(); ++c) {
      const choice& ch = d.choices[c];
      if (ch.other) other = static_cast<int>(c);
      if (std::find(ch.members.begin(), ch.members.end(), s) != ch.members.end()) return static_cast<int>(c);
    }
    return d.type == fact_type::string ? other : -1;
  }

  // The group of an item: the group of every item class its known fields allow (an unknown
  // field that no predicate needs here, like the scheme of a caution, does not matter), or -1.
  int group_of(const array_space& a, const value& item, const value* slots) const {
    std::vector<int> atoms(a.fields.size(), -1);
    for (std::size_t f = 0; f < a.fields.size(); ++f) {
      const dimension& fd = a.fields[f];
      value v;
      if (a.scalar_items) {
        v = item;
      } else {
        if (item.k != kind::object || fd.field < 0 || static_cast<std::uint32_t>(fd.field) >= item.n) return -1;
        v = item.members[fd.field].v;
      }
      if (fd.relative) {
        const value& o = slots[fd.outer];
        if (v.k == kind::date && o.k == kind::date) {
          auto d = relative_of(fd, static_cast<std::int64_t>(o.num), static_cast<std::int64_t>(v.num));
          if (d) atoms[f] = atom_of(fd, static_cast<double>(*d));
        }
      } else if (fd.kind == dim_kind::number) {
        if (v.k == kind::number || v.k == kind::date) atoms[f] = atom_of(fd, v.num);
      } else {
        atoms[f] = choice_index(fd, v);
      }
    }
    int group = -1;
    for (std::size_t c = 0; c < a.cells.size(); ++c) {
      bool fits = true;
      for (std::size_t f = 0; f < atoms.size() && fits; ++f) fits = atoms[f] < 0 || a.cells[c][f] == atoms[f];
      if (!fits) continue;
      int g = static_cast<int>(a.cell_group[c]);
      if (group >= 0 && g != group) return -1;
      group = g;
    }
    return group;
  }

  static int atom_of(const dimension& d, double x) {
    for (std::size_t i = 0; i < d.atoms.size(); ++i)
      if (d.atoms[i].contains(x)) return static_cast<int>(i);
    return -1;
  }

  bool contains(const box& b, const coordinates& at) const {
    for (std::size_t i = 0; i < dims.size(); ++i) {
      if (is_full(i, b.c[i])) continue;
      const dimension& d = dims[i];
      if (d.kind == dim_kind::number) {
        // A range (an age band) lies in the box only when all of it does.
        if (std::isnan(at.number[i]) || !b.c[i].iv.contains(at.number[i]) || !b.c[i].iv.contains(at.number_hi[i]))
          return false;
      } else {
        int k = at.index[i];
        if (k < 0 || !b.c[i].set[static_cast<std::size_t>(k)]) return false;
      }
    }
    return true;
  }

 private:
  // ---- building ----

  void build(usage& u, const std::vector<const policy_impl*>& policies) {
    n_slots = schema->slots.size();
    notes = u.notes;
    for (std::size_t slot = 0; slot < schema->slots.size(); ++slot) {
      const schema_node* n = schema->slots[slot];
      if (n->type == fact_type::array) continue;
      auto it = u.facts.find(static_cast<int>(slot));
      if (it == u.facts.end() || !it->second.read) continue;
      dimension d = scalar_dimension(*n, it->second);
      d.slot = static_cast<int>(slot);
      dim_of_path[d.path] = static_cast<int>(dims.size());
      dims.push_back(std::move(d));
    }
    for (std::size_t slot = 0; slot < schema->slots.size(); ++slot) {
      const schema_node* n = schema->slots[slot];
      if (n->type != fact_type::array || !u.arrays.count(static_cast<int>(slot))) continue;
      build_array_space(static_cast<int>(slot), *n, u, policies);
    }
  }

  dimension scalar_dimension(const schema_node& n, const fact_usage& f) {
    dimension d;
    d.path = n.path;
    d.node = &n;
    d.type = n.type;
    switch (n.type) {
      case fact_type::integer:
      case fact_type::date: {
        d.kind = dim_kind::number;
        d.integral = true;
        if (n.type == fact_type::date) {
          d.domain = span{static_cast<double>(date_min()), static_cast<double>(date_max()), false, false};
          d.artificial_domain = true;
          d.pointwise = f.in_difference;
        } else {
          d.domain = span{n.minimum ? std::ceil(*n.minimum) : -integer_domain,
                          n.maximum ? std::floor(*n.maximum) : integer_domain, false, false};
          d.artificial_domain = !n.minimum || !n.maximum;
        }
        d.atoms = integer_atoms(d.domain, f.cuts_after);
        if (f.non_constant && n.type == fact_type::date) d.pointwise = d.pointwise || false;
        return d;
      }
      case fact_type::number: {
        d.kind = dim_kind::number;
        d.integral = false;
        d.domain = span{n.minimum ? *n.minimum : -real_domain, n.maximum ? *n.maximum : real_domain, false, false};
        d.artificial_domain = !n.minimum || !n.maximum;
        d.atoms = real_atoms(d.domain, f.real_points);
        return d;
      }
      case fact_type::boolean: {
        d.kind = dim_kind::choice;
        for (bool b : {false, true}) {
          choice c;
          c.label = b ? "true" : "false";
          c.json = b;
          c.v = value::boolean(b);
          d.choices.push_back(std::move(c));
        }
        return d;
      }
      case fact_type::enumeration: {
        d.kind = dim_kind::choice;
        std::vector<std::string> named;
        if (f.non_constant) {
          named = n.enum_values;
        } else {
          for (const auto& e : n.enum_values)
            if (std::find(f.strings.begin(), f.strings.end(), e) != f.strings.end()) named.push_back(e);
        }
        for (const auto& e : named) d.choices.push_back(string_choice(e, {e}, false));
        std::vector<std::string> rest;
        for (const auto& e : n.enum_values)
          if (std::find(named.begin(), named.end(), e) == named.end()) rest.push_back(e);
        if (!rest.empty()) d.choices.push_back(string_choice(rest.front(), rest, true));
        return d;
      }
      case fact_type::string: {
        d.kind = dim_kind::choice;
        std::vector<std::string> named = f.strings;
        std::sort(named.begin(), named.end());
        for (const auto& e : named) d.choices.push_back(string_choice(e, {e}, false));
        std::string other = "other";
        for (int k = 2; std::find(named.begin(), named.end(), other) != named.end(); ++k)
          other = "other_" + std::to_string(k);
        d.choices.push_back(string_choice(other, {}, true));
        if (f.non_constant)
          add_note(n.path +
                   " is compared with another fact: values other than those the rules name are represented by one");
        return d;
      }
      default: return d;
    }
  }

  void add_note(const std::string& s) {
    if (std::find(notes.begin(), notes.end(), s) == notes.end()) notes.push_back(s);
  }

  choice string_choice(const std::string& rep, std::vector<std::string> members, bool other) {
    choice c;
    c.label = other ? "other" : rep;
    c.members = std::move(members);
    c.other = other;
    c.json = rep;
    std::uint16_t id = schema->symbols.find(rep);
    if (id != no_symbol) {
      c.v = schema->symbols.string_value(id);
    } else {
      c.v = value::string(strings_.copy_string(rep), static_cast<std::uint32_t>(rep.size()));
    }
    return c;
  }

  static std::vector<span> integer_atoms(const span& domain, const std::set<double>& cuts) {
    std::vector<span> out;
    double lo = domain.lo;
    for (double c : cuts) {
      if (c < domain.lo || c >= domain.hi) continue;
      out.push_back(span{lo, c, false, false});
      lo = c + 1;
    }
    out.push_back(span{lo, domain.hi, false, false});
    return out;
  }

  static std::vector<span> real_atoms(const span& domain, const std::set<double>& points) {
    std::vector<span> out;
    double lo = domain.lo;
    bool lo_open = false;
    for (double c : points) {
      if (c < domain.lo || c > domain.hi) continue;
      if (c > lo || (c == lo && lo_open)) out.push_back(span{lo, c, lo_open, true});
      if (!(c == lo && lo_open)) out.push_back(span{c, c, false, false});
      lo = c;
      lo_open = true;
    }
    if (lo < domain.hi || !lo_open) out.push_back(span{lo, domain.hi, lo_open, false});
    return out;
  }

  void build_array_space(int slot, const schema_node& n, usage& u, const std::vector<const policy_impl*>& policies) {
    array_space a;
    a.slot = slot;
    a.path = n.path;
    a.node = &n;
    a.scalar_items = n.items && n.items->type != fact_type::object;
    // The item fields read, as dimensions.
    if (a.scalar_items) {
      auto it = u.fields.find({slot, -1});
      fact_usage f = it == u.fields.end() ? fact_usage{} : it->second;
      dimension d = scalar_dimension(*n.items, f);
      d.path = "";
      d.field = -1;
      a.fields.push_back(std::move(d));
    } else {
      for (std::size_t k = 0; k < n.fields.size(); ++k) {
        const schema_node* fn = n.fields[k];
        auto rel = u.relatives.find({slot, static_cast<int>(k)});
        auto it = u.fields.find({slot, static_cast<int>(k)});
        bool read = (it != u.fields.end() && it->second.read) || rel != u.relatives.end();
        if (!read) continue;
        dimension d;
        if (rel != u.relatives.end()) {
          const relative_usage& r = rel->second;
          d.kind = dim_kind::number;
          d.path = fn->path;
          d.node = fn;
          d.type = fact_type::integer;
          d.integral = true;
          d.relative = true;
          d.outer = r.outer;
          d.outer_path = schema->slots[static_cast<std::size_t>(r.outer)]->path;
          d.unit = r.unit;
          d.item_first = r.item_first;
          d.domain = span{-integer_domain, integer_domain, false, false};
          d.artificial_domain = true;
          d.atoms = integer_atoms(d.domain, r.cuts_after);
          if (r.conflicting || (it != u.fields.end() && (!it->second.cuts_after.empty())))
            add_note(n.path + "[]." + fn->path + " is compared in more than one way: its classes may not be exact");
          if (std::find(a.outer.begin(), a.outer.end(), r.outer) == a.outer.end()) a.outer.push_back(r.outer);
        } else {
          d = scalar_dimension(*fn, it->second);
        }
        d.field = static_cast<int>(k);
        a.fields.push_back(std::move(d));
      }
    }
    // Item classes: the product of the fields' classes.
    std::size_t product = 1;
    for (const auto& f : a.fields) {
      product *= std::max<std::size_t>(1, f.size());
      if (product > 100000)
        throw divert::error("analysis-limit",
                            "the items of " + n.path + " have too many kinds to explore (over 100,000)");
    }
    std::vector<int> cell(a.fields.size(), 0);
    for (std::size_t c = 0; c < product; ++c) {
      a.cells.push_back(cell);
      for (std::size_t f = 0; f < cell.size(); ++f) {
        if (++cell[f] < static_cast<int>(a.fields[f].size())) break;
        cell[f] = 0;
      }
    }
    // What each predicate over the array says of each class of item.
    std::vector<const body_use*> bodies;
    for (const auto& b : u.bodies)
      if (b.array == slot) bodies.push_back(&b);
    std::vector<value> slots(schema->slots.size(), value::unknown());
    std::int64_t reference = dates::days_from_civil(2022, 6, 15);
    for (int o : a.outer) slots[static_cast<std::size_t>(o)] = value::date(static_cast<double>(reference));
    arena mem(4096);
    std::map<std::vector<int>, std::size_t> by_signature;
    std::vector<std::vector<int>> signatures;
    const auto& needles = u.contains[slot];
    for (std::size_t c = 0; c < a.cells.size(); ++c) {
      value item = item_value(a, c, slots, mem);
      std::vector<int> sig;
      bool context = false;
      for (const body_use* b : bodies) {
        arena scratch(0);
        null_tracer t;
        machine<null_tracer> m(*b->prog, slots.data(), scratch, t);
        scope root;
        scope inner;
        inner.parent = &root;
        inner.data = item;
        inner.is_iteration = true;
        value r = m.eval(b->body, inner);
        int o = r.k == kind::boolean ? (r.b ? 1 : 0) : 2;
        if (o == 2) context = true;
        sig.push_back(o);
      }
      if (a.scalar_items) {
        const choice& ch = a.fields.front().choices.empty()
                               ? choice{}
                               : a.fields.front().choices[static_cast<std::size_t>(a.cells[c][0])];
        for (const auto& nd : needles)
          sig.push_back(std::find(ch.members.begin(), ch.members.end(), nd) != ch.members.end() ? 1 : 0);
      }
      if (context) {
        // A predicate that also reads other facts of the case: keep this class of item apart.
        sig.push_back(3);
        sig.push_back(static_cast<int>(c));
      }
      auto it = by_signature.find(sig);
      if (it == by_signature.end()) {
        by_signature[sig] = a.groups.size();
        a.groups.push_back(item_group{{c}, 0, -1});
        signatures.push_back(sig);
      } else {
        a.groups[it->second].cells.push_back(c);
      }
    }
    // How many items of each group the predicates can tell apart.
    int length_cap = u.length_limits.count(slot) ? static_cast<int>(u.length_limits[slot]) + 1 : 0;
    for (std::size_t g = 0; g < a.groups.size(); ++g) {
      int cap = length_cap;
      for (std::size_t j = 0; j < bodies.size(); ++j) {
        int o = signatures[g][j];
        const body_use& b = *bodies[j];
        switch (b.op) {
          case opcode::s_some:
          case opcode::s_none:
            if (o != 0) cap = std::max(cap, 1);
            break;
          case opcode::s_all: cap = std::max(cap, 1); break;
          case opcode::s_count: {
            auto it = u.count_limits.find({b.prog, b.iteration});
            int k = it == u.count_limits.end() ? 2 : static_cast<int>(it->second);
            if (it == u.count_limits.end())
              add_note("a count over " + n.path +
                       " is not compared with a constant: up to 3 items of each kind are considered");
            if (o != 0) cap = std::max(cap, k + 1);
            break;
          }
          default: cap = std::max(cap, 3); break;  // reduce
        }
      }
      if (a.scalar_items)
        for (std::size_t j = bodies.size(); j < bodies.size() + needles.size(); ++j)
          if (signatures[g][j] == 1) cap = std::max(cap, 1);
      a.groups[g].cap = cap;
    }
    a.cell_group.assign(a.cells.size(), 0);
    for (std::size_t g = 0; g < a.groups.size(); ++g)
      for (auto c : a.groups[g].cells) a.cell_group[c] = g;
    int index = static_cast<int>(arrays.size());
    for (std::size_t g = 0; g < a.groups.size(); ++g) {
      if (a.groups[g].cap <= 0) continue;
      dimension d;
      d.kind = dim_kind::count;
      d.path = n.path;
      d.node = &n;
      d.slot = slot;
      d.array = index;
      d.group = static_cast<int>(g);
      d.cap = a.groups[g].cap;
      for (int k = 0; k <= d.cap; ++k) {
        choice c;
        c.label = k == d.cap && k > 0 ? std::to_string(k) + " or more" : std::to_string(k);
        c.json = k;
        d.choices.push_back(std::move(c));
      }
      a.groups[g].dim = static_cast<int>(dims.size());
      a.dims.push_back(static_cast<int>(dims.size()));
      dims.push_back(std::move(d));
    }
    (void)policies;
    if (a.dims.empty() && !a.groups.empty()) {
      // Read, but no predicate can be true of any item: the items do not matter; bound empty.
      dimension d;
      d.kind = dim_kind::count;
      d.path = n.path;
      d.node = &n;
      d.slot = slot;
      d.array = index;
      d.group = 0;
      d.cap = 0;
      choice c;
      c.label = "any number";
      c.json = 0;
      d.choices.push_back(std::move(c));
      a.groups[0].dim = static_cast<int>(dims.size());
      a.dims.push_back(static_cast<int>(dims.size()));
      dims.push_back(std::move(d));
    }
    arrays.push_back(std::move(a));
  }

  arena strings_{1024};
};

}  // namespace divert::detail::analysis
