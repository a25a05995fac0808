#pragma once
// Strict mode: type-checks a policy condition against the case schema and plans it into typed,
// three-valued instructions. Every `var` must name a fact; comparisons must be type-compatible;
// a string compared with an enum fact must be one of its values; conditions must be booleans;
// parameters and named predicates are inlined (cycles are errors). Problems are collected,
// each with its JSON pointer; planning goes on after an error so that all are reported.

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "divert/detail/check/schema.hpp"
#include "divert/detail/check/suggest.hpp"
#include "divert/detail/eval/dates.hpp"
#include "divert/detail/ir/expr.hpp"
#include "divert/detail/ir/parse.hpp"
#include "divert/detail/plan/program_builder.hpp"
#include "divert/limits.hpp"

namespace divert::detail {

// The static type of a planned expression.
struct stype {
  enum class tag : std::uint8_t {
    boolean,
    number,
    string,
    enumeration,
    date,
    array,
    object,
    string_literal,
    list,
    null,
    invalid
  };
  tag t = tag::invalid;
  bool integral = false;
  const schema_node* node = nullptr;  // enumeration: the fact (its values); array: the array fact
  std::string literal;                // string_literal: the text
  std::string text;                   // how messages name this expression ("person.age", "\"canabis\"")

  bool ok() const noexcept { return t != tag::invalid; }
  bool is(tag x) const noexcept { return t == x; }
  bool stringy() const noexcept { return t == tag::string || t == tag::enumeration || t == tag::string_literal; }
};

inline std::string describe_type(const stype& s) {
  switch (s.t) {
    case stype::tag::boolean: return "a boolean";
    case stype::tag::number: return s.integral ? "an integer" : "a number";
    case stype::tag::string: return "a string";
    case stype::tag::enumeration: return "one of a fixed list of values";
    case stype::tag::date: return "a date";
    case stype::tag::array: return "an array";
    case stype::tag::object: return "an object";
    case stype::tag::string_literal: return "a string";
    case stype::tag::list: return "a list";
    case stype::tag::null: return "null";
    case stype::tag::invalid: break;
  }
  return "an invalid expression";
}

struct typed {
  std::uint32_t at = 0;
  stype type;
};

struct named_predicate {
  expr body;
  std::string file;
};

struct strict_context {
  const schema_model& schema;
  const nlohmann::ordered_json& parameters;  // name -> value
  const std::map<std::string, named_predicate>& predicates;
  std::set<std::string> used_parameters;
  std::set<std::string> used_predicates;
  std::set<const schema_node*> facts_read;
};

class strict_planner : public program_builder {
 public:
  strict_planner(program& p, strict_context& cx, std::vector<diagnostic>& diags, std::string file)
      : program_builder(p, diags, std::move(file)), cx_(cx) {}

  // Plans a rule's condition: it must be a boolean.
  std::uint32_t plan_condition(const expr& e) {
    typed r = plan(e);
    if (r.type.ok() && !r.type.is(stype::tag::boolean))
      error("not-a-condition", e.pointer,
            "a condition must be true or false, but " + r.type.text + " is " + describe_type(r.type));
    return r.at;
  }

  void set_file(std::string f) { file_ = std::move(f); }

  // What planning may build (limits::max_depth, max_nodes). Named predicates are inlined, so
  // nesting and size add up across them (64 predicates each 100 deep, or each using the one
  // before twice, must not overflow the stack or run for ever): past a limit, planning stops
  // with one error.
  void set_limits(const limits& lim) { lim_ = lim; }

  std::uint32_t symbol_set(std::vector<std::uint16_t> syms) { return add_symbol_set(std::move(syms)); }

 private:
  struct frame {
    const schema_node* array;  // the array being iterated
    bool is_reduce = false;    // reduce: var reads "current..." and "accumulator"
    stype accumulator;
  };

  // ---- the type checker's building blocks ----

  typed invalid(std::uint32_t at = 0) { return typed{at, stype{}}; }

  typed constant_typed(value v, const std::string& pointer, stype t) {
    return typed{constant(v, pointer), std::move(t)};
  }

  static stype make(stype::tag t, std::string text, const schema_node* node = nullptr, bool integral = false) {
    stype s;
    s.t = t;
    s.text = std::move(text);
    s.node = node;
    s.integral = integral;
    return s;
  }

  stype type_of_fact(const schema_node& n, const std::string& text) {
    switch (n.type) {
      case fact_type::boolean: return make(stype::tag::boolean, text, &n);
      case fact_type::integer: return make(stype::tag::number, text, &n, true);
      case fact_type::number: return make(stype::tag::number, text, &n);
      case fact_type::string: return make(stype::tag::string, text, &n);
      case fact_type::date: return make(stype::tag::date, text, &n);
      case fact_type::enumeration: return make(stype::tag::enumeration, text, &n);
      case fact_type::array: return make(stype::tag::array, text, &n);
      case fact_type::object: return make(stype::tag::object, text, &n);
    }
    return stype{};
  }

  typed plan(const expr& e) {
    if (!within_limits(e)) return invalid();
    ++depth_;
    typed r = plan_node(e);
    --depth_;
    return r;
  }

  bool within_limits(const expr& e) {
    if (depth_ < lim_.max_depth && p_.code.size() <= lim_.max_nodes) return true;
    if (!limit_reported_) {
      if (depth_ >= lim_.max_depth)
        error("depth-limit", e.pointer,
              "nested deeper than " + std::to_string(lim_.max_depth) + " levels, counting the predicates it uses");
      else
        error("size-limit", e.pointer,
              "the policy compiles to more than " + std::to_string(lim_.max_nodes) +
                  " nodes, counting each use of a predicate");
    }
    limit_reported_ = true;
    return false;
  }

