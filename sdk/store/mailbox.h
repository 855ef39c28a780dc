// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "dcbot/result.h"
#include "store/db.h"

// The durable mail queues between the network loops and the chat engine (DESIGN.md "Data flow of
// one message"): IMAP sync state, the inbox of raw fetched mails and the outbox of mails to send.
namespace dcbot::store {

// Where the IMAP fetch loop stopped in one folder of one transport (relay).
struct ImapState {
  std::string transport{};  // The relay's account address or host; chosen by runtime.
  std::string folder{};
  std::uint32_t uidvalidity = 0;
  std::uint32_t last_seen_uid = 0;

  friend bool operator==(const ImapState&, const ImapState&) = default;
};

// The `imap_state` table.
class ImapStates {
 public:
  explicit ImapStates(Db& db) : db_(&db) {}

  Result<std::optional<ImapState>> get(std::string_view transport, std::string_view folder);
  Result<void> set(const ImapState& state);

 private:
  Db* db_;
};

// Stored as integers: never renumber.
enum class InboxState : std::int64_t { New = 0, Processed = 1, Tombstoned = 2 };

// Processing attempts before a mail is tombstoned (DESIGN.md data flow step 5).
inline constexpr int kMaxInboxAttempts = 3;

struct InboxItem {
  std::int64_t id = 0;
  std::uint32_t uidvalidity = 0;
  std::uint32_t uid = 0;
  Bytes raw{};  // Emptied once processed; kept for tombstones so they can be inspected.
  std::int64_t received_at = 0;
  InboxState state = InboxState::New;
  int attempts = 0;
  std::string last_error{};
};

// The outcome of Inbox::add.
struct InboxAdded {
  std::int64_t id = 0;
  bool inserted = false;  // False: (uidvalidity, uid) was already in the inbox.
};

// The durable inbox. The fetch loop calls add() (which commits, or joins the caller's Txn) and
// only then deletes the mail on the server; a crash in between refetches a mail that add() then
// recognises. The chat engine takes next_pending(), calls begin_attempt() (committed on its own,
// so that a mail which crashes the process is counted), processes it in a Txn that ends with
// mark_processed(), and calls record_failure() when processing returns an error.
class Inbox {
 public:
  explicit Inbox(Db& db) : db_(&db) {}

  // Idempotent on (uidvalidity, uid): a second add returns the first row's id, unchanged.
  Result<InboxAdded> add(std::uint32_t uidvalidity, std::uint32_t uid, ByteView raw,
                         std::int64_t received_at);
  // The oldest mail in state New.
  Result<std::optional<InboxItem>> next_pending();
  Result<std::optional<InboxItem>> get(std::int64_t id);
  // Counts an attempt before processing. If the mail already used up its attempts (the process
  // died while processing it each time) it is tombstoned instead and Tombstoned is returned.
  // Committed without an fsync (UnsyncedWrites) when outside a transaction.
  Result<InboxState> begin_attempt(std::int64_t id);
  // Done: the raw bytes are dropped, the row stays so a refetch is still recognised.
  Result<void> mark_processed(std::int64_t id);
  // Records a failed attempt (counting it unless begin_attempt already did) and tombstones the
  // mail once kMaxInboxAttempts attempts failed. Returns the resulting state.
  Result<InboxState> record_failure(std::int64_t id, std::string_view error);
  // Deletes processed rows received before `before`; returns how many.
  Result<int> prune_processed(std::int64_t before);
  // Number of mails in state New.
  Result<std::int64_t> pending_count();

 private:
  Db* db_;
};

// Stored as integers: never renumber.
enum class OutboxState : std::int64_t { Queued = 0, Sent = 1, Failed = 2 };

// A mail to queue.
struct NewOutboxItem {
  // Mails of one chat are sent in queue order. 0 = no chat; such mails are ordered among
  // themselves too.
  std::int64_t chat_id = 0;
  std::string rfc724_mid{};
  std::string envelope_from{};
  std::vector<std::string> recipients{};
  Bytes raw{};
  std::int64_t created_at = 0;
  // Not sent before this time (Unix seconds); 0: at once. Holds the chat's later mails too.
  std::int64_t not_before = 0;
};

struct OutboxItem {
  std::int64_t id = 0;
  std::int64_t chat_id = 0;
  std::string rfc724_mid{};
  std::string envelope_from{};
  std::vector<std::string> recipients{};
  Bytes raw{};
  OutboxState state = OutboxState::Queued;
  int attempts = 0;
  std::int64_t next_attempt_at = 0;
  std::string last_error{};
  std::int64_t created_at = 0;
};

// The durable outbox. Handlers' actions are enqueued in the same Txn as their event's handled
// mark; the SMTP loop sends next_due() rows and marks them.
class Outbox {
 public:
  explicit Outbox(Db& db) : db_(&db) {}

  // Returns the new row's id.
  Result<std::int64_t> enqueue(const NewOutboxItem& item);
  Result<std::optional<OutboxItem>> get(std::int64_t id);
  // Up to `limit` queued rows due at `now`, oldest first, at most one per chat: a chat's row is
  // only due once every earlier queued row of that chat is sent or failed, which keeps order.
  Result<std::vector<OutboxItem>> next_due(std::int64_t now, int limit);
  // The earliest next_attempt_at among queued rows, to sleep until; empty if none is queued.
  Result<std::optional<std::int64_t>> next_wakeup();
  // Committed without an fsync (UnsyncedWrites) when outside a transaction.
  Result<void> mark_sent(std::int64_t id);
  // A temporary failure: counts the attempt and schedules the next one.
  Result<void> record_retry(std::int64_t id, std::string_view error, std::int64_t next_attempt_at);
  // A permanent failure.
  Result<void> mark_failed(std::int64_t id, std::string_view error);
  // Stores the recipients still to send to after a partial delivery (SECURITY.md: recipient
  // chunks).
  Result<void> set_recipients(std::int64_t id, const std::vector<std::string>& recipients);
  // Drops queued rows of a Message-ID (our own mail came back through IMAP: it was sent).
  // Returns how many.
  Result<int> remove_queued_by_mid(std::string_view rfc724_mid);
  // Deletes sent and failed rows created before `before`; returns how many.
  Result<int> prune_done(std::int64_t before);

 private:
  Result<void> update_state(std::int64_t id, OutboxState state, std::string_view error);

  Db* db_;
};

}  // namespace dcbot::store
