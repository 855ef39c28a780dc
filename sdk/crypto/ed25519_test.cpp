// SPDX-License-Identifier: MIT
#include "crypto/ed25519.h"

#include <vector>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "crypto/hash.h"

namespace dcbot::crypto {
namespace {

Bytes unhex(std::string_view s) {
  return hex_decode(s).value();
}

struct Vector {
  const char* name;
  const char* seed;
  const char* public_key;
  const char* message;
  const char* signature;
};

// RFC 8032 §7.1: TEST 1, TEST 2, TEST 3 and TEST SHA(abc) (whose message is SHA-512("abc")).
const std::vector<Vector> kRfc8032 = {
    {"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b"
     "46b"
     "d25bf5f0595bbe24655141438e7a100b"},
    {"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11"
     "d8c"
     "387b2eaeb4302aeeb00d291612bb0c00"},
    {"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc"
     "659"
     "4a7c15e9716ed28dc027beceea1ec40a"},
    {"TEST SHA(abc)", "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
     "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3fee"
     "bbd"
     "454d4423643ce80e2a9ac94fa54ca49f",
     "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e"
     "030"
     "3dca179c138ac17ad9bef1177331a704"},
};

TEST(Ed25519, Rfc8032Section7_1) {
  for (const auto& v : kRfc8032) {
    SCOPED_TRACE(v.name);
    auto seed = unhex(v.seed);
    auto msg = unhex(v.message);
    auto pub = ed25519_public_from_seed(seed);
    ASSERT_TRUE(pub.has_value());
    EXPECT_EQ(hex_encode(*pub), v.public_key);
    auto sig = ed25519_sign(seed, msg);
    ASSERT_TRUE(sig.has_value());
    EXPECT_EQ(hex_encode(*sig), v.signature);
    EXPECT_TRUE(ed25519_verify(*pub, msg, *sig).has_value());
  }
}

TEST(Ed25519, ShaAbcMessageIsSha512OfAbc) {
  EXPECT_EQ(hex_encode(hash(HashAlgo::Sha512, as_bytes("abc"))), kRfc8032[3].message);
}

TEST(Ed25519, RejectsTamperedSignatureMessageOrKey) {
  const auto& v = kRfc8032[2];
  auto pub = unhex(v.public_key);
  auto msg = unhex(v.message);
  auto sig = unhex(v.signature);
  for (std::size_t i = 0; i < sig.size(); i += 7) {
    auto bad = sig;
    bad[i] ^= 0x01;
    auto r = ed25519_verify(pub, msg, bad);
    ASSERT_FALSE(r.has_value()) << i;
    EXPECT_EQ(r.error().code, Errc::Crypto);
  }
  auto bad_msg = msg;
  bad_msg[0] ^= 0x80;
  EXPECT_EQ(ed25519_verify(pub, bad_msg, sig).error().code, Errc::Crypto);
  auto other_pub = unhex(kRfc8032[1].public_key);
  EXPECT_EQ(ed25519_verify(other_pub, msg, sig).error().code, Errc::Crypto);
}

TEST(Ed25519, RejectsNonCanonicalS) {
  // S + L verifies in lax implementations (malleability); RFC 8032 §5.1.7 requires S < L.
  const auto& v = kRfc8032[0];
  auto sig = unhex(v.signature);
  const Bytes order = unhex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  unsigned carry = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    unsigned sum = sig[32 + i] + order[i] + carry;
    sig[32 + i] = static_cast<std::uint8_t>(sum);
    carry = sum >> 8;
  }
  ASSERT_EQ(carry, 0u);
  EXPECT_EQ(ed25519_verify(unhex(v.public_key), {}, sig).error().code, Errc::Crypto);
}

TEST(Ed25519, RejectsBadSizes) {
  EXPECT_EQ(ed25519_public_from_seed(Bytes(31)).error().code, Errc::InvalidArgument);
  EXPECT_EQ(ed25519_sign(Bytes(33), {}).error().code, Errc::InvalidArgument);
  EXPECT_EQ(ed25519_keypair_from_seed(Bytes()).error().code, Errc::InvalidArgument);
  EXPECT_EQ(ed25519_verify(Bytes(31), {}, Bytes(64)).error().code, Errc::InvalidArgument);
  EXPECT_EQ(ed25519_verify(Bytes(32), {}, Bytes(63)).error().code, Errc::InvalidArgument);
}

TEST(Ed25519, GeneratedKeysSignAndVerify) {
  auto pair = ed25519_generate();
  ASSERT_EQ(pair.seed.size(), 32u);
  ASSERT_EQ(pair.public_key.size(), 32u);
  EXPECT_EQ(ed25519_public_from_seed(pair.seed.view()).value(), pair.public_key);
  auto msg = to_bytes("hello, chatmail");
  auto sig = ed25519_sign(pair.seed.view(), msg);
  ASSERT_TRUE(sig.has_value());
  EXPECT_TRUE(ed25519_verify(pair.public_key, msg, *sig).has_value());
  auto again = ed25519_keypair_from_seed(pair.seed.view());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->public_key, pair.public_key);
  EXPECT_NE(ed25519_generate().public_key, pair.public_key);
}

}  // namespace
}  // namespace dcbot::crypto
