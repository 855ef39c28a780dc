// SPDX-License-Identifier: MIT
#include "store/mailbox.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "store/schema.h"

#include <sys/wait.h>
#include <unistd.h>

namespace dcbot::store {
namespace {

class StoreMailbox : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = open_store(":memory:");
    ASSERT_TRUE(db) << db.error().to_string();
    db_.emplace(std::move(db).value());
  }

  Db& db() { return *db_; }

  std::optional<Db> db_;
};

TEST_F(StoreMailbox, ImapStateRoundTrip) {
  ImapStates states(db());
  EXPECT_EQ(*states.get("relay.test", "INBOX"), std::nullopt);
  ImapState st{.transport = "relay.test",
               .folder = "INBOX",
               .uidvalidity = 4000000000u,
               .last_seen_uid = 17};
  ASSERT_TRUE(states.set(st));
  EXPECT_EQ(*states.get("relay.test", "INBOX"), std::optional<ImapState>(st));
  st.last_seen_uid = 18;
  ASSERT_TRUE(states.set(st));
  EXPECT_EQ(*states.get("relay.test", "INBOX"), std::optional<ImapState>(st));
  EXPECT_EQ(*states.get("other", "INBOX"), std::nullopt);
}

TEST_F(StoreMailbox, InboxAddIsIdempotentOnUidvalidityAndUid) {
  Inbox inbox(db());
  auto a = inbox.add(7, 1, as_bytes("mail one"), 100);
  ASSERT_TRUE(a) << a.error().to_string();
  EXPECT_TRUE(a->inserted);
  auto again = inbox.add(7, 1, as_bytes("different bytes"), 200);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->inserted);
  EXPECT_EQ(again->id, a->id);
  auto other_validity = inbox.add(8, 1, as_bytes("mail two"), 300);
  ASSERT_TRUE(other_validity);
  EXPECT_TRUE(other_validity->inserted);
  EXPECT_EQ(*inbox.pending_count(), 2);

  auto got = *inbox.get(a->id);
  ASSERT_TRUE(got);
  EXPECT_EQ(to_string(got->raw), "mail one");
  EXPECT_EQ(got->received_at, 100);
  EXPECT_EQ(got->uidvalidity, 7u);
  EXPECT_EQ(got->uid, 1u);
}

TEST_F(StoreMailbox, InboxProcessesInOrderAndDropsRawWhenDone) {
  Inbox inbox(db());
  auto first = *inbox.add(1, 10, as_bytes("first"), 1);
  auto second = *inbox.add(1, 11, as_bytes("second"), 2);
  auto next = *inbox.next_pending();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->id, first.id);
  EXPECT_EQ(*inbox.begin_attempt(first.id), InboxState::New);
  {
    auto txn = Txn::begin(db());
    ASSERT_TRUE(txn);
    ASSERT_TRUE(inbox.mark_processed(first.id));
    ASSERT_TRUE(txn->commit());
  }
  next = *inbox.next_pending();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->id, second.id);
  auto done = **inbox.get(first.id);
  EXPECT_EQ(done.state, InboxState::Processed);
  EXPECT_TRUE(done.raw.empty());
  // A refetch of a processed mail is still recognised.
  EXPECT_FALSE(inbox.add(1, 10, as_bytes("first"), 5)->inserted);
  EXPECT_EQ(*inbox.prune_processed(2), 1);
  EXPECT_EQ(*inbox.get(first.id), std::nullopt);
  EXPECT_EQ(inbox.mark_processed(999).error().code, Errc::NotFound);
}

