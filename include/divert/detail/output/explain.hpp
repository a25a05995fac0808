#pragma once
// Explaining a decision: re-runs the rules that matter with a tracer that records every value,
// then builds the reasons' messages (from the rule's explain template, or from the deciding
// comparison: "person.age is 30; required at most 24"), the exact set of missing facts (the
// unknown facts that feed an unknown rule in a stage that is still open), and the trace.
// This is the only part of deciding that allocates; policy::decide does not call it.

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <memory_resource>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "divert/decision.hpp"
#include "divert/detail/eval/decide.hpp"

namespace divert::detail {

// One evaluation of one instruction, with the evaluations it made. A trace's memory comes from
// its explainer's monotonic resource (a buffer on the stack first): tracing a rule allocates
// nothing from the heap for most rules, and a trace lives no longer than its explainer.
struct trace_node {
  using allocator_type = std::pmr::polymorphic_allocator<std::byte>;

  std::uint32_t at = 0;
  value v;
  std::pmr::vector<std::uint32_t> indexes;     // item index of each enclosing iteration, outermost first
  std::pmr::vector<std::uint32_t> iterations;  // the iterating instruction of each, outermost first
  std::pmr::vector<trace_node> kids;

  trace_node() = default;
  explicit trace_node(const allocator_type& a) : indexes(a), iterations(a), kids(a) {}
  trace_node(const trace_node&) = default;
  trace_node(trace_node&&) = default;
  trace_node(const trace_node& o, const allocator_type& a)
      : at(o.at), v(o.v), indexes(o.indexes, a), iterations(o.iterations, a), kids(o.kids, a) {}
  trace_node(trace_node&& o, const allocator_type& a)
      : at(o.at),
        v(o.v),
        indexes(std::move(o.indexes), a),
        iterations(std::move(o.iterations), a),
        kids(std::move(o.kids), a) {}
  trace_node& operator=(const trace_node&) = default;
  trace_node& operator=(trace_node&&) = default;
};

class tree_tracer {
 public:
  static constexpr bool enabled = true;
  tree_tracer(const program& p, std::pmr::memory_resource* memory)
      : p_(p), root_(trace_node::allocator_type(memory)), stack_(memory), active_(memory) {
    stack_.reserve(16);
  }

  void on_enter(std::uint32_t i, const scope& s) {
    trace_node* parent = stack_.empty() ? &root_ : stack_.back();
    parent->kids.emplace_back();  // with the parent's memory resource (uses-allocator construction)
    trace_node& n = parent->kids.back();
    n.at = i;
    n.kids.reserve(p_.code[i].count);  // one allocation for the kids it evaluates (most evaluate them all)
    for (const scope* x = &s; x; x = x->parent)
      if (x->is_iteration) n.indexes.push_back(static_cast<std::uint32_t>(x->index));
    std::reverse(n.indexes.begin(), n.indexes.end());
    n.iterations.assign(active_.begin(),
                        active_.begin() + static_cast<std::ptrdiff_t>(std::min(active_.size(), n.indexes.size())));
    stack_.push_back(&n);
    if (is_iteration(p_.code[i].op)) active_.push_back(i);
  }
  void on_value(std::uint32_t i, const value& v, const scope&) {
    stack_.back()->v = v;
    stack_.pop_back();
    if (is_iteration(p_.code[i].op)) active_.pop_back();
  }

  trace_node take() {
    trace_node r = std::move(root_.kids.front());
    root_.kids.clear();
    return r;
  }

  static bool is_iteration(opcode op) {
    return op == opcode::s_all || op == opcode::s_some || op == opcode::s_none || op == opcode::s_count ||
           op == opcode::s_reduce;
  }

 private:
  const program& p_;
  trace_node root_;
  std::pmr::vector<trace_node*> stack_;
  std::pmr::vector<std::uint32_t> active_;
};

class explainer {
 public:
  explainer(const policy_impl& p, const value* slots) : p_(p), slots_(slots) {}

  // A false `and` rule's message from its first false conjunct alone, without tracing the rule,
  // where that conjunct reads one fact (message_of_false_and). Turned off only by the test that
  // holds both ways to the same records.
  bool untraced_conjuncts = true;

  // The trace of one rule, in this explainer's memory: it must not outlive the explainer.
  trace_node trace_rule(std::uint32_t rule) {
    arena scratch(0);
    tree_tracer t(p_.prog, &memory_);
    machine<tree_tracer> m(p_.prog, slots_, scratch, t);
    scope root;
    m.eval_s(p_.rules[rule].root, root);
    return t.take();
  }

