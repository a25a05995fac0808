#pragma once
// The JsonLogic organisation's specification dialect (as json-logic-engine 5 implements it),
// and the extension operators both dialects share: val, exists, length, try, throw, preserve, ??.
//
// Shapes that are wrong whatever the data (a lazy operator without an array of arguments, too
// few arguments) are compile errors "invalid-arguments"; the suites accept an error either way.
// Arguments that are only known at run time are checked at run time (spec_eval.hpp).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "divert/detail/eval/spec_eval.hpp"
#include "divert/detail/plan/planner.hpp"

namespace divert::detail {

class spec_planner {
 public:
  explicit spec_planner(planner& pl) : pl_(pl), p_(pl.prog()) {}

  bool plan(const expr& e, std::uint32_t& out) {
    auto done = [&out](std::uint32_t planned) {
      out = planned;
      return true;
    };
    // ---- extensions: both dialects ----
    if (e.op == "val") return done(plan_val(e));
    if (e.op == "exists") return done(plan_exists(e));
    if (e.op == "length") return done(plan_length(e));
    if (e.op == "try") return done(plan_try(e));
    if (e.op == "throw") return done(plan_throw(e));
    if (e.op == "preserve") return done(pl_.constant_json(e.literal, e.pointer));  // its argument is data
    if (e.op == "??") return done(plan_lazy(e, opcode::spec_coalesce));
    if (pl_.options().dialect != dialect_id::specification) return false;

    // ---- the specification dialect ----
    static const std::map<std::string_view, opcode, std::less<>> eager = {
        {"+", opcode::spec_add},     {"*", opcode::spec_mul},           {"-", opcode::spec_sub},
        {"/", opcode::spec_div},     {"%", opcode::spec_mod},           {"min", opcode::spec_min},
        {"max", opcode::spec_max},   {"cat", opcode::spec_cat},         {"substr", opcode::spec_substr},
        {"in", opcode::spec_in},     {"merge", opcode::spec_merge},     {"!", opcode::spec_not},
        {"!!", opcode::spec_truthy}, {"missing", opcode::spec_missing}, {"missing_some", opcode::spec_missing_some},
    };
    static const std::map<std::string_view, spec_cmp, std::less<>> comparisons = {
        {"<", spec_cmp::lt},  {"<=", spec_cmp::le}, {">", spec_cmp::gt},          {">=", spec_cmp::ge},
        {"==", spec_cmp::eq}, {"!=", spec_cmp::ne}, {"===", spec_cmp::strict_eq}, {"!==", spec_cmp::strict_ne},
    };
    static const std::map<std::string_view, opcode, std::less<>> iterations = {
        {"map", opcode::spec_map},   {"filter", opcode::spec_filter}, {"all", opcode::spec_all},
        {"some", opcode::spec_some}, {"none", opcode::spec_none},     {"reduce", opcode::spec_reduce},
    };
    if (e.op == "var") return done(plan_var(e));
    if (e.op == "if" || e.op == "?:") return done(plan_lazy(e, opcode::spec_if));
    if (e.op == "and") return done(plan_lazy(e, opcode::spec_and));
    if (e.op == "or") return done(plan_lazy(e, opcode::spec_or));
    if (auto it = comparisons.find(e.op); it != comparisons.end()) return done(plan_compare(e, it->second));
    if (auto it = iterations.find(e.op); it != iterations.end()) return done(plan_iteration(e, it->second));
    if (auto it = eager.find(e.op); it != eager.end()) return done(plan_eager(e, it->second));
    return false;
  }

 private:
  struct arguments {
    std::vector<std::uint32_t> kids;
    std::uint8_t flags = 0;  // spec_spread when the list is only known at run time
    bool known_count() const noexcept { return !(flags & spec_spread); }
  };

