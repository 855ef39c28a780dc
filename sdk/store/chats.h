// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dcbot/result.h"
#include "store/db.h"

namespace dcbot::store {

// Stored as integers: never renumber.
enum class ChatType : std::int64_t {
  Single = 1,
  Group = 2,
  BroadcastOut = 3,  // A channel we own (PROTOCOL.md §4.4).
  BroadcastIn = 4,   // A channel we subscribe to.
};

struct Chat {
  std::int64_t id = 0;  // Assigned by Chats::add.
  ChatType type = ChatType::Single;
  std::string grpid{};  // Chat-Group-ID or channel id; empty for 1:1 chats.
  std::string name{};
  std::int64_t name_timestamp = 0;
  std::int64_t ephemeral_timer = 0;  // Seconds; 0 = off.
  bool blocked = false;
  bool has_left = false;
  std::int64_t created = 0;

  friend bool operator==(const Chat&, const Chat&) = default;
};

// The `chats` table.
class Chats {
 public:
  explicit Chats(Db& db) : db_(&db) {}

  // Inserts `chat` (its id is ignored) and returns the new id. Errc::Io if a non-empty grpid
  // already exists.
  Result<std::int64_t> add(const Chat& chat);
  // Replaces every field but the id; Errc::NotFound if there is no such chat.
  Result<void> update(const Chat& chat);
  Result<std::optional<Chat>> get(std::int64_t id);
  Result<std::optional<Chat>> find_by_grpid(std::string_view grpid);
  // The 1:1 chat whose member is `contact_fpr`.
  Result<std::optional<Chat>> find_single(std::string_view contact_fpr);
  Result<std::vector<Chat>> list();
  // Deletes the chat with its members and messages.
  Result<void> remove(std::int64_t id);

 private:
  Db* db_;
};

// One row of the member timestamp CRDT (PROTOCOL.md §4.2).
struct ChatMember {
  std::int64_t chat_id = 0;
  std::string contact_fpr{};
  std::int64_t add_ts = 0;
  std::int64_t remove_ts = 0;

  // Member iff add >= remove; otherwise a past member.
  [[nodiscard]] bool is_member() const { return add_ts >= remove_ts; }

  friend bool operator==(const ChatMember&, const ChatMember&) = default;
};

// The `chat_members` table. The merge rules live in the chat engine; this stores the timestamps.
class ChatMembers {
 public:
  explicit ChatMembers(Db& db) : db_(&db) {}

  // Inserts or replaces the row of (chat_id, contact_fpr).
  Result<void> set(const ChatMember& member);
  Result<std::optional<ChatMember>> get(std::int64_t chat_id, std::string_view contact_fpr);
  // Current members (add_ts >= remove_ts), ordered by fingerprint.
  Result<std::vector<ChatMember>> members(std::int64_t chat_id);
  // Current and past members.
  Result<std::vector<ChatMember>> all(std::int64_t chat_id);
  Result<void> remove(std::int64_t chat_id, std::string_view contact_fpr);

 private:
  Result<std::vector<ChatMember>> query(std::int64_t chat_id, bool members_only);

  Db* db_;
};

}  // namespace dcbot::store
