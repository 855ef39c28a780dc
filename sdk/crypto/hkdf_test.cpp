// SPDX-License-Identifier: MIT
#include "crypto/hkdf.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace dcbot::crypto {
namespace {

Bytes unhex(std::string_view s) {
  return hex_decode(s).value();
}

Bytes range(int first, int last) {
  Bytes out;
  for (int b = first; b <= last; ++b) {
    out.push_back(static_cast<std::uint8_t>(b));
  }
  return out;
}

// RFC 5869 Appendix A.1: basic test case with SHA-256.
TEST(Hkdf, Rfc5869A1) {
  auto okm = hkdf_sha256(unhex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
                         unhex("000102030405060708090a0b0c"), unhex("f0f1f2f3f4f5f6f7f8f9"), 42);
  ASSERT_TRUE(okm.has_value());
  EXPECT_EQ(hex_encode(okm->view()),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  // The PRK of A.1 is HMAC-SHA256(salt, IKM) (RFC 5869 §2.2).
  EXPECT_EQ(hex_encode(hmac_sha256(unhex("000102030405060708090a0b0c"),
                                   unhex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"))),
            "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
}

// RFC 5869 Appendix A.2: longer inputs and outputs (IKM 0x00..0x4f, salt 0x60..0xaf,
// info 0xb0..0xff, L = 82).
TEST(Hkdf, Rfc5869A2) {
  auto okm = hkdf_sha256(range(0x00, 0x4f), range(0x60, 0xaf), range(0xb0, 0xff), 82);
  ASSERT_TRUE(okm.has_value());
  EXPECT_EQ(
      hex_encode(okm->view()),
      "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c6"
      "5e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87");
  EXPECT_EQ(hex_encode(hmac_sha256(range(0x60, 0xaf), range(0x00, 0x4f))),
            "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244");
}

// RFC 5869 Appendix A.3: zero-length salt and info.
TEST(Hkdf, Rfc5869A3) {
  auto okm = hkdf_sha256(unhex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), {}, {}, 42);
  ASSERT_TRUE(okm.has_value());
  EXPECT_EQ(hex_encode(okm->view()),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(Hkdf, OutputLengthLimits) {
  Bytes ikm(16, 1);
  EXPECT_TRUE(hkdf_sha256(ikm, {}, {}, 0).value().empty());
  EXPECT_EQ(hkdf_sha256(ikm, {}, {}, std::size_t{255} * 32).value().size(), 255u * 32u);
  EXPECT_EQ(hkdf_sha256(ikm, {}, {}, std::size_t{255} * 32 + 1).error().code,
            Errc::InvalidArgument);
  // A prefix property: shorter outputs are prefixes of longer ones (RFC 5869 §2.3).
  auto short_okm = hkdf_sha256(ikm, {}, to_bytes("x"), 10).value();
  auto long_okm = hkdf_sha256(ikm, {}, to_bytes("x"), 70).value();
  EXPECT_TRUE(
      std::equal(short_okm.view().begin(), short_okm.view().end(), long_okm.view().begin()));
}

}  // namespace
}  // namespace dcbot::crypto
