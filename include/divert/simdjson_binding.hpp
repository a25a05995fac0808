#pragma once
// Binding cases from JSON text with simdjson's on-demand parser (optional: needs simdjson,
// Debian libsimdjson-dev, which the divert library itself does not require).
//
//   divert::simdjson_case_reader reader;                 // one per thread; reuse it
//   std::vector<divert::diagnostic> diags;
//   bool ok = reader.try_rebind(facts, line, diags);     // facts from policy.bind or case_schema
//
// The case is read straight into the fact slots, without building a document, through the same
// binder (detail/input/case_binding.hpp) as facts::try_rebind over an nlohmann document: the same
// facts, the same messages, the same JSON pointers. Text that the on-demand reader cannot answer
// for exactly as nlohmann would - malformed JSON, a document that is not an object, duplicate
// keys, nesting past the limit, numbers past 64 bits - is read again with nlohmann
// (facts::try_rebind_text), so that every error is the one the nlohmann path gives. Valid cases,
// the common ones, never take that path.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "divert/detail/bytes.hpp"
#include "divert/detail/input/case_binding.hpp"
#include "divert/detail/input/simdjson_projection.hpp"
#include "divert/error.hpp"
#include "divert/facts.hpp"
#include "divert/jsonlogic.hpp"
#include "divert/limits.hpp"

namespace divert {
namespace detail {

class simdjson_reader {
 public:
  struct value_type {
    simdjson::ondemand::value v;
    std::size_t level = 1;  // nesting of this value if it is an array or object (the root object is 1)
    bool consumed = false;  // read, or iterated, by the binder
    bool is_root = false;   // the document's object (a document is not a value in simdjson's API)
  };

  // `keys` is scratch memory for the duplicate-key check, kept by the caller across documents.
  simdjson_reader(std::size_t max_depth, simdjson::ondemand::object* root,
                  std::vector<std::vector<std::string_view>>& keys)
      : max_depth_(max_depth), root_(root), keys_(keys) {}

  json_type type(value_type& x) {
    if (x.is_root) return json_type::object;
    simdjson::ondemand::json_type t;
    if (x.v.type().get(t)) throw simdjson_fallback{};
    switch (t) {
      case simdjson::ondemand::json_type::array: return json_type::array;
      case simdjson::ondemand::json_type::object: return json_type::object;
      case simdjson::ondemand::json_type::number: return json_type::number;
      case simdjson::ondemand::json_type::string: return json_type::string;
      case simdjson::ondemand::json_type::boolean: return json_type::boolean;
      case simdjson::ondemand::json_type::null: return json_type::null;
    }
    throw simdjson_fallback{};
  }

  bool get_bool(value_type& x) {
    x.consumed = true;
    bool b;
    if (x.v.get_bool().get(b)) throw simdjson_fallback{};
    return b;
  }

  double get_number(value_type& x) {
    x.consumed = true;
    simdjson::ondemand::number n;
    if (x.v.get_number().get(n)) throw simdjson_fallback{};
    double d;
    switch (n.get_number_type()) {
      case simdjson::ondemand::number_type::signed_integer: d = static_cast<double>(n.get_int64()); break;
      case simdjson::ondemand::number_type::unsigned_integer: d = static_cast<double>(n.get_uint64()); break;
      default:
        d = n.get_double();
        // "-0": nlohmann reads an integer 0; leave the sign question to it.
        if (d == 0 && std::signbit(d)) throw simdjson_fallback{};
        break;
    }
    return d;
  }

  std::string_view get_string(value_type& x) {
    x.consumed = true;
    std::string_view s;
    if (x.v.get_string().get(s)) throw simdjson_fallback{};
    return s;
  }

  // json_kind() of the value, as nlohmann names it. Numbers are re-read by nlohmann from their
  // text, so that "1e2" is named "the number 100.0" as the nlohmann path names it.
  std::string describe(value_type& x) {
    if (x.is_root) return "an object";
    switch (type(x)) {
      case json_type::null: validate(x); return "null";
      case json_type::boolean: return get_bool(x) ? "true" : "false";
      case json_type::string: return string_kind(get_string(x));
      case json_type::array: return "an array";
      case json_type::object: return "an object";
      case json_type::number: {
        x.consumed = true;
        std::string_view raw = x.v.raw_json_token();
        while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t' || raw.back() == '\n' || raw.back() == '\r'))
          raw.remove_suffix(1);
        try {
          nlohmann::json j = nlohmann::json::parse(raw.begin(), raw.end());
          if (j.is_number()) return "the number " + j.dump();
        } catch (const nlohmann::json::exception&) {
        }
        throw simdjson_fallback{};
      }
    }
    throw simdjson_fallback{};
  }

  template <class F>
  void for_each_field(value_type& x, F&& f) {
    x.consumed = true;
    if (x.is_root) {
      iterate_object(*root_, 1, f);
      return;
    }
    if (x.level > max_depth_) throw simdjson_fallback{};
    simdjson::ondemand::object obj;
    if (x.v.get_object().get(obj)) throw simdjson_fallback{};
    iterate_object(obj, x.level, f);
  }

