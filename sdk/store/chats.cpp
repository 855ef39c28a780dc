// SPDX-License-Identifier: MIT
#include "store/chats.h"

#include <utility>

#include <fmt/format.h>

namespace dcbot::store {
namespace {

constexpr std::string_view kChatColumns =
    "chats.id, chats.type, chats.grpid, chats.name, chats.name_timestamp, chats.ephemeral_timer, "
    "chats.blocked, chats.has_left, chats.created";

Chat read_chat(const Stmt& s) {
  return Chat{.id = s.column_int64(0),
              .type = static_cast<ChatType>(s.column_int64(1)),
              .grpid = s.column_text(2),
              .name = s.column_text(3),
              .name_timestamp = s.column_int64(4),
              .ephemeral_timer = s.column_int64(5),
              .blocked = s.column_int64(6) != 0,
              .has_left = s.column_int64(7) != 0,
              .created = s.column_int64(8)};
}

Result<std::vector<Chat>> read_chats(Stmt& stmt) {
  std::vector<Chat> out;
  while (true) {
    DCBOT_TRY(Step s, stmt.step());
    if (s == Step::Done) {
      return out;
    }
    out.push_back(read_chat(stmt));
  }
}

Result<std::optional<Chat>> first(Result<std::vector<Chat>> chats) {
  if (!chats) {
    return chats.error();
  }
  if (chats->empty()) {
    return std::optional<Chat>();
  }
  return std::optional<Chat>(std::move(chats->front()));
}

}  // namespace

Result<std::int64_t> Chats::add(const Chat& c) {
  DCBOT_TRY(auto stmt, db_->cached("INSERT INTO chats(type, grpid, name, name_timestamp, "
                                   "ephemeral_timer, blocked, has_left, created) "
                                   "VALUES(?, ?, ?, ?, ?, ?, ?, ?)"));
  DCBOT_TRY(stmt->bind_all(c.type, c.grpid, c.name, c.name_timestamp, c.ephemeral_timer, c.blocked,
                           c.has_left, c.created));
  DCBOT_TRY(stmt->run());
  return db_->last_insert_rowid();
}

Result<void> Chats::update(const Chat& c) {
  DCBOT_TRY(auto stmt, db_->cached("UPDATE chats SET type = ?, grpid = ?, name = ?, "
                                   "name_timestamp = ?, ephemeral_timer = ?, blocked = ?, "
                                   "has_left = ?, created = ? WHERE id = ?"));
  DCBOT_TRY(stmt->bind_all(c.type, c.grpid, c.name, c.name_timestamp, c.ephemeral_timer, c.blocked,
                           c.has_left, c.created, c.id));
  DCBOT_TRY(stmt->run());
  if (db_->changes() == 0) {
    return make_error(Errc::NotFound, fmt::format("store: no chat {}", c.id));
  }
  return {};
}

Result<std::optional<Chat>> Chats::get(std::int64_t id) {
  DCBOT_TRY(auto stmt, db_->cached(fmt::format("SELECT {} FROM chats WHERE id = ?", kChatColumns)));
  DCBOT_TRY(stmt->bind_all(id));
  return first(read_chats(*stmt));
}

Result<std::optional<Chat>> Chats::find_by_grpid(std::string_view grpid) {
  if (grpid.empty()) {
    return std::optional<Chat>();
  }
  DCBOT_TRY(auto stmt,
            db_->cached(fmt::format("SELECT {} FROM chats WHERE grpid = ?", kChatColumns)));
  DCBOT_TRY(stmt->bind_all(grpid));
  return first(read_chats(*stmt));
}

Result<std::optional<Chat>> Chats::find_single(std::string_view contact_fpr) {
  DCBOT_TRY(auto stmt, db_->cached(fmt::format(
                           "SELECT {} FROM chats JOIN chat_members m ON m.chat_id = chats.id "
                           "WHERE chats.type = ? AND m.contact_fpr = ? ORDER BY chats.id LIMIT 1",
                           kChatColumns)));
  DCBOT_TRY(stmt->bind_all(ChatType::Single, contact_fpr));
  return first(read_chats(*stmt));
}

Result<std::vector<Chat>> Chats::list() {
  DCBOT_TRY(auto stmt, db_->cached(fmt::format("SELECT {} FROM chats ORDER BY id", kChatColumns)));
  return read_chats(*stmt);
}

Result<void> Chats::remove(std::int64_t id) {
  DCBOT_TRY(auto stmt, db_->cached("DELETE FROM chats WHERE id = ?"));
  DCBOT_TRY(stmt->bind_all(id));
  return stmt->run();
}

Result<void> ChatMembers::set(const ChatMember& m) {
  DCBOT_TRY(auto stmt, db_->cached("INSERT INTO chat_members(chat_id, contact_fpr, add_ts, "
                                   "remove_ts) VALUES(?, ?, ?, ?) "
                                   "ON CONFLICT(chat_id, contact_fpr) DO UPDATE SET "
                                   "add_ts = excluded.add_ts, remove_ts = excluded.remove_ts"));
  DCBOT_TRY(stmt->bind_all(m.chat_id, m.contact_fpr, m.add_ts, m.remove_ts));
  return stmt->run();
}

Result<std::optional<ChatMember>> ChatMembers::get(std::int64_t chat_id,
                                                   std::string_view contact_fpr) {
  DCBOT_TRY(auto stmt, db_->cached("SELECT add_ts, remove_ts FROM chat_members "
                                   "WHERE chat_id = ? AND contact_fpr = ?"));
  DCBOT_TRY(stmt->bind_all(chat_id, contact_fpr));
  DCBOT_TRY(Step s, stmt->step());
  if (s == Step::Done) {
    return std::optional<ChatMember>();
  }
  return std::optional<ChatMember>(ChatMember{.chat_id = chat_id,
                                              .contact_fpr = std::string(contact_fpr),
                                              .add_ts = stmt->column_int64(0),
                                              .remove_ts = stmt->column_int64(1)});
}

Result<std::vector<ChatMember>> ChatMembers::query(std::int64_t chat_id, bool members_only) {
  DCBOT_TRY(auto stmt, db_->cached("SELECT contact_fpr, add_ts, remove_ts FROM chat_members "
                                   "WHERE chat_id = ? AND (? = 0 OR add_ts >= remove_ts) "
                                   "ORDER BY contact_fpr"));
  DCBOT_TRY(stmt->bind_all(chat_id, members_only));
  std::vector<ChatMember> out;
  while (true) {
    DCBOT_TRY(Step s, stmt->step());
    if (s == Step::Done) {
      return out;
    }
    out.push_back(ChatMember{.chat_id = chat_id,
                             .contact_fpr = stmt->column_text(0),
                             .add_ts = stmt->column_int64(1),
                             .remove_ts = stmt->column_int64(2)});
  }
}

Result<std::vector<ChatMember>> ChatMembers::members(std::int64_t chat_id) {
  return query(chat_id, true);
}

Result<std::vector<ChatMember>> ChatMembers::all(std::int64_t chat_id) {
  return query(chat_id, false);
}

Result<void> ChatMembers::remove(std::int64_t chat_id, std::string_view contact_fpr) {
  DCBOT_TRY(auto stmt,
            db_->cached("DELETE FROM chat_members WHERE chat_id = ? AND contact_fpr = ?"));
  DCBOT_TRY(stmt->bind_all(chat_id, contact_fpr));
  return stmt->run();
}

}  // namespace dcbot::store
