// SPDX-License-Identifier: MIT
#include "mime/header.h"

#include <gtest/gtest.h>

namespace dcbot::mime {
namespace {

TEST(HeaderBlock, UnfoldsAndFindsCaseInsensitively) {
  const std::string block =
      "Subject: This\r\n is a test\r\nX-Empty:\r\nautocrypt-gossip: addr=a@x; keydata=AAAA\r\n"
      "\tBBBB\r\nAutocrypt-Gossip: addr=b@x; keydata=CCCC\r\n\r\nbody";
  auto r = parse_header_block(block);
  ASSERT_TRUE(r) << r.error().to_string();
  const Headers& h = r->headers;
  EXPECT_EQ(h.size(), 4u);
  EXPECT_EQ(h.value("SUBJECT"), "This is a test");
  EXPECT_EQ(h.raw("x-empty"), "");
  const auto gossip = h.all_raw("Autocrypt-Gossip");
  ASSERT_EQ(gossip.size(), 2u);
  EXPECT_EQ(gossip[0], "addr=a@x; keydata=AAAA\tBBBB");
  EXPECT_EQ(gossip[1], "addr=b@x; keydata=CCCC");
  EXPECT_EQ(block.substr(r->body_offset), "body");
  EXPECT_FALSE(h.has("Missing"));
}

TEST(HeaderBlock, ToleratesBareLfAndMissingBody) {
  auto r = parse_header_block("A: 1\nB: 2\n  cont\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->headers.raw("b"), "2  cont");
  EXPECT_EQ(r->body_offset, 17u);
  auto empty = parse_header_block("\r\nbody");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->headers.empty());
  EXPECT_EQ(empty->body_offset, 2u);
}

TEST(HeaderBlock, DecodesEncodedWordsInValue) {
  auto r = parse_header_block("Chat-Group-Name: =?utf-8?B?R3LDvMOfZQ==?= Gruppe\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->headers.value("chat-group-name"),
            "Gr\xC3\xBC\xC3\x9F"
            "e Gruppe");
}

TEST(HeaderBlock, RejectsMalformedLines) {
  EXPECT_EQ(parse_header_block("no colon here\r\n\r\n").error().code, Errc::Parse);
  EXPECT_EQ(parse_header_block(" leading continuation\r\n\r\n").error().code, Errc::Parse);
  EXPECT_EQ(parse_header_block("Bad Name: x\r\n\r\n").error().code, Errc::Parse);
}

TEST(HeaderBlock, EnforcesLimits) {
  std::string many;
  for (int i = 0; i < 20; ++i) {
    many += "X: y\r\n";
  }
  HeaderLimits limits;
  limits.max_fields = 10;
  EXPECT_EQ(parse_header_block(many, limits).error().code, Errc::Parse);
  limits = {};
  limits.max_line_length = 100;
  EXPECT_EQ(parse_header_block("X: " + std::string(200, 'a') + "\r\n\r\n", limits).error().code,
            Errc::Parse);
  limits = {};
  limits.max_field_size = 50;
  std::string folded = "X: a";
  for (int i = 0; i < 20; ++i) {
    folded += "\r\n bbbb";
  }
  EXPECT_EQ(parse_header_block(folded + "\r\n\r\n", limits).error().code, Errc::Parse);
}

TEST(ContentType, ParsesTypeAndParams) {
  const auto ct = parse_content_type(
      "Multipart/Encrypted; protocol=\"application/pgp-encrypted\"; \r\n\tboundary=\"18ea_x\"");
  EXPECT_EQ(ct.mime_type(), "multipart/encrypted");
  EXPECT_TRUE(ct.is_multipart());
  EXPECT_EQ(ct.param("PROTOCOL"), "application/pgp-encrypted");
  EXPECT_EQ(ct.param("boundary"), "18ea_x");
  const auto text = parse_content_type(
      "text/plain; charset=\"utf-8\"; protected-headers=\"v1\";\r\n\thp=\"cipher\"");
  EXPECT_EQ(text.param("hp"), "cipher");
  EXPECT_EQ(text.param("protected-headers"), "v1");
  EXPECT_EQ(parse_content_type("text/plain; name=\"a \\\"q\\\" b\"").param("name"), "a \"q\" b");
}

TEST(ContentType, DefaultsToTextPlainOnGarbage) {
  const auto ct = parse_content_type("garbage; charset=latin1");
  EXPECT_EQ(ct.mime_type(), "text/plain");
  EXPECT_EQ(ct.param("charset"), "latin1");
  EXPECT_EQ(parse_content_type("").mime_type(), "text/plain");
}

// RFC 2231 §3-§4 examples.
TEST(Params, DecodesRfc2231ContinuationsAndCharsets) {
  const auto ct = parse_content_type(
      "message/external-body; access-type=URL;\r\n URL*0=\"ftp://\";\r\n"
      " URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"");
  EXPECT_EQ(ct.param("url"), "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar");
  const auto title = parse_content_type(
      "application/x-stuff; title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n"
      " title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2=\"isn't it!\"");
  EXPECT_EQ(title.param("title"), "This is even more ***fun*** isn't it!");
  const auto cd = parse_content_disposition(
      "attachment; filename*=utf-8''Gr%C3%B6%C3%9Fe%20r%C3%A9sum%C3%A9.txt; filename=\"fallback\"");
  EXPECT_EQ(cd.kind, "attachment");
  EXPECT_EQ(cd.param("filename"),
            "Gr\xC3\xB6\xC3\x9F"
            "e r\xC3\xA9sum\xC3\xA9.txt");
  // Sections out of order are sorted; a gap ends the value.
  const auto gap = parse_content_disposition("attachment; f*1=b; f*0=a; f*3=d");
  EXPECT_EQ(gap.param("f"), "ab");
  const auto latin = parse_content_disposition("inline; filename*0*=iso-8859-1''caf%E9");
  EXPECT_EQ(latin.param("filename"), "caf\xC3\xA9");
}

TEST(Params, DecodesCoreQuotedEncodedWordFilename) {
  const auto cd = parse_content_disposition(
      "attachment; filename=\"=?utf-8?B?R3LDvMOfZSByw6lzdW3DqS50eHQ=?=\"");
  EXPECT_EQ(cd.param("filename"),
            "Gr\xC3\xBC\xC3\x9F"
            "e r\xC3\xA9sum\xC3\xA9.txt");
}

TEST(Params, ToleratesJunk) {
  const auto p = parse_params("; ; novalue; a=1;b=\"unterminated");
  EXPECT_EQ(find_param(p, "a"), "1");
  EXPECT_EQ(find_param(p, "b"), "unterminated");
  EXPECT_FALSE(find_param(p, "novalue"));
  EXPECT_FALSE(find_param(parse_params("x*99999=1"), "x"));
}

TEST(Fold, FoldsAtWhitespaceWithin78) {
  std::string value;
  for (int i = 0; i < 30; ++i) {
    value += "word" + std::to_string(i) + " ";
  }
  const std::string out = fold_header("Subject", value);
  std::size_t start = 0;
  std::string unfolded;
  while (start < out.size()) {
    const std::size_t eol = out.find("\r\n", start);
    ASSERT_NE(eol, std::string::npos);
    EXPECT_LE(eol - start, 78u);
    unfolded += out.substr(start, eol - start);
    start = eol + 2;
  }
  EXPECT_EQ(unfolded, "Subject: " + value.substr(0, value.size() - 1));
  EXPECT_EQ(fold_header("A", "b"), "A: b\r\n");
}

TEST(Fold, HardBreaksOverlongWordsAndStripsLineBreaks) {
  const std::string out = fold_header("X", std::string(3000, 'a'));
  std::size_t start = 0;
  while (start < out.size()) {
    const std::size_t eol = out.find("\r\n", start);
    EXPECT_LE(eol - start, 998u);
    start = eol + 2;
  }
  EXPECT_EQ(fold_header("X", "a\r\nBcc: evil@x"), "X: a  Bcc: evil@x\r\n");
}

TEST(Fold, FoldedOutputParsesBack) {
  const std::string value =
      "multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"18ea878308ef7e7f_"
      "a6997eb61bee0526_4c19398d65314c0e\"";
  auto r = parse_header_block(fold_header("Content-Type", value) + "\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(parse_content_type(*r->headers.raw("content-type")).param("boundary"),
            "18ea878308ef7e7f_a6997eb61bee0526_4c19398d65314c0e");
}

TEST(Params, FormatParamQuotesAndEncodes) {
  EXPECT_EQ(format_param("charset", "utf-8"), " charset=\"utf-8\"");
  EXPECT_EQ(format_param("name", "a\"b"), " name=\"a\\\"b\"");
  EXPECT_EQ(format_param("filename",
                         "Gr\xC3\xB6\xC3\x9F"
                         "e r\xC3\xA9sum\xC3\xA9.txt"),
            " filename=\"=?utf-8?B?R3LDtsOfZSByw6lzdW3DqS50eHQ=?=\"");
}

}  // namespace
}  // namespace dcbot::mime
