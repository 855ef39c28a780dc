// SPDX-License-Identifier: MIT
#include "store/messages.h"

#include <utility>

#include <fmt/format.h>

namespace dcbot::store {
namespace {

constexpr std::string_view kColumns =
    "id, chat_id, sender_fpr, rfc724_mid, in_reply_to, timestamp, text, file_path, state";

Message read_message(const Stmt& s) {
  return Message{.id = s.column_int64(0),
                 .chat_id = s.column_int64(1),
                 .sender_fpr = s.column_text(2),
                 .rfc724_mid = s.column_text(3),
                 .in_reply_to = s.column_text(4),
                 .timestamp = s.column_int64(5),
                 .text = s.column_text(6),
                 .file_path = s.column_text(7),
                 .state = static_cast<MessageState>(s.column_int64(8))};
}

Result<std::vector<Message>> read_messages(Stmt& stmt) {
  std::vector<Message> out;
  while (true) {
    DCBOT_TRY(Step s, stmt.step());
    if (s == Step::Done) {
      return out;
    }
    out.push_back(read_message(stmt));
  }
}

Result<std::optional<Message>> first(Result<std::vector<Message>> all) {
  if (!all) {
    return all.error();
  }
  if (all->empty()) {
    return std::optional<Message>();
  }
  return std::optional<Message>(std::move(all->front()));
}

}  // namespace

Result<std::int64_t> Messages::add(const Message& m) {
  DCBOT_TRY(auto stmt, db_->cached("INSERT INTO messages(chat_id, sender_fpr, rfc724_mid, "
                                   "in_reply_to, timestamp, text, file_path, state) "
                                   "VALUES(?, ?, ?, ?, ?, ?, ?, ?)"));
  DCBOT_TRY(stmt->bind_all(m.chat_id, m.sender_fpr, m.rfc724_mid, m.in_reply_to, m.timestamp,
                           m.text, m.file_path, m.state));
  DCBOT_TRY(stmt->run());
  return db_->last_insert_rowid();
}

Result<std::optional<Message>> Messages::get(std::int64_t id) {
  DCBOT_TRY(auto stmt, db_->cached(fmt::format("SELECT {} FROM messages WHERE id = ?", kColumns)));
  DCBOT_TRY(stmt->bind_all(id));
  return first(read_messages(*stmt));
}

Result<std::optional<Message>> Messages::find_by_mid(std::string_view rfc724_mid) {
  DCBOT_TRY(auto stmt,
            db_->cached(fmt::format("SELECT {} FROM messages WHERE rfc724_mid = ?", kColumns)));
  DCBOT_TRY(stmt->bind_all(rfc724_mid));
  return first(read_messages(*stmt));
}

Result<void> Messages::set_state(std::int64_t id, MessageState state) {
  DCBOT_TRY(auto stmt, db_->cached("UPDATE messages SET state = ? WHERE id = ?"));
  DCBOT_TRY(stmt->bind_all(state, id));
  DCBOT_TRY(stmt->run());
  if (db_->changes() == 0) {
    return make_error(Errc::NotFound, fmt::format("store: no message {}", id));
  }
  return {};
}

Result<std::vector<Message>> Messages::list(std::int64_t chat_id, int limit) {
  DCBOT_TRY(auto stmt, db_->cached(fmt::format(
                           "SELECT {} FROM (SELECT * FROM messages WHERE chat_id = ? "
                           "ORDER BY timestamp DESC, id DESC LIMIT ?) ORDER BY timestamp, id",
                           kColumns)));
  DCBOT_TRY(stmt->bind_all(chat_id, limit));
  return read_messages(*stmt);
}

Result<bool> SeenMessageIds::mark_seen(std::string_view rfc724_mid, std::int64_t now) {
  DCBOT_TRY(auto stmt, db_->cached("INSERT INTO seen_message_ids(rfc724_mid, seen_at) "
                                   "VALUES(?, ?) ON CONFLICT(rfc724_mid) DO NOTHING"));
  DCBOT_TRY(stmt->bind_all(rfc724_mid, now));
  DCBOT_TRY(stmt->run());
  return db_->changes() > 0;
}

Result<bool> SeenMessageIds::is_seen(std::string_view rfc724_mid) {
  DCBOT_TRY(auto stmt, db_->cached("SELECT 1 FROM seen_message_ids WHERE rfc724_mid = ?"));
  DCBOT_TRY(stmt->bind_all(rfc724_mid));
  DCBOT_TRY(Step s, stmt->step());
  return s == Step::Row;
}

Result<int> SeenMessageIds::prune(std::int64_t before) {
  DCBOT_TRY(auto stmt, db_->cached("DELETE FROM seen_message_ids WHERE seen_at < ?"));
  DCBOT_TRY(stmt->bind_all(before));
  DCBOT_TRY(stmt->run());
  return db_->changes();
}

}  // namespace dcbot::store
