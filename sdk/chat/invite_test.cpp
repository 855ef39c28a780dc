// SPDX-License-Identifier: MIT
#include "chat/invite.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "chat/test_loop.h"

// Invite links, PROTOCOL.md §5.1, checked against the links the real core 2.62 generated.
namespace dcbot::chat {
namespace {

constexpr const char* kAliceFpr = "639D3F8576BEBFD311AEAE4DDA27E353CC0E3128";

std::string recorded(const std::string& name) {
  auto text = testing::read_file(testing::data_dir() / name);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
    text.pop_back();
  }
  return text;
}

TEST(Invite, ParsesRecordedContactLinkAndFormatsItBack) {
  const std::string link = recorded("alice-invite.txt");
  auto invite = parse_invite(link);
  ASSERT_TRUE(invite) << invite.error().message;
  EXPECT_EQ(invite->kind, InviteKind::Contact);
  EXPECT_EQ(invite->fingerprint, kAliceFpr);
  EXPECT_EQ(invite->invitenumber, "pktrLzSY3w4UMFzTIqHkGXdR");
  EXPECT_EQ(invite->auth, "Dcru6pdWcbYerkAymWQP6XTt");
  EXPECT_EQ(invite->addr, "alice396394105@relay.test");
  EXPECT_EQ(invite->name, "alice");
  EXPECT_TRUE(invite->v3);
  EXPECT_TRUE(invite->relays.empty());
  EXPECT_EQ(format_invite(*invite), link);
}

TEST(Invite, ParsesRecordedGroupLinkAndFormatsItBack) {
  const std::string link = recorded("group-invite.txt");
  auto invite = parse_invite(link);
  ASSERT_TRUE(invite) << invite.error().message;
  EXPECT_EQ(invite->kind, InviteKind::Group);
  EXPECT_EQ(invite->grpid, "2FeZl2aTPLJzqN0z8uJURVLF");
  EXPECT_EQ(invite->invitenumber, "JIzJQI8qWRvx5r-wYNo_j3U3");
  EXPECT_EQ(invite->auth, "8c4ClFbhoihapIWWv68Ucgmp");
  EXPECT_EQ(invite->group_name, "Test Group");
  EXPECT_EQ(format_invite(*invite), link);
}

TEST(Invite, AcceptsEveryScannerForm) {
  const std::string tail =
      "&v=3&i=pktrLzSY3w4UMFzTIqHkGXdR&s=Dcru6pdWcbYerkAymWQP6XTt&a=alice%40relay.test&n=Alice";
  const std::string lower_fpr = "639d3f8576bebfd311aeae4dda27e353cc0e3128";
  for (const std::string& link : {
           "https://i.delta.chat/#" + std::string(kAliceFpr) + tail,
           "https://i.delta.chat#" + std::string(kAliceFpr) + tail,
           "HTTPS://I.DELTA.CHAT/#" + lower_fpr + tail,
           "https://i.delta.chat/%23" + std::string(kAliceFpr) + tail,
           "OPENPGP4FPR:" + std::string(kAliceFpr) + "#" + tail.substr(1),
           "openpgp4fpr:" + lower_fpr + "%23" + tail.substr(1),
           "  OpenPGP4Fpr:" + std::string(kAliceFpr) + "#" + tail.substr(1) + "\n",
       }) {
    auto invite = parse_invite(link);
    ASSERT_TRUE(invite) << link << ": " << invite.error().message;
    EXPECT_EQ(invite->fingerprint, kAliceFpr) << link;
    EXPECT_EQ(invite->addr, "alice@relay.test") << link;
    EXPECT_EQ(invite->auth, "Dcru6pdWcbYerkAymWQP6XTt") << link;
    EXPECT_EQ(invite->name, "Alice") << link;
    EXPECT_TRUE(invite->v3) << link;
  }
}

TEST(Invite, LegacyLinkHasNoV3AndRoundTrips) {
  const std::string link = "https://i.delta.chat/#" + std::string(kAliceFpr)
                           + "&i=pktrLzSY3w4UMFzTIqHkGXdR&s=Dcru6pdWcbYerkAymWQP6XTt"
                             "&a=alice%40relay.test&n=Alice";
  auto invite = parse_invite(link);
  ASSERT_TRUE(invite);
  EXPECT_FALSE(invite->v3);
  EXPECT_EQ(format_invite(*invite), link);
}

TEST(Invite, AuthWithoutInvitenumberIsV3) {
  auto invite = parse_invite("https://i.delta.chat/#" + std::string(kAliceFpr)
                             + "&s=Dcru6pdWcbYerkAymWQP6XTt&a=alice%40relay.test&n=Alice");
  ASSERT_TRUE(invite);
  EXPECT_TRUE(invite->v3);
  EXPECT_TRUE(invite->invitenumber.empty());
}

TEST(Invite, ChannelUsesJAndB) {
  Invite invite;
  invite.kind = InviteKind::Channel;
  invite.fingerprint = kAliceFpr;
  invite.grpid = "2FeZl2aTPLJzqN0z8uJURVLF";
  invite.invitenumber = "JIzJQI8qWRvx5r-wYNo_j3U3";
  invite.auth = "8c4ClFbhoihapIWWv68Ucgmp";
  invite.addr = "alice@relay.test";
  invite.name = "Alice";
  invite.group_name = "News";
  const std::string link = format_invite(invite);
  EXPECT_EQ(link, "https://i.delta.chat/#" + std::string(kAliceFpr)
                      + "&v=3&x=2FeZl2aTPLJzqN0z8uJURVLF&j=JIzJQI8qWRvx5r-wYNo_j3U3"
                        "&s=8c4ClFbhoihapIWWv68Ucgmp&a=alice%40relay.test&n=Alice&b=News");
  auto parsed = parse_invite(link);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, invite);
}

