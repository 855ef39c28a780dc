// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>
#include <vector>

// Address lists stored in one TEXT column, one address per line (contacts' relay addresses,
// outbox recipients). Addresses never contain a newline (the mime and smtp layers refuse them).
namespace dcbot::store {

inline std::string join_lines(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) {
      out += '\n';
    }
    out += item;
  }
  return out;
}

inline std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    out.emplace_back(text.substr(0, nl));
    if (nl == std::string_view::npos) {
      break;
    }
    text.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace dcbot::store
