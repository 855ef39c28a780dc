// SPDX-License-Identifier: MIT
#include "runtime/sender.h"

#include <chrono>
#include <cstdint>

#include <gtest/gtest.h>

namespace dcbot::runtime {
namespace {

using std::chrono::seconds;

TEST(RetryDelay, DoublesFromMinWithJitterInUpperHalf) {
  for (int attempts = 0; attempts < 5; ++attempts) {
    const auto base = seconds(30) * (1 << attempts);
    EXPECT_EQ(retry_delay(attempts, seconds(30), seconds(3600), 0), base / 2) << attempts;
    const auto span = static_cast<std::uint64_t>((base - base / 2).count());
    EXPECT_EQ(retry_delay(attempts, seconds(30), seconds(3600), span), base) << attempts;
    EXPECT_EQ(retry_delay(attempts, seconds(30), seconds(3600), span + 1), base / 2) << attempts;
  }
}

TEST(RetryDelay, StaysWithinBounds) {
  for (std::uint64_t r = 0; r < 2000; r += 7) {
    for (int attempts = 0; attempts < 40; ++attempts) {
      auto d = retry_delay(attempts, seconds(30), seconds(3600), r * 0x9E3779B97F4A7C15ULL);
      ASSERT_GE(d, seconds(15));
      ASSERT_LE(d, seconds(3600));
    }
  }
}

TEST(RetryDelay, CapsAtMax) {
  EXPECT_EQ(retry_delay(100, seconds(30), seconds(600), 0), seconds(300));
  EXPECT_EQ(retry_delay(100, seconds(30), seconds(600), 300), seconds(600));
}

TEST(RetryDelay, ZeroMinStillWaits) {
  EXPECT_GE(retry_delay(0, seconds(0), seconds(0), 12345), seconds(0));
  EXPECT_LE(retry_delay(0, seconds(0), seconds(0), 12345), seconds(1));
}

}  // namespace
}  // namespace dcbot::runtime
