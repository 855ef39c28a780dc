// SPDX-License-Identifier: MIT
#include "smtp/reply_parser.h"

#include <string>

#include <gtest/gtest.h>

namespace dcbot::smtp {
namespace {

Reply parse_one(std::string_view text) {
  ReplyParser parser;
  auto replies = parser.feed(as_bytes(text));
  EXPECT_TRUE(replies) << replies.error().to_string();
  EXPECT_EQ(replies->size(), 1u);
  EXPECT_FALSE(parser.in_progress());
  return replies->empty() ? Reply{} : replies->front();
}

TEST(SmtpReplyParser, ParsesSingleLineReply) {
  auto reply = parse_one("220 relay.example ESMTP Postfix\r\n");
  EXPECT_EQ(reply.code, 220);
  EXPECT_FALSE(reply.enhanced);
  EXPECT_EQ(reply.text(), "relay.example ESMTP Postfix");
  EXPECT_EQ(reply.disposition(), Disposition::Ok);
}

TEST(SmtpReplyParser, ParsesMultiLineReply) {
  ReplyParser parser;
  auto a = parser.feed_line("250-relay.example");
  ASSERT_TRUE(a);
  EXPECT_FALSE(*a);
  EXPECT_TRUE(parser.in_progress());
  ASSERT_TRUE(parser.feed_line("250-PIPELINING"));
  auto c = parser.feed_line("250 8BITMIME");
  ASSERT_TRUE(c);
  ASSERT_TRUE(*c);
  EXPECT_EQ((*c)->lines, (std::vector<std::string>{"relay.example", "PIPELINING", "8BITMIME"}));
  EXPECT_FALSE(parser.in_progress());
}

TEST(SmtpReplyParser, ParsesEnhancedStatusCode) {
  auto reply = parse_one("450 4.7.1 <bot@relay.example>: Too much mail\r\n");
  ASSERT_TRUE(reply.enhanced);
  EXPECT_EQ(*reply.enhanced, (EnhancedCode{4, 7, 1}));
  EXPECT_EQ(reply.text(), "<bot@relay.example>: Too much mail");
  EXPECT_TRUE(reply.is_rate_limited());
  EXPECT_EQ(reply.disposition(), Disposition::Transient);
  EXPECT_EQ(reply.summary(), "450 4.7.1 <bot@relay.example>: Too much mail");
}

TEST(SmtpReplyParser, StripsEnhancedCodeFromEveryLine) {
  auto reply = parse_one("550-5.1.1 first\r\n550 5.1.1 second\r\n");
  EXPECT_EQ(reply.lines, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(reply.enhanced->to_string(), "5.1.1");
}

TEST(SmtpReplyParser, IgnoresEnhancedCodeOfOtherClass) {
  auto reply = parse_one("250 4.7.1 odd\r\n");
  EXPECT_FALSE(reply.enhanced);
  EXPECT_EQ(reply.text(), "4.7.1 odd");
}

TEST(SmtpReplyParser, KeepsTextThatOnlyLooksLikeACode) {
  auto reply = parse_one("250 2.0.0queued\r\n");
  EXPECT_FALSE(reply.enhanced);
  auto three_digits = parse_one("550 5.123.456\r\n");
  ASSERT_TRUE(three_digits.enhanced);
  EXPECT_EQ(*three_digits.enhanced, (EnhancedCode{5, 123, 456}));
  EXPECT_EQ(three_digits.text(), "");
}

TEST(SmtpReplyParser, AcceptsBareCodeAndEmptyText) {
  auto reply = parse_one("250\r\n");
  EXPECT_EQ(reply.code, 250);
  EXPECT_EQ(reply.text(), "");
  EXPECT_EQ(reply.summary(), "250");
}

TEST(SmtpReplyParser, RejectsMalformedLines) {
  for (std::string_view bad :
       {"", "25", "abc hello", "650 no", "260 no", "2x0 no", "250_x", "199 no"}) {
    ReplyParser parser;
    auto r = parser.feed_line(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::Parse);
  }
}

TEST(SmtpReplyParser, RejectsCodeChangeInsideMultiLineReply) {
  ReplyParser parser;
  ASSERT_TRUE(parser.feed_line("250-one"));
  auto r = parser.feed_line("251 two");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Parse);
  EXPECT_FALSE(parser.in_progress());
}

TEST(SmtpReplyParser, LimitsNumberOfLines) {
  ReplyParser parser;
  Result<std::optional<Reply>> r = std::optional<Reply>{};
  for (std::size_t i = 0; i <= ReplyParser::kMaxLines && r; ++i) {
    r = parser.feed_line("250-x");
  }
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Parse);
}

TEST(SmtpReplyParser, FeedsBytesSplitAnywhere) {
  const std::string wire = "250-a\r\n250 b\r\n354 go ahead\r\n";
  for (std::size_t split = 0; split <= wire.size(); ++split) {
    ReplyParser parser;
    auto first = parser.feed(as_bytes(std::string_view(wire).substr(0, split)));
    ASSERT_TRUE(first);
    auto second = parser.feed(as_bytes(std::string_view(wire).substr(split)));
    ASSERT_TRUE(second);
    std::vector<Reply> all = *first;
    all.insert(all.end(), second->begin(), second->end());
    ASSERT_EQ(all.size(), 2u) << split;
    EXPECT_EQ(all[0].lines, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(all[1].code, 354);
  }
}

TEST(SmtpReplyParser, AcceptsBareLfLineEnds) {
  auto reply = parse_one("221 bye\n");
  EXPECT_EQ(reply.code, 221);
  EXPECT_EQ(reply.text(), "bye");
}

TEST(SmtpClassify, ByFirstDigit) {
  EXPECT_EQ(classify(250, std::nullopt), Disposition::Ok);
  EXPECT_EQ(classify(334, std::nullopt), Disposition::Intermediate);
  EXPECT_EQ(classify(421, std::nullopt), Disposition::Transient);
  EXPECT_EQ(classify(554, std::nullopt), Disposition::Permanent);
  EXPECT_EQ(classify(523, std::nullopt), Disposition::Permanent);
}

TEST(SmtpClassify, EnhancedFiveFiveZeroIsTransient) {
  EXPECT_EQ(classify(554, EnhancedCode{5, 5, 0}), Disposition::Transient);
  EXPECT_EQ(classify(550, EnhancedCode{5, 1, 1}), Disposition::Permanent);
  EXPECT_EQ(classify(550, EnhancedCode{5, 5, 1}), Disposition::Permanent);
}

TEST(SmtpEhlo, ParsesExtensions) {
  auto reply = parse_one(
      "250-relay.example\r\n250-PIPELINING\r\n250-SIZE 31457280\r\n250-ETRN\r\n"
      "250-STARTTLS\r\n250-AUTH PLAIN login\r\n250-AUTH=LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n"
      "250-8BITMIME\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n");
  auto ext = parse_ehlo(reply);
  EXPECT_TRUE(ext.pipelining);
  EXPECT_TRUE(ext.starttls);
  EXPECT_TRUE(ext.eight_bit_mime);
  EXPECT_TRUE(ext.smtp_utf8);
  EXPECT_TRUE(ext.enhanced_status_codes);
  ASSERT_TRUE(ext.size);
  EXPECT_EQ(*ext.size, 31457280u);
  EXPECT_EQ(ext.auth, (std::vector<std::string>{"PLAIN", "LOGIN"}));
  EXPECT_TRUE(ext.has_auth("plain"));
  EXPECT_FALSE(ext.has_auth("CRAM-MD5"));
}

TEST(SmtpEhlo, GreetingLineIsNotAnExtension) {
  auto ext = parse_ehlo(parse_one("250 STARTTLS\r\n"));
  EXPECT_FALSE(ext.starttls);
  EXPECT_FALSE(ext.size);
  auto bare_size = parse_ehlo(parse_one("250-x\r\n250 SIZE\r\n"));
  ASSERT_TRUE(bare_size.size);
  EXPECT_EQ(*bare_size.size, 0u);
}

std::string encode(std::string_view message) {
  return to_string(encode_data(as_bytes(message)));
}

TEST(SmtpData, DotStuffsLinesStartingWithDot) {
  EXPECT_EQ(encode(".hidden\r\nx\r\n.\r\n..\r\n"), "..hidden\r\nx\r\n..\r\n...\r\n.\r\n");
  EXPECT_EQ(encode("a.b\r\n"), "a.b\r\n.\r\n");
}

TEST(SmtpData, NormalisesLineEndings) {
  EXPECT_EQ(encode("a\nb\r\nc\rd"), "a\r\nb\r\nc\r\nd\r\n.\r\n");
  EXPECT_EQ(encode("x\n.y\n"), "x\r\n..y\r\n.\r\n");
  EXPECT_EQ(encode(""), ".\r\n");
  EXPECT_EQ(encode("\n\n"), "\r\n\r\n.\r\n");
}

TEST(SmtpAddress, RejectsInjection) {
  EXPECT_TRUE(is_valid_address("bot@relay.example"));
  EXPECT_TRUE(is_valid_address("ünï@relay.example"));
  EXPECT_FALSE(is_valid_address("a@b>\r\nRCPT TO:<c@d"));
  EXPECT_FALSE(is_valid_address("a b@c"));
  EXPECT_FALSE(is_valid_address(std::string(321, 'a')));
}

}  // namespace
}  // namespace dcbot::smtp
