// SPDX-License-Identifier: MIT
#include "config/loader.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <exception>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <system_error>

#include <yaml-cpp/yaml.h>

#include <fmt/format.h>

namespace dcbot::config {
namespace {

// Upper bound on nodes produced, counting alias expansions: YAML aliases can describe
// exponentially large trees in a few bytes ("billion laughs").
constexpr int kMaxNodes = 20000;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool all_of(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (!pred(c)) {
      return false;
    }
  }
  return true;
}

bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool is_octal(char c) {
  return c >= '0' && c <= '7';
}

// YAML 1.2 core schema float: [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
bool looks_like_float(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
    ++i;
  }
  std::size_t int_digits = 0;
  while (i < s.size() && is_digit(s[i])) {
    ++i;
    ++int_digits;
  }
  std::size_t frac_digits = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) {
      ++i;
      ++frac_digits;
    }
  }
  if (int_digits == 0 && frac_digits == 0) {
    return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
      ++i;
    }
    std::size_t exp_digits = 0;
    while (i < s.size() && is_digit(s[i])) {
      ++i;
      ++exp_digits;
    }
    if (exp_digits == 0) {
      return false;
    }
  }
  return i == s.size();
}

// Types a plain scalar by the YAML 1.2 core schema (null is handled by yaml-cpp already).
Value resolve_plain(std::string text, Mark mark) {
  std::string_view s = text;
  if (s == "true" || s == "True" || s == "TRUE") {
    return Value::boolean(true, std::move(text), std::move(mark));
  }
  if (s == "false" || s == "False" || s == "FALSE") {
    return Value::boolean(false, std::move(text), std::move(mark));
  }
  std::string_view digits = s;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  int base = 0;
  if (s.size() > 2 && s.substr(0, 2) == "0x" && all_of(s.substr(2), is_hex)) {
    base = 16;
    digits = s.substr(2);
    negative = false;
  } else if (s.size() > 2 && s.substr(0, 2) == "0o" && all_of(s.substr(2), is_octal)) {
    base = 8;
    digits = s.substr(2);
    negative = false;
  } else if (all_of(digits, is_digit)) {
    base = 10;
  }
  if (base != 0) {
    std::uint64_t magnitude = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (ec == std::errc() && p == digits.data() + digits.size()
        && magnitude <= kMax + (negative ? 1 : 0)) {
      std::int64_t v = negative ? static_cast<std::int64_t>(0 - magnitude)
                                : static_cast<std::int64_t>(magnitude);
      return Value::integer(v, std::move(text), std::move(mark));
    }
    // Out of range: kept as a string, which a consumer may still read as text.
    return Value::string(std::move(text), std::move(mark));
  }
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf" || s == "+.Inf" || s == "+.INF") {
    return Value::real(std::numeric_limits<double>::infinity(), std::move(text), std::move(mark));
  }
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") {
    return Value::real(-std::numeric_limits<double>::infinity(), std::move(text), std::move(mark));
  }
  if (s == ".nan" || s == ".NaN" || s == ".NAN") {
    return Value::real(std::numeric_limits<double>::quiet_NaN(), std::move(text), std::move(mark));
  }
  if (looks_like_float(s)) {
    // from_chars does not take a leading '+'.
    std::string_view f = s[0] == '+' ? s.substr(1) : s;
    double d = 0;
    auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), d);
    if (ec == std::errc() && p == f.data() + f.size()) {
      return Value::real(d, std::move(text), std::move(mark));
    }
  }
  return Value::string(std::move(text), std::move(mark));
}

class Converter {
 public:
  explicit Converter(std::string file) : file_(std::move(file)) {}

  Mark mark_of(const YAML::Node& node, const Mark& fallback) const {
    YAML::Mark m = node.Mark();
    if (m.is_null() || m.line < 0) {
      return fallback;
    }
    return Mark{file_, m.line + 1, m.column + 1};
  }

  Result<Value> convert(const YAML::Node& node, const Mark& fallback, int depth) {
    if (++nodes_ > kMaxNodes) {
      return config_error(fallback, "document too large (more than 20000 nodes after aliases)");
    }
    Mark mark = mark_of(node, fallback);
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return Value::null(std::move(mark));
      case YAML::NodeType::Scalar: {
        const std::string& tag = node.Tag();
        // "!" marks a quoted (or block) scalar: always a string. An explicit !!str too.
        if (tag == "!" || tag == "tag:yaml.org,2002:str") {
          return Value::string(node.Scalar(), std::move(mark));
        }
        return resolve_plain(node.Scalar(), std::move(mark));
      }
      case YAML::NodeType::Sequence: {
        if (depth >= kMaxDepth) {
          return config_error(mark, "nesting too deep");
        }
        Value::List items;
        for (const YAML::Node& child : node) {
          DCBOT_TRY(Value v, convert(child, mark, depth + 1));
          items.push_back(std::move(v));
        }
        return Value::list(std::move(items), std::move(mark));
      }
      case YAML::NodeType::Map: {
        if (depth >= kMaxDepth) {
          return config_error(mark, "nesting too deep");
        }
        Value::Map entries;
        std::set<std::string, std::less<>> seen;
        for (const auto& kv : node) {
          Mark key_mark = mark_of(kv.first, mark);
          if (!kv.first.IsScalar()) {
            return config_error(key_mark, "map keys must be plain strings");
          }
          std::string key = kv.first.Scalar();
          if (!seen.insert(key).second) {
            return config_error(key_mark, fmt::format("duplicate key \"{}\"", key));
          }
          // A key without a value ("name:") gets a mark past its line: point at the key.
          DCBOT_TRY(Value v, convert(kv.second, key_mark, depth + 1));
          if (v.is_null()) {
            v = Value::null(key_mark);
          }
          entries.push_back(MapEntry{std::move(key), std::move(key_mark), std::move(v)});
        }
        return Value::map(std::move(entries), std::move(mark));
      }
    }
    return config_error(mark, "unknown YAML node type");
  }

 private:
  std::string file_;
  int nodes_ = 0;
};

}  // namespace

Result<Value> parse_yaml(std::string_view text, std::string_view file_name) {
  Mark start{std::string(file_name), 1, 1};
  try {
    YAML::Node root = YAML::Load(std::string(text));
    Converter converter{std::string(file_name)};
    return converter.convert(root, start, 0);
  } catch (const YAML::Exception& e) {
    // yaml-cpp marks are 0-based; e.msg is the message without its position.
    Mark mark = start;
    if (!e.mark.is_null()) {
      mark.line = e.mark.line + 1;
      mark.column = e.mark.column + 1;
    }
    return config_error(mark, e.msg);
  } catch (const std::exception& e) {
    return config_error(start, fmt::format("cannot parse YAML: {}", e.what()));
  } catch (...) {
    return config_error(start, "cannot parse YAML");
  }
}

Result<Value> load_yaml_file(const std::filesystem::path& path) {
  std::string name = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return make_error(Errc::Config,
                      fmt::format("{}: cannot read config file: is a directory", name));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(Errc::Config,
                      fmt::format("{}: cannot read config file: {}", name,
                                  std::error_code(errno, std::generic_category()).message()));
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) {
    return make_error(Errc::Config, fmt::format("{}: cannot read config file", name));
  }
  return parse_yaml(content.str(), name);
}

}  // namespace dcbot::config