  typed plan_node(const expr& e) {
    switch (e.f) {
      case expr::form::literal: return plan_literal(e.literal, e.pointer);
      case expr::form::array: {
        // A literal list, as the right side of `in`.
        stype t = make(stype::tag::list, "a list");
        std::vector<std::uint32_t> items;
        for (const auto& a : e.args) {
          if (!a.is_literal() || a.data_object) {
            error("not-constant", a.pointer, "a list in a policy holds constants only");
            return invalid();
          }
        }
        nlohmann::ordered_json lit = nlohmann::ordered_json::array();
        for (const auto& a : e.args) lit.push_back(a.literal);
        return plan_literal(lit, e.pointer);
      }
      case expr::form::operation: break;
    }
    return plan_operation(e);
  }

  typed plan_literal(const nlohmann::ordered_json& j, const std::string& pointer) {
    if (j.is_boolean())
      return constant_typed(value::boolean(j.get<bool>()), pointer, make(stype::tag::boolean, j.dump()));
    if (j.is_number()) {
      bool integral = j.is_number_integer() || j.is_number_unsigned() || std::floor(j.get<double>()) == j.get<double>();
      return constant_typed(value::number(j.get<double>()), pointer,
                            make(stype::tag::number, j.dump(), nullptr, integral));
    }
    if (j.is_string()) {
      stype t = make(stype::tag::string_literal, j.dump());
      t.literal = j.get<std::string>();
      return constant_typed(p_.symbols.string_value(p_.symbols.intern(t.literal)), pointer, t);
    }
    if (j.is_null()) return constant_typed(value::null(), pointer, make(stype::tag::null, "null"));
    if (j.is_array()) {
      stype t = make(stype::tag::list, j.dump());
      json_to_value conv(p_.symbols, p_.storage);
      return constant_typed(conv.convert(j), pointer, t);
    }
    error("not-a-condition", pointer, "an object is not a condition: write one operator per object");
    return invalid();
  }

  // ---- operations ----

  typed plan_operation(const expr& e) {
    const std::string& op = e.op;
    if (op == "var") return plan_var(e);
    if (op == "val") return plan_val(e);
    if (op == "param") return plan_param(e);
    if (op == "pred") return plan_pred(e);
    if (op == "and" || op == "or") return plan_logic(e);
    if (op == "!" || op == "!!") return plan_not(e);
    if (op == "if" || op == "?:") return plan_if(e);
    if (op == "==" || op == "===" || op == "!=" || op == "!==") return plan_equality(e);
    if (op == "<" || op == "<=" || op == ">" || op == ">=") return plan_order(e);
    if (op == "in") return plan_in(e);
    if (op == "+" || op == "-" || op == "*" || op == "/" || op == "%" || op == "min" || op == "max")
      return plan_arithmetic(e);
    if (op == "all" || op == "some" || op == "none") return plan_quantifier(e);
    if (op == "length") return plan_length(e);
    if (op == "days_between" || op == "months_between" || op == "years_between") return plan_date_difference(e);
    if (op == "filter") {
      error("not-in-policies", e.pointer,
            "\"filter\" is available in policies only inside \"length\", to count items: "
            "{\"length\": {\"filter\": [array, condition]}}");
      return invalid();
    }
    if (op == "reduce") return plan_reduce(e);
    static const std::set<std::string> compat_only = {"cat",          "substr", "merge", "map",   "missing",
                                                      "missing_some", "log",    "try",   "throw", "preserve",
                                                      "??",           "exists", "method"};
    if (compat_only.count(op)) {
      error("not-in-policies", e.pointer, "operator \"" + op + "\" is not available in policies");
      return invalid();
    }
    static const std::vector<std::string> known = {"var",
                                                   "val",
                                                   "param",
                                                   "pred",
                                                   "and",
                                                   "or",
                                                   "!",
                                                   "!!",
                                                   "if",
                                                   "==",
                                                   "!=",
                                                   "===",
                                                   "!==",
                                                   "<",
                                                   "<=",
                                                   ">",
                                                   ">=",
                                                   "in",
                                                   "+",
                                                   "-",
                                                   "*",
                                                   "/",
                                                   "%",
                                                   "min",
                                                   "max",
                                                   "all",
                                                   "some",
                                                   "none",
                                                   "length",
                                                   "filter",
                                                   "reduce",
                                                   "days_between",
                                                   "months_between",
                                                   "years_between"};
    error("unknown-operator", e.pointer, "unknown operator \"" + op + "\"" + did_you_mean(op, known));
    return invalid();
  }

  bool arity(const expr& e, std::size_t lo, std::size_t hi) {
    if (e.args.size() >= lo && e.args.size() <= hi) return true;
    std::string expected = lo == hi ? std::to_string(lo) : std::to_string(lo) + " or " + std::to_string(hi);
    if (hi > 100) expected = "at least " + std::to_string(lo);
    error("invalid-arguments", e.pointer,
          "\"" + e.op + "\" takes " + expected + " argument" + (hi == 1 && lo == 1 ? "" : "s") + ", got " +
              std::to_string(e.args.size()));
    return false;
  }

