// SPDX-License-Identifier: MIT
#include "runtime/flood_control.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

namespace dcbot::runtime {
namespace {

using std::chrono::seconds;
using Clock = FloodControl::Clock;

const Clock::time_point kT0 = Clock::time_point(std::chrono::hours(1000));

TEST(FloodControl, OffAllowsEverything) {
  FloodControl off(0);
  EXPECT_TRUE(off.is_off());
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(off.allow("A", kT0));
  }
  EXPECT_EQ(off.tracked(), 0U);
  EXPECT_TRUE(FloodControl(-3).is_off());
}

TEST(FloodControl, AtMostNPerSenderInAnyMinute) {
  FloodControl flood(3);
  EXPECT_TRUE(flood.allow("A", kT0));
  EXPECT_TRUE(flood.allow("A", kT0 + seconds(10)));
  EXPECT_TRUE(flood.allow("A", kT0 + seconds(20)));
  // The fourth within the minute is refused, and a refused message does not count.
  EXPECT_FALSE(flood.allow("A", kT0 + seconds(30)));
  EXPECT_FALSE(flood.allow("A", kT0 + seconds(59)));
  // Another sender has its own window.
  EXPECT_TRUE(flood.allow("B", kT0 + seconds(59)));
  // The first message leaves the window 60 s after it was taken.
  EXPECT_TRUE(flood.allow("A", kT0 + seconds(60)));
  EXPECT_FALSE(flood.allow("A", kT0 + seconds(61)));
  EXPECT_TRUE(flood.allow("A", kT0 + seconds(70)));
  EXPECT_TRUE(flood.allow("A", kT0 + seconds(80)));
  EXPECT_FALSE(flood.allow("A", kT0 + seconds(80)));
  // After a quiet minute the whole allowance is back.
  const auto later = kT0 + seconds(200);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(flood.allow("A", later)) << i;
  }
  EXPECT_FALSE(flood.allow("A", later));
}

TEST(FloodControl, IdleSendersAreForgotten) {
  FloodControl flood(1);
  for (std::size_t i = 0; i <= FloodControl::kMaxIdleSenders; ++i) {
    ASSERT_TRUE(flood.allow("sender " + std::to_string(i), kT0));
  }
  EXPECT_EQ(flood.tracked(), FloodControl::kMaxIdleSenders + 1);
  // A minute later the next new sender triggers the cleanup of every idle window.
  EXPECT_TRUE(flood.allow("late", kT0 + seconds(60)));
  EXPECT_EQ(flood.tracked(), 1U);
  // Within the minute, tracked senders keep their count.
  EXPECT_FALSE(flood.allow("late", kT0 + seconds(61)));
}

}  // namespace
}  // namespace dcbot::runtime
