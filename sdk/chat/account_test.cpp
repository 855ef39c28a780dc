// SPDX-License-Identifier: MIT
#include "chat/account.h"

#include <gtest/gtest.h>

#include "chat/schema.h"
#include "store/account.h"
#include "store/schema.h"

namespace dcbot::chat {
namespace {

constexpr std::int64_t kNow = 1795395800;

TEST(ChatAccount, GeneratesKeyOnFirstUseAndLoadsItAgain) {
  auto db = store::open_store(":memory:").value();
  std::string fpr;
  {
    auto account = Account::open(db).value();
    EXPECT_FALSE(account.has_key());
    EXPECT_FALSE(account.ensure_key(kNow));  // No address yet.
    Profile p;
    p.addr = "echo@relay.test";
    p.display_name = "Echo Bot";
    p.status = "I echo";
    ASSERT_TRUE(account.set_profile(p));
    ASSERT_TRUE(account.ensure_key(kNow));
    ASSERT_TRUE(account.has_key());
    fpr = account.fingerprint();
    EXPECT_EQ(fpr.size(), 40u);
    const auto& cert = account.key().certificate();
    ASSERT_EQ(cert.user_ids().size(), 1u);
    EXPECT_EQ(cert.user_ids()[0], "<echo@relay.test>");
    EXPECT_EQ(cert.relays(), std::vector<std::string>{"echo@relay.test"});
    EXPECT_TRUE(cert.supports_seipdv2());
    ASSERT_TRUE(account.ensure_key(kNow + 10));  // Idempotent.
    EXPECT_EQ(account.fingerprint(), fpr);
  }
  auto again = Account::open(db).value();
  ASSERT_TRUE(again.has_key());
  EXPECT_EQ(again.fingerprint(), fpr);
  EXPECT_EQ(again.profile().display_name, "Echo Bot");
  EXPECT_EQ(again.profile().status, "I echo");
  EXPECT_TRUE(again.profile().bot);
  auto keys = store::OwnKeys(db).list().value();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_TRUE(keys[0].is_default);
}

TEST(ChatSchema, IsIdempotentAndRefusesNewerVersions) {
  auto db = store::open_store(":memory:").value();
  ASSERT_TRUE(ensure_schema(db));
  ASSERT_TRUE(ensure_schema(db));
  EXPECT_EQ(store::Settings(db).get_int("chat.schema_version").value(), kChatSchemaVersion);
  ASSERT_TRUE(store::Settings(db).set_int("chat.schema_version", kChatSchemaVersion + 1));
  auto r = ensure_schema(db);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Unsupported);
}

TEST(ChatAccount, ReceiveWithoutKeyIsAnError) {
  auto db = store::open_store(":memory:").value();
  auto account = Account::open(db).value();
  auto r = account.receive(as_bytes("From: <a@b.c>\r\n\r\nhi"), kNow);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::InvalidArgument);
}

}  // namespace
}  // namespace dcbot::chat
