// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include "store/account.h"
#include "store/chats.h"
#include "store/contacts.h"
#include "store/messages.h"
#include "store/runtime_tables.h"
#include "store/schema.h"

namespace dcbot::store {
namespace {

class StoreRepo : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = open_store(":memory:");
    ASSERT_TRUE(db) << db.error().to_string();
    db_.emplace(std::move(db).value());
  }

  Db& db() { return *db_; }

  std::optional<Db> db_;
};

TEST_F(StoreRepo, SettingsRoundTrip) {
  Settings s(db());
  EXPECT_EQ(*s.get("addr"), std::nullopt);
  ASSERT_TRUE(s.set("addr", "bot@relay.test"));
  ASSERT_TRUE(s.set("addr", "bot2@relay.test"));
  EXPECT_EQ(*s.get("addr"), std::optional<std::string>("bot2@relay.test"));
  ASSERT_TRUE(s.set_int("n", -42));
  EXPECT_EQ(*s.get_int("n"), std::optional<std::int64_t>(-42));
  auto bad = s.get_int("addr");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::Parse);
  ASSERT_TRUE(s.remove("addr"));
  EXPECT_EQ(*s.get("addr"), std::nullopt);
}

TEST_F(StoreRepo, OwnKeysRoundTripAndSingleDefault) {
  OwnKeys keys(db());
  OwnKey a{.fingerprint = "AAAA",
           .secret_armored = "-----BEGIN PGP PRIVATE KEY BLOCK-----",
           .public_cert = Bytes{1, 2, 3},
           .created = 100,
           .is_default = true};
  OwnKey b{.fingerprint = "BBBB",
           .secret_armored = "s",
           .public_cert = Bytes{4},
           .created = 200,
           .is_default = false};
  ASSERT_TRUE(keys.add(a));
  ASSERT_TRUE(keys.add(b));
  EXPECT_EQ(*keys.get("AAAA"), std::optional<OwnKey>(a));
  EXPECT_EQ(*keys.default_key(), std::optional<OwnKey>(a));
  ASSERT_TRUE(keys.set_default("BBBB"));
  auto def = *keys.default_key();
  ASSERT_TRUE(def);
  EXPECT_EQ(def->fingerprint, "BBBB");
  auto all = *keys.list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_FALSE(all[0].is_default);
  EXPECT_TRUE(all[1].is_default);
  EXPECT_EQ(keys.set_default("CCCC").error().code, Errc::NotFound);
  EXPECT_EQ(keys.add(a).error().code, Errc::Io);  // Duplicate fingerprint.
}

TEST_F(StoreRepo, ContactsRoundTripAndUpdates) {
  Contacts contacts(db());
  Contact c{.fingerprint = "F1",
            .addr = "Alice@Example.org",
            .display_name = "Alice",
            .public_cert = Bytes{9, 9},
            .verified = VerifiedState::Unverified,
            .verifier_fingerprint = std::nullopt,
            .is_bot = false,
            .blocked = false,
            .last_seen = 10,
            .relay_addrs = {"alice@relay2.org", "alice@relay3.org"}};
  ASSERT_TRUE(contacts.upsert(c));
  EXPECT_EQ(*contacts.get("F1"), std::optional<Contact>(c));
  EXPECT_EQ(*contacts.get("F2"), std::nullopt);

  auto by_addr = *contacts.find_by_addr("alice@example.org");
  ASSERT_EQ(by_addr.size(), 1u);
  EXPECT_EQ(by_addr[0], c);

  ASSERT_TRUE(contacts.set_verified("F1", VerifiedState::Verified, "OWN"));
  ASSERT_TRUE(contacts.set_blocked("F1", true));
  ASSERT_TRUE(contacts.touch("F1", 50));
  ASSERT_TRUE(contacts.touch("F1", 20));  // Never goes back.
  auto got = **contacts.get("F1");
  EXPECT_EQ(got.verified, VerifiedState::Verified);
  EXPECT_EQ(got.verifier_fingerprint, std::optional<std::string>("OWN"));
  EXPECT_TRUE(got.blocked);
  EXPECT_EQ(got.last_seen, 50);
  EXPECT_EQ(contacts.set_blocked("nope", true).error().code, Errc::NotFound);

  Contact minimal{.fingerprint = "F0", .addr = "bob@x.org"};
  ASSERT_TRUE(contacts.upsert(minimal));
  EXPECT_EQ(*contacts.get("F0"), std::optional<Contact>(minimal));
  c.display_name = "Alice B.";
  c.relay_addrs.clear();
  ASSERT_TRUE(contacts.upsert(c));
  EXPECT_EQ(*contacts.get("F1"), std::optional<Contact>(c));
  auto all = *contacts.list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].fingerprint, "F0");
}

