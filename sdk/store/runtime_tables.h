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

// Repositories used by SecureJoin, the event dispatcher and plugins.
namespace dcbot::store {

// Stored as integers: never renumber.
enum class TokenKind : std::int64_t { InviteNumber = 1, Auth = 2 };

// A SecureJoin secret we handed out in an invite link (PROTOCOL.md §5).
struct SecureJoinToken {
  TokenKind kind = TokenKind::InviteNumber;
  std::string token{};
  std::string grpid{};  // The group or channel the invite is for; empty for a 1:1 invite.
  std::int64_t created = 0;

  friend bool operator==(const SecureJoinToken&, const SecureJoinToken&) = default;
};

// The `securejoin_tokens` table.
class SecureJoinTokens {
 public:
  explicit SecureJoinTokens(Db& db) : db_(&db) {}

  // Errc::Io if (kind, token) exists.
  Result<void> add(const SecureJoinToken& token);
  // The token as handed out, if we issued it.
  Result<std::optional<SecureJoinToken>> lookup(TokenKind kind, std::string_view token);
  // The newest token of `kind` for `grpid` (empty: 1:1), to reuse in a new invite link.
  Result<std::optional<SecureJoinToken>> latest(TokenKind kind, std::string_view grpid);
  // Forgets every token of a group (e.g. the bot left it); returns how many.
  Result<int> remove_group(std::string_view grpid);

 private:
  Db* db_;
};

struct StoredEvent {
  std::int64_t id = 0;
  std::string kind{};  // Chosen by the runtime ("message", "member_added"...).
  Bytes payload{};     // Serialised by the runtime.
  std::int64_t created_at = 0;
  bool handled = false;
};

// The persisted event log. The chat engine adds events in the Txn that processes their inbox
// mail; the dispatcher marks an event handled in the Txn that enqueues what its handlers queued,
// so a crash replays an unhandled event and never a handled one.
class Events {
 public:
  explicit Events(Db& db) : db_(&db) {}

  // Returns the new event's id.
  Result<std::int64_t> add(std::string_view kind, ByteView payload, std::int64_t created_at);
  // Up to `limit` unhandled events, oldest first.
  Result<std::vector<StoredEvent>> unhandled(int limit);
  // Errc::NotFound if there is no such event.
  Result<void> mark_handled(std::int64_t id);
  // Deletes handled events created before `before`; returns how many.
  Result<int> prune_handled(std::int64_t before);

 private:
  Db* db_;
};

// Per-plugin key-value storage plus a schema version per plugin, so that a plugin can migrate
// its own keys (maubot's habit) with the same transaction rules as everything else.
class PluginKv {
 public:
  explicit PluginKv(Db& db) : db_(&db) {}

  Result<std::optional<Bytes>> get(std::string_view plugin_id, std::string_view key);
  Result<void> put(std::string_view plugin_id, std::string_view key, ByteView value);
  // True if the key existed.
  Result<bool> erase(std::string_view plugin_id, std::string_view key);
  // The plugin's keys starting with `prefix`, sorted.
  Result<std::vector<std::string>> keys(std::string_view plugin_id, std::string_view prefix = {});
  // Deletes every key of the plugin and its schema version.
  Result<void> clear(std::string_view plugin_id);

  // 0 until the plugin sets a version.
  Result<int> schema_version(std::string_view plugin_id);
  Result<void> set_schema_version(std::string_view plugin_id, int version);

 private:
  Db* db_;
};

}  // namespace dcbot::store
