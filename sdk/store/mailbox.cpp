// SPDX-License-Identifier: MIT
#include "store/mailbox.h"

#include <utility>

#include "store/lines.h"

#include <fmt/format.h>

namespace dcbot::store {
namespace {

Error not_found(std::string_view table, std::int64_t id) {
  return make_error(Errc::NotFound, fmt::format("store: no {} row {}", table, id));
}

constexpr std::string_view kInboxColumns =
    "id, uidvalidity, uid, raw, received_at, state, attempts, last_error";

InboxItem read_inbox(const Stmt& s) {
  return InboxItem{.id = s.column_int64(0),
                   .uidvalidity = static_cast<std::uint32_t>(s.column_int64(1)),
                   .uid = static_cast<std::uint32_t>(s.column_int64(2)),
                   .raw = s.column_blob(3),
                   .received_at = s.column_int64(4),
                   .state = static_cast<InboxState>(s.column_int64(5)),
                   .attempts = static_cast<int>(s.column_int64(6)),
                   .last_error = s.column_text(7)};
}

Result<std::optional<InboxItem>> first_inbox(Stmt& stmt) {
  DCBOT_TRY(Step s, stmt.step());
  if (s == Step::Done) {
    return std::optional<InboxItem>();
  }
  return std::optional<InboxItem>(read_inbox(stmt));
}

constexpr std::string_view kOutboxColumns =
    "id, chat_id, rfc724_mid, envelope_from, recipients, raw, state, attempts, next_attempt_at, "
    "last_error, created_at";

OutboxItem read_outbox(const Stmt& s) {
  return OutboxItem{.id = s.column_int64(0),
                    .chat_id = s.column_int64(1),
                    .rfc724_mid = s.column_text(2),
                    .envelope_from = s.column_text(3),
                    .recipients = split_lines(s.column_text(4)),
                    .raw = s.column_blob(5),
                    .state = static_cast<OutboxState>(s.column_int64(6)),
                    .attempts = static_cast<int>(s.column_int64(7)),
                    .next_attempt_at = s.column_int64(8),
                    .last_error = s.column_text(9),
                    .created_at = s.column_int64(10)};
}

}  // namespace

// ---- ImapStates

Result<std::optional<ImapState>> ImapStates::get(std::string_view transport,
                                                 std::string_view folder) {
  DCBOT_TRY(auto stmt, db_->cached("SELECT uidvalidity, last_seen_uid FROM imap_state "
                                   "WHERE transport = ? AND folder = ?"));
  DCBOT_TRY(stmt->bind_all(transport, folder));
  DCBOT_TRY(Step s, stmt->step());
  if (s == Step::Done) {
    return std::optional<ImapState>();
  }
  return std::optional<ImapState>(
      ImapState{.transport = std::string(transport),
                .folder = std::string(folder),
                .uidvalidity = static_cast<std::uint32_t>(stmt->column_int64(0)),
                .last_seen_uid = static_cast<std::uint32_t>(stmt->column_int64(1))});
}

Result<void> ImapStates::set(const ImapState& st) {
  DCBOT_TRY(auto stmt, db_->cached("INSERT INTO imap_state(transport, folder, uidvalidity, "
                                   "last_seen_uid) VALUES(?, ?, ?, ?) "
                                   "ON CONFLICT(transport, folder) DO UPDATE SET "
                                   "uidvalidity = excluded.uidvalidity, "
                                   "last_seen_uid = excluded.last_seen_uid"));
  DCBOT_TRY(stmt->bind_all(st.transport, st.folder, st.uidvalidity, st.last_seen_uid));
  return stmt->run();
}

// ---- Inbox

Result<InboxAdded> Inbox::add(std::uint32_t uidvalidity, std::uint32_t uid, ByteView raw,
                              std::int64_t received_at) {
  {
    DCBOT_TRY(auto stmt,
              db_->cached("INSERT INTO inbox(uidvalidity, uid, raw, received_at) "
                          "VALUES(?, ?, ?, ?) ON CONFLICT(uidvalidity, uid) DO NOTHING"));
    DCBOT_TRY(stmt->bind_all(uidvalidity, uid, raw, received_at));
    DCBOT_TRY(stmt->run());
  }
  if (db_->changes() > 0) {
    return InboxAdded{.id = db_->last_insert_rowid(), .inserted = true};
  }
  DCBOT_TRY(auto stmt, db_->cached("SELECT id FROM inbox WHERE uidvalidity = ? AND uid = ?"));
  DCBOT_TRY(stmt->bind_all(uidvalidity, uid));
  DCBOT_TRY(Step s, stmt->step());
  if (s != Step::Row) {
    return make_error(Errc::Internal, "store: inbox: conflicting row vanished");
  }
  return InboxAdded{.id = stmt->column_int64(0), .inserted = false};
}

Result<std::optional<InboxItem>> Inbox::next_pending() {
  DCBOT_TRY(auto stmt,
            db_->cached(fmt::format("SELECT {} FROM inbox WHERE state = ? ORDER BY id LIMIT 1",
                                    kInboxColumns)));
  DCBOT_TRY(stmt->bind_all(InboxState::New));
  return first_inbox(*stmt);
}

Result<std::optional<InboxItem>> Inbox::get(std::int64_t id) {
  DCBOT_TRY(auto stmt,
            db_->cached(fmt::format("SELECT {} FROM inbox WHERE id = ?", kInboxColumns)));
  DCBOT_TRY(stmt->bind_all(id));
  return first_inbox(*stmt);
}

Result<InboxState> Inbox::begin_attempt(std::int64_t id) {
  // Not synced: the count must survive the process dying while it processes the mail, which it
  // does (the WAL is written); after a power loss the mail may get one attempt more. The
  // processing commit that follows syncs it anyway. Saves an fsync per mail.
  UnsyncedWrites unsynced(*db_);
  // One statement: a mail whose attempts are used up is tombstoned, any other pending mail has
  // its attempt counted.
  DCBOT_TRY(auto stmt,
            db_->cached("UPDATE inbox SET "
                        "state = CASE WHEN attempts >= ?1 THEN ?2 ELSE state END, "
                        "last_error = CASE WHEN attempts >= ?1 "
                        "  THEN 'processing did not finish ' || attempts || ' times' "
                        "  ELSE last_error END, "
                        "in_progress = CASE WHEN attempts >= ?1 THEN 0 ELSE 1 END, "
                        "attempts = CASE WHEN attempts >= ?1 THEN attempts ELSE attempts + 1 END "
                        "WHERE id = ?3 AND state = ?4 RETURNING state"));
  DCBOT_TRY(stmt->bind_all(kMaxInboxAttempts, InboxState::Tombstoned, id, InboxState::New));
  DCBOT_TRY(Step s, stmt->step());
  if (s == Step::Done) {
    return make_error(Errc::NotFound, fmt::format("store: no pending inbox row {}", id));
  }
  auto state = static_cast<InboxState>(stmt->column_int64(0));
  DCBOT_TRY(stmt->run());
  return state;
}

Result<void> Inbox::mark_processed(std::int64_t id) {
  DCBOT_TRY(auto stmt, db_->cached("UPDATE inbox SET state = ?, raw = x'', in_progress = 0 "
                                   "WHERE id = ?"));
  DCBOT_TRY(stmt->bind_all(InboxState::Processed, id));
  DCBOT_TRY(stmt->run());
  if (db_->changes() == 0) {
    return not_found("inbox", id);
  }
  return {};
}

Result<InboxState> Inbox::record_failure(std::int64_t id, std::string_view error) {
  DCBOT_TRY(
      auto stmt,
      db_->cached("UPDATE inbox SET "
                  "attempts = attempts + (1 - in_progress), in_progress = 0, last_error = ?1, "
                  "state = CASE WHEN attempts + (1 - in_progress) >= ?2 THEN ?3 ELSE state END "
                  "WHERE id = ?4 AND state = ?5 RETURNING state"));
  DCBOT_TRY(stmt->bind_all(error, kMaxInboxAttempts, InboxState::Tombstoned, id, InboxState::New));
  DCBOT_TRY(Step s, stmt->step());
  if (s == Step::Done) {
    return make_error(Errc::NotFound, fmt::format("store: no pending inbox row {}", id));
  }
  auto state = static_cast<InboxState>(stmt->column_int64(0));
  DCBOT_TRY(stmt->run());
  return state;
}

Result<int> Inbox::prune_processed(std::int64_t before) {
  DCBOT_TRY(auto stmt, db_->cached("DELETE FROM inbox WHERE state = ? AND received_at < ?"));
  DCBOT_TRY(stmt->bind_all(InboxState::Processed, before));
  DCBOT_TRY(stmt->run());
  return db_->changes();
}

Result<std::int64_t> Inbox::pending_count() {
  DCBOT_TRY(auto stmt, db_->cached("SELECT count(*) FROM inbox WHERE state = ?"));
  DCBOT_TRY(stmt->bind_all(InboxState::New));
  DCBOT_TRY(stmt->step());
  return stmt->column_int64(0);
}

// ---- Outbox

Result<std::int64_t> Outbox::enqueue(const NewOutboxItem& item) {
  DCBOT_TRY(auto stmt,
            db_->cached("INSERT INTO outbox(chat_id, rfc724_mid, envelope_from, recipients, raw, "
                        "created_at, next_attempt_at) VALUES(?, ?, ?, ?, ?, ?, ?)"));
  DCBOT_TRY(stmt->bind_all(item.chat_id, item.rfc724_mid, item.envelope_from,
                           join_lines(item.recipients), item.raw, item.created_at,
                           item.not_before));
  DCBOT_TRY(stmt->run());
  return db_->last_insert_rowid();
}

Result<std::optional<OutboxItem>> Outbox::get(std::int64_t id) {
  DCBOT_TRY(auto stmt,
            db_->cached(fmt::format("SELECT {} FROM outbox WHERE id = ?", kOutboxColumns)));
  DCBOT_TRY(stmt->bind_all(id));
  DCBOT_TRY(Step s, stmt->step());
  if (s == Step::Done) {
    return std::optional<OutboxItem>();
  }
  return std::optional<OutboxItem>(read_outbox(*stmt));
}

Result<std::vector<OutboxItem>> Outbox::next_due(std::int64_t now, int limit) {
  DCBOT_TRY(auto stmt, db_->cached(fmt::format(
                           "SELECT {} FROM outbox o WHERE o.state = ?1 AND o.next_attempt_at <= ?2 "
                           "AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.state = ?1 "
                           "AND p.chat_id = o.chat_id AND p.id < o.id) ORDER BY o.id LIMIT ?3",
                           kOutboxColumns)));
  DCBOT_TRY(stmt->bind_all(OutboxState::Queued, now, limit));
  std::vector<OutboxItem> out;
  while (true) {
    DCBOT_TRY(Step s, stmt->step());
    if (s == Step::Done) {
      return out;
    }
    out.push_back(read_outbox(*stmt));
  }
}

Result<std::optional<std::int64_t>> Outbox::next_wakeup() {
  // Only the head of each chat's queue can be sent next; rows behind it wait for it.
  DCBOT_TRY(auto stmt, db_->cached("SELECT min(o.next_attempt_at) FROM outbox o WHERE o.state = ?1 "
                                   "AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.state = ?1 "
                                   "AND p.chat_id = o.chat_id AND p.id < o.id)"));
  DCBOT_TRY(stmt->bind_all(OutboxState::Queued));
  DCBOT_TRY(stmt->step());
  return stmt->column_optional_int64(0);
}

Result<void> Outbox::update_state(std::int64_t id, OutboxState state, std::string_view error) {
  DCBOT_TRY(auto stmt, db_->cached("UPDATE outbox SET state = ?, last_error = ? WHERE id = ?"));
  DCBOT_TRY(stmt->bind_all(state, error, id));
  DCBOT_TRY(stmt->run());
  if (db_->changes() == 0) {
    return not_found("outbox", id);
  }
  return {};
}

Result<void> Outbox::mark_sent(std::int64_t id) {
  // Not synced: if a power loss undoes the mark, the very same mail (same Message-ID) is sent
  // again and recipients drop it as a duplicate; a killed process keeps it. Saves an fsync per
  // mail sent.
  UnsyncedWrites unsynced(*db_);
  return update_state(id, OutboxState::Sent, "");
}

Result<void> Outbox::mark_failed(std::int64_t id, std::string_view error) {
  return update_state(id, OutboxState::Failed, error);
}

Result<void> Outbox::record_retry(std::int64_t id, std::string_view error,
                                  std::int64_t next_attempt_at) {
  DCBOT_TRY(auto stmt, db_->cached("UPDATE outbox SET attempts = attempts + 1, last_error = ?, "
                                   "next_attempt_at = ? WHERE id = ?"));
  DCBOT_TRY(stmt->bind_all(error, next_attempt_at, id));
  DCBOT_TRY(stmt->run());
  if (db_->changes() == 0) {
    return not_found("outbox", id);
  }
  return {};
}

Result<void> Outbox::set_recipients(std::int64_t id, const std::vector<std::string>& recipients) {
  DCBOT_TRY(auto stmt, db_->cached("UPDATE outbox SET recipients = ? WHERE id = ?"));
  DCBOT_TRY(stmt->bind_all(join_lines(recipients), id));
  DCBOT_TRY(stmt->run());
  if (db_->changes() == 0) {
    return not_found("outbox", id);
  }
  return {};
}

Result<int> Outbox::remove_queued_by_mid(std::string_view rfc724_mid) {
  DCBOT_TRY(auto stmt, db_->cached("DELETE FROM outbox WHERE rfc724_mid = ? AND state = ?"));
  DCBOT_TRY(stmt->bind_all(rfc724_mid, OutboxState::Queued));
  DCBOT_TRY(stmt->run());
  return db_->changes();
}

Result<int> Outbox::prune_done(std::int64_t before) {
  DCBOT_TRY(auto stmt, db_->cached("DELETE FROM outbox WHERE state <> ? AND created_at < ?"));
  DCBOT_TRY(stmt->bind_all(OutboxState::Queued, before));
  DCBOT_TRY(stmt->run());
  return db_->changes();
}

}  // namespace dcbot::store
