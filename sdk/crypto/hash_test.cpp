// SPDX-License-Identifier: MIT
#include "crypto/hash.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace dcbot::crypto {
namespace {

// FIPS 180-2 Appendix examples (also NIST "Example Values" SHA_All.pdf): the one-block message
// "abc", the two-block 448-bit message for SHA-1/224/256 and the 896-bit message for SHA-384/512.
constexpr const char* kAbc = "abc";
constexpr const char* k448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
constexpr const char* k896 =
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopq"
    "rs"
    "mnopqrstnopqrstu";

struct Vector {
  HashAlgo algo;
  const char* message;
  const char* digest;
};

const std::vector<Vector> kVectors = {
    {HashAlgo::Sha1, kAbc, "a9993e364706816aba3e25717850c26c9cd0d89d"},
    {HashAlgo::Sha1, k448, "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
    {HashAlgo::Sha224, kAbc, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"},
    {HashAlgo::Sha224, k448, "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525"},
    {HashAlgo::Sha256, kAbc, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {HashAlgo::Sha256, k448, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {HashAlgo::Sha384, kAbc,
     "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c82"
     "5a7"},
    {HashAlgo::Sha384, k896,
     "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746"
     "039"},
    {HashAlgo::Sha512, kAbc,
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3fee"
     "bbd"
     "454d4423643ce80e2a9ac94fa54ca49f"},
    {HashAlgo::Sha512, k896,
     "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b54"
     "33a"
     "c7d329eeb6dd26545e96e55b874be909"},
};

TEST(Hash, FipsExamples) {
  for (const auto& v : kVectors) {
    auto digest = hash(v.algo, as_bytes(v.message));
    EXPECT_EQ(hex_encode(digest), v.digest) << v.message;
    EXPECT_EQ(digest.size(), digest_size(v.algo));
  }
}

TEST(Hash, DigestSizes) {
  EXPECT_EQ(digest_size(HashAlgo::Sha1), 20u);
  EXPECT_EQ(digest_size(HashAlgo::Sha224), 28u);
  EXPECT_EQ(digest_size(HashAlgo::Sha256), 32u);
  EXPECT_EQ(digest_size(HashAlgo::Sha384), 48u);
  EXPECT_EQ(digest_size(HashAlgo::Sha512), 64u);
}

TEST(Hasher, PiecewiseUpdatesMatchOneShot) {
  for (const auto& v : kVectors) {
    Hasher h(v.algo);
    std::string_view msg = v.message;
    // Feed one byte, then uneven pieces, to cross block boundaries at odd places.
    std::size_t pos = 0;
    std::size_t step = 1;
    while (pos < msg.size()) {
      auto n = std::min(step, msg.size() - pos);
      h.update(as_bytes(msg.substr(pos, n)));
      pos += n;
      step += 7;
    }
    EXPECT_EQ(hex_encode(h.finish()), v.digest);
  }
}

TEST(Hasher, FinishResetsAndCopyForks) {
  Hasher h(HashAlgo::Sha256);
  h.update(as_bytes("ab"));
  Hasher fork = h;
  h.update(as_bytes("c"));
  EXPECT_EQ(hex_encode(h.finish()), kVectors[4].digest);
  // After finish() the hasher is empty again.
  h.update(as_bytes("abc"));
  EXPECT_EQ(hex_encode(h.finish()), kVectors[4].digest);
  // The fork still holds "ab".
  fork.update(as_bytes("c"));
  EXPECT_EQ(fork.algo(), HashAlgo::Sha256);
  EXPECT_EQ(fork.digest_size(), 32u);
  EXPECT_EQ(hex_encode(fork.finish()), kVectors[4].digest);
  Hasher moved = std::move(fork);
  moved.update(as_bytes("abc"));
  EXPECT_EQ(hex_encode(moved.finish()), kVectors[4].digest);
}

TEST(Hash, EmptyInput) {
  // FIPS 180 SHA-256 of the empty string (NIST example values, also RFC 6234 test data).
  EXPECT_EQ(hex_encode(hash(HashAlgo::Sha256, {})),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace dcbot::crypto
