// SPDX-License-Identifier: MIT
#include "chat/envelope.h"

#include <array>
#include <set>

#include <gtest/gtest.h>

namespace dcbot::chat {
namespace {

TEST(Envelope, OuterDateIsAtMostSixDaysEarlier) {
  constexpr std::int64_t kNow = 1'700'000'000;
  std::set<std::int64_t> seen;
  for (int i = 0; i < 200; ++i) {
    const std::int64_t date = random_outer_date(kNow);
    EXPECT_LE(date, kNow);
    EXPECT_GE(date, kNow - static_cast<std::int64_t>(kMaxOuterDateSkew));
    seen.insert(date);
  }
  EXPECT_GT(seen.size(), 1U);  // Random, not a fixed offset.
}

TEST(Envelope, RandomFillFillsTheWholeSpan) {
  std::array<std::uint8_t, 64> a{};
  std::array<std::uint8_t, 64> b{};
  random_fill(a);
  random_fill(b);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace dcbot::chat
