#pragma once
// The case schema: the JSON Schema subset DESIGN §4 names (type, enum, minimum, maximum,
// properties, required, items, format: date), loaded into typed nodes, laid out as fact slots,
// and used to validate and bind case data. A case binds once against its schema; any policy
// compiled against the same schema evaluates it.
//
// Schemas may build on another with divert's "extends" keyword (the base is "case-v1" or a
// relative path): object "properties" merge property by property, any other keyword replaces.

#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "divert/detail/bytes.hpp"
#include "divert/detail/check/case_v1_schema.hpp"
#include "divert/detail/check/suggest.hpp"
#include "divert/detail/eval/arena.hpp"
#include "divert/detail/eval/dates.hpp"
#include "divert/detail/eval/value.hpp"
#include "divert/detail/input/json_pointer.hpp"
#include "divert/detail/input/json_text.hpp"
#include "divert/detail/output/sha256.hpp"
#include "divert/detail/plan/symbols.hpp"
#include "divert/error.hpp"
#include "divert/limits.hpp"

namespace divert::detail {

enum class fact_type : std::uint8_t { object, array, boolean, integer, number, string, date, enumeration };

inline const char* fact_type_name(fact_type t) {
  switch (t) {
    case fact_type::object: return "an object";
    case fact_type::array: return "an array";
    case fact_type::boolean: return "a boolean";
    case fact_type::integer: return "an integer";
    case fact_type::number: return "a number";
    case fact_type::string: return "a string";
    case fact_type::date: return "a date (YYYY-MM-DD)";
    case fact_type::enumeration: return "one of its listed values";
  }
  return "a value";
}

struct schema_node {
  fact_type type = fact_type::object;
  std::string name;            // property name
  std::string path;            // dotted fact path: "person.age"; item fields are relative: "drug"
  std::string schema_pointer;  // where it is declared
  std::vector<std::unique_ptr<schema_node>> properties;  // in declaration order
  std::vector<std::string> required;
  std::unique_ptr<schema_node> items;
  std::vector<std::string> enum_values;
  std::vector<std::uint16_t> enum_syms;
  std::optional<double> minimum, maximum;
  std::string protected_characteristic;  // annotation: this fact is a protected characteristic
  std::string description;

  // Layout. Facts outside arrays have a slot; fields of array items have an index into the
  // item; `fields` lists an item object's leaf fields in index order.
  std::int32_t slot = -1;
  std::int32_t field = -1;
  std::vector<const schema_node*> fields;
  const schema_node* owner_array = nullptr;  // for item fields: the array they belong to

  bool is_numeric() const noexcept { return type == fact_type::integer || type == fact_type::number; }
  bool is_scalar() const noexcept { return type != fact_type::object && type != fact_type::array; }

  static constexpr std::size_t no_property = static_cast<std::size_t>(-1);

  const schema_node* property(std::string_view n) const {
    const std::size_t i = property_index(n);
    return i < properties.size() ? properties[i].get() : nullptr;
  }
  // The index of the property named n, or no_property.
  std::size_t property_index(std::string_view n) const {
    for (std::size_t i = 0; i < properties.size(); ++i)
      if (same_text(properties[i]->name, n)) return i;
    return no_property;
  }
  std::vector<std::string> property_names() const {
    std::vector<std::string> out;
    for (const auto& p : properties) out.push_back(p->name);
    return out;
  }
  bool has_enum_value(std::string_view v) const {
    for (const auto& e : enum_values)
      if (e == v) return true;
    return false;
  }
};

class schema_model {
 public:
  std::string id;
  std::string file;  // where it was loaded from; "" for the built-in case-v1
  std::unique_ptr<schema_node> root;
  symbol_table symbols;  // enum values and field names: bound strings get these ids
  std::vector<const schema_node*> slots;
  nlohmann::ordered_json document;  // after "extends" merging
  std::string fingerprint;          // same fingerprint, same layout: facts bound for one fit the other

