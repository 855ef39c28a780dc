// SPDX-License-Identifier: MIT
#include "pgp/compress.h"

#include <gtest/gtest.h>

namespace dcbot::pgp {
namespace {

TEST(PgpCompress, RoundTripsZipAndZlib) {
  Bytes data;
  for (std::uint64_t i = 0; i < 100000; ++i) {
    data.push_back(static_cast<std::uint8_t>((i * i) % 251));
  }
  for (std::uint8_t algo : {kCompressionZip, kCompressionZlib}) {
    Bytes z = compress(algo, data);
    auto back = decompress(algo, z, data.size());
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, data);
    EXPECT_FALSE(decompress(algo, z, data.size() - 1));                            // Output cap.
    EXPECT_FALSE(decompress(algo, ByteView(z).first(z.size() / 2), data.size()));  // Truncated.
    Bytes trailing = z;
    trailing.push_back(0);
    EXPECT_FALSE(decompress(algo, trailing, data.size()));
  }
  auto empty = decompress(kCompressionZlib, compress(kCompressionZlib, {}), 10);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  EXPECT_FALSE(decompress(kCompressionZlib, {}, 10));
  EXPECT_FALSE(decompress(3, Bytes{1, 2, 3}, 10));  // BZip2.
}

TEST(PgpCompress, BombIsCapped) {
  Bytes zeros(8u << 20, 0);
  Bytes z = compress(kCompressionZip, zeros);
  EXPECT_LT(z.size(), 20000u);
  EXPECT_FALSE(decompress(kCompressionZip, z, 1u << 20));
}

}  // namespace
}  // namespace dcbot::pgp