  // The argument list of an eager operator. {"op": [a, b]} is a, b; {"op": x} with x data is
  // x alone; {"op": {"other": ...}} is the other operation's value, spread when it is an array
  // (at compile time when it folds to a constant).
  arguments plan_arguments(const expr& e) {
    arguments r;
    if (e.args_is_array) {
      r.kids = pl_.plan_all(e.args);
      return r;
    }
    const expr& a = e.args[0];
    std::uint32_t k = pl_.plan(a);
    if (a.f != expr::form::operation) {
      r.kids = {k};
      return r;
    }
    if (pl_.is_constant(k)) {
      value v = pl_.constant_value(k);
      if (v.k == kind::array) {
        for (std::uint32_t i = 0; i < v.n; ++i) r.kids.push_back(pl_.constant(v.items[i], a.pointer));
      } else {
        r.kids = {k};
      }
      return r;
    }
    r.kids = {k};
    r.flags = spec_spread;
    return r;
  }

  // A shape that fails whatever the data: a compile error, except inside a try, which would
  // catch it at run time.
  std::uint32_t invalid(const expr& e, const std::string& why) {
    if (pl_.try_depth > 0) {
      std::uint32_t payload = pl_.constant_json(nlohmann::ordered_json{{"type", "Invalid Arguments"}}, e.pointer);
      return pl_.emit(opcode::spec_throw, {payload}, e.pointer, 0, intern("type"));
    }
    pl_.error("invalid-arguments", e.pointer, "\"" + e.op + "\" " + why);
    return pl_.constant(value::null(), e.pointer);
  }

  std::uint32_t constant_undefined(const expr& e) { return pl_.constant(value::undefined(), e.pointer); }

  std::uint16_t intern(std::string_view s) { return p_.symbols.intern(s); }

  // ---- eager operators ----------------------------------------------------------------------

  std::uint32_t plan_eager(const expr& e, opcode op) {
    arguments a = plan_arguments(e);
    if (a.known_count()) {
      std::size_t n = a.kids.size();
      auto structured_first = [&] {
        if (n == 0 || !pl_.is_constant(a.kids[0])) return false;
        kind k = pl_.constant_value(a.kids[0]).k;
        return k == kind::array || k == kind::object;
      };
      if ((op == opcode::spec_sub || op == opcode::spec_div) && n == 0) return invalid(e, "needs at least 1 argument");
      if (op == opcode::spec_mod && n < 2 && !structured_first()) return invalid(e, "needs at least 2 arguments");
      if ((op == opcode::spec_min || op == opcode::spec_max) && n == 0) return invalid(e, "needs at least 1 number");
    }
    std::uint32_t general = pl_.emit(op, a.kids, e.pointer, a.flags);
    if (op == opcode::spec_missing || op == opcode::spec_missing_some) {  // reads the data: never folded
      presplit_keys(general);
      return general;
    }
    if (op == opcode::spec_in && !(a.flags & spec_spread)) {
      if (std::uint32_t fused = 0; fuse_in(a.kids, e.pointer, fused)) return fused;
    }
    return pl_.fold(general);
  }

  // missing / missing_some over constant keys (strings, numbers): their paths are split once,
  // here, into consecutive paths from instruction::a (flags & spec_static_keys).
  void presplit_keys(std::uint32_t index) {
    instruction ins = p_.code[index];
    if (ins.flags & spec_spread) return;
    const value* keys = nullptr;
    std::uint32_t n = 0;
    std::vector<value> items;
    if (ins.op == opcode::spec_missing) {
      for (std::uint32_t k = 0; k < ins.count; ++k) {
        if (!pl_.is_constant(p_.kid(ins, k))) return;
        items.push_back(pl_.constant_value(p_.kid(ins, k)));
      }
      keys = items.data();
      n = static_cast<std::uint32_t>(items.size());
    } else {
      if (ins.count < 2 || !pl_.is_constant(p_.kid(ins, 1))) return;
      value options = pl_.constant_value(p_.kid(ins, 1));
      if (options.k != kind::array) return;
      keys = options.items;
      n = options.n;
    }
    for (std::uint32_t i = 0; i < n; ++i)
      if (keys[i].k != kind::string && keys[i].k != kind::number) return;
    std::uint32_t first = static_cast<std::uint32_t>(p_.paths.size());
    for (std::uint32_t i = 0; i < n; ++i) {
      std::string text = js::to_string(keys[i]);
      pl_.add_path(spec::split_path(text), text);
    }
    p_.code[index].flags |= spec_static_keys;
    p_.code[index].a = first;
  }

