// SPDX-License-Identifier: MIT
#include "mime/address.h"

#include <gtest/gtest.h>

namespace dcbot::mime {
namespace {

TEST(Address, ParsesDisplayNamesAndAngleAddrs) {
  auto r = parse_address_list("\"Carol\" <carol@dc.test>, \"Bob\" <bob@dc.test>");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0], (Mailbox{"Carol", "carol@dc.test", ""}));
  EXPECT_EQ((*r)[1].addr, "bob@dc.test");
  auto plain = parse_address_list("Alice Example <alice@x.org>, bare@y.org (comment)");
  ASSERT_TRUE(plain);
  ASSERT_EQ(plain->size(), 2u);
  EXPECT_EQ((*plain)[0].name, "Alice Example");
  EXPECT_EQ((*plain)[1], (Mailbox{"", "bare@y.org", ""}));
}

TEST(Address, EmptyGroupYieldsNothing) {
  auto r = parse_address_list("\"hidden-recipients\": ;");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
  auto g = parse_address_list("team: a@x, \"B\" <b@x>; c@y");
  ASSERT_TRUE(g);
  ASSERT_EQ(g->size(), 3u);
  EXPECT_EQ((*g)[0].group, "team");
  EXPECT_EQ((*g)[1].group, "team");
  EXPECT_EQ((*g)[2].group, "");
}

TEST(Address, DecodesEncodedWordsInsideQuotes) {
  auto r = parse_mailbox("\"=?utf-8?B?R3LDvMOfZQ==?=\" <g@x>");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->name,
            "Gr\xC3\xBC\xC3\x9F"
            "e");
  auto q = parse_mailbox("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->name, "Keld J\xC3\xB8rn Simonsen");
  EXPECT_EQ(q->addr, "keld@dkuug.dk");
}

TEST(Address, HandlesEscapesAndCommasInQuotes) {
  auto r = parse_address_list("\"Doe, John \\\"JD\\\"\" <jd@x>");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].name, "Doe, John \"JD\"");
}

TEST(Address, RejectsNonAddresses) {
  EXPECT_EQ(parse_address_list("just a name").error().code, Errc::Parse);
  EXPECT_EQ(parse_address_list("<>").error().code, Errc::Parse);
  EXPECT_EQ(parse_mailbox("a@x, b@y").error().code, Errc::Parse);
  EXPECT_EQ(parse_mailbox("").error().code, Errc::Parse);
  // Unterminated constructs don't crash.
  EXPECT_TRUE(parse_address_list("\"open <a@x").has_error());
  auto open = parse_address_list("Name <a@x");
  ASSERT_TRUE(open);
  EXPECT_EQ((*open)[0].addr, "a@x");
  EXPECT_TRUE(parse_address_list("(unterminated comment a@x").has_value());
}

TEST(Address, FormatsLikeTheCore) {
  EXPECT_EQ(format_mailbox({"", "alice@dc.test", ""}), "<alice@dc.test>");
  EXPECT_EQ(format_mailbox({"Alice", "alice@dc.test", ""}), "\"Alice\" <alice@dc.test>");
  EXPECT_EQ(format_mailbox({"J\xC3\xBCrgen", "j@x", ""}), "\"=?utf-8?B?SsO8cmdlbg==?=\" <j@x>");
  EXPECT_EQ(format_address_list({}), "\"hidden-recipients\": ;");
  const std::vector<Mailbox> list = {{"A \"q\"", "a@x", ""}, {"", "b@x", ""}};
  const std::string formatted = format_address_list(list);
  EXPECT_EQ(formatted, "\"A \\\"q\\\"\" <a@x>, <b@x>");
  auto back = parse_address_list(formatted);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, list);
}

TEST(MessageIds, ParsesListsAndTolerates) {
  EXPECT_EQ(parse_message_ids("<a@localhost> <b@localhost>\r\n <a@localhost>"),
            (std::vector<std::string>{"a@localhost", "b@localhost", "a@localhost"}));
  EXPECT_EQ(parse_message_ids("no-brackets@x other@y"),
            (std::vector<std::string>{"no-brackets@x", "other@y"}));
  EXPECT_TRUE(parse_message_ids("").empty());
  EXPECT_EQ(parse_message_ids("<unterminated@x"), (std::vector<std::string>{"<unterminated@x"}));
  EXPECT_EQ(format_message_id("id@localhost"), "<id@localhost>");
}

}  // namespace
}  // namespace dcbot::mime