  // {"var": "person.age"}: a fact at the root; inside an iteration, a field of the item.
  typed plan_var(const expr& e) {
    if (!arity(e, 1, 1)) return invalid();
    const expr& a = e.args[0];
    if (!a.is_literal() || !(a.literal.is_string() || a.literal.is_null())) {
      error("dynamic-var", e.pointer, "a policy names its facts: {\"var\": \"person.age\"}");
      return invalid();
    }
    std::string path = a.literal.is_null() ? std::string() : a.literal.get<std::string>();
    return read_path(path, static_cast<int>(frames_.size()), e.pointer);
  }

  // {"val": [[n], "a", "b"]}: climb n/2 iterations (n odd: the iteration itself, for "index").
  typed plan_val(const expr& e) {
    std::vector<std::string> segs;
    int climb = 0;
    bool has_climb = false;
    std::size_t start = 0;
    if (!e.args.empty() && e.args[0].f == expr::form::array && e.args[0].args.size() == 1 &&
        e.args[0].args[0].is_literal() && e.args[0].args[0].literal.is_number()) {
      climb = static_cast<int>(std::abs(e.args[0].args[0].literal.get<double>()));
      has_climb = true;
      start = 1;
    }
    for (std::size_t i = start; i < e.args.size(); ++i) {
      const expr& a = e.args[i];
      if (!a.is_literal() || !a.literal.is_string()) {
        error("dynamic-var", a.pointer, "a policy names its facts: {\"val\": [\"person\", \"age\"]}");
        return invalid();
      }
      segs.push_back(a.literal.get<std::string>());
    }
    int depth = static_cast<int>(frames_.size());
    if (has_climb && climb % 2 == 1) {
      int up = (climb - 1) / 2;
      if (up >= depth || segs.size() != 1 || segs[0] != "index") {
        error("bad-scope", e.pointer,
              "inside an iteration, {\"val\": [[1], \"index\"]} is the item's position; other uses of an odd climb are "
              "not supported");
        return invalid();
      }
      return typed{emit(opcode::s_index, {}, e.pointer, 0, 0, static_cast<std::uint32_t>(up)),
                   make(stype::tag::number, "index", nullptr, true)};
    }
    int up = has_climb ? climb / 2 : 0;
    if (up > depth) {
      error("bad-scope", e.pointer,
            "climbs " + std::to_string(up) + " levels but only " + std::to_string(depth) + " iteration" +
                (depth == 1 ? "" : "s") + " enclose it");
      return invalid();
    }
    std::string dotted;
    for (const auto& s : segs) dotted += (dotted.empty() ? "" : ".") + s;
    return read_path(dotted, depth - up, e.pointer);
  }

  // Reads a dotted path at scope level `level` (0 = the case, k = the k-th enclosing item).
  typed read_path(const std::string& path, int level, const std::string& pointer) {
    int depth = static_cast<int>(frames_.size());
    if (level == 0) {
      if (path.empty()) {
        error("unknown-fact", pointer, "a policy names a fact, not the whole case");
        return invalid();
      }
      const schema_node* n = cx_.schema.find(path);
      if (!n) {
        error("unknown-fact", pointer, "unknown fact \"" + path + "\"" + did_you_mean(path, cx_.schema.fact_paths()));
        return invalid();
      }
      if (n->type == fact_type::object) {
        error("unknown-fact", pointer,
              "\"" + path + "\" is a group of facts; name one of them (" + join(n->property_names()) + ")");
        return invalid();
      }
      cx_.facts_read.insert(n);
      return typed{emit(opcode::s_fact, {}, pointer, 0, static_cast<std::uint32_t>(n->slot)), type_of_fact(*n, path)};
    }
    const frame& fr = frames_[static_cast<std::size_t>(level - 1)];
    const schema_node* arr = fr.array;
    std::uint32_t up = static_cast<std::uint32_t>(depth - level);
    if (fr.is_reduce) {
      // Inside reduce the data is {"current": item, "accumulator": value}.
      if (path == "accumulator") {
        stype t = fr.accumulator;
        t.text = "the running total";
        return typed{emit(opcode::s_accumulator, {}, pointer, 0, 0, up), t};
      }
      if (path == "current") return read_item(*arr, "", up, pointer, depth);
      if (path.rfind("current.", 0) == 0) return read_item(*arr, path.substr(8), up, pointer, depth);
      error("unknown-fact", pointer,
            "inside \"reduce\", var reads \"current\" (the item, e.g. \"current.type\") or \"accumulator\", not \"" +
                path + "\"");
      return invalid();
    }
    return read_item(*arr, path, up, pointer, depth);
  }

  typed read_item(const schema_node& array_node, const std::string& path, std::uint32_t up, const std::string& pointer,
                  int depth) {
    const schema_node* arr = &array_node;
    const schema_node& item = *arr->items;
    std::string shown = arr->path + "[]" + (path.empty() ? "" : "." + path);
    if (path.empty()) {
      if (item.type == fact_type::object) {
        error("unknown-fact", pointer, "the items of " + arr->path + " are groups of facts; name one of them");
        return invalid();
      }
      return typed{emit(opcode::s_item, {}, pointer, 0, 0, up), type_of_fact(item, shown)};
    }
    const schema_node* field = nullptr;
    for (const auto* f : arr->fields)
      if (f->path == path) field = f;
    if (!field) {
      std::vector<std::string> names;
      for (const auto* f : arr->fields) names.push_back(f->path);
      std::string hint = did_you_mean(path, names);
      if (hint.empty() && cx_.schema.find(path))
        hint = " (inside an iteration, var reads the item; reach the case with {\"val\": [[" +
               std::to_string(2 * depth) + "], ...]})";
      error("unknown-fact", pointer, "unknown field \"" + path + "\" of " + arr->path + " items" + hint);
      return invalid();
    }
    cx_.facts_read.insert(field);
    return typed{emit(opcode::s_field, {}, pointer, 0, static_cast<std::uint32_t>(field->field), up),
                 type_of_fact(*field, shown)};
  }

