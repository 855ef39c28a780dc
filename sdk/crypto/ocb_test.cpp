// SPDX-License-Identifier: MIT
#include "crypto/ocb.h"

#include <vector>

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace dcbot::crypto {
namespace {

Bytes unhex(std::string_view s) {
  return hex_decode(s).value();
}

// 00 01 02 ... (n - 1): the A and P strings of RFC 7253 Appendix A.
Bytes counting(std::size_t n) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = static_cast<std::uint8_t>(i);
  }
  return out;
}

struct Sample {
  std::uint8_t nonce_last;  // N = BBAA99887766554433221100 with this last byte
  std::size_t ad_size;      // A = counting(ad_size)
  std::size_t plain_size;   // P = counting(plain_size)
  const char* ciphertext;   // C = ciphertext core || 128-bit tag
};

// RFC 7253 Appendix A, "Sample Results": K = 000102030405060708090A0B0C0D0E0F,
// AEAD_AES_128_OCB_TAGLEN128.
const std::vector<Sample> kSamples = {
    {0x00, 0, 0, "785407BFFFC8AD9EDCC5520AC9111EE6"},
    {0x01, 8, 8, "6820B3657B6F615A5725BDA0D3B4EB3A257C9AF1F8F03009"},
    {0x02, 8, 0, "81017F8203F081277152FADE694A0A00"},
    {0x03, 0, 8, "45DD69F8F5AAE72414054CD1F35D82760B2CD00D2F99BFA9"},
    {0x04, 16, 16, "571D535B60B277188BE5147170A9A22C3AD7A4FF3835B8C5701C1CCEC8FC3358"},
    {0x05, 16, 0, "8CF761B6902EF764462AD86498CA6B97"},
    {0x06, 0, 16, "5CE88EC2E0692706A915C00AEB8B2396F40E1C743F52436BDF06D8FA1ECA343D"},
    {0x07, 24, 24,
     "1CA2207308C87C010756104D8840CE1952F09673A448A122C92C62241051F57356D7F3C90BB0E07F"},
    {0x08, 24, 0, "6DC225A071FC1B9F7C69F93B0F1E10DE"},
    {0x09, 0, 24,
     "221BD0DE7FA6FE993ECCD769460A0AF2D6CDED0C395B1C3CE725F32494B9F914D85C0B1EB38357FF"},
    {0x0A, 32, 32,
     "BD6F6C496201C69296C11EFD138A467ABD3C707924B964DEAFFC40319AF5A48540FBBA186C5553C6"
     "8AD9F592A79A4240"},
    {0x0B, 32, 0, "FE80690BEE8A485D11F32965BC9D2A32"},
    {0x0C, 0, 32,
     "2942BFC773BDA23CABC6ACFD9BFD5835BD300F0973792EF46040C53F1432BCDFB5E1DDE3BC18A5F8"
     "40B52E653444D5DF"},
    {0x0D, 40, 40,
     "D5CA91748410C1751FF8A2F618255B68A0A12E093FF454606E59F9C1D0DDC54B65E8628E568BAD7A"
     "ED07BA06A4A69483A7035490C5769E60"},
    {0x0E, 40, 0, "C5CD9D1850C141E358649994EE701B68"},
    {0x0F, 0, 40,
     "4412923493C57D5DE0D700F753CCE0D1D2D95060122E9F15A5DDBFC5787E50B5CC55EE507BCB084E"
     "479AD363AC366B95A98CA5F3000B1479"},
};

Bytes sample_nonce(std::uint8_t last) {
  auto n = unhex("BBAA998877665544332211");
  n.push_back(last);
  return n;
}

TEST(AesOcb, Rfc7253AppendixASampleResults) {
  auto key = unhex("000102030405060708090A0B0C0D0E0F");
  auto ocb = AesOcb::create(key);
  ASSERT_TRUE(ocb.has_value());
  for (const auto& s : kSamples) {
    SCOPED_TRACE(static_cast<int>(s.nonce_last));
    auto nonce = sample_nonce(s.nonce_last);
    auto ad = counting(s.ad_size);
    auto plain = counting(s.plain_size);
    auto ct = ocb->encrypt(nonce, ad, plain);
    ASSERT_TRUE(ct.has_value());
    EXPECT_EQ(hex_encode(*ct, true), s.ciphertext);
    auto back = ocb->decrypt(nonce, ad, unhex(s.ciphertext));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, plain);
    // The one-shot functions agree.
    EXPECT_EQ(aes_ocb_encrypt(key, nonce, ad, plain).value(), *ct);
    EXPECT_EQ(aes_ocb_decrypt(key, nonce, ad, *ct).value(), plain);
  }
}