  // {"in": [x, ["a", "b", ...]]}: includes over constant strings is a symbol-set lookup.
  bool fuse_in(const std::vector<std::uint32_t>& kids, const std::string& pointer, std::uint32_t& out) {
    if (kids.size() != 2 || pl_.is_constant(kids[0]) || !pl_.is_constant(kids[1])) return false;
    value hay = pl_.constant_value(kids[1]);
    if (hay.k != kind::array || hay.n == 0) return false;
    std::vector<std::uint16_t> set;
    for (std::uint32_t i = 0; i < hay.n; ++i) {
      if (hay.items[i].k != kind::string) return false;
      set.push_back(hay.items[i].sym);
    }
    std::uint32_t set_index = pl_.add_symbol_set(std::move(set));
    std::uint8_t flags = 0;
    std::uint32_t a = 0;
    std::vector<std::uint32_t> operand = operand_of(kids[0], flags, a);
    out = pl_.emit(opcode::js_in_const_strings, operand, pointer, flags, a, p_.code[kids[1]].a, set_index);
    return true;
  }

  // A fused instruction's operand: a slot read in place, or the instruction as its kid.
  std::vector<std::uint32_t> operand_of(std::uint32_t k, std::uint8_t& flags, std::uint32_t& a) {
    const instruction& ins = p_.code[k];
    if (ins.op == opcode::var_slot && ins.count == 0) {
      flags |= operand_slot;
      a = ins.a;
      return {};
    }
    return {k};
  }

  // ---- lazy operators -----------------------------------------------------------------------

  std::uint32_t plan_lazy(const expr& e, opcode op) {
    if (!e.args_is_array) return invalid(e, "takes an array of arguments");
    return pl_.fold(pl_.emit(op, pl_.plan_all(e.args), e.pointer));
  }

  std::uint32_t plan_compare(const expr& e, spec_cmp c) {
    if (!e.args_is_array) return invalid(e, "takes an array of arguments");
    if (e.args.size() < 2) return invalid(e, "needs at least 2 arguments");
    std::vector<std::uint32_t> kids = pl_.plan_all(e.args);
    auto scalar_constant = [&](std::uint32_t k) {
      if (!pl_.is_constant(k)) return false;
      kind t = pl_.constant_value(k).k;
      return t == kind::string || t == kind::number || t == kind::boolean || t == kind::null;
    };
    auto number_constant = [&](std::uint32_t k) {
      return pl_.is_constant(k) && pl_.constant_value(k).k == kind::number;
    };
    if (kids.size() == 2 && pl_.is_constant(kids[0]) != pl_.is_constant(kids[1])) {
      bool left = pl_.is_constant(kids[0]);
      std::uint32_t constant_kid = left ? kids[0] : kids[1], operand_kid = left ? kids[1] : kids[0];
      if (scalar_constant(constant_kid)) {
        std::uint8_t flags = 0;
        std::uint32_t a = 0;
        std::vector<std::uint32_t> operand = operand_of(operand_kid, flags, a);
        std::uint32_t b = p_.code[constant_kid].a;
        if (c == spec_cmp::strict_eq || c == spec_cmp::strict_ne)  // the same as JavaScript's ===
          return pl_.emit(c == spec_cmp::strict_eq ? opcode::js_strict_eq_const : opcode::js_strict_ne_const, operand,
                          e.pointer, flags, a, b);
        if (left) flags |= spec_const_left;
        return pl_.emit(opcode::spec_compare_const, operand, e.pointer, flags, a, b, static_cast<std::uint32_t>(c));
      }
    }
    if (kids.size() == 3 && (c == spec_cmp::lt || c == spec_cmp::le) && number_constant(kids[0]) &&
        number_constant(kids[2]) && !pl_.is_constant(kids[1])) {
      std::uint8_t flags = c == spec_cmp::le ? (lower_inclusive | upper_inclusive) : 0;
      std::uint32_t a = 0;
      std::vector<std::uint32_t> operand = operand_of(kids[1], flags, a);
      return pl_.emit(opcode::spec_between_const, operand, e.pointer, flags, a, p_.code[kids[0]].a, p_.code[kids[2]].a);
    }
    return pl_.fold(pl_.emit(opcode::spec_compare, kids, e.pointer, 0, static_cast<std::uint32_t>(c)));
  }

