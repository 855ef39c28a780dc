// SPDX-License-Identifier: MIT
#include "chat/header_values.h"

namespace dcbot::chat {

std::string upper_fpr(std::string_view value) {
  std::string out(value);
  for (auto& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return out;
}

std::optional<std::int64_t> parse_timestamp(std::string_view value) {
  if (value.empty() || value.size() > 18) {
    return std::nullopt;
  }
  std::int64_t v = 0;
  for (const char c : value) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace dcbot::chat