TEST_F(StoreMailbox, InboxTombstonesAfterThreeFailures) {
  Inbox inbox(db());
  auto poison = *inbox.add(1, 1, as_bytes("poison"), 1);
  auto good = *inbox.add(1, 2, as_bytes("good"), 1);
  EXPECT_EQ(*inbox.record_failure(poison.id, "parse: bad mime"), InboxState::New);
  EXPECT_EQ(*inbox.record_failure(poison.id, "parse: bad mime"), InboxState::New);
  EXPECT_EQ((*inbox.next_pending())->id, poison.id);
  EXPECT_EQ(*inbox.record_failure(poison.id, "parse: still bad"), InboxState::Tombstoned);
  auto tomb = **inbox.get(poison.id);
  EXPECT_EQ(tomb.state, InboxState::Tombstoned);
  EXPECT_EQ(tomb.attempts, kMaxInboxAttempts);
  EXPECT_EQ(tomb.last_error, "parse: still bad");
  EXPECT_EQ(to_string(tomb.raw), "poison");         // Kept for inspection.
  EXPECT_EQ((*inbox.next_pending())->id, good.id);  // Skipped from now on.
  EXPECT_EQ(inbox.record_failure(poison.id, "x").error().code, Errc::NotFound);
}

TEST_F(StoreMailbox, InboxCountsAttemptsThatCrashed) {
  Inbox inbox(db());
  auto poison = *inbox.add(1, 1, as_bytes("crashes the parser"), 1);
  // Three runs each begin an attempt and die before reporting anything.
  for (int run = 0; run < kMaxInboxAttempts; ++run) {
    EXPECT_EQ(*inbox.begin_attempt(poison.id), InboxState::New) << run;
  }
  EXPECT_EQ(*inbox.begin_attempt(poison.id), InboxState::Tombstoned);
  auto tomb = **inbox.get(poison.id);
  EXPECT_EQ(tomb.state, InboxState::Tombstoned);
  EXPECT_EQ(tomb.attempts, 3);
  EXPECT_NE(tomb.last_error.find("did not finish 3 times"), std::string::npos) << tomb.last_error;
  EXPECT_EQ(*inbox.next_pending(), std::nullopt);
}

TEST_F(StoreMailbox, InboxBeginAttemptThenFailureCountsOnce) {
  Inbox inbox(db());
  auto m = *inbox.add(1, 1, as_bytes("x"), 1);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(*inbox.begin_attempt(m.id), InboxState::New);
    EXPECT_EQ(*inbox.record_failure(m.id, "decrypt failed"), InboxState::New);
  }
  EXPECT_EQ((*inbox.get(m.id))->attempts, 2);
  EXPECT_EQ(*inbox.begin_attempt(m.id), InboxState::New);
  EXPECT_EQ(*inbox.record_failure(m.id, "decrypt failed"), InboxState::Tombstoned);
  EXPECT_EQ((*inbox.get(m.id))->attempts, 3);
}

// The fetch loop's contract: once add() returned, the mail survives a crash, so deleting the
// server copy is safe. The child process dies without closing anything.
TEST(StoreMailboxCrash, AddedMailSurvivesCrashAndRefetchIsRecognised) {
  std::filesystem::path dir = std::filesystem::path(DCBOT_BINARY_DIR) / "test_tmp" / "store";
  std::filesystem::create_directories(dir);
  std::string path = (dir / "inbox_crash.sqlite").string();
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path + suffix);
  }
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto db = open_store(path);
    if (!db) {
      _exit(1);
    }
    Inbox inbox(*db);
    if (!inbox.add(9, 42, as_bytes("raw mail"), 1)) {
      _exit(2);
    }
    // A half-done processing transaction dies with the process.
    auto txn = Txn::begin(*db);
    auto pending = inbox.next_pending();
    if (!txn || !pending || !*pending || !inbox.mark_processed((*pending)->id)) {
      _exit(3);
    }
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);

  auto db = open_store(path);
  ASSERT_TRUE(db) << db.error().to_string();
  Inbox inbox(*db);
  auto pending = *inbox.next_pending();
  ASSERT_TRUE(pending);
  EXPECT_EQ(to_string(pending->raw), "raw mail");
  EXPECT_EQ(pending->state, InboxState::New);
  EXPECT_FALSE(inbox.add(9, 42, as_bytes("raw mail"), 2)->inserted);
}

