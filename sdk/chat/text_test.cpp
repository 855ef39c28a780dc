// SPDX-License-Identifier: MIT
#include "chat/text.h"

#include <gtest/gtest.h>

namespace dcbot::chat {
namespace {

TEST(ChatText, SplitsFooterIntoStatus) {
  auto s = split_footer("hello\nworld\n\n-- \nI echo things\n");
  EXPECT_EQ(s.text, "hello\nworld");
  EXPECT_TRUE(s.has_footer);
  EXPECT_EQ(s.footer, "I echo things");
  auto plain = split_footer("no footer\r\n");
  EXPECT_EQ(plain.text, "no footer");
  EXPECT_FALSE(plain.has_footer);
}

TEST(ChatText, ComposeEscapesUserSignatureLinesAndRoundTrips) {
  const std::string body = compose_body("a\n-- not a footer\nb", "status");
  EXPECT_NE(body.find("-\u200B- not a footer"), std::string::npos);
  auto s = split_footer(body);
  EXPECT_EQ(s.text, "a\n-- not a footer\nb");
  EXPECT_EQ(s.footer, "status");
}

TEST(ChatText, EditTextStripsQuoteAndPencil) {
  EXPECT_EQ(edit_text("> react to me\n\n\u270F\uFE0Fedited text"), "edited text");
  EXPECT_EQ(edit_text("\u270Fnew"), "new");
  EXPECT_EQ(edit_text(compose_edit("old\nlines", "fresh")), "fresh");
}

TEST(ChatText, ReactionTakesFirstShortToken) {
  EXPECT_EQ(reaction_emoji("\U0001F44D\r\n"), "\U0001F44D");
  EXPECT_EQ(reaction_emoji(""), "");
  EXPECT_EQ(reaction_emoji(std::string(40, 'x')), "");
}

TEST(ChatText, SanitizesFilenames) {
  EXPECT_EQ(sanitize_filename("../../etc/passwd", "text/plain"), "passwd");
  EXPECT_EQ(sanitize_filename("C:\\dir\\a:b*.txt", "text/plain"), "a_b_.txt");
  EXPECT_EQ(sanitize_filename(".hidden", "text/plain"), "hidden");
  EXPECT_EQ(sanitize_filename("", "image/png"), "file.png");
  EXPECT_EQ(sanitize_filename("..", "application/octet-stream"), "file.bin");
  EXPECT_EQ(sanitize_filename("fichier été.txt", "text/plain"), "fichier été.txt");
  EXPECT_EQ(sanitize_filename("a\x01\nb", "text/plain"), "a__b");
  const std::string long_name = std::string(200, 'a') + ".png";
  const auto cut = sanitize_filename(long_name, "image/png");
  EXPECT_EQ(cut.size(), 128u);
  EXPECT_EQ(cut.substr(cut.size() - 4), ".png");
  std::string utf8;
  for (int i = 0; i < 100; ++i) {
    utf8 += "\u00e9";
  }
  const auto cut8 = sanitize_filename(utf8, "text/plain");
  EXPECT_LE(cut8.size(), 128u);
  EXPECT_EQ(cut8.size() % 2, 0u);
}

TEST(Text, SplitQuoteTakesTheTopQuoteOffAReply) {
  auto r = split_quote("> first line\n>second\n\n/kick spam");
  EXPECT_TRUE(r.has_quote);
  EXPECT_EQ(r.quote, "first line\nsecond");
  EXPECT_EQ(r.text, "/kick spam");
  auto crlf = split_quote("> quoted\r\n\r\nreply\r\nmore");
  EXPECT_TRUE(crlf.has_quote);
  EXPECT_EQ(crlf.quote, "quoted");
  EXPECT_EQ(crlf.text, "reply\nmore");
  // Not a quote: nothing before the first ">" line, only quote lines, or no ">" at all.
  for (std::string_view text : {"plain text", "> only a quote", ">.<", "hi\n> later quote", ""}) {
    auto same = split_quote(text);
    EXPECT_FALSE(same.has_quote) << text;
    EXPECT_EQ(same.text, text);
    EXPECT_TRUE(same.quote.empty());
  }
}

TEST(Text, ComposeQuoteIsWhatSplitQuoteTakesOff) {
  EXPECT_EQ(compose_quote("a\nb"), "> a\n> b\n\n");
  auto back = split_quote(compose_quote("line one\n\nline three") + "the reply");
  EXPECT_TRUE(back.has_quote);
  EXPECT_EQ(back.text, "the reply");
  EXPECT_EQ(back.quote, "line one\n\nline three");
}

}  // namespace
}  // namespace dcbot::chat