TEST_F(StoreRepo, ChatsAndMembersRoundTrip) {
  Chats chats(db());
  ChatMembers members(db());
  Chat group{.type = ChatType::Group,
             .grpid = "grp-1",
             .name = "Friends",
             .name_timestamp = 5,
             .ephemeral_timer = 3600,
             .blocked = false,
             .has_left = false,
             .created = 1};
  auto id = chats.add(group);
  ASSERT_TRUE(id) << id.error().to_string();
  group.id = *id;
  EXPECT_EQ(*chats.get(*id), std::optional<Chat>(group));
  EXPECT_EQ(*chats.find_by_grpid("grp-1"), std::optional<Chat>(group));
  EXPECT_EQ(*chats.find_by_grpid(""), std::nullopt);
  EXPECT_EQ(chats.add(group).error().code, Errc::Io);  // Duplicate grpid.

  group.name = "Best friends";
  group.has_left = true;
  ASSERT_TRUE(chats.update(group));
  EXPECT_EQ(*chats.get(*id), std::optional<Chat>(group));
  Chat ghost{.id = 999};
  EXPECT_EQ(chats.update(ghost).error().code, Errc::NotFound);

  auto single_id = *chats.add(Chat{.type = ChatType::Single, .created = 2});
  auto single_id2 = *chats.add(Chat{.type = ChatType::Single, .created = 3});
  ASSERT_TRUE(members.set({.chat_id = single_id, .contact_fpr = "BOB", .add_ts = 2}));
  ASSERT_TRUE(members.set({.chat_id = single_id2, .contact_fpr = "CAROL", .add_ts = 2}));
  ASSERT_TRUE(members.set({.chat_id = *id, .contact_fpr = "BOB", .add_ts = 3}));
  auto single = *chats.find_single("BOB");
  ASSERT_TRUE(single);
  EXPECT_EQ(single->id, single_id);
  EXPECT_EQ(*chats.find_single("DAVE"), std::nullopt);

  ASSERT_TRUE(members.set({.chat_id = *id, .contact_fpr = "ALICE", .add_ts = 10, .remove_ts = 5}));
  ASSERT_TRUE(members.set({.chat_id = *id, .contact_fpr = "BOB", .add_ts = 3, .remove_ts = 8}));
  ASSERT_TRUE(members.set({.chat_id = *id, .contact_fpr = "EVE", .add_ts = 4, .remove_ts = 4}));
  auto current = *members.members(*id);
  ASSERT_EQ(current.size(), 2u);
  EXPECT_EQ(current[0].contact_fpr, "ALICE");
  EXPECT_EQ(current[1].contact_fpr, "EVE");  // add == remove: still a member.
  auto everyone = *members.all(*id);
  ASSERT_EQ(everyone.size(), 3u);
  EXPECT_FALSE(everyone[1].is_member());
  EXPECT_EQ(*members.get(*id, "BOB"),
            std::optional<ChatMember>(
                {.chat_id = *id, .contact_fpr = "BOB", .add_ts = 3, .remove_ts = 8}));
  ASSERT_TRUE(members.remove(*id, "EVE"));
  EXPECT_EQ(members.all(*id)->size(), 2u);

  // Deleting a chat deletes its members (foreign key cascade).
  ASSERT_TRUE(chats.remove(*id));
  EXPECT_EQ(*chats.get(*id), std::nullopt);
  EXPECT_TRUE(members.all(*id)->empty());
  EXPECT_EQ(chats.list()->size(), 2u);
}

