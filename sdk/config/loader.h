// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <string_view>

#include "config/value.h"
#include "dcbot/result.h"

// YAML text to config::Value: the only user of yaml-cpp (DESIGN.md). Never throws.
namespace dcbot::config {

// Parses one YAML document. `file_name` is what error messages and marks call the file.
// Errc::Config "file:line:col: message" for syntax errors, duplicate keys, non-scalar keys and
// nesting deeper than kMaxDepth. An empty document is null.
Result<Value> parse_yaml(std::string_view text, std::string_view file_name);

// Reads and parses a file; marks name it as `path` was given. Errc::Config if it can't be read.
Result<Value> load_yaml_file(const std::filesystem::path& path);

// Deepest nesting of lists and maps accepted; configs are shallow, and the limit keeps recursion
// bounded on hostile input.
inline constexpr int kMaxDepth = 64;

}  // namespace dcbot::config
