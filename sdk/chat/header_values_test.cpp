// SPDX-License-Identifier: MIT
#include "chat/header_values.h"

#include <gtest/gtest.h>

namespace dcbot::chat {
namespace {

TEST(HeaderValues, UpperFprUpperCasesAsciiLettersOnly) {
  EXPECT_EQ(upper_fpr("3a370c44f1b277aa09d1e4f00b6c9d7a5e21c3d0"),
            "3A370C44F1B277AA09D1E4F00B6C9D7A5E21C3D0");
  EXPECT_EQ(upper_fpr("ab cd"), "AB CD");  // Unlike normalize_fingerprint, spaces stay.
  EXPECT_EQ(upper_fpr(""), "");
  EXPECT_EQ(upper_fpr("\xc3\xa9z"), "\xc3\xa9Z");
}

TEST(HeaderValues, ParseTimestampTakesUpTo18Digits) {
  EXPECT_EQ(parse_timestamp("0"), 0);
  EXPECT_EQ(parse_timestamp("1795395800"), 1795395800);
  EXPECT_EQ(parse_timestamp("999999999999999999"), 999999999999999999);
  EXPECT_EQ(parse_timestamp("1000000000000000000"), std::nullopt);  // 19 digits.
  EXPECT_EQ(parse_timestamp(""), std::nullopt);
  EXPECT_EQ(parse_timestamp("-1"), std::nullopt);
  EXPECT_EQ(parse_timestamp("+1"), std::nullopt);
  EXPECT_EQ(parse_timestamp(" 1"), std::nullopt);
  EXPECT_EQ(parse_timestamp("12a"), std::nullopt);
}

}  // namespace
}  // namespace dcbot::chat
