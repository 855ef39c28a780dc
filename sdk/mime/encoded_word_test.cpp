// SPDX-License-Identifier: MIT
#include "mime/encoded_word.h"

#include <gtest/gtest.h>

namespace dcbot::mime {
namespace {

// RFC 2047 §8 examples.
TEST(EncodedWord, DecodesRfc2047Examples) {
  EXPECT_EQ(decode_encoded_words("=?US-ASCII?Q?Keith_Moore?="), "Keith Moore");
  EXPECT_EQ(decode_encoded_words("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?="),
            "Keld J\xC3\xB8rn Simonsen");
  EXPECT_EQ(decode_encoded_words("=?ISO-8859-1?Q?Andr=E9?= Pirard"), "Andr\xC3\xA9 Pirard");
  EXPECT_EQ(decode_encoded_words("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?= "
                                 "=?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?="),
            "If you can read this you understand the example.");
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a?=)"), "(a)");
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a?= b)"), "(a b)");
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)"), "(ab)");
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a?=  \r\n  =?ISO-8859-1?Q?b?=)"), "(ab)");
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a_b?=)"), "(a b)");
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)"), "(a b)");
}

TEST(EncodedWord, JoinsCharacterSplitAcrossWords) {
  // "é" = C3 A9 split over two B words.
  EXPECT_EQ(decode_encoded_words("=?utf-8?B?w6=?= =?utf-8?B?qQ==?="), "\xC3\xA9");
  EXPECT_EQ(decode_encoded_words("=?utf-8?Q?=C3?= =?utf-8?Q?=A9x?="), "\xC3\xA9x");
}

TEST(EncodedWord, KeepsMalformedWordsAsText) {
  EXPECT_EQ(decode_encoded_words("=?utf-8?X?abc?="), "=?utf-8?X?abc?=");
  EXPECT_EQ(decode_encoded_words("=?utf-8?B?abc"), "=?utf-8?B?abc");
  EXPECT_EQ(decode_encoded_words("=?utf-8?Q?a b?="), "=?utf-8?Q?a b?=");
  EXPECT_EQ(decode_encoded_words("plain \xC3\xA9 \xFF"), "plain \xC3\xA9 \xEF\xBF\xBD");
  EXPECT_EQ(decode_encoded_words("=?utf-8?B?"
                                 "?="),
            "");
}

TEST(EncodedWord, AcceptsRfc2231LanguageSuffix) {
  EXPECT_EQ(decode_encoded_words("=?US-ASCII*EN?Q?Keith_Moore?="), "Keith Moore");
}

TEST(EncodedWord, CoreFilenameDecodes) {
  // PROTOCOL.md §3.3, as sent by 2.62.
  EXPECT_EQ(decode_encoded_words("=?utf-8?B?R3LDvMOfZSByw6lzdW3DqS50eHQ=?="),
            "Gr\xC3\xBC\xC3\x9F"
            "e r\xC3\xA9sum\xC3\xA9.txt");
}

TEST(EncodedWord, EncodesLongTextInShortWords) {
  std::string text;
  for (int i = 0; i < 40; ++i) {
    text += "\xC3\xA9\xF0\x9F\x98\x80";
  }
  for (const std::string& enc : {encode_words_b(text), encode_words_q(text)}) {
    std::size_t start = 0;
    while (start < enc.size()) {
      std::size_t sp = enc.find(' ', start);
      if (sp == std::string::npos) {
        sp = enc.size();
      }
      EXPECT_LE(sp - start, 60u);
      start = sp + 1;
    }
    EXPECT_EQ(decode_encoded_words(enc), text);
  }
  EXPECT_EQ(encode_words_b("\xC3\xA4"), "=?utf-8?B?w6Q=?=");
  EXPECT_EQ(encode_words_q("a b\xC3\xA4"), "=?utf-8?Q?a_b=C3=A4?=");
  EXPECT_EQ(decode_encoded_words(encode_words_b("")), "");
}

TEST(EncodedWord, NeedsEncodingDetectsUnsafeText) {
  EXPECT_FALSE(needs_encoding("Hello, world"));
  EXPECT_TRUE(
      needs_encoding("Gr\xC3\xB6\xC3\x9F"
                     "e"));
  EXPECT_TRUE(needs_encoding("line\r\nbreak"));
  EXPECT_TRUE(needs_encoding("looks like =?utf-8?B?eA==?="));
}

// RFC 2231 §4 example: title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A.
TEST(Rfc2231, DecodesCharsetLanguageAndPercent) {
  EXPECT_EQ(decode_rfc2231("us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A", true),
            "This is ***fun***");
  EXPECT_EQ(decode_rfc2231("iso-8859-1''caf%E9", true), "caf\xC3\xA9");
  EXPECT_EQ(decode_rfc2231("''%C3%A9", true), "\xC3\xA9");
  EXPECT_EQ(decode_rfc2231("%41%zz%4", false), "A%zz%4");
}

}  // namespace
}  // namespace dcbot::mime
