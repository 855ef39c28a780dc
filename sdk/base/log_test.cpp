// SPDX-License-Identifier: MIT
#include "dcbot/log.h"

#include <gtest/gtest.h>

namespace dcbot::log {
namespace {

TEST(Log, ParsesLevelNames) {
  Level l = Level::Off;
  EXPECT_TRUE(parse_level("debug", l));
  EXPECT_EQ(l, Level::Debug);
  EXPECT_TRUE(parse_level("warning", l));
  EXPECT_EQ(l, Level::Warn);
  EXPECT_FALSE(parse_level("loud", l));
}

TEST(Log, ThresholdFiltersMessages) {
  Level old = level();
  set_level(Level::Warn);
  EXPECT_FALSE(enabled(Level::Info));
  EXPECT_TRUE(enabled(Level::Error));
  testing::internal::CaptureStderr();
  info("hidden {}", 1);
  warn("shown {}", 2);
  std::string out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(out.find("hidden"), std::string::npos);
  EXPECT_NE(out.find("shown 2"), std::string::npos);
  set_level(old);
}

}  // namespace
}  // namespace dcbot::log