  // ---- rendering values ----

  static void append_number_text(std::string& out, double d) {
    if (std::abs(d) < 1e15 && d == static_cast<double>(static_cast<long long>(d))) {  // range first: no UB cast
      char buf[24];  // to_chars, not fmt: a whole number is most of what messages show, and cheap
      out.append(buf,
                 static_cast<std::size_t>(std::to_chars(buf, buf + sizeof buf, static_cast<long long>(d)).ptr - buf));
    } else
      fmt::format_to(std::back_inserter(out), "{}", d);
  }
  static std::string number_text(double d) {
    std::string out;
    append_number_text(out, d);
    return out;
  }

  static void append_value_text(std::string& out, const value& v) {
    switch (v.k) {
      case kind::unknown:
      case kind::undefined: out += "not known"; return;
      case kind::null: out += "null"; return;
      case kind::boolean: out += v.b ? "true" : "false"; return;
      case kind::number: append_number_text(out, v.num); return;
      case kind::date: out += dates::format(static_cast<std::int64_t>(v.num)); return;
      case kind::range:
        out += "between ";
        append_number_text(out, v.bounds[0]);
        out += " and ";
        append_number_text(out, v.bounds[1]);
        return;
      case kind::string: out += v.sv(); return;
      case kind::array:
        out += '[';
        for (std::uint32_t i = 0; i < v.n; ++i) {
          if (i) out += ", ";
          append_value_text(out, v.items[i]);
        }
        out += ']';
        return;
      case kind::object: out += "{...}"; return;
    }
    out += '?';
  }
  static std::string value_text(const value& v) {
    std::string out;
    append_value_text(out, v);
    return out;
  }

  static nlohmann::ordered_json value_json(const value& v) {
    switch (v.k) {
      case kind::date: return dates::format(static_cast<std::int64_t>(v.num));
      case kind::range: return nlohmann::ordered_json{{"min", v.bounds[0]}, {"max", v.bounds[1]}};
      case kind::unknown: return nullptr;
      case kind::array: {
        nlohmann::ordered_json a = nlohmann::ordered_json::array();
        for (std::uint32_t i = 0; i < v.n; ++i) a.push_back(value_json(v.items[i]));
        return a;
      }
      case kind::object: {
        nlohmann::ordered_json o = nlohmann::ordered_json::object();
        for (std::uint32_t i = 0; i < v.n; ++i)
          if (v.members[i].v.k != kind::unknown) o[std::string(v.members[i].key_sv())] = value_json(v.members[i].v);
        return o;
      }
      default: return value_to_json(v);
    }
  }

  // ---- naming expressions ----

  std::string array_path(std::uint32_t iteration_instr, const trace_node* at_level = nullptr) const {
    (void)at_level;
    const instruction& it = p_.prog.code[iteration_instr];
    const instruction& arr = p_.prog.code[p_.prog.kid(it, 0)];
    if (arr.op == opcode::s_fact) return p_.schema->slots[arr.a]->path;
    return "the array";
  }

  // The instructions that read one fact slot (instruction.a), fused with a comparison or not.
  static bool reads_slot(opcode op) {
    return op == opcode::s_fact || op == opcode::s_fact_cmp || op == opcode::s_fact_between ||
           op == opcode::s_fact_eq || op == opcode::s_fact_in_set || op == opcode::s_fact_truthy ||
           op == opcode::s_fact_not;
  }

  // The fact path a read names, with item positions: "substances.1.drug".
  std::string read_path(const trace_node& t) const {
    const instruction& ins = p_.prog.code[t.at];
    if (reads_slot(ins.op)) return p_.schema->slots[ins.a]->path;
    if (ins.op == opcode::s_field || ins.op == opcode::s_item || ins.op == opcode::s_field_eq ||
        ins.op == opcode::s_field_in_set || ins.op == opcode::s_index) {
      std::uint32_t up = (ins.op == opcode::s_field_eq || ins.op == opcode::s_field_in_set) ? 0 : ins.b;
      if (t.indexes.size() <= up || t.iterations.size() <= up) return "item";
      std::size_t level = t.indexes.size() - 1 - up;
      std::string base = array_path(t.iterations[level]) + "." + std::to_string(t.indexes[level]);
      if (ins.op == opcode::s_item) return base;
      if (ins.op == opcode::s_index) return base + " (position)";
      const instruction& iter = p_.prog.code[t.iterations[level]];
      const instruction& arr = p_.prog.code[p_.prog.kid(iter, 0)];
      if (arr.op == opcode::s_fact) {
        const schema_node* array_node = p_.schema->slots[arr.a];
        if (ins.a < array_node->fields.size()) return base + "." + array_node->fields[ins.a]->path;
      }
      return base;
    }
    return "";
  }

