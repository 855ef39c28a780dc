// SPDX-License-Identifier: MIT
#include "store/migrations.h"

#include <gtest/gtest.h>

#include "store/schema.h"

namespace dcbot::store {
namespace {

Db open_memory() {
  auto db = Db::open(":memory:");
  EXPECT_TRUE(db);
  return std::move(db).value();
}

bool table_exists(Db& db, std::string_view name) {
  auto s = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?");
  EXPECT_TRUE(s);
  EXPECT_TRUE(s->bind_all(name));
  return *s->step() == Step::Row;
}

TEST(StoreMigrations, AppliesInOrderAndIsIdempotent) {
  Db db = open_memory();
  Migrations m({{1, "CREATE TABLE a (x INTEGER)"},
                {2, "ALTER TABLE a ADD COLUMN y TEXT; CREATE TABLE b (z INTEGER)"}});
  EXPECT_EQ(m.latest(), 2);
  auto first = m.apply(db);
  ASSERT_TRUE(first) << first.error().to_string();
  EXPECT_EQ(*first, 2);
  EXPECT_EQ(*db.user_version(), 2);
  EXPECT_TRUE(table_exists(db, "b"));
  // Running again changes nothing (a second CREATE TABLE would fail).
  auto second = m.apply(db);
  ASSERT_TRUE(second) << second.error().to_string();
  EXPECT_EQ(*second, 2);
}

TEST(StoreMigrations, AppliesOnlyNewSteps) {
  Db db = open_memory();
  ASSERT_TRUE(Migrations({{1, "CREATE TABLE a (x INTEGER)"}}).apply(db));
  Migrations newer({{1, "CREATE TABLE a (x INTEGER)"}, {3, "CREATE TABLE c (x INTEGER)"}});
  auto r = newer.apply(db);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(*r, 3);
  EXPECT_TRUE(table_exists(db, "c"));
}

TEST(StoreMigrations, RefusesNewerDatabase) {
  Db db = open_memory();
  ASSERT_TRUE(db.set_user_version(7));
  Migrations m({{1, "CREATE TABLE a (x INTEGER)"}});
  auto r = m.apply(db);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Unsupported);
  EXPECT_NE(r.error().message.find("newer"), std::string::npos);
  EXPECT_FALSE(table_exists(db, "a"));
}

TEST(StoreMigrations, FailedStepRollsBackAndKeepsEarlierSteps) {
  Db db = open_memory();
  Migrations m({{1, "CREATE TABLE a (x INTEGER)"},
                {2, "CREATE TABLE b (x INTEGER); INSERT INTO nope VALUES (1)"}});
  auto r = m.apply(db);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Io);
  EXPECT_NE(r.error().message.find("migration 2"), std::string::npos) << r.error().message;
  EXPECT_EQ(*db.user_version(), 1);
  EXPECT_TRUE(table_exists(db, "a"));
  EXPECT_FALSE(table_exists(db, "b"));
  EXPECT_FALSE(db.in_transaction());
}

TEST(StoreSchema, OpensMigratesAndReopens) {
  auto db = open_store(":memory:");
  ASSERT_TRUE(db) << db.error().to_string();
  EXPECT_EQ(*db->user_version(), schema().latest());
  for (const char* t : {"config", "own_keys", "contacts", "chats", "chat_members", "messages",
                        "imap_state", "inbox", "outbox", "securejoin_tokens", "seen_message_ids",
                        "events", "plugin_kv", "plugin_schema"}) {
    EXPECT_TRUE(table_exists(*db, t)) << t;
  }
  auto again = schema().apply(*db);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, schema().latest());
}

}  // namespace
}  // namespace dcbot::store