  std::uint32_t plan_iteration(const expr& e, opcode op) {
    if (!e.args_is_array) return invalid(e, "takes an array of arguments");
    std::vector<std::uint32_t> kids;
    kids.push_back(e.args.empty() ? constant_undefined(e) : pl_.plan(e.args[0]));
    kids.push_back(e.args.size() > 1 ? pl_.plan_in_scope(e.args[1]) : constant_undefined(e));
    std::uint8_t flags = 0;
    std::uint32_t a = 0, b = 0;
    if (op == opcode::spec_reduce) {
      a = intern("accumulator");
      b = intern("current");
      if (e.args.size() > 2) {
        kids.push_back(pl_.plan(e.args[2]));
        flags |= spec_has_initial;
      }
    }
    return pl_.fold(pl_.emit(op, kids, e.pointer, flags, a, b));
  }

  std::uint32_t plan_try(const expr& e) {
    // Every alternative after the first reads the error ({"type": ...}) as its data.
    std::vector<std::uint32_t> kids;
    ++pl_.try_depth;
    for (std::size_t i = 0; i < e.args.size(); ++i)
      kids.push_back(i == 0 ? pl_.plan(e.args[i]) : pl_.plan_in_scope(e.args[i]));
    --pl_.try_depth;
    if (!kids.empty() && pl_.is_constant(kids[0])) return kids[0];  // a constant cannot fail
    return pl_.emit(opcode::spec_try, kids, e.pointer, 0, intern("type"));
  }

  std::uint32_t plan_throw(const expr& e) {
    arguments a = plan_arguments(e);
    return pl_.emit(opcode::spec_throw, a.kids, e.pointer, a.flags, intern("type"));
  }

  std::uint32_t plan_length(const expr& e) {
    const nlohmann::ordered_json& raw = e.literal;  // as written, before evaluation
    bool falsy = raw.is_null() || (raw.is_boolean() && !raw.get<bool>()) ||
                 (raw.is_number() && raw.get<double>() == 0) ||
                 (raw.is_string() && raw.get_ref<const std::string&>().empty());
    if (falsy || raw.is_number() || raw.is_boolean()) return invalid(e, "needs a string, an array or an object");
    if (raw.is_array() && raw.empty()) return invalid(e, "needs a string, an array or an object");
    // {"length": [x, ...]} measures x; {"length": x} measures x's value, array or not.
    return pl_.fold(pl_.emit(opcode::spec_length, pl_.plan_all(e.args), e.pointer));
  }

  // ---- data access --------------------------------------------------------------------------

  // val: {"val": key}, {"val": [key, key, ...]}, {"val": [[levels], key, ...]} (outer scopes).
  std::uint32_t plan_val(const expr& e) {
    intern("iterator");
    intern("index");
    if (!e.args_is_array) {
      const expr& a = e.args[0];
      std::uint32_t k = pl_.plan(a);
      if (!pl_.is_constant(k)) return pl_.emit(opcode::spec_val, {k}, e.pointer, spec_spread);
      value v = pl_.constant_value(k);
      if (v.k == kind::array) return static_val(v.items, v.n, e);
      return static_val(&v, 1, e);
    }
    std::vector<std::uint32_t> kids = pl_.plan_all(e.args);
    std::vector<value> items;
    for (std::uint32_t k : kids) {
      if (!pl_.is_constant(k)) return pl_.emit(opcode::spec_val, kids, e.pointer);
      items.push_back(pl_.constant_value(k));
    }
    return static_val(items.data(), static_cast<std::uint32_t>(items.size()), e);
  }

