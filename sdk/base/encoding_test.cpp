// SPDX-License-Identifier: MIT
#include "base/encoding.h"

#include <string_view>

#include <gtest/gtest.h>

namespace dcbot {
namespace {

TEST(Hex, RoundTripsAndUpperCase) {
  Bytes b{0x00, 0x3a, 0xff};
  EXPECT_EQ(hex_encode(b), "003aff");
  EXPECT_EQ(hex_encode(b, true), "003AFF");
  auto back = hex_decode("003AfF");
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, b);
}

TEST(Hex, RejectsOddLengthAndBadCharacters) {
  EXPECT_EQ(hex_decode("abc").error().code, Errc::Parse);
  EXPECT_EQ(hex_decode("zz").error().code, Errc::Parse);
}

TEST(Hex, DigitValue) {
  EXPECT_EQ(hex_digit_value('0'), 0);
  EXPECT_EQ(hex_digit_value('9'), 9);
  EXPECT_EQ(hex_digit_value('a'), 10);
  EXPECT_EQ(hex_digit_value('F'), 15);
  for (const char c : std::string_view("gG/:@`% \0\xff", 10)) {
    EXPECT_EQ(hex_digit_value(c), -1) << static_cast<int>(c);
  }
}

// RFC 4648 §10 test vectors.
TEST(Base64, EncodesRfc4648Vectors) {
  const char* in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(base64_encode(as_bytes(in[i])), out[i]);
    auto back = base64_decode(out[i]);
    ASSERT_TRUE(back) << out[i];
    EXPECT_EQ(to_string(*back), in[i]);
  }
}

TEST(Base64, IgnoresFoldingWhitespace) {
  auto r = base64_decode("Zm9v\r\n YmFy\t");
  ASSERT_TRUE(r);
  EXPECT_EQ(to_string(*r), "foobar");
}

TEST(Base64, RejectsGarbage) {
  EXPECT_FALSE(base64_decode("Zm9v!"));
  EXPECT_FALSE(base64_decode("Zm9vY"));     // 1 symbol left over: impossible length
  EXPECT_FALSE(base64_decode("Zg==Zg=="));  // data after padding
  EXPECT_FALSE(base64_decode("Zg==="));     // too much padding
  EXPECT_FALSE(base64_decode("Zg", {.allow_missing_padding = false}));
  EXPECT_FALSE(base64_decode("Zm 9v", {.ignore_whitespace = false}));
}

TEST(Base64Url, UsesUrlAlphabetWithoutPadding) {
  Bytes b{0xfb, 0xff, 0xbf};
  EXPECT_EQ(base64url_encode(b), "-_-_");
  EXPECT_EQ(base64_encode(b), "+/+/");
  EXPECT_FALSE(base64_decode("-_-_"));
  auto r = base64_decode("-_-_", {.allow_url_alphabet = true});
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, b);
  EXPECT_EQ(base64url_encode(Bytes{0x01}), "AQ");
  EXPECT_EQ(base64url_encode(Bytes{0x01}, true), "AQ==");
}

}  // namespace
}  // namespace dcbot
