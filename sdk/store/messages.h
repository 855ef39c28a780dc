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
enum class MessageState : std::int64_t {
  Incoming = 10,
  OutPending = 20,
  OutSent = 26,
  OutFailed = 24,
  OutDelivered = 28,
};

struct Message {
  std::int64_t id = 0;  // Assigned by Messages::add.
  std::int64_t chat_id = 0;
  std::string sender_fpr{};  // Empty for our own messages.
  std::string rfc724_mid{};  // Message-ID without angle brackets; unique.
  std::string in_reply_to{};
  std::int64_t timestamp = 0;
  std::string text{};
  std::string file_path{};  // Relative to the bot's blob directory; empty without a file.
  MessageState state = MessageState::Incoming;

  friend bool operator==(const Message&, const Message&) = default;
};

// The `messages` table.
class Messages {
 public:
  explicit Messages(Db& db) : db_(&db) {}

  // Inserts and returns the new id. Errc::Io if the Message-ID exists (check find_by_mid, or
  // SeenMessageIds, first) or the chat does not.
  Result<std::int64_t> add(const Message& message);
  Result<std::optional<Message>> get(std::int64_t id);
  Result<std::optional<Message>> find_by_mid(std::string_view rfc724_mid);
  // Errc::NotFound if there is no such message.
  Result<void> set_state(std::int64_t id, MessageState state);
  // The newest `limit` messages of a chat, oldest first.
  Result<std::vector<Message>> list(std::int64_t chat_id, int limit);

 private:
  Db* db_;
};

// The `seen_message_ids` table: every Message-ID processed, for deduplication of mails that
// arrive twice (multi-relay, refetch after a crash). Pruned by age.
class SeenMessageIds {
 public:
  explicit SeenMessageIds(Db& db) : db_(&db) {}

  // Records the id; true if it was new, false if already seen.
  Result<bool> mark_seen(std::string_view rfc724_mid, std::int64_t now);
  Result<bool> is_seen(std::string_view rfc724_mid);
  // Forgets ids seen before `before`; returns how many.
  Result<int> prune(std::int64_t before);

 private:
  Db* db_;
};

}  // namespace dcbot::store