  template <class F>
  void for_each_item(value_type& x, F&& f) {
    x.consumed = true;
    if (x.level > max_depth_) throw simdjson_fallback{};
    simdjson::ondemand::array arr;
    if (x.v.get_array().get(arr)) throw simdjson_fallback{};
    for (auto item : arr) {
      value_type child;
      if (std::move(item).get(child.v)) throw simdjson_fallback{};
      child.level = x.level + 1;
      f(child);
      if (!child.consumed) validate(child);
    }
  }

 private:
  template <class F>
  void iterate_object(simdjson::ondemand::object& obj, std::size_t level, F& f) {
    if (keys_.size() <= level) keys_.resize(level + 1);
    keys_[level].clear();
    std::uint64_t known = 0;  // the schema properties met, by index (the binder's answer)
    for (auto field : obj) {
      simdjson::ondemand::field fd;
      if (std::move(field).get(fd)) throw simdjson_fallback{};
      // Keys with escapes are compared by nlohmann's duplicate check in its own way: let it.
      // Without escapes (or control characters, which nlohmann rejects), the key is its raw
      // text, valid UTF-8 since simdjson's first stage checked the whole line. (The scan reads
      // up to 16 bytes at a time, special_json_step: the document is padded.)
      const char* raw = fd.key().raw();
      const char* end = find_special_json_byte(raw);
      if (*end != '"') throw simdjson_fallback{};
      std::string_view key(raw, static_cast<std::size_t>(end - raw));
      value_type child;
      child.v = std::move(fd).value();
      child.level = level + 1;
      const std::size_t index = f(key, child);
      // A key given twice is nlohmann's error (what was bound meanwhile is read again there).
      // A schema property is told by its index; other keys are compared with the other keys
      // the schema does not know (a property cannot equal one of those).
      if (index < 64) {
        const std::uint64_t bit = std::uint64_t{1} << index;
        if (known & bit) throw simdjson_fallback{};
        known |= bit;
      } else {
        auto& others = keys_[level];
        for (const auto& k : others)
          if (same_text(k, key)) throw simdjson_fallback{};
        others.push_back(key);
      }
      if (!child.consumed) validate(child);
    }
  }

  // Reads a value the binder did not read (an unknown fact, a null, a value of the wrong type),
  // so that malformed text anywhere in the line is found.
  void validate(value_type& x) {
    x.consumed = true;
    switch (type(x)) {
      case json_type::null: {
        bool is_null = false;
        if (x.v.is_null().get(is_null) || !is_null) throw simdjson_fallback{};
        return;
      }
      case json_type::boolean: get_bool(x); return;
      case json_type::number: get_number(x); return;
      case json_type::string: get_string(x); return;
      case json_type::array: for_each_item(x, [](value_type&) {}); return;
      case json_type::object: for_each_field(x, [](std::string_view, value_type&) { return unknown_key; }); return;
    }
  }

  std::size_t max_depth_;
  simdjson::ondemand::object* root_;
  std::vector<std::vector<std::string_view>>& keys_;  // keys seen that the schema does not know, per nesting level
};

// `text` where simdjson may read SIMDJSON_PADDING bytes past its end: in place when the caller
// says those bytes are there (`padded`), else a copy in `buffer`, padded with spaces.
inline const char* readable_padded(std::string_view text, bool padded, std::vector<char>& buffer) {
  if (padded) return text.data();
  if (buffer.size() < text.size() + simdjson::SIMDJSON_PADDING) buffer.resize(text.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(buffer.data(), text.data(), text.size());
  std::memset(buffer.data() + text.size(), ' ', simdjson::SIMDJSON_PADDING);
  return buffer.data();
}

}  // namespace detail

// Binds JSON text into facts with simdjson's on-demand parser. Not thread-safe: one per thread.
class simdjson_case_reader {
 public:
  simdjson_case_reader() = default;

  // `text` is one JSON document (a JSONL line without its newline). When the caller knows that
  // at least simdjson::SIMDJSON_PADDING readable bytes follow the text in memory, it says so with
  // `padded` and the text is read in place; otherwise it is copied to a padded buffer first.
  // Returns false when the case has errors (in `diags`); warnings go to `diags` too.
  bool try_rebind(facts& f, std::string_view text, std::vector<diagnostic>& diags, const std::string& file = {},
                  const limits& lim = {}, bool padded = false) {
    ++reads_;
    if (text.size() > lim.max_document_bytes) return fallback(f, text, diags, file, lim);
    // A NUL byte is a syntax error to nlohmann's reading; simdjson may read past it as a value's end.
    if (std::memchr(text.data(), 0, text.size())) return fallback(f, text, diags, file, lim);
    const char* data = detail::readable_padded(text, padded, buffer_);
    std::size_t before = diags.size();
    try {
      simdjson::ondemand::document doc;
      if (parser_.iterate(data, text.size(), text.size() + simdjson::SIMDJSON_PADDING).get(doc))
        throw detail::simdjson_fallback{};
      simdjson::ondemand::json_type t;
      if (doc.type().get(t) || t != simdjson::ondemand::json_type::object) throw detail::simdjson_fallback{};
      simdjson::ondemand::object root;
      if (doc.get_object().get(root)) throw detail::simdjson_fallback{};
      detail::simdjson_reader reader(lim.max_depth, &root, keys_);
      detail::simdjson_reader::value_type root_value;
      root_value.is_root = true;
      bool ok = f.try_rebind_from(reader, root_value, diags, file, lim);
      // Trailing content after the object is a syntax error.
      const char* rest = nullptr;
      if (!doc.current_location().get(rest)) throw detail::simdjson_fallback{};
      return ok;
    } catch (const detail::simdjson_fallback&) {
      diags.resize(before);
      return fallback(f, text, diags, file, lim);
    }
  }