  void append_read_path(std::string& out, const trace_node& t) const {
    const instruction& ins = p_.prog.code[t.at];
    if (reads_slot(ins.op))
      out += p_.schema->slots[ins.a]->path;
    else
      out += read_path(t);
  }

  bool is_read(const instruction& ins) const {
    return ins.op == opcode::s_fact || ins.op == opcode::s_field || ins.op == opcode::s_item;
  }

  std::string expression_text(const trace_node& t) const {
    const instruction& ins = p_.prog.code[t.at];
    if (is_read(ins)) return read_path(t);
    switch (ins.op) {
      case opcode::constant: return value_text(p_.prog.constants[ins.a]);
      case opcode::s_count: return "the number of " + array_path(t.at) + " entries that match";
      case opcode::s_length:
        return "the number of " + (t.kids.empty() ? std::string("entries") : expression_text(t.kids[0]) + " entries");
      case opcode::s_days_between:
      case opcode::s_months_between:
      case opcode::s_years_between: {
        std::string unit = ins.op == opcode::s_days_between     ? "days"
                           : ins.op == opcode::s_months_between ? "months"
                                                                : "years";
        if (t.kids.size() == 2)
          return unit + " from " + expression_text(t.kids[0]) + " to " + expression_text(t.kids[1]);
        return unit;
      }
      case opcode::s_index: return read_path(t);
      case opcode::s_accumulator: return "the running total";
      case opcode::s_reduce: return "the value reduced over " + array_path(t.at);
      case opcode::s_add:
      case opcode::s_sub:
      case opcode::s_mul:
      case opcode::s_div:
      case opcode::s_mod: {
        const char* sym = ins.op == opcode::s_add   ? " + "
                          : ins.op == opcode::s_sub ? " - "
                          : ins.op == opcode::s_mul ? " * "
                          : ins.op == opcode::s_div ? " / "
                                                    : " % ";
        if (ins.op == opcode::s_sub && t.kids.size() == 1) return "-" + expression_text(t.kids[0]);
        std::string out;
        for (const auto& k : t.kids) out += (out.empty() ? "" : sym) + expression_text(k);
        return out;
      }
      case opcode::s_min:
      case opcode::s_max: {
        std::string out;
        for (const auto& k : t.kids) out += (out.empty() ? "" : ", ") + expression_text(k);
        return std::string(ins.op == opcode::s_min ? "min(" : "max(") + out + ")";
      }
      default: return "the computed value";
    }
  }

  // ---- messages ----

  static const char* phrase(std::uint8_t cmp, bool date) {
    switch (cmp) {
      case cmp_lt: return date ? "before" : "less than";
      case cmp_le: return date ? "on or before" : "at most";
      case cmp_gt: return date ? "after" : "more than";
      default: return date ? "on or after" : "at least";
    }
  }
  static std::uint8_t cmp_of(opcode op) {
    return op == opcode::s_lt ? cmp_lt : op == opcode::s_le ? cmp_le : op == opcode::s_gt ? cmp_gt : cmp_ge;
  }

  static void append_list_text(std::string& out, const value& list) {
    for (std::uint32_t i = 0; i < list.n; ++i) {
      if (i) out += ", ";
      append_value_text(out, list.items[i]);
    }
  }
  static std::string list_text(const value& list) {
    std::string out;
    append_list_text(out, list);
    return out;
  }

  // The clauses of a message, appended to one string and joined by "; " (a reason's message,
  // whose memory a record reused across cases keeps).
  class clauses {
   public:
    explicit clauses(std::string& out) : out_(out) {}
    // The string to append the next clause to.
    std::string& next() {
      if (any_) out_ += "; ";
      any_ = true;
      return out_;
    }
    bool any() const noexcept { return any_; }

   private:
    std::string& out_;
    bool any_ = false;
  };

  // "path is value", the path the read at `t` names
  std::string& read_subject(clauses& out, const trace_node& t, const value& v) const {
    std::string& o = out.next();
    append_read_path(o, t);
    o += " is ";
    append_value_text(o, v);
    return o;
  }