  static std::string join(const std::vector<std::string>& names, const char* sep = ", ") {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : sep) + n;
    return out;
  }

  typed plan_param(const expr& e) {
    if (!arity(e, 1, 1) || !e.args[0].is_literal() || !e.args[0].literal.is_string()) {
      if (e.args.size() == 1) error("invalid-arguments", e.pointer, "{\"param\": \"name\"} names a parameter");
      return invalid();
    }
    std::string name = e.args[0].literal.get<std::string>();
    if (!cx_.parameters.is_object() || !cx_.parameters.contains(name)) {
      std::vector<std::string> names;
      if (cx_.parameters.is_object())
        for (auto it = cx_.parameters.begin(); it != cx_.parameters.end(); ++it) names.push_back(it.key());
      error("unknown-parameter", e.pointer, "unknown parameter \"" + name + "\"" + did_you_mean(name, names));
      return invalid();
    }
    cx_.used_parameters.insert(name);
    typed t = plan_literal(cx_.parameters[name], e.pointer);
    t.type.text = "param." + name;
    return t;
  }

  typed plan_pred(const expr& e) {
    if (!arity(e, 1, 1) || !e.args[0].is_literal() || !e.args[0].literal.is_string()) {
      if (e.args.size() == 1) error("invalid-arguments", e.pointer, "{\"pred\": \"name\"} names a predicate");
      return invalid();
    }
    std::string name = e.args[0].literal.get<std::string>();
    auto it = cx_.predicates.find(name);
    if (it == cx_.predicates.end()) {
      std::vector<std::string> names;
      for (const auto& [k, v] : cx_.predicates) names.push_back(k);
      error("unknown-predicate", e.pointer, "unknown predicate \"" + name + "\"" + did_you_mean(name, names));
      return invalid();
    }
    cx_.used_predicates.insert(name);
    if (std::find(pred_stack_.begin(), pred_stack_.end(), name) != pred_stack_.end()) {
      std::string cycle;
      bool in = false;
      for (const auto& p : pred_stack_) {
        if (p == name) in = true;
        if (in) cycle += p + " -> ";
      }
      error("predicate-cycle", e.pointer, "predicates form a cycle: " + cycle + name);
      return invalid();
    }
    if (pred_stack_.size() >= 64) {
      error("depth-limit", e.pointer, "predicates nested more than 64 deep");
      return invalid();
    }
    pred_stack_.push_back(name);
    std::string saved = file_;
    file_ = it->second.file;
    typed r = plan(it->second.body);
    file_ = saved;
    pred_stack_.pop_back();
    if (r.type.ok()) r.type.text = "predicate " + name;
    return r;
  }

  bool require_boolean(const typed& t, const std::string& pointer) {
    if (!t.type.ok()) return false;
    if (t.type.is(stype::tag::boolean)) return true;
    error("not-a-condition", pointer,
          "a condition must be true or false, but " + t.type.text + " is " + describe_type(t.type));
    return false;
  }

  typed plan_logic(const expr& e) {
    if (!e.args_is_array || e.args.empty()) {
      error("invalid-arguments", e.pointer, "\"" + e.op + "\" takes a list of conditions");
      return invalid();
    }
    std::vector<std::uint32_t> kids;
    bool ok = true;
    for (const auto& a : e.args) {
      typed t = plan(a);
      ok = require_boolean(t, a.pointer) && ok;
      kids.push_back(t.at);
    }
    if (!ok) return invalid();
    return typed{fold(emit(e.op == "and" ? opcode::s_and : opcode::s_or, kids, e.pointer)),
                 make(stype::tag::boolean, e.op)};
  }

  typed plan_not(const expr& e) {
    if (!arity(e, 1, 1)) return invalid();
    typed t = plan(e.args[0]);
    if (!require_boolean(t, e.args[0].pointer)) return invalid();
    if (e.op == "!!") return t;
    if (p_.code[t.at].op == opcode::s_fact)
      return typed{emit(opcode::s_fact_not, {}, e.pointer, 0, p_.code[t.at].a),
                   make(stype::tag::boolean, "not " + t.type.text)};
    return typed{fold(emit(opcode::s_not, {t.at}, e.pointer)), make(stype::tag::boolean, "not " + t.type.text)};
  }

  typed plan_if(const expr& e) {
    if (!e.args_is_array || e.args.size() < 3 || e.args.size() % 2 == 0) {
      error("invalid-arguments", e.pointer, "\"if\" takes condition, then, [condition, then, ...] else");
      return invalid();
    }
    std::vector<std::uint32_t> kids;
    stype result;
    bool ok = true;
    for (std::size_t i = 0; i < e.args.size(); ++i) {
      typed t = plan(e.args[i]);
      kids.push_back(t.at);
      bool is_cond = i % 2 == 0 && i + 1 < e.args.size();
      if (is_cond) {
        ok = require_boolean(t, e.args[i].pointer) && ok;
        continue;
      }
      if (!t.type.ok()) {
        ok = false;
        continue;
      }
      if (!result.ok()) {
        result = t.type;
      } else if (!compatible(result, t.type)) {
        error("type-mismatch", e.args[i].pointer,
              "the branches of \"if\" must have one type: " + result.text + " is " + describe_type(result) + ", " +
                  t.type.text + " is " + describe_type(t.type));
        ok = false;
      }
    }
    if (!ok) return invalid();
    result.text = "if";
    return typed{fold(emit(opcode::s_if, kids, e.pointer)), result};
  }

