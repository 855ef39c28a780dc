// SPDX-License-Identifier: MIT
#include "chat/autocrypt.h"

#include <gtest/gtest.h>

namespace dcbot::chat {
namespace {

TEST(Autocrypt, ParsesCoreHeaderWithFoldedKeydata) {
  auto h = parse_autocrypt("addr=Alice@Relay.test; prefer-encrypt=mutual; keydata=AQID BAU=");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->addr, "alice@relay.test");
  EXPECT_TRUE(h->prefer_mutual);
  EXPECT_EQ(h->keydata, (Bytes{1, 2, 3, 4, 5}));
}

TEST(Autocrypt, GossipWithoutPreferEncryptAndUnderscoreAttributes) {
  auto h = parse_autocrypt("addr=bob@x.test; _verified=1; _future=whatever; keydata=AQ==");
  ASSERT_TRUE(h);
  EXPECT_FALSE(h->prefer_mutual);
  EXPECT_TRUE(h->verified);
}

TEST(Autocrypt, RejectsUnknownCriticalAttributeAndMissingFields) {
  EXPECT_FALSE(parse_autocrypt("addr=a@b.c; type=1; keydata=AQ=="));
  EXPECT_FALSE(parse_autocrypt("addr=a@b.c"));
  EXPECT_FALSE(parse_autocrypt("keydata=AQ=="));
  EXPECT_FALSE(parse_autocrypt("addr=a@b.c; keydata=!!!"));
  EXPECT_FALSE(parse_autocrypt(""));
}

TEST(Autocrypt, SameAddrIgnoresCase) {
  EXPECT_TRUE(same_addr("A@B.test", "a@b.TEST"));
  EXPECT_FALSE(same_addr("a@b.test", "a@c.test"));
}

}  // namespace
}  // namespace dcbot::chat