// RFC 7253 Appendix A, the iterative check:
//   K = zeros(KEYLEN-8) || num2str(TAGLEN,8); C = <empty string>
//   for i = 0 to 127: S = zeros(8i)
//     C = C || OCB-ENCRYPT(K, num2str(3i+1,96), S, S)
//     C = C || OCB-ENCRYPT(K, num2str(3i+2,96), <empty string>, S)
//     C = C || OCB-ENCRYPT(K, num2str(3i+3,96), S, <empty string>)
//   Output: OCB-ENCRYPT(K, num2str(385,96), C, <empty string>)
// (OCB-ENCRYPT takes (K, N, A, P).) Every decryption along the way must round-trip too.
Bytes iterative_check(std::size_t key_size, std::size_t tag_size) {
  Bytes key(key_size, 0);
  key.back() = static_cast<std::uint8_t>(tag_size * 8);
  auto ocb = AesOcb::create(key, tag_size).value();
  auto nonce = [](unsigned n) {
    Bytes out(12, 0);
    out[10] = static_cast<std::uint8_t>(n >> 8);
    out[11] = static_cast<std::uint8_t>(n);
    return out;
  };
  Bytes c;
  for (unsigned i = 0; i < 128; ++i) {
    Bytes s(i, 0);
    auto c1 = ocb.encrypt(nonce(3 * i + 1), s, s).value();
    EXPECT_EQ(ocb.decrypt(nonce(3 * i + 1), s, c1).value(), s);
    append(c, c1);
    auto c2 = ocb.encrypt(nonce(3 * i + 2), {}, s).value();
    EXPECT_EQ(ocb.decrypt(nonce(3 * i + 2), {}, c2).value(), s);
    append(c, c2);
    auto c3 = ocb.encrypt(nonce(3 * i + 3), s, {}).value();
    EXPECT_TRUE(ocb.decrypt(nonce(3 * i + 3), s, c3).value().empty());
    append(c, c3);
  }
  return ocb.encrypt(nonce(385), c, {}).value();
}

TEST(AesOcb, Rfc7253AppendixAIterativeCheck) {
  struct Expected {
    std::size_t key_size;
    std::size_t tag_size;
    const char* output;
  };

  const std::vector<Expected> expected = {
      {16, 16, "67E944D23256C5E0B6C61FA22FDF1EA2"},  // AEAD_AES_128_OCB_TAGLEN128
      {24, 16, "F673F2C3E7174AAE7BAE986CA9F29E17"},  // AEAD_AES_192_OCB_TAGLEN128
      {32, 16, "D90EB8E9C977C88B79DD793D7FFA161C"},  // AEAD_AES_256_OCB_TAGLEN128
      {16, 12, "77A3D8E73589158D25D01209"},          // AEAD_AES_128_OCB_TAGLEN96
      {24, 12, "05D56EAD2752C86BE6932C5E"},          // AEAD_AES_192_OCB_TAGLEN96
      {32, 12, "5458359AC23B0CBA9E6330DD"},          // AEAD_AES_256_OCB_TAGLEN96
      {16, 8, "192C9B7BD90BA06A"},                   // AEAD_AES_128_OCB_TAGLEN64
      {24, 8, "0066BC6E0EF34E24"},                   // AEAD_AES_192_OCB_TAGLEN64
      {32, 8, "7D4EA5D445501CBE"},                   // AEAD_AES_256_OCB_TAGLEN64
  };
  for (const auto& e : expected) {
    SCOPED_TRACE(std::to_string(e.key_size * 8) + "/" + std::to_string(e.tag_size * 8));
    EXPECT_EQ(hex_encode(iterative_check(e.key_size, e.tag_size), true), e.output);
  }
}

