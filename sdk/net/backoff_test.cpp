// SPDX-License-Identifier: MIT
#include "net/backoff.h"

#include <chrono>

#include <gtest/gtest.h>

namespace dcbot::net {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(Backoff, FirstDelayIsJitteredMinimum) {
  Backoff backoff(seconds(1), minutes(5), 42);
  auto d = backoff.next();
  EXPECT_GE(d, milliseconds(500));
  EXPECT_LE(d, seconds(1));
  EXPECT_EQ(backoff.attempts(), 1u);
}

TEST(Backoff, DoublesUpToTheCap) {
  Backoff backoff(seconds(1), minutes(5), 7);
  milliseconds base = seconds(1);
  for (int i = 0; i < 20; ++i) {
    auto d = backoff.next();
    EXPECT_GE(d, base / 2) << "attempt " << i;
    EXPECT_LE(d, base) << "attempt " << i;
    base = std::min<milliseconds>(base * 2, minutes(5));
  }
  EXPECT_EQ(base, minutes(5));
}

TEST(Backoff, NeverExceedsMaxAfterManyFailures) {
  Backoff backoff(seconds(1), minutes(5), 1);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_LE(backoff.next(), minutes(5));
  }
}

TEST(Backoff, ResetStartsOverFromMinimum) {
  Backoff backoff(seconds(1), minutes(5), 3);
  for (int i = 0; i < 10; ++i) {
    (void)backoff.next();
  }
  backoff.reset();
  EXPECT_EQ(backoff.attempts(), 0u);
  EXPECT_LE(backoff.next(), seconds(1));
}

TEST(Backoff, JitterSpreadsDelays) {
  Backoff a(seconds(1), minutes(5), 1);
  Backoff b(seconds(1), minutes(5), 2);
  bool differ = false;
  for (int i = 0; i < 8; ++i) {
    differ = differ || a.next() != b.next();
  }
  EXPECT_TRUE(differ);
}

TEST(Backoff, SameSeedSameSequence) {
  Backoff a(seconds(1), minutes(5), 9);
  Backoff b(seconds(1), minutes(5), 9);
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(a.next(), b.next());
  }
}

}  // namespace
}  // namespace dcbot::net