  const schema_node* find(std::string_view dotted) const {
    const schema_node* n = root.get();
    std::size_t start = 0;
    for (;;) {
      std::size_t dot = dotted.find('.', start);
      std::string_view part =
          dotted.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
      if (!n || n->type != fact_type::object) return nullptr;
      n = n->property(part);
      if (dot == std::string_view::npos) return n;
      start = dot + 1;
    }
  }

  // All dotted leaf and array fact paths, for suggestions.
  std::vector<std::string> fact_paths() const {
    std::vector<std::string> out;
    for (const auto* n : slots) out.push_back(n->path);
    return out;
  }
};

// ---- loading -------------------------------------------------------------------------------

class schema_loader {
 public:
  schema_loader(const limits& lim, std::vector<diagnostic>& diags) : lim_(lim), diags_(diags) {}

  // `reference` is "case-v1" or a path (relative paths resolve against `base_dir`).
  std::shared_ptr<schema_model> load(const std::string& reference, const std::string& base_dir) {
    std::vector<std::string> chain;
    nlohmann::ordered_json doc;
    std::string file;
    if (!resolve(reference, base_dir, chain, doc, file)) return nullptr;
    auto m = std::make_shared<schema_model>();
    m->file = file;
    m->document = doc;
    m->id = doc.contains("$id") && doc["$id"].is_string() ? doc["$id"].get<std::string>() : reference;
    m->root = build(doc, "", "", "", file, m->symbols);
    if (!m->root) return nullptr;
    if (m->root->type != fact_type::object) {
      error(file, "", "a case schema describes an object");
      return nullptr;
    }
    layout(*m);
    m->fingerprint = sha256_hex(doc.dump());
    return m;
  }

  static std::string join_path(const std::string& dir, const std::string& rel) {
    if (rel.empty() || rel[0] == '/' || dir.empty()) return rel;
    return dir + "/" + rel;
  }
  static std::string dir_of(const std::string& file) {
    auto slash = file.find_last_of('/');
    return slash == std::string::npos ? std::string() : file.substr(0, slash);
  }

 private:
  bool resolve(const std::string& reference, const std::string& base_dir, std::vector<std::string>& chain,
               nlohmann::ordered_json& out, std::string& file) {
    if (reference == "case-v1") {
      out = parse_json_text(case_v1_schema_text(), "case-v1", lim_);
      file = "";
    } else {
      file = join_path(base_dir, reference);
      // Compared as canonical paths: "./s.json" from s.json is s.json, not a longer chain.
      std::error_code ec;
      std::string canon = std::filesystem::weakly_canonical(file, ec).string();
      if (ec) canon = file;
      for (const auto& c : chain)
        if (c == canon) {
          error(chain.back(), "/extends", "schema extends itself through " + c);
          return false;
        }
      try {
        out = read_json_file(file, lim_);
      } catch (const divert::error& e) {
        diags_.insert(diags_.end(), e.diagnostics().begin(), e.diagnostics().end());
        return false;
      }
    }
    if (file.empty()) {
      chain.push_back(reference);
    } else {
      std::error_code ec;
      std::string canon = std::filesystem::weakly_canonical(file, ec).string();
      chain.push_back(ec ? file : canon);
    }
    if (out.is_object() && out.contains("extends")) {
      const auto& ext = out["extends"];
      if (!ext.is_string()) {
        error(file, "/extends", "\"extends\" names a schema: \"case-v1\" or a relative path");
        return false;
      }
      nlohmann::ordered_json base;
      std::string base_file;
      if (!resolve(ext.get<std::string>(), dir_of(file.empty() ? std::string() : file), chain, base, base_file))
        return false;
      nlohmann::ordered_json ext_doc = out;
      ext_doc.erase("extends");
      out = merge(base, ext_doc);
    }
    return true;
  }

