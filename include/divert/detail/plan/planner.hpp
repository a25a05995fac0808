#pragma once
// Expression tree -> program, for compat mode (untyped JsonLogic). Resolves operators (unknown
// ones are diagnostics naming the pointer), assigns slots to root variable paths, interns
// strings, folds constant sub-expressions and fuses comparisons against constants.
// The specification dialect and its extension operators are planned in spec_planner.hpp.

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "divert/detail/eval/js_semantics.hpp"
#include "divert/detail/ir/expr.hpp"
#include "divert/detail/plan/constants.hpp"
#include "divert/detail/plan/program.hpp"
#include "divert/detail/plan/program_builder.hpp"
#include "divert/error.hpp"

namespace divert::detail {

enum class dialect_id : std::uint8_t {
  javascript,     // json-logic-js 2.0.5, the reference implementation
  specification,  // the JsonLogic organisation's suites (json-logic-engine 5)
};

struct plan_options {
  dialect_id dialect = dialect_id::javascript;
  const std::map<std::string, custom_function, std::less<>>* customs = nullptr;
  std::string file;
  bool fold_constants = true;
};

class planner;
// Defined in spec_planner.hpp: plans an operation of the specification dialect, or an
// extension operator (val, exists, length, try, throw, preserve, ??) in either dialect.
// Returns false when `e.op` is not one of its operators.
bool plan_spec_operation(planner& pl, const expr& e, std::uint32_t& out);

class planner : public program_builder {
 public:
  planner(program& p, plan_options opts, std::vector<diagnostic>& diagnostics)
      : program_builder(p, diagnostics, opts.file, opts.fold_constants), opts_(std::move(opts)) {}

  std::uint32_t plan_root(const expr& e) {
    p_.root = plan(e);
    return p_.root;
  }

  // ---- building blocks (also used by the specification dialect's planner) ----

  std::uint32_t plan(const expr& e) {
    switch (e.f) {
      case expr::form::literal:
        if (e.data_object && opts_.dialect == dialect_id::specification && e.literal.size() > 1) {
          error("unknown-operator", e.pointer,
                "an object with " + std::to_string(e.literal.size()) +
                    " keys is not an operation (write one key per operation)");
          return constant(value::null(), e.pointer);
        }
        return constant_json(e.literal, e.pointer);
      case expr::form::array: {
        std::vector<std::uint32_t> items;
        items.reserve(e.args.size());
        for (const auto& a : e.args) items.push_back(plan(a));
        return fold(emit(opcode::make_array, items, e.pointer));
      }
      case expr::form::operation: break;
    }
    std::uint32_t out = 0;
    // An operator the embedding program registers replaces a built-in of the same name, as
    // json-logic-js's add_operation and json-logic-engine's addMethod do.
    if (opts_.customs) {
      auto it = opts_.customs->find(e.op);
      if (it != opts_.customs->end()) {
        std::uint32_t index = static_cast<std::uint32_t>(p_.customs.size());
        p_.customs.push_back(it->second);
        return emit(opcode::custom, plan_all(e.args), e.pointer, 0, index);
      }
    }
    if (plan_spec_operation(*this, e, out)) return out;
    if (opts_.dialect == dialect_id::javascript) {
      if (plan_javascript(e, out)) return out;
    }
    error("unknown-operator", e.pointer, "unknown operator \"" + e.op + "\"");
    return constant(value::null(), e.pointer);
  }

  std::vector<std::uint32_t> plan_all(const std::vector<expr>& args) {
    std::vector<std::uint32_t> out;
    out.reserve(args.size());
    for (const auto& a : args) out.push_back(plan(a));
    return out;
  }

  // A variable read of a static path: a slot at the root scope, a path walk inside iterations.
  std::uint32_t emit_var(const std::vector<std::string>& segments, std::string text, const std::string& pointer,
                         const std::vector<std::uint32_t>& default_kid) {
    std::uint32_t path = add_path(segments, std::move(text));
    if (scope_depth == 0) {
      std::uint32_t slot = static_cast<std::uint32_t>(p_.slot_paths.size());
      p_.slot_paths.push_back(path);
      return emit(opcode::var_slot, default_kid, pointer, 0, slot);
    }
    return emit(opcode::var_scoped, default_kid, pointer, 0, path);
  }

  const plan_options& options() const { return opts_; }
  int scope_depth = 0;  // > 0 inside the logic of map/filter/reduce/all/some/none
  int try_depth = 0;    // > 0 inside a try: a wrong shape is an error at run time, which try catches

