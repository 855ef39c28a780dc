// SPDX-License-Identifier: MIT
#include "policy.h"

#include <gtest/gtest.h>

#include "config/loader.h"

namespace moderator {
namespace {

dcbot::Result<Settings> settings_from(std::string_view yaml) {
  auto value = dcbot::config::parse_yaml(yaml, "bot.yaml");
  if (!value) {
    return value.error();
  }
  return parse_settings(*value);
}

TEST(ModeratorSettings, DefaultsWithoutAConfigBlock) {
  auto s = parse_settings(dcbot::config::Value{});
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(s->flood_messages, 10);
  EXPECT_EQ(s->flood_seconds, 60);
  EXPECT_EQ(s->warnings, 1);
  EXPECT_FALSE(s->block_links);
  EXPECT_NE(s->welcome.find("{rules}"), std::string::npos);
}

TEST(ModeratorSettings, ReadsEveryKey) {
  auto s = settings_from(
      "rules: \"No spam\"\n"
      "welcome: \"Hi {name}\"\n"
      "intro: \"I moderate.\"\n"
      "flood: { messages: 3, seconds: 20 }\n"
      "warnings: 2\n"
      "strike_expiry_hours: 5\n"
      "filters: { words: [Casino, \"buy now\"], links: true, allowed_domains: [Delta.Chat] }\n");
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(s->rules, "No spam");
  EXPECT_EQ(s->welcome, "Hi {name}");
  EXPECT_EQ(s->intro, "I moderate.");
  EXPECT_EQ(s->flood_messages, 3);
  EXPECT_EQ(s->flood_seconds, 20);
  EXPECT_EQ(s->warnings, 2);
  EXPECT_EQ(s->strike_expiry_seconds, 5 * 3600);
  EXPECT_EQ(s->words, (std::vector<std::string>{"casino", "buy now"}));
  EXPECT_TRUE(s->block_links);
  EXPECT_EQ(s->allowed_domains, (std::vector<std::string>{"delta.chat"}));
  auto off = settings_from("welcome: null\nintro: null\n");
  ASSERT_TRUE(off);
  EXPECT_TRUE(off->welcome.empty());
  EXPECT_TRUE(off->intro.empty());
}

TEST(ModeratorSettings, MistakesNameFileLineAndColumn) {
  auto unknown = settings_from("rules: x\nflod: { messages: 3 }\n");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, dcbot::Errc::Config);
  EXPECT_NE(unknown.error().message.find("bot.yaml:2:1"), std::string::npos)
      << unknown.error().message;
  EXPECT_NE(unknown.error().message.find("flod"), std::string::npos);
  auto range = settings_from("flood: { messages: -1 }\n");
  ASSERT_FALSE(range);
  EXPECT_NE(range.error().message.find("bot.yaml:1:20"), std::string::npos)
      << range.error().message;
  auto type = settings_from("filters: { words: casino }\n");
  ASSERT_FALSE(type);
  EXPECT_NE(type.error().message.find("bot.yaml:1:19"), std::string::npos) << type.error().message;
  EXPECT_FALSE(settings_from("filters: { links: maybe }\n"));
  EXPECT_FALSE(settings_from("filters: { words: [\"\"] }\n"));
}

TEST(FloodCounter, MoreThanTheLimitInTheWindowIsOneStrikePerBurst) {
  FloodCounter flood(3, 60);
  const std::string a = "AAAA";
  EXPECT_FALSE(flood.add(1, a, 100));
  EXPECT_FALSE(flood.add(1, a, 101));
  EXPECT_FALSE(flood.add(1, a, 102));
  EXPECT_TRUE(flood.add(1, a, 103));  // The fourth within a minute.
  // The window starts over after a strike.
  EXPECT_FALSE(flood.add(1, a, 104));
  EXPECT_FALSE(flood.add(1, a, 105));
  EXPECT_FALSE(flood.add(1, a, 106));
  EXPECT_TRUE(flood.add(1, a, 107));
  // Other chats and other members count apart; old messages leave the window.
  EXPECT_FALSE(flood.add(2, a, 107));
  EXPECT_FALSE(flood.add(1, "BBBB", 107));
  EXPECT_FALSE(flood.add(1, a, 200));
  EXPECT_FALSE(flood.add(1, a, 300));
  EXPECT_FALSE(flood.add(1, a, 400));
  EXPECT_FALSE(flood.add(1, a, 500));
}

TEST(FloodCounter, OutOfOrderArrivalCountsByTimestampAndZeroIsOff) {
  FloodCounter flood(2, 10);
  EXPECT_FALSE(flood.add(1, "A", 50));
  EXPECT_FALSE(flood.add(1, "A", 10));  // Older than the window of the newest: dropped.
  EXPECT_FALSE(flood.add(1, "A", 49));
  EXPECT_TRUE(flood.add(1, "A", 45));
  FloodCounter off(0, 60);
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(off.add(1, "A", 100));
  }
  flood.add(3, "A", 1);
  flood.add(3, "A", 1);
  flood.forget(3, "A");
  EXPECT_FALSE(flood.add(3, "A", 1));
}