  // Deep merge for "extends": properties merge by name, other keywords replace.
  static nlohmann::ordered_json merge(const nlohmann::ordered_json& base, const nlohmann::ordered_json& ext) {
    nlohmann::ordered_json out = base;
    for (auto it = ext.begin(); it != ext.end(); ++it) {
      if (it.key() == "properties" && it.value().is_object() && out.contains("properties") &&
          out["properties"].is_object()) {
        for (auto p = it.value().begin(); p != it.value().end(); ++p) {
          auto& target = out["properties"];
          if (target.contains(p.key()) && target[p.key()].is_object() && p.value().is_object())
            target[p.key()] = merge(target[p.key()], p.value());
          else
            target[p.key()] = p.value();
        }
      } else {
        out[it.key()] = it.value();
      }
    }
    return out;
  }

  std::unique_ptr<schema_node> build(const nlohmann::ordered_json& j, const std::string& name, const std::string& path,
                                     const std::string& pointer, const std::string& file, symbol_table& syms,
                                     std::size_t depth = 0) {
    if (depth > lim_.max_depth) {
      error(file, pointer, "schema nested deeper than " + std::to_string(lim_.max_depth) + " levels");
      return nullptr;
    }
    if (!j.is_object()) {
      error(file, pointer, "a schema is an object");
      return nullptr;
    }
    static const std::set<std::string> known = {"type",
                                                "enum",
                                                "minimum",
                                                "maximum",
                                                "properties",
                                                "required",
                                                "items",
                                                "format",
                                                "description",
                                                "title",
                                                "$schema",
                                                "$id",
                                                "$comment",
                                                "examples",
                                                "default",
                                                "protected_characteristic",
                                                "additionalProperties"};
    static const std::set<std::string> unsupported = {"$ref",
                                                      "allOf",
                                                      "anyOf",
                                                      "oneOf",
                                                      "not",
                                                      "if",
                                                      "then",
                                                      "else",
                                                      "pattern",
                                                      "minLength",
                                                      "maxLength",
                                                      "minItems",
                                                      "maxItems",
                                                      "uniqueItems",
                                                      "const",
                                                      "exclusiveMinimum",
                                                      "exclusiveMaximum",
                                                      "multipleOf",
                                                      "patternProperties",
                                                      "dependentRequired",
                                                      "prefixItems",
                                                      "contains"};
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (unsupported.count(it.key()))
        error(file, pointer_child(pointer, it.key()),
              "schema keyword \"" + it.key() +
                  "\" is not supported (divert implements type, enum, minimum, maximum, "
                  "properties, required, items, format: date, and \"extends\")");
      else if (!known.count(it.key()) && it.key().rfind("x-", 0) != 0)
        warning(file, pointer_child(pointer, it.key()), "schema keyword \"" + it.key() + "\" is ignored");
    }
    auto n = std::make_unique<schema_node>();
    n->name = name;
    n->path = path;
    n->schema_pointer = pointer;
    if (j.contains("description") && j["description"].is_string()) n->description = j["description"].get<std::string>();
    if (j.contains("protected_characteristic") && j["protected_characteristic"].is_string())
      n->protected_characteristic = j["protected_characteristic"].get<std::string>();
    std::string type;
    if (j.contains("type")) {
      if (!j["type"].is_string()) {
        error(file, pointer_child(pointer, "type"), "\"type\" must be one type name");
        return nullptr;
      }
      type = j["type"].get<std::string>();
    }
    if (j.contains("enum")) {
      const auto& e = j["enum"];
      if (!e.is_array() || e.empty()) {
        error(file, pointer_child(pointer, "enum"), "\"enum\" must be a non-empty array of strings");
        return nullptr;
      }
      for (std::size_t i = 0; i < e.size(); ++i) {
        if (!e[i].is_string()) {
          error(file, pointer_child(pointer_child(pointer, "enum"), i), "enum values must be strings");
          continue;
        }
        n->enum_values.push_back(e[i].get<std::string>());
        n->enum_syms.push_back(syms.intern(e[i].get<std::string>()));
      }
      if (!type.empty() && type != "string") error(file, pointer_child(pointer, "type"), "an enum is a string type");
      n->type = fact_type::enumeration;
      return n;
    }
    if (type == "object" || (type.empty() && j.contains("properties"))) {
      n->type = fact_type::object;
      if (j.contains("properties")) {
        const auto& props = j["properties"];
        if (!props.is_object()) {
          error(file, pointer_child(pointer, "properties"), "\"properties\" must be an object");
          return nullptr;
        }
        for (auto it = props.begin(); it != props.end(); ++it) {
          std::string child_path = path.empty() ? it.key() : path + "." + it.key();
          auto child = build(it.value(), it.key(), child_path,
                             pointer_child(pointer_child(pointer, "properties"), it.key()), file, syms, depth + 1);
          if (child) n->properties.push_back(std::move(child));
        }
      }
      if (j.contains("required") && j["required"].is_array())
        for (const auto& r : j["required"])
          if (r.is_string()) n->required.push_back(r.get<std::string>());
      return n;
    }
    if (type == "array") {
      n->type = fact_type::array;
      if (!j.contains("items")) {
        error(file, pointer, "an array fact must say what its items are (\"items\")");
        return nullptr;
      }
      n->items = build(j["items"], "", "", pointer_child(pointer, "items"), file, syms, depth + 1);
      if (!n->items) return nullptr;
      return n;
    }
    if (type == "boolean") {
      n->type = fact_type::boolean;
    } else if (type == "integer" || type == "number") {
      n->type = type == "integer" ? fact_type::integer : fact_type::number;
      if (j.contains("minimum") && j["minimum"].is_number()) n->minimum = j["minimum"].get<double>();
      if (j.contains("maximum") && j["maximum"].is_number()) n->maximum = j["maximum"].get<double>();
    } else if (type == "string") {
      n->type = j.contains("format") && j["format"] == "date" ? fact_type::date : fact_type::string;
    } else {
      error(file, pointer, type.empty() ? "a fact needs a \"type\" (or an \"enum\")" : "unknown type \"" + type + "\"");
      return nullptr;
    }
    return n;
  }