  // Why node `t` has the value `want` (false for a failing eligibility rule, true for a firing
  // exclusion), as short clauses.
  void describe(const trace_node& t, bool want, clauses& out) const {
    const instruction& ins = p_.prog.code[t.at];
    auto is = [&](const trace_node& k, bool b) { return k.v.k == kind::boolean && k.v.b == b; };
    switch (ins.op) {
      case opcode::s_and:
      case opcode::s_or: {
        bool decisive = ins.op == opcode::s_and ? false : true;  // the value one kid alone decides
        if (want == decisive) {
          for (const auto& k : t.kids)
            if (is(k, want)) {
              describe(k, want, out);
              if (ins.op == opcode::s_or) break;
            }
        } else {
          for (const auto& k : t.kids) describe(k, want, out);
        }
        return;
      }
      case opcode::s_not:
        if (!t.kids.empty()) describe(t.kids[0], !want, out);
        return;
      case opcode::s_if: {
        // The branch taken is the last kid evaluated.
        if (!t.kids.empty()) describe(t.kids.back(), want, out);
        return;
      }
      case opcode::s_all:
      case opcode::s_some:
      case opcode::s_none: {
        std::string arr = array_path(t.at);
        if (t.kids.empty()) return;
        if (t.kids[0].v.k != kind::array) {
          append_value_text(out.next() += arr + " is ", t.kids[0].v);  // "... is not known" when unknown
          return;
        }
        const value& items = t.kids[0].v;
        bool item_wanted = ins.op == opcode::s_all ? want : (ins.op == opcode::s_some ? want : !want);
        // all=false / some=true / none=false are decided by particular items.
        bool by_items = (ins.op == opcode::s_all && !want) || (ins.op == opcode::s_some && want) ||
                        (ins.op == opcode::s_none && !want);
        if (items.n == 0) {
          out.next() += arr + " is empty";
          return;
        }
        if (by_items) {
          for (std::size_t k = 1; k < t.kids.size(); ++k)
            if (is(t.kids[k], item_wanted)) describe(t.kids[k], item_wanted, out);
          return;
        }
        std::string what = ins.op == opcode::s_all ? "every one of the " : "none of the ";
        out.next() += what + std::to_string(items.n) + " " + arr + " entries meets the condition";
        return;
      }
      case opcode::constant: out.next() += std::string("the condition is always ") + (want ? "true" : "false"); return;
      default: break;
    }
    // Leaves.
    const value& v = t.v;
    if (v.k == kind::unknown) {
      std::vector<std::string> missing;
      collect_missing(t, missing);
      std::string facts;
      for (const auto& m : missing) facts += (facts.empty() ? "" : ", ") + m;
      out.next() += facts.empty() ? "not known" : facts + " " + (missing.size() == 1 ? "is" : "are") + " not known";
      return;
    }
    switch (ins.op) {
      case opcode::s_fact:
      case opcode::s_field:
      case opcode::s_fact_truthy: {
        std::string& o = read_subject(out, t, v);
        if (want != v.b) o += v.b ? "; required false" : "; required true";
        return;
      }
      case opcode::s_fact_not: {
        std::string& o = read_subject(out, t, slots_[ins.a]);
        if (!want) o += "; required false";
        return;
      }
      case opcode::s_fact_cmp: {
        const value& c = p_.prog.constants[ins.b];
        std::string& o = read_subject(out, t, slots_[ins.a]);
        o += want == v.b && want ? ", " : "; required ";
        o += phrase(ins.flags, c.k == kind::date);
        o += ' ';
        append_value_text(o, c);
        return;
      }
      case opcode::s_fact_between: {
        const value& x = slots_[ins.a];
        const value& lo = p_.prog.constants[ins.b];
        const value& hi = p_.prog.constants[ins.c];
        bool date = lo.k == kind::date;
        std::string& o = read_subject(out, t, x);
        if (v.b) {
          o += ", between ";
          append_value_text(o, lo);
          o += " and ";
          append_value_text(o, hi);
          return;
        }
        std::uint8_t low = (ins.flags & lower_inclusive) ? cmp_ge : cmp_gt;
        std::uint8_t high = (ins.flags & upper_inclusive) ? cmp_le : cmp_lt;
        const bool below = strict::compare(x, lo, low) == strict::tri::no;
        o += "; required ";
        o += phrase(below ? low : high, date);
        o += ' ';
        append_value_text(o, below ? lo : hi);
        return;
      }
      case opcode::s_fact_eq:
      case opcode::s_field_eq: {
        const value& x = ins.op == opcode::s_fact_eq ? slots_[ins.a] : field_value(t);
        bool negated = ins.op == opcode::s_fact_eq && (ins.flags & 1);
        std::string& o = read_subject(out, t, x);
        if (!v.b) {
          o += negated ? "; required anything but " : "; required ";
          append_value_text(o, p_.prog.constants[ins.b]);
        }
        return;
      }
      case opcode::s_fact_in_set:
      case opcode::s_field_in_set: {
        const value& x = ins.op == opcode::s_fact_in_set ? slots_[ins.a] : field_value(t);
        std::string& o = read_subject(out, t, x);
        if (!v.b) {
          o += "; required one of ";
          append_list_text(o, p_.prog.constants[ins.b]);
        }
        return;
      }
      case opcode::s_in_set:
      case opcode::s_in_values: {
        std::string name = t.kids.empty() ? "the value" : expression_text(t.kids[0]);
        std::string shown = t.kids.empty() ? "" : value_text(t.kids[0].v);
        const value& list = p_.prog.constants[ins.b];
        out.next() += (v.b ? name + " is " + shown : name + " is " + shown + "; required one of " + list_text(list));
        return;
      }
      case opcode::s_contains: {
        std::string name = t.kids.empty() ? "the list" : expression_text(t.kids[0]);
        out.next() += (name + (v.b ? " includes " : " does not include ") + value_text(p_.prog.constants[ins.b]));
        return;
      }
      case opcode::s_eq:
      case opcode::s_ne:
      case opcode::s_lt:
      case opcode::s_le:
      case opcode::s_gt:
      case opcode::s_ge: {
        if (t.kids.size() < 2) break;
        const trace_node& a = t.kids[0];
        const trace_node& b = t.kids[1];
        bool a_const = p_.prog.code[a.at].op == opcode::constant;
        const trace_node& subj = a_const ? b : a;
        const trace_node& other = a_const ? a : b;
        std::string rel;
        if (ins.op == opcode::s_eq)
          rel = "";
        else if (ins.op == opcode::s_ne)
          rel = "anything but ";
        else {
          std::uint8_t c = cmp_of(ins.op);
          if (a_const) c = c == cmp_lt ? cmp_gt : c == cmp_le ? cmp_ge : c == cmp_gt ? cmp_lt : cmp_le;
          rel = std::string(phrase(c, other.v.k == kind::date)) + " ";
        }
        std::string target = p_.prog.code[other.at].op == opcode::constant
                                 ? value_text(other.v)
                                 : expression_text(other) + " (" + value_text(other.v) + ")";
        if (v.b)
          out.next() +=
              (expression_text(subj) + " is " + value_text(subj.v) + (rel.empty() ? "" : ", " + rel + target));
        else
          out.next() += (expression_text(subj) + " is " + value_text(subj.v) + "; required " + rel + target);
        return;
      }
      case opcode::s_between: {
        if (t.kids.size() < 3) break;
        std::string name = expression_text(t.kids[1]);
        out.next() += (name + " is " + value_text(t.kids[1].v) + (v.b ? ", between " : "; required between ") +
                       value_text(t.kids[0].v) + " and " + value_text(t.kids[2].v));
        return;
      }
      default: break;
    }
    out.next() += (std::string("the condition is ") + (v.k == kind::boolean ? (v.b ? "true" : "false") : "not known"));
  }

