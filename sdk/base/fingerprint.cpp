// SPDX-License-Identifier: MIT
#include "base/fingerprint.h"

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

}  // namespace dcbot
