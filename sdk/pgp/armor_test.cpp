// SPDX-License-Identifier: MIT
#include "pgp/armor.h"

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace dcbot::pgp {
namespace {

TEST(PgpArmor, Crc24KnownValue) {
  // CRC-24 of the empty input is the initial value (RFC 9580 §6.1).
  EXPECT_EQ(crc24({}), 0xB704CEu);
  EXPECT_EQ(crc24(as_bytes("123456789")), 0x21CF02u);
}

TEST(PgpArmor, EncodeHasNoVersionHeaderAndRoundTrips) {
  Bytes data;
  for (int i = 0; i < 300; ++i) {
    data.push_back(static_cast<std::uint8_t>(i * 7));
  }
  std::string text = armor_encode(data, ArmorKind::Message);
  EXPECT_TRUE(text.starts_with("-----BEGIN PGP MESSAGE-----\r\n\r\n"));
  EXPECT_EQ(text.find("Version"), std::string::npos);
  EXPECT_TRUE(text.ends_with("-----END PGP MESSAGE-----\r\n"));
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    EXPECT_LE(line.size(), 65u);
  }
  auto back = armor_decode(text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->kind, ArmorKind::Message);
  EXPECT_EQ(back->data, data);

  std::string lf = armor_encode(data, ArmorKind::PublicKey, LineEnding::Lf);
  EXPECT_EQ(lf.find('\r'), std::string::npos);
  auto back_lf = armor_decode(lf);
  ASSERT_TRUE(back_lf);
  EXPECT_EQ(back_lf->kind, ArmorKind::PublicKey);
  EXPECT_EQ(back_lf->data, data);
}

TEST(PgpArmor, SkipsHeadersAndLeadingText) {
  std::string text =
      "some mime text\n-----BEGIN PGP MESSAGE-----\nVersion: x\nComment: y\n \t\naGVsbG8=\n"
      "-----END PGP MESSAGE-----\n";
  auto r = armor_decode(text);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(to_string(r->data), "hello");
}

TEST(PgpArmor, RejectsBadInputs) {
  std::string good = armor_encode(as_bytes("hello world"), ArmorKind::Message, LineEnding::Lf);
  EXPECT_FALSE(armor_decode("-----BEGIN PGP MESSAGE-----\n\naGVsbG8=\n"));  // No END.
  EXPECT_FALSE(armor_decode("no armor at all"));
  EXPECT_FALSE(armor_decode("-----BEGIN PGP FOO-----\n\naGVsbG8=\n-----END PGP FOO-----\n"));
  EXPECT_FALSE(
      armor_decode("-----BEGIN PGP MESSAGE-----\n\naGVsbG8=\n-----END PGP SIGNATURE-----\n"));
  EXPECT_FALSE(armor_decode(
      "-----BEGIN PGP MESSAGE-----\n\naGV*sbG8=\n-----END PGP MESSAGE-----\n"));  // Not base64.
  EXPECT_FALSE(
      armor_decode("-----BEGIN PGP MESSAGE-----\n\naGVs\n-----BEGIN PGP MESSAGE-----\n"
                   "-----END PGP MESSAGE-----\n"));
  std::string bad_crc = good;
  auto eq = bad_crc.find("\n=");
  ASSERT_NE(eq, std::string::npos);
  bad_crc[eq + 2] = bad_crc[eq + 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(armor_decode(bad_crc));
  EXPECT_FALSE(armor_decode(good, 10));  // Over the size bound.
  // A missing CRC line is fine (RFC 9580 §6.1 makes it optional).
  std::string no_crc = good.substr(0, eq + 1) + good.substr(good.find('\n', eq + 1) + 1);
  auto r = armor_decode(no_crc);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(to_string(r->data), "hello world");
}

TEST(PgpArmor, DecodesRecordedKey) {
  std::ifstream in(DCBOT_SOURCE_DIR
                   "/tests/data/core-2.62/keys/alice/"
                   "public-key-default-639D3F8576BEBFD311AEAE4DDA27E353CC0E3128.asc");
  std::stringstream ss;
  ss << in.rdbuf();
  auto r = armor_decode(ss.str());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->kind, ArmorKind::PublicKey);
  ASSERT_FALSE(r->data.empty());
  EXPECT_EQ(r->data[0], 0xC6);  // New-format public key packet.
}

}  // namespace
}  // namespace dcbot::pgp