  const value& field_value(const trace_node& t) const {
    // The fused item-field comparisons read the current item; the value sits in the bound case.
    static const value unknown = value::unknown();
    if (t.indexes.empty() || t.iterations.empty()) return unknown;
    const instruction& iter = p_.prog.code[t.iterations.back()];
    const instruction& arr = p_.prog.code[p_.prog.kid(iter, 0)];
    if (arr.op != opcode::s_fact) return unknown;
    const value& items = slots_[arr.a];
    if (items.k != kind::array || t.indexes.back() >= items.n) return unknown;
    const value& item = items.items[t.indexes.back()];
    const instruction& ins = p_.prog.code[t.at];
    return item.members[ins.a].v;
  }

  // ---- missing facts ----

  static bool indefinite(const value& v) { return v.k == kind::unknown || v.k == kind::range; }

  // The unknown (or only-ranged) facts that an unknown node depends on.
  void collect_missing(const trace_node& t, std::vector<std::string>& out) const {
    const instruction& ins = p_.prog.code[t.at];
    switch (ins.op) {
      case opcode::s_fact:
      case opcode::s_field:
      case opcode::s_item:
        if (indefinite(t.v)) out.push_back(read_path(t));
        return;
      case opcode::s_fact_cmp:
      case opcode::s_fact_between:
      case opcode::s_fact_eq:
      case opcode::s_fact_in_set:
      case opcode::s_fact_truthy:
      case opcode::s_fact_not:
        if (indefinite(slots_[ins.a])) out.push_back(read_path(t));
        return;
      case opcode::s_field_eq:
      case opcode::s_field_in_set:
        if (indefinite(field_value(t))) out.push_back(read_path(t));
        return;
      default: break;
    }
    for (const auto& k : t.kids)
      if (indefinite(k.v)) collect_missing(k, out);
    // Iteration bodies are kids too (after the array); an unknown body adds its facts above.
  }