  void layout(schema_model& m) { lay_object(m, *m.root); }

  void lay_object(schema_model& m, schema_node& obj) {
    for (auto& p : obj.properties) {
      if (p->type == fact_type::object) {
        lay_object(m, *p);
        continue;
      }
      p->slot = static_cast<std::int32_t>(m.slots.size());
      m.slots.push_back(p.get());
      if (p->type == fact_type::array) lay_items(*p);
    }
  }

  // Item objects are flattened: their leaf fields (nested objects included) get indexes.
  void lay_items(schema_node& arr) {
    schema_node& item = *arr.items;
    if (item.type == fact_type::array) {
      error("", arr.schema_pointer, "arrays of arrays are not supported in a case schema");
      return;
    }
    if (item.type != fact_type::object) return;
    std::function<void(schema_node&, const std::string&)> walk = [&](schema_node& o, const std::string& prefix) {
      for (auto& p : o.properties) {
        std::string rel = prefix.empty() ? p->name : prefix + "." + p->name;
        if (p->type == fact_type::object) {
          walk(*p, rel);
          continue;
        }
        if (p->type == fact_type::array) {
          error("", p->schema_pointer, "arrays inside array items are not supported in a case schema");
          continue;
        }
        p->path = rel;
        p->field = static_cast<std::int32_t>(arr.fields.size());
        p->owner_array = &arr;
        arr.fields.push_back(p.get());
      }
    };
    walk(item, "");
  }

  void error(const std::string& file, const std::string& pointer, std::string message) {
    diags_.push_back({severity::error, "schema", file, pointer, 0, 0, std::move(message)});
  }
  void warning(const std::string& file, const std::string& pointer, std::string message) {
    diags_.push_back({severity::warning, "schema", file, pointer, 0, 0, std::move(message)});
  }

  const limits& lim_;
  std::vector<diagnostic>& diags_;
};

}  // namespace divert::detail