TEST(AesOcb, RejectsAnyModification) {
  auto key = unhex("000102030405060708090A0B0C0D0E0F");
  const auto& s = kSamples[13];  // 40 bytes of A and P: full blocks and a partial one
  auto nonce = sample_nonce(s.nonce_last);
  auto ad = counting(s.ad_size);
  auto ct = unhex(s.ciphertext);
  for (std::size_t i = 0; i < ct.size(); ++i) {
    auto bad = ct;
    bad[i] ^= 0x01;
    auto r = aes_ocb_decrypt(key, nonce, ad, bad);
    ASSERT_FALSE(r.has_value()) << i;
    EXPECT_EQ(r.error().code, Errc::Crypto);
  }
  auto bad_ad = ad;
  bad_ad[39] ^= 0x80;
  EXPECT_EQ(aes_ocb_decrypt(key, nonce, bad_ad, ct).error().code, Errc::Crypto);
  auto bad_nonce = nonce;
  bad_nonce[0] ^= 0x01;
  EXPECT_EQ(aes_ocb_decrypt(key, bad_nonce, ad, ct).error().code, Errc::Crypto);
  // Truncated or extended input, and input shorter than a tag.
  EXPECT_EQ(aes_ocb_decrypt(key, nonce, ad, ByteView(ct).first(ct.size() - 1)).error().code,
            Errc::Crypto);
  auto longer = ct;
  longer.push_back(0);
  EXPECT_EQ(aes_ocb_decrypt(key, nonce, ad, longer).error().code, Errc::Crypto);
  EXPECT_EQ(aes_ocb_decrypt(key, nonce, ad, Bytes(15)).error().code, Errc::Crypto);
  EXPECT_EQ(aes_ocb_decrypt(key, nonce, ad, {}).error().code, Errc::Crypto);
  // The wrong key.
  auto other_key = key;
  other_key[0] ^= 1;
  EXPECT_EQ(aes_ocb_decrypt(other_key, nonce, ad, ct).error().code, Errc::Crypto);
}

TEST(AesOcb, NonceLengthsOneToFifteen) {
  // OpenPGP uses 15-byte nonces (RFC 9580 §5.13.2); every length 1..15 must round-trip, and
  // different lengths of the "same" nonce give different ciphertexts.
  Bytes key(32, 0x5a);
  auto ocb = AesOcb::create(key).value();
  auto plain = to_bytes("a message that spans more than one block of sixteen bytes");
  Bytes previous;
  for (std::size_t n = 1; n <= 15; ++n) {
    Bytes nonce(n, 0x01);
    auto ct = ocb.encrypt(nonce, to_bytes("ad"), plain);
    ASSERT_TRUE(ct.has_value());
    EXPECT_EQ(ct->size(), plain.size() + 16);
    EXPECT_NE(*ct, previous);
    EXPECT_EQ(ocb.decrypt(nonce, to_bytes("ad"), *ct).value(), plain);
    previous = *ct;
  }
  // Long inputs exercise L_i for higher i (ntz up to 7 over 200 blocks).
  Bytes big(200 * 16 + 5, 0x33);
  Bytes nonce(15, 0x07);
  auto ct = ocb.encrypt(nonce, big, big);
  ASSERT_TRUE(ct.has_value());
  EXPECT_EQ(ocb.decrypt(nonce, big, *ct).value(), big);
}

TEST(AesOcb, RejectsBadParameters) {
  Bytes key(16, 0);
  EXPECT_EQ(AesOcb::create(Bytes(17)).error().code, Errc::InvalidArgument);
  EXPECT_EQ(AesOcb::create(key, 0).error().code, Errc::InvalidArgument);
  EXPECT_EQ(AesOcb::create(key, 17).error().code, Errc::InvalidArgument);
  auto ocb = AesOcb::create(key).value();
  EXPECT_EQ(ocb.tag_size(), 16u);
  EXPECT_EQ(ocb.encrypt({}, {}, {}).error().code, Errc::InvalidArgument);
  EXPECT_EQ(ocb.encrypt(Bytes(16), {}, {}).error().code, Errc::InvalidArgument);
  EXPECT_EQ(ocb.decrypt(Bytes(16), {}, Bytes(16)).error().code, Errc::InvalidArgument);
  EXPECT_EQ(aes_ocb_encrypt(key, Bytes(12), {}, {}, 20).error().code, Errc::InvalidArgument);
}

}  // namespace
}  // namespace dcbot::crypto
