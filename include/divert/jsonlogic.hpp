#pragma once
// divert::jsonlogic — compat mode: JsonLogic over untyped JSON data, compiled once.
//
//   auto rule = divert::jsonlogic::rule::compile(R"({"<=": [18, {"var": "age"}, 24]})"_json);
//   rule.apply({{"age", 21}});                    // true
//   auto data = rule.bind(case_json);             // bind once ...
//   bool ok = rule.test(data);                    // ... evaluate many times, allocation-free
//
// Two dialects, because the JsonLogic world has two: `javascript` answers as json-logic-js
// 2.0.5 (the reference implementation, the default), `specification` as the JsonLogic
// organisation's newer suites and json-logic-engine 5. docs/jsonlogic.md lists the differences.

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "divert/detail/eval/evaluator.hpp"
#include "divert/detail/eval/spec_eval.hpp"
#include "divert/detail/eval/strict_eval.hpp"
#include "divert/detail/input/json_text.hpp"
#include "divert/detail/ir/parse.hpp"
#include "divert/detail/plan/fold.hpp"
#include "divert/detail/plan/spec_planner.hpp"
#include "divert/error.hpp"
#include "divert/limits.hpp"

namespace divert::jsonlogic {

enum class dialect {
  javascript,     // json-logic-js 2.0.5
  specification,  // the JsonLogic organisation's suites (json-logic-engine 5)
};

// An operator an embedding program adds: it receives its evaluated arguments as a JSON array.
using operator_function = std::function<nlohmann::ordered_json(const nlohmann::ordered_json& args)>;

struct options {
  jsonlogic::dialect dialect = dialect::javascript;
  divert::limits limits{};
  std::map<std::string, operator_function, std::less<>> operators;  // custom operators
  std::string file;                                                 // named in diagnostics
};

class rule;

// Data bound for one rule: its strings looked up in the rule's symbol table once, its variable
// paths resolved to slots. Also holds the scratch memory evaluation uses, so one `data` is
// evaluated by one thread at a time; the rule itself is shared freely.
class data {
 public:
  data() = default;
  data(data&&) noexcept = default;
  data& operator=(data&&) noexcept = default;

 private:
  friend class rule;
  // Slots of small rules live in the object itself: evaluating many bound cases then reads one
  // contiguous array of `data` for the cases a rule decides on its first facts.
  static constexpr std::size_t inline_slots = 8;
  detail::value* slots() noexcept { return slot_count_ <= inline_slots ? inline_.data() : heap_slots_; }

  std::array<detail::value, inline_slots> inline_{};
  detail::value* heap_slots_ = nullptr;
  std::size_t slot_count_ = 0;
  detail::arena storage_{1024};  // the bound document (and slots beyond the inline ones)
  detail::arena scratch_{1024};  // evaluation temporaries (allocated only by rules that build values)
  detail::value root_;
  const detail::program* owner_ = nullptr;
};

class rule {
 public:
  // Parses and compiles; throws compile_error (every problem, each with its JSON pointer) or
  // limit_error.
  template <class Json>
  static rule compile(const Json& logic, const options& opts = {}) {
    // Copying a document recurses as deep as it goes: one from the embedding program (not
    // read from text, where the depth is checked first) is measured before it is copied.
    std::string too_deep;
    if (detail::nested_deeper(logic, opts.limits.max_depth, too_deep))
      throw limit_error("depth-limit", "nesting deeper than " + std::to_string(opts.limits.max_depth) + " levels",
                        opts.file, too_deep);
    nlohmann::ordered_json j(logic);
    std::vector<diagnostic> diags;
    detail::parse_context cx{opts.limits, opts.file, diags};
    detail::expr e = detail::parse_expr(j, "", cx);
    if (has_errors(diags)) throw compile_error(std::move(diags));
    auto p = std::make_shared<detail::program>();
    detail::plan_options po;
    po.dialect =
        opts.dialect == dialect::javascript ? detail::dialect_id::javascript : detail::dialect_id::specification;
    po.customs = &opts.operators;
    po.file = opts.file;
    p->empty_object_is_false = po.dialect == detail::dialect_id::specification;
    detail::planner pl(*p, po, diags);
    pl.plan_root(e);
    if (has_errors(diags)) throw compile_error(std::move(diags));
    rule r;
    r.program_ = std::move(p);
    r.limits_ = opts.limits;
    return r;
  }

  // Parses JSON text first (syntax errors carry line and column).
  static rule compile_text(std::string_view text, const options& opts = {}) {
    return compile(detail::parse_json_text(text, opts.file, opts.limits), opts);
  }

  template <class Json>
  data bind(const Json& json) const {
    data d;
    bind(json, d);
    return d;
  }

  // Rebinds `d` (reusing its memory) to new data.
  template <class Json>
  void bind(const Json& json, data& d) const {
    bind_built(
        [&](detail::arena& storage) {
          detail::json_to_value conv(program_->symbols, storage, detail::string_mode::lookup, &limits_);
          return conv.convert(json);
        },
        [&] { return 64 + bytes_needed(json, limits_.max_depth); }, d);
  }