TEST(Invite, RelaysAreListedInR) {
  Invite invite;
  invite.fingerprint = kAliceFpr;
  invite.invitenumber = "pktrLzSY3w4UMFzTIqHkGXdR";
  invite.auth = "Dcru6pdWcbYerkAymWQP6XTt";
  invite.addr = "alice@one.test";
  invite.relays = {"alice@two.test", "alice@three.test"};
  invite.name = "A";
  const std::string link = format_invite(invite);
  EXPECT_NE(link.find("&a=alice%40one.test&r=alice%40two.test,alice%40three.test&n=A"),
            std::string::npos)
      << link;
  auto parsed = parse_invite(link);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->addrs(),
            (std::vector<std::string>{"alice@one.test", "alice@two.test", "alice@three.test"}));
}

TEST(Invite, PercentEncodingKeepsOnlyAlnumDotUnderscore) {
  EXPECT_EQ(invite_percent_encode("bot-1@relay.test", false), "bot%2D1%40relay.test");
  EXPECT_EQ(invite_percent_encode("Echo Bot_2", true), "Echo+Bot_2");
  EXPECT_EQ(invite_percent_encode("Echo Bot", false), "Echo%20Bot");
  EXPECT_EQ(invite_percent_encode("J\xC3\xBCrgen & Co", true), "J%C3%BCrgen+%26+Co");
}

TEST(Invite, NamesAreShortenedWithUnderscore) {
  EXPECT_EQ(shorten_invite_name("short", 25), "short");
  EXPECT_EQ(shorten_invite_name("abcdefghijklmnopqrstuvwxy", 25), "abcdefghijklmnopqrstuvwxy");
  EXPECT_EQ(shorten_invite_name("abcdefghijklmnopqrstuvwxyz", 25), "abcdefghijklmnopqrstuvwx_");
  // Characters, not bytes: 17 umlauts cut to 15 + '_'.
  std::string umlauts;
  for (int i = 0; i < 17; ++i) {
    umlauts += "\xC3\xBC";
  }
  EXPECT_EQ(shorten_invite_name(umlauts, 16), umlauts.substr(0, 30) + "_");

  Invite invite;
  invite.fingerprint = kAliceFpr;
  invite.invitenumber = "pktrLzSY3w4UMFzTIqHkGXdR";
  invite.auth = "Dcru6pdWcbYerkAymWQP6XTt";
  invite.addr = "a@b.test";
  invite.name = "A very long bot name indeed, really";
  const std::string link = format_invite(invite);
  EXPECT_NE(link.find("&n=A+very+long+bot+name+ind_"), std::string::npos) << link;
  auto parsed = parse_invite(link);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->name, "A very long bot name ind\u2026");
}

TEST(Invite, RejectsMalformedLinks) {
  const std::string fpr = kAliceFpr;
  const std::string ok_tail = "&i=pktrLzSY3w4UMFzTIqHkGXdR&s=Dcru6pdWcbYerkAymWQP6XTt&a=a%40b.c";
  for (const std::string& bad : {
           std::string("hello"),
           "https://delta.chat/#" + fpr + ok_tail,
           "https://i.delta.chat/#" + fpr.substr(1) + ok_tail,
           "https://i.delta.chat/#" + fpr.substr(0, 39) + "G" + ok_tail,
           "https://i.delta.chat/#" + fpr + "&i=short&s=Dcru6pdWcbYerkAymWQP6XTt&a=a%40b.c",
           "https://i.delta.chat/#" + fpr + "&i=pktrLzSY3w4UMFzTIqHkGXdR&s=bad+token!!!&a=a%40b.c",
           "https://i.delta.chat/#" + fpr + "&i=pktrLzSY3w4UMFzTIqHkGXdR&a=a%40b.c",
           "https://i.delta.chat/#" + fpr
               + "&i=pktrLzSY3w4UMFzTIqHkGXdR&s=Dcru6pdWcbYerkAymWQP6XTt",
           "https://i.delta.chat/#" + fpr + ok_tail + "&x=2FeZl2aTPLJzqN0z8uJURVLF",
           "https://i.delta.chat/#" + fpr + ok_tail + "&n=%G1",
           "OPENPGP4FPR:" + fpr,
       }) {
    EXPECT_FALSE(parse_invite(bad)) << bad;
  }
}

TEST(Invite, TokensAreValidatedLikeTheCore) {
  EXPECT_TRUE(is_valid_token("abcdefghijk"));
  EXPECT_TRUE(is_valid_token("Dcru6pdWcbYerkAymWQP6XTt"));
  EXPECT_TRUE(is_valid_token(std::string(32, '-')));
  EXPECT_FALSE(is_valid_token("abcdefghij"));
  EXPECT_FALSE(is_valid_token(std::string(33, 'a')));
  EXPECT_FALSE(is_valid_token("abcdefghij+"));
  EXPECT_FALSE(is_valid_token("abcdefghij="));
}

TEST(Invite, GeneratedTokensAreFreshUrlSafe24Chars) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const std::string token = generate_token();
    EXPECT_EQ(token.size(), 24u);
    EXPECT_TRUE(is_valid_token(token)) << token;
    seen.insert(token);
  }
  EXPECT_EQ(seen.size(), 50u);
}

}  // namespace
}  // namespace dcbot::chat