NewOutboxItem item(std::int64_t chat, std::string mid) {
  return NewOutboxItem{.chat_id = chat,
                       .rfc724_mid = std::move(mid),
                       .envelope_from = "bot@relay.test",
                       .recipients = {"a@x.org", "b@y.org"},
                       .raw = to_bytes("raw mime"),
                       .created_at = 5};
}

TEST_F(StoreMailbox, OutboxRoundTrip) {
  Outbox outbox(db());
  auto id = outbox.enqueue(item(1, "m1@relay.test"));
  ASSERT_TRUE(id) << id.error().to_string();
  auto got = **outbox.get(*id);
  EXPECT_EQ(got.chat_id, 1);
  EXPECT_EQ(got.rfc724_mid, "m1@relay.test");
  EXPECT_EQ(got.envelope_from, "bot@relay.test");
  EXPECT_EQ(got.recipients, (std::vector<std::string>{"a@x.org", "b@y.org"}));
  EXPECT_EQ(to_string(got.raw), "raw mime");
  EXPECT_EQ(got.state, OutboxState::Queued);
  EXPECT_EQ(got.attempts, 0);
  EXPECT_EQ(got.created_at, 5);
  ASSERT_TRUE(outbox.set_recipients(*id, {"b@y.org"}));
  EXPECT_EQ((*outbox.get(*id))->recipients, (std::vector<std::string>{"b@y.org"}));
  EXPECT_EQ(*outbox.get(999), std::nullopt);
  EXPECT_EQ(outbox.mark_sent(999).error().code, Errc::NotFound);
}

TEST_F(StoreMailbox, OutboxKeepsOrderPerChat) {
  Outbox outbox(db());
  auto a1 = *outbox.enqueue(item(1, "a1"));
  auto b1 = *outbox.enqueue(item(2, "b1"));
  auto a2 = *outbox.enqueue(item(1, "a2"));
  auto b2 = *outbox.enqueue(item(2, "b2"));

  // One row per chat, the oldest first.
  auto due = *outbox.next_due(0, 10);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].id, a1);
  EXPECT_EQ(due[1].id, b1);

  // a1 fails temporarily: a2 must wait behind it; chat 2 is unaffected.
  ASSERT_TRUE(outbox.record_retry(a1, "451 try later", 100));
  ASSERT_TRUE(outbox.mark_sent(b1));
  due = *outbox.next_due(50, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, b2);
  EXPECT_EQ(*outbox.next_wakeup(), std::optional<std::int64_t>(0));
  ASSERT_TRUE(outbox.mark_sent(b2));
  EXPECT_EQ(*outbox.next_wakeup(), std::optional<std::int64_t>(100));
  EXPECT_TRUE(outbox.next_due(50, 10)->empty());

  due = *outbox.next_due(100, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, a1);
  EXPECT_EQ(due[0].attempts, 1);
  EXPECT_EQ(due[0].last_error, "451 try later");

  // A permanent failure releases the chat's next row.
  ASSERT_TRUE(outbox.mark_failed(a1, "550 no such user"));
  due = *outbox.next_due(100, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, a2);
  EXPECT_EQ((*outbox.get(a1))->state, OutboxState::Failed);
  ASSERT_TRUE(outbox.mark_sent(a2));
  EXPECT_EQ(*outbox.next_wakeup(), std::nullopt);
  EXPECT_EQ(*outbox.prune_done(6), 4);
}

TEST_F(StoreMailbox, OutboxLimitAndRemoveByMid) {
  Outbox outbox(db());
  for (int chat = 1; chat <= 5; ++chat) {
    ASSERT_TRUE(outbox.enqueue(item(chat, "mid" + std::to_string(chat))));
  }
  EXPECT_EQ(outbox.next_due(0, 3)->size(), 3u);
  EXPECT_EQ(*outbox.remove_queued_by_mid("mid2"), 1);
  EXPECT_EQ(*outbox.remove_queued_by_mid("mid2"), 0);
  auto due = *outbox.next_due(0, 10);
  ASSERT_EQ(due.size(), 4u);
  EXPECT_EQ(due[1].rfc724_mid, "mid3");
}

}  // namespace
}  // namespace dcbot::store