  // Rebinds `d` to a document that another reader builds: `build(storage)` returns its root as
  // values in `storage` (strings looked up in symbols(), within data_limits()); `first_block()` is
  // the bytes to reserve the first time. divert/simdjson_binding.hpp reads JSON text this way.
  template <class Build, class Size>
  void bind_built(Build&& build, Size&& first_block, data& d) const {
    std::size_t slots = program_->slot_paths.size();
    if (d.storage_.empty()) d.storage_.size_first_block(first_block());
    d.storage_.reset();
    d.owner_ = program_.get();
    d.slot_count_ = slots;
    if (slots > data::inline_slots) d.heap_slots_ = d.storage_.allocate_array<detail::value>(slots);
    d.root_ = build(d.storage_);
    detail::value* out = d.slots();
    for (std::size_t i = 0; i < slots; ++i)
      out[i] = detail::walk_path(*program_, d.root_, program_->paths[program_->slot_paths[i]], d.storage_);
  }
  const detail::symbol_table& symbols() const noexcept { return program_->symbols; }
  const divert::limits& data_limits() const noexcept { return limits_; }

  // An upper bound of the arena bytes binding `json` takes (values, members, copied strings).
  // Past `max_depth` it counts nothing (binding fails there), so it recurses no deeper.
  template <class Json>
  static std::size_t bytes_needed(const Json& j, std::size_t max_depth = limits{}.max_depth, std::size_t depth = 0) {
    if (depth > max_depth) return 0;
    switch (j.type()) {
      case nlohmann::json::value_t::string: return j.template get_ref<const std::string&>().size() + 1;
      case nlohmann::json::value_t::array: {
        std::size_t n = sizeof(detail::value) * (j.empty() ? 1 : j.size()) + alignof(std::max_align_t);
        for (const auto& x : j) n += bytes_needed(x, max_depth, depth + 1);
        return n;
      }
      case nlohmann::json::value_t::object: {
        std::size_t n = sizeof(detail::member) * (j.empty() ? 1 : j.size()) + alignof(std::max_align_t);
        for (auto it = j.begin(); it != j.end(); ++it)
          n += it.key().size() + 1 + bytes_needed(it.value(), max_depth, depth + 1);
        return n;
      }
      default: return 0;
    }
  }

  // Evaluates; the returned value lives until `d` is evaluated or rebound again.
  // Throws evaluation_error when the rule raises an error (throw, NaN in the spec dialect).
  template <class Tracer = detail::null_tracer>
  detail::value evaluate(data& d, Tracer& tracer) const {
    check_owner(d);
    d.scratch_.reset();
    detail::machine<Tracer> m(*program_, d.slots(), d.scratch_, tracer);
    try {
      return m.run(d.root_);
    } catch (const detail::eval_failure& f) {
      throw evaluation_error("jsonlogic-error", error_type(f.payload));
    }
  }
  detail::value evaluate(data& d) const {
    detail::null_tracer t;
    return evaluate(d, t);
  }

  // JsonLogic truthiness of the result (the dialect's own).
  bool test(data& d) const {
    check_owner(d);
    d.scratch_.reset();
    detail::null_tracer t;
    detail::machine<detail::null_tracer> m(*program_, d.slots(), d.scratch_, t);
    detail::scope root;
    root.data = d.root_;
    try {
      return m.truth(program_->root, root);
    } catch (const detail::eval_failure& f) {
      throw evaluation_error("jsonlogic-error", error_type(f.payload));
    }
  }

  // Bind, evaluate, convert: the one-shot form.
  template <class Json>
  nlohmann::ordered_json apply(const Json& json) const {
    data d = bind(json);
    return detail::value_to_json(evaluate(d));
  }

  const detail::program& program() const noexcept { return *program_; }

  // The message of a JsonLogic-level error payload: {"type": X} gives X.
  static std::string error_type(const detail::value& payload) {
    if (payload.k == detail::kind::object) {
      for (std::uint32_t i = 0; i < payload.n; ++i)
        if (payload.members[i].key_sv() == "type") return detail::js::to_string(payload.members[i].v);
    }
    if (payload.k == detail::kind::string) return std::string(payload.sv());
    return detail::value_to_json(payload).dump();
  }

 private:
  bool dialect_is_spec() const noexcept { return program_->empty_object_is_false; }
  void check_owner(const data& d) const {
    if (d.owner_ != program_.get()) throw evaluation_error("foreign-data", "data was bound for a different rule");
  }

  std::shared_ptr<const detail::program> program_;
  divert::limits limits_{};
};

// One-shot: compile, bind, evaluate.
template <class Json1, class Json2>
nlohmann::ordered_json apply(const Json1& logic, const Json2& data_json, const options& opts = {}) {
  return rule::compile(logic, opts).apply(data_json);
}

}  // namespace divert::jsonlogic