  // Plans `logic` as the body of an iteration (its variables read the current item).
  std::uint32_t plan_in_scope(const expr& logic) {
    ++scope_depth;
    std::uint32_t r = plan(logic);
    --scope_depth;
    return r;
  }

 private:
  // ---- json-logic-js 2.0.5 ----
  bool plan_javascript(const expr& e, std::uint32_t& out) {
    static const std::map<std::string_view, opcode, std::less<>> simple = {
        {"if", opcode::js_if},
        {"?:", opcode::js_if},
        {"and", opcode::js_and},
        {"or", opcode::js_or},
        {"!", opcode::js_not},
        {"!!", opcode::js_truthy},
        {"==", opcode::js_eq},
        {"===", opcode::js_strict_eq},
        {"!=", opcode::js_ne},
        {"!==", opcode::js_strict_ne},
        {"<", opcode::js_lt},
        {"<=", opcode::js_le},
        {">", opcode::js_gt},
        {">=", opcode::js_ge},
        {"+", opcode::js_add},
        {"*", opcode::js_mul},
        {"-", opcode::js_sub},
        {"/", opcode::js_div},
        {"%", opcode::js_mod},
        {"min", opcode::js_min},
        {"max", opcode::js_max},
        {"cat", opcode::js_cat},
        {"substr", opcode::js_substr},
        {"in", opcode::js_in},
        {"merge", opcode::js_merge},
        {"log", opcode::js_log},
        {"missing", opcode::js_missing},
        {"missing_some", opcode::js_missing_some},
    };
    static const std::map<std::string_view, opcode, std::less<>> iterations = {
        {"map", opcode::js_map}, {"filter", opcode::js_filter}, {"reduce", opcode::js_reduce},
        {"all", opcode::js_all}, {"some", opcode::js_some},     {"none", opcode::js_none},
    };
    if (e.op == "var") {
      out = plan_js_var(e);
      return true;
    }
    if (auto it = iterations.find(e.op); it != iterations.end()) {
      std::vector<std::uint32_t> kids;
      if (!e.args.empty()) kids.push_back(plan(e.args[0]));
      if (e.args.size() > 1) kids.push_back(plan_in_scope(e.args[1]));
      if (it->second == opcode::js_reduce) {
        p_.symbols.intern("current");
        p_.symbols.intern("accumulator");
        if (e.args.size() > 2) kids.push_back(plan(e.args[2]));
      }
      if (kids.empty()) kids.push_back(constant(value::undefined(), e.pointer));
      out = emit(it->second, kids, e.pointer);
      return true;
    }
    auto it = simple.find(e.op);
    if (it == simple.end()) return false;
    std::vector<std::uint32_t> kids = plan_all(e.args);
    opcode op = it->second;
    if (op == opcode::js_log) {  // never folded: it has an effect
      out = emit(op, kids, e.pointer);
      return true;
    }
    if (op == opcode::js_missing || op == opcode::js_missing_some) {  // reads the data
      out = emit(op, kids, e.pointer);
      return true;
    }
    out = fuse_javascript(op, kids, e.pointer);
    return true;
  }

  std::uint32_t plan_js_var(const expr& e) {
    // {"var": path} or {"var": [path, default]}; every argument is evaluated first in json-logic-js.
    std::vector<std::uint32_t> default_kid;
    if (e.args.size() > 1) default_kid.push_back(plan(e.args[1]));
    const expr* path = e.args.empty() ? nullptr : &e.args[0];
    if (!path || path->is_literal()) {
      const nlohmann::ordered_json* lit = path ? &path->literal : nullptr;
      std::vector<std::string> segments;
      std::string text;
      if (!lit || lit->is_null() || (lit->is_string() && lit->get_ref<const std::string&>().empty())) {
        // the whole data
      } else if (lit->is_string() || lit->is_number() || lit->is_boolean()) {
        json_to_value conv(p_.symbols, p_.storage, string_mode::plain);
        text = js::to_string(conv.convert(*lit));
        segments = split_dots(text);
      } else {
        return emit(opcode::var_dynamic, concat({plan(*path)}, default_kid), e.pointer);
      }
      return emit_var(segments, text, e.pointer, default_kid);
    }
    p_.needs_whole_document = true;
    return emit(opcode::var_dynamic, concat({plan(*path)}, default_kid), e.pointer);
  }

  static std::vector<std::uint32_t> concat(std::vector<std::uint32_t> a, const std::vector<std::uint32_t>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }

