// SPDX-License-Identifier: MIT
#include "pgp/packet.h"

#include <gtest/gtest.h>

namespace dcbot::pgp {
namespace {

Bytes make_body(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) {
    b[i] = static_cast<std::uint8_t>(i * 31 + 5);
  }
  return b;
}

TEST(PgpPacket, FixedLengthsRoundTrip) {
  for (std::size_t n : {0u, 1u, 191u, 192u, 8383u, 8384u, 70000u}) {
    Bytes out;
    write_packet(out, Tag::Literal, make_body(n));
    auto ps = parse_packets(out);
    ASSERT_TRUE(ps) << n;
    ASSERT_EQ(ps->size(), 1u);
    EXPECT_EQ((*ps)[0].tag, 11);
    EXPECT_EQ((*ps)[0].body, make_body(n));
    EXPECT_FALSE((*ps)[0].partial);
  }
}

TEST(PgpPacket, PartialLengthsAreReassembled) {
  Bytes out;
  write_packet_partial(out, Tag::Seipd, make_body(5000), 512);
  write_packet(out, Tag::Mdc, make_body(20));
  auto ps = parse_packets(out);
  ASSERT_TRUE(ps);
  ASSERT_EQ(ps->size(), 2u);
  EXPECT_TRUE((*ps)[0].partial);
  EXPECT_EQ((*ps)[0].body, make_body(5000));
  EXPECT_EQ((*ps)[1].tag, 19);
}

TEST(PgpPacket, PartialLengthRulesEnforced) {
  // Partial lengths on a signature packet are refused.
  Bytes sig{0xC2, 0xE9};  // 512-byte partial chunk.
  append(sig, make_body(512));
  sig.push_back(0);
  EXPECT_FALSE(parse_packets(sig));
  // A first chunk under 512 octets is refused.
  Bytes lit{0xCB, 0xE1};
  append(lit, make_body(2));
  lit.push_back(0);
  EXPECT_FALSE(parse_packets(lit));
}

TEST(PgpPacket, OldFormatIsReadable) {
  Bytes one{0x88, 0x03, 1, 2, 3};     // Tag 2, 1-octet length.
  Bytes two{0xAD, 0x00, 0x02, 9, 9};  // Tag 11, 2-octet length.
  Bytes indet{0xAF, 7, 7, 7};         // Tag 11, indeterminate.
  auto a = parse_packets(one);
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)[0].tag, 2);
  EXPECT_EQ((*a)[0].body.size(), 3u);
  auto b = parse_packets(two);
  ASSERT_TRUE(b);
  EXPECT_EQ((*b)[0].tag, 11);
  auto c = parse_packets(indet);
  ASSERT_TRUE(c);
  EXPECT_EQ((*c)[0].body.size(), 3u);
}

TEST(PgpPacket, TruncatedAndHugeHeadersFail) {
  for (Bytes bad : {Bytes{0x97}, Bytes{0xB7}, Bytes{0xFF, 0x01}, Bytes{0xC2},
                    Bytes{0xC2, 0xFF, 0x00}, Bytes{0xCB, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2},
                    Bytes{0x00}, Bytes{0xC0, 0x00}, Bytes{0xCB, 0x05, 1}}) {
    EXPECT_FALSE(parse_packets(bad)) << bad.size();
  }
}

TEST(PgpPacket, MpiAndSubpackets) {
  Bytes out;
  write_mpi(out, Bytes{0x00, 0x40, 0x01});
  EXPECT_EQ(out, (Bytes{0x00, 0x0F, 0x40, 0x01}));
  ByteReader r(out);
  auto m = read_mpi(r);
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, (Bytes{0x40, 0x01}));
  // The bytes must outlive the reader, which only keeps a view of them.
  const Bytes big_bytes{0xFF, 0xFF, 0x01};
  ByteReader big(big_bytes);
  EXPECT_FALSE(read_mpi(big));

  Bytes area;
  write_subpacket(area, 2, true, Bytes{1, 2, 3, 4});
  write_subpacket(area, 20, false, make_body(300));
  auto sps = parse_subpackets(area);
  ASSERT_TRUE(sps);
  ASSERT_EQ(sps->size(), 2u);
  EXPECT_TRUE((*sps)[0].critical);
  EXPECT_EQ((*sps)[0].type, 2);
  EXPECT_EQ((*sps)[1].data, make_body(300));
  EXPECT_FALSE(parse_subpackets(Bytes{0x05, 0x02, 0x00}));  // Longer than the area.
  EXPECT_FALSE(parse_subpackets(Bytes{0x00}));              // Zero length.
}

// RFC 9580 §5.2.3.7: the length (type octet included) takes 1 octet below 192, 2 octets below
// 8384, else 0xFF and 4 octets; the type octet carries the critical bit.
TEST(PgpPacket, SubpacketLengthEncodingsAtTheirLimits) {
  struct Case {
    std::size_t data_size;
    Bytes header;  // Length octets, then the type octet.
  };

  const Case cases[] = {
      {0, {0x01, 0x21}},
      {190, {0xBF, 0x21}},                           // 191: the largest 1-octet length.
      {191, {0xC0, 0x00, 0x21}},                     // 192: the smallest 2-octet length.
      {8382, {0xDF, 0xFF, 0x21}},                    // 8383: the largest 2-octet length.
      {8383, {0xFF, 0x00, 0x00, 0x20, 0xC0, 0x21}},  // 8384: 5 octets.
      {70000, {0xFF, 0x00, 0x01, 0x11, 0x71, 0x21}},
  };
  for (const auto& c : cases) {
    Bytes area;
    write_subpacket(area, 0x21, false, make_body(c.data_size));
    ASSERT_EQ(area.size(), c.header.size() + c.data_size) << c.data_size;
    EXPECT_EQ(Bytes(area.begin(), area.begin() + static_cast<std::ptrdiff_t>(c.header.size())),
              c.header)
        << c.data_size;
    auto sps = parse_subpackets(area);
    ASSERT_TRUE(sps) << c.data_size;
    ASSERT_EQ(sps->size(), 1u);
    EXPECT_EQ((*sps)[0].type, 0x21);
    EXPECT_FALSE((*sps)[0].critical);
    EXPECT_EQ((*sps)[0].data, make_body(c.data_size));
  }
  Bytes critical;
  write_subpacket(critical, 2, true, Bytes{});
  EXPECT_EQ(critical, (Bytes{0x01, 0x82}));
}

}  // namespace
}  // namespace dcbot::pgp
