// SPDX-License-Identifier: MIT
#include "mime/charset.h"

#include <gtest/gtest.h>

namespace dcbot::mime {
namespace {

TEST(Charset, ResolvesNamesAndAliases) {
  EXPECT_EQ(charset_from_name("UTF-8"), Charset::Utf8);
  EXPECT_EQ(charset_from_name("utf8"), Charset::Utf8);
  EXPECT_EQ(charset_from_name("US-ASCII"), Charset::Ascii);
  EXPECT_EQ(charset_from_name("ISO-8859-1"), Charset::Latin1);
  EXPECT_EQ(charset_from_name("latin1"), Charset::Latin1);
  EXPECT_EQ(charset_from_name("iso-8859-15"), Charset::Latin9);
  EXPECT_EQ(charset_from_name("Windows-1252"), Charset::Windows1252);
  EXPECT_EQ(charset_from_name("cp1252"), Charset::Windows1252);
  EXPECT_EQ(charset_from_name("koi8-r"), Charset::Unknown);
}

TEST(Charset, Latin1MapsBytesToSameCodePoints) {
  const Bytes in = {'G', 'r', 0xF6, 0xDF, 'e', 0xA4};
  EXPECT_EQ(to_utf8(in, "iso-8859-1"),
            "Gr\xC3\xB6\xC3\x9F"
            "e\xC2\xA4");
}

TEST(Charset, Latin9DiffersInEightPositions) {
  const Bytes in = {0xA4, 0xA6, 0xA8, 0xB4, 0xB8, 0xBC, 0xBD, 0xBE, 0xE9};
  EXPECT_EQ(to_utf8(in, "ISO-8859-15"),
            "\xE2\x82\xAC\xC5\xA0\xC5\xA1\xC5\xBD\xC5\xBE\xC5\x92\xC5\x93\xC5\xB8\xC3\xA9");
}

TEST(Charset, Windows1252HighControlRange) {
  const Bytes in = {0x80, 0x93, 0x94, 0x85, 0x99, 0x81, 0xE4};
  // Euro, left/right double quote, ellipsis, trade mark, U+0081 (unassigned), a-umlaut.
  EXPECT_EQ(to_utf8(in, "windows-1252"),
            "\xE2\x82\xAC\xE2\x80\x9C\xE2\x80\x9D\xE2\x80\xA6\xE2\x84\xA2\xC2\x81\xC3\xA4");
}

TEST(Charset, AsciiReplacesHighBytes) {
  const Bytes in = {'a', 0xE9, 'b'};
  EXPECT_EQ(to_utf8(in, "us-ascii"),
            "a\xEF\xBF\xBD"
            "b");
}

TEST(Charset, Utf8KeepsValidAndReplacesInvalid) {
  EXPECT_EQ(to_utf8(as_bytes("\xF0\x9F\x98\x80 ok"), "utf-8"), "\xF0\x9F\x98\x80 ok");
  // Overlong "/", a lone continuation byte, a surrogate, a truncated sequence.
  EXPECT_EQ(to_utf8(as_bytes("\xC0\xAF"), "utf-8"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(to_utf8(as_bytes("\x80"), "utf-8"), "\xEF\xBF\xBD");
  EXPECT_FALSE(is_valid_utf8(as_bytes("\xED\xA0\x80")));
  EXPECT_EQ(to_utf8(as_bytes("a\xE2\x82"), "utf-8"), "a\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_FALSE(is_valid_utf8(as_bytes("\xF4\x90\x80\x80")));  // Above U+10FFFF.
  EXPECT_TRUE(is_valid_utf8(as_bytes("\xF4\x8F\xBF\xBF")));
}

TEST(Charset, UnknownCharsetKeepsValidUtf8) {
  EXPECT_EQ(to_utf8(as_bytes("h\xC3\xA9"), "x-unknown"), "h\xC3\xA9");
  EXPECT_EQ(to_utf8(as_bytes("h\xE9"), "x-unknown"), "h\xEF\xBF\xBD");
}

TEST(Charset, AppendUtf8EncodesAllLengths) {
  std::string s;
  append_utf8(s, 0x41);
  append_utf8(s, 0xE9);
  append_utf8(s, 0x20AC);
  append_utf8(s, 0x1F600);
  EXPECT_EQ(s, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

}  // namespace
}  // namespace dcbot::mime
