// SPDX-License-Identifier: MIT
#include "crypto/random.h"

#include <gtest/gtest.h>

namespace dcbot::crypto {
namespace {

TEST(Random, ReturnsRequestedLength) {
  EXPECT_TRUE(random_bytes(0).empty());
  EXPECT_EQ(random_bytes(1).size(), 1u);
  EXPECT_EQ(random_bytes(1000).size(), 1000u);
  EXPECT_EQ(random_secret(32).size(), 32u);
}

TEST(Random, TwoDrawsDiffer) {
  // 2^-256 chance of a false failure.
  EXPECT_NE(random_bytes(32), random_bytes(32));
  EXPECT_FALSE(random_secret(32) == random_secret(32));
}

TEST(Random, NotAllZero) {
  auto b = random_bytes(64);
  bool any = false;
  for (auto x : b) {
    any = any || x != 0;
  }
  EXPECT_TRUE(any);
}

}  // namespace
}  // namespace dcbot::crypto
