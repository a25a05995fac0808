#pragma once
// What every planner (compat and strict) builds programs with: emitting instructions, adding
// constants and variable paths, folding constants, reporting diagnostics with their pointer.

#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "divert/detail/eval/js_semantics.hpp"
#include "divert/detail/plan/constants.hpp"
#include "divert/detail/plan/program.hpp"
#include "divert/error.hpp"

namespace divert::detail {

// Defined in fold.hpp: evaluates an instruction whose arguments are all constants.
bool fold_instruction(program& p, std::uint32_t index, value& result);

class program_builder {
 public:
  static constexpr std::size_t max_kids = 0xFFFF;

  program_builder(program& p, std::vector<diagnostic>& diagnostics, std::string file, bool fold_constants = true)
      : p_(p), diags_(diagnostics), file_(std::move(file)), fold_constants_(fold_constants) {}

  std::uint32_t emit(opcode op, const std::vector<std::uint32_t>& kids, const std::string& pointer,
                     std::uint8_t flags = 0, std::uint32_t a = 0, std::uint32_t b = 0, std::uint32_t c = 0) {
    if (kids.size() > max_kids) {
      // An instruction counts its arguments in 16 bits: more would be silently dropped.
      // The compile fails; a constant stands in, which nothing can misread.
      error("size-limit", pointer, "more than " + std::to_string(max_kids) + " arguments in one operation");
      return constant(value::null(), pointer);
    }
    instruction ins;
    ins.op = op;
    ins.flags = flags;
    ins.count = static_cast<std::uint16_t>(kids.size());
    ins.first = static_cast<std::uint32_t>(p_.kids.size());
    ins.a = a;
    ins.b = b;
    ins.c = c;
    p_.kids.insert(p_.kids.end(), kids.begin(), kids.end());
    p_.code.push_back(ins);
    p_.pointers.push_back(pointer);
    return static_cast<std::uint32_t>(p_.code.size() - 1);
  }

  std::uint32_t constant(value v, const std::string& pointer) {
    std::uint32_t index = static_cast<std::uint32_t>(p_.constants.size());
    p_.constants.push_back(v);
    return emit(opcode::constant, {}, pointer, 0, index);
  }

  std::uint32_t constant_json(const nlohmann::ordered_json& j, const std::string& pointer) {
    json_to_value conv(p_.symbols, p_.storage);
    return constant(conv.convert(j), pointer);
  }

  bool is_constant(std::uint32_t index) const { return p_.code[index].op == opcode::constant; }
  const value& constant_value(std::uint32_t index) const { return p_.constants[p_.code[index].a]; }

  // Replaces an instruction whose arguments are all constants by its value.
  std::uint32_t fold(std::uint32_t index) {
    if (!fold_constants_) return index;
    const instruction& ins = p_.code[index];
    for (std::uint16_t i = 0; i < ins.count; ++i)
      if (!is_constant(p_.kid(ins, i))) return index;
    value result;
    if (!fold_instruction(p_, index, result)) return index;
    std::uint32_t c = static_cast<std::uint32_t>(p_.constants.size());
    p_.constants.push_back(result);
    instruction& target = p_.code[index];
    target.op = opcode::constant;
    target.count = 0;
    target.a = c;
    return index;
  }

  // A static variable path, split as json-logic-js does (String(path).split(".")).
  std::uint32_t add_path(const std::vector<std::string>& segments, std::string text) {
    var_path vp;
    vp.first = static_cast<std::uint32_t>(p_.segments.size());
    vp.count = static_cast<std::uint32_t>(segments.size());
    vp.text = std::move(text);
    for (const auto& s : segments) {
      path_segment seg;
      seg.sym = p_.symbols.intern(s);
      seg.index = js::array_index(s);
      seg.is_length = s == "length";
      p_.segments.push_back(seg);
    }
    p_.paths.push_back(std::move(vp));
    return static_cast<std::uint32_t>(p_.paths.size() - 1);
  }

  static std::vector<std::string> split_dots(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
      std::size_t dot = s.find('.', start);
      out.push_back(s.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return out;
  }

  void error(const std::string& id, const std::string& pointer, std::string message) {
    diags_.push_back({severity::error, id, file_, pointer, 0, 0, std::move(message)});
  }

  // A set of symbols for `in`: sorted ids, and a bitmap of the ids below 4096 for O(1) tests.
  std::uint32_t add_symbol_set(std::vector<std::uint16_t> syms) {
    std::sort(syms.begin(), syms.end());
    syms.erase(std::unique(syms.begin(), syms.end()), syms.end());
    std::vector<std::uint64_t> bits;
    for (std::uint16_t id : syms) {
      if (id >= 4096) continue;
      if (bits.size() <= id / 64u) bits.resize(id / 64u + 1, 0);
      bits[id / 64u] |= std::uint64_t{1} << (id % 64u);
    }
    p_.symbol_sets.push_back(std::move(syms));
    p_.symbol_bits.push_back(std::move(bits));
    return static_cast<std::uint32_t>(p_.symbol_sets.size() - 1);
  }

  void warning(const std::string& id, const std::string& pointer, std::string message) {
    diags_.push_back({severity::warning, id, file_, pointer, 0, 0, std::move(message)});
  }

  program& prog() { return p_; }
  const std::string& file() const { return file_; }

 protected:
  program& p_;
  std::vector<diagnostic>& diags_;
  std::string file_;
  bool fold_constants_;
};

}  // namespace divert::detail
