// SPDX-License-Identifier: MIT
#include "runtime/rate_limiter.h"

#include <chrono>

#include <gtest/gtest.h>

namespace dcbot::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = RateLimiter::Clock;

const Clock::time_point kT0 = Clock::time_point(std::chrono::hours(1000));

TEST(RateLimiter, UnlimitedAlwaysAllows) {
  RateLimiter limiter(0, 0);
  EXPECT_TRUE(limiter.is_unlimited());
  for (int i = 0; i < 10000; ++i) {
    ASSERT_TRUE(limiter.try_acquire(kT0));
  }
  EXPECT_EQ(limiter.next_allowed(kT0), kT0);
}

TEST(RateLimiter, NegativeRateIsUnlimited) {
  EXPECT_TRUE(RateLimiter(-5, 3).is_unlimited());
}

TEST(RateLimiter, AllowsBurstThenOnePerInterval) {
  RateLimiter limiter(60, 10);  // The chatmail relay's default: one per second, burst of 10.
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(limiter.next_allowed(kT0), kT0) << i;
    ASSERT_TRUE(limiter.try_acquire(kT0)) << i;
  }
  EXPECT_FALSE(limiter.try_acquire(kT0));
  EXPECT_EQ(limiter.next_allowed(kT0), kT0 + seconds(1));
  EXPECT_FALSE(limiter.try_acquire(kT0 + milliseconds(999)));
  EXPECT_TRUE(limiter.try_acquire(kT0 + seconds(1)));
  EXPECT_EQ(limiter.next_allowed(kT0 + seconds(1)), kT0 + seconds(2));
}

TEST(RateLimiter, RefillsAfterIdleTimeUpToBurst) {
  RateLimiter limiter(60, 3);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(limiter.try_acquire(kT0));
  }
  EXPECT_FALSE(limiter.try_acquire(kT0));
  // After a long pause the bucket is full again, but holds no more than `burst`.
  const auto later = kT0 + std::chrono::minutes(10);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(limiter.try_acquire(later)) << i;
  }
  EXPECT_FALSE(limiter.try_acquire(later));
}

TEST(RateLimiter, SustainedRateMatchesPerMinute) {
  RateLimiter limiter(600, 5);
  auto now = kT0;
  int sent = 0;
  // Always send at the earliest allowed time for one minute.
  while (true) {
    auto at = limiter.next_allowed(now);
    if (at >= kT0 + std::chrono::minutes(1)) {
      break;
    }
    ASSERT_TRUE(limiter.try_acquire(at));
    now = at;
    ++sent;
  }
  EXPECT_EQ(sent, 600 + 5 - 1);
}

TEST(RateLimiter, BurstBelowOneCountsAsOne) {
  RateLimiter limiter(60, 0);
  EXPECT_TRUE(limiter.try_acquire(kT0));
  EXPECT_FALSE(limiter.try_acquire(kT0));
  EXPECT_EQ(limiter.next_allowed(kT0), kT0 + seconds(1));
}

TEST(RateLimiter, RefusedAcquireChangesNothing) {
  RateLimiter limiter(60, 1);
  ASSERT_TRUE(limiter.try_acquire(kT0));
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(limiter.try_acquire(kT0 + milliseconds(100 * i)));
  }
  EXPECT_EQ(limiter.next_allowed(kT0), kT0 + seconds(1));
}

}  // namespace
}  // namespace dcbot::runtime