  // ---- templates ----

  std::string render(const message_template& parts) const {
    std::string out;
    for (const auto& p : parts) {
      if (!p.is_placeholder) {
        out += p.text;
      } else if (p.is_param) {
        const auto& v = p.param_value;
        if (v.is_string())
          out += v.get<std::string>();
        else if (v.is_array()) {
          std::string list;
          for (const auto& x : v)
            list += (list.empty() ? "" : ", ") + (x.is_string() ? x.get<std::string>() : x.dump());
          out += list;
        } else {
          out += v.dump();
        }
      } else if (p.fact && p.fact->slot >= 0) {
        const value& v = slots_[p.fact->slot];
        out += v.k == kind::unknown ? std::string("unknown") : value_text(v);
      } else {
        out += "{" + p.text + "}";
      }
    }
    return out;
  }

  // ---- the record ----

  // The message of rule `rule`, whose value is `o` (its trace `t`), into `out` (replaced).
  void message_for(std::uint32_t rule, const trace_node& t, outcome o, std::string& out) const {
    const compiled_rule& r = p_.rules[rule];
    out.clear();
    if (o == outcome::yes && r.when_true) {
      out = render(*r.when_true);
      return;
    }
    if (o == outcome::no && r.when_false) {
      out = render(*r.when_false);
      return;
    }
    if (o == outcome::unknown) {
      std::vector<std::string> missing;
      collect_missing(t, missing);
      std::sort(missing.begin(), missing.end());
      missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
      std::string facts;
      for (const auto& m : missing) facts += (facts.empty() ? "" : ", ") + m;
      std::string ranged;
      for (const auto& m : missing) {
        const schema_node* n = p_.schema->find(m);
        if (n && n->slot >= 0 && slots_[n->slot].k == kind::range)
          ranged += (ranged.empty() ? "" : "; ") + m + " is known only as " + value_text(slots_[n->slot]);
      }
      if (!ranged.empty())
        out = "depends on facts not known exactly: " + ranged;
      else
        out = facts.empty() ? "cannot be decided from the facts given"
                            : "depends on " + facts + ", which " + (missing.size() == 1 ? "is" : "are") + " not known";
      return;
    }
    clauses cs(out);
    describe(t, o == outcome::yes, cs);
    if (!cs.any()) out = r.title;
  }

  // The message of a false `and` rule, when its trace is not needed for it; false (nothing
  // written) otherwise. describe() gives a false `and` the clauses of its false conjuncts, and
  // the evaluation of an `and` stops at the first false one: the message is that conjunct's.
  // When the conjunct reads one fact and has no operands of its own (a fused comparison with
  // constants, a boolean fact), its trace would be one node holding its value: that node is made
  // here, and the rule is evaluated without a tracer. Most of a replayed caseload is turned away
  // by such a conjunct.
  bool message_of_false_and(std::uint32_t rule, std::string& out) {
    const compiled_rule& r = p_.rules[rule];
    const instruction& root = p_.prog.code[r.root];
    if (root.op != opcode::s_and) return false;
    null_tracer quiet;
    machine<null_tracer> m(p_.prog, slots_, scratch_, quiet);
    const scope top{};
    for (std::uint32_t k = 0; k < root.count; ++k) {
      const std::uint32_t at = p_.prog.kid(root, k);
      const value v = m.eval_s(at, top);
      if (strict::truth(v) != strict::tri::no) continue;
      if (!reads_one_fact(p_.prog.code[at].op)) return false;
      trace_node t;
      t.at = at;
      t.v = v;
      message_for(rule, t, outcome::no, out);  // the conjunct's node stands for the rule's trace
      return true;
    }
    return false;
  }

