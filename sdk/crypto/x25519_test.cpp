// SPDX-License-Identifier: MIT
#include "crypto/x25519.h"

#include <vector>

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace dcbot::crypto {
namespace {

Bytes unhex(std::string_view s) {
  return hex_decode(s).value();
}

std::string hex(const SecretBytes& s) {
  return hex_encode(s.view());
}

// RFC 7748 §5.2: the two single scalar multiplications (both use an unclamped scalar, and the
// second a u-coordinate with its top bit set, which must be masked).
TEST(X25519, Rfc7748Section5_2Vectors) {
  struct V {
    const char* scalar;
    const char* u;
    const char* out;
  };

  const std::vector<V> vectors = {
      {"a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
       "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
       "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"},
      {"4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
       "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
       "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"},
  };
  for (const auto& v : vectors) {
    auto out = x25519_shared_secret(unhex(v.scalar), unhex(v.u));
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(hex(*out), v.out);
  }
}

// RFC 7748 §5.2 iterated test: k = u = 9; repeat k, u = X25519(k, u), k. Values after 1 and 1000
// iterations (the 1,000,000 one takes minutes and is left out).
TEST(X25519, Rfc7748Section5_2Iterated) {
  Bytes k(32, 0);
  k[0] = 9;
  Bytes u = k;
  for (int i = 1; i <= 1000; ++i) {
    auto r = x25519_shared_secret(k, u);
    ASSERT_TRUE(r.has_value());
    u = k;
    k.assign(r->view().begin(), r->view().end());
    if (i == 1) {
      EXPECT_EQ(hex_encode(k), "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
    }
  }
  EXPECT_EQ(hex_encode(k), "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");
}

// RFC 7748 §6.1 Diffie-Hellman example.
TEST(X25519, Rfc7748Section6_1DiffieHellman) {
  auto alice = unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  auto bob = unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  auto alice_pub = x25519_public_from_secret(alice);
  auto bob_pub = x25519_public_from_secret(bob);
  ASSERT_TRUE(alice_pub.has_value());
  ASSERT_TRUE(bob_pub.has_value());
  EXPECT_EQ(hex_encode(*alice_pub),
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  EXPECT_EQ(hex_encode(*bob_pub),
            "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  constexpr const char* kShared =
      "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
  auto k1 = x25519_shared_secret(alice, *bob_pub);
  auto k2 = x25519_shared_secret(bob, *alice_pub);
  ASSERT_TRUE(k1.has_value());
  ASSERT_TRUE(k2.has_value());
  EXPECT_EQ(hex(*k1), kShared);
  EXPECT_EQ(hex(*k2), kShared);
}

TEST(X25519, RejectsAllZeroSharedSecret) {
  // u = 0 and u = 1 are small-order points: the output is all zeros (RFC 7748 §6.1).
  auto alice = unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  Bytes zero(32, 0);
  Bytes one(32, 0);
  one[0] = 1;
  EXPECT_EQ(x25519_shared_secret(alice, zero).error().code, Errc::Crypto);
  EXPECT_EQ(x25519_shared_secret(alice, one).error().code, Errc::Crypto);
}

TEST(X25519, RejectsBadSizes) {
  EXPECT_EQ(x25519_public_from_secret(Bytes(31)).error().code, Errc::InvalidArgument);
  EXPECT_EQ(x25519_shared_secret(Bytes(32, 1), Bytes(33)).error().code, Errc::InvalidArgument);
  EXPECT_EQ(x25519_shared_secret(Bytes(0), Bytes(32, 9)).error().code, Errc::InvalidArgument);
  EXPECT_EQ(x25519_secret_from_legacy_mpi(Bytes(33)).error().code, Errc::InvalidArgument);
  EXPECT_EQ(x25519_secret_to_legacy_mpi(Bytes(31)).error().code, Errc::InvalidArgument);
  SecretBytes short_secret(Bytes(3));
  EXPECT_EQ(x25519_clamp(short_secret).error().code, Errc::InvalidArgument);
}

TEST(X25519, GeneratedKeysAgree) {
  auto a = x25519_generate();
  auto b = x25519_generate();
  EXPECT_EQ(a.secret.data()[0] & 7, 0);
  EXPECT_EQ(a.secret.data()[31] & 0xc0, 0x40);
  auto k1 = x25519_shared_secret(a.secret.view(), b.public_key);
  auto k2 = x25519_shared_secret(b.secret.view(), a.public_key);
  ASSERT_TRUE(k1.has_value());
  ASSERT_TRUE(k2.has_value());
  EXPECT_TRUE(*k1 == *k2);
  EXPECT_EQ(x25519_public_from_secret(a.secret.view()).value(), a.public_key);
}

TEST(X25519, ClampMatchesDecodeScalar25519) {
  SecretBytes s(Bytes(32, 0xff));
  ASSERT_TRUE(x25519_clamp(s).has_value());
  EXPECT_EQ(s.data()[0], 0xf8);
  EXPECT_EQ(s.data()[31], 0x7f);
  EXPECT_EQ(s.data()[15], 0xff);
}

TEST(X25519, LegacyMpiIsByteReversedScalar) {
  // OpenPGP legacy cv25519 stores the scalar big-endian: the MPI of the RFC 7748 §6.1 Alice key is
  // its byte reversal.
  auto alice = unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  auto mpi = x25519_secret_to_legacy_mpi(alice);
  ASSERT_TRUE(mpi.has_value());
  Bytes reversed(alice.rbegin(), alice.rend());
  EXPECT_EQ(hex(*mpi), hex_encode(reversed));
  EXPECT_EQ(mpi->data()[0], 0x2a);
  auto back = x25519_secret_from_legacy_mpi(mpi->view());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(hex(*back), hex_encode(alice));
  // A stripped leading zero byte is restored as the most significant (last little-endian) byte.
  auto short_be = unhex("0102");
  auto le = x25519_secret_from_legacy_mpi(short_be);
  ASSERT_TRUE(le.has_value());
  Bytes want(32, 0);
  want[0] = 0x02;
  want[1] = 0x01;
  EXPECT_EQ(hex(*le), hex_encode(want));
}

}  // namespace
}  // namespace dcbot::crypto
