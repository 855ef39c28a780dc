// SPDX-License-Identifier: MIT
#include "chat/envelope.h"

#include <array>

#include "crypto/random.h"

namespace dcbot::chat {

void random_fill(std::span<std::uint8_t> out) {
  crypto::fill_random(out);
}

std::int64_t random_outer_date(std::int64_t now) {
  std::array<std::uint8_t, 8> b{};
  crypto::fill_random(b);
  std::uint64_t v = 0;
  for (const auto x : b) {
    v = (v << 8U) | x;
  }
  return now - static_cast<std::int64_t>(v % (kMaxOuterDateSkew + 1));
}

}  // namespace dcbot::chat