  // How many texts were read, and how many of them needed nlohmann (bad lines, mostly).
  std::size_t reads() const noexcept { return reads_; }
  std::size_t fallbacks() const noexcept { return fallbacks_; }

 private:
  bool fallback(facts& f, std::string_view text, std::vector<diagnostic>& diags, const std::string& file,
                const limits& lim) {
    ++fallbacks_;
    return f.try_rebind_text(text, diags, file, lim);
  }

  simdjson::ondemand::parser parser_;
  std::vector<std::vector<std::string_view>> keys_;
  std::vector<char> buffer_;
  std::size_t reads_ = 0, fallbacks_ = 0;
};

// Binding a JsonLogic rule's data from JSON text with simdjson: the same data and the same errors
// as rule::bind over nlohmann's parse, several times faster. A rule that reads its data only
// through static paths (most: no computed `var`, no `missing`) has only the values at those paths
// built from simdjson's DOM (detail/input/simdjson_projection.hpp); other rules get the whole
// document converted. Text
// simdjson cannot read exactly as nlohmann does - malformed JSON, a key the rule reads given
// twice, numbers past 64 bits or a double, limits - is read again with nlohmann, whose errors,
// with line and column, are the ones thrown.
//
//   divert::simdjson_data_reader reader;                 // one per thread; reuse it
//   reader.bind(rule, line, data);                       // then rule.test(data), rule.evaluate(data)
//
// As simdjson_case_reader's, `padded` says that at least simdjson::SIMDJSON_PADDING readable
// bytes follow the text in memory (a line inside a larger buffer): the text is then read in
// place instead of copied to a padded buffer first.
class simdjson_data_reader {
 public:
  void bind(const jsonlogic::rule& r, std::string_view text, jsonlogic::data& d, const std::string& file = {},
            bool padded = false) {
    const limits& lim = r.data_limits();
    if (text.size() <= lim.max_document_bytes) {
      const char* data = detail::readable_padded(text, padded, buffer_);
      // (A NUL byte needs no search here, as it does for simdjson_case_reader: simdjson's DOM
      // parser validates the whole text and fails on it, and nlohmann reads the text again.)
      try {
        if (dom(r, data, text.size(), detail::short_enough(text.size(), lim), d)) return;
      } catch (const detail::simdjson_fallback&) {
      }
    }
    ++fallbacks_;
    r.bind(detail::parse_json_text(text, file, lim, false), d);
  }

  // How many texts needed nlohmann (bad ones, mostly).
  std::size_t fallbacks() const noexcept { return fallbacks_; }

 private:
  // simdjson's DOM, then the slots from it (projected) or the whole document converted;
  // false when simdjson cannot read the text.
  bool dom(const jsonlogic::rule& r, const char* text, std::size_t size, bool within_limits, jsonlogic::data& d) {
    const limits& lim = r.data_limits();
    // With a depth of d, simdjson's parser fails at d nested arrays and objects, not counting an
    // empty one inside them: given the rule's max_depth (no more than simdjson's own default), no
    // text it reads nests deeper than the rule allows. A limit of 0 allows no object or array at
    // all, which simdjson cannot be told: nlohmann reads those texts.
    if (lim.max_depth == 0) return false;
    const std::size_t depth = std::min<std::size_t>(lim.max_depth, simdjson::DEFAULT_MAX_DEPTH);
    if (dom_.max_depth() != depth && dom_.allocate(std::max(dom_.capacity(), size), depth)) return false;
    simdjson::dom::element root;
    if (dom_.parse(text, size, false).get(root)) return false;
    const detail::program& p = r.program();
    const detail::simdjson_tape tape(dom_.doc);
    if (!p.projection.empty() && within_limits) {
      bool done = false;
      r.bind_slots(
          [&](detail::arena& storage, detail::value* slots) {
            done = detail::simdjson_projection(p, tape, storage, slots, lim).read();
          },
          [&] { return 64 + sizeof(detail::value) * 2 * p.slot_paths.size(); }, d);  // as rule::bind's
      if (done) return true;
    }
    r.bind_built(
        [&](detail::arena& storage) {
          return detail::simdjson_to_value(tape, r.symbols(), storage, lim).convert(detail::simdjson_tape::root);
        },
        [&] { return 64 + 8 * size; }, d);
    return true;
  }

  simdjson::dom::parser dom_;
  std::vector<char> buffer_;
  std::size_t fallbacks_ = 0;
};

}  // namespace divert