  static bool compatible(const stype& a, const stype& b) {
    auto base = [](const stype& s) {
      return s.t == stype::tag::string_literal || s.t == stype::tag::enumeration ? stype::tag::string : s.t;
    };
    return base(a) == base(b);
  }

  // Makes a string literal fit the other side: an enum member, a date, or a plain string.
  bool coerce_literal(typed& lit, const stype& other, const std::string& pointer) {
    if (!lit.type.is(stype::tag::string_literal)) return true;
    if (other.is(stype::tag::enumeration)) {
      if (!other.node->has_enum_value(lit.type.literal)) {
        std::string shown = other.node->path;
        error("not-a-value", pointer,
              "\"" + lit.type.literal + "\" is not a value of " + other.text +
                  did_you_mean(lit.type.literal, other.node->enum_values));
        return false;
      }
      lit.type.t = stype::tag::enumeration;
      lit.type.node = other.node;
      return true;
    }
    if (other.is(stype::tag::date)) {
      auto d = dates::parse(lit.type.literal);
      if (!d) {
        error("not-a-date", pointer, "\"" + lit.type.literal + "\" is not a date (YYYY-MM-DD)");
        return false;
      }
      lit.at = constant(value::date(static_cast<double>(*d)), pointer);
      lit.type.t = stype::tag::date;
      return true;
    }
    if (other.is(stype::tag::string) || other.is(stype::tag::string_literal)) {
      lit.type.t = stype::tag::string;
      return true;
    }
    return true;  // left for the type comparison to report
  }

  bool check_comparable(typed& a, typed& b, const expr& e, bool ordered) {
    if (!a.type.ok() || !b.type.ok()) return false;
    if (!coerce_literal(a, b.type, e.args[0].pointer)) return false;
    if (!coerce_literal(b, a.type, e.args.size() > 1 ? e.args[1].pointer : e.pointer)) return false;
    bool same = compatible(a.type, b.type);
    if (same && a.type.is(stype::tag::enumeration) && b.type.is(stype::tag::enumeration) &&
        a.type.node != b.type.node && a.type.node->enum_values != b.type.node->enum_values) {
      // Two enum facts of different lists compare as strings; allowed.
    }
    if (!same || a.type.is(stype::tag::array) || a.type.is(stype::tag::list) || a.type.is(stype::tag::null) ||
        a.type.is(stype::tag::object)) {
      error("type-mismatch", e.pointer,
            "cannot compare " + a.type.text + " (" + describe_type(a.type) + ") with " + b.type.text + " (" +
                describe_type(b.type) + ")");
      return false;
    }
    if (ordered && !(a.type.is(stype::tag::number) || a.type.is(stype::tag::date))) {
      error("type-mismatch", e.pointer,
            "\"" + e.op + "\" orders numbers or dates, not " + describe_type(a.type) + " (" + a.type.text + ")");
      return false;
    }
    return true;
  }

  typed plan_equality(const expr& e) {
    if (!e.args_is_array || !arity(e, 2, 2)) return invalid();
    typed a = plan(e.args[0]), b = plan(e.args[1]);
    if (!check_comparable(a, b, e, false)) return invalid();
    bool negated = e.op == "!=" || e.op == "!==";
    std::string text = a.type.text + (negated ? " != " : " == ") + b.type.text;
    // Fused: a fact (or a field of the current item) against a constant.
    auto fuse = [&](const typed& var, const typed& k) -> std::optional<typed> {
      if (!is_constant(k.at)) return std::nullopt;
      const instruction& v = p_.code[var.at];
      if (v.op == opcode::s_fact)
        return typed{emit(opcode::s_fact_eq, {}, e.pointer, negated ? 1 : 0, v.a, p_.code[k.at].a),
                     make(stype::tag::boolean, text)};
      if (v.op == opcode::s_field && v.b == 0 && !negated)
        return typed{emit(opcode::s_field_eq, {}, e.pointer, 0, v.a, p_.code[k.at].a), make(stype::tag::boolean, text)};
      return std::nullopt;
    };
    if (auto f = fuse(a, b)) return *f;
    if (auto f = fuse(b, a)) return *f;
    return typed{fold(emit(negated ? opcode::s_ne : opcode::s_eq, {a.at, b.at}, e.pointer)),
                 make(stype::tag::boolean, text)};
  }

