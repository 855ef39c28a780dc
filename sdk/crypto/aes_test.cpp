// SPDX-License-Identifier: MIT
#include "crypto/aes.h"

#include <vector>

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace dcbot::crypto {
namespace {

Bytes unhex(std::string_view s) {
  return hex_decode(s).value();
}

// FIPS 197 Appendix C: plaintext 00112233..ff under keys 000102..(16, 24, 32 bytes).
struct BlockVector {
  const char* key;
  const char* ciphertext;
};

const std::vector<BlockVector> kFips197 = {
    {"000102030405060708090a0b0c0d0e0f", "69c4e0d86a7b0430d8cdb78070b4c55a"},
    {"000102030405060708090a0b0c0d0e0f1011121314151617", "dda97ca4864cdfe06eaf70a0ec0d7191"},
    {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
     "8ea2b7ca516745bfeafc49904b496089"},
};

constexpr const char* kFips197Plain = "00112233445566778899aabbccddeeff";

TEST(Aes, Fips197AppendixC) {
  for (const auto& v : kFips197) {
    auto ct = aes_encrypt_block(unhex(v.key), unhex(kFips197Plain));
    ASSERT_TRUE(ct.has_value());
    EXPECT_EQ(hex_encode(*ct), v.ciphertext);
    auto pt = aes_decrypt_block(unhex(v.key), *ct);
    ASSERT_TRUE(pt.has_value());
    EXPECT_EQ(hex_encode(*pt), kFips197Plain);
  }
}

TEST(Aes, ObjectEncryptsAndDecryptsBlocks) {
  auto aes = Aes::create(unhex(kFips197[0].key));
  ASSERT_TRUE(aes.has_value());
  auto plain = unhex(kFips197Plain);
  auto ct = aes->encrypt_block(std::span<const std::uint8_t, 16>(plain.data(), 16));
  EXPECT_EQ(hex_encode(ct), kFips197[0].ciphertext);
  auto back = aes->decrypt_block(ct);
  EXPECT_EQ(hex_encode(back), kFips197Plain);
  Aes moved = std::move(*aes);
  EXPECT_EQ(hex_encode(moved.encrypt_block(std::span<const std::uint8_t, 16>(plain.data(), 16))),
            kFips197[0].ciphertext);
}

TEST(Aes, RejectsBadSizes) {
  EXPECT_EQ(Aes::create(Bytes(15)).error().code, Errc::InvalidArgument);
  EXPECT_EQ(Aes::create(Bytes(33)).error().code, Errc::InvalidArgument);
  EXPECT_EQ(Aes::create({}).error().code, Errc::InvalidArgument);
  EXPECT_EQ(aes_encrypt_block(Bytes(16), Bytes(15)).error().code, Errc::InvalidArgument);
  EXPECT_EQ(aes_decrypt_block(Bytes(16), Bytes(17)).error().code, Errc::InvalidArgument);
  EXPECT_EQ(aes_cfb_encrypt(Bytes(16), Bytes(8), Bytes(4)).error().code, Errc::InvalidArgument);
  EXPECT_EQ(aes_cfb_decrypt(Bytes(20), Bytes(16), Bytes(4)).error().code, Errc::InvalidArgument);
  EXPECT_TRUE(is_aes_key_size(24));
  EXPECT_FALSE(is_aes_key_size(0));
}

// NIST SP 800-38A F.3.13 / F.3.14 (CFB128-AES128), F.3.15 (AES192) and F.3.17 (AES256).
constexpr const char* kSp800Iv = "000102030405060708090a0b0c0d0e0f";
constexpr const char* kSp800Plain =
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";

const std::vector<BlockVector> kSp800Cfb = {
    {"2b7e151628aed2a6abf7158809cf4f3c",
     "3b3fd92eb72dad20333449f8e83cfb4ac8a64537a0b3a93fcde3cdad9f1ce58b"
     "26751f67a3cbb140b1808cf187a4f4dfc04b05357c5d1c0eeac4c66f9ff7f2e6"},
    {"8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
     "cdc80d6fddf18cab34c25909c99a417467ce7f7f81173621961a2b70171d3d7a"
     "2e1e8a1dd59b88b1c8e60fed1efac4c9c05f9f9ca9834fa042ae8fba584b09ff"},
    {"603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
     "dc7e84bfda79164b7ecd8486985d386039ffed143b28b1c832113c6331e5407b"
     "df10132415e54b92a13ed0a8267ae2f975a385741ab9cef82031623d55b1e471"},
};

TEST(AesCfb, Sp800_38aVectors) {
  for (const auto& v : kSp800Cfb) {
    auto ct = aes_cfb_encrypt(unhex(v.key), unhex(kSp800Iv), unhex(kSp800Plain));
    ASSERT_TRUE(ct.has_value());
    EXPECT_EQ(hex_encode(*ct), v.ciphertext);
    auto pt = aes_cfb_decrypt(unhex(v.key), unhex(kSp800Iv), unhex(v.ciphertext));
    ASSERT_TRUE(pt.has_value());
    EXPECT_EQ(hex_encode(*pt), kSp800Plain);
  }
}

TEST(AesCfb, PartialFinalSegmentIsPrefixOfFullEncryption) {
  // CFB-128 is a stream mode: encrypting a prefix gives a prefix of the ciphertext.
  auto key = unhex(kSp800Cfb[0].key);
  auto full = unhex(kSp800Cfb[0].ciphertext);
  auto plain = unhex(kSp800Plain);
  for (std::size_t n : {0u, 1u, 15u, 16u, 17u, 33u, 63u}) {
    auto ct = aes_cfb_encrypt(key, unhex(kSp800Iv), ByteView(plain).first(n));
    ASSERT_TRUE(ct.has_value());
    EXPECT_EQ(*ct, Bytes(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n)));
    auto pt = aes_cfb_decrypt(key, unhex(kSp800Iv), *ct);
    ASSERT_TRUE(pt.has_value());
    EXPECT_EQ(*pt, Bytes(plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(n)));
  }
}

TEST(AesCfb, OpenPgpZeroIvRoundTrip) {
  // SEIPDv1 (RFC 9580 §5.13.1): zero IV over random prefix || data; decryption is the inverse.
  Bytes key(32, 0x42);
  Bytes iv(16, 0);
  Bytes data = to_bytes("prefix+quickcheck and a message that is not block aligned");
  auto ct = aes_cfb_encrypt(key, iv, data);
  ASSERT_TRUE(ct.has_value());
  EXPECT_NE(*ct, data);
  auto back = aes_cfb_decrypt(key, iv, *ct);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, data);
}

}  // namespace
}  // namespace dcbot::crypto
