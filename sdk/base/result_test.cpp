// SPDX-License-Identifier: MIT
#include "dcbot/result.h"

#include <string>

#include <gtest/gtest.h>

namespace dcbot {
namespace {

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') {
    return make_error(Errc::Parse, "not a digit");
  }
  return c - '0';
}

Result<int> sum2(char a, char b) {
  DCBOT_TRY(int x, parse_digit(a));
  DCBOT_TRY(int y, parse_digit(b));
  return x + y;
}

Result<> check_digit(char c) {
  DCBOT_TRY(parse_digit(c));
  return {};
}

TEST(Result, TryPropagatesValuesAndErrors) {
  EXPECT_EQ(sum2('3', '4').value(), 7);
  auto bad = sum2('3', 'x');
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::Parse);
  EXPECT_TRUE(check_digit('1'));
  EXPECT_FALSE(check_digit('a'));
}

TEST(Result, ContextIsPrefixed) {
  Error e = make_error(Errc::Protocol, "bad token").with_context("fetch").with_context("imap");
  EXPECT_EQ(e.message, "imap: fetch: bad token");
  EXPECT_EQ(e.to_string(), "protocol: imap: fetch: bad token");
}

TEST(Result, ValueThrowsDcbotException) {
  Result<int> r = make_error(Errc::Timeout, "smtp: no reply");
  try {
    (void)r.value();
    FAIL() << "expected an exception";
  } catch (const Exception& ex) {
    EXPECT_EQ(ex.error().code, Errc::Timeout);
    EXPECT_STREQ(ex.what(), "timeout: smtp: no reply");
  }
}

TEST(ResultDeathTest, CheckAbortsWithLocation) {
  EXPECT_DEATH(DCBOT_CHECK(1 + 1 == 3, "arithmetic"), "check failed at .*result_test.cpp");
}

}  // namespace
}  // namespace dcbot