  typed plan_order(const expr& e) {
    bool between_ok = e.op == "<" || e.op == "<=";
    if (!e.args_is_array || !arity(e, 2, between_ok ? 3 : 2)) return invalid();
    std::vector<typed> ts;
    for (const auto& a : e.args) ts.push_back(plan(a));
    for (auto& t : ts)
      if (!t.type.ok()) return invalid();
    // Coerce string literals against the first non-literal operand.
    for (std::size_t i = 0; i + 1 < ts.size(); ++i)
      if (!check_comparable(ts[i], ts[i + 1], e, true)) return invalid();
    std::string text = ts[0].type.text + " " + e.op + " " + ts[1].type.text;
    if (ts.size() == 3) {
      text += " " + e.op + " " + ts[2].type.text;
      std::uint8_t f = e.op == "<=" ? (lower_inclusive | upper_inclusive) : 0;
      const instruction& mid = p_.code[ts[1].at];
      if (mid.op == opcode::s_fact && is_constant(ts[0].at) && is_constant(ts[2].at))
        return typed{emit(opcode::s_fact_between, {}, e.pointer, f, mid.a, p_.code[ts[0].at].a, p_.code[ts[2].at].a),
                     make(stype::tag::boolean, text)};
      return typed{fold(emit(opcode::s_between, {ts[0].at, ts[1].at, ts[2].at}, e.pointer, f)),
                   make(stype::tag::boolean, text)};
    }
    auto flag_of = [](const std::string& o) -> std::uint8_t {
      return o == "<" ? cmp_lt : o == "<=" ? cmp_le : o == ">" ? cmp_gt : cmp_ge;
    };
    auto mirror = [](const std::string& o) -> std::string {
      return o == "<" ? ">" : o == "<=" ? ">=" : o == ">" ? "<" : "<=";
    };
    const instruction& l = p_.code[ts[0].at];
    const instruction& r = p_.code[ts[1].at];
    if (l.op == opcode::s_fact && is_constant(ts[1].at))
      return typed{emit(opcode::s_fact_cmp, {}, e.pointer, flag_of(e.op), l.a, r.a), make(stype::tag::boolean, text)};
    if (r.op == opcode::s_fact && is_constant(ts[0].at))
      return typed{emit(opcode::s_fact_cmp, {}, e.pointer, flag_of(mirror(e.op)), r.a, l.a),
                   make(stype::tag::boolean, text)};
    opcode op = e.op == "<" ? opcode::s_lt : e.op == "<=" ? opcode::s_le : e.op == ">" ? opcode::s_gt : opcode::s_ge;
    return typed{fold(emit(op, {ts[0].at, ts[1].at}, e.pointer)), make(stype::tag::boolean, text)};
  }

  typed plan_in(const expr& e) {
    if (!e.args_is_array || !arity(e, 2, 2)) return invalid();
    typed needle = plan(e.args[0]);
    typed hay = plan(e.args[1]);
    if (!needle.type.ok() || !hay.type.ok()) return invalid();
    std::string text = needle.type.text + " in " + hay.type.text;
    // A constant in an array-of-strings fact: {"in": ["near_school", {"var": "circumstances.aggravating"}]}
    if (hay.type.is(stype::tag::array)) {
      const schema_node& item = *hay.type.node->items;
      if (!(item.type == fact_type::string || item.type == fact_type::enumeration)) {
        error("type-mismatch", e.pointer,
              "\"in\" looks for a string in an array of strings; " + hay.type.text + " holds " +
                  fact_type_name(item.type));
        return invalid();
      }
      if (!needle.type.is(stype::tag::string_literal)) {
        error("type-mismatch", e.args[0].pointer, "\"in\" over " + hay.type.text + " looks for a constant string");
        return invalid();
      }
      stype item_type = type_of_fact(item, hay.type.text + "[]");
      if (!coerce_literal(needle, item_type, e.args[0].pointer)) return invalid();
      return typed{emit(opcode::s_contains, {hay.at}, e.pointer, 0, 0, p_.code[needle.at].a),
                   make(stype::tag::boolean, hay.type.text + " contains " + needle.type.text)};
    }
    if (!hay.type.is(stype::tag::list) || !is_constant(hay.at)) {
      error("type-mismatch", e.args[1].pointer,
            "\"in\" needs a constant list (or a list parameter), or an array-of-strings fact, as its second argument");
      return invalid();
    }
    const value& list = constant_value(hay.at);
    if (needle.type.stringy()) {
      std::vector<std::uint16_t> syms;
      bool ok = true;
      for (std::uint32_t i = 0; i < list.n; ++i) {
        const value& item = list.items[i];
        std::string ptr = list_item_pointer(e.args[1], i);
        if (item.k != kind::string) {
          error("type-mismatch", ptr,
                "the list holds " + describe_item(item) + " but " + needle.type.text + " is a string");
          ok = false;
          continue;
        }
        if (needle.type.is(stype::tag::enumeration) && !needle.type.node->has_enum_value(item.sv())) {
          error("not-a-value", ptr,
                "\"" + std::string(item.sv()) + "\" is not a value of " + needle.type.text +
                    did_you_mean(std::string(item.sv()), needle.type.node->enum_values));
          ok = false;
          continue;
        }
        syms.push_back(item.sym);
      }
      if (!ok) return invalid();
      if (needle.type.is(stype::tag::enumeration)) {
        // Every possible value is listed: true whatever the fact is, even when it is not known.
        std::set<std::uint16_t> listed(syms.begin(), syms.end());
        bool covers = std::all_of(needle.type.node->enum_syms.begin(), needle.type.node->enum_syms.end(),
                                  [&](std::uint16_t x) { return listed.count(x) > 0; });
        if (covers) return typed{constant(value::boolean(true), e.pointer), make(stype::tag::boolean, text)};
      }
      std::uint32_t set = symbol_set(std::move(syms));
      const instruction& n = p_.code[needle.at];
      if (n.op == opcode::s_fact)
        return typed{emit(opcode::s_fact_in_set, {}, e.pointer, 0, n.a, p_.code[hay.at].a, set),
                     make(stype::tag::boolean, text)};
      if (n.op == opcode::s_field && n.b == 0)
        return typed{emit(opcode::s_field_in_set, {}, e.pointer, 0, n.a, p_.code[hay.at].a, set),
                     make(stype::tag::boolean, text)};
      return typed{fold(emit(opcode::s_in_set, {needle.at}, e.pointer, 0, 0, p_.code[hay.at].a, set)),
                   make(stype::tag::boolean, text)};
    }
    if (needle.type.is(stype::tag::number) || needle.type.is(stype::tag::date)) {
      bool ok = true;
      for (std::uint32_t i = 0; i < list.n; ++i) {
        const value& item = list.items[i];
        bool fits = needle.type.is(stype::tag::number) ? item.k == kind::number
                                                       : item.k == kind::string && dates::parse(item.sv()).has_value();
        if (!fits) {
          error("type-mismatch", list_item_pointer(e.args[1], i),
                "the list holds " + describe_item(item) + " but " + needle.type.text + " is " +
                    describe_type(needle.type));
          ok = false;
        }
      }
      if (!ok) return invalid();
      std::uint32_t list_const = p_.code[hay.at].a;
      if (needle.type.is(stype::tag::date)) {
        value* items = p_.storage.allocate_array<value>(list.n);
        for (std::uint32_t i = 0; i < list.n; ++i)
          items[i] = value::date(static_cast<double>(*dates::parse(list.items[i].sv())));
        list_const = static_cast<std::uint32_t>(p_.constants.size());
        p_.constants.push_back(value::array(items, list.n));
      }
      return typed{emit(opcode::s_in_values, {needle.at}, e.pointer, 0, 0, list_const),
                   make(stype::tag::boolean, text)};
    }
    error("type-mismatch", e.args[0].pointer, "\"in\" cannot look for " + describe_type(needle.type) + " in a list");
    return invalid();
  }

