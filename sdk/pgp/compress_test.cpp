// SPDX-License-Identifier: MIT
#include "pgp/compress.h"

#include <limits>
#include <string>

#include <gtest/gtest.h>

#include <zlib.h>

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

// The window follows the input size (compress.h): every size around the window steps round-trips,
// a ZLIB header announces the smallest window that holds the input, and a small window compresses
// as well as zlib's default 32 KiB one would (same input, same repetitions).
TEST(PgpCompress, WindowFitsTheInput) {
  for (std::size_t size :
       {0u, 1u, 249u, 250u, 251u, 1786u, 1787u, 2048u, 5000u, 32506u, 32507u, 40000u, 300000u}) {
    Bytes data;
    for (std::size_t i = 0; i < size; ++i) {
      data.push_back(static_cast<std::uint8_t>("chat message text "[i % 18] + (i / 97) % 3));
    }
    for (std::uint8_t algo : {kCompressionZip, kCompressionZlib}) {
      Bytes z = compress(algo, data);
      auto back = decompress(algo, z, data.size() + 1);
      ASSERT_TRUE(back) << size << ": " << back.error().message;
      EXPECT_EQ(*back, data) << size;
    }
    Bytes z = compress(kCompressionZlib, data);
    ASSERT_GE(z.size(), 2u);
    const int window_bits = (z[0] >> 4) + 8;  // CMF: CINFO = log2(window) - 8, CM = 8 (deflate).
    EXPECT_EQ(z[0] & 0x0f, 8);
    int want = 9;
    while (want < 15 && (std::size_t{1} << want) < size + 262) {
      ++want;
    }
    EXPECT_EQ(window_bits, want) << size;
    // zlib's default window and memLevel (compress2) on the same input: at most 1 % larger (the
    // sizes were equal for all of these when this was written).
    uLongf ref_size = compressBound(static_cast<uLong>(data.size()));
    Bytes ref(ref_size);
    ASSERT_EQ(compress2(ref.data(), &ref_size, data.data(), static_cast<uLong>(data.size()),
                        Z_DEFAULT_COMPRESSION),
              Z_OK);
    EXPECT_LE(z.size(), ref_size + ref_size / 100 + 1) << size;
  }
  EXPECT_EQ(compress(kCompressionZlib, Bytes(2000, 'a'))[0] >> 4, 4);    // 4 KiB window.
  EXPECT_EQ(compress(kCompressionZlib, Bytes(100000, 'a'))[0] >> 4, 7);  // 32 KiB, the most.
}

TEST(PgpCompress, BombIsCapped) {
  Bytes zeros(8u << 20, 0);
  Bytes z = compress(kCompressionZip, zeros);
  EXPECT_LT(z.size(), 20000u);
  EXPECT_FALSE(decompress(kCompressionZip, z, 1u << 20));
}

TEST(PgpCompress, LimitCombinesTheAbsoluteAndTheRatioCap) {
  constexpr std::size_t kMax = 256u << 20;
  // Up to kRatioFreeOutput whatever the ratio, even for an empty stream.
  EXPECT_EQ(decompressed_limit(0, kMax), kRatioFreeOutput);
  EXPECT_EQ(decompressed_limit(1000, kMax), kRatioFreeOutput);
  EXPECT_EQ(decompressed_limit(kRatioFreeOutput / kMaxCompressionRatio, kMax), kRatioFreeOutput);
  // Then the ratio.
  EXPECT_EQ(decompressed_limit(100000, kMax), 100000 * kMaxCompressionRatio);
  EXPECT_EQ(decompressed_limit(100000, kMax, 7), kRatioFreeOutput);
  EXPECT_EQ(decompressed_limit(1u << 20, kMax, 7), 7u << 20);
  // The absolute cap always wins.
  EXPECT_EQ(decompressed_limit(10u << 20, kMax), kMax);
  EXPECT_EQ(decompressed_limit(0, 1000), 1000u);
  EXPECT_EQ(decompressed_limit(1u << 20, 1000, 7), 1000u);
  // Ratio 0 disables the ratio cap; a product that would overflow does too.
  EXPECT_EQ(decompressed_limit(10, kMax, 0), kMax);
  EXPECT_EQ(decompressed_limit(std::numeric_limits<std::size_t>::max() / 2, kMax, 100), kMax);
}

// SECURITY.md 10: a deflate bomb (runs of zero octets, about 1000:1) is refused by the ratio cap
// although its output is far under the absolute cap, with the same error as the absolute cap.
TEST(PgpCompress, RatioCapRefusesZeroBombs) {
  const Bytes zeros(8u << 20, 0);
  const auto absolute = decompress(kCompressionZlib, compress(kCompressionZlib, zeros), 1u << 20);
  ASSERT_FALSE(absolute);
  for (std::uint8_t algo : {kCompressionZip, kCompressionZlib}) {
    const Bytes z = compress(algo, zeros);
    ASSERT_GT(zeros.size() / z.size(), 900u) << "deflate of zeros should reach ~1000:1";
    auto r = decompress(algo, z, 256u << 20);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, absolute.error().code);
    EXPECT_EQ(r.error().message, absolute.error().message);
    EXPECT_EQ(r.error().message, "pgp: decompressed data too large");
    // Exactly at the limit it passes, one octet under it fails.
    const std::size_t needed = (zeros.size() + z.size() - 1) / z.size();  // ceil(ratio)
    auto at = decompress(algo, z, 256u << 20, needed);
    ASSERT_TRUE(at) << at.error().message;
    EXPECT_EQ(*at, zeros);
    EXPECT_FALSE(decompress(algo, z, 256u << 20, needed - 1));
    EXPECT_FALSE(decompress(algo, z, zeros.size() - 1, needed));
    // Without the ratio cap only the absolute one is left.
    auto uncapped = decompress(algo, z, 256u << 20, 0);
    ASSERT_TRUE(uncapped);
    EXPECT_EQ(uncapped->size(), zeros.size());
  }
}

// Repetitive data up to kRatioFreeOutput is never refused by the ratio, and ordinary larger data
// (text-like lines, far under 100:1) passes at the default caps.
TEST(PgpCompress, RatioCapKeepsOrdinaryAndShortRepetitiveData) {
  const Bytes short_bomb(kRatioFreeOutput, 'A');
  const Bytes z = compress(kCompressionZlib, short_bomb);
  ASSERT_GT(short_bomb.size() / z.size(), kMaxCompressionRatio);
  auto r = decompress(kCompressionZlib, z, 256u << 20);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, short_bomb);
  EXPECT_FALSE(decompress(
      kCompressionZlib, compress(kCompressionZlib, Bytes(kRatioFreeOutput + 1, 'A')), 256u << 20));

  std::string text;
  std::uint32_t x = 12345;
  while (text.size() < (4u << 20)) {
    x = x * 1103515245u + 12345u;
    text += "2026-11-23 04:31:" + std::to_string(x % 60) + " bot: message " + std::to_string(x)
            + " from user" + std::to_string((x >> 8) % 1000) + "@relay.test delivered\n";
  }
  const Bytes data(text.begin(), text.end());
  for (std::uint8_t algo : {kCompressionZip, kCompressionZlib}) {
    const Bytes zt = compress(algo, data);
    EXPECT_LT(data.size() / zt.size(), 20u);
    auto back = decompress(algo, zt, 256u << 20);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, data);
  }
}

}  // namespace
}  // namespace dcbot::pgp
