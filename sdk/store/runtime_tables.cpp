// SPDX-License-Identifier: MIT
#include "store/runtime_tables.h"

#include <utility>

#include <fmt/format.h>

namespace dcbot::store {
namespace {

Result<std::optional<SecureJoinToken>> first_token(Stmt& stmt) {
  DCBOT_TRY(Step s, stmt.step());
  if (s == Step::Done) {
    return std::optional<SecureJoinToken>();
  }
  return std::optional<SecureJoinToken>(
      SecureJoinToken{.kind = static_cast<TokenKind>(stmt.column_int64(0)),
                      .token = stmt.column_text(1),
                      .grpid = stmt.column_text(2),
                      .created = stmt.column_int64(3)});
}

}  // namespace

// ---- SecureJoinTokens

Result<void> SecureJoinTokens::add(const SecureJoinToken& t) {
  DCBOT_TRY(auto stmt, db_->cached("INSERT INTO securejoin_tokens(kind, token, grpid, created) "
                                   "VALUES(?, ?, ?, ?)"));
  DCBOT_TRY(stmt->bind_all(t.kind, t.token, t.grpid, t.created));
  return stmt->run();
}

Result<std::optional<SecureJoinToken>> SecureJoinTokens::lookup(TokenKind kind,
                                                                std::string_view token) {
  DCBOT_TRY(auto stmt, db_->cached("SELECT kind, token, grpid, created FROM securejoin_tokens "
                                   "WHERE kind = ? AND token = ?"));
  DCBOT_TRY(stmt->bind_all(kind, token));
  return first_token(*stmt);
}

Result<std::optional<SecureJoinToken>> SecureJoinTokens::latest(TokenKind kind,
                                                                std::string_view grpid) {
  DCBOT_TRY(auto stmt, db_->cached("SELECT kind, token, grpid, created FROM securejoin_tokens "
                                   "WHERE kind = ? AND grpid = ? ORDER BY created DESC, id DESC "
                                   "LIMIT 1"));
  DCBOT_TRY(stmt->bind_all(kind, grpid));
  return first_token(*stmt);
}

Result<int> SecureJoinTokens::remove_group(std::string_view grpid) {
  DCBOT_TRY(auto stmt, db_->cached("DELETE FROM securejoin_tokens WHERE grpid = ?"));
  DCBOT_TRY(stmt->bind_all(grpid));
  DCBOT_TRY(stmt->run());
  return db_->changes();
}

// ---- Events

Result<std::int64_t> Events::add(std::string_view kind, ByteView payload, std::int64_t created_at) {
  DCBOT_TRY(auto stmt,
            db_->cached("INSERT INTO events(kind, payload, created_at) VALUES(?, ?, ?)"));
  DCBOT_TRY(stmt->bind_all(kind, payload, created_at));
  DCBOT_TRY(stmt->run());
  return db_->last_insert_rowid();
}

Result<std::vector<StoredEvent>> Events::unhandled(int limit) {
  DCBOT_TRY(auto stmt, db_->cached("SELECT id, kind, payload, created_at FROM events "
                                   "WHERE handled = 0 ORDER BY id LIMIT ?"));
  DCBOT_TRY(stmt->bind_all(limit));
  std::vector<StoredEvent> out;
  while (true) {
    DCBOT_TRY(Step s, stmt->step());
    if (s == Step::Done) {
      return out;
    }
    out.push_back(StoredEvent{.id = stmt->column_int64(0),
                              .kind = stmt->column_text(1),
                              .payload = stmt->column_blob(2),
                              .created_at = stmt->column_int64(3),
                              .handled = false});
  }
}

Result<void> Events::mark_handled(std::int64_t id) {
  DCBOT_TRY(auto stmt, db_->cached("UPDATE events SET handled = 1 WHERE id = ?"));
  DCBOT_TRY(stmt->bind_all(id));
  DCBOT_TRY(stmt->run());
  if (db_->changes() == 0) {
    return make_error(Errc::NotFound, fmt::format("store: no event {}", id));
  }
  return {};
}

Result<int> Events::prune_handled(std::int64_t before) {
  DCBOT_TRY(auto stmt, db_->cached("DELETE FROM events WHERE handled = 1 AND created_at < ?"));
  DCBOT_TRY(stmt->bind_all(before));
  DCBOT_TRY(stmt->run());
  return db_->changes();
}

// ---- PluginKv

Result<std::optional<Bytes>> PluginKv::get(std::string_view plugin_id, std::string_view key) {
  DCBOT_TRY(auto stmt, db_->cached("SELECT value FROM plugin_kv WHERE plugin_id = ? AND key = ?"));
  DCBOT_TRY(stmt->bind_all(plugin_id, key));
  DCBOT_TRY(Step s, stmt->step());
  if (s == Step::Done) {
    return std::optional<Bytes>();
  }
  return std::optional<Bytes>(stmt->column_blob(0));
}

Result<void> PluginKv::put(std::string_view plugin_id, std::string_view key, ByteView value) {
  DCBOT_TRY(auto stmt, db_->cached("INSERT INTO plugin_kv(plugin_id, key, value) VALUES(?, ?, ?) "
                                   "ON CONFLICT(plugin_id, key) DO UPDATE SET value = "
                                   "excluded.value"));
  DCBOT_TRY(stmt->bind_all(plugin_id, key, value));
  return stmt->run();
}

Result<bool> PluginKv::erase(std::string_view plugin_id, std::string_view key) {
  DCBOT_TRY(auto stmt, db_->cached("DELETE FROM plugin_kv WHERE plugin_id = ? AND key = ?"));
  DCBOT_TRY(stmt->bind_all(plugin_id, key));
  DCBOT_TRY(stmt->run());
  return db_->changes() > 0;
}

Result<std::vector<std::string>> PluginKv::keys(std::string_view plugin_id,
                                                std::string_view prefix) {
  // substr() instead of LIKE: prefixes may contain % and _.
  DCBOT_TRY(auto stmt, db_->cached("SELECT key FROM plugin_kv WHERE plugin_id = ?1 AND "
                                   "substr(key, 1, length(?2)) = ?2 ORDER BY key"));
  DCBOT_TRY(stmt->bind_all(plugin_id, prefix));
  std::vector<std::string> out;
  while (true) {
    DCBOT_TRY(Step s, stmt->step());
    if (s == Step::Done) {
      return out;
    }
    out.push_back(stmt->column_text(0));
  }
}

Result<void> PluginKv::clear(std::string_view plugin_id) {
  {
    DCBOT_TRY(auto stmt, db_->cached("DELETE FROM plugin_kv WHERE plugin_id = ?"));
    DCBOT_TRY(stmt->bind_all(plugin_id));
    DCBOT_TRY(stmt->run());
  }
  DCBOT_TRY(auto stmt, db_->cached("DELETE FROM plugin_schema WHERE plugin_id = ?"));
  DCBOT_TRY(stmt->bind_all(plugin_id));
  return stmt->run();
}

Result<int> PluginKv::schema_version(std::string_view plugin_id) {
  DCBOT_TRY(auto stmt, db_->cached("SELECT version FROM plugin_schema WHERE plugin_id = ?"));
  DCBOT_TRY(stmt->bind_all(plugin_id));
  DCBOT_TRY(Step s, stmt->step());
  if (s == Step::Done) {
    return 0;
  }
  return static_cast<int>(stmt->column_int64(0));
}

Result<void> PluginKv::set_schema_version(std::string_view plugin_id, int version) {
  DCBOT_TRY(auto stmt, db_->cached("INSERT INTO plugin_schema(plugin_id, version) VALUES(?, ?) "
                                   "ON CONFLICT(plugin_id) DO UPDATE SET version = "
                                   "excluded.version"));
  DCBOT_TRY(stmt->bind_all(plugin_id, version));
  return stmt->run();
}

}  // namespace dcbot::store