  // Where item i of the list `in` searches is written: its own node for a literal list (the
  // same as pointer_child for a parsed one; an implicit rule's items carry their policy key).
  static std::string list_item_pointer(const expr& list, std::uint32_t i) {
    if (list.f == expr::form::array && i < list.args.size()) return list.args[i].pointer;
    return pointer_child(list.pointer, i);
  }

  static std::string describe_item(const value& v) {
    switch (v.k) {
      case kind::string: return "a string";
      case kind::number: return "a number";
      case kind::boolean: return "a boolean";
      case kind::null: return "null";
      default: return "a structure";
    }
  }

  typed plan_arithmetic(const expr& e) {
    std::size_t lo = (e.op == "-" || e.op == "min" || e.op == "max" || e.op == "+" || e.op == "*") ? 1 : 2;
    std::size_t hi = (e.op == "/" || e.op == "%") ? 2 : (e.op == "-" ? 2 : 1000);
    if (!arity(e, lo, hi)) return invalid();
    std::vector<std::uint32_t> kids;
    bool ok = true, integral = e.op != "/";
    std::string text;
    for (const auto& a : e.args) {
      typed t = plan(a);
      if (!t.type.ok()) {
        ok = false;
        continue;
      }
      if (!t.type.is(stype::tag::number)) {
        error("type-mismatch", a.pointer,
              "\"" + e.op + "\" works on numbers; " + t.type.text + " is " + describe_type(t.type));
        ok = false;
      }
      integral = integral && t.type.integral;
      text += (text.empty() ? "" : " " + e.op + " ") + t.type.text;
      kids.push_back(t.at);
    }
    if (!ok) return invalid();
    static const std::map<std::string, opcode> ops = {
        {"+", opcode::s_add}, {"-", opcode::s_sub},   {"*", opcode::s_mul},  {"/", opcode::s_div},
        {"%", opcode::s_mod}, {"min", opcode::s_min}, {"max", opcode::s_max}};
    if (e.op == "min" || e.op == "max") text = e.op + "(" + text + ")";
    return typed{fold(emit(ops.at(e.op), kids, e.pointer)), make(stype::tag::number, text, nullptr, integral)};
  }

  // all / some / none: [array fact, condition on each item].
  typed plan_quantifier(const expr& e) {
    if (!e.args_is_array || !arity(e, 2, 2)) return invalid();
    typed arr;
    std::optional<typed> predicate;
    if (!plan_array_argument(e.args[0], e.op, arr, predicate)) return invalid();
    frames_.push_back(frame{arr.type.node, false, stype{}});
    typed body = plan(e.args[1]);
    frames_.pop_back();
    if (!require_boolean(body, e.args[1].pointer)) return invalid();
    opcode op = e.op == "all" ? opcode::s_all : e.op == "some" ? opcode::s_some : opcode::s_none;
    if (predicate) {
      // Over filter(array, p): all → every item with p meets the body (p implies body);
      // some/none → some/no item has both p and the body.
      if (op == opcode::s_all)
        body.at =
            emit(opcode::s_or, {emit(opcode::s_not, {predicate->at}, e.args[0].pointer), body.at}, e.args[1].pointer);
      else
        body.at = emit(opcode::s_and, {predicate->at, body.at}, e.args[1].pointer);
    }
    return typed{emit(op, {arr.at, body.at}, e.pointer), make(stype::tag::boolean, e.op + " " + arr.type.text)};
  }