  // A val whose arguments are constants: a slot (or a walk from the current scope's data), or
  // a walk from an outer scope.
  std::uint32_t static_val(const value* items, std::uint32_t n, const expr& e) {
    if (n == 1 && items[0].k != kind::array) return static_path({js::to_string(items[0])}, 0, e);
    std::uint32_t start = 0, levels = 0;
    if (n > 0 && items[0].k == kind::array && items[0].n == 1) {
      start = 1;
      double x = std::fabs(js::to_number(items[0].items[0]));
      levels = std::isnan(x) || x <= 0 ? 0 : x > 8 ? 9 : static_cast<std::uint32_t>(std::ceil(x));
    }
    std::vector<std::string> keys;
    for (std::uint32_t i = start; i < n; ++i) keys.push_back(js::to_string(items[i]));
    return static_path(keys, levels, e);
  }

  std::uint32_t static_path(const std::vector<std::string>& keys, std::uint32_t levels, const expr& e) {
    std::string text;
    for (const auto& k : keys) text += (text.empty() ? "" : ".") + k;
    if (levels == 0) return pl_.emit_var(keys, text, e.pointer, {});
    return pl_.emit(opcode::spec_val_climb, {}, e.pointer, 0, pl_.add_path(keys, text), levels);
  }

  std::uint32_t plan_exists(const expr& e) {
    intern("iterator");
    intern("index");
    arguments a = plan_arguments(e);
    return pl_.emit(opcode::spec_exists, a.kids, e.pointer, a.flags);
  }

  // The engine's var: {"var": key} or {"var": [key, default]}; keys split on "." ("\." escapes).
  std::uint32_t plan_var(const expr& e) {
    if (e.args.empty()) return pl_.emit_var({}, "", e.pointer, {});  // {"var": []}: the data
    const expr& key = e.args[0];
    if (!e.args_is_array) {
      std::uint32_t k = pl_.plan(key);
      if (!pl_.is_constant(k)) return pl_.emit(opcode::spec_var, {k}, e.pointer, spec_spread);
      value v = pl_.constant_value(k);
      if (v.k != kind::array) return static_var(v, {}, e);
      if (v.n > 1) return static_var(v.items[0], {pl_.constant(v.items[1], e.pointer)}, e);
      return static_var(v.n ? v.items[0] : value::undefined(), {}, e);
    }
    std::vector<std::uint32_t> kids = pl_.plan_all(e.args);
    if (!pl_.is_constant(kids[0])) return pl_.emit(opcode::spec_var, kids, e.pointer);
    std::vector<std::uint32_t> fallback;
    if (kids.size() > 1) fallback.push_back(kids[1]);
    return static_var(pl_.constant_value(kids[0]), fallback, e);
  }

  std::uint32_t static_var(const value& key, const std::vector<std::uint32_t>& fallback, const expr& e) {
    if (key.is_nullish() || (key.k == kind::string && key.n == 0)) return pl_.emit_var({}, "", e.pointer, {});
    std::string text = js::to_string(key);
    return pl_.emit_var(spec::split_path(text), text, e.pointer, fallback);
  }

  planner& pl_;
  program& p_;
};

inline bool plan_spec_operation(planner& pl, const expr& e, std::uint32_t& out) {
  spec_planner sp(pl);
  return sp.plan(e, out);
}

inline bool spec_is_foldable(opcode op) {
  switch (op) {
    case opcode::spec_val:
    case opcode::spec_val_climb:
    case opcode::spec_exists:
    case opcode::spec_var:
    case opcode::spec_missing:
    case opcode::spec_missing_some:
    case opcode::spec_throw:
    case opcode::spec_try:
    case opcode::spec_compare_const:
    case opcode::spec_between_const: return false;
    default: return true;
  }
}

}  // namespace divert::detail