TEST_F(StoreRepo, MessagesRoundTrip) {
  Chats chats(db());
  Messages messages(db());
  auto chat_id = *chats.add(Chat{.type = ChatType::Single});
  Message m{.chat_id = chat_id,
            .sender_fpr = "BOB",
            .rfc724_mid = "abc@relay.test",
            .in_reply_to = "xyz@relay.test",
            .timestamp = 1000,
            .text = "hello \xF0\x9F\x98\x80",
            .file_path = "blobs/a.png",
            .state = MessageState::Incoming};
  auto id = messages.add(m);
  ASSERT_TRUE(id) << id.error().to_string();
  m.id = *id;
  EXPECT_EQ(*messages.get(*id), std::optional<Message>(m));
  EXPECT_EQ(*messages.find_by_mid("abc@relay.test"), std::optional<Message>(m));
  EXPECT_EQ(messages.add(m).error().code, Errc::Io);  // Message-ID is unique.
  Message orphan = m;
  orphan.rfc724_mid = "other@x";
  orphan.chat_id = 12345;
  EXPECT_EQ(messages.add(orphan).error().code, Errc::Io);  // Foreign key.

  ASSERT_TRUE(messages.set_state(*id, MessageState::OutDelivered));
  EXPECT_EQ((*messages.get(*id))->state, MessageState::OutDelivered);
  EXPECT_EQ(messages.set_state(999, MessageState::OutSent).error().code, Errc::NotFound);

  for (int i = 0; i < 5; ++i) {
    Message n = m;
    n.rfc724_mid = "m" + std::to_string(i);
    n.timestamp = 2000 + i;
    ASSERT_TRUE(messages.add(n));
  }
  auto last3 = *messages.list(chat_id, 3);
  ASSERT_EQ(last3.size(), 3u);
  EXPECT_EQ(last3[0].rfc724_mid, "m2");
  EXPECT_EQ(last3[2].rfc724_mid, "m4");
}

TEST_F(StoreRepo, SeenMessageIdsDedupAndPrune) {
  SeenMessageIds seen(db());
  EXPECT_TRUE(*seen.mark_seen("a@x", 100));
  EXPECT_FALSE(*seen.mark_seen("a@x", 200));
  EXPECT_TRUE(*seen.is_seen("a@x"));
  EXPECT_FALSE(*seen.is_seen("b@x"));
  EXPECT_TRUE(*seen.mark_seen("b@x", 300));
  EXPECT_EQ(*seen.prune(150), 1);
  EXPECT_FALSE(*seen.is_seen("a@x"));
  EXPECT_TRUE(*seen.is_seen("b@x"));
}

TEST_F(StoreRepo, SecureJoinTokensRoundTrip) {
  SecureJoinTokens tokens(db());
  SecureJoinToken inv{.kind = TokenKind::InviteNumber, .token = "i1", .grpid = "", .created = 1};
  SecureJoinToken auth{.kind = TokenKind::Auth, .token = "a1", .grpid = "", .created = 1};
  SecureJoinToken grp{.kind = TokenKind::Auth, .token = "a2", .grpid = "g", .created = 2};
  SecureJoinToken grp_newer{.kind = TokenKind::Auth, .token = "a3", .grpid = "g", .created = 3};
  for (const auto& t : {inv, auth, grp, grp_newer}) {
    ASSERT_TRUE(tokens.add(t));
  }
  EXPECT_EQ(tokens.add(inv).error().code, Errc::Io);
  EXPECT_EQ(*tokens.lookup(TokenKind::Auth, "a1"), std::optional<SecureJoinToken>(auth));
  EXPECT_EQ(*tokens.lookup(TokenKind::InviteNumber, "a1"), std::nullopt);
  EXPECT_EQ(*tokens.latest(TokenKind::Auth, "g"), std::optional<SecureJoinToken>(grp_newer));
  EXPECT_EQ(*tokens.latest(TokenKind::InviteNumber, ""), std::optional<SecureJoinToken>(inv));
  EXPECT_EQ(*tokens.remove_group("g"), 2);
  EXPECT_EQ(*tokens.latest(TokenKind::Auth, "g"), std::nullopt);
}