  // An array argument: an array fact, or {"filter": [array fact, condition]}. For a filter,
  // `predicate` is set to the condition, planned for the same items as the caller's body.
  bool plan_array_argument(const expr& a, const std::string& op, typed& arr, std::optional<typed>& predicate) {
    const expr* base = &a;
    if (a.f == expr::form::operation && a.op == "filter") {
      if (!a.args_is_array || a.args.size() != 2) {
        error("invalid-arguments", a.pointer, "\"filter\" takes an array and a condition");
        return false;
      }
      base = &a.args[0];
    }
    arr = plan(*base);
    if (!arr.type.ok()) return false;
    if (!arr.type.is(stype::tag::array)) {
      error("type-mismatch", base->pointer,
            "\"" + op + "\" iterates over an array fact; " + arr.type.text + " is " + describe_type(arr.type));
      return false;
    }
    if (base == &a) return true;
    frames_.push_back(frame{arr.type.node, false, stype{}});
    typed p = plan(a.args[1]);
    frames_.pop_back();
    if (!require_boolean(p, a.args[1].pointer)) return false;
    predicate = p;
    return true;
  }

  // {"reduce": [array, body, initial]}: a running value over the items (typically a count or a sum).
  typed plan_reduce(const expr& e) {
    if (!e.args_is_array || !arity(e, 3, 3)) {
      if (e.args.size() == 2)
        error("invalid-arguments", e.pointer, "\"reduce\" in a policy needs its initial value: [array, body, initial]");
      return invalid();
    }
    typed arr;
    std::optional<typed> predicate;
    bool arr_ok = plan_array_argument(e.args[0], "reduce", arr, predicate);
    typed init = plan(e.args[2]);
    if (!arr_ok || !init.type.ok()) return invalid();
    if (!(init.type.is(stype::tag::number) || init.type.is(stype::tag::boolean))) {
      error("type-mismatch", e.args[2].pointer,
            "\"reduce\" in a policy accumulates a number or a boolean; " + init.type.text + " is " +
                describe_type(init.type));
      return invalid();
    }
    frame f{arr.type.node, true, init.type};
    frames_.push_back(f);
    typed body = plan(e.args[1]);
    frames_.pop_back();
    if (!body.type.ok()) return invalid();
    if (!compatible(body.type, init.type)) {
      error("type-mismatch", e.args[1].pointer,
            "the body of \"reduce\" must give " + describe_type(init.type) + " like its initial value, but gives " +
                describe_type(body.type));
      return invalid();
    }
    stype t = init.type;
    t.text = "the value reduced over " + arr.type.text;
    std::vector<std::uint32_t> kids{arr.at, body.at, init.at};
    if (predicate) kids.push_back(predicate->at);  // reduce over filter: items the condition keeps
    return typed{emit(opcode::s_reduce, kids, e.pointer), t};
  }

  typed plan_length(const expr& e) {
    if (!arity(e, 1, 1)) return invalid();
    const expr& a = e.args[0];
    if (a.f == expr::form::operation && a.op == "filter") {
      if (!a.args_is_array || a.args.size() != 2) {
        error("invalid-arguments", a.pointer, "\"filter\" takes an array and a condition");
        return invalid();
      }
      typed arr = plan(a.args[0]);
      if (!arr.type.ok()) return invalid();
      if (!arr.type.is(stype::tag::array)) {
        error("type-mismatch", a.args[0].pointer,
              "\"filter\" iterates over an array fact; " + arr.type.text + " is " + describe_type(arr.type));
        return invalid();
      }
      frames_.push_back(frame{arr.type.node, false, stype{}});
      typed body = plan(a.args[1]);
      frames_.pop_back();
      if (!require_boolean(body, a.args[1].pointer)) return invalid();
      return typed{emit(opcode::s_count, {arr.at, body.at}, e.pointer),
                   make(stype::tag::number, "the number of " + arr.type.text + " items matching", nullptr, true)};
    }
    typed arr = plan(a);
    if (!arr.type.ok()) return invalid();
    if (!arr.type.is(stype::tag::array)) {
      error("type-mismatch", a.pointer,
            "\"length\" counts the items of an array fact; " + arr.type.text + " is " + describe_type(arr.type));
      return invalid();
    }
    return typed{emit(opcode::s_length, {arr.at}, e.pointer),
                 make(stype::tag::number, "the number of " + arr.type.text + " items", nullptr, true)};
  }

  typed plan_date_difference(const expr& e) {
    if (!e.args_is_array || !arity(e, 2, 2)) return invalid();
    std::vector<std::uint32_t> kids;
    std::vector<std::string> texts;
    bool ok = true;
    for (const auto& a : e.args) {
      typed t = plan(a);
      if (!t.type.ok()) {
        ok = false;
        continue;
      }
      stype date_type = make(stype::tag::date, "a date");
      if (!coerce_literal(t, date_type, a.pointer)) {
        ok = false;
        continue;
      }
      if (!t.type.is(stype::tag::date)) {
        error("type-mismatch", a.pointer,
              "\"" + e.op + "\" takes dates; " + t.type.text + " is " + describe_type(t.type));
        ok = false;
      }
      kids.push_back(t.at);
      texts.push_back(t.type.text);
    }
    if (!ok) return invalid();
    opcode op = e.op == "days_between"     ? opcode::s_days_between
                : e.op == "months_between" ? opcode::s_months_between
                                           : opcode::s_years_between;
    std::string unit = e.op.substr(0, e.op.find('_'));
    return typed{fold(emit(op, kids, e.pointer)),
                 make(stype::tag::number, unit + " from " + texts[0] + " to " + texts[1], nullptr, true)};
  }

  strict_context& cx_;
  std::vector<frame> frames_;
  std::vector<std::string> pred_stack_;
  limits lim_{};
  std::size_t depth_ = 0;
  bool limit_reported_ = false;
};

}  // namespace divert::detail