  // Instructions that read one fact and evaluate no operand of their own (a traced evaluation
  // gives them one node, without kids).
  static bool reads_one_fact(opcode op) noexcept {
    switch (op) {
      case opcode::s_fact:
      case opcode::s_fact_truthy:
      case opcode::s_fact_not:
      case opcode::s_fact_eq:
      case opcode::s_fact_cmp:
      case opcode::s_fact_between:
      case opcode::s_fact_in_set: return true;
      default: return false;
    }
  }

  void flatten(const trace_node& t, const compiled_rule& r, std::vector<trace_entry>& out) const {
    trace_entry e;
    e.stage = stage_name(r.stage);
    e.rule = r.id;
    e.pointer = p_.prog.pointers[t.at];
    if (!t.indexes.empty() && !t.iterations.empty())
      e.item = array_path(t.iterations.back()) + "." + std::to_string(t.indexes.back());
    e.unknown = t.v.k == kind::unknown;
    e.value = value_json(t.v);
    out.push_back(std::move(e));
    for (const auto& k : t.kids) flatten(k, r, out);
  }

  // The record's "pathway" for the policy's k-th pathway.
  static chosen_pathway pathway_of(const policy_impl& p, std::uint32_t k) {
    const compiled_rule& r = p.rules[p.first_pathway() + k];
    chosen_pathway cp;
    cp.id = r.id;
    cp.title = r.title;
    cp.disposal = r.disposal;
    cp.diverts = r.diverts;
    cp.details = nlohmann::ordered_json::object();
    cp.details["title"] = r.title;
    for (const char* key : {"provider", "sessions", "on_non_compliance", "on_completion", "outcome_code"})
      if (r.object.contains(key)) cp.details[key] = r.object[key];
    return cp;
  }

  decision_record explain(const decision& d, bool with_trace) {
    decision_record rec;
    explain(d, with_trace, rec);
    return rec;
  }

