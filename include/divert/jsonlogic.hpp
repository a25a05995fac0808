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
#include "divert/detail/input/json_projection.hpp"
#include "divert/detail/input/json_text.hpp"
#include "divert/detail/ir/parse.hpp"
#include "divert/detail/plan/fold.hpp"
#include "divert/detail/plan/projection.hpp"
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
// paths resolved to slots. Also holds the scratch memory evaluate() uses, so one `data` is
// evaluated by one thread at a time; the rule itself is shared freely.
class data {
 public:
  data() = default;
  data(data&&) noexcept = default;
  data& operator=(data&&) noexcept = default;

 private:
  friend class rule;
  // What evaluation reads sits in the object, and little else: evaluating many bound cases then
  // streams through one compact array (168 bytes a case). The arenas live apart.
  static constexpr std::size_t inline_slots = 8;
  struct memory {
    detail::arena storage{1024};  // the bound document (and slots beyond the inline ones)
    detail::arena scratch{1024};  // evaluate()'s temporaries (allocated only by rules that build values)
  };
  detail::value* slots() noexcept { return heap_slots_ ? heap_slots_ : inline_.data(); }

  const detail::program* owner_ = nullptr;
  detail::value* heap_slots_ = nullptr;  // in storage, when there are more than inline_slots
  detail::value root_;
  std::unique_ptr<memory> memory_;
  std::array<detail::value, inline_slots> inline_{};
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
    if (detail::reads_data_through_slots_only(*p)) p->projection = detail::build_projection(*p);
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

  // Rebinds `d` (reusing its memory) to new data. A rule that reads its data only through static
  // paths gets only the values at those paths built (detail/input/json_projection.hpp), unless a
  // value anywhere passes a limit: then the whole document is converted, and fails as it does.
  template <class Json>
  void bind(const Json& json, data& d) const {
    if (!program_->projection.empty() && json.is_object() && detail::within_limits(json, limits_)) {
      bool done = false;
      // A bound case sized by what the rule reads: a small first block, grown when a case needs it.
      bind_slots(
          [&](detail::arena& storage, detail::value* slots) {
            done = detail::json_projection<Json>(*program_, storage, slots).read(json);
          },
          [&] { return 64 + sizeof(detail::value) * 2 * program_->slot_paths.size(); }, d);
      if (done) return;
    }
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
    detail::value* out = prepare(first_block, d);
    detail::arena& storage = d.memory_->storage;
    d.root_ = build(storage);
    for (std::size_t i = 0; i < program_->slot_paths.size(); ++i)
      out[i] = detail::walk_path(*program_, d.root_, program_->paths[program_->slot_paths[i]], storage);
  }

  // Rebinds `d` from a reader that fills the slots itself, reading only the keys of
  // program().projection (when that is not empty: the rule reads its data only through slots,
  // and no document root is kept). `fill(storage, slots)` writes every slot.
  template <class Fill, class Size>
  void bind_slots(Fill&& fill, Size&& first_block, data& d) const {
    detail::value* out = prepare(first_block, d);
    d.root_ = detail::value::undefined();
    fill(d.memory_->storage, out);
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
    detail::arena& scratch = d.memory_->scratch;
    scratch.reset();
    detail::machine<Tracer> m(*program_, d.slots(), scratch, tracer);
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

  // JsonLogic truthiness of the result (the dialect's own). Its temporaries go to the thread's
  // own scratch arena (nothing of them outlives the call), so that testing many bound cases reads
  // the cases and writes nothing to them; a test inside a test (a custom operator's) uses the data's.
  bool test(data& d) const {
    check_owner(d);
    thread_scratch& own = thread_scratch::get();
    const bool nested = own.busy;
    detail::arena& scratch = nested ? d.memory_->scratch : own.arena;
    scratch.reset();
    own.busy = true;
    struct release {
      thread_scratch& s;
      bool nested;
      ~release() { s.busy = nested; }
    } guard{own, nested};
    detail::null_tracer t;
    detail::machine<detail::null_tracer> m(*program_, d.slots(), scratch, t);
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

  // Readies `d` for new data: its storage reset (sized `first_block()` the first time), its
  // slots; returns them.
  template <class Size>
  detail::value* prepare(Size&& first_block, data& d) const {
    const std::size_t slots = program_->slot_paths.size();
    if (!d.memory_) {
      d.memory_ = std::make_unique<data::memory>();
      d.memory_->storage.size_first_block(first_block());
    }
    detail::arena& storage = d.memory_->storage;
    storage.reset();
    d.owner_ = program_.get();
    d.heap_slots_ = slots > data::inline_slots ? storage.allocate_array<detail::value>(slots) : nullptr;
    return d.slots();
  }

  struct thread_scratch {
    detail::arena arena{1024};
    bool busy = false;
    static thread_scratch& get() {
      static thread_local thread_scratch s;
      return s;
    }
  };

  std::shared_ptr<const detail::program> program_;
  divert::limits limits_{};
};

// One-shot: compile, bind, evaluate.
template <class Json1, class Json2>
nlohmann::ordered_json apply(const Json1& logic, const Json2& data_json, const options& opts = {}) {
  return rule::compile(logic, opts).apply(data_json);
}

}  // namespace divert::jsonlogic
