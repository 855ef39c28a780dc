// SPDX-License-Identifier: MIT
#include "mime/transfer.h"

#include <gtest/gtest.h>

namespace dcbot::mime {
namespace {

std::string qp(std::string_view s) {
  return to_string(qp_decode(as_bytes(s)));
}

TEST(TransferEncoding, ParsesNamesCaseInsensitively) {
  EXPECT_EQ(parse_transfer_encoding(" Quoted-Printable "), TransferEncoding::QuotedPrintable);
  EXPECT_EQ(parse_transfer_encoding("BASE64"), TransferEncoding::Base64);
  EXPECT_EQ(parse_transfer_encoding("8bit"), TransferEncoding::EightBit);
  EXPECT_EQ(parse_transfer_encoding("x-uuencode"), TransferEncoding::SevenBit);
  EXPECT_EQ(transfer_encoding_name(TransferEncoding::QuotedPrintable), "quoted-printable");
}

TEST(QuotedPrintable, DecodesEscapesAndSoftBreaks) {
  // RFC 2045 §6.7 examples: soft line breaks join lines; "=3D" is "=".
  EXPECT_EQ(qp("Now's the time =\r\nfor all folk to come=\r\n to the aid"),
            "Now's the time for all folk to come to the aid");
  EXPECT_EQ(qp("a=3Db=C3=A9"), "a=b\xC3\xA9");
  EXPECT_EQ(qp("line1\r\nline2"), "line1\r\nline2");
  EXPECT_EQ(qp("bare=\nlf\nnext"), "barelf\r\nnext");
}

TEST(QuotedPrintable, DropsTrailingWhitespaceAndKeepsMalformedEscapes) {
  EXPECT_EQ(qp("trailing   \r\nx"), "trailing\r\nx");
  EXPECT_EQ(qp("soft=  \r\nx"), "softx");
  EXPECT_EQ(qp("bad=ZZ and =4"), "bad=ZZ and =4");
  EXPECT_EQ(qp("="), "");
  EXPECT_EQ(qp("lower=c3=a9"), "lower\xC3\xA9");
}

TEST(QuotedPrintable, EncodesWithinLineLimitAndRoundTrips) {
  std::string text(200, 'x');
  text += "\r\n\xC3\xA9t\xC3\xA9 = summer \r\nend";
  const std::string enc = qp_encode(as_bytes(text));
  std::size_t line_start = 0;
  while (line_start < enc.size()) {
    std::size_t eol = enc.find("\r\n", line_start);
    if (eol == std::string::npos) {
      eol = enc.size();
    }
    EXPECT_LE(eol - line_start, 76u);
    line_start = eol + 2;
  }
  EXPECT_NE(enc.find("=C3=A9t=C3=A9 =3D summer=20\r\n"), std::string::npos);
  EXPECT_EQ(qp(enc), text);
}

TEST(Base64Body, IgnoresJunkAndStopsAtPadding) {
  EXPECT_EQ(to_string(base64_body_decode(as_bytes("SGVs\r\nbG8=\r\n"))), "Hello");
  EXPECT_EQ(to_string(base64_body_decode(as_bytes("SG!V*sbG8"))), "Hello");
  EXPECT_EQ(to_string(base64_body_decode(as_bytes("SGVsbG8=trailing"))), "Hello");
  EXPECT_EQ(to_string(base64_body_decode(as_bytes("S"))), "");
  EXPECT_TRUE(base64_body_decode(as_bytes("")).empty());
}

TEST(Base64Body, EncodesIn76CharLines) {
  const Bytes data(100, 0xAB);
  const std::string enc = base64_body_encode(data);
  EXPECT_EQ(enc.find("\r\n"), 76u);
  EXPECT_EQ(enc.substr(enc.size() - 2), "\r\n");
  EXPECT_EQ(base64_body_decode(as_bytes(enc)), data);
}

TEST(TransferEncoding, ChoosesEncodingForText) {
  EXPECT_EQ(choose_text_encoding(as_bytes("Hello Bob\r\nshort lines")), TransferEncoding::SevenBit);
  EXPECT_EQ(choose_text_encoding(as_bytes(std::string(100, 'a'))),
            TransferEncoding::QuotedPrintable);
  EXPECT_EQ(choose_text_encoding(as_bytes("caf\xC3\xA9 au lait, s'il vous pla\xC3\xAEt")),
            TransferEncoding::QuotedPrintable);
  EXPECT_EQ(choose_text_encoding(as_bytes("\xF0\x9F\x98\x80\xF0\x9F\x98\x80")),
            TransferEncoding::Base64);
  EXPECT_EQ(choose_text_encoding(as_bytes("ends with space ")), TransferEncoding::QuotedPrintable);
}

TEST(TransferEncoding, DecodeBodyDispatches) {
  EXPECT_EQ(to_string(decode_body(as_bytes("YQ=="), TransferEncoding::Base64)), "a");
  EXPECT_EQ(to_string(decode_body(as_bytes("=41"), TransferEncoding::QuotedPrintable)), "A");
  EXPECT_EQ(to_string(decode_body(as_bytes("=41"), TransferEncoding::SevenBit)), "=41");
}

}  // namespace
}  // namespace dcbot::mime
