// SPDX-License-Identifier: MIT
#include "base/fingerprint.h"

#include <algorithm>

#include "base/encoding.h"

namespace dcbot {

std::string normalize_fingerprint(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == ' ') {
      continue;
    }
    out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  return out;
}

bool is_fingerprint(std::string_view text) {
  return text.size() == 40
         && std::all_of(text.begin(), text.end(), [](char c) { return hex_digit_value(c) >= 0; });
}

}  // namespace dcbot
