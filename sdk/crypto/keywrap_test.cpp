// SPDX-License-Identifier: MIT
#include "crypto/keywrap.h"

#include <vector>

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace dcbot::crypto {
namespace {

Bytes unhex(std::string_view s) {
  return hex_decode(s).value();
}

struct Vector {
  const char* section;
  const char* kek;
  const char* key_data;
  const char* wrapped;
};

constexpr const char* kKek128 = "000102030405060708090A0B0C0D0E0F";
constexpr const char* kKek192 = "000102030405060708090A0B0C0D0E0F1011121314151617";
constexpr const char* kKek256 = "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F";
constexpr const char* kData128 = "00112233445566778899AABBCCDDEEFF";
constexpr const char* kData192 = "00112233445566778899AABBCCDDEEFF0001020304050607";
constexpr const char* kData256 = "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F";

// RFC 3394 §4.1 - §4.6.
const std::vector<Vector> kRfc3394 = {
    {"4.1", kKek128, kData128, "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"},
    {"4.2", kKek192, kData128, "96778B25AE6CA435F92B5B97C050AED2468AB8A17AD84E5D"},
    {"4.3", kKek256, kData128, "64E8C3F9CE0F5BA263E9777905818A2A93C8191E7D6E8AE7"},
    {"4.4", kKek192, kData192, "031D33264E15D33268F24EC260743EDCE1C6C7DDEE725A936BA814915C6762D2"},
    {"4.5", kKek256, kData192, "A8F9BC1612C68B3FF6E6F4FBE30E71E4769C8B80A32CB8958CD5D17D6B254DA1"},
    {"4.6", kKek256, kData256,
     "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"},
};

TEST(AesKeyWrap, Rfc3394Section4Vectors) {
  for (const auto& v : kRfc3394) {
    SCOPED_TRACE(v.section);
    auto wrapped = aes_key_wrap(unhex(v.kek), unhex(v.key_data));
    ASSERT_TRUE(wrapped.has_value());
    EXPECT_EQ(hex_encode(*wrapped, true), v.wrapped);
    auto unwrapped = aes_key_unwrap(unhex(v.kek), unhex(v.wrapped));
    ASSERT_TRUE(unwrapped.has_value());
    EXPECT_EQ(hex_encode(unwrapped->view(), true), v.key_data);
  }
}

TEST(AesKeyWrap, IntegrityFailureIsCryptoError) {
  for (const auto& v : kRfc3394) {
    SCOPED_TRACE(v.section);
    auto wrapped = unhex(v.wrapped);
    for (std::size_t i = 0; i < wrapped.size(); ++i) {
      auto bad = wrapped;
      bad[i] ^= 0x10;
      auto r = aes_key_unwrap(unhex(v.kek), bad);
      ASSERT_FALSE(r.has_value()) << i;
      EXPECT_EQ(r.error().code, Errc::Crypto);
    }
    // The wrong key-encryption key.
    auto kek = unhex(v.kek);
    kek[5] ^= 0x01;
    EXPECT_EQ(aes_key_unwrap(kek, wrapped).error().code, Errc::Crypto);
  }
}

TEST(AesKeyWrap, RejectsBadLengths) {
  auto kek = unhex(kKek128);
  EXPECT_EQ(aes_key_wrap(kek, Bytes(8)).error().code, Errc::InvalidArgument);
  EXPECT_EQ(aes_key_wrap(kek, Bytes(17)).error().code, Errc::InvalidArgument);
  EXPECT_EQ(aes_key_wrap(Bytes(15), Bytes(16)).error().code, Errc::InvalidArgument);
  EXPECT_EQ(aes_key_unwrap(kek, Bytes(16)).error().code, Errc::Crypto);
  EXPECT_EQ(aes_key_unwrap(kek, Bytes(25)).error().code, Errc::Crypto);
  EXPECT_EQ(aes_key_unwrap(kek, {}).error().code, Errc::Crypto);
  EXPECT_EQ(aes_key_unwrap(Bytes(20), Bytes(24)).error().code, Errc::InvalidArgument);
}

TEST(AesKeyWrap, RoundTripsLongerKeyData) {
  // OpenPGP ECDH wraps 40 bytes (algo id, 32-byte key, checksum, PKCS#5 padding to a multiple of
  // 8).
  auto kek = unhex(kKek128);
  Bytes data(40);
  for (std::size_t i = 0; i < data.size(); ++i) {
    data[i] = static_cast<std::uint8_t>(i * 7);
  }
  auto wrapped = aes_key_wrap(kek, data);
  ASSERT_TRUE(wrapped.has_value());
  EXPECT_EQ(wrapped->size(), 48u);
  auto back = aes_key_unwrap(kek, *wrapped);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(Bytes(back->view().begin(), back->view().end()), data);
}

}  // namespace
}  // namespace dcbot::crypto