TEST(Filters, WholeWordsAnyCaseAndLinksOutsideTheAllowedDomains) {
  Settings s;
  s.words = {"casino", "buy now"};
  EXPECT_EQ(filter_hit(s, "Visit the CASINO tonight"), "the word \"casino\"");
  EXPECT_EQ(filter_hit(s, "buy now!"), "the word \"buy now\"");
  EXPECT_FALSE(filter_hit(s, "casinos and occasional words"));
  EXPECT_FALSE(filter_hit(s, "https://spam.example"));  // Links are allowed by default.
  s.block_links = true;
  s.allowed_domains = {"delta.chat"};
  EXPECT_EQ(filter_hit(s, "see https://Spam.Example/x?y"), "a link to spam.example");
  EXPECT_EQ(filter_hit(s, "www.shop.example."), "a link to www.shop.example");
  EXPECT_FALSE(filter_hit(s, "https://delta.chat/en/download and https://i.delta.chat/#x"));
  EXPECT_EQ(filter_hit(s, "https://evildelta.chat"), "a link to evildelta.chat");
  EXPECT_FALSE(filter_hit(s, "mail me at me@example.org, no link here"));
  EXPECT_FALSE(filter_hit(s, "http:// nothing"));
  EXPECT_FALSE(filter_hit(s, ""));
}

TEST(Strikes, RoundTripAndExpiry) {
  EXPECT_EQ(format_strikes({2, 1000}), "2 1000");
  auto s = parse_strikes("2 1000", 1500, 3600);
  EXPECT_EQ(s.count, 2);
  EXPECT_EQ(s.last, 1000);
  EXPECT_EQ(parse_strikes("2 1000", 1000 + 3601, 3600).count, 0);
  for (std::string_view bad : {"", "x", "1", "a b", "-1 5", "1 -5", "1 5 6"}) {
    EXPECT_EQ(parse_strikes(bad, 10, 3600).count, 0) << bad;
  }
}

TEST(Targets, FingerprintsAddressesAndReasons) {
  const std::string fpr = "C67749CD8D1C33382C410ED2594D50C40B3A5106";
  auto t = parse_target("c677 49cd 8d1c 3338 2c41 0ed2 594d 50c4 0b3a 5106 spamming");
  EXPECT_EQ(t.fingerprint, fpr);
  EXPECT_EQ(t.reason, "spamming");
  EXPECT_EQ(parse_target(fpr).fingerprint, fpr);
  auto a = parse_target("  <Bob@Relay.Test>  too many ads ");
  EXPECT_EQ(a.addr, "bob@relay.test");
  EXPECT_TRUE(a.fingerprint.empty());
  EXPECT_EQ(a.reason, "too many ads");
  const std::string short_fpr = fpr.substr(0, 39);
  for (std::string_view none :
       {std::string_view(""), std::string_view("spam"), std::string_view("@relay"),
        std::string_view("bob@"), std::string_view(short_fpr)}) {
    auto n = parse_target(none);
    EXPECT_TRUE(n.fingerprint.empty() && n.addr.empty()) << none;
  }
  // A 40-hex-digit prefix glued to more text is no fingerprint.
  EXPECT_TRUE(parse_target(fpr + "00").fingerprint.empty());
}

TEST(Render, FillsTheNamedFieldsOnly) {
  EXPECT_EQ(render("Hi {name}, welcome to {group}! {rules} {other}", "Ann", "Club", "Be nice."),
            "Hi Ann, welcome to Club! Be nice. {other}");
  EXPECT_EQ(render("{name}{name}", "{rules}", "", "x"), "{rules}{rules}");
}

TEST(Bans, RoundTripWithLineBreaksFlattened) {
  Ban ban{.addr = "bob@relay.test",
          .reason = "spam\nand ads",
          .by = "Ann <ann@relay.test>",
          .since = 42};
  const Ban back = parse_ban(format_ban(ban));
  EXPECT_EQ(back.addr, "bob@relay.test");
  EXPECT_EQ(back.reason, "spam and ads");
  EXPECT_EQ(back.by, "Ann <ann@relay.test>");
  EXPECT_EQ(back.since, 42);
  const Ban broken = parse_ban("only an address");
  EXPECT_EQ(broken.addr, "only an address");
  EXPECT_EQ(broken.since, 0);
  EXPECT_EQ(parse_ban("").addr, "");
}

}  // namespace
}  // namespace moderator