TEST_F(StoreRepo, EventHandledMarkCommitsWithOutboxRows) {
  Events events(db());
  auto e1 = *events.add("message", to_bytes("{\"id\":1}"), 10);
  auto e2 = *events.add("command", to_bytes("{}"), 11);
  auto pending = *events.unhandled(10);
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].id, e1);
  EXPECT_EQ(pending[0].kind, "message");
  EXPECT_EQ(to_string(pending[0].payload), "{\"id\":1}");
  EXPECT_EQ(pending[0].created_at, 10);

  // A handler's work rolled back (crash): the event stays unhandled.
  {
    auto txn = Txn::begin(db());
    ASSERT_TRUE(txn);
    ASSERT_TRUE(events.mark_handled(e1));
  }
  EXPECT_EQ(events.unhandled(10)->size(), 2u);
  {
    auto txn = Txn::begin(db());
    ASSERT_TRUE(txn);
    ASSERT_TRUE(events.mark_handled(e1));
    ASSERT_TRUE(txn->commit());
  }
  pending = *events.unhandled(10);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].id, e2);
  EXPECT_EQ(events.mark_handled(999).error().code, Errc::NotFound);
  EXPECT_EQ(*events.prune_handled(100), 1);
}

TEST_F(StoreRepo, PluginKvRoundTripAndSchemaVersion) {
  PluginKv kv(db());
  EXPECT_EQ(*kv.get("p1", "k"), std::nullopt);
  ASSERT_TRUE(kv.put("p1", "k", to_bytes("v1")));
  ASSERT_TRUE(kv.put("p1", "k", to_bytes("v2")));
  ASSERT_TRUE(kv.put("p1", "user:1", Bytes{}));
  ASSERT_TRUE(kv.put("p1", "user:2", Bytes{0, 255}));
  ASSERT_TRUE(kv.put("p1", "user%x", to_bytes("like-wildcard")));
  ASSERT_TRUE(kv.put("p2", "k", to_bytes("other")));
  EXPECT_EQ(*kv.get("p1", "k"), std::optional<Bytes>(to_bytes("v2")));
  EXPECT_EQ(*kv.get("p1", "user:1"), std::optional<Bytes>(Bytes{}));
  EXPECT_EQ(*kv.get("p2", "k"), std::optional<Bytes>(to_bytes("other")));
  EXPECT_EQ(*kv.keys("p1", "user:"), (std::vector<std::string>{"user:1", "user:2"}));
  EXPECT_EQ(kv.keys("p1")->size(), 4u);
  EXPECT_TRUE(*kv.erase("p1", "k"));
  EXPECT_FALSE(*kv.erase("p1", "k"));

  EXPECT_EQ(*kv.schema_version("p1"), 0);
  ASSERT_TRUE(kv.set_schema_version("p1", 3));
  EXPECT_EQ(*kv.schema_version("p1"), 3);
  EXPECT_EQ(*kv.schema_version("p2"), 0);
  ASSERT_TRUE(kv.clear("p1"));
  EXPECT_TRUE(kv.keys("p1")->empty());
  EXPECT_EQ(*kv.schema_version("p1"), 0);
  EXPECT_EQ(kv.keys("p2")->size(), 1u);
}

}  // namespace
}  // namespace dcbot::store