  // Fills `rec` in place: its strings and its reasons keep their memory, so that explaining case
  // after case into one record (divert batch) allocates only when a message outgrows the last.
  void explain(const decision& d, bool with_trace, decision_record& rec) {
    rec.policy_id.assign(p_.id);
    rec.policy_version.assign(p_.version);
    rec.policy_sha256.assign(p_.sha256);
    rec.policy_title.assign(p_.title);
    rec.status = d.status;
    rec.rules_total = p_.rules.size();
    rec.eligibility_rules = p_.n_eligibility;
    rec.implicit_rules = 0;
    for (std::uint32_t i = 0; i < p_.n_eligibility; ++i) rec.implicit_rules += p_.rules[i].implicit;
    rec.exclusion_rules = p_.n_exclusions;
    rec.skipped.clear();
    rec.warnings.clear();
    rec.trace.clear();
    rec.error.clear();
    for (std::uint32_t i = 0; i < p_.rules.size(); ++i)
      if (d.at(i) == outcome::skipped) rec.skipped.push_back(p_.rules[i].id);
    if (d.pathway >= 0)
      rec.pathway = pathway_of(p_, static_cast<std::uint32_t>(d.pathway));
    else
      rec.pathway.reset();
    // The reasons are written over the record's own, then the rest dropped.
    std::size_t reasons = 0;
    auto next_reason = [&]() -> reason& {
      if (reasons == rec.reasons.size()) rec.reasons.emplace_back();
      reason& rs = rec.reasons[reasons++];
      rs.result.reset();
      return rs;
    };
    // The rules traced so far (most records trace one or two of them). A reference returned
    // is used before the next call.
    std::pmr::vector<std::pair<std::uint32_t, trace_node>> traces(&memory_);
    auto trace_of = [&](std::uint32_t i) -> const trace_node& {
      for (const auto& t : traces)
        if (t.first == i) return t.second;
      traces.emplace_back(i, trace_rule(i));
      return traces.back().second;
    };
    std::vector<std::string> missing;
    auto add_reason = [&](std::uint32_t i, outcome o, bool collect) {
      const compiled_rule& r = p_.rules[i];
      reason& rs = next_reason();
      rs.stage.assign(stage_name(r.stage));
      rs.rule.assign(r.id);
      if (o != outcome::unknown) rs.result = o == outcome::yes;
      // A rule's own explain template needs no trace (the trace is made only when needed).
      const message_template* own = o == outcome::yes  ? (r.when_true ? &*r.when_true : nullptr)
                                    : o == outcome::no ? (r.when_false ? &*r.when_false : nullptr)
                                                       : nullptr;
      if (own && !collect) {
        rs.message = render(*own);
      } else if (o == outcome::no && !collect && untraced_conjuncts && message_of_false_and(i, rs.message)) {
        // written without a trace
      } else {
        const trace_node& t = trace_of(i);
        message_for(i, t, o, rs.message);
        if (collect) collect_missing(t, missing);
      }
    };
    auto range_of = [&](rule_stage s) {
      if (s == rule_stage::eligibility) return std::pair<std::uint32_t, std::uint32_t>{0, p_.n_eligibility};
      if (s == rule_stage::exclusion)
        return std::pair<std::uint32_t, std::uint32_t>{p_.first_exclusion(), p_.first_pathway()};
      return std::pair<std::uint32_t, std::uint32_t>{p_.first_pathway(), static_cast<std::uint32_t>(p_.rules.size())};
    };
    auto count = [&](rule_stage s, outcome o) {
      auto [a, b] = range_of(s);
      int n = 0;
      for (std::uint32_t i = a; i < b; ++i) n += d.at(i) == o;
      return n;
    };
    switch (d.status) {
      case status::not_eligible: {
        auto [a, b] = range_of(rule_stage::eligibility);
        for (std::uint32_t i = a; i < b; ++i)
          if (d.at(i) == outcome::no) add_reason(i, outcome::no, false);
        if (d.no_pathway) {
          reason& rs = next_reason();
          rs.stage.assign("pathway");
          rs.rule.clear();
          rs.result = false;
          rs.message = "every eligibility rule holds and no exclusion applies, but none of the " +
                       std::to_string(p_.n_pathways) + " pathways applies to this case";
        }
        break;
      }
      case status::excluded: {
        auto [a, b] = range_of(rule_stage::exclusion);
        for (std::uint32_t i = a; i < b; ++i)
          if (d.at(i) == outcome::yes) add_reason(i, outcome::yes, false);
        break;
      }
      case status::eligible: break;
      case status::undetermined: {
        bool elig_open = count(rule_stage::eligibility, outcome::unknown) > 0;
        bool excl_true = count(rule_stage::exclusion, outcome::yes) > 0;
        auto [ea, eb] = range_of(rule_stage::eligibility);
        for (std::uint32_t i = ea; i < eb; ++i)
          if (d.at(i) == outcome::unknown) add_reason(i, outcome::unknown, true);
        auto [xa, xb] = range_of(rule_stage::exclusion);
        for (std::uint32_t i = xa; i < xb; ++i) {
          if (d.at(i) == outcome::yes) add_reason(i, outcome::yes, false);
          if (d.at(i) == outcome::unknown && !excl_true) add_reason(i, outcome::unknown, true);
        }
        if (!excl_true) {
          // The pathway choice is open too: unknown pathways before the first that applies.
          auto [pa, pb] = range_of(rule_stage::pathway);
          std::vector<std::string> matching;
          for (std::uint32_t i = pa; i < pb; ++i) {
            outcome o = d.at(i);
            if (o == outcome::not_evaluated) {
              // Evaluate it now: explain sees every pathway the choice could depend on.
              o = evaluate_rule(p_, i, slots_, scratch_);
            }
            if (o == outcome::unknown) add_reason(i, outcome::unknown, true);
            if (o == outcome::yes) {
              matching.push_back(p_.rules[i].id);
              if (p_.pathway_policy != "unique") break;
            }
          }
          if (d.ambiguous) {
            reason& rs = next_reason();
            rs.stage.assign("pathway");
            rs.rule.clear();
            std::string ids;
            for (const auto& m : matching) ids += (ids.empty() ? "" : ", ") + m;
            rs.result = true;
            rs.message = "pathways " + ids + " all apply; the policy requires exactly one (pathway_policy \"unique\")";
            rec.error = "ambiguous pathway: " + rs.message;
          }
        }
        (void)elig_open;
        break;
      }
    }
    rec.reasons.resize(reasons);
    std::sort(missing.begin(), missing.end());
    missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
    rec.missing = std::move(missing);
    if (with_trace)
      for (std::uint32_t i = 0; i < p_.rules.size(); ++i) {
        if (d.at(i) == outcome::not_evaluated || d.at(i) == outcome::skipped) continue;
        flatten(trace_of(i), p_.rules[i], rec.trace);
      }
  }

 private:
  const policy_impl& p_;
  const value* slots_;
  arena scratch_{0};
  // Where traces live: most explains need less than the buffer, and so no heap at all.
  alignas(std::max_align_t) std::byte buffer_[8192];
  std::pmr::monotonic_buffer_resource memory_{buffer_, sizeof buffer_};
};

}  // namespace divert::detail
