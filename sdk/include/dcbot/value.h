// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dcbot/result.h"

// A generic, position-carrying YAML tree (public API, implemented by the config layer). The loader
// builds it from YAML text; the typed bot config reads it, and plugins get their `config:` block as
// a Value, so a plugin's own schema check can report `file:line:col` exactly like the host's.
namespace dcbot::config {

// A position in a config file. line and column are 1-based; line 0 means "no position known".
struct Mark {
  std::string file;
  int line = 0;
  int column = 0;

  friend bool operator==(const Mark&, const Mark&) = default;
};

// "bot.yaml:7:5", or just "bot.yaml" without a position.
std::string to_string(const Mark& mark);

// Errc::Config with the message "file:line:col: what".
Error config_error(const Mark& mark, std::string_view what);

class Value;

// One key of a map, in file order.
struct MapEntry;

// A YAML node: null, bool, integer, floating point, string, list or map.
//
// Plain (unquoted) scalars are typed as YAML 1.2's core schema says: null/~/empty, true/false,
// integers (decimal, 0x, 0o), floats (incl. .inf/.nan); everything else, and every quoted
// scalar, is a string. The original text of a scalar is kept: as_string() accepts any scalar, so
// `password: 1234` is the string "1234".
class Value {
 public:
  enum class Kind { Null, Bool, Int, Double, String, List, Map };
  using List = std::vector<Value>;
  using Map = std::vector<MapEntry>;

  Value() = default;
  static Value null(Mark mark);
  static Value boolean(bool v, std::string text, Mark mark);
  static Value integer(std::int64_t v, std::string text, Mark mark);
  static Value real(double v, std::string text, Mark mark);
  static Value string(std::string v, Mark mark);
  static Value list(List items, Mark mark);
  static Value map(Map entries, Mark mark);

  [[nodiscard]] Kind kind() const { return static_cast<Kind>(data_.index()); }

  [[nodiscard]] const Mark& mark() const { return mark_; }

  [[nodiscard]] bool is_null() const { return kind() == Kind::Null; }

  [[nodiscard]] bool is_scalar() const;

  [[nodiscard]] bool is_list() const { return kind() == Kind::List; }

  [[nodiscard]] bool is_map() const { return kind() == Kind::Map; }

  // Typed reads. On a kind mismatch: Errc::Config "file:line:col: expected <type>, got <kind>".
  // as_double() also accepts integers; as_string() accepts every scalar except null.
  Result<bool> as_bool() const;
  Result<std::int64_t> as_int() const;
  Result<double> as_double() const;
  Result<std::string> as_string() const;
  Result<const List*> as_list() const;
  Result<const Map*> as_map() const;

  // For schema checks (the host's and plugins'): a map whose keys are all in `allowed`. Otherwise
  // Errc::Config at the first unknown key: `unknown key "x" in <where> (expected one of: a, b)`,
  // or "at top level" when `where` is empty.
  Result<const Map*> as_map_with_keys(std::string_view where,
                                      std::initializer_list<std::string_view> allowed) const;

  // The scalar's source text (empty for lists, maps and null).
  [[nodiscard]] const std::string& text() const { return text_; }

  // Map lookup; nullptr if this is not a map or has no such key.
  [[nodiscard]] const Value* find(std::string_view key) const;

  // An Errc::Config error at this value's position.
  [[nodiscard]] Error error(std::string_view what) const { return config_error(mark_, what); }

  // "null", "a boolean", "an integer", "a number", "a string", "a list", "a map".
  static std::string_view kind_name(Kind kind);

 private:
  std::variant<std::monostate, bool, std::int64_t, double, std::string, List, Map> data_;
  std::string text_;
  Mark mark_;
};

struct MapEntry {
  std::string key;
  Mark key_mark;
  Value value;
};

}  // namespace dcbot::config
