// SPDX-License-Identifier: MIT
#include "config/value.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace dcbot::config {

std::string to_string(const Mark& mark) {
  if (mark.line <= 0) {
    return mark.file;
  }
  return fmt::format("{}:{}:{}", mark.file, mark.line, mark.column);
}

Error config_error(const Mark& mark, std::string_view what) {
  return make_error(Errc::Config, fmt::format("{}: {}", to_string(mark), what));
}

Value Value::null(Mark mark) {
  Value v;
  v.mark_ = std::move(mark);
  return v;
}

Value Value::boolean(bool b, std::string text, Mark mark) {
  Value v;
  v.data_ = b;
  v.text_ = std::move(text);
  v.mark_ = std::move(mark);
  return v;
}

Value Value::integer(std::int64_t i, std::string text, Mark mark) {
  Value v;
  v.data_ = i;
  v.text_ = std::move(text);
  v.mark_ = std::move(mark);
  return v;
}

Value Value::real(double d, std::string text, Mark mark) {
  Value v;
  v.data_ = d;
  v.text_ = std::move(text);
  v.mark_ = std::move(mark);
  return v;
}

Value Value::string(std::string s, Mark mark) {
  Value v;
  v.text_ = s;
  v.data_ = std::move(s);
  v.mark_ = std::move(mark);
  return v;
}

Value Value::list(List items, Mark mark) {
  Value v;
  v.data_ = std::move(items);
  v.mark_ = std::move(mark);
  return v;
}

Value Value::map(Map entries, Mark mark) {
  Value v;
  v.data_ = std::move(entries);
  v.mark_ = std::move(mark);
  return v;
}

bool Value::is_scalar() const {
  Kind k = kind();
  return k != Kind::List && k != Kind::Map;
}

std::string_view Value::kind_name(Kind kind) {
  switch (kind) {
    case Kind::Null:
      return "null";
    case Kind::Bool:
      return "a boolean";
    case Kind::Int:
      return "an integer";
    case Kind::Double:
      return "a number";
    case Kind::String:
      return "a string";
    case Kind::List:
      return "a list";
    case Kind::Map:
      return "a map";
  }
  return "?";
}

namespace {

// "got a list", or "got \"abc\"" for scalars: the user sees what they wrote.
std::string got(const Value& v) {
  if (v.is_scalar() && !v.is_null()) {
    return fmt::format("got \"{}\"", v.text());
  }
  return fmt::format("got {}", Value::kind_name(v.kind()));
}

}  // namespace

Result<bool> Value::as_bool() const {
  if (const bool* b = std::get_if<bool>(&data_)) {
    return *b;
  }
  return error(fmt::format("expected true or false, {}", got(*this)));
}

Result<std::int64_t> Value::as_int() const {
  if (const std::int64_t* i = std::get_if<std::int64_t>(&data_)) {
    return *i;
  }
  return error(fmt::format("expected an integer, {}", got(*this)));
}

Result<double> Value::as_double() const {
  if (const double* d = std::get_if<double>(&data_)) {
    return *d;
  }
  if (const std::int64_t* i = std::get_if<std::int64_t>(&data_)) {
    return static_cast<double>(*i);
  }
  return error(fmt::format("expected a number, {}", got(*this)));
}

Result<std::string> Value::as_string() const {
  if (is_scalar() && !is_null()) {
    return text_;
  }
  return error(fmt::format("expected a string, {}", got(*this)));
}

Result<const Value::List*> Value::as_list() const {
  if (const List* l = std::get_if<List>(&data_)) {
    return l;
  }
  return error(fmt::format("expected a list, {}", got(*this)));
}

Result<const Value::Map*> Value::as_map() const {
  if (const Map* m = std::get_if<Map>(&data_)) {
    return m;
  }
  return error(fmt::format("expected a map, {}", got(*this)));
}

Result<const Value::Map*> Value::as_map_with_keys(
    std::string_view where, std::initializer_list<std::string_view> allowed) const {
  DCBOT_TRY(const Map* map, as_map());
  for (const MapEntry& e : *map) {
    if (std::find(allowed.begin(), allowed.end(), e.key) == allowed.end()) {
      std::string place = where.empty() ? std::string("at top level") : fmt::format("in {}", where);
      return config_error(e.key_mark, fmt::format("unknown key \"{}\" {} (expected one of: {})",
                                                  e.key, place, fmt::join(allowed, ", ")));
    }
  }
  return map;
}

const Value* Value::find(std::string_view key) const {
  const Map* m = std::get_if<Map>(&data_);
  if (m == nullptr) {
    return nullptr;
  }
  for (const MapEntry& e : *m) {
    if (e.key == key) {
      return &e.value;
    }
  }
  return nullptr;
}

}  // namespace dcbot::config