  // Comparisons against a constant become one instruction reading its operand directly.
  std::uint32_t fuse_javascript(opcode op, const std::vector<std::uint32_t>& kids, const std::string& pointer) {
    std::uint32_t general = fold(emit(op, kids, pointer));
    if (is_constant(general)) return general;
    auto operand = [&](std::uint32_t k, std::uint8_t& flags, std::uint32_t& a, std::vector<std::uint32_t>& ks) {
      const instruction& ins = p_.code[k];
      if (ins.op == opcode::var_slot && ins.count == 0) {
        flags |= operand_slot;
        a = ins.a;
      } else {
        ks.push_back(k);
      }
    };
    auto replace = [&](opcode fused, std::uint32_t operand_kid, std::uint8_t flags, std::uint32_t b, std::uint32_t c) {
      std::uint32_t a = 0;
      std::vector<std::uint32_t> ks;
      operand(operand_kid, flags, a, ks);
      instruction& ins = p_.code[general];
      ins.op = fused;
      ins.flags = flags;
      ins.count = static_cast<std::uint16_t>(ks.size());
      ins.first = static_cast<std::uint32_t>(p_.kids.size());
      p_.kids.insert(p_.kids.end(), ks.begin(), ks.end());
      ins.a = a;
      ins.b = b;
      ins.c = c;
      return general;
    };
    auto scalar_constant = [&](std::uint32_t k) {
      if (!is_constant(k)) return false;
      kind t = constant_value(k).k;
      return t == kind::string || t == kind::number || t == kind::boolean || t == kind::null;
    };
    auto number_constant = [&](std::uint32_t k) { return is_constant(k) && constant_value(k).k == kind::number; };
    if (kids.size() == 2 &&
        (op == opcode::js_eq || op == opcode::js_ne || op == opcode::js_strict_eq || op == opcode::js_strict_ne)) {
      opcode fused = op == opcode::js_eq          ? opcode::js_eq_const
                     : op == opcode::js_ne        ? opcode::js_ne_const
                     : op == opcode::js_strict_eq ? opcode::js_strict_eq_const
                                                  : opcode::js_strict_ne_const;
      // Both equalities are symmetric, so the constant may be on either side.
      if (scalar_constant(kids[1])) return replace(fused, kids[0], 0, p_.code[kids[1]].a, 0);
      if (scalar_constant(kids[0])) return replace(fused, kids[1], 0, p_.code[kids[0]].a, 0);
    }
    if (kids.size() == 2 && op == opcode::js_in && is_constant(kids[1])) {
      const value& hay = constant_value(kids[1]);
      bool all_strings = hay.k == kind::array && hay.n > 0;
      for (std::uint32_t i = 0; all_strings && i < hay.n; ++i) all_strings = hay.items[i].k == kind::string;
      if (all_strings) {
        std::vector<std::uint16_t> set;
        for (std::uint32_t i = 0; i < hay.n; ++i) set.push_back(hay.items[i].sym);
        std::uint32_t set_index = add_symbol_set(std::move(set));
        return replace(opcode::js_in_const_strings, kids[0], 0, p_.code[kids[1]].a, set_index);
      }
    }
    if (kids.size() == 3 && (op == opcode::js_lt || op == opcode::js_le) && number_constant(kids[0]) &&
        number_constant(kids[2])) {
      std::uint8_t f = op == opcode::js_le ? (lower_inclusive | upper_inclusive) : 0;
      return replace(opcode::js_between_const, kids[1], f, p_.code[kids[0]].a, p_.code[kids[2]].a);
    }
    if (kids.size() == 2 &&
        (op == opcode::js_lt || op == opcode::js_le || op == opcode::js_gt || op == opcode::js_ge)) {
      auto flag_of = [](opcode o) -> std::uint8_t {
        return o == opcode::js_lt ? cmp_lt : o == opcode::js_le ? cmp_le : o == opcode::js_gt ? cmp_gt : cmp_ge;
      };
      auto mirrored = [](opcode o) {
        return o == opcode::js_lt   ? opcode::js_gt
               : o == opcode::js_le ? opcode::js_ge
               : o == opcode::js_gt ? opcode::js_lt
                                    : opcode::js_le;
      };
      if (number_constant(kids[1])) return replace(opcode::js_cmp_const, kids[0], flag_of(op), p_.code[kids[1]].a, 0);
      if (number_constant(kids[0]))
        return replace(opcode::js_cmp_const, kids[1], flag_of(mirrored(op)), p_.code[kids[0]].a, 0);
    }
    return general;
  }

  plan_options opts_;
};

}  // namespace divert::detail
